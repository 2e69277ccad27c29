# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fleetops.upgrade contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one shape of every module's task logic, and the one error boundary both execution paths use.

A module's task logic is a ``TaskRun`` subclass in its own file: ``run()`` reads the device state,
decides, acts, waits, verifies and returns the result. Steps are timed with ``self.step(name)``;
after a mutating request the run sets ``self.device_state`` to what the device was left with, so
any failure from then on carries it. ``execute()`` is the boundary: the action plugin (in-process)
and the module (``_module.run_module``) both call it, so the same failure gives the same result.
"""

from __future__ import annotations

__metaclass__ = type

import time
import traceback
from contextlib import contextmanager

from ._connection import refuse_unusable_inputs, task_environment
from ._errors import FleetopsError
from ._redact import redact_text


class TaskRun:
    """One run of one module. Subclasses implement ``run()``; ``params`` are validated already."""

    def __init__(self, params, check_mode=False, diff=False, clock=time.monotonic, sleep=time.sleep):
        self.params = params
        self.check_mode = check_mode
        self.diff = diff
        self.clock = clock
        self.sleep = sleep
        self.steps = []
        self.durations = {}
        self.current_step = "prepare"
        self.device_state = None

    def run(self):
        raise NotImplementedError

    @contextmanager
    def step(self, name, done=None):
        """Time ``name`` into ``durations``; on success append ``done`` (if given) to ``steps``."""
        previous, self.current_step = self.current_step, name
        start = self.clock()
        try:
            yield
        finally:
            self.durations[name] = round(self.durations.get(name, 0) + self.clock() - start, 3)
        if done:
            self.steps.append(done)
        self.current_step = previous

    def timed(self, name, func, *args, **kwargs):
        """``func(*args, **kwargs)`` as step ``name``."""
        with self.step(name):
            return func(*args, **kwargs)

    def failure_details(self):
        """What every failed result of this run carries besides the message."""
        details = {"step": self.current_step, "steps": list(self.steps), "durations": dict(self.durations)}
        if self.device_state is not None:
            details["device_state"] = self.device_state
        return details

    def close(self):
        """Release clients; called by ``execute()`` whatever happened."""


def _failed(run, msg, details):
    result = run.failure_details() if run is not None else {"step": "prepare", "steps": [], "durations": {}}
    result.update(details)
    state = result.get("device_state")
    if state and "device state" not in msg:
        msg = "%s; device state: %s" % (msg, state)
    result.update(failed=True, msg=msg)
    return result


def execute(task, params, check_mode=False, diff=False, module=None, environment=None):
    """Run ``task`` (a TaskRun subclass) and return its result; never raises.

    Inputs that cannot work (time options not more than 0, missing TLS files) are refused first,
    before any request. A ``FleetopsError`` becomes a failed result with its message and details.
    Anything else is an internal error: the message says so and names the step, the traceback goes
    under ``exception``. ``environment``: the task's ``environment:`` when the task runs inside the
    controller's worker (a module gets it as its process environment).
    """
    run = None
    try:
        refuse_unusable_inputs(params)
        with task_environment(environment):
            run = task(params, check_mode=check_mode, diff=diff)
            try:
                return run.run()
            finally:
                run.close()
    except FleetopsError as exc:
        return _failed(run, exc.msg, exc.details)
    except Exception as exc:  # pylint: disable=broad-except
        step = run.current_step if run is not None else "prepare"
        what = module or getattr(task, "__name__", "task")
        msg = ("internal error in %s during step '%s': %s: %s. This is a bug in fleetops.upgrade; "
               "the traceback is in the result under 'exception'"
               % (what, step, type(exc).__name__, redact_text(str(exc)) or "(no message)"))
        return _failed(run, msg, {"exception": redact_text(traceback.format_exc())})
