# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""A job as AWX runs it: ansible-runner, a private data dir, the credential injected by the collection's credential type.

The environment is what AWX's injector produces from awx/credential_types/*.yml (a sandboxed Jinja render of each
template with the credential's inputs), the extra variables are survey answers, the inventory is a source of the
connectors inventory plugin, and the project's playbook imports the collection playbook connector_audit.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from jinja2.sandbox import ImmutableSandboxedEnvironment

from ansible_collections.cloudflare.magic_transit.tests.helpers import stored

BIN = Path(sys.executable).parent
COLLECTION = Path(os.path.abspath(__file__)).parents[2]
CREDENTIAL_TYPES = COLLECTION / "awx" / "credential_types"


def injected_env(credential_type, inputs):
    """What AWX injects for a credential of this type: every env template rendered, blank fields as ""."""
    definition = yaml.safe_load((CREDENTIAL_TYPES / credential_type).read_text(encoding="utf-8"))
    inputs = dict((k, v) for k, v in inputs.items() if v)  # AWX leaves empty inputs out of the namespace
    sandbox = ImmutableSandboxedEnvironment()
    return dict(
        (name, sandbox.from_string(template).render(**inputs))
        for name, template in definition["injectors"]["env"].items()
    )


@pytest.fixture(name="runner")
def runner_fixture():
    runner = BIN / "ansible-runner"
    if not runner.exists():
        pytest.skip("ansible-runner is not installed next to %s (requirements-dev.txt pins it)" % sys.executable)
    return runner


@pytest.mark.parametrize("credential_type", ["cloudflare_api_token.yml", "cloudflare_global_api_key.yml"])
def test_connector_audit_job_as_awx_runs_it(runner, ansible, simulator, tmp_path, credential_type):
    inputs = dict(
        api_token=simulator.token,
        api_email=simulator.email,
        api_key=simulator.api_key,
        account_id=simulator.account_id,
        base_url=simulator.base_url,
    )
    credential_env = injected_env(credential_type, inputs)

    data = tmp_path / "private_data_dir"
    for folder in ("env", "project", "inventory"):
        (data / folder).mkdir(parents=True)
    # Everything but the credential comes from the runner's own environment; the credential only from envvars.
    base_env = dict((k, v) for k, v in ansible.env().items() if not k.startswith("CLOUDFLARE_"))
    (data / "env" / "envvars").write_text(json.dumps(credential_env), encoding="utf-8")
    # The seed's versions are relative to today: the newest release's x.y.0 leaves nyc-dc-02 (and syd) behind.
    minimum = simulator.connector("711f8eedc6d84336a6f7d256ddd00fce")["last_seen_version"].rsplit(".", 1)[0] + ".0"
    (data / "env" / "extravars").write_text(
        json.dumps(
            {  # survey answers are strings and numbers
                "connector_audit_min_version": minimum,
                "connector_audit_max_heartbeat_age_hours": 1000000,
                "connector_audit_fail_on_findings": "false",
                "connector_audit_report_dir": str(tmp_path / "report"),
            }
        ),
        encoding="utf-8",
    )
    (data / "inventory" / "prod.connectors.yml").write_text(
        "plugin: cloudflare.magic_transit.connectors\n", encoding="utf-8"
    )
    (data / "project" / "site.yml").write_text(
        "---\n- name: Connector audit\n  ansible.builtin.import_playbook: cloudflare.magic_transit.connector_audit\n",
        encoding="utf-8",
    )

    completed = subprocess.run(
        [str(runner), "run", str(data), "-p", "site.yml", "--ident", "audit"],
        capture_output=True,
        text=True,
        cwd=str(tmp_path),
        timeout=240,
        check=False,
        env=dict(base_env, ANSIBLE_INVENTORY_UNPARSED_FAILED="1"),
    )
    artifacts = data / "artifacts" / "audit"
    stdout = (artifacts / "stdout").read_text(encoding="utf-8") if (artifacts / "stdout").exists() else ""
    assert completed.returncode == 0, completed.stdout + completed.stderr + stdout
    assert (artifacts / "status").read_text(encoding="utf-8") == "successful"
    # every seeded connector has a finding (HA peers in one window, no site, not activated, old versions, ...)
    assert "6 connector(s) audited, 6 with findings" in stdout
    assert (tmp_path / "report" / "report.html").is_file()

    # the inventory source's connectors and sites lists, then the report's: reads only
    assert [(c["method"], c["path"].rsplit("/", 1)[-1]) for c in simulator.requests()] == [
        ("GET", "connectors"),
        ("GET", "sites"),
        ("GET", "connectors"),
        ("GET", "sites"),
    ] and simulator.writes() == []

    # set_stats reaches AWX as the job's artifacts (the stats event's artifact_data)
    events = [json.loads(p.read_text(encoding="utf-8")) for p in sorted((artifacts / "job_events").glob("*.json"))]
    stats = [e for e in events if e.get("event") == "playbook_on_stats"]
    # (before ansible-core 2.19 a templated number reaches set_stats as a string)
    assert stats and int(stats[-1]["event_data"]["artifact_data"]["connector_audit_connectors"]) == 6
    findings = stats[-1]["event_data"]["artifact_data"]["connector_audit_findings"]
    assert sorted(f["id"] for f in findings) == sorted(stored(simulator, "connectors"))

    # What AWX shows and stores of a job: its output and its events. (ansible-runner's own "command" artifact
    # holds the whole environment by design; AWX keeps a masked copy of it instead.)
    secrets = [inputs["api_token"], inputs["api_key"]]
    for path in [artifacts / "stdout"] + sorted((artifacts / "job_events").glob("*.json")):
        text = path.read_text(encoding="utf-8", errors="replace")
        assert not any(secret in text for secret in secrets), "a secret leaked into %s" % path
