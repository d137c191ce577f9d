#!/usr/bin/python
# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: magic_site_lan
short_description: Create, update or delete a LAN of a Magic WAN site
version_added: 1.1.0
description:
  - Manages one LAN of a Magic WAN site, found by O(id) or by O(name) within the site named by O(site_id) or
    O(site_name).
  - The options are Cloudflare's own fields (newest published schema, 2026-09/10).
  - Checked before any write, each failure naming the option - O(physport) at least V(1), O(vlan_tag) V(0) to
    V(4094); prefixes and addresses in their IPv4 forms; the DHCP pool and reservations inside the LAN's subnet
    (from O(static_addressing.address), or the LAN's current one) with the pool's start not after its end;
    reservation keys MAC addresses; DHCP option codes V(1) to V(254) but not V(3), V(6) or V(51), unique, each
    value matching its type; at most one LAN per site with O(ha_link=true); and in a site with C(ha_mode) on,
    static addressing with O(static_addressing.address), O(static_addressing.secondary_address) and
    O(static_addressing.virtual_address).
author:
  - Magic Transit collection maintainers (@cloudflare)
extends_documentation_fragment:
  - cloudflare.magic_transit.connection
  - cloudflare.magic_transit.attributes
  - cloudflare.magic_transit.site_child
options:
  name:
    description:
      - The LAN's name. Without O(id), the LAN is looked up by this exact name within the site; a name no LAN of
        the site has creates the LAN. With O(id), the new name.
    type: str
  physport:
    description: The connector's physical port of the LAN, at least V(1).
    type: int
  vlan_tag:
    description: The VLAN tag, V(0) (untagged, Cloudflare's default) to V(4094).
    type: int
  bond_id:
    description: The link aggregation group the port belongs to, at least V(0).
    type: int
  is_breakout:
    description: Whether the LAN's Internet traffic breaks out locally instead of going through Cloudflare.
    type: bool
  is_prioritized:
    description: Whether the LAN's traffic is prioritised.
    type: bool
  ha_link:
    description:
      - Whether this LAN carries the high-availability election of the site's connector pair (one LAN per site).
    type: bool
  nat:
    description: Source NAT of the LAN.
    type: dict
    suboptions:
      static_prefix:
        description: The static NAT prefix (IPv4 CIDR without host bits).
        type: str
  routed_subnets:
    description:
      - Subnets behind a router on the LAN. Compared as a set by O(routed_subnets[].prefix) (order does not matter).
    type: list
    elements: dict
    suboptions:
      prefix:
        description: The subnet (IPv4 CIDR without host bits).
        type: str
        required: true
      next_hop:
        description: The router's IPv4 address on the LAN.
        type: str
        required: true
      nat:
        description: Source NAT of the subnet.
        type: dict
        suboptions:
          static_prefix:
            description: The static NAT prefix (IPv4 CIDR without host bits).
            type: str
  static_addressing:
    description:
      - The LAN's addresses and DHCP. Sent whole, the LAN's current values merged with yours (also inside
        O(static_addressing.dhcp_server)).
      - O(static_addressing.dhcp_server) and O(static_addressing.dhcp_relay) exclude each other; giving one removes
        the other from the LAN.
    type: dict
    suboptions:
      address:
        description: The LAN interface's IPv4 address with its prefix length, such as V(10.40.0.2/24). Required to
          create static addressing.
        type: str
      secondary_address:
        description: The secondary connector's address (CIDR); required in a high-availability site.
        type: str
      virtual_address:
        description: The pair's shared virtual address (CIDR); required in a high-availability site.
        type: str
      dhcp_relay:
        description: Relay DHCP requests to servers elsewhere.
        type: dict
        suboptions:
          server_addresses:
            description: The DHCP servers' IPv4 addresses (a set).
            type: list
            elements: str
      dhcp_server:
        description: Serve DHCP on the LAN. The keys you leave out keep their current values.
        type: dict
        suboptions:
          dhcp_pool_start:
            description: First address of the pool, inside the LAN's subnet.
            type: str
          dhcp_pool_end:
            description: Last address of the pool, inside the LAN's subnet and not before the start.
            type: str
          dns_servers:
            description: DNS servers handed out (IPv4 addresses, a set).
            type: list
            elements: str
          dns_server:
            description: One DNS server; deprecated by Cloudflare in favour of O(static_addressing.dhcp_server.dns_servers).
            type: str
          reservations:
            description:
              - Fixed addresses, as a mapping of MAC address (V(00:1a:2b:3c:4d:5e) or with dashes, compared without
                case) to an IPv4 address inside the LAN's subnet.
            type: dict
          dhcp_options:
            description: Extra DHCP options, compared by code (order does not matter).
            type: list
            elements: dict
            suboptions:
              code:
                description: The option code, V(1) to V(254) but not V(3), V(6) or V(51) (the connector sets the
                  router, DNS servers and lease time itself).
                type: int
                required: true
              type:
                description: How O(static_addressing.dhcp_server.dhcp_options[].value) is encoded.
                type: str
                required: true
                choices: [text, hex, ip, byte, short, integer]
              value:
                description:
                  - The value, matching its type - text of at most 255 bytes, hex bytes such as V(01:04:aa:bb), an
                    IPv4 address, or an unsigned number (byte V(0..255), short V(0..65535), integer V(0..4294967295)).
                type: str
                required: true
"""

EXAMPLES = r"""
- name: The store LAN of an HA site, with DHCP, carrying the HA election
  cloudflare.magic_transit.magic_site_lan:
    site_name: ber-branch-01
    name: ber-store
    physport: 3
    ha_link: true
    static_addressing:
      address: 10.40.0.2/24
      secondary_address: 10.40.0.3/24
      virtual_address: 10.40.0.1/24
      dhcp_server:
        dhcp_pool_start: 10.40.0.100
        dhcp_pool_end: 10.40.0.199
        dns_servers: [10.40.0.1]
        reservations:
          "00:1a:2b:3c:4d:5e": 10.40.0.50
        dhcp_options:
          - code: 42
            type: ip
            value: 10.40.0.1

- name: Only widen the DHCP pool (the rest of the LAN's addressing is kept)
  cloudflare.magic_transit.magic_site_lan:
    site_name: ber-branch-01
    name: ber-store
    static_addressing:
      dhcp_server:
        dhcp_pool_end: 10.40.0.220
"""

RETURN = r"""
magic_site_lan:
  description: The LAN as Cloudflare returns it after the run (in check mode, as it would be); empty when deleted.
  returned: always
  type: dict
  sample:
    id: b1c2d3e4f5a60718293a4b5c6d7e8f01
    site_id: 5f8e0b3a2c6d4e1f9a7b8c0d1e2f3a4b
    name: ber-store
    physport: 3
    vlan_tag: 0
    is_breakout: false
    is_prioritized: false
    ha_link: true
    static_addressing:
      address: 10.40.0.2/24
      secondary_address: 10.40.0.3/24
      virtual_address: 10.40.0.1/24
      dhcp_server:
        dhcp_pool_start: 10.40.0.100
        dhcp_pool_end: 10.40.0.199
        dns_servers: [10.40.0.1]
diff:
  description: Before and after of the options you manage.
  returned: when run with C(--diff)
  type: dict
  sample:
    before:
      vlan_tag: 0
    after:
      vlan_tag: 20
api_calls:
  description: The API calls this run made, per HTTP method.
  returned: always
  type: dict
  sample:
    GET: 3
    PATCH: 1
"""

from ansible_collections.cloudflare.magic_transit.plugins.module_utils._module import CloudflareModule
from ansible_collections.cloudflare.magic_transit.plugins.module_utils._resource import ResourceModule
from ansible_collections.cloudflare.magic_transit.plugins.module_utils._site_children import (
    CHILD_ARGUMENT_SPEC,
    CHILD_RULES,
    Lans,
)

ARGUMENT_SPEC = dict(CHILD_ARGUMENT_SPEC, **Lans.argument_spec)


def main():
    module = CloudflareModule(ARGUMENT_SPEC, supports_check_mode=True, **CHILD_RULES)
    module.run(ResourceModule(module, Lans).ensure)


if __name__ == "__main__":
    main()
