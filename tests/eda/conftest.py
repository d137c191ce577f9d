# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The events source loaded as ansible-rulebook loads it: by path, not as a package."""

import importlib.util
import sys
from pathlib import Path

import pytest

COLLECTION = Path(__file__).resolve().parents[2]
SOURCE_FILE = COLLECTION / "extensions" / "eda" / "plugins" / "event_source" / "connector_events.py"
# the helpers next to this file (eda_fakes) import by name
sys.path.insert(0, str(Path(__file__).resolve().parent))


def load_source():
    spec = importlib.util.spec_from_file_location("connector_events", SOURCE_FILE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(name="source_module", scope="session")
def source_module_fixture():
    return load_source()
