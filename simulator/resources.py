# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Magic endpoints: CF interconnects, Magic WAN connectors, interrupts and telemetry (sites: ``sites.py``).

Every handler takes a :class:`Call` and returns ``(result, extra_headers)``; failures raise ``ApiError``.
State changes happen under the store lock and are committed (persisted) before the handler returns, so an
answered write is durable.
"""

import copy
import datetime
import hashlib
import ipaddress
import re
import secrets
import uuid

from . import appliances, telemetry, validation
from .errors import CODE_BAD_OBJECT, CODE_NOT_FOUND, ApiError, bad_request, conflict, not_found
from .state import format_timestamp, parse_timestamp, utc_now

ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
HC_TARGET_HEADER = "x-magic-new-hc-target"
LICENSE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
# The service tag of a virtual appliance; its format is the simulator's own choice.
SERVICE_TAG_PREFIX = "CFVA-"
COUPLER_FLAG = "coupler_integration"

CONNECTOR_DEFAULTS = {
    "activated": False,
    "notes": "",
    "timezone": "UTC",
    "interrupt_window_hour_of_day": 0,
    "interrupt_window_duration_hours": 4,
    "interrupt_window_days_of_week": list(validation.DAYS),
    "interrupt_window_embargo_dates": [],
    "primary": True,
}
# Kept by a PUT (replace): what the client cannot set.
CONNECTOR_PRESERVED = ("id", "device", "last_heartbeat", "last_seen_version")
CONNECTOR_ORDER = (
    "id",
    "activated",
    "notes",
    "timezone",
    "interrupt_window_hour_of_day",
    "interrupt_window_duration_hours",
    "interrupt_window_days_of_week",
    "interrupt_window_embargo_dates",
    "primary",
    "device",
    "site_id",
    "last_heartbeat",
    "last_seen_version",
    "last_updated",
)


class Call:
    """One authenticated API call as the handlers see it.

    ``settings`` are the behaviour switches (``settings.Settings``), ``request`` is the ``app.Request``
    (``path``, ``query``, lower-case ``headers``), ``account`` the live account mapping (None for non-account
    routes), ``params`` the path parameters, ``body`` the parsed JSON body (None without one) and ``identity`` the
    caller's credential (``app.Identity``).
    """

    def __init__(self, store, settings, request, account, params, body, identity):
        self.store = store
        self.settings = settings
        self.account = account
        self.path = request.path
        self.query = request.query
        self.headers = request.headers
        self.params = params
        self.body = body
        self.identity = identity

    def flag(self, name):
        return str(self.query.get(name, "")).strip().lower() == "true"


def invalid_identifier(path):
    return ApiError.single(
        404, CODE_BAD_OBJECT, "Could not route to %s, perhaps your object identifier is invalid?" % path
    )


def _lookup(call, collection, key, what):
    object_id = call.params[key]
    if not ID_PATTERN.match(object_id):
        raise invalid_identifier(call.path)
    found = call.account[collection].get(object_id)
    if found is None:
        raise not_found("%s %s" % (what, object_id))
    return found


# ---------------------------------------------------------------------------------------------- interconnects


def default_health_check_target(interconnect):
    """The computed default target: the customer-side address of ``interface_address``."""
    try:
        interface = ipaddress.ip_interface(interconnect.get("interface_address", ""))
    except ValueError:
        return ""
    for host in interface.network.hosts():
        if host != interface.ip:
            return str(host)
    return ""


def bgp_endpoints(interconnect):
    """A version 1.5 interconnect's BGP endpoints, derived from its /31 ``interface_address``: Cloudflare's side is the
    address given, the customer's the other one (as the default health-check target)."""
    try:
        interface = ipaddress.ip_interface(interconnect.get("interface_address", ""))
    except ValueError:
        return {}
    customer = default_health_check_target(interconnect)
    return {"cloudflare_endpoint": str(interface.ip), "customer_endpoint": customer} if customer else {}


def render_interconnect(stored, new_target_form):
    """API form: ``health_check.target`` as ``{"saved", "effective"}`` with the header, else the effective string;
    on version 1.5 the BGP endpoints derived from ``interface_address``."""
    item = copy.deepcopy(stored)
    if item.get("version") == "1.5" and isinstance(item.get("bgp"), dict):
        item["bgp"].update(bgp_endpoints(item))
    health_check = item.get("health_check")
    if isinstance(health_check, dict):
        saved = health_check.get("target", "")
        effective = saved or default_health_check_target(item)
        health_check["target"] = {"saved": saved, "effective": effective} if new_target_form else effective
    return item


def _hc_target_form(call):
    """Whether the call asked for the object target form, and the response header echoing the request's."""
    value = call.headers.get(HC_TARGET_HEADER)
    if value is None:
        return False, {}
    enabled = value.strip().lower() == "true"
    return enabled, {HC_TARGET_HEADER: "true" if enabled else "false"}


def list_interconnects(call):
    new_form, headers = _hc_target_form(call)
    with call.store.lock:
        items = [render_interconnect(item, new_form) for item in call.account["interconnects"].values()]
    return {"interconnects": items}, headers


def get_interconnect(call):
    new_form, headers = _hc_target_form(call)
    with call.store.lock:
        item = render_interconnect(_lookup(call, "interconnects", "interconnect_id", "interconnect"), new_form)
    return {"interconnect": item}, headers


def update_interconnect(call):
    """PUT: top-level merge, nested objects replaced whole; ``?validate_only=true`` answers alike, stores nothing.

    ``modified`` is true for every accepted update, even one that changes nothing (never derive "changed" from it).
    """
    new_form, headers = _hc_target_form(call)
    validate_only = call.flag("validate_only")
    with call.store.lock:
        current = _lookup(call, "interconnects", "interconnect_id", "interconnect")
        other_names = {item.get("name") for key, item in call.account["interconnects"].items() if key != current["id"]}
        other_names.update(tunnel.get("name") for tunnel in call.account["tunnels"].values())
        account_rules = validation.AccountRules(other_names, COUPLER_FLAG in call.account["flags"], new_form)
        changes = validation.interconnect_update_body(call.body, current, account_rules)
        updated = copy.deepcopy(current)
        updated.update(changes)
        updated["modified_on"] = utc_now()
        if not validate_only:
            call.account["interconnects"][current["id"]] = updated
            call.store.commit()
        result = {"modified": True, "modified_interconnect": render_interconnect(updated, new_form)}
    return result, headers


def bulk_update_interconnects(call):
    raise bad_request(
        "bulk update of interconnects is not simulated (its body format is undocumented): "
        "update one interconnect per call with PUT /cf_interconnects/{id}"
    )


# ------------------------------------------------------------------------------------------------- connectors


def _new_license_key():
    characters = "".join(secrets.SystemRandom().choices(LICENSE_ALPHABET, k=25))
    return "MWCL-" + "-".join(characters[start : start + 5] for start in range(0, 25, 5))


def _issue_license(device):
    """Generate a license key; the registry keeps only a fingerprint (the key is shown once, to the caller)."""
    key = _new_license_key()
    device["license_fingerprint"] = hashlib.sha256(key.encode()).hexdigest()[:16]
    device["license_issued_on"] = utc_now()
    return key


def render_connector(stored, license_key=None, call=None):
    """API form: known keys in a stable order, ``interrupt_window_duration_hours`` as a float (like Cloudflare).

    With ``call`` (and a heartbeat interval set) ``last_heartbeat`` is the appliance's latest report as of now.
    """
    item = {key: copy.deepcopy(stored[key]) for key in CONNECTOR_ORDER if key in stored}
    newest = call is not None and call.settings.newest_connector_schema
    if call is not None and call.settings.heartbeat_interval:
        _settled_interrupts(call, stored)
        heartbeat = appliances.last_heartbeat(
            call.account, stored, call.settings.heartbeat_interval, call.settings.interrupt_downtime
        )
        if heartbeat is not None:
            item["last_heartbeat"] = heartbeat
    item.setdefault("primary", CONNECTOR_DEFAULTS["primary"])
    item.update({key: copy.deepcopy(value) for key, value in stored.items() if key not in item})
    if newest:
        for key in validation.CONNECTOR_SITE_FIELDS:
            item.pop(key, None)
    if "interrupt_window_duration_hours" in item:
        item["interrupt_window_duration_hours"] = float(item["interrupt_window_duration_hours"])
    if license_key is not None:
        item["license_key"] = license_key
    return item


def _connector_of_device(account, device_id):
    for connector in account["connectors"].values():
        if connector.get("device", {}).get("id") == device_id:
            return connector
    return None


def _public_device(device):
    return {key: device[key] for key in ("id", "serial_number", "type") if key in device}


def list_connectors(call):
    device_type = validation.device_type_query(call.query)
    with call.store.lock:
        connectors = list(call.account["connectors"].values())
        if device_type:
            connectors = [item for item in connectors if item.get("device", {}).get("type") == device_type]
        return [render_connector(item, call=call) for item in connectors], {}


def get_connector(call):
    with call.store.lock:
        return render_connector(_lookup(call, "connectors", "connector_id", "connector"), call=call), {}


def _resolve_device(account, spec, strict):
    """The registry device named by the create body's ``device`` (registering new ones); returns (device, new).

    An unknown serial number is registered as new hardware, or refused (404) in strict devices mode. A new
    virtual device gets a service tag as its serial number.
    """
    devices = account["devices"]
    if "id" in spec:
        device = devices.get(spec["id"])
        if device is None:
            raise not_found("device %s" % spec["id"], "/device/id")
        return device, False
    if "serial_number" in spec:
        for device in devices.values():
            if device.get("serial_number") == spec["serial_number"]:
                return device, False
        if strict:
            raise ApiError.single(
                404,
                CODE_NOT_FOUND,
                "no device with serial number %s is registered to this account" % spec["serial_number"],
                "/device/serial_number",
            )
        return {"id": uuid.uuid4().hex, "serial_number": spec["serial_number"], "type": "MANAGED"}, True
    device_id = uuid.uuid4().hex
    return {"id": device_id, "serial_number": SERVICE_TAG_PREFIX + device_id[:12].upper(), "type": "LICENSED"}, True


def create_connector(call):
    """POST (HTTP 200, like Cloudflare). ``license_key`` is in the answer only when a license was provisioned."""
    with call.store.lock:
        account = call.account
        settings, device_spec = validation.connector_create_body(
            call.body, set(account["sites"]), call.settings.newest_connector_schema
        )
        device, new_device = _resolve_device(account, device_spec, call.settings.strict_devices)
        existing = _connector_of_device(account, device["id"])
        if existing is not None:
            raise conflict("device %s already has a connector (%s)" % (device["id"], existing["id"]), "/device")
        license_key = _issue_license(device) if device_spec.get("provision_license") else None
        if new_device:
            account["devices"][device["id"]] = device
        connector = {"id": uuid.uuid4().hex}
        connector.update(copy.deepcopy(CONNECTOR_DEFAULTS))
        connector.update(settings)
        connector["device"] = _public_device(device)
        connector["last_updated"] = utc_now()
        account["connectors"][connector["id"]] = connector
        appliances.init_account(account)
        call.store.commit()
        return render_connector(connector, license_key, call), {}


def _change_connector(call, replace):
    """PATCH (partial) and PUT (replace: settings not sent go back to their defaults).

    Neither honours ``validate_only``: like the real API, the change is persisted whatever the query says.
    """
    with call.store.lock:
        current = _lookup(call, "connectors", "connector_id", "connector")
        settings, provision_license = validation.connector_edit_body(
            call.body, set(call.account["sites"]), call.settings.newest_connector_schema
        )
        device = call.account["devices"].setdefault(current["device"]["id"], _public_device(current["device"]))
        if provision_license and device.get("type") != "LICENSED":
            raise bad_request(
                "provision_license is only valid for connectors of LICENSED devices", "/provision_license"
            )
        if replace:
            updated = {key: copy.deepcopy(current[key]) for key in CONNECTOR_PRESERVED if key in current}
            updated.update(copy.deepcopy(CONNECTOR_DEFAULTS))
        else:
            updated = copy.deepcopy(current)
        updated.update(settings)
        updated["last_updated"] = utc_now()
        license_key = _issue_license(device) if provision_license else None
        call.account["connectors"][current["id"]] = updated
        call.store.commit()
        return render_connector(updated, license_key, call), {}


def edit_connector(call):
    return _change_connector(call, replace=False)


def replace_connector(call):
    return _change_connector(call, replace=True)


def delete_connector(call):
    with call.store.lock:
        current = _lookup(call, "connectors", "connector_id", "connector")
        del call.account["connectors"][current["id"]]
        call.account["interrupts"].pop(current["id"], None)
        appliances.init_account(call.account)
        call.store.commit()
        return render_connector(current, call=call), {}


# ------------------------------------------------------------------------------------------ interrupts, telemetry


def _settled_interrupts(call, connector):
    """The connector's interrupts after running those whose delay has passed (see :func:`settle_interrupts`)."""
    return settle_interrupts(call.store, call.account, connector["id"], call.settings.interrupt_delay)


def settle_interrupts(store, account, connector_id, delay):
    """The connector's interrupts after running those whose delay has passed (``triggered_at`` set).

    An interrupt runs ``delay`` seconds after its submission, judged with the current setting; it is pending until
    then (for ever with None, "never"). Call with the store lock held.
    """
    interrupts = account["interrupts"].get(connector_id, [])
    if delay is None:
        return interrupts
    now = datetime.datetime.now(datetime.timezone.utc)
    ran = False
    for interrupt in interrupts:
        if "triggered_at" not in interrupt:
            due = parse_timestamp(interrupt["submitted_at"]) + datetime.timedelta(seconds=delay)
            if due <= now:
                interrupt["triggered_at"] = format_timestamp(due)
                ran = True
    if ran:
        store.commit()
    return interrupts


def list_interrupts(call):
    with call.store.lock:
        connector = _lookup(call, "connectors", "connector_id", "connector")
        return copy.deepcopy(_settled_interrupts(call, connector)), {}


def create_interrupt(call):
    """POST: records a pending interrupt; a second one while another is pending answers 409."""
    action, options = validation.interrupt_body(call.body)
    with call.store.lock:
        connector = _lookup(call, "connectors", "connector_id", "connector")
        pending = [item for item in _settled_interrupts(call, connector) if "triggered_at" not in item]
        if pending:
            kind = next((key for key in validation.INTERRUPT_ACTIONS if key in pending[0]), "interrupt")
            raise conflict(
                "connector %s already has a pending %s, submitted at %s and not yet triggered: only one "
                "interrupt may be pending at a time" % (connector["id"], kind, pending[0]["submitted_at"])
            )
        interrupt = {"submitted_at": utc_now(), action: options}
        call.account["interrupts"].setdefault(connector["id"], []).append(interrupt)
        call.store.commit()
        return copy.deepcopy(interrupt), {}


def _connector_copy(call):
    with call.store.lock:
        return copy.deepcopy(_lookup(call, "connectors", "connector_id", "connector"))


def list_events(call):
    return telemetry.list_events(_connector_copy(call), call.query), {}


def latest_events(call):
    return telemetry.latest_events(_connector_copy(call)), {}


def get_event(call):
    return telemetry.get_event(_connector_copy(call), call.params["event_ref"]), {}


def list_snapshots(call):
    return telemetry.list_snapshots(_connector_copy(call), call.query), {}


def latest_snapshots(call):
    return telemetry.latest_snapshots(_connector_copy(call)), {}


def get_snapshot(call):
    return telemetry.get_snapshot(_connector_copy(call), call.params["snapshot_t"]), {}


def verify_token(call):
    """``GET /user/tokens/verify``: lets clients check their credentials without touching any resource."""
    return {"id": call.identity.credential_id, "status": "active"}, {}
