#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fleetops.upgrade contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

__metaclass__ = type

DOCUMENTATION = r"""
module: encedo_info
short_description: Read firmware, management app and health of an Encedo HEM (PPA or EPA)
version_added: 0.1.0
description:
  - Reads C(/api/system/version) and C(/api/system/status) of an Encedo HEM and returns the firmware version
    (parsed and raw), the management app signature C(uis), the hardware and model, the bootloader,
    whether the device is personalised and whether it has a latched fault.
  - Sends GET requests only; needs no authentication.
author:
  - fleetops.upgrade contributors (@fleetops)
extends_documentation_fragment:
  - fleetops.upgrade.connection
  - fleetops.upgrade.connection.attributes
  - fleetops.upgrade.encedo_auth
attributes:
  check_mode:
    support: full
    details: The module only reads.
  diff_mode:
    support: none
    details: The module changes nothing.
  action_group:
    description: Use C(group/fleetops.upgrade.encedo) in C(module_defaults) to set connection options once.
    support: full
    membership:
      - fleetops.upgrade.encedo
"""

EXAMPLES = r"""
- name: Survey an Encedo PPA
  fleetops.upgrade.encedo_info:
    url: "http://{{ ansible_host }}"
  register: hem

- name: Show the firmware
  ansible.builtin.debug:
    msg: "{{ inventory_hostname }} runs {{ hem.firmware_version }} ({{ hem.model }})"
"""

RETURN = r"""
model:
  description: C(PPA) or C(EPA), from the hardware string.
  returned: success
  type: str
  sample: PPA
hardware:
  description: The raw hardware string C(hwv).
  returned: success
  type: str
  sample: PPA rev 2.2
firmware_version:
  description: Firmware version parsed from C(fwv); null if the string has no version.
  returned: success
  type: str
  sample: 1.2.2
fwv:
  description: The raw firmware string.
  returned: success
  type: str
  sample: Encedo nGINE FW v1.2.2
diag:
  description: Whether the firmware is a diagnostic (C(-DIAG)) build.
  returned: success
  type: bool
fws:
  description: The firmware signature, unique per firmware binary.
  returned: success
  type: str
uis:
  description: Signature of the installed management app (PPA only; null on EPA).
  returned: success
  type: str
  sample: 3q2+7wAAAAAAAAAA
bootloader:
  description: The bootloader string C(blv).
  returned: success
  type: str
  sample: Encedo Secure Bootloader v2.0.1
personalised:
  description: False for a fresh device (C(inited=false) in the status).
  returned: success
  type: bool
fls_state:
  description: The device's fault state; not 0 is a latched fault.
  returned: success
  type: int
  sample: 0
fault:
  description: Whether a fault is latched (C(fls_state) is not 0).
  returned: success
  type: bool
fw_upgrade:
  description: True right after a firmware upgrade completed.
  returned: success
  type: bool
uptime:
  description: Seconds since the device booted.
  returned: success
  type: int
temperature:
  description: Temperature reported by the device, in degrees Celsius.
  returned: success
  type: int
"""

from ansible_collections.fleetops.upgrade.plugins.module_utils._encedo_info import SPEC, EncedoInfo
from ansible_collections.fleetops.upgrade.plugins.module_utils._module import run_module


def main():
    run_module(SPEC, EncedoInfo)


if __name__ == "__main__":
    main()
