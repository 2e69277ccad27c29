"""Which module calls a device role's fleet_device task makes, with which arguments, and what it reports."""

import pytest

from ansible_collections.fleetops.upgrade.plugins.plugin_utils._device_steps import StepsError, run_device
from ansible_collections.fleetops.upgrade.plugins.plugin_utils._fleet_records import device_task_result as device_outcome
from ansible_collections.fleetops.upgrade.plugins.plugin_utils._device_classes import DEVICE_CLASSES, UnknownClassError, device_class

ENCEDO_COMMON = {"url": "https://hem1", "passphrase": "secret", "force": False}


class Recorder:
    """A step runner that records the calls and answers from a script (default: unchanged)."""

    def __init__(self, **answers):
        self.answers = answers
        self.calls = []

    def __call__(self, module, args):
        self.calls.append((module, args))
        key = args.get("component") or args.get("state") or module
        return dict(self.answers.get(key, {"changed": False, "msg": "already there"}))


def test_encedo_runs_firmware_then_ui_with_the_common_arguments():
    runner = Recorder(firmware={"changed": True, "component": "firmware", "previous_version": "1.2.2", "version": "1.3.0"})
    ran = run_device(DEVICE_CLASSES["encedo"], ENCEDO_COMMON,
                     {"firmware": {"src": "fw.bin", "version": "1.3.0"}, "ui": {"src": "ui.tar", "uis": "abc"}}, runner)
    assert [name for name, _result in ran] == ["firmware", "ui"]
    assert runner.calls == [
        ("encedo_upgrade", dict(ENCEDO_COMMON, src="fw.bin", version="1.3.0", component="firmware")),
        ("encedo_upgrade", dict(ENCEDO_COMMON, src="ui.tar", uis="abc", component="ui")),
    ]


def test_a_step_without_its_target_is_skipped_and_makes_no_call():
    runner = Recorder()
    ran = run_device(DEVICE_CLASSES["encedo"], ENCEDO_COMMON, {"firmware": {"src": "", "version": ""}, "ui": {"src": "ui.tar", "uis": "abc"}},
                     runner)
    assert ran[0] == ("firmware", {"skipped": True, "changed": False, "skip_reason": "no version given"})
    assert [call[1]["component"] for call in runner.calls] == ["ui"]


def test_a_failed_step_skips_the_steps_after_it():
    runner = Recorder(firmware={"failed": True, "msg": "image check failed", "device_state": "running 1.2.2"})
    ran = dict(run_device(DEVICE_CLASSES["encedo"], ENCEDO_COMMON,
                          {"firmware": {"src": "fw.bin", "version": "1.3.0"}, "ui": {"src": "ui.tar", "uis": "abc"}}, runner))
    assert ran["ui"]["skip_reason"] == "firmware failed"
    assert len(runner.calls) == 1


@pytest.mark.parametrize("enabled, calls", [(False, 2), ("false", 2), (True, 3), ("yes", 3)])
def test_appresponse_deletes_the_image_only_when_enabled(enabled, calls):
    runner = Recorder()
    run_device(DEVICE_CLASSES["appresponse"], {"url": "https://a1", "version": "11.3"},
               {"image": {"src": "img.tar"}, "update": {}, "delete": {"enabled": enabled}}, runner)
    assert len(runner.calls) == calls
    if calls == 3:
        assert runner.calls[2] == ("npm_image", {"url": "https://a1", "version": "11.3", "state": "absent"})


def test_an_unreachable_image_step_skips_update_and_delete():
    runner = Recorder(npm_image={"unreachable": True, "msg": "ssh: connect refused"})
    ran = dict(run_device(DEVICE_CLASSES["appresponse"], {"version": "11.3"}, {"image": {}, "update": {}, "delete": {"enabled": True}}, runner))
    assert (ran["update"]["skip_reason"], ran["delete"]["skip_reason"]) == ("image failed", "image failed")


def test_steps_that_cannot_work_are_refused_before_any_call():
    runner = Recorder()
    with pytest.raises(StepsError, match="magewell devices have the steps upgrade; unknown: reboot"):
        run_device(DEVICE_CLASSES["magewell"], {}, {"upgrade": {}, "reboot": {}}, runner)
    assert runner.calls == []


def test_an_unknown_class_is_refused_naming_the_known_ones():
    with pytest.raises(UnknownClassError, match="unknown device class 'printer'; known: encedo, appresponse, hawkbit, magewell"):
        device_class("printer")


def test_outcome_of_an_upgrade_carries_the_record_and_the_diffs():
    ran = [("firmware", {"changed": True, "component": "firmware", "previous_version": "1.2.2", "version": "1.3.0",
                         "diff": {"before": "1.2.2\n", "after": "1.3.0\n"}, "durations": {"upload": 1.5}}),
           ("ui", {"skipped": True, "changed": False, "skip_reason": "no uis given"})]
    outcome = device_outcome("encedo", ran, check_mode=False)
    assert outcome["changed"] is True and "failed" not in outcome
    assert outcome["record"]["status"] == "upgraded"
    assert outcome["record"]["components"] == [{"component": "firmware", "from": "1.2.2", "to": "1.3.0", "changed": True}]
    assert outcome["diff"] == [{"before": "1.2.2\n", "after": "1.3.0\n"}]
    assert outcome["steps"]["ui"]["skip_reason"] == "no uis given"


@pytest.mark.parametrize("failure, status", [({"failed": True}, "failed"), ({"unreachable": True}, "unreachable")])
def test_outcome_of_a_failed_step_fails_with_its_message_and_device_state(failure, status):
    ran = [("upgrade", dict(failure, msg="upgrade of MW1 failed", device_state="firmware 1.0 still running"))]
    outcome = device_outcome("magewell", ran, check_mode=False)
    assert outcome["failed"] is True and outcome.get("unreachable", False) is (status == "unreachable")
    assert (outcome["msg"], outcome["device_state"]) == ("upgrade of MW1 failed", "firmware 1.0 still running")
    assert outcome["record"]["status"] == status


def test_magewell_devices_of_one_task_share_one_cloud_run():
    """The controller path's threads: one mwcloud_upgrade for the devices with the same arguments, a result each."""
    import threading  # pylint: disable=import-outside-toplevel

    calls = []

    def run_step(module, args):
        calls.append(sorted(args["serial_numbers"]))
        return {"changed": True, "durations": {"login": 0.1}, "msg": "3 upgraded of 3 device(s)",
                "batches": [{"serial_numbers": sorted(args["serial_numbers"]), "firmware_id": 22}],
                "devices": [{"serial": s, "from": "1.5", "to": "1.6", "status": "upgraded", "msg": "upgraded from 1.5 to 1.6",
                             "device_state": "online at 1.6"} for s in args["serial_numbers"]]}
    run_step.in_process = True
    common = {"url": "https://cloud", "username": "Admin", "password": "pw", "version": "1.6"}
    results = {}

    def device(serial):
        results[serial] = run_device(DEVICE_CLASSES["magewell"], {}, {"upgrade": dict(common, serial_numbers=[serial])}, run_step)

    threads = [threading.Thread(target=device, args=(s,)) for s in ("S1", "S2", "S3")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert calls == [["S1", "S2", "S3"]]
    for serial, ran in results.items():
        record = device_outcome("magewell", ran, False)["record"]
        assert record["status"] == "upgraded" and record["msg"] == "upgraded from 1.5 to 1.6"
        assert ran[0][1]["devices"] == [{"serial": serial, "from": "1.5", "to": "1.6", "status": "upgraded",
                                        "msg": "upgraded from 1.5 to 1.6", "device_state": "online at 1.6"}]
    # alone, or through a runner that is not in this process (a module per host), the result is the module's own
    calls.clear()
    device("S4")
    assert calls == [["S4"]] and results["S4"][0][1]["msg"] == "3 upgraded of 3 device(s)"
    run_step.in_process = False
    threads = [threading.Thread(target=device, args=(s,)) for s in ("S5", "S6")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(calls[1:]) == [["S5"], ["S6"]]
