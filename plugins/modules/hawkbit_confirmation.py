#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fleetops.upgrade contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: hawkbit_confirmation
short_description: Confirm or deny a hawkBit (DDI) action, or switch auto-confirm on or off
version_added: 1.0.0
description:
  - With O(confirmation), answers an action that waits for the device's consent. Confirming an action that is already
    running changes nothing; an action that is no longer open is reported and left alone. Denying leaves the action
    waiting, so every run that denies it sends the answer again.
  - With O(auto_confirm), reads C(confirmationBase) first and only switches when the server's state differs.
options:
  action_id:
    description: Id of the action to answer; required with O(confirmation).
    type: str
  confirmation:
    description: The answer for O(action_id).
    type: str
    choices: [confirmed, denied]
  auto_confirm:
    description: Whether the server should confirm every current and future action of this target by itself.
    type: bool
  initiator:
    description: Initiator recorded by the server when auto-confirm is switched on.
    type: str
    default: ansible
  remark:
    description: Remark recorded with auto-confirm.
    type: str
  code:
    description: Optional numeric code sent with the answer.
    type: int
  details:
    description: Messages sent with the answer.
    type: list
    elements: str
    default: []
extends_documentation_fragment:
  - fleetops.upgrade.connection
  - fleetops.upgrade.hawkbit_auth
  - fleetops.upgrade.connection.attributes
author:
  - fleetops.upgrade contributors (@fleetops)
"""

EXAMPLES = r"""
- name: Confirm the waiting action
  fleetops.upgrade.hawkbit_confirmation:
    url: https://hawkbit.example.com
    controller_id: "{{ inventory_hostname }}"
    target_token: "{{ hawkbit_target_token }}"
    action_id: "{{ ddi.action.id }}"
    confirmation: confirmed
  delegate_to: localhost

- name: Let the server confirm by itself from now on
  fleetops.upgrade.hawkbit_confirmation:
    url: https://hawkbit.example.com
    controller_id: "{{ inventory_hostname }}"
    target_token: "{{ hawkbit_target_token }}"
    auto_confirm: true
    remark: maintenance contract 42
  delegate_to: localhost
"""

RETURN = r"""
auto_confirm:
  description: Auto-confirm state after the task.
  returned: when auto_confirm was given
  type: bool
action_state:
  description: V(waiting), V(running) or V(not open) - the action's state after the task (before it in check mode).
  returned: when confirmation was given
  type: str
steps:
  description: What was changed, in order.
  returned: always
  type: list
  elements: str
durations:
  description: Seconds per step.
  returned: always
  type: dict
device_state:
  description: What the server keeps after a change, for example C(action 12 running) or C(auto-confirm on).
  returned: when something was changed
  type: str
"""
from ansible_collections.fleetops.upgrade.plugins.module_utils._hawkbit_python import require_python


def main():
    require_python("fleetops.upgrade.hawkbit_confirmation")  # this file parses on Python 2.7; the task logic needs 3.7+
    from ansible_collections.fleetops.upgrade.plugins.module_utils._hawkbit_confirmation import CONFIRMATION_SPEC, HawkbitConfirmation
    from ansible_collections.fleetops.upgrade.plugins.module_utils._module import run_module
    run_module(CONFIRMATION_SPEC, HawkbitConfirmation, required_libs=())  # standard library only


if __name__ == "__main__":
    main()
