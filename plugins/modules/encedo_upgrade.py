#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fleetops.upgrade contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

__metaclass__ = type

DOCUMENTATION = r"""
module: encedo_upgrade
short_description: Upgrade the firmware or the management app of an Encedo PPA
version_added: 0.1.0
description:
  - Uploads a firmware (C(firmware.bin)) or management app (C(webroot.tar)) image to an Encedo PPA, waits for the
    device to check it, installs it, waits through the reboot (firmware) and verifies the running version.
  - The image is streamed with a C(Content-Length) and C(Expect 100-continue) header, so a refused token costs no upload.
  - Already there means the device reports O(version) in its firmware string (O(component=firmware)) or the
    management app signature O(uis) (O(component=ui)); then nothing is uploaded and the result is not changed.
  - EPA appliances have no upgrade endpoints; the module refuses them.
  - If the device does not run O(version) (or O(uis)) after the install, the task fails with C(changed=true),
    RV(version) set to what the device now runs and a message saying that the image carries another version;
    a rerun would flash the image again, so fix O(version) or O(src) first.
  - If the answer to the install request is lost, the module reads the device to find out whether it installed
    the image; the result always carries RV(steps) and RV(device_state).
author:
  - fleetops.upgrade contributors (@fleetops)
extends_documentation_fragment:
  - fleetops.upgrade.connection
  - fleetops.upgrade.connection.attributes
  - fleetops.upgrade.encedo_auth
options:
  component:
    description:
      - What to upgrade. V(firmware) reboots the device; V(ui) (the management app) does not.
    type: str
    choices: [firmware, ui]
    default: firmware
  src:
    description:
      - Path of the image on the machine that runs the task (the controller for a local connection).
      - A firmware image is a C(.bin) file of at most 3 MiB, a management app image a C(.tar) file of at most 16 MiB;
        the device would drop anything else without an answer, so the module refuses it first.
      - The image is checked even when the device is already at the target, so a wrong path fails every run.
    type: path
    required: true
  version:
    description:
      - Target firmware version, compared with the version in the device's C(fwv) string (for example V(1.2.3)).
      - Required with O(component=firmware).
    type: str
  uis:
    description:
      - The management app signature (C(uis)) the device reports once the image in O(src) is installed.
      - Required with O(component=ui); it is what identifies the management app as already installed.
    type: str
  force:
    description:
      - Upload and install even if the device already reports the target, and even if it has a latched fault.
    type: bool
    default: false
  install:
    description:
      - V(false) stages the image only (upload and check), leaving the running version as it is.
      - The device does not tell which image is staged, so staging uploads again on every run while the device
        is not at the target.
    type: bool
    default: true
  wait:
    description:
      - Wait for the device to come back after a firmware install and verify the version.
      - With V(false) the module returns once the install has started.
    type: bool
    default: true
  wait_timeout:
    description:
      - Seconds to wait for the image check and, separately, for the reboot.
    type: int
    default: 900
attributes:
  check_mode:
    support: full
    details:
      - Reads the device (GET requests) and returns the steps that would run; no upload, check or install.
      - On a personalised device it proves the credentials, so a wrong passphrase fails the check run as it would fail
        the real one. With O(passphrase) it runs the token request (C(GET) and C(POST /api/auth/token); the device issues
        a token and changes nothing else); with O(token) one C(GET /api/system/status) that carries it (the device
        answers 401 to a token that is not valid for its current boot). The token's scope is not checked.
  diff_mode:
    support: full
    details: Shows the firmware version or management app signature before and after.
  action_group:
    description: Use C(group/fleetops.upgrade.encedo) in C(module_defaults) to set connection and auth options once.
    support: full
    membership:
      - fleetops.upgrade.encedo
notes:
  - The device closes the connection after every response; the module opens one per request.
  - After a reboot the device may refuse new tokens until its clock is set (trusted time); the upgrade is then
    verified without a token and the result carries a warning.
  - Tokens are signed with a per-boot key and the device answers 401 on every path to a request carrying a token of
    an earlier boot, so the module never sends the token with reading requests, waits for the reboot without it
    and asks for a fresh one (O(passphrase)) when it needs one again.
"""

EXAMPLES = r"""
- name: Upgrade PPA firmware to 1.3.0
  fleetops.upgrade.encedo_upgrade:
    url: "http://{{ ansible_host }}"
    passphrase: "{{ vault_encedo_passphrase }}"
    src: /srv/images/encedo/ppa-1.3.0/firmware.bin
    version: 1.3.0

- name: Install the management app on fresh devices
  fleetops.upgrade.encedo_upgrade:
    url: "http://{{ ansible_host }}"
    component: ui
    src: /srv/images/encedo/webroot-2.1.tar
    uis: "3q2+7wAAAAAAAAAA"

- name: Stage firmware only (upload and check), install in a maintenance window later
  fleetops.upgrade.encedo_upgrade:
    url: "http://{{ ansible_host }}"
    token: "{{ hem_token }}"
    src: /srv/images/encedo/ppa-1.3.0/firmware.bin
    version: 1.3.0
    install: false
"""

RETURN = r"""
changed:
  description:
    - Whether the device changed (in check mode, would change). Also true on a failure after the device installed
      an image, for example an image that does not carry the asked version.
  returned: always
  type: bool
component:
  description: The component the task was about.
  returned: always
  type: str
  sample: firmware
previous_version:
  description: Firmware version (or C(uis)) before the task; null when the device could not be read.
  returned: always
  type: str
  sample: 1.2.2
version:
  description:
    - Firmware version (or C(uis)) the device runs at the end (in check mode, what it would run).
    - On failure, what the device runs now as far as the module knows; null when the device could not be read.
  returned: always
  type: str
  sample: 1.3.0
model:
  description: C(PPA) or C(EPA).
  returned: success
  type: str
fwv:
  description: The device's raw firmware string at the end.
  returned: success
  type: str
  sample: Encedo nGINE FW v1.3.0
uis:
  description: The management app signature at the end.
  returned: success
  type: str
steps:
  description: The steps done (or, in check mode, that would be done), in order.
  returned: always
  type: list
  elements: str
  sample: [authenticated, uploaded, checked, install started, rebooted, verified, re-authenticated]
step:
  description: The step that failed.
  returned: failure
  type: str
  sample: check
durations:
  description: Seconds spent per step (read, authenticate, upload, check, install, reboot, verify, reauthenticate).
  returned: always
  type: dict
  sample: {read: 0.1, upload: 1.2, check: 8.1, install: 0.2, reboot: 31.5, verify: 0.1}
bytes_sent:
  description: Bytes of image sent to the device.
  returned: always
  type: int
  sample: 1048576
device_state:
  description:
    - What the device was left with, on success and on failure (for example V(running 1.3.0),
      V(not installed; the device keeps firmware 1.2.2) or V(unchanged) when nothing was sent to the device).
  returned: always
  type: str
  sample: running 1.3.0
reached:
  description:
    - V(false) when the task failed because no connection to the API could be made at all (connection refused, the
      host name does not resolve, no connection within O(timeout), the proxy refused). The fleet report counts such a
      device C(unreachable).
  returned: on such a failure
  type: bool
  sample: false
"""

from ansible_collections.fleetops.upgrade.plugins.module_utils._encedo_upgrade import SPEC, EncedoUpgrade
from ansible_collections.fleetops.upgrade.plugins.module_utils._module import run_module


def main():
    run_module(SPEC, EncedoUpgrade)


if __name__ == "__main__":
    main()
