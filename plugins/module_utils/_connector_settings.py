# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The value rules of a connector's settings: what Cloudflare accepts for each, checked before any call.

The connector API has no ``validate_only``: check mode must judge on the controller, so every rule the API enforces
on settings is checked here, once, for every module that writes connectors (and the planners of the roles).
"""

from __future__ import annotations

import datetime
import functools
import re
import unicodedata

from ._inputs import InvalidOption, check_id
from ._windows import DAYS

try:
    from zoneinfo import available_timezones
except ImportError:  # Python < 3.9 has no zoneinfo: Cloudflare alone judges time zones there.

    def available_timezones():
        return set()


# ASSUMPTIONS, each in no published source (docs/api-notes.md lists them): at most 100 embargo dates, an interrupt
# window opening at hour 0 to 23, notes of at most 2048 characters.
MAX_EMBARGO_DATES = 100
MAX_HOUR_OF_DAY = 23
MAX_NOTES_LENGTH = 2048
_DATE_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MANAGED, LICENSED = "MANAGED", "LICENSED"
DEVICE_TYPES = (MANAGED, LICENSED)

# The argument spec of a connector's settings, shared by magic_connector and the fleet module.
SETTINGS_ARGUMENT_SPEC = dict(
    activated=dict(type="bool"),
    notes=dict(type="str"),
    timezone=dict(type="str"),
    interrupt_window_days_of_week=dict(type="list", elements="str"),
    interrupt_window_hour_of_day=dict(type="int"),
    interrupt_window_duration_hours=dict(type="int"),
    interrupt_window_embargo_dates=dict(type="list", elements="str"),
    # Deprecated (issue 24): the newest schema keeps high availability on sites (magic_site), not on connectors.
    site_id=dict(type="str", removed_in_version="2.0.0", removed_from_collection="cloudflare.magic_transit"),
    primary=dict(type="bool", removed_in_version="2.0.0", removed_from_collection="cloudflare.magic_transit"),
)
#: the deprecated settings, and where they live now
SITE_FIELDS = ("site_id", "primary")
SITE_MODULE = "cloudflare.magic_transit.magic_site"


def check_settings(settings, where=""):
    """Check and normalise a connector's settings (the options the user set) before any call.

    Returns them in canonical form: days capitalised in week order, dates sorted and unique. Raises
    ``InvalidOption`` naming the option (prefixed with ``where``, such as ``connectors[3].``).
    """
    settings = dict(settings)
    hour = settings.get("interrupt_window_hour_of_day")
    if hour is not None and not 0 <= hour <= MAX_HOUR_OF_DAY:
        raise InvalidOption(where + "interrupt_window_hour_of_day", "must be from 0 to %d" % MAX_HOUR_OF_DAY, hour)
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
                raise InvalidOption(
                    where + "interrupt_window_days_of_week", "must list days of the week (%s)" % ", ".join(DAYS), day
                )
            canonical_days.add(name)
        settings["interrupt_window_days_of_week"] = sorted(canonical_days, key=day_rank)
    dates = settings.get("interrupt_window_embargo_dates")
    if dates is not None:
        settings["interrupt_window_embargo_dates"] = check_embargo_dates(dates, where)
    if settings.get("notes") is not None:
        settings["notes"] = notes_key(settings["notes"])
    if settings.get("site_id"):
        check_id(where + "site_id", settings["site_id"])  # "" takes the connector out of its site
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
        raise InvalidOption(
            option, "may hold at most %d dates (after merging), got %d" % (MAX_EMBARGO_DATES, len(unique))
        )
    return unique


def merge_embargo_dates(desired, current, purge, where=""):
    """With ``purge`` false the dates given are added to those present instead of replacing them."""
    given = desired.get("interrupt_window_embargo_dates")
    if given is None or purge or current is None:
        return desired
    merged = check_embargo_dates(list(current.get("interrupt_window_embargo_dates") or []) + given, where)
    return dict(desired, interrupt_window_embargo_dates=merged)


def notes_key(notes):
    """Notes as they are compared: Unicode NFC, without surrounding white space (an API may store them so)."""
    return unicodedata.normalize("NFC", notes).strip() if isinstance(notes, str) else notes


def check_notes_pattern(pattern, option="notes_pattern"):
    """A regular expression (Python syntax) given to filter by notes, compiled; refused before any call if invalid."""
    if pattern is None:
        return None
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise InvalidOption(option, "must be a valid regular expression (%s)" % exc, pattern) from None


def day_rank(day):
    return DAYS.index(day) if day in DAYS else len(DAYS)


@functools.lru_cache(maxsize=1)
def _timezones():
    return frozenset(available_timezones())
