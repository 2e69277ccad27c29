"""mwcloud_info / mwcloud_upgrade through ansible-playbook against the simulator process."""

import json
import os

import pytest

from tests.integration.mwcloud_support import SimulatorProcess, playbook

PLAYBOOKS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "playbooks")
SITE_A = ["A302190930001", "A302190930002", "B302190930003"]


@pytest.fixture
def sim(tmp_path):
    process = SimulatorProcess(tmp_path)
    yield process
    process.stop()


def run_upgrade(sim, tmp_path, *args, serials=SITE_A, version="1.6.201", **extra):
    result_file = tmp_path / "result.json"
    extra_vars = dict(mwcloud_url=sim.url, serials=serials, version=version, result_file=str(result_file), **extra)
    proc = playbook(os.path.join(PLAYBOOKS, "mwcloud_upgrade.yml"), tmp_path, "-e", json.dumps(extra_vars), *args)
    result = json.loads(result_file.read_text()) if result_file.exists() else None
    return proc, result


def statuses(result):
    return {d["serial"]: d["status"] for d in result["devices"]}


def test_check_mode_then_upgrade_then_idempotent(sim, tmp_path):
    proc, result = run_upgrade(sim, tmp_path, "--check", "--diff")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert result["changed"] is True and set(statuses(result).values()) == {"would upgrade"}
    assert [b["serial_numbers"] for b in result["batches"]] == [["A302190930001", "A302190930002"], ["B302190930003"]]
    assert sim.mutating_requests() == []
    assert "-    \"A302190930001\": \"1.5.178\"" in proc.stdout or "1.5.178" in proc.stdout

    proc, result = run_upgrade(sim, tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert set(statuses(result).values()) == {"upgraded"}
    assert len(sim.mutating_requests()) == 2
    assert {sim.devices()[s]["firmware"] for s in SITE_A} == {"1.6.201"}

    sim.clear_log()
    proc, result = run_upgrade(sim, tmp_path)
    assert proc.returncode == 0
    assert result["changed"] is False and set(statuses(result).values()) == {"current"}
    assert sim.mutating_requests() == []
    assert "changed=0" in proc.stdout
    assert sim.sessions()["count"] == 0


def test_in_process_and_module_paths_agree(sim, tmp_path):
    proc = playbook(os.path.join(PLAYBOOKS, "mwcloud_info.yml"), tmp_path, "-e", json.dumps({"mwcloud_url": sim.url}))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "failed=0" in proc.stdout


def test_failures_are_clear_and_never_show_the_password(sim, tmp_path):
    secret = "s3cr3t-Pa55"
    proc, result = run_upgrade(sim, tmp_path, "-vvv", mwcloud_password=secret, expect_failure=True)
    assert result["failed"] is True
    assert result["msg"].startswith("login refused: wrong password for user 'Admin'")
    assert secret not in proc.stdout + proc.stderr

    proc, result = run_upgrade(sim, tmp_path, mwcloud_username="viewer", mwcloud_password="viewer-pw", expect_failure=True)
    assert "user 'viewer' is not an administrator" in result["msg"]

    proc, result = run_upgrade(sim, tmp_path, serials=["E120000000001"], version="1.6.201", expect_failure=True)
    assert "versions there: 2.3.43, 2.4.12" in result["msg"]
    assert [e["user"] for e in sim.mutating_requests()] == ["viewer"]  # the refused call; the catalogue miss sent none
    assert {d["upgrades_started"] for d in sim.devices().values()} == {0}


def test_device_that_never_returns_fails_with_its_last_state(sim, tmp_path):
    sim.patch_device("A302190930002", never_returns=True)
    proc, result = run_upgrade(sim, tmp_path, serials=SITE_A[:2], wait_timeout=2, expect_failure=True)
    assert proc.returncode == 0  # ignore_errors kept the play going
    assert statuses(result) == {"A302190930001": "upgraded", "A302190930002": "timeout"}
    assert result["changed"] is True and "failed for 1 of 2 device(s)" in result["msg"]
