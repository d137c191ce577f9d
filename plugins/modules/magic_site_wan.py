#!/usr/bin/python
# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: magic_site_wan
short_description: Create, update or delete a WAN (uplink) of a Magic WAN site
version_added: 1.1.0
description:
  - Manages one WAN of a Magic WAN site, found by O(id) or by O(name) within the site named by O(site_id) or
    O(site_name).
  - The options are Cloudflare's own fields (newest published schema, 2026-09/10). Creating a WAN needs O(physport).
  - Checked before any write, each failure naming the option - O(physport) at least V(1), O(vlan_tag) V(0) to
    V(4094), O(priority) at least V(0), and static addressing with an IPv4 address with its prefix length and an
    IPv4 gateway.
author:
  - Magic Transit collection maintainers (@cloudflare)
extends_documentation_fragment:
  - cloudflare.magic_transit.connection
  - cloudflare.magic_transit.attributes
  - cloudflare.magic_transit.site_child
options:
  name:
    description:
      - The WAN's name. Without O(id), the WAN is looked up by this exact name within the site; a name no WAN of
        the site has creates the WAN. With O(id), the new name.
    type: str
  physport:
    description: The connector's physical port of the WAN, at least V(1). Required to create a WAN.
    type: int
  priority:
    description:
      - The WAN's priority, at least V(0) (the lower bound is an assumption; Cloudflare publishes none). Lower is
        preferred; WANs of equal priority share the traffic.
    type: int
  vlan_tag:
    description: The VLAN tag, V(0) (untagged, Cloudflare's default) to V(4094).
    type: int
  static_addressing:
    description:
      - Static addressing of the uplink; without it the WAN uses DHCP. Sent whole, the WAN's current values merged
        with yours, and then needs O(static_addressing.address) and O(static_addressing.gateway_address).
    type: dict
    suboptions:
      address:
        description: The WAN interface's IPv4 address with its prefix length, such as V(203.0.113.10/29).
        type: str
      gateway_address:
        description: The gateway's IPv4 address.
        type: str
      secondary_address:
        description: The secondary connector's address on this uplink (CIDR), in a high-availability site.
        type: str
  health_check_rate:
    description: How often Cloudflare checks the uplink (Cloudflare's default is V(mid)).
    type: str
    choices: [low, mid, high]
  load_balance_inner_flows:
    description: Whether flows inside tunnels are balanced over the WANs.
    type: bool
"""

EXAMPLES = r"""
- name: A fibre uplink with static addressing, preferred
  cloudflare.magic_transit.magic_site_wan:
    site_name: ber-branch-01
    name: ber-fibre
    physport: 1
    priority: 1
    static_addressing:
      address: 203.0.113.10/29
      gateway_address: 203.0.113.9
      secondary_address: 203.0.113.11/29

- name: An LTE backup over DHCP, checked less often
  cloudflare.magic_transit.magic_site_wan:
    site_name: ber-branch-01
    name: ber-lte
    physport: 2
    priority: 2
    health_check_rate: low
"""

RETURN = r"""
magic_site_wan:
  description: The WAN as Cloudflare returns it after the run (in check mode, as it would be); empty when deleted.
  returned: always
  type: dict
  sample:
    id: a1b2c3d4e5f60718293a4b5c6d7e8f01
    site_id: 5f8e0b3a2c6d4e1f9a7b8c0d1e2f3a4b
    name: ber-fibre
    physport: 1
    priority: 1
    vlan_tag: 0
    static_addressing:
      address: 203.0.113.10/29
      gateway_address: 203.0.113.9
      secondary_address: 203.0.113.11/29
    health_check_rate: mid
diff:
  description: Before and after of the options you manage.
  returned: when run with C(--diff)
  type: dict
  sample:
    before:
      priority: 2
    after:
      priority: 1
api_calls:
  description: The API calls this run made, per HTTP method.
  returned: always
  type: dict
  sample:
    GET: 2
    POST: 1
"""

from ansible_collections.cloudflare.magic_transit.plugins.module_utils._module import CloudflareModule
from ansible_collections.cloudflare.magic_transit.plugins.module_utils._resource import ResourceModule
from ansible_collections.cloudflare.magic_transit.plugins.module_utils._site_children import (
    CHILD_ARGUMENT_SPEC,
    CHILD_RULES,
    Wans,
)

ARGUMENT_SPEC = dict(CHILD_ARGUMENT_SPEC, **Wans.argument_spec)


def main():
    module = CloudflareModule(ARGUMENT_SPEC, supports_check_mode=True, **CHILD_RULES)
    module.run(ResourceModule(module, Wans).ensure)


if __name__ == "__main__":
    main()
