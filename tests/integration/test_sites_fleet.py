# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""magic_sites through real ansible-playbook runs: 20 stores in one task, checked, built, re-applied without a write,
changed and removed; the simulator's request log and state prove what was sent."""

from __future__ import annotations

import json
import re

import pytest

# magic_sites at scale: the same code on every controller (ansible-core 2.21 only); the branch role runs it on all.
pytestmark = pytest.mark.main_controller

PLAYBOOK = "magic_sites_fleet.yml"
STORES = 20


def store(number, changed=False):
    """One store: two uplinks, a store LAN with DHCP, a guest LAN and an ACL between them."""
    net = "10.%d.%d" % (60 + number // 200, number % 200)
    return dict(
        name="fleet-store-%02d" % number,
        description="store %d" % number,
        location=dict(lat=48 + number / 10.0, lon=str(9 + number / 10.0)),
        wans=[
            dict(
                name="fibre",
                physport=1,
                priority=1,
                static_addressing=dict(
                    address="198.51.100.%d/29" % (8 * (number % 30) + 2),
                    gateway_address="198.51.100.%d" % (8 * (number % 30) + 1),
                ),
            ),
            dict(
                name="lte", physport=2, priority=2, health_check_rate="high" if changed and number % 4 == 0 else "low"
            ),
        ],
        lans=[
            dict(
                name="store",
                physport=3,
                static_addressing=dict(
                    address=net + ".1/24",
                    dhcp_server=dict(
                        dhcp_pool_start=net + ".100", dhcp_pool_end=net + ".199", dns_servers=[net + ".1", "1.1.1.1"]
                    ),
                ),
            ),
            dict(name="guest", physport=4, vlan_tag=20),
        ],
        acls=[
            dict(
                name="store-to-guest-printers",
                lan_1=dict(lan_name="store", subnets=[net + ".0/24"]),
                lan_2=dict(lan_name="guest", port_ranges=["9100-9102"]),
                protocols=["tcp"],
            )
        ],
    )


def stores(changed=False):
    return [store(number, changed) for number in range(1, STORES + 1)]


def built(simulator):
    """Per store name, its site and the names of its children, as stored."""
    state = simulator.state()["accounts"][simulator.account_id]
    sites = dict((s["id"], s) for s in state["sites"].values() if s["name"].startswith("fleet-store-"))
    out = dict((s["name"], dict(site=s, lans=[], wans=[], acls=[])) for s in sites.values())
    for kind in ("lans", "wans", "acls"):
        for child in state[kind].values():
            if child["site_id"] in sites:
                out[sites[child["site_id"]]["name"]][kind].append(child)
    return out


def kinds_written(simulator):
    return [(w["method"], re.sub(r"/[0-9a-f]{32}", "", w["path"].split("/magic/", 1)[1])) for w in simulator.writes()]


def summary(run):
    return json.loads(re.search(r"FLEET (\{.*\})", run.stdout.replace('\\"', '"')).group(1))


def test_twenty_stores_in_one_task_check_apply_reapply_change_remove(ansible, simulator):
    simulator.clear_log()
    run = ansible.playbook(PLAYBOOK, check=True, extra_vars=dict(sites=stores(), expect_changed=True))
    assert simulator.writes() == [] and built(simulator) == {}
    assert summary(run)["objects"]["changed"] == STORES * 6, "each store's site, 2 WANs, 2 LANs and ACL predicted"

    ansible.playbook(PLAYBOOK, extra_vars=dict(sites=stores(), expect_changed=True))
    stored = built(simulator)
    assert len(stored) == STORES
    for name, parts in stored.items():
        assert sorted(w["name"] for w in parts["wans"]) == ["fibre", "lte"], name
        lans = dict((lan["name"], lan["id"]) for lan in parts["lans"])
        assert sorted(lans) == ["guest", "store"] and len(parts["acls"]) == 1, name
        assert (parts["acls"][0]["lan_1"]["lan_id"], parts["acls"][0]["lan_2"]["lan_id"]) == (
            lans["store"],
            lans["guest"],
        )
    writes = kinds_written(simulator)
    assert sorted(set(writes)) == [
        ("POST", "sites"),
        ("POST", "sites/acls"),
        ("POST", "sites/lans"),
        ("POST", "sites/wans"),
    ]
    assert len(writes) == STORES * 6
    assert max(i for i, w in enumerate(writes) if w[1] == "sites") < min(
        i for i, w in enumerate(writes) if w[1] != "sites"
    )
    assert max(i for i, w in enumerate(writes) if w[1] == "sites/lans") < min(
        i for i, w in enumerate(writes) if w[1] == "sites/acls"
    )

    simulator.clear_log()
    run = ansible.playbook(PLAYBOOK, extra_vars=dict(sites=stores(), expect_changed=False))
    assert simulator.writes() == [], "a re-run writes nothing"
    assert len(simulator.requests()) == 1 + 3 * STORES, "one sites list, then each store's three lists"
    ansible.playbook(PLAYBOOK, check=True, extra_vars=dict(sites=stores(), expect_changed=False))
    assert simulator.writes() == []

    simulator.clear_log()
    ansible.playbook(PLAYBOOK, extra_vars=dict(sites=stores(changed=True), expect_changed=True))
    assert kinds_written(simulator) == [("PATCH", "sites/wans")] * (STORES // 4), "only the LTE uplinks that change"
    assert all(
        w["health_check_rate"] == "high"
        for parts in built(simulator).values()
        for w in parts["wans"]
        if w["name"] == "lte" and int(parts["site"]["name"][-2:]) % 4 == 0
    )

    simulator.clear_log()
    gone = [dict(name=s["name"], state="absent") for s in stores()]
    ansible.playbook(PLAYBOOK, extra_vars=dict(sites=gone, expect_changed=True))
    assert built(simulator) == {}
    order = [path for _method, path in kinds_written(simulator)]
    assert set(w[0] for w in kinds_written(simulator)) == {"DELETE"} and len(order) == STORES * 6
    assert order.index("sites/lans") > max(i for i, p in enumerate(order) if p == "sites/acls"), "ACLs first"
    assert min(i for i, p in enumerate(order) if p == "sites") > max(i for i, p in enumerate(order) if p != "sites")
    assert "connectors" not in " ".join(order), "never a connector"
