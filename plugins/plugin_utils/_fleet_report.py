# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fleetops.upgrade contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fleet run of ``playbooks/upgrade.yml``: rollout settings, the role→report contract, the error budget
and the report (JSON, HTML, JUnit, set_stats, printed summary).

The run keeps its state in a spool directory inside the controller's per-run temporary directory
(``DEFAULT_LOCAL_TMP``: created by the ``ansible-playbook`` process before it forks its workers and
removed when it exits), so every worker of one run, and only of that run, sees it:

- ``settings.json``: the validated rollout settings (written once by ``fleet_plan``);
- ``controller.json``: the hosts the controller path surveys and upgrades in threads (``fleet_plan`` chooses them);
- ``records.jsonl``: one line per device and phase (``preflight`` or ``rollout``) written by
  ``fleet_device``, ``fleet_record`` or the controller path, all through ``make_record``;
- ``outcomes``: one short line per device finished in the rollout, all the error budget reads;
- ``host_outcomes.json``: the outcome each host of the last play gets (``fleet_report`` writes it,
  ``fleet_outcome`` reads it).

Lines are appended with a single ``write()`` on an ``O_APPEND`` descriptor, so concurrent workers
never interleave them. Reading these files instead of ``hostvars`` keeps the report and the budget
check linear in the fleet size.
"""

from __future__ import annotations

__metaclass__ = type

import datetime
import html
import json
import math
import os
import re

from ansible.utils.helpers import pct_to_int

from ansible_collections.fleetops.upgrade.plugins.plugin_utils._awx import awx_job, report_key
from ansible_collections.fleetops.upgrade.plugins.plugin_utils._classes import DEVICE_CLASSES
from ansible_collections.fleetops.upgrade.plugins.plugin_utils._fleet_config import is_argument_error
from ansible_collections.fleetops.upgrade.plugins.plugin_utils._files import write_atomic
from ansible_collections.fleetops.upgrade.plugins.plugin_utils._junit import JUnitCase, write_junit

STATUSES = ("failed", "unreachable", "refused", "not_attempted", "upgraded", "would_upgrade", "downloaded", "unchanged")
FAILING_STATUSES = ("failed", "unreachable", "refused")
# the ends of a device that do not fail it (every other end fails it, so the exit code tells the truth): a
# preview's would_upgrade, and a download-only hawkBit action's downloaded, are ends the run asked for
SUCCESS_STATUSES = ("upgraded", "would_upgrade", "downloaded", "unchanged")
# a pre-flight record (always made in check mode) of a device that needs work: "would_upgrade"; "upgraded" too, what
# such a record said before check mode had a status of its own, so a record made that way still counts
PENDING_STATUSES = ("would_upgrade", "upgraded")
# the device ends the run changed: upgraded, or (hawkBit, an action that asks for the download only) downloaded
CHANGED_STATUSES = ("upgraded", "downloaded", "would_upgrade")
DOWNLOAD_ONLY_MARK = " (downloaded, not installed)"
SCHEMA_VERSION = 1
SPOOL_NAME = "fleetops-fleet-run"
REPORT_FILES = {"json": "fleet-report.json", "html": "fleet-report.html", "junit": "fleet-report.xml"}
CHECK_REPORT_FILES = {"json": "fleet-report-check.json", "html": "fleet-report-check.html", "junit": "fleet-report-check.xml"}
SET_STATS_MAX_HOSTS = 100
REPORT_STEP = "report"
DEVICES_PER_BATCH_PROCESS = 25
_SITE_GROUP = re.compile(r"^site[_-]")


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


def rollout_settings(canary=1, batch="100%", max_failures=0, min_sample=10, classes=DEVICE_CLASSES):
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


def allowed_failures(max_failures, attempted, min_sample):
    """Failures the budget allows after ``attempted`` devices; a percentage counts at least ``min_sample``."""
    if isinstance(max_failures, str):
        return math.floor(int(max_failures[:-1]) / 100.0 * max(attempted, min_sample))
    return max_failures


def budget_state(settings, outcomes):
    """``(open, failures, attempted, allowed)`` for the rollout statuses seen so far."""
    attempted = len(outcomes)
    failures = sum(1 for status in outcomes if status in FAILING_STATUSES)
    allowed = allowed_failures(settings["max_failures"], attempted, settings["min_sample"])
    return failures <= allowed, failures, attempted, allowed


# ------------------------------------------------------------------------------------------ spool
def spool_dir(local_tmp):
    return os.path.join(local_tmp, SPOOL_NAME)


def start_spool(local_tmp, settings):
    """Create the run's spool (idempotent within a run) and store the settings; returns its path."""
    path = spool_dir(local_tmp)
    os.makedirs(path, exist_ok=True)
    write_atomic(os.path.join(path, "settings.json"), json.dumps(settings))
    return path


def _append(path, line):
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    try:
        os.write(descriptor, line.encode("utf-8"))
    finally:
        os.close(descriptor)


def append_record(path, host, phase, record):
    _append(os.path.join(path, "records.jsonl"), json.dumps({"host": host, "phase": phase, "record": record}) + "\n")
    if phase == "rollout":
        _append(os.path.join(path, "outcomes"), record["status"] + "\n")


def store_record(local_tmp, host, phase, record):
    """Append ``record`` to the run's spool when a fleet run is under way; True if it was stored."""
    spool = spool_dir(local_tmp)
    if not os.path.isdir(spool):
        return False
    append_record(spool, host, phase, record)
    return True


def write_controller_hosts(path, hosts):
    """The hosts the controller path (``fleet_preflight``, ``fleet_batch``) takes in this run (``fleet_plan``)."""
    write_atomic(os.path.join(path, "controller.json"), json.dumps(sorted(hosts)))


def read_controller_hosts(path):
    try:
        with open(os.path.join(path, "controller.json")) as handle:
            return json.load(handle)
    except FileNotFoundError:
        return []


def run_started(path):
    """True once ``fleet_plan`` has started the run (its settings are in the spool)."""
    return os.path.exists(os.path.join(path, "settings.json"))


def read_settings(path):
    with open(os.path.join(path, "settings.json")) as handle:
        return json.load(handle)


def read_outcomes(path):
    try:
        with open(os.path.join(path, "outcomes")) as handle:
            return handle.read().split()
    except FileNotFoundError:
        return []


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


def rollout_batches(path):
    """The rollout's batches: the rollout settings' ``serial`` over the devices the pre-flight found needing work, sorted;
    none when a configuration error stops the run (``configuration_stop``)."""
    settings, preflight = read_settings(path), read_records(path)["preflight"]
    if configuration_stop(settings, preflight):
        return []
    pending = sorted(h for h, r in preflight.items() if needs_work(r))
    return batches(pending, settings["serial"])


# ------------------------------------------------------------------------------------------ configuration
SKIP_MISCONFIGURED = "fleetops_skip_misconfigured"
CONFIGURATION_STEP = "configuration"


def configuration_failures(preflight):
    """The hosts whose pre-flight record is a configuration error: refused by the plan, or failed by an argument check."""
    return sorted(host for host, record in preflight.items()
                  if record.get("step") == CONFIGURATION_STEP
                  or (record.get("status") == "failed" and is_argument_error(record.get("msg"))))


def configuration_stop(settings, preflight):
    """Why no device is upgraded: configuration errors on some devices, found by the plan or the pre-flight, when
    ``fleetops_skip_misconfigured`` does not let the run go on without them; else None."""
    if settings.get("skip_misconfigured"):
        return None
    hosts = configuration_failures(preflight)
    if not hosts:
        return None
    return ("configuration errors on %d device(s) (%s) stop the run before any device changes: fix them, or set %s: "
            "true to upgrade the others"
            % (len(hosts), ", ".join(hosts[:5]) + (", ..." if len(hosts) > 5 else ""), SKIP_MISCONFIGURED))


def refusal_record(device_class, msg, check_mode):
    """The record of a device the plan refuses for its configuration (no request was sent to it)."""
    return {"device_class": device_class, "status": "refused", "components": [], "durations": {},
            "check_mode": bool(check_mode), "msg": msg, "step": CONFIGURATION_STEP,
            "device_state": "unchanged: the run did not contact the device", "finished": now(timespec="milliseconds")}


def write_notes(path, notes):
    """``{host: [note]}``: what the plan found worth a line in the report (a target that is not set)."""
    write_atomic(os.path.join(path, "notes.json"), json.dumps(notes))


def read_notes(path):
    try:
        with open(os.path.join(path, "notes.json")) as handle:
            return json.load(handle)
    except (OSError, ValueError):
        return {}


def check_report_dir(directory):
    """Create ``directory`` (``fleetops_report_dir``) or check it is a writable directory; the reason it cannot be
    used, or None. Done by the plan, so that a bad directory stops the run before any device is touched."""
    try:
        os.makedirs(directory, exist_ok=True)
    except OSError as exc:
        return "fleetops_report_dir %s cannot be created: %s" % (directory, exc.strerror or exc)
    if not os.path.isdir(directory):
        return "fleetops_report_dir %s is not a directory" % directory
    if not os.access(directory, os.W_OK | os.X_OK):
        return "fleetops_report_dir %s is not writable by this user" % directory
    return None


def rollout_batch(path, host):
    """The hosts of ``host``'s rollout batch."""
    return next((batch for batch in rollout_batches(path) if host in batch), [host])


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


def budget_open(path):
    """True while the run's error budget allows starting another device (read by the rollout's ``when``)."""
    return budget_state(read_settings(path), read_outcomes(path))[0]


# ------------------------------------------------------------------------------------------ records
def needs_work(record):
    """True for a pre-flight record of a device that needs work (it goes into the rollout)."""
    return record.get("status") in PENDING_STATUSES


def _component(result):
    """The report's view of one module result: ``{component, from, to, changed}`` or None."""
    if result.get("component") and "previous_version" in result:
        return {"component": result["component"], "from": result.get("previous_version"),
                "to": result.get("version"), "changed": bool(result.get("changed"))}
    return None


def _message(result):
    devices = result.get("devices")
    if isinstance(devices, list) and len(devices) == 1 and devices[0].get("msg"):
        return str(devices[0]["msg"])
    return str(result.get("msg") or "")


def _not_reached(result):
    """A failed result of a device whose API could not be reached at all (refused, no such host, no connection)."""
    return bool(result.get("unreachable")) or (result.get("reached") is False and not result.get("changed"))


def _warning_text(warning):
    """A warning's text: a string, a dict with ``msg``, or what ansible-core 2.19 makes of a module's warning (a
    ``WarningSummary`` whose ``event`` carries the ``msg``)."""
    if isinstance(warning, dict):
        return str(warning.get("msg") or warning.get("warning") or "")
    event = getattr(warning, "event", None)
    if getattr(event, "msg", None):
        return str(event.msg)
    details = getattr(warning, "details", None)
    if details:
        return "; ".join(str(getattr(detail, "msg", detail)) for detail in details)
    return str(warning)


def _warnings(results):
    """The module warnings of ``results``, each once, in order (a role path's and the controller path's alike)."""
    seen = []
    for result in results:
        warnings = result.get("warnings") or []
        for warning in warnings if isinstance(warnings, list) else [warnings]:
            text = _warning_text(warning)
            if text and text not in seen:
                seen.append(text)
    return seen


def make_record(device_class, results, check_mode):
    """The one place that turns a role's registered module results into a report record.

    ``results`` are registered results in the order the role ran them; skipped ones (a component the
    inventory does not ask for) do not count. ``status`` is ``unreachable`` (the device's API could not be
    reached: the result says ``unreachable`` or ``reached: false``) or ``failed`` (with the first failure's ``msg``
    and ``device_state``), else ``upgraded`` when a module changed the device (``would_upgrade`` in check mode;
    ``downloaded`` when all it did was download, a hawkBit action that asks for the download only), else
    ``unchanged``. The modules' warnings are kept under ``warnings``.
    """
    ran = [r for r in results if isinstance(r, dict) and r and not r.get("skipped")]
    components = [c for c in map(_component, ran) if c]
    components += [item for r in ran for item in r.get("devices_items", [])]
    durations = {}
    for result in ran:
        for step, seconds in (result.get("durations") or {}).items():
            if isinstance(seconds, (int, float)):
                durations[step] = round(durations.get(step, 0) + seconds, 3)
    record = {"device_class": device_class, "components": components, "durations": durations,
              "check_mode": bool(check_mode)}
    warnings = _warnings(ran)
    if warnings:
        record["warnings"] = warnings
    broken = next((r for r in ran if r.get("unreachable") or r.get("failed")), None)
    if broken is not None:
        record.update(status="unreachable" if _not_reached(broken) else "failed",
                      msg=str(broken.get("msg") or "failed without a message"),
                      device_state=str(broken.get("device_state") or "unknown"))
        if broken.get("step"):
            record["step"] = broken["step"]
        return record
    changed = [r for r in ran if r.get("changed")]
    if not changed:
        record["status"] = "unchanged"
    elif check_mode:
        record["status"] = "would_upgrade"
    elif all(r.get("download_only") for r in changed):
        record["status"] = "downloaded"
    else:
        record["status"] = "upgraded"
    record["msg"] = "; ".join(filter(None, map(_message, ran)))
    return record


def device_outcome(device_class, ran, check_mode):
    """The result of a device role's ``fleet_device`` task from its ``[(step, module result)]``.

    ``record`` is the device's report record, made of every step's result, or of the ``report`` step alone when
    there is one (a cycle says itself what it did); the task fails (or is unreachable) with the record's message
    when a step did, and carries each step's result under ``steps`` and their diffs under ``diff``.
    """
    reported = [result for step, result in ran if step == REPORT_STEP] or [result for _step, result in ran]
    record = make_record(device_class, reported, check_mode)
    record["finished"] = now(timespec="milliseconds")
    outcome = {"changed": any(result.get("changed") for _step, result in ran), "record": record, "steps": dict(ran),
               "msg": "%s: %s" % (record["status"], record.get("msg") or "nothing to do")}
    if record.get("warnings"):
        outcome["warnings"] = list(record["warnings"])
    diffs = []
    for _step, result in ran:
        diff = result.get("diff")
        diffs.extend(diff if isinstance(diff, list) else [diff] if diff else [])
    if diffs:
        outcome["diff"] = diffs
    if record["status"] in ("failed", "unreachable"):
        outcome.update(failed=True, msg=record["msg"], device_state=record["device_state"])
        if record["status"] == "unreachable":
            outcome["unreachable"] = True
    return outcome


# ------------------------------------------------------------------------------------------ report
def _site(host_groups):
    sites = [g for g in host_groups if _SITE_GROUP.match(g)]
    return sites[0] if sites else None


def _refusal(device_class, classes):
    if device_class in (None, ""):
        return "no fleetops_device_class set for this host; set one of: %s" % ", ".join(classes)
    return "unknown fleetops_device_class %r; known classes: %s" % (device_class, ", ".join(classes))


def build_report(hosts, classes_of, groups_of, records, settings, started, ended, check_mode=False, previous=None,
                 notes=None):
    """The fleet report (a JSON-ready dict) for every host of the limit, each listed exactly once.

    ``classes_of`` maps host → its ``fleetops_device_class`` (only needed for hosts without a record),
    ``groups_of`` host → group names, ``records`` what ``read_records`` returns, ``previous`` the last
    report of the same report directory (to say which devices an earlier run already upgraded), ``notes`` what the
    plan noted per host (targets not set), listed with the host's warnings.
    """
    preflight, rollout = records.get("preflight", {}), records.get("rollout", {})
    pending = sorted(h for h, r in preflight.items() if needs_work(r))
    batch_of = {}
    for number, batch in enumerate(batches(pending, settings["serial"]), 1):
        for host in batch:
            batch_of[host] = number
    previous_status = {h["host"]: h["status"] for h in (previous or {}).get("hosts", [])}
    stop = configuration_stop(settings, preflight) or _budget_stop(pending, batch_of, rollout, settings)
    entries = []
    for host in sorted(set(hosts)):
        entry = {"host": host, "site": _site(groups_of.get(host, ())), "batch": batch_of.get(host)}
        record = rollout.get(host) or preflight.get(host)
        if record is None and classes_of.get(host) not in settings["classes"]:
            entry.update(device_class=classes_of.get(host) or None, status="refused", components=[],
                         msg=_refusal(classes_of.get(host), settings["classes"]))
        elif record is None and stop and configuration_stop(settings, preflight):
            entry.update(device_class=classes_of.get(host), status="not_attempted", components=[],
                         msg="not started: %s" % stop)
        elif record is None:
            entry.update(device_class=classes_of.get(host), status="failed", components=[],
                         msg="the %s role recorded no result (its task output says why)" % classes_of.get(host),
                         device_state="unknown")
        elif host in batch_of and host not in rollout:
            entry.update(device_class=record["device_class"], status="not_attempted", components=record["components"],
                         msg="not started: %s" % (stop or "the run ended before this device's batch"))
        else:
            entry.update({k: v for k, v in record.items() if k not in ("check_mode",)})
            if host not in batch_of and entry["status"] == "unchanged" and previous_status.get(host) == "upgraded":
                entry["already_done"] = True
                entry["msg"] = "already at the target: upgraded by the previous run"
        if host in previous_status:
            entry["previous_status"] = previous_status[host]
        if (notes or {}).get(host):
            entry["notes"] = list(notes[host])
        entries.append(entry)
    summary = {status: 0 for status in STATUSES}
    for entry in entries:
        summary[entry["status"]] += 1
    summary["total"] = len(entries)
    summary["already_done"] = sum(1 for e in entries if e.get("already_done"))
    return {
        "schema_version": SCHEMA_VERSION,
        "check_mode": bool(check_mode),
        "started": started,
        "ended": ended,
        "duration": _seconds_between(started, ended),
        "settings": {k: settings[k] for k in ("canary", "batch", "max_failures", "min_sample")},
        "batches": len(batches(pending, settings["serial"])),
        "budget": {"stopped": bool(stop), "reason": stop},
        "summary": summary,
        "hosts": sorted(entries, key=_order),
    }


def _budget_stop(pending, batch_of, rollout, settings):
    """Why devices of the rollout were not started, or None when every pending device was."""
    if all(h in rollout for h in pending):
        return None
    state = budget_state(settings, [rollout[h]["status"] for h in pending if h in rollout])
    last = max([batch_of[h] for h in pending if h in rollout] or [0])
    if state[0]:
        return "the run ended before every batch had started"
    return ("the error budget was spent after batch %d (%d failed of %d attempted; "
            "fleetops_max_failures=%s allows %d)" % (last, state[1], state[2], settings["max_failures"], state[3]))


def _seconds_between(started, ended):
    try:
        return round((datetime.datetime.fromisoformat(ended) - datetime.datetime.fromisoformat(started)).total_seconds(), 3)
    except (TypeError, ValueError):
        return None


def _order(entry):
    return (STATUSES.index(entry["status"]), entry["host"])


def exit_reasons(report):
    """{host: message} for every host the report play must fail so the run's exit code tells the truth."""
    return {e["host"]: "%s: %s" % (e["status"], e.get("msg", "")) for e in report["hosts"] if e["status"] not in SUCCESS_STATUSES}


def host_outcomes(report):
    """``{host: {status, msg}}`` for every host of the report: the last play gives each device its outcome."""
    return {e["host"]: {"status": e["status"], "msg": e.get("msg") or ""} for e in report["hosts"]}


def write_host_outcomes(path, outcomes):
    """``host_outcomes``' answer for the run, for ``fleet_outcome``."""
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


def host_outcome_result(path, host):
    """``fleet_outcome``'s result for ``host`` in the run whose spool is ``path``."""
    try:
        outcome = read_host_outcome(path, host)
    except (OSError, ValueError) as exc:
        return dict(failed=True, changed=False, msg="cannot read the fleet run's outcomes in %s: %s" % (path, exc))
    if outcome is None:
        return dict(failed=True, changed=False, msg="the fleet report has no outcome for %s: it was not part of the run "
                                                    "that fleetops.upgrade.fleet_report reported on" % host)
    return outcome_result(outcome)


def outcome_result(outcome):
    """The task result that gives a device its run outcome (one of ``host_outcomes``) in the recap and in AWX's host
    status: changed when upgraded, downloaded (or in check mode would be upgraded); failed for every status that is
    not a successful end (``SUCCESS_STATUSES``)."""
    status = outcome.get("status") if isinstance(outcome, dict) else None
    if status not in STATUSES:
        return dict(failed=True, changed=False,
                    msg="the fleet run's outcome for this host is not {status, msg} with a status of %s: got %s"
                        % (", ".join(STATUSES), "status %r" % status if isinstance(outcome, dict) else type(outcome).__name__))
    return dict(changed=status in CHANGED_STATUSES, failed=status not in SUCCESS_STATUSES, status=status,
                msg="%s: %s" % (status, outcome.get("msg") or ""))


def _versions(components, key):
    return ", ".join("%s %s" % (c["component"], c.get(key) if c.get(key) is not None else "unknown")
                     for c in components) or "-"


def summary_statuses(report):
    """The statuses the summary line and the HTML tiles count: a preview counts ``would_upgrade`` where a real run
    counts ``upgraded``; ``downloaded`` is shown when a device ended so."""
    counts = report["summary"]
    first = ["would_upgrade"] if report["check_mode"] else ["upgraded"] + (["downloaded"] if counts.get("downloaded") else [])
    return first + ["unchanged", "failed", "unreachable", "not_attempted", "refused"]


def summary_lines(report):
    """The printed summary: one line per device that needs attention or changed, then the counts."""
    lines = []
    for entry in report["hosts"]:
        label = "%s [%s]" % (entry["host"], entry.get("device_class") or "no class")
        status = entry["status"]
        if status in ("upgraded", "would_upgrade", "downloaded"):
            verb = "would upgrade" if status == "would_upgrade" or report["check_mode"] else status
            lines.append("%s %s: %s -> %s" % (label, verb, _versions(entry["components"], "from"),
                                              _versions(entry["components"], "to")))
        elif status == "unchanged":
            lines.append("%s unchanged: %s%s" % (label, _versions(entry["components"], "to"),
                                                 " (done by the previous run)" if entry.get("already_done") else ""))
        else:
            lines.append("%s %s: %s%s" % (label, status.upper().replace("_", " "), entry.get("msg", ""),
                                          "; device state: %s" % entry["device_state"]
                                          if entry.get("device_state") and "device state" not in entry.get("msg", "") else ""))
        lines.extend("%s warning: %s" % (label, warning) for warning in entry.get("warnings") or ())
    noted = {}
    for entry in report["hosts"]:
        for note in entry.get("notes") or ():
            noted.setdefault(note, []).append(entry["host"])
    lines.extend("%s on %d device(s) (%s): that step was skipped" % (note, len(hosts), ", ".join(hosts[:5]) + (", ..." if len(hosts) > 5 else ""))
                 for note, hosts in sorted(noted.items()))
    counts = report["summary"]
    lines.append(", ".join("%d %s" % (counts.get(s, 0), s.replace("_", " ")) for s in summary_statuses(report))
                 + (" (check mode: nothing was changed)" if report["check_mode"] else ""))
    if report["budget"]["stopped"]:
        lines.append("rollout stopped: %s" % report["budget"]["reason"])
    return lines


def stats_payload(report, task_vars, max_hosts=SET_STATS_MAX_HOSTS):
    """The set_stats data: ``{report_key(task_vars): bounded report with "awx": awx_job(task_vars)}``.

    The key is ``fleetops_report``, or ``fleetops_report_<awx_job_id>`` inside an AWX workflow so that
    the slices of a sliced job do not replace each other (see ``_awx.py``). The report is bounded
    whatever the fleet size: summary, settings and per-class counts always; the device list keeps the
    failing devices first and stops after ``max_hosts`` entries (``hosts_truncated`` says how many were
    left out; fleet-report.json has them all). Each entry is short: host, class, status, site, batch,
    and msg for devices that did not end upgraded or unchanged.
    """

    by_class = {}
    for entry in report["hosts"]:
        counts = by_class.setdefault(entry.get("device_class") or "none", {})
        counts[entry["status"]] = counts.get(entry["status"], 0) + 1
    kept = []
    for entry in report["hosts"][:max_hosts]:
        short = {k: entry.get(k) for k in ("host", "device_class", "status", "site", "batch")}
        if entry["status"] not in ("upgraded", "would_upgrade", "unchanged"):
            short["msg"] = (entry.get("msg") or "")[:300]
        if entry.get("warnings"):
            short["warnings"] = [w[:300] for w in entry["warnings"][:5]]
        kept.append(short)
    bounded = {k: report[k] for k in ("schema_version", "check_mode", "started", "ended", "duration", "settings",
                                      "batches", "budget", "summary")}
    bounded.update(by_class=by_class, hosts=kept, hosts_truncated=max(len(report["hosts"]) - max_hosts, 0),
                   awx=awx_job(task_vars))
    return {report_key(task_vars): bounded}


def junit_cases(report):

    outcome = {"upgraded": "passed", "would_upgrade": "passed", "downloaded": "passed", "unchanged": "passed",
               "failed": "failure", "unreachable": "failure", "refused": "failure", "not_attempted": "skipped"}
    cases = []
    for entry in report["hosts"]:
        text = "\n".join("%s: %s" % (k, entry[k]) for k in ("status", "msg", "device_state", "step") if entry.get(k))
        total = sum((entry.get("durations") or {}).values()) or None
        cases.append(JUnitCase(
            name=entry["host"], classname=entry.get("device_class") or "unknown", outcome=outcome[entry["status"]],
            message=entry.get("msg", "") if outcome[entry["status"]] != "passed" else "",
            text=text if outcome[entry["status"]] == "failure" else "",
            time=round(total, 3) if total else None,
            system_out="\n".join(
                ["%s: %s -> %s" % (entry["status"], _versions(entry["components"], "from"), _versions(entry["components"], "to"))]
                + (["downloaded, not installed: %s" % entry.get("msg", "")] if entry["status"] == "downloaded" else [])
                + ["warning: %s" % w for w in entry.get("warnings") or ()])))
    return cases


class ReportWriteError(OSError):
    """A report file that could not be written; the message names the file."""


def write_report(report, directory):
    """Write the JSON, HTML and JUnit files (atomically each); returns {kind: path}. A file that cannot be written
    raises ReportWriteError naming it (the files before it are written)."""

    names = CHECK_REPORT_FILES if report["check_mode"] else REPORT_FILES
    paths = {kind: os.path.join(directory, name) for kind, name in names.items()}
    started = _parse_time(report["started"])
    writers = (
        ("json", lambda path: write_atomic(path, json.dumps(report, indent=2, sort_keys=True) + "\n")),
        ("html", lambda path: write_atomic(path, report_html(report))),
        ("junit", lambda path: write_junit(path, "fleetops.upgrade fleet rollout", junit_cases(report), timestamp=started,
                                           time=report["duration"],
                                           properties={"check_mode": str(report["check_mode"]).lower(),
                                                       "settings": json.dumps(report["settings"])})),
    )
    for kind, write in writers:
        try:
            if kind == "json":
                os.makedirs(directory, exist_ok=True)
            write(paths[kind])
        except OSError as exc:
            raise ReportWriteError("the fleet report file %s could not be written: %s" % (
                paths[kind], exc.strerror or exc)) from None
    return paths


def read_previous(directory):
    """The last real (not check mode) report in ``directory``, or None."""
    try:
        with open(os.path.join(directory, REPORT_FILES["json"])) as handle:
            return json.load(handle)
    except (OSError, ValueError):
        return None


def _parse_time(text):
    try:
        return datetime.datetime.fromisoformat(text)
    except (TypeError, ValueError):
        return None


def now(timespec="seconds"):
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec=timespec)


# ------------------------------------------------------------------------------------------ HTML
_COLOURS = {"upgraded": "#2e7d32", "would_upgrade": "#1565c0", "downloaded": "#00838f", "unchanged": "#607d8b",
            "failed": "#c62828", "unreachable": "#ef6c00", "not_attempted": "#757575", "refused": "#6a1b9a"}
# distinct colours for the versions of one class (ColorBrewer-like qualitative set, all readable on white);
# a class with more versions gets evenly spaced hues instead, so no two of its versions share a colour
_VERSION_PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
                    "#bcbd22", "#17becf", "#393b79", "#637939")
_NONE_SPELLINGS = ("", "none", "null")
_CSS = """
body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:24px;color:#222}
h1{font-size:1.4em;margin:0 0 4px} .meta{color:#555;margin-bottom:16px}
.cards{display:flex;flex-wrap:wrap;gap:10px;margin-bottom:20px}
.card{border-radius:6px;padding:10px 14px;color:#fff;min-width:110px}
.card b{display:block;font-size:1.6em}
table{border-collapse:collapse;width:100%;font-size:.9em} th,td{border-bottom:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f3f3f3} .status{font-weight:bold} .stop{background:#fff3e0;border-left:4px solid #ef6c00;padding:8px 12px;margin-bottom:16px}
.chart{margin-bottom:20px} .chart h2,.devices h2{font-size:1.1em}
.warning{color:#8a5300;display:block;margin-top:2px}
"""


def version_label(value):
    """A version as the chart shows it: null, "None", "none", "" and "null" are all ``none``."""
    text = "" if value is None else str(value).strip()
    return "none" if text.lower() in _NONE_SPELLINGS else text


def _versions_per_class(report):
    """{class: {"before": {version: count}, "after": {version: count}}} (components joined per device)."""
    chart = {}
    for entry in report["hosts"]:
        if not entry.get("components"):
            continue
        per = chart.setdefault(entry.get("device_class") or "none", {"before": {}, "after": {}})
        for side, key in (("before", "from"), ("after", "to")):
            if side == "after" and entry["status"] not in ("upgraded", "would_upgrade", "unchanged"):
                key = "from"  # a device that did not upgrade (or only downloaded) still runs what it ran
            label = " / ".join(version_label(c.get(key)) for c in entry["components"])
            per[side][label] = per[side].get(label, 0) + 1
    return chart


def version_order(label):
    """Sort key that puts 1.9.0 before 1.10.0 (numbers compared as numbers), ``none`` first."""
    return (label != "none", [(0, int(part), "") if part.isdigit() else (1, 0, part) for part in re.split(r"(\d+)", label)])


def version_colours(versions):
    """{version: colour} with a colour of its own for each of ``versions`` (the versions of one class, in order)."""
    versions = list(versions)
    if len(versions) <= len(_VERSION_PALETTE):
        return dict(zip(versions, _VERSION_PALETTE))
    # hues a golden angle apart (every one different, neighbours far apart), two lightnesses alternating
    return {v: "hsl(%.1f,70%%,%d%%)" % (i * 137.508 % 360, 38 if i % 2 else 50) for i, v in enumerate(versions)}


def _chart_svg(report):
    chart = _versions_per_class(report)
    if not chart:
        return "<p>No device reported versions.</p>"
    colours = {cls: version_colours(sorted({v for side in per.values() for v in side}, key=version_order))
               for cls, per in chart.items()}
    width, bar_h, gap, left = 720, 18, 10, 190
    height = 10 + sum(2 * (bar_h + gap) + 6 + 18 * len(colours[cls]) + 12 for cls in chart)
    parts = ['<svg role="img" aria-label="versions before and after per device class" '
             'width="%d" height="%d" font-size="12">' % (width, height)]
    y = 10
    for cls in sorted(chart):
        colour = colours[cls]
        for side in ("before", "after"):
            counts = chart[cls][side]
            total = sum(counts.values()) or 1
            parts.append('<text x="0" y="%d">%s %s</text>' % (y + 13, html.escape(cls), side))
            x = left
            for version in sorted(counts, key=version_order):
                w = (width - left - 10) * counts[version] / total
                parts.append('<rect x="%.1f" y="%d" width="%.1f" height="%d" fill="%s"><title>%s: %d</title></rect>'
                             % (x, y, w, bar_h, colour[version], html.escape(version), counts[version]))
                if w > 24:
                    parts.append('<text x="%.1f" y="%d" fill="#fff">%d</text>' % (x + 4, y + 13, counts[version]))
                x += w
            y += bar_h + gap
        y += 6
        for version in colour:
            parts.append('<rect x="%d" y="%d" width="12" height="12" fill="%s"/><text x="%d" y="%d">%s</text>'
                         % (left, y, colour[version], left + 18, y + 11, html.escape(version)))
            y += 18
        y += 12
    parts.append("</svg>")
    return "".join(parts)


def report_html(report):
    """One self-contained page: no external script, style, font or image."""
    esc = html.escape
    counts = report["summary"]
    cards = "".join('<div class="card" style="background:%s"><b>%d</b>%s</div>'
                    % (_COLOURS[s], counts.get(s, 0), esc(s.replace("_", " "))) for s in summary_statuses(report))
    rows = []
    for entry in report["hosts"]:
        rows.append("<tr><td>%s</td><td>%s</td><td>%s</td><td class=\"status\" style=\"color:%s\">%s</td><td>%s</td>"
                    "<td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>" % (
                        esc(entry["host"]), esc(entry.get("device_class") or "-"), esc(entry.get("site") or "-"),
                        _COLOURS[entry["status"]], esc(entry["status"]), esc(str(entry.get("batch") or "-")),
                        esc(_versions(entry.get("components") or [], "from")), esc(_versions(entry.get("components") or [], "to")),
                        esc(entry.get("msg") or "") + "".join('<span class="warning">%s</span>' % esc(w) for w in
                                                              ["warning: %s" % w for w in entry.get("warnings") or ()]
                                                              + list(entry.get("notes") or ())),
                        esc(entry.get("device_state") or "")))
    stop = ('<div class="stop">Rollout stopped: %s</div>' % esc(report["budget"]["reason"])) if report["budget"]["stopped"] else ""
    title = "Fleet rollout report" + (" (check mode preview)" if report["check_mode"] else "")
    return """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>%s</title><style>%s</style></head>
<body><h1>%s</h1>
<div class="meta">started %s, ended %s; %d devices in %d batch(es); canary %s, batch %s, max failures %s</div>
%s<div class="cards">%s</div>
<div class="chart"><h2>Versions before and after, per device class</h2>%s</div>
<div class="devices"><h2>Devices (failures first)</h2>
<table><thead><tr><th>host</th><th>class</th><th>site</th><th>status</th><th>batch</th><th>from</th><th>to</th>
<th>message</th><th>device state</th></tr></thead>
<tbody>%s</tbody></table></div></body></html>
""" % (esc(title), _CSS, esc(title), esc(str(report["started"])), esc(str(report["ended"])), counts["total"],
       report["batches"], esc(str(report["settings"]["canary"])), esc(json.dumps(report["settings"]["batch"])),
       esc(str(report["settings"]["max_failures"])), stop, cards, _chart_svg(report), "\n".join(rows))
