"""The magewell role through playbooks/upgrade.yml: one cloud run per batch, a result per host, the fleet report."""

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import ROOT, PlaybookRun, ansible_env, run_playbook
from tests.integration.mwcloud_support import MwCloudProcess

PLAYBOOK = ROOT + "/playbooks/upgrade.yml"
HOSTS = {"mw1": "A302190930001", "mw2": "A302190930002", "mw3": "B302190930003", "mw4": "E120000000001"}


@pytest.fixture
def cloud():
    process = MwCloudProcess()
    yield process
    process.stop()


def inventory(cloud, **group_vars):
    variables = {"ansible_connection": "local", "fleetops_device_class": "magewell", "mwcloud_url": cloud.url,
                 "magewell_username": "Admin", "magewell_password": "admin", "magewell_firmware_version": "1.6.201",
                 "magewell_poll_interval": 0.1, "magewell_wait_timeout": 30}
    variables.update(group_vars)
    return {"all": {"vars": variables, "hosts": {host: {"mwcloud_serial": serial} for host, serial in HOSTS.items()}}}


def logins(cloud):
    return [e for e in cloud.log() if e["path"] == "/sc_cloud/login"]


def run_fleet(cloud_inventory, tmp_path, **kwargs):
    report_dir = tmp_path / "reports"
    extra = dict({"fleetops_canary": 0}, **kwargs.pop("extra_vars", {}), fleetops_report_dir=str(report_dir))
    run = run_playbook(PLAYBOOK, cloud_inventory, tmp_path=tmp_path, extra_vars=extra, **kwargs)
    name = "fleet-report-check.json" if kwargs.get("check") else "fleet-report.json"
    report = json.loads((report_dir / name).read_text())
    return run, {entry["host"]: entry for entry in report["hosts"]}, report


def test_each_host_gets_its_own_result_in_the_fleet_report(cloud, tmp_path):
    run, by_host, report = run_fleet(inventory(cloud), tmp_path)
    assert run.rc == 2  # mw4 has no 1.6.201 in the catalogue
    assert [run.stats[h]["failures"] for h in HOSTS] == [0, 0, 0, 1]
    assert {h: e["status"] for h, e in by_host.items()} == {"mw1": "upgraded", "mw2": "upgraded", "mw3": "upgraded",
                                                            "mw4": "failed"}
    assert by_host["mw1"]["components"] == [{"component": "firmware", "from": "1.5.178", "to": "1.6.201", "changed": True}]
    assert "versions there: 2.3.43, 2.4.12" in by_host["mw4"]["msg"]
    # one cloud session for the pre-flight of all four, one for the batch of the three that need the upgrade (mw4
    # failed in the pre-flight), one upgrade/start per product and hardware version (mw1 and mw2: 770/A; mw3: 770/B)
    assert len(logins(cloud)) == 1 + 1
    assert sorted(len(e["sns"]) for e in cloud.mutating_requests()) == [1, 2]
    lines = run.result("Show the fleet report", "mw1")["msg"]
    assert "mw1 [magewell] upgraded: firmware 1.5.178 -> firmware 1.6.201" in lines

    cloud.clear_log()
    again, by_host, report = run_fleet(inventory(cloud), tmp_path, limit="mw1,mw2,mw3")
    assert again.rc == 0
    assert cloud.mutating_requests() == []
    assert report["summary"]["unchanged"] == 3
    assert all(entry["already_done"] for entry in by_host.values())


def test_check_mode_changes_nothing_and_reports_what_would_change(cloud, tmp_path):
    run, by_host, report = run_fleet(inventory(cloud), tmp_path, limit="mw1,mw2", check=True)
    assert run.rc == 0
    assert cloud.mutating_requests() == []
    assert report["check_mode"] is True and report["summary"]["would_upgrade"] == 2 and report["summary"]["upgraded"] == 0
    assert "would upgrade to 1.6.201" in by_host["mw1"]["msg"]


def test_per_host_versions_and_a_dead_device_fails_alone(cloud, tmp_path):
    cloud.patch_device("A302190930002", never_returns=True)
    inv = inventory(cloud, magewell_wait_timeout=3)
    inv["all"]["hosts"]["mw4"]["magewell_firmware_version"] = "2.4.12"
    run, by_host, report = run_fleet(inv, tmp_path, extra_vars={"fleetops_max_failures": 1})
    assert run.rc == 2
    assert [run.stats[h]["failures"] for h in HOSTS] == [0, 1, 0, 0]
    assert "not at 1.6.201 after" in by_host["mw2"]["msg"]
    assert cloud.devices()["E120000000001"]["firmware"] == "2.4.12"


def test_a_refused_login_fails_every_host_with_the_reason(cloud, tmp_path):
    run, by_host, report = run_fleet(inventory(cloud, magewell_password="wrong-pw"), tmp_path, limit="mw1,mw2")
    assert run.rc == 2
    for host in ("mw1", "mw2"):
        assert run.stats[host]["failures"] == 1
        assert by_host[host]["status"] == "failed"
        assert "wrong password for user 'Admin'" in by_host[host]["msg"]
    assert "wrong-pw" not in run.stdout


def test_hosts_from_the_inventory_plugin_are_upgraded_by_the_playbook(cloud, tmp_path):
    source = tmp_path / "inventory"
    (source / "group_vars").mkdir(parents=True)
    (source / "cloud.mwcloud.yml").write_text(
        "plugin: fleetops.upgrade.mwcloud\nurl: %s\nusername: viewer\nhostname: mwcloud_name\n"
        "compose:\n  ansible_connection: \"'local'\"\n  fleetops_device_class: \"'magewell'\"\n" % cloud.url)
    (source / "group_vars" / "mwcloud_devices.yml").write_text(
        "magewell_username: Admin\nmagewell_password: admin\nmagewell_firmware_version: '1.6.201'\nmagewell_poll_interval: 0.1\n")
    command = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), PLAYBOOK, "-i", str(source),
               "-l", "mwcloud_product_770:&mwcloud_online"]
    completed = subprocess.run(command, cwd=str(tmp_path), env=ansible_env(MWCLOUD_PASSWORD="viewer-pw"),
                               capture_output=True, text=True, timeout=300, check=False)
    run = PlaybookRun(completed)
    assert run.rc == 0, run.stdout
    assert sorted(run.stats) == ["site-a-enc1", "site-a-enc2", "site-b-enc1"]
    assert {d["firmware"] for s, d in cloud.devices().items() if s.startswith(("A", "B"))} == {"1.6.201"}
    lines = list(run.results("Show the fleet report").values())[0]["msg"]
    assert lines[-1].startswith("3 upgraded, 0 unchanged, 0 failed")


def test_status_playbook_surveys_with_one_read_and_no_change(cloud, tmp_path):
    inv = inventory(cloud, magewell_username="viewer", magewell_password="viewer-pw")
    inv["all"]["hosts"]["ghost"] = {"mwcloud_serial": "NOT-THERE"}
    cloud.clear_log()
    run = run_playbook(ROOT + "/playbooks/status.yml", inv, tmp_path=tmp_path)
    assert run.rc == 0, run.stdout
    lines = list(run.results("Show the fleet status").values())[0]["msg"]
    assert "mw1 [magewell] Pro Convert HDMI 4K Plus firmware 1.5.178; online" in lines
    assert "mw4 [magewell] Ultra Encode HDMI firmware 2.3.43; online" in lines
    assert "ghost [magewell] unknown model firmware unknown; not listed by the cloud" in lines
    assert [e["path"] for e in cloud.log()] == ["/sc_cloud/login", "/sc_cloud/scapi/get-devs", "/sc_cloud/logout"]


FIVE = {"settings": {"transfer_seconds": 0.3, "offline_seconds": 0.3}, "devices": {
    serial: {"family": 1, "product_id": 770, "hardware": hardware, "firmware": "1.5.178", "name": serial}
    for serial, hardware in (("A1", "A"), ("A2", "A"), ("A3", "A"), ("A4", "A"), ("B1", "B"))}}


@pytest.mark.parametrize("canary, logins_made, starts", [
    # the pre-flight in one cloud session; the rollout in one per batch, one upgrade/start per product and hardware
    (0, 1 + 1, [1, 4]),
    (1, 1 + 1 + 1, [1, 1, 3]),   # the canary (A1) alone, then A2-A4 together and B1
])
def test_five_devices_take_one_cloud_run_per_batch(tmp_path, canary, logins_made, starts):
    cloud = MwCloudProcess(FIVE)
    try:
        inv = inventory(cloud)
        inv["all"]["hosts"] = {"mw-%s" % serial: {"mwcloud_serial": serial} for serial in FIVE["devices"]}
        run, by_host, report = run_fleet(inv, tmp_path, extra_vars={"fleetops_canary": canary})
        assert run.rc == 0, run.stdout[-3000:]
        assert report["summary"]["upgraded"] == 5
        assert all(entry["components"] == [{"component": "firmware", "from": "1.5.178", "to": "1.6.201", "changed": True}]
                   for entry in by_host.values())
        assert by_host["mw-B1"]["msg"] == "upgraded from 1.5.178 to 1.6.201"
        assert len(logins(cloud)) == logins_made
        assert sorted(len(e["sns"]) for e in cloud.mutating_requests()) == starts
    finally:
        cloud.stop()
