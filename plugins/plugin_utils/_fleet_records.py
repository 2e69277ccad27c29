# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fleetops.upgrade contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A device's record in a fleet run: the statuses it can end with, and the one place module results become a record.

``make_record`` turns a role's (or the controller path's) module results into the record every other part of the run
reads: the spool stores it, the budget counts its status, the report lists it. ``device_task_result`` is the result of
a device role's ``fleet_device`` task built around that record. A device the plan refuses for its configuration gets
a ``refusal_record``, and ``configuration_stop`` says when such refusals stop the run before any device changes.
"""

from __future__ import annotations

__metaclass__ = type

import datetime

from ansible_collections.fleetops.upgrade.plugins.plugin_utils._device_steps import REPORT_STEP
from ansible_collections.fleetops.upgrade.plugins.plugin_utils._fleet_config import is_argument_error

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
CONFIGURATION_STEP = "configuration"
SKIP_MISCONFIGURED = "fleetops_skip_misconfigured"


def now(timespec="seconds"):
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec=timespec)


def needs_work(record):
    """True for a pre-flight record of a device that needs work (it goes into the rollout)."""
    return record.get("status") in PENDING_STATUSES


# ------------------------------------------------------------------------------------------ module results
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


def device_task_result(device_class, ran, check_mode):
    """The result of a device role's ``fleet_device`` task (or of one device of the controller path) from its
    ``[(step, module result)]``.

    ``record`` is the device's report record, made of every step's result, or of the ``report`` step alone when
    there is one (a cycle says itself what it did); the task fails (or is unreachable) with the record's message
    when a step did, and carries each step's result under ``steps`` and their diffs under ``diff``.
    """
    reported = [result for step, result in ran if step == REPORT_STEP] or [result for _step, result in ran]
    record = make_record(device_class, reported, check_mode)
    record["finished"] = now(timespec="milliseconds")
    task_result = {"changed": any(result.get("changed") for _step, result in ran), "record": record, "steps": dict(ran),
                   "msg": "%s: %s" % (record["status"], record.get("msg") or "nothing to do")}
    if record.get("warnings"):
        task_result["warnings"] = list(record["warnings"])
    diffs = []
    for _step, result in ran:
        diff = result.get("diff")
        diffs.extend(diff if isinstance(diff, list) else [diff] if diff else [])
    if diffs:
        task_result["diff"] = diffs
    if record["status"] in ("failed", "unreachable"):
        task_result.update(failed=True, msg=record["msg"], device_state=record["device_state"])
        if record["status"] == "unreachable":
            task_result["unreachable"] = True
    return task_result


# ------------------------------------------------------------------------------------------ configuration refusals
def refusal_record(device_class, msg, check_mode):
    """The record of a device the plan refuses for its configuration (no request was sent to it)."""
    return {"device_class": device_class, "status": "refused", "components": [], "durations": {},
            "check_mode": bool(check_mode), "msg": msg, "step": CONFIGURATION_STEP,
            "device_state": "unchanged: the run did not contact the device", "finished": now(timespec="milliseconds")}


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
