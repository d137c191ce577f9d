# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""magic_sites in the reliability tables, through their machinery: bad input refused before any write, naming the
entry's option (test_bad_input.py); faults on a fleet's writes and reads never half-apply a phase's dependants and
never create twice (test_fault_matrix.py, the site operations of test_site_faults.py); no token in its output."""

from __future__ import annotations

import copy
import re

import pytest

from ansible_collections.cloudflare.magic_transit.tests.reliability.test_bad_input import (
    MODULES,
    NONE,
    READS,
    _refused_before_any_write,
)
from ansible_collections.cloudflare.magic_transit.tests.reliability.test_fault_matrix import (
    BROKE,
    DESIRED,
    ERROR_500,
    FAILED,
    KINDS,
    OK,
    OPERATIONS,
    UNCHANGED,
    WARNED,
    check_rows,
)
from ansible_collections.cloudflare.magic_transit.tests.reliability.test_lying_server import SHAPE_KINDS
from ansible_collections.cloudflare.magic_transit.tests.reliability.test_secrets import leaks
from ansible_collections.cloudflare.magic_transit.tests.reliability.test_site_faults import (
    BER_SITE,
    LIST_ANSWER_SHAPES,
    LanCreate,
    WanUpdate,
)

FLEET = "cloudflare.magic_transit.magic_sites"
BER = dict(name="ber-branch-01")
SIDES = dict(lan_1=dict(lan_name="ber-store"), lan_2=dict(lan_name="ber-guest"))


def _sites(*entries, **options):
    return dict(sites=list(entries), **options)


BAD_INPUT = [
    (
        "fleet-vlan",
        "FLEET",
        _sites(dict(name="x"), dict(BER, lans=[dict(name="pos", physport=5, vlan_tag=4095)])),
        r"^sites\[1\]\.lans\[0\]\.vlan_tag must be from 0 to 4094",
        NONE,
    ),
    (
        "fleet-lat",
        "FLEET",
        _sites(dict(name="x", location=dict(lat=91, lon=0))),
        r"^sites\[0\]\.location\.lat must be",
        NONE,
    ),
    (
        "fleet-child-name",
        "FLEET",
        _sites(dict(BER, wans=[dict(physport=5)])),
        r"^sites\[0\]\.wans\[0\]\.name is required",
        NONE,
    ),
    (
        "fleet-child-twice",
        "FLEET",
        _sites(dict(BER, wans=[dict(name="u", physport=5), dict(name="u", physport=6)])),
        r"^sites\[0\]\.wans\[1\]\.name names the same object as sites\[0\]\.wans\[0\]",
        NONE,
    ),
    (
        "fleet-two-ha-links",
        "FLEET",
        _sites(dict(BER, lans=[dict(name="a", ha_link=True), dict(name="b", ha_link=True)])),
        r"^sites\[0\]\.lans\[1\]\.ha_link can be true on one LAN per site only",
        NONE,
    ),
    (
        "fleet-absent-children",
        "FLEET",
        _sites(dict(BER, state="absent", wans=[dict(name="u")])),
        r"^sites\[0\]\.wans cannot be used with state=absent",
        NONE,
    ),
    (
        "fleet-port-range",
        "FLEET",
        _sites(
            dict(
                BER,
                acls=[
                    dict(
                        name="a",
                        lan_1=dict(lan_name="ber-store", port_ranges=["9-1"]),
                        lan_2=dict(lan_name="ber-guest"),
                    )
                ],
            )
        ),
        r"^sites\[0\]\.acls\[0\]\.lan_1\.port_ranges\[0\] must be a range",
        NONE,
    ),
    ("fleet-same-site", "FLEET", _sites(dict(BER), dict(BER)), r"^sites\[1\] names the same site", READS),
    (
        "fleet-unknown-lan",
        "FLEET",
        _sites(dict(BER, acls=[dict(name="a", lan_1=dict(lan_name="tills"), lan_2=dict(lan_name="ber-guest"))])),
        r"^sites\[0\]\.acls\[0\]\.lan_1\.lan_name must name a LAN of site",
        READS,
    ),
    (
        "fleet-acl-names-a-purged-lan",
        "FLEET",
        _sites(dict(BER, lans=[dict(name="ber-guest")], acls=[dict(name="a", **SIDES)]), purge_lans=True),
        r"^sites\[0\]\.acls\[0\]\.lan_1\.lan_name must name a LAN of site",
        READS,
    ),
    (
        "fleet-ha-addressing",
        "FLEET",
        _sites(dict(BER, lans=[dict(name="pos", physport=6, static_addressing=dict(address="10.61.0.2/24"))])),
        r"^sites\[0\]\.lans\[0\]\.static_addressing\.secondary_address",
        READS,
    ),
    (
        "fleet-wan-create-port",
        "FLEET",
        _sites(dict(BER, wans=[dict(name="uplink", priority=3)])),
        r"^sites\[0\]\.wans\[0\]\.physport is required to create a new WAN",
        READS,
    ),
]


@pytest.mark.timeout(900)
def test_magic_sites_refuses_bad_input_before_any_write(simulator, accounts, playbooks, monkeypatch):
    monkeypatch.setitem(MODULES, "FLEET", FLEET)
    _refused_before_any_write(BAD_INPUT, simulator, accounts, playbooks, groups=2)


class FleetLanAndAcl(LanCreate):
    """A LAN created in one entry, with an ACL naming it: the ACL goes only once the LAN is known."""

    module = FLEET
    acl = {
        "name": "rel-fleet-acl",
        "lan_1": {"lan_name": "rel-lan", "ports": [53]},
        "lan_2": {"lan_name": "ber-guest"},
        "protocols": ["udp"],
    }
    args = _sites(dict(BER, lans=[dict((k, v) for k, v in LanCreate.args.items() if k != "site_name")], acls=[acl]))

    def view(self, account):
        acls = [
            dict((k, v) for k, v in acl.items() if k != "id")
            for acl in account["acls"].values()
            if acl.get("name") == "rel-fleet-acl" and acl.get("site_id") == BER_SITE
        ]
        for acl in acls:
            for side in ("lan_1", "lan_2"):
                acl[side] = dict((k, v) for k, v in acl[side].items() if k != "lan_id")
        return dict(lans=super().view(account), acls=acls)

    def apply(self, before):
        return dict(
            lans=super().apply(before["lans"]),
            acls=[
                {
                    "site_id": BER_SITE,
                    "name": "rel-fleet-acl",
                    "description": "",
                    "protocols": ["udp"],
                    "forward_locally": False,
                    "unidirectional": False,
                    "lan_1": {"lan_name": "rel-lan", "ports": [53]},
                    "lan_2": {"lan_name": "ber-guest"},
                }
            ],
        )


class FleetWanUpdate(WanUpdate):
    module = FLEET
    args = _sites(dict(BER, wans=[dict(name="ber-lte", priority=5, health_check_rate="high")]))


FAULT_OPERATIONS = {"fleet_lan_acl": FleetLanAndAcl(), "fleet_wan_update": FleetWanUpdate()}
FAULT_ROWS = (
    [
        ("fleet_lan_acl", kind, outcome, message, end)
        for kind, outcome, message, end in (
            ("429-recover", OK, None, DESIRED),
            ("500", FAILED, ERROR_500, UNCHANGED),
            ("drop-before", FAILED, BROKE, UNCHANGED),
            ("drop-after", WARNED, None, DESIRED),
            ("malformed-after", WARNED, None, DESIRED),
            ("500-after", WARNED, None, DESIRED),
            ("read-faults", OK, None, DESIRED),
        )
    ]
    + [("fleet_lan_acl", "write-%s" % shape, WARNED, None, DESIRED) for shape in LIST_ANSWER_SHAPES]
    + [
        ("fleet_wan_update", kind, outcome, message, end)
        for kind, outcome, message, end in (
            ("429-recover", OK, None, DESIRED),
            ("500", FAILED, ERROR_500, UNCHANGED),
            ("drop-after", OK, None, DESIRED),
            ("500-after", WARNED, None, DESIRED),
            ("read-faults", OK, None, DESIRED),
        )
    ]
)


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_magic_sites_never_half_applies_and_never_creates_twice(simulator, accounts, playbooks, monkeypatch):
    for name, operation in FAULT_OPERATIONS.items():
        monkeypatch.setitem(OPERATIONS, name, operation)
    check_rows(simulator, accounts, playbooks, FAULT_ROWS, dict(KINDS, **SHAPE_KINDS))


BAD_TOKEN = "sim_rw_token_that_expired_long_ago_00000"


def test_no_token_in_the_output_of_magic_sites(ansible, simulator):
    store = copy.deepcopy(FleetLanAndAcl.args)
    runs = {
        "fleet": ansible.playbook(
            "magic_sites_fleet.yml", "-vvvv", diff=True, extra_vars=dict(sites=store["sites"], expect_changed=True)
        ),
        "refused token": ansible.playbook(
            "magic_sites_fleet.yml",
            "-vvvv",
            diff=True,
            rc=2,
            extra_vars=dict(sites=store["sites"], expect_changed=False),
            env=dict(CLOUDFLARE_API_TOKEN=BAD_TOKEN),
        ),
    }
    assert re.search("401 code 10000: Authentication error", runs["refused token"].output)
    assert (
        leaks(
            {"rw_token": simulator.token, "bad_token": BAD_TOKEN},
            dict((name, run.output) for name, run in runs.items()),
        )
        == []
    )
