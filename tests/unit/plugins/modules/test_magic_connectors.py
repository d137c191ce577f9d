# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import functools
import json

import pytest

from ansible_collections.cloudflare.magic_transit.plugins.modules import magic_connectors
from ansible_collections.cloudflare.magic_transit.tests.helpers import api_connector
from ansible_collections.cloudflare.magic_transit.tests.unit.fake_api import ACCOUNT

PATH = "/accounts/%s/magic/connectors" % ACCOUNT


connector = functools.partial(
    api_connector,
    timezone="UTC",
    interrupt_window_days_of_week=["Sunday"],
    interrupt_window_hour_of_day=0.0,
    interrupt_window_duration_hours=4.0,
    interrupt_window_embargo_dates=["2026-12-24"],
)


FLEET = [connector(n) for n in range(1, 6)]


def test_one_list_call_and_one_patch_per_connector_that_differs(api, run_module):
    api.expect("GET", PATH, result=FLEET)
    api.expect(
        "PATCH",
        PATH + "/%032x" % 2,
        body={"interrupt_window_hour_of_day": 3},
        result=connector(2, interrupt_window_hour_of_day=3),
    )
    result = run_module(
        magic_connectors,
        max_concurrency=1,
        diff=True,
        return_connectors="full",
        connectors=[
            dict(device_serial_number="SN01", interrupt_window_hour_of_day=0, timezone="UTC"),
            dict(device_serial_number="SN02", interrupt_window_hour_of_day=3, timezone="UTC"),
            dict(id="%032x" % 3, interrupt_window_days_of_week=["sunday"]),
        ],
    )
    assert result["changed"] is True
    assert [e["status"] for e in result["magic_connectors"]] == ["unchanged", "changed", "unchanged"]
    assert result["summary"] == dict(total=3, changed=1, unchanged=2, failed=0, not_sent=0)
    assert result["api_calls"] == {"GET": 1, "PATCH": 1}
    assert result["magic_connectors"][1]["diff"] == {
        "before": {"interrupt_window_hour_of_day": 0.0},
        "after": {"interrupt_window_hour_of_day": 3},
    }
    assert result["diff"][0]["before_header"] == "connector site-02 (%032x)" % 2
    assert result["magic_connectors"][1]["changes"] == {"interrupt_window_hour_of_day": 3}


def test_check_mode_writes_nothing_and_predicts(api, run_module):
    api.expect("GET", PATH, result=FLEET)
    result = run_module(
        magic_connectors,
        check_mode=True,
        return_connectors="full",
        connectors=[
            dict(device_serial_number="SN0%d" % n, interrupt_window_embargo_dates=["2027-01-01"]) for n in range(1, 6)
        ],
        purge_embargo_dates=False,
    )
    assert api.writes() == []
    assert result["summary"]["changed"] == 5
    assert result["magic_connectors"][0]["connector"]["interrupt_window_embargo_dates"] == ["2026-12-24", "2027-01-01"]


def test_re_run_makes_no_write(api, run_module):
    api.expect("GET", PATH, result=FLEET)
    result = run_module(
        magic_connectors,
        connectors=[dict(id=c["id"], timezone="UTC", interrupt_window_duration_hours=4) for c in FLEET],
    )
    assert result["changed"] is False and result["api_calls"] == {"GET": 1}


@pytest.mark.parametrize(
    "entries, message",
    [
        (
            [dict(device_serial_number="SN01", interrupt_window_hour_of_day=24)],
            "connectors[0].interrupt_window_hour_of_day must be from 0 to 23",
        ),
        (
            [dict(device_serial_number="SN01"), dict(device_serial_number="SN02", timezone="Mars/Base")],
            "connectors[1].timezone must be an IANA time zone name",
        ),
        ([dict(id="bad/id")], "connectors[0].id must be 1 to 32 letters or digits"),
        ([dict(timezone="UTC")], "one of the following is required: id, device_id, device_serial_number"),
    ],
)
def test_bad_entries_fail_before_any_call(api, run_module, entries, message):
    result = run_module(magic_connectors, connectors=entries)
    assert result["failed"] and message in result["msg"], result["msg"]
    assert api.calls == []


@pytest.mark.parametrize(
    "entries, message",
    [
        (
            [dict(device_serial_number="SN99", timezone="UTC")],
            "connectors[0].device_serial_number matches no connector",
        ),
        ([dict(device_serial_number="SN01"), dict(id="%032x" % 1)], "connectors[1] names the same connector"),
        ([dict(id="%032x" % 1, device_serial_number="SN02")], "connectors[0].device_serial_number cannot change"),
        (
            [
                dict(
                    device_serial_number="SN01",
                    interrupt_window_embargo_dates=["2027-01-%02d" % d for d in range(1, 32)]
                    + ["2027-02-%02d" % d for d in range(1, 29)]
                    + ["2027-03-%02d" % d for d in range(1, 32)]
                    + ["2027-04-%02d" % d for d in range(1, 11)],
                )
            ],
            "connectors[0].interrupt_window_embargo_dates may hold at most 100",
        ),
    ],
)
def test_entries_that_need_the_list_fail_before_any_write(api, run_module, entries, message):
    api.expect("GET", PATH, result=FLEET)
    result = run_module(magic_connectors, connectors=entries, purge_embargo_dates=False)
    assert result["failed"] and message in result["msg"], result["msg"]
    assert api.writes() == []


def test_a_failure_part_way_says_what_was_changed_and_what_was_not(api, run_module):
    api.expect("GET", PATH, result=FLEET)
    api.expect("PATCH", PATH + "/%032x" % 1, result=connector(1, notes="x"))
    api.expect("PATCH", PATH + "/%032x" % 2, status=403, errors=[{"code": 9109, "message": "Unauthorized"}])
    result = run_module(
        magic_connectors, max_concurrency=1, connectors=[dict(id=c["id"], notes="x") for c in FLEET[:4]]
    )
    assert result["failed"] and result["changed"] is True
    # Since 1.1.0 a failure's brief result lists the entries that changed or failed, with their index (issue 23).
    assert [(e["index"], e["status"]) for e in result["magic_connectors"]] == [(0, "changed"), (1, "failed")]
    assert result["summary"] == dict(total=4, changed=1, unchanged=0, failed=1, not_sent=2)
    assert result["not_sent_reason"] == "not sent after the write of site-02 (%032x) failed" % 2
    assert "Entries: 1 changed, 0 unchanged, 1 failed, 2 not sent." in result["msg"]
    assert (
        "Failed: site-02 (%032x). Not sent: site-03 (%032x), site-04 (%032x). Changed before the stop: site-01 (%032x)."
        % (2, 3, 4, 1)
    ) in result["msg"]
    assert "connector" not in result["magic_connectors"][0] and result["magic_connectors"][0]["notes"] == "x"


def test_return_connectors_full_keeps_every_entry_of_a_failure(api, run_module):
    api.expect("GET", PATH, result=FLEET)
    api.expect("PATCH", PATH + "/%032x" % 1, result=connector(1, notes="x"))
    api.expect("PATCH", PATH + "/%032x" % 2, status=403, errors=[{"code": 9109, "message": "Unauthorized"}])
    result = run_module(
        magic_connectors,
        max_concurrency=1,
        return_connectors="full",
        connectors=[dict(id=c["id"], notes="x") for c in FLEET[:4]],
    )
    assert [e["status"] for e in result["magic_connectors"]] == ["changed", "failed", "not_sent", "not_sent"]
    assert result["magic_connectors"][2]["error"] == "not sent after the write of site-02 (%032x) failed" % 2
    assert result["magic_connectors"][0]["connector"]["notes"] == "x" and "not_sent_reason" not in result


def test_stops_before_exhausting_the_rate_limit_budget(api, run_module):
    api.expect("GET", PATH, result=FLEET, headers={"Ratelimit": '"default";r=2;t=120'})
    result = run_module(magic_connectors, connectors=[dict(id=c["id"], notes="x") for c in FLEET[:2]])
    assert result["failed"] and api.writes() == []
    assert "rate limit leaves 2 requests for the next 120 s" in result["msg"]
    assert result["summary"]["not_sent"] == 2


@pytest.mark.parametrize("value", [0, 11])
def test_max_concurrency_is_bounded(api, run_module, value):
    result = run_module(magic_connectors, max_concurrency=value, connectors=[dict(id=FLEET[0]["id"], notes="x")])
    assert result["failed"] and "max_concurrency must be from 1 to 10" in result["msg"]
    assert api.calls == []


SITES = "/accounts/%s/magic/sites" % ACCOUNT


def test_maintenance_window_plans_from_one_connector_list_and_one_sites_list(api, run_module):
    pair = [connector(1, interrupt_window_hour_of_day=1.0), connector(2, interrupt_window_hour_of_day=2.0)]
    api.expect("GET", PATH, result=pair)
    api.expect(
        "GET", SITES, result=[dict(id="s1", name="ber", connector_id="%032x" % 2, secondary_connector_id="%032x" % 1)]
    )
    # The site names connector 2 as its primary: it opens at 01:00, connector 1 one duration later.
    for number, hour in ((1, 5), (2, 1)):
        api.expect(
            "PATCH",
            PATH + "/%032x" % number,
            body={"interrupt_window_hour_of_day": hour, "interrupt_window_days_of_week": ["Sunday", "Saturday"]},
            result=connector(
                number, interrupt_window_hour_of_day=hour, interrupt_window_days_of_week=["Sunday", "Saturday"]
            ),
        )
    # After writing, the account is listed once more to check what the run left (issue 21).
    api.expect(
        "GET",
        PATH,
        result=[
            connector(n, interrupt_window_hour_of_day=h, interrupt_window_days_of_week=["Sunday", "Saturday"])
            for n, h in ((1, 5), (2, 1))
        ],
    )
    result = run_module(
        magic_connectors, max_concurrency=1, maintenance_window=dict(preset="weekend_nights", today="2027-01-04")
    )
    assert result["api_calls"] == {"GET": 3, "PATCH": 2}, (
        "one connector list, one sites list, one list to check the writes"
    )
    assert result["maintenance_plan"]["verified"] == 2
    plan = result["maintenance_plan"]
    assert plan["ha_groups"] == 1 and plan["windows"] == {"Sun,Sat 01:00 4h": 1, "Sun,Sat 05:00 4h": 1}
    assert plan["sites_used"] is True and plan["lines"][0].startswith("2 of 2 connectors planned, 2 change")


def test_maintenance_window_settings_are_refused_before_any_call(api, run_module):
    # ansible-core validates the sub-options' types and choices, naming the option, before the module builds a client
    # (the api fixture fails the test on any call).
    result = run_module(magic_connectors, maintenance_window=dict(preset="weekend_nights", hour="two"))
    # ansible-core's own words, which vary by version ("of type str" on 2.19+, "of type <class 'str'>" before)
    assert result["failed"] and result["msg"].startswith("argument 'hour' is of type ")
    assert "found in 'maintenance_window'" in result["msg"]
    result = run_module(magic_connectors, maintenance_window=dict(preset="weekend_nights", ha_conflict="ignore"))
    assert result["failed"] and "value of ha_conflict must be one of: shift, fail" in result["msg"]
    assert "found in maintenance_window" in result["msg"]


@pytest.mark.parametrize(
    "prefix, name",
    [
        ("", "maintenance_window.business_hours"),
        ("maintenance_window_", "maintenance_window_business_hours"),
        ("maintenance_window_apply_", "maintenance_window_apply_business_hours"),
    ],
)
def test_rules_ansible_cannot_express_name_the_option_or_the_role_variable(api, run_module, prefix, name):
    result = run_module(
        magic_connectors,
        maintenance_window=dict(preset="weekend_nights", business_hours="8-22"),
        option_prefix=prefix,
    )
    assert result["failed"] and result["msg"] == (
        "%s must be local opening hours such as 09:00-21:00 (HH:MM-HH:MM on a 24-hour clock; the end, at most 24:00, "
        "differs from the start, and one before the start runs past midnight), got '8-22'" % name
    )
    assert result["api_calls"] == {}


@pytest.mark.parametrize(
    "naming, name",
    [({}, "change_freeze.targets[0]"), (dict(option_prefix="change_freeze_"), "change_freeze_connectors[0]")],
)
def test_change_freeze_errors_name_the_option_or_the_role_variable(api, run_module, naming, name):
    api.expect("GET", PATH, result=FLEET[:2])
    result = run_module(
        magic_connectors, change_freeze=dict(dates=["2027-01-01"], targets=[dict(notes="nowhere")]), **naming
    )
    assert result["failed"] and result["msg"].startswith(name + " matches no listed connector")
    assert result["api_calls"] == {"GET": 1}


def test_change_freeze_writes_only_embargo_dates_from_one_list(api, run_module):
    api.expect("GET", PATH, result=FLEET[:2])
    for number in (1, 2):
        api.expect(
            "PATCH",
            PATH + "/%032x" % number,
            body={"interrupt_window_embargo_dates": ["2026-12-24", "2027-01-01"]},
            result=connector(number, interrupt_window_embargo_dates=["2026-12-24", "2027-01-01"]),
        )
    api.expect(
        "GET", PATH, result=[connector(n, interrupt_window_embargo_dates=["2026-12-24", "2027-01-01"]) for n in (1, 2)]
    )
    result = run_module(
        magic_connectors,
        max_concurrency=1,
        purge_embargo_dates=False,
        change_freeze=dict(dates=["2027-01-01"], state="present"),
    )
    assert result["api_calls"] == {"GET": 2, "PATCH": 2}, "one list, and one after writing to check them"
    assert result["maintenance_plan"]["verified"] == 2
    assert result["maintenance_plan"]["freeze"] == ["2027-01-01"]


def test_notes_name_a_connector_when_nothing_else_does(api, run_module):
    api.expect("GET", PATH, result=FLEET)
    api.expect(
        "PATCH", PATH + "/%032x" % 3, body={"timezone": "Europe/Berlin"}, result=connector(3, timezone="Europe/Berlin")
    )
    result = run_module(magic_connectors, connectors=[dict(notes="site-03", timezone="Europe/Berlin")])
    assert result["magic_connectors"][0] == dict(
        id="%032x" % 3,
        notes="site-03",
        status="changed",
        changed=True,
        action="update",
        changes={"timezone": "Europe/Berlin"},
    )


def test_ambiguous_notes_fail_before_any_write_naming_the_matches(api, run_module):
    api.expect("GET", PATH, result=[connector(1, notes="twin"), connector(2, notes="twin"), connector(4, notes="")])
    result = run_module(magic_connectors, connectors=[dict(notes="twin", timezone="UTC")])
    assert result["failed"] and "connectors[0].notes matches 2 connectors (%032x, %032x)" % (1, 2) in result["msg"], (
        result["msg"]
    )
    assert api.writes() == []


@pytest.mark.parametrize("notes", ["", "   "])
def test_empty_notes_are_refused_before_any_call(api, run_module, notes):
    result = run_module(
        magic_connectors, connectors=[dict(id="%032x" % 1, timezone="UTC"), dict(notes=notes, timezone="UTC")]
    )
    assert result["failed"] and result["msg"].startswith("connectors[1].notes must not be empty"), result["msg"]
    assert api.calls == []


def test_create_missing_creates_for_a_device_and_absent_deletes(api, run_module):
    new = connector(9, notes="new branch")
    api.expect("GET", PATH, result=FLEET)
    api.expect("POST", PATH, body={"device": {"serial_number": "SN09"}, "notes": "new branch"}, result=new)
    api.expect("DELETE", PATH + "/%032x" % 2, result=connector(2))
    result = run_module(
        magic_connectors,
        create_missing=True,
        max_concurrency=1,
        diff=True,
        connectors=[
            dict(device_serial_number="SN09", notes="new branch"),
            dict(notes="site-02", state="absent"),
            dict(device_serial_number="SN77", state="absent"),
        ],
    )
    assert [(e["action"], e["status"]) for e in result["magic_connectors"]] == [
        ("create", "changed"),
        ("delete", "changed"),
        ("delete", "unchanged"),
    ]
    assert result["magic_connectors"][0]["id"] == new["id"]
    assert result["api_calls"] == {"GET": 1, "POST": 1, "DELETE": 1}
    assert result["diff"][1]["before"]["notes"] == "site-02" and result["diff"][1]["after"] == {}


def test_without_create_missing_a_new_device_is_an_error_before_any_write(api, run_module):
    api.expect("GET", PATH, result=FLEET)
    result = run_module(
        magic_connectors, connectors=[dict(id=FLEET[0]["id"], notes="x"), dict(device_serial_number="SN09")]
    )
    assert (
        result["failed"]
        and "connectors[1].device_serial_number matches no connector (with create_missing=true" in result["msg"]
    )
    assert api.writes() == []


def test_settings_with_state_absent_are_refused_before_any_call(api, run_module):
    result = run_module(
        magic_connectors, connectors=[dict(device_serial_number="SN01", state="absent", timezone="UTC")]
    )
    assert result["failed"] and "connectors[0].timezone cannot be used with state=absent" in result["msg"]
    assert api.calls == []


def test_a_create_whose_answer_is_lost_is_found_again_before_anything_else_is_sent(api, run_module):
    created = connector(9, notes="n9")
    api.expect("GET", PATH, result=FLEET)
    api.expect("POST", PATH, status=502)  # processed, but the answer was lost: never sent again
    api.expect("GET", PATH, result=FLEET + [created])
    api.expect("PATCH", PATH + "/%032x" % 1, result=connector(1, notes="n1"))
    result = run_module(
        magic_connectors,
        create_missing=True,
        max_concurrency=1,
        connectors=[dict(device_serial_number="SN09", notes="n9"), dict(id=FLEET[0]["id"], notes="n1")],
    )
    assert "failed" not in result, result.get("msg")
    assert [c.method for c in api.calls] == ["GET", "POST", "GET", "PATCH"]
    assert result["magic_connectors"][0]["id"] == created["id"] and "a re-read shows the change landed" in str(
        result["warnings"]
    )


def test_a_failed_300_connector_run_says_so_in_under_4_kb(api, run_module):
    fleet = [connector(n, notes="store-%04d with a long descriptive note about the place" % n) for n in range(1, 301)]
    api.expect("GET", PATH, result=fleet)
    api.expect("PATCH", PATH + "/[0-9a-f]{32}", status=403, errors=[{"code": 9109, "message": "Unauthorized " * 50}])
    result = run_module(
        magic_connectors, max_concurrency=1, connectors=[dict(id=c["id"], timezone="Europe/Berlin") for c in fleet]
    )
    assert result["failed"] and len(result["msg"]) < 4096, len(result["msg"])
    assert "store-0" in result["msg"] and "more" in result["msg"]
    assert result["summary"]["failed"] + result["summary"]["not_sent"] == 300


def _size_without_lingering_warnings(result):
    """The result's size as JSON. Module warnings of earlier tests linger in this process's results (ansible-core
    keeps them globally; a real module runs in a process of its own): they are left out."""
    return len(json.dumps(dict((k, v) for k, v in result.items() if k != "warnings")))


def _long_fleet(count):
    return [
        connector(n, notes="store-%04d with a long descriptive note about the place" % n) for n in range(1, count + 1)
    ]


def test_a_failed_800_connector_run_returns_under_8_kb(api, run_module):
    """Issue 23: a failed fleet run returned one 363 KB line. The first write fails (an expired token, say): the
    result counts the 799 others and says once why they were not sent. 1.0.0: 272 KB on ansible-core 2.21 and 365 KB
    on 2.16 (whose results carry every option in "invocation"); now 3.2 KB and 6.1 KB."""
    fleet = _long_fleet(800)
    api.expect("GET", PATH, result=fleet)
    api.expect("PATCH", PATH + "/[0-9a-f]{32}", status=403, errors=[{"code": 9109, "message": "Unauthorized " * 50}])
    result = run_module(
        magic_connectors, max_concurrency=1, connectors=[dict(id=c["id"], timezone="Europe/Berlin") for c in fleet]
    )
    size = _size_without_lingering_warnings(result)
    assert result["failed"] and size < 8192, size
    assert result["summary"] == dict(total=800, changed=0, unchanged=0, failed=1, not_sent=799)
    assert [e["index"] for e in result["magic_connectors"]] == [0] and "and 780 more" in result["msg"]


def test_a_failed_300_connector_run_returns_under_8_kb_whatever_the_concurrency(api, run_module):
    """The whole result of a failed 300-connector run (not only its message) stays short: with 4 writes under way at
    the first failure, every write sent is accounted for (changed or failed, with its index) and the rest counted."""
    fleet = _long_fleet(300)
    api.expect("GET", PATH, result=fleet)
    api.expect("PATCH", PATH + "/[0-9a-f]{32}", status=403, errors=[{"code": 9109, "message": "Unauthorized " * 50}])
    result = run_module(
        magic_connectors,
        max_concurrency=4,
        max_retries=0,
        connectors=[dict(id=c["id"], timezone="Europe/Berlin") for c in fleet],
    )
    size = _size_without_lingering_warnings(result)
    summary = result["summary"]
    assert result["failed"] and size < 8192, size
    assert summary["failed"] >= 1 and summary["failed"] + summary["not_sent"] == 300
    assert [e["status"] for e in result["magic_connectors"]] == ["failed"] * summary["failed"]
    assert all(len(e["error"]) <= 400 for e in result["magic_connectors"])


def test_identical_changes_are_one_diff_block_listing_the_connectors(api, run_module):
    api.expect("GET", PATH, result=FLEET)
    for number in range(1, 6):
        api.expect("PATCH", PATH + "/[0-9a-f]{32}", result=connector(number, timezone="Asia/Tokyo"))
    result = run_module(
        magic_connectors,
        diff=True,
        diff_summary=True,
        connectors=[dict(id=c["id"], timezone="Asia/Tokyo") for c in FLEET],
    )
    assert len(result["diff"]) == 1
    assert result["diff"][0]["before_header"].startswith("5 connectors: site-0")
    assert result["diff"][0]["after"] == {"timezone": "Asia/Tokyo"}


def test_change_freeze_fails_naming_the_dates_another_run_took_away(api, run_module):
    api.expect("GET", PATH, result=FLEET[:1])
    api.expect(
        "PATCH",
        PATH + "/%032x" % 1,
        body={"interrupt_window_embargo_dates": ["2026-12-24", "2027-01-01"]},
        result=connector(1, interrupt_window_embargo_dates=["2026-12-24", "2027-01-01"]),
    )
    # Another run wrote the list it had read, with its own date: this run's date is gone.
    api.expect("GET", PATH, result=[connector(1, interrupt_window_embargo_dates=["2026-12-24", "2027-02-01"])])
    result = run_module(
        magic_connectors, purge_embargo_dates=False, change_freeze=dict(dates=["2027-01-01"], state="present")
    )
    assert result["failed"] and "embargo dates written by this run are gone" in result["msg"]
    assert "site-01 (%032x) lost 2027-01-01" % 1 in result["msg"] and "run the roles one at a time" in result["msg"]
    assert result["summary"]["changed"] == 1, "the result still says what was written"
