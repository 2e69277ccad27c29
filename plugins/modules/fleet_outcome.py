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
  - The last task of C(fleetops.upgrade.upgrade), in a play over every host of the limit (its C(hosts) is C(all)). A device
    upgraded by the controller path ran no task of its own, and a device that failed was not failed by its role (the
    rollout records failures instead of raising them). This task gives each device its outcome from the fleet
    report, so the recap, the exit code and AWX's per-host status tell the truth whatever the plays before it
    matched.
  - The outcome is the host's entry in the run's state, stored by M(fleetops.upgrade.fleet_report), which must run
    first. Changed when the device was C(upgraded), C(downloaded) (a hawkBit action that asks for the download only)
    or, in check mode, C(would_upgrade); ok when it was C(unchanged) (these are the successful ends). Failed for every
    other status (C(failed), C(unreachable), C(refused), C(not_attempted)), when the report has no entry for the host, or when the
    run's state cannot be read.
  - Runs on the controller only (an action plugin) and contacts no device.
author:
  - fleetops.upgrade contributors (@fleetops)
options: {}
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
    details: In check mode the status of a device that would be upgraded is C(would_upgrade) (changed).
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: none
seealso:
  - module: fleetops.upgrade.fleet_report
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
