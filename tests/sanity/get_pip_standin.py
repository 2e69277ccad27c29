# -*- coding: utf-8 -*-
# Copyright: fleetops.upgrade contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Offline stand-in for the get-pip.py bootstrap script that ansible-test downloads.

ansible-test bootstraps pip into each virtual environment it creates by running a cached
copy of get-pip.py (``~/.ansible/test/cache/get_pip_<version>.py``) with pip's install
arguments, e.g. ``--disable-pip-version-check pip==24.2 --no-setuptools --no-wheel``.
The host that serves get-pip.py is not reachable here, so tests/run-sanity.sh installs this
file at that path instead: it seeds pip from the interpreter's bundled wheel (ensurepip)
and then lets that pip install the requested packages from the configured package index.
"""

from __future__ import annotations

import os
import subprocess
import sys

CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt'
GET_PIP_ONLY_OPTIONS = ('--no-setuptools', '--no-wheel')


def pip_install_arguments(argv):
    """Return the arguments for ``pip install`` from those given to get-pip.py."""
    arguments = [argument for argument in argv if argument not in GET_PIP_ONLY_OPTIONS]
    if os.path.exists(CA_BUNDLE):
        arguments.extend(['--cert', CA_BUNDLE])
    return arguments


def main():
    """Seed pip with ensurepip, then install what get-pip.py was asked to install."""
    pip = [sys.executable, '-m', 'pip']
    subprocess.check_call([sys.executable, '-m', 'ensurepip', '--default-pip'])
    subprocess.check_call(pip + ['install'] + pip_install_arguments(sys.argv[1:]))
    if '--no-setuptools' in sys.argv and not any(argument.startswith('setuptools') for argument in sys.argv):
        # ensurepip of Python < 3.12 seeds setuptools too; get-pip.py would not have installed it.
        subprocess.check_call(pip + ['uninstall', '--yes', '--quiet', '--disable-pip-version-check', 'setuptools'])


if __name__ == '__main__':
    try:
        main()
    except subprocess.CalledProcessError as error:
        sys.exit(error.returncode)
