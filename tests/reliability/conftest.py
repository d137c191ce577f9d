# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Fixtures of the reliability suite (helpers in support.py).

* ``ansible``: the integration suite's fixture (real ``ansible-playbook`` / ``ansible`` against the simulator), imported
  from ``tests/integration/conftest.py`` rather than copied; its ``playbook()`` also takes an absolute path.
* ``playbooks``: a :class:`support.PlaybookRunner` writing generated playbooks into the test's temporary folder.
* ``accounts``: :class:`support.Accounts`, one simulator account per table row.

``simulator``, ``simulator_server`` and ``simulator_api`` come from ``tests/conftest.py``. The tests run from the build copy
(``make sync``), where this folder is importable as ``ansible_collections.cloudflare.magic_transit.tests.reliability``.
"""

from __future__ import annotations

import pytest

# Re-exported so that pytest registers the integration suite's fixture for this folder too.
from ansible_collections.cloudflare.magic_transit.tests.integration.conftest import ansible  # noqa: F401  pylint: disable=unused-import
from ansible_collections.cloudflare.magic_transit.tests.reliability.support import Accounts, PlaybookRunner


@pytest.fixture(name="playbooks")
def playbooks_fixture(ansible, tmp_path):  # noqa: F811  pylint: disable=redefined-outer-name
    folder = tmp_path / "playbooks"
    folder.mkdir()
    return PlaybookRunner(ansible, folder)


@pytest.fixture(name="accounts")
def accounts_fixture(simulator):
    return Accounts(simulator)
