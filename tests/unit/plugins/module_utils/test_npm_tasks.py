"""Task logic of npm_info, npm_image and npm_update against the AppResponse simulator."""

import threading
from functools import partial
from http.server import HTTPServer, SimpleHTTPRequestHandler

import pytest

from ansible_collections.fleetops.upgrade.plugins.module_utils._errors import FleetopsError
from ansible_collections.fleetops.upgrade.plugins.module_utils._npm_tasks import (
    run_image, run_info, run_update, sha256_of, version_matches)

MUTATING = ("POST", "PUT", "PATCH", "DELETE")


def params(url, **extra):
    base = dict(url=url, validate_certs=True, ca_path=None, client_cert=None, client_key=None, timeout=5,
                username="admin", password="admin", token=None)
    base.update(extra)
    return base


def image_params(url, **extra):
    values = dict(state="present", src=None, fetch_url=None, version=None, checksum=None, id=None, wait=True, wait_timeout=30)
    values.update(extra)
    return params(url, **values)


def update_params(url, **extra):
    values = dict(state="installed", version=None, wait=True, wait_timeout=30)
    values.update(extra)
    return params(url, **values)


def mutations(sim, device="ar1"):
    """Mutating requests other than getting a token."""
    return [(e["method"], e["path"].split("/api/", 1)[1]) for e in sim.requests_for(device, MUTATING)
            if "mgmt.aaa" not in e["path"]]


@pytest.fixture
def file_server(tmp_path):
    server = HTTPServer(("127.0.0.1", 0), partial(SimpleHTTPRequestHandler, directory=str(tmp_path)))
    server.RequestHandlerClass.log_message = lambda *a: None
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield "http://127.0.0.1:%d/" % server.server_address[1]
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("asked, actual, expected", [
    ("11.6.0", "11.6.0 #23947", True), ("11.6.0 #23947", "11.6.0 #23947", True), ("11.6.0#23947", "11.6.0 #23947", True),
    ("11.6.0 #1", "11.6.0 #23947", False), ("11.6", "11.6.0 #1", False), ("11.6.0", None, False)])
def test_version_matches(asked, actual, expected):
    assert version_matches(asked, actual) is expected


def test_info(npm_sim, appliance):
    npm_sim.update_device("ar1", {"images": [{"version": "11.6.0 #2"}]})
    result = run_info(params(appliance))
    assert result["changed"] is False and result["sw_version"] == "11.2.0 #13859" and result["model"] == "VSCAN-2000"
    assert result["images"][0]["version"] == "11.6.0 #2" and result["update_status"]["state"] == "IDLE"
    assert result["update_status"]["update_history"][0]["version"] == "11.2.0 #13859"
    assert mutations(npm_sim) == []


def test_image_upload_idempotent_check_and_diff(npm_sim, appliance, image_file):
    src = image_file(size=1024 * 1024)
    planned = run_image(image_params(appliance, src=src), check_mode=True, diff=True)
    assert planned["changed"] is True and "would upload" in planned["msg"]
    assert planned["diff"]["after"]["images"][0]["checksum"] == sha256_of(src)
    assert mutations(npm_sim) == []
    result = run_image(image_params(appliance, src=src, version="11.6.0"), diff=True)
    assert result["changed"] is True and result["image"]["state"] == "VALID" and result["bytes_sent"] == 1024 * 1024
    assert result["image"]["checksum"] == result["sha256"] == sha256_of(src)
    assert result["diff"]["before"]["images"] == [] and len(result["diff"]["after"]["images"]) == 1
    npm_sim.clear_log()
    again = run_image(image_params(appliance, src=src))
    assert again["changed"] is False and again["bytes_sent"] == 0 and mutations(npm_sim) == []


def test_image_checksum_and_version_mismatch(npm_sim, appliance, image_file):
    src = image_file(size=4096)
    with pytest.raises(FleetopsError, match="not the expected checksum"):
        run_image(image_params(appliance, src=src, checksum="00" * 32))
    assert mutations(npm_sim) == []  # refused before any byte was sent
    with pytest.raises(FleetopsError, match="is version 11.6.0 #23947, not the expected 11.7.0") as caught:
        run_image(image_params(appliance, src=src, version="11.7.0"))
    assert caught.value.details["image_id"] == 1


def test_image_invalid_and_dropped(npm_sim, appliance, image_file, tmp_path):
    junk = tmp_path / "junk.img"
    junk.write_bytes(b"x" * 10000)
    with pytest.raises(FleetopsError, match="marked image 1 INVALID: Image validation failed") as caught:
        run_image(image_params(appliance, src=str(junk)))
    assert caught.value.details["image_id"] == 1
    npm_sim.update_device("ar1", {"drop_upload_after": 1024 * 1024})
    with pytest.raises(FleetopsError, match="uploading .* failed: the upload broke") as caught:
        run_image(image_params(appliance, src=image_file(size=8 * 1024 * 1024)))
    assert caught.value.details["device_state"] == "no new VALID image"
    assert npm_sim.device_state("ar1")["images"][-1]["state"] == "UPLOAD_ERROR"


def test_image_missing_file(appliance, tmp_path):
    with pytest.raises(FleetopsError, match="does not exist"):
        run_image(image_params(appliance, src=str(tmp_path / "nope.img")))


def test_image_fetch_idempotent_by_version(npm_sim, appliance, image_file, file_server):
    image_file(version="11.7.0 #5", size=300000, name="ar.img")
    args = image_params(appliance, fetch_url=file_server + "ar.img", version="11.7.0")
    assert run_image(args, check_mode=True)["changed"] is True and mutations(npm_sim) == []
    result = run_image(args)
    assert result["changed"] is True and result["image"]["version"] == "11.7.0 #5"
    assert run_image(args)["changed"] is False
    with pytest.raises(FleetopsError, match="needs version or checksum"):
        run_image(image_params(appliance, fetch_url=file_server + "ar.img"))
    npm_sim.update_device("ar1", {"fetch_error": True})
    with pytest.raises(FleetopsError, match="UPLOAD_ERROR: Fetch failed"):
        run_image(image_params(appliance, fetch_url=file_server + "ar.img", version="11.8.0"))


def test_image_absent(npm_sim, appliance):
    npm_sim.update_device("ar1", {"images": [{"version": "11.5.0 #1"}, {"version": "11.6.0 #2"}]})
    planned = run_image(image_params(appliance, state="absent", version="11.5.0"), check_mode=True, diff=True)
    assert planned["changed"] is True and planned["deleted"] == [1] and mutations(npm_sim) == []
    assert [i["id"] for i in planned["diff"]["after"]["images"]] == [2]
    assert run_image(image_params(appliance, state="absent", version="11.5.0"))["deleted"] == [1]
    assert run_image(image_params(appliance, state="absent", id=1))["changed"] is False
    assert [i["id"] for i in npm_sim.device_state("ar1")["images"]] == [2]


def test_update_installs_through_reboot_and_token_expiry(npm_sim, appliance):
    npm_sim.update_device("ar1", {"images": [{"version": "11.6.0 #23947"}], "token_lifetime": 0.3, "reboot_time": 0.6})
    planned = run_update(update_params(appliance, version="11.6.0"), check_mode=True, diff=True)
    assert planned["changed"] is True and planned["steps"] == ["init with image 1", "start", "wait for the reboot", "verify"]
    assert planned["diff"]["after"]["sw_version"] == "11.6.0 #23947" and mutations(npm_sim) == []
    npm_sim.clear_log()
    result = run_update(update_params(appliance, version="11.6.0"), diff=True)
    assert result["changed"] is True and result["sw_version"] == "11.6.0 #23947"
    assert result["previous_version"] == "11.2.0 #13859" and result["update_history"][-1]["version"] == "11.6.0 #23947"
    assert result["steps"] == ["initialized 11.6.0 #23947", "started", "rebooted", "verified"]
    assert result["diff"] == {"before": {"sw_version": "11.2.0 #13859", "update_state": "IDLE"},
                              "after": {"sw_version": "11.6.0 #23947", "update_state": "IDLE"}}
    # the reboot ended the session: one login asked for the task's only refresh token, later expiries used it
    assert npm_sim.device_state("ar1")["refresh_tokens_issued"] == 1
    tokens = [e["status"] for e in npm_sim.requests_for("ar1", ["POST"]) if "mgmt.aaa" in e["path"]]
    assert tokens[0] == 201 and tokens.count(200) >= 1
    npm_sim.clear_log()
    assert run_update(update_params(appliance, version="11.6.0 #23947"))["changed"] is False
    assert mutations(npm_sim) == []


def test_update_resets_a_stale_state_first(npm_sim, appliance):
    npm_sim.update_device("ar1", {"images": [{"version": "11.6.0 #2"}], "update_state": "FAILED_GRACEFUL"})
    result = run_update(update_params(appliance, version="11.6.0"))
    assert result["steps"][0] == "reset from FAILED_GRACEFUL" and result["sw_version"] == "11.6.0 #2"
    assert mutations(npm_sim)[:2] == [("POST", "npm.system_update/2.0/update/reset"), ("POST", "npm.system_update/2.0/update/init")]


def test_update_without_image_lists_what_is_there(npm_sim, appliance):
    npm_sim.update_device("ar1", {"images": [{"version": "11.5.0 #1"}, {"version": "11.6.0 #2", "state": "INVALID"}]})
    with pytest.raises(FleetopsError, match=r"no VALID image of version 11.6.0 .* 11.5.0 #1 \(id 1, VALID\), 11.6.0 #2 \(id 2, INVALID\)"):
        run_update(update_params(appliance, version="11.6.0"))
    assert mutations(npm_sim) == []


def test_update_wrong_target_is_reset(npm_sim, appliance):
    npm_sim.update_device("ar1", {"images": [{"version": "11.5.0 #1"}, {"version": "11.6.0 #2"}], "init_picks": "oldest"})
    with pytest.raises(FleetopsError, match="initialized an update to 11.5.0 #1 instead of 11.6.0") as caught:
        run_update(update_params(appliance, version="11.6.0"))
    assert "update state IDLE" in caught.value.details["device_state"]
    assert npm_sim.device_state("ar1")["update"]["state"] == "IDLE"
    assert ("POST", "npm.system_update/2.0/update/start") not in mutations(npm_sim)


@pytest.mark.parametrize("behaviour", ["drop", "503", "html"])
def test_update_failed_graceful(npm_sim, appliance, behaviour):
    npm_sim.update_device("ar1", {"images": [{"version": "11.6.0 #2"}], "update_result": "FAILED_GRACEFUL", "down_behaviour": behaviour})
    with pytest.raises(FleetopsError, match="FAILED_GRACEFUL: Update failed: pre-install checks failed") as caught:
        run_update(update_params(appliance, version="11.6.0"))
    assert "npm_update state=idle" in caught.value.msg and caught.value.details["sw_version"] == "11.2.0 #13859"


def test_update_failed_critical_then_refused(npm_sim, appliance):
    npm_sim.update_device("ar1", {"images": [{"version": "11.6.0 #2"}], "update_result": "FAILED_CRITICAL"})
    with pytest.raises(FleetopsError, match="FAILED_CRITICAL.*a person must look") as caught:
        run_update(update_params(appliance, version="11.6.0"))
    assert caught.value.details["device_state"] == "FAILED_CRITICAL, needs a person"
    npm_sim.clear_log()
    with pytest.raises(FleetopsError, match="A person must look at it before any retry"):
        run_update(update_params(appliance, version="11.6.0"))
    assert mutations(npm_sim) == []
    assert run_update(update_params(appliance, state="idle"))["changed"] is True
    assert run_update(update_params(appliance, state="idle"))["changed"] is False


def test_update_never_returns_times_out(npm_sim, appliance):
    npm_sim.update_device("ar1", {"images": [{"version": "11.6.0 #2"}], "never_returns": True})
    with pytest.raises(FleetopsError, match="did not come back within 2s") as caught:
        run_update(update_params(appliance, version="11.6.0", wait_timeout=2))
    assert "unreachable" in caught.value.details["last_state"]


def test_update_no_wait(npm_sim, appliance):
    npm_sim.update_device("ar1", {"images": [{"version": "11.6.0 #2"}]})
    result = run_update(update_params(appliance, version="11.6.0", wait=False))
    assert result["changed"] is True and result["update_state"] == "RUNNING" and result["sw_version"] == "11.2.0 #13859"


def test_image_hashed_before_the_upload_when_valid_images_exist(npm_sim, appliance, image_file):
    npm_sim.update_device("ar1", {"images": [{"version": "11.5.0 #1"}]})
    src = image_file(size=2 * 1024 * 1024)
    result = run_image(image_params(appliance, src=src))
    assert result["changed"] is True and result["sha256"] == sha256_of(src) and result["image"]["id"] == 2
    assert set(result["durations"]) == {"hash", "upload", "validate"}
    assert run_image(image_params(appliance, src=src))["changed"] is False


def test_background_hash_can_be_cancelled(image_file):
    from ansible_collections.fleetops.upgrade.plugins.module_utils._npm_tasks import BackgroundHash
    src = image_file(size=8 * 1024 * 1024)
    hasher = BackgroundHash(src)
    assert hasher.result() == sha256_of(src) and hasher.seconds >= 0
    stopped = BackgroundHash(src)
    stopped.cancel()
    assert stopped.digest in (None, sha256_of(src))
