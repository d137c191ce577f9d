# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import datetime
import functools

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.cloudflare.magic_transit.plugins.filter.maintenance import (
    PRESETS,
    change_freeze,
    embargo_dates,
    maintenance_windows,
)
from ansible_collections.cloudflare.magic_transit.tests.helpers import api_connector

connector = functools.partial(api_connector, serial="SN%d", interrupt_window_embargo_dates=[])


FLEET = [
    connector(1, "ber-01 primary"),
    connector(2, "ber-01 secondary", primary=False),
    connector(3, "muc-02 primary"),
    connector(4, "nyc-03 primary", site_id="nyc"),
    connector(5, "nyc-03 b", site_id="nyc"),
]


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_every_preset_gives_every_connector_the_preset_window(preset):
    entries = maintenance_windows(FLEET, dict(preset=preset))
    expected = PRESETS[preset]
    assert [e["id"] for e in entries] == sorted(c["id"] for c in FLEET)
    assert all(
        set(e["interrupt_window_days_of_week"]) == set(expected["days"])
        and e["interrupt_window_duration_hours"] == expected["duration"]
        for e in entries
    )
    # Connectors 4 and 5 share a site_id: an HA group even without group_by ("nyc-03 b" goes first, by its notes).
    hours = [e["interrupt_window_hour_of_day"] for e in entries]
    assert hours == [expected["hour"]] * 3 + [(expected["hour"] + expected["duration"]) % 24, expected["hour"]]
    assert all("timezone" not in e and "interrupt_window_embargo_dates" not in e for e in entries)


def test_explicit_values_override_the_preset_and_timezone_per_run_or_connector():
    entries = maintenance_windows(
        FLEET,
        dict(
            preset="weekend_nights",
            hour=22,
            duration=2,
            days=["friday"],
            timezone="UTC",
            targets=[dict(device_serial_number="SN1", timezone="Europe/Berlin"), dict(id=FLEET[2]["id"])],
        ),
    )
    assert [
        (e["interrupt_window_hour_of_day"], e["interrupt_window_duration_hours"], e["timezone"]) for e in entries
    ] == [(22, 2, "Europe/Berlin"), (22, 2, "UTC")]


def test_ha_groups_by_notes_never_share_a_window_and_primary_goes_first():
    entries = dict((e["id"], e) for e in maintenance_windows(FLEET, dict(preset="weeknights", group_by="notes")))
    assert entries[FLEET[0]["id"]]["interrupt_window_hour_of_day"] == 1
    assert entries[FLEET[1]["id"]]["interrupt_window_hour_of_day"] == 4


def test_groups_by_site_id_and_stagger_slots():
    entries = maintenance_windows(
        FLEET, dict(preset="sunday_early", group_by="site_id", stagger_hours=1, stagger_slots=2, allow_ungrouped=True)
    )
    hours = dict((e["id"][-1], e["interrupt_window_hour_of_day"]) for e in entries)
    # groups in order: the three lone connectors (named by their ids), then "nyc"; the slots alternate 3:00 / 4:00.
    # Inside "nyc" the members follow their notes ("nyc-03 b" before "nyc-03 primary"), one duration (3 h) apart.
    assert hours == {"1": 3, "2": 4, "3": 3, "5": 4, "4": 7}


def test_a_group_that_cannot_fit_in_a_day_is_refused():
    with pytest.raises(AnsibleFilterError, match="maintenance_window_duration is too long"):
        maintenance_windows(FLEET, dict(preset="weekend_nights", duration=13, group_by="site_id", allow_ungrouped=True))


def test_freeze_periods_become_embargo_dates_with_past_ones_pruned():
    dates = embargo_dates([dict(start="2026-11-20", end="2026-11-23")], ["2027-01-01", "2026-01-01"], "2026-11-22")
    assert dates == ["2026-11-22", "2026-11-23", "2027-01-01"]
    entries = maintenance_windows(
        FLEET,
        dict(preset="weekend_nights", freeze_periods=[dict(start="2026-12-24", end="2026-12-26")], today="2026-11-22"),
    )
    assert entries[0]["interrupt_window_embargo_dates"] == ["2026-12-24", "2026-12-25", "2026-12-26"]


@pytest.mark.parametrize(
    "periods, dates, message",
    [
        ([dict(start="2027-01-01", end="2027-06-30")], [], "spans more than 100 days"),
        (
            [dict(start="2027-01-01", end="2027-03-31"), dict(start="2027-05-01", end="2027-05-31")],
            [],
            "^freeze_periods and dates expand to 121 dates",
        ),
        ([dict(start="2027-02-30", end="2027-03-01")], [], "start must be a real date"),
        ([dict(start="2027-03-02", end="2027-03-01")], [], "ends before it starts"),
        ([dict(start="2027-03-01")], [], "must be a mapping with exactly start and end"),
        ([], ["2027-01-01", "31/12/2027"], r"^dates\[1\] must be a real date written YYYY-MM-DD, got .31/12/2027.$"),
    ],
)
def test_bad_freeze_input_is_refused_with_the_rule(periods, dates, message):
    with pytest.raises(AnsibleFilterError, match=message):
        embargo_dates(periods, dates, "2026-11-22")


@pytest.mark.parametrize(
    "plan, message",
    [
        (dict(preset="lunch_break"), "maintenance_window_preset must be one of"),
        (dict(preset="weekend_nights", timezone="Moon/Base"), "maintenance_window_timezone must be an IANA"),
        (dict(preset="weekend_nights", hour=24), "^maintenance_window_hour must be from 0 to 23, got 24$"),
        (dict(preset="weekend_nights", duration=25), "^maintenance_window_duration must be from 1 to 24, got 25$"),
        (dict(preset="weekend_nights", duration=0), "^maintenance_window_duration must be from 1 to 24, got 0$"),
        (
            dict(preset="weekend_nights", days=["Monday", "Funday"]),
            "^maintenance_window_days must list days of the week .*, got 'Funday'$",
        ),
        (
            dict(preset="weekend_nights", stagger_slots=0),
            "^maintenance_window_stagger_slots must be from 1 to 24, got 0$",
        ),
        (
            dict(preset="weekend_nights", stagger_hours=24),
            "^maintenance_window_stagger_hours must be from 0 to 23, got 24$",
        ),
        (
            dict(preset="weekend_nights", group_by="notes", group_pattern="(unclosed"),
            "^maintenance_window_group_pattern must be a regular expression with a capture group",
        ),
        (
            dict(preset="weekend_nights", group_by="notes", group_pattern="^\\S+"),
            "^maintenance_window_group_pattern must be a regular",
        ),
        (
            dict(preset="weekend_nights", embargo_dates=["2027-01-01", "2027-02-29"]),
            "^maintenance_window_embargo_dates\\[1\\] must be a real date written YYYY-MM-DD, got '2027-02-29'$",
        ),
        (
            dict(preset="weekend_nights", targets=[dict(device_serial_number="NOPE")]),
            "maintenance_window_connectors\\[0\\] matches no",
        ),
    ],
)
def test_bad_role_input_is_refused_naming_the_variable(plan, message):
    with pytest.raises(AnsibleFilterError, match=message):
        maintenance_windows(FLEET, plan)


def test_change_freeze_adds_only_the_dates_and_removes_exactly_them():
    fleet = [connector(1, "a", interrupt_window_embargo_dates=["2026-12-24"]), connector(2, "b")]
    added = change_freeze(fleet, ["2027-01-02", "2027-01-01"])
    assert added == [
        dict(id=fleet[0]["id"], interrupt_window_embargo_dates=["2027-01-01", "2027-01-02"]),
        dict(id=fleet[1]["id"], interrupt_window_embargo_dates=["2027-01-01", "2027-01-02"]),
    ]
    fleet[0]["interrupt_window_embargo_dates"] += ["2027-01-01"]
    removed = change_freeze(fleet, ["2027-01-01"], "absent")
    assert removed[0]["interrupt_window_embargo_dates"] == ["2026-12-24"]


def test_change_freeze_refuses_more_than_100_dates_naming_the_connector():
    full = connector(
        1, "full", interrupt_window_embargo_dates=["2027-%02d-%02d" % (m, d) for m in range(1, 5) for d in range(1, 26)]
    )
    with pytest.raises(AnsibleFilterError, match="connector full \\(0+1\\) would hold 101 embargo dates"):
        change_freeze([full], ["2028-01-01"])


PAIR = [
    connector(1, "ber-01 primary", site_id="ber", timezone="Europe/Berlin"),
    connector(2, "ber-01 secondary", site_id="ber", primary=False, timezone="Europe/Berlin"),
]


def test_alternate_days_gives_the_peer_the_same_hours_on_other_days():
    entries = maintenance_windows(PAIR, dict(preset="weekend_nights", ha_strategy="alternate_days", today="2026-12-01"))
    assert [(e["interrupt_window_days_of_week"], e["interrupt_window_hour_of_day"]) for e in entries] == [
        (["Sunday"], 1),
        (["Saturday"], 1),
    ]
    with pytest.raises(
        AnsibleFilterError, match="^maintenance_window_ha_strategy alternate_days needs at least as many days"
    ):
        maintenance_windows(PAIR, dict(preset="sunday_early", ha_strategy="alternate_days"))


def test_latest_end_hour_says_what_would_fit():
    # Berlin: the primary's Sunday 01:00-05:00 spans the spring-forward jump (02:00 -> 03:00), so read as 4 real hours
    # it ends at 06:00 local; the secondary's back-to-back 05:00 would share that hour: 06:00 is its first safe hour.
    entries = maintenance_windows(PAIR, dict(preset="weekend_nights", latest_end_hour=10, today="2026-12-01"))
    assert [e["interrupt_window_hour_of_day"] for e in entries] == [1, 6]
    with pytest.raises(
        AnsibleFilterError,
        match=r"^maintenance_window_latest_end_hour \(09:00\) leaves no free window for ber-01 "
        r"secondary .*overlaps ber-01 primary",
    ):
        maintenance_windows(PAIR, dict(preset="weekend_nights", latest_end_hour=9, today="2026-12-01"))
    with pytest.raises(
        AnsibleFilterError,
        match=r"^maintenance_window_latest_end_hour \(07:00\) leaves no free window for ber-01 "
        r"secondary .*needs 2 windows of 4 h from 01:00; would fit: a duration of at most 3 h or "
        r"maintenance_window_latest_end_hour 9 or later or maintenance_window_ha_strategy alternate_days$",
    ):
        maintenance_windows(PAIR, dict(preset="weekend_nights", latest_end_hour=7, today="2026-12-01"))


def test_an_untouched_peer_is_a_constraint():
    current = [
        dict(
            PAIR[0],
            interrupt_window_days_of_week=["Saturday", "Sunday"],
            interrupt_window_hour_of_day=4,
            interrupt_window_duration_hours=4,
        ),
        PAIR[1],
    ]
    (entry,) = maintenance_windows(
        current, dict(preset="weekend_nights", targets=[dict(id=PAIR[1]["id"])], today="2026-12-01")
    )
    assert entry["interrupt_window_hour_of_day"] == 8, (
        "05:00 to 07:00 overlap the primary's 04:00-08:00: the next free hour"
    )
    with pytest.raises(
        AnsibleFilterError,
        match=r"^maintenance_window_ha_conflict is fail: the window planned for ber-01 secondary "
        r"\(0+2\) would overlap the current window of its untouched HA peer ber-01 primary \(0+1\)",
    ):
        maintenance_windows(
            current,
            dict(preset="weekend_nights", targets=[dict(id=PAIR[1]["id"])], ha_conflict="fail", today="2026-12-01"),
        )


@pytest.mark.parametrize("value, expected", [("2", 2), (" 3 ", 3), (4.0, 4), (5, 5)])
def test_numeric_strings_are_whole_numbers(value, expected):
    (entry,) = maintenance_windows(FLEET[2:3], dict(preset="weekend_nights", hour=value))
    assert entry["interrupt_window_hour_of_day"] == expected


@pytest.mark.parametrize("value", ["two", "2.5", True, 2.5, [2]])
def test_other_values_are_refused_naming_the_variable(value):
    with pytest.raises(AnsibleFilterError, match="^maintenance_window_hour must be a whole number"):
        maintenance_windows(FLEET, dict(preset="weekend_nights", hour=value))


def test_freeze_dates_are_summarised_as_ranges():
    from ansible_collections.cloudflare.magic_transit.plugins.module_utils._maintenance import date_ranges

    assert date_ranges(
        ["2027-01-03", "2026-12-18", "2026-12-31", "2027-01-01", "2027-01-02", "2027-02-01"]
        + ["2026-12-%02d" % d for d in range(19, 31)]
    ) == ["2026-12-18..2027-01-03", "2027-02-01"]


# Issue 23: back-to-back windows judged safe over 8 weeks overlap for an hour on spring-forward Sunday.
NEW_YORK_PAIR = [dict(p, timezone="America/New_York") for p in PAIR]


def test_back_to_back_windows_overlap_on_the_spring_forward_sunday_beyond_8_weeks():
    from ansible_collections.cloudflare.magic_transit.plugins.module_utils._windows import (
        WEEKS,
        Window,
        first_overlap,
        utc_intervals,
        windows_overlap,
    )

    primary = Window(("Sunday",), 1, 4, "America/New_York")
    secondary = Window(("Sunday",), 5, 4, "America/New_York")
    start = datetime.date(2027, 1, 4)
    assert not windows_overlap(primary, secondary, start, weeks=8), "1.0.0's horizon ends before 2027-03-14"
    assert WEEKS * 7 >= 366
    shared = first_overlap(utc_intervals(primary, start), utc_intervals(secondary, start))
    # 01:00 EST + 4 real hours = 10:00 UTC; the secondary opens at 05:00 EDT = 09:00 UTC on 2027-03-14.
    assert shared[0] == (at(2027, 3, 14, 6), at(2027, 3, 14, 10)) and shared[1][0] == at(2027, 3, 14, 9)


def at(*args):
    return datetime.datetime(*args, tzinfo=datetime.timezone.utc)


@pytest.mark.parametrize("today", ["2027-01-04", "2027-03-13", "2027-03-15", "2027-11-06", "2027-11-08"])
def test_the_planner_keeps_the_pair_apart_all_year_and_a_replan_near_a_transition_moves_nothing(today):
    entries = maintenance_windows(NEW_YORK_PAIR, dict(preset="weekend_nights", today="2027-01-04"))
    assert [e["interrupt_window_hour_of_day"] for e in entries] == [1, 6]
    applied = [
        dict(c, **dict((k, v) for k, v in e.items() if k != "id")) for c, e in zip(NEW_YORK_PAIR, entries, strict=True)
    ]
    assert maintenance_windows(applied, dict(preset="weekend_nights", today=today)) == entries


@pytest.mark.parametrize(
    "value, rule",
    [
        ("8-22", r"must be local opening hours such as 09:00-21:00 \(HH:MM-HH:MM"),
        ("08:00-25:00", "must be local opening hours"),
        ("08:00-08:00", "must be local opening hours .*differs from the start"),
        ("08:60-22:00", "must be local opening hours"),
        ("08:00", "must be local opening hours"),
        (["08:00-22:00"], "must be local opening hours"),
    ],
)
def test_business_hours_are_refused_naming_the_variable_and_the_format(value, rule):
    with pytest.raises(AnsibleFilterError, match="^maintenance_window_business_hours " + rule):
        maintenance_windows(PAIR, dict(preset="weekend_nights", business_hours=value))


def test_business_hours_read_the_same_as_the_report():
    """One parser for the planner and the report: a one-digit hour is taken by both (the planner refused it)."""
    from ansible_collections.cloudflare.magic_transit.plugins.module_utils import _report  # pylint: disable=import-outside-toplevel

    assert _report.business_hours("9:00-17:30") == (540, 1050)
    with pytest.raises(
        AnsibleFilterError, match=r"^maintenance_window_hour \(09:00\) opens inside maintenance_window_business_hours"
    ):
        maintenance_windows(PAIR, dict(preset="weekend_nights", hour=9, business_hours="9:00-17:00"))


def test_no_window_opens_inside_business_hours():
    with pytest.raises(
        AnsibleFilterError, match=r"^maintenance_window_hour \(09:00\) opens inside maintenance_window_business_hours"
    ):
        maintenance_windows(PAIR, dict(preset="weekend_nights", hour=9, business_hours="08:00-22:00"))
    entries = maintenance_windows(
        PAIR, dict(preset="weekend_nights", hour=4, business_hours="08:00-22:00", today="2026-12-01")
    )
    # 04:00-08:00, then 08:00 would open inside the store's hours: the next free hour outside them is 22:00.
    assert [e["interrupt_window_hour_of_day"] for e in entries] == [4, 22]
    # Hours wrapping midnight: a store open from 06:00 to 02:00 leaves 02:00 to 06:00, room for one 4-hour window.
    with pytest.raises(
        AnsibleFilterError,
        match=r"^maintenance_window_business_hours leaves no free window for ber-01 secondary "
        r"\(0+2\) of HA group ber \(2 members\); every window it may take overlaps ber-01 primary",
    ):
        maintenance_windows(PAIR, dict(preset="weekend_nights", hour=2, business_hours="06:00-02:00"))


def test_ha_members_in_different_time_zones_are_reported_refused_or_aligned_to_the_primary():
    from ansible_collections.cloudflare.magic_transit.plugins.module_utils._maintenance import plan_windows

    pair = [PAIR[0], dict(PAIR[1], timezone="UTC")]
    entries, summary = plan_windows(pair, dict(preset="weekend_nights", today="2026-12-01"))
    assert summary["timezone_mismatches"] == 1
    assert summary["mismatched_groups"] == [
        dict(
            group="ber",
            members=[
                dict(connector=pair[0]["id"], notes="ber-01 primary", timezone="Europe/Berlin"),
                dict(connector=pair[1]["id"], notes="ber-01 secondary", timezone="UTC"),
            ],
        )
    ]
    with pytest.raises(
        AnsibleFilterError,
        match=r"^maintenance_window_timezone_mismatch is fail: the members of HA group ber are in "
        r"different time zones: ber-01 primary \(0+1\) in Europe/Berlin, ber-01 secondary \(0+2\) in UTC; ",
    ):
        maintenance_windows(pair, dict(preset="weekend_nights", timezone_mismatch="fail"))
    entries, summary = plan_windows(
        pair, dict(preset="weekend_nights", timezone_mismatch="primary", today="2026-12-01")
    )
    assert summary["timezone_mismatches"] == 0
    assert [(e["interrupt_window_hour_of_day"], e.get("timezone")) for e in entries] == [
        (1, None),
        (6, "Europe/Berlin"),
    ]
    with pytest.raises(
        AnsibleFilterError, match="^maintenance_window_timezone_mismatch must be one of report, fail, primary"
    ):
        maintenance_windows(pair, dict(preset="weekend_nights", timezone_mismatch="site"))


def test_a_freeze_removed_after_it_is_over_is_removed_whole():
    # Issue 23: run after the freeze, the removal must take the same range, not "no dates".
    period = [dict(start="2026-12-20", end="2027-01-02")]
    assert embargo_dates(period, [], "2027-01-10") == []
    assert embargo_dates(period, [], "2027-01-10", keep_past=True)[::13] == ["2026-12-20", "2027-01-02"]
    dates = embargo_dates(period, [], "2027-01-10", keep_past=True)
    fleet = [connector(1, "a", interrupt_window_embargo_dates=dates + ["2026-11-01", "2027-05-01"])]
    (entry,) = change_freeze(fleet, dates, "absent")
    assert entry == dict(
        id=fleet[0]["id"], interrupt_window_embargo_dates=["2026-11-01", "2027-05-01"], purge_embargo_dates=True
    )


def test_past_embargo_dates_can_be_purged_and_a_removal_that_finds_nothing_says_so():
    from ansible_collections.cloudflare.magic_transit.plugins.module_utils._maintenance import (
        freeze_entries,
        freeze_from_account,
    )

    fleet = [connector(1, "a", interrupt_window_embargo_dates=["2026-11-01", "2027-05-01"]), connector(2, "b")]
    added = freeze_entries(fleet, ["2027-06-01"], "present", purge_before="2027-01-10")
    assert [e["interrupt_window_embargo_dates"] for e in added] == [["2027-05-01", "2027-06-01"], ["2027-06-01"]]
    assert all(e["purge_embargo_dates"] for e in added)

    class Listed:
        def list(self):
            return fleet

    dummy, dummy, summary = freeze_from_account(Listed(), dict(dates=["2026-12-24"], state="absent"))
    assert summary["holding"] == 0
    assert summary["lines"][1] == "nothing to remove: none of the 2 target connectors holds any of these dates"
    entries, dummy, summary = freeze_from_account(Listed(), dict(dates=[], purge_past=True, today="2027-01-10"))
    assert summary["purged_past"] == 1 and summary["lines"][1].startswith(
        "purging the embargo dates before 2027-01-10: 1 of"
    )
    assert entries[0]["interrupt_window_embargo_dates"] == ["2027-05-01"]
    with pytest.raises(Exception, match="^change_freeze_purge_past must be true or false"):
        freeze_from_account(Listed(), dict(dates=[], purge_past="sometimes"))
