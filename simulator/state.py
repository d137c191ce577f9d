# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Simulated account data: loading the seed, the optional state file, fleets, and atomic persistence.

State layout (also the layout of ``GET /__admin/state`` and of the ``--state-file``)::

    {"accounts": {"<account id>": {"name": str, "flags": [str, ...],
                                   "interconnects": {"<id>": Interconnect (health_check.target = saved value)},
                                   "connectors": {"<id>": Connector},
                                   "devices": {"<id>": {"id", "serial_number", "type"}},
                                   "sites": {"<id>": Site},
                                   "lans" / "wans" / "acls": {"<id>": LAN / WAN / ACL (each with its site_id)},
                                   "tunnels": {"<id>": {"id", "name", "type"}},
                                   "appliances": {"<connector id>": appliance record (simulator/appliances.py)},
                                   "interrupts": {"<connector id>": [Interrupt, ...]}}}}

Credentials come from the seed only; they are never part of the state, its dump or the state file.

Seed values may be relative to the moment of a (re)start or reset, so that the sample data always looks current:
``{"seconds_ago": N}`` becomes the timestamp N seconds before now (``2026-03-01T09:59:41Z``), and
``{"release_months_ago": M, "patch": P}`` the connector software version released M months ago (``2026.2.1``).
"""

import copy
import datetime
import hashlib
import hmac
import json
import os
import tempfile
import threading

STATE_FORMAT = "cloudflare.magic_transit simulator state"
ACCOUNT_COLLECTIONS = (
    "interconnects",
    "connectors",
    "devices",
    "sites",
    "lans",
    "wans",
    "acls",
    "tunnels",
    "appliances",
)

FLEET_SERIAL_PREFIX = "SIM-FLEET-"
FLEET_TIMEZONES = (
    "Europe/Berlin",
    "America/New_York",
    "Asia/Singapore",
    "Europe/London",
    "America/Chicago",
    "Australia/Sydney",
)
FLEET_DAY_PATTERNS = (
    ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"],
    ["Sunday", "Saturday"],
    ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"],
    ["Tuesday", "Thursday"],
)
FLEET_TIMESTAMP = "2026-01-15T08:00:00Z"
# Every tenth fleet connector is not activated and went silent three days ago; the others checked in recently.
FLEET_SILENT_SECONDS = 3 * 86400


def utc_now():
    """Cloudflare-style UTC timestamp with microseconds, e.g. ``2026-03-01T10:00:00.123456Z``."""
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_timestamp(text):
    """A Cloudflare timestamp (``...Z``, with or without microseconds) as an aware datetime."""
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))


def format_timestamp(moment, micro=True):
    return moment.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ" if micro else "%Y-%m-%dT%H:%M:%SZ")


def release_version(now, months_ago, patch):
    """The connector version ``YEAR.MONTH.PATCH`` released ``months_ago`` months before ``now``."""
    index = now.year * 12 + now.month - 1 - months_ago
    return "%d.%d.%d" % (index // 12, index % 12 + 1, patch)


def resolve_relative(value, now):
    """A copy of ``value`` with every relative seed value made absolute (see the module docstring)."""
    if isinstance(value, dict):
        if set(value) == {"seconds_ago"}:
            return format_timestamp(now - datetime.timedelta(seconds=value["seconds_ago"]), micro=False)
        if set(value) == {"release_months_ago", "patch"}:
            return release_version(now, value["release_months_ago"], value["patch"])
        return {key: resolve_relative(item, now) for key, item in value.items()}
    if isinstance(value, list):
        return [resolve_relative(item, now) for item in value]
    return value


def atomic_write_text(path, text):
    """Replace ``path`` with ``text`` so that a crash at any moment leaves the old or the new file, never a mix.

    Temp file in the same directory, flush, fsync, ``os.replace``, then fsync the directory so the rename
    itself is durable.
    """
    directory = os.path.dirname(os.path.abspath(path))
    handle, temp_path = tempfile.mkstemp(prefix=".%s." % os.path.basename(path), suffix=".tmp", dir=directory)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temp_path, path)
    except BaseException:
        try:
            os.unlink(temp_path)
        except OSError:
            pass
        raise
    directory_fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(directory_fd)
    finally:
        os.close(directory_fd)


class SeedError(ValueError):
    """The seed or state file cannot be used."""


class Credentials:
    """API tokens and legacy (email, global API key) pairs, each read_write or read_only."""

    ACCESS_LEVELS = ("read_write", "read_only")

    def __init__(self, tokens, keys):
        self._tokens = tokens
        self._keys = keys

    @classmethod
    def from_seed(cls, data):
        if not isinstance(data, dict):
            raise SeedError("seed: credentials must be an object")
        tokens = [(entry["token"], entry.get("access", "read_write")) for entry in data.get("api_tokens", [])]
        keys = [(entry["email"], entry["key"], entry.get("access", "read_write")) for entry in data.get("api_keys", [])]
        for access in [token[1] for token in tokens] + [key[2] for key in keys]:
            if access not in cls.ACCESS_LEVELS:
                raise SeedError("seed: credential access must be one of %s" % ", ".join(cls.ACCESS_LEVELS))
        return cls(tokens, keys)

    def token_access(self, token):
        """Access level of an API token, or None if unknown (constant-time comparisons)."""
        found = None
        for value, access in self._tokens:
            if hmac.compare_digest(value.encode(), token.encode()):
                found = access
        return found

    def key_access(self, email, key):
        found = None
        for known_email, value, access in self._keys:
            if known_email.lower() == email.lower() and hmac.compare_digest(value.encode(), key.encode()):
                found = access
        return found


def _by_id(items, what):
    """Accept a list of objects with ``id`` or a mapping id -> object; return an ordered mapping."""
    if isinstance(items, dict):
        result = {}
        for key, item in items.items():
            item = dict(item)
            item.setdefault("id", key)
            if item["id"] != key:
                raise SeedError("%s %s: key and id differ" % (what, key))
            result[key] = item
        return result
    if isinstance(items, list):
        result = {}
        for item in items:
            if not isinstance(item, dict) or not item.get("id"):
                raise SeedError("every %s needs an id" % what)
            result[item["id"]] = dict(item)
        return result
    raise SeedError("%s must be a list or an object" % what)


def normalise_accounts(data):
    """Accounts from a seed/state document (``accounts`` as list or mapping, or a single ``account``)."""
    if "accounts" in data:
        raw = data["accounts"]
    elif "account" in data:
        raw = [data["account"]]
    else:
        raise SeedError("no accounts in the document")
    accounts = {}
    for account_id, account in _by_id(raw, "account").items():
        flags = account.get("flags", [])
        if not isinstance(flags, list) or not all(isinstance(flag, str) for flag in flags):
            raise SeedError("account %s: flags must be a list of strings" % account_id)
        normalised = {"id": account_id, "name": account.get("name", account_id), "flags": list(flags)}
        for collection in ACCOUNT_COLLECTIONS:
            normalised[collection] = _by_id(account.get(collection, {}), collection[:-1])
        normalised["interrupts"] = {key: list(value) for key, value in account.get("interrupts", {}).items()}
        # Every connector's device belongs to the registry.
        for connector in normalised["connectors"].values():
            device = connector.get("device")
            if not device or not device.get("id"):
                raise SeedError("connector %s has no device id" % connector["id"])
            normalised["devices"].setdefault(device["id"], dict(device))
        accounts[account_id] = normalised
    return accounts


def _init_appliances(accounts):
    from . import appliances  # pylint: disable=import-outside-toplevel  # appliances imports this module

    for account in accounts.values():
        appliances.init_account(account)


def fleet_connector(number):
    """The deterministic connector number ``number`` (1-based) of a generated fleet, with its device."""
    tag = "%05d" % number
    device = {
        "id": hashlib.sha256(("fleet-device-" + tag).encode()).hexdigest()[:32],
        "serial_number": FLEET_SERIAL_PREFIX + tag,
        "type": "MANAGED",
    }
    connector = {
        "id": hashlib.sha256(("fleet-connector-" + tag).encode()).hexdigest()[:32],
        "activated": number % 10 != 0,
        "notes": "fleet-" + tag,
        # Both members of an HA pair share their store's time zone (as real stores do); the zones cycle per pair.
        "timezone": FLEET_TIMEZONES[((number + 1) // 2 - 1) % len(FLEET_TIMEZONES)],
        "interrupt_window_hour_of_day": (number * 5) % 24,
        "interrupt_window_duration_hours": (2, 4, 6, 3)[number % 4],
        "interrupt_window_days_of_week": list(FLEET_DAY_PATTERNS[number % len(FLEET_DAY_PATTERNS)]),
        "interrupt_window_embargo_dates": ["2026-12-24", "2026-12-25"] if number % 7 == 0 else [],
        # Connectors 2k-1 (primary) and 2k (secondary) share the HA site k.
        "primary": number % 2 == 1,
        "site_id": fleet_site_id((number + 1) // 2),
        "device": dict(device),
        "last_heartbeat": {"seconds_ago": FLEET_SILENT_SECONDS if number % 10 == 0 else 15 + (number * 7) % 120},
        "last_seen_version": {"release_months_ago": 1 if number % 5 else 4, "patch": number % 4},
        "last_updated": FLEET_TIMESTAMP,
    }
    return connector, device


def fleet_site_id(pair):
    return hashlib.sha256(("fleet-site-%05d" % pair).encode()).hexdigest()[:32]


def _join_fleet_site(account, connector, number):
    """Put fleet connector ``number`` into its site: the first of a pair creates it, the second makes it HA."""
    pair = (number + 1) // 2
    site = account["sites"].setdefault(
        connector["site_id"],
        {
            "id": connector["site_id"],
            "name": "fleet-site-%05d" % pair,
            "description": "generated fleet site %d" % pair,
            "connector_id": connector["id"],
            "ha_mode": False,
            "location": {"lat": "%.4f" % (40 + pair % 20), "lon": "%.4f" % (-(pair % 120) + 10)},
        },
    )
    if not connector["primary"]:
        site.update(secondary_connector_id=connector["id"], ha_mode=True)
        _add_fleet_store_network(account, site["id"], pair)


def fleet_child_id(kind, pair, index):
    return hashlib.sha256(("fleet-%s-%05d-%d" % (kind, pair, index)).encode()).hexdigest()[:32]


def _add_fleet_store_network(account, site_id, pair):
    """A complete HA pair's store network: two WANs, an HA LAN with DHCP (the HA link); every fifth store also has a
    guest LAN and an ACL between the two. Addresses are derived from the pair number (10.x.y.0/24 per LAN)."""
    high, low = divmod(pair, 250)
    for index in (1, 2):
        wan_id = fleet_child_id("wan", pair, index)
        account["wans"][wan_id] = {
            "id": wan_id,
            "site_id": site_id,
            "name": "wan%d" % index,
            "physport": index,
            "priority": index,
            "vlan_tag": 0,
            "health_check_rate": "mid",
        }
    lans = [("store", 3, 0, True), ("guest", 4, 100, False)] if pair % 5 == 0 else [("store", 3, 0, True)]
    for index, (name, port, vlan, ha_link) in enumerate(lans, start=1):
        lan_id = fleet_child_id("lan", pair, index)
        subnet = "10.%d.%d" % (high % 100 + (100 if vlan else 0), low)
        account["lans"][lan_id] = {
            "id": lan_id,
            "site_id": site_id,
            "name": name,
            "physport": port,
            "vlan_tag": vlan,
            "is_breakout": False,
            "is_prioritized": False,
            "ha_link": ha_link,
            "static_addressing": {
                "address": subnet + ".2/24",
                "secondary_address": subnet + ".3/24",
                "virtual_address": subnet + ".1/24",
                "dhcp_server": {
                    "dhcp_pool_start": subnet + ".100",
                    "dhcp_pool_end": subnet + ".199",
                    "dns_servers": [subnet + ".1"],
                },
            },
        }
    if len(lans) == 2:
        acl_id = fleet_child_id("acl", pair, 1)
        account["acls"][acl_id] = {
            "id": acl_id,
            "site_id": site_id,
            "name": "store-to-guest",
            "description": "",
            "lan_1": {"lan_id": fleet_child_id("lan", pair, 1), "lan_name": "store", "ports": [443]},
            "lan_2": {"lan_id": fleet_child_id("lan", pair, 2), "lan_name": "guest"},
            "protocols": ["tcp"],
            "forward_locally": False,
            "unidirectional": False,
        }


def add_fleet(account, count):
    """Append ``count`` generated connectors, numbered after the account's existing fleet; return how many."""
    existing = [
        device["serial_number"]
        for device in account["devices"].values()
        if str(device.get("serial_number", "")).startswith(FLEET_SERIAL_PREFIX)
    ]
    start = 1 + max((int(serial[len(FLEET_SERIAL_PREFIX) :]) for serial in existing), default=0)
    now = datetime.datetime.now(datetime.timezone.utc)
    for number in range(start, start + count):
        connector, device = fleet_connector(number)
        connector = resolve_relative(connector, now)
        account["devices"][device["id"]] = device
        account["connectors"][connector["id"]] = connector
        _join_fleet_site(account, connector, number)
    return count


class Store:
    """The simulator's state behind one lock; with a state file, every commit is persisted before it returns."""

    def __init__(self, seed_path, state_file=None, fleet=0):
        self.lock = threading.RLock()
        self.seed_path = seed_path
        self.state_file = state_file
        seed = self._read(seed_path)
        if "credentials" not in seed:
            raise SeedError("%s: no credentials" % seed_path)
        self.credentials = Credentials.from_seed(seed["credentials"])
        self._baseline = normalise_accounts(seed)
        self._fleet = fleet
        if state_file and os.path.exists(state_file):
            self.accounts = normalise_accounts(self._read(state_file))
            _init_appliances(self.accounts)
        else:
            self.accounts = self._fresh()
            self.commit()

    def _fresh(self):
        """The seed (relative values resolved against now) plus the command line's fleet."""
        accounts = resolve_relative(self._baseline, datetime.datetime.now(datetime.timezone.utc))
        if self._fleet:
            add_fleet(self._first_account(accounts), self._fleet)
        _init_appliances(accounts)
        return accounts

    @staticmethod
    def _read(path):
        try:
            with open(path, encoding="utf-8") as stream:
                data = json.load(stream)
        except (OSError, ValueError) as exc:
            raise SeedError("cannot read %s: %s" % (path, exc)) from exc
        if not isinstance(data, dict):
            raise SeedError("%s must hold a JSON object" % path)
        return data

    @staticmethod
    def _first_account(accounts):
        return next(iter(accounts.values()))

    @property
    def default_account_id(self):
        return next(iter(self.accounts))

    def account(self, account_id):
        """The live account mapping (callers hold ``lock``), or None."""
        return self.accounts.get(account_id)

    def commit(self):
        """Make the in-memory state durable (no-op without a state file). Call with ``lock`` held."""
        if self.state_file:
            document = {"format": STATE_FORMAT, "accounts": self.accounts}
            # Compact: json's C encoder only runs without indent, which keeps a 1000-connector commit at a few ms.
            atomic_write_text(self.state_file, json.dumps(document, separators=(",", ":")) + "\n")

    def dump(self):
        with self.lock:
            return {"accounts": copy.deepcopy(self.accounts)}

    def replace(self, document):
        accounts = normalise_accounts(resolve_relative(document, datetime.datetime.now(datetime.timezone.utc)))
        _init_appliances(accounts)
        with self.lock:
            self.accounts = accounts
            self.commit()

    def reset(self):
        with self.lock:
            self.accounts = self._fresh()
            self.commit()

    def add_fleet(self, count, account_id=None):
        with self.lock:
            account = self.accounts.get(account_id) if account_id else self._first_account(self.accounts)
            if account is None:
                raise SeedError("unknown account %s" % account_id)
            add_fleet(account, count)
            _init_appliances({account["id"]: account})
            self.commit()
            return len(account["connectors"])
