# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The connectors inventory plugin through the real ansible-inventory and ansible-playbook, against the simulator."""

from __future__ import annotations

import json
import os
import textwrap
from pathlib import Path

from ansible.release import __version__ as ANSIBLE_VERSION

from ansible_collections.cloudflare.magic_transit.tests.helpers import plain

CORE = tuple(int(part) for part in ANSIBLE_VERSION.split(".")[:2])
INVENTORY = Path(os.path.abspath(__file__)).parent / "inventory.yml"

SOURCE = """\
plugin: cloudflare.magic_transit.connectors
compose:
  window_end: cloudflare_interrupt_window_hour_of_day + cloudflare_interrupt_window_duration_hours | int
groups:
  night_window: cloudflare_interrupt_window_hour_of_day < 3
keyed_groups:
  - key: cloudflare_last_seen_version | default('none')
    prefix: version
strict: true
"""
CACHE = """\
cache: true
cache_plugin: ansible.builtin.jsonfile
cache_connection: {cache_dir}
cache_timeout: 600
"""
HARDWARE = ["MWC2301A0417", "MWC2301A0418", "MWC2306B1120", "MWC2405C0077"]
VIRTUAL = ["32d9a8741af047e39c4a6ee61a5daaba", "59c6e7a1d3994ac79947d3bdc4a78c71"]  # LICENSED: no serial number


def inventory_list(ansible, tmp_path, source, *args, env=None):
    path = tmp_path / "sim.connectors.yml"
    path.write_text(source, encoding="utf-8")
    # A source that fails to parse is an error, not a warning and an empty inventory.
    overrides = dict(ANSIBLE_INVENTORY_UNPARSED_FAILED="1", **(env or {}))
    completed = ansible.run("ansible-inventory", "-i", path, "--list", *args, env=overrides)
    return plain(json.loads(completed.stdout)), completed.stderr


def hosts_of(listing, group):
    return sorted(listing.get(group, {}).get("hosts", []))


def test_every_connector_is_a_host_from_two_calls(ansible, simulator, tmp_path):
    listing, _stderr = inventory_list(ansible, tmp_path, SOURCE)
    calls = simulator.requests()
    assert [(c["method"], c["path"]) for c in calls] == [
        ("GET", "/client/v4/accounts/%s/magic/connectors" % simulator.account_id),
        ("GET", "/client/v4/accounts/%s/magic/sites" % simulator.account_id),
    ]

    hostvars = listing["_meta"]["hostvars"]
    assert sorted(hostvars) == sorted(HARDWARE + VIRTUAL)
    berlin = hostvars["MWC2301A0417"]
    assert berlin["cloudflare_notes"] == "ber-branch-01 primary" and berlin["cloudflare_timezone"] == "Europe/Berlin"
    # ansible-core before 2.19 templates a composed variable to a string.
    assert berlin["cloudflare_device_type"] == "MANAGED" and berlin["window_end"] == (6 if CORE >= (2, 19) else "6")
    assert not any("license_key" in key for variables in hostvars.values() for key in variables)
    assert simulator.token not in json.dumps(listing)

    assert hosts_of(listing, "connectors") == sorted(HARDWARE + VIRTUAL)
    assert hosts_of(listing, "managed") == HARDWARE and hosts_of(listing, "licensed") == sorted(VIRTUAL)
    assert hosts_of(listing, "not_activated") == sorted(["MWC2405C0077", "32d9a8741af047e39c4a6ee61a5daaba"])
    assert hosts_of(listing, "timezone_europe_berlin") == ["MWC2301A0417", "MWC2301A0418"]
    assert hosts_of(listing, "night_window") == sorted(
        ["MWC2301A0417", "MWC2306B1120", "32d9a8741af047e39c4a6ee61a5daaba"]
    )
    newest = "version_" + berlin["cloudflare_last_seen_version"].replace(
        ".", "_"
    )  # the seed's versions are relative to today
    assert hosts_of(listing, newest) == sorted(["MWC2301A0417", "MWC2301A0418", "59c6e7a1d3994ac79947d3bdc4a78c71"])
    assert hosts_of(listing, "version_none") == ["32d9a8741af047e39c4a6ee61a5daaba"]

    # HA membership from the sites (the simulator answers the newest schema: connectors carry no site_id/primary)
    assert not any(
        "cloudflare_site_id" in variables or "cloudflare_primary" in variables for variables in hostvars.values()
    )
    roles = dict((host, (v["cloudflare_site_name"], v["cloudflare_ha_role"])) for host, v in hostvars.items())
    assert roles == {
        "MWC2301A0417": ("ber-branch-01", "primary"),
        "MWC2301A0418": ("ber-branch-01", "secondary"),
        "MWC2306B1120": ("nyc-dc-02", "primary"),
        "59c6e7a1d3994ac79947d3bdc4a78c71": ("tyo-store-114", "primary"),
        "MWC2405C0077": ("", "none"),
        "32d9a8741af047e39c4a6ee61a5daaba": ("", "none"),
    }
    assert hosts_of(listing, "site_ber_branch_01") == ["MWC2301A0417", "MWC2301A0418"]
    assert hosts_of(listing, "site_nyc_dc_02") == ["MWC2306B1120"]
    assert hosts_of(listing, "site_tyo_store_114") == ["59c6e7a1d3994ac79947d3bdc4a78c71"]
    assert "site_syd_branch_07" not in listing, "a site that names no connector makes no group"


def test_a_hostile_site_name_is_data_in_a_play(ansible, simulator, simulator_api, tmp_path):
    """A site name holding a template reaches a play as text; its group name holds no template."""
    hostile = "{{ lookup('pipe', 'touch %s') }}" % (tmp_path / "pwned")
    simulator_api.patch("magic/sites/5f8e0b3a2c6d4e1f9a7b8c0d1e2f3a4b", json={"name": hostile}).raise_for_status()
    listing, _stderr = inventory_list(ansible, tmp_path, "plugin: cloudflare.magic_transit.connectors\n")
    groups = [name for name in listing if name.startswith("site_lookup_pipe_touch")]
    assert (
        len(groups) == 1 and "{" not in groups[0] and hosts_of(listing, groups[0]) == ["MWC2301A0417", "MWC2301A0418"]
    )
    assert listing["_meta"]["hostvars"]["MWC2301A0417"]["cloudflare_site_name"] == hostile
    playbook = tmp_path / "show.yml"
    playbook.write_text(
        textwrap.dedent(
            """\
        - hosts: %s
          gather_facts: false
          tasks:
            - ansible.builtin.debug:
                msg: "site={{ cloudflare_site_name }} role={{ cloudflare_ha_role }}"
              delegate_to: localhost
        """
            % groups[0]
        ),
        encoding="utf-8",
    )
    completed = ansible.run("ansible-playbook", "-i", tmp_path / "sim.connectors.yml", playbook)
    assert "role=primary" in completed.stdout and "role=secondary" in completed.stdout
    assert "touch" in completed.stdout and not (tmp_path / "pwned").exists(), "the site name is never templated"


def test_cached_refresh_makes_no_call(ansible, simulator, tmp_path):
    source = SOURCE + CACHE.format(cache_dir=tmp_path / "inventory-cache")
    first, _stderr = inventory_list(ansible, tmp_path, source)
    assert len(simulator.requests()) == 2, "the connectors and the sites"

    simulator.clear_log()
    second, _stderr = inventory_list(ansible, tmp_path, source)
    assert simulator.requests() == [], "a refresh within cache_timeout must not call Cloudflare"
    assert second == first

    if CORE >= (2, 19):
        third, _stderr = inventory_list(ansible, tmp_path, source, "--flush-cache")
    else:
        # ansible-inventory has no --flush-cache before 2.19: ansible-playbook's refreshes the cache, then it is read.
        playbook = tmp_path / "nothing.yml"
        playbook.write_text("- hosts: localhost\n  gather_facts: false\n  tasks: []\n", encoding="utf-8")
        ansible.run("ansible-playbook", "-i", tmp_path / "sim.connectors.yml", "--flush-cache", playbook)
        third, _stderr = inventory_list(ansible, tmp_path, source)
    assert len(simulator.requests()) == 2 and third == first


def test_failed_refresh_says_why_and_never_shows_the_token(ansible, simulator, tmp_path):
    path = tmp_path / "sim.connectors.yml"
    path.write_text("plugin: cloudflare.magic_transit.connectors\n", encoding="utf-8")
    overrides = dict(ANSIBLE_INVENTORY_UNPARSED_FAILED="1", CLOUDFLARE_API_TOKEN=simulator.token + "x")
    completed = ansible.run("ansible-inventory", "-i", path, "--list", rc=None, env=overrides)
    assert completed.rc != 0
    assert "401" in completed.stderr and "10000" in completed.stderr
    assert simulator.token not in completed.stdout + completed.stderr


def test_play_over_the_inventory_runs_modules_on_the_controller(ansible, simulator, tmp_path):
    """The AWX pattern: hosts from the connectors source, each task delegated to the controller."""
    (tmp_path / "sim.connectors.yml").write_text("plugin: cloudflare.magic_transit.connectors\n", encoding="utf-8")
    playbook = tmp_path / "licensed.yml"
    playbook.write_text(
        textwrap.dedent("""\
        - name: Virtual connectors, one API read each, run on the controller
          hosts: licensed
          gather_facts: false
          tasks:
            - name: Read the connector of this host
              cloudflare.magic_transit.magic_connector_info:
                id: "{{ cloudflare_id }}"
              delegate_to: localhost
              register: read

            - name: The connector read is the host's connector
              ansible.builtin.assert:
                that:
                  - read.magic_connectors | length == 1
                  - read.magic_connectors[0].notes == cloudflare_notes
        """),
        encoding="utf-8",
    )
    completed = ansible.run(
        "ansible-playbook",
        *("-i", tmp_path / "sim.connectors.yml", "-i", INVENTORY, playbook),
        env=dict(ANSIBLE_INVENTORY_UNPARSED_FAILED="1"),
    )
    assert "ok=2" in completed.stdout and "failed=0" in completed.stdout
    gets = simulator.requests("GET")
    assert len(gets) == 4  # the inventory's two lists (connectors, sites), and one list per virtual connector
