# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""A client fake for testing resource descriptions and the fleet writer without HTTP or an AnsibleModule."""

from __future__ import annotations

import threading
from collections import Counter

from ansible_collections.cloudflare.magic_transit.plugins.module_utils._answers import shape_problem
from ansible_collections.cloudflare.magic_transit.plugins.module_utils._inputs import CloudflareAPIError
from ansible_collections.cloudflare.magic_transit.plugins.module_utils._ratelimit import RateBudget


class FakeClient:
    """Holds objects by path; ``fail`` maps an object id to the error its write raises."""

    def __init__(self, objects=(), fail=None, rate_limit_remaining=None):
        self.objects = dict((obj["id"], dict(obj)) for obj in objects)
        self.fail = dict(fail or {})
        self.writes = []
        self.calls = Counter()
        self.rate_limit_remaining = rate_limit_remaining
        self.rate_limit_reset = 60 if rate_limit_remaining is not None else None
        self._lock = threading.Lock()

    def rate_budget(self):
        if self.rate_limit_remaining is None:
            return RateBudget(None, None, None, 0)
        # Nothing of this client's own in the window: all that is spent is others'.
        return RateBudget(
            self.rate_limit_remaining,
            self.rate_limit_reset,
            0.0,
            0,
            others=1200 - self.rate_limit_remaining,
            from_header=True,
        )

    @staticmethod
    def clock():
        return 0.0

    @staticmethod
    def sent_times(seconds):
        return []  # the budget it reports is all there is: nothing of its own counts against it

    def sent_within(self, seconds):
        return sum(self.calls.values()), (0.0 if self.calls else None)

    def sleep(self, seconds):
        raise AssertionError("this fake never waits")

    def account_path(self, *parts):
        return "/accounts/a/" + "/".join(parts)

    def get(self, path, params=None, headers=None, shape=None):
        self.calls["GET"] += 1
        object_id = path.rsplit("/", 1)[1]
        if object_id in self.objects:
            return self._shaped(dict(self.objects[object_id]), shape, "GET", path)
        if path.endswith("/widgets"):
            return self._shaped(list(self.objects.values()), shape, "GET", path)
        raise CloudflareAPIError("not found", "GET", path, 404)

    @staticmethod
    def _shaped(result, shape, method, path):
        """What the real client's ``check_shape`` does (the fake's objects are never wrapped)."""
        if shape is not None and shape_problem(result, shape._replace(key=None)):
            raise CloudflareAPIError("wrong shape", method, path, outcome_unknown=method != "GET")
        return result

    def request(self, method, path, body=None, params=None, headers=None, shape=None):
        object_id = path.rsplit("/", 1)[1]
        with self._lock:
            self.calls[method] += 1
            self.writes.append((method, object_id, body))
        if object_id in self.fail:
            raise self.fail[object_id]
        self.objects[object_id].update(body)
        return self._shaped(dict(self.objects[object_id]), shape, method, path)
