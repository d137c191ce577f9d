# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The one HTTP client for Cloudflare's v4 API: authentication, retries, the envelope, errors.

Private to this collection (the leading underscore): modules, the inventory plugin and the fleet code
use it; users should not import it.

Everything the HTTP stack can do wrong stops here: every exception it raises becomes a
``CloudflareAPIError`` whose text the client wrote itself (never an exception's own text, which may quote a
header value or a URL), with every registered secret scrubbed in each encoding it could take.
"""

from __future__ import annotations

import email.utils
import ipaddress
import json
import math
import random
import re
import socket
import ssl
import sys
import threading
import time
from collections import Counter, deque, namedtuple
from datetime import datetime, timedelta, timezone
from urllib.parse import quote, quote_plus

from ansible.module_utils.ansible_release import __version__ as ANSIBLE_VERSION

from ._version import COLLECTION_NAME, COLLECTION_VERSION

try:
    import requests
    from urllib3.exceptions import NameResolutionError, NewConnectionError
    from urllib3.util import parse_url
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

# 429 is retried whatever the method: Cloudflare refused the call unprocessed. 502/503/504 are retried only for
# idempotent methods: they may come after the origin processed the call, so a POST is never sent twice.
RETRY_STATUSES = frozenset((429, 502, 503, 504))
# An answer with one of these to a write may come after Cloudflare processed it: the outcome is unknown.
SERVER_ERROR_STATUSES = frozenset((500, 502, 503, 504))
WRITE_METHODS = frozenset(("POST", "PUT", "PATCH", "DELETE"))
BACKOFF_BASE = 0.5
BACKOFF_CAP = 8.0
# A Retry-After beyond a day is nonsense or hostile; it only has to be longer than any max_retry_wait.
RETRY_AFTER_CAP = 86400.0
# Cloudflare's largest answers (every connector of a big account) are a few MiB.
MAX_BODY_BYTES = 64 * 1024 * 1024
_READ_CHUNK = 64 * 1024

_ID_PATTERN = re.compile(r"^[0-9A-Za-z]{1,32}$")
_RATELIMIT_PATTERN = re.compile(r";\s*(r|t)=(\d{1,12})\b")
_RATELIMIT_POLICY_PATTERN = re.compile(r";\s*(q|w)=(\d{1,12})\b")
# Cloudflare's documented budget, for when its answers carry no Ratelimit-Policy header.
DOCUMENTED_RATE_LIMIT = 1200
DOCUMENTED_RATE_WINDOW = 300
# What a credential may hold once surrounding white space is stripped: printable ASCII (what a header carries).
_CREDENTIAL_PATTERN = re.compile(r"^[\x20-\x7e]+$")
# What a base URL may hold: printable ASCII, no backslash (parsers disagree about it), no userinfo marker.
_URL_PATTERN = re.compile(r"^[\x21-\x7e]+$")
_URL_RULE = ("must be an https:// URL (plain http:// is allowed only for a loopback host such as the local "
             "simulator)")
_URL_PARTS_RULE = ("must not hold user:password@, a backslash, a query, a fragment, white space or non-ASCII "
                   "characters (parsers read such URLs differently, so the credentials could go elsewhere)")

#: ``Shape.kind`` of an answer that is a list holding exactly one object, which is what the call returns (a LAN create
#: answers ``[lan]``)
ONE_IN_LIST = "one object in a list"

Shape = namedtuple("Shape", "kind key required", defaults=(None, ()))
Shape.__doc__ = """The shape an answer's ``result`` must have: ``kind`` is ``dict`` (an object), ``list`` (a list of
objects) or ``ONE_IN_LIST``; ``key``, when set, is the key of the object that wraps it (``{"connectors": [...]}``);
``required`` are keys every object must have (an ``id``: an object without one is some other answer)."""

RateBudget = namedtuple(
    "RateBudget", "remaining reset seen_at calls_since limit window others others_growth from_header blocked_until",
    defaults=(DOCUMENTED_RATE_LIMIT, DOCUMENTED_RATE_WINDOW, 0, 0.0, False, None))
RateBudget.__doc__ = """What the client knows of Cloudflare's rate budget: ``remaining`` requests and ``reset`` seconds
as of ``seen_at`` (the client's clock at the answer that told, None when no answer did), and ``calls_since``: the
calls sent after that answer (they count against ``remaining`` too). ``limit`` and ``window`` are the policy
(``Ratelimit-Policy``, else Cloudflare's documented 1200 per 300 s). ``others`` is how many of the window's requests
other consumers of the same budget (the dashboard, other tools, this collection's earlier runs) hold, as of that
answer: what the window counts beyond this client's own answered calls of the last window. ``others_growth`` is how
fast that grows (requests per second, 0 while it does not: a steady consumer's old calls leave the window as fast as
its new ones come). ``from_header`` says whether any answer carried a ``Ratelimit`` header (false when only a 429
told); ``blocked_until`` is the client's clock when a 429 refusal ends (None: not refused)."""


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
    when a write may have been processed although no clear answer arrived (a 5xx, a dropped connection, a
    time-out, a broken or wrong-shaped body): the caller must re-read before deciding anything.
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


def check_credential(option, value):
    """A credential as it can go into an HTTP header, or None when it is empty.

    White space around it is stripped (a ``!vault |`` block ends with a newline, a pasted value often does); any
    other character that a header cannot carry is refused, naming the option and never the value (the HTTP stack
    would quote the whole header in its error).
    """
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidOption(option, "must be a string (the value is not shown)")
    value = value.strip(" \t\r\n\f\v")
    if not value:
        return None
    if not _CREDENTIAL_PATTERN.match(value):
        raise InvalidOption(option, "holds a character that an HTTP header cannot carry (a control character or a "
                            "non-ASCII character): check it for a stray character (the value is not shown)")
    return value


def without_nulls(value):
    """Drop None values at every depth: Cloudflare's Magic endpoints reject JSON null (error 1022)."""
    if isinstance(value, dict):
        return dict((k, without_nulls(v)) for k, v in value.items() if v is not None)
    if isinstance(value, (list, tuple)):
        return [without_nulls(v) for v in value if v is not None]
    return value


def _is_loopback(host):
    """Only the plain spellings count: the name localhost, a dotted IPv4 127.x.x.x, or [::1] (no zone)."""
    if host == "localhost":
        return True
    if host.startswith("[") and host.endswith("]"):
        try:
            return ipaddress.IPv6Address(host[1:-1]) == ipaddress.IPv6Address("::1")
        except ValueError:
            return False
    try:
        address = ipaddress.IPv4Address(host)
    except ValueError:
        return False
    return address.is_loopback and str(address) == host


def check_base_url(base_url):
    """The base URL as requests will connect to it, judged by the parser that connects (urllib3's, after
    requests prepared it): a check that parses differently could pass a URL that goes elsewhere."""
    # Never shown when it may hold a password or a token (userinfo, a query).
    shown = base_url if isinstance(base_url, str) and not any(c in base_url for c in "@?#") else None
    if not isinstance(base_url, str):
        raise InvalidOption("base_url", _URL_RULE)
    if not _URL_PATTERN.match(base_url) or any(c in base_url for c in "\\@?#"):
        raise InvalidOption("base_url", _URL_PARTS_RULE, shown)
    try:
        prepared = requests.PreparedRequest()
        prepared.prepare_url(base_url, None)
        parts = parse_url(prepared.url)
    except (requests.exceptions.RequestException, ValueError):
        parts = None
    if parts is not None and (parts.auth or parts.query or parts.fragment):
        raise InvalidOption("base_url", _URL_PARTS_RULE, shown)
    if parts is None or not parts.host:
        raise InvalidOption("base_url", _URL_RULE, shown)
    if parts.scheme == "https" or (parts.scheme == "http" and _is_loopback(parts.host)):
        return prepared.url.rstrip("/")
    raise InvalidOption("base_url", _URL_RULE, shown)


def secret_forms(secret):
    """Every form in which a secret can appear in a text: raw, JSON- and repr-escaped, URL-encoded."""
    forms = {secret, json.dumps(secret)[1:-1], json.dumps(secret, ensure_ascii=False)[1:-1], repr(secret)[1:-1]}
    for encode in (lambda s: quote(s, safe=""), lambda s: quote_plus(s, safe=""), quote):
        try:
            forms.add(encode(secret))
        except UnicodeError:  # a lone surrogate has no URL-encoded form, so it cannot appear as one
            pass
    return sorted((f for f in forms if f), key=len, reverse=True)


def _json_type(value):
    if value is None:
        return "null"
    for kind, name in ((bool, "a boolean"), (dict, "an object"), (list, "a list"), (str, "a string")):
        if isinstance(value, kind):
            return name
    return "a number" if isinstance(value, (int, float)) else type(value).__name__


def shape_problem(result, shape):
    """What is wrong with ``result`` for ``shape`` (a sentence), or None."""
    if shape.key is not None:
        if not isinstance(result, dict):
            return "result is %s where an object with the key %r was expected" % (_json_type(result), shape.key)
        if shape.key not in result:
            return "result has no key %r (keys: %s)" % (shape.key, ", ".join(sorted(map(str, result))) or "none")
        result = result[shape.key]
    where = "result[%r]" % shape.key if shape.key is not None else "result"
    if shape.kind == ONE_IN_LIST and isinstance(result, list) and len(result) != 1:
        return "%s is a list of %d items where a list of one object was expected" % (where, len(result))
    if shape.kind in (list, ONE_IN_LIST):
        if not isinstance(result, list):
            return "%s is %s where a list of %s was expected" % (
                where, _json_type(result), "one object" if shape.kind == ONE_IN_LIST else "objects")
        wrong = [i for i, item in enumerate(result) if not isinstance(item, dict)]
        if wrong:
            return "%s[%d] is %s where an object was expected" % (where, wrong[0], _json_type(result[wrong[0]]))
        objects = [("%s[%d]" % (where, i), item) for i, item in enumerate(result)]
    elif not isinstance(result, dict):
        return "%s is %s where an object was expected" % (where, _json_type(result))
    else:
        objects = [(where, result)]
    for name, obj in objects:
        missing = [key for key in shape.required if key not in obj]
        if missing:
            return "%s has no key %r (keys: %s)" % (name, missing[0], ", ".join(sorted(map(str, obj))) or "none")
    return None


def _format_errors(errors):
    parts = []
    for error in errors:
        text = "code %s: %s" % (error.get("code"), error.get("message"))
        source = error.get("source")
        pointer = source.get("pointer") if isinstance(source, dict) else None
        if pointer:
            text += " (at %s)" % pointer
        parts.append(text)
    return "; ".join(parts)


def more_pages(result_info):
    """What in an answer's ``result_info`` says more of the list exists (a sentence), or None: a page before the
    last, fewer items than the total, or a cursor to go on from."""
    if not isinstance(result_info, dict):
        return None

    def number(key):
        value = result_info.get(key)
        return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None

    page, pages, count, total = number("page"), number("total_pages"), number("count"), number("total_count")
    if page is not None and pages is not None and page < pages:
        return "page %g of %g" % (page, pages)
    if count is not None and total is not None and count < total:
        return "%g of %g items" % (count, total)
    cursors = result_info.get("cursors")
    after = cursors.get("after") if isinstance(cursors, dict) else None
    if any(isinstance(c, str) and c for c in (result_info.get("cursor"), after)):
        return "a cursor to the next page"
    return None


def parse_retry_after(value, now=None):
    """Seconds to wait from a ``Retry-After`` header (seconds or an HTTP date), or None when it says nothing usable.

    Whatever the header holds, the result is None or a finite number from 0 to ``RETRY_AFTER_CAP``: NaN and
    negative numbers say nothing; infinity and huge numbers mean "longer than anyone waits".
    """
    if not value or not isinstance(value, str) or len(value) > 64:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            moment = email.utils.parsedate_to_datetime(value)
            seconds = moment.timestamp() - (time.time() if now is None else now)
        except (TypeError, ValueError, OverflowError, IndexError, OSError):
            return None
        seconds = max(0.0, seconds)
    if math.isnan(seconds) or seconds < 0:
        return None
    return min(seconds, RETRY_AFTER_CAP)


def retry_time(seconds, now=None):
    """When a run stopped by the rate limit can be tried again, as people read it: ``14:05:10 UTC`` (with the date
    when it is not today)."""
    now = datetime.now(timezone.utc) if now is None else now
    at = now + timedelta(seconds=math.ceil(seconds))
    return at.strftime("%H:%M:%S UTC" if at.date() == now.date() else "%Y-%m-%d %H:%M:%S UTC")


def _causes(exc):
    """The exception and everything it wraps (requests wraps urllib3, which wraps socket and ssl errors)."""
    seen, pending = [], [exc]
    while pending and len(seen) < 20:
        current = pending.pop(0)
        if not isinstance(current, BaseException) or any(current is s for s in seen):
            continue
        seen.append(current)
        pending.extend([getattr(current, "reason", None), current.__cause__, current.__context__] + list(current.args))
    return seen


# The call under way in each thread (modules, the inventory plugin and the fleet's worker threads share the client):
# the connection it uses, so that a timer can cut it at the call's deadline.
_CALLS = threading.local()


class _Deadline:
    """Cuts the connection of one call at its deadline: the socket time-out alone bounds each read, so a server that
    trickles its status line or headers (or a TLS handshake) a byte at a time could hold a call for ever."""

    def __init__(self, seconds):
        self.expired = False
        self.connection = None
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._cut)
        self._timer.daemon = True

    def __enter__(self):
        _CALLS.deadline = self
        self._timer.start()
        return self

    def __exit__(self, *exc_info):
        self._timer.cancel()
        with self._lock:
            self.connection = None
        _CALLS.deadline = None
        return False

    def watch(self, connection):
        with self._lock:
            self.connection = connection
            expired = self.expired
        if expired:
            self._shut(connection)

    def _cut(self):
        with self._lock:
            self.expired = True
            connection = self.connection
        if connection is not None:
            self._shut(connection)

    @staticmethod
    def _shut(connection):
        sock = getattr(connection, "sock", None)
        if sock is None:
            return  # not connected yet: the connect time-out bounds that, and watch() cuts it once it is
        try:
            sock.shutdown(socket.SHUT_RDWR)  # the blocked read returns at once; the pool drops the connection
        except OSError:
            pass


def _watched_connection(base):
    """``base`` (an urllib3 connection class) telling the thread's call under way which connection it uses."""

    def connect(self):
        deadline = getattr(_CALLS, "deadline", None)
        if deadline is not None:
            deadline.watch(self)
        base.connect(self)
        if deadline is not None:
            deadline.watch(self)  # connected: a deadline passed meanwhile cuts it now

    def request(self, *args, **kwargs):
        deadline = getattr(_CALLS, "deadline", None)
        if deadline is not None:
            deadline.watch(self)
        return base.request(self, *args, **kwargs)

    return type("Watched" + base.__name__, (base,), {"connect": connect, "request": request})


def _watch_pools(manager):
    manager.pool_classes_by_scheme = dict(
        (scheme, type("Watched" + pool.__name__, (pool,), {"ConnectionCls": _watched_connection(pool.ConnectionCls)}))
        for scheme, pool in manager.pool_classes_by_scheme.items())
    return manager


if HAS_REQUESTS:
    class _DeadlineAdapter(requests.adapters.HTTPAdapter):
        """requests' adapter whose connections (direct or through a proxy) the call's deadline can cut."""

        def init_poolmanager(self, *args, **kwargs):
            super().init_poolmanager(*args, **kwargs)
            _watch_pools(self.poolmanager)

        def proxy_manager_for(self, proxy, **proxy_kwargs):
            known = proxy in self.proxy_manager
            manager = super().proxy_manager_for(proxy, **proxy_kwargs)
            return manager if known else _watch_pools(manager)


class CloudflareClient:
    """A session-backed client bound to one account.

    Every call is counted in ``calls`` (per method, plus ``retries`` and ``rate_limited``) so that modules
    can report their API cost; ``rate_budget()`` tells what the answers said of the rate limit, so fleet code
    can pace itself. ``warnings`` holds what the caller must show the user (verification turned off).
    """

    def __init__(self, account_id, api_token=None, api_email=None, api_key=None, base_url=DEFAULT_BASE_URL,
                 timeout=CONNECTION_DEFAULTS["timeout"], validate_certs=CONNECTION_DEFAULTS["validate_certs"],
                 max_retries=CONNECTION_DEFAULTS["max_retries"], max_retry_wait=CONNECTION_DEFAULTS["max_retry_wait"],
                 sleep=None, clock=None):
        if not HAS_REQUESTS:
            raise RuntimeError("the Python library requests is required")
        api_token = check_credential("api_token", api_token)
        api_email = check_credential("api_email", api_email)
        api_key = check_credential("api_key", api_key)
        if api_token and (api_email or api_key):
            raise InvalidOption("api_token", "is mutually exclusive with api_email and api_key: authenticate one way")
        if not api_token and not (api_email and api_key):
            raise InvalidOption(
                "api_token", "is required (or CLOUDFLARE_API_TOKEN), unless both api_email and api_key are given "
                "(or CLOUDFLARE_EMAIL and CLOUDFLARE_API_KEY)")
        if timeout is None or math.isnan(timeout) or timeout <= 0 or math.isinf(timeout):
            raise InvalidOption("timeout", "must be a positive number of seconds", timeout)
        if max_retries is None or max_retries < 0:
            raise InvalidOption("max_retries", "must be 0 or more", max_retries)
        if max_retry_wait is None or math.isnan(max_retry_wait) or max_retry_wait < 0:
            raise InvalidOption("max_retry_wait", "must be 0 or more seconds", max_retry_wait)
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
        self._budget = RateBudget(None, None, None, 0)
        # One [sent at, answered] per call sent within the last window (the client's clock), oldest first.
        self._sent = deque()
        # (seen at, others, our calls then under way) per Ratelimit answer of the last window: how others grow.
        self._others_seen = deque()
        self.warnings = []
        if not self.validate_certs:
            self.warnings.append(
                "validate_certs=false: the TLS certificate of %s is not verified, so anyone on the path can read "
                "the credentials and answer in Cloudflare's name" % self.base_url)

        self.session = requests.Session()
        for prefix in ("https://", "http://"):
            self.session.mount(prefix, _DeadlineAdapter())
        self.session.verify = self.validate_certs
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
        with self._lock:
            return self._budget

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
        since = self.clock() - seconds
        with self._lock:
            return [entry[0] for entry in self._sent if entry[0] > since]

    def sent_within(self, seconds):
        """``(count, oldest)``: the calls this client sent in the last ``seconds``, and when the oldest of them went."""
        recent = self.sent_times(seconds)
        return len(recent), (recent[0] if recent else None)

    def _note_rate_limit(self, headers, status, retry_after):
        values = dict(_RATELIMIT_PATTERN.findall(headers.get("Ratelimit") or ""))
        policy = dict(_RATELIMIT_POLICY_PATTERN.findall(headers.get("Ratelimit-Policy") or ""))
        now = self.clock()
        if status == 429 and retry_after is not None:
            # Refused: nothing is left until the block ends (Cloudflare sends Retry-After only then). That is no count
            # of the window's calls, so what others hold stays as the last count said. A 429 without Retry-After says
            # nothing of the budget beyond its own headers (the client backs off briefly and retries).
            with self._lock:
                self._budget = self._budget._replace(remaining=0, reset=int(math.ceil(retry_after)), seen_at=now,
                                                     calls_since=0, blocked_until=now + retry_after)
            return
        if "r" not in values:
            return
        with self._lock:
            budget = self._budget
            limit = int(policy["q"]) if int(policy.get("q") or 0) > 0 else budget.limit
            window = int(policy["w"]) if int(policy.get("w") or 0) > 0 else budget.window
            remaining = int(values["r"])
            reset = int(values["t"]) if values.get("t") is not None else None
            # What the window holds beyond this client's answered calls of the last window is others'. Calls still
            # under way may or may not be counted yet: leaving them out can only overstate others (the safe side).
            answered = [entry for entry in self._sent if entry[1] and entry[0] > now - window]
            under_way = sum(1 for entry in self._sent if not entry[1])
            others = limit - remaining - len(answered)
            if others < 0:
                # The window counts fewer of this client's calls than it sent: the oldest have left it already (a
                # window that restarted, or a clock a little apart). They no longer count against the budget.
                forgotten = set(id(entry) for entry in answered[:-others])
                self._sent = deque(entry for entry in self._sent if id(entry) not in forgotten)
                others = 0
            seen = self._others_seen
            seen.append((now, others, under_way))
            while seen and seen[0][0] <= now - window:
                seen.popleft()
            self._budget = RateBudget(remaining, reset, now, 0, limit, window, others, _growth(seen, window), True, None)

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
                    delay = random.uniform(0.5, 1.0) * min(BACKOFF_CAP, BACKOFF_BASE * 2 ** attempt)
                if attempt >= self.max_retries or waited + delay > self.max_retry_wait:
                    raise self._gave_up(error, attempt, waited)
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
                self.redact("HTTP 2xx answer of the wrong shape: %s" % problem), method=method, path=path,
                retryable=method == "GET", outcome_unknown=method in WRITE_METHODS)
        result = result[shape.key] if shape.key is not None else result
        return result[0] if shape.kind == ONE_IN_LIST else result

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
                attempt + 1, waited, self.max_retries, self.max_retry_wait)
        return CloudflareAPIError(
            "%s; last answer: %s" % (reason, error.message), method=error.method, path=error.path,
            status=error.status, errors=error.errors, outcome_unknown=error.outcome_unknown,
            retry_after=error.retry_after,
        )

    def _count(self, what):
        """Count a call (or a retry, a refusal); a call sent gets its entry in the window's log, which is returned."""
        with self._lock:
            self.calls[what] += 1
            if what not in WRITE_METHODS and what != "GET":
                return None
            self._budget = self._budget._replace(calls_since=self._budget.calls_since + 1)
            now = self.clock()
            entry = [now, False]
            self._sent.append(entry)
            while self._sent and self._sent[0][0] <= now - max(self._budget.window, DOCUMENTED_RATE_WINDOW):
                self._sent.popleft()
            return entry

    def _answered(self, entry, counted=True):
        """The call of ``entry`` is no longer under way: a count in its answer (or any later one) holds it. A refused
        call (429) counts nothing against the budget, so it leaves the window's log."""
        with self._lock:
            entry[1] = True
            if not counted:
                self._sent = deque(e for e in self._sent if e is not entry)

    def _failure(self, message, **details):
        errors = details.pop("errors", None)
        return CloudflareAPIError(self.redact(message), errors=self._redacted(errors), **details)

    def _send_once(self, method, path, data, params, headers, idempotent):
        sent = self._count(method)
        failure = dict(method=method, path=path)
        deadline = time.monotonic() + self.timeout
        # timeout bounds the whole call: connect, status line and headers (a timer cuts the connection at the
        # deadline), and the body (read within what is left of it).
        with _Deadline(self.timeout) as cut:
            try:
                # verify is passed on every call: a session-level verify=False loses against REQUESTS_CA_BUNDLE.
                # Cloudflare's API never redirects; following one would send the credentials elsewhere.
                response = self.session.request(
                    method, self.base_url + path, data=data, params=params, headers=headers, timeout=self.timeout,
                    verify=self.validate_certs, allow_redirects=False, stream=True)
                body = self._read_body(response, deadline)
                if cut.expired:  # cut in the middle of the body: what was read is not the answer
                    raise CloudflareAPIError("no answer within timeout=%g s" % self.timeout)
            except CloudflareAPIError as error:
                self._answered(sent)
                error.method, error.path = method, path
                error.outcome_unknown = method in WRITE_METHODS
                error.retryable = idempotent
                raise
            except Exception as exc:  # every exception of the HTTP stack: its text may quote headers, never shown
                self._answered(sent)
                if cut.expired:
                    raise self._failure("no answer within timeout=%g s" % self.timeout, retryable=idempotent,
                                        outcome_unknown=method in WRITE_METHODS, **failure) from None
                raise self._transport_failure(exc, method, idempotent, failure) from None

        status = response.status_code
        retry_after = parse_retry_after(response.headers.get("Retry-After")) if status in RETRY_STATUSES else None
        self._answered(sent, counted=status != 429)
        self._note_rate_limit(response.headers, status, retry_after)
        if status == 429:
            self._count("rate_limited")
        processed_maybe = method in WRITE_METHODS and status != 429
        failure.update(
            retryable=status == 429 or (status in RETRY_STATUSES and idempotent),
            retry_after=retry_after,
            outcome_unknown=processed_maybe and (status in SERVER_ERROR_STATUSES or status < 400),
        )
        if 300 <= status < 400:
            raise self._failure(
                "HTTP %d redirect to %s, not followed: Cloudflare's API never redirects, and a redirect must not carry "
                "the credentials elsewhere" % (status, _origin(response.headers.get("Location"))),
                status=status, **dict(failure, retryable=False))
        try:
            envelope = json.loads(body) if body else None
        except (ValueError, RecursionError):
            envelope = None
        if not isinstance(envelope, dict):
            if status < 400:
                # The call was answered but we cannot tell what happened: only a read may simply be repeated.
                failure.update(retryable=method == "GET")
            raise self._failure(
                "HTTP %d with an unreadable answer (not a Cloudflare JSON envelope)" % status, status=status, **failure)
        errors = envelope.get("errors")
        errors = [e for e in errors if isinstance(e, dict)] if isinstance(errors, list) else []
        if status >= 400 or envelope.get("success") is not True:
            if status < 400:
                failure.update(retryable=method == "GET")
                reason = ("success is %s" % json.dumps(envelope["success"])[:20] if "success" in envelope
                          else "success is missing")
                message = "HTTP %d but the answer says it failed (%s)%s" % (
                    status, reason, ": " + _format_errors(errors) if errors else "")
            else:
                message = "%d %s" % (status, _format_errors(errors) or response.reason)
            raise self._failure(message, status=status, errors=errors, **failure)
        partial = more_pages(envelope.get("result_info"))
        if partial and method == "GET":
            # Cloudflare's Magic lists come whole; an answer that says it is one page of several must never be taken
            # for the whole account (a connector not seen is one the run would create again, or miss).
            raise self._failure(
                "the answer is only part of the list (result_info: %s), and this collection reads whole lists only: "
                "nothing was taken from it" % partial, status=status, **dict(failure, retryable=False))
        return envelope.get("result")

    def _read_body(self, response, deadline):
        """The whole body, within the call's deadline: ``timeout`` bounds the call, not each socket read."""
        raw = response.raw
        if not hasattr(raw, "read1"):  # a body already read (a test double, an adapter that buffers)
            return response.content
        chunks, size = [], 0
        try:
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise CloudflareAPIError("no answer within timeout=%g s" % self.timeout)
                # Each read waits at most until the deadline, and reads only what has arrived (read1).
                sock = getattr(getattr(raw, "connection", None), "sock", None)
                if sock is not None:
                    sock.settimeout(remaining)
                chunk = raw.read1(_READ_CHUNK, decode_content=True)
                if not chunk:
                    raw.release_conn()  # back to the pool: the next call reuses the connection
                    return b"".join(chunks)
                size += len(chunk)
                if size > MAX_BODY_BYTES:
                    raise CloudflareAPIError("the answer is larger than %d MiB" % (MAX_BODY_BYTES // 1048576))
                chunks.append(chunk)
        except BaseException:
            response.close()  # a half-read connection is never reused
            raise

    def _transport_failure(self, exc, method, idempotent, failure):
        """A ``CloudflareAPIError`` that says what went wrong in the HTTP stack, judged by exception types."""
        causes = _causes(exc)
        host = parse_url(self.base_url).host
        write = method in WRITE_METHODS

        def has(*types):
            return any(isinstance(c, types) for c in causes)

        if has(NameResolutionError, socket.gaierror):
            return self._failure("could not resolve the host name %s (DNS)" % host, retryable=True, **failure)
        if has(ssl.SSLCertVerificationError):
            reason = next(c.verify_message for c in causes if isinstance(c, ssl.SSLCertVerificationError))
            return self._failure("the TLS certificate of %s was refused (%s); nothing was sent" % (host, reason), **failure)
        if has(requests.exceptions.SSLError, ssl.SSLError):
            return self._failure("the TLS connection to %s failed (%s)" % (
                host, next((c.reason for c in causes if isinstance(c, ssl.SSLError) and c.reason), "TLS error")),
                retryable=idempotent, outcome_unknown=write, **failure)
        if has(requests.exceptions.ConnectTimeout, NewConnectionError, ConnectionRefusedError):
            # No connection was made, so nothing was sent: safe to retry whatever the method.
            return self._failure("could not connect to %s" % self.base_url, retryable=True, **failure)
        if has(requests.exceptions.Timeout, socket.timeout, TimeoutError):
            return self._failure("no answer within timeout=%g s" % self.timeout, retryable=idempotent,
                                 outcome_unknown=write, **failure)
        if has(requests.exceptions.ConnectionError, ConnectionError, requests.exceptions.ChunkedEncodingError,
               requests.exceptions.ContentDecodingError):
            return self._failure("the connection broke before an answer arrived", retryable=idempotent,
                                 outcome_unknown=write, **failure)
        if has(requests.exceptions.InvalidHeader, requests.exceptions.InvalidURL) or (
                has(ValueError) and not has(OSError)):
            # Refused while building the request: nothing was sent.
            return self._failure("the request could not be built (%s: a header or the URL holds a character HTTP "
                                 "cannot carry)" % type(exc).__name__, **failure)
        return self._failure("the HTTP library failed (%s)" % type(exc).__name__, retryable=idempotent,
                             outcome_unknown=write, **failure)


def _growth(seen, window):
    """How fast others' count grew over the answers ``seen`` (per second; 0 when it did not), judged over at least a
    tenth of the window: the count of each answer may overstate others by the calls then under way, and a steady
    consumer's count moves by one either way as its calls come and leave."""
    latest_at, latest, latest_under_way = seen[-1]
    for at, others, _under_way in seen:
        span = latest_at - at
        if span < window / 10.0:
            break
        grown = (latest - latest_under_way) - others - 1
        if grown > 0:
            return grown / span
    return 0.0


def _origin(location):
    """Scheme and host of a redirect target, never its userinfo, path or query."""
    try:
        parts = parse_url(location or "")
    except ValueError:
        return "an unreadable location"
    if not parts.host:
        return "a path on the same host"
    return "%s://%s%s" % (parts.scheme or "?", parts.host, ":%d" % parts.port if parts.port else "")
