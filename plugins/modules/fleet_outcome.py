#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fleetops.upgrade contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

__metaclass__ = type

DOCUMENTATION = r"""
module: fleet_outcome
short_description: Give a device its fleet run outcome as a task result
version_added: 0.2.0
description:
  - The last task of C(fleetops.upgrade.upgrade). A device upgraded by the controller path ran no task of its own, and
    a device that failed was not failed by its role (the rollout records failures instead of raising them). This task
    gives each such device its outcome from the fleet report, so the recap, the exit code and AWX's per-host status
    tell the truth.
  - The outcome is the host's entry of the C(outcomes) of the run's M(fleetops.upgrade.fleet_report), which must
    run first (it stores them in the run's state). Changed when the device was C(upgraded); failed when it
    C(failed), was C(unreachable) or was C(refused), or when the report gave it no outcome; ok otherwise
    (C(unchanged), C(not_attempted)).
  - Runs on the controller only (an action plugin) and contacts no device. Under the C(fleetops.upgrade.fleet)
    strategy its result is made in the controller's process, without a worker per device.
author:
  - fleetops.upgrade contributors (@fleetops)
options: {}
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
    details: In check mode C(upgraded) means the device would be upgraded.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: none
seealso:
  - module: fleetops.upgrade.fleet_report
  - plugin: fleetops.upgrade.fleet
    plugin_type: strategy
"""

EXAMPLES = r"""
- name: Give each device its outcome (failed devices fail, upgraded ones are changed)
  fleetops.upgrade.fleet_outcome:
"""

RETURN = r"""
status:
  description: The device's status in the fleet report.
  returned: success
  type: str
  sample: upgraded
msg:
  description: The status and the report's message for the device.
  returned: always
  type: str
  sample: "upgraded: firmware upgraded from 1.2.2 to 1.3.0"
"""

from ansible.module_utils.basic import AnsibleModule


def main():
    module = AnsibleModule(argument_spec={}, supports_check_mode=True)
    module.fail_json(msg="fleetops.upgrade.fleet_outcome runs on the controller only (it is an action plugin)")


if __name__ == "__main__":
    main()
