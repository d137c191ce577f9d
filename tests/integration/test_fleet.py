# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""magic_connectors with real ansible-playbook against the simulator with a scaled rate limit: a fleet bigger than
one budget window converges in one run without a single 429, also while another consumer spends a third of the
budget; rate_limit_wait 0 stops and reports; bulk create and delete; a failed run's message stays short.

The rate limit is scaled down (a few dozen requests per 5 s) so that several windows pass in seconds. No test
asserts on wall time.
"""

from __future__ import annotations

import json

import pytest

from ansible_collections.cloudflare.magic_transit.tests.helpers import stored_connectors

# The client's pacing and the module at scale: the same code on every controller (ansible-core 2.21 only).
pytestmark = pytest.mark.main_controller

SPARE_SERIALS = ["MWC2405C0101", "MWC2405C0102", "MWC2405C0103"]


def fleet(simulator):
    return sorted(
        (c for c in stored_connectors(simulator).values() if (c.get("notes") or "").startswith("fleet-")),
        key=lambda c: c["notes"],
    )


@pytest.fixture
def run_fleet(ansible, tmp_path):
    def run(entries, check=False, diff=False, rc=0, **options):
        result_file = tmp_path / "result.json"
        extra = dict(
            fleet_connectors=entries,
            result_file=str(result_file),
            fleet_may_fail=rc != 0,
            **dict(("fleet_" + k, v) for k, v in options.items()),
        )
        run = ansible.playbook("fleet.yml", check=check, diff=diff, extra_vars=extra, rc=0)
        return json.loads(result_file.read_text()), run

    return run


def statuses(simulator):
    return [r["status"] for r in simulator.requests()]


def test_a_fleet_bigger_than_one_budget_converges_in_one_run_without_a_429(simulator, run_fleet):
    simulator.add_fleet(40)
    simulator.set_faults(rate_limit={"requests": 24, "window": 5, "mode": "fixed"})
    simulator.clear_log()
    entries = [
        dict(id=c["id"], interrupt_window_hour_of_day=(c["interrupt_window_hour_of_day"] + 1) % 24)
        for c in fleet(simulator)
    ]
    result = run_fleet(entries)[0]
    assert result["summary"]["changed"] == 40 and not result.get("failed"), result.get("msg")
    assert 429 not in statuses(simulator) and result["pacing"]["rate_limited"] == 0
    assert result["pacing"]["pauses"] >= 1, "41 requests at 24 per 5 s take more than one window"
    assert [r["method"] for r in simulator.requests()].count("PATCH") == 40

    simulator.clear_log()
    result = run_fleet(entries)[0]
    assert result["changed"] is False and [r["method"] for r in simulator.requests()] == ["GET"]


def test_a_shared_budget_run_leaves_room_for_the_other_consumer(simulator, run_fleet):
    simulator.add_fleet(40)
    simulator.set_faults(rate_limit={"requests": 45, "window": 5}, other_consumer={"requests": 15, "window": 5})
    simulator.clear_log()
    entries = [dict(id=c["id"], notes=c["notes"] + " shared") for c in fleet(simulator)]
    result = run_fleet(entries)[0]
    assert result["summary"]["changed"] == 40 and not result.get("failed"), result.get("msg")
    assert 429 not in statuses(simulator)
    rate = simulator.admin("GET", "rate")[simulator.account_id]
    assert rate == dict(rate, blocked=False, other_refused=0), "the other consumer never met the block either"


def test_rate_limit_wait_0_keeps_stop_and_report(simulator, run_fleet):
    simulator.add_fleet(40)
    simulator.set_faults(rate_limit={"requests": 24, "window": 5, "mode": "fixed"})
    simulator.clear_log()
    entries = [dict(id=c["id"], notes=c["notes"] + " stop") for c in fleet(simulator)]
    result, run = run_fleet(entries, rc=1, rate_limit_wait=0)
    assert result["failed"] and "Cloudflare's rate limit leaves" in result["msg"]
    assert result["summary"]["not_sent"] > 0 and result["summary"]["changed"] + result["summary"]["not_sent"] == 40
    assert result["pacing"]["pauses"] == 0 and 429 not in statuses(simulator)
    assert "fleet-000" in result["msg"], "the connectors not sent are named by their notes"


def test_bulk_create_and_delete_check_apply_reapply(simulator, run_fleet):
    before = stored_connectors(simulator)
    doomed = next(c for c in before.values() if c["notes"] == "syd-branch-07 primary (awaiting activation)")
    entries = [
        dict(device_serial_number=serial, notes="new store %d" % n, timezone="Europe/Berlin")
        for n, serial in enumerate(SPARE_SERIALS)
    ] + [dict(notes="syd-branch-07 primary (awaiting activation)", state="absent")]

    result, run = run_fleet(entries, check=True, diff=True, create_missing=True)
    assert simulator.writes() == [] and stored_connectors(simulator) == before
    assert result["summary"]["changed"] == 4 and "new store 0" in run.stdout

    simulator.clear_log()
    result = run_fleet(entries, create_missing=True)[0]
    assert sorted(r["method"] for r in simulator.writes()) == ["DELETE", "POST", "POST", "POST"]
    after = stored_connectors(simulator)
    assert doomed["id"] not in after
    created = [c for c in after.values() if c["notes"].startswith("new store")]
    assert sorted(c["device"]["serial_number"] for c in created) == SPARE_SERIALS
    assert {c["timezone"] for c in created} == {"Europe/Berlin"}
    assert [e["action"] for e in result["magic_connectors"]] == ["create"] * 3 + ["delete"]

    simulator.clear_log()
    result = run_fleet(entries, create_missing=True)[0]
    assert result["changed"] is False and simulator.writes() == []


def test_a_failed_300_connector_run_names_connectors_in_under_4_kb(simulator, run_fleet, ansible):
    simulator.add_fleet(300)
    entries = [dict(id=c["id"], notes=c["notes"] + " with a longer note than most") for c in fleet(simulator)]
    simulator.add_rule(match={"method": "PATCH"}, action="status", status=403, times=1000)
    result, run = run_fleet(entries, rc=1)
    assert result["failed"] and len(result["msg"].encode()) < 4096, len(result["msg"])
    assert result["summary"]["failed"] + result["summary"]["not_sent"] == 300
    assert "fleet-00001" in result["msg"] and "and 2" in result["msg"]
    assert len(simulator.writes()) <= 4, "nothing more is sent after the first failure than was under way"
    # The whole failure stays short too (issue 23: one 363 KB line for 800 connectors): what failed, with its index,
    # the rest counted; the longest line Ansible printed is the failed task's result.
    assert len(json.dumps(result)) < 8192 and max(len(line) for line in run.stdout.splitlines()) < 8192
    assert [e["status"] for e in result["magic_connectors"]] == ["failed"] * result["summary"]["failed"]
    assert result["not_sent_reason"].startswith("not sent after the write of fleet-0")


def test_twenty_virtual_appliances_onboarded_in_one_task(simulator, run_fleet, tmp_path):
    """provision_license in bulk: check mode writes nothing (no call but the list, no file), apply creates 20
    connectors and writes 20 key files of mode 0600 (no key in the output), a re-run writes nothing at all."""
    key_dir = tmp_path / "keys"
    key_dir.mkdir()
    entries = [dict(notes="onboard vcon %02d" % n, provision_license=True, timezone="Europe/Berlin") for n in range(20)]
    simulator.clear_log()
    result = run_fleet(entries, check=True, license_key_dir=str(key_dir))[0]
    assert result["changed"] is True and result["summary"]["changed"] == 20
    assert [r["method"] for r in simulator.requests()] == ["GET"] and list(key_dir.iterdir()) == []

    simulator.clear_log()
    result, run = run_fleet(entries, license_key_dir=str(key_dir))
    assert result["summary"]["changed"] == 20 and not result.get("failed"), result.get("msg")
    assert [r["method"] for r in simulator.requests()].count("POST") == 20
    files = sorted(key_dir.iterdir())
    assert [path.name for path in files] == ["onboard_vcon_%02d.key" % n for n in range(20)]
    keys = [path.read_text(encoding="utf-8").strip() for path in files]
    assert len(set(keys)) == 20 and all(key.startswith("MWCL-") for key in keys)
    assert all(oct(path.stat().st_mode & 0o777) == "0o600" for path in files)
    assert not any(key in run.output for key in keys), "a license key meant for a file was printed"
    created = [c for c in stored_connectors(simulator).values() if (c.get("notes") or "").startswith("onboard vcon ")]
    assert len(created) == 20 and all(c["device"]["type"] == "LICENSED" for c in created)

    mtimes = [path.stat().st_mtime_ns for path in files]
    simulator.clear_log()
    result = run_fleet(entries, license_key_dir=str(key_dir))[0]
    assert result["changed"] is False and [r["method"] for r in simulator.requests()] == ["GET"]
    assert [path.stat().st_mtime_ns for path in sorted(key_dir.iterdir())] == mtimes
