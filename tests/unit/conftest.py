# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Fixtures of the unit tests: the scripted HTTP fake (see fake_api.py) and a module runner."""

from __future__ import annotations

import json

import pytest
import requests
from ansible.module_utils import basic
from ansible.module_utils.common import warnings as module_warnings

try:
    from ansible.module_utils import _internal as module_utils_internal
    from ansible.module_utils.testing import patch_module_args
except ImportError:  # ansible-core < 2.19: a module reads its arguments from basic._ANSIBLE_ARGS
    module_utils_internal = patch_module_args = None

from ansible_collections.cloudflare.magic_transit.tests.unit.fake_api import CONNECTION, TOKEN, FakeCloudflare


@pytest.fixture
def api(monkeypatch):
    fake = FakeCloudflare()

    # A plain function, so that it binds to the session like the real method.
    def request(session, *args, **kwargs):
        return fake(session, *args, **kwargs)

    monkeypatch.setattr(requests.Session, "request", request)
    monkeypatch.setattr("time.sleep", fake.sleeps.append)
    yield fake
    fake.assert_done()


@pytest.fixture
def run_module(capsys, monkeypatch):
    """Run a module's ``main()`` with args; return its result dict (``failed`` set when it failed)."""

    def run(module, check_mode=False, diff=False, **args):
        # None leaves an option out, as omitting it in a task does (so that its environment fallback applies)
        args = dict((k, v) for k, v in dict(CONNECTION, **args).items() if v is not None)
        args.update(_ansible_check_mode=check_mode, _ansible_diff=diff)
        # A module runs in a process of its own: warnings and deprecations of an earlier run in this one are gone.
        for collected in (module_warnings._global_warnings, module_warnings._global_deprecations):  # pylint: disable=protected-access
            collected.clear()
        # A module runs in its own process, never as controller code; importing controller code in the same
        # test session (the filter tests do) would otherwise send module warnings to the controller's display.
        if patch_module_args is None:
            monkeypatch.setattr(basic, "_ANSIBLE_ARGS", json.dumps({"ANSIBLE_MODULE_ARGS": args}).encode("utf-8"))
            with pytest.raises(SystemExit):
                module.main()
        else:
            monkeypatch.setattr(module_utils_internal, "is_controller", False)
            with patch_module_args(args):
                with pytest.raises(SystemExit):
                    module.main()
        out = capsys.readouterr().out
        assert TOKEN not in out, "the API token leaked into the module output"
        return json.loads(out)

    return run
