# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""magic_sites at the HTTP boundary: every call scripted, in order (one request at a time)."""

from __future__ import annotations

import copy

import requests

from ansible_collections.cloudflare.magic_transit.plugins.modules import magic_site_lan, magic_site_wan, magic_sites
from ansible_collections.cloudflare.magic_transit.tests.unit.fake_api import ACCOUNT

SITES = "/accounts/%s/magic/sites" % ACCOUNT
SITE = {"id": "5c2e4a6b8d0f4e1a3c5b7d9f1e3a5c7b", "name": "ham-store-01", "ha_mode": False}
NEW_ID = "a" * 32
LANS, WANS, ACLS = (SITES + "/" + SITE["id"] + "/" + kind for kind in ("lans", "wans", "acls"))
STORE = {
    "id": "b" * 32,
    "site_id": SITE["id"],
    "name": "store",
    "physport": 3,
    "vlan_tag": 0,
    "ha_link": False,
    "static_addressing": {"address": "10.50.0.1/24"},
}
GUEST = {"id": "c" * 32, "site_id": SITE["id"], "name": "guest", "physport": 4, "vlan_tag": 20, "ha_link": False}
FIBRE = {
    "id": "d" * 32,
    "site_id": SITE["id"],
    "name": "fibre",
    "physport": 1,
    "priority": 1,
    "vlan_tag": 0,
    "health_check_rate": "mid",
}
LTE = {
    "id": "f" * 32,
    "site_id": SITE["id"],
    "name": "lte",
    "physport": 2,
    "priority": 2,
    "vlan_tag": 0,
    "health_check_rate": "mid",
}
ACL = {
    "id": "e" * 32,
    "site_id": SITE["id"],
    "name": "printers",
    "description": "",
    "protocols": ["tcp"],
    "lan_1": {"lan_id": STORE["id"], "lan_name": "store"},
    "lan_2": {"lan_id": GUEST["id"], "lan_name": "guest"},
    "forward_locally": False,
    "unidirectional": False,
}
ENTRY = dict(
    name=SITE["name"],
    lans=[
        dict(name="store", physport=3, static_addressing=dict(address="10.50.0.1/24")),
        dict(name="guest", physport=4, vlan_tag=20),
    ],
    wans=[dict(name="fibre", physport=1, priority=1)],
    acls=[dict(name="printers", protocols=["tcp"], lan_1=dict(lan_name="store"), lan_2=dict(lan_name="guest"))],
)
ONE_AT_A_TIME = dict(max_concurrency=1, max_retries=0)


def lists(api, lans=(STORE, GUEST), wans=(FIBRE,), acls=(ACL,)):
    api.expect("GET", LANS, result=list(lans))
    api.expect("GET", WANS, result=list(wans))
    api.expect("GET", ACLS, result=list(acls))


def test_a_new_store_is_built_in_phases_site_then_lans_and_wans_then_the_acl(api, run_module):
    new = dict(SITE, id=NEW_ID)
    paths = dict((kind, SITES + "/" + NEW_ID + "/" + kind) for kind in ("lans", "wans", "acls"))
    api.expect("GET", SITES, result=[])
    api.expect("POST", SITES, result=new, body={"name": SITE["name"]})
    api.expect("POST", paths["lans"], result=[dict(STORE, site_id=NEW_ID)])
    api.expect("POST", paths["lans"], result=[dict(GUEST, site_id=NEW_ID)])
    api.expect("POST", paths["wans"], result=[dict(FIBRE, site_id=NEW_ID)])
    api.expect("POST", paths["acls"], result=dict(ACL, site_id=NEW_ID))
    result = run_module(magic_sites, sites=[ENTRY], **ONE_AT_A_TIME)
    assert result["changed"] is True and result["summary"]["changed"] == 1
    assert result["objects"] == dict(total=5, changed=5, unchanged=0, failed=0, not_sent=0)
    acl = api.writes()[-1].body
    assert (acl["lan_1"]["lan_id"], acl["lan_2"]["lan_id"]) == (STORE["id"], GUEST["id"]), "the new LANs' ids"
    entry = result["magic_sites"][0]
    assert (entry["id"], entry["action"], [lan["status"] for lan in entry["lans"]]) == (
        NEW_ID,
        "create",
        ["changed"] * 2,
    )


def test_a_store_as_it_is_is_read_once_and_not_written(api, run_module):
    api.expect("GET", SITES, result=[SITE])
    lists(api)
    result = run_module(magic_sites, sites=[ENTRY], **ONE_AT_A_TIME)
    assert result["changed"] is False and api.writes() == []
    assert result["api_calls"] == {"GET": 4}
    assert [lan["status"] for lan in result["magic_sites"][0]["lans"]] == ["unchanged"] * 2


def test_only_the_lists_an_entry_needs_are_read(api, run_module):
    api.expect("GET", SITES, result=[SITE])
    api.expect("GET", WANS, result=[FIBRE])
    result = run_module(magic_sites, sites=[dict(name=SITE["name"], wans=ENTRY["wans"])], **ONE_AT_A_TIME)
    assert result["changed"] is False and result["api_calls"] == {"GET": 2}


def test_check_mode_predicts_and_writes_nothing(api, run_module):
    api.expect("GET", SITES, result=[SITE])
    lists(api, lans=[STORE], acls=[])
    result = run_module(magic_sites, check_mode=True, diff=True, sites=[ENTRY], **ONE_AT_A_TIME)
    assert result["changed"] is True and api.writes() == []
    entry = result["magic_sites"][0]
    assert [(lan["name"], lan["action"], lan["status"]) for lan in entry["lans"]] == [
        ("store", "update", "unchanged"),
        ("guest", "create", "changed"),
    ]
    assert entry["acls"][0]["action"] == "create", "an ACL naming a LAN this run creates is planned too"


def test_a_bad_child_fails_before_any_call_naming_its_path(api, run_module):
    bad = copy.deepcopy(ENTRY)
    bad["lans"][1]["vlan_tag"] = 5000
    result = run_module(magic_sites, sites=[dict(name="other"), bad], **ONE_AT_A_TIME)
    assert result["failed"] and result["msg"].startswith("sites[1].lans[1].vlan_tag")
    assert result["api_calls"] == {}


def test_option_prefix_names_a_role_variable_in_a_failure(api, run_module):
    bad = copy.deepcopy(ENTRY)
    bad["lans"][1]["vlan_tag"] = 5000
    result = run_module(magic_sites, sites=[dict(name="other"), bad], option_prefix="branch_", **ONE_AT_A_TIME)
    assert result["failed"] and result["msg"].startswith("branch_sites[1].lans[1].vlan_tag must be")
    assert result["api_calls"] == {}


def test_check_only_checks_the_entries_without_any_call(api, run_module):
    result = run_module(magic_sites, sites=[dict(name="other"), ENTRY], check_only=True, **ONE_AT_A_TIME)
    assert not result.get("failed") and not result["changed"] and result["summary"] == {"total": 2}
    assert result["api_calls"] == {}
    bad = copy.deepcopy(ENTRY)
    bad["wans"] = [dict(name="fibre", physport=0)]
    result = run_module(magic_sites, sites=[bad], check_only=True, **ONE_AT_A_TIME)
    assert result["failed"] and result["msg"].startswith("sites[0].wans[0].physport")
    assert result["api_calls"] == {}


def test_an_acl_naming_a_lan_the_site_will_not_have_fails_before_any_write(api, run_module):
    bad = copy.deepcopy(ENTRY)
    bad["acls"][0]["lan_2"] = dict(lan_name="tills")
    api.expect("GET", SITES, result=[SITE])
    lists(api)
    result = run_module(magic_sites, sites=[bad], **ONE_AT_A_TIME)
    assert result["failed"] and "sites[0].acls[0].lan_2.lan_name" in result["msg"]
    assert api.writes() == []


def test_two_ha_links_in_one_entry_are_refused(api, run_module):
    bad = copy.deepcopy(ENTRY)
    for lan in bad["lans"]:
        lan["ha_link"] = True
    result = run_module(magic_sites, sites=[bad], **ONE_AT_A_TIME)
    assert result["failed"] and result["msg"].startswith("sites[0].lans[1].ha_link")


def test_two_entries_naming_one_site_are_refused(api, run_module):
    api.expect("GET", SITES, result=[SITE])
    result = run_module(magic_sites, sites=[dict(name=SITE["name"]), dict(id=SITE["id"])], **ONE_AT_A_TIME)
    assert result["failed"] and result["msg"].startswith("sites[1]") and api.writes() == []


def test_absent_removes_acls_then_lans_and_wans_then_the_site_never_a_connector(api, run_module):
    api.expect("GET", SITES, result=[SITE])
    lists(api)
    api.expect("DELETE", ACLS + "/" + ACL["id"], result={"id": ACL["id"]})
    for path, obj in ((LANS, STORE), (LANS, GUEST), (WANS, FIBRE)):
        api.expect("DELETE", path + "/" + obj["id"], result={"id": obj["id"]})
    api.expect("DELETE", SITES + "/" + SITE["id"], result={"id": SITE["id"]})
    result = run_module(magic_sites, sites=[dict(name=SITE["name"], state="absent")], **ONE_AT_A_TIME)
    assert result["changed"] is True and result["objects"]["changed"] == 5
    assert "connectors" not in " ".join(call.path for call in api.calls)


def test_absent_with_children_is_refused(api, run_module):
    result = run_module(magic_sites, sites=[dict(ENTRY, state="absent")], **ONE_AT_A_TIME)
    assert result["failed"] and result["msg"].startswith("sites[0].lans")


def test_purge_deletes_the_children_an_entry_leaves_out_and_only_those(api, run_module):
    api.expect("GET", SITES, result=[SITE])
    api.expect("GET", WANS, result=[FIBRE, LTE])
    api.expect("DELETE", WANS + "/" + LTE["id"], result={"id": LTE["id"]})
    result = run_module(
        magic_sites, sites=[dict(name=SITE["name"], wans=ENTRY["wans"])], purge_wans=True, **ONE_AT_A_TIME
    )
    assert [(w["name"], w["action"], w["status"]) for w in result["magic_sites"][0]["wans"]] == [
        ("fibre", "update", "unchanged"),
        ("lte", "delete", "changed"),
    ]


def test_a_failed_write_stops_the_run_and_says_what_landed(api, run_module):
    api.expect("GET", SITES, result=[SITE])
    lists(api, lans=[STORE], acls=[])
    api.expect("POST", LANS, status=400, errors=[{"code": 1001, "message": "physport 4 is taken"}])
    result = run_module(magic_sites, sites=[ENTRY], **ONE_AT_A_TIME)
    assert result["failed"]
    assert "physport 4 is taken" in result["msg"] and "1 failed" in result["msg"] and "1 not sent" in result["msg"]
    acl = result["magic_sites"][0]["acls"][0]
    assert acl["status"] == "not_sent" and "not sent" in acl["error"]
    assert [call.method for call in api.writes()] == ["POST"], "nothing after the failure"


def test_a_lost_create_answer_is_re_read_never_sent_twice(api, run_module):
    api.expect("GET", SITES, result=[SITE])
    api.expect("GET", WANS, result=[])
    api.expect("POST", WANS, raises=requests.exceptions.ConnectionError("connection reset"))
    api.expect("GET", WANS, result=[FIBRE])
    result = run_module(magic_sites, sites=[dict(name=SITE["name"], wans=ENTRY["wans"])], **ONE_AT_A_TIME)
    assert result["changed"] is True and "failed" not in result
    assert "a re-read shows the change landed" in repr(result["warnings"])
    assert [call.method for call in api.writes()] == ["POST"]


def test_a_fleet_entry_sends_the_bodies_the_single_modules_send(api, run_module):
    lan = dict(
        name="store",
        physport=3,
        vlan_tag=20,
        static_addressing=dict(
            address="10.50.0.1/24",
            dhcp_server=dict(
                dhcp_pool_start="10.50.0.100",
                dhcp_pool_end="10.50.0.199",
                reservations={"00-1A-2B-3C-4D-5E": "10.50.0.50"},
            ),
        ),
    )
    wan = dict(name="lte", physport=2, priority=2, health_check_rate="high")
    api.expect("GET", SITES, result=[SITE])
    api.expect("GET", LANS, result=[])
    api.expect("GET", WANS, result=[])
    api.expect("POST", LANS, result=[STORE])
    api.expect("POST", WANS, result=[LTE])
    run_module(magic_sites, sites=[dict(name=SITE["name"], lans=[lan], wans=[wan])], **ONE_AT_A_TIME)
    fleet = [call.body for call in api.writes()]
    del api.calls[:]
    api.expect("GET", SITES, result=[SITE])
    api.expect("GET", LANS, result=[])
    api.expect("GET", SITES + "/" + SITE["id"], result=SITE)
    api.expect("POST", LANS, result=[STORE])
    run_module(magic_site_lan, site_name=SITE["name"], max_retries=0, **lan)
    api.expect("GET", SITES, result=[SITE])
    api.expect("GET", WANS, result=[])
    api.expect("POST", WANS, result=[LTE])
    run_module(magic_site_wan, site_name=SITE["name"], max_retries=0, **wan)
    assert fleet == [call.body for call in api.writes()]
