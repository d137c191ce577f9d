# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Integration tests run the real ``ansible-playbook`` and ``ansible`` of the interpreter running pytest.

The playbooks under playbooks/ assert what a user sees; the tests here add what only the simulator knows:
which calls were made (check mode writes nothing) and what state it holds afterwards.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(os.path.abspath(__file__)).parent  # not resolved: the copy may be reached through a link
PLAYBOOKS = HERE / "playbooks"
INVENTORY = HERE / "inventory.yml"
BIN = Path(sys.executable).parent


def collections_path():
    """The folder holding ansible_collections/: the tests run from a copy at .../ansible_collections/cloudflare/magic_transit."""
    root = HERE.parents[3]
    if root.name != "ansible_collections":
        pytest.fail(
            "run the integration tests from a collection tree at .../ansible_collections/cloudflare/magic_transit "
            "(make integration does this); found %s" % HERE.parents[1]
        )
    return str(root.parent)


class Run:
    def __init__(self, completed):
        self.rc = completed.returncode
        self.stdout = completed.stdout
        self.stderr = completed.stderr

    @property
    def output(self):
        return self.stdout + self.stderr

    def recap(self):
        """changed/failed counts of the localhost PLAY RECAP line."""
        for line in self.stdout.splitlines():
            if line.startswith("localhost") and "ok=" in line:
                return dict((k, int(v)) for k, v in (part.split("=") for part in line.split(":", 1)[1].split()))
        raise AssertionError("no PLAY RECAP in:\n" + self.output)


@pytest.fixture
def ansible(simulator, tmp_path):
    """``ansible.playbook(name, ...)`` and ``ansible.adhoc(module, args)`` against the simulator."""

    class Ansible:
        def env(self, **overrides):
            env = dict(os.environ)
            for name in list(env):
                if name.startswith(("CLOUDFLARE_", "ANSIBLE_")):
                    del env[name]
            env.update(simulator.env())
            env.update(
                ANSIBLE_COLLECTIONS_PATH=collections_path(),
                ANSIBLE_HOME=str(tmp_path / "ansible-home"),
                ANSIBLE_LOCAL_TEMP=str(tmp_path / "ansible-tmp"),
                ANSIBLE_NOCOLOR="1",
                ANSIBLE_RETRY_FILES_ENABLED="0",
                PATH=str(BIN) + os.pathsep + env.get("PATH", ""),
            )
            env.update(overrides)
            return dict((k, v) for k, v in env.items() if v is not None)

        def playbook(self, name, *args, extra_vars=None, check=False, diff=False, rc=0, env=None):
            command = ["-i", str(INVENTORY), str(PLAYBOOKS / name)]
            command += ["--check"] if check else []
            command += ["--diff"] if diff else []
            if extra_vars:
                command += ["-e", json.dumps(extra_vars)]
            return self.run("ansible-playbook", *command, *args, rc=rc, env=env)

        def adhoc(self, module, module_args="", *args, rc=0, env=None):
            command = ["localhost", "-i", str(INVENTORY), "-m", module]
            command += ["-a", module_args] if module_args else []
            return self.run("ansible", *command, *args, rc=rc, env=env)

        def run(self, program, *args, rc=0, env=None):
            """``program`` (``ansible-playbook``, ``ansible-inventory``...) of the controller under test with ``args``,
            in the test's folder, with ``env()`` and the ``env`` overrides; ``rc=None`` takes any exit code."""
            completed = subprocess.run(
                [str(BIN / program)] + [str(arg) for arg in args],
                capture_output=True,
                text=True,
                env=self.env(**(env or {})),
                cwd=str(tmp_path),
                timeout=240,
                check=False,
            )
            run = Run(completed)
            if rc is not None:
                assert run.rc == rc, "exit code %d, expected %d:\n%s" % (run.rc, rc, run.output)
            return run

    return Ansible()
