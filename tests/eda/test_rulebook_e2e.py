# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""End to end: the real ansible-rulebook CLI runs a rulebook with the source against the simulator.

The simulator's admin API changes the account while the activation runs (heartbeats aged, a version and notes
changed, 503s and the rate-limit block injected, an interrupt left pending then run); the test asserts the events
ansible-rulebook printed, a job's view of an event, and the simulator's request log.
"""

import ast
import itertools
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent
COLLECTION = Path(__file__).resolve().parents[2]
COLLECTIONS_ROOT = COLLECTION.parents[2]  # the folder that holds ansible_collections/
INTERVAL = 2
SITES_EVERY = 3
BERLIN_PRIMARY, BERLIN_SECONDARY = "711f8eedc6d84336a6f7d256ddd00fce", "64180894674b44869153f5fed0c2c654"
NEW_YORK, TOKYO = "d5fcbf8464854891bdc163cff7831dc1", "59c6e7a1d3994ac79947d3bdc4a78c71"
WAIT = 90  # seconds an expected event may take at most on a busy machine (a bound, never asserted as a timing)

RULEBOOK = """\
---
- name: connector events end to end
  hosts: all
  match_multiple_rules: true
  sources:
    - name: connectors
      cloudflare.magic_transit.connector_events:
        interval: {interval}
        offline_after: 3600
        sites_every: {sites_every}
        max_retries: 0
        max_retry_wait: 1
  rules:
    - name: print every event
      condition: event.type is defined
      action:
        print_event: {{}}
    - name: a job sees the event as ansible_eda.event
      condition: event.type == "config_changed"
      action:
        run_playbook:
          name: {playbook}
"""

PLAYBOOK = """\
---
- name: what a job templates from the event
  hosts: all
  gather_facts: false
  tasks:
    - name: write the notes as the job sees them
      ansible.builtin.copy:
        content: "{{{{ ansible_eda.event.connector.notes }}}}"
        dest: {dest}
        mode: "0600"
"""


class Activation:
    """An ansible-rulebook process; ``events()`` parses the events print_event wrote (one Python dict per line)."""

    def __init__(self, tmp_path, env):
        self.out = tmp_path / "rulebook.out"
        rulebook = tmp_path / "rulebook.yml"
        playbook = tmp_path / "job.yml"
        self.notes_file = tmp_path / "notes-seen-by-the-job.txt"
        playbook.write_text(PLAYBOOK.format(dest=self.notes_file), encoding="utf-8")
        rulebook.write_text(
            RULEBOOK.format(interval=INTERVAL, sites_every=SITES_EVERY, playbook=playbook), encoding="utf-8"
        )
        # The job runs on the hosts of the event's meta.hosts: Tokyo's host (named by its id: its virtual device
        # has no serial number in the seed) is there, as the connectors inventory plugin would name it.
        (tmp_path / "inventory.yml").write_text(
            "all:\n  hosts:\n    %s:\n      ansible_connection: local\n"
            "      ansible_python_interpreter: %s\n" % (TOKYO, sys.executable),
            encoding="utf-8",
        )
        env = dict(
            env,
            ANSIBLE_COLLECTIONS_PATH=str(COLLECTIONS_ROOT),
            PATH="%s:%s" % (BIN, env.get("PATH", "")),
            ANSIBLE_LOCAL_TEMP=str(tmp_path / "ansible-tmp"),
        )
        with open(self.out, "wb") as out:
            self.process = subprocess.Popen(  # pylint: disable=consider-using-with
                [
                    str(BIN / "ansible-rulebook"),
                    "--rulebook",
                    str(rulebook),
                    "--inventory",
                    str(tmp_path / "inventory.yml"),
                    "--verbose",
                ],
                cwd=str(tmp_path),
                stdout=out,
                stderr=subprocess.STDOUT,
                env=env,
                start_new_session=True,
            )

    def output(self):
        return self.out.read_text(encoding="utf-8", errors="replace")

    def events(self):
        found = []
        for line in self.output().splitlines():
            if line.startswith("{") and "'type': " in line:
                event = ast.literal_eval(line)
                if isinstance(event, dict) and "type" in event:
                    found.append(event)
        return found

    def wait_for(self, predicate, what):
        deadline = time.monotonic() + WAIT
        while time.monotonic() < deadline:
            matching = [e for e in self.events() if predicate(e)]
            if matching:
                return matching
            if self.process.poll() is not None:
                break
            time.sleep(0.5)
        pytest.fail(
            "no %s event; ansible-rulebook (exit %s) printed:\n%s" % (what, self.process.poll(), self.output()[-6000:])
        )

    def stop(self):
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def change_state(simulator, change):
    """Apply ``change(account)`` to the simulator's stored state (GET, edit, PUT)."""
    state = simulator.state()
    change(state["accounts"][simulator.account_id])
    simulator.admin("PUT", "state", state)


def heartbeat(connector_id, seconds_ago):
    def change(account):
        account["connectors"][connector_id]["last_heartbeat"] = {"seconds_ago": seconds_ago}

    return change


def of(kind, host=None, **fields):
    def predicate(event):
        return (
            event["type"] == kind
            and (host is None or event.get("host") == host)
            and all(event.get(k) == v for k, v in fields.items())
        )

    return predicate


@pytest.fixture(name="activation")
def activation_fixture(simulator, tmp_path):
    simulator.admin("PUT", "settings", {"interrupt_delay": "never"})
    # New York has been silent for two hours before the activation starts: said at start (emit_initial_state).
    change_state(simulator, heartbeat(NEW_YORK, 7200))
    simulator.clear_log()
    running = Activation(tmp_path, simulator.env())
    try:
        yield running
    finally:
        running.stop()


def test_the_source_in_ansible_rulebook_against_the_simulator(simulator, simulator_api, activation):
    names = dict(
        (c["id"], (c["device"].get("serial_number") or c["id"]))
        for c in simulator_api.get("/accounts/%s/magic/connectors" % simulator.account_id).json()["result"]
    )

    # 1. the state at start: New York offline, confirmed over the first two polls
    (initial,) = activation.wait_for(of("offline", names[NEW_YORK]), "initial offline")
    assert initial["initial"] is True and initial["age_s"] >= 7200 and initial["meta"]["hosts"] == [names[NEW_YORK]]
    assert initial["site"]["name"] == "nyc-dc-02"

    # 2. an interrupt waits for the offline appliance; it is seen pending at a sites refresh, then runs
    looked = len(simulator.requests("GET", "/%s/interrupts" % NEW_YORK))
    assert (
        simulator_api.post(
            "/accounts/%s/magic/connectors/%s/interrupts" % (simulator.account_id, NEW_YORK),
            json={"reboot": {"purge": False}},
        ).status_code
        == 200
    )
    deadline = time.monotonic() + WAIT
    while len(simulator.requests("GET", "/%s/interrupts" % NEW_YORK)) <= looked and time.monotonic() < deadline:
        time.sleep(0.5)
    simulator.admin("PUT", "settings", {"interrupt_delay": 0})
    (done,) = activation.wait_for(of("interrupt_done", names[NEW_YORK]), "interrupt_done")
    assert done["action"] == "reboot" and done["triggered_at"]

    # 3. both Berlin members go silent: each goes offline, and the HA site is down
    change_state(simulator, lambda account: [heartbeat(c, 7200)(account) for c in (BERLIN_PRIMARY, BERLIN_SECONDARY)])
    (pair,) = activation.wait_for(of("ha_pair_down"), "ha_pair_down")
    assert pair["site"]["name"] == "ber-branch-01" and pair["previous"] == "ok"
    assert sorted(pair["meta"]["hosts"]) == sorted([names[BERLIN_PRIMARY], names[BERLIN_SECONDARY]])
    for member in (BERLIN_PRIMARY, BERLIN_SECONDARY):
        assert [e for e in activation.events() if of("offline", names[member], initial=False)(e)]

    # 4. Tokyo upgrades and someone writes a template into its notes in the dashboard
    def upgrade(account):
        account["connectors"][TOKYO]["last_seen_version"] = "2099.1.0"
        account["connectors"][TOKYO]["notes"] = "{{ 6 * 7 }} tyo-store-114"

    change_state(simulator, upgrade)
    (version,) = activation.wait_for(of("version_changed", names[TOKYO]), "version_changed")
    assert version["to"] == "2099.1.0" and version["in_window"] in (True, False)
    (config,) = activation.wait_for(of("config_changed", names[TOKYO]), "config_changed")
    assert config["changes"]["notes"]["after"] == "{ { 6 * 7 }} tyo-store-114"
    assert config["neutralised"] == ["connector.notes", "changes.notes.after"]
    deadline = time.monotonic() + WAIT
    while not activation.notes_file.exists() and time.monotonic() < deadline:
        time.sleep(0.5)
    # the job templated ansible_eda.event: the notes arrive as text, never evaluated
    assert activation.notes_file.read_text(encoding="utf-8") == "{ { 6 * 7 }} tyo-store-114"

    # 5. two 503s in a row, then the account-wide rate-limit block: each outage said once, and recovered from
    simulator.add_rule(match={"method": "GET", "path": "/magic/connectors$"}, times=2, action="status", status=503)
    activation.wait_for(of("source_recovered", failed_polls=2), "source_recovered after the 503s")
    # the simulator's account-wide block: more than one call in 4 s refuses every call of the account for 4 s
    simulator.set_faults(rate_limit={"requests": 1, "window": 4})
    (blocked,) = activation.wait_for(of("source_degraded", status=429), "source_degraded by the block")
    assert 0 < blocked["retry_after"] <= 4
    simulator.set_faults()  # the block ends
    activation.wait_for(
        lambda e: e["type"] == "source_recovered" and e["at"] >= blocked["at"], "source_recovered after the block"
    )
    assert activation.process.poll() is None, "the activation stopped:\n" + activation.output()[-4000:]

    events = activation.events()
    degraded = [e for e in events if e["type"] == "source_degraded"]
    assert [e["status"] for e in degraded] == [503, 429]
    # transitions only: no event twice (but for the two outages of the source)
    said = [(e["type"], e.get("host"), e.get("initial")) for e in events if not e["type"].startswith("source_")]
    assert len(said) == len(set(said)), said
    assert not [e for e in events if e.get("host") == names[BERLIN_PRIMARY] and e["type"] == "online"]

    # The request log: one connectors list per poll, never two within an interval (the source sleeps the rest of
    # its interval after each poll: a lower bound the machine's load cannot shorten), the sites every 3 polls, and
    # interrupts only of the connectors that went offline (never of the whole estate).
    lists = simulator.requests("GET", "/magic/connectors")
    lists = [e for e in lists if e["path"].endswith("/magic/connectors")]
    assert len(lists) >= 10
    times = [time_of(e) for e in lists]
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert min(gaps) >= INTERVAL * 0.8, gaps
    sites = simulator.requests("GET", "/magic/sites")
    successful_polls = len([e for e in lists if e["status"] == 200])
    assert abs(len(sites) - successful_polls / SITES_EVERY) <= 2
    interrupts = simulator.requests("GET", "/interrupts")
    offline = (NEW_YORK, BERLIN_PRIMARY, BERLIN_SECONDARY)
    assert {e["path"].split("/")[-2] for e in interrupts} == set(offline)
    assert not simulator.writes()[1:], "the source never writes (the one POST is the test's interrupt)"
    # nothing secret was printed
    assert simulator.token not in activation.output()

    # meta.hosts names the hosts the connectors inventory plugin makes of the same account
    source = activation.out.parent / "estate.connectors.yml"
    source.write_text("plugin: cloudflare.magic_transit.connectors\n", encoding="utf-8")
    listed = subprocess.run(
        [str(BIN / "ansible-inventory"), "-i", str(source), "--list"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=dict(
            simulator.env(),
            ANSIBLE_COLLECTIONS_PATH=str(COLLECTIONS_ROOT),
            ANSIBLE_INVENTORY_ENABLED="cloudflare.magic_transit.connectors",
        ),
    )
    assert listed.returncode == 0, listed.stderr
    inventory_hosts = set(json.loads(listed.stdout)["_meta"]["hostvars"])
    named = {host for e in events for host in e["meta"]["hosts"]}
    assert named and named <= inventory_hosts, (named, inventory_hosts)


def time_of(entry):
    import datetime  # pylint: disable=import-outside-toplevel

    return datetime.datetime.fromisoformat(entry["time"].replace("Z", "+00:00")).timestamp()
