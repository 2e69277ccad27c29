# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fleetops.upgrade contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

__metaclass__ = type


class ModuleDocFragment:
    DOCUMENTATION = r"""
options:
  tenant:
    description:
      - Tenant on the DDI server; the API lives under O(url)/O(tenant)/controller/v1/O(controller_id).
    type: str
    default: DEFAULT
  controller_id:
    description:
      - Controller id of the target (the device) on the server. The role C(fleetops.upgrade.hawkbit_target) uses the inventory
        hostname unless told otherwise.
    type: str
    required: true
  target_token:
    description:
      - Security token of this target (header C(Authorization) with C(TargetToken <token>)); valid only for its own O(controller_id).
      - Exactly one of O(target_token) and O(gateway_token) is required.
    type: str
  gateway_token:
    description:
      - Gateway security token of the tenant (header C(Authorization) with C(GatewayToken <token>)); may act for any controller id of the tenant.
      - Exactly one of O(target_token) and O(gateway_token) is required.
    type: str
  retries:
    description:
      - How often a request answered with 429 (rate limit, quota) or 409 (concurrent modification) is retried, with exponential
        backoff starting at O(backoff) seconds and honouring C(Retry-After). Idempotent requests are also retried on 502/503/504
        and connection errors.
    type: int
    default: 5
  backoff:
    description:
      - First pause in seconds between retries; doubles with every retry.
    type: float
    default: 1.0
  token_over_http:
    description:
      - Allow sending the token to a plain C(http://) link (artifact download, redirect or action link) when O(url) is C(https://).
      - By default such a link is refused before any request, because the token would travel in clear text.
      - A plain C(http://) O(url) is the user's own choice and needs no option.
    type: bool
    default: false
  token_to_other_hosts:
    description:
      - Allow sending the token to links (artifact downloads, redirects, action links) on another host than the one in O(url).
      - By default such a link is refused before any request; set this only when that host is yours (a download mirror).
    type: bool
    default: false
notes:
  - Needs only Python 3.7+ and its standard library on the host that runs the module (no C(requests)); proxies come from
    C(https_proxy), C(http_proxy) and C(no_proxy) in that host's environment.
  - Works with any server that speaks the DDI API, not only Eclipse hawkBit; links are followed as the server gives them.
  - Certificate authentication is done by a reverse proxy in front of the server; use O(client_cert) and O(client_key) for it.
"""
