#!/usr/bin/env python
# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""make bench, Magic WAN sites: one magic_sites task over 400 stores (2 WANs, 2 LANs, 1 ACL each: an ACL needs two
LANs), 40 of them changed, against the simulator with 25 ms per request and Cloudflare's rate limit (1200 requests
per 300 s, sliding window); then the same run again. Called by hack/bench.py; alone:

    hack/bench_sites.py COLLECTION_TREE COLLECTIONS_PATH OUTPUT_MARKDOWN
"""

from __future__ import annotations

import json
import os
import re
import sys
import tempfile
import time
from pathlib import Path

from bench import playbook, start
from perfdoc import write_section

STORES, CHANGED, LIMIT, WINDOW, LATENCY_MS = 400, 40, 1200, 300, 25


def store(number, changed=False):
    """One store as a magic_sites entry; a changed one moves its LTE uplink's priority (one PATCH)."""
    net = "10.%d.%d" % (100 + number // 200, number % 200)
    return dict(
        name="bench-store-%03d" % number,
        wans=[
            dict(name="fibre", physport=1, priority=1),
            dict(name="lte", physport=2, priority=3 if changed else 2, health_check_rate="low"),
        ],
        lans=[
            dict(name="store", physport=3, static_addressing=dict(address=net + ".1/24")),
            dict(name="guest", physport=4, vlan_tag=20),
        ],
        acls=[
            dict(name="store-to-guest", lan_1=dict(lan_name="store"), lan_2=dict(lan_name="guest"), protocols=["tcp"])
        ],
    )


def run_entries(simulator, env, workdir, label, entries, limit):
    """One magic_sites run: its calls, 429 answers, pauses and wall time, from a fresh rate-limit window (without
    ``limit``: no latency and a budget the run cannot exhaust, for the setup)."""
    simulator.admin(
        "PUT",
        "/faults",
        dict(
            latency_ms=LATENCY_MS if limit else 0,
            rate_limit={"requests": LIMIT if limit else 100 * LIMIT, "window": WINDOW},
        ),
    )
    simulator.admin("DELETE", "/requests")
    path = Path(workdir) / "entries.json"
    path.write_text(json.dumps({"entries": entries}))
    seconds, run = playbook("sites.yml", env, "@%s" % path)
    calls = simulator.calls()
    if run.returncode != 0:
        print(run.stdout[-3000:] + run.stderr[-3000:], file=sys.stderr)
        raise SystemExit("bench: %s failed (exit code %d)" % (label, run.returncode))
    pacing = json.loads(re.search(r"PACING (\{.*\})", run.stdout.replace('\\"', '"')).group(1))
    requests = calls["GET"] + calls["PATCH"] + calls["POST"]
    return dict(
        label=label, requests=requests, seconds=seconds, pauses=pacing["pauses"], floor=floor(requests), **calls
    )


def floor(requests):
    """The time the rate limit alone imposes on ``requests`` calls from a fresh sliding window: each call past a
    window's worth waits for one a window older to leave it."""
    return WINDOW * ((requests - 1) // LIMIT)


def rows(simulator, env):
    workdir = tempfile.mkdtemp(prefix="bench-sites-")
    simulator.admin("POST", "/reset")
    run_entries(simulator, env, workdir, "setup", [store(n) for n in range(1, STORES + 1)], limit=False)
    entries = [store(n, changed=n % (STORES // CHANGED) == 0) for n in range(1, STORES + 1)]
    return [
        run_entries(simulator, env, workdir, "8a. %d stores, %d changed" % (STORES, CHANGED), entries, limit=True),
        run_entries(simulator, env, workdir, "8b. the same run again (nothing to change)", entries, limit=True),
    ]


def section(results):
    lines = [
        "# Performance: Magic WAN sites",
        "",
        "8. One `magic_sites` task over %d stores (2 WANs, 2 LANs and 1 ACL each, %d children: an ACL joins two LANs), "
        "%d of them changed (one WAN each), against the simulator with %d ms per request and Cloudflare's rate limit "
        "(%d requests per %d s, sliding window, counted afresh for each run); measured by `make bench` on %s (%d cores), "
        "%s. The task reads the sites once and each store's three lists (LANs, WANs, ACLs), paced like its writes. The "
        "floor is the time the rate limit alone imposes on the run's requests. Targets: no 429; a re-run writes nothing."
        % (
            STORES,
            STORES * 5,
            CHANGED,
            LATENCY_MS,
            LIMIT,
            WINDOW,
            os.uname().nodename,
            os.cpu_count(),
            time.strftime("%Y-%m-%d"),
        ),
        "",
        "| run | API calls | GET | PATCH | 429 answers | pauses | wall time (s) | floor (s) | wall / floor |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        ratio = "%.2f" % (r["seconds"] / r["floor"]) if r["floor"] else "-"
        lines.append(
            "| %s | %d | %d | %d | %d | %d | %.1f | %d | %s |"
            % (r["label"], r["requests"], r["GET"], r["PATCH"], r["429"], r["pauses"], r["seconds"], r["floor"], ratio)
        )
    return "\n".join(lines) + "\n"


def main(tree, collections_path, output):
    simulator, env = start(tree, collections_path)
    try:
        text = section(rows(simulator, env))
    finally:
        simulator.stop()
    write_section(output, "bench sites (hack/bench_sites.py)", text)
    print(text)


if __name__ == "__main__":
    main(*sys.argv[1:4])
