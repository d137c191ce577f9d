# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Maintenance windows in absolute time: a connector's window as UTC intervals, and HA groups.

A window opens on each listed day of the week at ``interrupt_window_hour_of_day`` in the connector's own time
zone and lasts ``interrupt_window_duration_hours``; a window that crosses midnight runs into the next day. An
embargo date is a local date on which the window does not open (an assumption: Cloudflare does not say whether a
window that opened the day before is cut at midnight). Converting each opening to UTC on its own date handles
DST changes and HA groups whose members are in different time zones.
"""

from __future__ import annotations

import datetime

from ._connectors import DAYS

try:
    from zoneinfo import ZoneInfo
except ImportError:  # Python < 3.9: every window is read as UTC
    ZoneInfo = None

UTC = datetime.timezone.utc

#: the standard windows of the maintenance_window role (maintenance_window_preset)
PRESETS = {
    # Saturday and Sunday nights, 01:00 to 05:00.
    "weekend_nights": dict(days=["Saturday", "Sunday"], hour=1, duration=4),
    # Monday to Thursday nights, 01:00 to 04:00 (never the night before a weekend).
    "weeknights": dict(days=["Monday", "Tuesday", "Wednesday", "Thursday"], hour=1, duration=3),
    # Sunday early morning, 03:00 to 06:00.
    "sunday_early": dict(days=["Sunday"], hour=3, duration=3),
    # Sites busy around the clock: every day, one hour from 04:00.
    "always_on_short": dict(days=list(DAYS), hour=4, duration=1),
}


def zone(name):
    """The time zone named ``name`` (UTC when empty, unknown, or without zoneinfo)."""
    if not name or ZoneInfo is None:
        return UTC
    try:
        return ZoneInfo(name)
    except (ValueError, KeyError, OSError):
        return UTC


def window_intervals(connector, start, days):
    """The connector's windows as sorted ``(start, end)`` aware UTC datetimes, for the windows that open in the
    ``days`` days from ``start`` (an aware datetime), or run into them."""
    tz = zone(connector.get("timezone"))
    window_days = set(connector.get("interrupt_window_days_of_week") or DAYS)
    hour = float(connector.get("interrupt_window_hour_of_day") or 0)
    duration = datetime.timedelta(hours=float(connector.get("interrupt_window_duration_hours") or 0))
    embargo = set(connector.get("interrupt_window_embargo_dates") or [])
    end = start + datetime.timedelta(days=days)
    first = start.astimezone(tz).date() - datetime.timedelta(days=1)
    found = []
    for offset in range(days + 3):
        date = first + datetime.timedelta(days=offset)
        if DAYS[date.isoweekday() % 7] not in window_days or date.isoformat() in embargo:
            continue
        # Local wall time (DST aware): built from fields, never by adding hours across a change.
        local = datetime.datetime(date.year, date.month, date.day, int(hour), int(round((hour % 1) * 60)), tzinfo=tz)
        opens = local.astimezone(UTC)
        closes = opens + duration
        if closes > start and opens < end:
            found.append((opens, closes))
    return found


def ha_groups(connectors, sites=None):
    """HA groups as ``{group name: [connector ids]}``, only groups of two or more listed connectors: from the
    sites (``connector_id`` and ``secondary_connector_id``) when the account has sites, else from the connectors'
    ``site_id``."""
    listed = set(c["id"] for c in connectors)
    groups = {}
    if sites:
        for site in sites:
            members = [site.get(k) for k in ("connector_id", "secondary_connector_id") if site.get(k) in listed]
            if len(members) > 1:
                groups[site.get("name") or site["id"]] = members
        return groups
    for connector in connectors:
        if connector.get("site_id"):
            groups.setdefault(connector["site_id"], []).append(connector["id"])
    return dict((k, v) for k, v in groups.items() if len(v) > 1)
