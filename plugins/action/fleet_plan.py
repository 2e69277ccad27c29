# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fleetops.upgrade contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

__metaclass__ = type

from ansible import constants as C
from ansible.plugins.action import ActionBase

from ansible_collections.fleetops.upgrade.plugins.plugin_utils._fleet_report import (
    SettingsError, now, rollout_settings, start_spool)


class ActionModule(ActionBase):
    """Validate the rollout settings once per run and open the run's spool (see _fleet_report.py)."""

    _supports_check_mode = True
    _VALID_ARGS = frozenset(("canary", "batch", "max_failures", "min_sample"))

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        args = self._task.args
        try:
            settings = rollout_settings(canary=args.get("canary", 1), batch=args.get("batch", "100%"),
                                        max_failures=args.get("max_failures", 0), min_sample=args.get("min_sample", 10))
        except SettingsError as exc:
            result.update(failed=True, msg="invalid rollout setting %s" % exc)
            return result
        settings["started"] = now()
        settings["check_mode"] = bool(self._play_context.check_mode)
        result.update(changed=False, settings=settings, spool=start_spool(C.DEFAULT_LOCAL_TMP, settings),
                      msg="rollout: canary %s, then batches of %s; the run stops once %s device(s) failed"
                      % (settings["canary"], ", ".join(map(str, settings["batch"])),
                         "more than %s" % settings["max_failures"]))
        return result
