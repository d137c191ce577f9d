# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Magic WAN Connectors: everything about the resource, for every module, the fleet and the plugins.

The connector API has no ``validate_only``: check mode must judge on the controller, so every rule the
API enforces on settings is checked here, once, for every module that writes connectors. The rules of a
connector's device (its identity never changes; a virtual device is re-keyed, and a license key lost with
its answer is replaced) live here too.
"""

from __future__ import annotations

import datetime
import functools
import re

from ._client import InvalidOption, check_id
from ._fleet import CREATE, DELETE, UNCHANGED, Planned
from ._resource import Resource, desired_from_params

try:
    from zoneinfo import available_timezones
except ImportError:  # Python < 3.9 has no zoneinfo: Cloudflare alone judges time zones there.
    def available_timezones():
        return set()

DAYS = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")
MAX_EMBARGO_DATES = 100
_DATE_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MANAGED, LICENSED = "MANAGED", "LICENSED"
DEVICE_TYPES = (MANAGED, LICENSED)
#: the options that name a connector by its device or id, in the order they are looked at
IDENTITIES = ("id", "device_id", "device_serial_number")
IDENTITY_ARGUMENT_SPEC = dict((name, dict(type="str")) for name in IDENTITIES)

# The argument spec of a connector's settings, shared by magic_connector and the fleet module.
SETTINGS_ARGUMENT_SPEC = dict(
    activated=dict(type="bool"),
    notes=dict(type="str"),
    timezone=dict(type="str"),
    interrupt_window_days_of_week=dict(type="list", elements="str"),
    interrupt_window_hour_of_day=dict(type="int"),
    interrupt_window_duration_hours=dict(type="int"),
    interrupt_window_embargo_dates=dict(type="list", elements="str"),
)


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

    def check(self, params):
        if params.get("state") == "absent" and params.get("provision_license"):
            raise InvalidOption("provision_license", "cannot be used with state=absent")

    def desired(self, params):
        return check_settings(desired_from_params(params, self.fields))

    def find(self, params):
        return find_connector(self, params.get("id"), params.get("device_id"), params.get("device_serial_number"),
                              params.get("notes"))

    def prepare(self, params, current, desired):
        if current is None and params["id"] is not None:
            raise InvalidOption("id", "must identify an existing connector (to create one, give device_id, "
                                "device_serial_number, or notes with provision_license=true)", params["id"])
        if current is None and not _named_by_device(params) and not params["provision_license"]:
            raise InvalidOption("notes", "match no connector: to create one for a new virtual device set "
                                "provision_license=true, or give device_id or device_serial_number", params["notes"])
        desired = merge_embargo_dates(desired, current, params["purge_embargo_dates"])
        if self._rekeys(params, current) and device_of(current).get("type") != LICENSED:
            raise InvalidOption("provision_license", "re-keys only connectors of virtual (LICENSED) devices; connector %s "
                                "belongs to a %s device" % (current["id"], device_of(current).get("type")))
        if params["provision_license"] and current is None and params["device_serial_number"] is not None:
            raise InvalidOption("provision_license", "creates a connector for a new virtual (LICENSED) device, while "
                                "device_serial_number names hardware (MANAGED): give one of them")
        return desired

    def create_body(self, params):
        """The ``device`` of a create: exactly one of id, serial number, or a new licensed virtual device."""
        if params["device_id"] is not None:
            return dict(device=dict(id=params["device_id"]))
        if params["device_serial_number"] is not None:
            return dict(device=dict(serial_number=params["device_serial_number"]))
        return dict(device=dict(provision_license=True))

    def forced(self, params, current):
        return dict(provision_license=True) if self._rekeys(params, current) else {}

    def settle(self, params, current, after):
        key_asked = params.get("provision_license") and (current is None or self._rekeys(params, current))
        if not key_asked or after.get("license_key"):
            return after, None
        # The answer that carried the key was lost (a re-read confirmed the write), or the create named an existing
        # virtual device: Cloudflare never shows a key again, so a fresh one is generated now.
        after = self.update(after["id"], dict(provision_license=True))
        return after, "connector %s: no license key came back, so it was re-keyed; the new key is in the result" % after["id"]

    @staticmethod
    def _rekeys(params, current):
        """provision_license on a connector found by its device or id: a new license key for it."""
        return bool(params.get("provision_license")) and current is not None and _named_by_device(params)

    def select(self, params):
        listed = self.list(params={"device_type": params["device_type"]} if params["device_type"] else None)
        found = [
            c for c in listed
            if params["id"] in (None, c.get("id"))
            and params["device_serial_number"] in (None, device_of(c).get("serial_number"))
            and params["activated"] in (None, c.get("activated"))
        ]
        if params["telemetry"]:
            for connector in found:
                connector["telemetry_latest"] = self.client.get(
                    self.path_of(connector["id"], "telemetry", "snapshots", "latest"))
        return found

    def shown(self, obj):
        return self.masked(obj, one_time_too=True)

    def interrupt(self, params, check_mode):
        """Send (or in check mode only show) a reboot, restart or shutdown to the connector the options name."""
        connector = self.find(params)
        if connector is None:
            option, value = given_identity(params)
            raise InvalidOption(option, "must identify an existing connector", value)
        body = {params["action"]: {"purge": params["purge"]}}
        # Not idempotent: the client never repeats it unless Cloudflare certainly did not receive it.
        sent = body if check_mode else self.client.post(self.path_of(connector["id"], "interrupts"), body)
        return dict(changed=True, magic_connector_interrupt=sent, magic_connector=self.shown(connector))

    def canonical(self, obj):
        obj = super().canonical(obj)
        days = obj.get("interrupt_window_days_of_week")
        if isinstance(days, list):
            # Week order, not alphabetical: deterministic and readable in bodies and diffs.
            obj["interrupt_window_days_of_week"] = sorted(days, key=_day_rank)
        return obj


def _named_by_device(params):
    return any(params.get(k) is not None for k in IDENTITIES)


def _day_rank(day):
    return DAYS.index(day) if day in DAYS else len(DAYS)


@functools.lru_cache(maxsize=1)
def _timezones():
    return frozenset(available_timezones())


def device_of(connector):
    return connector.get("device") or {}


def check_settings(settings, where=""):
    """Check and normalise a connector's settings (the options the user set) before any call.

    Returns them in canonical form: days capitalised in week order, dates sorted and unique. Raises
    ``InvalidOption`` naming the option (prefixed with ``where``, such as ``connectors[3].``).
    """
    settings = dict(settings)
    hour = settings.get("interrupt_window_hour_of_day")
    if hour is not None and not 0 <= hour <= 23:
        raise InvalidOption(where + "interrupt_window_hour_of_day", "must be from 0 to 23", hour)
    duration = settings.get("interrupt_window_duration_hours")
    if duration is not None and not 1 <= duration <= 24:
        raise InvalidOption(where + "interrupt_window_duration_hours", "must be from 1 to 24", duration)
    timezone = settings.get("timezone")
    if timezone is not None and _timezones() and timezone not in _timezones():
        raise InvalidOption(where + "timezone", "must be an IANA time zone name such as Europe/Berlin or UTC", timezone)
    days = settings.get("interrupt_window_days_of_week")
    if days is not None:
        canonical_days = set()
        for day in days:
            name = str(day).strip().capitalize()
            if name not in DAYS:
                raise InvalidOption(where + "interrupt_window_days_of_week", "must list days of the week (%s)"
                                    % ", ".join(DAYS), day)
            canonical_days.add(name)
        settings["interrupt_window_days_of_week"] = sorted(canonical_days, key=_day_rank)
    dates = settings.get("interrupt_window_embargo_dates")
    if dates is not None:
        settings["interrupt_window_embargo_dates"] = check_embargo_dates(dates, where)
    return settings


def check_embargo_dates(dates, where=""):
    """Real dates written ``YYYY-MM-DD``, at most 100: returned sorted and unique."""
    option = where + "interrupt_window_embargo_dates"
    for value in dates:
        try:
            if not _DATE_PATTERN.match(value):
                raise ValueError(value)
            datetime.date.fromisoformat(value)
        except (TypeError, ValueError):
            raise InvalidOption(option, "must list real dates written YYYY-MM-DD", value) from None
    unique = sorted(set(dates))
    if len(unique) > MAX_EMBARGO_DATES:
        raise InvalidOption(option, "may hold at most %d dates (after merging), got %d"
                            % (MAX_EMBARGO_DATES, len(unique)))
    return unique


def merge_embargo_dates(desired, current, purge, where=""):
    """With ``purge`` false the dates given are added to those present instead of replacing them."""
    given = desired.get("interrupt_window_embargo_dates")
    if given is None or purge or current is None:
        return desired
    merged = check_embargo_dates(list(current.get("interrupt_window_embargo_dates") or []) + given, where)
    return dict(desired, interrupt_window_embargo_dates=merged)


def given_identity(params):
    """The first identity option the user gave, and its value."""
    option = next(k for k in IDENTITIES + ("notes",) if params.get(k) is not None)
    return option, params[option]


def select_connector(connectors, connector_id=None, device_id=None, serial_number=None, notes=None, where=""):
    """The one connector among ``connectors`` that the first identity given names (id, device id, serial
    number, then notes), or None. Every other device identity given must match it: a connector's device never
    changes. Raises ``InvalidOption`` when several connectors match."""
    for option, wanted, value_of in (
        ("id", connector_id, lambda c: c.get("id")),
        ("device_id", device_id, lambda c: device_of(c).get("id")),
        ("device_serial_number", serial_number, lambda c: device_of(c).get("serial_number")),
        ("notes", notes, lambda c: c.get("notes")),
    ):
        if wanted is not None:
            break
    found = [c for c in connectors if value_of(c) == wanted]
    if len(found) > 1:
        raise InvalidOption(where + option, "matches %d connectors (%s): identify the connector by id or device"
                            % (len(found), _ids(found, "")), wanted)
    connector = found[0] if found else None
    if connector is not None:
        check_same_device(connector, device_id, serial_number, where)
    return connector


def check_same_device(connector, device_id=None, serial_number=None, where=""):
    device = device_of(connector)
    for option, key, wanted in (("device_id", "id", device_id), ("device_serial_number", "serial_number", serial_number)):
        if wanted is not None and device.get(key) != wanted:
            raise InvalidOption(where + option, "cannot change: connector %s belongs to the device with %s %r; a "
                                "connector's device is fixed (delete the connector and create a new one)"
                                % (connector["id"], key, device.get(key)), wanted)


def find_connector(resource, connector_id=None, device_id=None, serial_number=None, notes=None):
    """The connector with this id (one GET), or with this device or these exact notes (one list call)."""
    if device_id is not None:
        check_id("device_id", device_id)
    if connector_id is not None:
        connector = resource.get(check_id("id", connector_id))
        if connector is not None:
            check_same_device(connector, device_id, serial_number)
        return connector
    return select_connector(resource.list(), None, device_id, serial_number, notes)


def plan_fleet(resource, entries, purge_default, create_missing=False):
    """Check every entry, list the connectors once, and plan each entry (an update, a create for a device that has
    no connector yet with ``create_missing``, or a delete for ``state: absent``). Raises ``InvalidOption`` before
    any write for a bad value, an identity that names no connector (or several), or two entries naming the same
    connector or device."""
    settings = []
    for index, entry in enumerate(entries):
        where = "connectors[%d]." % index
        for option in ("id", "device_id"):
            if entry.get(option) is not None:
                check_id(where + option, entry[option])
        desired = check_settings(desired_from_params(entry, resource.fields), where)
        if entry.get("state") == "absent":
            extra = sorted(k for k in desired if not (k == "notes" and not _named_by_device(entry)))
            if extra or entry.get("purge_embargo_dates") is not None:
                raise InvalidOption(where + (extra[0] if extra else "purge_embargo_dates"),
                                    "cannot be used with state=absent (the connector is deleted)")
        settings.append(desired)

    connectors = resource.list()
    plans, seen = [], {}
    for index, (entry, desired) in enumerate(zip(entries, settings)):
        where = "connectors[%d]." % index
        by_notes = not _named_by_device(entry)
        if by_notes and entry.get("notes") == "":
            empty = [c for c in connectors if not c.get("notes")]
            raise InvalidOption(where + "notes", "is empty, so it cannot name a connector (%d connectors have empty "
                                "notes%s): identify it by id or device" % (len(empty), _ids(empty, ": ")))
        current = select_connector(connectors, entry.get("id"), entry.get("device_id"), entry.get("device_serial_number"),
                                   entry.get("notes") if by_notes else None, where=where)
        if current is None:
            plan = _missing(resource, index, entry, desired, create_missing, where)
            key = ("device", entry.get("device_id") or entry.get("device_serial_number"))
        else:
            key = current["id"]
            if entry.get("state") == "absent":
                plan = Planned(index, current, {}, resource.canonical(current), {}, {}, action=DELETE)
            else:
                purge = purge_default if entry.get("purge_embargo_dates") is None else entry["purge_embargo_dates"]
                desired = merge_embargo_dates(desired, current, purge, where)
                plan = Planned(index, current, desired, *resource.plan(current, desired))
        if plan.status == UNCHANGED and plan.action == DELETE:
            plans.append(plan)
            continue
        if key in seen:
            raise InvalidOption(where[:-1], "names the same connector (%s) as connectors[%d]"
                                % (key if isinstance(key, str) else "device %s" % key[1], seen[key]))
        seen[key] = index
        plans.append(plan)
    return plans


def _missing(resource, index, entry, desired, create_missing, where):
    """The plan of an entry whose connector does not exist: nothing to delete, or a create for its device."""
    if entry.get("state") == "absent":
        return Planned(index, None, {}, None, {}, {}, status=UNCHANGED, action=DELETE)
    option, value = given_identity(entry)
    if not create_missing or option not in ("device_id", "device_serial_number"):
        hint = ("with create_missing=true, an entry naming a device by device_id or device_serial_number creates its "
                "connector" if not create_missing else "only an entry naming a device (device_id or "
                "device_serial_number) can create a connector")
        raise InvalidOption(where + option, "matches no connector (%s)" % hint, value)
    body = resource.api_form(dict(desired, **resource.create_body(entry)))
    device_id, serial = entry.get("device_id"), entry.get("device_serial_number")
    return Planned(index, None, desired, None, dict(desired), body, action=CREATE,
                   name="new connector for %s %s" % (option, value),
                   reread=lambda: select_connector(resource.list(), None, device_id, serial))


def _ids(connectors, prefix, limit=20):
    if not connectors:
        return ""
    shown = ", ".join(c["id"] for c in connectors[:limit])
    return prefix + shown + (" and %d more" % (len(connectors) - limit) if len(connectors) > limit else "")
