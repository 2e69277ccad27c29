"""hawkBit modules on every device Python the running ansible-core supports on targets (and that the
collection supports: 3.7+), as real modules (AnsiballZ) in bare virtual environments without requests.
Under ansible-core 2.16 (``make compat``) a Python 2.7 or 3.6 device gets one clear refusal instead."""

import os
import subprocess

import ansible.release
import pytest
import requests

from tests.conftest import SimProcess, find_python, run_playbook, unique

CORE = tuple(int(part) for part in ansible.release.__version__.split(".")[:2])
# Target Pythons of each ansible-core release (its support matrix), cut at this collection's floor (3.7).
TARGETS = {(2, 16): ["2.7", "3.6", "3.7", "3.8", "3.9", "3.10", "3.11", "3.12"],
           (2, 17): ["3.7", "3.8", "3.9", "3.10", "3.11", "3.12"],
           (2, 18): ["3.8", "3.9", "3.10", "3.11", "3.12", "3.13"],
           (2, 19): ["3.8", "3.9", "3.10", "3.11", "3.12", "3.13"]}.get(CORE, ["3.8", "3.11", "3.13"])
SUPPORTED = [v for v in TARGETS if tuple(map(int, v.split("."))) >= (3, 7)]
TOO_OLD = [v for v in TARGETS if tuple(map(int, v.split("."))) < (3, 7)]
DATA = bytes(range(256)) * 1024


def interpreter(version):
    """A python<version> installed by pyenv or on PATH (pyenv's shims do not count), or None."""
    return find_python(version)


def bare_python(version, directory):
    """A venv without pip (so without requests) of that Python; Python 2.7 has no venv: use it as it is."""
    base = interpreter(version)
    if base is None or version == "2.7":
        return base
    venv = os.path.join(directory, "py%s" % version)
    subprocess.run([base, "-m", "venv", "--without-pip", venv], check=True)
    return os.path.join(venv, "bin", "python")


@pytest.fixture(scope="module")
def sim():
    process = SimProcess("hawkbit")
    yield process
    process.stop()


def test_enough_interpreters_are_installed_to_mean_something():
    found = [v for v in SUPPORTED if interpreter(v)]
    if SUPPORTED[0] not in found or SUPPORTED[-1] not in found:
        pytest.skip("no device Pythons besides the controller's (pyenv install 3.7 3.13 to check the matrix)")
    assert SUPPORTED[0] in found and SUPPORTED[-1] in found, "install Python %s and %s (e.g. with pyenv)" % (SUPPORTED[0], SUPPORTED[-1])


def test_download_and_poll_on_every_supported_device_python(sim, tmp_path):
    hosts = {}
    for version in SUPPORTED:
        python = bare_python(version, str(tmp_path))
        if python is None:
            continue
        name = unique("py" + version.replace(".", ""))
        sim.add_device(name, token="tok-" + name)
        requests.post("%s/_sim/devices/%s/deployments" % (sim.url, name), timeout=10,
                      json={"chunks": [{"part": "os", "version": "2", "artifacts": [{"filename": "fw.bin", "content": list(DATA)}]}]}
                      ).raise_for_status()
        hosts[version] = {"ansible_connection": "local_as_remote", "ansible_python_interpreter": python,
                          "controller_id": name, "dest": str(tmp_path / ("dl" + version))}
    playbook = """
- hosts: all
  gather_facts: false
  module_defaults:
    group/fleetops.upgrade.hawkbit:
      url: %s
      controller_id: "{{ controller_id }}"
      target_token: "tok-{{ controller_id }}"
  tasks:
    - name: poll
      fleetops.upgrade.hawkbit_poll:
      register: ddi
    - name: fetch
      fleetops.upgrade.hawkbit_artifact:
        action_id: "{{ ddi.action.id }}"
        dest: "{{ dest }}"
""" % sim.url
    run = run_playbook(playbook, {"all": {"hosts": hosts}}, tmp_path=tmp_path)
    assert run.rc == 0, {h: run.result("fetch", h).get("msg") for h in hosts}
    for version, hostvars in hosts.items():
        fetched = run.result("fetch", version)
        assert fetched["preflight"]["python"].startswith(version + ".") and fetched["changed"], (version, fetched)
        assert fetched["preflight"]["python_executable"] == hostvars["ansible_python_interpreter"]
        assert open(os.path.join(hostvars["dest"], "os", "fw.bin"), "rb").read() == DATA


@pytest.mark.skipif(not TOO_OLD, reason="ansible-core %d.%d runs no module on Python < 3.7 targets" % CORE)
def test_too_old_device_python_gets_one_clear_refusal(sim, tmp_path):
    hosts = {}
    for version in TOO_OLD:
        python = bare_python(version, str(tmp_path))
        if python is None:
            pytest.skip("Python %s is needed for this test under ansible-core %d.%d (pyenv install %s)"
                        % ((version,) + CORE + (version,)))
        hosts[version] = {"ansible_connection": "local_as_remote", "ansible_python_interpreter": python}
    playbook = """
- hosts: all
  gather_facts: false
  tasks:
    - name: fetch
      fleetops.upgrade.hawkbit_artifact:
        url: %s
        controller_id: nobody
        target_token: very-secret-token
        action_id: "1"
        dest: %s
      ignore_errors: true
""" % (sim.url, tmp_path / "dl")
    sim.clear_log()
    run = run_playbook(playbook, {"all": {"hosts": hosts}}, tmp_path=tmp_path)
    for version in hosts:
        result = run.result("fetch", version)
        assert result["failed"] and "needs Python 3.7 or later" in result["msg"] and "is Python %s." % version in result["msg"], result
    assert "very-secret-token" not in run.stdout and sim.log() == []
