# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The official Cloudflare Python SDK against the simulator: every answer parses into the SDK's models.

The SDK (``cloudflare`` 5.9.0) is in the development venv. Only the Python 3.11 compatibility venv lacks it;
there this module is skipped with that reason (never silently elsewhere: a missing SDK on 3.12+ fails).
"""

import datetime
import sys

import pytest

from ansible_collections.cloudflare.magic_transit.tests.helpers import stored
from simulator.app import COMPILED_ROUTES

try:
    import cloudflare
except ImportError:  # pragma: no cover - only in the 3.11 compat venv
    if sys.version_info >= (3, 12):
        raise
    pytest.skip(
        "the official cloudflare SDK is only installed in the Python 3.12 development venv, not in the "
        "Python %d.%d compat venv" % sys.version_info[:2],
        allow_module_level=True,
    )

FRA_GRE = "db6e162c8771430c90b14f6378e8f5cf"
LHR_V2 = "3d8f178ccc144d6089165dca06f11d1d"
BER_PRIMARY = "711f8eedc6d84336a6f7d256ddd00fce"
BER_SECONDARY = "64180894674b44869153f5fed0c2c654"
NYC = "d5fcbf8464854891bdc163cff7831dc1"
SPARE_SERIAL = "MWC2405C0103"
SITE_BER = "5f8e0b3a2c6d4e1f9a7b8c0d1e2f3a4b"
SITE_SYD = "9d3e5f7a1b2c4d6e8f0a2b4c6d8e0f1a"
SFO = "32d9a8741af047e39c4a6ee61a5daaba"  # connectors in no site
SYD = "dd54928d783446aeb068b242b1e286a1"


@pytest.fixture(name="client")
def client_fixture(simulator):
    # Strict response validation: every answer must validate against the SDK's pydantic models.
    with cloudflare.Cloudflare(
        api_token=simulator.token, base_url=simulator.base_url, max_retries=0, _strict_response_validation=True
    ) as sdk:
        yield sdk


def sdk_fields(model):
    """An SDK model as a plain dict of the fields the server sent (``created_on`` etc. back as strings)."""
    return model.model_dump(mode="json", exclude_unset=True)


def same_timestamp(sdk_value, stored):
    return sdk_value == datetime.datetime.fromisoformat(stored)


def assert_interconnect_matches(model, stored, target_form):
    data = sdk_fields(model)
    for key in (
        "id",
        "name",
        "colo_name",
        "description",
        "interface_address",
        "interface_address6",
        "mtu",
        "automatic_return_routing",
        "version",
    ):
        assert data.get(key) == stored.get(key), key
    assert same_timestamp(model.modified_on, stored["modified_on"])
    assert same_timestamp(model.created_on, stored["created_on"])
    assert data.get("gre") == stored.get("gre")
    assert data.get("bgp") == stored.get("bgp")
    health_check = dict(data["health_check"])
    target = health_check.pop("target")
    stored_health_check = dict(stored["health_check"])
    saved = stored_health_check.pop("target")
    assert health_check == stored_health_check
    if target_form:
        assert target["saved"] == saved and target["effective"]
    else:
        assert isinstance(target, str) and target == (saved or target)


def test_sdk_interconnects_list_get_update(client, simulator):
    listed = client.magic_transit.cf_interconnects.list(account_id=simulator.account_id)
    assert len(listed.interconnects) == 4
    for model in listed.interconnects:
        assert_interconnect_matches(model, simulator.interconnect(model.id), target_form=False)

    with_header = client.magic_transit.cf_interconnects.get(
        FRA_GRE, account_id=simulator.account_id, x_magic_new_hc_target=True
    )
    target = with_header.interconnect.health_check.target
    assert target.saved == "" and target.effective == "10.212.0.9"
    assert_interconnect_matches(with_header.interconnect, simulator.interconnect(FRA_GRE), target_form=True)

    updated = client.magic_transit.cf_interconnects.update(
        LHR_V2,
        account_id=simulator.account_id,
        description="updated by the SDK",
        mtu=1400,
        health_check={"enabled": True, "rate": "low", "type": "request", "target": {"saved": "10.20.30.40"}},
        bgp={"customer_asn": 65001, "extra_prefixes": ["198.51.100.0/24"], "md5_key": "sdk-md5-key"},
        x_magic_new_hc_target=True,
    )
    assert updated.modified is True
    stored = simulator.interconnect(LHR_V2)
    assert stored["description"] == "updated by the SDK" and stored["health_check"]["target"] == "10.20.30.40"
    assert_interconnect_matches(updated.modified_interconnect, stored, target_form=True)
    assert updated.modified_interconnect.bgp.md5_key == "sdk-md5-key"
    assert simulator.requests("PUT")[0]["headers"]["x-magic-new-hc-target"] == "true"


def test_sdk_update_validate_only_persists_nothing(client, simulator):
    before = simulator.state()
    answer = client.magic_transit.cf_interconnects.update(
        FRA_GRE,
        account_id=simulator.account_id,
        mtu=1300,
        name="fra-gre-renamed",
        extra_query={"validate_only": "true"},
        extra_headers={"x-magic-new-hc-target": "true"},
    )
    assert answer.modified_interconnect.mtu == 1300 and answer.modified_interconnect.name == "fra-gre-renamed"
    assert answer.modified_interconnect.health_check.target.effective == "10.212.0.9"
    assert simulator.state() == before
    assert simulator.writes()[0]["query"] == {"validate_only": "true"}


def test_sdk_validation_error_is_a_bad_request(client, simulator):
    with pytest.raises(cloudflare.BadRequestError) as raised:
        client.magic_transit.cf_interconnects.update(FRA_GRE, account_id=simulator.account_id, mtu=100)
    assert raised.value.status_code == 400
    assert "mtu must be >= 576" in str(raised.value)
    with pytest.raises(cloudflare.PermissionDeniedError):
        with cloudflare.Cloudflare(
            api_token=simulator.readonly_token, base_url=simulator.base_url, max_retries=0
        ) as readonly:
            readonly.magic_transit.cf_interconnects.update(FRA_GRE, account_id=simulator.account_id, mtu=1400)
    with pytest.raises(cloudflare.AuthenticationError):
        with cloudflare.Cloudflare(api_token="wrong", base_url=simulator.base_url, max_retries=0) as wrong:
            wrong.magic_transit.cf_interconnects.list(account_id=simulator.account_id)
    simulator.set_faults(rate_limit={"requests": 1, "window": 30})
    client.magic_transit.connectors.get(BER_PRIMARY, account_id=simulator.account_id)
    with pytest.raises(cloudflare.RateLimitError):
        client.magic_transit.connectors.get(BER_PRIMARY, account_id=simulator.account_id)


def connector_fields(model):
    data = sdk_fields(model)
    # 5.9.0 is the newest schema (the simulator's default): no connector site_id/primary, HA lives on sites.
    assert "site_id" not in data and "primary" not in data, data
    data["interrupt_window_duration_hours"] = float(data["interrupt_window_duration_hours"])
    data["interrupt_window_hour_of_day"] = float(data["interrupt_window_hour_of_day"])
    return data


def stored_fields(stored):
    """The stored connector as the newest schema serves it (the store keeps site_id/primary for the 2026-08 form)."""
    data = {key: value for key, value in stored.items() if key not in ("site_id", "primary")}
    data["interrupt_window_duration_hours"] = float(data["interrupt_window_duration_hours"])
    data["interrupt_window_hour_of_day"] = float(data["interrupt_window_hour_of_day"])
    return data


def test_sdk_connectors_list_get_edit(client, simulator):
    connectors = list(client.magic_transit.connectors.list(account_id=simulator.account_id))
    assert len(connectors) == 6
    for model in connectors:
        assert type(model).__name__ == "ConnectorListResponse"
        assert connector_fields(model) == stored_fields(simulator.connector(model.id))
        assert isinstance(model.interrupt_window_duration_hours, float)
    licensed = list(client.magic_transit.connectors.list(account_id=simulator.account_id, device_type="LICENSED"))
    assert {model.device.type for model in licensed} == {"LICENSED"} and len(licensed) == 2

    got = client.magic_transit.connectors.get(BER_PRIMARY, account_id=simulator.account_id)
    assert connector_fields(got) == stored_fields(simulator.connector(BER_PRIMARY))
    assert got.device.serial_number == "MWC2301A0417" and got.device.type == "MANAGED"

    edited = client.magic_transit.connectors.edit(
        BER_PRIMARY,
        account_id=simulator.account_id,
        notes="edited by the SDK",
        interrupt_window_duration_hours=6,
        interrupt_window_days_of_week=["Wednesday", "Sunday"],
        timezone="Europe/Paris",
    )
    stored = simulator.connector(BER_PRIMARY)
    assert stored["notes"] == "edited by the SDK" and stored["timezone"] == "Europe/Paris"
    assert connector_fields(edited) == stored_fields(stored)
    assert edited.interrupt_window_days_of_week == ["Sunday", "Wednesday"]
    assert edited.license_key is None

    replaced = client.magic_transit.connectors.update(BER_PRIMARY, account_id=simulator.account_id, notes="replaced")
    assert replaced.timezone == "UTC" and connector_fields(replaced) == stored_fields(simulator.connector(BER_PRIMARY))


def test_sdk_connector_create_and_delete(client, simulator):
    created = client.magic_transit.connectors.create(
        account_id=simulator.account_id,
        device={"serial_number": SPARE_SERIAL},
        notes="sdk-created",
        activated=True,
        interrupt_window_hour_of_day=3,
        interrupt_window_embargo_dates=["2026-12-31", "2026-12-24"],
    )
    stored = simulator.connector(created.id)
    assert connector_fields(created) == stored_fields(stored)
    assert created.interrupt_window_embargo_dates == ["2026-12-24", "2026-12-31"]
    assert created.license_key is None

    licensed = client.magic_transit.connectors.create(
        account_id=simulator.account_id, device={"provision_license": True}
    )
    assert licensed.license_key and licensed.device.type == "LICENSED"
    rekeyed = client.magic_transit.connectors.edit(licensed.id, account_id=simulator.account_id, provision_license=True)
    assert rekeyed.license_key and rekeyed.license_key != licensed.license_key

    with pytest.raises(cloudflare.ConflictError):
        client.magic_transit.connectors.create(account_id=simulator.account_id, device={"serial_number": SPARE_SERIAL})

    deleted = client.magic_transit.connectors.delete(created.id, account_id=simulator.account_id)
    assert connector_fields(deleted) == stored_fields(stored)
    assert simulator.connector(created.id) is None
    with pytest.raises(cloudflare.NotFoundError):
        client.magic_transit.connectors.get(created.id, account_id=simulator.account_id)


def test_sdk_interrupts_and_telemetry(client, simulator):
    account = simulator.account_id
    created = client.magic_transit.connectors.interrupts.create(
        BER_PRIMARY, account_id=account, restart={"purge": True}
    )
    assert created.restart.purge is True and created.submitted_at
    interrupts = list(client.magic_transit.connectors.interrupts.list(BER_PRIMARY, account_id=account))
    assert [item.restart.purge for item in interrupts if item.restart] == [True] and len(interrupts) == 2

    events = client.magic_transit.connectors.events.list(BER_PRIMARY, account_id=account, from_=0, to=7200, limit=3)
    assert events.count == 3 and events.cursor and all(item.k for item in events.items)
    rest = client.magic_transit.connectors.events.list(
        BER_PRIMARY, account_id=account, from_=0, to=7200, cursor=events.cursor
    )
    assert rest.items[0].t > events.items[-1].t or rest.items[0].n > events.items[-1].n
    first = events.items[0]
    event = client.magic_transit.connectors.events.get(
        first.n, account_id=account, connector_id=BER_PRIMARY, event_t=first.t
    )
    assert event.e.k == first.k and event.t == first.t
    latest = client.magic_transit.connectors.events.latest.list(BER_PRIMARY, account_id=account)
    assert latest.count == 10 and latest.items[-1].e.k

    snapshots = client.magic_transit.connectors.snapshots.list(BER_PRIMARY, account_id=account, from_=0, to=900)
    assert [item.t for item in snapshots.items] == [0.0, 300.0, 600.0, 900.0]
    latest_snapshot = client.magic_transit.connectors.snapshots.latest.list(BER_PRIMARY, account_id=account).items[0]
    assert latest_snapshot.tunnels[0].health_state == "healthy" and latest_snapshot.v
    one = client.magic_transit.connectors.snapshots.get(300, account_id=account, connector_id=BER_PRIMARY)
    assert one.t == 300.0 and one.interfaces[0].name == "wan0"
    # the newest schema's fields, through the SDK's own models
    assert one.site_id == SITE_BER and one.ha_state == "active" and one.ha_value == 1.0
    assert all(0 <= item.health_score <= 100 and item.health_reason for item in one.interfaces)
    assert [route.destination for route in one.routes][0] == "0.0.0.0/0" and one.routes[0].gateway == "192.0.2.1"
    assert all(tunnel.latency_ms > 0 and tunnel.jitter_ms > 0 for tunnel in one.tunnels)


def test_sdk_lists_and_gets_sites(client, simulator):
    """The SDK 5.9.0 has ``magic_transit.sites`` (list is a single unpaged page of ``Site``)."""
    sites = list(client.magic_transit.sites.list(account_id=simulator.account_id))
    kept = stored(simulator, "sites")
    assert [type(site).__name__ for site in sites] == ["Site"] * len(kept) and len(sites) == 4
    assert [sdk_fields(site) for site in sites] == list(kept.values())
    ber = client.magic_transit.sites.get(SITE_BER, account_id=simulator.account_id)
    assert ber.ha_mode is True and (ber.connector_id, ber.secondary_connector_id) == (BER_PRIMARY, BER_SECONDARY)
    assert ber.location.lat == "52.5200"
    mine = list(client.magic_transit.sites.list(account_id=simulator.account_id, connectorid=BER_SECONDARY))
    assert [site.id for site in mine] == [SITE_BER]
    with pytest.raises(cloudflare.NotFoundError):
        client.magic_transit.sites.get("0" * 32, account_id=simulator.account_id)


def test_sdk_builds_and_edits_a_store(client, simulator):
    """A store through the SDK's own models: an HA site, two WANs, an HA LAN with DHCP, a second LAN and an ACL."""
    account = simulator.account_id
    sdk = client.magic_transit.sites
    site = sdk.create(
        account_id=account,
        name="sdk-store",
        ha_mode=True,
        connector_id=SFO,
        secondary_connector_id=SYD,
        location={"lat": "48.1", "lon": "11.5"},
    )
    assert site.ha_mode is True and site.location.lat == "48.1" and site.description == ""
    wans = [
        list(
            sdk.wans.create(
                site.id,
                account_id=account,
                physport=port,
                priority=port,
                static_addressing={
                    "address": "203.0.113.%d/29" % (port * 8 + 2),
                    "gateway_address": "203.0.113.%d" % (port * 8 + 1),
                },
            )
        )
        for port in (1, 2)
    ]
    assert (
        [len(created) for created in wans] == [1, 1]
        and wans[0][0].health_check_rate == "mid"
        and wans[0][0].vlan_tag == 0
    )
    lan = list(
        sdk.lans.create(
            site.id,
            account_id=account,
            name="store",
            physport=3,
            ha_link=True,
            static_addressing={
                "address": "10.10.0.2/24",
                "secondary_address": "10.10.0.3/24",
                "virtual_address": "10.10.0.1/24",
                "dhcp_server": {
                    "dhcp_pool_start": "10.10.0.100",
                    "dhcp_pool_end": "10.10.0.200",
                    "dns_servers": ["10.10.0.1"],
                    "reservations": {"00:11:22:33:44:55": "10.10.0.50"},
                    "dhcp_options": [{"code": 42, "type": "ip", "value": "10.10.0.1"}],
                },
            },
        )
    )[0]
    assert lan.ha_link is True and lan.static_addressing.dhcp_server.dhcp_options[0].code == 42
    guest = list(
        sdk.lans.create(
            site.id,
            account_id=account,
            name="guest",
            physport=4,
            vlan_tag=20,
            static_addressing={
                "address": "10.20.0.2/24",
                "secondary_address": "10.20.0.3/24",
                "virtual_address": "10.20.0.1/24",
            },
        )
    )[0]
    acl = sdk.acls.create(
        site.id,
        account_id=account,
        name="store-to-guest",
        lan_1={"lan_id": lan.id, "ports": [443]},
        lan_2={"lan_id": guest.id, "port_ranges": ["8000-8080"], "subnets": ["10.20.0.0/24"]},
        protocols=["tcp"],
    )
    assert acl.lan_1.lan_name == "store" and acl.forward_locally is False and acl.unidirectional is False
    edited = sdk.wans.edit(wans[1][0].id, account_id=account, site_id=site.id, health_check_rate="high")
    assert edited.health_check_rate == "high" and edited.priority == 2
    assert [item.name for item in sdk.lans.list(site.id, account_id=account)] == ["store", "guest"]
    assert [item.id for item in sdk.acls.list(site.id, account_id=account)] == [acl.id]
    assert sdk.edit(site.id, account_id=account, description="edited").description == "edited"
    stored = simulator.state()["accounts"][account]
    assert sdk_fields(sdk.lans.get(lan.id, account_id=account, site_id=site.id)) == stored["lans"][lan.id]
    with pytest.raises(cloudflare.BadRequestError) as raised:
        sdk.lans.create(site.id, account_id=account, name="second-ha", ha_link=True)
    assert "only one LAN per site can be the HA link" in str(raised.value)
    with pytest.raises(cloudflare.ConflictError):
        sdk.delete(site.id, account_id=account)


@pytest.mark.usefixtures("older_connector_schema")
def test_sdk_connector_site_fields(client, simulator):
    got = client.magic_transit.connectors.get(BER_SECONDARY, account_id=simulator.account_id)
    assert sdk_fields(got)["site_id"] == SITE_BER and sdk_fields(got)["primary"] is False
    # 5.9.0 has no site_id/primary parameters yet: they go as extra body fields.
    edited = client.magic_transit.connectors.edit(
        NYC, account_id=simulator.account_id, extra_body={"site_id": SITE_SYD, "primary": False}
    )
    assert sdk_fields(edited)["site_id"] == SITE_SYD and simulator.connector(NYC)["primary"] is False


def test_sdk_second_pending_interrupt_is_a_conflict(client, simulator):
    simulator.admin("PUT", "settings", {"interrupt_delay": "never"})
    account = simulator.account_id
    first = client.magic_transit.connectors.interrupts.create(NYC, account_id=account, reboot={"purge": False})
    assert first.triggered_at is None
    with pytest.raises(cloudflare.ConflictError) as raised:
        client.magic_transit.connectors.interrupts.create(NYC, account_id=account, restart={"purge": False})
    assert isinstance(raised.value, cloudflare.APIStatusError) and raised.value.status_code == 409
    assert "submitted at %s" % first.submitted_at in str(raised.value)
    listed = list(client.magic_transit.connectors.interrupts.list(NYC, account_id=account))
    assert len(listed) == 1 and listed[0].triggered_at is None and listed[0].reboot.purge is False
    simulator.admin("PUT", "settings", {"interrupt_delay": 0})
    listed = list(client.magic_transit.connectors.interrupts.list(NYC, account_id=account))
    assert listed[0].triggered_at


def test_sdk_covers_every_endpoint_the_simulator_serves(client, simulator):
    """Every route and method of the simulator, called through the SDK 5.9.0 (the admin API aside): the request log
    shows each one answered (a bulk interconnect PUT is refused: its body is not published)."""
    account = simulator.account_id
    sdk = client.magic_transit
    assert client.user.tokens.verify().status == "active"
    sdk.cf_interconnects.list(account_id=account)
    sdk.cf_interconnects.get(LHR_V2, account_id=account)
    sdk.cf_interconnects.update(LHR_V2, account_id=account, description="covered")
    with pytest.raises(cloudflare.BadRequestError):
        sdk.cf_interconnects.bulk_update(account_id=account, body={})
    list(sdk.connectors.list(account_id=account))
    created = sdk.connectors.create(account_id=account, device={"serial_number": SPARE_SERIAL})
    sdk.connectors.get(created.id, account_id=account)
    sdk.connectors.edit(created.id, account_id=account, notes="covered")
    sdk.connectors.update(created.id, account_id=account, notes="covered again")
    list(sdk.connectors.interrupts.list(created.id, account_id=account))
    sdk.connectors.interrupts.create(created.id, account_id=account, reboot={"purge": False})
    events = sdk.connectors.events.list(created.id, account_id=account, from_=0, to=3600)
    sdk.connectors.events.latest.list(created.id, account_id=account)
    sdk.connectors.events.get(events.items[0].n, account_id=account, connector_id=created.id, event_t=events.items[0].t)
    sdk.connectors.snapshots.list(created.id, account_id=account, from_=0, to=600)
    sdk.connectors.snapshots.latest.list(created.id, account_id=account)
    sdk.connectors.snapshots.get(300, account_id=account, connector_id=created.id)
    list(sdk.sites.list(account_id=account))
    sdk.sites.get(SITE_BER, account_id=account)
    site = sdk.sites.create(account_id=account, name="covered", connector_id=created.id)
    sdk.sites.edit(site.id, account_id=account, description="covered")
    sdk.sites.update(site.id, account_id=account, connector_id=created.id)
    for kind, body in (("lans", {"physport": 2}), ("wans", {"physport": 1})):
        resource = getattr(sdk.sites, kind)
        child = list(resource.create(site.id, account_id=account, **body))[0]
        list(resource.list(site.id, account_id=account))
        resource.get(child.id, account_id=account, site_id=site.id)
        resource.edit(child.id, account_id=account, site_id=site.id, name="covered")
        resource.update(child.id, account_id=account, site_id=site.id, physport=3)
        resource.delete(child.id, account_id=account, site_id=site.id)
    lans = [list(sdk.sites.lans.create(site.id, account_id=account, name=name))[0] for name in ("a", "b")]
    acl = sdk.sites.acls.create(
        site.id, account_id=account, name="covered", lan_1={"lan_id": lans[0].id}, lan_2={"lan_id": lans[1].id}
    )
    list(sdk.sites.acls.list(site.id, account_id=account))
    sdk.sites.acls.get(acl.id, account_id=account, site_id=site.id)
    sdk.sites.acls.edit(acl.id, account_id=account, site_id=site.id, protocols=["tcp"])
    sdk.sites.acls.update(acl.id, account_id=account, site_id=site.id, description="covered")
    sdk.sites.acls.delete(acl.id, account_id=account, site_id=site.id)
    for lan in lans:
        sdk.sites.lans.delete(lan.id, account_id=account, site_id=site.id)
    sdk.sites.delete(site.id, account_id=account)
    sdk.connectors.delete(created.id, account_id=account)

    served = set()
    for entry in simulator.requests():
        for index, (pattern, methods) in enumerate(COMPILED_ROUTES):
            if pattern.match(entry["path"]) and entry["method"] in methods:
                served.add((index, entry["method"]))
                break
    every = set((index, method) for index, (_pattern, methods) in enumerate(COMPILED_ROUTES) for method in methods)
    missing = sorted((COMPILED_ROUTES[index][0].pattern, method) for index, method in every - served)
    assert not missing, "endpoints the SDK test does not call: %s" % missing
