# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""A server that processed the write but answered an error, and a server whose answers have the wrong shape.

Two tables, run as one batch with the machinery of ``test_fault_matrix`` (one account per row, a few playbooks at once,
every injected fault used up, a re-run without faults converges):

* ``AFTER_PROCESSING``: a 500, 502, 503 or 504 that comes *after* Cloudflare carried out the write, on every write of
  every module and role (create, PATCH, PUT, DELETE, interrupt, fleet). Never reported as "not done": an idempotent
  write is retried and lands once, any other is an unknown outcome that a re-read settles (changed, with a warning) or
  that fails saying the outcome is unknown. Never a second connector, never a second interrupt.
* ``SHAPES``: every call (the connector and interconnect lists, a connector and an interconnect by id, the sites list,
  PATCH, PUT, POST, DELETE and a check-mode validation) answered 200 with a result of the wrong shape: ``null``, ``{}``,
  ``[]``, a list for an object, an object for a list, the wrapping key missing or wrong, or a body that is not JSON.
  A read is an error naming the call (after the retries), never an empty list and never "not found" (a create by
  notes must not create a second connector); a write is an unknown outcome that the re-read settles.
"""

from __future__ import annotations

import pytest

from ansible_collections.cloudflare.magic_transit.tests.reliability.test_fault_matrix import (
    DESIRED,
    FAILED,
    KINDS,
    OK,
    UNCHANGED,
    UNREADABLE,
    WARNED,
    check_rows,
)

SERVER_ERRORS = (500, 502, 503, 504)
POSTS = ("create", "create_hw")
UPDATES = (
    "interconnect",
    "interconnect_by_id",
    "update",
    "update_by_id",
    "fleet",
    "maintenance_window",
    "change_freeze",
)


def _after(code):
    return "%d-after" % code


def _after_processing(operation, code):
    """What a 5xx that came after the write was processed does to each kind of write."""
    if operation == "interrupt":  # an action: never sent again; the connector's interrupts show it was received once
        return (operation, _after(code), WARNED, None, DESIRED)
    if operation == "delete" or code != 500 and operation not in POSTS:
        # A DELETE re-read finds the connector gone; an idempotent write answered 502/503/504 is retried and lands once.
        return (operation, _after(code), OK, None, DESIRED)
    # A 500 is not retried, nor is a POST: an unknown outcome, and the re-read shows the write landed.
    return (operation, _after(code), WARNED, None, DESIRED)


AFTER_PROCESSING = (
    [_after_processing(operation, code) for operation in UPDATES + ("delete",) for code in (500, 503)]
    + [_after_processing(operation, code) for operation in ("create", "interrupt") for code in SERVER_ERRORS]
    + [_after_processing("create_hw", 503), ("interconnect_check", "503-after", OK, None, UNCHANGED)]
)

# Each shape once for the calls that expect an object, and once for those that expect a list (a wrong wrapping key
# included). "object" turns a list into its first item; "unwrap" takes the value under the wrapping key.
OBJECT_SHAPES = ("null", "empty_object", "empty_list", "list", "unwrap", "wrap", "not_json")
LIST_SHAPES = ("null", "empty_object", "object", "list", "wrap", "not_json")
# The reads of a row: attempts = max_retries (3) + 1, so every attempt gets the wrong shape and the module gives up.
READ_ATTEMPTS = 4
WRONG_SHAPE_READ = r"gave up after 4 attempt\(s\) .*; last answer: HTTP 2xx answer of the wrong shape: result"
UNREADABLE_READ = r"gave up after 4 attempt\(s\) .*; last answer: HTTP 200 with an unreadable answer"
WRONG_SHAPE_CHECK = r"HTTP 2xx answer of the wrong shape: result"


def _shape_kind(on, shape):
    rule = dict(on=on, action="shape", shape=shape, times=READ_ATTEMPTS if on == "read" else 1)
    if shape == "wrap":
        rule["key"] = "data"
    return {"rules": [rule]}


SHAPE_KINDS = dict(
    ("%s-%s" % (on, shape), _shape_kind(on, shape)) for on in ("read", "write") for shape in OBJECT_SHAPES + LIST_SHAPES
)


def _read_row(operation, shape):
    return (
        operation,
        "read-%s" % shape,
        FAILED,
        UNREADABLE_READ if shape == "not_json" else WRONG_SHAPE_READ,
        UNCHANGED,
    )


def _write_row(operation, shape):
    if operation == "delete":
        return (operation, "write-%s" % shape, OK, None, DESIRED)  # the re-read finds the connector gone
    if operation == "interconnect_check":  # a validation saved nothing: a plain failure naming the call
        return (
            operation,
            "write-%s" % shape,
            FAILED,
            UNREADABLE if shape == "not_json" else WRONG_SHAPE_CHECK,
            UNCHANGED,
        )
    return (operation, "write-%s" % shape, WARNED, None, DESIRED)


SHAPES = (
    # Lists: connectors (a create by notes, an update by serial number, the info module), interconnects, sites.
    # ("object" takes a list's first item: the interconnects' list is wrapped in an object already; "unwrap" takes the
    # value under a wrapping key: the connectors' list has none.)
    [_read_row("create", shape) for shape in LIST_SHAPES]
    + [_read_row("interconnect", shape) for shape in LIST_SHAPES + ("unwrap",) if shape != "object"]
    + [
        _read_row(operation, shape)
        for operation in ("update", "connector_info", "interconnect_info", "site_info")
        for shape in ("null", "empty_object", "wrap")
    ]
    # Objects read by id.
    + [_read_row(operation, shape) for operation in ("update_by_id", "interconnect_by_id") for shape in OBJECT_SHAPES]
    # Writes: PATCH (one connector, a fleet), PUT, POST, DELETE, a check-mode validation.
    + [
        _write_row(operation, shape)
        for operation in ("update", "interconnect", "create", "delete")
        for shape in OBJECT_SHAPES
    ]
    + [
        _write_row(operation, shape)
        for operation in ("fleet", "create_hw", "interconnect_check")
        for shape in ("null", "list", "not_json")
    ]
)


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_errors_after_processing_and_wrong_shapes_are_never_taken_at_face_value(simulator, accounts, playbooks):
    kinds = dict(KINDS, **SHAPE_KINDS)
    # A row that failed on a read sent no write (checked in the request log): re-running it proves nothing more.
    check_rows(
        simulator,
        accounts,
        playbooks,
        AFTER_PROCESSING + SHAPES,
        kinds,
        rerun=lambda row: not row[1].startswith("read-"),
    )


def test_every_write_and_every_call_has_its_rows():
    after = {row[0] for row in AFTER_PROCESSING}
    assert after >= {
        "create",
        "create_hw",
        "update",
        "interconnect",
        "delete",
        "interrupt",
        "fleet",
        "maintenance_window",
        "change_freeze",
    }
    reads = {row[0] for row in SHAPES if row[1].startswith("read-")}
    writes = {row[0] for row in SHAPES if row[1].startswith("write-")}
    assert reads >= {"create", "update", "update_by_id", "interconnect", "interconnect_by_id", "site_info"}
    assert writes >= {"update", "interconnect", "create", "delete", "fleet", "interconnect_check"}
    keys = [(row[0], row[1]) for row in AFTER_PROCESSING + SHAPES]
    assert len(keys) == len(set(keys))
