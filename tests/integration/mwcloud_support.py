"""Magewell Cloud pieces of the integration tests: a demo-like fleet and the simulator process with its controls."""

import copy

import requests

from tests.conftest import SimProcess

MUTATING_API = "/sc_cloud/upgrade/start"

FLEET = {
    "settings": {"transfer_seconds": 0.3, "offline_seconds": 0.3},
    "devices": {
        "A302190930001": {"family": 1, "product_id": 770, "hardware": "A", "firmware": "1.5.178", "name": "site-a-enc1"},
        "A302190930002": {"family": 1, "product_id": 770, "hardware": "A", "firmware": "1.5.178", "name": "site-a-enc2"},
        "B302190930003": {"family": 1, "product_id": 770, "hardware": "B", "firmware": "1.5.178", "name": "site-b-enc1"},
        "E120000000001": {"family": 2, "product_id": 1201, "hardware": "A", "firmware": "2.3.43", "name": "site-b-enc2",
                          "version_field": "numbers"},
        "S133000000001": {"family": 3, "product_id": 1330, "hardware": "C", "firmware": "3.0.9", "name": "site-b-str1",
                          "online": False},
    },
}


class MwCloudProcess(SimProcess):
    """The mwcloud simulator as a process, with its own fleet (one per test: the cloud is shared state)."""

    def __init__(self, fleet=None):
        super().__init__("mwcloud", copy.deepcopy(fleet or FLEET))

    def devices(self):
        return requests.get(self.url + "/_sim/devices", timeout=10).json()

    def settings(self, **changes):
        return requests.patch(self.url + "/_sim/settings", json=changes, timeout=10).json()

    def sessions(self):
        return requests.get(self.url + "/_sim/sessions", timeout=10).json()

    def mutating_requests(self):
        return [e for e in self.log() if e["path"] == MUTATING_API]

    def logins(self):
        return len([e for e in self.log() if e["path"] == "/sc_cloud/login"])
