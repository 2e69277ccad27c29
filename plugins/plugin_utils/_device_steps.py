# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fleetops.upgrade contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The upgrade of one device of an API class as the module calls its role makes, and when it makes them.

Used by ``fleet_device`` (the one task of the encedo, appresponse and magewell roles, on any connection) and by
the fleet rollout's controller-side batches (``fleet_batch``: many devices in threads of one worker). The
arguments of every call come from the role's task (``roles/<role>/tasks/main.yml``), never from here.
"""

from __future__ import annotations

__metaclass__ = type

from ansible.module_utils.parsing.convert_bool import boolean

from ansible_collections.fleetops.upgrade.plugins.module_utils._encedo_upgrade import SPEC as ENCEDO_UPGRADE_SPEC
from ansible_collections.fleetops.upgrade.plugins.module_utils._encedo_upgrade import EncedoUpgrade
from ansible_collections.fleetops.upgrade.plugins.module_utils._mwcloud_upgrade import SPEC as MWCLOUD_UPGRADE_SPEC
from ansible_collections.fleetops.upgrade.plugins.module_utils._mwcloud_upgrade import MwCloudUpgrade
from ansible_collections.fleetops.upgrade.plugins.module_utils._npm_image import IMAGE_SPEC, NpmImage
from ansible_collections.fleetops.upgrade.plugins.module_utils._npm_update import UPDATE_SPEC, NpmUpdate

COLLECTION = "fleetops.upgrade"

# module -> (argument spec, task logic), for running a step inside the controller's worker
MODULES = {
    "encedo_upgrade": (ENCEDO_UPGRADE_SPEC, EncedoUpgrade),
    "npm_image": (IMAGE_SPEC, NpmImage),
    "npm_update": (UPDATE_SPEC, NpmUpdate),
    "mwcloud_upgrade": (MWCLOUD_UPGRADE_SPEC, MwCloudUpgrade),
}


class Step:
    """One module call: skipped when its arguments are absent, ``enabled`` is false, the option ``needs`` is
    empty, or a step named in ``after`` did not succeed."""

    def __init__(self, name, module, needs=None, after=(), fixed=None):
        self.name = name
        self.module = module
        self.needs = needs
        self.after = after
        self.fixed = fixed or {}

    def skip_reason(self, args, outcomes):
        if args is None:
            return "not part of this run"
        if not boolean(args.get("enabled", True), strict=False):
            return "disabled"
        if self.needs and args.get(self.needs) in (None, ""):
            return "no %s given" % self.needs
        for earlier in self.after:
            if outcomes.get(earlier) == "failed":
                return "%s failed" % earlier
        return None


STEPS = {
    "encedo": (
        Step("firmware", "encedo_upgrade", needs="version", fixed={"component": "firmware"}),
        Step("ui", "encedo_upgrade", needs="uis", after=("firmware",), fixed={"component": "ui"}),
    ),
    "appresponse": (
        Step("image", "npm_image", needs="version"),
        Step("update", "npm_update", needs="version", after=("image",)),
        Step("delete", "npm_image", needs="version", after=("image", "update"), fixed={"state": "absent"}),
    ),
    "magewell": (
        Step("upgrade", "mwcloud_upgrade", needs="version"),
    ),
}
DEVICE_CLASSES = tuple(STEPS)


class StepsError(ValueError):
    """Step arguments that name no step of the class."""


def check_steps(device_class, steps):
    """Refuse a class without steps and step names the class does not have, before any request."""
    if device_class not in STEPS:
        raise StepsError("fleet_device handles the classes %s, not %r" % (", ".join(STEPS), device_class))
    known = [step.name for step in STEPS[device_class]]
    unknown = sorted(set(steps or {}) - set(known))
    if unknown:
        raise StepsError("%s devices have the steps %s; unknown: %s" % (device_class, ", ".join(known), ", ".join(unknown)))


def step_calls(device_class, common, steps):
    """``[(step, module arguments)]`` in order, arguments None for a step the run does not ask for."""
    calls = []
    for step in STEPS[device_class]:
        args = (steps or {}).get(step.name)
        if args is not None:
            args = dict(common or {}, **args)
            args.update(step.fixed)
        calls.append((step, args))
    return calls


def run_device(device_class, common, steps, run_step):
    """Run the class's steps with ``run_step(module, args) -> result``; returns ``[(step name, result)]``.

    A skipped step's result is ``{"skipped": True, "skip_reason": ...}``; a step named in a later step's
    ``after`` counts as failed when its result failed or was unreachable.
    """
    check_steps(device_class, steps)
    outcomes, results = {}, []
    for step, args in step_calls(device_class, common, steps):
        reason = step.skip_reason(args, outcomes)
        if reason:
            result = {"skipped": True, "changed": False, "skip_reason": reason}
        else:
            args = {key: value for key, value in args.items() if key != "enabled"}
            result = run_step(step.module, args)
        outcomes[step.name] = ("failed" if result.get("failed") or result.get("unreachable")
                               else "skipped" if result.get("skipped") else "ok")
        results.append((step.name, result))
    return results
