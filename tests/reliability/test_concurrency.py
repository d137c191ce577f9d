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

``ROLE_RACES`` is the table of the roles (issue 21): two role runs started together, each reading before either writes.
After writing, a run re-reads the account; when another run left the HA pair down together or took away the embargo
dates it wrote, it fails naming the pair or the lost dates (the documented choice: fail, not repair; running the role
again repairs it).

A row's module may be a pair (playbook A's, playbook B's). The fleet module ``magic_connectors`` gets the identity and
the edit as its one entry: it never clobbers a setting it was not given, racing a single-connector run or another
fleet run.
"""

from __future__ import annotations

import datetime
import re
import threading

from ansible_collections.cloudflare.magic_transit.plugins.module_utils._windows import window_of, windows_overlap
from ansible_collections.cloudflare.magic_transit.tests.reliability.support import case_tasks, role_tasks

SINGLE = "cloudflare.magic_transit.magic_connector"
FLEET = "cloudflare.magic_transit.magic_connectors"
CONNECTOR = "711f8eedc6d84336a6f7d256ddd00fce"
INTERCONNECT = "3d8f178ccc144d6089165dca06f11d1d"
WRITE_DELAY = 1.5
# The longest a write is held for its barrier: the other run's read (a bound for a broken run, never reached otherwise).
BARRIER_S = 120


def held_until_both_read(method, path, account, reads="/accounts/%s/"):
    """A rule holding the two writes of ``method`` on ``path`` until both runs' reads of ``account`` were answered: the
    race happens whatever the start-up time of the two ansible-playbook processes on a busy machine."""
    return {
        "match": {"method": method, "path": path},
        "action": "delay",
        "delay_s": BARRIER_S,
        "times": 2,
        "until": {"method": "GET", "path": reads % account, "count": 2},
    }


def _connector(account):
    return account["connectors"][CONNECTOR]


def _interconnect(account):
    return account["interconnects"][INTERCONNECT]


BOTH, ONE = "both land", "exactly one lands (last writer wins)"

# (key, module or (module A, module B), identity, edit A, edit B, how to read the object, what lands, write method,
#  path of the write)
EDITS = [
    (
        "connector",
        SINGLE,
        {"device_serial_number": "MWC2301A0417"},
        {"timezone": "Asia/Tokyo", "interrupt_window_hour_of_day": 3},
        {"notes": "ber-branch-01 primary (renamed)", "interrupt_window_days_of_week": ["Monday"]},
        _connector,
        BOTH,
        "PATCH",
        "/magic/connectors/%s$" % CONNECTOR,
    ),
    (
        "connector-by-id",
        SINGLE,
        {"id": CONNECTOR},
        {"activated": False, "interrupt_window_duration_hours": 6},
        {"interrupt_window_embargo_dates": ["2027-03-01"], "timezone": "Europe/Lisbon"},
        _connector,
        BOTH,
        "PATCH",
        "/magic/connectors/%s$" % CONNECTOR,
    ),
    (
        "fleet-and-single",
        (FLEET, SINGLE),
        {"id": CONNECTOR},
        {"timezone": "Asia/Tokyo", "interrupt_window_hour_of_day": 3},
        {"notes": "ber-branch-01 primary (renamed)", "interrupt_window_days_of_week": ["Monday"]},
        _connector,
        BOTH,
        "PATCH",
        "/magic/connectors/%s$" % CONNECTOR,
    ),
    (
        "fleet-and-fleet",
        FLEET,
        {"device_serial_number": "MWC2301A0417"},
        {"interrupt_window_duration_hours": 6, "interrupt_window_embargo_dates": ["2027-03-01"]},
        {"activated": False, "timezone": "Europe/Lisbon"},
        _connector,
        BOTH,
        "PATCH",
        "/magic/connectors/%s$" % CONNECTOR,
    ),
    (
        "interconnect",
        "cloudflare.magic_transit.cf_interconnect",
        {"name": "lhr-cni-2"},
        {"mtu": 1400},
        {"description": "London CNI v2 (renamed)", "automatic_return_routing": True},
        _interconnect,
        BOTH,
        "PUT",
        "/magic/cf_interconnects/%s$" % INTERCONNECT,
    ),
    (
        "interconnect-nested",
        "cloudflare.magic_transit.cf_interconnect",
        {"name": "lhr-cni-2"},
        {"health_check": {"rate": "low"}},
        {"health_check": {"enabled": False}},
        _interconnect,
        ONE,
        "PUT",
        "/magic/cf_interconnects/%s$" % INTERCONNECT,
    ),
    # Adding embargo dates (purge_embargo_dates=false) reads the list, merges and writes it whole: the same race.
    (
        "connector-embargo-added",
        SINGLE,
        {"id": CONNECTOR, "purge_embargo_dates": False},
        {"interrupt_window_embargo_dates": ["2027-05-01"]},
        {"interrupt_window_embargo_dates": ["2027-06-01"]},
        _connector,
        ONE,
        "PATCH",
        "/magic/connectors/%s$" % CONNECTOR,
    ),
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
    simulator.set_faults(
        rules=[held_until_both_read(row[7], "/accounts/%s%s" % (ids[row[0]], row[8]), ids[row[0]]) for row in EDITS]
    )
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


PRIMARY, SECONDARY = CONNECTOR, "64180894674b44869153f5fed0c2c654"  # ber-branch-01, Berlin, 02:00 and 03:00 for 4 h
MW, CF = "cloudflare.magic_transit.maintenance_window", "cloudflare.magic_transit.change_freeze"
PAIR_NAMED = "ber-branch-01 primary (%s) and ber-branch-01 secondary (%s)" % (PRIMARY, SECONDARY)

# (key, (role A, vars A), (role B, vars B), what the run that loses must say (a regular expression), the check of the
#  account after both runs)
ROLE_RACES = [
    # Each plans against the other's old window: the primary moves to 07:00 (away from the secondary's 03:00), the
    # secondary to 07:00 (away from the primary's 02:00); together they are down together every weekend night.
    (
        "mw-primary-vs-secondary",
        (MW, {"maintenance_window_connectors": [PRIMARY], "maintenance_window_today": "2026-12-01"}),
        (MW, {"maintenance_window_connectors": [SECONDARY], "maintenance_window_today": "2026-12-01"}),
        re.escape(
            "HA peers are now down together (another run changed a peer's window after this run read it): " + PAIR_NAMED
        ),
        lambda account: windows_overlap(
            window_of(account["connectors"][PRIMARY]),
            window_of(account["connectors"][SECONDARY]),
            datetime.date(2026, 12, 1),
        ),
    ),
    # Each merges its date into the list it read and writes the whole list: the last writer wins.
    (
        "cf-two-dates",
        (
            CF,
            {
                "change_freeze_dates": ["2027-05-01"],
                "change_freeze_connectors": [{"id": PRIMARY}],
                "change_freeze_today": "2026-12-01",
            },
        ),
        (
            CF,
            {
                "change_freeze_dates": ["2027-06-01"],
                "change_freeze_connectors": [{"id": PRIMARY}],
                "change_freeze_today": "2026-12-01",
            },
        ),
        r"embargo dates written by this run are gone .*: ber-branch-01 primary \(%s\) lost 2027-0[56]-01" % PRIMARY,
        lambda account: (
            len({"2027-05-01", "2027-06-01"} & set(account["connectors"][PRIMARY]["interrupt_window_embargo_dates"]))
            == 1
        ),
    ),
]


def test_two_role_runs_at_once_never_pass_silently(simulator, accounts, playbooks):
    ids = accounts.create([row[0] for row in ROLE_RACES])
    # Each write is held before it is applied until both runs have listed the connectors, and its answer after (the
    # other run's write lands meanwhile): the interleaving that loses a write.
    simulator.set_faults(
        rules=[
            held_until_both_read(
                "PATCH",
                "/accounts/%s/magic/connectors/" % ids[row[0]],
                ids[row[0]],
                reads="/accounts/%s/magic/connectors$",
            )
            for row in ROLE_RACES
        ]
        + [
            {
                "match": {"method": "PATCH", "path": "/accounts/%s/magic/connectors/" % ids[row[0]]},
                "action": "delay",
                "delay_s": WRITE_DELAY,
                "times": 2,
                "when": "after",
            }
            for row in ROLE_RACES
        ]
    )
    tasks = {"A": [], "B": []}
    for key, run_a, run_b, dummy, dummy in ROLE_RACES:
        for side, (role, role_vars) in (("A", run_a), ("B", run_b)):
            tasks[side] += role_tasks(
                "%s %s" % (key, side), role, role_vars, {"api_token": simulator.token, "account_id": ids[key]}
            )
    results = playbooks.run_cases([tasks["A"], tasks["B"]], name="role-races")[1]

    state = accounts.all()
    log = simulator.requests()
    for key, dummy, dummy, message, raced in ROLE_RACES:
        calls = [(e["method"], e["path"].rsplit("/", 1)[1]) for e in log if ids[key] in e["path"]]
        patches = [i for i, c in enumerate(calls) if c[0] == "PATCH"]
        lists = [i for i, c in enumerate(calls) if c == ("GET", "connectors")]
        assert len(patches) == 2 and sum(1 for i in lists if i < patches[0]) == 2, (key, calls)
        assert raced(state[ids[key]]), (key, "the race happened: the table row proves nothing otherwise")
        failed = [side for side in ("A", "B") if results["%s %s" % (key, side)]["status"] == "failed"]
        assert failed, (key, "a run that left the race's damage behind reported success", results)
        for side in failed:
            text = results["%s %s" % (key, side)]["result"]["msg"]
            assert re.search(message, text) and "run the roles one at a time" in text, (key, side, text)


def test_a_date_the_dashboard_writes_over_is_named_by_the_run_that_lost_it(simulator, simulator_api, playbooks):
    """The dashboard row: someone reads the dates in the dashboard before the role writes and saves after it, with a
    date of their own. The role's date is gone; its re-read finds that and fails naming the date (the other order, a
    dashboard save landing between the role's read and its write, is invisible to any read of the role: the docs say
    to keep the dashboard out of a run)."""
    dashboard_read = list(simulator.connector(PRIMARY)["interrupt_window_embargo_dates"])
    # The role's write is answered 3 s after it is applied: the dashboard's save lands in between.
    simulator.set_faults(
        rules=[
            {
                "match": {"method": "PATCH", "path": "/magic/connectors/%s$" % PRIMARY},
                "action": "delay",
                "delay_s": 3,
                "times": 1,
                "when": "after",
            }
        ]
    )
    tasks = role_tasks(
        "cf-dashboard",
        CF,
        {
            "change_freeze_dates": ["2027-05-01"],
            "change_freeze_connectors": [{"id": PRIMARY}],
            "change_freeze_today": "2026-12-01",
        },
        {"api_token": simulator.token, "account_id": simulator.account_id},
    )
    outcome = {}
    worker = threading.Thread(target=lambda: outcome.update(playbooks.run_cases([tasks], name="dashboard")[1]))
    worker.start()
    deadline = 120
    while "2027-05-01" not in simulator.connector(PRIMARY)["interrupt_window_embargo_dates"] and deadline > 0:
        threading.Event().wait(0.05)
        deadline -= 0.05
    assert deadline > 0, "the role's write never landed"
    simulator_api.patch(
        "magic/connectors/" + PRIMARY, json={"interrupt_window_embargo_dates": dashboard_read + ["2027-07-01"]}
    ).raise_for_status()
    worker.join(240)

    dates = simulator.connector(PRIMARY)["interrupt_window_embargo_dates"]
    assert "2027-05-01" not in dates and "2027-07-01" in dates, "the dashboard's save took the role's date away"
    result = outcome["cf-dashboard"]
    assert result["status"] == "failed", result
    assert re.search(
        r"embargo dates written by this run are gone .*ber-branch-01 primary \(%s\) lost 2027-05-01" % PRIMARY,
        result["result"]["msg"],
    ), result["result"]["msg"]
