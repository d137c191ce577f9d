# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The generic value rules of the engine, for every resource: which options the user set, the rules every value
meets before any call, which fields differ (nested objects merged whole, lists compared by the resource's
canonical form), what may be written back, and the managed part of an object for diffs."""

from __future__ import annotations

import copy

from ._inputs import InvalidOption


def parent_and_key(obj, path):
    for key in path[:-1]:
        obj = obj.get(key) if isinstance(obj, dict) else None
    return (obj, path[-1]) if isinstance(obj, dict) else (None, path[-1])


def _same(have, want):
    # bool is an int in Python: True must not equal 1. Numbers compare numerically (4 == 4.0).
    if isinstance(have, bool) != isinstance(want, bool):
        return False
    return have == want


def managed_view(obj, desired):
    """The part of ``obj`` that ``desired`` manages: its keys, and inside nested objects only their keys."""
    view = {}
    for key, want in desired.items():
        have = (obj or {}).get(key)
        view[key] = managed_view(have if isinstance(have, dict) else {}, want) if isinstance(want, dict) else have
    return view


def differences(current, desired):
    """The top-level fields of ``desired`` whose values differ from ``current`` (both canonical).

    A nested object differs when any key the user set differs; it is then returned as current merged with
    desired, because the API replaces nested objects whole.
    """
    changes = {}
    for key, want in desired.items():
        have = current.get(key)
        if isinstance(want, dict):
            have = have if isinstance(have, dict) else {}
            if any(not _same(have.get(k), v) for k, v in want.items()):
                merged = dict(have)
                merged.update(want)
                changes[key] = merged
        elif not _same(have, want):
            changes[key] = want
    return changes


_NUMBER_TYPES = {"int": "a whole number", "float": "a number"}


def check_values(argument_spec, params, where="", max_lengths=None):
    """Refuse, naming the option, what an argument spec lets through and the API refuses: a boolean for a number
    (a bool is an int in Python, and YAML reads ``yes``, ``no``, ``true``, ``false`` as booleans), and a string
    longer than ``max_lengths`` allows. Sub-options and the entries of lists of objects are checked too."""
    for option, spec in argument_spec.items():
        value = params.get(option) if isinstance(params, dict) else None
        if value is None:
            continue
        name = where + option
        kind, elements = spec.get("type", "str"), spec.get("elements")
        if kind in _NUMBER_TYPES and isinstance(value, bool):
            raise InvalidOption(
                name,
                "must be %s, not a boolean (YAML reads yes, no, true and false as booleans)" % _NUMBER_TYPES[kind],
                value,
            )
        if kind == "list" and elements in _NUMBER_TYPES and isinstance(value, list):
            for index, item in enumerate(value):
                if isinstance(item, bool):
                    raise InvalidOption(
                        "%s[%d]" % (name, index), "must be %s, not a boolean" % _NUMBER_TYPES[elements], item
                    )
        limit = (max_lengths or {}).get(option)
        if limit is not None and isinstance(value, str) and len(value) > limit:
            raise InvalidOption(
                name, "must be at most %d characters (Cloudflare refuses longer ones), got %d" % (limit, len(value))
            )
        suboptions = spec.get("options")
        if suboptions and kind == "dict" and isinstance(value, dict):
            check_values(suboptions, value, name + ".")
        elif suboptions and kind == "list" and isinstance(value, list):
            for index, item in enumerate(value):
                check_values(suboptions, item, "%s[%d]." % (name, index))


def fields_of(argument_spec):
    """The writable fields of an argument-spec fragment: option -> sorted sub-options (or None)."""
    return dict((name, sorted(spec.get("options") or {}) or None) for name, spec in argument_spec.items())


def desired_from_params(params, fields):
    """The options the user set, among ``fields`` (option -> list of sub-options, or None for a plain value).

    Unset options and unset sub-options (None) are not managed and never sent.
    """
    desired = {}
    for option, suboptions in fields.items():
        value = params.get(option)
        if value is None:
            continue
        if suboptions and isinstance(value, list):  # a list of objects (a LAN's routed_subnets): each one's options
            value = [_set_suboptions(item, suboptions) if isinstance(item, dict) else item for item in value]
        elif suboptions:
            value = _set_suboptions(value, suboptions)
            if not value:
                continue
        desired[option] = value
    return desired


def _set_suboptions(value, suboptions):
    return dict((k, v) for k, v in value.items() if k in suboptions and v is not None)


def writable(changes, fields):
    """Keep only the keys of nested objects that can be written (the sub-options): read-only keys the server
    returned (ids, deprecated fields, computed values) must not be sent back."""
    body = {}
    for key, value in changes.items():
        suboptions = fields.get(key)
        if suboptions and isinstance(value, dict):
            value = dict((k, v) for k, v in value.items() if k in suboptions and v is not None)
        body[key] = value
    return body


def merged(obj, changes):
    merged = copy.deepcopy(obj)
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key].update(value)
        else:
            merged[key] = value
    return merged
