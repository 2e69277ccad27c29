"""Benchmark: what a fleet upgrade costs the controller without Ansible's per-host tasks.

Starts the Encedo simulator with N devices (the same fleet as bench/fleet.py) and runs the task logic of
encedo_upgrade for every device - a check-mode survey, then the upgrade (upload, check, install, reboot
wait, verify) - in threads of one Python process, the way a controller-side rollout task would. Then, for
scale, one ansible.builtin.debug task on N local hosts at forks N: the fixed price of a single per-host task.
Prints wall time, CPU (user + system) and CPU per device for both; the difference is what each per-host
task of upgrade.yml costs on top of the device work.

    python bench/work_floor.py [--devices 500] [--seconds 5]
"""

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
sys.path.insert(0, os.path.join(ROOT, ".build", "collections"))

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator  # noqa: E402

from ansible_collections.fleetops.upgrade.plugins.module_utils._encedo_upgrade import SPEC, EncedoUpgrade  # noqa: E402
from ansible_collections.fleetops.upgrade.plugins.module_utils._task import execute  # noqa: E402
from bench.fleet import Fleet  # noqa: E402
from tests.conftest import ansible_env  # noqa: E402


def params(host):
    extra = {key: value for key, value in SPEC.items() if key != "argument_spec"}
    validated = ArgumentSpecValidator(SPEC["argument_spec"], **extra).validate(
        {"url": host["encedo_url"], "component": "firmware", "src": host["encedo_firmware_image"],
         "version": host["encedo_firmware_version"]})
    assert not validated.error_messages, validated.error_messages
    return validated.validated_parameters


def upgrade(host):
    surveyed = execute(EncedoUpgrade, params(host), check_mode=True)
    if surveyed.get("failed") or not surveyed.get("changed"):
        return surveyed
    return execute(EncedoUpgrade, params(host))


def cpu_seconds(who):
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def threads_run(fleet):
    hosts = list(fleet.hosts.values())
    start, cpu_before = time.monotonic(), cpu_seconds(resource.RUSAGE_SELF)
    with ThreadPoolExecutor(max_workers=len(hosts)) as pool:
        results = list(pool.map(upgrade, hosts))
    wall, cpu = time.monotonic() - start, cpu_seconds(resource.RUSAGE_SELF) - cpu_before
    failed = [r.get("msg") for r in results if r.get("failed") or not r.get("changed")]
    if failed:
        sys.exit("not every device upgraded: %s" % failed[:3])
    return wall, cpu, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def debug_run(workdir, count):
    inventory = os.path.join(workdir, "hosts.ini")
    with open(inventory, "w") as handle:
        handle.write("[all]\n" + "".join("h%04d ansible_connection=local\n" % i for i in range(count)))
    playbook = os.path.join(workdir, "debug.yml")
    with open(playbook, "w") as handle:
        handle.write("- hosts: all\n  gather_facts: false\n  tasks:\n    - ansible.builtin.debug:\n        msg: hi\n")
    command = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), playbook, "-i", inventory, "-f", str(count)]
    start, cpu_before = time.monotonic(), cpu_seconds(resource.RUSAGE_CHILDREN)
    subprocess.run(command, env=ansible_env(ANSIBLE_STDOUT_CALLBACK="ansible.builtin.minimal"), check=True,
                   stdout=subprocess.DEVNULL)
    return time.monotonic() - start, cpu_seconds(resource.RUSAGE_CHILDREN) - cpu_before


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devices", type=int, default=500)
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="fleetops-bench-floor-") as workdir:
        fleet = Fleet(workdir, args.devices, args.seconds, ("encedo",))
        try:
            wall, cpu, peak = threads_run(fleet)
        finally:
            fleet.stop()
        debug_wall, debug_cpu = debug_run(workdir, args.devices)
    print("%d Encedo devices, simulated reboot %.1f s, %d cores" % (args.devices, args.seconds, os.cpu_count()))
    print("%-52s %8s %8s %12s" % ("run", "wall s", "CPU s", "CPU ms/dev"))
    print("%-52s %8.1f %8.1f %12.1f" % ("encedo_upgrade logic, survey + upgrade, in threads", wall, cpu, 1000 * cpu / args.devices))
    print("%-52s %8.1f %8.1f %12.1f" % ("ansible-playbook, one debug task per host", debug_wall, debug_cpu,
                                        1000 * debug_cpu / args.devices))
    print("peak memory of the threaded run: %.0f MiB" % peak)


if __name__ == "__main__":
    main()
