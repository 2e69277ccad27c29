#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fleetops.upgrade contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

__metaclass__ = type

DOCUMENTATION = r"""
module: fleet_batch
short_description: Upgrade the devices of a rollout batch that the controller reaches, in one task
version_added: 0.3.0
description:
  - The rollout of C(fleetops.upgrade.upgrade) runs it once per batch (once per core for a batch of 50 devices or
    more), on the batch's first hosts of the controller path chosen by M(fleetops.upgrade.fleet_plan) (the
    C(fleetops.upgrade.fleet_rollout) filter puts only those of them in the rollout play); the batch's devices that
    run their role run at the same time.
  - For each of those hosts in its batch (the devices needing work, sorted, cut by the play's C(serial)) it checks the role's variables against the role's
    argument spec, templates the role's M(fleetops.upgrade.fleet_device) task with them and runs its steps, all
    devices in threads of this task (at most C(forks) at once).
  - Before a device starts, the run's error budget is read; once it is spent no device starts and the devices left
    are reported C(not_attempted). Each finished device's record is stored for the report and the budget at once.
  - A failed device does not fail this task; the report says what failed and fails those hosts at the end.
  - Runs on the controller only (an action plugin).
author:
  - fleetops.upgrade contributors (@fleetops)
options: {}
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
    details: Every device's steps run in check mode.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: none
seealso:
  - module: fleetops.upgrade.fleet_preflight
  - module: fleetops.upgrade.fleet_device
"""

EXAMPLES = r"""
- name: Upgrade the batch's devices that the controller reaches, in threads
  fleetops.upgrade.fleet_batch:
  when: inventory_hostname in fleetops_run.controller
"""

RETURN = r"""
statuses:
  description:
    Status per host of the batch this task took - C(upgraded) (C(would_upgrade) in check mode), C(downloaded) (a
    hawkBit action that asks for the download only), C(unchanged), C(failed), C(unreachable), C(not_attempted).
  returned: success
  type: dict
  sample: {"hem01": "upgraded", "hem02": "failed", "hem03": "not_attempted"}
"""

from ansible.module_utils.basic import AnsibleModule


def main():
    module = AnsibleModule(argument_spec={}, supports_check_mode=True)
    module.fail_json(msg="fleetops.upgrade.fleet_batch runs on the controller only (it is an action plugin)")


if __name__ == "__main__":
    main()
