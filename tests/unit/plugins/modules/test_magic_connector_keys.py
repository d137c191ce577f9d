# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""magic_connector (and _info): rekey with every identity, a license key that cannot be saved (masked, kept in
a fallback file), license_key_dest (a 0600 file; refused before any call when unusable), virtual connectors found by
their service tag, notes compared after NFC and trimming, serial numbers without case, notes_pattern and near-match
hints. Every test scripts the exact HTTP calls."""

from __future__ import annotations

import errno
import json
import os
import stat

import pytest

from ansible_collections.cloudflare.magic_transit.plugins.module_utils import _license_keys
from ansible_collections.cloudflare.magic_transit.plugins.modules import magic_connector, magic_connector_info
from ansible_collections.cloudflare.magic_transit.tests.unit.plugins.modules.test_magic_connector import (
    AWS_VCON,
    BER_PRIMARY,
    CONNECTOR,
    ID,
    LICENSE,
    OTHER,
    PATH,
    VCON_LICENSE,
    VIRTUAL,
)

VID = VIRTUAL["id"]


def _no_key(result):
    text = json.dumps(result)
    assert LICENSE not in text, "the license key leaked into the result: %s" % text


# --- rekey ---------------------------------------------------------------------------------------------------------


def test_rekey_by_notes_in_check_mode_says_so_and_sends_nothing(api, run_module):
    api.expect("GET", PATH, result=[CONNECTOR, VIRTUAL])
    result = run_module(magic_connector, check_mode=True, diff=True, notes="aws vcon", rekey=True)
    assert result["changed"] is True and api.writes() == []
    assert result["msg"] == "connector %s: the license key would be rotated (check mode: nothing was sent)" % VID
    assert result["diff"]["after"]["license_key"].startswith("(key will be rotated")


def test_rekey_by_notes_rotates_and_saves_and_rotates_again(api, run_module, tmp_path):
    dest = tmp_path / "vcon.key"
    for key in (LICENSE, LICENSE + "-2"):
        api.expect("GET", PATH, result=[CONNECTOR, VIRTUAL])
        api.expect("PATCH", PATH + "/" + VID, body={"provision_license": True}, result=dict(VIRTUAL, license_key=key))
        result = run_module(magic_connector, notes="aws vcon", rekey=True, license_key_dest=str(dest))
        assert result["changed"] is True and result["license_key_dest"] == str(dest)
        assert result["msg"] == "connector %s: license key rotated (the previous key stopped working at once)" % VID
        assert dest.read_text() == key + "\n" and stat.S_IMODE(dest.stat().st_mode) == 0o600
        assert "license_key" not in result["magic_connector"]


@pytest.mark.parametrize("identity", [dict(id=VID), dict(device_id=VIRTUAL["device"]["id"])])
def test_rekey_works_with_device_identities(api, run_module, identity):
    if "id" in identity:
        api.expect("GET", PATH + "/" + VID, result=VIRTUAL)
    else:
        api.expect("GET", PATH, result=[CONNECTOR, VIRTUAL])
    api.expect("PATCH", PATH + "/" + VID, body={"provision_license": True}, result=dict(VIRTUAL, license_key=LICENSE))
    result = run_module(magic_connector, rekey=True, **identity)
    assert result["changed"] is True and result["magic_connector"]["license_key"] == LICENSE


def test_rekey_of_a_missing_connector_is_refused_before_any_write(api, run_module):
    api.expect("GET", PATH, result=[CONNECTOR])
    result = run_module(magic_connector, notes="aws vcon", rekey=True)
    assert result["failed"] and result["msg"].startswith(
        "rekey re-keys an existing connector, and notes 'aws vcon' names none"
    )
    assert api.writes() == []


def test_rekey_with_provision_license_creates_a_missing_connector_once(api, run_module):
    api.expect("GET", PATH, result=[CONNECTOR])
    api.expect(
        "POST",
        PATH,
        body={"device": {"provision_license": True}, "notes": "aws vcon"},
        result=dict(VIRTUAL, license_key=LICENSE),
    )
    result = run_module(magic_connector, notes="aws vcon", rekey=True, provision_license=True)
    assert result["changed"] is True and [c.method for c in api.calls].count("PATCH") == 0


def test_rekey_of_a_hardware_connector_names_rekey(api, run_module):
    api.expect("GET", PATH, result=[CONNECTOR])
    result = run_module(magic_connector, notes=CONNECTOR["notes"], rekey=True)
    assert result["failed"] and result["msg"].startswith("rekey re-keys only connectors of virtual (LICENSED)")
    assert api.writes() == []


@pytest.mark.parametrize(
    "args, message",
    [
        (dict(id=VID, rekey=True, state="absent"), "rekey cannot be used with state=absent"),
        (dict(id=VID, license_key_dest="/tmp/x.key"), "license_key_dest needs provision_license=true or rekey=true"),
    ],
)
def test_rekey_bad_input_fails_before_any_call(api, run_module, args, message):
    result = run_module(magic_connector, **args)
    assert result["failed"] and result["msg"].startswith(message), result["msg"]
    assert api.calls == []


# --- a key that cannot be saved ------------------------------------------------------------------------------------


def _failing_save(monkeypatch, code):
    def save(path, key):
        raise OSError(code, os.strerror(code), path)

    monkeypatch.setattr(_license_keys, "save_license_key", save)


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EDQUOT, errno.EPERM, errno.EROFS])
def test_a_key_that_cannot_be_saved_is_masked_and_kept_next_to_the_destination(
    api, run_module, monkeypatch, tmp_path, code
):
    dest = tmp_path / "vcon.key"
    _failing_save(monkeypatch, code)
    api.expect("GET", PATH + "/" + VID, result=VIRTUAL)
    api.expect("PATCH", PATH + "/" + VID, body={"provision_license": True}, result=dict(VIRTUAL, license_key=LICENSE))
    result = run_module(magic_connector, diff=True, id=VID, rekey=True, license_key_dest=str(dest))
    _no_key(result)
    assert result["failed"] and result["changed"] is True
    fallback = result["license_key_fallback"]
    assert os.path.dirname(fallback) == str(tmp_path) and os.path.basename(fallback).startswith("vcon.key.unsaved-")
    assert open(fallback).read() == LICENSE + "\n" and stat.S_IMODE(os.stat(fallback).st_mode) == 0o600
    assert (
        "could not be written to license_key_dest %s (%s); it was saved to %s (mode 0600) instead"
        % (dest, os.strerror(code), fallback)
    ) in result["msg"]
    assert not dest.exists()


def test_the_fallback_goes_to_the_temporary_directory_when_the_folder_is_gone(api, run_module, monkeypatch, tmp_path):
    folder, temporary = tmp_path / "keys", tmp_path / "tmp"
    folder.mkdir()
    temporary.mkdir()
    monkeypatch.setattr("tempfile.tempdir", str(temporary))
    api.expect("GET", PATH + "/" + VID, result=VIRTUAL)
    # The folder disappears between the probe (before any call) and the save.
    api.expect("PATCH", PATH + "/" + VID, body={"provision_license": True}, result=dict(VIRTUAL, license_key=LICENSE))
    real_save = _license_keys.save_license_key

    def save(path, key):
        os.rmdir(str(folder))
        return real_save(path, key)

    monkeypatch.setattr(_license_keys, "save_license_key", save)
    result = run_module(magic_connector, id=VID, rekey=True, license_key_dest=str(folder / "vcon.key"))
    _no_key(result)
    assert os.path.dirname(result["license_key_fallback"]) == str(temporary)
    assert open(result["license_key_fallback"]).read() == LICENSE + "\n"


def test_a_key_no_file_can_hold_is_masked_and_the_message_says_so(api, run_module, monkeypatch, tmp_path):
    _failing_save(monkeypatch, errno.ENOSPC)
    monkeypatch.setattr(_license_keys, "rescue_license_key", lambda dest, key: None)
    api.expect("GET", PATH + "/" + VID, result=VIRTUAL)
    api.expect("PATCH", PATH + "/" + VID, body={"provision_license": True}, result=dict(VIRTUAL, license_key=LICENSE))
    result = run_module(magic_connector, id=VID, rekey=True, license_key_dest=str(tmp_path / "vcon.key"))
    _no_key(result)
    assert result["failed"] and "license_key_fallback" not in result
    assert (
        "the key is not kept anywhere and is masked in this output: re-key the connector (rekey=true)" in result["msg"]
    )


def test_a_create_whose_key_cannot_be_saved_is_masked_too(api, run_module, monkeypatch, tmp_path):
    _failing_save(monkeypatch, errno.ENOSPC)
    api.expect("GET", PATH, result=[CONNECTOR])
    api.expect(
        "POST",
        PATH,
        body={"device": {"provision_license": True}, "notes": "aws vcon"},
        result=dict(VIRTUAL, license_key=LICENSE),
    )
    result = run_module(magic_connector, notes="aws vcon", provision_license=True, license_key_dest=str(tmp_path / "k"))
    _no_key(result)
    assert result["failed"] and open(result["license_key_fallback"]).read() == LICENSE + "\n"


def test_an_error_text_echoing_the_key_is_masked(api, run_module, tmp_path):
    """A key meant for a file is a secret from the moment it arrives: an error after it (here the notes check after a
    create) never shows it, even where an answer echoes it."""
    api.expect("GET", PATH, result=[CONNECTOR])
    api.expect(
        "POST",
        PATH,
        body={"device": {"provision_license": True}, "notes": "aws vcon"},
        result=dict(VIRTUAL, notes="aws vcon " + LICENSE, license_key=LICENSE),
    )
    result = run_module(magic_connector, notes="aws vcon", provision_license=True, license_key_dest=str(tmp_path / "k"))
    _no_key(result)
    assert result["failed"] and (tmp_path / "k").read_text() == LICENSE + "\n"


# --- notes and serial numbers --------------------------------------------------------------------------------------

DECOMPOSED = "cafe\u0301 vcon"  # "café" with a combining accent (NFD)
COMPOSED = "caf\u00e9 vcon"  # NFC


@pytest.mark.parametrize("stored", [COMPOSED, "  " + DECOMPOSED + " ", DECOMPOSED + "\n"])
def test_notes_returned_normalised_or_trimmed_find_the_connector(api, run_module, stored):
    api.expect("GET", PATH, result=[CONNECTOR, dict(VIRTUAL, notes=stored)])
    result = run_module(magic_connector, notes=DECOMPOSED, provision_license=True)
    assert result["changed"] is False and api.writes() == []


def test_a_create_by_notes_sends_them_normalised(api, run_module):
    api.expect("GET", PATH, result=[CONNECTOR])
    api.expect(
        "POST",
        PATH,
        body={"device": {"provision_license": True}, "notes": COMPOSED},
        result=dict(VIRTUAL, notes=COMPOSED, license_key=LICENSE),
    )
    assert run_module(magic_connector, notes=" " + DECOMPOSED + " ", provision_license=True)["changed"] is True


def test_a_create_whose_notes_come_back_different_fails_naming_it(api, run_module):
    api.expect("GET", PATH, result=[CONNECTOR])
    api.expect(
        "POST",
        PATH,
        body={"device": {"provision_license": True}, "notes": "aws vcon 2026"},
        result=dict(VIRTUAL, notes="aws vcon", license_key=LICENSE),
    )
    result = run_module(magic_connector, notes="aws vcon 2026", provision_license=True)
    assert result["failed"] and result["changed"] is True
    assert result["msg"].startswith(
        "connector %s was created, but Cloudflare stored its notes as 'aws vcon' instead of 'aws vcon 2026'" % VID
    )
    assert result["magic_connector"]["id"] == VID


@pytest.mark.parametrize("stored", ["AWS vcon", "aws  vcon", "Aws Vcon"])
def test_no_create_beside_notes_that_differ_only_by_case_or_spaces(api, run_module, stored):
    api.expect("GET", PATH, result=[CONNECTOR, dict(VIRTUAL, notes=stored)])
    result = run_module(magic_connector, notes="aws vcon", provision_license=True)
    assert result["failed"] and result["msg"].startswith(
        "notes match no connector exactly, but the notes %r of connector %s differ only by case or white space"
        % (stored, VID)
    )
    assert api.writes() == []


def test_serial_numbers_are_compared_without_case(api, run_module):
    api.expect("GET", PATH, result=[OTHER, CONNECTOR])
    result = run_module(
        magic_connector,
        device_serial_number=CONNECTOR["device"]["serial_number"].lower(),
        interrupt_window_hour_of_day=2,
    )
    assert result["changed"] is False and result["magic_connector"]["id"] == CONNECTOR["id"]


def test_serial_numbers_differing_only_by_case_are_refused_naming_both(api, run_module):
    twin = dict(OTHER, device=dict(OTHER["device"], serial_number=CONNECTOR["device"]["serial_number"].lower()))
    api.expect("GET", PATH, result=[twin, CONNECTOR])
    result = run_module(magic_connector, device_serial_number=CONNECTOR["device"]["serial_number"], timezone="UTC")
    assert result["failed"] and result["msg"].startswith(
        "device_serial_number matches 2 connectors (%s with 'cf1a2b3c4d', %s with 'CF1A2B3C4D')"
        % (OTHER["id"], CONNECTOR["id"])
    )
    assert api.writes() == []


def test_notes_that_differ_only_by_trailing_space_are_no_change(api, run_module):
    api.expect("GET", PATH + "/" + CONNECTOR["id"], result=CONNECTOR)
    assert run_module(magic_connector, id=CONNECTOR["id"], notes=CONNECTOR["notes"] + " ")["changed"] is False


# --- info: notes_pattern and near matches --------------------------------------------------------------------------

STORES = [
    dict(CONNECTOR, id="%032x" % n, notes=notes)
    for n, notes in enumerate(
        ["ber-store-101", "ber-store-102", "Ber-Store-103 ", "muc-store-201", "store 99"], start=1
    )
]


def test_info_notes_pattern(api, run_module):
    api.expect("GET", PATH, result=STORES)
    result = run_module(magic_connector_info, notes_pattern="^ber-store-10[12]$")
    assert [c["notes"] for c in result["magic_connectors"]] == ["ber-store-101", "ber-store-102"]


def test_info_bad_pattern_fails_before_any_call(api, run_module):
    result = run_module(magic_connector_info, notes_pattern="ber-(")
    assert result["failed"] and result["msg"].startswith("notes_pattern must be a valid regular expression")
    assert api.calls == []


def test_info_exact_notes_that_find_nothing_name_the_near_matches(api, run_module):
    api.expect("GET", PATH, result=STORES)
    result = run_module(magic_connector_info, notes="ber-store-103")
    assert result["magic_connectors"] == []
    assert "notes 'ber-store-103' match no connector exactly (near matches: 'Ber-Store-103 ' (%s))" % STORES[2][
        "id"
    ] in repr(result["warnings"])


def test_info_near_matches_are_capped(api, run_module):
    many = [dict(CONNECTOR, id="%032x" % n, notes="vcon-%03d" % n) for n in range(30)]
    api.expect("GET", PATH, result=many)
    warnings = repr(run_module(magic_connector_info, notes="vcon")["warnings"])
    assert "'vcon-019' (%032x) and 10 more)" % 19 in warnings and warnings.count("vcon-0") == 20


def test_info_exact_notes_found_gives_no_warning(api, run_module):
    api.expect("GET", PATH, result=STORES)
    result = run_module(magic_connector_info, notes="ber-store-101")
    assert [c["id"] for c in result["magic_connectors"]] == [STORES[0]["id"]]
    # (module warnings of earlier tests in this process may linger in the result: look for this one only)
    assert "'ber-store-101' match no connector" not in repr(result.get("warnings", []))


# --- virtual appliances have serial numbers -----------------------------------------------------------------


def test_a_virtual_connector_is_found_by_its_service_tag_and_re_keyed(api, run_module):
    api.expect("GET", PATH, result=[BER_PRIMARY, AWS_VCON])
    api.expect(
        "PATCH",
        PATH + "/" + AWS_VCON["id"],
        body={"provision_license": True},
        result=dict(AWS_VCON, license_key=VCON_LICENSE),
    )
    result = run_module(magic_connector, device_serial_number="CFVA-BBBBBBBBBBBB", provision_license=True)
    assert result["changed"] is True and result["magic_connector"]["license_key"] == VCON_LICENSE


# --- re-keys: the diff, license_key_dest ----------------------------------------------------------------


def test_rekey_in_check_mode_diff_says_the_key_is_rotated_and_shows_no_key(api, run_module):
    api.expect("GET", PATH + "/" + AWS_VCON["id"], result=AWS_VCON)
    result = run_module(magic_connector, check_mode=True, diff=True, id=AWS_VCON["id"], provision_license=True)
    assert result["changed"] is True and api.writes() == []
    assert "revoked" in result["diff"]["before"]["license_key"] and "new key" in result["diff"]["after"]["license_key"]


def test_rekey_into_license_key_dest_writes_a_0600_file_and_returns_only_where(api, run_module, tmp_path):
    dest = tmp_path / "vcon.key"
    api.expect("GET", PATH + "/" + AWS_VCON["id"], result=AWS_VCON)
    api.expect(
        "PATCH",
        PATH + "/" + AWS_VCON["id"],
        body={"provision_license": True},
        result=dict(AWS_VCON, license_key=VCON_LICENSE),
    )
    result = run_module(magic_connector, id=AWS_VCON["id"], provision_license=True, license_key_dest=str(dest))
    assert result["changed"] is True and result["license_key_dest"] == str(dest)
    assert VCON_LICENSE not in json.dumps(result)
    assert dest.read_text() == VCON_LICENSE + "\n"
    assert stat.S_IMODE(os.stat(dest).st_mode) == 0o600
    assert os.listdir(tmp_path) == ["vcon.key"], "no temporary file is left behind"


def test_create_into_license_key_dest(api, run_module, tmp_path):
    dest = tmp_path / "new.key"
    api.expect("GET", PATH, result=[BER_PRIMARY])
    api.expect(
        "POST",
        PATH,
        body={"device": {"provision_license": True}, "notes": "aws vcon"},
        result=dict(AWS_VCON, license_key=VCON_LICENSE),
    )
    result = run_module(magic_connector, notes="aws vcon", provision_license=True, license_key_dest=str(dest))
    assert result["license_key_dest"] == str(dest) and dest.read_text().strip() == VCON_LICENSE
    assert VCON_LICENSE not in json.dumps(result)


def test_a_lost_key_is_replaced_once_into_license_key_dest(api, run_module, tmp_path):
    dest = tmp_path / "vcon.key"
    api.expect("GET", PATH + "/" + AWS_VCON["id"], result=AWS_VCON)
    api.expect("PATCH", PATH + "/" + AWS_VCON["id"], status=502)  # retried: a PATCH is idempotent
    api.expect("PATCH", PATH + "/" + AWS_VCON["id"], raw="{broken")
    api.expect("GET", PATH + "/" + AWS_VCON["id"], result=AWS_VCON)
    api.expect(
        "PATCH",
        PATH + "/" + AWS_VCON["id"],
        body={"provision_license": True},
        result=dict(AWS_VCON, license_key=VCON_LICENSE),
    )
    result = run_module(magic_connector, id=AWS_VCON["id"], provision_license=True, license_key_dest=str(dest))
    assert result["changed"] is True and dest.read_text().strip() == VCON_LICENSE
    assert "re-keyed once; the new key is in %s" % dest in repr(result["warnings"])
    assert VCON_LICENSE not in json.dumps(result)


def unwritable_folder(tmp_path):
    """A folder this user cannot create files in: a read-only one, or (for root, who may write anywhere) /sys."""
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    for folder in (str(locked), "/sys"):
        try:
            os.close(os.open(os.path.join(folder, "probe"), os.O_CREAT | os.O_WRONLY, 0o600))
        except OSError:
            return folder
        os.unlink(os.path.join(folder, "probe"))
    pytest.skip("no folder on this machine refuses a new file to this user")
    return None


@pytest.mark.parametrize(
    "dest, message",
    [
        ("{tmp}/missing/vcon.key", "license_key_dest must be in an existing directory"),
        ("{locked}/vcon.key", "license_key_dest must be in a directory this user can write"),
        ("{tmp}", "license_key_dest must be a file path, not a directory"),
    ],
)
def test_an_unwritable_license_key_dest_fails_before_any_call(api, run_module, tmp_path, dest, message):
    locked = unwritable_folder(tmp_path) if "{locked}" in dest else None
    for check_mode in (False, True):
        result = run_module(
            magic_connector,
            check_mode=check_mode,
            id=AWS_VCON["id"],
            provision_license=True,
            license_key_dest=dest.format(tmp=tmp_path, locked=locked),
        )
        assert result["failed"] and result["msg"].startswith(message), result["msg"]
    assert api.calls == []


def test_license_key_dest_needs_provision_license(api, run_module, tmp_path):
    result = run_module(magic_connector, id=ID, notes="x", license_key_dest=str(tmp_path / "k"))
    assert result["failed"] and result["msg"].startswith("license_key_dest needs provision_license=true")
    assert api.calls == []
