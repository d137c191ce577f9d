# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""No secret in any output: playbooks at ``-vvvv`` with ``--diff`` (successes, failures, a warning, check mode), then a
search of everything they and the simulator printed or logged.

Secrets: the API tokens (read/write, read-only, an invalid one given as an argument), the legacy global API key, the
BGP MD5 keys (the seed's and three set here) and every license key. The one documented exception: the license key in
the result of the create that generated it, printed only when that task lacks ``no_log: true`` - the suite checks that
it *is* found there (so the search works) and nowhere else.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import requests

from ansible_collections.cloudflare.magic_transit.plugins.module_utils._inputs import secret_forms
from ansible_collections.cloudflare.magic_transit.tests.integration.conftest import (
    BIN,
    PLAYBOOKS as INTEGRATION_PLAYBOOKS,
)

PLAYBOOKS = Path(__file__).parent / "playbooks"
SEED_MD5_KEY = "sim-md5-demo-key-9f2c"
LICENSE_KEY = re.compile(r"MWCL(?:-[0-9A-Za-z]{5}){5}")
LHR = "3d8f178ccc144d6089165dca06f11d1d"
# An MD5 key whose JSON-escaped, repr and URL-encoded forms all differ from the raw one (the simulator's alphabet:
# printable ASCII without quotation marks or question marks).
ODD_MD5_KEY = "md5-Odd\\key/with+all&the=forms% 1"


def leaks(secrets, outputs, allowed=()):
    """``"<secret> (<form>) in <where>"`` for every secret found in an output in any form it could take: raw, JSON- and
    repr-escaped, URL-encoded. ``allowed``: (secret name, where) pairs that are documented exceptions."""
    return [
        "%s (%r) in %s" % (name, form, where)
        for name, secret in secrets.items()
        for form in secret_forms(secret)
        for where, text in outputs.items()
        if form in text and (name, where) not in allowed
    ]


def _admin(process, method, path, body=None):
    with requests.Session() as session:
        session.trust_env = False
        response = session.request(method, "%s/%s" % (process.admin_url, path), json=body, timeout=10)
    response.raise_for_status()
    return response


def _secrets_run(simulator, tmp_path, md5_key_check):
    """What both scans start from: a simulator of their own with its access log on (its output is searched too)
    that garbles the answer to one interconnect PUT (a failure path), a folder for license keys, and the secrets
    the playbook is given (one MD5 key has characters that make every encoding of it differ)."""
    process = simulator.start_extra(quiet=False)
    _admin(
        process,
        "PUT",
        "faults",
        {
            "rules": [
                {
                    "match": {"method": "PUT", "path": "/cf_interconnects/%s$" % LHR},
                    "action": "malformed",
                    "when": "after",
                }
            ]
        },
    )
    key_dir = tmp_path / "keys"
    key_dir.mkdir()
    bad_token = "sim_rw_token_that_expired_long_ago_00000"
    extra_vars = dict(
        rw_token=simulator.token,
        ro_token=simulator.readonly_token,
        bad_token=bad_token,
        api_email=simulator.email,
        api_key=simulator.api_key,
        md5_key=ODD_MD5_KEY,
        md5_key_check=md5_key_check,
        md5_key_refused="md5-Secret-refused?3",
        key_dir=str(key_dir),
    )
    return process, key_dir, bad_token, extra_vars


def test_no_secret_in_any_output(ansible, simulator, simulator_server, tmp_path):
    process, key_dir, bad_token, extra_vars = _secrets_run(simulator, tmp_path, md5_key_check="md5-Secret-checked-2")
    env = dict(CLOUDFLARE_BASE_URL=process.base_url, CLOUDFLARE_API_TOKEN=None)
    # From a file, as vaulted variables would come: ansible-playbook -vvvv prints a command line's -e values itself.
    vars_file = tmp_path / "secrets.json"
    vars_file.write_text(json.dumps(extra_vars), encoding="utf-8")

    runs = [
        ansible.playbook(str(PLAYBOOKS / "secrets.yml"), "-vvvv", "-e", "@%s" % vars_file, diff=True, env=env),
        # The integration suite's license-key playbook, token from the environment.
        ansible.playbook(
            str(INTEGRATION_PLAYBOOKS / "magic_connector_virtual.yml"),
            "-vvvv",
            diff=True,
            env=dict(CLOUDFLARE_BASE_URL=process.base_url),
        ),
        # Legacy credentials from the controller's environment (a task's `environment:` keyword would be printed by
        # ansible itself at -vvvv, like `-e` values given on the command line).
        ansible.adhoc(
            "cloudflare.magic_transit.magic_connector",
            "notes=secrets-vcon-01 activated=true",
            "-vvvv",
            "--diff",
            env=dict(
                CLOUDFLARE_BASE_URL=process.base_url,
                CLOUDFLARE_API_TOKEN=None,
                CLOUDFLARE_EMAIL=simulator.email,
                CLOUDFLARE_API_KEY=simulator.api_key,
            ),
        ),
        # A failing ad-hoc run with the token on the command line.
        ansible.adhoc(
            "cloudflare.magic_transit.cf_interconnect",
            "name=lhr-cni-2 mtu=1400 api_token=%s" % simulator.readonly_token,
            "-vvvv",
            "--diff",
            rc=2,
            env=dict(CLOUDFLARE_BASE_URL=process.base_url),
        ),
    ]
    keys = dict((path.stem, path.read_text(encoding="utf-8")) for path in key_dir.iterdir())
    assert sorted(keys) == ["created", "printed", "rekeyed"] and all(
        LICENSE_KEY.fullmatch(key) for key in keys.values()
    ), keys

    log = _admin(process, "GET", "requests").text
    process.stop()
    outputs = {
        "request log": log,
        "simulator output": process.output(),
        "session simulator output": simulator_server.output(),
    }
    for index, run in enumerate(runs):
        outputs["run %d stdout" % index] = run.stdout
        outputs["run %d stderr" % index] = run.stderr
    for where, text in outputs.items():  # kept for a look when this test fails
        (tmp_path / (where.replace(" ", "-") + ".txt")).write_text(text, encoding="utf-8")
    secrets = dict(
        rw_token=simulator.token,
        ro_token=simulator.readonly_token,
        bad_token=bad_token,
        api_key=simulator.api_key,
        seed_md5_key=SEED_MD5_KEY,
        created_license_key=keys["created"],
        rekeyed_license_key=keys["rekeyed"],
        **dict((name, extra_vars[name]) for name in ("md5_key", "md5_key_check", "md5_key_refused")),
    )

    found = leaks(secrets, outputs)
    # Any other license key (the integration playbook's), except the documented one.
    found += [
        "license key %s in %s" % (key, where)
        for where, text in outputs.items()
        for key in LICENSE_KEY.findall(text)
        if key != keys["printed"]
    ]
    assert found == [], "secrets leaked:\n" + "\n".join(found)

    # The documented exception, and the proof that the search finds what is there: printed by the run whose task lacks
    # no_log, in its task result only; never in the simulator's log or output.
    assert keys["printed"] in runs[0].stdout
    assert [where for where, text in outputs.items() if keys["printed"] in text] == ["run 0 stdout"]
    # The search really saw the secrets' neighbourhood: masks where the values would be.
    assert '"md5_key": "********"' in runs[0].stdout and "re-read shows the change landed" in runs[0].output
    assert "********" in log and json.loads(log)


def test_no_secret_at_default_verbosity_in_runner_artifacts_or_the_inventory_cache(ansible, simulator, tmp_path):
    """The same playbook as AWX runs it (ansible-runner, default verbosity: its stdout and job events), and the
    inventory plugin with its cache on (``ansible-inventory --list``, a source with an invalid token too): no secret
    in any form in any of them. Without ansible-runner the playbook runs through ansible-playbook."""
    process, key_dir, bad_token, extra_vars = _secrets_run(simulator, tmp_path, md5_key_check="md5-Secret&checked=2")
    env = ansible.env(CLOUDFLARE_BASE_URL=process.base_url, CLOUDFLARE_API_TOKEN=None)
    outputs = {}
    runner = BIN / "ansible-runner"
    if runner.exists():
        data = tmp_path / "private_data_dir"
        for folder in ("env", "project"):
            (data / folder).mkdir(parents=True)
        (data / "env" / "extravars").write_text(json.dumps(extra_vars), encoding="utf-8")
        (data / "project" / "secrets.yml").write_text(
            (PLAYBOOKS / "secrets.yml").read_text(encoding="utf-8"), encoding="utf-8"
        )
        completed = subprocess.run(
            [str(runner), "run", str(data), "-p", "secrets.yml", "--ident", "secrets"],
            capture_output=True,
            text=True,
            cwd=str(tmp_path),
            timeout=240,
            check=False,
            env=env,
        )
        artifacts = data / "artifacts" / "secrets"
        assert (artifacts / "status").read_text(encoding="utf-8") == "successful", completed.stdout + completed.stderr
        outputs["runner output"] = completed.stdout + completed.stderr
        # Everything the job leaves but ansible-runner's "command" artifact, which holds the job's environment by design
        # (AWX keeps a masked copy of it instead), and the extra variables the test itself wrote into env/.
        for path in sorted(p for p in artifacts.rglob("*") if p.is_file() and p.name != "command"):
            outputs["runner %s" % path.relative_to(artifacts)] = path.read_text(encoding="utf-8", errors="replace")
        stdout_names = ["runner output", "runner stdout"] + [
            "runner %s" % p.relative_to(artifacts) for p in sorted((artifacts / "job_events").glob("*.json"))
        ]
    else:
        vars_file = tmp_path / "secrets.json"
        vars_file.write_text(json.dumps(extra_vars), encoding="utf-8")
        completed = subprocess.run(
            [
                str(BIN / "ansible-playbook"),
                "-i",
                "localhost,",
                str(PLAYBOOKS / "secrets.yml"),
                "-e",
                "@%s" % vars_file,
            ],
            capture_output=True,
            text=True,
            cwd=str(tmp_path),
            timeout=240,
            check=False,
            env=env,
        )
        assert completed.returncode == 0, completed.stdout + completed.stderr
        outputs["playbook stdout"], outputs["playbook stderr"] = completed.stdout, completed.stderr
        stdout_names = ["playbook stdout"]
    keys = dict((path.stem, path.read_text(encoding="utf-8")) for path in key_dir.iterdir())
    assert sorted(keys) == ["created", "printed", "rekeyed"], keys

    # The inventory plugin, cache on: a good source (token from the environment) and one whose token is refused.
    cache = tmp_path / "inventory-cache"
    for name, token in (("good", simulator.token), ("refused", bad_token)):
        source = tmp_path / ("%s.connectors.yml" % name)
        source.write_text(
            json.dumps(
                {
                    "plugin": "cloudflare.magic_transit.connectors",
                    "hostname": "notes",
                    "cache": True,
                    "cache_plugin": "ansible.builtin.jsonfile",
                    "cache_connection": str(cache),
                }
            ),
            encoding="utf-8",
        )
        completed = subprocess.run(
            [str(BIN / "ansible-inventory"), "-i", str(source), "--list", "-vvvv"],
            capture_output=True,
            text=True,
            cwd=str(tmp_path),
            timeout=120,
            check=False,
            env=dict(env, CLOUDFLARE_API_TOKEN=token),
        )
        outputs["inventory %s" % name] = completed.stdout + completed.stderr
    assert "ber-branch-01 primary" in outputs["inventory good"] and "401" in outputs["inventory refused"]
    cached = sorted(cache.iterdir())
    assert cached, "the inventory cache was not written"
    for path in cached:
        outputs["inventory cache %s" % path.name] = path.read_text(encoding="utf-8")

    outputs["request log"] = _admin(process, "GET", "requests").text
    process.stop()
    outputs["simulator output"] = process.output()
    for where, text in outputs.items():  # kept for a look when this test fails
        (tmp_path / (re.sub(r"[^A-Za-z0-9.-]+", "-", where) + ".txt")).write_text(text, encoding="utf-8")
    secrets = dict(
        rw_token=simulator.token,
        ro_token=simulator.readonly_token,
        bad_token=bad_token,
        api_key=simulator.api_key,
        seed_md5_key=SEED_MD5_KEY,
        created_license_key=keys["created"],
        rekeyed_license_key=keys["rekeyed"],
        printed_license_key=keys["printed"],
        **dict((name, extra_vars[name]) for name in ("md5_key", "md5_key_check", "md5_key_refused")),
    )
    # The documented exception: the key of the task without no_log, in that task's output (stdout and its events).
    allowed = [("printed_license_key", where) for where in stdout_names]
    found = leaks(secrets, outputs, allowed)
    found += [
        "license key %s in %s" % (key, where)
        for where, text in outputs.items()
        for key in LICENSE_KEY.findall(text)
        if key != keys["printed"]
    ]
    assert found == [], "secrets leaked:\n" + "\n".join(found)
    # The search sees what is there: at default verbosity no result is printed, but the job events carry the result of
    # the task without no_log, and so its license key.
    if runner.exists():
        assert any(keys["printed"] in outputs[name] for name in stdout_names if name.startswith("runner job_events"))
