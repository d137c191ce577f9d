# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The events source loaded as ansible-rulebook loads it: by path, not as a package."""

import sys
from pathlib import Path

import pytest

# the helpers next to this file (eda_fakes) import by name
sys.path.insert(0, str(Path(__file__).resolve().parent))

from eda_fakes import load_source  # noqa: E402  pylint: disable=wrong-import-position


@pytest.fixture(name="source_module", scope="session")
def source_module_fixture():
    return load_source()
