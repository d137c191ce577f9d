# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""A license key that cannot be written to its file: the destination's directory passes the probe made
before any call, the create or re-key is sent, and only then does the file become impossible to write. Each row makes
that happen for real while the write waits in the simulator (a "delay" rule holds it a few seconds), then runs the
playbook at ``-vvvv --diff`` and searches everything printed and logged for the key in every form.

Rows (the failure kinds that can be made without root-only tools such as chattr or a full file system; injected
ENOSPC, EDQUOT, EPERM and EROFS are unit tests in tests/unit/plugins/modules/test_magic_connector_keys.py):

* ``dest-became-directory``: magic_connector, rekey by notes - the destination path is now a directory, so the
  rename onto it fails (as for an immutable or foreign-owned file): the key goes to a 0600 file next to it.
* ``folder-removed``: magic_connector, rekey by notes - the destination's directory is gone (as for a read-only or
  full file system there): the key goes to a 0600 file in the temporary directory.
* ``fleet-folder-removed``: magic_connectors onboarding with license_key_dir - the same, for a bulk create.
"""

from __future__ import annotations

import re
import shutil
import stat
import time

import pytest

from ansible_collections.cloudflare.magic_transit.plugins.module_utils._inputs import secret_forms

LICENSE_KEY = re.compile(r"MWCL(?:-[0-9A-Za-z]{5}){5}")
# How long the simulator holds the write: the test changes the file system meanwhile.
HOLD_S = 5


def _virtual(simulator):
    """A virtual connector of the seed, with notes."""
    account = simulator.state()["accounts"][simulator.account_id]
    return next(c for c in account["connectors"].values() if c["device"].get("type") == "LICENSED" and c.get("notes"))


def _wait_for_the_list(simulator, timeout=90):
    """Block until the module has listed the connectors: its directory probe (made before any call) is behind it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if simulator.requests(method="GET", path_contains="/magic/connectors"):
            return
        time.sleep(0.05)
    raise AssertionError("the module never listed the connectors")


@pytest.mark.parametrize("row", ["dest-became-directory", "folder-removed", "fleet-folder-removed"])
def test_a_key_that_cannot_be_saved_is_never_printed_and_kept_in_a_0600_file(simulator, playbooks, tmp_path, row):
    connector = _virtual(simulator)
    key_dir, temporary = tmp_path / "keys", tmp_path / "tmp"
    key_dir.mkdir()
    temporary.mkdir()
    dest = key_dir / "vcon.key"
    if row.startswith("fleet"):
        task = {
            "cloudflare.magic_transit.magic_connectors": {
                "license_key_dir": str(key_dir),
                "connectors": [{"notes": "reliability onboard vcon", "provision_license": True}],
            }
        }
        method = "POST"
        dest = key_dir / "reliability_onboard_vcon.key"
    else:
        task = {
            "cloudflare.magic_transit.magic_connector": {
                "notes": connector["notes"],
                "rekey": True,
                "license_key_dest": str(dest),
            }
        }
        method = "PATCH"
    simulator.clear_log()
    simulator.add_rule(
        match={"method": method, "path": "/magic/connectors"}, action="delay", delay_s=HOLD_S, when="before"
    )
    path = playbooks.write("key-%s" % row, [dict(task, name="the write whose key cannot be saved")])
    started = playbooks.start(path, "-vvvv", "--diff", env=dict(TMPDIR=str(temporary)))
    _wait_for_the_list(simulator)
    if row == "dest-became-directory":
        dest.mkdir()
    else:
        shutil.rmtree(str(key_dir))
    run = started.finish(rc=2)

    expected_folder = key_dir if row == "dest-became-directory" else temporary
    saved = [p for p in expected_folder.iterdir() if p.name.startswith(dest.name + ".unsaved-")]
    assert len(saved) == 1, run.output
    key = saved[0].read_text(encoding="utf-8").strip()
    assert LICENSE_KEY.fullmatch(key) and stat.S_IMODE(saved[0].stat().st_mode) == 0o600
    assert "it was saved to %s (mode 0600) instead" % saved[0] in run.stdout
    assert [r["method"] for r in simulator.writes()] == [method], "one write, never repeated"

    outputs = {"stdout": run.stdout, "stderr": run.stderr, "request log": repr(simulator.requests())}
    leaked = [
        "%r in %s" % (form, where) for form in secret_forms(key) for where, text in outputs.items() if form in text
    ]
    leaked += ["a license key in %s" % where for where, text in outputs.items() if LICENSE_KEY.search(text)]
    assert leaked == [], "the key leaked:\n" + "\n".join(leaked)
    # The search looked where the key would have been: the failed result is printed in full at -vvvv.
    assert "FAILED!" in run.stdout and "could not be written to" in run.stdout
