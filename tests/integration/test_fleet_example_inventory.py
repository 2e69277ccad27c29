"""examples/mixed-fleet: the documented inventory of a mixed fleet parses as documented (cloud = the simulator)."""

import json
import os
import shutil
import subprocess
import sys

from tests.conftest import ROOT, ansible_env
from tests.integration.mwcloud_support import MwCloudProcess


def plain(value):
    """A value as ansible-inventory --list shows it, without its {"__ansible_unsafe": ...} wrapper."""
    return value["__ansible_unsafe"] if isinstance(value, dict) and set(value) == {"__ansible_unsafe"} else value


def test_mixed_fleet_inventory(tmp_path):
    cloud = MwCloudProcess()
    try:
        source = tmp_path / "inventory"
        shutil.copytree(os.path.join(ROOT, "examples", "mixed-fleet", "inventory"), str(source))
        plugin = source / "20-magewell.mwcloud.yml"
        plugin.write_text(plugin.read_text().replace("https://mwcloud.example.net", cloud.url))
        completed = subprocess.run([os.path.join(os.path.dirname(sys.executable), "ansible-inventory"), "-i", str(source),
                                    "--list"], env=ansible_env(MWCLOUD_PASSWORD="viewer-pw"),
                                   capture_output=True, text=True, timeout=120, check=True)
    finally:
        cloud.stop()
    inventory = json.loads(completed.stdout)
    hostvars = {host: {k: plain(v) for k, v in values.items()} for host, values in inventory["_meta"]["hostvars"].items()}
    for host in ("hem-a1", "hem-b1", "ar-a1"):
        assert hostvars[host]["ansible_connection"] == "local"
    assert set(inventory["hawkbit"]["hosts"]) == {"gw-a1", "gw-a2", "gw-b1"}
    assert hostvars["gw-a1"]["ansible_connection"] == "ssh"
    assert set(inventory["site_a"]["hosts"]) >= {"hem-a1", "ar-a1", "gw-a1", "gw-a2"}
    magewell = [h for h, v in hostvars.items() if v.get("fleetops_device_class") == "magewell"]
    assert "site-a-enc1" in magewell and hostvars["site-a-enc1"]["ansible_connection"] == "local"
    assert hostvars["site-a-enc1"]["magewell_username"] == "Admin"  # group_vars of the plugin's group
    assert {"site-a-enc1", "site-a-enc2"} <= set(inventory["site_a"]["hosts"])  # by their names in the cloud
    assert "site-b-enc1" in inventory["site_b"]["hosts"]
    assert all(v.get("fleetops_device_class") in ("encedo", "appresponse", "hawkbit", "magewell") for v in hostvars.values())
