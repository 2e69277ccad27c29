# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fleetops.upgrade contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Task logic of mwcloud_upgrade: read devices and catalogue, plan batches, start them, follow the devices."""

from __future__ import annotations

__metaclass__ = type

import time

from ._common_args import WAIT_ARGS
from ._errors import AuthenticationError, DeviceApiError, DeviceUnreachable, FleetopsError, TaskError, WaitTimeout
from ._mwcloud import (
    MWCLOUD_COMMON_ARGS, RESULT_OK, RESULT_REPEAT, MwCloudApiError, MwCloudClient, describe_result, device_from_record,
    firmware_from_record, normalize_version, version_key)
from ._task import TaskRun
from ._wait import Poll, wait_until

SPEC = dict(
    argument_spec=dict(
        MWCLOUD_COMMON_ARGS,
        serial_numbers=dict(type="list", elements="str", required=True),
        version=dict(type="str"),
        firmware_id=dict(type="int"),
        force=dict(type="bool", default=False),
        batch_size=dict(type="int", default=50),
        poll_interval=dict(type="float", default=10.0),
        **WAIT_ARGS
    ),
    mutually_exclusive=[("version", "firmware_id")],
    required_one_of=[("version", "firmware_id")],
)

STATUS_CURRENT = "current"
STATUS_NOT_STARTED = "not started"
STATUS_WOULD_UPGRADE = "would upgrade"
STATUS_STARTED = "started"
STATUS_IN_PROGRESS = "in progress"
STATUS_UPGRADED = "upgraded"
STATUS_FAILED = "failed"
STATUS_TIMEOUT = "timeout"
STATUS_OFFLINE = "offline"  # internal: offline before the task, maybe still flashing; waited for
CHANGING_STATUSES = (STATUS_WOULD_UPGRADE, STATUS_STARTED, STATUS_IN_PROGRESS, STATUS_UPGRADED)
FAILED_STATUSES = (STATUS_FAILED, STATUS_TIMEOUT, STATUS_NOT_STARTED)


def check_upgrade_params(params):
    if not params["serial_numbers"]:
        raise FleetopsError("serial_numbers is empty: name at least one device")
    if params["batch_size"] < 1:
        raise FleetopsError("batch_size must be at least 1, got %s" % params["batch_size"])
    if params["poll_interval"] <= 0:
        raise FleetopsError("poll_interval must be more than 0, got %s" % params["poll_interval"])
    if params["version"] is not None and not params["version"].strip():
        raise FleetopsError("version is empty")


class Catalogue:
    """The cloud's firmware entries, looked up by id or by (product, hardware version, version)."""

    def __init__(self, entries):
        self.entries = [firmware_from_record(raw) for raw in entries]
        self.by_id = {f["id"]: f for f in self.entries}

    def versions_for(self, product_id, hardware_version):
        found = {f["version"] for f in self.entries if (f["product_id"], f["hardware_version"]) == (product_id, hardware_version)}
        return sorted(found, key=version_key)

    def resolve(self, device, version=None, firmware_id=None):
        """The entry to install on ``device``; raises TaskError naming what exists."""
        product, hardware = device["product_id"], device["hardware_version"]
        if firmware_id is not None:
            entry = self.by_id.get(firmware_id)
            if entry is None:
                raise TaskError("firmware id %s is not in the cloud's catalogue" % firmware_id)
            if (entry["product_id"], entry["hardware_version"]) != (product, hardware):
                raise TaskError("firmware id %s (%s) is for product %s hardware %s, the device is product %s hardware %s"
                                % (firmware_id, entry["version"], entry["product_id"], entry["hardware_version"], product, hardware))
            return entry
        wanted = normalize_version(version)
        candidates = [f for f in self.entries
                      if (f["product_id"], f["hardware_version"]) == (product, hardware) and normalize_version(f["version"]) == wanted]
        if not candidates:
            available = self.versions_for(product, hardware)
            raise TaskError("no firmware %s in the catalogue for product %s (%s) hardware %s; versions there: %s"
                            % (version, product, device.get("product") or "?", hardware, ", ".join(available) or "none"))
        # a release build (type 0) before a test build, then the newest upload
        return max(candidates, key=lambda f: (f["build_type"] == 0, f["upload_date"] or 0, f["id"]))


def device_entry(serial, device, status, message, target=None, firmware_id=None):
    return {"serial": serial, "from": device.get("firmware_version") if device else None,
            "to": target, "firmware_id": firmware_id, "status": status, "msg": message,
            "device_state": describe_device_state(device)}


def batch_key(device, firmware_id):
    """Devices of one start-upgrade call share family, product and hardware version (the API's rule) and firmware."""
    return (device["family"], device["product_id"], device["hardware_version"], firmware_id)


def same_version(one, other):
    return one is not None and other is not None and normalize_version(one) == normalize_version(other)


def plan_upgrade(params, devices, catalogue):
    """Per-device entries and the batches to start: {batch key: [serials]}.

    An offline device that is not at the target may still be flashing an upgrade started earlier
    (the cloud shows nothing else while a device flashes): it gets the internal status ``offline``
    and is waited for, not failed.
    """
    entries = {}
    batches = {}
    for serial in params["serial_numbers"]:
        if serial in entries:
            continue
        device = devices.get(serial)
        if device is None:
            entries[serial] = device_entry(serial, None, STATUS_FAILED, "no device with this serial number on the cloud")
            continue
        try:
            firmware = catalogue.resolve(device, params["version"], params["firmware_id"])
        except TaskError as exc:
            entries[serial] = device_entry(serial, device, STATUS_FAILED, exc.msg)
            continue
        target = firmware["version"]
        current = device["firmware_version"]
        entry = device_entry(serial, device, None, None, target, firmware["id"])
        entries[serial] = entry
        if same_version(current, target) and not params["force"]:
            entry.update(status=STATUS_CURRENT, msg="already at %s" % target)
        elif current is None and not params["force"]:
            entry.update(status=STATUS_FAILED, msg="the device does not report its firmware version, so it cannot be told "
                                                   "whether it needs %s; set force=true to upgrade it anyway" % target)
        elif not device["online"] and not device["transferring"]:
            entry.update(status=STATUS_OFFLINE, msg="offline (maybe still flashing an upgrade started earlier)")
        else:
            entry.update(status=STATUS_NOT_STARTED, msg="upgrade to %s not started" % target)
            batches.setdefault(batch_key(device, firmware["id"]), []).append(serial)
    return entries, batches


def split_batches(batches, batch_size):
    """The start-upgrade calls, at most ``batch_size`` devices each."""
    calls = []
    for (family, product, hardware, firmware_id), serials in sorted(batches.items(), key=lambda item: str(item[0])):
        for index in range(0, len(serials), batch_size):
            calls.append({"family": family, "product_id": product, "hardware_version": hardware,
                          "firmware_id": firmware_id, "serial_numbers": serials[index:index + batch_size]})
    return calls


def start_batches(client, calls, entries):
    """Start every call; per-device result 1 (already upgrading) counts as in progress."""
    for call in calls:
        try:
            details = client.start_upgrade(call["serial_numbers"], call["firmware_id"])
        except MwCloudApiError as exc:
            call["result"] = exc.code
            for serial in call["serial_numbers"]:
                entries[serial].update(status=STATUS_FAILED, msg="the cloud refused the batch: %s" % describe_result(exc.code))
            continue
        except AuthenticationError:
            raise
        except DeviceApiError as exc:
            # the call went out: whether the cloud started anything is unknown
            call["result"] = None
            for serial in call["serial_numbers"]:
                entries[serial].update(status=STATUS_FAILED, msg=exc.msg,
                                       device_state="unknown: the cloud's answer to start-upgrade was not usable")
            continue
        call["result"] = RESULT_OK
        answered = {d.get("sn"): d.get("result") for d in details}
        for serial in call["serial_numbers"]:
            code = answered.get(serial)
            entry = entries[serial]
            if code == RESULT_OK:
                entry.update(status=STATUS_STARTED, msg="upgrade to %s started" % entry["to"],
                             device_state="upgrade to %s started" % entry["to"])
            elif code == RESULT_REPEAT:
                entry.update(status=STATUS_IN_PROGRESS, msg="an upgrade was already in progress (repeat operation)",
                             device_state="upgrading")
            elif code is None:
                entry.update(status=STATUS_FAILED, msg="the cloud's answer did not mention this device",
                             device_state="unknown: the cloud did not say whether it started the upgrade")
            else:
                entry.update(status=STATUS_FAILED, msg="the cloud did not start the upgrade: %s" % describe_result(code))


def describe_device_state(device):
    if device is None:
        return "not listed by the cloud"
    if device["transferring"]:
        return "transferring firmware (%s%%)" % device["transfer_progress"]
    if not device["online"]:
        return "offline (flashing or rebooting)"
    return "online at %s" % (device["firmware_version"] or "an unreported version")


class UpgradeFollower:
    """Follows devices through transfer, offline and back online, with one get-devs per poll.

    Started devices are done when they report the target. Devices that were offline before the task
    (maybe flashing an earlier upgrade) are done when they come back at the target; one that comes
    back below it is started then, and followed like the others.
    """

    def __init__(self, client, entries, serials, devices, calls, batch_size, clock=time.monotonic):
        self.client = client
        self.entries = entries
        self.pending = set(serials)
        self.went_away = set()
        self.devices = devices
        self.calls = calls
        self.batch_size = batch_size
        self.clock = clock
        self.started_at = clock()

    def probe(self):
        listed = {record["sn"]: record for record in self.client.get_devs()}  # the cloud's every device: convert only ours
        back = []
        for serial in sorted(self.pending):
            device = device_from_record(listed[serial]) if serial in listed else None
            if device is not None:
                self.devices[serial] = device
            self.entries[serial]["device_state"] = describe_device_state(device)
            if self.observe(serial, device):
                back.append(serial)
        if back:
            self.start(back)
        return Poll(not self.pending, "%d device(s) still upgrading" % len(self.pending))

    def observe(self, serial, device):
        """Update the entry from what the cloud lists; True when an offline device is back and needs starting."""
        entry = self.entries[serial]
        if device is None:
            return False
        if device["transferring"] or not device["online"]:
            self.went_away.add(serial)
            return False
        version = device["firmware_version"]
        seconds = round(self.clock() - self.started_at, 1)
        if entry["status"] == STATUS_OFFLINE:
            if same_version(version, entry["to"]):
                entry.update(status=STATUS_UPGRADED, seconds=seconds,
                             msg="came back online at %s after %ss (an upgrade started earlier finished)" % (version, seconds))
                self.pending.discard(serial)
                return False
            return True
        if same_version(version, entry["to"]):
            entry.update(status=STATUS_UPGRADED, msg="upgraded from %s to %s" % (entry["from"] or "an unreported version", entry["to"]),
                         seconds=seconds)
            self.pending.discard(serial)
        elif serial in self.went_away and (version is not None or entry["from"] is None):
            entry.update(status=STATUS_FAILED, msg="the device came back online with %s instead of %s"
                         % (version or "an unreported version", entry["to"]))
            self.pending.discard(serial)
        return False

    def start(self, serials):
        batches = {}
        for serial in serials:
            self.went_away.discard(serial)
            entry = self.entries[serial]
            entry.update(status=STATUS_NOT_STARTED, msg="upgrade to %s not started" % entry["to"])
            batches.setdefault(batch_key(self.devices[serial], entry["firmware_id"]), []).append(serial)
        calls = split_batches(batches, self.batch_size)
        self.calls.extend(calls)
        start_batches(self.client, calls, self.entries)
        for serial in serials:
            if self.entries[serial]["status"] not in (STATUS_STARTED, STATUS_IN_PROGRESS):
                self.pending.discard(serial)

    def time_out(self, waited):
        for serial in self.pending:
            entry = self.entries[serial]
            if entry["status"] == STATUS_OFFLINE:
                msg = ("was offline and did not come back online within %ss (still flashing, or switched off?); "
                       "last state seen: %s" % (waited, entry["device_state"]))
            else:
                msg = "not at %s after %ss; last state seen: %s" % (entry["to"], waited, entry["device_state"])
            entry.update(status=STATUS_TIMEOUT, msg=msg)


def summarize(entries):
    counts = {}
    for entry in entries:
        counts[entry["status"]] = counts.get(entry["status"], 0) + 1
    return ", ".join("%d %s" % (count, status) for status, count in sorted(counts.items()))


class MwCloudUpgrade(TaskRun):
    """One run of mwcloud_upgrade; logs in once and out when done."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.client = MwCloudClient.from_params(self.params)
        self.entries = {}
        self.calls = []
        self.devices = {}

    def close(self):
        self.client.close()

    def run(self):
        params = self.params
        check_upgrade_params(params)
        with self.step("login"):
            self.client.login()
        with self.step("read"):
            self.devices = {d["serial"]: d for d in map(device_from_record, self.client.get_devs())}
            catalogue = Catalogue(self.client.get_all_firmwares(0))
        self.entries, batches = plan_upgrade(params, self.devices, catalogue)
        self.calls = split_batches(batches, params["batch_size"])
        if self.check_mode:
            self.plan_only()
            return self.result(None)
        waited = None
        try:
            if self.calls:
                with self.step("start"):
                    start_batches(self.client, self.calls, self.entries)
            if params["wait"]:
                with self.step("wait"):
                    waited = self.wait_for_devices()
            else:
                self.refuse_offline()
        except FleetopsError as exc:
            self.device_state = self.overall_state()
            raise TaskError("%s; devices: %s" % (exc.msg, summarize(self.entries.values())),
                            devices=list(self.entries.values()), batches=self.calls, changed=self.changed(),
                            **self.report_keys()) from None
        return self.result(waited)

    def plan_only(self):
        for call in self.calls:
            for serial in call["serial_numbers"]:
                self.entries[serial].update(status=STATUS_WOULD_UPGRADE, msg="would upgrade to %s (firmware id %s)"
                                            % (self.entries[serial]["to"], call["firmware_id"]))
        for entry in self.entries.values():
            if entry["status"] == STATUS_OFFLINE:
                entry.update(status=STATUS_WOULD_UPGRADE,
                             msg="offline now (maybe still flashing an upgrade started earlier): would wait for it and "
                                 "upgrade it to %s unless it comes back at %s" % (entry["to"], entry["to"]))

    def refuse_offline(self):
        for entry in self.entries.values():
            if entry["status"] == STATUS_OFFLINE:
                entry.update(status=STATUS_FAILED,
                             msg="the device is offline (maybe still flashing an upgrade started earlier) and the cloud "
                                 "can only upgrade online devices; with wait=true the task waits for it to come back")

    def wait_for_devices(self):
        serials = [s for s, e in self.entries.items() if e["status"] in (STATUS_STARTED, STATUS_IN_PROGRESS, STATUS_OFFLINE)]
        if not serials:
            return None
        follower = UpgradeFollower(self.client, self.entries, serials, self.devices, self.calls, self.params["batch_size"],
                                   self.clock)
        try:
            _poll, waited = wait_until(follower.probe, "the upgrades to finish", self.params["wait_timeout"],
                                       self.params["poll_interval"], tolerate=(DeviceUnreachable,),
                                       clock=self.clock, sleep=self.sleep)
        except WaitTimeout as exc:
            follower.time_out(exc.details["waited"])
            return exc.details["waited"]
        return waited

    # -------------------------------------------------------------- result
    def failure_details(self):
        """Also a failure before the devices were read (login refused, cloud unreachable) carries the report keys."""
        details = super().failure_details()
        details["changed"] = self.changed()
        if len(set(self.params["serial_numbers"] or ())) == 1:
            keys = {"component": "firmware", "previous_version": None, "version": None,
                    "device_state": "unchanged: no upgrade was started"}
            keys.update(self.report_keys())
            keys.update({k: v for k, v in details.items() if k == "device_state"})
            details.update(keys)
        return details

    def changed(self):
        return any(e["status"] in CHANGING_STATUSES for e in self.entries.values())

    def overall_state(self):
        """One device's state (the fleet report's case); for many, each entry of ``devices`` says its own."""
        entries = list(self.entries.values())
        return entries[0]["device_state"] if len(entries) == 1 else None

    def report_keys(self):
        """The fleet report's keys at the top level when the task is about one device."""
        if len(self.entries) != 1:
            return {}
        entry = next(iter(self.entries.values()))
        device = self.devices.get(entry["serial"])
        now = device["firmware_version"] if device else None
        reached = entry["status"] in (STATUS_CURRENT, STATUS_WOULD_UPGRADE, STATUS_STARTED, STATUS_IN_PROGRESS, STATUS_UPGRADED)
        return {"component": "firmware", "previous_version": entry["from"],
                "version": entry["to"] if reached else now, "device_state": entry["device_state"]}

    def result(self, waited):
        entries = list(self.entries.values())
        changed = self.changed()
        result = {"changed": changed, "devices": entries, "batches": self.calls, "durations": self.durations,
                  "msg": "%s of %d device(s)" % (summarize(entries), len(entries))}
        result.update(self.report_keys())
        if waited is not None:
            result["waited"] = waited
        if self.diff and changed:
            moving = [e for e in entries if e["status"] in CHANGING_STATUSES]
            result["diff"] = {"before": {e["serial"]: e["from"] for e in moving}, "after": {e["serial"]: e["to"] for e in moving}}
        failed = [e for e in entries if e["status"] in FAILED_STATUSES]
        if failed:
            params = self.params
            target = params["version"] or "firmware id %s" % params["firmware_id"]
            first = "%s: %s" % (failed[0]["serial"], failed[0]["msg"])
            msg = "upgrade to %s failed for %d of %d device(s) (%s): %s" % (target, len(failed), len(entries), summarize(entries), first)
            self.device_state = self.overall_state()
            raise TaskError(msg, failed_devices=[e["serial"] for e in failed],
                            **{k: v for k, v in result.items() if k not in ("msg", "device_state")})
        return result


REACHED_STATUSES = (STATUS_CURRENT, STATUS_WOULD_UPGRADE, STATUS_STARTED, STATUS_IN_PROGRESS, STATUS_UPGRADED)


def device_result(shared, serial, target):
    """The result ``mwcloud_upgrade`` gives for ``serial`` alone, cut from ``shared``: the result of one run for many
    devices (one login, one start-upgrade call per product and hardware version; the fleet run's controller path).

    A failure of the whole run (login refused, cloud unreachable, an answer that stopped it) is each device's failure,
    except for a device already at the target; a device that failed alone fails alone.
    """
    entry = next((e for e in shared.get("devices") or () if e.get("serial") == serial), None)
    result = {"changed": False, "component": "firmware", "durations": dict(shared.get("durations") or {}),
              "batches": [call for call in shared.get("batches") or () if serial in call.get("serial_numbers", ())]}
    for key in ("warnings", "waited"):
        if shared.get(key) is not None:
            result[key] = shared[key]
    if entry is None:
        # the run failed before it read the devices: as a run for this device alone would have
        result.update({k: v for k, v in shared.items() if k not in ("devices", "batches", "diff", "failed_devices")})
        result.update(changed=False, previous_version=None, version=None, device_state="unchanged: no upgrade was started")
        if not shared.get("failed"):
            result.update(failed=True, msg="the cloud run for many devices did not report %s" % serial)
        return result
    status = entry["status"]
    result.update(devices=[entry], changed=status in CHANGING_STATUSES, previous_version=entry["from"],
                  version=entry["to"] if status in REACHED_STATUSES else entry["from"], device_state=entry["device_state"],
                  msg="%s of 1 device(s)" % status)
    if "diff" in shared and result["changed"]:
        result["diff"] = {"before": {serial: entry["from"]}, "after": {serial: entry["to"]}}
    whole_run_failed = shared.get("failed") and "failed_devices" not in shared and status != STATUS_CURRENT
    if status in FAILED_STATUSES or whole_run_failed:
        reason = entry["msg"] if status in FAILED_STATUSES else shared.get("msg") or "the cloud run failed"
        result.update(failed=True, step=shared.get("step") or "wait",
                      msg="upgrade to %s failed for 1 of 1 device(s) (1 %s): %s: %s" % (target, status, serial, reason))
        if "device state" not in result["msg"]:
            result["msg"] += "; device state: %s" % entry["device_state"]
    return result
