#!/usr/bin/python
# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: magic_rolling_interrupt
short_description: Reboot or restart many Magic WAN stores, never a whole store at once
version_added: 1.1.0
description:
  - Reboots the devices, or restarts the connector software, of the stores targeted, batch by batch, so that no
    HA store ever has both connectors away at the same instant.
  - B(Stores.) A store is a Magic WAN site and its connectors (C(connector_id) the primary, C(secondary_connector_id)
    the secondary), else the connectors sharing a C(site_id), as the HA planner groups them; a connector in no site is
    a store of its own. One connectors list and one sites list make the plan.
  - B(Order.) O(batch) stores run side by side. In an HA store the secondary goes first, then the primary. A member is
    interrupted only while every other member of its store reports heartbeats (C(last_heartbeat) at most
    O(heartbeat_max_age) seconds old) and, before the store's first member, while no other member has an interrupt
    pending. After the C(POST) the run waits for the interrupt's C(triggered_at), then for a heartbeat newer than it
    (the appliance is back), then moves on to the store's next member.
  - B(Skipped, pending, failed.) A store with a member offline when its turn comes is skipped and reported, never
    interrupted. A pending interrupt (listed, or Cloudflare's C(409)) is reported, not retried; the store is left
    alone. A member that does not run or come back within O(member_timeout) seconds, or whose C(POST) fails, fails
    its store (its other members are not interrupted). Once more than O(max_failures) stores failed, the run stops
    after the batch in flight and the task fails; the stores not run are reported as C(not_run).
  - B(Polling is bounded.) Every O(poll_interval) seconds, one connectors list serves every member in flight, plus
    one interrupts read per member still waiting for C(triggered_at). Every call keeps to Cloudflare's rate budget
    (the C(Ratelimit) answers); the run pauses until the window resets rather than exceed it.
  - The C(POST) of each member goes through the path of M(cloudflare.magic_transit.magic_connector_interrupt) (never
    sent twice; an unknown outcome is re-read).
  - Every option is checked before any call; a bad one fails naming it. C(shutdown) is refused.
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
      - The connectors and sites are listed, and the plan (batches, each store's order, the stores a member offline
        now would skip) is returned; nothing is sent.
  diff_mode:
    support: none
  idempotent:
    support: none
    details:
      - Every run interrupts the stores again.
options:
  action:
    description:
      - V(reboot) reboots the devices, V(restart) restarts the connector software. V(shutdown) is refused (a shut-down
        device needs someone on site); use M(cloudflare.magic_transit.magic_connector_interrupt) for one connector.
    type: str
    required: true
  purge:
    description: Also purge each connector's local state.
    type: bool
    default: false
  all_stores:
    description: Target every store of the account (every connector). Cannot be combined with O(stores) or O(connectors).
    type: bool
    default: false
  stores:
    description:
      - The stores to target, by Magic WAN site name, in the order they run (else stores run by name). Each must name
        a site with connectors.
    type: list
    elements: str
  connectors:
    description:
      - The connectors to target, each by id, device id, device serial number or exact notes, naming exactly one
        connector. Their stores run by name; the store's other members are not interrupted but still judged (online,
        nothing pending).
    type: list
    elements: str
  batch:
    description: How many stores run side by side.
    type: int
    default: 1
  heartbeat_max_age:
    description:
      - A member whose C(last_heartbeat) is older than this many seconds counts as offline (appliances report every
        10 seconds).
    type: int
    default: 60
  member_timeout:
    description: Seconds a member may take from its C(POST) until it is back (a heartbeat newer than its C(triggered_at)).
    type: int
    default: 900
  max_failures:
    description:
      - How many stores may fail before the run stops (after the batch in flight). V(0) stops at the first failure.
    type: int
    default: 0
  poll_interval:
    description: Seconds between two polls (more than 0, at most O(member_timeout)).
    type: float
    default: 5
"""

EXAMPLES = r"""
- name: Reboot the stores of one region, five stores at a time
  cloudflare.magic_transit.magic_rolling_interrupt:
    action: reboot
    stores: [ber-branch-01, muc-branch-02, ham-branch-03]
    batch: 5

- name: Preview a restart of every store (check mode prints the plan)
  cloudflare.magic_transit.magic_rolling_interrupt:
    action: restart
    all_stores: true
    batch: 10
  check_mode: true
  register: plan

- name: Show the plan
  ansible.builtin.debug:
    msg: "{{ plan.rolling_interrupt.lines }}"
"""

RETURN = r"""
rolling_interrupt:
  description: The plan (check mode) or what the run did, per store.
  returned: always
  type: dict
  contains:
    action:
      description: The action.
      type: str
      returned: always
    batches:
      description: The stores of each batch, by name, in the order they run.
      type: list
      elements: list
      returned: always
    stores:
      description:
        - Per store its C(store) name, C(site_id), C(status) (C(done), C(skipped), C(pending), C(failed), C(not_run);
          in check mode C(planned) or C(skipped)), C(reason) when not done, and its C(members) in the order they
          run, each with C(id), C(name), C(role) (C(secondary), C(primary), C(single)), C(status), C(submitted_at),
          C(triggered_at), C(back_at) (its first heartbeat after it) and C(away_s) (seconds between them).
      type: list
      elements: dict
      returned: always
    counts:
      description: How many stores ended in each status.
      type: dict
      returned: when not in check mode
    interrupts_sent:
      description: How many interrupts were submitted.
      type: int
      returned: when not in check mode
    polls:
      description: How many polls the run made.
      type: int
      returned: when not in check mode
    paused_s:
      description: Seconds paused to keep to the rate budget.
      type: float
      returned: when not in check mode
    lines:
      description: The summary, one line per store (in check mode, one line per batch).
      type: list
      elements: str
      returned: always
      sample:
        - "ber-branch-01: done (secondary connector 'ber-branch-01 secondary' (6418...) away 31.0 s, then primary
          connector 'ber-branch-01 primary' (711f...) away 30.0 s)"
msg:
  description: What was done, with the count of stores per status.
  returned: always
  type: str
  sample: "rolling reboot of 30 stores in 6 batches: 28 done, 2 skipped"
api_calls:
  description: The API calls this run made, per HTTP method.
  returned: always
  type: dict
  sample:
    GET: 240
    POST: 56
"""

from ansible_collections.cloudflare.magic_transit.plugins.module_utils._ha_peers import DEFAULT_HEARTBEAT_MAX_AGE
from ansible_collections.cloudflare.magic_transit.plugins.module_utils._inputs import OPTION_PREFIX_ARGUMENT_SPEC
from ansible_collections.cloudflare.magic_transit.plugins.module_utils._module import CloudflareModule
from ansible_collections.cloudflare.magic_transit.plugins.module_utils._rolling import RollingInterrupt

ARGUMENT_SPEC = dict(
    action=dict(type="str", required=True),
    purge=dict(type="bool", default=False),
    all_stores=dict(type="bool", default=False),
    stores=dict(type="list", elements="str"),
    connectors=dict(type="list", elements="str"),
    batch=dict(type="int", default=1),
    heartbeat_max_age=dict(type="int", default=DEFAULT_HEARTBEAT_MAX_AGE),
    member_timeout=dict(type="int", default=900),
    max_failures=dict(type="int", default=0),
    poll_interval=dict(type="float", default=5),
    **OPTION_PREFIX_ARGUMENT_SPEC,
)


def main():
    module = CloudflareModule(ARGUMENT_SPEC, supports_check_mode=True)
    module.run(RollingInterrupt(module))


if __name__ == "__main__":
    main()
