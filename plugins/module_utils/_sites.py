# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Magic WAN sites: where a connector pair is placed and its high availability defined.

Newest published schema (2026-09/10): HA membership lives here - ``connector_id`` (the primary),
``secondary_connector_id`` and ``ha_mode`` - and no longer on connectors. The engine's defaults (find by id or
exact name) serve a site; what differs is said below: ``location`` travels as strings, an empty connector slot is
left out of answers, and a slot may be given as a reference to a connector resolved with one connectors list.
"""

from __future__ import annotations

import copy

from ._connectors import Connectors, select_connector
from ._inputs import InvalidOption, check_id
from ._resource import Resource
from ._site_rules import check_location, number

# The writable options of a site, shared with the argument spec of magic_site.
SITE_ARGUMENT_SPEC = dict(
    name=dict(type="str"),
    description=dict(type="str"),
    ha_mode=dict(type="bool"),
    # Numbers or strings: the API takes strings, YAML users write numbers.
    location=dict(type="dict", options=dict(lat=dict(type="raw"), lon=dict(type="raw"))),
    connector_id=dict(type="str"),
    secondary_connector_id=dict(type="str"),
)
# A connector slot given by reference instead of id: the reference option -> the slot it fills.
REFERENCES = dict(connector="connector_id", secondary_connector="secondary_connector_id")
REFERENCE_KEYS = ("id", "device_serial_number", "notes")
CONNECTOR_REFERENCE_SPEC = dict(
    type="dict",
    options=dict((key, dict(type="str")) for key in REFERENCE_KEYS),
    mutually_exclusive=[REFERENCE_KEYS],
    required_one_of=[REFERENCE_KEYS],
)
REFERENCE_ARGUMENT_SPEC = dict((option, copy.deepcopy(CONNECTOR_REFERENCE_SPEC)) for option in REFERENCES)
SLOTS = tuple(REFERENCES.values())


class Sites(Resource):
    result_key = "magic_site"
    results_key = "magic_sites"
    label = "site"
    path = ("magic", "sites")
    argument_spec = SITE_ARGUMENT_SPEC
    not_found_hint = " (to create one, give its name without id)"

    def check(self, params):
        check_location(params.get("location"))
        for option, slot in REFERENCES.items():
            if params.get(slot) and params.get(option) is None:
                check_id(slot, params[slot])
            if (params.get(option) or {}).get("id") is not None:
                check_id(option + ".id", params[option]["id"])

    def prepare(self, params, current, desired):
        if current is None and params.get("id") is not None:
            return super().prepare(params, current, desired)
        return dict(desired, **resolve_references(Connectors(self.client), params))

    def canonical(self, obj):
        obj = without_nulls(super().canonical(obj))
        if isinstance(obj.get("location"), dict):
            obj["location"] = dict(
                (key, number(value) if number(value) is not None else value) for key, value in obj["location"].items()
            )
        if "id" in obj:
            # An answer leaves an empty slot out; an option clears it with "".
            for slot in SLOTS:
                obj.setdefault(slot, "")
        return obj

    def api_form(self, fields):
        location = fields.get("location")
        if not isinstance(location, dict):
            return fields
        return dict(
            fields,
            location=dict((key, repr(value) if isinstance(value, float) else value) for key, value in location.items()),
        )


def resolve_references(connectors, params):
    """The connector slots given as references (``connector``, ``secondary_connector``), as ids: one connectors list
    call for both, none when no reference is given. A reference that names no connector, or several, is refused
    naming it, before any write."""
    given = dict((option, params[option]) for option in REFERENCES if params.get(option))
    if not given:
        return {}
    listed = connectors.list()
    slots = {}
    for option, reference in given.items():
        key = next(key for key in REFERENCE_KEYS if reference.get(key) is not None)
        found = select_connector(
            listed,
            reference.get("id"),
            None,
            reference.get("device_serial_number"),
            reference.get("notes"),
            where=option + ".",
        )
        if found is None:
            raise InvalidOption(
                "%s.%s" % (option, key),
                "must name an existing connector (none of the account's %d has it)" % len(listed),
                reference[key],
            )
        slots[REFERENCES[option]] = found["id"]
    return slots


def without_nulls(value):
    """``value`` without None anywhere inside: an unset sub-option, or a field an answer holds as null, is unmanaged."""
    if isinstance(value, dict):
        return dict((key, without_nulls(item)) for key, item in value.items() if item is not None)
    if isinstance(value, list):
        return [without_nulls(item) for item in value]
    return value
