"""Gizmo: the smallest device API a class can have, for the fifth device class of the tests (docs/development.md).

Each device is ``/<name>/api/v1``; every request carries ``Authorization: Bearer <token>`` (401 otherwise).

* ``GET /api/v1/firmware`` -> ``{"version": "1.0.0", "state": "ready" | "installing", "available": [...]}``
* ``PUT /api/v1/firmware`` with ``{"version": "2.0.0"}`` -> 202 and the device installs it for ``install_seconds``
  (``state: installing``), then runs it; 409 while an installation is under way, 422 for a version it does not
  offer (``available``), 400 for a body that is not ``{"version": <string>}``.

Device config: ``version`` (default 1.0.0), ``available`` (default ["2.0.0"]), ``token`` (default ``secret``),
``install_seconds`` (default 0.2).
"""

import sys
import time

from ._base import Simulator, json_response, main


class Gizmo:
    def __init__(self, config):
        self.version = config.get("version", "1.0.0")
        self.available = list(config.get("available", ["2.0.0"]))
        self.token = config.get("token", "secret")
        self.install_seconds = float(config.get("install_seconds", 0.2))
        self.installing = None  # (version, when it is done)

    def settle(self):
        if self.installing and time.monotonic() >= self.installing[1]:
            self.version, self.installing = self.installing[0], None

    def state(self):
        self.settle()
        return {"version": self.version, "state": "installing" if self.installing else "ready",
                "available": self.available}

    def update(self, changes):
        for key, value in changes.items():
            setattr(self, key, value)


class GizmoSimulator(Simulator):
    family = "gizmo"

    def create_device(self, name, config):
        with self.lock:
            self.devices[name] = Gizmo(config)

    def route(self, request):
        parts = request.path.split("/", 2)
        if len(parts) < 3 or parts[1] not in self.devices:
            return json_response(404, {"error": "no such device"})
        request.device, path = parts[1], "/" + parts[2]
        with self.lock:
            device = self.devices[request.device]
            if request.headers.get("Authorization") != "Bearer %s" % device.token:
                return json_response(401, {"error": "a valid bearer token is required"})
            if path != "/api/v1/firmware":
                return json_response(404, {"error": "no such resource"})
            if request.method == "GET":
                return json_response(200, device.state())
            if request.method == "PUT":
                return self._install(device, request)
            return json_response(405, {"error": "GET or PUT"})

    @staticmethod
    def _install(device, request):
        try:
            body = request.json()
        except ValueError:
            body = None
        if not isinstance(body, dict) or not isinstance(body.get("version"), str):
            return json_response(400, {"error": 'the body must be {"version": "<version>"}'})
        device.settle()
        if device.installing:
            return json_response(409, {"error": "an installation is under way"})
        if body["version"] not in device.available:
            return json_response(422, {"error": "version %s is not offered; available: %s"
                                                % (body["version"], ", ".join(device.available))})
        device.installing = (body["version"], time.monotonic() + device.install_seconds)
        return json_response(202, {"state": "installing"})


if __name__ == "__main__":
    sys.exit(main(GizmoSimulator))
