# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The connector_audit playbook's failures name the variable the user set, before any API call."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent
AUDIT = "cloudflare.magic_transit.connector_audit"


def run_audit(ansible, tmp_path, extra_vars):
    command = [str(BIN / "ansible-playbook"), AUDIT, "-e", json.dumps(extra_vars)]
    completed = subprocess.run(command, capture_output=True, text=True, cwd=str(tmp_path), timeout=240, check=False,
                               env=ansible.env())
    return completed.returncode, " ".join((completed.stdout + completed.stderr).split())


# One bad value for each public variable of the playbook: (variable, value, what the message also says)
BAD_VALUES = [
    ("connector_audit_min_version", "2026..5", "min_version must be a version such as 2026.2.0"),
    ("connector_audit_min_version", "2026." + "1" * 3000, "each number at most 12 digits"),
    ("connector_audit_max_heartbeat_age_hours", 0, "offline_hours must be a number of hours above 0"),
    ("connector_audit_max_heartbeat_age_hours", "a day", "float"),
    ("connector_audit_device_type", "VIRTUAL", "one of"),
    ("connector_audit_standard_window", "weekend", "preset must be one of"),
    ("connector_audit_report_dir", "FILE", "dest must be a directory"),
    ("connector_audit_fail_on_findings", "maybe", "bool"),
    ("connector_audit_business_hours", "9 to 5", "business_hours must be local opening hours such as 09:00-21:00"),
    ("connector_audit_worklist_limit", 0, "worklist_limit must be a whole number of connectors of at least 1"),
    ("connector_audit_worklist_limit", "many", "int"),
    ("connector_audit_exclude_notes", "([", "exclude.notes_pattern must be a Python regular expression"),
]


@pytest.mark.parametrize("variable, value, rule", BAD_VALUES, ids=["%s=%s" % (v, str(x)[:12]) for v, x, r in BAD_VALUES])
def test_a_bad_value_names_the_variable_before_any_call(ansible, simulator, tmp_path, variable, value, rule):
    report_dir = tmp_path / "report"
    if value == "FILE":
        (tmp_path / "a-file").write_text("not a folder")
        value = str(tmp_path / "a-file")
    extra_vars = {"connector_audit_report_dir": str(report_dir)}
    extra_vars[variable] = value
    rc, output = run_audit(ansible, tmp_path, extra_vars)
    assert rc != 0, output
    assert variable in output and rule in output, output
    assert simulator.requests() == [], "bad input is refused before any API call"
    assert not report_dir.exists()
    assert len(output) < 8000, "the long value is cut short in the message"


def test_good_values_write_the_report(ansible, simulator, tmp_path):
    rc, output = run_audit(ansible, tmp_path, {"connector_audit_report_dir": str(tmp_path / "report"),
                                               "connector_audit_min_version": "2026.2.0",
                                               "connector_audit_device_type": "managed",
                                               "connector_audit_fail_on_findings": "false",
                                               "connector_audit_business_hours": "09:00-21:00",
                                               "connector_audit_worklist_limit": 2,
                                               "connector_audit_exclude_notes": "^lab"})
    assert rc == 0, output
    page = (tmp_path / "report" / "report.html").read_text(encoding="utf-8")
    assert "business hours 09:00-21:00 local" in page and page.count('<tr class="row-') <= 2


def test_check_mode_then_apply_then_reapply(ansible, simulator, tmp_path):
    """The report module with real ansible: check mode -> changed, nothing written; apply -> changed; re-apply with
    the same findings -> not changed (the files got new times, which is no change), and never a diff of a file."""
    dest = tmp_path / "report"
    args = "dest=%s" % dest

    check = ansible.adhoc("cloudflare.magic_transit.magic_connector_report", args, "--check", "--diff")
    assert "CHANGED" in check.stdout and not dest.exists()
    apply = ansible.adhoc("cloudflare.magic_transit.magic_connector_report", args, "--diff")
    assert "CHANGED" in apply.stdout and (dest / "report.html").is_file()
    first_page = (dest / "report.html").read_text(encoding="utf-8")
    again = ansible.adhoc("cloudflare.magic_transit.magic_connector_report", args, "--diff")
    assert "SUCCESS" in again.stdout and "CHANGED" not in again.stdout
    for run in (check, apply, again):
        assert "<svg" not in run.stdout and "<html" not in run.stdout.lower(), "no file content is printed as a diff"
    assert simulator.writes() == [], "the report writes nothing to Cloudflare"
    assert "Since the previous report" in first_page
