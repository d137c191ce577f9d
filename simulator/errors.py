# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Cloudflare's response envelope and the error codes the simulator answers with.

Every answer of the simulated API is ``{"success", "errors", "messages", "result"}``. Failures carry
``result: null`` and at least one error ``{"code", "message"[, "source": {"pointer"}]}``.
"""

# Error codes (documented in simulator/README.md). Cloudflare reuses codes across products; these follow what
# its API answers for the same classes of failure.
CODE_INTERNAL = 1000  # 5xx: injected server errors and unexpected simulator failures
CODE_MALFORMED_JSON = 1001  # 400: body is not JSON, not an object, or missing
CODE_NOT_FOUND = 1003  # 404: well-formed id of an interconnect / connector / event that does not exist
CODE_VALIDATION = 1004  # 400: a field breaks a rule (the message names the field and the rule)
CODE_CONFLICT = 1006  # 409: e.g. the device already has a connector
CODE_NULL = 1022  # 400: JSON null sent for a field
CODE_ROUTE = 7000  # 404: no such endpoint
CODE_METHOD = 7001  # 405: endpoint exists, method does not
CODE_BAD_OBJECT = 7003  # 404: unknown account, or an object id that is not a valid identifier
CODE_RATE_LIMIT = 971  # 429: rate limited
CODE_FORBIDDEN = 9109  # 403: valid credentials without the permission (read-only token on a write)
CODE_AUTH = 10000  # 401: missing or invalid credentials

RATE_LIMIT_MESSAGE = "Please wait and consider throttling your request speed"

STATUS_PHRASES = {
    500: "Internal server error",
    502: "Bad gateway",
    503: "Service temporarily unavailable",
    504: "Gateway timeout",
}


def error(code, message, pointer=None):
    """One entry of the ``errors`` list."""
    entry = {"code": code, "message": message}
    if pointer is not None:
        entry["source"] = {"pointer": pointer}
    return entry


def success_envelope(result, messages=None):
    return {"success": True, "errors": [], "messages": list(messages or []), "result": result}


def failure_envelope(errors):
    return {"success": False, "errors": list(errors), "messages": [], "result": None}


class ApiError(Exception):
    """A failure answered to the client: HTTP status, Cloudflare errors and extra response headers."""

    def __init__(self, status, errors, headers=None):
        self.status = status
        self.errors = list(errors)
        self.headers = dict(headers or {})
        super().__init__("; ".join(entry["message"] for entry in self.errors))

    @classmethod
    def single(cls, status, code, message, pointer=None, headers=None):
        return cls(status, [error(code, message, pointer)], headers)


def bad_request(message, pointer=None, code=CODE_VALIDATION):
    return ApiError.single(400, code, message, pointer)


def not_found(what, pointer=None):
    return ApiError.single(404, CODE_NOT_FOUND, "%s not found" % what, pointer)


def conflict(message, pointer=None):
    return ApiError.single(409, CODE_CONFLICT, message, pointer)


def rate_limited(retry_after=None):
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else None
    return ApiError.single(429, CODE_RATE_LIMIT, RATE_LIMIT_MESSAGE, headers=headers)


def server_error(status, retry_after=None):
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else None
    phrase = STATUS_PHRASES.get(status, "Injected failure")
    return ApiError.single(status, CODE_INTERNAL, phrase, headers=headers)


def status_error(status, retry_after=None):
    """The Cloudflare-like body for an arbitrary injected status (used by fault rules)."""
    if status == 429:
        return rate_limited(retry_after)
    if status >= 500:
        return server_error(status, retry_after)
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else None
    codes = {400: CODE_VALIDATION, 401: CODE_AUTH, 403: CODE_FORBIDDEN, 404: CODE_NOT_FOUND, 409: CODE_CONFLICT}
    return ApiError.single(status, codes.get(status, CODE_INTERNAL), "Injected HTTP %d" % status, headers=headers)


class Collector:
    """Gathers every validation error of a body, so that one answer names them all."""

    def __init__(self):
        self.errors = []

    def add(self, message, pointer=None, code=CODE_VALIDATION):
        self.errors.append(error(code, message, pointer))

    def null(self, field, type_name, pointer):
        self.add("%s: type %s is not permitted to be null" % (field, type_name), pointer, CODE_NULL)

    def __bool__(self):
        return bool(self.errors)

    def raise_if_any(self):
        if self.errors:
            raise ApiError(400, self.errors)
