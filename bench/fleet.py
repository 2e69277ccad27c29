"""Benchmark: a simulated fleet of the four device classes upgraded by playbooks/upgrade.yml.

Runs, side by side, on fresh simulators each time:
  (a) upgrade.yml as shipped (in-process path: module logic inside the forked worker);
  (b) the same with the in-process path switched off (FLEETOPS_IN_PROCESS=0: real modules everywhere);
  (c) the Encedo devices alone, upgraded by a playbook written only with ansible.builtin.uri and
      until loops (what a user writes without this collection).
For each: wall time, controller CPU (ansible-playbook and every process it starts; the simulators run
in their own processes and are not counted), CPU per upgraded device, peak controller memory (sum
of the proportional set size of the ansible-playbook process tree, sampled every second) and
wall / ideal, where ideal = one device's time x number of batches. One device's time is measured
by the same playbook on one device of each class (the slowest class sets it). Writes a PNG chart.

    python bench/fleet.py [--devices 500] [--forks N] [--seconds 5] [--runs a,b,c] [--png bench-fleet.png]
"""

import argparse
import json
import os
import struct
import subprocess
import sys
import tempfile
import threading
import time
import zlib

import requests

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from tests.conftest import SimProcess, ansible_env  # noqa: E402
from tests.simulators.appresponse import write_image  # noqa: E402
from tests.simulators.encedo import build_image  # noqa: E402

PLAYBOOK = os.path.join(ROOT, "playbooks", "upgrade.yml")
CLASSES = ("encedo", "appresponse", "magewell", "hawkbit")
NPM_TARGET = "11.6.0 #23947"
NPM_PASSWORD = "Bench-pass-1"
MW_FAMILY = {"family": 1, "product_id": 770, "hardware": "A", "firmware": "1.5.178"}

URI_PLAYBOOK = """
- name: Upgrade Encedo firmware with ansible.builtin.uri only
  hosts: all
  gather_facts: false
  tasks:
    - name: Read the version
      ansible.builtin.uri:
        url: "{{ encedo_url }}/api/system/version"
      register: before
    - name: Read the uptime
      ansible.builtin.uri:
        url: "{{ encedo_url }}/api/system/status"
      register: status_before
      when: before.json.fwv is not search(target)
    - name: Upload the image
      ansible.builtin.uri:
        url: "{{ encedo_url }}/api/system/upgrade/upload_fw"
        method: POST
        src: "{{ image }}"
        headers:
          Content-Type: application/octet-stream
          Content-Disposition: attachment; filename="firmware.bin"
        status_code: [200, 201]
      when: before.json.fwv is not search(target)
    - name: Wait for the image check
      ansible.builtin.uri:
        url: "{{ encedo_url }}/api/system/upgrade/check_fw"
        status_code: [200, 201, 202]
      register: check
      until: check.status == 200
      retries: 60
      delay: 2
      when: before.json.fwv is not search(target)
    - name: Install
      ansible.builtin.uri:
        url: "{{ encedo_url }}/api/system/upgrade/install_fw"
      failed_when: false
      when: before.json.fwv is not search(target)
    - name: Wait for the reboot
      ansible.builtin.uri:
        url: "{{ encedo_url }}/api/system/status"
      register: after
      until: after.status == 200 and (after.json.fw_upgrade | default(false) or after.json.uptime < status_before.json.uptime)
      retries: 120
      delay: 2
      failed_when: false
      when: before.json.fwv is not search(target)
    - name: Verify
      ansible.builtin.uri:
        url: "{{ encedo_url }}/api/system/version"
      register: now
      failed_when: now.json.fwv is not search(target)
"""


# ------------------------------------------------------------------------------------------ fleet
class Fleet:
    """Simulators with N devices spread over the classes, and the matching inventory."""

    def __init__(self, workdir, count, seconds, classes):
        self.workdir = workdir
        self.names = {cls: [] for cls in classes}
        for index in range(count):
            self.names[classes[index % len(classes)]].append("%s-%04d" % (classes[index % len(classes)][:3], index))
        self.seconds = seconds
        self.sims = {}
        self.hosts = {}
        os.makedirs(workdir, exist_ok=True)
        try:
            for cls in classes:
                if self.names[cls]:
                    getattr(self, "start_" + cls)(self.names[cls])
        except BaseException:
            self.stop()
            raise

    def start_encedo(self, names):
        sim = self.sims["encedo"] = SimProcess("encedo", {n: {"firmware": "1.2.2", "reboot_seconds": self.seconds,
                                                              "validation_seconds": 0.1, "auth_delay": 0} for n in names})
        image = os.path.join(self.workdir, "firmware.bin")
        build_image(image, "firmware", "1.3.0")
        for name in names:
            self.hosts[name] = {"fleetops_device_class": "encedo", "encedo_url": "%s/%s" % (sim.url, name),
                                "encedo_firmware_version": "1.3.0", "encedo_firmware_image": image}

    def start_appresponse(self, names):
        config = {"users": {"admin": NPM_PASSWORD}, "validation_time": 0.1, "init_time": 0.1, "reboot_time": self.seconds}
        sim = self.sims["appresponse"] = SimProcess("appresponse", {n: dict(config) for n in names})
        image = write_image(os.path.join(self.workdir, "npm.img"), NPM_TARGET, 256 * 1024)
        for name in names:
            self.hosts[name] = {"fleetops_device_class": "appresponse", "appresponse_url": "%s/%s" % (sim.url, name),
                                "appresponse_username": "admin", "appresponse_password": NPM_PASSWORD,
                                "appresponse_version": NPM_TARGET, "appresponse_image_src": image}

    def start_magewell(self, names):
        devices = {"A3%010d" % i: dict(MW_FAMILY, name=name) for i, name in enumerate(names)}
        sim = self.sims["magewell"] = SimProcess("mwcloud", {
            "settings": {"transfer_seconds": self.seconds / 2.0, "offline_seconds": self.seconds / 2.0}, "devices": devices})
        for serial, device in devices.items():
            self.hosts[device["name"]] = {
                "fleetops_device_class": "magewell", "mwcloud_url": sim.url, "mwcloud_serial": serial,
                "magewell_username": "Admin", "magewell_password": "admin", "magewell_firmware_version": "1.6.201",
                "magewell_poll_interval": 1}

    def start_hawkbit(self, names):
        sim = self.sims["hawkbit"] = SimProcess("hawkbit")
        # every DDI call comes from the controller's address; a real server needs it on its DoS filter's allow list
        requests.patch(sim.url + "/_sim/config", json={"dos_reads_per_second": 0, "dos_writes_per_second": 0},
                       timeout=10).raise_for_status()
        for name in names:
            sim.add_device(name, token="tok-" + name)
            requests.post("%s/_sim/devices/%s/deployments" % (sim.url, name), timeout=10, json={"chunks": [
                {"part": "os", "name": "firmware", "version": "2.0",
                 "artifacts": [{"filename": "fw.bin", "size": 4096}]}]}).raise_for_status()
            self.hosts[name] = {
                "fleetops_device_class": "hawkbit", "hawkbit_target_url": sim.url, "hawkbit_target_backoff": 0.5,
                "hawkbit_target_controller_id": name, "hawkbit_target_target_token": "tok-" + name,
                "hawkbit_target_download_dir": os.path.join(self.workdir, "hawkbit", name),
                "hawkbit_target_install_commands": {"*": "sleep %s" % self.seconds},
                "hawkbit_target_verify_command": "true"}

    def inventory(self, hosts=None):
        chosen = {h: v for h, v in self.hosts.items() if hosts is None or h in hosts}
        return {"all": {"vars": {"ansible_connection": "local", "ansible_python_interpreter": sys.executable},
                        "hosts": chosen}}

    def stop(self):
        for sim in self.sims.values():
            sim.stop()


# ------------------------------------------------------------------------------------------ runs
def tree_pss_kib(pid):
    """Proportional set size of ``pid`` and its descendants (shared pages of forked workers counted once)."""
    children, total = {}, 0
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open("/proc/%s/stat" % entry) as handle:
                    parent = int(handle.read().rsplit(")", 1)[1].split()[1])
                children.setdefault(parent, []).append(int(entry))
            except (OSError, ValueError, IndexError):
                pass
    todo = [pid]
    while todo:
        current = todo.pop()
        todo.extend(children.get(current, []))
        try:
            with open("/proc/%d/smaps_rollup" % current) as handle:
                for line in handle:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1])
        except OSError:
            pass
    return total


def run_playbook(workdir, label, playbook, inventory, forks, env=None, extra=None):
    inventory_path = os.path.join(workdir, "inventory-%s.json" % label)
    with open(inventory_path, "w") as handle:
        json.dump(inventory, handle)
    command = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), playbook, "-i", inventory_path,
               "-f", str(forks)]
    if extra:
        command += ["-e", json.dumps(extra)]
    environment = ansible_env(ANSIBLE_STDOUT_CALLBACK="ansible.builtin.minimal", **(env or {}))
    log = open(os.path.join(workdir, "%s.log" % label), "wb")
    start = time.monotonic()
    proc = subprocess.Popen(command, cwd=workdir, env=environment, stdout=log, stderr=subprocess.STDOUT)
    peak, done = [0], threading.Event()

    def sample():
        while not done.wait(1.0):
            peak[0] = max(peak[0], tree_pss_kib(proc.pid))
    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    status, usage = os.wait4(proc.pid, 0)[1:]
    wall = time.monotonic() - start
    done.set()
    sampler.join()
    log.close()
    return {"rc": os.waitstatus_to_exitcode(status), "wall": wall, "cpu": usage.ru_utime + usage.ru_stime,
            "peak_mib": peak[0] / 1024.0, "log": log.name}


def fleet_run(workdir, label, count, args, env=None, one_per_class=False):
    fleet = Fleet(os.path.join(workdir, label), count, args.seconds, args.classes)
    try:
        hosts = [names[0] for names in fleet.names.values() if names] if one_per_class else None
        report_dir = os.path.join(workdir, label, "report")
        extra = {"fleetops_report_dir": report_dir}
        if one_per_class:
            extra["fleetops_canary"] = 0  # one batch: the time of one device
        result = run_playbook(os.path.join(workdir, label), label, PLAYBOOK, fleet.inventory(hosts),
                              len(hosts) if hosts else args.forks, env=env, extra=extra)
        with open(os.path.join(report_dir, "fleet-report.json")) as handle:
            report = json.load(handle)
    finally:
        fleet.stop()
    result.update(upgraded=report["summary"]["upgraded"], batches=report["batches"], summary=report["summary"])
    if result["upgraded"] != (len(hosts) if hosts else count):
        sys.exit("%s: not every device upgraded: %s (log: %s)" % (label, report["summary"], result["log"]))
    return result


def uri_run(workdir, count, args):
    label = "c-uri"
    fleet = Fleet(os.path.join(workdir, label), count, args.seconds, ("encedo",))
    try:
        inventory = fleet.inventory()
        for host in inventory["all"]["hosts"].values():
            host.update(image=host["encedo_firmware_image"], target="1.3.0")
        playbook = os.path.join(workdir, label, "uri.yml")
        with open(playbook, "w") as handle:
            handle.write(URI_PLAYBOOK)
        result = run_playbook(os.path.join(workdir, label), label, playbook, inventory, args.forks)
        sim = fleet.sims["encedo"]
        upgraded = sum(1 for name in fleet.names["encedo"] if sim.device(name)["firmware"] == "1.3.0")
    finally:
        fleet.stop()
    if result["rc"] != 0 or upgraded != count:
        sys.exit("uri playbook: rc %s, %d of %d upgraded (log: %s)" % (result["rc"], upgraded, count, result["log"]))
    result.update(upgraded=upgraded, batches=1)
    return result


# ------------------------------------------------------------------------------------------ PNG
DIGITS = {"0": "111101101101111", "1": "010110010010111", "2": "111001111100111", "3": "111001111001111",
          "4": "101101111001001", "5": "111100111001111", "6": "111100111101111", "7": "111001001001001",
          "8": "111101111101111", "9": "111101111001111", ".": "000000000000010", "x": "000101010101000",
          "a": "010101111101101", "b": "110101110101110", "c": "011100100100011", "d": "110101101101110",
          "e": "111100110100111", "i": "010000010010010", "l": "100100100100111", "m": "101111111101101",
          "p": "110101110100100", "s": "011100010001110", "u": "101101101101111", "v": "101101101101010",
          "w": "101101111111101", "/": "001001010100100", "(": "010100100100010", ")": "010001001001010",
          "n": "000110101101101", "r": "000110100100100", "o": "000010101101010", "k": "101110100110101",
          "h": "100100110101101", "t": "010111010010011", " ": "000000000000000"}
COLOURS = [(21, 101, 192), (239, 108, 0), (46, 125, 50)]


def write_png(path, rows, metrics):
    """Grouped bars, one group per metric, one bar per run, each bar labelled with its value."""
    width, height, scale = 140 + 220 * len(metrics), 320, 2
    pixels = [[(255, 255, 255)] * width for _ in range(height)]  # pylint: disable=disallowed-name

    def rect(x0, y0, x1, y1, colour):
        for y in range(max(y0, 0), min(y1, height)):
            for x in range(max(x0, 0), min(x1, width)):
                pixels[y][x] = colour

    def text(x, y, value):
        for char in value:
            glyph = DIGITS.get(char)
            if glyph:
                for i, bit in enumerate(glyph):
                    if bit == "1":
                        rect(x + (i % 3) * scale, y + (i // 3) * scale, x + (i % 3 + 1) * scale, y + (i // 3 + 1) * scale, (0, 0, 0))
            x += 4 * scale
    for group, (key, _label) in enumerate(metrics):
        top = max(row[key] for row in rows) or 1
        for index, row in enumerate(rows):
            x = 60 + group * 220 + index * 60
            bar = int(220 * row[key] / top)  # pylint: disable=disallowed-name
            rect(x, 280 - bar, x + 44, 280, COLOURS[index % len(COLOURS)])
            text(x, 260 - bar, ("%.1f" % row[key]) if row[key] < 100 else "%d" % row[key])
        rect(50 + group * 220, 280, 40 + (group + 1) * 220, 282, (0, 0, 0))
        text(60 + group * 220, 292, _label)
    for index, row in enumerate(rows):
        rect(width - 70, 20 + index * 24, width - 56, 34 + index * 24, COLOURS[index % len(COLOURS)])
        text(width - 50, 22 + index * 24, row["label"][1])
    raw = b"".join(b"\x00" + bytes(channel for pixel in line for channel in pixel) for line in pixels)

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    with open(path, "wb") as handle:
        handle.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
                     + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


# ------------------------------------------------------------------------------------------ main
def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=500)
    parser.add_argument("--forks", type=int, help="default: the number of devices")
    parser.add_argument("--seconds", type=float, default=5.0, help="simulated install + reboot time of a device")
    parser.add_argument("--runs", default="a,b,c", help="which of a, b, c to run")
    parser.add_argument("--classes", default=",".join(CLASSES))
    parser.add_argument("--png", default=os.path.join(ROOT, ".build", "bench-fleet.png"))
    args = parser.parse_args()
    args.forks = args.forks or args.devices
    args.classes = tuple(c for c in args.classes.split(",") if c)
    runs = args.runs.split(",")
    workdir = tempfile.mkdtemp(prefix="fleetops-bench-fleet-")
    one = fleet_run(workdir, "one-device", len(args.classes), args, one_per_class=True)
    device_time = one["wall"]
    rows = []
    plan = [("a", "(a) upgrade.yml, in-process", lambda: fleet_run(workdir, "a-in-process", args.devices, args)),
            ("b", "(b) upgrade.yml, modules",
             lambda: fleet_run(workdir, "b-modules", args.devices, args, env={"FLEETOPS_IN_PROCESS": "0"})),
            ("c", "(c) encedo, uri + until", lambda: uri_run(workdir, max(args.devices // len(args.classes), 1), args))]
    for key, label, run in plan:
        if key in runs:
            result = run()
            result.update(label=label, cpu_ms=1000.0 * result["cpu"] / max(result["upgraded"], 1),
                          ideal=device_time * result["batches"])
            result["ratio"] = result["wall"] / result["ideal"]
            rows.append(result)
    print("fleet: %d devices (%s), forks=%d, simulated install+reboot %.1f s, %d cores, load %.2f"
          % (args.devices, ",".join(args.classes), args.forks, args.seconds, os.cpu_count(), os.getloadavg()[0]))
    print("one device of each class alone: %.1f s (the 'device time' of the ideal)" % device_time)
    print("%-30s %8s %8s %8s %12s %10s %8s %8s" % ("run", "devices", "wall s", "CPU s", "CPU ms/dev", "peak MiB",
                                                   "batches", "wall/ideal"))
    for row in rows:
        print("%-30s %8d %8.1f %8.1f %12.1f %10.0f %8d %8.2f" % (
            row["label"], row["upgraded"], row["wall"], row["cpu"], row["cpu_ms"], row["peak_mib"], row["batches"], row["ratio"]))
    os.makedirs(os.path.dirname(args.png), exist_ok=True)
    write_png(args.png, rows, [("wall", "wall s"), ("cpu_ms", "cpu ms per device"), ("peak_mib", "peak mib"),
                               ("ratio", "wall/ideal")])
    print("chart: %s (groups: wall s, CPU ms per device, peak MiB, wall/ideal; bars: %s)"
          % (args.png, ", ".join(row["label"] for row in rows)))
    print("logs and reports: %s" % workdir)


if __name__ == "__main__":
    main()
