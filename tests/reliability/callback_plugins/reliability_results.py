# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Test helper, not part of the collection: records every task's result and wall time for the reliability suite.

Enabled by ``support.PlaybookRunner`` through ``ANSIBLE_CALLBACK_PLUGINS`` / ``ANSIBLE_CALLBACKS_ENABLED``; writes
``{row: {"status", "result", "seconds"}}`` as JSON to the file named by ``RELIABILITY_RESULTS`` when the playbook
ends. A row is a task's name, or the variable ``reliability_row`` of the tasks that carry it (the tasks of a role run
for one table row, see ``support.role_tasks``): their last result is the row's (but a task that called no API, such
as a role's closing summary or a skipped task, does not replace the result of the module task before it),
``seconds`` counts from the first, and ``task_seconds`` is the longest any one of its tasks took (a role's argument
check, filter and listing tasks each cost a module's start-up on a loaded machine; a module that waits too long
shows in its own task's time).
Results of ``no_log`` tasks arrive censored, as for any callback.
"""

from __future__ import annotations

import json
import os
import time

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = r"""
name: reliability_results
type: aggregate
short_description: Record task results and durations for the reliability tests
description:
  - Writes every task's result, status and wall time as JSON to the file named by E(RELIABILITY_RESULTS).
"""


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "reliability_results"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.results = {}
        self.started = {}
        self.task_started = {}

    @staticmethod
    def _row(task):
        return task.get_vars().get("reliability_row") or task.get_name()

    def v2_playbook_on_task_start(self, task, is_conditional):
        now = time.monotonic()
        self.started.setdefault(self._row(task), now)
        self.task_started[task._uuid] = now  # pylint: disable=protected-access

    def _record(self, result, status):
        row, now = self._row(result.task), time.monotonic()
        seconds = now - self.started.get(row, now)
        task_seconds = now - self.task_started.get(result.task._uuid, now)  # pylint: disable=protected-access
        previous = self.results.get(row)
        longest = max(task_seconds, (previous or {}).get("task_seconds", 0))
        if (
            previous
            and "api_calls" in previous["result"]
            and "api_calls" not in result.result
            and status in ("ok", "skipped")
        ):
            previous.update(seconds=seconds, task_seconds=longest)
            return
        self.results[row] = {
            "status": status,
            "result": dict(result.result),
            "seconds": seconds,
            "task_seconds": longest,
        }

    def v2_runner_on_ok(self, result):
        self._record(result, "ok")

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._record(result, "failed")

    def v2_runner_on_skipped(self, result):
        self._record(result, "skipped")

    def v2_runner_on_unreachable(self, result):
        self._record(result, "unreachable")

    def v2_playbook_on_stats(self, stats):
        path = os.environ.get("RELIABILITY_RESULTS")
        if path:
            with open(path, "w", encoding="utf-8") as stream:
                json.dump(self.results, stream, default=str)
