#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fleetops.upgrade contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

__metaclass__ = type

DOCUMENTATION = r"""
module: npm_info
short_description: Read the version, update images and update state of a Riverbed AppResponse appliance
version_added: 0.1.0
description:
  - Reads C(/api/common/1.0/info), C(/api/npm.system_update/2.0/images) and C(/api/npm.system_update/2.0/update)
    of a Riverbed AppResponse appliance and returns the running software version, model and serial, the update
    images with their state, and the update state with its history.
  - Sends GET requests only (plus the C(mgmt.aaa) token request when it logs in; it never asks for a refresh token).
author:
  - fleetops.upgrade contributors (@fleetops)
extends_documentation_fragment:
  - fleetops.upgrade.connection
  - fleetops.upgrade.connection.attributes
  - fleetops.upgrade.npm_auth
attributes:
  check_mode:
    support: full
    details: The module only reads.
  diff_mode:
    support: none
    details: The module changes nothing.
  action_group:
    description: Use C(group/fleetops.upgrade.npm) in C(module_defaults) to set connection and auth options once.
    support: full
    membership:
      - fleetops.upgrade.npm
"""

EXAMPLES = r"""
- name: Survey an AppResponse appliance
  fleetops.upgrade.npm_info:
    url: "https://{{ ansible_host }}"
    username: admin
    password: "{{ vault_appresponse_password }}"
  register: ar

- name: Show the version and the images
  ansible.builtin.debug:
    msg: "{{ inventory_hostname }} runs {{ ar.sw_version }}; images: {{ ar.images | map(attribute='version') | list }}"
"""

RETURN = r"""
sw_version:
  description: The running software version (release and build).
  returned: success
  type: str
  sample: "11.2.0 #13859"
model:
  description: The appliance model.
  returned: success
  type: str
  sample: VSCAN-2000
serial:
  description: The serial number.
  returned: success
  type: str
device_name:
  description: The appliance's name.
  returned: success
  type: str
hw_version:
  description: The hardware version string.
  returned: success
  type: str
images:
  description: The update images on the appliance, as the appliance describes them.
  returned: success
  type: list
  elements: dict
  contains:
    id:
      description: Image id.
      type: int
    state:
      description: V(UPLOADING), V(VALIDATING), V(UPLOAD_ERROR), V(VALID) or V(INVALID).
      type: str
    state_description:
      description: The appliance's own words about the state.
      type: str
    progress:
      description: Upload or fetch progress in percent.
      type: float
    version:
      description: Version of the image (unknown while it uploads).
      type: str
    checksum:
      description: SHA-256 of the image (unknown while a fetch runs).
      type: str
update_status:
  description: The update state (C(GET npm.system_update/2.0/update)). Named so because C(update) is a method of dictionaries in Jinja.
  returned: success
  type: dict
  contains:
    state:
      description: V(IDLE), V(INITIALIZING), V(INITIALIZED), V(RUNNING), V(FAILED_GRACEFUL) or V(FAILED_CRITICAL).
      type: str
    state_description:
      description: The appliance's own words about the state.
      type: str
    target_version:
      description: The version an initialized update installs.
      type: str
    last_state_time:
      description: Time of the last state change, Unix epoch seconds.
      type: int
    update_history:
      description: Past updates; the first element is the installation.
      type: list
      elements: dict
  sample:
    state: IDLE
    state_description: Ready
    last_state_time: 1763830000
    update_history: [{time: 1755000000, version: "11.2.0 #13859"}]
"""

from ansible_collections.fleetops.upgrade.plugins.module_utils._module import run_module
from ansible_collections.fleetops.upgrade.plugins.module_utils._npm_info import INFO_SPEC, NpmInfo


def main():
    run_module(INFO_SPEC, NpmInfo)


if __name__ == "__main__":
    main()
