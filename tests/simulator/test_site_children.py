# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""LANs, WANs and ACLs below a site: array answers of creates, server-filled defaults, every rule, PUT and PATCH."""

import pytest

from ansible_collections.cloudflare.magic_transit.tests.helpers import errors_of, result

SFO = "32d9a8741af047e39c4a6ee61a5daaba"
SYD = "dd54928d783446aeb068b242b1e286a1"
SITE_NYC = "8c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f"


@pytest.fixture(name="site")
def site_fixture(simulator_api):
    return result(simulator_api.post("magic/sites", json={"name": "store", "connector_id": SFO}))


@pytest.fixture(name="ha_site")
def ha_site_fixture(simulator_api):
    return result(
        simulator_api.post(
            "magic/sites",
            json={"name": "ha-store", "connector_id": SFO, "secondary_connector_id": SYD, "ha_mode": True},
        )
    )


def under(site, kind, child_id=""):
    return "magic/sites/%s/%s%s" % (site["id"], kind, "/" + child_id if child_id else "")


def test_lan_and_wan_creates_answer_arrays_with_defaults(simulator_api, site):
    lans = result(simulator_api.post(under(site, "lans"), json={"name": "lan1", "physport": 2}))
    assert lans == [
        {
            "id": lans[0]["id"],
            "site_id": site["id"],
            "name": "lan1",
            "physport": 2,
            "vlan_tag": 0,
            "is_breakout": False,
            "is_prioritized": False,
            "ha_link": False,
        }
    ]
    wans = result(simulator_api.post(under(site, "wans"), json={"physport": 1}))
    assert wans == [
        {"id": wans[0]["id"], "site_id": site["id"], "physport": 1, "vlan_tag": 0, "health_check_rate": "mid"}
    ]
    assert (
        result(simulator_api.get(under(site, "lans"))) == lans
        and result(simulator_api.get(under(site, "wans"))) == wans
    )
    assert result(simulator_api.get(under(site, "lans", lans[0]["id"]))) == lans[0]
    # A child is found only below its own site.
    assert errors_of(simulator_api.get("magic/sites/%s/lans/%s" % (SITE_NYC, lans[0]["id"])), 404)


def test_lan_rules_all_reported_at_once(simulator_api, site):
    body = {
        "physport": 0,
        "vlan_tag": 4095,
        "nat": {"static_prefix": "10.1.1.1/24"},
        "routed_subnets": [{"prefix": "10.5.0.0/16"}, {"prefix": "10.6.0.0/16", "next_hop": "10.0.0.300"}],
        "static_addressing": {"address": "10.0.0.2", "dhcp_server": {}, "dhcp_relay": {"server_addresses": ["x"]}},
    }
    found = errors_of(simulator_api.post(under(site, "lans"), json=body))
    assert found == {
        (1004, "/physport"): "physport must be >= 1",
        (1004, "/vlan_tag"): "vlan_tag must be between 0 and 4094",
        (
            1004,
            "/nat/static_prefix",
        ): "nat.static_prefix must be an IPv4 prefix in CIDR notation without host bits, e.g. 10.10.0.0/24",
        (1004, "/routed_subnets/0/next_hop"): "routed_subnets[0].next_hop is required",
        (1004, "/routed_subnets/1/next_hop"): "routed_subnets[1].next_hop must be an IPv4 address, e.g. 192.168.10.1",
        (
            1004,
            "/static_addressing/address",
        ): "static_addressing.address must be an IPv4 address in CIDR notation, e.g. 192.168.10.1/24",
        (1004, "/static_addressing/dhcp_relay"): "static_addressing: dhcp_server and dhcp_relay exclude each other",
        (
            1004,
            "/static_addressing/dhcp_relay/server_addresses/0",
        ): "static_addressing.dhcp_relay.server_addresses[0] must be an IPv4 address, e.g. 192.168.10.1",
    }
    assert result(simulator_api.get(under(site, "lans"))) == []


def test_dhcp_server_rules(simulator_api, site):
    dhcp = {
        "dhcp_pool_start": "10.0.0.200",
        "dhcp_pool_end": "10.0.0.100",
        "dns_servers": ["1.1.1.1", "nope"],
        "reservations": {"00:11:22:33:44:zz": "10.0.0.5", "00:11:22:33:44:55": "10.9.9.9"},
        "dhcp_options": [
            {"code": 3, "type": "ip", "value": "10.0.0.1"},
            {"code": 0, "type": "text", "value": "x"},
            {"code": 66, "type": "byte", "value": "256"},
            {"code": 67, "type": "hex", "value": "0g"},
            {"code": 66, "type": "url", "value": "x"},
            {"code": 150},
        ],
    }
    found = errors_of(
        simulator_api.post(
            under(site, "lans"), json={"static_addressing": {"address": "10.0.0.1/24", "dhcp_server": dhcp}}
        )
    )
    prefix = "/static_addressing/dhcp_server"
    assert found == {
        (
            1004,
            prefix + "/dhcp_pool_start",
        ): "static_addressing.dhcp_server.dhcp_pool_start must not be after dhcp_pool_end",
        (
            1004,
            prefix + "/dns_servers/1",
        ): "static_addressing.dhcp_server.dns_servers[1] must be an IPv4 address, e.g. 192.168.10.1",
        (
            1004,
            prefix + "/reservations/00:11:22:33:44:zz",
        ): "static_addressing.dhcp_server.reservations key '00:11:22:33:44:zz' must be a MAC address such as 00:11:22:33:44:55",
        (
            1004,
            prefix + "/reservations/00:11:22:33:44:55",
        ): "static_addressing.dhcp_server.reservations.00:11:22:33:44:55 must be inside the LAN's subnet 10.0.0.0/24",
        (
            1004,
            prefix + "/dhcp_options/0/code",
        ): "static_addressing.dhcp_server.dhcp_options[0].code must not be 3, 6 or 51 "
        "(router, DNS servers and lease time are managed by the connector)",
        (
            1004,
            prefix + "/dhcp_options/1/code",
        ): "static_addressing.dhcp_server.dhcp_options[1].code must be between 1 and 254",
        (
            1004,
            prefix + "/dhcp_options/2/value",
        ): "static_addressing.dhcp_server.dhcp_options[2].value does not match type byte (an unsigned integer 0..255)",
        (
            1004,
            prefix + "/dhcp_options/3/value",
        ): "static_addressing.dhcp_server.dhcp_options[3].value does not match type hex "
        "(colon-separated hex bytes such as 01:04:aa:bb, at most 255 bytes)",
        (
            1004,
            prefix + "/dhcp_options/4/type",
        ): "static_addressing.dhcp_server.dhcp_options[4].type must be one of text, hex, ip, byte, short, integer",
        (1004, prefix + "/dhcp_options/5/type"): "static_addressing.dhcp_server.dhcp_options[5].type is required",
        (1004, prefix + "/dhcp_options/5/value"): "static_addressing.dhcp_server.dhcp_options[5].value is required",
        (1004, prefix + "/dhcp_options"): "static_addressing.dhcp_server.dhcp_options must not repeat a code",
    }
    outside = {"dhcp_pool_start": "10.0.1.1", "dhcp_pool_end": "10.0.0.9"}
    assert errors_of(
        simulator_api.post(
            under(site, "lans"), json={"static_addressing": {"address": "10.0.0.1/24", "dhcp_server": outside}}
        )
    ) == {
        (
            1004,
            prefix + "/dhcp_pool_start",
        ): "static_addressing.dhcp_server.dhcp_pool_start must be inside the LAN's subnet 10.0.0.0/24"
    }
    good = {
        "dhcp_pool_start": "10.0.0.10",
        "dhcp_pool_end": "10.0.0.10",
        "reservations": {"AA-BB-CC-DD-EE-FF": "10.0.0.7"},
        "dhcp_options": [
            {"code": 42, "type": "integer", "value": "4294967295"},
            {"code": 43, "type": "hex", "value": "01:0a"},
        ],
    }
    created = result(
        simulator_api.post(
            under(site, "lans"), json={"static_addressing": {"address": "10.0.0.1/24", "dhcp_server": good}}
        )
    )
    assert created[0]["static_addressing"]["dhcp_server"] == good


def test_ha_site_lan_needs_three_addresses_and_one_ha_link(simulator_api, ha_site):
    assert errors_of(
        simulator_api.post(under(ha_site, "lans"), json={"static_addressing": {"address": "10.0.0.2/24"}})
    ) == {
        (
            1004,
            "/static_addressing/%s" % key,
        ): "static_addressing.%s is required in a high-availability site (ha_mode: true): "
        "an HA LAN with static addressing needs address, secondary_address and virtual_address" % key
        for key in ("secondary_address", "virtual_address")
    }
    # Without static addressing (DHCP) an HA site's LAN is fine.
    first = result(simulator_api.post(under(ha_site, "lans"), json={"name": "ha", "ha_link": True}))[0]
    assert errors_of(simulator_api.post(under(ha_site, "lans"), json={"name": "other", "ha_link": True})) == {
        (1004, "/ha_link"): "ha_link: only one LAN per site can be the HA link, and LAN %s (ha) already is"
        % first["id"]
    }
    # The HA link LAN itself may be written again, and the flag moved after clearing it.
    assert result(simulator_api.patch(under(ha_site, "lans", first["id"]), json={"ha_link": True}))["ha_link"] is True
    result(simulator_api.patch(under(ha_site, "lans", first["id"]), json={"ha_link": False}))
    assert (
        result(simulator_api.post(under(ha_site, "lans"), json={"name": "other", "ha_link": True}))[0]["ha_link"]
        is True
    )


def test_turning_ha_on_needs_the_lans_ready(simulator_api, site):
    lan = result(
        simulator_api.post(under(site, "lans"), json={"name": "plain", "static_addressing": {"address": "10.0.0.2/24"}})
    )[0]
    assert errors_of(
        simulator_api.patch("magic/sites/" + site["id"], json={"ha_mode": True, "secondary_connector_id": SYD})
    ) == {
        (1004, "/ha_mode"): "ha_mode: true needs LAN %s (plain) to have static_addressing.secondary_address and "
        "virtual_address first" % lan["id"]
    }
    assert result(simulator_api.get("magic/sites/" + site["id"]))["ha_mode"] is False


def test_wan_rules_and_nullable_flag(simulator_api, site):
    found = errors_of(
        simulator_api.post(
            under(site, "wans"),
            json={
                "priority": -1,
                "health_check_rate": "fast",
                "vlan_tag": -1,
                "static_addressing": {"address": "203.0.113.2/29"},
            },
        )
    )
    assert found == {
        (1004, "/physport"): "physport is required",
        (1004, "/priority"): "priority must be >= 0",
        (1004, "/health_check_rate"): "health_check_rate must be one of low, mid, high",
        (1004, "/vlan_tag"): "vlan_tag must be between 0 and 4094",
        (1004, "/static_addressing/gateway_address"): "static_addressing.gateway_address is required",
    }
    wan = result(simulator_api.post(under(site, "wans"), json={"physport": 1, "load_balance_inner_flows": True}))[0]
    assert errors_of(simulator_api.post(under(site, "wans"), json={"physport": 1, "load_balance_inner_flows": None}))[
        (1022, "/load_balance_inner_flows")
    ]
    cleared = result(simulator_api.patch(under(site, "wans", wan["id"]), json={"load_balance_inner_flows": None}))
    assert "load_balance_inner_flows" not in cleared
    replaced = result(simulator_api.put(under(site, "wans", wan["id"]), json={"priority": 5}))
    assert replaced == {
        "id": wan["id"],
        "site_id": site["id"],
        "physport": 1,
        "priority": 5,
        "vlan_tag": 0,
        "health_check_rate": "mid",
    }


def test_acl_rules_defaults_and_lan_names(simulator_api, site):
    lans = [
        result(simulator_api.post(under(site, "lans"), json={"name": name, "physport": port}))[0]
        for name, port in (("pos", 2), ("office", 3))
    ]
    found = errors_of(
        simulator_api.post(
            under(site, "acls"),
            json={
                "lan_1": {"lan_id": lans[0]["id"], "ports": [0, 443], "port_ranges": ["10-5", "1-65536", "x"]},
                "lan_2": {"lan_id": "f" * 32, "subnets": ["10.0.0.1/24"]},
                "protocols": ["tcp", "gre"],
            },
        )
    )
    assert found == {
        (1004, "/name"): "name is required",
        (1004, "/lan_1/ports/0"): "lan_1.ports[0] must be between 1 and 65535",
        (1004, "/lan_1/port_ranges/0"): 'lan_1.port_ranges[0] must be a range "a-b" of ports with 1 <= a <= b <= 65535',
        (1004, "/lan_1/port_ranges/1"): 'lan_1.port_ranges[1] must be a range "a-b" of ports with 1 <= a <= b <= 65535',
        (1004, "/lan_1/port_ranges/2"): 'lan_1.port_ranges[2] must be a range "a-b" of ports with 1 <= a <= b <= 65535',
        (1004, "/lan_2/lan_id"): "lan_2.lan_id %s is not a LAN of this site" % ("f" * 32),
        (
            1004,
            "/lan_2/subnets/0",
        ): "lan_2.subnets[0] must be an IPv4 prefix in CIDR notation without host bits, e.g. 10.10.0.0/24",
        (1004, "/protocols/1"): "protocols[1] must be one of tcp, udp, icmp",
    }
    same = {"name": "x", "lan_1": {"lan_id": lans[0]["id"]}, "lan_2": {"lan_id": lans[0]["id"]}}
    assert errors_of(simulator_api.post(under(site, "acls"), json=same)) == {
        (1004, "/lan_2/lan_id"): "lan_2.lan_id must name a different LAN than lan_1.lan_id"
    }
    acl = result(
        simulator_api.post(
            under(site, "acls"),
            json={
                "name": "pos-office",
                "lan_1": {"lan_id": lans[0]["id"], "lan_name": "ignored"},
                "lan_2": {"lan_id": lans[1]["id"], "subnets": ["10.3.0.5"]},
            },
        )
    )
    assert acl == {
        "id": acl["id"],
        "site_id": site["id"],
        "name": "pos-office",
        "description": "",
        "lan_1": {"lan_id": lans[0]["id"], "lan_name": "pos"},
        "lan_2": {"lan_id": lans[1]["id"], "subnets": ["10.3.0.5"], "lan_name": "office"},
        "protocols": [],
        "forward_locally": False,
        "unidirectional": False,
    }
    # PATCH one side: the rule is judged against the stored other side.
    assert errors_of(simulator_api.patch(under(site, "acls", acl["id"]), json={"lan_2": {"lan_id": lans[0]["id"]}}))[
        (1004, "/lan_2/lan_id")
    ]
    result(simulator_api.patch(under(site, "lans", lans[0]["id"]), json={"name": "tills"}))
    assert result(simulator_api.get(under(site, "acls", acl["id"])))["lan_1"]["lan_name"] == "tills"
    # ASSUMPTION: a LAN an ACL names is not deleted.
    assert errors_of(simulator_api.delete(under(site, "lans", lans[0]["id"])), 409) == {
        (1006, None): "LAN %s is used by ACL %s (pos-office): delete the ACL first" % (lans[0]["id"], acl["id"])
    }
    assert result(simulator_api.delete(under(site, "acls", acl["id"])))["id"] == acl["id"]
    assert result(simulator_api.delete(under(site, "lans", lans[0]["id"])))["id"] == lans[0]["id"]
    assert [lan["id"] for lan in result(simulator_api.get(under(site, "lans")))] == [lans[1]["id"]]


def test_children_of_unknown_site_and_log(simulator_api, simulator):
    assert errors_of(simulator_api.post("magic/sites/%s/lans" % ("0" * 32), json={"name": "x"}), 404) == {
        (1003, None): "site %s not found" % ("0" * 32)
    }
    entry = simulator.requests("POST", "/lans")[-1]
    assert entry["status"] == 404 and entry["body"] == {"name": "x"}


WRITABLE = {
    "lans": (
        "name",
        "physport",
        "vlan_tag",
        "bond_id",
        "is_breakout",
        "is_prioritized",
        "ha_link",
        "nat",
        "routed_subnets",
        "static_addressing",
    ),
    "wans": (
        "name",
        "physport",
        "priority",
        "vlan_tag",
        "static_addressing",
        "health_check_rate",
        "load_balance_inner_flows",
    ),
    "acls": ("name", "description", "lan_1", "lan_2", "protocols", "forward_locally", "unidirectional"),
}


def assert_children_obey_the_rules(simulator_api, account):
    """Every stored LAN, WAN and ACL, sent back whole with PUT, is accepted and answered unchanged."""
    counted = 0
    for kind, fields in WRITABLE.items():
        for child in account[kind].values():
            body = {key: child[key] for key in fields if key in child}
            answer = result(
                simulator_api.put("magic/sites/%s/%s/%s" % (child["site_id"], kind, child["id"]), json=body)
            )
            assert answer == child, (kind, child["id"])
            counted += 1
    return counted


def test_seed_stores_obey_every_rule(simulator_api, simulator):
    account = simulator.state()["accounts"][simulator.account_id]
    ber = "5f8e0b3a2c6d4e1f9a7b8c0d1e2f3a4b"
    assert [wan["name"] for wan in account["wans"].values() if wan["site_id"] == ber] == ["ber-fibre", "ber-lte"]
    assert [lan["ha_link"] for lan in account["lans"].values() if lan["site_id"] == ber] == [True, False]
    assert len(account["acls"]) == 1
    assert assert_children_obey_the_rules(simulator_api, account) == 7


def test_fleet_stores_share_a_time_zone_and_have_a_network(simulator_api, simulator):
    simulator.add_fleet(21)
    account = simulator.state()["accounts"][simulator.account_id]
    fleet = [item for item in account["connectors"].values() if item["notes"].startswith("fleet-")]
    sites = [site for site in account["sites"].values() if site["name"].startswith("fleet-site-")]
    assert len(fleet) == 21 and len(sites) == 11
    by_id = {item["id"]: item for item in fleet}
    for site in sites:
        children = {
            kind: [item for item in account[kind].values() if item["site_id"] == site["id"]] for kind in WRITABLE
        }
        if site["ha_mode"]:
            assert by_id[site["connector_id"]]["timezone"] == by_id[site["secondary_connector_id"]]["timezone"]
            assert len(children["wans"]) == 2 and [lan["ha_link"] for lan in children["lans"]][0] is True
        else:
            assert children == {"lans": [], "wans": [], "acls": []}
    assert len({by_id[site["connector_id"]]["timezone"] for site in sites}) == 6
    assert len(account["acls"]) == 1 + 2 and len([site for site in sites if site["ha_mode"]]) == 10
    assert assert_children_obey_the_rules(simulator_api, account) == 7 + 10 * 2 + 10 + 2 + 2
