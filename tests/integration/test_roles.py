# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The maintenance_window and change_freeze roles (and through them magic_connectors) with real ansible-playbook."""

from __future__ import annotations

import json
import re

import pytest

from ansible_collections.cloudflare.magic_transit.tests.helpers import stored_connectors
from ansible_collections.cloudflare.magic_transit.tests.integration.test_collection_playbooks import playbook

FREEZE = ["2027-03-30", "2027-03-31", "2027-04-01", "2027-04-02"]


def by_notes(simulator, notes):
    return next(c for c in stored_connectors(simulator).values() if c.get("notes") == notes)


def test_maintenance_window_check_apply_reapply(ansible, simulator):
    before = stored_connectors(simulator)
    size = len(before)
    run = ansible.playbook(
        "maintenance_window.yml", check=True, diff=True, extra_vars=dict(expect_changed=True, fleet_size=size)
    )
    assert simulator.writes() == [] and stored_connectors(simulator) == before
    assert "Monday" in run.stdout, "the diff previews the new windows"

    simulator.clear_log()
    ansible.playbook("maintenance_window.yml", extra_vars=dict(expect_changed=True, fleet_size=size))
    requests = simulator.requests()
    assert sorted(r["path"].rsplit("/", 1)[1] for r in requests if r["method"] == "GET") == [
        "connectors",
        "connectors",
        "sites",
    ], "one connector list call and one sites list call per role run, and a list after writing to check the account"
    assert all(r["method"] in ("GET", "PATCH") for r in requests)
    primary, secondary = by_notes(simulator, "ber-branch-01 primary"), by_notes(simulator, "ber-branch-01 secondary")
    assert primary["interrupt_window_days_of_week"] == ["Monday", "Tuesday", "Wednesday", "Thursday"]
    assert (primary["interrupt_window_hour_of_day"], secondary["interrupt_window_hour_of_day"]) == (1, 4), (
        "the two connectors of an HA site never share a window"
    )
    assert "2024-12-24" not in primary["interrupt_window_embargo_dates"]
    assert {"2026-11-22", "2026-11-23", "2027-01-01"} <= set(primary["interrupt_window_embargo_dates"])
    assert "2026-11-21" not in primary["interrupt_window_embargo_dates"], "past dates are pruned"
    assert "2026-12-24" in primary["interrupt_window_embargo_dates"], "dates already there are kept"

    simulator.clear_log()
    ansible.playbook("maintenance_window.yml", extra_vars=dict(expect_changed=False, fleet_size=size))
    assert simulator.writes() == [] and len(simulator.requests()) == 2


def test_maintenance_window_costs_one_patch_per_change_on_a_large_fleet(ansible, simulator):
    total = simulator.add_fleet(200)
    ansible.playbook("maintenance_window.yml", extra_vars=dict(expect_changed=True, fleet_size=total, timezone="UTC"))
    methods = [r["method"] for r in simulator.requests()]
    assert methods.count("GET") == 3 and methods.count("PATCH") <= total and set(methods) == {"GET", "PATCH"}
    simulator.clear_log()
    ansible.playbook("maintenance_window.yml", extra_vars=dict(expect_changed=False, fleet_size=total, timezone="UTC"))
    assert sorted(r["path"].rsplit("/", 1)[1] for r in simulator.requests()) == ["connectors", "sites"]


def windows(simulator):
    fields = (
        "timezone",
        "interrupt_window_days_of_week",
        "interrupt_window_hour_of_day",
        "interrupt_window_duration_hours",
    )
    return dict((i, [c.get(f) for f in fields]) for i, c in stored_connectors(simulator).items())


def test_change_freeze_add_then_remove_keeps_other_dates(ansible, simulator):
    tokyo_before = by_notes(simulator, "tyo-store-114 virtual")["interrupt_window_embargo_dates"]
    windows_before = windows(simulator)
    ansible.playbook("change_freeze.yml", check=True, diff=True, extra_vars=dict(state="present", expect_changed=True))
    assert simulator.writes() == []

    simulator.clear_log()
    ansible.playbook("change_freeze.yml", extra_vars=dict(state="present", expect_changed=True))
    gets = [r["path"] for r in simulator.requests("GET")]
    assert len(gets) == 2 and all(g.endswith("/magic/connectors") for g in gets), (
        "one connector list call per role run, and one after writing to check the account"
    )
    assert windows(simulator) == windows_before, "a freeze never moves a window"
    frozen = stored_connectors(simulator).values()
    assert frozen, "the seed has connectors"
    for connector in frozen:
        assert set(FREEZE) <= set(connector["interrupt_window_embargo_dates"])
    assert set(tokyo_before) <= set(by_notes(simulator, "tyo-store-114 virtual")["interrupt_window_embargo_dates"])

    simulator.clear_log()
    ansible.playbook("change_freeze.yml", extra_vars=dict(state="present", expect_changed=False))
    assert simulator.writes() == []

    ansible.playbook("change_freeze.yml", extra_vars=dict(state="absent", expect_changed=True))
    assert by_notes(simulator, "tyo-store-114 virtual")["interrupt_window_embargo_dates"] == tokyo_before
    assert not any(
        set(FREEZE) & set(c["interrupt_window_embargo_dates"]) for c in stored_connectors(simulator).values()
    )
    assert windows(simulator) == windows_before


def test_role_arguments_are_validated_before_any_call(ansible, simulator):
    run = ansible.playbook(
        "change_freeze.yml",
        "-e",
        "change_freeze_start=2027-01-01",
        rc=2,
        extra_vars=dict(state="sideways", expect_changed=True),
    )
    assert "change_freeze_state" in run.output
    assert simulator.requests() == []


def test_maintenance_window_draws_the_calendar_before_and_after_its_plan_in_check_mode(ansible, simulator, tmp_path):
    # The seed's Berlin pair overlaps (02:00 and 03:00 Berlin time, for 4 hours); alternate_days gives the secondary
    # the other day of weekend_nights, so after the plan they are never down together whatever the date.
    before = stored_connectors(simulator)
    calendars = tmp_path / "change-request"
    ansible.playbook(
        "maintenance_window_vars.yml",
        check=True,
        extra_vars=dict(
            maintenance_window_preset="weekend_nights",
            maintenance_window_ha_strategy="alternate_days",
            maintenance_window_calendar_dir=str(calendars),
            result_file=str(tmp_path / "result.json"),
        ),
    )
    assert simulator.writes() == [] and stored_connectors(simulator) == before, "check mode: nothing sent"
    paths = [r["path"].rsplit("/", 1)[1] for r in simulator.requests()]
    assert sorted(paths) == ["connectors", "connectors", "sites", "sites"], "the calendar costs one more list of each"
    drawn = dict(
        (name, (calendars / ("calendar-%s.svg" % name)).read_text(encoding="utf-8")) for name in ("before", "after")
    )
    pair = "ber-branch-01: ber-branch-01 primary and ber-branch-01 secondary"
    assert "Before the plan: Connectors in their maintenance window" in drawn["before"] and pair in drawn["before"]
    assert "After the plan: Connectors in their maintenance window" in drawn["after"] and pair not in drawn["after"]
    assert "HA groups down together (UTC): none" in drawn["after"]


def test_maintenance_window_check_diff_is_readable_and_a_rewritten_calendar_is_no_change(ansible, simulator, tmp_path):
    """Issue 23: no SVG printed as a diff, connector lists in diff headers capped at 20 names, and a re-run that only
    rewrites the local calendar reports nothing changed."""
    simulator.add_fleet(500)  # generated connectors in a few dozen distinct states: blocks of more than 20
    extra = dict(
        maintenance_window_preset="weekend_nights",
        maintenance_window_calendar_dir=str(tmp_path / "calendar"),
        maintenance_window_today="2026-12-01",
        result_file=str(tmp_path / "result.json"),
    )
    run = ansible.playbook("maintenance_window_vars.yml", check=True, diff=True, extra_vars=extra)
    assert simulator.writes() == []
    assert "<svg" not in run.stdout and "calendar-after.svg" in run.stdout, "the calendar is written, never printed"
    headers = [line for line in run.stdout.splitlines() if line.startswith(("--- before: ", "+++ after: "))]
    assert headers and any(" and " in h and h.endswith(" more") for h in headers), "a block for more than 20 connectors"
    assert all(h.count(" (") <= 20 for h in headers), "at most 20 connectors named per header"

    ansible.playbook("maintenance_window_vars.yml", extra_vars=extra)
    simulator.clear_log()
    run = ansible.playbook("maintenance_window_vars.yml", extra_vars=extra)
    assert simulator.writes() == [] and "calendar-before.svg" in run.stdout
    assert changed_role_tasks(run.stdout) == [], "the calendars were rewritten: no change to report"


def changed_role_tasks(stdout):
    """The role's tasks that reported changed (the test playbook's own post task, writing a result file, is not one)."""
    task, changed = None, []
    for line in stdout.splitlines():
        if line.startswith("TASK ["):
            task = line
        elif line.startswith("changed: ") and task and "maintenance_window : " in task:
            changed.append(task)
    return changed


def test_change_freeze_removed_after_it_is_over_and_past_dates_purged(ansible, simulator):
    """Issue 23: a removal run after the freeze removes the same range; one that finds nothing says so; an option
    purges every past embargo date."""
    ansible.playbook("change_freeze.yml", extra_vars=dict(state="present", expect_changed=True))
    assert stored_connectors(simulator), "the seed has connectors"
    assert all(set(FREEZE) <= set(c["interrupt_window_embargo_dates"]) for c in stored_connectors(simulator).values())
    windows_before = windows(simulator)

    after_the_freeze = ("-e", "change_freeze_today=2027-05-01")
    simulator.clear_log()
    run = ansible.playbook(
        "change_freeze.yml",
        *after_the_freeze,
        check=True,
        diff=True,
        extra_vars=dict(state="absent", expect_changed=True),
    )
    assert simulator.writes() == [] and "removing the freeze 2027-03-30..2027-04-02" in run.stdout
    run = ansible.playbook("change_freeze.yml", *after_the_freeze, extra_vars=dict(state="absent", expect_changed=True))
    assert not any(
        set(FREEZE) & set(c["interrupt_window_embargo_dates"]) for c in stored_connectors(simulator).values()
    )
    assert windows(simulator) == windows_before

    simulator.clear_log()
    run = ansible.playbook(
        "change_freeze.yml", *after_the_freeze, extra_vars=dict(state="absent", expect_changed=False)
    )
    assert simulator.writes() == []
    assert (
        "nothing to remove: none of the %d target connectors holds any of these dates"
        % len(stored_connectors(simulator))
        in run.stdout
    )

    past = dict(
        (i, [d for d in c["interrupt_window_embargo_dates"] if d < "2027-05-01"])
        for i, c in stored_connectors(simulator).items()
    )
    assert any(past.values()), "the seed holds past embargo dates"
    run = ansible.playbook(
        "change_freeze.yml",
        *after_the_freeze,
        "-e",
        "change_freeze_purge_past=true",
        extra_vars=dict(state="absent", expect_changed=True),
    )
    assert "purging the embargo dates before 2027-05-01: %d of" % sum(1 for p in past.values() if p) in run.stdout
    assert not any(
        d < "2027-05-01" for c in stored_connectors(simulator).values() for d in c["interrupt_window_embargo_dates"]
    )
    assert windows(simulator) == windows_before


# Issue 22 (and issue 21's dates out of range): a bad value of each public variable of both roles fails before any
# write with a message naming that variable, never the module option it becomes.
def _type(variable, kind):
    return r"argument '%s' is of type .* and we were unable to convert to %s" % (variable, kind)


def _choice(variable):
    return r"value of %s must be one of: " % variable


MW_ROWS = [
    ("preset", "lunch_break", _choice("maintenance_window_preset")),
    ("days", ["Funday"], r"maintenance_window_days must list days of the week"),
    ("hour", 24, r"maintenance_window_hour must be from 0 to 23, got '?24'?"),  # a string on ansible-core 2.16
    ("duration", "long", _type("maintenance_window_duration", "int")),
    ("timezone", "Europe/Atlantis", r"maintenance_window_timezone"),
    (
        "connectors",
        [{"device_serial_number": "NOPE0000"}],
        r"maintenance_window_connectors\[0\] matches no listed connector",
    ),
    ("device_type", "VIRTUAL", _choice("maintenance_window_device_type")),
    ("group_by", "rack", _choice("maintenance_window_group_by")),
    ("group_pattern", "(unclosed", r"maintenance_window_group_pattern must be a regular expression"),
    ("allow_ungrouped", "perhaps", _type("maintenance_window_allow_ungrouped", "bool")),
    ("use_sites", "perhaps", _type("maintenance_window_use_sites", "bool")),
    ("ha_conflict", "ignore", _choice("maintenance_window_ha_conflict")),
    ("ha_strategy", "random", _choice("maintenance_window_ha_strategy")),
    ("latest_end_hour", 25, r"maintenance_window_latest_end_hour must be from 0 to 24, got '?25'?"),
    ("stagger_hours", 24, r"maintenance_window_stagger_hours must be from 0 to 23, got '?24'?"),
    ("stagger_slots", 0, r"maintenance_window_stagger_slots must be from 1 to 24, got '?0'?"),
    (
        "freeze_periods",
        [{"start": "2026-02-30", "end": "2026-03-02"}],
        r"maintenance_window_freeze_periods\[0\].start must be a real date written YYYY-MM-DD, got '2026-02-30'",
    ),
    (
        "embargo_dates",
        ["99999-01-01"],
        r"maintenance_window_embargo_dates\[0\] must be a real date written YYYY-MM-DD, got '99999-01-01'",
    ),
    ("purge_embargo_dates", "perhaps", _type("maintenance_window_purge_embargo_dates", "bool")),
    ("max_concurrency", True, r"maintenance_window_max_concurrency must be from 1 to 10, got True"),
    ("rate_limit_wait", -5, r"maintenance_window_rate_limit_wait must be a number of seconds, 0 or more"),
    ("calendar_dir", "/etc/hostname", r"maintenance_window_calendar_dir a directory or a path to create"),
    ("today", "2026-02-30", r"maintenance_window_today must be a real date written YYYY-MM-DD, got '2026-02-30'"),
    (
        "business_hours",
        "8-22",
        r"maintenance_window_business_hours must be local opening hours such as 09:00-21:00 \(HH:MM-HH:MM",
    ),
    ("timezone_mismatch", "site", _choice("maintenance_window_timezone_mismatch")),
]
CF_ROWS = [
    (
        "start",
        "2026-02-30",
        r"change_freeze_start must be a real date written YYYY-MM-DD, got '2026-02-30'",
        {"change_freeze_end": "2026-03-02"},
    ),
    (
        "end",
        "99999-01-01",
        r"change_freeze_end must be a real date written YYYY-MM-DD, got '99999-01-01'",
        {"change_freeze_start": "2027-01-01"},
    ),
    ("dates", ["2027-13-01"], r"change_freeze_dates\[0\] must be a real date written YYYY-MM-DD, got '2027-13-01'", {}),
    ("state", "sideways", _choice("change_freeze_state"), {}),
    ("connectors", [{"notes": "no such connector"}], r"change_freeze_connectors\[0\] matches no listed connector", {}),
    ("device_type", "VIRTUAL", _choice("change_freeze_device_type"), {}),
    ("max_concurrency", True, r"change_freeze_max_concurrency must be from 1 to 10, got True", {}),
    ("rate_limit_wait", "soon", r"change_freeze_rate_limit_wait", {}),
    ("today", "2026-02-30", r"change_freeze_today must be a real date written YYYY-MM-DD, got '2026-02-30'", {}),
    ("purge_past", "perhaps", _type("change_freeze_purge_past", "bool"), {}),
]


def test_a_bad_value_of_each_role_variable_is_refused_naming_it(ansible, simulator, tmp_path):
    from ansible_collections.cloudflare.magic_transit.tests.reliability.support import Accounts

    rows = [
        ("mw-" + name, "cloudflare.magic_transit.maintenance_window", {"maintenance_window_" + name: value}, message)
        for name, value, message in MW_ROWS
    ]
    rows += [
        (
            "cf-" + name,
            "cloudflare.magic_transit.change_freeze",
            dict({"change_freeze_dates": ["2027-01-01"], "change_freeze_" + name: value}, **extra),
            message,
        )
        for name, value, message, extra in CF_ROWS
    ]
    ids = Accounts(simulator).create([row[0] for row in rows])
    # One play, one block per row (an account each): a row's failure is rescued and its message kept, on every
    # supported ansible-core (no callback plugin needed).
    tasks = [
        {
            "name": key,
            "block": [{"ansible.builtin.include_role": {"name": role}}],
            "rescue": [
                {
                    "ansible.builtin.set_fact": {
                        "refused": "{{ refused | combine({%r: ansible_failed_result.msg}) }}" % key
                    }
                }
            ],
            "vars": role_vars,
            "module_defaults": {
                "group/cloudflare.magic_transit.all": {"api_token": simulator.token, "account_id": ids[key]}
            },
        }
        for key, role, role_vars, dummy in rows
    ]
    result_file = tmp_path / "refused.json"
    tasks.append(
        {
            "name": "Keep the messages",
            "ansible.builtin.copy": {"content": "{{ refused | to_json }}", "dest": str(result_file), "mode": "0600"},
        }
    )
    play = tmp_path / "variables.yml"
    play.write_text(
        json.dumps(
            [
                {
                    "name": "bad values",
                    "hosts": "localhost",
                    "gather_facts": False,
                    "vars": {"refused": {}},
                    "tasks": tasks,
                }
            ]
        ),
        encoding="utf-8",
    )
    ansible.playbook(str(play))
    refused = json.loads(result_file.read_text(encoding="utf-8"))

    problems = []
    for key, dummy, dummy, message in rows:
        if key not in refused:
            problems.append("%s: not refused" % key)
        elif not re.search(message, refused[key]):
            problems.append("%s: %r does not match %r" % (key, refused[key], message))
    assert not problems, "\n".join(problems)
    assert all(r["method"] == "GET" for r in simulator.requests()), "refused before any write"


# Issue 22: the collection playbook maintenance_window_apply names its own variables, not the role's.
@pytest.mark.parametrize(
    "variable, value, message",
    [
        ("maintenance_window_apply_preset", "lunch_break", "maintenance_window_apply_preset must be one of"),
        ("maintenance_window_apply_timezone", "Europe/Atlantis", "maintenance_window_apply_timezone "),
        (
            "maintenance_window_apply_latest_end_hour",
            25,
            "maintenance_window_apply_latest_end_hour must be from 0 to 24, got 25",
        ),
        (
            "maintenance_window_apply_stagger_slots",
            0,
            "maintenance_window_apply_stagger_slots must be from 1 to 24, got 0",
        ),
        ("maintenance_window_apply_ha_strategy", "random", "maintenance_window_apply_ha_strategy must be one of"),
        (
            "maintenance_window_apply_freeze_start",
            "2027-02-30",
            "maintenance_window_apply_freeze_start must be a real date written YYYY-MM-DD, got '2027-02-30'",
        ),
        (
            "maintenance_window_apply_ha_groups",
            "racks",
            "maintenance_window_apply_ha_groups none, site_id or notes (got racks)",
        ),
        ("maintenance_window_apply_business_hours", "9-17", "maintenance_window_apply_business_hours "),
        (
            "maintenance_window_apply_timezone_mismatch",
            "align",
            "maintenance_window_apply_timezone_mismatch must be one of",
        ),
    ],
)
def test_maintenance_window_apply_names_its_own_variables_before_any_call(
    ansible, simulator, tmp_path, variable, value, message
):
    extra = {variable: value}
    if variable == "maintenance_window_apply_freeze_start":
        extra["maintenance_window_apply_freeze_end"] = "2027-03-02"
    output = playbook(ansible, tmp_path, "cloudflare.magic_transit.maintenance_window_apply", rc=2, extra_vars=extra)
    assert message in output and simulator.requests() == []
