# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fleetops.upgrade contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fleet run's controller path: devices the controller reaches itself, many per task, in threads.

A device whose role task would run on the controller (Encedo, AppResponse and hawkBit targets with a local
connection, Magewell's ``delegate_to: localhost``; hawkBit targets only without the user's tasks) costs the
controller one Ansible task per step of the run if it runs its role; here ``fleet_plan`` chooses them, one task
per core surveys them (``fleet_preflight``) and one task per batch (one per core for a large batch) upgrades them
(``fleet_batch``), each device in a thread of that task's worker.

A device's arguments are resolved as its role's task resolves them (``_device_classes.resolve_arguments``): its class's
role variables, each templated with the host's variables composed in Ansible's precedence: the role defaults (its
``DeviceClass.defaults``, equal to the role's ``defaults/main.yml``), then ``hostvars[host]`` (inventory, facts, extra
vars), with the play's own variables (play ``vars``, ``vars_files``, ``import_playbook`` vars) above the inventory's.
Templating happens in the task's main thread; only the device work runs in threads.
"""

from __future__ import annotations

__metaclass__ = type

import os
import time
from concurrent.futures import ThreadPoolExecutor

from ansible import constants as C
from ansible.errors import AnsibleError
from ansible.module_utils.common.text.converters import to_text
from ansible.module_utils.parsing.convert_bool import boolean
from ansible.plugins.action import ActionBase

from ansible_collections.fleetops.upgrade.plugins.plugin_utils._action import CONTROLLER_NAMES, LOCAL_TRANSPORTS, in_process_enabled
from ansible_collections.fleetops.upgrade.plugins.plugin_utils._device_classes import DEVICE_CLASSES, resolve_arguments
from ansible_collections.fleetops.upgrade.plugins.plugin_utils._device_steps import (
    StepsError, argument_errors, in_process_runner, needs_own_connection, run_device, untargeted_steps)
from ansible_collections.fleetops.upgrade.plugins.plugin_utils._fleet_config import (
    PREFIX_OF_ROLE, is_argument_error, name_variables, no_target_error, role_file_names,
    target_notes, unknown_variable_errors, variables_of_step)
from ansible_collections.fleetops.upgrade.plugins.plugin_utils._fleet_records import device_task_result as device_outcome
from ansible_collections.fleetops.upgrade.plugins.plugin_utils._fleet_spool import run_started, spool_dir

ROLES_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "roles")
# what decides where a host's tasks run, besides its class's variables
HOST_NAMES = frozenset(("inventory_hostname", "ansible_host", "ansible_connection", "ansible_become"))


def known_role_variables():
    """Every name with a role's prefix that the roles' files mention (options of every entry point, defaults,
    registered results, facts): read once per process."""
    if not _KNOWN:
        for role, prefix in PREFIX_OF_ROLE.items():
            _KNOWN.update(role_file_names(os.path.join(ROLES_DIR, role), prefix))
    return _KNOWN


_KNOWN = set()


def name_step_variables(ran, variables):
    """``[(step, result)]`` with each argument error's message naming the role variables (``variables``: the class's
    ``{(step, option): variable}``) instead of the module options."""
    named = []
    for step, result in ran:
        if isinstance(result, dict) and result.get("failed") and is_argument_error(result.get("msg")):
            result = dict(result, msg=name_variables(str(result["msg"]), variables_of_step(variables, step)))
        named.append((step, result))
    return named


def play_variables(task_vars, own_variables, names, template):
    """``{name: value}`` of ``names`` set by the play rather than the inventory (play ``vars``, ``vars_files``,
    ``import_playbook`` vars): the calling task's variables hold them above its own host's inventory values, so a name
    the task sees but its host's ``hostvars`` does not, or sees with another value (both templated: ``template``), is
    the play's. (A play variable
    that has the very value of the calling host's own inventory variable cannot be told apart: the hosts then keep
    their inventory values.)"""
    found = {}
    for name in names:
        if name not in task_vars:
            continue
        if name not in own_variables:
            found[name] = task_vars[name]
            continue
        try:
            if own_variables[name] != template(task_vars[name]):
                found[name] = task_vars[name]
        except AnsibleError:
            found[name] = task_vars[name]
    return found


def count_statuses(statuses):
    """``"3 upgraded, 1 failed"`` for ``{host: status}``; ``none`` when empty."""
    counts = {}
    for status in statuses.values():
        counts[status] = counts.get(status, 0) + 1
    return ", ".join("%d %s" % (count, status) for status, count in sorted(counts.items())) or "none"


class DeviceJob:
    """One device of the controller path: its class, resolved ``fleet_device`` arguments, or why it has none."""

    def __init__(self, host, device_class, args=None, error=None):
        self.host = host
        self.device_class = device_class
        self.args = args
        self.error = error


class ControllerFleet:
    """Resolves hosts' arguments (in the calling thread) and runs their devices (in threads).

    ``play_vars``: the play's own variables (``play_variables``), above each host's inventory variables.
    """

    def __init__(self, templar, hostvars, play_vars=None, omit=None):
        self._templar = templar
        self._hostvars = hostvars
        self._play_vars = dict(play_vars or {})
        self._omit = omit if isinstance(omit, str) else None
        self._raw = {}
        self._variables = {}
        self._jobs = {}

    def _host_vars(self, host):
        """``hostvars[host]``, read once (each read is a full variable computation)."""
        if host not in self._raw:
            self._raw[host] = self._hostvars[host]
        return self._raw[host]

    def host_variables(self, host, device_class):
        """``(variables, templar, errors)`` for resolving ``host``'s arguments: the class's defaults, under the host's
        variables that the class reads (each templated by ``hostvars``, as a template reads them), under the play's;
        ``errors``: ``{name: message}`` for those that cannot be templated."""
        key = (host, device_class.name)
        if key not in self._variables:
            self._variables[key] = self._compose_variables(host, device_class)
        return self._variables[key]

    def _compose_variables(self, host, device_class):
        host_vars = self._host_vars(host)
        variables, errors = dict(device_class.defaults), {}
        variables.update((name, value) for name, value in self._play_vars.items()
                         if name in device_class.reads and name not in HOST_NAMES)
        for name in device_class.reads | HOST_NAMES:
            if name in host_vars and (name in HOST_NAMES or name not in self._play_vars):
                try:
                    variables[name] = host_vars[name]
                except AnsibleError as exc:
                    if "Omit" in to_text(exc):  # ansible-core 2.19: "{{ x | default(omit) }}" set as a variable: not set
                        continue
                    errors[name] = to_text(exc)
        return variables, self._templar.copy_with_new_env(available_variables=variables), errors

    def device_class(self, host):
        """The host's ``DeviceClass`` (None when ``fleetops_device_class`` is unset, not a string or unknown)."""
        try:
            value = self._host_vars(host).get("fleetops_device_class")
        except AnsibleError:
            return None
        return DEVICE_CLASSES.get(value) if isinstance(value, str) else None

    def on_controller(self, host, device_class):
        """True when the host's role task would run on the controller, in-process: the controller path can take it."""
        if device_class is None or not in_process_enabled():
            return False
        variables, templar, errors = self.host_variables(host, device_class)
        if errors.keys() & HOST_NAMES:
            return False
        try:
            if device_class.delegate_to:
                return str(templar.template(variables.get(device_class.delegate_to))) in CONTROLLER_NAMES
            connection = templar.template(variables.get("ansible_connection", "ssh"))
            become = templar.template(variables.get("ansible_become", False))
        except AnsibleError:
            return False
        if str(connection) not in LOCAL_TRANSPORTS or str(become).lower() in ("true", "yes", "1"):
            return False
        return self._runs_in_worker(host, device_class)

    def split(self, hosts, classes):
        """``(controller, per_host)``: the hosts of a class named in ``classes`` that the controller path takes
        (sorted), and those that run their role (in ``hosts`` order). Hosts without such a class are in neither."""
        controller, per_host = [], []
        for host in hosts:
            device_class = self.device_class(host)
            if device_class is not None and device_class.name in classes:
                (controller if self.on_controller(host, device_class) else per_host).append(host)
        return sorted(controller), per_host

    def _runs_in_worker(self, host, device_class):
        """False when the device's own arguments say its role must run its tasks (hawkBit hooks, become, delegate)."""
        if device_class.own_connection is None:
            return True
        job = self.job(host, device_class)
        if job.error:
            return False
        try:
            return needs_own_connection(device_class, job.args.get("steps")) is None
        except StepsError:
            return False

    def job(self, host, device_class):
        """The host's ``fleet_device`` arguments, or the reason they cannot be made."""
        key = (host, device_class.name)
        if key not in self._jobs:
            variables, templar, errors = self.host_variables(host, device_class)
            args, more = resolve_arguments(device_class, variables, templar, self._omit)
            errors.update(more)
            if errors:
                self._jobs[key] = DeviceJob(host, device_class, error="the %s role's variables: %s" % (
                    device_class.role, "; ".join("%s: %s" % item for item in sorted(errors.items()))))
            else:
                self._jobs[key] = DeviceJob(host, device_class, args=args)
        return self._jobs[key]

    def configuration(self, host, device_class):
        """``(error, notes)`` for a host of a known class, before any request: ``error`` says why the run must not
        touch the device (an unknown variable with the collection's prefixes, a value a module's argument spec refuses,
        no target at all), naming the variables the user set; ``notes`` the targets that are empty (their steps are
        skipped)."""
        try:
            names = list(self._host_vars(host))
        except (AnsibleError, TypeError):
            names = []
        unknown = unknown_variable_errors(names, known_role_variables(), ("fleetops_", device_class.prefix))
        if unknown:
            return "; ".join(unknown), []
        job = self.job(host, device_class)
        if job.error:
            return job.error, []
        common, steps = job.args.get("common"), job.args.get("steps")
        variables = device_class.option_variables
        try:
            errors = argument_errors(device_class, common, steps)
        except StepsError as exc:
            return str(exc), []
        if errors:
            return "; ".join("%s: %s" % (step, name_variables(msg, variables_of_step(variables, step)))
                             for step, msg in errors), []
        untargeted = [(step, variables_of_step(variables, step).get(option, option))
                      for step, option in untargeted_steps(device_class, common, steps)]
        asked = [step.name for step in device_class.steps if step.needs and (steps or {}).get(step.name) is not None
                 and boolean((steps or {})[step.name].get("enabled", True), strict=False)]
        if untargeted and {step for step, _variable in untargeted} >= set(asked):
            return no_target_error(untargeted), []
        return None, target_notes(untargeted)

    def check(self, hosts, classes):
        """``(refused, notes)``: ``{host: why}`` for the hosts of a class named in ``classes`` whose configuration
        cannot work, and ``{host: [note]}`` for empty targets of the others (``configuration``)."""
        refused, notes = {}, {}
        for host in hosts:
            device_class = self.device_class(host)
            if device_class is None or device_class.name not in classes:
                continue
            error, host_notes = self.configuration(host, device_class)
            if error:
                refused[host] = error
            elif host_notes:
                notes[host] = host_notes
        return refused, notes

    @staticmethod
    def run(jobs, check_mode, workers, before_start=None, on_done=None):
        """``{host: fleet_device outcome}`` for ``jobs``, at most ``workers`` at once; never raises.

        ``before_start()`` is asked right before a device starts; False leaves it out (no outcome).
        ``on_done(host, outcome)`` is called in the device's thread as soon as it has finished.
        """
        runners = {name: in_process_runner(check_mode, modules=device_class.modules)
                   for name, device_class in DEVICE_CLASSES.items()}

        def run_one(job):
            if before_start is not None and not before_start():
                return job.host, None
            started = time.monotonic()
            if job.error:
                ran = [("arguments", {"failed": True, "msg": job.error, "device_state": "unchanged"})]
            else:
                try:
                    ran = name_step_variables(run_device(job.device_class, job.args.get("common"), job.args.get("steps"),
                                                         runners[job.device_class.name], check_mode), job.device_class.option_variables)
                except Exception as exc:  # pylint: disable=broad-except
                    ran = [("arguments", {"failed": True, "device_state": "unknown",
                                          "msg": "internal error in fleetops.upgrade's controller path: %s: %s"
                                                 % (type(exc).__name__, exc)})]
            outcome = device_outcome(job.device_class.name, ran, check_mode)
            outcome["seconds"] = round(time.monotonic() - started, 1)
            if on_done is not None:
                on_done(job.host, outcome)
            return job.host, outcome

        if not jobs:
            return {}
        with ThreadPoolExecutor(max_workers=max(1, min(workers, len(jobs)))) as pool:
            return dict(pool.map(run_one, jobs))


class ControllerFleetAction(ActionBase):
    """Base of the controller path's tasks (``fleet_preflight``, ``fleet_batch``): they need the run's spool
    (``fleet_plan`` starts it) and work through a ``ControllerFleet``; ``run_fleet`` returns the result's fields."""

    _supports_check_mode = True
    _VALID_ARGS = frozenset()
    MISSING_RUN = "no fleet run: fleetops.upgrade.fleet_plan starts it and must run first"

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        task_vars = task_vars or {}
        spool = spool_dir(C.DEFAULT_LOCAL_TMP)
        if not run_started(spool):
            result.update(failed=True, msg=self.MISSING_RUN)
            return result
        fleet = controller_fleet(self._templar, task_vars)
        result.update(self.run_fleet(spool, fleet, task_vars))
        return result

    def run_fleet(self, spool, fleet, task_vars):
        raise NotImplementedError

    @staticmethod
    def workers(task_vars):
        """Devices at once: the run's forks (``ansible_forks``)."""
        return int(task_vars.get("ansible_forks") or C.DEFAULT_FORKS)


def controller_fleet(templar, task_vars):
    """The ``ControllerFleet`` of a task on the controller (``templar``: the task's, ``task_vars``: its variables)."""
    hostvars = task_vars["hostvars"]
    names = set().union(*(device_class.reads for device_class in DEVICE_CLASSES.values()))
    own = hostvars[task_vars["inventory_hostname"]] if task_vars.get("inventory_hostname") in hostvars else {}
    return ControllerFleet(templar, hostvars, play_variables(task_vars, own, sorted(names), templar.template),
                           task_vars.get("omit"))
