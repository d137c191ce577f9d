#!/usr/bin/python
# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: magic_connectors
short_description: Set, create and delete many Magic WAN Connectors in one task
version_added: 0.1.0
description:
  - Brings a whole fleet of Magic WAN Connectors to the settings given for each, at the API cost of
    B(one list call plus one write per connector that really changes), and nothing else. With
    O(create_missing=true) an entry naming a device that has no connector yet creates it (one C(POST)); an entry
    with O(connectors[].state=absent) deletes its connector (one C(DELETE)).
  - Cloudflare allows 1200 API requests per 5 minutes per user and then blocks the B(whole account's) API for
    5 minutes. A loop of M(cloudflare.magic_transit.magic_connector) costs at least one call per connector and
    run, plus Ansible's per-task overhead; this module is what to use for more than a handful of connectors.
  - Every entry is checked before any write (identity, values, at most 100 embargo dates); a bad entry fails the
    task with nothing written.
  - Writes are sent with bounded concurrency (O(max_concurrency)), paced through Cloudflare's rate limit. Before
    each write the module counts its own calls of the last window and what the last answer's C(Ratelimit) header
    says other consumers of the budget (the dashboard, other tools, earlier runs) hold, and keeps a small reserve.
    When nothing is left it pauses only as long as the window needs (until enough of its own calls, or another
    consumer's burst, have left it) and goes on, for at most O(rate_limit_wait) seconds in all; past that it stops
    with an exact report of what was and was not sent and when to retry. It never spends the last requests of the
    budget, so it does not trip the account-wide block. Without any C(Ratelimit) header it spends at most half of
    the documented budget (600 requests per 300 seconds) and halves that on the first 429.
  - When some writes fail, the task fails and its result says exactly which connectors were changed and which
    failed, and how many were not sent and why, naming them by notes and id (at most 20 per kind in the message, then
    how many more); running it again converges. A failure's result stays short whatever the fleet's size (see
    O(return_connectors)).
  - The settings are compared exactly as M(cloudflare.magic_transit.magic_connector) compares them (the same code).
  - Ansible shows nothing of a module before its task ends, so the pauses are reported in RV(pacing) (one line per
    pause, also written to the system log of the host that runs the module, where the journal shows it live).
author:
  - Magic Transit collection maintainers (@cloudflare)
extends_documentation_fragment:
  - cloudflare.magic_transit.connection
  - cloudflare.magic_transit.attributes
  - cloudflare.magic_transit.option_prefix
attributes:
  check_mode:
    support: full
    details:
      - Judged on the controller with the API's rules; only the list call is made.
  diff_mode:
    support: full
    details:
      - One before/after per connector that changes, of the settings given; a created or deleted connector is
        shown whole. With O(diff_summary), identical changes are one block naming every connector they apply to.
  idempotent:
    support: full
options:
  connectors:
    description:
      - The connectors and their settings. Each entry names one connector by O(connectors[].id),
        O(connectors[].device_id) or O(connectors[].device_serial_number), or by its exact O(connectors[].notes)
        when none of these is given, and gives any of the settings; settings left out are not managed.
      - Two entries naming the same connector (or device) are an error, and so are notes that match several
        connectors or are empty. Every entry is checked before anything is written.
      - Exactly one of O(connectors), O(maintenance_window) and O(change_freeze) is required.
    type: list
    elements: dict
    suboptions:
      id:
        description: The connector's id.
        type: str
      device_id:
        description: The id of the connector's device.
        type: str
      device_serial_number:
        description: The serial number of the connector's device.
        type: str
      state:
        description:
          - V(present) brings the connector to the settings given (with O(create_missing=true), creating it for the
            device named if there is none).
          - V(absent) deletes the connector, if there is one. No setting may be given with it.
        type: str
        choices: [present, absent]
        default: present
        version_added: 1.0.0
      activated:
        description: Whether the connector is activated.
        type: bool
      notes:
        description:
          - Free-text notes.
          - When the entry gives no O(connectors[].id), O(connectors[].device_id) or
            O(connectors[].device_serial_number), the notes name the connector (exact match; they must match one
            connector and must not be empty).
        type: str
      timezone:
        description: The IANA time zone of the interrupt window, such as V(Europe/Berlin).
        type: str
      interrupt_window_days_of_week:
        description: The days on which the interrupt window opens, any casing; compared as a set.
        type: list
        elements: str
      interrupt_window_hour_of_day:
        description: The hour (0 to 23) at which the interrupt window opens.
        type: int
      interrupt_window_duration_hours:
        description: How long the interrupt window stays open, in whole hours from 1 to 24.
        type: int
      interrupt_window_embargo_dates:
        description: Dates (V(YYYY-MM-DD)) on which the window stays closed, at most 100 (after merging).
        type: list
        elements: str
      site_id:
        description:
          - B(Deprecated), to be removed in 2.0.0; use C(cloudflare.magic_transit.magic_site). When the connectors
            Cloudflare answers carry no C(site_id) or C(primary) (its newest schema), an entry giving it fails the task
            before any write.
          - The id of the Magic WAN site the connector belongs to; V("") takes it out of its site.
        type: str
        version_added: 1.0.0
      primary:
        description:
          - B(Deprecated), to be removed in 2.0.0; use C(cloudflare.magic_transit.magic_site) (see
            O(connectors[].site_id)).
          - Whether the connector is the primary one of its site (Cloudflare's default is V(true)).
        type: bool
        version_added: 1.0.0
      purge_embargo_dates:
        description: Overrides O(purge_embargo_dates) for this connector.
        type: bool
      provision_license:
        description:
          - V(true) onboards a virtual appliance - when no connector has the entry's O(connectors[].notes) (compared
            in Unicode NFC without surrounding white space), one is created for a new virtual device (one C(POST),
            whatever O(create_missing) says) and Cloudflare generates its license key, which is written to a file,
            O(connectors[].license_key_dest), or the task's O(license_key_dir). A connector found by its notes keeps
            its key; a second run changes nothing and writes no file.
          - The entry must name the connector by its notes alone (no O(connectors[].id), O(connectors[].device_id) or
            O(connectors[].device_serial_number)). To re-key an existing connector, use
            M(cloudflare.magic_transit.magic_connector) with O(cloudflare.magic_transit.magic_connector#module:rekey=true).
          - A create is refused before any write when a connector exists whose notes differ only by case or white
            space; a created connector whose notes come back different fails the task, naming its id.
        type: bool
        default: false
        version_added: 1.1.0
      license_key_dest:
        description:
          - The file for this entry's license key, with the same rules as
            O(cloudflare.magic_transit.magic_connector#module:license_key_dest) - written atomically with mode C(0600),
            its directory probed before any call (a bad one fails the task before any write), the key masked in every
            output of the run, and when the file cannot be written after all, the key kept in a C(0600) fallback file
            that the entry's RV(magic_connectors[].license_key_fallback) names.
          - Requires O(connectors[].provision_license=true). Overrides O(license_key_dir).
        type: path
        version_added: 1.1.0
  maintenance_window:
    description:
      - Instead of O(connectors), the settings of the C(cloudflare.magic_transit.maintenance_window) role (its
        variables without the C(maintenance_window_) prefix; O(maintenance_window.targets) is the role's
        C(maintenance_window_connectors)). The module checks them before any call, lists the connectors once and the
        Magic WAN sites once (unless O(maintenance_window.use_sites=false)), plans every target's window with the whole
        account as the plan's world, and writes the plan from the same list.
      - This is how the role costs one connector list call per run. The rules and the HA guarantee are documented
        with the role. Unset sub-options take the role's defaults.
    type: dict
    version_added: 1.0.0
    suboptions:
      preset:
        description:
          - The standard window - V(weekend_nights) (Saturday and Sunday, 01:00 for 4 h), V(weeknights) (Monday to
            Thursday, 01:00 for 3 h), V(sunday_early) (Sunday, 03:00 for 3 h) or V(always_on_short) (every day, 04:00
            for 1 h). O(maintenance_window.days), O(maintenance_window.hour) and O(maintenance_window.duration)
            override it; without all three a preset is required.
        type: str
        choices: [always_on_short, sunday_early, weekend_nights, weeknights]
      days:
        description: The days of the window (any casing); overrides the preset's days.
        type: list
        elements: str
      hour:
        description: The local hour (0 to 23) the window opens; overrides the preset's hour.
        type: int
      duration:
        description: The window's length in whole hours (1 to 24); overrides the preset's duration.
        type: int
      timezone:
        description: An IANA time zone for every connector of this run; unset keeps each connector's own.
        type: str
      targets:
        description:
          - The connectors to plan, each a mapping with C(id), C(device_id), C(device_serial_number) or C(notes), and
            optionally its own C(timezone) and C(group), or a bare connector id. Unset or empty means every connector
            (of O(maintenance_window.device_type)); the others are not planned but their windows are kept apart from.
        type: list
        elements: raw
      device_type:
        description: Only connectors of this device type; unset or empty means both.
        type: str
        choices: ["", MANAGED, LICENSED]
      group_by:
        description:
          - How HA groups are found besides sites and C(site_id), which always count - V(site_id) (every target must
            have one), V(notes) (else the first capture group of O(maintenance_window.group_pattern) on the notes), or
            empty (the default). With a value, a target no source groups fails the run before any write.
        type: str
        choices: ["", site_id, notes]
      group_pattern:
        description: The regular expression whose first capture group names a connector's group; C(^(\S+)) when unset.
        type: str
      allow_ungrouped:
        description: With O(maintenance_window.group_by) set, plan a target that no source groups as a single site instead of failing (default V(false)).
        type: bool
      use_sites:
        description: Whether the account's Magic WAN sites are listed (one call) and used as the first source of HA groups (default V(true)).
        type: bool
      ha_conflict:
        description:
          - When a target's window would overlap the current window of an HA peer that the run does not touch -
            V(shift) (the default; the next free window on the same days) or V(fail) (the run fails before any write).
        type: str
        choices: [shift, fail]
      ha_strategy:
        description:
          - How HA peers are kept apart - V(consecutive) (the default; one duration after the other) or
            V(alternate_days) (the same hours, member p of n on every n-th day of the days).
        type: str
        choices: [consecutive, alternate_days]
      latest_end_hour:
        description: The local hour (1 to 24) by which every planned window closes, opening the same day; unset or V(0) sets no limit.
        type: int
      stagger_hours:
        description: Hours between the windows of consecutive groups, with O(maintenance_window.stagger_slots) above 1 (default V(0)).
        type: int
      stagger_slots:
        description: Into how many staggered start times groups are spread, round robin (default V(1)).
        type: int
      freeze_periods:
        description: Freeze periods, each a mapping with C(start) and C(end) (C(YYYY-MM-DD), both included), made embargo dates.
        type: list
        elements: dict
      embargo_dates:
        description: Single embargo dates (C(YYYY-MM-DD)). Past dates are dropped; at most 100 in all.
        type: list
        elements: str
      purge_embargo_dates:
        description: Whether the embargo dates given replace each connector's dates (V(true)) or are added to them (the default).
        type: bool
      today:
        description: The first date kept of the embargo dates and the first day of the 53 weeks judged (C(YYYY-MM-DD)); today when unset.
        type: str
      business_hours:
        description:
          - Opening hours C(HH:MM-HH:MM) in each connector's local time (start included, end excluded, at most
            C(24:00); an end before the start wraps past midnight), such as C(08:00-22:00). No planned window opens
            inside them.
        type: str
        version_added: 1.1.0
      timezone_mismatch:
        description:
          - When the members of an HA group the run touches are in different time zones - V(report) (the default; the
            summary lists them), V(fail) (the run fails before any write) or V(primary) (the planned members take
            their primary's zone).
        type: str
        choices: [report, fail, primary]
        version_added: 1.1.0
  change_freeze:
    description:
      - Instead of O(connectors), the freeze of the C(cloudflare.magic_transit.change_freeze) role. The connectors are
        listed once and the entries planned from that list; an entry that removes dates holds the whole remaining
        list and replaces it whatever O(purge_embargo_dates) says.
      - Only embargo dates are written; a freeze never moves a window.
    type: dict
    version_added: 1.0.0
    suboptions:
      dates:
        description: The freeze dates (C(YYYY-MM-DD)).
        type: list
        elements: str
      state:
        description: V(present) (the default) adds the dates to each connector's embargo dates, V(absent) removes exactly them, past or not.
        type: str
        choices: [present, absent]
      targets:
        description: The connectors, by identity (as O(maintenance_window.targets)); unset or empty for every connector.
        type: list
        elements: raw
      device_type:
        description: Only connectors of this device type; unset or empty means both.
        type: str
        choices: ["", MANAGED, LICENSED]
      purge_past:
        description: Also remove every embargo date before O(change_freeze.today) (default V(false)).
        type: bool
        version_added: 1.1.0
      today:
        description: Today's date for O(change_freeze.purge_past) (C(YYYY-MM-DD)); today when unset.
        type: str
        version_added: 1.1.0
  purge_embargo_dates:
    description:
      - With V(true), each entry's O(connectors[].interrupt_window_embargo_dates) is the whole list.
      - With V(false), the dates given are added to those already there, and none is removed.
    type: bool
    default: true
  max_concurrency:
    description: How many writes may be under way at once, 1 to 10.
    type: int
    default: 4
  create_missing:
    description:
      - With V(true), an entry with O(connectors[].state=present) that names a device by
        O(connectors[].device_id) or O(connectors[].device_serial_number) for which no connector exists creates
        one (one C(POST), never repeated blindly; a create whose answer is lost is looked up again before anything
        else is sent), with the entry's settings.
      - With V(false), such an entry is an error, found before any write.
    type: bool
    default: false
    version_added: 1.0.0
  license_key_dir:
    description:
      - The directory for the license keys of entries with O(connectors[].provision_license=true) and no
        O(connectors[].license_key_dest). Each key goes to C(<license_key_dir>/<notes>.key), the entry's notes in
        Unicode NFC without surrounding white space, with every character other than letters, digits, C(.), C(_) and
        C(-) replaced by C(_) (and a leading C(.) too); for example notes V(aws eu/vcon 1) give C(aws_eu_vcon_1.key).
        Two entries whose keys would go to the same file fail the task before any call.
      - The directory must exist and be writable (checked before any call, in check mode too). The files follow the
        rules of O(connectors[].license_key_dest).
    type: path
    version_added: 1.1.0
  rate_limit_wait:
    description:
      - How long, in seconds in all, the module may pause for Cloudflare's rate-limit window. One pause is at most
        one window (300 seconds and a half-second margin); the default takes two whole windows and most of a third,
        so any change of up to about 3,000 writes converges in one go.
      - V(0) never waits; the module stops when the budget is about to run out and reports what was not sent.
      - A stop says when to retry as a UTC clock time (C(retry after 14:05:10 UTC)).
    type: float
    default: 900
    version_added: 1.0.0
  return_connectors:
    description:
      - V(brief) returns, per entry, the connector's id, notes, status, the fields changed and the error. When the
        task fails, only the entries that failed or were changed are returned (each with its
        RV(magic_connectors[].index)); the others are counted in RV(summary), and why they were not sent is said
        once in RV(not_sent_reason). A failure's result then stays short, whatever the fleet's size.
      - V(full) adds the whole connector (as Cloudflare returned it) and its diff to every entry, and keeps every
        entry in a failure's result too.
    type: str
    choices: [brief, full]
    default: brief
    version_added: 1.0.0
  diff_summary:
    description:
      - With V(true), C(--diff) shows each distinct change once, headed by the connectors it applies to.
      - With V(false), one before/after per connector.
      - Left out, changes are summarised when more than 50 connectors change.
    type: bool
    version_added: 1.0.0
"""

EXAMPLES = r"""
- name: Weekend-night windows for two branch sites, in one task
  cloudflare.magic_transit.magic_connectors:
    connectors:
      - device_serial_number: MWC2301A0417
        interrupt_window_days_of_week: [Saturday, Sunday]
        interrupt_window_hour_of_day: 1
        interrupt_window_duration_hours: 3
      - device_serial_number: MWC2301A0418
        interrupt_window_days_of_week: [Saturday, Sunday]
        interrupt_window_hour_of_day: 4
        interrupt_window_duration_hours: 3

- name: Onboard two new branches and retire an old one, in one task
  cloudflare.magic_transit.magic_connectors:
    create_missing: true
    connectors:
      - device_serial_number: MWC2405C0101
        notes: ber-branch-02
        timezone: Europe/Berlin
      - device_serial_number: MWC2405C0102
        notes: ham-branch-01
        timezone: Europe/Berlin
      - notes: syd-branch-07 primary
        state: absent

- name: Onboard virtual appliances in bulk, each key in /srv/keys/<notes>.key (mode 0600); a re-run changes nothing
  cloudflare.magic_transit.magic_connectors:
    license_key_dir: /srv/keys
    connectors:
      - notes: aws-eu-central-1-vcon
        provision_license: true
        timezone: Europe/Berlin
      - notes: aws-us-east-1-vcon
        provision_license: true
        timezone: America/New_York

- name: Add Christmas Eve to these connectors' embargo dates, keeping their other dates
  cloudflare.magic_transit.magic_connectors:
    connectors:
      - device_serial_number: MWC2301A0417
        interrupt_window_embargo_dates: ["2026-12-24"]
      - device_serial_number: MWC2306B1120
        interrupt_window_embargo_dates: ["2026-12-24"]
    purge_embargo_dates: false
"""

RETURN = r"""
magic_connectors:
  description:
    - One entry per entry of O(connectors), in the same order.
    - When the task fails with O(return_connectors=brief), only the entries that failed or were changed.
  returned: always
  type: list
  elements: dict
  contains:
    index:
      description: The entry's position in O(connectors) (from 0).
      type: int
      returned: when the task fails with O(return_connectors=brief)
      version_added: 1.1.0
    id:
      description: The connector's id (none for a connector that check mode would create).
      type: str
      returned: always
    notes:
      description: The connector's notes.
      type: str
      returned: always
    status:
      description:
        - V(changed), V(unchanged), V(failed), or V(not_sent) when the module stopped before sending this write
          (another write failed, or the rate limit budget ran out within O(rate_limit_wait)).
      type: str
      returned: always
    action:
      description: What the entry asks for, V(update), V(create) or V(delete) (also when nothing had to be done).
      type: str
      returned: always
    changed:
      description: Whether this connector was changed (in check mode, would be).
      type: bool
      returned: always
    changes:
      description: The fields written (or to be written), with their new values; empty when unchanged or deleted.
      type: dict
      returned: always
    error:
      description: Why the write failed or was not sent, or what failed after it (a license key not saved).
      type: str
      returned: when status is failed or not_sent, or something that had to follow a write failed
    outcome_unknown:
      description: The write failed without a clear answer and a re-read could not confirm it; it may have landed.
      type: bool
      returned: when the outcome of the write is unknown
    license_key_dest:
      description: The file the new connector's license key is written to (would be, in check mode); never the key.
      type: str
      returned: for an entry with O(connectors[].provision_license=true) whose connector is created
      version_added: 1.1.0
    license_key_fallback:
      description:
        - The file (mode C(0600), next to RV(magic_connectors[].license_key_dest) or in the temporary directory) that
          holds the new key because RV(magic_connectors[].license_key_dest) could not be written when it arrived; the
          task then fails and sends nothing more. Move the file to its place.
      type: str
      returned: when a license key could not be written to its file
      version_added: 1.1.0
    connector:
      description: The connector after the change as Cloudflare returned it (as it would be in check mode; empty
        when deleted).
      type: dict
      returned: with O(return_connectors=full)
    diff:
      description: Before and after of the settings that differ.
      type: dict
      returned: with O(return_connectors=full), in diff mode, when the connector changes
  sample:
    - id: 711f8eedc6d84336a6f7d256ddd00fce
      notes: ber-branch-01 primary
      status: changed
      action: update
      changed: true
      changes:
        interrupt_window_hour_of_day: 1
not_sent_reason:
  description: Why the entries not sent were not sent (said once for all of them).
  returned: when the task fails with O(return_connectors=brief) and some entries were not sent
  type: str
  sample: "not sent after the write of ber-branch-01 primary (711f8eedc6d84336a6f7d256ddd00fce) failed"
  version_added: 1.1.0
summary:
  description: How many entries were changed, unchanged, failed and not sent.
  returned: always
  type: dict
  sample:
    total: 1000
    changed: 300
    unchanged: 700
    failed: 0
    not_sent: 0
maintenance_plan:
  description:
    - With O(change_freeze), C(connectors), C(targets), C(state), C(freeze) (the dates as ranges), C(holding) (targets
      holding some of the dates), C(purged_past) (targets with dates before C(today), with C(purge_past)) and
      C(lines) (saying so when a removal finds nothing).
    - With O(maintenance_window), the plan summary - C(connectors) (in the account), C(targets), C(changing),
      C(windows) and C(timezones) (counts per resulting window and time zone), C(ha_groups),
      C(ha_groups_partly_targeted), C(ungrouped), C(conflicts_shifted) and C(shifted) (the first 20), C(freeze)
      (the embargo dates written, as ranges), C(weeks_checked) (53, every DST change of the next 12 months),
      C(from_date), C(sites_used), C(timezone_mismatches) and C(mismatched_groups) (HA groups whose members are in
      different time zones, the first 20, each C(group) and C(members) with C(connector), C(notes), C(timezone);
      version 1.1.0), and C(lines) (the summary as text).
    - With either, after a run that wrote, C(verified) - how many written connectors the account listed again after
      the writes was checked for (HA peers down together, embargo dates taken away by another run; the task fails
      naming them); version 1.1.0.
  returned: when O(maintenance_window) or O(change_freeze) is given
  type: dict
  sample:
    targets: 2
    changing: 1
    windows: {"Sun,Sat 01:00 4h": 1, "Sun,Sat 05:00 4h": 1}
    timezones: {"Europe/Berlin": 2}
    ha_groups: 1
    conflicts_shifted: 0
    freeze: ["2026-12-18..2027-01-03"]
pacing:
  description: How the writes were paced through Cloudflare's rate limit.
  returned: always
  type: dict
  contains:
    pauses:
      description: How many times the module paused for the rate-limit window.
      type: int
    waited_s:
      description: Seconds paused in all (at most O(rate_limit_wait)).
      type: float
    lines:
      description: One line per pause, as written to the system log.
      type: list
      elements: str
    rate_limited:
      description: How many answers were 429 (the target is 0).
      type: int
  sample:
    pauses: 1
    waited_s: 212.5
    lines: ["paced: 1198 of 3000 sent, waiting 213 s for Cloudflare's rate-limit window"]
    rate_limited: 0
api_calls:
  description: The API calls this run made, per HTTP method (and C(retries), C(rate_limited) when any).
  returned: always
  type: dict
  sample:
    GET: 1
    PATCH: 300
"""

from ansible_collections.cloudflare.magic_transit.plugins.module_utils._connector_fleet import ConnectorFleet
from ansible_collections.cloudflare.magic_transit.plugins.module_utils._connectors import (
    IDENTITIES,
    IDENTITY_ARGUMENT_SPEC,
    Connectors,
)
from ansible_collections.cloudflare.magic_transit.plugins.module_utils._fleet import DEFAULT_RATE_LIMIT_WAIT
from ansible_collections.cloudflare.magic_transit.plugins.module_utils._inputs import OPTION_PREFIX_ARGUMENT_SPEC
from ansible_collections.cloudflare.magic_transit.plugins.module_utils._maintenance import (
    CHANGE_FREEZE_SPEC,
    MAINTENANCE_WINDOW_SPEC,
)
from ansible_collections.cloudflare.magic_transit.plugins.module_utils._module import CloudflareModule

ENTRY_SPEC = dict(
    purge_embargo_dates=dict(type="bool"),
    state=dict(type="str", choices=["present", "absent"], default="present"),
    provision_license=dict(type="bool", default=False),
    license_key_dest=dict(type="path"),
    **IDENTITY_ARGUMENT_SPEC,
    **Connectors.argument_spec,
)

ARGUMENT_SPEC = dict(
    connectors=dict(type="list", elements="dict", options=ENTRY_SPEC, required_one_of=[IDENTITIES + ("notes",)]),
    maintenance_window=dict(type="dict", options=MAINTENANCE_WINDOW_SPEC),
    change_freeze=dict(type="dict", options=CHANGE_FREEZE_SPEC),
    purge_embargo_dates=dict(type="bool", default=True),
    max_concurrency=dict(type="int", default=4),
    create_missing=dict(type="bool", default=False),
    license_key_dir=dict(type="path"),
    rate_limit_wait=dict(type="float", default=DEFAULT_RATE_LIMIT_WAIT),
    return_connectors=dict(type="str", choices=["brief", "full"], default="brief"),
    diff_summary=dict(type="bool"),
    **OPTION_PREFIX_ARGUMENT_SPEC,
)


def main():
    sources = ("connectors", "maintenance_window", "change_freeze")
    module = CloudflareModule(
        ARGUMENT_SPEC, mutually_exclusive=[sources], required_one_of=[sources], supports_check_mode=True
    )
    module.run(ConnectorFleet(module))


if __name__ == "__main__":
    main()
