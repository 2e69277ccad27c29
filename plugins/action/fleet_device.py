# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fleetops.upgrade contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

__metaclass__ = type

import time

from ansible import constants as C
from ansible.errors import AnsibleConnectionFailure
from ansible.module_utils.common.text.converters import to_text

from ansible_collections.fleetops.upgrade.plugins.plugin_utils._action import ControllerAction
from ansible_collections.fleetops.upgrade.plugins.plugin_utils._controller_fleet import name_step_variables
from ansible_collections.fleetops.upgrade.plugins.plugin_utils._device_classes import CLASS_NAMES, DEVICE_CLASSES, resolve_arguments
from ansible_collections.fleetops.upgrade.plugins.plugin_utils._device_steps import (
    COLLECTION, StepsError, in_process_runner, needs_own_connection, run_device)
from ansible_collections.fleetops.upgrade.plugins.plugin_utils._fleet_records import device_task_result
from ansible_collections.fleetops.upgrade.plugins.plugin_utils._fleet_spool import store_record
from ansible_collections.fleetops.upgrade.plugins.plugin_utils._progress import show_progress

ARGUMENT_SPEC = dict(
    device_class=dict(type="str", required=True, choices=list(CLASS_NAMES)),
)


class ActionModule(ControllerAction):
    """A device role's task: the module calls of its class, their arguments read from the class's role variables
    (in this worker on the controller, as modules elsewhere), and its record.

    A cycle class (hawkBit) runs in this worker only: elsewhere, or when its role must run the user's tasks, the task
    is skipped and the role runs the cycle as tasks.
    """

    _supports_check_mode = True

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        task_vars = task_vars or {}
        device_class = DEVICE_CLASSES[self.validate_argument_spec(ARGUMENT_SPEC)[1]["device_class"]]
        check_mode = bool(self._play_context.check_mode)
        args, errors = resolve_arguments(device_class, task_vars, self._templar, task_vars.get("omit"))
        if errors:
            result.update(failed=True, msg="the %s role's variables: %s" % (
                device_class.role, "; ".join("%s: %s" % item for item in sorted(errors.items()))))
            return result
        try:
            if device_class.cycle:
                reason = "not on the controller" if not self.runs_on_controller() else needs_own_connection(
                    device_class, args["steps"])
                if reason:
                    result.update(skipped=True, changed=False, skip_reason="the role runs the cycle as tasks: %s" % reason)
                    return result
            started = time.monotonic()
            ran = name_step_variables(run_device(device_class, args["common"], args["steps"],
                                                 self.step_runner(task_vars, device_class), check_mode),
                                      device_class.option_variables)
        except StepsError as exc:
            result.update(failed=True, msg=str(exc))
            return result
        phase = task_vars.get("fleetops_phase") or "rollout"
        device_result = device_task_result(device_class.name, ran, check_mode)
        if store_record(C.DEFAULT_LOCAL_TMP, task_vars.get("inventory_hostname"), phase, device_result["record"]) \
                and phase == "rollout":
            show_progress(task_vars.get("inventory_hostname"), device_result["record"], time.monotonic() - started)
        result.update(device_result)
        return result

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
