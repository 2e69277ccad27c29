# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fleetops.upgrade contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

__metaclass__ = type

from ansible.plugins.action import ActionBase

from ansible_collections.fleetops.upgrade.plugins.plugin_utils._device_classes import CLASS_NAMES, DEVICE_CLASSES
from ansible_collections.fleetops.upgrade.plugins.plugin_utils._drift import check

ARGUMENT_SPEC = dict(
    device_class=dict(type="str", required=True, choices=list(CLASS_NAMES)),
    survey=dict(type="dict", required=True),
    wanted=dict(type="dict", default={}),
    device=dict(type="dict", default={}),
)


class ActionModule(ActionBase):
    """Compares a device's survey with what the inventory wants; runs on the controller, sends no request."""

    TRANSFERS_FILES = False
    _requires_connection = False
    _supports_check_mode = True

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        del tmp
        params = self.validate_argument_spec(ARGUMENT_SPEC)[0].validated_parameters
        device_class = DEVICE_CLASSES[params["device_class"]]
        if device_class.survey is None:
            return dict(result, failed=True, msg="the %s device class has no survey reader: status.yml cannot compare "
                                                 "its devices" % device_class.name)
        record = check(device_class, params["survey"], params["wanted"], params["device"])
        return dict(result, changed=False, **record)
