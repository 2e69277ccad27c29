# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fleetops.upgrade contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Task logic of hawkbit_config_data: send the target's attributes when the server asks for them."""

from __future__ import annotations

__metaclass__ = type

from ._errors import FleetopsError
from ._hawkbit import HawkbitRun, hawkbit_spec

ATTRIBUTE_LENGTH = 128
MAX_ATTRIBUTES = 100

CONFIG_DATA_SPEC = hawkbit_spec(argument_spec=dict(
    data=dict(type="dict", required=True),
    mode=dict(type="str", default="merge", choices=["merge", "replace", "remove"]),
    only_when_requested=dict(type="bool", default=True),
))


def check_attributes(data):
    if len(data) > MAX_ATTRIBUTES:
        raise FleetopsError("data has %d attributes; DDI servers keep at most %d per target" % (len(data), MAX_ATTRIBUTES))
    clean = {}
    for key, value in data.items():
        text = "" if value is None else str(value)
        if not key or len(key) > ATTRIBUTE_LENGTH or len(text) > ATTRIBUTE_LENGTH:
            raise FleetopsError("attribute %r: keys must be 1..%d and values at most %d characters" % (key[:40], ATTRIBUTE_LENGTH, ATTRIBUTE_LENGTH))
        clean[key] = text
    return clean


class HawkbitConfigData(HawkbitRun):

    def run(self):
        params = self.params
        data = check_attributes(params["data"])
        with self.step("poll"):
            href = self.client.base_poll().href("configData")
        if href is None and params["only_when_requested"]:
            return {"changed": False, "requested": False, "sent": False, "durations": dict(self.durations),
                    "msg": "the server did not ask for config data; nothing sent"}
        result = {"changed": True, "requested": href is not None, "sent": not self.check_mode, "mode": params["mode"], "data": data}
        if self.diff:
            result["diff"] = {"before": {}, "after": {"mode": params["mode"], "attributes": data}}
        if self.check_mode:
            result["msg"] = "would send %d attribute(s) (%s)" % (len(data), params["mode"])
            return result
        with self.step("send", done="config data sent"):
            self.client.put_config_data(data, params["mode"], href)
        self.device_state = "%d attribute(s) stored (%s)" % (len(data), params["mode"])
        result.update(msg="sent %d attribute(s) (%s)" % (len(data), params["mode"]), steps=list(self.steps),
                      durations=dict(self.durations), device_state=self.device_state)
        return result
