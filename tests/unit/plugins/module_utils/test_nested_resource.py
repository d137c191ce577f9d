# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The engine's nested resources and per-verb answers, at the HTTP boundary, through a made-up resource that lives
below a site and answers each verb differently (as Magic WAN LANs and GRE tunnels do): a create answers a list
holding the new object, an update a wrapped object, a delete the deleted object."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from ansible_collections.cloudflare.magic_transit.plugins.module_utils._answers import ONE_IN_LIST, Shape, shape_problem
from ansible_collections.cloudflare.magic_transit.plugins.module_utils._client import CloudflareClient
from ansible_collections.cloudflare.magic_transit.plugins.module_utils._inputs import InvalidOption
from ansible_collections.cloudflare.magic_transit.plugins.module_utils._module import CloudflareModule
from ansible_collections.cloudflare.magic_transit.plugins.module_utils._resource import (
    Parent,
    Resource,
    ResourceModule,
)
from ansible_collections.cloudflare.magic_transit.plugins.module_utils._sites import Sites
from ansible_collections.cloudflare.magic_transit.tests.unit.fake_api import ACCOUNT, BASE_URL, TOKEN


class Segments(Resource):
    """Test only: no such Cloudflare object, no such module."""

    result_key = "segment"
    results_key = "segments"
    label = "segment"
    path = ("magic", "sites", "{site_id}", "segments")
    parent = Parent(Sites, "site_id", "site_name")
    answers = dict(
        list=Shape(list, "segments"),
        get=Shape(dict, "segment"),
        create=Shape(ONE_IN_LIST),
        update=Shape(dict, "modified_segment"),
        delete=Shape(dict, "deleted_segment"),
    )
    argument_spec = dict(name=dict(type="str"), vlan_tag=dict(type="int"))

    def prepare(self, params, current, desired):
        return desired  # a segment the options name and no site holds is created


SPEC = dict(
    id=dict(type="str"),
    site_id=dict(type="str"),
    site_name=dict(type="str"),
    state=dict(type="str", default="present", choices=["present", "absent"]),
    **Segments.argument_spec,
)


def segment_module(run):
    def main():
        module = CloudflareModule(
            argument_spec=SPEC, mutually_exclusive=[("site_id", "site_name")], supports_check_mode=True
        )
        module.run(getattr(ResourceModule(module, Segments), run))

    return SimpleNamespace(main=main)


ENSURE, INFO = segment_module("ensure"), segment_module("info")
SITE = {"id": "5c2e4a6b8d0f4e1a3c5b7d9f1e3a5c7b", "name": "ber-branch-01"}
OTHER_SITE = {"id": "a" * 32, "name": "muc-branch-02"}
SITES = "/accounts/%s/magic/sites" % ACCOUNT
SEGMENTS = SITES + "/" + SITE["id"] + "/segments"
SEG = {"id": "b" * 32, "name": "pos", "vlan_tag": 10, "site_id": SITE["id"]}
BY_SITE_ID = dict(site_id=SITE["id"], max_retries=0)
BY_SITE_NAME = dict(site_name=SITE["name"], max_retries=0)


def expect_site_by_id(api):
    api.expect("GET", SITES + "/" + SITE["id"], result=SITE)


def expect_site_by_name(api):
    api.expect("GET", SITES, result=[SITE, OTHER_SITE])


def test_answers_are_declared_per_verb_and_writes_not_named_answer_a_bare_object():
    required = ("id",)
    assert Segments.shapes == dict(
        list=Shape(list, "segments", required),
        get=Shape(dict, "segment", required),
        write=Shape(dict, None, required),
        create=Shape(ONE_IN_LIST, None, required),
        update=Shape(dict, "modified_segment", required),
        delete=Shape(dict, "deleted_segment", required),
    )
    assert Sites(None).answer("delete") == Shape(dict, None, required)


def test_a_description_below_a_parent_is_never_called_unlocated():
    client = CloudflareClient(account_id=ACCOUNT, api_token=TOKEN, base_url=BASE_URL)
    with pytest.raises(LookupError, match=r"the segment path needs \{site_id\}; locate the site first"):
        Segments(client).list()


def test_found_by_id_below_the_parent_given_by_id(api, run_module):
    expect_site_by_id(api)
    api.expect("GET", SEGMENTS + "/" + SEG["id"], result={"segment": SEG})
    result = run_module(ENSURE, id=SEG["id"], vlan_tag=10, **BY_SITE_ID)
    assert (result["changed"], result["segment"]) == (False, SEG)
    assert result["api_calls"] == {"GET": 2}


def test_found_by_name_within_the_parent_named_by_its_name(api, run_module):
    expect_site_by_name(api)
    api.expect("GET", SEGMENTS, result={"segments": [SEG, dict(SEG, id="c" * 32, name="office")]})
    result = run_module(ENSURE, name="pos", vlan_tag=10, **BY_SITE_NAME)
    assert (result["changed"], result["segment"]["id"]) == (False, SEG["id"])


def test_info_lists_the_children_of_the_parent_only(api, run_module):
    expect_site_by_name(api)
    api.expect("GET", SEGMENTS, result={"segments": [SEG]})
    assert run_module(INFO, **BY_SITE_NAME)["segments"] == [SEG]


def test_create_answers_a_list_holding_the_new_object(api, run_module):
    expect_site_by_id(api)
    api.expect("GET", SEGMENTS, result={"segments": []})
    api.expect("POST", SEGMENTS, result=[SEG], body={"name": "pos", "vlan_tag": 10})
    result = run_module(ENSURE, diff=True, name="pos", vlan_tag=10, **BY_SITE_ID)
    assert (result["changed"], result["segment"]) == (True, SEG)
    assert result["diff"]["before"] == {} and result["diff"]["after"]["vlan_tag"] == 10
    assert "re-read" not in repr(result.get("warnings"))  # the answer was taken as it came


def test_update_answers_a_wrapped_object(api, run_module):
    expect_site_by_name(api)
    api.expect("GET", SEGMENTS, result={"segments": [SEG]})
    api.expect(
        "PATCH", SEGMENTS + "/" + SEG["id"], result={"modified_segment": dict(SEG, vlan_tag=20)}, body={"vlan_tag": 20}
    )
    result = run_module(ENSURE, diff=True, name="pos", vlan_tag=20, **BY_SITE_NAME)
    assert (result["changed"], result["segment"]["vlan_tag"]) == (True, 20)
    assert result["diff"] == {"before": {"vlan_tag": 10}, "after": {"vlan_tag": 20}}


def test_delete_answers_the_deleted_object(api, run_module):
    expect_site_by_id(api)
    api.expect("GET", SEGMENTS + "/" + SEG["id"], result={"segment": SEG})
    api.expect("DELETE", SEGMENTS + "/" + SEG["id"], result={"deleted_segment": SEG})
    result = run_module(ENSURE, id=SEG["id"], state="absent", **BY_SITE_ID)
    assert (result["changed"], result["segment"]) == (True, {})
    assert "re-read" not in repr(result.get("warnings"))  # the answer was taken as it came


@pytest.mark.parametrize(
    "args, found, changed",
    [
        (dict(name="new", vlan_tag=30), [], True),
        (dict(name="pos", vlan_tag=20), [SEG], True),
        (dict(name="pos", state="absent"), [SEG], True),
        (dict(name="pos", vlan_tag=10), [SEG], False),
    ],
)
def test_check_mode_reads_and_never_writes(api, run_module, args, found, changed):
    expect_site_by_name(api)
    api.expect("GET", SEGMENTS, result={"segments": found})
    result = run_module(ENSURE, check_mode=True, **dict(args, **BY_SITE_NAME))
    assert result["changed"] is changed and "failed" not in result
    assert api.writes() == [] and result["api_calls"] == {"GET": 2}


@pytest.mark.parametrize(
    "args, script, message",
    [
        (
            dict(site_name="nowhere"),
            [("GET", SITES, [SITE])],
            "site_name must identify an existing site, got 'nowhere'",
        ),
        (
            dict(site_id="f" * 32),
            [("GET", SITES + "/" + "f" * 32, None)],
            "site_id must identify an existing site, got '%s'" % ("f" * 32),
        ),
        (
            dict(site_name="twin"),
            [("GET", SITES, [dict(SITE, name="twin"), dict(OTHER_SITE, name="twin")])],
            "2 sites match site_name 'twin' (ids: %s, %s): identify it by id" % (SITE["id"], OTHER_SITE["id"]),
        ),
        (dict(site_id="../x"), [], "site_id must be 1 to 32 letters or digits (a Cloudflare id), got '../x'"),
        (dict(site_name=" "), [], "site_id or site_name must name the site this segment belongs to, got ' '"),
        (dict(), [], "site_id or site_name must name the site this segment belongs to"),
    ],
)
def test_a_parent_named_but_not_found_fails_before_any_write_naming_the_option(api, run_module, args, script, message):
    for method, path, result in script:
        api.expect(method, path, result=result, status=404 if result is None else 200)
    result = run_module(ENSURE, name="pos", vlan_tag=10, max_retries=0, **args)
    assert result["failed"] and result["msg"] == message
    assert api.writes() == []


def test_a_create_whose_answer_is_lost_is_found_again_by_name_not_sent_twice(api, run_module):
    expect_site_by_id(api)
    api.expect("GET", SEGMENTS, result={"segments": []})
    api.expect("POST", SEGMENTS, status=502)
    api.expect("GET", SEGMENTS, result={"segments": [SEG]})
    result = run_module(ENSURE, name="pos", vlan_tag=10, **BY_SITE_ID)
    assert (result["changed"], result["segment"]) == (True, SEG)
    assert "a re-read shows the change landed" in repr(result["warnings"])
    assert [call.method for call in api.writes()] == ["POST"]


# (verb, its wrong answer): a read fails naming the call; a write is an unknown outcome, re-read before anything else.
WRONG_READS = [
    ("list", [SEG]),
    ("list", {"segments": SEG}),
    ("list", {"items": [SEG]}),
    ("get", SEG),
    ("get", {"segment": [SEG]}),
    ("get", {"segment": {"name": "no id"}}),
]


@pytest.mark.parametrize("verb, answer", WRONG_READS)
def test_a_read_of_the_wrong_shape_fails_naming_the_call(api, run_module, verb, answer):
    expect_site_by_id(api)
    path = SEGMENTS if verb == "list" else SEGMENTS + "/" + SEG["id"]
    api.expect("GET", path, result=answer)
    result = run_module(ENSURE, name="pos", vlan_tag=10, **dict(BY_SITE_ID, id=SEG["id"] if verb == "get" else None))
    assert result["failed"] and result["msg"].startswith("GET %s: gave up after 1 attempt(s)" % path)
    assert "HTTP 2xx answer of the wrong shape: result" in result["msg"] and api.writes() == []


WRONG_WRITES = [
    ("POST", SEGMENTS, SEG),
    ("POST", SEGMENTS, [SEG, SEG]),
    ("POST", SEGMENTS, []),
    ("POST", SEGMENTS, {"segment": SEG}),
    ("PATCH", SEGMENTS + "/" + SEG["id"], dict(SEG, vlan_tag=20)),
    ("PATCH", SEGMENTS + "/" + SEG["id"], [dict(SEG, vlan_tag=20)]),
    ("DELETE", SEGMENTS + "/" + SEG["id"], SEG),
    ("DELETE", SEGMENTS + "/" + SEG["id"], {"deleted_segment": None}),
]
WRITE_ARGS = dict(
    POST=dict(name="pos", vlan_tag=10), PATCH=dict(name="pos", vlan_tag=20), DELETE=dict(name="pos", state="absent")
)


@pytest.mark.parametrize("method, path, answer", WRONG_WRITES)
def test_a_write_of_the_wrong_shape_is_an_unknown_outcome_settled_by_a_re_read(api, run_module, method, path, answer):
    expect_site_by_id(api)
    api.expect("GET", SEGMENTS, result={"segments": [] if method == "POST" else [SEG]})
    api.expect(method, path, result=answer)
    if method == "POST":  # the create landed: found again by name
        api.expect("GET", SEGMENTS, result={"segments": [SEG]})
    else:  # the update or delete did not land: the object is as it was
        api.expect("GET", SEGMENTS + "/" + SEG["id"], result={"segment": SEG})
    result = run_module(ENSURE, **dict(WRITE_ARGS[method], **BY_SITE_ID))
    if method == "POST":
        told = repr(result["warnings"])
        assert (result["changed"], result["segment"]) == (True, SEG) and "a re-read shows the change landed" in told
    else:
        told = result["msg"]
        assert result["failed"] and "The outcome is unknown" in told
    assert "%s %s: HTTP 2xx answer of the wrong shape" % (method, path) in told
    assert len(api.writes()) == 1


WRAPPED_ONE = Shape(ONE_IN_LIST, "segments", ("id",))


@pytest.mark.parametrize(
    "shape, answer, problem",
    [
        (Segments.shapes["create"], [SEG], None),
        (WRAPPED_ONE, {"segments": [SEG]}, None),
        (Segments.shapes["create"], [SEG, SEG], "result is a list of 2 items where a list of one object was expected"),
        (Segments.shapes["create"], [], "result is a list of 0 items where a list of one object was expected"),
        (Segments.shapes["create"], SEG, "result is an object where a list of one object was expected"),
        (WRAPPED_ONE, {"segments": SEG}, "result['segments'] is an object where a list of one object was expected"),
        (Segments.shapes["create"], ["x"], "result[0] is a string where an object was expected"),
        (Segments.shapes["create"], [{"name": "no id"}], "result[0] has no key 'id' (keys: name)"),
    ],
)
def test_a_list_of_one_object_is_checked_and_unwrapped(shape, answer, problem):
    assert shape_problem(answer, shape) == problem
    if problem is None:
        client = CloudflareClient(account_id=ACCOUNT, api_token=TOKEN, base_url=BASE_URL)
        assert client.check_shape(answer, shape, "POST", SEGMENTS) == SEG


class Ports(Resource):
    """Test only: below a segment, itself below a site."""

    result_key = "port"
    results_key = "ports"
    label = "port"
    path = ("magic", "sites", "{site_id}", "segments", "{segment_id}", "ports")
    parent = Parent(Segments, "segment_id", "segment_name")


def test_a_parent_below_a_parent_is_located_from_the_same_options(api):
    client = CloudflareClient(account_id=ACCOUNT, api_token=TOKEN, base_url=BASE_URL, max_retries=0)
    expect_site_by_name(api)
    api.expect("GET", SEGMENTS, result={"segments": [SEG]})
    api.expect("GET", SEGMENTS + "/" + SEG["id"] + "/ports", result=[{"id": "d" * 32}])
    ports = Ports(client).located(dict(site_name=SITE["name"], segment_name="pos"), "ports[0].")
    assert ports.parent_ids == {"site_id": SITE["id"], "segment_id": SEG["id"]}
    assert ports.list() == [{"id": "d" * 32}]
    api.expect("GET", SITES + "/" + SITE["id"], result=SITE).expect("GET", SEGMENTS, result={"segments": []})
    with pytest.raises(InvalidOption, match=r"^ports\[0\]\.segment_name must identify an existing segment, got 'x'$"):
        Ports(client).located(dict(site_id=SITE["id"], segment_name="x"), "ports[0].")


@pytest.mark.parametrize(
    "declarations, message",
    [
        (
            dict(answers=dict(delte=Shape(dict))),
            r"^Broken\.answers: unknown verb\(s\) delte \(verbs: list, get, create, update, delete, write\)$",
        ),
        (
            dict(path=("magic", "segments"), parent=Parent(Sites, "site_id", "site_name")),
            r"^Broken\.path must hold \{site_id\}, the id of its parent$",
        ),
    ],
)
def test_a_description_the_engine_would_misread_is_refused_when_defined(declarations, message):
    with pytest.raises(TypeError, match=message):
        type("Broken", (Resource,), declarations)
