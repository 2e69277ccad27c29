# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fleetops.upgrade contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

__metaclass__ = type

from ansible import constants as C

from ansible_collections.fleetops.upgrade.plugins.plugin_utils._controller_fleet import ControllerFleetAction, count_statuses
from ansible_collections.fleetops.upgrade.plugins.plugin_utils._fleet_schedule import budget_open, controller_share
from ansible_collections.fleetops.upgrade.plugins.plugin_utils._fleet_spool import store_record
from ansible_collections.fleetops.upgrade.plugins.plugin_utils._progress import (
    show_batch_if_finished, show_device, show_not_started)


class ActionModule(ControllerFleetAction):
    """Upgrade this task's share of the current batch's devices that the controller reaches itself, in threads."""

    MISSING_RUN = "no fleet run: fleetops.upgrade.fleet_plan and fleet_preflight must run first"

    def run_fleet(self, spool, fleet, task_vars):
        share, processes = controller_share(spool, task_vars["inventory_hostname"])
        jobs = [fleet.job(host, fleet.device_class(host)) for host in share]
        outcomes = fleet.run(jobs, check_mode=bool(self._play_context.check_mode),
                             workers=max(1, self.workers(task_vars) // processes),
                             before_start=lambda: budget_open(spool),
                             on_done=self.record)
        statuses = {host: outcome["record"]["status"] if outcome else "not_attempted" for host, outcome in outcomes.items()}
        not_started = sorted(host for host, outcome in outcomes.items() if outcome is None)
        if not_started:
            show_not_started(not_started)
        elif share:
            show_batch_if_finished(spool, share[0])
        return dict(changed=any(outcome and outcome["changed"] for outcome in outcomes.values()), statuses=statuses,
                    msg="%d device(s) of this batch from the controller: %s" % (len(statuses), count_statuses(statuses)))

    @staticmethod
    def record(host, outcome):
        """Store the device's record the moment it ends, and show its progress line."""
        store_record(C.DEFAULT_LOCAL_TMP, host, "rollout", outcome["record"])
        show_device(host, outcome["record"], outcome["seconds"])
