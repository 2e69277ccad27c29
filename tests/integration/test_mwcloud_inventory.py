"""The fleetops.upgrade.mwcloud inventory plugin through ansible-inventory against the simulator process."""

import json
import os
import subprocess
import sys

import pytest

from tests.conftest import ansible_env
from tests.integration.mwcloud_support import MwCloudProcess

BIN = os.path.dirname(sys.executable)

ALL_SERIALS = ["A302190930001", "A302190930002", "B302190930003", "E120000000001", "S133000000001"]


@pytest.fixture(scope="module")
def sim():
    process = MwCloudProcess()
    yield process
    process.stop()


def run(command, cwd, env=None):
    return subprocess.run(command, cwd=str(cwd), env=env or ansible_env(), capture_output=True, text=True, timeout=120, check=False)


def inventory(sim, tmp_path, config, *args, env=None, name="cloud.mwcloud.yml"):
    source = tmp_path / name
    source.write_text("plugin: fleetops.upgrade.mwcloud\nurl: %s\nusername: viewer\n%s" % (sim.url, config))
    return run([os.path.join(BIN, "ansible-inventory"), "-i", str(source), "--list"] + list(args), tmp_path,
               env=env or ansible_env(MWCLOUD_PASSWORD="viewer-pw"))


def plain(value):
    """ansible-inventory marks strings from plugins unsafe ({"__ansible_unsafe": ...}); the tests compare values."""
    if isinstance(value, dict):
        if set(value) == {"__ansible_unsafe"}:
            return value["__ansible_unsafe"]
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def listing(proc):
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return plain(json.loads(proc.stdout))


def hosts_of(data, group):
    return sorted(data.get(group, {}).get("hosts", []))


def test_devices_become_hosts_with_vars_and_groups(sim, tmp_path):
    data = listing(inventory(sim, tmp_path, ""))
    hostvars = data["_meta"]["hostvars"]
    assert sorted(hostvars) == ALL_SERIALS
    a1 = hostvars["A302190930001"]
    assert a1["mwcloud_serial"] == "A302190930001" and a1["mwcloud_product"] == "Pro Convert HDMI 4K Plus"
    assert a1["mwcloud_firmware_version"] == "1.5.178" and a1["mwcloud_online"] is True and a1["mwcloud_url"] == sim.url
    assert hostvars["E120000000001"]["mwcloud_firmware_version"] == "2.3.43"
    assert hosts_of(data, "mwcloud_devices") == ALL_SERIALS
    assert hosts_of(data, "mwcloud_family_1") == ALL_SERIALS[:3]
    assert hosts_of(data, "mwcloud_product_1201") == ["E120000000001"]
    assert hosts_of(data, "mwcloud_hardware_B") == ["B302190930003"]
    assert hosts_of(data, "mwcloud_firmware_1_5_178") == ALL_SERIALS[:3]
    assert hosts_of(data, "mwcloud_offline") == ["S133000000001"]
    assert len(hosts_of(data, "mwcloud_online")) == 4
    assert sim.sessions()["count"] == 0  # logged out


def test_hostname_filters_compose_and_keyed_groups(sim, tmp_path):
    config = """hostname: mwcloud_name
filters:
  - mwcloud_online
  - mwcloud_family == 1
compose:
  ansible_connection: "'local'"
  site: mwcloud_name.split('-')[1]
groups:
  old_firmware: mwcloud_firmware_version is version('1.6.0', '<')
keyed_groups:
  - key: site
    prefix: site
group_prefix: mw_
"""
    data = listing(inventory(sim, tmp_path, config))
    hostvars = data["_meta"]["hostvars"]
    assert sorted(hostvars) == ["site-a-enc1", "site-a-enc2", "site-b-enc1"]
    assert hostvars["site-b-enc1"]["site"] == "b" and hostvars["site-b-enc1"]["ansible_connection"] == "local"
    assert hosts_of(data, "site_a") == ["site-a-enc1", "site-a-enc2"]
    assert hosts_of(data, "old_firmware") == ["site-a-enc1", "site-a-enc2", "site-b-enc1"]
    assert hosts_of(data, "mw_hardware_A") == ["site-a-enc1", "site-a-enc2"]
    assert "mwcloud_devices" not in data


def test_password_from_vault(sim, tmp_path):
    vault_file = tmp_path / "vault-pass"
    vault_file.write_text("vault-secret\n")
    encrypted = run([os.path.join(BIN, "ansible-vault"), "encrypt_string", "--vault-password-file", str(vault_file),
                     "viewer-pw", "--name", "password"], tmp_path)
    assert encrypted.returncode == 0, encrypted.stderr
    env = ansible_env()
    env.pop("MWCLOUD_PASSWORD", None)
    data = listing(inventory(sim, tmp_path, encrypted.stdout, "--vault-password-file", str(vault_file), env=env))
    assert sorted(data["_meta"]["hostvars"]) == ALL_SERIALS


def test_wrong_password_fails_clearly_without_the_password(sim, tmp_path):
    proc = inventory(sim, tmp_path, "password: n0t-the-pw\nstrict: true\n", env=ansible_env())
    output = " ".join((proc.stdout + proc.stderr).split())  # warnings are wrapped
    assert "Magewell Cloud inventory: login refused: wrong password for user 'viewer'" in output
    assert "n0t-the-pw" not in output


def test_inventory_cache_spares_the_cloud(sim, tmp_path):
    config = "cache: true\ncache_plugin: ansible.builtin.jsonfile\ncache_connection: %s\ncache_timeout: 600\n" % (tmp_path / "cache")
    sim.clear_log()
    first = listing(inventory(sim, tmp_path, config))
    assert sim.logins() == 1
    second = listing(inventory(sim, tmp_path, config))
    assert sim.logins() == 1
    assert first["_meta"]["hostvars"] == second["_meta"]["hostvars"]
    # ansible-inventory has --flush-cache only from ansible-core 2.17; ansible-playbook has it in every release
    playbook = tmp_path / "noop.yml"
    playbook.write_text("- hosts: localhost\n  gather_facts: false\n  tasks: []\n")
    flushed = run([os.path.join(BIN, "ansible-playbook"), "-i", str(tmp_path / "cloud.mwcloud.yml"), "--flush-cache", str(playbook)],
                  tmp_path, env=ansible_env(MWCLOUD_PASSWORD="viewer-pw"))
    assert flushed.returncode == 0, flushed.stdout + flushed.stderr
    assert sim.logins() == 2
