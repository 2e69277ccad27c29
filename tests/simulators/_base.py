"""Shared harness for the device API simulators.

A family simulator subclasses :class:`Simulator` and implements ``route(request)`` plus the
device hooks (``create_device``, ``device_state``, ``update_device``). The harness gives it:

* a threaded HTTP/1.1 server on 127.0.0.1 (:func:`start` in-process, :func:`main` as a process),
* a request log (``simulator.log`` / ``GET /_sim/log``) for assertions,
* a control interface under ``/_sim/`` to create devices, change them and inject faults,
* ``Expect: 100-continue`` handled by the family (``on_expect_continue``),
* ``DROP``: close the connection without any response (device rebooting, refused upload).
"""

import argparse
import json
import signal
import socket
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

DROP = object()
BODY_CHUNK = 1024 * 1024


class SimResponse:
    __slots__ = ("status", "body", "headers", "close")

    def __init__(self, status, body=b"", headers=None, close=False):
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
            headers = dict(headers or {})
            headers.setdefault("Content-Type", "application/json")
        elif isinstance(body, str):
            body = body.encode()
        self.status = status
        self.body = body
        self.headers = headers or {}
        self.close = close


def json_response(status, data, **headers):
    return SimResponse(status, data, headers)


class SimRequest:
    def __init__(self, handler):
        self.handler = handler
        self.method = handler.command
        parts = urlsplit(handler.path)
        self.path = parts.path
        self.query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        self.headers = handler.headers
        self.device = None  # set by the family's router, for the log
        self.body_bytes = 0
        self._body_read = False

    @property
    def content_length(self):
        value = self.headers.get("Content-Length")
        return int(value) if value is not None and value.isdigit() else None

    def iter_body(self, chunk=BODY_CHUNK):
        """Yield the body in chunks without holding it in memory."""
        remaining = self.content_length or 0
        self._body_read = True
        while remaining > 0:
            data = self.handler.rfile.read(min(chunk, remaining))
            if not data:
                raise ConnectionError("client closed the connection mid-body")
            remaining -= len(data)
            self.body_bytes += len(data)
            yield data

    def read_body(self):
        return b"".join(self.iter_body())

    def json(self):
        body = self.read_body()
        return json.loads(body) if body else None

    def body_consumed(self):
        return self._body_read or not self.content_length


class Simulator:
    """Base class of a family simulator: devices, request log, control interface."""

    family = "base"

    def __init__(self):
        self.lock = threading.RLock()
        self.log = []
        self.devices = {}
        self.started = time.time()

    # ------------------------------------------------------------ family hooks
    def route(self, request):  # pragma: no cover - abstract
        raise NotImplementedError

    def on_expect_continue(self, request):
        """Return None to send ``100 Continue``, or a SimResponse to refuse before the body."""
        return None

    def create_device(self, name, config):  # pragma: no cover - abstract
        raise NotImplementedError

    def device_state(self, name):
        return self.devices[name].state()

    def update_device(self, name, changes):
        self.devices[name].update(changes)

    # ------------------------------------------------------------ request log
    def record(self, request, status, **extra):
        entry = {
            "time": round(time.time() - self.started, 3),
            "device": request.device,
            "method": request.method,
            "path": request.path,
            "status": status,
            "body_bytes": request.body_bytes,
            "authorization": bool(request.headers.get("Authorization")),
        }
        entry.update(extra)
        with self.lock:
            self.log.append(entry)

    def requests_for(self, device=None, methods=None):
        with self.lock:
            return [e for e in self.log
                    if (device is None or e["device"] == device) and (methods is None or e["method"] in methods)]

    def clear_log(self):
        with self.lock:
            self.log.clear()

    # ------------------------------------------------------------ control interface
    def control(self, request):
        parts = [p for p in request.path.split("/") if p][1:]
        if parts == ["log"]:
            if request.method == "DELETE":
                self.clear_log()
                return json_response(200, {})
            return json_response(200, self.requests_for())
        if parts == ["devices"] and request.method == "GET":
            with self.lock:
                return json_response(200, {name: self.device_state(name) for name in self.devices})
        if len(parts) == 2 and parts[0] == "devices":
            name = parts[1]
            if request.method == "POST":
                self.create_device(name, request.json() or {})
                return json_response(201, self.device_state(name))
            if name not in self.devices:
                return json_response(404, {"error": "no device %s" % name})
            if request.method == "PATCH":
                self.update_device(name, request.json() or {})
            elif request.method == "DELETE":
                with self.lock:
                    del self.devices[name]
                return json_response(200, {})
            return json_response(200, self.device_state(name))
        return json_response(404, {"error": "unknown control path"})

    def load_fleet(self, fleet):
        for name, config in fleet.items():
            self.create_device(name, config or {})


class SimHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fleetops-sim"

    def log_message(self, format, *args):  # noqa: A002 - silence the default stderr log
        pass

    def handle_expect_100(self):
        request = SimRequest(self)
        self._pending = request
        early = self.server.simulator.on_expect_continue(request)
        if early is None:
            return super().handle_expect_100()
        self._send(request, early)
        return False

    def _dispatch(self):
        request = getattr(self, "_pending", None) or SimRequest(self)
        self._pending = None
        simulator = self.server.simulator
        try:
            if request.path.startswith("/_sim/"):
                response = simulator.control(request)
            else:
                response = simulator.route(request)
        except ConnectionError:
            response = DROP
        except Exception as exc:  # a simulator bug must show up as a 500, not a hang
            response = json_response(500, {"error": "simulator error: %r" % exc})
        self._send(request, response)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _dispatch

    def _send(self, request, response):
        simulator = self.server.simulator
        if not request.path.startswith("/_sim/"):
            simulator.record(request, None if response is DROP else response.status)
        if response is DROP:
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        self.send_response(response.status)
        for name, value in response.headers.items():
            for one in value if isinstance(value, (list, tuple)) else (value,):  # a list: repeated header (Set-Cookie)
                self.send_header(name, one)
        self.send_header("Content-Length", str(len(response.body)))
        if response.close or not request.body_consumed():
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if self.command != "HEAD" and response.body:
            self.wfile.write(response.body)


class SimServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256
    allow_reuse_address = True

    def __init__(self, simulator, host="127.0.0.1", port=0, handler=SimHandler):
        self.simulator = simulator
        self.scheme = "http"
        super().__init__((host, port), handler)
        self._thread = None

    @property
    def url(self):
        host, port = self.server_address[:2]
        return "%s://%s:%d" % (self.scheme, host, port)

    def start(self):
        self._thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
        self._thread.start()
        return self

    def stop(self):
        self.shutdown()
        self.server_close()


def start(simulator, host="127.0.0.1", port=0, handler=SimHandler, tls=None):
    """Run a simulator in this process (pytest fixtures); returns the started SimServer.

    ``tls``: (certificate file, key file) to serve HTTPS instead of HTTP.
    """
    server = SimServer(simulator, host, port, handler)
    if tls:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(*tls)
        server.socket = context.wrap_socket(server.socket, server_side=True)
        server.scheme = "https"
    return server.start()


def main(simulator_factory, argv=None, handler=SimHandler):
    """Run a simulator as a process: ``python -m tests.simulators.<family> --port-file F --fleet F``."""
    parser = argparse.ArgumentParser(description="fleetops.upgrade %s simulator" % simulator_factory.family)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--port-file", help="write the bound port here once listening")
    parser.add_argument("--fleet", help="JSON file {device name: device config}")
    args = parser.parse_args(argv)
    simulator = simulator_factory()
    if args.fleet:
        with open(args.fleet) as handle:
            simulator.load_fleet(json.load(handle))
    server = SimServer(simulator, args.host, args.port, handler)
    if args.port_file:
        with open(args.port_file + ".tmp", "w") as handle:
            handle.write(str(server.server_address[1]))
        import os
        os.replace(args.port_file + ".tmp", args.port_file)
    print("%s simulator listening on %s" % (simulator_factory.family, server.url), flush=True)
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    server.server_close()
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit("run a family module, e.g. python -m tests.simulators.encedo")
