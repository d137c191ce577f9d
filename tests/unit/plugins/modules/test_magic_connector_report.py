# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""magic_connector_report at the HTTP boundary: its calls, its files, drift mode, bad options before any call."""

from __future__ import annotations

import datetime

import pytest

from ansible_collections.cloudflare.magic_transit.plugins.modules import magic_connector_report
from ansible_collections.cloudflare.magic_transit.tests.unit.fake_api import ACCOUNT
from ansible_collections.cloudflare.magic_transit.tests.unit.plugins.module_utils.report_data import CONNECTORS, SITES

CONNECTORS_PATH = "/accounts/%s/magic/connectors" % ACCOUNT
SITES_PATH = "/accounts/%s/magic/sites" % ACCOUNT
FILES = ["calendar.svg", "connectors.csv", "report.html", "report.md"]


def fresh(connectors):
    """The fixed fleet with heartbeats of a minute ago (the module judges against the real time), except sfo-lab
    (silent since March 2026) and tyo-store-114 (never). HA overlaps depend on the coming DST changes, so these
    tests leave them to test_report.py, which fixes the time."""
    now = (datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return [dict(c, last_heartbeat=now) if c["notes"] not in ("sfo-lab", "tyo-store-114") else c for c in connectors]


def test_one_list_of_connectors_one_of_sites_and_four_files(api, run_module, tmp_path):
    api.expect("GET", CONNECTORS_PATH, result=fresh(CONNECTORS))
    api.expect("GET", SITES_PATH, result=SITES)
    dest = tmp_path / "audit"
    result = run_module(magic_connector_report, dest=str(dest), min_version="2026.3")
    assert "failed" not in result and result["changed"] is True and result["api_calls"] == {"GET": 2}
    assert sorted(p.name for p in dest.iterdir()) == FILES
    report = result["magic_connector_report"]
    assert report["files"] == dict((name, str(dest / name)) for name in FILES)
    assert report["total"] == 8
    assert dict(
        (k, report["summary"][k]) for k in ("offline", "not_activated", "old_version", "duplicate_notes", "no_site")
    ) == dict(offline=2, not_activated=1, old_version=1, duplicate_notes=2, no_site=1)
    assert report["attention"][0]["name"] == "sfo-lab" and report["message"].startswith(
        "%d of 8 connector(s)" % report["attention_count"]
    )


def test_device_type_is_filtered_by_cloudflare_and_sites_can_be_left_out(api, run_module, tmp_path):
    api.expect(
        "GET",
        CONNECTORS_PATH,
        params={"device_type": "LICENSED"},
        result=[c for c in CONNECTORS if c["device"]["type"] == "LICENSED"],
    )
    result = run_module(magic_connector_report, dest=str(tmp_path), device_type="LICENSED", sites=False)
    assert result["api_calls"] == {"GET": 1} and result["magic_connector_report"]["total"] == 1
    assert result["magic_connector_report"]["summary"]["no_site"] == 0


def test_check_mode_writes_no_file(api, run_module, tmp_path):
    api.expect("GET", CONNECTORS_PATH, result=CONNECTORS)
    api.expect("GET", SITES_PATH, result=SITES)
    result = run_module(magic_connector_report, check_mode=True, dest=str(tmp_path / "audit"))
    assert result["changed"] is True and not (tmp_path / "audit").exists()


def test_drift_mode_fails_naming_connectors_by_notes_after_writing(api, run_module, tmp_path):
    api.expect("GET", CONNECTORS_PATH, result=fresh(CONNECTORS))
    api.expect("GET", SITES_PATH, result=SITES)
    result = run_module(
        magic_connector_report,
        dest=str(tmp_path),
        fail_on_findings=True,
        ignore_findings=["ha_overlap", "duplicate_notes", "past_embargo_dates"],
        standard_window=dict(preset="weekend_nights"),
    )
    assert result["failed"] is True
    assert result["msg"] == (
        "6 of 8 connector(s) need attention: sfo-lab (no site, not activated, offline), tyo-store-114 (offline, "
        "window differs), lon-store-01 primary (ha timezones differ, window differs), lon-store-01 secondary <b> "
        "(ha timezones differ, window differs), ber-branch-01 secondary (window differs), "
        "muc-branch-02 (window differs)"
    )
    assert result["magic_connector_report"]["attention_count"] == 6 and (tmp_path / "report.html").is_file()


def test_no_finding_no_failure_in_drift_mode(api, run_module, tmp_path):
    api.expect("GET", CONNECTORS_PATH, result=fresh(CONNECTORS[2:3]))
    api.expect("GET", SITES_PATH, result=[])
    result = run_module(magic_connector_report, dest=str(tmp_path), fail_on_findings=True)
    assert (
        "failed" not in result
        and result["magic_connector_report"]["message"] == "none of 1 connector(s) needs attention"
    )


@pytest.mark.parametrize(
    "args, message",
    [
        (
            dict(min_version="2026.x"),
            "min_version must be a version such as 2026.2.0 (numbers separated by dots), got '2026.x'",
        ),
        (dict(offline_hours=-1), "offline_hours must be a number of hours above 0, got -1.0"),
        (
            dict(standard_window=dict(days=["Sunday"])),
            "standard_window needs a preset or all of days, hour and duration (missing: hour, duration)",
        ),
        (dict(standard_window=dict(preset="weeknights", hour=24)), "standard_window.hour must be from 0 to 23, got 24"),
    ],
)
def test_bad_options_fail_before_any_call(api, run_module, tmp_path, args, message):
    result = run_module(magic_connector_report, dest=str(tmp_path / "audit"), **args)
    assert result["failed"] is True and result["msg"] == message
    assert api.calls == [] and not (tmp_path / "audit").exists()


# --- the audit for a manager -------------------------------------------------------------------------------------


def test_a_rerun_with_the_same_findings_is_no_change_and_a_new_finding_is(api, run_module, tmp_path):
    dest = tmp_path / "audit"
    for dummy in range(2):
        api.expect("GET", CONNECTORS_PATH, result=fresh(CONNECTORS))
        api.expect("GET", SITES_PATH, result=SITES)
    first = run_module(magic_connector_report, dest=str(dest))
    second = run_module(magic_connector_report, dest=str(dest))
    assert first["changed"] is True and first["magic_connector_report"]["since_previous"]["previous"] is False
    assert second["changed"] is False, "the files were rewritten (new times), the findings are the same"
    assert second["magic_connector_report"]["since_previous"] == dict(previous=True, new=[], resolved=[])
    assert "diff" not in second

    # one connector goes silent, another is activated: one new finding, one resolved
    changed = [
        dict(c, last_heartbeat="2026-01-01T00:00:00Z")
        if c["notes"] == "muc-branch-02" and c["id"].endswith("5")
        else dict(c, activated=True)
        if c["notes"] == "sfo-lab"
        else c
        for c in fresh(CONNECTORS)
    ]
    api.expect("GET", CONNECTORS_PATH, result=changed)
    api.expect("GET", SITES_PATH, result=SITES)
    third = run_module(magic_connector_report, dest=str(dest))
    since = third["magic_connector_report"]["since_previous"]
    assert third["changed"] is True and since["new"] == ["muc-branch-02: offline"]
    assert since["resolved"] == ["sfo-lab: not activated"]
    markdown = (dest / "report.md").read_text(encoding="utf-8")
    assert "1 new finding(s), 1 resolved" in markdown and "- New: muc\\-branch\\-02: offline" not in markdown
    assert "- New: muc-branch-02: offline" in markdown


def test_the_worklist_is_capped_and_the_rest_is_in_the_csv(api, run_module, tmp_path):
    api.expect("GET", CONNECTORS_PATH, result=fresh(CONNECTORS))
    api.expect("GET", SITES_PATH, result=SITES)
    result = run_module(magic_connector_report, dest=str(tmp_path), worklist_limit=2)
    attention = result["magic_connector_report"]["attention_count"]
    page = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert attention > 2 and page.count('<tr class="row-') == 2
    assert "and %d more connector(s) that need attention" % (attention - 2) in page
    csv_text = (tmp_path / "connectors.csv").read_text(encoding="utf-8")
    assert len(result["magic_connector_report"]["attention"]) == attention
    assert sum(1 for row in csv_text.splitlines()[1:] if not row.endswith(",")) == attention  # finding_keys filled


@pytest.mark.parametrize(
    "exclude, left_out",
    [
        (dict(notes_pattern="^muc-"), 2),
        (dict(not_activated=True), 1),
        (dict(no_site=True), 1),
        (dict(notes_pattern="lab|tyo", not_activated=True), 2),
    ],
)
def test_exclusions_leave_connectors_out_of_everything(api, run_module, tmp_path, exclude, left_out):
    api.expect("GET", CONNECTORS_PATH, result=fresh(CONNECTORS))
    api.expect("GET", SITES_PATH, result=SITES)
    result = run_module(magic_connector_report, dest=str(tmp_path), exclude=exclude)
    report = result["magic_connector_report"]
    assert report["excluded"] == left_out and report["total"] == 8 - left_out
    assert "%d connector(s) excluded" % left_out in (tmp_path / "report.html").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "args, message",
    [
        (dict(business_hours="9-21"), "business_hours must be local opening hours such as 09:00-21:00"),
        (dict(business_hours="09:00-09:00"), "business_hours must be local opening hours"),
        (dict(business_hours="09:75-21:00"), "business_hours must be local opening hours"),
        (dict(worklist_limit=0), "worklist_limit must be a whole number of connectors of at least 1, got 0"),
        (dict(exclude=dict(notes_pattern="([")), "exclude.notes_pattern must be a Python regular expression"),
    ],
)
def test_bad_manager_options_fail_before_any_call(api, run_module, tmp_path, args, message):
    result = run_module(magic_connector_report, dest=str(tmp_path / "audit"), **args)
    assert result["failed"] is True and result["msg"].startswith(message) and api.calls == []
