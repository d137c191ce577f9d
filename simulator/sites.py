# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Magic WAN sites and the LANs, WANs and ACLs below them (the newest published schema, 2026-09/10).

Handlers take a ``resources.Call`` and return ``(result, extra_headers)`` like the other endpoints. Children are
stored flat per account (``lans``, ``wans``, ``acls``: id -> object carrying ``site_id``), so the state file and
``GET /__admin/state`` need no new layout. Every choice no public source settles is marked ASSUMPTION here and listed
in simulator/README.md ("Documented behaviour and assumptions").
"""

import copy
import ipaddress
import math
import re
import uuid

from .errors import Collector, bad_request, conflict, not_found
from .validation import TYPE_LABELS, _is_type, check_fields, check_string_list, field_name, pointer, require_object

MAC_PATTERN = re.compile(r"^[0-9A-Fa-f]{2}([:-])[0-9A-Fa-f]{2}(\1[0-9A-Fa-f]{2}){4}$")
HEX_VALUE_PATTERN = re.compile(r"^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2})*$")
PORT_RANGE_PATTERN = re.compile(r"^(\d{1,5})-(\d{1,5})$")
PROTOCOLS = ("tcp", "udp", "icmp")
HEALTH_CHECK_RATES = ("low", "mid", "high")
DHCP_OPTION_TYPES = ("text", "hex", "ip", "byte", "short", "integer")
# Options the connector manages itself (router, DNS servers, lease time): refused, as the schema says.
DHCP_RESERVED_CODES = (3, 6, 51)
UNSIGNED_LIMITS = {"byte": 255, "short": 65535, "integer": 4294967295}
MAX_VLAN_TAG = 4094
MAX_TEXT_OPTION_BYTES = 255

SITE_FIELDS = {
    "name": "string",
    "description": "string",
    "connector_id": "string",
    "secondary_connector_id": "string",
    "ha_mode": "boolean",
    "location": "object",
}
LAN_FIELDS = {
    "name": "string",
    "physport": "integer",
    "vlan_tag": "integer",
    "bond_id": "integer",
    "is_breakout": "boolean",
    "is_prioritized": "boolean",
    "ha_link": "boolean",
    "nat": "object",
    "routed_subnets": "array",
    "static_addressing": "object",
}
WAN_FIELDS = {
    "name": "string",
    "physport": "integer",
    "priority": "integer",
    "vlan_tag": "integer",
    "static_addressing": "object",
    "health_check_rate": "string",
    "load_balance_inner_flows": "boolean",
}
ACL_FIELDS = {
    "name": "string",
    "description": "string",
    "lan_1": "object",
    "lan_2": "object",
    "protocols": "array",
    "forward_locally": "boolean",
    "unidirectional": "boolean",
}
READ_ONLY = ("id", "site_id")

# Server-filled defaults of a create (and of a PUT, which replaces). ASSUMPTION where the schema names no default:
# vlan_tag 0 ("zero for untagged"), the LAN flags false, ACL protocols [] ("empty = all"), description "".
SITE_DEFAULTS = {"description": "", "ha_mode": False}
LAN_DEFAULTS = {"vlan_tag": 0, "is_breakout": False, "is_prioritized": False, "ha_link": False}
WAN_DEFAULTS = {"vlan_tag": 0, "health_check_rate": "mid"}
ACL_DEFAULTS = {"description": "", "protocols": [], "forward_locally": False, "unidirectional": False}
# Kept by a PUT that leaves them out (the object's identity), required by a create.
SITE_REQUIRED = ("name",)
WAN_REQUIRED = ("physport",)
ACL_REQUIRED = ("name", "lan_1", "lan_2")
# A PATCH or PUT may send null for these to clear them (the schema makes load_balance_inner_flows nullable on update).
NULLABLE_ON_UPDATE = ("load_balance_inner_flows",)

SITE_ORDER = ("id", "name", "description", "connector_id", "secondary_connector_id", "ha_mode", "location")
LAN_ORDER = (
    "id",
    "site_id",
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
)
WAN_ORDER = (
    "id",
    "site_id",
    "name",
    "physport",
    "priority",
    "vlan_tag",
    "static_addressing",
    "health_check_rate",
    "load_balance_inner_flows",
)
ACL_ORDER = ("id", "site_id", "name", "description", "lan_1", "lan_2", "protocols", "forward_locally", "unidirectional")


def _ordered(stored, order):
    item = {key: copy.deepcopy(stored[key]) for key in order if key in stored}
    item.update({key: copy.deepcopy(value) for key, value in stored.items() if key not in item})
    return item


def _object_id(call, key):
    # Imported here: resources imports this module for its routes' handlers.
    from .resources import ID_PATTERN, invalid_identifier  # pylint: disable=import-outside-toplevel

    object_id = call.params[key]
    if not ID_PATTERN.match(object_id):
        raise invalid_identifier(call.path)
    return object_id


def _site(call):
    site_id = _object_id(call, "site_id")
    site = call.account["sites"].get(site_id)
    if site is None:
        raise not_found("site %s" % site_id)
    return site


def _child(call, collection, key, what):
    site = _site(call)
    child_id = _object_id(call, key)
    child = call.account[collection].get(child_id)
    if child is None or child.get("site_id") != site["id"]:
        raise not_found("%s %s in site %s" % (what, child_id, site["id"]))
    return site, child


def _children(account, collection, site_id):
    return [item for item in account[collection].values() if item.get("site_id") == site_id]


# ------------------------------------------------------------------------------------------------ field checks


def _ipv4(value, path, errors):
    try:
        return ipaddress.IPv4Address(value)
    except ValueError:
        errors.add("%s must be an IPv4 address, e.g. 192.168.10.1" % field_name(path), pointer(path))
        return None


def _cidr_interface(value, path, errors):
    """An IPv4 address with its prefix length (``192.168.10.1/24``): a LAN's or WAN's own address."""
    try:
        interface = ipaddress.IPv4Interface(value) if "/" in value else None
    except ValueError:
        interface = None
    if interface is None:
        errors.add(
            "%s must be an IPv4 address in CIDR notation, e.g. 192.168.10.1/24" % field_name(path), pointer(path)
        )
    return interface


def _cidr_network(value, path, errors, bare_address=False):
    """An IPv4 prefix without host bits (``10.10.0.0/24``); with ``bare_address`` a single address too."""
    try:
        network = ipaddress.IPv4Network(value) if ("/" in value or bare_address) else None
    except ValueError:
        network = None
    if network is None:
        errors.add(
            "%s must be an IPv4 prefix in CIDR notation without host bits, e.g. 10.10.0.0/24" % field_name(path),
            pointer(path),
        )
    return network


def _int_range(value, path, low, high, errors):
    if (high is not None and not low <= value <= high) or value < low:
        rule = ("between %d and %d" % (low, high)) if high is not None else (">= %d" % low)
        errors.add("%s must be %s" % (field_name(path), rule), pointer(path))
        return False
    return True


def _typed_list(values, path, type_name, errors):
    accepted = []
    for index, value in enumerate(values):
        where = path + (index,)
        if value is None:
            errors.null(field_name(where), TYPE_LABELS[type_name], pointer(where))
        elif not _is_type(value, type_name):
            errors.add(
                "%s must be %s" % (field_name(where), "an integer" if type_name == "integer" else "an object"),
                pointer(where),
            )
        else:
            accepted.append((index, value))
    return accepted


def _nat(value, path, errors):
    fields = check_fields(value, {"static_prefix": "string"}, errors, path=path)
    if "static_prefix" in fields:
        _cidr_network(fields["static_prefix"], path + ("static_prefix",), errors)
    return fields


def _routed_subnets(values, path, errors):
    result = []
    for index, item in _typed_list(values, path, "object", errors):
        where = path + (index,)
        fields = check_fields(item, {"prefix": "string", "next_hop": "string", "nat": "object"}, errors, path=where)
        for key in ("prefix", "next_hop"):
            if key not in item:
                errors.add("%s.%s is required" % (field_name(where), key), pointer(where + (key,)))
        if "prefix" in fields:
            _cidr_network(fields["prefix"], where + ("prefix",), errors)
        if "next_hop" in fields:
            _ipv4(fields["next_hop"], where + ("next_hop",), errors)
        if "nat" in fields:
            fields["nat"] = _nat(fields["nat"], where + ("nat",), errors)
        result.append(fields)
    return result


def _dhcp_option(item, where, errors):
    fields = check_fields(item, {"code": "integer", "type": "string", "value": "string"}, errors, path=where)
    for key in ("code", "type", "value"):
        if key not in item:
            errors.add("%s.%s is required" % (field_name(where), key), pointer(where + (key,)))
    code = fields.get("code")
    if code is not None:
        if not 1 <= code <= 254:
            errors.add("%s.code must be between 1 and 254" % field_name(where), pointer(where + ("code",)))
        elif code in DHCP_RESERVED_CODES:
            errors.add(
                "%s.code must not be 3, 6 or 51 (router, DNS servers and lease time are managed by the connector)"
                % field_name(where),
                pointer(where + ("code",)),
            )
    kind = fields.get("type")
    if kind is not None and kind not in DHCP_OPTION_TYPES:
        errors.add(
            "%s.type must be one of %s" % (field_name(where), ", ".join(DHCP_OPTION_TYPES)), pointer(where + ("type",))
        )
    elif kind is not None and "value" in fields and not _option_value_matches(kind, fields["value"]):
        errors.add(
            "%s.value does not match type %s (%s)" % (field_name(where), kind, OPTION_VALUE_RULES[kind]),
            pointer(where + ("value",)),
        )
    return fields


OPTION_VALUE_RULES = {
    "text": "a string of at most 255 bytes",
    "hex": "colon-separated hex bytes such as 01:04:aa:bb, at most 255 bytes",
    "ip": "an IPv4 address",
    "byte": "an unsigned integer 0..255",
    "short": "an unsigned integer 0..65535",
    "integer": "an unsigned integer 0..4294967295",
}


def _option_value_matches(kind, value):
    if kind == "text":
        return len(value.encode("utf-8")) <= MAX_TEXT_OPTION_BYTES
    if kind == "hex":
        return bool(HEX_VALUE_PATTERN.match(value)) and (len(value) + 1) // 3 <= MAX_TEXT_OPTION_BYTES
    if kind == "ip":
        try:
            ipaddress.IPv4Address(value)
        except ValueError:
            return False
        return True
    return value.isdigit() and int(value) <= UNSIGNED_LIMITS[kind]


def _dhcp_server(value, path, subnet, errors):
    fields = check_fields(
        value,
        {
            "dhcp_pool_start": "string",
            "dhcp_pool_end": "string",
            "dns_servers": "array",
            "dns_server": "string",
            "reservations": "object",
            "dhcp_options": "array",
        },
        errors,
        path=path,
    )
    pool = {}
    for key in ("dhcp_pool_start", "dhcp_pool_end"):
        if key in fields:
            address = _ipv4(fields[key], path + (key,), errors)
            if address is not None and subnet is not None and address not in subnet:
                errors.add(
                    "%s must be inside the LAN's subnet %s" % (field_name(path + (key,)), subnet),
                    pointer(path + (key,)),
                )
            elif address is not None:
                pool[key] = address
    if len(pool) == 2 and pool["dhcp_pool_start"] > pool["dhcp_pool_end"]:
        errors.add(
            "%s.dhcp_pool_start must not be after dhcp_pool_end" % field_name(path),
            pointer(path + ("dhcp_pool_start",)),
        )
    if "dns_servers" in fields:
        for index, address in enumerate(check_string_list(fields["dns_servers"], path + ("dns_servers",), errors)):
            _ipv4(address, path + ("dns_servers", index), errors)
    if "dns_server" in fields:
        _ipv4(fields["dns_server"], path + ("dns_server",), errors)
    if "reservations" in fields:
        for mac, address in fields["reservations"].items():
            where = path + ("reservations", mac)
            if not MAC_PATTERN.match(mac):
                errors.add(
                    "%s.reservations key %r must be a MAC address such as 00:11:22:33:44:55" % (field_name(path), mac),
                    pointer(where),
                )
            if not isinstance(address, str):
                errors.add("%s must be an IPv4 address string" % field_name(where), pointer(where))
                continue
            reserved = _ipv4(address, where, errors)
            if reserved is not None and subnet is not None and reserved not in subnet:
                errors.add("%s must be inside the LAN's subnet %s" % (field_name(where), subnet), pointer(where))
    if "dhcp_options" in fields:
        codes = []
        for index, item in _typed_list(fields["dhcp_options"], path + ("dhcp_options",), "object", errors):
            option = _dhcp_option(item, path + ("dhcp_options", index), errors)
            codes.append(option.get("code"))
        if len([code for code in codes if code is not None]) != len({code for code in codes if code is not None}):
            errors.add("%s.dhcp_options must not repeat a code" % field_name(path), pointer(path + ("dhcp_options",)))
    return fields


def _lan_static_addressing(value, path, ha_mode, errors):
    fields = check_fields(
        value,
        {
            "address": "string",
            "secondary_address": "string",
            "virtual_address": "string",
            "dhcp_relay": "object",
            "dhcp_server": "object",
        },
        errors,
        path=path,
    )
    subnet = None
    if "address" not in value:
        errors.add("%s.address is required" % field_name(path), pointer(path + ("address",)))
    elif "address" in fields:
        interface = _cidr_interface(fields["address"], path + ("address",), errors)
        subnet = interface.network if interface is not None else None
    for key in ("secondary_address", "virtual_address"):
        if key in fields:
            _cidr_interface(fields[key], path + (key,), errors)
        elif ha_mode and key not in value:
            errors.add(
                "%s.%s is required in a high-availability site (ha_mode: true): an HA LAN with static addressing "
                "needs address, secondary_address and virtual_address" % (field_name(path), key),
                pointer(path + (key,)),
            )
    if "dhcp_server" in fields and "dhcp_relay" in fields:
        # ASSUMPTION: a LAN either serves DHCP or relays it, not both.
        errors.add(
            "%s: dhcp_server and dhcp_relay exclude each other" % field_name(path), pointer(path + ("dhcp_relay",))
        )
    if "dhcp_relay" in fields:
        relay = check_fields(fields["dhcp_relay"], {"server_addresses": "array"}, errors, path=path + ("dhcp_relay",))
        where = path + ("dhcp_relay", "server_addresses")
        for index, address in enumerate(check_string_list(relay.get("server_addresses", []), where, errors)):
            _ipv4(address, where + (index,), errors)
    if "dhcp_server" in fields:
        _dhcp_server(fields["dhcp_server"], path + ("dhcp_server",), subnet, errors)
    return fields


def _wan_static_addressing(value, path, errors):
    fields = check_fields(
        value, {"address": "string", "gateway_address": "string", "secondary_address": "string"}, errors, path=path
    )
    for key in ("address", "gateway_address"):
        if key not in value:
            errors.add("%s.%s is required" % (field_name(path), key), pointer(path + (key,)))
    for key in ("address", "secondary_address"):
        if key in fields:
            _cidr_interface(fields[key], path + (key,), errors)
    if "gateway_address" in fields:
        _ipv4(fields["gateway_address"], path + ("gateway_address",), errors)
    return fields


def _common_lan_wan(fields, errors):
    if "physport" in fields:
        _int_range(fields["physport"], ("physport",), 1, None, errors)
    if "vlan_tag" in fields:
        _int_range(fields["vlan_tag"], ("vlan_tag",), 0, MAX_VLAN_TAG, errors)


def _acl_side(value, path, lans, errors):
    fields = check_fields(
        value,
        {"lan_id": "string", "lan_name": "string", "ports": "array", "port_ranges": "array", "subnets": "array"},
        errors,
        path=path,
    )
    if "lan_id" not in value:
        errors.add("%s.lan_id is required" % field_name(path), pointer(path + ("lan_id",)))
    elif "lan_id" in fields and fields["lan_id"] not in lans:
        errors.add(
            "%s.lan_id %s is not a LAN of this site" % (field_name(path), fields["lan_id"]), pointer(path + ("lan_id",))
        )
    if "ports" in fields:
        for index, port in _typed_list(fields["ports"], path + ("ports",), "integer", errors):
            _int_range(port, path + ("ports", index), 1, 65535, errors)
    if "port_ranges" in fields:
        for index, text in enumerate(check_string_list(fields["port_ranges"], path + ("port_ranges",), errors)):
            match = PORT_RANGE_PATTERN.match(text)
            low, high = (int(match.group(1)), int(match.group(2))) if match else (0, 0)
            if not match or not 1 <= low <= high <= 65535:
                errors.add(
                    '%s must be a range "a-b" of ports with 1 <= a <= b <= 65535'
                    % field_name(path + ("port_ranges", index)),
                    pointer(path + ("port_ranges", index)),
                )
    if "subnets" in fields:
        for index, subnet in enumerate(check_string_list(fields["subnets"], path + ("subnets",), errors)):
            _cidr_network(subnet, path + ("subnets", index), errors, bare_address=True)
    if "lan_id" in fields and fields["lan_id"] in lans:
        # The server fills lan_name from the LAN; a lan_name sent is not stored.
        fields["lan_name"] = lans[fields["lan_id"]].get("name", "")
    else:
        fields.pop("lan_name", None)
    return fields


# ------------------------------------------------------------------------------------------------ body checks


def _accepted(body, fields, errors, update):
    """Type-checked entries; on update the nullable fields may be null (returned as None: cleared)."""
    nulls = {key: None for key in NULLABLE_ON_UPDATE if update and key in body and body[key] is None}
    accepted = check_fields(
        {key: value for key, value in body.items() if key not in nulls}, fields, errors, read_only=READ_ONLY
    )
    accepted.update(nulls)
    return accepted


def _missing(body, required, errors):
    for key in required:
        if key not in body:
            errors.add("%s is required" % key, "/" + key)


def _fields(body, allowed, create, required=()):
    """``(errors, fields)``: the accepted fields of a write body, a create's missing required ones already collected."""
    require_object(body)
    errors = Collector()
    fields = _accepted(body, allowed, errors, update=not create)
    if create:
        _missing(body, required, errors)
    return errors, fields


def site_body(body, account, site_id, create):
    """Validate a site POST/PUT/PATCH body; return the fields to store ("" for a connector slot clears it)."""
    errors, fields = _fields(body, SITE_FIELDS, create, SITE_REQUIRED)
    if "name" in fields and not fields["name"].strip():
        errors.add("name must not be empty", "/name")
    for key in ("connector_id", "secondary_connector_id"):
        value = fields.get(key)
        if value and value not in account["connectors"]:
            errors.add(
                "%s %s is not a connector of this account (GET /magic/connectors lists them)" % (key, value), "/" + key
            )
        elif value:
            # ASSUMPTION: a connector belongs to at most one site.
            other = next(
                (
                    site
                    for site in account["sites"].values()
                    if site["id"] != site_id and value in (site.get("connector_id"), site.get("secondary_connector_id"))
                ),
                None,
            )
            if other is not None:
                errors.add(
                    "%s %s is already in site %s (%s): a connector can be in one site only"
                    % (key, value, other["id"], other.get("name")),
                    "/" + key,
                )
    if fields.get("connector_id") and fields.get("connector_id") == fields.get("secondary_connector_id"):
        errors.add("secondary_connector_id must differ from connector_id", "/secondary_connector_id")
    if "location" in fields:
        location = check_fields(fields["location"], {"lat": "string", "lon": "string"}, errors, path=("location",))
        for key, limit in (("lat", 90), ("lon", 180)):
            if key in location:
                try:
                    number = float(location[key])
                except ValueError:
                    number = None
                if number is None or math.isnan(number) or not -limit <= number <= limit:
                    errors.add(
                        "location.%s must be a decimal number between %d and %d, as a string" % (key, -limit, limit),
                        "/location/" + key,
                    )
        fields["location"] = location
    errors.raise_if_any()
    return fields


def lan_body(body, site, lans_of_site, lan_id, create):
    errors, fields = _fields(body, LAN_FIELDS, create)
    _common_lan_wan(fields, errors)
    if "bond_id" in fields:
        _int_range(fields["bond_id"], ("bond_id",), 0, None, errors)
    if "nat" in fields:
        fields["nat"] = _nat(fields["nat"], ("nat",), errors)
    if "routed_subnets" in fields:
        fields["routed_subnets"] = _routed_subnets(fields["routed_subnets"], ("routed_subnets",), errors)
    if "static_addressing" in fields:
        _lan_static_addressing(fields["static_addressing"], ("static_addressing",), site.get("ha_mode", False), errors)
    if fields.get("ha_link"):
        other = next((lan for lan in lans_of_site if lan.get("ha_link") and lan["id"] != lan_id), None)
        if other is not None:
            errors.add(
                "ha_link: only one LAN per site can be the HA link, and LAN %s (%s) already is"
                % (other["id"], other.get("name", "")),
                "/ha_link",
            )
    errors.raise_if_any()
    return fields


def wan_body(body, create):
    errors, fields = _fields(body, WAN_FIELDS, create, WAN_REQUIRED)
    _common_lan_wan(fields, errors)
    if "priority" in fields:
        # ASSUMPTION: priorities are >= 0 (lower is preferred); the schema gives no range.
        _int_range(fields["priority"], ("priority",), 0, None, errors)
    if "health_check_rate" in fields and fields["health_check_rate"] not in HEALTH_CHECK_RATES:
        errors.add("health_check_rate must be one of %s" % ", ".join(HEALTH_CHECK_RATES), "/health_check_rate")
    if "static_addressing" in fields:
        _wan_static_addressing(fields["static_addressing"], ("static_addressing",), errors)
    errors.raise_if_any()
    return fields


def acl_body(body, lans, create, current=None):
    errors, fields = _fields(body, ACL_FIELDS, create, ACL_REQUIRED)
    if "name" in fields and not fields["name"].strip():
        errors.add("name must not be empty", "/name")
    for key in ("lan_1", "lan_2"):
        if key in fields:
            fields[key] = _acl_side(fields[key], (key,), lans, errors)
    if "protocols" in fields:
        protocols = check_string_list(fields["protocols"], ("protocols",), errors)
        for index, protocol in enumerate(protocols):
            if protocol not in PROTOCOLS:
                errors.add("protocols[%d] must be one of %s" % (index, ", ".join(PROTOCOLS)), "/protocols/%d" % index)
    sides = [(fields.get(key) or (current or {}).get(key) or {}).get("lan_id") for key in ("lan_1", "lan_2")]
    if not errors and sides[0] and sides[0] == sides[1]:
        errors.add("lan_2.lan_id must name a different LAN than lan_1.lan_id", "/lan_2/lan_id")
    errors.raise_if_any()
    return fields


# ------------------------------------------------------------------------------------------------ handlers


def _apply(current, changes, defaults, kept, replace):
    """The updated object: PATCH merges; PUT resets what is not sent to the defaults (keeping ``kept`` fields)."""
    if replace:
        updated = {key: copy.deepcopy(current[key]) for key in ("id", "site_id") + tuple(kept) if key in current}
        updated.update(copy.deepcopy(defaults))
    else:
        updated = copy.deepcopy(current)
    for key, value in changes.items():
        if value is None or value == "" and key in ("connector_id", "secondary_connector_id"):
            updated.pop(key, None)
        else:
            updated[key] = copy.deepcopy(value)
    return updated


def render_site(stored):
    return _ordered(stored, SITE_ORDER)


def list_sites(call):
    """GET: every site (no paging); ``?connectorid=`` keeps the sites naming that connector (either slot)."""
    connector_id = call.query.get("connectorid")
    with call.store.lock:
        sites = list(call.account["sites"].values())
        if connector_id is not None:
            sites = [
                site for site in sites if connector_id in (site.get("connector_id"), site.get("secondary_connector_id"))
            ]
        return [render_site(site) for site in sites], {}


def get_site(call):
    with call.store.lock:
        return render_site(_site(call)), {}


def create_site(call):
    with call.store.lock:
        fields = site_body(call.body, call.account, None, create=True)
        site = _apply({"id": uuid.uuid4().hex}, fields, {}, (), replace=False)
        site = dict(copy.deepcopy(SITE_DEFAULTS), **site)
        call.account["sites"][site["id"]] = site
        call.store.commit()
        return render_site(site), {}


def _change_site(call, replace):
    with call.store.lock:
        current = _site(call)
        fields = site_body(call.body, call.account, current["id"], create=False)
        updated = _apply(current, fields, SITE_DEFAULTS, SITE_REQUIRED, replace)
        if updated.get("connector_id") and updated.get("connector_id") == updated.get("secondary_connector_id"):
            # Judged on the result: a PATCH of one slot must not make both slots name the same connector.
            raise bad_request(
                "secondary_connector_id must differ from connector_id (a PATCH moving a member to the other "
                "slot must empty or change the other slot too)",
                "/secondary_connector_id",
            )
        if updated.get("ha_mode") and not current.get("ha_mode"):
            _check_lans_fit_ha(call.account, current["id"])
        call.account["sites"][current["id"]] = updated
        call.store.commit()
        return render_site(updated), {}


def _check_lans_fit_ha(account, site_id):
    """Turning HA on needs every statically addressed LAN of the site to carry the three HA addresses."""
    errors = Collector()
    for lan in _children(account, "lans", site_id):
        static = lan.get("static_addressing") or {}
        missing = [key for key in ("secondary_address", "virtual_address") if static and key not in static]
        if missing:
            errors.add(
                "ha_mode: true needs LAN %s (%s) to have static_addressing.%s first"
                % (lan["id"], lan.get("name", ""), " and ".join(missing)),
                "/ha_mode",
            )
    errors.raise_if_any()


def edit_site(call):
    return _change_site(call, replace=False)


def replace_site(call):
    return _change_site(call, replace=True)


def delete_site(call):
    """ASSUMPTION: a site that still has LANs, WANs or ACLs is not deleted (409 naming what is left)."""
    with call.store.lock:
        site = _site(call)
        left = {
            collection: len(_children(call.account, collection, site["id"])) for collection in ("acls", "lans", "wans")
        }
        if any(left.values()):
            raise conflict(
                "site %s still has %s: delete them first (ACLs, then LANs and WANs)"
                % (
                    site["id"],
                    ", ".join("%d %s" % (count, name.upper()[:-1] + "s") for name, count in left.items() if count),
                )
            )
        del call.account["sites"][site["id"]]
        call.store.commit()
        return render_site(site), {}


def _site_lans(call, site_id):
    return {lan["id"]: lan for lan in _children(call.account, "lans", site_id)}


KINDS = {
    # collection: (path parameter, label, field order, defaults, kept on PUT)
    "lans": ("lan_id", "LAN", LAN_ORDER, LAN_DEFAULTS, ("name", "physport")),
    "wans": ("wan_id", "WAN", WAN_ORDER, WAN_DEFAULTS, ("name",) + WAN_REQUIRED),
    "acls": ("acl_id", "ACL", ACL_ORDER, ACL_DEFAULTS, ACL_REQUIRED),
}


def _validate_child(call, collection, site, current, create):
    if collection == "lans":
        return lan_body(call.body, site, _children(call.account, "lans", site["id"]), current and current["id"], create)
    if collection == "wans":
        return wan_body(call.body, create)
    return acl_body(call.body, _site_lans(call, site["id"]), create, None if create else current)


def _render_child(collection, stored):
    return _ordered(stored, KINDS[collection][2])


def _list_children(collection):
    def handler(call):
        with call.store.lock:
            site = _site(call)
            return [_render_child(collection, item) for item in _children(call.account, collection, site["id"])], {}

    return handler


def _get_child(collection):
    key, label = KINDS[collection][:2]

    def handler(call):
        with call.store.lock:
            return _render_child(collection, _child(call, collection, key, label)[1]), {}

    return handler


def _create_child(collection):
    """POST: the created object; LANs and WANs answer an array of it (as the schema says), ACLs the object."""
    defaults = KINDS[collection][3]

    def handler(call):
        with call.store.lock:
            site = _site(call)
            fields = _validate_child(call, collection, site, None, create=True)
            item = dict(copy.deepcopy(defaults), id=uuid.uuid4().hex, site_id=site["id"])
            item = _apply(item, fields, {}, (), replace=False)
            call.account[collection][item["id"]] = item
            call.store.commit()
            rendered = _render_child(collection, item)
            return ([rendered] if collection in ("lans", "wans") else rendered), {}

    return handler


def _change_child(collection, replace):
    key, label, _order, defaults, kept = KINDS[collection]

    def handler(call):
        with call.store.lock:
            site, current = _child(call, collection, key, label)
            fields = _validate_child(call, collection, site, current, create=False)
            updated = _apply(current, fields, defaults, kept, replace)
            if collection == "lans" and updated.get("name") != current.get("name"):
                _rename_in_acls(call.account, current["id"], updated.get("name", ""))
            call.account[collection][current["id"]] = updated
            call.store.commit()
            return _render_child(collection, updated), {}

    return handler


def _rename_in_acls(account, lan_id, name):
    for acl in account["acls"].values():
        for side in ("lan_1", "lan_2"):
            if acl.get(side, {}).get("lan_id") == lan_id:
                acl[side]["lan_name"] = name


def _delete_child(collection):
    key, label = KINDS[collection][:2]

    def handler(call):
        with call.store.lock:
            _unused, current = _child(call, collection, key, label)
            if collection == "lans":
                # ASSUMPTION: a LAN an ACL names is not deleted (409): the ACL would point at nothing.
                users = [
                    acl
                    for acl in call.account["acls"].values()
                    if current["id"] in (acl.get("lan_1", {}).get("lan_id"), acl.get("lan_2", {}).get("lan_id"))
                ]
                if users:
                    raise conflict(
                        "LAN %s is used by ACL %s: delete the ACL first"
                        % (current["id"], ", ".join("%s (%s)" % (acl["id"], acl.get("name")) for acl in users))
                    )
            del call.account[collection][current["id"]]
            call.store.commit()
            return _render_child(collection, current), {}

    return handler


def routes(account_pattern):
    """The site routes below ``account_pattern`` (``/accounts/{account_id}``), in the app's ROUTES form."""
    site = account_pattern + r"/magic/sites/(?P<site_id>[^/]+)"
    table = [
        (account_pattern + r"/magic/sites", {"GET": list_sites, "POST": create_site}),
        (site, {"GET": get_site, "PUT": replace_site, "PATCH": edit_site, "DELETE": delete_site}),
    ]
    for collection, (key, _label, _order, _defaults, _kept) in KINDS.items():
        table.append((site + "/" + collection, {"GET": _list_children(collection), "POST": _create_child(collection)}))
        table.append(
            (
                site + "/%s/(?P<%s>[^/]+)" % (collection, key),
                {
                    "GET": _get_child(collection),
                    "PUT": _change_child(collection, True),
                    "PATCH": _change_child(collection, False),
                    "DELETE": _delete_child(collection),
                },
            )
        )
    return table
