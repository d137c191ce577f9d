#!/usr/bin/env python
"""Offline stand-in for the get-pip.py script that ``ansible-test --venv`` downloads.

ansible-test bootstraps pip into every virtual environment it creates by running
``https://ci-files.testing.ansible.com/ansible-test/get-pip-<version>.py``, unless the file
``~/.ansible/test/cache/get_pip_<version with _>.py`` already exists. That host is not
reachable from every build machine, so this file is used in two ways:

``get_pip_offline.py --install-cache CACHE_DIR``
    Read the pip version(s) the installed ansible-test asks for and copy this very file to
    ``CACHE_DIR/get_pip_<version>.py`` for each (e.g. ``get_pip_25_2.py`` for ansible-core 2.21).

as ``get_pip_<version>.py``, run by ansible-test with get-pip.py's arguments
    Install the interpreter's bundled pip with ``ensurepip`` (in a subprocess: running it in
    this process would leave a half-imported pip behind), then ``pip install --upgrade`` the
    requested packages (e.g. ``pip==25.2``) from the configured package index. The get-pip.py
    only options ``--no-setuptools`` and ``--no-wheel`` are dropped.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys

GET_PIP_ONLY_OPTIONS = ("--no-setuptools", "--no-wheel")


def wanted_pip_versions() -> list[str]:
    """Return the pip versions the installed ansible-test bootstraps into its venvs."""
    import ansible_test  # pylint: disable=import-outside-toplevel

    source = os.path.join(os.path.dirname(ansible_test.__file__), "_internal", "python_requirements.py")
    with open(source, encoding="utf-8") as handle:
        text = handle.read()
    return sorted(set(re.findall(r"""\bpip\s*=\s*['"]([0-9][0-9.]*)['"]""", text)))


def install_cache(cache_dir: str) -> int:
    """Copy this script into ansible-test's cache under every name it may look for."""
    versions = wanted_pip_versions()
    if not versions:
        print("get_pip_offline.py: could not find the pip version in ansible-test's source", file=sys.stderr)
        return 1
    os.makedirs(cache_dir, exist_ok=True)
    for version in versions:
        target = os.path.join(cache_dir, "get_pip_%s.py" % version.replace(".", "_"))
        shutil.copyfile(os.path.abspath(__file__), target)
        print("offline pip bootstrap for ansible-test: %s" % target)
    return 0


def bootstrap(arguments: list[str]) -> int:
    """Do what get-pip.py does, from the interpreter's bundled pip and the configured index."""
    pip_arguments = [arg for arg in arguments if arg not in GET_PIP_ONLY_OPTIONS]
    subprocess.check_call([sys.executable, "-m", "ensurepip", "--upgrade", "--default-pip"])
    subprocess.check_call([sys.executable, "-m", "pip", "install", "--upgrade"] + pip_arguments)
    return 0


def main() -> int:
    """Entry point."""
    if sys.argv[1:2] == ["--install-cache"]:
        if len(sys.argv) != 3:
            print("usage: get_pip_offline.py --install-cache CACHE_DIR", file=sys.stderr)
            return 2
        return install_cache(sys.argv[2])
    return bootstrap(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
