# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fleetops.upgrade contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Task logic of npm_info, npm_image and npm_update (Riverbed AppResponse ``npm.system_update`` 2.0)."""

from __future__ import annotations

__metaclass__ = type

import hashlib
import threading
import time

from ._common_args import WAIT_ARGS, http_client_from
from ._errors import AuthenticationError, DeviceApiError, DeviceUnreachable, FleetopsError, TaskError, WaitTimeout
from ._http import redact_url
from ._npm import (
    IMAGE_STATES_FAILED, IMAGE_STATES_IN_PROGRESS, NPM_AUTH_RULES, NPM_COMMON_ARGS, NpmClient,
)
from ._steps import TimedSteps, readable_image
from ._wait import Poll, wait_until

HASH_CHUNK = 1024 * 1024
FIRST_POLL = 0.25
IMAGE_POLL_MAX = 5.0
UPDATE_POLL_MAX = 10.0
UPDATE_WAIT_TIMEOUT = 3600

INFO_SPEC = dict(argument_spec=dict(NPM_COMMON_ARGS), **NPM_AUTH_RULES)

IMAGE_SPEC = dict(
    argument_spec=dict(
        NPM_COMMON_ARGS,
        state=dict(type="str", default="present", choices=["present", "absent"]),
        src=dict(type="path"),
        fetch_url=dict(type="str"),
        version=dict(type="str"),
        checksum=dict(type="str"),
        id=dict(type="int"),
        **WAIT_ARGS
    ),
    mutually_exclusive=NPM_AUTH_RULES["mutually_exclusive"] + [("src", "fetch_url"), ("src", "id"), ("fetch_url", "id")],
    required_together=NPM_AUTH_RULES["required_together"],
    required_one_of=NPM_AUTH_RULES["required_one_of"],
    required_if=[("state", "present", ("src", "fetch_url"), True), ("state", "absent", ("id", "version", "checksum"), True)],
)

UPDATE_SPEC = dict(
    argument_spec=dict(
        NPM_COMMON_ARGS,
        state=dict(type="str", default="installed", choices=["installed", "idle"]),
        version=dict(type="str"),
        wait=dict(type="bool", default=True),
        wait_timeout=dict(type="int", default=UPDATE_WAIT_TIMEOUT),
    ),
    required_if=[("state", "installed", ["version"])],
    **NPM_AUTH_RULES
)


# ---------------------------------------------------------------- shared helpers
def make_client(params):
    return NpmClient(http_client_from(params), username=params.get("username"), password=params.get("password"),
                     token=params.get("token"))


def release(version):
    """``11.6.0`` from ``11.6.0 #23947``."""
    return (version or "").split("#", 1)[0].strip()


def version_matches(asked, actual):
    """A version with a build (``11.6.0 #23947``) must match exactly; a bare release matches any build."""
    if not asked or not actual:
        return False
    if "#" in asked:
        return " ".join(asked.replace("#", " #").split()) == " ".join(actual.replace("#", " #").split())
    return release(asked) == release(actual)


def image_summary(image):
    return dict((key, image.get(key)) for key in ("id", "version", "state", "checksum"))


def describe_images(images):
    if not images:
        return "no images"
    return ", ".join("%s (id %s, %s)" % (image.get("version") or "version unknown", image.get("id"), image.get("state"))
                     for image in images)


def backoff_poll(done, state, probes, ceiling, value=None):
    """A Poll whose next interval doubles from FIRST_POLL up to ``ceiling`` (fast for short waits)."""
    probes.append(state)
    return Poll(done, state, value=value, next_interval=min(ceiling, FIRST_POLL * 2 ** (len(probes) - 1)))


def sha256_of(path, cancelled=None):
    """SHA-256 of a file, read in chunks (images are GBs); None once ``cancelled`` (an Event) is set."""
    digest = hashlib.sha256()
    buffer = bytearray(HASH_CHUNK)
    view = memoryview(buffer)
    with open(path, "rb") as handle:
        while True:
            if cancelled is not None and cancelled.is_set():
                return None
            count = handle.readinto(buffer)
            if not count:
                break
            digest.update(view[:count])
    return digest.hexdigest()


class BackgroundHash:
    """SHA-256 of a file computed in a thread (hashlib and file reads release the GIL), e.g. during its upload."""

    def __init__(self, path):
        self.path = path
        self.digest = None
        self.error = None
        self.seconds = None
        self._cancelled = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sha256", daemon=True)
        self._thread.start()

    def _run(self):
        start = time.monotonic()
        try:
            self.digest = sha256_of(self.path, self._cancelled)
        except OSError as exc:
            self.error = exc
        self.seconds = round(time.monotonic() - start, 3)

    def result(self):
        self._thread.join()
        if self.error is not None:
            raise TaskError("reading %s to compute its SHA-256 failed: %s" % (self.path, self.error))
        return self.digest

    def cancel(self):
        self._cancelled.set()
        self._thread.join()


# ---------------------------------------------------------------- npm_info
def read_survey(client):
    info = client.info()
    update = client.update()
    return dict(
        sw_version=info.get("sw_version"), model=info.get("model"), serial=info.get("serial"),
        device_name=info.get("device_name"), hw_version=info.get("hw_version"),
        images=client.images(), update_status=update,
    )


def run_info(params, check_mode=False, diff=False):
    client = make_client(params)
    try:
        return dict(changed=False, **read_survey(client))
    finally:
        client.close()


# ---------------------------------------------------------------- npm_image
class NpmImage(TimedSteps):
    """One run of npm_image."""

    def __init__(self, params, check_mode, diff, clock=time.monotonic, sleep=time.sleep):
        self.params = params
        self.check_mode = check_mode
        self.diff = diff
        self.client = make_client(params)
        self.clock = clock
        self.sleep = sleep
        self.durations = {}
        self.bytes_sent = 0
        self.before = []

    def run(self):
        try:
            if self.params["state"] == "absent":
                return self.absent()
            if self.params["src"]:
                return self.present_from_file()
            return self.present_from_url()
        finally:
            self.client.close()

    # -------------------------------------------------------------- results
    def result(self, changed, msg, image=None, after=None, **extra):
        result = dict(changed=changed, msg=msg, image=image, bytes_sent=self.bytes_sent, durations=self.durations)
        result.update(extra)
        if self.diff:
            before = [image_summary(i) for i in self.before]
            result["diff"] = {"before": {"images": before}, "after": {"images": after if after is not None else before}}
        return result

    def with_new_image(self, image):
        return [image_summary(i) for i in self.before] + [image_summary(image)]

    # -------------------------------------------------------------- present
    def present_from_file(self):
        src = self.params["src"]
        size = readable_image(src)
        expected = (self.params["checksum"] or "").lower()
        self.before = self.client.images()
        if not (expected or self.check_mode or self.find_valid()):
            # no VALID image to compare with: the image must go up, and it is hashed while it streams
            return self.upload(src, None)
        sha256 = self._timed("hash", sha256_of, src)
        if expected and expected != sha256:
            raise TaskError("%s has SHA-256 %s, not the expected checksum %s" % (src, sha256, expected), sha256=sha256)
        existing = self.find_valid(checksum=sha256)
        if existing:
            self.check_version(existing)
            return self.result(False, "image %s (id %s) is already VALID on the appliance" % (existing.get("version"), existing["id"]),
                               existing, sha256=sha256)
        if self.check_mode:
            planned = {"id": None, "version": self.params["version"], "state": "VALID", "checksum": sha256}
            return self.result(True, "would upload %s (%d bytes, SHA-256 %s) and wait until it is VALID" % (src, size, sha256),
                               None, self.with_new_image(planned), sha256=sha256)
        return self.upload(src, sha256)

    def upload(self, src, sha256):
        """Stream ``src`` up (hashing it meanwhile when ``sha256`` is not known yet), wait, check the checksum."""
        self.client.long_task = True
        hasher = None if sha256 else BackgroundHash(src)
        try:
            image, self.bytes_sent = self._timed("upload", self.client.upload_image, src)
        except FleetopsError as exc:
            if hasher:
                hasher.cancel()
            raise TaskError("uploading %s failed: %s. Device state: no new VALID image; an interrupted upload may leave "
                            "an image in UPLOAD_ERROR (see npm_info)" % (src, exc.msg), bytes_sent=exc.details.get("bytes_sent", 0),
                            device_state="no new VALID image") from None
        if hasher:
            sha256 = hasher.result()
            self.durations["hash"] = hasher.seconds
        result = self.settle(image, "upload")
        reported = (result["image"].get("checksum") or "").lower()
        if reported and reported != sha256:
            raise TaskError("the appliance computed SHA-256 %s for image %s but %s has %s: the image was damaged in transit; "
                            "it stays on the appliance as image %s" % (reported, image["id"], src, sha256, image["id"]),
                            image_id=image["id"], sha256=sha256)
        result["sha256"] = sha256
        result["throughput_mib_s"] = round(self.bytes_sent / 1048576.0 / max(self.durations["upload"], 0.001), 1)
        return result

    def present_from_url(self):
        url = self.params["fetch_url"]
        if not (self.params["version"] or self.params["checksum"]):
            raise TaskError("fetch_url needs version or checksum: that is how the module recognises the image on the "
                            "appliance and stays idempotent")
        self.before = self.client.images()
        existing = self.find_valid(checksum=self.params["checksum"], version=self.params["version"])
        if existing:
            return self.result(False, "image %s (id %s) is already VALID on the appliance" % (existing.get("version"), existing["id"]),
                               existing)
        planned = {"id": None, "version": self.params["version"], "state": "VALID", "checksum": self.params["checksum"]}
        if self.check_mode:
            return self.result(True, "would have the appliance fetch %s and wait until it is VALID" % redact_url(url), None,
                               self.with_new_image(planned))
        self.client.long_task = True
        image = self._timed("fetch_request", self.client.fetch_image, url)
        return self.settle(image, "fetch")

    def settle(self, image, how):
        """Wait (if asked) for the new image to end UPLOADING/VALIDATING; check what the appliance made of it."""
        if not self.params["wait"]:
            return self.result(True, "image %s started (id %s, state %s); not waiting (wait=false)" % (how, image["id"], image["state"]),
                               image, self.with_new_image(image), image_id=image["id"])
        try:
            image = self._timed("validate", self.wait_for_image, image)
        except WaitTimeout as exc:
            raise TaskError("%s; the image stays on the appliance as id %s" % (exc.msg, image["id"]), image_id=image["id"],
                            bytes_sent=self.bytes_sent, **exc.details) from None
        if image["state"] in IMAGE_STATES_FAILED:
            raise TaskError("the appliance marked image %s %s: %s (the image stays on the appliance; delete it with "
                            "npm_image state=absent id=%s)" % (image["id"], image["state"], image.get("state_description"), image["id"]),
                            image_id=image["id"], image=image, bytes_sent=self.bytes_sent)
        self.check_version(image)
        done = "uploaded" if how == "upload" else "fetched"
        return self.result(True, "image %s %s and VALID (id %s)" % (image.get("version"), done, image["id"]),
                           image, self.with_new_image(image), image_id=image["id"])

    def wait_for_image(self, image):
        probes = []

        def probe():
            current = self.client.image(image["id"])
            state = current.get("state")
            if state in IMAGE_STATES_IN_PROGRESS:
                return backoff_poll(False, "%s %s%%" % (state, current.get("progress", 0)), probes, IMAGE_POLL_MAX)
            return backoff_poll(True, state, probes, IMAGE_POLL_MAX, current)
        poll = wait_until(probe, "image %s to be validated" % image["id"], self.params["wait_timeout"], FIRST_POLL,
                          clock=self.clock, sleep=self.sleep)[0]
        return poll.value

    def find_valid(self, checksum=None, version=None):
        for image in self.before:
            if image.get("state") != "VALID":
                continue
            if checksum and (image.get("checksum") or "").lower() != checksum.lower():
                continue
            if version and not version_matches(version, image.get("version")):
                continue
            return image
        return None

    def check_version(self, image):
        asked = self.params["version"]
        if asked and not version_matches(asked, image.get("version")):
            raise TaskError("image %s on the appliance is version %s, not the expected %s (it stays on the appliance)"
                            % (image["id"], image.get("version"), asked), image_id=image["id"], image=image)

    # -------------------------------------------------------------- absent
    def absent(self):
        self.before = self.client.images()
        doomed = [image for image in self.before if self.selected(image)]
        remaining = [image_summary(i) for i in self.before if i not in doomed]
        ids = [image["id"] for image in doomed]
        if not doomed:
            return self.result(False, "no matching image on the appliance", deleted=[])
        if self.check_mode:
            return self.result(True, "would delete %s" % describe_images(doomed), after=remaining, deleted=ids)
        deleted = []
        for image in doomed:
            try:
                self.client.delete_image(image["id"])
            except FleetopsError as exc:
                raise TaskError("deleting image %s failed: %s" % (image["id"], exc.msg), deleted=deleted,
                                device_state="deleted %s of the images %s" % (deleted or "none", ids)) from None
            deleted.append(image["id"])
        return self.result(True, "deleted %s" % describe_images(doomed), after=remaining, deleted=deleted)

    def selected(self, image):
        params = self.params
        if params["id"] is not None and image.get("id") != params["id"]:
            return False
        if params["version"] and not version_matches(params["version"], image.get("version")):
            return False
        if params["checksum"] and (image.get("checksum") or "").lower() != params["checksum"].lower():
            return False
        return True


def run_image(params, check_mode=False, diff=False):
    return NpmImage(params, check_mode, diff).run()


# ---------------------------------------------------------------- npm_update
class NpmUpdate(TimedSteps):
    """One run of npm_update; ``steps`` and ``durations`` feed the result and failure reports."""

    def __init__(self, params, check_mode, diff, clock=time.monotonic, sleep=time.sleep):
        self.params = params
        self.check_mode = check_mode
        self.diff = diff
        self.target = params.get("version")
        self.client = make_client(params)
        self.clock = clock
        self.sleep = sleep
        self.steps = []
        self.durations = {}
        self.previous = None
        self.update = None

    def run(self):
        try:
            self.previous = self.client.info().get("sw_version")
            self.update = self.client.update()
            if self.params["state"] == "idle":
                return self.idle()
            return self.installed()
        finally:
            self.client.close()

    # -------------------------------------------------------------- results
    def result(self, changed, msg, version, update=None, **extra):
        update = update if update is not None else self.update
        result = dict(changed=changed, msg=msg, previous_version=self.previous, sw_version=version, steps=self.steps,
                      durations=self.durations, update_state=update.get("state"),
                      state_description=update.get("state_description"), update_history=update.get("update_history", []))
        result.update(extra)
        if self.diff:
            result["diff"] = {"before": {"sw_version": self.previous, "update_state": self.update.get("state")},
                              "after": {"sw_version": version, "update_state": update.get("state")}}
        return result

    def failure(self, exc, device_state):
        details = dict(exc.details)
        details.update(device_state=device_state, steps=self.steps, durations=self.durations, previous_version=self.previous)
        return TaskError("%s; device state: %s" % (exc.msg, device_state), **details)

    # -------------------------------------------------------------- state=idle
    def idle(self):
        state = self.update.get("state")
        if state == "IDLE":
            return self.result(False, "the update state is already IDLE", self.previous)
        if state == "RUNNING":
            raise TaskError("the update is RUNNING (target %s); it cannot be reset while it runs" % self.update.get("target_version"),
                            update_state=state)
        self.steps.append("reset from %s" % state)
        if self.check_mode:
            return self.result(True, "would reset the update state from %s to IDLE" % state, self.previous,
                               dict(self.update, state="IDLE"))
        self._timed("reset", self.reset_to_idle)
        update = self.client.update()
        return self.result(True, "update state reset from %s to IDLE" % state, self.previous, update)

    # -------------------------------------------------------------- state=installed
    def installed(self):
        if version_matches(self.target, self.previous):
            return self.result(False, "the appliance already runs %s" % self.previous, self.previous)
        state = self.update.get("state")
        self.refuse_blocked(state)
        image = self.pick_image()
        self.steps = (["reset from %s" % state] if state != "IDLE" else []) + [
            "init with image %s" % image["id"], "start", "wait for the reboot", "verify"]
        if self.check_mode:
            return self.result(True, "would update %s to %s: %s" % (self.previous, image["version"], ", ".join(self.steps)),
                               image["version"], image_id=image["id"])
        self.steps = []
        self.client.long_task = True
        return self.install(image, state)

    def refuse_blocked(self, state):
        description = self.update.get("state_description")
        if state == "FAILED_CRITICAL":
            raise TaskError("the appliance reports FAILED_CRITICAL from an earlier update (%s). A person must look at it "
                            "before any retry; once it is checked, reset it with npm_update state=idle" % description,
                            update_state=state, sw_version=self.previous)
        if state == "RUNNING":
            raise TaskError("an update to %s is already RUNNING (%s); wait for it to end before asking for %s"
                            % (self.update.get("target_version"), description, self.target), update_state=state)

    def pick_image(self):
        images = self.client.images()
        matching = [image for image in images if image.get("state") == "VALID" and version_matches(self.target, image.get("version"))]
        if not matching:
            raise TaskError("no VALID image of version %s on the appliance (it has %s); upload one with npm_image first"
                            % (self.target, describe_images(images)), images=[image_summary(i) for i in images])
        return matching[-1]

    def install(self, image, state):
        keeps = "still runs %s" % self.previous
        try:
            if state != "IDLE":
                self._timed("reset", self.reset_to_idle)
                self.steps.append("reset from %s" % state)
            self._timed("init", self.initialize)
            self.steps.append("initialized %s" % self.update.get("target_version"))
        except FleetopsError as exc:
            raise self.failure(exc, "%s, update state %s" % (keeps, self.last_state())) from None
        try:
            self._timed("start", self.client.update_start)
            self.steps.append("started")
        except DeviceUnreachable:
            self.steps.append("start requested (no answer: the appliance may be going down)")
        except FleetopsError as exc:
            raise self.failure(exc, "%s, update state %s" % (keeps, self.last_state())) from None
        if not self.params["wait"]:
            return self.result(True, "update to %s started; not waiting (wait=false)" % self.target, self.previous,
                               dict(self.update, state="RUNNING"), image_id=image["id"], device_state="updating to %s" % self.target)
        try:
            update, version = self._timed("reboot", self.wait_for_update)
        except WaitTimeout as exc:
            raise self.failure(exc, "update to %s started but the appliance did not come back within %ss"
                               % (self.target, self.params["wait_timeout"])) from None
        except AuthenticationError as exc:
            raise self.failure(exc, "update to %s started; the appliance answers again but refuses the credentials" % self.target) from None
        self.steps.append("rebooted")
        return self.verify(update, version, image)

    def reset_to_idle(self):
        self.client.update_reset()
        self.wait_for_update_state("IDLE", ("IDLE",), "the update state to return to IDLE")

    def initialize(self):
        self.client.update_init()
        self.wait_for_update_state("INITIALIZED", ("INITIALIZING", "INITIALIZED"), "the update to be initialized")
        chosen = self.update.get("target_version")
        if not version_matches(self.target, chosen):
            self.client.update_reset()
            self.update = self.client.update()
            raise TaskError("the appliance initialized an update to %s instead of %s (it picks among the VALID images: %s); "
                            "it was reset to IDLE. Keep only the target's image VALID (npm_image state=absent) and run again"
                            % (chosen, self.target, describe_images([i for i in self.client.images() if i.get("state") == "VALID"])),
                            target_version=chosen)

    def wait_for_update_state(self, wanted, allowed, what):
        probes = []

        def probe():
            update = self.client.update()
            self.update = update
            state = update.get("state")
            if state not in allowed:
                raise TaskError("waiting for %s, the update state became %s: %s" % (what, state, update.get("state_description")),
                                update_state=state)
            return backoff_poll(state == wanted, state, probes, IMAGE_POLL_MAX)
        wait_until(probe, what, self.params["wait_timeout"], FIRST_POLL, clock=self.clock, sleep=self.sleep)

    def wait_for_update(self):
        """Through the reboot: unreachable, 5xx and error pages all mean "still updating"."""
        probes = []

        def probe():
            try:
                update = self.client.update(retry=False)
                self.update = update
                state = update.get("state")
                if state in ("RUNNING", "INITIALIZED"):
                    return backoff_poll(False, "%s: %s" % (state, update.get("state_description")), probes, UPDATE_POLL_MAX)
                version = self.client.info(retry=False).get("sw_version") if state == "IDLE" else None
                return backoff_poll(True, state, probes, UPDATE_POLL_MAX, (update, version))
            except AuthenticationError:
                raise
            except DeviceUnreachable as exc:
                return backoff_poll(False, "unreachable (%s)" % exc.msg, probes, UPDATE_POLL_MAX)
            except DeviceApiError as exc:
                return backoff_poll(False, "not answering normally yet (%s)" % exc.msg, probes, UPDATE_POLL_MAX)
        poll = wait_until(probe, "the update to %s to finish" % self.target, self.params["wait_timeout"], FIRST_POLL,
                          clock=self.clock, sleep=self.sleep)[0]
        return poll.value

    def verify(self, update, version, image):
        state = update.get("state")
        description = update.get("state_description")
        if state == "FAILED_CRITICAL":
            raise self.failure(TaskError("the update to %s failed with FAILED_CRITICAL: %s. Stop the rollout: a person must look "
                                         "at this appliance before any retry" % (self.target, description), update_state=state),
                               "FAILED_CRITICAL, needs a person")
        if state == "FAILED_GRACEFUL":
            current = self.client.info().get("sw_version")
            raise self.failure(TaskError("the update to %s failed with FAILED_GRACEFUL: %s" % (self.target, description),
                                         update_state=state, sw_version=current),
                               "runs %s, update state FAILED_GRACEFUL (reset it with npm_update state=idle before a retry)" % current)
        if not version_matches(self.target, version):
            raise self.failure(TaskError("the update ended (state %s) but the appliance runs %s, not %s" % (state, version, self.target),
                                         update_state=state, sw_version=version), "runs %s" % version)
        self.steps.append("verified")
        return self.result(True, "updated from %s to %s" % (self.previous, version), version, update,
                           image_id=image["id"], device_state="runs %s" % version)

    def last_state(self):
        try:
            return self.client.update().get("state")
        except FleetopsError:
            return "unknown (the appliance did not answer)"


def run_update(params, check_mode=False, diff=False):
    return NpmUpdate(params, check_mode, diff).run()
