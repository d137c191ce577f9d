# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The AWX credential types inject exactly the environment variables the modules and the inventory plugin read."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
import yaml
from jinja2.sandbox import ImmutableSandboxedEnvironment

from ansible_collections.cloudflare.magic_transit.plugins.doc_fragments.inventory_connection import ModuleDocFragment
from ansible_collections.cloudflare.magic_transit.plugins.module_utils._module import CONNECTION_ARGUMENT_SPEC

COLLECTION = Path(os.path.abspath(__file__)).parents[3]
TYPES = sorted((COLLECTION / "awx" / "credential_types").glob("*.yml"))
SECRET_OPTIONS = set(name for name, spec in CONNECTION_ARGUMENT_SPEC.items() if spec.get("no_log"))
FIELD_TEMPLATE = re.compile(r"^\{\{ (\w+) \}\}$")


def module_env_names():
    """Option name -> the environment variables of its fallback, as the modules declare them."""
    return dict(
        (name, list(spec["fallback"][1])) for name, spec in CONNECTION_ARGUMENT_SPEC.items() if "fallback" in spec
    )


def load(path):
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def test_there_is_a_token_type_and_a_legacy_key_type():
    assert [p.name for p in TYPES] == ["cloudflare_api_token.yml", "cloudflare_global_api_key.yml"]


@pytest.mark.parametrize("path", TYPES, ids=lambda p: p.name)
def test_shape_of_an_awx_credential_type(path):
    definition = load(path)
    assert set(definition) == {"name", "description", "kind", "inputs", "injectors"}
    assert definition["kind"] == "cloud"
    fields = definition["inputs"]["fields"]
    ids = [field["id"] for field in fields]
    assert len(ids) == len(set(ids))
    assert set(definition["inputs"]["required"]) <= set(ids)
    assert "account_id" in definition["inputs"]["required"]
    for field in fields:
        assert field["type"] == "string" and field["label"]
        assert field.get("secret", False) is (field["id"] in SECRET_OPTIONS), (
            "%s: secret must match no_log" % field["id"]
        )
    assert set(definition["injectors"]) == {"env"}


@pytest.mark.parametrize("path", TYPES, ids=lambda p: p.name)
def test_each_field_is_injected_as_the_fallback_of_the_option_of_the_same_name(path):
    definition = load(path)
    fallbacks = module_env_names()
    injected = definition["injectors"]["env"]
    fields = [field["id"] for field in definition["inputs"]["fields"]]
    assert len(injected) == len(fields)
    for env_name, template in injected.items():
        field = FIELD_TEMPLATE.match(template).group(1)
        assert field in fields
        assert fallbacks[field] == [env_name], "%s is injected as %s, the modules read %s" % (
            field,
            env_name,
            fallbacks[field],
        )


def test_together_the_types_inject_exactly_the_modules_environment_variables():
    injected = set()
    for path in TYPES:
        injected |= set(load(path)["injectors"]["env"])
    expected = set(name for names in module_env_names().values() for name in names)
    assert (
        injected
        == expected
        == {
            "CLOUDFLARE_API_TOKEN",
            "CLOUDFLARE_EMAIL",
            "CLOUDFLARE_API_KEY",
            "CLOUDFLARE_ACCOUNT_ID",
            "CLOUDFLARE_BASE_URL",
        }
    )


def test_no_type_mixes_a_token_with_a_global_key():
    """AWX injects every variable of a type (blank fields as empty strings): a type holds one way to authenticate."""
    for path in TYPES:
        env = set(load(path)["injectors"]["env"])
        assert not ({"CLOUDFLARE_API_TOKEN"} & env and {"CLOUDFLARE_EMAIL", "CLOUDFLARE_API_KEY"} & env)


def test_the_inventory_plugin_reads_the_same_environment_variables():
    options = yaml.safe_load(ModuleDocFragment.DOCUMENTATION)["options"]
    for option, names in module_env_names().items():
        assert [entry["name"] for entry in options[option]["env"]] == names
    assert set(options) == set(CONNECTION_ARGUMENT_SPEC)


def test_rendered_like_awx_blank_fields_become_empty_strings():
    """What AWX's injector does: a sandboxed Jinja render of each template with the credential's non-empty inputs."""
    definition = load(COLLECTION / "awx" / "credential_types" / "cloudflare_api_token.yml")
    inputs = dict(api_token="tok", account_id="023e105f4ecef8ad9ca31a8372d0c353")
    sandbox = ImmutableSandboxedEnvironment()
    env = dict(
        (name, sandbox.from_string(template).render(**inputs))
        for name, template in definition["injectors"]["env"].items()
    )
    assert env == {
        "CLOUDFLARE_API_TOKEN": "tok",
        "CLOUDFLARE_ACCOUNT_ID": "023e105f4ecef8ad9ca31a8372d0c353",
        "CLOUDFLARE_BASE_URL": "",
    }
