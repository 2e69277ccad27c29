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
    assert script.modules() == ["hawkbit_install", "hawkbit_poll"]  # the commands are checked first (no request)
    record = device_outcome("hawkbit", ran, True)["record"]
    assert record["status"] == "would_upgrade" and record["components"][0]["to"] == "2.0"


def test_a_failed_install_is_reported_to_the_server_with_the_output_tail():
    failed = {"failed": True, "msg": "install command of part os 2.0 exited with 3",
              "stderr_lines": ["line %d" % i for i in range(15)]}
    script = Script(hawkbit_poll=DEPLOYMENT, hawkbit_install=[{"changed": False}, {"changed": False}, failed])
    ran = run_device("hawkbit", COMMON, cycle(), script)
    assert script.modules() == ["hawkbit_install", "hawkbit_poll", "hawkbit_artifact", "hawkbit_install", "hawkbit_artifact",
                                "hawkbit_feedback", "hawkbit_install", "hawkbit_feedback"]
    assert script.calls[3][2] is True  # the commands are checked in check mode, before the download
    closing = script.calls[-1][1]
    assert (closing["execution"], closing["finished"], closing["action_id"]) == ("closed", "failure", "7")
    assert closing["details"][:2] == ["failed step: Install every chunk through its command", failed["msg"]]
    assert closing["details"][2:] == ["line %d" % i for i in range(5, 15)]
    record = device_outcome("hawkbit", ran, False)["record"]
    assert record["status"] == "failed" and record["device_state"] == "action 7 reported failed"
    assert record["msg"] == "Install every chunk through its command: " + failed["msg"]


def test_a_reboot_request_fails_the_target_on_the_controller():
    script = Script(hawkbit_poll=DEPLOYMENT, hawkbit_install=[{"changed": False}, {"changed": False},
                                                              {"changed": True, "reboot_required": True}])
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


def test_commands_with_shell_syntax_fail_before_any_request():
    """Issue 21: the commands are checked (hawkbit_install stage check, in the worker) before the first poll, in the
    rollout and in the check-mode pre-flight alike; a failure is the target's record, nothing reaches the server."""
    for check_mode in (False, True):
        refused = {"failed": True, "msg": "the verify command (a | b) uses shell syntax '|', but commands run without a shell"}
        script = Script(hawkbit_install=refused)
        ran = run_device("hawkbit", COMMON, cycle({"verify_command": "a | b", "install_tasks": "install.yml"}), script,
                         check_mode=check_mode)
        assert script.modules() == ["hawkbit_install"]
        assert script.calls[0][1] == {"stage": "check", "commands": {}, "verify_command": "a | b"}  # install tasks: no commands
        record = device_outcome("hawkbit", ran, check_mode)["record"]
        assert record["status"] == "failed" and "shell syntax" in record["msg"]


def test_config_data_asked_for_after_the_install_is_sent_in_the_same_run():
    """Issue 20: the server asks for config data again after a finished action; the cycle answers it right away."""
    for asked in (True, False):
        script = Script(hawkbit_poll=DEPLOYMENT, hawkbit_feedback={"changed": True, "config_data_requested": asked})
        run_device("hawkbit", COMMON, cycle({"config_data": {"hwRevision": "2"}}), script)
        sent = [args for module, args, _check in script.calls if module == "hawkbit_config_data"]
        assert sent == ([{**COMMON, "data": {"hwRevision": "2"}}] if asked else [])
        if asked:
            assert script.modules()[-3:] == ["hawkbit_feedback", "hawkbit_install", "hawkbit_config_data"]
    only = dict(DEPLOYMENT, deployment=dict(DEPLOYMENT["deployment"], update="skip"))
    script = Script(hawkbit_poll=only, hawkbit_feedback={"changed": True, "action_closed": True, "config_data_requested": True})
    run_device("hawkbit", COMMON, cycle({"config_data": {"hwRevision": "2"}}), script)
    assert script.modules()[-2:] == ["hawkbit_feedback", "hawkbit_config_data"]  # after a download-only "downloaded"
    script = Script(hawkbit_poll=DEPLOYMENT, hawkbit_feedback={"changed": True, "config_data_requested": True})
    run_device("hawkbit", COMMON, cycle(), script)
    assert "hawkbit_config_data" not in script.modules()  # no config data to send


def test_an_upgrade_records_each_chunk_from_the_installed_action():
    script = Script(hawkbit_poll=DEPLOYMENT)
    outcome = device_outcome("hawkbit", run_device("hawkbit", COMMON, cycle(), script), False)
    assert script.modules()[-3:] == ["hawkbit_install", "hawkbit_feedback", "hawkbit_install"]  # verify skipped
    assert outcome["changed"] and outcome["record"]["status"] == "upgraded"
    assert outcome["record"]["components"] == [{"component": "os firmware", "from": "action 3", "to": "2.0", "changed": True}]


def test_the_cycle_report_says_what_was_done_with_the_open_action():
    """cycle_report: skipped results count as not run; a window action downloaded; a cancel accepted or rejected."""
    from ansible_collections.fleetops.upgrade.plugins.plugin_utils._hawkbit_cycle import cycle_report

    skipped = {"skipped": True, "changed": False}
    window = dict(DEPLOYMENT, deployment=dict(DEPLOYMENT["deployment"], update="skip", maintenance_window="unavailable"))
    report = cycle_report({"first_poll": window, "second_poll": {}, "confirmed": skipped, "download": {"changed": True},
                           "downloaded": skipped, "failure": {}})
    assert report["changed"] and not report["failed"] and report["download_only"]
    assert report["devices_items"] == [{"component": "os firmware", "from": "action 3", "to": "2.0 (downloaded, not installed)",
                                        "changed": True}]
    cancel = {"action": {"type": "cancel", "id": "8"}, "cancel": {"stop_id": "7"}, "installed_action": None}
    for started, to in ((False, "canceled"), (True, "rejected (installation under way)")):
        report = cycle_report({"first_poll": cancel, "cancel_started": started, "cancel_answer": {"changed": True}})
        assert report["devices_items"][0]["to"] == to and report["devices_items"][0]["component"] == "cancel of action 7"
    failed = cycle_report({"first_poll": DEPLOYMENT, "proceeding": {"changed": True},
                          "failure": {"step": "Reboot the device", "msg": "timed out"}})
    assert (failed["msg"], failed["device_state"]) == ("Reboot the device: timed out", "action 7 reported failed")
    assert cycle_report({"first_poll": {"failed": True}, "failure": {"step": "Poll the server", "msg": "401"}})[
        "device_state"] == "unchanged"


def test_check_mode_without_reading_the_action_reports_what_it_knows():
    """hawkbit_target_survey_reads_action: false - the role's check-mode cycle polls without reading the action."""
    from ansible_collections.fleetops.upgrade.plugins.plugin_utils._hawkbit_cycle import cycle_report

    unread = dict(DEPLOYMENT, deployment=None, action_read=False)
    report = cycle_report({"first_poll": unread})
    assert report["changed"]
    assert report["devices_items"] == [{"component": "distribution set", "from": "action 3", "to": "deployment action 7 (not read)",
                                "changed": True}]
    script = Script(hawkbit_poll=unread)
    run_device("hawkbit", COMMON, cycle({"survey_reads_action": False}), script, check_mode=True)
    assert script.calls[-1][1]["read_action"] is False


def test_a_failure_after_the_success_feedback_reports_nothing_more_and_says_the_action_is_closed():
    """The config data sent after the close fails: the action is installed and closed, no closed/failure is sent."""
    script = Script(hawkbit_poll=DEPLOYMENT, hawkbit_feedback={"changed": True, "config_data_requested": True},
                    hawkbit_config_data={"failed": True, "msg": "HTTP 500"})
    ran = run_device("hawkbit", COMMON, cycle({"config_data": {"hwRevision": "2"}}), script)
    assert [args["execution"] for module, args, _check in script.calls if module == "hawkbit_feedback"] == [
        "proceeding", "closed"]
    record = device_outcome("hawkbit", ran, False)["record"]
    assert record["status"] == "failed" and record["device_state"] == "action 7 installed and closed"
    assert record["msg"].startswith("Send the config data the server asks for after the action closed")


def test_a_download_only_action_and_a_server_never_reached_say_so_in_the_report():
    """cycle_report: download_only for an action that asks for the download only, reached False for a failure whose
    connection was never made (the record is then downloaded, or unreachable)."""
    from ansible_collections.fleetops.upgrade.plugins.plugin_utils._fleet_report import make_record
    from ansible_collections.fleetops.upgrade.plugins.plugin_utils._hawkbit_cycle import cycle_report

    only = dict(DEPLOYMENT, deployment=dict(DEPLOYMENT["deployment"], update="skip"))
    report = cycle_report({"first_poll": only, "download": {"changed": True}})
    assert report["download_only"] is True
    assert make_record("hawkbit", [report], False)["status"] == "downloaded"
    assert "download_only" not in cycle_report({"first_poll": DEPLOYMENT, "download": {"changed": True}})
    for reached in (False, "False"):
        refused = cycle_report({"first_poll": {"failed": True}, "failure": {
            "step": "Poll the server", "msg": "device unreachable: connection refused", "reached": reached}})
        assert refused["reached"] is False
        assert make_record("hawkbit", [refused], False)["status"] == "unreachable"
    answered = cycle_report({"first_poll": {"failed": True}, "failure": {"step": "Poll the server", "msg": "401",
                                                                         "reached": None}})
    assert "reached" not in answered and make_record("hawkbit", [answered], False)["status"] == "failed"
