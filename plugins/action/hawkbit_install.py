# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fleetops.upgrade contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

__metaclass__ = type

from ansible_collections.fleetops.upgrade.plugins.module_utils._hawkbit_install import INSTALL_SPEC, HawkbitInstall
from ansible_collections.fleetops.upgrade.plugins.plugin_utils._action import InProcessAction


class ActionModule(InProcessAction):
    MODULE = "fleetops.upgrade.hawkbit_install"
    SPEC = INSTALL_SPEC
    TASK = HawkbitInstall
