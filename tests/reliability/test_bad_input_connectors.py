# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Bad input of the connector options added in 1.1.0 (issues 21 and 23): ``rekey``, ``notes_pattern``, bulk onboarding
(``provision_license``, ``license_key_dest`` per entry, ``license_key_dir``) and near-duplicate notes. The rows run
through the bad-input catalogue's machinery (test_bad_input.py): each is refused with a message naming the option and
the rule, before any write (``NONE``: no call at all; ``READS``: only the list it needs to judge)."""

from __future__ import annotations

from ansible_collections.cloudflare.magic_transit.tests.reliability.test_bad_input import (
    BER,
    BER_ID,
    NONE,
    READS,
    _refused_before_any_write,
)

VIRTUAL_NOTES = "sfo-lab virtual connector"  # a virtual connector of the seed


def rows(key_dir):
    folder = str(key_dir)
    return [
        (
            "mc-rekey-missing",
            "MC",
            {"notes": "no such vcon", "rekey": True},
            r"^rekey re-keys an existing connector, and notes 'no such vcon' names none; nothing was sent",
            READS,
        ),
        (
            "mc-rekey-absent",
            "MC",
            {"id": BER_ID, "rekey": True, "state": "absent"},
            r"^rekey cannot be used with state=absent",
            NONE,
        ),
        (
            "mc-rekey-hardware",
            "MC",
            {"notes": "ber-branch-01 primary", "rekey": True},
            r"^rekey re-keys only connectors of virtual \(LICENSED\) devices",
            READS,
        ),
        (
            "mc-near-duplicate-create",
            "MC",
            {"notes": "SFO-lab virtual connector", "provision_license": True},
            r"^notes match no connector exactly, but the notes '%s' of connector [0-9a-f]{32} differ only by case or white "
            r"space; nothing was created" % VIRTUAL_NOTES,
            READS,
        ),
        (
            "mci-bad-pattern",
            "MCI",
            {"notes_pattern": "ber-("},
            r"^notes_pattern must be a valid regular expression",
            NONE,
        ),
        (
            "mcs-license-without-file",
            "MCS",
            {"connectors": [{"notes": "new vcon", "provision_license": True}]},
            r"^connectors\[0\]\.provision_license needs a file for the license key: the entry's license_key_dest or the "
            r"task's license_key_dir",
            NONE,
        ),
        (
            "mcs-license-with-serial",
            "MCS",
            {"license_key_dir": folder, "connectors": [{"device_serial_number": BER, "provision_license": True}]},
            r"^connectors\[0\]\.provision_license creates a connector for a new virtual device, named by its notes alone",
            NONE,
        ),
        (
            "mcs-key-dir-missing",
            "MCS",
            {"license_key_dir": folder + "/missing", "connectors": [{"notes": "new vcon", "provision_license": True}]},
            r"^license_key_dir must be an existing directory",
            NONE,
        ),
        (
            "mcs-same-key-file",
            "MCS",
            {
                "license_key_dir": folder,
                "connectors": [
                    {"notes": "vcon a b", "provision_license": True},
                    {"notes": "vcon a/b", "provision_license": True},
                ],
            },
            r"^connectors\[1\]\.license_key_dest is the same file as the key of connectors\[0\]",
            NONE,
        ),
        (
            "mcs-key-dest-without-license",
            "MCS",
            {"connectors": [{"device_serial_number": BER, "license_key_dest": folder + "/x.key"}]},
            r"^connectors\[0\]\.license_key_dest needs provision_license=true",
            NONE,
        ),
        (
            "mcs-near-duplicate-create",
            "MCS",
            {
                "license_key_dir": folder,
                "connectors": [{"notes": "SFO-lab  virtual connector", "provision_license": True}],
            },
            r"^connectors\[0\]\.notes match no connector exactly, but the notes '%s' of connector" % VIRTUAL_NOTES,
            READS,
        ),
    ]


def test_new_connector_options_refuse_bad_input_before_any_write(simulator, accounts, playbooks, tmp_path):
    key_dir = tmp_path / "keys"
    key_dir.mkdir()
    table = rows(key_dir)
    assert len({row[0] for row in table}) == len(table) == 11
    _refused_before_any_write(table, simulator, accounts, playbooks, groups=2)
    assert list(key_dir.iterdir()) == [], "no key file was written (the probes leave nothing behind)"
