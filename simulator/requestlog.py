# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The request log behind ``GET /__admin/requests``: what clients sent, never a credential or a secret.

An entry::

    {"seq": 1, "time": "2026-...Z", "method": "PATCH", "path": "/client/v4/accounts/.../magic/connectors/...",
     "query": {"validate_only": "true"}, "body": {...} | "raw text" | null, "status": 200 | null,
     "auth": "token" | "key" | "none", "fault": null | "rate_limit" | "error" | "drop" | "malformed" | "status"
              | "delay" | "status_after" | "drop_after" | "malformed_after" | "delay_after",
     "headers": {"user-agent": ..., "x-magic-new-hc-target": ...}}

Authorization / X-Auth-Key / X-Auth-Email values are never recorded; secret body fields (``md5_key``,
``license_key``, ...) are replaced with ``"********"``. ``status`` is null when the connection was dropped.
"""

import collections
import re
import threading

MASK = "********"
SECRET_FIELDS = frozenset(("md5_key", "license_key", "psk", "api_key", "api_token", "token", "secret", "password"))
# Headers worth seeing in tests; credentials are deliberately absent.
LOGGED_HEADERS = ("user-agent", "content-type", "x-magic-new-hc-target")
MAX_RAW_BODY = 4096
_RAW_SECRET = re.compile(r'("(?:%s)"\s*:\s*)"(?:[^"\\]|\\.)*"' % "|".join(sorted(SECRET_FIELDS)))


def mask_secrets(value):
    """A copy of a JSON value with every secret field's value replaced by the mask."""
    if isinstance(value, dict):
        return {
            key: (MASK if key in SECRET_FIELDS and value[key] is not None else mask_secrets(item))
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [mask_secrets(item) for item in value]
    return value


def mask_raw(text):
    """Best effort for bodies that are not valid JSON: mask ``"md5_key": "..."`` style pairs."""
    return _RAW_SECRET.sub(lambda match: match.group(1) + '"' + MASK + '"', text[:MAX_RAW_BODY])


class RequestLog:
    """A bounded, thread-safe list of entries (oldest dropped past ``max_entries``)."""

    def __init__(self, max_entries=10000):
        self._lock = threading.Lock()
        self._entries = collections.deque(maxlen=max_entries)
        self._seq = 0

    def record(self, entry):
        with self._lock:
            self._seq += 1
            entry = dict({"seq": self._seq}, **entry)
            self._entries.append(entry)
            return entry

    def entries(self):
        with self._lock:
            return list(self._entries)

    def clear(self):
        with self._lock:
            count = len(self._entries)
            self._entries.clear()
            return count
