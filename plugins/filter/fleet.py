# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fleetops.upgrade contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

__metaclass__ = type

from ansible.errors import AnsibleFilterError

from ansible_collections.fleetops.upgrade.plugins.plugin_utils._fleet_report import ROLE_OF_CLASS, budget_open


def fleet_budget_open(spool):
    """True while the fleet run's error budget allows starting another device."""
    try:
        return budget_open(spool)
    except (OSError, ValueError, KeyError) as exc:
        raise AnsibleFilterError("fleet_budget_open: cannot read the fleet run's state in %s: %s" % (spool, exc)) from None


def fleet_role(device_class):
    """The role (short name) that upgrades devices of ``device_class``."""
    try:
        return ROLE_OF_CLASS[device_class]
    except (KeyError, TypeError):
        raise AnsibleFilterError("fleet_role: unknown device class %r; known: %s"
                                 % (device_class, ", ".join(ROLE_OF_CLASS))) from None


class FilterModule:
    def filters(self):
        return {"fleet_budget_open": fleet_budget_open, "fleet_role": fleet_role}
