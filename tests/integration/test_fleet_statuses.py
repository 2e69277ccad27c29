"""Statuses a person can trust (issue 21): a preview says would_upgrade, an API that cannot be reached is unreachable
on both paths, and each in the JSON, the summary, the HTML and the JUnit file alike."""

import socket
from xml.etree import ElementTree

import pytest

from tests.integration.fleet_support import by_host, encedo_fleet, run_fleet, upgrade_starts

ROLE_PATH = {"FLEETOPS_IN_PROCESS": "0"}


def closed_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize("path_env", [None, ROLE_PATH], ids=["controller-path", "role-path"])
def test_a_device_whose_api_refuses_the_connection_is_unreachable(encedo_process, images, tmp_path, path_env):
    names, inventory = encedo_fleet(encedo_process, images, {"a1": {"firmware": "1.2.2"}, "a2": {"firmware": "1.3.0"}})
    inventory["all"]["children"]["site_a"]["hosts"]["gone"] = {
        "fleetops_device_class": "encedo", "encedo_url": "http://127.0.0.1:%d" % closed_port()}
    run, report = run_fleet(inventory, tmp_path, env=path_env, fleetops_canary=0, fleetops_max_failures=1)
    assert run.rc == 2, run.stdout[-3000:]
    hosts = by_host(report)
    assert hosts["gone"]["status"] == "unreachable" and "connection refused" in hosts["gone"]["msg"]
    assert (hosts["a1"]["status"], hosts["a2"]["status"]) == ("upgraded", "unchanged")
    assert {k: report["summary"][k] for k in ("unreachable", "failed", "upgraded")} == {"unreachable": 1, "failed": 0, "upgraded": 1}
    lines = run.result("Show the fleet report", "a1")["msg"]
    assert any(line.startswith("gone [encedo] UNREACHABLE: device unreachable: connection refused") for line in lines)
    assert lines[-1].startswith("1 upgraded, 1 unchanged, 0 failed, 1 unreachable")
    # the recap and the exit code: the device fails (Ansible's own "unreachable" is for the SSH connection)
    assert run.stats["gone"]["failures"] + run.stats["gone"]["unreachable"] == 1
    cases = {c.get("name"): c for c in ElementTree.parse(tmp_path / "reports" / "fleet-report.xml").iter("testcase")}
    assert cases["gone"].find("failure").get("message").startswith("device unreachable: connection refused")


def test_a_preview_says_would_upgrade_everywhere(encedo_process, images, tmp_path):
    names, inventory = encedo_fleet(encedo_process, images, {"a1": {"firmware": "1.2.2"}, "a2": {"firmware": "1.3.0"}})
    run, report = run_fleet(inventory, tmp_path, check=True, fleetops_canary=0)
    assert run.rc == 0, run.stdout[-3000:]
    assert upgrade_starts(encedo_process, names) == set()
    assert {h: e["status"] for h, e in by_host(report).items()} == {"a1": "would_upgrade", "a2": "unchanged"}
    assert report["summary"]["upgraded"] == 0 and report["summary"]["would_upgrade"] == 1
    lines = run.result("Show the fleet report", "a1")["msg"]
    assert lines[-1].startswith("1 would upgrade, 1 unchanged, 0 failed") and "upgraded" not in lines[-1]
    page = (tmp_path / "reports" / "fleet-report-check.html").read_text()
    assert ">1</b>would upgrade</div>" in page and "</b>upgraded</div>" not in page
    assert ">would_upgrade</td>" in page and ">upgraded</td>" not in page
    junit = ElementTree.parse(tmp_path / "reports" / "fleet-report-check.xml")
    case = next(c for c in junit.iter("testcase") if c.get("name") == "a1")
    assert case.find("system-out").text.startswith("would_upgrade: firmware 1.2.2 -> firmware 1.3.0")
    stats = run.data.get("global_custom_stats", {}).get("fleetops_report", {})
    assert not stats or {h["host"]: h["status"] for h in stats["hosts"]}["a1"] == "would_upgrade"


def test_a_preview_proves_the_encedo_passphrase(encedo_process, images, tmp_path):
    names, inventory = encedo_fleet(encedo_process, images, {"a1": {"firmware": "1.2.2", "passphrase": "pw"},
                                                             "a2": {"firmware": "1.2.2", "passphrase": "pw"}})
    inventory["all"]["children"]["site_a"]["hosts"]["a1"]["encedo_passphrase"] = "wrong"
    inventory["all"]["children"]["site_a"]["hosts"]["a2"]["encedo_passphrase"] = "pw"
    encedo_process.clear_log()
    run, report = run_fleet(inventory, tmp_path, check=True, fleetops_canary=0, fleetops_max_failures=1)
    assert run.rc == 2, run.stdout[-3000:]
    hosts = by_host(report)
    assert hosts["a1"]["status"] == "failed" and hosts["a1"]["msg"].startswith("check mode: the passphrase was refused")
    assert hosts["a2"]["status"] == "would_upgrade"
    assert "wrong" not in run.stdout
    # besides the reads, the token requests only (they issue a token and change nothing): no upload, check or install
    for name in names.values():
        assert not [e for e in encedo_process.log(device=name) if "/api/system/upgrade/" in e["path"]]
        assert {(e["method"], e["path"].split(name, 1)[1]) for e in encedo_process.log(device=name)
                if e["method"] != "GET"} == {("POST", "/api/auth/token")}


@pytest.mark.parametrize("path_env", [None, ROLE_PATH], ids=["controller-path", "role-path"])
def test_a_module_warning_reaches_the_record_the_summary_and_the_html(encedo_process, images, tmp_path, path_env):
    names, inventory = encedo_fleet(encedo_process, images, {"a1": {"firmware": "1.2.2", "drop_install_answer": "after"}})
    run, report = run_fleet(inventory, tmp_path, env=path_env, fleetops_canary=0)
    assert run.rc == 0, run.stdout[-3000:]
    entry = by_host(report)["a1"]
    assert entry["status"] == "upgraded"
    assert entry["warnings"] == ["the answer to the firmware install request was lost, but the device runs 1.3.0"]
    lines = run.result("Show the fleet report", "a1")["msg"]
    assert "a1 [encedo] warning: the answer to the firmware install request was lost, but the device runs 1.3.0" in lines
    page = (tmp_path / "reports" / "fleet-report.html").read_text()
    assert '<span class="warning">warning: the answer to the firmware install request was lost' in page
