# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fleetops.upgrade contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""HTTP transport shared by every device API client.

One ``requests.Session`` per client for ordinary requests (connect/read timeouts on every
request, retries with jittered backoff for idempotent requests and 429/502/503/504,
``Retry-After`` honoured). Answers read into memory are capped (``MAX_BODY``): an API answer
larger than that is refused without reading the rest. Proxies come from the environment the
connection settings captured (``_connection``); ``.netrc`` and ``REQUESTS_CA_BUNDLE`` are not
read, because a file in a home directory must not change where tokens go.

Uploads go through ``http.client`` instead, because ``requests`` cannot wait for
``100 Continue``: the body is streamed from the file (``sendfile`` on plain HTTP) with a
``Content-Length`` and is never read into memory.

Nothing here formats a secret into a message: errors name the method and the URL without
user info or query string.
"""

from __future__ import annotations

__metaclass__ = type

import datetime
import email.utils
import http.client
import io
import json
import math
import os
import random
import selectors
import socket
import ssl
import time
from base64 import b64encode
from urllib.parse import unquote, urlsplit, urlunsplit

try:
    import requests
    import urllib3
    from requests.adapters import HTTPAdapter
except ImportError:  # reported by the entry points with missing_required_lib()
    requests = None
    HTTPAdapter = object
    REQUESTS_IMPORT_ERROR = "requests"
    URLLIB3_ERRORS = ()
else:
    REQUESTS_IMPORT_ERROR = None
    try:
        from urllib3.exceptions import HTTPError as URLLIB3_ERRORS
    except ImportError:  # requests without a separate urllib3 is not a thing, but never fail on import
        URLLIB3_ERRORS = ()

from ._connection import ConnectionSettings
from ._errors import DeviceApiError, DeviceUnreachable, FleetopsError, TlsError
from ._redact import redact_url

IDEMPOTENT_METHODS = frozenset(("GET", "HEAD", "PUT", "DELETE", "OPTIONS"))
RETRY_STATUSES = frozenset((429, 502, 503, 504))
MAX_RETRY_AFTER = 60.0
MAX_BACKOFF = 30.0
MAX_BODY = 4 * 1024 * 1024
READ_CHUNK = 64 * 1024
JSON_TYPE_NAMES = {dict: "an object", list: "a list", str: "a string", type(None): "null", bool: "a boolean",
                   int: "a number", float: "a number"}
UPLOAD_CHUNK = 1024 * 1024
USER_AGENT = "fleetops.upgrade"


class Response:
    """A fully read HTTP response (downloads use :meth:`HttpClient.download_to`)."""

    __slots__ = ("status", "reason", "headers", "content", "method", "url")

    def __init__(self, status, reason, headers, content, method, url):
        self.status = status
        self.reason = reason
        self.headers = {k.lower(): v for k, v in headers.items()}
        self.content = content or b""
        self.method = method
        self.url = url

    @property
    def text(self):
        return self.content.decode("utf-8", errors="replace")

    def json(self, expect=dict):
        """The body as JSON; a clear error for HTML pages, empty or broken bodies.

        ``expect``: the JSON type the endpoint answers (``dict`` for an object, ``list``), or None
        for any; any other type is an error naming the method and endpoint.
        """
        content_type = self.headers.get("content-type", "")
        stripped = self.content.lstrip()
        if "html" in content_type or stripped[:1] == b"<":
            raise DeviceApiError(
                "the device answered with an HTML page instead of JSON (wrong URL, a proxy or a login page?)",
                self.method, self.url, self.status, self.content)
        if not stripped:
            raise DeviceApiError("the device answered with an empty body where JSON was expected",
                                 self.method, self.url, self.status)
        try:
            data = json.loads(self.content)
        except ValueError:
            raise DeviceApiError("the device answered with a body that is not JSON",
                                 self.method, self.url, self.status, self.content) from None
        if expect is not None and not isinstance(data, expect):
            raise DeviceApiError("the device answered JSON %s where %s was expected"
                                 % (json_type_name(data), JSON_TYPE_NAMES[expect]),
                                 self.method, self.url, self.status, self.content)
        return data

    def error(self, what):
        return DeviceApiError(what, self.method, self.url, self.status, self.content)


def backoff_delay(backoff, attempt, retry_after, jitter=random.random):
    """Full jitter (a random pause up to the exponential backoff) so a fleet does not retry in lock-step;
    a ``Retry-After`` header value is waited at least, plus up to one ``backoff`` of jitter."""
    seconds = retry_after_seconds(retry_after, None)
    if seconds is not None:
        return seconds + jitter() * backoff
    return jitter() * min(MAX_BACKOFF, backoff * (2 ** attempt))


def json_type_name(data):
    return JSON_TYPE_NAMES.get(type(data), type(data).__name__)


def retry_after_seconds(value, default):
    """``Retry-After`` (seconds or an HTTP date) bounded to MAX_RETRY_AFTER; ``default`` if absent or malformed."""
    if not value:
        return default
    try:
        seconds = float(value)
    except ValueError:
        try:
            parsed = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError, OverflowError):
            return default
        if parsed is None:
            return default
        if parsed.tzinfo is None:  # "-0000" dates parse naive; they are UTC
            parsed = parsed.replace(tzinfo=datetime.timezone.utc)
        seconds = parsed.timestamp() - time.time()
    if math.isnan(seconds):
        return default
    return max(0.0, min(seconds, MAX_RETRY_AFTER))


class HttpClient:
    """Transport for one device or server; API clients own one each."""

    def __init__(self, settings, headers=None, sleep=time.sleep, jitter=random.random, **connection):
        """``settings``: a ConnectionSettings. A base URL with ``connection`` keyword arguments
        (``timeout``, ``retries``, ...) builds one, for callers and tests that have no settings object."""
        if requests is None:
            raise FleetopsError("the Python library 'requests' is required on the host that runs this task")
        if not isinstance(settings, ConnectionSettings):
            settings = ConnectionSettings(settings, **connection)
        elif connection:
            raise TypeError("HttpClient takes either settings or a URL with connection arguments")
        self.settings = settings
        self.base_url = settings.url
        self.validate_certs = settings.validate_certs
        self.ca_path = settings.ca_path
        self.client_cert = settings.client_cert
        self.client_key = settings.client_key
        self.timeout = settings.timeout
        self.connect_timeout = settings.connect_timeout
        self.retries = settings.retries
        self.backoff = settings.backoff
        self.headers = {"User-Agent": USER_AGENT}
        self.headers.update(headers or {})
        self._sleep = sleep
        self._jitter = jitter
        self._session = None

    # ----------------------------------------------------------------- plumbing
    @property
    def session(self):
        if self._session is None:
            session = requests.Session()
            session.trust_env = False
            session.verify = (self.ca_path or True) if self.validate_certs else False
            if not self.validate_certs:
                urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
            if self.client_cert:
                session.cert = (self.client_cert, self.client_key) if self.client_key else self.client_cert
            adapter = HTTPAdapter(pool_connections=1, pool_maxsize=2, max_retries=0)
            session.mount("http://", adapter)
            session.mount("https://", adapter)
            self._session = session
        return self._session

    def close(self):
        if self._session is not None:
            self._session.close()
            self._session = None

    def url_for(self, path):
        return self.settings.url_for(path)

    def _timeouts(self, timeout):
        read = timeout or self.timeout
        return (min(self.connect_timeout, read), read)

    def _backoff_delay(self, attempt, response=None):
        return backoff_delay(self.backoff, attempt, response.headers.get("retry-after") if response is not None else None,
                             self._jitter)

    # ----------------------------------------------------------------- requests
    def request(self, method, path, params=None, json_body=None, data=None, headers=None,
                expected=None, retry=True, timeout=None):
        """Send one request and read the whole answer.

        ``expected``: statuses that are not an error; anything else raises DeviceApiError.
        ``retry``: False for callers that handle failures themselves (wait loops, auth).
        """
        url = self.url_for(path)
        shown_url = redact_url(url)
        merged = dict(self.headers)
        merged.update(headers or {})
        attempts = 1 + (self.retries if retry else 0)
        for attempt in range(attempts):
            last_attempt = attempt == attempts - 1
            try:
                response = self._send(method, url, shown_url, params=params, json=json_body, data=data,
                                      headers=merged, timeout=self._timeouts(timeout), allow_redirects=False,
                                      proxies=self.settings.proxies_for(url), stream=True)
            except (requests.exceptions.RequestException, URLLIB3_ERRORS) as exc:
                error = connection_error(exc, method, shown_url, timeout or self.timeout)
                if last_attempt or method not in IDEMPOTENT_METHODS or not isinstance(error, DeviceUnreachable):
                    raise error from None
                self._sleep(self._backoff_delay(attempt))
                continue
            retryable = response.status in RETRY_STATUSES and (method in IDEMPOTENT_METHODS or response.status == 429)
            if retryable and not last_attempt:
                self._sleep(self._backoff_delay(attempt, response))
                continue
            break
        if expected is not None and response.status not in expected:
            raise response.error("unexpected answer")
        return response

    def _send(self, method, url, shown_url, **kwargs):
        """One request with its answer read, at most MAX_BODY bytes of it."""
        try:
            raw = self.session.request(method, url, **kwargs)
        except OSError as exc:
            raise tls_files_error(exc, method, shown_url) from None
        with raw:
            declared = raw.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > MAX_BODY:
                raise too_large(method, shown_url, raw.status_code, int(declared))
            body = bytearray()
            for chunk in raw.iter_content(READ_CHUNK):
                body += chunk
                if len(body) > MAX_BODY:
                    raise too_large(method, shown_url, raw.status_code)
            return Response(raw.status_code, raw.reason, raw.headers, bytes(body), method, shown_url)

    def get_json(self, path, expect=dict, **kwargs):
        return self.request("GET", path, expected=(200,), **kwargs).json(expect=expect)

    def download_to(self, path, fileobj, headers=None, chunk_size=UPLOAD_CHUNK, on_chunk=None, timeout=None,
                    statuses=(200, 206)):
        """Stream a GET body into ``fileobj``; returns (Response without content, bytes written).

        Only answers with a status in ``statuses`` are streamed (e.g. ``(206,)`` after asking for a
        range); others are returned with their (short) body read, for the caller to judge.
        """
        url = self.url_for(path)
        shown_url = redact_url(url)
        merged = dict(self.headers)
        merged.update(headers or {})
        written = 0
        try:
            with self.session.get(url, headers=merged, stream=True, timeout=self._timeouts(timeout),
                                  allow_redirects=True, proxies=self.settings.proxies_for(url)) as raw:
                if raw.status_code not in statuses:
                    return Response(raw.status_code, raw.reason, raw.headers, raw.raw.read(4096), "GET", shown_url), 0
                for chunk in iter_body(raw, chunk_size):
                    fileobj.write(chunk)
                    written += len(chunk)
                    if on_chunk is not None:
                        on_chunk(chunk)
                return Response(raw.status_code, raw.reason, raw.headers, b"", "GET", shown_url), written
        except (requests.exceptions.RequestException, URLLIB3_ERRORS) as exc:
            error = connection_error(exc, "GET", shown_url, timeout or self.timeout)
            error.details["bytes_received"] = written
            raise error from None
        except OSError as exc:
            raise tls_files_error(exc, "GET", shown_url) from None

    # ----------------------------------------------------------------- uploads
    def upload(self, method, path, file_path, headers=None, expect_continue=False,
               continue_timeout=3.0, timeout=None):
        """Stream a file as the request body; returns (Response, bytes of the body sent).

        With ``expect_continue`` the headers go first and the body only after ``100 Continue``
        (or after ``continue_timeout`` of silence, as RFC 9110 allows). A final status that comes
        instead of ``100 Continue`` is returned with 0 bytes sent.
        """
        url = self.url_for(path)
        shown_url = redact_url(url)
        size = os.path.getsize(file_path)
        parts = urlsplit(url)
        target = (parts.path or "/") + ("?" + parts.query if parts.query else "")
        merged = dict(self.headers)
        merged.update(headers or {})
        merged["Content-Length"] = str(size)
        if expect_continue:
            merged["Expect"] = "100-continue"
        conn, target = self._http_connection(parts, timeout, target, merged)
        progress = [0]
        try:
            self._connect(conn, method, shown_url)
            try:
                conn.putrequest(method, target, skip_accept_encoding=True)
                for name, value in merged.items():
                    conn.putheader(name, value)
                conn.endheaders()
                if expect_continue:
                    early = self._await_continue(conn, continue_timeout)
                    if early is not None:
                        return Response(early.status, early.reason, dict(early.getheaders()),
                                        read_bounded(early, method, shown_url), method, shown_url), 0
                with open(file_path, "rb") as body:
                    self._send_body(conn.sock, body, size, progress)
            except (OSError, http.client.HTTPException) as exc:
                answer = self._answer_after_broken_send(conn)
                if answer is not None:
                    return Response(answer.status, answer.reason, dict(answer.getheaders()), answer.body,
                                    method, shown_url), progress[0]
                raise upload_broken(progress[0], size, exc, method, shown_url) from None
            try:
                answer = conn.getresponse()
                return Response(answer.status, answer.reason, dict(answer.getheaders()),
                                read_bounded(answer, method, shown_url), method, shown_url), progress[0]
            except (OSError, http.client.HTTPException) as exc:
                raise upload_broken(progress[0], size, exc, method, shown_url) from None
        finally:
            conn.close()

    @staticmethod
    def _connect(conn, method, shown_url):
        try:
            conn.connect()
        except ssl.SSLError as exc:
            raise tls_error(exc, method, shown_url) from None
        except OSError as exc:
            raise DeviceUnreachable("device unreachable: %s" % describe_socket_error(exc), method, shown_url,
                                    reached=False) from None

    def _http_connection(self, parts, timeout, target, headers):
        """(connection, request target); through the proxy the settings name for this URL, if any."""
        host, port = parts.hostname, parts.port
        read_timeout = timeout or self.timeout
        proxy = self.settings.proxies_for(urlunsplit(parts)).get(parts.scheme)
        if not proxy:
            if parts.scheme == "https":
                return http.client.HTTPSConnection(host, port, timeout=read_timeout, context=self._ssl_context()), target
            return http.client.HTTPConnection(host, port, timeout=read_timeout), target
        proxy_parts = urlsplit(proxy if "://" in proxy else "http://" + proxy)
        if proxy_parts.scheme != "http":
            raise FleetopsError("uploads go through http:// proxies only; the proxy for %s is %s"
                                % (parts.scheme, redact_url(proxy)))
        proxy_headers = {}
        if proxy_parts.username:
            credentials = "%s:%s" % (unquote(proxy_parts.username), unquote(proxy_parts.password or ""))
            proxy_headers["Proxy-Authorization"] = "Basic " + b64encode(credentials.encode()).decode()
        proxy_port = proxy_parts.port or 80
        if parts.scheme == "https":
            conn = http.client.HTTPSConnection(proxy_parts.hostname, proxy_port, timeout=read_timeout,
                                               context=self._ssl_context())
            conn.set_tunnel(host, port or 443, headers=proxy_headers)
            return conn, target
        headers.update(proxy_headers)
        return http.client.HTTPConnection(proxy_parts.hostname, proxy_port, timeout=read_timeout), \
            urlunsplit(("http", parts.netloc.rpartition("@")[2], parts.path or "/", parts.query, ""))

    def _ssl_context(self):
        return self.settings.ssl_context()

    @staticmethod
    def _await_continue(conn, continue_timeout):
        """None to go on with the body, or the early final response."""
        sock = conn.sock
        previous = sock.gettimeout()
        sock.settimeout(continue_timeout)
        head = bytearray()
        try:
            while not head.endswith(b"\r\n\r\n"):
                byte = sock.recv(1)
                if not byte:
                    break
                head += byte
        except socket.timeout:
            if not head:
                return None  # server ignores Expect: send the body anyway
            raise
        finally:
            sock.settimeout(previous)
        if head[9:12] == b"100":
            return None
        answer = http.client.HTTPResponse(_ReplaySocket(bytes(head), sock), method="POST")
        answer.begin()
        return answer

    @staticmethod
    def _send_body(sock, body, size, progress):
        """Send ``size`` bytes of ``body``; ``progress[0]`` counts what the kernel took, also on failure."""
        if isinstance(sock, ssl.SSLSocket) or not hasattr(os, "sendfile"):
            buffer = bytearray(UPLOAD_CHUNK)
            view = memoryview(buffer)
            while progress[0] < size:
                count = body.readinto(buffer)
                if not count:
                    raise ConnectionError("the image file ended early")
                sock.sendall(view[:count])
                progress[0] += count
            return
        timeout = sock.gettimeout()
        with selectors.DefaultSelector() as selector:
            selector.register(sock, selectors.EVENT_WRITE)
            while progress[0] < size:
                if not selector.select(timeout):
                    raise socket.timeout("timed out")
                try:
                    count = os.sendfile(sock.fileno(), body.fileno(), progress[0], min(size - progress[0], 8 * UPLOAD_CHUNK))
                except BlockingIOError:
                    continue
                if count == 0:
                    raise ConnectionError("the image file ended early")
                progress[0] += count

    @staticmethod
    def _answer_after_broken_send(conn):
        """A device may answer (e.g. 413, 401) and close while the body is still being sent."""
        try:
            conn.sock.settimeout(1.0)
            answer = conn.getresponse()
            answer.body = answer.read(MAX_BODY)
            return answer
        except Exception:  # pylint: disable=broad-except
            return None


class _ReplaySocket:
    """Lets http.client parse a response whose head was already read from the socket."""

    def __init__(self, head, sock):
        self._head = head
        self._sock = sock

    def makefile(self, mode="rb", buffering=None):  # pylint: disable=unused-argument
        return io.BufferedReader(_ReplayRaw(self._head, self._sock))


class _ReplayRaw(io.RawIOBase):
    def __init__(self, head, sock):
        super().__init__()
        self._head = head
        self._sock = sock

    def readable(self):
        return True

    def readinto(self, buffer):
        if self._head:
            count = min(len(buffer), len(self._head))
            buffer[:count] = self._head[:count]
            self._head = self._head[count:]
            return count
        return self._sock.recv_into(buffer)


def iter_body(raw, chunk_size):
    """The body of a streamed response, each piece as soon as it arrived.

    ``read1`` (urllib3 2) hands over what the socket has, so a connection that breaks mid-body
    loses nothing already received (``iter_content`` drops its partly filled chunk); a short
    body still raises at the end because urllib3 enforces Content-Length.
    """
    read1 = getattr(raw.raw, "read1", None)
    if read1 is None:
        yield from raw.iter_content(chunk_size=chunk_size)
        return
    while True:
        chunk = read1(chunk_size, decode_content=True)
        if not chunk:
            return
        yield chunk


def read_bounded(answer, method, shown_url):
    """The body of an http.client answer, refused beyond MAX_BODY."""
    body = answer.read(MAX_BODY + 1)
    if len(body) > MAX_BODY:
        raise too_large(method, shown_url, answer.status)
    return body


def too_large(method, shown_url, status, declared=None):
    cap = "%d MiB" % (MAX_BODY >> 20) if MAX_BODY >= 1 << 20 and not MAX_BODY % (1 << 20) else "%d bytes" % MAX_BODY
    size = "%d bytes" % declared if declared is not None else "more than that"
    return DeviceApiError("the device answered with a body larger than %s (%s); no API answer is that large, "
                          "so nothing more was read (wrong URL or a misbehaving device?)" % (cap, size),
                          method, shown_url, status)


def tls_files_error(exc, method, shown_url):
    """requests checks the CA bundle and client certificate files itself and raises a bare OSError."""
    if isinstance(exc, requests.exceptions.RequestException) or "TLS" not in str(exc):
        return exc
    return FleetopsError("cannot use the TLS files for %s %s: %s (check ca_path, client_cert and client_key)"
                         % (method, shown_url, str(exc).split(",", maxsplit=1)[0]))


def tls_error(exc, method, shown_url):
    return TlsError("TLS failed: %s (set ca_path to the CA that issued the device certificate, or validate_certs: "
                    "false if it is self-issued and you accept that)" % _ssl_reason(exc), method, shown_url)


def upload_broken(sent, size, exc, method, shown_url):
    return DeviceUnreachable("the upload broke: the device closed the connection without an answer after %d of %d bytes "
                             "were sent (%s)" % (sent, size, describe_socket_error(exc)), method, shown_url, bytes_sent=sent)


def describe_socket_error(exc):
    if isinstance(exc, socket.timeout):
        return "timed out"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, (ConnectionResetError, BrokenPipeError)):
        return "connection reset by the device"
    if isinstance(exc, http.client.RemoteDisconnected):
        return "closed without a response"
    return exc.__class__.__name__


CONNECT_REASONS = ("the proxy refused or failed the connection", "connection refused", "host name does not resolve")


def connection_error(exc, method, shown_url, timeout):
    """Map a requests (or urllib3) exception to DeviceUnreachable (TlsError for TLS) with a short, secret-free reason."""
    if isinstance(exc, requests.exceptions.SSLError) or "SSLError" in str(exc) or isinstance(exc, ssl.SSLError):
        return tls_error(exc, method, shown_url)
    if isinstance(exc, requests.exceptions.ProxyError):
        reason = "the proxy refused or failed the connection"
    elif isinstance(exc, requests.exceptions.ConnectTimeout):
        reason = "no connection within %ss" % timeout
    elif isinstance(exc, requests.exceptions.ReadTimeout) or "Read timed out" in str(exc):
        reason = "no answer within %ss" % timeout
    elif isinstance(exc, (requests.exceptions.InvalidURL, requests.exceptions.MissingSchema,
                          requests.exceptions.InvalidSchema)):
        return FleetopsError("invalid URL %s" % shown_url)
    else:
        text = str(exc)
        if "refused" in text:
            reason = "connection refused"
        elif "RemoteDisconnected" in text or "without response" in text:
            reason = "the device closed the connection without a response"
        elif "reset" in text.lower():
            reason = "connection reset by the device"
        elif any(marker in text for marker in ("Name or service not known", "nodename nor servname", "getaddrinfo",
                                               "Failed to resolve", "name resolution", "No address associated")):
            reason = "host name does not resolve"
        else:
            reason = "connection failed (%s)" % exc.__class__.__name__
    if reason in CONNECT_REASONS or reason.startswith("no connection within"):
        # no connection was made: the device was not reached at all (``reached: false`` in the failed result, which
        # the fleet report counts as unreachable)
        return DeviceUnreachable("device unreachable: %s" % reason, method, shown_url, reached=False)
    return DeviceUnreachable("device unreachable: %s" % reason, method, shown_url)


def _ssl_reason(exc):
    text = str(exc)
    marker = "certificate verify failed"
    if marker in text:
        reason = text[text.index(marker):].split(")", maxsplit=1)[0]
        return reason.split(" (_ssl.c:", maxsplit=1)[0]
    if "WRONG_VERSION_NUMBER" in text or "record layer failure" in text or "UNEXPECTED_EOF" in text:
        return "handshake error (is the device speaking TLS on that port? try http://)"
    return "handshake error"
