# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The HTTP transport of the client: the base URL as requests connects to it, a deadline that bounds a whole call
(connect, headers and body), the body read within it, and what an exception of the HTTP stack means (judged by its
type, never by its text, which may quote a header or a URL)."""

from __future__ import annotations

import ipaddress
import re
import socket
import ssl
import sys
import threading
import time

from ._inputs import CloudflareAPIError, InvalidOption

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

# Cloudflare's largest answers (every connector of a big account) are a few MiB.
MAX_BODY_BYTES = 64 * 1024 * 1024
_READ_CHUNK = 64 * 1024
# What a base URL may hold: printable ASCII, no backslash (parsers disagree about it), no userinfo marker.
_URL_PATTERN = re.compile(r"^[\x21-\x7e]+$")
_URL_RULE = "must be an https:// URL (plain http:// is allowed only for a loopback host such as the local simulator)"
_URL_PARTS_RULE = (
    "must not hold user:password@, a backslash, a query, a fragment, white space or non-ASCII "
    "characters (parsers read such URLs differently, so the credentials could go elsewhere)"
)


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


class Cut(Exception):
    """A call cut at its deadline (whatever the HTTP stack raised when its connection was shut)."""


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
        for scheme, pool in manager.pool_classes_by_scheme.items()
    )
    return manager


if HAS_REQUESTS:

    class DeadlineAdapter(requests.adapters.HTTPAdapter):
        """requests' adapter whose connections (direct or through a proxy) the call's deadline can cut."""

        def init_poolmanager(self, *args, **kwargs):
            super().init_poolmanager(*args, **kwargs)
            _watch_pools(self.poolmanager)

        def proxy_manager_for(self, proxy, **proxy_kwargs):
            known = proxy in self.proxy_manager
            manager = super().proxy_manager_for(proxy, **proxy_kwargs)
            return manager if known else _watch_pools(manager)


def new_session(validate_certs):
    """A requests session whose calls a deadline can cut, verifying certificates as told."""
    session = requests.Session()
    for prefix in ("https://", "http://"):
        session.mount(prefix, DeadlineAdapter())
    session.verify = validate_certs
    return session


def exchange(session, method, url, data, params, headers, timeout, verify):
    """``(response, body)`` of one call. ``timeout`` bounds the whole call: connect, status line and headers (a
    timer cuts the connection at the deadline), and the body (read within what is left of it). A call cut at the
    deadline raises ``Cut``; a body too large or too slow, ``CloudflareAPIError``."""
    deadline = time.monotonic() + timeout
    with _Deadline(timeout) as cut:
        try:
            # verify is passed on every call: a session-level verify=False loses against REQUESTS_CA_BUNDLE.
            # Cloudflare's API never redirects; following one would send the credentials elsewhere.
            response = session.request(
                method,
                url,
                data=data,
                params=params,
                headers=headers,
                timeout=timeout,
                verify=verify,
                allow_redirects=False,
                stream=True,
            )
            body = read_body(response, deadline, timeout)
        except CloudflareAPIError:
            raise
        except Exception:  # pylint: disable=broad-except
            if cut.expired:
                raise Cut() from None
            raise
        if cut.expired:  # cut in the middle of the body: what was read is not the answer
            raise CloudflareAPIError("no answer within timeout=%g s" % timeout)
    return response, body


def read_body(response, deadline, timeout):
    """The whole body, within the call's deadline: ``timeout`` bounds the call, not each socket read."""
    raw = response.raw
    if not hasattr(raw, "read1"):  # a body already read (a test double, an adapter that buffers)
        return response.content
    chunks, size = [], 0
    try:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise CloudflareAPIError("no answer within timeout=%g s" % timeout)
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


def transport_problem(exc, base_url, timeout, idempotent, write):
    """``(message, flags)``: what went wrong in the HTTP stack (judged by exception types) and the ``retryable`` and
    ``outcome_unknown`` flags of the ``CloudflareAPIError`` that says so."""
    causes = _causes(exc)
    host = parse_url(base_url).host
    unknown = dict(retryable=idempotent, outcome_unknown=write)

    def has(*types):
        return any(isinstance(c, types) for c in causes)

    if has(NameResolutionError, socket.gaierror):
        return "could not resolve the host name %s (DNS)" % host, dict(retryable=True)
    if has(ssl.SSLCertVerificationError):
        reason = next(c.verify_message for c in causes if isinstance(c, ssl.SSLCertVerificationError))
        return "the TLS certificate of %s was refused (%s); nothing was sent" % (host, reason), {}
    if has(requests.exceptions.SSLError, ssl.SSLError):
        return "the TLS connection to %s failed (%s)" % (
            host,
            next((c.reason for c in causes if isinstance(c, ssl.SSLError) and c.reason), "TLS error"),
        ), unknown
    if has(requests.exceptions.ConnectTimeout, NewConnectionError, ConnectionRefusedError):
        # No connection was made, so nothing was sent: safe to retry whatever the method.
        return "could not connect to %s" % base_url, dict(retryable=True)
    if has(requests.exceptions.Timeout, socket.timeout, TimeoutError):
        return "no answer within timeout=%g s" % timeout, unknown
    if has(
        requests.exceptions.ConnectionError,
        ConnectionError,
        requests.exceptions.ChunkedEncodingError,
        requests.exceptions.ContentDecodingError,
    ):
        return "the connection broke before an answer arrived", unknown
    if has(requests.exceptions.InvalidHeader, requests.exceptions.InvalidURL) or (has(ValueError) and not has(OSError)):
        # Refused while building the request: nothing was sent.
        return (
            "the request could not be built (%s: a header or the URL holds a character HTTP cannot carry)"
            % type(exc).__name__
        ), {}
    return "the HTTP library failed (%s)" % type(exc).__name__, unknown


def origin(location):
    """Scheme and host of a redirect target, never its userinfo, path or query."""
    try:
        parts = parse_url(location or "")
    except ValueError:
        return "an unreadable location"
    if not parts.host:
        return "a path on the same host"
    return "%s://%s%s" % (parts.scheme or "?", parts.host, ":%d" % parts.port if parts.port else "")
