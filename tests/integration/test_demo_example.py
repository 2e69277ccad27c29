"""examples/demo.py and examples/inventory (what `make demo` runs): a preview of site_a against the simulated fleet."""

import json
import os
import subprocess
import sys

from tests.conftest import ROOT, ansible_env


def test_the_demo_previews_site_a(tmp_path):
    done = subprocess.run([sys.executable, os.path.join(ROOT, "examples", "demo.py"), "--check",
                           "-e", "fleetops_report_dir=%s" % tmp_path], cwd=ROOT, env=ansible_env(),
                          capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    report = json.loads((tmp_path / "fleet-report-check.json").read_text())
    statuses = {entry["host"]: entry["status"] for entry in report["hosts"]}
    assert len(statuses) == 10 and set(statuses.values()) == {"would_upgrade", "unchanged"}
    assert {entry["device_class"] for entry in report["hosts"]} == {"encedo", "appresponse", "hawkbit", "magewell"}
    assert report["summary"]["upgraded"] == 0
