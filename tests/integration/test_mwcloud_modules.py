"""mwcloud_info / mwcloud_upgrade through ansible-playbook against the simulator process."""

import json
import time
import os
import sys
import threading

import pytest

from tests.conftest import ROOT, run_playbook
from tests.integration.mwcloud_support import MwCloudProcess

RECORDER = os.path.join(ROOT, "tests", "support", "python-recorder")
SITE_A = ("A302190930001", "A302190930002", "B302190930003")
VOLATILE = {"invocation", "waited", "seconds", "durations"}

UPGRADE_PLAY = """
- hosts: localhost
  gather_facts: false
  module_defaults:
    group/fleetops.upgrade.mwcloud:
      url: "{{ mwcloud_url }}"
      username: "{{ mwcloud_username | default('Admin') }}"
      password: "{{ mwcloud_password | default('admin') }}"
  tasks:
    - name: upgrade
      fleetops.upgrade.mwcloud_upgrade:
        serial_numbers: "{{ serials }}"
        version: "{{ version }}"
        poll_interval: 0.1
        wait_timeout: "{{ wait_timeout | default(30) }}"
        wait: "{{ wait | default(true) }}"
      ignore_errors: true
"""

BOTH_PATHS_PLAY = """
- hosts: all
  gather_facts: false
  tasks:
    - name: info
      fleetops.upgrade.mwcloud_info:
        url: "{{ mwcloud_url }}"
        username: viewer
        password: viewer-pw
        product_id: 770
    - name: upgrade
      fleetops.upgrade.mwcloud_upgrade:
        url: "{{ mwcloud_url }}"
        username: Admin
        password: admin
        serial_numbers: "{{ serials }}"
        version: 1.6.201
        poll_interval: 0.1
    - name: refused
      fleetops.upgrade.mwcloud_upgrade:
        url: "{{ mwcloud_url }}"
        username: Admin
        password: admin
        serial_numbers: "{{ serials }}"
        version: 9.9.9
      ignore_errors: true
"""


@pytest.fixture
def cloud():
    process = MwCloudProcess()
    yield process
    process.stop()


def upgrade(cloud, tmp_path, serials=SITE_A, version="1.6.201", check=False, diff=False, env=None, **extra):
    extra_vars = dict(mwcloud_url=cloud.url, serials=list(serials), version=version, **extra)
    run = run_playbook(UPGRADE_PLAY, extra_vars=extra_vars, check=check, diff=diff, env=env, tmp_path=tmp_path)
    return run, run.result("upgrade")


def statuses(result):
    return {d["serial"]: d["status"] for d in result["devices"]}


def test_check_mode_then_upgrade_then_idempotent(cloud, tmp_path):
    run, result = upgrade(cloud, tmp_path, check=True, diff=True)
    assert run.rc == 0, run.stdout
    assert result["changed"] is True and set(statuses(result).values()) == {"would upgrade"}
    assert [b["serial_numbers"] for b in result["batches"]] == [list(SITE_A[:2]), list(SITE_A[2:])]
    assert result["diff"]["before"]["A302190930001"] == "1.5.178" and result["diff"]["after"]["A302190930001"] == "1.6.201"
    assert cloud.mutating_requests() == []

    run, result = upgrade(cloud, tmp_path)
    assert set(statuses(result).values()) == {"upgraded"}, result
    assert len(cloud.mutating_requests()) == 2
    assert {cloud.devices()[s]["firmware"] for s in SITE_A} == {"1.6.201"}

    cloud.clear_log()
    run, result = upgrade(cloud, tmp_path)
    assert result["changed"] is False and set(statuses(result).values()) == {"current"}
    assert run.stats["localhost"]["changed"] == 0
    assert cloud.mutating_requests() == []
    assert cloud.sessions()["count"] == 0


def normalise(result):
    return json.loads(json.dumps({k: v for k, v in result.items() if k not in VOLATILE}, sort_keys=True),
                      object_hook=lambda d: {k: v for k, v in d.items() if k not in VOLATILE})


def test_in_process_and_module_paths_give_the_same_results(tmp_path):
    clouds = {"inproc": MwCloudProcess(), "module": MwCloudProcess()}
    try:
        record = tmp_path / "module-runs"
        inventory = {"all": {"hosts": {
            "inproc": {"ansible_connection": "local", "mwcloud_url": clouds["inproc"].url},
            "module": {"ansible_connection": "local_as_remote", "ansible_python_interpreter": RECORDER,
                       "mwcloud_url": clouds["module"].url},
        }, "vars": {"serials": list(SITE_A)}}}
        run = run_playbook(BOTH_PATHS_PLAY, inventory, tmp_path=tmp_path,
                           env={"FLEETOPS_MODULE_RECORD": str(record), "FLEETOPS_PYTHON": sys.executable})
        assert run.rc == 0, run.stdout
        for task in ("info", "upgrade", "refused"):
            results = run.results(task)
            assert normalise(results["inproc"]) == normalise(results["module"]), task
        assert run.result("upgrade", "inproc")["changed"] is True
        assert "versions there: 1.5.178, 1.6.201" in run.result("refused", "module")["msg"]
        module_runs = record.read_text().splitlines()
        assert len(module_runs) == 3 and all("AnsiballZ_mwcloud_" in line for line in module_runs)
    finally:
        for process in clouds.values():
            process.stop()


def test_failures_are_clear_and_never_show_the_password(cloud, tmp_path):
    secret = "s3cr3t-Pa55"
    run, result = upgrade(cloud, tmp_path, mwcloud_password=secret, env={"ANSIBLE_VERBOSITY": "3"})
    assert result["failed"] is True
    assert result["msg"].startswith("login refused: wrong password for user 'Admin'")
    assert secret not in run.stdout + run.stderr

    run, result = upgrade(cloud, tmp_path, mwcloud_username="ghost")
    assert result["msg"].startswith("login refused: user 'ghost' does not exist")

    run, result = upgrade(cloud, tmp_path, mwcloud_username="viewer", mwcloud_password="viewer-pw")
    assert "user 'viewer' is not an administrator" in result["msg"]
    assert set(statuses(result).values()) == {"not started"}

    run, result = upgrade(cloud, tmp_path, serials=["E120000000001"], version="1.6.201")
    assert "versions there: 2.3.43, 2.4.12" in result["msg"]
    assert [e["user"] for e in cloud.mutating_requests()] == ["viewer"]  # the refused call; the catalogue miss sent none
    assert {d["upgrades_started"] for d in cloud.devices().values()} == {0}
    assert "Traceback" not in run.stdout


def test_device_that_never_returns_fails_with_its_last_state(cloud, tmp_path):
    cloud.patch_device("A302190930002", never_returns=True)
    run, result = upgrade(cloud, tmp_path, serials=SITE_A[:2], wait_timeout=2)
    assert statuses(result) == {"A302190930001": "upgraded", "A302190930002": "timeout"}
    assert result["failed"] is True and result["changed"] is True
    assert "failed for 1 of 2 device(s)" in result["msg"]
    assert "last state seen: offline" in result["devices"][1]["msg"]


def test_a_rerun_while_devices_flash_waits_for_them(cloud, tmp_path):
    """The devices stay offline flashing (never_returns) until the rerun has read them, then come back: the rerun
    starts nothing and waits for them. (Holding them offline for 2 s by the clock lost the race against a slow
    ansible-playbook start on a busy machine: the rerun found them back at the new version, 'current'.)"""
    cloud.settings(transfer_seconds=0.1, offline_seconds=0.2)
    for serial in SITE_A[:2]:
        cloud.patch_device(serial, never_returns=True)
    run, result = upgrade(cloud, tmp_path, serials=SITE_A[:2], wait=False)
    assert set(statuses(result).values()) == {"started"}, result
    deadline = time.monotonic() + 10
    while cloud.device(SITE_A[0])["phase"] != "flashing":
        assert time.monotonic() < deadline, "the device never went offline to flash"
        time.sleep(0.05)
    cloud.clear_log()
    rerun = {}
    thread = threading.Thread(target=lambda: rerun.update(zip(("run", "result"), upgrade(cloud, tmp_path, serials=SITE_A[:2]))))
    thread.start()
    try:
        deadline = time.monotonic() + 300
        while not [e for e in cloud.log() if e["path"].startswith("/sc_cloud/scapi/get-dev")]:
            assert thread.is_alive() and time.monotonic() < deadline, "the rerun never read the devices"
            time.sleep(0.05)
        assert {cloud.device(s)["phase"] for s in SITE_A[:2]} == {"flashing"}
    finally:
        for serial in SITE_A[:2]:
            cloud.patch_device(serial, never_returns=False)
        thread.join(600)
    run, result = rerun["run"], rerun["result"]
    assert run.rc == 0 and result.get("failed") is not True, result["msg"]
    assert set(statuses(result).values()) == {"upgraded"}
    assert cloud.mutating_requests() == []
    assert {cloud.device(s)["upgrades_started"] for s in SITE_A[:2]} == {1}


def test_a_server_that_is_not_the_cloud_api_is_named_as_such(cloud, tmp_path):
    cloud.settings(answers={"/sc_cloud/login": {"status": "ok", "user": "Admin"}})
    run, result = upgrade(cloud, tmp_path)
    assert result["failed"] is True
    assert result["msg"].startswith("the answer of POST /sc_cloud/login is not the Magewell Cloud API's JSON "
                                    "(no integer result code): is url the address of the Magewell Cloud?")
    assert "API status None" not in result["msg"] and cloud.mutating_requests() == []
