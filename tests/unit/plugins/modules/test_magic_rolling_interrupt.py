# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""magic_rolling_interrupt as a module: its options, check mode, its result and failure (scripted HTTP)."""

from __future__ import annotations

from ansible_collections.cloudflare.magic_transit.plugins.modules import magic_rolling_interrupt
from ansible_collections.cloudflare.magic_transit.tests.unit.plugins.module_utils.test_rolling import (
    A1,
    A2,
    B1,
    CONNECTORS,
    PATH,
    listed,
    ran,
    submit,
    triggered,
)

# The fixtures' heartbeats are fresh when the tests are collected: an hour of freshness holds however late they run.
FRESH = 3600


def test_shutdown_is_refused_naming_the_option_before_any_call(api, run_module):
    result = run_module(magic_rolling_interrupt, action="shutdown", all_stores=True)
    assert result["failed"] and result["msg"].startswith("action must be reboot or restart: a shutdown is refused here")
    assert api.calls == [] and result["api_calls"] == {}


def test_the_role_prefix_names_the_variable(api, run_module):
    result = run_module(
        magic_rolling_interrupt, action="reboot", stores=["store-a"], batch=0, option_prefix="rolling_interrupt_"
    )
    assert result["failed"] and result["msg"] == "rolling_interrupt_batch must be at least 1, got 0"
    assert api.calls == []


def test_check_mode_returns_the_plan_from_two_lists(api, run_module):
    listed(api)
    result = run_module(
        magic_rolling_interrupt,
        check_mode=True,
        action="restart",
        connectors=["store-a primary", B1],
        heartbeat_max_age=FRESH,
    )
    plan = result["rolling_interrupt"]
    assert plan["batches"] == [["store-a"], ["store-b"]] and result["api_calls"] == {"GET": 2}
    assert [m["id"] for m in plan["stores"][0]["members"]] == [A1], "only the connector named; its peer is judged"
    assert result["changed"] is True and api.writes() == []


def test_a_run_reports_per_store_and_counts_its_calls(api, run_module):
    listed(api)
    submit(api, B1)
    triggered(api, B1, ran(CONNECTORS, B1))
    result = run_module(
        magic_rolling_interrupt, action="reboot", stores=["store-b"], poll_interval=1, heartbeat_max_age=FRESH
    )
    report = result["rolling_interrupt"]
    assert result["changed"] is True and report["counts"] == {"done": 1} and report["interrupts_sent"] == 1
    assert result["msg"] == "rolling reboot of 1 stores in 1 batches: 1 done"
    assert result["api_calls"] == {"GET": 6, "POST": 1}


def test_a_failed_run_fails_with_the_summary(api, run_module):
    listed(api)
    api.expect("GET", PATH + "/" + A1 + "/interrupts", result=[])
    submit(api, A2, status=400)
    result = run_module(
        magic_rolling_interrupt, action="reboot", stores=["store-a", "store-b"], heartbeat_max_age=FRESH
    )
    assert result["failed"] and "stopped after the batch in flight" in result["msg"]
    assert [s["status"] for s in result["rolling_interrupt"]["stores"]] == ["failed", "not_run"]
    assert result["changed"] is False and result["api_calls"]["POST"] == 1
