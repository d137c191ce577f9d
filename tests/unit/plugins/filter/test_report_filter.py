# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The maintenance_calendar filter (plugins/filter/report.py): the calendar of connectors a play holds."""

from __future__ import annotations

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.cloudflare.magic_transit.plugins.filter.report import (
    FilterModule,
    maintenance_calendar,
    with_changes,
)
from ansible_collections.cloudflare.magic_transit.tests.unit.plugins.module_utils.report_data import BER_A, BER_B, SITES


def test_the_changes_of_a_fleet_result_are_applied_to_the_connectors_they_name():
    # magic_connectors' brief entries: what changed (or would in check mode); failed and deleted ones as they land
    moved = dict(BER_B, interrupt_window_hour_of_day=9)
    changes = [
        dict(id=BER_B["id"], status="changed", action="update", changes={"interrupt_window_hour_of_day": 9}),
        dict(id=BER_A["id"], status="failed", action="update", changes={"interrupt_window_hour_of_day": 7}),
        dict(id="x", status="failed"),
    ]
    assert with_changes([BER_A, BER_B], changes) == [BER_A, moved]
    assert with_changes([BER_A, BER_B], [dict(id=BER_A["id"], status="changed", action="delete", changes={})]) == [
        BER_B
    ]
    assert with_changes([BER_A], None) == [BER_A]


def test_before_and_after_a_change():
    # Saturday and Sunday 01:00-05:00 and 02:00-06:00 in Berlin: down together, every weekend, whatever the date
    overlapping = dict(BER_B, interrupt_window_hour_of_day=2)
    before = maintenance_calendar([BER_A, overlapping], SITES, title="Before")
    assert before.startswith("<?xml") and "Before: Connectors in their maintenance window" in before
    assert "ber-branch-01: ber-branch-01 primary and ber-branch-01 secondary" in before
    fixed = dict(
        id=BER_B["id"], status="changed", action="update", changes={"interrupt_window_days_of_week": ["Monday"]}
    )
    after = maintenance_calendar([BER_A, overlapping], SITES, [fixed], "After")
    assert "HA groups down together (UTC): none" in after
    assert FilterModule().filters() == dict(maintenance_calendar=maintenance_calendar)


def test_anything_but_a_list_of_connectors_is_refused():
    with pytest.raises(AnsibleFilterError, match="maintenance_calendar takes the list of connectors"):
        maintenance_calendar({"magic_connectors": []})
