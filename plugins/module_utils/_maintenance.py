# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The maintenance-window planner: standard windows for a fleet, HA peers never down together.

``plan_windows(connectors, plan, sites)`` is the whole plan of the maintenance_window role (and of the
``maintenance_windows`` filter): ``connectors`` is the whole account as listed, ``sites`` its Magic WAN sites (or
``None``), ``plan`` the role's settings without their ``maintenance_window_`` prefix. It returns the entries for the
fleet module and a summary. Every bad setting raises ``InvalidOption`` naming the role variable, before any write.

The HA guarantee, exactly: for every run scope, no planned connector's window is open at the same instant as the
window of any other member of its HA group (planned in this run, or untouched and kept as it is), judged in UTC
over the next 53 weeks from ``today`` - every DST change of the next 12 months of every zone of the group - with
each window in its own time zone. On a day whose local clock jumps, a window is judged under both readings at once
(it lasts its duration in real hours, and it ends at its local closing hour; see ``_windows.utc_intervals``), since
how Cloudflare runs such a window is not published. Members of a group that the run does not touch and that already
overlap each other are left as they are. Because the horizon holds a whole year of DST changes, a plan judged on
one day is judged the same on any other: planning again near a DST change moves no window that is safe.

Rules:

* HA groups come from ``_windows.ha_groups`` (sites, then ``site_id``, then the notes pattern with
  ``group_by: notes``, then a target's ``group``). With ``group_by`` set, a target no source groups is an error
  unless ``allow_ungrouped`` is true (it is then a site of its own).
* Members are planned primary first (``_windows.member_order``); member ``p`` of a group (its position among all
  members, targets or not) prefers, with ``ha_strategy: consecutive``, the window ``p`` durations after the
  opening hour, on the same days; with ``alternate_days``, the same hours on every ``n``-th day of the days
  (``n`` members: member ``p`` gets days ``p, p+n, ...``).
* A preferred window that overlaps the current window of an untouched member is a conflict: with
  ``ha_conflict: shift`` (default) the target takes the next free window (the following hours in order, always
  on the same days), with ``fail`` the plan fails naming both connectors. A preferred window overlapping a member
  planned in the same run (zones of different offsets) is shifted the same way, never failed.
* ``latest_end_hour`` (local): every planned window opens and closes on the same local day by that hour.
* ``business_hours`` (local, ``HH:MM-HH:MM``, see ``business_hours``): no planned window opens inside them; a
  member whose every free window would is an error naming the connector.
* ``timezone_mismatch``: an HA group whose members' zones differ (the zone each target is planned in, the current
  zone of an untouched member) is listed in the summary (``report``, default), refused naming the group and its
  members (``fail``), or planned in its primary's zone (``primary``: every target member of the group gets the
  primary's zone; the API publishes no zone for a site, so the primary is the reference).
* Groups take staggered start times by their index among all of the account's groups (stable whatever the
  scope of a run).
"""

from __future__ import annotations

import datetime
import re

from ._client import InvalidOption
from ._resource import IncompleteRun, at_most
from ._connectors import DAYS, DEVICE_TYPES, MAX_EMBARGO_DATES, check_embargo_dates, check_settings, device_of, select_connector
from ._sites import Sites
from ._windows import WEEKS, UnknownTimezone, Window, first_overlap, group_label, ha_groups, utc_intervals, window_of, windows_overlap

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
PREFIX = "maintenance_window_"
HA_CONFLICT = ("shift", "fail")
HA_STRATEGY = ("consecutive", "alternate_days")
TIMEZONE_MISMATCH = ("report", "fail", "primary")
BUSINESS_HOURS_FORMAT = "HH:MM-HH:MM (local time, 24-hour clock, such as 08:00-22:00)"
GROUP_BY = ("site_id", "notes")

# The role's variables for the settings check_settings judges.
ROLE_VARIABLES = {
    "interrupt_window_days_of_week": PREFIX + "days",
    "interrupt_window_hour_of_day": PREFIX + "hour",
    "interrupt_window_duration_hours": PREFIX + "duration",
    "timezone": PREFIX + "timezone",
}


def _fail(key, rule, value=None):
    raise InvalidOption(PREFIX + key, rule, value)


def whole_number(value, key, low, high, default=None):
    """A role variable that must be a whole number: ints, integral floats and numeric strings (``-e x=2`` gives
    ``"2"``) are accepted; anything else is refused naming the variable."""
    if value is None or value == "":
        return default
    number = value
    if isinstance(value, str) and re.match(r"^\s*[+-]?\d+\s*$", value):
        number = int(value)
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    if isinstance(number, bool) or not isinstance(number, int):
        _fail(key, "must be a whole number", value)
    if not low <= number <= high:
        _fail(key, "must be from %d to %d" % (low, high), value)
    return number


def _boolean(value, key):
    if isinstance(value, bool) or value is None:
        return bool(value)
    text = str(value).strip().lower()
    if text in ("true", "yes", "on", "1"):
        return True
    if text in ("false", "no", "off", "0", ""):
        return False
    raise InvalidOption(key, "must be true or false", value)


def _choice(value, key, choices, default):
    value = value or default
    if value not in choices:
        _fail(key, "must be one of %s" % ", ".join(choices), value)
    return value


def _date(value, key):
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(check_embargo_dates([str(value)], "")[0])
    except InvalidOption:
        raise InvalidOption(key, "must be a real date written YYYY-MM-DD", value) from None


def business_hours(value, key=PREFIX + "business_hours"):
    """``"HH:MM-HH:MM"`` (local, the end excluded; ``22:00-06:00`` wraps past midnight) as ``(start, end)`` in minutes
    after midnight, or ``None`` when unset. A window opens inside them when its local opening time ``t`` is in
    ``[start, end)``. Errors name ``key``."""
    if value is None or value == "":
        return None
    match = re.match(r"^\s*([01]\d|2[0-3]):([0-5]\d)\s*-\s*([01]\d|2[0-4]):([0-5]\d)\s*$", str(value))
    if not match:
        raise InvalidOption(key, "must be written " + BUSINESS_HOURS_FORMAT, value)
    start = int(match.group(1)) * 60 + int(match.group(2))
    end = int(match.group(3)) * 60 + int(match.group(4))
    if end > 24 * 60 or start == end:
        raise InvalidOption(key, "must be written %s, end after start and at most 24:00" % BUSINESS_HOURS_FORMAT, value)
    return start, end


def opens_inside(hours, hour):
    """Whether a window opening at the local whole ``hour`` opens inside business ``hours`` (``(start, end)``)."""
    if hours is None:
        return False
    minute, (start, end) = hour * 60, hours
    return start <= minute < end if start < end else minute >= start or minute < end


def embargo_dates(freeze_periods=None, dates=None, today=None, option="freeze_periods", dates_option="dates", keep_past=False,
                  today_option="today"):
    """Freeze periods ``{start, end}`` (inclusive) and single dates as sorted unique ``YYYY-MM-DD``, past ones
    dropped (kept with ``keep_past``: a removal takes the same range whatever day it runs), at most 100. Errors name
    the periods ``option``, the single dates ``dates_option`` and ``today`` ``today_option``. An ``option`` holding
    ``{}`` names one period given as two variables: ``change_freeze_{}`` gives ``change_freeze_start`` and
    ``change_freeze_end``."""
    today = _date(today, today_option) if today else datetime.date.today()
    found = set()
    for index, period in enumerate(freeze_periods or []):
        if "{}" in option:
            where = "%s to %s" % (option.format("start"), option.format("end"))
            start_name, end_name = option.format("start"), option.format("end")
        else:
            where = "%s[%d]" % (option, index)
            start_name, end_name = where + ".start", where + ".end"
        if not isinstance(period, dict) or set(period) != {"start", "end"}:
            raise InvalidOption(where, "must be a mapping with exactly start and end", period)
        start, end = _date(period["start"], start_name), _date(period["end"], end_name)
        if end < start:
            raise InvalidOption(where, "ends before it starts", period)
        if (end - start).days >= MAX_EMBARGO_DATES:
            raise InvalidOption(where, "spans more than %d days, the most embargo dates a connector can hold"
                                % MAX_EMBARGO_DATES, period)
        found.update(start + datetime.timedelta(days=n) for n in range((end - start).days + 1))
    for index, value in enumerate(dates or []):
        found.add(_date(value, "%s[%d]" % (dates_option, index)))
    upcoming = sorted(d.isoformat() for d in found if keep_past or d >= today)
    if len(upcoming) > MAX_EMBARGO_DATES:
        periods = "%s to %s" % (option.format("start"), option.format("end")) if "{}" in option else option
        raise InvalidOption("%s and %s" % (periods, dates_option), "expand to %d dates%s; a connector holds at most %d"
                            % (len(upcoming), "" if keep_past else " from today on", MAX_EMBARGO_DATES))
    return upcoming


def date_ranges(dates):
    """Sorted ``YYYY-MM-DD`` dates as ranges: ``2026-12-18..2027-01-03`` for consecutive days, a lone date as is."""
    ranges, run = [], []
    for day in sorted(datetime.date.fromisoformat(d) for d in set(dates)):
        if run and (day - run[-1]).days != 1:
            ranges.append(run)
            run = []
        run.append(day)
    if run:
        ranges.append(run)
    return [r[0].isoformat() if len(r) == 1 else "%s..%s" % (r[0].isoformat(), r[-1].isoformat()) for r in ranges]


def check_plan(plan):
    """The role's settings checked and normalised (numbers from strings too); raises ``InvalidOption``."""
    preset_name = plan.get("preset")
    hour = whole_number(plan.get("hour"), "hour", 0, 23)
    duration = whole_number(plan.get("duration"), "duration", 1, 24)
    if preset_name not in PRESETS and not (plan.get("days") and hour is not None and duration):
        _fail("preset", "must be one of %s (or give days, hour and duration)" % ", ".join(sorted(PRESETS)), preset_name)
    preset = PRESETS.get(preset_name, {})
    settings = dict(
        days=plan.get("days") or preset["days"],
        hour=preset["hour"] if hour is None else hour,
        duration=preset["duration"] if duration is None else duration,
        timezone=plan.get("timezone") or None,
        stagger_hours=whole_number(plan.get("stagger_hours"), "stagger_hours", 0, 23, 0),
        stagger_slots=whole_number(plan.get("stagger_slots"), "stagger_slots", 1, 24, 1),
        # 0 is "no limit", as unset: a value that can always be passed (before ansible-core 2.19 a role variable set
        # to none arrives as "", which the role's int argument spec refuses).
        latest_end_hour=whole_number(plan.get("latest_end_hour"), "latest_end_hour", 0, 24) or None,
        group_by=_choice(plan.get("group_by"), "group_by", ("",) + GROUP_BY, ""),
        group_pattern=plan.get("group_pattern") or r"^(\S+)",
        allow_ungrouped=_boolean(plan.get("allow_ungrouped"), PREFIX + "allow_ungrouped"),
        ha_conflict=_choice(plan.get("ha_conflict"), "ha_conflict", HA_CONFLICT, "shift"),
        ha_strategy=_choice(plan.get("ha_strategy"), "ha_strategy", HA_STRATEGY, "consecutive"),
        business_hours=business_hours(plan.get("business_hours")),
        timezone_mismatch=_choice(plan.get("timezone_mismatch"), "timezone_mismatch", TIMEZONE_MISMATCH, "report"),
        purge_embargo_dates=_boolean(plan.get("purge_embargo_dates"), PREFIX + "purge_embargo_dates"),
        today=_date(plan["today"], PREFIX + "today") if plan.get("today") else datetime.date.today(),
        targets=plan.get("targets") or [],
        device_type=_choice(plan.get("device_type"), "device_type", ("",) + DEVICE_TYPES, ""),
    )
    if settings["group_by"] == "notes" or plan.get("group_pattern"):  # a bad pattern is refused even when unused
        try:
            groups = re.compile(settings["group_pattern"]).groups
        except re.error:
            groups = 0
        if groups < 1:
            _fail("group_pattern", "must be a regular expression with a capture group (the group's name)",
                  settings["group_pattern"])
    window = dict(interrupt_window_days_of_week=settings["days"], interrupt_window_hour_of_day=settings["hour"],
                  interrupt_window_duration_hours=settings["duration"], timezone=settings["timezone"])
    try:
        window = check_settings(window)
    except InvalidOption as exc:
        # Name the role variable the user set, not the API field it becomes.
        raise InvalidOption(ROLE_VARIABLES[exc.option], exc.rule, exc.value) from None
    settings["days"] = window["interrupt_window_days_of_week"]
    if opens_inside(settings["business_hours"], settings["hour"]):
        _fail("hour", "(%02d:00) opens inside maintenance_window_business_hours %s: choose an hour outside them"
              % (settings["hour"], plan.get("business_hours")), settings["hour"])
    latest = settings["latest_end_hour"]
    if latest is not None and settings["duration"] > latest:
        _fail("latest_end_hour", "leaves no room for a window of %d h (maintenance_window_duration): a window must "
              "open and close by %02d:00 local time on the same day" % (settings["duration"], latest), latest)
    if plan.get("freeze_periods") or plan.get("embargo_dates"):
        settings["embargo_dates"] = embargo_dates(plan.get("freeze_periods"), plan.get("embargo_dates"), settings["today"],
                                                  PREFIX + "freeze_periods", PREFIX + "embargo_dates")
    else:
        settings["embargo_dates"] = None
    return settings


def _label(key, sites):
    """A group as users know it: the site's name when the sites are known, else the key's value."""
    site = key.startswith("site:") and next((x for x in sites or () if x.get("id") == key[5:] and x.get("name")), None)
    return site["name"] if site else group_label(key)


def _name(connector):
    return "%s (%s)" % (connector.get("notes") or "no notes", connector["id"])


def _targets(connectors, targets, option=PREFIX + "connectors"):
    """(connector, target entry) for every target, or for every connector when no target is given."""
    if not targets:
        return [(c, {}) for c in connectors]
    chosen = []
    for index, target in enumerate(targets):
        where = "%s[%d]." % (option, index)
        if isinstance(target, str):
            target = dict(id=target)  # a bare connector id, as hostvars give them
        if not isinstance(target, dict):
            raise InvalidOption(where[:-1], "must be a mapping with id, device_id, device_serial_number or notes", target)
        connector = select_connector(connectors, target.get("id"), target.get("device_id"),
                                     target.get("device_serial_number"), target.get("notes"), where)
        if connector is None:
            raise InvalidOption(where[:-1], "matches no listed connector", target)
        chosen.append((connector, target))
    return chosen


class _Group:
    """One HA group being planned: the windows already fixed (untouched members, then planned ones)."""

    def __init__(self, key, members, settings):
        self.key, self.members, self.settings = key, members, settings
        self.fixed = []  # (connector, window, intervals, untouched)

    def fix(self, connector, window, untouched):
        self.fixed.append((connector, window, utc_intervals(window, self.settings["today"]), untouched))

    def clash(self, window):
        intervals = utc_intervals(window, self.settings["today"])
        for connector, dummy, other, untouched in self.fixed:
            if first_overlap(intervals, other):
                return connector, untouched
        return None


def _candidates(settings, position, size, start, timezone):
    """The windows member ``position`` of a group of ``size`` may take, preferred first."""
    days, duration = settings["days"], settings["duration"]
    if settings["ha_strategy"] == "alternate_days":
        subsets = [tuple(days[(position + r) % size::size]) for r in range(size)]
        first_hour = start
    else:
        subsets = [tuple(days)]
        first_hour = start + position * duration
    # The preferred hour, then each following hour: the nearest free window (one hour later clears a DST jump).
    latest = settings["latest_end_hour"]
    for hour in ((first_hour + offset) % 24 for offset in range(24)):
        if latest is not None and hour + duration > latest:
            continue
        if opens_inside(settings["business_hours"], hour):
            continue
        for subset in subsets:
            yield Window(subset, hour, duration, timezone)


def _no_room(settings, group, connector, start, clash, label):
    size, duration, latest = len(group.members), settings["duration"], settings["latest_end_hour"]
    message = "leaves no free window for %s of HA group %s (%d members)" % (_name(connector), label, size)
    if clash:
        message += "; every window it may take overlaps %s" % _name(clash[0])
    if settings["business_hours"] is not None:
        message += " or opens inside maintenance_window_business_hours"
    if latest is None:
        if settings["business_hours"] is not None:
            raise InvalidOption(PREFIX + "business_hours", message)
        raise InvalidOption(PREFIX + "duration", "(%d h) " % duration + message)
    fits = ["a duration of at most %d h" % max(1, (latest - start) // size) if latest - start >= size else None,
            "maintenance_window_latest_end_hour %d or later" % (start + size * duration) if start + size * duration <= 24
            else None,
            "maintenance_window_ha_strategy alternate_days" if settings["ha_strategy"] == "consecutive"
            and len(settings["days"]) >= size and start + duration <= latest else None]
    fits = [f for f in fits if f]
    raise InvalidOption(PREFIX + "latest_end_hour", "(%02d:00) %s: the group needs %d windows of %d h from %02d:00%s"
                        % (latest, message, size, duration, start, "; would fit: " + " or ".join(fits) if fits else ""))


def plan_windows(connectors, plan, sites=None):
    """``(entries, summary)`` for the fleet module: see the module docstring for the rules."""
    settings = check_plan(plan)
    # The whole account is the world; the device type and the targets only narrow what is planned.
    eligible = [c for c in connectors if settings["device_type"] in ("", device_of(c).get("type"))]
    chosen = _targets(eligible, settings["targets"])
    targets = dict((c["id"], t) for c, t in chosen)
    explicit = dict((c["id"], t["group"]) for c, t in chosen if t.get("group"))
    groups, keyless = ha_groups(connectors, sites or (), settings["group_by"] or None, settings["group_pattern"], explicit)
    ungrouped = [c for c in keyless if c["id"] in targets]
    if settings["group_by"] and ungrouped and not settings["allow_ungrouped"]:
        _fail("group_by", "%s finds no HA group for %d connector(s): %s; give them a site, a %s or a target group, or set "
              "maintenance_window_allow_ungrouped: true to plan them as single sites"
              % (settings["group_by"], len(ungrouped), ", ".join(_name(c) for c in ungrouped[:20])
                 + (", ..." if len(ungrouped) > 20 else ""), "site_id" if settings["group_by"] == "site_id" else
                 "notes match of maintenance_window_group_pattern"))
    if settings["ha_strategy"] == "consecutive":
        for key, members in groups.items():
            if len(members) > 1 and len(members) * settings["duration"] > 24 and any(m["id"] in targets for m in members):
                _fail("duration", "is too long to give the %d connectors of group %r windows that do not overlap within a "
                      "day" % (len(members), _label(key, sites)), settings["duration"])
    else:
        for key, members in groups.items():
            if len(members) > len(settings["days"]) and any(m["id"] in targets for m in members):
                _fail("ha_strategy", "alternate_days needs at least as many days as an HA group has members: group %r has %d, "
                      "maintenance_window_days %d" % (_label(key, sites), len(members), len(settings["days"])), "alternate_days")

    zones, mismatched = _zones(groups, targets, settings, sites)
    planned, shifted = {}, []
    for slot, key in enumerate(sorted(groups)):
        members = groups[key]
        if not any(m["id"] in targets for m in members):
            continue
        group = _Group(key, members, settings)
        try:
            for member in members:
                if member["id"] not in targets and window_of(member):
                    group.fix(member, window_of(member), True)
            start = (settings["hour"] + (slot % settings["stagger_slots"]) * settings["stagger_hours"]) % 24
            for position, member in enumerate(members):
                if member["id"] not in targets:
                    continue
                timezone = zones[member["id"]]
                first_clash = chosen_window = None
                for index, window in enumerate(_candidates(settings, position, len(members), start, timezone)):
                    clash = group.clash(window)
                    if clash is None:
                        chosen_window = window
                        break
                    if index == 0:
                        first_clash = clash
                        if clash[1] and settings["ha_conflict"] == "fail":
                            _fail("ha_conflict", "is fail: the window planned for %s would overlap the current window of "
                                  "its untouched HA peer %s (group %s) in UTC within %d weeks; target both, or use "
                                  "shift" % (_name(member), _name(clash[0]), _label(key, sites), WEEKS), "fail")
                if chosen_window is None:
                    _no_room(settings, group, member, start, first_clash, _label(key, sites))
                if first_clash:
                    shifted.append(dict(connector=member["id"], notes=member.get("notes"), peer=first_clash[0]["id"],
                                        group=_label(key, sites), hour=chosen_window.hour,
                                        days=list(chosen_window.days)))
                group.fix(member, chosen_window, False)
                planned[member["id"]] = chosen_window
        except UnknownTimezone as exc:
            raise InvalidOption(PREFIX + "timezone", "(or a connector's) cannot be judged: %s" % exc) from None

    entries = []
    for connector, target in chosen:
        window = planned[connector["id"]]
        entry = dict(id=connector["id"], interrupt_window_days_of_week=list(window.days),
                     interrupt_window_hour_of_day=window.hour, interrupt_window_duration_hours=window.duration)
        if target.get("timezone") or settings["timezone"] or window.timezone != (connector.get("timezone") or "UTC"):
            entry["timezone"] = window.timezone
        if settings["embargo_dates"] is not None:
            entry["interrupt_window_embargo_dates"] = settings["embargo_dates"]
        entries.append(entry)
    summary = _summary(connectors, entries, planned, groups, targets, shifted, ungrouped, settings)
    summary.update(timezone_mismatches=len(mismatched), mismatched_groups=mismatched[:20])
    return entries, summary


def _zones(groups, targets, settings, sites):
    """``(zones, mismatched)``: the zone each member is judged in (a target's planned zone, an untouched member's
    current one) after ``timezone_mismatch``, and the HA groups with a target whose members' zones still differ
    (``{group, members: [{connector, notes, timezone}]}``). ``fail`` raises naming the group and its members."""
    zones, mismatched = {}, []
    for key in sorted(groups):
        members = groups[key]
        for member in members:
            if member["id"] in targets:
                zone = targets[member["id"]].get("timezone") or settings["timezone"] or member.get("timezone")
            else:
                zone = member.get("timezone")
            zones[member["id"]] = zone or "UTC"
        if len(members) < 2 or not any(m["id"] in targets for m in members):
            continue
        if settings["timezone_mismatch"] == "primary":
            for member in members[1:]:
                if member["id"] in targets:
                    zones[member["id"]] = zones[members[0]["id"]]
        if len(set(zones[m["id"]] for m in members)) > 1:
            described = [dict(connector=m["id"], notes=m.get("notes"), timezone=zones[m["id"]]) for m in members]
            if settings["timezone_mismatch"] == "fail":
                _fail("timezone_mismatch", "is fail: the members of HA group %s are in different time zones: %s; give them "
                      "one zone (maintenance_window_timezone), or set maintenance_window_timezone_mismatch: primary"
                      % (_label(key, sites), at_most(described, name=_zone_name)), "fail")
            mismatched.append(dict(group=_label(key, sites), members=described))
    return zones, mismatched


def _zone_name(member):
    return "%s (%s) in %s" % (member["notes"] or "no notes", member["connector"], member["timezone"])


def _changes(connector, entry, purge):
    if window_of(connector) != window_of(dict(entry, timezone=entry.get("timezone") or connector.get("timezone"))):
        return True
    dates = entry.get("interrupt_window_embargo_dates")
    if dates is None:
        return False
    current = set(connector.get("interrupt_window_embargo_dates") or [])
    return set(dates) != current if purge else not set(dates) <= current


def _summary(connectors, entries, planned, groups, targets, shifted, ungrouped, settings):
    by_id = dict((c["id"], c) for c in connectors)
    windows, zones = {}, {}
    for entry in entries:
        window = planned[entry["id"]]
        label = "%s %02d:00 %dh" % (",".join(d[:3] for d in window.days), window.hour, window.duration)
        windows[label] = windows.get(label, 0) + 1
        zones[window.timezone] = zones.get(window.timezone, 0) + 1
    ha = [k for k, m in groups.items() if len(m) > 1 and any(c["id"] in targets for c in m)]
    return dict(
        connectors=len(connectors),
        targets=len(entries),
        changing=sum(1 for e in entries if _changes(by_id[e["id"]], e, settings["purge_embargo_dates"])),
        windows=dict(sorted(windows.items())),
        timezones=dict(sorted(zones.items())),
        ha_groups=len(ha),
        ha_groups_partly_targeted=sum(1 for k in ha if not all(c["id"] in targets for c in groups[k])),
        ungrouped=len(ungrouped),
        conflicts_shifted=len(shifted),
        shifted=shifted[:20],
        freeze=date_ranges(settings["embargo_dates"] or []),
        weeks_checked=WEEKS,
        from_date=settings["today"].isoformat(),
    )


def summary_lines(summary):
    """The summary as the few lines a change request needs."""
    lines = ["%d of %d connectors planned, %d change; %d HA groups planned (%d partly targeted: untouched peers kept), "
             "%d conflicts shifted, %d ungrouped; no HA overlap in UTC over %d weeks from %s (every DST change of the next "
             "12 months, both readings of a window on a day the clock jumps)"
             % (summary["targets"], summary["connectors"], summary["changing"], summary["ha_groups"],
                summary["ha_groups_partly_targeted"], summary["conflicts_shifted"], summary["ungrouped"],
                summary["weeks_checked"], summary["from_date"])]
    lines += ["window %s: %d" % item for item in summary["windows"].items()]
    lines += ["time zone %s: %d" % item for item in summary["timezones"].items()]
    lines += ["HA group %s has members in different time zones: %s" % (m["group"], at_most(m["members"], name=_zone_name))
              for m in summary.get("mismatched_groups", [])]
    if summary.get("timezone_mismatches", 0) > len(summary.get("mismatched_groups", [])):
        lines.append("and %d more HA groups with members in different time zones"
                     % (summary["timezone_mismatches"] - len(summary["mismatched_groups"])))
    lines += ["shifted %s (%s) of group %s away from %s: %s %02d:00" % (
        s["notes"], s["connector"], s["group"], s["peer"], ",".join(s["days"]), s["hour"]) for s in summary["shifted"]]
    if summary["freeze"]:
        lines.append("freeze: " + ", ".join(summary["freeze"]))
    return lines


def plan_from_account(connectors, plan):
    """``(entries, listed, summary)``: the settings checked before any call, then the connectors listed once (the
    ``Connectors`` resource given), the sites listed once unless ``plan["use_sites"]`` is false, and the plan."""
    check_plan(plan)
    listed = connectors.list()
    sites = Sites(connectors.client).list() if _boolean(plan.get("use_sites", True), PREFIX + "use_sites") else None
    entries, summary = plan_windows(listed, plan, sites)
    summary["lines"] = summary_lines(summary)
    summary["sites_used"] = sites is not None
    summary[SITES_READ] = sites  # for verify_after_write; the module takes it out of the result
    return entries, listed, summary


def freeze_entries(connectors, dates, state="present", targets=None, device_type="", purge_before=None):
    """Entries for the fleet module that add ``dates`` to each target's embargo dates (sent with purge_embargo_dates
    false: the module merges them with what it reads) or, with ``state=absent``, remove exactly them (the entry holds
    the whole remaining list, with purge_embargo_dates true). With ``purge_before`` (a ``YYYY-MM-DD``), every date
    before it is removed too (whole lists again). Only embargo dates are sent: a freeze never moves a window.
    Errors name the change_freeze role's variables."""
    if state not in ("present", "absent"):
        raise InvalidOption("change_freeze_state", "must be present or absent", state)
    dates = sorted(set(dates))
    eligible = [c for c in connectors if (device_type or "") in ("", device_of(c).get("type"))]
    entries = []
    for connector, dummy in _targets(eligible, targets, "change_freeze_connectors"):
        current = set(connector.get("interrupt_window_embargo_dates") or [])
        kept = set(d for d in current if purge_before is None or d >= purge_before)
        if state == "absent":
            entries.append(dict(id=connector["id"], interrupt_window_embargo_dates=sorted(kept - set(dates)),
                                purge_embargo_dates=True))
            continue
        if len(kept | set(dates)) > MAX_EMBARGO_DATES:
            name = device_of(connector).get("serial_number") or connector.get("notes") or connector["id"]
            raise InvalidOption("the freeze (change_freeze_start to change_freeze_end, and change_freeze_dates)",
                                "adds too many dates: connector %s (%s) would hold %d embargo dates, more than %d"
                                % (connector["id"], name, len(kept | set(dates)), MAX_EMBARGO_DATES))
        if purge_before is None:
            entries.append(dict(id=connector["id"], interrupt_window_embargo_dates=dates))
        else:
            entries.append(dict(id=connector["id"], interrupt_window_embargo_dates=sorted(kept | set(dates)),
                                purge_embargo_dates=True))
    return entries


def freeze_from_account(connectors, freeze):
    """``(entries, listed, summary)`` of the change_freeze role: ``freeze`` holds ``dates``, ``state``, ``targets``,
    ``device_type``, ``purge_past`` and ``today``; the connectors are listed once (the ``Connectors`` resource given).
    The summary says how many targets hold the dates to remove (or past dates to purge), and says so when none do."""
    state = freeze.get("state") or "present"
    purge_past = _boolean(freeze.get("purge_past"), "change_freeze_purge_past")
    today = _date(freeze["today"], "change_freeze_today") if freeze.get("today") else datetime.date.today()
    purge_before = today.isoformat() if purge_past else None
    listed = connectors.list()
    dates = freeze.get("dates") or []
    entries = freeze_entries(listed, dates, state, freeze.get("targets"), freeze.get("device_type"), purge_before)
    by_id = dict((c["id"], set(c.get("interrupt_window_embargo_dates") or [])) for c in listed)
    holding = [e["id"] for e in entries if by_id[e["id"]] & set(dates)]
    past = [e["id"] for e in entries if purge_before and any(d < purge_before for d in by_id[e["id"]])]
    ranges = date_ranges(dates)
    lines = ["%s the freeze %s on %d of %d connectors (embargo dates only: no window moves)"
             % ("adding" if state == "present" else "removing", ", ".join(ranges) or "(no dates)", len(entries), len(listed))]
    if state == "absent":
        lines.append("%d of the %d target connectors hold some of these dates" % (len(holding), len(entries)) if holding
                     else "nothing to remove: none of the %d target connectors holds any of these dates" % len(entries))
    if purge_past:
        lines.append("purging the embargo dates before %s: %d of the %d target connectors hold some"
                     % (purge_before, len(past), len(entries)) if past
                     else "no embargo date before %s on the %d target connectors: nothing to purge" % (purge_before, len(entries)))
    summary = dict(connectors=len(listed), targets=len(entries), state=state, freeze=ranges, holding=len(holding),
                   purged_past=len(past), lines=lines)
    return entries, listed, summary


# --- after the write: another run (or the dashboard) may have written the same connectors meanwhile -----------------
SITES_READ = "_sites_read"
RUN_APART = ("run the roles one at a time (an AWX job template without concurrent jobs, one template for both roles "
             "or a shared lock); running this again reads the current state and repairs it")


def verify_after_write(connectors, entries, listed, plan, result, sites=None, freeze=False):
    """Re-list the account once after a run that wrote, and raise ``IncompleteRun`` (the run's ``result`` kept) when
    the state it left is not the state it planned: an HA group it touched whose members are now down together (a
    second run planned against the old window of a peer), or embargo dates it wrote that are gone (a second run or
    the dashboard wrote the whole list from an older read). ``plan`` is the role's settings (``today``, sites use);
    with ``freeze`` the entries are change_freeze's. The HA groups come from ``sites`` as the plan read them (one
    connector list call, no sites call). Returns the number of connectors checked."""
    current = dict((c["id"], c) for c in connectors.list())
    before = dict((c["id"], c) for c in listed)
    written = [e for e in entries if e["id"] in current]
    problems = []
    lost = []
    for entry in written:
        wanted = entry.get("interrupt_window_embargo_dates")
        if wanted is None:
            continue
        have = set(current[entry["id"]].get("interrupt_window_embargo_dates") or [])
        # Merged entries hold the dates asked for; a whole list (purge) also holds dates read, which another run may
        # remove on purpose: only the dates this run added must still be there.
        ours = set(wanted) - set(before.get(entry["id"], {}).get("interrupt_window_embargo_dates") or []) \
            if entry.get("purge_embargo_dates") else set(wanted)
        missing = sorted(ours - have)
        if missing:
            lost.append((current[entry["id"]], missing))
    if lost:
        problems.append("embargo dates written by this run are gone (another run or the dashboard wrote the list from an "
                        "older read): %s" % at_most(lost, name=lambda item: "%s lost %s" % (_name(item[0]), ", ".join(date_ranges(item[1])))))
    if not freeze:
        settings = check_plan(plan)
        groups, dummy = ha_groups(list(current.values()), sites or (), settings["group_by"] or None,
                                  settings["group_pattern"])
        touched = set(e["id"] for e in written)
        pairs = []
        for members in groups.values():
            for index, first in enumerate(members):
                for second in members[index + 1:]:
                    if first["id"] not in touched and second["id"] not in touched:
                        continue
                    one, other = window_of(first), window_of(second)
                    if one and other and windows_overlap(one, other, settings["today"]):
                        pairs.append((first, second))
        if pairs:
            problems.append("HA peers are now down together (another run changed a peer's window after this run read "
                            "it): %s" % at_most(pairs, name=lambda pair: "%s and %s" % (_name(pair[0]), _name(pair[1]))))
    if problems:
        raise IncompleteRun("The writes were sent, but the account re-read after them is not what this run planned: %s. "
                            "Probably two runs overlapped: %s." % ("; ".join(problems), RUN_APART), result)
    return len(written)
