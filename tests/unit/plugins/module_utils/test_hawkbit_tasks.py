"""Task logic of hawkbit_poll / feedback / confirmation / config_data against the simulator."""

import pytest

from ansible_collections.fleetops.upgrade.plugins.module_utils._errors import FleetopsError, TaskError
from ansible_collections.fleetops.upgrade.plugins.module_utils._hawkbit import fit_details
from ansible_collections.fleetops.upgrade.plugins.module_utils._hawkbit_config_data import CONFIG_DATA_SPEC, HawkbitConfigData
from ansible_collections.fleetops.upgrade.plugins.module_utils._hawkbit_confirmation import CONFIRMATION_SPEC, HawkbitConfirmation
from ansible_collections.fleetops.upgrade.plugins.module_utils._hawkbit_feedback import FEEDBACK_SPEC, HawkbitFeedback
from ansible_collections.fleetops.upgrade.plugins.module_utils._hawkbit_poll import POLL_SPEC, HawkbitPoll

MUTATING = ("POST", "PUT", "DELETE", "PATCH")


def run(task, params, check_mode=False, diff=False):
    """One TaskRun as execute() runs it, but raising its FleetopsError (tests assert on them)."""
    instance = task(params, check_mode=check_mode, diff=diff)
    try:
        return instance.run()
    finally:
        instance.close()


def mutations(simulator):
    return simulator.requests_for(methods=MUTATING)


def test_poll_without_action(target, params):
    simulator, url = target[:2]
    result = run(HawkbitPoll, params(POLL_SPEC, url))
    assert result["action"] == {"type": "none", "id": None, "url": None}
    assert result["config_data_requested"] is True and result["changed"] is False and result["sleep"] == 300
    again = run(HawkbitPoll, params(POLL_SPEC, url, etag=result["etag"]))
    assert again["not_modified"] is True and again["action"] is None


def test_poll_describes_a_deployment(target, params):
    simulator, url, cid = target
    action = simulator.create_deployment(cid, {"maintenance_window": "unavailable", "chunks": [
        {"part": "os", "version": "2.0", "metadata": [{"key": "k", "value": "v"}],
         "artifacts": [{"filename": "fw.bin", "content": "x", "offer_hashes": ["md5", "sha1"]}]}]})
    result = run(HawkbitPoll, params(POLL_SPEC, url, action_history=5))
    assert result["action"]["type"] == "deployment" and result["action"]["id"] == str(action.id)
    deployment = result["deployment"]
    assert (deployment["download"], deployment["update"], deployment["maintenance_window"]) == ("forced", "skip", "unavailable")
    chunk = deployment["chunks"][0]
    assert chunk["metadata"] == {"k": "v"} and chunk["artifacts"][0]["strongest_hash"] == "sha1"
    assert chunk["artifacts"][0]["download_url"].endswith("/fw.bin")
    assert deployment["action_history"]["status"] == "RUNNING"


def test_poll_cancel_and_confirmation(target, params):
    simulator, url, cid = target
    action = simulator.create_deployment(cid, {"confirmation_required": True})
    result = run(HawkbitPoll, params(POLL_SPEC, url))
    assert result["action"]["type"] == "confirmation" and result["deployment"]["id"] == str(action.id)
    simulator.cancel_action(cid, action.id)
    result = run(HawkbitPoll, params(POLL_SPEC, url))
    assert result["action"]["type"] == "cancel" and result["cancel"] == {"stop_id": str(action.id)}


def test_poll_waits_with_the_servers_sleep(target, params, monkeypatch):
    simulator, url, cid = target
    simulator.devices[cid].sleep = "00:00:01"
    pauses = []

    def fake_sleep(seconds):
        pauses.append(seconds)
        if len(pauses) == 2:
            simulator.create_deployment(cid, {})
    result = HawkbitPoll(params(POLL_SPEC, url, wait_for_action=True, wait_timeout=60), sleep=fake_sleep).run()
    assert result["action"]["type"] == "deployment" and pauses == [1, 1]


def test_fit_details_respects_quotas():
    assert fit_details(["a" * 1030], 50) == ["a" * 512, "a" * 512, "a" * 6]
    fitted = fit_details(["x"] * 30, 20)
    assert len(fitted) == 20 and fitted[-1].startswith("... 11 more")


def test_feedback_closing_then_410_is_unchanged(target, params):
    simulator, url, cid = target
    action = simulator.create_deployment(cid, {})
    options = dict(action_id=str(action.id), execution="closed", finished="success", details=["done"], progress={"cnt": 1, "of": 1})
    first = run(HawkbitFeedback, params(FEEDBACK_SPEC, url, **options))
    assert first["changed"] is True and first["action_closed"] is True
    assert simulator.devices[cid].actions[action.id].status == "FINISHED"
    second = run(HawkbitFeedback, params(FEEDBACK_SPEC, url, **options))
    assert second["changed"] is False and "already closed" in second["msg"]
    with pytest.raises(TaskError) as caught:
        run(HawkbitFeedback, params(FEEDBACK_SPEC, url, action_id=str(action.id), execution="proceeding"))
    assert caught.value.details["action_closed"] is True


def test_feedback_check_mode_sends_nothing(target, params):
    simulator, url, cid = target
    action = simulator.create_deployment(cid, {})
    predicted = run(HawkbitFeedback, params(FEEDBACK_SPEC, url, action_id=str(action.id), execution="closed", finished="success"), check_mode=True)
    assert predicted["changed"] is True and mutations(simulator) == []
    other = run(HawkbitFeedback, params(FEEDBACK_SPEC, url, action_id="999", execution="closed", finished="success"), check_mode=True)
    assert other["changed"] is False and mutations(simulator) == []
    with pytest.raises(FleetopsError):
        run(HawkbitFeedback, params(FEEDBACK_SPEC, url, action_id="1", execution="closed", max_details=80))


def test_cancel_feedback(target, params):
    simulator, url, cid = target
    action = simulator.create_deployment(cid, {})
    simulator.cancel_action(cid, action.id)
    result = run(HawkbitFeedback, params(FEEDBACK_SPEC, url, action_id=str(action.id), kind="cancel", execution="closed", finished="success"))
    assert result["changed"] and simulator.devices[cid].actions[action.id].status == "CANCELED"


def test_auto_confirm_is_idempotent(target, params):
    simulator, url, cid = target
    on = params(CONFIRMATION_SPEC, url, auto_confirm=True, remark="ok")
    assert run(HawkbitConfirmation, on, check_mode=True)["changed"] is True and mutations(simulator) == []
    first = run(HawkbitConfirmation, on, diff=True)
    assert first["changed"] and first["diff"] == {"before": {"auto_confirm": False}, "after": {"auto_confirm": True}}
    assert simulator.devices[cid].auto_confirm["remark"] == "ok"
    assert run(HawkbitConfirmation, on)["changed"] is False
    off = params(CONFIRMATION_SPEC, url, auto_confirm=False)
    assert run(HawkbitConfirmation, off)["changed"] is True and run(HawkbitConfirmation, off)["changed"] is False


def test_confirm_a_waiting_action(target, params):
    simulator, url, cid = target
    action = simulator.create_deployment(cid, {"confirmation_required": True})
    confirm = params(CONFIRMATION_SPEC, url, action_id=str(action.id), confirmation="confirmed")
    assert run(HawkbitConfirmation, confirm, check_mode=True)["changed"] is True and mutations(simulator) == []
    result = run(HawkbitConfirmation, confirm)
    assert result["changed"] and result["action_state"] == "running"
    again = run(HawkbitConfirmation, confirm)
    assert again["changed"] is False and "already confirmed" in again["msg"]
    with pytest.raises(TaskError):
        run(HawkbitConfirmation, params(CONFIRMATION_SPEC, url, action_id=str(action.id), confirmation="denied"))


def test_deny_keeps_the_action_waiting(target, params):
    simulator, url, cid = target
    action = simulator.create_deployment(cid, {"confirmation_required": True})
    result = run(HawkbitConfirmation, params(CONFIRMATION_SPEC, url, action_id=str(action.id), confirmation="denied", details=["not now"]))
    assert result["changed"] and result["action_state"] == "waiting"
    assert simulator.devices[cid].actions[action.id].status == "WAIT_FOR_CONFIRMATION"
    gone = run(HawkbitConfirmation, params(CONFIRMATION_SPEC, url, action_id="999", confirmation="confirmed"))
    assert gone["changed"] is False and gone["action_state"] == "not open"


def test_config_data_only_when_requested(target, params):
    simulator, url, cid = target
    options = dict(data={"hw": 2, "serial": "A1"})
    check = run(HawkbitConfigData, params(CONFIG_DATA_SPEC, url, **options), check_mode=True, diff=True)
    assert check["changed"] and check["sent"] is False and mutations(simulator) == []
    first = run(HawkbitConfigData, params(CONFIG_DATA_SPEC, url, **options))
    assert first["changed"] and simulator.devices[cid].attributes == {"hw": "2", "serial": "A1"}
    second = run(HawkbitConfigData, params(CONFIG_DATA_SPEC, url, **options))
    assert second["changed"] is False and second["requested"] is False
    forced = run(HawkbitConfigData, params(CONFIG_DATA_SPEC, url, mode="remove", only_when_requested=False, data={"hw": None}))
    assert forced["changed"] and simulator.devices[cid].attributes == {"serial": "A1"}


def test_config_data_limits_fail_before_sending(target, params):
    simulator, url = target[:2]
    with pytest.raises(FleetopsError):
        run(HawkbitConfigData, params(CONFIG_DATA_SPEC, url, data={"k": "v" * 129}))
    with pytest.raises(FleetopsError):
        run(HawkbitConfigData, params(CONFIG_DATA_SPEC, url, data={str(i): "v" for i in range(101)}))
    assert simulator.requests_for() == []


def test_closing_and_download_only_feedback_say_whether_the_server_asks_for_config_data(target, params):
    """Issue 20: after a finished action and after a download-only action closed as downloaded the server asks for
    config data again (hawkbit-ddi.md, configData); the feedback's own poll after sending says so."""
    simulator, url, cid = target
    simulator.devices[cid].request_config = False
    action = simulator.create_deployment(cid, {})
    proceeding = run(HawkbitFeedback, params(FEEDBACK_SPEC, url, action_id=str(action.id), execution="proceeding"))
    assert "config_data_requested" not in proceeding  # no poll after an intermediate feedback
    closed = run(HawkbitFeedback, params(FEEDBACK_SPEC, url, action_id=str(action.id), execution="closed", finished="success"))
    assert closed["config_data_requested"] is True
    simulator.devices[cid].request_config = False
    only = simulator.create_deployment(cid, {"type": "downloadonly"})
    downloaded = run(HawkbitFeedback, params(FEEDBACK_SPEC, url, action_id=str(only.id), execution="downloaded"))
    assert downloaded["action_closed"] is True and downloaded["config_data_requested"] is True
    simulator.devices[cid].request_config = False
    window = simulator.create_deployment(cid, {"maintenance_window": "unavailable"})
    waiting = run(HawkbitFeedback, params(FEEDBACK_SPEC, url, action_id=str(window.id), execution="downloaded"))
    assert waiting["action_closed"] is False and waiting["config_data_requested"] is False
    failed = run(HawkbitFeedback, params(FEEDBACK_SPEC, url, action_id=str(window.id), execution="closed", finished="failure"))
    assert failed["config_data_requested"] is False  # an error is not a finished action
    predicted = run(HawkbitFeedback, params(FEEDBACK_SPEC, url, action_id="1", execution="closed", finished="success"),
                    check_mode=True)
    assert "config_data_requested" not in predicted


def test_poll_without_reading_the_action_leaves_no_retrieved_entry(target, params):
    """Issue 20: a real hawkBit records a "retrieved" entry for a read of deploymentBase (hawkbit-ddi.md:97);
    read_action=false tells which action is open and what is installed, not what the action installs."""
    simulator, url, cid = target
    installed = simulator.create_deployment(cid, {"chunks": [{"part": "os", "name": "fw", "version": "1.0", "artifacts": []}]})
    simulator.devices[cid].installed, installed.closed, installed.status = installed.id, True, "FINISHED"
    action = simulator.create_deployment(cid, {"chunks": [{"part": "os", "name": "fw", "version": "2.0", "artifacts": []}]})
    looked = run(HawkbitPoll, params(POLL_SPEC, url, read_action=False), check_mode=True)
    assert action.history == ["running"]
    assert looked["action"]["type"] == "deployment" and looked["action"]["id"] == str(action.id) and looked["changed"]
    assert (looked["deployment"], looked["version"], looked["previous_version"]) == (None, None, "fw 1.0")
    assert looked["action_read"] is False
    assert not any("deploymentBase" in e["path"] for e in simulator.requests_for(cid))
    read = run(HawkbitPoll, params(POLL_SPEC, url), check_mode=True)
    assert action.history == ["running", "retrieved"] and read["version"] == "fw 2.0" and "action_read" not in read
    simulator.cancel_action(cid, action.id)
    cancel = run(HawkbitPoll, params(POLL_SPEC, url, read_action=False))
    assert cancel["action"]["type"] == "cancel" and cancel["cancel"] is None and cancel["version"] is None
    assert all("cancelAction" not in e["path"] for e in simulator.requests_for(cid)[-2:])
