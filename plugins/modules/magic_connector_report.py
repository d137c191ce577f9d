#!/usr/bin/python
# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: magic_connector_report
short_description: Write an audit report and a maintenance calendar of the Magic WAN Connectors
version_added: 1.0.0
description:
  - Lists the account's connectors in B(one API call) (plus one for the sites when O(sites=true)), judges each
    connector against the thresholds below, and writes four files into the directory O(dest) on the host where
    the task runs.
  - C(report.html) is one self-contained page (inline style and SVG, no script, no external file), readable in any
    browser and printable. It starts with the stores (HA groups of a site or a C(site_id)), how many are down (every
    member offline or not activated) and which have no redundancy now (one connector only, or a member offline or
    not activated). Then the count of connectors per finding, then each HA pair whose members are in their
    windows at the same time with the shared UTC days and hours in words (for example C(Sun 01:00-02:00 UTC)
    followed by the notes of both), then the connectors that need attention,
    worst first (notes, site, device type and serial number, time zone, last heartbeat and its age, version,
    activated, window in local time and in UTC, findings; at most O(worklist_limit) of them), what changed since the
    report already in O(dest) (new and resolved findings, read from its C(connectors.csv)), the counts per time zone,
    then the maintenance calendar. Lists of names stop at 20, then say how many more.
  - C(report.md) holds the same content in Markdown (for a ticket or a chat), C(connectors.csv) one row for every
    connector, and C(calendar.svg) the maintenance calendar on its own.
  - Every string from the API (notes, site names, versions, time zones) is text in every file. HTML and SVG escape
    it and drop the characters XML forbids; right-to-left text is isolated so that it cannot reorder what follows
    it. Markdown backslash-escapes markup, links, images, raw HTML and autolinks, and keeps each row on one line.
    In C(connectors.csv) (records end with CRLF) a cell that starts with C(=), C(+), C(-), C(@), a tab, a carriage
    return or an apostrophe gets a leading apostrophe, so that a spreadsheet shows it as text and never runs it as a
    formula; to read the values back, drop one leading apostrophe from any cell that starts with one. A NUL
    character is dropped.
  - The calendar is a 7-day by 24-hour heat map in UTC, from today 00:00 UTC, of how many connectors are in their
    maintenance window at each hour. Hours where two members of one HA group are in their windows at the same time
    are red and listed, and the next embargo (freeze) dates are shown.
  - "Findings, worst first: C(offline) (critical): no heartbeat for more than O(offline_hours), or never;
    C(ha_overlap) (critical): the window overlaps the window of an HA peer at some time in the next 53 weeks
    (every DST change of the next 12 months), compared in UTC with each connector's own time zone; C(site_down)
    (critical): both members of its HA site are offline; C(ha_timezones_differ) (warning): the
    members of its HA group are not all in one time zone; C(window_in_business_hours) (warning): the window opens
    inside O(business_hours); C(unknown_timezone) (warning): the
    connector's time zone is unknown to the controller, so its windows cannot be judged; C(unreadable_window)
    (warning): a field of the window is no number a window can have (NaN, Infinity, an hour past 23);
    C(not_activated) (warning);
    C(old_version) (warning): runs a version older than O(min_version); C(no_window) (warning): the window has no
    day, so the connector is never updated; C(duplicate_notes) (warning): another
    connector has the same notes; C(no_site) (warning): the account has sites and the connector is in none (only
    with O(sites=true)); C(site_no_secondary) (warning): its site has HA on but an empty secondary slot;
    C(site_unknown_connector) (warning): its site names a connector that does not exist (not judged with
    O(device_type)); C(in_two_sites) (warning): more than one site names it (the four site findings only with
    O(sites=true); each is also listed under the report's Stores, a site none of whose connectors exists only there);
    C(window_differs) (notice): the window differs from O(standard_window); and
    C(past_embargo_dates) (notice): embargo dates that are already past, in the connector's time zone."
  - HA groups are the sites (C(connector_id) and C(secondary_connector_id)) when O(sites=true), then, for
    connectors no site names, the connectors that share a C(site_id), as in the maintenance_window role.
  - Reads no telemetry (that would cost one call per connector); makes no change in Cloudflare.
author:
  - Magic Transit collection maintainers (@cloudflare)
extends_documentation_fragment:
  - cloudflare.magic_transit.connection
  - cloudflare.magic_transit.attributes
attributes:
  check_mode:
    support: full
    details:
      - In check mode the report is computed and returned, and no file is written.
  diff_mode:
    support: none
  idempotent:
    support: full
    details:
      - The module reports C(changed) only when the findings differ from those of the report already in O(dest), or
        a file of the report was missing. The files themselves are rewritten when their content differs (the time
        of the report and heartbeat ages change between runs); that alone is no change. It never prints a file's
        content as a diff.
options:
  dest:
    description:
      - The directory the files are written into, on the host where the task runs. Created when missing.
    type: path
    required: true
  title:
    description: The heading of the report.
    type: str
    default: Magic WAN Connector audit
  device_type:
    description: Only connectors of this kind of device (filtered by Cloudflare).
    type: str
    choices: [MANAGED, LICENSED]
  sites:
    description:
      - Read the account's Magic WAN sites (one more API call). The site of each connector is then shown, HA groups
        come from the sites, and connectors in no site are reported (C(no_site)).
      - With V(false), HA groups come from the connectors' C(site_id) and the site column stays empty.
    type: bool
    default: true
  offline_hours:
    description:
      - A connector whose last heartbeat is older than this many hours, or that never sent one, is C(offline).
    type: float
    default: 24
  min_version:
    description:
      - Report connectors whose software (C(last_seen_version)) is older than this version, for example
        V(2026.2.0). Versions are compared number by number (V(2026.10.0) is newer than V(2026.9.3)).
      - Not set or empty, versions are not checked. A value that is not numbers separated by dots fails the task
        before any API call.
    type: str
  standard_window:
    description:
      - The standard maintenance window; connectors whose window (days, local hour and duration) differs are
        reported as C(window_differs). Not set, windows are not compared.
      - A O(standard_window.preset) of the maintenance_window role, or O(standard_window.days),
        O(standard_window.hour) and O(standard_window.duration), or a preset with some of them replaced.
    type: dict
    suboptions:
      preset:
        description:
          - "A preset of the C(cloudflare.magic_transit.maintenance_window) role: V(weekend_nights) (Saturday and
            Sunday 01:00 for 4 hours), V(weeknights) (Monday to Thursday 01:00 for 3 hours), V(sunday_early)
            (Sunday 03:00 for 3 hours), V(always_on_short) (every day 04:00 for 1 hour)."
        type: str
        choices: [always_on_short, sunday_early, weekend_nights, weeknights]
      days:
        description: The days of the week of the window (V(Monday) ... V(Sunday), any case).
        type: list
        elements: str
      hour:
        description: The local hour the window opens (0 to 23).
        type: int
      duration:
        description: How many hours the window lasts (1 to 24).
        type: int
  ignore_findings:
    description: Findings left out of the report, its counts and drift mode.
    type: list
    elements: str
    choices: [offline, ha_overlap, site_down, ha_timezones_differ, window_in_business_hours, unknown_timezone,
              unreadable_window, not_activated, old_version, no_window, duplicate_notes, no_site, site_no_secondary,
              site_unknown_connector, in_two_sites, window_differs, past_embargo_dates]
    default: []
  business_hours:
    description:
      - The hours a store is open, in each connector's local time, every day, as C(HH:MM-HH:MM) (for example
        V(09:00-21:00); an end before the start runs past midnight, such as V(18:00-02:00)). A window that opens at
        or after the start and before the end is a C(window_in_business_hours) finding.
      - The same form and meaning as the maintenance_window role's business hours.
      - Not set, no such finding.
    type: str
    version_added: 1.1.0
  worklist_limit:
    description:
      - How many of the connectors that need attention C(report.html) and C(report.md) list, worst first. The
        pages then say how many more there are; C(connectors.csv) and RV(magic_connector_report.attention) always
        hold all of them.
    type: int
    default: 50
    version_added: 1.1.0
  exclude:
    description:
      - Connectors left out of the whole report (findings, counts, store roll-up, worklist, CSV), whatever their
        findings, for example lab or spare appliances. The pages say how many were left out. O(ignore_findings)
        leaves out findings instead.
    type: dict
    version_added: 1.1.0
    suboptions:
      notes_pattern:
        description: Leave out connectors whose notes match this Python regular expression (searched anywhere).
        type: str
      not_activated:
        description: Leave out connectors that are not activated.
        type: bool
        default: false
      no_site:
        description:
          - Leave out connectors in no site (or, with O(sites=false), without a C(site_id)).
        type: bool
        default: false
  fail_on_findings:
    description:
      - Drift mode for change control. After writing the files, fail when any connector needs attention, with a
        short message naming them by their notes (at most 20, then "and N more"). The result is returned all the
        same.
    type: bool
    default: false
notes:
  - Embargo dates are read as local dates on which the window does not open; a window that opened the day before
    is not cut at midnight. Cloudflare does not document this; it is the collection's assumption.
"""

EXAMPLES = r"""
- name: Write the morning audit into reports/
  cloudflare.magic_transit.magic_connector_report:
    dest: reports
    offline_hours: 12
    min_version: 2026.2.0
    standard_window:
      preset: weekend_nights
  register: audit

- name: Say where it is
  ansible.builtin.debug:
    msg: "{{ audit.magic_connector_report.attention_count }} connector(s) need attention: {{ audit.magic_connector_report.files['report.html'] }}"

- name: Drift mode for a scheduled job - fail when a connector leaves the standard
  cloudflare.magic_transit.magic_connector_report:
    dest: /var/lib/audit/connectors
    standard_window:
      days: [Saturday, Sunday]
      hour: 2
      duration: 3
    ignore_findings: [past_embargo_dates]
    fail_on_findings: true
"""

RETURN = r"""
magic_connector_report:
  description: What the report found, and where its files are.
  returned: always
  type: dict
  contains:
    total:
      description: How many connectors were audited.
      type: int
      sample: 6
    attention_count:
      description: How many connectors have at least one finding.
      type: int
      sample: 3
    generated_at:
      description: When the report was made (UTC).
      type: str
      sample: "2026-12-02 13:05 UTC"
    summary:
      description: How many connectors have each finding.
      type: dict
      sample: {offline: 1, ha_overlap: 2, unknown_timezone: 0, unreadable_window: 0, not_activated: 2, old_version: 0,
               no_window: 0, duplicate_notes: 0, no_site: 1, window_differs: 0, past_embargo_dates: 1}
    attention:
      description: The connectors that need attention, worst first, with their findings.
      type: list
      elements: dict
      sample:
        - id: 711f8eedc6d84336a6f7d256ddd00fce
          name: ber-branch-01 primary
          notes: ber-branch-01 primary
          site: ber-branch-01
          findings:
            - key: ha_overlap
              severity: critical
              text: "window overlaps its HA peer ber-branch-01 secondary: 6 h in the next 7 days, first Sat 2026-12-05 02:00-05:00 UTC"
    ha_down:
      description: The times in the calendar's 7 days when two members of an HA group are in their windows at once.
      type: list
      elements: dict
      sample:
        - group: ber-branch-01
          connectors: [ber-branch-01 primary, ber-branch-01 secondary]
          start: Sat 2026-12-05 02:00
          end: "05:00"
    embargo:
      description: The next embargo dates (at most 10), with the connectors that hold them.
      type: list
      elements: dict
      sample:
        - date: "2026-12-24"
          count: 2
          connectors: [ber-branch-01 primary, ber-branch-01 secondary]
    message:
      description:
        - One line for people, and the message of drift mode. It says how many connectors need attention and names
          them by their notes (at most 20, then "and N more"), with their findings.
      type: str
      sample: "2 of 6 connector(s) need attention: ber-branch-01 primary (ha overlap), ber-branch-01 secondary (ha overlap)"
    stores:
      description:
        - The store roll-up. C(total) stores (HA groups of a site or a C(site_id)); C(down), each with its C(store)
          name and C(members); C(without_redundancy), each with its C(store) name and the C(reason).
      type: dict
      version_added: 1.1.0
      sample: {total: 2, down: [{store: tyo-store-114, members: [tyo-store-114]}],
               without_redundancy: [{store: ber-branch-01, reason: ber-branch-01 secondary offline or not activated}]}
    zones:
      description: Per time zone, how many connectors it has and how many of them need attention, most first.
      type: list
      elements: dict
      version_added: 1.1.0
      sample: [{zone: Europe/Berlin, connectors: 2, attention: 2}]
    excluded:
      description: How many connectors O(exclude) left out.
      type: int
      version_added: 1.1.0
      sample: 0
    since_previous:
      description:
        - The difference from the report already in O(dest). C(previous) is whether there was one; C(new) and
          C(resolved) list findings, each as the connector's name, a colon and the finding.
      type: dict
      version_added: 1.1.0
      sample: {previous: true, new: ["tyo-store-114: offline"], resolved: []}
    files:
      description: The path of each file written (or, in check mode, that would be written).
      type: dict
      sample:
        report.html: /home/ops/reports/report.html
        report.md: /home/ops/reports/report.md
        connectors.csv: /home/ops/reports/connectors.csv
        calendar.svg: /home/ops/reports/calendar.svg
api_calls:
  description: The API calls this run made, per HTTP method.
  returned: always
  type: dict
  sample:
    GET: 2
"""


from ansible_collections.cloudflare.magic_transit.plugins.module_utils._connectors import DEVICE_TYPES
from ansible_collections.cloudflare.magic_transit.plugins.module_utils._maintenance import PRESETS
from ansible_collections.cloudflare.magic_transit.plugins.module_utils._module import CloudflareModule
from ansible_collections.cloudflare.magic_transit.plugins.module_utils._report import (
    DEFAULT_WORKLIST_LIMIT,
    FINDING_KEYS,
    Report,
)

ARGUMENT_SPEC = dict(
    dest=dict(type="path", required=True),
    title=dict(type="str", default="Magic WAN Connector audit"),
    device_type=dict(type="str", choices=list(DEVICE_TYPES)),
    sites=dict(type="bool", default=True),
    offline_hours=dict(type="float", default=24),
    min_version=dict(type="str"),
    standard_window=dict(
        type="dict",
        options=dict(
            preset=dict(type="str", choices=sorted(PRESETS)),
            days=dict(type="list", elements="str"),
            hour=dict(type="int"),
            duration=dict(type="int"),
        ),
    ),
    ignore_findings=dict(type="list", elements="str", choices=list(FINDING_KEYS), default=[]),
    business_hours=dict(type="str"),
    worklist_limit=dict(type="int", default=DEFAULT_WORKLIST_LIMIT),
    exclude=dict(
        type="dict",
        options=dict(
            notes_pattern=dict(type="str"),
            not_activated=dict(type="bool", default=False),
            no_site=dict(type="bool", default=False),
        ),
    ),
    fail_on_findings=dict(type="bool", default=False),
)


def main():
    module = CloudflareModule(ARGUMENT_SPEC, supports_check_mode=True)
    module.run(Report(module))


if __name__ == "__main__":
    main()
