# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fleetops.upgrade contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Task logic of encedo_info: read the version and status documents, describe the device."""

from __future__ import annotations

__metaclass__ = type

from ._encedo import ENCEDO_COMMON_ARGS, ENCEDO_MUTUALLY_EXCLUSIVE, client_from, read_device
from ._task import TaskRun

SPEC = dict(
    argument_spec=dict(ENCEDO_COMMON_ARGS),
    mutually_exclusive=ENCEDO_MUTUALLY_EXCLUSIVE,
)


class EncedoInfo(TaskRun):
    """Read-only: the same requests in check mode."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.client = client_from(self.params)

    def run(self):
        with self.step("read"):
            device = read_device(self.client)
        return dict(changed=False, **device)

    def close(self):
        self.client.close()
