# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Property tests: whatever JSON a client sends, the simulator answers a well-formed envelope, never a 5xx,
and a refused or validate_only write changes nothing.

Hypothesis is in the Python 3.12 development venv; only the Python 3.11 compat venv lacks it and skips this module.
"""

import sys

import pytest

try:
    from hypothesis import HealthCheck, given, settings, strategies as st
except ImportError:  # pragma: no cover - only in the 3.11 compat venv
    if sys.version_info >= (3, 12):
        raise
    pytest.skip(
        "hypothesis is only installed in the Python 3.12 development venv, not in the Python %d.%d compat venv"
        % sys.version_info[:2],
        allow_module_level=True,
    )

INTERCONNECT = "3d8f178ccc144d6089165dca06f11d1d"
CONNECTOR = "711f8eedc6d84336a6f7d256ddd00fce"
SETTINGS = settings(
    max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)

SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-10, 5000000000),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(
        [
            "",
            "low",
            "bidirectional",
            "10.212.0.8/31",
            "2606:54c1:7:0:a9fe:12d2:1:a00/127",
            "Europe/Berlin",
            "Monday",
            "2026-12-24",
            "203.0.113.0/24",
            "x" * 3000,
        ]
    ),
)
KEYS = st.sampled_from(["", "a", "mtu", "saved", "\u00fc", "k" * 40])
JSON = st.recursive(
    SCALARS,
    lambda children: st.one_of(st.lists(children, max_size=4), st.dictionaries(KEYS, children, max_size=4)),
    max_leaves=12,
)
INTERCONNECT_KEYS = st.sampled_from(
    [
        "name",
        "description",
        "mtu",
        "interface_address",
        "interface_address6",
        "gre",
        "bgp",
        "health_check",
        "automatic_return_routing",
        "id",
        "version",
    ]
)
NESTED_KEYS = st.sampled_from(
    [
        "rate",
        "type",
        "direction",
        "target",
        "source",
        "enabled",
        "customer_asn",
        "extra_prefixes",
        "md5_key",
        "cloudflare_endpoint",
        "saved",
        "as_no",
    ]
)
CONNECTOR_KEYS = st.sampled_from(
    [
        "activated",
        "notes",
        "timezone",
        "interrupt_window_hour_of_day",
        "interrupt_window_duration_hours",
        "interrupt_window_days_of_week",
        "interrupt_window_embargo_dates",
        "primary",
        "device",
        "provision_license",
        "license_key",
    ]
)


def bodies(top_keys):
    nested = st.one_of(JSON, st.dictionaries(NESTED_KEYS, JSON, max_size=4))
    return st.one_of(JSON, st.dictionaries(top_keys, nested, max_size=5))


def assert_envelope(response):
    assert response.status_code in (200, 400, 404, 409), response.text
    body = response.json()
    assert set(body) == {"success", "errors", "messages", "result"}
    assert body["success"] is (response.status_code == 200)
    if not body["success"]:
        assert body["result"] is None and body["errors"]
        assert all(isinstance(error["code"], int) and error["message"] for error in body["errors"])
    return body


@SETTINGS
@given(body=bodies(INTERCONNECT_KEYS))
def test_interconnect_update_never_breaks(simulator, simulator_api, body):
    before = simulator.interconnect(INTERCONNECT)
    dry = assert_envelope(
        simulator_api.put("magic/cf_interconnects/" + INTERCONNECT, json=body, params={"validate_only": "true"})
    )
    assert simulator.interconnect(INTERCONNECT) == before
    real = assert_envelope(simulator_api.put("magic/cf_interconnects/" + INTERCONNECT, json=body))
    assert dry["success"] == real["success"]
    if not real["success"]:
        assert dry["errors"] == real["errors"]
        assert simulator.interconnect(INTERCONNECT) == before
    simulator.reset()


@SETTINGS
@given(body=bodies(CONNECTOR_KEYS), method=st.sampled_from(["PATCH", "PUT", "POST"]))
def test_connector_writes_never_break(simulator, simulator_api, body, method):
    before = simulator.state()
    path = "magic/connectors" if method == "POST" else "magic/connectors/" + CONNECTOR
    answer = assert_envelope(simulator_api.request(method, path, json=body))
    if not answer["success"]:
        assert simulator.state() == before
    simulator.reset()
