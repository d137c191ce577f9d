# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The live lane: a few real ``ansible-playbook`` runs against a real Cloudflare account (``make test-live``).

Opt-in only. Nothing runs unless ``MAGIC_LIVE_TESTS=1`` is set together with a token, an account and the ids
of a test interconnect and a test connector:

    MAGIC_LIVE_TESTS=1
    CLOUDFLARE_API_TOKEN=...          a token with Magic WAN/Transit read and write on the account
    CLOUDFLARE_ACCOUNT_ID=...
    MAGIC_LIVE_INTERCONNECT_ID=...    an interconnect: only read, and validated in check mode (validate_only)
    MAGIC_LIVE_CONNECTOR_ID=...       a connector whose notes may change for a few seconds (they are restored)
    CLOUDFLARE_BASE_URL=...           optional: another API (the simulator, to try the lane without an account)

The lane reads, validates without persisting, and makes one self-reverting change (the test connector's notes,
restored in an ``always`` section and again by the test itself should the playbook die). It never creates,
deletes, re-keys or interrupts anything.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ansible_collections.cloudflare.magic_transit.tests.helpers import result_of

HERE = Path(os.path.abspath(__file__)).parent
PLAYBOOKS = HERE / "playbooks"
BIN = Path(sys.executable).parent
REQUIRED = ("CLOUDFLARE_API_TOKEN", "CLOUDFLARE_ACCOUNT_ID", "MAGIC_LIVE_INTERCONNECT_ID", "MAGIC_LIVE_CONNECTOR_ID")


def pytest_collection_modifyitems(config, items):
    if os.environ.get("MAGIC_LIVE_TESTS") == "1":
        return
    skip = pytest.mark.skip(
        reason="the live lane runs only with MAGIC_LIVE_TESTS=1 and %s set (make test-live)" % ", ".join(REQUIRED)
    )
    for item in items:
        item.add_marker(skip)


class Live:
    """Runs ansible-playbook and ad-hoc ansible against the account the environment names."""

    def __init__(self, tmp_path):
        missing = [name for name in REQUIRED if not os.environ.get(name)]
        if missing:
            pytest.fail(
                "MAGIC_LIVE_TESTS=1 but %s not set: the live lane needs all of %s"
                % (", ".join(missing), ", ".join(REQUIRED))
            )
        self.tmp_path = tmp_path
        self.interconnect_id = os.environ["MAGIC_LIVE_INTERCONNECT_ID"]
        self.connector_id = os.environ["MAGIC_LIVE_CONNECTOR_ID"]

    def env(self):
        root = HERE.parents[3]
        if root.name != "ansible_collections":
            pytest.fail(
                "run the live lane from a collection tree at .../ansible_collections/cloudflare/magic_transit "
                "(make test-live does this)"
            )
        env = dict((k, v) for k, v in os.environ.items() if not k.startswith("ANSIBLE_"))
        env.update(
            ANSIBLE_COLLECTIONS_PATH=str(root.parent),
            ANSIBLE_HOME=str(self.tmp_path / "ansible-home"),
            ANSIBLE_LOCAL_TEMP=str(self.tmp_path / "ansible-tmp"),
            ANSIBLE_NOCOLOR="1",
            ANSIBLE_RETRY_FILES_ENABLED="0",
            PATH=str(BIN) + os.pathsep + env.get("PATH", ""),
        )
        return env

    def run(self, command, check=True):
        completed = subprocess.run(
            command, capture_output=True, text=True, env=self.env(), cwd=str(self.tmp_path), timeout=240, check=False
        )
        if check:
            assert completed.returncode == 0, "exit code %d:\n%s%s" % (
                completed.returncode,
                completed.stdout,
                completed.stderr,
            )
        return completed

    def playbook(self, name, check=True, **extra_vars):
        variables = dict(interconnect_id=self.interconnect_id, connector_id=self.connector_id, **extra_vars)
        return self.run(
            [
                str(BIN / "ansible-playbook"),
                "-i",
                "localhost,",
                "-c",
                "local",
                "-e",
                "ansible_python_interpreter=%s" % sys.executable,
                "-e",
                json.dumps(variables),
                str(PLAYBOOKS / name),
            ],
            check=check,
        )

    def module(self, module, **args):
        """One module run on localhost; its result."""
        completed = self.run(
            [
                str(BIN / "ansible"),
                "localhost",
                "-i",
                "localhost,",
                "-c",
                "local",
                "-e",
                "ansible_python_interpreter=%s" % sys.executable,
                "-m",
                module,
                "-a",
                json.dumps(args),
            ]
        )
        return result_of(completed)

    def connector_notes(self):
        found = self.module("cloudflare.magic_transit.magic_connector_info", id=self.connector_id)["magic_connectors"]
        assert len(found) == 1, "MAGIC_LIVE_CONNECTOR_ID names no connector of the account"
        return found[0].get("notes") or ""


@pytest.fixture
def live(tmp_path):
    return Live(tmp_path)
