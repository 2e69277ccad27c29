"""The Magewell Cloud API client against the simulator."""

import hashlib

import pytest

from ansible_collections.fleetops.upgrade.plugins.module_utils._errors import AuthenticationError, DeviceApiError
from ansible_collections.fleetops.upgrade.plugins.module_utils._http import HttpClient
from ansible_collections.fleetops.upgrade.plugins.module_utils._mwcloud import (
    MwCloudApiError, MwCloudClient, device_from_record, firmware_from_record, multipart_form, normalize_version,
    password_md5, version_key)

FLEET = {
    "A1": {"family": 1, "product_id": 770, "hardware": "A", "firmware": "1.5.178", "name": "Studio A"},
    "E1": {"family": 2, "product_id": 1201, "hardware": "A", "firmware": "2.3.43", "version_field": "numbers"},
    "S1": {"family": 3, "product_id": 1330, "hardware": "C", "firmware": "3.0.9", "version_field": "none", "online": False},
}


@pytest.fixture
def sim(mwcloud_sim):
    return mwcloud_sim(FLEET, transfer_seconds=0.2, offline_seconds=0.2)


def client_for(sim, username="Admin", password="admin", prefix=""):
    return MwCloudClient(HttpClient(sim.url + prefix, retries=0, timeout=5), username, password)


def test_helpers():
    assert password_md5("admin") == hashlib.md5(b"admin").hexdigest()
    body, content_type = multipart_form((("id", "Admin"), ("pass", "x")))
    boundary = content_type.split("boundary=")[1]
    assert content_type.startswith("multipart/form-data; boundary=")
    assert body == ('--{0}\r\nContent-Disposition: form-data; name="id"\r\n\r\nAdmin\r\n'
                    '--{0}\r\nContent-Disposition: form-data; name="pass"\r\n\r\nx\r\n--{0}--\r\n').format(boundary).encode()
    assert normalize_version("1.05.178") == "1.5.178" and normalize_version(" beta ") == "beta" and normalize_version(None) is None
    assert sorted(["1.10.0", "1.9.3", "1.9.10"], key=version_key) == ["1.9.3", "1.9.10", "1.10.0"]


def test_login_uses_multipart_md5_and_keeps_the_cookies_until_logout(sim):
    with client_for(sim) as client:
        assert client.http.session.cookies.get("mwcloud-uid") == "Admin"
        assert len(client.get_devs()) == 3
        assert sim.requests_for()[-1]["user"] == "Admin"
        assert len(sim.sessions) == 1
    assert sim.sessions == {}
    assert [e["path"] for e in sim.requests_for()] == ["/sc_cloud/login", "/sc_cloud/scapi/get-devs", "/sc_cloud/logout"]


def test_each_login_error_has_its_own_message(sim):
    with pytest.raises(AuthenticationError, match="wrong password for user 'Admin'") as wrong:
        client_for(sim, password="nope").login()
    assert "nope" not in str(wrong.value.msg) and password_md5("nope") not in wrong.value.msg
    with pytest.raises(AuthenticationError, match="user 'ghost' does not exist"):
        client_for(sim, username="ghost").login()


def test_non_admin_may_read_but_not_start(sim):
    with client_for(sim, "viewer", "viewer-pw") as client:
        assert client.get_dev("A1")["sn"] == "A1"
        with pytest.raises(AuthenticationError, match="user 'viewer' is not an administrator"):
            client.start_upgrade(["A1"], 22)
    assert sim.devices["A1"].upgrade is None


def test_expired_session_logs_in_again_once(sim):
    with client_for(sim) as client:
        client.get_devs()
        sim.sessions.clear()
        assert len(client.get_all_firmwares()) == len(sim.firmwares)
        assert client.logins == 2
        sim.sessions.clear()
        details = client.start_upgrade(["A1"], 22)
        assert details == [{"sn": "A1", "result": 0}]
        assert client.logins == 3
    paths = [(e["path"], e["status"]) for e in sim.requests_for()]
    assert paths.count(("/sc_cloud/upgrade/start", 401)) == 1
    assert paths.count(("/sc_cloud/upgrade/start", 200)) == 1


def test_catalogue_and_device_records(sim):
    with client_for(sim) as client:
        entries = client.get_all_firmwares(1, 770, "A")
        assert [firmware_from_record(e)["version"] for e in entries] == ["1.5.178", "1.6.201"]
        assert firmware_from_record(entries[0]) == {
            "id": 21, "product_id": 770, "hardware_version": "A", "version": "1.5.178", "build_type": 0,
            "upload_date": 1635151650, "file_path": "/data/firmware/firmware-770-0-A-1.5.178.mwf"}
        devices = {d["serial"]: d for d in map(device_from_record, client.get_devs())}
    assert devices["A1"] == {"serial": "A1", "name": "Studio A", "family": 1, "product_id": 770,
                             "product": "Pro Convert HDMI 4K Plus", "hardware_version": "A", "firmware_version": "1.5.178",
                             "online": True, "group_id": 0, "transferring": False, "transfer_progress": None}
    assert devices["E1"]["firmware_version"] == "2.3.43"
    assert devices["S1"]["firmware_version"] is None and devices["S1"]["online"] is False


def test_api_errors_carry_the_code_and_meaning(sim):
    with client_for(sim) as client:
        with pytest.raises(MwCloudApiError, match=r"API status -16 \(no such device\)") as error:
            client.get_dev("NOPE")
        assert error.value.code == -16
        with pytest.raises(MwCloudApiError, match="API status -20"):
            client.start_upgrade(["A1", "E1"], 22)
        sim.settings["reject_batches"] = -77
        with pytest.raises(MwCloudApiError, match=r"refused start: API status -77 \(POST "):
            client.start_upgrade(["A1"], 22)


def test_wrong_url_gives_a_clear_error(sim):
    client = client_for(sim, prefix="/nothing-here")
    with pytest.raises(DeviceApiError, match="HTTP 401|HTTP 404|unexpected"):
        client.login()


def test_logout_failure_does_not_hide_the_result(sim):
    client = client_for(sim)
    client.login()
    sim.sessions.clear()
    client.close()  # the 401 of the logout is swallowed
    assert client.logged_in is False


@pytest.mark.parametrize("body, message", [
    ({"hello": "world"}, "is not the Magewell Cloud API's JSON (no integer result code)"),
    ([1, 2, 3], "/sc_cloud/login"),  # not an object: the transport may say so first
    ({"result": "0"}, "is not the Magewell Cloud API's JSON (no integer result code)"),
    ("<html><body>Sign in to the proxy</body></html>", "HTML page instead of JSON"),
])
def test_a_login_answer_that_is_not_the_api_says_so(sim, body, message):
    sim.settings["answers"] = {"/sc_cloud/login": body}
    with pytest.raises(DeviceApiError) as error:
        client_for(sim).login()
    assert message in error.value.msg and "/sc_cloud/login" in error.value.msg
    assert "API status None" not in error.value.msg


@pytest.mark.parametrize("path, body, call, message", [
    ("/sc_cloud/scapi/get-devs", {"result": 0}, lambda c: c.get_devs(), "lacks devs"),
    ("/sc_cloud/scapi/get-devs", {"result": 0, "devs": {"sn": "A1"}}, lambda c: c.get_devs(), "devs is not a list"),
    ("/sc_cloud/scapi/get-devs", {"result": 0, "devs": [{"module": 1}]}, lambda c: c.get_devs(), "a device without sn"),
    ("/sc_cloud/scapi/get-devs", {"result": 0, "devs": [7]}, lambda c: c.get_devs(), "a device without sn"),
    ("/sc_cloud/scapi/get-all-firmwares", {"result": 0}, lambda c: c.get_all_firmwares(), "lacks firmwares"),
    ("/sc_cloud/scapi/get-all-firmwares", {"result": 0, "firmwares": [{"id": 1}]}, lambda c: c.get_all_firmwares(),
     "a firmware without product-id, hardware-ver, marjor-ver, minor-ver, build-number"),
    ("/sc_cloud/scapi/get-dev", {"result": 0}, lambda c: c.get_dev("A1"), "lacks dev"),
    ("/sc_cloud/upgrade/start", {"result": 0}, lambda c: c.start_upgrade(["A1"], 22), "lacks details"),
    ("/sc_cloud/scapi/get-devs", {"devs": []}, lambda c: c.get_devs(), "is not the Magewell Cloud API's JSON"),
    ("/sc_cloud/scapi/get-devs", None, lambda c: c.get_devs(), "/sc_cloud/scapi/get-devs"),
])
def test_answers_without_the_documented_keys_fail_naming_the_endpoint(sim, path, body, call, message):
    with client_for(sim) as client:
        sim.settings["answers"] = {path: body}
        with pytest.raises(DeviceApiError) as error:
            call(client)
        sim.settings["answers"] = None
    assert message in error.value.msg and path in error.value.msg
