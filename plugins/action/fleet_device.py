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
from ansible_collections.fleetops.upgrade.plugins.plugin_utils._controller_fleet import name_step_variables
from ansible_collections.fleetops.upgrade.plugins.plugin_utils._device_classes import CLASS_NAMES, DEVICE_CLASSES, resolve_arguments
from ansible_collections.fleetops.upgrade.plugins.plugin_utils._device_steps import (
    COLLECTION, StepsError, in_process_runner, run_device)
from ansible_collections.fleetops.upgrade.plugins.plugin_utils._fleet_records import device_task_result
from ansible_collections.fleetops.upgrade.plugins.plugin_utils._fleet_spool import store_record
from ansible_collections.fleetops.upgrade.plugins.plugin_utils._hawkbit_cycle import PHASES, HawkbitCycle, api_delegate_error
from ansible_collections.fleetops.upgrade.plugins.plugin_utils._progress import show_progress

ARGUMENT_SPEC = dict(
    device_class=dict(type="str", required=True, choices=list(CLASS_NAMES)),
    phase=dict(type="str", default="start", choices=list(PHASES)),
    resume=dict(type="dict"),
    failure=dict(type="dict"),
    rebooted=dict(type="bool", default=False),
)


class ActionModule(ControllerAction):
    """A device role's task: the module calls of its class, their arguments read from the class's role variables
    (in this worker on the controller, as modules elsewhere), and its record.

    A cycle class (hawkBit) runs its DDI requests in this worker (or on the target when it is its own API delegate)
    and its device's calls over the task's connection; its ``phase`` says which part of the cycle (``start`` may hand
    over to the role's tasks: ``pending``, ``hooks`` and ``resume`` in the result, and no record stored yet).
    """

    _supports_check_mode = True

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        task_vars = task_vars or {}
        options = self.validate_argument_spec(ARGUMENT_SPEC)[1]
        device_class = DEVICE_CLASSES[options["device_class"]]
        check_mode = bool(self._play_context.check_mode)
        args, errors = resolve_arguments(device_class, task_vars, self._templar, task_vars.get("omit"))
        if errors:
            result.update(failed=True, msg="the %s role's variables: %s" % (
                device_class.role, "; ".join("%s: %s" % item for item in sorted(errors.items()))))
            return result
        pending = None
        try:
            started = time.monotonic()
            if device_class.cycle:
                cycle = self.cycle(device_class, args, options, task_vars)
                ran, pending = cycle.run(), cycle.pending
                result.update(pending=bool(pending))
            elif options["phase"] != "start" or options["resume"] or options["failure"]:
                raise StepsError("%s devices have no phases: phase, resume and failure are for hawkbit" % device_class.name)
            else:
                ran = run_device(device_class, args["common"], args["steps"], self.step_runner(task_vars, device_class),
                                 check_mode)
            ran = name_step_variables(ran, device_class.option_variables)
        except StepsError as exc:
            result.update(failed=True, msg=str(exc))
            return result
        device_result = device_task_result(device_class.name, ran, check_mode)
        if device_class.cycle and any(r.get("unreachable") for _step, r in ran):
            device_result.pop("failed", None)  # the target's connection failed: the task is unreachable, as a module's would be
            device_result["unreachable"] = True
        if pending:  # the role's tasks come next; the record is stored by the phase that finishes the cycle
            device_result.update(changed=True, hooks=pending, resume=cycle.resume, msg="the role's tasks come next: %s" % ", ".join(
                name for name in ("install_tasks", "reboot", "verify_tasks") if pending.get(name)))
            device_result.pop("record")
            result.update(device_result)
            return result
        phase = task_vars.get("fleetops_phase") or "rollout"
        if store_record(C.DEFAULT_LOCAL_TMP, task_vars.get("inventory_hostname"), phase, device_result["record"]) \
                and phase == "rollout":
            show_progress(task_vars.get("inventory_hostname"), device_result["record"], time.monotonic() - started)
        result.update(device_result)
        return result

    def cycle(self, device_class, args, options, task_vars):
        """The hawkBit cycle of this task: its DDI requests on the controller (or the target), its device calls on the
        target; an API delegate that is neither is refused before any request."""
        cycle_args = (args["steps"] or {}).get("cycle")
        refusal = api_delegate_error(cycle_args, task_vars.get("inventory_hostname"))
        if refusal:
            raise StepsError(refusal)
        local_transport = self._connection.transport in LOCAL_TRANSPORTS
        in_worker = in_process_runner(bool(self._play_context.check_mode), bool(self._play_context.diff),
                                      self.task_proxy_environment())
        device = self.step_runner(task_vars, device_class)
        api_delegate = (cycle_args or {}).get("api_delegate") or "localhost"
        if api_delegate in CONTROLLER_NAMES:
            ddi = device if local_transport and not in_process_enabled() else in_worker
        else:  # the target is its own API delegate
            ddi = device
        return HawkbitCycle(args["common"], cycle_args, in_worker, bool(self._play_context.check_mode),
                            phase=options["phase"], resume=options["resume"], failure=options["failure"],
                            rebooted=options["rebooted"], ddi_step=ddi, device_step=device,
                            device_is_controller=local_transport)

    def step_runner(self, task_vars, device_class):
        if self.runs_on_controller():
            return in_process_runner(bool(self._play_context.check_mode), bool(self._play_context.diff),
                                     self.task_proxy_environment(), device_class.modules)

        def run_module(module, args):
            try:
                return self._execute_module(module_name="%s.%s" % (COLLECTION, module), module_args=args,
                                            task_vars=task_vars)
            except AnsibleConnectionFailure as exc:
                return {"unreachable": True, "changed": False, "msg": to_text(exc), "device_state": "not reached"}
        return run_module
