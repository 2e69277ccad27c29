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


def test_site_upgrade_with_report_then_nothing_to_do(encedo_process, images, tmp_path):
    names, inventory, uis = fleet(encedo_process, images, tmp_path)
    report_file = tmp_path / "report.json"
    run = run_playbook(PLAYBOOK, inventory, limit="site_a", tmp_path=tmp_path,
                       extra_vars={"fleetops_report_file": str(report_file)})
    assert run.rc == 2  # a3 failed
    assert run.stats["a3"]["failures"] == 1 and run.stats["a1"]["failures"] == 0
    assert "b1" not in run.stats
    report = json.loads(report_file.read_text())
    by_host = {entry["host"]: entry for entry in report["hosts"]}
    assert report["summary"] == {"changed": 2, "ok": 0, "failed": 1}
    assert by_host["a1"]["items"][0] == {"component": "firmware", "from": "1.2.2", "to": "1.3.0", "changed": True}
    assert by_host["a2"]["items"][1]["to"] == uis
    assert "check failed" in by_host["a3"]["msg"] and "keeps firmware 1.2.2" in by_host["a3"]["device_state"]
    lines = list(run.results("Show the fleet report").values())[0]["msg"]
    assert "a1 [encedo] firmware: 1.2.2 -> 1.3.0 (upgraded)" in lines
    assert lines[-1] == "2 upgraded, 0 already up to date, 1 failed"

    encedo_process.clear_log()
    again = run_playbook(PLAYBOOK, inventory, limit="a1,a2", tmp_path=tmp_path)
    assert again.rc == 0
    assert again.stats["a1"]["changed"] == 0 and again.stats["a2"]["changed"] == 0
    for host in ("a1", "a2"):
        assert mutating(encedo_process.log(device=names[host])) == []
    lines = list(again.results("Show the fleet report").values())[0]["msg"]
    assert lines[-1] == "0 upgraded, 2 already up to date, 0 failed"


def test_check_mode_of_the_playbook_changes_nothing(encedo_process, images, tmp_path):
    names, inventory = fleet(encedo_process, images, tmp_path)[:2]
    run = run_playbook(PLAYBOOK, inventory, limit="a1", check=True, tmp_path=tmp_path)
    assert run.rc == 0
    assert run.stats["a1"]["changed"] == 2
    assert mutating(encedo_process.log(device=names["a1"])) == []
    lines = list(run.results("Show the fleet report").values())[0]["msg"]
    assert "a1 [encedo] firmware: 1.2.2 -> 1.3.0 (upgraded)" in lines


def test_status_playbook_reads_only(encedo_process, images, tmp_path):
    names, inventory = fleet(encedo_process, images, tmp_path)[:2]
    run = run_playbook(ROOT + "/playbooks/status.yml", inventory, limit="site_a", tmp_path=tmp_path)
    assert run.rc == 0
    lines = list(run.results("Show the fleet status").values())[0]["msg"]
    assert any(line.startswith("a1 [encedo] PPA firmware 1.2.2, management app ") and line.endswith("; ok") for line in lines)
    assert len(lines) == 3
    for host in ("a1", "a2", "a3"):
        assert mutating(encedo_process.log(device=names[host])) == []
