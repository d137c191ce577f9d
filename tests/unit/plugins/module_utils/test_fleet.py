# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The fleet writer knows no resource: a made-up one with list and update is enough."""

from __future__ import annotations

import pytest

from ansible_collections.cloudflare.magic_transit.plugins.module_utils._change import Change, IncompleteRun
from ansible_collections.cloudflare.magic_transit.plugins.module_utils._fleet import (
    CHANGED,
    FAILED,
    NOT_SENT,
    UNCHANGED,
    FleetWriter,
)
from ansible_collections.cloudflare.magic_transit.plugins.module_utils._inputs import CloudflareAPIError, InvalidOption
from ansible_collections.cloudflare.magic_transit.plugins.module_utils._resource import Resource
from ansible_collections.cloudflare.magic_transit.tests.unit.plugins.module_utils.fakes import FakeClient


class Widgets(Resource):
    result_key = "widget"
    results_key = "widgets"
    label = "widget"
    path = ("widgets",)
    argument_spec = dict(size=dict(type="int"), colour=dict(type="str"))


WIDGETS = [dict(id="w%d" % n, name="widget %d" % n, size=n, colour="red") for n in range(4)]


def plans(resource, sizes):
    planned = []
    for index, (current, size) in enumerate(zip(resource.list(), sizes, strict=False)):
        desired = dict(size=size)
        planned.append(Change(index, current, desired, *resource.plan(current, desired)))
    return planned


def test_writes_what_differs_and_accounts_for_every_entry():
    client = FakeClient(WIDGETS)
    widgets = Widgets(client)
    result = FleetWriter(widgets, "widgets", 2, diff_mode=True).run(plans(widgets, [0, 5, 2, 7]))
    assert sorted(client.writes) == [("PATCH", "w1", {"size": 5}), ("PATCH", "w3", {"size": 7})]
    assert [e["status"] for e in result["widgets"]] == [UNCHANGED, CHANGED, UNCHANGED, CHANGED]
    assert result["summary"] == dict(total=4, changed=2, unchanged=2, failed=0, not_sent=0)
    assert result["widgets"][1]["widget"]["size"] == 5
    assert result["widgets"][1]["diff"] == {"before": {"size": 1}, "after": {"size": 5}}
    assert [d["before_header"] for d in result["diff"]] == ["widget widget 1 (w1)", "widget widget 3 (w3)"]
    assert result["widgets"][1]["changes"] == {"size": 5} and result["widgets"][0]["changes"] == {}


def test_check_mode_predicts_and_sends_nothing():
    client = FakeClient(WIDGETS)
    widgets = Widgets(client)
    result = FleetWriter(widgets, "widgets", 4, check_mode=True).run(plans(widgets, [9, 1]))
    assert client.writes == [] and result["changed"] is True
    assert result["widgets"][0]["widget"]["size"] == 9


def test_stops_after_the_first_failure_and_says_what_landed():
    client = FakeClient(WIDGETS, fail={"w1": CloudflareAPIError("refused", "PATCH", "/widgets/w1", 403)})
    widgets = Widgets(client)
    with pytest.raises(IncompleteRun) as caught:
        FleetWriter(widgets, "widgets", 1).run(plans(widgets, [10, 11, 12, 13]))
    result = caught.value.result
    assert [e["status"] for e in result["widgets"]] == [CHANGED, FAILED, NOT_SENT, NOT_SENT]
    assert [w[1] for w in client.writes] == ["w0", "w1"]
    assert caught.value.msg.startswith(
        "widget 1 (w1): PATCH /widgets/w1: refused. Entries: 1 changed, 0 unchanged, 1 failed, 2 not sent."
    )
    assert (
        "Failed: widget 1 (w1). Not sent: widget 2 (w2), widget 3 (w3). Changed before the stop: widget 0 (w0)."
        in caught.value.msg
    )
    assert result["widgets"][2]["error"] == "not sent after the write of widget 1 (w1) failed"


def test_keeps_the_rate_limit_reserve():
    client = FakeClient(WIDGETS, rate_limit_remaining=2)
    widgets = Widgets(client)
    with pytest.raises(IncompleteRun) as caught:
        FleetWriter(widgets, "widgets", 1).run(plans(widgets, [10, 11]))
    assert client.writes == [] and caught.value.result["summary"][NOT_SENT] == 2
    assert "rate limit leaves 2 requests for the next 60 s" in caught.value.msg


def test_an_unknown_outcome_is_re_read_and_warned():
    lost = CloudflareAPIError("answer lost", "PATCH", "/widgets/w0", outcome_unknown=True)
    client = FakeClient(WIDGETS, fail={"w0": lost})
    client.objects["w0"]["size"] = 10  # the write landed
    widgets = Widgets(client)
    warnings = []
    planned = [Change(0, dict(WIDGETS[0]), dict(size=10), *widgets.plan(WIDGETS[0], dict(size=10)))]
    result = FleetWriter(widgets, "widgets", 1, warn=warnings.append).run(planned)
    assert result["widgets"][0]["status"] == CHANGED and result["widgets"][0]["widget"]["size"] == 10
    assert warnings == ["PATCH /widgets/w0: answer lost; a re-read shows the change landed."]


@pytest.mark.parametrize("value", [0, 11])
def test_concurrency_is_bounded_before_anything_runs(value):
    with pytest.raises(InvalidOption, match="max_concurrency must be from 1 to 10"):
        FleetWriter(Widgets(FakeClient()), "widgets", value)
