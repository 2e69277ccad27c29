# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fleetops.upgrade contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

__metaclass__ = type


class ModuleDocFragment:
    DOCUMENTATION = r"""
options:
  username:
    description:
      - User name of a Magewell Control Cloud account (the login form's C(id) field).
      - Reading works for any account; starting upgrades needs an administrator.
    type: str
    required: true
  password:
    description:
      - Password of O(username). The module sends only its MD5 digest, as the cloud's login expects,
        and logs out when the task is done.
    type: str
    required: true
notes:
  - O(url) is the cloud's base URL without C(/sc_cloud), for example V(https://cloud.example.com).
  - A session that expires during a long task is renewed once with the same credentials.
"""
