# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""A scripted fake of Cloudflare at the HTTP boundary (``requests.Session.request``).

Each test scripts the exact calls it expects, in order, with their answers; a call that was not scripted
fails the test, and so does a scripted call that never came.
"""

from __future__ import annotations

import json
import re

import requests

ACCOUNT = "023e105f4ecef8ad9ca31a8372d0c353"
TOKEN = "unit-test-token-never-printed-0000000000"
# .invalid never resolves: should the fake ever be bypassed, nothing leaves the machine.
BASE_URL = "https://cloudflare.invalid/client/v4"
CONNECTION = dict(account_id=ACCOUNT, api_token=TOKEN, base_url=BASE_URL)


class Call:
    def __init__(self, method, url, params, body, headers):
        self.method = method
        self.path = url[len(BASE_URL) :] if url.startswith(BASE_URL) else url
        self.params = params or {}
        self.body = json.loads(body) if body else None
        self.raw_body = body
        self.headers = headers or {}

    def __repr__(self):
        return "%s %s %s" % (self.method, self.path, self.params or "")


class FakeCloudflare:
    def __init__(self):
        self.script = []
        self.calls = []
        self.sleeps = []

    def expect(
        self,
        method,
        path,
        result=None,
        status=200,
        errors=None,
        headers=None,
        body=None,
        raises=None,
        raw=None,
        params=None,
    ):
        """Script the next call: ``path`` is a regex matched in full below the base URL."""
        self.script.append(
            dict(
                method=method,
                path=path,
                result=result,
                status=status,
                errors=errors,
                headers=headers or {},
                raises=raises,
                raw=raw,
                params=params,
                body=body,
            )
        )
        return self

    def writes(self):
        return [c for c in self.calls if c.method != "GET"]

    def __call__(self, session, method, url, data=None, params=None, headers=None, timeout=None, **kwargs):
        assert timeout, "every call must have a time-out"
        call = Call(method, url, params, data, dict(session.headers, **(headers or {})))
        self.calls.append(call)
        assert self.script, "unexpected call %r" % call
        step = self.script.pop(0)
        assert (step["method"], True) == (method, bool(re.fullmatch(step["path"], call.path))), (
            "expected %s %s, got %r" % (step["method"], step["path"], call)
        )
        if step["params"] is not None:
            assert call.params == step["params"]
        if step["body"] is not None:
            assert call.body == step["body"]
        if step["raises"] is not None:
            raise step["raises"]
        response = requests.Response()
        response.status_code = step["status"]
        response.reason = "scripted"
        response.headers.update(step["headers"])
        if step["raw"] is not None:
            response._content = step["raw"].encode()
        else:
            ok = step["status"] < 400
            response._content = json.dumps(
                {
                    "success": ok,
                    "errors": step["errors"] or ([] if ok else [{"code": 1000, "message": "failed"}]),
                    "messages": [],
                    "result": step["result"] if ok else None,
                }
            ).encode()
        return response

    def assert_done(self):
        assert not self.script, "scripted calls never made: %r" % [(s["method"], s["path"]) for s in self.script]
