# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fleetops.upgrade contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Live progress of a fleet rollout: a line for each device the moment it ends, a line for each batch once its last
device has ended.

The lines go through ansible-core's ``Display``, which a worker process hands to the controller's output as they
happen: they show at the default verbosity of ``ansible-playbook`` and arrive in AWX as ``verbose`` job events.
"""

from __future__ import annotations

__metaclass__ = type

import os

from ansible import constants as C
from ansible.utils.display import Display

from ansible_collections.fleetops.upgrade.plugins.plugin_utils._fleet_records import SUCCESS_STATUSES
from ansible_collections.fleetops.upgrade.plugins.plugin_utils._fleet_schedule import budget_state, rollout_batches
from ansible_collections.fleetops.upgrade.plugins.plugin_utils._fleet_spool import read_records, read_rollout_statuses, read_settings, spool_dir
from ansible_collections.fleetops.upgrade.plugins.plugin_utils._report_render import versions_text

display = Display()


def device_line(host, record, seconds=None):
    """``hem-a1 [encedo] upgraded: firmware 1.2.2 -> 1.3.0 in 41.3 s``; the message instead of versions when it
    did not end well (``SUCCESS_STATUSES``). ``seconds`` defaults to the sum of the record's step durations."""
    if seconds is None:
        seconds = sum(v for v in (record.get("durations") or {}).values() if isinstance(v, (int, float)))
    status = record.get("status")
    if status in SUCCESS_STATUSES:
        what = "%s -> %s" % (versions_text(record.get("components"), "from"), versions_text(record.get("components"), "to"))
    else:
        what = record.get("msg") or "no message"
    took = " in %.1f s" % seconds if seconds else ""
    return "fleet: %s [%s] %s: %s%s" % (host, record.get("device_class"), status, what, took)


def batch_line(number, batch_count, done, total, failures, allowed):
    """``fleet: batch 2/3 done: 26/50 devices attempted, 1 failed, error budget: 4 more failures allowed``; the budget
    is what ``fleetops_max_failures`` still allows after the failures so far."""
    left = allowed - failures
    if left > 0:
        budget = "%d more failure%s allowed" % (left, "" if left == 1 else "s")
    elif left == 0:
        budget = "the next failure stops the rollout"
    else:
        budget = "spent, no further device starts"
    return "fleet: batch %d/%d done: %d/%d devices attempted, %d failed, error budget: %s" % (
        number, batch_count, done, total, failures, budget)


def show_not_started(hosts):
    """The line of a batch in which the error budget ran out before these devices could start."""
    display.display("fleet: the error budget is spent: %d device(s) of this batch not started (%s)"
                    % (len(hosts), ", ".join(hosts)))


def show_device(host, record, seconds=None):
    display.display(device_line(host, record, seconds))


def finished_batch(spool, host):
    """The batch line of ``host``'s batch when every device of it has a rollout record, else None. It is given once:
    the first caller to see the batch complete claims it in the spool."""
    batches = rollout_batches(spool)
    number = next((n for n, batch in enumerate(batches, 1) if host in batch), None)
    if number is None:
        return None
    rollout = read_records(spool)["rollout"]
    if any(member not in rollout for member in batches[number - 1]):
        return None
    try:
        os.close(os.open(os.path.join(spool, "batch-%d.shown" % number), os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
    except FileExistsError:
        return None
    _open, failures, attempted, allowed = budget_state(read_settings(spool), read_rollout_statuses(spool))
    return batch_line(number, len(batches), attempted, sum(len(b) for b in batches), failures, allowed)


def show_batch_if_finished(spool, host):
    line = finished_batch(spool, host)
    if line:
        display.display(line)


def show_progress(host, record, seconds=None):
    """The device's line, and its batch's line when it was the batch's last device (a device that runs its role)."""
    show_device(host, record, seconds)
    show_batch_if_finished(spool_dir(C.DEFAULT_LOCAL_TMP), host)
