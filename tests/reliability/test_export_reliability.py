# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""magic_export (issue 25): bad input refused naming the option, before any call (``NONE``) or, when only the write
of the file can tell, after the reads and with no file and no API write (``READS``), through the bad-input
catalogue's machinery; and hostile strings from the API round-trip through the file as the same plain strings, never
templated by Ansible, with no secret in the file."""

from __future__ import annotations

import json

import pytest
import yaml

from ansible_collections.cloudflare.magic_transit.tests.reliability.test_bad_input import (
    MODULES,
    NONE,
    READS,
    _refused_before_any_write,
)

ROWS = [
    ("export-dest-dir", "EXP", dict(dest="/tmp"), r"^dest must be a file, not a directory, got '/tmp'$", NONE),
    (
        "export-dest-no-dir",
        "EXP",
        dict(dest="/nonexistent-magic-export/estate.yml"),
        r"^dest must be in an existing directory \(/nonexistent-magic-export does not exist\)",
        NONE,
    ),
    (
        "export-dest-under-file",
        "EXP",
        dict(dest="/etc/hostname/estate.yml"),
        r"^dest must be in an existing directory",
        NONE,
    ),
    (
        "export-dest-unwritable",
        "EXP",
        dict(dest="/proc/estate.yml"),
        r"^dest must be a file that can be written",
        READS,
    ),
    (
        "export-concurrency-0",
        "EXP",
        dict(dest="estate.yml", max_concurrency=0),
        r"^max_concurrency must be from 1",
        NONE,
    ),
    (
        "export-wait-negative",
        "EXP",
        dict(dest="estate.yml", rate_limit_wait=-1),
        r"^rate_limit_wait must be 0 or more seconds",
        NONE,
    ),
]

# Strings a dashboard lets through: Jinja in every form, YAML syntax, quotes, line breaks, bidi, words YAML 1.1 reads
# as booleans, numbers or null.
HOSTILE = [
    "promo-{{ lookup('pipe', 'id') }}",
    "{% raw %}x",
    "{# comment #}",
    "- item: !unsafe &a *a",
    "key: value # not a comment",
    "quote ' and \" and \\ backslash",
    "two\nlines",
    "\u202eright-to-left",
    "yes",
    "null",
    "1e3",
    "  padded  ",
]


@pytest.mark.timeout(600)
def test_magic_export_refuses_bad_input_before_any_write(simulator, accounts, playbooks, monkeypatch):
    monkeypatch.setitem(MODULES, "EXP", "cloudflare.magic_transit.magic_export")
    _refused_before_any_write(ROWS, simulator, accounts, playbooks, groups=1)


def test_hostile_strings_round_trip_as_the_same_plain_strings(ansible, simulator, simulator_api, tmp_path):
    for number, name in enumerate(HOSTILE):
        answer = simulator_api.request("POST", "magic/sites", json=dict(name=name, description=name))
        assert answer.status_code == 200, answer.text
        site = answer.json()["result"]
        site = site[0] if isinstance(site, list) else site
        answer = simulator_api.request(
            "POST", "magic/sites/%s/wans" % site["id"], json=dict(name=name, physport=1 + number % 8)
        )
        assert answer.status_code == 200, answer.text
    dest = tmp_path / "estate.yml"
    ansible.adhoc("cloudflare.magic_transit.magic_export", "dest=%s" % dest)
    text = dest.read_text(encoding="utf-8")
    assert "sim_rw_token" not in text and "license_key" not in text

    class Loader(yaml.SafeLoader):
        pass

    Loader.add_constructor("!unsafe", lambda loader, node: loader.construct_scalar(node))
    exported = yaml.load(text, Loader=Loader)["sites_without_connectors"]  # noqa: S506 - a safe loader
    by_name = dict((site["name"], site) for site in exported)
    for name in HOSTILE:
        assert by_name[name]["description"] == name and by_name[name]["wans"][0]["name"] == name
    # Ansible reads the file as vars and gets the very strings: nothing templated, nothing converted.
    playbook = tmp_path / "read.yml"
    playbook.write_text(
        "- hosts: localhost\n  gather_facts: false\n  vars_files: ['%s']\n  tasks:\n"
        "    - ansible.builtin.debug:\n        msg: \"NAMES {{ sites_without_connectors | map(attribute='name') "
        '| list | to_json }}"\n' % dest
    )
    run = ansible.playbook(str(playbook))
    line = next(line for line in run.stdout.splitlines() if "NAMES " in line)
    shown = json.loads(json.loads('"%s"' % line.split("NAMES ", 1)[1].rstrip('"')))
    assert sorted(name for name in shown if name in HOSTILE) == sorted(HOSTILE)
