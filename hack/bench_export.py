#!/usr/bin/env python
# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""make bench, the estate as code: magic_export over the simulator's generated fleet of 400 HA stores (two connectors,
2 WANs and a store LAN each; every fifth store a guest LAN and an ACL too) and the seed's sites, against the
simulator with 25 ms per request and Cloudflare's rate limit (1200 requests per 300 s, sliding window); then the
same export again (nothing changed); then, with no latency and no rate limit (writes counted, not timed), the
branch role applied to it, and to a fresh export after that (no write). Called by hack/bench.py; alone:

    hack/bench_export.py COLLECTION_TREE COLLECTIONS_PATH OUTPUT_MARKDOWN
"""

from __future__ import annotations

import difflib
import json
import os
import re
import sys
import tempfile
import time
from pathlib import Path

import bench
import bench_sites
from perfdoc import write_section

STORES = 400


def rows(simulator, env):
    """Two exports of the simulator's fleet (each store an HA pair with its WANs, LANs and ACLs), then the round trip."""
    workdir = tempfile.mkdtemp(prefix="bench-export-")
    simulator.admin("POST", "/reset")
    dest = str(Path(workdir) / "estate.yml")
    results = [run_export(simulator, env, dest, "9a. export")]
    first = Path(dest).read_text(encoding="utf-8")
    results.append(run_export(simulator, env, dest, "9b. the same export again"))
    if results[-1]["changed"]:
        # A second export of an unchanged estate must be unchanged: show what moved, so that it can be explained.
        second = Path(dest).read_text(encoding="utf-8").splitlines(True)
        sys.stderr.writelines(difflib.unified_diff(first.splitlines(True), second, "9a", "9b", n=1))
    announced = len(re.findall(r"applying moves the window of ", Path(dest).read_text(encoding="utf-8")))
    results.append(run_export(simulator, env, dest, "9c. the branch role applied to it", "export_apply.yml", False))
    results[-1]["announced"] = announced
    run_export(simulator, env, dest, "export again", paced=False)
    results.append(
        run_export(simulator, env, dest, "9d. the role applied to a fresh export", "export_apply.yml", False)
    )
    return results


def run_export(simulator, env, dest, label, playbook="export.yml", paced=True):
    """One run (an export, or the role applied to the export); ``paced``: with latency and the rate limit."""
    budget = dict(requests=bench_sites.LIMIT * (1 if paced else 100), window=bench_sites.WINDOW)
    simulator.admin("PUT", "/faults", dict(latency_ms=bench_sites.LATENCY_MS if paced else 0, rate_limit=budget))
    simulator.admin("DELETE", "/requests")
    seconds, run = bench.playbook(playbook, env, dict(dest=dest))
    calls = simulator.calls()
    if run.returncode != 0:
        print(run.stdout[-3000:] + run.stderr[-3000:], file=sys.stderr)
        raise SystemExit("bench: %s failed (exit code %d)" % (label, run.returncode))
    found = re.search(r"EXPORT (\{.*\})", run.stdout.replace('\\"', '"'))
    result = json.loads(found.group(1)) if found else dict(changed=None, counts=None)
    requests = sum(calls[method] for method in ("GET", "PATCH", "POST"))
    return dict(
        result,
        label=label,
        requests=requests,
        seconds=seconds,
        floor=bench_sites.floor(requests) if paced else None,  # unpaced: the budget was raised a hundredfold
        size=os.path.getsize(dest),
        **calls,
    )


def section(results):
    counts = results[0]["counts"]
    lines = [
        "# Performance: the estate as code (magic_export)",
        "",
        "9. `magic_export` over an account of %d sites (%d stores with connectors, %d WANs, %d LANs, %d ACLs, %d "
        "connectors in stores) against the simulator with %d ms per request and Cloudflare's rate limit (%d requests "
        "per %d s, sliding window, counted afresh for each run); measured by `make bench` on %s (%d cores), %s. The "
        "module lists the connectors and the sites once and each site's LANs, WANs and ACLs, paced like magic_sites' "
        "reads. The floor is the time the rate limit alone imposes on the run's requests. Targets: reads only; the "
        "second export is unchanged."
        % (
            counts["stores"] + counts["sites_without_connectors"],
            counts["stores"],
            counts["wans"],
            counts["lans"],
            counts["acls"],
            counts["connectors"],
            bench_sites.LATENCY_MS,
            bench_sites.LIMIT,
            bench_sites.WINDOW,
            os.uname().nodename,
            os.cpu_count(),
            time.strftime("%Y-%m-%d"),
        ),
        "",
        "| run | API calls | GET | writes | 429 answers | changed | file (KB) | wall time (s) | floor (s) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        lines.append(
            "| %s | %d | %d | %d | %d | %s | %.0f | %.1f | %s |"
            % (
                r["label"],
                r["requests"],
                r["GET"],
                r["PATCH"] + r["POST"],
                r["429"],
                "-" if r["changed"] is None else str(r["changed"]).lower(),
                r["size"] / 1024.0,
                r["seconds"],
                "-" if r["floor"] is None else "%d" % r["floor"],
            )
        )
    applied = results[2]
    lines += [
        "",
        "9c and 9d run with no latency and a budget raised a hundredfold (writes counted, not paced; no floor). "
        "9c applies the export with the `branch` role: its only writes are the windows the export's comments announce "
        "(%d announced; the HA planner gives each secondary its own window), 9d applies a fresh export after it: "
        "%d writes." % (applied["announced"], results[3]["PATCH"] + results[3]["POST"]),
    ]
    return "\n".join(lines) + "\n"


def main(tree, collections_path, output):
    bench.FLEET = 2 * STORES + len(
        json.loads((Path(tree) / "simulator/seed.json").read_text())["accounts"][0]["connectors"]
    )
    simulator, env = bench.start(tree, collections_path)
    try:
        text = section(rows(simulator, env))
    finally:
        simulator.stop()
    write_section(output, "bench export (hack/bench_export.py)", text)
    print(text)


if __name__ == "__main__":
    main(*sys.argv[1:4])
