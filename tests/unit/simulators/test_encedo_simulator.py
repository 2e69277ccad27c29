"""The Encedo simulator follows the reference page (so module tests prove something)."""

import http.client
import json
import time
from urllib.parse import urlsplit

import pytest

from tests.conftest import unique


@pytest.fixture()
def hem(encedo_sim):
    def make(**config):
        name = unique("sim")
        encedo_sim.create_device(name, dict({"auth_delay": 0.01, "validation_seconds": 0.05}, **config))
        return name
    return make


def call(encedo_sim, name, method, path, body=None, headers=None):
    parts = urlsplit(encedo_sim.url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=5)
    try:
        conn.request(method, "/%s%s" % (name, path), body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.read(), response.getheader("Connection")
    finally:
        conn.close()


def upload(encedo_sim, name, data, kind="fw", filename="firmware.bin"):
    return call(encedo_sim, name, "POST", "/api/system/upgrade/upload_" + kind, data,
                {"Content-Disposition": 'attachment; filename="%s"' % filename, "Content-Type": "application/octet-stream"})


def test_every_response_closes_the_connection(encedo_sim, hem):
    status, body, connection = call(encedo_sim, hem(), "GET", "/api/system/version")
    assert status == 200 and connection == "close" and "fwv" in json.loads(body)


def test_check_state_machine(encedo_sim, hem, images):
    name = hem()
    assert call(encedo_sim, name, "GET", "/api/system/upgrade/check_fw")[0] == 404
    assert call(encedo_sim, name, "GET", "/api/system/upgrade/install_fw")[0] == 406
    src = images("firmware", "1.3.0")[0]
    assert upload(encedo_sim, name, open(src, "rb").read())[0] == 200
    assert call(encedo_sim, name, "GET", "/api/system/upgrade/install_fw")[0] == 409
    assert call(encedo_sim, name, "GET", "/api/system/upgrade/check_fw")[0] == 201
    assert call(encedo_sim, name, "GET", "/api/system/upgrade/check_fw")[0] == 202
    time.sleep(0.06)
    assert call(encedo_sim, name, "GET", "/api/system/upgrade/check_fw")[0] == 200
    assert call(encedo_sim, name, "GET", "/api/system/upgrade/install_fw")[0] == 200
    assert encedo_sim.devices[name].firmware == "1.3.0" and encedo_sim.devices[name].is_down()


def test_invalid_image_fails_the_check(encedo_sim, hem, images):
    name = hem(validation_seconds=0)
    src = images("ui", "2.0.0", corrupt=True)[0]
    upload(encedo_sim, name, open(src, "rb").read(), "ui", "webroot.tar")
    assert call(encedo_sim, name, "GET", "/api/system/upgrade/check_ui")[0] == 201
    assert call(encedo_sim, name, "GET", "/api/system/upgrade/check_ui")[0] == 406


def test_post_without_content_length_gets_411(encedo_sim, hem):
    name = hem()
    parts = urlsplit(encedo_sim.url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=5)
    conn.putrequest("POST", "/%s/api/system/upgrade/upload_fw" % name)
    conn.putheader("Transfer-Encoding", "chunked")
    conn.endheaders()
    assert conn.getresponse().status == 411


@pytest.mark.parametrize("filename, size", [("webroot.tar", 10), ("firmware.bin", 3 * 1024 * 1024 + 1)])
def test_wrong_name_or_oversize_closes_without_answer(encedo_sim, hem, filename, size):
    with pytest.raises((http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError)):
        upload(encedo_sim, hem(), b"x" * size, filename=filename)


def test_epa_has_no_upgrade_endpoints(encedo_sim, hem):
    name = hem(model="EPA")
    assert call(encedo_sim, name, "GET", "/api/system/upgrade/check_fw")[0] == 404
    assert "uis" not in json.loads(call(encedo_sim, name, "GET", "/api/system/version")[1])


def test_personalised_device_requires_a_token(encedo_sim, hem):
    name = hem(passphrase="pw")
    assert call(encedo_sim, name, "GET", "/api/system/upgrade/check_fw")[0] == 401
    assert call(encedo_sim, name, "GET", "/api/system/upgrade/check_fw", headers={"Authorization": "Bearer x.y.z"})[0] == 401
    assert "inited" not in json.loads(call(encedo_sim, name, "GET", "/api/system/status")[1])


def test_auth_slows_down_after_three_failures(encedo_sim, hem):
    name = hem(passphrase="pw", auth_delay=0.05)
    for attempt in range(3):
        assert call(encedo_sim, name, "POST", "/api/auth/token", b'{"auth": "a.b.c"}')[0] == 401
    start = time.monotonic()
    call(encedo_sim, name, "POST", "/api/auth/token", b'{"auth": "a.b.c"}')
    assert time.monotonic() - start >= 0.15


def test_rebooting_device_drops_connections(encedo_sim, hem):
    name = hem(reboot_seconds=0.3)
    encedo_sim.devices[name].reboot()
    with pytest.raises((http.client.RemoteDisconnected, ConnectionResetError)):
        call(encedo_sim, name, "GET", "/api/system/status")
    time.sleep(0.35)
    assert call(encedo_sim, name, "GET", "/api/system/status")[0] == 200


def test_injected_failures_then_recovery(encedo_sim, hem):
    name = hem(fail_requests={"status": 503, "count": 2})
    assert [call(encedo_sim, name, "GET", "/api/system/version")[0] for attempt in range(3)] == [503, 503, 200]


def _token(encedo_sim, name, scope="system:upgrade"):
    with encedo_sim.lock:
        return "Bearer " + encedo_sim.devices[name].issue_token(scope)


@pytest.mark.parametrize("path", ["/api/system/status", "/api/system/version", "/api/auth/token",
                                  "/api/system/upgrade/check_fw"])
def test_a_token_of_the_previous_boot_is_refused_on_every_path(encedo_sim, hem, path):
    name = hem(passphrase="pw", reboot_seconds=0)
    old = _token(encedo_sim, name)
    assert call(encedo_sim, name, "GET", path, headers={"Authorization": old})[0] in (200, 404)
    encedo_sim.devices[name].reboot()
    assert call(encedo_sim, name, "GET", path, headers={"Authorization": old})[0] == 401
    assert call(encedo_sim, name, "GET", "/api/system/status")[0] == 200  # no token: the reading paths answer


def test_a_garbage_token_is_refused_even_on_reading_paths_of_a_fresh_device(encedo_sim, hem):
    name = hem()
    assert call(encedo_sim, name, "GET", "/api/system/version", headers={"Authorization": "Bearer a.b.c"})[0] == 401
    assert call(encedo_sim, name, "GET", "/api/system/version")[0] == 200


def test_a_stale_token_is_refused_before_the_upload_body(encedo_sim, hem, images):
    name = hem(passphrase="pw", reboot_seconds=0)
    old = _token(encedo_sim, name)
    encedo_sim.devices[name].reboot()
    data = open(images("firmware", "1.3.0")[0], "rb").read()
    status = call(encedo_sim, name, "POST", "/api/system/upgrade/upload_fw", data,
                  {"Content-Disposition": 'attachment; filename="firmware.bin"', "Authorization": old,
                   "Expect": "100-continue"})[0]
    assert status == 401


@pytest.mark.parametrize("scope, expected", [("system:upgrade", 404), ("system:config", 404), ("keymgmt:use", 403)])
@pytest.mark.parametrize("path", ["/api/system/upgrade/check_fw", "/api/system/upgrade/check_ui",
                                  "/api/system/upgrade/install_fw", "/api/system/upgrade/install_ui"])
def test_upgrade_endpoints_take_the_upgrade_scope_or_its_alternative_config(encedo_sim, hem, scope, expected, path):
    name = hem(passphrase="pw")
    status = call(encedo_sim, name, "GET", path, headers={"Authorization": _token(encedo_sim, name, scope)})[0]
    assert status == (expected if "check" in path or expected == 403 else 406)


@pytest.mark.parametrize("scope, expected", [("system:config", 200), ("keymgmt:use", 403)])
def test_upload_takes_the_config_scope_too(encedo_sim, hem, images, scope, expected):
    name = hem(passphrase="pw")
    data = open(images("firmware", "1.3.0")[0], "rb").read()
    status = call(encedo_sim, name, "POST", "/api/system/upgrade/upload_fw", data,
                  {"Content-Disposition": 'attachment; filename="firmware.bin"',
                   "Authorization": _token(encedo_sim, name, scope)})[0]
    assert status == expected


@pytest.mark.parametrize("when, installed", [("after", True), ("before", False)])
def test_a_dropped_install_answer_installs_or_not(encedo_sim, hem, images, when, installed):
    name = hem(validation_seconds=0, drop_install_answer=when)
    src, header = images("ui", "2.0.0")
    upload(encedo_sim, name, open(src, "rb").read(), "ui", "webroot.tar")
    call(encedo_sim, name, "GET", "/api/system/upgrade/check_ui")
    assert call(encedo_sim, name, "GET", "/api/system/upgrade/check_ui")[0] == 200
    with pytest.raises((http.client.RemoteDisconnected, ConnectionResetError)):
        call(encedo_sim, name, "GET", "/api/system/upgrade/install_ui")
    assert (encedo_sim.devices[name].uis == header["uis"]) is installed


def test_answers_replace_a_reading_document(encedo_sim, hem):
    name = hem(answers={"/api/system/version": {}})
    assert call(encedo_sim, name, "GET", "/api/system/version")[:2] == (200, b"{}")
    assert call(encedo_sim, name, "GET", "/api/system/status")[0] == 200
