"""`ansible-galaxy collection build` gives a tarball that installs and works."""

import os
import subprocess
import sys
import tarfile

from tests.conftest import ROOT, ansible_env, unique

BIN = os.path.dirname(sys.executable)


def test_built_tarball_installs_and_runs(encedo_process, tmp_path):
    subprocess.run([os.path.join(BIN, "ansible-galaxy"), "collection", "build", ROOT, "--output-path", str(tmp_path)],
                   check=True, capture_output=True, env=ansible_env())
    tarball = [f for f in os.listdir(tmp_path) if f.endswith(".tar.gz")][0]
    with tarfile.open(tmp_path / tarball) as archive:
        names = archive.getnames()
    assert "plugins/modules/encedo_upgrade.py" in names and "roles/encedo/meta/argument_specs.yml" in names
    assert not any(n.startswith((".venv", ".build", "tests/output", ".git/")) for n in names)

    installed = tmp_path / "installed"
    env = ansible_env(ANSIBLE_COLLECTIONS_PATH=str(installed), ANSIBLE_STDOUT_CALLBACK="ansible.builtin.minimal")
    subprocess.run([os.path.join(BIN, "ansible-galaxy"), "collection", "install", str(tmp_path / tarball), "-p", str(installed)],
                   check=True, capture_output=True, env=env)
    assert (installed / "ansible_collections" / "fleetops" / "upgrade" / "MANIFEST.json").exists()
    name = unique("built")
    url = encedo_process.add_device(name, firmware="1.2.7")
    done = subprocess.run([os.path.join(BIN, "ansible"), "localhost", "-c", "local", "-m", "fleetops.upgrade.encedo_info",
                           "-a", "url=%s" % url], capture_output=True, text=True, env=env, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert '"firmware_version": "1.2.7"' in done.stdout
    doc = subprocess.run([os.path.join(BIN, "ansible-doc"), "fleetops.upgrade.encedo_upgrade"], capture_output=True,
                         text=True, env=env, check=True)
    assert "installed/ansible_collections/fleetops/upgrade" in doc.stdout and "previous_version" in doc.stdout
