# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fleetops.upgrade contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

__metaclass__ = type

from ansible.errors import AnsibleFilterError

from ansible_collections.fleetops.upgrade.plugins.plugin_utils._device_classes import UnknownClassError, device_class as class_named
from ansible_collections.fleetops.upgrade.plugins.plugin_utils._fleet_schedule import budget_open, rollout_play


def fleet_budget_open(spool):
    """True while the fleet run's error budget allows starting another device."""
    try:
        return budget_open(spool)
    except (OSError, ValueError, KeyError) as exc:
        raise AnsibleFilterError("fleet_budget_open: cannot read the fleet run's state in %s: %s" % (spool, exc)) from None


def fleet_rollout(spool):
    """The rollout play's ``hosts`` and ``serial`` for the fleet run whose state is in ``spool``."""
    try:
        return rollout_play(spool)
    except (OSError, ValueError, KeyError) as exc:
        raise AnsibleFilterError("fleet_rollout: cannot read the fleet run's state in %s: %s" % (spool, exc)) from None


_REQUIRED = object()


def fleet_role(device_class, default=_REQUIRED):
    """The role (short name) that upgrades devices of ``device_class``; ``default`` for an unknown class if given."""
    try:
        return class_named(device_class).role
    except UnknownClassError as exc:
        if default is not _REQUIRED:
            return default
        raise AnsibleFilterError("fleet_role: %s" % exc) from None


class FilterModule:
    def filters(self):
        return {"fleet_budget_open": fleet_budget_open, "fleet_role": fleet_role, "fleet_rollout": fleet_rollout}
