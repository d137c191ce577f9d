# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Writing many objects of one resource: the planned creates, updates and deletes sent with bounded concurrency,
paced through Cloudflare's rate-limit budget, stopping after the first failure, with an exact account of every
entry.

It works for any ``Resource``; what a fleet's entries mean (which object each names, what it should become) is the
resource's planning, done before anything is sent with the engine's own steps (``Resource.begin``, ``plan_change``:
one ``Change`` per entry). Every change is then carried out by the engine's ``apply_change``, the write path of a
single-object module; the writer adds only what is a fleet's own: bounded concurrency, pacing (it is the ``guard``
that admits each write, a declared step's too, and holds the others while a lost answer is re-read) and accounting.

Pacing: Cloudflare's budget (1200 requests per 5 minutes per user, shared with the dashboard and every other tool)
blocks the whole account for 5 minutes once exceeded. The writer models the window as sliding: this client's own
calls of the last window (each leaves it one window after it went; the client knows when) and what other consumers
hold as of the last answer's ``Ratelimit`` header (what the window counts beyond this client's answered calls),
taken to stay as it is, plus room for what others add when that count grows. A write goes when that leaves more than
a small reserve. Otherwise it pauses until enough of its own calls leave the window (with those sent just after
them), or, when others hold most of it and their oldest call leaves sooner (a burst just before the run), until the
reset the header announced, after which one write tells what is left. Requests spent before the run are counted
only while the window holds them, and never taken for a rate at which others go on spending. All pauses together
stay within ``rate_limit_wait``; past it the run stops and says when to retry. Without any ``Ratelimit`` header it
paces its own calls to half the documented budget, and halves that on a 429.
"""

from __future__ import annotations

import contextlib
import json
import math
import threading
from concurrent.futures import ThreadPoolExecutor

from ._change import CHANGED, FAILED, MAX_NAMED, NOT_SENT, STATUSES, UNCHANGED, AfterWriteFailed, IncompleteRun, at_most
from ._inputs import CloudflareAPIError, InvalidOption
from ._ratelimit import retry_time

MAX_CONCURRENCY = 10
# What magic_connectors may pause in all by default: a pause is at most one window (300 s, plus a half-second margin),
# so the default takes two whole ones and most of a third, i.e. any change of up to about 3,000 writes.
DEFAULT_RATE_LIMIT_WAIT = 900
# Requests always kept in hand (besides the writes under way and what others hold): exceeding the budget blocks the
# whole account for five minutes, and a steady consumer's count moves by one or two either way.
RATE_LIMIT_RESERVE = 2
# Waiting a little past the announced reset: the header counts whole seconds.
PAUSE_MARGIN = 0.5
# Without a Ratelimit header nothing says what others spend: the writer takes at most this share of the budget.
NO_HEADER_SHARE = 0.5
# The diff is summarised past this many changes.
DIFF_SUMMARY_AUTO = 50
MAX_ERROR_CHARS = 400
MAX_TITLE_CHARS = 40


def check_concurrency(max_concurrency):
    if not 1 <= max_concurrency <= MAX_CONCURRENCY:
        raise InvalidOption("max_concurrency", "must be from 1 to %d" % MAX_CONCURRENCY, max_concurrency)
    return max_concurrency


def check_rate_limit_wait(seconds):
    if seconds is None or math.isnan(seconds) or math.isinf(seconds) or seconds < 0:
        raise InvalidOption("rate_limit_wait", "must be 0 or more seconds (0: stop instead of waiting)", seconds)
    return seconds


class FleetWriter:
    """Sends the planned writes (or, in check mode, predicts them) and accounts for every entry.

    ``option`` is the module option that holds the entries (``connectors``), for messages; ``warn`` receives the
    warnings of writes whose outcome a re-read had to confirm; ``progress`` receives one line per pause.
    ``rate_limit_wait`` bounds the pauses (0: stop and report instead). ``full`` puts the whole object in every
    entry's result; ``diff_summary`` collapses identical changes into one diff block (None: past 50 changes).
    """

    def __init__(
        self,
        resource,
        option,
        max_concurrency,
        check_mode=False,
        diff_mode=False,
        warn=None,
        rate_limit_wait=0,
        progress=None,
        full=True,
        diff_summary=None,
    ):
        self.resource = resource
        self.client = resource.client
        self.option = option
        self.max_concurrency = check_concurrency(max_concurrency)
        self.rate_limit_wait = check_rate_limit_wait(rate_limit_wait)
        self.check_mode = check_mode
        self.diff_mode = diff_mode
        self.warn = warn
        self.progress = progress
        self.full = full
        self.diff_summary = diff_summary
        self.plans = []
        self.warnings = []
        self.pacing = dict(pauses=0, waited_s=0.0, lines=[])
        self._cond = threading.Condition()
        self._in_flight = 0
        self._holds = 0
        self._pausing = False
        self._sent = 0
        self._total = 0
        self._allowance = None
        self._refused = 0
        self._stop_reason = None
        self._reset_pause = None  # (what others held, when the pause ended) after a pause for the reset announced
        self._others_steady = False

    def run(self, plans):
        """Carry out the planned ``Change``s; return the module result, or raise ``IncompleteRun`` with it when an entry
        failed or was not sent."""
        self.plans = plans
        pending = [p for p in plans if p.status == CHANGED]
        self._total = len(pending)
        if self.check_mode:
            for plan in pending:
                self.of(plan).apply_change(plan, True)
        else:
            with ThreadPoolExecutor(max_workers=self.max_concurrency) as pool:
                list(pool.map(self._write, pending))
        for plan in plans:
            self.warnings.extend(plan.warnings)
        for warning in self.warnings if self.warn else ():
            self.warn(warning)
        result = self.result()
        if any(p.status in (FAILED, NOT_SENT) or p.error for p in plans):
            raise IncompleteRun(self.failure_message(), result if self.full else self.compact(result))
        return result

    # --- sending, paced ------------------------------------------------------------------------------

    def _write(self, plan):
        """One entry through the engine's write path, this writer admitting each of its writes."""
        try:
            self.of(plan).apply_change(plan, False, guard=self)
        except AfterWriteFailed as failure:
            plan.after, plan.error = failure.after, failure.msg  # ours and bounded: it names where a file went
            plan.extra.update(failure.extra)
        except (CloudflareAPIError, InvalidOption) as error:
            plan.status, plan.error = FAILED, _short(str(error))
            plan.outcome_unknown = getattr(error, "outcome_unknown", False)

    def admit(self):
        """The guard of ``apply_change``: block until a write may be sent; None, or why not."""
        return self._admit()

    def release(self, error, plan, admitted):
        """A step ended: after a failure nothing more is sent (the failure may be the account's: auth, a 429 block
        longer than max_retry_wait)."""
        with self._cond:
            if admitted:
                self._in_flight -= 1
            self._cond.notify_all()
            if isinstance(error, AfterWriteFailed):
                self._stop_reason = self._stop_reason or "not sent after %s: %s" % (
                    self._name(plan),
                    "what had to follow its write failed",
                )
            elif error is not None:
                self._stop_reason = self._stop_reason or "not sent after the write of %s failed" % self._name(plan)

    @contextlib.contextmanager
    def holding(self):
        """Nothing else is sent while a lost answer is re-read (a lost create must not be repeated blindly)."""
        with self._cond:
            self._holds += 1
        try:
            yield
        finally:
            with self._cond:
                self._holds -= 1
                self._cond.notify_all()

    def _admit(self):
        """Block until this write may be sent (pausing for the rate limit when it must); None, or why not."""
        with self._cond:
            while True:
                if self._stop_reason:
                    return self._stop_reason
                if self._pausing or self._holds:
                    self._cond.wait()
                    continue
                decision = self._decide()
                if decision is None:
                    self._in_flight += 1
                    self._sent += 1
                    return None
                if decision == "answers":
                    self._cond.wait()
                    continue
                seconds, why = decision
                if self.pacing["waited_s"] + seconds > self.rate_limit_wait:
                    self._stop_reason = self._stop_report(why, seconds)
                    return self._stop_reason
                self._pause(seconds)

    def _decide(self):
        """None: send now; ``"answers"``: wait for the answers under way; ``(seconds, why)``: pause."""
        budget, now = self.client.rate_budget(), self.client.clock()
        if budget.blocked_until is not None and now < budget.blocked_until:
            # Refused (429): the client waits the block out for the write that met it; the others wait here.
            if self._in_flight:
                return "answers"
            return budget.blocked_until - now + PAUSE_MARGIN, (0, int(math.ceil(budget.blocked_until - now)))
        if budget.from_header and budget.remaining is not None:
            return self._decide_by_window(budget, now)
        # No Ratelimit header: pace this client's own calls within the documented budget, halved on each 429.
        count, oldest = self.client.sent_within(budget.window)
        if self._allowance is None:
            self._allowance = int(budget.limit * NO_HEADER_SHARE)
        refused = self.client.calls.get("rate_limited", 0)
        if refused > self._refused:
            self._refused = refused
            self._allowance = max(1, min(self._allowance, count) // 2)
        if count + RATE_LIMIT_RESERVE < self._allowance:
            return None
        if oldest is None:  # an allowance below the reserve: one call per window
            return None
        return max(oldest + budget.window - now, 0) + PAUSE_MARGIN, (max(self._allowance - count, 0), budget.window)

    def _decide_by_window(self, budget, now):
        """Pace by a model of Cloudflare's sliding window: this client's own calls of the last window (each leaves
        it a window after it went), and what others hold as of the last answer, taken to stay as it is (a steady
        consumer's calls leave as fast as new ones come; a burst's stay until an answer shows them gone), plus room
        for what others add if their count grows."""
        window = budget.window
        if self._reset_pause is not None:
            others_before, ended = self._reset_pause
            if budget.seen_at < ended <= now:
                # The pause waited for the reset announced: one write, whose answer tells what is left now.
                return "answers" if self._in_flight else None
            # If others hold about as much as before, what they hold is steady (their calls leave as fast as new ones
            # come) and waiting for the reset again would give back a call or two: from now on pause for this
            # client's own calls to leave.
            if budget.seen_at >= ended:
                self._others_steady = budget.others > others_before - 2 * self.max_concurrency
                self._reset_pause = None
        ours = self.client.sent_times(window)  # the writes under way too
        held = budget.others + budget.others_growth * window + len(ours)
        left = budget.limit - RATE_LIMIT_RESERVE - held
        if left - self._in_flight >= 1 and (left >= 2 * self.max_concurrency or not self._in_flight):
            return None
        if self._in_flight:
            # Near the end of the budget writes go one at a time: whether the answers under way were counted is
            # then never in doubt.
            return "answers"
        why = (max(int(budget.limit - held), 0), budget.reset if budget.reset is not None else window)
        ends = budget.seen_at + (budget.reset if budget.reset is not None else window)
        needed = int(math.ceil(1 - left))  # own calls that must leave the window before the next write
        own = None
        if needed <= len(ours):
            # Until they have left, and the calls sent just after them too (each pause costs its margin; the writes
            # of a burst leave the window together), never longer than a twentieth of a window past the first
            # needed, nor for more than the writes still to send.
            last = min(len(ours), needed + max(self._total - self._sent - 1, 0))
            until = ours[needed - 1] + window
            while needed < last and ours[needed] + window <= until + window / 20.0:
                needed += 1
            own = ours[needed - 1] + window
        if now < ends and not self._others_steady and (own is None or ends + window / 20.0 < own):
            # What others hold starts to leave well before this client's own calls do (a burst sent before this run,
            # a window that restarts): wait for the reset announced, then one write tells how much is left.
            self._reset_pause = (budget.others, ends + PAUSE_MARGIN)
            return ends - now + PAUSE_MARGIN, why
        if own is not None:
            return own - now + PAUSE_MARGIN, why
        until = max([ends] + [at + window for at in ours])
        if until <= now:
            # The reset announced has passed: one write, whose answer tells the budget anew.
            return None
        return until - now + PAUSE_MARGIN, why

    def _pause(self, seconds):
        line = "paced: %d of %d sent, waiting %d s for Cloudflare's rate-limit window" % (
            self._sent,
            self._total,
            math.ceil(seconds),
        )
        self._pausing = True
        self.pacing["lines"].append(line)
        self._cond.release()
        try:
            if self.progress:
                self.progress(line)
            self.client.sleep(seconds)
        finally:
            self._cond.acquire()
            self._pausing = False
            self.pacing["pauses"] += 1
            self.pacing["waited_s"] = round(self.pacing["waited_s"] + seconds, 1)
            self._cond.notify_all()

    def _stop_report(self, why, seconds):
        left, within = why
        waited = self.pacing["waited_s"]
        return (
            "not sent: Cloudflare's rate limit leaves %d requests for the next %d s, and exceeding it blocks the "
            "whole account for 5 minutes; waiting %d s more would pass rate_limit_wait=%g s (waited %g s), so %d of "
            "%d writes were sent; retry after %s (run the task again then to converge)"
            % (
                left,
                within,
                math.ceil(seconds),
                self.rate_limit_wait,
                waited,
                self._sent,
                self._total,
                retry_time(seconds),
            )
        )

    # --- the result ----------------------------------------------------------------------------------

    def of(self, plan):
        """The description that writes ``plan``: its own (a fleet of several kinds), else the writer's."""
        return plan.resource or self.resource

    def _name(self, plan):
        """How people know an entry: its title and id, or the planner's name for it."""
        obj = plan.current or plan.after or {}
        if obj.get("id"):
            title = str(obj.get(self.of(plan).title_key) or "")
            title = title if len(title) <= MAX_TITLE_CHARS else title[: MAX_TITLE_CHARS - 3] + "..."
            return "%s (%s)" % (title, obj["id"]) if title else str(obj["id"])
        return plan.name or "%s[%d]" % (self.option, plan.index)

    def _entry(self, plan, diffs):
        """One entry's result; its diff (in diff mode) is added to ``diffs`` as ``(label, name, diff)``."""
        resource = self.of(plan)
        obj = plan.after if plan.after is not None else (plan.current or {})
        entry = {
            "id": obj.get("id"),
            resource.title_key: obj.get(resource.title_key),
            "status": plan.status,
            "changed": plan.status == CHANGED,
            "action": plan.action,
            "changes": resource.masked(plan.changes, one_time_too=True) if plan.status != UNCHANGED else {},
        }
        if plan.error:
            entry["error"] = plan.error
        if plan.outcome_unknown:
            entry["outcome_unknown"] = True
        entry.update(plan.extra)
        if self.full:
            entry[resource.label] = resource.masked(plan.after) if plan.after is not None else {}
        if self.diff_mode and plan.status == CHANGED:
            diff = resource.result_of(plan, True, key=resource.label)["diff"]
            if self.full:
                entry["diff"] = diff
            diffs.append((resource.label, self._name(plan), diff))
        return entry

    def result(self):
        diffs = []
        entries = [self._entry(plan, diffs) for plan in self.plans]
        summary = dict(total=len(entries))
        for status in STATUSES:
            summary[status] = sum(1 for e in entries if e["status"] == status)
        result = {
            "changed": summary[CHANGED] > 0,
            self.resource.results_key: entries,
            "summary": summary,
            "pacing": dict(self.pacing, rate_limited=self.client.calls.get("rate_limited", 0)),
        }
        if self.diff_mode:
            summarise = self.diff_summary if self.diff_summary is not None else len(diffs) > DIFF_SUMMARY_AUTO
            result["diff"] = (
                self._summarised(diffs)
                if summarise
                else [
                    dict(diff, before_header="%s %s" % (label, name), after_header="%s %s" % (label, name))
                    for label, name, diff in diffs
                ]
            )
        return result

    def compact(self, result):
        """A failed run's result, short whatever the fleet's size (a failure is read by a person): only the entries
        that failed, changed or carry an error, each with its ``index`` among the entries; the others are counted in
        ``summary``, and why the rest was not sent is said once (``not_sent_reason``). ``full`` keeps every entry."""
        key = self.resource.results_key
        result[key] = [
            dict(entry, index=plan.index)
            for plan, entry in zip(self.plans, result[key])
            if plan.status in (FAILED, CHANGED)
        ]
        reasons = sorted(set(p.error for p in self.plans if p.status == NOT_SENT and p.error))
        if reasons:
            result["not_sent_reason"] = "; ".join(reasons[:3]) + (
                " (and %d more reasons)" % (len(reasons) - 3) if len(reasons) > 3 else ""
            )
        return result

    def _summarised(self, diffs):
        """Identical changes of one kind in one block each, headed by how many objects and which."""
        groups = {}
        for label, name, diff in diffs:
            key = (label, json.dumps(diff, sort_keys=True, default=str))
            groups.setdefault(key, (label, diff, []))[2].append(name)
        blocks = []
        for label, diff, names in groups.values():
            header = "%d %s%s: %s" % (len(names), label, "" if len(names) == 1 else "s", at_most(names))
            blocks.append(dict(diff, before_header=header, after_header=header))
        return blocks

    def failure_message(self):
        first = next(p for p in self.plans if p.status in (FAILED, NOT_SENT) or p.error)
        first = next((p for p in self.plans if p.status == FAILED or p.status == CHANGED and p.error), first)
        counts = ", ".join(
            "%d %s" % (sum(1 for p in self.plans if p.status == s), s.replace("_", " ")) for s in STATUSES
        )
        error = first.error.rstrip(".") + "."
        parts = ["%s: %s" % (self._name(first), error) if first.status != NOT_SENT else error, "Entries: %s." % counts]
        unknown = [p for p in self.plans if p.outcome_unknown]
        if unknown:
            parts.append(
                "Outcome unknown for %s: Cloudflare may have carried out the write all the same; running the "
                "task again reads before it writes." % self._names(unknown)
            )
        named = MAX_NAMED
        for status, label in ((FAILED, "Failed"), (NOT_SENT, "Not sent"), (CHANGED, "Changed before the stop")):
            chosen = [p for p in self.plans if p.status == status]
            if chosen:
                parts.append("%s: %s." % (label, self._names(chosen, named)))
                named = max(named - len(chosen), 3)
        parts.append(
            "Unchanged entries were already as asked; nothing else was written: run the task again to converge."
        )
        return " ".join(parts)

    def _names(self, plans, limit=MAX_NAMED):
        return at_most(plans, limit, self._name)


def _short(text):
    return text if len(text) <= MAX_ERROR_CHARS else text[: MAX_ERROR_CHARS - 3] + "..."
