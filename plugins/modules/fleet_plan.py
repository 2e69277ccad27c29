#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fleetops.upgrade contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

__metaclass__ = type

DOCUMENTATION = r"""
module: fleet_plan
short_description: Check the rollout settings of a fleet run and start the run
version_added: 0.2.0
description:
  - First task of C(fleetops.upgrade.upgrade). Checks the rollout settings (a wrong value fails here, before any
    device is touched) and opens the run's state in the controller's temporary directory of this
    C(ansible-playbook) run, where M(fleetops.upgrade.fleet_record) stores each device's record and
    M(fleetops.upgrade.fleet_report) reads them.
  - Run it once per run (C(run_once)) and C(register) it; the rollout play takes C(settings.serial) for its C(serial).
  - Runs on the controller only (an action plugin); it contacts no device.
author:
  - fleetops.upgrade contributors (@fleetops)
options:
  canary:
    description: Size of the first batch, a count or a whole percentage (V(10%)) of the devices that need work; V(0) for none.
    type: raw
    default: 1
  batch:
    description: Then batches of this size, a whole percentage, or a list of them like C(serial) takes (the last repeats); V(all) or V(100%) for one batch.
    type: raw
    default: 100%
  max_failures:
    description: Error budget of the whole run, a count or a whole percentage of the devices attempted so far.
    type: raw
    default: 0
  min_sample:
    description: A percentage O(max_failures) counts at least this many attempted devices.
    type: int
    default: 10
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
    details: It changes nothing on any device; the run's state is kept on the controller in check mode too.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: none
seealso:
  - module: fleetops.upgrade.fleet_record
  - module: fleetops.upgrade.fleet_report
"""

EXAMPLES = r"""
- name: Check the rollout settings and start the run
  fleetops.upgrade.fleet_plan:
    canary: "{{ fleetops_canary | default(1) }}"
    batch: "{{ fleetops_batch | default('100%') }}"
    max_failures: "{{ fleetops_max_failures | default(0) }}"
  register: fleetops_run
  run_once: true
"""

RETURN = r"""
settings:
  description: The checked settings; C(serial) is the list for the rollout play's C(serial).
  returned: success
  type: dict
  sample: {"canary": 1, "batch": ["25%"], "max_failures": 0, "min_sample": 10, "serial": [1, "25%"],
           "classes": ["encedo", "appresponse", "hawkbit", "magewell"], "started": "2026-12-01T06:00:00+00:00",
           "check_mode": false}
spool:
  description: Directory of the run's state (inside the controller's temporary directory of this run).
  returned: success
  type: str
"""

from ansible.module_utils.basic import AnsibleModule


def main():
    module = AnsibleModule(argument_spec=dict(canary=dict(type="raw", default=1), batch=dict(type="raw", default="100%"),
                                              max_failures=dict(type="raw", default=0), min_sample=dict(type="int", default=10)),
                           supports_check_mode=True)
    module.fail_json(msg="fleetops.upgrade.fleet_plan runs on the controller only (it is an action plugin)")


if __name__ == "__main__":
    main()
