#!/usr/bin/python
# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: cf_interconnect
short_description: Update a Cloudflare Network Interconnect (CNI) used by Magic Transit or Magic WAN
version_added: 0.1.0
description:
  - Updates the settings of one Cloudflare Network Interconnect, found by O(id) or by O(name).
  - Cloudflare provisions interconnects; the API has no create and no delete, and neither has this module.
  - Only the options you set are managed. The module compares them with the interconnect and sends only
    what differs, with nested objects (O(health_check), O(bgp), O(gre)) sent whole (the current values merged
    with yours), and never sends O(gre) to a version C(1.5) interconnect.
  - B(Check mode is validated by Cloudflare.) The module sends the exact update it would make with
    C(?validate_only=true), so Cloudflare checks it and persists nothing. A change Cloudflare would refuse
    fails in check mode too. When nothing differs, check mode only reads.
author:
  - Magic Transit collection maintainers (@cloudflare)
extends_documentation_fragment:
  - cloudflare.magic_transit.connection
  - cloudflare.magic_transit.attributes
attributes:
  check_mode:
    support: full
    details:
      - Cloudflare validates the change (C(validate_only)) and persists nothing.
  diff_mode:
    support: full
    details:
      - Before and after of the options you manage; O(bgp.md5_key) is masked.
  idempotent:
    support: full
options:
  id:
    description:
      - The interconnect's id (at most 32 letters and digits).
      - One of O(id) and O(name) is required. With O(id), O(name) renames the interconnect.
    type: str
  name:
    description:
      - The interconnect's name. Without O(id), the interconnect is looked up by this name (one list call);
        the module fails when no or several interconnects have it.
      - With O(id), the new name. Names must not equal any other tunnel's name in the account.
    type: str
  description:
    description: A free-text description.
    type: str
  mtu:
    description:
      - The MTU of the interconnect, at least V(576) (Cloudflare's default is V(1476)); the module checks only
        this minimum.
      - Cloudflare's documentation gives a maximum per dataplane (version) of the interconnect, not in the API
        schema, so Cloudflare (and check mode, which asks it) judges it. V(1476) on version C(1); on version
        C(1.1) V(1500) inbound and V(1476) outbound; V(1500) on version C(2).
    type: int
  automatic_return_routing:
    description:
      - Whether Cloudflare returns traffic on the interconnect it arrived on.
      - V(true) needs the account flag C(coupler_integration) (Cloudflare enables it on request); without it
        Cloudflare refuses the change, in check mode too. V(false) is always accepted.
    type: bool
  interface_address:
    description:
      - The IPv4 interface address with its prefix length, for example V(10.212.0.8/31).
      - Cloudflare's newest published rules (its TypeScript SDK 7.3.0 and Python SDK 5.9.0) ask for a V(/30) or
        V(/31) on GRE and MPLS interconnects and a V(/31) on version C(1.5) ones, which may also use a prefix from
        the account's authorised prefixes. An earlier text (a V(/29) on version C(1.5), as the C(.3) host) was
        withdrawn. The module checks only that the prefix length is V(/29) to V(/31), so it never refuses what
        an older or newer rule allows, and leaves the rest (the version's rule, which ranges are accepted) to
        Cloudflare, which check mode asks (C(validate_only)).
    type: str
  interface_address6:
    description: The IPv6 interface address, a V(/127) given as the first address of its subnet.
    type: str
  gre:
    description: GRE settings, for GRE interconnects only (never version C(1.5) ones).
    type: dict
    suboptions:
      cloudflare_endpoint:
        description: The Cloudflare-side GRE tunnel endpoint address.
        type: str
  health_check:
    description: Health check settings. Only the sub-options you set are managed.
    type: dict
    suboptions:
      enabled:
        description: Whether health checks run.
        type: bool
      rate:
        description: How often health checks run.
        type: str
        choices: [low, mid, high]
      type:
        description: The kind of ICMP packet sent.
        type: str
        choices: [reply, request]
      target:
        description:
          - The health check destination address.
          - V("") (an empty string) means Cloudflare's computed default target. The module always reads and
            writes the target in its C(saved)/C(effective) form and compares with C(saved), so a default target
            never shows as a change.
        type: str
      direction:
        description:
          - Whether health checks are sent one way or both ways. The target is not used by bidirectional checks.
          - Part of the newest published schema for interconnects (TypeScript SDK 7.2.0 and later, Python SDK
            5.9.0). Bidirectional checks exist on version C(1.5) interconnects only and need O(health_check.source).
            The module sends it only when you set it.
        type: str
        choices: [unidirectional, bidirectional]
      source:
        description:
          - The source address of bidirectional health checks (newest published schema), only on version C(1.5)
            interconnects, required with O(health_check.direction=bidirectional), left out (and cleared) with
            V(unidirectional), from RFC 1918 space, V(169.254.240.0/20) or V(198.41.199.224/27).
          - The module refuses it before any call with a direction known to be V(unidirectional), and refuses
            V(bidirectional) without a source; Cloudflare (check mode asks it) judges the version and the ranges.
        type: str
  bgp:
    description:
      - BGP settings. Only the sub-options you set are managed.
      - Cloudflare's deprecated C(bgp.cloudflare_endpoint) and C(bgp.customer_endpoint) are not options. Whether a
        C(bgp) update that leaves them out clears them is not published, so on version C(1) and C(2)
        interconnects the module sends the current endpoints back with every C(bgp) change (for example of
        O(bgp.customer_asn)). On version C(1.5) they are read-only (derived from O(interface_address)) and never
        sent.
    type: dict
    suboptions:
      customer_asn:
        description: Your ASN.
        type: int
      extra_prefixes:
        description: Extra prefixes to announce. Compared as a set (order and duplicates do not matter).
        type: list
        elements: str
      import_filter_id:
        description: The id of the BGP import filter.
        type: str
      export_filter_id:
        description: The id of the BGP export filter.
        type: str
      md5_key:
        description: The BGP MD5 authentication key. A secret, masked in results and diffs.
        type: str
"""

EXAMPLES = r"""
- name: Lower the health check rate and document an interconnect (check mode asks Cloudflare to validate)
  cloudflare.magic_transit.cf_interconnect:
    name: fra-cni-1
    description: Frankfurt CNI, primary
    health_check:
      rate: low

- name: Rename an interconnect and set BGP
  cloudflare.magic_transit.cf_interconnect:
    id: 1b3f6a8c2d4e4f0a9b7c5d3e1f2a4b6c
    name: fra-cni-primary
    bgp:
      customer_asn: 64512
      extra_prefixes:
        - 203.0.113.0/24
      md5_key: "{{ vault_bgp_md5_key }}"

- name: Use Cloudflare's default health check target again
  cloudflare.magic_transit.cf_interconnect:
    name: fra-cni-1
    health_check:
      target: ""

- name: Set the connection once for several tasks
  module_defaults:
    group/cloudflare.magic_transit.all:
      account_id: "{{ cloudflare_account_id }}"
      api_token: "{{ cloudflare_api_token }}"
  block:
    - name: Raise the MTU
      cloudflare.magic_transit.cf_interconnect:
        name: fra-cni-1
        mtu: 1500
"""

RETURN = r"""
cf_interconnect:
  description:
    - The interconnect after the change, as Cloudflare returned it. In check mode, the interconnect as Cloudflare
      says it would be (its C(validate_only) answer). O(bgp.md5_key) is masked.
  returned: always
  type: dict
  sample:
    id: 1b3f6a8c2d4e4f0a9b7c5d3e1f2a4b6c
    name: fra-cni-1
    colo_name: fra01
    description: Frankfurt CNI, primary
    interface_address: 10.212.0.8/31
    interface_address6: "2606:54c1:7:0:a9fe:12d2:1:200/127"
    mtu: 1476
    automatic_return_routing: false
    version: "1"
    gre:
      cloudflare_endpoint: 162.159.64.10
    health_check:
      enabled: true
      rate: low
      type: reply
      target:
        saved: ""
        effective: 10.212.0.9
    created_on: "2026-01-12T09:30:00Z"
    modified_on: "2026-11-22T03:10:00Z"
diff:
  description: The managed options that differ, before and after. Only in diff mode (C(--diff)).
  returned: when diff mode is on
  type: dict
  sample:
    before:
      health_check:
        rate: mid
    after:
      health_check:
        rate: low
api_calls:
  description: The API calls this run made, per HTTP method (and C(retries), C(rate_limited) when any).
  returned: always
  type: dict
  sample:
    GET: 1
    PUT: 1
"""

from ansible_collections.cloudflare.magic_transit.plugins.module_utils._interconnects import Interconnects
from ansible_collections.cloudflare.magic_transit.plugins.module_utils._module import CloudflareModule
from ansible_collections.cloudflare.magic_transit.plugins.module_utils._resource import ResourceModule

ARGUMENT_SPEC = dict(id=dict(type="str"), **Interconnects.argument_spec)


def main():
    module = CloudflareModule(ARGUMENT_SPEC, required_one_of=[("id", "name")], supports_check_mode=True)
    module.run(ResourceModule(module, Interconnects).ensure)


if __name__ == "__main__":
    main()
