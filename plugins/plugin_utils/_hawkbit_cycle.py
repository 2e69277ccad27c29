# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fleetops.upgrade contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One DDI cycle of a hawkBit target whose device is the controller itself, as the role's tasks make it.

The hawkbit_target role runs its cycle as tasks (``tasks/cycle.yml``) when the target needs its own connection
(SSH, ``become``) or the user's tasks (install, reboot or verify hooks). A target on the controller's local
connection, with install commands only, runs the same cycle here, inside the worker: the same module calls with
the same arguments, in the same order and under the same conditions, the same failure handling as the role's
``rescue``, and the same result for the fleet report. Names of the calls are the role's task names, so a failure
reads the same on both paths.
"""

from __future__ import annotations

__metaclass__ = type

import os

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.parsing.convert_bool import boolean

from ansible_collections.fleetops.upgrade.plugins.plugin_utils._action import CONTROLLER_NAMES
from ansible_collections.fleetops.upgrade.plugins.plugin_utils._fleet_records import REPORT_STEP
FAILURE_LINES = 10
CHECK_COMMANDS = "Check the install and verify commands (no shell syntax) before the server is contacted"

CYCLE_SPEC = dict(
    download_dir=dict(type="path", required=True),
    config_data=dict(type="dict", default={}),
    confirmation_policy=dict(type="str", default="confirm", choices=["confirm", "auto_confirm", "wait"]),
    install_commands=dict(type="dict", default={}),
    reboot_exit_code=dict(type="int", default=100),
    verify_command=dict(type="str", default=""),
    install_tasks=dict(type="str", default=""),
    reboot_tasks=dict(type="str", default=""),
    verify_tasks=dict(type="str", default=""),
    install_become=dict(type="bool", default=False),
    api_delegate=dict(type="str", default="localhost"),
    survey_reads_action=dict(type="bool", default=True),
)


class CycleArgumentsError(ValueError):
    """Cycle arguments that cannot work."""


def cycle_params(args):
    validated = ArgumentSpecValidator(CYCLE_SPEC).validate(dict(args or {}))
    if validated.error_messages:
        raise CycleArgumentsError("hawkBit cycle arguments: %s" % "; ".join(validated.error_messages))
    return validated.validated_parameters


def needs_own_connection(args):
    """Why the cycle must run as the role's tasks (user hooks, become, another API delegate), or None."""
    params = cycle_params(args)
    hooks = [name for name in ("install_tasks", "reboot_tasks", "verify_tasks") if params[name]]
    if hooks:
        return "the user's tasks run the %s" % ", ".join(name.split("_")[0] for name in hooks)
    if params["install_become"]:
        return "the install commands run with become"
    if params["api_delegate"] not in CONTROLLER_NAMES:
        return "the API requests run on %s" % params["api_delegate"]
    return None


class StepFailed(Exception):
    def __init__(self, name, result):
        super().__init__(name)
        self.name = name
        self.result = result


def _parts_and_versions(chunks):
    return ", ".join("%s %s" % (chunk.get("part"), chunk.get("version")) for chunk in chunks)


def _changed(result):
    return bool((result or {}).get("changed"))


def cycle_report(results):
    """What one DDI cycle did, for the device's report record: the one place that says it, for both paths.

    ``results`` are the cycle's module results by the role's register names (without ``hawkbit_target_``):
    ``first_poll``, ``second_poll``, ``confirmed``, ``auto_confirm``, ``download``, ``downloaded``, ``proceeding``,
    ``closed`` (the success feedback: a step failing after it, such as the config data, leaves the action installed),
    ``cancel_answer``, ``cancel_started`` (the installation marker was there) and ``failure`` (``step``, ``msg``,
    ``reached``: false when no connection to the server was made) when a step failed. Missing or skipped results count as not run.
    """
    first = results.get("first_poll") or {}
    second = results.get("second_poll") or {}
    action = (second if second.get("action") else first).get("action") or {}
    installed_before = (first.get("installed_action") or {}).get("id") or "none"
    failure = results.get("failure")
    if failure:
        action_id = action.get("id") if action.get("id") is not None else (first.get("action") or {}).get("id")
        done = "installed and closed" if _changed(results.get("closed")) else \
            "reported failed" if _changed(results.get("proceeding")) else "left open"
        state = "action %s %s" % (action_id, done) if action_id is not None else "unchanged"
        report = {"device_class": "hawkbit", "status": "failed", "msg": "%s: %s" % (failure.get("step"), failure.get("msg") or "failed"),
                  "device_state": state, "items": []}
        if str(failure.get("reached")).lower() == "false":
            report["reached"] = False  # no connection to the server was made: the report counts the target unreachable
        return report
    kind = action.get("type")
    unread = not (second if second.get("action") else first).get(kind if kind == "cancel" else "deployment")
    if kind in ("deployment", "cancel") and unread:  # check mode without reading the action (survey_reads_action)
        items = [{"component": "distribution set", "from": "none" if installed_before == "none" else "action %s" % installed_before,
                  "to": "%s action %s (not read)" % (kind, action.get("id")), "changed": True}]
        return {"device_class": "hawkbit", "status": "changed", "action": action, "items": items}
    if kind == "deployment":
        deployment = (second if second.get("action") else first)["deployment"]
        install_now = deployment["update"] != "skip"
        fetched = _changed(results.get("download"))
        source = "none" if installed_before == "none" else "action %s" % installed_before
        items = [{"component": "%s %s" % (chunk.get("part"), chunk.get("name")), "from": source,
                  "to": "%s%s" % (chunk.get("version"), "" if install_now else " (downloaded, not installed)"),
                  "changed": install_now or fetched} for chunk in deployment["chunks"]]
        changed = install_now or fetched or _changed(results.get("downloaded"))
    elif kind == "cancel":
        started = boolean(results.get("cancel_started") or False, strict=False)
        changed = _changed(results.get("cancel_answer"))
        stop_id = ((second if second.get("action") else first).get("cancel") or {}).get("stop_id")
        items = [{"component": "cancel of action %s" % stop_id, "from": "open",
                  "to": "rejected (installation under way)" if started else "canceled", "changed": changed}]
    else:
        changed = _changed(results.get("confirmed")) or _changed(results.get("auto_confirm"))
        items = [{"component": "installed action (%s open)" % kind, "from": installed_before, "to": installed_before,
                  "changed": False}]
    report = {"device_class": "hawkbit", "status": "changed" if changed else "ok", "action": action, "items": items}
    if kind == "deployment" and changed and not install_now:
        report["download_only"] = True  # the action asks for the download only: the record says downloaded
    return report


class HawkbitCycle:
    """``run()`` returns ``[(step name, module result)]``; its last entry, ``report``, is what the record is made of."""

    def __init__(self, common, args, run_step, check_mode=False):
        self.common = dict(common or {})
        self.params = cycle_params(args)
        self.run_step = run_step
        self.check_mode = check_mode
        self.ran = []
        self.results = {}
        self.action_id = None

    def call(self, name, module, args, ddi=True, check_mode=None, register=None):
        """One module call, its result kept under ``register``; a failed one ends the cycle (the role's ``rescue``)."""
        args = dict(self.common, **args) if ddi else args
        if check_mode is None:
            result = self.run_step(module, args)
        else:  # a check on the way (the role's check_mode: true, changed_when: false)
            result = dict(self.run_step(module, args, check_mode=check_mode), changed=False)
        self.ran.append((name, result))
        if register:
            self.results[register] = result
        if result.get("failed") or result.get("unreachable"):
            raise StepFailed(name, result)
        return result

    def run(self):
        try:
            if ("target_token" in self.common) == ("gateway_token" in self.common):
                self.ran.append(("Check the credentials", {"failed": True, "msg": "set exactly one of "
                                 "hawkbit_target_target_token and hawkbit_target_gateway_token"}))
                raise StepFailed(*self.ran[-1])
            self.check_commands()
            if self.check_mode:  # what the role's pre-flight asks (tasks/preflight.yml): one poll
                report = self.call("Poll the server", "hawkbit_poll", {"read_action": self.params["survey_reads_action"]})
            else:
                self.cycle()
                report = cycle_report(self.results)
        except StepFailed as failure:
            report = self.failed(failure)
        self.ran.append((REPORT_STEP, report))
        return self.ran

    def check_commands(self):
        """cycle.yml's and preflight.yml's first module call: commands with shell syntax fail before any request."""
        params = self.params
        self.call(CHECK_COMMANDS, "hawkbit_install",
                  {"stage": "check", "commands": {} if params["install_tasks"] else params["install_commands"],
                   "verify_command": "" if params["verify_tasks"] else params["verify_command"]}, ddi=False)

    # ------------------------------------------------------------------ cycle.yml's block
    def cycle(self):
        first = self.call("Poll the server", "hawkbit_poll", {}, register="first_poll")
        kind = first["action"]["type"]
        if kind in ("deployment", "confirmation") and first["deployment"]["download"] != "skip":
            self.call("Pre-flight on the device (Python, download directory, free space)", "hawkbit_artifact",
                      {"chunks": first["deployment"]["chunks"], "dest": self.params["download_dir"], "preflight_only": True})
        self.answer(first)
        poll = first
        if kind == "confirmation" and (_changed(self.results.get("confirmed")) or _changed(self.results.get("auto_confirm"))):
            poll = self.call("Poll again after confirming", "hawkbit_poll", {}, register="second_poll")
        if poll["action"]["type"] == "deployment":
            self.deployment(poll, (first["installed_action"] or {}).get("id") or "none")
        elif poll["action"]["type"] == "cancel":
            self.cancel(poll)
        asked = [self.results.get(name) or {} for name in ("closed", "downloaded")]
        if self.params["config_data"] and any(result.get("config_data_requested") for result in asked):
            self.call("Send the config data the server asks for after the action closed (so that the next run has "
                      "nothing to do)", "hawkbit_config_data", {"data": self.params["config_data"]})

    def answer(self, first):
        """answer.yml: config data, auto-confirm, confirmation."""
        params = self.params
        if first["config_data_requested"] and params["config_data"]:
            self.call("Send the config data the server asks for", "hawkbit_config_data", {"data": params["config_data"]})
        if params["confirmation_policy"] == "auto_confirm":
            self.call("Switch auto-confirm on", "hawkbit_confirmation",
                      {"auto_confirm": True, "remark": "fleetops.upgrade.hawkbit_target policy"}, register="auto_confirm")
        if params["confirmation_policy"] == "confirm" and first["action"]["type"] == "confirmation":
            self.call("Confirm the waiting action", "hawkbit_confirmation",
                      {"action_id": first["action"]["id"], "confirmation": "confirmed"}, register="confirmed")

    def deployment(self, poll, installed_before):
        """deployment.yml and install.yml."""
        params = self.params
        self.action_id = poll["action"]["id"]
        deployment = poll["deployment"]
        chunks, dest = deployment["chunks"], params["download_dir"]
        install_now = deployment["update"] != "skip"
        if install_now:
            self.call("Check the install commands (a missing one or a wrong variable fails here, before anything is "
                      "downloaded or reported)", "hawkbit_install",
                      {"action_id": self.action_id, "dest": dest, "chunks": chunks, "commands": params["install_commands"]},
                      ddi=False, check_mode=True)
        download = {}
        if deployment["download"] != "skip":
            download = self.call("Download and verify the artifacts on the device", "hawkbit_artifact",
                                 {"chunks": chunks, "dest": dest}, register="download")
        if not install_now and (_changed(download) or deployment["maintenance_window"] is None):
            waiting = "download only" if deployment["maintenance_window"] is None else "waiting for the maintenance window"
            self.call("Report the download (the installation waits)", "hawkbit_feedback",
                      {"action_id": self.action_id, "execution": "downloaded",
                       "details": ["downloaded %s; %s" % (_parts_and_versions(chunks), waiting)]}, register="downloaded")
        if install_now:
            self.install(chunks, download.get("paths") or {}, installed_before)

    def install(self, chunks, paths, installed_before):
        params, dest = self.params, self.params["download_dir"]
        self.call("Report that the installation starts", "hawkbit_feedback",
                  {"action_id": self.action_id, "execution": "proceeding",
                   "details": ["installing %s" % ", ".join(str(c.get("part")) for c in chunks)]}, register="proceeding")
        installed = self.call("Install every chunk through its command", "hawkbit_install",
                              {"action_id": self.action_id, "dest": dest, "chunks": chunks, "paths": paths,
                               "commands": params["install_commands"], "reboot_exit_code": params["reboot_exit_code"],
                               "installed_before": installed_before}, ddi=False)
        if installed.get("reboot_required"):
            # what ansible.builtin.reboot answers on the controller's local connection
            self.ran.append(("Reboot the device", {"failed": True, "rebooted": False,
                                                   "msg": "Running ansible.builtin.reboot with local connection would reboot the control node."}))
            raise StepFailed(*self.ran[-1])
        if params["verify_command"]:
            self.call("Verify through the command", "hawkbit_install",
                      {"stage": "verify", "action_id": self.action_id, "dest": dest, "verify_command": params["verify_command"]},
                      ddi=False)
        self.call("Report success", "hawkbit_feedback",
                  {"action_id": self.action_id, "execution": "closed", "finished": "success",
                   "details": ["installed %s" % _parts_and_versions(chunks)]}, register="closed")
        self.call("Clear the installation marker", "hawkbit_install",
                  {"stage": "finish", "action_id": self.action_id, "dest": dest}, ddi=False)

    def cancel(self, poll):
        """cancel.yml: accepted before the installation started on the device, rejected once it has."""
        stop_id = poll["cancel"]["stop_id"]
        started = self.results["cancel_started"] = os.path.exists(
            os.path.join(self.params["download_dir"], ".installing-%s" % stop_id))
        self.call("Answer the cancel (accepted before installation, rejected once it started)", "hawkbit_feedback",
                  {"kind": "cancel", "action_id": poll["action"]["id"],
                   "execution": "rejected" if started else "closed", "finished": "none" if started else "success",
                   "details": ["installation already started: cancel rejected" if started
                               else "not installed: cancel accepted"]}, register="cancel_answer")

    # ------------------------------------------------------------------ cycle.yml's rescue
    def failed(self, failure):
        result = failure.result
        if self.check_mode:  # the role's pre-flight records the failed poll itself
            return result
        if _changed(self.results.get("proceeding")) and not _changed(self.results.get("closed")):
            details = (["failed step: %s" % failure.name, str(result.get("msg") or "")]
                       + list(result.get("stderr_lines") or [])[-FAILURE_LINES:]
                       + list(result.get("stdout_lines") or [])[-FAILURE_LINES:])
            self.ran.append(("Report the failure to the server", self.run_step("hawkbit_feedback", dict(
                self.common, action_id=self.action_id, execution="closed", finished="failure", details=details))))
        self.results["failure"] = {"step": failure.name, "msg": result.get("msg"), "reached": result.get("reached")}
        return cycle_report(self.results)


def hawkbit_cycle(common, args, run_step, check_mode=False):
    return HawkbitCycle(common, args, run_step, check_mode).run()
