# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The one HTTP client for Cloudflare's v4 API: authentication, retries, the envelope, errors.

Private to this collection (the leading underscore): modules, the inventory plugin and the fleet code
use it; users should not import it.

Everything the HTTP stack can do wrong stops here: every exception it raises becomes a
``CloudflareAPIError`` whose text the client wrote itself (never an exception's own text, which may quote a
header value or a URL), with every registered secret scrubbed in each encoding it could take.

Its parts: ``_inputs`` (the exceptions, ids, credentials, secrets), ``_http`` (the transport: base URL, deadline,
body, what an HTTP-stack exception means), ``_answers`` (the envelope and the shape of a result) and ``_ratelimit``
(the rate budget). Other modules import every name they need from here.
"""

from __future__ import annotations

import json
import math
import random
import sys
import threading
import time
from collections import Counter
from urllib.parse import quote

from ansible.module_utils.ansible_release import __version__ as ANSIBLE_VERSION

from ._answers import failure_text, more_pages, read_envelope, shape_problem, shaped, without_nulls
from ._http import HAS_REQUESTS, Cut, check_base_url, exchange, new_session, origin, transport_problem
from ._inputs import CloudflareAPIError, InvalidOption, check_credential, check_id, secret_forms
from ._ratelimit import RateLog, parse_retry_after, retry_time
from ._version import COLLECTION_NAME, COLLECTION_VERSION

DEFAULT_BASE_URL = "https://api.cloudflare.com/client/v4"
# The defaults of the connection options, for modules (CONNECTION_ARGUMENT_SPEC) and the inventory plugin alike.
CONNECTION_DEFAULTS = dict(
    base_url=DEFAULT_BASE_URL, timeout=30, validate_certs=True, max_retries=4, max_retry_wait=60.0
)
SECRET_MASK = "********"

# 429 is retried whatever the method: Cloudflare refused the call unprocessed. 502/503/504 are retried only for
# idempotent methods: they may come after the origin processed the call, so a POST is never sent twice.
RETRY_STATUSES = frozenset((429, 502, 503, 504))
# An answer with one of these to a write may come after Cloudflare processed it: the outcome is unknown.
SERVER_ERROR_STATUSES = frozenset((500, 502, 503, 504))
WRITE_METHODS = frozenset(("POST", "PUT", "PATCH", "DELETE"))
BACKOFF_BASE = 0.5
BACKOFF_CAP = 8.0


class CloudflareClient:
    """A session-backed client bound to one account.

    Every call is counted in ``calls`` (per method, plus ``retries`` and ``rate_limited``) so that modules
    can report their API cost; ``rate_budget()`` tells what the answers said of the rate limit, so fleet code
    can pace itself. ``warnings`` holds what the caller must show the user (verification turned off).
    """

    def __init__(
        self,
        account_id,
        api_token=None,
        api_email=None,
        api_key=None,
        base_url=DEFAULT_BASE_URL,
        timeout=CONNECTION_DEFAULTS["timeout"],
        validate_certs=CONNECTION_DEFAULTS["validate_certs"],
        max_retries=CONNECTION_DEFAULTS["max_retries"],
        max_retry_wait=CONNECTION_DEFAULTS["max_retry_wait"],
        sleep=None,
        clock=None,
    ):
        if not HAS_REQUESTS:
            raise RuntimeError("the Python library requests is required")
        api_token, api_email, api_key = _checked_credentials(api_token, api_email, api_key)
        _check_limits(timeout, max_retries, max_retry_wait)
        self.account_id = check_id("account_id", account_id)
        self.base_url = check_base_url(base_url)
        self.timeout = timeout
        self.max_retries = max_retries
        self.max_retry_wait = max_retry_wait
        self.validate_certs = bool(validate_certs)
        self._sleep = sleep or time.sleep
        self.clock = clock or time.monotonic
        self._lock = threading.Lock()  # the fleet module sends writes from several threads
        self._secrets = []
        self.add_secrets(api_token, api_key)
        self.calls = Counter()
        self._rates = RateLog(self.clock)
        self.warnings = []
        if not self.validate_certs:
            self.warnings.append(
                "validate_certs=false: the TLS certificate of %s is not verified, so anyone on the path can read "
                "the credentials and answer in Cloudflare's name" % self.base_url
            )

        self.session = new_session(self.validate_certs)
        self.session.headers.update(
            {
                "User-Agent": "%s/%s (ansible-core/%s; python/%d.%d)"
                % (COLLECTION_NAME, COLLECTION_VERSION, ANSIBLE_VERSION, sys.version_info[0], sys.version_info[1]),
                "Accept": "application/json",
            }
        )
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
        return cls(
            account_id=params["account_id"],
            api_token=params.get("api_token"),
            api_email=params.get("api_email"),
            api_key=params.get("api_key"),
            **dict(options, **kwargs),
        )

    def account_path(self, *parts):
        """``/accounts/<account_id>/<parts...>`` with every part URL-quoted."""
        return "/accounts/%s/%s" % (self.account_id, "/".join(quote(str(p), safe="") for p in parts))

    # --- secrets -------------------------------------------------------------------------------------

    def add_secrets(self, *values):
        """Register more secret values (a ``bgp.md5_key`` sent in a body, a license key): from now on every
        error text the client builds has them scrubbed, in every form they could take."""
        forms = [form for value in values if isinstance(value, str) and value for form in secret_forms(value)]
        with self._lock:
            self._secrets = sorted(set(self._secrets).union(forms), key=len, reverse=True)

    def redact(self, text):
        for secret in self._secrets:
            text = text.replace(secret, SECRET_MASK)
        return text

    def _redacted(self, value):
        if isinstance(value, str):
            return self.redact(value)
        if isinstance(value, dict):
            return dict((self._redacted(k), self._redacted(v)) for k, v in value.items())
        if isinstance(value, list):
            return [self._redacted(v) for v in value]
        return value

    # --- the rate budget -----------------------------------------------------------------------------

    def rate_budget(self):
        """A consistent snapshot (``RateBudget``) of what Cloudflare's answers said of the rate limit."""
        return self._rates.budget()

    @property
    def rate_limit_remaining(self):
        return self.rate_budget().remaining

    @property
    def rate_limit_reset(self):
        return self.rate_budget().reset

    def sleep(self, seconds):
        """Wait (through the clock the client was built with, so that tests need not really wait)."""
        self._sleep(seconds)

    def sent_times(self, seconds):
        """When (on the client's clock) each call this client sent in the last ``seconds`` went, oldest first."""
        return self._rates.sent_times(seconds)

    def sent_within(self, seconds):
        """``(count, oldest)``: the calls this client sent in the last ``seconds``, and when the oldest of them went."""
        recent = self.sent_times(seconds)
        return len(recent), (recent[0] if recent else None)

    # --- calls ---------------------------------------------------------------------------------------

    def get(self, path, params=None, headers=None, shape=None):
        return self.request("GET", path, params=params, headers=headers, shape=shape)

    def put(self, path, body, params=None, headers=None, shape=None):
        return self.request("PUT", path, body=body, params=params, headers=headers, shape=shape)

    def patch(self, path, body, params=None, headers=None, shape=None):
        return self.request("PATCH", path, body=body, params=params, headers=headers, shape=shape)

    def post(self, path, body, params=None, headers=None, shape=None):
        return self.request("POST", path, body=body, params=params, headers=headers, shape=shape)

    def delete(self, path, params=None, headers=None, shape=None):
        return self.request("DELETE", path, params=params, headers=headers, shape=shape)

    def request(self, method, path, body=None, params=None, headers=None, idempotent=None, shape=None):
        """Send one call, retrying what is safe to retry; return the envelope's ``result``.

        ``idempotent`` defaults to true for every method but POST. A call that is not idempotent is retried
        only when Cloudflare certainly did not process it (a 429, or no connection was made). With ``shape``
        (a ``Shape``) the result must have that shape, else the call fails (after a write: outcome unknown);
        a shape with a ``key`` returns the value under that key.
        """
        if idempotent is None:
            idempotent = method != "POST"
        data = None if body is None else json.dumps(without_nulls(body), sort_keys=True)
        request_headers = {"Content-Type": "application/json"} if data is not None else {}
        request_headers.update(headers or {})
        waited = 0.0
        attempt = 0
        unknown = False  # an earlier attempt of this write may have landed
        while True:
            try:
                result = self._send_once(method, path, data, params, request_headers, idempotent)
                return self.check_shape(result, shape, method, path) if shape else result
            except CloudflareAPIError as error:
                unknown = unknown or error.outcome_unknown
                error.outcome_unknown = unknown
                if not error.retryable:
                    raise
                if error.retry_after is not None and error.retry_after > 0:
                    delay = error.retry_after
                else:
                    delay = random.uniform(0.5, 1.0) * min(BACKOFF_CAP, BACKOFF_BASE * 2**attempt)
                if attempt >= self.max_retries or waited + delay > self.max_retry_wait:
                    raise self._gave_up(error, attempt, waited) from None
                self._count("retries")
                self._sleep(delay)
                waited += delay
                attempt += 1

    def check_shape(self, result, shape, method, path):
        """``result`` if it has ``shape`` (the value under ``shape.key`` if set); else a clear error naming the
        call, an unknown outcome after a write (the write may have landed; the answer cannot tell)."""
        problem = shape_problem(result, shape)
        if problem:
            raise CloudflareAPIError(
                self.redact("HTTP 2xx answer of the wrong shape: %s" % problem),
                method=method,
                path=path,
                retryable=method == "GET",
                outcome_unknown=method in WRITE_METHODS,
            )
        return shaped(result, shape)

    def _gave_up(self, error, attempt, waited):
        if error.status == 429 and error.retry_after is not None and waited + error.retry_after > self.max_retry_wait:
            reason = (
                "Cloudflare's rate limit blocks this account's API for another %d s (retry-after), longer than "
                "max_retry_wait=%g s allows, so this run stops here and sends nothing more. Retry after %s, when "
                "the block ends, and spread calls out (the limit is 1200 requests per 5 minutes per user)."
                % (round(error.retry_after), self.max_retry_wait, retry_time(error.retry_after))
            )
        else:
            reason = "gave up after %d attempt(s) and %.1f s of waiting (max_retries=%d, max_retry_wait=%g s)" % (
                attempt + 1,
                waited,
                self.max_retries,
                self.max_retry_wait,
            )
        return CloudflareAPIError(
            "%s; last answer: %s" % (reason, error.message),
            method=error.method,
            path=error.path,
            status=error.status,
            errors=error.errors,
            outcome_unknown=error.outcome_unknown,
            retry_after=error.retry_after,
        )

    def _count(self, what):
        """Count a call (or a retry, a refusal); a call sent gets its entry in the rate log, which is returned."""
        with self._lock:
            self.calls[what] += 1
        return self._rates.sent() if what in WRITE_METHODS or what == "GET" else None

    def _failure(self, message, **details):
        errors = details.pop("errors", None)
        return CloudflareAPIError(self.redact(message), errors=self._redacted(errors), **details)

    def _send_once(self, method, path, data, params, headers, idempotent):
        sent = self._count(method)
        failure = dict(method=method, path=path)
        try:
            response, body = exchange(
                self.session, method, self.base_url + path, data, params, headers, self.timeout, self.validate_certs
            )
        except CloudflareAPIError as error:
            self._rates.answered(sent)
            error.method, error.path = method, path
            error.outcome_unknown = method in WRITE_METHODS
            error.retryable = idempotent
            raise
        except Cut:
            self._rates.answered(sent)
            raise self._failure(
                "no answer within timeout=%g s" % self.timeout,
                retryable=idempotent,
                outcome_unknown=method in WRITE_METHODS,
                **failure,
            ) from None
        except Exception as exc:  # every exception of the HTTP stack: its text may quote headers, never shown
            self._rates.answered(sent)
            message, flags = transport_problem(exc, self.base_url, self.timeout, idempotent, method in WRITE_METHODS)
            raise self._failure(message, **dict(failure, **flags)) from None

        status = response.status_code
        retry_after = parse_retry_after(response.headers.get("Retry-After")) if status in RETRY_STATUSES else None
        self._rates.answered(sent, counted=status != 429)
        self._rates.note(response.headers, status, retry_after)
        if status == 429:
            self._count("rate_limited")
        processed_maybe = method in WRITE_METHODS and status != 429
        failure.update(
            status=status,
            retry_after=retry_after,
            retryable=status == 429 or (status in RETRY_STATUSES and idempotent),
            outcome_unknown=processed_maybe and (status in SERVER_ERROR_STATUSES or status < 400),
        )
        return self._result_of(response, body, failure)

    def _result_of(self, response, body, failure):
        """The envelope's ``result`` of an answer with HTTP status ``failure["status"]``, or the failure it says."""
        status, method = failure["status"], failure["method"]
        if 300 <= status < 400:
            raise self._failure(
                "HTTP %d redirect to %s, not followed: Cloudflare's API never redirects, and a redirect must not carry "
                "the credentials elsewhere" % (status, origin(response.headers.get("Location"))),
                **dict(failure, retryable=False),
            )
        # An answer below 400 that is no success was answered, but what happened is unclear: only a read may simply be
        # repeated.
        failed = dict(failure, retryable=method == "GET") if status < 400 else failure
        envelope, errors = read_envelope(body)
        if envelope is None:
            raise self._failure("HTTP %d with an unreadable answer (not a Cloudflare JSON envelope)" % status, **failed)
        message = failure_text(status, envelope, errors, response.reason)
        if message:
            raise self._failure(message, errors=errors, **failed)
        partial = more_pages(envelope.get("result_info"))
        if partial and method == "GET":
            # Cloudflare's Magic lists come whole; an answer that says it is one page of several must never be taken
            # for the whole account (a connector not seen is one the run would create again, or miss).
            raise self._failure(
                "the answer is only part of the list (result_info: %s), and this collection reads whole lists only: "
                "nothing was taken from it" % partial,
                **dict(failure, retryable=False),
            )
        return envelope.get("result")


def _check_limits(timeout, max_retries, max_retry_wait):
    """The connection options' numbers, before any call."""
    if timeout is None or math.isnan(timeout) or timeout <= 0 or math.isinf(timeout):
        raise InvalidOption("timeout", "must be a positive number of seconds", timeout)
    if max_retries is None or max_retries < 0:
        raise InvalidOption("max_retries", "must be 0 or more", max_retries)
    if max_retry_wait is None or math.isnan(max_retry_wait) or max_retry_wait < 0:
        raise InvalidOption("max_retry_wait", "must be 0 or more seconds", max_retry_wait)


def _checked_credentials(api_token, api_email, api_key):
    """One way to authenticate, each credential without surrounding white space, before any call."""
    api_token = check_credential("api_token", api_token)
    api_email = check_credential("api_email", api_email)
    api_key = check_credential("api_key", api_key)
    if api_token and (api_email or api_key):
        raise InvalidOption("api_token", "is mutually exclusive with api_email and api_key: authenticate one way")
    if not api_token and not (api_email and api_key):
        raise InvalidOption(
            "api_token",
            "is required (or CLOUDFLARE_API_TOKEN), unless both api_email and api_key are given "
            "(or CLOUDFLARE_EMAIL and CLOUDFLARE_API_KEY)",
        )
    return api_token, api_email, api_key
