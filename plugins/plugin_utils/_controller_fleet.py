# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fleetops.upgrade contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fleet run's controller path: devices the controller reaches itself, many per task, in threads.

A device whose role task would run on the controller (Encedo, AppResponse and hawkBit targets with a local
connection, Magewell's ``delegate_to: localhost``; hawkBit targets only without the user's tasks) costs the
controller one Ansible task per step of the run if it runs its role; here ``fleet_plan`` chooses them, one task
per core surveys them (``fleet_preflight``) and one task per batch (one per core for a large batch) upgrades them
(``fleet_batch``), each device in a thread of that task's worker.

The role stays the definition of what runs: its ``defaults/main.yml``, the ``main`` argument spec of its
``meta/argument_specs.yml`` and the arguments of the one ``fleet_device`` task in its ``tasks/main.yml`` (with what
they take from its ``vars/main.yml``) are read
from the role's files and templated with each host's variables (``hostvars[host]``, as a template reads them),
below them in precedence as Ansible puts role defaults. Templating happens in the task's main thread; only the
device work runs in threads.
"""

from __future__ import annotations

__metaclass__ = type

import inspect
import os
import re
import time
from concurrent.futures import ThreadPoolExecutor

from jinja2 import Environment, meta

from ansible import constants as C
from ansible.errors import AnsibleError
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.common.text.converters import to_text
from ansible.module_utils.parsing.convert_bool import boolean
from ansible.plugins.action import ActionBase

from ansible_collections.fleetops.upgrade.plugins.plugin_utils._action import CONTROLLER_NAMES, LOCAL_TRANSPORTS, in_process_enabled
from ansible_collections.fleetops.upgrade.plugins.plugin_utils._classes import ROLE_OF_CLASS
from ansible_collections.fleetops.upgrade.plugins.plugin_utils._device_steps import (
    COLLECTION, CYCLES, DEVICE_CLASSES, STEPS, StepsError, argument_errors, in_process_runner, needs_own_connection,
    run_device, untargeted_steps)
from ansible_collections.fleetops.upgrade.plugins.plugin_utils._fleet_config import (
    PREFIX_OF_ROLE, is_argument_error, name_variables, no_target_error, option_variables, role_file_names,
    target_notes, unknown_variable_errors, variables_of_step)
from ansible_collections.fleetops.upgrade.plugins.plugin_utils._fleet_report import device_outcome, run_started, spool_dir

ROLES_DIR = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "roles")
DEVICE_TASK = "%s.fleet_device" % COLLECTION


class RoleDefinition:
    """What the role of a device class runs: its defaults, its argument spec and its ``fleet_device`` task."""

    def __init__(self, loader, device_class):
        role = os.path.join(ROLES_DIR, ROLE_OF_CLASS[device_class])
        self.device_class = device_class
        self.defaults = load_trusted(loader, os.path.join(role, "defaults", "main.yml")) or {}
        self.options = load_trusted(loader, os.path.join(role, "meta", "argument_specs.yml"))["argument_specs"]["main"]["options"]
        tasks = [t for t in load_trusted(loader, os.path.join(role, "tasks", "main.yml")) if DEVICE_TASK in t]
        if len(tasks) != 1:
            raise AnsibleError("the %s role must have exactly one %s task, found %d" % (device_class, DEVICE_TASK, len(tasks)))
        role_vars_file = os.path.join(role, "vars", "main.yml")
        role_vars = load_trusted(loader, role_vars_file) if os.path.exists(role_vars_file) else None
        self.args = inline_role_vars(tasks[0][DEVICE_TASK], role_vars or {})
        self.delegate_to = tasks[0].get("delegate_to")
        self.names = frozenset(self.options) | HOST_NAMES | referenced_names([self.defaults, self.args, self.delegate_to])
        self.validator = ArgumentSpecValidator(self.options)  # made once: it copies the spec
        self.prefix = PREFIX_OF_ROLE[ROLE_OF_CLASS[device_class]]
        # {(step, module option): role variable}: error messages name the variable the user set
        self.option_variables = option_variables(self.args)


def known_role_variables():
    """Every name with a role's prefix that the roles' files mention (options of every entry point, defaults,
    registered results, facts): read once per process."""
    if not _KNOWN:
        for role, prefix in PREFIX_OF_ROLE.items():
            _KNOWN.update(role_file_names(os.path.join(ROLES_DIR, role), prefix))
    return _KNOWN


_KNOWN = set()


def name_step_variables(ran, variables):
    """``[(step, result)]`` with each argument error's message naming the role variables (``variables``: the role's
    ``{(step, option): variable}``) instead of the module options."""
    named = []
    for step, result in ran:
        if isinstance(result, dict) and result.get("failed") and is_argument_error(result.get("msg")):
            result = dict(result, msg=name_variables(str(result["msg"]), variables_of_step(variables, step)))
        named.append((step, result))
    return named


def inline_role_vars(data, role_vars):
    """``data`` with each ``{{ name }}`` of a variable of the role's ``vars/main.yml`` replaced by its value (a role
    keeps the arguments its tasks share there, such as hawkbit_target's cycle arguments): the arguments as written."""
    if isinstance(data, dict):
        return {key: inline_role_vars(value, role_vars) for key, value in data.items()}
    if isinstance(data, list):
        return [inline_role_vars(value, role_vars) for value in data]
    match = _VARIABLE.match(data) if isinstance(data, str) else None
    if match and match.group(1) in role_vars:
        return inline_role_vars(role_vars[match.group(1)], role_vars)
    return data


HOST_NAMES = frozenset(("inventory_hostname", "ansible_host", "ansible_connection", "ansible_become"))


def referenced_names(data):
    """The variable names the templates in ``data`` read (role files: read once per role)."""
    names = set()
    if isinstance(data, dict):
        for value in data.values():
            names |= referenced_names(value)
    elif isinstance(data, list):
        for value in data:
            names |= referenced_names(value)
    elif isinstance(data, str) and ("{{" in data or "{%" in data):
        names |= meta.find_undeclared_variables(_JINJA.parse(data))
    return names


_JINJA = Environment()


def load_trusted(loader, path):
    """A YAML file of this collection, its strings templates as in a role (ansible-core 2.19 asks for trust)."""
    if "trusted_as_template" in inspect.signature(loader.load_from_file).parameters:
        return loader.load_from_file(path, trusted_as_template=True)
    return loader.load_from_file(path)


_VARIABLE = re.compile(r"^\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}$")
_VARIABLE_OR_OMIT = re.compile(r"^\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\|\s*default\(\s*omit\s*\)\s*\}\}$")
_OMITTED = object()


def template_args(templar, variables, data):
    """``templar.template(data)`` for a role task's arguments, without compiling a Jinja template per host for the
    two forms a role's task arguments are made of: ``{{ name }}`` is the value of ``name`` (templated), and
    ``{{ name | default(omit) }}`` that value or no argument. Anything else goes through the templar."""
    if isinstance(data, dict):
        templated = ((key, template_args(templar, variables, value)) for key, value in data.items())
        return {key: value for key, value in templated if value is not _OMITTED}
    if isinstance(data, list):
        return [value for value in (template_args(templar, variables, item) for item in data) if value is not _OMITTED]
    if isinstance(data, str):
        match = _VARIABLE.match(data)
        if match and match.group(1) in variables:
            return templar.template(variables[match.group(1)])
        match = _VARIABLE_OR_OMIT.match(data)
        if match:
            return templar.template(variables[match.group(1)]) if match.group(1) in variables else _OMITTED
    return templar.template(data)


def strip_omit(data, omit):
    """Drop values templated to ``omit`` (ansible-core 2.19 drops them itself; 2.16 leaves its placeholder)."""
    if isinstance(data, dict):
        return {key: strip_omit(value, omit) for key, value in data.items() if not (omit and value == omit)}
    if isinstance(data, list):
        return [strip_omit(value, omit) for value in data if not (omit and value == omit)]
    return data


def count_statuses(statuses):
    """``"3 upgraded, 1 failed"`` for ``{host: status}``; ``none`` when empty."""
    counts = {}
    for status in statuses.values():
        counts[status] = counts.get(status, 0) + 1
    return ", ".join("%d %s" % (count, status) for status, count in sorted(counts.items())) or "none"


class DeviceJob:
    """One device of the controller path: its class, templated ``fleet_device`` arguments, or why it has none."""

    def __init__(self, host, device_class, args=None, error=None, variables=None):
        self.host = host
        self.device_class = device_class
        self.args = args
        self.error = error
        self.variables = variables or {}


class ControllerFleet:
    """Resolves hosts' role variables (in the calling thread) and runs their devices (in threads)."""

    def __init__(self, loader, templar, hostvars, omit=None):
        self._loader = loader
        self._templar = templar
        self._hostvars = hostvars
        self._omit = omit if isinstance(omit, str) else None
        self._roles = {}
        self._raw = {}
        self._jobs = {}

    def role(self, device_class):
        if device_class not in self._roles:
            self._roles[device_class] = RoleDefinition(self._loader, device_class)
        return self._roles[device_class]

    def _templar_for(self, variables):
        return self._templar.copy_with_new_env(available_variables=variables)

    def _host_vars(self, host):
        """``hostvars[host]``, read once (each read is a full variable computation)."""
        if host not in self._raw:
            self._raw[host] = self._hostvars[host]
        return self._raw[host]

    def host_variables(self, host, device_class):
        """``(variables, templar, errors)`` for templating the role's arguments for ``host``: the role's defaults under
        the host's variables that the role reads (each templated by ``hostvars``, as a template reads them), and
        ``{name: message}`` for those that cannot be templated."""
        role = self.role(device_class)
        host_vars = self._host_vars(host)
        variables, errors = dict(role.defaults), {}
        for name in role.names:
            if name in host_vars:
                try:
                    variables[name] = host_vars[name]
                except AnsibleError as exc:
                    if "Omit" in to_text(exc):  # ansible-core 2.19: "{{ x | default(omit) }}" set as a variable: not set
                        continue
                    errors[name] = to_text(exc)
        return variables, self._templar_for(variables), errors

    def device_class(self, host):
        """The host's templated ``fleetops_device_class`` (None when unset or not a string)."""
        try:
            value = self._host_vars(host).get("fleetops_device_class")
        except AnsibleError:
            return None
        return value if isinstance(value, str) else None

    def on_controller(self, host, device_class):
        """True when the host's role task would run on the controller, in-process: the controller path can take it."""
        if device_class not in DEVICE_CLASSES or not in_process_enabled():
            return False
        variables, templar, errors = self.host_variables(host, device_class)
        if errors.keys() & HOST_NAMES:
            return False
        try:
            delegate_to = templar.template(self.role(device_class).delegate_to)
            if delegate_to:
                return str(delegate_to) in CONTROLLER_NAMES
            connection = templar.template(variables.get("ansible_connection", "ssh"))
            become = templar.template(variables.get("ansible_become", False))
        except AnsibleError:
            return False
        if str(connection) not in LOCAL_TRANSPORTS or str(become).lower() in ("true", "yes", "1"):
            return False
        return self._runs_in_worker(host, device_class)

    def split(self, hosts, classes):
        """``(controller, per_host)``: the hosts of a class in ``classes`` that the controller path takes (sorted), and
        those that run their role (in ``hosts`` order). Hosts without such a class are in neither."""
        controller, per_host = [], []
        for host in hosts:
            device_class = self.device_class(host)
            if device_class in classes:
                (controller if self.on_controller(host, device_class) else per_host).append(host)
        return sorted(controller), per_host

    def _runs_in_worker(self, host, device_class):
        """False when the role's own arguments say it must run its tasks (hawkBit hooks, become, API delegate)."""
        if device_class not in CYCLES:
            return True
        job = self.job(host, device_class, validate=False)
        if job.error:
            return False
        try:
            return needs_own_connection(device_class, job.args.get("steps")) is None
        except StepsError:
            return False

    def job(self, host, device_class, validate=True):
        """The host's ``fleet_device`` arguments from its role, or the reason they cannot be made."""
        key = (host, device_class, validate)
        if key not in self._jobs:
            self._jobs[key] = self._make_job(host, device_class, validate)
        return self._jobs[key]

    def _make_job(self, host, device_class, validate):
        role = self.role(device_class)
        variables, templar, errors = self.host_variables(host, device_class)
        if errors:
            return DeviceJob(host, device_class, error="the %s role's variables: %s" % (
                ROLE_OF_CLASS[device_class], "; ".join("%s: %s" % item for item in sorted(errors.items()))))
        try:
            if validate:
                error = self._invalid_role_variables(templar, variables, role)
                if error:
                    return DeviceJob(host, device_class, error=error)
            args = strip_omit(template_args(templar, variables, role.args), self._omit)
        except AnsibleError as exc:
            culprit = self._failing_variable(templar, variables, role)
            return DeviceJob(host, device_class, error="the %s role's variables: %s%s" % (
                ROLE_OF_CLASS[device_class], "%s: " % culprit if culprit else "", to_text(exc)))
        return DeviceJob(host, device_class, args=args, variables=role.option_variables)

    @staticmethod
    def _failing_variable(templar, variables, role):
        """The first role variable (by name) that cannot be templated, to name it in the message (ansible-core 2.16
        reads an undefined variable inside a host variable without an error, until it is templated)."""
        for name in sorted(role.names):
            if name in variables:
                try:
                    templar.template(variables[name])
                except AnsibleError:
                    return name
        return None

    def configuration(self, host, device_class):
        """``(error, notes)`` for a host of a known class, before any request: ``error`` says why the run must not
        touch the device (an unknown variable with the collection's prefixes, a role variable or module option its
        argument spec refuses, no target at all), naming the variables the user set; ``notes`` the targets that are
        empty (their steps are skipped)."""
        role = self.role(device_class)
        try:
            names = list(self._host_vars(host))
        except (AnsibleError, TypeError):
            names = []
        unknown = unknown_variable_errors(names, known_role_variables(), ("fleetops_", role.prefix))
        if unknown:
            return "; ".join(unknown), []
        job = self.job(host, device_class)
        if job.error:
            return job.error, []
        common, steps = job.args.get("common"), job.args.get("steps")
        try:
            errors = argument_errors(device_class, common, steps)
        except StepsError as exc:
            return str(exc), []
        if errors:
            return "; ".join("%s: %s" % (step, name_variables(msg, variables_of_step(role.option_variables, step)))
                             for step, msg in errors), []
        untargeted = [(step, variables_of_step(role.option_variables, step).get(option, option))
                      for step, option in untargeted_steps(device_class, common, steps)]
        asked = [step.name for step in STEPS.get(device_class, ()) if step.needs and (steps or {}).get(step.name) is not None
                 and boolean((steps or {})[step.name].get("enabled", True), strict=False)]
        if untargeted and {step for step, _variable in untargeted} >= set(asked):
            return no_target_error(untargeted), []
        return None, target_notes(untargeted)

    def check(self, hosts, classes):
        """``(refused, notes)``: ``{host: why}`` for the hosts of a class in ``classes`` whose configuration cannot
        work, and ``{host: [note]}`` for empty targets of the others (``configuration``)."""
        refused, notes = {}, {}
        for host in hosts:
            device_class = self.device_class(host)
            if device_class not in classes:
                continue
            error, host_notes = self.configuration(host, device_class)
            if error:
                refused[host] = error
            elif host_notes:
                notes[host] = host_notes
        return refused, notes

    def _invalid_role_variables(self, templar, variables, role):
        """Ansible's check of the role's ``main`` argument spec, on the same templated variables."""
        provided = {name: templar.template(variables[name]) for name in role.options if name in variables}
        # null is an option not given (an AWX survey's empty answer; ansible-core 2.16 refuses it for a str option)
        provided = {name: value for name, value in provided.items() if value is not None}
        validated = role.validator.validate(provided)
        if validated.error_messages:
            return "the %s role's variables are not valid: %s" % (ROLE_OF_CLASS[role.device_class], "; ".join(validated.error_messages))
        return None

    @staticmethod
    def run(jobs, check_mode, workers, before_start=None, on_done=None):
        """``{host: fleet_device outcome}`` for ``jobs``, at most ``workers`` at once; never raises.

        ``before_start()`` is asked right before a device starts; False leaves it out (no outcome).
        ``on_done(host, outcome)`` is called in the device's thread as soon as it has finished.
        """
        run_step = in_process_runner(check_mode)

        def run_one(job):
            if before_start is not None and not before_start():
                return job.host, None
            started = time.monotonic()
            if job.error:
                ran = [("arguments", {"failed": True, "msg": job.error, "device_state": "unchanged"})]
            else:
                try:
                    ran = name_step_variables(run_device(job.device_class, job.args.get("common"), job.args.get("steps"),
                                                         run_step, check_mode), job.variables)
                except Exception as exc:  # pylint: disable=broad-except
                    ran = [("arguments", {"failed": True, "device_state": "unknown",
                                          "msg": "internal error in fleetops.upgrade's controller path: %s: %s"
                                                 % (type(exc).__name__, exc)})]
            outcome = device_outcome(job.device_class, ran, check_mode)
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
        fleet = ControllerFleet(self._loader, self._templar, task_vars["hostvars"], task_vars.get("omit"))
        result.update(self.run_fleet(spool, fleet, task_vars))
        return result

    def run_fleet(self, spool, fleet, task_vars):
        raise NotImplementedError

    @staticmethod
    def workers(task_vars):
        """Devices at once: the run's forks (``ansible_forks``)."""
        return int(task_vars.get("ansible_forks") or C.DEFAULT_FORKS)
