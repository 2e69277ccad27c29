"""The upgrade run the way AWX runs it: ansible-runner with AWX's private data directory, job events, artifacts.

The private data directory is laid out as AWX's RunJob lays it out (awx/main/tasks/jobs.py): ``project/``
(the project checkout), ``inventory/hosts`` (an executable script printing the inventory JSON, sliced like
``Inventory.get_sliced_hosts``), ``env/extravars`` (job extra vars plus ``awx_meta_vars``), ``env/envvars``,
``env/settings``, and the project's collections under ``requirements_collections``. Artifacts are taken from
the ``playbook_on_stats`` event's ``artifact_data`` (what AWX stores as the job's artifacts) and combined across
slices with AWX's own lines (see tests/unit/plugins/plugin_utils/test_awx.py).
"""

import glob
import json
import os
import re
import shutil
import subprocess
import sys

import pytest
import yaml

from tests.conftest import ROOT, unique
from tests.simulators.encedo import build_image
from tests.unit.plugins.plugin_utils.test_awx import effective_artifacts_of_workflow_job, next_node_extra_vars

BIN = os.path.dirname(sys.executable)
REPORT_KEY = re.compile(r"^fleetops_report(_[0-9]+)?$")
QUICK = {"auth_delay": 0.05, "reboot_seconds": 0.3, "validation_seconds": 0.05}


def runner_command():
    found = shutil.which("ansible-runner", path=os.pathsep.join([BIN, os.environ.get("PATH", "")]))
    assert found, "ansible-runner is not installed (pip install -r tests/requirements.txt)"
    return found


class Job:
    """One AWX job: its private data directory, then what ansible-runner left in artifacts/<job id>/."""

    def __init__(self, base, job_id, playbook, hostvars, groups=None, extra_vars=None, workflow_job_id=None,
                 slice_number=1, slice_count=1):
        self.job_id = job_id
        self.dir = base / ("awx_%d_private" % job_id)
        for sub in ("project", "inventory", "env"):
            (self.dir / sub).mkdir(parents=True)
        (self.dir / "project" / "playbook.yml").write_text(playbook)
        requirements = self.dir / "requirements_collections" / "ansible_collections" / "fleetops"
        requirements.mkdir(parents=True)
        os.symlink(ROOT, requirements / "upgrade")
        self.hosts = sorted(hostvars)[slice_number - 1::slice_count]  # Inventory.get_sliced_hosts on hosts ordered by name
        self.write_inventory(hostvars, groups or {})
        meta = {"%s_%s" % (prefix, name): value for prefix in ("awx", "tower") for name, value in (
            ("job_id", job_id), ("job_launch_type", "workflow" if workflow_job_id else "manual"),
            ("job_template_id", 7), ("job_template_name", "fleetops upgrade"), ("inventory_id", 3),
            ("inventory_name", "fleet"), ("project_revision", "0123abc"), ("execution_node", "exec-%d" % slice_number))}
        if workflow_job_id:
            meta.update({"%s_workflow_job_%s" % (prefix, name): value for prefix in ("awx", "tower") for name, value in (
                ("id", workflow_job_id), ("name", "fleetops upgrade"), ("launch_type", "manual"))})
        (self.dir / "env" / "extravars").write_text(yaml.safe_dump(dict(extra_vars or {}, **meta)))
        envvars = {"JOB_ID": str(job_id), "INVENTORY_ID": "3", "PROJECT_REVISION": "0123abc", "ANSIBLE_RETRY_FILES_ENABLED": "False",
                   "AWX_PRIVATE_DATA_DIR": str(self.dir), "ANSIBLE_COLLECTIONS_PATH": str(self.dir / "requirements_collections"),
                   "ANSIBLE_COLLECTIONS_SCAN_SYS_PATH": "false", "ANSIBLE_HOST_KEY_CHECKING": "False",
                   "ANSIBLE_LOCAL_TEMP": os.path.join(ROOT, ".build", "ansible-tmp"), "ANSIBLE_FORCE_COLOR": "False"}
        (self.dir / "env" / "envvars").write_text(yaml.safe_dump(envvars))
        (self.dir / "env" / "settings").write_text(json.dumps({"job_timeout": 600, "suppress_ansible_output": True,
                                                               "suppress_output_file": False}))

    def write_inventory(self, hostvars, groups):
        data = {"all": {"children": sorted(groups) + ["ungrouped"]}, "_meta": {"hostvars": {}}}
        for number, host in enumerate(self.hosts, start=1):
            data["_meta"]["hostvars"][host] = dict(hostvars[host], remote_tower_enabled="true", remote_tower_id=number,
                                                   remote_host_enabled="true", remote_host_id=number,
                                                   ansible_python_interpreter=sys.executable)
        for group, members in groups.items():
            data[group] = {"hosts": [h for h in members if h in self.hosts]}
        grouped = {h for members in groups.values() for h in members}
        data["ungrouped"] = {"hosts": [h for h in self.hosts if h not in grouped]}
        script = self.dir / "inventory" / "hosts"
        script.write_text("#! %s\n# -*- coding: utf-8 -*-\nprint(%r)\n" % (sys.executable, json.dumps(data)))
        script.chmod(0o700)

    def run(self):
        env = dict(os.environ, PATH=os.pathsep.join([BIN, os.environ.get("PATH", "")]))
        for name in ("ANSIBLE_COLLECTIONS_PATH", "ANSIBLE_STDOUT_CALLBACK", "ANSIBLE_CALLBACK_PLUGINS"):
            env.pop(name, None)
        completed = subprocess.run([runner_command(), "run", str(self.dir), "-p", "playbook.yml", "--ident", str(self.job_id),
                                    "--inventory", str(self.dir / "inventory" / "hosts")], env=env, capture_output=True, text=True, timeout=600, check=False)
        artifacts = self.dir / "artifacts" / str(self.job_id)
        assert artifacts.is_dir(), completed.stdout + completed.stderr
        self.status = (artifacts / "status").read_text().strip()
        self.rc = int((artifacts / "rc").read_text())
        self.stdout = (artifacts / "stdout").read_text() if (artifacts / "stdout").exists() else completed.stdout
        events = [json.loads(open(path).read()) for path in glob.glob(str(artifacts / "job_events" / "*.json"))]
        self.events = sorted(events, key=lambda event: event["counter"])
        stats = [event for event in self.events if event["event"] == "playbook_on_stats"]
        assert len(stats) == 1, self.stdout[-3000:]
        self.stats = stats[0]["event_data"]
        self.artifacts = self.stats.get("artifact_data") or {}  # awx/main/tasks/callback.py: delay_update(artifacts=...)
        return self

    def event_hosts(self, event_type):
        return {event["event_data"]["host"] for event in self.events if event["event"] == event_type}

    def playbook_events(self):
        """The events of the playbook itself, in order: every event but the ``verbose`` ones (lines printed outside
        a callback, such as a library's warning when ansible-core starts)."""
        return [event for event in self.events if event["event"] != "verbose"]

    def verbose_lines(self):
        return [event["stdout"] for event in self.events if event["event"] == "verbose"]

    def reports(self):
        return {key: value for key, value in self.artifacts.items() if REPORT_KEY.match(key)}


PROBE = """
- name: Probe
  hosts: all
  gather_facts: false
  tasks:
    - name: Record this job's hosts for AWX
      ansible.builtin.set_stats:
        data: "{{ {'probe_' ~ awx_job_id: {'hosts': ansible_play_hosts_all, 'site': site}} }}"
        per_host: false
        aggregate: false
      run_once: true
"""


def test_the_harness_brings_set_stats_to_artifacts_and_slices_combine_like_awx(tmp_path):
    """The harness itself, with a trivial set_stats playbook: two slices of one sliced job."""
    hostvars = {"h%d" % n: {"ansible_connection": "local"} for n in range(1, 6)}
    slices = [Job(tmp_path, 100 + n, PROBE, hostvars, extra_vars={"site": "site_a"}, workflow_job_id=100,
                  slice_number=n, slice_count=2).run() for n in (1, 2)]
    assert [(job.status, job.rc) for job in slices] == [("successful", 0), ("successful", 0)]
    assert slices[0].artifacts == {"probe_101": {"hosts": ["h1", "h3", "h5"], "site": "site_a"}}
    assert slices[1].artifacts == {"probe_102": {"hosts": ["h2", "h4"], "site": "site_a"}}
    assert slices[0].playbook_events()[0]["event"] == "playbook_on_start"
    assert all(event["runner_ident"] == "101" for event in slices[0].events)
    combined = effective_artifacts_of_workflow_job(
        [{"id": job.job_id, "finished": float(-job.job_id), "status": job.status, "artifacts": job.artifacts} for job in slices])
    assert sorted(combined) == ["probe_101", "probe_102"]


def encedo_fleet(encedo_process, tmp_path):
    firmware = str(tmp_path / "firmware.bin")
    build_image(firmware, "firmware", "1.3.0")
    hostvars, groups = {}, {"site_a": []}
    for number in range(1, 5):
        host = "hem-%d" % number
        name = unique(host)
        encedo_process.add_device(name, **dict(QUICK, firmware="1.3.0" if number == 4 else "1.2.2"))
        hostvars[host] = {"ansible_connection": "local", "fleetops_device_class": "encedo",
                          "encedo_url": "%s/%s" % (encedo_process.url, name)}
        groups["site_a"].append(host)
    extra_vars = {"encedo_firmware_version": "1.3.0", "encedo_firmware_image": firmware, "encedo_wait_timeout": 30}
    return hostvars, groups, extra_vars


UPGRADE = "- name: Upgrade the fleet\n  ansible.builtin.import_playbook: fleetops.upgrade.upgrade\n"


@pytest.fixture(scope="module")
def upgrade_job(encedo_process, tmp_path_factory):
    """One job template run over four Encedo devices (one already at the target)."""
    tmp_path = tmp_path_factory.mktemp("awx-job")
    hostvars, groups, extra_vars = encedo_fleet(encedo_process, tmp_path)
    job = Job(tmp_path, 42, UPGRADE, hostvars, groups, extra_vars).run()
    job.devices = [v["encedo_url"].rsplit("/", 1)[1] for v in hostvars.values()]
    return job


@pytest.fixture(scope="module")
def sliced_job(encedo_process, tmp_path_factory):
    """The same job template with job slicing 2: a workflow job 200 with slice jobs 201 and 202."""
    tmp_path = tmp_path_factory.mktemp("awx-sliced")
    hostvars, groups, extra_vars = encedo_fleet(encedo_process, tmp_path)
    return [Job(tmp_path, 200 + n, UPGRADE, hostvars, groups, extra_vars, workflow_job_id=200, slice_number=n,
                slice_count=2).run() for n in (1, 2)]


def test_the_upgrade_through_ansible_runner_gives_the_status_and_the_job_events(encedo_process, upgrade_job):
    job = upgrade_job
    assert (job.status, job.rc) == ("successful", 0), job.stdout[-3000:]
    playbook_events = job.playbook_events()  # verbose events (warnings of a library at start, ...) may come anywhere
    assert playbook_events[0]["event"] == "playbook_on_start" and playbook_events[-1]["event"] == "playbook_on_stats"
    assert {event["event"] for event in job.events} >= {"playbook_on_play_start", "playbook_on_task_start", "runner_on_start",
                                                        "runner_on_ok"}
    assert all(event["runner_ident"] == "42" for event in job.events)
    assert job.event_hosts("runner_on_ok") >= {"hem-1", "hem-2", "hem-3", "hem-4"}
    assert job.event_hosts("runner_on_failed") - job.event_hosts("runner_on_ok") == set()
    assert sorted(job.stats["changed"]) == ["hem-1", "hem-2", "hem-3"]
    assert job.stats["failures"] == {} and job.stats["dark"] == {}
    assert [encedo_process.device(name)["firmware"] for name in job.devices] == ["1.3.0"] * 4


def test_each_device_and_batch_reaches_the_job_events_as_it_ends(upgrade_job):
    """The rollout's progress lines are AWX job events (``verbose``) in the order they happened: each device's end,
    then its batch's line."""
    lines = [line for line in upgrade_job.verbose_lines() if line.startswith("fleet: ")]
    devices = [line for line in lines if not line.startswith("fleet: batch ")]
    assert sorted(line.split()[1] for line in devices) == ["hem-1", "hem-2", "hem-3"], lines
    assert all(" [encedo] upgraded: firmware 1.2.2 -> firmware 1.3.0 in " in line for line in devices), devices
    assert lines[0].startswith("fleet: hem-1 ") and lines[1].startswith("fleet: batch 1/2 done: 1/3 devices attempted")
    assert lines[-1] == "fleet: batch 2/2 done: 3/3 devices attempted, 0 failed, error budget: the next failure stops " \
                        "the rollout"


def test_the_job_artifacts_carry_the_fleet_report(upgrade_job):
    check_report(upgrade_job, "fleetops_report", {"hem-1": "upgraded", "hem-2": "upgraded", "hem-3": "upgraded",
                                                  "hem-4": "unchanged"})


def check_report(job, key, statuses):
    """The agreed set_stats payload (notes/set-stats.md): one top-level key, the report of this job's hosts."""
    assert list(job.reports()) == [key], sorted(job.artifacts)
    report = job.reports()[key]
    assert {entry["host"]: entry["status"] for entry in report["hosts"]} == statuses
    assert report["awx"]["job_id"] == job.job_id
    return report


def test_each_slice_upgrades_its_own_share_of_the_inventory(sliced_job):
    assert [(job.status, job.hosts) for job in sliced_job] == [("successful", ["hem-1", "hem-3"]),
                                                               ("successful", ["hem-2", "hem-4"])]
    assert [sorted(job.stats["ok"]) for job in sliced_job] == [["hem-1", "hem-3"], ["hem-2", "hem-4"]]


def test_every_slices_report_survives_for_the_workflow_and_the_next_node(sliced_job):
    check_report(sliced_job[0], "fleetops_report_201", {"hem-1": "upgraded", "hem-3": "upgraded"})
    check_report(sliced_job[1], "fleetops_report_202", {"hem-2": "upgraded", "hem-4": "unchanged"})
    # the second slice finished first: AWX orders by ("finished", "id") and still keeps both
    combined = effective_artifacts_of_workflow_job([{"id": job.job_id, "finished": float(-job.job_id), "status": job.status,
                                                     "artifacts": job.artifacts} for job in sliced_job])
    extra_vars_of_next_node = next_node_extra_vars([{"id": 1, "ancestor_artifacts": {}, "effective_artifacts": combined}], {})
    for artifacts in (combined, extra_vars_of_next_node):
        reports = [value for key, value in artifacts.items() if REPORT_KEY.match(key)]
        hosts = [entry["host"] for report in reports for entry in report["hosts"]]
        assert sorted(hosts) == ["hem-1", "hem-2", "hem-3", "hem-4"]  # every host exactly once
        assert sorted(report["awx"]["job_id"] for report in reports) == [201, 202]
