# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The connector audit: findings, their counts, and the maintenance calendar, from one list of connectors.

``build_report`` is pure: it takes the connectors (and sites) as the API lists them, the thresholds and the time
"now", and returns a plain mapping that ``_report_render`` turns into HTML, Markdown, CSV and SVG, so the content
of a report is tested on fixed data. ``run`` is the module magic_connector_report: one list of connectors (plus
one of sites), the report, its files, and drift mode.
"""

from __future__ import annotations

import csv
import datetime
import math
import os
import re

from ._change import MAX_NAMED, IncompleteRun, at_most
from ._connectors import Connectors
from ._hostnames import connector_name, device_of
from ._inputs import InvalidOption
from ._maintenance import PRESETS
from ._report_render import SEVERITIES, render_all, write_files
from ._report_sites import attach as attach_site_findings, site_findings
from ._resource import Operation
from ._sites import Sites
from ._windows import (
    DAYS,
    WEEKS as HA_WEEKS,
    UnknownTimezone,
    business_hours,
    group_label,
    ha_groups,
    hours_text,
    opens_inside,
    shared_times,
    utc_intervals,
    window_of,
    zone,
)

UTC = datetime.timezone.utc
HOUR = datetime.timedelta(hours=1)
CALENDAR_DAYS = 7

# Every finding: its severity, its title in the summary, and what it means (the option that sets its threshold).
FINDINGS = (
    ("offline", "critical", "Offline", "no heartbeat for more than offline_hours, or never"),
    (
        "ha_overlap",
        "critical",
        "HA peers down together",
        "its window overlaps the window of its HA peer (in UTC, next %d weeks)" % HA_WEEKS,
    ),
    ("site_down", "critical", "HA site down", "both members of its HA site are offline"),
    (
        "ha_timezones_differ",
        "warning",
        "HA peers in different time zones",
        "the members of its HA group do not share one time zone, so their windows are not where the store expects them",
    ),
    (
        "window_in_business_hours",
        "warning",
        "Window in business hours",
        "its window opens inside business_hours (the connector's local time)",
    ),
    (
        "unknown_timezone",
        "warning",
        "Unknown time zone",
        "its time zone is unknown to this controller, so its windows and HA overlaps cannot be judged",
    ),
    ("unreadable_window", "warning", "Unreadable window", "a field of its window is not a number Cloudflare takes"),
    ("not_activated", "warning", "Not activated", "the connector is not activated"),
    ("old_version", "warning", "Old software", "runs a version older than min_version"),
    ("no_window", "warning", "No window", "the window has no day, so the connector is never updated"),
    ("duplicate_notes", "warning", "Duplicate notes", "another connector has the same notes"),
    ("no_site", "warning", "No site", "the account has sites but the connector is in none"),
    ("site_no_secondary", "warning", "HA site without secondary", "its site has HA on but no secondary connector"),
    (
        "site_unknown_connector",
        "warning",
        "Site names a missing connector",
        "its site names a connector that does not exist (listed under Stores when no member exists)",
    ),
    ("in_two_sites", "warning", "Connector in two sites", "more than one site names the connector"),
    ("window_differs", "notice", "Non-standard window", "its window differs from standard_window"),
    ("past_embargo_dates", "notice", "Past embargo dates", "holds embargo dates that are already past"),
)
FINDING_KEYS = tuple(f[0] for f in FINDINGS)
_SEVERITY_OF = dict((f[0], f[1]) for f in FINDINGS)
_VERSION = re.compile(r"^\d+(\.\d+)*$")
# A version part longer than this is no version (and Python refuses to convert integers of thousands of digits).
_VERSION_PART_DIGITS = 12


def parse_version(value, option=None):
    """A version such as ``2026.2.1`` as a tuple of numbers (``2026.2`` == ``2026.2.0``). A bad string raises
    ``InvalidOption`` naming ``option``, or returns None when no option is given (a connector's own version)."""
    text = str(value).strip()
    if not _VERSION.match(text):
        if option:
            raise InvalidOption(
                option,
                "must be a version such as 2026.2.0 (numbers separated by dots)",
                value if len(text) <= 40 else text[:40] + "...",
            )
        return None
    if any(len(part) > _VERSION_PART_DIGITS for part in text.split(".")):
        if option:
            raise InvalidOption(
                option,
                "must be a version such as 2026.2.0 (each number at most %d digits)" % _VERSION_PART_DIGITS,
                text[:40] + "...",
            )
        return None
    numbers = [int(part) for part in text.split(".")]
    while len(numbers) > 1 and numbers[-1] == 0:
        numbers.pop()
    return tuple(numbers)


def standard_window(spec):
    """The standard window ``{days, hour, duration}`` a ``standard_window`` option asks for, or None: a preset of
    the maintenance_window role, explicit days, hour and duration, or a preset with some of them replaced."""
    if not spec or not any(spec.get(k) not in (None, "", []) for k in ("preset", "days", "hour", "duration")):
        return None
    preset = spec.get("preset")
    if preset and preset not in PRESETS:
        raise InvalidOption("standard_window.preset", "must be one of %s" % ", ".join(sorted(PRESETS)), preset)
    window = dict(PRESETS.get(preset) or {})
    for key in ("days", "hour", "duration"):
        if spec.get(key) not in (None, "", []):
            window[key] = spec[key]
    missing = [k for k in ("days", "hour", "duration") if k not in window]
    if missing:
        raise InvalidOption(
            "standard_window", "needs a preset or all of days, hour and duration (missing: %s)" % ", ".join(missing)
        )
    days = set()
    for day in window["days"]:
        name = str(day).strip().capitalize()
        if name not in DAYS:
            raise InvalidOption("standard_window.days", "must list days of the week (%s)" % ", ".join(DAYS), day)
        days.add(name)
    if not 0 <= int(window["hour"]) <= 23:
        raise InvalidOption("standard_window.hour", "must be from 0 to 23", window["hour"])
    if not 1 <= int(window["duration"]) <= 24:
        raise InvalidOption("standard_window.duration", "must be from 1 to 24", window["duration"])
    return dict(days=sorted(days, key=DAYS.index), hour=int(window["hour"]), duration=int(window["duration"]))


def check_options(options):
    """Every threshold checked before any API call; returns them normalised."""
    checked = dict(options)
    hours = options.get("offline_hours")
    if _number(hours) is None or _number(hours) <= 0:
        raise InvalidOption("offline_hours", "must be a number of hours above 0", hours)
    checked["offline_hours"] = _number(hours)
    checked["min_version"] = (
        parse_version(options["min_version"], "min_version") and str(options["min_version"]).strip()
        if options.get("min_version") not in (None, "")
        else None
    )
    checked["standard_window"] = standard_window(options.get("standard_window"))
    checked["business_hours"] = business_hours(options.get("business_hours"))
    limit = options.get("worklist_limit")
    if limit is None:
        limit = DEFAULT_WORKLIST_LIMIT
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise InvalidOption("worklist_limit", "must be a whole number of connectors of at least 1", limit)
    checked["worklist_limit"] = limit
    checked["exclude"] = exclusions(options.get("exclude"))
    return checked


DEFAULT_WORKLIST_LIMIT = 50


def exclusions(spec):
    """The ``exclude`` option: connectors left out of the whole report, by notes pattern, not activated, in no site."""
    spec = dict(spec or {})
    pattern = spec.get("notes_pattern")
    compiled = None
    if isinstance(pattern, re.Pattern):  # checked already
        compiled = pattern
    elif pattern not in (None, ""):
        try:
            compiled = re.compile(str(pattern))
        except re.error as exc:
            raise InvalidOption(
                "exclude.notes_pattern", "must be a Python regular expression (%s)" % exc, pattern
            ) from None
    return dict(
        notes_pattern=compiled, not_activated=bool(spec.get("not_activated")), no_site=bool(spec.get("no_site"))
    )


def excluded_reason(connector, exclude, in_a_site):
    """Why ``exclude`` leaves a connector out, or None."""
    if exclude["notes_pattern"] is not None and exclude["notes_pattern"].search(_notes(connector)):
        return "notes match %s" % exclude["notes_pattern"].pattern
    if exclude["not_activated"] and not connector.get("activated"):
        return "not activated"
    if exclude["no_site"] and not in_a_site:
        return "in no site"
    return None


def parse_time(value):
    """An API timestamp (``2026-03-01T09:59:41Z``, with or without a fraction) as an aware datetime, or None."""
    if not value:
        return None
    text = str(value).strip().replace("Z", "+00:00")
    match = re.match(r"^(.*T\d\d:\d\d:\d\d)(\.\d+)?(.*)$", text)
    if match:  # fromisoformat before Python 3.11 takes only 3 or 6 digits of a fraction: drop it
        text = match.group(1) + match.group(3)
    try:
        moment = datetime.datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _notes(connector):
    notes = connector.get("notes")
    return notes if isinstance(notes, str) else ("" if notes is None else str(notes))


def days_text(days):
    """Days as people read them, Monday first: ``Sat, Sun``."""
    days = [d for d in DAYS[1:] + DAYS[:1] if d in set(days)]
    if len(days) == 7:
        return "every day"
    return ", ".join(d[:3] for d in days) or "no day"


def _number(value):
    """A finite number, or None (NaN, Infinity, a string that is no number, a list...)."""
    if isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return number if math.isfinite(number) else None


def _hours(value):
    number = _number(value or 0) or 0
    return int(number) if number == int(number) else number


def _unreadable_window_fields(connector):
    """The window fields that are no number a window can have (NaN, Infinity, text, an hour past 23)."""
    bad = []
    hour = connector.get("interrupt_window_hour_of_day")
    if hour is not None and (_number(hour) is None or not 0 <= _number(hour) < 24):
        bad.append("interrupt_window_hour_of_day %s" % _short(hour))
    duration = connector.get("interrupt_window_duration_hours")
    if duration is not None and (_number(duration) is None or not 0 <= _number(duration) <= 24):
        bad.append("interrupt_window_duration_hours %s" % _short(duration))
    days = connector.get("interrupt_window_days_of_week")
    if days is not None and not isinstance(days, list):
        bad.append("interrupt_window_days_of_week %s" % _short(days))
    return bad


def _short(value, limit=40):
    """A value as a finding quotes it: repr, cut to ``limit`` characters."""
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "..."


def _local_window(connector):
    if _unreadable_window_fields(connector):
        return "unreadable"
    hour, duration = (
        _hours(connector.get("interrupt_window_hour_of_day")),
        _hours(connector.get("interrupt_window_duration_hours")),
    )
    end = (hour + duration) % 24
    days = connector.get("interrupt_window_days_of_week")
    return "%s %02d:00-%02d:%02d %s" % (
        days_text(DAYS if days is None else days),
        hour,
        int(end),
        round((end % 1) * 60),
        connector.get("timezone") or "UTC",
    )


def _utc_window(intervals, now):
    """The next week's openings in UTC, merged by equal hours: ``Sat, Sun 01:00-05:00 UTC``."""
    week = [i for i in intervals if now <= i[0] < now + datetime.timedelta(days=7)]
    by_hours = {}
    for start, end in sorted(week, key=lambda i: (i[0].weekday(), i[0])):
        key = (start.strftime("%H:%M"), end.strftime("%H:%M"))
        by_hours.setdefault(key, []).append(DAYS[start.isoweekday() % 7])
    if not by_hours:
        return "none in the next 7 days"
    return "; ".join("%s %s-%s UTC" % (days_text(days), h[0], h[1]) for h, days in sorted(by_hours.items()))


def _fmt(moment):
    return moment.strftime("%a %Y-%m-%d %H:%M")


def build_report(connectors, sites=None, options=None, now=None):
    """The whole report as a plain mapping. ``sites`` None: sites were not read (no site findings, HA groups
    from the connectors' ``site_id``). ``now`` an aware datetime (default: the current time)."""
    options = check_options(dict(dict(offline_hours=24), **(options or {})))
    now = (now or datetime.datetime.now(UTC)).astimezone(UTC)
    standard = options["standard_window"]
    site_of = _site_finder(sites)
    connectors, excluded = _without_excluded(connectors, sites, site_of, options["exclude"])
    intervals = dict((c["id"], openings(c, now)) for c in connectors)
    groups = peer_groups(connectors, sites)
    by_id = dict((c["id"], c) for c in connectors)
    peer_findings, ha_overlaps, pairs = _peer_findings(groups, by_id, intervals, now)
    per_connector = dict(
        peer=peer_findings,
        zones=_zone_findings(groups, by_id),
        notes_count=_notes_count(connectors),
        sites=sites,
        standard_text=_standard_text(standard),
    )
    rows = [_row(c, site_of(c), intervals[c["id"]], now, options, per_connector) for c in connectors]
    found_at_sites = attach_site_findings(
        rows, site_findings(sites, rows + excluded, options.get("connectors_complete", True)), _SEVERITY_OF
    )
    attention = sorted((r for r in rows if r["findings"]), key=_severity_key)
    summary = [
        dict(
            key=key,
            severity=severity,
            title=title,
            meaning=meaning,
            count=sum(1 for r in rows if any(f["key"] == key for f in r["findings"])),
        )
        for key, severity, title, meaning in FINDINGS
    ]
    return dict(
        generated_at=now.strftime("%Y-%m-%d %H:%M UTC"),
        total=len(rows),
        attention_count=len(attention),
        worklist_limit=options["worklist_limit"],
        excluded=excluded,
        business_hours=hours_text(options["business_hours"]) if options["business_hours"] else None,
        stores=store_rollup(connectors, sites, rows),
        zones=zone_counts(rows),
        since_previous=None,
        sites_read=sites is not None,
        options=dict(
            offline_hours=_hours(options["offline_hours"]),
            min_version=options["min_version"],
            standard_window=standard,
            standard_window_text=per_connector["standard_text"],
        ),
        summary=summary,
        attention=attention,
        connectors=sorted(rows, key=lambda r: (r["name"], r["id"])),
        site_findings=found_at_sites,
        ha_overlaps=ha_overlaps,
        ha_down=ha_down_together(pairs, now),
        calendar=calendar(connectors, intervals, pairs, now),
    )


def _standard_text(standard):
    if not standard:
        return None
    return "%s %02d:00 for %d h" % (days_text(standard["days"]), standard["hour"], standard["duration"])


def _site_finder(sites):
    """A function giving a connector's site (by its ``site_id``, else the site naming it as a connector), or None."""
    sites_by_id = dict((s.get("id"), s) for s in sites or [])
    site_of_connector = {}
    for site in sites or []:
        for key in ("connector_id", "secondary_connector_id"):
            if site.get(key):
                site_of_connector[site[key]] = site
    return lambda connector: sites_by_id.get(connector.get("site_id")) or site_of_connector.get(connector["id"])


def _without_excluded(connectors, sites, site_of, exclude):
    """``(kept, excluded)``: the connectors the report covers, and those ``exclude`` leaves out (with the reason)."""
    excluded, kept = [], []
    for connector in connectors:
        in_a_site = bool(site_of(connector) or (sites is None and connector.get("site_id")))
        reason = excluded_reason(connector, exclude, in_a_site)
        if reason:
            excluded.append(dict(id=connector["id"], name=connector_name(connector), reason=reason))
        else:
            kept.append(connector)
    return kept, excluded


def _notes_count(connectors):
    counts = {}
    for connector in connectors:
        if _notes(connector):
            counts[_notes(connector)] = counts.get(_notes(connector), 0) + 1
    return counts


def _peer_findings(groups, by_id, intervals, now):
    """``(findings, ha_overlaps, pairs)``: the ``ha_overlap`` texts per connector id, the overlaps of HA peers from
    now on, and every pair of peers with the times both are open (for the calendar)."""
    findings, ha_overlaps, pairs = {}, [], []
    week_end = now + datetime.timedelta(days=7)
    for group, members in sorted(groups.items()):
        for index, first in enumerate(members):
            for second in members[index + 1 :]:
                both = shared_times(intervals[first], intervals[second])
                if both:
                    pairs.append((group, by_id[first], by_id[second], both))
                shared = [o for o in both if o[1] > now]
                if not shared:
                    continue
                names = [connector_name(by_id[first]), connector_name(by_id[second])]
                ha_overlaps.append(
                    dict(group=group, connectors=names, intervals=[(s.isoformat(), e.isoformat()) for s, e in shared])
                )
                hours = sum((min(e, week_end) - max(s, now)).total_seconds() / 3600 for s, e in shared if s < week_end)
                for this, other in ((first, names[1]), (second, names[0])):
                    findings.setdefault(this, []).append(
                        "window overlaps its HA peer %s: %s h in the next 7 days, first %s-%s UTC"
                        % (other, _hours(round(hours, 1)), _fmt(shared[0][0]), shared[0][1].strftime("%H:%M"))
                    )
    return findings, ha_overlaps, pairs


def _zone_findings(groups, by_id):
    """The ``ha_timezones_differ`` texts per connector id."""
    findings = {}
    for dummy, members in sorted(groups.items()):
        zones = sorted(set(str(by_id[m].get("timezone") or "UTC") for m in members))
        if len(zones) < 2:
            continue
        for member in members:
            others = [
                "%s (%s)" % (connector_name(by_id[m]), by_id[m].get("timezone") or "UTC")
                for m in members
                if m != member
            ]
            findings.setdefault(member, []).append(
                "its time zone %s differs from its HA peer(s) %s"
                % (by_id[member].get("timezone") or "UTC", at_most(others))
            )
    return findings


def _row(connector, site, intervals, now, options, per_connector):
    """One connector's row of the report, with its findings."""
    device = device_of(connector)
    heartbeat = parse_time(connector.get("last_heartbeat"))
    age = (now - heartbeat).total_seconds() / 3600 if heartbeat is not None else None
    findings = (
        _health_findings(connector, heartbeat, age, options)
        + [("ha_overlap", text) for text in per_connector["peer"].get(connector["id"], [])]
        + [("ha_timezones_differ", text) for text in per_connector["zones"].get(connector["id"], [])]
        + _window_findings(connector, now, options, per_connector["standard_text"])
    )
    if per_connector["notes_count"].get(_notes(connector), 0) > 1:
        findings.append(
            (
                "duplicate_notes",
                "%d connectors have the notes %r"
                % (per_connector["notes_count"][_notes(connector)], _notes(connector)),
            )
        )
    if per_connector["sites"] and site is None:
        findings.append(("no_site", "in no site (the account has %d)" % len(per_connector["sites"])))
    return dict(
        id=connector["id"],
        notes=_notes(connector),
        name=connector_name(connector),
        site=(site or {}).get("name") or "",
        device_type=device.get("type") or "",
        serial_number=device.get("serial_number") or "",
        timezone=connector.get("timezone") or "",
        last_heartbeat=connector.get("last_heartbeat") or "",
        heartbeat_age_hours=round(age, 1) if age is not None else None,
        version=connector.get("last_seen_version") or "",
        activated=bool(connector.get("activated")),
        window_local=_local_window(connector),
        window_utc=_utc_window(intervals, now),
        findings=[dict(key=k, severity=_SEVERITY_OF[k], text=t) for k, t in sorted(findings, key=_finding_order)],
    )


def _finding_order(finding):
    """Findings in the order of ``FINDINGS`` (a stable sort: several of one key keep their order)."""
    return FINDING_KEYS.index(finding[0])


def _health_findings(connector, heartbeat, age, options):
    """``offline``, ``not_activated`` and ``old_version``, as ``(key, text)``."""
    findings = []
    if heartbeat is None:
        findings.append(
            (
                "offline",
                "never sent a heartbeat"
                if not connector.get("last_heartbeat")
                else "heartbeat time %s unreadable" % _short(connector["last_heartbeat"]),
            )
        )
    elif age > options["offline_hours"]:
        findings.append(("offline", "no heartbeat for %d h (more than %s h)" % (age, _hours(options["offline_hours"]))))
    if not connector.get("activated"):
        findings.append(("not_activated", "not activated"))
    version = connector.get("last_seen_version")
    if options["min_version"] and version:
        parsed = parse_version(version)
        if parsed is None:
            findings.append(
                (
                    "old_version",
                    "reports version %s, which cannot be compared with %s" % (_short(version), options["min_version"]),
                )
            )
        elif parsed < parse_version(options["min_version"]):
            findings.append(("old_version", "runs %s, older than %s" % (version, options["min_version"])))
    return findings


def _window_findings(connector, now, options, standard_text):
    """The findings about a connector's own window, as ``(key, text)``."""
    findings = []
    hours, unreadable = options["business_hours"], _unreadable_window_fields(connector)
    opening = None if unreadable else int(_hours(connector.get("interrupt_window_hour_of_day")))
    if (
        hours
        and opening is not None
        and connector.get("interrupt_window_days_of_week") != []
        and opens_inside(hours, opening)
    ):
        findings.append(
            (
                "window_in_business_hours",
                "window opens at %02d:00 local, inside business hours %s" % (opening, hours_text(hours)),
            )
        )
    if _unknown_zone(connector.get("timezone")):
        findings.append(
            (
                "unknown_timezone",
                "time zone %s is unknown to this controller: its windows and HA "
                "overlaps cannot be judged" % _short(connector.get("timezone")),
            )
        )
    if unreadable:
        findings.append(("unreadable_window", "window cannot be read: %s" % ", ".join(unreadable)))
    if connector.get("interrupt_window_days_of_week") == []:
        findings.append(("no_window", "the interrupt window has no day: the connector can never be updated"))
    if options["standard_window"] and not _same_window(connector, options["standard_window"]):
        findings.append(("window_differs", "window %s, standard %s" % (_local_window(connector), standard_text)))
    past = sorted(
        d
        for d in connector.get("interrupt_window_embargo_dates") or []
        if isinstance(d, str) and d < _local_today(connector, now)
    )
    if past:
        findings.append(
            (
                "past_embargo_dates",
                "%d past embargo date(s): %s" % (len(past), ", ".join(past[:5]) + (" ..." if len(past) > 5 else "")),
            )
        )
    return findings


def store_rollup(connectors, sites, rows):
    """Stores (HA groups of a site or a ``site_id``; a connector in neither is no store): how many, which are down
    (every member offline) and which have no redundancy now (one member only, or a member offline or not activated)."""
    keys_of = dict((r["id"], set(f["key"] for f in r["findings"])) for r in rows)
    names = dict(("site:" + s["id"], s.get("name") or s["id"]) for s in sites or [] if s.get("id"))
    groups, dummy = ha_groups(connectors, sites or ())
    down, single = [], []
    total = 0
    for key, members in sorted(groups.items()):
        if key.startswith("connector:"):
            continue
        total += 1
        name = names.get(key) or group_label(key)
        unavailable = [m for m in members if "offline" in keys_of.get(m["id"], ()) or not m.get("activated")]
        if len(unavailable) == len(members):
            down.append(dict(store=name, members=[connector_name(m) for m in members]))
        elif len(members) == 1:
            single.append(dict(store=name, reason="one connector only (%s)" % connector_name(members[0])))
        elif unavailable:
            single.append(
                dict(
                    store=name, reason="%s offline or not activated" % at_most([connector_name(m) for m in unavailable])
                )
            )
    return dict(total=total, down=down, without_redundancy=single)


def zone_counts(rows):
    """Connectors and those needing attention per time zone, the zones with most attention first."""
    zones = {}
    for row in rows:
        entry = zones.setdefault(
            row["timezone"] or "UTC", dict(zone=row["timezone"] or "UTC", connectors=0, attention=0)
        )
        entry["connectors"] += 1
        entry["attention"] += 1 if row["findings"] else 0
    return sorted(zones.values(), key=lambda z: (-z["attention"], -z["connectors"], z["zone"]))


def finding_keys(report):
    """``{connector id: sorted finding keys}`` of a report: what the next run compares with."""
    return dict((r["id"], sorted(set(f["key"] for f in r["findings"]))) for r in report["connectors"] if r["findings"])


def since_previous(report, previous):
    """New and resolved findings against ``previous`` (``finding_keys`` of the report in the same folder, or None)."""
    if previous is None:
        return dict(previous=False, new=[], resolved=[])
    current = finding_keys(report)
    names = dict((r["id"], r["name"]) for r in report["connectors"])
    new = [
        "%s: %s" % (names[i], k.replace("_", " "))
        for i, keys in sorted(current.items())
        for k in keys
        if k not in previous.get(i, ())
    ]
    resolved = [
        "%s: %s" % (names.get(i, i), k.replace("_", " "))
        for i, keys in sorted(previous.items())
        for k in keys
        if k not in current.get(i, ())
    ]
    return dict(previous=True, new=new, resolved=resolved)


def ha_down_together(pairs, now):
    """Each HA pair whose members are in their windows at once, as people read it next to the summary:
    ``Fri, Sat 16:00-20:00 UTC: <one> and <the other>`` (the next 7 days, or the first time after them)."""
    found = []
    for group, first, second, both in pairs:
        coming = [i for i in both if i[1] > now]
        if not coming:
            continue
        when = _utc_window(coming, now)
        if when.startswith("none"):
            when = "from %s-%s UTC" % (_fmt(coming[0][0]), coming[0][1].strftime("%H:%M"))
        names = [connector_name(first), connector_name(second)]
        found.append(
            dict(
                group=group, connectors=names, when=when, text="%s: %s and %s (%s)" % (when, names[0], names[1], group)
            )
        )
    return found


def _severity_key(row):
    worst = min(SEVERITIES.index(f["severity"]) for f in row["findings"])
    return (worst, -len(row["findings"]), row["name"], row["id"])


def _same_window(connector, standard):
    if _unreadable_window_fields(connector):
        return False
    days = set(connector.get("interrupt_window_days_of_week") or DAYS)
    return (
        days == set(standard["days"])
        and _number(connector.get("interrupt_window_hour_of_day") or 0) == standard["hour"]
        and _number(connector.get("interrupt_window_duration_hours") or 0) == standard["duration"]
    )


def _unknown_zone(name):
    """Whether a connector's time zone cannot be used on this controller (no such zone here, or not a name)."""
    try:
        zone(name)
    except UnknownTimezone:
        return True
    return False


def _local_today(connector, now):
    """Today's date where the connector is (embargo dates are local dates); in UTC for a zone this controller cannot
    judge (an ``unknown_timezone`` finding says so)."""
    local = UTC if _unknown_zone(connector.get("timezone")) else zone(connector.get("timezone"))
    return now.astimezone(local).date().isoformat()


def openings(connector, now):
    """The connector's windows as UTC ``(open, close)`` pairs from yesterday over the next weeks
    (``_windows.utc_intervals``: DST-exact), without the openings on its embargo dates (local dates). A window
    whose time zone cannot be judged has none."""
    if _unreadable_window_fields(connector) or _unknown_zone(connector.get("timezone")):
        return []  # (a finding says so)
    try:
        window = window_of(connector)
        if window is None:
            return []
        found = utc_intervals(window, now.date(), HA_WEEKS)
    except (UnknownTimezone, TypeError, ValueError, OverflowError):
        return []
    embargo = set(d for d in connector.get("interrupt_window_embargo_dates") or [] if isinstance(d, str))
    local = zone(window.timezone)
    return [i for i in found if i[0].astimezone(local).date().isoformat() not in embargo]


def peer_groups(connectors, sites):
    """HA groups of two or more connectors (``_windows.ha_groups``: sites, then ``site_id``) as
    ``{name people read: [connector ids], primary first}``."""
    names = dict(("site:" + s["id"], s.get("name") or s["id"]) for s in sites or [])
    groups, dummy = ha_groups(connectors, sites or ())
    return dict(
        (names.get(key) or group_label(key), [c["id"] for c in members])
        for key, members in groups.items()
        if len(members) > 1
    )


def calendar(connectors, intervals, pairs, now):
    """The 7-day x 24-hour UTC heat map from today 00:00 UTC: connectors in their window per hour, the hours
    where two members of an HA group are in their windows at once (``pairs``: group, connector, connector, the
    times both are open), and the coming embargo dates."""
    start = datetime.datetime(now.year, now.month, now.day, tzinfo=UTC)
    days = [(start + datetime.timedelta(days=d)) for d in range(CALENDAR_DAYS)]
    counts = [[0] * 24 for dummy in days]
    ha_hours = set()
    for connector in connectors:
        for day, hour in _hours_touched(intervals[connector["id"]], start):
            counts[day][hour] += 1
    ha_list = []
    for group, first, second, both in pairs:
        for opens, closes in both:
            touched = _hours_touched([(opens, closes)], start)
            if touched:
                ha_hours.update(touched)
                ha_list.append(
                    dict(
                        group=group,
                        connectors=[connector_name(first), connector_name(second)],
                        start=_fmt(opens),
                        end=closes.strftime("%H:%M"),
                    )
                )
    embargo = {}
    today = start.date().isoformat()
    for connector in connectors:
        for date in connector.get("interrupt_window_embargo_dates") or []:
            if isinstance(date, str) and date >= today:
                embargo.setdefault(date, []).append(connector_name(connector))
    return dict(
        days=[d.strftime("%a %m-%d") for d in days],
        start=start.date().isoformat(),
        counts=counts,
        max=max(max(row) for row in counts) if counts else 0,
        ha_hours=sorted(ha_hours),
        ha_down=ha_list,
        embargo=[dict(date=d, count=len(embargo[d]), connectors=sorted(embargo[d])) for d in sorted(embargo)[:10]],
    )


def _hours_touched(intervals, start):
    """(day index, hour) cells of the 7-day grid from ``start`` that the intervals touch."""
    end = start + datetime.timedelta(days=CALENDAR_DAYS)
    cells = set()
    for opens, closes in intervals:
        if closes <= start or opens >= end:
            continue
        opens, closes = max(opens, start), min(closes, end)
        cursor = start + HOUR * int((opens - start).total_seconds() // 3600)
        while cursor < closes:
            index = int((cursor - start).total_seconds() // 3600)
            cells.add((index // 24, index % 24))
            cursor += HOUR
    return sorted(cells)


def drift_message(report, limit=MAX_NAMED):
    """The short failure of drift mode: how many connectors need attention, named by notes (at most ``limit``)."""
    names = [
        "%s (%s)" % (r["name"], ", ".join(sorted(set(f["key"].replace("_", " ") for f in r["findings"]))))
        for r in report["attention"]
    ]
    return "%d of %d connector(s) need attention: %s" % (len(names), report["total"], at_most(names, limit))


class Drift(IncompleteRun):
    """Drift mode: the report is complete and written, and the run fails on purpose because of its findings."""


def _result_of(report, files):
    return dict(
        total=report["total"],
        attention_count=report["attention_count"],
        generated_at=report["generated_at"],
        summary=dict((item["key"], item["count"]) for item in report["summary"]),
        attention=[
            dict(
                id=r["id"],
                name=r["name"],
                notes=r["notes"],
                site=r["site"],
                findings=[dict(key=f["key"], severity=f["severity"], text=f["text"]) for f in r["findings"]],
            )
            for r in report["attention"]
        ],
        ha_down=report["calendar"]["ha_down"],
        embargo=report["calendar"]["embargo"],
        files=files,
        stores=report["stores"],
        zones=report["zones"],
        excluded=len(report["excluded"]),
        since_previous=report["since_previous"],
        message=drift_message(report)
        if report["attention"]
        else "none of %d connector(s) needs attention" % report["total"],
    )


def read_previous_findings(dest):
    """``finding_keys`` of the report already in ``dest`` (its connectors.csv), or None when there is none or it cannot
    be read. The file is only compared with, never trusted further."""
    try:
        with open(os.path.join(dest, "connectors.csv"), encoding="utf-8", newline="") as stream:
            reader = csv.DictReader(stream)
            rows = list(reader)
            columns = reader.fieldnames or ()
    except (OSError, UnicodeDecodeError, csv.Error):
        return None
    if "finding_keys" not in columns or "id" not in columns:
        return None
    found = {}
    for row in rows:
        keys = sorted(set(k for k in (row.get("finding_keys") or "").split(";") if k in FINDING_KEYS))
        if keys and isinstance(row.get("id"), str):
            found[row["id"].lstrip("'")] = keys
    return found


class Report(Operation):
    """magic_connector_report: check every option, list the connectors (and sites), write the files, and fail
    naming the connectors that need attention when ``fail_on_findings`` is set."""

    OPTIONS = ("offline_hours", "min_version", "standard_window", "business_hours", "worklist_limit", "exclude")

    def check(self, params):
        check_options(dict((k, params[k]) for k in self.OPTIONS))
        dest = os.path.abspath(os.path.expanduser(params["dest"]))
        if os.path.exists(dest) and not os.path.isdir(dest):
            raise InvalidOption(
                "dest",
                "must be a directory (the report's files are written into it), not an existing file",
                params["dest"],
            )

    def run(self, params, check_mode):
        options = check_options(dict((k, params[k]) for k in self.OPTIONS))  # canonical forms of the options checked
        options["connectors_complete"] = not params["device_type"]  # a filtered list cannot tell a connector missing
        dest = os.path.abspath(os.path.expanduser(params["dest"]))
        client = self.module.client
        connectors = Connectors(client).list(
            params={"device_type": params["device_type"]} if params["device_type"] else None
        )
        sites = Sites(client).list() if params["sites"] else None
        report = build_report(connectors, sites, options)
        ignored = set(params["ignore_findings"] or [])
        if ignored:
            report = without_findings(report, ignored)
        previous = read_previous_findings(dest)
        report["since_previous"] = since_previous(report, previous)
        rendered = render_all(report, params["title"])
        missing = [name for name in rendered if not os.path.isfile(os.path.join(dest, name))]
        dummy, files = write_files(params["dest"], rendered, check_mode)
        # The files always change (the time of the report, heartbeat ages): "changed" means the findings changed since the
        # report in the same folder, or a file was missing. A rewrite with the same findings is no change.
        changed = bool(missing) or previous != finding_keys(report)
        result = dict(changed=changed, magic_connector_report=_result_of(report, files))
        if params["fail_on_findings"] and report["attention"]:
            raise Drift(drift_message(report), result)
        return result


def without_findings(report, ignored):
    """The report without the findings ``ignored`` names (counts, the attention list and drift follow)."""
    report = dict(report)
    rows = []
    for row in report["connectors"]:
        rows.append(dict(row, findings=[f for f in row["findings"] if f["key"] not in ignored]))
    report["connectors"] = rows
    report["attention"] = sorted((r for r in rows if r["findings"]), key=_severity_key)
    report["attention_count"] = len(report["attention"])
    report["summary"] = [
        dict(item, count=sum(1 for r in rows if any(f["key"] == item["key"] for f in r["findings"])))
        for item in report["summary"]
        if item["key"] not in ignored
    ]
    report["zones"] = zone_counts(rows)
    report["site_findings"] = [f for f in report.get("site_findings", ()) if f["key"] not in ignored]
    return report
