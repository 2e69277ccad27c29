# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fleetops.upgrade contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""API client of the Gizmo firmware API (tests/simulators/gizmo.py): the fifth device class of the tests."""

from __future__ import annotations

__metaclass__ = type

from ansible_collections.fleetops.upgrade.plugins.module_utils._common_args import CONNECTION_ARGS, http_client_from
from ansible_collections.fleetops.upgrade.plugins.module_utils._errors import AuthenticationError

GIZMO_COMMON_ARGS = dict(CONNECTION_ARGS, token=dict(type="str", required=True, no_log=True))
FIRMWARE = "/api/v1/firmware"


class GizmoClient:
    """``firmware()`` reads what the device runs; ``install(version)`` starts an installation."""

    def __init__(self, params):
        self.http = http_client_from(params, headers={"Authorization": "Bearer %s" % params["token"]})

    def _checked(self, response):
        if response.status == 401:
            raise AuthenticationError("the device refused the token (gizmo_token)", response.method, response.url,
                                      response.status)
        return response

    def firmware(self):
        """``{"version": ..., "state": "ready" | "installing", "available": [...]}``."""
        response = self._checked(self.http.request("GET", FIRMWARE, expected=(200, 401)))
        data = response.json()
        if not isinstance(data.get("version"), str) or data.get("state") not in ("ready", "installing"):
            raise response.error("the device answered a firmware state without a version and a state")
        return data

    def install(self, version):
        self._checked(self.http.request("PUT", FIRMWARE, json_body={"version": version}, expected=(202, 401)))

    def close(self):
        self.http.close()
