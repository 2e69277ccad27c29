"""playbooks/upgrade.yml with the encedo role: a site, a failing device, the fleet report, a second run."""

import json

from tests.conftest import ROOT, run_playbook, unique
from tests.integration.test_encedo_playbooks import mutating

PLAYBOOK = ROOT + "/playbooks/upgrade.yml"


def fleet(encedo_process, images, tmp_path):
    firmware = images("firmware", "1.3.0", name="firmware.bin")[0]
    ui, header = images("ui", "2.1.0", name="webroot.tar")
    quick = {"auth_delay": 0.05, "reboot_seconds": 0.3, "validation_seconds": 0.05}
    devices = {"a1": dict(quick, firmware="1.2.2"), "a2": dict(quick, firmware="1.2.2", passphrase="pw"),
               "a3": dict(quick, firmware="1.2.2", check_fails=True), "b1": dict(quick, firmware="1.2.2")}
    names = {}
    for host, config in devices.items():
        names[host] = unique(host)
        encedo_process.add_device(names[host], **config)
    hosts = {host: {"encedo_url": "%s/%s" % (encedo_process.url, names[host])} for host in devices}
    hosts["a2"]["encedo_passphrase"] = "pw"
    inventory = {"all": {
        "vars": {"ansible_connection": "local", "fleetops_device_class": "encedo",
                 "encedo_firmware_version": "1.3.0", "encedo_firmware_image": firmware,
                 "encedo_ui_uis": header["uis"], "encedo_ui_image": ui, "encedo_wait_timeout": 30},
        "children": {"site_a": {"hosts": {h: hosts[h] for h in ("a1", "a2", "a3")}},
                     "site_b": {"hosts": {"b1": hosts["b1"]}}}}}
    return names, inventory, header["uis"]


def run_site(inventory, tmp_path, **kwargs):
    report_dir = tmp_path / "reports"
    extra = {"fleetops_report_dir": str(report_dir), "fleetops_canary": 0, "fleetops_max_failures": 1}
    run = run_playbook(PLAYBOOK, inventory, extra_vars=extra, tmp_path=tmp_path, **kwargs)
    name = "fleet-report-check.json" if kwargs.get("check") else "fleet-report.json"
    return run, json.loads((report_dir / name).read_text())


def test_site_upgrade_with_report_then_nothing_to_do(encedo_process, images, tmp_path):
    names, inventory, uis = fleet(encedo_process, images, tmp_path)
    run, report = run_site(inventory, tmp_path, limit="site_a")
    assert run.rc == 2  # a3 failed
    assert run.stats["a3"]["failures"] == 1 and run.stats["a1"]["failures"] == 0
    assert "b1" not in run.stats
    by_host = {entry["host"]: entry for entry in report["hosts"]}
    assert set(by_host) == {"a1", "a2", "a3"}
    assert {k: report["summary"][k] for k in ("upgraded", "unchanged", "failed")} == {"upgraded": 2, "unchanged": 0, "failed": 1}
    assert by_host["a1"]["components"][0] == {"component": "firmware", "from": "1.2.2", "to": "1.3.0", "changed": True}
    assert by_host["a2"]["components"][1]["to"] == uis
    assert "check failed" in by_host["a3"]["msg"] and "keeps firmware 1.2.2" in by_host["a3"]["device_state"]
    lines = run.result("Show the fleet report", "a1")["msg"]
    assert any(line.startswith("a1 [encedo] upgraded: firmware 1.2.2, ui ") for line in lines)

    encedo_process.clear_log()
    again, report = run_site(inventory, tmp_path, limit="a1,a2")
    assert again.rc == 0
    assert again.stats["a1"]["changed"] == 0 and again.stats["a2"]["changed"] == 0
    for host in ("a1", "a2"):
        assert mutating(encedo_process.log(device=names[host])) == []
    lines = again.result("Show the fleet report", "a1")["msg"]
    assert lines[-1].startswith("0 upgraded, 2 unchanged, 0 failed")


def test_check_mode_of_the_playbook_changes_nothing(encedo_process, images, tmp_path):
    names, inventory = fleet(encedo_process, images, tmp_path)[:2]
    run, report = run_site(inventory, tmp_path, limit="a1", check=True)
    assert run.rc == 0
    assert mutating(encedo_process.log(device=names["a1"])) == []
    assert report["hosts"][0]["components"][0] == {"component": "firmware", "from": "1.2.2", "to": "1.3.0", "changed": True}
    lines = run.result("Show the fleet report", "a1")["msg"]
    assert any(line.startswith("a1 [encedo] would upgrade: firmware 1.2.2") for line in lines)


def test_status_playbook_reads_only(encedo_process, images, tmp_path):
    names, inventory = fleet(encedo_process, images, tmp_path)[:2]
    run = run_playbook(ROOT + "/playbooks/status.yml", inventory, limit="site_a", tmp_path=tmp_path)
    assert run.rc == 0
    lines = list(run.results("Show the fleet status").values())[0]["msg"]
    assert any(line.startswith("a1 [encedo] PPA firmware 1.2.2, management app ") and line.endswith("; ok") for line in lines)
    assert len(lines) == 3
    for host in ("a1", "a2", "a3"):
        assert mutating(encedo_process.log(device=names[host])) == []
