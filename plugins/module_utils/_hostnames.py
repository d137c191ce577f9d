# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The names of a connector: for people (``connector_name``) and as a host (``connector_host_names``).

``connector_name`` is how every message, report and plan names a connector for people. The host name is one function
for the inventory plugin and the Event-Driven Ansible source: the events source puts these names in ``meta.hosts`` so
that a rule's job runs on the hosts the inventory plugin made, so both must name every connector the same way.

Standard library only: the events source runs where ansible-rulebook runs.
"""

from __future__ import annotations

import re

#: the choices of the ``hostname`` option, of the inventory plugin and of the events source
HOSTNAME_CHOICES = ("serial_number", "id", "notes")
# The groups the inventory plugin adds (timezone_<zone> and site_<name> too) and the names Ansible gives a meaning (its implicit
# localhost is ansible.constants.LOCALHOST; module_utils cannot import the controller's constants): no host takes them.
DEFAULT_GROUPS = ("connectors", "activated", "not_activated", "managed", "licensed")
LOCALHOST_NAMES = ("127.0.0.1", "localhost", "::1")
RESERVED_NAMES = frozenset(("all", "ungrouped") + DEFAULT_GROUPS + LOCALHOST_NAMES)
# What a host name keeps: letters, digits, dot, underscore, dash and inner single spaces. Anything else (a comma, a
# colon, !, &, *, ~, brackets: the syntax of host patterns; control characters) becomes an underscore.
_UNSAFE_IN_NAMES = re.compile(r"[^A-Za-z0-9._ -]+")


def safe_host_name(name):
    """A name as a host can carry it: unsafe characters replaced, white space collapsed, ends trimmed ("" if none)."""
    name = _UNSAFE_IN_NAMES.sub("_", " ".join(str(name).split()))
    return name.strip(" _")


# Prefixes of the groups the inventory plugin names from data (time zones, Magic WAN sites).
GROUP_PREFIXES = ("timezone_", "site_")


def reserved_name(name):
    lowered = name.lower()
    return lowered in RESERVED_NAMES or lowered.startswith(GROUP_PREFIXES)


def device_of(connector):
    """The connector's ``device`` (``{}`` when the API lists none)."""
    device = connector.get("device")
    return device if isinstance(device, dict) else {}


def connector_name(connector, with_id=False):
    """How people know a connector: its notes, else its device's serial number, else its id. ``with_id`` adds the id
    in brackets (``ber-01 (0123...)``) where a message must point at one connector; a name that is the id is not
    repeated."""
    name = connector.get("notes") or device_of(connector).get("serial_number") or connector.get("id")
    name = name if isinstance(name, str) else str(name)
    if with_id and name != str(connector.get("id")):
        return "%s (%s)" % (name, connector.get("id"))
    return name


def describe(connector):
    """A connector in a sentence, ``connector 'ber-01' (0123...)``: named as ``connector_name`` names it, with its id."""
    return "connector %r (%s)" % (connector_name(connector), connector.get("id"))


def connector_host_name(connector, choice, taken, groups=()):
    """``(name, warnings)``: the host name of one connector, or None to leave it out, and what to tell the user.

    ``choice`` is ``serial_number``, ``id`` or ``notes``; ``taken`` the names already given; ``groups`` the group
    names of the inventory (no host may take one). A name that is not safe is sanitised; one that is reserved
    (``all``, ``localhost``, a group) or taken falls back to the connector id; each with a warning naming the
    connector.
    """
    if choice == "serial_number":
        given = device_of(connector).get("serial_number")
    elif choice == "notes":
        given = connector.get("notes")
    else:
        given = connector.get("id")
    given = " ".join(given.split()) if isinstance(given, str) else ""
    name, connector_id = safe_host_name(given), safe_host_name(connector.get("id"))
    what = "connector %s: its %s %r" % (connector_id, choice.replace("_", " "), given)
    warnings = []
    problem = None
    if given and (reserved_name(given) or reserved_name(name) or name in groups):
        problem = "is the name of a group or of Ansible's implicit localhost"
    elif given and not name:
        problem = "holds no character a host name can keep"
    elif name in taken:
        problem = "is taken by another connector's host"
    elif name != given:
        warnings.append("%s cannot be a host name as it is; the host is named %r" % (what, name))
    if problem:
        warnings.append("%s %s; it is named by its id instead" % (what, problem))
        name = None
    name = name or connector_id
    if not name or name in taken or reserved_name(name) or name in groups:
        warnings.append(
            "a connector with the id %r cannot be a host (no usable, unique name); it is left out" % connector.get("id")
        )
        return None, warnings
    return name, warnings


def connector_host_names(connectors, choice, groups=()):
    """``(names, warnings)``: the host name of every connector of a list by id (those left out are absent), given
    in the inventory plugin's order (by connector id), so that a name taken twice goes to the same connector."""
    names, taken, warnings = {}, set(), []
    for connector in sorted(connectors, key=lambda c: str(c.get("id"))):
        if not connector.get("id"):
            continue
        name, said = connector_host_name(connector, choice, taken, groups)
        warnings.extend(said)
        if name is not None:
            taken.add(name)
            names[connector["id"]] = name
    return names, warnings
