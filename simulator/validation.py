# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Cloudflare-like validation of request bodies.

Each ``*_body`` function checks a whole body, collects every problem (so one 400 names them all) and returns
the normalised values to store. Messages name the field and the rule (``mtu must be >= 576``); each error points
at the offending field with a JSON pointer (``/health_check/rate``). A JSON ``null`` anywhere is error 1022.
"""

import collections
import datetime
import ipaddress
import re
import zoneinfo

from .errors import CODE_MALFORMED_JSON, Collector, bad_request

DAYS = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")
DEVICE_TYPES = ("MANAGED", "LICENSED")
# ASSUMPTIONS, each in no published source (simulator/README.md, "Documented behaviour and assumptions"): at most 100
# embargo dates, an interrupt window opening at hour 0 to 23, notes of at most 2048 characters.
MAX_EMBARGO_DATES = 100
MAX_HOUR_OF_DAY = 23
MAX_NOTES_LENGTH = 2048
MIN_MTU = 576
MAX_ASN = 4294967295

INTERFACE_RANGES = tuple(
    ipaddress.ip_network(net) for net in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16")
)
HEALTH_CHECK_SOURCE_RANGES = tuple(
    ipaddress.ip_network(net)
    for net in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.240.0/20", "198.41.199.224/27")
)
# Version 1.5 interconnects need a /31 (the others a /30 or a /31), and only they support bidirectional health checks.
# Their BGP endpoints are derived from interface_address, so they are read-only there.
VERSION_15 = "1.5"
# Printable ASCII except the quotation mark and the question mark (Cloudflare's documented md5_key alphabet).
MD5_KEY_PATTERN = re.compile(r"^[\x20-\x21\x23-\x3e\x40-\x7e]+$")
DATE_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}$")

HEALTH_CHECK_ENUMS = {
    "rate": ("low", "mid", "high"),
    "type": ("reply", "request"),
    "direction": ("unidirectional", "bidirectional"),
}
HEALTH_CHECK_DEFAULTS = {"enabled": True, "rate": "mid", "type": "reply", "direction": "unidirectional", "target": ""}

# Writable fields and their JSON types; read-only fields are refused with their own message.
INTERCONNECT_FIELDS = {
    "name": "string",
    "description": "string",
    "interface_address": "string",
    "interface_address6": "string",
    "mtu": "integer",
    "automatic_return_routing": "boolean",
    "gre": "object",
    "health_check": "object",
    "bgp": "object",
}
INTERCONNECT_READ_ONLY = ("id", "colo_name", "version", "created_on", "modified_on", "virtual_port_reservation_id")
GRE_FIELDS = {"cloudflare_endpoint": "string"}
HEALTH_CHECK_FIELDS = {
    "enabled": "boolean",
    "rate": "string",
    "type": "string",
    "direction": "string",
    "target": "target",
    "source": "string",
}
TARGET_FIELDS = {"saved": "string", "effective": "string"}
BGP_FIELDS = {
    "customer_asn": "integer",
    "extra_prefixes": "array",
    "import_filter_id": "string",
    "export_filter_id": "string",
    "md5_key": "string",
}
# Deprecated inputs: accepted (and stored) on versions 1 and 2, read-only on 1.5 (derived from interface_address).
BGP_DEPRECATED = {"as_no": "integer", "cloudflare_endpoint": "string", "customer_endpoint": "string"}

CONNECTOR_SETTINGS = {
    "activated": "boolean",
    "notes": "string",
    "timezone": "string",
    "interrupt_window_hour_of_day": "number",
    "interrupt_window_duration_hours": "number",
    "interrupt_window_days_of_week": "array",
    "interrupt_window_embargo_dates": "array",
    "primary": "boolean",
    "site_id": "string",
}
CONNECTOR_READ_ONLY = ("id", "last_heartbeat", "last_seen_version", "last_updated", "license_key")
DEVICE_FIELDS = {"id": "string", "serial_number": "string", "provision_license": "boolean"}
INTERRUPT_ACTIONS = ("reboot", "restart", "shutdown")

TYPE_LABELS = {
    "target": "string",
    "array": "array",
    "object": "object",
    "boolean": "boolean",
    "integer": "integer",
    "number": "number",
    "string": "string",
}

_TIMEZONES = None

# What an interconnect update is judged against beyond the interconnect itself: the names of the account's other
# tunnels, whether the account has the coupler_integration flag, and the health-check target form of the call.
AccountRules = collections.namedtuple("AccountRules", "other_names coupler_integration new_target_form")


def available_timezones():
    global _TIMEZONES  # pylint: disable=global-statement
    if _TIMEZONES is None:
        _TIMEZONES = frozenset(zoneinfo.available_timezones())
    return _TIMEZONES


def field_name(path):
    """``("bgp", "extra_prefixes", 0)`` -> ``bgp.extra_prefixes[0]``."""
    name = ""
    for part in path:
        if isinstance(part, int):
            name += "[%d]" % part
        else:
            name += ("." if name else "") + part
    return name


def pointer(path):
    return "/" + "/".join(str(part) for part in path)


def _is_type(value, type_name):
    if type_name == "string":
        return isinstance(value, str)
    if type_name == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if type_name == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if type_name == "boolean":
        return isinstance(value, bool)
    if type_name == "object":
        return isinstance(value, dict)
    if type_name == "array":
        return isinstance(value, list)
    if type_name == "target":
        return isinstance(value, (str, dict))
    raise ValueError("unknown type %s" % type_name)


def _type_description(type_name):
    return {
        "target": "a string or an object {saved}",
        "integer": "an integer",
        "object": "an object",
        "array": "an array",
    }.get(type_name, "a " + type_name)


def check_fields(body, fields, errors, path=(), read_only=(), refuse=None):
    """Check keys, nulls and JSON types of one object; return the entries that passed.

    ``refuse`` maps a key to a message for keys that are known but not accepted here.
    """
    accepted = {}
    for key, value in body.items():
        where = path + (key,)
        name = field_name(where)
        if refuse and key in refuse:
            errors.add(refuse[key], pointer(where))
        elif key in read_only:
            errors.add("%s is read-only and cannot be set" % name, pointer(where))
        elif key not in fields:
            errors.add("%s is not a valid field" % name, pointer(where))
        elif value is None:
            errors.null(name, TYPE_LABELS[fields[key]], pointer(where))
        elif not _is_type(value, fields[key]):
            errors.add("%s must be %s" % (name, _type_description(fields[key])), pointer(where))
        else:
            accepted[key] = value
    return accepted


def check_string_list(values, path, errors):
    """Return the strings of a list, reporting nulls (1022) and non-strings."""
    strings = []
    for index, value in enumerate(values):
        where = path + (index,)
        if value is None:
            errors.null(field_name(where), "string", pointer(where))
        elif not isinstance(value, str):
            errors.add("%s must be a string" % field_name(where), pointer(where))
        else:
            strings.append(value)
    return strings


def require_object(body):
    if not isinstance(body, dict):
        raise bad_request("request body must be a JSON object", code=CODE_MALFORMED_JSON)
    return body


def _choice(value, path, choices, errors):
    if value not in choices:
        errors.add("%s must be one of %s" % (field_name(path), ", ".join(choices)), pointer(path))
        return False
    return True


def _ipv4_address(value):
    try:
        return ipaddress.IPv4Address(value)
    except ValueError:
        return None


# ---------------------------------------------------------------------------------------------- interconnects


def interconnect_update_body(body, current, rules):
    """Validate a ``PUT /cf_interconnects/{id}`` body against the stored interconnect ``current`` and ``rules``.

    Returns the top-level changes to apply; ``gre``, ``health_check`` and ``bgp`` come back whole, with every
    omitted nested key reset to its default (the body replaces them, it does not merge into them).
    """
    require_object(body)
    errors = Collector()
    fields = check_fields(body, INTERCONNECT_FIELDS, errors, read_only=INTERCONNECT_READ_ONLY)
    changes = {}
    version = current.get("version")

    if "name" in fields:
        name = fields["name"]
        if not name.strip():
            errors.add("name must not be empty", "/name")
        elif name in rules.other_names:
            errors.add(
                "name must be unique: another tunnel or interconnect of this account is already named %r" % name,
                "/name",
            )
        else:
            changes["name"] = name
    if "description" in fields:
        changes["description"] = fields["description"]
    if "automatic_return_routing" in fields:
        if fields["automatic_return_routing"] and not rules.coupler_integration:
            errors.add(
                "automatic_return_routing can only be enabled on accounts with the coupler_integration flag",
                "/automatic_return_routing",
            )
        else:
            changes["automatic_return_routing"] = fields["automatic_return_routing"]
    if "mtu" in fields:
        if fields["mtu"] < MIN_MTU:
            errors.add("mtu must be >= %d" % MIN_MTU, "/mtu")
        else:
            changes["mtu"] = fields["mtu"]
    if "interface_address" in fields:
        if _check_interface_address(fields["interface_address"], version, errors):
            changes["interface_address"] = fields["interface_address"]
    if "interface_address6" in fields:
        if _check_interface_address6(fields["interface_address6"], errors):
            changes["interface_address6"] = fields["interface_address6"]
    if "gre" in fields:
        gre = _gre(fields["gre"], version, errors)
        if gre is not None:
            changes["gre"] = gre
    if "health_check" in fields:
        health_check = _health_check(fields["health_check"], version, rules.new_target_form, errors)
        if health_check is not None:
            changes["health_check"] = health_check
    if "bgp" in fields:
        bgp = _bgp(fields["bgp"], version, errors)
        if bgp is not None:
            changes["bgp"] = bgp
    errors.raise_if_any()
    return changes


def _check_interface_address(value, version, errors):
    try:
        interface = ipaddress.ip_interface(value)
    except ValueError:
        interface = None
    if interface is None or interface.version != 4 or "/" not in value:
        errors.add(
            "interface_address must be an IPv4 address with a prefix length, e.g. 10.212.0.8/31", "/interface_address"
        )
        return False
    network = interface.network
    if version == VERSION_15 and network.prefixlen != 31:
        errors.add("interface_address must be a /31 prefix on version 1.5 interconnects", "/interface_address")
        return False
    if network.prefixlen not in (30, 31):
        errors.add("interface_address must be a /30 or /31 prefix", "/interface_address")
        return False
    if not any(interface.network.subnet_of(allowed) for allowed in INTERFACE_RANGES):
        errors.add(
            "interface_address must be within RFC 1918 (10/8, 172.16/12, 192.168/16) or link-local 169.254/16 space",
            "/interface_address",
        )
        return False
    return True


def _check_interface_address6(value, errors):
    try:
        interface = ipaddress.ip_interface(value)
    except ValueError:
        interface = None
    if interface is None or interface.version != 6 or interface.network.prefixlen != 127 or "/" not in value:
        errors.add("interface_address6 must be an IPv6 /127 prefix", "/interface_address6")
        return False
    if interface.ip != interface.network.network_address:
        errors.add(
            "interface_address6 must be the first address of its /127 subnet (%s)" % interface.network,
            "/interface_address6",
        )
        return False
    return True


def _gre(value, version, errors):
    if version == "1.5":
        errors.add("gre is not configurable for version 1.5 interconnects", "/gre")
        return None
    count = len(errors.errors)
    fields = check_fields(value, GRE_FIELDS, errors, path=("gre",))
    endpoint = fields.get("cloudflare_endpoint")
    if endpoint is not None and _ipv4_address(endpoint) is None:
        errors.add("gre.cloudflare_endpoint must be an IPv4 address", "/gre/cloudflare_endpoint")
    return None if len(errors.errors) > count else fields


def _ipv4_interface(value):
    try:
        interface = ipaddress.ip_interface(value)
    except ValueError:
        return None
    return interface if interface.version == 4 else None


def _health_check(value, version, new_target_form, errors):
    count = len(errors.errors)
    path = ("health_check",)
    fields = check_fields(value, HEALTH_CHECK_FIELDS, errors, path=path)
    result = dict(HEALTH_CHECK_DEFAULTS)
    if "enabled" in fields:
        result["enabled"] = fields["enabled"]
    for key, choices in HEALTH_CHECK_ENUMS.items():
        if key in fields and _choice(fields[key], path + (key,), choices, errors):
            result[key] = fields[key]
    if "target" in fields:
        saved = _health_check_target(fields["target"], new_target_form, errors)
        if saved is not None:
            result["target"] = saved
    bidirectional = fields.get("direction") == "bidirectional"
    if "source" in fields:
        source = fields["source"]
        address = _ipv4_address(source)
        if version != VERSION_15:
            errors.add("health_check.source is only supported on version 1.5 interconnects", "/health_check/source")
        elif not bidirectional:
            errors.add(
                "health_check.source is only allowed with health_check.direction bidirectional (omit it for "
                "unidirectional: it is cleared)",
                "/health_check/source",
            )
        elif address is None or not any(address in allowed for allowed in HEALTH_CHECK_SOURCE_RANGES):
            errors.add(
                "health_check.source must be an IPv4 address in RFC 1918, 169.254.240.0/20 or 198.41.199.224/27",
                "/health_check/source",
            )
        else:
            result["source"] = source
    elif bidirectional and "source" not in value:
        errors.add(
            "health_check.source is required when health_check.direction is bidirectional", "/health_check/source"
        )
    return None if len(errors.errors) > count else result


def _health_check_target(value, new_target_form, errors):
    """Return the saved target of a ``{"saved", "effective"}`` object (``effective`` is ignored) or a string.

    The form must match the call's ``x-magic-new-hc-target`` header: the object with ``true``, the string without.
    """
    path = ("health_check", "target")
    if isinstance(value, dict) != new_target_form:
        errors.add(
            "health_check.target must be %s"
            % (
                "an object {saved} when the x-magic-new-hc-target header is true"
                if new_target_form
                else "a string without the x-magic-new-hc-target: true header (send the header to use the object form)"
            ),
            pointer(path),
        )
        return None
    if isinstance(value, dict):
        fields = check_fields(value, TARGET_FIELDS, errors, path=path)
        if len(fields) != len(value):
            return None
        value = fields.get("saved", "")
        path = path + ("saved",)
    if value and _ipv4_address(value) is None:
        errors.add("%s must be an IPv4 address or empty (computed default)" % field_name(path), pointer(path))
        return None
    return value


def _bgp(value, version, errors):
    count = len(errors.errors)
    path = ("bgp",)
    if version == VERSION_15:
        fields = check_fields(value, BGP_FIELDS, errors, path=path, read_only=tuple(BGP_DEPRECATED))
    else:
        fields = check_fields(value, dict(BGP_FIELDS, **BGP_DEPRECATED), errors, path=path)
    if "as_no" in fields and not 1 <= fields["as_no"] <= MAX_ASN:
        errors.add("bgp.as_no must be between 1 and %d" % MAX_ASN, "/bgp/as_no")
    for key in ("cloudflare_endpoint", "customer_endpoint"):
        if key in fields and _ipv4_interface(fields[key]) is None:
            errors.add("bgp.%s must be an IPv4 address (with or without a prefix length)" % key, "/bgp/%s" % key)
    if "customer_asn" in fields:
        if not 1 <= fields["customer_asn"] <= MAX_ASN:
            errors.add("bgp.customer_asn must be between 1 and %d" % MAX_ASN, "/bgp/customer_asn")
    elif "customer_asn" not in value:
        errors.add("bgp.customer_asn is required when bgp is sent", "/bgp/customer_asn")
    if "extra_prefixes" in fields:
        for index, prefix in enumerate(check_string_list(fields["extra_prefixes"], path + ("extra_prefixes",), errors)):
            try:
                ipaddress.ip_network(prefix)
            except ValueError:
                errors.add(
                    "bgp.extra_prefixes[%d] must be a valid CIDR prefix without host bits" % index,
                    "/bgp/extra_prefixes/%d" % index,
                )
    if "md5_key" in fields and not MD5_KEY_PATTERN.match(fields["md5_key"]):
        # Never echo the key itself: it is a secret.
        errors.add(
            "bgp.md5_key must be non-empty printable ASCII without quotation marks or question marks", "/bgp/md5_key"
        )
    return None if len(errors.errors) > count else fields


# ------------------------------------------------------------------------------------------------- connectors

# The newest schema (2026-10) dropped these from connectors: HA membership lives on sites.
CONNECTOR_SITE_FIELDS = ("site_id", "primary")


def _without_site_fields(refuse, newest_schema):
    """In the newest schema a connector's site_id/primary are unknown fields (ASSUMPTION: refused, not ignored)."""
    if newest_schema:
        refuse = dict(
            refuse,
            **{
                key: "%s is not a valid field: the newest connector schema has no %s (a site names its "
                "connectors: connector_id, secondary_connector_id)" % (key, key)
                for key in CONNECTOR_SITE_FIELDS
            },
        )
    return refuse


def connector_create_body(body, site_ids=frozenset(), newest_schema=False):
    """Validate a ``POST /connectors`` body; return ``(settings, device)``.

    ``device`` has exactly one of ``id``, ``serial_number`` or ``provision_license: true``; ``site_id`` must be
    one of ``site_ids`` (or empty: no site).
    """
    require_object(body)
    errors = Collector()
    fields = dict(CONNECTOR_SETTINGS, device="object")
    refuse = {"provision_license": "provision_license is not a field of create: send device.provision_license: true"}
    refuse = _without_site_fields(refuse, newest_schema)
    accepted = check_fields(body, fields, errors, read_only=CONNECTOR_READ_ONLY, refuse=refuse)
    settings = _connector_settings(accepted, site_ids, errors)
    device = None
    if "device" in accepted:
        device = _device(accepted["device"], errors)
    elif "device" not in body:
        errors.add(
            "device is required: send exactly one of device.id, device.serial_number, device.provision_license",
            "/device",
        )
    errors.raise_if_any()
    return settings, device


def connector_edit_body(body, site_ids=frozenset(), newest_schema=False):
    """Validate a ``PATCH`` or ``PUT /connectors/{id}`` body; return ``(settings, provision_license)``."""
    require_object(body)
    errors = Collector()
    fields = dict(CONNECTOR_SETTINGS, provision_license="boolean")
    refuse = {"device": "device cannot be changed: delete the connector and create a new one"}
    refuse = _without_site_fields(refuse, newest_schema)
    accepted = check_fields(body, fields, errors, read_only=CONNECTOR_READ_ONLY, refuse=refuse)
    settings = _connector_settings(accepted, site_ids, errors)
    errors.raise_if_any()
    return settings, accepted.get("provision_license", False)


def _device(value, errors):
    count = len(errors.errors)
    fields = check_fields(value, DEVICE_FIELDS, errors, path=("device",))
    chosen = [key for key in ("id", "serial_number") if key in fields]
    if fields.get("provision_license") is True:
        chosen.append("provision_license")
    if len(errors.errors) == count and len(chosen) != 1:
        errors.add(
            "device must have exactly one of id, serial_number, provision_license: true (got %s)"
            % (", ".join(chosen) or "none"),
            "/device",
        )
    for key in ("id", "serial_number"):
        if key in fields and not fields[key].strip():
            errors.add("device.%s must not be empty" % key, "/device/%s" % key)
    return None if len(errors.errors) > count else fields


def _whole_number(value, low, high):
    return float(value).is_integer() and low <= value <= high


def _connector_settings(fields, site_ids, errors):
    settings = {}
    for key in ("activated", "primary"):
        if key in fields:
            settings[key] = fields[key]
    if "site_id" in fields:
        if fields["site_id"] and fields["site_id"] not in site_ids:
            errors.add(
                "site_id %s is not a site of this account (GET /magic/sites lists them)" % fields["site_id"], "/site_id"
            )
        else:
            settings["site_id"] = fields["site_id"]
    if "notes" in fields:
        if len(fields["notes"]) > MAX_NOTES_LENGTH:
            errors.add("notes must be at most %d characters" % MAX_NOTES_LENGTH, "/notes")
        else:
            settings["notes"] = fields["notes"]
    if "timezone" in fields:
        if fields["timezone"] not in available_timezones():
            errors.add("timezone must be an IANA time zone name such as Europe/Berlin (case-sensitive)", "/timezone")
        else:
            settings["timezone"] = fields["timezone"]
    if "interrupt_window_hour_of_day" in fields:
        hour = fields["interrupt_window_hour_of_day"]
        if not _whole_number(hour, 0, MAX_HOUR_OF_DAY):
            errors.add(
                "interrupt_window_hour_of_day must be a whole number between 0 and %d" % MAX_HOUR_OF_DAY,
                "/interrupt_window_hour_of_day",
            )
        else:
            settings["interrupt_window_hour_of_day"] = hour
    if "interrupt_window_duration_hours" in fields:
        duration = fields["interrupt_window_duration_hours"]
        if not _whole_number(duration, 1, 24):
            errors.add(
                "interrupt_window_duration_hours must be a whole number between 1 and 24",
                "/interrupt_window_duration_hours",
            )
        else:
            settings["interrupt_window_duration_hours"] = duration
    if "interrupt_window_days_of_week" in fields:
        days = _days(fields["interrupt_window_days_of_week"], errors)
        if days is not None:
            settings["interrupt_window_days_of_week"] = days
    if "interrupt_window_embargo_dates" in fields:
        dates = _embargo_dates(fields["interrupt_window_embargo_dates"], errors)
        if dates is not None:
            settings["interrupt_window_embargo_dates"] = dates
    return settings


def _days(values, errors):
    """Days must be exact, capitalised names without duplicates; stored in week order (Sunday first)."""
    count = len(errors.errors)
    path = ("interrupt_window_days_of_week",)
    days = check_string_list(values, path, errors)
    for index, day in enumerate(days):
        if day not in DAYS:
            errors.add(
                "interrupt_window_days_of_week[%d] must be one of %s (exact capitalisation)" % (index, ", ".join(DAYS)),
                pointer(path + (index,)),
            )
    if len(set(days)) != len(days):
        errors.add("interrupt_window_days_of_week must not contain duplicates", pointer(path))
    if len(errors.errors) > count:
        return None
    return sorted(days, key=DAYS.index)


def _embargo_dates(values, errors):
    """At most 100 real ``YYYY-MM-DD`` dates without duplicates; stored sorted."""
    count = len(errors.errors)
    path = ("interrupt_window_embargo_dates",)
    dates = check_string_list(values, path, errors)
    if len(values) > MAX_EMBARGO_DATES:
        errors.add("interrupt_window_embargo_dates must have at most %d dates" % MAX_EMBARGO_DATES, pointer(path))
    for index, value in enumerate(dates):
        try:
            valid = bool(DATE_PATTERN.match(value)) and datetime.date.fromisoformat(value) is not None
        except ValueError:
            valid = False
        if not valid:
            errors.add(
                "interrupt_window_embargo_dates[%d] must be a real date formatted YYYY-MM-DD" % index,
                pointer(path + (index,)),
            )
    if len(set(dates)) != len(dates):
        errors.add("interrupt_window_embargo_dates must not contain duplicates", pointer(path))
    if len(errors.errors) > count:
        return None
    return sorted(dates)


def interrupt_body(body):
    """Validate ``POST /connectors/{id}/interrupts``: exactly one of reboot, restart, shutdown ``{"purge": bool}``."""
    require_object(body)
    errors = Collector()
    fields = check_fields(body, {action: "object" for action in INTERRUPT_ACTIONS}, errors)
    if not errors and len(fields) != 1:
        errors.add("body must have exactly one of %s" % ", ".join(INTERRUPT_ACTIONS), "")
    options = {}
    for action, value in fields.items():
        options = check_fields(value, {"purge": "boolean"}, errors, path=(action,))
    errors.raise_if_any()
    action = next(iter(fields))
    return action, {"purge": options.get("purge", False)}


def device_type_query(query):
    value = query.get("device_type")
    if value is not None and value not in DEVICE_TYPES:
        raise bad_request("device_type must be one of %s" % ", ".join(DEVICE_TYPES), "/device_type")
    return value
