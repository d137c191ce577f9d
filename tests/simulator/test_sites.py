# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Magic WAN sites: CRUD, the ?connectorid= filter, connector slots, location rules and the documented assumptions;
the seeded and fleet sites agree with their connectors."""

import json

import pytest

from ansible_collections.cloudflare.magic_transit.tests.helpers import errors_of, result, stored

BER_PRIMARY = "711f8eedc6d84336a6f7d256ddd00fce"
BER_SECONDARY = "64180894674b44869153f5fed0c2c654"
SFO_LICENSED = "32d9a8741af047e39c4a6ee61a5daaba"  # in no site
SYD_CONNECTOR = "dd54928d783446aeb068b242b1e286a1"  # in no site
SITE_BER = "5f8e0b3a2c6d4e1f9a7b8c0d1e2f3a4b"
SITE_SYD = "9d3e5f7a1b2c4d6e8f0a2b4c6d8e0f1a"
SITE_NYC = "8c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f"
SITE_TYO = "2b7c9d1e3f5a4b6c8d0e2f4a6b8c0d1e"


def test_create_get_list_and_defaults(simulator_api, simulator):
    created = result(
        simulator_api.post(
            "magic/sites",
            json={
                "name": "muc-store-1",
                "connector_id": SFO_LICENSED,
                "location": {"lat": "48.1351", "lon": "11.5820"},
            },
        )
    )
    assert created == {
        "id": created["id"],
        "name": "muc-store-1",
        "description": "",
        "connector_id": SFO_LICENSED,
        "ha_mode": False,
        "location": {"lat": "48.1351", "lon": "11.5820"},
    }
    assert result(simulator_api.get("magic/sites/" + created["id"])) == created
    listed = result(simulator_api.get("magic/sites"))
    assert len(listed) == 5 and listed[-1] == created
    assert stored(simulator, "sites")[created["id"]] == created


def test_connectorid_filter_matches_either_slot(simulator_api):
    assert [site["id"] for site in result(simulator_api.get("magic/sites", params={"connectorid": BER_PRIMARY}))] == [
        SITE_BER
    ]
    assert [site["id"] for site in result(simulator_api.get("magic/sites", params={"connectorid": BER_SECONDARY}))] == [
        SITE_BER
    ]
    assert result(simulator_api.get("magic/sites", params={"connectorid": SFO_LICENSED})) == []


def test_patch_changes_only_what_is_sent_and_ha_mode_is_updatable(simulator_api):
    edited = result(
        simulator_api.patch(
            "magic/sites/" + SITE_SYD,
            json={"connector_id": SYD_CONNECTOR, "secondary_connector_id": SFO_LICENSED, "ha_mode": True},
        )
    )
    assert edited["ha_mode"] is True and edited["secondary_connector_id"] == SFO_LICENSED
    assert edited["name"] == "syd-branch-07" and edited["location"] == {"lat": "-33.8688", "lon": "151.2093"}
    # An empty string clears a slot.
    cleared = result(
        simulator_api.patch("magic/sites/" + SITE_SYD, json={"secondary_connector_id": "", "ha_mode": False})
    )
    assert "secondary_connector_id" not in cleared and cleared["connector_id"] == SYD_CONNECTOR


def test_put_replaces_settings_but_keeps_the_name(simulator_api):
    replaced = result(simulator_api.put("magic/sites/" + SITE_BER, json={"description": "rebuilt"}))
    assert replaced == {"id": SITE_BER, "name": "ber-branch-01", "description": "rebuilt", "ha_mode": False}


def test_every_bad_field_in_one_answer_and_nothing_written(simulator_api, simulator):
    before = simulator.state()
    found = errors_of(
        simulator_api.post(
            "magic/sites",
            json={
                "description": 5,
                "connector_id": "0" * 32,
                "secondary_connector_id": BER_SECONDARY,
                "ha_mode": "yes",
                "location": {"lat": "91", "lon": 12.5},
                "id": "x",
                "colour": "red",
            },
        )
    )
    assert found == {
        (1004, "/description"): "description must be a string",
        (1004, "/connector_id"): "connector_id %s is not a connector of this account (GET /magic/connectors lists them)"
        % ("0" * 32),
        (
            1004,
            "/secondary_connector_id",
        ): "secondary_connector_id %s is already in site %s (ber-branch-01): a connector "
        "can be in one site only" % (BER_SECONDARY, SITE_BER),
        (1004, "/ha_mode"): "ha_mode must be a boolean",
        (1004, "/location/lat"): "location.lat must be a decimal number between -90 and 90, as a string",
        (1004, "/location/lon"): "location.lon must be a string",
        (1004, "/id"): "id is read-only and cannot be set",
        (1004, "/colour"): "colour is not a valid field",
        (1004, "/name"): "name is required",
    }
    assert errors_of(
        simulator_api.post("magic/sites", json={"name": "x", "location": {"lat": "1", "lon": "-180.5"}})
    ) == {(1004, "/location/lon"): "location.lon must be a decimal number between -180 and 180, as a string"}
    assert errors_of(
        simulator_api.patch(
            "magic/sites/" + SITE_SYD, json={"connector_id": SYD_CONNECTOR, "secondary_connector_id": SYD_CONNECTOR}
        )
    ) == {(1004, "/secondary_connector_id"): "secondary_connector_id must differ from connector_id"}
    assert errors_of(simulator_api.patch("magic/sites/" + SITE_SYD, json={"name": None}))[(1022, "/name")]
    # Judged on the result: moving the secondary into the primary slot alone would name it twice.
    assert list(errors_of(simulator_api.patch("magic/sites/" + SITE_BER, json={"connector_id": BER_SECONDARY}))) == [
        (1004, "/secondary_connector_id")
    ]
    assert (
        simulator.state() == before
        and simulator.writes()
        and all(entry["status"] == 400 for entry in simulator.writes())
    )


def test_unknown_and_invalid_site_ids(simulator_api):
    assert errors_of(simulator_api.get("magic/sites/" + "0" * 32), 404) == {
        (1003, None): "site %s not found" % ("0" * 32)
    }
    assert errors_of(simulator_api.delete("magic/sites/" + "0" * 32), 404)
    assert list(errors_of(simulator_api.get("magic/sites/bad.id"), 404)) == [(7003, None)]


def test_assumption_duplicate_site_names_are_accepted(simulator_api):
    """ASSUMPTION: nothing published makes site names unique; the simulator accepts a second site of the same name."""
    first = result(simulator_api.post("magic/sites", json={"name": "ber-branch-01"}))
    assert first["id"] != SITE_BER
    assert [site["id"] for site in result(simulator_api.get("magic/sites")) if site["name"] == "ber-branch-01"] == [
        SITE_BER,
        first["id"],
    ]


def test_assumption_site_with_children_is_not_deleted(simulator_api, simulator):
    site = result(simulator_api.post("magic/sites", json={"name": "tmp"}))
    lan = result(simulator_api.post("magic/sites/%s/lans" % site["id"], json={"name": "lan", "physport": 2}))[0]
    found = errors_of(simulator_api.delete("magic/sites/" + site["id"]), 409)
    assert found == {
        (1006, None): "site %s still has 1 LANs: delete them first (ACLs, then LANs and WANs)" % site["id"]
    }
    assert site["id"] in stored(simulator, "sites")
    result(simulator_api.delete("magic/sites/%s/lans/%s" % (site["id"], lan["id"])))
    assert result(simulator_api.delete("magic/sites/" + site["id"])) == site
    assert site["id"] not in stored(simulator, "sites")


def test_assumption_deleting_a_connector_leaves_the_site_naming_it(simulator_api, simulator):
    """ASSUMPTION: the connector delete is not refused and the site keeps the id (what an audit must find)."""
    result(simulator_api.delete("magic/connectors/" + BER_SECONDARY))
    assert stored(simulator, "sites")[SITE_BER]["secondary_connector_id"] == BER_SECONDARY
    assert result(simulator_api.get("magic/sites", params={"connectorid": BER_SECONDARY}))[0]["id"] == SITE_BER


def test_read_only_token_cannot_write_sites(simulator_api, simulator):
    assert errors_of(simulator_api.post("magic/sites", json={"name": "x"}, auth="ro"), 403)
    assert errors_of(simulator_api.delete("magic/sites/" + SITE_SYD, auth="ro"), 403)
    assert SITE_SYD in stored(simulator, "sites")


@pytest.mark.parametrize("when", ["before", "after"])
def test_fault_rules_and_request_log_cover_site_writes(simulator_api, simulator, when):
    simulator.add_rule(
        match={"method": "POST", "path": "/magic/sites$"}, action="status", status=503, when=when, times=1
    )
    answer = simulator_api.post("magic/sites", json={"name": "faulted", "location": {"lat": "1", "lon": "2"}})
    assert answer.status_code == 503
    written = [site for site in stored(simulator, "sites").values() if site["name"] == "faulted"]
    assert len(written) == (1 if when == "after" else 0)
    entry = simulator.requests("POST")[-1]
    assert entry["path"].endswith("/magic/sites") and entry["status"] == 503 and entry["body"]["name"] == "faulted"
    assert entry["fault"] == ("status_after" if when == "after" else "status")


def test_state_file_persists_sites_and_children(simulator, tmp_path):
    state_file = tmp_path / "state.json"
    extra = simulator.start_extra("--state-file", str(state_file))
    try:
        import requests  # pylint: disable=import-outside-toplevel

        headers = {"Authorization": "Bearer " + simulator.token}
        base = "%s/accounts/%s/magic/sites" % (extra.base_url, simulator.account_id)
        site = requests.post(base, json={"name": "persisted"}, headers=headers, timeout=10).json()["result"]
        wan = requests.post(
            "%s/%s/wans" % (base, site["id"]), json={"physport": 1}, headers=headers, timeout=10
        ).json()["result"][0]
    finally:
        simulator.stop_extra()
    stored = json.loads(state_file.read_text())["accounts"][simulator.account_id]
    assert stored["sites"][site["id"]]["name"] == "persisted"
    assert stored["wans"][wan["id"]] == dict(wan)


# ------------------------------------------------------------------------------------------------------ sites


def test_sites_list_and_get(simulator_api, simulator):
    sites = result(simulator_api.get("magic/sites"))
    assert isinstance(sites, list) and [site["id"] for site in sites] == [SITE_BER, SITE_NYC, SITE_TYO, SITE_SYD]
    ber = sites[0]
    assert ber == {
        "id": SITE_BER,
        "name": "ber-branch-01",
        "description": "Berlin branch office, HA pair",
        "connector_id": BER_PRIMARY,
        "secondary_connector_id": BER_SECONDARY,
        "ha_mode": True,
        "location": {"lat": "52.5200", "lon": "13.4050"},
    }
    assert result(simulator_api.get("magic/sites/" + SITE_NYC))["ha_mode"] is False
    assert "connector_id" not in result(simulator_api.get("magic/sites/" + SITE_SYD))
    assert result(simulator_api.get("magic/sites", params={"connectorid": BER_SECONDARY})) == [ber]
    assert result(simulator_api.get("magic/sites", params={"connectorid": SFO_LICENSED})) == []
    errors = errors_of(simulator_api.get("magic/sites/" + "0" * 32), 404)
    assert errors == {(1003, None): "site %s not found" % ("0" * 32)}
    assert errors_of(simulator_api.get("magic/sites/bad.id"), 404)
    # Sites are writable now (tests/simulator/test_sites.py); a POST on one site is still no route's method.
    assert simulator_api.post("magic/sites/" + SITE_NYC, json={"name": "x"}).status_code == 405


@pytest.mark.usefixtures("older_connector_schema")
def test_sites_and_connectors_agree(simulator_api):
    connectors = {item["id"]: item for item in result(simulator_api.get("magic/connectors"))}
    sites = result(simulator_api.get("magic/sites"))
    assert any("connector_id" in site for site in sites), "the seed has sites with connectors"
    for site in sites:
        if "connector_id" in site:
            assert connectors[site["connector_id"]]["site_id"] == site["id"]
            assert connectors[site["connector_id"]]["primary"] is True
        if site.get("ha_mode"):
            assert connectors[site["secondary_connector_id"]]["site_id"] == site["id"]
            assert connectors[site["secondary_connector_id"]]["primary"] is False
    assert "site_id" not in connectors[SFO_LICENSED] and "site_id" not in connectors[SYD_CONNECTOR]
    assert connectors and all(isinstance(item["primary"], bool) for item in connectors.values())


@pytest.mark.usefixtures("older_connector_schema")
def test_fleet_sites_pair_connectors(simulator_api, simulator):
    simulator.add_fleet(5)
    connectors = [item for item in result(simulator_api.get("magic/connectors")) if item["notes"].startswith("fleet-")]
    sites = {
        site["id"]: site for site in result(simulator_api.get("magic/sites")) if site["name"].startswith("fleet-site-")
    }
    assert len(sites) == 3
    for first, second in ((0, 1), (2, 3)):
        site = sites[connectors[first]["site_id"]]
        assert connectors[second]["site_id"] == site["id"] and site["ha_mode"] is True
        assert (site["connector_id"], site["secondary_connector_id"]) == (
            connectors[first]["id"],
            connectors[second]["id"],
        )
        assert connectors[first]["primary"] is True and connectors[second]["primary"] is False
    single = sites[connectors[4]["site_id"]]
    assert single["ha_mode"] is False and "secondary_connector_id" not in single
    # The next fleet continues the numbering: connector 6 completes the site of connector 5.
    simulator.add_fleet(1)
    site = result(simulator_api.get("magic/sites/" + single["id"]))
    assert (
        site["ha_mode"] is True
        and site["secondary_connector_id"] == result(simulator_api.get("magic/connectors"))[-1]["id"]
    )
