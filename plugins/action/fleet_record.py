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


# the options of plugins/modules/fleet_record.py
ARGUMENT_SPEC = dict(
    device_class=dict(type="str", required=True, choices=list(CLASS_NAMES)),
    results=dict(type="list", elements="raw", default=[]),
)


class ActionModule(ActionBase):
    """The role→report contract: turn a role's module results into this device's report record."""

    _supports_check_mode = True

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        task_vars = task_vars or {}
        args = self.validate_argument_spec(ARGUMENT_SPEC)[1]
        record = make_record(args["device_class"], args["results"] or [], self._play_context.check_mode)
        record["finished"] = now(timespec="milliseconds")
        phase = task_vars.get("fleetops_phase") or "rollout"
        if store_record(C.DEFAULT_LOCAL_TMP, task_vars.get("inventory_hostname"), phase, record) and phase == "rollout":
            show_progress(task_vars.get("inventory_hostname"), record)
        result.update(changed=False, record=record, msg="%s: %s" % (record["status"], record.get("msg", "")))
        return result
