# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What every module of the collection shares: the connection options and one way to end (exit or fail)."""

from __future__ import annotations

import os

from ansible.module_utils.basic import AnsibleFallbackNotFound, AnsibleModule, missing_required_lib

from ._change import MAX_NAMED, IncompleteRun
from ._client import CONNECTION_DEFAULTS, CloudflareClient
from ._http import HAS_REQUESTS, REQUESTS_IMPORT_ERROR
from ._inputs import CloudflareAPIError, InvalidOption
from ._resource import Operation
from ._values import check_values


def env_fallback(*names):
    """ansible-core's env_fallback, except that an empty variable counts as unset: AWX injects every field of a
    credential type, blank ones as empty strings, and an empty CLOUDFLARE_API_KEY must not clash with a token."""
    for name in names:
        if os.environ.get(name):
            return os.environ[name]
    raise AnsibleFallbackNotFound


# Documented in the doc fragments cloudflare.magic_transit.connection and .inventory_connection; a unit test keeps
# them, the inventory plugin's options and this spec in step.
CONNECTION_ARGUMENT_SPEC = dict(
    api_token=dict(type="str", no_log=True, fallback=(env_fallback, ["CLOUDFLARE_API_TOKEN"])),
    api_email=dict(type="str", fallback=(env_fallback, ["CLOUDFLARE_EMAIL"])),
    api_key=dict(type="str", no_log=True, fallback=(env_fallback, ["CLOUDFLARE_API_KEY"])),
    account_id=dict(type="str", required=True, fallback=(env_fallback, ["CLOUDFLARE_ACCOUNT_ID"])),
    base_url=dict(
        type="str", default=CONNECTION_DEFAULTS["base_url"], fallback=(env_fallback, ["CLOUDFLARE_BASE_URL"])
    ),
    timeout=dict(type="float", default=CONNECTION_DEFAULTS["timeout"]),
    validate_certs=dict(type="bool", default=CONNECTION_DEFAULTS["validate_certs"]),
    max_retries=dict(type="int", default=CONNECTION_DEFAULTS["max_retries"]),
    max_retry_wait=dict(type="float", default=CONNECTION_DEFAULTS["max_retry_wait"]),
)

CONNECTION_MUTUALLY_EXCLUSIVE = [("api_token", "api_key"), ("api_token", "api_email")]
CONNECTION_REQUIRED_TOGETHER = [("api_email", "api_key")]


class CloudflareModule(AnsibleModule):
    """An AnsibleModule with the connection options added and a ready ``client``.

    ``run`` is the single place where a module ends: its result, or bad input and API failures as failures, each
    with the API calls made.
    """

    def __init__(self, argument_spec, mutually_exclusive=None, required_together=None, **kwargs):
        self.client = None
        spec = dict(CONNECTION_ARGUMENT_SPEC)
        spec.update(argument_spec)
        super().__init__(
            argument_spec=spec,
            mutually_exclusive=CONNECTION_MUTUALLY_EXCLUSIVE + list(mutually_exclusive or []),
            required_together=CONNECTION_REQUIRED_TOGETHER + list(required_together or []),
            **kwargs,
        )
        if not HAS_REQUESTS:
            self._end({}, failure=missing_required_lib("requests"), exception=str(REQUESTS_IMPORT_ERROR))
        try:
            # A YAML boolean given for a number passes the argument spec (a bool is an int in Python): refused here,
            # for every option and every entry of a list of objects, before any call.
            check_values(self.argument_spec, self.params)
            self.client = CloudflareClient.from_params(self.params)
        except InvalidOption as exc:
            self._end({}, failure=str(exc))
        # Every no_log value (tokens, bgp.md5_key...) is scrubbed from error texts an answer may echo it into.
        self.client.add_secrets(*self.no_log_values)
        for warning in self.client.warnings:
            self.warn(warning)

    def hide(self, *values):
        """Mask ``values`` (secrets learnt during the run, such as a license key meant for a file) in every output of
        this run: the result, its messages and warnings (Ansible's ``no_log_values``), and API error texts."""
        self.no_log_values.update(value for value in values if isinstance(value, str) and value)
        self.client.add_secrets(*values)

    def run(self, work):
        """Exit with the result of ``work``: an ``Operation`` (checked, then run), or a ``ResourceModule`` step
        (``ensure``, ``info``); turn an ``InvalidOption``, an ``IncompleteRun`` or a ``CloudflareAPIError`` into a
        failure."""
        try:
            if isinstance(work, Operation):
                work.check(self.params)
                result = work.run(self.params, self.check_mode)
            else:
                result = work()
        except InvalidOption as exc:
            self._end({}, failure=str(exc))
        except IncompleteRun as exc:
            self._end(exc.result, failure=exc.msg)
        except CloudflareAPIError as exc:
            msg = str(exc)
            if exc.outcome_unknown:
                msg += (
                    ". The outcome is unknown: Cloudflare may have carried out this %s all the same, so check before "
                    "repeating it (running a task that manages state again is safe: it reads before it writes)"
                    % exc.method
                )
            self._end({}, failure=msg, error=exc.as_dict())
        else:
            self._end(result)

    def _end(self, result, failure=None, **extra):
        result = dict(result, **extra)
        # ansible-core before 2.19 returns the module's options with every result ("invocation", kept by register and
        # AWX): a fleet's 800 entries, each unset sub-option as null, made a 364 KB result. Shown there: the options
        # set, and long lists of entries cut after MAX_NAMED with how many more.
        self.params = shown_options(self.params)
        if self.client is not None:
            result["api_calls"] = dict(self.client.calls)
        if failure is None:
            self.exit_json(**result)
        self.fail_json(msg=failure, **result)


def shown_options(value):
    """``value`` (options) without unset (None) values, lists of entries cut after ``MAX_NAMED``: for "invocation"."""
    if isinstance(value, dict):
        return dict((k, shown_options(v)) for k, v in value.items() if v is not None)
    if isinstance(value, list) and len(value) > MAX_NAMED and all(isinstance(item, dict) for item in value):
        return [shown_options(item) for item in value[:MAX_NAMED]] + ["... and %d more" % (len(value) - MAX_NAMED)]
    if isinstance(value, list):
        return [shown_options(item) for item in value]
    return value


__all__ = ["CONNECTION_ARGUMENT_SPEC", "CloudflareAPIError", "CloudflareModule", "InvalidOption"]
