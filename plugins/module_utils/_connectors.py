# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Magic WAN Connectors as the API shows them, and the controller-side checks of their settings.

The connector API has no ``validate_only``: check mode must judge on the controller, so every rule the
API enforces on settings is checked here, once, for every module that writes connectors.
"""

from __future__ import annotations

import datetime
import functools
import re

from ._client import InvalidOption, check_id
from ._resource import Resource

try:
    from zoneinfo import available_timezones
except ImportError:  # Python < 3.9 has no zoneinfo: Cloudflare alone judges time zones there.
    def available_timezones():
        return set()

DAYS = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")
MAX_EMBARGO_DATES = 100
_DATE_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}$")

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
SETTINGS = dict((name, None) for name in SETTINGS_ARGUMENT_SPEC)


class Connectors(Resource):
    name = "magic_connector"
    label = "connector"
    path = ("magic", "connectors")
    update_method = "PATCH"
    set_paths = (("interrupt_window_days_of_week",), ("interrupt_window_embargo_dates",))
    one_time_secret_paths = (("license_key",),)

    def canonical(self, obj):
        obj = super().canonical(obj)
        days = obj.get("interrupt_window_days_of_week")
        if isinstance(days, list):
            # Week order, not alphabetical: deterministic and readable in bodies and diffs.
            obj["interrupt_window_days_of_week"] = sorted(days, key=_day_rank)
        return obj


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
                            % (len(found), ", ".join(c["id"] for c in found)), wanted)
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
