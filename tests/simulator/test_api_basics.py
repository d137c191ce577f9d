# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Envelope, authentication, routing and rate-limit headers of the simulated API."""

import http.client
import re

import pytest

CONNECTOR = "711f8eedc6d84336a6f7d256ddd00fce"
INTERCONNECT = "db6e162c8771430c90b14f6378e8f5cf"


def assert_failure(response, status, code, pointer=None):
    assert response.status_code == status, response.text
    body = response.json()
    assert body["success"] is False
    assert body["result"] is None
    assert body["messages"] == []
    assert body["errors"], body
    codes = [error["code"] for error in body["errors"]]
    assert code in codes, body
    if pointer is not None:
        assert pointer in [error.get("source", {}).get("pointer") for error in body["errors"]], body
    return body["errors"]


def test_success_envelope(simulator_api):
    response = simulator_api.get("magic/connectors")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == {"success", "errors", "messages", "result"}
    assert body["success"] is True and body["errors"] == [] and body["messages"] == []
    assert len(body["result"]) == 6


@pytest.mark.parametrize(
    "auth",
    [
        "none",
        {"Authorization": "Bearer wrong_token"},
        {"Authorization": "Basic c2ltOnNpbQ=="},
        {"Authorization": "Bearer "},
        {"X-Auth-Email": "ops@example.com", "X-Auth-Key": "wrong"},
        {"X-Auth-Email": "someone@example.com", "X-Auth-Key": "sim0global0api0key0000000000000000000a"},
        {"X-Auth-Key": "sim0global0api0key0000000000000000000a"},
    ],
    ids=["none", "bad-token", "basic", "empty-bearer", "bad-key", "bad-email", "key-without-email"],
)
def test_401_for_missing_or_invalid_credentials(simulator_api, auth):
    errors = assert_failure(simulator_api.get("magic/cf_interconnects", auth=auth), 401, 10000)
    assert errors[0]["message"] == "Authentication error"


def test_both_auth_styles_read_and_write(simulator_api, simulator):
    for auth in ("rw", "key"):
        assert simulator_api.get("magic/cf_interconnects", auth=auth).status_code == 200
        response = simulator_api.patch("magic/connectors/" + CONNECTOR, auth=auth, json={"notes": "via " + auth})
        assert response.status_code == 200, response.text
    assert simulator.connector(CONNECTOR)["notes"] == "via key"
    assert [entry["auth"] for entry in simulator.writes()] == ["token", "key"]


def test_403_read_only_token_on_every_write(simulator_api, simulator):
    assert simulator_api.get("magic/connectors", auth="ro").status_code == 200
    calls = [
        ("PUT", "magic/cf_interconnects/" + INTERCONNECT, {"mtu": 1400}),
        ("POST", "magic/connectors", {"device": {"provision_license": True}}),
        ("PATCH", "magic/connectors/" + CONNECTOR, {"notes": "x"}),
        ("PUT", "magic/connectors/" + CONNECTOR, {"notes": "x"}),
        ("DELETE", "magic/connectors/" + CONNECTOR, None),
        ("POST", "magic/connectors/%s/interrupts" % CONNECTOR, {"reboot": {"purge": False}}),
    ]
    before = simulator.state()
    for method, path, body in calls:
        errors = assert_failure(simulator_api.request(method, path, auth="ro", json=body), 403, 9109)
        assert errors[0]["message"] == "Unauthorized to access requested resource"
    assert simulator.state() == before


def test_404_unknown_account_object_and_route(simulator_api):
    unknown_account = "/accounts/ffffffffffffffffffffffffffffffff/magic/connectors"
    errors = assert_failure(simulator_api.get(unknown_account), 404, 7003)
    assert "perhaps your object identifier is invalid" in errors[0]["message"]
    assert_failure(simulator_api.get("magic/connectors/0123456789abcdef0123456789abcdef"), 404, 1003)
    assert_failure(simulator_api.get("magic/cf_interconnects/0123456789abcdef0123456789abcdef"), 404, 1003)
    assert_failure(
        simulator_api.get("magic/connectors/not-a-valid-identifier-because-too-long-for-cloudflare"), 404, 7003
    )
    assert_failure(simulator_api.get("magic/gre_tunnels"), 404, 7000)
    assert_failure(simulator_api.get("/nothing/here"), 404, 7000)


def test_auth_is_checked_before_the_account(simulator_api):
    assert_failure(
        simulator_api.get("/accounts/ffffffffffffffffffffffffffffffff/magic/connectors", auth="none"), 401, 10000
    )


def test_405_wrong_method(simulator_api):
    response = simulator_api.delete("magic/cf_interconnects/" + INTERCONNECT)
    assert_failure(response, 405, 7001)
    assert response.headers["Allow"] == "GET, PUT"
    assert_failure(simulator_api.post("magic/connectors/%s/telemetry/events" % CONNECTOR, json={}), 405, 7001)


@pytest.mark.parametrize(
    "data",
    [b"{not json", b"", b"[1, 2]", b'"text"', b'{"notes": NaN}', b"\xff\xfe"],
    ids=["broken", "empty", "array", "string", "nan", "not-utf8"],
)
def test_400_malformed_body(simulator_api, simulator, data):
    response = simulator_api.patch(
        "magic/connectors/" + CONNECTOR, data=data, headers={"Content-Type": "application/json"}
    )
    assert_failure(response, 400, 1001)
    assert simulator.connector(CONNECTOR)["notes"] == "ber-branch-01 primary"


def test_ratelimit_headers_on_normal_answers(simulator_api):
    first = simulator_api.get("magic/connectors")
    second = simulator_api.get("magic/connectors/nope")
    for response in (first, second):
        assert re.fullmatch(r'"default";r=\d+;t=\d+', response.headers["Ratelimit"])
        assert response.headers["Ratelimit-Policy"] == '"burst";q=1200;w=300'
        assert "retry-after" not in response.headers
    remaining = [int(re.search(r"r=(\d+)", response.headers["Ratelimit"]).group(1)) for response in (first, second)]
    assert remaining == [1199, 1198]


def test_verify_token(simulator_api):
    response = simulator_api.get("/user/tokens/verify")
    assert response.status_code == 200
    assert response.json()["result"]["status"] == "active"
    assert_failure(simulator_api.get("/user/tokens/verify", auth="none"), 401, 10000)


def test_trailing_slash_and_unknown_query_are_accepted(simulator_api):
    assert simulator_api.get("magic/connectors/", params={"unknown": "1"}).status_code == 200


def test_admin_api_needs_no_auth_and_is_not_logged(simulator_api, simulator):
    simulator_api.get("magic/connectors")
    entries = simulator.requests()
    assert len(entries) == 1
    assert simulator.admin("GET", "health") == {"ok": True}
    assert len(simulator.requests()) == 1
    simulator.clear_log()
    assert simulator.requests() == []


def test_request_log_entry_shape(simulator_api, simulator):
    simulator_api.patch(
        "magic/connectors/" + CONNECTOR,
        json={"notes": "logged"},
        params={"validate_only": "true"},
        headers={"User-Agent": "pytest-sim"},
    )
    entry = simulator.requests("PATCH")[0]
    assert set(entry) >= {"seq", "time", "method", "path", "query", "body", "status", "auth", "fault"}
    assert entry["path"] == "/client/v4/accounts/%s/magic/connectors/%s" % (simulator.account_id, CONNECTOR)
    assert entry["query"] == {"validate_only": "true"}
    assert entry["body"] == {"notes": "logged"}
    assert entry["status"] == 200 and entry["auth"] == "token" and entry["fault"] is None
    assert entry["headers"]["user-agent"] == "pytest-sim"
    assert simulator.requests(method="GET") == []
    assert simulator.requests(path_contains="/interrupts") == []
    assert simulator.writes() == [entry]


# (extra headers of an admin call, refused) - a web page may not reach the admin API: a browser's no-cors POST carries
# an Origin header, and a page served from a name that resolves to 127.0.0.1 (DNS rebinding) its own name as Host.
ADMIN_CALLERS = [
    ({}, False),
    ({"Host": "127.0.0.1:%(port)d"}, False),
    ({"Host": "localhost:%(port)d"}, False),
    ({"Host": "LOCALHOST"}, False),
    ({"Host": "127.0.0.2"}, False),
    ({"Host": "[::1]:%(port)d"}, False),
    ({"Origin": "https://evil.example"}, True),
    ({"Origin": "null"}, True),  # a sandboxed page, a file:// page
    ({"Origin": "http://127.0.0.1:%(port)d"}, True),  # any Origin: only tools (which send none) may use it
    ({"Host": "evil.example:%(port)d"}, True),
    ({"Host": "rebind.127.0.0.1.nip.io"}, True),
    ({"Host": "10.0.0.1"}, True),
    ({"Host": "[::1"}, True),
    ({"Host": "127.0.0.1.evil.example"}, True),
]


@pytest.mark.parametrize("headers, refused", ADMIN_CALLERS)
@pytest.mark.parametrize(
    "method, path", [("POST", "/__admin/reset"), ("GET", "/__admin/state"), ("PUT", "/__admin/faults")]
)
def test_the_admin_api_refuses_web_pages(simulator, headers, refused, method, path):
    headers = dict((name, value % {"port": simulator.port}) for name, value in headers.items())
    simulator.set_faults(latency_ms=7)
    connection = http.client.HTTPConnection("127.0.0.1", simulator.port, timeout=30)
    try:
        connection.putrequest(method, path, skip_host="Host" in headers)
        for name, value in dict(headers, **{"Content-Type": "application/json"}).items():
            connection.putheader(name, value)
        body = b"{}" if method == "PUT" else b""
        connection.putheader("Content-Length", str(len(body)))
        connection.endheaders(body)
        answer = connection.getresponse()
        text = answer.read().decode("utf-8")
    finally:
        connection.close()
    if refused:
        assert answer.status == 403, text
        assert re.match(
            r'\{"error": "the admin API refuses (requests with an Origin header|a Host header that is not a '
            r"loopback address)",
            text,
        ), text
        assert simulator.admin("GET", "faults")["latency_ms"] == 7, "a refused call changed nothing"
    else:
        assert answer.status == 200, text
