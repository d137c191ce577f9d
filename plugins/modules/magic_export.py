#!/usr/bin/python
# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: magic_export
short_description: Write the Magic WAN estate of the account as code (branch_sites of the branch role)
version_added: 1.1.0
description:
  - Reads the account (one connectors list, one sites list, and the LAN, WAN and ACL lists of every site, paced
    through the rate budget like M(cloudflare.magic_transit.magic_sites)) and writes to O(dest) a YAML file of
    C(branch_sites), the input of the C(cloudflare.magic_transit.branch) role, with one entry per site. Makes no
    change in Cloudflare.
  - "Each store has its C(name), C(description), C(location), C(timezone) (its primary connector's), its C(connectors)
    (primary first: hardware by C(device_serial_number) with its C(notes), virtual ones by C(notes);
    C(activated: false) when so), C(ha) only when it differs from the role's default (true with two connectors),
    its C(wans), C(lans) and C(acls) as M(cloudflare.magic_transit.magic_sites) entries take them (an ACL names its
    LANs by C(lan_name)), and C(window) (the primary connector's days, hour and duration)."
  - An existing connector is never exported with C(provision_license), so the role finds it (by serial number or
    notes) and creates nothing. Ids, nulls, false and empty values are left out (left out, a field is not managed).
  - The connectors in no site are listed under C(unassigned_connectors), as entries of the
    O(cloudflare.magic_transit.magic_connectors#module:connectors) option (identity, C(notes), C(timezone), window).
  - The file diffs well in git - stores sorted by name, their LANs, WANs and ACLs by name, keys in a fixed order.
    A header comment says the account, the time of the export and the counts, and a comment above each store its
    site id and what the role cannot take as it is (connectors in two time zones, a secondary with another window,
    a site with no connector).
  - Every string from the API that holds a C({) is written with the tag C(!unsafe), so Ansible never templates it.
    License keys are never returned by Cloudflare, so never exported; no token is written.
author:
  - Magic Transit collection maintainers (@cloudflare)
extends_documentation_fragment:
  - cloudflare.magic_transit.connection
  - cloudflare.magic_transit.attributes
attributes:
  check_mode:
    support: full
    details:
      - In check mode the account is read and C(changed) says whether the file would change; nothing is written.
  diff_mode:
    support: none
  idempotent:
    support: full
    details:
      - C(changed) only when the content differs from the file already in O(dest); the time of the export (a comment
        line) is left out of that comparison, and the file is not rewritten for it.
options:
  dest:
    description:
      - The file to write, on the host where the task runs, in an existing directory. Refused before any call when
        it is a directory, its directory does not exist, or it cannot be written.
    type: path
    required: true
  max_concurrency:
    description: How many requests may be under way at once, 1 to 10.
    type: int
    default: 4
  rate_limit_wait:
    description:
      - How long, in seconds in all, the module may pause for Cloudflare's rate-limit window; the same pacing as
        M(cloudflare.magic_transit.magic_sites).
      - V(0) never waits; the module stops, writing nothing, when the budget is about to run out.
    type: float
    default: 900
notes:
  - Requires PyYAML where the task runs (it comes with ansible-core).
"""

EXAMPLES = r"""
- name: Adopt the estate as code
  cloudflare.magic_transit.magic_export:
    dest: "{{ playbook_dir }}/estate.yml"
  register: export

- name: Say what it holds
  ansible.builtin.debug:
    msg: "{{ export.counts.stores }} store(s) in {{ export.dest }} (changed since the last export: {{ export.changed }})"
"""

RETURN = r"""
dest:
  description: The absolute path of the file.
  returned: always
  type: str
  sample: /home/ops/estate.yml
counts:
  description: How many stores, connectors (in stores, and in no site), LANs, WANs and ACLs the file holds.
  returned: always
  type: dict
  sample: {stores: 400, connectors: 800, unassigned_connectors: 2, lans: 800, wans: 800, acls: 400}
api_calls:
  description: The API calls this run made, per HTTP method.
  returned: always
  type: dict
  sample:
    GET: 1202
"""

from ansible_collections.cloudflare.magic_transit.plugins.module_utils._export import Export
from ansible_collections.cloudflare.magic_transit.plugins.module_utils._fleet import DEFAULT_RATE_LIMIT_WAIT
from ansible_collections.cloudflare.magic_transit.plugins.module_utils._module import CloudflareModule

ARGUMENT_SPEC = dict(
    dest=dict(type="path", required=True),
    max_concurrency=dict(type="int", default=4),
    rate_limit_wait=dict(type="float", default=DEFAULT_RATE_LIMIT_WAIT),
)


def main():
    module = CloudflareModule(ARGUMENT_SPEC, supports_check_mode=True)
    module.run(Export(module))


if __name__ == "__main__":
    main()
