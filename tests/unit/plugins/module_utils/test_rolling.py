# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The rolling run's planner and the HA peer rules, at the HTTP boundary (every call scripted, in order)."""

from __future__ import annotations

import datetime
from types import SimpleNamespace

import pytest

from ansible_collections.cloudflare.magic_transit.plugins.module_utils._change import IncompleteRun
from ansible_collections.cloudflare.magic_transit.plugins.module_utils._client import CloudflareClient
from ansible_collections.cloudflare.magic_transit.plugins.module_utils._ha_peers import PendingInterrupt
from ansible_collections.cloudflare.magic_transit.plugins.module_utils._inputs import InvalidOption
from ansible_collections.cloudflare.magic_transit.plugins.module_utils._interrupts import Interrupt
from ansible_collections.cloudflare.magic_transit.plugins.module_utils._rolling import RollingInterrupt
from ansible_collections.cloudflare.magic_transit.tests.unit.fake_api import ACCOUNT, BASE_URL, TOKEN

PATH = "/accounts/%s/magic/connectors" % ACCOUNT
SITES = "/accounts/%s/magic/sites" % ACCOUNT
A1, A2, B1, C1 = "a1" * 16, "a2" * 16, "b1" * 16, "c1" * 16
SITE_A, SITE_B = "5a" * 16, "5b" * 16
# Heartbeats are judged against the clock when a test runs: "fresh" (5 s before the import) stays within the hour
# of heartbeat_max_age however late the test runs; "offline" is a day old.
NOW = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
TRIGGERED = (NOW + datetime.timedelta(seconds=10)).strftime("%Y-%m-%dT%H:%M:%SZ")
SUBMITTED = NOW.strftime("%Y-%m-%dT%H:%M:%S.123456Z")


def beat(seconds_ago):
    return (NOW - datetime.timedelta(seconds=seconds_ago)).strftime("%Y-%m-%dT%H:%M:%SZ")


FRESH = beat(5)


def conn(connector_id, notes, heartbeat=FRESH, **fields):
    return dict(
        id=connector_id,
        notes=notes,
        last_heartbeat=heartbeat,
        activated=True,
        device={"id": connector_id[::-1], "serial_number": "SN-" + notes.upper(), "type": "MANAGED"},
        **fields,
    )


CONNECTORS = [
    conn(A1, "store-a primary", site_id=SITE_A, primary=True),
    conn(A2, "store-a secondary", site_id=SITE_A, primary=False),
    conn(B1, "store-b", site_id=SITE_B),
    conn(C1, "lab box"),
]
SITE_LIST = [
    dict(id=SITE_A, name="store-a", connector_id=A1, secondary_connector_id=A2, ha_mode=True),
    dict(id=SITE_B, name="store-b", connector_id=B1, ha_mode=False),
    dict(id="5c" * 16, name="empty-store", ha_mode=False),
]
PARAMS = dict(
    action="reboot",
    purge=False,
    all_stores=False,
    stores=None,
    connectors=None,
    batch=1,
    heartbeat_max_age=3600,
    member_timeout=900,
    max_failures=0,
    poll_interval=10,
    option_prefix="",
)


def module(warnings=None):
    """What an Operation takes from its module: the client and where warnings go."""
    client = CloudflareClient(ACCOUNT, api_token=TOKEN, base_url=BASE_URL)
    return SimpleNamespace(
        client=client, warn=(warnings if warnings is not None else []).append, hide=client.add_secrets
    )


def operate(operation, params, check_mode):
    """An operation as CloudflareModule.run calls it: its checks before any call, then its run."""
    operation.check(params)
    return operation.run(params, check_mode)


def run(check_mode=False, warnings=None, **params):
    return operate(RollingInterrupt(module(warnings)), dict(PARAMS, **params), check_mode)


def listed(api, connectors=None):
    api.expect("GET", PATH, result=CONNECTORS if connectors is None else connectors)
    api.expect("GET", SITES, result=SITE_LIST)


def ran(connectors, connector_id):
    """The list after ``connector_id``'s reboot: a heartbeat newer than its triggered_at."""
    return [dict(c, last_heartbeat=beat(-40)) if c["id"] == connector_id else c for c in connectors]


def submit(api, connector_id, status=200):
    api.expect("GET", PATH + "/" + connector_id, result=next(c for c in CONNECTORS if c["id"] == connector_id))
    api.expect("GET", PATH + "/" + connector_id + "/interrupts", result=[])
    if status == 200:
        api.expect(
            "POST",
            PATH + "/" + connector_id + "/interrupts",
            body={"reboot": {"purge": False}},
            result={"reboot": {"purge": False}, "submitted_at": SUBMITTED},
        )
    else:
        api.expect("POST", PATH + "/" + connector_id + "/interrupts", status=status)


def triggered(api, connector_id, after):
    api.expect(
        "GET",
        PATH + "/" + connector_id + "/interrupts",
        result=[{"reboot": {"purge": False}, "submitted_at": SUBMITTED, "triggered_at": TRIGGERED}],
    )
    api.expect("GET", PATH, result=after)


@pytest.mark.parametrize(
    "params, message",
    [
        (
            dict(action="shutdown", stores=["store-a"], option_prefix="rolling_interrupt_"),
            "rolling_interrupt_action must be reboot or restart: a shutdown is refused here",
        ),
        (dict(action="halt", stores=["store-a"]), "action must be one of reboot, restart, got 'halt'"),
        (dict(batch=0, stores=["store-a"]), "batch must be at least 1, got 0"),
        (dict(max_failures=-1, stores=["store-a"]), "max_failures must be at least 0"),
        (
            dict(poll_interval=1000, stores=["store-a"]),
            "poll_interval must be more than 0 seconds and at most member_timeout",
        ),
        (dict(all_stores=True, stores=["store-a"]), "all_stores cannot be combined with stores"),
        (dict(), "stores or connectors must name the targets, or all_stores=true must be set"),
        (dict(stores=[" "], option_prefix="p_"), "p_stores[0] must be a non-empty name"),
    ],
)
def test_every_bad_option_fails_before_any_call_naming_it(api, params, message):
    with pytest.raises(InvalidOption) as failure:
        run(**params)
    assert message in str(failure.value) and api.calls == []


@pytest.mark.parametrize(
    "params, message",
    [
        (dict(stores=["store-z"]), "stores[0] must name a Magic WAN site with connectors; no site has this name"),
        (dict(stores=["empty-store"]), "stores[0] must name a Magic WAN site with connectors; that site has none"),
        (dict(stores=["store-a", "store-a"]), "stores[1] names the same store twice"),
        (
            dict(connectors=["nothing"]),
            "connectors[0] must name exactly one connector by id, serial number or notes; it names none",
        ),
    ],
)
def test_targets_naming_nothing_fail_after_the_two_lists_and_before_any_write(api, params, message):
    listed(api)
    with pytest.raises(InvalidOption) as failure:
        run(**params)
    assert message in str(failure.value) and api.writes() == []


def test_check_mode_plans_batches_secondary_first_and_skips_a_store_with_an_offline_member(api):
    connectors = [dict(c, last_heartbeat=beat(86400)) if c["id"] == B1 else c for c in CONNECTORS]
    listed(api, connectors)
    result = run(check_mode=True, all_stores=True, batch=2)
    plan = result["rolling_interrupt"]
    assert plan["batches"] == [["lab box", "store-a"], ["store-b"]]
    assert [m["id"] for m in plan["stores"][1]["members"]] == [A2, A1]
    assert [m["role"] for m in plan["stores"][1]["members"]] == ["secondary", "primary"]
    assert [s["status"] for s in plan["stores"]] == ["planned", "planned", "skipped"]
    assert "is offline (last heartbeat %s" % beat(86400) in plan["stores"][2]["reason"]
    assert plan["lines"][0].startswith("batch 1: lab box (single connector 'lab box'")
    assert result["changed"] is True and "would reboot 2 stores in 2 batches" in result["msg"]
    assert len(api.calls) == 2


def test_an_ha_store_runs_secondary_then_primary_each_waiting_for_its_return(api):
    listed(api)
    api.expect("GET", PATH + "/" + A1 + "/interrupts", result=[])  # the peer: nothing pending
    submit(api, A2)
    triggered(api, A2, ran(CONNECTORS, A2))
    submit(api, A1)  # at once, from the same list: the secondary is back
    triggered(api, A1, ran(ran(CONNECTORS, A2), A1))
    result = run(stores=["store-a"], poll_interval=3)
    store = result["rolling_interrupt"]["stores"][0]
    assert store["status"] == "done" and [m["id"] for m in store["members"]] == [A2, A1]
    assert [m["away_s"] for m in store["members"]] == [30.0, 30.0]
    posts = [c.path for c in api.calls if c.method == "POST"]
    assert posts == [PATH + "/" + A2 + "/interrupts", PATH + "/" + A1 + "/interrupts"]
    assert api.sleeps == [pytest.approx(3, abs=1)] * 2 and result["changed"] is True
    assert result["rolling_interrupt"]["lines"] == [
        "store-a: done (secondary connector 'store-a secondary' (%s) away 30.0 s, then primary connector "
        "'store-a primary' (%s) away 30.0 s)" % (A2, A1)
    ]


def test_a_member_seen_back_only_once_its_heartbeat_is_newer_than_triggered_at(api):
    listed(api)
    submit(api, B1)
    triggered(api, B1, CONNECTORS)  # ran, but the heartbeat is older than triggered_at: away
    api.expect("GET", PATH, result=ran(CONNECTORS, B1))  # one list per poll; the interrupt is known to have run
    result = run(stores=["store-b"])
    assert result["rolling_interrupt"]["stores"][0]["members"][0]["status"] == "back"
    assert result["rolling_interrupt"]["polls"] == 2


def test_a_peer_with_a_pending_interrupt_is_reported_and_nothing_is_sent(api):
    listed(api)
    api.expect(
        "GET", PATH + "/" + A1 + "/interrupts", result=[{"restart": {"purge": False}, "submitted_at": SUBMITTED}]
    )
    warnings = []
    result = run(warnings=warnings, stores=["store-a"])
    store = result["rolling_interrupt"]["stores"][0]
    assert store["status"] == "pending" and "has a restart pending since %s" % SUBMITTED in store["reason"]
    assert api.writes() == [] and result["changed"] is False and "not retried" in warnings[0]


def test_a_409_is_reported_as_pending_and_not_retried(api):
    listed(api)
    submit(api, B1, status=409)
    api.expect("GET", PATH + "/" + B1 + "/interrupts", result=[{"reboot": {"purge": False}, "submitted_at": SUBMITTED}])
    result = run(stores=["store-b"])
    assert result["rolling_interrupt"]["stores"][0]["status"] == "pending"
    assert [c.method for c in api.calls].count("POST") == 1


def test_a_failure_stops_the_run_after_the_batch_in_flight(api):
    listed(api)
    api.expect("GET", PATH + "/" + A1 + "/interrupts", result=[])
    submit(api, A2, status=400)
    submit(api, B1)
    triggered(api, B1, ran(CONNECTORS, B1))
    with pytest.raises(IncompleteRun) as failure:
        run(stores=["store-a", "store-b"], batch=2)  # store-b in the same batch goes on
    report = failure.value.result["rolling_interrupt"]
    assert [s["status"] for s in report["stores"]] == ["failed", "done"]
    assert report["stores"][0]["members"][1]["status"] == "waiting", "the failed store's primary is left alone"
    assert "more than max_failures=0 stores failed (store-a)" in failure.value.msg


def test_after_a_failing_batch_the_other_batches_are_not_run(api):
    listed(api)
    api.expect("GET", PATH + "/" + A1 + "/interrupts", result=[])
    submit(api, A2, status=400)
    with pytest.raises(IncompleteRun) as failure:
        run(stores=["store-a", "store-b"], batch=1)
    report = failure.value.result["rolling_interrupt"]
    assert [s["status"] for s in report["stores"]] == ["failed", "not_run"]
    assert failure.value.result["changed"] is False


def test_max_failures_lets_the_run_go_on_and_warns(api):
    listed(api)
    api.expect("GET", PATH + "/" + A1 + "/interrupts", result=[])
    submit(api, A2, status=400)
    api.expect("GET", PATH, result=CONNECTORS)  # the next batch starts from a fresh list
    submit(api, B1)
    triggered(api, B1, ran(CONNECTORS, B1))
    warnings = []
    result = run(warnings=warnings, stores=["store-a", "store-b"], max_failures=1)
    assert result["rolling_interrupt"]["counts"] == {"done": 1, "failed": 1}
    assert warnings and warnings[0].startswith("store-a: connector 'store-a secondary'")


def test_a_member_that_does_not_run_within_member_timeout_fails_its_store(api):
    listed(api)
    submit(api, B1)
    pending = [{"reboot": {"purge": False}, "submitted_at": SUBMITTED}]
    for dummy in range(3):  # after 10 and 20 s within member_timeout=20, the third poll is past it
        api.expect("GET", PATH + "/" + B1 + "/interrupts", result=pending)
        api.expect("GET", PATH, result=CONNECTORS)
    with pytest.raises(IncompleteRun) as failure:
        run(stores=["store-b"], member_timeout=20)
    member = failure.value.result["rolling_interrupt"]["stores"][0]["members"][0]
    assert member["status"] == "failed" and "its reboot has not run (no triggered_at" in member["error"]


def test_polls_keep_to_the_rate_budget(api):
    budget = {"Ratelimit": '"default";r=3;t=30', "Ratelimit-Policy": '"burst";q=1200;w=300'}
    api.expect("GET", PATH, result=CONNECTORS)
    api.expect("GET", SITES, result=SITE_LIST, headers=budget)
    # 3 left: the submission's 3 calls and the reserve do not fit, the run pauses for the reset first, then lists the
    # connectors again (the store is judged on a list read after the pause).
    api.expect("GET", PATH, result=CONNECTORS, headers=dict(budget, Ratelimit='"default";r=1000;t=300'))
    api.expect("GET", PATH + "/" + B1, result=CONNECTORS[2])
    api.expect("GET", PATH + "/" + B1 + "/interrupts", result=[])
    api.expect("POST", PATH + "/" + B1 + "/interrupts", result={"reboot": {"purge": False}, "submitted_at": SUBMITTED})
    triggered(api, B1, ran(CONNECTORS, B1))
    result = run(stores=["store-b"])
    assert 29 < api.sleeps[0] <= 30.5 and api.sleeps[1:] == [pytest.approx(10, abs=1)]
    assert result["rolling_interrupt"]["paused_s"] == round(api.sleeps[0], 1)


def test_a_store_is_judged_on_a_list_read_after_a_rate_limit_pause(api):
    """A pause as long as heartbeat_max_age makes every heartbeat of the list read before it look offline: a 100-store
    bench run skipped live stores that way. After a pause the connectors are listed again, and the store runs."""
    budget = {"Ratelimit": '"default";r=3;t=30', "Ratelimit-Policy": '"burst";q=1200;w=300'}
    before = [dict(c, last_heartbeat=beat(7200)) if c["id"] == B1 else c for c in CONNECTORS]  # older than max_age
    api.expect("GET", PATH, result=before)
    api.expect("GET", SITES, result=SITE_LIST, headers=budget)
    api.expect("GET", PATH, result=CONNECTORS, headers=dict(budget, Ratelimit='"default";r=1000;t=300'))
    submit(api, B1)
    triggered(api, B1, ran(CONNECTORS, B1))
    result = run(stores=["store-b"])
    assert result["rolling_interrupt"]["counts"] == {"done": 1}
    assert result["rolling_interrupt"]["interrupts_sent"] == 1


def peers_params(**params):
    return dict(
        dict(
            id=A1,
            action="reboot",
            purge=False,
            wait=False,
            wait_timeout=30,
            if_pending="fail",
            ignore_peer=False,
            peer_heartbeat_max_age=3600,
        ),
        **params,
    )


def interrupt(**params):
    check_mode = params.pop("check_mode", False)
    return operate(Interrupt(module()), peers_params(**params), check_mode)


def peer_reads(api, peer, interrupts):
    api.expect("GET", PATH + "/" + A1, result=CONNECTORS[0])
    api.expect("GET", PATH + "/" + A1 + "/interrupts", result=[])
    api.expect("GET", SITES, params={"connectorid": A1}, result=SITE_LIST[:1])
    api.expect("GET", PATH + "/" + A2, result=peer)
    api.expect("GET", PATH + "/" + A2 + "/interrupts", result=interrupts)


@pytest.mark.parametrize(
    "peer, interrupts, message",
    [
        (CONNECTORS[1], [{"reboot": {"purge": False}, "submitted_at": SUBMITTED}], "has a reboot pending since"),
        (
            dict(CONNECTORS[1], last_heartbeat=beat(20)),
            [{"restart": {}, "submitted_at": beat(30), "triggered_at": beat(10)}],
            "is away after its restart that ran at %s (no heartbeat since)" % beat(10),
        ),
        (dict(CONNECTORS[1], last_heartbeat=beat(86400)), [], "is offline (last heartbeat %s, " % beat(86400)),
    ],
)
def test_an_interrupt_is_refused_while_the_store_peer_is_pending_away_or_offline(api, peer, interrupts, message):
    peer_reads(api, peer, interrupts)
    with pytest.raises(InvalidOption) as failure:
        interrupt()
    assert "its store peer connector 'store-a secondary' (%s) %s" % (A2, message) in str(failure.value)
    assert "Nothing was sent" in str(failure.value) and api.writes() == []
    assert isinstance(failure.value, PendingInterrupt) == ("offline" not in message)


def test_ignore_peer_reads_no_peer(api):
    api.expect("GET", PATH + "/" + A1, result=CONNECTORS[0])
    api.expect("GET", PATH + "/" + A1 + "/interrupts", result=[])
    api.expect("POST", PATH + "/" + A1 + "/interrupts", result={"reboot": {"purge": False}, "submitted_at": SUBMITTED})
    assert interrupt(ignore_peer=True)["changed"] is True


def test_if_pending_wait_waits_for_the_peer_to_run_and_be_back(api):
    pending = {"reboot": {"purge": False}, "submitted_at": SUBMITTED}
    peer_reads(api, CONNECTORS[1], [pending])
    api.expect("GET", PATH + "/" + A2 + "/interrupts", result=[pending])
    api.expect("GET", PATH + "/" + A2 + "/interrupts", result=[dict(pending, triggered_at=TRIGGERED)])
    api.expect("GET", PATH + "/" + A2, result=CONNECTORS[1])  # not back yet
    api.expect("GET", PATH + "/" + A2, result=ran(CONNECTORS, A2)[1])
    api.expect("POST", PATH + "/" + A1 + "/interrupts", result=dict(pending, submitted_at=TRIGGERED))
    result = interrupt(if_pending="wait")
    assert result["changed"] is True and api.sleeps == [2.0, 2.0]


def test_if_pending_wait_adopts_the_connectors_own_pending_interrupt_of_the_same_action(api):
    pending = {"reboot": {"purge": False}, "submitted_at": SUBMITTED}
    api.expect("GET", PATH + "/" + A1, result=CONNECTORS[0])
    api.expect("GET", PATH + "/" + A1 + "/interrupts", result=[pending])
    api.expect("GET", PATH + "/" + A1 + "/interrupts", result=[dict(pending, triggered_at=TRIGGERED)])
    result = interrupt(if_pending="wait")
    assert result["changed"] is False and result["magic_connector_interrupt"]["triggered_at"] == TRIGGERED
    assert "nothing was sent" in result["msg"] and api.writes() == []


def test_if_pending_wait_is_bounded_by_wait_timeout(api):
    pending = {"restart": {"purge": False}, "submitted_at": SUBMITTED}
    api.expect("GET", PATH + "/" + A1, result=CONNECTORS[0])
    api.expect("GET", PATH + "/" + A1 + "/interrupts", result=[pending])
    for dummy in range(3):
        api.expect("GET", PATH + "/" + A1 + "/interrupts", result=[pending])
    with pytest.raises(IncompleteRun) as failure:
        interrupt(if_pending="wait", wait_timeout=4)
    assert "has not happened within wait_timeout=4 s; nothing was sent" in failure.value.msg and api.writes() == []
