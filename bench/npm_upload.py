"""Benchmark: a multi-GiB image upload through npm_image vs ``curl -T`` to the same simulator endpoint.

In one run, against one AppResponse simulator process on 127.0.0.1:

* throughput of ``curl -T IMAGE -X POST …/images/upload`` and of the npm_image task (through
  ansible-playbook, in-process path) for the same 4 GiB image, and their ratio, both for the upload
  itself and for the whole task (which also hashes the image to stay idempotent);
* the peak memory (max RSS) of the task at 1 GiB and 4 GiB: the npm_image module process (module
  path, AnsiballZ) and the task function in a bare Python process (what the in-process path adds).

    python bench/npm_upload.py [--sizes 1,4] [--keep]

Images go to .build/bench (deleted at the end unless --keep). Each upload goes to a fresh appliance,
so idempotence never skips one. The simulator hashes every body it receives, like the appliance.
"""

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time

import requests

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from tests.conftest import COLLECTIONS, SimProcess, ansible_env, unique  # noqa: E402
from tests.simulators.appresponse import write_image  # noqa: E402
from ansible_collections.fleetops.upgrade.plugins.module_utils._npm_common import sha256_of  # noqa: E402

GIB = 1024 ** 3
MIB = 1024 ** 2
PASSWORD = "bench-password"
APPLIANCE = dict(users={"admin": PASSWORD}, validation_time=0.1)
VERSION = "11.6.0 #23947"
UPLOAD_PATH = "/api/npm.system_update/2.0/images/upload"

PLAYBOOK = """
- name: Upload
  hosts: all
  gather_facts: false
  tasks:
    - name: Upload the image
      fleetops.upgrade.npm_image:
        url: "{{ appliance_url }}"
        username: admin
        password: "%s"
        src: "{{ image }}"
        wait_timeout: 600
""" % PASSWORD

MAXRSS_WRAPPER = """#!/bin/sh
# Runs the module under a Python that reports the module process's peak RSS to $BENCH_MAXRSS_FILE.
exec "%s" -c 'import os, resource, subprocess, sys
code = subprocess.call([sys.argv[1]] + sys.argv[2:])
with open(os.environ["BENCH_MAXRSS_FILE"], "a") as handle:
    handle.write("%%d\\n" %% resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
sys.exit(code)' "%s" "$@"
"""

TASK_IN_BARE_PROCESS = """
import json, resource, sys
sys.path.insert(0, %r)
from ansible_collections.fleetops.upgrade.plugins.module_utils._npm_image import NpmImage
from ansible_collections.fleetops.upgrade.plugins.module_utils._task import execute
params = json.loads(sys.argv[1])
result = execute(NpmImage, params)
if result.get("failed"):
    sys.exit(result["msg"])
print(json.dumps({"bytes_sent": result["bytes_sent"], "durations": result["durations"],
                  "maxrss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""


def make_image(directory, gib):
    path = os.path.join(directory, "upgrade-%dg.img" % gib)
    if not os.path.exists(path) or os.path.getsize(path) != gib * GIB:
        write_image(path, VERSION, gib * GIB)
    # read it once so that every contender starts with the file in the page cache
    subprocess.run(["cat", path], stdout=subprocess.DEVNULL, check=True)
    return path


def fresh_appliance(sim):
    name = unique("bench")
    return sim.add_device(name, **APPLIANCE)


def curl_upload(sim, image):
    url = fresh_appliance(sim)
    token = requests.post(url + "/api/mgmt.aaa/1.0/token", timeout=10, json={
        "user_credentials": {"username": "admin", "password": PASSWORD}}).json()["access_token"]
    config = "header = \"Authorization: Bearer %s\"\n" % token  # via a file: no token in the process list
    with tempfile.NamedTemporaryFile("w", suffix=".curlrc", delete=False) as handle:
        handle.write(config)
    try:
        out = subprocess.run(["curl", "-sS", "-K", handle.name, "-T", image, "-X", "POST",
                              "-H", "Content-Type: application/octet-stream", "-o", os.devnull,
                              "-w", "%{http_code} %{size_upload} %{time_total}", url + UPLOAD_PATH],
                             capture_output=True, text=True, check=True).stdout.split()
    finally:
        os.unlink(handle.name)
    status, sent, seconds = int(out[0]), int(float(out[1])), float(out[2])
    if status != 200 or sent != os.path.getsize(image):
        sys.exit("curl upload failed: HTTP %s, %s bytes" % (status, sent))
    return sent, seconds


def playbook_upload(sim, image, workdir, connection="local", maxrss_file=None):
    url = fresh_appliance(sim)
    inventory = {"all": {"hosts": {"appliance": {"ansible_connection": connection, "appliance_url": url,
                                                 "image": image}}}}
    paths = {name: os.path.join(workdir, name) for name in ("inventory.json", "play.yml", "python-maxrss")}
    with open(paths["inventory.json"], "w") as handle:
        json.dump(inventory, handle)
    with open(paths["play.yml"], "w") as handle:
        handle.write(PLAYBOOK)
    env = ansible_env(ANSIBLE_STDOUT_CALLBACK="results_json")
    if maxrss_file:
        with open(paths["python-maxrss"], "w") as handle:
            handle.write(MAXRSS_WRAPPER % (sys.executable, sys.executable))
        os.chmod(paths["python-maxrss"], 0o755)
        inventory["all"]["hosts"]["appliance"]["ansible_python_interpreter"] = paths["python-maxrss"]
        with open(paths["inventory.json"], "w") as handle:
            json.dump(inventory, handle)
        env["BENCH_MAXRSS_FILE"] = maxrss_file
    start = time.monotonic()
    completed = subprocess.run([os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), paths["play.yml"],
                                "-i", paths["inventory.json"]], cwd=workdir, env=env, capture_output=True, text=True, check=False)
    wall = time.monotonic() - start
    data = json.loads(completed.stdout[completed.stdout.index("{"):])
    result = data["plays"][0]["tasks"][0]["hosts"]["appliance"]
    if completed.returncode != 0 or not result.get("changed"):
        sys.exit("npm_image failed: %s" % result.get("msg", completed.stderr[-2000:]))
    return result, wall


def bare_task_upload(sim, image):
    url = fresh_appliance(sim)
    params = dict(url=url, validate_certs=True, ca_path=None, client_cert=None, client_key=None, timeout=30,
                  username="admin", password=PASSWORD, token=None, state="present", src=image, fetch_url=None,
                  version=None, checksum=None, id=None, wait=True, wait_timeout=600)
    out = subprocess.run([sys.executable, "-c", TASK_IN_BARE_PROCESS % COLLECTIONS, json.dumps(params)],
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out)


def mib_s(size, seconds):
    return size / MIB / seconds


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1,4", help="image sizes in GiB; the largest is used for the throughput race")
    parser.add_argument("--keep", action="store_true", help="keep the images in .build/bench")
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(","))
    directory = os.path.join(ROOT, ".build", "bench")
    os.makedirs(directory, exist_ok=True)
    workdir = tempfile.mkdtemp(prefix="bench-npm-")
    sim = SimProcess("appresponse")
    try:
        images = {gib: make_image(directory, gib) for gib in sizes}
        big = images[sizes[-1]]
        size = os.path.getsize(big)
        print("image: %d GiB (%d bytes); simulator %s; curl %s" % (sizes[-1], size, sim.url,
              subprocess.run(["curl", "--version"], capture_output=True, text=True, check=True).stdout.split()[1]))

        sent, curl_seconds = curl_upload(sim, big)
        result, wall = playbook_upload(sim, big, workdir)
        upload_seconds = result["durations"]["upload"]
        hash_seconds = result["durations"].get("hash", 0.0)
        task_seconds = max(upload_seconds, hash_seconds)  # on a fresh appliance the hash runs during the upload
        start = time.monotonic()
        sha256_of(big)
        alone = time.monotonic() - start
        print("\n== throughput, %d GiB to the same endpoint ==" % sizes[-1])
        print("curl -T                                 %7.2f s  %7.1f MiB/s" % (curl_seconds, mib_s(sent, curl_seconds)))
        print("npm_image upload (sendfile)             %7.2f s  %7.1f MiB/s  ratio to curl %.2f"
              % (upload_seconds, mib_s(result["bytes_sent"], upload_seconds), curl_seconds / upload_seconds))
        print("npm_image upload + SHA-256 in parallel  %7.2f s  %7.1f MiB/s  ratio to curl %.2f  (hash thread: %.2f s)"
              % (task_seconds, mib_s(size, task_seconds), curl_seconds / task_seconds, hash_seconds))
        print("npm_image whole ansible-playbook run    %7.2f s  %7.1f MiB/s  ratio to curl %.2f  (start, login, upload, validation)"
              % (wall, mib_s(size, wall), curl_seconds / wall))
        print("SHA-256 of the image alone, no upload   %7.2f s  (done before the upload when VALID images are there to compare)"
              % alone)
        print("\n== peak memory (max RSS) of the task ==")
        for gib in sizes:
            maxrss_file = os.path.join(workdir, "maxrss-%d" % gib)
            playbook_upload(sim, images[gib], workdir, connection="local_as_remote", maxrss_file=maxrss_file)
            with open(maxrss_file) as handle:
                module_kib = max(int(line) for line in handle if line.strip())
            bare = bare_task_upload(sim, images[gib])
            print("%d GiB: npm_image module process %6.1f MiB;  task function in a bare Python process %6.1f MiB"
                  % (gib, module_kib / 1024.0, bare["maxrss_kib"] / 1024.0))
        print("\n(peak RSS of this benchmark process: %.1f MiB)" % (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0))
    finally:
        sim.stop()
        shutil.rmtree(workdir, ignore_errors=True)
        if not args.keep:
            shutil.rmtree(directory, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
