# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fleetops.upgrade contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The fleet report of ``playbooks/upgrade.yml``: built from the run's records, written to the report directory, and
turned into the outcome each host of the run ends with.

``build_report`` lists every host of the limit exactly once, with the record the run made for it (``_fleet_records``)
or why there is none, its site and batch (``_fleet_schedule``); the JSON document it returns is the report's schema
(``schema_version``). ``write_report`` writes it as JSON, HTML and JUnit (``_report_render``); ``host_outcomes`` is
what ``fleet_outcome`` gives each host so that the recap and the exit code tell the truth.
"""

from __future__ import annotations

__metaclass__ = type

import datetime
import json
import os
import re

from ansible_collections.fleetops.upgrade.plugins.plugin_utils._fleet_records import (
    CHANGED_STATUSES, STATUSES, SUCCESS_STATUSES, configuration_stop)
from ansible_collections.fleetops.upgrade.plugins.plugin_utils._fleet_schedule import batches, budget_stop, pending_hosts
from ansible_collections.fleetops.upgrade.plugins.plugin_utils._fleet_spool import read_host_outcome
from ansible_collections.fleetops.upgrade.plugins.plugin_utils._files import write_atomic
from ansible_collections.fleetops.upgrade.plugins.plugin_utils._junit import write_junit
from ansible_collections.fleetops.upgrade.plugins.plugin_utils._report_render import (
    fleet_junit_cases, fleet_report_html, write_report_files)

SCHEMA_VERSION = 1
REPORT_FILES = {"json": "fleet-report.json", "html": "fleet-report.html", "junit": "fleet-report.xml"}
CHECK_REPORT_FILES = {"json": "fleet-report-check.json", "html": "fleet-report-check.html", "junit": "fleet-report-check.xml"}
_SITE_GROUP = re.compile(r"^site[_-]")


# ------------------------------------------------------------------------------------------ the report
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
    pending = pending_hosts(preflight)
    batch_of = {}
    for number, batch in enumerate(batches(pending, settings["serial"]), 1):
        for host in batch:
            batch_of[host] = number
    previous_status = {h["host"]: h["status"] for h in (previous or {}).get("hosts", [])}
    stop = configuration_stop(settings, preflight) or budget_stop(pending, batch_of, rollout, settings)
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


def _parse_time(text):
    try:
        return datetime.datetime.fromisoformat(text)
    except (TypeError, ValueError):
        return None


def _seconds_between(started, ended):
    try:
        return round((_parse_time(ended) - _parse_time(started)).total_seconds(), 3)
    except TypeError:  # a time that is not ISO 8601, or one with a time zone and one without
        return None


def _order(entry):
    return (STATUSES.index(entry["status"]), entry["host"])


# ------------------------------------------------------------------------------------------ the hosts' outcomes
def exit_reasons(report):
    """{host: message} for every host the report play must fail so the run's exit code tells the truth."""
    return {e["host"]: "%s: %s" % (e["status"], e.get("msg", "")) for e in report["hosts"] if e["status"] not in SUCCESS_STATUSES}


def host_outcomes(report):
    """``{host: {status, msg}}`` for every host of the report: the last play gives each device its outcome."""
    return {e["host"]: {"status": e["status"], "msg": e.get("msg") or ""} for e in report["hosts"]}


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


# ------------------------------------------------------------------------------------------ the report's files
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


def write_report(report, directory):
    """Write the JSON, HTML and JUnit files (atomically each); returns {kind: path}. A file that cannot be written
    raises ReportWriteError naming it (the files before it are written)."""
    names = CHECK_REPORT_FILES if report["check_mode"] else REPORT_FILES
    properties = {"check_mode": str(report["check_mode"]).lower(), "settings": json.dumps(report["settings"])}
    return write_report_files("fleet report", directory, {
        "json": (names["json"], lambda path: write_atomic(path, json.dumps(report, indent=2, sort_keys=True) + "\n")),
        "html": (names["html"], lambda path: write_atomic(path, fleet_report_html(report))),
        "junit": (names["junit"], lambda path: write_junit(path, "fleetops.upgrade fleet rollout", fleet_junit_cases(report),
                                                           timestamp=_parse_time(report["started"]), time=report["duration"],
                                                           properties=properties)),
    })


def read_previous(directory):
    """The last real (not check mode) report in ``directory``, or None."""
    try:
        with open(os.path.join(directory, REPORT_FILES["json"])) as handle:
            return json.load(handle)
    except (OSError, ValueError):
        return None
