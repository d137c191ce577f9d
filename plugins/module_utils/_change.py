# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The values the write path passes along (nothing here sends a request): ``Change``, one object's change from the
options to what happened; ``Step``, a write a description declares; the statuses; the failures that carry what
landed; and how a message names many objects (``at_most``)."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from typing import Callable

# A message names at most this many objects, then says how many more: short whatever the fleet size.
MAX_NAMED = 20


def at_most(items, limit=MAX_NAMED, name=str):
    """``items`` named (``name``) and joined with commas, at most ``limit`` of them, then "and N more"."""
    shown = ", ".join(name(item) for item in items[:limit])
    return shown + (" and %d more" % (len(items) - limit) if len(items) > limit else "")


class IncompleteRun(Exception):
    """A run that wrote part of what it was asked to: ``result`` says exactly what landed."""

    def __init__(self, msg, result):
        super().__init__(msg)
        self.msg = msg
        self.result = result


class AfterWriteFailed(Exception):
    """The write landed, but what had to follow it failed (a license key could not be saved): ``after`` is the object
    written, ``extra`` more keys of the result. The change counts as made, with an error, and nothing more is sent."""

    def __init__(self, msg, after, extra=None):
        super().__init__(msg)
        self.msg = msg
        self.after = after
        self.extra = extra or {}


# What a change's write is, and what happened to it.
UPDATE, CREATE, DELETE = "update", "create", "delete"
CHANGED, UNCHANGED, FAILED, NOT_SENT = "changed", "unchanged", "failed", "not_sent"
STATUSES = (CHANGED, UNCHANGED, FAILED, NOT_SENT)


@dataclass
class Step:
    """A write of a change: its main one (create, update, delete), or one a description declares after it (the
    ``steps`` hook: a re-key). ``run(change)`` sends it and returns the object after it; ``writes``: it sends a
    request of its own (a fleet admits it through the rate budget). ``planned`` (check mode) and ``done`` are the
    result's ``msg``; ``diff``, ``{field: (before, after)}``, what the diff shows of it."""

    name: str
    run: Callable
    writes: bool = True
    planned: str = ""
    done: str = ""
    diff: dict = field(default_factory=dict)


class _NoGuard:
    """How a single-object run sends: at once, nothing to hold."""

    def admit(self):
        return None

    def release(self, error, change, admitted):
        """A step ended (``error``: how it failed, or None; ``admitted``: a write ``admit`` let through)."""

    def holding(self):
        return contextlib.nullcontext()


NO_GUARD = _NoGuard()


@dataclass
class Change:
    """One object's change, the value every step of the write path completes and passes on: the options (``params``,
    a module's or one fleet entry's, named after ``where``), the object found (``current``, None: to be created), the
    ``desired`` fields, the plan (``before``, ``changes``, ``body``, ``action``, ``forced``, declared ``steps``), and
    what happened (``after``, ``status``, ``error``, ``sent``, ``warnings``, ``messages``, ``outcome_unknown``).
    ``facts`` holds what hooks learn during the run (the list a connector was found in); ``extra`` more keys of the
    result; ``reread`` finds a created object again after a lost answer; ``name`` names it for people."""

    index: int
    current: dict | None
    desired: dict
    before: dict | None = None
    changes: dict = field(default_factory=dict)
    body: dict = field(default_factory=dict)
    action: str = UPDATE
    params: dict = field(default_factory=dict)
    where: str = ""
    forced: dict = field(default_factory=dict)
    steps: list = field(default_factory=list)
    after: dict | None = None
    status: str | None = None
    error: str | None = None
    sent: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    messages: list = field(default_factory=list)
    facts: dict = field(default_factory=dict)
    extra: dict = field(default_factory=dict)
    name: str | None = None
    reread: Callable | None = None
    outcome_unknown: bool = False
    guard: object = NO_GUARD
    #: the description that writes this change, when it is not the writer's own (a fleet of several kinds: a site's
    #: LANs, WANs and ACLs, each bound to its site)
    resource: object = None

    def __post_init__(self):
        if self.after is None:
            self.after = self.current
        if self.status is None:
            self.status = CHANGED if self.changes or self.action != UPDATE else UNCHANGED

    def warn(self, text):
        if text:
            self.warnings.append(text)
