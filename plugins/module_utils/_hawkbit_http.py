# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fleetops.upgrade contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""HTTP transport of the device side of hawkBit: Python's standard library only (``http.client``, ``ssl``).

Devices (gateways, embedded Linux) rarely have ``requests``; ``hawkbit_artifact`` runs there. This
transport offers what ``HawkbitClient`` uses of ``_http.HttpClient`` (``headers``, ``request()``,
``download_to()``, ``close()``) with the same behaviour: timeouts, retries with backoff on connection
errors and 429/502/503/504 honouring a bounded ``Retry-After`` (exponential backoff with jitter without it), TLS verification (``ca_path``, or
off), client certificates, proxies from ``https_proxy``/``http_proxy``/``no_proxy`` (``CONNECT`` tunnel
for https). Redirects of downloads are followed by hand so that every hop passes
``link_guard`` (the client refuses plain-HTTP or foreign hosts for its token). A TLS handshake
failure is a clear error, never retried as a broken transfer. Runs on Python 3.7 and later.
"""

from __future__ import annotations

__metaclass__ = type

import email.utils
import http.client
import json
import os
import random
import socket
import ssl
import time
from base64 import b64encode
from urllib.parse import unquote, urljoin, urlsplit
from urllib.request import getproxies, proxy_bypass

from ._errors import DeviceApiError, DeviceUnreachable, FleetopsError
from ._redact import redact_url

IDEMPOTENT_METHODS = frozenset(("GET", "HEAD", "PUT", "DELETE", "OPTIONS"))
RETRY_STATUSES = frozenset((429, 502, 503, 504))
REDIRECT_STATUSES = frozenset((301, 302, 303, 307, 308))
MAX_REDIRECTS = 5
MAX_RETRY_AFTER = 60.0
MAX_JSON_BODY = 8 * 1024 * 1024
READ_CHUNK = 1024 * 1024
USER_AGENT = "fleetops.upgrade"


class TlsError(DeviceApiError):
    """The TLS handshake failed: a configuration problem, not a broken transfer (never retried)."""


class Response:
    """A fully read answer (downloads stream instead and carry an empty ``content``)."""

    __slots__ = ("status", "reason", "headers", "content", "method", "url")

    def __init__(self, status, reason, headers, content, method, url):
        self.status = status
        self.reason = reason
        self.headers = {k.lower(): v for k, v in headers}
        self.content = content or b""
        self.method = method
        self.url = url

    def json(self):
        content_type = self.headers.get("content-type", "")
        stripped = self.content.lstrip()
        if "html" in content_type or stripped[:1] == b"<":
            raise DeviceApiError("the server answered with an HTML page instead of JSON (wrong URL, a proxy or a login page?)",
                                 self.method, self.url, self.status, self.content)
        if not stripped:
            raise DeviceApiError("the server answered with an empty body where JSON was expected", self.method, self.url, self.status)
        try:
            return json.loads(self.content.decode("utf-8"))
        except ValueError:
            raise DeviceApiError("the server answered with a body that is not JSON", self.method, self.url, self.status,
                                 self.content) from None


def retry_after_seconds(value, default):
    """Seconds to wait for a ``Retry-After`` value (seconds or HTTP date), at most MAX_RETRY_AFTER."""
    if not value:
        return default
    try:
        seconds = float(value)
    except ValueError:
        try:
            parsed = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            parsed = None
        if parsed is None:
            return default
        seconds = parsed.timestamp() - time.time()
    return max(0.0, min(seconds, MAX_RETRY_AFTER))


def describe_socket_error(exc):
    if isinstance(exc, socket.timeout):
        return "timed out"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, (ConnectionResetError, BrokenPipeError)):
        return "connection reset"
    if isinstance(exc, http.client.RemoteDisconnected):
        return "closed without a response"
    if isinstance(exc, http.client.IncompleteRead):
        return "the connection closed before the announced length"
    if isinstance(exc, socket.gaierror):
        return "host name does not resolve"
    return exc.__class__.__name__


def tls_reason(exc):
    if isinstance(exc, ssl.SSLCertVerificationError):
        return "certificate verify failed: %s" % (exc.verify_message or exc.reason)
    return str(getattr(exc, "reason", None) or exc)


class StdlibHttp:
    """Transport for one DDI server; same constructor arguments as ``_http.HttpClient``."""

    def __init__(self, base_url, validate_certs=True, ca_path=None, client_cert=None, client_key=None,
                 timeout=30, retries=3, backoff=1.0, headers=None, sleep=time.sleep):
        parts = urlsplit(base_url or "")
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise FleetopsError("invalid URL %r: expected http://host[:port][/prefix] or https://..." % redact_url(base_url or ""))
        if timeout is None or timeout <= 0:
            raise FleetopsError("timeout must be more than 0 seconds")
        for option, path in (("ca_path", ca_path), ("client_cert", client_cert), ("client_key", client_key)):
            if path and not os.path.exists(path):
                raise FleetopsError("%s %s does not exist on the host that runs this task" % (option, path))
        self.base_url = base_url.rstrip("/")
        self.validate_certs = validate_certs
        self.ca_path = ca_path
        self.client_cert = client_cert
        self.client_key = client_key
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.headers = {"User-Agent": USER_AGENT}
        self.headers.update(headers or {})
        self.link_guard = None
        self._sleep = sleep
        self._context = None
        self._connections = {}

    # ----------------------------------------------------------------- plumbing
    def url_for(self, path):
        if path.startswith(("http://", "https://")):
            return path
        return self.base_url + "/" + path.lstrip("/")

    def close(self):
        for conn in self._connections.values():
            conn.close()
        self._connections = {}

    def ssl_context(self):
        if self._context is None:
            if not self.validate_certs:
                context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
                context.check_hostname = False
                context.verify_mode = ssl.CERT_NONE
            elif self.ca_path and os.path.isdir(self.ca_path):
                context = ssl.create_default_context(capath=self.ca_path)
            else:
                context = ssl.create_default_context(cafile=self.ca_path)
            if self.client_cert:
                try:
                    context.load_cert_chain(self.client_cert, self.client_key)
                except (ssl.SSLError, OSError) as exc:
                    raise FleetopsError("client_cert/client_key could not be loaded: %s" % tls_reason(exc)) from None
            self._context = context
        return self._context

    @staticmethod
    def proxy_for(parts):
        """The proxy URL's parts for a target, from ``https_proxy``/``http_proxy``/``no_proxy`` (also upper case,
        and what the task's ``environment:`` sets), or None."""
        proxy = getproxies().get(parts.scheme)
        if not proxy or proxy_bypass("%s:%s" % (parts.hostname, parts.port) if parts.port else parts.hostname):
            return None
        if "://" not in proxy:
            proxy = "http://" + proxy
        proxy_parts = urlsplit(proxy)
        if proxy_parts.scheme != "http" or not proxy_parts.hostname:
            raise FleetopsError("proxy %s for %s:// is not supported: give an http://host:port proxy" % (redact_url(proxy), parts.scheme))
        return proxy_parts

    def _connection(self, parts):
        key = (parts.scheme, parts.hostname, parts.port)
        conn = self._connections.get(key)
        if conn is None:
            proxy = self.proxy_for(parts)
            auth = {}
            if proxy is not None and proxy.username:
                credentials = "%s:%s" % (unquote(proxy.username), unquote(proxy.password or ""))
                auth = {"Proxy-Authorization": "Basic " + b64encode(credentials.encode("utf-8")).decode("ascii")}
            if parts.scheme == "https":
                host, port = (proxy.hostname, proxy.port or 80) if proxy else (parts.hostname, parts.port)
                conn = http.client.HTTPSConnection(host, port, timeout=self.timeout, context=self.ssl_context())
                if proxy is not None:
                    conn.set_tunnel(parts.hostname, parts.port or 443, headers=auth)
            elif proxy is not None:
                conn = http.client.HTTPConnection(proxy.hostname, proxy.port or 80, timeout=self.timeout)
                conn.absolute_form = True
                conn.proxy_headers = auth
            else:
                conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=self.timeout)
            self._connections[key] = conn
        return conn

    def _drop(self, parts):
        conn = self._connections.pop((parts.scheme, parts.hostname, parts.port), None)
        if conn is not None:
            conn.close()

    def _send(self, method, url, body, headers):
        """One request on a kept-alive connection; returns the response with its body unread.

        Connection errors raise DeviceUnreachable, a failed TLS handshake TlsError.
        """
        parts = urlsplit(url)
        shown = redact_url(url)
        target = (parts.path or "/") + ("?" + parts.query if parts.query else "")
        merged = dict(self.headers)
        merged.update(headers or {})
        for fresh in (False, True):
            conn = self._connection(parts)
            reused = conn.sock is not None
            if not reused:
                self._connect(conn, parts, method, shown)
            try:
                if getattr(conn, "absolute_form", False):  # plain http:// through a proxy
                    conn.request(method, url, body=body, headers=dict(merged, **conn.proxy_headers))
                    return conn.getresponse()
                conn.request(method, target, body=body, headers=merged)
                return conn.getresponse()
            except (OSError, http.client.HTTPException) as exc:
                self._drop(parts)
                if reused and not fresh and isinstance(exc, (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError)):
                    continue  # the server closed an idle kept-alive connection: one fresh try
                raise DeviceUnreachable("server unreachable: %s" % describe_socket_error(exc), method, shown) from None
        raise DeviceUnreachable("server unreachable", method, shown)  # not reached

    def _connect(self, conn, parts, method, shown):
        try:
            conn.connect()
        except ssl.SSLError as exc:
            self._drop(parts)
            raise TlsError("TLS failed: %s (set validate_certs=false or ca_path if the server certificate is self-issued; "
                           "client_cert/client_key if a proxy asks for one)" % tls_reason(exc), method, shown) from None
        except OSError as exc:
            self._drop(parts)
            reason = describe_socket_error(exc)
            if str(exc).startswith("Tunnel connection failed"):
                reason = "the proxy refused the tunnel (%s)" % str(exc).split(":", 1)[-1].strip()
            raise DeviceUnreachable("server unreachable: %s" % reason, method, shown) from None

    def _delay(self, attempt, response=None):
        # jitter: a fleet that hit the same busy server does not come back in lock-step
        default = self.backoff * (2 ** attempt) * (0.5 + random.random() / 2)
        if response is not None:
            return retry_after_seconds(response.getheader("Retry-After"), default)
        return default

    # ----------------------------------------------------------------- requests
    def request(self, method, path, json_body=None, headers=None, expected=None, retry=True):
        """Send one request and read the answer (JSON-sized: bodies over 8 MiB are refused)."""
        url = self.url_for(path)
        shown = redact_url(url)
        body = None
        headers = dict(headers or {})
        if json_body is not None:
            body = json.dumps(json_body).encode("utf-8")
            headers["Content-Type"] = "application/json"
        attempts = 1 + (self.retries if retry else 0)
        for attempt in range(attempts):
            last = attempt == attempts - 1
            try:
                raw = self._send(method, url, body, headers)
                content = raw.read(MAX_JSON_BODY + 1)
            except DeviceUnreachable:
                if last or method not in IDEMPOTENT_METHODS:
                    raise
                self._sleep(self._delay(attempt))
                continue
            except (OSError, http.client.HTTPException) as exc:
                self._drop(urlsplit(url))
                if last or method not in IDEMPOTENT_METHODS:
                    raise DeviceUnreachable("server unreachable: %s" % describe_socket_error(exc), method, shown) from None
                self._sleep(self._delay(attempt))
                continue
            if len(content) > MAX_JSON_BODY:
                self._drop(urlsplit(url))
                raise DeviceApiError("the server answered with more than %d MiB where a short JSON answer was expected"
                                     % (MAX_JSON_BODY // (1024 * 1024)), method, shown, raw.status)
            response = Response(raw.status, raw.reason, raw.getheaders(), content, method, shown)
            retryable = raw.status in RETRY_STATUSES and (method in IDEMPOTENT_METHODS or raw.status == 429)
            if retryable and not last:
                self._sleep(self._delay(attempt, raw))
                continue
            break
        if expected is not None and response.status not in expected:
            raise DeviceApiError("unexpected answer", method, shown, response.status, response.content)
        return response

    def download_to(self, path, fileobj, headers=None, chunk_size=READ_CHUNK, on_chunk=None, statuses=(200, 206)):
        """Stream a GET body into ``fileobj``; returns (Response without content, bytes written).

        Redirects are followed (each hop through ``link_guard``); 429/502/503/504 are waited out
        (``Retry-After``, bounded) up to ``retries`` times before anything is written. Answers with a
        status outside ``statuses`` are returned with their short body for the caller to judge. A
        connection that breaks mid-body raises DeviceUnreachable with ``bytes_received``.
        """
        url = self.url_for(path)
        redirects = 0
        attempt = 0
        while True:
            shown = redact_url(url)
            raw = self._send("GET", url, None, headers)
            if raw.status in REDIRECT_STATUSES and raw.getheader("Location") and redirects < MAX_REDIRECTS:
                raw.read(4096)
                self._drop(urlsplit(url))
                url = urljoin(url, raw.getheader("Location"))
                if self.link_guard is not None:
                    self.link_guard(url)
                redirects += 1
                continue
            if raw.status in RETRY_STATUSES and attempt < self.retries:
                raw.read(4096)
                self._drop(urlsplit(url))
                self._sleep(self._delay(attempt, raw))
                attempt += 1
                continue
            break
        if raw.status not in statuses:
            content = raw.read(4096)
            self._drop(urlsplit(url))
            return Response(raw.status, raw.reason, raw.getheaders(), content, "GET", shown), 0
        written = 0
        buffer = bytearray(chunk_size)
        view = memoryview(buffer)
        try:
            while True:
                count = raw.readinto(buffer)
                if not count:
                    break
                chunk = bytes(view[:count])
                fileobj.write(chunk)
                written += count
                if on_chunk is not None:
                    on_chunk(chunk)
            expected = raw.getheader("Content-Length")
            if expected is not None and expected.isdigit() and written < int(expected):
                raise http.client.IncompleteRead(b"", int(expected) - written)
        except (OSError, http.client.HTTPException) as exc:
            self._drop(urlsplit(url))
            raise DeviceUnreachable("the download broke after %d bytes: %s" % (written, describe_socket_error(exc)),
                                    "GET", shown, bytes_received=written) from None
        return Response(raw.status, raw.reason, raw.getheaders(), b"", "GET", shown), written
