# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fleetops.upgrade contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fleet run's state on disk (the spool): what each file holds, and how it is appended and read.

The spool is a directory inside the controller's per-run temporary directory (``DEFAULT_LOCAL_TMP``: created by the
``ansible-playbook`` process before it forks its workers and removed when it exits), so every worker of one run, and
only of that run, sees it:

- ``settings.json``: the validated rollout settings (written once by ``fleet_plan``);
- ``controller.json``: the hosts the controller path surveys and upgrades in threads (``fleet_plan`` chooses them);
- ``notes.json``: what the plan found worth a line in the report per host (a target that is not set);
- ``records.jsonl``: one line per device and phase (``preflight`` or ``rollout``), each a record of ``make_record``;
- ``rollout_statuses``: the status of each device finished in the rollout, one per line: all the error budget reads;
- ``host_outcomes.json``: the outcome each host of the last play gets (``fleet_report`` writes it, ``fleet_outcome``
  reads it).

Lines are appended with a single ``write()`` on an ``O_APPEND`` descriptor, so concurrent workers never interleave
them. Reading these files instead of ``hostvars`` keeps the report and the budget check linear in the fleet size.
"""

from __future__ import annotations

__metaclass__ = type

import json
import os

from ansible_collections.fleetops.upgrade.plugins.plugin_utils._files import write_atomic

SPOOL_NAME = "fleetops-fleet-run"


def spool_dir(local_tmp):
    return os.path.join(local_tmp, SPOOL_NAME)


def start_spool(local_tmp, settings):
    """Create the run's spool (idempotent within a run) and store the settings; returns its path."""
    path = spool_dir(local_tmp)
    os.makedirs(path, exist_ok=True)
    write_atomic(os.path.join(path, "settings.json"), json.dumps(settings))
    return path


def run_started(path):
    """True once ``fleet_plan`` has started the run (its settings are in the spool)."""
    return os.path.exists(os.path.join(path, "settings.json"))


def read_settings(path):
    with open(os.path.join(path, "settings.json")) as handle:
        return json.load(handle)


def _append(path, line):
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        os.write(descriptor, line.encode("utf-8"))
    finally:
        os.close(descriptor)


def append_record(path, host, phase, record):
    _append(os.path.join(path, "records.jsonl"), json.dumps({"host": host, "phase": phase, "record": record}) + "\n")
    if phase == "rollout":
        _append(os.path.join(path, "rollout_statuses"), record["status"] + "\n")


def store_record(local_tmp, host, phase, record):
    """Append ``record`` to the run's spool when a fleet run is under way; True if it was stored."""
    spool = spool_dir(local_tmp)
    if not os.path.isdir(spool):
        return False
    append_record(spool, host, phase, record)
    return True


def read_records(path):
    """{phase: {host: record}}; a later line for the same host and phase wins."""
    records = {"preflight": {}, "rollout": {}}
    try:
        with open(os.path.join(path, "records.jsonl")) as handle:
            for line in handle:
                if line.strip():
                    entry = json.loads(line)
                    records.setdefault(entry["phase"], {})[entry["host"]] = entry["record"]
    except FileNotFoundError:
        pass
    return records


def read_rollout_statuses(path):
    """The statuses of the devices finished in the rollout so far, in the order they finished."""
    try:
        with open(os.path.join(path, "rollout_statuses")) as handle:
            return handle.read().split()
    except FileNotFoundError:
        return []


def write_controller_hosts(path, hosts):
    """The hosts the controller path (``fleet_preflight``, ``fleet_batch``) takes in this run (``fleet_plan``)."""
    write_atomic(os.path.join(path, "controller.json"), json.dumps(sorted(hosts)))


def read_controller_hosts(path):
    try:
        with open(os.path.join(path, "controller.json")) as handle:
            return json.load(handle)
    except FileNotFoundError:
        return []


def write_notes(path, notes):
    """``{host: [note]}``: what the plan found worth a line in the report (a target that is not set)."""
    write_atomic(os.path.join(path, "notes.json"), json.dumps(notes))


def read_notes(path):
    try:
        with open(os.path.join(path, "notes.json")) as handle:
            return json.load(handle)
    except (OSError, ValueError):
        return {}


def write_host_outcomes(path, outcomes):
    """``{host: {status, msg}}``: the outcome ``fleet_report`` gives each host of the run, for ``fleet_outcome``."""
    write_atomic(os.path.join(path, "host_outcomes.json"), json.dumps(outcomes))


_HOST_OUTCOMES = {}


def read_host_outcome(path, host):
    """The outcome ``fleet_report`` gave ``host`` (None when it gave none); the file is parsed once per process."""
    name = os.path.join(path, "host_outcomes.json")
    try:
        stat = os.stat(name)
    except FileNotFoundError:
        return None
    key = (name, stat.st_mtime_ns, stat.st_size)
    if key not in _HOST_OUTCOMES:
        with open(name) as handle:
            _HOST_OUTCOMES.clear()
            _HOST_OUTCOMES[key] = json.load(handle)
    return _HOST_OUTCOMES[key].get(host)
