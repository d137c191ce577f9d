# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""One write path (issue 20): a magic_connector run and a magic_connectors entry with the same desired state send the
same requests at the HTTP boundary and give the same object and ``changed``; the fleet honours every hook the
single-object path honours, in the same order; an unknown outcome is re-read in both."""

from __future__ import annotations

import copy
import types

import pytest
from ansible.module_utils.common.warnings import _global_warnings

from ansible_collections.cloudflare.magic_transit.plugins.module_utils._change import IncompleteRun, Step
from ansible_collections.cloudflare.magic_transit.plugins.module_utils._fleet import FAILED, FleetWriter
from ansible_collections.cloudflare.magic_transit.plugins.module_utils._inputs import CloudflareAPIError, InvalidOption
from ansible_collections.cloudflare.magic_transit.plugins.module_utils._resource import Resource, ResourceModule
from ansible_collections.cloudflare.magic_transit.plugins.modules import magic_connector, magic_connectors
from ansible_collections.cloudflare.magic_transit.tests.unit.fake_api import ACCOUNT
from ansible_collections.cloudflare.magic_transit.tests.unit.plugins.module_utils.fakes import FakeClient

PATH = "/accounts/%s/magic/connectors" % ACCOUNT
SERIAL = "MWC2301A0417"
CONNECTOR = {
    "id": "4f1c2b3a5d6e7f8091a2b3c4d5e6f708",
    "activated": True,
    "notes": "ber-branch-01",
    "timezone": "Europe/Berlin",
    "interrupt_window_days_of_week": ["Saturday", "Sunday"],
    "interrupt_window_hour_of_day": 2,
    "interrupt_window_duration_hours": 4,
    "interrupt_window_embargo_dates": ["2026-12-24"],
    "site_id": "",
    "primary": True,
    "device": {"id": "9a8b7c6d5e4f3a2b1c0d9e8f7a6b5c4d", "serial_number": SERIAL, "type": "MANAGED"},
}
NEW_ID = "%032x" % 77
KEY = "MWCL-WRITE-PATH-SECRET"
SITE = "5f8e0b3a2c6d4e1f9a7b8c0d1e2f3a4b"

# Every writable field of a connector, with a value that differs from CONNECTOR's.
FIELDS = [
    ("activated", False),
    ("notes", "ber-branch-01 renamed"),
    ("timezone", "Europe/Paris"),
    ("interrupt_window_days_of_week", ["monday"]),
    ("interrupt_window_hour_of_day", 5),
    ("interrupt_window_duration_hours", 2),
    ("interrupt_window_embargo_dates", ["2027-01-01"]),
    ("site_id", SITE),
    ("primary", False),
]


def _answered(body, **more):
    """What Cloudflare answers to ``body`` written to CONNECTOR: the connector with it applied."""
    return dict(copy.deepcopy(CONNECTOR), **dict(body, **more))


def _texts(result):
    """A result's warnings as text (ansible-core 2.19 and later return each as a summary object)."""
    return [w["event"]["msg"] if isinstance(w, dict) else w for w in result.get("warnings", [])]


def _both(api, run_module, script, options, entry, fleet_options=None):
    """Run magic_connector with ``options`` and magic_connectors with ``entry``, each against ``script`` (the same
    scripted answers); return what each sent and its (object, changed)."""
    runs = []
    for run in (
        lambda: run_module(magic_connector, **options),
        lambda: run_module(magic_connectors, return_connectors="full", connectors=[entry], **(fleet_options or {})),
    ):
        start = len(api.calls)
        _global_warnings.clear()  # ansible-core keeps a module's warnings for the process: each run shows its own
        script()
        result = run()
        assert not result.get("failed"), result.get("msg")
        sent = [(c.method, c.path.split(ACCOUNT, 1)[1], c.body) for c in api.calls[start:] if c.method != "GET"]
        if "magic_connectors" in result:
            entry_result = result["magic_connectors"][0]
            runs.append((sent, entry_result["connector"], entry_result["changed"], _texts(result)))
        else:
            runs.append((sent, result["magic_connector"], result["changed"], _texts(result)))
    return runs


@pytest.mark.parametrize("field, value", FIELDS, ids=[f for f, v in FIELDS])
def test_every_field_is_sent_the_same_by_a_single_run_and_a_fleet_entry(api, run_module, field, value):
    def script():
        api.expect("GET", PATH, result=[CONNECTOR])
        api.expect("PATCH", PATH + "/" + CONNECTOR["id"], result=_answered({field: value}))

    single, fleet = _both(
        api,
        run_module,
        script,
        dict(device_serial_number=SERIAL, **{field: value}),
        dict(device_serial_number=SERIAL, **{field: value}),
    )
    assert single[0] and single[:3] == fleet[:3]


def test_a_device_connector_is_created_the_same_way(api, run_module):
    def script():
        api.expect("GET", PATH, result=[])
        api.expect("POST", PATH, result=_answered({}, id=NEW_ID, notes="new branch"))

    single, fleet = _both(
        api,
        run_module,
        script,
        dict(device_serial_number=SERIAL, notes="new branch"),
        dict(device_serial_number=SERIAL, notes="new branch"),
        dict(create_missing=True),
    )
    assert single[0] == [("POST", "/magic/connectors", {"device": {"serial_number": SERIAL}, "notes": "new branch"})]
    assert single[:3] == fleet[:3]


@pytest.mark.parametrize("key_lost", [False, True], ids=["key-in-answer", "key-lost-so-rekeyed"])
def test_a_virtual_connector_is_created_with_its_key_file_the_same_way(api, run_module, tmp_path, key_lost):
    virtual = dict(_answered({}, id=NEW_ID, notes="aws vcon"), device={"id": "b" * 32, "type": "LICENSED"})
    dests = iter([tmp_path / "single.key", tmp_path / "fleet.key"])

    def script():
        api.expect("GET", PATH, result=[CONNECTOR])
        api.expect("POST", PATH, result=virtual if key_lost else dict(virtual, license_key=KEY))
        if key_lost:  # Cloudflare never shows a key twice: a fresh one is generated, once
            api.expect("PATCH", PATH + "/" + NEW_ID, result=dict(virtual, license_key=KEY))

    single_dest, fleet_dest = str(next(dests)), str(next(dests))
    single, fleet = _both(
        api,
        run_module,
        script,
        dict(notes="aws vcon", provision_license=True, license_key_dest=single_dest),
        dict(notes="aws vcon", provision_license=True, license_key_dest=fleet_dest),
    )
    assert single[:3] == fleet[:3] and len(single[3]) == len(fleet[3]) == int(key_lost)
    assert open(single_dest).read() == open(fleet_dest).read() == KEY + "\n"
    assert single[0][0] == ("POST", "/magic/connectors", {"device": {"provision_license": True}, "notes": "aws vcon"})


def test_a_delete_is_sent_the_same_way(api, run_module):
    def script():
        api.expect("GET", PATH, result=[CONNECTOR])
        api.expect("DELETE", PATH + "/" + CONNECTOR["id"], result=CONNECTOR)

    single, fleet = _both(
        api,
        run_module,
        script,
        dict(device_serial_number=SERIAL, state="absent"),
        dict(device_serial_number=SERIAL, state="absent"),
    )
    assert single[0] == [("DELETE", "/magic/connectors/" + CONNECTOR["id"], None)] and single[:3] == fleet[:3]


def test_an_unknown_outcome_is_re_read_in_both_paths(api, run_module):
    def script():
        api.expect("GET", PATH, result=[CONNECTOR])
        api.expect("PATCH", PATH + "/" + CONNECTOR["id"], raw="{broken")
        api.expect("GET", PATH + "/" + CONNECTOR["id"], result=_answered({"timezone": "UTC"}))

    single, fleet = _both(
        api,
        run_module,
        script,
        dict(device_serial_number=SERIAL, timezone="UTC"),
        dict(device_serial_number=SERIAL, timezone="UTC"),
    )
    assert single[:3] == fleet[:3] and single[1]["timezone"] == "UTC" and single[2] is True
    for run in (single, fleet):
        assert len(run[3]) == 1 and "a re-read shows the change landed" in run[3][0]


def test_a_rekey_is_a_declared_step_shown_in_check_mode_and_sent_after_the_settings(api, run_module, tmp_path):
    virtual = dict(CONNECTOR, device={"id": "b" * 32, "type": "LICENSED"})
    api.expect("GET", PATH + "/" + virtual["id"], result=virtual)
    checked = run_module(magic_connector, check_mode=True, diff=True, id=virtual["id"], rekey=True, timezone="UTC")
    assert checked["changed"] and "would be rotated" in checked["msg"] and api.writes() == []
    assert checked["diff"]["after"]["license_key"].startswith("(key will be rotated")
    api.expect("GET", PATH + "/" + virtual["id"], result=virtual)
    api.expect("PATCH", PATH + "/" + virtual["id"], body={"timezone": "UTC"}, result=dict(virtual, timezone="UTC"))
    api.expect(
        "PATCH",
        PATH + "/" + virtual["id"],
        body={"provision_license": True},
        result=dict(virtual, timezone="UTC", license_key=KEY),
    )
    dest = tmp_path / "rekeyed.key"
    result = run_module(magic_connector, id=virtual["id"], rekey=True, timezone="UTC", license_key_dest=str(dest))
    assert result["changed"] and "license key rotated" in result["msg"] and dest.read_text() == KEY + "\n"
    assert result["license_key_dest"] == str(dest) and KEY not in repr(result)


# --- every hook, in the same order, for a single run and a fleet entry ---------------------------------------------


class Recorded(Resource):
    """A made-up resource whose every hook says when it ran (a declared step too)."""

    result_key = "widget"
    results_key = "widgets"
    label = "widget"
    path = ("widgets",)
    argument_spec = dict(size=dict(type="int"))

    def __init__(self, client, hide=None, warn=None):
        super().__init__(client, hide, warn)
        self.ran = []

    def check(self, params):
        self.ran.append("check")

    def desired(self, params):
        self.ran.append("desired")
        return super().desired(params)

    def prepare(self, params, current, desired):
        self.ran.append("prepare")
        return super().prepare(params, current, desired)

    def check_change(self, changes, current):
        self.ran.append("check_change")

    def forced(self, params, current):
        self.ran.append("forced")
        return {}

    def steps(self, change):
        self.ran.append("steps")
        return [Step("touch", lambda change: self.ran.append("step") or change.after)]

    def settle(self, params, current, after):
        self.ran.append("settle")
        return after, None

    def refused(self, error, change):
        self.ran.append("refused")
        return InvalidOption("size", "is refused by this widget")


WIDGET = dict(id="w1", name="widget 1", size=1)
ENTRY = dict(id="w1", size=5)


def _single(client, check_mode=False):
    module = types.SimpleNamespace(
        client=client,
        params=dict(ENTRY),
        check_mode=check_mode,
        _diff=False,
        hide=lambda *values: None,
        warn=lambda text: None,
    )
    runner = ResourceModule(module, Recorded)
    try:
        runner.ensure()
    except InvalidOption as error:
        return runner.resource.ran, str(error)
    return runner.resource.ran, None


def _fleet(client, check_mode=False):
    resource = Recorded(client)
    change = resource.begin(dict(ENTRY), 0, "widgets[0].")
    resource.plan_change(change, client.get("/accounts/a/widgets/w1"))
    try:
        FleetWriter(resource, "widgets", 1, check_mode=check_mode).run([change])
    except IncompleteRun:  # the entry failed, as the single run did
        assert change.status == FAILED
        return resource.ran, change.error
    return resource.ran, None


@pytest.mark.parametrize("check_mode", [False, True], ids=["write", "check-mode"])
def test_the_fleet_honours_every_hook_in_the_single_runs_order(check_mode):
    single, single_error = _single(FakeClient([WIDGET]), check_mode)
    fleet, fleet_error = _fleet(FakeClient([WIDGET]), check_mode)
    expected = ["check", "desired", "prepare", "check_change", "forced", "steps"]
    assert single == fleet == expected + ([] if check_mode else ["step", "settle"])
    assert single_error is fleet_error is None


def test_the_fleet_translates_a_refused_write_as_the_single_run_does():
    refusal = CloudflareAPIError("bad size", "PATCH", "/widgets/w1", 400)
    single, single_error = _single(FakeClient([WIDGET], fail={"w1": refusal}))
    fleet, fleet_error = _fleet(FakeClient([WIDGET], fail={"w1": refusal}))
    assert single == fleet == ["check", "desired", "prepare", "check_change", "forced", "steps", "refused"]
    assert single_error == fleet_error == "size is refused by this widget"
