#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fleetops.upgrade contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: hawkbit_feedback
short_description: Send the device's feedback on a hawkBit (DDI) deployment or cancel action
version_added: 1.0.0
description:
  - Posts a status to C(deploymentBase/{action}/feedback) or C(cancelAction/{action}/feedback).
  - V(closed) closes the action (V(success) or V(none) - installed; V(failure) - error). V(downloaded) closes a
    download-only action. Other executions add an intermediate status entry and keep the action open.
  - Idempotent for closing feedback - when the server says the action is already closed (HTTP 410), nothing changed
    and the result says so. Intermediate feedback is a report and is sent on every run.
  - Messages in O(details) are kept within the server quotas (512 characters per message, at most O(max_details) messages).
options:
  action_id:
    description: Id of the action (RV(fleetops.upgrade.hawkbit_poll#module:action.id)).
    type: str
    required: true
  kind:
    description: V(deployment) for deploymentBase feedback, V(cancel) to answer a cancel action.
    type: str
    default: deployment
    choices: [deployment, cancel]
  execution:
    description:
      - Execution status. For a cancel, V(closed) with V(success) accepts it, V(rejected) (or V(closed) with V(failure)) refuses it.
    type: str
    required: true
    choices: [closed, proceeding, download, downloaded, canceled, scheduled, rejected, resumed]
  finished:
    description: Result of the execution.
    type: str
    default: none
    choices: [success, failure, none]
  progress:
    description: Progress, for example step 2 of 5.
    type: dict
    suboptions:
      cnt:
        description: Steps done.
        type: int
        required: true
      of:
        description: Steps in total.
        type: int
        required: true
  code:
    description: Optional numeric status code of the device.
    type: int
  details:
    description: Messages for the operator (for example the output of a failed step).
    type: list
    elements: str
    default: []
  max_details:
    description:
      - At most this many messages are sent after splitting O(details) at 512 characters (the server keeps at most 50 per status);
        the last one then says how many were left out.
    type: int
    default: 20
extends_documentation_fragment:
  - fleetops.upgrade.connection
  - fleetops.upgrade.hawkbit_auth
  - fleetops.upgrade.connection.attributes
attributes:
  check_mode:
    support: full
    details: Polls once (GET) to predict whether a closing feedback would still be accepted; sends nothing.
  diff_mode:
    support: none
author:
  - fleetops.upgrade contributors (@fleetops)
"""

EXAMPLES = r"""
- name: Report success
  fleetops.upgrade.hawkbit_feedback:
    url: https://hawkbit.example.com
    controller_id: "{{ inventory_hostname }}"
    target_token: "{{ hawkbit_target_token }}"
    action_id: "{{ ddi.action.id }}"
    execution: closed
    finished: success
    details: ["installed {{ ddi.deployment.chunks | map(attribute='version') | join(', ') }}"]
  delegate_to: localhost

- name: Accept a cancel
  fleetops.upgrade.hawkbit_feedback:
    url: https://hawkbit.example.com
    controller_id: "{{ inventory_hostname }}"
    target_token: "{{ hawkbit_target_token }}"
    action_id: "{{ ddi.action.id }}"
    kind: cancel
    execution: closed
    finished: success
  delegate_to: localhost
"""

RETURN = r"""
action_closed:
  description:
    - The action is closed on the server after this feedback (or already was).
    - After V(downloaded) the module asks the server, because V(downloaded) closes a download-only action (download
      forced, update skipped, no maintenance window); in check mode it is predicted from the deployment.
  returned: always
  type: bool
device_state:
  description: The action as the server now keeps it, for example C(deployment action 12 closed).
  returned: when the feedback was sent
  type: str
steps:
  description: What was done.
  returned: always
  type: list
  elements: str
durations:
  description: Seconds per step.
  returned: always
  type: dict
feedback:
  description: The status object sent (or that would be sent in check mode).
  returned: always
  type: dict
  sample: {"execution": "closed", "result": {"finished": "success"}, "details": ["installed 2.0"]}
component:
  description: C(distribution set), with a closing deployment feedback (for the fleet report).
  returned: with execution closed of a deployment
  type: str
previous_version:
  description: What the server recorded as installed before this feedback (C(name version, ...)), or null.
  returned: with execution closed of a deployment
  type: str
version:
  description: What the server records as installed after this feedback; unchanged after a failure.
  returned: with execution closed of a deployment
  type: str
config_data_requested:
  description:
    - Whether the server asks for config data right after this feedback (its C(configData) link, read by the poll that
      follows the feedback). A hawkBit server asks again after every finished action and after a download-only action
      closed as V(downloaded); answer it in the same run with M(fleetops.upgrade.hawkbit_config_data), so the next run
      has nothing to send.
  returned: with execution closed or downloaded of a deployment, when not in check mode
  type: bool
"""
from ansible_collections.fleetops.upgrade.plugins.module_utils._hawkbit_python import require_python


def main():
    require_python("fleetops.upgrade.hawkbit_feedback")  # this file parses on Python 2.7; the task logic needs 3.7+
    from ansible_collections.fleetops.upgrade.plugins.module_utils._hawkbit_feedback import FEEDBACK_SPEC, HawkbitFeedback
    from ansible_collections.fleetops.upgrade.plugins.module_utils._module import run_module
    run_module(FEEDBACK_SPEC, HawkbitFeedback, required_libs=())  # standard library only


if __name__ == "__main__":
    main()
