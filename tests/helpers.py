# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Helpers every test suite shares: import them from here, never copy them into a test file.

* Answers of the (simulated) API: :func:`result`, :func:`errors_of`.
* The simulator: :func:`stored`, :func:`stored_connectors` (by id), :func:`connector_list` (a list),
  :func:`put_settings`.
* Ansible runs: :func:`result_of` (the module result of an ad-hoc run), :func:`plain` (data without unsafe marks).
* Fake API data: :func:`api_connector`, :func:`edited`.

The tests run from the build copy, where this module is
``ansible_collections.cloudflare.magic_transit.tests.helpers``. It needs only the standard library.
"""

from __future__ import annotations

import copy
import json


def result(response):
    """The ``result`` of a successful answer (HTTP 200, ``success`` true, no errors)."""
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["success"] is True and body["errors"] == [], body
    return body["result"]


def errors_of(response, status=400):
    """A failed answer's errors as ``{(code, source pointer): message}`` (HTTP ``status``, ``success`` false)."""
    assert response.status_code == status, response.text
    body = response.json()
    assert body["success"] is False and body["result"] is None, body
    return {(error["code"], error.get("source", {}).get("pointer")): error["message"] for error in body["errors"]}


def stored(simulator, kind):
    """The simulator's stored objects of one kind (``"connectors"``, ``"sites"``...) in its account, by id."""
    return simulator.state()["accounts"][simulator.account_id][kind]


def stored_connectors(simulator):
    """The simulator's stored connectors, by id."""
    return stored(simulator, "connectors")


def connector_list(simulator):
    """The simulator's stored connectors, as a list."""
    return list(stored_connectors(simulator).values())


def put_settings(simulator, **values):
    """Change the simulator's settings (``/__admin/settings``); returns them all."""
    return simulator.admin("PUT", "settings", values)


def result_of(run):
    """The module result of a one-host ad-hoc run (``localhost | CHANGED => {...}``)."""
    return json.loads(run.stdout.split("=>", 1)[1])


def plain(value):
    """ansible-core 2.19+ marks strings that are not trusted as templates (all API data) as {"__ansible_unsafe": s}."""
    if isinstance(value, dict):
        if set(value) == {"__ansible_unsafe"}:
            return value["__ansible_unsafe"]
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def edited(base, **fields):
    """A deep copy of ``base`` with ``fields`` added or replaced (copied too: shared defaults stay untouched)."""
    return dict(copy.deepcopy(base), **copy.deepcopy(fields))


def api_connector(number, notes="site-%02d", serial="SN%02d", **fields):
    """A connector as the API answers it, with a MANAGED device.

    ``number`` gives its id and its device's id; ``notes`` and ``serial`` are text or a pattern with one ``%d`` for
    ``number``; ``fields`` add or replace fields. A test file binds its own defaults once:
    ``connector = functools.partial(api_connector, timezone="UTC")``.
    """

    def text(pattern):
        return pattern % number if "%" in pattern else pattern

    return edited(
        {
            "id": "%032x" % number,
            "notes": text(notes),
            "device": {"id": "%032x" % (10**6 + number), "serial_number": text(serial), "type": "MANAGED"},
        },
        **fields,
    )
