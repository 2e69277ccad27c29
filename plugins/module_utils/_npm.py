# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fleetops.upgrade contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Client of the Riverbed AppResponse API used for upgrades (``npm.system_update`` 2.0).

Authentication: a ready access token, or username/password exchanged at ``mgmt.aaa`` (1.0,
falling back to 2.0 on releases that only serve that). Access tokens live 15 minutes and an
upgrade lasts longer, so a request answered 401 gets a new access token and is sent once more.
The appliance keeps at most 25 refresh tokens per user and revokes the oldest for the 26th, so
one client asks for at most one refresh token, and only when it was built for a long task
(``long_task=True``); short tasks log in again with the credentials instead.
"""

from __future__ import annotations

__metaclass__ = type

from ._errors import AuthenticationError, DeviceApiError

AAA_VERSIONS = ("1.0", "2.0")
UPDATE_API = "/api/npm.system_update/2.0"

IMAGE_STATES_IN_PROGRESS = ("UPLOADING", "VALIDATING")
IMAGE_STATES_FAILED = ("UPLOAD_ERROR", "INVALID")


class NpmClient:
    """One AppResponse appliance; one method per endpoint.

    ``http`` is a :class:`HttpClient` for the appliance's base URL. Give either ``token`` or
    ``username`` and ``password``.
    """

    def __init__(self, http, username=None, password=None, token=None, long_task=False):
        self.http = http
        self.username = username
        self._password = password
        self._access_token = token
        self._refresh_token = None
        self._aaa_version = None
        self.long_task = long_task
        self.logins = 0
        self.refreshes = 0
        if token:
            self._authorize(token)

    # ------------------------------------------------------------------ auth
    def _authorize(self, access_token):
        self._access_token = access_token
        self.http.headers["Authorization"] = "Bearer " + access_token

    def login(self):
        """``POST mgmt.aaa/{1.0,2.0}/token`` with the credentials."""
        if not self.username:
            raise AuthenticationError("the appliance refused the given token (expired or revoked); "
                                      "give username and password to let the task get new tokens")
        body = {"user_credentials": {"username": self.username, "password": self._password},
                "generate_refresh_token": self.long_task and self._refresh_token is None}
        for version in self._aaa_candidates():
            response = self.http.request("POST", "/api/mgmt.aaa/%s/token" % version, json_body=body,
                                         headers={"Authorization": None}, retry=False)
            if response.status == 404 and self._aaa_version is None:
                continue
            if response.status in (401, 403):
                raise AuthenticationError("the appliance refused the username or password",
                                          "POST", response.url, response.status, error_text(response))
            if response.status not in (200, 201):
                raise response.error("getting an access token failed")
            data = response.json()
            self._aaa_version = version
            self.logins += 1
            if data.get("refresh_token"):
                self._refresh_token = data["refresh_token"]
            self._authorize(require(data, "access_token", response))
            return data
        raise DeviceApiError("the appliance serves neither mgmt.aaa 1.0 nor 2.0 tokens (is this an AppResponse?)",
                             "POST", self.http.url_for("/api/mgmt.aaa/2.0/token"), 404)

    def _aaa_candidates(self):
        return (self._aaa_version,) if self._aaa_version else AAA_VERSIONS

    def refresh(self):
        """``POST mgmt.aaa/…/token`` with the refresh token; False when it is no longer accepted."""
        response = self.http.request("POST", "/api/mgmt.aaa/%s/token" % self._aaa_version,
                                     json_body={"refresh_token": self._refresh_token},
                                     headers={"Authorization": None}, retry=False)
        if response.status in (401, 403):
            self._refresh_token = None
            return False
        if response.status not in (200, 201):
            raise response.error("refreshing the access token failed")
        self.refreshes += 1
        self._authorize(require(response.json(), "access_token", response))
        return True

    def renew(self):
        """A new access token: refresh if this client holds a refresh token, else log in again."""
        if self._refresh_token and self.refresh():
            return
        self.login()

    def ensure_token(self):
        if self._access_token is None:
            self.login()

    # ------------------------------------------------------------------ plumbing
    def request(self, method, path, expected=(200,), **kwargs):
        """Authorized request; on 401 renew the access token once and send again."""
        self.ensure_token()
        response = self.http.request(method, path, **kwargs)
        if response.status == 401:
            self.renew()
            response = self.http.request(method, path, **kwargs)
        if response.status == 401:
            raise AuthenticationError("the appliance refused a fresh access token", method, response.url,
                                      response.status, error_text(response))
        if response.status not in expected:
            raise DeviceApiError("unexpected answer", method, response.url, response.status, error_text(response))
        return response

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs).json()

    # ------------------------------------------------------------------ common
    def info(self, retry=True):
        """``GET /api/common/1.0/info``: model, serial, sw_version, ..."""
        return self.get("/api/common/1.0/info", retry=retry)

    def services(self):
        """``GET /api/common/1.0/services``."""
        return self.get("/api/common/1.0/services")

    # ------------------------------------------------------------------ images
    def images(self):
        """``GET …/images`` -> list of image objects."""
        response = self.request("GET", UPDATE_API + "/images")
        items = response.json().get("items") or []
        if not isinstance(items, list):
            raise response.error("the answer's items is not a list of images")
        return [checked_image(item, response) for item in items]

    def image(self, image_id):
        """``GET …/images/items/{id}``."""
        response = self.request("GET", "%s/images/items/%d" % (UPDATE_API, image_id))
        return checked_image(response.json(), response)

    def delete_image(self, image_id):
        """``DELETE …/images/items/{id}``."""
        self.request("DELETE", "%s/images/items/%d" % (UPDATE_API, image_id), expected=(200, 204), retry=False)

    def fetch_image(self, url):
        """``POST …/images/fetch {"url": …}`` -> the new image (UPLOADING)."""
        response = self.request("POST", UPDATE_API + "/images/fetch", json_body={"url": url},
                                expected=(200, 201, 202), retry=False)
        return checked_image(response.json(), response)

    def upload_image(self, file_path, timeout=None):
        """``POST …/images/upload`` streaming the file -> (image, bytes sent).

        ``Expect: 100-continue`` lets the appliance refuse (401, 404…) before any byte of the image
        is sent; a refused token is renewed and the upload starts again.
        """
        self.ensure_token()
        headers = {"Content-Type": "application/octet-stream"}
        path = UPDATE_API + "/images/upload"
        response, sent = self.http.upload("POST", path, file_path, headers=headers, expect_continue=True, timeout=timeout)
        if response.status == 401:
            self.renew()
            response, sent = self.http.upload("POST", path, file_path, headers=headers, expect_continue=True, timeout=timeout)
        if response.status not in (200, 201, 202):
            raise DeviceApiError("the appliance refused the image upload", "POST", response.url, response.status,
                                 error_text(response), bytes_sent=sent)
        try:
            return checked_image(response.json(), response), sent
        except DeviceApiError as exc:
            exc.details["bytes_sent"] = sent
            raise

    # ------------------------------------------------------------------ update
    def update(self, retry=True):
        """``GET …/update``: state, state_description, target_version, update_history."""
        return self.get(UPDATE_API + "/update", retry=retry)

    def update_init(self):
        """``POST …/update/init``."""
        self._update_action("init")

    def update_start(self):
        """``POST …/update/start``."""
        self._update_action("start")

    def update_reset(self):
        """``POST …/update/reset``."""
        self._update_action("reset")

    def _update_action(self, action):
        self.request("POST", "%s/update/%s" % (UPDATE_API, action), expected=(200, 201, 202, 204), retry=False)

    def close(self):
        self.http.close()


def error_text(response):
    """The appliance's ``error_text`` (and ``error_id``) when the body has them, else the raw body."""
    try:
        data = response.json()
    except DeviceApiError:
        return response.content
    if isinstance(data, dict) and data.get("error_text"):
        return "%s (%s)" % (data["error_text"], data.get("error_id", "no error_id"))
    return response.content


def checked_image(data, response):
    """An image object as the resource page describes it (integer ``id``, ``state``), else a clear error."""
    if not isinstance(data, dict) or not isinstance(data.get("id"), int) or not isinstance(data.get("state"), str):
        raise response.error("the answer is not an image (an object with an integer id and a state)")
    return data


def require(data, key, response):
    if not isinstance(data, dict) or not data.get(key):
        raise response.error("the answer has no %s" % key)
    return data[key]
