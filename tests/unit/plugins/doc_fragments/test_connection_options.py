# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The connection options are defined once (CONNECTION_ARGUMENT_SPEC, defaults from CONNECTION_DEFAULTS): the doc
fragments that document them and the inventory plugin that reads them must say the same."""

from __future__ import annotations

import pytest
import yaml

from ansible_collections.cloudflare.magic_transit.plugins.doc_fragments import connection, inventory_connection
from ansible_collections.cloudflare.magic_transit.plugins.inventory import connectors as inventory
from ansible_collections.cloudflare.magic_transit.plugins.module_utils._client import CONNECTION_DEFAULTS
from ansible_collections.cloudflare.magic_transit.plugins.module_utils._module import CONNECTION_ARGUMENT_SPEC

MODULE_OPTIONS = yaml.safe_load(connection.ModuleDocFragment.DOCUMENTATION)["options"]
INVENTORY_OPTIONS = yaml.safe_load(inventory_connection.ModuleDocFragment.DOCUMENTATION)["options"]


def environment_of(spec):
    fallback = spec.get("fallback")
    return fallback[1] if fallback else []


@pytest.mark.parametrize("documented", [MODULE_OPTIONS, INVENTORY_OPTIONS], ids=["modules", "inventory"])
def test_fragments_document_exactly_the_argument_spec(documented):
    assert list(documented) == list(CONNECTION_ARGUMENT_SPEC)
    for name, spec in CONNECTION_ARGUMENT_SPEC.items():
        assert documented[name]["type"] == spec["type"], name
        assert documented[name].get("default") == spec.get("default"), name


def test_module_fragment_says_which_option_is_required():
    for name, spec in CONNECTION_ARGUMENT_SPEC.items():
        assert bool(MODULE_OPTIONS[name].get("required")) == bool(spec.get("required")), name


def test_environment_variables_are_the_same_for_modules_and_the_inventory_plugin():
    for name, spec in CONNECTION_ARGUMENT_SPEC.items():
        assert [entry["name"] for entry in INVENTORY_OPTIONS[name].get("env", [])] == environment_of(spec), name
        for variable in environment_of(spec):
            assert "E(%s)" % variable in " ".join(MODULE_OPTIONS[name]["description"]), name


def test_defaults_come_from_one_place():
    assert dict((k, CONNECTION_ARGUMENT_SPEC[k]["default"]) for k in CONNECTION_DEFAULTS) == CONNECTION_DEFAULTS


def test_inventory_plugin_reads_every_connection_option():
    assert list(inventory.STRING_OPTIONS + inventory.OTHER_OPTIONS) == list(CONNECTION_ARGUMENT_SPEC)
    assert all(CONNECTION_ARGUMENT_SPEC[name]["type"] == "str" for name in inventory.STRING_OPTIONS)
