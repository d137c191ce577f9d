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
import os
import re
import tempfile
import time
import unicodedata

from ._client import CloudflareAPIError, InvalidOption, Shape, check_id
from ._files import write_atomically
from ._fleet import CREATE, DELETE, UNCHANGED, AfterWriteFailed, Planned
from ._ha_peers import PendingInterrupt, before_interrupt
from ._resource import IncompleteRun, Resource, at_most

try:
    from zoneinfo import available_timezones
except ImportError:  # Python < 3.9 has no zoneinfo: Cloudflare alone judges time zones there.
    def available_timezones():
        return set()

DAYS = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")
# ASSUMPTIONS, each in no published source (docs/api-notes.md lists them): at most 100 embargo dates, an interrupt
# window opening at hour 0 to 23, notes of at most 2048 characters.
MAX_EMBARGO_DATES = 100
MAX_HOUR_OF_DAY = 23
MAX_NOTES_LENGTH = 2048
_DATE_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MANAGED, LICENSED = "MANAGED", "LICENSED"
DEVICE_TYPES = (MANAGED, LICENSED)
#: the options that name a connector by its device or id, in the order they are looked at
IDENTITIES = ("id", "device_id", "device_serial_number")
IDENTITY_ARGUMENT_SPEC = dict((name, dict(type="str")) for name in IDENTITIES)
INTERRUPT_ACTIONS = ("reboot", "restart", "shutdown")
#: waiting for an interrupt to run: the first poll after this many seconds, doubling up to the cap
WAIT_FIRST_POLL, WAIT_MAX_POLL = 1.0, 15.0

# The argument spec of a connector's settings, shared by magic_connector and the fleet module.
SETTINGS_ARGUMENT_SPEC = dict(
    activated=dict(type="bool"),
    notes=dict(type="str"),
    timezone=dict(type="str"),
    interrupt_window_days_of_week=dict(type="list", elements="str"),
    interrupt_window_hour_of_day=dict(type="int"),
    interrupt_window_duration_hours=dict(type="int"),
    interrupt_window_embargo_dates=dict(type="list", elements="str"),
    site_id=dict(type="str"),
    primary=dict(type="bool"),
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
    identities = IDENTITIES + ("notes",)
    # A connector always has its device: an object without one (its device itself, say) is not a connector.
    required_keys = ("id", "device")
    # An assumption: Cloudflare documents no limit; the simulator refuses longer notes.
    max_lengths = {"notes": MAX_NOTES_LENGTH}
    #: set during a run: the id of the connector whose re-key is planned (the diff and msg say so), whether it was
    #: sent, where the new key was saved, and the list the connector was found in (None: found by id)
    _rotating = None
    _rotated = False
    _key_saved_to = None
    listed = None

    def check(self, params):
        self.check_identity(params)
        for option in ("provision_license", "rekey"):
            if params.get("state") == "absent" and params.get(option):
                raise InvalidOption(option, "cannot be used with state=absent")
        if params.get("license_key_dest") is not None:
            if not (params.get("provision_license") or params.get("rekey")):
                raise InvalidOption("license_key_dest", "needs provision_license=true or rekey=true (a key is only "
                                    "generated then)")
            check_key_dest(params["license_key_dest"])

    def desired(self, params):
        return check_settings(self.values(params))

    def find(self, params):
        self.listed = None
        if params.get("device_id") is not None:
            check_id("device_id", params["device_id"])
        if params.get("id") is None:
            self.listed = self.list()
        return find_connector(self, params.get("id"), params.get("device_id"), params.get("device_serial_number"),
                              params.get("notes"), listed=self.listed)

    def prepare(self, params, current, desired):
        if current is None and params["id"] is not None:
            raise InvalidOption("id", "must identify an existing connector (to create one, give device_id, "
                                "device_serial_number, or notes with provision_license=true)", params["id"])
        if current is None and params.get("rekey") and (_named_by_device(params) or not params["provision_license"]):
            option, value = given_identity(params)
            raise InvalidOption("rekey", "re-keys an existing connector, and %s %r names none; nothing was sent (to "
                                "create a connector for a new virtual device, give its notes with provision_license=true)"
                                % (option, value))
        if current is None and not _named_by_device(params) and not params["provision_license"]:
            raise InvalidOption("notes", "match no connector%s: to create one for a new virtual device set "
                                "provision_license=true, or give device_id or device_serial_number"
                                % _near_hint(self.listed, params["notes"]), params["notes"])
        if current is None and not _named_by_device(params):
            _refuse_near_duplicate(self.listed, params["notes"])
        desired = merge_embargo_dates(desired, current, params["purge_embargo_dates"])
        if self._rekeys(params, current) and device_of(current).get("type") != LICENSED:
            raise InvalidOption("rekey" if params.get("rekey") else "provision_license", "re-keys only connectors of "
                                "virtual (LICENSED) devices; connector %s belongs to a %s device"
                                % (current["id"], device_of(current).get("type")))
        if params["provision_license"] and current is None and _named_by_device(params):
            # Cloudflare publishes no way to read a device's type before a create: the device may be hardware,
            # and a create that landed could not be given a key. Nothing is sent.
            option, value = given_identity(params)
            raise InvalidOption("provision_license", "with %s %r, which has no connector yet, is refused before any "
                                "write: Cloudflare tells a device's type (hardware or virtual) only once a connector "
                                "exists. Create the connector first without provision_license, then re-key it with "
                                "provision_license=true (virtual devices only); or leave out %s to create a connector "
                                "for a new virtual device" % (option, value, option))
        return desired

    def create_body(self, params):
        """The ``device`` of a create: exactly one of id, serial number, or a new licensed virtual device."""
        if params["device_id"] is not None:
            return dict(device=dict(id=params["device_id"]))
        if params["device_serial_number"] is not None:
            return dict(device=dict(serial_number=params["device_serial_number"]))
        return dict(device=dict(provision_license=True))

    def create(self, body):
        try:
            return super().create(body)
        except CloudflareAPIError as error:
            # A 404 is a definite answer: nothing was created. Say which device Cloudflare does not know.
            device = body.get("device") or {}
            if error.status != 404 or error.outcome_unknown or not (device.get("serial_number") or device.get("id")):
                raise
            option, value = (("device_serial_number", device["serial_number"]) if device.get("serial_number")
                             else ("device_id", device["id"]))
            raise InvalidOption(option, "names no device Cloudflare knows for this account (%s): no connector was "
                                "created" % error, value) from None

    def forced(self, params, current):
        self._rotating = current["id"] if self._rekeys(params, current) else None
        return dict(provision_license=True) if self._rotating else {}

    def settle(self, params, current, after):
        key_asked = params.get("provision_license") and current is None or self._rekeys(params, current)
        warning = None
        if key_asked:
            self._rotated = bool(self._rotating)
            try:
                after, warning = settle_license_key(self, after, params.get("license_key_dest"), "license_key_dest")
            except KeyNotSaved as failure:
                raise IncompleteRun(failure.msg, dict(failure.extra, changed=True,
                                                      magic_connector=self.masked(failure.after))) from None
            self._key_saved_to = params.get("license_key_dest")
        if current is None and not _named_by_device(params):
            check_created_notes(self, params["notes"], after, warning)
        return after, warning

    def reported(self):
        reported = dict(license_key_dest=self._key_saved_to) if self._key_saved_to else {}
        if self._rotating:
            reported["msg"] = ("connector %s: license key rotated (the previous key stopped working at once)" % self._rotating
                               if self._rotated else "connector %s: the license key would be rotated (check mode: "
                               "nothing was sent)" % self._rotating)
        return reported

    def outcome(self, before, after, desired, diff_mode, key=None):
        result = super().outcome(before, after, desired, diff_mode, key)
        if diff_mode and self._rotating:
            result["diff"]["before"]["license_key"] = "(current key: revoked at once and for good by the re-key)"
            result["diff"]["after"]["license_key"] = "(key will be rotated: a new key, generated by Cloudflare)"
        return result

    @staticmethod
    def _rekeys(params, current):
        """A new license key for an existing connector: ``rekey`` (found by any identity), or ``provision_license``
        on a connector found by its device or id (its meaning since 0.1.0)."""
        if current is None:
            return False
        return bool(params.get("rekey")) or bool(params.get("provision_license")) and _named_by_device(params)

    def select(self, params):
        pattern = check_notes_pattern(params.get("notes_pattern"))
        listed = self.list(params={"device_type": params["device_type"]} if params["device_type"] else None)
        found = [
            c for c in listed
            if params["id"] in (None, c.get("id"))
            and (params["device_serial_number"] is None
                 or serial_key(device_of(c).get("serial_number")) == serial_key(params["device_serial_number"]))
            and params["activated"] in (None, c.get("activated"))
            and (params.get("notes") is None or notes_key(c.get("notes")) == notes_key(params["notes"]))
            and (pattern is None or pattern.search(c.get("notes") or ""))
        ]
        if params.get("notes") is not None and not found:
            hint = _near_hint(listed, params["notes"])
            if hint:
                self.warn("notes %r match no connector exactly%s" % (params["notes"], hint))
        if params["telemetry"]:
            for connector in found:
                connector["telemetry_latest"] = self.client.get(
                    self.path_of(connector["id"], "telemetry", "snapshots", "latest"))
        return found

    def shown(self, obj):
        return self.masked(obj, one_time_too=True)

    def canonical(self, obj):
        obj = super().canonical(obj)
        days = obj.get("interrupt_window_days_of_week")
        if isinstance(days, list):
            # Week order, not alphabetical: deterministic and readable in bodies and diffs.
            obj["interrupt_window_days_of_week"] = sorted(days, key=_day_rank)
        if isinstance(obj.get("notes"), str):
            obj["notes"] = notes_key(obj["notes"])
        if "id" in obj:
            # Cloudflare's defaults, should an answer leave them out: no site (""), and primary.
            if obj.get("site_id") is None:
                obj["site_id"] = ""
            if obj.get("primary") is None:
                obj["primary"] = True
        return obj

    # --- interrupts: an action, not a state --------------------------------------------------------

    def interrupts(self, connector_id):
        """The connector's interrupts, oldest first as Cloudflare lists them."""
        return self.client.get(self.path_of(connector_id, "interrupts"), shape=Shape(list))

    def interrupt(self, params, check_mode, warn):
        """Submit (or in check mode only judge) a reboot, restart or shutdown of the connector the options name.

        Cloudflare runs it at the appliance's next check-in and allows one pending operation per connector: the
        interrupts are read first, so a pending one fails the task before anything is sent. The POST is never
        repeated; when its outcome is unknown, the interrupts tell what happened.
        """
        self.check_identity(params)
        if params.get("wait") and params["wait_timeout"] < 1:
            raise InvalidOption("wait_timeout", "must be at least 1 (seconds)", params["wait_timeout"])
        connector = self.find(params)
        if connector is None:
            option, value = given_identity(params)
            raise InvalidOption(option, "must identify an existing connector", value)
        name = "connector %r (%s)" % (connector.get("notes") or "", connector["id"])
        before = self.interrupts(connector["id"])
        done, before = before_interrupt(self, connector, before, params, check_mode, warn)  # if_pending, HA peers
        if done is not None:
            return done
        pending = _pending(before)
        if pending:
            raise PendingInterrupt("action", "cannot be submitted to %s: %s. Nothing was sent"
                                   % (name, _pending_text(pending)))
        body = {params["action"]: {"purge": params["purge"]}}
        result = dict(changed=True, magic_connector=self.shown(connector))
        if check_mode:
            return dict(result, magic_connector_interrupt=body, msg="would submit a %s to %s" % (params["action"], name))
        try:
            sent = self.client.post(self.path_of(connector["id"], "interrupts"), body, shape=Shape(dict))
        except CloudflareAPIError as error:
            sent = self._interrupt_outcome(error, connector["id"], name, before, params["action"], warn)
        result.update(magic_connector_interrupt=sent, msg="%s submitted to %s" % (params["action"], name))
        if params.get("wait"):
            triggered = self._wait_for(connector["id"], sent, params["wait_timeout"], name, result)
            result.update(magic_connector_interrupt=triggered, msg="%s of %s ran at %s"
                          % (params["action"], name, triggered.get("triggered_at")))
        return result

    def _interrupt_outcome(self, error, connector_id, name, before, action, warn):
        """The interrupt a failed POST submitted after all (its outcome unknown), or the right failure."""
        if error.status == 409:
            try:
                pending = _pending(self.interrupts(connector_id))
            except CloudflareAPIError:
                pending = None
            since = _pending_text(pending) if pending else "Cloudflare says another operation is pending"
            raise PendingInterrupt("action", "cannot be submitted to %s: %s (%s). Nothing was written" % (name, since, error)) from None
        if not error.outcome_unknown:
            raise error
        try:
            now = self.interrupts(connector_id)
        except CloudflareAPIError:
            raise error from None
        known = set(item.get("submitted_at") for item in before)
        new = [item for item in now if item.get("submitted_at") not in known and action in item]
        if not new:
            error.message += (". The connector's interrupts, read right after, show no new %s: most likely it was "
                              "not received. It was not sent again" % action)
            raise error
        warn("%s: the answer to the %s was lost (%s), but a re-read shows the change landed: the connector's "
             "interrupts show it was received (submitted at %s); it was not sent again"
             % (name, action, error, new[-1].get("submitted_at")))
        return new[-1]

    def _wait_for(self, connector_id, sent, timeout, name, result):
        """Poll the interrupts until the one submitted has ``triggered_at``; fail (changed) after ``timeout`` s."""
        deadline = time.monotonic() + timeout
        interval, waited = WAIT_FIRST_POLL, 0.0
        result = dict((k, v) for k, v in result.items() if k != "msg")  # a failure's msg says what happened
        while True:
            try:
                listed = self.interrupts(connector_id)
            except CloudflareAPIError as error:
                raise IncompleteRun("%s: the interrupt was submitted (at %s), but waiting for it to run failed: %s"
                                    % (name, sent.get("submitted_at"), error), result) from None
            found = [item for item in listed if item.get("submitted_at") == sent.get("submitted_at")]
            if found and found[-1].get("triggered_at"):
                return found[-1]
            left = min(deadline - time.monotonic(), timeout - waited)
            if left <= 0:
                raise IncompleteRun("%s: the interrupt submitted at %s has not run within wait_timeout=%g s (it runs "
                                    "when the appliance next checks in; it stays pending, do not submit it again)"
                                    % (name, sent.get("submitted_at"), timeout), result)
            pause = min(interval, left)
            time.sleep(pause)
            waited += pause
            interval = min(interval * 2, WAIT_MAX_POLL)


def _named_by_device(params):
    return any(params.get(k) is not None for k in IDENTITIES)


def _pending(interrupts):
    """The interrupts not run yet (no ``triggered_at``)."""
    return [item for item in interrupts if not item.get("triggered_at")]


def _pending_text(pending):
    item = pending[-1]
    action = next((key for key in INTERRUPT_ACTIONS if key in item), "an operation")
    return ("a %s is already pending since %s (Cloudflare runs it when the appliance next checks in, and allows one "
            "pending operation per connector)" % (action, item.get("submitted_at") or "an unknown time"))


def check_key_dest(path, option="license_key_dest"):
    """``license_key_dest`` must be a file path in a writable directory: checked before any call (by creating and
    removing a temporary file there, the one test that permissions, ACLs and read-only mounts cannot fool), so a
    key is never generated that cannot be saved."""
    if os.path.isdir(path):
        raise InvalidOption(option, "must be a file path, not a directory", path)
    check_key_dir(os.path.dirname(os.path.abspath(path)), option, path)


def check_key_dir(folder, option, value=None):
    """The directory ``folder`` exists and this user can create files in it (checked by doing so)."""
    value = folder if value is None else value
    if not os.path.isdir(folder):
        raise InvalidOption(option, "must be in an existing directory (%s does not exist)" % folder, value)
    try:
        handle, probe = tempfile.mkstemp(prefix=".license-key-probe-", dir=folder)
    except OSError as exc:
        raise InvalidOption(option, "must be in a directory this user can write (%s: %s); nothing was "
                            "sent" % (folder, exc.strerror or exc), value) from None
    os.close(handle)
    os.unlink(probe)


def save_license_key(path, key):
    """Write the key atomically with mode 0600 (only this user can read it)."""
    write_atomically(path, (key + "\n").encode("utf-8"), 0o600)


def rescue_license_key(dest, key):
    """After ``dest`` could not be written: the key in a new file of mode 0600 next to it, else in this user's
    temporary directory. Returns the file's path, or None when neither could be written."""
    name = os.path.basename(dest) or "license"
    for folder in (os.path.dirname(os.path.abspath(dest)), tempfile.gettempdir()):
        try:
            handle, path = tempfile.mkstemp(prefix=name + ".unsaved-", suffix=".key", dir=folder)  # created 0600
        except OSError:
            continue
        try:
            with os.fdopen(handle, "wb") as stream:
                stream.write((key + "\n").encode("utf-8"))
                stream.flush()
                os.fsync(stream.fileno())
            return path
        except OSError:
            try:
                os.unlink(path)
            except OSError:
                pass
    return None


class KeyNotSaved(AfterWriteFailed):
    """A license key was generated but could not be written where the options said: the message says where it is
    (``extra``: ``license_key_fallback``, when a fallback file holds it)."""

    def __init__(self, msg, connector, fallback):
        super().__init__(msg, connector, dict(license_key_fallback=fallback) if fallback else {})


def settle_license_key(resource, after, dest, option):
    """After a write that generates a license key: ``(connector, warning)``, the key written to ``dest`` (when given)
    and left out of the connector. A key whose answer was lost is replaced once (Cloudflare never shows a key twice).

    A key meant for a file is masked in every output of the run (``resource.hide``) from the moment it arrives. When
    ``dest`` cannot be written after all (its directory was probed before any call, but a file can become immutable,
    a disk full), the key goes to a 0600 file next to it, else in the temporary directory, and ``KeyNotSaved`` says
    where; should that fail too, the key is nowhere and the message says so."""
    warning = None
    if not after.get("license_key"):
        # The answer that carried the key was lost (a re-read confirmed the write), or the create named an existing
        # virtual device: Cloudflare never shows a key again, so a fresh one is generated now (once).
        after = resource.update(after["id"], dict(provision_license=True))
        warning = "connector %s: no license key came back, so it was re-keyed once; the new key is in %s" % (
            after["id"], dest or "the result")
    if not dest or not after.get("license_key"):
        return after, warning
    after = dict(after)
    key = after.pop("license_key")
    resource.hide(key)
    try:
        save_license_key(dest, key)
    except OSError as exc:
        fallback = rescue_license_key(dest, key)
        where = ("it was saved to %s (mode 0600) instead: move it there" % fallback if fallback else
                 "no other file could be written either (next to it, or in the temporary directory), so the key is "
                 "not kept anywhere and is masked in this output: re-key the connector (rekey=true) once the "
                 "destination can be written")
        raise KeyNotSaved("connector %s: its new license key (the previous one no longer works) could not be written "
                          "to %s %s (%s); %s" % (after["id"], option, dest, exc.strerror or exc, where)
                          + (". " + warning if warning else ""), after, fallback) from None
    return after, warning


def notes_key(notes):
    """Notes as they are compared: Unicode NFC, without surrounding white space (an API may store them so)."""
    return unicodedata.normalize("NFC", notes).strip() if isinstance(notes, str) else notes


def _loose_notes_key(notes):
    """Notes compared loosely (to warn, never to match): also without case and with runs of white space as one."""
    return " ".join(notes_key(notes).split()).casefold() if isinstance(notes, str) else None


def near_matches(connectors, notes):
    """The connectors whose notes nearly equal ``notes``: the same but for case or white space, or containing them
    (or contained in them)."""
    wanted = _loose_notes_key(notes)
    found = []
    for connector in connectors or ():
        have = _loose_notes_key(connector.get("notes"))
        exact = notes_key(connector.get("notes")) == notes_key(notes)
        if have and wanted and not exact and (have == wanted or wanted in have or have in wanted):
            found.append(connector)
    return found


def _near_hint(connectors, notes):
    near = near_matches(connectors, notes)
    if not near:
        return ""
    return " (near matches: %s)" % at_most(near, name=lambda c: "%r (%s)" % (c.get("notes"), c.get("id")))


def _refuse_near_duplicate(connectors, notes, where=""):
    """Before creating a connector named by ``notes``: refuse when one exists whose notes differ only by case or white
    space (a create would make a second connector, and a second license, for what is likely the same appliance)."""
    same = [c for c in connectors or () if _loose_notes_key(c.get("notes")) == _loose_notes_key(notes)]
    if same:
        raise InvalidOption(where + "notes", "match no connector exactly, but %s differ only by case or white space; "
                            "nothing was created (give the notes as they are, or the connector's id)"
                            % at_most(same, name=lambda c: "the notes %r of connector %s" % (c.get("notes"), c["id"])),
                            notes)


def check_created_notes(resource, notes, after, warning=None):
    """After a create named by ``notes``: the answer must carry the same notes (after ``notes_key``), or the next run
    would not find the connector and would create another (with another license): then the run fails, naming it."""
    if notes_key(after.get("notes")) == notes_key(notes):
        return
    raise IncompleteRun("connector %s was created, but Cloudflare stored its notes as %r instead of %r: a run naming "
                        "it by these notes would not find it and would create another connector. Name it by id %s, or "
                        "by the notes Cloudflare stored%s" % (after["id"], after.get("notes"), notes, after["id"],
                                                              ". " + warning if warning else ""),
                        dict(changed=True, magic_connector=resource.masked(after)))


def check_notes_pattern(pattern, option="notes_pattern"):
    """A regular expression (Python syntax) given to filter by notes, compiled; refused before any call if invalid."""
    if pattern is None:
        return None
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise InvalidOption(option, "must be a valid regular expression (%s)" % exc, pattern) from None


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
                raise InvalidOption(where + "interrupt_window_days_of_week", "must list days of the week (%s)"
                                    % ", ".join(DAYS), day)
            canonical_days.add(name)
        settings["interrupt_window_days_of_week"] = sorted(canonical_days, key=_day_rank)
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
    for option, wanted, value_of, key in (
        ("id", connector_id, lambda c: c.get("id"), _same_value),
        ("device_id", device_id, lambda c: device_of(c).get("id"), _same_value),
        ("device_serial_number", serial_number, lambda c: device_of(c).get("serial_number"), serial_key),
        ("notes", notes, lambda c: c.get("notes"), notes_key),
    ):
        if wanted is not None:
            break
    found = [c for c in connectors if key(value_of(c)) == key(wanted)]
    if len(found) > 1:
        # Values that match without being equal (case, Unicode form, spaces) are shown: the error names both.
        alike = len(set(value_of(c) for c in found)) == 1
        raise InvalidOption(where + option, "matches %d connectors (%s): identify the connector by id or device"
                            % (len(found), at_most(found, name=lambda c: c["id"] if alike else "%s with %r"
                                                   % (c["id"], value_of(c)))), wanted)
    connector = found[0] if found else None
    if connector is not None:
        check_same_device(connector, device_id, serial_number, where)
    return connector


def _same_value(value):
    return value


def serial_key(serial):
    """Serial numbers are compared without case: two that differ only by case name one device (or are refused)."""
    return serial.casefold() if isinstance(serial, str) else serial


def check_same_device(connector, device_id=None, serial_number=None, where=""):
    device = device_of(connector)
    for option, key, wanted, same in (("device_id", "id", device_id, _same_value),
                                      ("device_serial_number", "serial_number", serial_number, serial_key)):
        if wanted is not None and same(device.get(key)) != same(wanted):
            raise InvalidOption(where + option, "cannot change: connector %s belongs to the device with %s %r; a "
                                "connector's device is fixed (delete the connector and create a new one)"
                                % (connector["id"], key, device.get(key)), wanted)


def find_connector(resource, connector_id=None, device_id=None, serial_number=None, notes=None, listed=None):
    """The connector with this id (one GET), or with this device or these notes (one list call, unless ``listed`` is
    the list)."""
    if device_id is not None:
        check_id("device_id", device_id)
    if connector_id is not None:
        connector = resource.get(check_id("id", connector_id))
        if connector is not None:
            check_same_device(connector, device_id, serial_number)
        return connector
    return select_connector(resource.list() if listed is None else listed, None, device_id, serial_number, notes)


def plan_fleet(resource, entries, purge_default, create_missing=False, listed=None, key_dir=None):
    """Check every entry, list the connectors once (unless ``listed`` holds the list this run just made), and plan
    each entry (an update, a create for a device that has no connector yet with ``create_missing``, a create for a new
    virtual device with ``provision_license``, or a delete for ``state: absent``). Raises ``InvalidOption`` before any
    write for a bad value, an identity that names no connector (or several), two entries naming the same connector or
    device, or a license key file that could not be written (``key_dir``: the task's ``license_key_dir``)."""
    settings = []
    key_files = check_key_files(entries, key_dir)
    for index, entry in enumerate(entries):
        where = "connectors[%d]." % index
        for option in ("id", "device_id"):
            if entry.get(option) is not None:
                check_id(where + option, entry[option])
        desired = check_settings(resource.values(entry, where), where)
        if entry.get("state") == "absent":
            extra = sorted(k for k in desired if not (k == "notes" and not _named_by_device(entry)))
            if extra or entry.get("purge_embargo_dates") is not None:
                raise InvalidOption(where + (extra[0] if extra else "purge_embargo_dates"),
                                    "cannot be used with state=absent (the connector is deleted)")
        settings.append(desired)

    connectors = resource.list() if listed is None else listed
    plans, seen = [], {}
    for index, (entry, desired) in enumerate(zip(entries, settings)):
        where = "connectors[%d]." % index
        by_notes = not _named_by_device(entry)
        current = select_connector(connectors, entry.get("id"), entry.get("device_id"), entry.get("device_serial_number"),
                                   entry.get("notes") if by_notes else None, where=where)
        if current is None and entry.get("provision_license"):
            plan = _new_virtual(resource, connectors, index, entry, desired, key_files[index], where)
            key = ("notes", notes_key(entry["notes"]))
        elif current is None:
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
                                % (key if isinstance(key, str) else "%s %s" % key, seen[key]))
        seen[key] = index
        plans.append(plan)
    return plans


def key_file_name(notes):
    """The file name of a license key in ``license_key_dir``: the entry's notes (NFC, trimmed), every character but
    letters, digits, ``.``, ``_`` and ``-`` replaced by ``_``, a leading dot too (no hidden files), then ``.key``."""
    name = re.sub(r"[^A-Za-z0-9._-]", "_", notes_key(notes))
    return re.sub(r"^\.", "_", name) + ".key"


def check_key_files(entries, key_dir):
    """The license key file of each entry (None when it gets no key), checked before any call: ``provision_license``
    only on entries named by their notes alone, a destination for each (its own ``license_key_dest`` or the task's
    ``license_key_dir``), each directory writable (probed once), no two entries writing the same file."""
    if key_dir is not None:
        if not os.path.isdir(key_dir):
            raise InvalidOption("license_key_dir", "must be an existing directory", key_dir)
        check_key_dir(key_dir, "license_key_dir")
    files, seen, probed = [], {}, set()
    for index, entry in enumerate(entries):
        where = "connectors[%d]." % index
        dest = entry.get("license_key_dest")
        if not entry.get("provision_license"):
            if dest is not None:
                raise InvalidOption(where + "license_key_dest", "needs provision_license=true (a key is only generated "
                                    "then)", dest)
            files.append(None)
            continue
        if entry.get("state") == "absent":
            raise InvalidOption(where + "provision_license", "cannot be used with state=absent")
        if _named_by_device(entry) or entry.get("notes") is None:
            raise InvalidOption(where + "provision_license", "creates a connector for a new virtual device, named by its "
                                "notes alone: give notes and no id, device_id or device_serial_number (to re-key an "
                                "existing connector, use cloudflare.magic_transit.magic_connector with rekey=true)")
        if dest is None and key_dir is None:
            raise InvalidOption(where + "provision_license", "needs a file for the license key: the entry's "
                                "license_key_dest or the task's license_key_dir (a fleet's result never holds keys)")
        if dest is None:
            dest = os.path.join(key_dir, key_file_name(entry["notes"]))
        elif os.path.dirname(os.path.abspath(dest)) in probed:
            if os.path.isdir(dest):
                raise InvalidOption(where + "license_key_dest", "must be a file path, not a directory", dest)
        else:
            check_key_dest(dest, where + "license_key_dest")
            probed.add(os.path.dirname(os.path.abspath(dest)))
        real = os.path.realpath(dest)
        if real in seen:
            raise InvalidOption(where + "license_key_dest", "is the same file as the key of connectors[%d] (%s)"
                                % (seen[real], dest), dest)
        seen[real] = index
        files.append(dest)
    return files


def _new_virtual(resource, connectors, index, entry, desired, dest, where):
    """The plan of an entry with ``provision_license`` whose notes name no connector: a create for a new virtual
    device, whose license key goes to ``dest``."""
    _refuse_near_duplicate(connectors, entry["notes"], where)
    body = resource.api_form(dict(desired, **resource.create_body(entry)))
    notes = entry["notes"]

    def settle(after):
        after, warning = settle_license_key(resource, after, dest, where + "license_key_dest")
        try:
            check_created_notes(resource, notes, after, warning)
        except IncompleteRun as failure:
            raise AfterWriteFailed(failure.msg, after, dict(license_key_dest=dest)) from None
        return after, warning

    plan = Planned(index, None, desired, None, dict(desired), body, action=CREATE,
                   name="new virtual connector %r" % notes_key(notes), settle=settle,
                   reread=lambda: select_connector(resource.list(), notes=notes))
    plan.extra["license_key_dest"] = dest
    return plan


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
