# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fleetops.upgrade contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

__metaclass__ = type

from ansible import constants as C
from ansible.plugins.action import ActionBase

from ansible_collections.fleetops.upgrade.plugins.plugin_utils._fleet_records import now
from ansible_collections.fleetops.upgrade.plugins.plugin_utils._fleet_report import build_report, exit_reasons, host_outcomes, read_previous, write_report
from ansible_collections.fleetops.upgrade.plugins.plugin_utils._fleet_spool import read_notes, read_records, read_settings, spool_dir, write_host_outcomes
from ansible_collections.fleetops.upgrade.plugins.plugin_utils._report_render import ReportWriteError, fleet_stats_payload, fleet_summary_lines


class ActionModule(ActionBase):
    """Build the fleet report from the run's records, write it and store each host's outcome for fleet_outcome; the
    result's ``stats`` is the data for an ``ansible.builtin.set_stats`` task."""

    _supports_check_mode = True
    _VALID_ARGS = frozenset(("report_dir",))

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        task_vars = task_vars or {}
        spool = spool_dir(C.DEFAULT_LOCAL_TMP)
        try:
            settings = read_settings(spool)
        except OSError:
            result.update(failed=True, msg="no fleet run to report on: run playbooks/upgrade.yml "
                                           "(its first play starts the run with fleetops.upgrade.fleet_plan)")
            return result
        hosts = list(task_vars.get("ansible_play_hosts_all") or [])
        records = read_records(spool)
        recorded = set(records["preflight"]) | set(records["rollout"])
        hostvars = task_vars.get("hostvars") or {}
        classes_of = {h: hostvars[h].get("fleetops_device_class") for h in hosts if h not in recorded}
        groups_of = {}
        for group, members in (task_vars.get("groups") or {}).items():
            if group not in ("all", "ungrouped") and not group.startswith("fleetops_"):
                for host in members:
                    groups_of.setdefault(host, []).append(group)
        report_dir = self._task.args.get("report_dir")
        previous = read_previous(report_dir) if report_dir else None
        report = build_report(hosts, classes_of, groups_of, records, settings, settings["started"], now(),
                              check_mode=settings.get("check_mode"), previous=previous, notes=read_notes(spool))
        write_host_outcomes(spool, host_outcomes(report))
        lines = fleet_summary_lines(report)
        result.update(changed=False, msg=lines, summary=report["summary"], budget=report["budget"],
                      exit_reasons=exit_reasons(report), files={}, stats=fleet_stats_payload(report, task_vars))
        if report_dir:
            try:
                result["files"] = write_report(report, report_dir)
            except ReportWriteError as exc:
                # the summary, set_stats and the outcomes still happen; the outcome play's last task fails the run
                result["write_error"] = str(exc)
                lines.append(str(exc))
        return result
