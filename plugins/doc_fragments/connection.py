# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fleetops.upgrade contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

__metaclass__ = type


class ModuleDocFragment:
    DOCUMENTATION = r"""
options:
  url:
    description:
      - Base URL of the device API, for example V(http://192.168.7.1) or V(https://c1.example.com:8443).
      - May carry a path prefix; requests go to O(url) followed by the API path.
      - User info and a query string in O(url) are treated as secrets and hidden in the task result and log.
      - "Proxies: requests go through the proxy named by the environment variables E(HTTPS_PROXY) (for V(https://)
        URLs), E(HTTP_PROXY) (for V(http://) URLs) or E(ALL_PROXY), except to hosts listed in E(NO_PROXY); lower case names
        (E(https_proxy), ...) win over upper case ones. Set them with the task or play keyword C(environment); that works
        both when the task runs inside the controller's worker (the collection hands the task environment to the
        connection itself) and when the module runs on a remote host. Uploads support V(http://) proxies only
        (C(CONNECT) for V(https://) devices). C(.netrc) and E(REQUESTS_CA_BUNDLE) are not read."
    type: str
    required: true
  validate_certs:
    description:
      - Verify the device's TLS certificate. Set to V(false) only for devices with self-issued certificates
        you cannot give a CA for (see O(ca_path)).
    type: bool
    default: true
  ca_path:
    description:
      - CA bundle file (or directory of hashed certificates) to verify the device certificate with.
      - Must exist and be readable on the host that runs the task; otherwise the task fails before any request.
    type: path
  client_cert:
    description:
      - Client certificate (PEM) for mutual TLS. Must be a readable file; checked before any request.
    type: path
  client_key:
    description:
      - Private key (PEM) of O(client_cert), if not in the same file. Must be a readable file; needs O(client_cert).
    type: path
  timeout:
    description:
      - Seconds to wait for each HTTP request (connect and read). Long operations use their own C(wait_timeout) option where they have one.
      - Must be more than V(0); so must C(wait_timeout) and poll intervals. The task fails before any request otherwise.
      - Answers are read into memory up to 4 MiB; a larger answer fails the task without being read further.
      - Failed idempotent requests and answers 429, 502, 503 and 504 are retried with a randomised (jittered)
        exponential backoff, so a fleet does not retry in lock-step; C(Retry-After) is honoured up to 60 seconds.
        TLS failures are not retried.
    type: int
    default: 30
"""

    ATTRIBUTES = r"""
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying the device.
    support: full
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: full
  platform:
    description: Target OS/families that can be operated against.
    support: N/A
    platforms: posix
  action:
    description: >-
      Has an action plugin: on the controller (local connection, C(delegate_to: localhost)) the task runs inside the
      Ansible worker without starting a module process; elsewhere the module runs on the target.
    support: full
"""
