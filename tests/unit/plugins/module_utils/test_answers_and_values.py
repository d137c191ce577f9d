# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The engine's answer shapes and generic value rules, through the real client and every resource."""

from __future__ import annotations

import pytest

from ansible_collections.cloudflare.magic_transit.plugins.module_utils._answers import Shape
from ansible_collections.cloudflare.magic_transit.plugins.module_utils._client import CloudflareClient
from ansible_collections.cloudflare.magic_transit.plugins.module_utils._connectors import Connectors
from ansible_collections.cloudflare.magic_transit.plugins.module_utils._inputs import CloudflareAPIError, InvalidOption
from ansible_collections.cloudflare.magic_transit.plugins.module_utils._interconnects import (
    Interconnects,
    check_interconnect_change,
)
from ansible_collections.cloudflare.magic_transit.plugins.module_utils._sites import Sites
from ansible_collections.cloudflare.magic_transit.plugins.module_utils._values import check_values, desired_from_params
from ansible_collections.cloudflare.magic_transit.tests.unit.fake_api import ACCOUNT, BASE_URL, TOKEN

IC = "/accounts/%s/magic/cf_interconnects" % ACCOUNT
MC = "/accounts/%s/magic/connectors" % ACCOUNT
OBJ = {"id": "a1", "name": "x", "notes": "x", "device": {"id": "d1"}}


def client():
    return CloudflareClient(account_id=ACCOUNT, api_token=TOKEN, base_url=BASE_URL, max_retries=0)


def test_shapes_are_derived_from_the_answer_keys():
    assert Interconnects.shapes == dict(
        list=Shape(list, "interconnects", ("id",)),
        get=Shape(dict, "interconnect", ("id",)),
        write=Shape(dict, "modified_interconnect", ("id",)),
    )
    required = ("id", "device")
    assert Connectors.shapes == dict(
        list=Shape(list, None, required), get=Shape(dict, None, required), write=Shape(dict, None, required)
    )
    assert Sites.shapes["list"] == Shape(list, None, ("id",))


# (resource, call, path, wrong result): every one is an error naming the call, never an empty list or "not found".
WRONG = [
    (Connectors, "list", MC, None),
    (Connectors, "list", MC, {}),
    (Connectors, "list", MC, {"connectors": []}),
    (Connectors, "list", MC, [OBJ, "x"]),
    (Connectors, "list", MC, [{"notes": "no id"}]),
    (Connectors, "get", MC + "/a1", None),
    (Connectors, "get", MC + "/a1", []),
    (Connectors, "get", MC + "/a1", [OBJ]),
    (Connectors, "get", MC + "/a1", {"connector": OBJ}),
    (Connectors, "get", MC + "/a1", OBJ["device"]),
    (Interconnects, "list", IC, None),
    (Interconnects, "list", IC, {}),
    (Interconnects, "list", IC, []),
    (Interconnects, "list", IC, [OBJ]),
    (Interconnects, "list", IC, {"items": [OBJ]}),
    (Interconnects, "list", IC, {"interconnects": OBJ}),
    (Interconnects, "get", IC + "/a1", OBJ),
    (Interconnects, "get", IC + "/a1", {"interconnect": None}),
    (Interconnects, "get", IC + "/a1", {"interconnect": [OBJ]}),
]


@pytest.mark.parametrize("resource, call, path, result", WRONG)
def test_a_read_of_the_wrong_shape_is_an_error_naming_the_call(api, resource, call, path, result):
    api.expect("GET", path, result=result)
    with pytest.raises(CloudflareAPIError) as caught:
        getattr(resource(client()), call)(*(("a1",) if call == "get" else ()))
    # A read is retried (here max_retries=0), then given up naming the call and what was wrong.
    assert str(caught.value).startswith("GET %s: gave up after 1 attempt(s)" % path)
    assert "; last answer: HTTP 2xx answer of the wrong shape: result" in str(caught.value)
    assert not caught.value.outcome_unknown
    api.assert_done()


@pytest.mark.parametrize(
    "result", [None, {}, [OBJ], {"modified": True}, {"modified_interconnect": None}, {"modified_interconnect": {}}]
)
def test_a_write_of_the_wrong_shape_is_an_unknown_outcome(api, result):
    api.expect("PUT", IC + "/a1", result=result)
    with pytest.raises(CloudflareAPIError) as caught:
        Interconnects(client()).update("a1", {"mtu": 1500})
    assert caught.value.outcome_unknown and "wrong shape" in str(caught.value)


def test_a_validation_of_the_wrong_shape_persisted_nothing(api):
    api.expect("PUT", IC + "/a1", result=None)
    with pytest.raises(CloudflareAPIError) as caught:
        Interconnects(client()).update("a1", {"mtu": 1500}, validate_only=True)
    assert not caught.value.outcome_unknown


@pytest.mark.parametrize(
    "method, call", [("POST", lambda c: c.create({"notes": "x"})), ("DELETE", lambda c: c.delete("a1"))]
)
@pytest.mark.parametrize("result", [None, [], [OBJ], {"connector": OBJ}])
def test_creates_and_deletes_check_their_answers_too(api, method, call, result):
    api.expect(method, MC + ("" if method == "POST" else "/a1"), result=result)
    with pytest.raises(CloudflareAPIError) as caught:
        call(Connectors(client()))
    assert caught.value.outcome_unknown and caught.value.method == method


def test_right_shapes_are_unwrapped(api):
    api.expect("GET", IC, result={"interconnects": [OBJ]}).expect("GET", IC + "/a1", result={"interconnect": OBJ})
    api.expect("GET", MC, result=[]).expect("GET", MC + "/a1", status=404)
    resource = Interconnects(client())
    assert resource.list() == [OBJ] and resource.get("a1") == OBJ
    assert Connectors(client()).list() == [] and Connectors(client()).get("a1") is None


# --- value rules ------------------------------------------------------------------------------------------------------

FLEET_SPEC = dict(
    max_concurrency=dict(type="int"),
    connectors=dict(
        type="list",
        elements="dict",
        options=dict(notes=dict(type="str"), interrupt_window_hour_of_day=dict(type="int")),
    ),
    sizes=dict(type="list", elements="int"),
)


@pytest.mark.parametrize(
    "params, message",
    [
        (
            dict(max_concurrency=True),
            r"^max_concurrency must be a whole number, not a boolean \(YAML reads yes, no, true and false as booleans\), got True$",
        ),
        (
            dict(connectors=[{}, dict(interrupt_window_hour_of_day=False)]),
            r"^connectors\[1\]\.interrupt_window_hour_of_day must be a whole number, not a boolean .*, got False$",
        ),
        (dict(sizes=[1, True]), r"^sizes\[1\] must be a whole number, not a boolean, got True$"),
    ],
)
def test_booleans_are_refused_for_numbers_at_any_depth(params, message):
    with pytest.raises(InvalidOption, match=message):
        check_values(FLEET_SPEC, params)


def test_numbers_and_unset_values_pass():
    check_values(
        FLEET_SPEC, dict(max_concurrency=3, connectors=[dict(interrupt_window_hour_of_day=0, notes=None)], sizes=[0])
    )


def test_connector_settings_obey_the_generic_rules():
    connectors = Connectors(None)
    base = dict(id=None, device_id=None, device_serial_number="S1", notes=None)
    with pytest.raises(
        InvalidOption, match=r"^notes must be at most 2048 characters \(Cloudflare refuses longer ones\), got 2049$"
    ):
        connectors.values(dict(base, notes="n" * 2049))
    assert connectors.values(dict(base, notes="n" * 2048)) == {"notes": "n" * 2048}
    with pytest.raises(
        InvalidOption, match=r"^connectors\[4\]\.interrupt_window_duration_hours must be a whole number"
    ):
        connectors.values(dict(base, interrupt_window_duration_hours=True), "connectors[4].")


@pytest.mark.parametrize(
    "params, option",
    [
        (dict(notes=""), "notes"),
        (dict(notes="  "), "notes"),
        (dict(device_serial_number=""), "device_serial_number"),
        (dict(device_id=""), "device_id"),
        (dict(id=""), "id"),
        (dict(id="a1", device_serial_number=""), "device_serial_number"),
    ],
)
def test_empty_identities_are_refused(params, option):
    with pytest.raises(
        InvalidOption, match=r"^%s must not be empty: an empty %s names no connector" % (option, option)
    ):
        Connectors(None).check_identity(params)


def test_empty_notes_are_a_value_once_the_connector_is_named_otherwise():
    Connectors(None).check_identity(dict(id="a1", notes=""))
    Connectors(None).check_identity(dict(device_serial_number="S1", notes=""))
    with pytest.raises(InvalidOption, match=r"^name must not be empty: an empty name names no interconnect"):
        Interconnects(None).check_identity(dict(id=None, name=""))


# --- interconnect health checks: every transition the API allows, none it refuses -------------------------------------

V15 = dict(
    id="v15",
    version="1.5",
    health_check=dict(enabled=True, direction="bidirectional", source="169.254.240.9", rate="mid"),
)
V1 = dict(id="v1", version="1", health_check=dict(enabled=True, direction="unidirectional", rate="mid"))


def _plan(current, health_check):
    resource = Interconnects(None)
    _before, changes, body = resource.plan(current, resource.desired(dict(health_check=health_check)))
    check_interconnect_change(changes, resource.canonical(current))
    return body


def test_bidirectional_with_a_source_can_become_unidirectional():
    body = _plan(V15, dict(direction="unidirectional"))
    assert body == {"health_check": {"enabled": True, "direction": "unidirectional", "rate": "mid"}}


def test_unidirectional_can_become_bidirectional_with_a_source_on_version_1_5():
    current = dict(V15, health_check=dict(enabled=True, direction="unidirectional", rate="mid"))
    body = _plan(current, dict(direction="bidirectional", source="10.1.1.1"))
    assert body["health_check"]["source"] == "10.1.1.1" and body["health_check"]["direction"] == "bidirectional"
    assert _plan(V15, dict(source="10.2.2.2"))["health_check"]["source"] == "10.2.2.2"
    assert _plan(V15, dict(rate="high"))["health_check"] == dict(V15["health_check"], rate="high")


@pytest.mark.parametrize(
    "current, health_check, message",
    [
        (
            dict(V15, health_check=dict(direction="unidirectional")),
            dict(direction="bidirectional"),
            r"^health_check\.source is required with health_check\.direction=bidirectional \(interconnect v15 has none\)$",
        ),
        (
            V1,
            dict(direction="bidirectional", source="10.1.1.1"),
            r"^health_check\.direction can be bidirectional only on version 1\.5",
        ),
        (
            V1,
            dict(source="10.1.1.1"),
            r"^health_check\.source is only allowed with health_check\.direction=bidirectional, got '10\.1\.1\.1'$",
        ),
    ],
)
def test_transitions_the_api_refuses_are_refused_before_the_write(current, health_check, message):
    with pytest.raises(InvalidOption, match=message):
        _plan(current, health_check)


def test_a_list_of_objects_keeps_each_objects_options_set():
    """A LAN's routed_subnets (a list of objects with options) as magic_export writes them: each object's unset
    sub-options left out, the list kept (it was read as one object, and failed)."""
    fields = dict(routed_subnets=["nat", "next_hop", "prefix"], name=None)
    params = dict(name="nyc-dc", routed_subnets=[dict(prefix="10.60.0.0/16", next_hop="10.50.0.10", nat=None)])
    assert desired_from_params(params, fields) == dict(
        name="nyc-dc", routed_subnets=[dict(prefix="10.60.0.0/16", next_hop="10.50.0.10")]
    )
