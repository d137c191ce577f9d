# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""An execution environment that installs the built collection gets its Python requirements (requests).

No container engine runs here, so the test does what an image build would do, without the image:
``ansible-builder create`` writes the build context, then the context's own galaxy and introspection steps
run on this machine, as the Containerfile would run them in its ``galaxy`` and ``builder`` stages.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest
import yaml

BIN = Path(sys.executable).parent
COLLECTION = Path(os.path.abspath(__file__)).parents[2]

EE_DEFINITION = """\
---
version: 3
images:
  base_image:
    name: quay.io/ansible/awx-ee:latest
dependencies:
  galaxy:
    collections:
      - name: collections/{tarball}
        type: file
additional_build_files:
  - src: {tarball}
    dest: collections
"""


def run(command, cwd, **env):
    completed = subprocess.run(
        [str(c) for c in command],
        cwd=str(cwd),
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
        env=dict(os.environ, **env),
    )
    assert completed.returncode == 0, "%s failed:\n%s%s" % (command, completed.stdout, completed.stderr)
    return completed.stdout


@pytest.fixture(name="builder")
def builder_fixture():
    builder = BIN / "ansible-builder"
    if not builder.exists():
        pytest.skip("ansible-builder is not installed next to %s (requirements-dev.txt pins it)" % sys.executable)
    return builder


def test_collection_metadata_declares_its_python_requirements():
    metadata = yaml.safe_load((COLLECTION / "meta" / "execution-environment.yml").read_text(encoding="utf-8"))
    assert metadata["version"] == 3
    assert metadata["dependencies"] == {"python": "meta/ee-requirements.txt", "system": "meta/ee-bindep.txt"}
    requirements = (COLLECTION / "meta" / "ee-requirements.txt").read_text(encoding="utf-8").split("\n")
    packages = [line.split("#")[0].strip() for line in requirements if line.split("#")[0].strip()]
    assert "requests" in packages
    assert not any(p.lower().startswith(("ansible-core", "ansible ", "ansible=")) for p in packages), (
        "ansible-core comes from the EE definition or its base image, never from the collection"
    )


def test_builder_context_installs_the_collection_and_requests(builder, tmp_path):
    built = run([BIN / "ansible-galaxy", "collection", "build", COLLECTION, "--output-path", tmp_path], tmp_path)
    tarball = Path(built.strip().rsplit(" at ", 1)[1])
    (tmp_path / "execution-environment.yml").write_text(EE_DEFINITION.format(tarball=tarball.name), encoding="utf-8")

    run(
        [
            builder,
            "create",
            "--file",
            "execution-environment.yml",
            "--context",
            "context",
            "--output-filename",
            "Containerfile",
        ],
        tmp_path,
    )
    context = tmp_path / "context"
    containerfile = (context / "Containerfile").read_text(encoding="utf-8")
    assert "introspect.py introspect" in containerfile
    assert yaml.safe_load((context / "_build" / "requirements.yml").read_text(encoding="utf-8")) == {
        "collections": [{"name": "collections/" + tarball.name, "type": "file"}]
    }
    in_context = context / "_build" / "collections" / tarball.name
    with tarfile.open(in_context) as archive:
        metadata = yaml.safe_load(archive.extractfile("meta/execution-environment.yml"))
        requirements = archive.extractfile(metadata["dependencies"]["python"]).read().decode("utf-8")
    assert "requests" in requirements.split()

    # The galaxy stage: install the collections of _build/requirements.yml (from /build, i.e. _build).
    collections = tmp_path / "usr-share-ansible" / "collections"
    run(
        [BIN / "ansible-galaxy", "collection", "install", "-r", "requirements.yml", "--collections-path", collections],
        context / "_build",
        ANSIBLE_GALAXY_DISABLE_GPG_VERIFY="1",
    )
    # The builder stage: the context's introspection script collects the installed collections' requirements.
    output = tmp_path / "output"
    output.mkdir()
    run(
        [
            sys.executable,
            context / "_build" / "scripts" / "introspect.py",
            "introspect",
            "--write-pip",
            output / "requirements.txt",
            "--write-bindep",
            output / "bindep.txt",
            collections,
        ],
        tmp_path,
    )
    lines = (output / "requirements.txt").read_text(encoding="utf-8").splitlines()
    assert "requests  # from collection cloudflare.magic_transit" in lines
