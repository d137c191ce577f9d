# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    # The options of every module managing an object below a Magic WAN site (a LAN, a WAN, an ACL).
    DOCUMENTATION = r"""
attributes:
  check_mode:
    support: full
    details:
      - Computed on the controller; only reads are sent.
  diff_mode:
    support: full
    details:
      - Before and after of the options you manage; on create and delete the whole object against nothing.
  idempotent:
    support: full
options:
  site_id:
    description:
      - The id of the site the object belongs to (one API call reads it).
      - One of O(site_id) and O(site_name) is required; they are mutually exclusive.
      - The site must exist; the module fails naming this option before any write otherwise.
    type: str
  site_name:
    description:
      - The name of the site the object belongs to, looked up with one sites list call.
      - The module fails naming this option when no site or several sites have this name (then use O(site_id)).
    type: str
  id:
    description:
      - The object's id within the site. With O(id), O(name) renames the object.
      - One of O(id) and O(name) is required. An O(id) that names no object of the site fails; nothing is created.
    type: str
  state:
    description:
      - V(present) creates the object when O(name) names none in the site, and updates the options you set.
      - V(absent) deletes it; nothing happens when it does not exist.
    type: str
    choices: [present, absent]
    default: present
notes:
  - Only the options you set are managed. The module compares them with the object in Cloudflare's own form
    (server-filled defaults, lists that are sets compared without order) and sends only what differs; a nested
    object is sent whole, the current values merged with yours.
  - Every rule of the option values is checked before any write, with a message naming the option.
  - Check mode is computed on the controller, since the sites API has no C(validate_only). It reads, predicts the object
    and writes nothing.
  - A write whose outcome is unknown (a lost answer, a 5xx after Cloudflare processed it) is re-read; a create whose
    answer was lost is found again by its name within the site, never made twice.
"""
