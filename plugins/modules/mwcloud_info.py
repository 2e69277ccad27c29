#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fleetops.upgrade contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

__metaclass__ = type

DOCUMENTATION = r"""
module: mwcloud_info
short_description: Firmware catalogue and devices of a Magewell Control Cloud
version_added: 0.1.0
description:
  - Reads the firmware catalogue of a Magewell Control Cloud (C(get-all-firmwares)) and the devices it manages
    (C(get-devs)), with optional filters.
  - Logs in with O(username) and O(password), and logs out when done. Sends only read requests.
author:
  - fleetops.upgrade contributors (@fleetops)
extends_documentation_fragment:
  - fleetops.upgrade.connection
  - fleetops.upgrade.connection.attributes
  - fleetops.upgrade.mwcloud_auth
attributes:
  check_mode:
    support: full
    details: The module only reads; it behaves the same in check mode.
  diff_mode:
    support: none
options:
  gather:
    description:
      - What to read.
    type: list
    elements: str
    choices: [firmwares, devices]
    default: [firmwares, devices]
  serial_numbers:
    description:
      - Return only these devices. Serial numbers the cloud does not know are listed in RV(serial_numbers_not_found).
    type: list
    elements: str
  family:
    description:
      - Only this product family (the cloud's C(module) / C(dev-type) number) for devices and firmware.
    type: int
  product_id:
    description:
      - Only this product model id (for example V(770)).
    type: int
  hardware_version:
    description:
      - Only this hardware version (for example V(A)).
    type: str
"""

EXAMPLES = r"""
- name: Read the catalogue and the devices
  fleetops.upgrade.mwcloud_info:
    url: https://cloud.example.com
    username: Admin
    password: "{{ vault_mwcloud_password }}"
  delegate_to: localhost
  register: cloud

- name: Firmware available for Pro Convert HDMI 4K Plus, hardware A
  fleetops.upgrade.mwcloud_info:
    url: https://cloud.example.com
    username: viewer
    password: "{{ vault_mwcloud_viewer_password }}"
    gather: [firmwares]
    product_id: 770
    hardware_version: A
  delegate_to: localhost
  register: catalogue

- name: Devices still on an old version
  ansible.builtin.debug:
    msg: "{{ cloud.devices | rejectattr('firmware_version', 'equalto', '1.6.201') | map(attribute='serial') }}"
"""

RETURN = r"""
firmwares:
  description: Catalogue entries, sorted by product, hardware version and version.
  returned: when O(gather) contains V(firmwares)
  type: list
  elements: dict
  contains:
    id:
      description: Catalogue index; this is what an upgrade is started with (O(fleetops.upgrade.mwcloud_upgrade#module:firmware_id)).
      type: int
      sample: 21
    product_id:
      description: Product model id.
      type: int
      sample: 770
    hardware_version:
      description: Hardware version the firmware is for.
      type: str
      sample: A
    version:
      description: Version string built from the entry's major, minor and build numbers.
      type: str
      sample: 1.5.178
    build_type:
      description: The entry's own C(firmware-id) field, a build type (1 = test build).
      type: int
      sample: 0
    upload_date:
      description: Upload time, seconds since the epoch.
      type: int
      sample: 1635151650
    file_path:
      description: Path of the firmware file on the cloud.
      type: str
      sample: /data/firmware/firmware-770-1-A-1.5.178.mwf
devices:
  description: Devices, sorted by serial number.
  returned: when O(gather) contains V(devices)
  type: list
  elements: dict
  contains:
    serial:
      description: Serial number.
      type: str
      sample: A302190930002
    name:
      description: Device name.
      type: str
    family:
      description: Product family number (C(module)).
      type: int
      sample: 1
    product_id:
      description: Product model id.
      type: int
      sample: 770
    product:
      description: Product model name.
      type: str
      sample: Pro Convert HDMI 4K Plus
    hardware_version:
      description: Hardware version.
      type: str
      sample: A
    firmware_version:
      description: Firmware version the device reports; null when it reports none.
      type: str
      sample: 1.5.178
    online:
      description: Whether the device is online.
      type: bool
    group_id:
      description: Cloud group of the device.
      type: int
    transferring:
      description: Whether a firmware transfer to the device is in progress.
      type: bool
    transfer_progress:
      description: Percent of the firmware transferred while RV(devices[].transferring); null otherwise.
      type: int
serial_numbers_not_found:
  description: Serial numbers from O(serial_numbers) the cloud does not list.
  returned: when O(serial_numbers) is set
  type: list
  elements: str
"""

from ansible_collections.fleetops.upgrade.plugins.module_utils._module import run_module
from ansible_collections.fleetops.upgrade.plugins.module_utils._mwcloud_info import SPEC, MwCloudInfo


def main():
    run_module(SPEC, MwCloudInfo)


if __name__ == "__main__":
    main()
