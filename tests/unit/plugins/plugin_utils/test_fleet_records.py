"""A device's record: the one place module results become a record, the fleet_device task's result around it, and the
refusals for a device's configuration."""

import pytest

from ansible_collections.fleetops.upgrade.plugins.plugin_utils import _fleet_records as records
from ansible_collections.fleetops.upgrade.plugins.plugin_utils._hawkbit_cycle import cycle_report

FIRMWARE = {"changed": True, "component": "firmware", "previous_version": "1.2.2", "version": "1.3.0",
            "msg": "would upgrade firmware from 1.2.2 to 1.3.0"}


def test_record_from_module_results():
    firmware = {"changed": True, "component": "firmware", "previous_version": "1.2.2", "version": "1.3.0",
                "durations": {"upload": 1.5, "reboot": 10.0}, "msg": "firmware upgraded from 1.2.2 to 1.3.0"}
    ui = {"changed": False, "skipped": True}
    record = records.make_record("encedo", [firmware, ui], check_mode=False)
    assert record["status"] == "upgraded" and record["durations"] == {"upload": 1.5, "reboot": 10.0}
    assert record["components"] == [{"component": "firmware", "from": "1.2.2", "to": "1.3.0", "changed": True}]
    failed = dict(firmware, failed=True, changed=False, msg="check failed", device_state="not installed", step="check")
    record = records.make_record("encedo", [failed], check_mode=False)
    assert (record["status"], record["msg"], record["device_state"], record["step"]) == (
        "failed", "check failed", "not installed", "check")
    assert records.make_record("encedo", [{"unreachable": True, "msg": "ssh"}], False)["status"] == "unreachable"
    assert records.make_record("encedo", [{"changed": False, "component": "ui", "previous_version": "a",
                                           "version": "a"}], False)["status"] == "unchanged"


def test_a_preview_record_would_upgrade_and_never_says_upgraded():
    record = records.make_record("encedo", [FIRMWARE], check_mode=True)
    assert record["status"] == "would_upgrade" and records.needs_work(record)
    assert not records.needs_work(records.make_record("encedo", [dict(FIRMWARE, changed=False)], check_mode=True))


@pytest.mark.parametrize("result, status", [
    ({"failed": True, "reached": False, "changed": False, "msg": "device unreachable: connection refused"}, "unreachable"),
    ({"failed": True, "msg": "device unreachable: no answer within 30s"}, "failed"),  # it was reached, then went quiet
    ({"failed": True, "reached": False, "changed": True, "msg": "device unreachable: connection refused"}, "failed"),
    ({"unreachable": True, "msg": "ssh: connect to host"}, "unreachable"),
])
def test_a_device_whose_api_cannot_be_reached_is_unreachable(result, status):
    assert records.make_record("encedo", [result], check_mode=False)["status"] == status


def cycle(update):
    """A hawkBit cycle's report (the one result its record is made of): the deployment installed, or (``update``
    skip) only downloaded."""
    chunks = [{"part": "os", "name": "rootfs", "version": "2.0", "artifacts": []}]
    poll = {"action": {"type": "deployment", "id": "7"}, "installed_action": None,
            "deployment": {"download": "forced", "update": update, "maintenance_window": None, "chunks": chunks}}
    return cycle_report({"first_poll": poll, "download": {"changed": True}})


def test_a_download_only_action_is_downloaded_not_upgraded():
    assert records.make_record("hawkbit", [cycle("skip")], check_mode=False)["status"] == "downloaded"
    assert records.make_record("hawkbit", [cycle("forced")], check_mode=False)["status"] == "upgraded"
    assert records.make_record("hawkbit", [cycle("skip")], check_mode=True)["status"] == "would_upgrade"


def test_module_warnings_reach_the_record_and_the_task_result_each_once():
    warned = dict(FIRMWARE, msg="firmware upgraded", warnings=["the answer to the firmware install request was lost, "
                                                               "but the device runs 1.3.0"])
    record = records.make_record("encedo", [warned, dict(warned, component="ui")], check_mode=False)
    assert record["warnings"] == warned["warnings"]
    assert records.device_task_result("encedo", [("firmware", warned)], False)["warnings"] == warned["warnings"]


def test_the_task_result_of_a_failed_step_fails_with_the_record():
    ran = [("firmware", dict(FIRMWARE, diff={"before": "1.2.2", "after": "1.3.0"})),
           ("ui", {"unreachable": True, "changed": False, "msg": "no route", "device_state": "not reached"})]
    result = records.device_task_result("encedo", ran, False)
    assert result["changed"] and result["failed"] and result["unreachable"]
    assert (result["msg"], result["device_state"], result["record"]["status"]) == ("no route", "not reached", "unreachable")
    assert result["diff"] == [{"before": "1.2.2", "after": "1.3.0"}] and set(result["steps"]) == {"firmware", "ui"}
    reported = records.device_task_result("hawkbit", [("poll", FIRMWARE), (records.REPORT_STEP, cycle("forced"))], False)
    assert [c["component"] for c in reported["record"]["components"]] == ["os rootfs"]  # the report step alone


def test_record_of_one_device_of_mwcloud_upgrade():
    """mwcloud_upgrade for one serial: the contract keys at the top, the device's own message in ``devices``."""
    result = {"changed": True, "component": "firmware", "previous_version": "1.5", "version": "1.6",
              "devices": [{"serial": "A1", "from": "1.5", "to": "1.6", "status": "upgraded",
                           "msg": "upgraded from 1.5 to 1.6"}], "msg": "1 upgraded of 1 device(s)"}
    record = records.make_record("magewell", [result], False)
    assert record["components"] == [{"component": "firmware", "from": "1.5", "to": "1.6", "changed": True}]
    assert record["msg"] == "upgraded from 1.5 to 1.6"


def test_a_configuration_error_stops_the_run_unless_skipped():
    refused = {"hem2": records.refusal_record("encedo", "no target set", False)}
    failed = {"hem3": {"status": "failed", "msg": "argument 'encedo_timeout' is of type <class 'str'>"}}
    device = {"hem4": {"status": "failed", "msg": "device unreachable: connection refused"}}
    assert "hem2" in records.configuration_stop({}, refused)
    assert "fleetops_skip_misconfigured" in records.configuration_stop({}, refused)
    assert "hem3" in records.configuration_stop({}, failed)
    assert records.configuration_stop({}, device) is None
    assert records.configuration_stop({"skip_misconfigured": True}, refused) is None
