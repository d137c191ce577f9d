# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""magic_connector_interrupt at the HTTP boundary: by notes, ambiguous notes, one pending interrupt at a time (409),
check mode, waiting until it ran (bounded by wait_timeout), an answer that was lost."""

from __future__ import annotations

import pytest
import requests

from ansible_collections.cloudflare.magic_transit.plugins.modules import magic_connector_interrupt
from ansible_collections.cloudflare.magic_transit.tests.unit.plugins.modules.test_magic_connector import (
    AWS_VCON,
    BER_PRIMARY,
    ID,
    PATH,
    ber_primary,
)

INTERRUPTS = PATH + "/" + ID + "/interrupts"
SITES = PATH.replace("/connectors", "/sites")
SUBMITTED = "2026-12-02T07:30:00.123456Z"


def pending(action="reboot"):
    return {action: {"purge": False}, "submitted_at": SUBMITTED}


def test_interrupt_by_notes_names_the_connector(api, run_module):
    api.expect("GET", PATH, result=[BER_PRIMARY, AWS_VCON])
    api.expect("GET", INTERRUPTS, result=[dict(pending(), triggered_at="2026-12-01T00:00:00Z")])
    api.expect("GET", SITES, params={"connectorid": ID}, result=[])  # its store peers: none
    api.expect("POST", INTERRUPTS, body={"reboot": {"purge": False}}, result=pending())
    result = run_module(magic_connector_interrupt, notes="ber-branch-01 primary", action="reboot")
    assert result["changed"] is True
    assert result["msg"] == "reboot submitted to connector 'ber-branch-01 primary' (%s)" % ID


def test_ambiguous_notes_fail_listing_the_matches(api, run_module):
    twin = ber_primary(id="e" * 32, device={"id": "d" * 32, "type": "MANAGED"})
    api.expect("GET", PATH, result=[BER_PRIMARY, twin])
    result = run_module(magic_connector_interrupt, notes="ber-branch-01 primary", action="reboot")
    assert result["failed"] and "notes matches 2 connectors (%s, %s)" % (ID, "e" * 32) in result["msg"]
    assert api.writes() == []


def test_empty_notes_are_refused(api, run_module):
    result = run_module(magic_connector_interrupt, notes="", action="reboot")
    assert result["failed"] and result["msg"].startswith("notes must not be empty") and api.calls == []


@pytest.mark.parametrize("check_mode", [False, True])
def test_a_pending_interrupt_fails_saying_since_when_and_sends_nothing(api, run_module, check_mode):
    api.expect("GET", PATH + "/" + ID, result=BER_PRIMARY)
    api.expect("GET", INTERRUPTS, result=[pending("restart")])
    result = run_module(magic_connector_interrupt, check_mode=check_mode, id=ID, action="reboot")
    assert result["failed"] and "a restart is already pending since %s" % SUBMITTED in result["msg"]
    assert "Nothing was sent" in result["msg"] and api.writes() == []


def test_a_409_fails_saying_since_when_with_no_second_post(api, run_module):
    api.expect("GET", PATH + "/" + ID, result=BER_PRIMARY)
    api.expect("GET", INTERRUPTS, result=[])
    api.expect("GET", SITES, params={"connectorid": ID}, result=[])  # its store peers: none
    api.expect("POST", INTERRUPTS, status=409, errors=[{"code": 1006, "message": "already has a pending reboot"}])
    api.expect("GET", INTERRUPTS, result=[pending()])
    result = run_module(magic_connector_interrupt, id=ID, action="reboot")
    assert result["failed"] and "a reboot is already pending since %s" % SUBMITTED in result["msg"]
    assert "Nothing was written" in result["msg"]
    assert [c.method for c in api.calls].count("POST") == 1


def test_check_mode_reports_an_interrupt_that_could_be_submitted(api, run_module):
    api.expect("GET", PATH + "/" + ID, result=BER_PRIMARY)
    api.expect("GET", INTERRUPTS, result=[dict(pending(), triggered_at="2026-12-01T00:00:00Z")])
    api.expect("GET", SITES, params={"connectorid": ID}, result=[])  # its store peers: none
    result = run_module(magic_connector_interrupt, check_mode=True, id=ID, action="shutdown", purge=True)
    assert result["changed"] is True and result["magic_connector_interrupt"] == {"shutdown": {"purge": True}}
    assert api.writes() == []


def test_wait_polls_until_triggered_at_is_set(api, run_module):
    api.expect("GET", PATH + "/" + ID, result=BER_PRIMARY)
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
    api.expect("GET", PATH + "/" + ID, result=BER_PRIMARY)
    api.expect("GET", INTERRUPTS, result=[])
    api.expect("GET", SITES, params={"connectorid": ID}, result=[])  # its store peers: none
    api.expect("POST", INTERRUPTS, result=pending())
    for _poll in range(7):  # polls at once, then after 1, 2, 4, 8, 15 and the last 10 s
        api.expect("GET", INTERRUPTS, result=[pending()])
    result = run_module(magic_connector_interrupt, id=ID, action="reboot", wait=True, wait_timeout=40)
    assert result["failed"] and result["changed"] is True
    assert "has not run within wait_timeout=40 s" in result["msg"] and "do not submit it again" in result["msg"]
    assert sum(api.sleeps) == 40 and max(api.sleeps) <= 15
    assert [c.method for c in api.calls].count("POST") == 1


@pytest.mark.parametrize("failure", [dict(status=502), dict(raises=requests.exceptions.ReadTimeout("read timed out"))])
def test_an_interrupt_whose_answer_was_lost_is_found_in_the_interrupts_not_sent_again(api, run_module, failure):
    api.expect("GET", PATH + "/" + ID, result=BER_PRIMARY)
    earlier = {
        "reboot": {"purge": False},
        "submitted_at": "2026-12-01T00:00:00Z",
        "triggered_at": "2026-12-01T00:00:09Z",
    }
    api.expect("GET", INTERRUPTS, result=[earlier])
    api.expect("GET", SITES, params={"connectorid": ID}, result=[])  # its store peers: none
    api.expect("POST", INTERRUPTS, **failure)
    api.expect("GET", INTERRUPTS, result=[earlier, pending()])
    result = run_module(magic_connector_interrupt, id=ID, action="reboot")
    assert result["changed"] is True and result["magic_connector_interrupt"] == pending()
    assert "show it was received" in repr(result["warnings"])
    assert [c.method for c in api.calls].count("POST") == 1
