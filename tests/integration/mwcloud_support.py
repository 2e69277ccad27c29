"""Helpers of the Magewell Cloud integration tests: the simulator as a process, ansible commands, the request log."""

import json
import os
import re
import subprocess
import sys
import time

import requests

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.path.dirname(sys.executable)
COLLECTIONS = os.path.join(ROOT, ".build", "collections")
MUTATING_API = "/sc_cloud/upgrade/start"

FLEET = {
    "settings": {"transfer_seconds": 0.3, "offline_seconds": 0.3},
    "devices": {
        "A302190930001": {"family": 1, "product_id": 770, "hardware": "A", "firmware": "1.5.178", "name": "site-a-enc1"},
        "A302190930002": {"family": 1, "product_id": 770, "hardware": "A", "firmware": "1.5.178", "name": "site-a-enc2"},
        "B302190930003": {"family": 1, "product_id": 770, "hardware": "B", "firmware": "1.5.178", "name": "site-b-enc1"},
        "E120000000001": {"family": 2, "product_id": 1201, "hardware": "A", "firmware": "2.3.43", "name": "site-b-enc2",
                          "version_field": "numbers"},
        "S133000000001": {"family": 3, "product_id": 1330, "hardware": "C", "firmware": "3.0.9", "name": "site-b-str1",
                          "online": False},
    },
}


class SimulatorProcess:
    """``python -m tests.simulators.mwcloud`` on a free port, stopped by :meth:`stop`."""

    def __init__(self, tmp_path, fleet=None):
        fleet_file = tmp_path / "mwcloud-fleet.json"
        fleet_file.write_text(json.dumps(fleet or FLEET))
        port_file = tmp_path / "mwcloud.port"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.simulators.mwcloud", "--port-file", str(port_file), "--fleet", str(fleet_file)],
            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 15
        while not port_file.exists():
            if self.process.poll() is not None or time.time() > deadline:
                self.stop()
                raise RuntimeError("the mwcloud simulator did not start")
            time.sleep(0.05)
        self.url = "http://127.0.0.1:%s" % port_file.read_text().strip()

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    # control interface
    def log(self):
        return requests.get(self.url + "/_sim/log", timeout=5).json()

    def clear_log(self):
        requests.delete(self.url + "/_sim/log", timeout=5)

    def devices(self):
        return requests.get(self.url + "/_sim/devices", timeout=5).json()

    def patch_device(self, serial, **changes):
        requests.patch(self.url + "/_sim/devices/" + serial, json=changes, timeout=5).raise_for_status()

    def settings(self, **changes):
        return requests.patch(self.url + "/_sim/settings", json=changes, timeout=5).json()

    def sessions(self):
        return requests.get(self.url + "/_sim/sessions", timeout=5).json()

    def mutating_requests(self):
        return [e for e in self.log() if e["path"] == MUTATING_API]


def ansible_env(**extra):
    env = dict(os.environ)
    env.update({
        "ANSIBLE_COLLECTIONS_PATH": COLLECTIONS,
        "ANSIBLE_COLLECTIONS_SCAN_SYS_PATH": "false",
        "ANSIBLE_HOST_KEY_CHECKING": "false",
        "ANSIBLE_LOCAL_TEMP": os.path.join(ROOT, ".build", "ansible-tmp"),
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_FORCE_COLOR": "0",
        "ANSIBLE_RETRY_FILES_ENABLED": "false",
        "ANSIBLE_PYTHON_INTERPRETER": sys.executable,
        "PATH": BIN + os.pathsep + env.get("PATH", ""),
    })
    env.update(extra)
    return env


def run(command, cwd, env=None, timeout=180):
    return subprocess.run(command, cwd=str(cwd), env=env or ansible_env(), capture_output=True, text=True, timeout=timeout)


def playbook(path, cwd, *args, env=None, timeout=180):
    return run([os.path.join(BIN, "ansible-playbook"), str(path)] + list(args), cwd, env=env, timeout=timeout)


def recap(output):
    """{host: {"ok": n, "changed": n, "failed": n, ...}} from the PLAY RECAP."""
    totals = {}
    for line in output.split("PLAY RECAP")[-1].splitlines():
        match = re.match(r"^(\S+)\s+:\s+(.*)$", line.strip())
        if match:
            totals[match.group(1)] = {k: int(v) for k, v in re.findall(r"(\w+)=(\d+)", match.group(2))}
    return totals
