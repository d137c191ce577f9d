#!/usr/bin/python
# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: magic_connector_interrupt
short_description: Reboot, restart or shut down a Magic WAN Connector
version_added: 0.1.0
description:
  - Asks Cloudflare to reboot the connector's device, restart the connector software, or shut the device down,
    through the connector's interrupts endpoint, as an operator does inside a maintenance window.
  - B(This is an action, not a state.) Every run submits a new interrupt and reports C(changed). Branch traffic
    through the connector is interrupted; a shut-down device needs someone on site to power it on again.
  - B(Interrupts are asynchronous.) Cloudflare records the operation and the appliance runs it when it next checks
    in; the interrupt then gets C(triggered_at). Only one operation may be pending per connector, so the module reads
    the connector's interrupts first and, when one is pending, fails saying which operation is pending since when,
    and sends nothing. Should Cloudflare still answer C(409 Conflict) (another operator was faster), the module fails
    the same way and writes nothing.
  - The connector is named by O(id), O(device_id), O(device_serial_number) or its exact O(notes) (handy on call);
    notes that match several connectors fail the task and list them. The result's RV(msg) names the connector
    acted on (notes and id).
  - The C(POST) is never sent twice. When its outcome is unknown (a time-out or a server error, after which
    Cloudflare may have acted), the module reads the connector's interrupts before anything else. If the new
    interrupt is there it reports C(changed) with a warning, otherwise it fails saying the outcome is unknown and
    most likely nothing was received.
  - In check mode the interrupts are read and nothing is sent; C(changed) when the operation could be submitted,
    a failure when it would be refused because one is pending.
  - B(HA-aware.) The connector's store peers (the other connector of its Magic WAN site, found with one sites list
    filtered by the connector; for a connector in no site, the connectors sharing its C(site_id)) are read with their
    interrupts before anything is sent. The interrupt is refused, naming the peer, while a peer has an interrupt
    pending (both could be down together), is away after one that ran (no heartbeat since its C(triggered_at)), or is
    offline (its C(last_heartbeat) older than O(peer_heartbeat_max_age) seconds, so the store would go dark).
    O(ignore_peer=true) overrides; O(if_pending=wait) waits for the peer's interrupt to run and for the peer to be
    back instead.
  - To reboot or restart many stores, one member at a time per store, use
    M(cloudflare.magic_transit.magic_rolling_interrupt) or the role C(cloudflare.magic_transit.rolling_interrupt).
author:
  - Magic Transit collection maintainers (@cloudflare)
extends_documentation_fragment:
  - cloudflare.magic_transit.connection
  - cloudflare.magic_transit.attributes
attributes:
  check_mode:
    support: full
    details:
      - The connector and its interrupts are read, nothing is sent.
  diff_mode:
    support: none
  idempotent:
    support: none
    details:
      - Every run interrupts the connector again.
options:
  id:
    description: The connector's id.
    type: str
  device_id:
    description: The id of the connector's device (looked up with one list call).
    type: str
  device_serial_number:
    description:
      - The serial number of the connector's device, hardware or virtual (a virtual appliance's service tag);
        looked up with one list call.
    type: str
  notes:
    description:
      - The connector's exact notes (looked up with one list call). Must match exactly one connector; an empty value
        is refused.
    type: str
    version_added: 1.0.0
  action:
    description:
      - V(reboot) reboots the device, V(restart) restarts the connector software, V(shutdown) powers the device off.
    type: str
    choices: [reboot, restart, shutdown]
    required: true
  purge:
    description: Also purge the connector's local state.
    type: bool
    default: false
  wait:
    description:
      - Wait until the appliance has run the operation (its interrupt has C(triggered_at)), polling the connector's
        interrupts (after 1 s, then at doubling intervals of at most 15 s), for at most O(wait_timeout) seconds.
      - When the time is up, the task fails (as C(changed)); the operation stays pending and must not be submitted
        again.
    type: bool
    default: false
    version_added: 1.0.0
  wait_timeout:
    description: How long O(wait=true) waits, in seconds; also how long O(if_pending=wait) waits for each pending interrupt.
    type: int
    default: 600
    version_added: 1.0.0
  if_pending:
    description:
      - What to do when an interrupt is already pending on the connector or on a store peer.
      - V(fail) fails the task naming the pending operation, and sends nothing.
      - V(wait) waits (at most O(wait_timeout) seconds each) until it ran. The connector's own pending interrupt,
        if it is the O(action) asked for, is then the task's result (not C(changed), nothing sent); another action is
        submitted once it ran. A peer's pending interrupt is waited for until it ran and the peer reports a heartbeat
        newer than its C(triggered_at). In check mode nothing is waited for; the result says what a run would wait for.
    type: str
    choices: [fail, wait]
    default: fail
    version_added: 1.1.0
  ignore_peer:
    description:
      - Interrupt the connector even while a store peer is offline or has an interrupt pending (the store may go
        dark). The peers are then not read.
    type: bool
    default: false
    version_added: 1.1.0
  peer_heartbeat_max_age:
    description:
      - A store peer whose C(last_heartbeat) is older than this many seconds counts as offline (appliances report every
        10 seconds).
    type: int
    default: 60
    version_added: 1.1.0
"""

EXAMPLES = r"""
- name: Reboot a branch connector inside its maintenance window
  cloudflare.magic_transit.magic_connector_interrupt:
    device_serial_number: CF1A2B3C4D
    action: reboot

- name: On call, restart the connector software of a store by its name and wait until it ran
  cloudflare.magic_transit.magic_connector_interrupt:
    notes: tyo-store-114 virtual
    action: restart
    wait: true
    wait_timeout: 300
  register: restarted

- name: Restart the primary of an HA store once the secondary's pending reboot ran and the secondary is back
  cloudflare.magic_transit.magic_connector_interrupt:
    notes: ber-branch-01 primary
    action: restart
    if_pending: wait
    wait_timeout: 900

- name: Show when it ran
  ansible.builtin.debug:
    msg: "{{ restarted.msg }}"
"""

RETURN = r"""
magic_connector_interrupt:
  description:
    - The interrupt as Cloudflare recorded it; with O(wait=true), as it is once it ran (with C(triggered_at)); in
      check mode, the request that would be sent.
  returned: always
  type: dict
  contains:
    submitted_at:
      description: When Cloudflare recorded the operation.
      returned: when sent
      type: str
    triggered_at:
      description: When the appliance ran it.
      returned: with O(wait=true), or when it already ran
      type: str
  sample:
    reboot:
      purge: false
    submitted_at: "2026-11-22T03:15:00Z"
    triggered_at: "2026-11-22T03:15:42Z"
magic_connector:
  description: The connector that was interrupted.
  returned: always
  type: dict
  sample:
    id: 4f1c2b3a5d6e7f8091a2b3c4d5e6f708
    notes: ber-branch-01 primary
msg:
  description: What was done, naming the connector by its notes and id.
  returned: always
  type: str
  sample: reboot submitted to connector 'ber-branch-01 primary' (4f1c2b3a5d6e7f8091a2b3c4d5e6f708)
api_calls:
  description: The API calls this run made, per HTTP method.
  returned: always
  type: dict
  sample:
    GET: 2
    POST: 1
"""

from ansible_collections.cloudflare.magic_transit.plugins.module_utils._connector_identity import (
    IDENTITIES,
    IDENTITY_ARGUMENT_SPEC,
)
from ansible_collections.cloudflare.magic_transit.plugins.module_utils._ha_peers import (
    DEFAULT_HEARTBEAT_MAX_AGE,
    IF_PENDING,
    INTERRUPT_ACTIONS,
)
from ansible_collections.cloudflare.magic_transit.plugins.module_utils._interrupts import Interrupt
from ansible_collections.cloudflare.magic_transit.plugins.module_utils._module import CloudflareModule

ARGUMENT_SPEC = dict(
    action=dict(type="str", choices=list(INTERRUPT_ACTIONS), required=True),
    purge=dict(type="bool", default=False),
    notes=dict(type="str"),
    wait=dict(type="bool", default=False),
    wait_timeout=dict(type="int", default=600),
    if_pending=dict(type="str", choices=list(IF_PENDING), default="fail"),
    ignore_peer=dict(type="bool", default=False),
    peer_heartbeat_max_age=dict(type="int", default=DEFAULT_HEARTBEAT_MAX_AGE),
    **IDENTITY_ARGUMENT_SPEC,
)


def main():
    module = CloudflareModule(ARGUMENT_SPEC, required_one_of=[IDENTITIES + ("notes",)], supports_check_mode=True)
    module.run(Interrupt(module))


if __name__ == "__main__":
    main()
