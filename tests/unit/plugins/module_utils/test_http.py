"""Transport: retries, error messages, JSON handling and streaming uploads with 100-continue."""

import json
import socket
import threading
import time

import pytest

from ansible_collections.fleetops.upgrade.plugins.module_utils import _http
from ansible_collections.fleetops.upgrade.plugins.module_utils._errors import (
    DeviceApiError, DeviceUnreachable, FleetopsError, TlsError)
from ansible_collections.fleetops.upgrade.plugins.module_utils._http import HttpClient, retry_after_seconds
from ansible_collections.fleetops.upgrade.plugins.module_utils._redact import redact_url
from tests.simulators._base import DROP, SimResponse, Simulator, json_response, start


class ScriptedSimulator(Simulator):
    """Answers from a list of scripted responses; records what it was sent."""

    def __init__(self):
        super().__init__()
        self.script = []
        self.expect_answer = None
        self.bodies = []

    def route(self, request):
        body = request.read_body() if request.method in ("POST", "PUT") and self.script[:1] != ["drop-mid-body"] else b""
        step = self.script.pop(0) if self.script else SimResponse(200, {"ok": True})
        if step == "drop-mid-body":
            next(request.iter_body(chunk=1024))
            return DROP
        self.bodies.append(body)
        return step

    def on_expect_continue(self, request):
        return self.expect_answer


@pytest.fixture()
def scripted():
    simulator = ScriptedSimulator()
    server = start(simulator)
    yield simulator, server.url
    server.stop()


def client(url, **kwargs):
    kwargs.setdefault("backoff", 0.01)
    return HttpClient(url, timeout=5, **kwargs)


def test_get_retries_on_503_and_honours_retry_after(scripted):
    simulator, url = scripted
    simulator.script = [SimResponse(503, headers={"Retry-After": "0"}), SimResponse(502), json_response(200, {"a": 1})]
    assert client(url).get_json("/x") == {"a": 1}
    assert [e["status"] for e in simulator.log] == [503, 502, 200]


def test_post_is_not_retried_on_503(scripted):
    simulator, url = scripted
    simulator.script = [SimResponse(503), json_response(200, {})]
    response = client(url).request("POST", "/x", json_body={"a": 1})
    assert response.status == 503
    assert len(simulator.log) == 1


def test_post_is_retried_on_429(scripted):
    simulator, url = scripted
    simulator.script = [SimResponse(429, headers={"Retry-After": "0"}), json_response(201, {"id": 1})]
    assert client(url).request("POST", "/x", json_body={}).status == 201


def test_unexpected_status_names_method_url_and_body(scripted):
    simulator, url = scripted
    simulator.script = [json_response(400, {"error_text": "bad thing"})]
    with pytest.raises(DeviceApiError) as caught:
        client(url).request("GET", "/x?secret=1", expected=(200,))
    assert "GET %s/x -> HTTP 400" % url in caught.value.msg
    assert "bad thing" in caught.value.msg
    assert "secret" not in caught.value.msg


def test_html_error_page_is_named(scripted):
    simulator, url = scripted
    simulator.script = [SimResponse(200, "<html><body>Proxy login</body></html>", {"Content-Type": "text/html"})]
    with pytest.raises(DeviceApiError, match="HTML page instead of JSON"):
        client(url).get_json("/x")


def test_non_json_body_is_named(scripted):
    simulator, url = scripted
    simulator.script = [SimResponse(200, "not json", {"Content-Type": "text/plain"})]
    with pytest.raises(DeviceApiError, match="not JSON"):
        client(url).get_json("/x")


def test_refused_connection_is_unreachable_without_secrets():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    http = client("http://user:pw@127.0.0.1:%d" % port, retries=1, headers={"Authorization": "Bearer TOPSECRET"})
    with pytest.raises(DeviceUnreachable) as caught:
        http.get_json("/x")
    assert "connection refused" in caught.value.msg
    assert "TOPSECRET" not in caught.value.msg and "pw" not in caught.value.msg
    assert caught.value.details["reached"] is False  # the fleet report counts the device unreachable


def test_a_name_that_does_not_resolve_is_not_reached():
    with pytest.raises(DeviceUnreachable) as caught:
        client("http://no-such-host.invalid", retries=0).get_json("/x")
    assert caught.value.details["reached"] is False, caught.value.msg


@pytest.mark.parametrize("url", ["ftp://host", "host:80", "", "http://", "http://host:port"])
def test_invalid_url_is_refused(url):
    with pytest.raises(FleetopsError, match="invalid URL"):
        HttpClient(url)


def test_redact_url_drops_userinfo_and_query():
    assert redact_url("https://u:p@h:8443/a/b?token=x") == "https://h:8443/a/b"


def test_retry_after_parsing():
    assert retry_after_seconds("3", 1) == 3
    assert retry_after_seconds(None, 1.5) == 1.5
    assert retry_after_seconds("9999", 1) == 60
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT", 1) == 0


def _image(tmp_path, size):
    path = tmp_path / "image.bin"
    path.write_bytes(bytes(range(256)) * (size // 256))
    return str(path)


def test_upload_streams_file_after_100_continue(scripted, tmp_path):
    simulator, url = scripted
    path = _image(tmp_path, 256 * 4096)
    response, sent = client(url).upload("POST", "/up", path, expect_continue=True)
    assert response.status == 200 and sent == 256 * 4096
    assert simulator.bodies[0] == open(path, "rb").read()


def test_upload_early_refusal_sends_no_body(scripted, tmp_path):
    simulator, url = scripted
    simulator.expect_answer = SimResponse(401, close=True)
    response, sent = client(url).upload("POST", "/up", _image(tmp_path, 1 << 20), expect_continue=True)
    assert response.status == 401 and sent == 0
    assert simulator.log[0]["body_bytes"] == 0


def test_upload_without_continue_support_sends_after_timeout(tmp_path):
    """A server that never answers the Expect header gets the body after continue_timeout."""
    received = {}
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)

    def serve():
        conn = listener.accept()[0]
        data = b""
        while b"\r\n\r\n" not in data:
            data += conn.recv(4096)
        head, body = data.split(b"\r\n\r\n", 1)
        length = int([line for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")][0].split(b":")[1])
        while len(body) < length:
            body += conn.recv(65536)
        received["body"] = body
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
        conn.close()
    thread = threading.Thread(target=serve)
    thread.start()
    path = _image(tmp_path, 8192)
    response, sent = client("http://127.0.0.1:%d" % listener.getsockname()[1]).upload(
        "POST", "/up", path, expect_continue=True, continue_timeout=0.3)
    thread.join(5)
    listener.close()
    assert response.status == 200 and response.content == b"ok" and sent == 8192
    assert received["body"] == open(path, "rb").read()


def test_upload_dropped_mid_body_says_how_far_it_got(scripted, tmp_path):
    simulator, url = scripted
    simulator.script = ["drop-mid-body"]
    with pytest.raises(DeviceUnreachable, match="upload broke") as caught:
        client(url).upload("POST", "/up", _image(tmp_path, 32 << 20))
    assert caught.value.details["bytes_sent"] < 32 << 20


def test_download_to_streams_into_file(scripted, tmp_path):
    simulator, url = scripted
    simulator.script = [SimResponse(200, b"x" * 100000)]
    target = tmp_path / "out"
    with open(target, "wb") as handle:
        response, written = client(url).download_to("/file", handle)
    assert response.status == 200 and written == 100000 and target.read_bytes() == b"x" * 100000


def test_upload_to_a_closed_port_is_unreachable(tmp_path):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(DeviceUnreachable, match="device unreachable: connection refused") as caught:
        client("http://127.0.0.1:%d" % port).upload("POST", "/up", _image(tmp_path, 1024), expect_continue=True)
    assert caught.value.details["reached"] is False


# ----------------------------------------------------------------- hardening (issue 9)
@pytest.mark.parametrize("body, name", [([1, 2, 3], "a list"), (None, "null"), ("text", "a string"), (7, "a number")])
def test_json_that_is_not_an_object_is_named_with_method_and_endpoint(scripted, body, name):
    simulator, url = scripted
    simulator.script = [SimResponse(200, json.dumps(body), {"Content-Type": "application/json"})]
    with pytest.raises(DeviceApiError) as caught:
        client(url).get_json("/api/x")
    assert caught.value.msg.startswith("the device answered JSON %s where an object was expected (GET %s/api/x -> HTTP 200)"
                                       % (name, url))


def test_list_endpoints_ask_for_a_list(scripted):
    simulator, url = scripted
    simulator.script = [json_response(200, [{"a": 1}]), json_response(200, {"a": 1})]
    assert client(url).get_json("/x", expect=list) == [{"a": 1}]
    with pytest.raises(DeviceApiError, match="answered JSON an object where a list was expected"):
        client(url).get_json("/x", expect=list)


def test_a_body_over_the_cap_with_content_length_is_refused_unread(scripted, monkeypatch):
    monkeypatch.setattr(_http, "MAX_BODY", 1024)
    simulator, url = scripted
    simulator.script = [json_response(200, {"blob": "x" * 5000})]
    with pytest.raises(DeviceApiError) as caught:
        client(url).get_json("/big")
    assert caught.value.msg.startswith("the device answered with a body larger than 1024 bytes (5012 bytes); no API answer "
                                       "is that large, so nothing more was read")
    assert "xxxx" not in caught.value.msg


def endless_server(sent):
    """A server that answers 200 without Content-Length and sends until the client goes away."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)

    def serve():
        conn = listener.accept()[0]
        conn.recv(65536)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n[")
        chunk = b"1," * 32768
        try:
            while sent[0] < 512 * 1024 * 1024:
                conn.sendall(chunk)
                sent[0] += len(chunk)
        except OSError:
            pass
        conn.close()
        listener.close()
    threading.Thread(target=serve, daemon=True).start()
    return "http://127.0.0.1:%d" % listener.getsockname()[1]


def test_a_body_over_the_cap_without_content_length_stops_reading():
    sent = [0]
    url = endless_server(sent)
    with pytest.raises(DeviceApiError, match="larger than 4 MiB .more than that.") as caught:
        client(url, retries=0).get_json("/stream")
    assert "(GET %s/stream -> HTTP 200)" % url in caught.value.msg
    time.sleep(0.2)
    assert sent[0] < 64 * 1024 * 1024, "the client went on reading after the cap"


@pytest.mark.parametrize("value", ["soon", "Mon, 99 Foo 2026 99:99:99 GMT", "-", "nan", "Wed, 21 Oct 2015 07:28:00"])
def test_malformed_retry_after_falls_back_to_backoff(value):
    assert retry_after_seconds(value, 1.5) in (1.5, 0.0)


def test_malformed_retry_after_is_retried_with_backoff(scripted):
    simulator, url = scripted
    simulator.script = [SimResponse(503, headers={"Retry-After": "Mon, 99 Foo"}), json_response(200, {"a": 1})]
    pauses = []
    assert client(url, sleep=pauses.append).get_json("/x") == {"a": 1}
    assert len(pauses) == 1 and 0 <= pauses[0] <= 0.01


def test_backoff_is_full_jitter_and_retry_after_is_a_floor(scripted):
    simulator, url = scripted
    simulator.script = [SimResponse(503), SimResponse(503), SimResponse(429, headers={"Retry-After": "2"}),
                        json_response(200, {})]
    pauses = []
    http = HttpClient(url, timeout=5, backoff=1.0, retries=3, sleep=pauses.append, jitter=lambda: 0.5)
    http.get_json("/x")
    assert pauses == [0.5, 1.0, 2.5]


def test_two_clients_do_not_retry_in_lock_step(scripted):
    simulator, url = scripted
    pauses = []
    for _client in range(2):
        simulator.script = [SimResponse(503), SimResponse(503), json_response(200, {})]
        seen = []
        HttpClient(url, timeout=5, backoff=1.0, retries=3, sleep=seen.append).get_json("/x")
        pauses.append(seen)
    assert pauses[0] != pauses[1]
    assert all(0 <= pause <= 2 for seen in pauses for pause in seen)


def test_timeout_zero_is_refused_before_any_request(scripted):
    simulator, url = scripted
    with pytest.raises(FleetopsError) as caught:
        HttpClient(url, timeout=0)
    assert caught.value.msg == "timeout must be more than 0, got 0; nothing was sent to the device"
    assert simulator.log == []


def test_missing_ca_path_is_refused_before_any_request(scripted, tmp_path):
    simulator, url = scripted
    with pytest.raises(FleetopsError) as caught:
        HttpClient(url, ca_path=str(tmp_path / "ca.pem"))
    assert caught.value.msg == "ca_path %s does not exist; nothing was sent to the device" % (tmp_path / "ca.pem")


def test_a_ca_file_that_vanished_is_a_clear_error(scripted, tmp_path):
    simulator, url = scripted
    ca = tmp_path / "ca.pem"
    ca.write_text("x")
    http = client(url.replace("http://", "https://"), ca_path=str(ca))
    ca.unlink()
    with pytest.raises(FleetopsError) as caught:
        http.get_json("/x")
    assert caught.value.msg.startswith("cannot use the TLS files for GET https://")
    assert "check ca_path, client_cert and client_key" in caught.value.msg


def test_plain_http_spoken_to_an_https_url_is_one_tls_error_not_retried(scripted):
    _simulator, url = scripted
    pauses = []
    with pytest.raises(TlsError) as caught:
        client(url.replace("http://", "https://"), retries=3, sleep=pauses.append).get_json("/x")
    assert caught.value.msg.startswith("TLS failed: handshake error (is the device speaking TLS on that port? try http://)")
    assert pauses == []


@pytest.mark.parametrize("text, reason, reached", [
    ("Failed to resolve 'x' ([Errno -3] Temporary failure in name resolution)", "host name does not resolve", False),
    ("[Errno 111] Connection refused", "connection refused", False),
    ("Connection aborted., RemoteDisconnected('Remote end closed connection without response')",
     "the device closed the connection without a response", None),
])
def test_only_a_connection_never_made_is_not_reached(text, reason, reached):
    import requests  # pylint: disable=import-outside-toplevel
    from ansible_collections.fleetops.upgrade.plugins.module_utils._http import connection_error  # pylint: disable=import-outside-toplevel

    error = connection_error(requests.exceptions.ConnectionError(text), "GET", "http://x/", 5)
    assert error.msg.startswith("device unreachable: %s" % reason)
    assert error.details.get("reached") is reached
