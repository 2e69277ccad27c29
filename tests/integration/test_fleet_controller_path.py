"""The rollout's controller path: devices the controller reaches are surveyed and upgraded in threads of one task
(fleet_preflight, fleet_batch), the others run their role; the report must not tell the two apart."""

import datetime
import os

from tests.integration.fleet_support import by_host, encedo_fleet, run_fleet, upgrade_starts

ROLE_PATH = {"FLEETOPS_IN_PROCESS": "0"}
DEVICES = {"a1": {"firmware": "1.2.2"}, "a2": {"firmware": "1.3.0"}, "a3": {"firmware": "1.2.2", "check_fails": True},
           "a4": {"firmware": "1.2.2"}}


def comparable(report):
    keep = ("status", "device_class", "site", "batch", "components", "msg", "device_state")
    return {host: {k: e.get(k) for k in keep} for host, e in by_host(report).items()}


def role_path_hosts(run):
    """The hosts that ran their role's fleet_device task (found by its result: the json callback files results of
    the free strategy under whichever task it printed last)."""
    return {host for play in run.data["plays"] for entry in play["tasks"] for host, result in entry["hosts"].items()
            if "record" in result and "steps" in result}


def test_controller_path_and_roles_write_the_same_report(encedo_process, images, tmp_path):
    fast_names, fast_inventory = encedo_fleet(encedo_process, images, DEVICES)
    slow_names, slow_inventory = encedo_fleet(encedo_process, images, DEVICES)
    rollout = {"fleetops_canary": 1, "fleetops_batch": "100%", "fleetops_max_failures": 1}
    (tmp_path / "controller").mkdir()
    (tmp_path / "roles").mkdir()
    fast, fast_report = run_fleet(fast_inventory, tmp_path / "controller", **rollout)
    slow, slow_report = run_fleet(slow_inventory, tmp_path / "roles", env=ROLE_PATH, **rollout)
    assert fast.rc == slow.rc == 2, fast.stdout[-3000:] + slow.stdout[-3000:]
    assert comparable(fast_report) == comparable(slow_report)
    assert {h: e["status"] for h, e in by_host(fast_report).items()} == {
        "a1": "upgraded", "a2": "unchanged", "a3": "failed", "a4": "upgraded"}
    assert role_path_hosts(fast) == set() and role_path_hosts(slow) == set(DEVICES)
    # the recap tells the same story on both paths: upgraded devices changed, the failed one failed
    for run in (fast, slow):
        assert {h for h, s in run.stats.items() if s["failures"]} == {"a3"}
        assert all(run.stats[h]["changed"] for h in ("a1", "a4")) and not run.stats["a2"]["changed"]
    assert upgrade_starts(encedo_process, fast_names) == upgrade_starts(encedo_process, slow_names) == {"a1", "a3", "a4"}


def outcome_results(run):
    """{host: result} of the last play's fleet_outcome task (the one task of its play)."""
    task = run.data["plays"][-1]["tasks"][0]
    assert task["task"]["name"].startswith("Give the device its outcome")
    return task["hosts"]


def test_every_device_of_the_limit_gets_its_outcome_in_the_last_play(encedo_process, images, tmp_path):
    """The last play runs over every host of the limit: each device's outcome task changes it when upgraded and fails
    it unless it ended well, so the recap and the exit code tell the truth on every path."""
    devices = {"a1": {"firmware": "1.2.2"}, "a2": {"firmware": "1.3.0"}, "a3": {"firmware": "1.2.2", "check_fails": True}}
    _names, inventory = encedo_fleet(encedo_process, images, devices, extra_hosts={"x1": {}})
    run = run_fleet(inventory, tmp_path, fleetops_canary=0, fleetops_max_failures=1)[0]
    assert run.rc == 2, run.stdout[-3000:]
    assert {h for h, s in run.stats.items() if s["failures"]} == {"a3", "x1"}
    assert run.stats["a1"]["changed"] and not run.stats["a2"]["changed"]
    answers = outcome_results(run)
    assert set(answers) == {"a1", "a2", "a3", "x1"}
    assert answers["a1"]["msg"].startswith("upgraded: ") and answers["a1"]["changed"] is True
    assert answers["a2"]["msg"].startswith("unchanged: ") and not answers["a2"].get("failed")
    assert answers["a3"]["failed"] is True and answers["a3"]["msg"].startswith("failed: ")
    assert answers["x1"]["failed"] is True and answers["x1"]["msg"].startswith("refused: ")


def test_variables_that_cannot_work_fail_the_device_before_any_request(encedo_process, images, tmp_path):
    names, inventory = encedo_fleet(encedo_process, images, {"a1": {"firmware": "1.2.2"}, "a2": {"firmware": "1.2.2"},
                                                             "a3": {"firmware": "1.2.2"}})
    inventory["all"]["children"]["site_a"]["hosts"]["a2"]["encedo_wait_timeout"] = "soon"
    inventory["all"]["children"]["site_a"]["hosts"]["a3"]["encedo_url"] = "{{ undefined_url }}"
    encedo_process.clear_log()
    # the plan refuses both and, by default, touches no device at all (issue 21: configuration errors stop the run)
    run, report = run_fleet(inventory, tmp_path, fleetops_canary=0, fleetops_max_failures=2)
    assert run.rc == 2
    hosts = by_host(report)
    assert hosts["a1"]["status"] == "not_attempted"
    assert encedo_process.log() == []
    # fleetops_skip_misconfigured upgrades the others
    run, report = run_fleet(inventory, tmp_path, fleetops_canary=0, fleetops_max_failures=2, fleetops_skip_misconfigured=True)
    assert run.rc == 2
    hosts = by_host(report)
    assert hosts["a1"]["status"] == "upgraded"
    assert hosts["a2"]["status"] == hosts["a3"]["status"] == "refused"
    assert "encedo_wait_timeout" in hosts["a2"]["msg"] and "int" in hosts["a2"]["msg"]
    assert hosts["a3"]["msg"].startswith("the encedo role's variables: ") and "undefined_url" in hosts["a3"]["msg"]
    assert upgrade_starts(encedo_process, names) == {"a1"}
    assert {h for h, s in run.stats.items() if s["failures"]} == {"a2", "a3"}


def test_a_spent_budget_starts_no_more_devices_of_the_batch(encedo_process, images, tmp_path):
    devices = {"a%d" % i: {"firmware": "1.2.2"} for i in range(1, 6)}
    devices["a1"]["check_fails"] = True
    names, inventory = encedo_fleet(encedo_process, images, devices)
    run, report = run_fleet(inventory, tmp_path, env={"ANSIBLE_FORKS": "1"}, fleetops_canary=0)
    assert run.rc == 2
    hosts = by_host(report)
    assert hosts["a1"]["status"] == "failed"
    assert {hosts[h]["status"] for h in ("a2", "a3", "a4", "a5")} == {"not_attempted"}
    assert report["budget"]["stopped"] and "spent after batch 1" in report["budget"]["reason"]
    assert upgrade_starts(encedo_process, names) == {"a1"}


def test_a_device_running_its_role_progresses_with_the_controller_batch(encedo_process, images, tmp_path):
    """One batch: e1 on the controller path; mw1 runs its role, because its task is delegated to a host that is
    not the controller by name (ctl, outside the limit): both finish together."""
    from tests.integration.mwcloud_support import MwCloudProcess

    cloud = MwCloudProcess({"settings": {"transfer_seconds": 2.5, "offline_seconds": 2.5}, "devices": {
        "A302190930001": {"family": 1, "product_id": 770, "hardware": "A", "firmware": "1.5.178", "name": "mw1"}}})
    try:
        names, inventory = encedo_fleet(encedo_process, images, {"e1": {"firmware": "1.2.2", "reboot_seconds": 3}},
                                        sites={"site_a": ["e1", "mw1"], "controllers": ["ctl"]}, extra_hosts={
                                            "ctl": {}, "mw1": {
                                                "fleetops_device_class": "magewell", "mwcloud_url": cloud.url,
                                                "mwcloud_serial": "A302190930001", "magewell_username": "Admin",
                                                "magewell_password": "admin", "magewell_firmware_version": "1.6.201",
                                                "magewell_poll_interval": 0.2, "magewell_delegate_to": "ctl"}})
        run, report = run_fleet(inventory, tmp_path, limit="site_a", fleetops_canary=0)
    finally:
        cloud.stop()
    assert run.rc == 0, run.stdout[-3000:]
    hosts = by_host(report)
    assert role_path_hosts(run) == {"mw1"}
    assert hosts["e1"]["status"] == hosts["mw1"]["status"] == "upgraded"
    assert hosts["e1"]["batch"] == hosts["mw1"]["batch"] == 1
    finished = [datetime.datetime.fromisoformat(hosts[h]["finished"]) for h in ("e1", "mw1")]
    assert abs((finished[0] - finished[1]).total_seconds()) < 3, finished
    assert run.stats["e1"]["changed"] and run.stats["mw1"]["changed"]


def shares(run):
    """(surveys, batches): the devices each fleet_preflight and each fleet_batch task took (its result's statuses;
    found by the result's keys: the json callback files results of the free strategy under whichever task it
    printed last)."""
    results = [result for play in run.data["plays"] for entry in play["tasks"] for result in entry["hosts"].values()
               if "statuses" in result]
    return ([r["statuses"] for r in results if "rollout" in r], [r["statuses"] for r in results if "rollout" not in r])


def test_a_large_batch_is_shared_by_one_task_per_core(encedo_process, images, tmp_path):
    """51 devices: one fleet_preflight task per core surveys its share, then the canary, then a batch of 50 that one
    fleet_batch task per core (25 devices or more each, at most two here) upgrades, each its share: every device
    exactly once."""
    devices = {"a%02d" % i: {"firmware": "1.2.2"} for i in range(51)}
    names, inventory = encedo_fleet(encedo_process, images, devices)
    run, report = run_fleet(inventory, tmp_path)
    assert run.rc == 0, run.stdout[-3000:]
    assert {e["status"] for e in report["hosts"]} == {"upgraded"} and len(report["hosts"]) == 51
    processes = min(2, os.cpu_count() or 1)
    surveys, batches = shares(run)
    assert sorted(len(share) for share in surveys) == sorted([51 // processes] * (processes - 1) + [51 - 51 // processes * (processes - 1)])
    assert sorted(host for share in surveys for host in share) == sorted(devices)
    assert sorted(len(share) for share in batches) == sorted([1] + [50 // processes] * processes)
    assert sorted(host for share in batches for host in share) == sorted(devices)
    assert upgrade_starts(encedo_process, names) == set(devices)
