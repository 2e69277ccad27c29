# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fleetops.upgrade contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Connection options shared by every API family (doc fragment: fleetops.upgrade.connection)."""

from __future__ import annotations

__metaclass__ = type

from ._http import HttpClient

CONNECTION_ARGS = dict(
    url=dict(type="str", required=True),
    validate_certs=dict(type="bool", default=True),
    ca_path=dict(type="path"),
    client_cert=dict(type="path"),
    client_key=dict(type="path", no_log=False),
    timeout=dict(type="int", default=30),
)

WAIT_ARGS = dict(
    wait=dict(type="bool", default=True),
    wait_timeout=dict(type="int", default=900),
)


def http_client_from(params, **kwargs):
    return HttpClient(params["url"], validate_certs=params["validate_certs"], ca_path=params["ca_path"],
                      client_cert=params["client_cert"], client_key=params["client_key"],
                      timeout=params["timeout"], **kwargs)
