#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fleetops.upgrade contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

__metaclass__ = type

DOCUMENTATION = r"""
module: fleet_preflight
short_description: Survey the devices of a fleet run that the controller reaches, in one task
version_added: 0.3.0
description:
  - Second task of C(fleetops.upgrade.upgrade), after M(fleetops.upgrade.fleet_plan), once per run (C(run_once)).
  - "Takes every host of the play whose role task runs on the controller: Encedo and AppResponse devices with a
    local connection (C(ansible_connection: local), no C(become)), Magewell devices delegated to C(localhost)
    (the default). For each it reads its role (defaults, and the arguments of the role's one
    M(fleetops.upgrade.fleet_device) task), templates it with the host's variables as Ansible would, and runs the
    role's steps in check mode, all devices in threads of this task (at most C(forks) at once). No mutating request
    is sent."
  - Stores each device's pre-flight record for the report. Devices that need work are listed in RV(rollout); the
    rollout upgrades them with M(fleetops.upgrade.fleet_batch), one task per batch.
  - Every other host of a known class (hawkBit targets, devices reached over SSH or with C(become)) is listed in
    RV(per_host) and runs its role's pre-flight entry point itself. Hosts without a known class are left to the report.
  - C(FLEETOPS_IN_PROCESS=0) in the controller's environment switches this path off (every host runs its role).
  - The task's host joins the group C(fleetops_planner), so later plays can read its result through C(hostvars).
  - Runs on the controller only (an action plugin).
author:
  - fleetops.upgrade contributors (@fleetops)
options: {}
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
    details: It always surveys in check mode.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: none
seealso:
  - module: fleetops.upgrade.fleet_plan
  - module: fleetops.upgrade.fleet_batch
  - module: fleetops.upgrade.fleet_device
"""

EXAMPLES = r"""
- name: Survey the devices the controller reaches (check mode, in threads)
  fleetops.upgrade.fleet_preflight:
  register: fleetops_preflight
  run_once: true
"""

RETURN = r"""
controller:
  description: The hosts surveyed here; the rollout upgrades those of them that need work with M(fleetops.upgrade.fleet_batch).
  returned: success
  type: list
  elements: str
rollout:
  description: The hosts of RV(controller) that need work, sorted.
  returned: success
  type: list
  elements: str
per_host:
  description: The hosts of a known class that run their role's pre-flight themselves.
  returned: success
  type: list
  elements: str
"""

from ansible.module_utils.basic import AnsibleModule


def main():
    module = AnsibleModule(argument_spec={}, supports_check_mode=True)
    module.fail_json(msg="fleetops.upgrade.fleet_preflight runs on the controller only (it is an action plugin)")


if __name__ == "__main__":
    main()
