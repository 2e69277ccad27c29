# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fleetops.upgrade contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Encedo HEM API client: version/status, the eJWT passphrase flow and the upgrade endpoints."""

from __future__ import annotations

__metaclass__ = type

import base64
import hashlib
import hmac
import json
import re
import time

try:
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
    from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC
except ImportError:
    CRYPTOGRAPHY_IMPORT_ERROR = "cryptography"
else:
    CRYPTOGRAPHY_IMPORT_ERROR = None

from ._common_args import CONNECTION_ARGS, http_client_from
from ._errors import AuthenticationError, DeviceApiError, DeviceUnreachable, FleetopsError

ENCEDO_COMMON_ARGS = dict(
    CONNECTION_ARGS,
    passphrase=dict(type="str", no_log=True),
    token=dict(type="str", no_log=True),
    scope=dict(type="str", default="system:upgrade", choices=["system:upgrade", "system:config"]),
)
ENCEDO_MUTUALLY_EXCLUSIVE = [("passphrase", "token")]

UPGRADE_SCOPE = "system:upgrade"
PBKDF2_ITERATIONS = 600000
TOKEN_LIFETIME = 3600
FIRMWARE_VERSION = re.compile(r"v?(\d+(?:\.\d+)+)(-DIAG)?\s*$", re.IGNORECASE)

# keys every HEM sends in its reading documents; without them the device cannot be described
VERSION_KEYS = ("fwv", "hwv")
STATUS_KEYS = ("fls_state",)
CHALLENGE_KEYS = ("eid", "spk", "jti")

# component -> (endpoint suffix, file name the device expects)
COMPONENTS = {
    "firmware": ("fw", "firmware.bin"),
    "ui": ("ui", "webroot.tar"),
}

AUTH_STATUS_MEANING = {
    400: "the device rejected the token request as malformed",
    401: "the passphrase was refused",
    403: "the device clock is not set (trusted time is on and the device has not checked in since it booted)",
    409: "the device is not personalised (it needs no passphrase)",
}
UPGRADE_STATUS_MEANING = {
    401: "the token is missing, invalid or expired",
    403: "the token has neither the system:upgrade nor the system:config scope",
    404: "the upgrade endpoint does not exist (not supported on EPA)",
}


def parse_firmware_version(fwv):
    """('1.2.2', False) from 'Encedo nGINE FW v1.2.2'; diag True for '-DIAG' builds; (None, False) if unknown."""
    match = FIRMWARE_VERSION.search(fwv or "")
    if not match:
        return None, False
    return match.group(1), bool(match.group(2))


def _b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def derive_seed(passphrase, eid):
    """PBKDF2-HMAC-SHA256(passphrase, salt=eid, 600000 iterations) -> 32-byte X25519 private key."""
    kdf = PBKDF2HMAC(algorithm=hashes.SHA256(), length=32, salt=eid.encode("utf-8"), iterations=PBKDF2_ITERATIONS)
    return kdf.derive(passphrase.encode("utf-8"))


def build_ejwt(seed, challenge, scope=UPGRADE_SCOPE, lifetime=TOKEN_LIFETIME, now=None):
    """The signed eJWT that answers a challenge from ``GET /api/auth/token``."""
    private_key = X25519PrivateKey.from_private_bytes(seed)
    public = private_key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    device_public = X25519PublicKey.from_public_bytes(base64.b64decode(challenge["spk"]))
    shared = private_key.exchange(device_public)
    issued = int(now if now is not None else time.time()) - 5
    header = {"ecdh": "x25519", "alg": "HS256", "typ": "JWT"}
    payload = {"jti": challenge["jti"], "aud": challenge["spk"], "exp": issued + 5 + lifetime, "iat": issued,
               "iss": base64.b64encode(public).decode("ascii"), "scope": scope}
    signing_input = "%s.%s" % (_b64url(json.dumps(header, separators=(",", ":")).encode()),
                               _b64url(json.dumps(payload, separators=(",", ":")).encode()))
    signature = hmac.new(shared, signing_input.encode("ascii"), hashlib.sha256).digest()
    return signing_input + "." + _b64url(signature)


def describe_device(version_doc, status_doc):
    """What encedo_info returns, from the ``/api/system/version`` and ``/api/system/status`` documents."""
    firmware, diag = parse_firmware_version(version_doc.get("fwv"))
    hardware = version_doc.get("hwv", "")
    fls_state = status_doc.get("fls_state", 0)
    return {
        "model": "EPA" if "EPA" in hardware else "PPA",
        "hardware": hardware,
        "firmware_version": firmware,
        "fwv": version_doc.get("fwv"),
        "diag": diag,
        "fws": version_doc.get("fws"),
        "uis": version_doc.get("uis"),
        "bootloader": version_doc.get("blv"),
        "personalised": status_doc.get("inited", True) is not False,
        "fls_state": fls_state,
        "fault": fls_state != 0,
        "fw_upgrade": bool(status_doc.get("fw_upgrade", False)),
        "uptime": status_doc.get("uptime"),
        "temperature": status_doc.get("temp"),
    }


def read_device(client):
    return describe_device(client.system_version(), client.system_status())


def client_from(params):
    """The client a module's params describe (connection options, passphrase or token)."""
    return EncedoClient(http_client_from(params), passphrase=params.get("passphrase"), token=params.get("token"),
                        scope=params.get("scope") or UPGRADE_SCOPE)


class EncedoClient:
    """One Encedo HEM device. ``passphrase`` or ``token`` for personalised devices, neither for fresh ones.

    Tokens are signed with a per-boot key, and a device answers 401 on *every* path, the public
    reading ones included, to a request that carries a token of an earlier boot. So the token is
    sent only to the endpoints that need it, never with the reading requests (they need none), and
    it is forgotten when a firmware install reboots the device; the next request that needs one
    gets a fresh token from the passphrase.
    """

    def __init__(self, http, passphrase=None, token=None, scope=UPGRADE_SCOPE):
        if passphrase and CRYPTOGRAPHY_IMPORT_ERROR:
            raise FleetopsError("the Python library 'cryptography' is required for passphrase authentication "
                                "on the host that runs this task")
        self.http = http
        self.scope = scope
        self._passphrase = passphrase
        self._seeds = {}
        self._token = token or None
        self._token_died = False

    def close(self):
        self.http.close()

    @property
    def can_authenticate(self):
        return bool(self._passphrase or self._token)

    def forget_token(self):
        """The device rebooted: its tokens are void (and would make it answer 401 everywhere)."""
        if self._token:
            self._token_died = True
        self._token = None

    def _auth_headers(self):
        if self._token is None and self._token_died:
            if not self._passphrase:
                raise AuthenticationError("the token died with the device's reboot and no passphrase was given to get a new one")
            self.authenticate()
        return {"Authorization": "Bearer " + self._token} if self._token else {}

    # ------------------------------------------------------------ state (no auth)
    def system_version(self, retry=True):
        return self._document("/api/system/version", VERSION_KEYS, retry)

    def system_status(self, retry=True):
        return self._document("/api/system/status", STATUS_KEYS, retry)

    def _document(self, path, required, retry):
        """A reading endpoint's JSON object; an error naming the endpoint if it lacks what every HEM sends."""
        response = self.http.request("GET", path, expected=(200,), retry=retry)
        document = response.json()
        if not isinstance(document, dict):
            raise response.error("the answer of GET %s is not a JSON object (is this an Encedo HEM?)" % path)
        missing = [key for key in required if key not in document]
        if missing:
            raise response.error("the answer of GET %s lacks %s (is this an Encedo HEM?)" % (path, ", ".join(missing)))
        return document

    # ------------------------------------------------------------ auth
    def auth_challenge(self):
        response = self.http.request("GET", "/api/auth/token", retry=False)
        if response.status != 200:
            raise self._auth_error(response)
        challenge = response.json()
        missing = [key for key in CHALLENGE_KEYS if not isinstance(challenge, dict) or key not in challenge]
        if missing:
            raise response.error("the answer of GET /api/auth/token lacks %s" % ", ".join(missing))
        return challenge

    def auth_token(self, ejwt):
        response = self.http.request("POST", "/api/auth/token", json_body={"auth": ejwt}, retry=False)
        if response.status != 200:
            raise self._auth_error(response)
        answer = response.json()
        token = answer.get("token") if isinstance(answer, dict) else None
        if not token or not isinstance(token, str):
            raise response.error("the device answered the token request without a token")
        return token

    def authenticate(self):
        """Run the eJWT flow once (never in a loop: the device slows down after failures)."""
        if not self._passphrase:
            return
        challenge = self.auth_challenge()
        eid = challenge["eid"]
        if eid not in self._seeds:
            self._seeds[eid] = derive_seed(self._passphrase, eid)
        self._token = self.auth_token(build_ejwt(self._seeds[eid], challenge, self.scope))
        self._token_died = False

    def prove_credentials(self):
        """Prove the passphrase or token without changing anything on the device (check mode).

        A passphrase runs the eJWT flow (``GET`` then ``POST /api/auth/token``: the POST only issues a token, it
        changes nothing on the device). A ready token is sent with ``GET /api/system/status``: a device answers 401
        to a request carrying a token that is not valid for its current boot, on every path, before routing. Its
        scope is proved by the upgrade endpoints only, which a preview does not call. Returns what was proved.
        """
        if self._passphrase:
            self.authenticate()
            return "passphrase accepted (token issued)"
        if self._token:
            response = self.http.request("GET", "/api/system/status", headers={"Authorization": "Bearer " + self._token},
                                         retry=False)
            if response.status == 401:
                raise AuthenticationError("the token was refused (invalid, expired, or issued before the device's "
                                          "last reboot)", response.method, response.url, response.status)
            if response.status != 200:
                raise response.error("unexpected answer to the token check")
            return "token accepted (scope not checked)"
        return None

    @staticmethod
    def _auth_error(response):
        meaning = AUTH_STATUS_MEANING.get(response.status, "authentication failed")
        return AuthenticationError(meaning, response.method, response.url, response.status)

    # ------------------------------------------------------------ upgrade endpoints
    def upgrade_upload(self, component, file_path):
        """POST upload_fw|upload_ui with Expect: 100-continue; returns bytes sent."""
        suffix, file_name = COMPONENTS[component]
        headers = {"Content-Type": "application/octet-stream",
                   "Content-Disposition": 'attachment; filename="%s"' % file_name}
        headers.update(self._auth_headers())
        response, sent = self.http.upload("POST", "/api/system/upgrade/upload_" + suffix, file_path,
                                          headers=headers, expect_continue=True)
        if response.status != 200:
            raise self._upgrade_error("upload refused", response, bytes_sent=sent)
        return sent

    def upgrade_check(self, component):
        """The check endpoint's status: 201 started, 202 ongoing, 200 valid, 406 failed, 404 nothing uploaded."""
        response = self.http.request("GET", "/api/system/upgrade/check_" + COMPONENTS[component][0],
                                     headers=self._auth_headers(), retry=False)
        if response.status not in (200, 201, 202, 404, 406):
            raise self._upgrade_error("check failed", response)
        return response.status

    def upgrade_install(self, component):
        """GET install_fw|install_ui; 200 or an error naming what the device said.

        Once install_fw is sent the token is forgotten, also when the answer is lost: the device may be
        rebooting, and a token of the old boot would make it refuse even the reading requests.
        """
        headers = self._auth_headers()
        try:
            response = self.http.request("GET", "/api/system/upgrade/install_" + COMPONENTS[component][0],
                                         headers=headers, retry=False)
        except DeviceUnreachable:
            if component == "firmware":
                self.forget_token()
            raise
        if response.status != 200:
            meanings = {406: "the device has no verified image to install", 409: "the device is in the wrong state to install"}
            raise self._upgrade_error(meanings.get(response.status, "install refused"), response)
        if component == "firmware":
            self.forget_token()
        return response.status

    @staticmethod
    def _upgrade_error(what, response, **details):
        meaning = UPGRADE_STATUS_MEANING.get(response.status)
        error_type = AuthenticationError if response.status in (401, 403) else DeviceApiError
        text = "%s: %s" % (what, meaning) if meaning else what
        return error_type(text, response.method, response.url, response.status, response.content, **details)
