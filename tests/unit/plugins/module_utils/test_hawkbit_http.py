"""The device-side (standard library) transport against hostile answers: each gives one clear failure
naming the endpoint, a failed result through the shared boundary, and no mutating request."""

import base64
import http.server
import socket
import socketserver
import threading
import time

import pytest

from ansible_collections.fleetops.upgrade.plugins.module_utils._hawkbit_artifact import ARTIFACT_SPEC, HawkbitArtifact
from ansible_collections.fleetops.upgrade.plugins.module_utils._hawkbit_http import StdlibHttp
from ansible_collections.fleetops.upgrade.plugins.module_utils._http import retry_after_seconds
from ansible_collections.fleetops.upgrade.plugins.module_utils._task import execute
from tests.simulators._base import start
from tests.simulators.hawkbit import HawkbitHandler, HawkbitSimulator
from tests.unit.plugins.module_utils.test_hawkbit_hardening import DATA, options_for, self_issued  # noqa: F401 pylint: disable=unused-import

POLL_PATH = "/DEFAULT/controller/v1/dev1"
HUGE = b"[" + b"1," * (5 * 1024 * 1024) + b"1]"


class Scripted(http.server.BaseHTTPRequestHandler):
    """Answers every request with the next scripted (status, headers, body) or an action."""

    protocol_version = "HTTP/1.1"
    script = []
    seen = []
    proxy_auth = []

    def handle_one(self):
        type(self).seen.append((self.command, self.path))
        type(self).proxy_auth.append(self.headers.get("Proxy-Authorization"))
        step = type(self).script.pop(0) if len(type(self).script) > 1 else type(self).script[0]
        if step == "drop":
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        if step == "slow":
            time.sleep(2.5)
            step = (200, {}, b"{}")
        status, headers, body = step
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = handle_one  # noqa: N815 - http.server's naming

    def log_message(self, *args):
        pass


@pytest.fixture
def scripted():
    Scripted.seen = []
    Scripted.proxy_auth = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Scripted)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield "http://127.0.0.1:%d" % server.server_address[1]
    server.shutdown()
    server.server_close()


JSON = {"Content-Type": "application/json"}
CORPUS = [
    ("html", [(200, {"Content-Type": "text/html"}, b"<html><body>Login</body></html>")], "HTML page instead of JSON"),
    ("not json", [(200, JSON, b"hello")], "a body that is not JSON"),
    ("array", [(200, JSON, b"[1, 2, 3]")], "JSON a list where an object was expected"),
    ("null", [(200, JSON, b"null")], "JSON null where an object was expected"),
    ("string", [(200, JSON, b'"ok"')], "JSON a string where an object was expected"),
    ("empty", [(200, JSON, b"")], "empty body where JSON was expected"),
    ("huge", [(200, JSON, HUGE)], "larger than 4 MiB"),
    ("500", [(500, JSON, b'{"message": "boom"}')], "HTTP 500"),
    ("503 to the end", [(503, {}, b"")], "HTTP 503"),
    ("429 to the end, no Retry-After", [(429, {}, b"")], "HTTP 429"),
    ("dropped", ["drop"], "device unreachable: the device closed the connection without a response"),
    ("slow", ["slow"], "device unreachable: no answer within 1s"),
]


@pytest.mark.parametrize("name, script, expected", CORPUS, ids=[c[0] for c in CORPUS])
def test_hostile_answers_give_one_clear_failure(scripted, tmp_path, name, script, expected):
    Scripted.script = list(script)
    params = options_for(ARTIFACT_SPEC, scripted, action_id="1", dest=str(tmp_path), retries=1, timeout=1)
    result = execute(HawkbitArtifact, params, module="fleetops.upgrade.hawkbit_artifact")
    assert result["failed"] and expected in result["msg"], result["msg"]
    assert "GET %s%s" % (scripted, POLL_PATH) in result["msg"] and "exception" not in result and result["step"] == "plan"
    assert [method for method, _path in Scripted.seen if method != "GET"] == []
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("header, expected", [("7", 7.0), ("-3", 0.0), ("soon", 0.5), ("", 0.5), ("999999", 60.0),
                                              ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0)])
def test_retry_after_values(header, expected):
    assert retry_after_seconds(header, 0.5) == expected


def test_429_without_retry_after_backs_off_and_goes_on(scripted):
    Scripted.script = [(429, {}, b""), (429, {}, b""), (200, JSON, b'{"config": {}, "_links": {}}')]
    pauses = []
    client = StdlibHttp(scripted, retries=3, backoff=0.5, sleep=pauses.append)
    assert client.request("GET", POLL_PATH).json() == {"config": {}, "_links": {}}
    assert len(pauses) == 2 and 0 <= pauses[0] <= 0.5 and 0 <= pauses[1] <= 1.0


def test_posts_are_not_repeated_after_a_5xx(scripted):
    Scripted.script = [(503, {}, b"")]
    client = StdlibHttp(scripted, retries=3, sleep=lambda s: None)
    assert client.request("POST", POLL_PATH + "/x", json_body={}).status == 503
    assert [m for m, _p in Scripted.seen] == ["POST"]


@pytest.mark.parametrize("options, expected", [
    (dict(timeout=0), "timeout must be more than 0, got 0"),
    (dict(retries=-1), "retries must be 0 or more, got -1"),
    (dict(backoff=-1.0), "backoff must be 0 or more, got -1.0"),
    (dict(dest="/etc/hostname"), "/etc/hostname is not a directory"),
    (dict(ca_path="/nonexistent/ca.pem"), "/nonexistent/ca.pem"),
    (dict(client_cert="/nonexistent/c.pem"), "/nonexistent/c.pem"),
])
def test_options_refused_before_any_request(scripted, tmp_path, options, expected):
    Scripted.script = [(200, JSON, b"{}")]
    options.setdefault("dest", str(tmp_path))
    result = execute(HawkbitArtifact, options_for(ARTIFACT_SPEC, scripted, action_id="1", **options))
    assert result["failed"] and expected in result["msg"] and Scripted.seen == []


# ----------------------------------------------------------------- proxies (https_proxy/http_proxy/no_proxy)
def test_plain_http_goes_through_http_proxy_with_its_credentials(scripted, monkeypatch):
    monkeypatch.setenv("http_proxy", scripted.replace("http://", "http://agent:s%40cret@"))
    Scripted.script = [(200, JSON, b'{"config": {}, "_links": {}}')]
    client = StdlibHttp("http://hawkbit.invalid", retries=0)
    assert client.request("GET", POLL_PATH).json() == {"config": {}, "_links": {}}
    assert Scripted.seen == [("GET", "http://hawkbit.invalid" + POLL_PATH)]
    assert Scripted.proxy_auth == ["Basic " + base64.b64encode(b"agent:s@cret").decode()]


def test_no_proxy_goes_direct(scripted, monkeypatch):
    monkeypatch.setenv("http_proxy", scripted)
    monkeypatch.setenv("no_proxy", "hawkbit.invalid")
    client = StdlibHttp("http://hawkbit.invalid", retries=0)
    with pytest.raises(Exception, match="host name does not resolve"):
        client.request("GET", POLL_PATH)
    assert Scripted.seen == []


class ConnectProxy(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    tunnels = []

    class Handler(socketserver.BaseRequestHandler):
        def handle(self):
            head = b""
            while b"\r\n\r\n" not in head:
                head += self.request.recv(1024)
            target = head.split(b" ")[1].decode()
            type(self.server).tunnels.append(target)
            host, port = target.rsplit(":", 1)
            upstream = socket.create_connection((host, int(port)))
            self.request.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
            pipe = threading.Thread(target=self.copy, args=(upstream, self.request), daemon=True)
            pipe.start()
            self.copy(self.request, upstream)
            pipe.join(5)

        @staticmethod
        def copy(source, sink):
            try:
                while True:
                    data = source.recv(65536)
                    if not data:
                        break
                    sink.sendall(data)
            except OSError:
                pass
            finally:
                for sock in (source, sink):
                    try:
                        sock.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass


def test_https_goes_through_a_connect_tunnel(self_issued, tmp_path, monkeypatch):
    simulator = HawkbitSimulator()
    simulator.config.update(dos_reads_per_second=None, dos_writes_per_second=None)
    simulator.create_device("dev1", {"token": "tok1"})
    server = start(simulator, handler=HawkbitHandler, tls=self_issued)
    proxy = ConnectProxy(("127.0.0.1", 0), ConnectProxy.Handler)
    ConnectProxy.tunnels = []
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
    try:
        action = str(simulator.create_deployment("dev1", {"chunks": [{"part": "os", "artifacts": [
            {"filename": "fw.bin", "content": DATA}]}]}).id)
        monkeypatch.setenv("https_proxy", "http://127.0.0.1:%d" % proxy.server_address[1])
        result = execute(HawkbitArtifact, options_for(ARTIFACT_SPEC, server.url, action_id=action, dest=str(tmp_path),
                                                      ca_path=self_issued[0]))
        assert not result.get("failed"), result["msg"]
        assert (tmp_path / "os" / "fw.bin").read_bytes() == DATA
        assert ConnectProxy.tunnels and set(ConnectProxy.tunnels) == {server.url.split("//")[1]}
    finally:
        proxy.shutdown()
        proxy.server_close()
        server.stop()
