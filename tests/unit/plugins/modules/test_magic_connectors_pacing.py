# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Pacing through Cloudflare's rate limit, at the HTTP boundary, on a fake clock: nothing really waits.

The fake answers like Cloudflare's budget: ``limit`` requests per ``window`` seconds (fixed windows), the
``Ratelimit`` headers on every answer (unless told not to), and past the limit a 429 with ``retry-after`` for a whole
window. ``other`` calls per second of another consumer count against the same budget.
"""

from __future__ import annotations

import json
import re
import threading

import pytest
import requests

from ansible_collections.cloudflare.magic_transit.plugins.modules import magic_connectors
from ansible_collections.cloudflare.magic_transit.tests.unit.fake_api import ACCOUNT, BASE_URL

PATH = "/accounts/%s/magic/connectors" % ACCOUNT


def connector(number, **fields):
    return dict({"id": "%032x" % number, "notes": "site-%04d" % number, "timezone": "UTC",
                 "device": {"id": "%032x" % (100000 + number), "serial_number": "SN%04d" % number, "type": "MANAGED"}},
                **fields)


class Budget:
    """A fake clock and a fake Cloudflare that keeps a rate budget on it."""

    def __init__(self, count, limit=120, window=30, other=0.0, headers=True):
        self.now = 1000.0
        self.limit, self.window, self.other, self.headers = limit, window, other, headers
        self.start, self.used, self.other_spent, self.blocked_until = self.now, 0, 0.0, 0.0
        self.connectors = dict((c["id"], c) for c in (connector(n) for n in range(1, count + 1)))
        self.calls, self.statuses, self.sleeps = [], [], []
        self.lock = threading.Lock()

    def monotonic(self):
        return self.now

    def sleep(self, seconds):
        with self.lock:
            self.sleeps.append(seconds)
            self.now += seconds

    def _roll(self):
        while self.now >= self.start + self.window:
            self.start += self.window
            self.used, self.other_spent = 0, 0.0
        # the other consumer spends evenly since the window began
        due = self.other * (self.now - self.start)
        self.used += int(due) - int(self.other_spent)
        self.other_spent = due

    def __call__(self, session, method, url, data=None, params=None, headers=None, timeout=None, **kwargs):
        with self.lock:
            self.now += 0.01  # every answer takes 10 ms
            self._roll()
            self.calls.append((method, url[len(BASE_URL):]))
            response = requests.Response()
            response.reason = "fake"
            if self.now < self.blocked_until or self.used >= self.limit:
                if self.now >= self.blocked_until:
                    self.blocked_until = self.now + self.window
                response.status_code = 429
                response.headers["Retry-After"] = str(int(self.blocked_until - self.now) + 1)
                body = {"success": False, "errors": [{"code": 971, "message": "Please wait"}], "messages": [], "result": None}
            else:
                self.used += 1
                response.status_code = 200
                if self.headers:
                    response.headers["Ratelimit"] = '"default";r=%d;t=%d' % (
                        self.limit - self.used, int(self.start + self.window - self.now) + 1)
                    response.headers["Ratelimit-Policy"] = '"burst";q=%d;w=%d' % (self.limit, self.window)
                body = {"success": True, "errors": [], "messages": [], "result": self._answer(method, url, data)}
            self.statuses.append(response.status_code)
            response._content = json.dumps(body).encode()
            return response

    def _answer(self, method, url, data):
        path = url[len(BASE_URL):]
        if method == "GET" and path == PATH:
            return list(self.connectors.values())
        match = re.fullmatch(re.escape(PATH) + "/([0-9a-f]{32})", path)
        assert method == "PATCH" and match, "unexpected %s %s" % (method, path)
        self.connectors[match.group(1)].update(json.loads(data))
        return self.connectors[match.group(1)]

    def writes(self):
        return [c for c, s in zip(self.calls, self.statuses) if c[0] != "GET" and s == 200]


@pytest.fixture
def budget(monkeypatch):
    holder = {}

    def make(*args, **kwargs):
        fake = holder["fake"] = Budget(*args, **kwargs)

        def request(session, *a, **k):
            return fake(session, *a, **k)

        monkeypatch.setattr(requests.Session, "request", request)
        monkeypatch.setattr("time.sleep", fake.sleep)
        monkeypatch.setattr("time.monotonic", fake.monotonic)
        return fake

    return make


def entries(fake, **fields):
    return [dict(id=c["id"], **fields) for c in fake.connectors.values()]


def test_a_fleet_bigger_than_the_budget_pauses_for_the_window_and_never_meets_a_429(budget, run_module):
    fake = budget(300)
    result = run_module(magic_connectors, connectors=entries(fake, notes="paced"))
    assert "failed" not in result, result.get("msg")
    assert 429 not in fake.statuses and len(fake.writes()) == 300
    assert result["summary"]["changed"] == 300 and result["pacing"]["rate_limited"] == 0
    pacing = result["pacing"]
    assert pacing["pauses"] == 2 and len(pacing["lines"]) == 2
    assert re.fullmatch(r"paced: \d+ of 300 sent, waiting \d+ s for Cloudflare's rate-limit window", pacing["lines"][0])
    # each pause waits for the window's end, not longer: the whole run takes its three windows
    assert all(seconds <= 30.5 for seconds in fake.sleeps) and fake.now - 1000.0 < 3 * 30


def test_rate_limit_wait_bounds_the_pauses_and_then_reports_exactly(budget, run_module):
    fake = budget(300)
    result = run_module(magic_connectors, rate_limit_wait=40, connectors=entries(fake, notes="paced"))
    assert result["failed"] and 429 not in fake.statuses
    assert result["pacing"]["pauses"] == 1 and sum(fake.sleeps) <= 40
    sent = len(fake.writes())
    assert 200 <= sent < 300 and result["summary"]["changed"] == sent and result["summary"]["not_sent"] == 300 - sent
    assert "would pass rate_limit_wait=40 s" in result["msg"] and "%d of 300 writes were sent" % sent in result["msg"]
    assert len(result["msg"]) < 4096


def test_rate_limit_wait_0_stops_instead_of_waiting(budget, run_module):
    fake = budget(200)
    result = run_module(magic_connectors, rate_limit_wait=0, connectors=entries(fake, notes="x"))
    assert result["failed"] and fake.sleeps == [] and 429 not in fake.statuses
    assert "Cloudflare's rate limit leaves" in result["msg"] and result["summary"]["not_sent"] > 0


def test_room_is_left_for_another_consumer_of_the_budget(budget, run_module):
    fake = budget(300, other=40 / 30.0)  # the other consumer spends a third of the budget
    result = run_module(magic_connectors, connectors=entries(fake, notes="shared"))
    assert "failed" not in result, result.get("msg")
    assert 429 not in fake.statuses and len(fake.writes()) == 300
    assert fake.blocked_until == 0.0, "nobody met the account block, the other consumer neither"


def test_without_ratelimit_headers_it_spends_half_the_documented_budget_per_window(budget, run_module):
    fake = budget(700, limit=1200, window=300, headers=False)
    result = run_module(magic_connectors, connectors=entries(fake, notes="no headers"))
    assert "failed" not in result, result.get("msg")
    assert 429 not in fake.statuses and len(fake.writes()) == 700
    assert result["pacing"]["pauses"] == 1 and 290 < fake.sleeps[0] <= 301


def test_without_headers_the_first_429_halves_what_it_spends(budget, run_module):
    fake = budget(150, limit=100, window=60, headers=False)  # a budget smaller than the documented one
    # the client waits out the short block itself (max_retry_wait), then the fleet spends less. One write at a time:
    # with several in flight when the block starts, each of them meets its own 429 (as on Cloudflare), and how many
    # are in flight then depends on thread timing.
    result = run_module(magic_connectors, max_concurrency=1, max_retry_wait=120, rate_limit_wait=900,
                        connectors=entries(fake, notes="backed off"))
    assert "failed" not in result, result.get("msg")
    assert len(fake.writes()) == 150 and result["summary"]["changed"] == 150
    # the first 429 is the only one: after the block the allowance is halved, and kept
    assert result["pacing"]["rate_limited"] == fake.statuses.count(429) == 1
    assert result["pacing"]["pauses"] >= 1


def test_a_block_longer_than_max_retry_wait_fails_at_once_as_before(budget, run_module):
    fake = budget(150, limit=100, window=300, headers=False)
    result = run_module(magic_connectors, max_concurrency=1, connectors=entries(fake, notes="blocked"))
    assert result["failed"] and fake.statuses.count(429) == 1 and fake.sleeps == []
    assert "Cloudflare's rate limit blocks this account's API for another" in result["msg"]
    assert result["summary"]["failed"] == 1 and result["summary"]["changed"] == 99  # and the list call
