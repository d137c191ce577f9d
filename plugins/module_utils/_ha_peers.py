# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""A connector's HA peers, and whether they let it be interrupted now.

A store's members come from its Magic WAN site first (``connector_id`` the primary, ``secondary_connector_id``), then
the connectors' ``site_id``: the order the HA planner uses (``_windows.ha_groups``). A member is *online* while its
``last_heartbeat`` is at most ``heartbeat_max_age`` seconds old (appliances report every 10 seconds). Interrupting a
connector while its peer is offline, or while the peer has an interrupt pending (it may run at any moment), can take
the whole store down: ``magic_connector_interrupt`` and the rolling run both judge that here.
"""

from __future__ import annotations

import datetime
import time

from ._change import IncompleteRun
from ._hostnames import describe
from ._inputs import InvalidOption
from ._sites import Sites
from ._windows import _site_roles, ha_groups

#: a peer whose last heartbeat is older than this (seconds) counts as offline; appliances report every 10 s
DEFAULT_HEARTBEAT_MAX_AGE = 60
IF_PENDING = ("fail", "wait")
INTERRUPT_ACTIONS = ("reboot", "restart", "shutdown")
#: polling while waiting for an interrupt or a peer: seconds between two polls
WAIT_POLL = 2.0


class PendingInterrupt(InvalidOption):
    """An interrupt is pending on the connector (listed, or Cloudflare answered 409): nothing was sent."""


def now_utc():
    return datetime.datetime.now(datetime.timezone.utc)


def parse_time(value):
    """An API timestamp as an aware datetime, or None: ``_report.parse_time``, imported here because ``_report``
    imports ``_connectors``, which imports this module."""
    from ._report import parse_time as parse  # pylint: disable=import-outside-toplevel

    return parse(value)


def heartbeat_age(connector, now=None):
    """Seconds since the connector's ``last_heartbeat`` (None: it never reported)."""
    seen = parse_time(connector.get("last_heartbeat"))
    return None if seen is None else ((now or now_utc()) - seen).total_seconds()


def is_online(connector, max_age, now=None):
    age = heartbeat_age(connector, now)
    return age is not None and age <= max_age


def offline_text(connector, now=None):
    age = heartbeat_age(connector, now)
    return "never reported" if age is None else "last heartbeat %s, %d s ago" % (connector.get("last_heartbeat"), age)


def pending_of(interrupts):
    """The interrupts not run yet (no ``triggered_at``)."""
    return [item for item in interrupts if not item.get("triggered_at")]


def action_of(interrupt):
    return next((key for key in INTERRUPT_ACTIONS if key in interrupt), "operation")


def stores(connectors, sites):
    """``{key: (site or None, members)}``: every store's members, the primary last (a store's secondary is interrupted
    first), by the HA planner's grouping (sites, then ``site_id``); a connector in no store is a store of its own."""
    groups, _keyless = ha_groups(connectors, sites)
    by_id = dict((site["id"], site) for site in sites or ())
    found = {}
    for key, members in groups.items():
        site = by_id.get(key.split(":", 1)[1]) if key.startswith("site:") else None
        found[key] = (site, list(reversed(members)))
    return found


def role_of(connector_id, members, sites):
    """``primary``, ``secondary`` or ``single`` (a store of one connector)."""
    if len(members) == 1:
        return "single"
    roles = _site_roles(sites)
    if connector_id in roles:
        return "primary" if roles[connector_id][1] else "secondary"
    member = next(c for c in members if c["id"] == connector_id)
    return "secondary" if member.get("primary") is False else "primary"


def peers_of(op, connector):
    """The connector's store peers (connectors), read with one sites list filtered by the connector (both slots),
    else, for a connector in no site, the connectors sharing its ``site_id`` (one connectors list)."""
    sites = Sites(op.module.client).list(params={"connectorid": connector["id"]})
    ids = set()
    for site in sites:
        ids.update(site.get(slot) for slot in ("connector_id", "secondary_connector_id"))
    ids.discard(None)
    ids.discard("")
    if ids:
        return [peer for peer in (op.connectors.get(i) for i in sorted(ids - {connector["id"]})) if peer is not None]
    if not connector.get("site_id"):
        return []
    listed = op.connectors.list()
    return [c for c in listed if c.get("site_id") == connector["site_id"] and c["id"] != connector["id"]]


def before_interrupt(op, connector, before, params, check_mode, warn):
    """What ``magic_connector_interrupt`` does before its POST: ``(result, interrupts)``.

    With ``if_pending=wait`` an interrupt already pending on the connector is waited for (its ``triggered_at``): if it
    is the operation asked for, its result ends the task and nothing is sent (``result``); else the interrupts are
    read again for the POST. Unless ``ignore_peer``, the store peers are judged next (``check_peers``)."""
    if params.get("if_pending") == "wait" and params["wait_timeout"] < 1:
        raise InvalidOption("wait_timeout", "must be at least 1 (seconds) with if_pending=wait", params["wait_timeout"])
    if params.get("peer_heartbeat_max_age") is not None and params["peer_heartbeat_max_age"] < 1:
        raise InvalidOption("peer_heartbeat_max_age", "must be at least 1 (seconds)", params["peer_heartbeat_max_age"])
    pending = pending_of(before)
    if pending and params.get("if_pending") != "wait":
        return None, before  # the caller refuses it, naming the pending operation, before any peer is read
    if pending:
        if check_mode:
            return dict(
                changed=True,
                magic_connector=op.connectors.shown(connector),
                magic_connector_interrupt={params["action"]: {"purge": params["purge"]}},
                msg="would wait for the %s pending on %s since %s, then "
                "submit a %s"
                % (action_of(pending[-1]), describe(connector), pending[-1].get("submitted_at"), params["action"]),
            ), before
        ran = wait_for_run(op, connector, pending[-1], params["wait_timeout"])
        if action_of(ran) == params["action"]:
            return dict(
                changed=False,
                magic_connector=op.connectors.shown(connector),
                magic_connector_interrupt=ran,
                msg="the %s pending on %s since %s ran at %s; nothing was sent"
                % (params["action"], describe(connector), ran.get("submitted_at"), ran.get("triggered_at")),
            ), before
        before = op.interrupts(connector["id"])
    if not params.get("ignore_peer"):
        check_peers(op, connector, params, check_mode, warn)
    return None, before


def check_peers(op, connector, params, check_mode, warn):
    """Refuse (naming the peer) while a store peer is offline, has an interrupt pending, or is away after one that ran
    (no heartbeat since its ``triggered_at``); with ``if_pending=wait``, wait (outside check mode) for the peer's
    interrupt to run and the peer to be back instead."""
    max_age = params.get("peer_heartbeat_max_age") or DEFAULT_HEARTBEAT_MAX_AGE
    for peer in peers_of(op, connector):
        busy, why = busy_with(peer, op.interrupts(peer["id"]))
        if busy is not None and params.get("if_pending") == "wait":
            if check_mode:
                warn("check mode: the store peer %s %s; a run would wait for it to be back" % (describe(peer), why))
            else:
                wait_for_peer(op, peer, busy, params["wait_timeout"])
        elif busy is not None:
            raise PendingInterrupt(
                "action",
                "is refused for %s: its store peer %s %s, and both would be down together. "
                "Nothing was sent (if_pending=wait waits for the peer to be back, ignore_peer=true "
                "overrides)" % (describe(connector), describe(peer), why),
            )
        elif not is_online(peer, max_age):
            raise InvalidOption(
                "action",
                "is refused for %s: its store peer %s is offline (%s; online means a heartbeat "
                "within peer_heartbeat_max_age=%d s), so the store would go dark. Nothing was sent "
                "(ignore_peer=true overrides)" % (describe(connector), describe(peer), offline_text(peer), max_age),
            )


def busy_with(connector, interrupts):
    """``(interrupt, why)``: the interrupt pending on the connector, or the one that ran with no heartbeat since (the
    appliance is away); ``(None, None)`` when neither."""
    pending = pending_of(interrupts)
    if pending:
        return pending[-1], "has a %s pending since %s" % (action_of(pending[-1]), pending[-1].get("submitted_at"))
    ran = [i for i in interrupts if i.get("triggered_at")]
    seen = parse_time(connector.get("last_heartbeat"))
    last = parse_time(ran[-1]["triggered_at"]) if ran else None
    if last is not None and seen is not None and last >= seen:
        why = "is away after its %s that ran at %s (no heartbeat since)" % (action_of(ran[-1]), ran[-1]["triggered_at"])
        return ran[-1], why
    return None, None


def _poll(op, timeout, read, timed_out, first=WAIT_POLL, cap=WAIT_POLL):
    """Call ``read()`` until it returns something, for at most ``timeout`` seconds, then raise ``timed_out()``. The
    first pause is ``first`` seconds, each next one twice the last up to ``cap`` (``first == cap``: a fixed cadence)."""
    deadline, waited, pause = time.monotonic() + timeout, 0.0, first
    while True:
        found = read()
        if found is not None:
            return found
        left = min(deadline - time.monotonic(), timeout - waited)
        if left <= 0:
            raise timed_out()
        op.module.client.sleep(min(pause, left))
        waited += min(pause, left)
        pause = min(pause * 2, cap)


def _not_within(what, timeout):
    return lambda: IncompleteRun("%s has not happened within wait_timeout=%g s; nothing was sent" % (what, timeout), {})


def wait_for_run(op, connector, interrupt, timeout, timed_out=None, first=WAIT_POLL, cap=WAIT_POLL):
    """The connector's ``interrupt`` (pending or just submitted) once it ran: it has ``triggered_at``."""

    def read():
        found = [i for i in op.interrupts(connector["id"]) if i.get("submitted_at") == interrupt.get("submitted_at")]
        return found[-1] if found and found[-1].get("triggered_at") else None

    what = "the %s pending on %s since %s" % (action_of(interrupt), describe(connector), interrupt.get("submitted_at"))
    return _poll(op, timeout, read, timed_out or _not_within(what, timeout), first, cap)


def wait_for_peer(op, peer, pending, timeout):
    """Wait until the peer's pending interrupt ran and the peer is back: a heartbeat newer than its ``triggered_at``."""
    started = time.monotonic()
    ran = wait_for_run(op, peer, pending, timeout)
    triggered = parse_time(ran.get("triggered_at"))

    def back():
        current = op.connectors.get(peer["id"]) or {}
        seen = parse_time(current.get("last_heartbeat"))
        return current if seen is not None and triggered is not None and seen > triggered else None

    left = max(timeout - (time.monotonic() - started), 1)
    what = "the return of the store peer %s after its %s" % (describe(peer), action_of(ran))
    return _poll(op, left, back, _not_within(what, left))
