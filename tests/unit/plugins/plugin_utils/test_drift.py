"""Drift records per device class and the fleet document (test_report_render.py checks its lines and JUnit cases)."""

import pytest

from ansible_collections.fleetops.upgrade.plugins.plugin_utils._drift import check, host_record, report
from ansible_collections.fleetops.upgrade.plugins.plugin_utils._device_classes import CLASS_NAMES as KNOWN, DEVICE_CLASSES

ENCEDO = {"model": "PPA", "firmware_version": "1.3.0", "uis": "abc", "fault": False, "fls_state": 0}


def test_encedo_compares_exactly_and_leaves_unmanaged_components_alone():
    record = check(DEVICE_CLASSES["encedo"], ENCEDO, {"firmware": "1.3.0", "management app": ""})
    assert record["status"] == "in_sync"
    assert record["components"][1] == {"component": "management app", "wanted": None, "actual": "abc", "in_sync": True}
    drifted = check(DEVICE_CLASSES["encedo"], dict(ENCEDO, fault=True, fls_state=3), {"firmware": "1.3.1", "management app": "abc"})
    assert drifted["status"] == "drifted"
    assert drifted["msg"] == "firmware: wanted 1.3.1, runs 1.3.0"
    assert drifted["health"] == "fault (fls_state=3)"


@pytest.mark.parametrize("wanted, in_sync", [("11.6.0", True), ("11.6.0 #23947", True), ("11.6.0#23947", True),
                                             ("11.6.0 #1", False), ("11.6.1", False)])
def test_appresponse_bare_release_matches_any_build(wanted, in_sync):
    survey = {"model": "VSCAN", "sw_version": "11.6.0 #23947", "images": [], "update_status": {"state": "IDLE"}}
    assert check(DEVICE_CLASSES["appresponse"], survey, {"software": wanted})["status"] == ("in_sync" if in_sync else "drifted")


def test_appresponse_without_a_wanted_version_is_in_sync_and_shows_update_trouble():
    survey = {"model": "VSCAN", "sw_version": "11.6.0", "images": [{"version": "11.7.0"}],
              "update_status": {"state": "FAILED_CRITICAL", "state_description": "disk"}}
    record = check(DEVICE_CLASSES["appresponse"], survey, {"software": ""})
    assert record["status"] == "in_sync"
    assert record["versions"] == {"software": "11.6.0", "images": "11.7.0"}
    assert record["health"] == "update FAILED_CRITICAL: disk"


def test_a_failed_survey_is_unreachable_with_the_modules_message():
    record = check(DEVICE_CLASSES["encedo"], {"failed": True, "msg": "device unreachable: timed out"}, {"firmware": "1.3.0"})
    assert record["status"] == "unreachable"
    assert record["msg"] == "could not read the device: device unreachable: timed out"
    assert record["components"] == [] and record["model"] is None


def test_hawkbit_drifts_while_the_server_has_an_open_action():
    idle = {"action": {"type": "none", "id": None}, "installed_action": {"id": "7"}}
    assert check(DEVICE_CLASSES["hawkbit"], idle, {}, {"controller_id": "t1"})["status"] == "in_sync"
    deployment = {"action": {"type": "deployment", "id": "9"}, "installed_action": None,
                  "deployment": {"chunks": [{"name": "os", "version": "2.0"}, {"name": "app", "version": "5.1"}]}}
    record = check(DEVICE_CLASSES["hawkbit"], deployment, {}, {"controller_id": "t1"})
    assert record["status"] == "drifted"
    assert record["msg"] == "distribution set: wanted os 2.0, app 5.1, runs none"
    assert record["versions"] == {"installed action": "none", "open action": "deployment 9"}
    cancel = {"action": {"type": "cancel", "id": "10"}, "cancel": {"stop_id": "9"}, "installed_action": {"id": "7"}}
    record = check(DEVICE_CLASSES["hawkbit"], cancel, {}, {"controller_id": "t1"})
    assert (record["status"], record["health"]) == ("drifted", "cancel requested")
    assert record["components"][0]["wanted"] == "cancel of action 9"


def magewell_survey(devices=None, failed_msg=None):
    read = {"ansible_loop_var": "magewell_survey_cloud", "magewell_survey_cloud": "http://cloud"}
    read.update({"msg": failed_msg} if failed_msg else {"devices": devices})
    return {"results": [{"ansible_loop_var": "magewell_survey_cloud", "magewell_survey_cloud": "http://other", "devices": []},
                        read]}


def test_magewell_finds_its_device_in_its_clouds_read():
    devices = [{"serial": "S1", "product": "Pro Convert", "firmware_version": "1.05.178", "online": False}]
    device = {"cloud_url": "http://cloud", "serial": "S1"}
    record = check(DEVICE_CLASSES["magewell"], magewell_survey(devices), {"firmware": "1.5.178"}, device)
    assert (record["status"], record["health"], record["model"]) == ("in_sync", "offline", "Pro Convert")
    missing = check(DEVICE_CLASSES["magewell"], magewell_survey(devices), {"firmware": "1.5.178"}, dict(device, serial="S2"))
    assert (missing["status"], missing["health"]) == ("unreachable", "not listed by the cloud")
    failed = check(DEVICE_CLASSES["magewell"], magewell_survey(failed_msg="login refused"), {"firmware": "1"}, device)
    assert failed["msg"] == "could not read the device: survey failed: login refused"
    assert check(DEVICE_CLASSES["magewell"], magewell_survey(devices), {}, dict(device, cloud_url="http://third"))["status"] == "unreachable"


def test_hosts_without_a_class_or_a_record_are_still_reported():
    assert host_record("x", None, None, KNOWN)["status"] == "unknown_class"
    assert host_record("y", "encedo", None, KNOWN)["msg"].startswith("no survey result")
    assert host_record("z", "encedo", {"skipped": True}, KNOWN)["status"] == "unreachable"


def drift_document():
    """In sync, drifted, unreadable and of an unknown class: one host each."""
    records = {"a": ("encedo", check(DEVICE_CLASSES["encedo"], ENCEDO, {"firmware": "1.3.0"})),
               "b": ("encedo", check(DEVICE_CLASSES["encedo"], ENCEDO, {"firmware": "2.0"})),
               "c": ("encedo", check(DEVICE_CLASSES["encedo"], {"failed": True, "msg": "refused"}, {})),
               "d": ("fridge", None)}
    return report(["a", "b", "c", "d"], records, KNOWN, limit="site_a")


def test_the_document_lists_every_host_and_counts_them():
    document = drift_document()
    assert document["summary"] == {"devices": 4, "in_sync": 1, "drifted": 1, "unreachable": 1, "unknown_class": 1}
    assert document["generated"].endswith("Z") and document["limit"] == "site_a"
    assert [entry["host"] for entry in document["hosts"]] == ["a", "b", "c", "d"] and document["in_sync"] is False
