# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""magic_site, magic_site_lan, magic_site_wan, magic_site_acl and magic_site_info through real ansible runs: a store
built from nothing (check mode first), re-applied without a write, changed and removed; the simulator's request log
and state prove what was sent."""

from __future__ import annotations

import json

import pytest
import yaml

from ansible_collections.cloudflare.magic_transit.plugins.modules import (
    magic_site,
    magic_site_acl,
    magic_site_info,
    magic_site_lan,
    magic_site_wan,
)

SITE = "ham-store-01"
PLAYBOOK = "magic_site_store.yml"
SYDNEY_CONNECTOR = "dd54928d783446aeb068b242b1e286a1"  # device MWC2405C0077, in no site in the seed
SFO_CONNECTOR = "32d9a8741af047e39c4a6ee61a5daaba"  # "sfo-lab virtual connector", in no site in the seed


def account(simulator):
    return simulator.state()["accounts"][simulator.account_id]


def store(simulator):
    """The store's site and its children as stored, or None."""
    state = account(simulator)
    site = next((s for s in state["sites"].values() if s["name"] == SITE), None)
    if site is None:
        return None
    children = dict(
        (kind, sorted((c for c in state[kind].values() if c["site_id"] == site["id"]), key=lambda c: c["name"]))
        for kind in ("lans", "wans", "acls")
    )
    return dict(site=site, **children)


def writes(simulator):
    return [(w["method"], w["path"].split("/magic/", 1)[1]) for w in simulator.writes()]


@pytest.mark.main_controller
def test_a_store_from_nothing_check_apply_reapply_change_remove(ansible, simulator):
    simulator.clear_log()
    run = ansible.playbook(PLAYBOOK, check=True, diff=True, extra_vars=dict(expect_changed=True))
    assert run.recap()["changed"] == 1, "the site would be created; its network waits for it"
    assert simulator.writes() == [] and store(simulator) is None

    ansible.playbook(PLAYBOOK, diff=True, extra_vars=dict(expect_changed=True))
    built = store(simulator)
    assert (built["site"]["connector_id"], built["site"]["secondary_connector_id"]) == (SYDNEY_CONNECTOR, SFO_CONNECTOR)
    assert built["site"]["location"] == {"lat": "53.5511", "lon": "9.9937"}, "sent as the API's strings"
    assert [w["name"] for w in built["wans"]] == ["fibre", "lte"] and [lan["name"] for lan in built["lans"]] == [
        "guest",
        "store",
    ]
    dhcp = built["lans"][1]["static_addressing"]["dhcp_server"]
    assert dhcp["reservations"] == {"00:1a:2b:3c:4d:5e": "10.50.0.50"}, "sent in canonical form"
    assert built["acls"][0]["lan_1"]["lan_id"] == built["lans"][1]["id"]
    assert sorted(m for m, _path in writes(simulator)) == ["POST"] * 6

    simulator.clear_log()
    ansible.playbook(PLAYBOOK, extra_vars=dict(expect_changed=False))
    assert simulator.writes() == [], "a re-run writes nothing"
    ansible.playbook(PLAYBOOK, check=True, extra_vars=dict(expect_changed=False))
    assert simulator.writes() == []

    simulator.clear_log()
    changed = ansible.playbook(
        PLAYBOOK,
        check=True,
        diff=True,
        extra_vars=dict(store_changed=True, expect_changed=True, expect_site_changed=False),
    )
    assert simulator.writes() == [] and store(simulator) == built
    assert '"dhcp_pool_end": "10.50.0.220"' in changed.stdout or "10.50.0.220" in changed.stdout
    ansible.playbook(
        PLAYBOOK, diff=True, extra_vars=dict(store_changed=True, expect_changed=True, expect_site_changed=False)
    )
    after = store(simulator)
    assert [m for m, _path in writes(simulator)] == ["PATCH"] * 3, "the LTE uplink, the LAN and the ACL: one write each"
    assert after["wans"][1]["health_check_rate"] == "high" and sorted(after["acls"][0]["protocols"]) == ["tcp", "udp"]
    assert after["lans"][1]["static_addressing"]["dhcp_server"]["dhcp_pool_end"] == "10.50.0.220"

    simulator.clear_log()
    ansible.playbook(PLAYBOOK, extra_vars=dict(store_state="absent"))
    assert store(simulator) is None
    assert [m for m, _path in writes(simulator)] == ["DELETE"] * 6
    assert [path.split("/")[-2] for m, path in writes(simulator)][:1] == ["acls"], "the ACL goes first"
    assert SYDNEY_CONNECTOR in account(simulator)["connectors"], "a site's removal never removes a connector"


def test_info_details_returns_each_site_with_its_network(ansible, simulator):
    simulator.clear_log()
    run = ansible.adhoc("cloudflare.magic_transit.magic_site_info", "name=ber-branch-01 details=true")
    site = json.loads(run.stdout.split("=>", 1)[1])["magic_sites"][0]
    assert sorted(lan["name"] for lan in site["lans"]) == ["ber-guest", "ber-store"]
    assert sorted(wan["name"] for wan in site["wans"]) == ["ber-fibre", "ber-lte"]
    assert [acl["name"] for acl in site["acls"]] == ["store-to-guest-printers"]
    assert [r["path"].split("/magic/", 1)[1].split("/")[-1] for r in simulator.requests()] == [
        "sites",
        "lans",
        "wans",
        "acls",
    ]


def test_the_examples_of_every_site_module_run_against_the_simulator(ansible, simulator, tmp_path):
    tasks = [
        task
        for module in (magic_site, magic_site_wan, magic_site_lan, magic_site_acl, magic_site_info)
        for task in yaml.safe_load(module.EXAMPLES)
    ]
    playbook = tmp_path / "examples.yml"
    playbook.write_text(yaml.safe_dump([dict(name="The examples", hosts="localhost", gather_facts=False, tasks=tasks)]))
    run = ansible.playbook(str(playbook))
    assert run.recap()["failed"] == 0 and run.recap()["ok"] == len(tasks)
    sydney = account(simulator)["sites"]["9d3e5f7a1b2c4d6e8f0a2b4c6d8e0f1a"]
    assert (sydney["connector_id"], sydney.get("secondary_connector_id"), sydney["ha_mode"]) == (
        SYDNEY_CONNECTOR,
        None,
        False,
    )
