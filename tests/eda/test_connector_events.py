# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Unit tests of the events source: asyncio, a fake client, a fake clock (no network, no waiting)."""

import asyncio
import datetime

import pytest

from ansible_collections.cloudflare.magic_transit.plugins.inventory import connectors as inventory
from ansible_collections.cloudflare.magic_transit.plugins.module_utils import _hostnames
from ansible_collections.cloudflare.magic_transit.plugins.module_utils._inputs import InvalidOption

from eda_fakes import UTC, FakeClient, FakeClock, Stop, api_error

START = datetime.datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
ARGS = dict(api_token="secret-token-value-0001", account_id="023e105f4ecef8ad9ca31a8372d0c353", interval=60)
PRIMARY, SECONDARY, SINGLE = "a1" * 16, "b2" * 16, "c3" * 16


def stamp(moment):
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def connector(connector_id, serial, notes, **extra):
    found = dict(
        id=connector_id,
        activated=True,
        notes=notes,
        timezone="UTC",
        interrupt_window_hour_of_day=2,
        interrupt_window_duration_hours=4.0,
        interrupt_window_days_of_week=["Sunday", "Monday"],
        interrupt_window_embargo_dates=[],
        last_heartbeat=stamp(START),
        last_seen_version="2026.6.0",
        device=dict(id="d" + connector_id[1:], serial_number=serial, type="MANAGED"),
    )
    found.update(extra)
    return found


def estate():
    return FakeClient(
        connectors=[
            connector(PRIMARY, "SER-P", "store-1 primary"),
            connector(SECONDARY, "SER-S", "store-1 secondary"),
            connector(SINGLE, "SER-1", "store-2"),
        ],
        sites=[
            dict(id="5" * 32, name="store-1", ha_mode=True, connector_id=PRIMARY, secondary_connector_id=SECONDARY),
            dict(id="6" * 32, name="store-2", ha_mode=False, connector_id=SINGLE),
        ],
    )


def make(source_module, client=None, clock=None, **args):
    client = client or estate()
    clock = clock or FakeClock(START)
    return source_module.ConnectorEvents(dict(ARGS, **args), client=client, clock=clock), client, clock


def poll(source, clock, client, seconds=60, fresh=True):
    """One poll ``seconds`` after the last, every heartbeat fresh unless told otherwise."""
    clock.advance(seconds)
    if fresh:
        for item in client.connectors:
            if item.get("_silent"):
                continue
            item["last_heartbeat"] = stamp(clock.now())
    return asyncio.run(source.poll())


def silence(client, connector_id, since):
    item = client.connector(connector_id)
    item["_silent"] = True
    item["last_heartbeat"] = stamp(since)


def wake(client, connector_id):
    client.connector(connector_id).pop("_silent")


def kinds(events):
    return [(e["type"], e.get("host")) for e in events]


# --- start and liveness ------------------------------------------------------------------------------------------


def test_start_is_confirmed_over_two_polls_and_only_problems_are_said(source_module):
    client = estate()
    silence(client, SINGLE, START - datetime.timedelta(hours=1))
    source, client, clock = make(source_module, client)
    assert poll(source, clock, client) == []
    events = poll(source, clock, client)
    assert kinds(events) == [("offline", "SER-1")]
    assert events[0]["initial"] is True and events[0]["previous"] is None
    assert events[0]["age_s"] == 3600 + 120
    assert events[0]["meta"] == {"hosts": ["SER-1"]}
    assert poll(source, clock, client) == []


@pytest.mark.parametrize(
    "policy, expected",
    [
        ("none", []),
        ("all", [("online", "SER-P"), ("online", "SER-S"), ("offline", "SER-1")]),
    ],
)
def test_emit_initial_state(source_module, policy, expected):
    client = estate()
    silence(client, SINGLE, START - datetime.timedelta(hours=1))
    source, client, clock = make(source_module, client, emit_initial_state=policy)
    poll(source, clock, client)
    assert kinds(poll(source, clock, client)) == expected


def test_offline_and_online_need_two_polls(source_module):
    source, client, clock = make(source_module)
    poll(source, clock, client)
    poll(source, clock, client)
    silence(client, SINGLE, clock.now())
    assert poll(source, clock, client, seconds=200) == []  # 200 s old: not yet offline_after
    assert poll(source, clock, client, seconds=200) == []  # 400 s: seen once
    events = poll(source, clock, client)  # 460 s: seen twice
    assert kinds(events) == [("offline", "SER-1")]
    assert events[0]["previous"] == "online" and events[0]["age_s"] == 460 and events[0]["initial"] is False
    assert events[0]["site"] == {"id": "6" * 32, "name": "store-2", "ha_mode": False} and events[0]["peer"] is None
    wake(client, SINGLE)
    assert poll(source, clock, client) == []
    events = poll(source, clock, client)
    assert kinds(events) == [("online", "SER-1")] and events[0]["previous"] == "offline"


def test_one_late_heartbeat_is_no_outage(source_module):
    source, client, clock = make(source_module)
    poll(source, clock, client)
    poll(source, clock, client)
    silence(client, SINGLE, clock.now() - datetime.timedelta(seconds=400))
    assert poll(source, clock, client) == []
    wake(client, SINGLE)
    assert poll(source, clock, client) == []
    assert poll(source, clock, client) == []


def test_connectors_not_activated_are_not_judged(source_module):
    client = estate()
    client.connector(SINGLE).update(activated=False, last_heartbeat=None)
    source, client, clock = make(source_module, client, emit_initial_state="all")
    poll(source, clock, client)
    assert ("offline", "SER-1") not in kinds(poll(source, clock, client))


# --- HA pairs ------------------------------------------------------------------------------------------------------


def test_ha_pair_degraded_down_and_restored_from_the_site(source_module):
    source, client, clock = make(source_module)
    poll(source, clock, client)
    poll(source, clock, client)
    silence(client, SECONDARY, clock.now())
    poll(source, clock, client, seconds=400)
    events = poll(source, clock, client)
    assert kinds(events) == [("offline", "SER-S"), ("ha_pair_degraded", None)]
    offline, pair = events
    assert offline["peer"]["host"] == "SER-P" and offline["peer"]["status"] == "online"
    assert pair["site"]["name"] == "store-1" and pair["online_members"] == 1 and pair["previous"] == "ok"
    assert pair["meta"]["hosts"] == ["SER-P", "SER-S"]
    silence(client, PRIMARY, clock.now())
    poll(source, clock, client, seconds=400)
    assert kinds(poll(source, clock, client)) == [("offline", "SER-P"), ("ha_pair_down", None)]
    wake(client, PRIMARY)
    wake(client, SECONDARY)
    poll(source, clock, client)
    events = poll(source, clock, client)
    assert kinds(events) == [("online", "SER-P"), ("online", "SER-S"), ("ha_pair_restored", None)]
    assert events[-1]["previous"] == "down"


def test_an_ha_pair_down_at_start_is_said_once(source_module):
    client = estate()
    silence(client, PRIMARY, START - datetime.timedelta(hours=2))
    silence(client, SECONDARY, START - datetime.timedelta(hours=2))
    source, client, clock = make(source_module, client)
    poll(source, clock, client)
    events = poll(source, clock, client)
    assert kinds(events) == [("offline", "SER-P"), ("offline", "SER-S"), ("ha_pair_down", None)]
    assert events[-1]["initial"] is True
    assert poll(source, clock, client) == []


def test_sites_are_listed_every_sites_every_polls(source_module):
    source, client, clock = make(source_module, sites_every=3)
    for _poll in range(7):
        poll(source, clock, client)
    assert client.count("/magic/connectors") == 7
    assert client.count("/magic/sites") == 3  # polls 1, 4 and 7
    assert client.count("/interrupts") == 0
    assert source.requests == 10


# --- versions and configuration -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "poll_at, expected",
    [
        # Europe/Berlin, window 03:00-04:00 local every day: 02:00 UTC in winter (CET), 01:00 UTC in summer (CEST).
        (datetime.datetime(2026, 1, 15, 2, 30, tzinfo=UTC), True),
        (datetime.datetime(2026, 1, 15, 1, 30, tzinfo=UTC), False),
        (datetime.datetime(2026, 7, 15, 1, 30, tzinfo=UTC), True),
        (datetime.datetime(2026, 7, 15, 2, 30, tzinfo=UTC), False),
        # the night clocks go forward (29 March 2026, 02:00 -> 03:00): the window opens at 01:00 UTC already
        (datetime.datetime(2026, 3, 29, 1, 30, tzinfo=UTC), True),
        (datetime.datetime(2026, 3, 29, 2, 30, tzinfo=UTC), False),
        # and back (25 October 2026, 03:00 -> 02:00): 03:00 CET is 02:00 UTC again
        (datetime.datetime(2026, 10, 25, 2, 30, tzinfo=UTC), True),
        (datetime.datetime(2026, 10, 25, 1, 30, tzinfo=UTC), False),
    ],
)
def test_version_changed_says_whether_it_was_in_the_window_in_the_connectors_time_zone(
    source_module, poll_at, expected
):
    client = estate()
    client.connector(SINGLE).update(
        timezone="Europe/Berlin",
        interrupt_window_hour_of_day=3,
        interrupt_window_duration_hours=1.0,
        interrupt_window_days_of_week=["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"],
    )
    clock = FakeClock(poll_at - datetime.timedelta(seconds=120))
    source, client, clock = make(source_module, client, clock)
    poll(source, clock, client)
    client.connector(SINGLE)["last_seen_version"] = "2026.7.1"
    events = poll(source, clock, client, seconds=20)  # 100 s before poll_at: a 20 s span before the moment tested
    clock.current = poll_at - datetime.timedelta(seconds=20)
    client.connector(SINGLE)["last_seen_version"] = "2026.7.2"
    events = poll(source, clock, client, seconds=20)
    assert kinds(events) == [("version_changed", "SER-1")]
    assert events[0]["from"] == "2026.7.1" and events[0]["to"] == "2026.7.2"
    assert events[0]["in_window"] is expected


def test_version_changed_without_a_window_is_null(source_module):
    client = estate()
    client.connector(SINGLE)["interrupt_window_days_of_week"] = []
    source, client, clock = make(source_module, client)
    poll(source, clock, client)
    client.connector(SINGLE)["last_seen_version"] = "2026.7.0"
    events = poll(source, clock, client)
    assert events[0]["type"] == "version_changed" and events[0]["in_window"] is None and events[0]["from"] == "2026.6.0"


def test_config_changed_names_the_fields_and_ignores_forms(source_module):
    source, client, clock = make(source_module)
    poll(source, clock, client)
    item = client.connector(SINGLE)
    item.update(interrupt_window_duration_hours=4, interrupt_window_days_of_week=["Monday", "Sunday"])
    assert poll(source, clock, client) == []
    item.update(notes="store-2 (moved)", interrupt_window_hour_of_day=5)
    events = poll(source, clock, client)
    assert kinds(events) == [("config_changed", "SER-1")]
    assert events[0]["changes"] == {
        "notes": {"before": "store-2", "after": "store-2 (moved)"},
        "interrupt_window_hour_of_day": {"before": 2, "after": 5},
    }


def test_added_and_removed(source_module):
    source, client, clock = make(source_module)
    poll(source, clock, client)
    client.connectors.append(connector("d4" * 16, "SER-NEW", "store-3"))
    events = poll(source, clock, client)
    assert kinds(events) == [("added", "SER-NEW")]
    removed = client.connectors.pop(2)
    events = poll(source, clock, client)
    assert [(e["type"], e["connector"]["id"]) for e in events] == [("removed", removed["id"])]
    # A connector added while running is its own baseline: it is not "offline" because it never checked in.
    assert poll(source, clock, client) == []


def test_duplicates_and_repeated_states_are_said_once(source_module):
    client = estate()
    client.connectors.append(dict(client.connectors[2], notes="a duplicate"))
    source, client, clock = make(source_module, client)
    for _poll in range(5):
        assert poll(source, clock, client) == []
    assert len(source.tracked) == 3


# --- interrupts -------------------------------------------------------------------------------------------------


def test_interrupt_done_only_for_an_interrupt_seen_pending(source_module):
    source, client, clock = make(source_module)
    poll(source, clock, client)
    poll(source, clock, client)
    assert client.count("/interrupts") == 0  # never per connector for the estate
    client.interrupts[SINGLE] = [dict(submitted_at="2026-07-01T12:03:00Z", reboot=dict(purge=False))]
    silence(client, SINGLE, clock.now())
    poll(source, clock, client, seconds=400)
    assert kinds(poll(source, clock, client)) == [("offline", "SER-1")]
    assert client.count("/interrupts") == 1  # looked at once it went offline: pending
    client.interrupts[SINGLE][0]["triggered_at"] = "2026-07-01T12:20:00Z"
    wake(client, SINGLE)
    events = poll(source, clock, client)
    assert kinds(events) == [("interrupt_done", "SER-1")]
    assert events[0]["action"] == "reboot" and events[0]["triggered_at"] == "2026-07-01T12:20:00Z"
    assert events[0]["purge"] is False
    poll(source, clock, client)
    assert client.count("/interrupts") == 2  # nothing pending any more: no more reads


# --- faults --------------------------------------------------------------------------------------------------------


def run(source, stop_after):
    queue = asyncio.Queue()
    source.clock.stop_after = stop_after
    with pytest.raises(Stop):
        asyncio.run(source.run(queue))
    found = []
    while not queue.empty():
        found.append(queue.get_nowait())
    return found


@pytest.mark.parametrize(
    "error",
    [
        api_error(503),
        api_error(None, message="no answer within timeout=30 s"),
        api_error(429, retry_after=None),
        api_error(500),
        api_error(401),
    ],
)
def test_transient_faults_are_survived_and_said_once(source_module, error):
    source, client, clock = make(source_module)
    client.faults = [("/magic/connectors", error), ("/magic/connectors", error)] if error.status != 401 else []
    if error.status == 401:
        asyncio.run(source.poll())  # a 401 after a good poll: the token was revoked; say so and keep polling
        client.faults = [("/magic/connectors", error), ("/magic/connectors", error)]
    events = run(source, stop_after=4)
    assert [e["type"] for e in events] == ["source_degraded", "source_recovered"]
    assert events[0]["status"] == error.status and events[1]["failed_polls"] == 2
    assert clock.waits == [60, 60, 60, 60]


def test_the_account_wide_block_is_waited_out(source_module):
    source, client, clock = make(source_module)
    client.faults = [("/magic/connectors", api_error(429, retry_after=300.0))]
    events = run(source, stop_after=2)
    assert [e["type"] for e in events] == ["source_degraded", "source_recovered"]
    assert events[0]["retry_after"] == 300.0
    assert clock.waits == [300.0, 60]  # the wait the headers asked for, then the interval again
    assert client.count("/magic/connectors") == 2


@pytest.mark.parametrize("status", [401, 403])
def test_refused_credentials_at_start_stop_the_source(source_module, status):
    source, client, clock = make(source_module)
    client.faults = [("/magic/connectors", api_error(status))]
    with pytest.raises(
        source_module.SourceStopped, match=r"credentials \(HTTP %d\) on the first poll; check api_token" % status
    ) as info:
        asyncio.run(source.run(asyncio.Queue()))
    assert "secret-token-value-0001" not in str(info.value)


@pytest.mark.parametrize(
    "args, option",
    [
        (dict(interval=0), "interval must be 1 or more"),
        (dict(offline_after=-5), "offline_after must be 1 or more"),
        (dict(sites_every=0), "sites_every must be 1 or more"),
        (dict(events=["offline", "exploded"]), "events"),
        (dict(hostname="fqdn"), "hostname"),
        (dict(emit_initial_state="some"), "emit_initial_state"),
        (dict(account_id=None), "account_id"),
        (dict(interval="soon"), "interval"),
    ],
)
def test_bad_arguments_are_refused_before_any_call(source_module, args, option):
    client = estate()
    with pytest.raises(InvalidOption, match=option) as info:
        source_module.ConnectorEvents(dict(ARGS, **args), client=client, clock=FakeClock(START))
    assert client.calls == [] and "secret-token-value-0001" not in str(info.value)


def test_connection_options_fall_back_to_the_modules_variables(source_module, monkeypatch):
    monkeypatch.setenv("CLOUDFLARE_API_TOKEN", "from-the-environment")
    monkeypatch.setenv("CLOUDFLARE_ACCOUNT_ID", "023e105f4ecef8ad9ca31a8372d0c353")
    monkeypatch.setenv("CLOUDFLARE_BASE_URL", "http://127.0.0.1:9/client/v4")
    params = source_module.check_arguments({"eda_feedback_queue": object()})
    assert params["api_token"] == "from-the-environment" and params["base_url"] == "http://127.0.0.1:9/client/v4"
    assert params["interval"] == 60 and params["offline_after"] == 300 and params["hostname"] == "serial_number"
    source = source_module.ConnectorEvents({})  # the real client, built without a call
    assert source.client.base_url == "http://127.0.0.1:9/client/v4"


def test_only_the_event_types_asked_for(source_module):
    client = estate()
    silence(client, SINGLE, START - datetime.timedelta(hours=1))
    source, client, clock = make(source_module, client, events=["version_changed"])
    poll(source, clock, client)
    assert poll(source, clock, client) == []


# --- what events carry ------------------------------------------------------------------------------------------


def test_api_strings_are_neutralised_for_templating_and_secrets_never_appear(source_module):
    source, client, clock = make(source_module)
    poll(source, clock, client)
    client.connector(SINGLE).update(notes="{{ lookup('pipe', 'id') }} {% raw %} {# x #}", license_key="LICENSE-SECRET")
    events = poll(source, clock, client)
    assert kinds(events) == [("config_changed", "SER-1")]
    text = repr(events)
    assert "{{" not in text and "{%" not in text and "{#" not in text and "LICENSE-SECRET" not in text
    assert events[0]["connector"]["notes"] == "{ { lookup('pipe', 'id') }} { % raw %} { # x #}"
    assert events[0]["neutralised"] == ["connector.notes", "changes.notes.after"]


def test_meta_hosts_are_the_inventory_plugins_host_names(source_module):
    # The same function names hosts in both: the inventory plugin imports it from module_utils.
    assert inventory.connector_host_name is _hostnames.connector_host_name
    client = estate()
    client.connector(SINGLE)["notes"] = "all"  # a reserved name: named by its id, as in the inventory
    client.connector(PRIMARY)["notes"] = "store, 1"
    source, client, clock = make(source_module, client, hostname="notes", emit_initial_state="all")
    poll(source, clock, client)
    hosts = [e["meta"]["hosts"] for e in poll(source, clock, client)]
    assert hosts == [["store_ 1"], ["store-1 secondary"], [SINGLE]]


def test_interrupt_reads_are_bounded_when_many_connectors_go_offline(source_module):
    client = FakeClient(connectors=[connector("%032x" % (i + 1), "SER-%02d" % i, "store-%d" % i) for i in range(15)])
    source, client, clock = make(source_module, client, sites_every=100)
    poll(source, clock, client)
    poll(source, clock, client)
    for item in client.connectors:
        silence(client, item["id"], clock.now())
    poll(source, clock, client, seconds=400)
    events = poll(source, clock, client)
    assert len([e for e in events if e["type"] == "offline"]) == 15
    assert client.count("/interrupts") == source_module.INTERRUPT_CHECKS_PER_POLL == 10
    poll(source, clock, client)
    assert client.count("/interrupts") == 10  # nothing pending was seen: no more reads until a sites refresh
