# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""A rolling reboot or restart of many stores, never a whole store at once (``magic_rolling_interrupt``).

Planning: the stores targeted (every store, stores by site name, or connectors by id, serial number or notes; a
connector in no site is a store of its own), each store's members secondary first, primary last (the peers of
``_ha_peers``), in batches of ``batch`` stores. Running: the stores of a batch go side by side, one member of a store
at a time. A member is interrupted (through the ``Interrupt`` operation, magic_connector_interrupt's own path) only while every other
member of its store reports heartbeats (``heartbeat_max_age``) and, before a store's first member, while no other
member has an interrupt pending; then the run waits for its ``triggered_at``, then for a heartbeat newer than that
(the appliance is back), then moves to the store's next member. One connectors list per poll serves every member in
flight, plus the interrupts of the members waiting for ``triggered_at``; every call keeps to the rate budget.
A store whose member is offline at its start is skipped, a pending interrupt is reported (never retried), and once
more than ``max_failures`` stores failed the run stops after the batch in flight.
"""

from __future__ import annotations

import time

from ._change import IncompleteRun, at_most
from ._connectors import device_of, notes_key, serial_key
from ._fleet import PAUSE_MARGIN, RATE_LIMIT_RESERVE
from ._ha_peers import (
    PendingInterrupt,
    busy_with,
    is_online,
    now_utc,
    offline_text,
    parse_time,
    role_of,
    stores as ha_stores,
)
from ._hostnames import describe
from ._inputs import CloudflareAPIError, InvalidOption
from ._interrupts import Interrupt
from ._resource import Operation
from ._sites import Sites

ACTIONS = ("reboot", "restart")
# A store's status: planned (not started), running, then one of the last five.
PLANNED, RUNNING, DONE, SKIPPED, PENDING, FAILED, NOT_RUN = (
    "planned",
    "running",
    "done",
    "skipped",
    "pending",
    "failed",
    "not_run",
)
STATUSES = (DONE, SKIPPED, PENDING, FAILED, NOT_RUN, PLANNED)
# A member's progress.
WAITING, SUBMITTED, TRIGGERED, BACK = "waiting", "submitted", "triggered", "back"
# Calls of one submission through the Interrupt operation: the connector, its interrupts, the POST.
SUBMIT_CALLS = 3


def check_options(params):
    """Every option's rule, before any call; a failure names the option (with the role's prefix, when given)."""
    prefix = params.get("option_prefix") or ""
    action = params["action"]
    if action == "shutdown":
        raise InvalidOption(
            prefix + "action",
            "must be reboot or restart: a shutdown is refused here (a shut-down "
            "appliance stays off until someone on site powers it on, so the store's other member would "
            "be next; use cloudflare.magic_transit.magic_connector_interrupt for one connector)",
            action,
        )
    if action not in ACTIONS:
        raise InvalidOption(prefix + "action", "must be one of %s" % ", ".join(ACTIONS), action)
    for option, low in (("batch", 1), ("heartbeat_max_age", 1), ("member_timeout", 1), ("max_failures", 0)):
        if params[option] < low:
            raise InvalidOption(prefix + option, "must be at least %d" % low, params[option])
    if not 0 < params["poll_interval"] <= params["member_timeout"]:
        raise InvalidOption(
            prefix + "poll_interval",
            "must be more than 0 seconds and at most %smember_timeout (%d)" % (prefix, params["member_timeout"]),
            params["poll_interval"],
        )
    given = [o for o in ("stores", "connectors") if params.get(o)]
    if params["all_stores"] and given:
        raise InvalidOption(
            prefix + "all_stores", "cannot be combined with %s%s: all stores are every store" % (prefix, given[0])
        )
    if not params["all_stores"] and not given:
        raise InvalidOption(
            prefix + "stores",
            "or %sconnectors must name the targets, or %sall_stores=true must be "
            "set: nothing is rebooted by default" % (prefix, prefix),
        )
    for option in given:
        for index, value in enumerate(params[option]):
            if not isinstance(value, str) or not value.strip():
                raise InvalidOption("%s%s[%d]" % (prefix, option, index), "must be a non-empty name", value)
    return prefix


class Member:
    """One connector to interrupt, and what happened to it."""

    def __init__(self, connector, role):
        self.id, self.name, self.role = connector["id"], describe(connector), role
        self.status, self.error, self.sent, self.started = WAITING, None, None, None
        self.triggered_at = self.back_at = self.away_s = None

    def report(self):
        report = dict(id=self.id, name=self.name, role=self.role, status=self.status)
        for key in ("error", "triggered_at", "back_at", "away_s"):
            if getattr(self, key) is not None:
                report[key] = getattr(self, key)
        if self.sent is not None:
            report["submitted_at"] = self.sent.get("submitted_at")
        return report


class Store:
    """A store: all its members (for the peer rules) and the members to interrupt, secondary first."""

    def __init__(self, name, site, members, targets, sites):
        self.name, self.site_id, self.members = name, site["id"] if site else None, members
        self.queue = [Member(c, role_of(c["id"], members, sites)) for c in members if c["id"] in targets]
        self.status, self.reason, self.position = PLANNED, None, 0

    def current(self):
        return self.queue[self.position] if self.position < len(self.queue) else None

    def finish(self, status, reason):
        self.status, self.reason = status, reason

    def report(self):
        report = dict(
            store=self.name,
            site_id=self.site_id,
            status=self.status,
            members=[member.report() for member in self.queue],
        )
        if self.reason:
            report["reason"] = self.reason
        return report


def _store_name(site, members):
    return site.get("name") or site["id"] if site else members[0].get("notes") or members[0]["id"]


def _matches(connector, value):
    """Whether a ``connectors`` target names this connector: by id, device serial number or notes."""
    return (
        value in (connector["id"], device_of(connector).get("id"))
        or serial_key(device_of(connector).get("serial_number")) == serial_key(value)
        or notes_key(connector.get("notes")) == notes_key(value)
    )


def _connector_targets(connectors, values, option):
    """The ids the ``connectors`` option names, each value naming exactly one connector."""
    ids = set()
    for index, value in enumerate(values):
        found = [c for c in connectors if _matches(c, value)]
        if len(found) != 1:
            raise InvalidOption(
                "%s[%d]" % (option, index),
                "must name exactly one connector by id, serial number or "
                "notes; it names %s" % (at_most(found, name=lambda c: c["id"]) if found else "none"),
                value,
            )
        ids.add(found[0]["id"])
    return ids


def select_stores(connectors, sites, params, prefix=""):
    """The stores the options target, in the order they run: as ``stores`` lists them, else by name."""
    found = ha_stores(connectors, sites)
    by_name = dict((_store_name(site, members), key) for key, (site, members) in found.items() if site)
    if params["all_stores"]:
        keys, targets = list(found), set(c["id"] for c in connectors)
    elif params.get("stores"):
        keys, targets = [], set(c["id"] for c in connectors)
        for index, name in enumerate(params["stores"]):
            if name not in by_name:
                known = [site for site in sites if site.get("name") == name]
                raise InvalidOption(
                    "%sstores[%d]" % (prefix, index),
                    "must name a Magic WAN site with connectors; "
                    "%s" % ("that site has none" if known else "no site has this name"),
                    name,
                )
            if by_name[name] in keys:
                raise InvalidOption("%sstores[%d]" % (prefix, index), "names the same store twice", name)
            keys.append(by_name[name])
    else:
        targets = _connector_targets(connectors, params["connectors"], prefix + "connectors")
        keys = [key for key, (_site, members) in found.items() if any(c["id"] in targets for c in members)]
    stores = [Store(_store_name(found[k][0], found[k][1]), found[k][0], found[k][1], targets, sites) for k in keys]
    if not params.get("stores"):
        stores.sort(key=lambda store: (store.name, store.site_id or ""))
    return stores


def batches(stores, size):
    return [stores[start : start + size] for start in range(0, len(stores), size)]


def judge_store(store, by_id, max_age, started):
    """Whether every member of the store is listed and online; else finish it (skipped before its first member,
    failed after) and return False."""
    now = now_utc()
    for connector in store.members:
        current = by_id.get(connector["id"])
        if current is not None and is_online(current, max_age, now):
            continue
        member = store.current()
        who = "itself" if connector["id"] == member.id else "its store peer %s" % describe(connector)
        why = "is no longer listed" if current is None else "is offline (%s)" % offline_text(current, now)
        text = "%s was not interrupted: %s %s; nothing was sent to it" % (member.name, who, why)
        store.finish(FAILED if started else SKIPPED, text)
        if started:
            member.status, member.error = FAILED, text
        return False
    return True


def plan_lines(stores, size):
    """The plan, one line per batch: its stores, each with its members in the order they run."""
    lines = []
    for number, batch in enumerate(batches(stores, size), 1):
        parts = []
        for store in batch:
            order = " then ".join("%s %s" % (m.role, m.name) for m in store.queue)
            parts.append("%s (%s)" % (store.name, store.reason if store.status == SKIPPED else order))
        lines.append("batch %d: %s" % (number, "; ".join(parts)))
    return lines


class RollingRun:
    """Runs the planned stores batch by batch (see the module docstring); ``report()`` is the result."""

    def __init__(self, interrupt, params, stores):
        self.interrupt, self.connectors, self.client = interrupt, interrupt.connectors, interrupt.module.client
        self.params, self.warn = params, interrupt.module.warn
        self.stores, self.batches = stores, batches(stores, params["batch"])
        self.failures, self.sent, self.polls, self.paused, self.slept = 0, 0, 0, 0.0, 0.0
        self.started = time.monotonic()

    def clock(self):
        """Seconds since the run began: the monotonic clock, or what was slept should sleeping be simulated."""
        return max(time.monotonic() - self.started, self.slept)

    def sleep(self, seconds):
        self.client.sleep(seconds)
        self.slept += seconds

    def run(self, listed):
        """Every batch in turn; ``listed`` (the connectors list of the plan) serves the first. After a batch with more
        than ``max_failures`` failed stores, the others are not run."""
        try:
            for number, batch in enumerate(self.batches):
                if self.failures > self.params["max_failures"]:
                    for store in batch:
                        store.finish(
                            NOT_RUN,
                            "not run: the run stopped after %d failed stores (max_failures=%d)"
                            % (self.failures, self.params["max_failures"]),
                        )
                    continue
                self.run_batch(batch, listed if number == 0 else None)
        except CloudflareAPIError as error:
            for store in self.stores:
                if store.status in (PLANNED, RUNNING):
                    store.finish(FAILED if store.status == RUNNING else NOT_RUN, "the run stopped: %s" % error)
            raise IncompleteRun("the rolling %s stopped: %s" % (self.params["action"], error), self.report()) from None

    def run_batch(self, batch, listed):
        """Poll until every store of the batch is finished: interrupts first, then one connectors list."""
        by_id = self.list() if listed is None else dict((c["id"], c) for c in listed)
        active = [store for store in batch if store.status == PLANNED]
        while True:
            polled = time.monotonic()
            for store in active:
                self.advance(store, by_id)
            active = [store for store in active if store.status in (PLANNED, RUNNING)]
            if not active:
                return
            # A poll every poll_interval seconds: the time its calls took counts.
            self.sleep(max(self.params["poll_interval"] - (time.monotonic() - polled), 0.0))
            waiting = [s.current() for s in active if s.current().status == SUBMITTED]
            self.keep_to_budget(len(waiting) + 1)
            for member in waiting:
                self.read_interrupt(member)
            by_id = self.list()
            self.polls += 1

    def list(self):
        return dict((c["id"], c) for c in self.connectors.list())

    def advance(self, store, by_id):
        """Move the store on as far as the newest list allows: start its next member, or see it run and come back."""
        while store.status in (PLANNED, RUNNING):
            member = store.current()
            if member is None:
                store.finish(DONE, None)
            elif member.status == WAITING:
                self.start(store, member, by_id)
                return
            elif member.status == TRIGGERED and self.is_back(member, by_id.get(member.id)):
                store.position += 1
            else:
                self.check_time(store, member)
                return

    def start(self, store, member, by_id):
        """Interrupt the member if its store lets it be (every member online, no peer's interrupt pending)."""
        first = store.status == PLANNED
        if self.keep_to_budget(SUBMIT_CALLS + (len(store.members) - 1 if first else 0)):
            # The list predates the pause: judged on it, every heartbeat would look as old as the pause (the batch's
            # other stores read the new list too).
            fresh = self.list()
            by_id.clear()
            by_id.update(fresh)
        if not judge_store(store, by_id, self.params["heartbeat_max_age"], store.status == RUNNING):
            self.failures += store.status == FAILED
            return
        try:
            if first:
                self.refuse_pending_peers(store, member, by_id)
            result = self.interrupt.run(
                dict(
                    id=member.id,
                    action=self.params["action"],
                    purge=self.params["purge"],
                    wait=False,
                    wait_timeout=1,
                    if_pending="fail",
                    ignore_peer=True,
                ),
                False,
            )
        except PendingInterrupt as refused:
            member.status, member.error = PENDING, str(refused)
            store.finish(PENDING, "%s: not retried" % refused)
            return
        except (InvalidOption, CloudflareAPIError) as error:
            member.status, member.error = FAILED, str(error)
            store.finish(FAILED, "%s: %s" % (member.name, error))
            self.failures += 1
            return
        store.status, self.sent = RUNNING, self.sent + 1
        member.status, member.sent, member.started = SUBMITTED, result["magic_connector_interrupt"], self.clock()

    def refuse_pending_peers(self, store, member, by_id):
        """Before a store's first member: a peer's pending interrupt could run while the member is away, and a peer
        whose interrupt ran may not be back yet (its heartbeat is not older than the interrupt's ``triggered_at``)."""
        for peer in store.members:
            if peer["id"] == member.id:
                continue
            busy, why = busy_with(by_id.get(peer["id"], peer), self.interrupt.interrupts(peer["id"]))
            if busy is not None:
                raise PendingInterrupt(
                    "action", "is not submitted to %s: its store peer %s %s" % (member.name, describe(peer), why)
                )

    def read_interrupt(self, member):
        """The member's interrupt: ``TRIGGERED`` once it has ``triggered_at``."""
        submitted = member.sent.get("submitted_at")
        found = [i for i in self.interrupt.interrupts(member.id) if i.get("submitted_at") == submitted]
        if found and found[-1].get("triggered_at"):
            member.status, member.triggered_at = TRIGGERED, found[-1]["triggered_at"]

    @staticmethod
    def is_back(member, connector):
        """Whether the member reported a heartbeat newer than its interrupt's ``triggered_at`` (then it is ``BACK``)."""
        seen = parse_time((connector or {}).get("last_heartbeat"))
        triggered = parse_time(member.triggered_at)
        if seen is None or triggered is None or seen <= triggered:
            return False
        member.status, member.back_at, member.away_s = (
            BACK,
            connector["last_heartbeat"],
            round((seen - triggered).total_seconds(), 1),
        )
        return True

    def check_time(self, store, member):
        """Fail the member (and its store) after ``member_timeout`` seconds since its POST."""
        if self.clock() - member.started <= self.params["member_timeout"]:
            return
        what = (
            "its %s has not run (no triggered_at; it stays pending, do not submit it again)" % self.params["action"]
            if member.status == SUBMITTED
            else "it has not reported a heartbeat since its %s ran at %s" % (self.params["action"], member.triggered_at)
        )
        member.error = "%s s after the POST, %s" % (self.params["member_timeout"], what)
        member.status = FAILED
        store.finish(
            FAILED,
            "%s: %s (member_timeout); the store's other members were not interrupted" % (member.name, member.error),
        )
        self.failures += 1

    def keep_to_budget(self, needed):
        """Pause until the rate budget has room for ``needed`` calls besides a small reserve (a 429 blocks the whole
        account): until a refusal ends, or until the window the last answer announced resets. True when it paused."""
        budget, now = self.client.rate_budget(), self.client.clock()
        wait = 0.0
        if budget.blocked_until is not None and now < budget.blocked_until:
            wait = budget.blocked_until - now
        elif (
            budget.remaining is not None
            and budget.seen_at is not None
            and budget.remaining - budget.calls_since < needed + RATE_LIMIT_RESERVE
        ):
            wait = max((budget.reset or budget.window) - (now - budget.seen_at), 0.0)
        if wait > 0:
            self.sleep(wait + PAUSE_MARGIN)
            self.paused += wait + PAUSE_MARGIN
        return wait > 0

    def report(self):
        counts = dict((status, sum(1 for s in self.stores if s.status == status)) for status in STATUSES)
        return dict(
            action=self.params["action"],
            stores=[store.report() for store in self.stores],
            counts=dict((k, v) for k, v in counts.items() if v),
            interrupts_sent=self.sent,
            polls=self.polls,
            paused_s=round(self.paused, 1),
            batches=[[store.name for store in b] for b in self.batches],
            lines=summary_lines(self.stores),
        )


def summary_lines(stores):
    """One line per store: what ran, how long each member was away, or why it was skipped, pending or failed."""
    lines = []
    for store in stores:
        ran = ["%s %s away %s s" % (m.role, m.name, m.away_s) for m in store.queue if m.status == BACK]
        text = "%s: %s" % (store.name, store.status)
        if ran:
            text += " (%s)" % ", then ".join(ran)
        if store.reason:
            text += ": %s" % store.reason
        lines.append(text)
    return lines


class RollingInterrupt(Operation):
    """magic_rolling_interrupt: options checked before any call, then one connectors list and one sites list, the
    plan; in check mode the plan alone (stores with a member offline now shown as skipped), else the run and its
    summary."""

    def check(self, params):
        check_options(params)

    def run(self, params, check_mode):
        interrupt = Interrupt(self.module)
        listed = interrupt.connectors.list()
        sites = Sites(self.module.client).list()
        return _rolled(interrupt, params, check_mode, listed, sites)


def _rolled(interrupt, params, check_mode, listed, sites):
    prefix = params.get("option_prefix") or ""
    stores = select_stores(listed, sites, params, prefix)
    plan = batches(stores, params["batch"])
    if check_mode:
        by_id = dict((c["id"], c) for c in listed)
        for store in stores:
            judge_store(store, by_id, params["heartbeat_max_age"], False)
        report = dict(
            action=params["action"],
            batches=[[s.name for s in b] for b in plan],
            stores=[s.report() for s in stores],
            lines=plan_lines(stores, params["batch"]),
        )
        runnable = sum(1 for s in stores if s.status == PLANNED)
        msg = "would %s %d stores in %d batches of at most %d (check mode: nothing was sent); %d skipped" % (
            params["action"],
            runnable,
            len(plan),
            params["batch"],
            len(stores) - runnable,
        )
        return dict(changed=runnable > 0, rolling_interrupt=report, msg=msg)
    run = RollingRun(interrupt, params, stores)
    run.run(listed)
    report = run.report()
    counts = ", ".join("%d %s" % (n, status.replace("_", " ")) for status, n in report["counts"].items())
    msg = "rolling %s of %d stores in %d batches: %s" % (params["action"], len(stores), len(plan), counts or "none")
    result = dict(changed=run.sent > 0, rolling_interrupt=report, msg=msg)
    if run.failures > params["max_failures"]:
        raise IncompleteRun(
            "%s; stopped after the batch in flight: more than %smax_failures=%d stores failed (%s)"
            % (
                msg,
                prefix,
                params["max_failures"],
                at_most([s for s in stores if s.status == FAILED], name=lambda s: s.name),
            ),
            dict(changed=result["changed"], rolling_interrupt=report),
        )
    for store in stores:
        if store.status in (FAILED, PENDING):
            interrupt.module.warn("%s: %s" % (store.name, store.reason))
    return result
