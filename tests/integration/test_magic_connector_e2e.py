# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""magic_connector, magic_connector_info and magic_connector_interrupt through real ansible runs."""

from __future__ import annotations

import pytest

FREE_DEVICE = "MWC2405C0101"  # a registered hardware device without a connector in the sample data
BERLIN = "MWC2301A0417"       # the device of "ber-branch-01 primary"


def connectors(simulator):
    return list(simulator.state()["accounts"][simulator.account_id]["connectors"].values())


def by_serial(simulator, serial):
    found = [c for c in connectors(simulator) if c["device"].get("serial_number") == serial]
    assert len(found) <= 1
    return found[0] if found else None


def test_create_check_apply_reapply(ansible, simulator):
    count = len(connectors(simulator))
    ansible.playbook("magic_connector_create.yml", check=True, diff=True,
                     extra_vars=dict(device_serial=FREE_DEVICE, expect_changed=True))
    assert simulator.writes() == [] and by_serial(simulator, FREE_DEVICE) is None

    ansible.playbook("magic_connector_create.yml", diff=True, extra_vars=dict(device_serial=FREE_DEVICE, expect_changed=True))
    assert [w["method"] for w in simulator.writes()] == ["POST"]
    created = by_serial(simulator, FREE_DEVICE)
    assert created["timezone"] == "Europe/Berlin" and created["interrupt_window_hour_of_day"] == 2

    simulator.clear_log()
    ansible.playbook("magic_connector_create.yml", extra_vars=dict(device_serial=FREE_DEVICE, expect_changed=False))
    assert simulator.writes() == [] and len(connectors(simulator)) == count + 1


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
    run = ansible.adhoc("cloudflare.magic_transit.magic_connector",
                        "device_serial_number=%s timezone=UTC interrupt_window_hour_of_day=5" % BERLIN, "--check", "--diff")
    assert "CHANGED" in run.stdout and '"timezone": "UTC"' in run.stdout
    assert "Europe/Berlin" in run.stdout, "the diff shows the value before"
    assert simulator.writes() == [] and by_serial(simulator, BERLIN) == before


def test_embargo_merge_and_purge(ansible, simulator):
    ansible.playbook("magic_connector_embargo.yml", extra_vars=dict(device_serial=BERLIN))
    assert by_serial(simulator, BERLIN)["interrupt_window_embargo_dates"] == ["2027-06-01"]


def test_virtual_connector_create_find_rekey(ansible, simulator):
    run = ansible.playbook("magic_connector_virtual.yml")
    assert [w["method"] for w in simulator.writes()] == ["POST", "PATCH"]
    assert sum(1 for c in connectors(simulator) if c.get("notes") == "fra-aws-vcon-01") == 1
    assert "license_key" not in run.output or "censored" in run.output


def test_delete_check_apply_reapply(ansible, simulator):
    ansible.playbook("magic_connector_delete.yml", check=True, diff=True, extra_vars=dict(device_serial=BERLIN, expect_changed=True))
    assert simulator.writes() == [] and by_serial(simulator, BERLIN) is not None
    ansible.playbook("magic_connector_delete.yml", diff=True, extra_vars=dict(device_serial=BERLIN, expect_changed=True))
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
    assert len(writes) == 1 and writes[0]["path"].endswith("/interrupts") and writes[0]["body"] == {"reboot": {"purge": False}}


@pytest.mark.parametrize("module_args, message", [
    ("device_serial_number=%s interrupt_window_hour_of_day=24" % BERLIN, "interrupt_window_hour_of_day must be from 0 to 23"),
    ("device_serial_number=%s interrupt_window_duration_hours=0" % BERLIN, "interrupt_window_duration_hours must be from 1 to 24"),
    ("device_serial_number=%s timezone=Mars/Olympus_Mons" % BERLIN, "timezone must be an IANA time zone name"),
    ("device_serial_number=%s interrupt_window_days_of_week=Caturday" % BERLIN, "must list days of the week"),
    ("device_serial_number=%s interrupt_window_embargo_dates=2026-13-01" % BERLIN, "must list real dates written YYYY-MM-DD"),
    ("id=../../etc timezone=UTC", "id must be 1 to 32 letters or digits"),
])
def test_bad_input_fails_before_any_call(ansible, simulator, module_args, message):
    run = ansible.adhoc("cloudflare.magic_transit.magic_connector", module_args, rc=2)
    assert message in run.stdout
    assert simulator.requests() == []


def test_api_error_is_surfaced_with_code_and_message(ansible, simulator):
    run = ansible.adhoc("cloudflare.magic_transit.magic_connector", "device_serial_number=%s timezone=UTC" % BERLIN,
                        rc=2, env=dict(CLOUDFLARE_API_TOKEN=simulator.readonly_token))
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
