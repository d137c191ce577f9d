# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The estate as code (``magic_export``): every site of the account as a ``branch_sites`` entry of the ``branch``
role, plus the connectors in no site, written to one YAML file.

Reads only: one connectors list, one sites list, the LAN, WAN and ACL lists of every site, all through the reads of
``magic_sites`` (``_site_fleet._Reads``: admitted through the rate budget, concurrently). Written: the fields a user
manages, with no id, in a fixed order (stores by name, children by name), so that the file diffs well in git. An
existing connector is named by its device serial number (hardware) or its notes (virtual), never with
``provision_license``: applying the file finds it and creates nothing. Every string from the API that holds a ``{``
is tagged ``!unsafe``, so that Ansible never templates it. License keys are never returned by the API, so never
exported. The time of the export is a comment, left out when the file is compared with the one in ``dest``.
"""

from __future__ import annotations

import datetime
import json
import os
from concurrent.futures import ThreadPoolExecutor

from ._connector_settings import day_rank
from ._connectors import Connectors, device_of
from ._files import write_atomically
from ._fleet import FleetWriter, check_concurrency, check_rate_limit_wait
from ._inputs import InvalidOption
from ._maintenance import plan_windows
from ._resource import Operation
from ._site_children import ACL_SIDES, Acls, Lans, Wans, below
from ._site_fleet import KINDS, _Reads
from ._sites import Sites

try:
    import yaml
except ImportError:  # pragma: no cover - PyYAML comes with ansible-core
    yaml = None

#: the line of the header that changes on every run (left out when the file is compared)
STAMP = "# exported at "
#: the top-level key of the connectors in no site (entries in the form of magic_connectors' ``connectors``)
UNASSIGNED = "unassigned_connectors"
#: the top-level key of the sites with no connector (entries of magic_sites' ``sites``: the role needs a connector)
EMPTY = "sites_without_connectors"
SITE_FIELDS = ("name", "description", "timezone", "location")
WINDOW_FIELDS = (
    ("days", "interrupt_window_days_of_week"),
    ("hour", "interrupt_window_hour_of_day"),
    ("duration", "interrupt_window_duration_hours"),
)
SPECS = dict(lans=Lans.argument_spec, wans=Wans.argument_spec, acls=Acls.argument_spec)


class Export(Operation):
    """magic_export: read the estate, write ``dest`` when its content differs (never in check mode)."""

    def check(self, params):
        check_concurrency(params["max_concurrency"])
        check_rate_limit_wait(params["rate_limit_wait"])
        check_dest(params["dest"])
        if yaml is None:
            raise InvalidOption("dest", "cannot be written: the Python library PyYAML is missing where the task runs")

    def run(self, params, check_mode):
        connectors, sites, children = read_estate(self.module, params)
        document, counts = estate(connectors, sites, children)
        text = render(document, self.module.client.account_id, counts)
        path = os.path.abspath(os.path.expanduser(params["dest"]))
        changed = without_stamp(previous_text(path)) != without_stamp(text)
        if changed and not check_mode:
            try:
                write_atomically(path, text.encode("utf-8"), 0o644)
            except OSError as exc:
                raise InvalidOption("dest", "must be a file that can be written (%s)" % (exc.strerror or exc)) from None
        return dict(changed=changed, dest=path, counts=counts)


def check_dest(dest):
    """``dest`` must name a file in an existing, writable directory (refused before any call)."""
    path = os.path.abspath(os.path.expanduser(dest))
    folder = os.path.dirname(path)
    if os.path.isdir(path):
        raise InvalidOption("dest", "must be a file, not a directory", dest)
    if not os.path.isdir(folder):
        raise InvalidOption("dest", "must be in an existing directory (%s does not exist)" % folder, dest)
    if not os.access(folder, os.W_OK | os.X_OK) or (os.path.exists(path) and not os.access(path, os.W_OK)):
        raise InvalidOption("dest", "must be writable (no permission to write %s)" % path, dest)


def previous_text(path):
    try:
        with open(path, encoding="utf-8") as stream:
            return stream.read()
    except (OSError, UnicodeDecodeError):
        return None


def without_stamp(text):
    if text is None:
        return None
    return "".join(line for line in text.splitlines(True) if not line.startswith(STAMP))


def read_estate(module, params):
    """One connectors list, one sites list and each site's LAN, WAN and ACL lists, paced like magic_sites' reads."""
    guard = FleetWriter(
        Sites(module.client),
        "sites",
        params["max_concurrency"],
        True,
        rate_limit_wait=params["rate_limit_wait"],
        progress=module.log,
        full=False,
    )
    reads = _Reads(module.client, guard)
    sites = Sites(reads)
    connectors, listed = Connectors(reads).list(), sites.list()
    paths = [(site["id"], kind, below(cls, sites, site["id"]).list) for site in listed for kind, cls in KINDS]
    with ThreadPoolExecutor(max_workers=params["max_concurrency"]) as pool:
        answers = list(pool.map(lambda item: item[2](), paths))
    children = {}
    for (site_id, kind, _read), answer in zip(paths, answers):
        children.setdefault(site_id, {})[kind] = answer
    return connectors, listed, children


# --- the document ------------------------------------------------------------------------------------------------


def estate(connectors, sites, children):
    """The file's content (``branch_sites`` and the connectors in no site) and its counts."""
    by_id = dict((c["id"], c) for c in connectors)
    built = [store(site, children.get(site["id"], {}), by_id) for site in sites]
    planner_remarks(built, connectors, sites)
    stores = [(entry, "; ".join(remarks)) for entry, remarks, _members in built]
    stores.sort(key=lambda pair: (str(pair[0]["name"]), str(pair[1])))
    # The role needs a connector in every store: a site with none is a magic_sites entry of its own list.
    empty = [entry for entry, _remarks in stores if not entry["connectors"]]
    stores = [(entry, remarks) for entry, remarks in stores if entry["connectors"]]
    for entry in empty:
        del entry["connectors"]
    placed = set(slot for site in sites for slot in slots(site))
    alone = sorted((c for c in connectors if c["id"] not in placed), key=_connector_order)
    counts = dict(
        stores=len(stores),
        connectors=sum(len(entry["connectors"]) for entry, _notes in stores),
        **dict((kind, sum(len(entry.get(kind) or ()) for entry, _notes in stores)) for kind, _cls in KINDS),
        **{UNASSIGNED: len(alone), EMPTY: len(empty)},
    )
    return dict(branch_sites=stores, **{UNASSIGNED: [unassigned(c) for c in alone], EMPTY: empty}), counts


def slots(site):
    return [site[slot] for slot in ("connector_id", "secondary_connector_id") if site.get(slot)]


def store(site, kids, by_id):
    """One ``branch_sites`` entry, and the remarks written as a comment above it."""
    members = [by_id[slot] for slot in slots(site) if slot in by_id]
    remarks = ["site %s" % site["id"]]
    remarks += ["its slot names connector %s, which does not exist" % s for s in slots(site) if s not in by_id]
    entry = dict((key, site[key]) for key in SITE_FIELDS if site.get(key) not in (None, "", {}))
    zones = sorted(set(str(m.get("timezone")) for m in members if m.get("timezone")))
    if members and members[0].get("timezone"):
        entry["timezone"] = members[0]["timezone"]
    if len(zones) > 1:
        remarks.append("its connectors are in different time zones (%s): the store takes the primary's" % zones)
    entry["connectors"] = [reference(m) for m in members]
    if members and bool(site.get("ha_mode")) != (len(members) == 2):
        entry["ha"] = bool(site.get("ha_mode"))
    for kind, _cls in KINDS:
        objects = sorted(kids.get(kind) or [], key=lambda obj: str(obj.get("name")))
        lans = dict((lan.get("id"), lan.get("name")) for lan in kids.get("lans") or [])
        exported = [child(obj, kind, lans) for obj in objects]
        if exported:
            entry[kind] = exported
    if members:
        entry["window"] = window(members[0])
    return entry, remarks, members


def planner_remarks(built, connectors, sites):
    """What the role's maintenance-window planner would change in the stores' windows (the HA planner gives a
    secondary a window of its own), added to their remarks: the file can only hold a store's window. One plan per
    distinct window, as the role plans them."""
    groups = {}
    for item in built:
        if item[2]:
            groups.setdefault(json.dumps(item[0]["window"], sort_keys=True), []).append(item)
    for group in groups.values():
        targets = [
            dict(id=m["id"], timezone=entry.get("timezone")) for entry, _remarks, members in group for m in members
        ]
        try:
            planned, _summary = plan_windows(connectors, dict(group[0][0]["window"], targets=targets), sites)
        except InvalidOption as error:
            for _entry, remarks, _members in group:
                remarks.append("the maintenance-window planner refuses its window (%s)" % error)
            continue
        plans = dict((plan["id"], plan) for plan in planned)
        for _entry, remarks, members in group:
            for member in members:
                wanted = dict((key, plans[member["id"]][field]) for key, field in WINDOW_FIELDS)
                if window(member) != dict(wanted, days=sorted(wanted["days"], key=day_rank)):
                    remarks.append("applying moves the window of %s to %s" % (_name(member), _flat(wanted)))


def _name(connector):
    return connector.get("notes") or device_of(connector).get("serial_number") or connector["id"]


def reference(connector):
    """A store's connector as the role finds it: hardware by serial (with its notes), virtual by its notes."""
    serial = device_of(connector).get("serial_number")
    entry = dict(device_serial_number=serial) if serial else {}
    if connector.get("notes"):
        entry["notes"] = connector["notes"]
    if connector.get("activated") is False:
        entry["activated"] = False
    return entry


def window(connector):
    days = sorted(connector.get("interrupt_window_days_of_week") or [], key=day_rank)
    found = dict(days=days)
    for key, field in WINDOW_FIELDS[1:]:
        value = connector.get(field)
        if value is not None:
            # Whole hours as whole numbers (the API may answer 4.0): the role's int options take them as they are.
            found[key] = int(value) if isinstance(value, float) and value.is_integer() else value
    return found


def unassigned(connector):
    """A connector in no site, as a ``magic_connectors`` entry."""
    entry = reference(connector)
    if connector.get("timezone"):
        entry["timezone"] = connector["timezone"]
    for key, field in WINDOW_FIELDS:
        value = window(connector).get(key)
        if value not in (None, []):
            entry[field] = value
    return entry


def child(obj, kind, lans):
    """A LAN, WAN or ACL with the fields its ``magic_sites`` entry takes; an ACL's LANs by name."""
    entry = managed(obj, SPECS[kind])
    for side in [side for side in ACL_SIDES if kind == "acls" and obj.get(side)]:
        found = managed(obj[side], SPECS[kind][side]["options"])
        if found.get("lan_id") in lans:  # by name, as the entry names it (the two are mutually exclusive)
            found["lan_name"] = lans[found.pop("lan_id")]
        else:
            found.pop("lan_name", None)
        entry[side] = found
    return entry


def managed(value, spec):
    """``value`` with only the options of ``spec`` (nested too), without null, false, empty values and ids."""
    if not isinstance(value, dict):
        return value
    kept = {}
    for key, option in spec.items():
        item = value.get(key)
        if isinstance(item, dict) and option.get("options"):
            item = managed(item, option["options"])
        elif isinstance(item, list) and option.get("options"):
            item = [managed(element, option["options"]) for element in item]
        if item not in (None, False, "", [], {}) and key != "id":
            kept[key] = item
    return kept


def _connector_order(connector):
    return (str(connector.get("notes") or ""), str(device_of(connector).get("serial_number") or ""), connector["id"])


def _flat(value):
    days = "/".join(value.get("days") or ["no day"])
    return "%s %s:00 for %s h" % (days, value.get("hour"), value.get("duration"))


# --- the file ----------------------------------------------------------------------------------------------------


class _Dumper(yaml.SafeDumper if yaml else object):
    """Safe YAML, keys in the order built, strings with a ``{`` tagged ``!unsafe``."""


def _represent_str(dumper, value):
    tag = "!unsafe" if "{" in value else "tag:yaml.org,2002:str"
    return dumper.represent_scalar(tag, str(value))


def _represent_dict(dumper, value):
    return dumper.represent_mapping("tag:yaml.org,2002:map", value.items())


if yaml:
    _Dumper.add_representer(str, _represent_str)
    _Dumper.add_representer(dict, _represent_dict)


def dump(value):
    return yaml.dump(value, Dumper=_Dumper, default_flow_style=False, allow_unicode=True, width=120)


def render(document, account_id, counts):
    """The file: a header (account, time, counts), each store under a comment, then the connectors in no site."""
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    lines = [
        "# Magic WAN estate of account %s, written by cloudflare.magic_transit.magic_export" % account_id,
        STAMP + now,
        "# " + ", ".join("%s: %d" % item for item in sorted(counts.items())),
        "# Apply with the cloudflare.magic_transit.branch role (branch_sites). No secret is ever exported.",
        "branch_sites:" + ("" if document["branch_sites"] else " []"),
    ]
    for entry, remarks in document["branch_sites"]:
        lines.append("")
        lines.append("  # store %s: %s" % (_comment(entry["name"]), _comment(remarks)))
        lines.append(_indented(dump([entry])))
    lines.append("")
    lines.append("# The connectors in no site (entries of magic_connectors' connectors option).")
    lines.append(dump({UNASSIGNED: document[UNASSIGNED]}).rstrip("\n"))
    lines.append("")
    lines.append("# The sites with no connector (entries of magic_sites' sites option; the branch role needs one).")
    lines.append(dump({EMPTY: document[EMPTY]}).rstrip("\n"))
    return "\n".join(lines) + "\n"


def _indented(text):
    return "\n".join("  " + line if line else line for line in text.rstrip("\n").split("\n"))


def _comment(value):
    """A value on one comment line: no line break can end the comment and start YAML."""
    return " ".join(str(value).split())
