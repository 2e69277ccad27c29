#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fleetops.upgrade contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

__metaclass__ = type

DOCUMENTATION = r"""
module: fleet_record
short_description: Turn a role's upgrade results into this device's fleet report record
version_added: 0.2.0
description:
  - For a role of your own made of separate module tasks; the collection's roles make their records with
    M(fleetops.upgrade.fleet_device) (the same record, from its steps' results). Takes the registered results of the
    role's upgrade module calls and makes the record the fleet report of C(fleetops.upgrade.upgrade) reads - C(status)
    (C(upgraded), C(would_upgrade) in check mode, C(downloaded), C(unchanged), C(failed), C(unreachable)),
    C(components) with C(from)/C(to), C(msg), C(device_state), C(durations) and the modules' C(warnings) - from the
    keys the modules return (C(changed), C(component), C(previous_version), C(version), C(device_state), C(durations),
    C(msg)).
  - Inside a fleet run it stores the record for the report (the pre-flight's records decide which devices the
    rollout takes). Outside a fleet run it only returns the record.
  - Runs on the controller only (an action plugin); it contacts no device and never fails for a failed result.
author:
  - fleetops.upgrade contributors (@fleetops)
options:
  device_class:
    description: Class of the device.
    type: str
    required: true
    choices: [encedo, appresponse, hawkbit, magewell]
  results:
    description:
      - Registered results of the role's upgrade module calls, in the order they ran. Skipped results are left out;
        the first failed (or unreachable) one makes the record C(failed) (C(unreachable)).
    type: list
    elements: raw
    default: []
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
    details: In check mode the record's status is C(would_upgrade) for a device that would be upgraded, never C(upgraded).
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: none
seealso:
  - module: fleetops.upgrade.fleet_plan
  - module: fleetops.upgrade.fleet_report
"""

EXAMPLES = r"""
- name: Record the result for the fleet report
  fleetops.upgrade.fleet_record:
    device_class: encedo
    results: ["{{ encedo_firmware }}", "{{ encedo_ui }}"]
"""

RETURN = r"""
record:
  description: The device's record for the fleet report.
  returned: success
  type: dict
  sample: {"device_class": "encedo", "status": "upgraded", "check_mode": false,
           "components": [{"component": "firmware", "from": "1.2.2", "to": "1.3.0", "changed": true}],
           "durations": {"upload": 1.2, "check": 2.0, "install": 0.1, "reboot": 31.5},
           "msg": "firmware upgraded from 1.2.2 to 1.3.0"}
"""

from ansible.module_utils.basic import AnsibleModule


def main():
    module = AnsibleModule(argument_spec=dict(
        device_class=dict(type="str", required=True, choices=["encedo", "appresponse", "hawkbit", "magewell"]),
        results=dict(type="list", elements="raw", default=[])), supports_check_mode=True)
    module.fail_json(msg="fleetops.upgrade.fleet_record runs on the controller only (it is an action plugin)")


if __name__ == "__main__":
    main()
