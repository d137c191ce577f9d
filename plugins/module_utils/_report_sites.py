# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Magic WAN sites as the audit report and the inventory read them: who is in which slot, and what is wrong.

Pure functions, no API call. HA membership lives on sites (``connector_id`` is the primary slot,
``secondary_connector_id`` the secondary one, ``ha_mode`` whether HA is on), not on connectors.

``memberships(sites)``
    ``{connector id: [(site, role), ...]}``, ``role`` ``primary`` or ``secondary`` (the slot); a primary slot
    before a secondary one, then in the list's order (the order ``_windows.ha_groups`` picks a site by).

``site_findings(sites, connectors, complete=True)``
    The report's site findings (``SITE_FINDINGS``) as dicts ``key``, ``site`` (its name, else its id),
    ``site_id``, ``text`` and ``connectors`` (the ids of the listed connectors it concerns, whose rows carry it).
    ``connectors`` are the report's rows (``id``, ``name``, ``findings``; their ``offline`` findings are the
    judgement of "offline") and the connectors it left out (``id``, ``name``). ``complete`` false (a list filtered
    by device type) judges no connector missing.
"""

from __future__ import annotations

SLOTS = (("connector_id", "primary"), ("secondary_connector_id", "secondary"))
#: the keys of the site findings (their severity, title and meaning: the report's FINDINGS table)
SITE_FINDINGS = ("site_no_secondary", "site_unknown_connector", "in_two_sites", "site_down")


def site_label(site):
    """How people know a site: its name, else its id."""
    name = site.get("name") or site.get("id")
    return name if isinstance(name, str) else str(name)


def memberships(sites):
    """Connector id -> the (site, role) pairs naming it, primary slots first (see the module docstring)."""
    found = {}
    for site in sites or ():
        for key, role in SLOTS:
            if isinstance(site.get(key), str) and site[key]:
                found.setdefault(site[key], []).append((site, role))
    for pairs in found.values():
        pairs.sort(key=lambda pair: pair[1] != "primary")  # stable: the list's order within a role
    return found


def _finding(key, site, text, concerned):
    return dict(key=key, site=site_label(site), site_id=site.get("id"), text=text, connectors=concerned)


def _one_site(site, by_id, complete):
    """The findings of one site: an HA site with an empty secondary slot, a slot naming a connector that does not
    exist, an HA site whose two members are both offline."""
    members = [(role, site[key]) for key, role in SLOTS if isinstance(site.get(key), str) and site[key]]
    present = [cid for role, cid in members if cid in by_id]
    found = []
    if site.get("ha_mode") is True and not site.get("secondary_connector_id"):
        found.append(
            _finding(
                "site_no_secondary",
                site,
                "site %s has HA on but no secondary connector: no redundancy" % site_label(site),
                present,
            )
        )
    for role, cid in members:
        if complete and cid not in by_id:
            found.append(
                _finding(
                    "site_unknown_connector",
                    site,
                    "site %s names %s connector %s, which does not exist" % (site_label(site), role, cid),
                    present,
                )
            )
    offline = [cid for cid in present if any(f.get("key") == "offline" for f in by_id[cid].get("findings") or ())]
    if site.get("ha_mode") is True and len(members) == 2 and len(offline) == 2:
        found.append(
            _finding(
                "site_down",
                site,
                "HA site %s is down: both members (%s, %s) are offline"
                % (site_label(site), by_id[offline[0]]["name"], by_id[offline[1]]["name"]),
                offline,
            )
        )
    return found


def site_findings(sites, connectors, complete=True):
    """Every site finding of the account (see the module docstring), site by site, then the connectors in two
    sites."""
    by_id = dict((c["id"], c) for c in connectors)
    found = []
    for site in sites or ():
        found += _one_site(site, by_id, complete)
    for cid, pairs in sorted(memberships(sites).items()):
        distinct = list(dict((id(site), site) for site, role in pairs).values())
        if len(distinct) > 1:
            name = by_id[cid]["name"] if cid in by_id else cid
            found.append(
                _finding(
                    "in_two_sites",
                    pairs[0][0],
                    "connector %s is in %d sites: %s"
                    % (name, len(distinct), ", ".join(sorted(site_label(site) for site in distinct))),
                    [cid] if cid in by_id else [],
                )
            )
    return found


def attach(rows, found, severity_of):
    """Put each site finding on the rows of the connectors it concerns (so counts, the worklist, drift mode and the
    CSV carry it) and give it its severity."""
    by_id = dict((row["id"], row) for row in rows)
    for finding in found:
        finding["severity"] = severity_of[finding["key"]]
        for cid in finding["connectors"]:
            if cid in by_id:
                by_id[cid]["findings"].append(
                    dict(key=finding["key"], severity=finding["severity"], text=finding["text"])
                )
    return found
