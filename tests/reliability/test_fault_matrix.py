# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Every writing module under injected faults, through real ``ansible-playbook`` runs against the simulator.

The suite is two tables:

* ``OPERATIONS``: what a module run does (module, arguments, which calls are its write and its read) and how to see
  its effect in the simulator's state (``view``) and whether that effect is the desired one (``apply``).
* ``ROWS``: one fault (``KINDS``: rules of the simulator, module options, credentials) against one operation, with
  the expected outcome (succeeded, succeeded with a warning, failed with a message) and the expected end state
  (``DESIRED``, ``UNCHANGED`` or ``EITHER`` - never anything else: a half-applied or duplicated change fails the test).

Every row gets an account of its own (a copy of the seed account), so its fault rules match its calls only, and the
rows run as a few playbooks in parallel. After the faulted run, every rule must have been used up (the fault was
really injected), and a re-run of each row without faults must converge: ``changed`` when the state is not yet the
desired one, then ``not changed``.

To cover a new module or role, add an :class:`Operation` (a :class:`RoleOperation` for a role) to ``OPERATIONS`` (its
``view`` and ``apply`` say what "desired" means) and rows to ``ROWS``; nothing else changes.
"""

from __future__ import annotations

import copy
import re
import time

import pytest

from ansible_collections.cloudflare.magic_transit.tests.helpers import stored
from ansible_collections.cloudflare.magic_transit.tests.reliability.support import case_tasks, role_tasks, spread

# Keep every retry fast: a row that should give up must give up within seconds.
FAST = {"max_retries": 3, "max_retry_wait": 10, "timeout": 5}
INVALID_TOKEN = "sim_rw_token_that_expired_long_ago_00000"

OK, WARNED, FAILED = "ok", "warned", "failed"
DESIRED, UNCHANGED, EITHER = "desired", "unchanged", "either"


def _without(obj, *keys):
    return None if obj is None else dict((k, v) for k, v in obj.items() if k not in keys)


def _by_serial(account, serial):
    found = [c for c in account["connectors"].values() if c["device"].get("serial_number") == serial]
    assert len(found) <= 1, "duplicate connectors for device %s: %s" % (serial, found)
    return found[0] if found else None


def _connectors_view(account, serials):
    return [_without(_by_serial(account, serial), "last_updated") for serial in serials]


class Operation:
    """What a module run changes. Subclasses set the attributes and ``view``/``apply``."""

    module = None
    args = {}
    #: (method, path regex below /accounts/<id>/) of the write and of the first read
    write = None
    read = None
    #: a re-run converges (changed, then not changed); false for actions such as an interrupt
    converges = True
    #: an info module: nothing to converge to, a re-run reports no change
    read_only = False
    #: extra task keywords
    keywords = {}
    #: the method of the second API call: where an account-wide rate-limit block that began after the first one hits
    second_call = property(lambda self: self.write[0])
    #: reads Cloudflare's Ratelimit header and sends no write that would exhaust the budget (the fleet module)
    keeps_to_budget = False

    def tasks(self, key, connection):
        """The task(s) of a table row: the module with its arguments and ``connection`` (account, credentials, retries)."""
        return case_tasks(key, self.module, dict(self.args, **connection), **self.keywords)

    def view(self, account):
        """The part of the account this operation changes, comparable with ``==``."""
        raise NotImplementedError

    def apply(self, before):
        """The view once the operation succeeded."""
        raise NotImplementedError


class InterconnectUpdate(Operation):
    module = "cloudflare.magic_transit.cf_interconnect"
    args = {
        "name": "lhr-cni-2",
        "mtu": 1450,
        "description": "London CNI v2 (reliability)",
        "health_check": {"rate": "low"},
    }
    write = ("PUT", "magic/cf_interconnects/[0-9a-f]+$")
    read = ("GET", "magic/cf_interconnects$")

    def view(self, account):
        found = [i for i in account["interconnects"].values() if i["id"] == "3d8f178ccc144d6089165dca06f11d1d"]
        return _without(found[0], "modified_on")

    def apply(self, before):
        after = copy.deepcopy(before)
        after.update(mtu=1450, description=self.args["description"])
        after["health_check"]["rate"] = "low"
        return after


class ConnectorUpdate(Operation):
    module = "cloudflare.magic_transit.magic_connector"
    serial = "MWC2301A0417"
    args = {
        "device_serial_number": serial,
        "timezone": "Asia/Tokyo",
        "interrupt_window_hour_of_day": 3,
        "interrupt_window_duration_hours": 2,
        "interrupt_window_days_of_week": ["saturday", "sunday"],
        "interrupt_window_embargo_dates": ["2027-01-01"],
    }
    write = ("PATCH", "magic/connectors/[0-9a-f]+$")
    read = ("GET", "magic/connectors$")

    def view(self, account):
        return _without(_by_serial(account, self.serial), "last_updated")

    def apply(self, before):
        after = copy.deepcopy(before)
        after.update(
            timezone="Asia/Tokyo",
            interrupt_window_hour_of_day=3,
            interrupt_window_duration_hours=2,
            interrupt_window_days_of_week=["Sunday", "Saturday"],
            interrupt_window_embargo_dates=["2027-01-01"],
        )
        return after


class FleetUpdate(Operation):
    """magic_connectors over two connectors, one write at a time: after a failed write nothing more is sent."""

    module = "cloudflare.magic_transit.magic_connectors"
    serials = ("MWC2301A0417", "MWC2306B1120")
    # rate_limit_wait 0: the matrix checks stop-and-report (waiting for the window: tests/integration/test_fleet.py)
    args = {
        "max_concurrency": 1,
        "rate_limit_wait": 0,
        "connectors": [
            {"device_serial_number": serial, "timezone": "Europe/Lisbon", "interrupt_window_hour_of_day": 5}
            for serial in serials
        ],
    }
    write = ("PATCH", "magic/connectors/[0-9a-f]+$")
    read = ("GET", "magic/connectors$")
    keeps_to_budget = True

    def view(self, account):
        return _connectors_view(account, self.serials)

    def apply(self, before):
        after = copy.deepcopy(before)
        for connector in after:
            connector.update(timezone="Europe/Lisbon", interrupt_window_hour_of_day=5)
        return after


class RoleOperation(Operation):
    """A role run for one row: ``role_vars`` are its variables; the connection reaches its modules as module_defaults.
    Both roles write with magic_connectors, which lists the connectors once (maintenance_window: then the sites)."""

    role = None
    role_vars = {}
    write = ("PATCH", "magic/connectors/[0-9a-f]+$")
    read = ("GET", "magic/connectors$")
    second_call = "GET"  # maintenance_window: the sites list call

    def tasks(self, key, connection):
        return role_tasks(key, self.role, self.role_vars, connection)

    def view(self, account):
        return _connectors_view(account, FleetUpdate.serials)


class MaintenanceWindowRole(RoleOperation):
    role = "cloudflare.magic_transit.maintenance_window"
    role_vars = {
        "maintenance_window_preset": "weeknights",
        "maintenance_window_timezone": "Europe/Lisbon",
        "maintenance_window_connectors": [{"device_serial_number": serial} for serial in FleetUpdate.serials],
        # rate_limit_wait 0: stop-and-report, as for the fleet module's row
        "maintenance_window_max_concurrency": 1,
        "maintenance_window_rate_limit_wait": 0,
    }

    def apply(self, before):
        after = copy.deepcopy(before)
        for connector in after:
            connector.update(
                timezone="Europe/Lisbon",
                interrupt_window_days_of_week=["Monday", "Tuesday", "Wednesday", "Thursday"],
                interrupt_window_hour_of_day=1,
                interrupt_window_duration_hours=3,
            )
        return after


class ChangeFreezeRole(RoleOperation):
    # One list call, then the fleet module's writes: like the fleet module, it sends no write the budget cannot take.
    keeps_to_budget = True
    dates = ["2027-03-30", "2027-03-31"]
    role = "cloudflare.magic_transit.change_freeze"
    role_vars = {
        "change_freeze_dates": dates,
        "change_freeze_today": "2026-12-01",
        "change_freeze_max_concurrency": 1,
        "change_freeze_rate_limit_wait": 0,
        "change_freeze_connectors": [{"device_serial_number": serial} for serial in FleetUpdate.serials],
    }

    def apply(self, before):
        after = copy.deepcopy(before)
        for connector in after:
            connector["interrupt_window_embargo_dates"] = sorted(
                set(connector["interrupt_window_embargo_dates"]) | set(self.dates)
            )
        return after


class ConnectorCreate(Operation):
    """A virtual connector found by its notes: the one create a blind retry would duplicate."""

    module = "cloudflare.magic_transit.magic_connector"
    notes = "rel-vcon-01"
    args = {"notes": notes, "provision_license": True, "timezone": "Europe/Paris", "interrupt_window_hour_of_day": 1}
    write = ("POST", "magic/connectors$")
    read = ("GET", "magic/connectors$")

    def view(self, account):
        return sorted(
            (c["notes"], c["timezone"], c["interrupt_window_hour_of_day"], c["device"]["type"])
            for c in account["connectors"].values()
            if c.get("notes") == self.notes
        )

    def apply(self, before):
        return [(self.notes, "Europe/Paris", 1, "LICENSED")]


class HardwareConnectorCreate(ConnectorCreate):
    serial = "REL-NEW-0001"
    args = {"device_serial_number": serial, "notes": "rel-hw-01", "activated": True}
    keywords = {}

    def view(self, account):
        return [
            dict(_without(c, "id", "last_updated"), device=_without(c["device"], "id"))
            for c in account["connectors"].values()
            if c["device"].get("serial_number") == self.serial
        ]

    def apply(self, before):
        return [
            {
                "activated": True,
                "notes": "rel-hw-01",
                "timezone": "UTC",
                "interrupt_window_hour_of_day": 0,
                "interrupt_window_duration_hours": 4,
                "interrupt_window_days_of_week": [
                    "Sunday",
                    "Monday",
                    "Tuesday",
                    "Wednesday",
                    "Thursday",
                    "Friday",
                    "Saturday",
                ],
                "interrupt_window_embargo_dates": [],
                "primary": True,
                "device": {"serial_number": self.serial, "type": "MANAGED"},
            }
        ]


class ConnectorDelete(Operation):
    module = "cloudflare.magic_transit.magic_connector"
    serial = "MWC2301A0418"
    args = {"device_serial_number": serial, "state": "absent"}
    write = ("DELETE", "magic/connectors/[0-9a-f]+$")
    read = ("GET", "magic/connectors$")

    def view(self, account):
        return _without(_by_serial(account, self.serial), "last_updated")

    def apply(self, before):
        return None


class ConnectorInterrupt(Operation):
    module = "cloudflare.magic_transit.magic_connector_interrupt"
    args = {"device_serial_number": "MWC2306B1120", "action": "restart"}
    write = ("POST", "magic/connectors/[0-9a-f]+/interrupts$")
    read = ("GET", "magic/connectors$")
    converges = False  # every run restarts the connector once more: it is an action, not a state
    second_call = "GET"  # the connector's interrupts are read before the POST (one pending at a time)

    def view(self, account):
        return len(account.get("interrupts", {}).get("d5fcbf8464854891bdc163cff7831dc1", []))

    def apply(self, before):
        return before + 1


class InterconnectInfo(Operation):
    module = "cloudflare.magic_transit.cf_interconnect_info"
    args = {}
    read_only = True
    read = ("GET", "magic/cf_interconnects$")

    def view(self, account):
        return dict((key, account.get(key)) for key in ("interconnects", "connectors", "devices", "interrupts"))

    def apply(self, before):
        return before


class ConnectorInfo(InterconnectInfo):
    module = "cloudflare.magic_transit.magic_connector_info"
    read = ("GET", "magic/connectors$")


class InterconnectUpdateById(InterconnectUpdate):
    """Found by id: one GET of the interconnect, then the PUT."""

    args = dict(_without(InterconnectUpdate.args, "name"), id="3d8f178ccc144d6089165dca06f11d1d")
    read = ("GET", "magic/cf_interconnects/[0-9a-f]+$")


class InterconnectCheck(InterconnectUpdate):
    """Check mode: the PUT is a validation (validate_only), nothing is saved."""

    keywords = {"check_mode": True}
    converges = False  # check mode reports the change it would make, every time

    def apply(self, before):
        return before


class ConnectorUpdateById(ConnectorUpdate):
    """Found by id: one GET of the connector, then the PATCH."""

    args = dict(_without(ConnectorUpdate.args, "device_serial_number"), id="711f8eedc6d84336a6f7d256ddd00fce")
    read = ("GET", "magic/connectors/[0-9a-f]+$")


class SiteInfo(InterconnectInfo):
    module = "cloudflare.magic_transit.magic_site_info"
    read = ("GET", "magic/sites$")


OPERATIONS = {
    "interconnect": InterconnectUpdate(),
    "interconnect_by_id": InterconnectUpdateById(),
    "interconnect_check": InterconnectCheck(),
    "update_by_id": ConnectorUpdateById(),
    "site_info": SiteInfo(),
    "update": ConnectorUpdate(),
    "fleet": FleetUpdate(),
    "maintenance_window": MaintenanceWindowRole(),
    "change_freeze": ChangeFreezeRole(),
    "create": ConnectorCreate(),
    "create_hw": HardwareConnectorCreate(),
    "delete": ConnectorDelete(),
    "interrupt": ConnectorInterrupt(),
    "interconnect_info": InterconnectInfo(),
    "connector_info": ConnectorInfo(),
}

# A kind of fault: simulator rules ("on": the operation's write or read), module options, credentials.
KINDS = {
    "429-recover": dict(rules=[dict(on="write", action="status", status=429, retry_after=1, times=2)]),
    "429-give-up": dict(
        rules=[dict(on="write", action="status", status=429, retry_after=1, times=3)], options={"max_retries": 2}
    ),
    "429-long": dict(
        rules=[dict(on="write", action="status", status=429, retry_after=120)], options={"max_retry_wait": 5}
    ),
    "500": dict(rules=[dict(on="write", action="status", status=500)]),
    "502": dict(rules=[dict(on="write", action="status", status=502)]),
    "503": dict(rules=[dict(on="write", action="status", status=503)]),
    "504": dict(rules=[dict(on="write", action="status", status=504)]),
    "drop-before": dict(rules=[dict(on="write", action="drop")]),
    "drop-after": dict(rules=[dict(on="write", action="drop", when="after")]),
    "slow-before": dict(rules=[dict(on="write", action="delay", delay_s=2.5)], options={"timeout": 1}),
    "slow-after": dict(rules=[dict(on="write", action="delay", delay_s=2.5, when="after")], options={"timeout": 1}),
    "malformed-before": dict(rules=[dict(on="write", action="malformed")]),
    "malformed-after": dict(rules=[dict(on="write", action="malformed", when="after")]),
    # A server error that comes after Cloudflare processed the write (issue 17): never "not done".
    "500-after": dict(rules=[dict(on="write", action="status", status=500, when="after")]),
    "502-after": dict(rules=[dict(on="write", action="status", status=502, when="after")]),
    "503-after": dict(rules=[dict(on="write", action="status", status=503, when="after")]),
    "504-after": dict(rules=[dict(on="write", action="status", status=504, when="after")]),
    "read-faults": dict(
        rules=[
            dict(on="read", action="status", status=503),
            dict(on="read", action="drop"),
            dict(on="read", action="malformed"),
        ]
    ),
    "read-429": dict(rules=[dict(on="read", action="status", status=429, retry_after=1)]),
    "read-slow": dict(rules=[dict(on="read", action="delay", delay_s=2.5)], options={"timeout": 1}),
    "401": dict(options={"api_token": INVALID_TOKEN}),
    "403": dict(options={"api_token": "sim_ro_token_for_local_demo_only_0000000"}),
}

# Answers that may come after the write was processed: a failure they cause is an unknown outcome.
SERVER_ERRORS = ("500", "502", "503", "504", "500-after", "502-after", "503-after", "504-after")

GAVE_UP = r"gave up after 3 attempt\(s\) and [0-9.]+ s of waiting \(max_retries=2, max_retry_wait=10 s\); last answer: 429 code 971"
BLOCKED_120 = r"rate limit blocks this account's API for another 120 s \(retry-after\), longer than max_retry_wait=5 s"
ERROR_500 = r": 500 code 1000: Internal server error"
BROKE = r": the connection broke before an answer arrived"
TIMED_OUT = r": no answer within timeout=1 s"
UNREADABLE = r": HTTP 200 with an unreadable answer \(not a Cloudflare JSON envelope\)"
UNAUTHENTICATED = r"^GET /accounts/[0-9a-f]+/magic/[a-z_]+: 401 code 10000: Authentication error"
FORBIDDEN = r": 403 code 9109: Unauthorized to access requested resource"


def _status(code):
    return r": %d code 1000" % code


# An update sends PUT/PATCH: every transient fault is retried and recovers; a 500 or an unreadable answer is an unknown
# outcome: the re-read shows the write did not land, so the run fails saying so (the single-object modules set
# error.outcome_unknown); an answer lost after the write landed is found out by the same re-read.
# (kind, outcome, message regex for failures, end state)
UPDATE_FAULTS = [
    ("429-recover", OK, None, DESIRED),
    ("429-give-up", FAILED, GAVE_UP, UNCHANGED),
    ("429-long", FAILED, BLOCKED_120, UNCHANGED),
    ("500", FAILED, ERROR_500, UNCHANGED),
    ("502", OK, None, DESIRED),
    ("503", OK, None, DESIRED),
    ("504", OK, None, DESIRED),
    ("drop-before", OK, None, DESIRED),
    ("drop-after", OK, None, DESIRED),
    ("slow-before", OK, None, DESIRED),
    ("slow-after", OK, None, DESIRED),
    ("malformed-before", FAILED, UNREADABLE, UNCHANGED),
    ("malformed-after", WARNED, None, DESIRED),
    ("read-faults", OK, None, DESIRED),
    ("read-slow", OK, None, DESIRED),
    ("401", FAILED, UNAUTHENTICATED, UNCHANGED),
    ("403", FAILED, FORBIDDEN, UNCHANGED),
]

# (operation, kind, outcome (or a tuple of acceptable outcomes), message regex for failures, end state)
ROWS = [
    # Single updates, the fleet module (the faults hit its first PATCH; what fails stops the run before the next write)
    # and the two roles (the fleet module lists once and writes: read faults hit that list call).
    (operation,) + fault
    for operation in ("interconnect", "update", "fleet", "maintenance_window", "change_freeze")
    for fault in UPDATE_FAULTS
] + [
    # A create is a POST: never repeated unless Cloudflare certainly did not process it (429, no connection). When the
    # answer is lost, a re-read decides: the connector is there (success, with a warning) or the run fails; never two.
    ("create", "429-recover", OK, None, DESIRED),
    ("create", "500", FAILED, ERROR_500, UNCHANGED),
    ("create", "502", FAILED, _status(502), UNCHANGED),
    ("create", "503", FAILED, _status(503), UNCHANGED),
    ("create", "504", FAILED, _status(504), UNCHANGED),
    ("create", "drop-before", FAILED, BROKE, UNCHANGED),
    ("create", "drop-after", WARNED, None, DESIRED),
    # The write is still on its way when the time-out strikes and the re-read looks: the run fails (outcome unknown),
    # the create lands a moment later, and the next run finds it. (On a machine stalled for 1.5 s the re-read may come
    # after the create landed: then the run succeeds with the warning. Both are right; a duplicate never is.)
    ("create", "slow-before", (FAILED, WARNED), TIMED_OUT, EITHER),
    ("create", "slow-after", WARNED, None, DESIRED),
    ("create", "malformed-before", FAILED, UNREADABLE, UNCHANGED),
    ("create", "malformed-after", WARNED, None, DESIRED),
    ("create", "read-faults", OK, None, DESIRED),
    ("create", "403", FAILED, FORBIDDEN, UNCHANGED),
    ("create_hw", "drop-after", WARNED, None, DESIRED),
    ("delete", "429-recover", OK, None, DESIRED),
    ("delete", "500", FAILED, ERROR_500, UNCHANGED),
    ("delete", "503", OK, None, DESIRED),
    ("delete", "drop-before", OK, None, DESIRED),
    ("delete", "drop-after", OK, None, DESIRED),
    ("delete", "slow-after", OK, None, DESIRED),
    ("delete", "malformed-before", FAILED, UNREADABLE, UNCHANGED),
    ("delete", "malformed-after", OK, None, DESIRED),
    ("delete", "403", FAILED, FORBIDDEN, UNCHANGED),
    # An interrupt is an action: never repeated unless certainly not received. After an unknown outcome the
    # connector's interrupts are read before anything else: the interrupt is there (changed, with a warning), or the
    # task fails saying the outcome is unknown (error.outcome_unknown). The connector got at most one restart.
    ("interrupt", "429-recover", OK, None, DESIRED),
    ("interrupt", "503", FAILED, _status(503), UNCHANGED),
    ("interrupt", "drop-before", FAILED, BROKE, UNCHANGED),
    ("interrupt", "drop-after", WARNED, None, DESIRED),
    ("interrupt", "slow-after", WARNED, None, DESIRED),
    ("interrupt", "malformed-after", WARNED, None, DESIRED),
    ("interrupt", "403", FAILED, FORBIDDEN, UNCHANGED),
    ("interconnect_info", "read-faults", OK, None, UNCHANGED),
    ("connector_info", "read-429", OK, None, UNCHANGED),
    ("connector_info", "401", FAILED, UNAUTHENTICATED, UNCHANGED),
]

PARALLEL = 3  # playbooks at once: the rows spend most of their time waiting (retry-after, time-outs)


def _key(row):
    return "%s/%s" % (row[0], row[1])


def _rules(row, account_id, kinds=None):
    operation = OPERATIONS[row[0]]
    rules = []
    for template in (kinds or KINDS)[row[1]].get("rules", []):
        rule = dict(template)
        method, path = getattr(operation, rule.pop("on"))
        rule["match"] = {"method": method, "path": "/accounts/%s/%s" % (account_id, path)}
        rules.append(rule)
    return rules


def _connection(row, account_id, kinds=None):
    return dict(FAST, account_id=account_id, **(kinds or KINDS)[row[1]].get("options", {}))


def _tasks(row, account_id, kinds=None):
    return OPERATIONS[row[0]].tasks(_key(row), _connection(row, account_id, kinds))


def _classify(operation, before, after):
    if after == before:
        return UNCHANGED
    if after == operation.apply(before):
        return DESIRED
    return "half-applied or duplicated: %.300r" % (after,)


def _wait_for_delayed_calls(simulator, rules, timeout=10):
    """Delayed calls go on after the client gave up: wait until the log shows each of them answered."""
    expected = sum(1 for rule in rules if rule["action"] == "delay")
    deadline = time.monotonic() + timeout
    while sum(1 for entry in simulator.requests() if entry["fault"] in ("delay", "delay_after")) < expected:
        assert time.monotonic() < deadline, "the delayed calls never finished"
        time.sleep(0.1)


@pytest.mark.slow
@pytest.mark.timeout(900)  # about 150 s on 2 cores: 118 rows, each run faulted and then once or twice more
def test_faults_never_half_apply_and_a_rerun_converges(simulator, accounts, playbooks):
    check_rows(simulator, accounts, playbooks, ROWS)


def check_rows(simulator, accounts, playbooks, rows, kinds=None, rerun=None):
    """Run every row (operation, kind, outcome, message, end state) faulted, judge it, then re-run it without faults.

    ``kinds`` maps each row's kind to its rules and options (default ``KINDS``). ``rerun(row)`` says whether a row is
    re-run (default: every row); a row that is not must not have sent any write."""
    ids = accounts.create([_key(row) for row in rows])
    seed = accounts.seed
    rules = [rule for row in rows for rule in _rules(row, ids[_key(row)], kinds)]
    simulator.set_faults(rules=rules)

    runs, results = playbooks.run_cases(
        spread([_tasks(row, ids[_key(row)], kinds) for row in rows], PARALLEL), name="faulted"
    )
    _wait_for_delayed_calls(simulator, rules)
    assert simulator.admin("GET", "faults")["rules"] == [], "every injected fault was used"

    state = accounts.all()
    problems = []
    ends = {}
    for row in rows:
        key = _key(row)
        operation, (outcome, message, end) = OPERATIONS[row[0]], row[2:]
        result = results[key]["result"]
        failed = results[key]["status"] == "failed"
        warnings = result.get("warnings") or []
        seen = _classify(operation, operation.view(seed), operation.view(state[ids[key]]))
        ends[key] = seen
        accepted = outcome if isinstance(outcome, tuple) else (outcome,)
        if failed and FAILED not in accepted or not failed and FAILED in accepted and len(accepted) == 1:
            problems.append("%s: expected %s, got %s" % (key, outcome, result.get("msg") or "success"))
        elif failed and not re.search(message, result["msg"]):
            problems.append("%s: message %r does not match %r" % (key, result["msg"], message))
        warned = any("a re-read shows the change landed" in w for w in warnings)
        if not failed and (WARNED in accepted) != warned:
            problems.append("%s: warnings %r, expected %s" % (key, warnings, outcome))
        if end == EITHER and seen not in (DESIRED, UNCHANGED) or end != EITHER and seen != end:
            problems.append("%s: end state %s, expected %s" % (key, seen, end))
        if (
            failed
            and seen != UNCHANGED
            and not (
                result.get("error", {}).get("outcome_unknown")
                and "The outcome is unknown: Cloudflare may have carried out" in result["msg"]
            )
        ):
            problems.append("%s: failed after changing something, without saying that the outcome is unknown" % key)
        if failed and row[1] in SERVER_ERRORS and "error" in result and not result["error"]["outcome_unknown"]:
            # A 5xx may come after Cloudflare processed the write: never "not done" (issue 17).
            problems.append("%s: a %s to a write was reported as not done, not as an unknown outcome" % (key, row[1]))
        # What the client planned, never wall time (which fails on a loaded machine, not on a bug): at most
        # max_retries retries, and a give-up after no more waiting than max_retry_wait. (Each attempt's own time is
        # bounded by timeout: tests/reliability/test_hostile_client.py.)
        connection = _connection(row, ids[key], kinds)
        retries = (result.get("api_calls") or {}).get("retries", 0)
        if retries > connection["max_retries"]:
            problems.append("%s: %d retries (max_retries=%d)" % (key, retries, connection["max_retries"]))
        waited = re.search(r"gave up after \d+ attempt\(s\) and ([0-9.]+) s of waiting", result.get("msg") or "")
        if waited and float(waited.group(1)) > connection["max_retry_wait"]:
            problems.append(
                "%s: gave up after waiting %s s (max_retry_wait=%g)"
                % (key, waited.group(1), connection["max_retry_wait"])
            )
    assert not problems, "\n".join(problems + ["", runs[0].output[-3000:]])

    # Writes answered 401 or refused before the write never reached the write.
    for row in rows:
        if row[1] == "401":
            calls = [e for e in simulator.requests() if ids[_key(row)] in e["path"]]
            assert [(e["method"], e["status"]) for e in calls] == [("GET", 401)], calls

    rerun = rerun or (lambda row: True)
    for row in rows:
        if not rerun(row):
            writes = [
                (e["method"], e["path"])
                for e in simulator.requests()
                if ids[_key(row)] in e["path"] and e["method"] != "GET"
            ]
            assert writes == [], "%s: not re-run, yet it wrote: %s" % (_key(row), writes)
    simulator.set_faults()
    _assert_reruns_converge(
        playbooks, accounts, [(_key(row), row[0], ids[_key(row)], ends[_key(row)]) for row in rows if rerun(row)]
    )


def _assert_reruns_converge(playbooks, accounts, rows):
    """Without faults, each row (key, operation, account id, end state after the faulted run) converges: changed while
    not yet desired, then not changed; the object ends desired."""
    reruns = []
    for key, name, account_id, end in rows:
        operation = OPERATIONS[name]
        if operation.converges:
            connection = dict(FAST, account_id=account_id)
            tasks = operation.tasks(key + "#1", connection)
            if end != DESIRED and not operation.read_only:
                tasks += operation.tasks(key + "#2", connection)
            reruns.append(tasks)
    converged = playbooks.run_cases(spread(reruns, PARALLEL), name="converge")[1]
    state = accounts.all()
    for key, name, account_id, end in rows:
        operation = OPERATIONS[name]
        if not operation.converges:
            continue
        first = converged[key + "#1"]
        assert first["status"] == "ok", "%s: %s" % (key, first["result"].get("msg"))
        if end == DESIRED or operation.read_only:
            assert not first["result"]["changed"], (
                "%s: the faulted run left the desired state, yet the re-run changed" % key
            )
        else:
            assert first["result"]["changed"], key
            second = converged[key + "#2"]
            assert second["status"] == "ok" and not second["result"]["changed"], (
                "%s: the second re-run changed again" % key
            )
        assert operation.view(state[account_id]) == operation.apply(operation.view(accounts.seed)), key


@pytest.mark.slow
def test_account_wide_rate_limit_block_fails_fast(simulator, accounts, simulator_api, playbooks):
    """Past Cloudflare's limit every call of the account is refused for 5 minutes: each module stops at once and says
    for how long, whether the block began before its first call or between its read and its write. The fleet module
    does better: its list call's Ratelimit header says the budget is spent, so it sends no write at all."""
    writers = [
        "interconnect",
        "update",
        "create",
        "delete",
        "interrupt",
        "fleet",
        "maintenance_window",
        "change_freeze",
    ]
    keys = ["%s/blocked-from-start" % name for name in writers + ["connector_info"]] + [
        "%s/blocked-at-write" % name for name in writers
    ]
    ids = accounts.create(keys)
    simulator.set_faults(rate_limit={"requests": 1, "window": 300})
    for name in writers + ["connector_info"]:
        # One call uses up the account's allowance: the module's first call is refused.
        assert (
            simulator_api.get("/accounts/%s/magic/connectors" % ids["%s/blocked-from-start" % name]).status_code == 200
        )
    tasks = []
    for key in keys:
        operation = OPERATIONS[key.split("/")[0]]
        # The module defaults (max_retries=4, max_retry_wait=60): the block is longer, the module must not wait.
        tasks.append(operation.tasks(key, {"account_id": ids[key]}))
    before = accounts.all()
    runs, results = playbooks.run_cases(spread(tasks, 2), name="blocked")
    kept_to_budget = [key for key in keys if key.endswith("at-write") and OPERATIONS[key.split("/")[0]].keeps_to_budget]
    for key in keys:
        # No module waited for the block to end: none retried (the client waits only before a retry) and the
        # fleet's pacer paused for nothing; what the waits were, never how long a task took.
        result = results[key]["result"]
        assert results[key]["status"] == "failed", (key, result)
        assert (result.get("pacing") or {}).get("waited_s", 0) == 0, (key, result.get("pacing"))
        if key in kept_to_budget:
            assert re.search(
                r"^not sent: Cloudflare's rate limit leaves 0 requests for the next (29\d|30\d) s, and exceeding it "
                r"blocks the whole account for 5 minutes; waiting \d+ s more would pass rate_limit_wait=0 s \(waited 0 s\), "
                r"so 0 of 2 writes were sent; retry after \d\d:\d\d:\d\d UTC \(run the task again then to converge\)\. Entries: 0 changed, 0 "
                r"unchanged, 0 failed, 2 not sent\. Not sent: ",
                result["msg"],
            ), result["msg"]
            assert result["api_calls"] == {"GET": 1}
            continue
        assert re.search(
            r"Cloudflare's rate limit blocks this account's API for another (29\d|300) s \(retry-after\), longer than "
            r"max_retry_wait=60 s allows, so this run stops here and sends nothing more\. Retry after "
            r"\d\d:\d\d:\d\d UTC, when the block ends",
            result["msg"],
        ), result["msg"]
        assert result["error"]["status"] == 429 and result["error"]["retry_after"] > 200
        assert result["api_calls"].get("retries", 0) == 0
        expected_method = "GET" if key.endswith("from-start") else OPERATIONS[key.split("/")[0]].second_call
        assert result["error"]["method"] == expected_method, (key, result["error"])
    assert accounts.all() == before, "nothing was written during the block"
    blocked = [e for e in simulator.requests() if e["status"] == 429]
    assert len(blocked) == len(keys) - len(kept_to_budget) and {e["fault"] for e in blocked} == {"rate_limit"}

    # Once the block is over, a re-run converges.
    simulator.set_faults()
    _assert_reruns_converge(playbooks, accounts, [(key, key.split("/")[0], ids[key], UNCHANGED) for key in keys])


@pytest.mark.parametrize(
    "write, args, fault",
    [
        ("create", dict(notes="sfo-lab virtual connector 2", provision_license=True), "drop"),
        ("re-key", dict(id="32d9a8741af047e39c4a6ee61a5daaba", provision_license=True), "malformed"),
    ],
    ids=["create-answer-dropped", "re-key-answer-malformed"],
)
def test_a_license_key_lost_with_its_answer_is_replaced(simulator, playbooks, write, args, fault):
    """A write that generates a license key (a create with provision_license, a re-key) whose answer is lost: the
    re-read confirms the write, and since Cloudflare never shows a key again, the module must re-key once more and
    return the fresh key (or fail saying the key was lost) - never succeed without it, never create a second connector."""
    method = "POST" if write == "create" else "PATCH"
    simulator.set_faults(
        rules=[
            {"match": {"method": method, "path": "/magic/connectors(/[0-9a-f]+)?$"}, "action": fault, "when": "after"}
        ]
    )
    results = playbooks.run_cases(
        [case_tasks(write, "cloudflare.magic_transit.magic_connector", dict(args, **FAST))], name="lost-key"
    )[1]
    connectors = stored(simulator, "connectors").values()
    matching = [c for c in connectors if c["notes"].startswith("sfo-lab virtual connector")]
    assert len(matching) == (2 if write == "create" else 1), "never a duplicate"
    result = results[write]["result"]
    if results[write]["status"] == "failed":
        assert "license" in result["msg"] and matching[-1]["id"] in result["msg"], result["msg"]
    else:
        assert result["magic_connector"].get("license_key"), "success without the license key it generated: %s" % result
