# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fleetops.upgrade contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

__metaclass__ = type

from ansible import constants as C
from ansible import context
from ansible.plugins.action import ActionBase

from ansible_collections.fleetops.upgrade.plugins.plugin_utils._controller_fleet import ControllerFleet, count_statuses
from ansible_collections.fleetops.upgrade.plugins.plugin_utils._fleet_report import (
    budget_open, read_controller_hosts, rollout_batch, spool_dir, store_record)


class ActionModule(ActionBase):
    """Upgrade the devices of the current batch that the controller reaches itself, in threads."""

    _supports_check_mode = True
    _VALID_ARGS = frozenset()

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        task_vars = task_vars or {}
        spool = spool_dir(C.DEFAULT_LOCAL_TMP)
        try:
            batch = rollout_batch(spool, task_vars["inventory_hostname"])
        except OSError:
            result.update(failed=True, msg="no fleet run: fleetops.upgrade.fleet_plan and fleet_preflight must run first")
            return result
        controller = set(read_controller_hosts(spool))
        batch = [host for host in batch if host in controller]
        fleet = ControllerFleet(self._loader, self._templar, task_vars["hostvars"], task_vars.get("omit"))
        jobs = [fleet.job(host, fleet.device_class(host)) for host in batch]
        outcomes = fleet.run(jobs, check_mode=bool(self._play_context.check_mode),
                             workers=context.CLIARGS.get("forks") or C.DEFAULT_FORKS,
                             before_start=lambda: budget_open(spool),
                             on_done=lambda host, outcome: store_record(C.DEFAULT_LOCAL_TMP, host, "rollout", outcome["record"]))
        statuses = {host: outcome["record"]["status"] if outcome else "not_attempted" for host, outcome in outcomes.items()}
        result.update(changed=any(outcome and outcome["changed"] for outcome in outcomes.values()), statuses=statuses,
                      msg="%d device(s) of this batch from the controller: %s"
                          % (len(statuses), count_statuses(statuses)))
        return result
