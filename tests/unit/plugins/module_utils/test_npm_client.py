"""NpmClient against the AppResponse simulator."""

import time

import pytest

from ansible_collections.fleetops.upgrade.plugins.module_utils._errors import (
    AuthenticationError, DeviceApiError, DeviceUnreachable)
from ansible_collections.fleetops.upgrade.plugins.module_utils._http import HttpClient
from ansible_collections.fleetops.upgrade.plugins.module_utils._npm import NpmClient


def client(url, long_task=False, **auth):
    auth = auth or dict(username="admin", password="admin")
    return NpmClient(HttpClient(url, retries=0, timeout=5), long_task=long_task, **auth)


def paths(sim, device="ar1", method=None):
    return [(e["method"], e["path"].split("/api/", 1)[1], e["status"]) for e in sim.requests_for(device)
            if method is None or e["method"] == method]


def test_login_on_first_request_without_refresh_token_for_short_tasks(npm_sim, appliance):
    npm = client(appliance)
    assert npm.info()["sw_version"] == "11.2.0 #13859"
    assert npm.images() == []
    assert paths(npm_sim) == [("POST", "mgmt.aaa/1.0/token", 201), ("GET", "common/1.0/info", 200),
                              ("GET", "npm.system_update/2.0/images", 200)]
    assert npm_sim.device_state("ar1")["refresh_tokens_issued"] == 0


def test_aaa_falls_back_to_2_0(npm_sim):
    npm_sim.create_device("new", {"aaa_versions": ["2.0"]})
    npm = client(npm_sim.url + "/new", long_task=True)
    npm.info()
    npm_sim.update_device("new", {"expire_tokens": True})
    npm.update()
    assert paths(npm_sim, "new", "POST") == [("POST", "mgmt.aaa/1.0/token", 404), ("POST", "mgmt.aaa/2.0/token", 201),
                                             ("POST", "mgmt.aaa/2.0/token", 200)]


def test_long_task_reuses_one_refresh_token(npm_sim, appliance):
    npm = client(appliance, long_task=True)
    for count in range(4):
        npm.info()
        npm_sim.update_device("ar1", {"expire_tokens": True})
    npm.update()
    state = npm_sim.device_state("ar1")
    assert state["refresh_tokens_issued"] == 1
    assert (npm.logins, npm.refreshes) == (1, 4)
    assert [s for m, p, s in paths(npm_sim) if p.startswith("common")] == [200, 401, 200, 401, 200, 401, 200]


def test_short_task_logs_in_again_on_expiry(npm_sim, appliance):
    npm = client(appliance)
    npm.info()
    npm_sim.update_device("ar1", {"expire_tokens": True})
    npm.info()
    assert npm.logins == 2 and npm_sim.device_state("ar1")["refresh_tokens_issued"] == 0


def test_revoked_refresh_token_falls_back_to_login(npm_sim, appliance):
    npm = client(appliance, long_task=True)
    npm.info()
    npm_sim.update_device("ar1", {"max_refresh_tokens": 1})
    client(appliance, long_task=True).info()  # revokes ours
    npm_sim.update_device("ar1", {"expire_tokens": True})
    assert npm.info()["model"] == "VSCAN-2000"
    assert npm.logins == 2 and npm.refreshes == 0


def test_bad_credentials_fail_clearly_without_the_password(appliance):
    with pytest.raises(AuthenticationError) as caught:
        client(appliance, username="admin", password="s3cret-pw").info()
    assert "refused the username or password" in caught.value.msg
    assert "AUTH_INVALID_CREDENTIALS" in caught.value.msg
    assert "s3cret-pw" not in caught.value.msg


def test_given_token_used_as_is_and_expired_token_explained(npm_sim, appliance):
    token = client(appliance).login()["access_token"]
    npm = client(appliance, token=token)
    assert npm.update()["state"] == "IDLE"
    npm_sim.update_device("ar1", {"expire_tokens": True})
    with pytest.raises(AuthenticationError) as caught:
        npm.update()
    assert "refused the given token" in caught.value.msg
    assert token not in caught.value.msg


def test_upload_streams_and_renews_token_before_the_body(npm_sim, appliance, image_file):
    path = image_file(size=2 * 1024 * 1024)
    npm = client(appliance, long_task=True)
    npm.info()
    npm_sim.update_device("ar1", {"expire_tokens": True})
    image, sent = npm.upload_image(path)
    assert sent == 2 * 1024 * 1024 and image["state"] == "VALIDATING"
    uploads = [e for e in npm_sim.requests_for("ar1", ["POST"]) if e["path"].endswith("/upload")]
    assert [(e["status"], e["body_bytes"]) for e in uploads] == [(401, 0), (200, 2 * 1024 * 1024)]


def test_dropped_upload_is_unreachable_with_bytes_sent(npm_sim, appliance, image_file):
    npm_sim.update_device("ar1", {"drop_upload_after": 1024 * 1024})
    with pytest.raises(DeviceUnreachable) as caught:
        client(appliance).upload_image(image_file(size=16 * 1024 * 1024))
    assert "connection" in caught.value.msg
    assert 1024 * 1024 <= caught.value.details["bytes_sent"] < 16 * 1024 * 1024


def test_html_page_instead_of_json(npm_sim, appliance):
    npm = client(appliance)
    npm.info()
    npm_sim.update_device("ar1", {"html_pages": 1})
    with pytest.raises(DeviceApiError) as caught:
        npm.update()
    assert "HTML page instead of JSON" in caught.value.msg


def test_update_actions_and_image_lifecycle(npm_sim, appliance):
    npm_sim.update_device("ar1", {"images": [{"version": "11.6.0 #2"}]})
    npm = client(appliance)
    image_id = npm.images()[0]["id"]
    assert npm.image(image_id)["state"] == "VALID"
    npm.update_init()
    time.sleep(0.08)
    assert npm.update()["target_version"] == "11.6.0 #2"
    npm.update_reset()
    assert npm.update()["state"] == "IDLE"
    npm.delete_image(image_id)
    assert npm.images() == []
    with pytest.raises(DeviceApiError) as caught:
        npm.update_start()
    assert "HTTP 409" in caught.value.msg and "INVALID_STATE" in caught.value.msg


@pytest.mark.parametrize("junk, said", [
    ([1, 2, 3], "answered JSON a list where an object was expected"),
    ({"items": {"id": 1}}, "items is not a list of images"),
    ({"items": [{"state": "VALID"}]}, "is not an image (an object with an integer id and a state)"),
    (None, "answered JSON null where an object was expected"),
])
def test_image_list_that_is_not_one_fails_naming_the_endpoint(npm_sim, appliance, junk, said):
    npm_sim.update_device("ar1", {"junk_answers": [junk]})
    with pytest.raises(DeviceApiError) as caught:
        client(appliance).images()
    assert said in caught.value.msg and "GET %s/api/npm.system_update/2.0/images" % appliance in caught.value.msg
