#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fleetops.upgrade contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

__metaclass__ = type

DOCUMENTATION = r"""
module: fleet_device
short_description: Upgrade one API-managed device with its class's module calls and record the result
version_added: 0.3.0
description:
  - The one task of the C(encedo), C(appresponse) and C(magewell) roles, and the first task of the C(hawkbit_target) role.
    Makes the module calls of the device's class
    in order, skips the ones the inventory does not ask for, and turns their results into the device's record for
    the fleet report of C(fleetops.upgrade.upgrade) (the role-to-report contract, see C(docs/fleet.md)).
  - "Steps per class, each a call of the named module with O(common) and the step's arguments:
    C(encedo): C(firmware) (M(fleetops.upgrade.encedo_upgrade), C(component=firmware), skipped without C(version)),
    C(ui) (M(fleetops.upgrade.encedo_upgrade), C(component=ui), skipped without C(uis) or when C(firmware) failed);
    C(appresponse): C(image) (M(fleetops.upgrade.npm_image)), C(update) (M(fleetops.upgrade.npm_update), skipped when
    C(image) failed), C(delete) (M(fleetops.upgrade.npm_image) with C(state=absent), skipped unless C(enabled) is true
    or when an earlier step failed); C(magewell): C(upgrade) (M(fleetops.upgrade.mwcloud_upgrade), skipped without
    C(version))."
  - "C(hawkbit) has the one step C(cycle): one DDI cycle of the C(hawkbit_target) role (poll, answer, download,
    feedback, install through the install commands, verify, feedback, or the answer to a cancel), with the role's
    rules and its failure handling, O(common) being the C(hawkbit) group's connection options. Its arguments are
    C(download_dir), C(config_data), C(confirmation_policy), C(install_commands), C(reboot_exit_code),
    C(verify_command), C(install_tasks), C(reboot_tasks), C(verify_tasks), C(install_become) and C(api_delegate), like the
    role variables C(hawkbit_target_*) of the same names. It runs only on the controller's local connection, without
    user tasks, C(become) or another API delegate; otherwise the task is skipped and the role runs the cycle as tasks.
    In check mode it polls the server once, as the role's pre-flight does."
  - A step's arguments may carry C(enabled) (a boolean, default true); a step whose arguments are left out is skipped.
  - On the controller (a local connection) the modules' logic runs inside the worker; on any other connection each
    step runs as its module on the host, like a task of its own.
  - The task fails (or is unreachable) when a step does, with that step's message and the state it left the device in.
  - Inside a fleet run it stores the record for the report (the pre-flight's records decide which devices the
    rollout takes). Outside a fleet run it only returns the record.
author:
  - fleetops.upgrade contributors (@fleetops)
options:
  device_class:
    description: Class of the device.
    type: str
    required: true
    choices: [encedo, appresponse, magewell, hawkbit]
  common:
    description:
      - Module arguments every step gets (connection, authentication), like C(module_defaults) for the class's group.
      - May hold secrets; each step's module hides its C(no_log) options in its result.
    type: dict
    default: {}
  steps:
    description:
      - Module arguments per step name (see the description for the steps of each class).
      - A step's arguments override O(common).
    type: dict
    required: true
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
    details: Every step runs in check mode; the record's status is C(would_upgrade) for a device that would be upgraded, never C(upgraded).
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: full
    details: The steps' diffs, in order.
seealso:
  - module: fleetops.upgrade.fleet_record
  - module: fleetops.upgrade.fleet_report
"""

EXAMPLES = r"""
- name: Upgrade the firmware and the management app, and record the result for the fleet report
  fleetops.upgrade.fleet_device:
    device_class: encedo
    common:
      url: "{{ encedo_url }}"
      passphrase: "{{ encedo_passphrase | default(omit) }}"
    steps:
      firmware:
        src: "{{ encedo_firmware_image }}"
        version: "{{ encedo_firmware_version }}"
      ui:
        src: "{{ encedo_ui_image }}"
        uis: "{{ encedo_ui_uis }}"
"""

RETURN = r"""
record:
  description: The device's record for the fleet report.
  returned: always
  type: dict
  sample: {"device_class": "encedo", "status": "upgraded", "check_mode": false,
           "components": [{"component": "firmware", "from": "1.2.2", "to": "1.3.0", "changed": true}],
           "durations": {"upload": 1.2, "check": 2.0, "install": 0.1, "reboot": 31.5},
           "msg": "firmware upgraded from 1.2.2 to 1.3.0", "finished": "2026-12-01T13:05:00.123+00:00"}
steps:
  description: Each step's module result by step name; a skipped step has C(skipped) and C(skip_reason).
  returned: always
  type: dict
  sample: {"firmware": {"changed": true, "component": "firmware", "previous_version": "1.2.2", "version": "1.3.0"},
           "ui": {"skipped": true, "changed": false, "skip_reason": "no uis given"}}
device_state:
  description: The state the failed step left the device in.
  returned: failure
  type: str
  sample: running 1.2.2, image staged
"""

from ansible.module_utils.basic import AnsibleModule


def main():
    module = AnsibleModule(argument_spec=dict(
        device_class=dict(type="str", required=True, choices=["encedo", "appresponse", "magewell", "hawkbit"]),
        common=dict(type="dict", default={}),
        steps=dict(type="dict", required=True)), supports_check_mode=True)
    module.fail_json(msg="fleetops.upgrade.fleet_device runs on the controller only (it is an action plugin)")


if __name__ == "__main__":
    main()
