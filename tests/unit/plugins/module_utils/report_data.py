# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""A fixed fleet for the report tests: every finding at least once, an HA pair that overlaps only while the US
is on summer time and the UK is not yet (8 to 29 March 2026), and a pair that never overlaps."""

from __future__ import annotations

import datetime
import functools

from ansible_collections.cloudflare.magic_transit.tests.helpers import api_connector

UTC = datetime.timezone.utc
#: Tuesday 10 March 2026, 12:00 UTC: New York is on summer time since 8 March, London only from 29 March
NOW = datetime.datetime(2026, 3, 10, 12, tzinfo=UTC)


connector = functools.partial(
    api_connector,
    serial="MWC%05d",
    activated=True,
    timezone="UTC",
    interrupt_window_days_of_week=["Saturday", "Sunday"],
    interrupt_window_hour_of_day=1,
    interrupt_window_duration_hours=4.0,
    interrupt_window_embargo_dates=[],
    primary=True,
    last_heartbeat="2026-03-10T11:59:00Z",
    last_seen_version="2026.3.1",
)


LON = connector(
    1,
    "lon-store-01 primary",
    timezone="Europe/London",
    site_id="s1",
    interrupt_window_days_of_week=["Sunday"],
    interrupt_window_hour_of_day=1,
    interrupt_window_duration_hours=1,
)
# Saturday 21:00 in New York: Sunday 02:00 UTC in winter, 01:00 UTC on summer time, the hour of LON
NYC = connector(
    2,
    "lon-store-01 secondary <b>",
    timezone="America/New_York",
    site_id="s1",
    primary=False,
    interrupt_window_days_of_week=["Saturday"],
    interrupt_window_hour_of_day=21,
    interrupt_window_duration_hours=1,
)
BER_A = connector(3, "ber-branch-01 primary", timezone="Europe/Berlin", site_id="s2")
BER_B = connector(
    4, "ber-branch-01 secondary", timezone="Europe/Berlin", site_id="s2", primary=False, interrupt_window_hour_of_day=5
)
OLD = connector(5, "muc-branch-02", site_id="s3", last_seen_version="2026.2.9")
SILENT = connector(
    6,
    "sfo-lab",
    last_heartbeat="2026-03-08T11:00:00Z",
    activated=False,
    interrupt_window_embargo_dates=["2026-01-01", "2026-12-24"],
)
NEVER = connector(
    7,
    "tyo-store-114",
    device=dict(id="%032x" % 1007, type="LICENSED"),
    last_heartbeat=None,
    last_seen_version=None,
    site_id="s4",
    interrupt_window_hour_of_day=3,
    interrupt_window_duration_hours=2,
    interrupt_window_days_of_week=["Monday", "Tuesday", "Wednesday", "Thursday"],
)
TWIN = connector(
    8, "muc-branch-02", site_id="s3", primary=False, last_seen_version="2026.10.0", interrupt_window_hour_of_day=6
)
CONNECTORS = [LON, NYC, BER_A, BER_B, OLD, SILENT, NEVER, TWIN]
SITES = [
    dict(id="s1", name="lon-store-01", connector_id=LON["id"], secondary_connector_id=NYC["id"], ha_mode=True),
    dict(id="s2", name="ber-branch-01", connector_id=BER_A["id"], secondary_connector_id=BER_B["id"], ha_mode=True),
    dict(id="s3", name="muc-branch-02", connector_id=OLD["id"], secondary_connector_id=TWIN["id"], ha_mode=True),
    dict(id="s4", name="tyo-store-114", connector_id=NEVER["id"], ha_mode=False),
]
OPTIONS = dict(offline_hours=24, min_version="2026.3", standard_window=dict(preset="weekend_nights"))
