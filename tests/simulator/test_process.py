# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The simulator as a process: CLI, loopback-only binding, persistence across SIGKILL, secrets in output, admin state."""

import json
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

from simulator.server import NotLoopbackError, loopback_address

CONNECTORS = [
    "711f8eedc6d84336a6f7d256ddd00fce",
    "64180894674b44869153f5fed0c2c654",
    "d5fcbf8464854891bdc163cff7831dc1",
    "32d9a8741af047e39c4a6ee61a5daaba",
    "59c6e7a1d3994ac79947d3bdc4a78c71",
    "dd54928d783446aeb068b242b1e286a1",
]
INTERCONNECT = "3d8f178ccc144d6089165dca06f11d1d"
REPO_ROOT = Path(__file__).resolve().parent.parent.parent


def session():
    client = requests.Session()
    client.trust_env = False
    return client


def url(process, simulator, suffix):
    return "%s/accounts/%s/%s" % (process.base_url, simulator.account_id, suffix)


def auth(simulator):
    return {"Authorization": "Bearer " + simulator.token}


def run_cli(*args, timeout=15):
    return subprocess.run(
        [sys.executable, "-m", "simulator", *args],
        cwd=str(REPO_ROOT),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.10", "10.0.0.1", "example.com", "127.0.0.1.nip.io", ""])
def test_refuses_non_loopback_hosts(host):
    completed = run_cli("--host", host, "--port", "0")
    assert completed.returncode == 2
    assert "loopback" in completed.stderr and "listening" not in completed.stdout


@pytest.mark.parametrize(
    "host, expected",
    [
        ("127.0.0.1", "127.0.0.1"),
        ("127.0.0.2", "127.0.0.2"),
        ("localhost", "127.0.0.1"),
        ("::1", "::1"),
        ("[::1]", "::1"),
    ],
)
def test_loopback_hosts_accepted(host, expected):
    assert loopback_address(host) == expected


def test_loopback_check_rejects_public_v6():
    with pytest.raises(NotLoopbackError):
        loopback_address("2001:db8::1")


def test_bad_seed_and_bad_flags_exit_with_a_clear_error(tmp_path):
    broken = tmp_path / "seed.json"
    broken.write_text("{", encoding="utf-8")
    completed = run_cli("--port", "0", "--seed", str(broken))
    assert completed.returncode == 2 and "cannot read" in completed.stderr
    completed = run_cli("--port", "0", "--rate-limit", "lots")
    assert completed.returncode == 2 and "rate limit must look like N/W" in completed.stderr
    completed = run_cli("--port", "0", "--error-rate", "0.7", "--drop-rate", "0.7")
    assert completed.returncode == 2 and "must not exceed 1" in completed.stderr
    completed = run_cli("--port", "0", "--interrupt-delay", "soon")
    assert completed.returncode == 2 and 'interrupt_delay must be a number of seconds or "never"' in completed.stderr
    completed = run_cli("--port", "0", "--heartbeat-interval", "-10")
    assert completed.returncode == 2 and "heartbeat_interval must be a number of seconds >= 0" in completed.stderr


@pytest.mark.parametrize("delay, expected", [("never", "never"), ("-1", "never"), ("2.5", 2.5)])
def test_cli_settings_are_the_reset_defaults(simulator, delay, expected):
    process = simulator.start_extra(
        "--interrupt-delay",
        delay,
        "--strict-devices",
        "--heartbeat-interval",
        "10",
        "--interrupt-downtime",
        "5",
        "--connector-schema",
        "2026-10",
    )
    client = session()
    defaults = {
        "interrupt_delay": expected,
        "strict_devices": True,
        "heartbeat_interval": 10.0,
        "interrupt_downtime": 5.0,
        "connector_schema": "2026-10",
    }
    assert client.get(process.admin_url + "/settings", timeout=10).json() == defaults
    changed = client.put(process.admin_url + "/settings", json={"strict_devices": False}, timeout=10).json()
    assert changed == dict(defaults, strict_devices=False)
    client.post(process.admin_url + "/reset", timeout=10)
    assert client.get(process.admin_url + "/settings", timeout=10).json() == defaults
    response = client.post(
        url(process, simulator, "magic/connectors"),
        headers=auth(simulator),
        timeout=10,
        json={"device": {"serial_number": "MWC2609Z0002"}},
    )
    assert response.status_code == 404 and "MWC2609Z0002" in response.json()["errors"][0]["message"]
    interrupts = url(process, simulator, "magic/connectors/%s/interrupts" % CONNECTORS[2])
    assert client.post(interrupts, headers=auth(simulator), json={"reboot": {}}, timeout=10).status_code == 200
    assert client.post(interrupts, headers=auth(simulator), json={"reboot": {}}, timeout=10).status_code == 409


def test_listening_line_port_file_and_clean_sigterm(simulator):
    process = simulator.start_extra()
    assert process.output().strip() == "Magic API simulator listening on %s" % process.base_url
    assert process.port_file.read_text(encoding="utf-8") == "%d\n" % process.port
    assert process.stop() == 0


def test_cli_fleet_and_fault_flags_are_the_reset_defaults(simulator):
    process = simulator.start_extra("--fleet", "1000", "--error-rate", "1", "--random-seed", "5")
    client = session()
    statuses = {
        client.get(url(process, simulator, "magic/connectors"), headers=auth(simulator), timeout=10).status_code
        for attempt in range(5)
    }
    assert statuses <= {500, 502, 503, 504}
    client.put(process.admin_url + "/faults", json={}, timeout=10)
    faults = client.get(process.admin_url + "/faults", timeout=10).json()
    assert (faults["latency_ms"], faults["error_rate"], faults["rules"]) == (0, 0, [])  # nothing slows the list down
    connectors = client.get(url(process, simulator, "magic/connectors"), headers=auth(simulator), timeout=10).json()[
        "result"
    ]
    assert len(connectors) == 1006
    assert connectors[6]["device"]["serial_number"] == "SIM-FLEET-00001" and connectors[-1]["notes"] == "fleet-01000"
    client.post(process.admin_url + "/reset", timeout=10)
    assert client.get(process.admin_url + "/faults", timeout=10).json()["error_rate"] == 1
    assert (
        len(client.get(process.admin_url + "/state", timeout=10).json()["accounts"][simulator.account_id]["connectors"])
        == 1006
    )


def test_state_file_survives_sigkill_after_acknowledged_writes(simulator, tmp_path):
    state_file = tmp_path / "state.json"
    process = simulator.start_extra("--state-file", state_file)
    assert json.loads(state_file.read_text(encoding="utf-8"))["accounts"][simulator.account_id]["connectors"]
    client = session()
    acknowledged = {}
    for index in range(30):
        connector = CONNECTORS[index % len(CONNECTORS)]
        response = client.patch(
            url(process, simulator, "magic/connectors/" + connector),
            headers=auth(simulator),
            json={"notes": "burst-%02d" % index},
            timeout=10,
        )
        assert response.status_code == 200
        acknowledged[connector] = "burst-%02d" % index
    created = client.post(
        url(process, simulator, "magic/connectors"),
        headers=auth(simulator),
        json={"device": {"serial_number": "MWC2405C0102"}, "notes": "created before the kill"},
        timeout=10,
    )
    deleted = client.delete(
        url(process, simulator, "magic/connectors/" + CONNECTORS[5]), headers=auth(simulator), timeout=10
    )
    updated = client.put(
        url(process, simulator, "magic/cf_interconnects/" + INTERCONNECT),
        headers=auth(simulator),
        json={"mtu": 1450, "bgp": {"customer_asn": 65010, "md5_key": "after-kill-key"}},
        timeout=10,
    )
    assert created.status_code == deleted.status_code == updated.status_code == 200
    assert process.kill() == -9

    state = json.loads(state_file.read_text(encoding="utf-8"))["accounts"][simulator.account_id]
    for connector, notes in acknowledged.items():
        if connector != CONNECTORS[5]:
            assert state["connectors"][connector]["notes"] == notes
    assert state["connectors"][created.json()["result"]["id"]]["notes"] == "created before the kill"
    assert CONNECTORS[5] not in state["connectors"]
    assert state["interconnects"][INTERCONNECT]["mtu"] == 1450
    assert [path.name for path in tmp_path.iterdir()] == ["state.json"]  # no temp file left behind

    # A restart on the same file serves that state.
    restarted = simulator.start_extra("--state-file", state_file)
    response = client.get(
        url(restarted, simulator, "magic/connectors/" + created.json()["result"]["id"]),
        headers=auth(simulator),
        timeout=10,
    )
    assert response.json()["result"]["notes"] == "created before the kill"


def test_sigkill_during_concurrent_writes_never_corrupts_the_state_file(simulator, tmp_path):
    state_file = tmp_path / "state.json"
    process = simulator.start_extra("--state-file", state_file)
    acknowledged = {}
    lock = threading.Lock()
    stop = threading.Event()

    def writer(connector):
        client = session()
        counter = 0
        while not stop.is_set():
            counter += 1
            notes = "%s-%d" % (connector[:6], counter)
            try:
                response = client.patch(
                    url(process, simulator, "magic/connectors/" + connector),
                    headers=auth(simulator),
                    json={"notes": notes},
                    timeout=5,
                )
            except requests.RequestException:
                return
            if response.status_code == 200:
                with lock:
                    acknowledged[connector] = counter

    threads = [threading.Thread(target=writer, args=(connector,)) for connector in CONNECTORS]
    for thread in threads:
        thread.start()
    time.sleep(0.6)
    with lock:
        process.kill()
        final = dict(acknowledged)
    stop.set()
    for thread in threads:
        thread.join(10)

    state = json.loads(state_file.read_text(encoding="utf-8"))["accounts"][simulator.account_id]
    assert len(final) == len(CONNECTORS)
    for connector, counter in final.items():
        stored = int(state["connectors"][connector]["notes"].rsplit("-", 1)[1])
        # Every acknowledged write is there; at most the write in flight at the kill went further.
        assert stored >= counter


def test_secrets_never_in_log_or_process_output(simulator):
    process = simulator.start_extra(quiet=False)
    client = session()
    md5_key = "md5-Secret-4-test"
    headers_by_style = [
        auth(simulator),
        {"X-Auth-Email": simulator.email, "X-Auth-Key": simulator.api_key},
        {"Authorization": "Bearer " + simulator.readonly_token},
    ]
    for headers in headers_by_style:
        client.put(
            url(process, simulator, "magic/cf_interconnects/" + INTERCONNECT),
            headers=headers,
            json={"bgp": {"customer_asn": 64512, "md5_key": md5_key}},
            timeout=10,
        )
    created = client.post(
        url(process, simulator, "magic/connectors"),
        headers=auth(simulator),
        json={"device": {"provision_license": True}},
        timeout=10,
    ).json()["result"]
    rekeyed = client.patch(
        url(process, simulator, "magic/connectors/" + created["id"]),
        headers=auth(simulator),
        json={"provision_license": True},
        timeout=10,
    ).json()["result"]
    # A body that is not JSON but carries a secret-looking pair, and one pretending to send a license key.
    client.put(
        url(process, simulator, "magic/cf_interconnects/" + INTERCONNECT),
        headers=auth(simulator),
        data=b'{"bgp": {"md5_key": "' + md5_key.encode() + b'", }',
        timeout=10,
    )
    client.patch(
        url(process, simulator, "magic/connectors/" + created["id"]),
        headers=auth(simulator),
        json={"license_key": "MWCL-FAKE0-FAKE0-FAKE0-FAKE0-FAKE0"},
        timeout=10,
    )
    log = client.get(process.admin_url + "/requests", timeout=10).text
    process.stop()
    output = process.output()
    secrets = [
        simulator.token,
        simulator.readonly_token,
        simulator.api_key,
        md5_key,
        created["license_key"],
        rekeyed["license_key"],
        "MWCL-FAKE0",
    ]
    for secret in secrets:
        assert secret not in log
        assert secret not in output
    assert "********" in log
    assert (
        "PUT /client/v4/accounts/%s/magic/cf_interconnects/%s -> 200" % (simulator.account_id, INTERCONNECT) in output
    )


def test_session_server_output_has_no_secrets(simulator, simulator_server, simulator_api):
    simulator_api.put(
        "magic/cf_interconnects/" + INTERCONNECT, json={"bgp": {"customer_asn": 64512, "md5_key": "shared-md5"}}
    )
    output = simulator_server.output()
    for secret in (simulator.token, simulator.readonly_token, simulator.api_key, "shared-md5"):
        assert secret not in output


def test_admin_state_replace_and_reset(simulator_api, simulator):
    state = simulator.state()
    account = state["accounts"][simulator.account_id]
    account["connectors"][CONNECTORS[0]]["notes"] = "from PUT /__admin/state"
    del account["interconnects"][INTERCONNECT]
    assert simulator.admin("PUT", "state", state) == {"ok": True}
    assert simulator_api.get("magic/connectors/" + CONNECTORS[0]).json()["result"]["notes"] == "from PUT /__admin/state"
    assert simulator_api.get("magic/cf_interconnects/" + INTERCONNECT).status_code == 404
    with pytest.raises(AssertionError, match="HTTP 400"):
        simulator.admin("PUT", "state", {"nothing": True})
    simulator.reset()
    assert simulator_api.get("magic/cf_interconnects/" + INTERCONNECT).status_code == 200
    assert simulator.requests() != [] and simulator.writes() == []


def test_concurrent_creates_are_consistent(simulator_api, simulator):
    results = []

    def create(index):
        client = session()
        response = client.post(
            "%s/accounts/%s/magic/connectors" % (simulator.base_url, simulator.account_id),
            headers=auth(simulator),
            json={"device": {"serial_number": "MWC-PAR-%02d" % (index % 4)}},
            timeout=10,
        )
        results.append(response.status_code)

    threads = [threading.Thread(target=create, args=(index,)) for index in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    # 4 distinct new serials: exactly one create each wins, the others find the device taken.
    assert sorted(results) == [200] * 4 + [409] * 12
    assert len(simulator_api.get("magic/connectors").json()["result"]) == 10
