#!/usr/bin/python
# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: magic_connector_info
short_description: List Magic WAN Connectors
version_added: 0.1.0
description:
  - Lists the account's Magic WAN Connectors in one API call, optionally filtered.
  - With O(telemetry=true), also reads each listed connector's latest telemetry snapshot, which costs B(one more
    API call per connector); mind Cloudflare's rate limit of 1200 requests per 5 minutes with large fleets.
author:
  - Magic Transit collection maintainers (@cloudflare)
extends_documentation_fragment:
  - cloudflare.magic_transit.connection
  - cloudflare.magic_transit.attributes
  - cloudflare.magic_transit.attributes.info_module
options:
  id:
    description: Only the connector with this id.
    type: str
  device_serial_number:
    description:
      - Only the connector of the device with this serial number (hardware, or a virtual appliance's service tag),
        compared without case.
    type: str
  notes:
    description:
      - Only the connectors whose notes are exactly this (case and inner spaces count; compared in Unicode normal
        form NFC, without surrounding white space).
      - When no connector matches but some nearly do (the same notes but for case or white space, or notes that
        contain these, or are contained in them), a warning names them (at most 20, then how many more).
    type: str
    version_added: 1.0.0
  notes_pattern:
    description:
      - Only the connectors whose notes match this regular expression (Python syntax, searched anywhere in the notes;
        anchor it with C(^) and C($)); for example V(^ber-store-) or V(vcon$). An invalid expression fails the task
        before any call.
      - Combined with the other filters (all must match).
    type: str
    version_added: 1.1.0
  device_type:
    description: Only connectors of this kind of device (filtered by Cloudflare).
    type: str
    choices: [MANAGED, LICENSED]
  activated:
    description: Only activated (V(true)) or not activated (V(false)) connectors.
    type: bool
  telemetry:
    description:
      - Add each connector's latest telemetry snapshot as RV(magic_connectors[].telemetry_latest). One extra API
        call per listed connector.
    type: bool
    default: false
"""

EXAMPLES = r"""
- name: List every connector
  cloudflare.magic_transit.magic_connector_info:
  register: connectors

- name: The connector of a store, by its notes
  cloudflare.magic_transit.magic_connector_info:
    notes: tyo-store-114 virtual
  register: store

- name: Every connector of the Berlin stores, whatever the rest of their notes
  cloudflare.magic_transit.magic_connector_info:
    notes_pattern: "^ber-store-"
  register: berlin

- name: Hardware connectors that are not activated yet, with their latest telemetry
  cloudflare.magic_transit.magic_connector_info:
    device_type: MANAGED
    activated: false
    telemetry: true
  register: pending
"""

RETURN = r"""
magic_connectors:
  description: The connectors, as Cloudflare returns them.
  returned: always
  type: list
  elements: dict
  contains:
    telemetry_latest:
      description:
        - The connector's latest telemetry, as Cloudflare returns it for C(GET .../telemetry/snapshots/latest)
          (one answer, never paged), an object whose C(count) is 1 and whose C(items) holds the snapshot.
        - A snapshot of the newest published schema carries, among others, C(t) (epoch seconds), C(v) (the
          appliance's version), C(site_id), C(ha_state) and C(ha_value) (C(0) disabled, C(1) active, C(2) standby,
          C(3) stopped, C(4) fault), C(interfaces) (each with C(name), C(operstate), C(health_score) from 0 to
          100 and C(health_reason)), C(routes) (each with C(destination), C(interface_name), C(kind), C(metric),
          maybe C(gateway) and C(weight)), and C(tunnels) (each with C(health_state), C(latency_ms) and
          C(jitter_ms)). Cloudflare decides which fields an answer holds; the module passes it on unchanged.
      returned: when O(telemetry=true)
      type: dict
  sample:
    - id: 4f1c2b3a5d6e7f8091a2b3c4d5e6f708
      activated: true
      notes: ber-branch-01 primary
      timezone: Europe/Berlin
      interrupt_window_days_of_week: [Sunday, Saturday]
      interrupt_window_hour_of_day: 2
      interrupt_window_duration_hours: 4.0
      interrupt_window_embargo_dates: []
      device:
        id: 9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d
        serial_number: CF1A2B3C4D
        type: MANAGED
      site_id: 5f8e0b3a2c6d4e1f9a7b8c0d1e2f3a4b
      primary: true
      last_heartbeat: "2026-11-22T03:09:41Z"
      last_seen_version: "2026.10.2"
api_calls:
  description: The API calls this run made, per HTTP method.
  returned: always
  type: dict
  sample:
    GET: 1
"""

from ansible_collections.cloudflare.magic_transit.plugins.module_utils._connectors import DEVICE_TYPES, Connectors
from ansible_collections.cloudflare.magic_transit.plugins.module_utils._module import CloudflareModule
from ansible_collections.cloudflare.magic_transit.plugins.module_utils._resource import ResourceModule

ARGUMENT_SPEC = dict(
    id=dict(type="str"),
    device_serial_number=dict(type="str"),
    notes=dict(type="str"),
    notes_pattern=dict(type="str"),
    device_type=dict(type="str", choices=list(DEVICE_TYPES)),
    activated=dict(type="bool"),
    telemetry=dict(type="bool", default=False),
)


def main():
    module = CloudflareModule(ARGUMENT_SPEC, supports_check_mode=True)
    module.run(ResourceModule(module, Connectors).info)


if __name__ == "__main__":
    main()
