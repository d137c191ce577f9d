# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import copy

import pytest
import requests

from ansible_collections.cloudflare.magic_transit.plugins.modules import cf_interconnect, cf_interconnect_info
from ansible_collections.cloudflare.magic_transit.tests.unit.fake_api import ACCOUNT

ID = "1b3f6a8c2d4e4f0a9b7c5d3e1f2a4b6c"
PATH = "/accounts/%s/magic/cf_interconnects" % ACCOUNT
MD5 = "bgp-md5-secret-value"
INTERCONNECT = {
    "id": ID,
    "name": "fra-cni-1",
    "colo_name": "fra01",
    "description": "Frankfurt",
    "interface_address": "10.212.0.8/31",
    "interface_address6": "2606:54c1:7:0:a9fe:12d2:1:200/127",
    "mtu": 1476,
    "automatic_return_routing": False,
    "version": "1",
    "gre": {"cloudflare_endpoint": "162.159.64.10"},
    "health_check": {
        "enabled": True,
        "rate": "mid",
        "type": "reply",
        "direction": "unidirectional",
        "target": {"saved": "", "effective": "10.212.0.9"},
    },
    "bgp": {
        "customer_asn": 64512,
        "extra_prefixes": ["203.0.113.0/24", "198.51.100.0/24"],
        "md5_key": MD5,
        "as_no": 64512,
    },
    "created_on": "2026-01-12T09:30:00Z",
    "modified_on": "2026-01-12T09:30:00Z",
}


def changed(**fields):
    obj = copy.deepcopy(INTERCONNECT)
    for key, value in fields.items():
        if isinstance(value, dict):
            obj[key].update(value)
        else:
            obj[key] = value
    return obj


def write_answer(obj):
    return {"modified": True, "modified_interconnect": obj}


def test_update_sends_only_what_differs_with_nested_objects_whole(api, run_module):
    after = changed(mtu=1500, health_check={"rate": "low"})
    api.expect("GET", PATH + "/" + ID, result={"interconnect": INTERCONNECT})
    api.expect(
        "PUT",
        PATH + "/" + ID,
        result=write_answer(after),
        params={},
        body={
            "mtu": 1500,
            "health_check": {
                "enabled": True,
                "rate": "low",
                "type": "reply",
                "direction": "unidirectional",
                "target": {"saved": ""},
            },
        },
    )
    result = run_module(cf_interconnect, id=ID, mtu=1500, description="Frankfurt", health_check={"rate": "low"})
    assert result["changed"] is True
    assert result["cf_interconnect"]["mtu"] == 1500
    assert result["api_calls"] == {"GET": 1, "PUT": 1}
    assert all(c.headers["x-magic-new-hc-target"] == "true" for c in api.calls)


def test_no_change_makes_no_write(api, run_module):
    api.expect("GET", PATH + "/" + ID, result={"interconnect": INTERCONNECT})
    result = run_module(
        cf_interconnect,
        id=ID,
        mtu=1476,
        health_check={"target": ""},
        bgp={"extra_prefixes": ["198.51.100.0/24", "203.0.113.0/24", "203.0.113.0/24"]},
    )
    assert result["changed"] is False and api.writes() == []


def test_check_mode_sends_the_write_with_validate_only(api, run_module):
    after = changed(description="Frankfurt primary")
    api.expect("GET", PATH + "/" + ID, result={"interconnect": INTERCONNECT})
    api.expect(
        "PUT",
        PATH + "/" + ID,
        params={"validate_only": "true"},
        body={"description": "Frankfurt primary"},
        result=write_answer(after),
    )
    result = run_module(cf_interconnect, check_mode=True, diff=True, id=ID, description="Frankfurt primary")
    assert result["changed"] is True
    assert result["cf_interconnect"]["description"] == "Frankfurt primary"
    assert result["diff"] == {"before": {"description": "Frankfurt"}, "after": {"description": "Frankfurt primary"}}


def test_check_mode_without_difference_only_reads(api, run_module):
    api.expect("GET", PATH + "/" + ID, result={"interconnect": INTERCONNECT})
    result = run_module(cf_interconnect, check_mode=True, id=ID, mtu=1476)
    assert result["changed"] is False and len(api.calls) == 1


def test_check_mode_fails_when_cloudflare_refuses(api, run_module):
    api.expect("GET", PATH + "/" + ID, result={"interconnect": INTERCONNECT})
    api.expect(
        "PUT",
        PATH + "/" + ID,
        params={"validate_only": "true"},
        status=400,
        errors=[
            {
                "code": 1004,
                "message": "interface_address must be in RFC 1918 space",
                "source": {"pointer": "/interface_address"},
            }
        ],
    )
    result = run_module(cf_interconnect, check_mode=True, id=ID, interface_address="192.0.2.0/31")
    assert result["failed"] is True
    assert result["msg"].endswith("400 code 1004: interface_address must be in RFC 1918 space (at /interface_address)")
    assert result["error"]["errors"][0]["code"] == 1004


def test_health_check_target_is_written_in_saved_form_and_compared_with_saved(api, run_module):
    after = changed(health_check={"target": {"saved": "10.212.0.9", "effective": "10.212.0.9"}})
    api.expect("GET", PATH + "/" + ID, result={"interconnect": INTERCONNECT})
    api.expect("PUT", PATH + "/" + ID, result=write_answer(after))
    result = run_module(cf_interconnect, id=ID, health_check={"target": "10.212.0.9"})
    assert api.calls[1].body["health_check"]["target"] == {"saved": "10.212.0.9"}
    assert result["changed"] is True
    # the effective default equals the address, but saved is "" -> it was a change; now saved matches
    api.expect("GET", PATH + "/" + ID, result={"interconnect": after})
    assert run_module(cf_interconnect, id=ID, health_check={"target": "10.212.0.9"})["changed"] is False


def test_md5_key_is_masked_in_result_and_diff(api, run_module):
    after = changed(bgp={"md5_key": "new-md5-secret"})
    api.expect("GET", PATH + "/" + ID, result={"interconnect": INTERCONNECT})
    api.expect("PUT", PATH + "/" + ID, result=write_answer(after))
    result = run_module(cf_interconnect, diff=True, id=ID, bgp={"md5_key": "new-md5-secret"})
    body = api.calls[1].body["bgp"]
    assert body == {
        "customer_asn": 64512,
        "extra_prefixes": ["198.51.100.0/24", "203.0.113.0/24"],
        "md5_key": "new-md5-secret",
    }, "bgp is sent whole, without the read-only as_no"
    text = repr(result)
    assert MD5 not in text and "new-md5-secret" not in text
    assert result["diff"]["before"]["bgp"]["md5_key"] == "********"


def test_gre_is_never_sent_to_a_version_1_5_interconnect(api, run_module):
    api.expect("GET", PATH + "/" + ID, result={"interconnect": changed(version="1.5", gre=None)})
    result = run_module(cf_interconnect, id=ID, gre={"cloudflare_endpoint": "162.159.64.11"})
    assert result["failed"] and result["msg"].startswith("gre cannot be set on a version 1.5 interconnect")
    assert api.writes() == []


@pytest.mark.parametrize(
    "matches, expected", [(0, "must identify an existing interconnect"), (2, "2 interconnects match")]
)
def test_lookup_by_name_needs_exactly_one(api, run_module, matches, expected):
    others = [changed(id="%032x" % i, name="fra-cni-1") for i in range(matches)]
    api.expect("GET", PATH, result={"interconnects": others + [changed(id="f" * 32, name="other")]})
    result = run_module(cf_interconnect, name="fra-cni-1", mtu=1500)
    assert result["failed"] and expected in result["msg"]
    assert api.writes() == []


def test_lookup_by_name_then_update(api, run_module):
    api.expect("GET", PATH, result={"interconnects": [changed(id="f" * 32, name="other"), INTERCONNECT]})
    api.expect("PUT", PATH + "/" + ID, body={"mtu": 1500}, result=write_answer(changed(mtu=1500)))
    assert run_module(cf_interconnect, name="fra-cni-1", mtu=1500)["changed"] is True


def test_rename_by_id(api, run_module):
    api.expect("GET", PATH, result={"interconnects": [changed(id="f" * 32, name="other"), INTERCONNECT]})
    api.expect(
        "PUT", PATH + "/" + ID, body={"name": "fra-cni-primary"}, result=write_answer(changed(name="fra-cni-primary"))
    )
    assert run_module(cf_interconnect, id=ID, name="fra-cni-primary")["cf_interconnect"]["name"] == "fra-cni-primary"


@pytest.mark.parametrize(
    "args, message",
    [
        (dict(id="x" * 33), "id must be 1 to 32 letters or digits"),
        (dict(id="../other"), "id must be 1 to 32 letters or digits"),
        (dict(id=ID, mtu=575), "mtu must be at least 576"),
        (dict(id=ID, interface_address="10.0.0.0/28"), "interface_address must be a /29, /30 or /31 IPv4 CIDR"),
        (dict(id=ID, interface_address="10.0.0.0"), "interface_address must be a /29, /30 or /31 IPv4 CIDR"),
        (dict(id=ID, interface_address="2001:db8::/127"), "interface_address must be an IPv4 address"),
        (dict(id=ID, interface_address6="2001:db8::/64"), "interface_address6 must be a /127 IPv6 CIDR"),
        (dict(id=ID, interface_address6="2001:db8::1/127"), "interface_address6 must be the first address of its /127"),
        (dict(id=ID, interface_address6="10.0.0.0/31"), "interface_address6 must be an IPv6 address"),
        (
            dict(id=ID, health_check={"direction": "unidirectional", "source": "10.0.0.1"}),
            "health_check.source is only allowed with health_check.direction=bidirectional",
        ),
        (dict(id=ID, health_check={"rate": "fast"}), "value of rate must be one of: low, mid, high"),
        (dict(id=ID, bgp={"extra_prefixes": ["not-a-prefix"]}), "bgp.extra_prefixes must be a list of IP prefixes"),
        (dict(id=ID, name=""), "name must not be empty"),
        (dict(mtu=1500), "one of the following is required: id, name"),
        (dict(id=ID, base_url="http://api.example.com/client/v4"), "base_url must be an https:// URL"),
    ],
)
def test_bad_input_fails_before_any_call(api, run_module, args, message):
    result = run_module(cf_interconnect, **args)
    assert result["failed"] and message in result["msg"], result["msg"]
    assert api.calls == []


def test_unknown_id_fails_with_a_clear_message(api, run_module):
    api.expect("GET", PATH + "/" + ID, status=404, errors=[{"code": 1003, "message": "not found"}])
    result = run_module(cf_interconnect, id=ID, mtu=1500)
    assert result["failed"] and result["msg"].startswith("id must identify an existing interconnect")


def test_rename_to_another_interconnects_name_fails_before_any_write(api, run_module):
    api.expect("GET", PATH, result={"interconnects": [changed(id="f" * 32, name="other"), INTERCONNECT]})
    result = run_module(cf_interconnect, id=ID, name="other")
    assert (
        result["failed"]
        and "name must be unique: interconnect %s is already named 'other'" % ("f" * 32) in result["msg"]
    )
    assert api.writes() == []


def test_api_error_on_write_is_reported_with_cloudflare_code(api, run_module):
    # a GRE tunnel's name is not among the interconnects: only Cloudflare can refuse it
    api.expect("GET", PATH, result={"interconnects": [INTERCONNECT]})
    api.expect("PUT", PATH + "/" + ID, status=400, errors=[{"code": 1004, "message": "name already used by a tunnel"}])
    result = run_module(cf_interconnect, id=ID, name="taken")
    assert result["failed"] and "400 code 1004: name already used by a tunnel" in result["msg"]
    assert result["error"]["status"] == 400 and result["error"]["method"] == "PUT"


def test_write_with_unknown_outcome_is_accepted_only_after_a_re_read(api, run_module):
    api.expect("GET", PATH + "/" + ID, result={"interconnect": INTERCONNECT})
    api.expect("PUT", PATH + "/" + ID, raises=requests.exceptions.ConnectionError("RemoteDisconnected"))
    api.expect("GET", PATH + "/" + ID, result={"interconnect": changed(mtu=1500)})
    result = run_module(cf_interconnect, id=ID, mtu=1500, max_retries=0)
    assert result["changed"] is True and result["cf_interconnect"]["mtu"] == 1500
    assert "a re-read shows the change landed" in repr(result["warnings"])


def test_write_with_unknown_outcome_fails_when_the_re_read_differs(api, run_module):
    api.expect("GET", PATH + "/" + ID, result={"interconnect": INTERCONNECT})
    api.expect("PUT", PATH + "/" + ID, raises=requests.exceptions.ReadTimeout("read timed out"))
    api.expect("GET", PATH + "/" + ID, result={"interconnect": INTERCONNECT})
    result = run_module(cf_interconnect, id=ID, mtu=1500, max_retries=0)
    assert result["failed"] and result["msg"].endswith(
        ": no answer within timeout=30 s. The outcome is unknown: Cloudflare may have carried out this PUT all the same, "
        "so check before repeating it (running a task that manages state again is safe: it reads before it writes)"
    )
    assert result["error"]["outcome_unknown"] is True


def test_info_lists_in_one_call_and_masks_secrets(api, run_module):
    api.expect("GET", PATH, result={"interconnects": [INTERCONNECT, changed(id="f" * 32, name="other")]})
    result = run_module(cf_interconnect_info)
    assert [i["name"] for i in result["cf_interconnects"]] == ["fra-cni-1", "other"]
    assert MD5 not in repr(result) and result["changed"] is False


def test_info_filters_by_name(api, run_module):
    api.expect("GET", PATH, result={"interconnects": [INTERCONNECT, changed(id="f" * 32, name="other")]})
    assert [i["id"] for i in run_module(cf_interconnect_info, name="other")["cf_interconnects"]] == ["f" * 32]


def test_newest_rules_are_never_refused_client_side(api, run_module):
    """What the newest published rules allow goes to Cloudflare (validate_only in check mode): a /29 (allowed on
    version 1.5 as the .3 host), and a health-check source on an interconnect whose answers carry no direction."""
    no_direction = changed(version="1.5", gre=None)
    del no_direction["gre"]
    del no_direction["health_check"]["direction"]
    api.expect("GET", PATH + "/" + ID, result={"interconnect": no_direction})
    api.expect(
        "PUT",
        PATH + "/" + ID,
        params={"validate_only": "true"},
        result=write_answer(no_direction),
        body={
            "interface_address": "10.212.0.19/29",
            "health_check": {
                "enabled": True,
                "rate": "mid",
                "type": "reply",
                "source": "10.212.0.18",
                "target": {"saved": ""},
            },
        },
    )
    result = run_module(
        cf_interconnect,
        check_mode=True,
        id=ID,
        interface_address="10.212.0.19/29",
        health_check={"source": "10.212.0.18"},
    )
    assert result["changed"] is True


ENDPOINTS = {"cloudflare_endpoint": "10.212.0.8", "customer_endpoint": "10.212.0.9"}


@pytest.mark.parametrize("version", ["1", "2"])
def test_a_bgp_change_carries_the_current_endpoints_on_versions_1_and_2(api, run_module, version):
    # Deprecated inputs there, and no source says whether a bgp update without them keeps them: sent back as they are.
    current = changed(version=version, bgp=ENDPOINTS)
    after = changed(version=version, bgp=dict(ENDPOINTS, customer_asn=64513))
    api.expect("GET", PATH + "/" + ID, result={"interconnect": current})
    api.expect(
        "PUT",
        PATH + "/" + ID,
        result=write_answer(after),
        params={},
        body={
            "bgp": {
                "customer_asn": 64513,
                "extra_prefixes": ["198.51.100.0/24", "203.0.113.0/24"],
                "md5_key": MD5,
                "cloudflare_endpoint": "10.212.0.8",
                "customer_endpoint": "10.212.0.9",
            }
        },
    )
    result = run_module(cf_interconnect, id=ID, bgp={"customer_asn": 64513})
    assert result["changed"] is True and result["api_calls"] == {"GET": 1, "PUT": 1}
    # the endpoints are no option: they are not in the changes or the diff
    assert "cloudflare_endpoint" not in repr(result.get("changes", {}))
    api.assert_done()


def test_a_bgp_change_never_sends_the_derived_endpoints_of_a_version_1_5_interconnect(api, run_module):
    current = changed(version="1.5", gre=None, bgp=ENDPOINTS)
    after = changed(version="1.5", gre=None, bgp=dict(ENDPOINTS, customer_asn=64513))
    api.expect("GET", PATH + "/" + ID, result={"interconnect": current})
    api.expect(
        "PUT",
        PATH + "/" + ID,
        result=write_answer(after),
        params={},
        body={"bgp": {"customer_asn": 64513, "extra_prefixes": ["198.51.100.0/24", "203.0.113.0/24"], "md5_key": MD5}},
    )
    result = run_module(cf_interconnect, id=ID, bgp={"customer_asn": 64513})
    assert result["changed"] is True
    api.assert_done()
