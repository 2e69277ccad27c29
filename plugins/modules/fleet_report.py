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
  - Lists every host of the play exactly once with its status - C(upgraded), C(would_upgrade) (check mode),
    C(downloaded) (hawkBit, download only), C(unchanged), C(failed), C(unreachable), C(not_attempted) or C(refused)
    (no known class, or a configuration error found by M(fleetops.upgrade.fleet_plan)) - from the records of M(fleetops.upgrade.fleet_record) and the
    settings of M(fleetops.upgrade.fleet_plan).
  - Returns the printed summary as RV(msg), a bounded copy of the report as RV(stats) for an
    C(ansible.builtin.set_stats) task (AWX job artifacts), stores each host's outcome in the run's state for
    M(fleetops.upgrade.fleet_outcome) and, with
    O(report_dir), writes C(fleet-report.json), C(fleet-report.html) and C(fleet-report.xml) (JUnit); in check
    mode C(fleet-report-check.*) so that the last real report stays. A file that cannot be written does not fail
    the task; the summary, RV(stats) and the outcomes are still made, RV(write_error) names the file, and
    C(fleetops.upgrade.upgrade) fails the run with it after the outcomes.
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

- name: Keep the report with the job (AWX artifacts)
  ansible.builtin.set_stats:
    data: "{{ fleetops_fleet_report.stats }}"
    per_host: false
    aggregate: false
  run_once: true
"""

RETURN = r"""
msg:
  description: The printed summary, one line per device and the counts.
  returned: success
  type: list
  elements: str
write_error:
  description: The report file that could not be written, and why (the run must fail with it).
  returned: when a file of O(report_dir) could not be written
  type: str
  sample: "the fleet report file /srv/reports/fleet-report.html could not be written: Permission denied"
summary:
  description: Count per status, C(total) and C(already_done).
  returned: success
  type: dict
budget:
  description: C(stopped) and C(reason) when the error budget stopped the rollout.
  returned: success
  type: dict
exit_reasons:
  description: Host to reason for every host the run must fail (every status but C(upgraded), C(would_upgrade),
    C(downloaded) and C(unchanged)).
  returned: success
  type: dict
stats:
  description:
    - The data for C(ansible.builtin.set_stats) (with C(per_host=false), C(aggregate=false)), so AWX keeps the
      report with the job's artifacts - key C(fleetops_report), or C(fleetops_report_<awx_job_id>) inside an AWX
      workflow so that the slices of a sliced job do not replace each other. Bounded whatever the fleet size
      (summary, settings, counts per class, at most 100 devices, failing ones first).
  returned: success
  type: dict
  sample: {"fleetops_report": {"schema_version": 1, "summary": {"upgraded": 8, "unchanged": 2, "total": 10}}}
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
