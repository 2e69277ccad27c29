# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fleetops.upgrade contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""HTTP transport of the hawkBit modules: Python's standard library only (``http.client``, ``ssl``).

Devices (gateways, embedded Linux) rarely have ``requests``; the hawkbit_* modules run there. This
transport offers what ``HawkbitClient`` uses of ``_http.HttpClient`` (``headers``, ``request()``,
``download_to()``, ``close()``) and behaves like it, reusing its pieces (``Response``, the body cap,
``Retry-After``, the TLS and connection messages) and the same ``ConnectionSettings``: timeouts,
retries with jittered backoff on connection errors and 429/502/503/504, TLS verification
(``ca_path``, or off), client certificates, proxies from the settings (``https_proxy``/``http_proxy``/
``no_proxy`` and the task's ``environment:``; a ``CONNECT`` tunnel for https). Redirects of downloads
are followed by hand so that every hop passes ``link_guard`` (the client refuses plain-HTTP or foreign
hosts for its token). A TLS failure raises TlsError and is never retried as a broken transfer.
Runs on Python 3.7 and later.
"""

from __future__ import annotations

__metaclass__ = type

import http.client
import json
import random
import socket
import ssl
import time
from base64 import b64encode
from urllib.parse import unquote, urljoin, urlsplit

from ._connection import ConnectionSettings
from ._errors import DeviceUnreachable, FleetopsError
from ._http import (IDEMPOTENT_METHODS, MAX_BODY, RETRY_STATUSES, USER_AGENT, Response, backoff_delay, tls_error,
                    too_large)
from ._redact import redact_url

REDIRECT_STATUSES = frozenset((301, 302, 303, 307, 308))
MAX_REDIRECTS = 5
READ_CHUNK = 1024 * 1024


def connection_reason(exc, timeout, connecting=False):
    """The same words as ``_http.connection_error`` for what http.client and socket raise."""
    if isinstance(exc, socket.timeout):
        return ("no connection within %ss" if connecting else "no answer within %ss") % timeout
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, http.client.RemoteDisconnected) or (isinstance(exc, ConnectionResetError) and not connecting):
        return "the device closed the connection without a response"
    if isinstance(exc, (ConnectionResetError, BrokenPipeError)):
        return "connection reset by the device"
    if isinstance(exc, socket.gaierror):
        return "host name does not resolve"
    if isinstance(exc, OSError) and str(exc).startswith("Tunnel connection failed"):
        return "the proxy refused or failed the connection (%s)" % str(exc).split(":", 1)[-1].strip()
    return "connection failed (%s)" % exc.__class__.__name__


class StdlibHttp:
    """Transport for one DDI server; same constructor as ``_http.HttpClient``."""

    def __init__(self, settings, headers=None, sleep=time.sleep, jitter=random.random, **connection):
        if not isinstance(settings, ConnectionSettings):
            settings = ConnectionSettings(settings, **connection)
        elif connection:
            raise TypeError("StdlibHttp takes either settings or a URL with connection arguments")
        self.settings = settings
        self.base_url = settings.url
        self.timeout = settings.timeout
        self.retries = settings.retries
        self.backoff = settings.backoff
        self.headers = {"User-Agent": USER_AGENT}
        self.headers.update(headers or {})
        self.link_guard = None
        self._sleep = sleep
        self._jitter = jitter
        self._context = None
        self._connections = {}

    # ----------------------------------------------------------------- plumbing
    def url_for(self, path):
        return self.settings.url_for(path)

    def close(self):
        for conn in self._connections.values():
            conn.close()
        self._connections = {}

    def ssl_context(self):
        try:
            return self.settings.ssl_context()
        except (ssl.SSLError, OSError) as exc:
            raise FleetopsError("cannot use the TLS files: %s (check client_cert and client_key)"
                                % (getattr(exc, "reason", None) or exc)) from None

    def proxy_for(self, url):
        """The proxy URL's parts for ``url`` (from the settings), or None."""
        proxy = next(iter(self.settings.proxies_for(url).values()), None)
        if not proxy:
            return None
        parts = urlsplit(proxy if "://" in proxy else "http://" + proxy)
        if parts.scheme != "http" or not parts.hostname:
            raise FleetopsError("proxy %s is not supported here: give an http://host:port proxy" % redact_url(proxy))
        return parts

    def _connection(self, parts):
        key = (parts.scheme, parts.hostname, parts.port)
        conn = self._connections.get(key)
        if conn is None:
            proxy = self.proxy_for(parts.geturl())
            auth = {}
            if proxy is not None and proxy.username:
                credentials = "%s:%s" % (unquote(proxy.username), unquote(proxy.password or ""))
                auth = {"Proxy-Authorization": "Basic " + b64encode(credentials.encode("utf-8")).decode("ascii")}
            connect_timeout = self.settings.connect_timeout
            if parts.scheme == "https":
                host, port = (proxy.hostname, proxy.port or 80) if proxy else (parts.hostname, parts.port)
                conn = http.client.HTTPSConnection(host, port, timeout=connect_timeout, context=self.ssl_context())
                if proxy is not None:
                    conn.set_tunnel(parts.hostname, parts.port or 443, headers=auth)
            elif proxy is not None:
                conn = http.client.HTTPConnection(proxy.hostname, proxy.port or 80, timeout=connect_timeout)
                conn.absolute_form = True
                conn.proxy_headers = auth
            else:
                conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=connect_timeout)
            self._connections[key] = conn
        return conn

    def _drop(self, parts):
        conn = self._connections.pop((parts.scheme, parts.hostname, parts.port), None)
        if conn is not None:
            conn.close()

    def _connect(self, conn, parts, method, shown):
        try:
            conn.connect()
            conn.sock.settimeout(self.timeout)
        except ssl.SSLError as exc:
            self._drop(parts)
            raise tls_error(exc, method, shown) from None
        except OSError as exc:
            self._drop(parts)
            # no connection was made: the server was not reached at all (``reached: false``, counted unreachable)
            raise DeviceUnreachable("device unreachable: %s" % connection_reason(exc, self.timeout, connecting=True),
                                    method, shown, reached=False) from None

    def _send(self, method, url, body, headers):
        """One request on a kept-alive connection; returns the answer with its body unread."""
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
                else:
                    conn.request(method, target, body=body, headers=merged)
                return conn.getresponse()
            except ssl.SSLError as exc:
                self._drop(parts)
                raise DeviceUnreachable("device unreachable: TLS error during the request (%s)" % exc.__class__.__name__,
                                        method, shown) from None
            except (OSError, http.client.HTTPException) as exc:
                self._drop(parts)
                if reused and not fresh and isinstance(exc, (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError)):
                    continue  # the server closed an idle kept-alive connection: one fresh try
                raise DeviceUnreachable("device unreachable: %s" % connection_reason(exc, self.timeout), method, shown) from None
        raise DeviceUnreachable("device unreachable", method, shown)  # not reached

    def _delay(self, attempt, answer=None):
        return backoff_delay(self.backoff, attempt, answer.getheader("Retry-After") if answer is not None else None,
                             self._jitter)

    def _read_bounded(self, raw, method, url, shown):
        declared = raw.getheader("Content-Length") or ""
        if declared.isdigit() and int(declared) > MAX_BODY:
            self._drop(urlsplit(url))
            raise too_large(method, shown, raw.status, int(declared))
        try:
            body = raw.read(MAX_BODY + 1)
        except (OSError, http.client.HTTPException) as exc:
            self._drop(urlsplit(url))
            raise DeviceUnreachable("device unreachable: %s" % connection_reason(exc, self.timeout), method, shown) from None
        if len(body) > MAX_BODY:
            self._drop(urlsplit(url))
            raise too_large(method, shown, raw.status)
        return body

    # ----------------------------------------------------------------- requests
    def request(self, method, path, json_body=None, headers=None, expected=None, retry=True):
        """Send one request and read the answer (bodies over ``_http.MAX_BODY`` are refused)."""
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
                content = self._read_bounded(raw, method, url, shown)
            except DeviceUnreachable:
                if last or method not in IDEMPOTENT_METHODS:
                    raise
                self._sleep(self._delay(attempt))
                continue
            response = Response(raw.status, raw.reason, dict(raw.getheaders()), content, method, shown)
            retryable = raw.status in RETRY_STATUSES and (method in IDEMPOTENT_METHODS or raw.status == 429)
            if retryable and not last:
                self._sleep(self._delay(attempt, raw))
                continue
            break
        if expected is not None and response.status not in expected:
            raise response.error("unexpected answer")
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
            return Response(raw.status, raw.reason, dict(raw.getheaders()), content, "GET", shown), 0
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
            announced = raw.getheader("Content-Length")
            if announced is not None and announced.isdigit() and written < int(announced):
                raise http.client.IncompleteRead(b"", int(announced) - written)
        except (OSError, http.client.HTTPException) as exc:
            self._drop(urlsplit(url))
            reason = "the connection closed before the announced length" if isinstance(exc, http.client.IncompleteRead) \
                else connection_reason(exc, self.timeout)
            raise DeviceUnreachable("the download broke after %d bytes: %s" % (written, reason), "GET", shown,
                                    bytes_received=written) from None
        return Response(raw.status, raw.reason, dict(raw.getheaders()), b"", "GET", shown), written
