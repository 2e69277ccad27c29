# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fleetops.upgrade contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Argument spec pieces shared by every API family (doc fragment: fleetops.upgrade.connection)."""

from __future__ import annotations

__metaclass__ = type

from ._connection import CONNECTION_ARGS, ConnectionSettings  # noqa: F401 (CONNECTION_ARGS: API of this module)
from ._http import HttpClient

WAIT_ARGS = dict(
    wait=dict(type="bool", default=True),
    wait_timeout=dict(type="int", default=900),
)


def http_client_from(params, headers=None, sleep=None, **connection):
    """An HttpClient for module ``params``; ``connection`` overrides settings (``retries``, ``backoff``, ...)."""
    kwargs = {"headers": headers}
    if sleep is not None:
        kwargs["sleep"] = sleep
    return HttpClient(ConnectionSettings.from_params(params, **connection), **kwargs)
