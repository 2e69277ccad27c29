# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fleetops.upgrade contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Task logic of hawkbit_poll: one base poll (or a wait for an action) and the offered action's details."""

from __future__ import annotations

__metaclass__ = type

from ._errors import FleetopsError
from ._hawkbit import HawkbitRun, action_id_from_href, chunks_version, describe_deployment, hawkbit_spec, installed_version
from ._wait import Poll, wait_until

POLL_SPEC = hawkbit_spec(argument_spec=dict(
    etag=dict(type="str"),
    action_history=dict(type="int", default=0),
    read_action=dict(type="bool", default=True),
    wait_for_action=dict(type="bool", default=False),
    wait_timeout=dict(type="int", default=600),
))


def read_poll(client, poll, action_history=0, read_action=True):
    """Poll result -> module result fields (follows the action link for its details unless ``read_action`` is false).

    A hawkBit server records a ``retrieved`` entry in the action's history for a read of deploymentBase (the first
    one, and again once another entry came in between). Without ``read_action`` only the base poll and installedBase
    are read: the result says which action is open, not what it would install (``deployment`` and ``version`` None).
    """
    kind, action_id, href = poll.open_action()
    installed_href = poll.href("installedBase")
    result = {"not_modified": False, "etag": poll.etag, "sleep": poll.sleep,
              "action": {"type": kind, "id": action_id, "url": href},
              "config_data_requested": bool(poll.href("configData")),
              "installed_action": {"id": action_id_from_href(installed_href), "url": installed_href} if installed_href else None,
              "deployment": None, "cancel": None}
    if not read_action:
        result["action_read"] = False
    elif kind == "deployment":
        result["deployment"] = describe_deployment(client.deployment_base(href, action_history))
    elif kind == "confirmation":
        result["deployment"] = describe_deployment(client.confirmation_base_action(href, action_history))
    elif kind == "cancel":
        body = client.cancel_action(href)
        result["cancel"] = {"stop_id": str((body.get("cancelAction") or {}).get("stopId", action_id))}
    result["component"] = "distribution set"
    result["previous_version"] = installed_version(client, poll)
    offered = chunks_version((result["deployment"] or {}).get("chunks"))
    if not read_action and kind != "none":
        result["version"] = None  # an action is open, what it installs was not read
    else:
        result["version"] = offered if offered else result["previous_version"]
    return result


class HawkbitPoll(HawkbitRun):
    """Read-only: never changes anything on the server."""

    def run(self):
        params = self.params
        if params["wait_for_action"] and params["wait_timeout"] <= 0:
            raise FleetopsError("wait_timeout must be more than 0 seconds")
        waited = None
        with self.step("poll"):
            if params["wait_for_action"]:
                poll, waited = self.wait_for_action(params["wait_timeout"])
            else:
                poll = self.client.base_poll(params["etag"])
            if poll.not_modified:
                return {"changed": False, "not_modified": True, "etag": poll.etag, "sleep": None, "action": None,
                        "durations": dict(self.durations),
                        "msg": "nothing changed on the server since ETag %s" % poll.etag}
            result = read_poll(self.client, poll, params["action_history"], params["read_action"])
        action = result["action"]
        # read-only; in check mode "changed" says whether a role run would act on the open action (fleet pre-flight)
        result["changed"] = self.check_mode and action["type"] in ("deployment", "cancel", "confirmation")
        result["durations"] = dict(self.durations)
        if waited is not None:
            result["waited"] = waited
        result["msg"] = "no open action" if action["type"] == "none" else "open %s action %s" % (action["type"], action["id"])
        return result

    def wait_for_action(self, timeout):
        """Poll, never faster than the server's sleep, until it offers an action."""
        client = self.client

        def probe():
            poll = client.base_poll()
            kind = poll.open_action()[0]
            return Poll(kind != "none", "no open action (server sleep %ss)" % poll.sleep, poll, next_interval=poll.sleep)
        outcome, waited = wait_until(probe, "the server to offer an action", timeout, interval=1, clock=self.clock, sleep=self.sleep)
        return outcome.value, waited
