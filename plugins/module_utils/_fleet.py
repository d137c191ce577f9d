# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Writing many objects of one resource: the planned updates sent with bounded concurrency, within the rate-limit
budget, stopping after the first failure, with an exact account of every entry.

It works for any ``Resource`` that has list and update; what a fleet's entries mean (which object each names,
what it should become) is the resource's planning, done before anything is sent (``Planned`` is its output).
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Optional

from ._client import CloudflareAPIError, InvalidOption
from ._resource import IncompleteRun

MAX_CONCURRENCY = 10
# Requests kept in hand when pacing by the Ratelimit header: Cloudflare blocks the whole account for five
# minutes once the budget is exceeded, so the fleet stops short of it and says when to re-run.
RATE_LIMIT_RESERVE = 2

# What happened to an entry.
CHANGED = "changed"
UNCHANGED = "unchanged"
FAILED = "failed"
NOT_SENT = "not_sent"
STATUSES = (CHANGED, UNCHANGED, FAILED, NOT_SENT)


@dataclass
class Planned:
    """One entry: the object it names, what bringing it to the entry's fields takes, and what happened."""

    index: int
    current: dict
    desired: dict
    before: dict
    changes: dict
    body: dict
    after: Optional[dict] = None
    status: Optional[str] = None
    error: Optional[str] = None

    def __post_init__(self):
        if self.after is None:
            self.after = self.current
        if self.status is None:
            self.status = CHANGED if self.changes else UNCHANGED


def check_concurrency(max_concurrency):
    if not 1 <= max_concurrency <= MAX_CONCURRENCY:
        raise InvalidOption("max_concurrency", "must be from 1 to %d" % MAX_CONCURRENCY, max_concurrency)
    return max_concurrency


class FleetWriter:
    """Sends the planned writes (or, in check mode, predicts them) and accounts for every entry.

    ``option`` is the module option that holds the entries (``connectors``), for messages; ``warn`` receives the
    warnings of writes whose outcome a re-read had to confirm.
    """

    def __init__(self, resource, option, max_concurrency, check_mode=False, diff_mode=False, warn=None):
        self.resource = resource
        self.client = resource.client
        self.option = option
        self.max_concurrency = check_concurrency(max_concurrency)
        self.check_mode = check_mode
        self.diff_mode = diff_mode
        self.warn = warn
        self.plans = []
        self.warnings = []
        self._lock = threading.Lock()
        self._in_flight = 0
        self._stop_reason = None

    def run(self, plans):
        """Write ``plans``; return the module result, or raise ``IncompleteRun`` with it when an entry failed or
        was not sent."""
        self.plans = plans
        pending = [p for p in plans if p.changes]
        if self.check_mode:
            for plan in pending:
                plan.after = self.resource.predicted(plan.current, plan.changes)
        else:
            with ThreadPoolExecutor(max_workers=self.max_concurrency) as pool:
                list(pool.map(self._write, pending))
        for warning in self.warnings if self.warn else ():
            self.warn(warning)
        result = self.result()
        if any(p.status in (FAILED, NOT_SENT) for p in plans):
            raise IncompleteRun(self.failure_message(), result)
        return result

    def _write(self, plan):
        with self._lock:
            reason = self._stop_reason or self._budget_exhausted()
            if reason:
                plan.status, plan.error = NOT_SENT, reason
                return
            self._in_flight += 1
        try:
            plan.after, warning = self._send(plan)
        except CloudflareAPIError as error:
            with self._lock:
                plan.status, plan.error = FAILED, str(error)
                # After a failure nothing more is sent: the failure may be the account's (auth, rate limit).
                self._stop_reason = self._stop_reason or "not sent after the write of %s[%d] failed" % (
                    self.option, plan.index)
            return
        finally:
            with self._lock:
                self._in_flight -= 1
        if warning:
            with self._lock:
                self.warnings.append(warning)

    def _send(self, plan):
        """The one write of an entry: ``(object, warning)``, an unknown outcome re-read."""
        resource, object_id = self.resource, plan.current["id"]
        return resource.write_safely(lambda: resource.update(object_id, plan.body), lambda: resource.get(object_id),
                                     plan.desired)

    def _budget_exhausted(self):
        remaining = self.client.rate_limit_remaining
        if remaining is None or remaining - self._in_flight > RATE_LIMIT_RESERVE:
            return None
        self._stop_reason = (
            "not sent: Cloudflare's rate limit leaves %d requests for the next %s s, and exceeding it blocks the "
            "whole account for 5 minutes; run the task again after that to converge"
            % (remaining, self.client.rate_limit_reset if self.client.rate_limit_reset is not None else "?"))
        return self._stop_reason

    def result(self):
        resource, entries, diffs = self.resource, [], []
        for plan in self.plans:
            entry = dict(id=plan.current["id"], status=plan.status, changed=plan.status == CHANGED)
            entry.update(resource.outcome(plan.before, plan.after, plan.desired, self.diff_mode and bool(plan.changes),
                                          key=resource.label))
            if plan.error:
                entry["error"] = plan.error
            if "diff" in entry:
                header = "%s %s (%s)" % (resource.label, plan.current["id"], plan.current.get(resource.title_key, ""))
                diffs.append(dict(entry["diff"], before_header=header, after_header=header))
            entries.append(entry)
        summary = dict(total=len(entries))
        for status in STATUSES:
            summary[status] = sum(1 for e in entries if e["status"] == status)
        result = {"changed": summary[CHANGED] > 0, resource.results_key: entries, "summary": summary}
        if self.diff_mode:
            result["diff"] = diffs
        return result

    def failure_message(self):
        def indexes(status):
            return ", ".join(str(p.index) for p in self.plans if p.status == status) or "none"
        first = next(p for p in self.plans if p.status in (FAILED, NOT_SENT))
        return ("%s. Changed: %s[%s]; failed: [%s]; not sent: [%s]; unchanged entries were already as asked. "
                "Nothing else was written: run the task again to converge."
                % (first.error, self.option, indexes(CHANGED), indexes(FAILED), indexes(NOT_SENT)))
