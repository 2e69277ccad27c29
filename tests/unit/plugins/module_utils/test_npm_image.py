"""npm_image's task against the AppResponse simulator, through the shared boundary."""

import threading
import time
from functools import partial
from http.server import HTTPServer, SimpleHTTPRequestHandler

import pytest
import requests

from ansible_collections.fleetops.upgrade.plugins.module_utils._npm_common import sha256_of
from ansible_collections.fleetops.upgrade.plugins.module_utils._npm_image import NpmImage
from tests.conftest import npm_mutations, npm_result

UPLOAD = ("POST", "npm.system_update/2.0/images/upload")
FETCH = ("POST", "npm.system_update/2.0/images/fetch")


def run(url, check_mode=False, diff=False, **options):
    options.setdefault("wait_timeout", 30)
    return npm_result(NpmImage, url, check_mode=check_mode, diff=diff, **options)


def access_token(url):
    body = {"user_credentials": {"username": "admin", "password": "admin"}, "generate_refresh_token": False}
    return requests.post(url + "/api/mgmt.aaa/1.0/token", json=body, timeout=5).json()["access_token"]


class SlowHandler(SimpleHTTPRequestHandler):
    """Serves files in 64 KiB pieces with a pause between them (a slow mirror)."""

    pause = 0.1

    def log_message(self, format, *args):  # noqa: A002
        pass

    def copyfile(self, source, outputfile):
        while True:
            piece = source.read(64 * 1024)
            if not piece:
                break
            outputfile.write(piece)
            time.sleep(self.pause)


@pytest.fixture
def file_server(tmp_path):
    """Serves tmp_path: (base URL, handler class whose ``pause`` a test may raise)."""
    handler = type("Handler", (SlowHandler,), {"pause": 0.0})
    server = HTTPServer(("127.0.0.1", 0), partial(handler, directory=str(tmp_path)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield "http://127.0.0.1:%d/" % server.server_address[1], handler
    server.shutdown()
    server.server_close()


def test_upload_idempotent_check_and_diff(npm_sim, appliance, image_file):
    src = image_file(size=1024 * 1024)
    planned = run(appliance, check_mode=True, diff=True, src=src)
    assert planned["changed"] is True and "would upload" in planned["msg"]
    assert planned["diff"]["after"]["images"][0]["checksum"] == sha256_of(src)
    assert npm_mutations(npm_sim) == []
    result = run(appliance, diff=True, src=src, version="11.6.0")
    assert result["changed"] is True and result["image"]["state"] == "VALID" and result["bytes_sent"] == 1024 * 1024
    assert result["image"]["checksum"] == result["sha256"] == sha256_of(src)
    assert result["diff"]["before"]["images"] == [] and len(result["diff"]["after"]["images"]) == 1
    assert result["device_state"] == "image 1 11.6.0 #23947 VALID on the appliance"
    assert result["steps"] == ["uploaded", "validated"] and result["image_id"] == 1
    # an image changes no version: no component for the fleet report, only the version the appliance runs
    assert result["sw_version"] == "11.2.0 #13859" and not {"component", "previous_version", "version"} & set(result)
    npm_sim.clear_log()
    again = run(appliance, src=src)
    assert again["changed"] is False and again["bytes_sent"] == 0 and npm_mutations(npm_sim) == []


def test_checksum_and_version_mismatch(npm_sim, appliance, image_file):
    src = image_file(size=4096)
    refused = run(appliance, src=src, checksum="00" * 32)
    assert refused["failed"] and "not the expected checksum" in refused["msg"]
    assert npm_mutations(npm_sim) == []  # refused before any byte was sent
    wrong = run(appliance, src=src, version="11.7.0")
    assert wrong["failed"] and "is version 11.6.0 #23947, not the expected 11.7.0" in wrong["msg"]
    assert wrong["image_id"] == 1 and wrong["device_state"] == "image 1 11.6.0 #23947 VALID on the appliance"


def test_invalid_image_carries_the_device_state(npm_sim, appliance, tmp_path):
    junk = tmp_path / "junk.img"
    junk.write_bytes(b"x" * 10000)
    result = run(appliance, src=str(junk))
    assert result["failed"] and "marked image 1 INVALID: Image validation failed" in result["msg"]
    assert result["image_id"] == 1 and result["step"] == "validate"
    assert result["device_state"].startswith("image 1 INVALID, kept on the appliance for inspection")
    assert result["msg"].endswith("; device state: " + result["device_state"])


def test_interrupted_upload_deletes_the_image_it_left(npm_sim, appliance, image_file):
    npm_sim.update_device("ar1", {"drop_upload_after": 1024 * 1024})
    result = run(appliance, src=image_file(size=8 * 1024 * 1024))
    assert result["failed"] and "uploading" in result["msg"] and "the upload broke" in result["msg"]
    assert result["device_state"] == "no new image on the appliance (the interrupted upload's image 1 (UPLOAD_ERROR) was deleted)"
    assert result["step"] == "upload" and 1024 * 1024 <= result["bytes_sent"] < 8 * 1024 * 1024
    assert npm_sim.device_state("ar1")["images"] == []
    assert npm_mutations(npm_sim)[-1] == ("DELETE", "npm.system_update/2.0/images/items/1")


def test_interrupted_upload_names_the_image_left_when_it_cannot_be_deleted(npm_sim, appliance, image_file):
    npm_sim.update_device("ar1", {"drop_upload_after": 1024 * 1024, "delete_error": True})
    result = run(appliance, src=image_file(size=8 * 1024 * 1024))
    assert result["failed"] and result["image_id"] == 1
    assert result["device_state"].startswith("image 1 left in UPLOAD_ERROR (deleting it failed")
    assert "npm_image state=absent id=1" in result["device_state"]
    assert npm_sim.device_state("ar1")["images"][0]["state"] == "UPLOAD_ERROR"


def test_missing_file_is_refused_before_any_request(npm_sim, appliance, tmp_path):
    result = run(appliance, src=str(tmp_path / "nope.img"))
    assert result["failed"] and "does not exist" in result["msg"] and npm_sim.requests_for("ar1") == []
    assert result["device_state"] == "unchanged, nothing was sent to the appliance" and result["sw_version"] is None


def test_fetch_idempotent_by_version(npm_sim, appliance, image_file, file_server):
    base, _ = file_server  # pylint: disable=disallowed-name
    image_file(version="11.7.0 #5", size=300000, name="ar.img")
    assert run(appliance, check_mode=True, fetch_url=base + "ar.img", version="11.7.0")["changed"] is True
    assert npm_mutations(npm_sim) == []
    result = run(appliance, fetch_url=base + "ar.img", version="11.7.0")
    assert result["changed"] is True and result["image"]["version"] == "11.7.0 #5" and result["steps"] == ["fetch requested", "validated"]
    assert run(appliance, fetch_url=base + "ar.img", version="11.7.0")["changed"] is False
    assert "needs version or checksum" in run(appliance, fetch_url=base + "ar.img")["msg"]


def test_failed_fetch_deletes_its_upload_error_image(npm_sim, appliance, image_file, file_server):
    base, _ = file_server  # pylint: disable=disallowed-name
    image_file(version="11.8.0 #1", size=4096, name="ar.img")
    npm_sim.update_device("ar1", {"fetch_error": True})
    result = run(appliance, fetch_url=base + "ar.img", version="11.8.0")
    assert result["failed"] and "UPLOAD_ERROR: Fetch failed" in result["msg"]
    assert result["device_state"] == "no new image on the appliance (this task's image 1 ended UPLOAD_ERROR and was deleted)"
    assert npm_sim.device_state("ar1")["images"] == []


def test_absent(npm_sim, appliance):
    npm_sim.update_device("ar1", {"images": [{"version": "11.5.0 #1"}, {"version": "11.6.0 #2"}]})
    planned = run(appliance, check_mode=True, diff=True, state="absent", version="11.5.0")
    assert planned["changed"] is True and planned["deleted"] == [1] and npm_mutations(npm_sim) == []
    assert [i["id"] for i in planned["diff"]["after"]["images"]] == [2]
    deleted = run(appliance, state="absent", version="11.5.0")
    assert deleted["deleted"] == [1] and deleted["device_state"] == "deleted 11.5.0 #1 (id 1, VALID)"
    assert run(appliance, state="absent", id=1)["changed"] is False
    assert [i["id"] for i in npm_sim.device_state("ar1")["images"]] == [2]


def test_absent_failure_says_what_is_left(npm_sim, appliance):
    npm_sim.update_device("ar1", {"images": [{"version": "11.5.0 #1"}, {"version": "11.5.0 #2"}], "delete_error": True})
    result = run(appliance, state="absent", version="11.5.0")
    assert result["failed"] and "deleting image 11.5.0 #1 (id 1, VALID) failed" in result["msg"]
    assert result["device_state"] == "deleted nothing; still on the appliance: 11.5.0 #1 (id 1, VALID), 11.5.0 #2 (id 2, VALID)"


def test_hashed_before_the_upload_when_valid_images_exist(npm_sim, appliance, image_file):
    npm_sim.update_device("ar1", {"images": [{"version": "11.5.0 #1"}]})
    src = image_file(size=2 * 1024 * 1024)
    result = run(appliance, src=src)
    assert result["changed"] is True and result["sha256"] == sha256_of(src) and result["image"]["id"] == 2
    assert set(result["durations"]) == {"read", "hash", "upload", "validate"}
    assert run(appliance, src=src)["changed"] is False


# ---------------------------------------------------------------- an image of an earlier run still in progress
def test_waits_for_its_earlier_upload_instead_of_sending_it_again(npm_sim, appliance, image_file):
    npm_sim.update_device("ar1", {"validation_time": 1.5})
    src = image_file(size=1024 * 1024)
    started = run(appliance, src=src, wait=False)
    assert started["changed"] is True and started["image"]["state"] == "VALIDATING"
    npm_sim.clear_log()
    planned = run(appliance, check_mode=True, src=src)
    assert planned["changed"] is False and "image 1 with the SHA-256 of" in planned["msg"]
    assert "still VALIDATING; in check mode: would wait for it instead of sending the image again" in planned["msg"]
    not_waiting = run(appliance, src=src, wait=False)
    assert not_waiting["changed"] is False and not_waiting["waiting_for"] == 1
    assert "not waiting for it (wait=false) and not sending the image again" in not_waiting["msg"]
    result = run(appliance, src=src, version="11.6.0")
    assert npm_mutations(npm_sim) == []
    assert result["changed"] is False and result["image"]["state"] == "VALID" and result["bytes_sent"] == 0
    assert "sent by an earlier run became VALID after waiting" in result["msg"]
    assert [i["id"] for i in npm_sim.device_state("ar1")["images"]] == [1]


def test_a_timed_out_validation_is_waited_for_by_the_next_run(npm_sim, appliance, image_file):
    npm_sim.update_device("ar1", {"validation_time": 2.5})
    src = image_file(size=1024 * 1024)
    timed_out = run(appliance, src=src, wait_timeout=1)
    assert timed_out["failed"] and "image 1 stays on the appliance" in timed_out["msg"]
    assert timed_out["device_state"].startswith("image 1 still VALIDATING") and timed_out["image_id"] == 1
    npm_sim.clear_log()
    result = run(appliance, src=src)
    assert result["changed"] is False and result["image"]["state"] == "VALID"
    assert UPLOAD not in npm_mutations(npm_sim)


def test_waiting_for_an_earlier_upload_that_turns_out_invalid_fails_without_resending(npm_sim, appliance, tmp_path):
    npm_sim.update_device("ar1", {"validation_time": 1.0})
    junk = tmp_path / "junk.img"
    junk.write_bytes(b"y" * 50000)
    assert run(appliance, src=str(junk), wait=False)["changed"] is True
    npm_sim.clear_log()
    result = run(appliance, src=str(junk))
    assert result["failed"] and "was validated INVALID" in result["msg"] and UPLOAD not in npm_mutations(npm_sim)
    assert result["device_state"] == "image 1 INVALID, kept on the appliance for inspection"


def test_a_different_image_in_progress_does_not_stop_the_upload(npm_sim, appliance, image_file):
    npm_sim.update_device("ar1", {"validation_time": 3.0})
    assert run(appliance, src=image_file(version="11.5.0 #1", size=4096), wait=False)["changed"]
    npm_sim.update_device("ar1", {"validation_time": 0.05})
    result = run(appliance, src=image_file(version="11.6.0 #2", size=4096))
    assert result["changed"] is True and result["image"]["id"] == 2 and result["durations"]["validate"] < 2.5


def test_waits_for_an_earlier_fetch_not_identified_yet(npm_sim, appliance, image_file, file_server):
    base, handler = file_server
    handler.pause = 0.1  # 10 pieces of 64 KiB: about a second
    image_file(version="11.7.0 #5", size=640 * 1024, name="ar.img")
    started = run(appliance, fetch_url=base + "ar.img", version="11.7.0", wait=False)
    assert started["image"]["state"] == "UPLOADING" and "version" not in started["image"]
    npm_sim.clear_log()
    planned = run(appliance, check_mode=True, fetch_url=base + "ar.img", version="11.7.0")
    assert planned["changed"] is True and planned["msg"].startswith(
        "would first wait for version unknown (id 1, UPLOADING")
    result = run(appliance, fetch_url=base + "ar.img", version="11.7.0")
    assert result["changed"] is False and result["image"]["version"] == "11.7.0 #5"
    assert FETCH not in npm_mutations(npm_sim)


def test_token_expiring_while_waiting_carries_the_image_left(npm_sim, appliance, image_file):
    npm_sim.update_device("ar1", {"validation_time": 2.0, "token_lifetime": 0.8})
    result = run(appliance, src=image_file(size=4096), token=access_token(appliance))
    assert result["failed"] and "refused the given token" in result["msg"] and result["step"] == "validate"
    assert result["device_state"] == "image 1 VALIDATING on the appliance (uploaded by this task)" and result["image_id"] == 1


def test_nothing_sent_when_the_appliance_already_runs_the_version(npm_sim, appliance, image_file, file_server):
    npm_sim.update_device("ar1", {"sw_version": "11.6.0 #23947"})
    src = image_file(size=4096)
    for check_mode in (True, False):
        result = run(appliance, check_mode=check_mode, src=src, version="11.6.0")
        assert result["changed"] is False and result["msg"].startswith("already running 11.6.0 #23947")
        assert (result["sw_version"], result["device_state"]) == ("11.6.0 #23947", "runs 11.6.0 #23947")
    fetched = run(appliance, fetch_url=file_server[0] + "x.img", version="11.6.0 #23947")
    assert fetched["changed"] is False and npm_mutations(npm_sim) == []
    assert run(appliance, check_mode=True, src=src, version="11.7.0")["changed"] is True
