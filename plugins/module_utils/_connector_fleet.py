# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Planning a fleet of connectors (``magic_connectors``): every entry checked and planned through the engine's steps
from one list call, before anything is sent; the fleet operation that writes the plan.
"""

from __future__ import annotations

from ._change import DELETE, UNCHANGED
from ._connector_identity import given_identity, named_by_device, select_connector
from ._connector_settings import notes_key
from ._connectors import Connectors
from ._fleet import FleetWriter, check_concurrency, check_rate_limit_wait
from ._inputs import InvalidOption, check_id
from ._license_keys import check_key_files
from ._maintenance import SITES_READ, freeze_from_account, plan_from_account, verify_after_write
from ._resource import Operation


def plan_fleet(resource, entries, purge_default, create_missing=False, listed=None, key_dir=None):
    """Check every entry, list the connectors once (unless ``listed`` holds the list this run just made), and plan
    each entry through the engine's steps (``begin``, ``plan_change``: an update, a create for a device that has no
    connector yet with ``create_missing``, a create for a new virtual device with ``provision_license``, or a delete
    for ``state: absent``). Raises ``InvalidOption`` before any write for a bad value, an identity that names no
    connector (or several), two entries naming the same connector or device, or a license key file that could not be
    written (``key_dir``: the task's ``license_key_dir``)."""
    key_files = check_key_files(entries, key_dir)
    changes = [
        _begin_entry(resource, index, entry, purge_default, key_files[index]) for index, entry in enumerate(entries)
    ]
    connectors = resource.list() if listed is None else listed
    seen = {}
    for change in changes:
        key = _plan_entry(resource, change, connectors, create_missing)
        if change.status == UNCHANGED and change.action == DELETE:
            continue
        if key in seen:
            raise InvalidOption(
                change.where[:-1],
                "names the same connector (%s) as connectors[%d]"
                % (key if isinstance(key, str) else "%s %s" % key, seen[key]),
            )
        seen[key] = change.index
    return changes


def _begin_entry(resource, index, entry, purge_default, key_file):
    """An entry's ``Change``, its values checked before any call: the options of ``magic_connector`` it stands for
    (no ``rekey``; its key file, checked with the others by ``check_key_files``, is the fact ``license_key_dest``)."""
    where = "connectors[%d]." % index
    for option in ("id", "device_id"):
        if entry.get(option) is not None:
            check_id(where + option, entry[option])
    purge = purge_default if entry.get("purge_embargo_dates") is None else entry["purge_embargo_dates"]
    change = resource.begin(dict(entry, rekey=False, purge_embargo_dates=purge, license_key_dest=None), index, where)
    if entry.get("state") == "absent":
        extra = sorted(k for k in change.desired if not (k == "notes" and not named_by_device(entry)))
        if extra or entry.get("purge_embargo_dates") is not None:
            raise InvalidOption(
                where + (extra[0] if extra else "purge_embargo_dates"),
                "cannot be used with state=absent (the connector is deleted)",
            )
    change.facts["license_key_dest"] = key_file
    if key_file:
        change.extra["license_key_dest"] = key_file
    return change


def _plan_entry(resource, change, connectors, create_missing):
    """Find the entry's connector in the list and plan its change; the key that two entries must not share."""
    entry, where = change.params, change.where
    by_notes = not named_by_device(entry)
    current = select_connector(
        connectors,
        entry.get("id"),
        entry.get("device_id"),
        entry.get("device_serial_number"),
        entry.get("notes") if by_notes else None,
        where=where,
    )
    change.facts["listed"] = connectors
    if current is None and entry.get("state") != "absent":
        option, value = given_identity(entry)
        if entry.get("provision_license"):
            change.name = "new virtual connector %r" % notes_key(entry["notes"])
        elif not create_missing or option not in ("device_id", "device_serial_number"):
            hint = (
                "with create_missing=true, an entry naming a device by device_id or device_serial_number creates "
                "its connector"
                if not create_missing
                else "only an entry naming a device (device_id or device_serial_number) can create a connector"
            )
            raise InvalidOption(where + option, "matches no connector (%s)" % hint, value)
        else:
            change.name = "new connector for %s %s" % (option, value)
    resource.plan_change(change, current)
    if current is not None:
        return current["id"]
    if entry.get("provision_license"):
        return ("notes", notes_key(entry["notes"]))
    return ("device", entry.get("device_id") or entry.get("device_serial_number"))


class ConnectorFleet(Operation):
    """magic_connectors: the entries (``connectors``, or those the ``maintenance_window`` or ``change_freeze`` planner
    derives from one list of the account), planned by ``plan_fleet`` and written by a ``FleetWriter``; a planner's
    plan is verified after its writes (another run may have written the same connectors or their HA peers)."""

    PLANNERS = (("maintenance_window", plan_from_account), ("change_freeze", freeze_from_account))

    def check(self, params):
        check_concurrency(params["max_concurrency"])
        check_rate_limit_wait(params["rate_limit_wait"])

    def run(self, params, check_mode):
        module = self.module
        connectors = Connectors(module.client, hide=module.hide, warn=module.warn)
        writer = FleetWriter(
            connectors,
            "connectors",
            params["max_concurrency"],
            check_mode,
            module._diff,
            module.warn,
            rate_limit_wait=params["rate_limit_wait"],
            progress=module.log,
            full=params["return_connectors"] == "full",
            diff_summary=params["diff_summary"],
        )
        entries, listed, plan = params["connectors"], None, None
        for option, planner in self.PLANNERS:
            if params[option] is not None:
                # Errors name the sub-option (maintenance_window.hour), or the role's variable (option_prefix).
                settings = dict(params[option], option_prefix=params["option_prefix"])
                entries, listed, plan = planner(connectors, settings)
        result = writer.run(
            plan_fleet(
                connectors,
                entries,
                params["purge_embargo_dates"],
                params["create_missing"],
                listed,
                key_dir=params["license_key_dir"],
            )
        )
        if plan is None:
            return result
        sites = plan.pop(SITES_READ, None)
        result = dict(result, maintenance_plan=plan)
        if result["changed"] and not check_mode:
            plan["verified"] = verify_after_write(
                connectors,
                entries,
                listed,
                params["maintenance_window"] or {},
                result,
                sites,
                freeze=params["change_freeze"] is not None,
            )
        return result
