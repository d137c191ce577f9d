# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fault injection: rate limit, random errors / drops / malformed answers, one-shot rules, latency."""

import re
import time
from pathlib import Path

import pytest
import requests

from simulator.app import Application, Request
from simulator.faults import FaultConfigError, Faults
from simulator.requestlog import RequestLog
from simulator.state import Store

CONNECTOR = "711f8eedc6d84336a6f7d256ddd00fce"
ACCOUNT_ID = "023e105f4ecef8ad9ca31a8372d0c353"
TOKEN = "sim_rw_token_for_local_demo_only_0000000"
SEED_FILE = Path(__file__).resolve().parents[2] / "simulator" / "seed.json"
SEED_NOTES = "ber-branch-01 primary"
INTERCONNECT = "db6e162c8771430c90b14f6378e8f5cf"
RATE_LIMIT_ERROR = {"code": 971, "message": "Please wait and consider throttling your request speed"}


def connector_path():
    return "magic/connectors/" + CONNECTOR


def patch_notes(simulator_api, notes, **kwargs):
    return simulator_api.patch(connector_path(), json={"notes": notes}, **kwargs)


def test_rate_limit_blocks_every_call_of_the_account(simulator_api, simulator):
    simulator.set_faults(rate_limit={"requests": 3, "window": 1})
    ok = [simulator_api.get("magic/connectors") for attempt in range(3)]
    assert [response.status_code for response in ok] == [200, 200, 200]
    assert [response.headers["Ratelimit"].split(";")[1] for response in ok] == ["r=2", "r=1", "r=0"]
    assert ok[0].headers["Ratelimit-Policy"] == '"burst";q=3;w=1'
    blocked = simulator_api.get("magic/connectors")
    assert blocked.status_code == 429
    assert blocked.json() == {"success": False, "errors": [RATE_LIMIT_ERROR], "messages": [], "result": None}
    assert blocked.headers["retry-after"] == "1"
    # Every call of the account is refused during the block: other endpoints, writes, other credentials.
    for response in (
        simulator_api.get("magic/cf_interconnects"),
        patch_notes(simulator_api, "blocked"),
        simulator_api.get("magic/connectors", auth="ro"),
        simulator_api.get("magic/connectors", auth="key"),
    ):
        assert response.status_code == 429 and response.json()["errors"] == [RATE_LIMIT_ERROR]
        assert 1 <= int(response.headers["retry-after"]) <= 1
    assert simulator.connector(CONNECTOR)["notes"] == SEED_NOTES
    assert {entry["fault"] for entry in simulator.requests()[3:]} == {"rate_limit"}
    # The admin API is never rate limited.
    assert simulator.admin("GET", "health") == {"ok": True}
    time.sleep(1.05)
    again = simulator_api.get("magic/connectors")
    assert again.status_code == 200
    # Refused calls were not counted: a fresh window.
    assert again.headers["Ratelimit"].split(";")[1] == "r=2"


def test_reset_clears_rate_limit_counters(simulator_api, simulator):
    simulator.set_faults(rate_limit={"requests": 1, "window": 60})
    simulator_api.get("magic/connectors")
    assert simulator_api.get("magic/connectors").status_code == 429
    simulator.set_faults(rate_limit={"requests": 1, "window": 60})
    assert simulator_api.get("magic/connectors").status_code == 200
    simulator.reset()
    assert simulator.admin("GET", "faults")["rate_limit"] is None
    assert all(simulator_api.get("magic/connectors").status_code == 200 for attempt in range(5))


def test_error_rate_answers_5xx_before_processing(simulator_api, simulator):
    simulator.set_faults(error_rate=1.0)
    for index in range(8):
        response = patch_notes(simulator_api, "error-%d" % index)
        assert response.status_code in (500, 502, 503, 504)
        body = response.json()
        assert body["success"] is False and body["result"] is None and body["errors"][0]["code"] == 1000
    assert simulator.connector(CONNECTOR)["notes"] == SEED_NOTES
    assert {entry["fault"] for entry in simulator.requests()} == {"error"}


def test_random_faults_are_reproducible_with_a_seed(simulator_api, simulator):
    def statuses():
        simulator.set_faults(error_rate=0.5, random_seed=42)
        return [simulator_api.get("magic/connectors").status_code for attempt in range(20)]

    first = statuses()
    assert first == statuses()
    assert 200 in first and set(first) - {200}


def test_drop_closes_the_connection_without_an_answer(simulator_api, simulator):
    simulator.set_faults(drop_rate=1.0)
    with pytest.raises(requests.ConnectionError):
        patch_notes(simulator_api, "dropped")
    simulator.set_faults()
    assert simulator.connector(CONNECTOR)["notes"] == SEED_NOTES
    entry = simulator.requests("PATCH")[0]
    assert entry["status"] is None and entry["fault"] == "drop"


def test_malformed_answer_is_broken_json(simulator_api, simulator):
    simulator.set_faults(malformed_rate=1.0)
    response = patch_notes(simulator_api, "malformed")
    assert response.status_code == 200
    with pytest.raises(ValueError):
        response.json()
    simulator.set_faults()
    assert simulator.connector(CONNECTOR)["notes"] == SEED_NOTES
    assert simulator.requests("PATCH")[0]["fault"] == "malformed"


def test_rule_before_status_consumed_then_normal(simulator_api, simulator):
    config = simulator.add_rule(
        match={"method": "PATCH", "path": "/magic/connectors/"}, times=2, action="status", status=503, retry_after=1
    )
    assert config["rules"][0]["times"] == 2
    assert simulator_api.get(connector_path()).status_code == 200  # GET does not match
    first, second = patch_notes(simulator_api, "one"), patch_notes(simulator_api, "two")
    assert [first.status_code, second.status_code] == [503, 503]
    assert first.headers["retry-after"] == "1"
    assert simulator.connector(CONNECTOR)["notes"] == SEED_NOTES
    assert simulator.admin("GET", "faults")["rules"] == []
    assert patch_notes(simulator_api, "three").status_code == 200
    assert simulator.connector(CONNECTOR)["notes"] == "three"
    assert [entry["fault"] for entry in simulator.writes()] == ["status", "status", None]


def test_rule_status_429_sends_the_cloudflare_body(simulator_api, simulator):
    simulator.add_rule(match={"path": "cf_interconnects"}, action="status", status=429, retry_after=7)
    response = simulator_api.get("magic/cf_interconnects")
    assert response.status_code == 429
    assert response.json()["errors"] == [RATE_LIMIT_ERROR]
    assert response.headers["retry-after"] == "7"
    assert simulator_api.get("magic/cf_interconnects").status_code == 200


def test_rule_after_drop_persists_the_write(simulator_api, simulator):
    simulator.add_rule(match={"method": "PATCH"}, action="drop", when="after")
    with pytest.raises(requests.ConnectionError):
        patch_notes(simulator_api, "landed but unheard")
    assert simulator.connector(CONNECTOR)["notes"] == "landed but unheard"
    entry = simulator.requests("PATCH")[0]
    assert entry["fault"] == "drop_after" and entry["status"] is None


def test_rule_after_status_and_malformed_persist_the_write(simulator_api, simulator):
    simulator.add_rule(match={"method": "PUT"}, action="status", status=500, when="after")
    simulator.add_rule(match={"method": "PATCH"}, action="malformed", when="after")
    response = simulator_api.put("magic/cf_interconnects/" + INTERCONNECT, json={"mtu": 1400})
    assert response.status_code == 500
    assert simulator.interconnect(INTERCONNECT)["mtu"] == 1400
    response = patch_notes(simulator_api, "half an answer")
    assert response.status_code == 200
    assert response.text.startswith('{"success": true')
    with pytest.raises(ValueError):
        response.json()
    assert simulator.connector(CONNECTOR)["notes"] == "half an answer"
    assert [entry["fault"] for entry in simulator.writes()] == ["status_after", "malformed_after"]


def in_process_app():
    """The simulator's application without a server, its sleeps recorded instead of slept: what it plans to wait is
    asserted, never how long a call took (which fails on a loaded machine)."""
    sleeps = []
    app = Application(Store(SEED_FILE), Faults(), RequestLog(), sleep=sleeps.append)

    def call(method, path, body=b""):
        headers = {"authorization": "Bearer %s" % TOKEN, "host": "127.0.0.1"}
        return app.handle(Request(method, path, {}, headers, body))

    return app, sleeps, call


def test_delay_rule_and_latency():
    app, sleeps, call = in_process_app()
    connectors = "/client/v4/accounts/%s/magic/connectors" % ACCOUNT_ID
    app.faults.configure(
        {"rules": [{"match": {"method": "GET", "path": "connectors$"}, "action": "delay", "delay_s": 0.4}]}
    )
    assert call("GET", connectors).status == 200 and sleeps == [0.4]
    assert call("GET", connectors).status == 200 and sleeps == [0.4], "the rule was used up"
    assert [entry["fault"] for entry in app.log.entries()] == ["delay", None]
    app.faults.configure({"latency_ms": 300})
    assert call("GET", "/client/v4/accounts/%s/magic/cf_interconnects" % ACCOUNT_ID).status == 200
    assert sleeps == [0.4, 0.3]
    assert call("GET", "/__admin/state").status == 200 and sleeps == [0.4, 0.3], "the admin API is never delayed"


def test_delay_after_still_answers():
    app, sleeps, call = in_process_app()
    app.faults.configure(
        {"rules": [{"match": {"method": "PATCH"}, "action": "delay", "delay_s": 0.2, "when": "after"}]}
    )
    answer = call("PATCH", "/client/v4/accounts/%s/magic/connectors/%s" % (ACCOUNT_ID, CONNECTOR), b'{"notes": "slow"}')
    assert answer.status == 200 and sleeps == [0.2]
    assert [(entry["method"], entry["fault"]) for entry in app.log.entries()] == [("PATCH", "delay_after")]


def test_a_barrier_holds_a_call_until_the_calls_it_waits_for_were_answered():
    app, sleeps, call = in_process_app()
    connector = "/client/v4/accounts/%s/magic/connectors/%s" % (ACCOUNT_ID, CONNECTOR)
    held = []

    def sleep(seconds):
        sleeps.append(seconds)
        if len(sleeps) == 3:  # while the PATCH is held, another client's read is answered
            held.append(call("GET", connector).status)

    app.sleep = sleep
    app.faults.configure(
        {
            "rules": [
                {
                    "match": {"method": "PATCH"},
                    "action": "delay",
                    "delay_s": 60,
                    "until": {"method": "GET", "path": "/magic/connectors/", "count": 2},
                }
            ]
        }
    )
    assert call("GET", connector).status == 200
    assert call("PATCH", connector, b'{"notes": "after both reads"}').status == 200
    assert held == [200] and sleeps == [0.05] * 3, "held until the second read, then released at once"
    assert [entry["method"] for entry in app.log.entries()] == ["GET", "GET", "PATCH"]


def test_a_barrier_never_reached_ends_at_its_bound():
    app, sleeps, call = in_process_app()
    app.faults.configure(
        {
            "rules": [
                {"match": {"method": "GET"}, "action": "delay", "delay_s": 1, "until": {"method": "DELETE", "count": 1}}
            ]
        }
    )
    assert call("GET", "/client/v4/accounts/%s/magic/connectors" % ACCOUNT_ID).status == 200
    assert abs(sum(sleeps) - 1) < 1e-6


@pytest.mark.parametrize(
    "until, message",
    [
        ({"method": "GET", "count": 0}, "count must be"),
        ({"path": "("}, "until.path is not a valid regex"),
        ({"method": "GET", "when": 1}, "until must be an object with method, path and count"),
    ],
)
def test_a_bad_barrier_is_refused(until, message):
    app, dummy, dummy = in_process_app()
    with pytest.raises(FaultConfigError, match=re.escape(message)):
        app.faults.configure(
            {"rules": [{"match": {"method": "PATCH"}, "action": "delay", "delay_s": 1, "until": until}]}
        )
    with pytest.raises(FaultConfigError, match="until belongs to action delay"):
        app.faults.configure({"rules": [{"match": {"method": "PATCH"}, "action": "status", "until": {"count": 1}}]})


def test_delay_rules_apply_over_http(simulator_api, simulator):
    simulator.add_rule(match={"method": "GET", "path": "connectors$"}, action="delay", delay_s=0.1)
    assert simulator_api.get("magic/connectors").status_code == 200
    assert [entry["fault"] for entry in simulator.requests()] == ["delay"]


@pytest.mark.parametrize(
    "config",
    [
        {"error_rate": 2},
        {"error_rate": 0.6, "drop_rate": 0.6},
        {"latency_ms": -1},
        {"rate_limit": {"requests": 0, "window": 1}},
        {"rate_limit": "ten per minute"},
        {"rules": [{"action": "explode"}]},
        {"rules": [{"when": "during"}]},
        {"rules": [{"match": {"path": "("}}]},
        {"rules": [{"status": 503, "colour": "red"}]},
        {"unknown": 1},
        {"random_seed": "x"},
    ],
)
def test_admin_faults_validation(simulator, config):
    with pytest.raises(AssertionError, match="HTTP 400"):
        simulator.set_faults(**config)


def test_admin_faults_round_trip(simulator):
    config = simulator.set_faults(
        latency_ms=5,
        rate_limit="10/2",
        error_rate=0.1,
        random_seed=3,
        rules=[{"match": {"method": "patch"}, "action": "drop"}],
    )
    assert config == {
        "latency_ms": 5,
        "rate_limit": {"requests": 10, "window": 2, "mode": "sliding"},
        "other_consumer": None,
        "rate_limit_headers": True,
        "error_rate": 0.1,
        "drop_rate": 0,
        "malformed_rate": 0,
        "random_seed": 3,
        "rules": [
            {
                "match": {"method": "PATCH", "path": None},
                "times": 1,
                "action": "drop",
                "when": "before",
                "status": 503,
                "retry_after": None,
                "delay_s": 0,
            }
        ],
    }
    assert simulator.admin("GET", "faults") == config
    simulator.reset()
    assert simulator.admin("GET", "faults")["rules"] == [] and simulator.admin("GET", "faults")["latency_ms"] == 0


# Every write of the API: (method, path, body) on the seed.
WRITES = [
    ("POST", "magic/connectors", {"device": {"serial_number": "MWC2405C0102"}, "notes": "after-create"}),
    ("PATCH", "magic/connectors/" + CONNECTOR, {"notes": "after-patch"}),
    ("PUT", "magic/connectors/" + CONNECTOR, {"notes": "after-put"}),
    ("DELETE", "magic/connectors/" + CONNECTOR, None),
    ("POST", "magic/connectors/%s/interrupts" % CONNECTOR, {"reboot": {"purge": False}}),
    ("PUT", "magic/cf_interconnects/" + INTERCONNECT, {"mtu": 1400}),
]


def landed(simulator, method, path):
    """Whether the write (method, path) of WRITES is in the state."""
    account = simulator.state()["accounts"][simulator.account_id]
    connector = account["connectors"].get(CONNECTOR)
    if path.endswith("/interrupts"):
        return len(account["interrupts"][CONNECTOR]) == 2
    if path == "magic/connectors":
        return any(item["notes"] == "after-create" for item in account["connectors"].values())
    if method == "DELETE":
        return connector is None
    if "cf_interconnects" in path:
        return account["interconnects"][INTERCONNECT]["mtu"] == 1400
    return connector["notes"] == "after-%s" % method.lower()


@pytest.mark.parametrize("method, path, body", WRITES)
@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_every_write_lands_before_an_after_status(simulator_api, simulator, method, path, body, status):
    simulator.add_rule(
        match={"method": method, "path": path.split("/", 1)[1] + "$"}, action="status", status=status, when="after"
    )
    response = simulator_api.request(method, path, json=body)
    assert response.status_code == status and response.json()["success"] is False
    assert landed(simulator, method, path)
    assert simulator.writes()[0]["fault"] == "status_after"


@pytest.mark.parametrize("method, path, body", WRITES)
def test_every_write_lands_before_an_after_drop(simulator_api, simulator, method, path, body):
    simulator.add_rule(match={"method": method, "path": path.split("/", 1)[1] + "$"}, action="drop", when="after")
    with pytest.raises(requests.ConnectionError):
        simulator_api.request(method, path, json=body)
    assert landed(simulator, method, path)
    assert simulator.writes()[0]["fault"] == "drop_after"


def shaped(simulator_api, simulator, method, path, shape, **extra):
    simulator.add_rule(
        match={"method": method, "path": path.split("/", 1)[1] + "$"}, action="shape", shape=shape, **extra
    )
    response = simulator_api.request(method, path, json={"notes": "shaped"} if method == "PATCH" else None)
    assert response.status_code == 200, response.text
    return response


@pytest.mark.parametrize("shape, expected", [("null", None), ("empty_object", {}), ("empty_list", [])])
def test_shape_constant_results(simulator_api, simulator, shape, expected):
    body = shaped(simulator_api, simulator, "GET", "magic/connectors", shape).json()
    assert body == {"success": True, "errors": [], "messages": [], "result": expected}
    assert simulator.requests()[0]["fault"] == "shape_after"
    assert len(simulator_api.get("magic/connectors").json()["result"]) == 6  # used up


def test_shape_list_where_an_object_is_expected_and_object_where_a_list(simulator_api, simulator):
    single = simulator_api.get(connector_path()).json()["result"]
    assert shaped(simulator_api, simulator, "GET", connector_path(), "list").json()["result"] == [single]
    listed = simulator_api.get("magic/connectors").json()["result"]
    assert shaped(simulator_api, simulator, "GET", "magic/connectors", "object").json()["result"] == listed[0]


def test_shape_wrapping_keys(simulator_api, simulator):
    listed = simulator_api.get("magic/connectors").json()["result"]
    assert shaped(simulator_api, simulator, "GET", "magic/connectors", "wrap", key="connectors").json()["result"] == {
        "connectors": listed
    }
    interconnect = simulator_api.get("magic/cf_interconnects/" + INTERCONNECT).json()["result"]["interconnect"]
    assert (
        shaped(simulator_api, simulator, "GET", "magic/cf_interconnects/" + INTERCONNECT, "unwrap").json()["result"]
        == interconnect
    )
    interconnects = simulator_api.get("magic/cf_interconnects").json()["result"]["interconnects"]
    assert shaped(simulator_api, simulator, "GET", "magic/cf_interconnects", "unwrap").json()["result"] == interconnects


def test_shape_after_a_write_the_write_landed(simulator_api, simulator):
    response = shaped(simulator_api, simulator, "PATCH", connector_path(), "null")
    assert response.json()["result"] is None
    assert simulator.connector(CONNECTOR)["notes"] == "shaped"


def test_shape_not_json(simulator_api, simulator):
    response = shaped(simulator_api, simulator, "GET", "magic/connectors", "not_json")
    assert response.headers["content-type"] == "text/html"
    with pytest.raises(ValueError):
        response.json()


@pytest.mark.parametrize(
    "rule",
    [
        {"action": "shape"},
        {"action": "shape", "shape": "sideways"},
        {"action": "shape", "shape": "null", "when": "before"},
        {"action": "shape", "shape": "wrap"},
        {"action": "shape", "shape": "null", "key": "x"},
        {"action": "status", "shape": "null"},
    ],
)
def test_shape_rule_validation(simulator, rule):
    with pytest.raises(AssertionError, match="HTTP 400"):
        simulator.set_faults(rules=[rule])


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_another_consumer_spends_the_same_budget_evenly():
    clock = Clock()
    faults = Faults({"rate_limit": {"requests": 10, "window": 100}, "other_consumer": "5/100"}, clock=clock)
    # as if it had run for a window already: 5 calls in the last 100 s (every 20 s), then ours
    assert [faults.check_rate_limit("a").remaining for attempt in range(5)] == [4, 3, 2, 1, 0]
    assert faults.check_rate_limit("a").blocked
    assert faults.rate_state()["a"] == {"counted": 10, "blocked": True, "other_refused": 0}
    clock.now += 20.0  # its next call falls inside the block: refused like ours
    assert faults.check_rate_limit("a").blocked
    assert faults.rate_state()["a"]["other_refused"] == 1


def test_another_consumer_can_spend_in_one_burst_just_before_the_first_call():
    clock = Clock()
    faults = Faults(
        {
            "rate_limit": {"requests": 10, "window": 100},
            "other_consumer": {"requests": 4, "window": 100, "mode": "burst"},
        },
        clock=clock,
    )
    first = faults.check_rate_limit("a")
    assert (first.remaining, first.reset) == (5, 100)  # its 4 calls and ours; the burst is the window's oldest
    clock.now += 50.0
    assert faults.check_rate_limit("a").remaining == 4  # and no more of its calls
    clock.now += 50.0  # the burst (a millisecond before our first call) has left the window; our first call too
    assert faults.check_rate_limit("a").remaining == 8
    assert faults.rate_state()["a"] == {"counted": 2, "blocked": False, "other_refused": 0}


def test_a_fixed_window_resets_all_at_once_and_says_when():
    clock = Clock()
    faults = Faults({"rate_limit": {"requests": 3, "window": 30, "mode": "fixed"}}, clock=clock)
    assert [faults.check_rate_limit("a").reset for attempt in range(3)] == [30, 30, 30]
    clock.now += 29.5
    assert faults.check_rate_limit("a").blocked  # the 4th call of the window: blocked for a window
    faults = Faults({"rate_limit": {"requests": 3, "window": 30, "mode": "fixed"}}, clock=clock)
    faults.check_rate_limit("a")
    clock.now += 20
    decision = faults.check_rate_limit("a")
    assert (decision.remaining, decision.reset) == (1, 10)
    clock.now += 10
    decision = faults.check_rate_limit("a")
    assert (decision.remaining, decision.reset) == (2, 30)


def test_the_ratelimit_headers_can_be_left_out(simulator_api, simulator):
    simulator.set_faults(rate_limit="5/10", rate_limit_headers=False)
    response = simulator_api.get("magic/connectors")
    assert response.status_code == 200 and "Ratelimit" not in response.headers
    assert "Ratelimit-Policy" not in response.headers


@pytest.mark.parametrize(
    "config",
    [
        {"rate_limit": {"requests": 1, "window": 1, "mode": "leaky"}},
        {"other_consumer": {"requests": 0, "window": 1}},
        {"other_consumer": {"requests": 1, "window": 1, "mode": "sometimes"}},
        {"other_consumer": {"requests": 1, "window": 1, "burst": True}},
        {"rate_limit_headers": "no"},
    ],
)
def test_rate_settings_are_validated(simulator, config):
    with pytest.raises(AssertionError, match="HTTP 400"):
        simulator.set_faults(**config)
