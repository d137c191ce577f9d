# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""CF interconnects: list/get, the health-check target header, update semantics, validate_only, validation, and
the current rules (automatic return routing, target forms, unique names, health-check sources)."""

import pytest

from ansible_collections.cloudflare.magic_transit.tests.helpers import errors_of, result

FRA_GRE = "db6e162c8771430c90b14f6378e8f5cf"  # version 1, GRE, default health-check target
AMS_V15 = "c0a66efd2b834c23976c56694bb0a45c"  # version 1.5, saved target 192.168.10.1
LHR_V2 = "3d8f178ccc144d6089165dca06f11d1d"  # version 2, BGP with md5_key
SIN_BIDIR = "39a186d8c1ee41e1a92eb0d6b08f99f7"  # version 1.5, bidirectional health check
NEW_HC_TARGET = {"x-magic-new-hc-target": "true"}
LAB_ACCOUNT = "7d4c2b1a0f9e8d7c6b5a4f3e2d1c0b9a"  # no coupler_integration flag
LAB_GRE = "f1e2d3c4b5a647382910abcdef012345"


def path(interconnect_id=""):
    return "magic/cf_interconnects/" + interconnect_id if interconnect_id else "magic/cf_interconnects"


def put(simulator_api, interconnect_id, body, account=None, **kwargs):
    """PUT an interconnect of the seed's account, or of ``account``."""
    target = path(interconnect_id)
    if account:
        target = "/accounts/%s/%s" % (account, target)
    return simulator_api.put(target, json=body, **kwargs)


def test_list_and_get(simulator_api):
    listed = simulator_api.get(path()).json()["result"]["interconnects"]
    assert [item["name"] for item in listed] == ["fra-gre-1", "ams-cni-1", "lhr-cni-2", "sin-cni-1"]
    by_id = {item["id"]: item for item in listed}
    assert {item["version"] for item in listed} == {"1", "1.5", "2"}
    assert "gre" in by_id[FRA_GRE] and "gre" not in by_id[AMS_V15]
    assert by_id[LHR_V2]["bgp"]["md5_key"] == "sim-md5-demo-key-9f2c"  # returned as stored, like Cloudflare
    single = simulator_api.get(path(FRA_GRE)).json()["result"]
    assert single == {"interconnect": by_id[FRA_GRE]}


def test_health_check_target_forms(simulator_api):
    plain = simulator_api.get(path(FRA_GRE))
    assert plain.json()["result"]["interconnect"]["health_check"]["target"] == "10.212.0.9"
    assert "x-magic-new-hc-target" not in plain.headers
    new = simulator_api.get(path(FRA_GRE), headers=NEW_HC_TARGET)
    assert new.headers["x-magic-new-hc-target"] == "true"
    assert new.json()["result"]["interconnect"]["health_check"]["target"] == {"saved": "", "effective": "10.212.0.9"}
    saved = simulator_api.get(path(AMS_V15), headers=NEW_HC_TARGET).json()["result"]["interconnect"]["health_check"][
        "target"
    ]
    assert saved == {"saved": "192.168.10.1", "effective": "192.168.10.1"}
    listed = simulator_api.get(path(), headers=NEW_HC_TARGET).json()["result"]["interconnects"]
    assert all(isinstance(item["health_check"]["target"], dict) for item in listed)
    explicit_false = simulator_api.get(path(FRA_GRE), headers={"x-magic-new-hc-target": "false"})
    assert explicit_false.headers["x-magic-new-hc-target"] == "false"
    assert explicit_false.json()["result"]["interconnect"]["health_check"]["target"] == "10.212.0.9"


def test_update_is_a_top_level_merge(simulator_api, simulator):
    before = simulator.interconnect(FRA_GRE)
    response = put(simulator_api, FRA_GRE, {"description": "changed", "mtu": 1400})
    assert response.status_code == 200, response.text
    result = response.json()["result"]
    assert result["modified"] is True
    updated = result["modified_interconnect"]
    assert updated["description"] == "changed" and updated["mtu"] == 1400
    assert updated["modified_on"] != before["modified_on"]
    stored = simulator.interconnect(FRA_GRE)
    expected = dict(before, description="changed", mtu=1400, modified_on=stored["modified_on"])
    assert stored == expected


def test_nested_objects_are_replaced_whole(simulator_api, simulator):
    # Strict reading: health_check sent alone with rate -> every other key goes back to its default.
    response = put(simulator_api, AMS_V15, {"health_check": {"rate": "high"}}, headers=NEW_HC_TARGET)
    assert response.status_code == 200, response.text
    health_check = response.json()["result"]["modified_interconnect"]["health_check"]
    assert health_check == {
        "enabled": True,
        "rate": "high",
        "type": "reply",
        "direction": "unidirectional",
        "target": {"saved": "", "effective": "10.212.0.11"},
    }
    assert simulator.interconnect(AMS_V15)["health_check"]["target"] == ""
    # bgp: keys left out disappear (md5_key, extra_prefixes).
    response = put(simulator_api, LHR_V2, {"bgp": {"customer_asn": 65001}})
    assert response.json()["result"]["modified_interconnect"]["bgp"] == {"customer_asn": 65001}
    # gre: sent whole too.
    response = put(simulator_api, FRA_GRE, {"gre": {}})
    assert response.json()["result"]["modified_interconnect"]["gre"] == {}


def test_target_accepted_as_string_or_object(simulator_api, simulator):
    response = put(simulator_api, FRA_GRE, {"health_check": {"type": "request", "target": "10.1.2.3"}})
    assert response.json()["result"]["modified_interconnect"]["health_check"]["target"] == "10.1.2.3"
    assert simulator.interconnect(FRA_GRE)["health_check"]["target"] == "10.1.2.3"
    body = {"health_check": {"type": "request", "target": {"saved": "10.9.9.9", "effective": "1.1.1.1"}}}
    response = put(simulator_api, FRA_GRE, body, headers=NEW_HC_TARGET)
    target = response.json()["result"]["modified_interconnect"]["health_check"]["target"]
    assert target == {"saved": "10.9.9.9", "effective": "10.9.9.9"}
    response = put(simulator_api, FRA_GRE, {"health_check": {"target": {"saved": ""}}}, headers=NEW_HC_TARGET)
    target = response.json()["result"]["modified_interconnect"]["health_check"]["target"]
    assert target == {"saved": "", "effective": "10.212.0.9"}


def test_validate_only_answers_like_an_update_and_persists_nothing(simulator_api, simulator):
    before = simulator.state()
    body = {"description": "dry run", "health_check": {"rate": "low", "target": {"saved": "10.0.0.1"}}}
    dry = put(simulator_api, FRA_GRE, body, params={"validate_only": "true"}, headers=NEW_HC_TARGET)
    assert dry.status_code == 200, dry.text
    assert dry.headers["x-magic-new-hc-target"] == "true"
    result = dry.json()["result"]
    assert result["modified"] is True
    assert result["modified_interconnect"]["description"] == "dry run"
    assert result["modified_interconnect"]["health_check"]["target"] == {"saved": "10.0.0.1", "effective": "10.0.0.1"}
    assert simulator.state() == before
    real = put(simulator_api, FRA_GRE, body, headers=NEW_HC_TARGET).json()["result"]
    assert {key: value for key, value in real["modified_interconnect"].items() if key != "modified_on"} == {
        key: value for key, value in result["modified_interconnect"].items() if key != "modified_on"
    }
    # A failing validate_only answers the same errors as a failing update.
    bad = {"mtu": 100}
    assert errors_of(put(simulator_api, FRA_GRE, bad, params={"validate_only": "true"})) == errors_of(
        put(simulator_api, FRA_GRE, bad)
    )


@pytest.mark.parametrize(
    "field", ["id", "colo_name", "version", "created_on", "modified_on", "virtual_port_reservation_id"]
)
def test_read_only_fields_refused(simulator_api, simulator, field):
    before = simulator.interconnect(LHR_V2)
    errors = errors_of(put(simulator_api, LHR_V2, {field: "x", "description": "never applied"}))
    assert errors == {(1004, "/" + field): "%s is read-only and cannot be set" % field}
    assert simulator.interconnect(LHR_V2) == before


@pytest.mark.parametrize(
    "body, pointer, message",
    [
        ({"colour": "blue"}, "/colour", "colour is not a valid field"),
        ({"bgp": {"customer_asn": 64512, "as_no": 0}}, "/bgp/as_no", "bgp.as_no must be between 1 and 4294967295"),
        (
            {"bgp": {"customer_asn": 64512, "cloudflare_endpoint": "x"}},
            "/bgp/cloudflare_endpoint",
            "bgp.cloudflare_endpoint must be an IPv4 address (with or without a prefix length)",
        ),
        (
            {"bgp": {"customer_asn": 64512, "customer_endpoint": "2001:db8::1"}},
            "/bgp/customer_endpoint",
            "bgp.customer_endpoint must be an IPv4 address (with or without a prefix length)",
        ),
        ({"health_check": {"interval": 5}}, "/health_check/interval", "health_check.interval is not a valid field"),
        ({"mtu": 575}, "/mtu", "mtu must be >= 576"),
        ({"mtu": "1500"}, "/mtu", "mtu must be an integer"),
        ({"mtu": 1476.5}, "/mtu", "mtu must be an integer"),
        ({"name": ""}, "/name", "name must not be empty"),
        ({"name": 7}, "/name", "name must be a string"),
        (
            {"automatic_return_routing": "yes"},
            "/automatic_return_routing",
            "automatic_return_routing must be a boolean",
        ),
        ({"health_check": "on"}, "/health_check", "health_check must be an object"),
        ({"health_check": {"rate": "fast"}}, "/health_check/rate", "health_check.rate must be one of low, mid, high"),
        ({"health_check": {"type": "ping"}}, "/health_check/type", "health_check.type must be one of reply, request"),
        (
            {"health_check": {"direction": "both"}},
            "/health_check/direction",
            "health_check.direction must be one of unidirectional, bidirectional",
        ),
        ({"health_check": {"enabled": 1}}, "/health_check/enabled", "health_check.enabled must be a boolean"),
        (
            {"health_check": {"target": "not-an-ip"}},
            "/health_check/target",
            "health_check.target must be an IPv4 address or empty (computed default)",
        ),
        (
            {"health_check": {"target": {"saved": "x"}}},
            "/health_check/target",
            "health_check.target must be a string without the x-magic-new-hc-target: true header (send the header to use the "
            "object form)",
        ),
        ({"bgp": {"customer_asn": 0}}, "/bgp/customer_asn", "bgp.customer_asn must be between 1 and 4294967295"),
        (
            {"bgp": {"customer_asn": 4294967296}},
            "/bgp/customer_asn",
            "bgp.customer_asn must be between 1 and 4294967295",
        ),
        ({"bgp": {"extra_prefixes": []}}, "/bgp/customer_asn", "bgp.customer_asn is required when bgp is sent"),
        (
            {"bgp": {"customer_asn": 1, "extra_prefixes": ["10.0.0.1/24"]}},
            "/bgp/extra_prefixes/0",
            "bgp.extra_prefixes[0] must be a valid CIDR prefix without host bits",
        ),
        (
            {"bgp": {"customer_asn": 1, "md5_key": "has?question"}},
            "/bgp/md5_key",
            "bgp.md5_key must be non-empty printable ASCII without quotation marks or question marks",
        ),
        (
            {"gre": {"cloudflare_endpoint": "x"}},
            "/gre/cloudflare_endpoint",
            "gre.cloudflare_endpoint must be an IPv4 address",
        ),
    ],
)
def test_validation_errors_name_field_and_rule(simulator_api, simulator, body, pointer, message):
    before = simulator.state()
    errors = errors_of(put(simulator_api, LHR_V2, body))
    assert errors[(1004, pointer)] == message
    assert simulator.state() == before


@pytest.mark.parametrize(
    "interconnect_id, value, ok",
    [
        (FRA_GRE, "10.212.0.8/31", True),
        (FRA_GRE, "192.168.7.4/30", True),
        (FRA_GRE, "169.254.10.0/31", True),
        (LHR_V2, "10.212.0.8/30", True),
        (LHR_V2, "10.212.0.9/31", True),
        (AMS_V15, "10.212.0.20/31", True),
        # Version 1.5 needs a /31 (the newest text; the "/29, its .3 host" rule of a reverted text is gone).
        (AMS_V15, "10.212.0.8/30", False),
        (AMS_V15, "172.16.0.11/29", False),
        (AMS_V15, "172.16.0.9/29", False),
        (FRA_GRE, "172.16.0.11/29", False),
        (LHR_V2, "172.16.0.11/29", False),
        (FRA_GRE, "10.212.0.8/28", False),
        (FRA_GRE, "10.212.0.8/32", False),
        (FRA_GRE, "100.64.0.0/31", False),
        (FRA_GRE, "8.8.8.8/31", False),
        (FRA_GRE, "10.212.0.8", False),
        (FRA_GRE, "2001:db8::/127", False),
        (FRA_GRE, "nonsense", False),
    ],
)
def test_interface_address_rules(simulator_api, simulator, interconnect_id, value, ok):
    before = simulator.interconnect(interconnect_id)
    dry = put(simulator_api, interconnect_id, {"interface_address": value}, params={"validate_only": "true"})
    assert simulator.interconnect(interconnect_id) == before
    response = put(simulator_api, interconnect_id, {"interface_address": value})
    assert (response.status_code == 200) is ok, response.text
    assert dry.status_code == response.status_code  # validate_only applies the same rules
    if not ok:
        assert (1004, "/interface_address") in errors_of(response)


def test_interface_address_messages_name_the_version_rule(simulator_api):
    errors = errors_of(put(simulator_api, AMS_V15, {"interface_address": "10.212.0.19/29"}))
    assert errors == {
        (1004, "/interface_address"): "interface_address must be a /31 prefix on version 1.5 interconnects"
    }
    errors = errors_of(put(simulator_api, FRA_GRE, {"interface_address": "10.212.0.19/29"}))
    assert errors == {(1004, "/interface_address"): "interface_address must be a /30 or /31 prefix"}


@pytest.mark.parametrize("interconnect_id", [FRA_GRE, LHR_V2])
def test_deprecated_bgp_inputs_are_kept_on_versions_1_and_2_and_a_bgp_put_without_them_clears_them(
    simulator_api, simulator, interconnect_id
):
    # ASSUMPTION of the simulator (no source says): a PUT replaces bgp whole, so what it leaves out is cleared.
    body = {
        "bgp": {
            "customer_asn": 64512,
            "as_no": 64512,
            "cloudflare_endpoint": "10.212.0.8",
            "customer_endpoint": "10.212.0.9/31",
        }
    }
    assert put(simulator_api, interconnect_id, body).status_code == 200
    assert simulator.interconnect(interconnect_id)["bgp"] == body["bgp"]
    assert put(simulator_api, interconnect_id, {"bgp": {"customer_asn": 64513}}).status_code == 200
    assert simulator.interconnect(interconnect_id)["bgp"] == {"customer_asn": 64513}


@pytest.mark.parametrize(
    "field, value", [("as_no", 64512), ("cloudflare_endpoint", "10.212.0.10"), ("customer_endpoint", "10.212.0.11")]
)
def test_deprecated_bgp_inputs_are_read_only_on_version_1_5_where_the_endpoints_derive(
    simulator_api, simulator, field, value
):
    before = simulator.interconnect(AMS_V15)
    errors = errors_of(put(simulator_api, AMS_V15, {"bgp": {"customer_asn": 64512, field: value}}))
    assert errors == {(1004, "/bgp/" + field): "bgp.%s is read-only and cannot be set" % field}
    assert simulator.interconnect(AMS_V15) == before
    assert (
        put(simulator_api, AMS_V15, {"interface_address": "10.212.0.20/31", "bgp": {"customer_asn": 64512}}).status_code
        == 200
    )
    answer = simulator_api.get("magic/cf_interconnects/%s" % AMS_V15).json()["result"]["interconnect"]
    assert answer["bgp"] == {
        "customer_asn": 64512,
        "cloudflare_endpoint": "10.212.0.20",
        "customer_endpoint": "10.212.0.21",
    }


@pytest.mark.parametrize(
    "value, ok",
    [
        ("2606:54c1:7:0:a9fe:12d2:1:a00/127", True),
        ("2606:54c1:7:0:a9fe:12d2:1:a01/127", False),
        ("2606:54c1:7:0:a9fe:12d2:1:a00/126", False),
        ("10.0.0.0/31", False),
        ("2606:54c1:7::a00", False),
    ],
)
def test_interface_address6_rules(simulator_api, value, ok):
    response = put(simulator_api, FRA_GRE, {"interface_address6": value})
    assert (response.status_code == 200) is ok, response.text


def test_json_null_is_1022(simulator_api, simulator):
    errors = errors_of(
        put(
            simulator_api,
            FRA_GRE,
            {
                "description": None,
                "mtu": None,
                "health_check": {"rate": None},
                "bgp": {"customer_asn": 1, "extra_prefixes": [None]},
            },
        )
    )
    assert errors[(1022, "/description")] == "description: type string is not permitted to be null"
    assert errors[(1022, "/mtu")] == "mtu: type integer is not permitted to be null"
    assert errors[(1022, "/health_check/rate")] == "health_check.rate: type string is not permitted to be null"
    assert errors[(1022, "/bgp/extra_prefixes/0")] == "bgp.extra_prefixes[0]: type string is not permitted to be null"
    assert simulator.interconnect(FRA_GRE)["description"] == "Frankfurt GRE interconnect (primary, cage 4.12)"


def test_name_unique_within_account(simulator_api, simulator):
    errors = errors_of(put(simulator_api, FRA_GRE, {"name": "ams-cni-1"}))
    assert "name must be unique" in errors[(1004, "/name")]
    assert put(simulator_api, FRA_GRE, {"name": "fra-gre-1"}).status_code == 200  # its own name is fine
    assert put(simulator_api, FRA_GRE, {"name": "fra-gre-primary"}).status_code == 200
    assert simulator.interconnect(FRA_GRE)["name"] == "fra-gre-primary"


def test_gre_refused_on_version_15(simulator_api, simulator):
    errors = errors_of(put(simulator_api, AMS_V15, {"gre": {"cloudflare_endpoint": "172.64.240.1"}}))
    assert errors == {(1004, "/gre"): "gre is not configurable for version 1.5 interconnects"}
    assert "gre" not in simulator.interconnect(AMS_V15)
    assert put(simulator_api, FRA_GRE, {"gre": {"cloudflare_endpoint": "172.64.240.1"}}).status_code == 200


def test_health_check_source_needs_bidirectional(simulator_api, simulator):
    errors = errors_of(
        put(simulator_api, FRA_GRE, {"health_check": {"direction": "bidirectional", "source": "10.1.1.1"}})
    )
    assert errors == {
        (1004, "/health_check/source"): "health_check.source is only supported on version 1.5 interconnects"
    }
    # Sending the bidirectional health check without its direction (not whole) fails.
    errors = errors_of(put(simulator_api, SIN_BIDIR, {"health_check": {"source": "169.254.240.9"}}))
    assert errors == {
        (1004, "/health_check/source"): "health_check.source is only allowed with health_check.direction "
        "bidirectional (omit it for unidirectional: it is cleared)"
    }
    ok = put(
        simulator_api,
        SIN_BIDIR,
        {"health_check": {"direction": "bidirectional", "source": "169.254.240.10", "rate": "high"}},
    )
    assert ok.status_code == 200, ok.text
    assert simulator.interconnect(SIN_BIDIR)["health_check"]["source"] == "169.254.240.10"
    # Switching to unidirectional clears the source (not sent).
    put(simulator_api, SIN_BIDIR, {"health_check": {"direction": "unidirectional"}})
    assert "source" not in simulator.interconnect(SIN_BIDIR)["health_check"]
    assert (1004, "/health_check/source") in errors_of(
        put(simulator_api, SIN_BIDIR, {"health_check": {"direction": "bidirectional", "source": "8.8.8.8"}})
    )


def test_every_error_of_a_body_is_reported(simulator_api):
    errors = errors_of(put(simulator_api, FRA_GRE, {"mtu": 1, "name": "", "id": "x"}))
    assert set(errors) == {(1004, "/mtu"), (1004, "/name"), (1004, "/id")}


def test_bulk_update_is_not_simulated(simulator_api):
    response = simulator_api.put(path(), json={"interconnects": []})
    assert response.status_code == 400
    assert "not simulated" in response.json()["errors"][0]["message"]


def test_md5_key_masked_in_log(simulator_api, simulator):
    secret = "n3w-Md5-S3cret-value"
    response = put(simulator_api, LHR_V2, {"bgp": {"customer_asn": 64512, "md5_key": secret}})
    assert response.json()["result"]["modified_interconnect"]["bgp"]["md5_key"] == secret
    entry = simulator.requests("PUT")[0]
    assert entry["body"] == {"bgp": {"customer_asn": 64512, "md5_key": "********"}}
    assert secret not in str(simulator.requests())


# -------------------------------------------------------------------------------------------- interconnect rules


@pytest.mark.parametrize("validate_only", [False, True])
def test_automatic_return_routing_needs_the_account_flag(simulator_api, simulator, validate_only):
    params = {"validate_only": "true"} if validate_only else None
    errors = errors_of(
        put(simulator_api, LAB_GRE, {"automatic_return_routing": True}, account=LAB_ACCOUNT, params=params)
    )
    assert errors == {
        (
            1004,
            "/automatic_return_routing",
        ): "automatic_return_routing can only be enabled on accounts with the coupler_integration flag"
    }
    assert result(put(simulator_api, LAB_GRE, {"automatic_return_routing": False}, account=LAB_ACCOUNT, params=params))
    assert result(
        put(simulator_api, FRA_GRE, {"automatic_return_routing": True}, params=params)
    )  # the seed account has the flag


@pytest.mark.parametrize("validate_only", [False, True])
def test_target_form_must_match_the_header(simulator_api, validate_only):
    params = {"validate_only": "true"} if validate_only else None
    as_object = {"health_check": {"type": "request", "target": {"saved": "10.1.2.3"}}}
    as_string = {"health_check": {"type": "request", "target": "10.1.2.3"}}
    assert (1004, "/health_check/target") in errors_of(put(simulator_api, FRA_GRE, as_object, params=params))
    assert (1004, "/health_check/target") in errors_of(
        put(simulator_api, FRA_GRE, as_string, params=params, headers=NEW_HC_TARGET)
    )
    assert (1004, "/health_check/target") in errors_of(
        put(simulator_api, FRA_GRE, as_object, params=params, headers={"x-magic-new-hc-target": "false"})
    )
    assert result(put(simulator_api, FRA_GRE, as_object, params=params, headers=NEW_HC_TARGET))
    assert result(put(simulator_api, FRA_GRE, as_string, params=params))


@pytest.mark.parametrize("name", ["gre-fra-dc1", "ipsec-ber-branch-01", "ams-cni-1"])
def test_names_unique_across_tunnels(simulator_api, simulator, name):
    before = simulator.interconnect(FRA_GRE)
    for params in ({"validate_only": "true"}, None):
        errors = errors_of(put(simulator_api, FRA_GRE, {"name": name}, params=params))
        assert errors == {
            (1004, "/name"): "name must be unique: another tunnel or interconnect of this account is "
            "already named %r" % name
        }
    assert simulator.interconnect(FRA_GRE) == before
    # Tunnels of another account do not count.
    assert result(put(simulator_api, LAB_GRE, {"name": "gre-fra-dc1"}, account=LAB_ACCOUNT))


@pytest.mark.parametrize(
    "health_check, message",
    [
        (
            {"direction": "bidirectional"},
            "health_check.source is required when health_check.direction is bidirectional",
        ),
        (
            {"direction": "bidirectional", "source": "169.254.1.1"},
            "health_check.source must be an IPv4 address in RFC 1918, 169.254.240.0/20 or 198.41.199.224/27",
        ),
        (
            {"direction": "bidirectional", "source": "198.41.199.192"},
            "health_check.source must be an IPv4 address in RFC 1918, 169.254.240.0/20 or 198.41.199.224/27",
        ),
        (
            {"direction": "unidirectional", "source": "10.0.0.1"},
            "health_check.source is only allowed with health_check.direction bidirectional (omit it for unidirectional: it is cleared)",
        ),
    ],
)
def test_health_check_source_rules(simulator_api, simulator, health_check, message):
    before = simulator.state()
    for params in ({"validate_only": "true"}, None):
        assert errors_of(put(simulator_api, SIN_BIDIR, {"health_check": health_check}, params=params)) == {
            (1004, "/health_check/source"): message
        }
    assert simulator.state() == before


@pytest.mark.parametrize("source", ["10.20.30.40", "172.31.0.1", "192.168.0.9", "169.254.255.254", "198.41.199.225"])
def test_health_check_source_accepted_ranges_and_switch_to_unidirectional(simulator_api, simulator, source):
    bidirectional = {"health_check": {"direction": "bidirectional", "source": source}}
    assert (
        result(put(simulator_api, AMS_V15, bidirectional))["modified_interconnect"]["health_check"]["source"] == source
    )
    switched = result(put(simulator_api, AMS_V15, {"health_check": {"direction": "unidirectional", "rate": "low"}}))
    assert "source" not in switched["modified_interconnect"]["health_check"]
    assert "source" not in simulator.interconnect(AMS_V15)["health_check"]


def test_seeded_interconnects_pass_the_rules_they_are_judged_by(simulator_api, simulator):
    """Sending every seeded interconnect back whole (with the header) is accepted: the seed obeys its own rules."""
    accounts = simulator.state()["accounts"]
    assert sum(len(account["interconnects"]) for account in accounts.values()) >= 2, "the seed has interconnects"
    for account_id, account in accounts.items():
        for interconnect in account["interconnects"].values():
            body = {
                key: value
                for key, value in interconnect.items()
                if key
                in (
                    "name",
                    "description",
                    "interface_address",
                    "interface_address6",
                    "mtu",
                    "automatic_return_routing",
                    "gre",
                    "health_check",
                    "bgp",
                )
            }
            body["health_check"] = dict(body["health_check"], target={"saved": body["health_check"]["target"]})
            response = put(
                simulator_api,
                interconnect["id"],
                body,
                account=account_id,
                params={"validate_only": "true"},
                headers=NEW_HC_TARGET,
            )
            assert response.status_code == 200, (interconnect["name"], response.text)
