"""Issue 21's newcomer mistakes stop playbooks/upgrade.yml in its plan, before any request to any device: a typo in a
variable, a value a role refuses, no target at all, a report directory that cannot be used; a report file that cannot
be written at the end still leaves the summary, set_stats and every device's outcome, and fails the run."""

import json

from tests.conftest import run_playbook
from tests.integration.fleet_support import PLAYBOOK, by_host, encedo_fleet, run_fleet, upgrade_starts

NOWHERE = "http://127.0.0.1:1"  # a device the plan must never need to contact
APPRESPONSE = {"fleetops_device_class": "appresponse", "appresponse_url": NOWHERE, "appresponse_username": "admin",
               "appresponse_password": "pw", "appresponse_image_src": "/nonexistent.img"}


def first_host_result(run, task):
    return run.result(task, host=sorted(run.stats)[0])


def test_a_typo_in_a_target_variable_is_refused_and_nothing_is_touched(encedo_process, images, tmp_path):
    names, inventory = encedo_fleet(encedo_process, images, {"a1": {"firmware": "1.2.2"}, "a2": {"firmware": "1.2.2"}},
                                    extra_hosts={"ar1": dict(APPRESPONSE, appresponse_verison="11.6.0")},
                                    sites={"site_a": ["a1", "a2", "ar1"]})
    hem = inventory["all"]["vars"]
    hem["encedo_firmware_versoin"] = hem.pop("encedo_firmware_version")
    encedo_process.clear_log()
    run, report = run_fleet(inventory, tmp_path)
    assert run.rc != 0
    hosts = by_host(report)
    assert {h: e["status"] for h, e in hosts.items()} == {"a1": "refused", "a2": "refused", "ar1": "refused"}
    assert hosts["a1"]["msg"] == ("encedo_firmware_versoin is not a variable of fleetops.upgrade; "
                                  "did you mean encedo_firmware_version?")
    assert "appresponse_verison is not a variable of fleetops.upgrade; did you mean appresponse_version?" in hosts["ar1"]["msg"]
    assert hosts["a1"]["step"] == "configuration"
    assert encedo_process.log() == []  # not a request, not even a read
    assert {h for h, s in run.stats.items() if s["failures"]} == {"a1", "a2", "ar1"}


def test_a_bad_value_on_one_device_stops_the_whole_run_unless_skipped(encedo_process, images, tmp_path):
    names, inventory = encedo_fleet(encedo_process, images, {"a1": {"firmware": "1.2.2"}, "a2": {"firmware": "1.2.2"}})
    inventory["all"]["children"]["site_a"]["hosts"]["a1"]["encedo_wait_timeout"] = "abc"
    encedo_process.clear_log()
    run, report = run_fleet(inventory, tmp_path)
    assert run.rc != 0
    hosts = by_host(report)
    assert hosts["a1"]["status"] == "refused" and "encedo_wait_timeout" in hosts["a1"]["msg"]
    assert "'wait_timeout'" not in hosts["a1"]["msg"]
    assert hosts["a2"]["status"] == "not_attempted" and "fleetops_skip_misconfigured" in hosts["a2"]["msg"]
    assert report["budget"]["stopped"] is True
    assert encedo_process.log() == []
    # the documented switch: the others are upgraded, the misconfigured device is reported and fails the run
    run, report = run_fleet(inventory, tmp_path, fleetops_skip_misconfigured=True)
    assert run.rc != 0
    hosts = by_host(report)
    assert (hosts["a1"]["status"], hosts["a2"]["status"]) == ("refused", "upgraded")
    assert upgrade_starts(encedo_process, names) == {"a2"}
    # a configuration error does not spend the error budget (fleetops_max_failures 0)
    assert report["summary"]["failed"] == 0 and report["budget"]["stopped"] is False


def test_a_target_never_set_is_listed_and_no_target_at_all_is_refused(encedo_process, images, tmp_path):
    names, inventory = encedo_fleet(encedo_process, images, {"a1": {"firmware": "1.3.0"}, "a2": {"firmware": "1.2.2"}})
    encedo_process.clear_log()
    # an AWX survey's empty answer: null for one device's firmware (and the management app is never set)
    inventory["all"]["children"]["site_a"]["hosts"]["a2"]["encedo_firmware_version"] = None
    run, report = run_fleet(inventory, tmp_path)
    assert run.rc != 0
    hosts = by_host(report)
    assert hosts["a2"]["status"] == "refused"
    assert hosts["a2"]["msg"].startswith("no target set: encedo_firmware_version and encedo_ui_uis are empty")
    assert hosts["a1"]["notes"] == ["ui: no target set (encedo_ui_uis is empty)"]
    assert encedo_process.log() == []
    lines = first_host_result(run, "Show the fleet report")["msg"]
    assert "ui: no target set (encedo_ui_uis is empty) on 1 device(s) (a1): that step was skipped" in lines


def test_a_bad_report_dir_fails_the_plan_before_any_device(encedo_process, images, tmp_path):
    names, inventory = encedo_fleet(encedo_process, images, {"a1": {"firmware": "1.2.2"}})
    encedo_process.clear_log()
    run = run_playbook(PLAYBOOK, inventory, extra_vars={"fleetops_report_dir": "/etc/hostname/reports"}, tmp_path=tmp_path)
    assert run.rc != 0
    plan = first_host_result(run, "Check the rollout settings, start the run and choose the devices the controller reaches itself")
    assert plan["failed"] and plan["msg"].startswith("fleetops_report_dir /etc/hostname/reports cannot be created")
    assert encedo_process.log() == []


def test_a_report_file_that_cannot_be_written_fails_the_run_after_the_outcomes(encedo_process, images, tmp_path):
    names, inventory = encedo_fleet(encedo_process, images, {"a1": {"firmware": "1.2.2"}})
    (tmp_path / "reports" / "fleet-report.html").mkdir(parents=True)  # the HTML file cannot replace a directory
    run, _report = run_fleet(inventory, tmp_path)
    assert run.rc != 0
    assert json.loads((tmp_path / "reports" / "fleet-report.json").read_text())["hosts"][0]["status"] == "upgraded"
    report = first_host_result(run, "Write the fleet report")
    assert "fleet-report.html could not be written" in report["write_error"]
    assert any("fleet-report.html could not be written" in line for line in first_host_result(run, "Show the fleet report")["msg"])
    assert run.result("Give the device its outcome (failed unless it ended well, so the exit code tells the truth)",
                      host="a1")["changed"] is True
    failed = first_host_result(run, "Fail the run when a report file could not be written")
    assert failed["failed"] and "fleet-report.html" in failed["msg"]


def test_the_hawkbit_token_message_names_the_role_variables(encedo_process, images, tmp_path):
    target = {"fleetops_device_class": "hawkbit", "hawkbit_target_url": NOWHERE, "hawkbit_target_install_commands": {"*": "true"}}
    names, inventory = encedo_fleet(encedo_process, images, {"a1": {"firmware": "1.2.2"}}, extra_hosts={
        "t1": dict(target, hawkbit_target_gateway_token="{{ vault_hawkbit_gateway_token }}"),
        "t2": dict(target, hawkbit_target_gateway_token="{{ vault_hawkbit_gateway_token | default(omit) }}"),
        "t3": dict(target, ansible_connection="ssh")}, sites={"site_a": ["a1", "t1", "t2", "t3"]})
    encedo_process.clear_log()
    run, report = run_fleet(inventory, tmp_path)
    assert run.rc != 0
    hosts = by_host(report)
    assert {hosts[h]["status"] for h in ("t1", "t2", "t3")} == {"refused"}
    assert "hawkbit_target_gateway_token" in hosts["t1"]["msg"] and "vault_hawkbit_gateway_token" in hosts["t1"]["msg"]
    for host in ("t2", "t3"):  # the controller path and a target with its own connection alike
        assert hosts[host]["msg"] == ("cycle: one of the following is required: hawkbit_target_target_token, "
                                      "hawkbit_target_gateway_token")
    assert hosts["a1"]["status"] == "not_attempted"
    assert encedo_process.log() == []


PLAN_MISUSE = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: A least sample that is no count
      fleetops.upgrade.fleet_plan:
        min_sample: "{{ fleetops_min_sample }}"
      ignore_errors: true
    - name: A canary that is no count
      fleetops.upgrade.fleet_plan:
        canary: ten
      ignore_errors: true
    - name: An answer that is no boolean
      fleetops.upgrade.fleet_plan:
        skip_misconfigured: perhaps
      ignore_errors: true
"""


def test_a_rollout_setting_the_plan_cannot_use_is_named_by_its_variable(tmp_path):
    run = run_playbook(PLAN_MISUSE, extra_vars={"fleetops_min_sample": "abc"}, tmp_path=tmp_path)
    assert run.rc == 0, run.stdout[-2000:]
    sample = run.result("A least sample that is no count")
    assert sample["failed"] and sample["msg"].startswith("invalid rollout setting: argument 'fleetops_min_sample' is of type")
    assert "unable to convert to int" in sample["msg"]
    canary = run.result("A canary that is no count")
    assert canary["failed"] and canary["msg"].startswith("invalid rollout setting fleetops_canary: expected a count")
    answer = run.result("An answer that is no boolean")
    assert answer["failed"] and "'fleetops_skip_misconfigured'" in answer["msg"] and "bool" in answer["msg"]
