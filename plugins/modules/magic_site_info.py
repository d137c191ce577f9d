#!/usr/bin/python
# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: magic_site_info
short_description: List Magic WAN sites
version_added: 1.0.0
description:
  - Lists the account's Magic WAN sites in one API call, or reads one site by O(id) or O(name).
  - A site is where Magic WAN Connectors are placed; a site in high-availability mode (C(ha_mode)) has a primary
    connector (C(connector_id)) and a secondary one (C(secondary_connector_id)).
author:
  - Magic Transit collection maintainers (@cloudflare)
extends_documentation_fragment:
  - cloudflare.magic_transit.connection
  - cloudflare.magic_transit.attributes
  - cloudflare.magic_transit.attributes.info_module
options:
  id:
    description:
      - Only the site with this id (one API call that reads just this site).
      - Mutually exclusive with O(name).
    type: str
  name:
    description:
      - Only the site with exactly this name.
      - When several sites have this name the module fails, listing their ids; use O(id) then.
      - Mutually exclusive with O(id).
    type: str
  details:
    description:
      - Also return each site's LANs, WANs and ACLs (RV(magic_sites[].lans), RV(magic_sites[].wans),
        RV(magic_sites[].acls)), with three list calls per site returned.
    type: bool
    default: false
    version_added: 1.1.0
"""

EXAMPLES = r"""
- name: List every site of the account
  cloudflare.magic_transit.magic_site_info:
  register: sites

- name: The sites in high-availability mode, with their two connectors
  ansible.builtin.debug:
    msg: "{{ sites.magic_sites | selectattr('ha_mode') | map(attribute='name') | list }}"

- name: One site by name
  cloudflare.magic_transit.magic_site_info:
    name: ber-branch-01
  register: ber

- name: One site with its LANs, WANs and ACLs
  cloudflare.magic_transit.magic_site_info:
    name: ber-branch-01
    details: true
  register: ber_store

- name: The LAN that carries the HA election
  ansible.builtin.debug:
    msg: "{{ ber_store.magic_sites[0].lans | selectattr('ha_link') | map(attribute='name') | first }}"
"""

RETURN = r"""
magic_sites:
  description:
    - The sites, as Cloudflare returns them. A list also when O(id) or O(name) names one site.
    - Empty when O(id) or O(name) matches nothing.
  returned: always
  type: list
  elements: dict
  sample:
    - id: 5c2e4a6b8d0f4e1a3c5b7d9f1e3a5c7b
      name: ber-branch-01
      description: Berlin branch office
      connector_id: 4f1c2b3a5d6e7f8091a2b3c4d5e6f708
      secondary_connector_id: 6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d
      ha_mode: true
      location:
        lat: "52.52"
        lon: "13.40"
  contains:
    lans:
      description: The site's LANs, as M(cloudflare.magic_transit.magic_site_lan) returns one.
      returned: with O(details=true)
      type: list
      elements: dict
      version_added: 1.1.0
    wans:
      description: The site's WANs, as M(cloudflare.magic_transit.magic_site_wan) returns one.
      returned: with O(details=true)
      type: list
      elements: dict
      version_added: 1.1.0
    acls:
      description: The site's ACLs, as M(cloudflare.magic_transit.magic_site_acl) returns one.
      returned: with O(details=true)
      type: list
      elements: dict
      version_added: 1.1.0
api_calls:
  description: The API calls this run made, per HTTP method.
  returned: always
  type: dict
  sample:
    GET: 1
"""

from ansible_collections.cloudflare.magic_transit.plugins.module_utils._module import CloudflareModule
from ansible_collections.cloudflare.magic_transit.plugins.module_utils._resource import ResourceModule
from ansible_collections.cloudflare.magic_transit.plugins.module_utils._site_children import SitesWithChildren

ARGUMENT_SPEC = dict(id=dict(type="str"), name=dict(type="str"), details=dict(type="bool", default=False))


def main():
    module = CloudflareModule(ARGUMENT_SPEC, mutually_exclusive=[("id", "name")], supports_check_mode=True)
    module.run(ResourceModule(module, SitesWithChildren).info)


if __name__ == "__main__":
    main()
