# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""magic_export at the HTTP boundary: its reads, the file (branch_sites and the connectors in no site), check mode,
``changed`` only when the content changes, hostile strings kept as data, bad ``dest`` refused before any call."""

from __future__ import annotations

import os

import yaml

from ansible_collections.cloudflare.magic_transit.plugins.modules import magic_export
from ansible_collections.cloudflare.magic_transit.tests.unit.fake_api import ACCOUNT

CONNECTORS = "/accounts/%s/magic/connectors" % ACCOUNT
SITES = "/accounts/%s/magic/sites" % ACCOUNT
WINDOW = dict(
    interrupt_window_days_of_week=["Sunday", "Saturday"],
    interrupt_window_hour_of_day=1,
    interrupt_window_duration_hours=4,
    interrupt_window_embargo_dates=["2026-12-24"],
)
PRIMARY = dict(
    WINDOW,
    id="a" * 32,
    notes="ham-store-01 primary",
    activated=True,
    timezone="Europe/Berlin",
    device=dict(id="d1" * 16, serial_number="SN-HAM01-A", type="MANAGED"),
    last_heartbeat="2026-12-01T00:00:00Z",
    license_key="never-returned-but-never-written-0001",
)
SECONDARY = dict(
    PRIMARY,
    id="b" * 32,
    notes="ham-store-01 secondary",
    device=dict(id="d2" * 16, serial_number="SN-HAM01-B", type="MANAGED"),
    interrupt_window_hour_of_day=3,
)
VIRTUAL = dict(
    WINDOW, id="c" * 32, notes="muc-kiosk-07 vce", activated=False, timezone="Europe/Berlin", device=dict(id="d3" * 16)
)
SPARE = dict(WINDOW, id="e" * 32, notes="spare", timezone="UTC", device=dict(id="d4" * 16, serial_number="SN-SPARE"))
HAM = dict(
    id="1" * 32,
    name="ham-store-01",
    description="Hamburg",
    connector_id=PRIMARY["id"],
    secondary_connector_id=SECONDARY["id"],
    ha_mode=True,
    location=dict(lat="53.5511", lon="9.9937"),
)
MUC = dict(id="2" * 32, name="muc-{{ lookup('pipe', 'id') }}", connector_id=VIRTUAL["id"], ha_mode=False)
STORE = dict(
    id="3" * 32,
    site_id=HAM["id"],
    name="store",
    physport=3,
    vlan_tag=0,
    is_breakout=False,
    ha_link=True,
    static_addressing=dict(address="10.50.0.2/24", secondary_address="10.50.0.3/24", virtual_address="10.50.0.1/24"),
)
GUEST = dict(id="4" * 32, site_id=HAM["id"], name="guest", physport=4, vlan_tag=20)
FIBRE = dict(id="5" * 32, site_id=HAM["id"], name="fibre", physport=1, priority=1, health_check_rate="mid")
ACL = dict(
    id="6" * 32,
    name="printers",
    lan_1=dict(lan_id=STORE["id"], lan_name="store", subnets=["10.50.0.0/24"]),
    lan_2=dict(lan_id=GUEST["id"], lan_name="guest", port_ranges=["9100-9102"]),
    protocols=["tcp"],
    forward_locally=False,
)


def script(api, lans=(STORE, GUEST)):
    """The reads: connectors, sites, then each site's LANs, WANs and ACLs (one request at a time)."""
    api.expect("GET", CONNECTORS, result=[SPARE, VIRTUAL, SECONDARY, PRIMARY])
    api.expect("GET", SITES, result=[MUC, HAM])
    for site, children in ((MUC, ([], [], [])), (HAM, (list(lans), [FIBRE], [ACL]))):
        for kind, answer in zip(("lans", "wans", "acls"), children, strict=True):
            api.expect("GET", "%s/%s/%s" % (SITES, site["id"], kind), result=answer)


def export(run_module, dest, **args):
    return run_module(magic_export, dest=str(dest), **dict(dict(max_concurrency=1), **args))


def test_every_site_as_a_branch_sites_entry_and_the_connectors_in_no_site(api, run_module, tmp_path):
    script(api)
    result = export(run_module, tmp_path / "estate.yml")
    assert "failed" not in result and result["changed"] is True and result["api_calls"] == {"GET": 8}
    assert result["counts"] == dict(
        stores=2, connectors=3, unassigned_connectors=1, sites_without_connectors=0, lans=2, wans=1, acls=1
    )
    estate = yaml.safe_load((tmp_path / "estate.yml").read_text().replace("!unsafe ", ""))
    window = dict(days=["Sunday", "Saturday"], hour=1, duration=4)
    assert estate["branch_sites"][0] == dict(
        name="ham-store-01",
        description="Hamburg",
        location=dict(lat="53.5511", lon="9.9937"),
        timezone="Europe/Berlin",
        connectors=[
            dict(device_serial_number="SN-HAM01-A", notes="ham-store-01 primary"),
            dict(device_serial_number="SN-HAM01-B", notes="ham-store-01 secondary"),
        ],
        lans=[
            dict(name="guest", physport=4, vlan_tag=20),
            dict(name="store", physport=3, ha_link=True, static_addressing=STORE["static_addressing"]),
        ],
        wans=[dict(name="fibre", physport=1, priority=1, health_check_rate="mid")],
        acls=[
            dict(
                name="printers",
                lan_1=dict(lan_name="store", subnets=["10.50.0.0/24"]),
                lan_2=dict(lan_name="guest", port_ranges=["9100-9102"]),
                protocols=["tcp"],
            )
        ],
        window=window,
    )
    # A virtual connector by its notes, never provision_license: applying finds it and creates nothing.
    assert estate["branch_sites"][1]["connectors"] == [dict(notes="muc-kiosk-07 vce", activated=False)]
    assert estate["unassigned_connectors"] == [
        dict(
            device_serial_number="SN-SPARE",
            notes="spare",
            timezone="UTC",
            interrupt_window_days_of_week=["Sunday", "Saturday"],
            interrupt_window_hour_of_day=1,
            interrupt_window_duration_hours=4,
        )
    ]


def test_comments_say_the_account_the_counts_and_what_the_role_cannot_take(api, run_module, tmp_path):
    script(api)
    export(run_module, tmp_path / "estate.yml")
    text = (tmp_path / "estate.yml").read_text()
    assert text.startswith("# Magic WAN estate of account %s" % ACCOUNT)
    assert (
        "# acls: 1, connectors: 3, lans: 2, sites_without_connectors: 0, stores: 2, unassigned_connectors: 1, wans: 1\n"
        in text
    )
    assert (
        "  # store ham-store-01: site %s; applying moves the window of ham-store-01 secondary to Sunday/Saturday "
        % HAM["id"]
        in text
    )
    assert "license" not in text and "never-returned" not in text and "token" not in text.lower()


def test_a_template_in_an_api_string_is_written_unsafe_and_reads_back_as_the_same_string(api, run_module, tmp_path):
    script(api)
    export(run_module, tmp_path / "estate.yml")
    text = (tmp_path / "estate.yml").read_text()
    assert text.count("!unsafe ") == 1 and "name: !unsafe " in text

    class Loader(yaml.SafeLoader):
        pass

    Loader.add_constructor("!unsafe", lambda loader, node: ("unsafe", loader.construct_scalar(node)))
    names = [store["name"] for store in yaml.load(text, Loader=Loader)["branch_sites"]]  # noqa: S506 - a safe loader
    assert names == ["ham-store-01", ("unsafe", MUC["name"])]


def test_unchanged_when_only_the_time_differs_and_changed_after_an_edit(api, run_module, tmp_path):
    dest = tmp_path / "estate.yml"
    script(api)
    export(run_module, dest)
    first = dest.read_text()
    script(api)
    assert export(run_module, dest)["changed"] is False
    assert dest.read_text() == first
    script(api, lans=(STORE, dict(GUEST, vlan_tag=30)))
    result = export(run_module, dest)
    assert result["changed"] is True and "vlan_tag: 30" in dest.read_text()


def test_check_mode_reads_and_writes_nothing(api, run_module, tmp_path):
    script(api)
    result = run_module(magic_export, check_mode=True, dest=str(tmp_path / "estate.yml"), max_concurrency=1)
    assert result["changed"] is True and result["api_calls"] == {"GET": 8}
    assert os.listdir(str(tmp_path)) == []


def test_a_bad_dest_is_refused_before_any_call(api, run_module, tmp_path):
    result = export(run_module, tmp_path)
    assert result["failed"] and result["msg"].startswith("dest") and "must be a file" in result["msg"]
    result = export(run_module, tmp_path / "missing" / "estate.yml")
    assert result["failed"] and "must be in an existing directory" in result["msg"]
    result = export(run_module, tmp_path / "estate.yml", max_concurrency=0)
    assert result["failed"] and result["msg"].startswith("max_concurrency")
    assert api.calls == []
