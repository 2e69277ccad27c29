# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fleetops.upgrade contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Install a deployment's chunks on the device: the installation marker, each chunk's command, the verify command.

Runs where the task runs (the device, or the controller's worker for a local target) with nothing but
Python's standard library. The marker ``<dest>/.installing-<action id>`` says "installation started":
while it exists a cancel of the action is rejected (the hawkBit cycle, ``stage=status`` reads it).
"""

from __future__ import annotations

__metaclass__ = type

import os
import shlex
import subprocess
import tempfile

from ._errors import FleetopsError, TaskError
from ._task import TaskRun

INSTALL_SPEC = dict(
    argument_spec=dict(
        stage=dict(type="str", default="install", choices=["install", "start", "verify", "finish", "check", "status"]),
        action_id=dict(type="int"),
        dest=dict(type="path"),
        chunks=dict(type="list", elements="dict"),
        paths=dict(type="dict", default={}),
        commands=dict(type="dict", default={}),
        reboot_exit_code=dict(type="int", default=100),
        verify_command=dict(type="str"),
        installed_before=dict(type="str", default="none"),
    ),
    required_if=[("stage", "install", ("action_id", "dest", "chunks")), ("stage", "verify", ("action_id", "dest", "verify_command")),
                 ("stage", "start", ("action_id", "dest")), ("stage", "finish", ("action_id", "dest")),
                 ("stage", "status", ("action_id", "dest"))],
)
OUTPUT_LINES = 10
PLACEHOLDERS = ("paths", "path", "part", "version", "dir")
SHELL_OPERATORS = ("&&", "||", ">>", "|", "&", ";", ">", "<")
NO_SHELL = ("commands run without a shell, so %s would reach the program as an argument: put the pipeline or redirection "
            "into a script on the device and run the script, or do it in the role's tasks hook "
            "(hawkbit_target_install_tasks, hawkbit_target_verify_tasks)")


def shell_syntax(command):
    """The first piece of shell syntax in ``command`` that only a shell would act on, or None.

    Unquoted ``|``, ``&&``, ``||``, ``;``, ``&``, ``>``, ``>>``, ``<``; ``$(`` and backticks outside single quotes
    (a shell expands them in double quotes too). Quoted text is an argument like any other (``sh -c 'a | b'`` is fine:
    the user asked for a shell there).
    """
    text, quote, index = str(command), None, 0
    while index < len(text):
        char = text[index]
        if quote == "'":
            if char == "'":
                quote = None
        elif char == "\\":
            index += 1  # an escaped character is literal (inside double quotes too)
        elif text.startswith("$(", index) or char == "`":
            return "$(" if char == "$" else "`"
        elif quote == '"':
            if char == '"':
                quote = None
        elif char in "'\"":
            quote = char
        else:
            for operator in SHELL_OPERATORS:
                if text.startswith(operator, index):
                    return operator
        index += 1
    return None


def check_commands(commands, verify_command=None):
    """Refuse install/verify command templates with shell syntax, before anything is contacted or run."""
    for part, template in sorted((commands or {}).items(), key=lambda item: str(item[0])):
        found = shell_syntax(template or "")
        if found:
            raise FleetopsError("the install command of part %s (%s) uses shell syntax %r, but %s"
                                % (part, template, found, NO_SHELL % repr(found)))
    found = shell_syntax(verify_command or "")
    if found:
        raise FleetopsError("the verify command (%s) uses shell syntax %r, but %s" % (verify_command, found, NO_SHELL % repr(found)))


def marker_path(dest, action_id):
    return os.path.join(dest, ".installing-%d" % action_id)


def command_for(commands, chunk):
    """The chunk's command template: its part's, else the ``*`` one; None if neither."""
    part = str(chunk.get("part"))
    if part in commands:
        return commands[part]
    return commands.get("*")


def render(template, chunk, files, dest):
    """Replace the placeholders, each value shell-quoted, in the order the role documents them."""
    values = {"paths": " ".join(shlex.quote(f) for f in files), "path": shlex.quote(files[0] if files else ""),
              "part": shlex.quote(str(chunk.get("part"))), "version": shlex.quote(str(chunk.get("version"))),
              "dir": shlex.quote(dest)}
    command = str(template)
    for name in PLACEHOLDERS:
        command = command.replace("{%s}" % name, values[name])
    return command


def tail(text):
    return text.splitlines()[-OUTPUT_LINES:]


class HawkbitInstall(TaskRun):

    def run(self):
        stage = self.params["stage"]
        if stage == "check":
            return self.check()
        self.marker = marker_path(self.params["dest"], self.params["action_id"])
        if stage == "install":
            return self.install()
        if stage == "start":
            return self.start()
        if stage == "verify":
            return self.verify()
        if stage == "status":
            return self.status()
        return self.finish()

    def check(self):
        """The commands alone, before the server is contacted: no shell syntax (the hawkbit_target role's first step)."""
        check_commands(self.params["commands"], self.params["verify_command"])
        return {"changed": False, "msg": "the install and verify commands need no shell"}

    # ------------------------------------------------------------------ install
    def planned(self):
        """(chunk, argv) per chunk, refused before anything runs when a chunk has no command or a bad one."""
        params, plan, missing = self.params, [], []
        check_commands(params["commands"])
        if not params["chunks"]:
            raise FleetopsError("action %d has no chunks to install" % params["action_id"])
        for chunk in params["chunks"]:
            template = command_for(params["commands"], chunk)
            if not template:
                missing.append(str(chunk.get("part")))
                continue
            files = params["paths"].get(str(chunk.get("part"))) or []
            command = render(template, chunk, [str(f) for f in files], params["dest"])
            try:
                argv = shlex.split(command)
            except ValueError as exc:
                raise FleetopsError("the install command of part %s cannot be split into arguments (%s): %s"
                                    % (chunk.get("part"), exc, command))
            if not argv:
                raise FleetopsError("the install command of part %s is empty" % chunk.get("part"))
            plan.append((chunk, argv))
        if missing:
            raise FleetopsError(
                "action %d has chunks of parts %s but the install commands only cover %s (set a command per part or for '*')"
                % (params["action_id"], ", ".join(str(c.get("part")) for c in params["chunks"]),
                   ", ".join(sorted(map(str, params["commands"]))) or "nothing"))
        return plan

    def install(self):
        plan = self.planned()
        components = [self.component(chunk) for chunk, _argv in plan]
        if self.check_mode:
            return {"changed": True, "reboot_required": False, "chunks": [], "components": components,
                    "commands": [" ".join(shlex.quote(a) for a in argv) for _chunk, argv in plan],
                    "msg": "would install %s" % self.parts(plan)}
        with self.step("mark", "marked the installation as started"):
            write_marker(self.marker, self.params["action_id"])
        self.device_state = "installation of action %d started (marker %s kept)" % (self.params["action_id"], self.marker)
        ran, reboot = [], False
        with self.step("install"):
            for chunk, argv in plan:
                outcome = self.run_command(argv, "install command of part %s %s" % (chunk.get("part"), chunk.get("version")),
                                           accepted=(0, self.params["reboot_exit_code"]))
                outcome["part"] = chunk.get("part")
                ran.append(outcome)
                reboot = reboot or outcome["rc"] == self.params["reboot_exit_code"]
                self.steps.append("installed %s %s" % (chunk.get("part"), chunk.get("version")))
        return {"changed": True, "reboot_required": reboot, "chunks": ran, "components": components,
                "marker": self.marker, "steps": list(self.steps), "durations": dict(self.durations),
                "device_state": self.device_state,
                "msg": "installed %s%s" % (self.parts(plan), "; a reboot is required" if reboot else "")}

    def start(self):
        """The marker alone, for installations done by the user's tasks."""
        if self.check_mode:
            return {"changed": True, "marker": self.marker, "msg": "would write the installation marker"}
        with self.step("mark", "marked the installation as started"):
            write_marker(self.marker, self.params["action_id"])
        self.device_state = "installation of action %d started (marker %s kept)" % (self.params["action_id"], self.marker)
        return {"changed": True, "marker": self.marker, "device_state": self.device_state, "steps": list(self.steps),
                "durations": dict(self.durations), "msg": "wrote the installation marker " + self.marker}

    def component(self, chunk):
        before = self.params["installed_before"]
        return {"component": "%s %s" % (chunk.get("part"), chunk.get("name") or chunk.get("part")),
                "from": before if before == "none" else "action %s" % before,
                "to": str(chunk.get("version")), "changed": True}

    @staticmethod
    def parts(plan):
        return ", ".join("%s %s" % (chunk.get("part"), chunk.get("version")) for chunk, _argv in plan)

    # ------------------------------------------------------------------ verify, finish
    def verify(self):
        check_commands({}, self.params["verify_command"])
        try:
            argv = shlex.split(self.params["verify_command"])
        except ValueError as exc:
            raise FleetopsError("the verify command cannot be split into arguments (%s)" % exc)
        if not argv:
            raise FleetopsError("the verify command is empty")
        if self.check_mode:
            return {"changed": False, "msg": "would run the verify command"}
        with self.step("verify", "verified the installation"):
            outcome = self.run_command(argv, "verify command", accepted=(0,))
        return dict(outcome, changed=False, steps=list(self.steps), durations=dict(self.durations),
                    msg="the verify command passed")

    def status(self):
        """Read-only: whether the installation of the action started on the device (its marker is there)."""
        installing = os.path.exists(self.marker)
        return {"changed": False, "installing": installing, "marker": self.marker,
                "msg": "installation of action %d %s" % (self.params["action_id"], "under way" if installing else "not started")}

    def finish(self):
        present = os.path.exists(self.marker)
        if present and not self.check_mode:
            with self.step("finish", "removed the installation marker"):
                os.unlink(self.marker)
        return {"changed": present, "marker": self.marker, "steps": list(self.steps), "durations": dict(self.durations),
                "msg": ("removed" if present else "no") + " installation marker " + self.marker}

    def run_command(self, argv, what, accepted):
        try:
            done = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  check=False)
        except OSError as exc:
            raise TaskError("%s could not start: %s: %s" % (what, argv[0], exc.strerror or exc))
        stdout = done.stdout.decode("utf-8", "replace")
        stderr = done.stderr.decode("utf-8", "replace")
        outcome = {"cmd": argv, "rc": done.returncode, "stdout_lines": tail(stdout), "stderr_lines": tail(stderr)}
        if done.returncode not in accepted:
            raise TaskError("%s exited with %d%s" % (what, done.returncode,
                                                     ": " + tail(stderr)[-1] if tail(stderr) else ""), **outcome)
        return outcome


def write_marker(path, action_id):
    directory = os.path.dirname(path)
    handle, temporary = tempfile.mkstemp(prefix=".marker-", dir=directory)
    try:
        with os.fdopen(handle, "w") as stream:
            stream.write("%d\n" % action_id)
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise
