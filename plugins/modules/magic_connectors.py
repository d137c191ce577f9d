#!/usr/bin/python
# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: magic_connectors
short_description: Set the settings of many Magic WAN Connectors in one task
version_added: 0.1.0
description:
  - Brings a whole fleet of existing Magic WAN Connectors to the settings given for each, at the API cost of
    B(one list call plus one C(PATCH) per connector that really changes), and nothing else.
  - Cloudflare allows 1200 API requests per 5 minutes per user and then blocks the B(whole account's) API for
    5 minutes. A loop of M(cloudflare.magic_transit.magic_connector) costs at least one call per connector and
    run, plus Ansible's per-task overhead; this module is what to use for more than a handful of connectors.
  - Every entry is checked before any write (identity, values, at most 100 embargo dates); a bad entry fails the
    task with nothing written.
  - Writes are sent with bounded concurrency (O(max_concurrency)). The module reads Cloudflare's C(Ratelimit)
    header and stops sending before it would exhaust the account's budget; 429 answers are retried as every call
    of the collection is (see O(max_retries), O(max_retry_wait)).
  - When some writes fail, the task fails and its result says exactly which connectors were changed and which
    were not; running it again converges.
  - The settings are compared exactly as M(cloudflare.magic_transit.magic_connector) compares them (the same code).
    Connectors are not created or deleted here.
author:
  - Magic Transit collection maintainers (@cloudflare)
extends_documentation_fragment:
  - cloudflare.magic_transit.connection
  - cloudflare.magic_transit.attributes
attributes:
  check_mode:
    support: full
    details:
      - Judged on the controller with the API's rules; only the list call is made.
  diff_mode:
    support: full
    details:
      - One before/after per connector that changes, of the settings given.
  idempotent:
    support: full
options:
  connectors:
    description:
      - The connectors and their settings. Each entry names one connector by O(connectors[].id),
        O(connectors[].device_id) or O(connectors[].device_serial_number), and gives any of the settings; settings
        left out are not managed.
      - Two entries naming the same connector are an error.
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
      activated:
        description: Whether the connector is activated.
        type: bool
      notes:
        description: Free-text notes.
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
        description: The id of the Magic WAN site the connector belongs to; V("") takes it out of its site.
        type: str
      primary:
        description: Whether the connector is the primary one of its site (Cloudflare's default is V(true)).
        type: bool
      purge_embargo_dates:
        description: Overrides O(purge_embargo_dates) for this connector.
        type: bool
  maintenance_window:
    description:
      - Instead of O(connectors), the settings of the C(cloudflare.magic_transit.maintenance_window) role (its
        variables without the C(maintenance_window_) prefix, such as C(preset), C(hour), C(targets), C(group_by),
        C(ha_conflict), C(latest_end_hour), C(use_sites)). The module checks them before any call, lists the
        connectors once and the Magic WAN sites once (unless C(use_sites) is false), plans every target's window
        with the whole account as the plan's world, and writes the plan from the same list.
      - This is how the role costs one connector list call per run. The rules and the HA guarantee are documented
        with the role.
    type: dict
  change_freeze:
    description:
      - Instead of O(connectors), the freeze of the C(cloudflare.magic_transit.change_freeze) role - C(dates)
        (C(YYYY-MM-DD)), C(state) (V(present) adds them to each connector's embargo dates, V(absent) removes exactly
        them; give O(purge_embargo_dates=true) then), C(targets) (identities; empty for every connector) and
        C(device_type). The connectors are listed once and the entries planned from that list.
      - Only embargo dates are written; a freeze never moves a window.
    type: dict
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
  description: One entry per entry of O(connectors), in the same order.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: The connector's id.
      type: str
      returned: always
    status:
      description:
        - V(changed), V(unchanged), V(failed), or V(not_sent) when the module stopped before sending this write
          (another write failed, or the rate limit budget ran out).
      type: str
      returned: always
    changed:
      description: Whether this connector was changed (in check mode, would be).
      type: bool
      returned: always
    connector:
      description: The connector after the change as Cloudflare returned it; as it would be in check mode.
      type: dict
      returned: always
    error:
      description: Why the write failed or was not sent.
      type: str
      returned: when status is failed or not_sent
    diff:
      description: Before and after of the settings that differ.
      type: dict
      returned: in diff mode, when the connector changes
  sample:
    - id: 711f8eedc6d84336a6f7d256ddd00fce
      status: changed
      changed: true
      connector:
        id: 711f8eedc6d84336a6f7d256ddd00fce
        interrupt_window_hour_of_day: 1
summary:
  description: How many connectors were changed, unchanged, failed and not sent.
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
    - With O(change_freeze), C(connectors), C(targets), C(state), C(freeze) (the dates as ranges) and C(lines).
    - With O(maintenance_window), the plan summary - C(connectors) (in the account), C(targets), C(changing),
      C(windows) and C(timezones) (counts per resulting window and time zone), C(ha_groups),
      C(ha_groups_partly_targeted), C(ungrouped), C(conflicts_shifted) and C(shifted) (the first 20), C(freeze)
      (the embargo dates written, as ranges), C(weeks_checked), C(from_date), C(sites_used), and C(lines) (the
      summary as text).
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
api_calls:
  description: The API calls this run made, per HTTP method (and C(retries), C(rate_limited) when any).
  returned: always
  type: dict
  sample:
    GET: 1
    PATCH: 300
"""

from ansible_collections.cloudflare.magic_transit.plugins.module_utils._connectors import IDENTITIES, IDENTITY_ARGUMENT_SPEC, Connectors, plan_fleet
from ansible_collections.cloudflare.magic_transit.plugins.module_utils._maintenance import freeze_from_account, plan_from_account
from ansible_collections.cloudflare.magic_transit.plugins.module_utils._fleet import FleetWriter
from ansible_collections.cloudflare.magic_transit.plugins.module_utils._module import CloudflareModule

ENTRY_SPEC = dict(purge_embargo_dates=dict(type="bool"), **IDENTITY_ARGUMENT_SPEC, **Connectors.argument_spec)

ARGUMENT_SPEC = dict(
    connectors=dict(type="list", elements="dict", options=ENTRY_SPEC, required_one_of=[IDENTITIES]),
    maintenance_window=dict(type="dict"),
    change_freeze=dict(type="dict"),
    purge_embargo_dates=dict(type="bool", default=True),
    max_concurrency=dict(type="int", default=4),
)


def main():
    sources = ("connectors", "maintenance_window", "change_freeze")
    module = CloudflareModule(ARGUMENT_SPEC, mutually_exclusive=[sources], required_one_of=[sources], supports_check_mode=True)

    def apply():
        connectors = Connectors(module.client)
        writer = FleetWriter(connectors, "connectors", module.params["max_concurrency"], module.check_mode, module._diff,
                             module.warn)
        entries, listed, plan = module.params["connectors"], None, None
        for option, planner in (("maintenance_window", plan_from_account), ("change_freeze", freeze_from_account)):
            if module.params[option] is not None:
                entries, listed, plan = planner(connectors, module.params[option])
        result = writer.run(plan_fleet(connectors, entries, module.params["purge_embargo_dates"], listed))
        return result if plan is None else dict(result, maintenance_plan=plan)

    module.run(apply)


if __name__ == "__main__":
    main()
