# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The engine's defaults, seen through a made-up resource that only declares itself."""

from __future__ import annotations

import pytest

from ansible_collections.cloudflare.magic_transit.plugins.module_utils._client import SECRET_MASK
from ansible_collections.cloudflare.magic_transit.plugins.module_utils._inputs import InvalidOption
from ansible_collections.cloudflare.magic_transit.plugins.module_utils._resource import AmbiguousMatch, Resource
from ansible_collections.cloudflare.magic_transit.tests.unit.plugins.module_utils.fakes import FakeClient


class Widgets(Resource):
    result_key = "widget"
    results_key = "widgets"
    label = "widget"
    path = ("widgets",)
    argument_spec = dict(
        size=dict(type="int"),
        lock=dict(type="dict", options=dict(code=dict(type="str", no_log=True), held=dict(type="bool"))),
    )
    secret_paths = (("lock", "code"),)


ONE = dict(id="w1", name="one", size=1, lock=dict(code="1234", held=False))
TWINS = [ONE, dict(ONE, id="w2", name="twin"), dict(ONE, id="w3", name="twin")]


def test_fields_come_from_the_argument_spec():
    assert Widgets.fields == {"size": None, "lock": ["code", "held"]}


def test_find_by_id_or_exact_name():
    widgets = Widgets(FakeClient(TWINS))
    assert widgets.find(dict(id="w1"))["name"] == "one"
    assert widgets.find(dict(id="nope")) is None
    assert widgets.find(dict(name="one"))["id"] == "w1"
    assert widgets.find(dict(name="on")) is None


def test_a_name_of_several_is_an_invalid_option_that_lists_them():
    with pytest.raises(AmbiguousMatch) as caught:
        Widgets(FakeClient(TWINS)).find(dict(name="twin"))
    assert str(caught.value) == "2 widgets match name 'twin' (ids: w2, w3): identify it by id"
    assert (caught.value.option, caught.value.value) == ("name", "twin")
    assert isinstance(caught.value, InvalidOption)


def test_select_lists_all_or_the_one_found():
    widgets = Widgets(FakeClient(TWINS))
    assert [w["id"] for w in widgets.select(dict(id=None, name=None))] == ["w1", "w2", "w3"]
    assert widgets.select(dict(id="w2", name=None)) == [TWINS[1]]
    assert widgets.select(dict(id=None, name="none")) == []


def test_prepare_refuses_a_create_by_default():
    with pytest.raises(InvalidOption, match="^name must identify an existing widget, got 'new'$"):
        Widgets(None).prepare(dict(id=None, name="new"), None, {})


def test_one_outcome_for_update_create_and_delete():
    widgets = Widgets(None)
    before = widgets.canonical(ONE)
    after = dict(ONE, size=2, lock=dict(code="5678", held=False))
    desired = dict(size=2, lock=dict(code="5678"))
    updated = widgets.outcome(before, after, desired, diff_mode=True)
    assert updated["widget"]["lock"]["code"] == SECRET_MASK
    assert updated["diff"] == {
        "before": {"size": 1, "lock": {"code": SECRET_MASK}},
        "after": {"size": 2, "lock": {"code": SECRET_MASK}},
    }
    created = widgets.outcome(None, after, desired, diff_mode=True, key="entry")
    assert created["entry"]["id"] == "w1" and created["diff"]["before"] == {} and created["diff"]["after"]["size"] == 2
    deleted = widgets.outcome(before, None, {}, diff_mode=True)
    assert deleted["widget"] == {} and deleted["diff"]["after"] == {} and deleted["diff"]["before"]["id"] == "w1"
    assert "diff" not in widgets.outcome(before, after, desired, diff_mode=False)


def test_invalid_option_keeps_option_rule_and_value():
    error = InvalidOption("size", "must be positive", -1)
    assert (error.option, error.rule, error.value) == ("size", "must be positive", -1)
    assert str(error) == "size must be positive, got -1"
