"""The hawkBit DDI cycle in the worker: its refusals, check mode and failure handling, with scripted module results
(tests/integration/test_hawkbit_worker_cycle.py compares it with the role's tasks on the simulator)."""

import pytest

from ansible_collections.fleetops.upgrade.plugins.plugin_utils._device_steps import StepsError, needs_own_connection, run_device
from ansible_collections.fleetops.upgrade.plugins.plugin_utils._fleet_records import device_task_result as device_outcome
from ansible_collections.fleetops.upgrade.plugins.plugin_utils._device_classes import DEVICE_CLASSES

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
    assert needs_own_connection(DEVICE_CLASSES["hawkbit"], cycle(args)) == reason


def test_cycle_arguments_that_cannot_work_are_refused_before_any_call():
    script = Script()
    with pytest.raises(StepsError, match="confirmation_policy"):
        run_device(DEVICE_CLASSES["hawkbit"], COMMON, cycle({"confirmation_policy": "sometimes"}), script)
    with pytest.raises(StepsError, match="download_dir"):
        run_device(DEVICE_CLASSES["hawkbit"], COMMON, {"cycle": {}}, script)
    assert script.calls == []


def test_both_tokens_fail_before_any_call():
    script = Script()
    ran = run_device(DEVICE_CLASSES["hawkbit"], dict(COMMON, gateway_token="gw"), cycle(), script)
    outcome = device_outcome("hawkbit", ran, False)
    assert script.calls == [] and outcome["failed"]
    assert outcome["record"]["msg"].startswith("Check the credentials: set exactly one of")
    assert outcome["record"]["device_state"] == "unchanged"


def test_check_mode_polls_once_as_the_role_preflight_does():
    script = Script(hawkbit_poll=dict(DEPLOYMENT, changed=True, component="distribution set", previous_version="1.0",
                                      version="2.0"))
    ran = run_device(DEVICE_CLASSES["hawkbit"], COMMON, cycle(), script, check_mode=True)
    assert script.modules() == ["hawkbit_install", "hawkbit_poll"]  # the commands are checked first (no request)
    record = device_outcome("hawkbit", ran, True)["record"]
    assert record["status"] == "would_upgrade" and record["components"][0]["to"] == "2.0"


def test_a_failed_install_is_reported_to_the_server_with_the_output_tail():
    failed = {"failed": True, "msg": "install command of part os 2.0 exited with 3",
              "stderr_lines": ["line %d" % i for i in range(15)]}
    script = Script(hawkbit_poll=DEPLOYMENT, hawkbit_install=[{"changed": False}, {"changed": False}, failed])
    ran = run_device(DEVICE_CLASSES["hawkbit"], COMMON, cycle(), script)
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
    ran = run_device(DEVICE_CLASSES["hawkbit"], COMMON, cycle(), script)
    record = device_outcome("hawkbit", ran, False)["record"]
    assert record["msg"].startswith("Reboot the device: Running ansible.builtin.reboot with local connection")
    assert script.calls[-1][1]["finished"] == "failure"


def test_a_failure_before_the_installation_leaves_the_action_open():
    script = Script(hawkbit_poll=DEPLOYMENT, hawkbit_artifact={"failed": True, "msg": "no room for 2 MB"})
    ran = run_device(DEVICE_CLASSES["hawkbit"], COMMON, cycle(), script)
    assert "hawkbit_feedback" not in script.modules()
    record = device_outcome("hawkbit", ran, False)["record"]
    assert record["device_state"] == "action 7 left open" and record["msg"].startswith("Pre-flight on the device")


def test_commands_with_shell_syntax_fail_before_any_request():
    """Issue 21: the commands are checked (hawkbit_install stage check, in the worker) before the first poll, in the
    rollout and in the check-mode pre-flight alike; a failure is the target's record, nothing reaches the server."""
    for check_mode in (False, True):
        refused = {"failed": True, "msg": "the verify command (a | b) uses shell syntax '|', but commands run without a shell"}
        script = Script(hawkbit_install=refused)
        ran = run_device(DEVICE_CLASSES["hawkbit"], COMMON, cycle({"verify_command": "a | b", "install_tasks": "install.yml"}), script,
                         check_mode=check_mode)
        assert script.modules() == ["hawkbit_install"]
        assert script.calls[0][1] == {"stage": "check", "commands": {}, "verify_command": "a | b"}  # install tasks: no commands
        record = device_outcome("hawkbit", ran, check_mode)["record"]
        assert record["status"] == "failed" and "shell syntax" in record["msg"]


def test_config_data_asked_for_after_the_install_is_sent_in_the_same_run():
    """Issue 20: the server asks for config data again after a finished action; the cycle answers it right away."""
    for asked in (True, False):
        script = Script(hawkbit_poll=DEPLOYMENT, hawkbit_feedback={"changed": True, "config_data_requested": asked})
        run_device(DEVICE_CLASSES["hawkbit"], COMMON, cycle({"config_data": {"hwRevision": "2"}}), script)
        sent = [args for module, args, _check in script.calls if module == "hawkbit_config_data"]
        assert sent == ([{**COMMON, "data": {"hwRevision": "2"}}] if asked else [])
        if asked:
            assert script.modules()[-3:] == ["hawkbit_feedback", "hawkbit_install", "hawkbit_config_data"]
    only = dict(DEPLOYMENT, deployment=dict(DEPLOYMENT["deployment"], update="skip"))
    script = Script(hawkbit_poll=only, hawkbit_feedback={"changed": True, "action_closed": True, "config_data_requested": True})
    run_device(DEVICE_CLASSES["hawkbit"], COMMON, cycle({"config_data": {"hwRevision": "2"}}), script)
    assert script.modules()[-2:] == ["hawkbit_feedback", "hawkbit_config_data"]  # after a download-only "downloaded"
    script = Script(hawkbit_poll=DEPLOYMENT, hawkbit_feedback={"changed": True, "config_data_requested": True})
    run_device(DEVICE_CLASSES["hawkbit"], COMMON, cycle(), script)
    assert "hawkbit_config_data" not in script.modules()  # no config data to send


def test_an_upgrade_records_each_chunk_from_the_installed_action():
    script = Script(hawkbit_poll=DEPLOYMENT)
    outcome = device_outcome("hawkbit", run_device(DEVICE_CLASSES["hawkbit"], COMMON, cycle(), script), False)
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
    run_device(DEVICE_CLASSES["hawkbit"], COMMON, cycle({"survey_reads_action": False}), script, check_mode=True)
    assert script.calls[-1][1]["read_action"] is False


def test_a_failure_after_the_success_feedback_reports_nothing_more_and_says_the_action_is_closed():
    """The config data sent after the close fails: the action is installed and closed, no closed/failure is sent."""
    script = Script(hawkbit_poll=DEPLOYMENT, hawkbit_feedback={"changed": True, "config_data_requested": True},
                    hawkbit_config_data={"failed": True, "msg": "HTTP 500"})
    ran = run_device(DEVICE_CLASSES["hawkbit"], COMMON, cycle({"config_data": {"hwRevision": "2"}}), script)
    assert [args["execution"] for module, args, _check in script.calls if module == "hawkbit_feedback"] == [
        "proceeding", "closed"]
    record = device_outcome("hawkbit", ran, False)["record"]
    assert record["status"] == "failed" and record["device_state"] == "action 7 installed and closed"
    assert record["msg"].startswith("Send the config data the server asks for after the action closed")


def test_a_download_only_action_and_a_server_never_reached_say_so_in_the_report():
    """cycle_report: download_only for an action that asks for the download only, reached False for a failure whose
    connection was never made (the record is then downloaded, or unreachable)."""
    from ansible_collections.fleetops.upgrade.plugins.plugin_utils._fleet_records import make_record
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


# ---------------------------------------------------------------------------- phases, runners (the role's path)
def phase_cycle(args=None, check_mode=False, device_is_controller=False, **answers):
    """A role-path cycle whose DDI requests, device calls and checks each go to a runner of their own."""
    from ansible_collections.fleetops.upgrade.plugins.plugin_utils._hawkbit_cycle import HawkbitCycle

    local, ddi, device = Script(**answers), Script(**answers), Script(**answers)
    made = HawkbitCycle(COMMON, cycle(args)["cycle"], local, check_mode, phase="start", ddi_step=ddi, device_step=device,
                        device_is_controller=device_is_controller)
    return made, local, ddi, device


def test_each_call_runs_where_it_belongs():
    """DDI requests on the API delegate (with the connection), the device's calls over its connection (downloads with the
    connection too, as the artifacts need the token), the commands' checks in the worker."""
    made, local, ddi, device = phase_cycle(hawkbit_poll=DEPLOYMENT, hawkbit_artifact={"changed": True, "paths": {"os": ["/d/os/fw"]}})
    ran = made.run()
    assert made.pending is None and device_outcome("hawkbit", ran, False)["record"]["status"] == "upgraded"
    assert local.modules() == ["hawkbit_install", "hawkbit_install"]  # the commands' check, the install plan in check mode
    assert ddi.modules() == ["hawkbit_poll", "hawkbit_feedback", "hawkbit_feedback"]
    assert [args["execution"] for _m, args, _c in ddi.calls if "execution" in args] == ["proceeding", "closed"]
    assert device.modules() == ["hawkbit_artifact", "hawkbit_artifact", "hawkbit_install", "hawkbit_install"]
    assert [args.get("stage", "install") for m, args, _c in device.calls if m == "hawkbit_install"] == ["install", "finish"]
    assert all(args["target_token"] == "tok" for _m, args, _c in ddi.calls + device.calls[:2])
    assert all("target_token" not in args for m, args, _c in device.calls + local.calls if m == "hawkbit_install")


def test_install_tasks_hand_over_after_the_proceeding_feedback_and_the_marker():
    made, _local, ddi, device = phase_cycle({"install_tasks": "install.yml"}, hawkbit_poll=DEPLOYMENT,
                                            hawkbit_artifact={"changed": True, "paths": {"os": ["/d/os/fw.bin"]}})
    ran = made.run()
    assert ddi.modules() == ["hawkbit_poll", "hawkbit_feedback"] and ddi.calls[-1][1]["execution"] == "proceeding"
    assert device.calls[-1][1] == {"stage": "start", "action_id": "7", "dest": "/var/lib/fw"}
    assert made.pending == {"action_id": "7", "reboot": False, "install_tasks": True, "reboot_tasks": False,
                            "verify_tasks": False, "chunks": [dict(CHUNKS[0], paths=["/d/os/fw.bin"])]}
    assert made.resume["action_id"] == "7" and made.resume["results"]["proceeding"] == {"changed": True}
    assert "tok" not in str(made.resume)  # what the finish needs, no secret
    assert ran[-1][0] == "report" and not ran[-1][1]["failed"]


def test_a_reboot_over_ssh_hands_over_and_the_finish_verifies_and_reports_after_the_reboot():
    from ansible_collections.fleetops.upgrade.plugins.plugin_utils._hawkbit_cycle import HawkbitCycle

    made, _local, _ddi, device = phase_cycle({"verify_command": "check-it", "config_data": {"hw": "2"}}, hawkbit_poll=DEPLOYMENT,
                                             hawkbit_install={"changed": True, "reboot_required": True})
    made.run()
    assert made.pending["reboot"] is True and device.modules()[-1] == "hawkbit_install"  # install ran, not verify
    finish_ddi, finish_device = Script(hawkbit_feedback={"changed": True, "config_data_requested": True}), Script()
    finish = HawkbitCycle(COMMON, cycle({"verify_command": "check-it", "config_data": {"hw": "2"}})["cycle"], Script(),
                          phase="finish", resume=made.resume, rebooted=True, ddi_step=finish_ddi, device_step=finish_device)
    ran = finish.run()
    assert [args.get("stage") for _m, args, _c in finish_device.calls] == ["verify", "finish"]
    assert finish_ddi.modules() == ["hawkbit_feedback", "hawkbit_config_data"]
    assert finish_ddi.calls[0][1]["details"] == ["installed os 2.0 after a reboot"]
    record = device_outcome("hawkbit", ran, False)["record"]
    assert record["status"] == "upgraded" and record["components"][0]["to"] == "2.0"


def test_a_reboot_of_the_controller_fails_the_target_instead_of_handing_over():
    made, _local, ddi, _device = phase_cycle(device_is_controller=True, hawkbit_poll=DEPLOYMENT,
                                             hawkbit_install={"changed": True, "reboot_required": True})
    ran = made.run()
    assert made.pending is None and ddi.calls[-1][1]["finished"] == "failure"
    assert device_outcome("hawkbit", ran, False)["record"]["msg"].startswith("Reboot the device: Running ansible.builtin.reboot")


def test_a_failed_user_task_is_reported_closed_failure_with_its_name_and_message():
    from ansible_collections.fleetops.upgrade.plugins.plugin_utils._hawkbit_cycle import HawkbitCycle

    made, _local, _ddi, _device = phase_cycle({"verify_tasks": "verify.yml"}, hawkbit_poll=DEPLOYMENT)
    made.run()
    assert made.pending["verify_tasks"] and not made.pending["reboot"]
    ddi, device = Script(), Script()
    failure = {"step": "Check the installed files", "result": {"failed": True, "msg": "not there", "stderr_lines": ["e1"]}}
    ran = HawkbitCycle(COMMON, cycle({"verify_tasks": "verify.yml"})["cycle"], Script(), phase="finish", resume=made.resume,
                       failure=failure, ddi_step=ddi, device_step=device).run()
    assert device.calls == [] and ddi.modules() == ["hawkbit_feedback"]
    assert (ddi.calls[0][1]["execution"], ddi.calls[0][1]["finished"]) == ("closed", "failure")
    assert ddi.calls[0][1]["details"] == ["failed step: Check the installed files", "not there", "e1"]
    record = device_outcome("hawkbit", ran, False)["record"]
    assert (record["status"], record["msg"]) == ("failed", "Check the installed files: not there")
    assert record["device_state"] == "action 7 reported failed"


def test_a_cancel_asks_the_device_for_the_marker():
    cancel = {"action": {"type": "cancel", "id": "8"}, "cancel": {"stop_id": "7"}, "installed_action": None,
              "config_data_requested": False, "deployment": None}
    for installing, execution in ((True, "rejected"), (False, "closed")):
        made, _local, ddi, device = phase_cycle(hawkbit_poll=cancel, hawkbit_install={"changed": False, "installing": installing})
        ran = made.run()
        assert device.calls == [("hawkbit_install", {"stage": "status", "action_id": 7, "dest": "/var/lib/fw"}, None)]
        assert ddi.calls[-1][1]["kind"] == "cancel" and ddi.calls[-1][1]["execution"] == execution
        assert device_outcome("hawkbit", ran, False)["record"]["status"] == "upgraded"


def test_check_mode_of_the_role_polls_once_and_runs_only_the_read_only_preflight_on_the_device():
    made, local, ddi, device = phase_cycle(check_mode=True, hawkbit_poll=dict(DEPLOYMENT, changed=True))
    ran = made.run()
    assert (local.modules(), ddi.modules(), device.modules()) == (["hawkbit_install"], ["hawkbit_poll"], ["hawkbit_artifact"])
    assert device.calls[0][1]["preflight_only"] is True
    assert device_outcome("hawkbit", ran, True)["record"]["status"] == "would_upgrade"


@pytest.mark.parametrize("delegate, refused", [("localhost", False), ("127.0.0.1", False), ("gw1", False), ("jump1", True)])
def test_an_api_delegate_other_than_the_controller_or_the_target_is_refused(delegate, refused):
    from ansible_collections.fleetops.upgrade.plugins.plugin_utils._hawkbit_cycle import api_delegate_error

    error = api_delegate_error(cycle({"api_delegate": delegate})["cycle"], "gw1")
    assert bool(error) is refused
    if refused:
        assert "hawkbit_target_api_delegate is 'jump1'" in error and "nothing was sent" in error
