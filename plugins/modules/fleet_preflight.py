#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fleetops.upgrade contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

__metaclass__ = type

DOCUMENTATION = r"""
module: fleet_preflight
short_description: Survey a share of the devices of a fleet run that the controller reaches, in one task
version_added: 0.3.0
description:
  - "The survey play of C(fleetops.upgrade.upgrade) runs it on each host of the C(surveyors) that
    M(fleetops.upgrade.fleet_plan) chose: one task per core of the controller, each taking every N-th of the
    controller path's devices (the plan's C(controller)), 25 devices or more each."
  - For each device of its share it reads its role (defaults, and the arguments of the role's one
    M(fleetops.upgrade.fleet_device) task), templates it with the host's variables as Ansible would, and runs the
    role's steps in check mode, all devices in threads of this task. No mutating request is sent.
  - Stores each device's pre-flight record for the report. Devices that need work are listed in RV(rollout); the
    rollout upgrades them with M(fleetops.upgrade.fleet_batch).
  - On a host that is not one of the plan's C(surveyors) it surveys nothing.
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
- name: Survey this task's share of the devices the controller reaches (check mode, in threads)
  fleetops.upgrade.fleet_preflight:
  when: inventory_hostname in fleetops_run.controller
"""

RETURN = r"""
statuses:
  description:
    Pre-flight status per host of this task's share (always a check mode survey) - C(would_upgrade) (it needs
    work; C(downloaded) and C(upgraded) are never a pre-flight's), C(unchanged), C(failed), C(unreachable).
  returned: success
  type: dict
  sample: {"hem-001": "would_upgrade", "hem-003": "unchanged"}
rollout:
  description: The hosts of RV(statuses) that need work, sorted.
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
