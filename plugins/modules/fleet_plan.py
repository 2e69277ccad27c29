#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fleetops.upgrade contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

__metaclass__ = type

DOCUMENTATION = r"""
module: fleet_plan
short_description: Check the rollout settings of a fleet run, start the run and choose the controller path's devices
version_added: 0.2.0
description:
  - First task of C(fleetops.upgrade.upgrade). Checks the rollout settings (a wrong value fails here, before any
    device is touched) and opens the run's state in the controller's temporary directory of this
    C(ansible-playbook) run, where M(fleetops.upgrade.fleet_record) stores each device's record and
    M(fleetops.upgrade.fleet_report) reads them.
  - "Chooses the hosts of the play that the controller path takes (RV(controller)), because their role task would
    run on the controller: Encedo and AppResponse devices with a local connection (C(ansible_connection: local), no
    C(become)), Magewell devices delegated to C(localhost) (the default), hawkBit targets with a local connection
    whose cycle needs none of the user's tasks. M(fleetops.upgrade.fleet_preflight) surveys them (one task per
    core, on the hosts of RV(surveyors)) and M(fleetops.upgrade.fleet_batch) upgrades them. Every other host of a
    known class is listed in RV(per_host) and runs its role. Hosts without a known class are left to the report.
    C(FLEETOPS_IN_PROCESS=0) in the controller's environment switches the controller path off."
  - "Checks every host of a known class before any request (its variables as a template reads them, its role's
    defaults under them): a variable with a role's prefix (C(encedo_), C(appresponse_), C(hawkbit_target_),
    C(magewell_), C(fleetops_)) that the collection does not know (the message suggests the closest known name), a
    value the role's argument spec or a module's refuses (the message names the role variable), or no target at all
    (every target variable empty: unset, V(\"\") or null, as an AWX survey sends an empty answer). Such a host is
    C(refused) (RV(refused)), and unless O(skip_misconfigured) no device of the run is surveyed or upgraded (the others
    are C(not_attempted)); configuration errors do not count in the error budget. A target that alone is empty is
    noted (RV(notes)), and its step is skipped."
  - Creates O(report_dir), or checks that it is a writable directory; a bad one fails the task.
  - Run it once per run (C(run_once)) and C(register) it; the rollout play takes C(settings.serial) for its C(serial).
    C(fleetops.upgrade.upgrade) puts the task's host in the group C(fleetops_planner) with an
    C(ansible.builtin.group_by) task, so later plays can read the result through C(hostvars).
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
  report_dir:
    description: The directory M(fleetops.upgrade.fleet_report) writes to (C(fleetops_report_dir)), created or checked here.
    type: path
  skip_misconfigured:
    description: V(true) upgrades the other devices when some are misconfigured (C(fleetops_skip_misconfigured)); by
      default a configuration error on any device stops the run before any device changes.
    type: bool
    default: false
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
    details: It changes nothing on any device; the run's state is kept on the controller in check mode too.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: none
seealso:
  - module: fleetops.upgrade.fleet_preflight
  - module: fleetops.upgrade.fleet_batch
  - module: fleetops.upgrade.fleet_record
  - module: fleetops.upgrade.fleet_report
"""

EXAMPLES = r"""
- name: Check the rollout settings, start the run and choose the controller path's devices
  fleetops.upgrade.fleet_plan:
    canary: "{{ fleetops_canary | default(1) }}"
    batch: "{{ fleetops_batch | default('100%') }}"
    max_failures: "{{ fleetops_max_failures | default(0) }}"
    report_dir: "{{ fleetops_report_dir | default(omit) }}"
    skip_misconfigured: "{{ fleetops_skip_misconfigured | default(false) }}"
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
controller:
  description: The hosts the controller path takes, sorted.
  returned: success
  type: list
  elements: str
surveyors:
  description: The hosts of RV(controller) whose M(fleetops.upgrade.fleet_preflight) task surveys a share of them
    (one per core, 25 devices or more each).
  returned: success
  type: list
  elements: str
per_host:
  description: The hosts of a known class that run their role (its pre-flight entry point, then its main).
  returned: success
  type: list
  elements: str
refused:
  description: Host to reason for every host refused for its configuration (no request is sent to it).
  returned: success
  type: dict
  sample: {"hem-a1": "encedo_firmware_versoin is not a variable of fleetops.upgrade; did you mean encedo_firmware_version?"}
notes:
  description: Host to the targets left empty (their steps are skipped), for the report.
  returned: success
  type: dict
  sample: {"hem-a1": ["ui: no target set (encedo_ui_uis is empty)"]}
"""

from ansible.module_utils.basic import AnsibleModule


def main():
    module = AnsibleModule(argument_spec=dict(canary=dict(type="raw", default=1), batch=dict(type="raw", default="100%"),
                                              max_failures=dict(type="raw", default=0), min_sample=dict(type="int", default=10),
                                              report_dir=dict(type="path"), skip_misconfigured=dict(type="bool", default=False)),
                           supports_check_mode=True)
    module.fail_json(msg="fleetops.upgrade.fleet_plan runs on the controller only (it is an action plugin)")


if __name__ == "__main__":
    main()
