# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The LANs, WANs and ACLs of a Magic WAN site (``/magic/sites/{site_id}/lans|wans|acls``), newest published schema.

Each is found by id or by name within its site (the options ``site_id`` or ``site_name`` name the site), created when
the name is new. LAN and WAN creates answer an array holding the new object. Nested objects are sent whole: what the
options leave out of them is completed from the current object first (``prepare``), so that a run managing one key of
a DHCP server keeps the others. The value rules are in ``_site_rules.py``.
"""

from __future__ import annotations

import copy

from ._answers import ONE_IN_LIST, Shape
from ._inputs import InvalidOption
from ._resource import AmbiguousMatch, Parent, Resource
from ._site_rules import HA_ADDRESSES, check_acl, check_lan, check_static_addressing, check_wan, check_wan_addressing
from ._sites import Sites, without_nulls

SITE = Parent(Sites, "site_id", "site_name")
# The options every child module has besides its writable ones (documented in the doc fragment site_child).
CHILD_ARGUMENT_SPEC = dict(
    id=dict(type="str"),
    site_id=dict(type="str"),
    site_name=dict(type="str"),
    state=dict(type="str", default="present", choices=["present", "absent"]),
)
CHILD_RULES = dict(
    mutually_exclusive=[("site_id", "site_name")], required_one_of=[("site_id", "site_name"), ("id", "name")]
)

NAT_SPEC = dict(type="dict", options=dict(static_prefix=dict(type="str")))
LAN_ARGUMENT_SPEC = dict(
    name=dict(type="str"),
    physport=dict(type="int"),
    vlan_tag=dict(type="int"),
    bond_id=dict(type="int"),
    is_breakout=dict(type="bool"),
    is_prioritized=dict(type="bool"),
    ha_link=dict(type="bool"),
    nat=NAT_SPEC,
    routed_subnets=dict(
        type="list",
        elements="dict",
        options=dict(prefix=dict(type="str", required=True), next_hop=dict(type="str", required=True), nat=NAT_SPEC),
    ),
    static_addressing=dict(
        type="dict",
        mutually_exclusive=[("dhcp_relay", "dhcp_server")],
        options=dict(
            address=dict(type="str"),
            secondary_address=dict(type="str"),
            virtual_address=dict(type="str"),
            dhcp_relay=dict(type="dict", options=dict(server_addresses=dict(type="list", elements="str"))),
            dhcp_server=dict(
                type="dict",
                options=dict(
                    dhcp_pool_start=dict(type="str"),
                    dhcp_pool_end=dict(type="str"),
                    dns_servers=dict(type="list", elements="str"),
                    dns_server=dict(type="str"),
                    reservations=dict(type="dict"),
                    dhcp_options=dict(
                        type="list",
                        elements="dict",
                        options=dict(
                            code=dict(type="int", required=True),
                            type=dict(
                                type="str", required=True, choices=["text", "hex", "ip", "byte", "short", "integer"]
                            ),
                            value=dict(type="str", required=True),
                        ),
                    ),
                ),
            ),
        ),
    ),
)
WAN_ARGUMENT_SPEC = dict(
    name=dict(type="str"),
    physport=dict(type="int"),
    priority=dict(type="int"),
    vlan_tag=dict(type="int"),
    static_addressing=dict(
        type="dict",
        options=dict(address=dict(type="str"), gateway_address=dict(type="str"), secondary_address=dict(type="str")),
    ),
    health_check_rate=dict(type="str", choices=["low", "mid", "high"]),
    load_balance_inner_flows=dict(type="bool"),
)
ACL_SIDE_KEYS = ("lan_id", "lan_name")
ACL_SIDE_SPEC = dict(
    type="dict",
    mutually_exclusive=[ACL_SIDE_KEYS],
    required_one_of=[ACL_SIDE_KEYS],
    options=dict(
        lan_id=dict(type="str"),
        lan_name=dict(type="str"),
        ports=dict(type="list", elements="int"),
        port_ranges=dict(type="list", elements="str"),
        subnets=dict(type="list", elements="str"),
    ),
)
ACL_SIDES = ("lan_1", "lan_2")
ACL_ARGUMENT_SPEC = dict(
    name=dict(type="str"),
    description=dict(type="str"),
    lan_1=ACL_SIDE_SPEC,
    lan_2=copy.deepcopy(ACL_SIDE_SPEC),
    protocols=dict(type="list", elements="str", choices=["tcp", "udp", "icmp"]),
    forward_locally=dict(type="bool"),
    unidirectional=dict(type="bool"),
)


class SiteChild(Resource):
    """What LANs, WANs and ACLs share: a name new in the site is created (with the fields a create needs), nested
    objects are completed from the current object, lists of objects compare in key order, nulls are unmanaged."""

    #: the fields a create must carry
    required_on_create = ()
    #: lists of objects compared in the order of one of their keys: (path, key)
    keyed_paths = ()

    def prepare(self, params, current, desired):
        if current is None and params.get("id") is not None:
            return super().prepare(params, current, desired)
        missing = [field for field in self.required_on_create if current is None and field not in desired]
        if missing:
            raise InvalidOption(
                missing[0],
                "is required to create a new %s (no %s of the site is named %r)"
                % (self.label, self.label, params.get("name")),
            )
        return completed(desired, self.canonical(current) if current is not None else {})

    def canonical(self, obj):
        obj = without_nulls(super().canonical(obj))
        for path, key in self.keyed_paths:
            parent = obj
            for part in path[:-1]:
                parent = parent.get(part) if isinstance(parent, dict) else None
            if isinstance(parent, dict) and isinstance(parent.get(path[-1]), list):
                parent[path[-1]] = sorted(parent[path[-1]], key=lambda item, key=key: order(item.get(key)))
        return obj

    def site(self):
        """The site this description is bound to (one GET)."""
        return Sites(self.client, self.hide, self.warn).get(self.parent_ids["site_id"]) or {}


def order(value):
    """A sort key for numbers (in numeric order) and anything else (as text) alike."""
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    return (0, value, "") if number else (1, 0, str(value))


def completed(desired, current):
    """``desired`` with the objects nested in its nested objects completed from ``current`` (the engine merges the
    first level itself): a DHCP server's keys the options leave out are kept, not cleared by the whole object sent."""
    done = dict(desired)
    for key, want in desired.items():
        have = current.get(key)
        if isinstance(want, dict) and isinstance(have, dict):
            done[key] = dict(want)
            for sub, value in want.items():
                if isinstance(value, dict) and isinstance(have.get(sub), dict):
                    done[key][sub] = dict(have[sub], **value)
    return done


def below(cls, resource, site_id=None):
    """A ``cls`` description bound to the site ``resource`` is bound to (or to ``site_id``)."""
    bound = cls(resource.client, resource.hide, resource.warn)
    bound.parent_ids = dict(site_id=site_id or resource.parent_ids["site_id"])
    return bound


class Lans(SiteChild):
    result_key = "magic_site_lan"
    results_key = "magic_site_lans"
    label = "LAN"
    path = ("magic", "sites", "{site_id}", "lans")
    parent = SITE
    answers = dict(create=Shape(ONE_IN_LIST))
    argument_spec = LAN_ARGUMENT_SPEC
    set_paths = (
        ("static_addressing", "dhcp_server", "dns_servers"),
        ("static_addressing", "dhcp_relay", "server_addresses"),
    )
    keyed_paths = ((("routed_subnets",), "prefix"), (("static_addressing", "dhcp_server", "dhcp_options"), "code"))

    def check(self, params):
        check_lan(params)

    def prepare(self, params, current, desired):
        desired = super().prepare(params, current, desired)
        static = desired.get("static_addressing")
        if static is not None:
            have = (self.canonical(current) if current else {}).get("static_addressing") or {}
            # A LAN serves DHCP or relays it: switching drops the other (None is left out of the body sent).
            for given, other in (("dhcp_server", "dhcp_relay"), ("dhcp_relay", "dhcp_server")):
                if given in static and other in have:
                    static[other] = None
            check_static_addressing(without_nulls(dict(have, **static)), self.site().get("ha_mode"), current is None)
        if desired.get("ha_link") and not (current or {}).get("ha_link"):
            check_one_ha_link(self.list(), self.parent_ids["site_id"])
        return desired

    def canonical(self, obj):
        obj = super().canonical(obj)
        server = (obj.get("static_addressing") or {}).get("dhcp_server")
        if isinstance(server, dict) and isinstance(server.get("reservations"), dict):
            server["reservations"] = dict((mac_key(mac), address) for mac, address in server["reservations"].items())
        return obj


def mac_key(mac):
    """A MAC address as compared: lower case, colons (``00-1A-...`` and ``00:1a:...`` are one address)."""
    return mac.lower().replace("-", ":") if isinstance(mac, str) else mac


def check_one_ha_link(lans, site_id):
    """At most one LAN per site carries the HA election (``ha_link``)."""
    for lan in lans:
        if lan.get("ha_link"):
            raise InvalidOption(
                "ha_link",
                "can be true on one LAN per site only, and LAN %s (%s) of site %s already is "
                "the HA link" % (lan.get("id"), lan.get("name"), site_id),
                True,
            )


class Wans(SiteChild):
    result_key = "magic_site_wan"
    results_key = "magic_site_wans"
    label = "WAN"
    path = ("magic", "sites", "{site_id}", "wans")
    parent = SITE
    answers = dict(create=Shape(ONE_IN_LIST))
    argument_spec = WAN_ARGUMENT_SPEC
    required_on_create = ("physport",)

    def check(self, params):
        check_wan(params)

    def prepare(self, params, current, desired):
        desired = super().prepare(params, current, desired)
        if desired.get("static_addressing") is not None:
            have = (self.canonical(current) if current else {}).get("static_addressing") or {}
            check_wan_addressing(dict(have, **desired["static_addressing"]))
        return desired


class Acls(SiteChild):
    result_key = "magic_site_acl"
    results_key = "magic_site_acls"
    label = "ACL"
    path = ("magic", "sites", "{site_id}", "acls")
    parent = SITE
    argument_spec = ACL_ARGUMENT_SPEC
    required_on_create = ("name",) + ACL_SIDES
    set_paths = (("protocols",),) + tuple(
        (side, key) for side in ACL_SIDES for key in ("ports", "port_ranges", "subnets")
    )

    def check(self, params):
        check_acl(params)

    def prepare(self, params, current, desired):
        desired = super().prepare(params, current, desired)
        given = [side for side in ACL_SIDES if side in desired]
        if given:
            lans = below(Lans, self).list()
            for side in given:
                desired[side] = resolved_side(desired[side], lans, side, self.parent_ids["site_id"])
            ids = [(desired.get(side) or (current or {}).get(side) or {}).get("lan_id") for side in ACL_SIDES]
            if ids[0] == ids[1]:
                raise InvalidOption(
                    given[-1],
                    "must name a different LAN than %s: both sides are LAN %s"
                    % ("lan_1" if given[-1] == "lan_2" else "lan_2", ids[0]),
                )
        return desired


def resolved_side(side, lans, option, site_id):
    """One side of an ACL with its LAN given by id (``lan_name`` resolved among the site's LANs). The LAN must
    exist in the site; a name two LANs have is ambiguous."""
    key = "lan_id" if side.get("lan_id") is not None else "lan_name"
    field = "id" if key == "lan_id" else "name"
    found = [lan for lan in lans if lan.get(field) == side[key]]
    if len(found) > 1:
        raise AmbiguousMatch("LAN", "%s.%s" % (option, key), side[key], found)
    if not found:
        raise InvalidOption(
            "%s.%s" % (option, key),
            "must name a LAN of site %s (its LANs: %s)"
            % (site_id, ", ".join(str(lan.get("name")) for lan in lans) or "none"),
            side[key],
        )
    return dict(dict((k, v) for k, v in side.items() if k != "lan_name"), lan_id=found[0]["id"])


class SitesWithChildren(Sites):
    """Sites as ``magic_site`` and ``magic_site_info`` see them: with their LANs, WANs and ACLs. With ``details``, an
    info run returns each site with its ``lans``, ``wans`` and ``acls`` (three list calls per site); turning
    ``ha_mode`` on is refused, before the write, while a LAN of the site lacks the addresses an HA pair needs."""

    children = (("lans", Lans), ("wans", Wans), ("acls", Acls))

    def select(self, params):
        sites = super().select(params)
        if not params.get("details"):
            return sites
        return [
            dict(site, **dict((key, below(cls, self, site["id"]).list()) for key, cls in self.children))
            for site in sites
        ]

    def check_change(self, changes, current):
        if not changes.get("ha_mode") or current.get("ha_mode"):
            return
        for lan in below(Lans, self, current["id"]).list():
            static = lan.get("static_addressing")
            missing = [key for key in HA_ADDRESSES if static and not static.get(key)]
            if missing:
                raise InvalidOption(
                    "ha_mode",
                    "cannot be turned on while LAN %s (%s) of the site has static addressing "
                    "without %s (an HA pair needs %s)"
                    % (lan.get("id"), lan.get("name"), " and ".join(missing), ", ".join(HA_ADDRESSES)),
                    True,
                )
