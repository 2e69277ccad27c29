# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fleetops.upgrade contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

__metaclass__ = type

DOCUMENTATION = r"""
module: gizmo_upgrade
short_description: Upgrade the firmware of a Gizmo device (the fifth device class of the tests)
version_added: 0.4.0
description:
  - Reads the firmware, installs O(version) and waits until the device runs it.
author:
  - fleetops.upgrade contributors (@fleetops)
options:
  url:
    description: Base URL of the device.
    type: str
    required: true
  token:
    description: Bearer token of the device API.
    type: str
    required: true
  version:
    description: Firmware version the device must run.
    type: str
    required: true
"""

from ansible_collections.fleetops.upgrade.plugins.module_utils._gizmo_upgrade import SPEC, GizmoUpgrade
from ansible_collections.fleetops.upgrade.plugins.module_utils._module import run_module


def main():
    run_module(SPEC, GizmoUpgrade)


if __name__ == "__main__":
    main()
