# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The maintenance_window and change_freeze roles (and through them magic_connectors) with real ansible-playbook."""

from __future__ import annotations

FREEZE = ["2027-03-30", "2027-03-31", "2027-04-01", "2027-04-02"]


def connectors(simulator):
    return simulator.state()["accounts"][simulator.account_id]["connectors"]


def by_notes(simulator, notes):
    return next(c for c in connectors(simulator).values() if c.get("notes") == notes)


def test_maintenance_window_check_apply_reapply(ansible, simulator):
    before = connectors(simulator)
    size = len(before)
    run = ansible.playbook("maintenance_window.yml", check=True, diff=True, extra_vars=dict(expect_changed=True, fleet_size=size))
    assert simulator.writes() == [] and connectors(simulator) == before
    assert "Monday" in run.stdout, "the diff previews the new windows"

    simulator.clear_log()
    ansible.playbook("maintenance_window.yml", extra_vars=dict(expect_changed=True, fleet_size=size))
    requests = simulator.requests()
    assert sorted(r["path"].rsplit("/", 1)[1] for r in requests if r["method"] == "GET") == ["connectors", "connectors", "sites"], \
        "one connector list call and one sites list call per role run, and a list after writing to check the account"
    assert all(r["method"] in ("GET", "PATCH") for r in requests)
    primary, secondary = by_notes(simulator, "ber-branch-01 primary"), by_notes(simulator, "ber-branch-01 secondary")
    assert primary["interrupt_window_days_of_week"] == ["Monday", "Tuesday", "Wednesday", "Thursday"]
    assert (primary["interrupt_window_hour_of_day"], secondary["interrupt_window_hour_of_day"]) == (1, 4), \
        "the two connectors of an HA site never share a window"
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
    fields = ("timezone", "interrupt_window_days_of_week", "interrupt_window_hour_of_day", "interrupt_window_duration_hours")
    return dict((i, [c.get(f) for f in fields]) for i, c in connectors(simulator).items())


def test_change_freeze_add_then_remove_keeps_other_dates(ansible, simulator):
    tokyo_before = by_notes(simulator, "tyo-store-114 virtual")["interrupt_window_embargo_dates"]
    windows_before = windows(simulator)
    ansible.playbook("change_freeze.yml", check=True, diff=True, extra_vars=dict(state="present", expect_changed=True))
    assert simulator.writes() == []

    simulator.clear_log()
    ansible.playbook("change_freeze.yml", extra_vars=dict(state="present", expect_changed=True))
    gets = [r["path"] for r in simulator.requests("GET")]
    assert len(gets) == 2 and all(g.endswith("/magic/connectors") for g in gets), \
        "one connector list call per role run, and one after writing to check the account"
    assert windows(simulator) == windows_before, "a freeze never moves a window"
    for connector in connectors(simulator).values():
        assert set(FREEZE) <= set(connector["interrupt_window_embargo_dates"])
    assert set(tokyo_before) <= set(by_notes(simulator, "tyo-store-114 virtual")["interrupt_window_embargo_dates"])

    simulator.clear_log()
    ansible.playbook("change_freeze.yml", extra_vars=dict(state="present", expect_changed=False))
    assert simulator.writes() == []

    ansible.playbook("change_freeze.yml", extra_vars=dict(state="absent", expect_changed=True))
    assert by_notes(simulator, "tyo-store-114 virtual")["interrupt_window_embargo_dates"] == tokyo_before
    assert not any(set(FREEZE) & set(c["interrupt_window_embargo_dates"]) for c in connectors(simulator).values())
    assert windows(simulator) == windows_before


def test_role_arguments_are_validated_before_any_call(ansible, simulator):
    run = ansible.playbook("change_freeze.yml", "-e", "change_freeze_start=2027-01-01", rc=2,
                           extra_vars=dict(state="sideways", expect_changed=True))
    assert "change_freeze_state" in run.output
    assert simulator.requests() == []


def test_maintenance_window_draws_the_calendar_before_and_after_its_plan_in_check_mode(ansible, simulator, tmp_path):
    # The seed's Berlin pair overlaps (02:00 and 03:00 Berlin time, for 4 hours); alternate_days gives the secondary
    # the other day of weekend_nights, so after the plan they are never down together whatever the date.
    before = connectors(simulator)
    calendars = tmp_path / "change-request"
    ansible.playbook("maintenance_window_vars.yml", check=True, extra_vars=dict(
        maintenance_window_preset="weekend_nights", maintenance_window_ha_strategy="alternate_days",
        maintenance_window_calendar_dir=str(calendars), result_file=str(tmp_path / "result.json")))
    assert simulator.writes() == [] and connectors(simulator) == before, "check mode: nothing sent"
    paths = [r["path"].rsplit("/", 1)[1] for r in simulator.requests()]
    assert sorted(paths) == ["connectors", "connectors", "sites", "sites"], "the calendar costs one more list of each"
    drawn = dict((name, (calendars / ("calendar-%s.svg" % name)).read_text(encoding="utf-8")) for name in ("before", "after"))
    pair = "ber-branch-01: ber-branch-01 primary and ber-branch-01 secondary"
    assert "Before the plan: Connectors in their maintenance window" in drawn["before"] and pair in drawn["before"]
    assert "After the plan: Connectors in their maintenance window" in drawn["after"] and pair not in drawn["after"]
    assert "HA groups down together (UTC): none" in drawn["after"]


def test_maintenance_window_check_diff_is_readable_and_a_rewritten_calendar_is_no_change(ansible, simulator, tmp_path):
    """Issue 23: no SVG printed as a diff, connector lists in diff headers capped at 20 names, and a re-run that only
    rewrites the local calendar reports nothing changed."""
    simulator.add_fleet(500)  # generated connectors in a few dozen distinct states: blocks of more than 20
    extra = dict(maintenance_window_preset="weekend_nights", maintenance_window_calendar_dir=str(tmp_path / "calendar"),
                 maintenance_window_today="2026-12-01", result_file=str(tmp_path / "result.json"))
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
    assert all(set(FREEZE) <= set(c["interrupt_window_embargo_dates"]) for c in connectors(simulator).values())
    windows_before = windows(simulator)

    after_the_freeze = ("-e", "change_freeze_today=2027-05-01")
    simulator.clear_log()
    run = ansible.playbook("change_freeze.yml", *after_the_freeze, check=True, diff=True,
                           extra_vars=dict(state="absent", expect_changed=True))
    assert simulator.writes() == [] and "removing the freeze 2027-03-30..2027-04-02" in run.stdout
    run = ansible.playbook("change_freeze.yml", *after_the_freeze, extra_vars=dict(state="absent", expect_changed=True))
    assert not any(set(FREEZE) & set(c["interrupt_window_embargo_dates"]) for c in connectors(simulator).values())
    assert windows(simulator) == windows_before

    simulator.clear_log()
    run = ansible.playbook("change_freeze.yml", *after_the_freeze, extra_vars=dict(state="absent", expect_changed=False))
    assert simulator.writes() == []
    assert "nothing to remove: none of the %d target connectors holds any of these dates" % len(connectors(simulator)) in run.stdout

    past = dict((i, [d for d in c["interrupt_window_embargo_dates"] if d < "2027-05-01"]) for i, c in connectors(simulator).items())
    assert any(past.values()), "the seed holds past embargo dates"
    run = ansible.playbook("change_freeze.yml", *after_the_freeze, "-e", "change_freeze_purge_past=true",
                           extra_vars=dict(state="absent", expect_changed=True))
    assert "purging the embargo dates before 2027-05-01: %d of" % sum(1 for p in past.values() if p) in run.stdout
    assert not any(d < "2027-05-01" for c in connectors(simulator).values() for d in c["interrupt_window_embargo_dates"])
    assert windows(simulator) == windows_before
