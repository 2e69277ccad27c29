# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fleetops.upgrade contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Entry point of every module: validate, run the task through the shared boundary, exit."""

from __future__ import annotations

__metaclass__ = type

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ._connection import params_url_secrets
from ._http import REQUESTS_IMPORT_ERROR
from ._task import execute


def run_module(spec, task, required_libs=(("requests", REQUESTS_IMPORT_ERROR),)):
    """Build the AnsibleModule from ``spec`` (argument_spec and friends), run ``task`` and exit.

    ``task`` is a TaskRun subclass; ``execute()`` turns every failure into a result.
    ``required_libs``: (name, import error or None) pairs the task needs on the host that runs it.
    """
    module = AnsibleModule(supports_check_mode=True, **spec)
    module.no_log_values.update(params_url_secrets(module.params))
    for name, error in required_libs:
        if error:
            module.fail_json(msg=missing_required_lib(name))
    result = execute(task, module.params, check_mode=module.check_mode, diff=module._diff,
                     module=module._name)
    if result.get("failed"):
        module.fail_json(**result)
    module.exit_json(**result)
