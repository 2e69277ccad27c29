"""playbooks/upgrade.yml as one rollout: canary, batches, the fleet-wide error budget, refused and unreachable hosts."""

from tests.integration.fleet_support import by_host, encedo_fleet, run_fleet, upgrade_starts

UNREACHABLE = {"fleetops_device_class": "encedo", "ansible_connection": "ssh", "ansible_host": "127.0.0.1",
               "ansible_port": 1, "ansible_ssh_common_args": "-o ConnectTimeout=2", "encedo_url": "http://127.0.0.1:1"}


def test_budget_stop_reports_all_six_statuses(encedo_process, images, tmp_path):
    names, inventory = encedo_fleet(
        encedo_process, images,
        {"a1": {"firmware": "1.2.2"}, "a2": {"firmware": "1.2.2", "check_fails": True}, "a3": {"firmware": "1.2.2"},
         "a4": {"firmware": "1.3.0"}},
        sites={"site_a": ["a1", "a2", "a3", "a4", "noclass", "gone"]},
        extra_hosts={"noclass": {}, "gone": UNREACHABLE})
    encedo_process.clear_log()
    run, report = run_fleet(inventory, tmp_path, fleetops_canary=1, fleetops_batch=1)
    assert run.rc != 0
    hosts = by_host(report)
    assert set(hosts) == {"a1", "a2", "a3", "a4", "noclass", "gone"}
    assert {h: e["status"] for h, e in hosts.items()} == {
        "a1": "upgraded", "a2": "failed", "a3": "not_attempted", "a4": "unchanged", "noclass": "refused",
        "gone": "unreachable"}
    assert report["summary"] == {"upgraded": 1, "unchanged": 1, "failed": 1, "unreachable": 1, "not_attempted": 1,
                                 "refused": 1, "total": 6, "already_done": 0, "would_upgrade": 0, "downloaded": 0}
    assert hosts["a1"]["components"] == [{"component": "firmware", "from": "1.2.2", "to": "1.3.0", "changed": True}]
    assert hosts["a1"]["batch"] == 1 and hosts["a2"]["batch"] == 2 and hosts["a3"]["batch"] == 3
    assert hosts["a4"]["batch"] is None and hosts["a1"]["site"] == "site_a"
    assert "check failed" in hosts["a2"]["msg"] and "keeps firmware 1.2.2" in hosts["a2"]["device_state"]
    assert hosts["a1"]["durations"]["upload"] > 0
    assert "no fleetops_device_class" in hosts["noclass"]["msg"]
    assert "error budget was spent after batch 2" in hosts["a3"]["msg"]
    assert report["budget"]["stopped"] is True
    assert upgrade_starts(encedo_process, names) == {"a1", "a2"}
    # the exit code tells the truth: every host that did not end upgraded or unchanged fails
    assert {h for h, s in run.stats.items() if s["failures"]} == {"a2", "a3", "noclass", "gone"}
    lines = run.result("Show the fleet report", host=sorted(run.stats)[0])["msg"]
    assert "a1 [encedo] upgraded: firmware 1.2.2 -> firmware 1.3.0" in lines
    assert lines[-2].startswith("1 upgraded, 1 unchanged, 1 failed, 1 unreachable, 1 not attempted, 1 refused")


def test_device_classes_progress_together(encedo_process, images, tmp_path):
    import datetime
    from tests.integration.mwcloud_support import MwCloudProcess

    cloud = MwCloudProcess({"settings": {"transfer_seconds": 2.5, "offline_seconds": 2.5}, "devices": {
        "A302190930001": {"family": 1, "product_id": 770, "hardware": "A", "firmware": "1.5.178", "name": "mw1"}}})
    try:
        names, inventory = encedo_fleet(encedo_process, images, {"e1": {"firmware": "1.2.2", "reboot_seconds": 3}},
                                        sites={"site_a": ["e1", "mw1"]}, extra_hosts={"mw1": {
                                            "fleetops_device_class": "magewell", "mwcloud_url": cloud.url,
                                            "mwcloud_serial": "A302190930001", "magewell_username": "Admin",
                                            "magewell_password": "admin", "magewell_firmware_version": "1.6.201",
                                            "magewell_poll_interval": 0.2}})
        run, report = run_fleet(inventory, tmp_path, fleetops_canary=0)
    finally:
        cloud.stop()
    assert run.rc == 0, run.stdout[-3000:]
    hosts = by_host(report)
    assert hosts["e1"]["status"] == hosts["mw1"]["status"] == "upgraded" and hosts["e1"]["batch"] == hosts["mw1"]["batch"] == 1
    # each device takes about 5 s; one after the other, they would finish 5 s apart
    finished = [datetime.datetime.fromisoformat(hosts[h]["finished"]) for h in ("e1", "mw1")]
    assert abs((finished[0] - finished[1]).total_seconds()) < 3, finished
    assert hosts["e1"]["durations"]["reboot"] >= 3
