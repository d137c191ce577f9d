# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Windows in absolute time and HA groups (plugins/module_utils/_windows.py)."""

from __future__ import annotations

import datetime

import pytest

from ansible_collections.cloudflare.magic_transit.plugins.module_utils._hostnames import connector_name
from ansible_collections.cloudflare.magic_transit.plugins.module_utils._inputs import InvalidOption
from ansible_collections.cloudflare.magic_transit.plugins.module_utils._windows import (
    UnknownTimezone,
    Window,
    business_hours,
    first_overlap,
    group_label,
    ha_groups,
    opens_inside,
    overlapping_pairs,
    shared_times,
    utc_intervals,
    window_of,
    windows_overlap,
    zone,
)

UTC = datetime.timezone.utc
START = datetime.date(2027, 3, 22)  # Berlin and New York both change to summer time within the next weeks


def at(*args):
    return datetime.datetime(*args, tzinfo=UTC)


def test_a_window_is_converted_in_its_own_zone_across_dst():
    intervals = utc_intervals(Window(("Sunday",), 1, 4, "Europe/Berlin"), START)
    assert intervals[0] == (at(2027, 3, 21, 0), at(2027, 3, 21, 4)), "the Sunday before the start may still be open"
    # 28 March 2027 02:00 CET becomes 03:00 CEST: 01:00 local is 00:00 UTC, the close (05:00 CEST) is 03:00 UTC;
    # the other reading (4 real hours) closes at 04:00 UTC: the interval holds both.
    assert intervals[1] == (at(2027, 3, 28, 0), at(2027, 3, 28, 4))
    assert intervals[2] == (at(2027, 4, 3, 23), at(2027, 4, 4, 3)), "summer time: one hour earlier in UTC"
    # The Sunday before the start, then every Sunday of the next 53 weeks (12 months: every DST change of the year).
    assert len(intervals) == 1 + 53 and intervals[-1][0].date() == datetime.date(2028, 3, 26)
    # Autumn: 31 October 2027 01:00 CEST is 23:00 UTC the day before, the close (05:00 CET) 04:00 UTC.
    assert (at(2027, 10, 30, 23), at(2027, 10, 31, 4)) in intervals


def test_a_window_crossing_midnight_closes_the_next_day():
    (first,) = [
        i for i in utc_intervals(Window(("Saturday",), 22, 4, "UTC"), START) if i[0].month == 3 and i[0].day == 27
    ]
    assert first == (at(2027, 3, 27, 22), at(2027, 3, 28, 2))
    sunday_night = Window(("Sunday",), 1, 2, "UTC")
    assert windows_overlap(Window(("Saturday",), 22, 4, "UTC"), sunday_night, START)
    assert not windows_overlap(Window(("Saturday",), 22, 3, "UTC"), sunday_night, START), "touching is not overlapping"


def test_zones_of_different_offsets_are_compared_in_absolute_time():
    berlin = Window(("Saturday", "Sunday"), 1, 4, "Europe/Berlin")
    new_york = Window(("Saturday",), 19, 2, "America/New_York")
    assert windows_overlap(berlin, new_york, START)
    tokyo = Window(("Saturday", "Sunday"), 1, 4, "Asia/Tokyo")
    assert not windows_overlap(berlin, tokyo, START), "01:00 Tokyo is 16:00 or 17:00 Berlin the day before"
    assert windows_overlap(
        Window(("Saturday",), 1, 4, "Europe/Berlin"), Window(("Saturday",), 0, 2, "Europe/London"), START
    )


def test_a_repeated_hour_counts_with_both_readings():
    # 31 October 2027, 02:00-03:00 happens twice in Berlin; a window opening at 02:00 covers both.
    (interval,) = [
        i
        for i in utc_intervals(Window(("Sunday",), 2, 1, "Europe/Berlin"), datetime.date(2027, 10, 25))
        if i[0].day == 31
    ]
    assert interval == (at(2027, 10, 31, 0), at(2027, 10, 31, 2))


def test_first_overlap_finds_the_pair():
    a = [(at(2027, 1, 1, 0), at(2027, 1, 1, 2)), (at(2027, 1, 2, 0), at(2027, 1, 2, 2))]
    b = [(at(2027, 1, 1, 2), at(2027, 1, 1, 3)), (at(2027, 1, 2, 1), at(2027, 1, 2, 5))]
    assert first_overlap(a, b) == (a[1], b[1])
    assert first_overlap(a, b[:1]) is None


def test_window_of_reads_the_api_form():
    assert window_of(
        dict(
            interrupt_window_days_of_week=["sunday", "Saturday"],
            interrupt_window_hour_of_day=2.0,
            interrupt_window_duration_hours=4.0,
            timezone="Europe/Berlin",
        )
    ) == Window(("Sunday", "Saturday"), 2, 4, "Europe/Berlin")
    assert window_of(dict(interrupt_window_days_of_week=[], interrupt_window_hour_of_day=2)) is None


def test_ha_groups_take_the_sources_in_order():
    connectors = [
        dict(id="a", notes="ber-01 secondary", primary=True),
        dict(id="b", notes="ber-01 primary", primary=True),
        dict(id="c", notes="muc-02 one", site_id="s2", primary=False),
        dict(id="d", notes="muc-02 two", site_id="s2"),
        dict(id="e", notes="lonely"),
        dict(id="f", notes="x"),
        dict(id="g", notes="y"),
    ]
    sites = [dict(id="s1", connector_id="a", secondary_connector_id="b")]
    groups, keyless = ha_groups(connectors, sites, "notes", r"^(\S+)-\d+", explicit={"f": "pair", "g": "pair"})
    assert [c["id"] for c in groups["site:s1"]] == ["a", "b"], "the site's connector_id is the primary"
    assert [c["id"] for c in groups["site:s2"]] == ["d", "c"], "then primary: true"
    assert [c["id"] for c in groups["group:pair"]] == ["f", "g"]
    assert [c["id"] for c in keyless] == ["e"] and groups["connector:e"] == [connectors[4]]
    assert group_label("site:s1") == "s1"
    groups, keyless = ha_groups(connectors[:2])
    assert len(keyless) == 2, "notes are used only with group_by notes"


@pytest.mark.parametrize("name", [None, "", "UTC"])
def test_no_zone_is_utc(name):
    assert zone(name) is datetime.timezone.utc


@pytest.mark.parametrize(
    "name, said",
    [
        ("Moon/Base", "unknown time zone Moon/Base"),
        (7, "time zone 7 is not a name"),
        (["Europe/Berlin"], "is not a name"),
    ],
)
def test_a_zone_that_cannot_be_judged_is_an_error_never_utc(name, said):
    with pytest.raises(UnknownTimezone, match=said):
        zone(name)
    with pytest.raises(UnknownTimezone):
        utc_intervals(Window(("Sunday",), 1, 4, name), START)


def test_the_overlap_sweep_yields_every_overlapping_pair_in_order():
    a = [(at(2027, 1, 1, 0), at(2027, 1, 1, 4)), (at(2027, 1, 2, 0), at(2027, 1, 2, 4))]
    b = [(at(2027, 1, 1, 4), at(2027, 1, 1, 6)), (at(2027, 1, 1, 3), at(2027, 1, 2, 1))]
    b.sort()
    assert list(overlapping_pairs(a, b)) == [(a[0], b[0]), (a[1], b[0])]
    assert first_overlap(a, b) == (a[0], b[0])
    assert first_overlap(a, b[1:]) is None, "touching at an instant is no overlap"


def test_shared_times_are_the_disjoint_times_both_are_open():
    a = [(at(2027, 1, 1, 0), at(2027, 1, 1, 4)), (at(2027, 1, 1, 4), at(2027, 1, 1, 8))]  # touching: one stretch
    b = [(at(2027, 1, 1, 2), at(2027, 1, 1, 6)), (at(2027, 1, 1, 7), at(2027, 1, 1, 9))]
    assert shared_times(a, b) == [(at(2027, 1, 1, 2), at(2027, 1, 1, 6)), (at(2027, 1, 1, 7), at(2027, 1, 1, 8))]
    assert shared_times(a, []) == []


@pytest.mark.parametrize(
    "value, expected",
    [
        ("08:00-22:00", (480, 1320)),
        ("9:00-17:30", (540, 1050)),
        (" 22:00 - 06:00 ", (1320, 360)),
        ("00:00-24:00", (0, 1440)),
        (None, None),
        ("", None),
    ],
)
def test_business_hours_are_read_one_way(value, expected):
    assert business_hours(value, "x") == expected


@pytest.mark.parametrize(
    "value", ["8-22", "08:00", "08:00-08:00", "24:00-06:00", "08:60-22:00", "08:00-24:01", ["08:00-22:00"]]
)
def test_bad_business_hours_name_the_option_given(value):
    with pytest.raises(InvalidOption, match="^shop_hours must be local opening hours such as 09:00-21:00"):
        business_hours(value, "shop_hours")


def test_a_window_opens_inside_business_hours_by_its_opening_hour():
    assert [opens_inside((1320, 360), h) for h in (21, 22, 0, 5, 6)] == [False, True, True, True, False]
    assert opens_inside(None, 9) is False


@pytest.mark.parametrize(
    "connector, name, with_id",
    [
        (dict(id="c1", notes="ber-01", device=dict(serial_number="SN1")), "ber-01", "ber-01 (c1)"),
        (dict(id="c1", notes="", device=dict(serial_number="SN1")), "SN1", "SN1 (c1)"),
        (dict(id="c1", device="not a mapping"), "c1", "c1"),
        (dict(id="c1", notes=42), "42", "42 (c1)"),
    ],
)
def test_a_connector_is_named_for_people_one_way(connector, name, with_id):
    assert connector_name(connector) == name
    assert connector_name(connector, with_id=True) == with_id
