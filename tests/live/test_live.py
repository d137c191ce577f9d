# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The live lane (see conftest.py): read-only calls, check mode, and one self-reverting change."""

from __future__ import annotations

import os

MARK = " [ansible live test: restored at once]"


def test_read_only_calls(live):
    live.playbook("live_read.yml")


def test_check_mode_changes_nothing(live):
    notes = live.connector_notes()
    live.playbook("live_check_mode.yml")
    assert live.connector_notes() == notes


def test_connector_notes_changed_and_restored(live):
    notes = live.connector_notes()
    try:
        live.playbook(
            "live_notes_round_trip.yml",
            original_notes=notes,
            changed_notes=notes + MARK,
            fail_after_change=os.environ.get("MAGIC_LIVE_FAIL_AFTER_CHANGE") == "1",
        )
    finally:
        # Should the playbook itself have died before its always section, the notes are restored here.
        if live.connector_notes() != notes:
            live.module("cloudflare.magic_transit.magic_connector", id=live.connector_id, notes=notes)
        assert live.connector_notes() == notes, "the test connector's notes are restored"
