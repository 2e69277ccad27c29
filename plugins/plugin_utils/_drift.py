# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fleetops.upgrade contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The drift gate: what a device runs against what the inventory wants, per device and for the fleet.

Each role's ``tasks/survey.yml`` reads the device with its info module and hands the raw result,
the versions the inventory wants (the same variables the role's upgrade reads) and, where one read
covers many devices, what identifies this one, to ``check()``. ``report()`` turns every host's
record into the drift report's document (``_report_render`` makes its status lines and JUnit cases).
No version comparison or status string is derived in Jinja.
"""

from __future__ import annotations

__metaclass__ = type

import datetime

from ansible_collections.fleetops.upgrade.plugins.module_utils._mwcloud import normalize_version
from ansible_collections.fleetops.upgrade.plugins.module_utils._npm_common import version_matches

SCHEMA = "fleetops.upgrade/drift-report/v1"
STATUSES = ("in_sync", "drifted", "unreachable", "unknown_class")
APPRESPONSE_HEALTHY = ("IDLE", "INITIALIZING", "INITIALIZED", "RUNNING")


class Unreadable(Exception):
    """The survey did not tell what the device runs. ``seen`` keeps what it did tell (model, versions, health)."""

    def __init__(self, msg, **seen):
        super().__init__(msg)
        self.msg = msg
        self.seen = seen


class SurveyReader:
    """How the survey of one device class is read (its ``DeviceClass``'s ``survey``)."""

    def read(self, survey, device):
        """(model, versions shown in the status, health, {component: version the device runs})."""
        raise NotImplementedError

    def wanted(self, wanted, survey):
        """{component: version wanted, or None when the inventory leaves the component alone}."""
        return {component: (str(version) if version not in (None, "") else None) for component, version in wanted.items()}

    def matches(self, wanted, actual):
        return actual is not None and str(actual).strip() == str(wanted).strip()


class EncedoSurvey(SurveyReader):
    def read(self, survey, device):
        fault = "fault (fls_state=%s)" % survey.get("fls_state") if survey.get("fault") else "ok"
        versions = {"firmware": survey.get("firmware_version"), "management app": survey.get("uis")}
        return survey.get("model"), versions, fault, dict(versions)


class AppResponseSurvey(SurveyReader):
    def read(self, survey, device):
        images = " ".join(str(image.get("version") or "?") for image in survey.get("images") or []) or "none"
        update = survey.get("update_status") or {}
        health = "ok" if update.get("state") in APPRESPONSE_HEALTHY else "update %s: %s" % (
            update.get("state"), update.get("state_description"))
        software = survey.get("sw_version")
        return survey.get("model"), {"software": software, "images": images}, health, {"software": software}

    def matches(self, wanted, actual):
        return version_matches(wanted, actual)


class HawkbitSurvey(SurveyReader):
    """hawkBit targets: the server, not the inventory, says what a target should run. A target is in sync
    while the server has no open action for it, drifted while a deployment or a cancellation is open."""

    def read(self, survey, device):
        action = survey.get("action") or {}
        installed = (survey.get("installed_action") or {}).get("id") or "none"
        open_action = "none" if action.get("type") in (None, "none") else "%s %s" % (action.get("type"), action.get("id"))
        health = "cancel requested" if action.get("type") == "cancel" else "ok"
        model = "DDI target %s" % device.get("controller_id", "?")
        running = survey.get("previous_version") or ("installed action %s" % installed if installed != "none" else "none")
        return model, {"installed action": installed, "open action": open_action}, health, {"distribution set": running}

    def wanted(self, wanted, survey):
        action = survey.get("action") or {}
        if action.get("type") in (None, "none"):
            return {"distribution set": None}
        if action.get("type") == "cancel":
            return {"distribution set": "cancel of action %s" % (survey.get("cancel") or {}).get("stop_id", action.get("id"))}
        chunks = (survey.get("deployment") or {}).get("chunks") or []
        offered = survey.get("version") or ", ".join("%s %s" % (c.get("name"), c.get("version")) for c in chunks)
        return {"distribution set": offered or "%s %s" % (action.get("type"), action.get("id"))}


class MagewellSurvey(SurveyReader):
    """One device-list read per cloud covers every device of that cloud; ``device`` names the cloud and serial."""

    def read(self, survey, device):
        reads = survey.get("results") or [survey]
        read = next((r for r in reads if r.get(r.get("ansible_loop_var", "item")) == device.get("cloud_url")), None)
        if read is None or read.get("skipped"):
            raise Unreadable("the cloud %s was not read" % device.get("cloud_url"))
        if read.get("failed") or "devices" not in read:
            msg = "survey failed: %s" % read.get("msg", "no device list")
            raise Unreadable(msg, model="unknown model", versions={"firmware": "unknown"}, health=msg)
        found = next((d for d in read["devices"] if d.get("serial") == device.get("serial")), None)
        if found is None:
            raise Unreadable("not listed by the cloud", model="unknown model", versions={"firmware": "unknown"},
                             health="not listed by the cloud")
        if found.get("transferring"):
            health = "transferring firmware (%s%%)" % found.get("transfer_progress")
        else:
            health = "online" if found.get("online") else "offline"
        firmware = found.get("firmware_version")
        return found.get("product") or "unknown model", {"firmware": firmware or "unknown"}, health, {"firmware": firmware}

    def matches(self, wanted, actual):
        return actual is not None and normalize_version(actual) == normalize_version(wanted)


def check(device_class, survey, wanted=None, device=None):
    """The drift record of one device of ``device_class`` (a ``DeviceClass``) from its raw survey result (a registered
    info module result), read by the class's ``survey`` reader."""
    reader = device_class.survey
    record = {"device_class": device_class.name, "model": None, "versions": {}, "health": None, "components": []}
    try:
        if survey.get("unreachable") or survey.get("failed") or survey.get("skipped"):
            raise Unreadable(survey.get("msg") or "the survey did not run")
        model, versions, health, running = reader.read(survey, device or {})
    except Unreadable as exc:
        record.update(exc.seen, status="unreachable", msg="could not read the device: %s" % exc.msg)
        return record
    record.update(model=model, versions=versions, health=health)
    for component, want in reader.wanted(wanted or {}, survey).items():
        actual = running.get(component)
        record["components"].append({"component": component, "wanted": want, "actual": actual,
                                     "in_sync": want is None or reader.matches(want, actual)})
    drifted = [c for c in record["components"] if not c["in_sync"]]
    record["status"] = "drifted" if drifted else "in_sync"
    record["msg"] = "; ".join("%s: wanted %s, runs %s" % (c["component"], c["wanted"], c["actual"] or "unknown")
                              for c in drifted) or "runs what the inventory wants"
    return record


def host_record(host, device_class, record, known):
    """The report entry of one host: its survey record, or why there is none (``known``: the class names)."""
    if device_class not in known:
        reason = ("fleetops_device_class is not set" if device_class in (None, "") else
                  "unknown fleetops_device_class %r (known: %s)" % (device_class, ", ".join(sorted(known))))
        entry = {"device_class": device_class or None, "status": "unknown_class", "msg": reason, "model": None,
                 "versions": {}, "health": None, "components": []}
    elif not isinstance(record, dict) or record.get("status") not in STATUSES:
        entry = {"device_class": device_class, "status": "unreachable", "model": None, "versions": {}, "health": None,
                 "components": [], "msg": "no survey result: the host failed or could not be reached before it was read"}
    else:
        entry = {key: record.get(key) for key in ("device_class", "status", "model", "versions", "health", "components", "msg")}
    return dict(host=host, **entry)


def report(hosts, records, known, started=None, limit=None, awx=None):
    """The drift report document: ``records`` maps host -> (device_class, record or None); ``known``: the class names."""
    entries = [host_record(host, *records.get(host, (None, None)), known=known) for host in hosts]
    summary = dict.fromkeys(STATUSES, 0)
    for entry in entries:
        summary[entry["status"]] += 1
    summary["devices"] = len(entries)
    return {"schema": SCHEMA, "generated": _utc(started), "limit": limit, "awx": awx, "in_sync": summary["in_sync"] == len(entries),
            "summary": summary, "hosts": entries}


def _utc(moment):
    moment = moment or datetime.datetime.now(datetime.timezone.utc)
    return moment.astimezone(datetime.timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")
