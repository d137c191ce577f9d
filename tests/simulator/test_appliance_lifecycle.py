# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The appliances behind the connectors: heartbeats, silences after interrupts, admin offline/online, the timeline; seed
data relative to now.

The heartbeat arithmetic is tested on the pure functions with explicit instants (never the wall clock); the HTTP tests
use settings whose outcome does not depend on how long a call takes (a downtime of an hour, a frozen interval).
"""

import datetime

import pytest

from ansible_collections.cloudflare.magic_transit.tests.helpers import result
from simulator import appliances
from simulator.state import format_timestamp

BER_PRIMARY = "711f8eedc6d84336a6f7d256ddd00fce"
BER_SECONDARY = "64180894674b44869153f5fed0c2c654"
SYD = "dd54928d783446aeb068b242b1e286a1"  # last report 2.7 days ago: silent
SFO = "32d9a8741af047e39c4a6ee61a5daaba"  # never reported
SEEDED_REBOOT = [{"from": "2026-02-10T03:00:40.000000Z", "until": "2026-02-10T03:01:10.000000Z", "reason": "reboot"}]
T0 = datetime.datetime(2026, 12, 1, 10, 0, 0, tzinfo=datetime.timezone.utc)
NYC = "d5fcbf8464854891bdc163cff7831dc1"
TYO_VIRTUAL = "59c6e7a1d3994ac79947d3bdc4a78c71"


def at(seconds):
    return T0 + datetime.timedelta(seconds=seconds)


def stamp(seconds):
    return format_timestamp(at(seconds))


def account_with(connectors, interrupts=None, made_at=0):
    account = {"connectors": {item["id"]: item for item in connectors}, "interrupts": interrupts or {}}
    appliances.init_account(account, at(made_at))
    return account


def heartbeat(account, connector_id, seconds, interval=10, downtime=60):
    return appliances.last_heartbeat(account, account["connectors"][connector_id], interval, downtime, at(seconds))


def test_live_appliance_reports_every_interval_and_zero_freezes():
    account = account_with([{"id": "a", "last_heartbeat": stamp(-3)}])
    assert heartbeat(account, "a", 0) == stamp(-3)
    assert heartbeat(account, "a", 6.9) == stamp(-3)
    assert heartbeat(account, "a", 7) == stamp(7)
    assert heartbeat(account, "a", 95) == stamp(87)
    assert heartbeat(account, "a", 95, interval=0) == stamp(-3)


def test_silent_at_load_and_never_reported_stay_silent_until_brought_online():
    account = account_with(
        [{"id": "old", "last_heartbeat": stamp(-301)}, {"id": "new"}, {"id": "fresh", "last_heartbeat": stamp(-300)}]
    )
    assert (
        account["appliances"]["old"]["silent_since"] == stamp(-301)
        and account["appliances"]["new"]["silent_since"] == ""
    )
    assert "silent_since" not in account["appliances"]["fresh"]
    assert heartbeat(account, "old", 1000) == stamp(-301) and heartbeat(account, "new", 1000) is None
    assert not appliances.is_online(account, "new", at(5))
    assert appliances.set_online(account, "new", True, at(100)) is True
    assert appliances.set_online(account, "new", True, at(101)) is False
    assert heartbeat(account, "new", 100) == stamp(100) and heartbeat(account, "new", 125) == stamp(120)
    assert appliances.is_online(account, "new", at(125))


def test_reboot_silences_the_appliance_for_the_downtime_then_it_reports_again():
    interrupts = {"a": [{"submitted_at": stamp(20), "triggered_at": stamp(25), "reboot": {"purge": False}}]}
    account = account_with([{"id": "a", "last_heartbeat": stamp(0)}], interrupts)
    assert heartbeat(account, "a", 24) == stamp(20)
    # Away from triggered_at for the downtime (60 s): the last report stays the one before the reboot.
    assert heartbeat(account, "a", 25) == stamp(20) and heartbeat(account, "a", 84.9) == stamp(20)
    # Back at triggered_at + downtime: a heartbeat newer than triggered_at, then every interval from there.
    assert heartbeat(account, "a", 85) == stamp(85) and heartbeat(account, "a", 104) == stamp(95)
    # A reboot is not "offline": the appliance comes back on its own.
    assert appliances.is_online(account, "a", at(30))
    away = appliances.timeline(account, 10, 60, at(200))["a"]["away"]
    assert away == [{"from": stamp(25), "until": stamp(85), "reason": "reboot"}]


def test_shutdown_and_admin_offline_last_until_online():
    interrupts = {"a": [{"submitted_at": stamp(10), "triggered_at": stamp(10), "shutdown": {"purge": False}}]}
    account = account_with(
        [{"id": "a", "last_heartbeat": stamp(0)}, {"id": "b", "last_heartbeat": stamp(0)}], interrupts
    )
    assert heartbeat(account, "a", 5000) == stamp(10) and not appliances.is_online(account, "a", at(5000))
    appliances.set_online(account, "a", True, at(6000))
    assert heartbeat(account, "a", 6015) == stamp(6010)
    assert appliances.set_online(account, "b", False, at(33)) is True
    assert heartbeat(account, "b", 500) == stamp(30)
    appliances.set_online(account, "b", True, at(505))
    timeline = appliances.timeline(account, 10, 60, at(600))
    assert timeline["b"] == {
        "online": True,
        "last_heartbeat": stamp(595),
        "away": [{"from": stamp(33), "until": stamp(505), "reason": "offline"}],
    }
    assert timeline["a"]["away"] == [{"from": stamp(10), "until": stamp(6000), "reason": "shutdown"}]


def test_deleted_connector_loses_its_record():
    account = account_with([{"id": "a", "last_heartbeat": stamp(0)}])
    del account["connectors"]["a"]
    appliances.init_account(account, at(1))
    assert account["appliances"] == {}


# ---------------------------------------------------------------------------------------------------- over HTTP


def connector(simulator_api, connector_id):
    return result(simulator_api.get("magic/connectors/" + connector_id))


def heartbeats(simulator):
    return simulator.admin("GET", "heartbeats")["accounts"][simulator.account_id]


def test_default_keeps_heartbeats_as_stored(simulator_api, simulator):
    assert simulator.admin("GET", "settings")["heartbeat_interval"] == 0
    assert connector(simulator_api, BER_PRIMARY)["last_heartbeat"] == simulator.connector(BER_PRIMARY)["last_heartbeat"]
    timeline = heartbeats(simulator)
    # The seeded reboot of February, with the default downtime of 30 s.
    assert timeline[BER_PRIMARY]["online"] is True and timeline[BER_PRIMARY]["away"] == SEEDED_REBOOT
    assert timeline[SYD]["online"] is False and timeline[SYD]["away"][0]["reason"] == "silent"
    assert timeline[SFO] == {
        "online": False,
        "last_heartbeat": None,
        "away": [{"from": None, "until": None, "reason": "silent"}],
    }


def test_reboot_over_http_silences_the_member_and_the_timeline_shows_it(simulator_api, simulator):
    simulator.admin("PUT", "settings", {"heartbeat_interval": 10, "interrupt_downtime": 3600, "interrupt_delay": 0})
    before = connector(simulator_api, BER_SECONDARY)["last_heartbeat"]
    posted = simulator_api.post("magic/connectors/%s/interrupts" % BER_SECONDARY, json={"reboot": {"purge": False}})
    assert posted.status_code == 200
    triggered = simulator_api.get("magic/connectors/%s/interrupts" % BER_SECONDARY).json()["result"][-1]["triggered_at"]
    after = connector(simulator_api, BER_SECONDARY)["last_heartbeat"]
    # Silent for an hour from triggered_at: the last heartbeat is the one before the reboot ran.
    assert before <= after <= triggered
    away = heartbeats(simulator)[BER_SECONDARY]["away"]
    assert away[-1]["reason"] == "reboot" and away[-1]["from"] == triggered
    until = datetime.datetime.fromisoformat(away[-1]["until"].replace("Z", "+00:00"))
    assert until - datetime.datetime.fromisoformat(triggered.replace("Z", "+00:00")) == datetime.timedelta(seconds=3600)
    # The state keeps the anchor: the seed's heartbeat, never rewritten by reads.
    assert simulator.connector(BER_SECONDARY)["last_heartbeat"] <= before


def test_admin_offline_and_online(simulator_api, simulator):
    simulator.admin("PUT", "settings", {"heartbeat_interval": 10})
    assert simulator.admin("PUT", "connectors/%s/offline" % BER_PRIMARY) == {
        "connector_id": BER_PRIMARY,
        "online": False,
        "changed": True,
    }
    assert simulator.admin("PUT", "connectors/%s/offline" % BER_PRIMARY)["changed"] is False
    timeline = heartbeats(simulator)[BER_PRIMARY]
    assert (
        timeline["online"] is False
        and timeline["away"][-1]["reason"] == "offline"
        and timeline["away"][-1]["until"] is None
    )
    offline_at = timeline["away"][-1]["from"]
    assert connector(simulator_api, BER_PRIMARY)["last_heartbeat"] <= offline_at
    simulator.admin("PUT", "connectors/%s/online" % SFO)
    assert connector(simulator_api, SFO)["last_heartbeat"] >= heartbeats(simulator)[SFO]["away"][0]["until"]
    simulator.admin("PUT", "connectors/%s/online" % BER_PRIMARY)
    timeline = heartbeats(simulator)[BER_PRIMARY]
    assert timeline["online"] is True and timeline["away"][-1]["until"] >= offline_at
    # The switches are state: a reset forgets them.
    simulator.reset()
    assert heartbeats(simulator)[BER_PRIMARY] == {
        "online": True,
        "last_heartbeat": simulator.connector(BER_PRIMARY)["last_heartbeat"],
        "away": SEEDED_REBOOT,
    }


@pytest.mark.parametrize("headers", [{"Origin": "http://example.org"}, {"Host": "attacker.example:8790"}])
def test_switches_refuse_web_pages(simulator, headers):
    import requests  # pylint: disable=import-outside-toplevel

    answer = requests.put("%s/connectors/%s/offline" % (simulator.admin_url, BER_PRIMARY), headers=headers, timeout=10)
    assert answer.status_code == 403
    assert heartbeats(simulator)[BER_PRIMARY]["online"] is True


def test_switch_errors(simulator):
    import requests  # pylint: disable=import-outside-toplevel

    assert requests.get("%s/connectors/%s/offline" % (simulator.admin_url, BER_PRIMARY), timeout=10).status_code == 405
    assert requests.put("%s/connectors/%s/offline" % (simulator.admin_url, "0" * 32), timeout=10).status_code == 404
    answer = requests.put("%s/settings" % simulator.admin_url, json={"interrupt_downtime": -1}, timeout=10)
    assert answer.status_code == 400 and "interrupt_downtime must be a number of seconds >= 0" in answer.json()["error"]


# ------------------------------------------------------------------------------------------- seed relative to now


def age_seconds(timestamp):
    moment = datetime.datetime.fromisoformat(timestamp.replace("Z", "+00:00"))
    return (datetime.datetime.now(datetime.timezone.utc) - moment).total_seconds()


def test_heartbeats_and_versions_are_relative_to_now(simulator_api, simulator):
    connectors = {item["id"]: item for item in result(simulator_api.get("magic/connectors"))}
    for connector_id in (BER_PRIMARY, BER_SECONDARY, NYC, TYO_VIRTUAL):
        assert 0 <= age_seconds(connectors[connector_id]["last_heartbeat"]) < 600
    assert 2 * 86400 < age_seconds(connectors[SYD]["last_heartbeat"]) < 3 * 86400
    assert "last_heartbeat" not in connectors[SFO]
    # Second precision, the form Cloudflare's examples use (and the connector audit parses).
    assert len(connectors[NYC]["last_heartbeat"]) == len("2026-03-01T09:59:41Z")
    now = datetime.datetime.now(datetime.timezone.utc)
    newest = connectors[BER_PRIMARY]["last_seen_version"]
    year, month = (now.year, now.month - 1) if now.month > 1 else (now.year - 1, 12)
    assert newest == "%d.%d.1" % (year, month)
    versions = [
        tuple(int(part) for part in connectors[key]["last_seen_version"].split(".")) for key in (BER_PRIMARY, NYC, SYD)
    ]
    assert versions == sorted(versions, reverse=True) and len(set(versions)) == 3
    # A fleet is current too: most connectors checked in within minutes, every tenth three days ago.
    simulator.add_fleet(10)
    fleet = [item for item in result(simulator_api.get("magic/connectors")) if item["notes"].startswith("fleet-")]
    assert all(age_seconds(item["last_heartbeat"]) < 600 for item in fleet[:9])
    assert age_seconds(fleet[9]["last_heartbeat"]) > 2 * 86400


def test_admin_state_accepts_relative_values(simulator):
    state = simulator.state()
    state["accounts"][simulator.account_id]["connectors"][SFO]["last_heartbeat"] = {"seconds_ago": 3600}
    simulator.admin("PUT", "state", state)
    assert 3590 < age_seconds(simulator.connector(SFO)["last_heartbeat"]) < 3700
