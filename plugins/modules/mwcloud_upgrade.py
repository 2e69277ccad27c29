#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fleetops.upgrade contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

__metaclass__ = type

DOCUMENTATION = r"""
module: mwcloud_upgrade
short_description: Upgrade the firmware of Magewell devices through Magewell Control Cloud
version_added: 0.1.0
description:
  - Upgrades the devices named by O(serial_numbers) to a firmware O(version) (or catalogue entry O(firmware_id))
    with the cloud's batch C(start-upgrade) call.
  - For each device it finds the catalogue entry for the device's product model and hardware version; a version
    with no entry for a device fails that device, listing the versions the catalogue has for it.
  - Devices are started in batches that share product family, product model and hardware version, as the cloud
    requires, of at most O(batch_size) devices each.
  - A device the cloud reports as already upgrading (result 1, "repeat operation") is followed like one this task started.
  - With O(wait), follows every device through the firmware transfer, the offline time while it flashes and its return,
    until it reports the target version or O(wait_timeout) passes.
  - A device that is offline when the task starts may still be flashing an upgrade started earlier (the cloud shows
    nothing else while a device flashes). With O(wait) the module waits for it. Back at the target it is
    V(upgraded); back below the target it is started then; still offline after O(wait_timeout) it is V(timeout).
    Without O(wait) it fails, because the cloud can only upgrade online devices.
  - An answer that is not the cloud API's JSON (a proxy, a wrong O(url)) or lacks the documented keys fails with a
    message naming the endpoint.
  - Idempotent; a device is already there when it reports the target version. When all devices are, the module
    sends no mutating request and reports C(changed=false).
  - Logs in with O(username) and O(password) once for the whole task and logs out when done.
author:
  - fleetops.upgrade contributors (@fleetops)
extends_documentation_fragment:
  - fleetops.upgrade.connection
  - fleetops.upgrade.connection.attributes
  - fleetops.upgrade.mwcloud_auth
attributes:
  check_mode:
    support: full
    details:
      - Only reads (the login, which proves O(username) and O(password), the device list, the catalogue, the logout);
        RV(batches) are the calls it would make and RV(devices[].status) is V(would upgrade).
  diff_mode:
    support: full
    details: Before and after firmware version of each device that changes (or would).
options:
  serial_numbers:
    description:
      - Serial numbers of the devices to upgrade. Devices the cloud does not list fail with their own entry in RV(devices).
    type: list
    elements: str
    required: true
  version:
    description:
      - Target firmware version, for example V(1.6.201), looked up in the catalogue per product model and hardware version.
      - Exactly one of O(version) and O(firmware_id) is required.
    type: str
  firmware_id:
    description:
      - Catalogue entry (C(id) from M(fleetops.upgrade.mwcloud_info)) to install. It must fit every device's product
        model and hardware version.
    type: int
  force:
    description:
      - Start the upgrade also on devices that already report the target version, and on devices that report no
        firmware version (without O(force) those fail, because the module cannot tell whether they need it).
    type: bool
    default: false
  batch_size:
    description:
      - Most devices per C(start-upgrade) call.
    type: int
    default: 50
  wait:
    description:
      - Wait until every started device is back online at the target version, and wait for devices that are offline
        when the task starts (see the description).
    type: bool
    default: true
  wait_timeout:
    description:
      - Seconds to wait for all devices together. Devices not done by then fail with status V(timeout) and the last state seen.
    type: int
    default: 900
  poll_interval:
    description:
      - Seconds between two reads of the device list while waiting (one C(get-devs) call per poll for all devices).
    type: float
    default: 10.0
seealso:
  - module: fleetops.upgrade.mwcloud_info
  - plugin: fleetops.upgrade.mwcloud
    plugin_type: inventory
"""

EXAMPLES = r"""
- name: Upgrade two encoders to 1.6.201 and wait for them
  fleetops.upgrade.mwcloud_upgrade:
    url: https://cloud.example.com
    username: Admin
    password: "{{ vault_mwcloud_password }}"
    serial_numbers: [A302190930001, A302190930002]
    version: 1.6.201
    wait_timeout: 1200
  delegate_to: localhost

- name: What would be started (no change)
  fleetops.upgrade.mwcloud_upgrade:
    url: https://cloud.example.com
    username: Admin
    password: "{{ vault_mwcloud_password }}"
    serial_numbers: "{{ groups['mwcloud_product_770'] | map('extract', hostvars, 'mwcloud_serial') }}"
    version: 1.6.201
  check_mode: true
  delegate_to: localhost
  register: plan

- name: Start only, do not wait
  fleetops.upgrade.mwcloud_upgrade:
    url: https://cloud.example.com
    username: Admin
    password: "{{ vault_mwcloud_password }}"
    serial_numbers: [A302190930001]
    firmware_id: 22
    wait: false
  delegate_to: localhost
"""

RETURN = r"""
devices:
  description: One entry per serial number, in the order given (also when the task fails).
  returned: always
  type: list
  elements: dict
  contains:
    serial:
      description: Serial number.
      type: str
      sample: A302190930001
    from:
      description: Firmware version before the task; null if unknown.
      type: str
      sample: 1.5.178
    to:
      description: Target version; null when no catalogue entry was found.
      type: str
      sample: 1.6.201
    firmware_id:
      description: Catalogue entry used; null when none was found.
      type: int
      sample: 22
    status:
      description:
        - V(current) (already at the version), V(would upgrade) (check mode), V(started) or V(in progress)
          (without O(wait)), V(upgraded), V(failed) or V(timeout).
      type: str
      sample: upgraded
    msg:
      description: What happened to this device, in words.
      type: str
      sample: upgraded from 1.5.178 to 1.6.201
    device_state:
      description: What the device was left with as far as the cloud shows it.
      type: str
      sample: online at 1.6.201
    seconds:
      description: Seconds from the start of the wait until the device reported the new version.
      type: float
      returned: when RV(devices[].status) is V(upgraded)
batches:
  description: The C(start-upgrade) calls made (or, in check mode, that would be made).
  returned: always
  type: list
  elements: dict
  contains:
    family:
      description: Product family shared by the batch.
      type: int
    product_id:
      description: Product model shared by the batch.
      type: int
    hardware_version:
      description: Hardware version shared by the batch.
      type: str
    firmware_id:
      description: Catalogue entry the batch installs.
      type: int
    serial_numbers:
      description: Devices of the batch.
      type: list
      elements: str
    result:
      description: The cloud's result code for the call (0 = accepted).
      type: int
      returned: when the call was made
component:
  description: V(firmware), for the fleet report.
  returned: when O(serial_numbers) names exactly one device
  type: str
  sample: firmware
previous_version:
  description: The device's firmware version before the task (null if not listed or not reported).
  returned: when O(serial_numbers) names exactly one device
  type: str
  sample: 1.5.178
version:
  description:
    - The version the device runs at the end (in check mode or without O(wait), the version it is being upgraded to).
    - On failure, the version the cloud last reported for it (null if none).
  returned: when O(serial_numbers) names exactly one device
  type: str
  sample: 1.6.201
device_state:
  description: The device's RV(devices[].device_state); on failure it also ends the message.
  returned: when O(serial_numbers) names exactly one device
  type: str
  sample: online at 1.6.201
durations:
  description: Seconds spent per step (login, read, start, wait).
  returned: always
  type: dict
  sample: {login: 0.1, read: 0.2, start: 0.1, wait: 95.3}
waited:
  description: Seconds spent waiting for the devices.
  returned: when O(wait) and some device was started
  type: float
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
from ansible_collections.fleetops.upgrade.plugins.module_utils._mwcloud_upgrade import SPEC, MwCloudUpgrade


def main():
    run_module(SPEC, MwCloudUpgrade)


if __name__ == "__main__":
    main()
