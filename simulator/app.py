# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The simulator's request pipeline, independent of the HTTP plumbing.

For an API call (``/client/v4/...``)::

    latency -> rate limit -> "before" rule -> random fault -> route, auth, account, method, permission, body
            -> handler -> "after" rule -> Ratelimit headers -> request log

The admin API (``/__admin/...``) skips all of it: no auth, no rate limit, no faults, not logged.
"""

import hashlib
import ipaddress
import json
import re
import secrets
import sys
import time
import traceback

from . import appliances, resources, sites
from .errors import (
    CODE_AUTH,
    CODE_FORBIDDEN,
    CODE_INTERNAL,
    CODE_MALFORMED_JSON,
    CODE_METHOD,
    CODE_ROUTE,
    ApiError,
    failure_envelope,
    rate_limited,
    server_error,
    status_error,
    success_envelope,
)
from .faults import FaultConfigError, until_reached
from .requestlog import LOGGED_HEADERS, mask_raw, mask_secrets
from .settings import Settings, SettingsError
from .state import SeedError, utc_now

API_PREFIX = "/client/v4"
ADMIN_PREFIX = "/__admin"
WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
BODY_METHODS = ("POST", "PUT", "PATCH")
MALFORMED_BODY = b'{"success": true, "errors": [], "messages": [], "result": {"id": "3f1c'
# How often a held call looks whether its barrier (a delay rule's ``until``) is reached.
BARRIER_STEP_S = 0.05
# What a proxy or a load balancer in between might answer instead of the API.
NOT_JSON_BODY = b"<html><head><title>Service</title></head><body>upstream answered</body></html>\n"

_ACCOUNT = r"/accounts/(?P<account_id>[^/]+)"
_CONNECTOR = _ACCOUNT + r"/magic/connectors/(?P<connector_id>[^/]+)"
# (path pattern below /client/v4, {method: handler}); the first pattern that matches owns the path.
ROUTES = [
    (r"/user/tokens/verify", {"GET": resources.verify_token}),
    (
        _ACCOUNT + r"/magic/cf_interconnects",
        {"GET": resources.list_interconnects, "PUT": resources.bulk_update_interconnects},
    ),
    (
        _ACCOUNT + r"/magic/cf_interconnects/(?P<interconnect_id>[^/]+)",
        {"GET": resources.get_interconnect, "PUT": resources.update_interconnect},
    ),
    (_ACCOUNT + r"/magic/connectors", {"GET": resources.list_connectors, "POST": resources.create_connector}),
    (
        _CONNECTOR,
        {
            "GET": resources.get_connector,
            "PATCH": resources.edit_connector,
            "PUT": resources.replace_connector,
            "DELETE": resources.delete_connector,
        },
    ),
    (_CONNECTOR + r"/interrupts", {"GET": resources.list_interrupts, "POST": resources.create_interrupt}),
    (_CONNECTOR + r"/telemetry/events", {"GET": resources.list_events}),
    (_CONNECTOR + r"/telemetry/events/latest", {"GET": resources.latest_events}),
    (_CONNECTOR + r"/telemetry/events/(?P<event_ref>[^/]+)", {"GET": resources.get_event}),
    (_CONNECTOR + r"/telemetry/snapshots", {"GET": resources.list_snapshots}),
    (_CONNECTOR + r"/telemetry/snapshots/latest", {"GET": resources.latest_snapshots}),
    (_CONNECTOR + r"/telemetry/snapshots/(?P<snapshot_t>[^/]+)", {"GET": resources.get_snapshot}),
]
ROUTES += sites.routes(_ACCOUNT)
COMPILED_ROUTES = [(re.compile("^" + re.escape(API_PREFIX) + pattern + "/?$"), methods) for pattern, methods in ROUTES]
# PUT /__admin/connectors/{id}/offline|online: the appliance stops or resumes reporting.
ADMIN_CONNECTOR_SWITCH = re.compile(r"^/connectors/([A-Za-z0-9_-]{1,32})/(offline|online)$")
ACCOUNT_IN_PATH = re.compile("^" + re.escape(API_PREFIX) + r"/accounts/([^/]+)")


class Request:
    """An HTTP request: ``headers`` has lower-case names; ``query`` keeps the last value of each name."""

    def __init__(self, method, path, query, headers, raw_body, client=""):
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.raw_body = raw_body
        self.client = client


class Answer:
    """What to send back; ``drop`` closes the connection without any answer."""

    def __init__(self, status=200, body=b"", headers=None, drop=False):
        self.status = status
        self.body = body
        self.headers = dict(headers or {})
        self.drop = drop


def json_answer(status, document, headers=None):
    answer = Answer(status, json.dumps(document).encode("utf-8"), headers)
    answer.headers["Content-Type"] = "application/json"
    return answer


def error_answer(exc):
    return json_answer(exc.status, failure_envelope(exc.errors), exc.headers)


class Identity:
    """An authenticated caller: ``style`` token|key, ``access`` read_write|read_only."""

    def __init__(self, style, access, credential):
        self.style = style
        self.access = access
        # A stable, non-reversible id for /user/tokens/verify.
        self.credential_id = hashlib.sha256(credential.encode()).hexdigest()[:32]


def auth_style(headers):
    if "authorization" in headers:
        return "token"
    if "x-auth-key" in headers or "x-auth-email" in headers:
        return "key"
    return "none"


def _reject_constant(name):
    raise ValueError("%s is not valid JSON" % name)


def parse_json(raw):
    return json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)


class Application:
    """Answers every request; shared by all server threads."""

    def __init__(self, store, faults, log, settings=None, quiet=True, sleep=time.sleep):
        self.store = store
        self.faults = faults
        self.log = log
        self.settings = settings or Settings()
        self.quiet = quiet
        self.sleep = sleep
        self.admin = AdminApi(self)

    def handle(self, request):
        if request.path == ADMIN_PREFIX or request.path.startswith(ADMIN_PREFIX + "/"):
            return self.admin.handle(request)
        started = time.monotonic()
        if self.faults.latency_s:
            self.sleep(self.faults.latency_s)
        match = ACCOUNT_IN_PATH.match(request.path)
        decision = self.faults.check_rate_limit(match.group(1) if match else "user")
        if decision.blocked:
            answer, fault = error_answer(rate_limited(decision.retry_after)), "rate_limit"
        else:
            answer, fault = self._faulted(request)
        if not answer.drop:
            answer.headers.update(decision.headers())
            answer.headers["cf-ray"] = secrets.token_hex(8) + "-SIM"
        self._record(request, answer, fault, started)
        return answer

    def _faulted(self, request):
        """Apply the fault rules and random faults around the real processing; return (answer, fault name)."""
        fault = None
        rule = self.faults.take_rule(request.method, request.path, "before")
        if rule is not None:
            if rule["action"] != "delay":
                return self._rule_answer(rule, None), rule["action"]
            self._hold(rule)
            fault = "delay"
        chance = self.faults.roll()
        if chance is not None:
            if chance[0] == "drop":
                return Answer(drop=True), "drop"
            if chance[0] == "malformed":
                return self._malformed(None), "malformed"
            return error_answer(server_error(chance[1])), "error"
        answer = self._process(request)
        rule = self.faults.take_rule(request.method, request.path, "after")
        if rule is not None:
            if rule["action"] == "delay":
                self._hold(rule)
                return answer, "delay_after"
            return self._rule_answer(rule, answer), rule["action"] + "_after"
        return answer, fault

    def _hold(self, rule):
        """A delay rule: ``delay_s``, or less when its ``until`` barrier is reached first."""
        until = rule.get("until")
        if until is None:
            self.sleep(rule["delay_s"])
            return
        waited = 0.0
        while waited < rule["delay_s"] and not until_reached(until, self.log.entries()):
            self.sleep(BARRIER_STEP_S)
            waited += BARRIER_STEP_S

    def _rule_answer(self, rule, processed):
        if rule["action"] == "drop":
            return Answer(drop=True)
        if rule["action"] == "malformed":
            return self._malformed(processed)
        if rule["action"] == "shape":
            return self._misshapen(rule, processed)
        return error_answer(status_error(rule["status"], rule["retry_after"]))

    @staticmethod
    def _misshapen(rule, processed):
        """A 200 whose ``result`` (built from the processed answer's) has the wrong shape, or a body that is not JSON."""
        if rule["shape"] == "not_json":
            return Answer(200, NOT_JSON_BODY, {"Content-Type": "text/html"})
        try:
            result = json.loads(processed.body.decode("utf-8")).get("result")
        except (ValueError, AttributeError):
            result = None
        shape = rule["shape"]
        if shape in ("null", "empty_object", "empty_list"):
            result = {"null": None, "empty_object": {}, "empty_list": []}[shape]
        elif shape == "list":
            result = [result]
        elif shape == "object" and isinstance(result, list):
            result = result[0] if result else {}
        elif shape == "unwrap" and isinstance(result, dict):
            # The value under the wrapping key ("interconnect", "interconnects", "modified_interconnect").
            wrapped = [value for value in result.values() if isinstance(value, (dict, list))]
            result = wrapped[0] if wrapped else result
        elif shape == "wrap":
            result = {rule["key"]: result}
        return json_answer(200, success_envelope(result))

    @staticmethod
    def _malformed(processed):
        """A 200 whose JSON body is cut short (half of the real answer when there is one)."""
        body = (
            processed.body[: max(1, len(processed.body) // 2)]
            if processed is not None and processed.body
            else MALFORMED_BODY
        )
        return Answer(200, body, {"Content-Type": "application/json"})

    def _process(self, request):
        try:
            return self._dispatch(request)
        except ApiError as exc:
            return error_answer(exc)
        except Exception:  # pylint: disable=broad-exception-caught
            # A simulator bug must answer like a server error, not kill the connection; messages never hold secrets.
            traceback.print_exc(file=sys.stderr)
            return error_answer(ApiError.single(500, CODE_INTERNAL, "internal simulator error"))

    def _dispatch(self, request):
        methods, params = self._route(request.path)
        identity = self._authenticate(request.headers)
        account = None
        if "account_id" in params:
            with self.store.lock:
                account = self.store.account(params["account_id"])
            if account is None:
                raise resources.invalid_identifier(request.path)
        handler = methods.get(request.method)
        if handler is None:
            raise ApiError.single(
                405,
                CODE_METHOD,
                "Method %s not allowed for %s" % (request.method, request.path),
                headers={"Allow": ", ".join(sorted(methods))},
            )
        if request.method in WRITE_METHODS and identity.access != "read_write":
            raise ApiError.single(403, CODE_FORBIDDEN, "Unauthorized to access requested resource")
        body = self._body(request) if request.method in BODY_METHODS else None
        call = resources.Call(self.store, self.settings, request, account, params, body, identity)
        result, headers = handler(call)
        return json_answer(200, success_envelope(result), headers)

    @staticmethod
    def _route(path):
        for pattern, methods in COMPILED_ROUTES:
            match = pattern.match(path)
            if match:
                return methods, match.groupdict()
        raise ApiError.single(404, CODE_ROUTE, "No route for that URI")

    def _authenticate(self, headers):
        credentials = self.store.credentials
        authorization = headers.get("authorization")
        if authorization is not None:
            parts = authorization.split(None, 1)
            token = parts[1].strip() if len(parts) == 2 and parts[0].lower() == "bearer" else ""
            access = credentials.token_access(token) if token else None
            if access is not None:
                return Identity("token", access, token)
        elif headers.get("x-auth-email") and headers.get("x-auth-key"):
            access = credentials.key_access(headers["x-auth-email"].strip(), headers["x-auth-key"].strip())
            if access is not None:
                return Identity("key", access, headers["x-auth-email"].strip().lower())
        raise ApiError.single(401, CODE_AUTH, "Authentication error")

    @staticmethod
    def _body(request):
        if not request.raw_body.strip():
            raise ApiError.single(400, CODE_MALFORMED_JSON, "Request body is required: a JSON object")
        try:
            return parse_json(request.raw_body)
        except (ValueError, UnicodeDecodeError):
            raise ApiError.single(400, CODE_MALFORMED_JSON, "Malformed JSON in request body") from None

    def _record(self, request, answer, fault, started):
        body = None
        if request.raw_body:
            try:
                body = mask_secrets(parse_json(request.raw_body))
            except (ValueError, UnicodeDecodeError):
                body = mask_raw(request.raw_body.decode("utf-8", errors="replace"))
        status = None if answer.drop else answer.status
        self.log.record(
            {
                "time": utc_now(),
                "method": request.method,
                "path": request.path,
                "query": dict(request.query),
                "body": body,
                "status": status,
                "auth": auth_style(request.headers),
                "fault": fault,
                "headers": {name: request.headers[name] for name in LOGGED_HEADERS if name in request.headers},
                "duration_ms": round((time.monotonic() - started) * 1000, 1),
            }
        )
        if not self.quiet:
            # Never print bodies or headers here: they may hold secrets.
            print(
                "%s %s %s -> %s%s"
                % (
                    request.client,
                    request.method,
                    request.path,
                    "dropped" if status is None else status,
                    " [fault: %s]" % fault if fault else "",
                ),
                file=sys.stderr,
                flush=True,
            )


def _is_loopback_name(name):
    """``localhost``, or a loopback IP literal (``[::1]`` in brackets); names are never resolved."""
    if name.lower() == "localhost":
        return True
    if name.startswith("[") and name.endswith("]"):
        name = name[1:-1]
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


class AdminApi:
    """Test-only control endpoints under ``/__admin`` (plain JSON bodies, no envelope)."""

    def __init__(self, app):
        self.app = app
        self.routes = {
            ("GET", "/health"): self.health,
            ("GET", "/requests"): self.get_requests,
            ("DELETE", "/requests"): self.clear_requests,
            ("GET", "/state"): self.get_state,
            ("PUT", "/state"): self.put_state,
            ("POST", "/reset"): self.reset,
            ("GET", "/faults"): self.get_faults,
            ("GET", "/rate"): self.get_rate,
            ("PUT", "/faults"): self.put_faults,
            ("POST", "/fleet"): self.fleet,
            ("GET", "/settings"): self.get_settings,
            ("PUT", "/settings"): self.put_settings,
            ("GET", "/heartbeats"): self.heartbeats,
        }

    def handle(self, request):
        refusal = self.refusal(request.headers)
        if refusal:
            return json_answer(403, {"error": refusal})
        path = request.path[len(ADMIN_PREFIX) :].rstrip("/") or "/"
        switch = ADMIN_CONNECTOR_SWITCH.match(path)
        if switch:
            if request.method != "PUT":
                return json_answer(405, {"error": "method %s not allowed here" % request.method}, {"Allow": "PUT"})
            return self.switch_connector(switch.group(1), switch.group(2) == "online")
        handler = self.routes.get((request.method, path))
        if handler is None:
            allowed = sorted(method for method, known in self.routes if known == path)
            if allowed:
                return json_answer(
                    405, {"error": "method %s not allowed here" % request.method}, {"Allow": ", ".join(allowed)}
                )
            return json_answer(404, {"error": "no admin endpoint %s %s" % (request.method, request.path)})
        try:
            body = parse_json(request.raw_body) if request.raw_body.strip() else None
            return json_answer(200, handler(body))
        except (ValueError, UnicodeDecodeError, FaultConfigError, SeedError, SettingsError, KeyError, TypeError) as exc:
            return json_answer(400, {"error": str(exc)})

    @staticmethod
    def refusal(headers):
        """Why a request may not use the admin API, or None. A web page the tester has open could otherwise change or
        reset the simulator's state: a browser sends no-cors POSTs to 127.0.0.1 with an ``Origin`` header, and a
        page served from a name that resolves to 127.0.0.1 (DNS rebinding) sends its own name as ``Host``."""
        if "origin" in headers:
            return (
                "the admin API refuses requests with an Origin header (a web page's): only tools on this machine "
                "may change the simulator's state"
            )
        host = headers.get("host")
        if host is None:
            return None
        name = host.strip()
        if name.startswith("["):
            name = name[: name.find("]") + 1] if "]" in name else name
        elif name.count(":") == 1:
            name = name.split(":")[0]
        if not _is_loopback_name(name):
            return (
                "the admin API refuses a Host header that is not a loopback address (127.0.0.1, [::1] or "
                "localhost, with a port): got %r" % host[:100]
            )
        return None

    @staticmethod
    def health(_body):
        return {"ok": True}

    def get_requests(self, _body):
        return self.app.log.entries()

    def clear_requests(self, _body):
        return {"cleared": self.app.log.clear()}

    def get_state(self, _body):
        return self.app.store.dump()

    def put_state(self, body):
        if not isinstance(body, dict):
            raise ValueError('send the state as a JSON object {"accounts": ...}')
        self.app.store.replace(body)
        return {"ok": True}

    def reset(self, _body):
        """Back to the seed (plus --fleet), the command line's faults and settings, an empty log, fresh rate-limit counters."""
        self.app.store.reset()
        self.app.faults.reset()
        self.app.settings.reset()
        self.app.log.clear()
        return {"ok": True}

    def get_faults(self, _body):
        return self.app.faults.snapshot()

    def get_rate(self, _body):
        return self.app.faults.rate_state()

    def put_faults(self, body):
        self.app.faults.configure(body if body is not None else {})
        return self.app.faults.snapshot()

    def get_settings(self, _body):
        return self.app.settings.snapshot()

    def put_settings(self, body):
        self.app.settings.update(body if body is not None else {})
        return self.app.settings.snapshot()

    def fleet(self, body):
        body = body or {}
        count = body.get("count") if isinstance(body, dict) else None
        if isinstance(count, bool) or not isinstance(count, int) or not 0 <= count <= 100000:
            raise ValueError('send {"count": N} with 0 <= N <= 100000')
        total = self.app.store.add_fleet(count, body.get("account_id"))
        return {"added": count, "connectors": total}

    def _settled_accounts(self):
        """Every account after running the interrupts that are due (their triggered_at starts a reboot's silence)."""
        store, settings = self.app.store, self.app.settings
        for account in store.accounts.values():
            for connector_id in account["connectors"]:
                resources.settle_interrupts(store, account, connector_id, settings.interrupt_delay)
        return store.accounts

    def switch_connector(self, connector_id, online):
        """Take an appliance offline (it stops reporting) or bring it back (it reports at once, then every interval)."""
        with self.app.store.lock:
            for account in self._settled_accounts().values():
                if connector_id in account["connectors"]:
                    changed = appliances.set_online(account, connector_id, online)
                    if changed:
                        self.app.store.commit()
                    return json_answer(200, {"connector_id": connector_id, "online": online, "changed": changed})
        return json_answer(404, {"error": "no connector %s in any account" % connector_id})

    def heartbeats(self, _body):
        """The appliances' timeline: per account and connector, online now, last_heartbeat and every away interval."""
        settings = self.app.settings
        with self.app.store.lock:
            return {
                "now": appliances.format_timestamp(appliances.now_utc()),
                "heartbeat_interval": settings.heartbeat_interval,
                "interrupt_downtime": settings.interrupt_downtime,
                "accounts": {
                    account_id: appliances.timeline(account, settings.heartbeat_interval, settings.interrupt_downtime)
                    for account_id, account in self._settled_accounts().items()
                },
            }
