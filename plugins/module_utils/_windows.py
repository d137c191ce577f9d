# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Maintenance windows in absolute time, and the HA groups whose members must never share one.

Pure functions (no API call), shared by the maintenance-window planner, the roles and the reports. Stable API:

``Window(days, hour, duration, timezone)``
    A connector's interrupt window: day names (canonical, week order), local opening hour (0-23), length in
    whole hours (1-24) and IANA time zone (``None`` or ``""`` mean UTC). ``window_of(connector)`` reads one from a
    connector as the API lists it (floats such as ``4.0`` accepted), or returns ``None`` when it has no window.

``utc_intervals(window, start, weeks=WEEKS)``
    The window's openings as sorted ``(open, close)`` pairs of aware UTC datetimes, for every opening on a local
    date from ``start - 1 day`` (a window of the day before may still be open) to ``start + 7 * weeks`` days
    (``WEEKS``, 53: every DST change of the next 12 months).
    Each opening is computed in the window's own time zone, so DST changes and different zones are exact; a
    window that crosses midnight simply closes the next day. DST edges are judged conservatively: the interval
    is the union of "opens at the local hour and lasts ``duration`` real hours" and "closes at the local hour
    ``hour + duration``", and a local hour that is skipped or repeated counts with both readings. So whatever
    rule the device applies, its real window lies inside the interval. Cached: cheap to call for a fleet.

``overlapping_pairs(a, b)``
    The one overlap sweep: each ``(interval_a, interval_b)`` of two sorted interval lists that overlap (share more
    than an instant). ``first_overlap(a, b)`` is the first such pair or ``None``; ``windows_overlap(w1, w2, start,
    weeks)`` says whether two ``Window`` ever overlap; ``shared_times(a, b)`` are the times both lists are open.

``zone(name)``
    The one time-zone lookup: ``tzinfo`` of an IANA name (``None``, ``""`` and ``UTC`` are UTC). A name this
    controller cannot judge raises ``UnknownTimezone``; nothing falls back to UTC unsaid: callers name the option
    (or, for a connector's own zone, report a finding).

``business_hours(value, option)`` and ``opens_inside(hours, hour)``
    Opening hours ``HH:MM-HH:MM`` (or ``H:MM``) as minutes ``(start, end)``, errors naming ``option``; whether a
    window opening at a local whole hour opens inside them.

``ha_groups(connectors, sites=(), group_by=None, pattern=None, explicit=None)``
    The HA groups of a whole account as ``(groups, keyless)``: ``groups`` maps a group key to its members,
    primary first; ``keyless`` lists the connectors no source named a group for (each is a group of its own in
    ``groups`` too, under ``connector:<id>``). A connector's key comes from the first source that has one:

    1. a Magic WAN site naming it as ``connector_id`` or ``secondary_connector_id`` (key ``site:<site id>``);
    2. its own ``site_id`` (the same key ``site:<site id>``, so both sources agree);
    3. with ``group_by="notes"``, the first capture group of ``pattern`` searched in its notes (``notes:<match>``);
    4. ``explicit``, a mapping of connector id to a group name given by the user (``group:<name>``).

    Members are ordered by ``member_order``: the site's ``connector_id`` first, else connectors with
    ``primary: true`` (the API's default when absent) before the others; ties by notes, then id.

``group_label(key)``
    The key as users write it (the site id, the notes match, the group name).
"""

from __future__ import annotations

import datetime
import functools
import re
from collections import namedtuple

from ._inputs import InvalidOption

try:
    from zoneinfo import ZoneInfo
except ImportError:  # Python < 3.9: only UTC can be judged (the planner says so instead of guessing).
    ZoneInfo = None

DAYS = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")
#: how far ahead overlaps are judged: 53 weeks hold every day of the next 12 months, so every DST change of every
#: zone (each happens once a year) is judged whatever the starting day, and a plan judged today is judged the same
#: on any other day (a re-plan near a DST change moves nothing that is safe).
WEEKS = 53
UTC = datetime.timezone.utc

Window = namedtuple("Window", "days hour duration timezone")


class UnknownTimezone(ValueError):
    """A window's time zone cannot be converted (unknown name, or no zoneinfo on this Python)."""


def window_of(connector):
    """The connector's current window as a ``Window``, or ``None`` when it has no days, hour or duration."""
    days = connector.get("interrupt_window_days_of_week")
    hour = connector.get("interrupt_window_hour_of_day")
    duration = connector.get("interrupt_window_duration_hours")
    if not days or hour is None or not duration:
        return None
    canonical = tuple(d for d in DAYS if d in {str(x).strip().capitalize() for x in days})
    return Window(canonical, int(hour), int(duration), connector.get("timezone") or "UTC")


def zone(name):
    """The ``tzinfo`` of an IANA time zone name; ``None``, ``""`` and ``UTC`` are UTC. Raises ``UnknownTimezone`` for
    anything this controller cannot judge (an unknown name, a value that is no name, no zoneinfo)."""
    if name is None or name in ("", "UTC"):
        return UTC
    if not isinstance(name, str):
        raise UnknownTimezone("time zone %r is not a name" % (name,))
    return _zone_named(name)


@functools.lru_cache(maxsize=None)
def _zone_named(name):
    if ZoneInfo is None:
        raise UnknownTimezone("time zone %s cannot be judged: Python 3.9 or later (zoneinfo) is needed" % name)
    try:
        return ZoneInfo(name)
    except (ValueError, LookupError, OSError) as exc:
        raise UnknownTimezone("unknown time zone %s (%s)" % (name, exc)) from None


def _to_utc(local, tz):
    """Both readings (fold 0 and 1) of a naive local time, in UTC: equal except at DST gaps and repeats."""
    return [local.replace(tzinfo=tz, fold=fold).astimezone(UTC) for fold in (0, 1)]


@functools.lru_cache(maxsize=4096)
def _intervals(days, hour, duration, timezone, start, weeks):
    local_zone = zone(timezone)
    wanted = set(days)
    found = []
    for offset in range(-1, 7 * weeks + 1):
        date = start + datetime.timedelta(days=offset)
        if DAYS[(date.weekday() + 1) % 7] not in wanted:
            continue
        local_open = datetime.datetime.combine(date, datetime.time(hour))
        opens = _to_utc(local_open, local_zone)
        closes = _to_utc(local_open + datetime.timedelta(hours=duration), local_zone)
        found.append((min(opens), max(closes + [max(opens) + datetime.timedelta(hours=duration)])))
    return tuple(sorted(found))


def utc_intervals(window, start, weeks=WEEKS):
    """The window's openings from ``start`` (a date) over ``weeks`` weeks, as sorted UTC ``(open, close)`` pairs."""
    zone(window.timezone)  # a zone that cannot be judged is refused before the cache would hash it
    return _intervals(
        tuple(window.days), int(window.hour), int(window.duration), window.timezone or "UTC", start, weeks
    )


def overlapping_pairs(a, b):
    """Each pair of overlapping intervals (sharing more than an instant) of the sorted lists ``a`` and ``b``: one
    sweep, in order."""
    i = j = 0
    while i < len(a) and j < len(b):
        if a[i][0] < b[j][1] and b[j][0] < a[i][1]:
            yield a[i], b[j]
        if a[i][1] <= b[j][1]:
            i += 1
        else:
            j += 1


def first_overlap(a, b):
    """The first pair of overlapping intervals of the sorted lists ``a`` and ``b``, or ``None``."""
    return next(overlapping_pairs(a, b), None)


def union(intervals):
    """Sorted intervals with those that overlap or touch merged."""
    merged = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def shared_times(first, second):
    """The times (sorted, disjoint intervals) when both of two lists of ``(start, end)`` intervals are open."""
    return [(max(x[0], y[0]), min(x[1], y[1])) for x, y in overlapping_pairs(union(first), union(second))]


def windows_overlap(first, second, start, weeks=WEEKS):
    """Whether two ``Window`` are ever open at the same instant within ``weeks`` weeks from ``start``."""
    return first_overlap(utc_intervals(first, start, weeks), utc_intervals(second, start, weeks)) is not None


BUSINESS_HOURS_RULE = (
    "must be local opening hours such as 09:00-21:00 (HH:MM-HH:MM on a 24-hour clock; the end, at "
    "most 24:00, differs from the start, and one before the start runs past midnight)"
)
_BUSINESS_HOURS = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")


def business_hours(value, option="business_hours"):
    """Opening hours ``"09:00-21:00"`` (local time, every day; ``9:00`` too) as ``(start, end)`` minutes after
    midnight, or ``None`` when unset; a tuple is taken as checked already. Errors name ``option``."""
    if value is None or value == "":
        return None
    if isinstance(value, tuple):
        return value
    match = _BUSINESS_HOURS.match(str(value))
    if not match:
        raise InvalidOption(option, BUSINESS_HOURS_RULE, value)
    start_h, start_m, end_h, end_m = (int(g) for g in match.groups())
    start, end = start_h * 60 + start_m, end_h * 60 + end_m
    if start_m > 59 or end_m > 59 or start >= 1440 or end > 1440 or start == end:
        raise InvalidOption(option, BUSINESS_HOURS_RULE, value)
    return start, end


def opens_inside(hours, hour):
    """Whether a window opening at the local whole ``hour`` opens inside business ``hours`` (``(start, end)``)."""
    if hours is None:
        return False
    minute, (start, end) = hour * 60, hours
    return start <= minute < end if start < end else minute >= start or minute < end


def hours_text(hours):
    """Business hours ``(start, end)`` as people write them: ``09:00-21:00``."""
    return "%02d:%02d-%02d:%02d" % (hours[0] // 60, hours[0] % 60, hours[1] // 60, hours[1] % 60)


def _site_roles(sites):
    """connector id -> (site id, is the site's primary connector)."""
    roles = {}
    for site in sites or ():
        if site.get("secondary_connector_id"):
            roles.setdefault(site["secondary_connector_id"], (site["id"], False))
        if site.get("connector_id"):
            roles[site["connector_id"]] = (site["id"], True)
    return roles


def group_key(connector, site_roles, group_by=None, pattern=None, explicit=None):
    """The connector's HA group key by the sources in the documented order, or ``None``."""
    if connector["id"] in site_roles:
        return "site:" + site_roles[connector["id"]][0]
    if connector.get("site_id"):
        return "site:" + connector["site_id"]
    if group_by == "notes" and pattern:
        match = re.search(pattern, connector.get("notes") or "")
        if match and match.groups() and match.group(1):
            return "notes:" + match.group(1)
    if explicit and explicit.get(connector["id"]):
        return "group:%s" % explicit[connector["id"]]
    return None


def group_label(key):
    return key.split(":", 1)[1]


def member_order(connector, site_roles):
    """The sort key that puts a group's primary first (documented in the module docstring)."""
    if connector["id"] in site_roles:
        primary = site_roles[connector["id"]][1]
    else:
        primary = connector.get("primary", True) is not False
    return (not primary, connector.get("notes") or "", connector["id"])


def ha_groups(connectors, sites=(), group_by=None, pattern=None, explicit=None):
    """``(groups, keyless)``: every connector's HA group (key -> members, primary first) and those without a key."""
    roles = _site_roles(sites)
    groups, keyless = {}, []
    for connector in connectors:
        key = group_key(connector, roles, group_by, pattern, explicit)
        if key is None:
            keyless.append(connector)
            key = "connector:" + connector["id"]
        groups.setdefault(key, []).append(connector)
    for members in groups.values():
        members.sort(key=lambda c: member_order(c, roles))
    return groups, keyless
