# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fleetops.upgrade contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

__metaclass__ = type

from ansible import constants as C

from ansible_collections.fleetops.upgrade.plugins.plugin_utils._controller_fleet import ControllerFleetAction, count_statuses
from ansible_collections.fleetops.upgrade.plugins.plugin_utils._fleet_report import read_settings, store_record, write_controller_hosts

PLANNER_GROUP = "fleetops_planner"


class ActionModule(ControllerFleetAction):
    """Survey, in check mode and in threads, every device of the run that the controller reaches itself."""

    def run_fleet(self, spool, fleet, task_vars):
        classes = read_settings(spool)["classes"]
        controller, per_host = [], []
        for host in task_vars.get("ansible_play_hosts_all") or []:
            device_class = fleet.device_class(host)
            if device_class in classes:
                (controller if fleet.on_controller(host, device_class) else per_host).append((host, device_class))
        jobs = [fleet.job(host, device_class, validate=False) for host, device_class in controller]
        write_controller_hosts(spool, [job.host for job in jobs])
        outcomes = fleet.run(jobs, check_mode=True, workers=self.workers(),
                             on_done=lambda host, outcome: store_record(C.DEFAULT_LOCAL_TMP, host, "preflight", outcome["record"]))
        statuses = {host: outcome["record"]["status"] for host, outcome in outcomes.items()}
        return dict(
            changed=False, add_group=PLANNER_GROUP, parent_groups=["all"],
            controller=sorted(statuses), per_host=[host for host, _class in per_host],
            rollout=sorted(host for host, status in statuses.items() if status == "upgraded"),
            msg="surveyed %d device(s) from the controller (%s); %d run their role's pre-flight on their own connection"
                % (len(statuses), count_statuses(statuses), len(per_host)))
