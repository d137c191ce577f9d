# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Controller-side planning for the maintenance_window and change_freeze roles.

Both filters turn the connectors listed by magic_connector_info into entries for the fleet module
magic_connectors, so that a role costs two list calls plus one PATCH per connector that changes.
"""

from __future__ import annotations

import datetime
import re

from ansible.errors import AnsibleFilterError

from ansible_collections.cloudflare.magic_transit.plugins.module_utils._client import InvalidOption
from ansible_collections.cloudflare.magic_transit.plugins.module_utils._connectors import (
    DAYS,
    MAX_EMBARGO_DATES,
    check_embargo_dates,
    check_settings,
    device_of,
    select_connector,
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

# The maintenance_window role's variables for the settings check_settings judges.
ROLE_VARIABLES = {
    "interrupt_window_days_of_week": "maintenance_window_days",
    "interrupt_window_hour_of_day": "maintenance_window_hour",
    "interrupt_window_duration_hours": "maintenance_window_duration",
    "timezone": "maintenance_window_timezone",
}


# ansible-core before 2.19 templates every role variable to a string: "2" for 2 and "" for none. The filter takes
# those back (the whole-number settings, and "" as not set); anything else is left for the checks below to judge.
NUMBERS = ("hour", "duration", "stagger_hours", "stagger_slots")


def _plain(plan):
    plan = dict((key, None if value == "" else value) for key, value in plan.items())
    for key in NUMBERS:
        value = plan.get(key)
        if isinstance(value, str) and re.match(r"^-?[0-9]+$", value.strip()):
            plan[key] = int(value)
    return plan


def _fail(option, rule, value=None):
    raise AnsibleFilterError(str(InvalidOption(option, rule, value)))


def embargo_dates(freeze_periods=None, dates=None, today=None, option="freeze_periods", dates_option="dates"):
    """Freeze periods ``{start, end}`` (inclusive) and single dates as sorted unique ``YYYY-MM-DD``, past ones
    dropped, at most 100. Errors name the periods ``option`` and the single dates ``dates_option``."""
    today = _date(today, "today") if today else datetime.date.today()
    found = set()
    for index, period in enumerate(freeze_periods or []):
        where = "%s[%d]" % (option, index)
        if not isinstance(period, dict) or set(period) != {"start", "end"}:
            _fail(where, "must be a mapping with exactly start and end", period)
        start, end = _date(period["start"], where + ".start"), _date(period["end"], where + ".end")
        if end < start:
            _fail(where, "ends before it starts", period)
        if (end - start).days >= MAX_EMBARGO_DATES:
            _fail(where, "spans more than %d days, the most embargo dates a connector can hold" % MAX_EMBARGO_DATES, period)
        found.update(start + datetime.timedelta(days=n) for n in range((end - start).days + 1))
    for index, value in enumerate(dates or []):
        found.add(_date(value, "%s[%d]" % (dates_option, index)))
    upcoming = sorted(d.isoformat() for d in found if d >= today)
    if len(upcoming) > MAX_EMBARGO_DATES:
        _fail("%s and %s" % (option, dates_option), "expand to %d dates from today on; a connector holds at most %d"
              % (len(upcoming), MAX_EMBARGO_DATES))
    return upcoming


def _date(value, option):
    if isinstance(value, datetime.date):
        return value
    try:
        return datetime.date.fromisoformat(check_embargo_dates([str(value)], "")[0])
    except InvalidOption:
        _fail(option, "must be a real date written YYYY-MM-DD", value)


def _targets(connectors, targets, option):
    """(connector, target entry) for every target, or for every connector when no target is given."""
    if not targets:
        return [(c, {}) for c in connectors]
    chosen = []
    for index, target in enumerate(targets):
        where = "%s[%d]." % (option, index)
        try:
            connector = select_connector(connectors, target.get("id"), target.get("device_id"),
                                         target.get("device_serial_number"), target.get("notes"), where)
        except InvalidOption as exc:
            raise AnsibleFilterError(str(exc)) from None
        if connector is None:
            _fail(where[:-1], "matches no listed connector", target)
        chosen.append((connector, target))
    return chosen


def _capture_groups(pattern):
    """How many capture groups ``pattern`` has; 0 when it is not a regular expression."""
    try:
        return re.compile(pattern).groups
    except re.error:
        return 0


def _group_of(connector, target, group_by, group_pattern):
    if target.get("group"):
        return str(target["group"])
    if group_by == "site_id":
        return connector.get("site_id") or connector["id"]
    if group_by == "notes":
        match = re.search(group_pattern, connector.get("notes") or "")
        return match.group(1) if match and match.groups() else connector["id"]
    return connector["id"]


def maintenance_windows(connectors, plan):
    """Entries for magic_connectors that give ``connectors`` one standard maintenance window each.

    ``plan`` holds the maintenance_window role's settings without its prefix: preset, days, hour, duration,
    timezone, targets, group_by, group_pattern, stagger_hours, stagger_slots, freeze_periods, embargo_dates, today.
    Connectors of one group (an HA site) get consecutive, never overlapping windows; with ``stagger_slots`` > 1,
    consecutive groups are spread over ``stagger_hours`` apart.
    """
    plan = _plain(plan)
    preset_name = plan.get("preset")
    if preset_name not in PRESETS and not (plan.get("days") and plan.get("hour") is not None and plan.get("duration")):
        _fail("maintenance_window_preset", "must be one of %s (or give days, hour and duration)" % ", ".join(sorted(PRESETS)),
              preset_name)
    preset = PRESETS.get(preset_name, {})
    days = plan.get("days") or preset["days"]
    hour = plan["hour"] if plan.get("hour") is not None else preset["hour"]
    duration = plan["duration"] if plan.get("duration") is not None else preset["duration"]
    stagger_hours = int(plan["stagger_hours"]) if plan.get("stagger_hours") is not None else 0
    stagger_slots = int(plan["stagger_slots"]) if plan.get("stagger_slots") is not None else 1
    if not 0 <= stagger_hours <= 23:
        _fail("maintenance_window_stagger_hours", "must be from 0 to 23", stagger_hours)
    if stagger_slots < 1:
        _fail("maintenance_window_stagger_slots", "must be 1 or more", stagger_slots)
    group_pattern = plan.get("group_pattern") or r"^(\S+)"
    if plan.get("group_by") == "notes" and _capture_groups(group_pattern) < 1:
        _fail("maintenance_window_group_pattern", "must be a regular expression with a capture group (the group's name)",
              group_pattern)
    window = dict(interrupt_window_days_of_week=days, interrupt_window_hour_of_day=hour, interrupt_window_duration_hours=duration)
    try:
        check_settings(dict(window, timezone=plan.get("timezone")))
    except InvalidOption as exc:
        # Name the role variable the user set, not the API field it becomes.
        raise AnsibleFilterError(str(InvalidOption(ROLE_VARIABLES[exc.option], exc.rule, exc.value))) from None
    dates = None
    if plan.get("freeze_periods") or plan.get("embargo_dates"):
        dates = embargo_dates(plan.get("freeze_periods"), plan.get("embargo_dates"), plan.get("today"),
                              "maintenance_window_freeze_periods", "maintenance_window_embargo_dates")

    groups = {}
    for connector, target in _targets(connectors, plan.get("targets"), "maintenance_window_connectors"):
        group = _group_of(connector, target, plan.get("group_by"), group_pattern)
        groups.setdefault(group, []).append((connector, target))

    entries = []
    for slot, group in enumerate(sorted(groups)):
        members = sorted(groups[group], key=lambda m: (not m[0].get("primary", True), m[0].get("notes") or "", m[0]["id"]))
        if len(members) * duration > 24:
            _fail("maintenance_window_duration", "is too long to give the %d connectors of group %r windows that do not "
                  "overlap within a day" % (len(members), group), duration)
        start = hour + (slot % stagger_slots) * stagger_hours
        for position, (connector, target) in enumerate(members):
            entry = dict(window, id=connector["id"], interrupt_window_hour_of_day=(start + position * duration) % 24)
            timezone = target.get("timezone") or plan.get("timezone")
            if timezone:
                entry["timezone"] = timezone
            if dates is not None:
                entry["interrupt_window_embargo_dates"] = dates
            entries.append(entry)
    return entries


def change_freeze(connectors, dates, state="present", targets=None):
    """Entries for magic_connectors that add ``dates`` to (send with purge_embargo_dates false, so the module
    merges them with what it reads) or, with ``state=absent``, remove them from (send with purge_embargo_dates
    true: the entry holds the whole remaining list) each connector's embargo dates, leaving every other date."""
    if state not in ("present", "absent"):
        _fail("change_freeze_state", "must be present or absent", state)
    dates = sorted(set(dates))
    entries = []
    for connector, dummy in _targets(connectors, targets, "change_freeze_connectors"):
        current = set(connector.get("interrupt_window_embargo_dates") or [])
        if state == "absent":
            entries.append(dict(id=connector["id"], interrupt_window_embargo_dates=sorted(current - set(dates))))
            continue
        if len(current | set(dates)) > MAX_EMBARGO_DATES:
            name = device_of(connector).get("serial_number") or connector.get("notes") or connector["id"]
            _fail("the freeze (change_freeze_start to change_freeze_end, and change_freeze_dates)",
                  "adds too many dates: connector %s (%s) would hold %d embargo dates, more than %d"
                  % (connector["id"], name, len(current | set(dates)), MAX_EMBARGO_DATES))
        entries.append(dict(id=connector["id"], interrupt_window_embargo_dates=dates))
    return entries


class FilterModule:
    def filters(self):
        return dict(
            maintenance_windows=maintenance_windows,
            change_freeze=change_freeze,
            embargo_dates=embargo_dates,
        )
