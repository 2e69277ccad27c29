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

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.errors import UnsupportedError
from ansible.module_utils.common.parameters import remove_values
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


def run_in_process(module, spec, task, args, check_mode=False, diff=False, environment=None):
    """Validate ``args`` like AnsibleModule does, run ``task`` (a TaskRun class), hide no_log values."""
    spec = dict(spec)
    validator = ArgumentSpecValidator(spec.pop("argument_spec"), **spec)
    validated = validator.validate(args)
    no_log_values = validated._no_log_values
    if validated.error_messages:
        result = {"failed": True, "msg": validation_message(module, validated.errors)}
    else:
        params = validated.validated_parameters
        no_log_values.update(params_url_secrets(params))
        result = execute(task, params, check_mode=check_mode, diff=diff, module=module, environment=environment)
        result["invocation"] = {"module_args": params}
    warnings = [w["warning"] if isinstance(w, dict) else w for w in validated._warnings]
    if warnings:
        result.setdefault("warnings", []).extend(warnings)
    return remove_values(result, no_log_values)


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
        result = self._execute_module(module_name=self.MODULE, module_args=self._task.args,
                                      task_vars=task_vars, wrap_async=wrap_async)
        if not wrap_async:
            self._remove_tmp_path(self._connection._shell.tmpdir)
        return result
