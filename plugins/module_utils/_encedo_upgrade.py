# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fleetops.upgrade contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Task logic of encedo_upgrade: read, decide, upload, check, install, wait for the reboot, verify."""

from __future__ import annotations

__metaclass__ = type

from ._common_args import WAIT_ARGS
from ._encedo import COMPONENTS, ENCEDO_COMMON_ARGS, ENCEDO_MUTUALLY_EXCLUSIVE, client_from, read_device
from ._errors import AuthenticationError, DeviceApiError, DeviceUnreachable, FleetopsError, TaskError, WaitTimeout
from ._steps import readable_image
from ._task import TaskRun
from ._wait import Poll, wait_until

MAX_FIRMWARE_BYTES = 3 * 1024 * 1024
MAX_IMAGE_BYTES = 16 * 1024 * 1024
IMAGE_SUFFIX = {"firmware": ".bin", "ui": ".tar"}
CHECK_INTERVAL = 2.0
CHECK_STATES = {201: "validation started", 202: "validation ongoing", 200: "valid"}
REBOOT_INITIAL_DELAY = 1.0
REBOOT_POLL_INTERVAL = 2.0

SPEC = dict(
    argument_spec=dict(
        ENCEDO_COMMON_ARGS,
        component=dict(type="str", default="firmware", choices=["firmware", "ui"]),
        src=dict(type="path", required=True),
        version=dict(type="str"),
        uis=dict(type="str"),
        force=dict(type="bool", default=False),
        install=dict(type="bool", default=True),
        **WAIT_ARGS
    ),
    mutually_exclusive=ENCEDO_MUTUALLY_EXCLUSIVE,
    required_if=[("component", "firmware", ["version"]), ("component", "ui", ["uis"])],
)


def check_image(component, path):
    """Refuse an image the device would drop without an answer; returns its size."""
    size = readable_image(path)
    suffix = IMAGE_SUFFIX[component]
    if not path.endswith(suffix):
        raise TaskError("image file %s does not look like a %s image: a %s image is a %s file (the device stores it as %s)"
                        % (path, component, component, suffix, COMPONENTS[component][1]))
    limit = MAX_FIRMWARE_BYTES if component == "firmware" else MAX_IMAGE_BYTES
    if size > limit:
        raise TaskError("image file %s is %d bytes; a %s image may be at most %d bytes (%d MiB)"
                        % (path, size, component, limit, limit // (1024 * 1024)))
    return size


class EncedoUpgrade(TaskRun):
    """One run of encedo_upgrade."""

    # install_fw answers, closes and reboots within seconds; a device still on the same boot this long after
    # an install request whose answer was lost did not take it (Encedo's own tools wait 20-30 s).
    LOST_ANSWER_GRACE = 60

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.component = self.params["component"]
        self.target = self.params["version"] if self.component == "firmware" else self.params["uis"]
        self.client = client_from(self.params)
        self.bytes_sent = 0
        self.device = None
        self.install_acknowledged = False
        self.install_answer_lost = False
        self.changed = False
        self.version_now = None

    def close(self):
        self.client.close()

    # -------------------------------------------------------------- result
    def current(self, device):
        return device["firmware_version"] if self.component == "firmware" else device["uis"]

    def keeps(self):
        return "the device keeps %s %s" % (self.component, self.current(self.device))

    def failure_details(self):
        details = super().failure_details()
        details.update(component=self.component, bytes_sent=self.bytes_sent, changed=self.changed,
                       previous_version=None, version=None)
        if self.device is not None:
            details["previous_version"] = self.current(self.device)
            details["version"] = self.version_now if self.version_now is not None else self.current(self.device)
        if self.device_state is None:
            details["device_state"] = "unchanged: nothing was sent to the device"
        return details

    def result(self, changed, msg, after, **extra):
        before = self.current(self.device)
        result = dict(changed=changed, msg=msg, component=self.component, previous_version=before,
                      version=after, steps=self.steps, durations=self.durations, bytes_sent=self.bytes_sent,
                      model=self.device["model"], fwv=self.device["fwv"], uis=self.device["uis"])
        if self.device_state is not None:
            result["device_state"] = self.device_state
        result.update(extra)
        if self.diff:
            result["diff"] = {"before": {self.component: before}, "after": {self.component: after}}
        return result

    # -------------------------------------------------------------- flow
    def run(self):
        image_size = check_image(self.component, self.params["src"])
        with self.step("read"):
            self.device = read_device(self.client)
        self.device_state = "unchanged; " + self.keeps()
        self.refuse_unsupported()
        current = self.current(self.device)
        if current == self.target and not self.params["force"]:
            self.device_state = "running %s" % current
            return self.result(False, "%s is already at %s" % (self.component, self.target), current)
        if self.check_mode:
            return self.plan(image_size)
        return self.upgrade()

    def refuse_unsupported(self):
        device = self.device
        if device["model"] == "EPA":
            raise TaskError("upgrades are not supported on EPA (%s): the device has no upgrade endpoints" % device["hardware"])
        if device["fault"] and not self.params["force"]:
            raise TaskError("the device has a latched fault (fls_state=%s); it keeps firmware %s. Clear the fault "
                            "or set force=true to upgrade anyway" % (device["fls_state"], device["firmware_version"]))
        if device["personalised"] and not self.client.can_authenticate:
            raise TaskError("the device is personalised: give passphrase or token (scope system:upgrade or system:config) to upgrade it")

    def plan(self, image_size):
        """Check mode: prove the credentials a personalised device needs (read-only in effect), say what would run."""
        steps = []
        if self.device["personalised"]:
            try:
                with self.step("authenticate"):
                    steps.append(self.client.prove_credentials())
            except AuthenticationError as exc:
                self.device_state = "unchanged: the credentials were refused; " + self.keeps()
                raise TaskError("check mode: %s" % exc.msg) from None
        steps += ["upload %s (%d bytes)" % (self.params["src"], image_size), "check"]
        if self.params["install"]:
            steps.append("install")
            if self.component == "firmware":
                steps.append("reboot and verify")
        self.steps = steps
        after = self.target if self.params["install"] else self.current(self.device)
        return self.result(True, "would upgrade %s from %s to %s: %s"
                           % (self.component, self.current(self.device), self.target, ", ".join(steps)), after)

    def upgrade(self):
        self.stage()
        if not self.params["install"]:
            self.device_state = "image staged"
            return self.result(True, "%s image uploaded and verified, not installed (install=false)" % self.component,
                               self.current(self.device))
        self.install()
        if self.component == "firmware" and not self.params["wait"]:
            self.device_state = "rebooting into %s" % self.target
            return self.result(True, "firmware install started; the device reboots (wait=false)", self.target)
        if self.component == "firmware":
            try:
                with self.step("reboot", done="rebooted"):
                    self.wait_for_reboot()
            except WaitTimeout:
                self.device_state = "install started but the device did not come back"
                raise
        return self.verify()

    def stage(self):
        """Authenticate, upload and wait for the check; the running version is untouched."""
        try:
            if self.device["personalised"]:
                with self.step("authenticate", done="authenticated"):
                    self.client.authenticate()
            with self.step("upload", done="uploaded"):
                self.bytes_sent = self.client.upgrade_upload(self.component, self.params["src"])
        except AuthenticationError as exc:
            self.bytes_sent = exc.details.get("bytes_sent", self.bytes_sent)
            if not self.bytes_sent:
                self.device_state = "unchanged: refused before the image was sent; " + self.keeps()
            raise
        except FleetopsError as exc:
            self.bytes_sent = exc.details.get("bytes_sent", self.bytes_sent)
            self.device_state = "not installed; " + self.keeps()
            raise
        self.device_state = "not installed; " + self.keeps()
        with self.step("check", done="checked"):
            self.wait_for_check()

    def install(self):
        self.device_state = "image verified but not installed; " + self.keeps()
        try:
            with self.step("install"):
                self.client.upgrade_install(self.component)
        except DeviceUnreachable:
            # install_fw answers 200 and reboots; any lost answer is settled by reading what the device runs.
            self.install_answer_lost = True
            self.steps.append("install requested (no answer)")
            self.device_state = "unknown: the %s install request got no answer" % self.component
        else:
            self.install_acknowledged = self.changed = True
            self.steps.append("install started" if self.component == "firmware" else "installed")
            self.device_state = "install started" if self.component == "firmware" else "installed"

    def wait_for_check(self):
        probes = []

        def probe():
            status = self.client.upgrade_check(self.component)
            if status == 406:
                raise TaskError("the device rejected the %s image (check failed, HTTP 406)" % self.component)
            if status == 404:
                raise TaskError("the device reports no uploaded image to check (HTTP 404)")
            probes.append(status)
            return Poll(status == 200, CHECK_STATES[status], next_interval=min(CHECK_INTERVAL, 0.25 * 2 ** len(probes)))
        wait_until(probe, "the image check", self.params["wait_timeout"], CHECK_INTERVAL, tolerate=(),
                   clock=self.clock, sleep=self.sleep)

    def wait_for_reboot(self):
        """Done once the device answers again from a new boot (seen down, fw_upgrade flag or uptime reset)."""
        uptime_before = self.device["uptime"]
        flag_before = self.device["fw_upgrade"]
        seen = {"down": False}
        started = self.clock()

        def probe():
            try:
                status = self.client.system_status(retry=False)
            except (DeviceUnreachable, DeviceApiError):
                seen["down"] = True
                raise
            rebooted = seen["down"] or (status.get("fw_upgrade") and not flag_before) or (
                uptime_before is not None and status.get("uptime", uptime_before) < uptime_before)
            if not rebooted and self.install_answer_lost and self.clock() - started > self.LOST_ANSWER_GRACE:
                self.device_state = "not installed; " + self.keeps()
                raise TaskError("the firmware install request got no answer and the device kept running the same boot "
                                "for %ds: it did not install the image" % self.LOST_ANSWER_GRACE)
            return Poll(bool(rebooted), "answering after reboot" if rebooted else "still running the old boot")
        wait_until(probe, "the device to come back after the firmware install", self.params["wait_timeout"],
                   REBOOT_POLL_INTERVAL, tolerate=(DeviceUnreachable, DeviceApiError), clock=self.clock,
                   sleep=self.sleep, initial_delay=REBOOT_INITIAL_DELAY)

    def verify(self):
        with self.step("verify"):
            after_device = read_device(self.client)
        before, now = self.current(self.device), self.current(after_device)
        self.version_now = now
        self.changed = self.install_acknowledged or now != before
        if now != self.target:
            raise self.not_the_target(before, now)
        self.steps.append("verified")
        self.device_state = "running %s" % now
        warnings = []
        if self.install_answer_lost:
            warnings.append("the answer to the %s install request was lost, but the device runs %s" % (self.component, now))
        if self.component == "firmware" and self.device["personalised"] and self.params.get("passphrase"):
            try:
                with self.step("reauthenticate", done="re-authenticated"):
                    self.client.authenticate()
            except AuthenticationError as exc:
                warnings.append("the device runs %s but refused a new token after the reboot: %s" % (self.target, exc.msg))
        result = self.result(True, "%s upgraded from %s to %s" % (self.component, before, now), now,
                             fwv=after_device["fwv"], uis=after_device["uis"])
        if warnings:
            result["warnings"] = warnings
        return result

    def not_the_target(self, before, now):
        """The device does not run the target after the install: say what it runs and why that may be."""
        what = "firmware" if self.component == "firmware" else "management app (uis)"
        if not self.changed:
            self.device_state = "not installed; " + self.keeps()
            return TaskError("the %s install request got no answer and the device still runs %s %s: the image was not "
                             "installed" % (self.component, self.component, now))
        self.device_state = "running %s %s" % (self.component, now)
        if now != before:
            reason = "the image %s carries %s" % (self.params["src"], now)
        else:
            reason = "the image %s carries %s too, or the device did not take it" % (self.params["src"], now)
        option = "version" if self.component == "firmware" else "uis"
        return TaskError("the device now runs %s %s, not the asked version %s: %s. Make %s match the image; "
                         "as it is, a rerun would flash it again" % (what, now, self.target, reason, option))
