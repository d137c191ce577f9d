# Copyright: (c) 2026, cloudflare.magic_transit contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Connector interrupts (reboot, restart, shutdown): an action, not a state, so an ``Operation``, not a write of the
engine's write path.

Cloudflare runs an interrupt at the appliance's next check-in and allows one pending operation per connector: the
interrupts are read first, so a pending one fails the task before anything is sent. The POST is never repeated;
when its outcome is unknown, the interrupts tell what happened.
"""

from __future__ import annotations

from ._answers import Shape
from ._change import IncompleteRun
from ._connector_identity import given_identity
from ._connectors import Connectors
from ._ha_peers import PendingInterrupt, action_of, before_interrupt, pending_of, wait_for_run
from ._hostnames import describe
from ._inputs import CloudflareAPIError, InvalidOption
from ._resource import Operation

#: waiting for an interrupt to run: the first poll after this many seconds, doubling up to the cap
WAIT_FIRST_POLL, WAIT_MAX_POLL = 1.0, 15.0


class Interrupt(Operation):
    """magic_connector_interrupt: submit (or in check mode only judge) a reboot, restart or shutdown of the connector
    the options name, and with ``wait`` poll until it ran."""

    def __init__(self, module):
        super().__init__(module)
        self.connectors = Connectors(module.client, hide=module.hide, warn=module.warn)

    def check(self, params):
        self.connectors.check_identity(params)
        if params.get("wait") and params["wait_timeout"] < 1:
            raise InvalidOption("wait_timeout", "must be at least 1 (seconds)", params["wait_timeout"])

    def run(self, params, check_mode):
        connector = self.connectors.find(params)
        if connector is None:
            option, value = given_identity(params)
            raise InvalidOption(option, "must identify an existing connector", value)
        name = describe(connector)
        before = self.interrupts(connector["id"])
        done, before = before_interrupt(self, connector, before, params, check_mode, self.module.warn)
        if done is not None:  # with if_pending=wait, the interrupt asked for was already pending and has run
            return done
        pending = pending_of(before)
        if pending:
            raise PendingInterrupt(
                "action", "cannot be submitted to %s: %s. Nothing was sent" % (name, _pending_text(pending))
            )
        body = {params["action"]: {"purge": params["purge"]}}
        result = dict(changed=True, magic_connector=self.connectors.shown(connector))
        if check_mode:
            return dict(
                result, magic_connector_interrupt=body, msg="would submit a %s to %s" % (params["action"], name)
            )
        try:
            sent = self.module.client.post(
                self.connectors.path_of(connector["id"], "interrupts"), body, shape=Shape(dict)
            )
        except CloudflareAPIError as error:
            sent = self._outcome(error, connector["id"], name, before, params["action"])
        result.update(magic_connector_interrupt=sent, msg="%s submitted to %s" % (params["action"], name))
        if params.get("wait"):
            triggered = self._wait_for(connector, sent, params["wait_timeout"], name, result)
            result.update(
                magic_connector_interrupt=triggered,
                msg="%s of %s ran at %s" % (params["action"], name, triggered.get("triggered_at")),
            )
        return result

    def interrupts(self, connector_id):
        return read_interrupts(self.connectors, connector_id)

    def _outcome(self, error, connector_id, name, before, action):
        """The interrupt a failed POST submitted after all (its outcome unknown), or the right failure."""
        if error.status == 409:
            try:
                pending = pending_of(self.interrupts(connector_id))
            except CloudflareAPIError:
                pending = None
            since = _pending_text(pending) if pending else "Cloudflare says another operation is pending"
            raise PendingInterrupt(
                "action", "cannot be submitted to %s: %s (%s). Nothing was written" % (name, since, error)
            ) from None
        if not error.outcome_unknown:
            raise error
        try:
            now = self.interrupts(connector_id)
        except CloudflareAPIError:
            raise error from None
        known = set(item.get("submitted_at") for item in before)
        new = [item for item in now if item.get("submitted_at") not in known and action in item]
        if not new:
            error.message += (
                ". The connector's interrupts, read right after, show no new %s: most likely it was "
                "not received. It was not sent again" % action
            )
            raise error
        self.module.warn(
            "%s: the answer to the %s was lost (%s), but a re-read shows the change landed: the "
            "connector's interrupts show it was received (submitted at %s); it was not sent again"
            % (name, action, error, new[-1].get("submitted_at"))
        )
        return new[-1]

    def _wait_for(self, connector, sent, timeout, name, result):
        """The interrupt submitted, once it ran (``triggered_at``): polled after 1 s, then at doubling intervals up to
        15 s; fails (changed) after ``timeout`` s or when a poll fails."""
        result = dict((k, v) for k, v in result.items() if k != "msg")  # a failure's msg says what happened
        late = (
            "%s: the interrupt submitted at %s has not run within wait_timeout=%g s (it runs when the appliance next "
            "checks in; it stays pending, do not submit it again)" % (name, sent.get("submitted_at"), timeout)
        )
        try:
            return wait_for_run(
                self, connector, sent, timeout, lambda: IncompleteRun(late, result), WAIT_FIRST_POLL, WAIT_MAX_POLL
            )
        except CloudflareAPIError as error:
            raise IncompleteRun(
                "%s: the interrupt was submitted (at %s), but waiting for it to run failed: %s"
                % (name, sent.get("submitted_at"), error),
                result,
            ) from None


def _pending_text(pending):
    item = pending[-1]
    action = action_of(item)
    return (
        "a %s is already pending since %s (Cloudflare runs it when the appliance next checks in, and allows one "
        "pending operation per connector)" % (action, item.get("submitted_at") or "an unknown time")
    )


def read_interrupts(connectors, connector_id):
    """A connector's interrupts, oldest first as Cloudflare lists them (``connectors``: a ``Connectors`` description)."""
    return connectors.client.get(connectors.path_of(connector_id, "interrupts"), shape=Shape(list))
