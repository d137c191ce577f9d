# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""cf_interconnect and cf_interconnect_info through real ansible-playbook / ansible runs, and the current interconnect
rules judged by the server in check mode."""

from __future__ import annotations

import json

INTERCONNECT = "fra-gre-1"  # a version 1 GRE interconnect of the simulator's sample data
FRA_GRE = "db6e162c8771430c90b14f6378e8f5cf"  # fra-gre-1, version 1
AMS_V15 = "c0a66efd2b834c23976c56694bb0a45c"  # ams-cni-1, version 1.5
LAB_ACCOUNT = "7d4c2b1a0f9e8d7c6b5a4f3e2d1c0b9a"
LAB_GRE = "f1e2d3c4b5a647382910abcdef012345"
INTERCONNECT_MODULE = "cloudflare.magic_transit.cf_interconnect"


def by_name(simulator, name):
    account = simulator.state()["accounts"][simulator.account_id]
    return next(i for i in account["interconnects"].values() if i["name"] == name)


def test_check_apply_reapply(ansible, simulator):
    before = by_name(simulator, INTERCONNECT)

    ansible.playbook(
        "cf_interconnect_update.yml",
        check=True,
        diff=True,
        extra_vars=dict(interconnect=INTERCONNECT, expect_changed=True),
    )
    writes = simulator.writes()
    assert writes and all(w["method"] == "PUT" and w["query"].get("validate_only") == "true" for w in writes), writes
    assert by_name(simulator, INTERCONNECT) == before, "check mode persisted nothing"

    simulator.clear_log()
    run = ansible.playbook(
        "cf_interconnect_update.yml", diff=True, extra_vars=dict(interconnect=INTERCONNECT, expect_changed=True)
    )
    assert run.recap()["changed"] == 1
    after = by_name(simulator, INTERCONNECT)
    assert (after["mtu"], after["health_check"]["rate"]) == (1500, "low")
    put = [w for w in simulator.writes() if w["method"] == "PUT"]
    assert len(put) == 1 and "validate_only" not in put[0]["query"]
    assert put[0]["body"]["health_check"]["type"] == "reply", "nested objects are sent whole"

    simulator.clear_log()
    run = ansible.playbook(
        "cf_interconnect_update.yml", extra_vars=dict(interconnect=INTERCONNECT, expect_changed=False)
    )
    assert run.recap()["changed"] == 0
    assert simulator.writes() == []
    assert [r["method"] for r in simulator.requests()] == ["GET"], "one list call finds it by name"


def test_health_check_target_round_trip(ansible, simulator):
    ansible.playbook(
        "cf_interconnect_target.yml", extra_vars=dict(interconnect=INTERCONNECT, explicit_target="10.212.0.9")
    )
    assert by_name(simulator, INTERCONNECT)["health_check"]["target"] in ("", {"saved": ""})


def test_invalid_change_is_refused_by_the_server_in_check_mode(ansible, simulator):
    before = by_name(simulator, INTERCONNECT)
    ansible.playbook("cf_interconnect_invalid.yml", check=True, extra_vars=dict(interconnect=INTERCONNECT))
    assert [w["query"].get("validate_only") for w in simulator.writes()] == ["true"]
    assert by_name(simulator, INTERCONNECT) == before


def test_adhoc_info_with_environment_only(ansible, simulator):
    run = ansible.adhoc("cloudflare.magic_transit.cf_interconnect_info", "name=%s" % INTERCONNECT)
    assert '"changed": false' in run.stdout and INTERCONNECT in run.stdout
    assert "sim-md5-demo-key" not in run.output


def test_adhoc_update_in_check_mode(ansible, simulator):
    run = ansible.adhoc("cloudflare.magic_transit.cf_interconnect", "name=%s mtu=1400" % INTERCONNECT, "--check")
    assert "CHANGED" in run.stdout
    assert all(w["query"].get("validate_only") == "true" for w in simulator.writes())
    assert by_name(simulator, INTERCONNECT)["mtu"] == 1476


def test_bad_input_makes_no_call(ansible, simulator):
    run = ansible.adhoc("cloudflare.magic_transit.cf_interconnect", "name=%s mtu=100" % INTERCONNECT, rc=2)
    assert "mtu must be at least 576" in run.stdout
    assert simulator.requests() == []


def test_read_only_token_is_refused_with_cloudflare_message(ansible, simulator):
    run = ansible.adhoc(
        "cloudflare.magic_transit.cf_interconnect",
        "name=%s mtu=1400" % INTERCONNECT,
        rc=2,
        env=dict(CLOUDFLARE_API_TOKEN=simulator.readonly_token),
    )
    assert "403" in run.stdout and simulator.readonly_token not in run.output
    assert json.dumps(by_name(simulator, INTERCONNECT)["mtu"]) == "1476"


def test_the_deprecated_bgp_endpoints_survive_a_change_of_customer_asn(ansible, simulator):
    # lhr-cni-2 (version 2) with the deprecated endpoints set, as an older tool may have left them. The simulator
    # replaces bgp whole on a PUT (an ASSUMPTION: no source says), so a bgp update without them would clear them.
    lhr = by_name(simulator, "lhr-cni-2")
    endpoints = {"cloudflare_endpoint": "10.212.1.0", "customer_endpoint": "10.212.1.1"}
    state = simulator.state()
    state["accounts"][simulator.account_id]["interconnects"][lhr["id"]]["bgp"].update(endpoints)
    simulator.admin("PUT", "state", state)
    simulator.clear_log()
    ansible.adhoc(
        "cloudflare.magic_transit.cf_interconnect", json.dumps({"name": "lhr-cni-2", "bgp": {"customer_asn": 64999}})
    )
    after = by_name(simulator, "lhr-cni-2")["bgp"]
    assert after["customer_asn"] == 64999 and dict((k, after.get(k)) for k in endpoints) == endpoints
    put = [w for w in simulator.writes() if w["method"] == "PUT"]
    assert len(put) == 1 and all(put[0]["body"]["bgp"][k] == v for k, v in endpoints.items())
    # and again: nothing to change, nothing written
    simulator.clear_log()
    run = ansible.adhoc(
        "cloudflare.magic_transit.cf_interconnect", json.dumps({"name": "lhr-cni-2", "bgp": {"customer_asn": 64999}})
    )
    assert '"changed": false' in run.stdout and simulator.writes() == []


# --- the current interconnect rules, judged by Cloudflare in check mode --------------------------------------


def test_newest_interconnect_rules_are_judged_by_the_server_in_check_mode(ansible, simulator):
    before = simulator.interconnect(FRA_GRE)
    # The newest text: a /30 or /31, a /31 on version 1.5. The module lets a /29 through (an older text allowed it on
    # 1.5, as the .3 host), and the server refuses it (validate_only), on every version.
    run = ansible.adhoc(INTERCONNECT_MODULE, "id=%s interface_address=10.212.0.19/29" % FRA_GRE, "--check", rc=2)
    assert "interface_address" in run.stdout and "400 code 1004" in run.stdout
    run = ansible.adhoc(INTERCONNECT_MODULE, "id=%s interface_address=10.212.0.19/29" % AMS_V15, "--check", rc=2)
    assert "interface_address must be a /31 prefix on version 1.5 interconnects" in run.stdout
    # A /31 on version 1.5 is allowed.
    run = ansible.adhoc(INTERCONNECT_MODULE, "id=%s interface_address=10.212.0.20/31" % AMS_V15, "--check")
    assert "CHANGED" in run.stdout
    writes = simulator.writes()
    assert [(w["method"], w["query"]) for w in writes] == [("PUT", {"validate_only": "true"})] * 3
    assert (
        simulator.interconnect(FRA_GRE) == before
        and simulator.interconnect(AMS_V15)["interface_address"] == "10.212.0.10/31"
    )


def test_automatic_return_routing_needs_the_account_flag(ansible, simulator):
    run = ansible.adhoc(
        INTERCONNECT_MODULE,
        "id=%s automatic_return_routing=true" % LAB_GRE,
        "--check",
        rc=2,
        env=dict(CLOUDFLARE_ACCOUNT_ID=LAB_ACCOUNT),
    )
    assert "automatic_return_routing" in run.stdout and "coupler_integration" in run.stdout
    assert [w["query"] for w in simulator.writes()] == [{"validate_only": "true"}]
    assert simulator.interconnect(LAB_GRE)["automatic_return_routing"] is False
