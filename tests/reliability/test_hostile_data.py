# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""A connector's notes are written by anyone with dashboard access, so every API string is hostile.

One table row per payload class x path where API data meets Ansible's templating: the inventory plugin while it parses
(``compose``, ``groups``, ``keyed_groups``), a play using the host variables (directly, through ``hostvars``,
``set_fact``, a composed variable and ``group_names``), a poisoned inventory cache, a registered module result, and
the ``connector_audit`` playbook. Each row plants the payload in a connector's notes, runs the real
``ansible-inventory`` / ``ansible-playbook``, and checks two things: the path saw the text verbatim (so the row
proves something), and the command in the payload never ran (its marker file does not exist). A control run templates
the same payloads as trusted playbook text and proves each of them does run there.

Run it on every controller where the behaviour differs (the integration venvs), from the build copy::

    make sync && cd .build/collections/ansible_collections/cloudflare/magic_transit
    ../../../../../.venv/bin/python -m pytest tests/reliability/test_hostile_data.py        # ansible-core 2.21
    ../../../../../.venv-2.16/bin/python -m pytest tests/reliability/test_hostile_data.py   # 2.16
    ../../../../../.venv-2.18/bin/python -m pytest tests/reliability/test_hostile_data.py   # 2.18
"""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import textwrap
from pathlib import Path

import pytest
from ansible.release import __version__ as ANSIBLE_VERSION

from ansible_collections.cloudflare.magic_transit.tests.helpers import plain
from ansible_collections.cloudflare.magic_transit.tests.integration.conftest import BIN, INVENTORY

CORE = tuple(int(part) for part in ANSIBLE_VERSION.split(".")[:2])

COLLECTION = Path(os.path.abspath(__file__)).parents[2]

# Payload classes: each runs `touch <mark>` on the controller if anything templates it.
PAYLOADS = {
    "lookup": "{{{{ lookup('pipe', 'touch {mark}') }}}}",
    "query": "{{{{ query('pipe', 'touch {mark}') | first }}}}",
    "statement": "{{% set ran = lookup('pipe', 'touch {mark}') %}}statement",
    "walk to os (lipsum)": "{{{{ lipsum.__globals__.os.system('touch {mark}') }}}}",
    "walk to os (cycler)": "{{{{ cycler.__init__.__globals__.os.popen('touch {mark}').read() }}}}",
}
PATHS = (
    "inventory compose",
    "inventory groups",
    "inventory keyed_groups",
    "play host variables",
    "poisoned inventory cache",
    "registered module result",
    "connector_audit playbook",
)

SOURCE = """\
plugin: cloudflare.magic_transit.connectors
hostname: id
compose:
  copied: cloudflare_notes ~ ''
groups:
  hostile: "'touch' in cloudflare_notes"
keyed_groups:
  - key: cloudflare_notes
    prefix: notes
"""
CACHE = """\
cache: true
cache_plugin: ansible.builtin.jsonfile
cache_connection: {folder}
cache_timeout: 600
"""
# Every way a play reads the host's notes, written to one evidence file per host.
HOST_PLAY = """\
- name: Use the host variables that came from Cloudflare
  hosts: connectors
  gather_facts: false
  tasks:
    - name: Copy the notes into a fact
      ansible.builtin.set_fact:
        notes_fact: "{{ cloudflare_notes }}"
    - name: Print them
      ansible.builtin.debug:
        msg: "{{ cloudflare_notes }} / {{ hostvars[inventory_hostname].cloudflare_notes }} / {{ notes_fact }}"
    - name: Write what the play saw
      ansible.builtin.copy:
        dest: "{{ evidence }}/{{ inventory_hostname }}.json"
        content: "{{ {'variable': cloudflare_notes, 'hostvars': hostvars[inventory_hostname].cloudflare_notes,
                     'fact': notes_fact, 'composed': copied, 'group_names': group_names} | to_json }}"
        mode: "0600"
      delegate_to: localhost
"""
RESULT_PLAY = """\
- name: Use a registered module result
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Read the connectors
      cloudflare.magic_transit.magic_connector_info:
      register: read
    - name: Copy their notes into a fact
      ansible.builtin.set_fact:
        notes_list: "{{ read.magic_connectors | map(attribute='notes') | list }}"
    - name: Print them
      ansible.builtin.debug:
        msg: "{{ item }}"
      loop: "{{ notes_list }}"
    - name: Write what the play saw
      ansible.builtin.copy:
        dest: "{{ evidence }}/registered.json"
        content: "{{ read.magic_connectors | items2dict(key_name='id', value_name='notes') | to_json }}"
        mode: "0600"
"""


def payload(kind, mark):
    return PAYLOADS[kind].format(mark=mark)


class Estate:
    """The seed account with one payload class in the notes of each of the first connectors, marks per path."""

    def __init__(self, ansible, simulator, simulator_api, folder):
        self.ansible, self.simulator, self.api, self.folder = ansible, simulator, simulator_api, folder
        listed = simulator_api.get("magic/connectors").json()["result"]
        self.ids = dict(zip(PAYLOADS, sorted(c["id"] for c in listed), strict=False))
        assert len(self.ids) == len(PAYLOADS), "the seed needs a connector per payload class"
        (folder / "marks").mkdir()

    def mark(self, path, kind):
        return self.folder / "marks" / ("%s-%s" % (path, kind)).replace(" ", "_").replace("(", "").replace(")", "")

    def notes(self, path):
        """{connector id: the notes planted for this path}"""
        return dict((self.ids[kind], payload(kind, self.mark(path, kind))) for kind in PAYLOADS)

    def plant(self, path):
        for connector_id, notes in self.notes(path).items():
            answer = self.api.patch("magic/connectors/%s" % connector_id, json={"notes": notes})
            assert answer.status_code == 200, answer.text
        return self.notes(path)

    def run(self, *command, name):
        completed = subprocess.run(
            [str(BIN / command[0])] + list(command[1:]),
            capture_output=True,
            text=True,
            cwd=str(self.folder),
            timeout=240,
            check=False,
            env=self.ansible.env(ANSIBLE_INVENTORY_UNPARSED_FAILED="1"),
        )
        (self.folder / ("%s.log" % name.replace(" ", "_"))).write_text(completed.stdout + completed.stderr)
        assert completed.returncode == 0, "%s failed:\n%s%s" % (name, completed.stdout, completed.stderr)
        return completed

    def source(self, extra=""):
        path = self.folder / "hostile.connectors.yml"
        path.write_text(SOURCE + extra, encoding="utf-8")
        return path

    def inventory(self, path):
        completed = self.run("ansible-inventory", "-i", str(self.source()), "--list", name=path)
        listing = json.loads(completed.stdout)
        return plain(listing)

    def playbook(self, text, name, *inventories):
        playbook = self.folder / ("%s.yml" % name.replace(" ", "_"))
        playbook.write_text(text, encoding="utf-8")
        evidence = self.folder / ("evidence-%s" % name.replace(" ", "_"))
        evidence.mkdir()
        args = []
        for inventory in inventories + (INVENTORY,):
            args += ["-i", str(inventory)]
        self.run("ansible-playbook", *args, "-e", "evidence=%s" % evidence, str(playbook), name=name)
        return dict((p.stem, json.loads(p.read_text(encoding="utf-8"))) for p in evidence.iterdir())


def edit_cache_entry(entry, collection, field, planted):
    """Plant ``{object id: text}`` in ``field`` of the ``collection`` (connectors, sites) of an inventory cache entry."""
    stored = json.loads(entry.read_text(encoding="utf-8"))
    wrapped = isinstance(stored, dict) and "__payload__" in stored  # ansible-core 2.19+
    lists = json.loads(stored["__payload__"]) if wrapped else stored
    for item in lists[collection]:
        item[field] = planted.get(item["id"], item.get(field))
    if wrapped:
        stored["__payload__"] = json.dumps(lists)
    entry.write_text(json.dumps(stored if wrapped else lists), encoding="utf-8")


def run_from_poisoned_cache(estate, play, name, collection, field, planted):
    """Fill the inventory cache, plant ``planted`` in it (``edit_cache_entry``), and run ``play`` from it: what each
    host saw, with no API call."""
    cache = CACHE.format(folder=estate.folder / "cache")
    estate.run("ansible-inventory", "-i", str(estate.source(cache)), "--list", name="fill cache " + name)
    [entry] = list((estate.folder / "cache").iterdir())
    edit_cache_entry(entry, collection, field, planted)
    estate.simulator.clear_log()
    seen = estate.playbook(play, name, estate.source(cache))
    assert estate.simulator.requests() == [], "a cached run must not call Cloudflare"
    return seen


def seen_by_path(estate, path):
    """Run one path with the payloads planted; returns {payload class: whether the path saw the text verbatim}."""
    if path == "poisoned inventory cache":
        # The cache is filled from the clean seed, then its entry is edited: the next run reads it, no API call.
        estate.simulator.reset()
        planted = estate.notes(path)
        seen = run_from_poisoned_cache(estate, HOST_PLAY, path, "connectors", "notes", planted)
        return dict((kind, seen[i]["variable"] == planted[i]) for kind, i in estate.ids.items())

    planted = estate.plant(path)
    if path.startswith("inventory"):
        listing = estate.inventory(path)
        hostvars = listing["_meta"]["hostvars"]
        groups = dict((name, set(group.get("hosts", []))) for name, group in listing.items() if name != "_meta")
        seen = {}
        for kind, connector_id in estate.ids.items():
            if path == "inventory compose":
                seen[kind] = hostvars[connector_id]["copied"] == planted[connector_id]
            elif path == "inventory groups":
                seen[kind] = connector_id in groups.get("hostile", ())
            else:  # a keyed group made of the notes, braces replaced
                keyed = [name for name, hosts in groups.items() if name.startswith("notes_") and connector_id in hosts]
                seen[kind] = len(keyed) == 1 and "{" not in keyed[0] and "}" not in keyed[0]
        return seen
    if path == "play host variables":
        seen = estate.playbook(HOST_PLAY, path, estate.source())
        return dict(
            (
                kind,
                seen[i]["variable"] == seen[i]["hostvars"] == seen[i]["fact"] == seen[i]["composed"] == planted[i]
                and any(name.startswith("notes_") for name in seen[i]["group_names"]),
            )
            for kind, i in estate.ids.items()
        )
    if path == "registered module result":
        seen = estate.playbook(RESULT_PLAY, path)["registered"]
        return dict((kind, seen[i] == planted[i]) for kind, i in estate.ids.items())
    # connector_audit: the collection's playbook writes the report; its CSV holds each connector's notes
    report = estate.folder / "report"
    estate.run(
        "ansible-playbook",
        "-i",
        str(INVENTORY),
        str(COLLECTION / "playbooks" / "connector_audit.yml"),
        "-e",
        json.dumps({"connector_audit_report_dir": str(report)}),
        name=path,
    )
    with open(report / "connectors.csv", encoding="utf-8", newline="") as stream:
        rows = dict((row["id"], row["notes"]) for row in csv.DictReader(stream))
    return dict((kind, rows.get(i) == planted[i]) for kind, i in estate.ids.items())


def test_control_the_payloads_run_when_they_are_trusted_templates(ansible, tmp_path):
    """The payloads are live: written by the playbook's author (trusted), each one runs. Without this, a row could
    pass because its payload was broken. (ansible-core 2.19+ templates in a sandbox that refuses the attribute walks
    even in trusted text; on 2.16 and 2.18 they run.)"""
    marks = dict((kind, tmp_path / ("control-%d" % index)) for index, kind in enumerate(PAYLOADS))
    tasks = "".join(
        '    - name: Control {}\n      ansible.builtin.debug:\n        msg: "{}"\n      ignore_errors: true\n'.format(
            index, payload(kind, marks[kind]).replace('"', '\\"')
        )
        for index, kind in enumerate(PAYLOADS)
    )
    playbook = tmp_path / "control.yml"
    playbook.write_text("- hosts: localhost\n  gather_facts: false\n  tasks:\n" + tasks, encoding="utf-8")
    completed = ansible.run("ansible-playbook", "-i", INVENTORY, playbook, rc=None)
    ran = dict((kind, mark.exists()) for kind, mark in marks.items())
    expected = dict((kind, CORE < (2, 19) or not kind.startswith("walk to os")) for kind in PAYLOADS)
    assert ran == expected, completed.stdout + completed.stderr


def check_table(estate, paths, seen_by, rows):
    """Run every path (``seen_by(estate, path)``) and check each row: the text seen verbatim, its command never run."""
    table = []
    for path in paths:
        seen = seen_by(estate, path)
        for kind in PAYLOADS:
            table.append((path, kind, seen[kind], estate.mark(path, kind).exists()))
    assert len(table) == len(paths) * len(PAYLOADS) == rows
    failures = [
        "%s / %s: %s" % (path, kind, "RAN" if ran else "text not seen verbatim")
        for path, kind, seen, ran in table
        if ran or not seen
    ]
    assert failures == [], "\n".join(failures)
    assert not any(estate.folder.joinpath("marks").iterdir())


def test_api_strings_never_run_on_any_path(ansible, simulator, simulator_api, tmp_path):
    check_table(Estate(ansible, simulator, simulator_api, tmp_path), PATHS, seen_by_path, 35)


@pytest.mark.parametrize("prefix", ["", "ansible_", "a-b"])
def test_a_prefix_that_lets_the_answer_name_variables_is_refused(ansible, simulator, tmp_path, prefix):
    path = tmp_path / "bad.connectors.yml"
    path.write_text("plugin: cloudflare.magic_transit.connectors\nprefix: %s\n" % json.dumps(prefix), encoding="utf-8")
    completed = ansible.run(
        "ansible-inventory", "-i", path, "--list", rc=None, env=dict(ANSIBLE_INVENTORY_UNPARSED_FAILED="1")
    )
    assert completed.rc != 0
    assert "prefix must" in " ".join(completed.stderr.split()), completed.stderr
    assert simulator.requests() == [], "the option is checked before any call"


def test_a_shared_world_writable_cache_folder_is_refused(ansible, simulator, tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o1777)
    path = tmp_path / "cached.connectors.yml"
    path.write_text(
        textwrap.dedent("""\
        plugin: cloudflare.magic_transit.connectors
        """)
        + CACHE.format(folder=shared),
        encoding="utf-8",
    )
    completed = ansible.run(
        "ansible-inventory", "-i", path, "--list", rc=None, env=dict(ANSIBLE_INVENTORY_UNPARSED_FAILED="1")
    )
    assert completed.rc != 0
    assert "cache_connection must not be a folder that every user can write" in " ".join(completed.stderr.split())
    assert simulator.requests() == [] and list(shared.iterdir()) == []


# --- Magic WAN site names: the inventory's site_name, site groups and the audit report -------------------------------

SITE_PATHS = (
    "inventory compose",
    "inventory site groups",
    "play host variables",
    "poisoned inventory cache",
    "connector_audit playbook",
)
SITE_SOURCE = """\
plugin: cloudflare.magic_transit.connectors
hostname: id
compose:
  copied: cloudflare_site_name ~ ''
"""
# The same reads of the site name instead of the notes.
SITE_PLAY = HOST_PLAY.replace("the notes", "the site name").replace("cloudflare_notes", "cloudflare_site_name")


class SiteEstate(Estate):
    """The seed account where every connector is in a site (sites made for those in none), one payload class in the
    name of each site that names a connector; ``ids`` maps a payload class to (site id, a member connector id)."""

    def __init__(self, ansible, simulator, api, folder):  # pylint: disable=super-init-not-called
        self.ansible, self.simulator, self.api, self.folder = ansible, simulator, api, folder
        sites = api.get("magic/sites").json()["result"]
        named = set(s.get(k) for s in sites for k in ("connector_id", "secondary_connector_id"))
        free = sorted(c["id"] for c in api.get("magic/connectors").json()["result"] if c["id"] not in named)
        for site in sites:
            if not site.get("connector_id") and free:
                api.patch("magic/sites/" + site["id"], json={"connector_id": free.pop()}).raise_for_status()
        for number, connector_id in enumerate(free):
            api.post(
                "magic/sites", json={"name": "hostile-%d" % number, "connector_id": connector_id}
            ).raise_for_status()
        members = sorted(
            (s["id"], s["connector_id"]) for s in api.get("magic/sites").json()["result"] if s.get("connector_id")
        )
        assert len(members) >= len(PAYLOADS), "the seed needs a site per payload class"
        self.ids = dict(zip(PAYLOADS, members[: len(PAYLOADS)], strict=True))
        (folder / "marks").mkdir()

    def names(self, path):
        """{site id: the name planted for this path}"""
        return dict((self.ids[kind][0], payload(kind, self.mark(path, kind))) for kind in PAYLOADS)

    def plant(self, path):
        for site_id, name in self.names(path).items():
            answer = self.api.patch("magic/sites/" + site_id, json={"name": name})
            assert answer.status_code == 200, answer.text
        return self.names(path)

    def source(self, extra=""):
        path = self.folder / "hostile.connectors.yml"
        path.write_text(SITE_SOURCE + extra, encoding="utf-8")
        return path


def site_name_seen_by_path(estate, path):
    """Run one path with the payloads in the site names; {payload class: whether it saw the name verbatim}."""
    if path == "poisoned inventory cache":
        planted = estate.names(path)
        seen = run_from_poisoned_cache(estate, SITE_PLAY, "site " + path, "sites", "name", planted)
        return dict((kind, seen[member]["variable"] == planted[site]) for kind, (site, member) in estate.ids.items())
    planted = estate.plant(path)
    if path.startswith("inventory"):
        listing = estate.inventory("site " + path)
        groups = dict((name, set(group.get("hosts", []))) for name, group in listing.items() if name != "_meta")
        if path == "inventory compose":
            return dict(
                (kind, listing["_meta"]["hostvars"][member]["copied"] == planted[site])
                for kind, (site, member) in estate.ids.items()
            )
        # a site group made of the name, braces replaced, holding the member
        return dict(
            (
                kind,
                [n for n, hosts in groups.items() if n.startswith("site_") and member in hosts]
                == ["site_" + "_".join(filter(None, re.split(r"[^a-z0-9]+", planted[site].lower())))],
            )
            for kind, (site, member) in estate.ids.items()
        )
    if path == "play host variables":
        seen = estate.playbook(SITE_PLAY, "site " + path, estate.source())
        return dict(
            (
                kind,
                seen[member]["variable"]
                == seen[member]["hostvars"]
                == seen[member]["fact"]
                == seen[member]["composed"]
                == planted[site]
                and any(n.startswith("site_") for n in seen[member]["group_names"]),
            )
            for kind, (site, member) in estate.ids.items()
        )
    report = estate.folder / "site-report"
    estate.run(
        "ansible-playbook",
        "-i",
        str(INVENTORY),
        str(COLLECTION / "playbooks" / "connector_audit.yml"),
        "-e",
        json.dumps({"connector_audit_report_dir": str(report)}),
        name="site " + path,
    )
    with open(report / "connectors.csv", encoding="utf-8", newline="") as stream:
        rows = dict((row["id"], row["site"]) for row in csv.DictReader(stream))
    return dict((kind, rows.get(member) == planted[site]) for kind, (site, member) in estate.ids.items())


def test_site_names_never_run_on_any_path(ansible, simulator, simulator_api, tmp_path):
    check_table(SiteEstate(ansible, simulator, simulator_api, tmp_path), SITE_PATHS, site_name_seen_by_path, 25)
