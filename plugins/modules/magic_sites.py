#!/usr/bin/python
# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: magic_sites
short_description: Many Magic WAN sites with their LANs, WANs and ACLs in one task
version_added: 1.1.0
description:
  - The fleet form of M(cloudflare.magic_transit.magic_site), M(cloudflare.magic_transit.magic_site_lan),
    M(cloudflare.magic_transit.magic_site_wan) and M(cloudflare.magic_transit.magic_site_acl) - a list of sites, each
    with its LANs, WANs and ACLs by name, brought to the settings given in one task.
  - "Its reads - one sites list, one connectors list only when an entry names a connector by reference, and only the
    LAN, WAN and ACL lists of the sites in the task that the entry needs. Its writes - only those that differ."
  - Every entry is checked before any write, with the same rules and the same code as the single modules; a bad entry
    fails the task with nothing written, naming its option (such as C(sites[3].lans[1].vlan_tag)).
  - Writes go in phases - sites, then LANs and WANs (a new site's children need its id), then ACLs (after the LANs
    they name), then deleted LANs and WANs, then deleted sites. Each phase is sent with bounded concurrency
    (O(max_concurrency)) and paced through Cloudflare's rate limit exactly like
    M(cloudflare.magic_transit.magic_connectors) (reads included), for at most O(rate_limit_wait) seconds in all.
  - When a write fails, nothing more is sent; the task fails and says exactly what was changed, what failed and what
    was not sent. A write whose outcome is unknown is read again (a create whose answer was lost is found by its name,
    never sent twice). Running the task again converges.
  - The bodies sent are the ones the single modules send for the same options (the same descriptions).
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
      - Computed on the controller (the sites API has no published C(validate_only)); only the reads are sent.
  diff_mode:
    support: full
    details:
      - One before/after per object that changes, of the options given; past 50 changes (or with O(diff_summary)),
        identical changes are one block naming every object they apply to.
  idempotent:
    support: full
options:
  sites:
    description:
    - The sites, each named by O(sites[].id) or O(sites[].name), with the site's settings and its LANs, WANs and ACLs
      by name. Options left out are not managed.
    - Every entry is checked before anything is written (values, names, the LANs an ACL names, one HA link per site,
      HA addressing), each failure naming its option such as C(sites[3].lans[1].vlan_tag).
    type: list
    elements: dict
    required: true
    suboptions:
      id:
        description:
        - The site's id. With O(sites[].id), O(sites[].name) renames the site; an id that names no site fails before
          any write.
        type: str
      name:
        description:
        - The site's name. Without O(sites[].id), the site is found by this exact name in the one sites list (a name
          several sites have fails, listing their ids); a name no site has creates the site.
        - Two entries naming the same site fail before any write.
        type: str
      description:
        description: A free-text description.
        type: str
      ha_mode:
        description:
        - Whether the site runs its two connectors as a high-availability pair.
        - Turning it on needs every LAN of the site with static addressing to carry C(address), C(secondary_address)
          and C(virtual_address) (Cloudflare refuses it otherwise).
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
        - Mutually exclusive with O(sites[].connector).
        type: str
      secondary_connector_id:
        description:
        - The id of the secondary connector, used when O(sites[].ha_mode) is on. V("") empties the slot.
        - Mutually exclusive with O(sites[].secondary_connector).
        type: str
      connector:
        description:
        - The primary connector, named by exactly one of its O(sites[].connector.id), O(sites[].connector.device_serial_number)
          or O(sites[].connector.notes) (one connectors list call, shared with O(sites[].secondary_connector)).
        - Mutually exclusive with O(sites[].connector_id).
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
        - The secondary connector, named like O(sites[].connector).
        - Mutually exclusive with O(sites[].secondary_connector_id).
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
        description:
        - V(present) creates or updates the site and its LANs, WANs and ACLs.
        - V(absent) deletes the site if it exists - first its ACLs, then its LANs and WANs, then the site - and never
          a connector. Only O(sites[].id) or O(sites[].name) may be given with it.
        type: str
        choices:
        - present
        - absent
        default: present
      purge_lans:
        description: Overrides O(purge_lans) for this site.
        type: bool
      purge_wans:
        description: Overrides O(purge_wans) for this site.
        type: bool
      purge_acls:
        description: Overrides O(purge_acls) for this site.
        type: bool
      lans:
        description:
        - The site's LANs, each by O(sites[].lans[].name) within the site; LANs the entry does not list are left alone
          unless O(purge_lans) is on.
        - Same options as M(cloudflare.magic_transit.magic_site_lan).
        type: list
        elements: dict
        suboptions:
          name:
            description:
            - 'The LAN''s name within the site (required): an existing one of this name is updated, a new name creates
              it.'
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
            - Subnets behind a router on the LAN. Compared as a set by O(sites[].lans[].routed_subnets[].prefix) (order
              does not matter).
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
              O(sites[].lans[].static_addressing.dhcp_server)).
            - O(sites[].lans[].static_addressing.dhcp_server) and O(sites[].lans[].static_addressing.dhcp_relay) exclude
              each other; giving one removes the other from the LAN.
            type: dict
            suboptions:
              address:
                description: The LAN interface's IPv4 address with its prefix length, such as V(10.40.0.2/24). Required
                  to create static addressing.
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
                    description: One DNS server; deprecated by Cloudflare in favour of O(sites[].lans[].static_addressing.dhcp_server.dns_servers).
                    type: str
                  reservations:
                    description:
                    - Fixed addresses, as a mapping of MAC address (V(00:1a:2b:3c:4d:5e) or with dashes, compared
                      without case) to an IPv4 address inside the LAN's subnet.
                    type: dict
                  dhcp_options:
                    description: Extra DHCP options, compared by code (order does not matter).
                    type: list
                    elements: dict
                    suboptions:
                      code:
                        description: The option code, V(1) to V(254) but not V(3), V(6) or V(51) (the connector sets
                          the router, DNS servers and lease time itself).
                        type: int
                        required: true
                      type:
                        description: How O(sites[].lans[].static_addressing.dhcp_server.dhcp_options[].value) is encoded.
                        type: str
                        required: true
                        choices:
                        - text
                        - hex
                        - ip
                        - byte
                        - short
                        - integer
                      value:
                        description:
                        - The value, matching its type - text of at most 255 bytes, hex bytes such as V(01:04:aa:bb),
                          an IPv4 address, or an unsigned number (byte V(0..255), short V(0..65535), integer V(0..4294967295)).
                        type: str
                        required: true
          state:
            description:
            - V(present) creates or updates it, V(absent) deletes it if it exists.
            type: str
            choices:
            - present
            - absent
            default: present
      wans:
        description:
        - The site's WANs, each by O(sites[].wans[].name) within the site; WANs the entry does not list are left alone
          unless O(purge_wans) is on.
        - Same options as M(cloudflare.magic_transit.magic_site_wan).
        type: list
        elements: dict
        suboptions:
          name:
            description:
            - 'The WAN''s name within the site (required): an existing one of this name is updated, a new name creates
              it.'
            type: str
          physport:
            description: The connector's physical port of the WAN, at least V(1). Required to create a WAN.
            type: int
          priority:
            description:
            - The WAN's priority, at least V(0) (the lower bound is an assumption; Cloudflare publishes none). Lower
              is preferred; WANs of equal priority share the traffic.
            type: int
          vlan_tag:
            description: The VLAN tag, V(0) (untagged, Cloudflare's default) to V(4094).
            type: int
          static_addressing:
            description:
            - Static addressing of the uplink; without it the WAN uses DHCP. Sent whole, the WAN's current values
              merged with yours, and then needs O(sites[].wans[].static_addressing.address) and O(sites[].wans[].static_addressing.gateway_address).
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
            choices:
            - low
            - mid
            - high
          load_balance_inner_flows:
            description: Whether flows inside tunnels are balanced over the WANs.
            type: bool
          state:
            description:
            - V(present) creates or updates it, V(absent) deletes it if it exists.
            type: str
            choices:
            - present
            - absent
            default: present
      acls:
        description:
        - The site's ACLs, each by O(sites[].acls[].name) within the site; ACLs the entry does not list are left alone
          unless O(purge_acls) is on.
        - Same options as M(cloudflare.magic_transit.magic_site_acl); each side names its LAN by O(sites[].acls[].lan_1.lan_name)
          (a LAN of the site, or one this entry creates) or O(sites[].acls[].lan_1.lan_id).
        type: list
        elements: dict
        suboptions:
          name:
            description:
            - 'The ACL''s name within the site (required): an existing one of this name is updated, a new name creates
              it.'
            type: str
          description:
            description: A free-text description.
            type: str
          lan_1:
            description: One side of the ACL. Sent whole, the current side merged with yours.
            type: dict
            suboptions:
              lan_id:
                description: The LAN's id. Exactly one of O(sites[].acls[].lan_1.lan_id) and O(sites[].acls[].lan_1.lan_name)
                  is required.
                type: str
              lan_name:
                description: The LAN's name within the site (a name two LANs have fails; use O(sites[].acls[].lan_1.lan_id)
                  then).
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
            description: The other side, given like O(sites[].acls[].lan_1); it must name a different LAN.
            type: dict
            suboptions:
              lan_id:
                description: The LAN's id. Exactly one of O(sites[].acls[].lan_2.lan_id) and O(sites[].acls[].lan_2.lan_name)
                  is required.
                type: str
              lan_name:
                description: The LAN's name within the site (a name two LANs have fails; use O(sites[].acls[].lan_2.lan_id)
                  then).
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
            choices:
            - tcp
            - udp
            - icmp
          forward_locally:
            description: Whether the traffic is forwarded locally by the connector instead of through Cloudflare (Cloudflare's
              default V(false)).
            type: bool
          unidirectional:
            description: Whether only traffic from O(sites[].acls[].lan_1) to O(sites[].acls[].lan_2) is allowed (Cloudflare's
              default V(false)).
            type: bool
          state:
            description:
            - V(present) creates or updates it, V(absent) deletes it if it exists.
            type: str
            choices:
            - present
            - absent
            default: present
  purge_lans:
    description:
    - With V(true), the LANs of a site that its entry does not list are deleted (ACLs before LANs).
    - With V(false), they are left alone.
    type: bool
    default: false
  purge_wans:
    description:
    - With V(true), the WANs of a site that its entry does not list are deleted (ACLs before LANs).
    - With V(false), they are left alone.
    type: bool
    default: false
  purge_acls:
    description:
    - With V(true), the ACLs of a site that its entry does not list are deleted (ACLs before LANs).
    - With V(false), they are left alone.
    type: bool
    default: false
  max_concurrency:
    description: How many requests may be under way at once, 1 to 10.
    type: int
    default: 4
  rate_limit_wait:
    description:
    - How long, in seconds in all, the module may pause for Cloudflare's rate-limit window (reads and writes alike);
      the same pacing as M(cloudflare.magic_transit.magic_connectors).
    - V(0) never waits; the module stops when the budget is about to run out and reports what was not sent.
    type: float
    default: 900
  diff_summary:
    description:
    - With V(true), C(--diff) shows each distinct change once, headed by the objects it applies to.
    - With V(false), one before/after per object.
    - Left out, changes are summarised when more than 50 objects change.
    type: bool
  check_only:
    description:
    - With V(true), only the checks that need no API call are made (every entry's values and names, as above) and the
      task returns unchanged without any call. A role runs this first, so that a bad entry fails before the role
      writes anything else.
    type: bool
    default: false
    version_added: 1.1.0
"""

EXAMPLES = r"""
- name: Two stores, each with two uplinks, a store LAN and an ACL, in one task
  cloudflare.magic_transit.magic_sites:
    sites:
      - name: ham-store-01
        description: Hamburg store
        location: {lat: 53.5511, lon: 9.9937}
        wans:
          - {name: fibre, physport: 1, priority: 1}
          - {name: lte, physport: 2, priority: 2, health_check_rate: high}
        lans:
          - name: store
            physport: 3
            static_addressing:
              address: 10.50.0.1/24
              dhcp_server: {dhcp_pool_start: 10.50.0.100, dhcp_pool_end: 10.50.0.199}
          - {name: guest, physport: 4, vlan_tag: 20}
        acls:
          - name: store-to-guest-printers
            lan_1: {lan_name: store, subnets: [10.50.0.0/24]}
            lan_2: {lan_name: guest, port_ranges: ["9100-9102"]}
            protocols: [tcp]
      - name: muc-store-02
        wans:
          - {name: fibre, physport: 1}

- name: Only the WANs listed stay (an uplink not listed is deleted)
  cloudflare.magic_transit.magic_sites:
    purge_wans: true
    sites:
      - name: muc-store-02
        wans:
          - {name: fibre, physport: 1}

- name: Close a store - its ACLs, LANs and WANs, then the site (its connectors stay)
  cloudflare.magic_transit.magic_sites:
    sites:
      - name: muc-store-02
        state: absent
"""

RETURN = r"""
magic_sites:
  description:
    - One entry per entry of O(sites), in the same order (when the task fails, only those not unchanged, each with its
      C(index); with O(check_only), none).
    - Each with the site's C(id), C(name), C(status) (V(changed), V(unchanged), V(failed), V(not_sent)), C(changed),
      C(action) (V(create), V(update), V(delete)), C(changes) (the fields written), C(error) and C(outcome_unknown)
      when so, and C(lans), C(wans), C(acls) - the same keys for each of its children the entry lists or deletes.
  returned: always
  type: list
  elements: dict
  sample:
    - id: 5f8e0b3a2c6d4e1f9a7b8c0d1e2f3a4b
      name: ham-store-01
      status: changed
      changed: true
      action: update
      changes: {}
      lans:
        - {id: b1c2d3e4f5a60718293a4b5c6d7e8f01, name: store, status: changed, action: update,
           changes: {vlan_tag: 20}}
      wans: []
      acls: []
summary:
  description: How many entries (sites) were changed, unchanged, failed and not sent (with O(check_only), only C(total)).
  returned: always
  type: dict
  sample: {total: 400, changed: 40, unchanged: 360, failed: 0, not_sent: 0}
objects:
  description: The same counts over every object (sites, LANs, WANs and ACLs) the task planned.
  returned: unless O(check_only)
  type: dict
  sample: {total: 2000, changed: 40, unchanged: 1960, failed: 0, not_sent: 0}
pacing:
  description: How the reads and writes were paced through Cloudflare's rate limit.
  returned: unless O(check_only)
  type: dict
  contains:
    pauses:
      description: How many times the module paused for the rate-limit window.
      type: int
    waited_s:
      description: Seconds paused in all (at most O(rate_limit_wait)).
      type: float
    lines:
      description: One line per pause, as written to the system log.
      type: list
      elements: str
    rate_limited:
      description: How many answers were 429 (the target is 0).
      type: int
  sample: {pauses: 1, waited_s: 212.5, lines: ["paced: 1198 of 1240 sent, waiting 213 s"], rate_limited: 0}
api_calls:
  description: The API calls this run made, per HTTP method.
  returned: always
  type: dict
  sample: {GET: 1201, PATCH: 40}
"""

from ansible_collections.cloudflare.magic_transit.plugins.module_utils._fleet import DEFAULT_RATE_LIMIT_WAIT
from ansible_collections.cloudflare.magic_transit.plugins.module_utils._inputs import OPTION_PREFIX_ARGUMENT_SPEC
from ansible_collections.cloudflare.magic_transit.plugins.module_utils._module import CloudflareModule
from ansible_collections.cloudflare.magic_transit.plugins.module_utils._site_children import Acls, Lans, Wans
from ansible_collections.cloudflare.magic_transit.plugins.module_utils._site_fleet import SiteFleet
from ansible_collections.cloudflare.magic_transit.plugins.module_utils._sites import (
    REFERENCE_ARGUMENT_SPEC,
    REFERENCES,
    Sites,
)

STATE = dict(type="str", choices=["present", "absent"], default="present")


def children(cls):
    return dict(type="list", elements="dict", options=dict(cls.argument_spec, state=STATE))


ENTRY_SPEC = dict(
    id=dict(type="str"),
    state=STATE,
    lans=children(Lans),
    wans=children(Wans),
    acls=children(Acls),
    purge_lans=dict(type="bool"),
    purge_wans=dict(type="bool"),
    purge_acls=dict(type="bool"),
    **dict(Sites.argument_spec, **REFERENCE_ARGUMENT_SPEC),
)

ARGUMENT_SPEC = dict(
    sites=dict(
        type="list",
        elements="dict",
        required=True,
        options=ENTRY_SPEC,
        required_one_of=[("id", "name")],
        mutually_exclusive=list(REFERENCES.items()),
    ),
    purge_lans=dict(type="bool", default=False),
    purge_wans=dict(type="bool", default=False),
    purge_acls=dict(type="bool", default=False),
    max_concurrency=dict(type="int", default=4),
    rate_limit_wait=dict(type="float", default=DEFAULT_RATE_LIMIT_WAIT),
    diff_summary=dict(type="bool"),
    **OPTION_PREFIX_ARGUMENT_SPEC,
    check_only=dict(type="bool", default=False),
)


def main():
    module = CloudflareModule(ARGUMENT_SPEC, supports_check_mode=True)
    module.run(SiteFleet(module))


if __name__ == "__main__":
    main()
