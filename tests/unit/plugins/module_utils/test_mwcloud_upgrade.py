"""mwcloud_upgrade task logic against the simulator in-thread, through the shared boundary."""

import re
import threading
import time

import pytest

from ansible_collections.fleetops.upgrade.plugins.module_utils._mwcloud_upgrade import SPEC as UPGRADE_SPEC
from ansible_collections.fleetops.upgrade.plugins.module_utils._mwcloud_upgrade import MwCloudUpgrade, device_result
from ansible_collections.fleetops.upgrade.plugins.module_utils._task import execute
from tests.unit.plugins.module_utils.mwcloud_support import FLEET, mutating, params, sim  # noqa: F401 - fixture  # pylint: disable=unused-import


def upgrade(sim, check_mode=False, diff=False, **args):
    args.setdefault("poll_interval", 0.05)
    args.setdefault("wait_timeout", 10)
    return execute(MwCloudUpgrade, params(UPGRADE_SPEC, sim, **args), check_mode=check_mode, diff=diff,
                   module="mwcloud_upgrade")


def failed(sim, **args):
    result = upgrade(sim, **args)
    assert result.get("failed") is True, result
    assert "exception" not in result, result["exception"]
    return result


def by_serial(result):
    return {d["serial"]: d for d in result["devices"]}


def test_upgrade_batches_by_family_product_hardware_and_waits(sim):
    result = upgrade(sim, serial_numbers=["A1", "A2", "A3", "B1"], version="1.6.201", diff=True)
    devices = by_serial(result)
    assert result["changed"] is True
    assert {s: d["status"] for s, d in devices.items()} == {"A1": "upgraded", "A2": "upgraded", "A3": "current", "B1": "upgraded"}
    assert devices["A1"]["from"] == "1.5.178" and devices["A1"]["to"] == "1.6.201" and devices["A1"]["firmware_id"] == 22
    assert devices["B1"]["firmware_id"] == 23
    assert [(b["hardware_version"], b["firmware_id"], b["serial_numbers"]) for b in result["batches"]] == [
        ("A", 22, ["A1", "A2"]), ("B", 23, ["B1"])]
    assert result["diff"] == {"before": {"A1": "1.5.178", "A2": "1.5.178", "B1": "1.5.178"},
                              "after": {"A1": "1.6.201", "A2": "1.6.201", "B1": "1.6.201"}}
    assert [sorted(e["sns"]) for e in mutating(sim)] == [["A1", "A2"], ["B1"]]
    assert {sim.devices[s].firmware for s in ("A1", "A2", "B1")} == {"1.6.201"}
    assert sim.sessions == {}

    sim.clear_log()
    again = upgrade(sim, serial_numbers=["A1", "A2", "A3", "B1"], version="1.6.201")
    assert again["changed"] is False and again["batches"] == []
    assert {d["status"] for d in again["devices"]} == {"current"}
    assert mutating(sim) == []


def test_check_mode_only_reads_and_returns_the_batches(sim):
    result = upgrade(sim, check_mode=True, diff=True, serial_numbers=["A1", "A2", "B1"], version="1.6.201")
    assert result["changed"] is True
    assert mutating(sim) == []
    assert [r["method"] for r in sim.requests_for() if r["path"] not in ("/sc_cloud/login", "/sc_cloud/logout")] == ["GET", "GET"]
    assert [b["serial_numbers"] for b in result["batches"]] == [["A1", "A2"], ["B1"]]
    assert by_serial(result)["A1"]["status"] == "would upgrade"
    assert sim.devices["A1"].firmware == "1.5.178"


def test_check_mode_fails_like_the_real_run_for_a_version_the_catalogue_lacks(sim):
    error = failed(sim, check_mode=True, serial_numbers=["A1", "E1"], version="1.6.201")
    assert "versions there: 2.3.43, 2.4.12" in by_serial(error)["E1"]["msg"]
    assert "E1" in error["msg"]


def test_unknown_version_fails_listing_the_catalogue_versions(sim):
    error = failed(sim, serial_numbers=["A1"], version="9.9.9")
    assert "no firmware 9.9.9 in the catalogue for product 770 (Pro Convert HDMI 4K Plus) hardware A; " \
           "versions there: 1.5.178, 1.6.201" in error["msg"]
    assert mutating(sim) == []


def test_firmware_id_must_fit_the_device(sim):
    result = upgrade(sim, serial_numbers=["A1"], firmware_id=22, wait=False)
    assert by_serial(result)["A1"]["status"] == "started"
    assert re.search("firmware id 22 .* is for product 770 hardware A, the device is product 770 hardware B",
                     failed(sim, serial_numbers=["B1"], firmware_id=22)["msg"])
    assert re.search("firmware id 99 is not in the cloud's catalogue", failed(sim, serial_numbers=["B1"], firmware_id=99)["msg"])


def test_repeat_operation_is_in_progress_and_followed(sim):
    sim.settings["transfer_seconds"] = 1.5
    first = upgrade(sim, serial_numbers=["A1"], version="1.6.201", wait=False)
    assert by_serial(first)["A1"]["status"] == "started"
    second = upgrade(sim, serial_numbers=["A1"], version="1.6.201", wait=False)
    assert by_serial(second)["A1"]["status"] == "in progress" and second["changed"] is True
    third = upgrade(sim, serial_numbers=["A1"], version="1.6.201")
    assert by_serial(third)["A1"]["status"] == "upgraded"
    assert sim.devices["A1"].firmware == "1.6.201" and sim.devices["A1"].upgrades_started == 1


def test_version_in_numbers_shape_and_unreported_version(sim):
    result = upgrade(sim, serial_numbers=["E1"], version="2.4.12")
    assert by_serial(result)["E1"]["status"] == "upgraded" and sim.devices["E1"].firmware == "2.4.12"
    assert re.search("does not report its firmware version", failed(sim, serial_numbers=["S1"], version="3.1.2")["msg"])
    assert mutating(sim)[-1]["sns"] == ["E1"]
    forced = upgrade(sim, serial_numbers=["S1"], version="3.1.2", force=True, wait=False)
    assert by_serial(forced)["S1"]["status"] == "started"


def test_missing_and_offline_devices_fail_by_themselves(sim):
    error = failed(sim, serial_numbers=["A1", "GHOST", "OFF"], version="1.6.201", wait_timeout=2)
    devices = by_serial(error)
    assert devices["A1"]["status"] == "upgraded"
    assert devices["GHOST"]["msg"] == "no device with this serial number on the cloud"
    assert devices["OFF"]["status"] == "timeout"
    assert "was offline and did not come back online within" in devices["OFF"]["msg"]
    assert devices["OFF"]["device_state"] == "offline (flashing or rebooting)"
    assert error["changed"] is True
    assert "failed for 2 of 3 device(s)" in error["msg"]
    assert [sorted(e["sns"]) for e in mutating(sim)] == [["A1"]]


def test_an_offline_device_is_not_waited_for_without_wait(sim):
    error = failed(sim, serial_numbers=["OFF"], version="1.6.201", wait=False)
    assert "offline" in by_serial(error)["OFF"]["msg"] and "wait" in by_serial(error)["OFF"]["msg"]
    assert mutating(sim) == []


def wait_until_offline(sim, serial, timeout=5):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with sim.lock:
            if sim.devices[serial].advance() == "flashing":
                return
        time.sleep(0.02)
    raise AssertionError("%s never went offline to flash" % serial)


def test_a_rerun_while_a_device_flashes_waits_for_it_instead_of_failing_it(sim):
    sim.settings.update(transfer_seconds=0.1, offline_seconds=1.0)
    first = upgrade(sim, serial_numbers=["A1", "A2"], version="1.6.201", wait=False)
    assert {d["status"] for d in first["devices"]} == {"started"}
    wait_until_offline(sim, "A1")
    sim.clear_log()
    again = upgrade(sim, serial_numbers=["A1", "A2"], version="1.6.201")
    assert again.get("failed") is not True, again["msg"]
    devices = by_serial(again)
    assert {d["status"] for d in devices.values()} == {"upgraded"}
    assert "came back online at 1.6.201" in devices["A1"]["msg"]
    assert devices["A1"]["device_state"] == "online at 1.6.201"
    assert mutating(sim) == [] and sim.devices["A1"].upgrades_started == 1


def test_a_device_back_from_offline_below_the_target_is_started_then(sim):
    def come_back():
        time.sleep(0.3)
        with sim.lock:
            sim.devices["OFF"].online = True
    threading.Thread(target=come_back).start()
    result = upgrade(sim, serial_numbers=["OFF"], version="1.6.201")
    assert result.get("failed") is not True, result["msg"]
    assert by_serial(result)["OFF"]["status"] == "upgraded"
    assert [e["sns"] for e in mutating(sim)] == [["OFF"]]


def test_check_mode_says_an_offline_device_would_be_waited_for(sim):
    result = upgrade(sim, check_mode=True, serial_numbers=["OFF"], version="1.6.201")
    assert result["changed"] is True and by_serial(result)["OFF"]["status"] == "would upgrade"
    assert "offline" in by_serial(result)["OFF"]["msg"] and mutating(sim) == []


def test_device_that_never_returns_times_out_with_last_state(sim):
    sim.devices["A2"].never_returns = True
    error = failed(sim, serial_numbers=["A1", "A2"], version="1.6.201", wait_timeout=1)
    devices = by_serial(error)
    assert devices["A1"]["status"] == "upgraded"
    assert devices["A2"]["status"] == "timeout"
    assert "last state seen: offline" in devices["A2"]["msg"]


def test_rejected_batch_and_per_device_error(sim):
    sim.settings["reject_batches"] = -30
    error = failed(sim, serial_numbers=["A1", "B1"], version="1.6.201")
    assert {d["msg"] for d in error["devices"]} == {"the cloud refused the batch: API status -30"}
    assert [b["result"] for b in error["batches"]] == [-30, -30]
    sim.settings["reject_batches"] = 0
    sim.devices["A2"].start_result = -40
    error = failed(sim, serial_numbers=["A1", "A2"], version="1.6.201")
    devices = by_serial(error)
    assert devices["A1"]["status"] == "upgraded"
    assert devices["A2"]["msg"] == "the cloud did not start the upgrade: API status -40"


def test_non_admin_and_login_errors_have_their_own_messages(sim):
    error = failed(sim, serial_numbers=["A1"], version="1.6.201", username="viewer", password="viewer-pw")
    assert re.search("user 'viewer' is not an administrator", error["msg"])
    assert error["changed"] is False
    assert [d["status"] for d in error["devices"]] == ["not started"]
    assert re.search("wrong password for user 'Admin'", failed(sim, serial_numbers=["A1"], version="1.6.201", password="bad")["msg"])
    assert re.search("user 'ghost' does not exist", failed(sim, serial_numbers=["A1"], version="1.6.201", username="ghost")["msg"])
    assert sim.devices["A1"].upgrade is None


def test_session_expiring_during_the_wait_is_renewed(sim, monkeypatch):
    """The cloud forgets the session right after it accepted the upgrade, so the wait's next poll is refused (401):
    the task logs in again and waits on. (A session_ttl of 0.1 s did this by the clock, and also expired the session
    between the login and the next request whenever the machine was busy: a failure that proved nothing.)"""
    start_upgrade = sim.start_upgrade

    def start_then_expire(request, session):
        answer = start_upgrade(request, session)
        with sim.lock:
            sim.sessions.clear()
        return answer
    monkeypatch.setattr(sim, "start_upgrade", start_then_expire)
    sim.settings["transfer_seconds"] = 0.4
    result = upgrade(sim, serial_numbers=["A1"], version="1.6.201", poll_interval=0.2)
    assert by_serial(result)["A1"]["status"] == "upgraded"
    log = sim.requests_for()
    started = [i for i, e in enumerate(log) if e["path"] == "/sc_cloud/upgrade/start"]
    refused = [i for i, e in enumerate(log) if e["status"] == 401]
    assert len(started) == 1 and len(refused) == 1 and refused[0] > started[0], log
    assert log[refused[0] + 1]["path"] == "/sc_cloud/login" and log[refused[0] + 2]["path"] == log[refused[0]]["path"], log
    assert len([e for e in log if e["path"] == "/sc_cloud/login"]) == 2


def test_batch_size_splits_large_batches(sim):
    for index in range(5):
        sim.create_device("N%d" % index, {"family": 1, "product_id": 770, "hardware": "A", "firmware": "1.5.178"})
    result = upgrade(sim, check_mode=True, serial_numbers=["N%d" % i for i in range(5)], version="1.6.201", batch_size=2)
    assert [b["serial_numbers"] for b in result["batches"]] == [["N0", "N1"], ["N2", "N3"], ["N4"]]


@pytest.mark.parametrize("args, message", [
    (dict(serial_numbers=[], version="1"), "serial_numbers is empty"),
    (dict(serial_numbers=["A1"], version="1", batch_size=0), "batch_size must be at least 1"),
    (dict(serial_numbers=["A1"], version=" "), "version is empty"),
])
def test_bad_input_fails_clearly(sim, args, message):
    assert re.search(message, failed(sim, **args)["msg"])
    assert sim.requests_for() == []


REPORT_KEYS = {"changed", "msg", "component", "previous_version", "version", "device_state", "durations"}


@pytest.mark.parametrize("serial, args, check_mode, failed_expected, version, state", [
    ("A1", {}, False, False, "1.6.201", "online at 1.6.201"),
    ("A3", {}, False, False, "1.6.201", "online at 1.6.201"),
    ("A1", {}, True, False, "1.6.201", "online at 1.5.178"),
    ("A1", {"wait": False}, False, False, "1.6.201", "upgrade to 1.6.201 started"),
    ("E1", {"version": "1.6.201"}, False, True, "2.3.43", "online at 2.3.43"),
    ("GHOST", {}, False, True, None, "not listed by the cloud"),
    ("OFF", {"wait_timeout": 1}, False, True, "1.5.178", "offline (flashing or rebooting)"),
])
def test_one_device_carries_the_fleet_report_keys_on_success_and_failure(sim, serial, args, check_mode,
                                                                         failed_expected, version, state):
    args = dict({"version": "1.6.201"}, **args)
    result = upgrade(sim, serial_numbers=[serial], check_mode=check_mode, **args)
    assert REPORT_KEYS <= set(result), REPORT_KEYS - set(result)
    assert bool(result.get("failed")) is failed_expected and result["component"] == "firmware"
    assert result["version"] == version and result["device_state"] == state
    assert result["devices"][0]["device_state"] == state
    assert result["previous_version"] == FLEET.get(serial, {}).get("firmware")
    if failed_expected:
        assert result["msg"].endswith("device state: %s" % state)


def test_a_start_answer_without_details_fails_the_batch_with_an_unknown_state(sim):
    sim.settings["answers"] = {"/sc_cloud/upgrade/start": {"result": 0}}
    result = failed(sim, serial_numbers=["A1"], version="1.6.201")
    assert "the answer of POST /sc_cloud/upgrade/start lacks details" in result["msg"]
    assert result["device_state"] == "unknown: the cloud's answer to start-upgrade was not usable"
    assert result["batches"][0]["result"] is None


def test_garbage_instead_of_the_login_answer_is_named_as_such(sim):
    sim.settings["answers"] = {"/sc_cloud/login": {"status": "ok"}}
    result = failed(sim, serial_numbers=["A1"], version="1.6.201")
    assert result["msg"].startswith("the answer of POST /sc_cloud/login is not the Magewell Cloud API's JSON")
    assert "API status None" not in result["msg"] and result["step"] == "login"


def test_a_failure_before_the_devices_were_read_carries_the_report_keys_too(sim):
    result = failed(sim, serial_numbers=["A1"], version="1.6.201", password="wrong")
    assert REPORT_KEYS <= set(result), REPORT_KEYS - set(result)
    assert result["changed"] is False and result["previous_version"] is None and result["version"] is None
    assert result["device_state"] == "unchanged: no upgrade was started"
    assert result["msg"].startswith("login refused: wrong password for user 'Admin'")


def test_each_device_gets_its_own_result_cut_from_one_run_for_many(sim):
    sim.devices["A2"].never_returns = True
    shared = failed(sim, serial_numbers=["A1", "A2", "A3"], version="1.6.201", wait_timeout=1, diff=True)
    one = device_result(shared, "A1", "1.6.201")
    assert "failed" not in one and one["changed"] is True and one["devices"][0]["status"] == "upgraded"
    assert (one["previous_version"], one["version"], one["diff"]) == (
        "1.5.178", "1.6.201", {"before": {"A1": "1.5.178"}, "after": {"A1": "1.6.201"}})
    assert [b["serial_numbers"] for b in one["batches"]] == [["A1", "A2"]]
    dead = device_result(shared, "A2", "1.6.201")
    assert dead["failed"] is True and dead["msg"].startswith("upgrade to 1.6.201 failed for 1 of 1 device(s) (1 timeout): A2: ")
    assert "last state seen: offline" in dead["msg"] and dead["version"] == "1.5.178"
    current = device_result(shared, "A3", "1.6.201")
    assert "failed" not in current and current["changed"] is False and current["version"] == "1.6.201"


def test_a_failure_of_the_whole_run_is_each_devices_failure(sim):
    shared = failed(sim, serial_numbers=["A1", "B1"], version="1.6.201", password="bad")
    for serial in ("A1", "B1"):
        result = device_result(shared, serial, "1.6.201")
        assert result["failed"] is True and "wrong password for user 'Admin'" in result["msg"] and "bad" not in result["msg"]
        assert result["device_state"] == "unchanged: no upgrade was started" and result["changed"] is False
    closed = failed(sim, serial_numbers=["A1", "B1"], version="1.6.201", url="http://127.0.0.1:9")
    assert device_result(closed, "A1", "1.6.201")["reached"] is False
