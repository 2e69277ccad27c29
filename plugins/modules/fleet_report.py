#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fleetops.upgrade contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

__metaclass__ = type

DOCUMENTATION = r"""
module: fleet_report
short_description: Write the fleet report of a fleet run (JSON, HTML, JUnit, set_stats)
version_added: 0.2.0
description:
  - Report task of C(fleetops.upgrade.upgrade); run it once (C(run_once)) in a play over every host of the limit.
  - Lists every host of the play exactly once with its status - C(upgraded), C(unchanged), C(failed),
    C(unreachable), C(not_attempted) or C(refused) - from the records of M(fleetops.upgrade.fleet_record) and the
    settings of M(fleetops.upgrade.fleet_plan).
  - Returns the printed summary as RV(msg), hands a bounded copy of the report to C(set_stats) (AWX job
    artifacts, key C(fleetops_report) or C(fleetops_report_<awx_job_id>) inside an AWX workflow) and, with
    O(report_dir), writes C(fleet-report.json), C(fleet-report.html) and C(fleet-report.xml) (JUnit); in check
    mode C(fleet-report-check.*) so that the last real report stays.
  - The schema is in docs/fleet.md of the collection.
author:
  - fleetops.upgrade contributors (@fleetops)
options:
  report_dir:
    description: Directory for the report files (created when missing); without it only the summary and set_stats.
    type: path
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
    details: Writes the C(-check) report files on the controller; contacts no device.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: none
seealso:
  - module: fleetops.upgrade.fleet_plan
  - module: fleetops.upgrade.fleet_record
"""

EXAMPLES = r"""
- name: Write the fleet report
  fleetops.upgrade.fleet_report:
    report_dir: "{{ fleetops_report_dir | default(omit) }}"
  register: fleetops_fleet_report
  run_once: true
"""

RETURN = r"""
msg:
  description: The printed summary, one line per device and the counts.
  returned: success
  type: list
  elements: str
summary:
  description: Count per status, C(total) and C(already_done).
  returned: success
  type: dict
budget:
  description: C(stopped) and C(reason) when the error budget stopped the rollout.
  returned: success
  type: dict
exit_reasons:
  description: Host to reason for every host the run must fail (failed, unreachable, refused).
  returned: success
  type: dict
outcomes:
  description:
    - C(status) and C(msg) per host the last play of C(fleetops.upgrade.upgrade) gives a result of its own - every
      host that must fail, and the devices upgraded by the controller path (M(fleetops.upgrade.fleet_batch)), which
      ran no task of their own - so that the recap, the exit code and AWX's host status tell the truth.
  returned: success
  type: dict
  sample: {"hem01": {"status": "upgraded", "msg": "firmware upgraded from 1.2.2 to 1.3.0"},
           "hem02": {"status": "failed", "msg": "image check failed"}}
files:
  description: Paths of the files written, by kind (C(json), C(html), C(junit)).
  returned: success
  type: dict
"""

from ansible.module_utils.basic import AnsibleModule


def main():
    module = AnsibleModule(argument_spec=dict(report_dir=dict(type="path")), supports_check_mode=True)
    module.fail_json(msg="fleetops.upgrade.fleet_report runs on the controller only (it is an action plugin)")


if __name__ == "__main__":
    main()
