# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The branch role through real ansible-playbook runs against the simulator: 20 stores opened from nothing (checked,
applied, applied again without a write), a box replaced, stores closed with and without their connectors, and a bad
variable refused before any call. The simulator's request log and state prove what was sent."""

from __future__ import annotations

import copy
import json
import re
import stat

import yaml

PLAYBOOK = "branch.yml"
STORES = 20


def store(number):
    """Store n: HA with two hardware boxes (n % 4 in 0, 1), one hardware box (2) or one virtual appliance (3)."""
    name = "branch-store-%02d" % number
    net = "10.%d.%d" % (70 + number // 200, number % 200)
    kind = number % 4
    if kind < 2:
        connectors = [
            dict(device_serial_number="SN-BR%02d-A" % number, notes=name + " primary"),
            dict(device_serial_number="SN-BR%02d-B" % number, notes=name + " secondary"),
        ]
        lan = dict(
            name="store",
            physport=3,
            ha_link=True,
            static_addressing=dict(
                address=net + ".2/24", secondary_address=net + ".3/24", virtual_address=net + ".1/24"
            ),
        )
    else:
        connectors = [
            dict(device_serial_number="SN-BR%02d-A" % number)
            if kind == 2
            else dict(notes=name + " vce", provision_license=True)
        ]
        lan = dict(name="store", physport=3, static_addressing=dict(address=net + ".1/24"))
    return dict(
        name=name,
        timezone="Europe/Berlin" if number % 2 else "Europe/London",
        location=dict(lat=50 + number / 10.0, lon=8 + number / 10.0),
        connectors=connectors,
        wans=[dict(name="fibre", physport=1, priority=1), dict(name="lte", physport=2, priority=2)],
        lans=[lan, dict(name="guest", physport=4, vlan_tag=20)],
        acls=[dict(name="printers", lan_1=dict(lan_name="store"), lan_2=dict(lan_name="guest", ports=[9100]))],
        window=dict(preset="sunday_early") if number == 5 else None,
    )


def run_role(ansible, tmp_path, sites, rc=0, check=False, diff=False, **role_vars):
    result_file = tmp_path / "summary.json"
    if result_file.exists():
        result_file.unlink()
    extra = dict(
        branch_sites=[dict((k, v) for k, v in site.items() if v is not None) for site in sites],
        branch_license_key_dir=str(tmp_path / "keys"),
        result_file=str(result_file),
    )
    extra.update(("branch_" + k, v) for k, v in role_vars.items())
    run = ansible.playbook(PLAYBOOK, extra_vars=extra, check=check, diff=diff, rc=rc)
    return run, (json.loads(result_file.read_text()) if result_file.exists() else None)


def account(simulator):
    state = simulator.state()["accounts"][simulator.account_id]
    sites = dict((s["name"], s) for s in state["sites"].values() if s["name"].startswith("branch-store-"))
    return state, sites


def by_serial(state, serial):
    return next(
        (c for c in state["connectors"].values() if (c.get("device") or {}).get("serial_number") == serial), None
    )


def test_twenty_stores_opened_checked_applied_reapplied(ansible, simulator, tmp_path):
    (tmp_path / "keys").mkdir()
    sites = [store(n) for n in range(STORES)]
    virtual = [s["name"] for s in sites if s["connectors"][0].get("provision_license")]

    simulator.clear_log()
    run, summary = run_role(ansible, tmp_path, sites, check=True, diff=True)
    assert simulator.writes() == [], "check mode writes nothing"
    assert len(summary["opened"]) == STORES and summary["check_mode"]
    assert len(summary["connectors_created"]) == sum(len(s["connectors"]) for s in sites)
    assert sorted(summary["keys_written"]) == sorted(str(tmp_path / "keys" / (n + "-primary.key")) for n in virtual)
    assert "branch-store-07" in run.output and "SN-BR04-B" in run.output, "the diff shows stores and connectors"
    assert list((tmp_path / "keys").iterdir()) == []

    simulator.clear_log()
    run, summary = run_role(ansible, tmp_path, sites)
    assert len(summary["opened"]) == STORES and summary["changed"] == [] and summary["closed"] == []
    assert len(summary["keys_written"]) == len(virtual) == 5
    for name in virtual:
        key = tmp_path / "keys" / (name + "-primary.key")
        assert stat.S_IMODE(key.stat().st_mode) == 0o600 and key.read_text().strip()
    state, built = account(simulator)
    assert len(built) == STORES
    for entry in sites:
        site = built[entry["name"]]
        ids = [
            by_serial(state, c["device_serial_number"])["id"]
            if "device_serial_number" in c
            else next(x["id"] for x in state["connectors"].values() if x.get("notes") == c["notes"])
            for c in entry["connectors"]
        ]
        assert site["connector_id"] == ids[0] and site.get("secondary_connector_id", "") == (ids[1:] or [""])[0]
        assert site["ha_mode"] == (len(ids) == 2)
        for cid in ids:
            connector = state["connectors"][cid]
            assert connector["timezone"] == entry["timezone"] and connector["interrupt_window_days_of_week"]
        if len(ids) == 2:
            first, second = (state["connectors"][cid] for cid in ids)
            assert (first["interrupt_window_hour_of_day"], first["interrupt_window_days_of_week"]) != (
                second["interrupt_window_hour_of_day"],
                second["interrupt_window_days_of_week"],
            ), "HA peers never share a window"
    assert by_serial(state, "SN-BR05-A")["interrupt_window_days_of_week"] == ["Sunday"], "a store's own window"
    posts = [e["path"] for e in simulator.writes() if e["method"] == "POST"]
    assert sum(p.endswith("/magic/sites") for p in posts) == STORES

    simulator.clear_log()
    run, summary = run_role(ansible, tmp_path, sites)
    assert simulator.writes() == [], "a second run writes nothing"
    assert summary["opened"] == summary["changed"] == summary["connectors_created"] == summary["keys_written"] == []
    lists = [e["path"] for e in simulator.requests() if e["method"] == "GET"]
    # One sites list for magic_sites and one per distinct window (the planner's HA groups): two windows here.
    assert sum(p.endswith("/magic/sites") for p in lists) == 3
    assert sum(p.endswith("/magic/connectors") for p in lists) == 1 + 1 + 2
    assert run.recap()["changed"] == 0


def test_replace_a_box_and_close_stores(ansible, simulator, tmp_path):
    (tmp_path / "keys").mkdir()
    sites = [store(n) for n in range(4)]
    run_role(ansible, tmp_path, sites)
    state, dummy = account(simulator)
    old_b0, old_b1 = by_serial(state, "SN-BR00-B"), by_serial(state, "SN-BR01-B")
    kept = [by_serial(state, "SN-BR02-A")]

    # Store 0 gets a new secondary box, store 2 is closed; connectors are kept.
    changed = copy.deepcopy(sites)
    changed[0]["connectors"][1] = dict(device_serial_number="SN-BR00-C", notes="branch-store-00 secondary")
    changed[2] = dict(name=sites[2]["name"], state="absent", connectors=sites[2]["connectors"])
    run, summary = run_role(ansible, tmp_path, changed)
    assert summary["changed"] == ["branch-store-00"] and summary["closed"] == ["branch-store-02"]
    assert summary["connectors_created"] == ["SN-BR00-C"] and summary["connectors_deleted"] == []
    state, built = account(simulator)
    assert built["branch-store-00"]["secondary_connector_id"] == by_serial(state, "SN-BR00-C")["id"]
    assert "branch-store-02" not in built
    assert all(simulator.connector(c["id"]) for c in [old_b0] + kept), "connectors are kept unless asked"

    # Store 1 gets a new secondary and store 3 is closed, deleting what no site names any more.
    changed[1]["connectors"][1] = dict(device_serial_number="SN-BR01-C", notes="branch-store-01 secondary")
    changed[3] = dict(name=sites[3]["name"], state="absent")
    simulator.clear_log()
    run, summary = run_role(ansible, tmp_path, changed, delete_connectors=True)
    state, built = account(simulator)
    assert simulator.connector(old_b1["id"]) is None, "the replaced box is deleted when asked"
    assert simulator.connector(kept[0]["id"]) is None, "a closed store's listed connector is deleted when asked"
    assert not any(c.get("notes") == "branch-store-03 vce" for c in state["connectors"].values())
    assert simulator.connector(old_b0["id"]) is not None, "a connector no site named before the run is not touched"
    deletes = [e["path"] for e in simulator.writes() if e["method"] == "DELETE"]
    site_delete = next(i for i, p in enumerate(deletes) if re.search("/magic/sites/[0-9a-f]+$", p))
    connector_deletes = [i for i, p in enumerate(deletes) if "/magic/connectors/" in p]
    assert connector_deletes and min(connector_deletes) > site_delete, "a site never names a deleted connector"
    for site in built.values():
        assert simulator.connector(site["connector_id"]) is not None
        assert not site.get("secondary_connector_id") or simulator.connector(site["secondary_connector_id"])


def test_a_bad_variable_is_refused_before_any_call(ansible, simulator, tmp_path):
    sites = [store(n) for n in range(5)]
    sites[3]["wans"][0]["physport"] = 0
    simulator.clear_log()
    run, dummy = run_role(ansible, tmp_path, sites, rc=2)
    assert "branch_sites[3].wans[0].physport" in run.output
    assert simulator.requests() == []

    sites = [store(n) for n in range(5)]
    sites[4]["connectors"].append(dict(device_serial_number="SN-BR00-A"))
    run, dummy = run_role(ansible, tmp_path, sites, rc=2)
    assert "branch_sites[4].connectors" in run.output and simulator.requests() == []


def test_the_awx_playbook_takes_the_stores_as_yaml_text(ansible, simulator, tmp_path):
    """cloudflare.magic_transit.branch_apply as an AWX survey runs it: the stores as YAML text, only one by name."""
    extra = dict(
        branch_apply_stores=yaml.safe_dump([store(2), store(6)]),
        branch_apply_only="branch-store-06\n",
        branch_apply_delete_connectors="false",
    )
    for check in (True, False):
        mode = ["--check"] if check else []
        run = ansible.run("ansible-playbook", "cloudflare.magic_transit.branch_apply", *mode, "-e", json.dumps(extra))
        assert "1 stores opened" in run.output
        assert (simulator.writes() == []) == check
    dummy, built = account(simulator)
    assert sorted(built) == ["branch-store-06"]
