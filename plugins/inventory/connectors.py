# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
name: connectors
short_description: Magic WAN Connectors as inventory hosts
version_added: 0.1.0
description:
  - Every Magic WAN Connector of a Cloudflare account becomes a host, with the connector's fields as host variables.
  - A refresh costs B(one) API call, whatever the number of connectors (Cloudflare's list is not paginated).
    With O(cache=true) a refresh inside O(cache_timeout) costs none.
  - Hosts are put in default groups (see O(default_groups)) and, with the O(compose), O(groups) and
    O(keyed_groups) options, in any group built from the host variables.
  - The inventory source is a YAML file whose name ends with C(connectors.yml) or C(connectors.yaml), such as
    C(prod.connectors.yml) (in AWX, point an inventory source of type B(Sourced from a Project) at such a file).
  - "Connectors are Cloudflare-managed appliances that Ansible cannot log in to. Run plays over these hosts with
    C(gather_facts: false) and C(delegate_to: localhost) on the tasks (the collection's modules talk to the
    Cloudflare API from the controller)."
  - Every field of the connector becomes a host variable with O(prefix), among them C(site_id) (its Magic WAN site,
    V("") or undefined when it has none) and C(primary) (whether it is its site's primary connector), plus
    C(device_id), C(device_serial_number) and C(device_type) from its device.
  - Secrets never become host variables. A connector's C(license_key) is not returned by the list call anyway,
    and would be dropped if it were.
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
        named by its id, with a warning naming the connector.
    type: str
    choices: [serial_number, id, notes]
    default: serial_number
  prefix:
    description:
      - Prefix of every host variable the plugin sets, for example V(cloudflare_) gives C(cloudflare_timezone).
    type: str
    default: cloudflare_
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
      - Set to V(false) to get only the groups of O(groups) and O(keyed_groups).
    type: bool
    default: true
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
cache_connection: /tmp/cloudflare-inventory-cache
cache_timeout: 600
"""

import re

from ansible.errors import AnsibleError, AnsibleParserError
from ansible.plugins.inventory import BaseInventoryPlugin, Cacheable, Constructable

from ansible_collections.cloudflare.magic_transit.plugins.module_utils._client import (
    DEFAULT_BASE_URL,
    HAS_REQUESTS,
    CloudflareAPIError,
    CloudflareClient,
    InvalidOption,
)
from ansible_collections.cloudflare.magic_transit.plugins.module_utils._connectors import Connectors, device_of
from ansible_collections.cloudflare.magic_transit.plugins.module_utils._hostnames import DEFAULT_GROUPS, connector_host_name

# Connection options, in the order of CONNECTION_ARGUMENT_SPEC; the string ones may be templates in the source file.
STRING_OPTIONS = ("api_token", "api_email", "api_key", "account_id", "base_url")
OTHER_OPTIONS = ("timeout", "validate_certs", "max_retries", "max_retry_wait")


def timezone_group(timezone):
    """``Europe/Berlin`` -> ``timezone_europe_berlin``; ``Etc/GMT+5`` -> ``timezone_etc_gmtplus5``."""
    name = re.sub(r"-(?=\d)", "minus", timezone.lower().replace("+", "plus"))
    name = re.sub(r"[^a-z0-9]+", "_", name).strip("_")
    return "timezone_" + name if name else None


def host_variables(connector, prefix):
    """The connector's fields as host variables, plus the device's id, serial number and type on their own."""
    variables = dict((prefix + key, value) for key, value in Connectors(None).without_secrets(connector).items())
    device = device_of(connector)
    for key in ("id", "serial_number", "type"):
        if device.get(key) is not None:
            variables["%sdevice_%s" % (prefix, key)] = device[key]
    return variables


class InventoryModule(BaseInventoryPlugin, Constructable, Cacheable):

    NAME = "cloudflare.magic_transit.connectors"

    def verify_file(self, path):
        if not super().verify_file(path):
            return False
        if path.endswith(("connectors.yml", "connectors.yaml")):
            return True
        self.display.vvv("Skipping %s: the name of a cloudflare.magic_transit.connectors source must end with "
                         "connectors.yml or connectors.yaml" % path)
        return False

    def parse(self, inventory, loader, path, cache=True):
        super().parse(inventory, loader, path, cache)
        source = self._read_config_data(path)
        connection = self._connection_options(source)

        cache_key = "%s_%s" % (self.get_cache_key(path), self._get_cache_prefix(
            "%s|%s|%s" % (connection["account_id"], connection["base_url"], self.get_option("device_type"))))
        use_cache = self.get_option("cache") and cache
        update_cache = self.get_option("cache") and not cache
        connectors = None
        if use_cache:
            try:
                connectors = self._cache[cache_key]
            except KeyError:
                update_cache = True
        if connectors is None:
            connectors = self._list_connectors(connection)
        if update_cache:
            self._cache[cache_key] = connectors

        self._populate(connectors)

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
                    raise AnsibleParserError("cloudflare.magic_transit.connectors: could not template %s: %s"
                                             % (name, exc)) from None
                value = str(value).strip() if value is not None else None
            options[name] = value or None
        for name in OTHER_OPTIONS:
            options[name] = self.get_option(name)
        options["base_url"] = options["base_url"] or DEFAULT_BASE_URL
        if options["account_id"] is None:
            raise AnsibleParserError("cloudflare.magic_transit.connectors: account_id is required: set it in the "
                                     "inventory source or in the CLOUDFLARE_ACCOUNT_ID environment variable")
        return options

    # --- the one API call --------------------------------------------------------------------------------

    def _list_connectors(self, connection):
        if not HAS_REQUESTS:
            raise AnsibleError("cloudflare.magic_transit.connectors needs the Python library requests on the "
                               "controller (pip install requests)")
        try:
            client = CloudflareClient(**connection)
        except InvalidOption as exc:
            raise AnsibleParserError("cloudflare.magic_transit.connectors: %s" % exc) from None
        for warning in client.warnings:
            self.display.warning("cloudflare.magic_transit.connectors: %s" % warning)
        device_type = self.get_option("device_type")
        try:
            listed = Connectors(client).list(params={"device_type": device_type} if device_type else None)
        except CloudflareAPIError as exc:
            raise AnsibleParserError("cloudflare.magic_transit.connectors: listing the connectors failed: %s"
                                     % client.redact(str(exc))) from None
        if not isinstance(listed, list):
            raise AnsibleParserError("cloudflare.magic_transit.connectors: Cloudflare answered the connector list "
                                     "with a %s instead of a list" % type(listed).__name__)
        # What is kept (and cached) never holds a secret: the resource description says which fields are.
        return [Connectors(None).without_secrets(c) for c in listed if isinstance(c, dict)]

    # --- hosts and groups ----------------------------------------------------------------------------

    def _hostname(self, connector, taken):
        """The host name of a connector, or None to leave it out (the naming rules: ``_hostnames.py``, shared with
        the events source), with a warning naming the connector for each name it could not take as it is."""
        name, warnings = connector_host_name(connector, self.get_option("hostname"), taken, self.inventory.groups)
        for warning in warnings:
            self.display.warning("cloudflare.magic_transit.connectors: %s" % warning)
        return name

    def _populate(self, connectors):
        prefix = self.get_option("prefix")
        strict = self.get_option("strict")
        default_groups = self.get_option("default_groups")
        taken = set()
        for connector in sorted(connectors, key=lambda c: str(c.get("id"))):
            if not connector.get("id"):
                continue
            name = self._hostname(connector, taken)
            if name is None:
                continue
            taken.add(name)
            host = self.inventory.add_host(name)
            variables = host_variables(connector, prefix)
            for key, value in variables.items():
                self.inventory.set_variable(host, key, value)
            if default_groups:
                for group in self._default_groups(connector):
                    self.inventory.add_child(self.inventory.add_group(group), host)
            self._set_composite_vars(self.get_option("compose"), variables, host, strict=strict)
            self._add_host_to_composed_groups(self.get_option("groups"), variables, host, strict=strict)
            self._add_host_to_keyed_groups(self.get_option("keyed_groups"), variables, host, strict=strict)

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
