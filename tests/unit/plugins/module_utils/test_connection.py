"""Connection settings: one object built from params or plugin options, validated; proxies; URL secrets."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ansible_collections.fleetops.upgrade.plugins.module_utils._common_args import http_client_from
from ansible_collections.fleetops.upgrade.plugins.module_utils._connection import (
    ConnectionSettings, input_problems, params_url_secrets, proxies_from_environment, url_secrets)
from ansible_collections.fleetops.upgrade.plugins.module_utils._errors import FleetopsError
from ansible_collections.fleetops.upgrade.plugins.module_utils._http import HttpClient

PARAMS = dict(url="https://dev.example:8443/prefix/", validate_certs=True, ca_path=None, client_cert=None,
              client_key=None, timeout=12)


def test_settings_from_params_and_from_an_option_adapter_agree():
    from_params = ConnectionSettings.from_params(PARAMS, proxy_env={})
    from_options = ConnectionSettings.from_options(PARAMS.get, proxy_env={})
    for settings in (from_params, from_options):
        assert settings.url == "https://dev.example:8443/prefix"
        assert (settings.timeout, settings.connect_timeout, settings.retries) == (12, 10, 3)


def test_http_client_from_params_is_built_from_settings():
    http = http_client_from(dict(PARAMS, timeout=5), retries=0, backoff=0.5)
    assert isinstance(http.settings, ConnectionSettings)
    assert (http.base_url, http.timeout, http.connect_timeout, http.retries, http.backoff) == (
        "https://dev.example:8443/prefix", 5, 5, 0, 0.5)


def test_settings_refuse_what_cannot_work(tmp_path):
    with pytest.raises(FleetopsError) as caught:
        ConnectionSettings.from_params(dict(PARAMS, timeout=-5, ca_path=str(tmp_path / "nope.pem")))
    assert caught.value.msg == ("timeout must be more than 0, got -5; ca_path %s does not exist; nothing was sent to the "
                                "device" % (tmp_path / "nope.pem"))


def test_a_ca_directory_is_accepted(tmp_path):
    assert ConnectionSettings.from_params(dict(PARAMS, ca_path=str(tmp_path))).ca_path == str(tmp_path)


def test_input_problems_ignore_options_that_are_not_times_or_files():
    assert input_problems({"batch_size": 0, "code": -1, "wait": False, "resume_attempts": 0, "name": "x"}) == []
    assert input_problems({"hawkbit_timeout": 0, "poll_interval": -0.5, "backoff": -1}) == [
        "backoff must be 0 or more, got -1", "hawkbit_timeout must be more than 0, got 0",
        "poll_interval must be more than 0, got -0.5"]


@pytest.mark.parametrize("url, secrets", [
    ("https://dev.example/x", set()),
    ("http://user:p%40ss@mirror/x.img?sig=abc&exp=1", {"user:p%40ss", "p@ss", "sig=abc&exp=1"}),
    ("http://token@mirror/x.img", {"token"}),
    ("http://[::1/x", {"http://[::1/x"}),
    (None, set()),
])
def test_url_secrets(url, secrets):
    assert url_secrets(url) == secrets


def test_params_url_secrets_cover_url_and_fetch_url():
    assert params_url_secrets({"url": "https://a:b@dev/", "fetch_url": "http://m/i.img?X-Amz-Signature=s1"}) == {
        "a:b", "X-Amz-Signature=s1"}


def test_lower_case_proxy_variables_win_and_empty_ones_unset():
    assert proxies_from_environment({"HTTPS_PROXY": "http://upper:1", "https_proxy": "http://lower:2",
                                     "HTTP_PROXY": "http://p:3", "http_proxy": ""}) == {"https": "http://lower:2"}


@pytest.mark.parametrize("environment, url, expected", [
    ({}, "https://dev.example/x", {}),
    ({"HTTPS_PROXY": "http://proxy:3128"}, "https://dev.example/x", {"https": "http://proxy:3128"}),
    ({"HTTPS_PROXY": "http://proxy:3128"}, "http://dev.example/x", {}),
    ({"ALL_PROXY": "http://proxy:3128"}, "http://dev.example/x", {"http": "http://proxy:3128"}),
    ({"HTTPS_PROXY": "http://proxy:3128", "NO_PROXY": "example,10.0.0.1"}, "https://dev.example:8443/x", {}),
    ({"HTTPS_PROXY": "http://proxy:3128", "no_proxy": "*"}, "https://dev.example/x", {}),
    ({"HTTPS_PROXY": "http://proxy:3128", "NO_PROXY": "other.example"}, "https://u:p@dev.example/x",
     {"https": "http://proxy:3128"}),
])
def test_proxies_for(environment, url, expected):
    assert ConnectionSettings("https://dev.example", proxy_env=environment).proxies_for(url) == expected


class RecordingProxy(BaseHTTPRequestHandler):
    """Answers every request itself and records the request line: a proxy gets absolute URLs."""

    seen = []

    def _answer(self):
        length = int(self.headers.get("Content-Length") or 0)
        if self.headers.get("Expect") == "100-continue":
            self.send_response_only(100)
            self.end_headers()
        body = self.rfile.read(length) if length else b""
        RecordingProxy.seen.append((self.command, self.path, len(body), self.headers.get("Proxy-Authorization")))
        payload = json.dumps({"via": "proxy"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = _answer

    def log_message(self, *args):
        pass


@pytest.fixture()
def proxy():
    RecordingProxy.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), RecordingProxy)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield "http://127.0.0.1:%d" % server.server_address[1]
    server.shutdown()
    server.server_close()


def test_requests_and_uploads_go_through_the_proxy_of_the_environment(proxy, tmp_path):
    image = tmp_path / "image.bin"
    image.write_bytes(b"x" * 4096)
    settings = ConnectionSettings("http://device.invalid:8080/pre", proxy_env={"HTTP_PROXY": proxy.replace("//", "//pu:pp@")},
                                  retries=0)
    http = HttpClient(settings)
    assert http.get_json("/api/x") == {"via": "proxy"}
    response, sent = http.upload("POST", "/api/upload", str(image), expect_continue=True)
    assert response.status == 200 and sent == 4096
    assert [entry[:3] for entry in RecordingProxy.seen] == [
        ("GET", "http://device.invalid:8080/pre/api/x", 0), ("POST", "http://device.invalid:8080/pre/api/upload", 4096)]
    assert all(entry[3] == "Basic cHU6cHA=" for entry in RecordingProxy.seen)


def test_no_proxy_bypasses_the_proxy(proxy):
    settings = ConnectionSettings(proxy, proxy_env={"HTTP_PROXY": "http://127.0.0.1:9", "NO_PROXY": "127.0.0.1"})
    assert HttpClient(settings).get_json("/direct") == {"via": "proxy"}
    assert RecordingProxy.seen[0][1] == "/direct"
