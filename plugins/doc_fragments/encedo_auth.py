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
        to get a token with the O(scope) scope when the device needs one, and again after a firmware install
        (tokens are signed with a per-boot key, so a reboot voids them).
      - Fresh (not personalised) devices need neither O(passphrase) nor O(token).
      - Mutually exclusive with O(token).
    type: str
  token:
    description:
      - A ready bearer token with the C(system:upgrade) or C(system:config) scope, for example from the mobile
        app's ExtAuth flow. Tokens die with a reboot, so a firmware upgrade is verified without one.
      - The token is sent only to the upgrade endpoints, never with the reading requests (they need none, and a
        device refuses every request that carries a token of an earlier boot).
      - Mutually exclusive with O(passphrase).
    type: str
  scope:
    description:
      - The scope the passphrase flow asks for. Encedo documents V(system:upgrade) for the upgrade endpoints and
        V(system:config) as the alternative that they accept as well; use V(system:config) when the passphrase's
        key may not get V(system:upgrade) tokens.
      - Only used with O(passphrase).
    type: str
    choices: [system:upgrade, system:config]
    default: system:upgrade
notes:
  - Reading the device state needs no authentication.
requirements:
  - requests
  - cryptography (for O(passphrase))
"""
