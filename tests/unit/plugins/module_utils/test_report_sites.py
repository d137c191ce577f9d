# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Site findings of the audit report (plugins/module_utils/_report_sites.py): pure functions on fixed data, then
through build_report and the rendered files."""

from __future__ import annotations

import csv
import io

from ansible_collections.cloudflare.magic_transit.plugins.module_utils._report import build_report, without_findings
from ansible_collections.cloudflare.magic_transit.plugins.module_utils._report_render import render_all
from ansible_collections.cloudflare.magic_transit.plugins.module_utils._report_sites import memberships, site_findings
from ansible_collections.cloudflare.magic_transit.tests.unit.plugins.module_utils.report_data import NOW, connector

ONLINE = "2026-03-10T11:59:00Z"
OFFLINE = "2026-03-01T00:00:00Z"
A = connector(1, "ham-01 primary", last_heartbeat=OFFLINE)
# (the secondaries' windows open at 10:00, after the primaries' close: no HA overlap)
B = connector(2, "ham-01 secondary", last_heartbeat=OFFLINE, interrupt_window_hour_of_day=10)
C = connector(3, "fra-02 primary", last_heartbeat=ONLINE)
D = connector(4, "fra-02 secondary", last_heartbeat=OFFLINE, interrupt_window_hour_of_day=10)
MISSING = "f" * 32
HAM = dict(id="s1", name="ham-01", ha_mode=True, connector_id=A["id"], secondary_connector_id=B["id"])
FRA = dict(id="s2", name="fra-02", ha_mode=True, connector_id=C["id"], secondary_connector_id=D["id"])


def rows(*connectors, offline=()):
    """What the report hands over: id, name and the offline judgement."""
    return [
        dict(id=c["id"], name=c["notes"], findings=[dict(key="offline")] if c["id"] in offline else [])
        for c in connectors
    ]


def keys(found):
    return [(f["key"], f["site"], f["connectors"]) for f in found]


def test_a_healthy_account_has_no_site_finding():
    assert (
        site_findings(
            [FRA, dict(id="s3", name="solo", ha_mode=False, connector_id=A["id"])], rows(A, C, D, offline=[D["id"]])
        )
        == []
    )


def test_an_ha_site_with_an_empty_secondary_slot():
    found = site_findings(
        [dict(HAM, secondary_connector_id=""), dict(FRA, secondary_connector_id=None, ha_mode=False)], rows(A, C)
    )
    assert keys(found) == [("site_no_secondary", "ham-01", [A["id"]])]
    assert found[0]["text"] == "site ham-01 has HA on but no secondary connector: no redundancy"
    assert found[0]["site_id"] == "s1"


def test_a_site_naming_a_connector_that_does_not_exist():
    found = site_findings(
        [dict(HAM, secondary_connector_id=MISSING), dict(id="s9", connector_id=MISSING + "0")], rows(A)
    )
    assert keys(found) == [("site_unknown_connector", "ham-01", [A["id"]]), ("site_unknown_connector", "s9", [])]
    assert found[0]["text"] == "site ham-01 names secondary connector %s, which does not exist" % MISSING
    assert found[1]["text"] == "site s9 names primary connector %s0, which does not exist" % MISSING


def test_a_connector_left_out_of_the_report_still_exists():
    # The report hands over the connectors it excluded too (id and name): they are no missing connector.
    assert site_findings([HAM], rows(A) + [dict(id=B["id"], name="ham-01 secondary")]) == []


def test_a_list_filtered_by_device_type_judges_no_connector_missing():
    assert site_findings([dict(HAM, secondary_connector_id=MISSING)], rows(A), complete=False) == []


def test_a_connector_in_two_sites():
    lab = dict(id="s3", name="lab", ha_mode=False, connector_id=C["id"], secondary_connector_id=A["id"])
    found = site_findings([HAM, lab], rows(A, B, C))
    assert keys(found) == [("in_two_sites", "ham-01", [A["id"]])]
    assert found[0]["text"] == "connector ham-01 primary is in 2 sites: ham-01, lab"
    # The slot a connector holds: primary first, whatever the order of the list.
    assert [(site["id"], role) for site, role in memberships([lab, HAM])[A["id"]]] == [
        ("s1", "primary"),
        ("s3", "secondary"),
    ]


def test_a_missing_connector_in_two_sites_is_named_by_its_id():
    found = site_findings(
        [dict(id="s1", name="x", connector_id=MISSING), dict(id="s2", name="y", connector_id=MISSING)], rows(A)
    )
    assert [f["key"] for f in found] == ["site_unknown_connector", "site_unknown_connector", "in_two_sites"]
    assert found[2]["text"] == "connector %s is in 2 sites: x, y" % MISSING and found[2]["connectors"] == []


def test_an_ha_site_whose_two_members_are_offline():
    found = site_findings(
        [HAM, FRA, dict(id="s3", name="solo", ha_mode=False, connector_id=A["id"], secondary_connector_id=B["id"])],
        rows(A, B, C, D, offline=[A["id"], B["id"], D["id"]]),
    )
    assert keys(found) == [
        ("site_down", "ham-01", [A["id"], B["id"]]),
        ("in_two_sites", "ham-01", [A["id"]]),
        ("in_two_sites", "ham-01", [B["id"]]),
    ]
    assert found[0]["text"] == "HA site ham-01 is down: both members (ham-01 primary, ham-01 secondary) are offline"


def test_hostile_site_values_are_text():
    hostile = dict(id={"not": "a string"}, name=["<b>", "{{ x }}"], ha_mode=True, connector_id=7)
    found = site_findings([hostile], rows(A))
    assert keys(found) == [("site_no_secondary", "['<b>', '{{ x }}']", [])]


# --- through build_report --------------------------------------------------------------------------------------


def report(connectors, sites, **options):
    return build_report(connectors, sites, dict(dict(offline_hours=24), **options), NOW)


def summary(rep):
    return dict(
        (s["key"], s["count"])
        for s in rep["summary"]
        if s["key"] in ("site_down", "site_no_secondary", "site_unknown_connector", "in_two_sites")
    )


def test_site_findings_in_the_report_counts_attention_and_files():
    lab = dict(id="s3", name="lab <i>", ha_mode=True, connector_id=C["id"])
    sites = [HAM, dict(FRA, secondary_connector_id=MISSING), lab]
    rep = report([A, B, C], sites)
    assert summary(rep) == dict(site_down=2, site_no_secondary=1, site_unknown_connector=1, in_two_sites=1)
    by_name = dict((r["name"], sorted(f["key"] for f in r["findings"])) for r in rep["connectors"])
    assert by_name == {
        "ham-01 primary": ["offline", "site_down"],
        "ham-01 secondary": ["offline", "site_down"],
        "fra-02 primary": ["in_two_sites", "site_no_secondary", "site_unknown_connector"],
    }
    assert [f["severity"] for f in rep["site_findings"]] == ["critical", "warning", "warning", "warning"]
    files = render_all(rep, "Sites")
    page, markdown = files["report.html"], files["report.md"]
    assert '<td class="count" id="count-site_down">2</td>' in page
    assert "site lab &lt;i&gt; has HA on but no secondary connector" in page and "<i>" not in page
    assert "HA site ham-01 is down" in markdown and "| HA site without secondary | 1 | warning |" in markdown
    fra = [r for r in csv.DictReader(io.StringIO(files["connectors.csv"])) if r["notes"] == "fra-02 primary"][0]
    assert fra["finding_keys"] == "in_two_sites;site_no_secondary;site_unknown_connector"


def test_a_site_none_of_whose_connectors_exists_is_listed_under_stores():
    rep = report(
        [C], [dict(FRA, secondary_connector_id=None, ha_mode=False), dict(id="s9", name="ghost", connector_id=MISSING)]
    )
    assert rep["attention"] == [] and summary(rep)["site_unknown_connector"] == 0
    text = "site ghost names primary connector %s, which does not exist" % MISSING
    assert [f["text"] for f in rep["site_findings"]] == [text]
    assert text in render_all(rep, "Sites")["report.md"]


def test_ignored_site_findings_leave_the_stores_too():
    rep = without_findings(report([A, B], [HAM]), {"site_down"})
    assert rep["site_findings"] == [] and "site_down" not in summary(rep)
    assert all(f["key"] == "offline" for r in rep["attention"] for f in r["findings"])


def test_no_site_finding_when_sites_are_not_read():
    rep = report([A, B], None)
    assert rep["site_findings"] == [] and set(summary(rep).values()) == {0}


def test_connectors_complete_false_judges_none_missing():
    rep = report([C], [dict(FRA, secondary_connector_id=MISSING)], connectors_complete=False)
    assert rep["site_findings"] == [] and summary(rep)["site_unknown_connector"] == 0
