# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The connector features of Cloudflare's newest schema at the HTTP boundary: site_id and primary, license keys
written to a file, unknown serial numbers, asynchronous interrupts (one pending at a time), the notes filter."""

from __future__ import annotations

import copy
import json
import os
import stat

import pytest
import requests

from ansible_collections.cloudflare.magic_transit.plugins.modules import (
    magic_connector,
    magic_connector_info,
    magic_connector_interrupt,
    magic_connectors,
)
from ansible_collections.cloudflare.magic_transit.tests.unit.fake_api import ACCOUNT

PATH = "/accounts/%s/magic/connectors" % ACCOUNT
ID = "4f1c2b3a5d6e7f8091a2b3c4d5e6f708"
SITE = "5f8e0b3a2c6d4e1f9a7b8c0d1e2f3a4b"
LICENSE = "mconn-LICENSE-KEY-SECRET-0002"
CONNECTOR = {
    "id": ID, "activated": True, "notes": "ber-branch-01 primary", "timezone": "Europe/Berlin",
    "interrupt_window_hour_of_day": 2.0, "interrupt_window_duration_hours": 4.0,
    "device": {"id": "9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d", "serial_number": "MWC2301A0417", "type": "MANAGED"},
}
VIRTUAL = {"id": "c" * 32, "notes": "aws vcon", "primary": True,
           "device": {"id": "b" * 32, "serial_number": "CFVA-BBBBBBBBBBBB", "type": "LICENSED"}}
INTERRUPTS = PATH + "/" + ID + "/interrupts"
SITES = "/accounts/%s/magic/sites" % ACCOUNT
SUBMITTED = "2026-12-02T07:30:00.123456Z"


def connector(**fields):
    return dict(copy.deepcopy(CONNECTOR), **fields)


# --- site_id and primary --------------------------------------------------------------------------------

def test_site_id_and_primary_are_patched_when_they_differ_and_shown_in_the_diff(api, run_module):
    api.expect("GET", PATH + "/" + ID, result=connector(primary=True))
    api.expect("PATCH", PATH + "/" + ID, body={"site_id": SITE, "primary": False},
               result=connector(site_id=SITE, primary=False))
    result = run_module(magic_connector, diff=True, id=ID, site_id=SITE, primary=False)
    assert result["changed"] is True
    assert result["diff"] == {"before": {"site_id": "", "primary": True}, "after": {"site_id": SITE, "primary": False}}


def test_site_id_and_primary_as_they_are_write_nothing(api, run_module):
    api.expect("GET", PATH + "/" + ID, result=connector(site_id=SITE, primary=False))
    assert run_module(magic_connector, id=ID, site_id=SITE, primary=False)["changed"] is False
    # An answer without them means Cloudflare's defaults: no site, primary.
    api.expect("GET", PATH + "/" + ID, result=connector())
    assert run_module(magic_connector, id=ID, site_id="", primary=True)["changed"] is False
    assert api.writes() == []


def test_fleet_entries_take_site_id_and_primary(api, run_module):
    other = connector(id="e" * 32, device={"id": "d" * 32, "serial_number": "MWC2301A0418", "type": "MANAGED"})
    api.expect("GET", PATH, result=[connector(site_id=SITE), other])
    api.expect("PATCH", PATH + "/" + "e" * 32, body={"site_id": SITE, "primary": False}, result=dict(other, site_id=SITE, primary=False))
    result = run_module(magic_connectors, connectors=[
        dict(device_serial_number="MWC2301A0417", site_id=SITE, primary=True),
        dict(device_serial_number="MWC2301A0418", site_id=SITE, primary=False),
    ])
    assert [e["status"] for e in result["magic_connectors"]] == ["unchanged", "changed"]


def test_a_bad_site_id_is_refused_before_any_call(api, run_module):
    result = run_module(magic_connector, id=ID, site_id="../sites")
    assert result["failed"] and result["msg"].startswith("site_id must be 1 to 32 letters or digits")
    assert api.calls == []


# --- virtual appliances have serial numbers -----------------------------------------------------------------

def test_a_virtual_connector_is_found_by_its_service_tag_and_re_keyed(api, run_module):
    api.expect("GET", PATH, result=[CONNECTOR, VIRTUAL])
    api.expect("PATCH", PATH + "/" + VIRTUAL["id"], body={"provision_license": True}, result=dict(VIRTUAL, license_key=LICENSE))
    result = run_module(magic_connector, device_serial_number="CFVA-BBBBBBBBBBBB", provision_license=True)
    assert result["changed"] is True and result["magic_connector"]["license_key"] == LICENSE


# --- re-keys: the diff, license_key_dest ----------------------------------------------------------------

def test_rekey_in_check_mode_diff_says_the_key_is_rotated_and_shows_no_key(api, run_module):
    api.expect("GET", PATH + "/" + VIRTUAL["id"], result=VIRTUAL)
    result = run_module(magic_connector, check_mode=True, diff=True, id=VIRTUAL["id"], provision_license=True)
    assert result["changed"] is True and api.writes() == []
    assert "revoked" in result["diff"]["before"]["license_key"] and "new key" in result["diff"]["after"]["license_key"]


def test_rekey_into_license_key_dest_writes_a_0600_file_and_returns_only_where(api, run_module, tmp_path):
    dest = tmp_path / "vcon.key"
    api.expect("GET", PATH + "/" + VIRTUAL["id"], result=VIRTUAL)
    api.expect("PATCH", PATH + "/" + VIRTUAL["id"], body={"provision_license": True}, result=dict(VIRTUAL, license_key=LICENSE))
    result = run_module(magic_connector, id=VIRTUAL["id"], provision_license=True, license_key_dest=str(dest))
    assert result["changed"] is True and result["license_key_dest"] == str(dest)
    assert LICENSE not in json.dumps(result)
    assert dest.read_text() == LICENSE + "\n"
    assert stat.S_IMODE(os.stat(dest).st_mode) == 0o600
    assert os.listdir(tmp_path) == ["vcon.key"], "no temporary file is left behind"


def test_create_into_license_key_dest(api, run_module, tmp_path):
    dest = tmp_path / "new.key"
    api.expect("GET", PATH, result=[CONNECTOR])
    api.expect("POST", PATH, body={"device": {"provision_license": True}, "notes": "aws vcon"}, result=dict(VIRTUAL, license_key=LICENSE))
    result = run_module(magic_connector, notes="aws vcon", provision_license=True, license_key_dest=str(dest))
    assert result["license_key_dest"] == str(dest) and dest.read_text().strip() == LICENSE
    assert LICENSE not in json.dumps(result)


def test_a_lost_key_is_replaced_once_into_license_key_dest(api, run_module, tmp_path):
    dest = tmp_path / "vcon.key"
    api.expect("GET", PATH + "/" + VIRTUAL["id"], result=VIRTUAL)
    api.expect("PATCH", PATH + "/" + VIRTUAL["id"], status=502)  # retried: a PATCH is idempotent
    api.expect("PATCH", PATH + "/" + VIRTUAL["id"], raw="{broken")
    api.expect("GET", PATH + "/" + VIRTUAL["id"], result=VIRTUAL)
    api.expect("PATCH", PATH + "/" + VIRTUAL["id"], body={"provision_license": True}, result=dict(VIRTUAL, license_key=LICENSE))
    result = run_module(magic_connector, id=VIRTUAL["id"], provision_license=True, license_key_dest=str(dest))
    assert result["changed"] is True and dest.read_text().strip() == LICENSE
    assert "re-keyed once; the new key is in %s" % dest in repr(result["warnings"])
    assert LICENSE not in json.dumps(result)


def unwritable_folder(tmp_path):
    """A folder this user cannot create files in: a read-only one, or (for root, who may write anywhere) /sys."""
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    for folder in (str(locked), "/sys"):
        try:
            os.close(os.open(os.path.join(folder, "probe"), os.O_CREAT | os.O_WRONLY, 0o600))
        except OSError:
            return folder
        os.unlink(os.path.join(folder, "probe"))
    pytest.skip("no folder on this machine refuses a new file to this user")
    return None


@pytest.mark.parametrize("dest, message", [
    ("{tmp}/missing/vcon.key", "license_key_dest must be in an existing directory"),
    ("{locked}/vcon.key", "license_key_dest must be in a directory this user can write"),
    ("{tmp}", "license_key_dest must be a file path, not a directory"),
])
def test_an_unwritable_license_key_dest_fails_before_any_call(api, run_module, tmp_path, dest, message):
    locked = unwritable_folder(tmp_path) if "{locked}" in dest else None
    for check_mode in (False, True):
        result = run_module(magic_connector, check_mode=check_mode, id=VIRTUAL["id"], provision_license=True,
                            license_key_dest=dest.format(tmp=tmp_path, locked=locked))
        assert result["failed"] and result["msg"].startswith(message), result["msg"]
    assert api.calls == []


def test_license_key_dest_needs_provision_license(api, run_module, tmp_path):
    result = run_module(magic_connector, id=ID, notes="x", license_key_dest=str(tmp_path / "k"))
    assert result["failed"] and result["msg"].startswith("license_key_dest needs provision_license=true")
    assert api.calls == []


# --- unknown devices ------------------------------------------------------------------------------------

def test_an_unknown_serial_number_fails_naming_it_and_saying_nothing_was_created(api, run_module):
    api.expect("GET", PATH, result=[CONNECTOR])
    api.expect("POST", PATH, status=404, errors=[{"code": 1003, "message": "no device with serial number MWC9 is registered"}])
    result = run_module(magic_connector, device_serial_number="MWC9", notes="new")
    assert result["failed"] and result["msg"].startswith("device_serial_number names no device Cloudflare knows")
    assert "no connector was created" in result["msg"] and "'MWC9'" in result["msg"]


@pytest.mark.parametrize("status", [500, 502, 504])
def test_a_create_answered_with_a_server_error_is_re_read(api, run_module, status):
    created = connector(id="a" * 32, device={"id": "f" * 32, "serial_number": "CFNEW", "type": "MANAGED"}, notes="new")
    api.expect("GET", PATH, result=[CONNECTOR])
    api.expect("POST", PATH, status=status)
    api.expect("GET", PATH, result=[CONNECTOR, created])
    result = run_module(magic_connector, device_serial_number="CFNEW", notes="new")
    assert result["changed"] is True and result["magic_connector"]["id"] == "a" * 32
    assert "a re-read shows the change landed" in repr(result["warnings"])
    assert [c.method for c in api.calls].count("POST") == 1


@pytest.mark.parametrize("args, message", [
    (dict(notes=""), "notes must not be empty"),
    (dict(notes="  ", state="absent"), "notes must not be empty"),
    (dict(device_serial_number=""), "device_serial_number must not be empty"),
])
def test_an_empty_identity_is_refused_before_any_call(api, run_module, args, message):
    result = run_module(magic_connector, **args)
    assert result["failed"] and result["msg"].startswith(message)
    assert api.calls == []


def test_empty_notes_as_a_setting_are_allowed(api, run_module):
    api.expect("GET", PATH + "/" + ID, result=CONNECTOR)
    api.expect("PATCH", PATH + "/" + ID, body={"notes": ""}, result=connector(notes=""))
    assert run_module(magic_connector, id=ID, notes="")["changed"] is True


# --- info: notes ----------------------------------------------------------------------------------------

def test_info_filters_by_exact_notes(api, run_module):
    # Since 1.1.0 (issue 21) notes are compared in Unicode NFC without surrounding white space: a trailing space
    # matches, another case or inner spacing does not.
    api.expect("GET", PATH, result=[CONNECTOR, VIRTUAL, connector(id="e" * 32, notes="ber-branch-01 primary "),
                                    connector(id="f" * 32, notes="Ber-branch-01 primary"),
                                    connector(id="a" * 32, notes="ber-branch-01  primary")])
    result = run_module(magic_connector_info, notes="ber-branch-01 primary")
    assert [c["id"] for c in result["magic_connectors"]] == [ID, "e" * 32]


# --- interrupts -----------------------------------------------------------------------------------------

def pending(action="reboot"):
    return {action: {"purge": False}, "submitted_at": SUBMITTED}


def test_interrupt_by_notes_names_the_connector(api, run_module):
    api.expect("GET", PATH, result=[CONNECTOR, VIRTUAL])
    api.expect("GET", INTERRUPTS, result=[dict(pending(), triggered_at="2026-12-01T00:00:00Z")])
    api.expect("GET", SITES, params={"connectorid": ID}, result=[])  # its store peers: none
    api.expect("POST", INTERRUPTS, body={"reboot": {"purge": False}}, result=pending())
    result = run_module(magic_connector_interrupt, notes="ber-branch-01 primary", action="reboot")
    assert result["changed"] is True
    assert result["msg"] == "reboot submitted to connector 'ber-branch-01 primary' (%s)" % ID


def test_ambiguous_notes_fail_listing_the_matches(api, run_module):
    twin = connector(id="e" * 32, device={"id": "d" * 32, "type": "MANAGED"})
    api.expect("GET", PATH, result=[CONNECTOR, twin])
    result = run_module(magic_connector_interrupt, notes="ber-branch-01 primary", action="reboot")
    assert result["failed"] and "notes matches 2 connectors (%s, %s)" % (ID, "e" * 32) in result["msg"]
    assert api.writes() == []


def test_empty_notes_are_refused(api, run_module):
    result = run_module(magic_connector_interrupt, notes="", action="reboot")
    assert result["failed"] and result["msg"].startswith("notes must not be empty") and api.calls == []


@pytest.mark.parametrize("check_mode", [False, True])
def test_a_pending_interrupt_fails_saying_since_when_and_sends_nothing(api, run_module, check_mode):
    api.expect("GET", PATH + "/" + ID, result=CONNECTOR)
    api.expect("GET", INTERRUPTS, result=[pending("restart")])
    result = run_module(magic_connector_interrupt, check_mode=check_mode, id=ID, action="reboot")
    assert result["failed"] and "a restart is already pending since %s" % SUBMITTED in result["msg"]
    assert "Nothing was sent" in result["msg"] and api.writes() == []


def test_a_409_fails_saying_since_when_with_no_second_post(api, run_module):
    api.expect("GET", PATH + "/" + ID, result=CONNECTOR)
    api.expect("GET", INTERRUPTS, result=[])
    api.expect("GET", SITES, params={"connectorid": ID}, result=[])  # its store peers: none
    api.expect("POST", INTERRUPTS, status=409, errors=[{"code": 1006, "message": "already has a pending reboot"}])
    api.expect("GET", INTERRUPTS, result=[pending()])
    result = run_module(magic_connector_interrupt, id=ID, action="reboot")
    assert result["failed"] and "a reboot is already pending since %s" % SUBMITTED in result["msg"]
    assert "Nothing was written" in result["msg"]
    assert [c.method for c in api.calls].count("POST") == 1


def test_check_mode_reports_an_interrupt_that_could_be_submitted(api, run_module):
    api.expect("GET", PATH + "/" + ID, result=CONNECTOR)
    api.expect("GET", INTERRUPTS, result=[dict(pending(), triggered_at="2026-12-01T00:00:00Z")])
    api.expect("GET", SITES, params={"connectorid": ID}, result=[])  # its store peers: none
    result = run_module(magic_connector_interrupt, check_mode=True, id=ID, action="shutdown", purge=True)
    assert result["changed"] is True and result["magic_connector_interrupt"] == {"shutdown": {"purge": True}}
    assert api.writes() == []


def test_wait_polls_until_triggered_at_is_set(api, run_module):
    api.expect("GET", PATH + "/" + ID, result=CONNECTOR)
    api.expect("GET", INTERRUPTS, result=[])
    api.expect("GET", SITES, params={"connectorid": ID}, result=[])  # its store peers: none
    api.expect("POST", INTERRUPTS, result=pending())
    api.expect("GET", INTERRUPTS, result=[pending()])
    api.expect("GET", INTERRUPTS, result=[pending()])
    api.expect("GET", INTERRUPTS, result=[dict(pending(), triggered_at="2026-12-02T07:30:05Z")])
    result = run_module(magic_connector_interrupt, id=ID, action="reboot", wait=True, wait_timeout=60)
    assert result["changed"] is True and result["magic_connector_interrupt"]["triggered_at"] == "2026-12-02T07:30:05Z"
    assert api.sleeps == [1.0, 2.0], "a doubling interval"
    assert "ran at 2026-12-02T07:30:05Z" in result["msg"]


def test_wait_is_bounded_by_wait_timeout(api, run_module):
    api.expect("GET", PATH + "/" + ID, result=CONNECTOR)
    api.expect("GET", INTERRUPTS, result=[])
    api.expect("GET", SITES, params={"connectorid": ID}, result=[])  # its store peers: none
    api.expect("POST", INTERRUPTS, result=pending())
    for poll in range(7):  # polls at once, then after 1, 2, 4, 8, 15 and the last 10 s
        api.expect("GET", INTERRUPTS, result=[pending()])
    result = run_module(magic_connector_interrupt, id=ID, action="reboot", wait=True, wait_timeout=40)
    assert result["failed"] and result["changed"] is True
    assert "has not run within wait_timeout=40 s" in result["msg"] and "do not submit it again" in result["msg"]
    assert sum(api.sleeps) == 40 and max(api.sleeps) <= 15
    assert [c.method for c in api.calls].count("POST") == 1


@pytest.mark.parametrize("failure", [dict(status=502), dict(raises=requests.exceptions.ReadTimeout("read timed out"))])
def test_an_interrupt_whose_answer_was_lost_is_found_in_the_interrupts_not_sent_again(api, run_module, failure):
    api.expect("GET", PATH + "/" + ID, result=CONNECTOR)
    earlier = {"reboot": {"purge": False}, "submitted_at": "2026-12-01T00:00:00Z", "triggered_at": "2026-12-01T00:00:09Z"}
    api.expect("GET", INTERRUPTS, result=[earlier])
    api.expect("GET", SITES, params={"connectorid": ID}, result=[])  # its store peers: none
    api.expect("POST", INTERRUPTS, **failure)
    api.expect("GET", INTERRUPTS, result=[earlier, pending()])
    result = run_module(magic_connector_interrupt, id=ID, action="reboot")
    assert result["changed"] is True and result["magic_connector_interrupt"] == pending()
    assert "show it was received" in repr(result["warnings"])
    assert [c.method for c in api.calls].count("POST") == 1
