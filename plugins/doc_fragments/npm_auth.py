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
      - User to get access tokens for at C(mgmt.aaa) (version 1.0, or 2.0 on releases that only serve that).
      - Access tokens live 15 minutes; when the appliance answers 401 during the task, the module gets a new one and
        goes on. A task asks for at most one refresh token, and only once a long step (upload, fetch, update) has
        outlived its first access token, so a whole upgrade does not fill the appliance's 25 refresh tokens per user.
      - Requires O(password); mutually exclusive with O(token).
    type: str
  password:
    description:
      - Password of O(username).
    type: str
  token:
    description:
      - A ready access token, sent as C(Authorization Bearer). It cannot be renewed by the module, so it must outlive
        the task (an upgrade with a reboot usually does not, so prefer O(username) and O(password)).
      - Mutually exclusive with O(username).
    type: str
requirements:
  - requests
"""
