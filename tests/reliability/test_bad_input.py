# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The bad input catalogue: every module refuses bad input before any write, naming the option and the rule.

``CATALOGUE`` is one table; each row is one task of a generated playbook (the rows run as two playbooks at once, about
0.4 s a row). A row is ``(key, module, args, message regex, calls)``:

* ``calls`` is ``NONE`` for pure input errors (the simulator must not see a single call of the row) or ``READS`` for
  errors that need the current objects to judge (only GETs allowed).
* Every row has an account of its own (a copy of the seed; ``SETUPS`` may edit it), so the simulator's request log
  tells the rows apart. Rows that test ``account_id`` or ``base_url`` themselves override them.

To cover another module or role, add rows with its short name in ``MODULES`` or ``ROLES``.
"""

from __future__ import annotations

import datetime
import re

import pytest

from ansible_collections.cloudflare.magic_transit.tests.reliability.support import case_tasks, role_tasks, spread

MODULES = {
    "IC": "cloudflare.magic_transit.cf_interconnect",
    "ICI": "cloudflare.magic_transit.cf_interconnect_info",
    "MC": "cloudflare.magic_transit.magic_connector",
    "MCI": "cloudflare.magic_transit.magic_connector_info",
    "INT": "cloudflare.magic_transit.magic_connector_interrupt",
    "MCS": "cloudflare.magic_transit.magic_connectors",
    "REP": "cloudflare.magic_transit.magic_connector_report",
    "RI": "cloudflare.magic_transit.magic_rolling_interrupt",
}
# Rows of a role give its variables; the connection reaches its modules as module_defaults (support.role_tasks).
ROLES = {
    "MW": "cloudflare.magic_transit.maintenance_window",
    "CF": "cloudflare.magic_transit.change_freeze",
    "RIR": "cloudflare.magic_transit.rolling_interrupt",
}
NONE, READS = "no call", "reads only"

BER = "MWC2301A0417"  # ber-branch-01 primary (MANAGED), connector 711f8eedc6d84336a6f7d256ddd00fce
BER_ID = "711f8eedc6d84336a6f7d256ddd00fce"
BER2_DEVICE_ID = "736a8a24374ffdc4b6913614be7d8a35"  # the device of ber-branch-01 secondary
FRA = "fra-gre-1"
ID_RULE = r"must be 1 to 32 letters or digits \(a Cloudflare id\)"
DATES = r"interrupt_window_embargo_dates must list real dates written YYYY-MM-DD, got '%s'"
DAYS = r"interrupt_window_days_of_week must list days of the week \(Sunday, Monday, Tuesday, Wednesday, Thursday, Friday, Saturday\), got '%s'"
TIMEZONE = r"timezone must be an IANA time zone name such as Europe/Berlin or UTC, got '%s'"
BASE_URL = (
    r"base_url must be an https:// URL \(plain http:// is allowed only for a loopback host such as the local simulator\), "
    r"got '%s'"
)
NOT_BOOL = r"must be a whole number, not a boolean \(YAML reads yes, no, true and false as booleans\), got %s$"
NOTES_TOO_LONG = r"notes must be at most 2048 characters \(Cloudflare refuses longer ones\), got 2049$"
EMPTY = r"%s must not be empty: an empty %s names no %s, got ''$"
MANY_DATES = [(datetime.date(2030, 1, 1) + datetime.timedelta(days=n)).isoformat() for n in range(101)]


def _choices(option, values, got, within=None):
    text = r"value of %s must be one of: %s, got: %s" % (option, ", ".join(values), got)
    return text + (r" found in %s" % within if within else "")


def _type(option, kind):
    # ansible-core 2.19 and 2.21 word type errors alike, for module options and role variables (argument_specs):
    # "argument 'x' is of type ... and we were unable to convert to int"
    return r"argument '%s' is of type .* and we were unable to convert to %s" % (option, kind)


CATALOGUE = [
    # --- cf_interconnect: ids, addresses, MTU, enums, rules between options --------------------------------------------
    ("ic-id-too-long", "IC", {"id": "a" * 33, "mtu": 1500}, r"^id %s, got 'a{33}'$" % ID_RULE, NONE),
    (
        "ic-id-path",
        "IC",
        {"id": "../../etc/passwd", "mtu": 1500},
        r"^id %s, got '\.\./\.\./etc/passwd'$" % ID_RULE,
        NONE,
    ),
    ("ic-mtu-575", "IC", {"name": FRA, "mtu": 575}, r"^mtu must be at least 576, got 575$", NONE),
    ("ic-mtu-text", "IC", {"name": FRA, "mtu": "jumbo"}, _type("mtu", "int"), NONE),
    (
        "ic-address-/24",
        "IC",
        {"name": FRA, "interface_address": "10.0.0.0/24"},
        r"^interface_address must be a /29, /30 or /31 IPv4 CIDR, got '10\.0\.0\.0/24'$",
        NONE,
    ),
    (
        "ic-address-no-prefix",
        "IC",
        {"name": FRA, "interface_address": "10.0.0.1"},
        r"^interface_address must be a /29, /30 or /31 IPv4 CIDR",
        NONE,
    ),
    (
        "ic-address-ipv6",
        "IC",
        {"name": FRA, "interface_address": "2001:db8::/127"},
        r"^interface_address must be an IPv4 address with a prefix length, such as 10\.0\.0\.0/31, got '2001:db8::/127'$",
        NONE,
    ),
    (
        "ic-address6-/64",
        "IC",
        {"name": FRA, "interface_address6": "2001:db8::/64"},
        r"^interface_address6 must be a /127 IPv6 CIDR, got '2001:db8::/64'$",
        NONE,
    ),
    (
        "ic-address6-ipv4",
        "IC",
        {"name": FRA, "interface_address6": "10.0.0.0/31"},
        r"^interface_address6 must be an IPv6 address with a /127 prefix length, got '10\.0\.0\.0/31'$",
        NONE,
    ),
    (
        "ic-address6-second",
        "IC",
        {"name": FRA, "interface_address6": "2001:db8::1/127"},
        r"^interface_address6 must be the first address of its /127 subnet, got '2001:db8::1/127'$",
        NONE,
    ),
    (
        "ic-rate-enum",
        "IC",
        {"name": FRA, "health_check": {"rate": "fast"}},
        _choices("rate", ["low", "mid", "high"], "fast", "health_check"),
        NONE,
    ),
    (
        "ic-type-enum",
        "IC",
        {"name": FRA, "health_check": {"type": "ping"}},
        _choices("type", ["reply", "request"], "ping", "health_check"),
        NONE,
    ),
    (
        "ic-direction-enum",
        "IC",
        {"name": FRA, "health_check": {"direction": "both"}},
        _choices("direction", ["unidirectional", "bidirectional"], "both", "health_check"),
        NONE,
    ),
    (
        "ic-source-unidirectional",
        "IC",
        {"name": FRA, "health_check": {"source": "10.0.0.1", "direction": "unidirectional"}},
        r"^health_check\.source is only allowed with health_check\.direction=bidirectional, got '10\.0\.0\.1'$",
        NONE,
    ),
    (
        "ic-extra-prefix",
        "IC",
        {"name": FRA, "bgp": {"customer_asn": 64512, "extra_prefixes": ["203.0.113.0/24", "not-a-prefix"]}},
        r"^bgp\.extra_prefixes must be a list of IP prefixes in CIDR notation, got 'not-a-prefix'$",
        NONE,
    ),
    ("ic-asn-text", "IC", {"name": FRA, "bgp": {"customer_asn": "AS64512"}}, _type("customer_asn", "int"), NONE),
    (
        "ic-bool",
        "IC",
        {"name": FRA, "automatic_return_routing": "perhaps"},
        _type("automatic_return_routing", "bool"),
        NONE,
    ),
    ("ic-name-empty", "IC", {"name": "", "mtu": 1500}, r"^name must not be empty", NONE),
    ("ic-no-identity", "IC", {"mtu": 1500}, r"^one of the following is required: id, name$", NONE),
    (
        "ic-unknown-option",
        "IC",
        {"name": FRA, "colour": "red"},
        r"^Unsupported parameters for \(cloudflare\.magic_transit\.cf_interconnect\) module: colour",
        NONE,
    ),
    (
        "ic-unknown-name",
        "IC",
        {"name": "nope-cni-9", "mtu": 1500},
        r"^name must identify an existing interconnect \(Cloudflare provisions them, there is no create\), got 'nope-cni-9'$",
        READS,
    ),
    ("ic-unknown-id", "IC", {"id": "0" * 32, "mtu": 1500}, r"^id must identify an existing interconnect", READS),
    (
        "ic-gre-on-v1.5",
        "IC",
        {"name": "ams-cni-1", "gre": {"cloudflare_endpoint": "172.64.240.253"}},
        r"^gre cannot be set on a version 1\.5 interconnect \(c0a66efd2b834c23976c56694bb0a45c\)",
        READS,
    ),
    (
        "ic-source-current-unidirectional",
        "IC",
        {"name": FRA, "health_check": {"source": "10.0.0.1"}},
        r"^health_check\.source is only allowed with health_check\.direction=bidirectional, got '10\.0\.0\.1'$",
        READS,
    ),
    (
        "ic-duplicate-names",
        "IC",
        {"name": "dup-cni", "mtu": 1500},
        r"^2 interconnects match name 'dup-cni' \(ids: [0-9a-f]{32}, [0-9a-f]{32}\): identify it by id$",
        READS,
    ),
    ("ici-id-path", "ICI", {"id": "x/y"}, r"^id %s, got 'x/y'$" % ID_RULE, NONE),
    # --- magic_connector: ids, windows, time zones, dates, identities, credentials, connection options --------------
    ("mc-id-too-long", "MC", {"id": "f" * 33, "timezone": "UTC"}, r"^id %s, got 'f{33}'$" % ID_RULE, NONE),
    (
        "mc-device-id-dash",
        "MC",
        {"device_id": "52644b00-d54c", "timezone": "UTC"},
        r"^device_id %s, got '52644b00-d54c'$" % ID_RULE,
        NONE,
    ),
    (
        "mc-hour-24",
        "MC",
        {"device_serial_number": BER, "interrupt_window_hour_of_day": 24},
        r"^interrupt_window_hour_of_day must be from 0 to 23, got 24$",
        NONE,
    ),
    (
        "mc-hour-text",
        "MC",
        {"device_serial_number": BER, "interrupt_window_hour_of_day": "noon"},
        _type("interrupt_window_hour_of_day", "int"),
        NONE,
    ),
    (
        "mc-duration-0",
        "MC",
        {"device_serial_number": BER, "interrupt_window_duration_hours": 0},
        r"^interrupt_window_duration_hours must be from 1 to 24, got 0$",
        NONE,
    ),
    (
        "mc-duration-25",
        "MC",
        {"device_serial_number": BER, "interrupt_window_duration_hours": 25},
        r"^interrupt_window_duration_hours must be from 1 to 24, got 25$",
        NONE,
    ),
    (
        "mc-timezone-unknown",
        "MC",
        {"device_serial_number": BER, "timezone": "Mars/Olympus_Mons"},
        "^" + TIMEZONE % "Mars/Olympus_Mons",
        NONE,
    ),
    (
        "mc-timezone-case",
        "MC",
        {"device_serial_number": BER, "timezone": "europe/berlin"},
        "^" + TIMEZONE % "europe/berlin",
        NONE,
    ),
    (
        "mc-timezone-offset",
        "MC",
        {"device_serial_number": BER, "timezone": "+02:00"},
        "^" + TIMEZONE % r"\+02:00",
        NONE,
    ),
    ("mc-timezone-empty", "MC", {"device_serial_number": BER, "timezone": ""}, "^" + TIMEZONE % "", NONE),
    (
        "mc-day-unknown",
        "MC",
        {"device_serial_number": BER, "interrupt_window_days_of_week": ["Monday", "Caturday"]},
        "^" + DAYS % "Caturday",
        NONE,
    ),
    (
        "mc-day-abbreviated",
        "MC",
        {"device_serial_number": BER, "interrupt_window_days_of_week": ["Mon"]},
        "^" + DAYS % "Mon",
        NONE,
    ),
    (
        "mc-date-month-13",
        "MC",
        {"device_serial_number": BER, "interrupt_window_embargo_dates": ["2026-13-01"]},
        "^" + DATES % "2026-13-01",
        NONE,
    ),
    (
        "mc-date-feb-30",
        "MC",
        {"device_serial_number": BER, "interrupt_window_embargo_dates": ["2026-02-30"]},
        "^" + DATES % "2026-02-30",
        NONE,
    ),
    (
        "mc-date-feb-29-2027",
        "MC",
        {"device_serial_number": BER, "interrupt_window_embargo_dates": ["2027-02-29"]},
        "^" + DATES % "2027-02-29",
        NONE,
    ),
    (
        "mc-date-short",
        "MC",
        {"device_serial_number": BER, "interrupt_window_embargo_dates": ["2026-1-01"]},
        "^" + DATES % "2026-1-01",
        NONE,
    ),
    (
        "mc-dates-101",
        "MC",
        {"device_serial_number": BER, "interrupt_window_embargo_dates": MANY_DATES},
        r"^interrupt_window_embargo_dates may hold at most 100 dates \(after merging\), got 101$",
        NONE,
    ),
    (
        "mc-absent-and-rekey",
        "MC",
        {"device_serial_number": BER, "state": "absent", "provision_license": True},
        r"^provision_license cannot be used with state=absent$",
        NONE,
    ),
    (
        "mc-state-enum",
        "MC",
        {"device_serial_number": BER, "state": "gone"},
        _choices("state", ["present", "absent"], "gone"),
        NONE,
    ),
    (
        "mc-no-identity",
        "MC",
        {"timezone": "UTC"},
        r"^one of the following is required: id, device_id, device_serial_number, notes$",
        NONE,
    ),
    (
        "mc-unknown-option",
        "MC",
        {"device_serial_number": BER, "device": "x"},
        r"^Unsupported parameters for \(cloudflare\.magic_transit\.magic_connector\) module: device",
        NONE,
    ),
    ("mc-activated-text", "MC", {"device_serial_number": BER, "activated": "maybe"}, _type("activated", "bool"), NONE),
    (
        "mc-token-and-key",
        "MC",
        {
            "device_serial_number": BER,
            "timezone": "UTC",
            "api_token": "t" * 40,
            "api_email": "ops@example.com",
            "api_key": "k" * 37,
        },
        r"^parameters are mutually exclusive: api_token\|api_key, api_token\|api_email$",
        NONE,
    ),
    (
        "mc-email-without-key",
        "MC",
        {"device_serial_number": BER, "timezone": "UTC", "api_token": None, "api_email": "ops@example.com"},
        r"^parameters are required together: api_email, api_key$",
        NONE,
    ),
    (
        "mc-no-credentials",
        "MC",
        {"device_serial_number": BER, "timezone": "UTC", "api_token": None},
        r"^api_token is required \(or CLOUDFLARE_API_TOKEN\), unless both api_email and api_key are given \(or CLOUDFLARE_EMAIL and "
        r"CLOUDFLARE_API_KEY\)$",
        NONE,
    ),
    (
        "mc-http-remote",
        "MC",
        {"device_serial_number": BER, "timezone": "UTC", "base_url": "http://example.com/client/v4"},
        "^" + BASE_URL % r"http://example\.com/client/v4",
        NONE,
    ),
    (
        "mc-http-private",
        "MC",
        {"device_serial_number": BER, "timezone": "UTC", "base_url": "http://10.1.2.3:8790/client/v4"},
        "^" + BASE_URL % r"http://10\.1\.2\.3:8790/client/v4",
        NONE,
    ),
    (
        "mc-http-lookalike",
        "MC",
        {"device_serial_number": BER, "timezone": "UTC", "base_url": "http://127.0.0.1.nip.io/client/v4"},
        "^" + BASE_URL % r"http://127\.0\.0\.1\.nip\.io/client/v4",
        NONE,
    ),
    (
        "mc-timeout-0",
        "MC",
        {"device_serial_number": BER, "timezone": "UTC", "timeout": 0},
        r"^timeout must be a positive number of seconds, got 0",
        NONE,
    ),
    (
        "mc-max-retries-negative",
        "MC",
        {"device_serial_number": BER, "timezone": "UTC", "max_retries": -1},
        r"^max_retries must be 0 or more, got -1$",
        NONE,
    ),
    (
        "mc-max-retry-wait-negative",
        "MC",
        {"device_serial_number": BER, "timezone": "UTC", "max_retry_wait": -1},
        r"^max_retry_wait must be 0 or more seconds, got -1",
        NONE,
    ),
    (
        "mc-account-too-long",
        "MC",
        {"device_serial_number": BER, "timezone": "UTC", "account_id": "0" * 33},
        r"^account_id %s" % ID_RULE,
        NONE,
    ),
    (
        "mc-unknown-id",
        "MC",
        {"id": "0" * 32, "timezone": "UTC"},
        r"^id must identify an existing connector \(to create one, give device_id, device_serial_number, or notes with "
        r"provision_license=true\), got '0{32}'$",
        READS,
    ),
    (
        "mc-unknown-notes",
        "MC",
        {"notes": "no such connector", "timezone": "UTC"},
        r"^notes match no connector: to create one for a new virtual device set provision_license=true",
        READS,
    ),
    (
        "mc-duplicate-notes",
        "MC",
        {"notes": "dup-notes", "timezone": "UTC"},
        r"^notes matches 2 connectors \([0-9a-f]{32}, [0-9a-f]{32}\): identify the connector by id or device, got 'dup-notes'$",
        READS,
    ),
    (
        "mc-conflicting-serial",
        "MC",
        {"id": BER_ID, "device_serial_number": "MWC2301A0418", "timezone": "UTC"},
        r"^device_serial_number cannot change: connector %s belongs to the device with serial_number 'MWC2301A0417'"
        % BER_ID,
        READS,
    ),
    (
        "mc-conflicting-device-id",
        "MC",
        {"device_serial_number": BER, "device_id": BER2_DEVICE_ID, "timezone": "UTC"},
        r"^device_serial_number cannot change: connector 64180894674b44869153f5fed0c2c654 belongs to the device with serial_number "
        r"'MWC2301A0418'; a connector's device is fixed \(delete the connector and create a new one\), got 'MWC2301A0417'$",
        READS,
    ),
    (
        "mc-dates-merged-over-100",
        "MC",
        {"device_serial_number": BER, "interrupt_window_embargo_dates": MANY_DATES[95:], "purge_embargo_dates": False},
        r"^interrupt_window_embargo_dates may hold at most 100 dates \(after merging\), got 101$",
        READS,
    ),
    ("mc-site-id-path", "MC", {"device_serial_number": BER, "site_id": "../sites"}, r"^site_id %s" % ID_RULE, NONE),
    (
        "mc-key-dest-without-license",
        "MC",
        {"device_serial_number": BER, "license_key_dest": "/tmp/vcon.key"},
        r"^license_key_dest needs provision_license=true",
        NONE,
    ),
    (
        "mc-key-dest-no-folder",
        "MC",
        {"notes": "new vcon", "provision_license": True, "license_key_dest": "/nonexistent-folder-for-keys/vcon.key"},
        r"^license_key_dest must be in an existing directory",
        NONE,
    ),
    (
        "mc-license-for-a-hardware-device-id",
        "MC",
        {"device_id": "9e3fb46c3950493bd1e13a4fb24365b0", "provision_license": True},
        r"^provision_license with device_id '9e3fb46c3950493bd1e13a4fb24365b0', which has no connector yet, is refused before any write",
        READS,
    ),
    ("mc-empty-notes-absent", "MC", {"notes": "", "state": "absent"}, r"^notes must not be empty", NONE),
    # --- magic_connector_interrupt and magic_connector_info -----------------------------------------------------------
    (
        "int-action-enum",
        "INT",
        {"device_serial_number": BER, "action": "explode"},
        _choices("action", ["reboot", "restart", "shutdown"], "explode"),
        NONE,
    ),
    ("int-action-missing", "INT", {"device_serial_number": BER}, r"^missing required arguments: action$", NONE),
    (
        "int-no-identity",
        "INT",
        {"action": "reboot"},
        r"^one of the following is required: id, device_id, device_serial_number, notes$",
        NONE,
    ),
    (
        "int-empty-notes",
        "INT",
        {"notes": "", "action": "reboot"},
        r"^notes must not be empty: an empty notes names no connector, got ''$",
        NONE,
    ),
    (
        "int-wait-timeout-0",
        "INT",
        {"device_serial_number": BER, "action": "reboot", "wait": True, "wait_timeout": 0},
        r"^wait_timeout must be at least 1 \(seconds\), got 0$",
        NONE,
    ),
    (
        "int-purge-text",
        "INT",
        {"device_serial_number": BER, "action": "reboot", "purge": "yes please"},
        _type("purge", "bool"),
        NONE,
    ),
    (
        "int-unknown-serial",
        "INT",
        {"device_serial_number": "NOPE0000", "action": "reboot"},
        r"^device_serial_number must identify an existing connector, got 'NOPE0000'$",
        READS,
    ),
    (
        "int-if-pending-enum",
        "INT",
        {"device_serial_number": BER, "action": "reboot", "if_pending": "retry"},
        _choices("if_pending", ["fail", "wait"], "retry"),
        NONE,
    ),
    (
        "int-peer-age-0",
        "INT",
        {"device_serial_number": BER, "action": "reboot", "peer_heartbeat_max_age": 0},
        r"^peer_heartbeat_max_age must be at least 1 \(seconds\), got 0$",
        READS,
    ),
    # --- magic_rolling_interrupt and its role ---------------------------------------------------------------------
    (
        "ri-shutdown",
        "RI",
        {"action": "shutdown", "all_stores": True},
        r"^action must be reboot or restart: a shutdown is refused",
        NONE,
    ),
    (
        "ri-no-targets",
        "RI",
        {"action": "reboot"},
        r"^stores or connectors must name the targets, or all_stores=true",
        NONE,
    ),
    (
        "ri-batch-0",
        "RI",
        {"action": "reboot", "all_stores": True, "batch": 0},
        r"^batch must be at least 1, got 0$",
        NONE,
    ),
    (
        "ri-unknown-store",
        "RI",
        {"action": "reboot", "stores": ["nowhere"]},
        r"^stores\[0\] must name a Magic WAN site with connectors; no site has this name, got 'nowhere'$",
        READS,
    ),
    (
        "rir-shutdown",
        "RIR",
        {"rolling_interrupt_action": "shutdown", "rolling_interrupt_all_stores": True},
        r"^rolling_interrupt_action must be reboot or restart: a shutdown is refused",
        NONE,
    ),
    (
        "rir-failures-negative",
        "RIR",
        {"rolling_interrupt_stores": ["ber-branch-01"], "rolling_interrupt_max_failures": -1},
        r"^rolling_interrupt_max_failures must be at least 0, got -1$",
        NONE,
    ),
    (
        "mci-device-type-enum",
        "MCI",
        {"device_type": "VIRTUAL"},
        _choices("device_type", ["MANAGED", "LICENSED"], "VIRTUAL"),
        NONE,
    ),
    ("mci-id-path", "MCI", {"id": "../x"}, r"^id %s" % ID_RULE, NONE),
    # --- magic_connectors: every entry is judged before any write, errors name the entry ----------------------------
    (
        "mcs-hour-24",
        "MCS",
        {"connectors": [{"device_serial_number": BER}, {"id": BER_ID, "interrupt_window_hour_of_day": 24}]},
        r"^connectors\[1\]\.interrupt_window_hour_of_day must be from 0 to 23, got 24$",
        NONE,
    ),
    (
        "mcs-id-path",
        "MCS",
        {"connectors": [{"id": "../x", "timezone": "UTC"}]},
        r"^connectors\[0\]\.id %s, got '\.\./x'$" % ID_RULE,
        NONE,
    ),
    (
        "mcs-timezone",
        "MCS",
        {"connectors": [{"device_serial_number": BER, "timezone": "Mars/Olympus_Mons"}]},
        "^connectors\\[0\\]\\." + TIMEZONE % "Mars/Olympus_Mons",
        NONE,
    ),
    (
        "mcs-dates-101",
        "MCS",
        {"connectors": [{"device_serial_number": BER, "interrupt_window_embargo_dates": MANY_DATES}]},
        r"^connectors\[0\]\.interrupt_window_embargo_dates may hold at most 100 dates \(after merging\), got 101$",
        NONE,
    ),
    (
        "mcs-no-identity",
        "MCS",
        {"connectors": [{"timezone": "UTC"}]},
        r"^one of the following is required: id, device_id, device_serial_number, notes found in connectors$",
        NONE,
    ),
    (
        "mcs-unknown-suboption",
        "MCS",
        {"connectors": [{"device_serial_number": BER, "colour": "red"}]},
        r"^Unsupported parameters for \(cloudflare\.magic_transit\.magic_connectors\) module: connectors\.colour",
        NONE,
    ),
    (
        "mcs-concurrency-11",
        "MCS",
        {"max_concurrency": 11, "connectors": [{"device_serial_number": BER, "timezone": "UTC"}]},
        r"^max_concurrency must be from 1 to 10, got 11$",
        NONE,
    ),
    (
        "mcs-unknown-serial",
        "MCS",
        {
            "connectors": [
                {"device_serial_number": BER, "timezone": "UTC"},
                {"device_serial_number": "NOPE0000", "timezone": "UTC"},
            ]
        },
        r"^connectors\[1\]\.device_serial_number matches no connector \(with create_missing=true, an entry naming a device",
        READS,
    ),
    (
        "mcs-same-connector-twice",
        "MCS",
        {"connectors": [{"device_serial_number": BER, "timezone": "UTC"}, {"id": BER_ID, "timezone": "Asia/Tokyo"}]},
        r"^connectors\[1\] names the same connector \(%s\) as connectors\[0\]$" % BER_ID,
        READS,
    ),
    (
        "mcs-conflicting-identity",
        "MCS",
        {"connectors": [{"id": BER_ID, "device_id": BER2_DEVICE_ID, "timezone": "UTC"}]},
        r"^connectors\[0\]\.device_id cannot change: connector %s belongs to the device" % BER_ID,
        READS,
    ),
    (
        "mcs-dates-merged-over-100",
        "MCS",
        {
            "purge_embargo_dates": False,
            "connectors": [{"device_serial_number": BER, "interrupt_window_embargo_dates": MANY_DATES[95:]}],
        },
        r"^connectors\[0\]\.interrupt_window_embargo_dates may hold at most 100 dates \(after merging\), got 101$",
        READS,
    ),
    # --- the roles: their arguments, then the settings they plan, all before any write --------------------------------
    (
        "mw-preset-unknown",
        "MW",
        {"maintenance_window_preset": "lunch_break"},
        _choices(
            "maintenance_window_preset",
            ["weekend_nights", "weeknights", "sunday_early", "always_on_short"],
            "lunch_break",
        ),
        NONE,
    ),
    (
        "mw-device-type-enum",
        "MW",
        {"maintenance_window_device_type": "VIRTUAL"},
        _choices("maintenance_window_device_type", ["", "MANAGED", "LICENSED"], "VIRTUAL"),
        NONE,
    ),
    ("mw-hour-text", "MW", {"maintenance_window_hour": "noon"}, _type("maintenance_window_hour", "int"), NONE),
    (
        "mw-hour-24",
        "MW",
        {"maintenance_window_hour": 24},
        r"maintenance_window_hour must be from 0 to 23, got 24$",
        NONE,
    ),
    (
        "mw-duration-0",
        "MW",
        {"maintenance_window_duration": 0},
        r"maintenance_window_duration must be from 1 to 24, got 0$",
        NONE,
    ),
    (
        "mw-days-abbreviated",
        "MW",
        {"maintenance_window_days": ["Mon", "Tue"]},
        r"maintenance_window_days must list days of the week \(.*\), got 'Mon'$",
        NONE,
    ),
    (
        "mw-timezone-unknown",
        "MW",
        {"maintenance_window_timezone": "Europe/Atlantis"},
        r"maintenance_window_" + TIMEZONE % "Europe/Atlantis" + "$",
        NONE,
    ),
    (
        "mw-stagger-slots-0",
        "MW",
        {"maintenance_window_stagger_slots": 0},
        r"maintenance_window_stagger_slots must be from 1 to 24, got 0$",
        NONE,
    ),
    (
        "mw-group-pattern",
        "MW",
        {"maintenance_window_group_by": "notes", "maintenance_window_group_pattern": "^\\S+"},
        r"maintenance_window_group_pattern must be a regular expression with a capture group",
        NONE,
    ),
    (
        "mw-freeze-backwards",
        "MW",
        {"maintenance_window_freeze_periods": [{"start": "2027-03-02", "end": "2027-03-01"}]},
        r"maintenance_window_freeze_periods\[0\] ends before it starts",
        NONE,
    ),
    (
        "mw-embargo-date-feb-29",
        "MW",
        {"maintenance_window_embargo_dates": ["2027-02-29"]},
        r"maintenance_window_embargo_dates\[0\] must be a real date written YYYY-MM-DD, got '2027-02-29'$",
        NONE,
    ),
    (
        "mw-embargo-101",
        "MW",
        {"maintenance_window_embargo_dates": MANY_DATES},
        r"maintenance_window_freeze_periods and maintenance_window_embargo_dates expand to 101 dates from today on; "
        r"a connector holds at most 100$",
        NONE,
    ),
    (
        "mw-concurrency-0",
        "MW",
        {"maintenance_window_max_concurrency": 0},
        r"^maintenance_window_max_concurrency must be from 1 to 10, got 0$",
        NONE,
    ),
    (
        "mw-unknown-connector",
        "MW",
        {"maintenance_window_connectors": [{"device_serial_number": "NOPE0000"}]},
        r"maintenance_window_connectors\[0\] matches no listed connector",
        READS,
    ),
    (
        "mw-group-too-long",
        "MW",
        {
            "maintenance_window_duration": 13,
            "maintenance_window_connectors": [
                {"device_serial_number": BER, "group": "ber"},
                {"device_id": BER2_DEVICE_ID, "group": "ber"},
            ],
        },
        r"maintenance_window_duration is too long to give the 2 connectors of group 'ber-branch-01' windows that do not overlap",
        READS,
    ),
    (
        "mw-ha-conflict-enum",
        "MW",
        {"maintenance_window_ha_conflict": "ignore"},
        _choices("maintenance_window_ha_conflict", ["shift", "fail"], "ignore"),
        NONE,
    ),
    (
        "mw-ha-strategy-enum",
        "MW",
        {"maintenance_window_ha_strategy": "random"},
        _choices("maintenance_window_ha_strategy", ["consecutive", "alternate_days"], "random"),
        NONE,
    ),
    (
        "mw-latest-end-text",
        "MW",
        {"maintenance_window_latest_end_hour": "late"},
        _type("maintenance_window_latest_end_hour", "int"),
        NONE,
    ),
    (
        "mw-latest-end-25",
        "MW",
        {"maintenance_window_latest_end_hour": 25},
        r"maintenance_window_latest_end_hour must be from 0 to 24, got 25$",
        NONE,
    ),
    (
        "mw-latest-end-before-duration",
        "MW",
        {"maintenance_window_latest_end_hour": 3},
        r"maintenance_window_latest_end_hour leaves no room for a window of 4 h",
        NONE,
    ),
    (
        "mw-group-by-site-id-missing",
        "MW",
        {"maintenance_window_group_by": "site_id"},
        r"maintenance_window_group_by site_id finds no HA group for 2 connector\(s\): sfo-lab virtual connector",
        READS,
    ),
    (
        "mw-ha-conflict-fail",
        "MW",
        {
            "maintenance_window_ha_conflict": "fail",
            "maintenance_window_connectors": [{"notes": "ber-branch-01 secondary"}],
        },
        r"maintenance_window_ha_conflict is fail: the window planned for ber-branch-01 secondary .* untouched HA peer ber-branch-01 primary",
        READS,
    ),
    (
        "cf-state-enum",
        "CF",
        {"change_freeze_state": "sideways", "change_freeze_dates": ["2027-01-01"]},
        _choices("change_freeze_state", ["present", "absent"], "sideways"),
        NONE,
    ),
    (
        "cf-start-without-end",
        "CF",
        {"change_freeze_start": "2027-01-01"},
        r"^change_freeze_start and change_freeze_end go together, and a freeze needs them or change_freeze_dates$",
        NONE,
    ),
    (
        "cf-no-dates",
        "CF",
        {},
        r"^change_freeze_start and change_freeze_end go together, and a freeze needs them or change_freeze_dates$",
        NONE,
    ),
    (
        "cf-date-month-13",
        "CF",
        {"change_freeze_dates": ["2027-13-01"]},
        r"change_freeze_dates\[0\] must be a real date written YYYY-MM-DD, got '2027-13-01'$",
        NONE,
    ),
    (
        "cf-period-backwards",
        "CF",
        {"change_freeze_start": "2027-03-02", "change_freeze_end": "2027-03-01"},
        r"change_freeze_start to change_freeze_end ends before it starts",
        NONE,
    ),
    (
        "cf-concurrency-11",
        "CF",
        {"change_freeze_dates": ["2027-01-01"], "change_freeze_max_concurrency": 11},
        r"^change_freeze_max_concurrency must be from 1 to 10, got 11$",
        NONE,
    ),
    (
        "cf-unknown-connector",
        "CF",
        {"change_freeze_dates": ["2027-01-01"], "change_freeze_connectors": [{"notes": "no such connector"}]},
        r"change_freeze_connectors\[0\] matches no listed connector",
        READS,
    ),
    (
        "cf-over-100-dates",
        "CF",
        {"change_freeze_dates": MANY_DATES[95:]},
        r"the freeze \(change_freeze_start to change_freeze_end, and change_freeze_dates\) adds too many dates: connector "
        r"ber-branch-01 primary \(%s\) would hold 101 embargo dates, more than 100" % BER_ID,
        READS,
    ),
    # --- magic_connector_report: thresholds and the standard window, before the list call ------------------------------
    (
        "rep-min-version",
        "REP",
        {"dest": "/nonexistent/report", "min_version": "2026.x"},
        r"^min_version must be a version such as 2026\.2\.0 \(numbers separated by dots\), got '2026\.x'$",
        NONE,
    ),
    (
        "rep-offline-hours-0",
        "REP",
        {"dest": "/nonexistent/report", "offline_hours": 0},
        r"^offline_hours must be a number of hours above 0, got 0\.0$",
        NONE,
    ),
    (
        "rep-offline-hours-text",
        "REP",
        {"dest": "/nonexistent/report", "offline_hours": "a day"},
        _type("offline_hours", "float"),
        NONE,
    ),
    (
        "rep-preset",
        "REP",
        {"dest": "/nonexistent/report", "standard_window": {"preset": "lunch"}},
        _choices(
            "preset", ["always_on_short", "sunday_early", "weekend_nights", "weeknights"], "lunch", "standard_window"
        ),
        NONE,
    ),
    (
        "rep-window-incomplete",
        "REP",
        {"dest": "/nonexistent/report", "standard_window": {"days": ["Sunday"], "hour": 2}},
        r"^standard_window needs a preset or all of days, hour and duration \(missing: duration\)$",
        NONE,
    ),
    (
        "rep-window-day",
        "REP",
        {"dest": "/nonexistent/report", "standard_window": {"days": ["Caturday"], "hour": 2, "duration": 2}},
        r"^standard_window\.days must list days of the week .*, got 'Caturday'$",
        NONE,
    ),
    (
        "rep-window-duration",
        "REP",
        {"dest": "/nonexistent/report", "standard_window": {"preset": "weeknights", "duration": 25}},
        r"^standard_window\.duration must be from 1 to 24, got 25$",
        NONE,
    ),
    (
        "rep-ignore-unknown",
        "REP",
        {"dest": "/nonexistent/report", "ignore_findings": ["sunburn"]},
        r"^value of ignore_findings must be one or more of: offline, ha_overlap, .*(Got no match for|got): sunburn$",
        NONE,
    ),
    # --- the generic value rules (issue 17): YAML booleans for numbers, the API's string lengths, empty identities, at
    # any depth and for every entry of a fleet (one bad entry: no call at all); health-check transitions the API refuses.
    ("ic-mtu-bool", "IC", {"name": FRA, "mtu": True}, "^mtu " + NOT_BOOL % "True", NONE),
    (
        "ic-asn-bool",
        "IC",
        {"name": FRA, "bgp": {"customer_asn": True}},
        r"^bgp\.customer_asn " + NOT_BOOL % "True",
        NONE,
    ),
    (
        "ic-asn-0",
        "IC",
        {"name": FRA, "bgp": {"customer_asn": 0}},
        r"^bgp\.customer_asn must be from 1 to 4294967295 \(a 32-bit ASN\), got 0$",
        NONE,
    ),
    (
        "ic-asn-2-32",
        "IC",
        {"name": FRA, "bgp": {"customer_asn": 4294967296}},
        r"^bgp\.customer_asn must be from 1 to 4294967295",
        NONE,
    ),
    (
        "ic-max-retries-bool",
        "IC",
        {"name": FRA, "mtu": 1500, "max_retries": True},
        "^max_retries " + NOT_BOOL % "True",
        NONE,
    ),
    (
        "ic-id-empty",
        "IC",
        {"id": "", "mtu": 1500},
        r"^id must not be empty: an empty id names no interconnect, got ''$",
        NONE,
    ),
    (
        "ic-bidirectional-without-source",
        "IC",
        {"name": "ams-cni-1", "health_check": {"direction": "bidirectional"}},
        r"^health_check\.source is required with health_check\.direction=bidirectional \(interconnect c0a66efd2b834c23976c56694bb0a45c has none\)$",
        READS,
    ),
    (
        "ic-bidirectional-on-v1",
        "IC",
        {"name": FRA, "health_check": {"direction": "bidirectional", "source": "10.0.0.1"}},
        r"^health_check\.direction can be bidirectional only on version 1\.5 interconnects",
        READS,
    ),
    (
        "mc-hour-bool",
        "MC",
        {"device_serial_number": BER, "interrupt_window_hour_of_day": True},
        "^interrupt_window_hour_of_day " + NOT_BOOL % "True",
        NONE,
    ),
    (
        "mc-duration-bool",
        "MC",
        {"device_serial_number": BER, "interrupt_window_duration_hours": False},
        "^interrupt_window_duration_hours " + NOT_BOOL % "False",
        NONE,
    ),
    (
        "mc-timeout-bool",
        "MC",
        {"device_serial_number": BER, "timezone": "UTC", "max_retries": False},
        "^max_retries " + NOT_BOOL % "False",
        NONE,
    ),
    ("mc-notes-too-long", "MC", {"device_serial_number": BER, "notes": "n" * 2049}, "^" + NOTES_TOO_LONG, NONE),
    ("mc-create-notes-too-long", "MC", {"notes": "n" * 2049, "provision_license": True}, "^" + NOTES_TOO_LONG, NONE),
    (
        "mc-notes-empty-absent",
        "MC",
        {"notes": "", "state": "absent"},
        "^" + EMPTY % ("notes", "notes", "connector"),
        NONE,
    ),
    (
        "mc-notes-blank",
        "MC",
        {"notes": "   ", "timezone": "UTC"},
        r"^notes must not be empty: an empty notes names no connector, got '   '$",
        NONE,
    ),
    (
        "mc-serial-empty-absent",
        "MC",
        {"device_serial_number": "", "state": "absent"},
        "^" + EMPTY % ("device_serial_number", "device_serial_number", "connector"),
        NONE,
    ),
    (
        "mc-device-id-empty",
        "MC",
        {"device_id": "", "timezone": "UTC"},
        "^" + EMPTY % ("device_id", "device_id", "connector"),
        NONE,
    ),
    ("mc-id-empty", "MC", {"id": "", "notes": "x"}, "^" + EMPTY % ("id", "id", "connector"), NONE),
    (
        "int-serial-empty",
        "INT",
        {"device_serial_number": "", "action": "reboot"},
        "^" + EMPTY % ("device_serial_number", "device_serial_number", "connector"),
        NONE,
    ),
    (
        "mcs-hour-bool",
        "MCS",
        {
            "connectors": [
                {"device_serial_number": BER, "timezone": "UTC"},
                {"id": BER_ID, "interrupt_window_hour_of_day": True},
            ]
        },
        r"^connectors\[1\]\.interrupt_window_hour_of_day " + NOT_BOOL % "True",
        NONE,
    ),
    (
        "mcs-notes-too-long",
        "MCS",
        {
            "connectors": [
                {"device_serial_number": BER, "timezone": "UTC"},
                {"device_id": BER2_DEVICE_ID, "notes": "n" * 2049},
            ]
        },
        r"^connectors\[1\]\." + NOTES_TOO_LONG,
        NONE,
    ),
    (
        "mcs-serial-empty",
        "MCS",
        {
            "connectors": [
                {"device_serial_number": BER, "timezone": "UTC"},
                {"device_serial_number": "", "timezone": "UTC"},
            ]
        },
        r"^connectors\[1\]\." + EMPTY % ("device_serial_number", "device_serial_number", "connector"),
        NONE,
    ),
    (
        "mcs-concurrency-bool",
        "MCS",
        {"max_concurrency": True, "connectors": [{"device_serial_number": BER, "timezone": "UTC"}]},
        "^max_concurrency " + NOT_BOOL % "True",
        NONE,
    ),
    # The roles hand their numbers to magic_connectors: a boolean that reaches it is refused there, after the listing
    # and before any write. (Variables the roles' filters compute with, such as maintenance_window_hour, are the
    # filters' to judge.) An empty identity matches no connector.
    # (the role's own check judges its numbers before any call, naming the variable)
    (
        "mw-duration-bool",
        "MW",
        {"maintenance_window_duration": True},
        r"maintenance_window_duration must be a whole number, got True$",
        NONE,
    ),
    (
        "mw-concurrency-bool",
        "MW",
        {"maintenance_window_max_concurrency": True},
        r"^maintenance_window_max_concurrency must be from 1 to 10, got True$",
        NONE,
    ),
    (
        "mw-serial-empty",
        "MW",
        {"maintenance_window_connectors": [{"device_serial_number": ""}]},
        r"maintenance_window_connectors\[0\] matches no listed connector, got \{'device_serial_number': ''\}$",
        READS,
    ),
    (
        "cf-concurrency-bool",
        "CF",
        {"change_freeze_dates": ["2027-01-01"], "change_freeze_max_concurrency": True},
        r"^change_freeze_max_concurrency must be from 1 to 10, got True$",
        NONE,
    ),
    (
        "cf-notes-empty",
        "CF",
        {"change_freeze_dates": ["2027-01-01"], "change_freeze_connectors": [{"notes": ""}]},
        r"change_freeze_connectors\[0\] matches no listed connector, got \{'notes': ''\}$",
        READS,
    ),
    # Found by this suite and fixed: refused before any write.
    # A rename to another interconnect's name.
    (
        "ic-rename-to-a-taken-name",
        "IC",
        {"id": "db6e162c8771430c90b14f6378e8f5cf", "name": "ams-cni-1"},
        r"^name must be unique.*ams-cni-1",
        READS,
    ),
    # Cloudflare re-keys only connectors of LICENSED (virtual) devices; the module knows the device type before writing.
    (
        "mc-rekey-hardware",
        "MC",
        {"device_serial_number": BER, "provision_license": True},
        r"^provision_license .*LICENSED",
        READS,
    ),
    # provision_license with a new serial number: a hardware device cannot get a license key.
    (
        "mc-provision-new-hardware",
        "MC",
        {"device_serial_number": "NEWSERIAL0001", "provision_license": True},
        r"^provision_license .*(LICENSED|virtual|serial)",
        READS,
    ),
]


def _dup_interconnect_names(account):
    for interconnect in account["interconnects"].values():
        if interconnect["name"] in (FRA, "ams-cni-1"):
            interconnect["name"] = "dup-cni"


def _dup_notes(account):
    for connector in account["connectors"].values():
        if connector["notes"].startswith("ber-branch-01"):
            connector["notes"] = "dup-notes"


def _ninety_eight_dates(account):
    account["connectors"][BER_ID]["interrupt_window_embargo_dates"] = MANY_DATES[:98]


SETUPS = {
    "ic-duplicate-names": _dup_interconnect_names,
    "mc-duplicate-notes": _dup_notes,
    "mc-dates-merged-over-100": _ninety_eight_dates,
    "mcs-dates-merged-over-100": _ninety_eight_dates,
    "cf-over-100-dates": _ninety_eight_dates,
}


def _refused_before_any_write(rows, simulator, accounts, playbooks, groups):
    ids = accounts.create([row[0] for row in rows], edit=lambda key, account: SETUPS.get(key, lambda a: None)(account))
    tasks = []
    for row in rows:
        key, module, args = row[0], row[1], dict(row[2])
        if module in ROLES:
            role_vars = dict({"%s_today" % ROLES[module].rsplit(".", 1)[1]: "2026-12-01"}, **args)
            tasks.append(
                role_tasks(key, ROLES[module], role_vars, {"api_token": simulator.token, "account_id": ids[key]})
            )
            continue
        token = args.pop("api_token", simulator.token)
        if token is not None:
            args["api_token"] = token
        args.setdefault("account_id", ids[key])
        tasks.append(case_tasks(key, MODULES[module], args))
    # No CLOUDFLARE_API_TOKEN in the environment: the rows about credentials decide what the module gets.
    results = playbooks.run_cases(spread(tasks, groups), name="catalogue", env={"CLOUDFLARE_API_TOKEN": None})[1]

    log = simulator.requests()
    problems = []
    for row in rows:
        key, message, calls = row[0], row[3], row[4]
        entry = results.get(key)
        if entry is None or entry["status"] != "failed":
            problems.append("%s: not refused: %s" % (key, entry and entry["result"]))
            continue
        msg = entry["result"].get("msg", "")
        if not re.search(message, msg):
            problems.append("%s: message %r does not match %r" % (key, msg, message))
        seen = [(e["method"], e["path"]) for e in log if ids[key] in e["path"]]
        if calls == NONE and seen:
            problems.append("%s: pure input error, yet the module called the API: %s" % (key, seen))
        if calls == READS and any(call[0] != "GET" for call in seen):
            problems.append("%s: refused only after a write: %s" % (key, seen))
    assert not problems, "\n".join(problems)
    # Nothing reached the simulator but the reads of READS rows (rows with their own account_id or base_url included).
    reading = {ids[row[0]] for row in rows if row[4] == READS}
    assert all(any(account in e["path"] for account in reading) for e in log), [e["path"] for e in log]
    assert all(e["method"] == "GET" for e in log)


def test_catalogue_is_large_and_unique():
    keys = [row[0] for row in CATALOGUE]
    assert len(keys) == len(set(keys)) and len(CATALOGUE) >= 40


@pytest.mark.timeout(900)  # a hang detector: the catalogue's playbooks take minutes on a busy machine
def test_bad_input_is_refused_before_any_write(simulator, accounts, playbooks):
    _refused_before_any_write(CATALOGUE, simulator, accounts, playbooks, groups=2)
