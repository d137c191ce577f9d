#!/usr/bin/env python
# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""make bench, the branch role: 20 stores opened from nothing (each HA with two new hardware connectors, 2 WANs,
2 LANs and 1 ACL) against the simulator with 25 ms per request and Cloudflare's rate limit (1200 requests per 300 s),
then the same run again. Called by hack/bench.py (``... branch`` runs only it); alone:

    hack/bench_branch.py COLLECTION_TREE COLLECTIONS_PATH OUTPUT_MARKDOWN
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

from bench import playbook, start
from perfdoc import write_section

STORES, LIMIT, WINDOW, LATENCY_MS = 20, 1200, 300, 25


def store(number):
    """One HA store: two hardware boxes by serial, two uplinks, an HA store LAN, a guest LAN and an ACL."""
    name = "bench-branch-%02d" % number
    net = "10.%d.%d" % (120 + number // 200, number % 200)
    return dict(
        name=name,
        timezone="Europe/Berlin",
        connectors=[
            dict(device_serial_number="BENCH-BR%02d-A" % number, notes=name + " primary"),
            dict(device_serial_number="BENCH-BR%02d-B" % number, notes=name + " secondary"),
        ],
        wans=[dict(name="fibre", physport=1, priority=1), dict(name="lte", physport=2, priority=2)],
        lans=[
            dict(
                name="store",
                physport=3,
                ha_link=True,
                static_addressing=dict(
                    address=net + ".2/24", secondary_address=net + ".3/24", virtual_address=net + ".1/24"
                ),
            ),
            dict(name="guest", physport=4, vlan_tag=20),
        ],
        acls=[dict(name="store-to-guest", lan_1=dict(lan_name="store"), lan_2=dict(lan_name="guest"))],
    )


def run(simulator, env, workdir, label):
    """One role run from a fresh rate-limit window: its calls by method, 429 answers and wall time."""
    simulator.admin("PUT", "/faults", dict(latency_ms=LATENCY_MS, rate_limit={"requests": LIMIT, "window": WINDOW}))
    simulator.admin("DELETE", "/requests")
    path = Path(workdir) / "vars.json"
    path.write_text(json.dumps(dict(branch_sites=[store(n) for n in range(1, STORES + 1)])))
    seconds, completed = playbook("branch.yml", env, "@%s" % path)
    log = simulator.admin("GET", "/requests")
    simulator.admin("DELETE", "/requests")
    if completed.returncode != 0:
        print(completed.stdout[-3000:] + completed.stderr[-3000:], file=sys.stderr)
        raise SystemExit("bench: %s failed (exit code %d)" % (label, completed.returncode))
    entries = log["requests"] if isinstance(log, dict) else log
    count = dict((method, sum(1 for e in entries if e["method"] == method)) for method in ("GET", "POST", "PATCH"))
    count["429"] = sum(1 for e in entries if e.get("status") == 429)
    return dict(label=label, seconds=seconds, requests=len(entries), **count)


def section(results):
    lines = [
        "# Performance: opening stores with the branch role",
        "",
        "9. The `branch` role opening %d HA stores from nothing (two new hardware connectors, 2 WANs, 2 LANs and "
        "1 ACL each), then the same run again, against the simulator with %d ms per request and Cloudflare's rate "
        "limit (%d requests per %d s); measured by `make bench` (`hack/bench.py ... branch` alone) on %s (%d cores), "
        "%s. Wall time includes ansible-playbook's own start-up. Target: the re-run writes nothing."
        % (STORES, LATENCY_MS, LIMIT, WINDOW, os.uname().nodename, os.cpu_count(), time.strftime("%Y-%m-%d")),
        "",
        "| run | API calls | GET | POST | PATCH | 429 answers | wall time (s) |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            "| %s | %d | %d | %d | %d | %d | %.1f |"
            % (r["label"], r["requests"], r["GET"], r["POST"], r["PATCH"], r["429"], r["seconds"])
        )
    return "\n".join(lines) + "\n"


def main(tree, collections_path, output):
    simulator, env = start(tree, collections_path)
    workdir = tempfile.mkdtemp(prefix="bench-branch-")
    try:
        simulator.admin("POST", "/reset")
        results = [
            run(simulator, env, workdir, "9a. %d stores opened" % STORES),
            run(simulator, env, workdir, "9b. the same run again (nothing to change)"),
        ]
    finally:
        simulator.stop()
    text = section(results)
    write_section(output, "bench branch (hack/bench_branch.py)", text)
    print(text)


if __name__ == "__main__":
    main(*sys.argv[1:4])
