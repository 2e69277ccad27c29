# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fleetops.upgrade contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

__metaclass__ = type


class ModuleDocFragment:
    DOCUMENTATION = r"""
options:
  passphrase:
    description:
      - Passphrase of a personalised device. The module runs Encedo's eJWT flow (PBKDF2 seed, X25519, HS256)
        to get a token with the C(system:upgrade) scope, and again after a reboot.
      - Fresh (not personalised) devices need neither O(passphrase) nor O(token).
      - Mutually exclusive with O(token).
    type: str
  token:
    description:
      - A ready bearer token with the C(system:upgrade) or C(system:config) scope, for example from the mobile
        app's ExtAuth flow. Tokens die with a reboot, so a firmware upgrade is verified without one.
      - Mutually exclusive with O(passphrase).
    type: str
notes:
  - Reading the device state needs no authentication.
requirements:
  - requests
  - cryptography (for O(passphrase))
"""
