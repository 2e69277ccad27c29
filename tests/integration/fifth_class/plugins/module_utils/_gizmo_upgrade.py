# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fleetops.upgrade contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Task logic of gizmo_upgrade: read the firmware, install the wanted version, wait until the device runs it."""

from __future__ import annotations

__metaclass__ = type

from ansible_collections.fleetops.upgrade.plugins.module_utils._common_args import WAIT_ARGS
from ansible_collections.fleetops.upgrade.plugins.module_utils._errors import TaskError
from ansible_collections.fleetops.upgrade.plugins.module_utils._gizmo import GIZMO_COMMON_ARGS, GizmoClient
from ansible_collections.fleetops.upgrade.plugins.module_utils._task import TaskRun
from ansible_collections.fleetops.upgrade.plugins.module_utils._wait import Poll, wait_until

SPEC = dict(argument_spec=dict(GIZMO_COMMON_ARGS, version=dict(type="str", required=True),
                               poll_interval=dict(type="float", default=0.1), **WAIT_ARGS))


class GizmoUpgrade(TaskRun):
    def run(self):
        client = self.client = GizmoClient(self.params)
        wanted = self.params["version"]
        with self.step("survey"):
            before = client.firmware()
        result = {"component": "firmware", "previous_version": before["version"], "version": wanted}
        if before["version"] == wanted and before["state"] == "ready":
            return dict(result, changed=False, msg="firmware is already at %s" % wanted)
        if wanted not in before.get("available", []):
            raise TaskError("the device does not offer firmware %s (it offers: %s)"
                            % (wanted, ", ".join(before.get("available", [])) or "none"))
        if self.check_mode:
            return dict(result, changed=True, msg="firmware would be upgraded from %s to %s" % (before["version"], wanted))
        with self.step("install", done="install"):
            client.install(wanted)
        self.device_state = "installing %s" % wanted
        with self.step("wait", done="verify"):
            wait_until(lambda: self._probe(wanted), "the device to run firmware %s" % wanted,
                       self.params["wait_timeout"], self.params["poll_interval"], clock=self.clock, sleep=self.sleep)
        self.device_state = "running %s" % wanted
        return dict(result, changed=True, msg="firmware upgraded from %s to %s" % (before["version"], wanted))

    def _probe(self, wanted):
        state = self.client.firmware()
        return Poll(state["state"] == "ready" and state["version"] == wanted, "%(state)s, running %(version)s" % state)

    def close(self):
        if getattr(self, "client", None) is not None:
            self.client.close()
