# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fleetops.upgrade contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

__metaclass__ = type


class ModuleDocFragment:
    DOCUMENTATION = r"""
options:
  url:
    description:
      - Base URL of the device API, for example V(http://192.168.7.1) or V(https://c1.example.com:8443).
      - May carry a path prefix; requests go to O(url) followed by the API path.
    type: str
    required: true
  validate_certs:
    description:
      - Verify the device's TLS certificate. Set to V(false) only for devices with self-issued certificates
        you cannot give a CA for (see O(ca_path)).
    type: bool
    default: true
  ca_path:
    description:
      - CA bundle file (or directory of hashed certificates) to verify the device certificate with.
    type: path
  client_cert:
    description:
      - Client certificate (PEM) for mutual TLS.
    type: path
  client_key:
    description:
      - Private key (PEM) of O(client_cert), if not in the same file.
    type: path
  timeout:
    description:
      - Seconds to wait for each HTTP request (connect and read). Long operations use their own C(wait_timeout) option where they have one.
    type: int
    default: 30
"""

    ATTRIBUTES = r"""
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying the device.
    support: full
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: full
  platform:
    description: Target OS/families that can be operated against.
    support: N/A
    platforms: posix
  action:
    description: >-
      Has an action plugin: on the controller (local connection, C(delegate_to: localhost)) the task runs inside the
      Ansible worker without starting a module process; elsewhere the module runs on the target.
    support: full
"""
