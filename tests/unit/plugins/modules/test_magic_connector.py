# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import functools

import pytest
import requests

from ansible_collections.cloudflare.magic_transit.plugins.modules import (
    magic_connector,
    magic_connector_info,
    magic_connector_interrupt,
    magic_connectors,
)
from ansible_collections.cloudflare.magic_transit.tests.helpers import edited
from ansible_collections.cloudflare.magic_transit.tests.unit.fake_api import ACCOUNT

PATH = "/accounts/%s/magic/connectors" % ACCOUNT
SITES = "/accounts/%s/magic/sites" % ACCOUNT
ID = "4f1c2b3a5d6e7f8091a2b3c4d5e6f708"
SERIAL = "CF1A2B3C4D"
LICENSE = "LICENSE-KEY-SECRET-0001"
CONNECTOR = {
    "id": ID,
    "activated": True,
    "notes": "ber-branch-01 primary",
    "timezone": "Europe/Berlin",
    "interrupt_window_days_of_week": ["Saturday", "Sunday"],
    "interrupt_window_hour_of_day": 2.0,
    "interrupt_window_duration_hours": 4.0,
    "interrupt_window_embargo_dates": ["2026-12-24", "2026-12-31"],
    "device": {"id": "9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d", "serial_number": SERIAL, "type": "MANAGED"},
    "last_updated": "2026-11-01T00:00:00Z",
}
OTHER = dict(
    CONNECTOR, id="e" * 32, notes="muc-branch-02", device={"id": "d" * 32, "serial_number": "CF999", "type": "MANAGED"}
)
VIRTUAL = dict(CONNECTOR, id="c" * 32, notes="aws vcon", device={"id": "b" * 32, "type": "LICENSED"})
# The seed's "ber-branch-01 primary" and a virtual connector with a service tag, as the newest schema answers them.
SITE = "5f8e0b3a2c6d4e1f9a7b8c0d1e2f3a4b"
VCON_LICENSE = "mconn-LICENSE-KEY-SECRET-0002"
BER_PRIMARY = {
    "id": ID,
    "activated": True,
    "notes": "ber-branch-01 primary",
    "timezone": "Europe/Berlin",
    "interrupt_window_hour_of_day": 2.0,
    "interrupt_window_duration_hours": 4.0,
    "device": {"id": "9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d", "serial_number": "MWC2301A0417", "type": "MANAGED"},
}
AWS_VCON = {
    "id": "c" * 32,
    "notes": "aws vcon",
    "primary": True,
    "device": {"id": "b" * 32, "serial_number": "CFVA-BBBBBBBBBBBB", "type": "LICENSED"},
}


connector = functools.partial(edited, CONNECTOR)
ber_primary = functools.partial(edited, BER_PRIMARY)


def test_edit_patches_only_what_differs(api, run_module):
    api.expect("GET", PATH, result=[OTHER, CONNECTOR])
    api.expect(
        "PATCH",
        PATH + "/" + ID,
        body={"interrupt_window_hour_of_day": 3},
        result=connector(interrupt_window_hour_of_day=3),
    )
    result = run_module(
        magic_connector,
        device_serial_number=SERIAL,
        interrupt_window_hour_of_day=3,
        interrupt_window_duration_hours=4,
        interrupt_window_days_of_week=["sunday", "SATURDAY", "Sunday"],
        timezone="Europe/Berlin",
    )
    assert result["changed"] is True and result["magic_connector"]["interrupt_window_hour_of_day"] == 3
    assert result["api_calls"] == {"GET": 1, "PATCH": 1}


def test_no_change_is_not_changed_and_writes_nothing(api, run_module):
    api.expect("GET", PATH + "/" + ID, result=CONNECTOR)
    result = run_module(
        magic_connector,
        id=ID,
        interrupt_window_hour_of_day=2,
        interrupt_window_duration_hours=4,
        interrupt_window_embargo_dates=["2026-12-31", "2026-12-24"],
        activated=True,
    )
    assert result["changed"] is False and api.writes() == []


def test_check_mode_sends_no_write_and_predicts_the_object(api, run_module):
    api.expect("GET", PATH + "/" + ID, result=CONNECTOR)
    result = run_module(
        magic_connector, check_mode=True, diff=True, id=ID, timezone="UTC", interrupt_window_days_of_week=["monday"]
    )
    assert result["changed"] is True and api.writes() == []
    assert result["magic_connector"]["timezone"] == "UTC"
    assert result["diff"] == {
        "before": {"timezone": "Europe/Berlin", "interrupt_window_days_of_week": ["Sunday", "Saturday"]},
        "after": {"timezone": "UTC", "interrupt_window_days_of_week": ["Monday"]},
    }


def test_create_for_a_serial_number(api, run_module):
    created = connector(id="a" * 32, device={"id": "f" * 32, "serial_number": "CFNEW", "type": "MANAGED"}, notes="new")
    api.expect("GET", PATH, result=[CONNECTOR])
    api.expect(
        "POST", PATH, body={"device": {"serial_number": "CFNEW"}, "notes": "new", "timezone": "UTC"}, result=created
    )
    result = run_module(magic_connector, diff=True, device_serial_number="CFNEW", notes="new", timezone="UTC")
    assert result["changed"] is True and result["magic_connector"]["id"] == "a" * 32
    assert result["diff"]["before"] == {} and result["diff"]["after"]["device"]["serial_number"] == "CFNEW"


def test_create_in_check_mode_sends_nothing(api, run_module):
    api.expect("GET", PATH, result=[CONNECTOR])
    result = run_module(magic_connector, check_mode=True, device_id="f" * 32, notes="new")
    assert result["changed"] is True and api.writes() == []
    assert result["magic_connector"] == {"device": {"id": "f" * 32}, "notes": "new"}


def test_virtual_connector_is_created_once_and_found_by_notes(api, run_module):
    created = dict(VIRTUAL, license_key=LICENSE)
    api.expect("GET", PATH, result=[CONNECTOR])
    api.expect("POST", PATH, body={"device": {"provision_license": True}, "notes": "aws vcon"}, result=created)
    result = run_module(magic_connector, diff=True, notes="aws vcon", provision_license=True)
    assert result["magic_connector"]["license_key"] == LICENSE, "returned once, in the documented result"
    assert LICENSE not in repr(result["diff"])
    api.expect("GET", PATH, result=[CONNECTOR, VIRTUAL])
    assert run_module(magic_connector, notes="aws vcon", provision_license=True)["changed"] is False


def test_rekey_is_always_a_change_and_never_in_check_mode(api, run_module):
    api.expect("GET", PATH + "/" + VIRTUAL["id"], result=VIRTUAL)
    result = run_module(magic_connector, check_mode=True, id=VIRTUAL["id"], provision_license=True)
    assert result["changed"] is True and api.writes() == []
    api.expect("GET", PATH + "/" + VIRTUAL["id"], result=VIRTUAL)
    api.expect(
        "PATCH", PATH + "/" + VIRTUAL["id"], body={"provision_license": True}, result=dict(VIRTUAL, license_key=LICENSE)
    )
    result = run_module(magic_connector, id=VIRTUAL["id"], provision_license=True)
    assert result["changed"] is True and result["magic_connector"]["license_key"] == LICENSE


@pytest.mark.parametrize(
    "purge, given, sent",
    [
        (True, ["2027-01-01"], ["2027-01-01"]),
        (False, ["2027-01-01", "2026-12-24"], ["2026-12-24", "2026-12-31", "2027-01-01"]),
    ],
)
def test_embargo_dates_purge_or_merge(api, run_module, purge, given, sent):
    api.expect("GET", PATH + "/" + ID, result=CONNECTOR)
    api.expect(
        "PATCH",
        PATH + "/" + ID,
        body={"interrupt_window_embargo_dates": sent},
        result=connector(interrupt_window_embargo_dates=sent),
    )
    assert run_module(magic_connector, id=ID, interrupt_window_embargo_dates=given, purge_embargo_dates=purge)[
        "changed"
    ]


def test_merge_that_adds_nothing_is_no_change(api, run_module):
    api.expect("GET", PATH + "/" + ID, result=CONNECTOR)
    assert not run_module(
        magic_connector, id=ID, interrupt_window_embargo_dates=["2026-12-24"], purge_embargo_dates=False
    )["changed"]


def test_merge_past_100_dates_fails_before_any_write(api, run_module):
    dates = ["2027-%02d-%02d" % (m, d) for m in range(1, 5) for d in range(1, 26)]  # 100 new + 2 present
    api.expect("GET", PATH + "/" + ID, result=CONNECTOR)
    result = run_module(magic_connector, id=ID, interrupt_window_embargo_dates=dates, purge_embargo_dates=False)
    assert (
        result["failed"]
        and "interrupt_window_embargo_dates may hold at most 100 dates (after merging), got 102" in result["msg"]
    )
    assert api.writes() == []


def test_delete_then_absent_is_a_no_op(api, run_module):
    api.expect("GET", PATH, result=[CONNECTOR])
    api.expect("DELETE", PATH + "/" + ID, result=CONNECTOR)
    result = run_module(magic_connector, diff=True, device_serial_number=SERIAL, state="absent")
    assert result["changed"] is True and result["diff"]["after"] == {} and result["diff"]["before"]["id"] == ID
    api.expect("GET", PATH, result=[])
    assert run_module(magic_connector, device_serial_number=SERIAL, state="absent")["changed"] is False


def test_delete_in_check_mode_sends_nothing(api, run_module):
    api.expect("GET", PATH + "/" + ID, result=CONNECTOR)
    assert run_module(magic_connector, check_mode=True, id=ID, state="absent")["changed"] is True
    assert api.writes() == []


def test_a_different_device_is_an_error_not_a_replacement(api, run_module):
    api.expect("GET", PATH + "/" + ID, result=CONNECTOR)
    result = run_module(magic_connector, id=ID, device_serial_number="CFOTHER", notes="x")
    assert result["failed"] and result["msg"].startswith("device_serial_number cannot change")
    assert api.writes() == []


def test_create_whose_answer_was_lost_is_found_again_not_duplicated(api, run_module):
    created = connector(id="a" * 32, device={"id": "f" * 32, "serial_number": "CFNEW", "type": "MANAGED"}, notes="new")
    api.expect("GET", PATH, result=[CONNECTOR])
    api.expect("POST", PATH, raises=requests.exceptions.ConnectionError("RemoteDisconnected"))
    api.expect("GET", PATH, result=[CONNECTOR, created])
    result = run_module(magic_connector, device_serial_number="CFNEW", notes="new")
    assert result["changed"] is True and result["magic_connector"]["id"] == "a" * 32
    assert [c.method for c in api.calls].count("POST") == 1


@pytest.mark.parametrize(
    "args, message",
    [
        (dict(id=ID, interrupt_window_hour_of_day=24), "interrupt_window_hour_of_day must be from 0 to 23"),
        (dict(id=ID, interrupt_window_hour_of_day=-1), "interrupt_window_hour_of_day must be from 0 to 23"),
        (dict(id=ID, interrupt_window_duration_hours=0), "interrupt_window_duration_hours must be from 1 to 24"),
        (dict(id=ID, interrupt_window_duration_hours=25), "interrupt_window_duration_hours must be from 1 to 24"),
        (dict(id=ID, timezone="Europe/Atlantis"), "timezone must be an IANA time zone name"),
        (
            dict(id=ID, interrupt_window_days_of_week=["Funday"]),
            "interrupt_window_days_of_week must list days of the week",
        ),
        (dict(id=ID, interrupt_window_embargo_dates=["2026-02-30"]), "must list real dates written YYYY-MM-DD"),
        (dict(id=ID, interrupt_window_embargo_dates=["24.12.2026"]), "must list real dates written YYYY-MM-DD"),
        (dict(id=ID, interrupt_window_embargo_dates=["2026%04d" % i for i in range(1)]), "must list real dates"),
        (
            dict(
                id=ID,
                interrupt_window_embargo_dates=["2027-01-%02d" % d for d in range(1, 32)]
                + ["2027-03-%02d" % d for d in range(1, 32)]
                + ["2027-05-%02d" % d for d in range(1, 32)]
                + ["2027-07-%02d" % d for d in range(1, 9)],
            ),
            "may hold at most 100 dates",
        ),
        (dict(id="not/an/id"), "id must be 1 to 32 letters or digits"),
        (dict(device_id="x" * 40), "device_id must be 1 to 32 letters or digits"),
        (dict(id=ID, state="absent", provision_license=True), "provision_license cannot be used with state=absent"),
        (dict(activated=True), "one of the following is required: id, device_id, device_serial_number, notes"),
        (dict(id=ID, api_token=None), "api_token is required"),
    ],
)
def test_bad_input_fails_before_any_call(api, run_module, args, message):
    result = run_module(magic_connector, **args)
    assert result["failed"] and message in result["msg"], result["msg"]
    assert api.calls == []


def test_notes_without_provision_license_must_find_one(api, run_module):
    api.expect("GET", PATH, result=[CONNECTOR])
    result = run_module(magic_connector, notes="unknown", timezone="UTC")
    assert result["failed"] and "set provision_license=true" in result["msg"]


def test_unknown_id_fails(api, run_module):
    api.expect("GET", PATH + "/" + ID, status=404, errors=[{"code": 1003, "message": "not found"}])
    assert "id must identify an existing connector" in run_module(magic_connector, id=ID, timezone="UTC")["msg"]


def test_api_error_surfaces_cloudflare_code_and_message(api, run_module):
    api.expect("GET", PATH + "/" + ID, result=CONNECTOR)
    api.expect(
        "PATCH",
        PATH + "/" + ID,
        status=403,
        errors=[{"code": 9109, "message": "Unauthorized to access requested resource"}],
    )
    result = run_module(magic_connector, id=ID, notes="changed")
    assert result["failed"] and "403 code 9109: Unauthorized to access requested resource" in result["msg"]


def test_info_filters_and_opt_in_telemetry(api, run_module):
    api.expect(
        "GET", PATH, params={"device_type": "MANAGED"}, result=[CONNECTOR, connector(id="e" * 32, activated=False)]
    )
    api.expect("GET", PATH + "/" + ID + "/telemetry/snapshots/latest", result={"items": [{"t": 1}]})
    result = run_module(magic_connector_info, device_type="MANAGED", activated=True, telemetry=True)
    assert [c["id"] for c in result["magic_connectors"]] == [ID]
    assert result["magic_connectors"][0]["telemetry_latest"] == {"items": [{"t": 1}]}
    assert result["api_calls"] == {"GET": 2}


def test_interrupt_always_changes_and_sends_nothing_in_check_mode(api, run_module):
    api.expect("GET", PATH, result=[CONNECTOR])
    api.expect("GET", PATH + "/" + ID + "/interrupts", result=[])
    api.expect("GET", SITES, params={"connectorid": ID}, result=[])
    result = run_module(magic_connector_interrupt, check_mode=True, device_serial_number=SERIAL, action="reboot")
    assert result["changed"] is True and api.writes() == []
    api.expect("GET", PATH, result=[CONNECTOR])
    api.expect("GET", PATH + "/" + ID + "/interrupts", result=[])
    api.expect("GET", SITES, params={"connectorid": ID}, result=[])
    api.expect(
        "POST",
        PATH + "/" + ID + "/interrupts",
        body={"restart": {"purge": True}},
        result={"restart": {"purge": True}, "submitted_at": "2026-11-22T03:15:00Z"},
    )
    result = run_module(magic_connector_interrupt, device_serial_number=SERIAL, action="restart", purge=True)
    assert result["changed"] is True and result["magic_connector_interrupt"]["restart"] == {"purge": True}


def test_interrupt_post_is_not_repeated_when_the_answer_was_lost(api, run_module):
    api.expect("GET", PATH + "/" + ID, result=CONNECTOR)
    api.expect("GET", PATH + "/" + ID + "/interrupts", result=[])
    api.expect("GET", SITES, params={"connectorid": ID}, result=[])
    api.expect("POST", PATH + "/" + ID + "/interrupts", raises=requests.exceptions.ReadTimeout("read timed out"))
    api.expect("GET", PATH + "/" + ID + "/interrupts", result=[])
    result = run_module(magic_connector_interrupt, id=ID, action="reboot")
    assert result["failed"] and result["error"]["outcome_unknown"] is True
    assert "show no new reboot: most likely it was not received. It was not sent again" in result["msg"]
    assert [c.method for c in api.calls].count("POST") == 1


def test_rekey_of_a_hardware_connector_is_refused_before_any_write(api, run_module):
    api.expect("GET", PATH + "/" + ID, result=CONNECTOR)
    result = run_module(magic_connector, id=ID, provision_license=True)
    assert result["failed"] and result["msg"].startswith(
        "provision_license re-keys only connectors of virtual (LICENSED)"
    )
    assert api.writes() == []


def test_provision_license_with_a_serial_number_is_refused(api, run_module):
    api.expect("GET", PATH, result=[CONNECTOR])
    result = run_module(magic_connector, device_serial_number="CFNEW", provision_license=True)
    assert (
        result["failed"]
        and "provision_license with device_serial_number 'CFNEW', which has no connector yet, is "
        "refused before any write"
        in result["msg"]
    )
    assert api.writes() == []


def test_a_license_key_lost_with_its_answer_is_replaced_by_a_fresh_one(api, run_module):
    api.expect("GET", PATH + "/" + VIRTUAL["id"], result=VIRTUAL)
    api.expect("PATCH", PATH + "/" + VIRTUAL["id"], raw="{broken")
    api.expect("GET", PATH + "/" + VIRTUAL["id"], result=VIRTUAL)
    api.expect(
        "PATCH", PATH + "/" + VIRTUAL["id"], body={"provision_license": True}, result=dict(VIRTUAL, license_key=LICENSE)
    )
    result = run_module(magic_connector, id=VIRTUAL["id"], provision_license=True)
    assert result["changed"] and result["magic_connector"]["license_key"] == LICENSE
    assert "so it was re-keyed" in repr(result["warnings"])


def test_info_refuses_a_bad_id_before_any_call(api, run_module):
    result = run_module(magic_connector_info, id="../x")
    assert result["failed"] and result["msg"].startswith("id must be 1 to 32 letters or digits")
    assert api.calls == []


# --- site_id and primary --------------------------------------------------------------------------------


def test_site_id_and_primary_are_patched_when_they_differ_and_shown_in_the_diff(api, run_module):
    api.expect("GET", PATH + "/" + ID, result=ber_primary(primary=True))
    api.expect(
        "PATCH",
        PATH + "/" + ID,
        body={"site_id": SITE, "primary": False},
        result=ber_primary(site_id=SITE, primary=False),
    )
    result = run_module(magic_connector, diff=True, id=ID, site_id=SITE, primary=False)
    assert result["changed"] is True
    assert result["diff"] == {"before": {"site_id": "", "primary": True}, "after": {"site_id": SITE, "primary": False}}


def test_site_id_and_primary_as_they_are_write_nothing(api, run_module):
    api.expect("GET", PATH + "/" + ID, result=ber_primary(site_id=SITE, primary=False))
    assert run_module(magic_connector, id=ID, site_id=SITE, primary=False)["changed"] is False
    # An answer with one of them means Cloudflare's default for the other: no site, primary.
    api.expect("GET", PATH + "/" + ID, result=ber_primary(primary=True))
    assert run_module(magic_connector, id=ID, site_id="", primary=True)["changed"] is False
    # An answer with neither is Cloudflare's newest schema (issue 24): both are refused before any write.
    api.expect("GET", PATH + "/" + ID, result=ber_primary())
    result = run_module(magic_connector, id=ID, site_id="", primary=True)
    assert result["failed"] and result["msg"].startswith("site_id cannot be set") and "magic_site" in result["msg"]
    assert api.writes() == []


def test_fleet_entries_take_site_id_and_primary(api, run_module):
    other = ber_primary(id="e" * 32, device={"id": "d" * 32, "serial_number": "MWC2301A0418", "type": "MANAGED"})
    api.expect("GET", PATH, result=[ber_primary(site_id=SITE), other])
    api.expect(
        "PATCH",
        PATH + "/" + "e" * 32,
        body={"site_id": SITE, "primary": False},
        result=dict(other, site_id=SITE, primary=False),
    )
    result = run_module(
        magic_connectors,
        connectors=[
            dict(device_serial_number="MWC2301A0417", site_id=SITE, primary=True),
            dict(device_serial_number="MWC2301A0418", site_id=SITE, primary=False),
        ],
    )
    assert [e["status"] for e in result["magic_connectors"]] == ["unchanged", "changed"]


def test_a_bad_site_id_is_refused_before_any_call(api, run_module):
    result = run_module(magic_connector, id=ID, site_id="../sites")
    assert result["failed"] and result["msg"].startswith("site_id must be 1 to 32 letters or digits")
    assert api.calls == []


# --- unknown devices ------------------------------------------------------------------------------------


def test_an_unknown_serial_number_fails_naming_it_and_saying_nothing_was_created(api, run_module):
    api.expect("GET", PATH, result=[BER_PRIMARY])
    api.expect(
        "POST", PATH, status=404, errors=[{"code": 1003, "message": "no device with serial number MWC9 is registered"}]
    )
    result = run_module(magic_connector, device_serial_number="MWC9", notes="new")
    assert result["failed"] and result["msg"].startswith("device_serial_number names no device Cloudflare knows")
    assert "no connector was created" in result["msg"] and "'MWC9'" in result["msg"]


@pytest.mark.parametrize("status", [500, 502, 504])
def test_a_create_answered_with_a_server_error_is_re_read(api, run_module, status):
    created = ber_primary(
        id="a" * 32, device={"id": "f" * 32, "serial_number": "CFNEW", "type": "MANAGED"}, notes="new"
    )
    api.expect("GET", PATH, result=[BER_PRIMARY])
    api.expect("POST", PATH, status=status)
    api.expect("GET", PATH, result=[BER_PRIMARY, created])
    result = run_module(magic_connector, device_serial_number="CFNEW", notes="new")
    assert result["changed"] is True and result["magic_connector"]["id"] == "a" * 32
    assert "a re-read shows the change landed" in repr(result["warnings"])
    assert [c.method for c in api.calls].count("POST") == 1


@pytest.mark.parametrize(
    "args, message",
    [
        (dict(notes=""), "notes must not be empty"),
        (dict(notes="  ", state="absent"), "notes must not be empty"),
        (dict(device_serial_number=""), "device_serial_number must not be empty"),
    ],
)
def test_an_empty_identity_is_refused_before_any_call(api, run_module, args, message):
    result = run_module(magic_connector, **args)
    assert result["failed"] and result["msg"].startswith(message)
    assert api.calls == []


def test_empty_notes_as_a_setting_are_allowed(api, run_module):
    api.expect("GET", PATH + "/" + ID, result=BER_PRIMARY)
    api.expect("PATCH", PATH + "/" + ID, body={"notes": ""}, result=ber_primary(notes=""))
    assert run_module(magic_connector, id=ID, notes="")["changed"] is True


# --- info: notes ----------------------------------------------------------------------------------------


def test_info_filters_by_exact_notes(api, run_module):
    # Since 1.1.0 (issue 21) notes are compared in Unicode NFC without surrounding white space: a trailing space
    # matches, another case or inner spacing does not.
    api.expect(
        "GET",
        PATH,
        result=[
            BER_PRIMARY,
            AWS_VCON,
            ber_primary(id="e" * 32, notes="ber-branch-01 primary "),
            ber_primary(id="f" * 32, notes="Ber-branch-01 primary"),
            ber_primary(id="a" * 32, notes="ber-branch-01  primary"),
        ],
    )
    result = run_module(magic_connector_info, notes="ber-branch-01 primary")
    assert [c["id"] for c in result["magic_connectors"]] == [ID, "e" * 32]
