#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fleetops.upgrade contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

__metaclass__ = type

DOCUMENTATION = r"""
module: npm_update
short_description: Install a software version on a Riverbed AppResponse appliance from an uploaded image
version_added: 0.1.0
description:
  - Runs the C(npm.system_update) 2.0 update of an AppResponse appliance with a VALID image already on it (see
    M(fleetops.upgrade.npm_image)) - reset the update state to IDLE if needed, C(init), wait for INITIALIZED, check
    that the appliance picked the asked version, C(start), wait through the reboot, verify C(sw_version).
  - Already there means the appliance runs O(version) (C(sw_version)); then nothing is sent and the result is not changed.
  - O(state=idle) resets the update state (C(update/reset)), for example after V(FAILED_GRACEFUL), or after
    V(FAILED_CRITICAL) once a person has checked the appliance.
author:
  - fleetops.upgrade contributors (@fleetops)
extends_documentation_fragment:
  - fleetops.upgrade.connection
  - fleetops.upgrade.connection.attributes
  - fleetops.upgrade.npm_auth
options:
  state:
    description:
      - V(installed) makes the appliance run O(version); V(idle) resets the update state to IDLE.
    type: str
    choices: [installed, idle]
    default: installed
  version:
    description:
      - "The version to run, for example V(11.6.0 #23947), or just the release V(11.6.0) (then any build matches)."
      - Required with O(state=installed). A VALID image of this version must be on the appliance.
    type: str
  wait:
    description:
      - Wait for the update to finish (through the reboot) and verify the version.
      - With V(false) the module returns once the update has started.
    type: bool
    default: true
  wait_timeout:
    description:
      - Seconds to wait for each of initialization and the update with its reboot.
    type: int
    default: 3600
attributes:
  check_mode:
    support: full
    details:
      - Sends GET requests only (plus the C(mgmt.aaa) token request when it logs in, which proves O(username) and
        O(password); it never asks for a refresh token) and returns the steps that would run.
      - When no VALID image of O(version) is on the appliance yet (in a check run M(fleetops.upgrade.npm_image) does
        not upload it), the result is changed with a warning that the image must be there, instead of a failure; so a
        whole play or role can run with C(--check).
  diff_mode:
    support: full
    details: Shows C(sw_version) and the update state before and after.
  action_group:
    description: Use C(group/fleetops.upgrade.npm) in C(module_defaults) to set connection and auth options once.
    support: full
    membership:
      - fleetops.upgrade.npm
notes:
  - While the appliance reboots, no answer, refused connections, 5xx answers and error pages all count as
    "still updating" until O(wait_timeout).
  - V(FAILED_GRACEFUL) fails the task with the appliance's C(state_description); reset with O(state=idle) before a retry.
  - V(FAILED_CRITICAL) fails the task and says that a person must look at the appliance before any retry; the
    module refuses O(state=installed) on an appliance in that state until it is reset with O(state=idle).
  - When several images are VALID the appliance picks one by rules it does not document; the module checks
    C(target_version) after C(init) and, if it is not O(version), resets and fails. Keep one VALID image for the target.
  - After a mutating request every failure carries RV(device_state) (also when a given O(token) expires while the task
    waits; a given token cannot be renewed, and the appliance ends all sessions when it reboots, so give
    O(username) and O(password) to let the task verify the update).
"""

EXAMPLES = r"""
- name: Update to 11.6.0
  fleetops.upgrade.npm_update:
    url: "https://{{ ansible_host }}"
    username: admin
    password: "{{ vault_appresponse_password }}"
    version: "11.6.0"
    wait_timeout: 5400

- name: Reset a failed update after checking the appliance
  fleetops.upgrade.npm_update:
    url: "https://{{ ansible_host }}"
    username: admin
    password: "{{ vault_appresponse_password }}"
    state: idle
"""

RETURN = r"""
component:
  description: What the task upgrades, for the fleet report; always V(software).
  returned: always
  type: str
  sample: software
previous_version:
  description: C(sw_version) before the task.
  returned: always (null on failure when it could not be read)
  type: str
  sample: "11.2.0 #13859"
version:
  description:
    - C(sw_version) at the end; in check mode, what it would be (the image's version, or O(version) when the image is
      not on the appliance yet).
    - On failure, what the appliance runs as far as the task knows; null once the update has started and its end was
      not seen.
  returned: always
  type: str
  sample: "11.6.0 #23947"
sw_version:
  description: The same as RV(version) on success (kept for playbooks written before RV(version)).
  returned: success
  type: str
  sample: "11.6.0 #23947"
update_state:
  description: The update state at the end (V(IDLE) after a successful update).
  returned: always
  type: str
  sample: IDLE
state_description:
  description: The appliance's own words about the update state.
  returned: success
  type: str
update_history:
  description: Past updates as the appliance lists them (time, version).
  returned: success
  type: list
  elements: dict
image_id:
  description: Id of the image the update was (or would be) made from.
  returned: when a VALID image of O(version) was found
  type: int
steps:
  description: The steps done (or, in check mode, that would be done), in order.
  returned: always
  type: list
  elements: str
  sample: ["initialized 11.6.0 #23947", started, rebooted, verified]
step:
  description: The step the task failed in (V(read), V(reset), V(init), V(start), V(reboot), V(verify); V(prepare)
    before and between them).
  returned: failure
  type: str
  sample: reboot
durations:
  description: Seconds per step (read, reset, init, start, reboot, verify).
  returned: always
  type: dict
  sample: {read: 0.2, init: 12.1, start: 0.3, reboot: 1350.2, verify: 0.1}
device_state:
  description:
    - "What the appliance was left with, on success and on failure, for example C(runs 11.6.0 #23947),
      C(still runs 11.2.0 #13859, update state IDLE), C(FAILED_CRITICAL, needs a person) or
      C(unchanged, runs 11.2.0 #13859) when nothing was changed."
    - On failure the message ends with it too.
  returned: always
  type: str
  sample: "runs 11.6.0 #23947"
reached:
  description:
    - V(false) when the task failed because no connection to the API could be made at all (connection refused, the
      host name does not resolve, no connection within O(timeout), the proxy refused). The fleet report counts such a
      device C(unreachable).
  returned: on such a failure
  type: bool
  sample: false
"""

from ansible_collections.fleetops.upgrade.plugins.module_utils._module import run_module
from ansible_collections.fleetops.upgrade.plugins.module_utils._npm_update import UPDATE_SPEC, NpmUpdate


def main():
    run_module(UPDATE_SPEC, NpmUpdate)


if __name__ == "__main__":
    main()
