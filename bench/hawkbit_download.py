"""Benchmark: a big hawkBit artifact through hawkbit_artifact (hash verified) vs curl, and a cut download resumed.

Usage: .venv/bin/python bench/hawkbit_download.py [--size-mib 2048] [--rounds 1] [--keep]

* Builds an artifact of --size-mib MiB under .build/bench/hawkbit (hashes computed while writing).
* Starts the hawkBit simulator as its own process (so server and client do not share a GIL), with
  one target and one deployment carrying the artifact.
* Downloads it with ``curl -o`` (the baseline), with ``curl`` followed by ``sha256sum`` (what a shell
  client would do to verify), and with the task function of ``fleetops.upgrade.hawkbit_artifact``
  (what its action plugin runs in-process: streamed to a .part file, sha256 on the fly, fsync,
  atomic rename). Prints MiB/s of each and the ratio hawkbit_artifact / curl (target >= 0.8).
* Cuts the transfer at 50 % (the simulator drops the connection), checks that the module keeps the
  partial file, then runs it again and measures how much of the file the resume transferred
  (target <= 55 %).
Deletes every big file at the end unless --keep.
"""

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [ROOT, os.path.join(ROOT, ".build", "collections")]

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator  # noqa: E402

from ansible_collections.fleetops.upgrade.plugins.module_utils._errors import TaskError  # noqa: E402
from ansible_collections.fleetops.upgrade.plugins.module_utils._hawkbit_artifact import ARTIFACT_SPEC, HawkbitArtifact  # noqa: E402

MIB = 1024 * 1024
TOKEN = "bench-token"


def build_artifact(path, size):
    """Pseudo-random content (a 64 MiB random block repeated with a counter), hashes computed while writing."""
    digests = {name: hashlib.new(name) for name in ("sha256", "sha1", "md5")}
    block = os.urandom(64 * MIB)
    written = 0
    with open(path, "wb") as handle:
        counter = 0
        while written < size:
            piece = (counter.to_bytes(8, "big") + block[8:])[:size - written]
            handle.write(piece)
            for digest in digests.values():
                digest.update(piece)
            written += len(piece)
            counter += 1
    return {name: digest.hexdigest() for name, digest in digests.items()}


def start_simulator(workdir, artifacts):
    fleet = {"bench": {"token": TOKEN, "deployments": [{"chunks": [{"part": "os", "version": "1", "artifacts": artifacts}]}]}}
    fleet_file = os.path.join(workdir, "fleet.json")
    port_file = os.path.join(workdir, "port")
    with open(fleet_file, "w") as handle:
        json.dump(fleet, handle)
    proc = subprocess.Popen([sys.executable, "-m", "tests.simulators.hawkbit", "--fleet", fleet_file, "--port-file", port_file],
                            cwd=ROOT, stdout=subprocess.DEVNULL)
    deadline = time.time() + 120
    while not os.path.exists(port_file):
        if proc.poll() is not None or time.time() > deadline:
            raise SystemExit("the hawkBit simulator did not start")
        time.sleep(0.1)
    with open(port_file) as handle:
        return proc, "http://127.0.0.1:%s" % handle.read().strip()


def params(url, dest, **options):
    rules = {key: value for key, value in ARTIFACT_SPEC.items() if key != "argument_spec"}
    validator = ArgumentSpecValidator(ARTIFACT_SPEC["argument_spec"], **rules)
    values = dict(url=url, controller_id="bench", target_token=TOKEN, action_id="1", dest=dest, timeout=120)
    values.update(options)
    result = validator.validate(values)
    if result.error_messages:
        raise SystemExit("; ".join(result.error_messages))
    return result.validated_parameters


def artifact_url(url, name):
    return "%s/DEFAULT/controller/v1/bench/softwaremodules/100/artifacts/%s" % (url, name)


def timed(function):
    started = time.perf_counter()
    value = function()
    return time.perf_counter() - started, value


def curl(url, name, out):
    subprocess.run(["curl", "-sS", "--fail", "-o", out, "-H", "Authorization: TargetToken " + TOKEN, artifact_url(url, name)],
                   check=True)


def sha256sum(path):
    return subprocess.run(["sha256sum", path], check=True, capture_output=True, text=True).stdout.split()[0]


def drop_cache_hint(path):
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def cut_download(options):
    """Bytes the module kept after the server cut the transfer (and it was told not to resume)."""
    try:
        HawkbitArtifact(options).run()
    except TaskError as exc:
        return exc.details["bytes_kept"]
    raise SystemExit("the cut download did not fail")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mib", type=int, default=2048)
    parser.add_argument("--rounds", type=int, default=1, help="downloads per tool; the best is reported")
    parser.add_argument("--keep", action="store_true", help="keep the big files")
    args = parser.parse_args()
    size = args.size_mib * MIB
    base = os.path.join(ROOT, ".build", "bench", "hawkbit")
    os.makedirs(base, exist_ok=True)
    workdir = tempfile.mkdtemp(prefix="run-", dir=base)
    source = os.path.join(workdir, "artifact.bin")
    proc = None
    try:
        print("building a %d MiB artifact ..." % args.size_mib, flush=True)
        hashes = build_artifact(source, size)
        artifacts = [{"filename": "big.bin", "path": source, "hashes": hashes},
                     {"filename": "cut.bin", "path": source, "hashes": hashes, "cut_after": size // 2, "cuts": 1}]
        proc, url = start_simulator(workdir, artifacts)
        curl_out = os.path.join(workdir, "curl.bin")
        results = {"curl": [], "curl+sha256sum": [], "hawkbit_artifact": []}
        for _round in range(args.rounds):
            drop_cache_hint(curl_out)
            seconds = timed(lambda: curl(url, "big.bin", curl_out))[0]
            results["curl"].append(seconds)
            drop_cache_hint(curl_out)
            seconds, digest = timed(lambda: (curl(url, "big.bin", curl_out), sha256sum(curl_out))[1])
            if digest != hashes["sha256"]:
                raise SystemExit("curl downloaded a different file")
            results["curl+sha256sum"].append(seconds)
            drop_cache_hint(curl_out)
            dest = os.path.join(workdir, "module")
            shutil.rmtree(dest, ignore_errors=True)
            seconds, result = timed(lambda: HawkbitArtifact(params(url, dest, names=["big.bin"])).run())
            if not result["changed"] or result["artifacts"][0]["bytes_downloaded"] != size:
                raise SystemExit("hawkbit_artifact did not download the whole file: %s" % result["msg"])
            results["hawkbit_artifact"].append(seconds)
            shutil.rmtree(dest, ignore_errors=True)

        best = {tool: min(times) for tool, times in results.items()}
        rate = {tool: size / MIB / seconds for tool, seconds in best.items()}
        print("\n%d MiB artifact, best of %d, loopback, %d cores, load average %.1f (other jobs share the machine)"
              % (args.size_mib, args.rounds, os.cpu_count(), os.getloadavg()[0]))
        labels = {"curl": "curl -o", "curl+sha256sum": "curl -o, then sha256sum",
                  "hawkbit_artifact": "hawkbit_artifact (sha256 on the fly, fsync, rename)"}
        for tool, label in labels.items():
            print("  %-52s %7.2f s  %8.1f MiB/s" % (label, best[tool], rate[tool]))
        ratio = rate["hawkbit_artifact"] / rate["curl"]
        print("  throughput ratio hawkbit_artifact / curl:            %.2f (target >= 0.80) %s" % (ratio, "OK" if ratio >= 0.8 else "MISSED"))
        print("  throughput ratio hawkbit_artifact / curl+sha256sum:  %.2f" % (rate["hawkbit_artifact"] / rate["curl+sha256sum"]))

        dest = os.path.join(workdir, "resume")
        kept = cut_download(params(url, dest, names=["cut.bin"], resume_attempts=0))
        seconds, result = timed(lambda: HawkbitArtifact(params(url, dest, names=["cut.bin"])).run())
        item = result["artifacts"][0]
        again = item["bytes_downloaded"] / size
        print("\nresume after a cut at 50 %%: %d bytes kept (%.1f %%), the next run resumed from %s and transferred %d bytes"
              " = %.1f %% of the file in %.2f s (target <= 55 %%) %s"
              % (kept, 100.0 * kept / size, item["resumed_from"], item["bytes_downloaded"], 100 * again, seconds,
                 "OK" if again <= 0.55 else "MISSED"))
        return 0 if ratio >= 0.8 and again <= 0.55 else 1
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(10)
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
