# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The connectors inventory plugin at the HTTP boundary: one scripted list call per refresh, then hosts and groups.

The plugin is loaded the way ansible-inventory loads it (the collection loader and the plugin loader), so its
options come from its documentation, doc fragments and ``env:`` entries included.
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

import pytest
from ansible.errors import AnsibleError
from ansible.inventory.data import InventoryData
from ansible.parsing.dataloader import DataLoader
from ansible.plugins.loader import inventory_loader
from ansible.release import __version__ as ANSIBLE_VERSION
from ansible.utils.collection_loader._collection_finder import _AnsibleCollectionFinder

from ansible_collections.cloudflare.magic_transit.plugins.inventory.connectors import timezone_group
from ansible_collections.cloudflare.magic_transit.tests.unit.fake_api import ACCOUNT, BASE_URL, TOKEN

PLUGIN = "cloudflare.magic_transit.connectors"
LIST = "/accounts/%s/magic/connectors" % ACCOUNT
# The folder holding ansible_collections/ (the tests run from .../ansible_collections/cloudflare/magic_transit).
COLLECTIONS_ROOT = Path(os.path.abspath(__file__)).parents[7]

BERLIN = {
    "id": "711f8eedc6d84336a6f7d256ddd00fce",
    "activated": True,
    "notes": "ber-branch-01 primary",
    "timezone": "Europe/Berlin",
    "interrupt_window_hour_of_day": 2,
    "interrupt_window_duration_hours": 4.0,
    "interrupt_window_days_of_week": ["Sunday", "Saturday"],
    "interrupt_window_embargo_dates": ["2026-12-24"],
    "primary": True,
    "last_seen_version": "2026.2.1",
    "device": {"id": "52644b00d54ce0fd856a79b6ebcd0a31", "serial_number": "MWC2301A0417", "type": "MANAGED"},
}
NEW_YORK = {
    "id": "d5fcbf8464854891bdc163cff7831dc1",
    "activated": False,
    "notes": "nyc-dc-02 primary",
    "timezone": "America/New_York",
    "interrupt_window_hour_of_day": 23,
    "interrupt_window_duration_hours": 2.0,
    "interrupt_window_days_of_week": ["Sunday"],
    "interrupt_window_embargo_dates": [],
    "primary": True,
    "device": {"id": "2488f249d07fa9fddce5bdfab3c670f1", "serial_number": "MWC2306B1120", "type": "MANAGED"},
}
VIRTUAL = {
    "id": "32d9a8741af047e39c4a6ee61a5daaba",
    "activated": True,
    "notes": "",
    "timezone": "Etc/GMT+5",
    "interrupt_window_hour_of_day": 0,
    "interrupt_window_duration_hours": 4,
    "interrupt_window_days_of_week": ["Monday"],
    "interrupt_window_embargo_dates": [],
    "device": {"id": "b6828156a80e0c756bbab31b24668af3", "type": "LICENSED"},
    # Never returned by a list call; should it ever be, it must not become a host variable.
    "license_key": "LICENSE-KEY-SECRET-0001",
}
FLEET = [BERLIN, NEW_YORK, VIRTUAL]
SITES = "/accounts/%s/magic/sites" % ACCOUNT


def expect_lists(api, connectors, sites=(), params=None, account=ACCOUNT, base=""):
    """Script one refresh: the connectors list, then the sites list (two calls)."""
    api.expect("GET", base + "/accounts/%s/magic/connectors" % account, params=params, result=connectors)
    api.expect("GET", base + "/accounts/%s/magic/sites" % account, result=list(sites))


@pytest.fixture(scope="module", autouse=True)
def collection_loader():
    """Ansible's collection loader for the collection under test, as ansible-inventory sets it up.

    pytest imported ``ansible_collections`` as a plain namespace package (see pytest.ini): those modules are set
    aside while the loader runs, and put back afterwards, so that the other tests never see the loader's copies.
    """
    saved = dict((name, module) for name, module in sys.modules.items() if name.split(".")[0] == "ansible_collections")
    for name in saved:
        del sys.modules[name]
    finder = _AnsibleCollectionFinder(paths=[str(COLLECTIONS_ROOT)], scan_sys_paths=False)
    finder._install()  # pylint: disable=protected-access
    try:
        yield
    finally:
        _AnsibleCollectionFinder._remove()  # pylint: disable=protected-access
        for name in [name for name in sys.modules if name.split(".")[0] == "ansible_collections"]:
            del sys.modules[name]
        sys.modules.update(saved)


@pytest.fixture(autouse=True)
def environment(monkeypatch):
    """No CLOUDFLARE_* or inventory-cache settings from the developer's shell."""
    for name in list(os.environ):
        if name.startswith(("CLOUDFLARE_", "ANSIBLE_INVENTORY_CACHE", "ANSIBLE_CACHE_PLUGIN")):
            monkeypatch.delenv(name)
    return monkeypatch


@pytest.fixture
def refresh(tmp_path):
    """Write an inventory source and parse it: returns (inventory, plugin).

    ``config`` holds the file's options; ``flush`` is ansible-inventory's --flush-cache.
    """

    def run(name="test.connectors.yml", flush=False, connection=True, **config):
        source = dict(plugin=PLUGIN)
        if connection:
            source.update(account_id=ACCOUNT, api_token=TOKEN, base_url=BASE_URL)
        source.update(config)
        path = tmp_path / name
        path.write_text(json.dumps(source), encoding="utf-8")  # JSON is YAML
        plugin = inventory_loader.get(PLUGIN)
        assert plugin is not None, "the plugin could not be loaded through the collection loader"
        assert plugin.verify_file(str(path))
        inventory = InventoryData()
        plugin.parse(inventory, DataLoader(), str(path), cache=not flush)
        if getattr(plugin, "_cache", None) is not None:
            plugin.update_cache_if_changed()  # what the inventory manager does after parse
        return inventory, plugin

    return run


def hostvars(inventory, host):
    return inventory.get_host(host).get_vars()


def members(inventory, group):
    return sorted(h.name for h in inventory.groups[group].get_hosts()) if group in inventory.groups else None


def test_one_list_call_every_connector_a_host(api, refresh):
    expect_lists(api, FLEET)
    inventory, _plugin = refresh()
    # two calls: the connectors, then the sites (HA membership lives on sites)
    assert [call.path for call in api.calls] == [LIST, SITES] and api.calls[0].params in ({}, None)
    assert api.calls[0].headers["Authorization"] == "Bearer " + TOKEN
    # serial numbers name hardware; a virtual connector has none and is named by its id
    assert sorted(inventory.hosts) == sorted(["MWC2301A0417", "MWC2306B1120", VIRTUAL["id"]])
    berlin = hostvars(inventory, "MWC2301A0417")
    assert berlin["cloudflare_id"] == BERLIN["id"]
    assert berlin["cloudflare_timezone"] == "Europe/Berlin"
    assert berlin["cloudflare_interrupt_window_duration_hours"] == 4.0
    assert berlin["cloudflare_device"] == BERLIN["device"]
    assert berlin["cloudflare_device_serial_number"] == "MWC2301A0417"
    assert berlin["cloudflare_device_type"] == "MANAGED"
    assert "cloudflare_device_serial_number" not in hostvars(inventory, VIRTUAL["id"])


def test_default_groups(api, refresh):
    expect_lists(api, FLEET)
    inventory, _plugin = refresh()
    assert members(inventory, "connectors") == sorted(inventory.hosts)
    assert members(inventory, "activated") == sorted(["MWC2301A0417", VIRTUAL["id"]])
    assert members(inventory, "not_activated") == ["MWC2306B1120"]
    assert members(inventory, "managed") == ["MWC2301A0417", "MWC2306B1120"]
    assert members(inventory, "licensed") == [VIRTUAL["id"]]
    assert members(inventory, "timezone_europe_berlin") == ["MWC2301A0417"]
    assert members(inventory, "timezone_america_new_york") == ["MWC2306B1120"]
    assert members(inventory, "timezone_etc_gmtplus5") == [VIRTUAL["id"]]


def test_no_default_groups(api, refresh):
    expect_lists(api, FLEET)
    inventory, _plugin = refresh(default_groups=False)
    assert set(inventory.groups) == {"all", "ungrouped"}
    assert len(inventory.hosts) == 3


@pytest.mark.parametrize(
    "zone, group",
    [
        ("Europe/Berlin", "timezone_europe_berlin"),
        ("America/Port-au-Prince", "timezone_america_port_au_prince"),
        ("America/Argentina/Buenos_Aires", "timezone_america_argentina_buenos_aires"),
        ("Etc/GMT+5", "timezone_etc_gmtplus5"),
        ("Etc/GMT-5", "timezone_etc_gmtminus5"),
        ("UTC", "timezone_utc"),
        ("//", None),
    ],
)
def test_timezone_group_names(zone, group):
    assert timezone_group(zone) == group


def test_secrets_never_become_host_variables(api, refresh):
    expect_lists(api, FLEET)
    inventory, _plugin = refresh()
    assert inventory.hosts, "the fleet became hosts"
    for host in inventory.hosts:
        text = json.dumps(hostvars(inventory, host))
        assert "license_key" not in text and "LICENSE-KEY-SECRET" not in text and TOKEN not in text


def test_hostname_id(api, refresh):
    expect_lists(api, FLEET)
    inventory, _plugin = refresh(hostname="id")
    assert sorted(inventory.hosts) == sorted(c["id"] for c in FLEET)


def test_hostname_notes_falls_back_to_id_when_empty_or_taken(api, refresh, monkeypatch):
    twin = dict(
        NEW_YORK,
        id="f" * 32,
        notes="ber-branch-01 primary",
        device={"id": "e" * 32, "serial_number": "MWC0", "type": "MANAGED"},
    )
    expect_lists(api, FLEET + [twin])
    warnings = []
    plugin = inventory_loader.get(PLUGIN)
    monkeypatch.setattr(type(plugin.display), "warning", lambda self, msg, *a, **k: warnings.append(msg))
    inventory, _plugin = refresh(hostname="notes")
    # hosts are added in id order: the Berlin connector (711f...) keeps its notes, its twin (ffff...) gets its id
    assert sorted(inventory.hosts) == sorted(["ber-branch-01 primary", "nyc-dc-02 primary", VIRTUAL["id"], twin["id"]])
    assert hostvars(inventory, "ber-branch-01 primary")["cloudflare_id"] == BERLIN["id"]
    assert len(warnings) == 1 and twin["id"] in warnings[0]


def test_prefix(api, refresh):
    expect_lists(api, [BERLIN])
    inventory, _plugin = refresh(prefix="cf_")
    variables = hostvars(inventory, "MWC2301A0417")
    assert variables["cf_notes"] == "ber-branch-01 primary" and variables["cf_device_id"] == BERLIN["device"]["id"]
    assert not any(key.startswith("cloudflare_") for key in variables)


def test_device_type_is_filtered_by_cloudflare(api, refresh):
    expect_lists(api, [VIRTUAL], params={"device_type": "LICENSED"})
    inventory, _plugin = refresh(device_type="LICENSED")
    assert list(inventory.hosts) == [VIRTUAL["id"]]


def test_constructed_compose_groups_keyed_groups(api, refresh):
    expect_lists(api, FLEET)
    inventory, _plugin = refresh(
        compose={"window_start": "cloudflare_interrupt_window_hour_of_day + 1"},
        groups={"night_window": "cloudflare_interrupt_window_hour_of_day < 6"},
        keyed_groups=[
            {"key": "cloudflare_device_type | lower", "prefix": "type"},
            {"key": "cloudflare_last_seen_version | default('unknown')", "prefix": "version"},
        ],
        strict=True,
    )
    # ansible-core before 2.19 templates a composed variable to a string.
    core = tuple(int(part) for part in ANSIBLE_VERSION.split(".")[:2])
    assert hostvars(inventory, "MWC2301A0417")["window_start"] == (3 if core >= (2, 19) else "3")
    assert members(inventory, "night_window") == sorted(["MWC2301A0417", VIRTUAL["id"]])
    assert members(inventory, "type_managed") == ["MWC2301A0417", "MWC2306B1120"]
    assert members(inventory, "type_licensed") == [VIRTUAL["id"]]
    assert members(inventory, "version_2026_2_1") == ["MWC2301A0417"]
    assert members(inventory, "version_unknown") == sorted(["MWC2306B1120", VIRTUAL["id"]])


def test_strict_compose_error_fails(api, refresh):
    expect_lists(api, [BERLIN])
    with pytest.raises(AnsibleError, match="window_start"):
        refresh(compose={"window_start": "no_such_variable + 1"}, strict=True)


def test_connection_from_environment(api, refresh, environment):
    environment.setenv("CLOUDFLARE_API_TOKEN", TOKEN)
    environment.setenv("CLOUDFLARE_ACCOUNT_ID", ACCOUNT)
    environment.setenv("CLOUDFLARE_BASE_URL", BASE_URL)
    expect_lists(api, [BERLIN])
    inventory, _plugin = refresh(connection=False)
    assert list(inventory.hosts) == ["MWC2301A0417"]
    assert api.calls[0].headers["Authorization"] == "Bearer " + TOKEN


def test_legacy_key_from_environment(api, refresh, environment):
    environment.setenv("CLOUDFLARE_EMAIL", "ops@example.com")
    environment.setenv("CLOUDFLARE_API_KEY", "global-key-0001")
    expect_lists(api, [BERLIN])
    refresh(account_id=ACCOUNT, base_url=BASE_URL, connection=False)
    headers = api.calls[0].headers
    assert headers["X-Auth-Email"] == "ops@example.com" and headers["X-Auth-Key"] == "global-key-0001"
    assert "Authorization" not in headers


def test_empty_environment_variables_count_as_unset(api, refresh, environment):
    """AWX injects every variable of a credential type, blank fields as empty strings."""
    for name, value in (
        ("CLOUDFLARE_API_TOKEN", TOKEN),
        ("CLOUDFLARE_ACCOUNT_ID", ACCOUNT),
        ("CLOUDFLARE_BASE_URL", BASE_URL),
        ("CLOUDFLARE_EMAIL", ""),
        ("CLOUDFLARE_API_KEY", ""),
    ):
        environment.setenv(name, value)
    expect_lists(api, [BERLIN])
    inventory, _plugin = refresh(connection=False)
    assert list(inventory.hosts) == ["MWC2301A0417"]


def test_empty_base_url_means_cloudflare(api, refresh, environment):
    environment.setenv("CLOUDFLARE_BASE_URL", "")
    expect_lists(api, [BERLIN], base=re.escape("https://api.cloudflare.com/client/v4"))
    refresh(account_id=ACCOUNT, api_token=TOKEN, connection=False)
    assert len(api.calls) == 2


def test_token_template_in_the_source_file_is_rendered(api, refresh):
    expect_lists(api, [BERLIN])
    refresh(api_token="{{ 'unit-test-token-never-printed' ~ '-0000000000' }}")
    assert api.calls[0].headers["Authorization"] == "Bearer " + TOKEN


def test_token_template_in_the_environment_is_not_rendered(api, refresh, environment):
    """A credential injected through the environment is data: a Jinja expression in it must not run."""
    token = "{{ 'never' ~ 'rendered' }}"
    environment.setenv("CLOUDFLARE_API_TOKEN", token)
    expect_lists(api, [BERLIN])
    refresh(account_id=ACCOUNT, base_url=BASE_URL, connection=False)
    assert api.calls[0].headers["Authorization"] == "Bearer " + token


def test_missing_account_id_fails_before_any_call(api, refresh):
    with pytest.raises(AnsibleError, match="account_id is required.*CLOUDFLARE_ACCOUNT_ID"):
        refresh(api_token=TOKEN, base_url=BASE_URL, connection=False)
    assert api.calls == []


def test_missing_credentials_fail_before_any_call(api, refresh):
    with pytest.raises(AnsibleError, match="api_token is required"):
        refresh(account_id=ACCOUNT, base_url=BASE_URL, connection=False)
    assert api.calls == []


def test_plain_http_to_a_remote_host_is_refused(api, refresh):
    with pytest.raises(AnsibleError, match="base_url must be an https:// URL"):
        refresh(base_url="http://api.example.com/client/v4")
    assert api.calls == []


def test_api_error_names_the_call_and_never_the_token(api, refresh):
    api.expect("GET", LIST, status=403, errors=[{"code": 9109, "message": "Unauthorized to access requested resource"}])
    with pytest.raises(AnsibleError) as caught:
        refresh()
    message = str(caught.value)
    assert "403" in message and "9109" in message and LIST in message
    assert TOKEN not in message


def test_rate_limit_is_retried_once_then_succeeds(api, refresh):
    api.expect("GET", LIST, status=429, errors=[{"code": 971, "message": "Please wait"}], headers={"Retry-After": "2"})
    expect_lists(api, [BERLIN])
    inventory, _plugin = refresh()
    assert list(inventory.hosts) == ["MWC2301A0417"] and api.sleeps == [2.0]


def test_an_answer_that_is_not_a_list_fails(api, refresh):
    # A read of the wrong shape is retried (max_retries=4 by default), then the source fails naming the call.
    for _attempt in range(5):
        api.expect("GET", LIST, result={"connectors": []})
    with pytest.raises(
        AnsibleError,
        match=r"listing the connectors failed: GET /accounts/[0-9a-f]+/magic/connectors: gave up "
        r"after 5 attempt\(s\).*answer of the wrong shape: result is an object where a list of objects was expected",
    ):
        refresh()
    assert not api.script


@pytest.mark.parametrize(
    "name, accepted",
    [
        ("prod.connectors.yml", True),
        ("connectors.yaml", True),
        ("eu.connectors.yaml", True),
        ("hosts.yml", False),
        ("connectors.json", False),
        ("connectors.yml.bak", False),
    ],
)
def test_verify_file(tmp_path, name, accepted):
    path = tmp_path / name
    path.write_text("plugin: %s\n" % PLUGIN, encoding="utf-8")
    assert inventory_loader.get(PLUGIN).verify_file(str(path)) is accepted


def test_cache_second_refresh_makes_no_call(api, refresh, tmp_path):
    cache_dir = tmp_path / "cache"
    cache = dict(cache=True, cache_plugin="ansible.builtin.jsonfile", cache_connection=str(cache_dir))
    expect_lists(api, FLEET)
    first, _plugin = refresh(**cache)
    assert len(api.calls) == 2
    files = list(cache_dir.iterdir())
    assert len(files) == 1
    stored = files[0].read_text(encoding="utf-8")
    assert TOKEN not in stored and "LICENSE-KEY-SECRET" not in stored

    second, _plugin = refresh(**cache)
    assert len(api.calls) == 2, "a cached refresh must not call Cloudflare"
    assert sorted(second.hosts) == sorted(first.hosts)
    assert members(second, "licensed") == [VIRTUAL["id"]]

    # --flush-cache (cache=False): one new call, and the cache is refreshed
    expect_lists(api, [BERLIN])
    third, _plugin = refresh(flush=True, **cache)
    assert len(api.calls) == 4 and list(third.hosts) == ["MWC2301A0417"]
    fourth, _plugin = refresh(**cache)
    assert len(api.calls) == 4 and list(fourth.hosts) == ["MWC2301A0417"]


def test_cache_is_per_account(api, refresh, tmp_path):
    cache = dict(cache=True, cache_plugin="ansible.builtin.jsonfile", cache_connection=str(tmp_path / "cache"))
    expect_lists(api, [BERLIN])
    refresh(**cache)
    other = "0" * 32
    expect_lists(api, [NEW_YORK], account=other)
    inventory, _plugin = refresh(account_id=other, **cache)
    assert list(inventory.hosts) == ["MWC2306B1120"] and len(api.calls) == 4


@pytest.mark.parametrize(
    "notes, named",
    [
        ("all", None),
        ("ungrouped", None),
        ("localhost", None),
        ("LocalHost", None),
        ("127.0.0.1", None),
        ("connectors", None),
        ("activated", None),
        ("not_activated", None),
        ("managed", None),
        ("Licensed", None),
        ("timezone_europe_berlin", None),
        ("a,b:c", "a_b_c"),
        ("!web&db*", "web_db"),
        ("~^re[gx]$", "re_gx"),
        ("line\nbreak\ttab", "line break tab"),
        ("  padded  ", "padded"),
        ("::1", None),
        ("***", None),
    ],
)
def test_hostname_notes_are_sanitised_and_never_reserved(api, refresh, monkeypatch, notes, named):
    """Notes that are a group's name or localhost would hijack or break the inventory: named by the id instead; unsafe
    characters are replaced. Each with a warning naming the connector."""
    expect_lists(api, [dict(BERLIN, notes=notes)])
    warnings = []
    plugin = inventory_loader.get(PLUGIN)
    monkeypatch.setattr(type(plugin.display), "warning", lambda self, msg, *a, **k: warnings.append(msg))
    inventory, _plugin = refresh(hostname="notes")
    assert list(inventory.hosts) == [named or BERLIN["id"]]
    assert hostvars(inventory, named or BERLIN["id"])["cloudflare_notes"] == notes
    assert all("connector %s" % BERLIN["id"] in w for w in warnings), warnings
    assert len(warnings) == (0 if named == " ".join(notes.split()) else 1), warnings
    assert "localhost" not in inventory.hosts or notes == "localhost" and inventory.hosts["localhost"].implicit


def test_a_host_never_takes_the_name_of_a_group_made_for_another_host(api, refresh):
    # Berlin is in timezone_europe_berlin, and keyed group names are groups too: a later connector's notes naming a
    # group already in the inventory are not a host name.
    later = dict(NEW_YORK, id="f" * 32, notes="not_activated")
    expect_lists(api, [BERLIN, later])
    inventory, _plugin = refresh(hostname="notes")
    assert sorted(inventory.hosts) == sorted(["ber-branch-01 primary", later["id"]])


# --- Cloudflare's values are data, never templates or variable names ---------------------------------------

HOSTILE_NOTES = "{{ lookup('pipe', 'touch /nonexistent/pwned') }}"


def is_unsafe(value):
    """Marked unsafe as wrap_var marks it: AnsibleUnsafe before ansible-core 2.19, not trusted as a template after."""
    core = tuple(int(part) for part in ANSIBLE_VERSION.split(".")[:2])
    if core >= (2, 19):
        from ansible.template import is_trusted_as_template  # pylint: disable=import-outside-toplevel

        return not is_trusted_as_template(value)
    return getattr(value, "__UNSAFE__", False) is True


def test_every_string_from_cloudflare_is_marked_unsafe(api, refresh):
    expect_lists(api, [dict(BERLIN, notes=HOSTILE_NOTES)])
    inventory, _plugin = refresh()
    variables = hostvars(inventory, "MWC2301A0417")
    assert variables["cloudflare_notes"] == HOSTILE_NOTES and is_unsafe(variables["cloudflare_notes"])
    assert is_unsafe(variables["cloudflare_device"]["serial_number"])
    assert all(is_unsafe(day) for day in variables["cloudflare_interrupt_window_days_of_week"])
    # (inventory_file and inventory_dir are Ansible's own)
    strings = [v for k, v in variables.items() if k.startswith("cloudflare_") and isinstance(v, str)]
    assert len(strings) >= 5 and all(is_unsafe(v) for v in strings)


def test_compose_and_keyed_groups_see_the_text_never_run_it(api, refresh):
    expect_lists(api, [dict(BERLIN, notes=HOSTILE_NOTES)])
    inventory, _plugin = refresh(
        compose={"copied": "cloudflare_notes ~ '!'"},
        keyed_groups=[{"key": "cloudflare_notes", "prefix": "notes"}],
        strict=True,
    )
    copied = hostvars(inventory, "MWC2301A0417")["copied"]
    assert copied == HOSTILE_NOTES + "!" and is_unsafe(copied)
    keyed = [name for name in inventory.groups if name.startswith("notes_")]
    assert len(keyed) == 1 and "{" not in keyed[0] and "}" not in keyed[0] and "lookup" in keyed[0]


@pytest.mark.parametrize(
    "prefix, rule",
    [
        ("", "must start with a letter"),
        ("ansible_", "must not start with 'ansible'"),
        ("Ansible", "must not start"),
        ("1cf_", "must start with a letter"),
        ("cf-", "only letters, digits and _"),
        ("{{ x }}", "must start with a letter"),
    ],
)
def test_a_prefix_that_could_name_ansible_variables_is_refused_before_any_call(api, refresh, prefix, rule):
    with pytest.raises(AnsibleError, match=r"prefix .*%s" % re.escape(rule)):
        refresh(prefix=prefix)
    assert api.calls == []


def test_fields_that_would_configure_ansible_or_shadow_magic_variables_are_dropped(api, refresh, monkeypatch):
    hostile = dict(
        BERLIN, nsible_python_interpreter="/tmp/evil", nsible_connection="local", **{"bad name": 1, "{{ x }}": 2}
    )
    hostile["hostvars"] = "shadow"
    expect_lists(api, [hostile])
    warnings = []
    plugin = inventory_loader.get(PLUGIN)
    monkeypatch.setattr(type(plugin.display), "warning", lambda self, msg, *a, **k: warnings.append(msg))
    inventory, _plugin = refresh(prefix="a")  # "a" + "nsible_python_interpreter": the name is refused, not the prefix
    variables = hostvars(inventory, "MWC2301A0417")
    assert not any(key.lower().startswith("ansible_") for key in variables)
    assert variables["anotes"] == "ber-branch-01 primary"
    assert "a{{ x }}" not in variables and "abad name" not in variables
    assert len(warnings) == 4 and all(BERLIN["id"] in w for w in warnings)
    assert any("nsible_python_interpreter" in w and "ansible_*" in w for w in warnings)


def edit_cache_entry(path, edit):
    """Change what a jsonfile cache entry stores, ``{"connectors": [...], "sites": [...]}`` (ansible-core 2.19+ wraps
    it in a JSON payload)."""
    stored = json.loads(path.read_text(encoding="utf-8"))
    wrapped = isinstance(stored, dict) and "__payload__" in stored
    lists = json.loads(stored["__payload__"]) if wrapped else stored
    lists = edit(lists)
    if wrapped:
        stored["__payload__"] = json.dumps(lists)
    path.write_text(json.dumps(stored if wrapped else lists), encoding="utf-8")


def cached_berlin(api, refresh, tmp_path):
    """Cache options of a jsonfile cache in ``tmp_path``, and its one entry after a refresh that listed Berlin."""
    cache_dir = tmp_path / "cache"
    cache = dict(cache=True, cache_plugin="ansible.builtin.jsonfile", cache_connection=str(cache_dir))
    expect_lists(api, [BERLIN])
    refresh(**cache)
    [entry] = list(cache_dir.iterdir())
    return cache, entry


def test_a_poisoned_cache_entry_is_data_too(api, refresh, tmp_path):
    cache, entry = cached_berlin(api, refresh, tmp_path)
    edit_cache_entry(
        entry,
        lambda lists: dict(
            lists, connectors=[dict(lists["connectors"][0], notes=HOSTILE_NOTES, license_key="PLANTED-KEY")]
        ),
    )
    inventory, _plugin = refresh(**cache)
    assert len(api.calls) == 2, "the cached refresh makes no call"
    variables = hostvars(inventory, "MWC2301A0417")
    assert variables["cloudflare_notes"] == HOSTILE_NOTES and is_unsafe(variables["cloudflare_notes"])
    assert "cloudflare_license_key" not in variables


def test_a_cache_entry_that_is_not_a_list_of_connectors_is_refreshed(api, refresh, tmp_path):
    cache, entry = cached_berlin(api, refresh, tmp_path)
    edit_cache_entry(entry, lambda lists: {"ansible_python_interpreter": "/tmp/evil"})
    expect_lists(api, [NEW_YORK])
    inventory, _plugin = refresh(**cache)
    assert len(api.calls) == 4 and list(inventory.hosts) == ["MWC2306B1120"]


def test_a_cache_folder_every_user_can_write_is_refused(api, refresh, tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o1777)
    with pytest.raises(AnsibleError, match=r"cache_connection must not be a folder that every user can write"):
        refresh(cache=True, cache_plugin="ansible.builtin.jsonfile", cache_connection=str(shared))
    assert api.calls == []


def test_the_cache_folder_is_private(api, refresh, tmp_path):
    folder = tmp_path / "mine"
    folder.mkdir()
    folder.chmod(0o775)
    expect_lists(api, [BERLIN])
    refresh(cache=True, cache_plugin="ansible.builtin.jsonfile", cache_connection=str(folder))
    assert folder.stat().st_mode & 0o777 == 0o700


def test_the_default_cache_folder_is_under_the_users_ansible_folder(api, refresh, environment, tmp_path):
    environment.setenv("HOME", str(tmp_path / "home"))
    expect_lists(api, [BERLIN])
    refresh(cache=True, cache_plugin="ansible.builtin.jsonfile")
    folder = tmp_path / "home" / ".ansible" / "tmp" / "cloudflare_magic_transit_inventory"
    assert len(list(folder.iterdir())) == 1 and folder.stat().st_mode & 0o777 == 0o700


# --- Magic WAN sites: site_name, ha_role and the site_<name> groups -------------------------------------------------

SECONDARY = dict(
    NEW_YORK,
    id="64180894674b44869153f5fed0c2c654",
    notes="ber-branch-01 secondary",
    device={"id": "1c2b", "serial_number": "MWC2301A0418", "type": "MANAGED"},
)
SITE_BER = {
    "id": "5f8e0b3a2c6d4e1f9a7b8c0d1e2f3a4b",
    "name": "ber-branch-01",
    "ha_mode": True,
    "connector_id": BERLIN["id"],
    "secondary_connector_id": SECONDARY["id"],
}
SITE_NYC = {
    "id": "8c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f",
    "name": "NYC DC/02",
    "ha_mode": False,
    "connector_id": NEW_YORK["id"],
}
SITE_EMPTY = {"id": "9d3e5f7a1b2c4d6e8f0a2b4c6d8e0f1a", "name": "syd-branch-07"}


def warnings_of(monkeypatch):
    warnings = []
    monkeypatch.setattr(
        type(inventory_loader.get(PLUGIN).display), "warning", lambda self, msg, *a, **k: warnings.append(msg)
    )
    return warnings


def test_site_name_ha_role_and_site_groups_from_one_sites_call(api, refresh):
    expect_lists(api, FLEET + [SECONDARY], [SITE_BER, SITE_NYC, SITE_EMPTY])
    inventory, _plugin = refresh()
    assert [call.path for call in api.calls] == [LIST, SITES]
    roles = dict(
        (host, (hostvars(inventory, host)["cloudflare_site_name"], hostvars(inventory, host)["cloudflare_ha_role"]))
        for host in inventory.hosts
    )
    assert roles == {
        "MWC2301A0417": ("ber-branch-01", "primary"),
        "MWC2301A0418": ("ber-branch-01", "secondary"),
        "MWC2306B1120": ("NYC DC/02", "primary"),
        VIRTUAL["id"]: ("", "none"),
    }
    assert members(inventory, "site_ber_branch_01") == ["MWC2301A0417", "MWC2301A0418"]
    assert members(inventory, "site_nyc_dc_02") == ["MWC2306B1120"]
    # a site that names no listed connector makes no group
    assert sorted(name for name in inventory.groups if name.startswith("site_")) == [
        "site_ber_branch_01",
        "site_nyc_dc_02",
    ]


def test_site_groups_can_be_turned_off_and_follow_default_groups(api, refresh):
    for options in (dict(site_groups=False), dict(default_groups=False)):
        expect_lists(api, [BERLIN, SECONDARY], [SITE_BER])
        inventory, _plugin = refresh(**options)
        assert not any(name.startswith("site_") for name in inventory.groups)
        assert hostvars(inventory, "MWC2301A0418")["cloudflare_ha_role"] == "secondary"
    assert [call.path for call in api.calls] == [LIST, SITES, LIST, SITES]


def test_the_prefix_names_the_site_variables_too(api, refresh):
    expect_lists(api, [BERLIN], [SITE_BER])
    inventory, _plugin = refresh(prefix="cf_")
    variables = hostvars(inventory, "MWC2301A0417")
    assert (variables["cf_site_name"], variables["cf_ha_role"]) == ("ber-branch-01", "primary")


def test_sites_decide_the_role_over_the_older_connector_fields(api, refresh):
    # An answer of the older schema still carries site_id and primary: they stay host variables, the site decides.
    expect_lists(api, [dict(SECONDARY, site_id=SITE_BER["id"], primary=True)], [SITE_BER])
    inventory, _plugin = refresh()
    variables = hostvars(inventory, "MWC2301A0418")
    assert variables["cloudflare_primary"] is True and variables["cloudflare_site_id"] == SITE_BER["id"]
    assert variables["cloudflare_ha_role"] == "secondary"


def test_a_connector_in_two_sites_is_in_both_groups_and_takes_the_site_where_it_is_primary(api, refresh, monkeypatch):
    warnings = warnings_of(monkeypatch)
    other = dict(SITE_NYC, name="lab", secondary_connector_id=BERLIN["id"], connector_id=NEW_YORK["id"])
    expect_lists(api, [BERLIN, NEW_YORK], [other, SITE_BER])
    inventory, _plugin = refresh()
    variables = hostvars(inventory, "MWC2301A0417")
    assert (variables["cloudflare_site_name"], variables["cloudflare_ha_role"]) == ("ber-branch-01", "primary")
    assert members(inventory, "site_lab") == ["MWC2301A0417", "MWC2306B1120"]
    assert members(inventory, "site_ber_branch_01") == ["MWC2301A0417"]
    assert warnings == [
        "%s: connector %s is named by 2 sites (ber-branch-01, lab); its site_name and ha_role come from "
        "ber-branch-01" % (PLUGIN, BERLIN["id"])
    ]


HOSTILE_SITE = "{{ lookup('pipe', 'touch /nonexistent/pwned') }}"


def test_a_hostile_site_name_is_data_and_its_group_name_holds_no_template(api, refresh):
    expect_lists(api, [BERLIN], [dict(SITE_BER, name=HOSTILE_SITE)])
    inventory, _plugin = refresh(compose={"copied": "cloudflare_site_name ~ '!'"}, strict=True)
    variables = hostvars(inventory, "MWC2301A0417")
    assert variables["cloudflare_site_name"] == HOSTILE_SITE and is_unsafe(variables["cloudflare_site_name"])
    assert variables["copied"] == HOSTILE_SITE + "!" and is_unsafe(variables["copied"])
    [group] = [name for name in inventory.groups if name.startswith("site_")]
    assert group == "site_lookup_pipe_touch_nonexistent_pwned" and members(inventory, group) == ["MWC2301A0417"]


def test_site_group_names_sanitised_by_id_when_nothing_is_left_and_shared_with_a_warning(api, refresh, monkeypatch):
    warnings = warnings_of(monkeypatch)
    blank = dict(SITE_BER, name="***")
    twin = dict(SITE_NYC, id="7" * 32, name="nyc_dc-02", connector_id=VIRTUAL["id"])
    expect_lists(api, FLEET + [SECONDARY], [blank, SITE_NYC, twin])
    inventory, _plugin = refresh()
    assert members(inventory, "site_" + SITE_BER["id"]) == ["MWC2301A0417", "MWC2301A0418"]
    assert members(inventory, "site_nyc_dc_02") == sorted(["MWC2306B1120", VIRTUAL["id"]])
    assert hostvars(inventory, VIRTUAL["id"])["cloudflare_site_name"] == "nyc_dc-02"
    assert warnings == [
        "%s: the sites NYC DC_02 and nyc_dc-02 share the group site_nyc_dc_02 (their names differ only in "
        "characters a group name cannot hold)" % PLUGIN
    ]


def test_a_host_is_never_named_like_a_site_group(api, refresh, monkeypatch):
    monkeypatch.setattr(type(inventory_loader.get(PLUGIN).display), "warning", lambda self, msg, *a, **k: None)
    expect_lists(api, [dict(NEW_YORK, notes="site_lab"), dict(BERLIN, notes="Site_anything")], [SITE_BER])
    inventory, _plugin = refresh(hostname="notes")
    assert sorted(inventory.hosts) == sorted([NEW_YORK["id"], BERLIN["id"]])


def test_a_failing_sites_call_fails_the_source_naming_it(api, refresh):
    api.expect("GET", LIST, result=[BERLIN])
    api.expect(
        "GET", SITES, status=403, errors=[{"code": 9109, "message": "Unauthorized to access requested resource"}]
    )
    with pytest.raises(AnsibleError) as caught:
        refresh()
    message = str(caught.value)
    assert "listing the sites failed" in message and SITES in message and "9109" in message and TOKEN not in message


def test_a_sites_answer_of_the_wrong_shape_fails(api, refresh):
    api.expect("GET", LIST, result=[BERLIN])
    for _attempt in range(5):
        api.expect("GET", SITES, result=[SITE_BER, "not a site"])
    with pytest.raises(
        AnsibleError,
        match=r"listing the sites failed: GET /accounts/[0-9a-f]+/magic/sites: gave up after 5 "
        r"attempt\(s\).*result\[1\] is a string where an object was expected",
    ):
        refresh()
    assert not api.script


def test_the_sites_are_cached_with_the_connectors(api, refresh, tmp_path):
    cache, entry = cached_berlin(api, refresh, tmp_path)
    edit_cache_entry(entry, lambda lists: dict(lists, sites=[dict(SITE_BER, name=HOSTILE_SITE)]))
    inventory, _plugin = refresh(**cache)
    assert len(api.calls) == 2, "the cached refresh makes no call"
    variables = hostvars(inventory, "MWC2301A0417")
    assert variables["cloudflare_site_name"] == HOSTILE_SITE and is_unsafe(variables["cloudflare_site_name"])
    assert variables["cloudflare_ha_role"] == "primary"
    assert members(inventory, "site_lookup_pipe_touch_nonexistent_pwned") == ["MWC2301A0417"]


def test_a_cache_entry_without_sites_is_refreshed(api, refresh, tmp_path, monkeypatch):
    warnings = warnings_of(monkeypatch)
    cache, entry = cached_berlin(api, refresh, tmp_path)
    edit_cache_entry(entry, lambda lists: dict(lists, sites={"not": "a list"}))
    expect_lists(api, [NEW_YORK], [SITE_NYC])
    inventory, _plugin = refresh(**cache)
    assert len(api.calls) == 4 and hostvars(inventory, "MWC2306B1120")["cloudflare_site_name"] == "NYC DC/02"
    assert any("not the connectors and sites lists" in w for w in warnings)
