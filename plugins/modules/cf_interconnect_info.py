#!/usr/bin/python
# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: cf_interconnect_info
short_description: List Cloudflare Network Interconnects
version_added: 0.1.0
description:
  - Lists the account's Cloudflare Network Interconnects in one API call, optionally only the one with O(id)
    or O(name).
author:
  - Magic Transit collection maintainers (@cloudflare)
extends_documentation_fragment:
  - cloudflare.magic_transit.connection
  - cloudflare.magic_transit.attributes
  - cloudflare.magic_transit.attributes.info_module
options:
  id:
    description: Only the interconnect with this id.
    type: str
  name:
    description: Only the interconnect with this name.
    type: str
"""

EXAMPLES = r"""
- name: List every interconnect of the account
  cloudflare.magic_transit.cf_interconnect_info:
  register: cni

- name: Show their names and MTUs
  ansible.builtin.debug:
    msg: "{{ cni.cf_interconnects | items2dict(key_name='name', value_name='mtu') }}"

- name: One interconnect by name
  cloudflare.magic_transit.cf_interconnect_info:
    name: fra-cni-1
  register: fra
"""

RETURN = r"""
cf_interconnects:
  description:
    - The interconnects, as Cloudflare returns them (read with the C(x-magic-new-hc-target) header, so
      C(health_check.target) is an object with C(saved) and C(effective)). C(bgp.md5_key) is masked.
    - Empty when O(id) or O(name) matches nothing.
  returned: always
  type: list
  elements: dict
  sample:
    - id: 1b3f6a8c2d4e4f0a9b7c5d3e1f2a4b6c
      name: fra-cni-1
      colo_name: fra01
      interface_address: 10.212.0.8/31
      mtu: 1476
      version: "1"
      health_check:
        enabled: true
        rate: mid
        type: reply
        target:
          saved: ""
          effective: 10.212.0.9
api_calls:
  description: The API calls this run made, per HTTP method.
  returned: always
  type: dict
  sample:
    GET: 1
"""

from ansible_collections.cloudflare.magic_transit.plugins.module_utils._interconnects import Interconnects
from ansible_collections.cloudflare.magic_transit.plugins.module_utils._module import CloudflareModule
from ansible_collections.cloudflare.magic_transit.plugins.module_utils._resource import ResourceModule

ARGUMENT_SPEC = dict(id=dict(type="str"), name=dict(type="str"))


def main():
    module = CloudflareModule(ARGUMENT_SPEC, supports_check_mode=True)
    module.run(ResourceModule(module, Interconnects).info)


if __name__ == "__main__":
    main()
