# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Controller-side planning for the maintenance_window and change_freeze roles.

The planning itself lives in plugins/module_utils/_maintenance.py (the module magic_connectors runs the same code for
the maintenance_window role, so that a role run costs one connector list call); these filters expose it to playbooks.
"""

from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.cloudflare.magic_transit.plugins.module_utils import _maintenance
from ansible_collections.cloudflare.magic_transit.plugins.module_utils._inputs import InvalidOption

PRESETS = _maintenance.PRESETS


def _filter_error(function, *args):
    try:
        return function(*args)
    except InvalidOption as exc:
        raise AnsibleFilterError(str(exc)) from None


def embargo_dates(
    freeze_periods=None,
    dates=None,
    today=None,
    option="freeze_periods",
    dates_option="dates",
    keep_past=False,
    today_option="today",
):
    """Freeze periods ``{start, end}`` (inclusive) and single dates as sorted unique ``YYYY-MM-DD``, past ones
    dropped unless ``keep_past``, at most 100. Errors name the periods ``option`` (``{}`` in it: one period of two
    variables, ``x_{}`` naming ``x_start`` and ``x_end``), the single dates ``dates_option`` and ``today``
    ``today_option``."""
    return _filter_error(
        _maintenance.embargo_dates, freeze_periods, dates, today, option, dates_option, keep_past, today_option
    )


def maintenance_windows(connectors, plan, sites=None, names=None):
    """Entries for magic_connectors that give ``connectors`` (the whole account) one standard maintenance window each.

    ``plan`` holds the maintenance_window role's settings without their prefix; ``sites`` the account's Magic WAN
    sites (optional). The rules, and the HA guarantee, are those of ``_maintenance.plan_windows``. ``names`` maps a
    role variable (as an error names it) to the variable a playbook's user set, so that the error names the latter.
    """
    try:
        return _maintenance.plan_windows(connectors, plan, sites)[0]
    except InvalidOption as exc:
        option = (names or {}).get(exc.option, exc.option)
        raise AnsibleFilterError(str(InvalidOption(option, exc.rule, exc.value))) from None


def change_freeze(connectors, dates, state="present", targets=None):
    """Entries for magic_connectors that add ``dates`` to (send with purge_embargo_dates false, so the module
    merges them with what it reads) or, with ``state=absent``, remove them from (each entry holds the whole
    remaining list and ``purge_embargo_dates: true``) each connector's embargo dates, leaving every other date.
    Only embargo dates are sent: a freeze never moves a window."""
    return _filter_error(_maintenance.freeze_entries, connectors, dates, state, targets)


class FilterModule:
    def filters(self):
        return dict(
            maintenance_windows=maintenance_windows,
            change_freeze=change_freeze,
            embargo_dates=embargo_dates,
        )
