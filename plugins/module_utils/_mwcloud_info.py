# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fleetops.upgrade contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Task logic of mwcloud_info: the firmware catalogue and the devices of a Magewell Control Cloud."""

from __future__ import annotations

__metaclass__ = type

from ._mwcloud import MWCLOUD_COMMON_ARGS, MwCloudClient, device_from_record, firmware_from_record, version_key
from ._task import TaskRun

SPEC = dict(
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


class MwCloudInfo(TaskRun):
    """Read-only: the same requests in check mode; logs out when done."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.client = MwCloudClient.from_params(self.params)

    def close(self):
        self.client.close()

    def run(self):
        params = self.params
        result = {"changed": False}
        with self.step("login"):
            self.client.login()
        if "firmwares" in params["gather"]:
            with self.step("firmwares"):
                entries = self.client.get_all_firmwares(params["family"] or 0, params["product_id"], params["hardware_version"])
            firmwares = [f for f in map(firmware_from_record, entries) if matches_filters(f, params)]
            firmwares.sort(key=lambda f: (f["product_id"] or 0, f["hardware_version"] or "", version_key(f["version"]), f["id"]))
            result["firmwares"] = firmwares
        if "devices" in params["gather"]:
            with self.step("devices"):
                devices = [device_from_record(raw) for raw in self.client.get_devs(module=params["family"] or 0)]
            if params["serial_numbers"] is not None:
                wanted = set(params["serial_numbers"])
                listed = {d["serial"] for d in devices}
                result["serial_numbers_not_found"] = [sn for sn in params["serial_numbers"] if sn not in listed]
                devices = [d for d in devices if d["serial"] in wanted]
            devices = [d for d in devices if matches_filters(d, params)]
            result["devices"] = sorted(devices, key=lambda d: d["serial"] or "")
        return result
