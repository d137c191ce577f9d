#!/usr/bin/env python
# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""make bench: what fleet maintenance windows cost, against the simulator with Cloudflare's rate limit.

A benchmark, not a test: it prints numbers (and writes docs/performance.md) and never fails on time.

    hack/bench.py COLLECTION_TREE COLLECTIONS_PATH OUTPUT_MARKDOWN

1. the maintenance_window role over 1000 connectors, 300 of which need a change (25 ms per request,
   1200 requests / 300 s);  2. the same run again;  3. the same change with a magic_connector loop and
4. with an ansible.builtin.uri GET+PATCH loop, on a 200-connector slice (60 to change) with the rate limit
   scaled to the slice (240 / 300 s);  5. one magic_connector task against one uri task, alternating;
6. a fleet change bigger than one budget window (300 changes at 120 requests per 30 s, Cloudflare's rate scaled
   down ten times), alone and with another consumer spending a third of the budget;  7. onboarding 200
   connectors with one magic_connectors task against a magic_connector loop.
Their own sections: a rolling reboot of 100 HA stores (``hack/bench.py ... rolling`` runs only it), and Magic WAN
sites (hack/bench_sites.py; ``... sites`` runs only it): 400 stores in one magic_sites task, 40 changed, the re-run;
and the branch role (hack/bench_branch.py; ``... branch`` runs only it): 20 stores opened from nothing, the re-run.
"""

from __future__ import annotations

import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from perfdoc import write_section

HERE = Path(__file__).resolve().parent / "bench"
ACCOUNT = "023e105f4ecef8ad9ca31a8372d0c353"
TOKEN = "sim_rw_token_for_local_demo_only_0000000"
FLEET, SLICE, SHARE_TO_CHANGE = 1000, 200, 0.3
WINDOW = dict(
    interrupt_window_days_of_week=["Sunday", "Saturday"],
    interrupt_window_hour_of_day=1,
    interrupt_window_duration_hours=4,
)


class Simulator:
    def __init__(self, tree, workdir):
        port_file = Path(workdir) / "port"
        seed_count = len(json.loads((Path(tree) / "simulator/seed.json").read_text())["accounts"][0]["connectors"])
        self.process = subprocess.Popen(  # pylint: disable=consider-using-with
            [
                sys.executable,
                "-m",
                "simulator",
                "--port",
                "0",
                "--port-file",
                str(port_file),
                "--quiet",
                "--seed",
                "simulator/seed.json",
                "--fleet",
                str(FLEET - seed_count),
            ],
            cwd=tree,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while not port_file.exists() or not port_file.read_text().strip():
            if time.monotonic() > deadline or self.process.poll() is not None:
                raise SystemExit("bench: the simulator did not start")
            time.sleep(0.1)
        self.root = "http://127.0.0.1:%s" % port_file.read_text().strip()

    def admin(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(
            self.root + "/__admin" + path, data=data, method=method, headers={"Content-Type": "application/json"}
        )
        with urllib.request.urlopen(request, timeout=60) as answer:
            text = answer.read()
        return json.loads(text) if text else None

    def prepare(self, count, rate_limit):
        """Fresh state in which ``count`` connectors exist to work on and 30 % of them need the window."""
        self.admin("POST", "/reset")
        self.admin("PUT", "/faults", dict(latency_ms=25, **({"rate_limit": rate_limit} if rate_limit else {})))
        state = self.admin("GET", "/state")
        connectors = list(state["accounts"][ACCOUNT]["connectors"].values())
        for index, connector in enumerate(connectors):
            connector.update(WINDOW)
            if connector.get("primary") is False:
                # The role plans an HA site's secondary one duration after its primary.
                connector["interrupt_window_hour_of_day"] = (
                    WINDOW["interrupt_window_hour_of_day"] + WINDOW["interrupt_window_duration_hours"]
                )
            if index < count and index % 10 < SHARE_TO_CHANGE * 10:
                connector["interrupt_window_hour_of_day"] = 0
        self.admin("PUT", "/state", state)
        self.admin("DELETE", "/requests")
        return [c["id"] for c in connectors[:count]]

    def calls(self):
        """The calls since the last count, by kind; the log starts empty again."""
        log = self.admin("GET", "/requests")
        self.admin("DELETE", "/requests")
        entries = log["requests"] if isinstance(log, dict) else log
        count = {"GET": 0, "PATCH": 0, "POST": 0, "429": 0}
        for entry in entries:
            if entry.get("status") == 429:
                count["429"] += 1
            elif entry["method"] in count:
                count[entry["method"]] += 1
        return count

    def stop(self):
        self.process.terminate()
        self.process.wait(10)


def playbook(name, env, extra_vars=None):
    command = [
        str(Path(sys.executable).parent / "ansible-playbook"),
        "-i",
        str(HERE / "inventory.yml"),
        str(HERE / name),
    ]
    if extra_vars:
        # a string is passed as is: "@file.json" for entries longer than one command-line argument may be
        command += ["-e", extra_vars if isinstance(extra_vars, str) else json.dumps(extra_vars)]
    started = time.monotonic()
    run = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    return time.monotonic() - started, run


def start(tree, collections_path):
    """A simulator, and the environment of the playbooks run against it."""
    workdir = tempfile.mkdtemp(prefix="bench-")
    simulator = Simulator(tree, workdir)
    env = dict(
        os.environ,
        ANSIBLE_COLLECTIONS_PATH=collections_path,
        ANSIBLE_HOME=os.path.join(workdir, "home"),
        ANSIBLE_NOCOLOR="1",
        CLOUDFLARE_BASE_URL=simulator.root + "/client/v4",
        CLOUDFLARE_API_TOKEN=TOKEN,
        CLOUDFLARE_ACCOUNT_ID=ACCOUNT,
    )
    return simulator, env


def main(tree, collections_path, output):
    simulator, env = start(tree, collections_path)
    rows = []
    try:
        full = {"requests": 1200, "window": 300}
        simulator.prepare(FLEET, full)
        for label in (
            "1. maintenance_window role, 1000 connectors, 300 to change",
            "2. the same run again (nothing to change)",
        ):
            seconds, run = playbook("role.yml", env)
            rows.append(row(label, FLEET, seconds, simulator.calls(), run))

        scaled = {"requests": int(1200 * SLICE / FLEET), "window": 300}
        for label, name in (
            ("3. magic_connector loop, 200-connector slice, 60 to change", "connector_loop.yml"),
            ("4. ansible.builtin.uri GET+PATCH loop, same slice", "uri_loop.yml"),
        ):
            ids = simulator.prepare(SLICE, scaled)
            seconds, run = playbook(name, env, {"connector_ids": ids})
            rows.append(row(label, SLICE, seconds, simulator.calls(), run))

        paced = paced_rows(simulator, env)
        onboarding = onboarding_rows(simulator, env)

        ids = simulator.prepare(1, None)
        timezone = simulator.admin("GET", "/state")["accounts"][ACCOUNT]["connectors"][ids[0]]["timezone"]
        seconds, run = playbook(
            "per_task.yml", env, {"rounds": 10, "connector_id": ids[0], "connector_timezone": timezone}
        )
        per_task = json.loads(re.search(r"PER_TASK (\{.*\})", run.stdout.replace('\\"', '"')).group(1))
    finally:
        simulator.stop()

    module_s, uri_s = statistics.median(map(float, per_task["module"])), statistics.median(map(float, per_task["uri"]))
    run1, run4 = rows[0], rows[3]
    lines = [
        "# Performance: fleet maintenance windows",
        "",
        "Measured by `make bench` on %s (%d cores), %s, against the Magic API simulator with 25 ms latency per request "
        "and Cloudflare's rate limit (1200 requests per 300 s; scaled to %d per 300 s for the 200-connector slice of "
        "runs 3 and 4). Wall time includes Ansible's start-up. Numbers from one run on a shared machine: compare "
        "ratios, not seconds." % (os.uname().nodename, os.cpu_count(), time.strftime("%Y-%m-%d"), scaled["requests"]),
        "",
        "| run | connectors | wall time (s) | per connector (ms) | list/GET calls | PATCH calls | 429 answers | failed items |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            "| %s | %d | %.1f | %.1f | %d | %d | %d | %d |"
            % (
                r["label"],
                r["connectors"],
                r["seconds"],
                r["per_connector_ms"],
                r["GET"],
                r["PATCH"],
                r["429"],
                r["failed"],
            )
        )
    lines += [
        "",
        "5. Per-task cost, median of 10 alternating rounds: one `magic_connector` task %.3f s, one `ansible.builtin.uri` "
        "task %.3f s, ratio **%.2f** (target <= 1.2)." % (module_s, uri_s, module_s / uri_s),
        "",
        "Targets: run 1 at most 303 calls (a list, a PATCH per connector, the list that checks the writes) and no 429 "
        "(%d calls, %d x 429); run 2 at most 2 calls and no write "
        "(%d calls, %d writes); run 1's time per connector at most 0.1 x run 4's (%.3f)."
        % (
            run1["GET"] + run1["PATCH"],
            run1["429"],
            rows[1]["GET"] + rows[1]["PATCH"],
            rows[1]["PATCH"],
            run1["per_connector_ms"] / run4["per_connector_ms"],
        ),
    ]
    lines += [
        "",
        "6. A fleet change bigger than one budget window: 300 connectors to change against 120 requests per 30 s "
        "(Cloudflare's 1200 per 300 s scaled down ten times, same rate), the simulator counting a sliding window. "
        "The floor is the time the rate limit alone imposes on the run's requests (with a steady consumer, on the two "
        "thirds of the budget left to it; after a burst, on what the burst leaves until it leaves the window). "
        "Targets: no 429, wall time / floor <= 1.15.",
        "",
        "| run | requests | 429 answers | pauses | wall time (s) | floor (s) | wall / floor |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in paced:
        lines.append(
            "| %s | %d | %d | %d | %.1f | %.0f | **%.2f** |"
            % (r["label"], r["requests"], r["429"], r["pauses"], r["seconds"], r["floor"], r["seconds"] / r["floor"])
        )
    lines += [
        "",
        "7. Onboarding 200 new connectors (25 ms per request, 1200 requests per 300 s):",
        "",
        "| run | API calls | POST calls | 429 answers | wall time (s) |",
        "|---|---|---|---|---|",
    ]
    for r in onboarding:
        lines.append(
            "| %s | %d | %d | %d | %.1f |" % (r["label"], r["GET"] + r["POST"], r["POST"], r["429"], r["seconds"])
        )
    text = "\n".join(lines) + "\n"
    write_section(output, "bench (hack/bench.py)", text)
    print(text)


PACED_COUNT, PACED_LIMIT, PACED_WINDOW = 300, 120, 30


def paced_floor(requests, burst=0, steady=0):
    """The time the rate limit alone imposes on ``requests`` calls, sliding window: ``burst`` calls of another consumer
    just before the run leave the window one window later; ``steady`` calls of another consumer are always in it."""
    share, sent, windows = PACED_LIMIT - burst - steady, 0, 0
    while sent + share < requests:
        sent += share
        share, windows = PACED_LIMIT - steady, windows + 1
    return windows * PACED_WINDOW


def paced_rows(simulator, env):
    """Row 6: 300 changes against 120 requests per 30 s: alone, with another consumer spending a third of the budget
    steadily, and with one that spent a third in a burst just before the run."""
    rows = []
    for label, other in (
        ("6a. alone", None),
        ("6b. another consumer spends 40 per 30 s, steadily", {"requests": 40, "window": 30}),
        ("6c. another consumer spent 40 in a burst just before", {"requests": 40, "window": 30, "mode": "burst"}),
    ):
        ids = simulator.prepare(PACED_COUNT, None)
        limit = {"requests": PACED_LIMIT, "window": PACED_WINDOW}
        simulator.admin(
            "PUT", "/faults", dict(latency_ms=25, rate_limit=limit, **({"other_consumer": other} if other else {}))
        )
        entries = [dict(id=i, notes="paced change %d" % n) for n, i in enumerate(ids)]
        seconds, run = playbook("fleet.yml", env, {"entries": entries})
        calls = simulator.calls()
        if run.returncode != 0:
            print(run.stdout[-3000:] + run.stderr[-3000:], file=sys.stderr)
            raise SystemExit("bench: %s failed (exit code %d)" % (label, run.returncode))
        pacing = json.loads(re.search(r"PACING (\{.*\})", run.stdout.replace('\\"', '"')).group(1))
        requests = calls["GET"] + calls["PATCH"]
        burst = other["requests"] if other and other.get("mode") == "burst" else 0
        steady = other["requests"] if other and not burst else 0
        floor = paced_floor(requests, burst, steady)
        rows.append(
            dict(
                label=label,
                requests=requests,
                pauses=pacing["pauses"],
                seconds=seconds,
                floor=floor,
                lines=pacing["lines"],
                **{"429": calls["429"]},
            )
        )
    return rows


def onboarding_rows(simulator, env):
    """Row 7: 200 new connectors, one magic_connectors task against a magic_connector loop."""
    rows = []
    for label, name in (
        ("7a. one magic_connectors task (create_missing)", "fleet.yml"),
        ("7b. magic_connector loop", "onboard_loop.yml"),
    ):
        simulator.prepare(0, {"requests": 1200, "window": 300})
        serials = ["BENCH-NEW-%04d" % n for n in range(1, 201)]
        extra = (
            {"serials": serials}
            if name == "onboard_loop.yml"
            else {
                "create_missing": True,
                "entries": [
                    dict(device_serial_number=s, notes="store %s" % s, timezone="Europe/Berlin") for s in serials
                ],
            }
        )
        seconds, run = playbook(name, env, extra)
        rows.append(row(label, 200, seconds, simulator.calls(), run))
    return rows


def row(label, connectors, seconds, calls, run):
    failed = len(re.findall(r"^failed: \[localhost\] \(item=", run.stdout, re.MULTILINE))
    if run.returncode != 0 and not failed:
        print(run.stdout[-3000:] + run.stderr[-3000:], file=sys.stderr)
        raise SystemExit("bench: %s failed (exit code %d)" % (label, run.returncode))
    return dict(
        label=label,
        connectors=connectors,
        seconds=seconds,
        per_connector_ms=1000 * seconds / connectors,
        failed=failed,
        **calls,
    )


ROLLING_STORES, ROLLING_BATCH, ROLLING_POLL = 100, 10, 1
ROLLING_APPLIANCES = dict(heartbeat_interval=1, interrupt_delay=2, interrupt_downtime=4)


def rolling_section(tree, collections_path, output):
    """A rolling reboot of 100 HA stores (200 connectors) of the 1000-connector estate, 10 stores at a time, through the
    rolling_interrupt role: API calls per member, and wall time against the floor the appliances' delays set."""
    simulator, env = start(tree, collections_path)
    try:
        simulator.admin("PUT", "/faults", dict(latency_ms=25))
        simulator.admin("PUT", "/settings", ROLLING_APPLIANCES)
        for connector_id, entry in simulator.admin("GET", "/heartbeats")["accounts"][ACCOUNT].items():
            if not entry["online"]:  # every tenth fleet connector is silent for days: all 100 stores should run
                simulator.admin("PUT", "/connectors/%s/online" % connector_id)
        simulator.admin("DELETE", "/requests")
        stores = ["fleet-site-%05d" % n for n in range(1, ROLLING_STORES + 1)]
        seconds, run = playbook(
            "rolling.yml",
            env,
            dict(
                rolling_interrupt_stores=stores,
                rolling_interrupt_batch=ROLLING_BATCH,
                rolling_interrupt_poll_interval=ROLLING_POLL,
                rolling_interrupt_heartbeat_max_age=5,
                rolling_interrupt_member_timeout=60,
            ),
        )
        calls = simulator.calls()
    finally:
        simulator.stop()
    if run.returncode != 0:
        print(run.stdout[-3000:] + run.stderr[-3000:], file=sys.stderr)
        raise SystemExit("bench: the rolling reboot failed (exit code %d)" % run.returncode)
    numbers = json.loads(re.search(r"ROLLING (\{.*\})", run.stdout.replace('\\"', '"')).group(1))
    members = 2 * numbers["counts"].get("done", 0)
    per_member = ROLLING_APPLIANCES["interrupt_delay"] + ROLLING_APPLIANCES["interrupt_downtime"]
    delays_floor = (ROLLING_STORES // ROLLING_BATCH) * 2 * per_member
    # Cloudflare's budget (1200 per 300 s, which the simulator announces): each further 1200 calls wait a window; the
    # run keeps up to 5 calls in hand (a submission's 3 and a reserve of 2).
    budget_floor = ((calls["GET"] + calls["POST"] + 5 - 1) // 1200) * 300
    floor = max(delays_floor, budget_floor)
    text = (
        "\n".join(
            [
                "# Performance: a rolling reboot of 100 stores",
                "",
                "Measured by `make bench` (`hack/bench.py ... rolling` alone) on %s (%d cores), %s: the `rolling_interrupt` role "
                "reboots 100 HA stores (200 connectors) of the simulator's 1000-connector estate, %d stores at a time, polling "
                "every %d s, with 25 ms latency per request. Appliances scaled down in time: a heartbeat every %d s, an "
                "interrupt runs %d s after its POST, a reboot keeps the appliance away %d s. Wall time includes Ansible's "
                "start-up. One run on a shared machine."
                % (
                    os.uname().nodename,
                    os.cpu_count(),
                    time.strftime("%Y-%m-%d"),
                    ROLLING_BATCH,
                    ROLLING_POLL,
                    ROLLING_APPLIANCES["heartbeat_interval"],
                    ROLLING_APPLIANCES["interrupt_delay"],
                    ROLLING_APPLIANCES["interrupt_downtime"],
                ),
                "",
                "| stores done | members rebooted | GET calls | POST calls | calls per member | polls | rate-limit pauses (s) | "
                "away per member, median (s) | wall time (s) | floor: delays / budget (s) | wall / floor |",
                "|---|---|---|---|---|---|---|---|---|---|---|",
                "| %d | %d | %d | %d | **%.1f** | %d | %.1f | %.1f | %.1f | %d / %d | **%.2f** |"
                % (
                    numbers["counts"].get("done", 0),
                    members,
                    calls["GET"],
                    calls["POST"],
                    (calls["GET"] + calls["POST"]) / max(members, 1),
                    numbers["polls"],
                    numbers["paused_s"],
                    statistics.median([a for a in numbers["away"] if a is not None] or [0]),
                    seconds,
                    delays_floor,
                    budget_floor,
                    seconds / floor,
                ),
                "",
                "The floor is the larger of two. The delays: in each of the %d batches the stores run side by side, each store's "
                "two members one after the other, each at least %d s (the interrupt's delay, then the reboot). The budget: "
                "Cloudflare's 1200 requests per 300 s (announced by the simulator, and kept by the run, which pauses rather "
                "than exceed it), each further 1200 calls waiting one window. Per member the "
                "run needs 3 calls to submit (the connector, its interrupts, the POST), one read of the peer's interrupts per "
                "store, one interrupts read per poll until `triggered_at`, and a share of the one connectors list per poll "
                "that serves every member in flight. With Cloudflare's appliances (a heartbeat every 10 s, reboots of minutes) "
                "and the default 5 s poll, the same calls spread over far more time, and the delays are the floor: for 400 "
                "HA stores, 10 at a time with reboots of 2 minutes, about 160 minutes of delays against 20 minutes of "
                "budget." % (ROLLING_STORES // ROLLING_BATCH, per_member),
            ]
        )
        + "\n"
    )
    write_section(output, "bench rolling reboot (hack/bench.py)", text)
    print(text)


if __name__ == "__main__":
    import bench_branch  # pylint: disable=wrong-import-position  # it uses this file's helpers: imported after them
    import bench_export  # pylint: disable=wrong-import-position  # it uses this file's helpers: imported after them
    import bench_sites  # pylint: disable=wrong-import-position  # it uses this file's helpers: imported after them

    scenario = sys.argv[4:5]
    if scenario == ["rolling"]:
        rolling_section(*sys.argv[1:4])
    elif scenario == ["sites"]:
        bench_sites.main(*sys.argv[1:4])
    elif scenario == ["branch"]:
        bench_branch.main(*sys.argv[1:4])
    elif scenario == ["export"]:
        bench_export.main(*sys.argv[1:4])
    else:
        main(*sys.argv[1:4])
        rolling_section(*sys.argv[1:4])
        bench_sites.main(*sys.argv[1:4])
        bench_branch.main(*sys.argv[1:4])
        bench_export.main(*sys.argv[1:4])
