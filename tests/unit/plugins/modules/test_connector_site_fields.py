# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The deprecated connector options site_id and primary (issue 24): a deprecation warning when given (for
magic_connector and for every magic_connectors entry), and, when Cloudflare's connectors carry neither (its newest
schema), a failure before any write that names the option and points at magic_site."""

from __future__ import annotations

import copy

import pytest
from ansible.module_utils.common.warnings import _global_deprecations

from ansible_collections.cloudflare.magic_transit.plugins.module_utils._connectors import Connectors
from ansible_collections.cloudflare.magic_transit.plugins.modules import magic_connector, magic_connectors
from ansible_collections.cloudflare.magic_transit.tests.unit.fake_api import ACCOUNT

PATH = "/accounts/%s/magic/connectors" % ACCOUNT
SERIAL = "MWC2301A0417"
SITE = "5f8e0b3a2c6d4e1f9a7b8c0d1e2f3a4b"
# The newest schema: no site_id, no primary.
NEWEST = {
    "id": "4f1c2b3a5d6e7f8091a2b3c4d5e6f708",
    "notes": "ber-branch-01",
    "timezone": "UTC",
    "device": {"id": "9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d", "serial_number": SERIAL, "type": "MANAGED"},
}
OLDER = dict(copy.deepcopy(NEWEST), site_id=SITE, primary=True)


def _deprecations(result):
    return [
        d["msg"] if isinstance(d, dict) and "msg" in d else d["event"]["msg"] for d in result.get("deprecations", [])
    ]


@pytest.mark.parametrize(
    "module, args, named",
    [
        (magic_connector, dict(device_serial_number=SERIAL, site_id=SITE), "site_id"),
        (magic_connectors, dict(connectors=[dict(device_serial_number=SERIAL, primary=True)]), 'connectors["primary"]'),
    ],
)
def test_a_given_site_option_is_deprecated(api, run_module, module, args, named):
    _global_deprecations.clear()  # ansible-core keeps a module's deprecations for the process
    api.expect("GET", PATH, result=[OLDER])
    result = run_module(module, **args)
    assert result["changed"] is False
    assert any("'%s' is deprecated" % named in text for text in _deprecations(result)), result.get("deprecations")


@pytest.mark.parametrize(
    "module, args, option",
    [
        (magic_connector, dict(device_serial_number=SERIAL, site_id=SITE), "site_id"),
        (magic_connector, dict(device_serial_number=SERIAL, primary=False, timezone="Europe/Berlin"), "primary"),
        (
            magic_connectors,
            dict(
                connectors=[
                    dict(device_serial_number=SERIAL, timezone="Europe/Berlin"),
                    dict(notes="ber-branch-01", site_id=""),
                ]
            ),
            "connectors[1].site_id",
        ),
    ],
)
def test_the_newest_schema_refuses_them_before_any_write(api, run_module, module, args, option):
    api.expect("GET", PATH, result=[NEWEST])
    result = run_module(module, **args)
    assert result["failed"] and result["msg"].startswith(option + " cannot be set: Cloudflare's connectors no longer")
    assert "cloudflare.magic_transit.magic_site" in result["msg"] and api.writes() == []


def test_the_newest_schema_is_compared_without_invented_site_fields():
    canonical = Connectors(None).canonical(NEWEST)
    assert "site_id" not in canonical and "primary" not in canonical
    # An answer of the older schema that leaves one out still means Cloudflare's default for it.
    assert Connectors(None).canonical(dict(NEWEST, primary=False))["site_id"] == ""
