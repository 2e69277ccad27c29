# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fleetops.upgrade contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

__metaclass__ = type

from ansible import constants as C
from ansible.plugins.action import ActionBase

from ansible_collections.fleetops.upgrade.plugins.plugin_utils._classes import DEVICE_CLASSES
from ansible_collections.fleetops.upgrade.plugins.plugin_utils._fleet_report import make_record, now, store_record
from ansible_collections.fleetops.upgrade.plugins.plugin_utils._progress import show_progress


class ActionModule(ActionBase):
    """The role→report contract: turn a role's module results into this device's report record."""

    _supports_check_mode = True
    _VALID_ARGS = frozenset(("device_class", "results"))

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        task_vars = task_vars or {}
        device_class = self._task.args.get("device_class")
        results = self._task.args.get("results") or []
        if device_class not in DEVICE_CLASSES or not isinstance(results, list):
            result.update(failed=True, msg="fleet_record needs device_class (one of %s) and results (a list of "
                                           "registered results), got %r and %s"
                                           % (", ".join(DEVICE_CLASSES), device_class, type(results).__name__))
            return result
        record = make_record(device_class, results, self._play_context.check_mode)
        record["finished"] = now(timespec="milliseconds")
        phase = task_vars.get("fleetops_phase") or "rollout"
        if store_record(C.DEFAULT_LOCAL_TMP, task_vars.get("inventory_hostname"), phase, record) and phase == "rollout":
            show_progress(task_vars.get("inventory_hostname"), record)
        result.update(changed=False, record=record, msg="%s: %s" % (record["status"], record.get("msg", "")))
        return result
