# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fleetops.upgrade contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One polling loop for every long operation (validation, reboot, transfer)."""

from __future__ import annotations

__metaclass__ = type

import time

from ._errors import DeviceUnreachable, WaitTimeout


class Poll:
    """What one probe saw: ``done`` ends the wait; ``state`` is shown if the wait times out."""

    __slots__ = ("done", "state", "value", "next_interval")

    def __init__(self, done, state, value=None, next_interval=None):
        self.done = done
        self.state = state
        self.value = value
        self.next_interval = next_interval


def wait_until(probe, what, timeout, interval, tolerate=(DeviceUnreachable,),
               clock=time.monotonic, sleep=time.sleep, initial_delay=0.0):
    """Call ``probe()`` until it returns a done :class:`Poll`; returns (poll, seconds waited).

    Exceptions of the ``tolerate`` types count as "not yet" (a device that reboots is unreachable).
    ``interval`` is the pause between probes unless the probe asks for another (``next_interval``).
    On timeout raises :class:`WaitTimeout` naming ``what``, the last state seen and the time waited.
    """
    start = clock()
    deadline = start + timeout
    last_state = "no answer yet"
    if initial_delay:
        sleep(min(initial_delay, timeout))
    while True:
        pause = interval
        try:
            poll = probe()
        except tolerate as exc:
            last_state = "unreachable (%s)" % getattr(exc, "msg", exc)
        else:
            last_state = poll.state
            if poll.done:
                return poll, round(clock() - start, 3)
            if poll.next_interval is not None:
                pause = poll.next_interval
        now = clock()
        if now >= deadline:
            waited = round(now - start, 1)
            raise WaitTimeout("timed out after %ss waiting for %s; last state seen: %s" % (waited, what, last_state),
                              last_state=last_state, waited=waited)
        sleep(max(0.0, min(pause, deadline - now)))
