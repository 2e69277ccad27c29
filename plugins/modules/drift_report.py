#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fleetops.upgrade contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

__metaclass__ = type

DOCUMENTATION = r"""
module: drift_report
short_description: The fleet's drift report from every host's drift record
version_added: 0.2.0
description:
  - Collects the drift record of each host of O(hosts) (registered by the role's C(tasks/survey.yml) as
    C(<role>_drift), see M(fleetops.upgrade.drift_check)) and returns the fleet's drift report.
  - Every host is listed exactly once - hosts without a known C(fleetops_device_class) as C(unknown_class),
    hosts of a known class without a record (failed or unreachable before they were read) as C(unreachable).
  - With O(report_dir), writes C(drift-report.json) (schema in C(docs/gitops.md)) and C(drift-report.xml)
    (JUnit, one test case per device) there.
  - Runs on the controller and sends no request. Run it once (C(run_once)).
author:
  - fleetops.upgrade contributors (@fleetops)
options:
  hosts:
    description: The hosts to report on, normally C(ansible_play_hosts_all).
    type: list
    elements: str
    required: true
  report_dir:
    description: Directory for C(drift-report.json) and C(drift-report.xml); created when missing. Files are replaced atomically.
    type: path
attributes:
  check_mode:
    description: Can run in check_mode. The report files are written in check mode too.
    support: full
  diff_mode:
    description: Will return details on what has changed.
    support: none
  platform:
    description: Target OS/families that can be operated against.
    support: N/A
    platforms: posix
  action:
    description: Runs on the controller as an action plugin.
    support: full
"""

EXAMPLES = r"""
- name: Build the drift report
  fleetops.upgrade.drift_report:
    hosts: "{{ ansible_play_hosts_all }}"
    report_dir: "{{ fleetops_report_dir | default(omit) }}"
  run_once: true
  register: fleetops_drift_report

- name: Fail the run when a device drifted or could not be read
  ansible.builtin.fail:
    msg: "{{ fleetops_drift_report.msg }}"
  when: not fleetops_drift_report.in_sync
  run_once: true
"""

RETURN = r"""
in_sync:
  description: Whether every host is in sync.
  returned: success
  type: bool
summary:
  description: Counts per status (V(in_sync), V(drifted), V(unreachable), V(unknown_class)) and V(devices).
  returned: success
  type: dict
  sample: {"devices": 4, "in_sync": 2, "drifted": 1, "unreachable": 1, "unknown_class": 0}
msg:
  description: The summary as one line.
  returned: always
  type: str
  sample: 2 in sync, 1 drifted, 1 unreachable, 0 unknown class
hosts:
  description: One entry per host - V(host), V(device_class), V(status), V(components), V(model), V(versions), V(health), V(msg).
  returned: success
  type: list
  elements: dict
status_lines:
  description: One line per host - model, versions and health.
  returned: success
  type: list
  elements: str
drift_lines:
  description: One line per host - status and reason - and the summary line.
  returned: success
  type: list
  elements: str
files:
  description: The files written.
  returned: when O(report_dir) is set
  type: list
  elements: path
"""
