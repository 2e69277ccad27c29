# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fleetops.upgrade contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Python floor of the hawkbit_* modules, checked before anything else is imported.

The rest of this collection's module_utils needs Python 3.7+. ansible-core 2.16 still runs modules
on Python 2.7 and 3.6 targets; there a module would die with a SyntaxError deep in an import. This
file (and the module files that call it) parse on Python 2.7, so an old device Python gets one clear
failure saying what it lacks, with every secret option hidden.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import sys

MINIMUM_PYTHON = (3, 7)
SECRET_OPTIONS = ("target_token", "gateway_token")


def require_python(module_name):
    """Return on Python 3.7+; otherwise fail the module with what the host lacks (never returns)."""
    if sys.version_info[:2] >= MINIMUM_PYTHON:
        return
    from ansible.module_utils.basic import AnsibleModule, _load_params
    # accept whatever the task passed (the real spec lives in module_utils this Python cannot import), secrets hidden
    spec = dict((name, dict(type="raw", no_log=name in SECRET_OPTIONS)) for name in _load_params() if not name.startswith("_"))
    module = AnsibleModule(argument_spec=spec, supports_check_mode=True)
    module.fail_json(
        msg="%s needs Python %d.%d or later on the host that runs it; %s is Python %s. Install a newer Python there or "
            "point ansible_python_interpreter at one (nothing was sent to the server)"
            % (module_name, MINIMUM_PYTHON[0], MINIMUM_PYTHON[1], sys.executable, ".".join(str(p) for p in sys.version_info[:3])),
        python=".".join(str(p) for p in sys.version_info[:3]), python_executable=sys.executable,
        invocation={"module_args": {}})
