# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fleetops.upgrade contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One DDI cycle of a hawkBit target: the only definition of it, for every connection and both fleet paths.

The cycle is a sequence of module calls decided by the server's answers: poll, answer (config data, confirmation),
download, feedback, install, verify, feedback, config data after the close; or the answer to a cancel. Each call
runs through one of three runners:

- ``ddi``: the DDI requests (``hawkbit_poll``, ``hawkbit_confirmation``, ``hawkbit_config_data``,
  ``hawkbit_feedback``), on the API delegate: in the controller's worker, or as modules on the target itself;
- ``device``: what must happen on the device (``hawkbit_artifact``, ``hawkbit_install``: download, pre-flight,
  marker, install and verify commands), over the target's connection (in the worker when the target is the controller);
- ``local``: checks that are computation only (the commands' shell syntax), always in the worker.

The user's tasks (install, reboot, verify hooks) and a reboot of a device that is not the controller are Ansible
tasks, so the cycle has phase boundaries (``phase``):

- ``cycle``: the whole cycle in one go (the controller path, ``fleet_batch``); a reboot asked for fails the target,
  as ``ansible.builtin.reboot`` does on a local connection;
- ``start``: the role's first call: the whole cycle too, unless a hook or a reboot must run as tasks; it then stops
  after the ``proceeding`` feedback and the install (or the installation marker) and hands over (``pending``):
  the action id, the chunks with their downloaded files, whether a reboot is needed, and ``resume``, what the
  second call needs;
- ``finish``: the role's second call, after the hooks: the verify command, the ``closed`` feedback (success, or
  failure naming the failed hook task), the marker cleared, config data after the close, and the record;
- ``preflight``: the fleet pre-flight (check mode): the commands' check and one poll.

In check mode ``cycle`` and ``preflight`` poll once; ``start`` also runs the read-only pre-flight on the device.
"""

from __future__ import annotations

__metaclass__ = type

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.fleetops.upgrade.plugins.plugin_utils._action import CONTROLLER_NAMES
from ansible_collections.fleetops.upgrade.plugins.plugin_utils._device_steps import REPORT_STEP, StepsError

FAILURE_LINES = 10
# the "to" of a chunk the action asked to download only (the record's status is then "downloaded")
DOWNLOAD_ONLY_MARK = " (downloaded, not installed)"
PHASES = ("cycle", "start", "finish", "preflight")
REBOOT_ON_CONTROLLER = "Running ansible.builtin.reboot with local connection would reboot the control node."

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
# what the second phase needs of the first one's module results (cycle_report's inputs), never a secret
KEPT = ("changed", "action", "installed_action", "deployment", "cancel", "config_data_requested")


class CycleArgumentsError(StepsError):
    """Cycle arguments that cannot work."""


def cycle_params(args):
    validated = ArgumentSpecValidator(CYCLE_SPEC).validate(dict(args or {}))
    if validated.error_messages:
        raise CycleArgumentsError("hawkBit cycle arguments: %s" % "; ".join(validated.error_messages))
    return validated.validated_parameters


def needs_own_connection(args):
    """Why the target cannot run in the controller path's threads (user hooks, become, another API delegate), or None."""
    params = cycle_params(args)
    hooks = [name for name in ("install_tasks", "reboot_tasks", "verify_tasks") if params[name]]
    if hooks:
        return "the user's tasks run the %s" % ", ".join(name.split("_")[0] for name in hooks)
    if params["install_become"]:
        return "the install commands run with become"
    if params["api_delegate"] not in CONTROLLER_NAMES:
        return "the API requests run on %s" % params["api_delegate"]
    return None


def api_delegate_error(args, host):
    """The refusal of an API delegate that is neither the controller nor the target itself, or None."""
    delegate = cycle_params(args)["api_delegate"]
    if delegate in CONTROLLER_NAMES or delegate == host:
        return None
    return ("hawkbit_target_api_delegate is %r: the DDI requests run on the controller (localhost, the default) or on the "
            "target itself (%s), no other host; nothing was sent to the server" % (delegate, host))


class StepFailed(Exception):
    def __init__(self, name, result):
        super().__init__(name)
        self.name = name
        self.result = result


class HandOver(Exception):
    """The cycle stops for the role's tasks (hooks, reboot); ``hooks`` is what they need."""

    def __init__(self, hooks):
        super().__init__("hand over")
        self.hooks = hooks


def _parts_and_versions(chunks):
    return ", ".join("%s %s" % (chunk.get("part"), chunk.get("version")) for chunk in chunks)


def _changed(result):
    return bool((result or {}).get("changed"))


def _kept(result):
    if isinstance(result, bool):
        return result
    return {key: value for key, value in (result or {}).items() if key in KEPT}


def cycle_report(results):
    """What one DDI cycle did, as the one result the device's report record is made of (``make_record``'s input).

    ``results`` are the cycle's module results by name: ``first_poll``, ``second_poll``, ``confirmed``,
    ``auto_confirm``, ``download``, ``downloaded``, ``proceeding``, ``closed`` (the success feedback: a step failing
    after it, such as the config data, leaves the action installed), ``cancel_answer``, ``cancel_started`` (the
    installation marker was there) and ``failure`` (``step``, ``msg``, ``reached``: false when no connection to the
    server was made) when a step failed. Missing results count as not run.
    """
    first = results.get("first_poll") or {}
    second = results.get("second_poll") or {}
    last = second if second.get("action") else first
    action = last.get("action") or {}
    installed_before = (first.get("installed_action") or {}).get("id") or "none"
    failure = results.get("failure")
    if failure:
        action_id = action.get("id") if action.get("id") is not None else (first.get("action") or {}).get("id")
        done = "installed and closed" if _changed(results.get("closed")) else \
            "reported failed" if _changed(results.get("proceeding")) else "left open"
        report = {"changed": False, "failed": True, "msg": "%s: %s" % (failure.get("step"), failure.get("msg") or "failed"),
                  "device_state": "action %s %s" % (action_id, done) if action_id is not None else "unchanged"}
        if str(failure.get("reached")).lower() == "false":
            report["reached"] = False  # no connection to the server was made: the report counts the target unreachable
        if failure.get("unreachable"):
            report["unreachable"] = True  # the target's own connection failed
        return report
    kind = action.get("type")
    source = "none" if installed_before == "none" else "action %s" % installed_before
    if kind in ("deployment", "cancel") and not last.get(kind if kind == "cancel" else "deployment"):
        # check mode without reading the action (survey_reads_action)
        items = [{"component": "distribution set", "from": source,
                  "to": "%s action %s (not read)" % (kind, action.get("id")), "changed": True}]
        return {"changed": True, "failed": False, "action": action, "devices_items": items}
    download_only = False
    if kind == "deployment":
        deployment = last["deployment"]
        install_now = deployment["update"] != "skip"
        fetched = _changed(results.get("download"))
        items = [{"component": "%s %s" % (chunk.get("part"), chunk.get("name")), "from": source,
                  "to": "%s%s" % (chunk.get("version"), "" if install_now else DOWNLOAD_ONLY_MARK),
                  "changed": install_now or fetched} for chunk in deployment["chunks"]]
        changed = install_now or fetched or _changed(results.get("downloaded"))
        download_only = changed and not install_now  # the record says downloaded, not upgraded
    elif kind == "cancel":
        started = bool(results.get("cancel_started"))
        changed = _changed(results.get("cancel_answer"))
        items = [{"component": "cancel of action %s" % (last.get("cancel") or {}).get("stop_id"), "from": "open",
                  "to": "rejected (installation under way)" if started else "canceled", "changed": changed}]
    else:
        changed = _changed(results.get("confirmed")) or _changed(results.get("auto_confirm"))
        items = [{"component": "installed action (%s open)" % kind, "from": installed_before, "to": installed_before,
                  "changed": False}]
    report = {"changed": changed, "failed": False, "action": action, "devices_items": items}
    if download_only:
        report["download_only"] = True
    return report


class HawkbitCycle:
    """``run()`` returns ``[(step name, module result)]``; its last entry, ``report``, is what the record is made of,
    unless the cycle handed over to the role's tasks (``pending``: what they need, ``resume``: what ``finish`` needs).

    ``run_step(module, args, check_mode=None)`` runs a module in this worker (the checks, and every call without
    ``ddi_step``/``device_step``); ``ddi_step`` and ``device_step`` run the DDI requests and the device's calls.
    ``device_is_controller``: the target is the controller itself (a local connection), which no task may reboot.
    """

    def __init__(self, common, args, run_step, check_mode=False, phase="cycle", resume=None, failure=None, rebooted=False,
                 ddi_step=None, device_step=None, device_is_controller=True):
        if phase not in PHASES:
            raise CycleArgumentsError("the hawkBit cycle has the phases %s, not %r" % (", ".join(PHASES), phase))
        if phase == "finish" and not (resume or {}).get("action_id"):
            raise CycleArgumentsError("the finish phase of the hawkBit cycle needs resume, the start phase's resume")
        self.common = dict(common or {})
        self.params = cycle_params(args)
        self.runners = {"local": run_step, "ddi": ddi_step or run_step, "device": device_step or run_step}
        self.check_mode = check_mode
        self.phase = phase
        self.resume = dict(resume or {})
        self.hook_failure = failure or {}
        self.rebooted = rebooted
        self.device_is_controller = device_is_controller
        self.ran = []
        self.results = dict(self.resume.get("results") or {})
        self.action_id = self.resume.get("action_id")
        self.pending = None

    def call(self, name, module, args, where="ddi", check_mode=None, register=None):
        """One module call, its result kept under ``register``; a failed one ends the cycle (``failed``)."""
        if module != "hawkbit_install":  # the hawkbit group's modules: the connection (downloads too, on the device)
            args = dict(self.common, **args)
        if check_mode is None:
            result = self.runners[where](module, args)
        else:  # a check on the way, in this worker
            result = dict(self.runners["local"](module, args, check_mode=check_mode), changed=False)
        self.ran.append((name, result))
        if register:
            self.results[register] = result
        if result.get("failed") or result.get("unreachable"):
            raise StepFailed(name, result)
        return result

    def run(self):
        try:
            if self.phase == "finish":
                self.finish()
            else:
                if ("target_token" in self.common) == ("gateway_token" in self.common):
                    self.ran.append(("Check the credentials", {"failed": True, "msg": "set exactly one of "
                                     "hawkbit_target_target_token and hawkbit_target_gateway_token"}))
                    raise StepFailed(*self.ran[-1])
                self.check_commands()
                if self.phase == "preflight" or self.check_mode:  # one poll says what the run would do
                    poll = self.call("Poll the server", "hawkbit_poll", {"read_action": self.params["survey_reads_action"]})
                    if self.phase == "start":  # the role in check mode: what the run would do with the open action
                        self.device_preflight(poll)
                        poll = cycle_report(self.predicted(poll))
                    self.ran.append((REPORT_STEP, poll))
                    return self.ran
                self.cycle()
        except HandOver as handed:
            self.pending = handed.hooks
            self.ran.append((REPORT_STEP, dict(cycle_report(self.results), msg="handed over to the role's tasks")))
            return self.ran
        except StepFailed as failure:
            self.ran.append((REPORT_STEP, self.failed(failure)))
            return self.ran
        self.ran.append((REPORT_STEP, cycle_report(self.results)))
        return self.ran

    def check_commands(self):
        """The first module call: commands with shell syntax fail before any request."""
        params = self.params
        self.call("Check the install and verify commands (no shell syntax) before the server is contacted", "hawkbit_install",
                  {"stage": "check", "commands": {} if params["install_tasks"] else params["install_commands"],
                   "verify_command": "" if params["verify_tasks"] else params["verify_command"]}, where="local")

    # ------------------------------------------------------------------ start (and cycle)
    def cycle(self):
        first = self.call("Poll the server", "hawkbit_poll", {}, register="first_poll")
        kind = first["action"]["type"]
        self.device_preflight(first)
        self.answer(first)
        poll = first
        if kind == "confirmation" and (_changed(self.results.get("confirmed")) or _changed(self.results.get("auto_confirm"))):
            poll = self.call("Poll again after confirming", "hawkbit_poll", {}, register="second_poll")
        if poll["action"]["type"] == "deployment":
            self.deployment(poll, (first["installed_action"] or {}).get("id") or "none")
        elif poll["action"]["type"] == "cancel":
            self.cancel(poll)
        self.config_data_after_close()

    def predicted(self, poll):
        """The results the run would have, as far as one poll tells (check mode of the role)."""
        kind, policy = (poll.get("action") or {}).get("type"), self.params["confirmation_policy"]
        results, would = {"first_poll": poll}, {"changed": True}
        if kind == "confirmation" and policy != "wait":
            results["confirmed" if policy == "confirm" else "auto_confirm"] = would
        if kind == "deployment" and poll.get("deployment") and poll["deployment"]["download"] != "skip":
            results["download"] = would
        if kind == "cancel":
            results["cancel_answer"] = would
        return results

    def device_preflight(self, poll):
        """Python, the download directory and its free space on the device, before anything is reported."""
        deployment = poll.get("deployment")
        if (poll.get("action") or {}).get("type") in ("deployment", "confirmation") and deployment \
                and deployment["download"] != "skip":
            self.call("Pre-flight on the device (Python, download directory, free space)", "hawkbit_artifact",
                      {"chunks": deployment["chunks"], "dest": self.params["download_dir"], "preflight_only": True},
                      where="device")

    def answer(self, first):
        """Config data, auto-confirm, confirmation."""
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
        params = self.params
        self.action_id = poll["action"]["id"]
        deployment = poll["deployment"]
        chunks, dest = deployment["chunks"], params["download_dir"]
        install_now = deployment["update"] != "skip"
        if install_now and not params["install_tasks"]:
            self.call("Check the install commands (a missing one or a wrong variable fails here, before anything is "
                      "downloaded or reported)", "hawkbit_install",
                      {"action_id": self.action_id, "dest": dest, "chunks": chunks, "commands": params["install_commands"]},
                      where="local", check_mode=True)
        download = {}
        if deployment["download"] != "skip":
            download = self.call("Download and verify the artifacts on the device", "hawkbit_artifact",
                                 {"chunks": chunks, "dest": dest}, where="device", register="download")
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
        self.resume = {"action_id": self.action_id, "chunks": chunks}
        if params["install_tasks"]:
            self.call("Mark the installation as started on the device", "hawkbit_install",
                      {"stage": "start", "action_id": self.action_id, "dest": dest}, where="device")
            self.hand_over(chunks, paths, reboot=False)
        installed = self.call("Install every chunk through its command", "hawkbit_install",
                              {"action_id": self.action_id, "dest": dest, "chunks": chunks, "paths": paths,
                               "commands": params["install_commands"], "reboot_exit_code": params["reboot_exit_code"],
                               "installed_before": installed_before}, where="device")
        reboot = bool(installed.get("reboot_required"))
        if reboot and not params["reboot_tasks"] and (self.device_is_controller or self.phase == "cycle"):
            # what ansible.builtin.reboot answers on the controller's local connection
            self.ran.append(("Reboot the device", {"failed": True, "rebooted": False, "msg": REBOOT_ON_CONTROLLER}))
            raise StepFailed(*self.ran[-1])
        if reboot or params["verify_tasks"]:
            self.hand_over(chunks, paths, reboot=reboot)
        self.close(chunks)

    def hand_over(self, chunks, paths, reboot):
        """Stop here for the role's tasks (only the role's first call does: the controller path has no hooks)."""
        if self.phase != "start":
            raise StepFailed("Hand over to the role's tasks", {"failed": True, "msg": "the user's tasks only run in the "
                                                               "hawkbit_target role (fleet_device phase start)"})
        params = self.params
        self.resume["results"] = {name: _kept(result) for name, result in self.results.items()}
        raise HandOver({
            "action_id": self.action_id, "reboot": reboot, "install_tasks": bool(params["install_tasks"]),
            "reboot_tasks": bool(params["reboot_tasks"]), "verify_tasks": bool(params["verify_tasks"]),
            "chunks": [dict(chunk, paths=list(paths.get(str(chunk.get("part"))) or [])) for chunk in chunks]})

    def close(self, chunks):
        """After the installation (and the reboot): verify, report success, clear the marker."""
        params, dest = self.params, self.params["download_dir"]
        if params["verify_command"] and not params["verify_tasks"]:
            self.call("Verify through the command", "hawkbit_install",
                      {"stage": "verify", "action_id": self.action_id, "dest": dest, "verify_command": params["verify_command"]},
                      where="device")
        self.call("Report success", "hawkbit_feedback",
                  {"action_id": self.action_id, "execution": "closed", "finished": "success",
                   "details": ["installed %s%s" % (_parts_and_versions(chunks), " after a reboot" if self.rebooted else "")]},
                  register="closed")
        self.call("Clear the installation marker", "hawkbit_install",
                  {"stage": "finish", "action_id": self.action_id, "dest": dest}, where="device")

    def config_data_after_close(self):
        asked = [self.results.get(name) or {} for name in ("closed", "downloaded")]
        if self.params["config_data"] and any(result.get("config_data_requested") for result in asked):
            self.call("Send the config data the server asks for after the action closed (so that the next run has "
                      "nothing to do)", "hawkbit_config_data", {"data": self.params["config_data"]})

    def cancel(self, poll):
        """Accepted before the installation started on the device, rejected once it has (the marker is there)."""
        stop_id = poll["cancel"]["stop_id"]
        marker = self.call("Look for an installation under way on the device", "hawkbit_install",
                           {"stage": "status", "action_id": int(stop_id), "dest": self.params["download_dir"]},
                           where="device")
        started = self.results["cancel_started"] = bool(marker.get("installing"))
        self.call("Answer the cancel (accepted before installation, rejected once it started)", "hawkbit_feedback",
                  {"kind": "cancel", "action_id": poll["action"]["id"],
                   "execution": "rejected" if started else "closed", "finished": "none" if started else "success",
                   "details": ["installation already started: cancel rejected" if started
                               else "not installed: cancel accepted"]}, register="cancel_answer")

    # ------------------------------------------------------------------ finish
    def finish(self):
        """After the role's tasks: their failure reported, or the verify command, success and the config data."""
        if self.hook_failure:
            result = self.hook_failure.get("result") or {}
            raise StepFailed(str(self.hook_failure.get("step") or "the role's tasks"),
                             dict(result, failed=True) if isinstance(result, dict) else {"failed": True, "msg": str(result)})
        self.close(self.resume.get("chunks") or [])
        self.config_data_after_close()

    # ------------------------------------------------------------------ a failed step
    def failed(self, failure):
        result = failure.result
        if self.check_mode:  # the pre-flight records the failed poll itself
            return result
        if _changed(self.results.get("proceeding")) and not _changed(self.results.get("closed")):
            details = (["failed step: %s" % failure.name, str(result.get("msg") or "")]
                       + list(result.get("stderr_lines") or [])[-FAILURE_LINES:]
                       + list(result.get("stdout_lines") or [])[-FAILURE_LINES:])
            self.ran.append(("Report the failure to the server", self.runners["ddi"]("hawkbit_feedback", dict(
                self.common, action_id=self.action_id, execution="closed", finished="failure", details=details))))
        self.results["failure"] = {"step": failure.name, "msg": result.get("msg"), "reached": result.get("reached"),
                                   "unreachable": bool(result.get("unreachable"))}
        return cycle_report(self.results)


def hawkbit_cycle(common, args, run_step, check_mode=False):
    """The controller path's cycle (``run_device``): the whole cycle in this worker."""
    return HawkbitCycle(common, args, run_step, check_mode).run()
