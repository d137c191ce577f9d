#!/usr/bin/python
# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: magic_site
short_description: Create, update or delete a Magic WAN site and its high-availability pair
version_added: 1.1.0
description:
  - Manages one Magic WAN site, found by O(id) or by O(name).
  - A site is where Magic WAN Connectors (Cloudflare One Appliances) are placed; a connector carries no traffic until
    it is in a site. B(High availability is defined here). O(connector_id) is the primary connector,
    O(secondary_connector_id) the secondary one, and O(ha_mode) turns the pair on. Cloudflare's newest published
    schema no longer has C(site_id) and C(primary) on connectors.
  - Each connector slot is given either as an id or as a reference (O(connector), O(secondary_connector)) that
    names the connector by its id, its device's serial number or its notes; references are resolved with one
    connectors list call, and one that names no connector, or several, fails before any write.
  - Only the options you set are managed; the module sends only what differs.
  - With O(state=absent) the site is deleted. Cloudflare's behaviour for a site that still has LANs, WANs or ACLs is
    not published (the simulator refuses it); delete them first with M(cloudflare.magic_transit.magic_site_acl),
    M(cloudflare.magic_transit.magic_site_lan) and M(cloudflare.magic_transit.magic_site_wan).
author:
  - Magic Transit collection maintainers (@cloudflare)
extends_documentation_fragment:
  - cloudflare.magic_transit.connection
  - cloudflare.magic_transit.attributes
attributes:
  check_mode:
    support: full
    details:
      - Computed on the controller (the sites API has no C(validate_only)); only reads are sent.
  diff_mode:
    support: full
    details:
      - Before and after of the options you manage; on create and delete the whole site against nothing.
  idempotent:
    support: full
options:
  id:
    description:
      - The site's id. With O(id), O(name) renames the site.
      - An O(id) that names no site fails; a site is created only by O(name).
    type: str
  name:
    description:
      - The site's name. Without O(id), the site is looked up by this exact name (one list call); when several
        sites have it the module fails listing their ids. A name that no site has creates the site.
    type: str
  description:
    description: A free-text description.
    type: str
  ha_mode:
    description:
      - Whether the site runs its two connectors as a high-availability pair.
      - Turning it on needs every LAN of the site with static addressing to carry C(address), C(secondary_address)
        and C(virtual_address), as Cloudflare requires. The module lists the site's LANs (one call) and refuses it
        before any write otherwise, naming the LAN.
    type: bool
  location:
    description:
      - Where the site is. Numbers or strings holding numbers are accepted; Cloudflare stores strings, and the module
        compares them as numbers (V(52.52) and V("52.5200") are the same place).
    type: dict
    suboptions:
      lat:
        description: Latitude, from V(-90) to V(90).
        type: raw
      lon:
        description: Longitude, from V(-180) to V(180).
        type: raw
  connector_id:
    description:
      - The id of the site's primary connector. V("") empties the slot.
      - Mutually exclusive with O(connector).
    type: str
  secondary_connector_id:
    description:
      - The id of the secondary connector, used when O(ha_mode) is on. V("") empties the slot.
      - Mutually exclusive with O(secondary_connector).
    type: str
  connector:
    description:
      - The primary connector, named by exactly one of its O(connector.id), O(connector.device_serial_number) or
        O(connector.notes) (one connectors list call, shared with O(secondary_connector)).
      - Mutually exclusive with O(connector_id).
    type: dict
    suboptions:
      id:
        description: The connector's id.
        type: str
      device_serial_number:
        description: The serial number (service tag) of the connector's device, compared without case.
        type: str
      notes:
        description: The connector's notes, exactly.
        type: str
  secondary_connector:
    description:
      - The secondary connector, named like O(connector).
      - Mutually exclusive with O(secondary_connector_id).
    type: dict
    suboptions:
      id:
        description: The connector's id.
        type: str
      device_serial_number:
        description: The serial number (service tag) of the connector's device, compared without case.
        type: str
      notes:
        description: The connector's notes, exactly.
        type: str
  state:
    description: V(present) creates or updates the site, V(absent) deletes it if it exists.
    type: str
    choices: [present, absent]
    default: present
"""

EXAMPLES = r"""
- name: A store in high-availability mode, its connectors named by serial number and notes
  cloudflare.magic_transit.magic_site:
    name: syd-branch-07
    description: Sydney branch, HA pair
    ha_mode: true
    location:
      lat: -33.8688
      lon: 151.2093
    connector:
      device_serial_number: MWC2405C0077
    secondary_connector:
      notes: sfo-lab virtual connector
  register: site

- name: Empty the secondary slot and turn HA off
  cloudflare.magic_transit.magic_site:
    id: "{{ site.magic_site.id }}"
    ha_mode: false
    secondary_connector_id: ""
"""

RETURN = r"""
magic_site:
  description:
    - The site as Cloudflare returns it after the run (in check mode, as it would be). Empty when it was deleted or
      did not exist with O(state=absent).
  returned: always
  type: dict
  sample:
    id: 9d3e5f7a1b2c4d6e8f0a2b4c6d8e0f1a
    name: syd-branch-07
    description: Sydney branch, HA pair
    connector_id: dd54928d783446aeb068b242b1e286a1
    secondary_connector_id: 32d9a8741af047e39c4a6ee61a5daaba
    ha_mode: true
    location:
      lat: "-33.8688"
      lon: "151.2093"
diff:
  description: Before and after of the options you manage (with O(location) as numbers).
  returned: when run with C(--diff)
  type: dict
  sample:
    before:
      ha_mode: false
    after:
      ha_mode: true
api_calls:
  description: The API calls this run made, per HTTP method.
  returned: always
  type: dict
  sample:
    GET: 2
    PATCH: 1
"""

from ansible_collections.cloudflare.magic_transit.plugins.module_utils._module import CloudflareModule
from ansible_collections.cloudflare.magic_transit.plugins.module_utils._resource import ResourceModule
from ansible_collections.cloudflare.magic_transit.plugins.module_utils._site_children import SitesWithChildren
from ansible_collections.cloudflare.magic_transit.plugins.module_utils._sites import REFERENCE_ARGUMENT_SPEC, REFERENCES

ARGUMENT_SPEC = dict(
    id=dict(type="str"),
    state=dict(type="str", default="present", choices=["present", "absent"]),
    **dict(SitesWithChildren.argument_spec, **REFERENCE_ARGUMENT_SPEC),
)


def main():
    module = CloudflareModule(
        ARGUMENT_SPEC,
        required_one_of=[("id", "name")],
        mutually_exclusive=list(REFERENCES.items()),
        supports_check_mode=True,
    )
    module.run(ResourceModule(module, SitesWithChildren).ensure)


if __name__ == "__main__":
    main()
