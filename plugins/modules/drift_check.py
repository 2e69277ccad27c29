#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fleetops.upgrade contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

__metaclass__ = type

DOCUMENTATION = r"""
module: drift_check
short_description: Compare what a device runs with what the inventory wants
version_added: 0.2.0
description:
  - Takes the registered result of a device's info module (M(fleetops.upgrade.encedo_info),
    M(fleetops.upgrade.npm_info), M(fleetops.upgrade.hawkbit_poll), M(fleetops.upgrade.mwcloud_info)) and the
    versions the inventory wants, and returns the device's drift record - C(in_sync), C(drifted) with wanted
    and actual version per component, or C(unreachable) when the survey could not read the device.
  - Used by each role's C(tasks/survey.yml); C(playbooks/status.yml) collects the records with
    M(fleetops.upgrade.drift_report).
  - Runs on the controller and sends no request.
  - "Matching rules: Encedo firmware and management app signature compare exactly; an AppResponse bare release
    (C(11.6.0)) matches any build, a version with a build (C(11.6.0 #23947)) must match exactly; Magewell
    versions compare with leading zeros ignored (C(1.05.178) is C(1.5.178)); a hawkBit target is in sync
    while its server has no open action for it (the server, not the inventory, says what it should run)."
author:
  - fleetops.upgrade contributors (@fleetops)
options:
  device_class:
    description: The device class of the survey.
    type: str
    required: true
    choices: [encedo, appresponse, hawkbit, magewell]
  survey:
    description:
      - The registered result of the class's info module. A failed or skipped result makes the record
        C(unreachable) with the module's message.
      - For V(magewell), the registered result of the per-cloud C(mwcloud_info) loop (with C(gather=devices)).
    type: dict
    required: true
  wanted:
    description:
      - Component name to the version the inventory wants; an empty value means the inventory leaves the
        component alone (it is listed, never drifted).
      - Components V(encedo) C(firmware) and C(management app); V(appresponse) C(software);
        V(magewell) C(firmware). Ignored for V(hawkbit).
    type: dict
    default: {}
  device:
    description:
      - What identifies the device where one survey covers many - V(magewell) C(cloud_url) and C(serial);
        V(hawkbit) C(controller_id) (shown as the model).
    type: dict
    default: {}
attributes:
  check_mode:
    description: Can run in check_mode.
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
- name: Survey the device
  fleetops.upgrade.encedo_info:
    url: "{{ encedo_url }}"
  register: encedo_survey
  ignore_errors: true

- name: Compare the device with the inventory
  fleetops.upgrade.drift_check:
    device_class: encedo
    survey: "{{ encedo_survey }}"
    wanted:
      firmware: "{{ encedo_firmware_version }}"
      management app: "{{ encedo_ui_uis }}"
  register: encedo_drift
"""

RETURN = r"""
device_class:
  description: The device class.
  returned: always
  type: str
  sample: encedo
status:
  description: V(in_sync), V(drifted) or V(unreachable).
  returned: always
  type: str
  sample: drifted
components:
  description: Per component, V(component), V(wanted) (null when not managed), V(actual) and V(in_sync).
  returned: always
  type: list
  elements: dict
  sample: [{"component": "firmware", "wanted": "1.3.0", "actual": "1.2.2", "in_sync": false}]
model:
  description: The device model; null when the device could not be read.
  returned: always
  type: str
versions:
  description: What the survey shows of the device (name to version), as the fleet status prints it.
  returned: always
  type: dict
health:
  description: The device's health as the survey tells it (V(ok), a fault, an update state...).
  returned: always
  type: str
msg:
  description: "The drift (C(firmware: wanted 1.3.0, runs 1.2.2)), C(runs what the inventory wants), or why the device could not be read."
  returned: always
  type: str
"""
