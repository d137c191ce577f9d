# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What users get from Galaxy works: build the tarball, install it, run the demo with only that installation."""

from __future__ import annotations

import fnmatch
import json
import os
import shutil
import subprocess
import sys
import tarfile
import time
import urllib.request
from pathlib import Path

BIN = Path(sys.executable).parent
COLLECTION = Path(os.path.abspath(__file__)).parents[2]

# Never in the tarball: build output, virtualenvs, test output, caches, VCS data, earlier tarballs.
FORBIDDEN = (
    ".build",
    ".build/*",
    ".venv",
    ".venv/*",
    ".venv-*",
    "tests/output",
    "tests/output/*",
    ".git",
    ".git/*",
    "*__pycache__*",
    "*.pyc",
    "*.pytest_cache*",
    "*.hypothesis*",
    "*.mypy_cache*",
    "*.ruff_cache*",
    "*.tox*",
    "*.tar.gz",
    "changelogs/.plugin-cache.yaml",
    # developer-only files: the build harness, its pins and configuration
    "Makefile",
    "hack",
    "hack/*",
    "requirements-dev.txt",
    "tests/requirements-*.txt",
    ".ansible-lint",
    ".ci",
    ".ci/*",
    ".gitignore",
)
# What the collection is made of: all of it must be there.
REQUIRED = (
    "MANIFEST.json",
    "FILES.json",
    "README.md",
    "meta/runtime.yml",
    "meta/execution-environment.yml",
    "meta/ee-requirements.txt",
    "meta/ee-bindep.txt",
    "plugins/module_utils/_client.py",
    "plugins/inventory/connectors.py",
    "plugins/doc_fragments/inventory_connection.py",
    "plugins/modules/cf_interconnect.py",
    "plugins/modules/magic_connector.py",
    # the simulator ships: users run it from the installed collection
    "simulator/__main__.py",
    "simulator/seed.json",
    "simulator/README.md",
    "tests/unit/requirements.txt",
)


def run(command, cwd, env=None, timeout=120):
    completed = subprocess.run(
        [str(c) for c in command], cwd=str(cwd), capture_output=True, text=True, timeout=timeout, check=False, env=env
    )
    assert completed.returncode == 0, "%s failed:\n%s%s" % (command, completed.stdout, completed.stderr)
    return completed.stdout


def test_built_and_installed_collection_runs_the_demo(ansible, simulator, tmp_path):
    env = ansible.env(ANSIBLE_COLLECTIONS_PATH=str(tmp_path / "collections"), ANSIBLE_COLLECTIONS_SCAN_SYS_PATH="0")

    built = run(
        [BIN / "ansible-galaxy", "collection", "build", COLLECTION, "--output-path", tmp_path / "dist"], tmp_path, env
    )
    tarball = Path(built.strip().rsplit(" at ", 1)[1])
    with tarfile.open(tarball) as archive:
        names = [name[2:] if name.startswith("./") else name for name in archive.getnames()]
    unwanted = sorted(n for n in names if any(fnmatch.fnmatch(n, pattern) for pattern in FORBIDDEN))
    assert not unwanted, "the tarball holds files it must not ship (galaxy.yml build_ignore): %s" % unwanted[:20]
    assert not [r for r in REQUIRED if r not in names]

    run([BIN / "ansible-galaxy", "collection", "install", tarball, "-p", tmp_path / "collections"], tmp_path, env)
    installed = tmp_path / "collections" / "ansible_collections" / "cloudflare" / "magic_transit"
    assert (installed / "MANIFEST.json").is_file()

    # The examples as a user has them: outside any collection tree, so only the installed copy can serve them.
    for name in ("demo.yml", "inventory.yml"):
        shutil.copy(str(COLLECTION / "examples" / name), str(tmp_path / name))
    listed = run([BIN / "ansible-galaxy", "collection", "list", "cloudflare.magic_transit"], tmp_path, env)
    assert str(tmp_path / "collections" / "ansible_collections") in listed
    output = run([BIN / "ansible-playbook", "-i", "inventory.yml", "demo.yml"], tmp_path, env, timeout=240)
    assert "failed=0" in output
    assert simulator.writes(), "the demo changed things in the simulator"


def test_simulator_runs_from_the_installed_collection(ansible, simulator, tmp_path):
    # (the simulator fixture only lends the seed's account and token: the process tested is the installed one)
    env = ansible.env(ANSIBLE_COLLECTIONS_PATH=str(tmp_path / "collections"), ANSIBLE_COLLECTIONS_SCAN_SYS_PATH="0")
    built = run(
        [BIN / "ansible-galaxy", "collection", "build", COLLECTION, "--output-path", tmp_path / "dist"], tmp_path, env
    )
    tarball = Path(built.strip().rsplit(" at ", 1)[1])
    run([BIN / "ansible-galaxy", "collection", "install", tarball, "-p", tmp_path / "collections"], tmp_path, env)
    installed = tmp_path / "collections" / "ansible_collections" / "cloudflare" / "magic_transit"

    port_file = tmp_path / "port"
    with open(str(tmp_path / "simulator.log"), "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "simulator", "--port", "0", "--port-file", str(port_file), "--quiet"],
            cwd=str(installed),
            stdout=log,
            stderr=subprocess.STDOUT,
        )  # pylint: disable=consider-using-with
    try:
        deadline = time.monotonic() + 15
        while not (port_file.exists() and port_file.read_text(encoding="utf-8").strip()):
            assert process.poll() is None and time.monotonic() < deadline, (tmp_path / "simulator.log").read_text(
                encoding="utf-8"
            )
            time.sleep(0.05)
        url = "http://127.0.0.1:%s/client/v4/accounts/%s/magic/connectors" % (
            port_file.read_text(encoding="utf-8").strip(),
            simulator.account_id,
        )
        request = urllib.request.Request(url, headers={"Authorization": "Bearer " + simulator.token})
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(request, timeout=30) as response:
            body = json.loads(response.read().decode("utf-8"))
        assert body["success"] is True and body["result"], "the installed simulator serves its seed's connectors"
    finally:
        process.terminate()
        process.wait(10)
