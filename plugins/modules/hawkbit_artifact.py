#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fleetops.upgrade contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: hawkbit_artifact
short_description: Download and verify the artifacts of a hawkBit (DDI) action
version_added: 1.0.0
description:
  - Downloads the artifacts of an action (all, or those of some chunk parts or file names) into O(dest).
  - Each file streams into C(.<name>.part) next to its final path, is hashed on the fly with the strongest hash the
    server offers (sha256, else sha1, else md5), checked against the announced size and hash and only then renamed
    into place (atomic). A mismatch deletes the partial file and fails.
  - A broken transfer is resumed with an HTTP C(Range) request - in the same run up to O(resume_attempts) times, and
    in a later run from the C(.part) file left behind.
  - An artifact or part name that would leave O(dest) (path separators, C(..)) is refused before anything is downloaded.
  - Idempotent - a file already in place with the right size and hash is not downloaded again (C(changed=false)).
  - Runs where the task runs - on the controller in-process, or on the device itself over SSH. On the device it needs
    nothing but Python 3.7 or later and its standard library (no C(requests)).
  - A pre-flight runs before the first byte is fetched - O(dest) (or the directory it will be created in) must be a writable
    directory with enough free space for the artifacts still missing (plus a small margin). When it fails nothing is
    downloaded and the message says exactly what the device lacks. O(preflight_only) runs only this check.
  - Answers 429 (rate limit) and 502/503/504 are waited out (C(Retry-After) honoured, at most 60 seconds per wait,
    O(retries) times) before the download goes on; a transfer cut midway resumes with C(Range).
  - A TLS failure (for example an unknown certificate) fails at once with the reason and leaves no partial file.
  - Proxies are taken from the environment of the host that runs the module (C(https_proxy), C(http_proxy), C(no_proxy),
    also upper case; on a device the task's C(environment) keyword sets them). Only C(http://) proxies; C(https://)
    targets go through a C(CONNECT) tunnel, so the token stays inside TLS.
  - Links to plain C(http://) from an C(https://) server, or to another host, are refused before any request unless
    O(token_over_http) or O(token_to_other_hosts) allow them.
options:
  action_id:
    description:
      - Action whose artifacts to fetch; the module polls the server and follows the action's link (deployment,
        confirmation or installed action). Exclusive with O(chunks).
    type: str
  chunks:
    description:
      - The chunks as returned by M(fleetops.upgrade.hawkbit_poll) in RV(fleetops.upgrade.hawkbit_poll#module:deployment.chunks);
        saves the extra requests. Exclusive with O(action_id).
    type: list
    elements: dict
  dest:
    description: Directory to download into (created if missing).
    type: path
    required: true
  parts:
    description: Only the chunks of these parts (for example V(os), V(bApp)).
    type: list
    elements: str
  names:
    description: Only artifacts with these file names.
    type: list
    elements: str
  per_part_dirs:
    description:
      - Put each chunk's artifacts into O(dest)/<part>/ (chunks often carry files with the same name); V(false) puts all into O(dest).
    type: bool
    default: true
  resume_attempts:
    description: How often a broken transfer is resumed within one run.
    type: int
    default: 3
  preflight_only:
    description:
      - Only run the pre-flight (Python, O(dest) writable, free space) and download nothing. Fails with what the device
        lacks; RV(preflight) says what was found.
    type: bool
    default: false
extends_documentation_fragment:
  - fleetops.upgrade.connection
  - fleetops.upgrade.hawkbit_auth
  - fleetops.upgrade.connection.attributes
attributes:
  check_mode:
    support: full
    details: Checks which files are already in place (hashing them) and downloads nothing.
author:
  - fleetops.upgrade contributors (@fleetops)
"""

EXAMPLES = r"""
- name: Download the firmware onto the device itself
  fleetops.upgrade.hawkbit_artifact:
    url: https://hawkbit.example.com
    controller_id: "{{ inventory_hostname }}"
    target_token: "{{ hawkbit_target_token }}"
    chunks: "{{ ddi.deployment.chunks }}"
    parts: [os]
    dest: /var/lib/updates
  register: fetched

- name: Install it
  ansible.builtin.command: "install-firmware {{ fetched.paths.os[0] }}"
  changed_when: true
"""

RETURN = r"""
artifacts:
  description: One entry per selected artifact.
  returned: always
  type: list
  elements: dict
  contains:
    part:
      description: Chunk part.
      type: str
    version:
      description: Chunk version.
      type: str
    filename:
      description: File name given by the server.
      type: str
    path:
      description: Final path of the file.
      type: str
    size:
      description: Size announced by the server.
      type: int
    hash_algorithm:
      description: Hash used for verification.
      type: str
    changed:
      description: The file was (or in check mode would be) downloaded.
      type: bool
    bytes_downloaded:
      description: Bytes received in this run.
      type: int
    resumed_from:
      description: Offset a transfer was resumed from, or null.
      type: int
    seconds:
      description: Transfer time.
      type: float
bytes_downloaded:
  description: Bytes received in this run over all artifacts.
  returned: always
  type: int
preflight:
  description: What the pre-flight found on the host that runs the module.
  returned: always
  type: dict
  contains:
    python:
      description: Python version.
      type: str
    python_executable:
      description: Python interpreter path.
      type: str
    dest:
      description: The download directory.
      type: str
    checked_dir:
      description: The directory checked (O(dest), or its nearest existing parent if it is still to be created).
      type: str
    writable:
      description: Whether that directory is writable.
      type: bool
    free_bytes:
      description: Free bytes there.
      type: int
    needed_bytes:
      description: Bytes still to download.
      type: int
    lacking:
      description: What the device lacks, one sentence each; empty when the pre-flight passed.
      type: list
      elements: str
steps:
  description: What was done, in order (one entry per downloaded file).
  returned: always
  type: list
  elements: str
durations:
  description: Seconds per step (plan, preflight, download).
  returned: always
  type: dict
paths:
  description: Final paths grouped by chunk part.
  returned: always
  type: dict
  sample: {"os": ["/var/lib/updates/os/firmware.bin"]}
"""
from ansible_collections.fleetops.upgrade.plugins.module_utils._hawkbit_python import require_python


def main():
    require_python("fleetops.upgrade.hawkbit_artifact")  # this file parses on Python 2.7; the task logic needs 3.7+
    from ansible_collections.fleetops.upgrade.plugins.module_utils._hawkbit_artifact import ARTIFACT_SPEC, HawkbitArtifact
    from ansible_collections.fleetops.upgrade.plugins.module_utils._module import run_module
    run_module(ARTIFACT_SPEC, HawkbitArtifact, required_libs=())  # standard library only: runs on devices


if __name__ == "__main__":
    main()
