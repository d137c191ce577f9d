# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""magic_site_info through real ``ansible`` runs against the simulator.

The simulator serves Magic WAN sites: these tests always run (a 404 for ``magic/sites`` is a failure, never a skip).
"""

from __future__ import annotations

import pytest

from ansible_collections.cloudflare.magic_transit.tests.helpers import result_of

MODULE = "cloudflare.magic_transit.magic_site_info"


@pytest.fixture
def sites(simulator_api):
    """The simulator's sites, as its API lists them."""
    response = simulator_api.get("magic/sites")
    assert response.status_code == 200, response.text
    return response.json()["result"]


def ha_site(sites, simulator_api):
    connectors = set(c["id"] for c in simulator_api.get("magic/connectors").json()["result"])
    site = next((s for s in sites if s.get("ha_mode")), None)
    assert site is not None, "the seed has an HA site"
    assert set((site["connector_id"], site["secondary_connector_id"])) <= connectors, "its connectors are seeded"
    return site


def test_list_in_one_call(ansible, simulator, sites):
    simulator.clear_log()
    result = result_of(ansible.adhoc(MODULE))
    assert result["changed"] is False and result["magic_sites"] == sites
    assert [(r["method"], r["path"].rsplit("/magic/", 1)[1]) for r in simulator.requests()] == [("GET", "sites")]


def test_by_name_and_by_id(ansible, simulator, sites, simulator_api):
    site = ha_site(sites, simulator_api)
    simulator.clear_log()
    assert result_of(ansible.adhoc(MODULE, "name='%s'" % site["name"]))["magic_sites"] == [site]
    assert result_of(ansible.adhoc(MODULE, "id=%s" % site["id"]))["magic_sites"] == [site]
    assert [(r["method"], r["path"].rsplit("/magic/", 1)[1]) for r in simulator.requests()] == [
        ("GET", "sites"),
        ("GET", "sites/" + site["id"]),
    ]
    assert simulator.writes() == []
