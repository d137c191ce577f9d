# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Property tests of the maintenance-window planner (plugins/module_utils/_maintenance.py).

Random estates (1 to 300 connectors; single sites, HA pairs and triples grouped by Magic WAN sites, site_id or notes;
random time zones with DST and zones of different offsets inside one group; random existing windows) and random runs
(preset or explicit window, strategy, latest end hour, stagger, partial targets): after the plan is applied, no planned
connector is open at the same instant as any other member of its HA group over the next 12 months (every DST change
of every zone of the group), judged by an independent half-hour grid in UTC as well as by the planner's own
intervals, each opening read both ways (lasting its duration in real hours; ending at its local closing hour);
planning again changes nothing, also on another day of the year (near a DST change or not); every planned window
ends by the latest end hour; with business hours set, no planned window opens inside them (both readings of every
opening of the year). A run the settings cannot satisfy must fail naming a role variable.
"""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, event, given, settings, strategies as st

from ansible_collections.cloudflare.magic_transit.plugins.module_utils._connectors import DAYS
from ansible_collections.cloudflare.magic_transit.plugins.module_utils._inputs import InvalidOption
from ansible_collections.cloudflare.magic_transit.plugins.module_utils._maintenance import (
    PRESETS,
    business_hours,
    plan_windows,
)
from ansible_collections.cloudflare.magic_transit.plugins.module_utils._windows import window_of, windows_overlap

EXAMPLES = 200
SETTINGS_OF_TESTS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
# DST zones of both hemispheres (US, EU, AU), zones without DST (Phoenix, Tokyo, fixed offsets), half-hour zones with
# and without DST (Kolkata, Adelaide, St John's) and Lord Howe, whose clock jumps by half an hour: all on a 30-minute
# grid in UTC.
TIMEZONES = [
    "UTC",
    "Europe/Berlin",
    "Europe/London",
    "America/New_York",
    "America/Los_Angeles",
    "America/Chicago",
    "Australia/Sydney",
    "Asia/Tokyo",
    "Asia/Kolkata",
    "Australia/Adelaide",
    "America/St_Johns",
    "America/Phoenix",
    "Australia/Lord_Howe",
    "Etc/GMT+2",
    "America/Sao_Paulo",
]
# Any day of two years: the 12 months judged then hold every transition of every zone, wherever the start falls.
STARTS = st.dates(datetime.date(2026, 12, 1), datetime.date(2028, 11, 30))
# Transition days (and the days around them) of the zones above, where a re-plan must move nothing.
NEAR_TRANSITIONS = st.sampled_from(
    [
        datetime.date(2027, 3, 13),
        datetime.date(2027, 3, 14),
        datetime.date(2027, 3, 29),
        datetime.date(2027, 4, 4),
        datetime.date(2027, 10, 3),
        datetime.date(2027, 10, 31),
        datetime.date(2027, 11, 7),
        datetime.date(2028, 3, 26),
    ]
)
# Store hours as retail sets them (all after any hour a DST change skips, so the opening hour is unambiguous).
BUSINESS_HOURS = st.sampled_from([None, None, "08:00-22:00", "06:30-23:00", "09:00-17:00", "10:00-20:30"])
UTC = datetime.timezone.utc
GRID = datetime.timedelta(minutes=30)
# The days the independent checks judge: the day before the start, then 12 months and a week (not the planner's constant).
DAYS_JUDGED = range(-1, 373)

WINDOWS = st.one_of(
    st.none(),
    st.fixed_dictionaries(
        dict(
            interrupt_window_days_of_week=st.lists(st.sampled_from(DAYS), min_size=1, max_size=7, unique=True),
            interrupt_window_hour_of_day=st.integers(0, 23),
            interrupt_window_duration_hours=st.integers(1, 6),
        )
    ),
)


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
        site_id = "%032x" % (10**6 + number)
        members = []
        for position in range(size):
            connector_id = "%032x" % (len(connectors) + 1)
            connector = dict(
                id=connector_id,
                notes="g%04d m%d" % (number, position),
                primary=position == 0,
                timezone=draw(st.sampled_from(TIMEZONES)),
                interrupt_window_embargo_dates=[],
            )
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
            sites.append(
                dict(id=site_id, name="site %d" % number, connector_id=members[0], secondary_connector_id=members[1])
            )
            for connector in connectors[-size:]:
                connector["primary"] = draw(st.booleans())
        groups.append((source, members))
    return connectors, sites, groups


@st.composite
def runs(draw, connectors):
    plan = dict(
        preset=draw(st.sampled_from(sorted(PRESETS))),
        allow_ungrouped=True,
        group_by=draw(st.sampled_from(["", "notes", "site_id"])),
        ha_strategy=draw(st.sampled_from(["consecutive", "consecutive", "alternate_days"])),
        latest_end_hour=draw(st.sampled_from([None, None, 12, 16, 24])),
        stagger_hours=draw(st.sampled_from([0, 1, 5])),
        stagger_slots=draw(st.sampled_from([1, 2, 3])),
        today=draw(STARTS),
        timezone=draw(st.sampled_from([None, None, "Europe/Berlin", "Asia/Kolkata"])),
        business_hours=draw(BUSINESS_HOURS),
    )
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


def openings(window, start):
    """Every opening of the window in the 12 months from ``start``, computed independently of _windows: ``(local
    opening, [opening instants in UTC], [closing instants in UTC])`` with both readings of a skipped or repeated hour
    (fold 0 and 1) and both readings of the close (``duration`` real hours, and the local wall-clock close)."""
    zone = ZoneInfo(window.timezone) if window.timezone != "UTC" else UTC
    for offset in DAYS_JUDGED:
        date = start + datetime.timedelta(days=offset)
        if DAYS[date.isoweekday() % 7] not in window.days:
            continue
        local = datetime.datetime(date.year, date.month, date.day, window.hour)
        opens = [local.replace(tzinfo=zone, fold=fold).astimezone(UTC) for fold in (0, 1)]
        closes = [o + datetime.timedelta(hours=window.duration) for o in opens]
        closes += [
            (local + datetime.timedelta(hours=window.duration)).replace(tzinfo=zone, fold=fold).astimezone(UTC)
            for fold in (0, 1)
        ]
        yield local, opens, closes


def grid_of(connector, start):
    """The 30-minute UTC grid points at which the connector may be open under any reading of any opening."""
    window = window_of(connector)
    if window is None:
        return set()
    origin = datetime.datetime.combine(start, datetime.time(0), UTC) - datetime.timedelta(days=3)
    points = set()
    for dummy, opens, closes in openings(window, start):
        first, last = (min(opens) - origin) // GRID, -((origin - max(closes)) // GRID)
        points.update(range(first, last))
    return points


def opens_inside_business_hours(window, start, hours):
    """Whether any opening of the year, read either way, is at a local wall-clock time inside business hours."""
    zone = ZoneInfo(window.timezone) if window.timezone != "UTC" else UTC
    begin, end = hours
    for dummy, opens, dummy_closes in openings(window, start):
        for instant in opens:
            local = instant.astimezone(zone)
            if begin <= local.hour * 60 + local.minute < end:
                return True
    return False


def visible_groups(groups, plan):
    """The intended HA groups the run's sources can see (notes only with group_by notes)."""
    return [
        members
        for source, members in groups
        if source in ("site", "site_id") or (source == "notes" and plan["group_by"] == "notes")
    ]


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
    event(
        "planned, %s connectors, %s"
        % (
            "1-50" if len(connectors) <= 50 else "51-150" if len(connectors) <= 150 else "151-300",
            "partial targets" if plan.get("targets") else "all targets",
        )
    )
    targets = set(e["id"] for e in entries)
    assert targets == (
        set(t["id"] for t in plan["targets"]) if plan.get("targets") else set(c["id"] for c in connectors)
    )
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
            for second in members[index + 1 :]:
                if first not in targets and second not in targets:
                    continue  # both untouched: kept as they were
                pair = (by_id[first], by_id[second])
                if window_of(pair[0]) and window_of(pair[1]):  # an untouched member may have no window
                    assert not windows_overlap(window_of(pair[0]), window_of(pair[1]), start), pair
                if grids is not None:
                    assert not grids[first] & grids[second], pair

    event("groups checked on the grid: %s" % ("0" if not checked else "1-3" if checked <= 3 else "4 or more"))

    latest = plan.get("latest_end_hour")
    if latest is not None:
        assert all(e["interrupt_window_hour_of_day"] + e["interrupt_window_duration_hours"] <= latest for e in entries)

    hours = business_hours(plan["business_hours"])
    if hours is not None:
        event("business hours set")
        for entry in entries[:40]:
            assert not opens_inside_business_hours(window_of(by_id[entry["id"]]), start, hours), entry

    again, summary_again = plan_windows(after, plan, sites)
    assert again == entries, "planning again on the result changes nothing"
    assert summary_again["changing"] == 0 and summary_again["conflicts_shifted"] == summary["conflicts_shifted"]
    # The horizon holds a whole year of DST changes: planned again on another day (near a transition), nothing moves.
    later = dict(plan, today=data.draw(NEAR_TRANSITIONS))
    assert plan_windows(after, later, sites)[0] == entries, "a re-plan near a DST change moves no safe window"


DST_ZONES = [
    "America/New_York",
    "America/Chicago",
    "America/Los_Angeles",
    "America/St_Johns",
    "Europe/Berlin",
    "Europe/London",
    "Australia/Sydney",
    "Australia/Adelaide",
    "Australia/Lord_Howe",
    "America/Sao_Paulo",
]


@settings(max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    zones=st.lists(st.sampled_from(DST_ZONES + ["America/Phoenix", "Asia/Kolkata"]), min_size=2, max_size=3),
    hour=st.integers(0, 5),
    duration=st.integers(1, 5),
    days=st.lists(st.sampled_from(DAYS), min_size=1, max_size=3, unique=True),
    today=STARTS,
    hours=BUSINESS_HOURS,
    strategy=st.sampled_from(["consecutive", "consecutive", "alternate_days"]),
)
def test_back_to_back_windows_in_dst_zones_never_overlap_in_the_year(
    zones, hour, duration, days, today, hours, strategy
):
    """Issue 23's case, concentrated: one HA group whose members sit in DST zones (the same or different ones), the
    windows the planner would put back to back, judged over the year on the independent grid."""
    connectors = [
        dict(
            id="%032x" % (n + 1),
            notes="s1 m%d" % n,
            primary=n == 0,
            site_id="s1",
            timezone=zone,
            interrupt_window_embargo_dates=[],
        )
        for n, zone in enumerate(zones)
    ]
    plan = dict(days=days, hour=hour, duration=duration, today=today, business_hours=hours, ha_strategy=strategy)
    try:
        entries, dummy = plan_windows(connectors, plan)
    except InvalidOption as exc:
        assert exc.option.startswith("maintenance_window_"), exc
        event("refused: %s" % exc.option)
        return
    after = applied(connectors, entries)
    grids = [grid_of(c, today) for c in after]
    for index, grid in enumerate(grids):
        for other in grids[index + 1 :]:
            assert not grid & other, (after, today)
    parsed = business_hours(hours)
    if parsed is not None:
        assert not any(opens_inside_business_hours(window_of(c), today, parsed) for c in after)
    event("planned, %d members" % len(after))
