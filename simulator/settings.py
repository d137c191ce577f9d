# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Behaviour switches of the simulated API (``GET``/``PUT /__admin/settings``, command line defaults).

* ``interrupt_delay``: seconds after its submission at which a pending interrupt runs (gets ``triggered_at``);
  ``"never"`` keeps every new interrupt pending (command line: ``--interrupt-delay never`` or a negative number).
* ``strict_devices``: a create naming an unknown hardware serial number answers 404 instead of registering it.
* ``heartbeat_interval``: seconds between an appliance's heartbeats (``last_heartbeat`` advances with the clock);
  ``0`` freezes every heartbeat at its stored value (see simulator/appliances.py).
* ``interrupt_downtime``: seconds an appliance is away (no heartbeat) after a reboot or restart ran.
* ``connector_schema``: ``2026-10`` (the default: the newest published schema, neither ``site_id`` nor ``primary``
  in answers, both refused in writes; HA membership lives on sites) or ``2026-08`` (the older form that carries
  them, for tests about those two fields).
"""

import math
import threading

NEVER = "never"
KEYS = ("interrupt_delay", "strict_devices", "heartbeat_interval", "interrupt_downtime", "connector_schema")
CONNECTOR_SCHEMAS = ("2026-08", "2026-10")
NEWEST_CONNECTOR_SCHEMA = "2026-10"


class SettingsError(ValueError):
    """An invalid setting (answered 400 by the admin API, fatal on the command line)."""


def interrupt_delay(value):
    """``"never"`` or a negative number -> None (never runs); a number of seconds >= 0 -> float."""
    if isinstance(value, str):
        text = value.strip().lower()
        if text == NEVER:
            return None
        try:
            value = float(text)
        except ValueError:
            raise SettingsError('interrupt_delay must be a number of seconds or "never", got %r' % value) from None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise SettingsError('interrupt_delay must be a number of seconds or "never", got %r' % (value,))
    return None if value < 0 else float(value)


def seconds(name, value):
    """A finite number of seconds >= 0 (strings of numbers too, for the command line)."""
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            raise SettingsError("%s must be a number of seconds >= 0, got %r" % (name, value)) from None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
        raise SettingsError("%s must be a number of seconds >= 0, got %r" % (name, value))
    return float(value)


def _normalise(raw, base):
    if not isinstance(raw, dict):
        raise SettingsError("the settings must be an object")
    unknown = sorted(set(raw) - set(KEYS))
    if unknown:
        raise SettingsError("unknown settings: %s (known: %s)" % (", ".join(unknown), ", ".join(KEYS)))
    settings = dict(base)
    if "interrupt_delay" in raw:
        settings["interrupt_delay"] = interrupt_delay(raw["interrupt_delay"])
    if "strict_devices" in raw:
        if not isinstance(raw["strict_devices"], bool):
            raise SettingsError("strict_devices must be true or false")
        settings["strict_devices"] = raw["strict_devices"]
    for key in ("heartbeat_interval", "interrupt_downtime"):
        if key in raw:
            settings[key] = seconds(key, raw[key])
    if "connector_schema" in raw:
        settings["connector_schema"] = connector_schema(raw["connector_schema"])
    return settings


def connector_schema(value):
    if value not in CONNECTOR_SCHEMAS:
        raise SettingsError("connector_schema must be one of %s, got %r" % (", ".join(CONNECTOR_SCHEMAS), value))
    return value


class Settings:
    """The current settings; ``reset`` returns to the command line's."""

    def __init__(
        self,
        interrupt_delay_s=0.0,
        strict_devices=False,
        heartbeat_interval_s=0.0,
        interrupt_downtime_s=30.0,
        connector_schema_name=NEWEST_CONNECTOR_SCHEMA,
    ):
        self._lock = threading.Lock()
        self._defaults = {
            "interrupt_delay": interrupt_delay_s,
            "strict_devices": strict_devices,
            "heartbeat_interval": heartbeat_interval_s,
            "interrupt_downtime": interrupt_downtime_s,
            "connector_schema": connector_schema_name,
        }
        self._current = dict(self._defaults)

    @property
    def interrupt_delay(self):
        """Seconds, or None for never."""
        return self._current["interrupt_delay"]

    @property
    def strict_devices(self):
        return self._current["strict_devices"]

    @property
    def heartbeat_interval(self):
        return self._current["heartbeat_interval"]

    @property
    def interrupt_downtime(self):
        return self._current["interrupt_downtime"]

    @property
    def newest_connector_schema(self):
        return self._current["connector_schema"] == NEWEST_CONNECTOR_SCHEMA

    def update(self, raw):
        """Change the given keys (others keep their value); raises SettingsError."""
        with self._lock:
            self._current = _normalise(raw, self._current)

    def reset(self):
        with self._lock:
            self._current = dict(self._defaults)

    def snapshot(self):
        with self._lock:
            delay = self._current["interrupt_delay"]
            return {
                "interrupt_delay": NEVER if delay is None else delay,
                "strict_devices": self._current["strict_devices"],
                "heartbeat_interval": self._current["heartbeat_interval"],
                "interrupt_downtime": self._current["interrupt_downtime"],
                "connector_schema": self._current["connector_schema"],
            }
