# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: connectors
short_description: Magic WAN Connectors as inventory hosts
version_added: 0.1.0
description:
  - Every Magic WAN Connector of a Cloudflare account becomes a host, with the connector's fields as host variables.
  - A refresh costs B(two) API calls, whatever the number of connectors, the connectors list and the Magic WAN sites
    list (neither is paginated). With O(cache=true) a refresh inside O(cache_timeout) costs none (the sites are
    cached with the connectors).
  - Hosts are put in default groups (see O(default_groups)) and, with the O(compose), O(groups) and
    O(keyed_groups) options, in any group built from the host variables.
  - The inventory source is a YAML file whose name ends with C(connectors.yml) or C(connectors.yaml), such as
    C(prod.connectors.yml) (in AWX, point an inventory source of type B(Sourced from a Project) at such a file).
  - "Connectors are Cloudflare-managed appliances that Ansible cannot log in to. Run plays over these hosts with
    C(gather_facts: false) and C(delegate_to: localhost) on the tasks (the collection's modules talk to the
    Cloudflare API from the controller)."
  - Every field of the connector becomes a host variable with O(prefix), plus C(device_id),
    C(device_serial_number) and C(device_type) from its device.
  - "HA membership comes from the Magic WAN sites (the newest API keeps it there only: a site's C(connector_id) is
    its primary, C(secondary_connector_id) its secondary). Each host gets C(site_name) (with O(prefix): the name of
    the site that names the connector, or V(\"\") when none does) and C(ha_role): V(primary) or V(secondary), the
    slot of that site holding it (whatever the site's C(ha_mode)), or V(none). A connector that two sites name takes
    the site where it is primary, else the first one listed, with a warning naming both sites. Connectors still
    answered with the older C(site_id) and C(primary) fields keep them as host variables too (C(cloudflare_site_id),
    C(cloudflare_primary)); the sites decide C(ha_role)."
  - Secrets never become host variables. A connector's C(license_key) is not returned by the list call anyway,
    and would be dropped if it were.
  - Every value that comes from Cloudflare or from the inventory cache is data, never a template. Anyone who can
    edit a connector (its notes, say) writes these values, so they reach Ansible marked unsafe (as
    C(ansible.utils.unsafe_proxy.wrap_var) does). O(compose), O(groups), O(keyed_groups) and the plays that use the
    host variables see the text as it is, and a C({{ ... }}) in it is never run, on every supported ansible-core.
  - No host variable set from Cloudflare's answer (or the cache) starts with C(ansible_) or takes a name Ansible
    reserves (such as C(hostvars) or C(inventory_hostname)); a field whose name is not a plain identifier is left
    out too, each with a warning naming the connector and the field.
  - Group names made by O(keyed_groups) from Cloudflare's values keep only letters, digits and C(_) (Ansible's rule
    for inventory plugins, which this plugin keeps), so no group name can hold a template. The site groups of
    O(site_groups) follow the same rule; a site name is never templated (its host variable is marked unsafe).
author:
  - Magic Transit collection maintainers (@cloudflare)
extends_documentation_fragment:
  - cloudflare.magic_transit.inventory_connection
  - ansible.builtin.constructed
  - ansible.builtin.inventory_cache
options:
  plugin:
    description: The name of this plugin. It must be set for the file to be recognised as this plugin's source.
    type: str
    required: true
    choices:
      - cloudflare.magic_transit.connectors
  hostname:
    description:
      - What names a connector's host.
      - V(serial_number) is the device's serial number. Hardware and virtual appliances both have one (a virtual
        appliance's is its service tag); a connector whose device has none in Cloudflare's answer is named by its
        connector id.
      - V(id) is the connector id.
      - V(notes) is the connector's notes. A connector with empty notes, or whose notes are the name of a host already
        added by this source, is named by its connector id (with a warning for the latter).
      - Whatever the choice, a name is made safe for host patterns first; every run of characters other than letters,
        digits, C(.), C(_), C(-) and single inner spaces becomes C(_) (with a warning naming the connector). A name
        that Ansible or this plugin gives a meaning (C(all), C(ungrouped), C(localhost), C(127.0.0.1), the IPv6 loopback address, the
        default groups C(connectors), C(activated), C(not_activated), C(managed), C(licensed), any C(timezone_...), or a
        group already in the inventory; compared without regard to case) is never a host name, and such a connector is
        named by its id, with a warning naming the connector. Names starting with C(site_) are kept for the site
        groups (O(site_groups)) the same way.
    type: str
    choices: [serial_number, id, notes]
    default: serial_number
  prefix:
    description:
      - Prefix of every host variable the plugin sets, for example V(cloudflare_) gives C(cloudflare_timezone).
      - It must start with a letter, hold only letters, digits and C(_), and must not start with C(ansible) (in any
        case); an empty prefix is refused, since it would let a field of Cloudflare's answer name any variable.
    type: str
    default: cloudflare_
  cache_connection:
    description:
      - The folder of the inventory cache (for file-based cache plugins such as C(ansible.builtin.jsonfile)).
      - The default is a folder of the user running Ansible.
      - A folder that every user can write (such as C(/tmp) itself) or that another user owns is refused, since
        whoever can write the cache chooses the inventory. A folder of your own is made private (mode C(0700)).
    type: str
    default: ~/.ansible/tmp/cloudflare_magic_transit_inventory
    version_added: 1.1.0
    env:
      - name: ANSIBLE_CACHE_PLUGIN_CONNECTION
      - name: ANSIBLE_INVENTORY_CACHE_CONNECTION
    ini:
      - section: defaults
        key: fact_caching_connection
      - section: inventory
        key: cache_connection
  device_type:
    description:
      - Only connectors of this kind of device (filtered by Cloudflare in the list call).
    type: str
    choices: [MANAGED, LICENSED]
  default_groups:
    description:
      - Put the hosts in the default groups C(connectors) (every host), C(activated) or C(not_activated),
        C(managed) or C(licensed) (the device type), and C(timezone_<zone>) (for example C(timezone_europe_berlin);
        C(+) and C(-) before a digit are spelled C(plus) and C(minus), every other character that is not a letter or
        digit becomes C(_)).
      - Set to V(false) to get only the groups of O(groups) and O(keyed_groups) (no site groups either).
    type: bool
    default: true
  site_groups:
    description:
      - With O(default_groups), put each host in the group C(site_<name>) of its Magic WAN site, so that a play can
        target a store's pair (a play with C(hosts) set to C(site_ber_branch_01), and C(serial) 1 to take one
        member at a time). A site groups the connectors in both of its slots (C(connector_id),
        C(secondary_connector_id)); a connector that two sites name is in both groups.
      - The name is the site name in lower case, every run of characters other than letters and digits spelled
        C(_) (C(ber-branch-01) gives C(site_ber_branch_01)); a site whose name leaves nothing is named by its id. Two
        sites whose names give the same group share it, with a warning naming both.
      - On by default, like the other default groups. The groups come from the sites list the host variables
        C(site_name) and C(ha_role) need anyway (no extra call), and a pair is what HA-aware plays target. Set to
        V(false) to leave them out (the host variables stay).
    type: bool
    default: true
    version_added: 1.1.0
"""

EXAMPLES = r"""
# The smallest source, prod.connectors.yml, is one line: every connector, named by serial number, credentials
# from CLOUDFLARE_* variables (CLOUDFLARE_API_TOKEN and CLOUDFLARE_ACCOUNT_ID; in AWX, from the collection's
# credential type):
#   plugin: cloudflare.magic_transit.connectors

# lab.connectors.yml: named by notes, with the token from an environment variable of another name and the
# account in the file; extra groups by version and by interrupt-window hour; the list is cached for 10 minutes.
plugin: cloudflare.magic_transit.connectors
account_id: 023e105f4ecef8ad9ca31a8372d0c353
api_token: "{{ lookup('ansible.builtin.env', 'LAB_CLOUDFLARE_TOKEN') }}"
hostname: notes
prefix: cf_
compose:
  window_start: cf_interrupt_window_hour_of_day | int
groups:
  night_window: cf_interrupt_window_hour_of_day | int < 6
  stale_software: cf_last_seen_version is defined and cf_last_seen_version is version('2026.1.0', '<')
keyed_groups:
  - key: cf_last_seen_version | default('unknown')
    prefix: version
  - key: cf_device_type | lower
    prefix: type
cache: true
cache_plugin: ansible.builtin.jsonfile
cache_timeout: 600
# (cache_connection: the default, ~/.ansible/tmp/cloudflare_magic_transit_inventory, is a folder of your own)
"""

import os
import re
import stat

from ansible.errors import AnsibleError, AnsibleParserError
from ansible.plugins.inventory import BaseInventoryPlugin, Cacheable, Constructable
from ansible.utils.unsafe_proxy import wrap_var
from ansible.vars.reserved import is_reserved_name

from ansible_collections.cloudflare.magic_transit.plugins.module_utils._client import DEFAULT_BASE_URL, CloudflareClient
from ansible_collections.cloudflare.magic_transit.plugins.module_utils._connectors import Connectors, device_of
from ansible_collections.cloudflare.magic_transit.plugins.module_utils._hostnames import (
    DEFAULT_GROUPS,
    connector_host_name,
    safe_host_name,
)
from ansible_collections.cloudflare.magic_transit.plugins.module_utils._http import HAS_REQUESTS
from ansible_collections.cloudflare.magic_transit.plugins.module_utils._inputs import CloudflareAPIError, InvalidOption
from ansible_collections.cloudflare.magic_transit.plugins.module_utils._report_sites import memberships, site_label
from ansible_collections.cloudflare.magic_transit.plugins.module_utils._sites import Sites

# Connection options, in the order of CONNECTION_ARGUMENT_SPEC; the string ones may be templates in the source file.
STRING_OPTIONS = ("api_token", "api_email", "api_key", "account_id", "base_url")
OTHER_OPTIONS = ("timeout", "validate_certs", "max_retries", "max_retry_wait")
# A host variable name the plugin sets: a plain identifier (a prefix must also start with a letter).
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_PREFIX = re.compile(r"[A-Za-z][A-Za-z0-9_]*\Z")
# Variables Ansible sets for every host (magic variables): a field of the answer never shadows them.
MAGIC_VARIABLES = frozenset(
    (
        "hostvars",
        "groups",
        "group_names",
        "inventory_hostname",
        "inventory_hostname_short",
        "inventory_dir",
        "inventory_file",
        "omit",
        "playbook_dir",
        "play_hosts",
        "role_name",
        "role_names",
        "role_path",
        "vars",
        "environment",
    )
)
PLUGIN = "cloudflare.magic_transit.connectors"


def _group_name(prefix, text):
    """``prefix`` + the text in lower case with every run of other characters than letters and digits as ``_`` (no
    group name can hold a template), or None when nothing is left."""
    name = re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")
    return prefix + name if name else None


def timezone_group(timezone):
    """``Europe/Berlin`` -> ``timezone_europe_berlin``; ``Etc/GMT+5`` -> ``timezone_etc_gmtplus5``."""
    return _group_name("timezone_", re.sub(r"-(?=\d)", "minus", timezone.lower().replace("+", "plus")))


def site_group(site):
    """``ber-branch-01`` -> ``site_ber_branch_01``; a site whose name leaves nothing is named by its id."""
    name = site.get("name")
    return (isinstance(name, str) and _group_name("site_", name)) or _group_name("site_", str(site.get("id")))


def check_prefix(prefix):
    """The prefix option, refused (InvalidOption) when a field of the answer could name an Ansible variable with it."""
    if not isinstance(prefix, str) or not _PREFIX.match(prefix):
        raise InvalidOption(
            "prefix",
            "must start with a letter and hold only letters, digits and _ (an empty prefix "
            "would let a field of Cloudflare's answer name any variable, ansible_* ones included)",
            prefix,
        )
    if prefix.lower().startswith("ansible"):
        raise InvalidOption(
            "prefix", "must not start with 'ansible' (variables named ansible_* configure Ansible itself)", prefix
        )
    return prefix


def forbidden_variable(name):
    """Why a host variable named from Cloudflare's answer must not be set, or None when it may be."""
    if not isinstance(name, str) or not _IDENTIFIER.match(name):
        return "is not a plain identifier"
    if name.lower().startswith("ansible_"):
        return "would configure Ansible itself (ansible_*)"
    if name in MAGIC_VARIABLES or is_reserved_name(name):
        return "is a name Ansible reserves"
    return None


def host_variables(connector, prefix):
    """The connector's fields as host variables, plus the device's id, serial number and type on their own.

    Returns (variables, refused): every value marked unsafe (API data is never a template), and the names left out
    with the reason. The names come from the answer too: none may configure Ansible or shadow a magic variable.
    """
    candidates = [(prefix + str(key), value) for key, value in Connectors.without_secrets(connector).items()]
    device = device_of(connector)
    for key in ("id", "serial_number", "type"):
        if device.get(key) is not None:
            candidates.append(("%sdevice_%s" % (prefix, key), device[key]))
    variables, refused = {}, []
    for name, value in candidates:
        reason = forbidden_variable(name)
        if reason:
            refused.append((name, reason))
        else:
            variables[name] = wrap_var(value)
    return variables, refused


def check_cache_folder(folder):
    """Refuse an inventory cache folder that someone else can write (whoever writes the cache chooses the inventory);
    make a folder of our own private (0700). None (a cache plugin that is not file-based) is not checked."""
    if not folder or not os.path.isdir(folder):
        return
    status = os.stat(folder)
    if status.st_uid not in (os.geteuid(), 0):
        raise InvalidOption(
            "cache_connection",
            "must be a folder of the user running Ansible (this one is owned by uid %d)" % status.st_uid,
            folder,
        )
    if status.st_mode & stat.S_IWOTH:
        raise InvalidOption(
            "cache_connection",
            "must not be a folder that every user can write (whoever writes the "
            "cache chooses the inventory); use a folder of your own such as the default "
            "~/.ansible/tmp/cloudflare_magic_transit_inventory",
            folder,
        )
    if status.st_uid == os.geteuid() and stat.S_IMODE(status.st_mode) != 0o700:
        os.chmod(folder, 0o700)


def _objects(value):
    return isinstance(value, list) and all(isinstance(item, dict) for item in value)


def cached_lists(entry):
    """A cache entry as ``(connectors without secrets, sites)``, or None when it is not one (a refresh replaces it)."""
    if not isinstance(entry, dict) or not _objects(entry.get("connectors")) or not _objects(entry.get("sites")):
        return None
    return [Connectors.without_secrets(c) for c in entry["connectors"]], entry["sites"]


def site_variables(pairs, prefix):
    """The host variables ``site_name`` and ``ha_role`` of a connector from its (site, role) pairs (primary first);
    the name marked unsafe (API data, never a template)."""
    site, role = pairs[0] if pairs else ({}, "none")
    return {prefix + "site_name": wrap_var(site.get("name") or ""), prefix + "ha_role": wrap_var(role)}


class InventoryModule(BaseInventoryPlugin, Constructable, Cacheable):
    NAME = "cloudflare.magic_transit.connectors"

    def verify_file(self, path):
        if not super().verify_file(path):
            return False
        if path.endswith(("connectors.yml", "connectors.yaml")):
            return True
        self.display.vvv(
            "Skipping %s: the name of a cloudflare.magic_transit.connectors source must end with "
            "connectors.yml or connectors.yaml" % path
        )
        return False

    def parse(self, inventory, loader, path, cache=True):
        super().parse(inventory, loader, path, cache)
        source = self._read_config_data(path)
        try:
            check_prefix(self.get_option("prefix"))
            if self.get_option("cache"):
                # (the cache plugin made the folder when it was loaded, with the umask's mode)
                check_cache_folder(getattr(getattr(self._cache, "_plugin", None), "_cache_dir", None))
        except InvalidOption as exc:
            raise AnsibleParserError("%s: %s" % (PLUGIN, exc)) from None
        connection = self._connection_options(source)

        # (the "sites" part: entries of the connectors-only form are never read, they expire)
        cache_key = "%s_%s" % (
            self.get_cache_key(path),
            self._get_cache_prefix(
                "%s|%s|%s|sites" % (connection["account_id"], connection["base_url"], self.get_option("device_type"))
            ),
        )
        use_cache = self.get_option("cache") and cache
        update_cache = self.get_option("cache") and not cache
        lists = None
        if use_cache:
            try:
                lists = cached_lists(self._cache[cache_key])
            except KeyError:
                update_cache = True
            else:
                if lists is None:
                    self.display.warning(
                        "%s: the inventory cache entry is not the connectors and sites lists; it is "
                        "refreshed from Cloudflare" % PLUGIN
                    )
                    update_cache = True
        if lists is None:
            lists = self._list(connection)
        if update_cache:
            self._cache[cache_key] = dict(connectors=lists[0], sites=lists[1])

        self._populate(*lists)

    # --- options ---------------------------------------------------------------------------------------

    def _connection_options(self, source):
        """The connection options, templated where they came from the source file, empty values as unset.

        Only values written in the inventory source file (including ``!vault`` ones) are templated. ansible-core
        trusts environment variables as templates too, but a credential injected through the environment (by AWX,
        say) is data, not code: it is used as it is.
        """
        self.templar.available_variables = self._vars or {}
        options = {}
        for name in STRING_OPTIONS:
            # (written in the file: ``source`` holds it; get_option_and_origin() sees no file option before 2.18)
            value = self.get_option(name)
            if value is not None and name in source:
                try:
                    value = self.templar.template(value)
                except Exception as exc:
                    # The message of a failed template does not hold the rendered value, never a secret.
                    raise AnsibleParserError(
                        "cloudflare.magic_transit.connectors: could not template %s: %s" % (name, exc)
                    ) from None
                value = str(value).strip() if value is not None else None
            options[name] = value or None
        for name in OTHER_OPTIONS:
            options[name] = self.get_option(name)
        options["base_url"] = options["base_url"] or DEFAULT_BASE_URL
        if options["account_id"] is None:
            raise AnsibleParserError(
                "cloudflare.magic_transit.connectors: account_id is required: set it in the "
                "inventory source or in the CLOUDFLARE_ACCOUNT_ID environment variable"
            )
        return options

    # --- the two API calls --------------------------------------------------------------------------------

    def _list(self, connection):
        """(connectors, sites): one list call each."""
        if not HAS_REQUESTS:
            raise AnsibleError(
                "cloudflare.magic_transit.connectors needs the Python library requests on the "
                "controller (pip install requests)"
            )
        try:
            client = CloudflareClient(**connection)
        except InvalidOption as exc:
            raise AnsibleParserError("cloudflare.magic_transit.connectors: %s" % exc) from None
        for warning in client.warnings:
            self.display.warning("cloudflare.magic_transit.connectors: %s" % warning)
        device_type = self.get_option("device_type")
        # (the client checks each answer's shape: a list of objects, or a failure naming the call)
        listed = self._read(
            client, "connectors", Connectors(client).list, params={"device_type": device_type} if device_type else None
        )
        sites = self._read(client, "sites", Sites(client).list)
        # What is kept (and cached) never holds a secret: the resource description says which fields are.
        return [Connectors.without_secrets(c) for c in listed], sites

    @staticmethod
    def _read(client, what, call, **kwargs):
        try:
            return call(**kwargs)
        except CloudflareAPIError as exc:
            raise AnsibleParserError(
                "cloudflare.magic_transit.connectors: listing the %s failed: %s" % (what, client.redact(str(exc)))
            ) from None

    # --- hosts and groups ----------------------------------------------------------------------------

    def _hostname(self, connector, taken):
        """The host name of a connector, or None to leave it out (the naming rules: ``_hostnames.py``, shared with
        the events source), with a warning naming the connector for each name it could not take as it is."""
        name, warnings = connector_host_name(connector, self.get_option("hostname"), taken, self.inventory.groups)
        for warning in warnings:
            self.display.warning("cloudflare.magic_transit.connectors: %s" % warning)
        return name

    def _populate(self, connectors, sites):
        prefix = self.get_option("prefix")
        strict = self.get_option("strict")
        default_groups = self.get_option("default_groups")
        members = memberships(sites)
        # (made before any host, so that no host takes the name of a site group)
        site_groups = (
            self._site_groups(sites, set(c.get("id") for c in connectors if isinstance(c.get("id"), str)))
            if default_groups and self.get_option("site_groups")
            else {}
        )
        taken = set()
        for connector in sorted(connectors, key=lambda c: str(c.get("id"))):
            if not connector.get("id"):
                continue
            name = self._hostname(connector, taken)
            if name is None:
                continue
            taken.add(name)
            host = self.inventory.add_host(name)
            pairs = members.get(connector["id"], []) if isinstance(connector["id"], str) else []
            self._warn_two_sites(connector, pairs)
            variables, refused = host_variables(connector, prefix)
            for variable, reason in refused:
                self.display.warning(
                    "%s: connector %s: the field %r is not a host variable: %s"
                    % (PLUGIN, safe_host_name(connector.get("id")), variable[len(prefix) :], reason)
                )
            variables.update(site_variables(pairs, prefix))
            for key, value in variables.items():
                self.inventory.set_variable(host, key, value)
            if default_groups:
                for group in self._default_groups(connector) + [
                    site_groups[id(site)] for site, dummy in pairs if id(site) in site_groups
                ]:
                    self.inventory.add_child(self.inventory.add_group(group), host)
            # The values are marked unsafe: a template in a connector's notes is text to these expressions.
            self._set_composite_vars(self.get_option("compose"), variables, host, strict=strict)
            self._add_host_to_composed_groups(self.get_option("groups"), variables, host, strict=strict)
            self._add_host_to_keyed_groups(self.get_option("keyed_groups"), variables, host, strict=strict)

    def _site_groups(self, sites, listed):
        """``{id(site): group name}`` of every site naming a listed connector, each group added; two sites whose names
        give one group share it, with a warning naming both."""
        groups, owner = {}, {}
        for site in sites:
            if not any(
                isinstance(site.get(key), str) and site[key] in listed
                for key in ("connector_id", "secondary_connector_id")
            ):
                continue
            group = self.inventory.add_group(site_group(site))
            if group in owner and owner[group].get("id") != site.get("id"):
                names = (safe_host_name(site_label(owner[group])), safe_host_name(site_label(site)))
                self.display.warning(
                    "%s: the sites %s and %s share the group %s (their names differ only in characters "
                    "a group name cannot hold)" % ((PLUGIN,) + names + (group,))
                )
            owner.setdefault(group, site)
            groups[id(site)] = group
        return groups

    def _warn_two_sites(self, connector, pairs):
        distinct = list(dict((id(site), site_label(site)) for site, dummy in pairs).values())
        if len(distinct) > 1:
            self.display.warning(
                "%s: connector %s is named by %d sites (%s); its site_name and ha_role come from %s"
                % (
                    PLUGIN,
                    safe_host_name(connector["id"]),
                    len(distinct),
                    ", ".join(safe_host_name(n) for n in distinct),
                    safe_host_name(distinct[0]),
                )
            )

    @staticmethod
    def _default_groups(connector):
        groups = [DEFAULT_GROUPS[0], "activated" if connector.get("activated") else "not_activated"]
        device_type = device_of(connector).get("type")
        if isinstance(device_type, str) and device_type.lower() in ("managed", "licensed"):
            groups.append(device_type.lower())
        timezone = connector.get("timezone")
        if isinstance(timezone, str) and timezone_group(timezone):
            groups.append(timezone_group(timezone))
        return groups
