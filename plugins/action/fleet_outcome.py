# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fleetops.upgrade contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

__metaclass__ = type

from ansible import constants as C
from ansible.plugins.action import ActionBase

from ansible_collections.fleetops.upgrade.plugins.plugin_utils._fleet_report import host_outcome_result
from ansible_collections.fleetops.upgrade.plugins.plugin_utils._fleet_spool import spool_dir


class ActionModule(ActionBase):
    """Give this device its fleet run outcome as a task result (``outcome_result``: changed when it changed, failed
    unless it ended well)."""

    _supports_check_mode = True
    _requires_connection = False
    _VALID_ARGS = frozenset()

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        result.update(host_outcome_result(spool_dir(C.DEFAULT_LOCAL_TMP), (task_vars or {}).get("inventory_hostname")))
        return result
