# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The Magic WAN site modules under injected faults, through the fault matrix's machinery (test_fault_matrix.py: one
account per row, a few playbooks at once, every injected fault used up, a re-run without faults converges).

* Faults on the write and on the reads that locate the site: transient ones recover, a create is never sent twice
  (a lost answer is settled by a re-read by name), nothing is ever half-applied.
* A lying server (issue 17's rows for the new modules): a 5xx after the write was processed is an unknown outcome the
  re-read settles, never "not done"; an answer of the wrong shape to a write (a LAN or WAN create answers an array of
  one) is settled the same way; a read of the wrong shape fails naming the call, never "not found" (which would create
  a second site).
"""

from __future__ import annotations

import copy

import pytest

from ansible_collections.cloudflare.magic_transit.tests.reliability.test_fault_matrix import (
    BROKE,
    DESIRED,
    ERROR_500,
    FAILED,
    FORBIDDEN,
    KINDS,
    OK,
    OPERATIONS,
    UNAUTHENTICATED,
    UNCHANGED,
    UNREADABLE,
    WARNED,
    Operation,
    check_rows,
)
from ansible_collections.cloudflare.magic_transit.tests.reliability.test_lying_server import (
    OBJECT_SHAPES,
    SHAPE_KINDS,
    WRONG_SHAPE_READ,
)

BER_SITE = "5f8e0b3a2c6d4e1f9a7b8c0d1e2f3a4b"
SYD_SITE = "9d3e5f7a1b2c4d6e8f0a2b4c6d8e0f1a"
SFO_CONNECTOR = "32d9a8741af047e39c4a6ee61a5daaba"  # "sfo-lab virtual connector", in no site
BER_STORE_LAN, BER_GUEST_LAN = "b1c2d3e4f5a60718293a4b5c6d7e8f01", "b1c2d3e4f5a60718293a4b5c6d7e8f02"
SITE_PATH = "magic/sites/[0-9a-f]+"
LIST_ANSWER_SHAPES = ("null", "empty_object", "empty_list", "list", "object", "wrap", "not_json")


def _named(account, kind, name, site_id=None):
    return [
        dict((k, v) for k, v in item.items() if k != "id")
        for item in account[kind].values()
        if item.get("name") == name and (site_id is None or item.get("site_id") == site_id)
    ]


class SiteCreate(Operation):
    module = "cloudflare.magic_transit.magic_site"
    args = {
        "name": "rel-site-01",
        "description": "reliability",
        "location": {"lat": 1.5, "lon": "2.5"},
        "connector": {"notes": "sfo-lab virtual connector"},
    }
    write = ("POST", "magic/sites$")
    read = ("GET", "magic/sites$")

    def view(self, account):
        return _named(account, "sites", self.args["name"])

    def apply(self, before):
        return [
            {
                "name": "rel-site-01",
                "description": "reliability",
                "ha_mode": False,
                "connector_id": SFO_CONNECTOR,
                "location": {"lat": "1.5", "lon": "2.5"},
            }
        ]


class SiteUpdate(Operation):
    module = "cloudflare.magic_transit.magic_site"
    args = {
        "name": "syd-branch-07",
        "description": "Sydney (reliability)",
        "location": {"lat": -33.8688, "lon": 151.2093},
    }
    write = ("PATCH", SITE_PATH + "$")
    read = ("GET", "magic/sites$")

    def view(self, account):
        return account["sites"][SYD_SITE]

    def apply(self, before):
        return dict(before, description="Sydney (reliability)", location={"lat": "-33.8688", "lon": "151.2093"})


class LanCreate(Operation):
    """A LAN create answers an array holding the new LAN."""

    module = "cloudflare.magic_transit.magic_site_lan"
    static = {
        "address": "10.70.0.2/24",
        "secondary_address": "10.70.0.3/24",
        "virtual_address": "10.70.0.1/24",
        "dhcp_server": {"dhcp_pool_start": "10.70.0.100", "dhcp_pool_end": "10.70.0.150", "dns_servers": ["10.70.0.1"]},
    }
    args = {"site_name": "ber-branch-01", "name": "rel-lan", "physport": 7, "vlan_tag": 30, "static_addressing": static}
    write = ("POST", SITE_PATH + "/lans$")
    read = ("GET", "magic/sites$")

    def view(self, account):
        return _named(account, "lans", "rel-lan", BER_SITE)

    def apply(self, before):
        return [
            {
                "site_id": BER_SITE,
                "name": "rel-lan",
                "physport": 7,
                "vlan_tag": 30,
                "is_breakout": False,
                "is_prioritized": False,
                "ha_link": False,
                "static_addressing": copy.deepcopy(self.static),
            }
        ]


class WanUpdate(Operation):
    module = "cloudflare.magic_transit.magic_site_wan"
    args = {"site_name": "ber-branch-01", "name": "ber-lte", "priority": 5, "health_check_rate": "high"}
    write = ("PATCH", SITE_PATH + "/wans/[0-9a-f]+$")
    read = ("GET", "magic/sites$")

    def view(self, account):
        return _named(account, "wans", "ber-lte", BER_SITE)

    def apply(self, before):
        return [dict(before[0], priority=5, health_check_rate="high")]


class WanDelete(WanUpdate):
    args = {"site_name": "ber-branch-01", "name": "ber-fibre", "state": "absent"}
    write = ("DELETE", SITE_PATH + "/wans/[0-9a-f]+$")

    def view(self, account):
        return _named(account, "wans", "ber-fibre", BER_SITE)

    def apply(self, before):
        return []


class AclCreate(Operation):
    """An ACL create answers the object; its sides name LANs by name (one LAN list before the POST)."""

    module = "cloudflare.magic_transit.magic_site_acl"
    args = {
        "site_name": "ber-branch-01",
        "name": "rel-acl",
        "lan_1": {"lan_name": "ber-store", "ports": [53]},
        "lan_2": {"lan_name": "ber-guest"},
        "protocols": ["udp"],
    }
    write = ("POST", SITE_PATH + "/acls$")
    read = ("GET", "magic/sites$")

    def view(self, account):
        return _named(account, "acls", "rel-acl", BER_SITE)

    def apply(self, before):
        return [
            {
                "site_id": BER_SITE,
                "name": "rel-acl",
                "description": "",
                "protocols": ["udp"],
                "forward_locally": False,
                "unidirectional": False,
                "lan_1": {"lan_id": BER_STORE_LAN, "lan_name": "ber-store", "ports": [53]},
                "lan_2": {"lan_id": BER_GUEST_LAN, "lan_name": "ber-guest"},
            }
        ]


class SiteDetails(Operation):
    module = "cloudflare.magic_transit.magic_site_info"
    args = {"details": True}
    read_only = True
    read = ("GET", SITE_PATH + "/lans$")

    def view(self, account):
        return dict((key, account.get(key)) for key in ("sites", "lans", "wans", "acls"))

    def apply(self, before):
        return before


SITE_OPERATIONS = {
    "site_create": SiteCreate(),
    "site_update": SiteUpdate(),
    "lan_create": LanCreate(),
    "wan_update": WanUpdate(),
    "wan_delete": WanDelete(),
    "acl_create": AclCreate(),
    "site_details": SiteDetails(),
}
CREATES = ("site_create", "lan_create", "acl_create")
UPDATES = ("site_update", "wan_update")

ROWS = (
    # A POST is never repeated unless Cloudflare certainly did not process it; a lost answer is settled by a re-read.
    [
        (operation, kind, outcome, message, end)
        for operation in CREATES
        for kind, outcome, message, end in (
            ("429-recover", OK, None, DESIRED),
            ("500", FAILED, ERROR_500, UNCHANGED),
            ("drop-before", FAILED, BROKE, UNCHANGED),
            ("drop-after", WARNED, None, DESIRED),
            ("malformed-before", FAILED, UNREADABLE, UNCHANGED),
            ("malformed-after", WARNED, None, DESIRED),
            ("read-faults", OK, None, DESIRED),
            ("500-after", WARNED, None, DESIRED),
            ("503-after", WARNED, None, DESIRED),
            ("403", FAILED, FORBIDDEN, UNCHANGED),
        )
    ]
    # A PATCH is idempotent: retried where Cloudflare may not have processed it, re-read where it may have.
    + [
        (operation, kind, outcome, message, end)
        for operation in UPDATES
        for kind, outcome, message, end in (
            ("429-recover", OK, None, DESIRED),
            ("500", FAILED, ERROR_500, UNCHANGED),
            ("503", OK, None, DESIRED),
            ("drop-after", OK, None, DESIRED),
            ("malformed-after", WARNED, None, DESIRED),
            ("500-after", WARNED, None, DESIRED),
            ("503-after", OK, None, DESIRED),
            ("read-faults", OK, None, DESIRED),
            ("401", FAILED, UNAUTHENTICATED, UNCHANGED),
        )
    ]
    + [("wan_delete", kind, OK, None, DESIRED) for kind in ("503", "drop-after", "malformed-after", "500-after")]
    + [("wan_delete", "500", FAILED, ERROR_500, UNCHANGED), ("site_details", "read-faults", OK, None, UNCHANGED)]
    # Wrong shapes: a write answer is an unknown outcome the re-read settles; a read fails naming the call.
    # (A LAN create answers a list: "object" makes it wrong, "unwrap" does not; a DHCP WAN has no object to unwrap.)
    + [("lan_create", "write-%s" % shape, WARNED, None, DESIRED) for shape in LIST_ANSWER_SHAPES]
    + [("acl_create", "write-%s" % shape, WARNED, None, DESIRED) for shape in OBJECT_SHAPES]
    + [("wan_update", "write-%s" % shape, WARNED, None, DESIRED) for shape in OBJECT_SHAPES if shape != "unwrap"]
    + [
        (operation, "read-%s" % shape, FAILED, WRONG_SHAPE_READ, UNCHANGED)
        for operation in ("site_create", "site_details")
        for shape in ("null", "empty_object", "wrap")
    ]
)


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_site_modules_never_half_apply_and_never_create_twice(simulator, accounts, playbooks, monkeypatch):
    for name, operation in SITE_OPERATIONS.items():
        monkeypatch.setitem(OPERATIONS, name, operation)
    assert {row[0] for row in ROWS} == set(SITE_OPERATIONS), "every site operation has rows"
    # A row that failed on a read of the wrong shape sent no write (checked in the request log): no re-run.
    check_rows(
        simulator,
        accounts,
        playbooks,
        ROWS,
        dict(KINDS, **SHAPE_KINDS),
        rerun=lambda row: not (row[1].startswith("read-") and row[1] in SHAPE_KINDS),
    )
