# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The connector rules (device identity, re-key, license recovery), without an AnsibleModule or HTTP."""

from __future__ import annotations

import pytest

from ansible_collections.cloudflare.magic_transit.plugins.module_utils._change import Change
from ansible_collections.cloudflare.magic_transit.plugins.module_utils._connectors import (
    Connectors,
    given_identity,
    select_connector,
)
from ansible_collections.cloudflare.magic_transit.plugins.module_utils._inputs import InvalidOption
from ansible_collections.cloudflare.magic_transit.plugins.module_utils._license_keys import keep_license_key
from ansible_collections.cloudflare.magic_transit.tests.unit.plugins.module_utils.fakes import FakeClient

HARDWARE = dict(
    id="c1",
    notes="ber",
    device=dict(id="d1", serial_number="SN1", type="MANAGED"),
    interrupt_window_embargo_dates=["2026-12-24"],
)
VIRTUAL = dict(id="c2", notes="aws", device=dict(id="d2", type="LICENSED"))
NO_OPTIONS = dict(
    state="present",
    id=None,
    device_id=None,
    device_serial_number=None,
    notes=None,
    provision_license=False,
    purge_embargo_dates=True,
)


def params(**given):
    return dict(NO_OPTIONS, **given)


CONNECTORS = Connectors(None)


@pytest.mark.parametrize(
    "given, current, message",
    [
        (params(id="c9"), None, "^id must identify an existing connector"),
        (params(notes="new"), None, "^notes match no connector: to create one"),
        (params(id="c1", provision_license=True), HARDWARE, "^provision_license re-keys only connectors of virtual"),
        (
            params(device_serial_number="SN9", provision_license=True),
            None,
            "^provision_license with device_serial_number 'SN9', which has no connector yet, is refused before any write",
        ),
        (
            params(device_id="d9", provision_license=True),
            None,
            "^provision_license with device_id 'd9', which has no connector yet, is refused before any write",
        ),
    ],
)
def test_prepare_refuses_before_any_write(given, current, message):
    with pytest.raises(InvalidOption, match=message):
        CONNECTORS.prepare(given, current, {})


def test_prepare_adds_the_embargo_dates_given_unless_purging():
    desired = dict(interrupt_window_embargo_dates=["2027-01-01"])
    added = CONNECTORS.prepare(params(id="c1", purge_embargo_dates=False), HARDWARE, desired)
    assert added["interrupt_window_embargo_dates"] == ["2026-12-24", "2027-01-01"]
    assert CONNECTORS.prepare(params(id="c1"), HARDWARE, desired) == desired


def test_check_refuses_a_license_for_a_deletion():
    with pytest.raises(InvalidOption, match="^provision_license cannot be used with state=absent$"):
        CONNECTORS.check(params(id="c1", state="absent", provision_license=True))


@pytest.mark.parametrize(
    "given, device",
    [
        (params(device_id="d5"), dict(id="d5")),
        (params(device_serial_number="SN5"), dict(serial_number="SN5")),
        (params(notes="new", provision_license=True), dict(provision_license=True)),
    ],
)
def test_create_body_names_exactly_one_device(given, device):
    assert CONNECTORS.create_body(given) == dict(device=device)


def steps_of(given, current):
    """The names of the steps the connector declares after the write of ``given`` (a re-key, a key kept)."""
    return [step.name for step in CONNECTORS.steps(Change(0, current, {}, params=given))]


def test_a_rekey_is_declared_only_on_a_connector_named_by_its_device_or_id():
    assert steps_of(params(id="c2", provision_license=True), VIRTUAL) == ["rekey"]
    assert steps_of(params(notes="aws", provision_license=True), VIRTUAL) == []
    assert steps_of(params(id="c2"), VIRTUAL) == []
    assert "rekey" not in steps_of(params(device_id="d9", provision_license=True), None)


def test_a_license_key_missing_from_the_answer_is_replaced():
    client = FakeClient([VIRTUAL])
    change = Change(0, VIRTUAL, {}, params=params(id="c2", provision_license=True))
    keep_license_key(Connectors(client), change, dict(VIRTUAL), None, "license_key_dest")
    assert client.writes == [("PATCH", "c2", {"provision_license": True})]
    assert "no license key came back, so it was re-keyed" in change.warnings[0]


@pytest.mark.parametrize(
    "given, current, answer",
    [
        (params(id="c2", provision_license=True), VIRTUAL, dict(VIRTUAL, license_key="KEY")),
        (params(notes="aws", provision_license=True), VIRTUAL, dict(VIRTUAL)),
        (params(id="c2"), VIRTUAL, dict(VIRTUAL)),
    ],
)
def test_no_extra_rekey_when_the_key_came_back_or_none_was_asked(given, current, answer):
    client = FakeClient([VIRTUAL])
    connectors = Connectors(client)
    change = Change(0, current, {}, params=given)
    assert connectors.settle(given, current, answer, change) == (answer, None)
    if steps_of(given, current):  # the re-key's answer carried the key: it is kept, nothing more is sent
        assert keep_license_key(connectors, change, answer, None, "license_key_dest") == answer
    assert client.writes == [] and change.warnings == []


def test_a_connector_is_named_by_its_first_identity_and_its_device_never_changes():
    assert select_connector([HARDWARE, VIRTUAL], device_id="d2")["id"] == "c2"
    with pytest.raises(InvalidOption, match="^device_serial_number cannot change: connector c1 belongs to"):
        select_connector([HARDWARE, VIRTUAL], connector_id="c1", serial_number="SN2")
    with pytest.raises(InvalidOption, match=r"^notes matches 2 connectors \(c1, c3\)"):
        select_connector([HARDWARE, dict(HARDWARE, id="c3")], notes="ber")


def test_given_identity_is_the_first_given():
    assert given_identity(dict(id=None, device_id="d1", device_serial_number="SN1")) == ("device_id", "d1")
