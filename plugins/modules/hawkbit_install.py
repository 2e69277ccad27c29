#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fleetops.upgrade contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: hawkbit_install
short_description: Install the chunks of a hawkBit deployment on the device with a command per chunk
version_added: 1.0.0
description:
  - The device side of a DDI installation, in one task instead of a task per chunk. Used by the
    P(fleetops.upgrade.hawkbit_target#role) role between the C(proceeding) and the C(closed) feedback, which it does not send.
  - O(stage=install) writes the installation marker C(<dest>/.installing-<action_id>) (while it exists a cancel of the
    action is rejected), then runs the command of every chunk in order, without a shell. The commands are checked
    first - every chunk needs one, and each must split into arguments - so nothing runs or is written when one is missing.
  - O(stage=start) writes the marker only, for installations done by other tasks.
  - O(stage=verify) runs O(verify_command) (exit code 0 = good). O(stage=finish) removes the marker.
  - O(stage=status) only reads whether the marker is there (RV(installing)). The role's cycle asks it before it answers
    a cancel, which it accepts while the installation has not started and rejects once it has.
  - Commands run without a shell. A command with shell syntax outside quotes (C(|), C(&&), C(||), C(;), C(&), C(>),
    C(<)) or a command substitution (C($) with parentheses, or backticks) is refused in every stage, before anything runs - put the
    pipeline into a script on the device, or use the role's tasks hooks (C(hawkbit_target_install_tasks),
    C(hawkbit_target_verify_tasks)). O(stage=check) does only that check, on O(commands) and O(verify_command),
    before the P(fleetops.upgrade.hawkbit_target#role) role contacts the server.
  - Not idempotent by design, like M(ansible.builtin.command) - the role calls O(stage=install) once per action, after
    asking the server. In check mode nothing runs; O(stage=install) returns the commands it would run, so a missing
    or unsplittable command fails the check.
  - Needs nothing on the device but Python 3.7 or later.
options:
  stage:
    description: What to do.
    type: str
    default: install
    choices: [install, start, verify, finish, check, status]
  action_id:
    description: The DDI action being installed (names the marker); required with every O(stage) but V(check).
    type: int
  dest:
    description:
      - The download directory of M(fleetops.upgrade.hawkbit_artifact); the marker is written there.
      - Required with every O(stage) but V(check).
    type: path
  chunks:
    description: The deployment's chunks (C(deployment.chunks) of M(fleetops.upgrade.hawkbit_poll)); required with O(stage=install).
    type: list
    elements: dict
  paths:
    description: The downloaded files per part (C(paths) of M(fleetops.upgrade.hawkbit_artifact)).
    type: dict
    default: {}
  commands:
    description:
      - Command template per chunk part; the key V(*) serves any other part.
      - Placeholders, replaced shell-quoted - C({paths}) the chunk's files, C({path}) the first of them, C({part}),
        C({version}) and C({dir}) (O(dest)).
    type: dict
    default: {}
  reboot_exit_code:
    description:
      - Exit code of an install command that means "installed, reboot required"; 0 is success without one.
      - Set it to V(0) when every successful installation needs a reboot (for example C(rauc install), which writes
        the other slot and exits 0 on success, 1 on failure).
    type: int
    default: 100
  verify_command:
    description: The command run by O(stage=verify); required there.
    type: str
  installed_before:
    description: The id of the action installed before this one (V(none) if there was none), for RV(components).
    type: str
    default: none
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying the device.
    support: full
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: none
  platform:
    description: Target OS/families that can be operated against.
    support: full
    platforms: posix
  action:
    description: >-
      Has an action plugin: for a local target the task runs inside the Ansible worker without starting a module
      process; on a device reached over SSH, or with C(become), the module runs on the device.
    support: full
notes:
  - With C(become), the commands run as the become user and the module runs on the device even for a local target.
seealso:
  - module: fleetops.upgrade.hawkbit_artifact
  - module: fleetops.upgrade.hawkbit_feedback
author:
  - fleetops.upgrade contributors (@fleetops)
"""

EXAMPLES = r"""
- name: Install every chunk (exit code 100 asks for a reboot)
  fleetops.upgrade.hawkbit_install:
    action_id: "{{ poll.action.id }}"
    dest: /var/lib/fleetops/hawkbit
    chunks: "{{ poll.deployment.chunks }}"
    paths: "{{ download.paths }}"
    commands:
      os: /usr/sbin/flash-image {path}
      "*": /usr/bin/install-package {paths}
  become: true
  register: installed

- name: Reboot when a chunk asked for it
  ansible.builtin.reboot:
  become: true
  when: installed.reboot_required

- name: Verify
  fleetops.upgrade.hawkbit_install:
    stage: verify
    action_id: "{{ poll.action.id }}"
    dest: /var/lib/fleetops/hawkbit
    verify_command: /usr/sbin/self-test
"""

RETURN = r"""
reboot_required:
  description: An install command exited with O(reboot_exit_code).
  returned: stage is install
  type: bool
chunks:
  description: One entry per chunk run - C(part), C(cmd) (the arguments), C(rc), the last 10 lines of C(stdout_lines) and C(stderr_lines).
  returned: stage is install
  type: list
  elements: dict
commands:
  description: The commands that would run, shell-quoted.
  returned: stage is install, in check mode
  type: list
  elements: str
components:
  description: For the fleet report - per chunk C(component) (part and name), C(from), C(to) (the chunk version), C(changed).
  returned: stage is install
  type: list
  elements: dict
rc:
  description: Exit code of the verify command (on failure, of the failing command, with C(cmd), C(stdout_lines) and C(stderr_lines)).
  returned: stage is verify, or on a command failure
  type: int
stdout_lines:
  description: The last 10 lines of the command's standard output.
  returned: stage is verify, or on a command failure
  type: list
  elements: str
stderr_lines:
  description: The last 10 lines of the command's standard error.
  returned: stage is verify, or on a command failure
  type: list
  elements: str
marker:
  description: Path of the installation marker.
  returned: stage is install, start, finish or status
  type: str
installing:
  description: The installation marker is there (the installation of the action started on the device).
  returned: stage is status
  type: bool
device_state:
  description: After the marker was written - the installation started and the marker is kept.
  returned: stage is install or start, also on failure
  type: str
steps:
  description: What was done.
  returned: success, not in check mode
  type: list
  elements: str
durations:
  description: Seconds per step.
  returned: success, not in check mode
  type: dict
"""
from ansible_collections.fleetops.upgrade.plugins.module_utils._hawkbit_python import require_python


def main():
    require_python("fleetops.upgrade.hawkbit_install")  # this file parses on Python 2.7; the task logic needs 3.7+
    from ansible_collections.fleetops.upgrade.plugins.module_utils._hawkbit_install import INSTALL_SPEC, HawkbitInstall
    from ansible_collections.fleetops.upgrade.plugins.module_utils._module import run_module
    run_module(INSTALL_SPEC, HawkbitInstall, required_libs=())  # standard library only


if __name__ == "__main__":
    main()
