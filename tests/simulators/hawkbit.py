"""Eclipse hawkBit DDI server simulator (the collection plays the device side).

Follows ``shared/seeds/004_*`` (the DDI API guide) and ``shared/reference/hawkbit-ddi.md``:

* many tenants and targets; ``TargetToken`` (own controller id only) and ``GatewayToken``
  (any controller id of its tenant; unknown targets are registered on first poll);
* base poll with ``ETag`` / ``If-None-Match`` -> 304; at most one of deploymentBase,
  cancelAction, confirmationBase, plus installedBase and configData;
* action state machines: WAIT_FOR_CONFIRMATION -> RUNNING -> (DOWNLOADED) -> FINISHED/ERROR,
  CANCELING -> CANCELED or back to RUNNING; 410 after close;
* quotas (status entries per action, messages per entry, 512-char split, attributes) and the
  DoS filter (reads/writes per second per client IP) -> 429;
* maintenance windows and download-only actions;
* artifact downloads with a single ``Range`` (206 / 416), ``.MD5SUM`` files, sendfile from disk,
  a connection cut after N bytes (fault injection);
* what a real Eclipse hawkBit 1.0.4 server does (the reference page's section of that name, point by
  point; ``tests/unit/simulators/test_hawkbit_simulator.py`` has one test per point): reads leave
  ``retrieved``/``download`` entries in the action's history, 410/404 for feedback on inactive or no
  longer waiting actions, 401 with an empty body, ``downloaded`` closes only a download-only action
  (then configData is asked for, no installedBase is linked), ``download``/``update`` per assignment
  type (``type``: forced, soft, timeforced, downloadonly), ETags (base poll, deploymentBase, downloads),
  ``If-Range``, ``application/json`` on request, the confirmation resource under ``confirmation``;
* flavor ``plain``: another DDI server in the style of goosebit (no ``c=``, no ``ETag``, no cancel, no
  confirmation, no installedBase, no download-http/md5sum links, only sha1, ``application/json``), to
  prove clients follow links and depend on no hawkBit detail.

Control interface (besides the harness's ``/_sim/devices`` and ``/_sim/log``):

* ``POST /_sim/tenants/<tenant>`` ``{"gateway_token", "flavor", "confirmation_required", "sleep",
  "request_config_after_finish"}`` (fleet files: ``"_tenants": {name: config}``)
* ``PATCH /_sim/config`` ``{"dos_reads_per_second", "dos_writes_per_second", "max_status_entries",
  "max_messages_per_status", "max_attributes"}``
* ``POST /_sim/faults`` ``{"path_contains", "method", "status", "count", "retry_after"}``
* ``POST /_sim/devices/<controller id>/deployments`` (see :meth:`HawkbitSimulator.create_deployment`)
* ``POST /_sim/devices/<controller id>/actions/<id>/cancel``
* ``PATCH /_sim/devices/<controller id>/actions/<id>`` ``{"maintenance_window", "type", "forced_time"}``
"""

import hashlib
import itertools
import json
import os
import re
import socket
import sys
import time
import zlib
from urllib.parse import quote, unquote

from tests.simulators._base import DROP, SimHandler, SimResponse, Simulator, json_response, main

ACTIVE = ("WAIT_FOR_CONFIRMATION", "RUNNING", "CANCELING", "DOWNLOADED")
HANDLING = ("skip", "attempt", "forced")
EXECUTIONS = ("closed", "proceeding", "download", "downloaded", "canceled", "scheduled", "rejected", "resumed")
FINISHED = ("success", "failure", "none")
HASH_ORDER = ("sha1", "md5", "sha256")
MESSAGE_SPLIT = 512
# status of the history entry a feedback adds (closed: finished/error/canceled, decided by its result)
ENTRY_OF_EXECUTION = {"proceeding": "running", "download": "download", "downloaded": "downloaded", "canceled": "canceled",
                      "scheduled": "scheduled", "rejected": "warning", "resumed": "running"}
SEND_CHUNK = 8 * 1024 * 1024


def error_body(status, code, message, exception="org.eclipse.hawkbit.repository.exception.EntityNotFoundException"):
    return json_response(status, {"exceptionClass": exception, "errorCode": code, "message": message, "parameters": []})


def empty(status, **headers):
    return SimResponse(status, b"", headers)


class StreamResponse(SimResponse):
    """An artifact body sent from memory or a file with sendfile; ``cut_after`` drops the connection."""

    __slots__ = ("artifact", "offset", "length", "cut_after")

    def __init__(self, status, artifact, offset, length, headers, cut_after=None):
        super().__init__(status, b"", headers)
        self.artifact = artifact
        self.offset = offset
        self.length = length
        self.cut_after = cut_after


class Artifact:
    def __init__(self, module_id, config):
        self.module_id = module_id
        self.filename = config["filename"]
        self.path = config.get("path")
        if self.path:
            self.data = None
            self.size = os.path.getsize(self.path)
        else:
            if "content" in config:
                self.data = config["content"].encode() if isinstance(config["content"], str) else bytes(config["content"])
            else:
                self.data = deterministic_bytes(self.filename, int(config.get("size", 1024)))
            self.size = len(self.data)
        self.hashes = dict(config.get("hashes") or {}) or self.compute_hashes()
        offered = config.get("offer_hashes")
        if offered:
            self.hashes = {k: v for k, v in self.hashes.items() if k in offered}
        if config.get("corrupt"):
            self.hashes = {k: "0" * len(v) for k, v in self.hashes.items()}
        self.announced_size = int(config.get("announce_size", self.size))  # what the server claims (pre-flight tests)
        self.ignore_range = bool(config.get("ignore_range"))  # a server or CDN without range support
        self.cut_after = config.get("cut_after")
        self.cuts_left = int(config.get("cuts", 1)) if self.cut_after is not None else 0

    def compute_hashes(self):
        digests = {name: hashlib.new(name) for name in HASH_ORDER}
        for block in self.blocks(0, self.size):
            for digest in digests.values():
                digest.update(block)
        return {name: digest.hexdigest() for name, digest in digests.items()}

    def blocks(self, offset, length):
        if self.data is not None:
            yield self.data[offset:offset + length]
            return
        with open(self.path, "rb") as handle:
            handle.seek(offset)
            while length > 0:
                block = handle.read(min(SEND_CHUNK, length))
                if not block:
                    return
                length -= len(block)
                yield block

    def take_cut(self):
        if self.cuts_left > 0:
            self.cuts_left -= 1
            return int(self.cut_after)
        return None


def deterministic_bytes(seed, size):
    block = hashlib.sha256(seed.encode()).digest() * 2048
    return (block * (size // len(block) + 1))[:size]


ASSIGNMENT_TYPES = ("forced", "soft", "timeforced", "downloadonly")


class Action:
    """``type`` is the assignment type (forced, soft, timeforced with ``forced_time`` in epoch seconds,
    downloadonly; ``download_only: true`` is downloadonly); ``maintenance_window`` None (no window),
    ``available`` or ``unavailable``."""

    def __init__(self, action_id, chunks, config, waiting):
        self.id = action_id
        self.chunks = chunks
        self.type = "downloadonly" if config.get("download_only") else config.get("type", "forced")
        if self.type not in ASSIGNMENT_TYPES:
            raise ValueError("type must be one of %s" % ", ".join(ASSIGNMENT_TYPES))
        self.forced_time = config.get("forced_time")
        self.maintenance_window = config.get("maintenance_window")
        self.status = "WAIT_FOR_CONFIRMATION" if waiting else "RUNNING"
        self.closed = False
        self.messages = ["Assignment initiated by user 'simulator'"]
        self.history = ["running"]  # status of each entry, oldest first (the assignment is a "running" entry)
        self.feedback = []

    @property
    def entries(self):
        return len(self.history)

    @property
    def download_only(self):
        return self.type == "downloadonly"

    @property
    def download(self):
        """forced -> forced; soft -> attempt; timeforced -> attempt before its time, forced after; downloadonly -> forced."""
        if self.type in ("forced", "downloadonly"):
            return "forced"
        if self.type == "timeforced" and self.forced_time is not None and time.time() >= float(self.forced_time):
            return "forced"
        return "attempt"

    @property
    def effective_update(self):
        """downloadonly -> skip; a closed window -> skip; otherwise the download's handling (hawkBit's DataConversionHelper)."""
        if self.download_only or self.maintenance_window == "unavailable":
            return "skip"
        return self.download

    def add_entry(self, status, messages=()):
        self.history.append(status)
        for message in messages:
            self.messages.insert(0, message)

    def c_value(self):
        text = "%s|%s|%s|%s|%s" % (self.id, self.download, self.effective_update, self.maintenance_window, self.status)
        value = zlib.crc32(text.encode())
        return value - (1 << 32) if value >= (1 << 31) else value

    def state(self):
        return {"id": self.id, "status": self.status, "closed": self.closed, "type": self.type, "download": self.download,
                "update": self.effective_update, "maintenance_window": self.maintenance_window,
                "download_only": self.download_only, "entries": self.entries, "history": list(self.history),
                "messages": list(self.messages), "feedback": list(self.feedback)}


class Target:
    def __init__(self, controller_id, config, tenant):
        self.controller_id = controller_id
        self.tenant = config.get("tenant", "DEFAULT")
        self.token = config.get("token")
        self.sleep = config.get("sleep") or tenant.get("sleep", "00:05:00")
        self.attributes = dict(config.get("attributes") or {})
        self.request_config = bool(config.get("request_config", True))
        self.auto_confirm = None
        if config.get("auto_confirm"):
            self.auto_confirm = {"active": True, "initiator": "simulator", "remark": "preset", "activatedAt": int(time.time() * 1000)}
        self.confirmation_required = config.get("confirmation_required")
        self.actions = {}
        self.installed = None
        self.polls = 0

    def update(self, changes):
        for key in ("token", "sleep", "request_config", "confirmation_required"):
            if key in changes:
                setattr(self, key, changes[key])
        if "attributes" in changes:
            self.attributes = dict(changes["attributes"])

    def open_action(self):
        for action_id in sorted(self.actions):
            if not self.actions[action_id].closed:
                return self.actions[action_id]
        return None

    def state(self):
        return {"controller_id": self.controller_id, "tenant": self.tenant, "attributes": dict(self.attributes),
                "request_config": self.request_config, "auto_confirm": bool(self.auto_confirm),
                "installed_action": self.installed, "polls": self.polls,
                "actions": {str(k): a.state() for k, a in sorted(self.actions.items())}}


class RateLimiter:
    """hawkBit's DoS filter: per client IP, reads and writes per second (None = off)."""

    def __init__(self):
        self.windows = {}

    def allow(self, client, kind, limit):
        if not limit:
            return True
        second = int(time.monotonic())
        key = (client, kind)
        start, count = self.windows.get(key, (second, 0))
        if start != second:
            start, count = second, 0
        count += 1
        self.windows[key] = (start, count)
        return count <= limit


class HawkbitSimulator(Simulator):
    family = "hawkbit"

    def __init__(self):
        super().__init__()
        self.tenants = {"DEFAULT": {"gateway_token": None, "flavor": "hawkbit", "confirmation_required": False, "sleep": "00:05:00"}}
        self.config = {"dos_reads_per_second": 200, "dos_writes_per_second": 50, "max_status_entries": 1000,
                       "max_messages_per_status": 50, "max_attributes": 100}
        self.faults = []
        self.limiter = RateLimiter()
        self.ids = itertools.count(1)
        self.module_ids = itertools.count(100)
        self.artifacts = {}  # (module id, filename) -> Artifact

    # ------------------------------------------------------------ devices (targets)
    def tenant(self, name):
        return self.tenants.setdefault(name, {"gateway_token": None, "flavor": "hawkbit", "confirmation_required": False,
                                              "sleep": "00:05:00"})

    def create_device(self, name, config):
        with self.lock:
            self.devices[name] = Target(name, config, self.tenant(config.get("tenant", "DEFAULT")))
            for deployment in config.get("deployments", ()):
                self.create_deployment(name, deployment)

    def load_fleet(self, fleet):
        """Fleet files may carry ``"_tenants": {name: tenant config}`` besides the targets."""
        for name, config in (fleet.get("_tenants") or {}).items():
            self.tenant(name).update(config)
        super().load_fleet({k: v for k, v in fleet.items() if k != "_tenants"})

    def update_device(self, name, changes):
        with self.lock:
            self.devices[name].update(changes)

    def create_deployment(self, name, config):
        """``{"chunks": [{"part", "name", "version", "metadata": [..], "artifacts": [{"filename", "content"|"size"|"path",
        "hashes", "offer_hashes", "corrupt", "cut_after", "cuts", "ignore_range", "announce_size"}]}], "type" (forced, soft,
        timeforced with "forced_time", downloadonly), "maintenance_window", "download_only", "confirmation_required"}`` -> the action."""
        with self.lock:
            target = self.devices[name]
            chunks = []
            for chunk in config.get("chunks") or [{"part": "os", "name": "firmware", "version": "1.0", "artifacts": [
                    {"filename": "firmware.bin", "size": 4096}]}]:
                module_id = next(self.module_ids)
                artifacts = [Artifact(module_id, a) for a in chunk.get("artifacts", ())]
                for artifact in artifacts:
                    self.artifacts[(module_id, artifact.filename)] = artifact
                chunks.append({"module_id": module_id, "part": chunk.get("part", "os"), "name": chunk.get("name", "firmware"),
                               "version": chunk.get("version", "1.0"), "metadata": chunk.get("metadata", []),
                               "artifacts": artifacts})
            required = config.get("confirmation_required")
            if required is None:
                required = target.confirmation_required
            if required is None:
                required = self.tenant(target.tenant).get("confirmation_required", False)
            if self.tenant(target.tenant).get("flavor", "hawkbit") != "hawkbit":
                required = False  # a goosebit-style server has no confirmation flow
            waiting = bool(required) and not target.auto_confirm
            action = Action(next(self.ids), chunks, config, waiting)
            if required and target.auto_confirm:
                action.messages.insert(0, "Assignment automatically confirmed by initiator '%s'" % target.auto_confirm["initiator"])
            target.actions[action.id] = action
            return action

    def cancel_action(self, name, action_id):
        with self.lock:
            action = self.devices[name].actions[action_id]
            if action.closed:
                raise ValueError("action %s is closed" % action_id)
            if self.tenant(self.devices[name].tenant).get("flavor", "hawkbit") != "hawkbit":
                raise ValueError("a server of the plain flavor cannot cancel actions")
            action.status = "CANCELING"
            action.messages.insert(0, "Cancellation initiated by user 'simulator'")
            return action

    # ------------------------------------------------------------ control interface
    def control(self, request):
        parts = [p for p in request.path.split("/") if p][1:]
        if parts[:1] == ["tenants"] and len(parts) == 2 and request.method == "POST":
            with self.lock:
                self.tenant(parts[1]).update(request.json() or {})
                return json_response(200, self.tenants[parts[1]])
        if parts == ["config"]:
            if request.method == "PATCH":
                with self.lock:
                    self.config.update(request.json() or {})
            return json_response(200, self.config)
        if parts == ["faults"]:
            if request.method == "POST":
                with self.lock:
                    self.faults.append(dict(request.json() or {}))
            elif request.method == "DELETE":
                with self.lock:
                    self.faults.clear()
            return json_response(200, self.faults)
        if len(parts) >= 3 and parts[0] == "devices" and parts[1] in self.devices:
            return self.control_actions(request, parts[1], parts[2:])
        return super().control(request)

    def control_actions(self, request, name, rest):
        if rest == ["deployments"] and request.method == "POST":
            action = self.create_deployment(name, request.json() or {})
            return json_response(201, action.state())
        if len(rest) >= 2 and rest[0] == "actions" and rest[1].isdigit():
            action = self.devices[name].actions.get(int(rest[1]))
            if action is None:
                return json_response(404, {"error": "no action %s" % rest[1]})
            if rest[2:] == ["cancel"] and request.method == "POST":
                try:
                    self.cancel_action(name, action.id)
                except ValueError as exc:
                    return json_response(409, {"error": str(exc)})
            elif not rest[2:] and request.method == "PATCH":
                with self.lock:
                    for key, value in (request.json() or {}).items():
                        if key in ("maintenance_window", "type", "forced_time"):
                            setattr(action, key, value)
            return json_response(200, action.state())
        return json_response(404, {"error": "unknown control path"})

    # ------------------------------------------------------------ request log
    def record(self, request, status, **extra):
        extra.update(getattr(request, "extra", {}))
        if request.headers.get("Range"):
            extra["range"] = request.headers.get("Range")
        super().record(request, status, **extra)

    # ------------------------------------------------------------ routing
    PATTERN = re.compile(r"^/(?P<tenant>[^/]+)/controller/v1/(?P<cid>[^/]+)(?P<rest>(/[^/]+)*)/?$")

    def route(self, request):
        match = self.PATTERN.match(request.path)
        if not match:
            return empty(404)
        tenant_name, controller_id = unquote(match.group("tenant")), unquote(match.group("cid"))
        rest = [unquote(p) for p in match.group("rest").split("/") if p]
        request.device = controller_id
        writes = request.method in ("POST", "PUT", "DELETE")
        limit = self.config["dos_writes_per_second" if writes else "dos_reads_per_second"]
        with self.lock:
            if not self.limiter.allow(request.handler.client_address[0], "w" if writes else "r", limit):
                return empty(429)
            fault = self.take_fault(request)
        if fault is not None:
            return fault
        accept = request.headers.get("Accept")
        is_download = len(rest) >= 4 and rest[0] == "softwaremodules" and rest[2] == "artifacts"
        if accept and not is_download and "json" not in accept and "*/*" not in accept:
            return empty(406)
        with self.lock:
            target = self.authorize(request, tenant_name, controller_id)
            if target is None:
                return empty(401)
            return self.dispatch(request, target, rest)

    def take_fault(self, request):
        for fault in self.faults:
            if fault.get("path_contains", "") in request.path and fault.get("method", request.method) == request.method:
                fault["count"] = fault.get("count", 1) - 1
                if fault["count"] <= 0:
                    self.faults.remove(fault)
                headers = {"Retry-After": str(fault["retry_after"])} if fault.get("retry_after") is not None else {}
                if fault.get("status") == "drop":
                    return DROP
                if fault.get("status", 429) == 429:
                    return empty(429, **headers)
                response = error_body(fault["status"], "hawkbit.server.error.injected", "injected fault",
                                      "org.eclipse.hawkbit.repository.exception.ConcurrentModificationException")
                response.headers.update(headers)
                return response
        return None

    def authorize(self, request, tenant_name, controller_id):
        scheme, secret = ((request.headers.get("Authorization") or "").split(" ", 1) + [""])[:2]
        tenant = self.tenants.get(tenant_name)
        if tenant is None or not secret:
            return None
        target = self.devices.get(controller_id)
        if target is not None and target.tenant != tenant_name:
            return None
        if scheme == "TargetToken":
            return target if target is not None and target.token and secret == target.token else None
        if scheme == "GatewayToken" and tenant.get("gateway_token") and secret == tenant["gateway_token"]:
            if target is None:  # hawkBit registers unknown targets polled through the gateway
                target = self.devices[controller_id] = Target(controller_id, {"tenant": tenant_name}, tenant)
            return target
        return None

    def dispatch(self, request, target, rest):
        method = request.method
        if not rest:
            return self.base_poll(request, target) if method == "GET" else empty(405)
        head = rest[0]
        if head == "configData" and len(rest) == 1:
            return self.put_config_data(request, target) if method == "PUT" else empty(405)
        if self.flavor(target) != "hawkbit" and head in ("cancelAction", "confirmationBase", "installedBase"):
            return empty(404)  # a goosebit-style server has none of these
        if head in ("deploymentBase", "installedBase", "cancelAction") and len(rest) in (2, 3) and rest[1].isdigit():
            action = target.actions.get(int(rest[1]))
            if action is None:
                return error_body(404, "hawkbit.server.error.repo.entitiyNotFound", "Action with given identifier {%s} does not exist." % rest[1])
            if len(rest) == 3:
                if rest[2] != "feedback" or method != "POST":
                    return empty(405 if rest[2] == "feedback" else 404)
                return self.cancel_feedback(request, target, action) if head == "cancelAction" else \
                    self.deployment_feedback(request, target, action) if head == "deploymentBase" else empty(405)
            if method != "GET":
                return empty(405)
            return {"deploymentBase": self.get_deployment, "installedBase": self.get_installed,
                    "cancelAction": self.get_cancel}[head](request, target, action)
        if head == "confirmationBase":
            return self.confirmation(request, target, rest[1:])
        if head == "softwaremodules" and len(rest) >= 3 and rest[1].isdigit():
            return self.software_module(request, target, int(rest[1]), rest[2:])
        return empty(404)

    # ------------------------------------------------------------ helpers
    def base_url(self, request, target):
        host = request.headers.get("Host")
        scheme = getattr(request.handler.server, "scheme", "http")
        return "%s://%s/%s/controller/v1/%s" % (scheme, host, quote(target.tenant, safe=""), quote(target.controller_id, safe=""))

    def flavor(self, target):
        return self.tenants[target.tenant].get("flavor", "hawkbit")

    def hal(self, target, data, status=200, request=None, **headers):
        """hawkBit answers ``application/hal+json`` unless the request asks for ``application/json`` only."""
        content_type = "application/hal+json" if self.flavor(target) == "hawkbit" else "application/json"
        accept = (request.headers.get("Accept") or "") if request is not None else ""
        if "application/json" in accept and "hal+json" not in accept:
            content_type = "application/json"
        headers.setdefault("Content-Type", content_type)
        return SimResponse(status, json.dumps(data).encode(), headers)

    def with_etag(self, request, target, data):
        """The answer with an ``ETag`` of its body, or 304 when ``If-None-Match`` still matches (not on ``plain``)."""
        if self.flavor(target) != "hawkbit":
            return self.hal(target, data, request=request)
        etag = '"%s"' % hashlib.sha1(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]
        if request.headers.get("If-None-Match") == etag:
            return empty(304, ETag=etag)
        return self.hal(target, data, request=request, ETag=etag)

    def link(self, request, target, path, action=None):
        href = self.base_url(request, target) + path
        if action is not None and self.flavor(target) == "hawkbit":
            href += "?c=%d" % action.c_value()
        return {"href": href}

    def assigned_modules(self, target):
        return {chunk["module_id"] for action in target.actions.values() for chunk in action.chunks}

    def add_entry(self, action, messages, status):
        """One status entry with its messages (split at 512 chars); None if a quota refuses it."""
        pieces = []
        for message in messages:
            message = str(message)
            pieces.extend(message[i:i + MESSAGE_SPLIT] for i in range(0, max(len(message), 1), MESSAGE_SPLIT))
        if len(pieces) > self.config["max_messages_per_status"] or action.entries >= self.config["max_status_entries"]:
            return None
        action.add_entry(status, pieces)
        return True

    @staticmethod
    def quota_error(what):
        return error_body(429, "hawkbit.server.error.quota.tooManyEntries", "Quota exceeded: %s" % what,
                          "org.eclipse.hawkbit.repository.exception.AssignmentQuotaExceededException")

    # ------------------------------------------------------------ base poll
    def base_poll(self, request, target):
        target.polls += 1
        links = {}
        action = target.open_action()
        if action is not None:
            if action.status == "CANCELING":
                links["cancelAction"] = self.link(request, target, "/cancelAction/%d" % action.id)
            elif action.status == "WAIT_FOR_CONFIRMATION":
                links["confirmationBase"] = self.link(request, target, "/confirmationBase/%d" % action.id, action)
            else:
                links["deploymentBase"] = self.link(request, target, "/deploymentBase/%d" % action.id, action)
        if target.installed is not None and self.flavor(target) == "hawkbit":
            links["installedBase"] = self.link(request, target, "/installedBase/%d" % target.installed)
        if target.request_config:
            links["configData"] = self.link(request, target, "/configData")
        return self.with_etag(request, target, {"config": {"polling": {"sleep": target.sleep}}, "_links": links})

    # ------------------------------------------------------------ deployment
    def deployment_body(self, request, target, action, with_history=True, key="deployment"):
        """The action resource; ``key`` "confirmation" for ``confirmationBase/{id}`` (a real server's shape)."""
        chunks = []
        for chunk in action.chunks:
            entry = {"part": chunk["part"], "version": chunk["version"], "name": chunk["name"],
                     "artifacts": [self.artifact_body(request, target, a) for a in chunk["artifacts"]]}
            if chunk["metadata"]:
                entry["metadata"] = chunk["metadata"]
            chunks.append(entry)
        deployment = {"download": action.download, "update": action.effective_update, "chunks": chunks}
        if action.maintenance_window:
            deployment["maintenanceWindow"] = action.maintenance_window
        body = {"id": str(action.id), key: deployment}
        history = request.query.get("actionHistory")
        if with_history and history and history.lstrip("-").isdigit() and int(history) != 0:
            count = int(history)
            messages = action.messages if count < 0 else action.messages[:min(count, 100)]
            body["actionHistory"] = {"status": action.status, "messages": list(messages)}
        return body

    def artifact_body(self, request, target, artifact):
        path = "/softwaremodules/%d/artifacts/%s" % (artifact.module_id, quote(artifact.filename, safe=""))
        url = self.base_url(request, target) + path
        links = {"download": {"href": url}, "md5sum": {"href": url + ".MD5SUM"}}
        if self.flavor(target) == "hawkbit":
            links["download-http"] = {"href": url}
            links["md5sum-http"] = {"href": url + ".MD5SUM"}
            hashes = dict(artifact.hashes)
        else:
            links = {"download": {"href": url}}
            hashes = {k: v for k, v in artifact.hashes.items() if k == "sha1"} or dict(artifact.hashes)
        return {"filename": artifact.filename, "hashes": hashes, "size": artifact.announced_size, "_links": links}

    def get_deployment(self, request, target, action):
        if action.status in ("CANCELING", "CANCELED", "WAIT_FOR_CONFIRMATION"):
            return error_body(404, "hawkbit.server.error.repo.entitiyNotFound", "Action {%d} is not a deployment to run" % action.id)
        answer = self.with_etag(request, target, self.deployment_body(request, target, action))
        if answer.status == 200 and not action.closed and action.history[-1] != "retrieved":
            # a real server: the first read adds a "retrieved" entry, and again once another entry came in between
            action.add_entry("retrieved", ["Target retrieved update action and should start now the download."])
        return answer

    def get_installed(self, request, target, action):
        """The last finished action answers 200, and so does a download-only action closed as ``downloaded``
        (although the poll does not link it). Servers of the ``plain`` flavor have no installedBase."""
        if self.flavor(target) != "hawkbit":
            return empty(404)
        closed_download_only = action.download_only and action.closed and action.status == "DOWNLOADED"
        if target.installed != action.id and not closed_download_only:
            return error_body(404, "hawkbit.server.error.repo.entitiyNotFound", "Action {%d} is not the installed one" % action.id)
        return self.hal(target, self.deployment_body(request, target, action), request=request)

    def parse_feedback(self, request):
        try:
            body = request.json()
            status = body["status"]
            execution = status["execution"]
            finished = status["result"]["finished"]
        except (ValueError, KeyError, TypeError):
            return None, error_body(400, "hawkbit.server.error.rest.body.notReadable", "status.execution and status.result.finished are required",
                                    "org.springframework.http.converter.HttpMessageNotReadableException")
        if execution not in EXECUTIONS or finished not in FINISHED:
            return None, error_body(400, "hawkbit.server.error.rest.body.notReadable", "unknown execution or finished value",
                                    "org.springframework.http.converter.HttpMessageNotReadableException")
        details = status.get("details") or []
        if not isinstance(details, list):
            details = [details]
        return (execution, finished, details, status.get("code"), status["result"].get("progress")), None

    def deployment_feedback(self, request, target, action):
        parsed, error = self.parse_feedback(request)
        if error:
            return error
        if action.closed:
            return error_body(410, "hawkbit.server.error.action.closed", "Action {%d} is closed" % action.id,
                              "ActionGoneException")
        if action.status == "WAIT_FOR_CONFIRMATION":
            return error_body(404, "hawkbit.server.error.repo.entitiyNotFound", "Action {%d} waits for confirmation" % action.id)
        execution, finished, details, code, progress = parsed
        entry = ENTRY_OF_EXECUTION[execution] if execution != "closed" else "error" if finished == "failure" else "finished"
        if self.add_entry(action, details, entry) is None:
            return self.quota_error("status entries or messages for action %d" % action.id)
        action.feedback.append({"execution": execution, "finished": finished, "code": code, "progress": progress, "details": details})
        if execution == "closed":
            action.closed = True
            if finished == "failure":
                action.status = "ERROR"  # inactive; no configData request
            else:
                action.status = "FINISHED"
                target.installed = action.id
                target.request_config = target.request_config or self.tenants[target.tenant].get("request_config_after_finish", True)
        elif execution == "downloaded" and action.download_only:
            # closes a download-only action; configData is asked for again, installedBase is not linked
            action.status, action.closed = "DOWNLOADED", True
            target.request_config = target.request_config or self.tenants[target.tenant].get("request_config_after_finish", True)
        # any other execution (downloaded on another action, rejected = a warning entry, ...) leaves the action active
        return empty(200)

    # ------------------------------------------------------------ cancel
    def get_cancel(self, request, target, action):
        if action.status not in ("CANCELING", "CANCELED"):
            return error_body(404, "hawkbit.server.error.repo.entitiyNotFound", "Action {%d} is not canceling" % action.id)
        return self.hal(target, {"id": str(action.id), "cancelAction": {"stopId": str(action.id)}}, request=request)

    def cancel_feedback(self, request, target, action):
        parsed, error = self.parse_feedback(request)
        if error:
            return error
        if action.closed:
            return error_body(410, "hawkbit.server.error.action.closed", "Action {%d} is closed" % action.id, "ActionGoneException")
        if action.status != "CANCELING":
            return error_body(405, "hawkbit.server.error.action.notCanceling", "Action {%d} is not canceling" % action.id,
                              "org.eclipse.hawkbit.repository.exception.CancelActionNotAllowedException")
        execution, finished, details, code, progress = parsed
        entry = ENTRY_OF_EXECUTION[execution] if execution != "closed" else "error" if finished == "failure" else "canceled"
        if self.add_entry(action, details, entry) is None:
            return self.quota_error("status entries or messages for action %d" % action.id)
        action.feedback.append({"cancel": True, "execution": execution, "finished": finished, "code": code, "details": details})
        if execution == "closed" and finished != "failure":
            action.status, action.closed = "CANCELED", True
        elif execution == "rejected" or (execution == "closed" and finished == "failure"):
            action.status = "RUNNING"
        return empty(200)

    # ------------------------------------------------------------ confirmation
    def confirmation(self, request, target, rest):
        if not rest:
            if request.method != "GET":
                return empty(405)
            links = {}
            if target.auto_confirm:
                auto = dict(target.auto_confirm)
                links["deactivateAutoConfirm"] = self.link(request, target, "/confirmationBase/deactivateAutoConfirm")
            else:
                auto = {"active": False}
                links["activateAutoConfirm"] = self.link(request, target, "/confirmationBase/activateAutoConfirm")
                action = target.open_action()
                if action is not None and action.status == "WAIT_FOR_CONFIRMATION":
                    links["confirmationBase"] = self.link(request, target, "/confirmationBase/%d" % action.id, action)
            return self.hal(target, {"autoConfirm": auto, "_links": links}, request=request)
        if rest == ["activateAutoConfirm"]:
            if request.method != "POST":
                return empty(405)
            body = request.json() or {}
            if target.auto_confirm:
                return error_body(409, "hawkbit.server.error.repo.autoConfAlreadyActive", "Auto confirmation is already active",
                                  "org.eclipse.hawkbit.repository.exception.AutoConfirmationAlreadyActiveException")
            target.auto_confirm = {"active": True, "initiator": body.get("initiator"), "remark": body.get("remark"),
                                   "activatedAt": int(time.time() * 1000)}
            for action in target.actions.values():
                if action.status == "WAIT_FOR_CONFIRMATION":
                    action.status = "RUNNING"
                    action.messages.insert(0, "Assignment automatically confirmed by initiator '%s'" % body.get("initiator"))
            return empty(200)
        if rest == ["deactivateAutoConfirm"]:
            if request.method != "POST":
                return empty(405)
            request.read_body()
            target.auto_confirm = None
            return empty(200)
        if not rest[0].isdigit() or len(rest) > 2:
            return empty(404)
        action = target.actions.get(int(rest[0]))
        if action is None:
            return error_body(404, "hawkbit.server.error.repo.entitiyNotFound", "Action {%s} does not exist" % rest[0])
        if len(rest) == 1:
            if request.method != "GET":
                return empty(405)
            if action.status != "WAIT_FOR_CONFIRMATION":
                return error_body(404, "hawkbit.server.error.repo.entitiyNotFound", "Action {%d} is not waiting for confirmation" % action.id)
            return self.hal(target, self.deployment_body(request, target, action, key="confirmation"), request=request)
        if rest[1] != "feedback" or request.method != "POST":
            return empty(405)
        try:
            body = request.json() or {}
        except ValueError:
            body = {}
        if body.get("confirmation") not in ("confirmed", "denied"):
            return error_body(400, "hawkbit.server.error.rest.body.notReadable", "confirmation must be confirmed or denied",
                              "org.springframework.http.converter.HttpMessageNotReadableException")
        if action.closed:
            return error_body(410, "hawkbit.server.error.action.closed", "Action {%d} is closed" % action.id, "ActionGoneException")
        if action.status != "WAIT_FOR_CONFIRMATION":
            return error_body(404, "hawkbit.server.error.repo.entitiyNotFound", "Action {%d} is not waiting for confirmation" % action.id)
        if self.add_entry(action, body.get("details") or [], "running" if body["confirmation"] == "confirmed" else "wait_for_confirmation") is None:
            return self.quota_error("status entries or messages for action %d" % action.id)
        action.feedback.append({"confirmation": body["confirmation"], "code": body.get("code"), "details": body.get("details")})
        if body["confirmation"] == "confirmed":
            action.status = "RUNNING"
        return empty(200)

    # ------------------------------------------------------------ config data
    def put_config_data(self, request, target):
        try:
            body = request.json() or {}
        except ValueError:
            body = {}
        mode = body.get("mode", "merge")
        data = body.get("data")
        if mode not in ("merge", "replace", "remove") or not isinstance(data, dict):
            return error_body(400, "hawkbit.server.error.rest.body.notReadable", "data (object) is required, mode merge/replace/remove",
                              "org.springframework.http.converter.HttpMessageNotReadableException")
        for key, value in data.items():
            if len(str(key)) > 128 or (value is not None and len(str(value)) > 128):
                return error_body(400, "hawkbit.server.error.repo.constraintViolation", "attribute key or value longer than 128 characters",
                                  "javax.validation.ConstraintViolationException")
        if mode == "merge":
            attributes = dict(target.attributes)
            attributes.update({k: str(v) for k, v in data.items()})
        elif mode == "replace":
            attributes = {k: str(v) for k, v in data.items()}
        else:
            attributes = {k: v for k, v in target.attributes.items() if k not in data}
        if len(attributes) > self.config["max_attributes"]:
            return self.quota_error("more than %d attributes" % self.config["max_attributes"])
        target.attributes = attributes
        target.request_config = False
        return empty(200)

    # ------------------------------------------------------------ artifacts
    def software_module(self, request, target, module_id, rest):
        if module_id not in self.assigned_modules(target):
            return error_body(404, "hawkbit.server.error.repo.entitiyNotFound", "Software module {%d} is not assigned" % module_id)
        if request.method != "GET" and request.method != "HEAD":
            return empty(405)
        if rest == ["artifacts"]:
            artifacts = [a for key, a in sorted(self.artifacts.items()) if key[0] == module_id]
            return self.hal(target, [self.artifact_body(request, target, a) for a in artifacts], request=request)
        if len(rest) != 2 or rest[0] != "artifacts":
            return empty(404)
        filename = rest[1]
        md5sum = filename.endswith(".MD5SUM") and (module_id, filename[:-7]) in self.artifacts
        artifact = self.artifacts.get((module_id, filename[:-7] if md5sum else filename))
        if artifact is None:
            return error_body(404, "hawkbit.server.error.repo.entitiyNotFound", "Artifact {%s} does not exist" % filename)
        if md5sum:
            md5 = artifact.hashes.get("md5") or artifact.compute_hashes()["md5"]
            return SimResponse(200, ("%s  %s" % (md5, artifact.filename)).encode(), {"Content-Type": "text/plain"})
        return self.download(request, target, artifact)

    def download(self, request, target, artifact):
        size = artifact.size
        headers = {"Content-Type": "application/octet-stream", "Accept-Ranges": "bytes",
                   "Content-Disposition": "attachment;filename=%s" % artifact.filename}
        etag = '"%s"' % artifact.hashes["sha1"] if artifact.hashes.get("sha1") else None
        if etag:
            headers["ETag"] = etag
        wanted = None if artifact.ignore_range else request.headers.get("Range")
        if wanted and request.headers.get("If-Range") and request.headers.get("If-Range") != etag:
            wanted = None  # If-Range with another ETag: the whole file
        offset, length, status = 0, size, 200
        if wanted:
            parsed = parse_range(wanted, size)
            if parsed == "invalid":
                return SimResponse(416, b"", {"Content-Range": "bytes */%d" % size})
            if parsed is not None:
                offset, length = parsed
                status = 206
                headers["Content-Range"] = "bytes %d-%d/%d" % (offset, offset + length - 1, size)
        if status == 200:
            for action in target.actions.values():
                if not action.closed and any(artifact in c["artifacts"] for c in action.chunks):
                    action.add_entry("download", ["Target downloads %s" % request.path])
                    break
        cut = artifact.take_cut()
        request.extra = {"sent_bytes": min(length, cut) if cut is not None else length}
        return StreamResponse(status, artifact, offset, length, headers, cut_after=cut)


def parse_range(value, size):
    """(offset, length) for one satisfiable range, None to ignore the header, "invalid" for 416."""
    match = re.match(r"^bytes=(\d*)-(\d*)$", value.strip())
    if not match:
        return None if "," in value else "invalid"
    first, last = match.groups()
    if not first and not last:
        return "invalid"
    if not first:
        length = min(int(last), size)
        return (size - length, length) if length > 0 else "invalid"
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if start >= size or end < start:
        return "invalid"
    return start, end - start + 1


class HawkbitHandler(SimHandler):
    """Sends artifact bodies with sendfile and honours the cut fault."""

    def _send(self, request, response):
        if not isinstance(response, StreamResponse):
            return super()._send(request, response)
        self.server.simulator.record(request, response.status)
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(response.length))
        self.end_headers()
        if self.command == "HEAD":
            return None
        to_send = response.length if response.cut_after is None else min(response.length, response.cut_after)
        try:
            self.wfile.flush()
            self._send_artifact(response.artifact, response.offset, to_send)
        except OSError:
            self.close_connection = True
            return None
        if to_send < response.length:
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        return None

    def _send_artifact(self, artifact, offset, count):
        if artifact.path:
            with open(artifact.path, "rb") as handle:
                sent = 0
                while sent < count:
                    done = self.connection.sendfile(handle, offset + sent, min(count - sent, 64 * SEND_CHUNK))
                    if not done:
                        break
                    sent += done
            return
        self.wfile.write(artifact.data[offset:offset + count])


def start(simulator=None):
    from tests.simulators._base import start as start_server
    return start_server(simulator or HawkbitSimulator(), handler=HawkbitHandler)


if __name__ == "__main__":
    sys.exit(main(HawkbitSimulator, handler=HawkbitHandler))
