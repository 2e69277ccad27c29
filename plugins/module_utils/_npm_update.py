# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fleetops.upgrade contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Task logic of npm_update: install a version from a VALID image, or reset the update state to IDLE.

Read ``sw_version`` and the update state, decide, then reset (when not IDLE), init, check
``target_version``, start, wait through the reboot and verify ``sw_version``. After every
mutating request ``device_state`` says what the appliance was left with, so a failure carries it.
"""

from __future__ import annotations

__metaclass__ = type

from ._errors import AuthenticationError, DeviceApiError, DeviceUnreachable, FleetopsError, TaskError, WaitTimeout
from ._npm_common import (
    FIRST_POLL, IMAGE_POLL_MAX, NPM_AUTH_RULES, NPM_COMMON_ARGS, UPDATE_POLL_MAX, NpmRun, backoff_poll,
    describe_images, image_summary, unchanged_state, version_matches,
)
from ._wait import wait_until

UPDATE_WAIT_TIMEOUT = 3600
COMPONENT = "software"

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


def report_keys(previous, version, device_state):
    """The keys the fleet report reads from every upgrade module, success and failure alike.

    ``version`` is what the appliance runs at the end (in check mode: would run; None when not known,
    e.g. after a start whose end was not seen). ``device_state`` None means nothing was changed.
    """
    return dict(component=COMPONENT, previous_version=previous, version=version,
                device_state=device_state or unchanged_state(previous))


class NpmUpdate(NpmRun):
    """One run of npm_update."""

    def __init__(self, params, check_mode=False, diff=False, **kwargs):
        super().__init__(params, check_mode=check_mode, diff=diff, **kwargs)
        self.target = params.get("version")
        self.previous = None
        self.running = None  # what the appliance runs as far as this task knows; None once an update started
        self.update = {}
        self.state_before = None
        self.image_id = None

    def run(self):
        with self.step("read"):
            self.previous = self.running = self.client.info().get("sw_version")
            self.update = self.client.update()
        self.state_before = self.update.get("state")
        if self.params["state"] == "idle":
            return self.idle()
        return self.installed()

    # -------------------------------------------------------------- results
    def result(self, changed, msg, version, update=None, **extra):
        update = update if update is not None else self.update
        result = dict(changed=changed, msg=msg, sw_version=version, steps=list(self.steps), durations=dict(self.durations),
                      update_state=update.get("state"), state_description=update.get("state_description"),
                      update_history=update.get("update_history", []), **report_keys(self.previous, version, self.device_state))
        if self.image_id is not None:
            result["image_id"] = self.image_id
        result.update(extra)
        if self.diff:
            result["diff"] = {"before": {"sw_version": self.previous, "update_state": self.state_before},
                              "after": {"sw_version": version, "update_state": update.get("state")}}
        return result

    def failure_details(self):
        details = super().failure_details()
        details.update(report_keys(self.previous, self.running, self.device_state), update_state=self.update.get("state"))
        if self.image_id is not None:
            details["image_id"] = self.image_id
        return details

    def note_update(self, update):
        """Keep the update state seen after a mutating request; it is the device state now."""
        self.update = update
        self.device_state = self.describe_state()

    def describe_state(self):
        target = self.update.get("target_version")
        return "still runs %s, update state %s%s" % (self.previous, self.update.get("state"),
                                                     " (target %s)" % target if target else "")

    # -------------------------------------------------------------- state=idle
    def idle(self):
        state = self.state_before
        if state == "IDLE":
            return self.result(False, "the update state is already IDLE", self.previous)
        if state == "RUNNING":
            raise TaskError("the update is RUNNING (target %s); it cannot be reset while it runs" % self.update.get("target_version"))
        if self.check_mode:
            self.steps.append("reset from %s" % state)
            return self.result(True, "would reset the update state from %s to IDLE" % state, self.previous,
                               dict(self.update, state="IDLE"))
        self.reset_to_idle()
        self.steps.append("reset from %s" % state)
        return self.result(True, "update state reset from %s to IDLE" % state, self.previous, self.update)

    # -------------------------------------------------------------- state=installed
    def installed(self):
        state = self.state_before
        if version_matches(self.target, self.previous):
            return self.result(False, "the appliance already runs %s" % self.previous, self.previous)
        self.refuse_blocked(state)
        image, missing = self.pick_image()
        if self.check_mode:
            return self.plan(image, state, missing)
        self.client.long_task = True
        return self.install(state)

    def refuse_blocked(self, state):
        description = self.update.get("state_description")
        if state == "FAILED_CRITICAL":
            raise TaskError("the appliance reports FAILED_CRITICAL from an earlier update (%s). A person must look at it "
                            "before any retry; once it is checked, reset it with npm_update state=idle" % description,
                            sw_version=self.previous)
        if state == "RUNNING":
            raise TaskError("an update to %s is already RUNNING (%s); wait for it to end before asking for %s"
                            % (self.update.get("target_version"), description, self.target))

    def pick_image(self):
        """(the VALID image of the target, None); in check mode (None, why) when there is none yet, else TaskError."""
        with self.step("read"):
            images = self.client.images()
        matching = [image for image in images if image.get("state") == "VALID" and version_matches(self.target, image.get("version"))]
        if matching:
            self.image_id = matching[-1]["id"]
            return matching[-1], None
        if self.check_mode:
            return None, ("no VALID image of version %s is on the appliance yet (it has %s); the update needs one: "
                          "put it there with npm_image before this task (in check mode npm_image does not send it)"
                          % (self.target, describe_images(images)))
        raise TaskError("no VALID image of version %s on the appliance (it has %s); upload one with npm_image first"
                        % (self.target, describe_images(images)), images=[image_summary(i) for i in images])

    def plan(self, image, state, missing):
        """Check mode: the steps that would run, and a warning when the image is not there yet."""
        init = "init with image %s" % image["id"] if image else "init with a VALID image of %s (not on the appliance yet)" % self.target
        self.steps = (["reset from %s" % state] if state != "IDLE" else []) + [init, "start", "wait for the reboot", "verify"]
        version = image["version"] if image else self.target
        extra = {"warnings": [missing]} if missing else {}
        return self.result(True, "would update %s to %s: %s" % (self.previous, version, ", ".join(self.steps)), version, **extra)

    def install(self, state):
        if state != "IDLE":
            self.reset_to_idle()
            self.steps.append("reset from %s" % state)
        self.initialize()
        self.steps.append("initialized %s" % self.update.get("target_version"))
        self.start()
        if not self.params["wait"]:
            self.device_state = "updating to %s (not waited for)" % self.target
            return self.result(True, "update to %s started; not waiting (wait=false)" % self.target, self.previous,
                               dict(self.update, state="RUNNING"))
        try:
            with self.step("reboot"):
                update, version = self.wait_for_update()
        except WaitTimeout:
            self.device_state = ("update to %s started but the appliance did not come back within %ss"
                                 % (self.target, self.params["wait_timeout"]))
            raise
        except AuthenticationError:
            self.device_state = ("update to %s started, outcome not known: the appliance no longer accepts the credentials "
                                 "(last update state seen: %s; read it with npm_info)" % (self.target, self.update.get("state")))
            raise
        self.steps.append("rebooted")
        with self.step("verify", done="verified"):
            self.verify(update, version)
        return self.result(True, "updated from %s to %s" % (self.previous, version), version, update)

    def reset_to_idle(self):
        with self.step("reset"):
            self.client.update_reset()
            self.device_state = self.describe_state()
            self.wait_for_update_state("IDLE", ("IDLE",), "the update state to return to IDLE")

    def initialize(self):
        with self.step("init"):
            self.client.update_init()
            self.device_state = self.describe_state()
            self.wait_for_update_state("INITIALIZED", ("INITIALIZING", "INITIALIZED"), "the update to be initialized")
            chosen = self.update.get("target_version")
            if not version_matches(self.target, chosen):
                valid = [i for i in self.client.images() if i.get("state") == "VALID"]
                self.client.update_reset()
                self.note_update(self.client.update())
                raise TaskError("the appliance initialized an update to %s instead of %s (it picks among the VALID images: "
                                "%s); it was reset to IDLE. Keep only the target's image VALID (npm_image state=absent) and "
                                "run again" % (chosen, self.target, describe_images(valid)), target_version=chosen)

    def start(self):
        try:
            with self.step("start"):
                self.client.update_start()
            self.steps.append("started")
        except DeviceUnreachable:
            self.steps.append("start requested (no answer: the appliance may be going down)")
        except FleetopsError:
            self.device_state = "%s, update state %s" % ("still runs %s" % self.previous, self.last_state())
            raise
        self.device_state = "update to %s started (the appliance reboots)" % self.target
        self.running = None

    def wait_for_update_state(self, wanted, allowed, what):
        probes = []

        def probe():
            self.note_update(self.client.update())
            state = self.update.get("state")
            if state not in allowed:
                raise TaskError("waiting for %s, the update state became %s: %s" % (what, state, self.update.get("state_description")))
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
        return wait_until(probe, "the update to %s to finish" % self.target, self.params["wait_timeout"], FIRST_POLL,
                          clock=self.clock, sleep=self.sleep)[0].value

    def verify(self, update, version):
        state = update.get("state")
        description = update.get("state_description")
        if state == "FAILED_CRITICAL":
            self.device_state = "FAILED_CRITICAL, needs a person"
            raise TaskError("the update to %s failed with FAILED_CRITICAL: %s. Stop the rollout: a person must look "
                            "at this appliance before any retry" % (self.target, description))
        if state == "FAILED_GRACEFUL":
            self.running = current = self.client.info().get("sw_version")
            self.device_state = "runs %s, update state FAILED_GRACEFUL (reset it with npm_update state=idle before a retry)" % current
            raise TaskError("the update to %s failed with FAILED_GRACEFUL: %s" % (self.target, description), sw_version=current)
        self.device_state = "runs %s" % version
        self.running = version
        if not version_matches(self.target, version):
            raise TaskError("the update ended (state %s) but the appliance runs %s, not %s" % (state, version, self.target),
                            sw_version=version)

    def last_state(self):
        try:
            return self.client.update().get("state")
        except AuthenticationError:
            return "unknown (the appliance no longer accepts the credentials)"
        except FleetopsError:
            return "unknown (the appliance did not answer)"
