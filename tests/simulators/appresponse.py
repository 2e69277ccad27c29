"""Riverbed AppResponse simulator: ``mgmt.aaa`` tokens, ``common/1.0/info`` and ``npm.system_update/2.0``.

Follows ``shared/reference/appresponse-npm.md`` and the service's published resource page.
Many appliances in one process: the first path segment names the appliance, so a module's
``url`` is ``http://127.0.0.1:PORT/<appliance>`` and the API lives under it.

What a real appliance does with an image is out of reach, so the simulator uses a small image
format of its own: the image starts with a line ``FLEETOPS-NPM-IMAGE version=<version>``
(see :func:`write_image`); anything else validates as INVALID. Bodies are hashed while they
stream in and never kept.

Device configuration (``POST /_sim/devices/<name>`` body, or the ``--fleet`` file), all optional:

``sw_version``, ``model``, ``serial``, ``device_name``, ``hw_version``
``users``              {username: password}, default {"admin": "admin"}
``aaa_versions``       mgmt.aaa versions served, default ["1.0", "2.0"] (["2.0"] tests the fallback)
``token_lifetime``     seconds an access token lives (900)
``refresh_idle``       seconds an unused refresh token lives (3600)
``max_refresh_tokens`` per user (25); the next one revokes the oldest
``validation_time``    seconds an image stays VALIDATING (0.2)
``init_time``          seconds in INITIALIZING (0.1)
``reboot_time``        seconds the appliance is down after ``update/start`` (0.5)
``images``             images already there: [{"version": ..., "checksum": ..., "state": "VALID"}]
``update_state``, ``target_version``, ``update_history``

Faults (same body, or ``PATCH /_sim/devices/<name>`` at any time):

``init_picks``         "newest" (default) or "oldest" VALID image when several are VALID
``update_result``      "ok" (default), "FAILED_GRACEFUL" or "FAILED_CRITICAL"
``never_returns``      true: after start the appliance stays down
``down_behaviour``     how a down appliance answers: "drop" (default), "503" or "html"
``drop_upload_after``  close the connection once this many bytes of an upload arrived (once)
``invalid_images``     true: every new image validates as INVALID
``html_pages``         answer the next N API requests with a 200 HTML login page
``expire_tokens``      true: expire every access token now (mid-wait expiry)
``fetch_error``        true: the next fetch ends in UPLOAD_ERROR
``delete_error``       true: every image DELETE answers 500 (until set false)
``junk_answers``       JSON values (``[1, 2]``, ``null``, ...) answered with 200 to the next API requests, one each

What the reference says the appliance refuses, the simulator refuses too: an upload whose
Content-Type is not ``application/octet-stream`` (415, before the body), a body on
``update/init``, ``update/start`` and ``update/reset`` (400), a fetch without a ``url`` (400),
a token request that is not JSON (400), ``bearer`` instead of ``Bearer`` (401).
"""

import argparse
import hashlib
import itertools
import json
import secrets
import sys
import threading
import time
import urllib.request
from urllib.parse import urlsplit

from ._base import DROP, BODY_CHUNK, SimResponse, Simulator, json_response, main

IMAGE_MAGIC = b"FLEETOPS-NPM-IMAGE version="
UPDATE_PREFIX = "/api/npm.system_update/2.0"
HTML_PAGE = "<html><head><title>Login</title></head><body><form action='/login'>Sign in</form></body></html>"


def write_image(path, version, size=4096, sparse=False):
    """Write an image the simulator accepts: the header line, then filler up to ``size`` bytes.

    ``sparse``: leave the filler as a hole (fast for multi-GiB benchmark images).
    """
    header = IMAGE_MAGIC + version.encode() + b"\n"
    with open(path, "wb") as handle:
        handle.write(header)
        if sparse:
            handle.truncate(max(size, len(header)))
        else:
            remaining = max(0, size - len(header))
            block = (b"appresponse-image-filler-" + version.encode() + b"\n") * 2048
            while remaining > 0:
                piece = block[:remaining]
                handle.write(piece)
                remaining -= len(piece)
    return path


def image_version(head):
    """Version from the first bytes of an image, or None when it is not an image."""
    if not head.startswith(IMAGE_MAGIC):
        return None
    line = head[len(IMAGE_MAGIC):].split(b"\n", 1)[0].strip()
    try:
        return line.decode() or None
    except UnicodeDecodeError:
        return None


def error(status, error_id, text):
    return json_response(status, {"error_id": error_id, "error_text": text})


class Image:
    """An update image; its state moves on with time (read :meth:`view`)."""

    def __init__(self, image_id, state="UPLOADING", version=None, checksum=None):
        self.id = image_id
        self.state = state
        self.state_description = {"UPLOADING": "Upload in progress", "VALID": "Image is valid"}.get(state, state)
        self.version = version
        self.checksum = checksum
        self.progress = 100.0 if state != "UPLOADING" else 0.0
        self.valid_at = None
        self.outcome = None
        self.detected_version = version

    def arrived(self, checksum, version, validation_time, force_invalid=False):
        """The whole body is there: VALIDATING now, VALID or INVALID after ``validation_time``."""
        self.checksum = checksum
        self.detected_version = version
        self.progress = 100.0
        self.state = "VALIDATING"
        self.state_description = "Validating the image"
        self.valid_at = time.time() + validation_time
        self.outcome = "INVALID" if force_invalid or version is None else "VALID"

    def failed(self, description):
        self.state = "UPLOAD_ERROR"
        self.state_description = description

    def advance(self, now):
        if self.state == "VALIDATING" and now >= self.valid_at:
            self.state = self.outcome
            if self.outcome == "VALID":
                self.version = self.detected_version
                self.state_description = "Image is valid"
            else:
                self.state_description = "Image validation failed: not a valid AppResponse update image"

    def view(self):
        data = {"id": self.id, "state": self.state, "state_description": self.state_description,
                "progress": round(self.progress, 1)}
        if self.version is not None:
            data["version"] = self.version
        if self.checksum is not None:
            data["checksum"] = self.checksum
        return data


class Appliance:
    DEFAULTS = dict(
        sw_version="11.2.0 #13859", model="VSCAN-2000", hw_version="", device_name=None, serial=None,
        users=None, aaa_versions=("1.0", "2.0"), token_lifetime=900.0, refresh_idle=3600.0,
        max_refresh_tokens=25, validation_time=0.2, init_time=0.1, reboot_time=0.5,
        init_picks="newest", update_result="ok", never_returns=False, down_behaviour="drop",
        drop_upload_after=None, invalid_images=False, html_pages=0, fetch_error=False, delete_error=False,
        junk_answers=(),
    )
    SETTINGS = tuple(DEFAULTS)

    def __init__(self, name, config):
        self.name = name
        self.image_ids = itertools.count(1)
        for key, value in self.DEFAULTS.items():
            setattr(self, key, value)
        self.device_name = name
        self.serial = "SIM" + hashlib.sha256(name.encode()).hexdigest()[:9].upper()
        self.users = {"admin": "admin"}
        self.access_tokens = {}     # token -> (user, expires_at)
        self.refresh_tokens = {}    # token -> [user, last_used, created]; dict order = creation order
        self.refresh_tokens_issued = 0
        self.images = {}
        self.update_state = "IDLE"
        self.update_description = "Ready"
        self.last_state_time = int(time.time())
        self.target_version = None
        self.update_history = None
        self.initialized_at = None
        self.down_until = None
        self.apply(config)
        if self.update_history is None:
            self.update_history = [{"time": int(time.time()) - 86400 * 90, "version": self.sw_version}]

    # --------------------------------------------------------------- configuration and faults
    def apply(self, changes):
        for key, value in changes.items():
            if key in self.SETTINGS:
                setattr(self, key, value)
            elif key == "images":
                for image in value:
                    self.add_image(image)
            elif key == "update_state":
                self.set_update_state(value, changes.get("state_description", value))
            elif key == "target_version":
                self.target_version = value
            elif key == "update_history":
                self.update_history = list(value)
            elif key == "expire_tokens" and value:
                self.access_tokens = {token: (entry[0], 0) for token, entry in self.access_tokens.items()}
            elif key == "state_description":
                continue
            else:
                raise ValueError("unknown appliance setting %r" % key)

    def add_image(self, spec):
        image = Image(next(self.image_ids), spec.get("state", "VALID"), spec.get("version"), spec.get("checksum"))
        if image.checksum is None and image.version is not None:
            image.checksum = hashlib.sha256(image.version.encode()).hexdigest()
        if "state_description" in spec:
            image.state_description = spec["state_description"]
        self.images[image.id] = image
        return image

    def set_update_state(self, state, description):
        self.update_state = state
        self.update_description = description
        self.last_state_time = int(time.time())

    # --------------------------------------------------------------- time
    def advance(self, now):
        for image in self.images.values():
            image.advance(now)
        if self.update_state == "INITIALIZING" and now >= self.initialized_at:
            self.set_update_state("INITIALIZED", "Update initialized")
        if self.down_until is not None and now >= self.down_until and not self.never_returns:
            self.down_until = None
            self.finish_update()

    def is_down(self, now):
        return self.down_until is not None and (self.never_returns or now < self.down_until)

    def finish_update(self):
        self.access_tokens.clear()  # a reboot ends every session; refresh tokens survive
        if self.update_result == "FAILED_GRACEFUL":
            self.set_update_state("FAILED_GRACEFUL", "Update failed: pre-install checks failed, the system was rolled back")
        elif self.update_result == "FAILED_CRITICAL":
            self.set_update_state("FAILED_CRITICAL", "Update failed: installation aborted, the system may be inconsistent")
        else:
            self.sw_version = self.target_version
            self.update_history.append({"time": int(time.time()), "version": self.target_version})
            self.set_update_state("IDLE", "Update completed")
            self.target_version = None

    # --------------------------------------------------------------- views
    def info(self):
        return {"device_name": self.device_name, "hw_version": self.hw_version, "mgmt_addresses": ["127.0.0.1"],
                "model": self.model, "serial": self.serial, "sw_version": self.sw_version}

    def update_view(self):
        data = {"state": self.update_state, "state_description": self.update_description,
                "last_state_time": self.last_state_time, "update_history": list(self.update_history)}
        if self.target_version is not None:
            data["target_version"] = self.target_version
        return data

    def state(self):
        return {
            "sw_version": self.sw_version,
            "down": self.is_down(time.time()),
            "images": [image.view() for image in self.images.values()],
            "update": self.update_view(),
            "refresh_tokens_issued": self.refresh_tokens_issued,
            "refresh_tokens_active": len(self.refresh_tokens),
            "access_tokens_issued": len(self.access_tokens),
        }


class AppResponseSimulator(Simulator):
    family = "appresponse"

    # ------------------------------------------------------------ harness hooks
    def create_device(self, name, config):
        with self.lock:
            self.devices[name] = Appliance(name, config)

    def device_state(self, name):
        with self.lock:
            appliance = self.devices[name]
            appliance.advance(time.time())
            return appliance.state()

    def update_device(self, name, changes):
        with self.lock:
            self.devices[name].apply(changes)

    def on_expect_continue(self, request):
        """Refuse an upload before its body when the appliance is unknown, down or the token is bad."""
        with self.lock:
            appliance = self.locate(request)[0]
            if appliance is None:
                return error(404, "RESOURCE_NOT_FOUND", "no such appliance")
            now = time.time()
            appliance.advance(now)
            if appliance.is_down(now):
                return self.down_answer(appliance)
            return self.authenticate(appliance, request, now) or self.refuse_content_type(request)

    # ------------------------------------------------------------ routing
    def locate(self, request):
        parts = request.path.split("/", 2)
        if len(parts) < 3 or parts[1] not in self.devices:
            return None, None
        request.device = parts[1]
        return self.devices[parts[1]], "/" + parts[2]

    def route(self, request):
        with self.lock:
            appliance, path = self.locate(request)
            if appliance is None:
                return error(404, "RESOURCE_NOT_FOUND", "no such appliance")
            now = time.time()
            appliance.advance(now)
            if appliance.is_down(now):
                return self.down_answer(appliance)
            if appliance.html_pages:
                appliance.html_pages -= 1
                return SimResponse(200, HTML_PAGE, {"Content-Type": "text/html"})
            if appliance.junk_answers and not path.startswith("/api/mgmt.aaa/"):
                junk, appliance.junk_answers = appliance.junk_answers[0], appliance.junk_answers[1:]
                return SimResponse(200, json.dumps(junk), {"Content-Type": "application/json"})
            if path.startswith("/api/mgmt.aaa/"):
                return self.token_endpoint(appliance, request, path, now)
            refused = self.authenticate(appliance, request, now)
            if refused is not None:
                return refused
            if path == UPDATE_PREFIX + "/images/upload" and request.method == "POST":
                return self.refuse_content_type(request) or self.upload_image(appliance, request)
            return self.api(appliance, request, path, now)

    @staticmethod
    def down_answer(appliance):
        if appliance.down_behaviour == "503":
            return SimResponse(503, "Service Unavailable", {"Content-Type": "text/plain"})
        if appliance.down_behaviour == "html":
            return SimResponse(502, "<html><body><h1>502 Bad Gateway</h1></body></html>", {"Content-Type": "text/html"})
        return DROP

    # ------------------------------------------------------------ mgmt.aaa
    def token_endpoint(self, appliance, request, path, now):
        version = path[len("/api/mgmt.aaa/"):].split("/")[0]
        if path != "/api/mgmt.aaa/%s/token" % version or version not in appliance.aaa_versions:
            return error(404, "RESOURCE_NOT_FOUND", "no such resource")
        if request.method != "POST":
            return error(405, "METHOD_NOT_ALLOWED", "use POST")
        try:
            body = request.json()
        except ValueError:
            body = None
        if not isinstance(body, dict):
            return error(400, "INVALID_JSON", "the request body is not a JSON object")
        if "refresh_token" in body:
            return self.refresh(appliance, body["refresh_token"], now)
        credentials = body.get("user_credentials") or {}
        user = credentials.get("username")
        if user not in appliance.users or appliance.users[user] != credentials.get("password"):
            return error(401, "AUTH_INVALID_CREDENTIALS", "Invalid username or password")
        access = self.issue_access_token(appliance, user, now)
        answer = {"access_token": access, "token_type": "bearer", "expires_at": int(now + appliance.token_lifetime)}
        if body.get("generate_refresh_token"):
            answer["refresh_token"] = self.issue_refresh_token(appliance, user, now)
        return json_response(201, answer)

    @staticmethod
    def issue_access_token(appliance, user, now):
        token = "at-" + secrets.token_hex(16)
        appliance.access_tokens[token] = (user, now + appliance.token_lifetime)
        return token

    @staticmethod
    def issue_refresh_token(appliance, user, now):
        token = "rt-" + secrets.token_hex(16)
        appliance.refresh_tokens[token] = [user, now, now]
        appliance.refresh_tokens_issued += 1
        owned = [t for t, entry in appliance.refresh_tokens.items() if entry[0] == user]
        for revoked in owned[:-appliance.max_refresh_tokens]:
            del appliance.refresh_tokens[revoked]
        return token

    def refresh(self, appliance, token, now):
        entry = appliance.refresh_tokens.get(token)
        if entry is None:
            return error(401, "AUTH_INVALID_SESSION", "Invalid refresh token")
        if now - entry[1] > appliance.refresh_idle:
            del appliance.refresh_tokens[token]
            return error(401, "AUTH_EXPIRED_TOKEN", "Refresh token expired")
        entry[1] = now
        access = self.issue_access_token(appliance, entry[0], now)
        return json_response(200, {"access_token": access, "token_type": "bearer", "expires_in": int(appliance.token_lifetime)})

    @staticmethod
    def authenticate(appliance, request, now):
        """None when the request carries a live access token, else the 401 answer."""
        header = request.headers.get("Authorization") or ""
        if not header.startswith("Bearer "):
            return error(401, "AUTH_REQUIRED", "Authentication required")
        entry = appliance.access_tokens.get(header[len("Bearer "):])
        if entry is None:
            return error(401, "AUTH_INVALID_SESSION", "Invalid session")
        if now >= entry[1]:
            return error(401, "AUTH_EXPIRED_TOKEN", "The access token has expired")
        return None

    @staticmethod
    def refuse_content_type(request):
        """``images/upload`` accepts application/octet-stream only (the resource page says so)."""
        content_type = (request.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if content_type != "application/octet-stream":
            return error(415, "UNSUPPORTED_MEDIA_TYPE", "the accepted content-type is application/octet-stream")
        return None

    # ------------------------------------------------------------ API
    def api(self, appliance, request, path, now):
        method = request.method
        if path == "/api/common/1.0/info" and method == "GET":
            return json_response(200, appliance.info())
        if path == "/api/common/1.0/services" and method == "GET":
            return json_response(200, [{"id": "common", "versions": ["1.0"]},
                                       {"id": "mgmt.aaa", "versions": list(appliance.aaa_versions)},
                                       {"id": "npm.system_update", "versions": ["2.0"]}])
        if path == UPDATE_PREFIX + "/images" and method == "GET":
            return json_response(200, {"items": [image.view() for image in appliance.images.values()]})
        if path == UPDATE_PREFIX + "/images/fetch" and method == "POST":
            return self.fetch_image(appliance, request)
        if path.startswith(UPDATE_PREFIX + "/images/items/"):
            return self.image_item(appliance, method, path.rsplit("/", 1)[1])
        if path == UPDATE_PREFIX + "/update" and method == "GET":
            return json_response(200, appliance.update_view())
        if path.startswith(UPDATE_PREFIX + "/update/") and method == "POST":
            return self.update_action(appliance, request, path.rsplit("/", 1)[1], now)
        return error(404, "RESOURCE_NOT_FOUND", "no such resource: %s %s" % (method, path))

    @staticmethod
    def image_item(appliance, method, raw_id):
        image = appliance.images.get(int(raw_id)) if raw_id.isdigit() else None
        if image is None:
            return error(404, "RESOURCE_NOT_FOUND", "no image %s" % raw_id)
        if method == "GET":
            return json_response(200, image.view())
        if method == "DELETE":
            if appliance.delete_error:
                return error(500, "INTERNAL_ERROR", "fault: deleting the image failed")
            if appliance.target_version is not None and appliance.update_state in ("INITIALIZING", "INITIALIZED", "RUNNING") \
                    and image.version == appliance.target_version:
                return error(409, "IMAGE_IN_USE", "the image is used by the initialized update")
            del appliance.images[image.id]
            return SimResponse(204)
        return error(405, "METHOD_NOT_ALLOWED", "method not allowed")

    def upload_image(self, appliance, request):
        """Hash the body while it streams in (the lock is released meanwhile)."""
        image = Image(next(appliance.image_ids))
        appliance.images[image.id] = image
        drop_after = appliance.drop_upload_after
        appliance.drop_upload_after = None
        total = request.content_length or 0
        self.lock.release()
        try:
            digest, head, received = hashlib.sha256(), b"", 0
            try:
                for chunk in request.iter_body(BODY_CHUNK):
                    if len(head) < 512:
                        head += chunk[:512]
                    digest.update(chunk)
                    received += len(chunk)
                    image.progress = 100.0 * received / total if total else 100.0
                    if drop_after is not None and received >= drop_after:
                        raise ConnectionError("fault: upload dropped")
            except ConnectionError:
                image.failed("Upload interrupted after %d of %d bytes" % (received, total))
                raise
        finally:
            self.lock.acquire()
        if not total:
            image.failed("Empty upload")
            return json_response(200, image.view())
        image.arrived(digest.hexdigest(), image_version(head), appliance.validation_time, appliance.invalid_images)
        return json_response(200, image.view())

    def fetch_image(self, appliance, request):
        try:
            body = request.json()
        except ValueError:
            return error(400, "INVALID_JSON", "the request body is not JSON")
        url = body.get("url") if isinstance(body, dict) else None
        if not isinstance(url, str):
            return error(400, "INVALID_REQUEST", "url is required")
        parts = urlsplit(url or "")
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return error(400, "INVALID_URL", "invalid url")
        if parts.hostname not in ("127.0.0.1", "localhost"):
            return error(400, "INVALID_URL", "the simulator only fetches from 127.0.0.1")
        image = Image(next(appliance.image_ids))
        appliance.images[image.id] = image
        fail = appliance.fetch_error
        appliance.fetch_error = False
        settings = (appliance.validation_time, appliance.invalid_images)
        threading.Thread(target=self._fetch, args=(image, url, fail, settings), daemon=True).start()
        return json_response(200, image.view())

    def _fetch(self, image, url, fail, settings):
        digest, head, received = hashlib.sha256(), b"", 0
        try:
            if fail:
                raise OSError("fault: fetch failed")
            with urllib.request.urlopen(url, timeout=30) as answer:  # nosec - 127.0.0.1 only, checked above
                total = int(answer.headers.get("Content-Length") or 0)
                while True:
                    chunk = answer.read(BODY_CHUNK)
                    if not chunk:
                        break
                    if len(head) < 512:
                        head += chunk[:512]
                    digest.update(chunk)
                    received += len(chunk)
                    image.progress = 100.0 * received / total if total else 50.0
        except (OSError, ValueError) as exc:
            with self.lock:
                image.failed("Fetch failed: %s" % exc)
            return
        with self.lock:
            image.arrived(digest.hexdigest(), image_version(head), settings[0], settings[1])

    @staticmethod
    def update_action(appliance, request, action, now):
        if request.content_length:
            return error(400, "INVALID_REQUEST", "update/%s takes no request body" % action)
        state = appliance.update_state
        if action == "reset":
            if state == "RUNNING":
                return error(409, "UPDATE_RUNNING", "the update is running")
            appliance.target_version = None
            appliance.set_update_state("IDLE", "Ready")
            return SimResponse(204)
        if action == "init":
            if state != "IDLE":
                return error(409, "INVALID_STATE", "cannot initialize in state %s" % state)
            valid = sorted((i for i in appliance.images.values() if i.state == "VALID"), key=lambda i: i.id)
            if not valid:
                return error(409, "NO_VALID_IMAGE", "no valid update image")
            chosen = valid[-1] if appliance.init_picks == "newest" else valid[0]
            appliance.target_version = chosen.version
            appliance.initialized_at = now + appliance.init_time
            appliance.set_update_state("INITIALIZING", "Initializing the update")
            return SimResponse(204)
        if action == "start":
            if state != "INITIALIZED":
                return error(409, "INVALID_STATE", "cannot start in state %s" % state)
            appliance.set_update_state("RUNNING", "Update running")
            appliance.down_until = now + appliance.reboot_time
            return SimResponse(204)
        return error(404, "RESOURCE_NOT_FOUND", "no such action %s" % action)


def image_main(argv):
    """``python -m tests.simulators.appresponse image --version "11.6.0 #23947" -o FILE [--size BYTES]``."""
    parser = argparse.ArgumentParser(description="write an image the AppResponse simulator accepts")
    parser.add_argument("--version", required=True)
    parser.add_argument("--size", type=int, default=1024 * 1024)
    parser.add_argument("--sparse", action="store_true", help="leave the filler as a hole (multi-GiB images)")
    parser.add_argument("-o", "--output", required=True)
    args = parser.parse_args(argv)
    write_image(args.output, args.version, args.size, sparse=args.sparse)
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["image"]:
        sys.exit(image_main(sys.argv[2:]))
    sys.exit(main(AppResponseSimulator))
