# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fleetops.upgrade contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

__metaclass__ = type

from ansible import constants as C

from ansible_collections.fleetops.upgrade.plugins.plugin_utils._controller_fleet import ControllerFleetAction, count_statuses
from ansible_collections.fleetops.upgrade.plugins.plugin_utils._fleet_records import needs_work
from ansible_collections.fleetops.upgrade.plugins.plugin_utils._fleet_schedule import survey_share
from ansible_collections.fleetops.upgrade.plugins.plugin_utils._fleet_spool import store_record


class ActionModule(ControllerFleetAction):
    """Survey, in check mode and in threads, this task's share of the devices the controller reaches itself."""

    def run_fleet(self, spool, fleet, task_vars):
        share, processes = survey_share(spool, task_vars["inventory_hostname"])
        jobs = [fleet.job(host, fleet.device_class(host)) for host in share]
        outcomes = fleet.run(jobs, check_mode=True, workers=max(1, self.workers(task_vars) // processes),
                             on_done=lambda host, outcome: store_record(C.DEFAULT_LOCAL_TMP, host, "preflight", outcome["record"]))
        statuses = {host: outcome["record"]["status"] for host, outcome in outcomes.items()}
        return dict(changed=False, statuses=statuses,
                    rollout=sorted(host for host, outcome in outcomes.items() if needs_work(outcome["record"])),
                    msg="surveyed %d device(s) from the controller: %s" % (len(statuses), count_statuses(statuses)))
