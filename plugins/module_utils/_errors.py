# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fleetops.upgrade contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Typed errors shared by every layer.

Every message is written to be shown to a person as it is: no secrets, no tracebacks.
``details`` become extra keys of the failed task result (for example the state a device
was left in after a mutating request).
"""

from __future__ import annotations

__metaclass__ = type

SHORT_BODY_LIMIT = 300


class FleetopsError(Exception):
    """Base class; ``msg`` is safe to show, ``details`` go into the task result (``_task.execute`` makes it)."""

    def __init__(self, msg, **details):
        super().__init__(msg)
        self.msg = msg
        self.details = details


class DeviceApiError(FleetopsError):
    """A device answered something the API client did not expect."""

    def __init__(self, msg, method=None, url=None, status=None, body=None, **details):
        body = short_body(body)
        parts = [msg]
        if method and url:
            parts.append("(%s %s" % (method, url) + (" -> HTTP %s)" % status if status is not None else ")"))
        if body:
            parts.append("device said: %s" % body)
        super().__init__(" ".join(parts), **details)
        self.method = method
        self.url = url
        self.status = status
        self.body = body


class DeviceUnreachable(DeviceApiError):
    """No HTTP answer at all: refused, reset, timed out, closed without a response."""


class TlsError(DeviceApiError):
    """TLS failed (untrusted certificate, not TLS on that port): retrying cannot help, so nothing retries it."""


class AuthenticationError(DeviceApiError):
    """Credentials or token refused."""


class WaitTimeout(FleetopsError):
    """A wait ran out of time; ``details`` carry the last state seen."""


class TaskError(FleetopsError):
    """The task refuses or a step failed; the message says which step and what the device keeps."""


def short_body(body):
    if body is None:
        return None
    if isinstance(body, bytes):
        body = body.decode("utf-8", errors="replace")
    body = " ".join(body.split())
    if len(body) > SHORT_BODY_LIMIT:
        body = body[:SHORT_BODY_LIMIT] + "..."
    return body
