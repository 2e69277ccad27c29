"""npm_update's task against the AppResponse simulator, through the shared boundary."""

import pytest
import requests

from ansible_collections.fleetops.upgrade.plugins.module_utils._npm_update import NpmUpdate
from tests.conftest import npm_mutations, npm_result

START = ("POST", "npm.system_update/2.0/update/start")


def run(url, check_mode=False, diff=False, **options):
    options.setdefault("wait_timeout", 30)
    return npm_result(NpmUpdate, url, check_mode=check_mode, diff=diff, **options)


def access_token(url):
    body = {"user_credentials": {"username": "admin", "password": "admin"}, "generate_refresh_token": False}
    return requests.post(url + "/api/mgmt.aaa/1.0/token", json=body, timeout=5).json()["access_token"]


def test_installs_through_reboot_and_token_expiry(npm_sim, appliance):
    npm_sim.update_device("ar1", {"images": [{"version": "11.6.0 #23947"}], "token_lifetime": 0.3, "reboot_time": 0.6})
    planned = run(appliance, check_mode=True, diff=True, version="11.6.0")
    assert planned["changed"] is True and planned["steps"] == ["init with image 1", "start", "wait for the reboot", "verify"]
    assert planned["diff"]["after"]["sw_version"] == "11.6.0 #23947" and npm_mutations(npm_sim) == []
    assert "warnings" not in planned and planned["device_state"] == "unchanged, runs 11.2.0 #13859"
    assert (planned["component"], planned["previous_version"], planned["version"]) == ("software", "11.2.0 #13859", "11.6.0 #23947")
    npm_sim.clear_log()
    result = run(appliance, diff=True, version="11.6.0")
    assert result["changed"] is True and result["sw_version"] == "11.6.0 #23947" and result["device_state"] == "runs 11.6.0 #23947"
    assert (result["component"], result["previous_version"], result["version"]) == ("software", "11.2.0 #13859", "11.6.0 #23947")
    assert result["previous_version"] == "11.2.0 #13859" and result["update_history"][-1]["version"] == "11.6.0 #23947"
    assert result["steps"] == ["initialized 11.6.0 #23947", "started", "rebooted", "verified"]
    assert set(result["durations"]) == {"read", "init", "start", "reboot", "verify"} and result["image_id"] == 1
    assert result["diff"] == {"before": {"sw_version": "11.2.0 #13859", "update_state": "IDLE"},
                              "after": {"sw_version": "11.6.0 #23947", "update_state": "IDLE"}}
    # the reboot ended the session: one login asked for the task's only refresh token, later expiries used it
    assert npm_sim.device_state("ar1")["refresh_tokens_issued"] == 1
    tokens = [e["status"] for e in npm_sim.requests_for("ar1", ["POST"]) if "mgmt.aaa" in e["path"]]
    assert tokens[0] == 201 and tokens.count(200) >= 1
    npm_sim.clear_log()
    assert run(appliance, version="11.6.0 #23947")["changed"] is False
    assert npm_mutations(npm_sim) == []


def test_resets_a_stale_state_first(npm_sim, appliance):
    npm_sim.update_device("ar1", {"images": [{"version": "11.6.0 #2"}], "update_state": "FAILED_GRACEFUL"})
    result = run(appliance, version="11.6.0")
    assert result["steps"][0] == "reset from FAILED_GRACEFUL" and result["sw_version"] == "11.6.0 #2"
    assert npm_mutations(npm_sim)[:2] == [("POST", "npm.system_update/2.0/update/reset"), ("POST", "npm.system_update/2.0/update/init")]


def test_without_image_lists_what_is_there(npm_sim, appliance):
    npm_sim.update_device("ar1", {"images": [{"version": "11.5.0 #1"}, {"version": "11.6.0 #2", "state": "INVALID"}]})
    result = run(appliance, version="11.6.0")
    assert result["failed"] and "no VALID image of version 11.6.0" in result["msg"]
    assert "11.5.0 #1 (id 1, VALID), 11.6.0 #2 (id 2, INVALID)" in result["msg"]
    assert npm_mutations(npm_sim) == [] and result["device_state"] == "unchanged, runs 11.2.0 #13859"
    assert (result["previous_version"], result["version"]) == ("11.2.0 #13859", "11.2.0 #13859")


def test_check_mode_without_the_image_says_what_it_would_do(npm_sim, appliance):
    npm_sim.update_device("ar1", {"images": [{"version": "11.5.0 #1"}]})
    planned = run(appliance, check_mode=True, diff=True, version="11.6.0 #23947")
    assert "failed" not in planned and planned["changed"] is True
    assert planned["steps"] == ["init with a VALID image of 11.6.0 #23947 (not on the appliance yet)", "start",
                                "wait for the reboot", "verify"]
    assert planned["msg"].startswith("would update 11.2.0 #13859 to 11.6.0 #23947: ")
    assert planned["sw_version"] == "11.6.0 #23947" and planned["diff"]["after"]["sw_version"] == "11.6.0 #23947"
    assert planned["warnings"] == ["no VALID image of version 11.6.0 #23947 is on the appliance yet (it has 11.5.0 #1 "
                                   "(id 1, VALID)); the update needs one: put it there with npm_image before this task "
                                   "(in check mode npm_image does not send it)"]
    assert npm_mutations(npm_sim) == []


def test_check_mode_still_refuses_a_critical_appliance(npm_sim, appliance):
    npm_sim.update_device("ar1", {"update_state": "FAILED_CRITICAL"})
    result = run(appliance, check_mode=True, version="11.6.0")
    assert result["failed"] and "A person must look at it" in result["msg"]


def test_wrong_target_is_reset(npm_sim, appliance):
    npm_sim.update_device("ar1", {"images": [{"version": "11.5.0 #1"}, {"version": "11.6.0 #2"}], "init_picks": "oldest"})
    result = run(appliance, version="11.6.0")
    assert result["failed"] and "initialized an update to 11.5.0 #1 instead of 11.6.0" in result["msg"]
    assert result["device_state"] == "still runs 11.2.0 #13859, update state IDLE" and result["step"] == "init"
    assert npm_sim.device_state("ar1")["update"]["state"] == "IDLE"
    assert START not in npm_mutations(npm_sim)


@pytest.mark.parametrize("behaviour", ["drop", "503", "html"])
def test_failed_graceful(npm_sim, appliance, behaviour):
    npm_sim.update_device("ar1", {"images": [{"version": "11.6.0 #2"}], "update_result": "FAILED_GRACEFUL", "down_behaviour": behaviour})
    result = run(appliance, version="11.6.0")
    assert result["failed"] and "FAILED_GRACEFUL: Update failed: pre-install checks failed" in result["msg"]
    assert "npm_update state=idle" in result["msg"] and result["sw_version"] == "11.2.0 #13859"
    assert result["device_state"].startswith("runs 11.2.0 #13859, update state FAILED_GRACEFUL")
    assert (result["previous_version"], result["version"]) == ("11.2.0 #13859", "11.2.0 #13859")


def test_failed_critical_then_refused(npm_sim, appliance):
    npm_sim.update_device("ar1", {"images": [{"version": "11.6.0 #2"}], "update_result": "FAILED_CRITICAL"})
    result = run(appliance, version="11.6.0")
    assert result["failed"] and "FAILED_CRITICAL" in result["msg"] and "a person must look" in result["msg"]
    assert result["device_state"] == "FAILED_CRITICAL, needs a person"
    assert result["steps"] == ["initialized 11.6.0 #2", "started", "rebooted"] and result["step"] == "verify"
    npm_sim.clear_log()
    refused = run(appliance, version="11.6.0")
    assert "A person must look at it before any retry" in refused["msg"] and npm_mutations(npm_sim) == []
    assert run(appliance, state="idle")["changed"] is True
    assert run(appliance, state="idle")["changed"] is False


def test_never_returns_times_out(npm_sim, appliance):
    npm_sim.update_device("ar1", {"images": [{"version": "11.6.0 #2"}], "never_returns": True})
    result = run(appliance, version="11.6.0", wait_timeout=2)
    assert result["failed"] and "did not come back within 2s" in result["msg"] and "unreachable" in result["last_state"]
    assert result["step"] == "reboot"


def test_no_wait(npm_sim, appliance):
    npm_sim.update_device("ar1", {"images": [{"version": "11.6.0 #2"}]})
    result = run(appliance, version="11.6.0", wait=False)
    assert result["changed"] is True and result["update_state"] == "RUNNING" and result["sw_version"] == "11.2.0 #13859"
    assert result["device_state"] == "updating to 11.6.0 (not waited for)"


def test_token_only_expiring_while_initializing_carries_the_device_state(npm_sim, appliance):
    npm_sim.update_device("ar1", {"images": [{"version": "11.6.0 #2"}], "init_time": 2.0, "token_lifetime": 0.8})
    result = run(appliance, version="11.6.0", token=access_token(appliance))
    assert result["failed"] and "refused the given token" in result["msg"] and result["step"] == "init"
    assert result["device_state"] == "still runs 11.2.0 #13859, update state INITIALIZING (target 11.6.0 #2)"


def test_token_only_refused_after_the_reboot_carries_the_device_state(npm_sim, appliance):
    npm_sim.update_device("ar1", {"images": [{"version": "11.6.0 #2"}]})
    result = run(appliance, version="11.6.0", token=access_token(appliance))
    assert result["failed"] and "refused the given token" in result["msg"] and result["step"] == "reboot"
    assert result["device_state"].startswith("update to 11.6.0 started, outcome not known: the appliance no longer "
                                             "accepts the credentials")
    assert result["steps"] == ["initialized 11.6.0 #2", "started"]
    assert result["previous_version"] == "11.2.0 #13859" and result["version"] is None and result["component"] == "software"


def test_junk_answers_fail_clearly_and_send_nothing(npm_sim, appliance):
    npm_sim.update_device("ar1", {"images": [{"version": "11.6.0 #2"}], "junk_answers": [{"sw_version": "11.2.0 #13859"}, [1]]})
    result = run(appliance, version="11.6.0")
    assert result["failed"] and "internal error" not in result["msg"] and result["step"] == "read"
    assert "answered JSON a list where an object was expected (GET %s/api/npm.system_update/2.0/update" % appliance in result["msg"]
    assert result["device_state"] == "unchanged, runs 11.2.0 #13859" and npm_mutations(npm_sim) == []


@pytest.mark.parametrize("wait_timeout", [0, -1])
def test_a_wait_timeout_that_cannot_work_is_refused_before_any_request(npm_sim, appliance, wait_timeout):
    npm_sim.update_device("ar1", {"images": [{"version": "11.6.0 #2"}]})
    result = run(appliance, version="11.6.0", wait_timeout=wait_timeout)
    assert result["failed"] and "wait_timeout must be more than 0" in result["msg"]
    assert npm_sim.requests_for("ar1") == [] and npm_sim.device_state("ar1")["update"]["state"] == "IDLE"
