# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""magic_connectors 1.1.0: onboarding virtual appliances in bulk (provision_license, license_key_dest per entry,
license_key_dir for the task), with magic_connector's file rules. Every test scripts the exact HTTP calls."""

from __future__ import annotations

import errno
import json
import os
import stat

import pytest

from ansible_collections.cloudflare.magic_transit.plugins.module_utils import _license_keys
from ansible_collections.cloudflare.magic_transit.plugins.modules import magic_connectors
from ansible_collections.cloudflare.magic_transit.tests.unit.plugins.modules.test_magic_connectors import FLEET, PATH


def virtual(number, notes, key=None):
    obj = {
        "id": "%032x" % (500 + number),
        "notes": notes,
        "timezone": "UTC",
        "device": {"id": "%032x" % (900 + number), "type": "LICENSED"},
    }
    if key:
        obj["license_key"] = key
    return obj


def key_of(number):
    return "MWCL-KEY%02d-SECRET" % number


def test_onboarding_writes_one_0600_file_per_new_connector_and_a_rerun_nothing(api, run_module, tmp_path):
    entries = [dict(notes="aws vcon/%d" % n, provision_license=True, timezone="UTC") for n in range(3)]
    api.expect("GET", PATH, result=FLEET)
    for number in range(3):
        api.expect("POST", PATH, result=virtual(number, "aws vcon/%d" % number, key_of(number)))
    result = run_module(magic_connectors, max_concurrency=1, license_key_dir=str(tmp_path), connectors=entries)
    assert result["changed"] is True and json.dumps(result).count("SECRET") == 0
    assert sorted(os.listdir(str(tmp_path))) == ["aws_vcon_0.key", "aws_vcon_1.key", "aws_vcon_2.key"]
    for number in range(3):
        path = tmp_path / ("aws_vcon_%d.key" % number)
        assert path.read_text() == key_of(number) + "\n" and stat.S_IMODE(path.stat().st_mode) == 0o600
        assert result["magic_connectors"][number]["license_key_dest"] == str(path)
    assert [c.body for c in api.calls if c.method == "POST"] == [
        {"device": {"provision_license": True}, "notes": "aws vcon/%d" % n, "timezone": "UTC"} for n in range(3)
    ]

    api.expect("GET", PATH, result=FLEET + [virtual(n, "aws vcon/%d" % n) for n in range(3)])
    before = dict((name, os.stat(str(tmp_path / name)).st_mtime_ns) for name in os.listdir(str(tmp_path)))
    writes = len(api.writes())
    again = run_module(magic_connectors, license_key_dir=str(tmp_path), connectors=entries)
    assert again["changed"] is False and len(api.writes()) == writes == 3
    assert dict((name, os.stat(str(tmp_path / name)).st_mtime_ns) for name in os.listdir(str(tmp_path))) == before


def test_check_mode_probes_the_folder_and_writes_nothing(api, run_module, tmp_path):
    api.expect("GET", PATH, result=FLEET)
    result = run_module(
        magic_connectors,
        check_mode=True,
        license_key_dir=str(tmp_path),
        connectors=[dict(notes="gcp vcon", provision_license=True)],
    )
    assert result["changed"] is True and api.writes() == [] and os.listdir(str(tmp_path)) == []
    assert result["magic_connectors"][0]["action"] == "create"


def test_an_entry_key_dest_overrides_the_folder(api, run_module, tmp_path):
    dest = tmp_path / "own" / "gcp.key"
    dest.parent.mkdir()
    api.expect("GET", PATH, result=FLEET)
    api.expect("POST", PATH, result=virtual(1, "gcp vcon", key_of(1)))
    run_module(
        magic_connectors,
        license_key_dir=str(tmp_path),
        connectors=[dict(notes="gcp vcon", provision_license=True, license_key_dest=str(dest))],
    )
    assert dest.read_text() == key_of(1) + "\n" and not (tmp_path / "gcp_vcon.key").exists()


@pytest.mark.parametrize(
    "entries, folder, message",
    [
        (
            [dict(notes="a", provision_license=True)],
            None,
            "connectors[0].provision_license needs a file for the license key: the entry's license_key_dest or the task's "
            "license_key_dir",
        ),
        (
            [dict(device_serial_number="SN01", provision_license=True)],
            "ok",
            "connectors[0].provision_license creates a connector for a new virtual device, named by its notes alone",
        ),
        (
            [dict(notes="a", provision_license=True, state="absent")],
            "ok",
            "connectors[0].provision_license cannot be used with state=absent",
        ),
        (
            [dict(notes="a", license_key_dest="/tmp/a.key")],
            "ok",
            "connectors[0].license_key_dest needs provision_license=true",
        ),
        (
            [dict(notes="a b", provision_license=True), dict(notes="a/b", provision_license=True)],
            "ok",
            "connectors[1].license_key_dest is the same file as the key of connectors[0]",
        ),
        ([dict(notes="a", provision_license=True)], "missing", "license_key_dir must be an existing directory"),
        (
            [dict(notes="a", provision_license=True, license_key_dest="/nonexistent-dir/a.key")],
            None,
            "connectors[0].license_key_dest must be in an existing directory",
        ),
    ],
)
def test_bad_onboarding_entries_fail_before_any_call(api, run_module, tmp_path, entries, folder, message):
    key_dir = {None: None, "ok": str(tmp_path), "missing": str(tmp_path / "missing")}[folder]
    result = run_module(magic_connectors, license_key_dir=key_dir, connectors=entries)
    assert result["failed"] and result["msg"].startswith(message), result["msg"]
    assert api.calls == []


def test_a_near_duplicate_is_refused_before_any_write(api, run_module, tmp_path):
    api.expect("GET", PATH, result=FLEET + [virtual(1, "GCP  vcon")])
    result = run_module(
        magic_connectors, license_key_dir=str(tmp_path), connectors=[dict(notes="gcp vcon", provision_license=True)]
    )
    assert result["failed"] and result["msg"].startswith(
        "connectors[0].notes match no connector exactly, but the notes 'GCP  vcon' of connector"
    )
    assert api.writes() == []


def test_a_key_that_cannot_be_saved_stops_the_run_masked_with_a_fallback(api, run_module, monkeypatch, tmp_path):
    def save(path, key):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), path)

    monkeypatch.setattr(_license_keys, "save_license_key", save)
    api.expect("GET", PATH, result=FLEET)
    api.expect("POST", PATH, result=virtual(1, "v1", key_of(1)))
    result = run_module(
        magic_connectors,
        max_concurrency=1,
        license_key_dir=str(tmp_path),
        connectors=[dict(notes="v%d" % n, provision_license=True) for n in (1, 2, 3)],
    )
    assert key_of(1) not in json.dumps(result)
    assert result["failed"] and [e["status"] for e in result["magic_connectors"]] == ["changed"]
    assert result["summary"]["not_sent"] == 2 and "what had to follow its write failed" in result["not_sent_reason"]
    first = result["magic_connectors"][0]
    assert first["id"] == "%032x" % 501 and "could not be written" in first["error"]
    assert open(first["license_key_fallback"]).read() == key_of(1) + "\n"
    assert stat.S_IMODE(os.stat(first["license_key_fallback"]).st_mode) == 0o600
    assert result["msg"].startswith("v1 (%032x): connector %032x: its new license key" % (501, 501))
    assert "it was saved to %s (mode 0600) instead" % first["license_key_fallback"] in result["msg"]


def test_a_lost_create_answer_is_found_again_by_notes_and_re_keyed_once(api, run_module, tmp_path):
    api.expect("GET", PATH, result=FLEET)
    api.expect("POST", PATH, raw="{broken")
    api.expect("GET", PATH, result=FLEET + [virtual(1, "v1")])
    api.expect("PATCH", PATH + "/%032x" % 501, body={"provision_license": True}, result=virtual(1, "v1", key_of(1)))
    result = run_module(
        magic_connectors, license_key_dir=str(tmp_path), connectors=[dict(notes="v1", provision_license=True)]
    )
    assert result["changed"] is True and (tmp_path / "v1.key").read_text() == key_of(1) + "\n"
    assert [c.method for c in api.calls].count("POST") == 1 and "re-keyed once" in repr(result["warnings"])
