"""The appresponse role through playbooks/upgrade.yml: upload and fetch, a failing appliance, report, second run, check mode."""

import hashlib
import json
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.conftest import ROOT, SimProcess, run_playbook, unique
from tests.simulators.appresponse import write_image

PLAYBOOK = ROOT + "/playbooks/upgrade.yml"
ROLE_PLAYBOOK = """
- hosts: all
  gather_facts: false
  roles: [fleetops.upgrade.appresponse]
"""
PASSWORD = "R0le-pass-Word"
TARGET = "11.6.0 #23947"
QUICK = dict(users={"admin": PASSWORD}, validation_time=0.1, init_time=0.1, reboot_time=0.5)


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002
        pass


@pytest.fixture(scope="module")
def npm_process():
    sim = SimProcess("appresponse")
    yield sim
    sim.stop()


@pytest.fixture(scope="module")
def image_server(tmp_path_factory):
    """The image on disk (for uploads) and served on 127.0.0.1 (for fetches)."""
    directory = tmp_path_factory.mktemp("appresponse-images")
    path = write_image(str(directory / "upgrade-11.6.0.img"), TARGET, 2 * 1024 * 1024)
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(QuietHandler, directory=str(directory)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield path, "http://127.0.0.1:%d/upgrade-11.6.0.img" % server.server_address[1]
    server.shutdown()
    server.server_close()


def step_result(run, step, host):
    """The host's result of that step of the role's task."""
    for play in reversed(run.data["plays"]):
        for entry in play["tasks"]:
            if entry["task"]["name"].endswith(" : Upgrade the AppResponse appliance and record the result for the fleet report") \
                    and host in entry["hosts"]:
                return entry["hosts"][host]["steps"][step]
    raise AssertionError("no appresponse role task for %s" % host)


def mutations(sim, device):
    return [(e["method"], e["path"]) for e in sim.log(device) if e["method"] != "GET" and "/mgmt.aaa/" not in e["path"]]


def fleet(sim, image_server, devices):
    src, url = image_server
    names, hosts = {}, {}
    for host, (config, host_vars) in devices.items():
        names[host] = unique("ar-" + host)
        sim.add_device(names[host], **dict(QUICK, **config))
        hosts[host] = dict(host_vars, appresponse_url="%s/%s" % (sim.url, names[host]))
        if "appresponse_image_url" not in host_vars:
            hosts[host]["appresponse_image_src"] = src
        else:
            hosts[host]["appresponse_image_url"] = url
    inventory = {"all": {
        "vars": {"ansible_connection": "local", "fleetops_device_class": "appresponse", "appresponse_username": "admin",
                 "appresponse_password": PASSWORD, "appresponse_version": TARGET, "appresponse_image_wait_timeout": 30,
                 "appresponse_update_wait_timeout": 30},
        "children": {"site_a": {"hosts": {h: v for h, v in hosts.items() if h.startswith("a")}},
                     "site_b": {"hosts": {h: v for h, v in hosts.items() if h.startswith("b")}}}}}
    return names, inventory


def test_role_upgrades_reports_and_then_has_nothing_to_do(npm_process, image_server, tmp_path):
    names, inventory = fleet(npm_process, image_server, {
        "a1": ({}, {"appresponse_delete_image": True}),
        "a2": ({"aaa_versions": ["2.0"], "token_lifetime": 0.5, "reboot_time": 1.0}, {"appresponse_image_url": True}),
        "a3": ({"update_result": "FAILED_CRITICAL"}, {}),
        "b1": ({"sw_version": TARGET}, {}),
    })
    report_dir = tmp_path / "reports"
    run = run_playbook(PLAYBOOK, inventory, tmp_path=tmp_path,
                       extra_vars={"fleetops_report_dir": str(report_dir), "fleetops_canary": 0, "fleetops_max_failures": 1})
    assert run.rc == 2, run.stdout[-3000:]
    report = json.loads((report_dir / "fleet-report.json").read_text())
    by_host = {entry["host"]: entry for entry in report["hosts"]}
    assert {k: report["summary"][k] for k in ("upgraded", "unchanged", "failed")} == {"upgraded": 2, "unchanged": 1, "failed": 1}
    software = [c for c in by_host["a1"]["components"] if c["from"] != c["to"]]
    assert software[0] == {"component": "software", "from": "11.2.0 #13859", "to": TARGET, "changed": True}
    assert by_host["a2"]["components"][-1]["to"] == TARGET
    assert "a person must look" in by_host["a3"]["msg"] and by_host["a3"]["device_state"] == "FAILED_CRITICAL, needs a person"
    assert by_host["b1"]["status"] == "unchanged"
    assert npm_process.device(names["a1"])["images"] == []  # deleted after the update
    assert npm_process.device(names["a2"])["images"][0]["version"] == TARGET
    for host in ("a1", "a2", "b1"):
        assert npm_process.device(names[host])["refresh_tokens_issued"] <= 2
    assert mutations(npm_process, names["b1"]) == []
    assert PASSWORD not in run.stdout + run.stderr

    npm_process.clear_log()
    again = run_playbook(PLAYBOOK, inventory, limit="a1,a2,b1", tmp_path=tmp_path)
    assert again.rc == 0
    for host in ("a1", "a2", "b1"):
        assert again.stats[host]["changed"] == 0
        assert mutations(npm_process, names[host]) == []
    lines = list(again.results("Show the fleet report").values())[0]["msg"]
    assert lines[-1].startswith("0 upgraded, 3 unchanged, 0 failed")


def test_role_check_mode_sends_no_mutating_request(npm_process, image_server, tmp_path):
    with open(image_server[0], "rb") as handle:
        uploaded_before = {"version": TARGET, "checksum": hashlib.sha256(handle.read()).hexdigest()}
    names, inventory = fleet(npm_process, image_server, {"a1": ({}, {}), "a2": ({"images": [uploaded_before]}, {})})
    role_run = run_playbook(ROLE_PLAYBOOK, inventory, check=True, diff=True, tmp_path=tmp_path)
    fleet_run = run_playbook(PLAYBOOK, inventory, check=True, diff=True, tmp_path=tmp_path)
    assert role_run.rc == 0 and fleet_run.rc == 0, role_run.stdout[-3000:] + fleet_run.stdout[-3000:]
    for host in ("a1", "a2"):
        assert mutations(npm_process, names[host]) == []
        assert npm_process.device(names[host])["sw_version"] == "11.2.0 #13859"
        assert npm_process.device(names[host])["refresh_tokens_issued"] == 0
    assert "would upload" in step_result(role_run, "image", "a1")["msg"]
    assert step_result(role_run, "image", "a2")["changed"] is False
    assert step_result(role_run, "delete", "a2") == {"skipped": True, "changed": False, "skip_reason": "disabled"}
    assert step_result(role_run, "update", "a2")["steps"] == ["init with image 1", "start", "wait for the reboot", "verify"]
    lines = list(fleet_run.results("Show the fleet report").values())[0]["msg"]
    assert any(line.startswith("a1 [appresponse] would upgrade: ") and line.endswith("software %s" % TARGET) for line in lines)


def test_status_playbook_reads_only(npm_process, image_server, tmp_path):
    names, inventory = fleet(npm_process, image_server, {
        "a1": ({"images": [{"version": TARGET}]}, {}),
        "a2": ({"update_state": "FAILED_CRITICAL", "state_description": "Update failed: disk error"}, {}),
    })
    run = run_playbook(ROOT + "/playbooks/status.yml", inventory, tmp_path=tmp_path)
    assert run.rc == 0, run.stdout[-3000:]
    lines = list(run.results("Show the fleet status").values())[0]["msg"]
    assert "a1 [appresponse] VSCAN-2000 software 11.2.0 #13859, images %s; ok" % TARGET in lines
    assert "a2 [appresponse] VSCAN-2000 software 11.2.0 #13859, images none; update FAILED_CRITICAL: Update failed: disk error" in lines
    for host in ("a1", "a2"):
        assert mutations(npm_process, names[host]) == []
        assert npm_process.device(names[host])["refresh_tokens_issued"] == 0
