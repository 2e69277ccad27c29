"""The hawkBit DDI cycle in the worker: its refusals, check mode and failure handling, with scripted module results
(tests/integration/test_hawkbit_worker_cycle.py compares it with the role's tasks on the simulator)."""

import pytest

from ansible_collections.fleetops.upgrade.plugins.plugin_utils._device_steps import StepsError, needs_own_connection, run_device
from ansible_collections.fleetops.upgrade.plugins.plugin_utils._fleet_report import device_outcome

COMMON = {"url": "https://ddi.example", "controller_id": "t1", "target_token": "tok"}
CHUNKS = [{"part": "os", "name": "firmware", "version": "2.0", "artifacts": []}]
DEPLOYMENT = {"action": {"type": "deployment", "id": "7", "url": "u"}, "config_data_requested": False,
              "installed_action": {"id": "3"}, "changed": False,
              "deployment": {"download": "forced", "update": "forced", "maintenance_window": None, "chunks": CHUNKS}}


class Script:
    """``run_step`` answering each module from a script (a result, or a list taken in order)."""

    def __init__(self, **answers):
        self.answers = answers
        self.calls = []

    def __call__(self, module, args, check_mode=None):
        self.calls.append((module, args, check_mode))
        answer = self.answers.get(module, {"changed": True})
        return answer.pop(0) if isinstance(answer, list) else answer

    def modules(self):
        return [module for module, _args, _check in self.calls]


def cycle(args=None):
    return {"cycle": dict({"download_dir": "/var/lib/fw", "install_commands": {"*": "true"}}, **(args or {}))}


@pytest.mark.parametrize("args, reason", [
    ({}, None),
    ({"install_tasks": "install.yml", "verify_tasks": "verify.yml"}, "the user's tasks run the install, verify"),
    ({"install_become": True}, "the install commands run with become"),
    ({"api_delegate": "jump1"}, "the API requests run on jump1"),
])
def test_what_keeps_a_target_on_the_role_tasks(args, reason):
    assert needs_own_connection("hawkbit", cycle(args)) == reason


def test_cycle_arguments_that_cannot_work_are_refused_before_any_call():
    script = Script()
    with pytest.raises(StepsError, match="confirmation_policy"):
        run_device("hawkbit", COMMON, cycle({"confirmation_policy": "sometimes"}), script)
    with pytest.raises(StepsError, match="download_dir"):
        run_device("hawkbit", COMMON, {"cycle": {}}, script)
    assert script.calls == []


def test_both_tokens_fail_before_any_call():
    script = Script()
    ran = run_device("hawkbit", dict(COMMON, gateway_token="gw"), cycle(), script)
    outcome = device_outcome("hawkbit", ran, False)
    assert script.calls == [] and outcome["failed"]
    assert outcome["record"]["msg"].startswith("Check the credentials: set exactly one of")
    assert outcome["record"]["device_state"] == "unchanged"


def test_check_mode_polls_once_as_the_role_preflight_does():
    script = Script(hawkbit_poll=dict(DEPLOYMENT, changed=True, component="distribution set", previous_version="1.0",
                                      version="2.0"))
    ran = run_device("hawkbit", COMMON, cycle(), script, check_mode=True)
    assert script.modules() == ["hawkbit_poll"]
    record = device_outcome("hawkbit", ran, True)["record"]
    assert record["status"] == "would_upgrade" and record["components"][0]["to"] == "2.0"


def test_a_failed_install_is_reported_to_the_server_with_the_output_tail():
    failed = {"failed": True, "msg": "install command of part os 2.0 exited with 3",
              "stderr_lines": ["line %d" % i for i in range(15)]}
    script = Script(hawkbit_poll=DEPLOYMENT, hawkbit_install=[{"changed": False}, failed])
    ran = run_device("hawkbit", COMMON, cycle(), script)
    assert script.modules() == ["hawkbit_poll", "hawkbit_artifact", "hawkbit_install", "hawkbit_artifact",
                                "hawkbit_feedback", "hawkbit_install", "hawkbit_feedback"]
    assert script.calls[2][2] is True  # the commands are checked in check mode, before the download
    closing = script.calls[-1][1]
    assert (closing["execution"], closing["finished"], closing["action_id"]) == ("closed", "failure", "7")
    assert closing["details"][:2] == ["failed step: Install every chunk through its command", failed["msg"]]
    assert closing["details"][2:] == ["line %d" % i for i in range(5, 15)]
    record = device_outcome("hawkbit", ran, False)["record"]
    assert record["status"] == "failed" and record["device_state"] == "action 7 reported failed"
    assert record["msg"] == "Install every chunk through its command: " + failed["msg"]


def test_a_reboot_request_fails_the_target_on_the_controller():
    script = Script(hawkbit_poll=DEPLOYMENT, hawkbit_install=[{"changed": False}, {"changed": True, "reboot_required": True}])
    ran = run_device("hawkbit", COMMON, cycle(), script)
    record = device_outcome("hawkbit", ran, False)["record"]
    assert record["msg"].startswith("Reboot the device: Running ansible.builtin.reboot with local connection")
    assert script.calls[-1][1]["finished"] == "failure"


def test_a_failure_before_the_installation_leaves_the_action_open():
    script = Script(hawkbit_poll=DEPLOYMENT, hawkbit_artifact={"failed": True, "msg": "no room for 2 MB"})
    ran = run_device("hawkbit", COMMON, cycle(), script)
    assert "hawkbit_feedback" not in script.modules()
    record = device_outcome("hawkbit", ran, False)["record"]
    assert record["device_state"] == "action 7 left open" and record["msg"].startswith("Pre-flight on the device")


def test_an_upgrade_records_each_chunk_from_the_installed_action():
    script = Script(hawkbit_poll=DEPLOYMENT)
    outcome = device_outcome("hawkbit", run_device("hawkbit", COMMON, cycle(), script), False)
    assert script.modules()[-3:] == ["hawkbit_install", "hawkbit_feedback", "hawkbit_install"]  # verify skipped
    assert outcome["changed"] and outcome["record"]["status"] == "upgraded"
    assert outcome["record"]["components"] == [{"component": "os firmware", "from": "action 3", "to": "2.0", "changed": True}]


def test_the_role_tasks_registered_results_make_the_same_report():
    """fleet_record's hawkbit_cycle: skipped registered results count as not run, a templated boolean may be a string."""
    from ansible_collections.fleetops.upgrade.plugins.plugin_utils._hawkbit_cycle import cycle_report

    skipped = {"skipped": True, "changed": False}
    window = dict(DEPLOYMENT, deployment=dict(DEPLOYMENT["deployment"], update="skip", maintenance_window="unavailable"))
    report = cycle_report({"first_poll": window, "second_poll": {}, "confirmed": skipped, "download": {"changed": True},
                           "downloaded": skipped, "failure": {}})
    assert report["status"] == "changed"
    assert report["items"] == [{"component": "os firmware", "from": "action 3", "to": "2.0 (downloaded, not installed)",
                                "changed": True}]
    cancel = {"action": {"type": "cancel", "id": "8"}, "cancel": {"stop_id": "7"}, "installed_action": None}
    for started, to in (("False", "canceled"), ("True", "rejected (installation under way)"), (False, "canceled")):
        report = cycle_report({"first_poll": cancel, "cancel_started": started, "cancel_answer": {"changed": True}})
        assert report["items"][0]["to"] == to and report["items"][0]["component"] == "cancel of action 7"
    failed = cycle_report({"first_poll": DEPLOYMENT, "proceeding": {"changed": True},
                          "failure": {"step": "Reboot the device", "msg": "timed out"}})
    assert (failed["msg"], failed["device_state"]) == ("Reboot the device: timed out", "action 7 reported failed")
    assert cycle_report({"first_poll": {"failed": True}, "failure": {"step": "Poll the server", "msg": "401"}})[
        "device_state"] == "unchanged"
