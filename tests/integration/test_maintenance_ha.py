# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""HA peers are never down together, whatever a maintenance_window run targets (real ansible-playbook, simulator)."""

from __future__ import annotations

import datetime
import json
from pathlib import Path

import pytest

from ansible_collections.cloudflare.magic_transit.plugins.module_utils._windows import window_of, windows_overlap
from ansible_collections.cloudflare.magic_transit.tests.helpers import stored

PRIMARY, SECONDARY = "711f8eedc6d84336a6f7d256ddd00fce", "64180894674b44869153f5fed0c2c654"  # site ber-branch-01
TODAY = "2026-12-01"
PLAYBOOKS = Path(__file__).resolve().parent / "playbooks"
INVENTORY = Path(__file__).resolve().parent / "inventory.yml"


def run_role(ansible, tmp_path, rc=0, check=False, diff=False, args=(), **role_vars):
    result_file = tmp_path / "result.json"
    if result_file.exists():
        result_file.unlink()
    extra = dict(("maintenance_window_" + k, v) for k, v in role_vars.items())
    extra.update(result_file=str(result_file), maintenance_window_today=TODAY)
    run = ansible.playbook("maintenance_window_vars.yml", *args, extra_vars=extra, check=check, diff=diff, rc=rc)
    return run, (json.loads(result_file.read_text()) if result_file.exists() else None)


def list_calls(simulator):
    """(connector list calls, sites list calls, all requests) of the request log."""
    requests = simulator.requests()
    gets = [r["path"] for r in requests if r["method"] == "GET"]
    return (
        sum(1 for p in gets if p.endswith("/magic/connectors")),
        sum(1 for p in gets if p.endswith("/magic/sites")),
        len(requests),
    )


def overlap(simulator, first, second):
    return windows_overlap(
        window_of(simulator.connector(first)),
        window_of(simulator.connector(second)),
        datetime.date.fromisoformat(TODAY),
    )


def test_a_single_member_run_next_to_an_untouched_peer_is_shifted(ansible, simulator, tmp_path):
    primary_before = simulator.connector(PRIMARY)
    assert overlap(simulator, PRIMARY, SECONDARY), "the seed's pair overlaps (02:00 and 03:00, 4 h each)"
    simulator.clear_log()
    run, dummy = run_role(ansible, tmp_path, check=True, connectors=[dict(id=SECONDARY)])
    assert simulator.writes() == [] and list_calls(simulator) == (1, 1, 2)
    assert "1 conflicts shifted" in run.stdout

    simulator.clear_log()
    run, result = run_role(ansible, tmp_path, connectors=[dict(id=SECONDARY)])
    # One list, one sites list, the PATCH, and the list that checks the account after the write (issue 21).
    assert list_calls(simulator) == (2, 1, 4) and [w["method"] for w in simulator.writes()] == ["PATCH"]
    secondary = simulator.connector(SECONDARY)
    # Its own slot (05:00, one duration after 01:00) overlaps the untouched primary's 02:00-06:00, and 06:00 overlaps
    # it on spring-forward Sunday (02:00 is skipped: read as 01:00 UTC + 4 real hours, it ends at 07:00 CEST): the
    # next free hour, judged over the next 12 months.
    assert (secondary["interrupt_window_hour_of_day"], secondary["interrupt_window_duration_hours"]) == (7, 4)
    assert simulator.connector(PRIMARY) == primary_before and not overlap(simulator, PRIMARY, SECONDARY)
    plan = result["maintenance_plan"]
    assert (plan["targets"], plan["changing"], plan["conflicts_shifted"], plan["ha_groups_partly_targeted"]) == (
        1,
        1,
        1,
        1,
    )
    assert plan["shifted"][0]["peer"] == PRIMARY and plan["sites_used"] is True
    assert run.stdout.count("conflicts shifted") == 1, "the summary is printed once"

    simulator.clear_log()
    run_role(ansible, tmp_path, connectors=[dict(id=SECONDARY)])
    assert simulator.writes() == [] and list_calls(simulator) == (1, 1, 2), "planning again changes nothing"


def test_a_single_member_run_fails_with_ha_conflict_fail_naming_both(ansible, simulator, tmp_path):
    simulator.clear_log()
    run, dummy = run_role(ansible, tmp_path, rc=2, connectors=[dict(id=SECONDARY)], ha_conflict="fail")
    assert simulator.writes() == []
    for text in (
        "maintenance_window_ha_conflict",
        "ber-branch-01 secondary (%s)" % SECONDARY,
        "ber-branch-01 primary (%s)" % PRIMARY,
    ):
        assert text in run.output


def test_latest_end_hour_that_leaves_no_room_fails_saying_what_fits(ansible, simulator, tmp_path):
    simulator.clear_log()
    run, dummy = run_role(ansible, tmp_path, rc=2, connectors=[dict(id=SECONDARY)], latest_end_hour=9)
    assert simulator.writes() == []
    assert "maintenance_window_latest_end_hour (09:00) leaves no free window for ber-branch-01 secondary" in run.output
    assert "would fit" in run.output


@pytest.mark.usefixtures("older_connector_schema")  # group_by site_id reads the 2026-08 connector field
def test_group_by_site_id_with_connectors_without_one_fails_before_any_write(ansible, simulator, tmp_path):
    simulator.clear_log()
    run, dummy = run_role(ansible, tmp_path, rc=2, group_by="site_id")
    assert simulator.writes() == []
    assert "maintenance_window_group_by site_id finds no HA group for 2 connector(s)" in run.output
    assert "sfo-lab virtual connector (32d9a8741af047e39c4a6ee61a5daaba)" in run.output
    assert "syd-branch-07 primary (awaiting activation) (dd54928d783446aeb068b242b1e286a1)" in run.output

    simulator.clear_log()
    run_role(ansible, tmp_path, group_by="site_id", allow_ungrouped=True)
    assert list_calls(simulator)[:2] == (2, 1), "a run that writes lists the connectors again to check them"
    assert not overlap(simulator, PRIMARY, SECONDARY)


def test_sites_are_the_first_source_of_ha_groups(ansible, simulator, simulator_api, tmp_path):
    # The newest schema (the simulator's default) answers connectors without site_id: only the site
    # (connector_id / secondary_connector_id) pairs them.
    answered = simulator_api.get("magic/connectors").json()["result"]
    assert [c["id"] for c in answered if "site_id" in c or "primary" in c] == [] and len(answered) == 6
    targets = [dict(id=PRIMARY), dict(id=SECONDARY)]
    run, dummy = run_role(ansible, tmp_path, rc=2, connectors=targets, group_by="site_id", use_sites=False)
    assert "ber-branch-01 secondary (%s)" % SECONDARY in run.output, "without sites the secondary has no group"

    simulator.clear_log()
    run, result = run_role(ansible, tmp_path, connectors=targets, group_by="site_id")
    assert list_calls(simulator)[:2] == (2, 1), "a run that writes lists the connectors again to check them"
    # Back to back (01:00 and 05:00) they would share an hour on spring-forward Sunday in Berlin (issue 23): 06:00.
    assert (
        simulator.connector(PRIMARY)["interrupt_window_hour_of_day"],
        simulator.connector(SECONDARY)["interrupt_window_hour_of_day"],
    ) == (1, 6)
    assert result["maintenance_plan"]["ha_groups"] == 1 and not overlap(simulator, PRIMARY, SECONDARY)


def test_numeric_role_variables_may_be_strings_and_others_are_refused(ansible, simulator, tmp_path):
    simulator.clear_log()
    run, result = run_role(
        ansible,
        tmp_path,
        args=(
            "-e",
            "maintenance_window_hour=2",
            "-e",
            "maintenance_window_duration=3",
            "-e",
            "maintenance_window_latest_end_hour=12",
        ),
        allow_ungrouped=True,
    )
    assert list_calls(simulator)[:2] == (2, 1), "a run that writes lists the connectors again to check them"
    assert simulator.connector(PRIMARY)["interrupt_window_hour_of_day"] == 2
    # 02:00 + 3 h in Berlin spans the spring-forward jump (read as 3 real hours it ends at 06:00 CEST): 06:00, not 05:00.
    assert simulator.connector(SECONDARY)["interrupt_window_hour_of_day"] == 6
    assert "window Sun,Sat 02:00 3h" in run.stdout

    simulator.clear_log()
    run, dummy = run_role(ansible, tmp_path, rc=2, args=("-e", "maintenance_window_latest_end_hour=late"))
    assert "maintenance_window_latest_end_hour" in run.output and simulator.requests() == []


def test_the_play_pattern_for_a_limit_plans_exactly_the_limited_connectors(ansible, simulator, tmp_path):
    """roles/maintenance_window/README.md: a play over the inventory's hosts runs the role once for the limit's hosts."""
    source = tmp_path / "sim.connectors.yml"
    source.write_text("plugin: cloudflare.magic_transit.connectors\n", encoding="utf-8")
    secondary_host = simulator.connector(SECONDARY)["device"]["serial_number"]
    others_before = dict((c, simulator.connector(c)) for c in stored(simulator, "connectors") if c != SECONDARY)
    simulator.clear_log()
    playbook = str(PLAYBOOKS / "maintenance_window_limit.yml")
    completed = ansible.run(
        "ansible-playbook",
        *(
            "-i",
            source,
            "-i",
            INVENTORY,
            playbook,
            "--limit",
            secondary_host,
            "-e",
            "maintenance_window_today=" + TODAY,
        ),
    )
    assert "1 of 6 connectors planned" in completed.stdout and completed.stdout.count("conflicts shifted") == 1
    assert list_calls(simulator) == (3, 2, 6), (
        "the inventory's lists (connectors, sites), the role's list and sites list, one PATCH, the check's list"
    )
    assert simulator.connector(SECONDARY)["interrupt_window_hour_of_day"] == 7, (
        "shifted away from the untouched primary"
    )
    assert all(simulator.connector(c) == before for c, before in others_before.items())


def test_business_hours_keep_every_planned_window_out_of_store_hours(ansible, simulator, tmp_path):
    # Store hours from 06:00: the secondary's first free hour (07:00) opens inside them, and every later one either
    # opens inside them or overlaps the untouched primary (02:00-06:00, and its spring-forward Sunday): refused.
    simulator.clear_log()
    run, dummy = run_role(ansible, tmp_path, rc=2, connectors=[dict(id=SECONDARY)], business_hours="06:00-22:00")
    assert simulator.writes() == []
    assert (
        "maintenance_window_business_hours leaves no free window for ber-branch-01 secondary (%s) of HA group "
        "ber-branch-01 (2 members); every window it may take overlaps ber-branch-01 primary" % SECONDARY
    ) in run.output

    run, dummy = run_role(ansible, tmp_path, rc=2, hour=9, business_hours="08:00-22:00")
    assert "maintenance_window_hour (09:00) opens inside maintenance_window_business_hours 08:00-22:00" in run.output
    assert simulator.writes() == []

    run, dummy = run_role(ansible, tmp_path, rc=2, business_hours="8-22")
    assert (
        "maintenance_window_business_hours must be local opening hours such as 09:00-21:00 (HH:MM-HH:MM" in run.output
        and simulator.writes() == []
    )

    run, result = run_role(ansible, tmp_path, connectors=[dict(id=SECONDARY)], business_hours="08:00-22:00")
    assert simulator.connector(SECONDARY)["interrupt_window_hour_of_day"] == 7, "opens before the store does"
    assert not overlap(simulator, PRIMARY, SECONDARY)


def test_ha_members_in_different_time_zones_are_reported_refused_or_aligned(
    ansible, simulator, simulator_api, tmp_path
):
    simulator_api.patch(
        "magic/connectors/" + SECONDARY, json={"timezone": "UTC"}
    ).raise_for_status()  # left on the API default
    simulator.clear_log()
    run, result = run_role(ansible, tmp_path, check=True, connectors=[dict(id=PRIMARY), dict(id=SECONDARY)])
    assert simulator.writes() == []
    assert (
        "HA group ber-branch-01 has members in different time zones: ber-branch-01 primary (%s) in Europe/Berlin, "
        "ber-branch-01 secondary (%s) in UTC" % (PRIMARY, SECONDARY)
    ) in run.stdout
    assert result["maintenance_plan"]["timezone_mismatches"] == 1

    run, dummy = run_role(
        ansible, tmp_path, rc=2, connectors=[dict(id=PRIMARY), dict(id=SECONDARY)], timezone_mismatch="fail"
    )
    assert (
        "maintenance_window_timezone_mismatch is fail: the members of HA group ber-branch-01 are in different"
        in run.output
    )
    assert simulator.writes() == []

    run, result = run_role(
        ansible, tmp_path, connectors=[dict(id=PRIMARY), dict(id=SECONDARY)], timezone_mismatch="primary"
    )
    assert (
        simulator.connector(SECONDARY)["timezone"] == "Europe/Berlin"
        and result["maintenance_plan"]["timezone_mismatches"] == 0
    )
    assert not overlap(simulator, PRIMARY, SECONDARY)
    simulator.clear_log()
    run_role(ansible, tmp_path, connectors=[dict(id=PRIMARY), dict(id=SECONDARY)], timezone_mismatch="primary")
    assert simulator.writes() == [], "aligned and planned: nothing to change"
