# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import requests
import urllib3

from ansible_collections.cloudflare.magic_transit.plugins.module_utils import _client
from ansible_collections.cloudflare.magic_transit.plugins.module_utils._answers import Shape, without_nulls
from ansible_collections.cloudflare.magic_transit.plugins.module_utils._client import CloudflareClient
from ansible_collections.cloudflare.magic_transit.plugins.module_utils._inputs import CloudflareAPIError, InvalidOption
from ansible_collections.cloudflare.magic_transit.tests.unit.fake_api import ACCOUNT, BASE_URL, TOKEN

PATH = "/accounts/%s/magic/cf_interconnects" % ACCOUNT
RATE_LIMITED = [{"code": 971, "message": "Please wait and consider throttling your request speed"}]


def refused():
    """What requests raises when nothing listens: judged by type, whatever its text says."""
    reason = urllib3.exceptions.NewConnectionError(None, "Failed to establish a new connection: [Errno 111] refused")
    return requests.exceptions.ConnectionError(urllib3.exceptions.MaxRetryError(None, "/x", reason))


def client(**kwargs):
    options = dict(account_id=ACCOUNT, api_token=TOKEN, base_url=BASE_URL)
    options.update(kwargs)
    return CloudflareClient(**options)


def test_version_matches_galaxy_yml():
    galaxy = Path(__file__).resolve().parents[4] / "galaxy.yml"
    version = re.search(r"^version:\s*(\S+)", galaxy.read_text(), re.MULTILINE).group(1)
    assert _client.COLLECTION_VERSION == version


def test_get_unwraps_envelope_and_sends_identity(api):
    api.expect("GET", PATH, result={"interconnects": []})
    assert client().get(PATH) == {"interconnects": []}
    call = api.calls[0]
    assert call.headers["Authorization"] == "Bearer " + TOKEN
    assert call.headers["User-Agent"].startswith(
        "cloudflare.magic_transit/%s (ansible-core/" % _client.COLLECTION_VERSION
    )


def test_legacy_key_auth_headers(api):
    api.expect("GET", PATH, result={})
    client(api_token=None, api_email="ops@example.com", api_key="legacy-key-0000").get(PATH)
    headers = api.calls[0].headers
    assert headers["X-Auth-Email"] == "ops@example.com" and headers["X-Auth-Key"] == "legacy-key-0000"
    assert "Authorization" not in headers


@pytest.mark.parametrize(
    "kwargs, option",
    [
        (dict(api_token=None), "api_token"),
        (dict(api_email="ops@example.com", api_key="k"), "api_token"),
        (dict(account_id="../../zones"), "account_id"),
        (dict(account_id="a" * 33), "account_id"),
        (dict(base_url="http://api.cloudflare.com/client/v4"), "base_url"),
        (dict(base_url="ftp://127.0.0.1/"), "base_url"),
        (dict(timeout=0), "timeout"),
        (dict(max_retries=-1), "max_retries"),
    ],
)
def test_bad_configuration_is_refused_naming_the_option(kwargs, option):
    with pytest.raises(InvalidOption) as exc:
        client(**kwargs)
    assert exc.value.option == option
    assert str(exc.value).startswith(option + " ")
    assert TOKEN not in str(exc.value)


@pytest.mark.parametrize("url", ["http://127.0.0.1:8787/client/v4", "http://localhost:1/client/v4", "http://[::1]:9/x"])
def test_plain_http_only_for_loopback(url):
    assert client(base_url=url).base_url == url.rstrip("/")


def test_json_null_is_never_sent(api):
    api.expect("PUT", PATH + "/abc", result={"modified": True}, body={"bgp": {"customer_asn": 64512}, "mtu": 1500})
    client().put(PATH + "/abc", {"mtu": 1500, "description": None, "bgp": {"customer_asn": 64512, "md5_key": None}})
    assert "null" not in api.calls[0].raw_body
    assert without_nulls({"a": [1, None, {"b": None}]}) == {"a": [1, {}]}


@pytest.mark.parametrize(
    "status, code, message",
    [
        (400, 1004, "mtu must be >= 576"),
        (401, 10000, "Authentication error"),
        (403, 10000, "Unauthorized to access requested resource"),
        (404, 1003, "Interconnect not found"),
    ],
)
def test_api_errors_carry_status_method_path_and_cloudflare_errors(api, status, code, message):
    errors = [{"code": code, "message": message, "source": {"pointer": "/mtu"}}]
    api.expect("PUT", PATH + "/abc", status=status, errors=errors)
    with pytest.raises(CloudflareAPIError) as exc:
        client().put(PATH + "/abc", {"mtu": 1})
    error = exc.value
    assert (error.status, error.method, error.path, error.errors) == (status, "PUT", PATH + "/abc", errors)
    assert str(error) == "PUT %s/abc: %d code %d: %s (at /mtu)" % (PATH, status, code, message)
    assert not error.retryable and len(api.calls) == 1


def test_retries_429_honouring_retry_after(api):
    api.expect("GET", PATH, status=429, errors=RATE_LIMITED, headers={"Retry-After": "3"})
    api.expect("GET", PATH, status=503, errors=[{"code": 1000, "message": "unavailable"}])
    api.expect("GET", PATH, result={"interconnects": []})
    c = client()
    assert c.get(PATH) == {"interconnects": []}
    assert api.sleeps[0] == 3.0
    assert 0.25 <= api.sleeps[1] <= 1.0  # jittered backoff after a 503 without Retry-After
    assert c.calls == {"GET": 3, "retries": 2, "rate_limited": 1}


def test_gives_up_after_max_retries_with_a_clear_message(api):
    for attempt in range(3):
        api.expect("GET", PATH, status=502, raw="<html>bad gateway %d</html>" % attempt)
    with pytest.raises(CloudflareAPIError) as exc:
        client(max_retries=2).get(PATH)
    assert "gave up after 3 attempt(s)" in str(exc.value) and "max_retries=2" in str(exc.value)
    assert exc.value.status == 502 and len(api.sleeps) == 2


def test_account_block_fails_fast_instead_of_hanging(api):
    api.expect("GET", PATH, status=429, errors=RATE_LIMITED, headers={"Retry-After": "287"})
    with pytest.raises(CloudflareAPIError) as exc:
        client(max_retry_wait=60).get(PATH)
    assert api.sleeps == []
    assert "blocks this account's API for another 287 s" in str(exc.value)
    assert exc.value.retry_after == 287


def test_total_wait_is_bounded(api):
    api.expect("GET", PATH, status=429, errors=RATE_LIMITED, headers={"Retry-After": "4"})
    api.expect("GET", PATH, status=429, errors=RATE_LIMITED, headers={"Retry-After": "4"})
    with pytest.raises(CloudflareAPIError):
        client(max_retry_wait=6).get(PATH)
    assert api.sleeps == [4.0]


def test_connection_errors_are_retried_for_reads(api):
    api.expect("GET", PATH, raises=requests.exceptions.ConnectionError("RemoteDisconnected"))
    api.expect("GET", PATH, raises=requests.exceptions.ReadTimeout("read timed out"))
    api.expect("GET", PATH, result={"interconnects": []})
    assert client().get(PATH) == {"interconnects": []}
    assert len(api.sleeps) == 2


def test_post_is_not_blindly_retried_when_it_may_have_landed(api):
    api.expect("POST", PATH, raises=requests.exceptions.ConnectionError("RemoteDisconnected"))
    with pytest.raises(CloudflareAPIError) as exc:
        client().post(PATH, {"notes": "x"})
    assert exc.value.outcome_unknown and not exc.value.retryable
    assert len(api.calls) == 1 and api.sleeps == []


def test_post_is_retried_after_429_and_refused_connections(api):
    api.expect("POST", PATH, status=429, errors=RATE_LIMITED)
    api.expect("POST", PATH, raises=refused())
    api.expect("POST", PATH, result={"id": "new"})
    assert client().post(PATH, {"notes": "x"}) == {"id": "new"}


def test_post_is_not_retried_after_502(api):
    api.expect("POST", PATH, status=502, errors=[{"code": 1000, "message": "bad gateway"}])
    with pytest.raises(CloudflareAPIError):
        client().post(PATH, {"notes": "x"})


def test_unreadable_answer_to_a_write_marks_outcome_unknown(api):
    api.expect("PATCH", PATH + "/abc", raw="{not json")
    with pytest.raises(CloudflareAPIError) as exc:
        client().patch(PATH + "/abc", {"notes": "x"})
    assert exc.value.outcome_unknown and "unreadable answer" in str(exc.value)


def test_unreadable_answer_to_a_read_is_retried(api):
    api.expect("GET", PATH, raw="{not json")
    api.expect("GET", PATH, result={"interconnects": []})
    assert client().get(PATH) == {"interconnects": []}


def test_secrets_never_reach_messages(api):
    errors = [{"code": 10000, "message": "token %s is expired" % TOKEN}]
    api.expect("GET", PATH, status=401, errors=errors)
    with pytest.raises(CloudflareAPIError) as exc:
        client().get(PATH)
    assert TOKEN not in str(exc.value) and "********" in str(exc.value)
    assert TOKEN not in json.dumps(exc.value.as_dict()["status"])


def test_rate_limit_header_is_tracked(api):
    api.expect("GET", PATH, result={}, headers={"Ratelimit": '"default";r=1187;t=42'})
    c = client()
    c.get(PATH)
    assert (c.rate_limit_remaining, c.rate_limit_reset) == (1187, 42)


def test_ids_are_quoted_into_paths():
    assert client().account_path("magic", "connectors", "a/b") == "/accounts/%s/magic/connectors/a%%2Fb" % ACCOUNT


def test_empty_environment_variables_count_as_unset(api, run_module, monkeypatch):
    """AWX injects blank credential fields as empty strings: they must not clash with the token."""
    from ansible_collections.cloudflare.magic_transit.plugins.modules import cf_interconnect_info

    monkeypatch.setenv("CLOUDFLARE_EMAIL", "")
    monkeypatch.setenv("CLOUDFLARE_API_KEY", "")
    monkeypatch.setenv("CLOUDFLARE_API_TOKEN", TOKEN)
    api.expect("GET", PATH, result={"interconnects": []})
    result = run_module(cf_interconnect_info, api_token=None)
    assert result["cf_interconnects"] == [] and api.calls[0].headers["Authorization"] == "Bearer " + TOKEN


# --- the client boundary --------------------------------------------------------------------------


def _adapter_sends(monkeypatch):
    """Capture what requests hands its transport (after it merged the environment's settings)."""
    sent = []

    def send(adapter, request, **kwargs):
        sent.append(dict(kwargs, url=request.url, headers=dict(request.headers)))
        response = requests.Response()
        response.status_code, response.url = 200, request.url
        response._content = json.dumps({"success": True, "errors": [], "result": {}}).encode()  # pylint: disable=protected-access
        return response

    monkeypatch.setattr(requests.adapters.HTTPAdapter, "send", send)
    return sent


@pytest.mark.parametrize("variable", ["REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"])
def test_validate_certs_false_is_not_overridden_by_a_ca_bundle_variable(monkeypatch, variable):
    monkeypatch.setenv(variable, "/etc/ssl/certs/ca-certificates.crt")
    sent = _adapter_sends(monkeypatch)
    insecure = client(validate_certs=False)
    insecure.get(PATH)
    client().get(PATH)
    assert [s["verify"] for s in sent] == [False, "/etc/ssl/certs/ca-certificates.crt"]
    assert [s["allow_redirects"] if "allow_redirects" in s else False for s in sent] == [False, False]
    assert insecure.warnings == [
        "validate_certs=false: the TLS certificate of %s is not verified, so anyone on the path "
        "can read the credentials and answer in Cloudflare's name" % BASE_URL
    ]
    assert client().warnings == []


def test_turning_verification_off_warns_in_the_module_result(api, run_module):
    from ansible_collections.cloudflare.magic_transit.plugins.modules import cf_interconnect_info

    api.expect("GET", PATH, result={"interconnects": []})
    result = run_module(cf_interconnect_info, validate_certs=False)
    assert "validate_certs=false: the TLS certificate of %s is not verified" % BASE_URL in repr(result["warnings"])


def _wrapped(reason):
    return urllib3.exceptions.MaxRetryError(None, "/x", reason)


def test_dns_failures_are_reported_as_dns(api):
    import socket

    reason = urllib3.exceptions.NameResolutionError(
        "cloudflare.invalid", None, socket.gaierror(-2, "Name or service not known")
    )
    api.expect("POST", PATH, raises=requests.exceptions.ConnectionError(_wrapped(reason)))
    with pytest.raises(CloudflareAPIError) as exc:
        client(max_retries=0).post(PATH, {"notes": "x"})
    assert str(exc.value).endswith("last answer: could not resolve the host name cloudflare.invalid (DNS)")
    assert exc.value.outcome_unknown is False


def test_certificate_failures_are_reported_as_tls_and_not_retried(api):
    import ssl

    reason = ssl.SSLCertVerificationError(1, "[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed")
    reason.verify_message = "self-signed certificate"
    api.expect("GET", PATH, raises=requests.exceptions.SSLError(_wrapped(urllib3.exceptions.SSLError(reason))))
    with pytest.raises(CloudflareAPIError) as exc:
        client().get(PATH)
    assert str(exc.value) == (
        "GET %s: the TLS certificate of cloudflare.invalid was refused (self-signed certificate); "
        "nothing was sent" % PATH
    )
    assert not exc.value.retryable and not exc.value.outcome_unknown and api.sleeps == []


@pytest.mark.parametrize(
    "raised",
    [
        requests.exceptions.InvalidHeader(
            "Invalid leading whitespace, reserved character(s), or return character(s) in "
            "header value: 'Bearer %s\\n'" % TOKEN
        ),
        UnicodeEncodeError("latin-1", "Bearer %s\u2028" % TOKEN, 47, 48, "ordinal not in range(256)"),
        ValueError("Invalid header value b'Bearer %s\\r\\n'" % TOKEN),
        requests.exceptions.ChunkedEncodingError("Connection broken: IncompleteRead(%s)" % TOKEN),
        RuntimeError("anything else, quoting %s" % TOKEN),
    ],
)
def test_no_exception_text_of_the_http_stack_reaches_a_message(api, raised):
    api.expect("PATCH", PATH, raises=raised)
    with pytest.raises(CloudflareAPIError) as exc:
        client(max_retries=0).patch(PATH, {"notes": "x"})
    chain, error = [], exc.value
    while error is not None:  # what a traceback would print: every exception linked to the one raised
        chain.append(error)
        error = error.__cause__ or (None if error.__suppress_context__ else error.__context__)
    assert all(isinstance(e, CloudflareAPIError) for e in chain), chain
    assert not any(TOKEN in str(e) or TOKEN in repr(e) for e in chain)


def test_a_request_that_could_not_be_built_was_not_sent(api):
    api.expect("POST", PATH, raises=requests.exceptions.InvalidHeader("header value 'x\\n'"))
    with pytest.raises(CloudflareAPIError) as exc:
        client().post(PATH, {"notes": "x"})
    assert "the request could not be built (InvalidHeader" in str(exc.value)
    assert not exc.value.retryable and not exc.value.outcome_unknown


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_server_errors_after_a_post_are_unknown_outcomes_never_retried(api, status):
    api.expect("POST", PATH, status=status)
    with pytest.raises(CloudflareAPIError) as exc:
        client().post(PATH, {"notes": "x"})
    assert exc.value.outcome_unknown and len(api.calls) == 1 and api.sleeps == []


def test_a_429_is_known_not_processed(api):
    api.expect("POST", PATH, status=429, errors=RATE_LIMITED, headers={"Retry-After": "600"})
    with pytest.raises(CloudflareAPIError) as exc:
        client().post(PATH, {"notes": "x"})
    assert not exc.value.outcome_unknown


def test_a_required_shape_unwraps_its_key(api):
    api.expect("GET", PATH, result={"interconnects": [{"id": "a"}]})
    assert client().get(PATH, shape=Shape(list, "interconnects")) == [{"id": "a"}]
    with pytest.raises(CloudflareAPIError) as exc:
        client().check_shape({"modified": True}, Shape(dict, "modified_interconnect"), "PUT", PATH)
    assert str(exc.value) == (
        "PUT %s: HTTP 2xx answer of the wrong shape: result has no key 'modified_interconnect' (keys: modified)" % PATH
    )
    assert exc.value.outcome_unknown and not exc.value.retryable


def test_md5_keys_given_to_a_module_are_scrubbed_from_echoed_errors(api, run_module):
    from ansible_collections.cloudflare.magic_transit.plugins.modules import cf_interconnect

    md5 = 'k"ey/with spaces&+'
    interconnect = {
        "id": "3d8f178ccc144d6089165dca06f11d1d",
        "name": "lhr",
        "mtu": 1476,
        "bgp": {"customer_asn": 64512},
    }
    api.expect("GET", PATH, result={"interconnects": [interconnect]})
    echo = "md5_key %s / %s / %s" % (md5, json.dumps(md5), requests.utils.quote(md5, safe=""))
    api.expect("PUT", PATH + "/" + interconnect["id"], status=400, errors=[{"code": 1004, "message": echo}])
    result = run_module(cf_interconnect, name="lhr", bgp={"md5_key": md5})
    text = json.dumps(result)
    assert result["failed"] and "********" in result["msg"]
    for form in (md5, json.dumps(md5)[1:-1], requests.utils.quote(md5, safe="")):
        assert form not in text and form not in result["msg"]


def test_the_rate_budget_is_a_consistent_snapshot_across_threads(api):
    import threading

    c = client()
    for remaining in range(20, 0, -1):
        api.expect("GET", PATH, result={}, headers={"Ratelimit": '"default";r=%d;t=%d' % (remaining, remaining * 10)})
    assert c.rate_budget()[:4] == (None, None, None, 0)
    threads = [threading.Thread(target=lambda: [c.get(PATH), c.get(PATH)]) for thread in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    budget = c.rate_budget()
    assert budget.reset == budget.remaining * 10 and budget.seen_at is not None and budget.calls_since == 0
    assert (c.rate_limit_remaining, c.rate_limit_reset) == (budget.remaining, budget.reset)


def test_a_429_says_the_budget_is_spent(api):
    api.expect("GET", PATH, result={}, headers={"Ratelimit": '"default";r=17;t=40'})
    api.expect("GET", PATH, status=429, errors=RATE_LIMITED, headers={"Retry-After": "287"})
    c = client()
    c.get(PATH)
    assert c.rate_budget()[:2] == (17, 40)
    with pytest.raises(CloudflareAPIError):
        c.get(PATH)
    assert c.rate_budget()[:2] == (0, 287)


def test_calls_after_the_last_budget_answer_are_counted(api):
    api.expect("GET", PATH, result={}, headers={"Ratelimit": '"default";r=17;t=40'})
    api.expect("GET", PATH, result={})
    api.expect("PATCH", PATH, result={})
    c = client()
    for method in ("GET", "GET", "PATCH"):
        c.request(method, PATH, body={} if method == "PATCH" else None)
    assert c.rate_budget().calls_since == 2 and c.rate_budget().remaining == 17


@pytest.mark.parametrize(
    "errors",
    [
        [{"code": 1, "message": "m", "source": "not an object"}],
        [{"code": 1, "message": "m", "source": None}, "a string", 3],
    ],
)
def test_odd_error_objects_still_give_a_clear_message(api, errors):
    api.expect("GET", PATH, status=400, errors=errors)
    with pytest.raises(CloudflareAPIError) as exc:
        client().get(PATH)
    assert str(exc.value) == "GET %s: 400 code 1: m" % PATH


def test_a_recovered_429_is_no_count_of_what_others_spent(api):
    # A short 429 (Retry-After 1 s) with its Ratelimit header, then the retry's answer: 1196 of 1200 left. The 429's
    # "nothing left for 1 s" must not read as "1200 spent over the last 299 s by others" (which paused a fleet for
    # the whole window with 1196 requests left).
    now = [1000.0]

    def sleep(seconds):
        now[0] += seconds

    api.expect(
        "GET", PATH, status=429, errors=RATE_LIMITED, headers={"Retry-After": "1", "Ratelimit": '"default";r=0;t=298'}
    )
    api.expect(
        "GET",
        PATH,
        result={},
        headers={"Ratelimit": '"default";r=1196;t=297', "Ratelimit-Policy": '"default";q=1200;w=300'},
    )
    c = client(sleep=sleep, clock=lambda: now[0], max_retry_wait=60)
    c.get(PATH)
    budget = c.rate_budget()
    assert budget[:2] == (1196, 297)
    # 1200 - 1196 = 4 spent: the client's own answered call (the refused one counts nothing), and 3 of others
    assert (budget.others, budget.others_growth, budget.blocked_until) == (3, 0.0, None), budget


# (result_info, what the failure says, or None: the answer is the whole list)
RESULT_INFOS = [
    ({"page": 1, "per_page": 20, "count": 20, "total_count": 45, "total_pages": 3}, "page 1 of 3"),
    ({"page": 2, "total_pages": 3}, "page 2 of 3"),
    ({"count": 20, "total_count": 21}, "20 of 21 items"),
    ({"cursor": "eyJvZmZzZXQiOjIwfQ", "per_page": 20, "count": 20}, "a cursor to the next page"),
    ({"cursors": {"after": "c2", "before": ""}, "count": 2}, "a cursor to the next page"),
    ({"page": 1, "per_page": 20, "count": 3, "total_count": 3, "total_pages": 1}, None),
    ({"page": 3, "total_pages": 3, "count": 5, "total_count": 45}, "5 of 45 items"),  # the last page is not the list
    ({"cursor": "", "count": 3}, None),
    ({"cursors": {"after": None}}, None),
    ({"page": "1", "total_pages": "3"}, None),  # not numbers: says nothing
    ({"page": True, "total_pages": 3}, None),
    ("not an object", None),
    (None, None),
]


@pytest.mark.parametrize("result_info, partial", RESULT_INFOS)
def test_a_list_answer_that_says_more_pages_exist_fails_naming_the_call(api, result_info, partial):
    envelope = {"success": True, "errors": [], "messages": [], "result": [{"id": "a"}, {"id": "b"}]}
    if result_info is not None:
        envelope["result_info"] = result_info
    api.expect("GET", PATH, raw=json.dumps(envelope))
    if partial is None:
        assert client().get(PATH) == [{"id": "a"}, {"id": "b"}]
        return
    with pytest.raises(CloudflareAPIError) as exc:
        client().get(PATH)
    assert str(exc.value) == (
        "GET %s: the answer is only part of the list (result_info: %s), and this collection "
        "reads whole lists only: nothing was taken from it" % (PATH, partial)
    )
    assert not exc.value.retryable and not exc.value.outcome_unknown
    api.assert_done()  # not retried, no second page asked for
