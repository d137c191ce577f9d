# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The collection playbooks (playbooks/), run by their FQCN as users and AWX projects run them."""

from __future__ import annotations

import csv
import json

from ansible_collections.cloudflare.magic_transit.tests.helpers import connector_list, stored

AUDIT = "cloudflare.magic_transit.connector_audit"
BASELINE = "cloudflare.magic_transit.interconnect_health_check_baseline"


def playbook(ansible, tmp_path, name, *args, extra_vars=None, rc=0):
    extra = ["-e", json.dumps(extra_vars)] if extra_vars else []
    return ansible.run("ansible-playbook", name, *args, *extra, rc=rc).output


def interconnects(simulator):
    return dict((i["name"], i) for i in stored(simulator, "interconnects").values())


def test_connector_audit_reads_once_and_writes_the_report(ansible, simulator, tmp_path):
    # The seed's versions are relative to today: the newest release's x.y.0 leaves only nyc-dc-02 (and syd) behind.
    minimum = simulator.connector("711f8eedc6d84336a6f7d256ddd00fce")["last_seen_version"].rsplit(".", 1)[0] + ".0"
    older = simulator.connector("d5fcbf8464854891bdc163cff7831dc1")["last_seen_version"]
    output = playbook(
        ansible,
        tmp_path,
        AUDIT,
        extra_vars=dict(
            connector_audit_min_version=minimum,
            connector_audit_max_heartbeat_age_hours=10**6,
            connector_audit_report_dir=str(tmp_path / "out" / "audit"),
        ),
    )
    assert [(c["method"], c["path"].rsplit("/", 1)[-1]) for c in simulator.requests()] == [
        ("GET", "connectors"),
        ("GET", "sites"),
    ]
    assert simulator.writes() == []
    account = simulator.state()["accounts"][simulator.account_id]
    connectors, sites = account["connectors"], account["sites"]
    # seed: sfo and syd never activated, in no site; ber-branch-01's two windows overlap; nyc and syd run old
    # software; tyo holds past embargo dates: every connector has a finding
    assert "6 connector(s) audited, 6 with findings" in output
    report = tmp_path / "out" / "audit"
    assert sorted(p.name for p in report.iterdir()) == ["calendar.svg", "connectors.csv", "report.html", "report.md"]
    assert "Report: %s" % (report / "report.html") in output

    rows = list(csv.DictReader((report / "connectors.csv").open(encoding="utf-8")))
    assert sorted(r["id"] for r in rows) == sorted(connectors)
    for row in rows:
        connector = connectors[row["id"]]
        assert row["notes"] == connector["notes"] and row["timezone"] == connector["timezone"]
        assert row["activated"] == str(connector["activated"]).lower()
        assert row["last_heartbeat"] == connector.get("last_heartbeat", "")
        assert row["version"] == connector.get("last_seen_version", "")
        assert row["serial_number"] == connector["device"].get("serial_number", "")
        # (HA membership lives on sites: the site whose slot names the connector)
        assert row["site"] == next(
            (
                s["name"]
                for s in sites.values()
                if row["id"] in (s.get("connector_id"), s.get("secondary_connector_id"))
            ),
            "",
        )
    by_notes = dict((r["notes"], r["findings"]) for r in rows)
    assert "runs %s, older than %s" % (older, minimum) in by_notes["nyc-dc-02 primary"]
    assert "never sent a heartbeat" in by_notes["sfo-lab virtual connector"]
    assert "window overlaps its HA peer ber-branch-01 secondary" in by_notes["ber-branch-01 primary"]
    assert by_notes["tyo-store-114 virtual"].startswith("4 past embargo date(s)")

    page = (report / "report.html").read_text(encoding="utf-8")
    assert (
        '<strong id="attention-count">6</strong>' in page
        and '<td class="count" id="count-not_activated">2</td>' in page
    )
    assert "<script" not in page and "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")
    markdown = (report / "report.md").read_text(encoding="utf-8")
    assert "| Not activated | 2 | warning |" in markdown and "| HA peers down together | 2 | critical |" in markdown
    svg = (report / "calendar.svg").read_text(encoding="utf-8")
    assert svg.startswith("<?xml") and "ber-branch-01 primary and ber-branch-01 secondary" in svg


def test_connector_audit_fails_on_findings_when_asked(ansible, simulator, tmp_path):
    output = playbook(
        ansible,
        tmp_path,
        AUDIT,
        rc=2,
        extra_vars=dict(
            connector_audit_device_type="MANAGED",
            connector_audit_fail_on_findings="true",
            connector_audit_max_heartbeat_age_hours=10**6,
            connector_audit_standard_window="weekend_nights",
            connector_audit_report_dir=str(tmp_path / "drift"),
        ),
    )
    # MANAGED: the Berlin pair (overlapping, 02:00 and 03:00 Berlin time) first (critical), then the warnings
    assert (
        "4 of 4 connector(s) need attention: ber-branch-01 primary (ha overlap, window differs), ber-branch-01 "
        "secondary (ha overlap, window differs), syd-branch-07 primary (awaiting activation) (no site, not activated, "
        "window differs), nyc-dc-02 primary (window differs)"
    ) in output
    assert [c["query"] for c in simulator.requests(path_contains="connectors")] == [{"device_type": "MANAGED"}]
    assert (tmp_path / "drift" / "report.html").is_file(), "the report is written before the failure"


def test_connector_audit_refuses_a_bad_minimum_version_before_any_call(ansible, simulator, tmp_path):
    output = playbook(ansible, tmp_path, AUDIT, rc=2, extra_vars=dict(connector_audit_min_version="2026.x"))
    assert "min_version must be a version such as 2026.2.0 (numbers separated by dots), got '2026.x'" in output
    assert simulator.requests() == []


def test_baseline_check_apply_reapply(ansible, simulator, tmp_path):
    before = interconnects(simulator)
    names = "fra-gre-1\nlhr-cni-2\n"  # as an AWX survey textarea gives them
    args = dict(interconnect_health_check_baseline_names=names, interconnect_health_check_baseline_rate="low")

    output = playbook(ansible, tmp_path, BASELINE, "--check", "--diff", extra_vars=args)
    assert "changed=1" in output and '"rate": "low"' in output
    writes = simulator.writes()
    assert len(writes) == 2 and all(w["query"] == {"validate_only": "true"} for w in writes), (
        "check mode only validates"
    )
    assert interconnects(simulator) == before

    simulator.clear_log()
    playbook(ansible, tmp_path, BASELINE, extra_vars=args)
    after = interconnects(simulator)
    assert after["fra-gre-1"]["health_check"]["rate"] == "low" and after["lhr-cni-2"]["health_check"]["rate"] == "low"
    assert after["ams-cni-1"] == before["ams-cni-1"] and after["sin-cni-1"] == before["sin-cni-1"]
    assert after["sin-cni-1"]["health_check"]["source"] == "169.254.240.9"

    simulator.clear_log()
    output = playbook(ansible, tmp_path, BASELINE, extra_vars=args)
    assert "changed=0" in output and simulator.writes() == []


def test_baseline_refuses_unknown_names(ansible, simulator, tmp_path):
    output = playbook(
        ansible, tmp_path, BASELINE, rc=2, extra_vars=dict(interconnect_health_check_baseline_names=["nope-1"])
    )
    assert "No such interconnect: nope-1" in output and simulator.writes() == []


def test_maintenance_window_apply_check_apply_reapply(ansible, simulator, tmp_path):
    name = "cloudflare.magic_transit.maintenance_window_apply"
    before = connector_list(simulator)
    output = playbook(
        ansible, tmp_path, name, "--check", "--diff", extra_vars=dict(maintenance_window_apply_preset="sunday_early")
    )
    assert simulator.writes() == [] and connector_list(simulator) == before and "'changed': 6" in output

    playbook(ansible, tmp_path, name, extra_vars=dict(maintenance_window_apply_preset="sunday_early"))
    assert connector_list(simulator), "the seed has connectors"
    assert all(c["interrupt_window_days_of_week"] == ["Sunday"] for c in connector_list(simulator))

    simulator.clear_log()
    output = playbook(ansible, tmp_path, name, extra_vars=dict(maintenance_window_apply_preset="sunday_early"))
    assert simulator.writes() == [] and "'changed': 0" in output


def test_change_freeze_apply_adds_then_removes(ansible, simulator, tmp_path):
    name = "cloudflare.magic_transit.change_freeze_apply"
    period = dict(change_freeze_apply_start="2027-12-30", change_freeze_apply_end="2027-12-31")
    playbook(ansible, tmp_path, name, extra_vars=period)
    assert all(
        {"2027-12-30", "2027-12-31"} <= set(c["interrupt_window_embargo_dates"]) for c in connector_list(simulator)
    )
    playbook(ansible, tmp_path, name, extra_vars=dict(period, change_freeze_apply_state="absent"))
    assert not any("2027-12-30" in c["interrupt_window_embargo_dates"] for c in connector_list(simulator))


def test_change_freeze_apply_needs_its_dates(ansible, simulator, tmp_path):
    output = playbook(ansible, tmp_path, "cloudflare.magic_transit.change_freeze_apply", rc=2)
    assert (
        "change_freeze_apply_start and change_freeze_apply_end are both needed" in output and simulator.requests() == []
    )


def test_change_freeze_apply_refuses_an_impossible_date_before_any_call(ansible, simulator, tmp_path):
    output = playbook(
        ansible,
        tmp_path,
        "cloudflare.magic_transit.change_freeze_apply",
        rc=2,
        extra_vars=dict(change_freeze_apply_start="2027-02-30", change_freeze_apply_end="2027-03-02"),
    )
    assert "change_freeze_apply_start must be a real date written YYYY-MM-DD, got '2027-02-30'" in output
    assert simulator.requests() == []
