# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Test-only connection: executes on this machine but is not the ``local`` transport.

The collection's action plugins treat it like any remote host and run the real module through
AnsiballZ, which is what a jump host over SSH would do. Tests and the benchmark use it to run the
same tasks through both paths on one machine.
"""

from __future__ import annotations

__metaclass__ = type

DOCUMENTATION = r"""
name: local_as_remote
short_description: Run on the controller as if it were a remote host (tests only)
description:
  - The local connection under another transport name, so that action plugins take their remote path.
author: fleetops.upgrade contributors
"""

from ansible.plugins.connection.local import Connection as LocalConnection


class Connection(LocalConnection):
    transport = "local_as_remote"
