# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Cloudflare Network Interconnects: everything about the resource (its options, its checks, its API quirks)."""

from __future__ import annotations

import ipaddress

from ._answers import Shape
from ._inputs import InvalidOption, check_id
from ._resource import Resource

HEALTH_CHECK_TARGET_HEADER = {"x-magic-new-hc-target": "true"}
MIN_MTU = 576
MAX_ASN = 4294967295
BIDIRECTIONAL = "bidirectional"
VERSION_15 = "1.5"
# Deprecated BGP inputs that a bgp update without them may clear (unpublished): carried where the version allows.
CARRIED_BGP_ENDPOINTS = ("cloudflare_endpoint", "customer_endpoint")

# The writable options of an interconnect, shared with the argument spec of cf_interconnect.
ARGUMENT_SPEC = dict(
    name=dict(type="str"),
    description=dict(type="str"),
    mtu=dict(type="int"),
    automatic_return_routing=dict(type="bool"),
    interface_address=dict(type="str"),
    interface_address6=dict(type="str"),
    gre=dict(type="dict", options=dict(cloudflare_endpoint=dict(type="str"))),
    health_check=dict(
        type="dict",
        options=dict(
            enabled=dict(type="bool"),
            rate=dict(type="str", choices=["low", "mid", "high"]),
            type=dict(type="str", choices=["reply", "request"]),
            target=dict(type="str"),
            direction=dict(type="str", choices=["unidirectional", BIDIRECTIONAL]),
            source=dict(type="str"),
        ),
    ),
    bgp=dict(
        type="dict",
        options=dict(
            customer_asn=dict(type="int"),
            extra_prefixes=dict(type="list", elements="str"),
            import_filter_id=dict(type="str"),
            export_filter_id=dict(type="str"),
            md5_key=dict(type="str", no_log=True),
        ),
    ),
)


class Interconnects(Resource):
    result_key = "cf_interconnect"
    results_key = "cf_interconnects"
    label = "interconnect"
    path = ("magic", "cf_interconnects")
    answers = dict(
        list=Shape(list, "interconnects"), get=Shape(dict, "interconnect"), write=Shape(dict, "modified_interconnect")
    )
    update_method = "PUT"
    validates_writes = True
    # With this header health_check.target is {"saved", "effective"}; comparing "saved" keeps a default
    # target (saved "") from looking different on every run.
    headers = HEALTH_CHECK_TARGET_HEADER
    argument_spec = ARGUMENT_SPEC
    set_paths = (("bgp", "extra_prefixes"),)
    secret_paths = (("bgp", "md5_key"),)
    not_found_hint = " (Cloudflare provisions them, there is no create)"

    def check(self, params):
        check_interconnect_options(params)

    def find(self, params):
        if params["id"] is None or params["name"] is None:
            return super().find(params)
        # A rename: one list call instead of the GET also shows the names Cloudflare would refuse.
        check_id("id", params["id"])
        listed = self.list()
        check_unique_name(listed, params["id"], params["name"])
        return next((obj for obj in listed if obj.get("id") == params["id"]), None)

    def check_change(self, changes, current):
        check_interconnect_change(changes, current)

    def update_body(self, body, current):
        return with_current_endpoints(body, current)

    def select(self, params):
        """Both options filter, and a name may match several interconnects."""
        return [
            obj
            for obj in self.list()
            if params["id"] in (None, obj.get("id")) and params["name"] in (None, obj.get("name"))
        ]

    def canonical(self, obj):
        obj = super().canonical(obj)
        health_check = obj.get("health_check")
        if isinstance(health_check, dict) and isinstance(health_check.get("target"), dict):
            health_check["target"] = health_check["target"].get("saved", "")
        return obj

    def api_form(self, fields):
        health_check = fields.get("health_check")
        if isinstance(health_check, dict) and "target" in health_check:
            health_check = dict(health_check, target={"saved": health_check["target"]})
        if (
            isinstance(health_check, dict)
            and "direction" in health_check
            and health_check["direction"] != BIDIRECTIONAL
        ):
            # Unidirectional checks have no source: the API clears it when it is left out, and refuses it sent.
            health_check = dict((k, v) for k, v in health_check.items() if k != "source")
        return dict(fields, health_check=health_check) if health_check is not None else fields


def with_current_endpoints(body, current):
    """``body`` with the current BGP endpoints in its ``bgp`` on version 1 and 2 interconnects.

    Cloudflare still accepts ``bgp.cloudflare_endpoint`` and ``bgp.customer_endpoint`` there (deprecated), and no
    source says whether an update of ``bgp`` that leaves them out keeps them; if it replaces ``bgp`` whole, they would
    be lost with a change of ``customer_asn``. On version 1.5 they are read-only (derived from ``interface_address``).
    """
    bgp = body.get("bgp")
    have = (current or {}).get("bgp")
    if not isinstance(bgp, dict) or not isinstance(have, dict) or (current or {}).get("version") == VERSION_15:
        return body
    carried = dict((key, have[key]) for key in CARRIED_BGP_ENDPOINTS if isinstance(have.get(key), str) and have[key])
    return dict(body, bgp=dict(carried, **bgp)) if carried else body


def check_interconnect_options(params):
    """Refuse what Cloudflare would refuse anyway and is cheap to see, before any call.

    The server stays the judge of the rest (its address rules changed over time): check mode asks it
    through validate_only.
    """
    if params.get("mtu") is not None and params["mtu"] < MIN_MTU:
        raise InvalidOption("mtu", "must be at least %d" % MIN_MTU, params["mtu"])
    if params.get("name") == "":
        raise InvalidOption("name", "must not be empty", "")
    address = params.get("interface_address")
    if address is not None:
        try:
            network = ipaddress.IPv4Interface(address).network
        except ValueError:
            raise InvalidOption(
                "interface_address", "must be an IPv4 address with a prefix length, such as 10.0.0.0/31", address
            ) from None
        if "/" not in address or not 29 <= network.prefixlen <= 31:
            raise InvalidOption("interface_address", "must be a /29, /30 or /31 IPv4 CIDR", address)
    address6 = params.get("interface_address6")
    if address6 is not None:
        try:
            interface = ipaddress.IPv6Interface(address6)
        except ValueError:
            raise InvalidOption(
                "interface_address6", "must be an IPv6 address with a /127 prefix length", address6
            ) from None
        if "/" not in address6 or interface.network.prefixlen != 127:
            raise InvalidOption("interface_address6", "must be a /127 IPv6 CIDR", address6)
        if interface.ip != interface.network.network_address:
            raise InvalidOption("interface_address6", "must be the first address of its /127 subnet", address6)
    health_check = params.get("health_check") or {}
    if health_check.get("direction") is not None:
        check_health_check_source(health_check)
    asn = (params.get("bgp") or {}).get("customer_asn")
    if asn is not None and not 1 <= asn <= MAX_ASN:
        raise InvalidOption("bgp.customer_asn", "must be from 1 to %d (a 32-bit ASN)" % MAX_ASN, asn)
    for prefix in (params.get("bgp") or {}).get("extra_prefixes") or []:
        try:
            ipaddress.ip_network(prefix, strict=False)
        except ValueError:
            raise InvalidOption(
                "bgp.extra_prefixes", "must be a list of IP prefixes in CIDR notation", prefix
            ) from None


def check_interconnect_change(changes, current):
    """The rules that need the current object to judge, checked before the write."""
    if "gre" in changes and current.get("version") == VERSION_15:
        raise InvalidOption(
            "gre", "cannot be set on a version 1.5 interconnect (%s)" % current.get("id"), changes["gre"]
        )
    if "health_check" in changes:
        check_health_check_transition(changes["health_check"], current)


def check_health_check_source(health_check):
    """A health-check source address needs bidirectional health checks: refused before any call when the user gave
    both (with the current object merged in, ``check_health_check_transition`` judges the rest)."""
    if health_check.get("source") and health_check.get("direction") != BIDIRECTIONAL:
        raise InvalidOption(
            "health_check.source",
            "is only allowed with health_check.direction=%s" % BIDIRECTIONAL,
            health_check["source"],
        )


def check_health_check_transition(health_check, current):
    """Every change of direction the API allows, and none it refuses: ``health_check`` is the current one merged
    with the user's. Going unidirectional clears the source (``api_form`` leaves it out of the body), so only a
    source the user gives with a direction that is not bidirectional is refused; going bidirectional needs one,
    and a source exists on version 1.5 interconnects only."""
    have = current.get("health_check") if isinstance(current.get("health_check"), dict) else {}
    source, bidirectional = health_check.get("source"), health_check.get("direction") == BIDIRECTIONAL
    # The newest published schema has no direction at all: a source on an interconnect whose direction is unknown
    # is left to Cloudflare.
    unidirectional = health_check.get("direction") is not None and not bidirectional
    if source and unidirectional and source != have.get("source"):
        raise InvalidOption(
            "health_check.source", "is only allowed with health_check.direction=%s" % BIDIRECTIONAL, source
        )
    if bidirectional and not source:
        raise InvalidOption(
            "health_check.source",
            "is required with health_check.direction=%s (interconnect %s has "
            "none)" % (BIDIRECTIONAL, current.get("id")),
        )
    if bidirectional and have.get("direction") != BIDIRECTIONAL and current.get("version") != VERSION_15:
        raise InvalidOption(
            "health_check.direction",
            "can be %s only on version 1.5 interconnects (%s is version %s)"
            % (BIDIRECTIONAL, current.get("id"), current.get("version")),
            BIDIRECTIONAL,
        )


def check_unique_name(interconnects, interconnect_id, name):
    """A rename must not take another interconnect's name (Cloudflare refuses it)."""
    for other in interconnects:
        if other.get("name") == name and other.get("id") != interconnect_id:
            raise InvalidOption("name", "must be unique: interconnect %s is already named %r" % (other.get("id"), name))
