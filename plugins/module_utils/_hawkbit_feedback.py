# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fleetops.upgrade contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Task logic of hawkbit_feedback: one status report for a deployment or cancel action."""

from __future__ import annotations

__metaclass__ = type

from ._errors import FleetopsError, TaskError
from ._hawkbit import HawkbitRun, fit_details, hawkbit_spec, installed_version

EXECUTIONS = ("closed", "proceeding", "download", "downloaded", "canceled", "scheduled", "rejected", "resumed")

FEEDBACK_SPEC = hawkbit_spec(argument_spec=dict(
    action_id=dict(type="str", required=True),
    kind=dict(type="str", default="deployment", choices=["deployment", "cancel"]),
    execution=dict(type="str", required=True, choices=list(EXECUTIONS)),
    finished=dict(type="str", default="none", choices=["success", "failure", "none"]),
    progress=dict(type="dict", options=dict(cnt=dict(type="int", required=True), of=dict(type="int", required=True))),
    code=dict(type="int"),
    details=dict(type="list", elements="str", default=[]),
    max_details=dict(type="int", default=20),
))


def feedback_status(params):
    result = {"finished": params["finished"]}
    if params["progress"]:
        result["progress"] = {"cnt": params["progress"]["cnt"], "of": params["progress"]["of"]}
    status = {"execution": params["execution"], "result": result}
    if params["code"] is not None:
        status["code"] = params["code"]
    details = fit_details(params["details"], params["max_details"])
    if details:
        status["details"] = details
    return status


class HawkbitFeedback(HawkbitRun):
    """A closing deployment feedback also reads what the server records as installed before and after
    (``previous_version``, ``version``), for the fleet report.

    After a closing or ``downloaded`` deployment feedback the module polls once more anyway (for ``version``, or to
    learn whether the action closed) and returns ``config_data_requested`` from that poll: a hawkBit server asks for
    config data again after every finished action and after a download-only action closed as ``downloaded``, so a
    device that answers it in the same run leaves nothing for the next one (the hawkbit_target role does).
    """

    versions = None
    config_data_requested = None

    def run(self):
        self.versions = {}
        params = self.params
        if not 1 <= params["max_details"] <= 50:
            raise FleetopsError("max_details must be between 1 and 50 (the server keeps at most 50 messages per status)")
        status = feedback_status(params)
        kind, action_id, execution = params["kind"], params["action_id"], params["execution"]
        if self.check_mode:
            with self.step("predict"):
                return self.predict(status)
        closing = execution == "closed"
        report = closing and kind == "deployment"
        if report:
            with self.step("poll"):
                self.versions["previous_version"] = installed_version(self.client, self.client.base_poll())
        send = self.client.cancel_feedback if kind == "cancel" else self.client.deployment_feedback
        with self.step("feedback", done="feedback sent"):
            outcome = send(action_id, status)
        if report:
            with self.step("poll"):
                after = self.client.base_poll()
                self.config_data_requested = bool(after.href("configData"))
                self.versions["version"] = installed_version(self.client, after)
        if outcome == "gone":
            self.device_state = "%s action %s closed" % (kind, action_id)
            if not closing:
                raise TaskError("the server says %s action %s is already closed (410): %s feedback is not accepted any more"
                                % (kind, action_id, execution), action_closed=True)
            return self.result(False, True, status, "%s action %s was already closed on the server (410); nothing sent" % (kind, action_id))
        action_closed = closing and not (kind == "cancel" and params["finished"] == "failure")
        if execution == "downloaded" and kind == "deployment":
            # "downloaded" closes a download-only action (DOWNLOADED is final there): ask the server.
            with self.step("poll"):
                action_closed = not self.still_open(action_id)
        self.device_state = "%s action %s %s" % (kind, action_id, "closed" if action_closed else "open")
        return self.result(True, action_closed, status, "sent %s/%s for %s action %s%s" % (
            execution, params["finished"], kind, action_id, "; the action is now closed" if action_closed and not closing else ""))

    def result(self, changed, action_closed, status, msg):
        result = {"changed": changed, "action_closed": action_closed, "feedback": status, "msg": msg,
                  "steps": list(self.steps), "durations": dict(self.durations), "device_state": self.device_state}
        if self.config_data_requested is not None:
            result["config_data_requested"] = self.config_data_requested
        if self.versions:
            result.update(self.versions, component="distribution set")
        return result

    def failure_details(self):
        details = super().failure_details()
        if self.versions:
            details.update(self.versions, component="distribution set")
        return details

    def still_open(self, action_id):
        poll = self.client.base_poll()
        self.config_data_requested = bool(poll.href("configData"))
        return poll.open_action()[1] == action_id

    def predict(self, status):
        """Check mode: a closing feedback to an action the server no longer offers would be answered 410."""
        params = self.params
        kind, open_id, href = self.client.base_poll().open_action()
        offered = open_id == params["action_id"] and kind == params["kind"]
        if not offered and params["execution"] == "closed":
            return self.result(False, True, status, "%s action %s is not open on the server; a closing feedback would change nothing"
                               % (params["kind"], params["action_id"]))
        closes = params["execution"] == "closed"
        if offered and params["execution"] == "downloaded" and kind == "deployment":
            deployment = (self.client.deployment_base(href).get("deployment") or {})
            closes = deployment.get("update") == "skip" and "maintenanceWindow" not in deployment
        return self.result(True, closes, status, "would send %s/%s for %s action %s" % (
            params["execution"], params["finished"], params["kind"], params["action_id"]))
