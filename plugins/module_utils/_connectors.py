# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Magic WAN Connectors: the resource, for every module, the fleet and the plugins.

Its concerns live beside it: the value rules of its settings (``_connector_settings``), how options name a connector
(``_connector_identity``), license keys and the re-key (``_license_keys``), interrupts (``_interrupts``) and fleet
planning (``_connector_fleet``). The rules of a connector's device (its identity never changes; a virtual device is
re-keyed, and a license key lost with its answer is replaced) are hooks of the description below.
"""

from __future__ import annotations

from ._change import CREATE, AfterWriteFailed, Step
from ._connector_identity import (
    IDENTITIES,
    IDENTITY_ARGUMENT_SPEC,
    device_of,
    find_connector,
    given_identity,
    named_by_device,
    near_hint,
    refuse_near_duplicate,
    select_connector,
    serial_key,
)
from ._connector_settings import (
    DAYS,
    DEVICE_TYPES,
    LICENSED,
    MAX_EMBARGO_DATES,
    MAX_NOTES_LENGTH,
    SETTINGS_ARGUMENT_SPEC,
    SITE_FIELDS,
    SITE_MODULE,
    check_embargo_dates,
    check_notes_pattern,
    check_settings,
    day_rank,
    merge_embargo_dates,
    notes_key,
)
from ._inputs import InvalidOption, check_id
from ._license_keys import check_key_dest, keep_license_key, rekey_step
from ._resource import Resource

# The connector's helpers other modules and plugins reach through this file (the planners, the report, inventory).
__all__ = [
    "DAYS",
    "DEVICE_TYPES",
    "IDENTITIES",
    "IDENTITY_ARGUMENT_SPEC",
    "MAX_EMBARGO_DATES",
    "Connectors",
    "check_embargo_dates",
    "check_settings",
    "device_of",
    "given_identity",
    "merge_embargo_dates",
    "select_connector",
]


class Connectors(Resource):
    result_key = "magic_connector"
    results_key = "magic_connectors"
    label = "connector"
    title_key = "notes"
    path = ("magic", "connectors")
    update_method = "PATCH"
    argument_spec = SETTINGS_ARGUMENT_SPEC
    set_paths = (("interrupt_window_days_of_week",), ("interrupt_window_embargo_dates",))
    one_time_secret_paths = (("license_key",),)
    identities = IDENTITIES + ("notes",)
    # A connector always has its device: an object without one (its device itself, say) is not a connector.
    required_keys = ("id", "device")
    # An assumption: Cloudflare documents no limit; the simulator refuses longer notes.
    max_lengths = {"notes": MAX_NOTES_LENGTH}

    def check(self, params):
        self.check_identity(params)
        for option in ("provision_license", "rekey"):
            if params.get("state") == "absent" and params.get(option):
                raise InvalidOption(option, "cannot be used with state=absent")
        if params.get("license_key_dest") is not None:
            if not (params.get("provision_license") or params.get("rekey")):
                raise InvalidOption(
                    "license_key_dest", "needs provision_license=true or rekey=true (a key is only generated then)"
                )
            check_key_dest(params["license_key_dest"])

    def desired(self, params):
        return check_settings(self.values(params))

    def find(self, params, change=None):
        """The connector the options name; the list it was found in (when listed) is the fact ``listed``."""
        listed = None
        if params.get("device_id") is not None:
            check_id("device_id", params["device_id"])
        if params.get("id") is None:
            listed = self.list()
            if change is not None:
                change.facts["listed"] = listed
        return find_connector(
            self,
            params.get("id"),
            params.get("device_id"),
            params.get("device_serial_number"),
            params.get("notes"),
            listed=listed,
        )

    def prepare(self, params, current, desired, change=None):
        listed = change.facts.get("listed") if change is not None else None
        if current is None and params.get("id") is not None:
            raise InvalidOption(
                "id",
                "must identify an existing connector (to create one, give device_id, "
                "device_serial_number, or notes with provision_license=true)",
                params.get("id"),
            )
        if current is None and params.get("rekey") and (named_by_device(params) or not params.get("provision_license")):
            option, value = given_identity(params)
            raise InvalidOption(
                "rekey",
                "re-keys an existing connector, and %s %r names none; nothing was sent (to "
                "create a connector for a new virtual device, give its notes with provision_license=true)"
                % (option, value),
            )
        if current is None and not named_by_device(params) and not params.get("provision_license"):
            raise InvalidOption(
                "notes",
                "match no connector%s: to create one for a new virtual device set "
                "provision_license=true, or give device_id or device_serial_number"
                % near_hint(listed, params.get("notes")),
                params.get("notes"),
            )
        if current is None and not named_by_device(params):
            refuse_near_duplicate(listed, params.get("notes"))
        check_site_fields(desired, listed if listed is not None else [current] if current is not None else [])
        desired = merge_embargo_dates(desired, current, params.get("purge_embargo_dates"))
        if self._rekeys(params, current) and device_of(current).get("type") != LICENSED:
            raise InvalidOption(
                "rekey" if params.get("rekey") else "provision_license",
                "re-keys only connectors of "
                "virtual (LICENSED) devices; connector %s belongs to a %s device"
                % (current["id"], device_of(current).get("type")),
            )
        if params.get("provision_license") and current is None and named_by_device(params):
            # Cloudflare publishes no way to read a device's type before a create: the device may be hardware,
            # and a create that landed could not be given a key. Nothing is sent.
            option, value = given_identity(params)
            raise InvalidOption(
                "provision_license",
                "with %s %r, which has no connector yet, is refused before any "
                "write: Cloudflare tells a device's type (hardware or virtual) only once a connector "
                "exists. Create the connector first without provision_license, then re-key it with "
                "provision_license=true (virtual devices only); or leave out %s to create a connector "
                "for a new virtual device" % (option, value, option),
            )
        return desired

    def create_body(self, params):
        """The ``device`` of a create: exactly one of id, serial number, or a new licensed virtual device."""
        if params["device_id"] is not None:
            return dict(device=dict(id=params["device_id"]))
        if params["device_serial_number"] is not None:
            return dict(device=dict(serial_number=params["device_serial_number"]))
        return dict(device=dict(provision_license=True))

    def refused(self, error, change):
        """A 404 to a create is a definite answer: nothing was created. It names the device Cloudflare does not know."""
        device = change.body.get("device") or {} if change.action == CREATE else {}
        if error.status != 404 or not (device.get("serial_number") or device.get("id")):
            return None
        option, value = (
            ("device_serial_number", device["serial_number"])
            if device.get("serial_number")
            else ("device_id", device["id"])
        )
        return InvalidOption(
            change.where + option,
            "names no device Cloudflare knows for this account (%s): no connector was created" % error,
            value,
        )

    def steps(self, change):
        """A re-key of an existing connector (a second write: its key saved), or the key of a created one saved."""
        params, current = change.params, change.current
        dest = change.facts.get("license_key_dest", params.get("license_key_dest"))
        option = change.where + "license_key_dest"
        if self._rekeys(params, current):
            return [rekey_step(self, current, dest, option)]
        if current is None and params.get("provision_license"):
            return [
                Step(
                    "license_key",
                    lambda change: keep_license_key(self, change, change.after, dest, option),
                    writes=False,
                )
            ]
        return []

    def settle(self, params, current, after, change=None):
        if current is None and not named_by_device(params):
            check_created_notes(params["notes"], after, change.facts.get("key_warning") if change else None)
        return after, None

    @staticmethod
    def _rekeys(params, current):
        """A new license key for an existing connector: ``rekey`` (found by any identity), or ``provision_license``
        on a connector found by its device or id (its meaning since 0.1.0)."""
        if current is None:
            return False
        return bool(params.get("rekey")) or bool(params.get("provision_license")) and named_by_device(params)

    def select(self, params):
        pattern = check_notes_pattern(params.get("notes_pattern"))
        listed = self.list(params={"device_type": params["device_type"]} if params["device_type"] else None)
        found = [
            c
            for c in listed
            if params["id"] in (None, c.get("id"))
            and (
                params["device_serial_number"] is None
                or serial_key(device_of(c).get("serial_number")) == serial_key(params["device_serial_number"])
            )
            and params["activated"] in (None, c.get("activated"))
            and (params.get("notes") is None or notes_key(c.get("notes")) == notes_key(params["notes"]))
            and (pattern is None or pattern.search(c.get("notes") or ""))
        ]
        if params.get("notes") is not None and not found:
            hint = near_hint(listed, params["notes"])
            if hint:
                self.warn("notes %r match no connector exactly%s" % (params["notes"], hint))
        if params["telemetry"]:
            for connector in found:
                connector["telemetry_latest"] = self.client.get(
                    self.path_of(connector["id"], "telemetry", "snapshots", "latest")
                )
        return found

    def shown(self, obj):
        return self.masked(obj, one_time_too=True)

    def canonical(self, obj):
        obj = super().canonical(obj)
        days = obj.get("interrupt_window_days_of_week")
        if isinstance(days, list):
            # Week order, not alphabetical: deterministic and readable in bodies and diffs.
            obj["interrupt_window_days_of_week"] = sorted(days, key=day_rank)
        if isinstance(obj.get("notes"), str):
            obj["notes"] = notes_key(obj["notes"])
        if "id" in obj and any(key in obj for key in SITE_FIELDS):
            # Cloudflare's defaults, should an answer of a schema with sites on connectors leave one out: no site (""),
            # and primary. An answer with neither is of the newest schema: nothing is invented.
            if obj.get("site_id") is None:
                obj["site_id"] = ""
            if obj.get("primary") is None:
                obj["primary"] = True
        return obj


def check_created_notes(notes, after, warning=None):
    """After a create named by ``notes``: the answer must carry the same notes (after ``notes_key``), or the next run
    would not find the connector and would create another (with another license): then the run fails, naming it."""
    if notes_key(after.get("notes")) == notes_key(notes):
        return
    msg = (
        "connector %s was created, but Cloudflare stored its notes as %r instead of %r: a run naming it by these "
        "notes would not find it and would create another connector. Name it by id %s, or by the notes Cloudflare "
        "stored" % (after["id"], after.get("notes"), notes, after["id"])
    )
    raise AfterWriteFailed(msg + (". " + warning if warning else ""), after)


def check_site_fields(desired, connectors):
    """``site_id`` and ``primary`` (deprecated) are refused before any write when the connectors Cloudflare answers
    carry neither (its newest schema, where high availability lives on sites): such a write could never converge."""
    given = [key for key in SITE_FIELDS if key in desired]
    if given and connectors and not any(key in obj for obj in connectors for key in SITE_FIELDS):
        raise InvalidOption(
            given[0],
            "cannot be set: Cloudflare's connectors no longer carry site_id or primary (its "
            "newest schema keeps high availability on sites); manage the site with %s" % SITE_MODULE,
            desired[given[0]],
        )
