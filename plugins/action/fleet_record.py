# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fleetops.upgrade contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

__metaclass__ = type

from ansible import constants as C
from ansible.plugins.action import ActionBase

from ansible_collections.fleetops.upgrade.plugins.plugin_utils._device_classes import CLASS_NAMES
from ansible_collections.fleetops.upgrade.plugins.plugin_utils._fleet_records import make_record, now
from ansible_collections.fleetops.upgrade.plugins.plugin_utils._fleet_spool import store_record
from ansible_collections.fleetops.upgrade.plugins.plugin_utils._progress import show_progress
from ansible_collections.fleetops.upgrade.plugins.plugin_utils._hawkbit_cycle import cycle_report


# the options of plugins/modules/fleet_record.py
ARGUMENT_SPEC = dict(
    device_class=dict(type="str", required=True, choices=list(CLASS_NAMES)),
    results=dict(type="list", elements="raw", default=[]),
    hawkbit_cycle=dict(type="dict"),
)


class ActionModule(ActionBase):
    """The role→report contract: turn a role's module results into this device's report record."""

    _supports_check_mode = True

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        task_vars = task_vars or {}
        args = self.validate_argument_spec(ARGUMENT_SPEC)[1]
        results = args["results"] or []
        if args["hawkbit_cycle"] is not None:
            if args["device_class"] != "hawkbit":
                result.update(failed=True, msg="fleet_record's hawkbit_cycle takes the registered results of a hawkBit "
                                               "cycle with device_class hawkbit, not with device_class %r" % args["device_class"])
                return result
            results = [cycle_report(args["hawkbit_cycle"])]
        record = make_record(args["device_class"], results, self._play_context.check_mode)
        record["finished"] = now(timespec="milliseconds")
        phase = task_vars.get("fleetops_phase") or "rollout"
        if store_record(C.DEFAULT_LOCAL_TMP, task_vars.get("inventory_hostname"), phase, record) and phase == "rollout":
            show_progress(task_vars.get("inventory_hostname"), record)
        result.update(changed=False, record=record, msg="%s: %s" % (record["status"], record.get("msg", "")))
        return result
