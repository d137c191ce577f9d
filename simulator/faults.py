# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fault injection: latency, Cloudflare's account-wide rate limit, random failures and one-shot rules.

The configuration document (``GET``/``PUT /__admin/faults``)::

    {"latency_ms": 0, "rate_limit": null | {"requests": N, "window": W, "mode": "sliding" | "fixed"},
     "other_consumer": null | {"requests": N, "window": W, "mode": "steady" | "burst"}, "rate_limit_headers": true,
     "error_rate": 0.0, "drop_rate": 0.0, "malformed_rate": 0.0, "random_seed": null | int, "rules": [Rule, ...]}

``other_consumer`` is another client spending the same budget (the dashboard, another tool): ``steady`` (the default),
N calls per W seconds, evenly spread, on every account that is called, as if it had been running for a window
already; ``burst``, N calls at once just before the account's first call, and no more (W is then unused). Its calls
count like any other; one past the limit blocks the account like any other. ``rate_limit_headers: false`` leaves the
``Ratelimit`` headers out of every answer.

A rule::

    {"match": {"method": "PATCH", "path": "<regex searched in the path>"}, "times": 1,
     "action": "status" | "drop" | "malformed" | "delay" | "shape", "status": 503, "retry_after": 1, "delay_s": 3,
     "shape": "null" | "empty_object" | "empty_list" | "list" | "object" | "unwrap" | "wrap" | "not_json",
     "key": "<wrapping key for wrap>", "when": "before" | "after",
     "until": {"method": "GET", "path": "<regex>", "count": 2}}

A ``delay`` rule with ``until`` is a barrier: it holds the call until the request log holds ``count`` answered calls
matching ``until`` (or ``delay_s`` has passed, its bound). Tests that race two clients use it instead of a fixed
delay, so that the race does not depend on how fast a busy machine starts them.

A ``shape`` rule answers 200 with a result of the wrong shape, built from the answer of the processed call:
it only exists ``after`` (its default).
"""

import collections
import copy
import math
import random
import re
import threading
import time

ACTIONS = ("status", "drop", "malformed", "delay", "shape")
SHAPES = ("null", "empty_object", "empty_list", "list", "object", "unwrap", "wrap", "not_json")
WHEN = ("before", "after")
ERROR_STATUSES = (500, 502, 503, 504)
# Cloudflare's published policy, used for the Ratelimit headers when no limit is enforced.
NOMINAL_LIMIT = (1200, 300)
CONFIG_KEYS = (
    "latency_ms",
    "rate_limit",
    "other_consumer",
    "rate_limit_headers",
    "error_rate",
    "drop_rate",
    "malformed_rate",
    "random_seed",
    "rules",
)
RATE_MODES = ("sliding", "fixed")
OTHER_MODES = ("steady", "burst")
RULE_KEYS = ("match", "times", "action", "status", "retry_after", "delay_s", "when", "shape", "key", "until")


class FaultConfigError(ValueError):
    """An invalid fault configuration (answered 400 by the admin API, fatal on the command line)."""


def _number(config, key, low, high=None, integer=False):
    value = config.get(key, 0)
    kind = int if integer else (int, float)
    if isinstance(value, bool) or not isinstance(value, kind) or value < low or (high is not None and value > high):
        bounds = "between %s and %s" % (low, high) if high is not None else ">= %s" % low
        raise FaultConfigError("%s must be a%s number %s" % (key, "n integer" if integer else "", bounds))
    return value


def parse_rate_limit(text):
    """``"N/W"`` (N requests per W seconds) -> ``{"requests": N, "window": W}``."""
    match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*s?\s*", text or "")
    if not match or int(match.group(1)) < 1 or int(match.group(2)) < 1:
        raise FaultConfigError("rate limit must look like N/W (N requests per W seconds, both >= 1), got %r" % text)
    return {"requests": int(match.group(1)), "window": int(match.group(2))}


def _rule(raw, index):
    if not isinstance(raw, dict):
        raise FaultConfigError("rules[%d] must be an object" % index)
    unknown = sorted(set(raw) - set(RULE_KEYS))
    if unknown:
        raise FaultConfigError("rules[%d]: unknown keys %s" % (index, ", ".join(unknown)))
    match = raw.get("match") or {}
    if not isinstance(match, dict) or set(match) - {"method", "path"}:
        raise FaultConfigError("rules[%d].match must be an object with method and/or path" % index)
    path = match.get("path")
    if path is not None:
        try:
            re.compile(path)
        except (re.error, TypeError) as exc:
            raise FaultConfigError("rules[%d].match.path is not a valid regex: %s" % (index, exc)) from exc
    action = raw.get("action", "status")
    rule = {
        "match": {"method": match["method"].upper() if match.get("method") else None, "path": path},
        "times": _number(raw, "times", 1, integer=True) if "times" in raw else 1,
        "action": action,
        "when": raw.get("when", "after" if action == "shape" else "before"),
        "status": _number(raw, "status", 100, 599, integer=True) if "status" in raw else 503,
        "retry_after": _number(raw, "retry_after", 0, integer=True) if raw.get("retry_after") is not None else None,
        "delay_s": _number(raw, "delay_s", 0, 600) if "delay_s" in raw else 0,
    }
    if rule["action"] not in ACTIONS:
        raise FaultConfigError("rules[%d].action must be one of %s" % (index, ", ".join(ACTIONS)))
    if rule["when"] not in WHEN:
        raise FaultConfigError("rules[%d].when must be one of %s" % (index, ", ".join(WHEN)))
    if action == "shape":
        rule["shape"], rule["key"] = raw.get("shape"), raw.get("key")
        if rule["shape"] not in SHAPES:
            raise FaultConfigError("rules[%d].shape must be one of %s" % (index, ", ".join(SHAPES)))
        if rule["when"] != "after":
            raise FaultConfigError(
                "rules[%d]: a shape fault distorts the answer of the processed call, so its when is after" % index
            )
        if (rule["shape"] == "wrap") != isinstance(rule["key"], str):
            raise FaultConfigError("rules[%d].key (a string) is required with shape wrap, and only there" % index)
    elif "shape" in raw or "key" in raw:
        raise FaultConfigError("rules[%d]: shape and key belong to action shape" % index)
    if "until" in raw:
        rule["until"] = _until(raw["until"], index, action)
    return rule


def _until(raw, index, action):
    if action != "delay":
        raise FaultConfigError("rules[%d].until belongs to action delay" % index)
    if not isinstance(raw, dict) or set(raw) - {"method", "path", "count"}:
        raise FaultConfigError("rules[%d].until must be an object with method, path and count" % index)
    try:
        re.compile(raw.get("path") or "")
    except (re.error, TypeError) as exc:
        raise FaultConfigError("rules[%d].until.path is not a valid regex: %s" % (index, exc)) from exc
    return {
        "method": raw["method"].upper() if raw.get("method") else None,
        "path": raw.get("path"),
        "count": _number(raw, "count", 1, integer=True) if "count" in raw else 1,
    }


def until_reached(until, entries):
    """Whether the request log's ``entries`` hold ``until["count"]`` answered calls that ``until`` matches."""
    seen = sum(
        1
        for entry in entries
        if (until["method"] is None or entry["method"] == until["method"])
        and (until["path"] is None or re.search(until["path"], entry["path"]))
    )
    return seen >= until["count"]


def normalise_config(raw):
    """Validate a fault configuration; missing keys take their neutral value (no fault)."""
    if not isinstance(raw, dict):
        raise FaultConfigError("the fault configuration must be an object")
    unknown = sorted(set(raw) - set(CONFIG_KEYS))
    if unknown:
        raise FaultConfigError("unknown fault settings: %s" % ", ".join(unknown))
    config = {
        "latency_ms": _number(raw, "latency_ms", 0, 600000),
        "rate_limit": None,
        "other_consumer": None,
        "rate_limit_headers": raw.get("rate_limit_headers", True),
        "error_rate": _number(raw, "error_rate", 0, 1),
        "drop_rate": _number(raw, "drop_rate", 0, 1),
        "malformed_rate": _number(raw, "malformed_rate", 0, 1),
        "random_seed": raw.get("random_seed"),
        "rules": [_rule(rule, index) for index, rule in enumerate(raw.get("rules") or [])],
    }
    if config["error_rate"] + config["drop_rate"] + config["malformed_rate"] > 1:
        raise FaultConfigError("error_rate + drop_rate + malformed_rate must not exceed 1")
    if config["random_seed"] is not None and (
        isinstance(config["random_seed"], bool) or not isinstance(config["random_seed"], int)
    ):
        raise FaultConfigError("random_seed must be an integer")
    if not isinstance(config["rate_limit_headers"], bool):
        raise FaultConfigError("rate_limit_headers must be true or false")
    limit = raw.get("rate_limit")
    if isinstance(limit, str):
        limit = parse_rate_limit(limit)
    if limit is not None:
        if not isinstance(limit, dict) or not {"requests", "window"} <= set(limit) <= {"requests", "window", "mode"}:
            raise FaultConfigError('rate_limit must be {"requests": N, "window": W[, "mode": sliding|fixed]} or "N/W"')
        if limit.get("mode", "sliding") not in RATE_MODES:
            raise FaultConfigError("rate_limit.mode must be one of %s" % ", ".join(RATE_MODES))
        config["rate_limit"] = {
            "requests": _number(limit, "requests", 1, integer=True),
            "window": _number(limit, "window", 1, integer=True),
            "mode": limit.get("mode", "sliding"),
        }
    other = raw.get("other_consumer")
    if isinstance(other, str):
        other = parse_rate_limit(other)
    if other is not None:
        if not isinstance(other, dict) or not {"requests", "window"} <= set(other) <= {"requests", "window", "mode"}:
            raise FaultConfigError(
                'other_consumer must be {"requests": N, "window": W[, "mode": steady|burst]} or "N/W"'
            )
        if other.get("mode", "steady") not in OTHER_MODES:
            raise FaultConfigError("other_consumer.mode must be one of %s" % ", ".join(OTHER_MODES))
        config["other_consumer"] = {
            "requests": _number(other, "requests", 1, integer=True),
            "window": _number(other, "window", 1, integer=True),
            "mode": other.get("mode", "steady"),
        }
    return config


class RateDecision:
    """Outcome of one rate-limit check and the values for the ``Ratelimit`` headers."""

    def __init__(self, blocked, limit, window, remaining, reset, retry_after=None, headers=True):
        self.send_headers = headers
        self.blocked = blocked
        self.limit = limit
        self.window = window
        self.remaining = remaining
        self.reset = reset
        self.retry_after = retry_after

    def headers(self):
        if not self.send_headers:
            return {}
        return {
            "Ratelimit": '"default";r=%d;t=%d' % (self.remaining, self.reset),
            "Ratelimit-Policy": '"burst";q=%d;w=%d' % (self.limit, self.window),
        }


class Faults:
    """The current fault configuration, the rate-limit counters and the random generator, behind one lock."""

    def __init__(self, defaults=None, clock=time.monotonic):
        self._lock = threading.Lock()
        self._clock = clock
        self._defaults = normalise_config(defaults or {})
        self._config = None
        self._random = None
        self._windows = {}
        self.configure(self._defaults)

    def configure(self, raw):
        """Replace the configuration (raises FaultConfigError); clears the rate-limit counters."""
        config = normalise_config(raw)
        with self._lock:
            self._config = config
            self._random = random.Random(config["random_seed"])
            self._windows = {}

    def reset(self):
        self.configure(self._defaults)

    def snapshot(self):
        with self._lock:
            return copy.deepcopy(self._config)

    @property
    def latency_s(self):
        return self._config["latency_ms"] / 1000.0

    def check_rate_limit(self, key):
        """Count one request of ``key`` (an account); refuse it when over the limit or inside a block.

        More than ``requests`` calls within ``window`` seconds blocks every call of the key for ``window``
        seconds from then on. ``sliding`` (the default) counts the calls of the last ``window`` seconds, and the
        reset announced is when the oldest of them leaves; ``fixed`` counts from the start of the current window
        (windows follow each other from the key's first call), and the reset is the window's end. Refused calls
        are not counted. The other consumer's calls, if configured, are counted first, up to now. Without a
        configured limit nothing is refused and the headers report the nominal Cloudflare policy.
        """
        now = self._clock()
        with self._lock:
            limit = self._config["rate_limit"]
            requests, window = (limit["requests"], limit["window"]) if limit else NOMINAL_LIMIT
            headers = self._config["rate_limit_headers"]
            state = self._windows.get(key)
            if state is None:
                state = self._windows[key] = {
                    "times": collections.deque(),
                    "blocked_until": 0.0,
                    "start": now,
                    "other_next": None,
                    "other_refused": 0,
                }
            other = self._config["other_consumer"]
            if other and other["mode"] == "burst":
                if state["other_next"] is None:
                    # just before the first call: a millisecond earlier, so that it is the window's oldest
                    state["other_next"] = now - 0.001
                    state["start"] = min(state["start"], state["other_next"])
                    for _call in range(other["requests"]):
                        if self._count(state, state["other_next"], limit, requests, window) is not None:
                            state["other_refused"] += 1
            elif other:
                step = float(other["window"]) / other["requests"]
                if state["other_next"] is None:
                    state["other_next"] = now - other["window"] + step
                    state["start"] = min(state["start"], state["other_next"])
                while state["other_next"] <= now:
                    if self._count(state, state["other_next"], limit, requests, window) is not None:
                        state["other_refused"] += 1
                    state["other_next"] += step
            refused = self._count(state, now, limit, requests, window)
            if refused is not None:
                return RateDecision(True, requests, window, 0, refused, refused, headers)
            times = state["times"]
            if limit and limit["mode"] == "fixed":
                reset = max(1, math.ceil(state["start"] + window - now))
            else:
                reset = max(1, math.ceil(times[0] + window - now))
            return RateDecision(False, requests, window, max(0, requests - len(times)), reset, headers=headers)

    @staticmethod
    def _count(state, at, limit, requests, window):
        """Count a call at ``at``; None, or the retry-after of a refusal (which counts nothing)."""
        times = state["times"]
        if limit and state["blocked_until"] > at:
            return max(1, math.ceil(state["blocked_until"] - at))
        if limit and limit["mode"] == "fixed":
            if at >= state["start"] + window:
                state["start"] += math.floor((at - state["start"]) / window) * window
                times.clear()
        else:
            while times and times[0] <= at - window:
                times.popleft()
        if limit and len(times) >= requests:
            state["blocked_until"] = at + window
            return window
        times.append(at)
        return None

    def rate_state(self):
        """Per key: calls counted in the window, the block's end (monotonic, 0: none), the other consumer's refusals."""
        with self._lock:
            return dict(
                (
                    key,
                    {
                        "counted": len(state["times"]),
                        "blocked": state["blocked_until"] > self._clock(),
                        "other_refused": state["other_refused"],
                    },
                )
                for key, state in self._windows.items()
            )

    def take_rule(self, method, path, when):
        """The first pending rule matching the call for phase ``when``, consuming one of its ``times``."""
        with self._lock:
            for rule in self._config["rules"]:
                match = rule["match"]
                if rule["when"] != when or (match["method"] and match["method"] != method):
                    continue
                if match["path"] and not re.search(match["path"], path):
                    continue
                rule["times"] -= 1
                if rule["times"] <= 0:
                    self._config["rules"].remove(rule)
                return dict(rule)
        return None

    def roll(self):
        """Random fault for this call: None, ``("drop",)``, ``("malformed",)`` or ``("error", status)``."""
        with self._lock:
            config = self._config
            if not config["drop_rate"] and not config["error_rate"] and not config["malformed_rate"]:
                return None
            draw = self._random.random()
            if draw < config["drop_rate"]:
                return ("drop",)
            draw -= config["drop_rate"]
            if draw < config["error_rate"]:
                return ("error", self._random.choice(ERROR_STATUSES))
            draw -= config["error_rate"]
            if draw < config["malformed_rate"]:
                return ("malformed",)
            return None
