# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fleetops.upgrade contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the npm_info, npm_image and npm_update tasks share: options, the client, versions, images, hashing."""

from __future__ import annotations

__metaclass__ = type

import hashlib
import threading
import time

from ._common_args import CONNECTION_ARGS, http_client_from
from ._errors import TaskError
from ._npm import NpmClient
from ._task import TaskRun
from ._wait import Poll

NPM_AUTH_ARGS = dict(
    username=dict(type="str"),
    password=dict(type="str", no_log=True),
    token=dict(type="str", no_log=True),
)

NPM_COMMON_ARGS = dict(CONNECTION_ARGS, **NPM_AUTH_ARGS)

NPM_AUTH_RULES = dict(
    mutually_exclusive=[("token", "username")],
    required_together=[("username", "password")],
    required_one_of=[("username", "token")],
)

HASH_CHUNK = 1024 * 1024
FIRST_POLL = 0.25
IMAGE_POLL_MAX = 5.0
UPDATE_POLL_MAX = 10.0


class NpmRun(TaskRun):
    """A TaskRun holding one :class:`NpmClient` for the appliance named by the connection options."""

    def __init__(self, params, check_mode=False, diff=False, **kwargs):
        super().__init__(params, check_mode=check_mode, diff=diff, **kwargs)
        self.client = NpmClient(http_client_from(params), username=params.get("username"),
                                password=params.get("password"), token=params.get("token"))

    def close(self):
        self.client.close()


def unchanged_state(running):
    """The device state of a task that changed nothing."""
    return "unchanged, runs %s" % running if running else "unchanged, nothing was sent to the appliance"


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


def describe_image(image):
    state = image.get("state")
    if state == "UPLOADING":
        state = "UPLOADING %s%%" % image.get("progress", 0)
    return "%s (id %s, %s)" % (image.get("version") or "version unknown", image.get("id"), state)


def describe_images(images):
    if not images:
        return "no images"
    return ", ".join(describe_image(image) for image in images)


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
