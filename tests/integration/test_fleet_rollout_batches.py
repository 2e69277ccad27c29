"""playbooks/upgrade.yml: the canary is a device that really upgrades, ramps, a rerun after a stop, check mode."""

from tests.integration.fleet_support import by_host, encedo_fleet, run_fleet, upgrade_starts


def test_canary_skips_devices_at_target_and_ramp_forms_the_batches(encedo_process, images, tmp_path):
    devices = {"a0": {"firmware": "1.3.0"}}
    devices.update({"a%d" % i: {"firmware": "1.2.2"} for i in range(1, 6)})
    names, inventory = encedo_fleet(encedo_process, images, devices)
    run, report = run_fleet(inventory, tmp_path, fleetops_canary=1, fleetops_batch=[1, "50%"])
    assert run.rc == 0, run.stdout[-3000:]
    hosts = by_host(report)
    assert hosts["a0"]["status"] == "unchanged" and hosts["a0"]["batch"] is None
    # canary a1 (not a0, already at 1.3.0); then the ramp 1, 50% of 5 = 2, and the rest
    assert {h: hosts[h]["batch"] for h in ("a1", "a2", "a3", "a4", "a5")} == {"a1": 1, "a2": 2, "a3": 3, "a4": 3, "a5": 4}
    assert report["batches"] == 4 and report["summary"]["upgraded"] == 5
    assert report["settings"] == {"canary": 1, "batch": [1, "50%"], "max_failures": 0, "min_sample": 10}
    assert encedo_process.device(names["a5"])["firmware"] == "1.3.0"


def test_percentage_budget_with_minimum_sample_lets_the_run_go_on(encedo_process, images, tmp_path):
    devices = {"a1": {"firmware": "1.2.2", "check_fails": True}}
    devices.update({"a%d" % i: {"firmware": "1.2.2"} for i in range(2, 5)})
    names, inventory = encedo_fleet(encedo_process, images, devices)
    # 25% of at least 4 attempted devices allows one failure: the failed canary does not stop the run
    run, report = run_fleet(inventory, tmp_path, fleetops_max_failures="25%", fleetops_min_sample=4, fleetops_batch=1)
    assert run.rc == 2
    assert report["summary"]["failed"] == 1 and report["summary"]["upgraded"] == 3
    assert report["budget"]["stopped"] is False
    assert run.stats["a1"]["failures"] == 1 and run.stats["a4"]["failures"] == 0


def test_rerun_after_a_stop_continues_and_says_what_was_done(encedo_process, images, tmp_path):
    devices = {"a1": {"firmware": "1.2.2"}, "a2": {"firmware": "1.2.2", "check_fails": True}, "a3": {"firmware": "1.2.2"}}
    names, inventory = encedo_fleet(encedo_process, images, devices)
    run, report = run_fleet(inventory, tmp_path, fleetops_batch=1)
    assert run.rc == 2
    assert [by_host(report)[h]["status"] for h in ("a1", "a2", "a3")] == ["upgraded", "failed", "not_attempted"]

    encedo_process.patch_device(names["a2"], check_fails=False)
    encedo_process.clear_log()
    again, report = run_fleet(inventory, tmp_path, fleetops_batch=1)
    assert again.rc == 0, again.stdout[-3000:]
    hosts = by_host(report)
    assert [hosts[h]["status"] for h in ("a1", "a2", "a3")] == ["unchanged", "upgraded", "upgraded"]
    assert hosts["a1"]["already_done"] is True and hosts["a1"]["previous_status"] == "upgraded"
    assert hosts["a3"]["previous_status"] == "not_attempted" and hosts["a2"]["batch"] == 1
    assert report["summary"]["already_done"] == 1
    assert upgrade_starts(encedo_process, names) == {"a2", "a3"}
    lines = again.result("Show the fleet report", "a1")["msg"]
    assert "a1 [encedo] unchanged: firmware 1.3.0 (done by the previous run)" in lines


def test_check_mode_previews_the_rollout_without_a_mutating_request(encedo_process, images, tmp_path):
    devices = {"a1": {"firmware": "1.2.2"}, "a2": {"firmware": "1.2.2"}, "a3": {"firmware": "1.3.0"}}
    names, inventory = encedo_fleet(encedo_process, images, devices)
    encedo_process.clear_log()
    run, report = run_fleet(inventory, tmp_path, check=True, fleetops_batch=1)
    assert run.rc == 0, run.stdout[-3000:]
    assert upgrade_starts(encedo_process, names) == set()
    assert report["check_mode"] is True
    hosts = by_host(report)
    assert [(hosts[h]["status"], hosts[h]["batch"]) for h in ("a1", "a2", "a3")] == [
        ("would_upgrade", 1), ("would_upgrade", 2), ("unchanged", None)]
    assert hosts["a1"]["components"][0]["to"] == "1.3.0"
    assert not (tmp_path / "reports" / "fleet-report.json").exists()
    lines = run.result("Show the fleet report", "a1")["msg"]
    assert "a1 [encedo] would upgrade: firmware 1.2.2 -> firmware 1.3.0" in lines
    assert lines[-1].endswith("(check mode: nothing was changed)")


def test_a_run_of_only_classless_hosts_still_reports_and_fails(tmp_path):
    inventory = {"all": {"hosts": {"x1": {"ansible_connection": "local"},
                                   "x2": {"ansible_connection": "local", "fleetops_device_class": "toaster"}}}}
    run, report = run_fleet(inventory, tmp_path)
    assert run.rc == 2
    hosts = by_host(report)
    assert [hosts[h]["status"] for h in ("x1", "x2")] == ["refused", "refused"]
    assert "unknown fleetops_device_class 'toaster'" in hosts["x2"]["msg"]
    assert run.stats["x1"]["failures"] == 1 and run.stats["x2"]["failures"] == 1


def test_a_wrong_rollout_setting_stops_the_run_before_any_device(encedo_process, images, tmp_path):
    names, inventory = encedo_fleet(encedo_process, images, {"a1": {"firmware": "1.2.2"}})
    encedo_process.clear_log()
    run, report = run_fleet(inventory, tmp_path, fleetops_batch="12.5%")
    assert run.rc == 2 and report is None
    assert "fleetops_batch: expected a positive count or a percentage" in run.result(
        "Check the rollout settings, start the run and choose the devices the controller reaches itself", "a1")["msg"]
    assert encedo_process.log(device=names["a1"]) == []


def test_devices_in_flight_finish_when_the_budget_is_spent(encedo_process, images, tmp_path):
    devices = {"a1": {"firmware": "1.2.2", "check_fails": True}, "a2": {"firmware": "1.2.2"}, "a3": {"firmware": "1.2.2"}}
    names, inventory = encedo_fleet(encedo_process, images, devices)
    run, report = run_fleet(inventory, tmp_path, fleetops_canary=0, fleetops_batch=2)
    assert run.rc == 2
    hosts = by_host(report)
    # a1 and a2 start together; a1's failure spends the budget, a2 still finishes, a3 (next batch) never starts
    assert [(hosts[h]["status"], hosts[h]["batch"]) for h in ("a1", "a2", "a3")] == [
        ("failed", 1), ("upgraded", 1), ("not_attempted", 2)]
    assert upgrade_starts(encedo_process, names) == {"a1", "a2"}
