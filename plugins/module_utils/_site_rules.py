# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The value rules of Magic WAN sites, LANs, WANs and ACLs (Cloudflare's newest published schema, 2026-09/10).

Each function raises ``InvalidOption`` naming the option (``where`` prefixes it, such as ``static_addressing.``)
and the rule, before any write. What the argument spec can say (types, choices, exclusive options) is said there.
"""

from __future__ import annotations

import ipaddress
import math
import re

from ._inputs import InvalidOption

MAX_VLAN_TAG = 4094
MAX_PORT = 65535
# Options the connector sets itself (router, DNS servers, lease time): the schema refuses them.
RESERVED_DHCP_CODES = (3, 6, 51)
UNSIGNED_LIMITS = {"byte": 255, "short": 65535, "integer": 4294967295}
MAX_OPTION_BYTES = 255
MAC_PATTERN = re.compile(r"^[0-9A-Fa-f]{2}([:-])[0-9A-Fa-f]{2}(\1[0-9A-Fa-f]{2}){4}$")
HEX_PATTERN = re.compile(r"^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2})*$")
PORT_RANGE_PATTERN = re.compile(r"^(\d{1,5})-(\d{1,5})$")
HA_ADDRESSES = ("address", "secondary_address", "virtual_address")
LOCATION_LIMITS = (("lat", 90), ("lon", 180))


def ipv4(option, value):
    """An IPv4 address (``192.168.10.1``)."""
    try:
        return ipaddress.IPv4Address(value)
    except ValueError:
        raise InvalidOption(option, "must be an IPv4 address such as 192.168.10.1", value) from None


def interface(option, value):
    """An IPv4 address with its prefix length (``192.168.10.1/24``): a LAN's or WAN's own address."""
    try:
        if "/" in value:
            return ipaddress.IPv4Interface(value)
    except ValueError:
        pass
    raise InvalidOption(option, "must be an IPv4 address with its prefix length (CIDR) such as 192.168.10.1/24", value)


def prefix(option, value, bare_address=False):
    """An IPv4 prefix without host bits (``10.10.0.0/24``); with ``bare_address`` one address too."""
    try:
        if "/" in value or bare_address:
            return ipaddress.IPv4Network(value)
    except ValueError:
        pass
    raise InvalidOption(
        option,
        "must be an IPv4 prefix in CIDR notation without host bits, such as 10.10.0.0/24"
        + (" (or one IPv4 address)" if bare_address else ""),
        value,
    )


def at_least(option, value, low, high=None):
    if value is not None and (value < low or (high is not None and value > high)):
        raise InvalidOption(
            option, "must be from %d to %d" % (low, high) if high is not None else "must be at least %d" % low, value
        )


def check_port_and_vlan(params, where=""):
    """``physport`` >= 1 and ``vlan_tag`` 0..4094 (0: untagged), for LANs and WANs alike."""
    at_least(where + "physport", params.get("physport"), 1)
    at_least(where + "vlan_tag", params.get("vlan_tag"), 0, MAX_VLAN_TAG)


def check_nat(nat, where):
    if (nat or {}).get("static_prefix") is not None:
        prefix(where + "static_prefix", nat["static_prefix"])


def check_lan(params):
    """Every LAN rule that needs no call (the static addressing is judged again, merged with the LAN's, in
    ``check_static_addressing`` once the LAN and its site are read)."""
    check_port_and_vlan(params)
    at_least("bond_id", params.get("bond_id"), 0)
    check_nat(params.get("nat"), "nat.")
    for index, subnet in enumerate(params.get("routed_subnets") or []):
        where = "routed_subnets[%d]." % index
        prefix(where + "prefix", subnet["prefix"])
        ipv4(where + "next_hop", subnet["next_hop"])
        check_nat(subnet.get("nat"), where + "nat.")
    if params.get("static_addressing"):
        check_static_addressing(params["static_addressing"])


def check_static_addressing(static, ha_mode=False, creating=False):
    """A LAN's ``static_addressing`` (canonical or as given): its addresses, its DHCP server inside the LAN's subnet,
    and in a site in high-availability mode the three addresses the pair needs."""
    where = "static_addressing."
    subnet = interface(where + "address", static["address"]).network if static.get("address") else None
    if subnet is None and creating:
        raise InvalidOption(where + "address", "is required: a LAN's static addressing needs its address (CIDR)")
    for key in HA_ADDRESSES[1:]:
        if static.get(key):
            interface(where + key, static[key])
    missing = [key for key in HA_ADDRESSES if not static.get(key)]
    if ha_mode and missing:
        raise InvalidOption(
            where + missing[0],
            "is required in a high-availability site (ha_mode: true): a LAN's static "
            "addressing there needs %s" % ", ".join(HA_ADDRESSES),
        )
    for index, address in enumerate((static.get("dhcp_relay") or {}).get("server_addresses") or []):
        ipv4("%sdhcp_relay.server_addresses[%d]" % (where, index), address)
    if static.get("dhcp_server"):
        check_dhcp_server(static["dhcp_server"], subnet, where + "dhcp_server.")


def check_dhcp_server(server, subnet, where):
    pool = [(key, ipv4(where + key, server[key])) for key in ("dhcp_pool_start", "dhcp_pool_end") if server.get(key)]
    for key, address in pool:
        inside(where + key, address, subnet)
    if len(pool) == 2 and pool[0][1] > pool[1][1]:
        raise InvalidOption(
            where + "dhcp_pool_start", "must not be after dhcp_pool_end (%s)" % pool[1][1], str(pool[0][1])
        )
    for index, address in enumerate(server.get("dns_servers") or []):
        ipv4("%sdns_servers[%d]" % (where, index), address)
    if server.get("dns_server"):
        ipv4(where + "dns_server", server["dns_server"])
    for mac, address in (server.get("reservations") or {}).items():
        if not isinstance(mac, str) or not MAC_PATTERN.match(mac):
            raise InvalidOption(where + "reservations", "keys must be MAC addresses such as 00:11:22:33:44:55", mac)
        if not isinstance(address, str):
            raise InvalidOption("%sreservations[%s]" % (where, mac), "must be an IPv4 address string", address)
        inside("%sreservations[%s]" % (where, mac), ipv4("%sreservations[%s]" % (where, mac), address), subnet)
    codes = set()
    for index, option in enumerate(server.get("dhcp_options") or []):
        check_dhcp_option(option, "%sdhcp_options[%d]." % (where, index))
        if option["code"] in codes:
            raise InvalidOption("%sdhcp_options[%d].code" % (where, index), "must not repeat a code", option["code"])
        codes.add(option["code"])


def inside(option, address, subnet):
    if subnet is not None and address not in subnet:
        raise InvalidOption(option, "must be inside the LAN's subnet %s" % subnet, str(address))


def check_dhcp_option(option, where):
    code, kind, value = option.get("code"), option.get("type"), option.get("value")
    if not isinstance(code, int) or kind not in OPTION_VALUE_RULES or not isinstance(value, str):
        raise InvalidOption(
            where.rstrip("."),
            "needs code (a number), type (%s) and value (a string)" % "|".join(OPTION_VALUE_RULES),
            option,
        )
    if not 1 <= code <= 254:
        raise InvalidOption(where + "code", "must be from 1 to 254", code)
    if code in RESERVED_DHCP_CODES:
        raise InvalidOption(
            where + "code",
            "must not be 3, 6 or 51 (the connector sets the router, the DNS servers and the lease time itself)",
            code,
        )
    if not option_value_matches(kind, value):
        raise InvalidOption(where + "value", "must match type %s (%s)" % (kind, OPTION_VALUE_RULES[kind]), value)


OPTION_VALUE_RULES = {
    "text": "a string of at most 255 bytes",
    "hex": "colon-separated hex bytes such as 01:04:aa:bb, at most 255 bytes",
    "ip": "an IPv4 address",
    "byte": "an unsigned integer 0..255",
    "short": "an unsigned integer 0..65535",
    "integer": "an unsigned integer 0..4294967295",
}


def option_value_matches(kind, value):
    if kind == "text":
        return len(value.encode("utf-8")) <= MAX_OPTION_BYTES
    if kind == "hex":
        return bool(HEX_PATTERN.match(value)) and (len(value) + 1) // 3 <= MAX_OPTION_BYTES
    if kind == "ip":
        try:
            ipaddress.IPv4Address(value)
        except ValueError:
            return False
        return True
    return value.isdigit() and int(value) <= UNSIGNED_LIMITS[kind]


def check_wan(params):
    check_port_and_vlan(params)
    # An assumption: the schema gives no range; lower is preferred, so a negative priority makes no sense.
    at_least("priority", params.get("priority"), 0)
    if params.get("static_addressing"):
        check_wan_addressing(params["static_addressing"], complete=False)


def check_wan_addressing(static, complete=True):
    """A WAN's static addressing: its addresses (CIDR) and gateway (IPv4); ``complete`` (merged with the WAN's
    current one, before the write) needs the two the API requires, else the WAN uses DHCP."""
    for key in ("address", "secondary_address"):
        if static.get(key):
            interface("static_addressing." + key, static[key])
    if static.get("gateway_address"):
        ipv4("static_addressing.gateway_address", static["gateway_address"])
    missing = [key for key in ("address", "gateway_address") if complete and not static.get(key)]
    if missing:
        raise InvalidOption(
            "static_addressing." + missing[0],
            "is required: a WAN's static addressing needs address "
            "and gateway_address (leave static_addressing out for DHCP)",
        )


def check_acl(params):
    for side in ("lan_1", "lan_2"):
        if params.get(side):
            check_acl_side(params[side], side + ".")


def check_acl_side(side, where):
    for index, port in enumerate(side.get("ports") or []):
        at_least("%sports[%d]" % (where, index), port, 1, MAX_PORT)
    for index, text in enumerate(side.get("port_ranges") or []):
        match = PORT_RANGE_PATTERN.match(text)
        if not match or not 1 <= int(match.group(1)) <= int(match.group(2)) <= MAX_PORT:
            raise InvalidOption(
                "%sport_ranges[%d]" % (where, index), 'must be a range "a-b" of ports with 1 <= a <= b <= 65535', text
            )
    for index, subnet in enumerate(side.get("subnets") or []):
        prefix("%ssubnets[%d]" % (where, index), subnet, bare_address=True)


def number(value):
    """A latitude or longitude as a float (the API sends strings), or None when it is not a finite number."""
    try:
        value = float(value) if not isinstance(value, bool) else None
    except (TypeError, ValueError):
        return None
    return value if value is not None and not math.isinf(value) and not math.isnan(value) else None


def check_location(location):
    for key, limit in LOCATION_LIMITS:
        value = (location or {}).get(key)
        if value is not None and (number(value) is None or not -limit <= number(value) <= limit):
            raise InvalidOption(
                "location." + key, "must be a number from %d to %d (a string holding one too)" % (-limit, limit), value
            )
