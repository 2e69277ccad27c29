"""The AppResponse simulator follows the reference page (tested with plain requests)."""

import hashlib
import threading
import time
from http.server import HTTPServer, SimpleHTTPRequestHandler
from functools import partial

import requests

API = "/api/npm.system_update/2.0"
OCTETS = {"Content-Type": "application/octet-stream"}


def login(base, user="admin", password="admin", version="1.0", refresh=True):
    body = {"user_credentials": {"username": user, "password": password}, "generate_refresh_token": refresh}
    return requests.post(base + "/api/mgmt.aaa/%s/token" % version, json=body, timeout=5)


def session(base):
    answer = login(base)
    assert answer.status_code == 201
    s = requests.Session()
    s.headers["Authorization"] = "Bearer " + answer.json()["access_token"]
    return s


def wait_image(s, base, image_id, states=("VALID", "INVALID", "UPLOAD_ERROR")):
    for attempt in range(200):
        image = s.get(base + API + "/images/items/%d" % image_id, timeout=5).json()
        if image["state"] in states:
            return image
        time.sleep(0.02)
    raise AssertionError("image stayed %s" % image["state"])


def test_token_issue_and_bearer_required(appliance):
    answer = login(appliance)
    assert answer.status_code == 201
    data = answer.json()
    assert data["token_type"] == "bearer" and data["access_token"] and data["refresh_token"]
    assert requests.get(appliance + "/api/common/1.0/info", timeout=5).json()["error_id"] == "AUTH_REQUIRED"
    lower = requests.get(appliance + "/api/common/1.0/info", headers={"Authorization": "bearer " + data["access_token"]}, timeout=5)
    assert lower.status_code == 401
    info = requests.get(appliance + "/api/common/1.0/info", headers={"Authorization": "Bearer " + data["access_token"]}, timeout=5)
    assert info.status_code == 200 and info.json()["sw_version"] == "11.2.0 #13859"


def test_bad_credentials(appliance):
    answer = login(appliance, password="wrong")
    assert answer.status_code == 401 and answer.json()["error_id"] == "AUTH_INVALID_CREDENTIALS"


def test_no_refresh_token_unless_asked(npm_sim, appliance):
    assert "refresh_token" not in login(appliance, refresh=False).json()
    assert npm_sim.device_state("ar1")["refresh_tokens_issued"] == 0


def test_expiry_and_refresh(npm_sim, appliance):
    npm_sim.update_device("ar1", {"token_lifetime": 0.1})
    data = login(appliance).json()
    time.sleep(0.15)
    headers = {"Authorization": "Bearer " + data["access_token"]}
    expired = requests.get(appliance + "/api/common/1.0/info", headers=headers, timeout=5)
    assert expired.status_code == 401 and expired.json()["error_id"] == "AUTH_EXPIRED_TOKEN"
    refreshed = requests.post(appliance + "/api/mgmt.aaa/1.0/token", json={"refresh_token": data["refresh_token"]}, timeout=5)
    assert refreshed.status_code == 200 and refreshed.json()["expires_in"] == 0
    assert npm_sim.device_state("ar1")["refresh_tokens_issued"] == 1


def test_expire_tokens_fault(npm_sim, appliance):
    s = session(appliance)
    npm_sim.update_device("ar1", {"expire_tokens": True})
    assert s.get(appliance + "/api/common/1.0/info", timeout=5).json()["error_id"] == "AUTH_EXPIRED_TOKEN"


def test_refresh_token_limit_revokes_oldest(npm_sim, appliance):
    npm_sim.update_device("ar1", {"max_refresh_tokens": 3})
    first = login(appliance).json()["refresh_token"]
    for count in range(3):
        login(appliance)
    state = npm_sim.device_state("ar1")
    assert state["refresh_tokens_issued"] == 4 and state["refresh_tokens_active"] == 3
    revoked = requests.post(appliance + "/api/mgmt.aaa/1.0/token", json={"refresh_token": first}, timeout=5)
    assert revoked.status_code == 401


def test_aaa_fallback_configuration(npm_sim):
    npm_sim.create_device("new", {"aaa_versions": ["2.0"]})
    base = npm_sim.url + "/new"
    assert login(base, version="1.0").status_code == 404
    assert login(base, version="2.0").status_code == 201


def test_upload_hashes_stream_and_validates(npm_sim, appliance, image_file):
    path = image_file(size=3 * 1024 * 1024 + 5)
    s = session(appliance)
    with open(path, "rb") as body:
        answer = s.post(appliance + API + "/images/upload", data=body,
                        headers={"Content-Type": "application/octet-stream"}, timeout=10)
    assert answer.status_code == 200
    image = answer.json()
    assert image["state"] == "VALIDATING" and "version" not in image
    with open(path, "rb") as handle:
        assert image["checksum"] == hashlib.sha256(handle.read()).hexdigest()
    valid = wait_image(s, appliance, image["id"])
    assert valid["state"] == "VALID" and valid["version"] == "11.6.0 #23947" and valid["progress"] == 100
    assert npm_sim.requests_for("ar1", ["POST"])[-1]["body_bytes"] == 3 * 1024 * 1024 + 5


def test_garbage_image_is_invalid(appliance, tmp_path):
    path = tmp_path / "junk.img"
    path.write_bytes(b"not an image" * 100)
    s = session(appliance)
    image = s.post(appliance + API + "/images/upload", data=path.read_bytes(), headers=OCTETS, timeout=5).json()
    invalid = wait_image(s, appliance, image["id"])
    assert invalid["state"] == "INVALID" and "not a valid" in invalid["state_description"]


def test_dropped_upload_leaves_upload_error(npm_sim, appliance, image_file):
    npm_sim.update_device("ar1", {"drop_upload_after": 1024 * 1024})
    s = session(appliance)
    path = image_file(size=8 * 1024 * 1024)
    try:
        with open(path, "rb") as body:
            s.post(appliance + API + "/images/upload", data=body, headers=OCTETS, timeout=5)
        raise AssertionError("the upload should have been dropped")
    except requests.exceptions.ConnectionError:
        pass
    images = session(appliance).get(appliance + API + "/images", timeout=5).json()["items"]
    assert images[-1]["state"] == "UPLOAD_ERROR"


def test_fetch_from_loopback(npm_sim, appliance, image_file, tmp_path):
    path = image_file(version="11.7.0 #100", size=2 * 1024 * 1024)
    server = HTTPServer(("127.0.0.1", 0), partial(SimpleHTTPRequestHandler, directory=str(tmp_path)))
    server.RequestHandlerClass.log_message = lambda *a: None
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        s = session(appliance)
        url = "http://127.0.0.1:%d/%s" % (server.server_address[1], path.rsplit("/", 1)[1])
        image = s.post(appliance + API + "/images/fetch", json={"url": url}, timeout=5).json()
        assert image["state"] == "UPLOADING" and "version" not in image and "checksum" not in image
        valid = wait_image(s, appliance, image["id"])
        assert valid["state"] == "VALID" and valid["version"] == "11.7.0 #100"
        npm_sim.update_device("ar1", {"fetch_error": True})
        failed = wait_image(s, appliance, s.post(appliance + API + "/images/fetch", json={"url": url}, timeout=5).json()["id"])
        assert failed["state"] == "UPLOAD_ERROR"
    finally:
        server.shutdown()
        server.server_close()
    assert s.post(appliance + API + "/images/fetch", json={"url": "http://192.0.2.1/x.img"}, timeout=5).status_code == 400


def test_update_state_machine_and_reboot(npm_sim, appliance):
    npm_sim.update_device("ar1", {"images": [{"version": "11.6.0 #23947"}]})
    s = session(appliance)
    assert s.post(appliance + API + "/update/start", timeout=5).status_code == 409
    assert s.post(appliance + API + "/update/init", timeout=5).status_code == 204
    assert s.get(appliance + API + "/update", timeout=5).json()["state"] == "INITIALIZING"
    time.sleep(0.08)
    update = s.get(appliance + API + "/update", timeout=5).json()
    assert update["state"] == "INITIALIZED" and update["target_version"] == "11.6.0 #23947"
    assert s.post(appliance + API + "/update/start", timeout=5).status_code == 204
    try:
        s.get(appliance + API + "/update", timeout=5)
        raise AssertionError("the appliance should be down")
    except requests.exceptions.ConnectionError:
        pass
    time.sleep(0.25)
    assert s.get(appliance + "/api/common/1.0/info", timeout=5).status_code == 401  # reboot ended the session
    s = session(appliance)
    assert s.get(appliance + "/api/common/1.0/info", timeout=5).json()["sw_version"] == "11.6.0 #23947"
    update = s.get(appliance + API + "/update", timeout=5).json()
    assert update["state"] == "IDLE" and update["update_history"][-1]["version"] == "11.6.0 #23947"
    assert len(update["update_history"]) == 2


def test_reset_and_init_picks(npm_sim, appliance):
    npm_sim.update_device("ar1", {"images": [{"version": "11.5.0 #1"}, {"version": "11.6.0 #2"}], "init_picks": "oldest"})
    s = session(appliance)
    s.post(appliance + API + "/update/init", timeout=5)
    assert s.post(appliance + API + "/update/init", timeout=5).status_code == 409
    time.sleep(0.08)
    assert s.get(appliance + API + "/update", timeout=5).json()["target_version"] == "11.5.0 #1"
    assert s.post(appliance + API + "/update/reset", timeout=5).status_code == 204
    update = s.get(appliance + API + "/update", timeout=5).json()
    assert update["state"] == "IDLE" and "target_version" not in update


def test_failed_update_faults(npm_sim, appliance):
    npm_sim.update_device("ar1", {"images": [{"version": "11.6.0 #2"}], "update_result": "FAILED_CRITICAL",
                                  "down_behaviour": "503"})
    s = session(appliance)
    s.post(appliance + API + "/update/init", timeout=5)
    time.sleep(0.08)
    s.post(appliance + API + "/update/start", timeout=5)
    assert s.get(appliance + API + "/update", timeout=5).status_code == 503
    time.sleep(0.25)
    s = session(appliance)
    update = s.get(appliance + API + "/update", timeout=5).json()
    assert update["state"] == "FAILED_CRITICAL"
    assert s.get(appliance + "/api/common/1.0/info", timeout=5).json()["sw_version"] == "11.2.0 #13859"


def test_never_returns_and_html(npm_sim, appliance):
    npm_sim.update_device("ar1", {"images": [{"version": "11.6.0 #2"}], "never_returns": True, "down_behaviour": "html",
                                  "reboot_time": 0})
    s = session(appliance)
    s.post(appliance + API + "/update/init", timeout=5)
    time.sleep(0.08)
    s.post(appliance + API + "/update/start", timeout=5)
    time.sleep(0.05)
    answer = s.get(appliance + API + "/update", timeout=5)
    assert answer.status_code == 502 and answer.text.startswith("<html>")
    assert npm_sim.device_state("ar1")["down"] is True


def test_html_pages_fault(npm_sim, appliance):
    npm_sim.update_device("ar1", {"html_pages": 1})
    first = requests.get(appliance + "/api/common/1.0/info", timeout=5)
    assert first.status_code == 200 and "html" in first.headers["Content-Type"]
    assert requests.get(appliance + "/api/common/1.0/info", timeout=5).status_code == 401


def test_request_log_and_unknown_appliance(npm_sim, appliance):
    assert requests.get(npm_sim.url + "/nope/api/common/1.0/info", timeout=5).status_code == 404
    session(appliance).get(appliance + API + "/images", timeout=5)
    entries = npm_sim.requests_for("ar1")
    assert [(e["method"], e["path"]) for e in entries] == [
        ("POST", "/ar1/api/mgmt.aaa/1.0/token"), ("GET", "/ar1" + API + "/images")]
    assert requests.get(npm_sim.url + "/_sim/log", timeout=5).json()[-1]["path"] == "/ar1" + API + "/images"


def test_control_interface_creates_and_patches(npm_sim):
    created = requests.post(npm_sim.url + "/_sim/devices/x1", json={"sw_version": "11.5.0 #1"}, timeout=5)
    assert created.status_code == 201 and created.json()["sw_version"] == "11.5.0 #1"
    patched = requests.patch(npm_sim.url + "/_sim/devices/x1", json={"images": [{"version": "11.6.0 #2"}]}, timeout=5)
    assert patched.json()["images"][0]["state"] == "VALID"


def test_refuses_what_the_reference_refuses(npm_sim, appliance, image_file):
    s = session(appliance)
    with open(image_file(size=4096), "rb") as body:
        as_form = s.post(appliance + API + "/images/upload", data=body, headers={"Content-Type": "multipart/form-data"},
                         timeout=5)
    assert as_form.status_code == 415 and as_form.json()["error_id"] == "UNSUPPORTED_MEDIA_TYPE"
    assert npm_sim.device_state("ar1")["images"] == []
    npm_sim.update_device("ar1", {"images": [{"version": "11.6.0 #2"}]})
    for action in ("init", "reset", "start"):
        with_body = s.post(appliance + API + "/update/" + action, json={"force": True}, timeout=5)
        assert with_body.status_code == 400 and "takes no request body" in with_body.json()["error_text"]
    assert npm_sim.device_state("ar1")["update"]["state"] == "IDLE"
    assert s.post(appliance + API + "/images/fetch", json={}, timeout=5).status_code == 400
    assert s.post(appliance + API + "/images/fetch", data=b"not json", timeout=5).status_code == 400
    assert requests.post(appliance + "/api/mgmt.aaa/1.0/token", json=[1], timeout=5).status_code == 400


def test_delete_error_and_junk_answers_faults(npm_sim, appliance):
    npm_sim.update_device("ar1", {"images": [{"version": "11.6.0 #2"}], "delete_error": True, "junk_answers": [[1, 2], None]})
    s = session(appliance)
    assert s.get(appliance + API + "/images", timeout=5).json() == [1, 2]
    assert s.get(appliance + API + "/update", timeout=5).json() is None
    assert s.delete(appliance + API + "/images/items/1", timeout=5).status_code == 500
    npm_sim.update_device("ar1", {"delete_error": False})
    assert s.delete(appliance + API + "/images/items/1", timeout=5).status_code == 204
