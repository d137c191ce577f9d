# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Cloudflare's newest published API through real ansible runs: connector sites and primary, virtual appliances
found by serial number, re-keys into a file, unknown serial numbers, asynchronous interrupts (one pending at a
time) and the newest interconnect rules judged by the server in check mode."""

from __future__ import annotations

import hashlib
import json
import os
import stat

import pytest

SYDNEY = "dd54928d783446aeb068b242b1e286a1"      # syd-branch-07 primary: no site yet
SYDNEY_SITE = "9d3e5f7a1b2c4d6e8f0a2b4c6d8e0f1a"
NEW_YORK = "d5fcbf8464854891bdc163cff7831dc1"    # nyc-dc-02 primary
NEW_YORK_NOTES = "nyc-dc-02 primary"
FREE_VIRTUAL_SERIAL = "CFVA-9681D2552EC5"         # a registered virtual device without a connector
FREE_VIRTUAL_DEVICE = "9681d2552ec53ab9a801ed434a5b4680"
FRA_GRE = "db6e162c8771430c90b14f6378e8f5cf"      # fra-gre-1, version 1
AMS_V15 = "c0a66efd2b834c23976c56694bb0a45c"      # ams-cni-1, version 1.5
LAB_ACCOUNT = "7d4c2b1a0f9e8d7c6b5a4f3e2d1c0b9a"
LAB_GRE = "f1e2d3c4b5a647382910abcdef012345"

CONNECTOR = "cloudflare.magic_transit.magic_connector"
INTERRUPT = "cloudflare.magic_transit.magic_connector_interrupt"
INTERCONNECT = "cloudflare.magic_transit.cf_interconnect"


def result_of(run):
    """The module result of a one-host ad-hoc run (``localhost | CHANGED => {...}``)."""
    return json.loads(run.stdout.split("=>", 1)[1])


def posts(simulator, path_end):
    return [w for w in simulator.writes() if w["method"] == "POST" and w["path"].endswith(path_end)]


# --- site_id and primary (the older connector schema; the newest keeps HA membership on sites) -------------------

@pytest.mark.usefixtures("older_connector_schema")  # the 2026-08 form: connectors carry both fields
def test_site_id_and_primary_check_apply_reapply(ansible, simulator):
    args = "id=%s site_id=%s primary=false" % (SYDNEY, SYDNEY_SITE)
    run = ansible.adhoc(CONNECTOR, args, "--check", "--diff")
    assert "CHANGED" in run.stdout and simulator.writes() == []
    assert simulator.connector(SYDNEY).get("site_id") in (None, "")

    result = result_of(ansible.adhoc(CONNECTOR, args))
    assert result["changed"] is True and result["magic_connector"]["site_id"] == SYDNEY_SITE
    assert [(w["method"], w["body"]) for w in simulator.writes()] == [("PATCH", {"site_id": SYDNEY_SITE, "primary": False})]
    stored = simulator.connector(SYDNEY)
    assert stored["site_id"] == SYDNEY_SITE and stored["primary"] is False

    simulator.clear_log()
    assert result_of(ansible.adhoc(CONNECTOR, args))["changed"] is False
    assert simulator.writes() == []


@pytest.mark.usefixtures("older_connector_schema")  # the 2026-08 form: connectors carry both fields
def test_site_id_and_primary_in_fleet_entries(ansible, simulator):
    entries = [dict(id=SYDNEY, site_id=SYDNEY_SITE, primary=True), dict(id=NEW_YORK, primary=False)]
    ansible.playbook("magic_connectors_sites.yml", extra_vars=dict(entries=entries, expect_changed=True))
    bodies = dict((w["path"].rsplit("/", 1)[1], w["body"]) for w in simulator.writes())
    assert bodies == {SYDNEY: {"site_id": SYDNEY_SITE}, NEW_YORK: {"primary": False}}, "only what differs is sent"
    assert simulator.connector(SYDNEY)["site_id"] == SYDNEY_SITE and simulator.connector(NEW_YORK)["primary"] is False
    simulator.clear_log()
    ansible.playbook("magic_connectors_sites.yml", extra_vars=dict(entries=entries, expect_changed=False))
    assert simulator.writes() == []


# --- virtual appliances have serial numbers ----------------------------------------------------------------

def test_virtual_connector_created_and_found_by_its_serial_number(ansible, simulator):
    args = "device_serial_number=%s notes='gcp vcon' timezone=UTC" % FREE_VIRTUAL_SERIAL
    created = result_of(ansible.adhoc(CONNECTOR, args))
    assert created["changed"] is True and created["magic_connector"]["device"]["type"] == "LICENSED"
    assert [w["body"]["device"] for w in simulator.writes()] == [{"serial_number": FREE_VIRTUAL_SERIAL}]
    simulator.clear_log()
    found = result_of(ansible.adhoc(CONNECTOR, args))
    assert found["changed"] is False and found["magic_connector"]["id"] == created["magic_connector"]["id"]
    assert simulator.writes() == []


def test_rekey_into_license_key_dest_leaks_no_key(ansible, simulator, tmp_path):
    vcon = result_of(ansible.adhoc(CONNECTOR, "device_serial_number=%s notes=vcon" % FREE_VIRTUAL_SERIAL))["magic_connector"]
    dest = tmp_path / "keys" / "vcon.key"
    dest.parent.mkdir()

    check = ansible.adhoc(CONNECTOR, "device_serial_number=%s provision_license=true license_key_dest=%s" % (FREE_VIRTUAL_SERIAL, dest),
                          "--check", "--diff")
    assert "CHANGED" in check.stdout and "revoked at once" in check.stdout
    assert not dest.exists() and [w["method"] for w in simulator.writes()] == ["POST"]

    simulator.clear_log()
    run = ansible.adhoc(CONNECTOR, "device_serial_number=%s provision_license=true license_key_dest=%s" % (FREE_VIRTUAL_SERIAL, dest),
                        "-vvvv", "--diff")
    result = result_of(run)
    assert result["changed"] is True and result["license_key_dest"] == str(dest)
    assert [(w["method"], w["body"]) for w in simulator.writes()] == [("PATCH", {"provision_license": True})]
    assert stat.S_IMODE(os.stat(dest).st_mode) == 0o600
    key = dest.read_text().strip()
    assert key and key not in run.output, "the license key is in the file only"
    device = simulator.state()["accounts"][simulator.account_id]["devices"][vcon["device"]["id"]]
    assert device["license_fingerprint"] == hashlib.sha256(key.encode()).hexdigest()[:16], "the file holds the valid key"
    assert sorted(os.listdir(dest.parent)) == ["vcon.key"]


def test_rekey_into_an_unwritable_folder_sends_nothing(ansible, simulator, tmp_path):
    run = ansible.adhoc(CONNECTOR, "device_serial_number=%s notes=new provision_license=true license_key_dest=%s"
                        % (FREE_VIRTUAL_SERIAL, tmp_path / "missing" / "vcon.key"), rc=2)
    assert "license_key_dest must be in an existing directory" in run.stdout
    assert simulator.requests() == []


# --- unknown serial numbers ----------------------------------------------------------------------------

def test_strict_devices_unknown_serial_is_named_and_nothing_created(ansible, simulator):
    simulator.admin("PUT", "settings", {"strict_devices": True})
    count = len(simulator.state()["accounts"][simulator.account_id]["connectors"])
    run = ansible.adhoc(CONNECTOR, "device_serial_number=MWC9999Z9999 notes=typo", rc=2)
    assert "device_serial_number names no device Cloudflare knows" in run.stdout and "MWC9999Z9999" in run.stdout
    assert "no connector was created" in run.stdout
    assert len(simulator.state()["accounts"][simulator.account_id]["connectors"]) == count


# --- interrupts --------------------------------------------------------------------------------------------

def test_interrupt_by_notes_then_pending_then_409(ansible, simulator):
    simulator.admin("PUT", "settings", {"interrupt_delay": "never"})
    first = result_of(ansible.adhoc(INTERRUPT, "notes='%s' action=reboot" % NEW_YORK_NOTES))
    assert first["changed"] is True and first["msg"] == "reboot submitted to connector '%s' (%s)" % (NEW_YORK_NOTES, NEW_YORK)
    assert len(posts(simulator, "/interrupts")) == 1

    # Pending: refused from the interrupts read first, in check mode and for real; nothing is sent.
    for extra in (["--check"], []):
        run = ansible.adhoc(INTERRUPT, "notes='%s' action=restart" % NEW_YORK_NOTES, *extra, rc=2)
        assert "a reboot is already pending since %s" % first["magic_connector_interrupt"]["submitted_at"] in run.stdout
    assert len(posts(simulator, "/interrupts")) == 1

    # Another operator is faster: the read sees nothing pending, Cloudflare answers 409. One POST, never two.
    simulator.add_rule(match={"method": "GET", "path": "/interrupts$"}, action="shape", shape="empty_list")
    run = ansible.adhoc(INTERRUPT, "id=%s action=restart" % NEW_YORK, rc=2)
    assert "a reboot is already pending since" in run.stdout and "Nothing was written" in run.stdout
    statuses = [w["status"] for w in posts(simulator, "/interrupts")]
    assert statuses == [200, 409], "the 409 POST was not repeated"
    assert len(simulator.state()["accounts"][simulator.account_id]["interrupts"][NEW_YORK]) == 1, "only the first"


def test_interrupt_wait_returns_triggered_at(ansible, simulator):
    simulator.admin("PUT", "settings", {"interrupt_delay": 2})
    ansible.playbook("magic_connector_interrupt_wait.yml", extra_vars=dict(notes=NEW_YORK_NOTES))
    assert len(posts(simulator, "/interrupts")) == 1
    polls = [r for r in simulator.requests("GET") if r["path"].endswith("/interrupts")]
    assert 2 <= len(polls) <= 6, "a sensible interval: %d reads for a 2 s delay" % len(polls)


def test_interrupt_whose_answer_was_lost_is_not_sent_again(ansible, simulator):
    simulator.add_rule(match={"method": "POST", "path": "/interrupts$"}, action="status", status=502, when="after")
    run = ansible.adhoc(INTERRUPT, "id=%s action=reboot" % NEW_YORK)
    assert result_of(run)["changed"] is True and "show it was received" in run.output
    assert len(posts(simulator, "/interrupts")) == 1


# --- interconnects: the newest rules, judged by Cloudflare in check mode --------------------------------------

def test_newest_interconnect_rules_are_judged_by_the_server_in_check_mode(ansible, simulator):
    before = simulator.interconnect(FRA_GRE)
    # The newest text: a /30 or /31, a /31 on version 1.5. The module lets a /29 through (an older text allowed it on
    # 1.5, as the .3 host), and the server refuses it (validate_only), on every version.
    run = ansible.adhoc(INTERCONNECT, "id=%s interface_address=10.212.0.19/29" % FRA_GRE, "--check", rc=2)
    assert "interface_address" in run.stdout and "400 code 1004" in run.stdout
    run = ansible.adhoc(INTERCONNECT, "id=%s interface_address=10.212.0.19/29" % AMS_V15, "--check", rc=2)
    assert "interface_address must be a /31 prefix on version 1.5 interconnects" in run.stdout
    # A /31 on version 1.5 is allowed.
    run = ansible.adhoc(INTERCONNECT, "id=%s interface_address=10.212.0.20/31" % AMS_V15, "--check")
    assert "CHANGED" in run.stdout
    writes = simulator.writes()
    assert [(w["method"], w["query"]) for w in writes] == [("PUT", {"validate_only": "true"})] * 3
    assert simulator.interconnect(FRA_GRE) == before and simulator.interconnect(AMS_V15)["interface_address"] == "10.212.0.10/31"


def test_automatic_return_routing_needs_the_account_flag(ansible, simulator):
    run = ansible.adhoc(INTERCONNECT, "id=%s automatic_return_routing=true" % LAB_GRE, "--check", rc=2,
                        env=dict(CLOUDFLARE_ACCOUNT_ID=LAB_ACCOUNT))
    assert "automatic_return_routing" in run.stdout and "coupler_integration" in run.stdout
    assert [w["query"] for w in simulator.writes()] == [{"validate_only": "true"}]
    assert simulator.interconnect(LAB_GRE)["automatic_return_routing"] is False
