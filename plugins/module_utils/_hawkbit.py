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

from ._connection import CONNECTION_ARGS, ConnectionSettings
from ._errors import AuthenticationError, DeviceApiError, FleetopsError
from ._hawkbit_http import StdlibHttp
from ._http import backoff_delay
from ._redact import redact_url
from ._task import TaskRun

HAWKBIT_AUTH_ARGS = dict(
    tenant=dict(type="str", default="DEFAULT"),
    controller_id=dict(type="str", required=True),
    target_token=dict(type="str", no_log=True),
    gateway_token=dict(type="str", no_log=True),
    retries=dict(type="int", default=5),
    backoff=dict(type="float", default=1.0),
    token_over_http=dict(type="bool", default=False),
    token_to_other_hosts=dict(type="bool", default=False),
)

HAWKBIT_COMMON_ARGS = dict(CONNECTION_ARGS, **HAWKBIT_AUTH_ARGS)
HAWKBIT_MUTUALLY_EXCLUSIVE = [("target_token", "gateway_token")]
HAWKBIT_REQUIRED_ONE_OF = [("target_token", "gateway_token")]

ACTION_LINKS = (("deploymentBase", "deployment"), ("cancelAction", "cancel"), ("confirmationBase", "confirmation"))
HASH_STRENGTH = ("sha256", "sha1", "md5")
CONFLICT = 409
GONE = 410
JSON_ACCEPT = {"Accept": "application/hal+json, application/json;q=0.9"}
MESSAGE_LENGTH = 512


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


def hawkbit_spec(**options):
    """Argument spec of a hawkbit_* module: connection + auth + the module's own options."""
    spec = dict(argument_spec=dict(HAWKBIT_COMMON_ARGS, **options.pop("argument_spec")),
                mutually_exclusive=list(HAWKBIT_MUTUALLY_EXCLUSIVE) + options.pop("mutually_exclusive", []),
                required_one_of=list(HAWKBIT_REQUIRED_ONE_OF) + options.pop("required_one_of", []))
    spec.update(options)
    return spec


class HawkbitRun(TaskRun):
    """A hawkbit_* module run: ``self.client`` is created on first use and closed by ``close()``.

    Every hawkbit_* module talks through the standard-library transport (``_hawkbit_http``), so that any
    of them also runs on a device without ``requests`` (for example with the device itself as API delegate).
    """

    TRANSPORT = StdlibHttp

    def __init__(self, params, check_mode=False, diff=False, clock=time.monotonic, sleep=time.sleep):
        super().__init__(params, check_mode=check_mode, diff=diff, clock=clock, sleep=sleep)
        self._client = None

    @property
    def client(self):
        if self._client is None:
            self._client = HawkbitClient.from_params(self.params, sleep=self.sleep, transport=self.TRANSPORT)
        return self._client

    def close(self):
        if self._client is not None:
            self._client.close()
            self._client = None


def describe_artifact(artifact):
    links = artifact.get("_links") or {}
    download = links.get("download") or links.get("download-http") or {}
    md5sum = links.get("md5sum") or links.get("md5sum-http") or {}
    algorithm = strongest_hash(artifact.get("hashes"))[0]
    return {"filename": artifact.get("filename"), "size": artifact.get("size"), "hashes": dict(artifact.get("hashes") or {}),
            "strongest_hash": algorithm, "download_url": download.get("href"), "md5sum_url": md5sum.get("href")}


def describe_deployment(body):
    """The deployment (or confirmation/installed) resource in the shape modules and roles use.

    ``deploymentBase/{id}`` and ``installedBase/{id}`` carry the deployment under ``deployment``;
    ``confirmationBase/{id}`` carries the same fields under ``confirmation`` (Eclipse hawkBit since 0.3.0M8,
    checked on 1.0.4). Either is read; a body has one of them.
    """
    deployment = body.get("deployment") or body.get("confirmation") or {}
    chunks = [{"part": chunk.get("part"), "name": chunk.get("name"), "version": chunk.get("version"),
               "metadata": {m.get("key"): m.get("value") for m in chunk.get("metadata") or [] if isinstance(m, dict)},
               "artifacts": [describe_artifact(a) for a in chunk.get("artifacts") or []]}
              for chunk in deployment.get("chunks") or []]
    result = {"id": str(body.get("id")) if body.get("id") is not None else None,
              "download": deployment.get("download"), "update": deployment.get("update"),
              "maintenance_window": deployment.get("maintenanceWindow"), "chunks": chunks}
    if body.get("actionHistory"):
        result["action_history"] = body["actionHistory"]
    return result


def chunks_version(chunks):
    """What a set of chunks installs, as a report shows it: ``firmware 2.0, app 5.1`` (None without chunks)."""
    named = ["%s %s" % (chunk.get("name") or chunk.get("part"), chunk.get("version")) for chunk in chunks or []]
    return ", ".join(named) or None


def installed_version(client, poll):
    """The version of the last finished action (installedBase) the server records, or None."""
    href = poll.href("installedBase")
    if not href:
        return None
    return chunks_version(describe_deployment(client.installed_base(href))["chunks"])


def fit_details(details, max_messages):
    """Messages as the server stores them: split at 512 characters, at most ``max_messages`` pieces."""
    pieces = []
    for detail in details or []:
        text = str(detail)
        pieces.extend(text[i:i + MESSAGE_LENGTH] for i in range(0, max(len(text), 1), MESSAGE_LENGTH))
    if len(pieces) > max_messages:
        dropped = len(pieces) - max_messages + 1
        pieces = pieces[:max_messages - 1] + ["... %d more message(s) not sent (server quota)" % dropped]
    return pieces


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
                 conflict_retries=5, backoff=1.0, sleep=time.sleep, token_over_http=False, token_to_other_hosts=False):
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
        server = urlsplit(http.base_url)
        self.server_scheme, self.server_host = server.scheme, (server.hostname or "").lower()
        self.token_over_http = token_over_http
        self.token_to_other_hosts = token_to_other_hosts
        http.link_guard = self.check_link

    @classmethod
    def from_params(cls, params, sleep=time.sleep, transport=StdlibHttp):
        """``transport``: a class taking ``HttpClient``'s arguments; the standard-library one by default."""
        settings = ConnectionSettings.from_params(params, retries=params["retries"], backoff=params["backoff"])
        http = transport(settings, sleep=sleep)
        return cls(http, params["tenant"], params["controller_id"], params.get("target_token"), params.get("gateway_token"),
                   conflict_retries=params["retries"], backoff=params["backoff"], sleep=sleep,
                   token_over_http=params.get("token_over_http", False),
                   token_to_other_hosts=params.get("token_to_other_hosts", False))

    def check_link(self, url):
        """Refuse to send the token where the user did not send it: a plain http:// link of an https://
        server (token in clear text) or another host than the server's, unless allowed by an option."""
        if not url.startswith(("http://", "https://")):
            return
        parts = urlsplit(url)
        shown = redact_url(url)
        if parts.scheme == "http" and self.server_scheme == "https" and not self.token_over_http:
            raise FleetopsError(
                "refused to follow %s: the server %s is https:// but this link is plain http://, which would send the %s "
                "in clear text (set token_over_http=true only if that network is trusted)" % (shown, self.server_host, self.auth_scheme),
                refused_url=shown)
        host = (parts.hostname or "").lower()
        if host != self.server_host and not self.token_to_other_hosts:
            raise FleetopsError(
                "refused to follow %s: it points to host %s, not to the server %s, and would receive the %s "
                "(set token_to_other_hosts=true if that host is yours)" % (shown, host, self.server_host, self.auth_scheme),
                refused_url=shown)

    def close(self):
        self.http.close()

    # ----------------------------------------------------------------- plumbing
    def url(self, path=""):
        return self.base_path + path

    def call(self, method, path, json_body=None, expected=(200,), headers=None):
        """One request; 409 is retried with backoff (429 is retried by the transport)."""
        self.check_link(path)
        headers = dict(JSON_ACCEPT, **(headers or {}))
        for attempt in range(self.conflict_retries + 1):
            response = self.http.request(method, path, json_body=json_body, headers=headers, expected=None)
            if response.status != CONFLICT or attempt == self.conflict_retries or expected and CONFLICT in expected:
                break
            self._sleep(backoff_delay(self.backoff, attempt, response.headers.get("retry-after")))
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
        return PollResult(False, new_etag, json_object(response, ("config", "_links"), "a base poll answer"))

    def deployment_base(self, href, action_history=None):
        """``GET deploymentBase/{id}``: the deployment under ``deployment``. A hawkBit server records a
        ``retrieved`` entry in the action's history for this read (docs/hawkbit.md)."""
        return self._get_action(href, action_history, "deployment")

    def confirmation_base_action(self, href, action_history=None):
        """``GET confirmationBase/{id}``: the deployment waiting for consent, under ``confirmation``
        (``{"id": "8", "confirmation": {"download", "update", "chunks"}, "actionHistory": ...}``); a server that
        puts it under ``deployment`` there (the shape of hawkBit before 0.3.0M8) is read as well."""
        return self._get_action(href, action_history, "confirmation", "deployment")

    def installed_base(self, href, action_history=None):
        return self._get_action(href, action_history, "deployment")

    def cancel_action(self, href):
        return json_object(self.call("GET", href), ("cancelAction",), "a cancel action")

    def _get_action(self, href, action_history, *keys):
        if action_history:
            href += ("&" if "?" in href else "?") + "actionHistory=%d" % action_history
        return json_object(self.call("GET", href), keys, "an action resource")

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
        return json_object(self.call("GET", self.url("/confirmationBase")), ("autoConfirm", "_links"), "the confirmation base")

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
        self.check_link(href)
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


def json_object(response, keys, what):
    """The JSON object of ``response`` if it has one of ``keys``; a clear error naming the endpoint otherwise.

    A DDI server always sends these keys; an object without any of them (a proxy's or another
    service's answer) must not be read as "nothing to do".
    """
    body = response.json(expect=dict)
    if not any(key in body for key in keys):
        raise DeviceApiError("hawkBit DDI: expected %s with %s, got none of them (is the URL a DDI server?)"
                             % (what, " or ".join(repr(k) for k in keys)), response.method, response.url, response.status,
                             response.content)
    return body


def api_error(response):
    """DeviceApiError naming what the server said (hawkBit error bodies carry errorCode and message)."""
    what = {404: "not found (unknown target, action or artifact, or the action is not in that state)",
            405: "not allowed in the action's current state", 410: "the action is already closed",
            429: "too many requests or a quota exceeded, even after backing off",
            403: "forbidden (permissions or a quota)"}.get(response.status, "unexpected answer")
    return DeviceApiError("hawkBit DDI: %s" % what, response.method, response.url, response.status, response.content)
