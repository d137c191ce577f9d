# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The client against hostile input and lying servers, one table per class of defect, through the real HTTP stack.

A tiny server on 127.0.0.1 (``HostileServer``) answers each call as the row scripts it: a redirect, a body of the wrong
shape, an odd ``Retry-After``, a body trickled byte by byte. Every row asserts the exact outcome (refused naming the
option, which call failed, ``retryable``, ``outcome_unknown``) and that no secret appears in any text the client
produced, in any encoding (:func:`assert_no_secret`).
"""

from __future__ import annotations

import json
import math
import threading
import time
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import quote, quote_plus

import pytest

from ansible_collections.cloudflare.magic_transit.plugins.module_utils._answers import Shape
from ansible_collections.cloudflare.magic_transit.plugins.module_utils._client import CloudflareClient
from ansible_collections.cloudflare.magic_transit.plugins.module_utils._inputs import CloudflareAPIError, InvalidOption
from ansible_collections.cloudflare.magic_transit.plugins.module_utils._ratelimit import (
    RETRY_AFTER_CAP,
    parse_retry_after,
)

ACCOUNT = "0123456789abcdef0123456789abcdef"
TOKEN = "cf-hostile-token-0123456789abcdefABCDEF"
EMAIL = "ops@example.com"
KEY = "cf-hostile-global-key-9876543210fedcba"
MD5_KEY = 'md5 "key"/with&odd=chars+%\\'
PATH = "/accounts/%s/magic/connectors" % ACCOUNT
OK_LIST = {"success": True, "errors": [], "messages": [], "result": []}


def encodings(secret):
    """Every form a secret could take in a text."""
    forms = {secret, json.dumps(secret)[1:-1], repr(secret)[1:-1], secret.encode("unicode_escape").decode("ascii")}
    for encode in (lambda s: quote(s, safe=""), quote_plus, quote):
        try:
            forms.add(encode(secret))
        except UnicodeError:
            pass
    return forms


def assert_no_secret(texts, *secrets):
    for secret in secrets:
        for form in encodings(secret):
            for text in texts:
                assert form not in text, "secret %r (as %r) in %r" % (secret, form, text)


def texts_of(exc):
    """Every text an exception can end up in: str, repr, the module result's error dict."""
    texts = [str(exc), repr(exc)]
    if isinstance(exc, CloudflareAPIError):
        texts.append(json.dumps(exc.as_dict()))
    return texts


class HostileServer:
    """An HTTP server on 127.0.0.1 that answers each call with the next scripted answer and records every call."""

    def __init__(self):
        self.answers = []
        self.calls = []
        self.trickled = []  # (bytes sent, bytes in all) of each trickled head or body
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _answer(self):
                length = int(self.headers.get("Content-Length") or 0)
                server.calls.append(
                    dict(
                        method=self.command,
                        path=self.path,
                        headers=dict(self.headers),
                        body=self.rfile.read(length) if length else b"",
                    )
                )
                answer = server.answers.pop(0) if server.answers else dict(body=json.dumps(OK_LIST))
                if answer.get("trickle_head"):
                    self._trickle_head(answer)
                    return
                body = answer.get("body", b"")
                body = body.encode("utf-8") if isinstance(body, str) else body
                self.send_response(answer.get("status", 200))
                for name, value in answer.get("headers", {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                sent = 0
                try:
                    if answer.get("trickle"):
                        for index in range(len(body)):
                            self.wfile.write(body[index : index + 1])
                            self.wfile.flush()
                            sent += 1
                            time.sleep(answer["trickle"])
                    else:
                        self.wfile.write(body)
                except OSError:
                    pass  # the client gave up: that is the point of the row
                if answer.get("trickle"):
                    server.trickled.append((sent, len(body)))

            def _trickle_head(self, answer):
                """The status line and headers a byte at a time (or only the headers, after a prompt status
                line), each byte well within the socket time-out; records how many bytes went before the client
                hung up."""
                status = b"HTTP/1.1 200 OK\r\n"
                head = b"".join(b"X-Slow-%d: %s\r\n" % (n, b"y" * 40) for n in range(200)) + b"\r\n"
                if answer["trickle_head"] == "headers":
                    self.wfile.write(status)
                    self.wfile.flush()
                else:
                    head = status + head
                sent = 0
                try:
                    for index in range(len(head)):
                        self.wfile.write(head[index : index + 1])
                        self.wfile.flush()
                        sent += 1
                        time.sleep(answer["trickle"])
                except OSError:
                    pass  # the client gave up: that is the point of the row
                server.trickled.append((sent, len(head)))
                self.close_connection = True

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _answer

            def log_message(self, *args):  # pylint: disable=arguments-differ
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.base_url = "http://127.0.0.1:%d/client/v4" % self.port
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def answer(self, status=200, body=None, headers=None, trickle=None, envelope=None, trickle_head=None):
        if envelope is not None:
            body = json.dumps(envelope)
        self.answers.append(
            dict(
                status=status,
                body=body if body is not None else json.dumps(OK_LIST),
                headers=headers or {},
                trickle=trickle,
                trickle_head=trickle_head,
            )
        )
        return self

    def stop(self):
        if self.thread is not None:
            self.httpd.shutdown()
            self.httpd.server_close()
            self.thread = None


@pytest.fixture(name="server")
def server_fixture():
    hostile = HostileServer()
    yield hostile
    hostile.stop()


@pytest.fixture(name="other_server")
def other_server_fixture():
    hostile = HostileServer()
    yield hostile
    hostile.stop()


def make_client(server, sleeps=None, **kwargs):
    options = dict(account_id=ACCOUNT, api_token=TOKEN, base_url=server.base_url, timeout=5, max_retries=0)
    options.update(kwargs)
    return CloudflareClient(sleep=(sleeps if sleeps is not None else []).append, **options)


# --- tricky credentials ------------------------------------------------------------------------------

# (option, value, what is sent: the stripped value, or None when the value is refused)
CREDENTIALS = [
    ("api_token", TOKEN + "\n", TOKEN),  # a !vault | block
    ("api_token", TOKEN + "\r\n", TOKEN),  # pasted from Windows
    ("api_token", "  %s\t" % TOKEN, TOKEN),
    ("api_token", "\n%s\n\n" % TOKEN, TOKEN),
    ("api_token", TOKEN + "\x0b\x0c", TOKEN),
    ("api_token", TOKEN + "\nX-Injected: 1", None),  # header injection
    ("api_token", TOKEN + "\r\nHost: evil.example", None),
    ("api_token", TOKEN[:10] + "\x00" + TOKEN[10:], None),
    ("api_token", TOKEN + "\x7f", None),
    ("api_token", TOKEN + "\x1b[31m", None),
    ("api_token", TOKEN + "\u00e9", None),  # latin-1: http.client would send it, Cloudflare would refuse it
    ("api_token", TOKEN + "\u2028", None),  # a line separator, not stripped
    ("api_token", TOKEN + "\u00a0", None),  # a no-break space, not stripped
    ("api_token", TOKEN + "\u200b", None),  # zero width
    ("api_token", "\ufeff" + TOKEN, None),  # a byte-order mark
    ("api_token", TOKEN + "\ud800", None),  # a lone surrogate (no encoding can send it)
    ("api_key", KEY + "\n", KEY),
    ("api_key", KEY + "\x00", None),
    ("api_key", KEY + "\u00fc", None),
    ("api_email", EMAIL + "\n", EMAIL),
    ("api_email", "ops\r\n@example.com", None),
    ("api_email", "\u00f6ps@example.com", None),
]


def _credentials(option, value):
    if option == "api_token":
        return dict(api_token=value)
    return dict(dict(api_token=None, api_email=EMAIL, api_key=KEY), **{option: value})


@pytest.mark.parametrize(
    "option, value, sent", CREDENTIALS, ids=["%s-%d" % (row[0], i) for i, row in enumerate(CREDENTIALS)]
)
def test_tricky_credentials_are_stripped_or_refused_naming_the_option(server, option, value, sent):
    if sent is None:
        with pytest.raises(InvalidOption) as exc:
            make_client(server, **_credentials(option, value))
        assert exc.value.option == option
        assert str(exc.value).startswith(option + " holds a character that an HTTP header cannot carry")
        assert "(the value is not shown)" in str(exc.value)
        assert_no_secret(texts_of(exc.value), value, value.strip(), TOKEN, KEY)
        assert server.calls == []
        return
    make_client(server, **_credentials(option, value)).get(PATH)
    headers = server.calls[0]["headers"]
    if option == "api_token":
        assert headers["Authorization"] == "Bearer " + sent
    else:
        assert (headers["X-Auth-Email"], headers["X-Auth-Key"]) == (
            (sent, KEY) if option == "api_email" else (EMAIL, sent)
        )


@pytest.mark.parametrize("value", ["", " ", "\n", "\r\n\t"])
def test_blank_credentials_count_as_not_given(server, value):
    with pytest.raises(InvalidOption) as exc:
        make_client(server, api_token=value)
    assert str(exc.value).startswith("api_token is required")


# --- tricky URLs -----------------------------------------------------------------------------------

REFUSED_URLS = [
    "http://127.0.0.1\\@evil.example/client/v4",  # urllib3 connects to 127.0.0.1; urlsplit says evil.example
    "http://evil.example\\@127.0.0.1/client/v4",  # urlsplit says 127.0.0.1; urllib3 connects to evil.example
    "http://user:%s@127.0.0.1:9/client/v4" % TOKEN,
    "https://user:%s@api.cloudflare.com/client/v4" % TOKEN,
    "https://%s@api.cloudflare.com/client/v4" % TOKEN,
    "http://127.0.0.1:80@evil.example/",
    "http://127.0.0.1#@evil.example/",
    "http://127.0.0.1?@evil.example/",
    "https://api.cloudflare.com/client/v4?token=%s" % TOKEN,
    "http://[::1%25lo]:9/",  # a zone id
    "http://[::ffff:127.0.0.1]/",  # IPv4-mapped
    "http://[::ffff:7f00:1]/",
    "http://127.1/",  # short forms the resolver would accept
    "http://0x7f000001/",
    "http://2130706433/",
    "http://0177.0.0.1/",
    "http://localhost./",
    "http://localhost.evil.example/",
    "http://127.0.0.1.evil.example/",
    "http://127.0.0.1%2e.evil.example/",
    "http://127.0.0.1 /",
    "http://127.0.0.1\t.evil.example/",
    "http://127.0.0.1\n.evil.example/",
    "http://\u2460\u2461\u2466.0.0.1/",  # circled digits, IDNA would fold them
    "http://api.cloudflare.com/client/v4",
    "ftp://127.0.0.1/",
    "//127.0.0.1/client/v4",
    "http:127.0.0.1/client/v4",
    "https://",
    "https:///client/v4",
    "file:///etc/passwd",
]

ACCEPTED_URLS = [
    ("https://api.cloudflare.com/client/v4/", "https://api.cloudflare.com/client/v4"),
    ("HTTPS://API.Cloudflare.com/client/v4", "https://api.cloudflare.com/client/v4"),
    ("http://localhost:8787/client/v4", "http://localhost:8787/client/v4"),
    ("HTTP://LOCALHOST:8787/client/v4", "http://localhost:8787/client/v4"),
    ("http://127.0.0.1:8787/client/v4", "http://127.0.0.1:8787/client/v4"),
    ("http://127.8.9.10:1/x", "http://127.8.9.10:1/x"),
    ("http://[::1]:9/x", "http://[::1]:9/x"),
    ("http://[0:0:0:0:0:0:0:1]:9/x", "http://[0:0:0:0:0:0:0:1]:9/x"),
]


@pytest.mark.parametrize("url", REFUSED_URLS)
def test_tricky_base_urls_are_refused(url):
    with pytest.raises(InvalidOption) as exc:
        CloudflareClient(ACCOUNT, api_token=TOKEN, base_url=url)
    assert exc.value.option == "base_url"
    rule = str(exc.value).split(", got ", maxsplit=1)[0]
    assert rule in (
        "base_url must be an https:// URL (plain http:// is allowed only for a loopback host such as the "
        "local simulator)",
        "base_url must not hold user:password@, a backslash, a query, a fragment, white space or non-ASCII "
        "characters (parsers read such URLs differently, so the credentials could go elsewhere)",
    ), rule
    assert_no_secret(texts_of(exc.value), TOKEN)


@pytest.mark.parametrize("url, checked", ACCEPTED_URLS)
def test_plain_base_urls_are_accepted_as_the_connection_will_see_them(url, checked):
    assert CloudflareClient(ACCOUNT, api_token=TOKEN, base_url=url).base_url == checked


def test_an_accepted_loopback_url_really_connects_there(server):
    make_client(server, base_url="HTTP://LOCALHOST:%d/client/v4/" % server.port).get(PATH)
    assert [(c["method"], c["path"]) for c in server.calls] == [("GET", "/client/v4" + PATH)]


# --- redirects -------------------------------------------------------------------------------------

REDIRECTS = [
    (method, status) for method in ("GET", "POST", "PUT", "PATCH", "DELETE") for status in (301, 302, 303, 307, 308)
]


@pytest.mark.parametrize("method, status", REDIRECTS)
def test_redirects_are_never_followed_and_carry_no_credentials(server, other_server, method, status):
    target = "http://user:%s@127.0.0.1:%d/client/v4%s" % (TOKEN, other_server.port, PATH)
    server.answer(status=status, body="", headers={"Location": target})
    client = make_client(server, api_token=None, api_email=EMAIL, api_key=KEY, max_retries=3)
    with pytest.raises(CloudflareAPIError) as exc:
        client.request(method, PATH, body=None if method in ("GET", "DELETE") else {"notes": "x"})
    error = exc.value
    assert (error.method, error.path, error.status, error.retryable) == (method, PATH, status, False)
    assert error.outcome_unknown is (method != "GET")
    assert str(error) == (
        "%s %s: HTTP %d redirect to http://127.0.0.1:%d, not followed: Cloudflare's API never "
        "redirects, and a redirect must not carry the credentials elsewhere" % (method, PATH, status, other_server.port)
    )
    assert other_server.calls == [] and len(server.calls) == 1
    assert_no_secret(texts_of(error), TOKEN, KEY)


# --- wrong-shape answers ---------------------------------------------------------------------------

CONNECTORS = Shape(list, "connectors")
CONNECTOR = Shape(dict)
# (raw body, shape required, message after "HTTP 200" or the shape sentence)
WRONG_SHAPES = [
    ("<html>maintenance</html>", None, "HTTP 200 with an unreadable answer (not a Cloudflare JSON envelope)"),
    ("", None, "HTTP 200 with an unreadable answer (not a Cloudflare JSON envelope)"),
    ("null", None, "HTTP 200 with an unreadable answer (not a Cloudflare JSON envelope)"),
    ("[]", None, "HTTP 200 with an unreadable answer (not a Cloudflare JSON envelope)"),
    ('"success"', None, "HTTP 200 with an unreadable answer (not a Cloudflare JSON envelope)"),
    ('{"success": true, "result": ', None, "HTTP 200 with an unreadable answer (not a Cloudflare JSON envelope)"),
    (b"\xff\xfe\x00garbage", None, "HTTP 200 with an unreadable answer (not a Cloudflare JSON envelope)"),
    ("[" * 100000 + "]" * 100000, None, "HTTP 200 with an unreadable answer (not a Cloudflare JSON envelope)"),
    (
        '{"result": [], "success": 1%s}' % ("0" * 5000),
        None,
        "HTTP 200 with an unreadable answer (not a Cloudflare JSON envelope)",
    ),
    ("{}", None, "HTTP 200 but the answer says it failed (success is missing)"),
    ('{"result": []}', None, "HTTP 200 but the answer says it failed (success is missing)"),
    ('{"success": "true", "result": []}', None, 'HTTP 200 but the answer says it failed (success is "true")'),
    (
        '{"success": false, "errors": [], "result": []}',
        None,
        "HTTP 200 but the answer says it failed (success is false)",
    ),
    (
        '{"success": false, "errors": [{"code": 7003, "message": "no route", "source": "x"}]}',
        None,
        "HTTP 200 but the answer says it failed (success is false): code 7003: no route",
    ),
    ('{"success": false, "errors": 12}', None, "HTTP 200 but the answer says it failed (success is false)"),
    (
        '{"success": true, "result": null}',
        CONNECTORS,
        "result is null where an object with the key 'connectors' was expected",
    ),
    ('{"success": true, "result": {}}', CONNECTORS, "result has no key 'connectors' (keys: none)"),
    ('{"success": true, "result": {"connector": []}}', CONNECTORS, "result has no key 'connectors' (keys: connector)"),
    (
        '{"success": true, "result": {"connectors": null}}',
        CONNECTORS,
        "result['connectors'] is null where a list of objects was expected",
    ),
    (
        '{"success": true, "result": {"connectors": {}}}',
        CONNECTORS,
        "result['connectors'] is an object where a list of objects was expected",
    ),
    (
        '{"success": true, "result": {"connectors": [1]}}',
        CONNECTORS,
        "result['connectors'][0] is a number where an object was expected",
    ),
    (
        '{"success": true, "result": [{"id": "a"}, "b"]}',
        Shape(list),
        "result[1] is a string where an object was expected",
    ),
    ('{"success": true, "result": {}}', Shape(list), "result is an object where a list of objects was expected"),
    ('{"success": true, "result": null}', Shape(list), "result is null where a list of objects was expected"),
    ('{"success": true, "result": []}', CONNECTOR, "result is a list where an object was expected"),
    ('{"success": true, "result": null}', CONNECTOR, "result is null where an object was expected"),
    ('{"success": true, "result": true}', CONNECTOR, "result is a boolean where an object was expected"),
    ('{"success": true, "result": 1e999}', CONNECTOR, "result is a number where an object was expected"),
]


@pytest.mark.parametrize("method", ["GET", "POST", "PATCH"])
@pytest.mark.parametrize("body, shape, message", WRONG_SHAPES, ids=["shape-%d" % i for i in range(len(WRONG_SHAPES))])
def test_wrong_shape_answers_are_clear_errors_naming_the_call(server, method, body, shape, message):
    server.answer(body=body)
    with pytest.raises(CloudflareAPIError) as exc:
        make_client(server).request(method, PATH, body=None if method == "GET" else {"notes": "x"}, shape=shape)
    error = exc.value
    text = str(error)
    assert text.startswith("%s %s: " % (method, PATH)) and message in text, text
    assert "Traceback" not in text and len(text) < 600
    # A read may simply be repeated (here max_retries=0: it gave up); a write may have landed although its answer
    # cannot tell, so it is not repeated.
    assert ("gave up after 1 attempt(s)" in text, error.outcome_unknown) == (method == "GET", method != "GET")
    assert len(server.calls) == 1


def test_a_read_of_the_wrong_shape_is_retried_then_succeeds(server):
    server.answer(envelope={"success": True, "result": None}).answer(
        envelope={"success": True, "result": {"connectors": []}}
    )
    sleeps = []
    assert make_client(server, sleeps, max_retries=2).get(PATH, shape=CONNECTORS) == []
    assert len(server.calls) == 2 and len(sleeps) == 1


# --- Retry-After oddities --------------------------------------------------------------------------

NOW = 1_800_000_000.0
# (header value, seconds to wait or None when it says nothing usable)
RETRY_AFTERS = [
    ("3", 3.0),
    ("1.5", 1.5),
    ("0", 0.0),
    ("1e-400", 0.0),
    ("1e309", RETRY_AFTER_CAP),
    ("inf", RETRY_AFTER_CAP),
    ("Infinity", RETRY_AFTER_CAP),
    ("99999999999999999999999", RETRY_AFTER_CAP),
    ("-5", None),
    ("-inf", None),
    ("nan", None),
    ("NaN", None),
    ("", None),
    ("soon", None),
    ("0x10", None),
    ("1" * 100, None),
    (formatdate(NOW + 30, usegmt=True), 30.0),
    (formatdate(NOW - 3600, usegmt=True), 0.0),
    ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0),
    ("Mon, 99 Foo 2020 99:99:99 GMT", None),
    ("Fri, 31 Dec 9999 23:59:59 GMT", RETRY_AFTER_CAP),
    ("Thu, 01 Jan 1970 00:00:00 -0000", 0.0),
]


@pytest.mark.parametrize("value, seconds", RETRY_AFTERS)
def test_retry_after_is_parsed_safely_and_bounded(value, seconds):
    parsed = parse_retry_after(value, now=NOW)
    if seconds is None:
        assert parsed is None
    else:
        assert math.isfinite(parsed) and 0 <= parsed <= RETRY_AFTER_CAP
        assert parsed == pytest.approx(seconds, abs=1)


@pytest.mark.parametrize("value", ["1e309", "inf", "99999999999999999999999", "Fri, 31 Dec 9999 23:59:59 GMT"])
def test_an_endless_retry_after_gives_up_at_once_with_a_clear_message(server, value):
    server.answer(
        status=429,
        headers={"Retry-After": value},
        envelope={"success": False, "errors": [{"code": 971, "message": "Please wait"}], "result": None},
    )
    sleeps = []
    with pytest.raises(CloudflareAPIError) as exc:
        make_client(server, sleeps, max_retries=4, max_retry_wait=60).get(PATH)
    assert sleeps == [] and exc.value.retry_after == RETRY_AFTER_CAP
    assert str(exc.value).startswith(
        "GET %s: Cloudflare's rate limit blocks this account's API for another 86400 s" % PATH
    )


@pytest.mark.parametrize("value", ["nan", "-5", "soon", "-inf"])
def test_a_meaningless_retry_after_falls_back_to_bounded_backoff(server, value):
    for _attempt in range(3):
        server.answer(
            status=503, headers={"Retry-After": value}, envelope={"success": False, "errors": [], "result": None}
        )
    sleeps = []
    with pytest.raises(CloudflareAPIError) as exc:
        make_client(server, sleeps, max_retries=2, max_retry_wait=60).get(PATH)
    assert exc.value.retry_after is None and len(sleeps) == 2 and all(0.25 <= s <= 1.0 for s in sleeps)


# --- the whole call within timeout -----------------------------------------------------------------


def wait_for_trickled(server, count):
    """Until the server has noticed ``count`` trickled answers cut off (it notices at its next write); each cut before
    half of it was sent."""
    for _attempt in range(100):
        if len(server.trickled) >= count:
            break
        time.sleep(0.1)
    assert len(server.trickled) == count and all(sent < total / 2 for sent, total in server.trickled), server.trickled


@pytest.mark.parametrize("method", ["GET", "PATCH"])
def test_a_trickled_answer_ends_at_the_timeout(server, method):
    body = json.dumps(dict(OK_LIST, result=[{"id": "x" * 30}] * 3))
    server.answer(body=body, trickle=0.1)  # ~25 s for the whole body, each byte well within the socket time-out
    with pytest.raises(CloudflareAPIError) as exc:
        make_client(server, timeout=1).request(method, PATH, body=None if method == "GET" else {"notes": "x"})
    # cut long before the server had sent the whole body (not a wall-clock bound, which fails on a loaded machine)
    wait_for_trickled(server, 1)
    # Both are idempotent, so they would be retried (max_retries=0 here); the PATCH may have landed.
    assert str(exc.value).endswith("; last answer: no answer within timeout=1 s"), str(exc.value)
    assert str(exc.value).startswith("%s %s: gave up after 1 attempt(s)" % (method, PATH))
    assert exc.value.outcome_unknown is (method != "GET")


# (what is trickled, method, retries): the status line and headers of a server that sends a byte every 50 ms (the
# whole head would take over 7 minutes) must end at the call's deadline, each attempt, also on a retried GET.
TRICKLED_HEADS = [
    ("status-line", "GET", 0),
    ("headers", "GET", 0),
    ("headers", "PATCH", 0),
    ("headers", "POST", 0),
    ("status-line", "GET", 1),
    ("headers", "PATCH", 1),
]


@pytest.mark.timeout(60)
@pytest.mark.parametrize("what, method, retries", TRICKLED_HEADS)
def test_a_trickled_status_line_or_headers_end_at_the_timeout(server, what, method, retries):
    for _attempt in range(retries + 1):
        server.answer(trickle_head=what, trickle=0.05)
    sleeps = []
    client = make_client(server, sleeps, timeout=1, max_retries=retries)
    with pytest.raises(CloudflareAPIError) as exc:
        client.request(method, PATH, body=None if method == "GET" else {"notes": "x"})
    # Only idempotent calls are tried again (a POST whose answer never came may have landed: it is not retried).
    if method == "POST":
        attempts = 1
        assert str(exc.value) == "POST %s: no answer within timeout=1 s" % PATH
    else:
        attempts = retries + 1
        assert str(exc.value).startswith("%s %s: gave up after %d attempt(s)" % (method, PATH, attempts)), str(
            exc.value
        )
        assert str(exc.value).endswith("; last answer: no answer within timeout=1 s"), str(exc.value)
    assert exc.value.outcome_unknown is (method != "GET") and len(sleeps) == attempts - 1
    assert len(server.calls) == attempts
    # each attempt was cut long before the server had sent its whole head
    wait_for_trickled(server, attempts)
    assert_no_secret(texts_of(exc.value), TOKEN)


def test_the_deadline_covers_the_fleet_s_worker_threads_each_on_its_own(server):
    # Several threads share one client (as the fleet's workers do): each call's deadline cuts its own connection only.
    client = make_client(server, timeout=1)
    for _attempt in range(3):
        server.answer(trickle_head="headers", trickle=0.05)
    outcomes = []

    def call():
        try:
            outcomes.append(client.get(PATH + "/slow"))
        except CloudflareAPIError as error:
            outcomes.append(str(error))

    threads = [threading.Thread(target=call) for _thread in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not any(thread.is_alive() for thread in threads)
    assert (
        sorted(outcomes)
        == [
            "GET %s/slow: gave up after 1 attempt(s) and 0.0 s of waiting (max_retries=0, "
            "max_retry_wait=60 s); last answer: no answer within timeout=1 s" % PATH
        ]
        * 3
    )
    assert client.get(PATH) == []  # an answer in time after the cut ones: the pool is sound


# --- unknown outcomes ------------------------------------------------------------------------------

# (method, status, retried (idempotent and transient), outcome unknown)
SERVER_ERRORS = [
    ("POST", 500, False, True),
    ("POST", 502, False, True),
    ("POST", 503, False, True),
    ("POST", 504, False, True),
    ("PUT", 500, False, True),
    ("PUT", 502, True, True),
    ("PATCH", 503, True, True),
    ("DELETE", 504, True, True),
    ("PATCH", 500, False, True),
    ("DELETE", 500, False, True),
    ("GET", 500, False, False),
    ("GET", 503, True, False),
    ("POST", 429, True, False),
    ("PATCH", 429, True, False),
    ("POST", 400, False, False),
    ("PUT", 409, False, False),
]


@pytest.mark.parametrize("method, status, retried, unknown", SERVER_ERRORS)
def test_server_errors_after_a_write_are_unknown_outcomes(server, method, status, retried, unknown):
    for _attempt in range(2):
        server.answer(
            status=status, envelope={"success": False, "errors": [{"code": 1000, "message": "boom"}], "result": None}
        )
    with pytest.raises(CloudflareAPIError) as exc:
        make_client(server, max_retries=1).request(
            method, PATH, body=None if method in ("GET", "DELETE") else {"notes": "x"}
        )
    assert len(server.calls) == (2 if retried else 1), "a POST is never blindly repeated"
    assert (exc.value.status, exc.value.outcome_unknown) == (status, unknown)


def test_a_write_that_may_have_landed_stays_unknown_whatever_the_retry_answers(server):
    server.answer(status=502, envelope={"success": False, "errors": [], "result": None})
    server.answer(
        status=404, envelope={"success": False, "errors": [{"code": 1003, "message": "gone"}], "result": None}
    )
    with pytest.raises(CloudflareAPIError) as exc:
        make_client(server, max_retries=1).patch(PATH + "/abc", {"notes": "x"})
    assert (exc.value.status, exc.value.outcome_unknown) == (404, True)


# --- secrets echoed by the server ------------------------------------------------------------------


def test_registered_secrets_are_scrubbed_from_echoing_answers_in_every_encoding(server):
    echoes = "; ".join(sorted(encodings(MD5_KEY) | encodings(TOKEN)))
    server.answer(
        status=400,
        envelope={
            "success": False,
            "result": None,
            "errors": [
                {
                    "code": 1004,
                    "message": "bad md5_key %s" % echoes,
                    "source": {"pointer": "/bgp/md5_key=%s" % quote(MD5_KEY)},
                }
            ],
        },
    )
    client = make_client(server)
    client.add_secrets(MD5_KEY)
    with pytest.raises(CloudflareAPIError) as exc:
        client.put(PATH + "/abc", {"bgp": {"md5_key": MD5_KEY}})
    assert_no_secret(texts_of(exc.value), MD5_KEY, TOKEN)
    assert "********" in str(exc.value) and "********" in exc.value.errors[0]["message"]


def test_tls_failures_say_so(server):
    """https:// to a plain-HTTP server: the TLS handshake fails, and the message says it was TLS, naming the host."""
    client = CloudflareClient(
        ACCOUNT, api_token=TOKEN, base_url="https://127.0.0.1:%d/client/v4" % server.port, timeout=5, max_retries=0
    )
    with pytest.raises(CloudflareAPIError) as exc:
        client.get(PATH)
    assert "last answer: the TLS connection to 127.0.0.1 failed (WRONG_VERSION_NUMBER)" in str(exc.value), str(
        exc.value
    )
    assert_no_secret(texts_of(exc.value), TOKEN)


def test_refused_connections_are_known_not_sent(server):
    port = server.port
    server.stop()
    client = CloudflareClient(
        ACCOUNT,
        api_token=TOKEN,
        base_url="http://127.0.0.1:%d" % port,
        timeout=5,
        max_retries=1,
        sleep=lambda seconds: None,
    )
    with pytest.raises(CloudflareAPIError) as exc:
        client.post(PATH, {"notes": "x"})
    assert str(exc.value).endswith("; last answer: could not connect to http://127.0.0.1:%d" % port)
    # Nothing was sent, so even a POST is sent again; the outcome is known: not done.
    assert exc.value.outcome_unknown is False and client.calls == {"POST": 2, "retries": 1}
