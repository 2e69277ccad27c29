"""Magewell Control Cloud (``/sc_cloud``) simulator.

Follows ``shared/reference/magewell-cloud.md`` and the start-upgrade page (seed 003):

* users with roles and MD5 passwords; ``POST /sc_cloud/login`` takes ``multipart/form-data``
  fields ``id`` and ``pass`` (hex MD5) and sets the cookies ``mwcloud-sid`` / ``mwcloud-uid``;
  ``POST /sc_cloud/logout`` ends the session;
* ``GET /sc_cloud/scapi/get-all-firmwares`` (catalogue), ``GET /sc_cloud/scapi/get-devs`` and
  ``GET /sc_cloud/scapi/get-dev`` (devices);
* ``POST /sc_cloud/upgrade/start`` for administrators, with the batch rule (same family, product
  and hardware version) and per-device results (0 started, 1 repeat operation, other = error);
* an upgrading device transfers the firmware (``is-upload-file``/``upload-file-pos``), goes
  offline while it flashes and comes back online with the new version; the phases are computed
  from the clock, with delays from the settings (or per device).

Where the reference is silent the simulator chooses, and the API client follows the same choice:
a missing or expired session is a plain ``HTTP 401``; the status codes below other than
-1 and -14 (which the reference gives) are this simulator's.

Faults: ``never_returns`` (device stays offline after flashing), ``start_result`` (per-device
result code of start-upgrade), setting ``reject_batches`` (whole call refused with that code),
setting ``answers`` ({path: body} answered with HTTP 200 instead of the API's answer),
setting ``session_ttl`` and ``DELETE /_sim/sessions`` (sessions expire).

Control interface (beyond the harness's ``/_sim/devices`` and ``/_sim/log``):
``GET/PATCH /_sim/settings``, ``GET/DELETE /_sim/sessions``, ``POST /_sim/users/<name>``,
``GET/POST /_sim/firmwares``, ``GET /_sim/upgrades`` (every start-upgrade call).
"""

import hashlib
import json
import secrets
import string
import sys
import time
from http.cookies import SimpleCookie

from ._base import SimResponse, Simulator, json_response, main

RESULT_OK = 0
RESULT_REPEAT = 1
RESULT_WRONG_PASSWORD = -1
RESULT_INVALID_PARAM = -2
RESULT_NO_PERMISSION = -15
RESULT_NO_SUCH_DEVICE = -16
RESULT_DEVICE_OFFLINE = -17
RESULT_NO_SUCH_USER = -14
RESULT_MIXED_BATCH = -20
RESULT_NO_SUCH_FIRMWARE = -21
RESULT_FIRMWARE_MISMATCH = -22

DEFAULT_SETTINGS = {
    "transfer_seconds": 2.0,   # firmware transfer from 0 to 100 %
    "offline_seconds": 2.0,    # flashing and reboot
    "session_ttl": None,       # seconds of inactivity before a session expires; None = never
    "reject_batches": 0,       # non-zero: every start-upgrade call is refused with this result code
    "answers": None,           # {path: body}: answer HTTP 200 with that body instead (a str as text/html, else JSON)
}

DEFAULT_USERS = {
    "Admin": {"password": "admin", "role": "admin"},
    "viewer": {"password": "viewer-pw", "role": "user"},
}

# Families (``module``): 1 Pro Convert, 2 Ultra Encode, 3 Ultra Stream.
DEFAULT_FIRMWARES = [
    {"id": 21, "family": 1, "product_id": 770, "hardware": "A", "version": "1.5.178", "upload_date": 1635151650},
    {"id": 22, "family": 1, "product_id": 770, "hardware": "A", "version": "1.6.201", "upload_date": 1650000000},
    {"id": 23, "family": 1, "product_id": 770, "hardware": "B", "version": "1.6.201", "upload_date": 1650000100},
    {"id": 31, "family": 2, "product_id": 1201, "hardware": "A", "version": "2.3.43", "upload_date": 1660000000},
    {"id": 32, "family": 2, "product_id": 1201, "hardware": "A", "version": "2.4.12", "upload_date": 1670000000},
    {"id": 41, "family": 3, "product_id": 1330, "hardware": "C", "version": "3.0.9", "upload_date": 1680000000},
    {"id": 42, "family": 3, "product_id": 1330, "hardware": "C", "version": "3.1.2", "upload_date": 1690000000, "build_type": 1},
]

MODEL_NAMES = {770: "Pro Convert HDMI 4K Plus", 1201: "Ultra Encode HDMI", 1330: "Ultra Stream SDI"}


def md5_hex(text):
    return hashlib.md5(text.encode("utf-8")).hexdigest()  # nosec - the API's own login scheme


def version_tuple(version):
    return tuple(int(part) for part in str(version).split("."))


def result(code, **fields):
    body = {"result": code}
    body.update(fields)
    return json_response(200, body)


def parse_multipart(content_type, body):
    """Fields of a multipart/form-data body (text fields only, which is all login sends)."""
    boundary = None
    for part in content_type.split(";")[1:]:
        key, sep, value = part.strip().partition("=")
        if sep and key.lower() == "boundary":
            boundary = value.strip('"')
    if not boundary:
        return None
    fields = {}
    for chunk in body.split(b"--" + boundary.encode())[1:]:
        if chunk.startswith(b"--"):
            break
        head, value = chunk.split(b"\r\n\r\n", 1) if b"\r\n\r\n" in chunk else (chunk, b"")
        name = None
        for line in head.decode("utf-8", "replace").split("\r\n"):
            if line.lower().startswith("content-disposition:"):
                for item in line.split(";")[1:]:
                    key, sep, val = item.strip().partition("=")
                    if sep and key == "name":
                        name = val.strip('"')
        if name is not None:
            fields[name] = value[:-2].decode("utf-8", "replace") if value.endswith(b"\r\n") else value.decode("utf-8", "replace")
    return fields


class Firmware:
    def __init__(self, config):
        self.id = int(config["id"])
        self.family = int(config.get("family", 1))
        self.product_id = int(config["product_id"])
        self.hardware = str(config.get("hardware", "A"))
        self.version = str(config["version"])
        self.build_type = int(config.get("build_type", 0))
        self.upload_date = int(config.get("upload_date", 1600000000))

    def record(self):
        major, minor, build = version_tuple(self.version)
        return {
            "id": self.id,
            "file-path": "/data/firmware/firmware-%d-%d-%s-%s.mwf" % (self.product_id, self.build_type, self.hardware, self.version),
            "upload-date": self.upload_date,
            "product-id": self.product_id,
            "firmware-id": self.build_type,
            "hardware-ver": self.hardware,
            "marjor-ver": major,
            "minor-ver": minor,
            "build-number": build,
        }


class Device:
    """One cloud-managed device; upgrade phases are derived from the clock when read."""

    def __init__(self, sn, config, sim):
        self.sn = sn
        self.sim = sim
        self.family = int(config.get("family", 1))
        self.product_id = int(config.get("product_id", 770))
        self.model = config.get("model") or MODEL_NAMES.get(self.product_id, "Magewell %d" % self.product_id)
        self.name = config.get("name", sn)
        self.hardware = str(config.get("hardware", "A"))
        self.firmware = str(config.get("firmware", "1.5.178"))
        self.online = bool(config.get("online", True))
        self.group = int(config.get("group", 0))
        self.version_field = config.get("version_field", "firmware-ver")  # or "numbers" or "none"
        self.never_returns = bool(config.get("never_returns", False))
        self.start_result = int(config.get("start_result", 0))
        self.transfer_seconds = config.get("transfer_seconds")
        self.offline_seconds = config.get("offline_seconds")
        self.online_since = int(time.time()) - 3600
        self.upgrade = None  # {"started": t, "version": target}
        self.upgrades_started = 0

    def update(self, changes):
        for key, value in changes.items():
            if key == "upgrade" and value is None:
                self.upgrade = None
            elif key in ("family", "product_id", "group", "start_result"):
                setattr(self, key, int(value))
            elif key in ("model", "name", "hardware", "firmware", "online", "version_field", "never_returns",
                         "transfer_seconds", "offline_seconds"):
                setattr(self, key, value)
            else:
                raise ValueError("unknown device field %r" % key)

    def _delay(self, name):
        own = getattr(self, name)
        return float(own if own is not None else self.sim.settings[name])

    def advance(self, now=None):
        """Apply the upgrade phase reached by now; returns the phase name."""
        if self.upgrade is None:
            return "online" if self.online else "offline"
        elapsed = (now or time.time()) - self.upgrade["started"]
        transfer = self._delay("transfer_seconds")
        offline = self._delay("offline_seconds")
        if elapsed < transfer:
            self.upgrade["progress"] = int(100 * elapsed / transfer) if transfer else 100
            return "transferring"
        if self.never_returns or elapsed < transfer + offline:
            self.online = False
            return "flashing"
        self.firmware = self.upgrade["version"]
        self.online = True
        self.online_since = int(time.time())
        self.upgrade = None
        return "online"

    def record(self):
        phase = self.advance()
        status = {"name": self.name, "product-id": self.product_id, "module-name": self.model, "hardware-ver": self.hardware}
        if self.version_field == "firmware-ver":
            status["firmware-ver"] = self.firmware
        elif self.version_field == "numbers":
            major, minor, build = version_tuple(self.firmware)
            status.update({"marjor-ver": major, "minor-ver": minor, "build-number": build})
        transferring = phase == "transferring"
        return {
            "sn": self.sn,
            "module": self.family,
            "group-id": self.group,
            "online-date": self.online_since if self.online else 0,
            "is-upload-file": 1 if transferring else 0,
            "upload-file-pos": self.upgrade.get("progress", 0) if transferring else 0,
            "status": status,
        }

    def state(self):
        return {"sn": self.sn, "phase": self.advance(), "firmware": self.firmware, "online": self.online,
                "family": self.family, "product_id": self.product_id, "hardware": self.hardware,
                "upgrade": dict(self.upgrade) if self.upgrade else None, "upgrades_started": self.upgrades_started}


class MwCloudSimulator(Simulator):
    family = "mwcloud"

    def __init__(self, users=None, firmwares=None, settings=None):
        super().__init__()
        self.settings = dict(DEFAULT_SETTINGS)
        self.settings.update(settings or {})
        self.users = {}
        for name, config in (DEFAULT_USERS if users is None else users).items():
            self.add_user(name, config)
        self.firmwares = [Firmware(f) for f in (DEFAULT_FIRMWARES if firmwares is None else firmwares)]
        self.sessions = {}
        self.upgrade_calls = []

    # ------------------------------------------------------------ configuration
    def add_user(self, name, config):
        with self.lock:
            self.users[name] = {"id": len(self.users) + 1, "md5": md5_hex(config["password"]),
                                "role": config.get("role", "user")}

    def create_device(self, name, config):
        with self.lock:
            self.devices[name] = Device(name, config, self)

    def load_fleet(self, fleet):
        """A fleet file is either {serial: device config} or {"devices": ..., "users": ..., "firmwares": ..., "settings": ...}."""
        if "devices" not in fleet:
            return super().load_fleet(fleet)
        self.settings.update(fleet.get("settings") or {})
        if "users" in fleet:
            self.users = {}
            for name, config in fleet["users"].items():
                self.add_user(name, config)
        if "firmwares" in fleet:
            self.firmwares = [Firmware(f) for f in fleet["firmwares"]]
        return super().load_fleet(fleet["devices"])

    # ------------------------------------------------------------ log
    def record(self, request, status, **extra):
        extra.update(getattr(request, "sim_extra", {}))
        super().record(request, status, **extra)

    # ------------------------------------------------------------ routing
    def route(self, request):
        request.sim_extra = {}
        path = request.path
        if path == "/sc_cloud/login" and request.method == "POST":
            return self.override(request) or self.login(request)
        session = self.session_of(request)
        if session is None:
            request.read_body()
            return SimResponse(401, "not logged in or session expired", {"Content-Type": "text/plain"})
        request.sim_extra["user"] = session["user"]
        override = self.override(request)
        if override:
            return override
        if path == "/sc_cloud/logout" and request.method == "POST":
            with self.lock:
                self.sessions.pop(session["sid"], None)
            return result(RESULT_OK)
        if path == "/sc_cloud/scapi/get-all-firmwares" and request.method == "GET":
            return self.get_all_firmwares(request)
        if path == "/sc_cloud/scapi/get-devs" and request.method == "GET":
            return self.get_devs(request)
        if path == "/sc_cloud/scapi/get-dev" and request.method == "GET":
            return self.get_dev(request)
        if path == "/sc_cloud/upgrade/start" and request.method == "POST":
            return self.start_upgrade(request, session)
        return SimResponse(404, "not found", {"Content-Type": "text/plain"})

    def override(self, request):
        """The 'answers' fault: a stand-in body for this path (what a proxy, a wrong URL or a broken cloud gives)."""
        answers = self.settings.get("answers") or {}
        if request.path not in answers:
            return None
        request.read_body()
        body = answers[request.path]
        if isinstance(body, str):
            return SimResponse(200, body, {"Content-Type": "text/html"})
        return SimResponse(200, json.dumps(body).encode(), {"Content-Type": "application/json"})

    # ------------------------------------------------------------ sessions
    def login(self, request):
        fields = parse_multipart(request.headers.get("Content-Type", ""), request.read_body())
        if fields is None or "id" not in fields or "pass" not in fields:
            return result(RESULT_INVALID_PARAM)
        name = fields["id"]
        request.sim_extra["user"] = name
        user = self.users.get(name)
        if user is None:
            return result(RESULT_NO_SUCH_USER)
        if fields["pass"].lower() != user["md5"]:
            return result(RESULT_WRONG_PASSWORD)
        sid = "".join(secrets.choice(string.ascii_uppercase) for position in range(32))
        with self.lock:
            self.sessions[sid] = {"sid": sid, "user": name, "last_used": time.time()}
        body = {"id": user["id"], "name": name, "pass": "", "result": RESULT_OK, "sid": sid}
        cookies = ["mwcloud-sid=%s; Path=/; HttpOnly" % sid, "mwcloud-uid=%s; Path=/" % name]
        return SimResponse(200, body, {"Set-Cookie": cookies})

    def session_of(self, request):
        cookie = SimpleCookie()
        try:
            cookie.load(request.headers.get("Cookie", ""))
        except Exception:  # a malformed cookie header is no session
            return None
        sid = cookie["mwcloud-sid"].value if "mwcloud-sid" in cookie else None
        uid = cookie["mwcloud-uid"].value if "mwcloud-uid" in cookie else None
        with self.lock:
            session = self.sessions.get(sid)
            if session is None or session["user"] != uid:
                return None
            ttl = self.settings.get("session_ttl")
            now = time.time()
            if ttl is not None and now - session["last_used"] > float(ttl):
                del self.sessions[sid]
                return None
            session["last_used"] = now
            return session

    # ------------------------------------------------------------ API
    def get_all_firmwares(self, request):
        query = request.query
        if "dev-type" not in query:
            return result(RESULT_INVALID_PARAM)
        try:
            family = int(query["dev-type"])
            product = int(query.get("product-id") or 0)
        except ValueError:
            return result(RESULT_INVALID_PARAM)
        hardware = query.get("hardware-ver") or ""
        entries = [f.record() for f in self.firmwares
                   if (not family or f.family == family) and (not product or f.product_id == product)
                   and (not hardware or f.hardware == hardware)]
        return result(RESULT_OK, firmwares=entries)

    def get_devs(self, request):
        try:
            group = int(request.query.get("id", "0") or 0)
            family = int(request.query.get("module", "0") or 0)
        except ValueError:
            return result(RESULT_INVALID_PARAM)
        with self.lock:
            devs = [d.record() for d in self.devices.values()
                    if (not group or d.group == group) and (not family or d.family == family)]
        return result(RESULT_OK, devs=devs)

    def get_dev(self, request):
        sn = request.query.get("sn")
        request.device = sn
        with self.lock:
            device = self.devices.get(sn)
            if device is None:
                return result(RESULT_NO_SUCH_DEVICE)
            return result(RESULT_OK, dev=device.record())

    def start_upgrade(self, request, session):
        try:
            body = request.json()
            sns = body["sn"]
            firmware_id = int(body["firmware-id"])
            if not isinstance(sns, list) or not sns:
                raise ValueError
        except (ValueError, KeyError, TypeError):
            return result(RESULT_INVALID_PARAM)
        request.sim_extra["sns"] = list(sns)
        request.sim_extra["firmware_id"] = firmware_id
        with self.lock:
            answer = self._start_upgrade(session, sns, firmware_id)
            self.upgrade_calls.append({"user": session["user"], "sns": list(sns), "firmware_id": firmware_id,
                                       "answer": answer})
        return json_response(200, answer)

    def _start_upgrade(self, session, sns, firmware_id):
        if self.users[session["user"]]["role"] != "admin":
            return {"result": RESULT_NO_PERMISSION}
        if self.settings.get("reject_batches"):
            code = int(self.settings["reject_batches"])
            return {"result": code}
        firmware = next((f for f in self.firmwares if f.id == firmware_id), None)
        if firmware is None:
            return {"result": RESULT_NO_SUCH_FIRMWARE}
        known = [self.devices[sn] for sn in sns if sn in self.devices]
        if len({(d.family, d.product_id, d.hardware) for d in known}) > 1:
            return {"result": RESULT_MIXED_BATCH}
        details = [{"sn": sn, "result": self._start_one(sn, firmware)} for sn in sns]
        return {"result": RESULT_OK, "method": "start-upgrade", "details": details}

    def _start_one(self, sn, firmware):
        device = self.devices.get(sn)
        if device is None:
            return RESULT_NO_SUCH_DEVICE
        phase = device.advance()
        if device.upgrade is not None:
            return RESULT_REPEAT
        if phase != "online":
            return RESULT_DEVICE_OFFLINE
        if (device.family, device.product_id, device.hardware) != (firmware.family, firmware.product_id, firmware.hardware):
            return RESULT_FIRMWARE_MISMATCH
        if device.start_result:
            return device.start_result
        device.upgrade = {"started": time.time(), "version": firmware.version, "firmware_id": firmware.id, "progress": 0}
        device.upgrades_started += 1
        return RESULT_OK

    # ------------------------------------------------------------ control interface
    def control(self, request):
        parts = [p for p in request.path.split("/") if p][1:]
        if parts == ["settings"]:
            if request.method == "PATCH":
                changes = request.json() or {}
                unknown = set(changes) - set(DEFAULT_SETTINGS)
                if unknown:
                    return json_response(400, {"error": "unknown settings %s" % sorted(unknown)})
                with self.lock:
                    self.settings.update(changes)
            return json_response(200, self.settings)
        if parts == ["sessions"]:
            if request.method == "DELETE":
                with self.lock:
                    self.sessions.clear()
            with self.lock:
                return json_response(200, {"count": len(self.sessions), "users": sorted(s["user"] for s in self.sessions.values())})
        if len(parts) == 2 and parts[0] == "users" and request.method == "POST":
            self.add_user(parts[1], request.json() or {})
            return json_response(201, {"name": parts[1], "role": self.users[parts[1]]["role"]})
        if parts == ["firmwares"]:
            if request.method == "POST":
                with self.lock:
                    self.firmwares.append(Firmware(request.json() or {}))
            return json_response(200, [dict(f.record(), family=f.family) for f in self.firmwares])
        if parts == ["upgrades"]:
            with self.lock:
                return json_response(200, list(self.upgrade_calls))
        return super().control(request)


if __name__ == "__main__":
    sys.exit(main(MwCloudSimulator))
