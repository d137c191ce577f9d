# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Changing many connectors at the cost of one list call plus one PATCH per connector that differs.

The comparison is the engine's (``Resource.plan``), the very code ``magic_connector`` uses; this file only
adds what a fleet needs: every entry checked before any write, bounded concurrency, the rate-limit budget,
and an exact account of what was and was not changed when something fails.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from ._client import CloudflareAPIError, InvalidOption, check_id
from ._connectors import check_settings, merge_embargo_dates, select_connector
from ._resource import desired_from_params, managed_view

MAX_CONCURRENCY = 10
# Requests kept in hand when pacing by the Ratelimit header: Cloudflare blocks the whole account for five
# minutes once the budget is exceeded, so the fleet stops short of it and says when to re-run.
RATE_LIMIT_RESERVE = 2
IDENTITIES = ("id", "device_id", "device_serial_number")


class Planned:
    """One entry: the connector it names, and what bringing it to the entry's settings takes."""

    def __init__(self, index, current, desired, before, changes, body):
        self.index = index
        self.current = current
        self.desired = desired
        self.before = before
        self.changes = changes
        self.body = body
        self.after = current
        self.status = "changed" if changes else "unchanged"
        self.error = None


def plan_fleet(resource, entries, fields, purge_default):
    """Check every entry, list the connectors once, and plan each entry. Raises ``InvalidOption`` before any
    write for a bad value, an identity that names no connector, or two entries naming the same one."""
    settings = []
    for index, entry in enumerate(entries):
        where = "connectors[%d]." % index
        for option in ("id", "device_id"):
            if entry.get(option) is not None:
                check_id(where + option, entry[option])
        settings.append(check_settings(desired_from_params(entry, fields), where))

    connectors = resource.list()
    plans, seen = [], {}
    for index, (entry, desired) in enumerate(zip(entries, settings)):
        where = "connectors[%d]." % index
        identity = dict((k, entry.get(k)) for k in IDENTITIES)
        current = select_connector(connectors, identity["id"], identity["device_id"], identity["device_serial_number"],
                                   where=where)
        if current is None:
            option = next(k for k in IDENTITIES if identity[k] is not None)
            raise InvalidOption(where + option, "matches no connector (this module changes existing connectors; "
                                "create new ones with cloudflare.magic_transit.magic_connector)", identity[option])
        if current["id"] in seen:
            raise InvalidOption(where[:-1], "names the same connector (%s) as connectors[%d]"
                                % (current["id"], seen[current["id"]]))
        seen[current["id"]] = index
        purge = purge_default if entry.get("purge_embargo_dates") is None else entry["purge_embargo_dates"]
        desired = merge_embargo_dates(desired, current, purge, where)
        before, changes, body = resource.plan(current, desired, fields)
        plans.append(Planned(index, current, desired, before, changes, body))
    return plans


class FleetChange:
    """Sends the planned writes (or, in check mode, predicts them) and accounts for every entry."""

    def __init__(self, resource, max_concurrency, check_mode=False, diff_mode=False):
        if not 1 <= max_concurrency <= MAX_CONCURRENCY:
            raise InvalidOption("max_concurrency", "must be from 1 to %d" % MAX_CONCURRENCY, max_concurrency)
        self.resource = resource
        self.client = resource.client
        self.plans = []
        self.max_concurrency = max_concurrency
        self.check_mode = check_mode
        self.diff_mode = diff_mode
        self.warnings = []
        self._lock = threading.Lock()
        self._in_flight = 0
        self._stop_reason = None

    def plan(self, entries, fields, purge_default):
        self.plans = plan_fleet(self.resource, entries, fields, purge_default)

    @property
    def failed(self):
        return any(p.status in ("failed", "not_sent") for p in self.plans)

    def run(self):
        pending = [p for p in self.plans if p.changes]
        if self.check_mode:
            for plan in pending:
                plan.after = self.resource.predicted(plan.current, plan.changes)
            return
        with ThreadPoolExecutor(max_workers=self.max_concurrency) as pool:
            list(pool.map(self._write, pending))

    def _write(self, plan):
        with self._lock:
            reason = self._stop_reason or self._budget_exhausted()
            if reason:
                plan.status, plan.error = "not_sent", reason
                return
            self._in_flight += 1
        try:
            plan.after, warning = self.resource.write_safely(
                lambda: self.resource.update(plan.current["id"], plan.body),
                lambda: self.resource.get(plan.current["id"]),
                plan.desired,
            )
        except CloudflareAPIError as error:
            with self._lock:
                plan.status, plan.error = "failed", str(error)
                # After a failure nothing more is sent: the failure may be the account's (auth, rate limit).
                self._stop_reason = self._stop_reason or "not sent after the write of connectors[%d] failed" % plan.index
            return
        finally:
            with self._lock:
                self._in_flight -= 1
        if warning:
            with self._lock:
                self.warnings.append(warning)

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
        entries, diffs = [], []
        for plan in self.plans:
            entry = dict(id=plan.current["id"], status=plan.status, changed=plan.status == "changed",
                         connector=self.resource.masked(plan.after))
            if plan.error:
                entry["error"] = plan.error
            if self.diff_mode and plan.changes:
                entry["diff"] = self.resource.diff(managed_view(plan.before, plan.desired),
                                                   managed_view(self.resource.canonical(plan.after), plan.desired))
                header = "connector %s (%s)" % (plan.current["id"], plan.current.get("notes", ""))
                diffs.append(dict(entry["diff"], before_header=header, after_header=header))
            entries.append(entry)
        summary = dict(total=len(entries))
        for status in ("changed", "unchanged", "failed", "not_sent"):
            summary[status] = sum(1 for e in entries if e["status"] == status)
        result = dict(changed=summary["changed"] > 0, magic_connectors=entries, summary=summary)
        if self.diff_mode:
            result["diff"] = diffs
        return result

    def failure_message(self):
        def indexes(status):
            return ", ".join(str(p.index) for p in self.plans if p.status == status) or "none"
        first = next(p for p in self.plans if p.status in ("failed", "not_sent"))
        return ("%s. Changed: connectors[%s]; failed: [%s]; not sent: [%s]; unchanged entries were already as asked. "
                "Nothing else was written: run the task again to converge."
                % (first.error, indexes("changed"), indexes("failed"), indexes("not_sent")))
