#!/usr/bin/python
# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: magic_site_acl
short_description: Create, update or delete an ACL between two LANs of a Magic WAN site
version_added: 1.1.0
description:
  - Manages one ACL (a policy for traffic between two LANs of the site), found by O(id) or by O(name) within the
    site named by O(site_id) or O(site_name).
  - The options are Cloudflare's own fields (newest published schema, 2026-09/10). Creating an ACL needs O(name),
    O(lan_1) and O(lan_2).
  - Each side names its LAN by O(lan_1.lan_id) or O(lan_1.lan_name); the site's LANs are listed once (one call) and
    the two sides must name two different LANs that exist in the site, else the module fails before any write,
    naming the option.
  - Checked before any write too - ports V(1) to V(65535), port ranges V(a-b) with a not above b, subnets as IPv4
    prefixes or addresses, protocols among V(tcp), V(udp) and V(icmp).
author:
  - Magic Transit collection maintainers (@cloudflare)
extends_documentation_fragment:
  - cloudflare.magic_transit.connection
  - cloudflare.magic_transit.attributes
  - cloudflare.magic_transit.site_child
options:
  name:
    description:
      - The ACL's name. Without O(id), the ACL is looked up by this exact name within the site; a name no ACL of
        the site has creates the ACL. With O(id), the new name.
    type: str
  description:
    description: A free-text description.
    type: str
  lan_1:
    description: One side of the ACL. Sent whole, the current side merged with yours.
    type: dict
    suboptions:
      lan_id:
        description: The LAN's id. Exactly one of O(lan_1.lan_id) and O(lan_1.lan_name) is required.
        type: str
      lan_name:
        description: The LAN's name within the site (a name two LANs have fails; use O(lan_1.lan_id) then).
        type: str
      ports:
        description: Ports, V(1) to V(65535) (a set).
        type: list
        elements: int
      port_ranges:
        description: Port ranges such as V(9100-9102) (a set).
        type: list
        elements: str
      subnets:
        description: IPv4 prefixes (CIDR) or addresses on this side (a set).
        type: list
        elements: str
  lan_2:
    description: The other side, given like O(lan_1); it must name a different LAN.
    type: dict
    suboptions:
      lan_id:
        description: The LAN's id. Exactly one of O(lan_2.lan_id) and O(lan_2.lan_name) is required.
        type: str
      lan_name:
        description: The LAN's name within the site (a name two LANs have fails; use O(lan_2.lan_id) then).
        type: str
      ports:
        description: Ports, V(1) to V(65535) (a set).
        type: list
        elements: int
      port_ranges:
        description: Port ranges such as V(9100-9102) (a set).
        type: list
        elements: str
      subnets:
        description: IPv4 prefixes (CIDR) or addresses on this side (a set).
        type: list
        elements: str
  protocols:
    description: The protocols the ACL applies to (a set); an empty list (Cloudflare's default) means all.
    type: list
    elements: str
    choices: [tcp, udp, icmp]
  forward_locally:
    description: Whether the traffic is forwarded locally by the connector instead of through Cloudflare (Cloudflare's
      default V(false)).
    type: bool
  unidirectional:
    description: Whether only traffic from O(lan_1) to O(lan_2) is allowed (Cloudflare's default V(false)).
    type: bool
"""

EXAMPLES = r"""
- name: The tills may reach the guest printers, forwarded locally
  cloudflare.magic_transit.magic_site_acl:
    site_name: ber-branch-01
    name: store-to-guest-printers
    description: tills reach the guest printers
    lan_1:
      lan_name: ber-store
      ports: [631]
      subnets: [10.40.0.0/24]
    lan_2:
      lan_name: ber-guest
      port_ranges: ["9100-9102"]
    protocols: [tcp]
    forward_locally: true
    unidirectional: true
"""

RETURN = r"""
magic_site_acl:
  description: The ACL as Cloudflare returns it after the run (in check mode, as it would be); empty when deleted.
  returned: always
  type: dict
  sample:
    id: c1d2e3f4a5b60718293a4b5c6d7e8f01
    site_id: 5f8e0b3a2c6d4e1f9a7b8c0d1e2f3a4b
    name: store-to-guest-printers
    lan_1:
      lan_id: b1c2d3e4f5a60718293a4b5c6d7e8f01
      lan_name: ber-store
      ports: [631]
    lan_2:
      lan_id: b1c2d3e4f5a60718293a4b5c6d7e8f02
      lan_name: ber-guest
      port_ranges: ["9100-9102"]
    protocols: [tcp]
    forward_locally: true
    unidirectional: true
diff:
  description: Before and after of the options you manage (sides by LAN id).
  returned: when run with C(--diff)
  type: dict
  sample:
    before:
      protocols: [tcp]
    after:
      protocols: [tcp, udp]
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
    Acls,
)

ARGUMENT_SPEC = dict(CHILD_ARGUMENT_SPEC, **Acls.argument_spec)


def main():
    module = CloudflareModule(ARGUMENT_SPEC, supports_check_mode=True, **CHILD_RULES)
    module.run(ResourceModule(module, Acls).ensure)


if __name__ == "__main__":
    main()
