# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The source file, a fake client and a fake clock for the tests of the events source."""

import copy
import datetime
import importlib.util
from pathlib import Path

from ansible_collections.cloudflare.magic_transit.plugins.module_utils._inputs import CloudflareAPIError

COLLECTION = Path(__file__).resolve().parents[2]
SOURCE_FILE = COLLECTION / "extensions" / "eda" / "plugins" / "event_source" / "connector_events.py"
ACCOUNT = "023e105f4ecef8ad9ca31a8372d0c353"
UTC = datetime.timezone.utc


def load_source():
    """The source file loaded by its path, as ansible-rulebook loads it (runpy), not as a package."""
    spec = importlib.util.spec_from_file_location("connector_events", SOURCE_FILE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class FakeClient:
    """Answers the list calls from ``connectors``, ``sites`` and ``interrupts``; ``faults`` are raised first, one
    per call, for the calls whose path ends with their key; every path asked is in ``calls``."""

    def __init__(self, connectors=(), sites=()):
        self.connectors = [copy.deepcopy(c) for c in connectors]
        self.sites = [copy.deepcopy(s) for s in sites]
        self.interrupts = {}
        self.faults = []  # (path suffix, CloudflareAPIError)
        self.calls = []
        self.warnings = []

    def account_path(self, *parts):
        return "/accounts/%s/%s" % (ACCOUNT, "/".join(parts))

    @staticmethod
    def redact(text):
        return text

    def get(self, path, params=None, headers=None, shape=None):
        self.calls.append(path)
        for index, (suffix, error) in enumerate(self.faults):
            if path.endswith(suffix):
                del self.faults[index]
                raise error
        if path.endswith("/magic/connectors"):
            return copy.deepcopy(self.connectors)
        if path.endswith("/magic/sites"):
            return copy.deepcopy(self.sites)
        if path.endswith("/interrupts"):
            return copy.deepcopy(self.interrupts.get(path.split("/")[-2], []))
        raise AssertionError("unexpected call %s" % path)

    def count(self, suffix):
        return sum(1 for path in self.calls if path.endswith(suffix))

    def connector(self, connector_id):
        return next(c for c in self.connectors if c["id"] == connector_id)


class Stop(Exception):
    """Raised by the fake clock's sleep to end a run loop after the planned waits."""


class FakeClock:
    def __init__(self, start, stop_after=None):
        self.current = start
        self.waits = []
        self.stop_after = stop_after

    def now(self):
        return self.current

    def advance(self, seconds):
        self.current += datetime.timedelta(seconds=seconds)

    async def sleep(self, seconds):
        self.waits.append(seconds)
        self.advance(seconds)
        if self.stop_after is not None and len(self.waits) >= self.stop_after:
            raise Stop()


def api_error(status, retry_after=None, message="injected"):
    return CloudflareAPIError(
        message,
        method="GET",
        path="/x",
        status=status,
        retry_after=retry_after,
        retryable=status in (429, 502, 503, 504, None),
    )
