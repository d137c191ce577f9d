# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Property tests of the normalise / compare / write-body code (pure Python, a few seconds).

For any current object and any valid desired state: the write body the engine plans, applied the way the API applies it
(connectors: ``PATCH`` merges top-level fields; interconnects: ``PUT`` merges top-level fields and replaces nested
objects whole), gives an object that compares equal to the desired state - the next run changes nothing. Comparing any
object with itself changes nothing. The connector case is also applied through the simulator's own validation and
storage code, so client and simulator are checked against each other. Diffs never show a secret.
"""

from __future__ import annotations

import copy
import datetime
import string

import pytest
from hypothesis import HealthCheck, assume, given, settings, strategies as st

from ansible_collections.cloudflare.magic_transit.plugins.module_utils._client import SECRET_MASK
from ansible_collections.cloudflare.magic_transit.plugins.module_utils._connectors import (
    DAYS,
    Connectors,
    check_settings,
    merge_embargo_dates,
)
from ansible_collections.cloudflare.magic_transit.plugins.module_utils._inputs import InvalidOption
from ansible_collections.cloudflare.magic_transit.plugins.module_utils._interconnects import Interconnects
from ansible_collections.cloudflare.magic_transit.plugins.module_utils._values import (
    desired_from_params,
    differences,
    managed_view,
)
from simulator import resources as sim_resources, validation as sim_validation

SETTINGS_OF_TESTS = settings(
    max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)
CONNECTORS = Connectors(client=None)
INTERCONNECTS = Interconnects(client=None)
SETTINGS = Connectors.fields
INTERCONNECT_FIELDS = Interconnects.fields
HEALTH_CHECK_DEFAULTS = {"enabled": True, "rate": "mid", "type": "reply", "direction": "unidirectional", "target": ""}

# --- strategies ---------------------------------------------------------------------------------------------------

TEXT = st.text(alphabet=string.ascii_letters + string.digits + " -_./", max_size=20)
HEX32 = st.text(alphabet="0123456789abcdef", min_size=32, max_size=32)
TIMEZONES = st.sampled_from(["UTC", "Europe/Berlin", "America/New_York", "Asia/Tokyo", "Australia/Sydney", "Etc/GMT+2"])
DATES = st.dates(datetime.date(2025, 1, 1), datetime.date(2030, 12, 31)).map(datetime.date.isoformat)
# Any casing the module accepts; duplicates allowed (compared as a set).
DAY_NAMES = st.sampled_from(DAYS).flatmap(lambda day: st.sampled_from([day, day.lower(), day.upper(), " %s " % day]))
NUMBER_AS_API = st.one_of(st.integers(0, 23), st.integers(0, 23).map(float))  # the API may answer 4.0 for 4


@st.composite
def connector_answers(draw):
    """A connector as the API answers it; any setting may be missing."""
    obj = {
        "id": draw(HEX32),
        "device": {"id": draw(HEX32), "type": draw(st.sampled_from(["MANAGED", "LICENSED"]))},
        "last_updated": "2026-01-01T00:00:00Z",
    }
    optional = {
        "activated": st.booleans(),
        "notes": TEXT,
        "timezone": TIMEZONES,
        "interrupt_window_hour_of_day": NUMBER_AS_API,
        "interrupt_window_duration_hours": st.integers(1, 24).map(float),
        "interrupt_window_days_of_week": st.lists(st.sampled_from(DAYS), unique=True).map(
            lambda d: sorted(d, key=DAYS.index)
        ),
        "interrupt_window_embargo_dates": st.lists(DATES, unique=True, max_size=60).map(sorted),
        "primary": st.booleans(),
    }
    for key, strategy in optional.items():
        if draw(st.booleans()):
            obj[key] = draw(strategy)
    return obj


@st.composite
def connector_settings(draw):
    """Options a user may set on magic_connector (valid ones), as Ansible hands them to the module."""
    options = {
        "activated": st.booleans(),
        "notes": TEXT,
        "timezone": TIMEZONES,
        "interrupt_window_hour_of_day": st.integers(0, 23),
        "interrupt_window_duration_hours": st.integers(1, 24),
        "interrupt_window_days_of_week": st.lists(DAY_NAMES, min_size=1, max_size=9),
        "interrupt_window_embargo_dates": st.lists(DATES, max_size=50),
    }
    chosen = draw(st.sets(st.sampled_from(sorted(options)), min_size=1))
    return dict((key, draw(options[key])) for key in chosen)


IPV4_31 = st.integers(0, 2**15 - 1).map(lambda n: "10.%d.%d.%d/31" % (n >> 7 & 255, n & 127, 0))
PREFIXES = st.sampled_from(["203.0.113.0/24", "198.51.100.0/24", "2001:db8:1200::/48", "192.0.2.0/25", "2001:db8::/32"])
MD5 = st.text(alphabet=string.ascii_letters + string.digits, min_size=6, max_size=20).map(lambda s: "md5:" + s)
TARGETS = st.sampled_from(["", "10.0.0.1", "192.168.10.1"])


@st.composite
def health_checks(draw, as_api):
    hc = {}
    for key, strategy in (
        ("enabled", st.booleans()),
        ("rate", st.sampled_from(["low", "mid", "high"])),
        ("type", st.sampled_from(["reply", "request"])),
        ("direction", st.sampled_from(["unidirectional", "bidirectional"])),
        ("target", TARGETS),
    ):
        if draw(st.booleans()):
            hc[key] = draw(strategy)
    if hc.get("direction") == "bidirectional" and draw(st.booleans()):
        hc["source"] = "10.1.2.3"
    if as_api and "target" in hc:
        hc["target"] = {"saved": hc["target"], "effective": hc["target"] or "10.212.0.9"}
    return hc


@st.composite
def bgps(draw, as_api):
    bgp = {}
    for key, strategy in (
        ("customer_asn", st.integers(1, 4294967295)),
        ("extra_prefixes", st.lists(PREFIXES, max_size=4)),
        ("md5_key", MD5),
        ("import_filter_id", HEX32),
        ("export_filter_id", HEX32),
    ):
        if draw(st.booleans()):
            bgp[key] = draw(strategy)
    if as_api and draw(st.booleans()):
        bgp["as_no"] = bgp.get("customer_asn", 64512)  # deprecated, read-only: never sent back
    return bgp


@st.composite
def interconnects(draw):
    """An interconnect as the API answers it with x-magic-new-hc-target: true; nested objects may be missing."""
    obj = {
        "id": draw(HEX32),
        "name": draw(TEXT.filter(bool)),
        "colo_name": "fra01",
        "version": draw(st.sampled_from(["1", "2"])),
        "mtu": draw(st.integers(576, 9000)),
        "created_on": "2025-01-01T00:00:00Z",
        "modified_on": "2025-01-01T00:00:00Z",
    }
    for key, strategy in (
        ("description", TEXT),
        ("automatic_return_routing", st.booleans()),
        ("interface_address", IPV4_31),
        ("gre", st.fixed_dictionaries({"cloudflare_endpoint": st.sampled_from(["172.64.240.252", "172.64.240.253"])})),
        ("health_check", health_checks(as_api=True)),
        ("bgp", bgps(as_api=True)),
    ):
        if draw(st.booleans()):
            obj[key] = draw(strategy)
    return obj


@st.composite
def interconnect_params(draw):
    """cf_interconnect's module parameters (valid, None for what the user left out), as AnsibleModule hands them over."""
    params = dict((name, None) for name in INTERCONNECT_FIELDS)
    for key, strategy in (
        ("name", TEXT.filter(bool)),
        ("description", TEXT),
        ("mtu", st.integers(576, 9000)),
        ("automatic_return_routing", st.booleans()),
        ("interface_address", IPV4_31),
        ("gre", st.fixed_dictionaries({"cloudflare_endpoint": st.sampled_from(["172.64.240.252", "172.64.240.254"])})),
        ("health_check", health_checks(as_api=False)),
        ("bgp", bgps(as_api=False)),
    ):
        if draw(st.booleans()):
            params[key] = draw(strategy)
    for nested in ("gre", "health_check", "bgp"):
        if params[nested] is not None:
            # AnsibleModule fills every sub-option the user left out with None.
            params[nested] = dict(dict((key, None) for key in INTERCONNECT_FIELDS[nested]), **params[nested])
    return params


# --- the API, as the notes describe it ----------------------------------------------------------------------------


def patch_connector(current, body):
    """PATCH: the fields sent replace theirs, the rest is kept; answers with days in week order, dates sorted, the
    duration as a float."""
    assert "license_key" not in body and all(value is not None for value in body.values())
    new = copy.deepcopy(current)
    new.update(copy.deepcopy(body))
    if "interrupt_window_days_of_week" in new:
        new["interrupt_window_days_of_week"] = sorted(new["interrupt_window_days_of_week"], key=DAYS.index)
    if "interrupt_window_embargo_dates" in new:
        new["interrupt_window_embargo_dates"] = sorted(new["interrupt_window_embargo_dates"])
    if "interrupt_window_duration_hours" in new:
        new["interrupt_window_duration_hours"] = float(new["interrupt_window_duration_hours"])
    return new


def put_interconnect(current, body):
    """PUT: top-level fields sent replace theirs; a nested object sent replaces the stored one whole (keys left out go
    back to their defaults or disappear); the answer shows health_check.target as {saved, effective}."""
    new = copy.deepcopy(current)
    for key, value in body.items():
        assert value is not None
        if key == "health_check":
            value = dict(HEALTH_CHECK_DEFAULTS, **copy.deepcopy(value))
            saved = value["target"]["saved"] if isinstance(value["target"], dict) else value["target"]
            value["target"] = {"saved": saved, "effective": saved or "10.212.0.9"}
        new[key] = copy.deepcopy(value)
    return new


# --- properties ---------------------------------------------------------------------------------------------------


@SETTINGS_OF_TESTS
@given(current=connector_answers(), raw=connector_settings(), purge=st.booleans())
def test_connector_desired_state_applied_compares_equal(current, raw, purge):
    desired = check_settings(raw)
    try:
        desired = merge_embargo_dates(desired, current, purge)
    except InvalidOption:
        assume(False)  # more than 100 dates after merging: refused before any call, nothing to apply
    before, changes, body = CONNECTORS.plan(current, desired)
    assert set(changes) <= set(desired) and set(body) == set(changes)
    assert before == CONNECTORS.canonical(current)

    after = patch_connector(current, body)
    assert differences(CONNECTORS.canonical(after), desired) == {}
    assert CONNECTORS.plan(after, desired)[1] == {}, "a second run would change something"
    # Check mode predicts exactly that state.
    assert differences(CONNECTORS.canonical(CONNECTORS.predicted(current, changes)), desired) == {}
    if not changes:
        assert managed_view(CONNECTORS.canonical(current), desired) == managed_view(desired, desired)


@SETTINGS_OF_TESTS
@given(current=connector_answers(), raw=connector_settings())
def test_connector_body_is_accepted_and_stored_by_the_simulator(current, raw):
    """The same through the simulator's own PATCH validation and rendering: client and simulator agree."""
    desired = check_settings(raw)
    body = CONNECTORS.plan(current, desired)[2]
    accepted, provision_license = sim_validation.connector_edit_body(body)  # raises if the API would refuse the body
    assert not provision_license
    stored = copy.deepcopy(current)
    stored.update(accepted)
    answer = sim_resources.render_connector(stored)
    assert CONNECTORS.plan(answer, desired)[1] == {}


@SETTINGS_OF_TESTS
@given(current=interconnects(), params=interconnect_params())
def test_interconnect_desired_state_applied_compares_equal(current, params):
    desired = INTERCONNECTS.canonical(desired_from_params(params, INTERCONNECT_FIELDS))
    before, changes, body = INTERCONNECTS.plan(current, desired)
    assert set(changes) <= set(desired) and set(body) == set(changes)
    for nested in ("gre", "health_check", "bgp"):
        if nested in body:
            # Sent whole (current merged with desired), only writable keys, never a null.
            assert set(body[nested]) <= set(INTERCONNECT_FIELDS[nested])
            kept = set(k for k, v in (current.get(nested) or {}).items() if k in INTERCONNECT_FIELDS[nested])
            if nested == "health_check" and body[nested].get("direction", "bidirectional") != "bidirectional":
                kept.discard("source")  # a unidirectional check has no source: left out, the API clears it
            assert set(body[nested]) >= kept
            assert None not in body[nested].values()
    if "target" in body.get("health_check", {}):
        assert set(body["health_check"]["target"]) == {"saved"}, "the target is written as {saved}"

    after = put_interconnect(current, body)
    assert differences(INTERCONNECTS.canonical(after), desired) == {}
    assert INTERCONNECTS.plan(after, desired)[1] == {}, "a second run would change something"


@SETTINGS_OF_TESTS
@given(obj=st.one_of(connector_answers(), interconnects()))
def test_any_object_compared_with_itself_is_unchanged(obj):
    resource = INTERCONNECTS if "colo_name" in obj else CONNECTORS
    canonical = resource.canonical(obj)
    assert resource.canonical(canonical) == canonical, "canonical is idempotent"
    assert differences(canonical, canonical) == {}
    assert differences(canonical, managed_view(canonical, canonical)) == {}
    assert resource.diff(managed_view(canonical, canonical), managed_view(canonical, canonical)) == {
        "before": {},
        "after": {},
    }


@SETTINGS_OF_TESTS
@given(obj=interconnects(), desired=interconnect_params())
def test_asking_for_what_is_there_changes_nothing(obj, desired):
    """Whatever options a user manages, desired = the object's own values for them is never a change."""
    wanted = desired_from_params(desired, INTERCONNECT_FIELDS)
    canonical = INTERCONNECTS.canonical(obj)
    view = managed_view(canonical, wanted)
    present = {}
    for key, value in view.items():
        if isinstance(value, dict):
            value = dict((k, v) for k, v in value.items() if v is not None) or None
        if value is not None:
            present[key] = value
    assert INTERCONNECTS.plan(obj, present)[1] == {}


@SETTINGS_OF_TESTS
@given(raw=connector_settings())
def test_check_settings_is_idempotent_and_canonical(raw):
    once = check_settings(raw)
    assert check_settings(once) == once
    assert set(once) == set(raw)
    days = once.get("interrupt_window_days_of_week")
    if days is not None:
        assert days == sorted(set(days), key=DAYS.index)
        assert set(days) == set(str(d).strip().capitalize() for d in raw["interrupt_window_days_of_week"])
    dates = once.get("interrupt_window_embargo_dates")
    if dates is not None:
        assert dates == sorted(set(raw["interrupt_window_embargo_dates"]))


@SETTINGS_OF_TESTS
@given(current=connector_answers(), given_dates=st.lists(DATES, max_size=80), purge=st.booleans())
def test_merge_embargo_dates(current, given_dates, purge):
    desired = {"interrupt_window_embargo_dates": given_dates, "notes": "x"}
    union = sorted(set(current.get("interrupt_window_embargo_dates") or []) | set(given_dates))
    if purge:
        assert merge_embargo_dates(desired, current, True) is desired
        return
    if len(union) > 100:
        with pytest.raises(
            InvalidOption, match=r"^interrupt_window_embargo_dates may hold at most 100 dates \(after merging\)"
        ):
            merge_embargo_dates(desired, current, False)
        return
    merged = merge_embargo_dates(desired, current, False)
    assert merged == {"interrupt_window_embargo_dates": union, "notes": "x"}
    assert merge_embargo_dates(merged, dict(current, interrupt_window_embargo_dates=union), False) == merged
    assert merge_embargo_dates({"notes": "x"}, current, False) == {"notes": "x"}, "no dates given: nothing to merge"


@SETTINGS_OF_TESTS
@given(
    before=interconnects(),
    after=interconnects(),
    license_key=st.text(alphabet=string.ascii_uppercase, min_size=8).map(lambda s: "MWCL-" + s),
)
def test_diffs_and_results_never_show_a_secret(before, after, license_key):
    secrets = [obj["bgp"]["md5_key"] for obj in (before, after) if "md5_key" in obj.get("bgp", {})]
    diff = INTERCONNECTS.diff(INTERCONNECTS.canonical(before), INTERCONNECTS.canonical(after))
    assert not any(secret in repr(diff) for secret in secrets)
    assert not any(secret in repr(INTERCONNECTS.masked(after)) for secret in secrets)
    connector = {"id": "c", "notes": "n", "license_key": license_key}
    assert license_key not in repr(CONNECTORS.diff({}, connector))
    assert CONNECTORS.masked(connector, one_time_too=True)["license_key"] == SECRET_MASK
    assert CONNECTORS.masked(connector)["license_key"] == license_key, "the create's own result keeps the key"
