# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Two playbooks changing different fields of the same object at the same time: both changes land.

``EDITS`` is the table: one row per object and pair of edits, each row in an account of its own. Playbook A runs the
first edit of every row, playbook B the second, both started together. A delay rule holds every write for a moment so
that each row's two reads happen before either write: a true read-modify-write race, checked in the request log.

Two rows document a limitation rather than a feature (``ONE``): ``health_check``, ``bgp`` and ``gre`` are sent whole
(Cloudflare's behaviour for omitted nested keys is unverified), and embargo dates added with ``purge_embargo_dates: false``
are merged on the controller and sent as the whole list, so two concurrent edits inside one of them race and the last
writer wins. Those rows assert that exactly one of the two lands, never a mix or a corruption.

A row's module may be a pair (playbook A's, playbook B's). The fleet module ``magic_connectors`` gets the identity and
the edit as its one entry: it never clobbers a setting it was not given, racing a single-connector run or another
fleet run.
"""

from __future__ import annotations

from ansible_collections.cloudflare.magic_transit.tests.reliability.support import case_tasks

SINGLE = "cloudflare.magic_transit.magic_connector"
FLEET = "cloudflare.magic_transit.magic_connectors"
CONNECTOR = "711f8eedc6d84336a6f7d256ddd00fce"
INTERCONNECT = "3d8f178ccc144d6089165dca06f11d1d"
WRITE_DELAY = 1.5  # longer than the start-up jitter of two ansible-playbook processes


def _connector(account):
    return account["connectors"][CONNECTOR]


def _interconnect(account):
    return account["interconnects"][INTERCONNECT]


BOTH, ONE = "both land", "exactly one lands (last writer wins)"

# (key, module or (module A, module B), identity, edit A, edit B, how to read the object, what lands, write method,
#  path of the write)
EDITS = [
    ("connector", SINGLE, {"device_serial_number": "MWC2301A0417"},
     {"timezone": "Asia/Tokyo", "interrupt_window_hour_of_day": 3},
     {"notes": "ber-branch-01 primary (renamed)", "interrupt_window_days_of_week": ["Monday"]},
     _connector, BOTH, "PATCH", "/magic/connectors/%s$" % CONNECTOR),
    ("connector-by-id", SINGLE, {"id": CONNECTOR},
     {"activated": False, "interrupt_window_duration_hours": 6},
     {"interrupt_window_embargo_dates": ["2027-03-01"], "timezone": "Europe/Lisbon"},
     _connector, BOTH, "PATCH", "/magic/connectors/%s$" % CONNECTOR),
    ("fleet-and-single", (FLEET, SINGLE), {"id": CONNECTOR},
     {"timezone": "Asia/Tokyo", "interrupt_window_hour_of_day": 3},
     {"notes": "ber-branch-01 primary (renamed)", "interrupt_window_days_of_week": ["Monday"]},
     _connector, BOTH, "PATCH", "/magic/connectors/%s$" % CONNECTOR),
    ("fleet-and-fleet", FLEET, {"device_serial_number": "MWC2301A0417"},
     {"interrupt_window_duration_hours": 6, "interrupt_window_embargo_dates": ["2027-03-01"]},
     {"activated": False, "timezone": "Europe/Lisbon"},
     _connector, BOTH, "PATCH", "/magic/connectors/%s$" % CONNECTOR),
    ("interconnect", "cloudflare.magic_transit.cf_interconnect", {"name": "lhr-cni-2"},
     {"mtu": 1400}, {"description": "London CNI v2 (renamed)", "automatic_return_routing": True},
     _interconnect, BOTH, "PUT", "/magic/cf_interconnects/%s$" % INTERCONNECT),
    ("interconnect-nested", "cloudflare.magic_transit.cf_interconnect", {"name": "lhr-cni-2"},
     {"health_check": {"rate": "low"}}, {"health_check": {"enabled": False}},
     _interconnect, ONE, "PUT", "/magic/cf_interconnects/%s$" % INTERCONNECT),
    # Adding embargo dates (purge_embargo_dates=false) reads the list, merges and writes it whole: the same race.
    ("connector-embargo-added", SINGLE, {"id": CONNECTOR, "purge_embargo_dates": False},
     {"interrupt_window_embargo_dates": ["2027-05-01"]}, {"interrupt_window_embargo_dates": ["2027-06-01"]},
     _connector, ONE, "PATCH", "/magic/connectors/%s$" % CONNECTOR),
]


def _args(module, identity, edit, account_id):
    if module == FLEET:
        return {"account_id": account_id, "connectors": [dict(identity, **edit)]}
    return dict(identity, account_id=account_id, **edit)


def _landed(view, edit, added_dates=False):
    for key, want in edit.items():
        have = view.get(key)
        if isinstance(want, dict):
            if any(have.get(k) != v for k, v in want.items()):
                return False
        elif key == "interrupt_window_days_of_week":
            if sorted(have) != sorted(want):
                return False
        elif key == "interrupt_window_embargo_dates" and added_dates:
            if not set(want) <= set(have):
                return False
        elif have != want:
            return False
    return True


def test_concurrent_edits_of_different_fields_both_land(simulator, accounts, playbooks):
    ids = accounts.create([row[0] for row in EDITS])
    simulator.set_faults(rules=[
        {"match": {"method": row[7], "path": "/accounts/%s%s" % (ids[row[0]], row[8])}, "action": "delay", "delay_s": WRITE_DELAY, "times": 2}
        for row in EDITS])
    tasks = {"A": [], "B": []}
    for row in EDITS:
        key, modules, identity, edit_a, edit_b = row[:5]
        modules = modules if isinstance(modules, tuple) else (modules, modules)
        for side, module, edit in (("A", modules[0], edit_a), ("B", modules[1], edit_b)):
            tasks[side] += case_tasks("%s %s" % (key, side), module, _args(module, identity, edit, ids[key]))
    results = playbooks.run_cases([tasks["A"], tasks["B"]], name="concurrent")[1]

    state = accounts.all()
    log = simulator.requests()
    for row in EDITS:
        key, identity, edit_a, edit_b, view_of, outcome, method = row[0], row[2], row[3], row[4], row[5], row[6], row[7]
        added_dates = identity.get("purge_embargo_dates") is False
        for side in ("A", "B"):
            result = results["%s %s" % (key, side)]
            assert result["status"] == "ok" and result["result"]["changed"], (key, side, result)
        calls = [e["method"] for e in log if ids[key] in e["path"]]
        # Both reads were answered before either write was applied: the runs really overlapped.
        assert calls == ["GET", "GET", method, method], (key, calls)
        view = view_of(state[ids[key]])
        landed = [_landed(view, edit_a, added_dates), _landed(view, edit_b, added_dates)]
        if outcome == BOTH:
            assert landed == [True, True], (key, view)
        else:
            assert sorted(landed) == [False, True], (key, view)
