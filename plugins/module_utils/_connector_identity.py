# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""How options name a connector: by id, by its device (id or serial number), or by its exact notes; and one way to
name a connector for people is ``_hostnames.describe``.

A connector's device never changes: every device identity given must match the connector found.
"""

from __future__ import annotations

from ._change import at_most
from ._connector_settings import notes_key
from ._hostnames import device_of
from ._inputs import InvalidOption, check_id

#: the options that name a connector by its device or id, in the order they are looked at
IDENTITIES = ("id", "device_id", "device_serial_number")
IDENTITY_ARGUMENT_SPEC = dict((name, dict(type="str")) for name in IDENTITIES)


def named_by_device(params):
    return any(params.get(k) is not None for k in IDENTITIES)


def given_identity(params):
    """The first identity option the user gave, and its value."""
    option = next(k for k in IDENTITIES + ("notes",) if params.get(k) is not None)
    return option, params[option]


def select_connector(connectors, connector_id=None, device_id=None, serial_number=None, notes=None, where=""):
    """The one connector among ``connectors`` that the first identity given names (id, device id, serial
    number, then notes), or None. Every other device identity given must match it: a connector's device never
    changes. Raises ``InvalidOption`` when several connectors match."""
    option, wanted, value_of, key = next(
        row
        for row in (
            ("id", connector_id, lambda c: c.get("id"), _same_value),
            ("device_id", device_id, lambda c: device_of(c).get("id"), _same_value),
            ("device_serial_number", serial_number, lambda c: device_of(c).get("serial_number"), serial_key),
            ("notes", notes, lambda c: c.get("notes"), notes_key),
        )
        if row[1] is not None or row[0] == "notes"
    )
    found = [c for c in connectors if key(value_of(c)) == key(wanted)]
    if len(found) > 1:
        # Values that match without being equal (case, Unicode form, spaces) are shown: the error names both.
        alike = len(set(value_of(c) for c in found)) == 1
        raise InvalidOption(
            where + option,
            "matches %d connectors (%s): identify the connector by id or device"
            % (len(found), at_most(found, name=lambda c: c["id"] if alike else "%s with %r" % (c["id"], value_of(c)))),
            wanted,
        )
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
    for option, key, wanted, same in (
        ("device_id", "id", device_id, _same_value),
        ("device_serial_number", "serial_number", serial_number, serial_key),
    ):
        if wanted is not None and same(device.get(key)) != same(wanted):
            raise InvalidOption(
                where + option,
                "cannot change: connector %s belongs to the device with %s %r; a "
                "connector's device is fixed (delete the connector and create a new one)"
                % (connector["id"], key, device.get(key)),
                wanted,
            )


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


def near_hint(connectors, notes):
    near = near_matches(connectors, notes)
    if not near:
        return ""
    return " (near matches: %s)" % at_most(near, name=lambda c: "%r (%s)" % (c.get("notes"), c.get("id")))


def refuse_near_duplicate(connectors, notes, where=""):
    """Before creating a connector named by ``notes``: refuse when one exists whose notes differ only by case or white
    space (a create would make a second connector, and a second license, for what is likely the same appliance)."""
    same = [c for c in connectors or () if _loose_notes_key(c.get("notes")) == _loose_notes_key(notes)]
    if same:
        raise InvalidOption(
            where + "notes",
            "match no connector exactly, but %s differ only by case or white space; "
            "nothing was created (give the notes as they are, or the connector's id)"
            % at_most(same, name=lambda c: "the notes %r of connector %s" % (c.get("notes"), c["id"])),
            notes,
        )
