# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The live lane (tests/live, ``make test-live``) pointed at the simulator through CLOUDFLARE_BASE_URL: the same code
path a real account takes, so CI proves that the lane runs, writes nothing but the self-reverting change, and
restores it even when a step fails."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

# The live lane's own harness (pytest against an API), not the controller: ansible-core 2.21 only.
pytestmark = pytest.mark.main_controller

COLLECTION = Path(os.path.abspath(__file__)).parents[2]
INTERCONNECT = "db6e162c8771430c90b14f6378e8f5cf"  # fra-gre-1
CONNECTOR = "d5fcbf8464854891bdc163cff7831dc1"  # nyc-dc-02 primary


def run_lane(simulator, tmp_path, *args, **env):
    lane = dict(MAGIC_LIVE_TESTS="1", MAGIC_LIVE_INTERCONNECT_ID=INTERCONNECT, MAGIC_LIVE_CONNECTOR_ID=CONNECTOR)
    lane.update(env)
    environment = simulator.env(**lane)
    command = [
        sys.executable,
        "-m",
        "pytest",
        "tests/live",
        "-p",
        "no:cacheprovider",
        "-q",
        "--basetemp=%s" % (tmp_path / "live"),
    ] + list(args)
    completed = subprocess.run(
        command, capture_output=True, text=True, env=environment, cwd=str(COLLECTION), timeout=280, check=False
    )
    return completed.returncode, completed.stdout + completed.stderr


def assert_only_safe_writes(simulator):
    """Reads, validate_only, and PATCHes of the test connector's notes: nothing else was ever written."""
    for write in simulator.writes():
        if write["method"] == "PUT":
            assert (
                write["query"] == {"validate_only": "true"} and "/cf_interconnects/%s" % INTERCONNECT in write["path"]
            )
        else:
            assert write["method"] == "PATCH" and write["path"].endswith("/connectors/" + CONNECTOR), write
            assert list(write["body"]) == ["notes"], write


def test_the_live_lane_runs_against_the_simulator(simulator, tmp_path):
    notes = simulator.connector(CONNECTOR)["notes"]
    rc, output = run_lane(simulator, tmp_path)
    assert rc == 0 and "3 passed" in output, output
    assert_only_safe_writes(simulator)
    patches = [w["body"]["notes"] for w in simulator.writes() if w["method"] == "PATCH"]
    assert len(patches) == 2 and patches[-1] == notes, "changed once, restored once"
    assert simulator.connector(CONNECTOR)["notes"] == notes


def test_the_live_lane_restores_the_notes_when_a_step_fails(simulator, tmp_path):
    notes = simulator.connector(CONNECTOR)["notes"]
    rc, output = run_lane(simulator, tmp_path, "-k", "restored", MAGIC_LIVE_FAIL_AFTER_CHANGE="1")
    assert rc == 1 and "failing on purpose after the change" in output and "1 failed" in output, output
    assert_only_safe_writes(simulator)
    assert simulator.connector(CONNECTOR)["notes"] == notes


def test_the_live_lane_is_skipped_without_the_opt_in(simulator, tmp_path):
    rc, output = run_lane(simulator, tmp_path, "-rs", MAGIC_LIVE_TESTS=None)
    assert rc == 0 and "3 skipped" in output and "MAGIC_LIVE_TESTS=1" in output, output
    assert simulator.requests() == []


def test_the_live_lane_fails_when_opted_in_without_its_ids(simulator, tmp_path):
    rc, output = run_lane(simulator, tmp_path, MAGIC_LIVE_CONNECTOR_ID=None)
    assert rc == 1 and "MAGIC_LIVE_CONNECTOR_ID not set" in output, output
    assert simulator.writes() == []
