# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Cloudflare's rate budget as the client sees it: the ``Ratelimit`` headers of its answers, ``Retry-After``, and the
calls this client sent within the window (``RateLog``). Standard library only; no HTTP here."""

from __future__ import annotations

import email.utils
import math
import re
import threading
import time
from collections import deque, namedtuple
from datetime import datetime, timedelta, timezone

# A Retry-After beyond a day is nonsense or hostile; it only has to be longer than any max_retry_wait.
RETRY_AFTER_CAP = 86400.0
_RATELIMIT_PATTERN = re.compile(r";\s*(r|t)=(\d{1,12})\b")
_RATELIMIT_POLICY_PATTERN = re.compile(r";\s*(q|w)=(\d{1,12})\b")
# Cloudflare's documented budget, for when its answers carry no Ratelimit-Policy header.
DOCUMENTED_RATE_LIMIT = 1200
DOCUMENTED_RATE_WINDOW = 300

RateBudget = namedtuple(
    "RateBudget",
    "remaining reset seen_at calls_since limit window others others_growth from_header blocked_until",
    defaults=(DOCUMENTED_RATE_LIMIT, DOCUMENTED_RATE_WINDOW, 0, 0.0, False, None),
)
RateBudget.__doc__ = """What the client knows of Cloudflare's rate budget: ``remaining`` requests and ``reset`` seconds
as of ``seen_at`` (the client's clock at the answer that told, None when no answer did), and ``calls_since``: the
calls sent after that answer (they count against ``remaining`` too). ``limit`` and ``window`` are the policy
(``Ratelimit-Policy``, else Cloudflare's documented 1200 per 300 s). ``others`` is how many of the window's requests
other consumers of the same budget (the dashboard, other tools, this collection's earlier runs) hold, as of that
answer: what the window counts beyond this client's own answered calls of the last window. ``others_growth`` is how
fast that grows (requests per second, 0 while it does not: a steady consumer's old calls leave the window as fast as
its new ones come). ``from_header`` says whether any answer carried a ``Ratelimit`` header (false when only a 429
told); ``blocked_until`` is the client's clock when a 429 refusal ends (None: not refused)."""


def parse_retry_after(value, now=None):
    """Seconds to wait from a ``Retry-After`` header (seconds or an HTTP date), or None when it says nothing usable.

    Whatever the header holds, the result is None or a finite number from 0 to ``RETRY_AFTER_CAP``: NaN and
    negative numbers say nothing; infinity and huge numbers mean "longer than anyone waits".
    """
    if not value or not isinstance(value, str) or len(value) > 64:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            moment = email.utils.parsedate_to_datetime(value)
            seconds = moment.timestamp() - (time.time() if now is None else now)
        except (TypeError, ValueError, OverflowError, IndexError, OSError):
            return None
        seconds = max(0.0, seconds)
    if math.isnan(seconds) or seconds < 0:
        return None
    return min(seconds, RETRY_AFTER_CAP)


def retry_time(seconds, now=None):
    """When a run stopped by the rate limit can be tried again, as people read it: ``14:05:10 UTC`` (with the date
    when it is not today)."""
    now = datetime.now(timezone.utc) if now is None else now
    at = now + timedelta(seconds=math.ceil(seconds))
    return at.strftime("%H:%M:%S UTC" if at.date() == now.date() else "%Y-%m-%d %H:%M:%S UTC")


def _growth(seen, window):
    """How fast others' count grew over the answers ``seen`` (per second; 0 when it did not), judged over at least a
    tenth of the window: the count of each answer may overstate others by the calls then under way, and a steady
    consumer's count moves by one either way as its calls come and leave."""
    latest_at, latest, latest_under_way = seen[-1]
    for at, others, _under_way in seen:
        span = latest_at - at
        if span < window / 10.0:
            break
        grown = (latest - latest_under_way) - others - 1
        if grown > 0:
            return grown / span
    return 0.0


class RateLog:
    """The calls one client sent within the window and what the answers said of the budget (thread-safe: the fleet
    sends from several threads). ``clock`` is the client's clock."""

    def __init__(self, clock):
        self.clock = clock
        self._lock = threading.Lock()
        self._budget = RateBudget(None, None, None, 0)
        # One [sent at, answered] per call sent within the last window (the client's clock), oldest first.
        self._sent = deque()
        # (seen at, others, our calls then under way) per Ratelimit answer of the last window: how others grow.
        self._others_seen = deque()

    def budget(self):
        """A consistent snapshot (``RateBudget``)."""
        with self._lock:
            return self._budget

    def sent(self):
        """Log a call sent; its entry goes back to ``answered`` once the call is no longer under way."""
        with self._lock:
            self._budget = self._budget._replace(calls_since=self._budget.calls_since + 1)
            now = self.clock()
            entry = [now, False]
            self._sent.append(entry)
            while self._sent and self._sent[0][0] <= now - max(self._budget.window, DOCUMENTED_RATE_WINDOW):
                self._sent.popleft()
            return entry

    def answered(self, entry, counted=True):
        """The call of ``entry`` is no longer under way: a count in its answer (or any later one) holds it. A refused
        call (429) counts nothing against the budget, so it leaves the window's log."""
        with self._lock:
            entry[1] = True
            if not counted:
                self._sent = deque(e for e in self._sent if e is not entry)

    def sent_times(self, seconds):
        """When (on the client's clock) each call sent in the last ``seconds`` went, oldest first."""
        since = self.clock() - seconds
        with self._lock:
            return [entry[0] for entry in self._sent if entry[0] > since]

    def note(self, headers, status, retry_after):
        """Take in what an answer's headers (and a 429's ``retry_after``) say of the budget."""
        values = dict(_RATELIMIT_PATTERN.findall(headers.get("Ratelimit") or ""))
        policy = dict(_RATELIMIT_POLICY_PATTERN.findall(headers.get("Ratelimit-Policy") or ""))
        now = self.clock()
        if status == 429 and retry_after is not None:
            # Refused: nothing is left until the block ends (Cloudflare sends Retry-After only then). That is no count
            # of the window's calls, so what others hold stays as the last count said. A 429 without Retry-After says
            # nothing of the budget beyond its own headers (the client backs off briefly and retries).
            with self._lock:
                self._budget = self._budget._replace(
                    remaining=0,
                    reset=int(math.ceil(retry_after)),
                    seen_at=now,
                    calls_since=0,
                    blocked_until=now + retry_after,
                )
            return
        if "r" in values:
            with self._lock:
                self._note_count(values, policy, now)

    def _note_count(self, values, policy, now):
        budget = self._budget
        limit = int(policy["q"]) if int(policy.get("q") or 0) > 0 else budget.limit
        window = int(policy["w"]) if int(policy.get("w") or 0) > 0 else budget.window
        remaining = int(values["r"])
        reset = int(values["t"]) if values.get("t") is not None else None
        # What the window holds beyond this client's answered calls of the last window is others'. Calls still
        # under way may or may not be counted yet: leaving them out can only overstate others (the safe side).
        answered = [entry for entry in self._sent if entry[1] and entry[0] > now - window]
        under_way = sum(1 for entry in self._sent if not entry[1])
        others = limit - remaining - len(answered)
        if others < 0:
            # The window counts fewer of this client's calls than it sent: the oldest have left it already (a
            # window that restarted, or a clock a little apart). They no longer count against the budget.
            forgotten = set(id(entry) for entry in answered[:-others])
            self._sent = deque(entry for entry in self._sent if id(entry) not in forgotten)
            others = 0
        seen = self._others_seen
        seen.append((now, others, under_way))
        while seen and seen[0][0] <= now - window:
            seen.popleft()
        self._budget = RateBudget(remaining, reset, now, 0, limit, window, others, _growth(seen, window), True, None)
