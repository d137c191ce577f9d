# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Magic WAN connectors: CRUD, device rules, license keys, constraints, interrupts, telemetry, fleets; site_id and
primary, virtual serial numbers, strict devices, asynchronous interrupts (one pending at a time)."""

import datetime
import time

import pytest

from ansible_collections.cloudflare.magic_transit.tests.helpers import errors_of, put_settings, result, stored

BER_PRIMARY = "711f8eedc6d84336a6f7d256ddd00fce"  # MANAGED, serial MWC2301A0417
SFO_LICENSED = "32d9a8741af047e39c4a6ee61a5daaba"  # LICENSED
SPARE_SERIAL = "MWC2405C0101"  # registered device without a connector
SPARE_LICENSED_DEVICE = "9681d2552ec53ab9a801ed434a5b4680"
SPARE_SERVICE_TAG = "CFVA-9681D2552EC5"  # its serial number (a virtual appliance's service tag)
ALL_DAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
BER_SECONDARY = "64180894674b44869153f5fed0c2c654"
NYC = "d5fcbf8464854891bdc163cff7831dc1"
SITE_SYD = "9d3e5f7a1b2c4d6e8f0a2b4c6d8e0f1a"
SYD = "dd54928d783446aeb068b242b1e286a1"


def path(connector_id="", suffix=""):
    return "magic/connectors" + ("/" + connector_id if connector_id else "") + suffix


def test_list_get_and_device_type_filter(simulator_api):
    connectors = result(simulator_api.get(path()))
    assert len(connectors) == 6
    assert {item["device"]["type"] for item in connectors} == {"MANAGED", "LICENSED"}
    managed = result(simulator_api.get(path(), params={"device_type": "MANAGED"}))
    licensed = result(simulator_api.get(path(), params={"device_type": "LICENSED"}))
    assert len(managed) == 4 and len(licensed) == 2
    assert all("serial_number" in item["device"] for item in managed)
    assert all("serial_number" not in item["device"] for item in licensed)
    assert (
        errors_of(simulator_api.get(path(), params={"device_type": "managed"}))[(1004, "/device_type")]
        == "device_type must be one of MANAGED, LICENSED"
    )
    single = result(simulator_api.get(path(BER_PRIMARY)))
    assert single == next(item for item in connectors if item["id"] == BER_PRIMARY)
    assert single["notes"] == "ber-branch-01 primary"
    assert single["interrupt_window_duration_hours"] == 4.0
    assert isinstance(single["interrupt_window_duration_hours"], float)
    assert "license_key" not in single


def test_create_by_registered_serial_with_defaults(simulator_api, simulator):
    created = result(simulator_api.post(path(), json={"device": {"serial_number": SPARE_SERIAL}}))
    assert created["device"] == {
        "id": "9e3fb46c3950493bd1e13a4fb24365b0",
        "serial_number": SPARE_SERIAL,
        "type": "MANAGED",
    }
    assert created["activated"] is False and created["notes"] == "" and created["timezone"] == "UTC"
    assert created["interrupt_window_hour_of_day"] == 0 and created["interrupt_window_duration_hours"] == 4.0
    assert created["interrupt_window_days_of_week"] == ALL_DAYS
    # The newest schema (the default) has no site_id/primary; their 2026-08 defaults: tests/simulator/test_newest_schema.py.
    assert created["interrupt_window_embargo_dates"] == [] and "primary" not in created and "site_id" not in created
    assert "license_key" not in created and created["last_updated"]
    assert simulator.connector(created["id"])["device"]["serial_number"] == SPARE_SERIAL
    assert len(result(simulator_api.get(path()))) == 7


def test_create_registers_unknown_serial_and_by_device_id(simulator_api, simulator):
    created = result(
        simulator_api.post(
            path(), json={"device": {"serial_number": "MWC2609Z9999"}, "notes": "new box", "activated": True}
        )
    )
    device_id = created["device"]["id"]
    assert created["device"]["type"] == "MANAGED" and created["notes"] == "new box" and created["activated"] is True
    assert stored(simulator, "devices")[device_id]["serial_number"] == "MWC2609Z9999"
    by_id = result(simulator_api.post(path(), json={"device": {"id": SPARE_LICENSED_DEVICE}}))
    assert by_id["device"] == {"id": SPARE_LICENSED_DEVICE, "serial_number": SPARE_SERVICE_TAG, "type": "LICENSED"}
    assert errors_of(simulator_api.post(path(), json={"device": {"id": "0" * 32}}), 404)[(1003, "/device/id")]


def test_create_with_provision_license_returns_key_once(simulator_api, simulator):
    created = result(simulator_api.post(path(), json={"device": {"provision_license": True}, "notes": "virtual-01"}))
    key = created["license_key"]
    assert key.startswith("MWCL-") and len(key) == 34
    # A new virtual appliance gets a service tag as its serial number.
    assert created["device"]["type"] == "LICENSED" and created["device"]["serial_number"].startswith("CFVA-")
    assert "license_key" not in result(simulator_api.get(path(created["id"])))
    assert all("license_key" not in item for item in result(simulator_api.get(path())))
    assert key not in str(simulator.state())
    assert "license_key" not in str(simulator.connector(created["id"]))
    # The request log holds no key either (answers are not logged; bodies are masked).
    assert key not in str(simulator.requests())
    # PATCH with provision_license re-keys: a new key, returned by that answer only.
    edited = result(simulator_api.patch(path(created["id"]), json={"provision_license": True}))
    assert edited["license_key"].startswith("MWCL-") and edited["license_key"] != key
    assert "license_key" not in result(simulator_api.patch(path(created["id"]), json={"notes": "no rekey"}))
    assert "license_key" not in result(simulator_api.patch(path(created["id"]), json={"provision_license": False}))


def test_provision_license_only_for_licensed_devices(simulator_api):
    errors = errors_of(simulator_api.patch(path(BER_PRIMARY), json={"provision_license": True}))
    assert errors[(1004, "/provision_license")] == "provision_license is only valid for connectors of LICENSED devices"
    assert "license_key" in result(simulator_api.patch(path(SFO_LICENSED), json={"provision_license": True}))


@pytest.mark.parametrize(
    "device, message",
    [
        ({}, "device must have exactly one of id, serial_number, provision_license: true (got none)"),
        (
            {"provision_license": False},
            "device must have exactly one of id, serial_number, provision_license: true (got none)",
        ),
        (
            {"id": "9e3fb46c3950493bd1e13a4fb24365b0", "serial_number": SPARE_SERIAL},
            "device must have exactly one of id, serial_number, provision_license: true (got id, serial_number)",
        ),
        (
            {"serial_number": SPARE_SERIAL, "provision_license": True},
            "device must have exactly one of id, serial_number, provision_license: true (got serial_number, provision_license)",
        ),
    ],
)
def test_create_device_exactly_one(simulator_api, simulator, device, message):
    assert errors_of(simulator_api.post(path(), json={"device": device}))[(1004, "/device")] == message
    assert len(stored(simulator, "connectors")) == 6


def test_create_refusals(simulator_api, simulator):
    assert (1004, "/device") in errors_of(simulator_api.post(path(), json={"notes": "no device"}))
    assert (1004, "/provision_license") in errors_of(
        simulator_api.post(path(), json={"device": {"serial_number": "X1"}, "provision_license": True})
    )
    assert (1004, "/device/serial_number") in errors_of(
        simulator_api.post(path(), json={"device": {"serial_number": " "}})
    )
    assert (1004, "/device/type") in errors_of(
        simulator_api.post(path(), json={"device": {"serial_number": "X1", "type": "MANAGED"}})
    )
    assert (1022, "/device/serial_number") in errors_of(
        simulator_api.post(path(), json={"device": {"serial_number": None}})
    )
    assert (1004, "/id") in errors_of(simulator_api.post(path(), json={"device": {"serial_number": "X1"}, "id": "abc"}))
    assert len(stored(simulator, "connectors")) == 6


def test_device_with_a_connector_is_409(simulator_api, simulator):
    errors = errors_of(simulator_api.post(path(), json={"device": {"serial_number": "MWC2301A0417"}}), 409)
    assert "already has a connector (%s)" % BER_PRIMARY in errors[(1006, "/device")]
    created = result(simulator_api.post(path(), json={"device": {"provision_license": True}}))
    assert errors_of(simulator_api.post(path(), json={"device": {"id": created["device"]["id"]}}), 409)
    # Once the connector is deleted, its device is free again.
    result(simulator_api.delete(path(BER_PRIMARY)))
    assert (
        result(simulator_api.post(path(), json={"device": {"serial_number": "MWC2301A0417"}}))["device"][
            "serial_number"
        ]
        == "MWC2301A0417"
    )
    assert simulator.connector(BER_PRIMARY) is None


def test_patch_is_partial(simulator_api, simulator):
    before = simulator.connector(BER_PRIMARY)
    edited = result(
        simulator_api.patch(
            path(BER_PRIMARY), json={"notes": "ber-branch-01 primary (rack 2)", "interrupt_window_hour_of_day": 5}
        )
    )
    assert edited["notes"] == "ber-branch-01 primary (rack 2)" and edited["interrupt_window_hour_of_day"] == 5
    stored = simulator.connector(BER_PRIMARY)
    assert stored == dict(
        before,
        notes="ber-branch-01 primary (rack 2)",
        interrupt_window_hour_of_day=5,
        last_updated=stored["last_updated"],
    )
    assert stored["last_updated"] != before["last_updated"]


def test_put_replaces_and_keeps_read_only_fields(simulator_api, simulator):
    before = simulator.connector(BER_PRIMARY)
    replaced = result(simulator_api.put(path(BER_PRIMARY), json={"notes": "replaced"}))
    assert replaced["notes"] == "replaced"
    assert replaced["activated"] is False and replaced["timezone"] == "UTC"
    assert replaced["interrupt_window_days_of_week"] == ALL_DAYS and replaced["interrupt_window_embargo_dates"] == []
    assert replaced["interrupt_window_hour_of_day"] == 0 and replaced["interrupt_window_duration_hours"] == 4.0
    for key in ("id", "device", "last_heartbeat", "last_seen_version"):
        assert replaced[key] == before[key]


def test_patch_validate_only_is_persisted_like_the_real_api(simulator_api, simulator):
    response = simulator_api.patch(
        path(BER_PRIMARY), json={"notes": "persisted anyway"}, params={"validate_only": "true"}
    )
    assert result(response)["notes"] == "persisted anyway"
    assert simulator.connector(BER_PRIMARY)["notes"] == "persisted anyway"
    assert simulator.writes()[0]["query"] == {"validate_only": "true"}


def test_device_cannot_be_changed(simulator_api, simulator):
    for method in ("PATCH", "PUT"):
        errors = errors_of(
            simulator_api.request(method, path(BER_PRIMARY), json={"device": {"serial_number": "MWC2405C0102"}})
        )
        assert errors == {(1004, "/device"): "device cannot be changed: delete the connector and create a new one"}
    assert simulator.connector(BER_PRIMARY)["device"]["serial_number"] == "MWC2301A0417"


@pytest.mark.parametrize(
    "body, pointer, message",
    [
        (
            {"timezone": "Mars/Olympus"},
            "/timezone",
            "timezone must be an IANA time zone name such as Europe/Berlin (case-sensitive)",
        ),
        (
            {"timezone": "europe/berlin"},
            "/timezone",
            "timezone must be an IANA time zone name such as Europe/Berlin (case-sensitive)",
        ),
        (
            {"interrupt_window_hour_of_day": 24},
            "/interrupt_window_hour_of_day",
            "interrupt_window_hour_of_day must be a whole number between 0 and 23",
        ),
        (
            {"interrupt_window_hour_of_day": -1},
            "/interrupt_window_hour_of_day",
            "interrupt_window_hour_of_day must be a whole number between 0 and 23",
        ),
        (
            {"interrupt_window_hour_of_day": 2.5},
            "/interrupt_window_hour_of_day",
            "interrupt_window_hour_of_day must be a whole number between 0 and 23",
        ),
        (
            {"interrupt_window_hour_of_day": "2"},
            "/interrupt_window_hour_of_day",
            "interrupt_window_hour_of_day must be a number",
        ),
        (
            {"interrupt_window_hour_of_day": True},
            "/interrupt_window_hour_of_day",
            "interrupt_window_hour_of_day must be a number",
        ),
        (
            {"interrupt_window_duration_hours": 0},
            "/interrupt_window_duration_hours",
            "interrupt_window_duration_hours must be a whole number between 1 and 24",
        ),
        (
            {"interrupt_window_duration_hours": 25},
            "/interrupt_window_duration_hours",
            "interrupt_window_duration_hours must be a whole number between 1 and 24",
        ),
        (
            {"interrupt_window_days_of_week": ["monday"]},
            "/interrupt_window_days_of_week/0",
            "interrupt_window_days_of_week[0] must be one of Sunday, Monday, Tuesday, Wednesday, Thursday, Friday, Saturday (exact capitalisation)",
        ),
        (
            {"interrupt_window_days_of_week": ["Monday", "Monday"]},
            "/interrupt_window_days_of_week",
            "interrupt_window_days_of_week must not contain duplicates",
        ),
        (
            {"interrupt_window_days_of_week": "Monday"},
            "/interrupt_window_days_of_week",
            "interrupt_window_days_of_week must be an array",
        ),
        (
            {"interrupt_window_embargo_dates": ["2026-02-30"]},
            "/interrupt_window_embargo_dates/0",
            "interrupt_window_embargo_dates[0] must be a real date formatted YYYY-MM-DD",
        ),
        (
            {"interrupt_window_embargo_dates": ["24.12.2026"]},
            "/interrupt_window_embargo_dates/0",
            "interrupt_window_embargo_dates[0] must be a real date formatted YYYY-MM-DD",
        ),
        (
            {"interrupt_window_embargo_dates": ["20261224"]},
            "/interrupt_window_embargo_dates/0",
            "interrupt_window_embargo_dates[0] must be a real date formatted YYYY-MM-DD",
        ),
        (
            {"interrupt_window_embargo_dates": ["2026-12-24", "2026-12-24"]},
            "/interrupt_window_embargo_dates",
            "interrupt_window_embargo_dates must not contain duplicates",
        ),
        (
            {
                "interrupt_window_embargo_dates": [
                    "2026-%02d-%02d" % (1 + day // 28, 1 + day % 28) for day in range(101)
                ]
            },
            "/interrupt_window_embargo_dates",
            "interrupt_window_embargo_dates must have at most 100 dates",
        ),
        ({"notes": "x" * 2049}, "/notes", "notes must be at most 2048 characters"),
        ({"notes": None}, "/notes", "notes: type string is not permitted to be null"),
        (
            {"interrupt_window_days_of_week": [None]},
            "/interrupt_window_days_of_week/0",
            "interrupt_window_days_of_week[0]: type string is not permitted to be null",
        ),
        ({"activated": "true"}, "/activated", "activated must be a boolean"),
        ({"activated": None}, "/activated", "activated: type boolean is not permitted to be null"),
        (
            {"last_heartbeat": "2026-01-01T00:00:00Z"},
            "/last_heartbeat",
            "last_heartbeat is read-only and cannot be set",
        ),
        ({"license_key": "MWCL-X"}, "/license_key", "license_key is read-only and cannot be set"),
        ({"site": "x"}, "/site", "site is not a valid field"),
    ],
)
def test_connector_constraints(simulator_api, simulator, body, pointer, message):
    before = simulator.connector(BER_PRIMARY)
    errors = errors_of(simulator_api.patch(path(BER_PRIMARY), json=body))
    assert errors[(1022 if "null" in message else 1004, pointer)] == message
    assert simulator.connector(BER_PRIMARY) == before
    # Creates run the same checks.
    errors_of(simulator_api.post(path(), json=dict(body, device={"serial_number": SPARE_SERIAL})))


def test_accepted_values_and_normalisation(simulator_api, simulator):
    dates = ["2026-%02d-%02d" % (1 + day // 28, 1 + day % 28) for day in range(100)]
    edited = result(
        simulator_api.patch(
            path(BER_PRIMARY),
            json={
                "timezone": "America/Argentina/Buenos_Aires",
                "interrupt_window_hour_of_day": 23.0,
                "interrupt_window_duration_hours": 24,
                "interrupt_window_days_of_week": ["Saturday", "Monday", "Sunday"],
                "interrupt_window_embargo_dates": list(reversed(dates)),
                "notes": "x" * 2048,
                "activated": False,
            },
        )
    )
    assert edited["interrupt_window_hour_of_day"] == 23 and edited["interrupt_window_duration_hours"] == 24.0
    # Days come back in week order and dates sorted: compare as sets, never positionally.
    assert edited["interrupt_window_days_of_week"] == ["Sunday", "Monday", "Saturday"]
    assert edited["interrupt_window_embargo_dates"] == dates
    assert (
        result(simulator_api.patch(path(BER_PRIMARY), json={"interrupt_window_duration_hours": 4.0}))[
            "interrupt_window_duration_hours"
        ]
        == 4.0
    )
    assert (
        result(simulator_api.patch(path(BER_PRIMARY), json={"interrupt_window_days_of_week": []}))[
            "interrupt_window_days_of_week"
        ]
        == []
    )
    assert simulator.connector(BER_PRIMARY)["interrupt_window_duration_hours"] == 4.0


def test_delete_returns_the_connector(simulator_api, simulator):
    before = result(simulator_api.get(path(BER_PRIMARY)))
    deleted = result(simulator_api.delete(path(BER_PRIMARY)))
    assert deleted == before
    assert simulator.connector(BER_PRIMARY) is None
    assert errors_of(simulator_api.get(path(BER_PRIMARY)), 404)
    assert errors_of(simulator_api.delete(path(BER_PRIMARY)), 404)


def test_interrupts(simulator_api, simulator):
    seeded = result(simulator_api.get(path(BER_PRIMARY, "/interrupts")))
    assert seeded[0]["reboot"] == {"purge": False}
    created = result(simulator_api.post(path(BER_PRIMARY, "/interrupts"), json={"shutdown": {"purge": True}}))
    assert created["shutdown"] == {"purge": True} and created["submitted_at"]
    assert result(simulator_api.post(path(BER_PRIMARY, "/interrupts"), json={"restart": {}}))["restart"] == {
        "purge": False
    }
    listed = result(simulator_api.get(path(BER_PRIMARY, "/interrupts")))
    assert [next(key for key in item if key in ("reboot", "restart", "shutdown")) for item in listed] == [
        "reboot",
        "shutdown",
        "restart",
    ]
    assert stored(simulator, "interrupts")[BER_PRIMARY] == listed
    for body in (
        {},
        {"reboot": {}, "restart": {}},
        {"reboot": {"purge": "yes"}},
        {"reboot": True},
        {"halt": {}},
        {"reboot": {"purge": None}},
        {"reboot": {"force": True}},
    ):
        errors_of(simulator_api.post(path(BER_PRIMARY, "/interrupts"), json=body))
    assert len(result(simulator_api.get(path(BER_PRIMARY, "/interrupts")))) == 3
    assert errors_of(simulator_api.post(path("0" * 32, "/interrupts"), json={"reboot": {}}), 404)


def test_telemetry_events_paging(simulator_api):
    query = {"from": 0, "to": 86400, "limit": 10}
    pages, cursor = [], None
    while True:
        page = result(
            simulator_api.get(
                path(BER_PRIMARY, "/telemetry/events"), params=dict(query, cursor=cursor) if cursor else query
            )
        )
        assert page["count"] == len(page["items"])
        pages.append(page)
        cursor = page.get("cursor")
        if not cursor:
            break
    items = [item for page in pages for item in page["items"]]
    assert len(pages) > 5 and all(page["count"] == 10 for page in pages[:-1])
    assert len({(item["t"], item["n"]) for item in items}) == len(items)
    assert items == sorted(items, key=lambda item: (item["t"], item["n"]))
    assert all(
        set(item) == {"a", "k", "n", "t"} and 0 <= item["t"] <= 86400 and item["a"] > item["t"] for item in items
    )
    again = result(
        simulator_api.get(path(BER_PRIMARY, "/telemetry/events"), params={"from": 0, "to": 86400, "limit": 1000})
    )
    assert again["items"] == items and "cursor" not in again
    only = result(
        simulator_api.get(path(BER_PRIMARY, "/telemetry/events"), params={"from": 0, "to": 86400, "k": "Reconcile"})
    )
    assert only["items"] and all(item["k"] == "Reconcile" for item in only["items"])
    first = items[0]
    event = result(simulator_api.get(path(BER_PRIMARY, "/telemetry/events/%d.%d" % (first["t"], first["n"]))))
    assert event["e"]["k"] == first["k"] and event["t"] == first["t"] and event["v"]
    # The official SDK formats both path numbers as floats: 900.0.0.0 means t=900.0, n=0.0.
    assert (
        result(simulator_api.get(path(BER_PRIMARY, "/telemetry/events/%.1f.%.1f" % (first["t"], first["n"])))) == event
    )
    assert errors_of(simulator_api.get(path(BER_PRIMARY, "/telemetry/events/901.0")), 404)


def test_telemetry_latest_and_snapshots(simulator_api):
    latest = result(simulator_api.get(path(BER_PRIMARY, "/telemetry/events/latest")))
    assert latest["count"] == len(latest["items"]) == 10
    assert all(set(item) == {"e", "n", "t", "v"} and "k" in item["e"] for item in latest["items"])
    snapshots = result(simulator_api.get(path(BER_PRIMARY, "/telemetry/snapshots"), params={"from": 1000, "to": 4000}))
    assert [item["t"] for item in snapshots["items"]] == [
        1200.0,
        1500.0,
        1800.0,
        2100.0,
        2400.0,
        2700.0,
        3000.0,
        3300.0,
        3600.0,
        3900.0,
    ]
    paged = result(
        simulator_api.get(path(BER_PRIMARY, "/telemetry/snapshots"), params={"from": 1000, "to": 4000, "limit": 4})
    )
    assert paged["count"] == 4 and paged["cursor"]
    rest = result(
        simulator_api.get(
            path(BER_PRIMARY, "/telemetry/snapshots"), params={"from": 1000, "to": 4000, "cursor": paged["cursor"]}
        )
    )
    assert paged["items"] + rest["items"] == snapshots["items"]
    snapshot = result(simulator_api.get(path(BER_PRIMARY, "/telemetry/snapshots/latest")))["items"][0]
    for key in (
        "count_reclaim_failures",
        "count_reclaimed_paths",
        "count_record_failed",
        "count_transmit_failures",
        "t",
        "v",
    ):
        assert key in snapshot
    assert snapshot["tunnels"][0]["health_state"] == "healthy"
    one = result(simulator_api.get(path(BER_PRIMARY, "/telemetry/snapshots/1200")))
    assert one["t"] == 1200.0 and one == result(simulator_api.get(path(BER_PRIMARY, "/telemetry/snapshots/1200")))
    assert errors_of(simulator_api.get(path(BER_PRIMARY, "/telemetry/snapshots/1201")), 404)
    for params in (
        {},
        {"from": 10},
        {"from": "x", "to": 1},
        {"from": 10, "to": 1},
        {"from": 0, "to": 1, "limit": 0},
        {"from": 0, "to": 1, "cursor": "%%%"},
    ):
        errors_of(simulator_api.get(path(BER_PRIMARY, "/telemetry/snapshots"), params=params))


def test_fleet(simulator_api, simulator):
    total = simulator.add_fleet(25)
    assert total == 31
    connectors = result(simulator_api.get(path()))
    fleet = [item for item in connectors if item["notes"].startswith("fleet-")]
    assert [item["notes"] for item in fleet[:3]] == ["fleet-00001", "fleet-00002", "fleet-00003"]
    assert fleet[0]["device"]["serial_number"] == "SIM-FLEET-00001"
    assert (
        len({item["timezone"] for item in fleet}) > 1
        and len({item["interrupt_window_hour_of_day"] for item in fleet}) > 5
    )
    simulator.add_fleet(5)
    assert result(simulator_api.get(path()))[-1]["device"]["serial_number"] == "SIM-FLEET-00030"
    # Deterministic: the same numbers give the same ids.
    simulator.reset()
    simulator.add_fleet(1)
    assert result(simulator_api.get(path()))[-1]["id"] == fleet[0]["id"]


# ------------------------------------------------------------------------------------------- connectors: sites


@pytest.mark.usefixtures("older_connector_schema")
@pytest.mark.parametrize("method", ["PATCH", "PUT"])
def test_site_id_and_primary_are_writable(simulator_api, simulator, method):
    edited = result(
        simulator_api.request(method, "magic/connectors/" + SYD, json={"site_id": SITE_SYD, "primary": False})
    )
    assert edited["site_id"] == SITE_SYD and edited["primary"] is False
    assert simulator.connector(SYD)["site_id"] == SITE_SYD
    assert result(simulator_api.patch("magic/connectors/" + SYD, json={"site_id": ""}))["site_id"] == ""


@pytest.mark.usefixtures("older_connector_schema")
def test_put_resets_site_id_and_primary(simulator_api):
    replaced = result(simulator_api.put("magic/connectors/" + BER_SECONDARY, json={"notes": "replaced"}))
    assert "site_id" not in replaced and replaced["primary"] is True


@pytest.mark.usefixtures("older_connector_schema")
def test_create_with_site_id_and_primary(simulator_api, simulator):
    created = result(
        simulator_api.post(
            "magic/connectors", json={"device": {"serial_number": SPARE_SERIAL}, "site_id": SITE_SYD, "primary": False}
        )
    )
    assert created["site_id"] == SITE_SYD and created["primary"] is False
    plain = result(simulator_api.post("magic/connectors", json={"device": {"provision_license": True}}))
    assert plain["primary"] is True and "site_id" not in plain


@pytest.mark.usefixtures("older_connector_schema")
@pytest.mark.parametrize(
    "body, pointer, message",
    [
        (
            {"site_id": "0" * 32},
            "/site_id",
            "site_id %s is not a site of this account (GET /magic/sites lists them)" % ("0" * 32),
        ),
        ({"site_id": 7}, "/site_id", "site_id must be a string"),
        ({"site_id": None}, "/site_id", "site_id: type string is not permitted to be null"),
        ({"primary": "yes"}, "/primary", "primary must be a boolean"),
    ],
)
def test_site_id_and_primary_validation(simulator_api, simulator, body, pointer, message):
    before = simulator.state()
    for method, path in (
        ("PATCH", "magic/connectors/" + SYD),
        ("PUT", "magic/connectors/" + SYD),
        ("POST", "magic/connectors"),
    ):
        sent = dict(body, device={"serial_number": SPARE_SERIAL}) if method == "POST" else body
        errors = errors_of(simulator_api.request(method, path, json=sent))
        assert errors[(1022 if "null" in message else 1004, pointer)] == message
    assert simulator.state() == before


# --------------------------------------------------------------------------------- virtual serials, strict devices


def test_new_virtual_device_has_a_service_tag_and_is_found_by_it(simulator_api, simulator):
    created = result(
        simulator_api.post("magic/connectors", json={"device": {"provision_license": True}, "notes": "vcon"})
    )
    tag = created["device"]["serial_number"]
    assert tag.startswith("CFVA-") and len(tag) == 17
    state = simulator.state()["accounts"][simulator.account_id]
    assert state["devices"][created["device"]["id"]]["serial_number"] == tag
    assert [
        item["id"]
        for item in result(simulator_api.get("magic/connectors"))
        if item["device"].get("serial_number") == tag
    ] == [created["id"]]
    # The same service tag again: the device already has a connector.
    assert errors_of(simulator_api.post("magic/connectors", json={"device": {"serial_number": tag}}), 409)
    # A registered virtual device is created by its service tag like hardware by its serial.
    by_tag = result(simulator_api.post("magic/connectors", json={"device": {"serial_number": SPARE_SERVICE_TAG}}))
    assert by_tag["device"]["type"] == "LICENSED" and "license_key" not in by_tag


def test_strict_devices_refuses_unknown_serials(simulator_api, simulator):
    assert simulator.admin("GET", "settings") == {
        "interrupt_delay": 0.0,
        "strict_devices": False,
        "heartbeat_interval": 0.0,
        "interrupt_downtime": 30.0,
        "connector_schema": "2026-10",
    }
    assert put_settings(simulator, strict_devices=True)["strict_devices"] is True
    before = simulator.state()
    errors = errors_of(
        simulator_api.post("magic/connectors", json={"device": {"serial_number": "MWC2609Z0001"}, "notes": "x"}), 404
    )
    assert errors == {
        (1003, "/device/serial_number"): "no device with serial number MWC2609Z0001 is registered to this account"
    }
    assert simulator.state() == before
    # Registered hardware and new virtual appliances are still fine.
    assert (
        result(simulator_api.post("magic/connectors", json={"device": {"serial_number": SPARE_SERIAL}}))["device"][
            "type"
        ]
        == "MANAGED"
    )
    assert result(simulator_api.post("magic/connectors", json={"device": {"provision_license": True}}))["license_key"]
    simulator.reset()
    assert simulator.admin("GET", "settings")["strict_devices"] is False
    assert result(simulator_api.post("magic/connectors", json={"device": {"serial_number": "MWC2609Z0001"}}))


@pytest.mark.parametrize(
    "values", [{"strict_devices": "yes"}, {"interrupt_delay": "soon"}, {"interrupt_delay": True}, {"colour": 1}]
)
def test_admin_settings_validation(simulator, values):
    with pytest.raises(AssertionError, match="HTTP 400"):
        put_settings(simulator, **values)


# ----------------------------------------------------------------------------------------------------- interrupts


def interrupts(simulator_api, connector_id=NYC):
    return result(simulator_api.get("magic/connectors/%s/interrupts" % connector_id))


def post_interrupt(simulator_api, body, connector_id=NYC):
    return simulator_api.post("magic/connectors/%s/interrupts" % connector_id, json=body)


def test_interrupt_pending_until_the_delay_then_triggered(simulator_api, simulator):
    assert put_settings(simulator, interrupt_delay=0.6)["interrupt_delay"] == 0.6
    created = result(post_interrupt(simulator_api, {"reboot": {"purge": False}}))
    assert set(created) == {"submitted_at", "reboot"}
    assert interrupts(simulator_api) == [created]
    errors = errors_of(post_interrupt(simulator_api, {"restart": {}}), 409)
    message = errors[(1006, None)]
    assert "already has a pending reboot, submitted at %s" % created["submitted_at"] in message
    assert "only one interrupt may be pending" in message
    # Another connector is not affected.
    assert result(post_interrupt(simulator_api, {"shutdown": {}}, connector_id=BER_PRIMARY))
    time.sleep(0.7)
    ran = interrupts(simulator_api)
    assert len(ran) == 1 and set(ran[0]) == {"submitted_at", "triggered_at", "reboot"}
    submitted = datetime.datetime.fromisoformat(created["submitted_at"].replace("Z", "+00:00"))
    triggered = datetime.datetime.fromisoformat(ran[0]["triggered_at"].replace("Z", "+00:00"))
    assert abs((triggered - submitted).total_seconds() - 0.6) < 0.01
    assert stored(simulator, "interrupts")[NYC] == ran
    assert result(post_interrupt(simulator_api, {"restart": {}}))["restart"] == {"purge": False}


def test_interrupt_never_triggers_until_the_setting_changes(simulator_api, simulator):
    put_settings(simulator, interrupt_delay="never")
    assert simulator.admin("GET", "settings")["interrupt_delay"] == "never"
    result(post_interrupt(simulator_api, {"reboot": {}}))
    errors_of(post_interrupt(simulator_api, {"reboot": {}}), 409)
    assert "triggered_at" not in interrupts(simulator_api)[0]
    assert len(simulator.writes()) == 2
    put_settings(simulator, interrupt_delay=0)  # the appliance checks in
    assert interrupts(simulator_api)[0]["triggered_at"]
    simulator.reset()
    assert simulator.admin("GET", "settings")["interrupt_delay"] == 0.0


def test_default_delay_runs_interrupts_at_once(simulator_api):
    for action in ("reboot", "restart", "shutdown"):
        result(post_interrupt(simulator_api, {action: {"purge": True}}))
    assert all(item["triggered_at"] == item["submitted_at"] for item in interrupts(simulator_api))
