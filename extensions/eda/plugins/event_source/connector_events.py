# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""An Event-Driven Ansible source: what changes on an account's Magic WAN Connectors, as events.

ansible-rulebook runs this file with ``runpy`` and calls ``main(queue, args)``. It polls one connectors list per
interval (plus the sites list every ``sites_every`` polls), compares it with what it saw before, and puts only the
transitions on the queue. It keeps running through every fault that passes by itself and stops only on what a
person must fix.
"""

from __future__ import annotations

DOCUMENTATION = r"""
name: connector_events
short_description: Events from the Magic WAN Connectors of a Cloudflare account
version_added: 1.1.0
description:
  - Polls the account's connectors, B(one) list call per O(interval) (the list is not paginated, whatever the
    size of the estate), plus the Magic WAN sites list every O(sites_every) polls, and emits an event for every
    transition it sees. A state that does not change emits nothing.
  - "Its request rate: at the default O(interval=60) and O(sites_every=10), 5 connector lists and 0.5 sites lists
    per 5 minutes, of Cloudflare's 1200 requests per 5 minutes. Interrupts are read only for connectors that go
    offline or are offline at a sites refresh (at most 10 such calls per poll), and for those with an interrupt seen
    pending (one call each per poll, until it ran); the estate is never polled connector by connector."
  - Event types (O(events)); every event has C(type), C(at) (the poll's UTC time), C(initial) and C(meta.hosts)
    (the host names of the connectors concerned, named as the C(cloudflare.magic_transit.connectors) inventory
    plugin names them with the same O(hostname), so that a rule's job runs on those hosts).
  - C(offline) / C(online) - the connector's last heartbeat is older / no older than O(offline_after), seen on
    B(two) polls in a row (one late heartbeat is no outage). Connectors that are not activated are not judged.
  - C(ha_pair_down) / C(ha_pair_degraded) / C(ha_pair_restored) - none, one or both members of a Magic WAN
    site in high-availability mode (its C(connector_id) and C(secondary_connector_id)) are online.
  - C(version_changed) - C(last_seen_version) changed; C(from), C(to), and C(in_window), whether the connector's
    interrupt window, in its own time zone (daylight saving time included), was open at some moment between the
    poll that last saw the old version and the poll that saw the new one (V(null) when it has no window).
  - C(config_changed) - a managed field changed (C(changes) maps each to C(before) and C(after)), for example
    in the dashboard.
  - C(added) / C(removed) - a connector appeared in or left the list.
  - C(interrupt_done) - an interrupt seen pending got its C(triggered_at).
  - C(source_degraded) / C(source_recovered) - the API failed (5xx, a time-out, a 429 or the account-wide
    rate-limit block) and the source waits and retries; said once per outage, and once when polls work again.
  - Connector events carry C(connector) (a brief view of id, notes, device, time zone, heartbeat and version,
    never a secret), C(host), C(site), C(peer) (the other member of its HA site), C(previous) and C(age_s) (the
    heartbeat's age in seconds).
  - "Every string that comes from the API is neutralised for templating before it is put on the queue: events
    become the C(ansible_eda.event) extra variable of a job, and Ansible templates extra variables, so notes such as
    C({{ lookup('pipe', 'id') }}) would run on the controller. Each C({{), C({%) and C({#) becomes C({ {), C({ %)
    and C({ #); C(neutralised) lists the fields that were changed so."
  - It stops, with a message saying what to fix, only on bad arguments and on HTTP 401 or 403 to its first poll.
author:
  - Magic Transit collection maintainers (@cloudflare)
extends_documentation_fragment:
  - cloudflare.magic_transit.connection
requirements:
  - requests
  - ansible-core (ansible-rulebook finds collections with C(ansible-galaxy); the HTTP client reads its version)
options:
  interval:
    description: Seconds between two polls (from the start of one to the start of the next).
    type: float
    default: 60
  offline_after:
    description: Seconds without a heartbeat after which a connector counts as offline (appliances send one every
      10 seconds).
    type: float
    default: 300
  sites_every:
    description: Refresh the Magic WAN sites (where HA pairs are defined) every this many polls.
    type: int
    default: 10
  events:
    description: The event types to emit; every type by default.
    type: list
    elements: str
    choices: [offline, online, ha_pair_down, ha_pair_degraded, ha_pair_restored, version_changed, config_changed,
              added, removed, interrupt_done, source_degraded, source_recovered]
  hostname:
    description: What names a connector's host in C(host) and C(meta.hosts), as the inventory plugin's option of the
      same name.
    type: str
    choices: [serial_number, id, notes]
    default: serial_number
  emit_initial_state:
    description:
      - What to say about the state found at start (confirmed on the first two polls), so that an outage that began
        while the activation was down is not lost. Such events have C(initial=true).
      - V(none) says nothing; V(problems) emits C(offline) for offline connectors and C(ha_pair_down) or
        C(ha_pair_degraded) for HA sites not fully online; V(all) also emits C(online) for every online connector.
    type: str
    choices: [none, problems, all]
    default: problems
"""

EXAMPLES = r"""
- name: Watch the Magic WAN connectors
  hosts: all
  sources:
    - cloudflare.magic_transit.connector_events:
        interval: 60
        offline_after: 300
        events: [offline, online, ha_pair_down, version_changed]
  rules:
    - name: A store went offline
      condition: event.type == "offline"
      action:
        debug:
          msg: "{{ event.host }} offline for {{ event.age_s }} s"
"""

import asyncio
import datetime
import logging
import os
import sys

# ansible-rulebook runs this file by path (runpy), so the collection's own packages are not importable yet: put the
# folder that holds ansible_collections/ (this file sits 7 levels below it) on the path.
_COLLECTIONS_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), *[os.pardir] * 7))
if os.path.isdir(os.path.join(_COLLECTIONS_ROOT, "ansible_collections")) and _COLLECTIONS_ROOT not in sys.path:
    sys.path.append(_COLLECTIONS_ROOT)

try:
    from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

    from ansible_collections.cloudflare.magic_transit.plugins.module_utils._client import CloudflareClient
    from ansible_collections.cloudflare.magic_transit.plugins.module_utils._connectors import (
        SETTINGS_ARGUMENT_SPEC,
        Connectors,
    )
    from ansible_collections.cloudflare.magic_transit.plugins.module_utils._hostnames import (
        HOSTNAME_CHOICES,
        connector_host_names,
    )
    from ansible_collections.cloudflare.magic_transit.plugins.module_utils._inputs import (
        CloudflareAPIError,
        InvalidOption,
        check_id,
    )
    from ansible_collections.cloudflare.magic_transit.plugins.module_utils._interrupts import read_interrupts
    from ansible_collections.cloudflare.magic_transit.plugins.module_utils._module import CONNECTION_ARGUMENT_SPEC
    from ansible_collections.cloudflare.magic_transit.plugins.module_utils._sites import Sites
    from ansible_collections.cloudflare.magic_transit.plugins.module_utils._windows import (
        UnknownTimezone,
        first_overlap,
        utc_intervals,
        window_of,
    )
except ImportError as _exc:
    raise ImportError(
        "cloudflare.magic_transit.connector_events needs the collection installed in a collections path "
        "(.../ansible_collections/cloudflare/magic_transit), ansible-core and the Python library requests: %s" % _exc
    ) from None

SOURCE = "cloudflare.magic_transit.connector_events"
EVENT_TYPES = (
    "offline",
    "online",
    "ha_pair_down",
    "ha_pair_degraded",
    "ha_pair_restored",
    "version_changed",
    "config_changed",
    "added",
    "removed",
    "interrupt_done",
    "source_degraded",
    "source_recovered",
)
INITIAL_STATES = ("none", "problems", "all")
ONLINE, OFFLINE, INACTIVE = "online", "offline", "inactive"
HA_EVENTS = {0: "ha_pair_down", 1: "ha_pair_degraded", 2: "ha_pair_restored"}
PAIR_STATES = {0: "down", 1: "degraded", 2: "ok"}
#: the fields a user manages (the modules' settings): a change of one is a config_changed
MANAGED_FIELDS = tuple(SETTINGS_ARGUMENT_SPEC)
#: interrupts of offline connectors read per poll, at most (the estate is never polled connector by connector)
INTERRUPT_CHECKS_PER_POLL = 10
#: how many polls in a row must see a new liveness before it counts
CONFIRMATIONS = 2
# Keys ansible-rulebook itself adds to a source's arguments.
_RULEBOOK_KEYS = ("eda_feedback_queue",)

ARGUMENT_SPEC = dict(
    CONNECTION_ARGUMENT_SPEC,
    interval=dict(type="float", default=60),
    offline_after=dict(type="float", default=300),
    sites_every=dict(type="int", default=10),
    events=dict(type="list", elements="str", choices=list(EVENT_TYPES), default=list(EVENT_TYPES)),
    hostname=dict(type="str", choices=list(HOSTNAME_CHOICES), default="serial_number"),
    emit_initial_state=dict(type="str", choices=list(INITIAL_STATES), default="problems"),
)
_JINJA_OPENERS = ("{{", "{%", "{#")

logger = logging.getLogger(SOURCE)


class SourceStopped(RuntimeError):
    """What a person must fix: the activation stops with this message."""


class SystemClock:
    """The wall clock and asyncio's sleep (tests pass a fake one)."""

    @staticmethod
    def now():
        return datetime.datetime.now(datetime.timezone.utc)

    @staticmethod
    async def sleep(seconds):
        await asyncio.sleep(seconds)


def check_arguments(args):
    """The source's arguments, validated by ansible-core's argument spec validator (with the modules' CLOUDFLARE_*
    fallbacks), or InvalidOption naming the first wrong one."""
    given = dict((k, v) for k, v in (args or {}).items() if k not in _RULEBOOK_KEYS)
    result = ArgumentSpecValidator(ARGUMENT_SPEC).validate(given)
    if result.error_messages:
        # (the validator never quotes a no_log value)
        raise InvalidOption("%s:" % SOURCE, "; ".join(result.error_messages))
    params = result.validated_parameters
    check_id("account_id", params.get("account_id"))  # (required, yet a rulebook may pass null)
    for name, low in (("interval", 1), ("offline_after", 1), ("sites_every", 1)):
        if params[name] is None or not params[name] >= low:
            raise InvalidOption(name, "must be %d or more" % low, params[name])
    return params


def neutralised(value, path="", changed=None):
    """``(value, changed)``: the value with every Jinja opener of its strings broken (``{{`` -> ``{ {``), and the
    paths of the strings that held one."""
    changed = [] if changed is None else changed
    if isinstance(value, str):
        if any(opener in value for opener in _JINJA_OPENERS):
            for opener in _JINJA_OPENERS:
                value = value.replace(opener, opener[0] + " " + opener[1])
            changed.append(path)
        return value, changed
    if isinstance(value, dict):
        return dict(
            (k, neutralised(v, "%s.%s" % (path, k) if path else k, changed)[0]) for k, v in value.items()
        ), changed
    if isinstance(value, list):
        return [neutralised(v, "%s[%d]" % (path, i), changed)[0] for i, v in enumerate(value)], changed
    return value, changed


def parse_time(value):
    """An API timestamp (``2026-03-01T09:59:41Z``, fractions allowed) as an aware UTC datetime, or None."""
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=datetime.timezone.utc)
    return moment


def without_secrets(connector):
    """The connector without the fields its resource description calls secret (a license key), in place: the list
    answer is freshly decoded and the source's own, so no copy is needed (a deep copy per connector per poll was
    most of a poll's CPU time for a large estate)."""
    for path in Connectors.secret_paths + Connectors.one_time_secret_paths:
        parent = connector
        for key in path[:-1]:
            parent = parent.get(key) if isinstance(parent, dict) else None
        if isinstance(parent, dict):
            parent.pop(path[-1], None)
    return connector


def brief(connector):
    """What an event says of a connector: never a secret, never the whole object."""
    device = connector.get("device") or {}
    return dict(
        id=connector.get("id"),
        notes=connector.get("notes"),
        activated=connector.get("activated"),
        device_id=device.get("id"),
        serial_number=device.get("serial_number"),
        device_type=device.get("type"),
        timezone=connector.get("timezone"),
        last_heartbeat=connector.get("last_heartbeat"),
        last_seen_version=connector.get("last_seen_version"),
    )


def managed(connector):
    """The managed fields in a comparable form: lists as sorted lists, numbers as floats (``4`` equals ``4.0``)."""
    found = {}
    for field in MANAGED_FIELDS:
        value = connector.get(field)
        if isinstance(value, list):
            value = sorted(str(v) for v in value)
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            value = float(value)
        found[field] = value
    # Cloudflare's defaults, should an answer leave them out (as Connectors.canonical reads them).
    if found.get("site_id") is None:
        found["site_id"] = ""
    if found.get("primary") is None:
        found["primary"] = True
    return found


def in_window(connector, since, until):
    """Whether the connector's interrupt window, in its own time zone, was open at some moment from ``since`` to
    ``until``; None when it has no window or its time zone is unknown."""
    window = window_of(connector)
    if window is None or since is None:
        return None
    try:
        openings = utc_intervals(
            window, (since - datetime.timedelta(days=1)).date(), weeks=1 + (until - since).days // 7
        )
    except UnknownTimezone:
        return None
    if since == until:
        return any(start <= until < end for start, end in openings)
    return first_overlap([(since, until)], list(openings)) is not None


class Tracked:
    """What the source remembers of one connector between polls."""

    __slots__ = ("connector", "status", "candidate", "seen", "announced")

    def __init__(self, connector):
        self.connector = connector
        self.status = None  # the confirmed liveness: online, offline, inactive (None until confirmed)
        self.candidate = None
        self.seen = 0  # polls in a row that saw the candidate
        self.announced = False  # whether its state at start was judged (emit_initial_state)


class ConnectorEvents:
    """The polling loop and the comparison of two polls; ``poll`` is one round, ``run`` loops for ever."""

    def __init__(self, args, client=None, clock=None):
        self.params = check_arguments(args)
        self.clock = clock or SystemClock()
        self.client = client if client is not None else CloudflareClient.from_params(self.params)
        for warning in getattr(self.client, "warnings", ()):
            logger.warning("%s: %s", SOURCE, warning)
        self.wanted = frozenset(self.params["events"])
        self.tracked = {}  # connector id -> Tracked
        self.sites = None  # the last sites list
        self.pairs = {}  # HA site id -> (member ids, online members or None)
        self.polls = 0  # successful polls
        self.last_poll_at = None
        self.degraded_since = None
        self.failed_polls = 0
        self.interrupts_watched = {}  # connector id -> submitted_at of its pending interrupts
        self.interrupt_checks = []  # offline connectors whose interrupts are read at the next poll
        self.names = {}
        self.requests = 0

    # --- the loop -------------------------------------------------------------------------------------

    async def run(self, queue):
        while True:
            started = self.clock.now()
            wait = self.params["interval"]
            try:
                for event in await self.poll():
                    await queue.put(event)
            except CloudflareAPIError as error:
                wait = max(wait, error.retry_after or 0)
                for event in self.failed(error):
                    await queue.put(event)
            elapsed = (self.clock.now() - started).total_seconds()
            await self.clock.sleep(max(0.0, wait - elapsed))

    async def _call(self, function, *args):
        self.requests += 1
        return await asyncio.get_running_loop().run_in_executor(None, function, *args)

    def failed(self, error):
        """After a failed poll: stop on what a person must fix, else say once that the source is degraded."""
        text = self.client.redact(str(error)) if hasattr(self.client, "redact") else str(error)
        if error.status in (401, 403) and self.polls == 0:
            raise SourceStopped(
                "%s: Cloudflare refused the credentials (HTTP %s) on the first poll; check api_token (or api_email "
                "and api_key) and account_id, and that the token may read Magic WAN (%s)" % (SOURCE, error.status, text)
            )
        self.failed_polls += 1
        logger.warning(
            "%s: poll failed, retrying in %s s: %s", SOURCE, max(self.params["interval"], error.retry_after or 0), text
        )
        if self.degraded_since is not None:
            return []
        self.degraded_since = self.clock.now()
        return self._emit(dict(type="source_degraded", reason=text, status=error.status, retry_after=error.retry_after))

    # --- one poll -------------------------------------------------------------------------------------

    async def poll(self):
        """One round: the connectors list (and the sites list when due), then the events of what changed."""
        now = self.clock.now()
        listed = await self._call(Connectors(self.client).list)
        refresh_sites = self.sites is None or self.polls % self.params["sites_every"] == 0
        if refresh_sites:
            sites = await self._call(Sites(self.client).list)
        events = []
        if self.degraded_since is not None:
            events += self._emit(
                dict(
                    type="source_recovered",
                    failed_polls=self.failed_polls,
                    degraded_s=round((now - self.degraded_since).total_seconds(), 1),
                )
            )
            self.degraded_since, self.failed_polls = None, 0
        if refresh_sites:
            self.sites = [s for s in sites if isinstance(s, dict)]
        events += self.compare(listed, now)
        if refresh_sites:
            # Offline connectors are where an interrupt waits for the appliance to check in: look again now and then.
            self.interrupt_checks += [cid for cid, t in sorted(self.tracked.items()) if t.status == OFFLINE]
        events += await self.check_interrupts(now)
        self.polls += 1
        self.last_poll_at = now
        return events

    def compare(self, listed, now):
        """The events of the transitions between what was tracked and ``listed`` (a connectors list) at ``now``."""
        first = self.polls == 0
        current, duplicates = {}, 0
        for connector in listed:
            if not isinstance(connector, dict) or not connector.get("id"):
                continue
            if connector["id"] in current:
                duplicates += 1
                continue
            current[connector["id"]] = without_secrets(connector)
        if duplicates:
            logger.warning("%s: the list named %d connector(s) twice; the first of each was kept", SOURCE, duplicates)
        self.names, warnings = connector_host_names(list(current.values()), self.params["hostname"])
        for warning in warnings:
            logger.warning("%s: %s", SOURCE, warning)
        site_of = self._site_index()
        events = []
        for connector_id in sorted(set(self.tracked) - set(current)):
            gone = self.tracked.pop(connector_id)
            self.interrupts_watched.pop(connector_id, None)
            events += self._connector_event("removed", gone.connector, now, site_of)
        for connector_id, connector in sorted(current.items()):
            known = self.tracked.get(connector_id)
            if known is None:
                known = self.tracked[connector_id] = Tracked(connector)
                # A connector new to a running source is its baseline: its liveness is confirmed silently.
                known.announced = not first
                if not first:
                    events += self._connector_event("added", connector, now, site_of)
            else:
                events += self._changes(known.connector, connector, now, site_of)
                known.connector = connector
            events += self._liveness(known, now, site_of)
        events += self._pairs(now, site_of)
        return events

    def _changes(self, before, after, now, site_of):
        events = []
        old, new = before.get("last_seen_version"), after.get("last_seen_version")
        if new and new != old:
            events += self._connector_event(
                "version_changed",
                after,
                now,
                site_of,
                previous=old,
                extra={"from": old, "to": new, "in_window": in_window(after, self.last_poll_at, now)},
            )
        was, now_managed = managed(before), managed(after)
        changes = dict(
            (field, dict(before=before.get(field), after=after.get(field)))
            for field in MANAGED_FIELDS
            if was[field] != now_managed[field]
        )
        if changes:
            events += self._connector_event("config_changed", after, now, site_of, extra=dict(changes=changes))
        return events

    def _observed(self, connector, now):
        if not connector.get("activated"):
            return INACTIVE, None
        heartbeat = parse_time(connector.get("last_heartbeat"))
        age = None if heartbeat is None else max(0.0, (now - heartbeat).total_seconds())
        if age is None or age > self.params["offline_after"]:
            return OFFLINE, age
        return ONLINE, age

    def _liveness(self, known, now, site_of):
        observed, age = self._observed(known.connector, now)
        if observed == known.status:
            known.candidate, known.seen = None, 0
            return []
        if observed != known.candidate:
            known.candidate, known.seen = observed, 0
        known.seen += 1
        if known.seen < CONFIRMATIONS:
            return []
        previous, known.status = known.status, observed
        known.candidate, known.seen = None, 0
        if observed == OFFLINE and known.connector["id"] not in self.interrupts_watched:
            self.interrupt_checks.append(known.connector["id"])
        if observed == INACTIVE or previous == INACTIVE:
            known.announced = True
            return []
        initial = previous is None
        if initial:
            announced, known.announced = known.announced, True
            policy = self.params["emit_initial_state"]
            if announced or policy == "none" or (policy == "problems" and observed == ONLINE):
                return []
        return self._connector_event(
            observed,
            known.connector,
            now,
            site_of,
            previous=previous,
            extra=dict(age_s=None if age is None else round(age), initial=initial),
        )

    def _site_index(self):
        """connector id -> (its site, its HA peer's id or None), from the last sites list."""
        index = {}
        for site in self.sites or ():
            members = [site.get("connector_id"), site.get("secondary_connector_id") if site.get("ha_mode") else None]
            for me, peer in ((members[0], members[1]), (members[1], members[0])):
                if me:
                    index.setdefault(me, (site, peer))
        return index

    def _pairs(self, now, site_of):
        """HA sites whose count of online members changed (each member's liveness confirmed first)."""
        events, seen = [], set()
        for site in self.sites or ():
            members = (site.get("connector_id"), site.get("secondary_connector_id"))
            if not site.get("ha_mode") or not all(members) or not site.get("id"):
                continue
            seen.add(site["id"])
            statuses = [self.tracked[m].status if m in self.tracked else OFFLINE for m in members]
            if None in statuses:
                continue
            up = statuses.count(ONLINE)
            known_members, before = self.pairs.get(site["id"], (None, None))
            self.pairs[site["id"]] = (members, up)
            if known_members is not None and known_members != members:
                continue  # another pair now: its state is a new baseline
            if before == up:
                continue
            initial = before is None
            policy = self.params["emit_initial_state"]
            if initial and (policy == "none" or up == 2):
                continue
            events += self._emit(
                dict(
                    type=HA_EVENTS[up],
                    at=_iso(now),
                    initial=initial,
                    online_members=up,
                    previous=None if before is None else PAIR_STATES[before],
                    site=_site_view(site),
                    members=[self._member(m, site_of) for m in members],
                ),
                hosts=[self.names[m] for m in members if m in self.names],
            )
        for site_id in set(self.pairs) - seen:
            del self.pairs[site_id]
        return events

    def _member(self, connector_id, site_of):
        known = self.tracked.get(connector_id)
        return dict(
            host=self.names.get(connector_id),
            status=known.status if known else None,
            connector=brief(known.connector) if known else dict(id=connector_id),
        )

    async def check_interrupts(self, now):
        """Read the interrupts of the connectors due for a look (offline ones, a few per sites refresh) and of those
        with an interrupt seen pending; emit interrupt_done for each pending one that ran."""
        events = []
        checks = [cid for cid in dict.fromkeys(self.interrupt_checks) if cid not in self.interrupts_watched]
        due = list(self.interrupts_watched) + checks[:INTERRUPT_CHECKS_PER_POLL]
        self.interrupt_checks = []
        site_of = self._site_index()
        for connector_id in due:
            known = self.tracked.get(connector_id)
            if known is None:
                self.interrupts_watched.pop(connector_id, None)
                continue
            try:
                interrupts = await self._call(read_interrupts, Connectors(self.client), connector_id)
            except CloudflareAPIError as error:
                # Looked at again at the next poll; the connectors list alone says whether the source is degraded.
                logger.warning("%s: reading the interrupts of connector %s failed: %s", SOURCE, connector_id, error)
                continue
            pending = self.interrupts_watched.get(connector_id, set())
            for interrupt in interrupts if isinstance(interrupts, list) else ():
                if not isinstance(interrupt, dict):
                    continue
                submitted = interrupt.get("submitted_at")
                if not interrupt.get("triggered_at"):
                    pending.add(submitted)
                elif submitted in pending:
                    pending.discard(submitted)
                    action = next((k for k in ("reboot", "restart", "shutdown") if k in interrupt), None)
                    events += self._connector_event(
                        "interrupt_done",
                        known.connector,
                        now,
                        site_of,
                        extra=dict(
                            action=action,
                            submitted_at=submitted,
                            triggered_at=interrupt.get("triggered_at"),
                            purge=(interrupt.get(action) or {}).get("purge") if action else None,
                        ),
                    )
            if pending:
                self.interrupts_watched[connector_id] = pending
            else:
                self.interrupts_watched.pop(connector_id, None)
        return events

    # --- events -----------------------------------------------------------------------------------------

    def _connector_event(self, kind, connector, now, site_of, previous=None, extra=None):
        site, peer_id = site_of.get(connector.get("id"), (None, None))
        event = dict(
            type=kind,
            at=_iso(now),
            initial=False,
            host=self.names.get(connector.get("id")),
            connector=brief(connector),
            site=_site_view(site) if site else None,
            peer=self._member(peer_id, site_of) if peer_id else None,
            previous=previous,
        )
        event.update(extra or {})
        if "age_s" not in event:
            heartbeat = parse_time(connector.get("last_heartbeat"))
            event["age_s"] = None if heartbeat is None else round(max(0.0, (now - heartbeat).total_seconds()))
        return self._emit(event, hosts=[event["host"]] if event["host"] else [])

    def _emit(self, event, hosts=()):
        if event["type"] not in self.wanted:
            return []
        event.setdefault("at", _iso(self.clock.now()))
        event.setdefault("initial", False)
        event, changed = neutralised(event)
        event["neutralised"] = changed
        event["meta"] = dict(hosts=list(hosts))
        return [event]


def _site_view(site):
    return dict(id=site.get("id"), name=site.get("name"), ha_mode=bool(site.get("ha_mode")))


def _iso(moment):
    return moment.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


async def main(queue, args, client=None, clock=None):
    """ansible-rulebook's entry point: poll until the activation stops."""
    source = ConnectorEvents(args, client=client, clock=clock)
    await source.run(queue)


if __name__ == "__main__":
    # A quick look without ansible-rulebook: CLOUDFLARE_* from the environment, events printed as they come.

    class _Printer:
        @staticmethod
        async def put(event):
            print(event, flush=True)

    asyncio.run(main(_Printer(), dict(interval=float(os.environ.get("INTERVAL", "60")))))
