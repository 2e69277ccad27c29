# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fleetops.upgrade contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Task logic of mwcloud_info and mwcloud_upgrade (no Ansible imports)."""

from __future__ import annotations

__metaclass__ = type

import time

from ._common_args import WAIT_ARGS
from ._errors import DeviceUnreachable, FleetopsError, TaskError, WaitTimeout
from ._mwcloud import (
    MWCLOUD_COMMON_ARGS, RESULT_OK, RESULT_REPEAT, MwCloudApiError, MwCloudClient, describe_result, device_from_record,
    firmware_from_record, normalize_version, version_key)
from ._wait import Poll, wait_until

# ----------------------------------------------------------------------------- mwcloud_info

MWCLOUD_INFO_SPEC = dict(
    argument_spec=dict(
        MWCLOUD_COMMON_ARGS,
        gather=dict(type="list", elements="str", choices=["firmwares", "devices"], default=["firmwares", "devices"]),
        serial_numbers=dict(type="list", elements="str"),
        family=dict(type="int"),
        product_id=dict(type="int"),
        hardware_version=dict(type="str"),
    ),
)


def matches_filters(item, params):
    return ((params["product_id"] is None or item.get("product_id") == params["product_id"])
            and (params["hardware_version"] is None or item.get("hardware_version") == params["hardware_version"]))


def run_mwcloud_info(params, check_mode=False, diff=False):
    del check_mode, diff  # read-only
    result = {"changed": False}
    with MwCloudClient.from_params(params) as client:
        if "firmwares" in params["gather"]:
            entries = client.get_all_firmwares(params["family"] or 0, params["product_id"], params["hardware_version"])
            firmwares = [f for f in map(firmware_from_record, entries) if matches_filters(f, params)]
            firmwares.sort(key=lambda f: (f["product_id"] or 0, f["hardware_version"] or "", version_key(f["version"]), f["id"]))
            result["firmwares"] = firmwares
        if "devices" in params["gather"]:
            devices = [device_from_record(raw) for raw in client.get_devs(module=params["family"] or 0)]
            if params["serial_numbers"] is not None:
                wanted = set(params["serial_numbers"])
                listed = {d["serial"] for d in devices}
                result["serial_numbers_not_found"] = [sn for sn in params["serial_numbers"] if sn not in listed]
                devices = [d for d in devices if d["serial"] in wanted]
            devices = [d for d in devices if matches_filters(d, params)]
            result["devices"] = sorted(devices, key=lambda d: d["serial"] or "")
    return result


# ----------------------------------------------------------------------------- mwcloud_upgrade

MWCLOUD_UPGRADE_SPEC = dict(
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
            "to": target, "firmware_id": firmware_id, "status": status, "msg": message}


def plan_upgrade(params, devices, catalogue):
    """Per-device entries and the batches to start: {(family, product, hardware, firmware id): [serials]}."""
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
        if current is not None and normalize_version(current) == normalize_version(target) and not params["force"]:
            entry.update(status=STATUS_CURRENT, msg="already at %s" % target)
        elif current is None and not params["force"]:
            entry.update(status=STATUS_FAILED, msg="the device does not report its firmware version, so it cannot be told "
                                                   "whether it needs %s; set force=true to upgrade it anyway" % target)
        elif not device["online"] and not device["transferring"]:
            entry.update(status=STATUS_FAILED, msg="the device is offline (or still flashing an upgrade started earlier); "
                                                   "the cloud can only upgrade online devices")
        else:
            entry.update(status=STATUS_NOT_STARTED, msg="upgrade to %s not started" % target)
            key = (device["family"], device["product_id"], device["hardware_version"], firmware["id"])
            batches.setdefault(key, []).append(serial)
    return entries, batches


def split_batches(batches, batch_size):
    """The start-upgrade calls: each shares family, product and hardware version (the API's rule) and firmware."""
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
        call["result"] = RESULT_OK
        answered = {d.get("sn"): d.get("result") for d in details}
        for serial in call["serial_numbers"]:
            code = answered.get(serial)
            entry = entries[serial]
            if code == RESULT_OK:
                entry.update(status=STATUS_STARTED, msg="upgrade to %s started" % entry["to"])
            elif code == RESULT_REPEAT:
                entry.update(status=STATUS_IN_PROGRESS, msg="an upgrade was already in progress (repeat operation)")
            elif code is None:
                entry.update(status=STATUS_FAILED, msg="the cloud's answer did not mention this device")
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
    """Follows started devices through transfer, offline and back online, with one get-devs per poll."""

    def __init__(self, client, entries, serials, clock=time.monotonic):
        self.client = client
        self.entries = entries
        self.pending = set(serials)
        self.went_away = set()
        self.last_state = {}
        self.clock = clock
        self.started_at = clock()

    def probe(self):
        devices = {d["serial"]: d for d in map(device_from_record, self.client.get_devs())}
        for serial in sorted(self.pending):
            self.observe(serial, devices.get(serial))
        return Poll(not self.pending, "%d device(s) still upgrading" % len(self.pending))

    def observe(self, serial, device):
        entry = self.entries[serial]
        self.last_state[serial] = describe_device_state(device)
        if device is None:
            return
        if device["transferring"] or not device["online"]:
            self.went_away.add(serial)
            return
        version = device["firmware_version"]
        if version is not None and normalize_version(version) == normalize_version(entry["to"]):
            entry.update(status=STATUS_UPGRADED, msg="upgraded from %s to %s" % (entry["from"] or "an unreported version", entry["to"]),
                         seconds=round(self.clock() - self.started_at, 1))
            self.pending.discard(serial)
        elif serial in self.went_away and (version is not None or entry["from"] is None):
            entry.update(status=STATUS_FAILED, msg="the device came back online with %s instead of %s"
                         % (version or "an unreported version", entry["to"]))
            self.pending.discard(serial)

    def time_out(self, waited):
        for serial in self.pending:
            self.entries[serial].update(status=STATUS_TIMEOUT, msg="not at %s after %ss; last state seen: %s"
                                        % (self.entries[serial]["to"], waited, self.last_state.get(serial, "no answer yet")))


def wait_for_upgrades(client, params, entries):
    serials = [s for s, e in entries.items() if e["status"] in (STATUS_STARTED, STATUS_IN_PROGRESS)]
    if not serials:
        return None
    follower = UpgradeFollower(client, entries, serials)
    try:
        _poll, waited = wait_until(follower.probe, "the upgrades to finish", params["wait_timeout"], params["poll_interval"],
                                   tolerate=(DeviceUnreachable,))
    except WaitTimeout as exc:
        follower.time_out(exc.details["waited"])
        return exc.details["waited"]
    return waited


def summarize(entries):
    counts = {}
    for entry in entries:
        counts[entry["status"]] = counts.get(entry["status"], 0) + 1
    return ", ".join("%d %s" % (count, status) for status, count in sorted(counts.items()))


def run_mwcloud_upgrade(params, check_mode=False, diff=False):
    check_upgrade_params(params)
    with MwCloudClient.from_params(params) as client:
        devices = {d["serial"]: d for d in map(device_from_record, client.get_devs())}
        catalogue = Catalogue(client.get_all_firmwares(0))
        entries, batches = plan_upgrade(params, devices, catalogue)
        calls = split_batches(batches, params["batch_size"])
        waited = None
        if check_mode:
            for call in calls:
                for serial in call["serial_numbers"]:
                    entries[serial].update(status=STATUS_WOULD_UPGRADE, msg="would upgrade to %s (firmware id %s)"
                                           % (entries[serial]["to"], call["firmware_id"]))
        else:
            try:
                start_batches(client, calls, entries)
                if params["wait"]:
                    waited = wait_for_upgrades(client, params, entries)
            except FleetopsError as exc:
                started = any(e["status"] in CHANGING_STATUSES for e in entries.values())
                raise TaskError("%s; devices: %s" % (exc.msg, summarize(entries.values())),
                                devices=list(entries.values()), batches=calls, changed=started) from None
    return upgrade_result(params, list(entries.values()), calls, waited, diff)


def upgrade_result(params, entries, calls, waited, diff):
    changed = any(e["status"] in CHANGING_STATUSES for e in entries)
    result = {"changed": changed, "devices": entries, "batches": calls,
              "msg": "%s of %d device(s)" % (summarize(entries), len(entries))}
    if waited is not None:
        result["waited"] = waited
    if diff and changed:
        moving = [e for e in entries if e["status"] in CHANGING_STATUSES]
        result["diff"] = {"before": {e["serial"]: e["from"] for e in moving}, "after": {e["serial"]: e["to"] for e in moving}}
    failed = [e for e in entries if e["status"] in FAILED_STATUSES]
    if failed:
        target = params["version"] or "firmware id %s" % params["firmware_id"]
        first = "%s: %s" % (failed[0]["serial"], failed[0]["msg"])
        msg = "upgrade to %s failed for %d of %d device(s) (%s): %s" % (target, len(failed), len(entries), summarize(entries), first)
        raise TaskError(msg, **{k: v for k, v in result.items() if k != "msg"})
    return result
