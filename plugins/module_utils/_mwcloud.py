# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fleetops.upgrade contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Magewell Control Cloud API client (``/sc_cloud``).

Login is a ``multipart/form-data`` POST of the user name and the hex MD5 of the password; the
cloud answers with the session cookies ``mwcloud-sid`` and ``mwcloud-uid``, which every later
call carries. Sessions are a server resource, so the client logs out when the task is done
(use it as a context manager). A call refused with ``HTTP 401`` (session expired) logs in
again once and is repeated: the cloud did not act on it.

HTTP 200 answers carry an integer ``result`` (0 = success); anything else raises
:class:`MwCloudApiError` with the code and, where known, what it means.
"""

from __future__ import annotations

__metaclass__ = type

import hashlib
import json
import secrets

from ._common_args import CONNECTION_ARGS, http_client_from
from ._errors import AuthenticationError, DeviceApiError

API = "/sc_cloud"
SID_COOKIE = "mwcloud-sid"
UID_COOKIE = "mwcloud-uid"

RESULT_OK = 0
RESULT_REPEAT = 1
RESULT_WRONG_PASSWORD = -1
RESULT_NO_SUCH_USER = -14
RESULT_NO_PERMISSION = -15

# -1 and -14 are Magewell's; the others are what the simulator answers (the public pages that list
# the API status codes were not reachable), so unknown codes are always shown with their number.
RESULT_MEANINGS = {
    -1: "wrong password",
    -2: "invalid parameter",
    -14: "user does not exist",
    -15: "no permission (administrators only)",
    -16: "no such device",
    -17: "device is offline",
    -20: "devices of one call must share product family, product model and hardware version",
    -21: "no such firmware in the catalogue",
    -22: "firmware does not fit the device's product or hardware version",
}

MWCLOUD_AUTH_ARGS = dict(
    username=dict(type="str", required=True),
    password=dict(type="str", required=True, no_log=True),
)

MWCLOUD_COMMON_ARGS = dict(CONNECTION_ARGS)
MWCLOUD_COMMON_ARGS.update(MWCLOUD_AUTH_ARGS)


FIRMWARE_KEYS = ("id", "product-id", "hardware-ver", "marjor-ver", "minor-ver", "build-number")


def describe_result(code):
    meaning = RESULT_MEANINGS.get(code)
    return "API status %s (%s)" % (code, meaning) if meaning else "API status %s" % code


class MwCloudApiError(DeviceApiError):
    """The cloud answered HTTP 200 with a non-zero ``result``."""

    def __init__(self, msg, code, method=None, url=None, **details):
        super().__init__("%s: %s" % (msg, describe_result(code)), method, url, 200, **details)
        self.code = code


def password_md5(password):
    try:
        digest = hashlib.md5(password.encode("utf-8"), usedforsecurity=False)
    except TypeError:  # Python < 3.9
        digest = hashlib.md5(password.encode("utf-8"))  # nosec - the API's login scheme, not our choice
    return digest.hexdigest()


def multipart_form(fields):
    """(body, content type) of a multipart/form-data body with text fields."""
    boundary = "----fleetops%s" % secrets.token_hex(12)
    parts = []
    for name, value in fields:
        parts.append('--%s\r\nContent-Disposition: form-data; name="%s"\r\n\r\n%s\r\n' % (boundary, name, value))
    parts.append("--%s--\r\n" % boundary)
    return "".join(parts).encode("utf-8"), "multipart/form-data; boundary=%s" % boundary


def normalize_version(value):
    """"1.05.178" -> "1.5.178"; other strings are kept as given (stripped)."""
    if value is None:
        return None
    text = str(value).strip()
    parts = text.split(".")
    if all(part.isdigit() for part in parts):
        return ".".join(str(int(part)) for part in parts)
    return text


def version_key(value):
    """Sort key for version strings: numeric parts compare as numbers."""
    return tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in str(value).split("."))


def firmware_from_record(raw):
    """A catalogue entry as the modules return it."""
    return {
        "id": raw.get("id"),
        "product_id": raw.get("product-id"),
        "hardware_version": raw.get("hardware-ver"),
        "version": "%s.%s.%s" % (raw.get("marjor-ver", raw.get("major-ver")), raw.get("minor-ver"), raw.get("build-number")),
        "build_type": raw.get("firmware-id"),
        "upload_date": raw.get("upload-date"),
        "file_path": raw.get("file-path"),
    }


def firmware_version_of(status):
    """The device's firmware version: ``firmware-ver`` or the catalogue's number fields; None when not reported."""
    value = status.get("firmware-ver")
    if value not in (None, ""):
        return normalize_version(value)
    major = status.get("marjor-ver", status.get("major-ver"))
    if major is not None and status.get("minor-ver") is not None and status.get("build-number") is not None:
        return "%s.%s.%s" % (major, status["minor-ver"], status["build-number"])
    return None


def device_from_record(raw):
    """A device record as the modules and the inventory return it."""
    status = raw.get("status") or {}
    transferring = bool(raw.get("is-upload-file"))
    return {
        "serial": raw.get("sn"),
        "name": status.get("name"),
        "family": raw.get("module"),
        "product_id": status.get("product-id"),
        "product": status.get("module-name"),
        "hardware_version": status.get("hardware-ver"),
        "firmware_version": firmware_version_of(status),
        "online": bool(raw.get("online-date")),
        "group_id": raw.get("group-id"),
        "transferring": transferring,
        "transfer_progress": raw.get("upload-file-pos") if transferring else None,
    }


class MwCloudClient:
    """One logged-in session with a Magewell Control Cloud; use ``with`` so it logs out."""

    def __init__(self, http, username, password):
        self.http = http
        self.username = username
        self._password = password
        self.logged_in = False
        self.logins = 0

    @classmethod
    def from_params(cls, params, **http_kwargs):
        return cls(http_client_from(params, **http_kwargs), params["username"], params["password"])

    def __enter__(self):
        self.login()
        return self

    def __exit__(self, *exc_info):
        self.close()

    def close(self):
        """Log out (best effort: a failed logout must not hide the task's own result) and close."""
        try:
            if self.logged_in:
                self.logout()
        except DeviceApiError:
            pass
        finally:
            self.http.close()

    # ----------------------------------------------------------------- session
    def login(self):
        body, content_type = multipart_form((("id", self.username), ("pass", password_md5(self._password))))
        response = self.http.request("POST", API + "/login", data=body, headers={"Content-Type": content_type},
                                     expected=(200,), retry=False)
        answer = response.json()
        if not has_result_code(answer):
            raise not_the_api(response, "POST", API + "/login")
        code = answer["result"]
        if code == RESULT_WRONG_PASSWORD:
            raise AuthenticationError("login refused: wrong password for user '%s'" % self.username, "POST", response.url, 200)
        if code == RESULT_NO_SUCH_USER:
            raise AuthenticationError("login refused: user '%s' does not exist on this Magewell Cloud" % self.username,
                                      "POST", response.url, 200)
        if code != RESULT_OK:
            raise AuthenticationError("login refused for user '%s': %s" % (self.username, describe_result(code)),
                                      "POST", response.url, 200)
        self._keep_session_cookies(answer)
        self.logged_in = True
        self.logins += 1
        return answer

    def _keep_session_cookies(self, answer):
        """The cookies set by the cloud are in the session's jar; fall back to the body's sid if a proxy ate them."""
        jar = self.http.session.cookies
        if not jar.get(SID_COOKIE) and answer.get("sid"):
            jar.set(SID_COOKIE, answer["sid"])
        if not jar.get(UID_COOKIE):
            jar.set(UID_COOKIE, answer.get("name") or self.username)

    def logout(self):
        self.logged_in = False
        try:
            self._call("POST", "/logout", relogin=False)
        finally:
            self.http.session.cookies.clear()

    # ----------------------------------------------------------------- plumbing
    def _call(self, method, path, params=None, json_body=None, relogin=True):
        """One API call; a 401 (session expired) logs in again once. Returns the JSON answer (result 0)."""
        response = self.http.request(method, API + path, params=params, json_body=json_body, retry=method == "GET")
        if response.status == 401 and relogin:
            self.login()
            response = self.http.request(method, API + path, params=params, json_body=json_body, retry=method == "GET")
        if response.status == 401:
            raise AuthenticationError("the Magewell Cloud refused the session of user '%s' (HTTP 401)" % self.username,
                                      method, response.url, 401)
        if response.status != 200:
            raise response.error("unexpected answer from the Magewell Cloud")
        answer = response.json()
        if not has_result_code(answer):
            raise not_the_api(response, method, API + path)
        if answer["result"] != RESULT_OK:
            raise MwCloudApiError("the Magewell Cloud refused %s" % path.rsplit("/", 1)[-1], answer["result"], method, response.url)
        return answer

    # ----------------------------------------------------------------- endpoints
    def get_all_firmwares(self, dev_type=0, product_id=None, hardware_ver=None):
        """Raw catalogue entries; ``dev_type`` 0 with nothing else = all."""
        params = {"dev-type": dev_type}
        if product_id:
            params["product-id"] = product_id
        if hardware_ver:
            params["hardware-ver"] = hardware_ver
        path = "/scapi/get-all-firmwares"
        firmwares = self._list(self._call("GET", path, params=params), "GET", path, "firmwares")
        for entry in firmwares:
            present = set(entry) if isinstance(entry, dict) else set()
            if "major-ver" in present:
                present.add("marjor-ver")
            missing = [key for key in FIRMWARE_KEYS if key not in present]
            if missing:
                raise DeviceApiError("the answer of GET %s%s lists a firmware without %s" % (API, path, ", ".join(missing)),
                                     "GET", self.http.url_for(API + path), 200, json.dumps(entry))
        return firmwares

    def get_devs(self, group_id=0, module=0):
        """Raw device records; group 0 and family 0 = all."""
        path = "/scapi/get-devs"
        devs = self._list(self._call("GET", path, params={"id": group_id, "module": module}), "GET", path, "devs")
        for record in devs:
            self._check_device(record, "GET", path)
        return devs

    def get_dev(self, sn):
        path = "/scapi/get-dev"
        answer = self._call("GET", path, params={"sn": sn})
        if "dev" not in answer and "sn" not in answer:
            raise self._lacks("GET", path, "dev", answer)
        record = answer.get("dev") if "dev" in answer else {k: v for k, v in answer.items() if k != "result"}
        return self._check_device(record, "GET", path)

    def start_upgrade(self, sns, firmware_id):
        """Per-device results [{"sn", "result"}]; the call itself refused raises MwCloudApiError."""
        path = "/upgrade/start"
        try:
            answer = self._call("POST", path, json_body={"sn": list(sns), "firmware-id": firmware_id})
        except MwCloudApiError as exc:
            if exc.code == RESULT_NO_PERMISSION:
                raise AuthenticationError("user '%s' is not an administrator of this Magewell Cloud: only administrators may "
                                          "start upgrades" % self.username, exc.method, exc.url, 200) from None
            raise
        details = self._list(answer, "POST", path, "details")
        if not all(isinstance(item, dict) for item in details):
            raise DeviceApiError("the answer of POST %s%s has details that are not objects" % (API, path),
                                 "POST", self.http.url_for(API + path), 200, json.dumps(details))
        return details

    # ----------------------------------------------------------------- answer checks
    def _lacks(self, method, path, key, answer):
        return DeviceApiError("the answer of %s %s%s lacks %s" % (method, API, path, key),
                              method, self.http.url_for(API + path), 200, json.dumps(answer))

    def _list(self, answer, method, path, key):
        if key not in answer:
            raise self._lacks(method, path, key, answer)
        if not isinstance(answer[key], list):
            raise DeviceApiError("the answer of %s %s%s is not usable: %s is not a list" % (method, API, path, key),
                                 method, self.http.url_for(API + path), 200, json.dumps(answer))
        return answer[key]

    def _check_device(self, record, method, path):
        if not isinstance(record, dict) or not record.get("sn"):
            raise DeviceApiError("the answer of %s %s%s lists a device without sn" % (method, API, path),
                                 method, self.http.url_for(API + path), 200, json.dumps(record))
        if not isinstance(record.get("status") or {}, dict):
            raise DeviceApiError("the answer of %s %s%s has a status of device %s that is not an object"
                                 % (method, API, path, record["sn"]), method, self.http.url_for(API + path), 200)
        return record


def has_result_code(answer):
    return isinstance(answer, dict) and isinstance(answer.get("result"), int) and not isinstance(answer.get("result"), bool)


def not_the_api(response, method, path):
    """The server answered 200 with JSON that has no integer ``result``: not this API (wrong URL, a proxy, another service)."""
    return response.error("the answer of %s %s is not the Magewell Cloud API's JSON (no integer result code): is url the "
                          "address of the Magewell Cloud?" % (method, path))
