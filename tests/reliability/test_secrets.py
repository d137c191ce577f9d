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
from pathlib import Path

import requests

from ansible_collections.cloudflare.magic_transit.tests.integration.conftest import PLAYBOOKS as INTEGRATION_PLAYBOOKS

PLAYBOOKS = Path(__file__).parent / "playbooks"
SEED_MD5_KEY = "sim-md5-demo-key-9f2c"
LICENSE_KEY = re.compile(r"MWCL(?:-[0-9A-Za-z]{5}){5}")
LHR = "3d8f178ccc144d6089165dca06f11d1d"


def _admin(process, method, path, body=None):
    with requests.Session() as session:
        session.trust_env = False
        response = session.request(method, "%s/%s" % (process.admin_url, path), json=body, timeout=10)
    response.raise_for_status()
    return response


def test_no_secret_in_any_output(ansible, simulator, simulator_server, tmp_path):
    # A simulator of its own with its access log on, so that its output is searched too.
    process = simulator.start_extra(quiet=False)
    _admin(process, "PUT", "faults", {"rules": [
        {"match": {"method": "PUT", "path": "/cf_interconnects/%s$" % LHR}, "action": "malformed", "when": "after"}]})
    key_dir = tmp_path / "keys"
    key_dir.mkdir()
    bad_token = "sim_rw_token_that_expired_long_ago_00000"
    extra_vars = dict(rw_token=simulator.token, ro_token=simulator.readonly_token, bad_token=bad_token, api_email=simulator.email,
                      api_key=simulator.api_key, md5_key="md5-Secret-set-by-test-1", md5_key_check="md5-Secret-checked-2",
                      md5_key_refused="md5-Secret-refused?3", key_dir=str(key_dir))
    env = dict(CLOUDFLARE_BASE_URL=process.base_url, CLOUDFLARE_API_TOKEN=None)
    # From a file, as vaulted variables would come: ansible-playbook -vvvv prints a command line's -e values itself.
    vars_file = tmp_path / "secrets.json"
    vars_file.write_text(json.dumps(extra_vars), encoding="utf-8")

    runs = [
        ansible.playbook(str(PLAYBOOKS / "secrets.yml"), "-vvvv", "-e", "@%s" % vars_file, diff=True, env=env),
        # The integration suite's license-key playbook, token from the environment.
        ansible.playbook(str(INTEGRATION_PLAYBOOKS / "magic_connector_virtual.yml"), "-vvvv", diff=True,
                         env=dict(CLOUDFLARE_BASE_URL=process.base_url)),
        # Legacy credentials from the controller's environment (a task's `environment:` keyword would be printed by
        # ansible itself at -vvvv, like `-e` values given on the command line).
        ansible.adhoc("cloudflare.magic_transit.magic_connector", "notes=secrets-vcon-01 activated=true", "-vvvv", "--diff",
                      env=dict(CLOUDFLARE_BASE_URL=process.base_url, CLOUDFLARE_API_TOKEN=None, CLOUDFLARE_EMAIL=simulator.email,
                               CLOUDFLARE_API_KEY=simulator.api_key)),
        # A failing ad-hoc run with the token on the command line.
        ansible.adhoc("cloudflare.magic_transit.cf_interconnect", "name=lhr-cni-2 mtu=1400 api_token=%s" % simulator.readonly_token,
                      "-vvvv", "--diff", rc=2, env=dict(CLOUDFLARE_BASE_URL=process.base_url)),
    ]
    keys = dict((path.stem, path.read_text(encoding="utf-8")) for path in key_dir.iterdir())
    assert sorted(keys) == ["created", "printed", "rekeyed"] and all(LICENSE_KEY.fullmatch(key) for key in keys.values()), keys

    log = _admin(process, "GET", "requests").text
    process.stop()
    outputs = {"request log": log, "simulator output": process.output(), "session simulator output": simulator_server.output()}
    for index, run in enumerate(runs):
        outputs["run %d stdout" % index] = run.stdout
        outputs["run %d stderr" % index] = run.stderr
    for where, text in outputs.items():  # kept for a look when this test fails
        (tmp_path / (where.replace(" ", "-") + ".txt")).write_text(text, encoding="utf-8")
    secrets = dict(rw_token=simulator.token, ro_token=simulator.readonly_token, bad_token=bad_token, api_key=simulator.api_key,
                   seed_md5_key=SEED_MD5_KEY, created_license_key=keys["created"], rekeyed_license_key=keys["rekeyed"],
                   **dict((name, extra_vars[name]) for name in ("md5_key", "md5_key_check", "md5_key_refused")))

    found = ["%s in %s" % (name, where) for name, secret in secrets.items() for where, text in outputs.items() if secret in text]
    # Any other license key (the integration playbook's), except the documented one.
    found += ["license key %s in %s" % (key, where) for where, text in outputs.items() for key in LICENSE_KEY.findall(text)
              if key != keys["printed"]]
    assert found == [], "secrets leaked:\n" + "\n".join(found)

    # The documented exception, and the proof that the search finds what is there: printed by the run whose task lacks
    # no_log, in its task result only; never in the simulator's log or output.
    assert keys["printed"] in runs[0].stdout
    assert [where for where, text in outputs.items() if keys["printed"] in text] == ["run 0 stdout"]
    # The search really saw the secrets' neighbourhood: masks where the values would be.
    assert '"md5_key": "********"' in runs[0].stdout and "re-read shows the change landed" in runs[0].output
    assert "********" in log and json.loads(log)
