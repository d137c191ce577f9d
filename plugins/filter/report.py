# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The maintenance calendar of magic_connector_report as a filter, for plays and roles that hold connectors
already (the maintenance_window role draws its plan before and after with it). No API call."""

from __future__ import annotations

from ansible.errors import AnsibleFilterError
from ansible.utils.unsafe_proxy import wrap_var

from ansible_collections.cloudflare.magic_transit.plugins.module_utils._inputs import InvalidOption
from ansible_collections.cloudflare.magic_transit.plugins.module_utils._report import build_report
from ansible_collections.cloudflare.magic_transit.plugins.module_utils._report_render import render_svg


def with_changes(connectors, changes):
    """``connectors`` as a ``magic_connectors`` result (``changes``: its ``magic_connectors`` list) leaves them, or
    would leave them in check mode: each entry's changed fields applied, deleted connectors gone."""
    entries = dict((c["id"], c) for c in changes or [] if isinstance(c, dict) and c.get("id"))
    after = []
    for connector in connectors:
        entry = entries.get(connector.get("id"), {})
        if entry.get("status") != "changed":  # unchanged, failed or not sent: as it is
            after.append(connector)
        elif entry.get("action") != "delete":
            after.append(dict(connector, **(entry.get("changes") or {})))
    return after


def maintenance_calendar(connectors, sites=None, changes=None, title=None):
    """The 7-day x 24-hour UTC calendar (SVG text) of ``connectors`` (as magic_connector_info lists them), HA
    groups from ``sites`` and ``site_id``, with ``changes`` applied first."""
    if not isinstance(connectors, list) or not all(isinstance(c, dict) and c.get("id") for c in connectors):
        raise AnsibleFilterError("maintenance_calendar takes the list of connectors as magic_connector_info returns it")
    try:
        report = build_report(with_changes(connectors, changes), sites or None)
    except InvalidOption as exc:
        raise AnsibleFilterError(str(exc)) from None
    # The SVG holds connectors' notes, written by anyone who can edit a connector: text, never a template.
    return wrap_var(render_svg(report, title=title))


class FilterModule:
    def filters(self):
        return dict(maintenance_calendar=maintenance_calendar)
