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
  - The task of the C(encedo), C(appresponse) and C(magewell) roles, and the first task of the C(hawkbit_target) role.
    Makes the module calls of the device's class in order, skips the ones the inventory does not ask for, and turns
    their results into the device's record for the fleet report of C(fleetops.upgrade.upgrade) (the role-to-report
    contract, see C(docs/fleet.md)).
  - The arguments of every call are the class's role variables (C(encedo_*), C(appresponse_*), C(hawkbit_target_*),
    C(magewell_*); C(ansible-doc -t role fleetops.upgrade.<role>) lists them), read from the task's variables with
    Ansible's precedence (role defaults, inventory, play vars, extra vars) and templated as any task argument. A variable
    that is not set leaves its module option out (the module's default applies). Which variable fills which option is
    the device class's definition (C(plugins/plugin_utils/_device_classes.py)); the fleet run's controller path resolves
    the same arguments for the same inventory.
  - "Steps per class, each a call of the named module:
    C(encedo): C(firmware) (M(fleetops.upgrade.encedo_upgrade), C(component=firmware), skipped without a firmware version),
    C(ui) (M(fleetops.upgrade.encedo_upgrade), C(component=ui), skipped without C(encedo_ui_uis) or when C(firmware)
    failed); C(appresponse): C(image) (M(fleetops.upgrade.npm_image)), C(update) (M(fleetops.upgrade.npm_update),
    skipped when C(image) failed), C(delete) (M(fleetops.upgrade.npm_image) with C(state=absent), skipped unless
    C(appresponse_delete_image) is true or when an earlier step failed); C(magewell): C(upgrade)
    (M(fleetops.upgrade.mwcloud_upgrade), skipped without C(magewell_firmware_version))."
  - "C(hawkbit) has the one step C(cycle): one DDI cycle of the C(hawkbit_target) role (poll, answer, download,
    feedback, install through the install commands, verify, feedback, or the answer to a cancel). The DDI requests run on
    the controller, inside the worker (C(hawkbit_target_api_delegate) V(localhost), V(127.0.0.1)), or as modules on the
    target when C(hawkbit_target_api_delegate) is the target itself (its inventory name); any other delegate is refused
    before any request. The device's calls (pre-flight, downloads, installation marker, install and verify commands)
    run over the task's connection, with the task's C(become)."
  - "The user's tasks and a reboot are Ansible tasks, so the cycle has phases (O(phase)): V(start) runs the whole
    cycle unless the user's install or verify tasks or a reboot come next; it then stops after the install (or after the
    installation marker, for install tasks) and returns RV(pending), RV(hooks) and RV(resume). V(finish), given
    O(resume), O(failure) and O(rebooted), verifies, reports the action closed (success, or failure naming the failed
    task) and records the result. V(preflight) checks the commands and polls once (the fleet pre-flight).
    In check mode V(start) polls once and runs the device's read-only pre-flight."
  - On the controller (a local connection) the modules' logic runs inside the worker; on any other connection each
    step runs as its module on the host, like a task of its own.
  - The task fails (or is unreachable) when a step does, with that step's message (naming the role variable of a
    refused value) and the state it left the device in.
  - Inside a fleet run it stores the record for the report (the pre-flight's records decide which devices the
    rollout takes). Outside a fleet run it only returns the record.
author:
  - fleetops.upgrade contributors (@fleetops)
options:
  device_class:
    description:
      - Class of the device; its role variables give the arguments of its module calls.
    type: str
    required: true
    choices: [encedo, appresponse, hawkbit, magewell]
  phase:
    description:
      - For O(device_class=hawkbit), the part of the DDI cycle to run (see the description); other classes take only V(start).
    type: str
    default: start
    choices: [start, finish, preflight, cycle]
  resume:
    description: For O(phase=finish), RV(resume) of the V(start) phase of the same cycle.
    type: dict
  failure:
    description:
      - For O(phase=finish), the user's task that failed - C(step) (its name, C(ansible_failed_task.name)) and
        C(result) (C(ansible_failed_result)) - or empty. The action is then reported closed with failure, with the
        task's name and message, and the task fails.
    type: dict
  rebooted:
    description: For O(phase=finish), the device was rebooted after the install (the success feedback says so).
    type: bool
    default: false
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
  vars:
    encedo_url: https://hem-a1.example
    encedo_firmware_version: 1.3.0
    encedo_firmware_image: /srv/images/encedo-1.3.0.bin
"""

RETURN = r"""
record:
  description: The device's record for the fleet report.
  returned: always but when pending
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
pending:
  description: For O(device_class=hawkbit), the cycle handed over to the role's tasks (O(phase=start)); no record yet.
  returned: device_class is hawkbit
  type: bool
hooks:
  description:
    - What the role's tasks need when RV(pending) - C(action_id), C(reboot) (the install asked for a reboot),
      C(install_tasks), C(reboot_tasks), C(verify_tasks) (which user tasks to run) and C(chunks) (each chunk of the
      action with C(paths), its downloaded files on the device).
  returned: pending
  type: dict
resume:
  description: What O(phase=finish) needs of this phase (O(resume)); no secrets.
  returned: pending
  type: dict
device_state:
  description: The state the failed step left the device in.
  returned: failure
  type: str
  sample: running 1.2.2, image staged
"""

from ansible.module_utils.basic import AnsibleModule


def main():
    module = AnsibleModule(argument_spec=dict(
        device_class=dict(type="str", required=True, choices=["encedo", "appresponse", "hawkbit", "magewell"]),
        phase=dict(type="str", default="start", choices=["start", "finish", "preflight", "cycle"]),
        resume=dict(type="dict"), failure=dict(type="dict"), rebooted=dict(type="bool", default=False)), supports_check_mode=True)
    module.fail_json(msg="fleetops.upgrade.fleet_device runs on the controller only (it is an action plugin)")


if __name__ == "__main__":
    main()
