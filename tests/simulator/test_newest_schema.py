# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The newest published schema: connector sites and primary, Magic WAN sites, virtual serials, strict devices,
asynchronous interrupts, the current interconnect rules and seed data relative to now."""

import datetime
import time

import pytest

BER_PRIMARY = "711f8eedc6d84336a6f7d256ddd00fce"
BER_SECONDARY = "64180894674b44869153f5fed0c2c654"
NYC = "d5fcbf8464854891bdc163cff7831dc1"
TYO_VIRTUAL = "59c6e7a1d3994ac79947d3bdc4a78c71"
SFO_VIRTUAL = "32d9a8741af047e39c4a6ee61a5daaba"
SYD = "dd54928d783446aeb068b242b1e286a1"
SITE_BER = "5f8e0b3a2c6d4e1f9a7b8c0d1e2f3a4b"
SITE_NYC = "8c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f"
SITE_TYO = "2b7c9d1e3f5a4b6c8d0e2f4a6b8c0d1e"
SITE_SYD = "9d3e5f7a1b2c4d6e8f0a2b4c6d8e0f1a"
SPARE_SERIAL = "MWC2405C0101"
SPARE_SERVICE_TAG = "CFVA-9681D2552EC5"
FRA_GRE = "db6e162c8771430c90b14f6378e8f5cf"     # version 1
AMS_V15 = "c0a66efd2b834c23976c56694bb0a45c"     # version 1.5
SIN_BIDIR = "39a186d8c1ee41e1a92eb0d6b08f99f7"   # version 1.5, bidirectional
LAB_ACCOUNT = "7d4c2b1a0f9e8d7c6b5a4f3e2d1c0b9a"  # no coupler_integration flag
LAB_GRE = "f1e2d3c4b5a647382910abcdef012345"
NEW_HC_TARGET = {"x-magic-new-hc-target": "true"}


def result(response):
    assert response.status_code == 200, response.text
    assert response.json()["success"] is True
    return response.json()["result"]


def errors_of(response, status=400):
    assert response.status_code == status, response.text
    body = response.json()
    assert body["success"] is False and body["result"] is None
    return {(error["code"], error.get("source", {}).get("pointer")): error["message"] for error in body["errors"]}


def settings(simulator, **values):
    return simulator.admin("PUT", "settings", values)


# ------------------------------------------------------------------------------------------------------ sites

def test_sites_list_and_get(api, simulator):
    sites = result(api.get("magic/sites"))
    assert isinstance(sites, list) and [site["id"] for site in sites] == [SITE_BER, SITE_NYC, SITE_TYO, SITE_SYD]
    ber = sites[0]
    assert ber == {"id": SITE_BER, "name": "ber-branch-01", "description": "Berlin branch office, HA pair",
                   "connector_id": BER_PRIMARY, "secondary_connector_id": BER_SECONDARY, "ha_mode": True,
                   "location": {"lat": "52.5200", "lon": "13.4050"}}
    assert result(api.get("magic/sites/" + SITE_NYC))["ha_mode"] is False
    assert "connector_id" not in result(api.get("magic/sites/" + SITE_SYD))
    assert result(api.get("magic/sites", params={"connectorid": BER_SECONDARY})) == [ber]
    assert result(api.get("magic/sites", params={"connectorid": SFO_VIRTUAL})) == []
    errors = errors_of(api.get("magic/sites/" + "0" * 32), 404)
    assert errors == {(1003, None): "site %s not found" % ("0" * 32)}
    assert errors_of(api.get("magic/sites/bad.id"), 404)
    # Sites are writable now (tests/simulator/test_sites.py); a POST on one site is still no route's method.
    assert api.post("magic/sites/" + SITE_NYC, json={"name": "x"}).status_code == 405


@pytest.mark.usefixtures("older_connector_schema")
def test_sites_and_connectors_agree(api):
    connectors = {item["id"]: item for item in result(api.get("magic/connectors"))}
    for site in result(api.get("magic/sites")):
        if "connector_id" in site:
            assert connectors[site["connector_id"]]["site_id"] == site["id"]
            assert connectors[site["connector_id"]]["primary"] is True
        if site.get("ha_mode"):
            assert connectors[site["secondary_connector_id"]]["site_id"] == site["id"]
            assert connectors[site["secondary_connector_id"]]["primary"] is False
    assert "site_id" not in connectors[SFO_VIRTUAL] and "site_id" not in connectors[SYD]
    assert all(isinstance(item["primary"], bool) for item in connectors.values())


@pytest.mark.usefixtures("older_connector_schema")
def test_fleet_sites_pair_connectors(api, simulator):
    simulator.add_fleet(5)
    connectors = [item for item in result(api.get("magic/connectors")) if item["notes"].startswith("fleet-")]
    sites = {site["id"]: site for site in result(api.get("magic/sites")) if site["name"].startswith("fleet-site-")}
    assert len(sites) == 3
    for first, second in ((0, 1), (2, 3)):
        site = sites[connectors[first]["site_id"]]
        assert connectors[second]["site_id"] == site["id"] and site["ha_mode"] is True
        assert (site["connector_id"], site["secondary_connector_id"]) == (connectors[first]["id"], connectors[second]["id"])
        assert connectors[first]["primary"] is True and connectors[second]["primary"] is False
    single = sites[connectors[4]["site_id"]]
    assert single["ha_mode"] is False and "secondary_connector_id" not in single
    # The next fleet continues the numbering: connector 6 completes the site of connector 5.
    simulator.add_fleet(1)
    site = result(api.get("magic/sites/" + single["id"]))
    assert site["ha_mode"] is True and site["secondary_connector_id"] == result(api.get("magic/connectors"))[-1]["id"]


# ------------------------------------------------------------------------------------------- connectors: sites

@pytest.mark.usefixtures("older_connector_schema")
@pytest.mark.parametrize("method", ["PATCH", "PUT"])
def test_site_id_and_primary_are_writable(api, simulator, method):
    edited = result(api.request(method, "magic/connectors/" + SYD, json={"site_id": SITE_SYD, "primary": False}))
    assert edited["site_id"] == SITE_SYD and edited["primary"] is False
    assert simulator.connector(SYD)["site_id"] == SITE_SYD
    assert result(api.patch("magic/connectors/" + SYD, json={"site_id": ""}))["site_id"] == ""


@pytest.mark.usefixtures("older_connector_schema")
def test_put_resets_site_id_and_primary(api):
    replaced = result(api.put("magic/connectors/" + BER_SECONDARY, json={"notes": "replaced"}))
    assert "site_id" not in replaced and replaced["primary"] is True


@pytest.mark.usefixtures("older_connector_schema")
def test_create_with_site_id_and_primary(api, simulator):
    created = result(api.post("magic/connectors", json={"device": {"serial_number": SPARE_SERIAL}, "site_id": SITE_SYD,
                                                        "primary": False}))
    assert created["site_id"] == SITE_SYD and created["primary"] is False
    plain = result(api.post("magic/connectors", json={"device": {"provision_license": True}}))
    assert plain["primary"] is True and "site_id" not in plain


@pytest.mark.parametrize("body, pointer, message", [
    ({"site_id": "0" * 32}, "/site_id", "site_id %s is not a site of this account (GET /magic/sites lists them)" % ("0" * 32)),
    ({"site_id": 7}, "/site_id", "site_id must be a string"),
    ({"site_id": None}, "/site_id", "site_id: type string is not permitted to be null"),
    ({"primary": "yes"}, "/primary", "primary must be a boolean"),
])
@pytest.mark.usefixtures("older_connector_schema")
def test_site_id_and_primary_validation(api, simulator, body, pointer, message):
    before = simulator.state()
    for method, path in (("PATCH", "magic/connectors/" + SYD), ("PUT", "magic/connectors/" + SYD),
                         ("POST", "magic/connectors")):
        sent = dict(body, device={"serial_number": SPARE_SERIAL}) if method == "POST" else body
        errors = errors_of(api.request(method, path, json=sent))
        assert errors[(1022 if "null" in message else 1004, pointer)] == message
    assert simulator.state() == before


# --------------------------------------------------------------------------------- virtual serials, strict devices

def test_new_virtual_device_has_a_service_tag_and_is_found_by_it(api, simulator):
    created = result(api.post("magic/connectors", json={"device": {"provision_license": True}, "notes": "vcon"}))
    tag = created["device"]["serial_number"]
    assert tag.startswith("CFVA-") and len(tag) == 17
    state = simulator.state()["accounts"][simulator.account_id]
    assert state["devices"][created["device"]["id"]]["serial_number"] == tag
    assert [item["id"] for item in result(api.get("magic/connectors")) if item["device"].get("serial_number") == tag] == [created["id"]]
    # The same service tag again: the device already has a connector.
    assert errors_of(api.post("magic/connectors", json={"device": {"serial_number": tag}}), 409)
    # A registered virtual device is created by its service tag like hardware by its serial.
    by_tag = result(api.post("magic/connectors", json={"device": {"serial_number": SPARE_SERVICE_TAG}}))
    assert by_tag["device"]["type"] == "LICENSED" and "license_key" not in by_tag


def test_strict_devices_refuses_unknown_serials(api, simulator):
    assert simulator.admin("GET", "settings") == {"interrupt_delay": 0.0, "strict_devices": False, "heartbeat_interval": 0.0,
                                                  "interrupt_downtime": 30.0, "connector_schema": "2026-10"}
    assert settings(simulator, strict_devices=True)["strict_devices"] is True
    before = simulator.state()
    errors = errors_of(api.post("magic/connectors", json={"device": {"serial_number": "MWC2609Z0001"}, "notes": "x"}), 404)
    assert errors == {(1003, "/device/serial_number"):
                      "no device with serial number MWC2609Z0001 is registered to this account"}
    assert simulator.state() == before
    # Registered hardware and new virtual appliances are still fine.
    assert result(api.post("magic/connectors", json={"device": {"serial_number": SPARE_SERIAL}}))["device"]["type"] == "MANAGED"
    assert result(api.post("magic/connectors", json={"device": {"provision_license": True}}))["license_key"]
    simulator.reset()
    assert simulator.admin("GET", "settings")["strict_devices"] is False
    assert result(api.post("magic/connectors", json={"device": {"serial_number": "MWC2609Z0001"}}))


@pytest.mark.parametrize("values", [{"strict_devices": "yes"}, {"interrupt_delay": "soon"}, {"interrupt_delay": True},
                                    {"colour": 1}])
def test_admin_settings_validation(simulator, values):
    with pytest.raises(AssertionError, match="HTTP 400"):
        settings(simulator, **values)


# ----------------------------------------------------------------------------------------------------- interrupts

def interrupts(api, connector_id=NYC):
    return result(api.get("magic/connectors/%s/interrupts" % connector_id))


def post_interrupt(api, body, connector_id=NYC):
    return api.post("magic/connectors/%s/interrupts" % connector_id, json=body)


def test_interrupt_pending_until_the_delay_then_triggered(api, simulator):
    assert settings(simulator, interrupt_delay=0.6)["interrupt_delay"] == 0.6
    created = result(post_interrupt(api, {"reboot": {"purge": False}}))
    assert set(created) == {"submitted_at", "reboot"}
    assert interrupts(api) == [created]
    errors = errors_of(post_interrupt(api, {"restart": {}}), 409)
    message = errors[(1006, None)]
    assert "already has a pending reboot, submitted at %s" % created["submitted_at"] in message
    assert "only one interrupt may be pending" in message
    # Another connector is not affected.
    assert result(post_interrupt(api, {"shutdown": {}}, connector_id=BER_PRIMARY))
    time.sleep(0.7)
    ran = interrupts(api)
    assert len(ran) == 1 and set(ran[0]) == {"submitted_at", "triggered_at", "reboot"}
    submitted = datetime.datetime.fromisoformat(created["submitted_at"].replace("Z", "+00:00"))
    triggered = datetime.datetime.fromisoformat(ran[0]["triggered_at"].replace("Z", "+00:00"))
    assert abs((triggered - submitted).total_seconds() - 0.6) < 0.01
    assert simulator.state()["accounts"][simulator.account_id]["interrupts"][NYC] == ran
    assert result(post_interrupt(api, {"restart": {}}))["restart"] == {"purge": False}


def test_interrupt_never_triggers_until_the_setting_changes(api, simulator):
    settings(simulator, interrupt_delay="never")
    assert simulator.admin("GET", "settings")["interrupt_delay"] == "never"
    result(post_interrupt(api, {"reboot": {}}))
    errors_of(post_interrupt(api, {"reboot": {}}), 409)
    assert "triggered_at" not in interrupts(api)[0]
    assert len(simulator.writes()) == 2
    settings(simulator, interrupt_delay=0)  # the appliance checks in
    assert interrupts(api)[0]["triggered_at"]
    simulator.reset()
    assert simulator.admin("GET", "settings")["interrupt_delay"] == 0.0


def test_default_delay_runs_interrupts_at_once(api):
    for action in ("reboot", "restart", "shutdown"):
        result(post_interrupt(api, {action: {"purge": True}}))
    assert all(item["triggered_at"] == item["submitted_at"] for item in interrupts(api))


# -------------------------------------------------------------------------------------------- interconnect rules

def put(api, interconnect_id, body, account=None, **kwargs):
    path = "magic/cf_interconnects/" + interconnect_id
    if account:
        path = "/accounts/%s/%s" % (account, path)
    return api.put(path, json=body, **kwargs)


@pytest.mark.parametrize("validate_only", [False, True])
def test_automatic_return_routing_needs_the_account_flag(api, simulator, validate_only):
    params = {"validate_only": "true"} if validate_only else None
    errors = errors_of(put(api, LAB_GRE, {"automatic_return_routing": True}, account=LAB_ACCOUNT, params=params))
    assert errors == {(1004, "/automatic_return_routing"):
                      "automatic_return_routing can only be enabled on accounts with the coupler_integration flag"}
    assert result(put(api, LAB_GRE, {"automatic_return_routing": False}, account=LAB_ACCOUNT, params=params))
    assert result(put(api, FRA_GRE, {"automatic_return_routing": True}, params=params))  # the seed account has the flag


@pytest.mark.parametrize("validate_only", [False, True])
def test_target_form_must_match_the_header(api, validate_only):
    params = {"validate_only": "true"} if validate_only else None
    as_object = {"health_check": {"type": "request", "target": {"saved": "10.1.2.3"}}}
    as_string = {"health_check": {"type": "request", "target": "10.1.2.3"}}
    assert (1004, "/health_check/target") in errors_of(put(api, FRA_GRE, as_object, params=params))
    assert (1004, "/health_check/target") in errors_of(put(api, FRA_GRE, as_string, params=params, headers=NEW_HC_TARGET))
    assert (1004, "/health_check/target") in errors_of(
        put(api, FRA_GRE, as_object, params=params, headers={"x-magic-new-hc-target": "false"}))
    assert result(put(api, FRA_GRE, as_object, params=params, headers=NEW_HC_TARGET))
    assert result(put(api, FRA_GRE, as_string, params=params))


@pytest.mark.parametrize("name", ["gre-fra-dc1", "ipsec-ber-branch-01", "ams-cni-1"])
def test_names_unique_across_tunnels(api, simulator, name):
    before = simulator.interconnect(FRA_GRE)
    for params in ({"validate_only": "true"}, None):
        errors = errors_of(put(api, FRA_GRE, {"name": name}, params=params))
        assert errors == {(1004, "/name"): "name must be unique: another tunnel or interconnect of this account is "
                                           "already named %r" % name}
    assert simulator.interconnect(FRA_GRE) == before
    # Tunnels of another account do not count.
    assert result(put(api, LAB_GRE, {"name": "gre-fra-dc1"}, account=LAB_ACCOUNT))


@pytest.mark.parametrize("health_check, message", [
    ({"direction": "bidirectional"}, "health_check.source is required when health_check.direction is bidirectional"),
    ({"direction": "bidirectional", "source": "169.254.1.1"},
     "health_check.source must be an IPv4 address in RFC 1918, 169.254.240.0/20 or 198.41.199.224/27"),
    ({"direction": "bidirectional", "source": "198.41.199.192"},
     "health_check.source must be an IPv4 address in RFC 1918, 169.254.240.0/20 or 198.41.199.224/27"),
    ({"direction": "unidirectional", "source": "10.0.0.1"},
     "health_check.source is only allowed with health_check.direction bidirectional (omit it for unidirectional: it is cleared)"),
])
def test_health_check_source_rules(api, simulator, health_check, message):
    before = simulator.state()
    for params in ({"validate_only": "true"}, None):
        assert errors_of(put(api, SIN_BIDIR, {"health_check": health_check}, params=params)) == \
            {(1004, "/health_check/source"): message}
    assert simulator.state() == before


@pytest.mark.parametrize("source", ["10.20.30.40", "172.31.0.1", "192.168.0.9", "169.254.255.254", "198.41.199.225"])
def test_health_check_source_accepted_ranges_and_switch_to_unidirectional(api, simulator, source):
    bidirectional = {"health_check": {"direction": "bidirectional", "source": source}}
    assert result(put(api, AMS_V15, bidirectional))["modified_interconnect"]["health_check"]["source"] == source
    switched = result(put(api, AMS_V15, {"health_check": {"direction": "unidirectional", "rate": "low"}}))
    assert "source" not in switched["modified_interconnect"]["health_check"]
    assert "source" not in simulator.interconnect(AMS_V15)["health_check"]


def test_seeded_interconnects_pass_the_rules_they_are_judged_by(api, simulator):
    """Sending every seeded interconnect back whole (with the header) is accepted: the seed obeys its own rules."""
    for account_id, account in simulator.state()["accounts"].items():
        for interconnect in account["interconnects"].values():
            body = {key: value for key, value in interconnect.items()
                    if key in ("name", "description", "interface_address", "interface_address6", "mtu",
                               "automatic_return_routing", "gre", "health_check", "bgp")}
            body["health_check"] = dict(body["health_check"], target={"saved": body["health_check"]["target"]})
            response = put(api, interconnect["id"], body, account=account_id, params={"validate_only": "true"},
                           headers=NEW_HC_TARGET)
            assert response.status_code == 200, (interconnect["name"], response.text)


# ------------------------------------------------------------------------------------------- seed relative to now

def age_seconds(timestamp):
    moment = datetime.datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
    return (datetime.datetime.now(datetime.timezone.utc) - moment).total_seconds()


def test_heartbeats_and_versions_are_relative_to_now(api, simulator):
    connectors = {item["id"]: item for item in result(api.get("magic/connectors"))}
    for connector_id in (BER_PRIMARY, BER_SECONDARY, NYC, TYO_VIRTUAL):
        assert 0 <= age_seconds(connectors[connector_id]["last_heartbeat"]) < 600
    assert 2 * 86400 < age_seconds(connectors[SYD]["last_heartbeat"]) < 3 * 86400
    assert "last_heartbeat" not in connectors[SFO_VIRTUAL]
    # Second precision, the form Cloudflare's examples use (and the connector audit parses).
    assert len(connectors[NYC]["last_heartbeat"]) == len("2026-03-01T09:59:41Z")
    now = datetime.datetime.now(datetime.timezone.utc)
    newest = connectors[BER_PRIMARY]["last_seen_version"]
    year, month = (now.year, now.month - 1) if now.month > 1 else (now.year - 1, 12)
    assert newest == "%d.%d.1" % (year, month)
    versions = [tuple(int(part) for part in connectors[key]["last_seen_version"].split(".")) for key in (BER_PRIMARY, NYC, SYD)]
    assert versions == sorted(versions, reverse=True) and len(set(versions)) == 3
    # A fleet is current too: most connectors checked in within minutes, every tenth three days ago.
    simulator.add_fleet(10)
    fleet = [item for item in result(api.get("magic/connectors")) if item["notes"].startswith("fleet-")]
    assert all(age_seconds(item["last_heartbeat"]) < 600 for item in fleet[:9])
    assert age_seconds(fleet[9]["last_heartbeat"]) > 2 * 86400


def test_admin_state_accepts_relative_values(simulator):
    state = simulator.state()
    state["accounts"][simulator.account_id]["connectors"][SFO_VIRTUAL]["last_heartbeat"] = {"seconds_ago": 3600}
    simulator.admin("PUT", "state", state)
    assert 3590 < age_seconds(simulator.connector(SFO_VIRTUAL)["last_heartbeat"]) < 3700
