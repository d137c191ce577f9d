# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Shared pytest fixtures: the Magic API simulator as a subprocess, and a handle to drive it.

* ``simulator_server`` (session): one ``python -m simulator`` process for the whole run.
* ``simulator``: that server reset to the seed (``POST /__admin/reset``) before the test; a :class:`Simulator`.
* ``simulator_api``: a small ``requests`` client for the simulated API (read/write token by default).

This module needs only the standard library at import time (``requests`` is imported by the ``simulator_api`` fixture
alone), so that any test run can load it.
"""

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
SEED_FILE = REPO_ROOT / "simulator" / "seed.json"
START_TIMEOUT = 15.0

# The seed's constants (simulator/seed.json).
ACCOUNT_ID = "023e105f4ecef8ad9ca31a8372d0c353"
TOKEN = "sim_rw_token_for_local_demo_only_0000000"
READONLY_TOKEN = "sim_ro_token_for_local_demo_only_0000000"
EMAIL = "ops@example.com"
API_KEY = "sim0global0api0key0000000000000000000a"

WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
# Never let a proxy from the environment sit between the tests and the loopback simulator.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _http_json(method, url, body=None, timeout=30):
    data = None if body is None else json.dumps(body).encode("utf-8")
    request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            return json.loads(response.read().decode("utf-8"))
    except urllib.error.HTTPError as exc:
        raise AssertionError(
            "%s %s -> HTTP %s: %s" % (method, url, exc.code, exc.read().decode("utf-8", "replace"))
        ) from None


class SimulatorProcess:
    """A ``python -m simulator`` subprocess (cwd = the repository root), ready once its port file exists.

    ``stdout``/``stderr`` go to files in ``workdir``; :meth:`output` reads them (e.g. to prove no secret leaked).
    """

    def __init__(self, *args, workdir=None, seed=SEED_FILE, quiet=True, timeout=START_TIMEOUT):
        self.workdir = Path(workdir or tempfile.mkdtemp(prefix="magic-sim-"))
        self.port_file = self.workdir / ("port-%d" % time.monotonic_ns())
        self.stdout_path = self.port_file.with_suffix(".stdout")
        self.stderr_path = self.port_file.with_suffix(".stderr")
        command = [sys.executable, "-m", "simulator", "--port", "0", "--port-file", str(self.port_file)]
        if "--seed" not in args:
            command += ["--seed", str(seed)]
        if quiet and "--quiet" not in args:
            command.append("--quiet")
        command += [str(arg) for arg in args]
        self.command = command
        with open(self.stdout_path, "wb") as stdout, open(self.stderr_path, "wb") as stderr:
            self.process = subprocess.Popen(command, cwd=str(REPO_ROOT), stdout=stdout, stderr=stderr)  # pylint: disable=consider-using-with
        self.port = self._wait_for_port(timeout)
        self.root_url = "http://127.0.0.1:%d" % self.port
        self.base_url = self.root_url + "/client/v4"
        self.admin_url = self.root_url + "/__admin"

    def _wait_for_port(self, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    "the simulator exited with %s before listening:\n%s" % (self.process.returncode, self.output())
                )
            try:
                text = self.port_file.read_text(encoding="utf-8").strip()
            except FileNotFoundError:
                text = ""
            if text:
                return int(text)
            time.sleep(0.05)
        self.kill()
        raise RuntimeError(
            "the simulator did not write %s within %.0f s:\n%s" % (self.port_file, timeout, self.output())
        )

    def output(self):
        """Everything the process printed so far (stdout then stderr)."""
        return "".join(
            path.read_text(encoding="utf-8", errors="replace")
            for path in (self.stdout_path, self.stderr_path)
            if path.exists()
        )

    @property
    def running(self):
        return self.process.poll() is None

    def stop(self, timeout=10):
        """SIGTERM, wait; SIGKILL if it does not stop. Returns the exit code."""
        if self.running:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
        return self.process.wait()

    def kill(self):
        """SIGKILL, the way a crash or an OOM kill ends a process. Returns the exit code."""
        if self.running:
            self.process.kill()
        return self.process.wait()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.stop()


class Simulator:
    """Handle to the running simulator: its URLs, the seed's credentials and the admin API."""

    account_id = ACCOUNT_ID
    token = TOKEN
    readonly_token = READONLY_TOKEN
    email = EMAIL
    api_key = API_KEY
    seed_file = SEED_FILE

    def __init__(self, server, workdir_factory=None):
        self.server = server
        self.port = server.port
        self.base_url = server.base_url
        self.admin_url = server.admin_url
        self._workdir_factory = workdir_factory
        self._extra = []

    # -- environment for subprocesses (ansible-playbook, scripts) ------------------------------------------------

    def env(self, **overrides):
        """``os.environ`` without any ``CLOUDFLARE_*`` variable, plus CLOUDFLARE_BASE_URL, CLOUDFLARE_API_TOKEN and
        CLOUDFLARE_ACCOUNT_ID for this simulator, loopback exempt from proxies, then ``overrides`` (None removes)."""
        env = {key: value for key, value in os.environ.items() if not key.startswith("CLOUDFLARE_")}
        env.update(
            CLOUDFLARE_BASE_URL=self.base_url, CLOUDFLARE_API_TOKEN=self.token, CLOUDFLARE_ACCOUNT_ID=self.account_id
        )
        no_proxy = ",".join(
            part for part in (env.get("NO_PROXY") or env.get("no_proxy"), "127.0.0.1,localhost,::1") if part
        )
        env["NO_PROXY"] = env["no_proxy"] = no_proxy
        for key, value in overrides.items():
            if value is None:
                env.pop(key, None)
            else:
                env[key] = str(value)
        return env

    # -- admin API ---------------------------------------------------------------------------------------------

    def admin(self, method, path, body=None):
        """Call ``/__admin/<path>`` and return the decoded JSON answer."""
        return _http_json(method, "%s/%s" % (self.admin_url, path.lstrip("/")), body)

    def requests(self, method=None, path_contains=None):
        """Request log entries (oldest first), optionally only one method and/or paths containing a string."""
        entries = self.admin("GET", "requests")
        return [
            entry
            for entry in entries
            if (method is None or entry["method"] == method.upper())
            and (path_contains is None or path_contains in entry["path"])
        ]

    def writes(self):
        """Log entries of POST/PUT/PATCH/DELETE calls, whatever their query (validate_only included)."""
        return [entry for entry in self.requests() if entry["method"] in WRITE_METHODS]

    def clear_log(self):
        self.admin("DELETE", "requests")

    def state(self):
        return self.admin("GET", "state")

    def _find(self, collection, object_id):
        for account in self.state()["accounts"].values():
            if object_id in account[collection]:
                return account[collection][object_id]
        return None

    def interconnect(self, object_id):
        """The stored interconnect (``health_check.target`` = the saved value), or None."""
        return self._find("interconnects", object_id)

    def connector(self, object_id):
        """The stored connector, or None (e.g. after a delete)."""
        return self._find("connectors", object_id)

    def set_faults(self, **config):
        """Replace the whole fault configuration (keys left out = no such fault). Returns the new configuration."""
        return self.admin("PUT", "faults", config)

    def add_rule(self, **rule):
        """Append one fault rule to the current configuration. Returns the new configuration."""
        config = self.admin("GET", "faults")
        config["rules"].append(rule)
        return self.admin("PUT", "faults", config)

    def add_fleet(self, count):
        """Add ``count`` generated connectors; returns the account's connector total."""
        return self.admin("POST", "fleet", {"count": count})["connectors"]

    def reset(self):
        self.admin("POST", "reset")

    def start_extra(self, *args, **kwargs):
        """Start another simulator process with extra CLI ``args``; it is ready when this returns.

        Returns a :class:`SimulatorProcess` (``port``, ``base_url``, ``admin_url``, ``output()``, ``stop()``,
        ``kill()``); whatever still runs at the end of the test is stopped.
        """
        if "workdir" not in kwargs and self._workdir_factory is not None:
            kwargs["workdir"] = self._workdir_factory()
        process = SimulatorProcess(*args, **kwargs)
        self._extra.append(process)
        return process

    def stop_extra(self):
        for process in self._extra:
            process.stop()
        self._extra = []


class ApiClient:
    """Minimal client for the simulated API.

    ``path`` is relative to the account (``"magic/connectors"``) unless it starts with ``/`` (relative to
    ``/client/v4``, e.g. ``"/user/tokens/verify"``). ``auth`` is ``"rw"`` (default), ``"ro"``, ``"key"``,
    ``"none"`` or a dict of headers. Returns the ``requests.Response``.
    """

    def __init__(self, simulator, session):
        self.simulator = simulator
        self.session = session

    def url(self, path):
        if path.startswith("/"):
            return self.simulator.base_url + path
        return "%s/accounts/%s/%s" % (self.simulator.base_url, self.simulator.account_id, path)

    def auth_headers(self, auth):
        if isinstance(auth, dict):
            return dict(auth)
        return {
            "rw": {"Authorization": "Bearer " + self.simulator.token},
            "ro": {"Authorization": "Bearer " + self.simulator.readonly_token},
            "key": {"X-Auth-Email": self.simulator.email, "X-Auth-Key": self.simulator.api_key},
            "none": {},
        }[auth]

    def request(self, method, path, auth="rw", headers=None, timeout=10, **kwargs):
        all_headers = self.auth_headers(auth)
        all_headers.update(headers or {})
        return self.session.request(method, self.url(path), headers=all_headers, timeout=timeout, **kwargs)

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)

    def put(self, path, **kwargs):
        return self.request("PUT", path, **kwargs)

    def post(self, path, **kwargs):
        return self.request("POST", path, **kwargs)

    def patch(self, path, **kwargs):
        return self.request("PATCH", path, **kwargs)

    def delete(self, path, **kwargs):
        return self.request("DELETE", path, **kwargs)


@pytest.fixture(name="simulator_server", scope="session")
def simulator_server_fixture(tmp_path_factory):
    """One simulator process for the whole session (seed = simulator/seed.json)."""
    process = SimulatorProcess(workdir=tmp_path_factory.mktemp("simulator"))
    try:
        yield process
    finally:
        process.stop()


@pytest.fixture(name="simulator")
def simulator_fixture(simulator_server, tmp_path_factory):
    """The session's simulator, back to the seed with default faults, an empty log and fresh rate-limit counters."""
    if not simulator_server.running:
        pytest.fail(
            "the session's simulator is no longer running (exit code %s):\n%s"
            % (simulator_server.process.returncode, simulator_server.output())
        )
    handle = Simulator(simulator_server, workdir_factory=lambda: tmp_path_factory.mktemp("extra-simulator"))
    handle.reset()
    try:
        yield handle
    finally:
        handle.stop_extra()


@pytest.fixture(name="older_connector_schema")
def older_connector_schema_fixture(simulator):
    """The simulator serving the older connector form (2026-08: ``site_id`` and ``primary``), for tests about those
    two fields; the newest schema (without them) is the default and comes back with the next reset."""
    simulator.admin("PUT", "settings", {"connector_schema": "2026-08"})
    return simulator


@pytest.fixture(name="simulator_api")
def simulator_api_fixture(simulator):
    """An :class:`ApiClient` (``requests``, environment proxies ignored) for the reset simulator."""
    import requests  # pylint: disable=import-outside-toplevel

    with requests.Session() as session:
        session.trust_env = False
        yield ApiClient(simulator, session)
