# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The appliances behind the connectors: heartbeats every ``heartbeat_interval`` seconds, silences, a timeline.

Computed from the clock, never by a thread. The stored ``last_heartbeat`` is the *anchor*: the last report known when
the state was made. From it a live appliance reports every ``heartbeat_interval`` seconds, except while it is *away*:

* silent at load: a connector without a heartbeat, or whose heartbeat is older than ``SILENT_AFTER_S`` when its record
  is made (seed, reset, state document, fleet, create), is away from then until the admin API brings it online;
* taken offline with ``PUT /__admin/connectors/{id}/offline``, until ``.../online``;
* a reboot or restart: away from its ``triggered_at`` for ``interrupt_downtime`` seconds; it reports again at the end;
* a shutdown: away from its ``triggered_at`` until the admin API brings it online.

Each account keeps ``appliances``: connector id -> ``{"id", "silent_since" (timestamp, "" = never reported, absent =
live), "events": [{"at", "state": "offline"|"online"}]}``. ``heartbeat_interval: 0`` freezes every heartbeat at its
stored value (the default, as before this model: tests compare stored and answered connectors).
"""

import datetime

from .state import format_timestamp, parse_timestamp

SILENT_AFTER_S = 300
BACK_ON_ITS_OWN = ("reboot", "restart")
NEVER = datetime.datetime.min.replace(tzinfo=datetime.timezone.utc)


def now_utc():
    return datetime.datetime.now(datetime.timezone.utc)


def init_account(account, now=None):
    """Give every connector of ``account`` without an appliance record one (live, or silent since its last report)."""
    now = now or now_utc()
    records = account.setdefault("appliances", {})
    for connector_id, connector in account["connectors"].items():
        if connector_id in records:
            continue
        record = {"id": connector_id, "events": []}
        heartbeat = connector.get("last_heartbeat")
        if not heartbeat:
            record["silent_since"] = ""
        elif (now - parse_timestamp(heartbeat)).total_seconds() > SILENT_AFTER_S:
            record["silent_since"] = heartbeat
        records[connector_id] = record
    for connector_id in [key for key in records if key not in account["connectors"]]:
        del records[connector_id]


def set_online(account, connector_id, online, now=None):
    """Record an admin offline/online switch; returns whether it changed anything."""
    init_account(account, now)
    record = account["appliances"][connector_id]
    if online == is_online(account, connector_id, now):
        return False
    record["events"].append({"at": format_timestamp(now or now_utc()), "state": "online" if online else "offline"})
    return True


def _online_times(record):
    return [parse_timestamp(event["at"]) for event in record.get("events", []) if event["state"] == "online"]


def _first_after(times, moment):
    later = [item for item in times if item >= moment]
    return min(later) if later else None


def away_windows(account, connector_id, downtime_s):
    """The appliance's away intervals ``(start, end or None, reason)``, sorted by start (``NEVER`` = before any report)."""
    record = account.get("appliances", {}).get(connector_id, {"events": []})
    online_times = _online_times(record)
    windows = []
    if "silent_since" in record:
        start = parse_timestamp(record["silent_since"]) if record["silent_since"] else NEVER
        windows.append((start, _first_after(online_times, start), "silent"))
    for event in record.get("events", []):
        if event["state"] == "offline":
            start = parse_timestamp(event["at"])
            windows.append((start, _first_after(online_times, start), "offline"))
    for interrupt in account.get("interrupts", {}).get(connector_id, []):
        if "triggered_at" not in interrupt:
            continue
        start = parse_timestamp(interrupt["triggered_at"])
        action = next((key for key in interrupt if key in BACK_ON_ITS_OWN + ("shutdown",)), "interrupt")
        if action in BACK_ON_ITS_OWN:
            windows.append((start, start + datetime.timedelta(seconds=downtime_s), action))
        else:
            windows.append((start, _first_after(online_times, start), action))
    return sorted(windows, key=lambda window: window[0])


def is_online(account, connector_id, now=None):
    now = now or now_utc()
    record = account.get("appliances", {}).get(connector_id)
    if record is None:
        return True
    for start, end, reason in away_windows(account, connector_id, 0):
        if reason in ("silent", "offline", "shutdown") and start <= now and (end is None or end > now):
            return False
    return True


def _last_tick(anchor, limit, interval):
    """The last report at or before ``limit`` of a schedule starting at ``anchor`` every ``interval`` seconds."""
    if limit <= anchor:
        return anchor
    steps = int((limit - anchor).total_seconds() // interval)
    return anchor + datetime.timedelta(seconds=steps * interval)


def last_heartbeat(account, connector, interval_s, downtime_s, now=None):
    """The connector's ``last_heartbeat`` as of ``now`` (a timestamp string, or None if it never reported)."""
    stored = connector.get("last_heartbeat")
    if not interval_s:
        return stored
    now = now or now_utc()
    current = parse_timestamp(stored) if stored else None
    for start, end, _reason in away_windows(account, connector["id"], downtime_s):
        if start > now:
            break
        if end is not None and current is not None and end <= current:
            continue
        if current is not None and start > current:
            current = _last_tick(current, start, interval_s)
        if end is None or end > now:
            return format_timestamp(current) if current is not None else None
        # Back: the appliance reports as soon as it is up again.
        current = end if current is None else max(current, end)
    if current is None:
        return None
    return format_timestamp(_last_tick(current, now, interval_s))


def timeline(account, interval_s, downtime_s, now=None):
    """Per connector: online now, the current ``last_heartbeat`` and every away interval (for tests and audits)."""
    now = now or now_utc()
    result = {}
    for connector_id, connector in account["connectors"].items():
        result[connector_id] = {
            "online": is_online(account, connector_id, now),
            "last_heartbeat": last_heartbeat(account, connector, interval_s, downtime_s, now),
            "away": [
                {
                    "from": None if start == NEVER else format_timestamp(start),
                    "until": None if end is None else format_timestamp(end),
                    "reason": reason,
                }
                for start, end, reason in away_windows(account, connector_id, downtime_s)
                if start <= now
            ],
        }
    return result
