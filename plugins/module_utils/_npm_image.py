# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fleetops.upgrade contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Task logic of npm_image: put an update image on an AppResponse appliance (upload or fetch) or delete images.

Already there: a VALID image with the SHA-256 of ``src``, or of ``version`` (and ``checksum``) for a fetch.
An image that may be the same one and is still UPLOADING or VALIDATING (an earlier run with ``wait: false``
or one that timed out) is waited for instead of being sent again: images are GBs.
"""

from __future__ import annotations

__metaclass__ = type

from ._common_args import WAIT_ARGS
from ._errors import FleetopsError, TaskError, WaitTimeout
from ._npm import IMAGE_STATES_IN_PROGRESS
from ._npm_common import (
    FIRST_POLL, IMAGE_POLL_MAX, NPM_AUTH_RULES, NPM_COMMON_ARGS, BackgroundHash, NpmRun, backoff_poll,
    describe_image, describe_images, image_summary, sha256_of, unchanged_state, version_matches,
)
from ._redact import redact_url
from ._steps import readable_image
from ._wait import wait_until

# how long an interrupted upload's image may stay UPLOADING before the appliance marks it UPLOAD_ERROR
SETTLE_AFTER_BROKEN_UPLOAD = 30

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


class NpmImage(NpmRun):
    """One run of npm_image."""

    def __init__(self, params, check_mode=False, diff=False, **kwargs):
        super().__init__(params, check_mode=check_mode, diff=diff, **kwargs)
        self.bytes_sent = 0
        self.before = []        # the images when the task began (diff "before")
        self.current = []       # the images as last listed
        self.image_id = None    # the image this task added, or the one it failed on
        self.running = None     # sw_version; an image does not change it
        self.would_wait = []    # check mode: in-progress images of unknown identity it would wait for first

    def run(self):
        size = readable_image(self.params["src"]) if self.params["state"] == "present" and self.params["src"] else None
        with self.step("read"):
            self.running = self.client.info().get("sw_version")
        if self.params["state"] == "absent":
            return self.absent()
        version = self.params["version"]
        if version and version_matches(version, self.running):
            self.device_state = "runs %s" % self.running
            return self.result(False, "already running %s: the appliance needs no image of %s" % (self.running, version))
        if self.params["src"]:
            return self.present_from_file(size)
        return self.present_from_url()

    # -------------------------------------------------------------- results
    def result(self, changed, msg, image=None, after=None, **extra):
        result = dict(changed=changed, msg=msg, image=image, bytes_sent=self.bytes_sent, steps=list(self.steps),
                      durations=dict(self.durations), sw_version=self.running,
                      device_state=self.device_state or unchanged_state(self.running))
        if self.image_id is not None:
            result["image_id"] = self.image_id
        result.update(extra)
        if self.diff:
            before = [image_summary(i) for i in self.before]
            result["diff"] = {"before": {"images": before}, "after": {"images": after if after is not None else before}}
        return result

    def failure_details(self):
        details = super().failure_details()
        details.update(sw_version=self.running, device_state=self.device_state or unchanged_state(self.running),
                       bytes_sent=self.bytes_sent)
        if self.image_id is not None:
            details["image_id"] = self.image_id
        return details

    def after_with(self, image):
        """The image list at the end: the last listing with ``image`` replaced or added."""
        listed = [image_summary(i) for i in self.current if i.get("id") != image.get("id")]
        return sorted(listed + [image_summary(image)], key=lambda i: i["id"] if i["id"] is not None else float("inf"))

    def list_images(self):
        self.current = self.client.images()
        return self.current

    # -------------------------------------------------------------- present: src
    def present_from_file(self, size):
        src = self.params["src"]
        expected = (self.params["checksum"] or "").lower()
        self.before = self.list_images()
        sha256 = None
        pending = self.in_progress()
        if expected or self.check_mode or pending or self.find_valid():
            sha256 = self.timed("hash", sha256_of, src)
            if expected and expected != sha256:
                raise TaskError("%s has SHA-256 %s, not the expected checksum %s" % (src, sha256, expected), sha256=sha256)
        if pending:
            waited = self.wait_for_earlier(pending, checksum=sha256, version=self.params["version"],
                                           what="the SHA-256 of %s" % src)
            if waited is not None:
                return dict(waited, sha256=sha256)
        existing = self.find_valid(checksum=sha256) if sha256 else None
        if existing:
            return self.already_there(existing, sha256=sha256)
        if self.check_mode:
            planned = {"id": None, "version": self.params["version"], "state": "VALID", "checksum": sha256}
            return self.result(True, self.first_waits() + "would upload %s (%d bytes, SHA-256 %s) and wait until it is VALID"
                               % (src, size, sha256), None, self.after_with(planned), sha256=sha256)
        return self.upload(src, sha256)

    def upload(self, src, sha256):
        """Stream ``src`` up (hashing it meanwhile when ``sha256`` is not known yet), wait, check the checksum."""
        self.client.long_task = True
        hasher = None if sha256 else BackgroundHash(src)
        try:
            with self.step("upload", done="uploaded"):
                image, self.bytes_sent = self.client.upload_image(src)
        except FleetopsError as exc:
            if hasher:
                hasher.cancel()
            self.bytes_sent = exc.details.get("bytes_sent", 0)
            self.device_state = self.clean_up_broken_upload()
            raise TaskError("uploading %s failed: %s" % (src, exc.msg), bytes_sent=self.bytes_sent) from None
        self.image_id = image.get("id")
        self.device_state = "image %s %s on the appliance (uploaded by this task)" % (self.image_id, image.get("state"))
        if hasher:
            sha256 = hasher.result()
            self.durations["hash"] = hasher.seconds
        result = self.settle(image, "upload")
        reported = ((result["image"] or {}).get("checksum") or "").lower()
        if reported and reported != sha256:
            self.device_state = "image %s VALID with SHA-256 %s, kept on the appliance" % (self.image_id, reported)
            raise TaskError("the appliance computed SHA-256 %s for image %s but %s has %s: the image was damaged in transit"
                            % (reported, self.image_id, src, sha256), sha256=sha256)
        result["sha256"] = sha256
        result["throughput_mib_s"] = round(self.bytes_sent / 1048576.0 / max(self.durations["upload"], 0.001), 1)
        return result

    def clean_up_broken_upload(self):
        """After a failed upload: delete the UPLOAD_ERROR image it left; the device state to report."""
        known = set(image.get("id") for image in self.before)
        try:
            left = self.settle_new_images(known)
        except FleetopsError as exc:
            return "not known: listing the images after the failed upload failed too (%s)" % exc.msg
        if not left:
            return "no new image on the appliance"
        deleted, kept = [], []
        for image in left:
            if image.get("state") != "UPLOAD_ERROR":
                kept.append("image %s left in state %s" % (image.get("id"), image.get("state")))
                continue
            try:
                self.client.delete_image(image["id"])
                deleted.append(image["id"])
            except FleetopsError as exc:
                kept.append("image %s left in UPLOAD_ERROR (deleting it failed: %s; delete it with npm_image state=absent "
                            "id=%s)" % (image["id"], exc.msg, image["id"]))
        parts = ["the interrupted upload's image %s (UPLOAD_ERROR) was deleted" % ", ".join(str(i) for i in deleted)] if deleted else []
        if not kept:
            return "no new image on the appliance (%s)" % parts[0]
        self.image_id = [image["id"] for image in left if image["id"] not in deleted][0]
        return "; ".join(parts + kept)

    def settle_new_images(self, known):
        """Images added since the task began, once none of them is UPLOADING (or after a short wait)."""
        probes = []

        def probe():
            fresh = [image for image in self.list_images() if image.get("id") not in known]
            busy = [image for image in fresh if image.get("state") == "UPLOADING"]
            return backoff_poll(not busy, describe_images(busy), probes, IMAGE_POLL_MAX, fresh)
        try:
            return wait_until(probe, "the interrupted upload's image to leave UPLOADING",
                              min(SETTLE_AFTER_BROKEN_UPLOAD, self.params["wait_timeout"]), FIRST_POLL,
                              clock=self.clock, sleep=self.sleep)[0].value
        except WaitTimeout:
            return [image for image in self.current if image.get("id") not in known]

    # -------------------------------------------------------------- present: fetch_url
    def present_from_url(self):
        url = self.params["fetch_url"]
        version, checksum = self.params["version"], self.params["checksum"]
        if not (version or checksum):
            raise TaskError("fetch_url needs version or checksum: that is how the module recognises the image on the "
                            "appliance and stays idempotent")
        self.before = self.list_images()
        pending = self.in_progress()
        if pending:
            waited = self.wait_for_earlier(pending, checksum=checksum, version=version,
                                           what="version %s" % version if version else "checksum %s" % checksum)
            if waited is not None:
                return waited
        existing = self.find_valid(checksum=checksum, version=version)
        if existing:
            return self.already_there(existing)
        planned = {"id": None, "version": version, "state": "VALID", "checksum": checksum}
        if self.check_mode:
            return self.result(True, self.first_waits() + "would have the appliance fetch %s and wait until it is VALID"
                               % redact_url(url), None, self.after_with(planned))
        self.client.long_task = True
        with self.step("fetch_request", done="fetch requested"):
            image = self.client.fetch_image(url)
        self.image_id = image.get("id")
        self.device_state = "image %s %s on the appliance (fetched by this task)" % (self.image_id, image.get("state"))
        return self.settle(image, "fetch")

    # -------------------------------------------------------------- an image of an earlier run
    def in_progress(self):
        return [image for image in self.current if image.get("state") in IMAGE_STATES_IN_PROGRESS]

    @staticmethod
    def may_be(image, checksum, version):
        """Whether an image may be the asked one: everything known about it agrees (nothing known: it may)."""
        known = False
        if checksum and image.get("checksum"):
            known = True
            if image["checksum"].lower() != checksum.lower():
                return False
        if version and image.get("version"):
            known = True
            if not version_matches(version, image["version"]):
                return False
        return known or not (image.get("checksum") or image.get("version"))

    def wait_for_earlier(self, pending, checksum, version, what):
        """Wait for in-progress images that may be the asked one; a result when one of them is it, else None.

        ``what`` says how the image is recognised (for messages). Images whose identity is not known yet
        (UPLOADING after a fetch) are waited for too when ``wait`` is true: they may turn out to be the one.
        """
        candidates = [image for image in pending if self.may_be(image, checksum, version)]
        same = [image for image in candidates if image.get("checksum") or image.get("version")]
        if not candidates or (not self.params["wait"] and not same):
            return None
        if self.check_mode or not self.params["wait"]:
            if same:
                then = ("in check mode: would wait for it instead of sending the image again" if self.check_mode
                        else "not waiting for it (wait=false) and not sending the image again")
                return self.result(False, "image %s with %s is already on the appliance and still %s; %s"
                                   % (same[0]["id"], what, same[0]["state"], then), same[0], waiting_for=same[0]["id"])
            self.would_wait = candidates  # check mode, identity not known yet: said with what it would send
            return None
        for image in candidates:
            with self.step("validate"):
                settled = self.wait_for_image(image, "image %s (%s, maybe the one with %s, sent by an earlier run)"
                                              % (image["id"], image["state"], what))
                if not self.may_be(settled, checksum, version):
                    continue
                if settled.get("state") == "VALID":
                    self.list_images()
                    return self.already_there(settled, waited=True)
                if settled.get("state") == "INVALID":
                    self.device_state = "image %s INVALID, kept on the appliance for inspection" % settled["id"]
                    self.image_id = settled["id"]
                    raise TaskError("image %s with %s (sent by an earlier run) was validated INVALID: %s. Sending it again "
                                    "would give the same result; delete it with npm_image state=absent id=%s after looking "
                                    "at it" % (settled["id"], what, settled.get("state_description"), settled["id"]),
                                    image=settled)
        self.list_images()
        return None

    def first_waits(self):
        if not self.would_wait:
            return ""
        return ("would first wait for %s (not identified yet: it may be this image, sent by an earlier run); unless it "
                "is, " % describe_images(self.would_wait))

    # -------------------------------------------------------------- waiting and checking
    def settle(self, image, how):
        """Wait (if asked) for this task's image to end UPLOADING/VALIDATING; check what the appliance made of it."""
        if not self.params["wait"]:
            return self.result(True, "image %s started (id %s, state %s); not waiting (wait=false)"
                               % (how, image["id"], image["state"]), image, self.after_with(image))
        with self.step("validate", done="validated"):
            image = self.wait_for_image(image, "image %s to be validated" % image["id"], own=True)
            state = image.get("state")
            if state == "UPLOAD_ERROR":
                self.delete_own_failed(image)
                raise TaskError("the appliance marked image %s UPLOAD_ERROR: %s" % (image["id"], image.get("state_description")),
                                image=image)
            if state == "INVALID":
                self.device_state = ("image %s INVALID, kept on the appliance for inspection (delete it with npm_image "
                                     "state=absent id=%s)" % (image["id"], image["id"]))
                raise TaskError("the appliance marked image %s INVALID: %s" % (image["id"], image.get("state_description")),
                                image=image)
            self.device_state = "image %s %s VALID on the appliance" % (image["id"], image.get("version"))
            self.check_version(image)
        done = "uploaded" if how == "upload" else "fetched"
        return self.result(True, "image %s %s and VALID (id %s)" % (image.get("version"), done, image["id"]),
                           image, self.after_with(image))

    def delete_own_failed(self, image):
        try:
            self.client.delete_image(image["id"])
        except FleetopsError as exc:
            self.device_state = ("image %s left in UPLOAD_ERROR (deleting it failed: %s; delete it with npm_image "
                                 "state=absent id=%s)" % (image["id"], exc.msg, image["id"]))
            return
        self.device_state = "no new image on the appliance (this task's image %s ended UPLOAD_ERROR and was deleted)" % image["id"]
        self.image_id = None

    def wait_for_image(self, image, what, own=False):
        """The image once it is neither UPLOADING nor VALIDATING; TaskError saying where it stays on timeout."""
        probes = []

        def probe():
            current = self.client.image(image["id"])
            state = current.get("state")
            if state in IMAGE_STATES_IN_PROGRESS:
                return backoff_poll(False, "%s %s%%" % (state, current.get("progress", 0)), probes, IMAGE_POLL_MAX)
            return backoff_poll(True, state, probes, IMAGE_POLL_MAX, current)
        try:
            return wait_until(probe, what, self.params["wait_timeout"], FIRST_POLL, clock=self.clock, sleep=self.sleep)[0].value
        except WaitTimeout as exc:
            left = "image %s still %s on the appliance (a later run waits for it)" % (image["id"], exc.details["last_state"])
            self.device_state = left if own else "no new image from this task; " + left
            raise TaskError("%s; image %s stays on the appliance" % (exc.msg, image["id"]), **exc.details) from None

    def already_there(self, image, waited=False, **extra):
        self.check_version(image)
        self.device_state = "runs %s; image %s %s VALID on the appliance" % (self.running, image["id"], image.get("version"))
        if waited:
            msg = "image %s (id %s) sent by an earlier run became VALID after waiting %ss; nothing sent" % (
                image.get("version"), image["id"], self.durations.get("validate"))
        else:
            msg = "image %s (id %s) is already VALID on the appliance" % (image.get("version"), image["id"])
        return self.result(False, msg, image, self.after_with(image), **extra)

    def find_valid(self, checksum=None, version=None):
        for image in self.current:
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
            self.image_id = image["id"]
            raise TaskError("image %s on the appliance is version %s, not the expected %s (it stays on the appliance)"
                            % (image["id"], image.get("version"), asked), image=image)

    # -------------------------------------------------------------- absent
    def absent(self):
        self.before = self.list_images()
        doomed = [image for image in self.before if self.selected(image)]
        remaining = [image_summary(i) for i in self.before if i not in doomed]
        ids = [image["id"] for image in doomed]
        if not doomed:
            return self.result(False, "no matching image on the appliance", deleted=[])
        if self.check_mode:
            return self.result(True, "would delete %s" % describe_images(doomed), after=remaining, deleted=ids)
        deleted = []
        with self.step("delete"):
            for image in doomed:
                try:
                    self.client.delete_image(image["id"])
                except FleetopsError as exc:
                    self.device_state = "deleted %s; still on the appliance: %s" % (
                        ", ".join("image %s" % i for i in deleted) or "nothing",
                        describe_images([i for i in doomed if i["id"] not in deleted]))
                    raise TaskError("deleting image %s failed: %s" % (describe_image(image), exc.msg), deleted=deleted) from None
                deleted.append(image["id"])
        self.device_state = "deleted %s" % describe_images(doomed)
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
