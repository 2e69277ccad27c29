"""examples/gitops/gitlab-ci.yml: the drift gate on every inventory change, the upgrade on merge; its drift jobs'
scripts run as written against a fleet repository whose inventory points at the simulators."""

import os
import subprocess
import sys
from xml.etree import ElementTree

import pytest
import yaml

from tests.conftest import ROOT, ansible_env, unique

CI_FILE = os.path.join(ROOT, "examples", "gitops", "gitlab-ci.yml")
MERGE_REQUEST = '$CI_PIPELINE_SOURCE == "merge_request_event"'
MERGE = '$CI_PIPELINE_SOURCE == "push" && $CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH'
SCHEDULE = '$CI_PIPELINE_SOURCE == "schedule"'


@pytest.fixture(scope="module")
def pipeline():
    with open(CI_FILE) as handle:
        return yaml.safe_load(handle)


def triggers(job):
    return {rule["if"]: rule.get("changes") for rule in job["rules"]}


def test_drift_on_every_inventory_change_and_the_upgrade_on_merge(pipeline):
    jobs = {name: job for name, job in pipeline.items() if isinstance(job, dict) and "script" in job}
    assert triggers(jobs["drift report"]) == {MERGE_REQUEST: ["inventory/**/*"], MERGE: ["inventory/**/*"]}
    assert triggers(jobs["upgrade preview"]) == {MERGE_REQUEST: ["inventory/**/*"]}
    assert triggers(jobs["upgrade"]) == {MERGE: ["inventory/**/*"]}
    assert triggers(jobs["drift gate"]) == {MERGE: ["inventory/**/*"], SCHEDULE: None}
    order = pipeline["stages"]
    assert order.index(jobs["upgrade"]["stage"]) < order.index(jobs["drift gate"]["stage"])
    assert "--check" in jobs["upgrade preview"]["script"][0]
    assert "fleetops_fail_on_drift=true" in jobs["drift gate"]["script"][0]
    assert "fleetops_fail_on_drift" not in jobs["drift report"]["script"][0]
    assert jobs["drift gate"]["artifacts"]["reports"]["junit"] == "reports/drift-report.xml"


def run_job(pipeline, name, repository):
    env = ansible_env(**{key: str(value) for key, value in pipeline["variables"].items()})
    env["PATH"] = os.pathsep.join([os.path.dirname(sys.executable), env.get("PATH", "")])
    env["ANSIBLE_STDOUT_CALLBACK"] = "ansible.builtin.default"
    for line in pipeline[name]["script"]:
        done = subprocess.run(["bash", "-ec", line], cwd=str(repository), env=env, capture_output=True, text=True,
                              timeout=300, check=False)
        if done.returncode:
            return done
    return done


def test_the_drift_jobs_scripts_report_and_gate(pipeline, encedo_process, tmp_path):
    names = {host: unique(host) for host in ("hem-a1", "hem-a2")}
    encedo_process.add_device(names["hem-a1"], firmware="1.3.0")
    encedo_process.add_device(names["hem-a2"], firmware="1.2.2")
    (tmp_path / "inventory").mkdir()
    inventory = {"all": {"vars": {"ansible_connection": "local", "ansible_python_interpreter": sys.executable,
                                  "fleetops_device_class": "encedo", "encedo_firmware_version": "1.3.0"},
                         "children": {"site_a": {"hosts": {host: {"encedo_url": "%s/%s" % (encedo_process.url, name)}
                                                           for host, name in names.items()}}}}}
    (tmp_path / "inventory" / "hosts.yml").write_text(yaml.safe_dump(inventory))

    report = run_job(pipeline, "drift report", tmp_path)
    assert report.returncode == 0, report.stdout[-3000:]
    junit = tmp_path / pipeline["drift report"]["artifacts"]["reports"]["junit"]
    suite = ElementTree.parse(str(junit)).getroot().find("testsuite")
    assert (suite.get("tests"), suite.get("failures")) == ("2", "1")

    gate = run_job(pipeline, "drift gate", tmp_path)
    assert gate.returncode == 2, gate.stdout[-3000:]
    assert "fleet drift gate: 1 in sync, 1 drifted, 0 unreachable, 0 unknown class" in gate.stdout

    encedo_process.patch_device(names["hem-a2"], firmware="1.3.0")
    assert run_job(pipeline, "drift gate", tmp_path).returncode == 0


def artifact_paths(job):
    artifacts = job.get("artifacts") or {}
    return list(artifacts.get("paths") or []) + list((artifacts.get("reports") or {}).values())


def test_the_preview_and_upgrade_jobs_write_the_artifacts_they_collect(pipeline, encedo_process, images, tmp_path):
    firmware = images("firmware", "1.3.0", name="firmware.bin")[0]
    name = unique("hem-p1")
    encedo_process.add_device(name, firmware="1.2.2", reboot_seconds=0.2, validation_seconds=0.02, auth_delay=0.0)
    (tmp_path / "inventory").mkdir()
    inventory = {"all": {"vars": {"ansible_connection": "local", "ansible_python_interpreter": sys.executable,
                                  "fleetops_device_class": "encedo", "encedo_firmware_version": "1.3.0",
                                  "encedo_firmware_image": firmware},
                         "children": {"site_a": {"hosts": {"hem-p1": {"encedo_url": "%s/%s" % (encedo_process.url, name)}}}}}}
    (tmp_path / "inventory" / "hosts.yml").write_text(yaml.safe_dump(inventory))
    for job in ("upgrade preview", "upgrade"):
        done = run_job(pipeline, job, tmp_path)
        assert done.returncode == 0, done.stdout[-3000:]
        missing = [path for path in artifact_paths(pipeline[job]) if not (tmp_path / path).is_file()]
        assert missing == [], "%s collects files it does not write: %s" % (job, missing)
        for path in (tmp_path / "reports").iterdir():
            path.rename(tmp_path / ("%s-%s" % (job.replace(" ", "-"), path.name)))
    assert encedo_process.device(name)["firmware"] == "1.3.0"
