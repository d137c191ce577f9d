# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The audit report (``_report.build_report``) as files people read: one self-contained HTML page (inline CSS and
SVG, no script, no external asset, printable), Markdown for a ticket or chat, CSV of every connector, and the
maintenance calendar as SVG."""

from __future__ import annotations

import csv
import io
import os
import re
import unicodedata
from html import escape as _html_escape

from ._change import MAX_NAMED
from ._files import write_atomically
from ._inputs import InvalidOption

CSV_COLUMNS = (
    "id",
    "notes",
    "site",
    "device_type",
    "serial_number",
    "timezone",
    "last_heartbeat",
    "heartbeat_age_hours",
    "version",
    "activated",
    "window_local",
    "window_utc",
    "findings",
    "finding_keys",
)
TABLE_COLUMNS = (
    ("Notes", "notes"),
    ("Site", "site"),
    ("Device", "device"),
    ("Time zone", "timezone"),
    ("Last heartbeat", "heartbeat"),
    ("Version", "version"),
    ("Activated", "activated"),
    ("Window (local)", "window_local"),
    ("Window (UTC)", "window_utc"),
    ("Findings", "findings"),
)
SEVERITIES = ("critical", "warning", "notice")
COLOURS = dict(critical="#b3261e", warning="#a15c00", notice="#3b5ba5")
HA_COLOUR = "#d93025"
# calendar geometry (px)
CELL_W, CELL_H, LEFT, TOP = 30, 24, 86, 40

# Every string of a report may come from the API (notes, site names, versions, time zones), written by anyone who can
# edit a connector: each format escapes it its own way.
# XML 1.0 forbids most C0 controls, surrogates and U+FFFE/U+FFFF; HTML pages are no better off with them.
_NOT_XML = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# Line and paragraph breaks and the other controls that would split a Markdown table row or a line of text.
_BREAKS = re.compile("[\u0000-\u001f\u007f-\u009f\u2028\u2029]+")
# First strong isolate ... pop directional isolate: a right-to-left override inside a name ends with the name and
# cannot reverse the times printed after it.
FSI, PDI = "\u2068", "\u2069"
# Markdown: every character with an inline meaning (emphasis, code, links, images, raw HTML, entities, tables,
# strike-through, e-mail autolinks) is backslash-escaped; so are the ':' of '://' and the '.' of 'www.', so that no
# text becomes a link (GitHub's extended autolinks). The text always follows '| ' or '- ', never starts a line.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>!|~&@])")
_AUTOLINK = re.compile(r"(?i)(:)(?=//)|(?<=www)(\.)")
# Spreadsheets run a cell that starts with one of these as a formula (OWASP "CSV injection"); a leading apostrophe
# makes it text. A cell that already starts with an apostrophe gets one more, so that reading back is always "drop
# one leading apostrophe".
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "'")


def clean(text):
    """Text without the characters XML forbids."""
    return _NOT_XML.sub("", str(text))


def escape(text):
    """Text for HTML and SVG: XML-forbidden characters and bidirectional embeddings and overrides dropped, markup
    escaped (isolates stay: ``isolated`` adds them, and an element isolates a stray one)."""
    return _html_escape(_BIDI_OVERRIDES.sub("", clean(text)))


def isolated(text):
    """Text from the API with its own isolates and overrides dropped and, when it holds right-to-left characters or
    held such controls, between bidirectional isolates (FSI ... PDI): it cannot reorder what is printed after it."""
    text = str(text)
    if not any(unicodedata.bidirectional(c) in _RIGHT_TO_LEFT for c in text):
        return text
    return FSI + _BIDI_CONTROLS.sub("", text) + PDI


_RIGHT_TO_LEFT = frozenset(("R", "AL", "RLE", "RLO", "LRE", "LRO", "RLI", "LRI", "FSI", "PDI", "PDF"))


_BIDI_OVERRIDES = re.compile("[\u202a-\u202e]")
_BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


def csv_cell(value):
    """A CSV cell a spreadsheet shows as text: a string starting like a formula gets a leading apostrophe. A NUL is
    dropped: no spreadsheet keeps one, and Python's csv module before 3.11 cannot write it."""
    if isinstance(value, str):
        value = value.replace("\x00", "")
        if value.startswith(_FORMULA_START):
            return "'" + value
    return value


def _age(hours):
    if hours is None:
        return "never"
    if hours < 1:
        return "%d min ago" % round(hours * 60)
    if hours < 48:
        return "%.0f h ago" % hours
    return "%.0f days ago" % (hours / 24)


def _cells(row):
    """A connector's table cells as text."""
    return dict(
        notes=row["notes"] or row["name"],
        site=row["site"] or "-",
        device="%s %s" % (row["device_type"], row["serial_number"] or "(no serial)"),
        timezone=row["timezone"],
        heartbeat=(
            "%s (%s)" % (row["last_heartbeat"], _age(row["heartbeat_age_hours"])) if row["last_heartbeat"] else "never"
        ),
        version=row["version"] or "-",
        activated="yes" if row["activated"] else "no",
        window_local=row["window_local"],
        window_utc=row["window_utc"],
        findings="; ".join(f["text"] for f in row["findings"]),
    )


def _capped(items, limit=MAX_NAMED):
    """The first ``limit`` items and how many more there are."""
    return items[:limit], max(0, len(items) - limit)


def _stores_lines(report):
    """The per-store roll-up as (headline, [(label, text)]): stores down first, then those without redundancy."""
    stores = report["stores"]
    headline = "%d store(s): %d down, %d without redundancy" % (
        stores["total"],
        len(stores["down"]),
        len(stores["without_redundancy"]),
    )
    lines = [("down", "%s (%s)" % (s["store"], ", ".join(s["members"]))) for s in stores["down"]]
    lines += [("no redundancy", "%s: %s" % (s["store"], s["reason"])) for s in stores["without_redundancy"]]
    lines += [(f["severity"], f["text"]) for f in report.get("site_findings", ())]
    return headline, lines


def _since_text(report):
    since = report.get("since_previous")
    if not since or not since["previous"]:
        return "no earlier report in this folder", [], []
    return (
        "%d new finding(s), %d resolved" % (len(since["new"]), len(since["resolved"])),
        since["new"],
        since["resolved"],
    )


def _options_text(report):
    options = report["options"]
    parts = ["offline after %s h without a heartbeat" % options["offline_hours"]]
    parts.append("minimum version %s" % options["min_version"] if options["min_version"] else "no minimum version")
    parts.append(
        "standard window " + options["standard_window_text"]
        if options["standard_window_text"]
        else "no standard window"
    )
    parts.append("sites read" if report["sites_read"] else "sites not read")
    if report.get("business_hours"):
        parts.append("business hours %s local" % report["business_hours"])
    if report.get("excluded"):
        parts.append("%d connector(s) excluded" % len(report["excluded"]))
    return "; ".join(parts)


def render_svg(report, standalone=True, title=None):
    """The maintenance calendar: 7 days (rows) x 24 UTC hours (columns), shaded by how many connectors are in
    their window; hours where two members of an HA group are both in their windows in red and listed below."""
    cal = report["calendar"]
    width = LEFT + 24 * CELL_W + 20
    listed = ["HA groups down together (UTC): " + ("none" if not cal["ha_down"] else "")]
    listed += [
        "  %s: %s and %s, %s-%s"
        % (isolated(d["group"]), isolated(d["connectors"][0]), isolated(d["connectors"][1]), d["start"], d["end"])
        for d in cal["ha_down"][:12]
    ]
    if len(cal["ha_down"]) > 12:
        listed.append("  and %d more" % (len(cal["ha_down"]) - 12))
    embargo = ", ".join("%s (%d)" % (isolated(e["date"]), e["count"]) for e in cal["embargo"])
    listed.append("Next embargo / freeze dates: " + (embargo or "none"))
    grid_bottom = TOP + 7 * CELL_H
    height = grid_bottom + 40 + 18 * len(listed)
    out = []
    if standalone:
        out.append('<?xml version="1.0" encoding="UTF-8"?>')
    out.append(
        '<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" role="img" '
        'font-family="Helvetica, Arial, sans-serif" font-size="12">' % (width, height, width, height)
    )
    out.append("<title>Maintenance calendar (UTC) from %s</title>" % escape(cal["start"]))
    out.append('<rect width="100%" height="100%" fill="#ffffff"/>')
    heading = "%s: " % title if title else ""
    out.append(
        '<text x="%d" y="16" font-size="14" font-weight="bold">%sConnectors in their maintenance window, per UTC hour, '
        "from %s (max %d)</text>" % (10, escape(heading), escape(cal["start"]), cal["max"])
    )
    for hour in range(24):
        out.append(
            '<text x="%d" y="%d" text-anchor="middle" fill="#444">%02d</text>'
            % (LEFT + hour * CELL_W + CELL_W // 2, TOP - 6, hour)
        )
    out += _svg_grid(cal)
    legend_y = grid_bottom + 20
    out.append(
        '<rect x="%d" y="%d" width="14" height="14" fill="%s"/><text x="%d" y="%d">connectors in window (darker: more)</text>'
        % (LEFT, legend_y - 11, _shade(1, 1), LEFT + 20, legend_y)
    )
    out.append(
        '<rect x="%d" y="%d" width="14" height="14" fill="%s"/><text x="%d" y="%d">'
        "both members of an HA group in their windows</text>"
        % (LEFT + 300, legend_y - 11, HA_COLOUR, LEFT + 320, legend_y)
    )
    for index, line in enumerate(listed):
        colour = HA_COLOUR if index and index < len(listed) - 1 else "#1a1a1a"
        out.append(
            '<text x="10" y="%d" fill="%s" xml:space="preserve">%s</text>'
            % (legend_y + 24 + 18 * index, colour, escape(line))
        )
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _svg_grid(cal):
    """The calendar's cells: a row per day, a column per UTC hour, each with its count and a tooltip."""
    cells = []
    ha = set(tuple(c) for c in cal["ha_hours"])
    for day, label in enumerate(cal["days"]):
        y = TOP + day * CELL_H
        cells.append('<text x="%d" y="%d" text-anchor="end">%s</text>' % (LEFT - 8, y + CELL_H - 8, escape(label)))
        for hour in range(24):
            count = cal["counts"][day][hour]
            x = LEFT + hour * CELL_W
            fill = HA_COLOUR if (day, hour) in ha else _shade(count, cal["max"])
            stroke = ' stroke="#ffffff" stroke-width="1"'
            cells.append(
                '<rect x="%d" y="%d" width="%d" height="%d" fill="%s"%s><title>%s %02d:00 UTC: %d connector(s)%s</title></rect>'
                % (
                    x,
                    y,
                    CELL_W,
                    CELL_H,
                    fill,
                    stroke,
                    escape(label),
                    hour,
                    count,
                    ", HA group down" if (day, hour) in ha else "",
                )
            )
            if count:
                colour = "#ffffff" if count > cal["max"] / 2 or (day, hour) in ha else "#1a1a1a"
                cells.append(
                    '<text x="%d" y="%d" text-anchor="middle" fill="%s">%d</text>'
                    % (x + CELL_W // 2, y + CELL_H - 8, colour, count)
                )
    return cells


def _shade(count, maximum):
    if not count:
        return "#f1f3f4"
    share = count / float(maximum or 1)
    # from a light to a dark blue
    red, green, blue = (int(round(a + (b - a) * share)) for a, b in ((198, 16), (219, 70), (239, 140)))
    return "#%02x%02x%02x" % (red, green, blue)


def render_html(report, title):
    """One page: title, thresholds, summary counts, connectors needing attention (worst first), calendar."""
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>%s</title>" % escape(title),
        "<style>",
        _CSS,
        "</style></head><body>",
        "<h1>%s</h1>" % escape(title),
        '<p class="meta">Generated %s &middot; %d connector(s), <strong id="attention-count">%d</strong> need attention &middot; %s</p>'
        % (escape(report["generated_at"]), report["total"], report["attention_count"], escape(_options_text(report))),
    ]
    for section in (_html_stores, _html_summary, _html_ha_down, _html_since, _html_attention, _html_zones):
        out += section(report)
    out.append(
        '<h2>Maintenance calendar (UTC)</h2><div class="calendar">%s</div>' % render_svg(report, standalone=False)
    )
    out.append(
        '<p class="meta">Every connector, one row each: connectors.csv. The same report in Markdown: report.md.</p>'
    )
    out.append("</body></html>")
    return "\n".join(out) + "\n"


def _html_stores(report):
    headline, lines = _stores_lines(report)
    shown, more = _capped(lines)
    out = ['<h2 id="stores">Stores</h2><p><strong>%s</strong></p>' % escape(headline)]
    if shown:
        out.append(
            '<ul class="stores">%s</ul>'
            % "".join(
                "<li><strong>%s</strong>: <bdi>%s</bdi></li>" % (escape(label), escape(text)) for label, text in shown
            )
        )
    if more:
        out.append("<p>and %d more</p>" % more)
    return out


def _html_summary(report):
    out = [
        "<h2>Summary</h2>",
        '<table class="summary"><thead><tr><th>Finding</th><th>Connectors</th><th>Severity</th>'
        "<th>Meaning</th></tr></thead><tbody>",
    ]
    for item in report["summary"]:
        out.append(
            '<tr class="%s"><td>%s</td><td class="count" id="count-%s">%d</td><td><span class="sev %s">%s</span></td><td>%s</td></tr>'
            % (
                "zero" if not item["count"] else "",
                escape(item["title"]),
                item["key"],
                item["count"],
                item["severity"],
                item["severity"],
                escape(item["meaning"]),
            )
        )
    out.append("</tbody></table>")
    return out


def _html_ha_down(report):
    out = ['<h2 id="ha-down">HA pairs down together (%d)</h2>' % len(report["ha_down"])]
    if not report["ha_down"]:
        return out + ["<p>No HA pair is down at the same time.</p>"]
    out.append(
        '<ul class="ha-down">%s</ul>'
        % "".join(
            "<li>%s: <bdi>%s</bdi> and <bdi>%s</bdi> (<bdi>%s</bdi>)</li>"
            % (escape(d["when"]), escape(d["connectors"][0]), escape(d["connectors"][1]), escape(d["group"]))
            for d in report["ha_down"][:MAX_NAMED]
        )
    )
    if len(report["ha_down"]) > MAX_NAMED:
        out.append("<p>and %d more (the calendar below lists them by hour)</p>" % (len(report["ha_down"]) - MAX_NAMED))
    return out


def _html_since(report):
    since, new, resolved = _since_text(report)
    out = ['<h2 id="since">Since the previous report</h2><p>%s</p>' % escape(since)]
    for label, items in (("New", new), ("Resolved", resolved)):
        if items:
            shown, more = _capped(items)
            out.append(
                "<p><strong>%s</strong>: %s</p>"
                % (
                    label,
                    ", ".join("<bdi>%s</bdi>" % escape(i) for i in shown) + (" and %d more" % more if more else ""),
                )
            )
    return out


def _html_attention(report):
    worklist, rest = _capped(report["attention"], report.get("worklist_limit") or len(report["attention"]))
    out = ["<h2>Connectors that need attention (%d)</h2>" % report["attention_count"]]
    if not report["attention"]:
        return out + ["<p>No connector needs attention.</p>"]
    out.append(
        '<table class="attention"><thead><tr>%s</tr></thead><tbody>'
        % "".join("<th>%s</th>" % h for h, k in TABLE_COLUMNS)
    )
    for row in worklist:
        cells = _cells(row)
        worst = min((f["severity"] for f in row["findings"]), key=SEVERITIES.index)
        items = [
            '<li><span class="sev %s">%s</span> <bdi>%s</bdi></li>' % (f["severity"], f["severity"], escape(f["text"]))
            for f in row["findings"]
        ]
        findings = "<ul>%s</ul>" % "".join(items)
        tds = [
            "<td>%s</td>" % (findings if key == "findings" else "<bdi>%s</bdi>" % escape(cells[key]))
            for h, key in TABLE_COLUMNS
        ]
        out.append('<tr class="row-%s" title="%s">%s</tr>' % (worst, escape(row["id"]), "".join(tds)))
    out.append("</tbody></table>")
    if rest:
        out.append(
            '<p id="worklist-rest">and %d more connector(s) that need attention, worst first above; '
            "connectors.csv lists every connector with its findings.</p>" % rest
        )
    return out


def _html_zones(report):
    zones, more = _capped(report.get("zones") or [])
    out = [
        '<h2>Per time zone</h2><table class="zones"><thead><tr><th>Time zone</th><th>Connectors</th>'
        "<th>Need attention</th></tr></thead><tbody>%s</tbody></table>"
        % "".join(
            '<tr><td><bdi>%s</bdi></td><td class="count">%d</td><td class="count">%d</td></tr>'
            % (escape(z["zone"]), z["connectors"], z["attention"])
            for z in zones
        )
    ]
    if more:
        out.append("<p>and %d more time zones (connectors.csv)</p>" % more)
    return out


_CSS = (
    """
body { font-family: Helvetica, Arial, sans-serif; color: #1a1a1a; margin: 24px; font-size: 14px; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 24px 0 8px; }
.meta { color: #555; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 1px solid #d0d4d9; padding: 4px 6px; text-align: left; vertical-align: top; }
th { background: #eef1f4; }
table.summary { width: auto; } td.count { text-align: right; font-weight: bold; }
tr.zero td { color: #888; } tr.zero td.count { font-weight: normal; }
.sev { display: inline-block; border-radius: 3px; padding: 0 4px; color: #fff; font-size: 11px; text-transform: uppercase; }
.sev.critical { background: CRITICAL; } .sev.warning { background: WARNING; } .sev.notice { background: NOTICE; }
tr.row-critical td:first-child { border-left: 4px solid CRITICAL; }
tr.row-warning td:first-child { border-left: 4px solid WARNING; }
tr.row-notice td:first-child { border-left: 4px solid NOTICE; }
ul { margin: 0; padding-left: 16px; }
.calendar svg { max-width: 100%; height: auto; }
@media print { body { margin: 8mm; font-size: 10px; } tr { page-break-inside: avoid; } h2 { page-break-after: avoid; } }
""".replace("CRITICAL", COLOURS["critical"])
    .replace("WARNING", COLOURS["warning"])
    .replace("NOTICE", COLOURS["notice"])
)


def render_markdown(report, title):
    """The same content for a ticket or chat."""
    out = [
        "# %s" % title,
        "",
        "Generated %s: %d connector(s), **%d need attention** (%s)."
        % (report["generated_at"], report["total"], report["attention_count"], _md(_options_text(report))),
        "",
    ]
    headline, lines = _stores_lines(report)
    shown, more = _capped(lines)
    out += ["## Stores", "", "**%s**" % headline, ""]
    out += ["- **%s**: %s" % (label, _md(text)) for label, text in shown]
    out += ["- and %d more" % more] if more else []
    out += ["", "## Summary", "", "| Finding | Connectors | Severity |", "|---|---:|---|"]
    out += ["| %s | %d | %s |" % (i["title"], i["count"], i["severity"]) for i in report["summary"]]
    out += ["", "## HA pairs down together (%d)" % len(report["ha_down"]), ""]
    out += [
        "- %s: %s and %s (%s)" % (d["when"], _md(d["connectors"][0]), _md(d["connectors"][1]), _md(d["group"]))
        for d in report["ha_down"][:MAX_NAMED]
    ]
    if len(report["ha_down"]) > MAX_NAMED:
        out.append("- and %d more" % (len(report["ha_down"]) - MAX_NAMED))
    if not report["ha_down"]:
        out.append("No HA pair is down at the same time.")
    since, new, resolved = _since_text(report)
    out += ["", "## Since the previous report", "", since]
    for label, items in (("New", new), ("Resolved", resolved)):
        if items:
            shown, more = _capped(items)
            out.append("- %s: %s%s" % (label, ", ".join(_md(i) for i in shown), " and %d more" % more if more else ""))
    out += _md_worklist(report)
    zones, more = _capped(report.get("zones") or [])
    out += ["", "## Per time zone", "", "| Time zone | Connectors | Need attention |", "|---|---:|---:|"]
    out += ["| %s | %d | %d |" % (_md(z["zone"]), z["connectors"], z["attention"]) for z in zones]
    out += ["", "And %d more time zones (connectors.csv)." % more] if more else []
    out += _md_calendar(report["calendar"])
    return "\n".join(out) + "\n"


def _md_worklist(report):
    """The Markdown worklist: the connectors that need attention, most severe first, at most ``worklist_limit``."""
    out = []
    worklist, rest = _capped(report["attention"], report.get("worklist_limit") or len(report["attention"]))
    out += ["", "## Connectors that need attention (%d)" % report["attention_count"], ""]
    if report["attention"]:
        out.append("| %s |" % " | ".join(h for h, k in TABLE_COLUMNS))
        out.append("|%s" % ("---|" * len(TABLE_COLUMNS)))
        for row in worklist:
            cells = _cells(row)
            out.append("| %s |" % " | ".join(_md(cells[k]) for h, k in TABLE_COLUMNS))
        if rest:
            out += [
                "",
                "And %d more connector(s) that need attention: connectors.csv lists every connector with its "
                "findings." % rest,
            ]
    else:
        out.append("No connector needs attention.")
    return out


def _md_calendar(cal):
    """The Markdown maintenance calendar: the busiest hour, the HA groups down together, the next embargo dates."""
    out = []
    out += [
        "",
        "## Maintenance calendar (UTC, from %s)" % cal["start"],
        "",
        "Most connectors in their window at one hour: %d (the heat map is in report.html and calendar.svg)."
        % cal["max"],
        "",
    ]
    out.append("HA groups down together: %s" % ("none" if not cal["ha_down"] else ""))
    shown, more = _capped(cal["ha_down"])
    out += [
        "- %s: %s and %s, %s-%s UTC"
        % (_md(d["group"]), _md(d["connectors"][0]), _md(d["connectors"][1]), d["start"], d["end"])
        for d in shown
    ]
    out += ["- and %d more" % more] if more else []
    out += [
        "",
        "Next embargo / freeze dates: %s"
        % (", ".join("%s (%d connectors)" % (_md(e["date"]), e["count"]) for e in cal["embargo"]) or "none"),
    ]
    return out


def _md(text):
    """Text for a Markdown table cell or list item: one line, no markup, no link, no raw HTML, bidi isolated."""
    text = _BREAKS.sub(" ", clean(text)).strip()
    text = _AUTOLINK.sub(lambda match: "\\" + match.group(0), _MARKDOWN_SPECIAL.sub(r"\\\1", text))
    return isolated(text) if text else text


def render_csv(report):
    """Every connector, one row."""
    stream = io.StringIO()
    # CRLF ends a record (RFC 4180): the writer then quotes every field holding a CR or LF, which keeps a CR in the
    # notes from splitting a row.
    writer = csv.writer(stream, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in report["connectors"]:
        values = dict(
            row,
            activated="true" if row["activated"] else "false",
            heartbeat_age_hours="" if row["heartbeat_age_hours"] is None else row["heartbeat_age_hours"],
            findings="; ".join(f["text"] for f in row["findings"]),
            finding_keys=";".join(sorted(set(f["key"] for f in row["findings"]))),
        )
        writer.writerow([csv_cell(values[c]) for c in CSV_COLUMNS])
    return stream.getvalue()


def render_all(report, title):
    """``{file name: content}`` of every file of a report."""
    return {
        "report.html": render_html(report, title),
        "report.md": render_markdown(report, title),
        "connectors.csv": render_csv(report),
        "calendar.svg": render_svg(report),
    }


def write_files(dest, files, check_mode=False):
    """Write ``files`` (name -> text) into the directory ``dest`` (created when missing), each atomically and only
    when its content differs. Returns ``(changed, {name: path})``; in check mode nothing is written."""
    dest = os.path.abspath(os.path.expanduser(dest))
    paths, changed = {}, False
    for name, text in sorted(files.items()):
        path = os.path.join(dest, name)
        paths[name] = path
        data = text.encode("utf-8")
        try:
            with open(path, "rb") as stream:
                same = stream.read() == data
        except OSError:
            same = False
        if same:
            continue
        changed = True
        if check_mode:
            continue
        try:
            os.makedirs(dest, exist_ok=True)
            write_atomically(path, data, 0o644)
        except OSError as exc:
            raise InvalidOption(
                "dest", "must be a directory the report can be written into (%s: %s)" % (path, exc.strerror or exc)
            ) from None
    return changed, paths
