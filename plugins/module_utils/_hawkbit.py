# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fleetops.upgrade contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Client of the Eclipse hawkBit Direct Device Integration (DDI) API: Ansible plays the device.

Works with any DDI server, not only hawkBit: links are followed as the server gives them
(whatever their query string, host or path), optional fields may be missing, the content
type only has to be JSON, and no hash algorithm is assumed to be present.
Retries: 429 (DoS filter, quotas) and 409 (concurrent modification) are retried with
exponential backoff, honouring ``Retry-After``.
"""

from __future__ import annotations

__metaclass__ = type

import time
from urllib.parse import quote, urlsplit

from ._common_args import CONNECTION_ARGS, http_client_from
from ._errors import AuthenticationError, DeviceApiError, FleetopsError

HAWKBIT_AUTH_ARGS = dict(
    tenant=dict(type="str", default="DEFAULT"),
    controller_id=dict(type="str", required=True),
    target_token=dict(type="str", no_log=True),
    gateway_token=dict(type="str", no_log=True),
    retries=dict(type="int", default=5),
    backoff=dict(type="float", default=1.0),
)

HAWKBIT_COMMON_ARGS = dict(CONNECTION_ARGS, **HAWKBIT_AUTH_ARGS)
HAWKBIT_MUTUALLY_EXCLUSIVE = [("target_token", "gateway_token")]
HAWKBIT_REQUIRED_ONE_OF = [("target_token", "gateway_token")]

ACTION_LINKS = (("deploymentBase", "deployment"), ("cancelAction", "cancel"), ("confirmationBase", "confirmation"))
HASH_STRENGTH = ("sha256", "sha1", "md5")
CONFLICT = 409
GONE = 410
MAX_BACKOFF = 30.0
JSON_ACCEPT = {"Accept": "application/hal+json, application/json;q=0.9"}


def parse_sleep(value, default=300):
    """``HH:MM:SS`` -> seconds (the DDI polling sleep); ``default`` if missing or malformed."""
    try:
        hours, minutes, seconds = (int(part) for part in str(value).split(":"))
    except (TypeError, ValueError):
        return default
    return hours * 3600 + minutes * 60 + seconds


def action_id_from_href(href):
    """The action id is the last path segment of an action link (query string ignored)."""
    segment = urlsplit(href).path.rstrip("/").rsplit("/", 1)[-1]
    return segment


def strongest_hash(hashes):
    """(algorithm, hex digest) of the strongest hash offered, or (None, None)."""
    for name in HASH_STRENGTH:
        value = (hashes or {}).get(name)
        if value:
            return name, value.lower()
    return None, None


class PollResult:
    """What one base poll said."""

    __slots__ = ("not_modified", "etag", "data")

    def __init__(self, not_modified, etag, data):
        self.not_modified = not_modified
        self.etag = etag
        self.data = data or {}

    @property
    def links(self):
        return self.data.get("_links") or {}

    def href(self, name):
        link = self.links.get(name)
        return link.get("href") if isinstance(link, dict) else None

    @property
    def sleep(self):
        return parse_sleep(((self.data.get("config") or {}).get("polling") or {}).get("sleep"))

    def open_action(self):
        """(type, id, href) of the action the server offers, or ("none", None, None)."""
        for link, kind in ACTION_LINKS:
            href = self.href(link)
            if href:
                return kind, action_id_from_href(href), href
        return "none", None, None


class HawkbitClient:
    """One controller (device) of one tenant on a DDI server."""

    def __init__(self, http, tenant, controller_id, target_token=None, gateway_token=None,
                 conflict_retries=5, backoff=1.0, sleep=time.sleep):
        if not controller_id:
            raise FleetopsError("controller_id must not be empty")
        if bool(target_token) == bool(gateway_token):
            raise FleetopsError("give exactly one of target_token and gateway_token")
        self.http = http
        self.tenant = tenant
        self.controller_id = controller_id
        self.base_path = "%s/controller/v1/%s" % (quote(tenant, safe=""), quote(controller_id, safe=""))
        scheme, secret = ("TargetToken", target_token) if target_token else ("GatewayToken", gateway_token)
        http.headers["Authorization"] = "%s %s" % (scheme, secret)
        self.auth_scheme = scheme
        self.conflict_retries = conflict_retries
        self.backoff = backoff
        self._sleep = sleep

    @classmethod
    def from_params(cls, params, sleep=time.sleep):
        http = http_client_from(params, retries=params["retries"], backoff=params["backoff"], sleep=sleep)
        return cls(http, params["tenant"], params["controller_id"], params.get("target_token"), params.get("gateway_token"),
                   conflict_retries=params["retries"], backoff=params["backoff"], sleep=sleep)

    def close(self):
        self.http.close()

    # ----------------------------------------------------------------- plumbing
    def url(self, path=""):
        return self.base_path + path

    def call(self, method, path, json_body=None, expected=(200,), headers=None):
        """One request; 409 is retried with backoff (429 is retried by the transport)."""
        headers = dict(JSON_ACCEPT, **(headers or {}))
        for attempt in range(self.conflict_retries + 1):
            response = self.http.request(method, path, json_body=json_body, headers=headers, expected=None)
            if response.status != CONFLICT or attempt == self.conflict_retries or expected and CONFLICT in expected:
                break
            self._sleep(min(self.backoff * (2 ** attempt), MAX_BACKOFF))
        if response.status == 401:
            raise AuthenticationError(
                "the server refused the %s for controller %r in tenant %r (wrong token, unknown target, or a proxy wanting a client certificate)"
                % (self.auth_scheme, self.controller_id, self.tenant), response.method, response.url, response.status)
        if response.status not in expected:
            raise api_error(response)
        return response

    # ----------------------------------------------------------------- endpoints
    def base_poll(self, etag=None):
        """``GET {tenant}/controller/v1/{controllerId}``; 304 when ``etag`` still matches."""
        headers = {"If-None-Match": etag} if etag else None
        response = self.call("GET", self.url(), expected=(200, 304), headers=headers)
        new_etag = response.headers.get("etag") or etag
        if response.status == 304:
            return PollResult(True, new_etag, None)
        return PollResult(False, new_etag, response.json())

    def deployment_base(self, href, action_history=None):
        return self._get_action(href, action_history)

    def confirmation_base_action(self, href, action_history=None):
        return self._get_action(href, action_history)

    def installed_base(self, href, action_history=None):
        return self._get_action(href, action_history)

    def cancel_action(self, href):
        return self.call("GET", href).json()

    def _get_action(self, href, action_history):
        if action_history:
            href += ("&" if "?" in href else "?") + "actionHistory=%d" % action_history
        return self.call("GET", href).json()

    def deployment_feedback(self, action_id, status):
        """POST ``deploymentBase/{id}/feedback``; returns "sent" or "gone" (410: the action is closed)."""
        return self._feedback("/deploymentBase/%s/feedback" % quote(str(action_id), safe=""), {"status": status})

    def cancel_feedback(self, action_id, status):
        return self._feedback("/cancelAction/%s/feedback" % quote(str(action_id), safe=""), {"status": status})

    def confirmation_feedback(self, action_id, confirmation, code=None, details=None):
        body = {"confirmation": confirmation}
        if code is not None:
            body["code"] = code
        if details:
            body["details"] = list(details)
        return self._feedback("/confirmationBase/%s/feedback" % quote(str(action_id), safe=""), body)

    def _feedback(self, path, body):
        response = self.call("POST", self.url(path), json_body=body, expected=(200, 201, 204, GONE))
        return "gone" if response.status == GONE else "sent"

    def confirmation_base(self):
        return self.call("GET", self.url("/confirmationBase")).json()

    def activate_auto_confirm(self, href=None, initiator=None, remark=None):
        """Returns "sent", or "already" when the server says auto-confirm is already active (409)."""
        body = {k: v for k, v in (("initiator", initiator), ("remark", remark)) if v is not None}
        response = self.call("POST", href or self.url("/confirmationBase/activateAutoConfirm"), json_body=body,
                             expected=(200, 201, 204, CONFLICT))
        return "already" if response.status == CONFLICT else "sent"

    def deactivate_auto_confirm(self, href=None):
        self.call("POST", href or self.url("/confirmationBase/deactivateAutoConfirm"), expected=(200, 201, 204))

    def put_config_data(self, data, mode="merge", href=None):
        self.call("PUT", href or self.url("/configData"), json_body={"mode": mode, "data": data}, expected=(200, 201, 204))

    def software_module_artifacts(self, module_id):
        return self.call("GET", self.url("/softwaremodules/%s/artifacts" % quote(str(module_id), safe=""))).json(expect=list)

    def download(self, href, fileobj, offset=0, on_chunk=None):
        """Stream an artifact into ``fileobj`` from ``offset`` (Range); returns (status, bytes written).

        After asking for a range only 206 is streamed: 200 (the server ignored the range) and 416
        (not satisfiable) come back with nothing written, for the caller to start over; other statuses raise.
        """
        headers = {"Range": "bytes=%d-" % offset} if offset else None
        statuses = (206,) if offset else (200,)
        response, written = self.http.download_to(href, fileobj, headers=headers, on_chunk=on_chunk, statuses=statuses)
        if response.status in statuses:
            return response.status, written
        if offset and response.status in (200, 416):
            return response.status, 0
        if response.status == 401:
            raise AuthenticationError("the server refused the %s for the artifact download" % self.auth_scheme,
                                      "GET", response.url, 401)
        raise api_error(response)


def api_error(response):
    """DeviceApiError naming what the server said (hawkBit error bodies carry errorCode and message)."""
    what = {404: "not found (unknown target, action or artifact, or the action is not in that state)",
            405: "not allowed in the action's current state", 410: "the action is already closed",
            429: "too many requests or a quota exceeded, even after backing off",
            403: "forbidden (permissions or a quota)"}.get(response.status, "unexpected answer")
    return DeviceApiError("hawkBit DDI: %s" % what, response.method, response.url, response.status, response.content)
