# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fleetops.upgrade contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The upgrade of one device as the module calls its role makes, and when it makes them.

Used by ``fleet_device`` (the one task of the encedo, appresponse and magewell roles, on any connection; the
hawkbit_target role's task runs ``_hawkbit_cycle`` itself, with a runner per side) and by the fleet rollout's
controller-side batches (``fleet_batch``: many devices in threads of one worker). The arguments of every call come from the role's
task (``roles/<role>/tasks/main.yml``), never from here. The API classes are a list of steps; a hawkBit target is
one DDI cycle (``_hawkbit_cycle``), whose calls depend on what the server answers.
"""

from __future__ import annotations

__metaclass__ = type

import json
import threading
import time

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.parsing.convert_bool import boolean

from ansible_collections.fleetops.upgrade.plugins.module_utils._encedo_upgrade import SPEC as ENCEDO_UPGRADE_SPEC
from ansible_collections.fleetops.upgrade.plugins.module_utils._encedo_upgrade import EncedoUpgrade
from ansible_collections.fleetops.upgrade.plugins.module_utils._hawkbit_artifact import ARTIFACT_SPEC, HawkbitArtifact
from ansible_collections.fleetops.upgrade.plugins.module_utils._hawkbit_config_data import CONFIG_DATA_SPEC, HawkbitConfigData
from ansible_collections.fleetops.upgrade.plugins.module_utils._hawkbit_confirmation import CONFIRMATION_SPEC, HawkbitConfirmation
from ansible_collections.fleetops.upgrade.plugins.module_utils._hawkbit_feedback import FEEDBACK_SPEC, HawkbitFeedback
from ansible_collections.fleetops.upgrade.plugins.module_utils._hawkbit_install import INSTALL_SPEC, HawkbitInstall
from ansible_collections.fleetops.upgrade.plugins.module_utils._hawkbit_poll import POLL_SPEC, HawkbitPoll
from ansible_collections.fleetops.upgrade.plugins.module_utils._mwcloud_upgrade import SPEC as MWCLOUD_UPGRADE_SPEC
from ansible_collections.fleetops.upgrade.plugins.module_utils._mwcloud_upgrade import MwCloudUpgrade, device_result
from ansible_collections.fleetops.upgrade.plugins.module_utils._npm_image import IMAGE_SPEC, NpmImage
from ansible_collections.fleetops.upgrade.plugins.module_utils._npm_update import UPDATE_SPEC, NpmUpdate
from ansible_collections.fleetops.upgrade.plugins.plugin_utils._action import run_in_process
from ansible_collections.fleetops.upgrade.plugins.plugin_utils._hawkbit_cycle import CycleArgumentsError, hawkbit_cycle
from ansible_collections.fleetops.upgrade.plugins.plugin_utils._hawkbit_cycle import needs_own_connection as hawkbit_needs_own_connection

COLLECTION = "fleetops.upgrade"

# module -> (argument spec, task logic), for running a step inside the controller's worker
MODULES = {
    "encedo_upgrade": (ENCEDO_UPGRADE_SPEC, EncedoUpgrade),
    "npm_image": (IMAGE_SPEC, NpmImage),
    "npm_update": (UPDATE_SPEC, NpmUpdate),
    "mwcloud_upgrade": (MWCLOUD_UPGRADE_SPEC, MwCloudUpgrade),
    "hawkbit_poll": (POLL_SPEC, HawkbitPoll),
    "hawkbit_artifact": (ARTIFACT_SPEC, HawkbitArtifact),
    "hawkbit_config_data": (CONFIG_DATA_SPEC, HawkbitConfigData),
    "hawkbit_confirmation": (CONFIRMATION_SPEC, HawkbitConfirmation),
    "hawkbit_feedback": (FEEDBACK_SPEC, HawkbitFeedback),
    "hawkbit_install": (INSTALL_SPEC, HawkbitInstall),
}


def in_process_runner(check_mode, diff=False, environment=None):
    """``run_step(module, args, check_mode=None)``: a module's task logic in this process, as its module would run.

    ``check_mode`` of a call overrides the run's (a check on the way, like a task's ``check_mode: true``).
    """
    run_check_mode = check_mode

    def run_step(module, args, check_mode=None):
        spec, task = MODULES[module]
        return run_in_process("%s.%s" % (COLLECTION, module), spec, task, args,
                              check_mode=run_check_mode if check_mode is None else check_mode,
                              diff=diff, environment=environment)
    run_step.in_process = True
    return run_step


class SharedRuns:
    """Devices of one fleet task whose steps one module run can do together: one run for all of them.

    The controller path runs a batch's devices in threads of one worker, each device through ``run_device`` with the
    same ``run_step``. A Magewell device's one step is ``mwcloud_upgrade`` for its serial number, and the cloud takes
    many devices per session and per ``upgrade/start`` call (those of one family, product and hardware version:
    ``mwcloud_upgrade`` forms those calls itself). So the first device of a batch to reach its step waits until no
    other device with the same arguments (but the serial number) has joined for ``quiet`` seconds (``longest`` at
    most), runs the module once for all of them, and each device gets its own result cut from that one
    (``cut(result, serial, target)``). A device that runs alone gets the module's result as it is.
    """

    def __init__(self, key, cut, quiet=0.2, longest=2.0, clock=time.monotonic, sleep=time.sleep):
        self.key = key
        self.cut = cut
        self.quiet = quiet
        self.longest = longest
        self.clock = clock
        self.sleep = sleep
        self._lock = threading.Lock()
        self._open = {}

    def run(self, run_step, module, args):
        own = list(args[self.key])
        group_key = (id(run_step), json.dumps({k: v for k, v in args.items() if k != self.key}, sort_keys=True, default=str))
        with self._lock:
            group = self._open.get(group_key)
            leader = group is None
            if leader:
                group = self._open[group_key] = {"members": [], "done": threading.Event(), "result": None,
                                                 "opened": self.clock()}
            group["members"].extend(m for m in own if m not in group["members"])
            group["joined"] = self.clock()
        if leader:
            members = self._gather(group_key, group)
            try:
                group["result"] = run_step(module, dict(args, **{self.key: members}))
            except Exception as exc:  # pylint: disable=broad-except
                group["result"] = {"failed": True, "msg": "internal error in fleetops.upgrade's shared %s run: %s: %s"
                                                          % (module, type(exc).__name__, exc)}
            group["done"].set()
        else:
            group["done"].wait()
        members = group["sent"]
        if len(members) == 1:
            return group["result"]
        target = args.get("version") or "firmware id %s" % args.get("firmware_id")
        if len(own) == 1:
            return self.cut(group["result"], own[0], target)
        return group["result"]

    def _gather(self, group_key, group):
        """Close the group once no device joined for ``quiet`` seconds (or ``longest`` passed); its members."""
        while True:
            with self._lock:
                now = self.clock()
                quiet_for = now - group["joined"]
                if quiet_for >= self.quiet or now - group["opened"] >= self.longest:
                    del self._open[group_key]
                    group["sent"] = list(group["members"])
                    return group["sent"]
            self.sleep(max(0.01, self.quiet - quiet_for))


# module -> how devices of one fleet task share its run (in-process runners only: threads of one worker)
SHARED = {"mwcloud_upgrade": SharedRuns("serial_numbers", device_result)}


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
# a class whose role runs one cycle of calls decided by the answers: cycle(common, args, run_step, check_mode)
CYCLES = {"hawkbit": hawkbit_cycle}
DEVICE_CLASSES = tuple(STEPS) + tuple(CYCLES)


class StepsError(ValueError):
    """Step arguments that name no step of the class."""


def check_steps(device_class, steps):
    """Refuse a class without steps and step names the class does not have, before any request."""
    if device_class not in DEVICE_CLASSES:
        raise StepsError("fleet_device handles the classes %s, not %r" % (", ".join(DEVICE_CLASSES), device_class))
    known = ["cycle"] if device_class in CYCLES else [step.name for step in STEPS[device_class]]
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


def needs_own_connection(device_class, steps):
    """Why the device's role must run its tasks instead of this module logic in the worker, or None."""
    if device_class in CYCLES:
        try:
            return hawkbit_needs_own_connection((steps or {}).get("cycle"))
        except CycleArgumentsError as exc:
            raise StepsError(str(exc))
    return None


def run_device(device_class, common, steps, run_step, check_mode=False):
    """Run the class's steps with ``run_step(module, args) -> result``; returns ``[(step name, result)]``.

    A skipped step's result is ``{"skipped": True, "skip_reason": ...}``; a step named in a later step's
    ``after`` counts as failed when its result failed or was unreachable. A cycle class gets ``check_mode``
    (its calls depend on it) and an in-process ``run_step`` (it may override check mode per call).
    """
    check_steps(device_class, steps)
    if device_class in CYCLES:
        try:
            return CYCLES[device_class](common, (steps or {}).get("cycle"), run_step, check_mode)
        except CycleArgumentsError as exc:
            raise StepsError(str(exc))
    outcomes, results = {}, []
    for step, args in step_calls(device_class, common, steps):
        reason = step.skip_reason(args, outcomes)
        if reason:
            result = {"skipped": True, "changed": False, "skip_reason": reason}
        else:
            args = {key: value for key, value in args.items() if key != "enabled"}
            if step.module in SHARED and getattr(run_step, "in_process", False):
                result = SHARED[step.module].run(run_step, step.module, args)
            else:
                result = run_step(step.module, args)
        outcomes[step.name] = ("failed" if result.get("failed") or result.get("unreachable")
                               else "skipped" if result.get("skipped") else "ok")
        results.append((step.name, result))
    return results


def untargeted_steps(device_class, common, steps):
    """``[(step, option)]``: the steps of an API class that the run asks for (present, not disabled) but whose target
    option (the step's ``needs``: a version, a signature) is empty, so they would be skipped. A cycle class has none
    (its server says what to install)."""
    if device_class in CYCLES:
        return []
    return [(step.name, step.needs) for step, args in step_calls(device_class, common, steps)
            if args is not None and step.needs and boolean(args.get("enabled", True), strict=False)
            and (args.get(step.needs) is None or (isinstance(args.get(step.needs), str) and not args.get(step.needs).strip()))]


def argument_errors(device_class, common, steps):
    """``[(step, message)]``: what each module the device's run calls would refuse in its arguments, checked with the
    module's argument spec before any request (the steps with a target; for a cycle class, its poll's options)."""
    check_steps(device_class, steps)
    if device_class in CYCLES:
        poll = _validator("hawkbit_poll")
        calls = [("cycle", {k: v for k, v in (common or {}).items() if k in poll.argument_spec}, poll)]
    else:
        calls = [(step.name, {k: v for k, v in args.items() if k != "enabled"}, _validator(step.module))
                 for step, args in step_calls(device_class, common, steps) if step.skip_reason(args, {}) is None]
    errors = []
    for name, args, validator in calls:
        validated = validator.validate(args)
        if validated.error_messages:
            errors.append((name, validated.error_messages[0]))
    return errors


_VALIDATORS = {}


def _validator(module):
    """The module's ArgumentSpecValidator, made once per process (making one copies the spec)."""
    if module not in _VALIDATORS:
        spec = dict(MODULES[module][0])
        _VALIDATORS[module] = ArgumentSpecValidator(spec.pop("argument_spec"), **spec)
    return _VALIDATORS[module]
