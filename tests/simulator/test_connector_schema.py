# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Connector schema switch: the newest 2026-10 (the default; HA lives on sites) and the older 2026-08 (site_id, primary)."""

from ansible_collections.cloudflare.magic_transit.tests.helpers import errors_of, result

BER_SECONDARY = "64180894674b44869153f5fed0c2c654"
SITE_BER = "5f8e0b3a2c6d4e1f9a7b8c0d1e2f3a4b"
SPARE_SERIAL = "MWC2405C0101"


def test_older_schema_serves_site_id_and_primary(simulator_api, simulator):
    simulator.admin("PUT", "settings", {"connector_schema": "2026-08"})
    got = result(simulator_api.get("magic/connectors/" + BER_SECONDARY))
    assert got["site_id"] == SITE_BER and got["primary"] is False


def test_newest_schema_drops_and_refuses_site_fields(simulator_api, simulator):
    assert simulator.admin("GET", "settings")["connector_schema"] == "2026-10"
    listed = result(simulator_api.get("magic/connectors"))
    assert len(listed) == 6 and all("site_id" not in item and "primary" not in item for item in listed)
    got = result(simulator_api.get("magic/connectors/" + BER_SECONDARY))
    assert "site_id" not in got and "primary" not in got and got["notes"] == "ber-branch-01 secondary"
    before = simulator.state()
    message = (
        "%s is not a valid field: the newest connector schema has no %s (a site names its connectors: connector_id, "
        "secondary_connector_id)"
    )
    assert errors_of(
        simulator_api.patch("magic/connectors/" + BER_SECONDARY, json={"site_id": SITE_BER, "primary": True})
    ) == {(1004, "/site_id"): message % ("site_id", "site_id"), (1004, "/primary"): message % ("primary", "primary")}
    assert errors_of(
        simulator_api.post("magic/connectors", json={"device": {"serial_number": SPARE_SERIAL}, "primary": False})
    ) == {(1004, "/primary"): message % ("primary", "primary")}
    assert simulator.state() == before
    created = result(simulator_api.post("magic/connectors", json={"device": {"serial_number": SPARE_SERIAL}}))
    edited = result(simulator_api.patch("magic/connectors/" + created["id"], json={"notes": "new"}))
    assert "primary" not in created and "primary" not in edited and edited["notes"] == "new"
    # The site still names both members: that is where HA membership lives now.
    assert result(simulator_api.get("magic/sites/" + SITE_BER))["secondary_connector_id"] == BER_SECONDARY
    # Back to the older form: the stored fields are served again; a reset returns to the newest default.
    simulator.admin("PUT", "settings", {"connector_schema": "2026-08"})
    assert result(simulator_api.get("magic/connectors/" + BER_SECONDARY))["primary"] is False
    simulator.reset()
    assert "primary" not in result(simulator_api.get("magic/connectors/" + BER_SECONDARY))


def test_bad_schema_setting(simulator):
    import requests  # pylint: disable=import-outside-toplevel

    answer = requests.put(simulator.admin_url + "/settings", json={"connector_schema": "2027-01"}, timeout=10)
    assert answer.status_code == 400
    assert answer.json()["error"] == "connector_schema must be one of 2026-08, 2026-10, got '2027-01'"
