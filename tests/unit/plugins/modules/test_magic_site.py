# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""magic_site at the HTTP boundary: every call scripted, check mode proved to only read."""

from __future__ import annotations

import pytest
import requests

from ansible_collections.cloudflare.magic_transit.plugins.modules import magic_site
from ansible_collections.cloudflare.magic_transit.tests.unit.fake_api import ACCOUNT

SITES = "/accounts/%s/magic/sites" % ACCOUNT
CONNECTORS = "/accounts/%s/magic/connectors" % ACCOUNT
PRIMARY = {
    "id": "4f1c2b3a5d6e7f8091a2b3c4d5e6f708",
    "notes": "ber primary",
    "device": {"id": "1" * 32, "serial_number": "MWC2301A0417", "type": "MANAGED"},
}
SECONDARY = {
    "id": "6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d",
    "notes": "ber secondary",
    "device": {"id": "2" * 32, "serial_number": "MWC2301A0418", "type": "MANAGED"},
}
TWIN = dict(SECONDARY, id="7" * 32, device={"id": "3" * 32, "type": "LICENSED"})
SITE = {
    "id": "5c2e4a6b8d0f4e1a3c5b7d9f1e3a5c7b",
    "name": "ber-branch-01",
    "description": "Berlin",
    "ha_mode": True,
    "connector_id": PRIMARY["id"],
    "secondary_connector_id": SECONDARY["id"],
    "location": {"lat": "52.5200", "lon": "13.4050"},
}
SINGLE = {"id": "a" * 32, "name": "muc-branch-02", "description": "", "ha_mode": False}
DESIRED = dict(
    name="ber-branch-01",
    description="Berlin",
    ha_mode=True,
    location=dict(lat=52.52, lon="13.405"),
    connector=dict(device_serial_number="mwc2301a0417"),
    secondary_connector=dict(notes="ber secondary"),
)


def test_create_resolves_both_references_with_one_connectors_list(api, run_module):
    api.expect("GET", SITES, result=[SINGLE])
    api.expect("GET", CONNECTORS, result=[PRIMARY, SECONDARY])
    api.expect(
        "POST",
        SITES,
        result=SITE,
        body={
            "name": "ber-branch-01",
            "description": "Berlin",
            "ha_mode": True,
            "location": {"lat": "52.52", "lon": "13.405"},
            "connector_id": PRIMARY["id"],
            "secondary_connector_id": SECONDARY["id"],
        },
    )
    result = run_module(magic_site, diff=True, **DESIRED)
    assert result["changed"] is True and result["magic_site"] == SITE
    assert result["diff"]["before"] == {} and result["diff"]["after"]["connector_id"] == PRIMARY["id"]
    assert result["api_calls"] == {"GET": 2, "POST": 1}


def test_the_api_forms_are_the_same_site_and_a_rerun_writes_nothing(api, run_module):
    api.expect("GET", SITES, result=[SITE, SINGLE])
    api.expect("GET", CONNECTORS, result=[PRIMARY, SECONDARY])
    result = run_module(magic_site, **DESIRED)
    assert result["changed"] is False and api.writes() == []


def test_an_empty_slot_left_out_of_the_answer_equals_an_emptied_one(api, run_module):
    api.expect("GET", SITES + "/" + SINGLE["id"], result=SINGLE)
    result = run_module(magic_site, id=SINGLE["id"], secondary_connector_id="", connector_id="")
    assert result["changed"] is False and api.writes() == []


def test_check_mode_predicts_the_create_and_only_reads(api, run_module):
    api.expect("GET", SITES, result=[SINGLE])
    api.expect("GET", CONNECTORS, result=[PRIMARY, SECONDARY])
    result = run_module(magic_site, check_mode=True, **DESIRED)
    assert result["changed"] is True and api.writes() == []
    assert result["magic_site"]["connector_id"] == PRIMARY["id"] and result["magic_site"]["location"]["lat"] == "52.52"


def test_an_update_sends_only_what_differs_and_the_diff_shows_only_managed_fields(api, run_module):
    api.expect("GET", SITES, result=[SITE])
    api.expect(
        "PATCH",
        SITES + "/" + SITE["id"],
        body={"ha_mode": False, "secondary_connector_id": ""},
        result=dict(SITE, ha_mode=False, secondary_connector_id=None),
    )
    result = run_module(magic_site, diff=True, name=SITE["name"], ha_mode=False, secondary_connector_id="")
    assert result["changed"] is True
    assert result["diff"] == {
        "before": {"ha_mode": True, "secondary_connector_id": SECONDARY["id"]},
        "after": {"ha_mode": False, "secondary_connector_id": ""},
    }


@pytest.mark.parametrize(
    "reference, option",
    [
        (
            dict(connector=dict(device_serial_number="MWC0000")),
            "connector.device_serial_number must name an existing connector",
        ),
        (dict(secondary_connector=dict(id="9" * 32)), "secondary_connector.id must name an existing connector"),
        (dict(secondary_connector=dict(notes="ber secondary")), "secondary_connector.notes matches 2 connectors"),
    ],
)
def test_a_reference_that_names_no_connector_or_several_fails_before_any_write(api, run_module, reference, option):
    api.expect("GET", SITES, result=[SITE])
    api.expect("GET", CONNECTORS, result=[PRIMARY, SECONDARY, TWIN])
    result = run_module(magic_site, name=SITE["name"], **reference)
    assert result["failed"] and result["msg"].startswith(option), result["msg"]
    assert api.writes() == []


@pytest.mark.parametrize(
    "args, message",
    [
        (dict(location=dict(lat=91, lon=0)), "location.lat must be a number from -90 to 90"),
        (dict(location=dict(lat="north", lon=0)), "location.lat must be a number from -90 to 90"),
        (dict(location=dict(lat=0, lon=-180.5)), "location.lon must be a number from -180 to 180"),
        (dict(location=dict(lat=True)), "location.lat must be a number from -90 to 90"),
        (dict(connector_id="../x"), "connector_id must be 1 to 32 letters or digits"),
        (dict(connector=dict(id="x" * 40)), "connector.id must be 1 to 32 letters or digits"),
        (
            dict(connector=dict(notes="a", id="b" * 32)),
            "parameters are mutually exclusive: id|device_serial_number|notes",
        ),
        (
            dict(connector=dict(notes="a"), connector_id="b" * 32),
            "parameters are mutually exclusive: connector|connector_id",
        ),
        (dict(name=""), "name must not be empty"),
    ],
)
def test_bad_values_fail_before_any_call_naming_the_option(api, run_module, args, message):
    result = run_module(magic_site, **dict(dict(name="x"), **args))
    assert result["failed"] and message in result["msg"], result["msg"]
    assert api.calls == []


def test_an_unknown_id_is_not_created(api, run_module):
    api.expect("GET", SITES + "/" + "f" * 32, status=404, errors=[{"code": 1003, "message": "not found"}])
    result = run_module(magic_site, id="f" * 32, name="new")
    assert result["failed"] and result["msg"].startswith("id must identify an existing site")


def test_a_name_two_sites_have_fails_listing_them(api, run_module):
    api.expect("GET", SITES, result=[SINGLE, dict(SINGLE, id="b" * 32)])
    result = run_module(magic_site, name=SINGLE["name"], description="x")
    assert result["failed"] and result[
        "msg"
    ] == "2 sites match name 'muc-branch-02' (ids: %s, %s): identify it by id" % ("a" * 32, "b" * 32)


def test_a_create_whose_answer_was_lost_is_found_again_by_name(api, run_module):
    api.expect("GET", SITES, result=[])
    api.expect("POST", SITES, raises=requests.exceptions.ConnectionError("RemoteDisconnected"))
    api.expect("GET", SITES, result=[SINGLE])
    result = run_module(magic_site, name=SINGLE["name"], ha_mode=False, max_retries=0)
    assert result["changed"] is True and result["magic_site"] == SINGLE
    assert [c.method for c in api.calls].count("POST") == 1 and "a re-read shows" in repr(result["warnings"])


def test_absent_deletes_and_a_missing_site_is_no_change(api, run_module):
    api.expect("GET", SITES, result=[SINGLE])
    api.expect("DELETE", SITES + "/" + SINGLE["id"], result=SINGLE)
    assert run_module(magic_site, name=SINGLE["name"], state="absent")["changed"] is True
    api.expect("GET", SITES, result=[])
    assert run_module(magic_site, name=SINGLE["name"], state="absent")["changed"] is False


def test_a_wrong_shaped_answer_fails_naming_the_call(api, run_module):
    api.expect("GET", SITES, result={"sites": []})
    result = run_module(magic_site, name="x")
    assert result["failed"] and "GET" in result["msg"] and "magic/sites" in result["msg"], result["msg"]
    assert api.writes() == []


def test_ha_is_turned_on_only_when_every_static_lan_has_the_three_addresses(api, run_module):
    lans = SITES + "/" + SINGLE["id"] + "/lans"
    api.expect("GET", SITES, result=[SINGLE])
    api.expect("GET", lans, result=[{"id": "c" * 32, "name": "store", "static_addressing": {"address": "10.1.0.2/24"}}])
    result = run_module(magic_site, check_mode=True, name=SINGLE["name"], ha_mode=True)
    assert result["failed"] and result["msg"].startswith(
        "ha_mode cannot be turned on while LAN %s (store) of the site has static addressing without secondary_address "
        "and virtual_address" % ("c" * 32)
    )
    api.expect("GET", SITES, result=[SINGLE])
    api.expect("GET", lans, result=[{"id": "c" * 32, "name": "dhcp-client"}])
    api.expect("PATCH", SITES + "/" + SINGLE["id"], body={"ha_mode": True}, result=dict(SINGLE, ha_mode=True))
    assert run_module(magic_site, name=SINGLE["name"], ha_mode=True)["changed"] is True
