# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fleetops.upgrade contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Base of every action plugin in this collection.

When the task would execute on the controller itself (local connection, which is also what
``delegate_to: localhost`` gives), the module's task function runs inside the already-forked
worker: no Python start, no AnsiballZ, no imports per host. Otherwise (a jump host, a device
reached over SSH, ``async``, ``become``) the real module runs on the target as usual.
Both paths validate with the same argument spec and return the same result.
``FLEETOPS_IN_PROCESS=0`` in the controller's environment switches the in-process path off (the
module path everywhere), for comparisons such as ``make bench-fleet``.
"""

from __future__ import annotations

__metaclass__ = type

import os
from collections.abc import Mapping

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.errors import UnsupportedError
from ansible.module_utils.common.parameters import remove_values
from ansible.module_utils.common.text.converters import to_native
from ansible.plugins.action import ActionBase
from ansible.utils.vars import merge_hash

from ansible_collections.fleetops.upgrade.plugins.module_utils._connection import PROXY_VARIABLES, params_url_secrets
from ansible_collections.fleetops.upgrade.plugins.module_utils._task import execute

LOCAL_TRANSPORTS = frozenset(("local", "ansible.builtin.local", "ansible.legacy.local"))
CONTROLLER_NAMES = frozenset(("localhost", "127.0.0.1", "::1"))  # a delegate_to that is the controller itself


def in_process_enabled():
    """False when ``FLEETOPS_IN_PROCESS=0`` switches the in-process path off (the module path everywhere)."""
    return os.environ.get("FLEETOPS_IN_PROCESS", "1").lower() not in ("0", "false", "no")


def validation_message(module, errors):
    """The message AnsibleModule fails with for the same arguments: the first error only."""
    if isinstance(errors[0], UnsupportedError):
        return "Unsupported parameters for (%s) module: %s" % (module, errors.msg)
    return errors.msg


def _secret_strings(value):
    """Every string or number in a no_log option's value (what AnsibleModule hides of it)."""
    if isinstance(value, Mapping):
        for item in value.values():
            yield from _secret_strings(item)
    elif isinstance(value, (list, tuple, set)):
        for item in value:
            yield from _secret_strings(item)
    elif isinstance(value, (str, bytes)):
        if value:
            yield to_native(value, errors="surrogate_or_strict")
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        yield to_native(value, nonstring="simplerepr")


def no_log_values(argument_spec, params):
    """The values of ``params`` that ``argument_spec`` marks ``no_log``, suboptions included."""
    values = set()
    for name, option in argument_spec.items():
        value = params.get(name) if isinstance(params, Mapping) else None
        if value is None:
            continue
        if option.get("no_log"):
            values.update(_secret_strings(value))
        if option.get("options"):
            for item in value if isinstance(value, list) else [value]:
                values |= no_log_values(option["options"], item)
    return values


def run_in_process(module, spec, task, args, check_mode=False, diff=False, environment=None):
    """Validate ``args`` like AnsibleModule does, run ``task`` (a TaskRun class), hide no_log values."""
    spec = dict(spec)
    argument_spec = spec.pop("argument_spec")
    validated = ArgumentSpecValidator(argument_spec, **spec).validate(args)
    hidden = no_log_values(argument_spec, args)
    if validated.error_messages:
        result = {"failed": True, "msg": validation_message(module, validated.errors)}
    else:
        params = validated.validated_parameters
        hidden |= no_log_values(argument_spec, params) | params_url_secrets(params)
        result = execute(task, params, check_mode=check_mode, diff=diff, module=module, environment=environment)
        result["invocation"] = {"module_args": params}
    return remove_values(result, hidden)


class ControllerAction(ActionBase):
    """An action that runs module task logic in its worker when the task executes on the controller."""

    def runs_on_controller(self):
        return (self._connection.transport in LOCAL_TRANSPORTS
                and not self._task.async_val
                and not self._play_context.become
                and in_process_enabled())

    def task_proxy_environment(self):
        """The proxy variables of the task's ``environment:`` (a module gets them as its process environment)."""
        environment = {}
        self._compute_environment_string(environment)
        return {name: value for name, value in environment.items() if name.lower() in PROXY_VARIABLES}


class InProcessAction(ControllerAction):
    """Subclasses set MODULE (FQCN), SPEC (argument_spec and friends) and TASK (the TaskRun class)."""

    MODULE = None
    SPEC = None
    TASK = None

    _supports_check_mode = True
    _supports_async = True

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        del tmp
        if not self.runs_on_controller():
            return merge_hash(result, self._run_module(task_vars))
        return merge_hash(result, run_in_process(self.MODULE, self.SPEC, type(self).TASK, self._task.args,
                                                 check_mode=bool(self._play_context.check_mode),
                                                 diff=bool(self._play_context.diff),
                                                 environment=self.task_proxy_environment()))

    def _run_module(self, task_vars):
        wrap_async = bool(self._task.async_val) and not self._connection.has_native_async
        return self._execute_module(module_name=self.MODULE, module_args=self._task.args,
                                    task_vars=task_vars, wrap_async=wrap_async)
