"""Encedo HEM (PPA/EPA) simulator, following ../../shared/reference/encedo-hem.md.

Many devices in one process, addressed by path prefix: ``http://127.0.0.1:PORT/<device>/api/...``.

Device config (POST /_sim/devices/<name>, or the --fleet file), all optional::

    model: PPA | EPA              firmware: "1.2.2"     uis: "<base64>"     diag: false
    passphrase: null (fresh, not personalised) or the user's passphrase
    fls_state: 0                  auth_delay: 0.5        validation_seconds: 0.3
    reboot_seconds: 2.0           reboot_never_ends: false
    reboot_delay: 0               (seconds the old boot keeps answering after install_fw before it goes down)
    drop_upload_at: null          (bytes received before the connection is dropped)
    check_fails: false            (the next check answers 406 whatever the image)
    fail_requests: {"status": 503, "count": 2}   (the next N requests get that status)
    rtc_unset_after_reboot: false (token requests answer 403 after a reboot)
    answers: {}                   ({"/api/system/version": <any JSON>}: answer 200 with that body instead)
    drop_install_answer: null     ("after": install, then close without an answer; "before": close without installing)

Tokens are signed with a per-boot key: after a reboot (install_fw) a request carrying a token of an
earlier boot (or any token this boot did not issue) is answered 401 on every /api/ path, the reading
ones included; requests without an Authorization header are routed as usual.

Stand-in image format (what the simulator accepts as firmware.bin / webroot.tar)::

    b"FLEETOPS-SIM-IMAGE 1\\n"
    JSON header line: {"component": "firmware"|"ui", "version": "1.3.0", "uis": "...",
                       "payload_size": N, "payload_sha256": "<hex>"}
    N payload bytes

Validation (check_*) fails with 406 when the magic, the component, the size or the digest is wrong.
Build images with :func:`build_image` or ``python -m tests.simulators.encedo image ...``.
"""

import argparse
import base64
import hashlib
import hmac
import json
import os
import secrets
import sys
import time

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC

from tests.simulators._base import DROP, SimResponse, Simulator, json_response, main

IMAGE_MAGIC = b"FLEETOPS-SIM-IMAGE 1\n"
MAX_UPLOAD = 16 * 1024 * 1024
MAX_FIRMWARE = 3 * 1024 * 1024
PBKDF2_ITERATIONS = 600000
COMPONENTS = {"fw": ("firmware", "firmware.bin"), "ui": ("ui", "webroot.tar")}
RAW = serialization.Encoding.Raw, serialization.PublicFormat.Raw


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def default_uis(version):
    return base64.b64encode(hashlib.sha256(b"webroot " + version.encode()).digest()[:12]).decode()


def build_image(path, component, version, payload_size=4096, uis=None, corrupt=False):
    """Write a stand-in image; returns its header. ``corrupt`` breaks the digest."""
    payload = hashlib.sha256(version.encode()).digest() * (payload_size // 32 + 1)
    payload = payload[:payload_size]
    header = {"component": component, "version": version, "payload_size": payload_size,
              "payload_sha256": hashlib.sha256(payload).hexdigest()}
    if component == "ui":
        header["uis"] = uis or default_uis(version)
    if corrupt:
        payload = bytes([payload[0] ^ 0xFF]) + payload[1:]
    with open(path, "wb") as handle:
        handle.write(IMAGE_MAGIC + json.dumps(header).encode() + b"\n" + payload)
    return header


def parse_image(data, component):
    """The header of a valid image for ``component``, or None."""
    if not data.startswith(IMAGE_MAGIC):
        return None
    rest = data[len(IMAGE_MAGIC):]
    line, payload = rest.split(b"\n", 1) if b"\n" in rest else (rest, b"")
    try:
        header = json.loads(line)
    except ValueError:
        return None
    if header.get("component") != component or len(payload) != header.get("payload_size"):
        return None
    if hashlib.sha256(payload).hexdigest() != header.get("payload_sha256"):
        return None
    return header


class EncedoDevice:
    def __init__(self, name, config):
        self.name = name
        self.model = config.get("model", "PPA")
        self.firmware = config.get("firmware", "1.2.2")
        self.diag = config.get("diag", False)
        self.uis = config.get("uis", default_uis("1.0.0"))
        self.passphrase = config.get("passphrase")
        self.fls_state = config.get("fls_state", 0)
        self.auth_delay = config.get("auth_delay", 0.5)
        self.validation_seconds = config.get("validation_seconds", 0.3)
        self.reboot_seconds = config.get("reboot_seconds", 2.0)
        self.reboot_never_ends = config.get("reboot_never_ends", False)
        self.drop_upload_at = config.get("drop_upload_at")
        self.check_fails = config.get("check_fails", False)
        self.fail_requests = config.get("fail_requests")
        self.rtc_unset_after_reboot = config.get("rtc_unset_after_reboot", False)
        self.drop_install_answer = config.get("drop_install_answer")
        self.reboot_delay = config.get("reboot_delay", 0)
        self.answers = config.get("answers") or {}
        self.eid = config.get("eid") or "e" + secrets.token_hex(6)
        self.fws = secrets.token_hex(8)
        self.device_key = X25519PrivateKey.generate()
        self.user_public = None
        self.challenges = {}
        self.auth_failures = 0
        self.staged = {}
        self.down_until = 0.0
        self.reboot_at = None
        self.next_firmware = None
        self.boots = 1
        self.rtc_unset = False
        self.issued_scopes = []
        self.fw_upgrade_done = False
        self.booted_at = time.monotonic()
        self.boot_key = secrets.token_bytes(32)

    # ---------------------------------------------------------------- state
    @property
    def personalised(self):
        return self.passphrase is not None

    def is_down(self):
        if self.reboot_at is not None and time.monotonic() >= self.reboot_at:
            self.reboot_at = None
            self.reboot()
        return time.monotonic() < self.down_until

    def reboot(self, delay=0):
        """Reboot now, or after ``delay`` seconds during which the old boot keeps answering."""
        if delay:
            self.reboot_at = time.monotonic() + delay
            return
        if self.next_firmware is not None:
            self.firmware, self.next_firmware = self.next_firmware, None
            self.fws = os.urandom(8).hex()
            self.fw_upgrade_done = True
        self.down_until = time.monotonic() + self.reboot_seconds
        if self.reboot_never_ends:
            self.down_until = float("inf")
        self.boot_key = secrets.token_bytes(32)
        self.challenges.clear()
        self.booted_at = self.down_until
        self.boots += 1
        self.rtc_unset = self.rtc_unset_after_reboot

    def version_doc(self):
        doc = {"hwv": "%s rev 2.2" % self.model, "fwv": "Encedo nGINE FW v%s%s" % (self.firmware, "-DIAG" if self.diag else ""),
               "fwk": "k" + self.fws[:6], "fws": self.fws, "blv": "Encedo Secure Bootloader v2.0.1",
               "blk": "bk01", "bls": "bs01"}
        if self.model != "EPA":
            doc["uis"] = self.uis
        return doc

    def status_doc(self):
        doc = {"uptime": int(time.monotonic() - self.booted_at), "fls_state": self.fls_state, "temp": 31,
               "storage": ["disk0:rw"], "ts": int(time.time()), "time": int(time.time())}
        if not self.personalised:
            doc["inited"] = False
        if self.fw_upgrade_done:
            doc["fw_upgrade"] = True
        return doc

    def state(self):
        return {"model": self.model, "firmware": self.firmware, "uis": self.uis, "personalised": self.personalised,
                "fls_state": self.fls_state, "boots": self.boots, "down": self.is_down(), "eid": self.eid,
                "issued_scopes": list(self.issued_scopes),
                "staged": {k: {"verdict": v["verdict"], "size": len(v["data"])} for k, v in self.staged.items()}}

    def update(self, changes):
        for key, value in changes.items():
            if key == "down":
                self.down_until = time.monotonic() + float(value) if value else 0.0
            elif hasattr(self, key) and not key.startswith("_"):
                setattr(self, key, value)
            else:
                raise ValueError("unknown device setting %s" % key)
        if "passphrase" in changes:
            self.user_public = None

    # ---------------------------------------------------------------- auth
    def expected_user_public(self):
        if self.user_public is None:
            seed = PBKDF2HMAC(hashes.SHA256(), 32, self.eid.encode(), PBKDF2_ITERATIONS).derive(self.passphrase.encode())
            self.user_public = X25519PrivateKey.from_private_bytes(seed).public_key().public_bytes(*RAW)
        return self.user_public

    def challenge(self):
        jti = secrets.token_hex(8)
        exp = int(time.time()) + 60
        self.challenges[jti] = exp
        return {"eid": self.eid, "spk": base64.b64encode(self.device_key.public_key().public_bytes(*RAW)).decode(),
                "jti": jti, "exp": exp, "lbl": self.name}

    def verify_ejwt(self, ejwt):
        """The granted scope, or None."""
        try:
            head_b64, payload_b64, signature_b64 = ejwt.split(".")
            header = json.loads(b64url_decode(head_b64))
            payload = json.loads(b64url_decode(payload_b64))
            iss = base64.b64decode(payload["iss"])
        except (ValueError, KeyError, TypeError):
            return None
        if header.get("ecdh") != "x25519" or header.get("alg") != "HS256":
            return None
        exp = self.challenges.pop(payload.get("jti"), None)
        if exp is None or exp < time.time() or payload.get("exp", 0) < time.time():
            return None
        if not hmac.compare_digest(iss, self.expected_user_public()):
            return None
        shared = self.device_key.exchange(X25519PublicKey.from_public_bytes(iss))
        expected = hmac.new(shared, ("%s.%s" % (head_b64, payload_b64)).encode(), hashlib.sha256).digest()
        if not hmac.compare_digest(b64url(expected), signature_b64):
            return None
        return payload.get("scope")

    def issue_token(self, scope):
        payload = {"sub": "user", "scope": scope, "iat": int(time.time()), "exp": int(time.time()) + 3600, "boot": self.boots}
        body = "%s.%s" % (b64url(b'{"alg":"HS256","typ":"JWT"}'), b64url(json.dumps(payload).encode()))
        return body + "." + b64url(hmac.new(self.boot_key, body.encode(), hashlib.sha256).digest())

    def token_scope(self, authorization):
        """'missing', 'invalid', or the token's scope."""
        if not authorization or not authorization.startswith("Bearer "):
            return "missing"
        token = authorization[len("Bearer "):]
        try:
            head, payload_b64, signature = token.split(".")
            expected = b64url(hmac.new(self.boot_key, ("%s.%s" % (head, payload_b64)).encode(), hashlib.sha256).digest())
            payload = json.loads(b64url_decode(payload_b64))
        except (ValueError, TypeError):
            return "invalid"
        if not hmac.compare_digest(expected, signature) or payload.get("exp", 0) < time.time():
            return "invalid"
        return payload.get("scope", "")


class EncedoSimulator(Simulator):
    family = "encedo"

    def create_device(self, name, config):
        with self.lock:
            self.devices[name] = EncedoDevice(name, config)

    def _resolve(self, request):
        parts = request.path.split("/", 2)
        if len(parts) < 3 or parts[1] not in self.devices:
            return None, None
        request.device = parts[1]
        return self.devices[parts[1]], "/" + parts[2]

    # ------------------------------------------------------------ 100-continue
    def on_expect_continue(self, request):
        device, path = self._resolve(request)
        if device is None:
            return SimResponse(404, close=True)
        with self.lock:
            refused = self._upload_gate(device, path, request)
        request.gate_passed = refused is None
        return refused

    def _upload_gate(self, device, path, request):
        """Everything an upload is refused for before its body: None lets the body come."""
        if device.is_down():
            return DROP
        refused = self._stale_token(device, request)
        if refused:
            return refused
        injected = self._injected_failure(device)
        if injected:
            return injected
        kind = _upload_kind(path)
        if kind is None:
            return None
        if device.model == "EPA":
            return SimResponse(404, close=True)
        length = request.content_length
        if length is None:
            return SimResponse(411, close=True)
        refused = self._authorise(device, request)
        if refused:
            return refused
        filename = COMPONENTS[kind][1]
        disposition = request.headers.get("Content-Disposition", "")
        if 'filename="%s"' % filename not in disposition:
            return DROP
        if length > MAX_UPLOAD or (kind == "fw" and length > MAX_FIRMWARE):
            return DROP
        return None

    def _injected_failure(self, device):
        fault = device.fail_requests
        if fault and fault.get("count", 0) > 0:
            fault["count"] -= 1
            return SimResponse(fault.get("status", 503), close=True)
        return None

    @staticmethod
    def _stale_token(device, request):
        """Tokens are signed with a per-boot key: one that is not valid for this boot is refused before
        routing, on every /api/ path (the reading ones included). No Authorization header is fine."""
        authorization = request.headers.get("Authorization")
        if authorization is not None and device.token_scope(authorization) in ("missing", "invalid"):
            return SimResponse(401, close=True)
        return None

    def _authorise(self, device, request):
        if not device.personalised:
            return None
        scope = device.token_scope(request.headers.get("Authorization"))
        if scope in ("missing", "invalid"):
            return SimResponse(401, close=True)
        if scope not in ("system:upgrade", "system:config"):
            return SimResponse(403, close=True)
        return None

    # ------------------------------------------------------------ routing
    def route(self, request):
        device, path = self._resolve(request)
        if device is None:
            return SimResponse(404, close=True)
        if request.method == "POST" and path.startswith("/api/system/upgrade/upload_"):
            return self._upload(device, path, request)
        with self.lock:
            if device.is_down():
                return DROP
            refused = self._stale_token(device, request)
            if refused:
                return refused
            injected = self._injected_failure(device)
            if injected:
                return injected
            if request.method == "GET" and path in device.answers:
                return SimResponse(200, json.dumps(device.answers[path]).encode(), {"Content-Type": "application/json"})
            handler = ROUTES.get((request.method, path))
            if handler is None:
                return SimResponse(404, close=True)
            response = handler(self, device, request, path)
        if response is not DROP:
            response.close = True
        return response

    def _upload(self, device, path, request):
        if not getattr(request, "gate_passed", False):
            with self.lock:
                refused = self._upload_gate(device, path, request)
            if refused:
                return refused
        kind = _upload_kind(path)
        if kind is None:
            return SimResponse(404, close=True)
        received = bytearray()
        limit = device.drop_upload_at
        for chunk in request.iter_body(chunk=64 * 1024):
            received += chunk
            if limit is not None and len(received) >= limit:
                return DROP
        with self.lock:
            device.staged[kind] = {"data": bytes(received), "verdict": None, "check_started": None}
        return SimResponse(200, close=True)

    def _version(self, device, request, path):
        return json_response(200, device.version_doc())

    def _status(self, device, request, path):
        return json_response(200, device.status_doc())

    def _challenge(self, device, request, path):
        if not device.personalised:
            return SimResponse(409)
        return json_response(200, device.challenge())

    def _token(self, device, request, path):
        body = request.json() or {}
        delay = device.auth_delay * (3 if device.auth_failures >= 3 else 1)
        time.sleep(delay)
        if not device.personalised:
            return SimResponse(409)
        if device.rtc_unset:
            return SimResponse(403)
        scope = device.verify_ejwt(body.get("auth", "")) if isinstance(body, dict) else None
        if scope is None:
            device.auth_failures += 1
            return SimResponse(401)
        device.auth_failures = 0
        device.issued_scopes.append(scope)
        return json_response(200, {"token": device.issue_token(scope)})

    def _check(self, device, request, path):
        refused, kind, staged = self._staged_image(device, request, path)
        if refused:
            return refused
        if staged is None:
            return SimResponse(404)
        now = time.monotonic()
        if staged["check_started"] is None:
            staged["check_started"] = now
            return SimResponse(201)
        if now - staged["check_started"] < device.validation_seconds:
            return SimResponse(202)
        if staged["verdict"] is None:
            component = COMPONENTS[kind][0]
            header = parse_image(staged["data"], component)
            staged["verdict"] = "valid" if header and not device.check_fails else "invalid"
            staged["header"] = header
        return SimResponse(200 if staged["verdict"] == "valid" else 406)

    def _install(self, device, request, path):
        refused, kind, staged = self._staged_image(device, request, path)
        if refused:
            return refused
        if staged is None:
            return SimResponse(406)
        if staged["verdict"] != "valid":
            return SimResponse(409)
        if device.drop_install_answer == "before":
            return DROP
        answer = DROP if device.drop_install_answer == "after" else SimResponse(200)
        header = staged["header"]
        del device.staged[kind]
        if kind == "ui":
            device.uis = header["uis"]
            return answer
        device.next_firmware = header["version"]
        device.reboot(device.reboot_delay)
        return answer

    def _staged_image(self, device, request, path):
        """(refusal or None, component kind, staged image or None) for check_* and install_*."""
        if device.model == "EPA":
            return SimResponse(404), None, None
        kind = path.rsplit("_", 1)[1]
        return self._authorise(device, request), kind, device.staged.get(kind)


def _upload_kind(path):
    for kind in COMPONENTS:
        if path == "/api/system/upgrade/upload_%s" % kind:
            return kind
    return None


ROUTES = {
    ("GET", "/api/system/version"): EncedoSimulator._version,
    ("GET", "/api/system/status"): EncedoSimulator._status,
    ("GET", "/api/auth/token"): EncedoSimulator._challenge,
    ("POST", "/api/auth/token"): EncedoSimulator._token,
}
for _kind in COMPONENTS:
    ROUTES[("GET", "/api/system/upgrade/check_%s" % _kind)] = EncedoSimulator._check
    ROUTES[("GET", "/api/system/upgrade/install_%s" % _kind)] = EncedoSimulator._install


def image_main(argv):
    parser = argparse.ArgumentParser(prog="python -m tests.simulators.encedo image")
    parser.add_argument("--component", choices=("firmware", "ui"), required=True)
    parser.add_argument("--version", required=True)
    parser.add_argument("--size", type=int, default=4096, help="payload bytes")
    parser.add_argument("--corrupt", action="store_true")
    parser.add_argument("-o", "--output", required=True)
    args = parser.parse_args(argv)
    header = build_image(args.output, args.component, args.version, args.size, corrupt=args.corrupt)
    print(json.dumps(header))
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["image"]:
        sys.exit(image_main(sys.argv[2:]))
    sys.exit(main(EncedoSimulator))
