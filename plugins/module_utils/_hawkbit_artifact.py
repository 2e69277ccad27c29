# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fleetops.upgrade contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Task logic of hawkbit_artifact: download the artifacts of an action, verified and atomically.

Runs on the device: Python's standard library only (the ``_hawkbit_http`` transport), Python 3.7+.
A pre-flight checks the download directory and its free space before the first byte.
A file is downloaded into ``.<name>.part`` next to its final path, hashed while it streams
(the strongest hash the server offers: sha256, else sha1, else md5) and renamed into place
only when size and hash match. A broken transfer keeps the ``.part`` file and resumes with
``Range`` (in the same run, up to ``resume_attempts`` times, and in the next run); 429/5xx
answers are waited out by the transport first. A TLS handshake failure is not a broken transfer:
it fails at once and leaves no ``.part`` behind.
"""

from __future__ import annotations

__metaclass__ = type

import hashlib
import os
import platform
import queue
import shutil
import sys
import threading

from ._errors import DeviceUnreachable, FleetopsError, TaskError
from ._hawkbit import HawkbitRun, describe_deployment, hawkbit_spec, strongest_hash

READ_BLOCK = 4 * 1024 * 1024
HASH_QUEUE_DEPTH = 64
SYNC_EVERY = 64 * 1024 * 1024


class BackgroundHasher:
    """Feeds a hashlib object from a thread: hashlib drops the GIL on big buffers, so hashing
    overlaps with receiving and writing (on two cores the download is no longer hash-bound)."""

    def __init__(self, hasher):
        self.hasher = hasher
        self.queue = queue.Queue(HASH_QUEUE_DEPTH)
        self.thread = threading.Thread(target=self._run, name="fleetops-hash", daemon=True)
        self.thread.start()

    def _run(self):
        while True:
            chunk = self.queue.get()
            if chunk is None:
                return
            self.hasher.update(chunk)

    def update(self, chunk):
        self.queue.put(chunk)

    def finish(self):
        """Wait for every queued chunk; returns the hashlib object."""
        if self.thread.is_alive():
            self.queue.put(None)
            self.thread.join()
        return self.hasher


class BackgroundSyncer:
    """Flushes a file to disk from a thread every SYNC_EVERY bytes, so that the final fsync of a
    big artifact (needed before the atomic rename) has little left to write."""

    def __init__(self, fileno):
        self.fileno = fileno
        self.pending = 0
        self.wakeup = threading.Event()
        self.stopping = False
        self.thread = threading.Thread(target=self._run, name="fleetops-sync", daemon=True)
        self.thread.start()

    def _run(self):
        while True:
            self.wakeup.wait()
            self.wakeup.clear()
            if self.stopping:
                return
            try:
                os.fdatasync(self.fileno)
            except OSError:
                return  # the final fsync in the main thread reports real problems

    def wrote(self, count):
        self.pending += count
        if self.pending >= SYNC_EVERY:
            self.pending = 0
            self.wakeup.set()

    def stop(self):
        self.stopping = True
        self.wakeup.set()
        self.thread.join()


ARTIFACT_SPEC = hawkbit_spec(
    argument_spec=dict(
        action_id=dict(type="str"),
        chunks=dict(type="list", elements="dict"),
        dest=dict(type="path", required=True),
        parts=dict(type="list", elements="str"),
        names=dict(type="list", elements="str"),
        per_part_dirs=dict(type="bool", default=True),
        resume_attempts=dict(type="int", default=3),
        preflight_only=dict(type="bool", default=False),
    ),
    mutually_exclusive=[("action_id", "chunks")],
    required_one_of=[("action_id", "chunks")],
)


def safe_name(name, what):
    """A file name from the server that stays inside its directory, or TaskError."""
    if not isinstance(name, str) or name in ("", ".", "..") or "/" in name or "\\" in name or "\0" in name:
        raise TaskError("refused %s %r from the server: it would leave the download directory" % (what, name), refused_name=str(name))
    return name


def plan_files(chunks, dest, parts, names, per_part_dirs):
    """[(chunk, artifact, final path)] for the selected artifacts; refuses any unsafe name before downloading."""
    root = os.path.realpath(dest)
    plan = []
    for chunk in chunks:
        if parts and chunk.get("part") not in parts:
            continue
        for artifact in chunk.get("artifacts") or []:
            if names and artifact.get("filename") not in names:
                continue
            filename = safe_name(artifact.get("filename"), "artifact file name")
            directory = os.path.join(root, safe_name(chunk.get("part") or "default", "chunk part")) if per_part_dirs else root
            path = os.path.realpath(os.path.join(directory, filename))
            if os.path.dirname(path) != directory:
                raise TaskError("refused artifact file name %r: it would leave %s" % (filename, dest), refused_name=filename)
            if not artifact.get("download_url"):
                raise TaskError("artifact %s of chunk %s has no download link" % (filename, chunk.get("part")))
            plan.append((chunk, artifact, path))
    seen = set()
    for planned in plan:
        path = planned[2]
        if path in seen:
            raise TaskError("two artifacts would be written to %s; set per_part_dirs or filter with parts/names" % path)
        seen.add(path)
    return plan


def new_hasher(artifact):
    algorithm, expected = strongest_hash(artifact.get("hashes"))
    if algorithm is None:
        raise TaskError("the server offers no sha256, sha1 or md5 for %s: refusing an unverifiable artifact" % artifact.get("filename"))
    return algorithm, expected, hashlib.new(algorithm)


def hash_file(path, hasher, limit=None):
    with open(path, "rb") as handle:
        remaining = limit
        while remaining is None or remaining > 0:
            block = handle.read(READ_BLOCK if remaining is None else min(READ_BLOCK, remaining))
            if not block:
                break
            hasher.update(block)
            if remaining is not None:
                remaining -= len(block)
    return hasher


def already_there(path, artifact):
    """True when the final file exists with the expected size and hash."""
    if not os.path.isfile(path):
        return False
    size = artifact.get("size")
    if size is not None and os.path.getsize(path) != size:
        return False
    expected, hasher = new_hasher(artifact)[1:]
    return hash_file(path, hasher).hexdigest() == expected


def part_path(path):
    directory, name = os.path.split(path)
    return os.path.join(directory, "." + name + ".part")


class Transfer:
    """Download of one artifact into its .part file, resumable."""

    def __init__(self, client, artifact, path, resume_attempts):
        self.client = client
        self.artifact = artifact
        self.path = path
        self.part = part_path(path)
        self.size = artifact.get("size")
        self.resume_attempts = resume_attempts
        self.algorithm, self.expected, self.hasher = new_hasher(artifact)
        self.received = 0
        self.resumed_from = None
        self.attempts = 0

    def existing_offset(self):
        """Bytes of a previous .part to keep (hashed again now), 0 to start over."""
        if not os.path.isfile(self.part):
            return 0
        have = os.path.getsize(self.part)
        if have == 0 or (self.size is not None and have >= self.size):
            os.unlink(self.part)
            return 0
        hash_file(self.part, self.hasher)
        return have

    def restart(self):
        self.algorithm, self.expected, self.hasher = new_hasher(self.artifact)
        with open(self.part, "wb"):
            pass
        return 0

    def run(self):
        os.makedirs(os.path.dirname(self.path), exist_ok=True)
        offset = self.existing_offset()
        if offset:
            self.resumed_from = offset
        try:
            self.transfer(offset)
        except BaseException:
            if os.path.isfile(self.part) and os.path.getsize(self.part) == 0:
                os.unlink(self.part)  # nothing received: nothing to resume from
            raise
        self.finish()

    def transfer(self, offset):
        while True:
            self.attempts += 1
            try:
                offset = self.fetch(offset)
            except DeviceUnreachable as exc:
                offset = os.path.getsize(self.part)
                if self.attempts > self.resume_attempts:
                    raise TaskError("download of %s broke %d time(s); %d of %s bytes kept in %s for the next run (%s)"
                                    % (self.artifact.get("filename"), self.attempts, offset, self.size, self.part, exc.msg),
                                    bytes_kept=offset, partial_file=self.part) from None
                if offset:
                    self.resumed_from = offset
                continue
            if offset is not None:
                return
            offset = self.restart()

    def fetch(self, offset):
        """Append from ``offset``; returns the final size, or None when the server wants a fresh start."""
        background = BackgroundHasher(self.hasher)
        with open(self.part, "ab", buffering=0) as handle:
            syncer = BackgroundSyncer(handle.fileno())

            def count(chunk):
                background.update(chunk)
                syncer.wrote(len(chunk))
                self.received += len(chunk)
            try:
                status, written = self.client.download(self.artifact["download_url"], handle, offset, on_chunk=count)
            finally:
                syncer.stop()
                background.finish()
            if status in (200, 416) and offset:
                return None
            os.fsync(handle.fileno())
        return offset + written

    def finish(self):
        have = os.path.getsize(self.part)
        digest = self.hasher.hexdigest()
        if (self.size is not None and have != self.size) or digest != self.expected:
            os.unlink(self.part)
            raise TaskError("%s failed verification: got %d bytes with %s %s, the server announced %s bytes with %s %s; the file was deleted"
                            % (self.artifact.get("filename"), have, self.algorithm, digest, self.size, self.algorithm, self.expected),
                            verified=False)
        os.replace(self.part, self.path)
        sync_directory(os.path.dirname(self.path))


def sync_directory(directory):
    try:
        handle = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(handle)
    except OSError:
        pass
    finally:
        os.close(handle)


def chunks_of_action(client, action_id):
    """The chunks of an action, found through the links of a base poll (never a rebuilt URL)."""
    poll = client.base_poll()
    kind, open_id, href = poll.open_action()
    if open_id == str(action_id) and kind in ("deployment", "confirmation"):
        body = client.deployment_base(href) if kind == "deployment" else client.confirmation_base_action(href)
        return describe_deployment(body)["chunks"]
    installed = poll.href("installedBase")
    if installed and installed.split("?")[0].rstrip("/").rsplit("/", 1)[-1] == str(action_id):
        return describe_deployment(client.installed_base(installed))["chunks"]
    raise TaskError("action %s is not offered by the server (open action: %s %s)" % (action_id, kind, open_id or "-"))


def preflight(plan, dest):
    """What the device offers for this download: Python, a writable ``dest``, free space.

    Returns the report; ``lacking`` lists what is missing, each in words a person can act on.
    Files already in place (right size) need no space; a ``.part`` left behind needs only the rest.
    """
    needed = 0
    for _chunk, artifact, path in plan:
        size = artifact.get("size") or 0
        if os.path.isfile(path) and os.path.getsize(path) == size:
            continue
        part = part_path(path)
        needed += max(0, size - (os.path.getsize(part) if os.path.isfile(part) else 0))
    existing = dest
    while not os.path.exists(existing):
        parent = os.path.dirname(existing)
        if parent == existing:
            break
        existing = parent
    lacking = []
    if existing != dest or not os.path.isdir(dest):
        if not os.path.isdir(existing):
            lacking.append("%s is not a directory (dest must be a directory or a path that can be created)" % existing)
    writable = os.path.isdir(existing) and os.access(existing, os.W_OK | os.X_OK)
    if os.path.isdir(existing) and not writable:
        lacking.append("%s is not writable for user %s" % (existing, current_user()))
    free = shutil.disk_usage(existing).free if os.path.isdir(existing) else 0
    # keep a margin: the .part and the directory entries, and a device that still has to run
    margin = min(64 * 1024 * 1024, needed // 20)
    if os.path.isdir(existing) and free < needed + margin:
        lacking.append("%s has %d bytes free, the artifacts need %d (plus a margin of %d)" % (existing, free, needed, margin))
    return {"python": platform.python_version(), "python_executable": sys.executable, "dest": dest,
            "checked_dir": existing, "writable": writable, "free_bytes": free, "needed_bytes": needed, "lacking": lacking}


def current_user():
    try:
        import pwd
        return pwd.getpwuid(os.geteuid()).pw_name
    except (ImportError, KeyError):
        return str(os.geteuid())


class HawkbitArtifact(HawkbitRun):
    """Runs where the task runs; on a device it needs nothing but Python's standard library."""

    def run(self):
        params = self.params
        if params["resume_attempts"] < 0:
            raise FleetopsError("resume_attempts must be 0 or more")
        with self.step("preflight"):
            early = preflight([], params["dest"])  # the directory, before any request
            if early["lacking"]:
                raise TaskError("pre-flight on the device failed, nothing was downloaded or reported: %s"
                                % "; ".join(early["lacking"]), preflight=early)
        with self.step("plan"):
            if params["chunks"] is not None:
                chunks = params["chunks"]
            else:
                chunks = chunks_of_action(self.client, params["action_id"])
            plan = plan_files(chunks, params["dest"], params["parts"], params["names"], params["per_part_dirs"])
            for _chunk, artifact, _path in plan:
                self.client.check_link(artifact["download_url"])
        with self.step("preflight"):
            checked = preflight(plan, params["dest"])
            if checked["lacking"]:
                raise TaskError("pre-flight on the device failed, nothing was downloaded or reported: %s"
                                % "; ".join(checked["lacking"]), preflight=checked)
        if params["preflight_only"]:
            return {"changed": False, "preflight": checked, "artifacts": [], "bytes_downloaded": 0, "paths": {},
                    "durations": dict(self.durations),
                    "msg": "pre-flight passed: Python %s, %s writable, %d bytes free for %d needed"
                           % (checked["python"], checked["checked_dir"], checked["free_bytes"], checked["needed_bytes"])}
        results = []
        with self.step("download"):
            for chunk, artifact, path in plan:
                results.append(self.fetch_one(chunk, artifact, path))
                if results[-1]["changed"] and not self.check_mode:
                    self.steps.append("downloaded %s" % artifact["filename"])
        return self.summary(plan, results, checked)

    def summary(self, plan, results, checked):
        changed = any(r["changed"] for r in results)
        result = {"changed": changed, "artifacts": results, "bytes_downloaded": sum(r["bytes_downloaded"] for r in results),
                  "paths": {}, "preflight": checked, "steps": list(self.steps), "durations": dict(self.durations)}
        for item in results:
            result["paths"].setdefault(item["part"], []).append(item["path"])
        todo = [r["filename"] for r in results if r["changed"]]
        if not plan:
            result["msg"] = "no artifact matches the selection"
        elif not todo:
            result["msg"] = "all %d artifact(s) already in place and verified" % len(results)
        else:
            result["msg"] = "%s %d artifact(s): %s" % ("would download" if self.check_mode else "downloaded and verified",
                                                       len(todo), ", ".join(todo))
        if self.diff:
            result["diff"] = {"before": {"present": sorted(r["path"] for r in results if not r["changed"])},
                              "after": {"present": sorted(r["path"] for r in results)}}
        return result

    def fetch_one(self, chunk, artifact, path):
        item = {"part": chunk.get("part"), "version": chunk.get("version"), "filename": artifact["filename"], "path": path,
                "size": artifact.get("size"), "hash_algorithm": strongest_hash(artifact.get("hashes"))[0],
                "changed": False, "bytes_downloaded": 0, "resumed_from": None, "seconds": 0.0}
        new_hasher(artifact)
        if already_there(path, artifact):
            return item
        item["changed"] = True
        if self.check_mode:
            return item
        started = self.clock()
        transfer = Transfer(self.client, artifact, path, self.params["resume_attempts"])
        transfer.run()
        item.update(bytes_downloaded=transfer.received, resumed_from=transfer.resumed_from, seconds=round(self.clock() - started, 3))
        return item
