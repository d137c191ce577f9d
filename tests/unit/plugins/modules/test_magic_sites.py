# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

from ansible_collections.cloudflare.magic_transit.plugins.modules import magic_site_info
from ansible_collections.cloudflare.magic_transit.tests.unit.fake_api import ACCOUNT

PATH = "/accounts/%s/magic/sites" % ACCOUNT
BER = {
    "id": "5c2e4a6b8d0f4e1a3c5b7d9f1e3a5c7b",
    "name": "ber-branch-01",
    "description": "Berlin",
    "ha_mode": True,
    "connector_id": "4f1c2b3a5d6e7f8091a2b3c4d5e6f708",
    "secondary_connector_id": "6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d",
    "location": {"lat": "52.52", "lon": "13.40"},
}
MUC = dict(BER, id="a" * 32, name="muc-branch-02", ha_mode=False, secondary_connector_id=None)
TWIN = dict(MUC, id="b" * 32)


def test_lists_every_site_in_one_call(api, run_module):
    api.expect("GET", PATH, result=[BER, MUC])
    result = run_module(magic_site_info)
    assert result["changed"] is False
    assert result["magic_sites"] == [BER, MUC]
    assert result["api_calls"] == {"GET": 1}


def test_by_id_reads_only_that_site(api, run_module):
    api.expect("GET", PATH + "/" + BER["id"], result=BER)
    result = run_module(magic_site_info, id=BER["id"])
    assert result["magic_sites"] == [BER] and result["api_calls"] == {"GET": 1}


def test_an_unknown_id_is_an_empty_list(api, run_module):
    api.expect("GET", PATH + "/" + "f" * 32, status=404, errors=[{"code": 1003, "message": "not found"}])
    result = run_module(magic_site_info, id="f" * 32)
    assert "failed" not in result and result["magic_sites"] == []


def test_by_name_matches_exactly(api, run_module):
    api.expect("GET", PATH, result=[BER, MUC])
    assert run_module(magic_site_info, name="muc-branch-02")["magic_sites"] == [MUC]
    api.expect("GET", PATH, result=[BER, MUC])
    assert run_module(magic_site_info, name="muc-branch")["magic_sites"] == []


def test_a_name_of_several_sites_fails_listing_them(api, run_module):
    api.expect("GET", PATH, result=[BER, MUC, TWIN])
    result = run_module(magic_site_info, name="muc-branch-02")
    assert result["failed"]
    assert result["msg"] == "2 sites match name 'muc-branch-02' (ids: %s, %s): identify it by id" % (
        MUC["id"],
        TWIN["id"],
    )
    assert result["api_calls"] == {"GET": 1}


def test_id_and_name_are_mutually_exclusive(api, run_module):
    result = run_module(magic_site_info, id=BER["id"], name="ber-branch-01")
    assert result["failed"] and "mutually exclusive: id|name" in result["msg"]
    assert api.calls == []


def test_a_bad_id_fails_before_any_call(api, run_module):
    result = run_module(magic_site_info, id="../connectors")
    assert result["failed"] and result["msg"].startswith("id must be 1 to 32 letters or digits")
    assert api.calls == []


def test_details_return_each_site_with_its_lans_wans_and_acls(api, run_module):
    lan = {"id": "c" * 32, "site_id": BER["id"], "name": "store"}
    wan = {"id": "d" * 32, "site_id": BER["id"], "name": "fibre", "physport": 1}
    api.expect("GET", PATH, result=[BER, MUC])
    for site, children in ((BER, ([lan], [wan], [])), (MUC, ([], [], []))):
        for kind, listed in zip(("lans", "wans", "acls"), children, strict=True):
            api.expect("GET", "%s/%s/%s" % (PATH, site["id"], kind), result=listed)
    result = run_module(magic_site_info, details=True)
    assert result["magic_sites"] == [dict(BER, lans=[lan], wans=[wan], acls=[]), dict(MUC, lans=[], wans=[], acls=[])]
    assert result["api_calls"] == {"GET": 7}


def test_details_of_one_site_list_only_its_children(api, run_module):
    api.expect("GET", PATH + "/" + BER["id"], result=BER)
    for kind in ("lans", "wans", "acls"):
        api.expect("GET", "%s/%s/%s" % (PATH, BER["id"], kind), result=[])
    assert run_module(magic_site_info, id=BER["id"], details=True)["magic_sites"] == [
        dict(BER, lans=[], wans=[], acls=[])
    ]


def test_a_wrong_shaped_children_list_fails_naming_the_call(api, run_module):
    api.expect("GET", PATH + "/" + BER["id"], result=BER)
    api.expect("GET", "%s/%s/lans" % (PATH, BER["id"]), result={"lans": []})
    result = run_module(magic_site_info, id=BER["id"], details=True)
    assert result["failed"] and "GET" in result["msg"] and "/lans" in result["msg"], result["msg"]
