# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Helpers of the reliability suite: generated playbooks run in parallel, and one simulator account per table row.

* :func:`case_tasks` turns one table row into a task (failures ignored: the test judges them); :func:`role_tasks`
  does the same for a row that runs a role.
* :class:`PlaybookRunner` writes playbooks, starts several ``ansible-playbook`` at once and reads every row's registered
  result and wall time back.
* :class:`Accounts` copies the seed account under new ids (one per row), so that fault rules, state checks and request
  logs of different rows never mix although all rows run against the one session simulator.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import subprocess
import time
from pathlib import Path

from ansible_collections.cloudflare.magic_transit.tests.integration.conftest import BIN, INVENTORY, Run

# Nothing may hang CI: one playbook of the suite gets this long. A hang detector, never a speed check: a playbook of
# a hundred table rows takes minutes on a busy 2-core machine.
PLAYBOOK_TIMEOUT = 900
CALLBACK_PLUGINS = Path(os.path.abspath(__file__)).parent / "callback_plugins"


def case_tasks(key, module, args, **keywords):
    """The task of one table row: ``module`` with ``args``, named ``key``, failures ignored (the test judges them).

    ``keywords`` are more task keywords (``environment``, ``check_mode``...). :meth:`PlaybookRunner.run_cases` reads
    each task's result and wall time back through the ``reliability_results`` callback (callback_plugins/).
    Results of ``no_log`` tasks arrive censored.
    """
    task = {"name": key, module: args, "ignore_errors": True}
    task.update(keywords)
    return [task]


def role_tasks(key, role, role_vars, connection):
    """The task of one table row that runs ``role`` with ``role_vars``; ``connection`` (module options such as
    ``account_id``, ``api_token``, ``max_retries``) reaches its modules as the play's ``module_defaults`` would.

    The role runs in a block whose failure is rescued, so that it stops at its first failing task as in a real run
    and the test judges it. The ``reliability_row`` variable makes the ``reliability_results`` callback record the
    role's tasks under ``key``: the row's result is that of the task that failed, or else of the role's last task that called the API.
    """
    return [
        {
            "name": key,
            "block": [{"ansible.builtin.include_role": {"name": role}}],
            "rescue": [{"ansible.builtin.meta": "noop"}],
            "vars": dict(role_vars, reliability_row=key),
            "module_defaults": {"group/cloudflare.magic_transit.all": connection},
        }
    ]


def spread(task_lists, count):
    """Deal lists of tasks round-robin into at most ``count`` groups (one playbook each)."""
    groups = [[] for index in range(count)]
    for index, tasks in enumerate(task_lists):
        groups[index % count].extend(tasks)
    return [group for group in groups if group]


class PlaybookRunner:
    """Writes generated playbooks into a folder and runs them with the environment of the ``ansible`` fixture."""

    def __init__(self, ansible, folder):
        self.ansible = ansible
        self.folder = Path(folder)
        self.runs = []

    def write(self, name, tasks, **play):
        """A playbook of one play on localhost; JSON is YAML, so it is written as JSON."""
        document = [dict({"name": name, "hosts": "localhost", "gather_facts": False}, **play, tasks=tasks)]
        path = self.folder / ("%s.yml" % name)
        path.write_text(json.dumps(document, indent=1), encoding="utf-8")
        return path

    def start(self, path, *args, env=None):
        """Start ``ansible-playbook PATH ARGS`` without waiting; ``finish()`` the handle it returns."""
        command = [str(BIN / "ansible-playbook"), "-i", str(INVENTORY), str(path)] + [str(arg) for arg in args]
        return Started(command, self.ansible.env(**(env or {})), self.folder, Path(path).stem, self.runs)

    def run(self, path, *args, env=None, rc=0):
        return self.start(path, *args, env=env).finish(rc)

    def run_cases(self, groups, *args, env=None, name="cases", play=None):
        """Run each group of tasks (made with :func:`case_tasks`) as one playbook, all groups at the same time.

        Returns ``(runs, results)``: the :class:`Run` of each playbook and ``{task name: {"status", "result", "seconds"}}``
        of all of them.
        """
        handles = []
        result_files = []
        for index, tasks in enumerate(groups):
            result_file = self.folder / ("%s-%d.json" % (name, index))
            path = self.write("%s-%d" % (name, index), list(tasks), **(play or {}))
            handles.append(
                self.start(
                    path,
                    *args,
                    env=dict(
                        env or {},
                        ANSIBLE_CALLBACK_PLUGINS=str(CALLBACK_PLUGINS),
                        ANSIBLE_CALLBACKS_ENABLED="reliability_results",
                        RELIABILITY_RESULTS=str(result_file),
                    ),
                )
            )
            result_files.append(result_file)
        runs = [handle.finish(0) for handle in handles]
        results = {}
        for result_file in result_files:
            results.update(json.loads(result_file.read_text(encoding="utf-8")))
        return runs, results


class Started:
    """A running ``ansible-playbook``; its output goes to files (no pipe can fill up and block it)."""

    def __init__(self, command, env, folder, name, runs):
        self.stdout = open(Path(folder) / ("%s.stdout" % name), "w+", encoding="utf-8")  # pylint: disable=consider-using-with
        self.stderr = open(Path(folder) / ("%s.stderr" % name), "w+", encoding="utf-8")  # pylint: disable=consider-using-with
        self.started = time.monotonic()
        self.process = subprocess.Popen(
            command,
            stdout=self.stdout,
            stderr=self.stderr,
            text=True,
            env=env,  # pylint: disable=consider-using-with
            cwd=str(folder),
        )
        self._runs = runs

    def finish(self, rc=0):
        """Wait; return a :class:`Run` with ``seconds`` (wall time). Asserts the exit code unless ``rc`` is None."""
        try:
            self.process.wait(PLAYBOOK_TIMEOUT)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()
        seconds = time.monotonic() - self.started
        outputs = []
        for stream in (self.stdout, self.stderr):
            stream.seek(0)
            outputs.append(stream.read())
            stream.close()
        run = Run(subprocess.CompletedProcess(self.process.args, self.process.returncode, outputs[0], outputs[1]))
        run.seconds = seconds
        self._runs.append(run)
        if rc is not None:
            assert run.rc == rc, "exit code %d, expected %d:\n%s" % (run.rc, rc, run.output)
        return run


def account_id_for(key):
    """A valid, stable account id (32 hex digits) for a table row."""
    return hashlib.md5(key.encode("utf-8")).hexdigest()  # nosec - an identifier, not a digest of anything secret


class Accounts:
    """Copies of the seed account under new ids, installed with one ``PUT /__admin/state``."""

    def __init__(self, simulator):
        self.simulator = simulator
        self.seed = simulator.state()["accounts"][simulator.account_id]

    def create(self, keys, edit=None):
        """One copy of the seed account per key (``edit(key, account)`` may change it); returns ``{key: account_id}``."""
        state = self.simulator.state()
        ids = {}
        for key in keys:
            account_id = account_id_for(key)
            assert account_id not in state["accounts"], "two rows share the key %r" % key
            account = copy.deepcopy(self.seed)
            account.update(id=account_id, name="reliability %s" % key)
            if edit is not None:
                edit(key, account)
            state["accounts"][account_id] = account
            ids[key] = account_id
        self.simulator.admin("PUT", "state", state)
        return ids

    def all(self):
        return self.simulator.state()["accounts"]
