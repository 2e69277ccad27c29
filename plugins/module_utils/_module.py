# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fleetops.upgrade contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one place where task results and typed errors become a module's exit."""

from __future__ import annotations

__metaclass__ = type

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ._errors import FleetopsError
from ._http import REQUESTS_IMPORT_ERROR


def run_module(spec, task, required_libs=()):
    """Build the AnsibleModule from ``spec`` (argument_spec and friends), run ``task`` and exit.

    ``task(params, check_mode, diff)`` returns the result or raises FleetopsError.
    ``required_libs``: (name, import error or None) pairs beyond requests.
    """
    module = AnsibleModule(supports_check_mode=True, **spec)
    for name, error in (("requests", REQUESTS_IMPORT_ERROR),) + tuple(required_libs):
        if error:
            module.fail_json(msg=missing_required_lib(name))
    try:
        result = task(module.params, check_mode=module.check_mode, diff=module._diff)
    except FleetopsError as exc:
        module.fail_json(**exc.to_result())
    module.exit_json(**result)
