# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Plausible, deterministic connector telemetry (the shapes of the official SDK's models).

Nothing is stored: events happen every ``EVENT_INTERVAL`` seconds (sometimes two in one second, ordered by
``n``) and snapshots every ``SNAPSHOT_INTERVAL`` seconds; their contents derive from a hash of the connector id
and the time, so the same query always gives the same answer. Lists take ``from``/``to`` (epoch seconds, both
required), ``limit`` (1-1000, default 100) and ``cursor`` (opaque, from the previous page's ``cursor``).
"""

import base64
import binascii
import hashlib
import math
import time

from .errors import bad_request, not_found

EVENT_INTERVAL = 900
SNAPSHOT_INTERVAL = 300
DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
MAX_SCANNED_SLOTS = 200000
LATEST_EVENTS = 10
# Routine work dominates; the rest shows up now and then.
EVENT_KINDS = ("Reconcile",) * 6 + (
    "HaTransition",
    "StartUpgrade",
    "FinishUpgradeSuccess",
    "RekeyStart",
    "RekeyAdvance",
    "RekeyComplete",
    "StartRotatePki",
    "FinishRotatePkiSuccess",
    "BlessSlotSuccess",
)


def _unit(*parts):
    """A deterministic number in [0, 1) from the given parts."""
    digest = hashlib.sha256(":".join(str(part) for part in parts).encode()).hexdigest()
    return int(digest[:13], 16) / float(16**13)


def _version(connector):
    return connector.get("last_seen_version") or "2026.1.0"


def _number_query(query, name, required=True):
    if name not in query:
        if required:
            raise bad_request("%s is required (seconds since the Unix epoch)" % name, "/" + name)
        return None
    try:
        value = float(query[name])
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value < 0:
        raise bad_request("%s must be a number of seconds since the Unix epoch" % name, "/" + name)
    return value


def _limit(query):
    raw = query.get("limit", str(DEFAULT_LIMIT))
    try:
        limit = float(raw)
    except ValueError:
        limit = 0
    if not float(limit).is_integer() or not 1 <= limit <= MAX_LIMIT:
        raise bad_request("limit must be a whole number between 1 and %d" % MAX_LIMIT, "/limit")
    return int(limit)


def _encode_cursor(slot, n):
    return base64.urlsafe_b64encode(("%d:%d" % (slot, n)).encode()).decode().rstrip("=")


def _decode_cursor(cursor):
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        slot, n = (int(part) for part in text.split(":"))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise bad_request("cursor is not valid: pass the cursor of the previous page unchanged", "/cursor") from None
    return slot, n


def _range(query):
    start, end = _number_query(query, "from"), _number_query(query, "to")
    if start > end:
        raise bad_request("from must not be after to", "/from")
    return start, end


def _events_in_slot(connector_id, slot):
    return 2 if _unit(connector_id, "events", slot) < 0.2 else 1


def _event_kind(connector_id, slot, n):
    return EVENT_KINDS[int(_unit(connector_id, "kind", slot, n) * len(EVENT_KINDS))]


def _event_item(connector, slot, n):
    """List form: ``{a, k, n, t}``."""
    delay = 1 + int(_unit(connector["id"], "collected", slot, n) * 30)
    return {"a": float(slot + delay), "k": _event_kind(connector["id"], slot, n), "n": float(n), "t": float(slot)}


def _event_detail(connector, slot, n):
    """Detail form: ``{e: {k, ...payload}, n, t, v}``."""
    kind = _event_kind(connector["id"], slot, n)
    payload = {"k": kind}
    if "Upgrade" in kind:
        payload["version"] = _version(connector)
    elif kind == "HaTransition":
        payload["state"] = "active" if connector.get("primary", True) else "standby"
    return {"e": payload, "n": float(n), "t": float(slot), "v": _version(connector)}


def list_events(connector, query):
    start, end = _range(query)
    limit = _limit(query)
    kind = query.get("k")
    slot, n = (
        _decode_cursor(query["cursor"])
        if query.get("cursor")
        else (math.ceil(start / EVENT_INTERVAL) * EVENT_INTERVAL, 0)
    )
    items = []
    scanned = 0
    while slot <= end and scanned < MAX_SCANNED_SLOTS:
        count = _events_in_slot(connector["id"], slot)
        while n < count:
            if kind is None or _event_kind(connector["id"], slot, n) == kind:
                if len(items) == limit:
                    return {"count": len(items), "items": items, "cursor": _encode_cursor(slot, n)}
                items.append(_event_item(connector, slot, n))
            n += 1
        slot, n, scanned = slot + EVENT_INTERVAL, 0, scanned + 1
    page = {"count": len(items), "items": items}
    if slot <= end:  # scan budget spent on a sparse filter: let the client continue from here
        page["cursor"] = _encode_cursor(slot, 0)
    return page


def latest_events(connector, now=None):
    now = time.time() if now is None else now
    slot = int(now // EVENT_INTERVAL) * EVENT_INTERVAL
    items = []
    while len(items) < LATEST_EVENTS:
        for n in reversed(range(_events_in_slot(connector["id"], slot))):
            items.append(_event_detail(connector, slot, n))
        slot -= EVENT_INTERVAL
    items = items[:LATEST_EVENTS]
    items.reverse()
    return {"count": len(items), "items": items}


def _whole(text):
    try:
        value = float(text)
    except ValueError:
        return None
    return int(value) if math.isfinite(value) and value.is_integer() else None


def parse_event_ref(ref):
    """``{event_t}.{event_n}`` -> (t, n). The SDK formats both as floats (``1800.0.1.0``), so try every dot."""
    parts = ref.split(".")
    for cut in range(1, len(parts)):
        slot, n = _whole(".".join(parts[:cut])), _whole(".".join(parts[cut:]))
        if slot is not None and n is not None:
            return slot, n
    return None


def get_event(connector, event_ref):
    parsed = parse_event_ref(event_ref)
    if parsed is None:
        raise not_found("event")
    slot, n = parsed
    if slot % EVENT_INTERVAL or not 0 <= n < _events_in_slot(connector["id"], slot):
        raise not_found("event")
    return _event_detail(connector, slot, n)


def list_snapshots(connector, query):
    start, end = _range(query)
    limit = _limit(query)
    slot = (
        _decode_cursor(query["cursor"])[0]
        if query.get("cursor")
        else math.ceil(start / SNAPSHOT_INTERVAL) * SNAPSHOT_INTERVAL
    )
    items = []
    while slot <= end:
        if len(items) == limit:
            return {"count": len(items), "items": items, "cursor": _encode_cursor(slot, 0)}
        delay = 1 + int(_unit(connector["id"], "snapshot-collected", slot) * 20)
        items.append({"a": float(slot + delay), "t": float(slot)})
        slot += SNAPSHOT_INTERVAL
    return {"count": len(items), "items": items}


def latest_snapshots(connector, now=None):
    now = time.time() if now is None else now
    return {"count": 1, "items": [snapshot(connector, int(now // SNAPSHOT_INTERVAL) * SNAPSHOT_INTERVAL)]}


def get_snapshot(connector, snapshot_t):
    try:
        slot = float(snapshot_t)
    except ValueError:
        raise not_found("snapshot") from None
    if not slot.is_integer() or slot % SNAPSHOT_INTERVAL:
        raise not_found("snapshot")
    return snapshot(connector, int(slot))


def snapshot(connector, slot):
    """A full snapshot (a representative subset of the SDK's ``SnapshotGetResponse`` fields, with the newest schema's
    ``site_id``, ``routes``, ``interfaces[].health_score`` (0..100) and ``health_reason``, ``ha_state``/``ha_value``
    and the tunnels' ``latency_ms``/``jitter_ms``)."""
    cid = connector["id"]
    activated = connector.get("activated", False)
    primary = connector.get("primary", True)
    load = round(0.2 + _unit(cid, "load", slot) * 1.6, 2)
    memory_total = 8589934592
    memory_available = int(memory_total * (0.45 + _unit(cid, "memory", slot) * 0.3))
    latency = round(8 + _unit(cid, "latency", slot) * 30, 2)
    tunnel_state = ("healthy", 1) if activated else ("down", 3)
    ha_state = ("active", 1) if primary else ("standby", 2)
    wan_host, lan_net = 10 + int(_unit(cid, "wan") * 200), 1 + int(_unit(cid, "lan") * 250)
    return {
        "t": float(slot),
        "v": _version(connector),
        "count_reclaim_failures": 0.0,
        "count_reclaimed_paths": float(int(_unit(cid, "reclaimed", slot) * 12)),
        "count_record_failed": 0.0,
        "count_transmit_failures": 0.0,
        "platform": "virtual" if connector.get("device", {}).get("type") == "LICENSED" else "mwan-2100",
        "cpu_count": 4.0,
        "load_average_1m": load,
        "load_average_5m": round(load * 0.9, 2),
        "load_average_15m": round(load * 0.8, 2),
        "memory_total_bytes": float(memory_total),
        "memory_available_bytes": float(memory_available),
        "memory_free_bytes": float(memory_available // 2),
        # 0 disabled, 1 active, 2 standby, 3 stopped, 4 fault
        "ha_state": ha_state[0] if activated else "disabled",
        "ha_value": float(ha_state[1] if activated else 0),
        "site_id": connector.get("site_id") or "",
        "interfaces": [
            {
                "name": "wan0",
                "operstate": "up",
                "speed": 1000.0,
                "health_score": float(90 + int(_unit(cid, "health", slot) * 11)) if activated else 0.0,
                "health_reason": "healthy" if activated else "not activated",
                "ip_addresses": [{"interface_name": "wan0", "ip_address": "192.0.2.%d/24" % wan_host}],
            },
            {
                "name": "lan0",
                "operstate": "up",
                "speed": 1000.0,
                "health_score": 100.0,
                "health_reason": "healthy",
                "ip_addresses": [{"interface_name": "lan0", "ip_address": "10.%d.0.1/24" % lan_net}],
            },
        ],
        "routes": [
            {
                "destination": "0.0.0.0/0",
                "interface_name": "wan0",
                "kind": "static",
                "metric": 100.0,
                "gateway": "192.0.2.1",
                "weight": 1.0,
            },
            {"destination": "10.%d.0.0/24" % lan_net, "interface_name": "lan0", "kind": "connected", "metric": 0.0},
        ],
        "tunnels": [
            {
                "tunnel_id": hashlib.sha256(("tunnel:%s:%d" % (cid, index)).encode()).hexdigest()[:32],
                "interface_name": "wan0",
                "health_state": tunnel_state[0],
                "health_value": float(tunnel_state[1]),
                "latency_ms": latency + index,
                "jitter_ms": round(latency / 10, 2),
                "probed_mtu": 1476.0,
            }
            for index in range(2)
        ],
        "thermals": [
            {
                "label": "cpu",
                "current_celcius": round(40 + _unit(cid, "temp", slot) * 25, 1),
                "max_celcius": 95.0,
                "critical_celcius": 105.0,
            }
        ],
    }
