# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The audit report's content on fixed data (plugins/module_utils/_report.py and _report_render.py)."""

from __future__ import annotations

import csv
import datetime
import io

import pytest

from ansible_collections.cloudflare.magic_transit.plugins.module_utils._inputs import InvalidOption
from ansible_collections.cloudflare.magic_transit.plugins.module_utils._report import (
    build_report,
    drift_message,
    parse_version,
    standard_window,
    without_findings,
)
from ansible_collections.cloudflare.magic_transit.plugins.module_utils._report_render import render_all, write_files
from ansible_collections.cloudflare.magic_transit.tests.unit.plugins.module_utils.report_data import (
    BER_A,
    CONNECTORS,
    NOW,
    OPTIONS,
    SITES,
    UTC,
    connector,
)


def report(connectors=None, sites=(), now=NOW, **options):
    """The report of the fixed fleet (or of ``connectors``) with the fixed sites (``sites=None``: not read)."""
    return build_report(
        CONNECTORS if connectors is None else connectors, SITES if sites == () else sites, dict(OPTIONS, **options), now
    )


def count(rep, key):
    (found,) = [s["count"] for s in rep["summary"] if s["key"] == key]
    return found


def test_counts_per_finding():
    rep = report()
    assert dict((s["key"], s["count"]) for s in rep["summary"]) == dict(
        offline=2,
        ha_overlap=4,
        ha_timezones_differ=2,
        window_in_business_hours=0,
        unknown_timezone=0,
        unreadable_window=0,
        not_activated=1,
        old_version=1,
        no_window=0,
        duplicate_notes=2,
        no_site=1,
        window_differs=5,
        past_embargo_dates=1,
        site_down=0,
        site_no_secondary=0,
        site_unknown_connector=0,
        in_two_sites=0,
    )
    assert (rep["total"], rep["attention_count"]) == (8, 8)
    clean = dict(BER_A, site_id=None)
    assert report([clean], sites=None)["attention"] == [], "online, current, on the standard, no peer: no finding"


def test_connectors_needing_attention_are_sorted_by_severity():
    rep = report()
    assert [(r["name"], r["id"][-1]) for r in rep["attention"]] == [
        ("sfo-lab", "6"),  # critical, 4 findings
        ("lon-store-01 primary", "1"),  # critical, 3 findings (its peer is in another time zone), by name
        ("lon-store-01 secondary <b>", "2"),
        ("ber-branch-01 secondary", "4"),  # critical, 2 findings, by name
        ("tyo-store-114", "7"),
        ("ber-branch-01 primary", "3"),  # critical, 1 finding
        ("muc-branch-02", "5"),  # warnings; the same notes: by id
        ("muc-branch-02", "8"),
    ]
    assert [f["key"] for f in rep["attention"][0]["findings"]] == [
        "offline",
        "not_activated",
        "no_site",
        "past_embargo_dates",
    ]


def test_ha_overlap_is_judged_in_utc_across_dst():
    # London Sunday 01:00 and New York Saturday 21:00 meet at 01:00 UTC only while New York is on summer time and
    # London is not (15 and 22 March; on 29 March London's 01:00 falls in its DST gap and is counted both ways; and in
    # autumn, 25 October and 1 November, between London's change and New York's: the audit looks 53 weeks ahead).
    rep = report()
    berlin, overlap = rep["ha_overlaps"]
    # Berlin's back-to-back windows (01:00-05:00, 05:00-09:00) touch, except on 29 March: the clocks go forward
    # within the first window, which may then close at 05:00 local or after 4 real hours (06:00): judged as both.
    assert berlin["group"] == "ber-branch-01" and berlin["intervals"] == [
        ("2026-03-29T03:00:00+00:00", "2026-03-29T04:00:00+00:00")
    ]
    assert overlap["group"] == "lon-store-01" and overlap["connectors"] == [
        "lon-store-01 primary",
        "lon-store-01 secondary <b>",
    ]
    starts = [datetime.datetime.fromisoformat(s) for s, e in overlap["intervals"]]
    assert starts == [
        datetime.datetime(2026, m, d, 1, tzinfo=UTC) for m, d in ((3, 15), (3, 22), (3, 29), (10, 25), (11, 1))
    ]
    assert rep["calendar"]["ha_hours"] == [(5, 1)], "Sunday 15 March (day 5 from Tuesday 10 March), 01:00-02:00 UTC"
    assert rep["calendar"]["ha_down"] == [
        dict(
            group="lon-store-01",
            connectors=["lon-store-01 primary", "lon-store-01 secondary <b>"],
            start="Sun 2026-03-15 01:00",
            end="02:00",
        )
    ]
    (text,) = [
        f["text"]
        for r in rep["connectors"]
        if r["name"] == "lon-store-01 primary"
        for f in r["findings"]
        if f["key"] == "ha_overlap"
    ]
    assert (
        text
        == "window overlaps its HA peer lon-store-01 secondary <b>: 1 h in the next 7 days, first Sun 2026-03-15 01:00-02:00 UTC"
    )
    # From Tuesday 3 February both are on winter time: 01:00 and 02:00 UTC, one after the other, never together.
    winter = report(now=datetime.datetime(2026, 2, 3, 9, tzinfo=UTC))["calendar"]
    assert winter["ha_hours"] == [] and winter["days"][5] == "Sun 02-08"
    # Sunday 01:00 UTC: London, Berlin (00:00-04:00 UTC), muc-branch-02 and sfo-lab; 02:00: New York instead of London
    assert winter["counts"][5][1:3] == [4, 4]


def test_the_calendar_counts_connectors_in_their_window_per_utc_hour():
    cal = report()["calendar"]
    assert cal["start"] == "2026-03-10" and cal["days"][0] == "Tue 03-10" and len(cal["counts"]) == 7
    # Sunday 15 March 01:00 UTC: London, New York (summer time), Berlin (00:00-04:00 UTC), muc-branch-02, sfo-lab
    assert cal["counts"][5][1] == 5 and cal["max"] == 5
    # tyo-store-114 is UTC Monday to Thursday 03:00-05:00: alone on Tuesday 10 March
    assert cal["counts"][0][3:5] == [1, 1] and sum(cal["counts"][0]) == 2
    assert cal["embargo"] == [dict(date="2026-12-24", count=1, connectors=["sfo-lab"])]


def test_a_window_without_a_day_is_a_finding_and_has_no_opening():
    never = connector(9, "never-updated", interrupt_window_days_of_week=[])
    rep = report([never], sites=None, standard_window=None)
    assert [f["key"] for f in rep["attention"][0]["findings"]] == ["no_window"]
    assert rep["connectors"][0]["window_local"].startswith("no day ") and sum(map(sum, rep["calendar"]["counts"])) == 0


def test_embargo_dates_close_the_window_of_that_local_day():
    closed = connector(9, "closed", interrupt_window_embargo_dates=["2026-03-14", "2026-03-15"])
    cal = report([closed], sites=None)["calendar"]
    assert sum(map(sum, cal["counts"])) == 0


def test_versions_are_compared_number_by_number():
    assert parse_version("2026.10.0") > parse_version("2026.9.3")
    assert parse_version("2026.2") == parse_version("2026.2.0")
    rep = report(min_version="2026.10")
    old = sorted(r["id"][-1] for r in rep["connectors"] if "old_version" in [f["key"] for f in r["findings"]])
    # 2026.10.0 (8) is not older than 2026.10; every 2026.2.x and 2026.3.x is; tyo-store-114 (7) reports no version
    assert old == ["1", "2", "3", "4", "5", "6"]


@pytest.mark.parametrize("value", ["2026.x", "v2026.1", "2026..1", " ", "latest"])
def test_a_bad_minimum_version_fails_naming_the_option(value):
    with pytest.raises(InvalidOption, match=r"^min_version must be a version such as 2026\.2\.0"):
        report(min_version=value)


def test_an_unreadable_connector_version_is_reported_not_fatal():
    odd = connector(9, "odd", last_seen_version="beta-7")
    (row,) = report([odd], sites=None)["attention"]
    assert row["findings"][0]["text"] == "reports version 'beta-7', which cannot be compared with 2026.3"


def test_the_standard_window_is_a_preset_or_explicit():
    assert standard_window(dict(preset="weeknights")) == dict(
        days=["Monday", "Tuesday", "Wednesday", "Thursday"], hour=1, duration=3
    )
    assert standard_window(dict(preset="weekend_nights", hour=2)) == dict(
        days=["Sunday", "Saturday"], hour=2, duration=4
    )
    assert standard_window(dict(days=["saturday"], hour=3, duration=2)) == dict(days=["Saturday"], hour=3, duration=2)
    assert standard_window(dict(preset=None, days=None, hour=None, duration=None)) is None
    with pytest.raises(InvalidOption, match="^standard_window needs a preset or all of days, hour and duration"):
        standard_window(dict(days=["Sunday"], hour=3))
    with pytest.raises(InvalidOption, match="^standard_window.preset must be one of always_on_short, sunday_early"):
        standard_window(dict(preset="lunch"))
    with pytest.raises(InvalidOption, match="^standard_window.days must list days"):
        standard_window(dict(days=["Funday"], hour=3, duration=2))
    assert count(report(standard_window=None), "window_differs") == 0


def test_offline_threshold_and_no_site_without_sites():
    assert count(report(offline_hours=50), "offline") == 1, "sfo-lab is 49 hours silent"
    with pytest.raises(InvalidOption, match="^offline_hours must be a number of hours above 0"):
        report(offline_hours=0)
    rep = report(sites=None)
    assert count(rep, "no_site") == 0 and not rep["sites_read"]
    # without the sites list HA groups come from site_id: the same pair overlaps
    assert count(rep, "ha_overlap") == 4


def test_drift_message_names_connectors_by_notes_at_most_twenty():
    many = [connector(100 + n, "store-%03d" % n, activated=False) for n in range(25)]
    message = drift_message(report(many, sites=None, standard_window=None))
    assert message.startswith(
        "25 of 25 connector(s) need attention: store-000 (not activated), store-001 (not activated)"
    )
    assert message.endswith("store-019 (not activated) and 5 more") and "store-020" not in message


def test_ignored_findings_leave_counts_attention_and_drift():
    rep = without_findings(report(), {"window_differs", "duplicate_notes", "ha_overlap"})
    assert [s["key"] for s in rep["summary"]] == [
        "offline",
        "site_down",
        "ha_timezones_differ",
        "window_in_business_hours",
        "unknown_timezone",
        "unreadable_window",
        "not_activated",
        "old_version",
        "no_window",
        "no_site",
        "site_no_secondary",
        "site_unknown_connector",
        "in_two_sites",
        "past_embargo_dates",
    ]
    # (lon-store-01's members still differ in time zone, a warning)
    assert [r["name"] for r in rep["attention"]] == [
        "sfo-lab",
        "tyo-store-114",
        "lon-store-01 primary",
        "lon-store-01 secondary <b>",
        "muc-branch-02",
    ]
    assert "window differs" not in drift_message(rep)


def test_rendered_files():
    files = render_all(report(), "Audit <test>")
    page = files["report.html"]
    assert (
        "<title>Audit &lt;test&gt;</title>" in page and "lon-store-01 secondary &lt;b&gt;" in page and "<b>" not in page
    )
    assert "<script" not in page and "<link" not in page and "src=" not in page, "self-contained, no script"
    assert '<td class="count" id="count-window_differs">5</td>' in page and "<svg" in page
    rows = list(csv.DictReader(io.StringIO(files["connectors.csv"])))
    assert [r["id"] for r in rows] == sorted(
        (c["id"] for c in CONNECTORS), key=lambda i: ([c for c in CONNECTORS if c["id"] == i][0]["notes"], i)
    )
    silent = [r for r in rows if r["notes"] == "sfo-lab"][0]
    assert silent["heartbeat_age_hours"] == "49.0" and silent["activated"] == "false" and silent["site"] == ""
    assert silent["window_local"] == "Sat, Sun 01:00-05:00 UTC" and silent["window_utc"] == "Sat, Sun 01:00-05:00 UTC"
    nyc = [r for r in rows if r["notes"].startswith("lon-store-01 secondary")][0]
    assert nyc["window_local"] == "Sat 21:00-22:00 America/New_York" and nyc["window_utc"] == "Sun 01:00-02:00 UTC"
    markdown = files["report.md"]
    # (the notes' raw HTML is escaped, issue 21)
    assert (
        "| Offline | 2 | critical |" in markdown
        and "- lon-store-01: lon-store-01 primary and lon-store-01 secondary \\<b\\>, Sun 2026-03-15 01:00-02:00 UTC"
        in markdown
        and "<b>" not in markdown
    )
    svg = files["calendar.svg"]
    assert svg.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg"')
    assert "Tue 03-10" in svg and "Next embargo / freeze dates: 2026-12-24 (1)" in svg and "&lt;b&gt;" in svg


def test_files_are_written_only_when_they_differ(tmp_path):
    files = render_all(report(), "Audit")
    dest = tmp_path / "new" / "dir"
    assert write_files(str(dest), files, check_mode=True) == (True, dict((n, str(dest / n)) for n in files))
    assert not dest.exists(), "check mode writes nothing"
    changed, paths = write_files(str(dest), files)
    assert changed and sorted(p.name for p in dest.iterdir()) == sorted(files)
    assert (dest / "report.md").read_text(encoding="utf-8") == files["report.md"]
    assert write_files(str(dest), files) == (False, paths)
    assert write_files(str(dest), dict(files, **{"report.md": "other\n"}))[0] is True


def test_ha_pairs_down_together_are_named_next_to_the_summary():
    """Issue 22: people read the table (and print in black and white): the shared UTC days and hours in words."""
    rep = report()
    texts = [d["text"] for d in rep["ha_down"]]
    assert "Sun 01:00-02:00 UTC: lon-store-01 primary and lon-store-01 secondary <b> (lon-store-01)" in texts
    assert len(texts) == len(set(texts)) >= 1
    files = render_all(rep, "Audit")
    page = files["report.html"]
    summary_end, attention = page.index("</tbody></table>"), page.index("Connectors that need attention")
    section = page[summary_end:attention]
    assert 'id="ha-down">HA pairs down together (%d)' % len(texts) in section
    assert (
        "Sun 01:00-02:00 UTC: <bdi>lon-store-01 primary</bdi> and <bdi>lon-store-01 secondary &lt;b&gt;</bdi>"
        in section
    )
    markdown = files["report.md"]
    assert markdown.index("## HA pairs down together") < markdown.index("## Connectors that need attention")
    assert "- Sun 01:00-02:00 UTC: lon-store-01 primary and lon-store-01 secondary \\<b\\> (lon-store-01)" in markdown


def test_no_ha_pair_down_says_so():
    rep = report([connector(1, "solo")], sites=None)
    assert rep["ha_down"] == []
    assert "No HA pair is down at the same time." in render_all(rep, "Audit")["report.html"]


# --- business hours, HA members in different zones, the store roll-up, long lists --------------------------------------


@pytest.mark.parametrize(
    "hours, opening_hours, inside",
    [
        ("09:00-21:00", [9, 10, 20], True),
        ("09:00-21:00", [21, 23, 0, 8], False),
        ("18:00-02:00", [18, 23, 0, 1], True),
        ("18:00-02:00", [2, 3, 17], False),
        ("00:00-24:00", [0, 12, 23], True),
        ("09:30-21:00", [9], False),
        ("09:30-21:00", [10], True),
    ],
)
def test_business_hours(hours, opening_hours, inside):
    from ansible_collections.cloudflare.magic_transit.plugins.module_utils._report import business_hours, opens_inside

    assert [opens_inside(business_hours(hours), h) for h in opening_hours] == [inside] * len(opening_hours)


def test_windows_opening_in_business_hours_are_findings():
    shop = connector(1, "shop-01", timezone="Europe/Berlin", interrupt_window_hour_of_day=10)
    night = connector(2, "shop-02", timezone="Europe/Berlin", interrupt_window_hour_of_day=2)
    rep = report([shop, night], sites=None, business_hours="09:00-21:00")
    findings = dict(
        (r["name"], [f["text"] for f in r["findings"] if f["key"] == "window_in_business_hours"])
        for r in rep["connectors"]
    )
    assert findings == {"shop-01": ["window opens at 10:00 local, inside business hours 09:00-21:00"], "shop-02": []}


def test_ha_members_in_different_time_zones_are_findings():
    primary = connector(1, "store-7 primary", timezone="America/Chicago", site_id="s7")
    secondary = connector(2, "store-7 secondary", timezone="UTC", site_id="s7", primary=False)
    rep = report([primary, secondary], sites=None)
    texts = [f["text"] for r in rep["connectors"] for f in r["findings"] if f["key"] == "ha_timezones_differ"]
    assert texts == [
        "its time zone America/Chicago differs from its HA peer(s) store-7 secondary (UTC)",
        "its time zone UTC differs from its HA peer(s) store-7 primary (America/Chicago)",
    ]


def test_store_rollup_and_zone_counts_come_first():
    down = [
        connector(1, "s1 a", site_id="s1", last_heartbeat=None),
        connector(2, "s1 b", site_id="s1", primary=False, last_heartbeat=None),
    ]
    degraded = [connector(3, "s2 a", site_id="s2"), connector(4, "s2 b", site_id="s2", primary=False, activated=False)]
    single = [connector(5, "s3 only", site_id="s3", interrupt_window_hour_of_day=9)]
    healthy = [
        connector(6, "s4 a", site_id="s4", timezone="Asia/Tokyo"),
        connector(7, "s4 b", site_id="s4", primary=False, timezone="Asia/Tokyo", interrupt_window_hour_of_day=6),
    ]
    rep = report(down + degraded + single + healthy + [connector(8, "no store")], sites=None, standard_window=None)
    assert rep["stores"] == dict(
        total=4,
        down=[dict(store="s1", members=["s1 a", "s1 b"])],
        without_redundancy=[
            dict(store="s2", reason="s2 b offline or not activated"),
            dict(store="s3", reason="one connector only (s3 only)"),
        ],
    )
    assert rep["zones"][0] == dict(zone="UTC", connectors=6, attention=4)  # s1 and s2 (their windows overlap too)
    assert dict(zone="Asia/Tokyo", connectors=2, attention=0) in rep["zones"]
    files = render_all(rep, "Audit")
    page, markdown = files["report.html"], files["report.md"]
    assert page.index('id="stores"') < page.index("<h2>Summary</h2>") < page.index("<h2>Per time zone</h2>")
    assert (
        "4 store(s): 1 down, 2 without redundancy" in page
        and "<strong>down</strong>: <bdi>s1 (s1 a, s1 b)</bdi>" in page
    )
    assert markdown.index("## Stores") < markdown.index("## Summary") and "- **down**: s1 (s1 a, s1 b)" in markdown


def test_long_lists_stop_at_twenty():
    stores = [connector(n, "store-%02d" % n, site_id="site-%02d" % n, last_heartbeat=None) for n in range(1, 31)]
    rep = report(stores, sites=None, standard_window=None)
    page = render_all(rep, "Audit")["report.html"]
    assert page.count("<strong>down</strong>") == 20 and "<p>and 10 more</p>" in page


def test_the_markdown_calendar_list_stops_at_twenty():
    pairs = []
    for n in range(1, 31):
        pairs += [
            connector(2 * n, "p%02d a" % n, site_id="s%02d" % n),
            connector(2 * n + 1, "p%02d b" % n, site_id="s%02d" % n, primary=False),
        ]
    markdown = render_all(report(pairs, sites=None, standard_window=None), "Audit")["report.md"]
    calendar_part = markdown[markdown.index("## Maintenance calendar") :]
    assert calendar_part.count(" UTC\n") == 20 and "- and 40 more" in calendar_part
