"""playbooks/status.yml as a drift gate over a mixed fleet: statuses, report files, exit codes, read-only."""

import json
from xml.etree import ElementTree

import pytest
import requests

from tests.conftest import ROOT, SimProcess, run_playbook, unique
from tests.integration.mwcloud_support import MwCloudProcess

PLAYBOOK = ROOT + "/playbooks/status.yml"
NPM_PASSWORD = "Drift-pass-1"
LOGIN_PATHS = ("/sc_cloud/login", "/sc_cloud/logout")  # the cloud needs a session even to read


@pytest.fixture(scope="module")
def fleet(tmp_path_factory):
    encedo, npm, hawkbit, cloud = SimProcess("encedo"), SimProcess("appresponse"), SimProcess("hawkbit"), MwCloudProcess()
    names = {host: unique(host) for host in ("e_sync", "e_drift", "a_sync", "a_drift", "h_sync", "h_drift")}
    encedo.add_device(names["e_sync"], firmware="1.3.0")
    encedo.add_device(names["e_drift"], firmware="1.2.2")
    for host in ("a_sync", "a_drift"):
        npm.add_device(names[host], users={"admin": NPM_PASSWORD})
    for host in ("h_sync", "h_drift"):
        hawkbit.add_device(names[host], token="tok-" + names[host])
    chunks = [{"part": "os", "name": "firmware", "version": "2.0", "artifacts": [{"filename": "fw.bin", "size": 1000}]}]
    answer = requests.post("%s/_sim/devices/%s/deployments" % (hawkbit.url, names["h_drift"]), json={"chunks": chunks}, timeout=10)
    answer.raise_for_status()
    hosts = {
        "e_sync": {"fleetops_device_class": "encedo", "encedo_url": "%s/%s" % (encedo.url, names["e_sync"])},
        "e_drift": {"fleetops_device_class": "encedo", "encedo_url": "%s/%s" % (encedo.url, names["e_drift"])},
        "e_down": {"fleetops_device_class": "encedo", "encedo_url": "http://127.0.0.1:9/nothing", "encedo_timeout": 2},
        "a_sync": {"fleetops_device_class": "appresponse", "appresponse_url": "%s/%s" % (npm.url, names["a_sync"]),
                   "appresponse_version": "11.2.0"},  # a bare release matches the build the appliance runs
        "a_drift": {"fleetops_device_class": "appresponse", "appresponse_url": "%s/%s" % (npm.url, names["a_drift"]),
                    "appresponse_version": "11.6.0 #23947"},
        "m_sync": {"fleetops_device_class": "magewell", "mwcloud_serial": "A302190930001",
                   "magewell_firmware_version": "1.05.178"},
        "m_drift": {"fleetops_device_class": "magewell", "mwcloud_serial": "A302190930002",
                    "magewell_firmware_version": "1.6.201"},
        "no_class": {},
        "toaster": {"fleetops_device_class": "toaster"},
    }
    for host in ("h_sync", "h_drift"):
        hosts[host] = {"fleetops_device_class": "hawkbit", "hawkbit_target_controller_id": names[host],
                       "hawkbit_target_target_token": "tok-" + names[host]}
    inventory = {"all": {
        "vars": {"ansible_connection": "local", "encedo_firmware_version": "1.3.0", "appresponse_username": "admin",
                 "appresponse_password": NPM_PASSWORD, "hawkbit_target_url": hawkbit.url, "mwcloud_url": cloud.url,
                 "magewell_username": "viewer", "magewell_password": "viewer-pw"},
        "children": {"site_a": {"hosts": {h: v for h, v in hosts.items() if h not in ("no_class", "toaster")}},
                     "site_b": {"hosts": {"no_class": hosts["no_class"], "toaster": hosts["toaster"]}}}}}
    for sim in (encedo, npm, hawkbit, cloud):
        sim.clear_log()
    yield {"inventory": inventory, "sims": (encedo, npm, hawkbit, cloud), "names": names}
    for sim in (encedo, npm, hawkbit, cloud):
        sim.stop()


def writes(sims):
    """Every request that is not a GET, besides logging in: the drift gate must send none."""
    encedo, npm, hawkbit, cloud = sims
    found = [e for sim in (encedo, hawkbit) for e in sim.log() if e["method"] != "GET"]
    found += [e for e in npm.log() if e["method"] != "GET" and "/mgmt.aaa/" not in e["path"]]
    found += [e for e in cloud.log() if e["method"] != "GET" and e["path"] not in LOGIN_PATHS]
    return found


def test_informational_run_reports_every_host_once_and_writes_json_and_junit(fleet, tmp_path):
    report_dir = tmp_path / "reports"
    run = run_playbook(PLAYBOOK, fleet["inventory"], extra_vars={"fleetops_report_dir": str(report_dir)}, tmp_path=tmp_path)
    assert run.rc == 0, run.stdout[-3000:]
    assert writes(fleet["sims"]) == []

    report = json.loads((report_dir / "drift-report.json").read_text())
    assert report["schema"] == "fleetops.upgrade/drift-report/v1"
    status = {entry["host"]: entry["status"] for entry in report["hosts"]}
    assert status == {"e_sync": "in_sync", "e_drift": "drifted", "e_down": "unreachable", "a_sync": "in_sync",
                      "a_drift": "drifted", "h_sync": "in_sync", "h_drift": "drifted", "m_sync": "in_sync",
                      "m_drift": "drifted", "no_class": "unknown_class", "toaster": "unknown_class"}
    assert len(report["hosts"]) == 11
    assert report["summary"] == {"devices": 11, "in_sync": 4, "drifted": 4, "unreachable": 1, "unknown_class": 2}
    assert report["in_sync"] is False
    by_host = {entry["host"]: entry for entry in report["hosts"]}
    assert by_host["e_drift"]["components"] == [
        {"component": "firmware", "wanted": "1.3.0", "actual": "1.2.2", "in_sync": False},
        {"component": "management app", "wanted": None, "actual": by_host["e_drift"]["versions"]["management app"],
         "in_sync": True}]
    assert by_host["a_drift"]["components"] == [
        {"component": "software", "wanted": "11.6.0 #23947", "actual": "11.2.0 #13859", "in_sync": False}]
    assert by_host["m_drift"]["msg"] == "firmware: wanted 1.6.201, runs 1.5.178"
    assert by_host["h_drift"]["components"][0]["wanted"] == "firmware 2.0"
    assert "could not read the device" in by_host["e_down"]["msg"]
    assert by_host["toaster"]["msg"].startswith("unknown fleetops_device_class 'toaster'")
    assert by_host["no_class"]["msg"] == "fleetops_device_class is not set"

    suite = ElementTree.parse(str(report_dir / "drift-report.xml")).getroot().find("testsuite")
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("11", "4", "3")
    cases = {case.get("name"): case for case in suite.findall("testcase")}
    assert cases["e_drift"].get("classname") == "encedo"
    assert cases["e_drift"].find("failure").get("message") == "drifted: firmware: wanted 1.3.0, runs 1.2.2"
    assert cases["e_down"].find("error") is not None
    assert cases["toaster"].get("classname") == "toaster"
    assert list(cases["a_sync"].iter("failure")) == [] and list(cases["a_sync"].iter("error")) == []

    drift = run.result("Show the drift", "e_sync")["msg"]
    assert "e_drift: drifted: firmware: wanted 1.3.0, runs 1.2.2" in drift
    assert drift[-1] == "4 in sync, 4 drifted, 1 unreachable, 2 unknown class"
    status_lines = run.result("Show the fleet status", "e_sync")["msg"]
    assert any(line.startswith("e_sync [encedo] PPA firmware 1.3.0, management app ") for line in status_lines)


def test_the_gate_fails_the_run_on_drift_and_passes_an_in_sync_limit(fleet, tmp_path):
    gate = {"fleetops_fail_on_drift": True}
    run = run_playbook(PLAYBOOK, fleet["inventory"], extra_vars=gate, tmp_path=tmp_path)
    assert run.rc == 2
    failure = run.results("Fail when a device drifted or could not be read")
    assert [result["msg"] for result in failure.values()] == [
        "fleet drift gate: 4 in sync, 4 drifted, 1 unreachable, 2 unknown class"]

    passing = run_playbook(PLAYBOOK, fleet["inventory"], extra_vars=dict(gate, fleetops_report_dir=str(tmp_path / "ok")),
                           limit="e_sync,a_sync,h_sync,m_sync", tmp_path=tmp_path)
    assert passing.rc == 0, passing.stdout[-3000:]
    assert json.loads((tmp_path / "ok" / "drift-report.json").read_text())["in_sync"] is True

    for host in ("e_down", "no_class"):
        alone = run_playbook(PLAYBOOK, fleet["inventory"], extra_vars=gate, limit=host, tmp_path=tmp_path)
        assert alone.rc == 2, host
    assert writes(fleet["sims"]) == []
