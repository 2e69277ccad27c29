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
from ansible_collections.fleetops.upgrade.plugins.plugin_utils._classes import ROLE_OF_CLASS
from ansible_collections.fleetops.upgrade.plugins.plugin_utils._controller_fleet import RoleDefinition, name_step_variables
from ansible_collections.fleetops.upgrade.plugins.plugin_utils._device_steps import (
    COLLECTION, CYCLES, DEVICE_CLASSES, StepsError, in_process_runner, needs_own_connection, run_device)
from ansible_collections.fleetops.upgrade.plugins.plugin_utils._fleet_records import device_task_result
from ansible_collections.fleetops.upgrade.plugins.plugin_utils._fleet_spool import store_record
from ansible_collections.fleetops.upgrade.plugins.plugin_utils._progress import show_progress

ARGUMENT_SPEC = dict(
    device_class=dict(type="str", required=True, choices=list(DEVICE_CLASSES)),
    common=dict(type="dict", default={}),
    steps=dict(type="dict", required=True),
)


class ActionModule(ControllerAction):
    """A device role's one task: its module calls (in this worker on the controller, as modules elsewhere) and its record.

    A cycle class (hawkBit) runs in this worker only: elsewhere, or when its role must run the user's tasks, the task
    is skipped and the role runs the cycle as tasks.
    """

    _supports_check_mode = True

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        task_vars = task_vars or {}
        args = self.validate_argument_spec(ARGUMENT_SPEC)[1]
        check_mode = bool(self._play_context.check_mode)
        try:
            if args["device_class"] in CYCLES:
                reason = "not on the controller" if not self.runs_on_controller() else needs_own_connection(
                    args["device_class"], args["steps"])
                if reason:
                    result.update(skipped=True, changed=False, skip_reason="the role runs the cycle as tasks: %s" % reason)
                    return result
            started = time.monotonic()
            ran = run_device(args["device_class"], args["common"], args["steps"], self.step_runner(task_vars), check_mode)
            if self.in_class_role(args["device_class"], task_vars) and any(r.get("failed") for _step, r in ran):
                ran = name_step_variables(ran, RoleDefinition(self._loader, args["device_class"]).option_variables)
        except StepsError as exc:
            result.update(failed=True, msg=str(exc))
            return result
        phase = task_vars.get("fleetops_phase") or "rollout"
        device_result = device_task_result(args["device_class"], ran, check_mode)
        if store_record(C.DEFAULT_LOCAL_TMP, task_vars.get("inventory_hostname"), phase, device_result["record"]) \
                and phase == "rollout":
            show_progress(task_vars.get("inventory_hostname"), device_result["record"], time.monotonic() - started)
        result.update(device_result)
        return result

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
