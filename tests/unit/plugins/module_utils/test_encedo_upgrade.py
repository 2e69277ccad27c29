"""encedo_upgrade task logic against the simulator (in this process), through the shared boundary."""

import re

import pytest

from ansible_collections.fleetops.upgrade.plugins.module_utils._encedo_upgrade import SPEC, EncedoUpgrade
from ansible_collections.fleetops.upgrade.plugins.module_utils._task import execute
from tests.unit.plugins.module_utils.encedo_support import device, device_paths, validated  # noqa: F401 - fixture  # pylint: disable=unused-import

MUTATING = ("/api/system/upgrade/upload_fw", "/api/system/upgrade/upload_ui", "/api/system/upgrade/check_fw",
            "/api/system/upgrade/check_ui", "/api/system/upgrade/install_fw", "/api/system/upgrade/install_ui",
            "/api/auth/token")


def upgrade(url, src, check_mode=False, diff=False, **args):
    args.setdefault("version", "1.3.0")
    args.setdefault("wait_timeout", 20)
    return execute(EncedoUpgrade, validated(SPEC, url=url, src=src, **args), check_mode=check_mode, diff=diff,
                   module="encedo_upgrade")


def failed(url, src, **args):
    result = upgrade(url, src, **args)
    assert result.get("failed") is True, result
    assert "exception" not in result, result["exception"]
    return result


def test_firmware_upgrade_on_a_personalised_device(encedo_sim, device, images):
    name, url = device(passphrase="pw", firmware="1.2.2")
    src = images("firmware", "1.3.0")[0]
    result = upgrade(url, src, passphrase="pw", diff=True)
    assert result["changed"] is True
    assert result["previous_version"] == "1.2.2" and result["version"] == "1.3.0"
    assert result["diff"] == {"before": {"firmware": "1.2.2"}, "after": {"firmware": "1.3.0"}}
    assert result["steps"] == ["authenticated", "uploaded", "checked", "install started", "rebooted", "verified",
                               "re-authenticated"]
    assert result["bytes_sent"] > 4096
    assert encedo_sim.devices[name].firmware == "1.3.0" and encedo_sim.devices[name].boots == 2


def test_second_run_changes_nothing_and_sends_no_request_but_reads(encedo_sim, device, images):
    name, url = device(firmware="1.3.0")
    src = images("firmware", "1.3.0")[0]
    result = upgrade(url, src)
    assert result["changed"] is False and result["steps"] == []
    assert device_paths(encedo_sim, name) == ["/api/system/version", "/api/system/status"]


def test_check_mode_reads_only_and_says_what_it_would_do(encedo_sim, device, images):
    name, url = device(firmware="1.2.2", passphrase="pw")
    src = images("firmware", "1.3.0")[0]
    result = upgrade(url, src, passphrase="pw", check_mode=True, diff=True)
    assert result["changed"] is True and "would upgrade firmware from 1.2.2 to 1.3.0" in result["msg"]
    assert result["diff"]["after"] == {"firmware": "1.3.0"}
    assert "passphrase accepted" in result["msg"]
    # the reads, and the token request that proves the passphrase (it issues a token and changes nothing)
    assert [(e["method"], e["path"].split(name, 1)[1]) for e in encedo_sim.requests_for(device=name)] == [
        ("GET", "/api/system/version"), ("GET", "/api/system/status"), ("GET", "/api/auth/token"),
        ("POST", "/api/auth/token")]
    assert encedo_sim.devices[name].firmware == "1.2.2"


def test_check_mode_refuses_a_wrong_passphrase_as_the_real_run_would(encedo_sim, device, images):
    name, url = device(firmware="1.2.2", passphrase="pw")
    result = failed(url, images("firmware", "1.3.0")[0], passphrase="wrong", check_mode=True)
    assert result["msg"].startswith("check mode: the passphrase was refused")
    assert "wrong" not in result["msg"] and "keeps firmware 1.2.2" in result["device_state"]
    assert not [p for p in device_paths(encedo_sim, name) if p.startswith("/api/system/upgrade/")]


def test_check_mode_proves_a_ready_token_with_a_read(encedo_sim, device, images):
    name, url = device(firmware="1.2.2", passphrase="pw")
    src = images("firmware", "1.3.0")[0]
    token = encedo_sim.devices[name].issue_token("system:upgrade")
    result = upgrade(url, src, token=token, check_mode=True)
    assert result["changed"] is True and "token accepted" in result["msg"]
    assert device_paths(encedo_sim, name)[-1] == "/api/system/status"
    encedo_sim.devices[name].boot_key = b"another boot" * 3  # the token is of an earlier boot now
    stale = failed(url, src, token=token, check_mode=True)
    assert stale["msg"].startswith("check mode: the token was refused") and token not in stale["msg"]
    assert not [p for p in device_paths(encedo_sim, name) if p.startswith("/api/system/upgrade/")]


def test_management_app_upgrade_without_reboot(encedo_sim, device, images):
    name, url = device()
    src, header = images("ui", "2.0.0")
    result = upgrade(url, src, component="ui", uis=header["uis"], version=None)
    assert result["changed"] is True and result["version"] == header["uis"]
    assert encedo_sim.devices[name].boots == 1
    again = upgrade(url, src, component="ui", uis=header["uis"], version=None)
    assert again["changed"] is False


def test_stage_only_uploads_and_checks(encedo_sim, device, images):
    name, url = device(firmware="1.2.2")
    src = images("firmware", "1.3.0")[0]
    result = upgrade(url, src, install=False)
    assert result["changed"] is True and result["version"] == "1.2.2" and result["device_state"] == "image staged"
    assert encedo_sim.devices[name].staged["fw"]["verdict"] == "valid"
    assert not any("install" in p for p in device_paths(encedo_sim, name))


def test_wait_false_returns_once_the_install_started(encedo_sim, device, images):
    name, url = device(firmware="1.2.2", reboot_seconds=5)
    src = images("firmware", "1.3.0")[0]
    result = upgrade(url, src, wait=False)
    assert result["changed"] is True and result["steps"][-1] == "install started"
    assert encedo_sim.devices[name].is_down()


def test_epa_is_refused(device, images):
    name, url = device(model="EPA")
    assert re.search("not supported on EPA", failed(url, images("firmware", "1.3.0")[0])["msg"])


@pytest.mark.parametrize("component, filename", [("firmware", "webroot.tar"), ("ui", "firmware.bin")])
def test_wrong_file_name_for_the_component_is_refused(device, tmp_path, component, filename):
    name, url = device()
    path = tmp_path / filename
    path.write_bytes(b"x")
    assert re.search("does not look like a %s image" % component, failed(url, str(path), component=component, uis="x")["msg"])


def test_missing_image_is_refused(device, tmp_path):
    name, url = device()
    assert re.search("does not exist", failed(url, str(tmp_path / "firmware.bin"))["msg"])


@pytest.mark.parametrize("component, size, limit", [("firmware", 3 * 1024 * 1024 + 1, "3 MiB"), ("ui", 16 * 1024 * 1024 + 1, "16 MiB")])
def test_oversize_image_is_refused(device, tmp_path, component, size, limit):
    name, url = device()
    path = tmp_path / ("image.bin" if component == "firmware" else "image.tar")
    with open(path, "wb") as handle:
        handle.truncate(size)
    assert re.search("at most .*%s" % limit, failed(url, str(path), component=component, uis="x")["msg"])


def test_latched_fault_is_refused_unless_forced(encedo_sim, device, images):
    name, url = device(fls_state=2)
    src = images("firmware", "1.3.0")[0]
    assert re.search("latched fault .*keeps firmware 1.2.2", failed(url, src)["msg"])
    assert upgrade(url, src, force=True)["version"] == "1.3.0"


def test_failed_check_says_the_device_keeps_its_firmware(encedo_sim, device, images):
    name, url = device(check_fails=True)
    src = images("firmware", "1.3.0")[0]
    caught = failed(url, src)
    assert "check failed, HTTP 406" in caught["msg"]
    assert caught["device_state"] == "not installed; the device keeps firmware 1.2.2"
    assert encedo_sim.devices[name].firmware == "1.2.2"


def test_corrupt_image_fails_the_check(encedo_sim, device, images):
    name, url = device()
    src = images("firmware", "1.3.0", corrupt=True)[0]
    assert re.search("rejected the firmware image", failed(url, src)["msg"])


@pytest.mark.parametrize("component, payload", [("firmware", 2 * 1024 * 1024), ("ui", 12 * 1024 * 1024)])
def test_dropped_upload_is_reported_with_bytes_and_state(encedo_sim, device, images, component, payload):
    name, url = device(drop_upload_at=100000)
    src, header = images(component, "1.3.0", payload_size=payload)
    caught = failed(url, src, component=component, uis=header.get("uis"))
    assert "the upload broke: the device closed the connection without an answer" in caught["msg"]
    assert "keeps %s" % component in caught["device_state"]
    if component == "ui":
        assert 0 < caught["bytes_sent"] < payload
    assert encedo_sim.devices[name].staged == {}


def test_refused_token_costs_no_upload(encedo_sim, device, images):
    name, url = device(passphrase="pw")
    src = images("firmware", "1.3.0")[0]
    caught = failed(url, src, token="not-a-token")
    assert "HTTP 401" in caught["msg"] and "refused before the image was sent" in caught["msg"]
    uploads = encedo_sim.requests_for(device=name, methods=("POST",))
    assert len(uploads) == 1 and uploads[0]["status"] == 401 and uploads[0]["body_bytes"] == 0


def test_personalised_device_without_credentials_is_refused(device, images):
    name, url = device(passphrase="pw")
    assert re.search("give passphrase or token", failed(url, images("firmware", "1.3.0")[0])["msg"])


def test_reboot_that_never_ends_times_out_with_last_state(device, images):
    name, url = device(reboot_never_ends=True)
    src = images("firmware", "1.3.0")[0]
    caught = failed(url, src, wait_timeout=3)
    assert "timed out after" in caught["msg"] and "last state seen: unreachable" in caught["msg"]
    assert caught["device_state"] == "install started but the device did not come back"


def test_an_image_of_another_version_fails_but_says_the_device_changed_and_what_it_runs(encedo_sim, device, images):
    name, url = device()
    src = images("firmware", "1.3.1")[0]
    result = failed(url, src, version="1.3.0", diff=True)
    assert result["changed"] is True
    assert result["previous_version"] == "1.2.2" and result["version"] == "1.3.1"
    assert result["device_state"] == "running firmware 1.3.1"
    assert ("the device now runs firmware 1.3.1, not the asked version 1.3.0: the image %s carries 1.3.1" % src
            in result["msg"])
    assert "a rerun would flash it again" in result["msg"]
    assert result["steps"][-1] == "rebooted" and encedo_sim.devices[name].boots == 2


def test_a_management_app_image_of_another_uis_says_the_device_changed(encedo_sim, device, images):
    name, url = device()
    src, header = images("ui", "2.0.0")
    result = failed(url, src, component="ui", uis="not-this-one", version=None)
    assert result["changed"] is True and result["version"] == header["uis"]
    assert result["device_state"] == "running ui %s" % header["uis"]


@pytest.mark.parametrize("when, installed", [("after", True), ("before", False)])
def test_a_lost_answer_to_install_ui_still_tells_the_state_and_steps(encedo_sim, device, images, when, installed):
    name, url = device(drop_install_answer=when)
    src, header = images("ui", "2.0.0")
    result = upgrade(url, src, component="ui", uis=header["uis"], version=None)
    assert "install requested (no answer)" in result["steps"]
    if installed:
        assert result.get("failed") is not True, result["msg"]
        assert result["changed"] is True and result["device_state"] == "running %s" % header["uis"]
        assert "install request was lost" in result["warnings"][0]
    else:
        assert result["failed"] is True and result["changed"] is False
        assert result["steps"] == ["uploaded", "checked", "install requested (no answer)"]
        assert result["device_state"] == "not installed; the device keeps ui %s" % encedo_sim.devices[name].uis
        assert "got no answer" in result["msg"]


def test_rtc_not_set_after_reboot_is_a_warning(device, images):
    name, url = device(passphrase="pw", rtc_unset_after_reboot=True)
    src = images("firmware", "1.3.0")[0]
    result = upgrade(url, src, passphrase="pw")
    assert result["version"] == "1.3.0"
    assert "clock is not set" in result["warnings"][0]


def test_unreachable_device_fails_clearly(images):
    assert re.search("device unreachable: connection refused", failed("http://127.0.0.1:9", images("firmware", "1.3.0")[0])["msg"])


def requests_after_install(encedo_sim, name):
    log = encedo_sim.requests_for(device=name)
    start = max(i for i, e in enumerate(log) if e["path"].endswith("/install_fw"))
    return [(e["path"].split(name, 1)[1], e["method"], e["authorization"]) for e in log[start + 1:]]


def test_reboot_is_awaited_without_the_dead_token_and_a_new_one_is_asked_for(encedo_sim, device, images):
    name, url = device(passphrase="pw", firmware="1.2.2")
    src = images("firmware", "1.3.0")[0]
    result = upgrade(url, src, passphrase="pw", wait_timeout=5)
    assert result.get("failed") is not True, result["msg"]
    assert result["version"] == "1.3.0" and result["steps"][-1] == "re-authenticated"
    after = requests_after_install(encedo_sim, name)
    assert after and all(not carried for path, method, carried in after)
    assert ("/api/system/version", "GET", False) in after and after[-1] == ("/api/auth/token", "POST", False)


def test_a_given_token_is_not_sent_after_the_reboot(encedo_sim, device, images):
    name, url = device(passphrase="pw", firmware="1.2.2")
    token = encedo_sim.devices[name].issue_token("system:upgrade")
    result = upgrade(url, images("firmware", "1.3.0")[0], token=token, wait_timeout=5)
    assert result.get("failed") is not True, result["msg"]
    assert result["version"] == "1.3.0" and result["device_state"] == "running 1.3.0"
    assert not any(carried for path, method, carried in requests_after_install(encedo_sim, name))
    reads = [e for e in encedo_sim.requests_for(device=name) if e["path"].endswith(("/status", "/version"))]
    assert reads and not any(e["authorization"] for e in reads)


def test_the_passphrase_flow_asks_for_the_scope_given(encedo_sim, device, images):
    name, url = device(passphrase="pw", firmware="1.2.2")
    result = upgrade(url, images("firmware", "1.3.0")[0], passphrase="pw", scope="system:config", wait_timeout=5)
    assert result.get("failed") is not True, result["msg"]
    assert result["version"] == "1.3.0"
    assert encedo_sim.devices[name].issued_scopes == ["system:config", "system:config"]


def test_the_default_scope_is_system_upgrade(encedo_sim, device, images):
    name, url = device(passphrase="pw", firmware="1.2.2")
    upgrade(url, images("ui", "2.0.0")[0], passphrase="pw", component="ui", uis="x", version=None)
    assert encedo_sim.devices[name].issued_scopes == ["system:upgrade"]


REPORT_KEYS = {"changed", "msg", "component", "previous_version", "version", "device_state", "durations", "steps"}


@pytest.mark.parametrize("config, args, check_mode, failed_expected, state", [
    ({}, {}, False, False, "running 1.3.0"),
    ({"firmware": "1.3.0"}, {}, False, False, "running 1.3.0"),
    ({}, {}, True, False, "unchanged; the device keeps firmware 1.2.2"),
    ({"check_fails": True}, {}, False, True, "not installed; the device keeps firmware 1.2.2"),
    ({"model": "EPA"}, {}, False, True, "unchanged; the device keeps firmware 1.2.2"),
    ({}, {"src": "/nonexistent/firmware.bin"}, False, True, "unchanged: nothing was sent to the device"),
    ({}, {"url": "http://127.0.0.1:9"}, False, True, "unchanged: nothing was sent to the device"),
])
def test_the_fleet_report_keys_are_there_on_success_and_failure(device, images, config, args, check_mode,
                                                                failed_expected, state):
    name, url = device(**config)
    read_fails = bool(args)
    args = dict({"url": url, "src": images("firmware", "1.3.0")[0]}, **args)
    result = upgrade(args.pop("url"), args.pop("src"), check_mode=check_mode, **args)
    assert REPORT_KEYS <= set(result), REPORT_KEYS - set(result)
    assert bool(result.get("failed")) is failed_expected and result["component"] == "firmware"
    assert result["device_state"] == state
    assert result["previous_version"] == (None if read_fails else config.get("firmware", "1.2.2"))


def test_a_lost_install_fw_answer_without_a_reboot_fails_after_the_grace(encedo_sim, device, images, monkeypatch):
    monkeypatch.setattr(EncedoUpgrade, "LOST_ANSWER_GRACE", 1)
    name, url = device(drop_install_answer="before")
    result = failed(url, images("firmware", "1.3.0")[0], wait_timeout=30)
    assert "got no answer and the device kept running the same boot for 1s" in result["msg"]
    assert result["device_state"] == "not installed; the device keeps firmware 1.2.2"
    assert result["changed"] is False and result["step"] == "reboot"
    assert result["durations"]["reboot"] < 10


def test_a_lost_install_fw_answer_with_a_reboot_is_verified(encedo_sim, device, images):
    name, url = device(drop_install_answer="after")
    result = upgrade(url, images("firmware", "1.3.0")[0], wait_timeout=10)
    assert result.get("failed") is not True, result["msg"]
    assert result["version"] == "1.3.0" and "install requested (no answer)" in result["steps"]


def test_a_fw_upgrade_flag_left_from_an_earlier_upgrade_is_not_taken_for_the_reboot(encedo_sim, device, images):
    name, url = device(reboot_seconds=0.5, reboot_delay=1.5)
    encedo_sim.devices[name].fw_upgrade_done = True
    encedo_sim.devices[name].booted_at -= 100
    result = upgrade(url, images("firmware", "1.3.0")[0], wait_timeout=15)
    assert result.get("failed") is not True, result["msg"]
    assert result["version"] == "1.3.0"
