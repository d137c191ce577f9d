# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What surrounds the source: its declaration and documentation, the rulebooks, the EDA credential type, the
decision environment and the audit event query."""

import json
import subprocess
import sys
from pathlib import Path

import jq
import pytest
import yaml

from ansible_collections.cloudflare.magic_transit.plugins.doc_fragments.connection import ModuleDocFragment
from ansible_collections.cloudflare.magic_transit.plugins.module_utils._module import CONNECTION_ARGUMENT_SPEC

from eda_fakes import COLLECTION, SOURCE_FILE

BIN = Path(sys.executable).parent
RULEBOOKS = sorted((COLLECTION / "extensions" / "eda" / "rulebooks").glob("*.yml"))
SOURCE = "cloudflare.magic_transit.connector_events"


def load(path):
    return yaml.safe_load(Path(path).read_text(encoding="utf-8"))


def test_meta_extensions_declares_the_source_folder():
    declared = load(COLLECTION / "meta" / "extensions.yml")["extensions"]
    assert declared == [
        {
            "args": {"ext_dir": "eda/plugins/event_source"},
            "directory": "extensions/eda/plugins/event_source",
            "type": "eda",
        }
    ]
    assert SOURCE_FILE.parent == COLLECTION / declared[0]["directory"]


def test_the_documentation_says_what_the_argument_spec_does(source_module):
    docs = yaml.safe_load(source_module.DOCUMENTATION)
    assert docs["name"] == "connector_events" and docs["version_added"] == "1.1.0"
    assert docs["extends_documentation_fragment"] == ["cloudflare.magic_transit.connection"]
    documented = dict(yaml.safe_load(ModuleDocFragment.DOCUMENTATION)["options"], **docs["options"])
    spec = source_module.ARGUMENT_SPEC
    assert set(documented) == set(spec)
    assert docs["options"], "the source documents its options"
    for name, option in docs["options"].items():
        assert option["type"] == spec[name]["type"], name
        assert option.get("default") == (spec[name].get("default") if name != "events" else None), name
        assert option.get("choices") == spec[name].get("choices"), name
    # the connection options are the modules' own (same names, types, defaults and CLOUDFLARE_* fallbacks)
    for name, option in CONNECTION_ARGUMENT_SPEC.items():
        assert spec[name] is option
    examples = yaml.safe_load(source_module.EXAMPLES)
    assert SOURCE in examples[0]["sources"][0]


@pytest.mark.parametrize("path", RULEBOOKS, ids=lambda p: p.name)
def test_each_rulebook_uses_the_source_with_arguments_it_accepts(path, source_module, monkeypatch):
    monkeypatch.setenv("CLOUDFLARE_API_TOKEN", "x")
    monkeypatch.setenv("CLOUDFLARE_ACCOUNT_ID", "023e105f4ecef8ad9ca31a8372d0c353")
    (ruleset,) = load(path)
    (source,) = ruleset["sources"]
    source_module.check_arguments(source[SOURCE])
    assert ruleset["rules"], path
    for rule in ruleset["rules"]:
        kinds = [k for k in source_module.EVENT_TYPES if '"%s"' % k in rule["condition"]]
        assert kinds and set(kinds) <= set(source[SOURCE].get("events", source_module.EVENT_TYPES)), rule["name"]


def test_there_are_the_rulebooks_the_readme_lists():
    assert [p.stem for p in RULEBOOKS] == [
        "dashboard_change",
        "ha_pair_down",
        "store_offline",
        "upgrade_outside_window",
    ]
    readme = (COLLECTION / "README.md").read_text(encoding="utf-8")
    for path in RULEBOOKS:
        assert "extensions/eda/rulebooks/%s" % path.name in readme


def test_the_eda_credential_type_injects_what_the_source_reads():
    definition = load(COLLECTION / "awx" / "credential_types" / "eda" / "cloudflare_api_token.yml")
    assert set(definition) == {"name", "description", "inputs", "injectors"}
    assert set(definition["injectors"]) == {"env"}
    fields = dict((field["id"], field) for field in definition["inputs"]["fields"])
    assert definition["injectors"]["env"], "the credential type injects the connection variables"
    for env_name, template in definition["injectors"]["env"].items():
        option = template.strip("{} ")
        assert CONNECTION_ARGUMENT_SPEC[option]["fallback"][1] == [env_name]
        assert fields[option].get("secret", False) is bool(CONNECTION_ARGUMENT_SPEC[option].get("no_log"))
    assert set(definition["inputs"]["required"]) == {"api_token", "account_id"}


# --- AAP's indirect node counting -------------------------------------------------------------------------------

CONNECTOR = {
    "id": "711f8eedc6d84336a6f7d256ddd00fce",
    "notes": "ber-branch-01 primary",
    "device": {"id": "8a1d", "serial_number": "MWC2301A0417", "type": "MANAGED"},
}
VIRTUAL = {"id": "59c6e7a1d3994ac79947d3bdc4a78c71", "notes": "tyo", "device": {"id": "9f", "type": "LICENSED"}}


def query(module, result):
    queries = load(COLLECTION / "extensions" / "audit" / "event_query.yml")
    return jq.compile(queries[module]["query"]).input_value(json.loads(json.dumps(result))).first()


def test_event_query_counts_a_connector_by_its_serial_number():
    assert query("cloudflare.magic_transit.magic_connector", {"changed": True, "magic_connector": CONNECTOR}) == [
        {"name": CONNECTOR["id"], "canonical_facts": {"host_name": "MWC2301A0417"}, "facts": {"device_type": "MANAGED"}}
    ]
    assert query("cloudflare.magic_transit.magic_connector", {"changed": False, "magic_connector": {}}) == []


def test_event_query_of_lists_and_of_a_device_without_serial_number():
    found = query("cloudflare.magic_transit.magic_connector_info", {"magic_connectors": [CONNECTOR, VIRTUAL]})
    assert [n["canonical_facts"]["host_name"] for n in found] == ["MWC2301A0417", VIRTUAL["id"]]
    fleet = {
        "magic_connectors": [
            {"id": CONNECTOR["id"], "status": "changed", "connector": CONNECTOR},
            {"id": VIRTUAL["id"], "status": "unchanged"},
            {"id": None, "status": "changed"},
        ]
    }
    found = query("cloudflare.magic_transit.magic_connectors", fleet)
    assert [n["canonical_facts"]["host_name"] for n in found] == ["MWC2301A0417", VIRTUAL["id"]]
    assert (
        query(
            "cloudflare.magic_transit.magic_connector_interrupt",
            {"magic_connector": {"id": VIRTUAL["id"], "notes": "tyo"}},
        )[0]["name"]
        == VIRTUAL["id"]
    )


def test_event_query_names_only_modules_that_exist():
    queries = load(COLLECTION / "extensions" / "audit" / "event_query.yml")
    assert queries, "the event query names modules"
    for name in queries:
        assert (COLLECTION / "plugins" / "modules" / (name.rsplit(".", 1)[1] + ".py")).exists(), name


# --- the decision environment ------------------------------------------------------------------------------------


def test_ansible_builder_accepts_the_decision_environment(tmp_path):
    definition = COLLECTION / "extensions" / "eda" / "decision-environment.yml"
    completed = subprocess.run(
        [
            str(BIN / "ansible-builder"),
            "create",
            "--file",
            str(definition),
            "--context",
            str(tmp_path / "context"),
            "--output-filename",
            "Containerfile",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    build = tmp_path / "context" / "_build"
    assert load(build / "requirements.yml") == {
        "collections": [{"name": "cloudflare.magic_transit", "version": ">=1.1.0"}]
    }
    python = (build / "requirements.txt").read_text(encoding="utf-8").split()
    assert "ansible-rulebook>=1.1" in python and "requests" in python
    assert "java-17-openjdk-headless [platform:rpm]" in (build / "bindep.txt").read_text(encoding="utf-8")
    containerfile = (tmp_path / "context" / "Containerfile").read_text(encoding="utf-8")
    assert "ansible-core>=2.16" in containerfile and "ansible-runner" in containerfile
