"""encedo_info / encedo_upgrade through ansible-playbook against the simulator process."""

import json
import os
import sys

import pytest

from tests.conftest import ROOT, run_playbook, unique

RECORDER = os.path.join(ROOT, "tests", "support", "python-recorder")
MUTATING_PATHS = ("upload_", "check_", "install_", "/api/auth/token")
VOLATILE = {"durations", "uptime", "fws", "invocation", "temperature"}

UPGRADE_PLAY = """
- hosts: all
  gather_facts: false
  tasks:
    - name: info
      fleetops.upgrade.encedo_info:
        url: "{{ device_url }}"
    - name: upgrade
      fleetops.upgrade.encedo_upgrade:
        url: "{{ device_url }}"
        passphrase: "{{ device_passphrase | default(omit) }}"
        src: "{{ image }}"
        version: "1.3.0"
        wait_timeout: 30
    - name: again
      fleetops.upgrade.encedo_upgrade:
        url: "{{ device_url }}"
        passphrase: "{{ device_passphrase | default(omit) }}"
        src: "{{ image }}"
        version: "1.3.0"
    - name: refused
      fleetops.upgrade.encedo_upgrade:
        url: "{{ device_url }}"
        src: "{{ image }}.missing"
        version: "1.4.0"
      ignore_errors: true
"""


def mutating(log):
    return [e for e in log if e["method"] == "POST" or any(p in e["path"] for p in MUTATING_PATHS)]


def normalise(result, device):
    text = json.dumps({k: v for k, v in result.items() if k not in VOLATILE}, sort_keys=True)
    return json.loads(text.replace(device, "DEVICE"))


@pytest.fixture()
def firmware_image(images):
    return images("firmware", "1.3.0", name="firmware.bin")[0]


def test_in_process_and_module_paths_give_the_same_results(encedo_process, firmware_image, tmp_path):
    devices = {}
    for host in ("inproc", "module"):
        name = unique(host)
        devices[host] = name
        encedo_process.add_device(name, firmware="1.2.2", passphrase="pw", auth_delay=0.05, reboot_seconds=0.5,
                                  validation_seconds=0.05)
    record = tmp_path / "module-runs"
    inventory = {"all": {"hosts": {
        "inproc": {"ansible_connection": "local", "device_url": "%s/%s" % (encedo_process.url, devices["inproc"])},
        "module": {"ansible_connection": "local_as_remote", "ansible_python_interpreter": RECORDER,
                   "device_url": "%s/%s" % (encedo_process.url, devices["module"])},
    }, "vars": {"image": firmware_image, "device_passphrase": "pw"}}}
    run = run_playbook(UPGRADE_PLAY, inventory, tmp_path=tmp_path,
                       env={"FLEETOPS_MODULE_RECORD": str(record), "FLEETOPS_PYTHON": sys.executable})
    assert run.rc == 0, run.stdout
    for task in ("info", "upgrade", "again", "refused"):
        results = run.results(task)
        assert normalise(results["inproc"], devices["inproc"]) == normalise(results["module"], devices["module"]), task
    assert run.result("upgrade", "inproc")["changed"] is True
    assert run.result("again", "inproc")["changed"] is False
    assert "does not exist" in run.result("refused", "module")["msg"]
    module_runs = record.read_text().splitlines()
    assert len(module_runs) == 4 and all("AnsiballZ_encedo_" in line for line in module_runs)


def test_passphrase_and_tokens_stay_out_of_the_output(encedo_process, firmware_image, tmp_path):
    name = unique("secret")
    encedo_process.add_device(name, passphrase="hunter2-passphrase", auth_delay=0.05, reboot_seconds=0.3)
    play = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: wrong passphrase
      fleetops.upgrade.encedo_upgrade:
        url: "%s/%s"
        passphrase: "hunter2-wrong"
        src: "%s"
        version: "1.3.0"
      ignore_errors: true
    - name: right passphrase
      fleetops.upgrade.encedo_upgrade:
        url: "%s/%s"
        passphrase: "hunter2-passphrase"
        src: "%s"
        version: "1.3.0"
""" % (encedo_process.url, name, firmware_image, encedo_process.url, name, firmware_image)
    run = run_playbook(play, tmp_path=tmp_path, env={"ANSIBLE_VERBOSITY": "3"})
    assert run.rc == 0
    assert "passphrase was refused" in run.result("wrong passphrase")["msg"]
    output = run.stdout + run.stderr
    assert "hunter2" not in output and "Bearer" not in output


def test_check_mode_sends_no_mutating_request(encedo_process, firmware_image, tmp_path):
    name = unique("check")
    encedo_process.add_device(name, firmware="1.2.2")
    play = UPGRADE_PLAY.split("    - name: again", maxsplit=1)[0]
    run = run_playbook(play, {"all": {"hosts": {"h": {"ansible_connection": "local"}},
                                      "vars": {"device_url": "%s/%s" % (encedo_process.url, name), "image": firmware_image}}},
                       check=True, diff=True, tmp_path=tmp_path)
    assert run.rc == 0
    result = run.result("upgrade", "h")
    assert result["changed"] is True and "would upgrade firmware from 1.2.2 to 1.3.0" in result["msg"]
    assert result["diff"] == {"before": {"firmware": "1.2.2"}, "after": {"firmware": "1.3.0"}}
    assert mutating(encedo_process.log(device=name)) == []
    assert encedo_process.device(name)["firmware"] == "1.2.2"


def test_second_run_is_idempotent_with_no_mutating_request(encedo_process, firmware_image, tmp_path):
    name = unique("idem")
    encedo_process.add_device(name, firmware="1.2.2", reboot_seconds=0.3, validation_seconds=0.05)
    play = UPGRADE_PLAY.split("    - name: again", maxsplit=1)[0]
    inventory = {"all": {"hosts": {"h": {"ansible_connection": "local"}},
                         "vars": {"device_url": "%s/%s" % (encedo_process.url, name), "image": firmware_image}}}
    first = run_playbook(play, inventory, tmp_path=tmp_path)
    assert first.result("upgrade", "h")["changed"] is True
    encedo_process.clear_log()
    second = run_playbook(play, inventory, tmp_path=tmp_path)
    assert second.result("upgrade", "h")["changed"] is False
    assert second.stats["h"]["changed"] == 0
    assert mutating(encedo_process.log(device=name)) == []


@pytest.mark.parametrize("device, args, message", [
    ({"model": "EPA"}, {}, "not supported on EPA"),
    ({"fls_state": 3}, {}, "latched fault (fls_state=3)"),
    ({"check_fails": True, "validation_seconds": 0}, {}, "check failed, HTTP 406); device state: not installed; the device keeps firmware 1.2.2"),
    ({}, {"src": "/nonexistent/firmware.bin"}, "image file /nonexistent/firmware.bin does not exist"),
    ({}, {"component": "ui", "uis": "x"}, "does not look like a ui image"),
    ({}, {"version": None}, "missing: version"),
    ({}, {"url": "not-a-url"}, "invalid URL"),
    ({}, {"url": "http://127.0.0.1:9"}, "device unreachable: connection refused"),
])
def test_refusals_fail_with_a_clear_message(encedo_process, firmware_image, tmp_path, device, args, message):
    name = unique("refuse")
    encedo_process.add_device(name, **device)
    task = {"url": "%s/%s" % (encedo_process.url, name), "src": firmware_image, "version": "1.3.0"}
    task.update(args)
    task = {k: v for k, v in task.items() if v is not None}
    play = "- hosts: localhost\n  gather_facts: false\n  tasks:\n    - name: upgrade\n      fleetops.upgrade.encedo_upgrade: %s\n" % json.dumps(task)
    run = run_playbook(play, tmp_path=tmp_path)
    result = run.result("upgrade")
    assert run.rc == 2 and result["failed"] is True
    assert message in result["msg"]
    assert "Traceback" not in json.dumps(result) and "module_stderr" not in result


def test_refused_token_costs_no_upload_through_the_playbook(encedo_process, firmware_image, tmp_path):
    name = unique("token")
    encedo_process.add_device(name, passphrase="pw")
    task = {"url": "%s/%s" % (encedo_process.url, name), "src": firmware_image, "version": "1.3.0", "token": "expired-token"}
    play = "- hosts: localhost\n  gather_facts: false\n  tasks:\n    - name: upgrade\n      fleetops.upgrade.encedo_upgrade: %s\n" % json.dumps(task)
    run = run_playbook(play, tmp_path=tmp_path)
    result = run.result("upgrade")
    assert result["failed"] is True and result["bytes_sent"] == 0
    assert "refused before the image was sent" in result["device_state"]
    uploads = encedo_process.log(device=name, methods=("POST",))
    assert [(e["status"], e["body_bytes"]) for e in uploads] == [(401, 0)]
    assert "expired-token" not in run.stdout


@pytest.mark.parametrize("component, filename, size, message", [
    ("firmware", "big.bin", 3 * 1024 * 1024 + 1, "a firmware image may be at most 3145728 bytes (3 MiB)"),
    ("ui", "big.tar", 16 * 1024 * 1024 + 1, "a ui image may be at most 16777216 bytes (16 MiB)"),
    ("firmware", "directory.bin", None, "is not a file"),
])
def test_image_refusals_send_nothing(encedo_process, tmp_path, component, filename, size, message):
    name = unique("image")
    encedo_process.add_device(name)
    path = tmp_path / filename
    if size is None:
        path.mkdir()
    else:
        with open(path, "wb") as handle:
            handle.truncate(size)
    task = {"url": "%s/%s" % (encedo_process.url, name), "src": str(path), "component": component,
            "version": "1.3.0", "uis": "x"}
    play = "- hosts: localhost\n  gather_facts: false\n  tasks:\n    - name: upgrade\n      fleetops.upgrade.encedo_upgrade: %s\n" % json.dumps(task)
    result = run_playbook(play, tmp_path=tmp_path).result("upgrade")
    assert result["failed"] is True and message in result["msg"]
    assert encedo_process.log(device=name) == []


def one_task_play(task, **extra):
    body = json.dumps(dict(task, **extra))
    return "- hosts: localhost\n  gather_facts: false\n  tasks:\n    - name: upgrade\n      fleetops.upgrade.encedo_upgrade: %s\n" % body


def test_config_scope_and_a_device_that_refuses_the_old_boot_token(encedo_process, firmware_image, tmp_path):
    name = unique("scope")
    encedo_process.add_device(name, passphrase="pw", auth_delay=0.05, reboot_seconds=0.5, validation_seconds=0.05)
    task = {"url": "%s/%s" % (encedo_process.url, name), "src": firmware_image, "version": "1.3.0",
            "passphrase": "pw", "scope": "system:config", "wait_timeout": 15}
    run = run_playbook(one_task_play(task), tmp_path=tmp_path)
    result = run.result("upgrade")
    assert run.rc == 0, result["msg"]
    assert result["version"] == "1.3.0" and result["device_state"] == "running 1.3.0"
    assert encedo_process.device(name)["issued_scopes"] == ["system:config", "system:config"]
    log = encedo_process.log(device=name)
    install = max(i for i, e in enumerate(log) if e["path"].endswith("/install_fw"))
    assert not any(e["authorization"] for e in log[install + 1:])


def test_an_image_without_the_asked_version_reports_the_change_and_fails(encedo_process, images, tmp_path):
    name = unique("mismatch")
    encedo_process.add_device(name, reboot_seconds=0.3, validation_seconds=0.05)
    src = images("firmware", "1.3.1", name="firmware.bin")[0]
    task = {"url": "%s/%s" % (encedo_process.url, name), "src": src, "version": "1.3.0", "wait_timeout": 15}
    run = run_playbook(one_task_play(task), tmp_path=tmp_path)
    result = run.result("upgrade")
    assert run.rc == 2 and result["failed"] is True and result["changed"] is True
    assert result["previous_version"] == "1.2.2" and result["version"] == "1.3.1"
    assert "the device now runs firmware 1.3.1, not the asked version 1.3.0" in result["msg"]
    assert result["msg"].endswith("device state: running firmware 1.3.1")
