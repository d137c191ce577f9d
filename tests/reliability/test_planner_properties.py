# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Property tests of the maintenance-window planner (plugins/module_utils/_maintenance.py).

Random estates (1 to 300 connectors; single sites, HA pairs and triples grouped by Magic WAN sites, site_id or notes;
random time zones with DST and zones of different offsets inside one group; random existing windows) and random runs
(preset or explicit window, strategy, latest end hour, stagger, partial targets): after the plan is applied, no planned
connector is open at the same instant as any other member of its HA group over the next 8 weeks, judged by an
independent half-hour grid in UTC as well as by the planner's own intervals; planning again changes nothing; every
planned window ends by the latest end hour. A run the settings cannot satisfy must fail naming a role variable.
"""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, event, given, settings, strategies as st

from ansible_collections.cloudflare.magic_transit.plugins.module_utils._client import InvalidOption
from ansible_collections.cloudflare.magic_transit.plugins.module_utils._connectors import DAYS
from ansible_collections.cloudflare.magic_transit.plugins.module_utils._maintenance import PRESETS, plan_windows
from ansible_collections.cloudflare.magic_transit.plugins.module_utils._windows import window_of, windows_overlap

EXAMPLES = 300
SETTINGS_OF_TESTS = settings(max_examples=EXAMPLES, deadline=None, database=None,
                             suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
# DST zones of both hemispheres, fixed offsets, half-hour offsets (all on a 30-minute grid in UTC).
TIMEZONES = ["UTC", "Europe/Berlin", "Europe/London", "America/New_York", "America/Los_Angeles", "Australia/Sydney",
             "Asia/Tokyo", "Asia/Kolkata", "Australia/Adelaide", "Etc/GMT+2", "America/Sao_Paulo"]
# Starting dates with DST changes inside the next 8 weeks (Northern spring and autumn), and one without.
STARTS = [datetime.date(2027, 3, 1), datetime.date(2027, 10, 10), datetime.date(2026, 12, 1)]
UTC = datetime.timezone.utc
GRID = datetime.timedelta(minutes=30)

WINDOWS = st.one_of(st.none(), st.fixed_dictionaries(dict(
    interrupt_window_days_of_week=st.lists(st.sampled_from(DAYS), min_size=1, max_size=7, unique=True),
    interrupt_window_hour_of_day=st.integers(0, 23),
    interrupt_window_duration_hours=st.integers(1, 6),
)))


@st.composite
def estates(draw):
    """``(connectors, sites, groups)``: groups are the intended HA groups as (source, [ids, primary first])."""
    count = draw(st.sampled_from([1, 5, 40, 150]))
    sizes = draw(st.lists(st.sampled_from([1, 1, 2, 2, 2, 3]), min_size=1, max_size=count))
    sizes = sizes * (count // len(sizes))  # big estates without drawing every group
    connectors, sites, groups, total = [], [], [], 0
    for number, size in enumerate(sizes):
        size = min(size, 300 - total)
        if size <= 0:
            break
        total += size
        source = draw(st.sampled_from(["site", "site_id", "notes"])) if size > 1 else "none"
        site_id = "%032x" % (10 ** 6 + number)
        members = []
        for position in range(size):
            connector_id = "%032x" % (len(connectors) + 1)
            connector = dict(id=connector_id, notes="g%04d m%d" % (number, position), primary=position == 0,
                             timezone=draw(st.sampled_from(TIMEZONES)), interrupt_window_embargo_dates=[])
            window = draw(WINDOWS)
            if window:
                connector.update(window)
            if source == "site_id" or (source == "site" and position == 2):
                connector["site_id"] = site_id
            connectors.append(connector)
            members.append(connector_id)
        if source == "site":
            # The site names the pair; a third member only has the site's id. The site's connector_id is primary,
            # whatever the connectors' own primary flag says.
            sites.append(dict(id=site_id, name="site %d" % number, connector_id=members[0], secondary_connector_id=members[1]))
            for connector in connectors[-size:]:
                connector["primary"] = draw(st.booleans())
        groups.append((source, members))
    return connectors, sites, groups


@st.composite
def runs(draw, connectors):
    plan = dict(preset=draw(st.sampled_from(sorted(PRESETS))), allow_ungrouped=True,
                group_by=draw(st.sampled_from(["", "notes", "site_id"])),
                ha_strategy=draw(st.sampled_from(["consecutive", "consecutive", "alternate_days"])),
                latest_end_hour=draw(st.sampled_from([None, None, 12, 16, 24])),
                stagger_hours=draw(st.sampled_from([0, 1, 5])), stagger_slots=draw(st.sampled_from([1, 2, 3])),
                today=draw(st.sampled_from(STARTS)), timezone=draw(st.sampled_from([None, None, "Europe/Berlin", "Asia/Kolkata"])))
    if draw(st.booleans()):
        plan.update(hour=draw(st.integers(0, 23)), duration=draw(st.integers(1, 4)))
    if draw(st.booleans()):
        ids = [c["id"] for c in connectors]
        chosen = draw(st.lists(st.sampled_from(ids), min_size=1, max_size=min(len(ids), 40), unique=True))
        plan["targets"] = [dict(id=i) for i in chosen]
    return plan


def applied(connectors, entries):
    """The estate after the entries are written (what PATCH does: set the fields given)."""
    by_id = dict((e["id"], e) for e in entries)
    return [dict(c, **dict((k, v) for k, v in by_id.get(c["id"], {}).items() if k != "id")) for c in connectors]


def grid_of(connector, start):
    """The 30-minute UTC grid points at which the connector is open, computed independently of _windows: each opening
    read both ways (``duration`` real hours, and until the local wall-clock close)."""
    window = window_of(connector)
    if window is None:
        return set()
    zone = ZoneInfo(window.timezone) if window.timezone != "UTC" else UTC
    origin = datetime.datetime.combine(start, datetime.time(0), UTC) - datetime.timedelta(days=3)
    points = set()
    for offset in range(-1, 57):
        date = start + datetime.timedelta(days=offset)
        if DAYS[date.isoweekday() % 7] not in window.days:
            continue
        local = datetime.datetime(date.year, date.month, date.day, window.hour)
        opens = local.replace(tzinfo=zone).astimezone(UTC)
        closes = max(opens + datetime.timedelta(hours=window.duration),
                     (local + datetime.timedelta(hours=window.duration)).replace(tzinfo=zone).astimezone(UTC))
        first, last = (opens - origin) // GRID, -((origin - closes) // GRID)
        points.update(range(first, last))
    return points


def visible_groups(groups, plan):
    """The intended HA groups the run's sources can see (notes only with group_by notes)."""
    return [members for source, members in groups if source in ("site", "site_id") or (source == "notes" and plan["group_by"] == "notes")]


@SETTINGS_OF_TESTS
@given(st.data())
def test_planned_ha_members_never_overlap_and_a_replan_changes_nothing(data):
    connectors, sites, groups = data.draw(estates())
    plan = data.draw(runs(connectors))
    try:
        entries, summary = plan_windows(connectors, plan, sites)
    except InvalidOption as exc:
        assert exc.option.startswith("maintenance_window_"), exc
        event("refused: %s" % exc.option)
        return
    event("planned, %s connectors, %s" % ("1-50" if len(connectors) <= 50 else "51-150" if len(connectors) <= 150 else "151-300",
                                          "partial targets" if plan.get("targets") else "all targets"))
    targets = set(e["id"] for e in entries)
    assert targets == (set(t["id"] for t in plan["targets"]) if plan.get("targets") else set(c["id"] for c in connectors))
    after = applied(connectors, entries)
    by_id = dict((c["id"], c) for c in after)
    start = plan["today"]

    checked = 0
    for members in visible_groups(groups, plan):
        if len(members) < 2 or not targets & set(members):
            continue
        grids = dict((m, grid_of(by_id[m], start)) for m in members) if checked < 8 else None
        checked += 1
        for index, first in enumerate(members):
            for second in members[index + 1:]:
                if first not in targets and second not in targets:
                    continue  # both untouched: kept as they were
                pair = (by_id[first], by_id[second])
                if window_of(pair[0]) and window_of(pair[1]):  # an untouched member may have no window
                    assert not windows_overlap(window_of(pair[0]), window_of(pair[1]), start), pair
                if grids is not None:
                    assert not grids[first] & grids[second], pair

    latest = plan.get("latest_end_hour")
    if latest is not None:
        assert all(e["interrupt_window_hour_of_day"] + e["interrupt_window_duration_hours"] <= latest for e in entries)

    again, summary_again = plan_windows(after, plan, sites)
    assert again == entries, "planning again on the result changes nothing"
    assert summary_again["changing"] == 0 and summary_again["conflicts_shifted"] == summary["conflicts_shifted"]
