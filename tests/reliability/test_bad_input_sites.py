# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Bad input of the Magic WAN site modules (issue 24): magic_site, magic_site_lan, magic_site_wan, magic_site_acl and
magic_site_info. The rows run through the bad-input catalogue's machinery (test_bad_input.py): each is refused with a
message naming the option and the rule, before any write (``NONE``: no call at all; ``READS``: only what it needs to
read to judge). Every row has its own copy of the seed: the HA site ``ber-branch-01`` with the LANs ``ber-store``
(the HA link, 10.40.0.0/24) and ``ber-guest``."""

from __future__ import annotations

import pytest

from ansible_collections.cloudflare.magic_transit.tests.reliability.test_bad_input import (
    ID_RULE,
    MODULES,
    NONE,
    NOT_BOOL,
    READS,
    _refused_before_any_write,
)

SITE_MODULES = {
    "SITE": "cloudflare.magic_transit.magic_site",
    "LAN": "cloudflare.magic_transit.magic_site_lan",
    "WAN": "cloudflare.magic_transit.magic_site_wan",
    "ACL": "cloudflare.magic_transit.magic_site_acl",
    "SITEI": "cloudflare.magic_transit.magic_site_info",
}
BER = dict(site_name="ber-branch-01")
LAN = dict(BER, name="pos")
STORE = dict(BER, name="ber-store")
WAN = dict(BER, name="uplink")
ACL = dict(BER, name="till-to-guest")
SIDES = dict(lan_1=dict(lan_name="ber-store"), lan_2=dict(lan_name="ber-guest"))


def _dhcp(**server):
    return dict(static_addressing=dict(address="10.60.0.2/24", dhcp_server=server))


def _option(**option):
    return _dhcp(dhcp_options=[dict(dict(code=66, type="text", value="tftp"), **option)])


ROWS = [
    # --- magic_site ---------------------------------------------------------------------------------------------------
    (
        "site-lat-91",
        "SITE",
        {"name": "x", "location": {"lat": 91, "lon": 0}},
        r"^location\.lat must be a number from -90 to 90",
        NONE,
    ),
    (
        "site-lon-text",
        "SITE",
        {"name": "x", "location": {"lat": 1, "lon": "east"}},
        r"^location\.lon must be a number from -180 to 180",
        NONE,
    ),
    (
        "site-connector-id-path",
        "SITE",
        {"name": "x", "connector_id": "../connectors"},
        r"^connector_id %s" % ID_RULE,
        NONE,
    ),
    (
        "site-reference-two-keys",
        "SITE",
        {"name": "x", "connector": {"id": "a" * 32, "notes": "n"}},
        r"^parameters are mutually exclusive: id\|device_serial_number\|notes found in connector",
        NONE,
    ),
    (
        "site-reference-no-key",
        "SITE",
        {"name": "x", "secondary_connector": {}},
        r"one of the following is required: id, device_serial_number, notes found in secondary_connector",
        NONE,
    ),
    (
        "site-reference-and-id",
        "SITE",
        {"name": "x", "connector": {"notes": "n"}, "connector_id": "a" * 32},
        r"^parameters are mutually exclusive: connector\|connector_id",
        NONE,
    ),
    ("site-no-identity", "SITE", {"description": "x"}, r"^one of the following is required: id, name$", NONE),
    ("site-empty-name", "SITE", {"name": ""}, r"^name must not be empty", NONE),
    (
        "site-ha-text",
        "SITE",
        {"name": "x", "ha_mode": "perhaps"},
        r"argument 'ha_mode' is of type .* unable to convert to bool",
        NONE,
    ),
    (
        "site-unknown-serial",
        "SITE",
        {"name": "x", "connector": {"device_serial_number": "MWC0000NOPE"}},
        r"^connector\.device_serial_number must name an existing connector .*got 'MWC0000NOPE'$",
        READS,
    ),
    ("site-unknown-id", "SITE", {"id": "0" * 32, "description": "x"}, r"^id must identify an existing site", READS),
    (
        "site-ha-lan-addresses",
        "SITE",
        {"name": "nyc-dc-02", "ha_mode": True},
        r"^ha_mode cannot be turned on while LAN [0-9a-f]{32} \(nyc-dc\) of the site has static addressing without "
        r"secondary_address and virtual_address",
        READS,
    ),
    ("sitei-id-path", "SITEI", {"id": "../x", "details": True}, r"^id %s" % ID_RULE, NONE),
    # --- magic_site_lan -----------------------------------------------------------------------------------------------
    (
        "lan-no-site",
        "LAN",
        {"name": "pos", "physport": 5},
        r"^one of the following is required: site_id, site_name$",
        NONE,
    ),
    (
        "lan-two-sites",
        "LAN",
        dict(LAN, site_id="a" * 32),
        r"^parameters are mutually exclusive: site_id\|site_name$",
        NONE,
    ),
    ("lan-vlan-4095", "LAN", dict(LAN, vlan_tag=4095), r"^vlan_tag must be from 0 to 4094, got 4095$", NONE),
    ("lan-vlan-bool", "LAN", dict(LAN, vlan_tag=True), r"^vlan_tag " + NOT_BOOL % "True", NONE),
    ("lan-physport-0", "LAN", dict(LAN, physport=0), r"^physport must be at least 1, got 0$", NONE),
    ("lan-bond-negative", "LAN", dict(LAN, bond_id=-1), r"^bond_id must be at least 0, got -1$", NONE),
    (
        "lan-nat-host-bits",
        "LAN",
        dict(LAN, nat={"static_prefix": "10.1.1.1/24"}),
        r"^nat\.static_prefix must be an IPv4 prefix in CIDR notation without host bits",
        NONE,
    ),
    (
        "lan-routed-next-hop",
        "LAN",
        dict(LAN, routed_subnets=[{"prefix": "10.9.0.0/16", "next_hop": "10.60.0.300"}]),
        r"^routed_subnets\[0\]\.next_hop must be an IPv4 address",
        NONE,
    ),
    (
        "lan-routed-missing-hop",
        "LAN",
        dict(LAN, routed_subnets=[{"prefix": "10.9.0.0/16"}]),
        r"missing required arguments: next_hop found in routed_subnets",
        NONE,
    ),
    (
        "lan-address-no-prefix",
        "LAN",
        dict(LAN, static_addressing={"address": "10.60.0.2"}),
        r"^static_addressing\.address must be an IPv4 address with its prefix length",
        NONE,
    ),
    (
        "lan-pool-outside",
        "LAN",
        dict(LAN, **_dhcp(dhcp_pool_start="10.61.0.10")),
        r"^static_addressing\.dhcp_server\.dhcp_pool_start must be inside the LAN's subnet 10\.60\.0\.0/24",
        NONE,
    ),
    (
        "lan-pool-reversed",
        "LAN",
        dict(LAN, **_dhcp(dhcp_pool_start="10.60.0.200", dhcp_pool_end="10.60.0.100")),
        r"^static_addressing\.dhcp_server\.dhcp_pool_start must not be after dhcp_pool_end",
        NONE,
    ),
    (
        "lan-dns-server",
        "LAN",
        dict(LAN, **_dhcp(dns_servers=["1.1.1.1", "dns.example"])),
        r"^static_addressing\.dhcp_server\.dns_servers\[1\] must be an IPv4 address",
        NONE,
    ),
    (
        "lan-mac",
        "LAN",
        dict(LAN, **_dhcp(reservations={"00:1a:2b:3c:4d": "10.60.0.5"})),
        r"^static_addressing\.dhcp_server\.reservations keys must be MAC addresses",
        NONE,
    ),
    (
        "lan-reservation-outside",
        "LAN",
        dict(LAN, **_dhcp(reservations={"00:1a:2b:3c:4d:5e": "10.99.0.5"})),
        r"^static_addressing\.dhcp_server\.reservations\[00:1a:2b:3c:4d:5e\] must be inside the LAN's subnet",
        NONE,
    ),
    (
        "lan-option-code-3",
        "LAN",
        dict(LAN, **_option(code=3, type="ip", value="10.60.0.1")),
        r"^static_addressing\.dhcp_server\.dhcp_options\[0\]\.code must not be 3, 6 or 51",
        NONE,
    ),
    (
        "lan-option-code-255",
        "LAN",
        dict(LAN, **_option(code=255)),
        r"^static_addressing\.dhcp_server\.dhcp_options\[0\]\.code must be from 1 to 254, got 255$",
        NONE,
    ),
    (
        "lan-option-byte",
        "LAN",
        dict(LAN, **_option(type="byte", value="256")),
        r"^static_addressing\.dhcp_server\.dhcp_options\[0\]\.value must match type byte",
        NONE,
    ),
    (
        "lan-option-hex",
        "LAN",
        dict(LAN, **_option(type="hex", value="0g:01")),
        r"^static_addressing\.dhcp_server\.dhcp_options\[0\]\.value must match type hex",
        NONE,
    ),
    (
        "lan-option-type",
        "LAN",
        dict(LAN, **_option(type="string")),
        r"value of type must be one of: text, hex, ip, byte, short, integer",
        NONE,
    ),
    (
        "lan-relay-and-server",
        "LAN",
        dict(
            LAN,
            static_addressing={
                "address": "10.60.0.2/24",
                "dhcp_server": {},
                "dhcp_relay": {"server_addresses": ["10.0.0.1"]},
            },
        ),
        r"parameters are mutually exclusive: dhcp_relay\|dhcp_server found in static_addressing",
        NONE,
    ),
    (
        "lan-unknown-site",
        "LAN",
        dict(LAN, site_name="no-such-site"),
        r"^site_name must identify an existing site, got 'no-such-site'$",
        READS,
    ),
    (
        "lan-ha-site-addresses",
        "LAN",
        dict(LAN, physport=5, static_addressing={"address": "10.60.0.2/24"}),
        r"^static_addressing\.secondary_address is required in a high-availability site \(ha_mode: true\)",
        READS,
    ),
    (
        "lan-second-ha-link",
        "LAN",
        dict(BER, name="ber-guest", ha_link=True),
        r"^ha_link can be true on one LAN per site only, and LAN [0-9a-f]{32} \(ber-store\)",
        READS,
    ),
    (
        "lan-pool-outside-current",
        "LAN",
        dict(STORE, static_addressing={"dhcp_server": {"dhcp_pool_end": "10.41.0.9"}}),
        r"^static_addressing\.dhcp_server\.dhcp_pool_end must be inside the LAN's subnet 10\.40\.0\.0/24",
        READS,
    ),
    ("lan-unknown-id", "LAN", dict(BER, id="0" * 32, vlan_tag=3), r"^id must identify an existing LAN", READS),
    # --- magic_site_wan -----------------------------------------------------------------------------------------------
    ("wan-physport-0", "WAN", dict(WAN, physport=0), r"^physport must be at least 1, got 0$", NONE),
    (
        "wan-vlan-negative",
        "WAN",
        dict(WAN, physport=1, vlan_tag=-1),
        r"^vlan_tag must be from 0 to 4094, got -1$",
        NONE,
    ),
    (
        "wan-priority-negative",
        "WAN",
        dict(WAN, physport=1, priority=-1),
        r"^priority must be at least 0, got -1$",
        NONE,
    ),
    (
        "wan-gateway-cidr",
        "WAN",
        dict(WAN, physport=1, static_addressing={"address": "198.51.100.2/30", "gateway_address": "198.51.100.1/30"}),
        r"^static_addressing\.gateway_address must be an IPv4 address",
        NONE,
    ),
    (
        "wan-rate",
        "WAN",
        dict(WAN, physport=1, health_check_rate="fast"),
        r"value of health_check_rate must be one of: low, mid, high",
        NONE,
    ),
    (
        "wan-create-without-port",
        "WAN",
        dict(WAN, priority=3),
        r"^physport is required to create a new WAN \(no WAN of the site is named 'uplink'\)$",
        READS,
    ),
    (
        "wan-static-no-gateway",
        "WAN",
        dict(WAN, physport=5, static_addressing={"address": "198.51.100.2/30"}),
        r"^static_addressing\.gateway_address is required",
        READS,
    ),
    # --- magic_site_acl -----------------------------------------------------------------------------------------------
    (
        "acl-port-0",
        "ACL",
        dict(ACL, lan_1={"lan_name": "ber-store", "ports": [0]}),
        r"^lan_1\.ports\[0\] must be from 1 to 65535, got 0$",
        NONE,
    ),
    (
        "acl-port-70000",
        "ACL",
        dict(ACL, lan_2={"lan_name": "ber-guest", "ports": [443, 70000]}),
        r"^lan_2\.ports\[1\] must be from 1 to 65535, got 70000$",
        NONE,
    ),
    (
        "acl-range-reversed",
        "ACL",
        dict(ACL, lan_1={"lan_name": "ber-store", "port_ranges": ["9102-9100"]}),
        r"^lan_1\.port_ranges\[0\] must be a range \"a-b\" of ports with 1 <= a <= b <= 65535, got '9102-9100'$",
        NONE,
    ),
    (
        "acl-range-text",
        "ACL",
        dict(ACL, lan_1={"lan_name": "ber-store", "port_ranges": ["http"]}),
        r"^lan_1\.port_ranges\[0\] must be a range",
        NONE,
    ),
    (
        "acl-subnet",
        "ACL",
        dict(ACL, lan_1={"lan_name": "ber-store", "subnets": ["10.40.0.0/33"]}),
        r"^lan_1\.subnets\[0\] must be an IPv4 prefix",
        NONE,
    ),
    (
        "acl-protocol",
        "ACL",
        dict(ACL, protocols=["tcp", "gre"]),
        r"value of protocols must be one or more of: tcp, udp, icmp",
        NONE,
    ),
    (
        "acl-side-two-keys",
        "ACL",
        dict(ACL, lan_1={"lan_name": "ber-store", "lan_id": "a" * 32}),
        r"parameters are mutually exclusive: lan_id\|lan_name found in lan_1",
        NONE,
    ),
    (
        "acl-side-no-lan",
        "ACL",
        dict(ACL, lan_2={"ports": [80]}),
        r"one of the following is required: lan_id, lan_name found in lan_2",
        NONE,
    ),
    (
        "acl-same-lan",
        "ACL",
        dict(ACL, lan_1={"lan_name": "ber-store"}, lan_2={"lan_name": "ber-store"}),
        r"^lan_2 must name a different LAN than lan_1",
        READS,
    ),
    (
        "acl-unknown-lan",
        "ACL",
        dict(ACL, lan_1={"lan_name": "ber-tills"}, lan_2={"lan_name": "ber-guest"}),
        r"^lan_1\.lan_name must name a LAN of site [0-9a-f]{32} \(its LANs: ber-store, ber-guest\), got 'ber-tills'$",
        READS,
    ),
    (
        "acl-create-one-side",
        "ACL",
        dict(ACL, lan_1={"lan_name": "ber-store"}),
        r"^lan_2 is required to create a new ACL \(no ACL of the site is named 'till-to-guest'\)$",
        READS,
    ),
]


@pytest.mark.timeout(900)
def test_site_modules_refuse_bad_input_before_any_write(simulator, accounts, playbooks, monkeypatch):
    for short, name in SITE_MODULES.items():
        monkeypatch.setitem(MODULES, short, name)
    assert len({row[0] for row in ROWS}) == len(ROWS) >= 50
    assert {row[1] for row in ROWS} == set(SITE_MODULES), "every site module has rows"
    _refused_before_any_write(ROWS, simulator, accounts, playbooks, groups=2)
