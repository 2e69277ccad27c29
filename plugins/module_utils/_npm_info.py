# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fleetops.upgrade contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Task logic of npm_info: read the version, the images and the update state (GET requests only)."""

from __future__ import annotations

__metaclass__ = type

from ._npm_common import NPM_AUTH_RULES, NPM_COMMON_ARGS, NpmRun

INFO_SPEC = dict(argument_spec=dict(NPM_COMMON_ARGS), **NPM_AUTH_RULES)


class NpmInfo(NpmRun):
    """One run of npm_info."""

    def run(self):
        with self.step("read"):
            info = self.client.info()
            images = self.client.images()
            update = self.client.update()
        return dict(
            changed=False, sw_version=info.get("sw_version"), model=info.get("model"), serial=info.get("serial"),
            device_name=info.get("device_name"), hw_version=info.get("hw_version"), images=images,
            update_status=update,
        )
