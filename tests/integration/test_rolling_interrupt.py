# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Rolling reboots never take an HA store down, judged from the simulator's own heartbeat timeline (real
ansible-playbook, the rolling_interrupt role and magic_connector_interrupt against the simulator)."""

from __future__ import annotations

import datetime
import json
import time

import pytest

# Fast appliances: a heartbeat every second, an interrupt runs a second after its POST, a reboot lasts a second.
FAST = dict(heartbeat_interval=1, interrupt_delay=1, interrupt_downtime=1)
ROLE = dict(action="reboot", batch=5, heartbeat_max_age=3, member_timeout=20, poll_interval=0.3)
STORES = ["fleet-site-%05d" % number for number in range(1, 31)]


@pytest.fixture(name="fleet")
def fleet_fixture(simulator, simulator_api):
    """60 fleet connectors (30 HA stores; every tenth connector silent for days: stores 5, 10, ... have an offline
    secondary), fast appliances; returns {site name: site}."""
    simulator.admin("PUT", "settings", FAST)
    simulator.add_fleet(60)
    sites = simulator_api.get("magic/sites").json()["result"]
    return dict((site["name"], site) for site in sites if site["name"].startswith("fleet-site-"))


def run_role(ansible, tmp_path, rc=0, check=False, **role_vars):
    result_file = tmp_path / "result.json"
    if result_file.exists():
        result_file.unlink()
    extra = dict(("rolling_interrupt_" + k, v) for k, v in dict(ROLE, **role_vars).items())
    extra.update(result_file=str(result_file))
    run = ansible.playbook("rolling_interrupt.yml", extra_vars=extra, check=check, rc=rc)
    return run, (json.loads(result_file.read_text()) if result_file.exists() else None)


def moment(text):
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))


def away(simulator):
    """connector id -> [(from, until, reason)] from the simulator's timeline (until None: still away)."""
    timeline = simulator.admin("GET", "heartbeats")["accounts"][simulator.account_id]
    return dict(
        (
            cid,
            [
                (
                    moment(a["from"]) if a["from"] else datetime.datetime.min.replace(tzinfo=datetime.timezone.utc),
                    moment(a["until"]) if a["until"] else None,
                    a["reason"],
                )
                for a in entry["away"]
            ],
        )
        for cid, entry in timeline.items()
    )


def take_offline(simulator, connector_id, max_age):
    """Take the appliance offline, and wait until its last heartbeat is older than ``max_age`` by the simulator's clock
    (then a run judges it offline)."""
    simulator.admin("PUT", "connectors/%s/offline" % connector_id)
    for dummy in range(100):
        timeline = simulator.admin("GET", "heartbeats")
        seen = timeline["accounts"][simulator.account_id][connector_id]["last_heartbeat"]
        if (moment(timeline["now"]) - moment(seen)).total_seconds() > max_age + 0.5:
            return
        time.sleep(0.2)
    pytest.fail("connector %s still looks online" % connector_id)


def overlaps(first, second):
    far = datetime.datetime.max.replace(tzinfo=datetime.timezone.utc)
    return [(a, b) for a in first for b in second if a[0] < (b[1] or far) and b[0] < (a[1] or far)]


def reboots(intervals):
    return [interval for interval in intervals if interval[2] == "reboot"]


@pytest.mark.main_controller
def test_a_rolling_reboot_of_30_stores_never_takes_a_store_down(ansible, simulator, fleet, tmp_path):
    primary_of_3 = fleet["fleet-site-00003"]["connector_id"]
    take_offline(simulator, primary_of_3, ROLE["heartbeat_max_age"])
    simulator.clear_log()
    run, result = run_role(ansible, tmp_path, stores=STORES)
    timeline = away(simulator)
    done = [s["store"] for s in result["rolling_interrupt"]["stores"] if s["status"] == "done"]
    skipped = sorted(s["store"] for s in result["rolling_interrupt"]["stores"] if s["status"] == "skipped")
    offline_peers = ["fleet-site-%05d" % n for n in (3, 5, 10, 15, 20, 25, 30)]
    assert skipped == offline_peers and len(done) == 23, run.stdout
    for name in STORES:
        primary, secondary = fleet[name]["connector_id"], fleet[name]["secondary_connector_id"]
        # The simulator's own record: never both members of a store away at the same instant.
        assert overlaps(timeline[primary], timeline[secondary]) == [], name
        if name in offline_peers:
            assert reboots(timeline[primary]) == [] and reboots(timeline[secondary]) == [], name
            continue
        (secondary_away,), (primary_away,) = reboots(timeline[secondary]), reboots(timeline[primary])
        assert secondary_away[1] <= primary_away[0], (
            "%s: the secondary goes first and is back before the primary" % name
        )
    # Batches of 5: never more than 5 stores with a member away at once.
    intervals = [
        i
        for name in STORES
        for cid in (fleet[name]["connector_id"], fleet[name]["secondary_connector_id"])
        for i in reboots(timeline[cid])
    ]
    assert max(sum(1 for other in intervals if other[0] <= i[0] < other[1]) for i in intervals) <= 5
    # Skipped stores were never written to; every done member got exactly one POST.
    posts = simulator.requests("POST", "/interrupts")
    assert len(posts) == 2 * len(done)
    assert "fleet-site-00003: skipped" in run.stdout and "is offline" in run.stdout


def test_a_failure_stops_the_run_after_the_batch_in_flight(ansible, simulator, fleet, tmp_path):
    failing = fleet["fleet-site-00002"]["secondary_connector_id"]
    simulator.add_rule(
        match={"method": "POST", "path": "/magic/connectors/%s/interrupts$" % failing},
        times=1,
        action="status",
        status=400,
        when="before",
    )
    run, result = run_role(ansible, tmp_path, rc=2, stores=STORES)
    statuses = dict((s["store"], s["status"]) for s in result["rolling_interrupt"]["stores"])
    assert statuses["fleet-site-00002"] == "failed" and statuses["fleet-site-00005"] == "skipped"
    assert [statuses["fleet-site-%05d" % n] for n in (1, 3, 4)] == ["done"] * 3
    assert set(statuses[name] for name in STORES[5:]) == {"not_run"}
    assert "stopped after the batch in flight" in run.stdout
    timeline = away(simulator)
    for name in STORES[5:]:
        assert not any(reboots(timeline[fleet[name][slot]]) for slot in ("connector_id", "secondary_connector_id"))
    assert reboots(timeline[fleet["fleet-site-00002"]["connector_id"]]) == [], (
        "the failed store's primary is left alone"
    )


def test_check_mode_prints_the_plan_and_sends_nothing(ansible, simulator, fleet, tmp_path):
    simulator.clear_log()
    run, result = run_role(ansible, tmp_path, check=True, stores=STORES[:7])
    assert simulator.writes() == []
    assert result["rolling_interrupt"]["batches"] == [STORES[:5], STORES[5:7]]
    assert "batch 1: fleet-site-00001 (secondary connector 'fleet-00002'" in run.stdout
    assert "fleet-site-00005 (fleet-site-00005 was not interrupted" not in run.stdout
    assert [s["status"] for s in result["rolling_interrupt"]["stores"]] == ["planned"] * 4 + [
        "skipped",
        "planned",
        "planned",
    ]


def test_shutdown_is_refused_naming_the_variable(ansible, simulator, fleet, tmp_path):
    simulator.clear_log()
    run, dummy = run_role(ansible, tmp_path, rc=2, action="shutdown", stores=STORES[:1])
    assert "rolling_interrupt_action must be reboot or restart: a shutdown is refused here" in run.stdout
    assert simulator.requests() == []


def interrupt(ansible, rc=0, **args):
    return ansible.adhoc(
        "cloudflare.magic_transit.magic_connector_interrupt", " ".join("%s=%s" % item for item in args.items()), rc=rc
    )


@pytest.mark.main_controller
def test_interrupt_refuses_while_the_peer_is_pending_or_offline_and_waits_when_asked(
    ansible, simulator, simulator_api, fleet
):
    site = fleet["fleet-site-00001"]
    primary, secondary = site["connector_id"], site["secondary_connector_id"]
    simulator.admin("PUT", "settings", {"interrupt_delay": "never"})
    assert (
        simulator_api.post("magic/connectors/%s/interrupts" % secondary, json={"reboot": {"purge": False}}).status_code
        == 200
    )
    simulator.clear_log()
    run = interrupt(ansible, rc=2, id=primary, action="restart")
    assert "its store peer connector 'fleet-00002' (%s) has a reboot pending since" % secondary in run.stdout
    assert simulator.writes() == []
    # The secondary's reboot runs now (at its submission) and keeps it away for 20 s: the wait mode waits it out.
    simulator.admin("PUT", "settings", {"interrupt_delay": 0, "interrupt_downtime": 20})
    run = interrupt(ansible, id=primary, action="restart", if_pending="wait", wait_timeout=60)
    assert "restart submitted to connector 'fleet-00001'" in run.stdout
    assert simulator_api.get("magic/connectors/%s/interrupts" % primary).json()["result"][-1]["triggered_at"]
    timeline = away(simulator)
    assert [i[2] for i in timeline[primary]] == ["restart"] and reboots(timeline[secondary])
    assert overlaps(timeline[primary], timeline[secondary]) == []
    take_offline(simulator, secondary, 2)
    simulator.clear_log()
    run = interrupt(ansible, rc=2, id=primary, action="reboot", if_pending="wait", peer_heartbeat_max_age=2)
    assert "its store peer connector 'fleet-00002' (%s) is offline" % secondary in run.stdout
    assert simulator.writes() == []
    interrupt(ansible, id=primary, action="reboot", ignore_peer="true")
    assert len(simulator.writes()) == 1


def test_the_awx_playbook_plans_stores_given_one_per_line_in_check_mode(ansible, simulator, fleet, tmp_path):
    simulator.clear_log()
    survey = dict(
        rolling_interrupt_apply_stores="fleet-site-00002\n fleet-site-00001\n", rolling_interrupt_apply_batch="2"
    )
    completed = ansible.run(
        "ansible-playbook", "cloudflare.magic_transit.rolling_interrupt_apply", "--check", "-e", json.dumps(survey)
    )
    assert "batch 1: fleet-site-00002 (secondary connector 'fleet-00004'" in completed.stdout
    assert "; fleet-site-00001 (secondary connector 'fleet-00002'" in completed.stdout
    assert simulator.writes() == []
