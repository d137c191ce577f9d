# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The one HTTP client for Cloudflare's v4 API: authentication, retries, the envelope, errors.

Private to this collection (the leading underscore): modules, the inventory plugin and the fleet code
use it; users should not import it.
"""

from __future__ import annotations

import email.utils
import ipaddress
import json
import random
import re
import sys
import threading
import time
from collections import Counter
from urllib.parse import quote, urlsplit

from ansible.module_utils.ansible_release import __version__ as ANSIBLE_VERSION

from ._version import COLLECTION_NAME, COLLECTION_VERSION

try:
    import requests
except ImportError:
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR = sys.exc_info()[1]
else:
    HAS_REQUESTS = True
    REQUESTS_IMPORT_ERROR = None


DEFAULT_BASE_URL = "https://api.cloudflare.com/client/v4"
# The defaults of the connection options, for modules (CONNECTION_ARGUMENT_SPEC) and the inventory plugin alike.
CONNECTION_DEFAULTS = dict(base_url=DEFAULT_BASE_URL, timeout=30, validate_certs=True, max_retries=4, max_retry_wait=60.0)
SECRET_MASK = "********"

# Retried whatever the method: 429 was not processed; 502/503/504 come from the edge before the origin.
RETRY_STATUSES = frozenset((429, 502, 503, 504))
BACKOFF_BASE = 0.5
BACKOFF_CAP = 8.0

_ID_PATTERN = re.compile(r"^[0-9A-Za-z]{1,32}$")
_RATELIMIT_PATTERN = re.compile(r";\s*(r|t)=(\d+)")


class InvalidOption(ValueError):
    """Bad input, found before any call: names the option and the rule it breaks."""

    def __init__(self, option, rule, value=None):
        message = "%s %s" % (option, rule)
        if value is not None:
            message += ", got %r" % (value,)
        super().__init__(message)
        self.option = option
        self.rule = rule
        self.value = value


class CloudflareAPIError(Exception):
    """Every failure of a call: HTTP status, method, path and Cloudflare's own error objects.

    ``retryable`` says whether sending the same call again is safe and may help. ``outcome_unknown`` is true
    when a write may have been processed although no readable answer arrived (dropped connection, read
    time-out, broken body): the caller must re-read before deciding anything.
    """

    def __init__(self, message, method=None, path=None, status=None, errors=None, retryable=False,
                 outcome_unknown=False, retry_after=None):
        super().__init__(message)
        self.message = message
        self.method = method
        self.path = path
        self.status = status
        self.errors = errors or []
        self.retryable = retryable
        self.outcome_unknown = outcome_unknown
        self.retry_after = retry_after

    def __str__(self):
        where = "%s %s: " % (self.method, self.path) if self.method else ""
        return where + self.message

    @property
    def codes(self):
        return [e.get("code") for e in self.errors]

    def as_dict(self):
        """The ``error`` value of a failed module result."""
        return {
            "status": self.status,
            "method": self.method,
            "path": self.path,
            "errors": self.errors,
            "outcome_unknown": self.outcome_unknown,
            "retry_after": self.retry_after,
        }


def check_id(option, value):
    """Cloudflare ids are at most 32 letters and digits; anything else would also escape the URL path."""
    if not isinstance(value, str) or not _ID_PATTERN.match(value):
        raise InvalidOption(option, "must be 1 to 32 letters or digits (a Cloudflare id)", value)
    return value


def without_nulls(value):
    """Drop None values at every depth: Cloudflare's Magic endpoints reject JSON null (error 1022)."""
    if isinstance(value, dict):
        return dict((k, without_nulls(v)) for k, v in value.items() if v is not None)
    if isinstance(value, (list, tuple)):
        return [without_nulls(v) for v in value if v is not None]
    return value


def _is_loopback(host):
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_base_url(base_url):
    parts = urlsplit(base_url)
    if parts.scheme == "https" and parts.hostname:
        return base_url.rstrip("/")
    if parts.scheme == "http" and parts.hostname and _is_loopback(parts.hostname):
        return base_url.rstrip("/")
    raise InvalidOption(
        "base_url", "must be an https:// URL (plain http:// is allowed only for a loopback host such as the local "
        "simulator)", base_url)


def _format_errors(errors):
    parts = []
    for error in errors:
        text = "code %s: %s" % (error.get("code"), error.get("message"))
        pointer = (error.get("source") or {}).get("pointer")
        if pointer:
            text += " (at %s)" % pointer
        parts.append(text)
    return "; ".join(parts)


def _parse_retry_after(value):
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, moment.timestamp() - time.time())


class CloudflareClient:
    """A session-backed client bound to one account.

    Every call is counted in ``calls`` (per method, plus ``retries`` and ``rate_limited``) so that modules
    can report their API cost; ``rate_limit_remaining``/``rate_limit_reset`` mirror the last ``Ratelimit``
    header so fleet code can pace itself.
    """

    def __init__(self, account_id, api_token=None, api_email=None, api_key=None, base_url=DEFAULT_BASE_URL,
                 timeout=CONNECTION_DEFAULTS["timeout"], validate_certs=CONNECTION_DEFAULTS["validate_certs"],
                 max_retries=CONNECTION_DEFAULTS["max_retries"], max_retry_wait=CONNECTION_DEFAULTS["max_retry_wait"],
                 sleep=None):
        if not HAS_REQUESTS:
            raise RuntimeError("the Python library requests is required")
        if api_token and (api_email or api_key):
            raise InvalidOption("api_token", "is mutually exclusive with api_email and api_key: authenticate one way")
        if not api_token and not (api_email and api_key):
            raise InvalidOption(
                "api_token", "is required (or CLOUDFLARE_API_TOKEN), unless both api_email and api_key are given "
                "(or CLOUDFLARE_EMAIL and CLOUDFLARE_API_KEY)")
        if timeout is None or timeout <= 0:
            raise InvalidOption("timeout", "must be a positive number of seconds", timeout)
        if max_retries is None or max_retries < 0:
            raise InvalidOption("max_retries", "must be 0 or more", max_retries)
        if max_retry_wait is None or max_retry_wait < 0:
            raise InvalidOption("max_retry_wait", "must be 0 or more seconds", max_retry_wait)
        self.account_id = check_id("account_id", account_id)
        self.base_url = check_base_url(base_url)
        self.timeout = timeout
        self.max_retries = max_retries
        self.max_retry_wait = max_retry_wait
        self._sleep = sleep or time.sleep
        self._secrets = [s for s in (api_token, api_key) if s]
        self.calls = Counter()
        self._lock = threading.Lock()  # the fleet module sends writes from several threads
        self.rate_limit_remaining = None
        self.rate_limit_reset = None

        self.session = requests.Session()
        self.session.verify = validate_certs
        self.session.headers.update({
            "User-Agent": "%s/%s (ansible-core/%s; python/%d.%d)" % (
                COLLECTION_NAME, COLLECTION_VERSION, ANSIBLE_VERSION, sys.version_info[0], sys.version_info[1]),
            "Accept": "application/json",
        })
        if api_token:
            self.session.headers["Authorization"] = "Bearer %s" % api_token
        else:
            self.session.headers["X-Auth-Email"] = api_email
            self.session.headers["X-Auth-Key"] = api_key

    @classmethod
    def from_params(cls, params, **kwargs):
        """Build a client from the options of ``CONNECTION_ARGUMENT_SPEC``."""
        options = dict((name, params.get(name, default)) for name, default in CONNECTION_DEFAULTS.items())
        options["base_url"] = options["base_url"] or DEFAULT_BASE_URL
        return cls(account_id=params["account_id"], api_token=params.get("api_token"), api_email=params.get("api_email"),
                   api_key=params.get("api_key"), **dict(options, **kwargs))

    def account_path(self, *parts):
        """``/accounts/<account_id>/<parts...>`` with every part URL-quoted."""
        return "/accounts/%s/%s" % (self.account_id, "/".join(quote(str(p), safe="") for p in parts))

    def redact(self, text):
        for secret in self._secrets:
            text = text.replace(secret, SECRET_MASK)
        return text

    def get(self, path, params=None, headers=None):
        return self.request("GET", path, params=params, headers=headers)

    def put(self, path, body, params=None, headers=None):
        return self.request("PUT", path, body=body, params=params, headers=headers)

    def patch(self, path, body, params=None, headers=None):
        return self.request("PATCH", path, body=body, params=params, headers=headers)

    def post(self, path, body, params=None, headers=None):
        return self.request("POST", path, body=body, params=params, headers=headers)

    def delete(self, path, params=None, headers=None):
        return self.request("DELETE", path, params=params, headers=headers)

    def request(self, method, path, body=None, params=None, headers=None, idempotent=None):
        """Send one call, retrying what is safe to retry; return the envelope's ``result``.

        ``idempotent`` defaults to true for every method but POST. A call that is not idempotent is retried
        only when Cloudflare certainly did not process it (a 429, or no connection was made).
        """
        if idempotent is None:
            idempotent = method != "POST"
        data = None if body is None else json.dumps(without_nulls(body), sort_keys=True)
        request_headers = {"Content-Type": "application/json"} if data is not None else {}
        request_headers.update(headers or {})
        waited = 0.0
        attempt = 0
        while True:
            try:
                return self._send_once(method, path, data, params, request_headers, idempotent)
            except CloudflareAPIError as error:
                if not error.retryable:
                    raise
                if error.retry_after is not None and error.retry_after > 0:
                    delay = error.retry_after
                else:
                    delay = random.uniform(0.5, 1.0) * min(BACKOFF_CAP, BACKOFF_BASE * 2 ** attempt)
                if attempt >= self.max_retries or waited + delay > self.max_retry_wait:
                    raise self._gave_up(error, attempt, waited)
                self._count("retries")
                self._sleep(delay)
                waited += delay
                attempt += 1

    def _gave_up(self, error, attempt, waited):
        if error.status == 429 and error.retry_after is not None and waited + error.retry_after > self.max_retry_wait:
            reason = (
                "Cloudflare's rate limit blocks this account's API for another %d s (retry-after), longer than "
                "max_retry_wait=%g s allows, so this run stops here and sends nothing more. Retry after the block "
                "ends, and spread calls out (the limit is 1200 requests per 5 minutes per user)."
                % (round(error.retry_after), self.max_retry_wait)
            )
        else:
            reason = "gave up after %d attempt(s) and %.1f s of waiting (max_retries=%d, max_retry_wait=%g s)" % (
                attempt + 1, waited, self.max_retries, self.max_retry_wait)
        return CloudflareAPIError(
            "%s; last answer: %s" % (reason, error.message), method=error.method, path=error.path,
            status=error.status, errors=error.errors, outcome_unknown=error.outcome_unknown,
            retry_after=error.retry_after,
        )

    def _count(self, what):
        with self._lock:
            self.calls[what] += 1

    def _send_once(self, method, path, data, params, headers, idempotent):
        self._count(method)
        failure = dict(method=method, path=path)
        try:
            response = self.session.request(
                method, self.base_url + path, data=data, params=params, headers=headers, timeout=self.timeout)
        except requests.exceptions.ConnectionError as exc:
            # A refused or unreachable connection sent nothing; any later failure may have reached Cloudflare.
            never_sent = isinstance(exc, requests.exceptions.ConnectTimeout) or "NewConnectionError" in repr(exc)
            if never_sent:
                raise CloudflareAPIError("could not connect to %s" % self.base_url, retryable=True, **failure)
            raise CloudflareAPIError(
                "the connection broke before an answer arrived", retryable=idempotent,
                outcome_unknown=method != "GET", **failure)
        except requests.exceptions.Timeout:
            raise CloudflareAPIError(
                "no answer within timeout=%g s" % self.timeout, retryable=idempotent,
                outcome_unknown=method != "GET", **failure)

        self._note_rate_limit(response.headers)
        status = response.status_code
        if status == 429:
            self._count("rate_limited")
        failure.update(
            retryable=status == 429 or (status in RETRY_STATUSES and idempotent),
            retry_after=_parse_retry_after(response.headers.get("Retry-After")) if status in RETRY_STATUSES else None,
        )
        try:
            envelope = response.json()
        except ValueError:
            envelope = None
        if not isinstance(envelope, dict):
            if status < 400:
                # The call was answered but we cannot tell what happened: only a read may simply be repeated.
                failure.update(retryable=method == "GET", outcome_unknown=method != "GET")
            raise CloudflareAPIError(
                "HTTP %d with an unreadable answer (not a Cloudflare JSON envelope)" % status, status=status, **failure)
        if status >= 400 or envelope.get("success") is False:
            errors = [e for e in envelope.get("errors") or [] if isinstance(e, dict)]
            message = "%d %s" % (status, self.redact(_format_errors(errors)) or response.reason)
            raise CloudflareAPIError(message, status=status, errors=errors, **failure)
        return envelope.get("result")

    def _note_rate_limit(self, headers):
        values = dict(_RATELIMIT_PATTERN.findall(headers.get("Ratelimit", "")))
        if "r" in values:
            self.rate_limit_remaining = int(values["r"])
        if "t" in values:
            self.rate_limit_reset = int(values["t"])
