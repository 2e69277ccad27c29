# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fleetops.upgrade contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Task logic of hawkbit_confirmation: answer a waiting action, switch auto-confirm on or off."""

from __future__ import annotations

__metaclass__ = type

from ._errors import TaskError
from ._hawkbit import HawkbitRun, fit_details, hawkbit_spec

CONFIRMATION_SPEC = hawkbit_spec(
    argument_spec=dict(
        action_id=dict(type="str"),
        confirmation=dict(type="str", choices=["confirmed", "denied"]),
        auto_confirm=dict(type="bool"),
        initiator=dict(type="str", default="ansible"),
        remark=dict(type="str"),
        code=dict(type="int"),
        details=dict(type="list", elements="str", default=[]),
    ),
    required_one_of=[("confirmation", "auto_confirm")],
    required_together=[("action_id", "confirmation")],
)


class HawkbitConfirmation(HawkbitRun):

    def run(self):
        self.result = {"changed": False}
        self.messages = []
        self.before, self.after = {}, {}
        if self.params["auto_confirm"] is not None:
            self.set_auto_confirm()
        if self.params["confirmation"]:
            self.answer_confirmation()
        result = self.result
        result.update(msg="; ".join(self.messages), steps=list(self.steps), durations=dict(self.durations))
        if self.device_state is not None:
            result["device_state"] = self.device_state
        if self.diff:
            result["diff"] = {"before": self.before, "after": self.after}
        return result

    def set_auto_confirm(self):
        params = self.params
        with self.step("read auto-confirm"):
            info = self.client.confirmation_base()
        active = bool((info.get("autoConfirm") or {}).get("active"))
        wanted = params["auto_confirm"]
        self.before["auto_confirm"], self.after["auto_confirm"] = active, wanted
        self.result["auto_confirm"] = wanted
        if active == wanted:
            self.messages.append("auto-confirm already %s" % ("on" if active else "off"))
            return
        self.result["changed"] = True
        self.messages.append("%sauto-confirm turned %s" % ("(check mode) " if self.check_mode else "", "on" if wanted else "off"))
        if self.check_mode:
            return
        links = info.get("_links") or {}
        with self.step("set auto-confirm", done="auto-confirm %s" % ("on" if wanted else "off")):
            if wanted:
                self.client.activate_auto_confirm((links.get("activateAutoConfirm") or {}).get("href"), params["initiator"], params["remark"])
            else:
                self.client.deactivate_auto_confirm((links.get("deactivateAutoConfirm") or {}).get("href"))
        self.device_state = "auto-confirm %s" % ("on" if wanted else "off")

    def answer_confirmation(self):
        params = self.params
        action_id, wanted = params["action_id"], params["confirmation"]
        key = "action_%s" % action_id
        with self.step("poll"):
            kind, open_id = self.client.base_poll().open_action()[:2]
        state = "waiting" if kind == "confirmation" and open_id == action_id else \
            "running" if open_id == action_id and kind in ("deployment", "cancel") else "not open"
        self.before[key] = state
        self.result["action_state"] = state
        if state == "running":
            if wanted == "denied":
                raise TaskError("action %s is already confirmed and running; it can no longer be denied (cancel it on the server)" % action_id,
                                action_state=state)
            self.after[key] = state
            self.messages.append("action %s is already confirmed" % action_id)
            return
        if state == "not open":
            self.after[key] = state
            self.messages.append("action %s is not waiting for confirmation (closed or unknown); nothing to answer" % action_id)
            return
        self.after[key] = "running" if wanted == "confirmed" else "waiting"
        self.result["changed"] = True
        if self.check_mode:
            self.messages.append("(check mode) would answer %s for action %s" % (wanted, action_id))
            return
        with self.step("answer", done="answered %s" % wanted):
            outcome = self.client.confirmation_feedback(action_id, wanted, params["code"], fit_details(params["details"], 50))
        if outcome == "gone":
            self.result["changed"] = False
            self.device_state = "action %s closed" % action_id
            self.messages.append("action %s was closed meanwhile (410)" % action_id)
            return
        self.result["action_state"] = self.after[key]
        self.device_state = "action %s %s" % (action_id, self.after[key])
        self.messages.append("answered %s for action %s" % (wanted, action_id))
