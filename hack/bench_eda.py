# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The events source against a 4000-connector estate: CPU time per poll and calls per poll.

A benchmark, not a test: it prints numbers, writes them into the "Event-Driven Ansible" section of
docs/performance.md, and never fails on time.

    python hack/bench_eda.py COLLECTION_COPY PERFORMANCE_MD [--connectors 4000] [--interval 10] [--seconds 60]

COLLECTION_COPY is the build copy (.build/collections/ansible_collections/cloudflare/magic_transit): the simulator
runs from it, and the source is loaded from it by path, as ansible-rulebook loads it.
"""

import argparse
import asyncio
import datetime
import importlib.util
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from perfdoc import write_section

TOKEN = "sim_rw_token_for_local_demo_only_0000000"
ACCOUNT = "023e105f4ecef8ad9ca31a8372d0c353"
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def admin(port, path):
    with OPENER.open("http://127.0.0.1:%d/__admin/%s" % (port, path), timeout=60) as answer:
        return json.loads(answer.read())


def start_simulator(copy, connectors, workdir):
    port_file = Path(workdir) / "port"
    process = subprocess.Popen(  # pylint: disable=consider-using-with
        [
            sys.executable,
            "-m",
            "simulator",
            "--port",
            "0",
            "--port-file",
            str(port_file),
            "--quiet",
            "--fleet",
            str(connectors),
        ],
        cwd=str(copy),
    )
    deadline = time.monotonic() + 60
    while not port_file.exists():
        if time.monotonic() > deadline or process.poll() is not None:
            process.kill()
            raise SystemExit("the simulator did not start")
        time.sleep(0.1)
    return process, int(port_file.read_text())


def load_source(copy):
    spec = importlib.util.spec_from_file_location(
        "connector_events", Path(copy) / "extensions" / "eda" / "plugins" / "event_source" / "connector_events.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


async def measure(module, port, interval, seconds):
    os.environ.update(
        CLOUDFLARE_BASE_URL="http://127.0.0.1:%d/client/v4" % port,
        CLOUDFLARE_API_TOKEN=TOKEN,
        CLOUDFLARE_ACCOUNT_ID=ACCOUNT,
    )
    source = module.ConnectorEvents(dict(interval=interval))
    rows = []
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        poll_started, cpu = time.monotonic(), time.process_time()
        events = await source.poll()
        kinds = sorted(set(e["type"] for e in events))
        rows.append(
            dict(
                cpu=time.process_time() - cpu,
                wall=time.monotonic() - poll_started,
                events=len(events),
                kinds=", ".join("%s %d" % (k, sum(1 for e in events if e["type"] == k)) for k in kinds),
            )
        )
        await asyncio.sleep(max(0.0, interval - (time.monotonic() - poll_started)))
    return source, rows


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("copy")
    parser.add_argument("output")
    parser.add_argument("--connectors", type=int, default=4000)
    parser.add_argument("--interval", type=float, default=10)
    parser.add_argument("--seconds", type=float, default=60)
    args = parser.parse_args()
    module = load_source(args.copy)
    with tempfile.TemporaryDirectory() as workdir:
        process, port = start_simulator(args.copy, args.connectors, workdir)
        try:
            admin_total = len(admin(port, "state")["accounts"][ACCOUNT]["connectors"])
            source, rows = asyncio.run(measure(module, port, args.interval, args.seconds))
            log = admin(port, "requests")
        finally:
            process.terminate()
            process.wait(timeout=30)
    lists = sum(1 for e in log if e["method"] == "GET" and e["path"].endswith("/magic/connectors"))
    sites = sum(1 for e in log if e["method"] == "GET" and e["path"].endswith("/magic/sites"))
    interrupts = sum(1 for e in log if e["path"].endswith("/interrupts"))
    cpu = [r["cpu"] * 1000 for r in rows]
    wall = [r["wall"] * 1000 for r in rows]
    table = ["| poll | CPU (ms) | wall (ms) | events |", "|---|---|---|---|"]
    table += [
        "| %d | %.0f | %.0f | %s |" % (i + 1, r["cpu"] * 1000, r["wall"] * 1000, r["kinds"] or "none")
        for i, r in enumerate(rows)
    ]
    text = "\n".join(
        [
            "## Event-Driven Ansible: the connector_events source",
            "",
            "Measured by `hack/bench_eda.py` on %s (%d cores), %s: the source polled a simulated estate of %d connectors "
            "(%d with the seed's; the simulator's fleet comes in HA pairs and every tenth connector is not activated, so "
            "the second poll, which confirms the state at start, reports those pairs degraded: `emit_initial_state: "
            "problems`) every %g s for %g s, in one Python process (%s); the simulator ran in another process, so its CPU "
            "is not counted. CPU time is the source's process time during a poll: reading and decoding the list (the "
            "HTTP client's thread included), comparing, naming hosts and building the events. Numbers from one run on a "
            "shared machine."
            % (
                platform.node() or "this machine",
                os.cpu_count() or 0,
                datetime.date.today().isoformat(),
                args.connectors,
                admin_total,
                args.interval,
                args.seconds,
                platform.python_version(),
            ),
            "",
        ]
        + table
        + [
            "",
            "Per poll: CPU median **%.0f ms** (max %.0f ms), wall median %.0f ms. API calls in %d polls: %d connectors lists "
            "(one per poll), %d sites lists (every `sites_every` = 10 polls, and the first), %d interrupt reads (the "
            "offline connectors, at most 10 per poll)."
            % (statistics.median(cpu), max(cpu), statistics.median(wall), len(rows), lists, sites, interrupts),
        ]
    )
    print(text)
    write_section(args.output, "eda-bench (hack/bench_eda.py)", text)


if __name__ == "__main__":
    main()
