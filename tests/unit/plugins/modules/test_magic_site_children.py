# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""magic_site_lan, magic_site_wan and magic_site_acl at the HTTP boundary: every call scripted."""

from __future__ import annotations

import copy

import pytest
import requests

from ansible_collections.cloudflare.magic_transit.plugins.modules import magic_site_acl, magic_site_lan, magic_site_wan
from ansible_collections.cloudflare.magic_transit.tests.unit.fake_api import ACCOUNT

SITES = "/accounts/%s/magic/sites" % ACCOUNT
SITE = {"id": "5c2e4a6b8d0f4e1a3c5b7d9f1e3a5c7b", "name": "ber-branch-01", "ha_mode": True}
PLAIN_SITE = dict(SITE, ha_mode=False)
LANS, WANS, ACLS = (SITES + "/" + SITE["id"] + "/" + kind for kind in ("lans", "wans", "acls"))
STORE = {
    "id": "b" * 32,
    "site_id": SITE["id"],
    "name": "store",
    "physport": 3,
    "vlan_tag": 0,
    "is_breakout": False,
    "is_prioritized": False,
    "ha_link": True,
    "static_addressing": {
        "address": "10.40.0.2/24",
        "secondary_address": "10.40.0.3/24",
        "virtual_address": "10.40.0.1/24",
        "dhcp_server": {
            "dhcp_pool_start": "10.40.0.100",
            "dhcp_pool_end": "10.40.0.199",
            "dns_servers": ["10.40.0.1", "1.1.1.1"],
            "reservations": {"00:1a:2b:3c:4d:5e": "10.40.0.50"},
            "dhcp_options": [
                {"code": 42, "type": "ip", "value": "10.40.0.1"},
                {"code": 150, "type": "ip", "value": "10.40.0.5"},
            ],
        },
    },
}
GUEST = {"id": "c" * 32, "site_id": SITE["id"], "name": "guest", "physport": 4, "vlan_tag": 20, "ha_link": False}
LAN_OPTIONS = dict(
    name="store",
    physport=3,
    ha_link=True,
    static_addressing=dict(
        address="10.40.0.2/24",
        secondary_address="10.40.0.3/24",
        virtual_address="10.40.0.1/24",
        dhcp_server=dict(
            dhcp_pool_start="10.40.0.100",
            dhcp_pool_end="10.40.0.199",
            dns_servers=["1.1.1.1", "10.40.0.1"],
            reservations={"00-1A-2B-3C-4D-5E": "10.40.0.50"},
            dhcp_options=[dict(code=150, type="ip", value="10.40.0.5"), dict(code=42, type="ip", value="10.40.0.1")],
        ),
    ),
)
BY_NAME = dict(site_name=SITE["name"], max_retries=0)
FIBRE = {
    "id": "d" * 32,
    "site_id": SITE["id"],
    "name": "fibre",
    "physport": 1,
    "priority": 1,
    "vlan_tag": 0,
    "health_check_rate": "mid",
    "static_addressing": {"address": "203.0.113.10/29", "gateway_address": "203.0.113.9"},
}
ACL = {
    "id": "e" * 32,
    "site_id": SITE["id"],
    "name": "printers",
    "description": "",
    "lan_1": {"lan_id": STORE["id"], "lan_name": "store", "ports": [631, 80]},
    "lan_2": {"lan_id": GUEST["id"], "lan_name": "guest", "port_ranges": ["9100-9102"]},
    "protocols": ["udp", "tcp"],
    "forward_locally": False,
    "unidirectional": True,
}


def site_by_name(api, site=None):
    api.expect("GET", SITES, result=[site or SITE])


def test_a_lan_is_created_in_the_site_named_and_the_array_answer_taken(api, run_module):
    site_by_name(api)
    api.expect("GET", LANS, result=[GUEST])
    api.expect("GET", SITES + "/" + SITE["id"], result=SITE)  # is the site in HA mode
    api.expect("GET", LANS, result=[GUEST])  # has another LAN the HA link already
    api.expect("POST", LANS, result=[STORE])
    result = run_module(magic_site_lan, **dict(LAN_OPTIONS, **BY_NAME))
    assert result["changed"] is True and result["magic_site_lan"] == STORE
    body = api.writes()[0].body
    assert body["static_addressing"]["dhcp_server"]["reservations"] == {"00:1a:2b:3c:4d:5e": "10.40.0.50"}
    assert [o["code"] for o in body["static_addressing"]["dhcp_server"]["dhcp_options"]] == [42, 150]


def test_a_lan_in_the_apis_own_form_is_unchanged(api, run_module):
    site_by_name(api)
    api.expect("GET", LANS, result=[STORE, GUEST])
    api.expect("GET", SITES + "/" + SITE["id"], result=SITE)
    result = run_module(magic_site_lan, check_mode=True, **dict(LAN_OPTIONS, **BY_NAME))
    assert result["changed"] is False and api.writes() == []


def test_one_key_of_the_dhcp_server_changes_and_the_others_are_kept(api, run_module):
    site_by_name(api)
    api.expect("GET", LANS, result=[STORE])
    api.expect("GET", SITES + "/" + SITE["id"], result=SITE)
    changed = copy.deepcopy(STORE)
    changed["static_addressing"]["dhcp_server"]["dhcp_pool_end"] = "10.40.0.220"
    api.expect("PATCH", LANS + "/" + STORE["id"], result=changed)
    result = run_module(
        magic_site_lan,
        diff=True,
        name="store",
        static_addressing=dict(dhcp_server=dict(dhcp_pool_end="10.40.0.220")),
        **BY_NAME,
    )
    assert result["changed"] is True
    sent = api.writes()[0].body
    assert (
        list(sent) == ["static_addressing"]
        and sent["static_addressing"]["dhcp_server"]["dns_servers"] == ["1.1.1.1", "10.40.0.1"]
        and sent["static_addressing"]["virtual_address"] == "10.40.0.1/24"
    )
    assert result["diff"]["after"]["static_addressing"]["dhcp_server"]["dhcp_pool_end"] == "10.40.0.220"
    assert "physport" not in result["diff"]["after"], "only managed fields"


def test_a_relay_replaces_the_dhcp_server(api, run_module):
    site_by_name(api)
    api.expect("GET", LANS, result=[STORE])
    api.expect("GET", SITES + "/" + SITE["id"], result=SITE)
    api.expect("PATCH", LANS + "/" + STORE["id"], result=STORE)
    run_module(
        magic_site_lan, name="store", static_addressing=dict(dhcp_relay=dict(server_addresses=["10.9.9.9"])), **BY_NAME
    )
    sent = api.writes()[0].body["static_addressing"]
    assert "dhcp_server" not in sent and sent["dhcp_relay"] == {"server_addresses": ["10.9.9.9"]}


@pytest.mark.parametrize(
    "static, option",
    [
        (dict(address="10.1.0.2/24"), "static_addressing.secondary_address is required in a high-availability site"),
        (dict(address="10.1.0.2/24", secondary_address="10.1.0.3/24"), "static_addressing.virtual_address is required"),
    ],
)
def test_an_ha_site_needs_the_three_addresses(api, run_module, static, option):
    site_by_name(api)
    api.expect("GET", LANS, result=[])
    api.expect("GET", SITES + "/" + SITE["id"], result=SITE)
    result = run_module(magic_site_lan, name="new", physport=5, static_addressing=static, **BY_NAME)
    assert result["failed"] and result["msg"].startswith(option), result["msg"]
    assert api.writes() == []


def test_a_single_site_needs_only_the_address(api, run_module):
    site_by_name(api, PLAIN_SITE)
    api.expect("GET", LANS, result=[])
    api.expect("GET", SITES + "/" + SITE["id"], result=PLAIN_SITE)
    api.expect("POST", LANS, result=[dict(GUEST, id="f" * 32, name="new")])
    assert run_module(magic_site_lan, name="new", static_addressing=dict(address="10.1.0.2/24"), **BY_NAME)["changed"]


def test_a_second_ha_link_fails_naming_the_lan_that_has_it(api, run_module):
    site_by_name(api)
    api.expect("GET", LANS, result=[STORE, GUEST])
    api.expect("GET", LANS, result=[STORE, GUEST])
    result = run_module(magic_site_lan, name="guest", ha_link=True, **BY_NAME)
    assert result["failed"] and result["msg"].startswith(
        "ha_link can be true on one LAN per site only, and LAN %s (store)" % STORE["id"]
    )
    assert api.writes() == []


def test_the_pool_must_be_inside_the_lans_current_subnet(api, run_module):
    site_by_name(api)
    api.expect("GET", LANS, result=[STORE])
    api.expect("GET", SITES + "/" + SITE["id"], result=SITE)
    result = run_module(
        magic_site_lan, name="store", static_addressing=dict(dhcp_server=dict(dhcp_pool_end="10.9.0.9")), **BY_NAME
    )
    assert result["failed"] and result["msg"].startswith(
        "static_addressing.dhcp_server.dhcp_pool_end must be inside the LAN's subnet 10.40.0.0/24"
    )
    assert api.writes() == []


def test_an_unknown_site_fails_naming_the_option_before_any_write(api, run_module):
    api.expect("GET", SITES, result=[])
    result = run_module(magic_site_lan, name="store", physport=3, **BY_NAME)
    assert result["failed"] and result["msg"].startswith("site_name must identify an existing site")


def test_a_create_answering_an_object_is_an_unknown_outcome_settled_by_a_re_read(api, run_module):
    site_by_name(api)
    api.expect("GET", LANS, result=[])
    api.expect("POST", LANS, result=GUEST)
    api.expect("GET", LANS, result=[GUEST])
    result = run_module(magic_site_lan, name="guest", physport=4, vlan_tag=20, **BY_NAME)
    assert result["changed"] is True and result["magic_site_lan"] == GUEST
    assert "where a list of one object was expected" in repr(result["warnings"])


def test_a_wan_create_needs_its_port_and_answers_an_array(api, run_module):
    site_by_name(api)
    api.expect("GET", WANS, result=[])
    result = run_module(magic_site_wan, name="fibre", priority=1, **BY_NAME)
    assert (
        result["failed"]
        and result["msg"] == "physport is required to create a new WAN (no WAN of the site is named 'fibre')"
    )
    site_by_name(api)
    api.expect("GET", WANS, result=[])
    api.expect(
        "POST",
        WANS,
        result=[FIBRE],
        body={
            "name": "fibre",
            "physport": 1,
            "priority": 1,
            "static_addressing": {"address": "203.0.113.10/29", "gateway_address": "203.0.113.9"},
        },
    )
    result = run_module(
        magic_site_wan,
        name="fibre",
        physport=1,
        priority=1,
        static_addressing=dict(address="203.0.113.10/29", gateway_address="203.0.113.9"),
        **BY_NAME,
    )
    assert result["changed"] is True and result["magic_site_wan"] == FIBRE


def test_a_wan_with_the_server_defaults_is_unchanged(api, run_module):
    api.expect("GET", SITES + "/" + SITE["id"], result=SITE)
    api.expect("GET", WANS + "/" + FIBRE["id"], result=FIBRE)
    result = run_module(magic_site_wan, site_id=SITE["id"], id=FIBRE["id"], vlan_tag=0, health_check_rate="mid")
    assert result["changed"] is False and api.writes() == []


def test_wan_static_addressing_needs_a_gateway(api, run_module):
    site_by_name(api)
    api.expect("GET", WANS, result=[])
    result = run_module(
        magic_site_wan, name="lte", physport=2, static_addressing=dict(address="198.51.100.2/30"), **BY_NAME
    )
    assert result["failed"] and result["msg"].startswith("static_addressing.gateway_address is required")


def test_an_acl_names_its_lans_by_name_with_one_list(api, run_module):
    site_by_name(api)
    api.expect("GET", ACLS, result=[])
    api.expect("GET", LANS, result=[STORE, GUEST])
    api.expect("POST", ACLS, result=ACL)
    result = run_module(
        magic_site_acl,
        name="printers",
        lan_1=dict(lan_name="store", ports=[80, 631]),
        lan_2=dict(lan_name="guest", port_ranges=["9100-9102"]),
        protocols=["tcp", "udp"],
        unidirectional=True,
        **BY_NAME,
    )
    assert result["changed"] is True
    body = api.writes()[0].body
    assert body["lan_1"]["lan_id"] == STORE["id"] and sorted(body["lan_1"]["ports"]) == [80, 631]
    assert body["lan_2"]["lan_id"] == GUEST["id"] and "lan_name" not in body["lan_2"]


def test_an_acl_in_the_apis_own_form_is_unchanged(api, run_module):
    site_by_name(api)
    api.expect("GET", ACLS, result=[ACL])
    api.expect("GET", LANS, result=[STORE, GUEST])
    result = run_module(
        magic_site_acl,
        name="printers",
        lan_1=dict(lan_id=STORE["id"], ports=[80, 631, 80]),
        lan_2=dict(lan_name="guest"),
        protocols=["tcp", "udp"],
        forward_locally=False,
        **BY_NAME,
    )
    assert result["changed"] is False and api.writes() == []


@pytest.mark.parametrize(
    "sides, message",
    [
        (
            dict(lan_1=dict(lan_name="store"), lan_2=dict(lan_id=STORE["id"])),
            "lan_2 must name a different LAN than lan_1",
        ),
        (dict(lan_1=dict(lan_name="till"), lan_2=dict(lan_name="guest")), "lan_1.lan_name must name a LAN of site"),
        (dict(lan_1=dict(lan_name="store"), lan_2=dict(lan_id="9" * 32)), "lan_2.lan_id must name a LAN of site"),
    ],
)
def test_the_two_sides_name_two_lans_of_the_site(api, run_module, sides, message):
    site_by_name(api)
    api.expect("GET", ACLS, result=[])
    api.expect("GET", LANS, result=[STORE, GUEST])
    result = run_module(magic_site_acl, name="printers", **dict(sides, **BY_NAME))
    assert result["failed"] and result["msg"].startswith(message), result["msg"]
    assert api.writes() == []


def test_one_side_changed_is_checked_against_the_other_current_side(api, run_module):
    site_by_name(api)
    api.expect("GET", ACLS, result=[ACL])
    api.expect("GET", LANS, result=[STORE, GUEST])
    result = run_module(magic_site_acl, name="printers", lan_1=dict(lan_name="guest"), **BY_NAME)
    assert result["failed"] and result["msg"].startswith("lan_1 must name a different LAN than lan_2")


def test_an_acl_update_whose_answer_was_lost_is_re_read(api, run_module):
    site_by_name(api)
    api.expect("GET", ACLS, result=[ACL])
    api.expect("PATCH", ACLS + "/" + ACL["id"], raises=requests.exceptions.ConnectionError("RemoteDisconnected"))
    api.expect("GET", ACLS + "/" + ACL["id"], result=dict(ACL, forward_locally=True))
    result = run_module(magic_site_acl, name="printers", forward_locally=True, **BY_NAME)
    assert result["changed"] is True and "a re-read shows the change landed" in repr(result["warnings"])
