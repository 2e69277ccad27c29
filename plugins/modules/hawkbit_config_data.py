#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fleetops.upgrade contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: hawkbit_config_data
short_description: Send a device's attributes (config data) to a hawkBit (DDI) server
version_added: 1.0.0
description:
  - Sends attributes with C(PUT configData). By default only when the server asks for them (its poll shows the
    C(configData) link - a new target, after a finished action, or when an operator requested them); then the link
    disappears and the next run changes nothing.
  - The DDI API cannot read attributes back, so with O(only_when_requested=false) every run sends them and reports a change.
  - Keys and values are limited to 128 characters and 100 attributes (checked before anything is sent).
options:
  data:
    description: Attributes (key - value). Values are sent as strings.
    type: dict
    required: true
  mode:
    description: V(merge) into, V(replace) or V(remove) from the server's attributes of the target.
    type: str
    default: merge
    choices: [merge, replace, remove]
  only_when_requested:
    description: Send only when the server asks for config data.
    type: bool
    default: true
extends_documentation_fragment:
  - fleetops.upgrade.connection
  - fleetops.upgrade.hawkbit_auth
  - fleetops.upgrade.connection.attributes
author:
  - fleetops.upgrade contributors (@fleetops)
"""

EXAMPLES = r"""
- name: Tell the server what this device is
  fleetops.upgrade.hawkbit_config_data:
    url: https://hawkbit.example.com
    controller_id: "{{ inventory_hostname }}"
    target_token: "{{ hawkbit_target_token }}"
    data:
      hwRevision: "2"
      serial: "{{ serial_number }}"
  delegate_to: localhost
"""

RETURN = r"""
requested:
  description: The server asked for config data.
  returned: always
  type: bool
sent:
  description: Attributes were sent in this run.
  returned: always
  type: bool
data:
  description: The attributes (as strings) that were or would be sent.
  returned: when the server asked or only_when_requested is false
  type: dict
steps:
  description: What was changed.
  returned: when sent
  type: list
  elements: str
durations:
  description: Seconds per step.
  returned: always
  type: dict
device_state:
  description: What the server keeps after sending, for example C(2 attribute(s) stored (merge)).
  returned: when sent
  type: str
"""
from ansible_collections.fleetops.upgrade.plugins.module_utils._hawkbit_python import require_python


def main():
    require_python("fleetops.upgrade.hawkbit_config_data")  # this file parses on Python 2.7; the task logic needs 3.7+
    from ansible_collections.fleetops.upgrade.plugins.module_utils._hawkbit_config_data import CONFIG_DATA_SPEC, HawkbitConfigData
    from ansible_collections.fleetops.upgrade.plugins.module_utils._module import run_module
    run_module(CONFIG_DATA_SPEC, HawkbitConfigData, required_libs=())  # standard library only


if __name__ == "__main__":
    main()
