# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fleetops.upgrade contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

__metaclass__ = type

import time

from ansible import constants as C
from ansible.errors import AnsibleConnectionFailure
from ansible.module_utils.common.text.converters import to_text

from ansible_collections.fleetops.upgrade.plugins.plugin_utils._action import (
    CONTROLLER_NAMES, LOCAL_TRANSPORTS, ControllerAction, in_process_enabled)
from ansible_collections.fleetops.upgrade.plugins.plugin_utils._classes import ROLE_OF_CLASS
from ansible_collections.fleetops.upgrade.plugins.plugin_utils._controller_fleet import RoleDefinition, name_step_variables
from ansible_collections.fleetops.upgrade.plugins.plugin_utils._device_steps import (
    COLLECTION, CYCLES, DEVICE_CLASSES, StepsError, in_process_runner, run_device)
from ansible_collections.fleetops.upgrade.plugins.plugin_utils._fleet_report import device_outcome, store_record
from ansible_collections.fleetops.upgrade.plugins.plugin_utils._hawkbit_cycle import (
    PHASES, CycleArgumentsError, HawkbitCycle, api_delegate_error)
from ansible_collections.fleetops.upgrade.plugins.plugin_utils._progress import show_progress

ARGUMENT_SPEC = dict(
    device_class=dict(type="str", required=True, choices=list(DEVICE_CLASSES)),
    common=dict(type="dict", default={}),
    steps=dict(type="dict", required=True),
    phase=dict(type="str", default="start", choices=list(PHASES)),
    resume=dict(type="dict"),
    failure=dict(type="dict"),
    rebooted=dict(type="bool", default=False),
)


class ActionModule(ControllerAction):
    """A device role's one task: its module calls (in this worker on the controller, as modules elsewhere) and its record.

    A cycle class (hawkBit) runs its DDI requests in this worker (or on the target when it is its own API delegate)
    and its device's calls over the task's connection; its ``phase`` says which part of the cycle (``start`` may hand
    over to the role's tasks: ``pending``, ``hooks`` and ``resume`` in the result, and no record stored yet).
    """

    _supports_check_mode = True

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        task_vars = task_vars or {}
        args = self.validate_argument_spec(ARGUMENT_SPEC)[1]
        check_mode = bool(self._play_context.check_mode)
        pending = None
        try:
            started = time.monotonic()
            if args["device_class"] in CYCLES:
                cycle = self.cycle(args, task_vars)
                ran, pending = cycle.run(), cycle.pending
                result.update(pending=bool(pending))
            elif args["phase"] != "start" or args["resume"] or args["failure"]:
                raise StepsError("%s devices have no phases: phase, resume and failure are for hawkbit" % args["device_class"])
            else:
                ran = run_device(args["device_class"], args["common"], args["steps"], self.step_runner(task_vars), check_mode)
            if self.in_class_role(args["device_class"], task_vars) and any(r.get("failed") for _step, r in ran):
                ran = name_step_variables(ran, RoleDefinition(self._loader, args["device_class"]).option_variables)
        except (StepsError, CycleArgumentsError) as exc:
            result.update(failed=True, msg=str(exc))
            return result
        outcome = device_outcome(args["device_class"], ran, check_mode)
        if args["device_class"] in CYCLES and any(r.get("unreachable") for _step, r in ran):
            outcome.pop("failed", None)  # the target's connection failed: the task is unreachable, as a module's would be
            outcome["unreachable"] = True
        if pending:  # the role's tasks come next; the record is stored by the phase that finishes the cycle
            outcome.update(changed=True, hooks=pending, resume=cycle.resume, msg="the role's tasks come next: %s" % ", ".join(
                name for name in ("install_tasks", "reboot", "verify_tasks") if pending.get(name)))
            outcome.pop("record")
            result.update(outcome)
            return result
        phase = task_vars.get("fleetops_phase") or "rollout"
        if store_record(C.DEFAULT_LOCAL_TMP, task_vars.get("inventory_hostname"), phase, outcome["record"]) \
                and phase == "rollout":
            show_progress(task_vars.get("inventory_hostname"), outcome["record"], time.monotonic() - started)
        result.update(outcome)
        return result

    def cycle(self, args, task_vars):
        """The hawkBit cycle of this task: its DDI requests on the controller (or the target), its device calls on the
        target; an API delegate that is neither is refused before any request."""
        cycle_args = (args["steps"] or {}).get("cycle")
        unknown = sorted(set(args["steps"] or {}) - {"cycle"})
        if unknown:
            raise StepsError("hawkbit devices have the steps cycle; unknown: %s" % ", ".join(unknown))
        host = task_vars.get("inventory_hostname")
        refusal = api_delegate_error(cycle_args, host)
        if refusal:
            raise StepsError(refusal)
        local_transport = self._connection.transport in LOCAL_TRANSPORTS
        in_worker = in_process_runner(bool(self._play_context.check_mode), bool(self._play_context.diff),
                                      self.task_proxy_environment())
        device = self.step_runner(task_vars)
        api_delegate = (cycle_args or {}).get("api_delegate") or "localhost"
        if api_delegate in CONTROLLER_NAMES:
            ddi = device if local_transport and not in_process_enabled() else in_worker
        else:  # the target is its own API delegate
            ddi = device
        return HawkbitCycle(args["common"], cycle_args, in_worker, bool(self._play_context.check_mode), phase=args["phase"],
                            resume=args["resume"], failure=args["failure"], rebooted=args["rebooted"], ddi_step=ddi,
                            device_step=device, device_is_controller=local_transport)

    @staticmethod
    def in_class_role(device_class, task_vars):
        """True when this task is the class's role's (its messages then name the role variables, not module options)."""
        return str(task_vars.get("role_name") or "").rsplit(".", 1)[-1] == ROLE_OF_CLASS.get(device_class)

    def step_runner(self, task_vars):
        if self.runs_on_controller():
            return in_process_runner(bool(self._play_context.check_mode), bool(self._play_context.diff),
                                     self.task_proxy_environment())

        def run_module(module, args):
            try:
                return self._execute_module(module_name="%s.%s" % (COLLECTION, module), module_args=args,
                                            task_vars=task_vars)
            except AnsibleConnectionFailure as exc:
                return {"unreachable": True, "changed": False, "msg": to_text(exc), "device_state": "not reached"}
        return run_module
