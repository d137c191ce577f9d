# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The connector_audit playbook's failures name the variable the user set, before any API call."""

from __future__ import annotations

import csv
import json

import pytest

AUDIT = "cloudflare.magic_transit.connector_audit"


def run_audit(ansible, tmp_path, extra_vars):
    completed = ansible.run("ansible-playbook", AUDIT, "-e", json.dumps(extra_vars), rc=None)
    return completed.rc, " ".join(completed.output.split())


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


@pytest.mark.parametrize(
    "variable, value, rule", BAD_VALUES, ids=["%s=%s" % (v, str(x)[:12]) for v, x, r in BAD_VALUES]
)
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
    rc, output = run_audit(
        ansible,
        tmp_path,
        {
            "connector_audit_report_dir": str(tmp_path / "report"),
            "connector_audit_min_version": "2026.2.0",
            "connector_audit_device_type": "managed",
            "connector_audit_fail_on_findings": "false",
            "connector_audit_business_hours": "09:00-21:00",
            "connector_audit_worklist_limit": 2,
            "connector_audit_exclude_notes": "^lab",
        },
    )
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


BER_PRIMARY, BER_SECONDARY = "711f8eedc6d84336a6f7d256ddd00fce", "64180894674b44869153f5fed0c2c654"
NYC, TYO_VIRTUAL = "d5fcbf8464854891bdc163cff7831dc1", "59c6e7a1d3994ac79947d3bdc4a78c71"
SITE_NYC, SITE_SYD = "8c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f", "9d3e5f7a1b2c4d6e8f0a2b4c6d8e0f1a"


def finding_keys(dest):
    with open(dest / "connectors.csv", encoding="utf-8", newline="") as stream:
        return dict((row["notes"], row["finding_keys"].split(";")) for row in csv.DictReader(stream))


def test_site_findings_in_the_written_report(ansible, simulator, simulator_api, tmp_path):
    """The four site findings against the simulator: an HA site with an empty secondary slot and a connector in two
    sites (both planted in the state: the simulator refuses them through the API), a site naming a deleted connector,
    an HA site down."""
    simulator_api.delete("magic/connectors/" + TYO_VIRTUAL).raise_for_status()
    state = simulator.state()
    sites = state["accounts"][simulator.account_id]["sites"]
    sites[SITE_NYC]["ha_mode"] = True
    sites[SITE_SYD]["connector_id"] = NYC
    simulator.admin("PUT", "state", state)
    simulator.clear_log()
    dest = tmp_path / "report"
    # (every seeded heartbeat is seconds old: 0.001 h = 3.6 s judges them all offline, so ber-branch-01 is down)
    ansible.adhoc("cloudflare.magic_transit.magic_connector_report", "dest=%s offline_hours=0.001" % dest)
    keys = finding_keys(dest)
    assert {"offline", "site_down"} <= set(keys["ber-branch-01 primary"]) and "site_down" in keys[
        "ber-branch-01 secondary"
    ]
    assert {"site_no_secondary", "in_two_sites"} <= set(keys["nyc-dc-02 primary"])
    markdown = (dest / "report.md").read_text(encoding="utf-8")
    assert "site tyo-store-114 names primary connector %s, which does not exist" % TYO_VIRTUAL in markdown
    assert "connector nyc-dc-02 primary is in 2 sites: nyc-dc-02, syd-branch-07" in markdown
    assert "HA site ber-branch-01 is down" in markdown and "| HA site down | 2 | critical |" in markdown
    page = (dest / "report.html").read_text(encoding="utf-8")
    assert '<td class="count" id="count-site_no_secondary">1</td>' in page
    assert [(c["method"], c["path"].rsplit("/", 1)[-1]) for c in simulator.requests()] == [
        ("GET", "connectors"),
        ("GET", "sites"),
    ]

    # A list filtered by device type cannot tell a connector missing: no such finding then.
    ansible.adhoc(
        "cloudflare.magic_transit.magic_connector_report", "dest=%s device_type=MANAGED" % (tmp_path / "managed")
    )
    assert "does not exist" not in (tmp_path / "managed" / "report.md").read_text(encoding="utf-8")
    assert "site_unknown_connector" not in json.dumps(finding_keys(tmp_path / "managed"))
