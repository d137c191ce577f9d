# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The maintenance-window planner: standard windows for a fleet, HA peers never down together.

``plan_windows(connectors, plan, sites)`` is the whole plan of the maintenance_window role (and of the
``maintenance_windows`` filter): ``connectors`` is the whole account as listed, ``sites`` its Magic WAN sites (or
``None``), ``plan`` the role's settings without their ``maintenance_window_`` prefix (the options of magic_connectors'
``maintenance_window``, ``MAINTENANCE_WINDOW_SPEC``). It returns the entries for the fleet module and a summary.
Every bad setting raises ``InvalidOption`` before any write, naming the option (``maintenance_window.hour``) or the
role variable (``maintenance_window_hour``): magic_connectors passes its ``option_prefix`` as ``plan["option_prefix"]``
(empty unless a role sets it: the option), the filters pass none (the role variable). One rule, two namings (``Names``).

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

from ._change import IncompleteRun, at_most
from ._connectors import DEVICE_TYPES, MAX_EMBARGO_DATES, check_embargo_dates, check_settings, select_connector
from ._hostnames import connector_name, device_of
from ._inputs import InvalidOption
from ._sites import Sites
from ._windows import (
    DAYS,
    WEEKS,
    UnknownTimezone,
    Window,
    business_hours,
    first_overlap,
    group_label,
    ha_groups,
    opens_inside,
    utc_intervals,
    window_of,
    windows_overlap,
)

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
HA_CONFLICT = ("shift", "fail")
HA_STRATEGY = ("consecutive", "alternate_days")
TIMEZONE_MISMATCH = ("report", "fail", "primary")
GROUP_BY = ("site_id", "notes")
DEFAULT_GROUP_PATTERN = r"^(\S+)"
FREEZE_STATES = ("present", "absent")
# The role's variables for the settings check_settings judges.
SETTING_OF_FIELD = {
    "interrupt_window_days_of_week": "days",
    "interrupt_window_hour_of_day": "hour",
    "interrupt_window_duration_hours": "duration",
    "timezone": "timezone",
}
# Where a role calls a setting other than its prefix and the setting's name ({p}: the prefix).
ROLE_RENAMED = dict(
    maintenance_window=dict(targets="{p}connectors"),
    change_freeze=dict(targets="{p}connectors", dates="the freeze ({p}start to {p}end, and {p}dates)"),
)

# The options of magic_connectors' maintenance_window and change_freeze (documented with the module). Defaults are
# None: the rules below apply them, the same for the module and the filters.
MAINTENANCE_WINDOW_SPEC = dict(
    preset=dict(type="str", choices=sorted(PRESETS)),
    days=dict(type="list", elements="str"),
    hour=dict(type="int"),
    duration=dict(type="int"),
    timezone=dict(type="str"),
    targets=dict(type="list", elements="raw"),
    device_type=dict(type="str", choices=[""] + list(DEVICE_TYPES)),
    group_by=dict(type="str", choices=[""] + list(GROUP_BY)),
    group_pattern=dict(type="str"),
    allow_ungrouped=dict(type="bool"),
    use_sites=dict(type="bool"),
    ha_conflict=dict(type="str", choices=list(HA_CONFLICT)),
    ha_strategy=dict(type="str", choices=list(HA_STRATEGY)),
    latest_end_hour=dict(type="int"),
    stagger_hours=dict(type="int"),
    stagger_slots=dict(type="int"),
    freeze_periods=dict(type="list", elements="dict"),
    embargo_dates=dict(type="list", elements="str"),
    purge_embargo_dates=dict(type="bool"),
    today=dict(type="str"),
    business_hours=dict(type="str"),
    timezone_mismatch=dict(type="str", choices=list(TIMEZONE_MISMATCH)),
)
CHANGE_FREEZE_SPEC = dict(
    dates=dict(type="list", elements="str"),
    state=dict(type="str", choices=list(FREEZE_STATES)),
    targets=dict(type="list", elements="raw"),
    device_type=dict(type="str", choices=[""] + list(DEVICE_TYPES)),
    purge_past=dict(type="bool"),
    today=dict(type="str"),
)


class Names:
    """How errors name the settings of ``option`` (``maintenance_window`` or ``change_freeze``): as options of
    magic_connectors (``maintenance_window.hour``) or, with a role's ``prefix``, as its variables
    (``maintenance_window_hour``, and ``ROLE_RENAMED``)."""

    def __init__(self, option, prefix):
        self.option, self.prefix = option, prefix

    def __call__(self, key):
        if self.prefix:
            return ROLE_RENAMED[self.option].get(key, "{p}" + key).format(p=self.prefix)
        return "%s.%s" % (self.option, key)

    @classmethod
    def of(cls, option, settings):
        """The naming of ``settings``: their ``option_prefix`` as magic_connectors passes it (empty: its options);
        without one (the filters), the role's own variables."""
        return cls(option, (settings or {}).get("option_prefix", option + "_"))


def whole_number(value, name, low, high, default=None):
    """A setting that must be a whole number: ints, integral floats and numeric strings (``-e x=2`` gives ``"2"``) are
    accepted; anything else is refused naming it (``name``)."""
    if value is None or value == "":
        return default
    number = value
    if isinstance(value, str) and re.match(r"^\s*[+-]?\d+\s*$", value):
        number = int(value)
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    if isinstance(number, bool) or not isinstance(number, int):
        raise InvalidOption(name, "must be a whole number", value)
    if not low <= number <= high:
        raise InvalidOption(name, "must be from %d to %d" % (low, high), value)
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


def _choice(value, name, choices, default):
    value = value or default
    if value not in choices:
        raise InvalidOption(name, "must be one of %s" % ", ".join(c for c in choices if c), value)
    return value


def _date(value, key):
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(check_embargo_dates([str(value)], "")[0])
    except InvalidOption:
        raise InvalidOption(key, "must be a real date written YYYY-MM-DD", value) from None


def embargo_dates(
    freeze_periods=None,
    dates=None,
    today=None,
    option="freeze_periods",
    dates_option="dates",
    keep_past=False,
    today_option="today",
):
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
            raise InvalidOption(
                where,
                "spans more than %d days, the most embargo dates a connector can hold" % MAX_EMBARGO_DATES,
                period,
            )
        found.update(start + datetime.timedelta(days=n) for n in range((end - start).days + 1))
    for index, value in enumerate(dates or []):
        found.add(_date(value, "%s[%d]" % (dates_option, index)))
    upcoming = sorted(d.isoformat() for d in found if keep_past or d >= today)
    if len(upcoming) > MAX_EMBARGO_DATES:
        periods = "%s to %s" % (option.format("start"), option.format("end")) if "{}" in option else option
        raise InvalidOption(
            "%s and %s" % (periods, dates_option),
            "expand to %d dates%s; a connector holds at most %d"
            % (len(upcoming), "" if keep_past else " from today on", MAX_EMBARGO_DATES),
        )
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
    """The role's settings checked and normalised (numbers from strings too); raises ``InvalidOption`` naming each
    setting as ``Names.of`` says. The result holds that naming as ``names``."""
    names = Names.of("maintenance_window", plan)
    hour = whole_number(plan.get("hour"), names("hour"), 0, 23)
    duration = whole_number(plan.get("duration"), names("duration"), 1, 24)
    preset = _preset(plan, hour, duration, names)
    settings = dict(
        names=names,
        days=plan.get("days") or preset["days"],
        hour=preset["hour"] if hour is None else hour,
        duration=preset["duration"] if duration is None else duration,
        timezone=plan.get("timezone") or None,
        stagger_hours=whole_number(plan.get("stagger_hours"), names("stagger_hours"), 0, 23, 0),
        stagger_slots=whole_number(plan.get("stagger_slots"), names("stagger_slots"), 1, 24, 1),
        # 0 is "no limit", as unset: a value that can always be passed (before ansible-core 2.19 a role variable set
        # to none arrives as "", which the role's int argument spec refuses).
        latest_end_hour=whole_number(plan.get("latest_end_hour"), names("latest_end_hour"), 0, 24) or None,
        group_by=_choice(plan.get("group_by"), names("group_by"), ("",) + GROUP_BY, ""),
        group_pattern=_group_pattern(plan, names),
        allow_ungrouped=_boolean(plan.get("allow_ungrouped"), names("allow_ungrouped")),
        ha_conflict=_choice(plan.get("ha_conflict"), names("ha_conflict"), HA_CONFLICT, "shift"),
        ha_strategy=_choice(plan.get("ha_strategy"), names("ha_strategy"), HA_STRATEGY, "consecutive"),
        business_hours=business_hours(plan.get("business_hours"), names("business_hours")),
        timezone_mismatch=_choice(
            plan.get("timezone_mismatch"), names("timezone_mismatch"), TIMEZONE_MISMATCH, "report"
        ),
        purge_embargo_dates=_boolean(plan.get("purge_embargo_dates"), names("purge_embargo_dates")),
        today=_date(plan["today"], names("today")) if plan.get("today") else datetime.date.today(),
        targets=plan.get("targets") or [],
        device_type=_choice(plan.get("device_type"), names("device_type"), ("",) + DEVICE_TYPES, ""),
    )
    _check_window(settings, plan)
    settings["embargo_dates"] = None
    if plan.get("freeze_periods") or plan.get("embargo_dates"):
        settings["embargo_dates"] = embargo_dates(
            plan.get("freeze_periods"),
            plan.get("embargo_dates"),
            settings["today"],
            names("freeze_periods"),
            names("embargo_dates"),
        )
    return settings


def _preset(plan, hour, duration, names):
    """The preset's window (``{}`` when days, hour and duration are all given and the preset is none)."""
    preset_name = plan.get("preset")
    if preset_name not in PRESETS and not (plan.get("days") and hour is not None and duration):
        raise InvalidOption(
            names("preset"),
            "must be one of %s (or give days, hour and duration)" % ", ".join(sorted(PRESETS)),
            preset_name,
        )
    return PRESETS.get(preset_name, {})


def _group_pattern(plan, names):
    """The notes pattern, refused when it has no capture group (even unused: a bad value set is a mistake)."""
    pattern = plan.get("group_pattern") or DEFAULT_GROUP_PATTERN
    try:
        groups = re.compile(pattern).groups
    except re.error:
        groups = 0
    if groups < 1:
        raise InvalidOption(
            names("group_pattern"), "must be a regular expression with a capture group (the group's name)", pattern
        )
    return pattern


def _check_window(settings, plan):
    """The standard window's own rules (those of the magic_connectors fields, named as the settings) and how it fits
    the business hours and the latest end hour."""
    names = settings["names"]
    window = dict(
        interrupt_window_days_of_week=settings["days"],
        interrupt_window_hour_of_day=settings["hour"],
        interrupt_window_duration_hours=settings["duration"],
        timezone=settings["timezone"],
    )
    try:
        window = check_settings(window)
    except InvalidOption as exc:
        # Name the setting the user set, not the API field it becomes.
        raise InvalidOption(names(SETTING_OF_FIELD[exc.option]), exc.rule, exc.value) from None
    settings["days"] = window["interrupt_window_days_of_week"]
    if opens_inside(settings["business_hours"], settings["hour"]):
        raise InvalidOption(
            names("hour"),
            "(%02d:00) opens inside %s %s: choose an hour outside them"
            % (settings["hour"], names("business_hours"), plan.get("business_hours")),
            settings["hour"],
        )
    latest = settings["latest_end_hour"]
    if latest is not None and settings["duration"] > latest:
        raise InvalidOption(
            names("latest_end_hour"),
            "leaves no room for a window of %d h (%s): a window must open and "
            "close by %02d:00 local time on the same day" % (settings["duration"], names("duration"), latest),
            latest,
        )


def _label(key, sites):
    """A group as users know it: the site's name when the sites are known, else the key's value."""
    site = key.startswith("site:") and next((x for x in sites or () if x.get("id") == key[5:] and x.get("name")), None)
    return site["name"] if site else group_label(key)


def _name(connector):
    return connector_name(connector, with_id=True)


def _targets(connectors, targets, option):
    """(connector, target entry) for every target, or for every connector when no target is given."""
    if not targets:
        return [(c, {}) for c in connectors]
    chosen = []
    for index, target in enumerate(targets):
        where = "%s[%d]." % (option, index)
        if isinstance(target, str):
            target = dict(id=target)  # a bare connector id, as hostvars give them
        if not isinstance(target, dict):
            raise InvalidOption(
                where[:-1], "must be a mapping with id, device_id, device_serial_number or notes", target
            )
        connector = select_connector(
            connectors,
            target.get("id"),
            target.get("device_id"),
            target.get("device_serial_number"),
            target.get("notes"),
            where,
        )
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
        subsets = [tuple(days[(position + r) % size :: size]) for r in range(size)]
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
    names = settings["names"]
    message = "leaves no free window for %s of HA group %s (%d members)" % (_name(connector), label, size)
    if clash:
        message += "; every window it may take overlaps %s" % _name(clash[0])
    if settings["business_hours"] is not None:
        message += " or opens inside %s" % names("business_hours")
    if latest is None:
        if settings["business_hours"] is not None:
            raise InvalidOption(names("business_hours"), message)
        raise InvalidOption(names("duration"), "(%d h) " % duration + message)
    fits = [
        "a duration of at most %d h" % max(1, (latest - start) // size) if latest - start >= size else None,
        "%s %d or later" % (names("latest_end_hour"), start + size * duration)
        if start + size * duration <= 24
        else None,
        "%s alternate_days" % names("ha_strategy")
        if settings["ha_strategy"] == "consecutive" and len(settings["days"]) >= size and start + duration <= latest
        else None,
    ]
    fits = [f for f in fits if f]
    raise InvalidOption(
        names("latest_end_hour"),
        "(%02d:00) %s: the group needs %d windows of %d h from %02d:00%s"
        % (latest, message, size, duration, start, "; would fit: " + " or ".join(fits) if fits else ""),
    )


def plan_windows(connectors, plan, sites=None):
    """``(entries, summary)`` for the fleet module: see the module docstring for the rules."""
    settings = check_plan(plan)
    # The whole account is the world; the device type and the targets only narrow what is planned.
    eligible = [c for c in connectors if settings["device_type"] in ("", device_of(c).get("type"))]
    chosen = _targets(eligible, settings["targets"], settings["names"]("targets"))
    targets = dict((c["id"], t) for c, t in chosen)
    explicit = dict((c["id"], t["group"]) for c, t in chosen if t.get("group"))
    groups, keyless = ha_groups(
        connectors, sites or (), settings["group_by"] or None, settings["group_pattern"], explicit
    )
    ungrouped = [c for c in keyless if c["id"] in targets]
    _check_groups(groups, targets, ungrouped, settings, sites)
    zones, mismatched = _zones(groups, targets, settings, sites)
    planned, shifted = {}, []
    try:
        for slot, key in enumerate(sorted(groups)):
            if any(m["id"] in targets for m in groups[key]):
                _plan_group(_Group(key, groups[key], settings), slot, targets, zones, sites, planned, shifted)
    except UnknownTimezone as exc:
        raise InvalidOption(settings["names"]("timezone"), "(or a connector's) cannot be judged: %s" % exc) from None
    entries = [_entry(connector, target, planned[connector["id"]], settings) for connector, target in chosen]
    summary = _summary(connectors, entries, planned, groups, targets, shifted, ungrouped, settings)
    summary.update(timezone_mismatches=len(mismatched), mismatched_groups=mismatched[:20])
    return entries, summary


def _check_groups(groups, targets, ungrouped, settings, sites):
    """The rules on the HA groups the run touches: each grouped when ``group_by`` asks, each able to keep apart."""
    names = settings["names"]
    if settings["group_by"] and ungrouped and not settings["allow_ungrouped"]:
        raise InvalidOption(
            names("group_by"),
            "%s finds no HA group for %d connector(s): %s; give them a site, a %s or a "
            "target group, or set %s: true to plan them as single sites"
            % (
                settings["group_by"],
                len(ungrouped),
                at_most(ungrouped, 20, _name),
                "site_id" if settings["group_by"] == "site_id" else "notes match of %s" % names("group_pattern"),
                names("allow_ungrouped"),
            ),
        )
    for key, members in groups.items():
        if len(members) < 2 or not any(m["id"] in targets for m in members):
            continue
        if settings["ha_strategy"] == "consecutive" and len(members) * settings["duration"] > 24:
            raise InvalidOption(
                names("duration"),
                "is too long to give the %d connectors of group %r windows that do "
                "not overlap within a day" % (len(members), _label(key, sites)),
                settings["duration"],
            )
        if settings["ha_strategy"] == "alternate_days" and len(members) > len(settings["days"]):
            raise InvalidOption(
                names("ha_strategy"),
                "alternate_days needs at least as many days as an HA group has "
                "members: group %r has %d, %s %d"
                % (_label(key, sites), len(members), names("days"), len(settings["days"])),
                "alternate_days",
            )


def _plan_group(group, slot, targets, zones, sites, planned, shifted):
    """Plan the targets of one HA group (``slot``: its index among the account's groups) into ``planned`` (connector
    id: window), noting in ``shifted`` each target that could not take its preferred window."""
    settings, label = group.settings, _label(group.key, sites)
    for member in group.members:
        if member["id"] not in targets and window_of(member):
            group.fix(member, window_of(member), True)
    start = (settings["hour"] + (slot % settings["stagger_slots"]) * settings["stagger_hours"]) % 24
    for position, member in enumerate(group.members):
        if member["id"] not in targets:
            continue
        first_clash = chosen = None
        for index, window in enumerate(_candidates(settings, position, len(group.members), start, zones[member["id"]])):
            clash = group.clash(window)
            if clash is None:
                chosen = window
                break
            if index == 0:
                first_clash = clash
                if clash[1] and settings["ha_conflict"] == "fail":
                    what = (_name(member), _name(clash[0]), label, WEEKS)
                    raise InvalidOption(
                        settings["names"]("ha_conflict"),
                        "is fail: the window planned for %s would "
                        "overlap the current window of its untouched HA peer %s (group %s) in UTC within "
                        "%d weeks; target both, or use shift" % what,
                        "fail",
                    )
        if chosen is None:
            _no_room(settings, group, member, start, first_clash, label)
        if first_clash:
            shifted.append(
                dict(
                    connector=member["id"],
                    notes=member.get("notes"),
                    peer=first_clash[0]["id"],
                    group=label,
                    hour=chosen.hour,
                    days=list(chosen.days),
                )
            )
        group.fix(member, chosen, False)
        planned[member["id"]] = chosen


def _entry(connector, target, window, settings):
    """The fleet module's entry that gives ``connector`` its planned ``window``."""
    entry = dict(
        id=connector["id"],
        interrupt_window_days_of_week=list(window.days),
        interrupt_window_hour_of_day=window.hour,
        interrupt_window_duration_hours=window.duration,
    )
    if target.get("timezone") or settings["timezone"] or window.timezone != (connector.get("timezone") or "UTC"):
        entry["timezone"] = window.timezone
    if settings["embargo_dates"] is not None:
        entry["interrupt_window_embargo_dates"] = settings["embargo_dates"]
    return entry


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
                names = settings["names"]
                raise InvalidOption(
                    names("timezone_mismatch"),
                    "is fail: the members of HA group %s are in different "
                    "time zones: %s; give them one zone (%s), or set %s: primary"
                    % (
                        _label(key, sites),
                        at_most(described, name=_zone_name),
                        names("timezone"),
                        names("timezone_mismatch"),
                    ),
                    "fail",
                )
            mismatched.append(dict(group=_label(key, sites), members=described))
    return zones, mismatched


def _zone_name(member):
    return "%s in %s" % (_name(dict(id=member["connector"], notes=member["notes"])), member["timezone"])


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
    lines = [
        "%d of %d connectors planned, %d change; %d HA groups planned (%d partly targeted: untouched peers kept), "
        "%d conflicts shifted, %d ungrouped; no HA overlap in UTC over %d weeks from %s (every DST change of the next "
        "12 months, both readings of a window on a day the clock jumps)"
        % (
            summary["targets"],
            summary["connectors"],
            summary["changing"],
            summary["ha_groups"],
            summary["ha_groups_partly_targeted"],
            summary["conflicts_shifted"],
            summary["ungrouped"],
            summary["weeks_checked"],
            summary["from_date"],
        )
    ]
    lines += ["window %s: %d" % item for item in summary["windows"].items()]
    lines += ["time zone %s: %d" % item for item in summary["timezones"].items()]
    lines += [
        "HA group %s has members in different time zones: %s" % (m["group"], at_most(m["members"], name=_zone_name))
        for m in summary.get("mismatched_groups", [])
    ]
    if summary.get("timezone_mismatches", 0) > len(summary.get("mismatched_groups", [])):
        lines.append(
            "and %d more HA groups with members in different time zones"
            % (summary["timezone_mismatches"] - len(summary["mismatched_groups"]))
        )
    lines += [
        "shifted %s (%s) of group %s away from %s: %s %02d:00"
        % (s["notes"], s["connector"], s["group"], s["peer"], ",".join(s["days"]), s["hour"])
        for s in summary["shifted"]
    ]
    if summary["freeze"]:
        lines.append("freeze: " + ", ".join(summary["freeze"]))
    return lines


def plan_from_account(connectors, plan):
    """``(entries, listed, summary)``: the settings checked before any call, then the connectors listed once (the
    ``Connectors`` resource given), the sites listed once unless ``plan["use_sites"]`` is false, and the plan."""
    names = check_plan(plan)["names"]
    use_sites = plan.get("use_sites")
    listed = connectors.list()
    sites = Sites(connectors.client).list() if use_sites is None or _boolean(use_sites, names("use_sites")) else None
    entries, summary = plan_windows(listed, plan, sites)
    summary["lines"] = summary_lines(summary)
    summary["sites_used"] = sites is not None
    summary[SITES_READ] = sites  # for verify_after_write; the module takes it out of the result
    return entries, listed, summary


def freeze_entries(connectors, dates, state="present", targets=None, device_type="", purge_before=None, names=None):
    """Entries for the fleet module that add ``dates`` to each target's embargo dates (sent with purge_embargo_dates
    false: the module merges them with what it reads) or, with ``state=absent``, remove exactly them (the entry holds
    the whole remaining list, with purge_embargo_dates true). With ``purge_before`` (a ``YYYY-MM-DD``), every date
    before it is removed too (whole lists again). Only embargo dates are sent: a freeze never moves a window.
    Errors name the change_freeze role's variables, or as ``names`` (``Names``) says."""
    names = names or Names.of("change_freeze", None)
    if state not in FREEZE_STATES:
        raise InvalidOption(names("state"), "must be present or absent", state)
    dates = sorted(set(dates))
    eligible = [c for c in connectors if (device_type or "") in ("", device_of(c).get("type"))]
    entries = []
    for connector, dummy in _targets(eligible, targets, names("targets")):
        current = set(connector.get("interrupt_window_embargo_dates") or [])
        kept = set(d for d in current if purge_before is None or d >= purge_before)
        if state == "absent":
            entries.append(
                dict(
                    id=connector["id"],
                    interrupt_window_embargo_dates=sorted(kept - set(dates)),
                    purge_embargo_dates=True,
                )
            )
            continue
        if len(kept | set(dates)) > MAX_EMBARGO_DATES:
            raise InvalidOption(
                names("dates"),
                "adds too many dates: connector %s would hold %d embargo dates, more than %d"
                % (_name(connector), len(kept | set(dates)), MAX_EMBARGO_DATES),
            )
        if purge_before is None:
            entries.append(dict(id=connector["id"], interrupt_window_embargo_dates=dates))
        else:
            entries.append(
                dict(
                    id=connector["id"],
                    interrupt_window_embargo_dates=sorted(kept | set(dates)),
                    purge_embargo_dates=True,
                )
            )
    return entries


def freeze_from_account(connectors, freeze):
    """``(entries, listed, summary)`` of the change_freeze role: ``freeze`` holds ``dates``, ``state``, ``targets``,
    ``device_type``, ``purge_past`` and ``today``; the connectors are listed once (the ``Connectors`` resource given).
    The summary says how many targets hold the dates to remove (or past dates to purge), and says so when none do."""
    names = Names.of("change_freeze", freeze)
    state = freeze.get("state") or "present"
    purge_past = _boolean(freeze.get("purge_past"), names("purge_past"))
    today = _date(freeze["today"], names("today")) if freeze.get("today") else datetime.date.today()
    purge_before = today.isoformat() if purge_past else None
    listed = connectors.list()
    dates = freeze.get("dates") or []
    entries = freeze_entries(
        listed, dates, state, freeze.get("targets"), freeze.get("device_type"), purge_before, names
    )
    by_id = dict((c["id"], set(c.get("interrupt_window_embargo_dates") or [])) for c in listed)
    holding = [e["id"] for e in entries if by_id[e["id"]] & set(dates)]
    past = [e["id"] for e in entries if purge_before and any(d < purge_before for d in by_id[e["id"]])]
    ranges = date_ranges(dates)
    lines = [
        "%s the freeze %s on %d of %d connectors (embargo dates only: no window moves)"
        % ("adding" if state == "present" else "removing", ", ".join(ranges) or "(no dates)", len(entries), len(listed))
    ]
    if state == "absent":
        lines.append(
            "%d of the %d target connectors hold some of these dates" % (len(holding), len(entries))
            if holding
            else "nothing to remove: none of the %d target connectors holds any of these dates" % len(entries)
        )
    if purge_past:
        lines.append(
            "purging the embargo dates before %s: %d of the %d target connectors hold some"
            % (purge_before, len(past), len(entries))
            if past
            else "no embargo date before %s on the %d target connectors: nothing to purge"
            % (purge_before, len(entries))
        )
    summary = dict(
        connectors=len(listed),
        targets=len(entries),
        state=state,
        freeze=ranges,
        holding=len(holding),
        purged_past=len(past),
        lines=lines,
    )
    return entries, listed, summary


# --- after the write: another run (or the dashboard) may have written the same connectors meanwhile -----------------
SITES_READ = "_sites_read"
RUN_APART = (
    "run the roles one at a time (an AWX job template without concurrent jobs, one template for both roles "
    "or a shared lock); running this again reads the current state and repairs it"
)


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
        ours = (
            set(wanted) - set(before.get(entry["id"], {}).get("interrupt_window_embargo_dates") or [])
            if entry.get("purge_embargo_dates")
            else set(wanted)
        )
        missing = sorted(ours - have)
        if missing:
            lost.append((current[entry["id"]], missing))
    if lost:
        problems.append(
            "embargo dates written by this run are gone (another run or the dashboard wrote the list from an "
            "older read): %s"
            % at_most(lost, name=lambda item: "%s lost %s" % (_name(item[0]), ", ".join(date_ranges(item[1]))))
        )
    if not freeze:
        settings = check_plan(plan)
        groups, dummy = ha_groups(
            list(current.values()), sites or (), settings["group_by"] or None, settings["group_pattern"]
        )
        touched = set(e["id"] for e in written)
        pairs = []
        for members in groups.values():
            for index, first in enumerate(members):
                for second in members[index + 1 :]:
                    if first["id"] not in touched and second["id"] not in touched:
                        continue
                    one, other = window_of(first), window_of(second)
                    if one and other and windows_overlap(one, other, settings["today"]):
                        pairs.append((first, second))
        if pairs:
            problems.append(
                "HA peers are now down together (another run changed a peer's window after this run read "
                "it): %s" % at_most(pairs, name=lambda pair: "%s and %s" % (_name(pair[0]), _name(pair[1])))
            )
    if problems:
        raise IncompleteRun(
            "The writes were sent, but the account re-read after them is not what this run planned: %s. "
            "Probably two runs overlapped: %s." % ("; ".join(problems), RUN_APART),
            result,
        )
    return len(written)
