# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fleetops.upgrade contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

__metaclass__ = type

DOCUMENTATION = r"""
name: fleet
short_description: Linear, with the fleet run's per-device outcome tasks answered in the controller process
version_added: 0.2.0
description:
  - The C(ansible.builtin.linear) strategy, except for one kind of task. A M(fleetops.upgrade.fleet_outcome) task,
    called by that name with no arguments, loop, condition, retry, delegation or notification, gets its result in
    the controller's main process instead of a forked worker. Its result goes through Ansible's own result handling, so
    callbacks, the recap, the exit code, C(register), C(ignore_errors) and AWX's events and host status are those of
    any task.
  - C(fleetops.upgrade.upgrade) uses it for its last play, which gives every device its outcome. A worker costs the
    controller about 35 ms of CPU per host for a task that only reads the fleet report; in the controller process it
    costs a few.
  - Every other task runs exactly as under C(ansible.builtin.linear).
  - ansible-core 2.19 prints a deprecation warning when it loads a strategy plugin from outside C(ansible.builtin).
    C(fleetops.upgrade.upgrade) takes its last play's strategy from C(fleetops_outcome_strategy) (extra vars);
    C(linear) gives the same results with a worker per device.
author:
  - fleetops.upgrade contributors (@fleetops)
seealso:
  - module: fleetops.upgrade.fleet_outcome
"""

from ansible import constants as C
from ansible.plugins.strategy.linear import StrategyModule as LinearStrategyModule

from ansible_collections.fleetops.upgrade.plugins.plugin_utils._fleet_report import host_outcome_result, spool_dir

try:  # ansible-core 2.19 and later
    from ansible.executor.task_result import _RawTaskResult
except ImportError:  # ansible-core 2.16 to 2.18: the queue takes (host name, task uuid, result)
    _RawTaskResult = None

IN_CONTROLLER = {"fleetops.upgrade.fleet_outcome": lambda host: host_outcome_result(spool_dir(C.DEFAULT_LOCAL_TMP), host)}
_NEEDS_A_WORKER = ("loop", "loop_with", "until", "when", "changed_when", "failed_when", "delegate_to", "notify", "args")


def answered_in_controller(task):
    """The function that makes ``task``'s result for a host (by name), or None when it needs a worker."""
    answer = IN_CONTROLLER.get(task.action)
    if answer is None or any(getattr(task, keyword, None) for keyword in _NEEDS_A_WORKER):
        return None
    return answer


class StrategyModule(LinearStrategyModule):

    def _queue_task(self, host, task, task_vars, play_context):
        answer = answered_in_controller(task)
        if answer is None:
            return super()._queue_task(host, task, task_vars, play_context)
        self._queued_task_cache[(host.name, task._uuid)] = dict(host=host, task=task, task_vars=task_vars,
                                                                play_context=play_context)
        self._tqm.send_callback("v2_runner_on_start", host, task)
        result = answer(host.name)
        result["_ansible_no_log"] = bool(play_context.no_log)
        if _RawTaskResult is None:
            self._final_q.send_task_result(host.name, task._uuid, result, task_fields=task.dump_attrs())
        else:
            self._final_q.send_task_result(_RawTaskResult(host=host, task=task, return_data=result,
                                                          task_fields=task.dump_attrs()))
        self._pending_results += 1
        return None
