# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fleetops.upgrade contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

__metaclass__ = type

from ansible import constants as C
from ansible.plugins.action import ActionBase

from ansible_collections.fleetops.upgrade.plugins.plugin_utils._controller_fleet import ControllerFleet
from ansible_collections.fleetops.upgrade.plugins.plugin_utils._fleet_report import (
    SettingsError, now, rollout_settings, start_spool, survey_leaders, write_controller_hosts)

class ActionModule(ActionBase):
    """Validate the rollout settings once per run, open the run's spool (see _fleet_report.py) and choose which
    devices the controller path takes."""

    _supports_check_mode = True
    _VALID_ARGS = frozenset(("canary", "batch", "max_failures", "min_sample"))

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        task_vars = task_vars or {}
        args = self._task.args
        try:
            settings = rollout_settings(canary=args.get("canary", 1), batch=args.get("batch", "100%"),
                                        max_failures=args.get("max_failures", 0), min_sample=args.get("min_sample", 10))
        except SettingsError as exc:
            result.update(failed=True, msg="invalid rollout setting %s" % exc)
            return result
        settings["started"] = now()
        settings["check_mode"] = bool(self._play_context.check_mode)
        spool = start_spool(C.DEFAULT_LOCAL_TMP, settings)
        fleet = ControllerFleet(self._loader, self._templar, task_vars["hostvars"], task_vars.get("omit"))
        controller, per_host = fleet.split(task_vars.get("ansible_play_hosts_all") or [], settings["classes"])
        write_controller_hosts(spool, controller)
        surveyors = survey_leaders(controller)
        result.update(changed=False, settings=settings, spool=spool,
                      controller=controller, surveyors=surveyors, per_host=per_host,
                      msg="rollout: canary %s, then batches of %s; the run stops once %s device(s) failed. %d device(s) "
                          "from the controller (surveyed by %d task(s)), %d with their role"
                      % (settings["canary"], ", ".join(map(str, settings["batch"])),
                         "more than %s" % settings["max_failures"], len(controller), len(surveyors), len(per_host)))
        return result
