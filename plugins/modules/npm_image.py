#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fleetops.upgrade contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

__metaclass__ = type

DOCUMENTATION = r"""
module: npm_image
short_description: Upload, fetch or delete update images on a Riverbed AppResponse appliance
version_added: 0.1.0
description:
  - Puts an update image on an AppResponse appliance (C(npm.system_update) 2.0), by uploading a local file (O(src))
    or by having the appliance download it (O(fetch_url)), and waits until the appliance has validated it.
  - Deletes images (O(state=absent)) selected by O(id), O(version) or O(checksum).
  - Uploads are streamed from the file with a C(Content-Length) and C(Expect 100-continue); the image is never read
    into memory, so multi-GiB images need no more memory than small ones.
  - Already there (O(src)) means a VALID image whose SHA-256 is the SHA-256 of O(src) (the module hashes the file
    while reading it, before any upload). Already there (O(fetch_url)) means a VALID image of O(version)
    (and of O(checksum) when given). Then nothing is sent and the result is not changed.
  - When the appliance already runs O(version) (C(sw_version); a bare release matches any build), no image is needed
    and nothing is sent; the result is not changed and says C(already running).
  - An image that may be the same one and is still V(UPLOADING) or V(VALIDATING) (left by an earlier run with
    O(wait=false) or one that timed out) is waited for instead of being sent again. Same one means the same SHA-256
    (O(src)) or O(version)/O(checksum) (O(fetch_url)); an image whose version and checksum are not known yet (an
    appliance fetch still downloading) is waited for too, and the module then decides with what it turned out to be.
author:
  - fleetops.upgrade contributors (@fleetops)
extends_documentation_fragment:
  - fleetops.upgrade.connection
  - fleetops.upgrade.connection.attributes
  - fleetops.upgrade.npm_auth
options:
  state:
    description:
      - V(present) makes sure the image is on the appliance and VALID; V(absent) deletes the selected images.
    type: str
    choices: [present, absent]
    default: present
  src:
    description:
      - Path of the image on the machine that runs the task (the controller for a local connection).
      - With O(state=present), one of O(src) and O(fetch_url) is required.
    type: path
  fetch_url:
    description:
      - URL the appliance downloads the image from (C(images/fetch)). Needs O(version) or O(checksum), which identify
        the image once it is on the appliance.
    type: str
  version:
    description:
      - "Version of the image, for example V(11.6.0 #23947) or just the release V(11.6.0) (then any build matches)."
      - With O(state=present) the image must turn out to be this version, else the task fails (the image stays).
      - With O(state=absent), deletes the images of this version.
    type: str
  checksum:
    description:
      - SHA-256 of the image (hex).
      - With O(src), the file must have this checksum, else the task fails before anything is sent.
      - With O(state=absent), deletes the image with this checksum.
    type: str
  id:
    description:
      - Id of the image to delete (O(state=absent)).
    type: int
  wait:
    description:
      - Wait until the appliance has validated the new image (or fetched and validated it).
      - With V(false) the module returns right after the upload or the fetch request.
    type: bool
    default: true
  wait_timeout:
    description:
      - Seconds to wait for the validation (and the download, with O(fetch_url)).
    type: int
    default: 900
attributes:
  check_mode:
    support: full
    details:
      - Hashes O(src), sends GET requests only (plus the C(mgmt.aaa) token request when it logs in, which proves
        O(username) and O(password)) and says what it would upload, fetch, wait for or delete.
  diff_mode:
    support: full
    details: Shows the list of images (id, version, state, checksum) before and after.
  action_group:
    description: Use C(group/fleetops.upgrade.npm) in C(module_defaults) to set connection and auth options once.
    support: full
    membership:
      - fleetops.upgrade.npm
notes:
  - An image the appliance marks V(INVALID) fails the task with the appliance's C(state_description) and the image id;
    the image stays on the appliance for inspection and RV(device_state) says so.
  - An upload whose connection breaks, or an image of this task that ends V(UPLOAD_ERROR), fails the task with the
    bytes sent; the module deletes the V(UPLOAD_ERROR) image it created and RV(device_state) says so, or names the
    image id left on the appliance when it cannot be deleted. Images added since the task began count as its own,
    so do not run two uploads to the same appliance at once.
  - After a mutating request every failure carries RV(device_state) (also when a given O(token) expires while the task
    waits).
"""

EXAMPLES = r"""
- name: Upload the 11.6.0 image
  fleetops.upgrade.npm_image:
    url: "https://{{ ansible_host }}"
    username: admin
    password: "{{ vault_appresponse_password }}"
    src: /srv/images/appresponse/upgrade-11.6.0-23947.img
    version: "11.6.0"

- name: Let the appliance fetch the image from a local mirror
  fleetops.upgrade.npm_image:
    url: "https://{{ ansible_host }}"
    username: admin
    password: "{{ vault_appresponse_password }}"
    fetch_url: http://mirror.example.com/appresponse/upgrade-11.6.0-23947.img
    version: "11.6.0 #23947"
    wait_timeout: 3600

- name: Delete the image after the update
  fleetops.upgrade.npm_image:
    url: "https://{{ ansible_host }}"
    username: admin
    password: "{{ vault_appresponse_password }}"
    state: absent
    version: "11.6.0"
"""

RETURN = r"""
image:
  description: The image as the appliance describes it at the end (null when nothing matched or in check mode).
  returned: success
  type: dict
  sample: {id: 4, state: VALID, state_description: Image is valid, progress: 100, version: "11.6.0 #23947",
           checksum: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08}
image_id:
  description:
    - Id of the image the task added, or of the image it failed on (also on failure, when the image stays on the
      appliance).
  returned: when an image was uploaded or fetched, or is left on the appliance after a failure
  type: int
  sample: 4
waiting_for:
  description: Id of the image of an earlier run that is still in progress and would be waited for (check mode) or
    was not waited for (O(wait=false)).
  returned: when such an image was found and not waited for
  type: int
  sample: 4
sha256:
  description: SHA-256 of O(src).
  returned: when O(src) is given and the file was hashed
  type: str
deleted:
  description: Ids of the deleted images (in check mode, those that would be deleted).
  returned: when O(state=absent)
  type: list
  elements: int
bytes_sent:
  description: Bytes of image sent to the appliance.
  returned: always
  type: int
  sample: 4294967296
throughput_mib_s:
  description: Upload throughput in MiB/s.
  returned: when an image was uploaded
  type: float
  sample: 412.5
sw_version:
  description:
    - C(sw_version) the appliance runs. An image changes no version, so M(fleetops.upgrade.npm_image) returns no
      C(component), C(previous_version) or C(version) for the fleet report; M(fleetops.upgrade.npm_update) does.
  returned: always (null when it could not be read)
  type: str
  sample: "11.2.0 #13859"
device_state:
  description:
    - "What the appliance was left with, on success and on failure, for example C(image 4 11.6.0 #23947 VALID on the
      appliance), C(image 4 INVALID, kept on the appliance for inspection ...), C(no new image on the appliance ...) after a
      deleted V(UPLOAD_ERROR) image, or C(unchanged, runs 11.2.0 #13859)."
    - On failure the message ends with it too.
  returned: always
  type: str
  sample: "image 4 11.6.0 #23947 VALID on the appliance"
steps:
  description: What the task did, in order (V(uploaded), V(fetch requested), V(validated)).
  returned: always
  type: list
  elements: str
  sample: [uploaded, validated]
step:
  description: The step the task failed in (V(read), V(hash), V(upload), V(fetch_request), V(validate), V(delete);
    V(prepare) before and between them).
  returned: failure
  type: str
  sample: validate
durations:
  description: Seconds per step (read, hash, upload, fetch_request, validate, delete).
  returned: always
  type: dict
  sample: {read: 0.1, hash: 9.8, upload: 10.2, validate: 30.4}
reached:
  description:
    - V(false) when the task failed because no connection to the API could be made at all (connection refused, the
      host name does not resolve, no connection within O(timeout), the proxy refused). The fleet report counts such a
      device C(unreachable).
  returned: on such a failure
  type: bool
  sample: false
"""

from ansible_collections.fleetops.upgrade.plugins.module_utils._module import run_module
from ansible_collections.fleetops.upgrade.plugins.module_utils._npm_image import IMAGE_SPEC, NpmImage


def main():
    run_module(IMAGE_SPEC, NpmImage)


if __name__ == "__main__":
    main()
