"""`make demo`: start the simulated fleet on 127.0.0.1, upgrade site_a with the collection's playbook, stop.

Usage: python examples/demo.py [--limit site_a] [extra ansible-playbook arguments...]
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from tests.simulators.appresponse import write_image  # noqa: E402
from tests.simulators.encedo import build_image  # noqa: E402

# family -> (fleet file, inventory variable that receives the simulator's URL)
SIMULATORS = {
    "encedo": ("examples/fleet/encedo.json", "fleetops_demo_encedo_url"),
    "appresponse": ("examples/fleet/appresponse.json", "fleetops_demo_appresponse_url"),
    "hawkbit": ("examples/fleet/hawkbit.json", "fleetops_demo_hawkbit_url"),
    "mwcloud": ("examples/fleet/mwcloud.json", "fleetops_demo_mwcloud_url"),
}


def build_images(directory):
    encedo = os.path.join(directory, "encedo")
    os.makedirs(encedo, exist_ok=True)
    build_image(os.path.join(encedo, "firmware-1.3.0.bin"), "firmware", "1.3.0", payload_size=512 * 1024)
    build_image(os.path.join(encedo, "webroot-2.1.0.tar"), "ui", "2.1.0", payload_size=2 * 1024 * 1024)
    appresponse = os.path.join(directory, "appresponse")
    os.makedirs(appresponse, exist_ok=True)
    write_image(os.path.join(appresponse, "upgrade-11.6.0-23947.img"), "11.6.0 #23947", 16 * 1024 * 1024)


def start_simulator(family, fleet_file, workdir):
    port_file = os.path.join(workdir, family + ".port")
    proc = subprocess.Popen([sys.executable, "-m", "tests.simulators." + family, "--fleet", os.path.join(ROOT, fleet_file),
                             "--port-file", port_file], cwd=ROOT, stdout=subprocess.DEVNULL)
    deadline = time.time() + 20
    while not os.path.exists(port_file):
        if proc.poll() is not None or time.time() > deadline:
            raise SystemExit("the %s simulator did not start" % family)
        time.sleep(0.05)
    with open(port_file) as handle:
        return proc, "http://127.0.0.1:%s" % handle.read().strip()


def collection_env():
    """Use this checkout as fleetops.upgrade, whatever else is installed."""
    collections = os.path.join(ROOT, ".build", "collections")
    link = os.path.join(collections, "ansible_collections", "fleetops", "upgrade")
    if not os.path.exists(link):
        os.makedirs(os.path.dirname(link), exist_ok=True)
        os.symlink(ROOT, link)
    env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=collections, ANSIBLE_COLLECTIONS_SCAN_SYS_PATH="false")
    return env


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", default="site_a")
    args, playbook_args = parser.parse_known_args()
    workdir = tempfile.mkdtemp(prefix="fleetops-demo-")
    images = os.path.join(ROOT, ".build", "demo", "images")
    build_images(images)
    processes = []
    extra_vars = ["-e", "fleetops_demo_images=%s" % images]
    try:
        for family, (fleet_file, variable) in SIMULATORS.items():
            proc, url = start_simulator(family, fleet_file, workdir)
            processes.append(proc)
            extra_vars += ["-e", "%s=%s" % (variable, url)]
            print("%s simulator: %s" % (family, url))
        command = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "fleetops.upgrade.upgrade",
                   "-i", os.path.join(ROOT, "examples", "inventory"), "-l", args.limit] + extra_vars + playbook_args
        print("$ " + " ".join(command[1:]), flush=True)
        return subprocess.call(command, cwd=ROOT, env=collection_env())
    finally:
        for proc in processes:
            proc.terminate()
            proc.wait(10)


if __name__ == "__main__":
    sys.exit(main())
