# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""magic_export through real ansible runs against the simulator: the seed exported with reads only, a re-export
unchanged, a hostile site name kept as data, and the round trip - the branch role applied to the export writes
nothing but what the export's comments announce, an edit of one field shows as exactly that edit."""

from __future__ import annotations

import json
import re

import pytest
import yaml

PLAYBOOK = "branch_from_export.yml"
HOSTILE = "hostile-{{ 7 * 7 }}-{% raw %}"


def export(ansible, dest, *args):
    run = ansible.adhoc("cloudflare.magic_transit.magic_export", "dest=%s" % dest, *args)
    return json.loads(run.stdout.split(" => ", 1)[1])


def loaded(path):
    class Loader(yaml.SafeLoader):
        pass

    Loader.add_constructor("!unsafe", lambda loader, node: loader.construct_scalar(node))
    return yaml.load(path.read_text(encoding="utf-8"), Loader=Loader)  # noqa: S506 - a safe loader


def test_the_seed_is_exported_with_reads_only_and_a_re_export_changes_nothing(ansible, simulator, tmp_path):
    dest = tmp_path / "estate.yml"
    simulator.clear_log()
    check = export(ansible, dest, "--check")
    assert check["changed"] is True and not dest.exists()
    first = export(ansible, dest)
    assert first["changed"] is True and simulator.writes() == []
    estate = loaded(dest)
    assert [s["name"] for s in estate["branch_sites"]] == ["ber-branch-01", "nyc-dc-02", "tyo-store-114"]
    assert [s["name"] for s in estate["sites_without_connectors"]] == ["syd-branch-07"]
    ber = estate["branch_sites"][0]
    assert [c["device_serial_number"] for c in ber["connectors"]] == ["MWC2301A0417", "MWC2301A0418"]
    assert estate["branch_sites"][2]["connectors"] == [dict(notes="tyo-store-114 virtual")]
    assert "provision_license" not in dest.read_text() and "sim_rw_token" not in dest.read_text()
    assert export(ansible, dest)["changed"] is False


@pytest.mark.main_controller
def test_round_trip_the_role_writes_only_what_the_comments_announce_then_nothing(ansible, simulator, tmp_path):
    dest = tmp_path / "estate.yml"
    export(ansible, dest)
    announced = set(re.findall(r"applying moves the window of (.+?) to ", dest.read_text()))
    simulator.clear_log()
    ansible.playbook(PLAYBOOK, extra_vars=dict(estate=str(dest)))
    moved = simulator.writes()
    assert all(w["method"] == "PATCH" and "/magic/connectors/" in w["path"] for w in moved), moved
    assert len(moved) == len(announced)
    # Exported again, the estate is what the role leaves: applying it writes nothing, in check mode or not.
    export(ansible, dest)
    assert "applying moves" not in dest.read_text()
    simulator.clear_log()
    assert ansible.playbook(PLAYBOOK, extra_vars=dict(estate=str(dest)), check=True).recap()["changed"] == 0
    assert ansible.playbook(PLAYBOOK, extra_vars=dict(estate=str(dest))).recap()["changed"] == 0
    assert simulator.writes() == []


@pytest.mark.main_controller
def test_one_edited_field_shows_as_exactly_that_edit_in_check_diff(ansible, simulator, tmp_path):
    dest = tmp_path / "estate.yml"
    export(ansible, dest)
    ansible.playbook(PLAYBOOK, extra_vars=dict(estate=str(dest)))  # the windows as the role plans them
    export(ansible, dest)
    edited, count = re.subn(r"(name: ber-lte\n\s+physport: 2\n\s+)priority: 2\n", r"\1priority: 3\n", dest.read_text())
    assert count == 1
    dest.write_text(edited)
    simulator.clear_log()
    run = ansible.playbook(PLAYBOOK, extra_vars=dict(estate=str(dest)), check=True, diff=True)
    assert run.recap()["changed"] == 1 and simulator.writes() == []
    changed_lines = [
        line for line in run.stdout.splitlines() if re.match(r"^[-+]", line) and not line.startswith(("---", "+++"))
    ]
    assert changed_lines == ['-    "priority": 2', '+    "priority": 3'], run.stdout
    assert run.stdout.count("--- before: ") == 1 and "--- before: WAN ber-lte (" in run.stdout


def test_a_hostile_site_name_round_trips_as_a_plain_string(ansible, simulator, simulator_api, tmp_path):
    virtual = "32d9a8741af047e39c4a6ee61a5daaba"  # sfo-lab, in no site of the seed
    answer = simulator_api.request("POST", "magic/sites", json=dict(name=HOSTILE, connector_id=virtual))
    assert answer.status_code == 200, answer.text
    dest = tmp_path / "estate.yml"
    export(ansible, dest)
    assert "!unsafe " in dest.read_text() and HOSTILE in [s["name"] for s in loaded(dest)["branch_sites"]]
    ansible.playbook(PLAYBOOK, extra_vars=dict(estate=str(dest)))
    names = [site["name"] for site in simulator_api.request("GET", "magic/sites").json()["result"]]
    assert names.count(HOSTILE) == 1 and not any("49" in name for name in names)


@pytest.mark.main_controller
def test_round_trip_of_a_generated_400_store_estate(ansible, simulator, tmp_path):
    """The issue's large estate: 400 generated HA stores (2 WANs and a store LAN each, every fifth a guest LAN and an
    ACL) beside the seed. The role applied to the export writes only the windows its comments announce; applied to a
    fresh export after that, nothing, in one run of each kind over every store. The budget is raised so that the
    client's own pacing (1200 calls per 300 s otherwise) does not make this a five-minute wait per run."""
    simulator.add_fleet(800)
    simulator.set_faults(rate_limit={"requests": 100000, "window": 300})
    dest = tmp_path / "estate.yml"
    simulator.clear_log()
    counts = export(ansible, dest)["counts"]
    assert counts["stores"] == 403 and counts["connectors"] == 804 and counts["acls"] == 81, counts
    assert simulator.writes() == []
    announced = set(re.findall(r"applying moves the window of (.+?) to ", dest.read_text()))
    ansible.playbook(PLAYBOOK, extra_vars=dict(estate=str(dest)))
    moved = simulator.writes()
    assert all(w["method"] == "PATCH" and "/magic/connectors/" in w["path"] for w in moved), moved[:5]
    assert len(moved) == len(announced)
    assert export(ansible, dest)["changed"] is (len(announced) > 0)
    assert "applying moves" not in dest.read_text()
    simulator.clear_log()
    assert ansible.playbook(PLAYBOOK, extra_vars=dict(estate=str(dest))).recap()["changed"] == 0
    assert simulator.writes() == []
