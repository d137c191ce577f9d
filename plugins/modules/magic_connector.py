#!/usr/bin/python
# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: magic_connector
short_description: Create, change, re-key or delete a Magic WAN Connector
version_added: 0.1.0
description:
  - Manages one Magic WAN Connector, found by O(id), O(device_id) or O(device_serial_number), or, for a
    connector of a virtual device, by its exact O(notes).
  - With O(state=present) and no such connector, it is created for the device O(device_id) or
    O(device_serial_number), or with O(provision_license=true) for a new virtual device. A connector's device
    is fixed; asking for another device is an error, never a silent replacement.
  - Only the settings you set are managed; the module sends only those that differ, with one C(PATCH)
    (never C(PUT), never a null). Numbers are compared numerically and lists of days and dates as sets.
  - B(Check mode is computed on the controller.) The connector API has no C(validate_only), so check mode checks
    your settings with the same rules Cloudflare applies (days, hours, durations, IANA time zones, real dates,
    at most 100 embargo dates), reports C(changed) and the diff, and sends no C(POST), C(PATCH), C(PUT) or C(DELETE).
author:
  - Magic Transit collection maintainers (@cloudflare)
extends_documentation_fragment:
  - cloudflare.magic_transit.connection
  - cloudflare.magic_transit.attributes
attributes:
  check_mode:
    support: full
    details:
      - Judged on the controller; nothing is sent but reads.
      - A re-key (O(rekey=true), or O(provision_license=true) on a connector found by a device identity) is reported
        as a change and not made; RV(msg) says that the key would be rotated.
      - O(license_key_dest) is checked (the directory must be writable) in check mode too.
  diff_mode:
    support: full
    details:
      - Before and after of the settings you manage; on create and delete the whole connector against nothing.
      - A re-key shows C(license_key) going from the current key to a new one, as words, never a key.
  idempotent:
    support: partial
    details:
      - Idempotent, except for a re-key, which is a new key by nature - O(rekey=true) (and O(provision_license=true)
        on a connector found by a device identity) rotates the key on B(every) run. Run such a task once, not as
        part of a playbook that is applied again and again.
options:
  state:
    description:
      - V(present) creates or updates the connector, V(absent) deletes it if it exists.
    type: str
    choices: [present, absent]
    default: present
  id:
    description:
      - The connector's id. A connector cannot be created with a given id, so with O(state=present) it must exist.
    type: str
  device_id:
    description:
      - The id of the connector's device. Finds the connector (one list call); with O(state=present) and no
        connector for this device, one is created for it.
    type: str
  device_serial_number:
    description:
      - The serial number of the connector's device. Hardware appliances and virtual appliances have one
        (Cloudflare calls a virtual appliance's serial number its service tag). Finds the connector (one list call);
        with O(state=present) and no connector for this device, one is created for it.
      - Compared without case. Two connectors whose serial numbers differ only by case are refused as ambiguous
        (the error names both); give O(id) then.
      - Whether Cloudflare always returns a serial number for virtual devices is not published; a virtual connector
        without one is found by O(id) or O(notes).
      - What Cloudflare does with a serial number it does not know is not published either. When it refuses it
        (404), the module fails naming the serial number and saying that nothing was created.
    type: str
  provision_license:
    description:
      - For a connector found by O(id), O(device_id) or O(device_serial_number), V(true) B(re-keys) it. Cloudflare
        generates a new license key, returned once (in RV(magic_connector.license_key), or written to
        O(license_key_dest)). B(The previous key is revoked at once and for good), so the appliance that uses it
        stops working until it gets the new key. Always a change. Check mode reports it as a change and sends
        nothing; C(--diff) shows that the key will be rotated, never a key. Only virtual (C(LICENSED)) devices have
        keys; re-keying a hardware connector is refused before any write.
      - Without a device identity, V(true) creates a connector for a new virtual device when no connector has the
        exact O(notes) (which are then required, as the connector's only name). A connector found by its notes
        keeps its key, so a second run changes nothing.
      - With O(device_id) or O(device_serial_number) of a device that has no connector yet, V(true) is refused before
        any write, because Cloudflare shows whether a device is hardware or virtual only once it has a connector. Create the
        connector without O(provision_license), then re-key it.
      - To re-key, prefer O(rekey=true), which works with every identity, O(notes) included.
      - If the answer that carried a new key is lost (a time-out or a server error after Cloudflare acted), the
        module re-reads the connector and, since Cloudflare never shows a key twice, re-keys it B(once) more and
        says so in a warning.
      - "B(The license key is a secret.) Prefer O(license_key_dest); otherwise set C(no_log: true) on the task and
        store the key safely (for example in a vault)."
    type: bool
    default: false
  rekey:
    description:
      - V(true) re-keys the connector found by O(id), O(device_id), O(device_serial_number) or O(notes). Cloudflare
        generates a new license key, returned once (in RV(magic_connector.license_key), or written to
        O(license_key_dest)). B(The previous key stops working at once and for good.)
      - B(Not idempotent by nature:) every run with V(true) rotates the key again and reports C(changed). Check mode
        reports the change and sends nothing, RV(msg) says that the key would be rotated, and C(--diff) shows
        C(license_key) as V(key will be rotated) (never a key).
      - The connector must exist, and be of a virtual (C(LICENSED)) device; otherwise the task fails before any
        write. With O(notes) and O(provision_license=true), a connector that does not exist yet is created instead
        (its first key comes with the create).
      - The re-key is its own C(PATCH) (C(provision_license=true)), sent after the update of any settings given in
        the same task.
      - Without O(rekey), O(provision_license=true) keeps its meaning, B(create if missing) for O(notes); a
        connector found by its notes keeps its key.
    type: bool
    default: false
    version_added: 1.1.0
  license_key_dest:
    description:
      - A file on the host where the module runs (usually the controller) to write a newly generated license key
        to, instead of returning it. The key is written atomically (a temporary file in the same directory, then a
        rename) with mode C(0600) before the module returns, so a later failing task cannot lose the only copy; the
        result then says where (RV(license_key_dest)) and holds no key.
      - Requires O(provision_license=true) or O(rekey=true). The directory must exist and be writable; this is
        checked before any call, so a create or re-key that could not save its key is never sent.
      - When a key is meant for this file it is masked in every output of the run (result, messages, warnings,
        C(-vvvv)). Should the file still not be writable when the key arrives (a file made immutable, a full disk,
        a quota), the task fails, and the key is written with mode C(0600) to a new file next to O(license_key_dest)
        (named after it, C(.unsaved-) and a random part, C(.key)) or, if that fails too, to such a file in the
        temporary directory of the host; RV(license_key_fallback) and the message say which. If no file at all can
        be written, the key is kept nowhere and the message says so; re-key again once the file can be written.
      - Written only when a key is generated; a connector found by its notes keeps its key and the file is left
        alone.
    type: path
    version_added: 1.0.0
  activated:
    description: Whether the connector is activated.
    type: bool
  notes:
    description:
      - Free-text notes. Without O(id), O(device_id) and O(device_serial_number) they identify the connector and
        must match exactly one connector's notes (or none, to create one with O(provision_license=true)); empty notes
        identify nothing and are refused. With another identity, V("") clears the notes.
      - Notes are compared (and sent) in Unicode normal form NFC without surrounding white space, so notes that an
        API stores normalised or trimmed still match. A create by notes is refused, naming the connector, when one
        exists whose notes differ only by case or white space; and when the created connector comes back with other
        notes (a later run would not find it and would create another), the task fails naming its id.
      - At most 2048 characters, checked before any call. No Cloudflare source publishes a limit; 2048 is an assumption
        of this collection.
    type: str
  timezone:
    description: The IANA time zone of the interrupt window, such as V(Europe/Berlin) or V(UTC).
    type: str
  interrupt_window_days_of_week:
    description:
      - The days on which the interrupt window opens. Any casing is accepted (V(sunday), V(SUNDAY)); compared as a
        set.
    type: list
    elements: str
  interrupt_window_hour_of_day:
    description: The hour (0 to 23, in O(timezone)) at which the interrupt window opens.
    type: int
  interrupt_window_duration_hours:
    description: How long the interrupt window stays open, in whole hours from 1 to 24.
    type: int
  interrupt_window_embargo_dates:
    description:
      - Dates (V(YYYY-MM-DD)) on which the interrupt window stays closed. At most 100 (after merging).
      - Compared as a set. See O(purge_embargo_dates).
    type: list
    elements: str
  site_id:
    description:
      - B(Deprecated), to be removed in 2.0.0; use C(cloudflare.magic_transit.magic_site). Cloudflare's newest schema
        keeps high availability on sites; its connectors carry no C(site_id) or C(primary). When the connectors
        Cloudflare answers carry neither, giving this option fails before any write.
      - The id of the Magic WAN site the connector belongs to (see M(cloudflare.magic_transit.magic_site_info)).
        A connector must belong to a site before it carries traffic.
      - V("") is sent as an empty string, meant to take the connector out of its site; Cloudflare does not publish
        how it treats it (an assumption). A connector whose answers carry C(primary) but no C(site_id) compares as
        V("").
      - Writing it does not change the site's own C(connector_id)/C(secondary_connector_id).
    type: str
    version_added: 1.0.0
  primary:
    description:
      - B(Deprecated), to be removed in 2.0.0; use C(cloudflare.magic_transit.magic_site) (see O(site_id)).
      - Whether the connector is the primary one of its site (Cloudflare's default is V(true)); in a
        high-availability site the other connector is set to V(false).
    type: bool
    version_added: 1.0.0
  purge_embargo_dates:
    description:
      - With V(true), O(interrupt_window_embargo_dates) is the whole list and dates not in it are removed.
      - With V(false), the dates given are added to those already there, and none is removed.
    type: bool
    default: true
notes:
  - Cloudflare returns the license key of a virtual connector only when it is generated (on create with
    O(provision_license=true), and on re-key). It is never shown in a diff.
"""

EXAMPLES = r"""
- name: Give a branch connector a weekend-night maintenance window (check mode shows the diff, sends nothing)
  cloudflare.magic_transit.magic_connector:
    device_serial_number: CF1A2B3C4D
    activated: true
    notes: ber-branch-01 primary
    timezone: Europe/Berlin
    interrupt_window_days_of_week: [saturday, sunday]
    interrupt_window_hour_of_day: 2
    interrupt_window_duration_hours: 4

- name: Add a change-freeze date without touching the other embargo dates
  cloudflare.magic_transit.magic_connector:
    device_serial_number: CF1A2B3C4D
    interrupt_window_embargo_dates: ["2026-12-24"]
    purge_embargo_dates: false

- name: Create a connector for a new virtual device, found again by its notes on later runs
  cloudflare.magic_transit.magic_connector:
    notes: aws-eu-central-1 vcon
    provision_license: true
    timezone: UTC
  no_log: true
  register: vcon

- name: Create a connector for a registered virtual appliance, found by its service tag (serial number)
  cloudflare.magic_transit.magic_connector:
    device_serial_number: CFVA-9681D2552EC5
    notes: gcp-europe-west3 vcon

- name: Re-key it (the old key stops working at once); the new key goes to a file with mode 0600, not the result
  cloudflare.magic_transit.magic_connector:
    device_serial_number: CFVA-9681D2552EC5
    provision_license: true
    license_key_dest: /srv/keys/gcp-europe-west3-vcon.key

- name: Re-key the virtual connector found by its notes (rotates the key on every run; run it once)
  cloudflare.magic_transit.magic_connector:
    notes: aws-eu-central-1 vcon
    rekey: true
    license_key_dest: /srv/keys/aws-eu-central-1-vcon.key

- name: Delete a connector
  cloudflare.magic_transit.magic_connector:
    device_serial_number: CF1A2B3C4D
    state: absent
"""

RETURN = r"""
magic_connector:
  description:
    - The connector after the change, as Cloudflare returned it; in check mode, the connector as it would be.
    - Empty when O(state=absent).
  returned: always
  type: dict
  contains:
    license_key:
      description:
        - The new license key, only right after it was generated (a create with O(provision_license=true) or a
          re-key) and only without O(license_key_dest). A secret.
      returned: when a license key was generated and O(license_key_dest) is not set
      type: str
      sample: "-----BEGIN RSA PRIVATE KEY-----..."
  sample:
    id: 4f1c2b3a5d6e7f8091a2b3c4d5e6f708
    activated: true
    notes: ber-branch-01 primary
    timezone: Europe/Berlin
    interrupt_window_days_of_week: [Sunday, Saturday]
    interrupt_window_hour_of_day: 2
    interrupt_window_duration_hours: 4.0
    interrupt_window_embargo_dates: ["2026-12-24"]
    site_id: 5f8e0b3a2c6d4e1f9a7b8c0d1e2f3a4b
    primary: true
    device:
      id: 9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d
      serial_number: CF1A2B3C4D
      type: MANAGED
    last_updated: "2026-11-22T03:10:00Z"
license_key_fallback:
  description:
    - Where the new license key was written instead of O(license_key_dest), which could not be written when the key
      arrived (the task then fails). A file of mode C(0600) next to O(license_key_dest), else in the temporary
      directory. Move it to its place; never the key itself.
  returned: when a license key was generated and O(license_key_dest) could not be written
  type: str
  sample: /srv/keys/gcp-europe-west3-vcon.key.unsaved-k2x9a1b7.key
  version_added: 1.1.0
msg:
  description: What a re-key did, or would do in check mode.
  returned: when the license key is rotated (or would be, in check mode)
  type: str
  sample: "connector 4f1c2b3a5d6e7f8091a2b3c4d5e6f708: the license key would be rotated (check mode: nothing was sent)"
  version_added: 1.1.0
license_key_dest:
  description: Where the new license key was written (never the key itself).
  returned: when a license key was generated and written to O(license_key_dest)
  type: str
  sample: /srv/keys/gcp-europe-west3-vcon.key
diff:
  description: The managed settings that differ, before and after; the whole connector on create and delete.
  returned: when diff mode is on
  type: dict
  sample:
    before:
      interrupt_window_hour_of_day: 0
    after:
      interrupt_window_hour_of_day: 2
api_calls:
  description: The API calls this run made, per HTTP method (and C(retries), C(rate_limited) when any).
  returned: always
  type: dict
  sample:
    GET: 1
    PATCH: 1
"""

from ansible_collections.cloudflare.magic_transit.plugins.module_utils._connectors import (
    IDENTITY_ARGUMENT_SPEC,
    Connectors,
)
from ansible_collections.cloudflare.magic_transit.plugins.module_utils._module import CloudflareModule
from ansible_collections.cloudflare.magic_transit.plugins.module_utils._resource import ResourceModule

ARGUMENT_SPEC = dict(
    state=dict(type="str", choices=["present", "absent"], default="present"),
    provision_license=dict(type="bool", default=False),
    rekey=dict(type="bool", default=False),
    license_key_dest=dict(type="path"),
    purge_embargo_dates=dict(type="bool", default=True),
    **IDENTITY_ARGUMENT_SPEC,
    **Connectors.argument_spec,
)


def main():
    module = CloudflareModule(
        ARGUMENT_SPEC,
        required_one_of=[("id", "device_id", "device_serial_number", "notes")],
        supports_check_mode=True,
    )
    module.run(ResourceModule(module, Connectors).ensure)


if __name__ == "__main__":
    main()
