# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fleetops.upgrade contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""When each device of a fleet run is upgraded: the rollout settings, the batches, the tasks that share a batch, and
the error budget that stops the rollout.

The batches are the ones Ansible's ``serial`` forms over the devices the pre-flight found needing work (sorted), so
the rollout play (``rollout_play``) and every task that asks which batch a device is in agree. The controller path's
devices of a batch are shared by one ``fleet_batch`` task per process (``controller_share``), and its survey by one
``fleet_preflight`` task per process (``survey_share``). Before a device starts, ``budget_open`` checks the statuses
of every device the rollout has finished so far against ``fleetops_max_failures``.
"""

from __future__ import annotations

__metaclass__ = type

import math
import os
import re

from ansible.utils.helpers import pct_to_int

from ansible_collections.fleetops.upgrade.plugins.plugin_utils._device_classes import CLASS_NAMES
from ansible_collections.fleetops.upgrade.plugins.plugin_utils._fleet_records import (
    FAILING_STATUSES, configuration_stop, needs_work)
from ansible_collections.fleetops.upgrade.plugins.plugin_utils._fleet_spool import (
    read_controller_hosts, read_records, read_rollout_statuses, read_settings)

DEVICES_PER_BATCH_PROCESS = 25


class SettingsError(ValueError):
    """A rollout knob with a value the run cannot use; the message names the knob."""


# ------------------------------------------------------------------------------------------ settings
def _count_or_percent(name, value, allow_zero=True):
    """``3`` or ``"3"`` -> 3; ``"10%"`` -> "10%"; anything else -> SettingsError."""
    text = str(value).strip()
    match = re.fullmatch(r"(\d+)\s*%", text)
    if match:
        percent = int(match.group(1))
        if percent > 100 or (percent == 0 and not allow_zero):
            raise SettingsError("%s: a percentage must be %s100%%, not %s" % (name, "0-" if allow_zero else "above 0 and at most ", text))
        return "%d%%" % percent
    if re.fullmatch(r"\d+", text) and (allow_zero or int(text) > 0):
        return int(text)
    raise SettingsError("%s: expected a %scount or a percentage like '10%%', not %r"
                        % (name, "" if allow_zero else "positive ", value))


def rollout_settings(canary=1, batch="100%", max_failures=0, min_sample=10, classes=CLASS_NAMES):
    """Validate the rollout knobs; ``serial`` is what the rollout play passes to Ansible's ``serial``."""
    canary = _count_or_percent("fleetops_canary", canary)
    if str(batch).strip().lower() == "all":
        batch = "100%"
    steps = batch if isinstance(batch, (list, tuple)) else [batch]
    if not steps:
        raise SettingsError("fleetops_batch: an empty list; give a size, a percentage or a list of them")
    steps = [_count_or_percent("fleetops_batch", step, allow_zero=False) for step in steps]
    max_failures = _count_or_percent("fleetops_max_failures", max_failures)
    try:
        min_sample = int(min_sample)
    except (TypeError, ValueError):
        raise SettingsError("fleetops_min_sample: expected a count, not %r" % (min_sample,)) from None
    if min_sample < 1:
        raise SettingsError("fleetops_min_sample: must be at least 1, not %d" % min_sample)
    serial = ([canary] if canary not in (0, "0%") else []) + steps
    return {"canary": canary, "batch": steps, "max_failures": max_failures, "min_sample": min_sample,
            "serial": serial, "classes": list(classes)}


# ------------------------------------------------------------------------------------------ batches
def batches(hosts, serial):
    """The batches Ansible forms from ``hosts`` (in play order) with a ``serial`` list, like PlaybookExecutor."""
    hosts = list(hosts)
    total, result, index = len(hosts), [], 0
    while hosts:
        size = pct_to_int(serial[min(index, len(serial) - 1)], total) or len(hosts)
        result.append(hosts[:size])
        hosts = hosts[size:]
        index += 1
    return result


def pending_hosts(preflight):
    """The devices the rollout takes, sorted: those whose pre-flight record says they need work."""
    return sorted(host for host, record in preflight.items() if needs_work(record))


def rollout_batches(path):
    """The rollout's batches: the rollout settings' ``serial`` over the devices the pre-flight found needing work;
    none when a configuration error stops the run (``configuration_stop``)."""
    settings, preflight = read_settings(path), read_records(path)["preflight"]
    if configuration_stop(settings, preflight):
        return []
    return batches(pending_hosts(preflight), settings["serial"])


def rollout_batch(path, host):
    """The hosts of ``host``'s rollout batch."""
    return next((batch for batch in rollout_batches(path) if host in batch), [host])


# ------------------------------------------------------------------------------------------ shares of a batch
def batch_processes(count, cores=None):
    """Worker processes that share ``count`` controller-path devices (the survey, a batch): one per core, 25 devices
    or more each."""
    cores = cores or os.cpu_count() or 1
    return max(1, min(cores, count // DEVICES_PER_BATCH_PROCESS))


def _controller_members(path, batch):
    controller = set(read_controller_hosts(path))
    return [h for h in batch if h in controller]


def _share(members, host):
    """``(hosts, processes)``: the devices of ``members`` that ``host``'s task takes (every ``processes``-th,
    when ``host`` is one of the first ``processes`` members), and how many tasks share them."""
    processes = batch_processes(len(members))
    leaders = members[:processes]
    return (members[leaders.index(host)::processes] if host in leaders else []), processes


def survey_leaders(controller_hosts):
    """The hosts whose ``fleet_preflight`` tasks survey the controller path's devices: one per process."""
    return controller_hosts[:batch_processes(len(controller_hosts))]


def survey_share(path, host):
    """``(hosts, processes)``: the controller-path devices ``host``'s ``fleet_preflight`` task surveys."""
    return _share(read_controller_hosts(path), host)


def controller_share(path, host):
    """``(hosts, processes)``: the controller-path devices ``host``'s ``fleet_batch`` task upgrades (every
    ``processes``-th of its batch's, when ``host`` is one of the batch's first ``processes``), and how many
    tasks share the batch."""
    return _share(_controller_members(path, rollout_batch(path, host)), host)


def rollout_play(path):
    """``hosts`` (in order) and ``serial`` (a count per batch) of the rollout play.

    Per batch: the batch's first controller-path devices, one per process that shares the batch (each one's
    ``fleet_batch`` task upgrades its share of the batch's controller-path devices), then the devices that run
    their role. The other controller-path devices are not in the play at all, so the strategy spends nothing on
    them while the batch runs.
    """
    hosts, serial = [], []
    for batch in rollout_batches(path):
        controller = _controller_members(path, batch)
        members = controller[:batch_processes(len(controller))] + [h for h in batch if h not in controller]
        hosts.extend(members)
        serial.append(len(members))
    return {"hosts": hosts, "serial": serial or [1]}


# ------------------------------------------------------------------------------------------ error budget
def allowed_failures(max_failures, attempted, min_sample):
    """Failures the budget allows after ``attempted`` devices; a percentage counts at least ``min_sample``."""
    if isinstance(max_failures, str):
        return math.floor(int(max_failures[:-1]) / 100.0 * max(attempted, min_sample))
    return max_failures


def budget_state(settings, statuses):
    """``(open, failures, attempted, allowed)`` for the statuses of the devices the rollout has finished so far."""
    attempted = len(statuses)
    failures = sum(1 for status in statuses if status in FAILING_STATUSES)
    allowed = allowed_failures(settings["max_failures"], attempted, settings["min_sample"])
    return failures <= allowed, failures, attempted, allowed


def budget_open(path):
    """True while the run's error budget allows starting another device (read by the rollout's ``when``)."""
    return budget_state(read_settings(path), read_rollout_statuses(path))[0]


def budget_stop(pending, batch_of, rollout, settings):
    """Why devices of the rollout were not started, or None when every ``pending`` device was; ``batch_of`` maps a
    pending device to its batch number, ``rollout`` a started one to its rollout record."""
    if all(h in rollout for h in pending):
        return None
    is_open, failures, attempted, allowed = budget_state(settings, [rollout[h]["status"] for h in pending if h in rollout])
    if is_open:
        return "the run ended before every batch had started"
    last = max([batch_of[h] for h in pending if h in rollout] or [0])
    return ("the error budget was spent after batch %d (%d failed of %d attempted; "
            "fleetops_max_failures=%s allows %d)" % (last, failures, attempted, settings["max_failures"], allowed))
