"""Benchmark: the survey task (encedo_info) on N simulated devices, in-process path vs module path.

Prints wall time, controller CPU seconds (ansible-playbook and every process it started: workers
and module processes) and CPU per device-task for each path, and the ratio. The simulator runs in
its own process and is not counted.

    python bench/survey.py [--devices 200] [--forks 50] [--tasks 1]
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from tests.conftest import SimProcess, ansible_env  # noqa: E402

PLAYBOOK = """
- name: Survey
  hosts: all
  gather_facts: false
  tasks:
{tasks}
"""
TASK = """    - name: Survey {n}
      fleetops.upgrade.encedo_info:
        url: "{{{{ device_url }}}}"
"""


def run(workdir, connection, devices, url, forks, tasks):
    inventory = {"all": {"hosts": {name: {"device_url": "%s/%s" % (url, name)} for name in devices},
                         "vars": {"ansible_connection": connection, "ansible_python_interpreter": sys.executable}}}
    inventory_path = os.path.join(workdir, "inventory-%s.json" % connection)
    with open(inventory_path, "w") as handle:
        json.dump(inventory, handle)
    playbook = os.path.join(workdir, "survey.yml")
    with open(playbook, "w") as handle:
        handle.write(PLAYBOOK.format(tasks="".join(TASK.format(n=n) for n in range(tasks))))
    env = ansible_env(ANSIBLE_STDOUT_CALLBACK="ansible.builtin.minimal", ANSIBLE_FORKS=str(forks))
    start = time.monotonic()
    proc = subprocess.Popen([os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), playbook,
                             "-i", inventory_path], cwd=workdir, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    output = proc.stdout.read()
    status, usage = os.wait4(proc.pid, 0)[1:]
    wall = time.monotonic() - start
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit("ansible-playbook failed (%s):\n%s" % (connection, output.decode()[-3000:]))
    ok = output.count(b"| SUCCESS")
    if ok != len(devices) * tasks:
        sys.exit("expected %d successful results, got %d" % (len(devices) * tasks, ok))
    return wall, usage.ru_utime + usage.ru_stime


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=200)
    parser.add_argument("--forks", type=int, default=50)
    parser.add_argument("--tasks", type=int, default=1, help="survey tasks per device")
    args = parser.parse_args()
    devices = ["hem-%04d" % i for i in range(args.devices)]
    sim = SimProcess("encedo", {name: {"firmware": "1.2.2"} for name in devices})
    workdir = tempfile.mkdtemp(prefix="fleetops-bench-")
    try:
        rows = []
        for label, connection in (("in-process (action plugin)", "local"), ("module (AnsiballZ)", "local_as_remote")):
            wall, cpu = run(workdir, connection, devices, sim.url, args.forks, args.tasks)
            rows.append((label, wall, cpu, cpu / (args.devices * args.tasks)))
    finally:
        sim.stop()
    print("survey: %d devices x %d task(s), forks=%d, ansible-playbook on %s cores"
          % (args.devices, args.tasks, args.forks, os.cpu_count()))
    print("%-28s %10s %14s %22s" % ("path", "wall s", "controller CPU s", "CPU ms per device-task"))
    for label, wall, cpu, per_task in rows:
        print("%-28s %10.1f %14.1f %22.1f" % (label, wall, cpu, per_task * 1000))
    print("module / in-process: wall %.1fx, controller CPU %.1fx" % (rows[1][1] / rows[0][1], rows[1][2] / rows[0][2]))


if __name__ == "__main__":
    main()
