"""encedo_info / encedo_upgrade task logic against the simulator (in this process)."""

import pytest
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

from ansible_collections.fleetops.upgrade.plugins.module_utils._encedo_tasks import (
    INFO_SPEC, UPGRADE_SPEC, run_info, run_upgrade,
)
from ansible_collections.fleetops.upgrade.plugins.module_utils._errors import FleetopsError, TaskError
from tests.conftest import unique

MUTATING = ("/api/system/upgrade/upload_fw", "/api/system/upgrade/upload_ui", "/api/system/upgrade/check_fw",
            "/api/system/upgrade/check_ui", "/api/system/upgrade/install_fw", "/api/system/upgrade/install_ui",
            "/api/auth/token")


def validated(spec, **args):
    spec = dict(spec)
    result = ArgumentSpecValidator(spec.pop("argument_spec"), **spec).validate(args)
    assert not result.error_messages, result.error_messages
    return result.validated_parameters


@pytest.fixture()
def device(encedo_sim):
    def make(**config):
        name = unique("hem")
        config = dict({"auth_delay": 0.01, "reboot_seconds": 0.3, "validation_seconds": 0.05}, **config)
        encedo_sim.create_device(name, config)
        return name, "%s/%s" % (encedo_sim.url, name)
    return make


def upgrade(url, src, check_mode=False, diff=False, **args):
    args.setdefault("version", "1.3.0")
    args.setdefault("wait_timeout", 20)
    return run_upgrade(validated(UPGRADE_SPEC, url=url, src=src, **args), check_mode=check_mode, diff=diff)


def device_paths(encedo_sim, name):
    return [e["path"].split(name, 1)[1] for e in encedo_sim.requests_for(device=name)]


def test_info_reports_versions_model_and_state(encedo_sim, device):
    name, url = device(firmware="1.2.2", diag=True, fls_state=4)
    result = run_info(validated(INFO_SPEC, url=url))
    assert result["changed"] is False
    assert result["firmware_version"] == "1.2.2" and result["diag"] is True
    assert result["fwv"] == "Encedo nGINE FW v1.2.2-DIAG"
    assert result["model"] == "PPA" and result["personalised"] is False
    assert result["fault"] is True and result["fls_state"] == 4
    assert result["bootloader"].startswith("Encedo Secure Bootloader")


def test_info_on_epa(device):
    name, url = device(model="EPA")
    result = run_info(validated(INFO_SPEC, url=url))
    assert result["model"] == "EPA" and result["uis"] is None


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
    assert set(device_paths(encedo_sim, name)) == {"/api/system/version", "/api/system/status"}
    assert encedo_sim.devices[name].firmware == "1.2.2"


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
    with pytest.raises(TaskError, match="not supported on EPA"):
        upgrade(url, images("firmware", "1.3.0")[0])


@pytest.mark.parametrize("component, filename", [("firmware", "webroot.tar"), ("ui", "firmware.bin")])
def test_wrong_file_name_for_the_component_is_refused(device, tmp_path, component, filename):
    name, url = device()
    path = tmp_path / filename
    path.write_bytes(b"x")
    with pytest.raises(TaskError, match="does not look like a %s image" % component):
        upgrade(url, str(path), component=component, uis="x")


def test_missing_image_is_refused(device, tmp_path):
    name, url = device()
    with pytest.raises(TaskError, match="does not exist"):
        upgrade(url, str(tmp_path / "firmware.bin"))


@pytest.mark.parametrize("component, size, limit", [("firmware", 3 * 1024 * 1024 + 1, "3 MiB"), ("ui", 16 * 1024 * 1024 + 1, "16 MiB")])
def test_oversize_image_is_refused(device, tmp_path, component, size, limit):
    name, url = device()
    path = tmp_path / ("image.bin" if component == "firmware" else "image.tar")
    with open(path, "wb") as handle:
        handle.truncate(size)
    with pytest.raises(TaskError, match="at most .*%s" % limit):
        upgrade(url, str(path), component=component, uis="x")


def test_latched_fault_is_refused_unless_forced(encedo_sim, device, images):
    name, url = device(fls_state=2)
    src = images("firmware", "1.3.0")[0]
    with pytest.raises(TaskError, match="latched fault .*keeps firmware 1.2.2"):
        upgrade(url, src)
    assert upgrade(url, src, force=True)["version"] == "1.3.0"


def test_failed_check_says_the_device_keeps_its_firmware(encedo_sim, device, images):
    name, url = device(check_fails=True)
    src = images("firmware", "1.3.0")[0]
    with pytest.raises(FleetopsError) as caught:
        upgrade(url, src)
    assert "check failed, HTTP 406" in caught.value.msg
    assert caught.value.details["device_state"] == "not installed; the device keeps firmware 1.2.2"
    assert encedo_sim.devices[name].firmware == "1.2.2"


def test_corrupt_image_fails_the_check(encedo_sim, device, images):
    name, url = device()
    src = images("firmware", "1.3.0", corrupt=True)[0]
    with pytest.raises(FleetopsError, match="rejected the firmware image"):
        upgrade(url, src)


@pytest.mark.parametrize("component, payload", [("firmware", 2 * 1024 * 1024), ("ui", 12 * 1024 * 1024)])
def test_dropped_upload_is_reported_with_bytes_and_state(encedo_sim, device, images, component, payload):
    name, url = device(drop_upload_at=100000)
    src, header = images(component, "1.3.0", payload_size=payload)
    with pytest.raises(FleetopsError) as caught:
        upgrade(url, src, component=component, uis=header.get("uis"))
    assert "the upload broke: the device closed the connection without an answer" in caught.value.msg
    assert "keeps %s" % component in caught.value.details["device_state"]
    if component == "ui":
        assert 0 < caught.value.details["bytes_sent"] < payload
    assert encedo_sim.devices[name].staged == {}


def test_refused_token_costs_no_upload(encedo_sim, device, images):
    name, url = device(passphrase="pw")
    src = images("firmware", "1.3.0")[0]
    with pytest.raises(FleetopsError) as caught:
        upgrade(url, src, token="not-a-token")
    assert "HTTP 401" in caught.value.msg and "refused before the image was sent" in caught.value.msg
    uploads = encedo_sim.requests_for(device=name, methods=("POST",))
    assert len(uploads) == 1 and uploads[0]["status"] == 401 and uploads[0]["body_bytes"] == 0


def test_personalised_device_without_credentials_is_refused(device, images):
    name, url = device(passphrase="pw")
    with pytest.raises(TaskError, match="give passphrase or token"):
        upgrade(url, images("firmware", "1.3.0")[0])


def test_reboot_that_never_ends_times_out_with_last_state(device, images):
    name, url = device(reboot_never_ends=True)
    src = images("firmware", "1.3.0")[0]
    with pytest.raises(FleetopsError) as caught:
        upgrade(url, src, wait_timeout=3)
    assert "timed out after" in caught.value.msg and "last state seen: unreachable" in caught.value.msg
    assert caught.value.details["device_state"] == "install started but the device did not come back"


def test_device_that_comes_back_with_another_version_fails_verification(device, images):
    name, url = device()
    src = images("firmware", "1.3.1")[0]
    with pytest.raises(FleetopsError, match="reports firmware 1.3.1 after the install, expected 1.3.0"):
        upgrade(url, src, version="1.3.0")


def test_transient_5xx_on_reads_is_retried(encedo_sim, device, images):
    name, url = device(fail_requests={"status": 503, "count": 1})
    result = run_info(validated(INFO_SPEC, url=url))
    assert result["firmware_version"] == "1.2.2"


def test_rtc_not_set_after_reboot_is_a_warning(device, images):
    name, url = device(passphrase="pw", rtc_unset_after_reboot=True)
    src = images("firmware", "1.3.0")[0]
    result = upgrade(url, src, passphrase="pw")
    assert result["version"] == "1.3.0"
    assert "clock is not set" in result["warnings"][0]


def test_unreachable_device_fails_clearly(images):
    with pytest.raises(FleetopsError, match="device unreachable: connection refused"):
        upgrade("http://127.0.0.1:9", images("firmware", "1.3.0")[0])
