# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fleetops.upgrade contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

__metaclass__ = type

from ansible import constants as C
from ansible.errors import AnsibleActionFail
from ansible.plugins.action import ActionBase

from ansible_collections.fleetops.upgrade.plugins.plugin_utils._controller_fleet import controller_fleet
from ansible_collections.fleetops.upgrade.plugins.plugin_utils._fleet_config import name_variables
from ansible_collections.fleetops.upgrade.plugins.plugin_utils._fleet_records import configuration_stop, now, refusal_record
from ansible_collections.fleetops.upgrade.plugins.plugin_utils._fleet_report import check_report_dir
from ansible_collections.fleetops.upgrade.plugins.plugin_utils._fleet_schedule import SettingsError, rollout_settings, survey_leaders
from ansible_collections.fleetops.upgrade.plugins.plugin_utils._fleet_spool import (
    append_record, read_records, start_spool, write_controller_hosts, write_notes)

# the options of plugins/modules/fleet_plan.py; each is the rollout variable fleetops_<option> of upgrade.yml
ARGUMENT_SPEC = dict(
    canary=dict(type="raw", default=1),
    batch=dict(type="raw", default="100%"),
    max_failures=dict(type="raw", default=0),
    min_sample=dict(type="int", default=10),
    report_dir=dict(type="path"),
    skip_misconfigured=dict(type="bool", default=False),
)


class ActionModule(ActionBase):
    """Validate the rollout settings and the report directory once per run, check every device's configuration (its
    variables, targets and module arguments: a misconfigured device is refused before any request), open the run's
    spool (see _fleet_spool.py) and choose which devices the controller path takes."""

    _supports_check_mode = True

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        task_vars = task_vars or {}
        try:
            args = self.validate_argument_spec(ARGUMENT_SPEC)[1]
            settings = rollout_settings(canary=args["canary"], batch=args["batch"], max_failures=args["max_failures"],
                                        min_sample=args["min_sample"])
        except AnsibleActionFail as exc:
            result.update(failed=True, msg="invalid rollout setting: %s" % name_variables(
                exc.message, {option: "fleetops_%s" % option for option in ARGUMENT_SPEC}))
            return result
        except SettingsError as exc:
            result.update(failed=True, msg="invalid rollout setting %s" % exc)
            return result
        if args["report_dir"]:
            problem = check_report_dir(args["report_dir"])
            if problem:
                result.update(failed=True, msg="%s; no device was contacted" % problem)
                return result
        settings.update(started=now(), check_mode=bool(self._play_context.check_mode), skip_misconfigured=args["skip_misconfigured"])
        hosts = list(task_vars.get("ansible_play_hosts_all") or [])
        fleet = controller_fleet(self._templar, task_vars)
        refused, notes = fleet.check(hosts, settings["classes"])
        spool = start_spool(C.DEFAULT_LOCAL_TMP, settings)
        for host, why in refused.items():
            append_record(spool, host, "preflight", refusal_record(fleet.device_class(host).name, why, settings["check_mode"]))
        write_notes(spool, notes)
        stop = configuration_stop(settings, read_records(spool)["preflight"])
        controller, per_host = fleet.split([h for h in hosts if h not in refused and not stop], settings["classes"])
        write_controller_hosts(spool, controller)
        surveyors = survey_leaders(controller)
        result.update(changed=False, settings=settings, spool=spool, refused=refused, notes=notes,
                      controller=controller, surveyors=surveyors, per_host=per_host,
                      msg=("%s. " % stop if stop else "") + plan_summary(settings, controller, surveyors, per_host))
        return result


def plan_summary(settings, controller, surveyors, per_host):
    return ("rollout: canary %s, then batches of %s; the run stops once %s device(s) failed. %d device(s) from the "
            "controller (surveyed by %d task(s)), %d with their role"
            % (settings["canary"], ", ".join(map(str, settings["batch"])), "more than %s" % settings["max_failures"],
               len(controller), len(surveyors), len(per_host)))
