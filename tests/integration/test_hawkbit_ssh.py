"""The hawkbit_target role against gateways reached over a real OpenSSH server on 127.0.0.1.

The "device" is this machine seen through sshd (own host key, client key, authorized keys and
sshd_config, in a temporary directory) with a Python in a bare virtual environment: no pip, no
``requests``, as on most embedded Linux images. The DDI calls are delegated to the controller; the
pre-flight, downloads and install commands run over SSH on the device Python. Everything started
here is stopped by its pid.
"""

import getpass
import json
import os
import re
import socket
import subprocess
import sys
import time

import pytest
import requests

from tests.conftest import ROOT, SimProcess, run_playbook, unique

MUTATING = ("POST", "PUT", "DELETE", "PATCH")
ROLE = "fleetops.upgrade.hawkbit_target : "
CYCLE = ROLE + "Run the DDI cycle (up to the installation when the user's tasks or a reboot come next)"
SSHD = os.environ.get("SSHD", "/usr/sbin/sshd")
PLAYBOOK = """
- hosts: all
  gather_facts: false
  roles:
    - role: fleetops.upgrade.hawkbit_target
"""
ARTIFACT_SIZE = 300000
CUT_AFTER = 120000


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Sshd:
    """A throwaway sshd: keys, authorized_keys and sshd_config of its own; stopped by pid."""

    def __init__(self, directory):
        subprocess.run([os.path.join(ROOT, "tests", "support", "ssh", "ensure-sshd.sh")], check=True)
        self.dir = directory
        self.user = getpass.getuser()
        self.host_key = os.path.join(directory, "host_ed25519")
        self.client_key = os.path.join(directory, "client_ed25519")
        for key in (self.host_key, self.client_key):
            subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key], check=True)
        with open(self.client_key + ".pub") as public, open(os.path.join(directory, "authorized_keys"), "w") as authorized:
            authorized.write(public.read())
        self.port = free_port()
        self.config = os.path.join(directory, "sshd_config")
        with open(self.config, "w") as config:
            config.write("\n".join([
                "Port %d" % self.port, "ListenAddress 127.0.0.1", "HostKey %s" % self.host_key,
                "PidFile %s" % os.path.join(directory, "sshd.pid"),
                "AuthorizedKeysFile %s" % os.path.join(directory, "authorized_keys"),
                "PubkeyAuthentication yes", "PasswordAuthentication no", "KbdInteractiveAuthentication no",
                "UsePAM no", "StrictModes no", "PermitRootLogin prohibit-password", "AllowUsers %s" % self.user,
                "Subsystem sftp internal-sftp", "LogLevel ERROR", ""]))
        self.log = open(os.path.join(directory, "sshd.log"), "w")
        self.proc = subprocess.Popen([SSHD, "-D", "-e", "-f", self.config], stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 20
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError("sshd exited: %s" % open(os.path.join(directory, "sshd.log")).read())
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as conn:
                    if conn.recv(64).startswith(b"SSH-"):
                        break
            except OSError:
                if time.time() > deadline:
                    raise
                time.sleep(0.1)

    def ssh(self, *command):
        return subprocess.run(["ssh", "-F", "/dev/null", "-i", self.client_key, "-p", str(self.port), "-o", "BatchMode=yes",
                               "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR",
                               "%s@127.0.0.1" % self.user] + list(command), capture_output=True, text=True, timeout=60, check=False)

    def hostvars(self, python):
        return {"ansible_connection": "ssh", "ansible_host": "127.0.0.1", "ansible_port": self.port, "ansible_user": self.user,
                "ansible_ssh_private_key_file": self.client_key,
                "ansible_ssh_common_args": "-F /dev/null -o UserKnownHostsFile=/dev/null -o StrictHostKeyChecking=no "
                                           "-o IdentitiesOnly=yes -o ControlMaster=no -o ControlPath=none",
                "ansible_python_interpreter": python, "ansible_remote_tmp": os.path.join(self.dir, "remote-tmp")}

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)
        self.log.close()


@pytest.fixture(scope="module")
def device(tmp_path_factory):
    """(sshd, device python): sshd on 127.0.0.1 and a bare venv Python without requests."""
    directory = str(tmp_path_factory.mktemp("sshd"))
    os.chmod(directory, 0o755)
    base_python = getattr(sys, "_base_executable", None) or sys.executable
    venv = os.path.join(directory, "device-python")
    subprocess.run([base_python, "-m", "venv", "--without-pip", venv], check=True)
    python = os.path.join(venv, "bin", "python")
    sshd = Sshd(directory)
    try:
        probe = sshd.ssh("%s -c 'import requests'" % python)
        assert probe.returncode != 0 and "No module named 'requests'" in probe.stderr, (probe.returncode, probe.stderr)
        yield sshd, python
    finally:
        sshd.stop()


@pytest.fixture(scope="module")
def sim():
    process = SimProcess("hawkbit")
    yield process
    process.stop()


def deploy(sim, name, artifact_extra=None, **config):
    artifact = dict({"filename": "fw.bin", "size": ARTIFACT_SIZE, "cut_after": CUT_AFTER}, **(artifact_extra or {}))
    config.setdefault("chunks", [{"part": "os", "name": "firmware", "version": "2.0", "artifacts": [artifact]}])
    answer = requests.post("%s/_sim/devices/%s/deployments" % (sim.url, name), json=config, timeout=10)
    answer.raise_for_status()
    return str(answer.json()["id"])


class Fleet:
    def __init__(self, sim, tmp_path):
        self.sim = sim
        self.tmp_path = tmp_path
        self.names = {}
        self.hosts = {}
        self.become_log = tmp_path / "become.log"
        become = tmp_path / "su-logged"
        become.write_text("#!/bin/sh\necho \"$@\" >> %s\nexec su \"$@\"\n" % self.become_log)
        become.chmod(0o755)
        self.vars = {"hawkbit_target_url": sim.url, "hawkbit_target_backoff": 0.05,
                     "hawkbit_target_install_become": True, "ansible_become_method": "su", "ansible_become_exe": str(become),
                     "hawkbit_target_install_commands": {
                         "os": "sh -c 'cp \"$0\" \"$1\"/installed-os && id -un > \"$1\"/installed-by' {path} {dir}"},
                     "hawkbit_target_verify_command": "test -f {{ hawkbit_target_download_dir }}/installed-os"}

    def add(self, host, **hostvars):
        name = unique(host)
        self.names[host] = name
        self.sim.add_device(name, token="tok-" + name)
        self.hosts[host] = dict({"hawkbit_target_controller_id": name, "hawkbit_target_target_token": "tok-" + name,
                                 "hawkbit_target_download_dir": str(self.tmp_path / host)}, **hostvars)
        return name

    def inventory(self):
        return {"all": {"vars": self.vars, "hosts": self.hosts}}

    def run(self, **kwargs):
        # We are root here, as is the SSH user: let ansible really run become root -> root, so that the
        # logging become_exe shows which tasks use become.
        return run_playbook(PLAYBOOK, self.inventory(), tmp_path=self.tmp_path, env={"ANSIBLE_BECOME_ALLOW_SAME_USER": "true"},
                            **kwargs)

    def action(self, host, action_id):
        return self.sim.device(self.names[host])["actions"][action_id]

    def log(self, host, methods=None):
        return self.sim.log(self.names[host], methods)


def failures(run):
    found = {}
    for play in run.data["plays"]:
        for task in play["tasks"]:
            for host, result in task["hosts"].items():
                if result.get("failed") and not result.get("ignore_errors"):
                    found.setdefault(host, []).append("%s: %s" % (task["task"]["name"], result.get("msg")))
    return found


def comparable(result):
    """A hawkbit_artifact result without what differs by nature between two hosts (paths, times)."""
    artifacts = [{k: v for k, v in item.items() if k not in ("path", "seconds")} for item in result["artifacts"]]
    return {"changed": result["changed"], "bytes_downloaded": result["bytes_downloaded"], "artifacts": artifacts,
            "steps": result.get("steps"), "parts": sorted(result["paths"])}


def test_full_cycle_over_ssh_matches_the_in_process_path(device, sim, tmp_path):
    sshd, python = device
    fleet = Fleet(sim, tmp_path)
    gateway = fleet.add("gw1", **sshd.hostvars(python))
    local = fleet.add("local1", ansible_connection="local", ansible_python_interpreter=sys.executable)
    actions = {"gw1": deploy(sim, gateway, confirmation_required=True), "local1": deploy(sim, local, confirmation_required=True)}

    sim.clear_log()
    checked = fleet.run(check=True)
    assert checked.rc == 0, failures(checked)
    assert sim.log(methods=MUTATING) == [] and [e for e in sim.log() if "/artifacts/" in e["path"]] == []
    assert not (tmp_path / "gw1").exists()
    assert len(checked.data["plays"][0]["tasks"]) == 3  # the arguments' check, the cycle, the hooks' include (skipped)
    preflight = checked.result(CYCLE, "gw1")["steps"]["Pre-flight on the device (Python, download directory, free space)"]
    assert preflight["preflight"]["python_executable"] == python and preflight["preflight"]["lacking"] == []

    run = fleet.run()
    assert run.rc == 0, failures(run)
    for host in ("gw1", "local1"):
        action = fleet.action(host, actions[host])
        assert action["status"] == "FINISHED", (host, action)
        assert [(f["execution"], f["finished"]) for f in action["feedback"] if "execution" in f] == \
            [("proceeding", "none"), ("closed", "success")]
        confirmations = [e for e in fleet.log(host, MUTATING) if "confirmationBase" in e["path"]]
        assert len(confirmations) == 1, host
        downloads = [(e["status"], e.get("range")) for e in fleet.log(host) if "/artifacts/" in e["path"]]
        assert downloads == [(200, None), (206, "bytes=%d-" % CUT_AFTER)], (host, downloads)
        assert (tmp_path / host / "installed-os").stat().st_size == ARTIFACT_SIZE
        assert (tmp_path / host / "installed-by").read_text().strip() == "root"
    assert [task["task"]["name"] for task in run.data["plays"][0]["tasks"]] == [
        ROLE + "Validating arguments against arg spec 'main' - One hawkBit DDI cycle per device, Ansible playing the device",
        CYCLE, ROLE + "Install, reboot and verify through tasks, then finish the DDI cycle"]  # no hooks: one cycle task
    assert all(run.result(CYCLE, host)["pending"] is False for host in ("gw1", "local1"))
    fetched = {host: run.result(CYCLE, host)["steps"]["Download and verify the artifacts on the device"] for host in ("gw1", "local1")}
    assert fetched["gw1"]["preflight"]["python_executable"] == python  # ran over SSH on the bare device Python
    assert fetched["local1"]["preflight"]["python_executable"] != python
    assert fetched["gw1"]["artifacts"][0]["resumed_from"] == CUT_AFTER
    assert comparable(fetched["gw1"]) == comparable(fetched["local1"])
    # The device's calls run with the role's become (the downloads too: docs/hawkbit.md), the DDI requests never do:
    # the pre-flight in check mode; the pre-flight, download, install, verify and marker clearing in the run; per host.
    become = [re.search(r"AnsiballZ_(\w+)\.py", line).group(1) for line in fleet.become_log.read_text().splitlines()]
    assert sorted(become) == sorted(["hawkbit_artifact"] * 6 + ["hawkbit_install"] * 6), become
    assert sum(python in line for line in fleet.become_log.read_text().splitlines()) == 6  # gw1's, on the device Python

    def report(host):
        reported = run.result(CYCLE, host)["steps"]["Report success"]
        kept = {k: v for k, v in reported.items() if k not in ("durations", "invocation")}
        return json.dumps(kept, sort_keys=True).replace("action %s" % actions[host], "action N")
    assert report("gw1") == report("local1")

    sim.clear_log()
    again = fleet.run()
    assert again.rc == 0, failures(again)
    assert sim.log(methods=MUTATING) == [] and again.stats["gw1"]["changed"] == 0 and again.stats["local1"]["changed"] == 0


def test_preflight_refusals_leave_the_action_open(device, sim, tmp_path):
    sshd, python = device
    fleet = Fleet(sim, tmp_path)
    blocked = tmp_path / "not-a-dir"
    blocked.write_text("a file where the download directory should be")
    big = fleet.add("big", **sshd.hostvars(python))
    busy = fleet.add("busy", **dict(sshd.hostvars(python), hawkbit_target_download_dir=str(blocked)))
    actions = {"big": deploy(sim, big, artifact_extra={"announce_size": 2 ** 50}), "busy": deploy(sim, busy)}

    sim.clear_log()
    run = fleet.run()
    assert run.rc == 2 and run.stats["big"]["failures"] == 1 and run.stats["busy"]["failures"] == 1
    messages = {host: msgs[-1] for host, msgs in failures(run).items()}
    assert "Pre-flight on the device" in messages["big"] and "bytes free, the artifacts need %d" % 2 ** 50 in messages["big"]
    assert "%s is not a directory" % blocked in messages["busy"]
    assert sim.log(methods=MUTATING) == [] and [e for e in sim.log() if "/artifacts/" in e["path"]] == []
    for host in ("big", "busy"):
        action = fleet.action(host, actions[host])
        assert action["status"] == "RUNNING" and not action["closed"] and action["feedback"] == [], (host, action)
    recorded = run.results(CYCLE)
    assert recorded["big"]["record"]["device_state"] == "action %s left open" % actions["big"]
    assert recorded["big"]["record"]["msg"].startswith("Pre-flight on the device")


def test_a_failing_install_command_is_reported_but_an_unreachable_device_or_a_wrong_variable_is_not(device, sim, tmp_path):
    sshd, python = device
    fleet = Fleet(sim, tmp_path)
    broken = fleet.add("broken", **dict(sshd.hostvars(python), hawkbit_target_install_commands={"os": "sh -c 'echo flash error >&2; exit 3'"}))
    gone = fleet.add("gone", **dict(sshd.hostvars(python), ansible_port=free_port()))
    typo = fleet.add("typo", **dict(sshd.hostvars(python), hawkbit_target_install_commands={"os": "install {{ no_such_variable }} {path}"}))
    actions = {"broken": deploy(sim, broken), "gone": deploy(sim, gone), "typo": deploy(sim, typo)}
    run = fleet.run()
    assert run.rc != 0
    wrong = fleet.action("typo", actions["typo"])
    assert wrong["status"] == "RUNNING" and [f for f in wrong["feedback"] if "execution" in f] == [], wrong
    assert "no_such_variable" in " ".join(failures(run)["typo"])
    failed = fleet.action("broken", actions["broken"])
    assert failed["status"] == "ERROR" and failed["closed"] and "flash error" in json.dumps(failed["feedback"][-1])
    untouched = fleet.action("gone", actions["gone"])
    assert untouched["status"] == "RUNNING" and untouched["feedback"] == [] and run.stats["gone"]["unreachable"] == 1


def task_results(run, host):
    """How many task results the host cost (each task once, skipped ones too; a loop is one result)."""
    return sum(host in task["hosts"] for play in run.data["plays"] for task in play["tasks"])


def test_hooks_and_a_reboot_over_ssh_run_as_tasks_between_the_cycles_two_phases(device, sim, tmp_path):
    """The cycle stops where Ansible tasks must run (the user's install, reboot and verify tasks, a reboot), the role
    runs them over SSH, and the cycle's finish verifies, reports and records; a failed user task is reported to the
    server as closed/failure with its name and message."""
    sshd, python = device
    fleet = Fleet(sim, tmp_path)
    reboot = tmp_path / "reboot.yml"
    reboot.write_text("- name: Pretend to reboot\n  ansible.builtin.copy:\n    content: rebooted\n"
                      "    dest: \"{{ hawkbit_target_download_dir }}/rebooted\"\n    mode: '0644'\n")
    install = tmp_path / "install.yml"
    install.write_text(
        "- name: Install {{ hawkbit_target_chunk.part }} of action {{ hawkbit_target_action_id }}\n"
        "  ansible.builtin.copy:\n    src: \"{{ item }}\"\n    remote_src: true\n"
        "    dest: \"{{ hawkbit_target_download_dir }}/tasks-{{ item | basename }}\"\n    mode: '0644'\n"
        "  loop: \"{{ hawkbit_target_artifact_paths }}\"\n"
        "- name: Ask for a reboot\n  ansible.builtin.set_fact:\n    hawkbit_target_reboot_required: true\n")
    verify = tmp_path / "verify.yml"
    verify.write_text("- name: Check the installed file\n  ansible.builtin.stat:\n"
                      "    path: \"{{ hawkbit_target_download_dir }}/tasks-fw.bin\"\n  register: installed\n"
                      "  failed_when: not installed.stat.exists\n")
    unhealthy = tmp_path / "unhealthy.yml"
    unhealthy.write_text("- name: Check the device came back healthy\n"
                         "  ansible.builtin.command: sh -c 'echo not healthy >&2; exit 4'\n  changed_when: false\n")
    ssh = sshd.hostvars(python)
    names = {
        "rebooting": fleet.add("rebooting", **dict(ssh, hawkbit_target_reboot_tasks=str(reboot), hawkbit_target_install_commands={
            "os": "sh -c 'cp \"$0\" \"$1\"/installed-os && exit 100' {path} {dir}"})),
        "hooked": fleet.add("hooked", **dict(ssh, hawkbit_target_install_tasks=str(install), hawkbit_target_reboot_tasks=str(reboot),
                                             hawkbit_target_verify_tasks=str(verify))),
        "unhealthy": fleet.add("unhealthy", **dict(ssh, hawkbit_target_verify_tasks=str(unhealthy))),
        "plain": fleet.add("plain", **ssh)}
    actions = {host: deploy(sim, name) for host, name in names.items()}
    run = fleet.run()
    assert run.rc == 2 and set(failures(run)) == {"unhealthy"}, failures(run)

    for host in ("rebooting", "hooked"):
        action = fleet.action(host, actions[host])
        assert action["status"] == "FINISHED", (host, action)
        assert [f["execution"] for f in action["feedback"] if "execution" in f] == ["proceeding", "closed"]
        assert action["feedback"][-1]["details"] == ["installed os 2.0 after a reboot"], host
        assert (tmp_path / host / "rebooted").exists() and not list((tmp_path / host).glob(".installing-*")), host
    assert (tmp_path / "hooked" / "tasks-fw.bin").stat().st_size == ARTIFACT_SIZE
    assert not (tmp_path / "hooked" / "installed-os").exists()  # the user's tasks installed, not the commands

    failed = fleet.action("unhealthy", actions["unhealthy"])
    assert failed["status"] == "ERROR" and failed["closed"]
    details = failed["feedback"][-1]["details"]
    assert details[0] == "failed step: Check the device came back healthy" and "not healthy" in details, details
    finish = run.results(ROLE + "Finish the DDI cycle (verify, report to the server, record the result for the fleet report)")
    assert finish["unhealthy"]["record"]["msg"].startswith("Check the device came back healthy: ")
    assert finish["unhealthy"]["record"]["device_state"] == "action %s reported failed" % actions["unhealthy"]
    assert finish["hooked"]["record"]["status"] == "upgraded" and "tok-" not in json.dumps(finish)

    # the cost per device: the arguments' check, the cycle and the (skipped) include of the hooks; where tasks must run,
    # the include, its start, its four hook tasks (skipped where not asked for), the user's own tasks and the finish
    counts = {host: task_results(run, host) for host in names}
    assert counts == {"plain": 3, "rebooting": 10, "hooked": 13, "unhealthy": 11}, counts
