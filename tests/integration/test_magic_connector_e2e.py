# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""magic_connector, magic_connector_info and magic_connector_interrupt through real ansible runs: settings, site_id and
primary, virtual appliances found by serial number, re-keys into a file, unknown serial numbers, asynchronous
interrupts (one pending at a time)."""

from __future__ import annotations

import hashlib
import os
import stat

import pytest

from ansible_collections.cloudflare.magic_transit.tests.helpers import connector_list, result_of, stored

FREE_DEVICE = "MWC2405C0101"  # a registered hardware device without a connector in the sample data
BERLIN = "MWC2301A0417"  # the device of "ber-branch-01 primary"
SYDNEY = "dd54928d783446aeb068b242b1e286a1"  # syd-branch-07 primary: no site yet
SYDNEY_SITE = "9d3e5f7a1b2c4d6e8f0a2b4c6d8e0f1a"
NEW_YORK = "d5fcbf8464854891bdc163cff7831dc1"  # nyc-dc-02 primary
NEW_YORK_NOTES = "nyc-dc-02 primary"
FREE_VIRTUAL_SERIAL = "CFVA-9681D2552EC5"  # a registered virtual device without a connector
CONNECTOR = "cloudflare.magic_transit.magic_connector"
INTERRUPT = "cloudflare.magic_transit.magic_connector_interrupt"


def by_serial(simulator, serial):
    found = [c for c in connector_list(simulator) if c["device"].get("serial_number") == serial]
    assert len(found) <= 1
    return found[0] if found else None


def test_create_check_apply_reapply(ansible, simulator):
    count = len(connector_list(simulator))
    ansible.playbook(
        "magic_connector_create.yml",
        check=True,
        diff=True,
        extra_vars=dict(device_serial=FREE_DEVICE, expect_changed=True),
    )
    assert simulator.writes() == [] and by_serial(simulator, FREE_DEVICE) is None

    ansible.playbook(
        "magic_connector_create.yml", diff=True, extra_vars=dict(device_serial=FREE_DEVICE, expect_changed=True)
    )
    assert [w["method"] for w in simulator.writes()] == ["POST"]
    created = by_serial(simulator, FREE_DEVICE)
    assert created["timezone"] == "Europe/Berlin" and created["interrupt_window_hour_of_day"] == 2

    simulator.clear_log()
    ansible.playbook("magic_connector_create.yml", extra_vars=dict(device_serial=FREE_DEVICE, expect_changed=False))
    assert simulator.writes() == [] and len(connector_list(simulator)) == count + 1


def test_each_setting_is_edited_with_one_patch(ansible, simulator):
    ansible.playbook("magic_connector_settings.yml", extra_vars=dict(device_serial=BERLIN))
    patches = simulator.writes()
    assert [w["method"] for w in patches] == ["PATCH"] * 7
    assert all(len(w["body"]) == 1 for w in patches), "only the differing field is sent"
    berlin = by_serial(simulator, BERLIN)
    assert berlin["interrupt_window_days_of_week"] == ["Monday", "Tuesday"]
    assert berlin["timezone"] == "Europe/Lisbon"


def test_settings_in_check_mode_write_nothing(ansible, simulator):
    before = by_serial(simulator, BERLIN)
    run = ansible.adhoc(
        "cloudflare.magic_transit.magic_connector",
        "device_serial_number=%s timezone=UTC interrupt_window_hour_of_day=5" % BERLIN,
        "--check",
        "--diff",
    )
    assert "CHANGED" in run.stdout and '"timezone": "UTC"' in run.stdout
    assert "Europe/Berlin" in run.stdout, "the diff shows the value before"
    assert simulator.writes() == [] and by_serial(simulator, BERLIN) == before


def test_embargo_merge_and_purge(ansible, simulator):
    ansible.playbook("magic_connector_embargo.yml", extra_vars=dict(device_serial=BERLIN))
    assert by_serial(simulator, BERLIN)["interrupt_window_embargo_dates"] == ["2027-06-01"]


def test_virtual_connector_create_find_rekey(ansible, simulator):
    run = ansible.playbook("magic_connector_virtual.yml")
    assert [w["method"] for w in simulator.writes()] == ["POST", "PATCH"]
    assert sum(1 for c in connector_list(simulator) if c.get("notes") == "fra-aws-vcon-01") == 1
    assert "license_key" not in run.output or "censored" in run.output


def test_delete_check_apply_reapply(ansible, simulator):
    ansible.playbook(
        "magic_connector_delete.yml", check=True, diff=True, extra_vars=dict(device_serial=BERLIN, expect_changed=True)
    )
    assert simulator.writes() == [] and by_serial(simulator, BERLIN) is not None
    ansible.playbook(
        "magic_connector_delete.yml", diff=True, extra_vars=dict(device_serial=BERLIN, expect_changed=True)
    )
    assert [w["method"] for w in simulator.writes()] == ["DELETE"] and by_serial(simulator, BERLIN) is None
    simulator.clear_log()
    ansible.playbook("magic_connector_delete.yml", extra_vars=dict(device_serial=BERLIN, expect_changed=False))
    assert simulator.writes() == []


def test_interrupt(ansible, simulator):
    # The Berlin primary's store peer must look online for as long as the test runs: appliances report every 10 s.
    simulator.admin("PUT", "settings", {"heartbeat_interval": 10})
    ansible.playbook("magic_connector_interrupt.yml", check=True, extra_vars=dict(device_serial=BERLIN))
    assert simulator.writes() == []
    ansible.playbook("magic_connector_interrupt.yml", extra_vars=dict(device_serial=BERLIN))
    writes = simulator.writes()
    assert (
        len(writes) == 1
        and writes[0]["path"].endswith("/interrupts")
        and writes[0]["body"] == {"reboot": {"purge": False}}
    )


@pytest.mark.parametrize(
    "module_args, message",
    [
        (
            "device_serial_number=%s interrupt_window_hour_of_day=24" % BERLIN,
            "interrupt_window_hour_of_day must be from 0 to 23",
        ),
        (
            "device_serial_number=%s interrupt_window_duration_hours=0" % BERLIN,
            "interrupt_window_duration_hours must be from 1 to 24",
        ),
        ("device_serial_number=%s timezone=Mars/Olympus_Mons" % BERLIN, "timezone must be an IANA time zone name"),
        ("device_serial_number=%s interrupt_window_days_of_week=Caturday" % BERLIN, "must list days of the week"),
        (
            "device_serial_number=%s interrupt_window_embargo_dates=2026-13-01" % BERLIN,
            "must list real dates written YYYY-MM-DD",
        ),
        ("id=../../etc timezone=UTC", "id must be 1 to 32 letters or digits"),
    ],
)
def test_bad_input_fails_before_any_call(ansible, simulator, module_args, message):
    run = ansible.adhoc("cloudflare.magic_transit.magic_connector", module_args, rc=2)
    assert message in run.stdout
    assert simulator.requests() == []


def test_api_error_is_surfaced_with_code_and_message(ansible, simulator):
    run = ansible.adhoc(
        "cloudflare.magic_transit.magic_connector",
        "device_serial_number=%s timezone=UTC" % BERLIN,
        rc=2,
        env=dict(CLOUDFLARE_API_TOKEN=simulator.readonly_token),
    )
    assert "PATCH /accounts/%s/magic/connectors/" % simulator.account_id in run.stdout and ": 403 code " in run.stdout
    assert simulator.readonly_token not in run.output


def test_info_adhoc_with_filters(ansible, simulator):
    run = ansible.adhoc("cloudflare.magic_transit.magic_connector_info", "device_type=LICENSED")
    assert "sfo-lab virtual connector" in run.stdout and "ber-branch-01" not in run.stdout
    assert [r["query"] for r in simulator.requests()] == [{"device_type": "LICENSED"}]


VIRTUAL_NOTES = "sfo-lab virtual connector"  # a virtual (LICENSED) connector of the sample data


def test_rekey_by_notes_check_apply_and_again(ansible, simulator, tmp_path):
    """rekey works with notes as the identity: check mode says the key would be rotated and writes nothing (neither to
    Cloudflare nor to the file); apply rotates it and saves it with mode 0600; a second apply rotates it again (a
    re-key is not idempotent by nature) and the output never shows a key."""
    dest = tmp_path / "sfo.key"
    args = "notes='%s' rekey=true license_key_dest=%s" % (VIRTUAL_NOTES, dest)
    run = ansible.adhoc("cloudflare.magic_transit.magic_connector", args, "--check", "--diff")
    assert "the license key would be rotated (check mode: nothing was sent)" in run.stdout
    assert "key will be rotated" in run.stdout and simulator.writes() == [] and not dest.exists()

    keys = []
    for attempt in ("first", "second"):
        run = ansible.adhoc("cloudflare.magic_transit.magic_connector", args)
        assert "license key rotated" in run.stdout and "CHANGED" in run.stdout, attempt
        keys.append(dest.read_text(encoding="utf-8").strip())
        assert oct(dest.stat().st_mode & 0o777) == "0o600" and keys[-1] not in run.output
    assert [w["method"] for w in simulator.writes()] == ["PATCH", "PATCH"] and keys[0] != keys[1]


def test_info_notes_pattern_and_near_match_warning(ansible, simulator):
    run = ansible.adhoc("cloudflare.magic_transit.magic_connector_info", "notes_pattern='^sfo-lab'")
    assert VIRTUAL_NOTES in run.stdout and "ber-branch-01" not in run.stdout
    run = ansible.adhoc("cloudflare.magic_transit.magic_connector_info", "notes='SFO-lab virtual connector'")
    # (ansible-core 2.16 wraps a warning's lines: compared with its white space as single spaces)
    assert "match no connector exactly (near matches: '%s'" % VIRTUAL_NOTES in " ".join(run.output.split())
    assert [r["method"] for r in simulator.requests()] == ["GET", "GET"]


def posts(simulator, path_end):
    return [w for w in simulator.writes() if w["method"] == "POST" and w["path"].endswith(path_end)]


# --- site_id and primary ----------------------------------------------------------------------------------


@pytest.mark.usefixtures("older_connector_schema")  # the 2026-08 form: connectors carry both fields
def test_site_id_and_primary_check_apply_reapply(ansible, simulator):
    args = "id=%s site_id=%s primary=false" % (SYDNEY, SYDNEY_SITE)
    run = ansible.adhoc(CONNECTOR, args, "--check", "--diff")
    assert "CHANGED" in run.stdout and simulator.writes() == []
    assert simulator.connector(SYDNEY).get("site_id") in (None, "")

    result = result_of(ansible.adhoc(CONNECTOR, args))
    assert result["changed"] is True and result["magic_connector"]["site_id"] == SYDNEY_SITE
    assert [(w["method"], w["body"]) for w in simulator.writes()] == [
        ("PATCH", {"site_id": SYDNEY_SITE, "primary": False})
    ]
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
    vcon = result_of(ansible.adhoc(CONNECTOR, "device_serial_number=%s notes=vcon" % FREE_VIRTUAL_SERIAL))[
        "magic_connector"
    ]
    dest = tmp_path / "keys" / "vcon.key"
    dest.parent.mkdir()

    check = ansible.adhoc(
        CONNECTOR,
        "device_serial_number=%s provision_license=true license_key_dest=%s" % (FREE_VIRTUAL_SERIAL, dest),
        "--check",
        "--diff",
    )
    assert "CHANGED" in check.stdout and "revoked at once" in check.stdout
    assert not dest.exists() and [w["method"] for w in simulator.writes()] == ["POST"]

    simulator.clear_log()
    run = ansible.adhoc(
        CONNECTOR,
        "device_serial_number=%s provision_license=true license_key_dest=%s" % (FREE_VIRTUAL_SERIAL, dest),
        "-vvvv",
        "--diff",
    )
    result = result_of(run)
    assert result["changed"] is True and result["license_key_dest"] == str(dest)
    assert [(w["method"], w["body"]) for w in simulator.writes()] == [("PATCH", {"provision_license": True})]
    assert stat.S_IMODE(os.stat(dest).st_mode) == 0o600
    key = dest.read_text().strip()
    assert key and key not in run.output, "the license key is in the file only"
    device = stored(simulator, "devices")[vcon["device"]["id"]]
    assert device["license_fingerprint"] == hashlib.sha256(key.encode()).hexdigest()[:16], (
        "the file holds the valid key"
    )
    assert sorted(os.listdir(dest.parent)) == ["vcon.key"]


def test_rekey_into_an_unwritable_folder_sends_nothing(ansible, simulator, tmp_path):
    run = ansible.adhoc(
        CONNECTOR,
        "device_serial_number=%s notes=new provision_license=true license_key_dest=%s"
        % (FREE_VIRTUAL_SERIAL, tmp_path / "missing" / "vcon.key"),
        rc=2,
    )
    assert "license_key_dest must be in an existing directory" in run.stdout
    assert simulator.requests() == []


# --- unknown serial numbers ----------------------------------------------------------------------------


def test_strict_devices_unknown_serial_is_named_and_nothing_created(ansible, simulator):
    simulator.admin("PUT", "settings", {"strict_devices": True})
    count = len(stored(simulator, "connectors"))
    run = ansible.adhoc(CONNECTOR, "device_serial_number=MWC9999Z9999 notes=typo", rc=2)
    assert "device_serial_number names no device Cloudflare knows" in run.stdout and "MWC9999Z9999" in run.stdout
    assert "no connector was created" in run.stdout
    assert len(stored(simulator, "connectors")) == count


# --- interrupts --------------------------------------------------------------------------------------------


def test_interrupt_by_notes_then_pending_then_409(ansible, simulator):
    simulator.admin("PUT", "settings", {"interrupt_delay": "never"})
    first = result_of(ansible.adhoc(INTERRUPT, "notes='%s' action=reboot" % NEW_YORK_NOTES))
    assert first["changed"] is True and first["msg"] == "reboot submitted to connector '%s' (%s)" % (
        NEW_YORK_NOTES,
        NEW_YORK,
    )
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
    assert len(stored(simulator, "interrupts")[NEW_YORK]) == 1, "only the first"


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
