# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Pacing through Cloudflare's rate limit, at the HTTP boundary, on a fake clock: nothing really waits.

The fake answers like Cloudflare's budget: ``limit`` requests per ``window`` seconds (fixed windows, or with
``sliding`` the calls of the last ``window`` seconds, as the simulator counts), the ``Ratelimit`` headers on every
answer (unless told not to), and past the limit a 429 with ``retry-after`` for a whole window. ``other`` calls per
second of another consumer count against the same budget; ``burst`` calls of another consumer were sent ``burst_age``
seconds before the run started.

The waits asserted are the fake clock's: what the module planned, never wall time.
"""

from __future__ import annotations

import collections
import functools
import itertools
import json
import math
import re
import threading

import pytest
import requests

from ansible_collections.cloudflare.magic_transit.plugins.modules import magic_connectors
from ansible_collections.cloudflare.magic_transit.tests.helpers import api_connector
from ansible_collections.cloudflare.magic_transit.tests.unit.fake_api import ACCOUNT, BASE_URL

PATH = "/accounts/%s/magic/connectors" % ACCOUNT


connector = functools.partial(api_connector, notes="site-%04d", serial="SN%04d", timezone="UTC")


class Budget:
    """A fake clock and a fake Cloudflare that keeps a rate budget on it."""

    def __init__(self, count, limit=120, window=30, other=0.0, headers=True, sliding=False, burst=0, burst_age=0.0):
        self.now = 1000.0
        self.limit, self.window, self.other, self.headers = limit, window, other, headers
        self.start, self.used, self.other_spent, self.blocked_until = self.now, 0, 0.0, 0.0
        self.connectors = dict((c["id"], c) for c in (connector(n) for n in range(1, count + 1)))
        self.calls, self.statuses, self.sleeps, self.call_times = [], [], [], []
        self.lock = threading.Lock()
        self.sliding, self.times, self.other_refused = sliding, collections.deque(), 0
        # a steady consumer has been spending for a window already, evenly (as the simulator's other consumer)
        self.other_next = self.now - window + 1.0 / other if other else None
        if sliding:
            self.times.extend([self.now - burst_age] * burst)
        else:
            self.used = burst

    def monotonic(self):
        return self.now

    def sleep(self, seconds):
        with self.lock:
            self.sleeps.append(seconds)
            self.now += seconds

    def _roll(self):
        if self.sliding:
            while self.other_next is not None and self.other_next <= self.now:
                if not self._take(self.other_next):
                    self.other_refused += 1
                self.other_next += 1.0 / self.other
            while self.times and self.times[0] <= self.now - self.window:
                self.times.popleft()
            return
        while self.now >= self.start + self.window:
            self.start += self.window
            self.used, self.other_spent = 0, 0.0
        # the other consumer spends evenly since the window began
        due = self.other * (self.now - self.start)
        self.used += int(due) - int(self.other_spent)
        self.other_spent = due

    def _take(self, at):
        """Count a call at ``at`` in the sliding window; false (and the account blocked) past the limit."""
        while self.times and self.times[0] <= at - self.window:
            self.times.popleft()
        if at < self.blocked_until:
            return False
        if len(self.times) >= self.limit:
            self.blocked_until = at + self.window
            return False
        self.times.append(at)
        return True

    def _allowed(self):
        if self.sliding:
            return self._take(self.now)
        if self.now < self.blocked_until or self.used >= self.limit:
            if self.now >= self.blocked_until:
                self.blocked_until = self.now + self.window
            return False
        self.used += 1
        return True

    def _ratelimit(self):
        if self.sliding:
            return self.limit - len(self.times), max(1, math.ceil(self.times[0] + self.window - self.now))
        return self.limit - self.used, int(self.start + self.window - self.now) + 1

    def __call__(self, session, method, url, data=None, params=None, headers=None, timeout=None, **kwargs):
        with self.lock:
            self.now += 0.01  # every answer takes 10 ms
            self._roll()
            self.calls.append((method, url[len(BASE_URL) :]))
            self.call_times.append(self.now)
            response = requests.Response()
            response.reason = "fake"
            if not self._allowed():
                response.status_code = 429
                response.headers["Retry-After"] = str(int(self.blocked_until - self.now) + 1)
                body = {
                    "success": False,
                    "errors": [{"code": 971, "message": "Please wait"}],
                    "messages": [],
                    "result": None,
                }
            else:
                response.status_code = 200
                if self.headers:
                    response.headers["Ratelimit"] = '"default";r=%d;t=%d' % self._ratelimit()
                    response.headers["Ratelimit-Policy"] = '"burst";q=%d;w=%d' % (self.limit, self.window)
                body = {"success": True, "errors": [], "messages": [], "result": self._answer(method, url, data)}
            self.statuses.append(response.status_code)
            response._content = json.dumps(body).encode()
            return response

    def _answer(self, method, url, data):
        path = url[len(BASE_URL) :]
        if method == "GET" and path == PATH:
            return list(self.connectors.values())
        match = re.fullmatch(re.escape(PATH) + "/([0-9a-f]{32})", path)
        assert method == "PATCH" and match, "unexpected %s %s" % (method, path)
        self.connectors[match.group(1)].update(json.loads(data))
        return self.connectors[match.group(1)]

    def writes(self):
        return [c for c, s in zip(self.calls, self.statuses, strict=False) if c[0] != "GET" and s == 200]


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
    result = run_module(
        magic_connectors,
        max_concurrency=1,
        max_retry_wait=120,
        rate_limit_wait=900,
        connectors=entries(fake, notes="backed off"),
    )
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


def floor(requests, limit, window, burst=0, steady=0):
    """The time the rate limit alone imposes on ``requests`` calls (sliding window, nothing kept in reserve): another
    consumer's ``burst`` just before the run leaves the window after one window, ``steady`` calls of another consumer
    are always in it."""
    share, sent, windows = limit - burst - steady, 0, 0
    while True:
        sent += share
        if sent >= requests:
            return windows * window
        share, windows = limit - steady, windows + 1


@pytest.mark.parametrize(
    "count, other, expected_floor",
    [
        (300, dict(burst=40), 60),  # another tool spent a third of the budget just before the run
        (100, dict(burst=40), 30),  # the run: it stopped after 30 of 100 writes with rate_limit_wait=120
        (300, dict(other=40 / 30.0), 90),  # another consumer spends a third of the budget, steadily
        (100, dict(other=40 / 30.0), 30),
        (300, dict(), 60),  # alone
    ],
)
def test_a_fleet_converges_in_one_go_near_the_floor_whatever_another_consumer_does(
    budget, run_module, count, other, expected_floor
):
    fake = budget(count, sliding=True, **other)
    result = run_module(magic_connectors, rate_limit_wait=120, connectors=entries(fake, notes="paced"))
    assert "failed" not in result, result.get("msg")
    assert 429 not in fake.statuses and fake.other_refused == 0 and fake.blocked_until == 0.0
    assert len(fake.writes()) == count and result["pacing"]["rate_limited"] == 0
    requests = len(fake.calls)
    assert requests == count + 1
    steady = round(other.get("other", 0) * 30)
    assert floor(requests, 120, 30, other.get("burst", 0), steady) == expected_floor
    # the run's time on the fake clock: the pauses the module planned and 10 ms per answer; target 1.15 x the floor
    planned = fake.now - 1000.0
    print(
        "floor %d s, planned %.1f s, %.3f x, pauses %s"
        % (expected_floor, planned, planned / expected_floor, fake.sleeps)
    )
    assert planned <= 1.15 * max(expected_floor, 1), (planned, fake.sleeps, result["pacing"]["lines"])
    # (waited_s adds each pause rounded to 0.1 s)
    assert sum(fake.sleeps) == pytest.approx(result["pacing"]["waited_s"], abs=0.05 * len(fake.sleeps))
    # never a pause longer than the window needs
    assert all(seconds <= 30 + 0.5 for seconds in fake.sleeps), fake.sleeps


@pytest.mark.parametrize(
    "burst, age, writes",
    [
        (280, 100.0, 840),  # 920 requests left after an earlier run: 840 removals of embargo dates go at once
        (840, 5.0, 7),  # right after an 840-PATCH burst, a drift fix of 7 PATCHes
        (1100, 400.0, 840),  # an earlier run whose window has passed counts nothing
    ],
)
def test_what_the_account_spent_earlier_is_no_other_consumer(budget, run_module, burst, age, writes):
    fake = budget(writes, limit=1200, window=300, sliding=True, burst=burst, burst_age=age)
    result = run_module(magic_connectors, connectors=entries(fake, notes="quiet"))
    assert "failed" not in result, result.get("msg")
    assert fake.sleeps == [] and result["pacing"]["pauses"] == 0 and 429 not in fake.statuses
    assert len(fake.writes()) == writes


def test_an_earlier_burst_is_waited_for_until_it_leaves_the_window_not_a_whole_window(budget, run_module):
    # 900 requests of an earlier run, sent 200 s ago, leave the window 100 s from now: 298 writes go at once, the
    # rest after those 100 s (and the margin), not after the 300 s this run's own first writes stay in the window.
    fake = budget(500, limit=1200, window=300, sliding=True, burst=900, burst_age=200.0)
    result = run_module(magic_connectors, connectors=entries(fake, notes="after the burst"))
    assert "failed" not in result, result.get("msg")
    assert 429 not in fake.statuses and len(fake.writes()) == 500
    # one pause, which ends when the burst has left the window, at 1100 on the fake clock (plus the margin and the
    # header's rounding to whole seconds)
    after = [at for before, at in itertools.pairwise(fake.call_times) if at - before > 1]
    assert result["pacing"]["pauses"] == 1 and len(after) == 1 and 1100 < after[0] <= 1101.5, (fake.sleeps, after)


def test_a_stop_says_when_to_retry_as_a_utc_clock_time(budget, run_module):
    fake = budget(300, sliding=True, burst=40)
    result = run_module(magic_connectors, rate_limit_wait=10, connectors=entries(fake, notes="x"))
    assert result["failed"] and 429 not in fake.statuses
    assert re.search(
        r"waiting \d+ s more would pass rate_limit_wait=10 s \(waited 0 s\), so \d+ of 300 writes were sent; "
        r"retry after \d\d:\d\d:\d\d UTC \(run the task again then to converge\)",
        result["msg"],
    ), result["msg"]
