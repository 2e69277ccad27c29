#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fleetops.upgrade contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: hawkbit_poll
short_description: Poll a hawkBit (DDI) server as a device and read its open action
version_added: 1.0.0
description:
  - Sends the DDI base poll for one target and returns what the server wants from it - a deployment, a cancel or a
    confirmation, or nothing - with the details of that action (download and update handling, maintenance window,
    chunks, artifacts with hashes and download links).
  - Read-only; the same in check mode. Each poll counts as a poll on the server (it updates the target's last-seen time).
  - Reading the open deployment (C(deploymentBase/{id})) is recorded by a hawkBit server - a C(retrieved) entry in the
    action's history (the first read, and again once another entry came in between). Nothing the device reports changes,
    but the history grows. O(read_action=false) reads only the base poll and the installed action.
  - Links are followed exactly as the server gives them, so any DDI server works, not only Eclipse hawkBit.
options:
  etag:
    description:
      - ETag returned by a previous poll. When nothing changed since, the server answers 304 and the module returns
        RV(not_modified=true) without action details.
    type: str
  action_history:
    description:
      - Ask the server for this many of the action's previous feedback messages (V(0) for none, negative for all).
    type: int
    default: 0
  read_action:
    description:
      - Follow the link of the open action (C(deploymentBase/{id}), C(confirmationBase/{id}) or C(cancelAction/{id})) for its
        details. A hawkBit server records a C(retrieved) entry for a read of C(deploymentBase/{id}).
      - V(false) for a survey that leaves no entry in the action's history - it still tells whether an action is open
        (RV(action) type and id), what is installed (RV(previous_version), RV(installed_action)) and whether config data is
        asked for, but not what the action would install - RV(deployment) and RV(cancel) are null, RV(version) is null
        while an action is open - nor its download/update handling or maintenance window.
    type: bool
    default: true
  wait_for_action:
    description:
      - Keep polling until the server offers an action, pausing between polls for the sleep time the server asks for
        (never faster), at most O(wait_timeout) seconds.
    type: bool
    default: false
  wait_timeout:
    description:
      - Seconds to wait with O(wait_for_action).
    type: int
    default: 600
extends_documentation_fragment:
  - fleetops.upgrade.connection
  - fleetops.upgrade.hawkbit_auth
  - fleetops.upgrade.connection.attributes
attributes:
  check_mode:
    support: full
    details:
      - Sends only reads, as always. In check mode C(changed) is true when an action is open (deployment, cancel or
        confirmation), so that a check run of the role counts the device as having work to do.
  diff_mode:
    support: none
    details: Nothing is changed.
author:
  - fleetops.upgrade contributors (@fleetops)
"""

EXAMPLES = r"""
- name: Ask the server what to do
  fleetops.upgrade.hawkbit_poll:
    url: https://hawkbit.example.com
    controller_id: "{{ inventory_hostname }}"
    target_token: "{{ hawkbit_target_token }}"
  delegate_to: localhost
  register: ddi

- name: Show the open action
  ansible.builtin.debug:
    msg: "{{ ddi.action.type }} {{ ddi.action.id }}, next poll in {{ ddi.sleep }}s"
"""

RETURN = r"""
not_modified:
  description: The server answered 304 to O(etag); no other field is filled then.
  returned: always
  type: bool
etag:
  description: ETag of this poll, for the next one.
  returned: always
  type: str
sleep:
  description: Seconds the server asks the device to wait before the next poll.
  returned: unless not_modified
  type: int
  sample: 300
action:
  description: The action the server offers; null when not_modified.
  returned: always
  type: dict
  contains:
    type:
      description: V(deployment), V(cancel), V(confirmation) or V(none).
      type: str
    id:
      description: Action id (a string), null for V(none).
      type: str
    url:
      description: The link the server gave for the action.
      type: str
config_data_requested:
  description: The server asks for the target's attributes (see M(fleetops.upgrade.hawkbit_config_data)).
  returned: unless not_modified
  type: bool
installed_action:
  description: The last action finished successfully (V(id), V(url)), or null.
  returned: unless not_modified
  type: dict
deployment:
  description: Details of a deployment or confirmation action, else null (also with O(read_action=false)).
  returned: unless not_modified
  type: dict
  contains:
    id:
      description: Action id.
      type: str
    download:
      description: V(skip), V(attempt) or V(forced).
      type: str
    update:
      description: V(skip), V(attempt) or V(forced); V(skip) while a maintenance window is closed or for download-only actions.
      type: str
    maintenance_window:
      description: V(available), V(unavailable), or null when the action has no window.
      type: str
    chunks:
      description: Software modules - V(part), V(name), V(version), V(metadata) (dict) and V(artifacts) (V(filename), V(size),
        V(hashes), V(strongest_hash), V(download_url), V(md5sum_url)).
      type: list
      elements: dict
    action_history:
      description: V(status) and V(messages) when O(action_history) asked for them.
      type: dict
cancel:
  description: For a cancel action, V(stop_id) - the action the server wants stopped (null with O(read_action=false)).
  returned: unless not_modified
  type: dict
waited:
  description: Seconds waited with O(wait_for_action).
  returned: when wait_for_action
  type: float
durations:
  description: Seconds per step (C(poll)).
  returned: always
  type: dict
component:
  description: What the version keys describe - always C(distribution set) (for the fleet report).
  returned: unless not_modified
  type: str
previous_version:
  description:
    - What the server records as installed - the chunks of the last finished action (installedBase) as C(name version, ...),
      or null when nothing was installed through the server yet.
  returned: unless not_modified
  type: str
  sample: "firmware 1.0, app 5.0"
version:
  description:
    - The chunks of the open deployment or confirmation as C(name version, ...); RV(previous_version) when none is open.
    - Null when an action is open but O(read_action=false).
  returned: unless not_modified
  type: str
action_read:
  description: V(false) when O(read_action=false) left the open action unread.
  returned: with read_action false, unless not_modified
  type: bool
"""

from ansible_collections.fleetops.upgrade.plugins.module_utils._hawkbit_python import require_python


def main():
    require_python("fleetops.upgrade.hawkbit_poll")  # this file parses on Python 2.7; the task logic needs 3.7+
    from ansible_collections.fleetops.upgrade.plugins.module_utils._hawkbit_poll import POLL_SPEC, HawkbitPoll
    from ansible_collections.fleetops.upgrade.plugins.module_utils._module import run_module
    run_module(POLL_SPEC, HawkbitPoll, required_libs=())  # standard library only


if __name__ == "__main__":
    main()
