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
  - B(This is an action, not a state.) Every run sends a new interrupt and reports C(changed). Branch traffic
    through the connector is interrupted; a shut-down device needs someone on site to power it on again.
  - In check mode nothing is sent; the module reports what it would do.
author:
  - Magic Transit collection maintainers (@cloudflare)
extends_documentation_fragment:
  - cloudflare.magic_transit.connection
  - cloudflare.magic_transit.attributes
attributes:
  check_mode:
    support: full
    details:
      - The connector is looked up, nothing is sent.
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
    description: The serial number of the connector's device (looked up with one list call).
    type: str
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
"""

EXAMPLES = r"""
- name: Reboot a branch connector inside its maintenance window
  cloudflare.magic_transit.magic_connector_interrupt:
    device_serial_number: CF1A2B3C4D
    action: reboot
"""

RETURN = r"""
magic_connector_interrupt:
  description: The interrupt as Cloudflare accepted it; in check mode, the request that would be sent.
  returned: always
  type: dict
  sample:
    reboot:
      purge: false
    submitted_at: "2026-11-22T03:15:00Z"
magic_connector:
  description: The connector that was interrupted.
  returned: always
  type: dict
  sample:
    id: 4f1c2b3a5d6e7f8091a2b3c4d5e6f708
    notes: ber-branch-01 primary
api_calls:
  description: The API calls this run made, per HTTP method.
  returned: always
  type: dict
  sample:
    GET: 1
    POST: 1
"""

from ansible_collections.cloudflare.magic_transit.plugins.module_utils._connectors import IDENTITIES, IDENTITY_ARGUMENT_SPEC, Connectors
from ansible_collections.cloudflare.magic_transit.plugins.module_utils._module import CloudflareModule

ARGUMENT_SPEC = dict(
    action=dict(type="str", choices=["reboot", "restart", "shutdown"], required=True),
    purge=dict(type="bool", default=False),
    **IDENTITY_ARGUMENT_SPEC
)


def main():
    module = CloudflareModule(ARGUMENT_SPEC, required_one_of=[IDENTITIES], supports_check_mode=True)
    module.run(lambda: Connectors(module.client).interrupt(module.params, module.check_mode))


if __name__ == "__main__":
    main()
