"""hawkbit_* modules through ansible-playbook against the simulator process: idempotence, check mode, both paths."""

import os

import pytest
import requests

from tests.conftest import SimProcess, run_playbook, unique

MUTATING = ("POST", "PUT", "DELETE", "PATCH")
DATA = bytes(range(256)) * 2048  # 512 KiB


@pytest.fixture(scope="module")
def sim():
    process = SimProcess("hawkbit")
    yield process
    process.stop()


def new_target(sim, **config):
    name = unique("ddi")
    config.setdefault("token", "tok-" + name)
    sim.add_device(name, **config)
    return name


def deploy(sim, name, **config):
    answer = requests.post("%s/_sim/devices/%s/deployments" % (sim.url, name), json=config, timeout=10)
    answer.raise_for_status()
    return answer.json()


def play(sim, name, tasks, connection="local"):
    return """
- hosts: all
  gather_facts: false
  module_defaults:
    group/fleetops.upgrade.hawkbit:
      url: %s
      controller_id: %s
      target_token: tok-%s
      backoff: 0.05
  tasks:
%s
""" % (sim.url, name, name, tasks)


def inventory(connection="local"):
    return {"all": {"hosts": {"device": {"ansible_connection": connection}}}}


def test_poll_feedback_cycle_with_410_idempotence_and_check_mode(sim, tmp_path):
    name = new_target(sim)
    action = deploy(sim, name)
    tasks = """
    - name: poll
      fleetops.upgrade.hawkbit_poll:
      register: ddi
    - name: close
      fleetops.upgrade.hawkbit_feedback:
        action_id: "{{ ddi.action.id if ddi.action.type == 'deployment' else '%s' }}"
        execution: closed
        finished: success
        details: ["installed"]
""" % action["id"]
    sim.clear_log()
    checked = run_playbook(play(sim, name, tasks), inventory(), check=True, tmp_path=tmp_path)
    assert checked.rc == 0, checked.stdout
    assert checked.result("close", "device")["changed"] is True
    assert sim.log(name, MUTATING) == []
    first = run_playbook(play(sim, name, tasks), inventory(), tmp_path=tmp_path)
    assert first.result("poll", "device")["action"]["type"] == "deployment"
    assert first.result("close", "device")["changed"] is True
    assert sim.device(name)["actions"][str(action["id"])]["status"] == "FINISHED"
    second = run_playbook(play(sim, name, tasks), inventory(), tmp_path=tmp_path)
    result = second.result("close", "device")
    assert second.rc == 0 and result["changed"] is False and "already closed" in result["msg"]
    assert "tok-" + name not in second.stdout  # the token is no_log


def test_confirmation_and_config_data_are_idempotent(sim, tmp_path):
    name = new_target(sim)
    action = deploy(sim, name, confirmation_required=True)
    tasks = """
    - name: confirm
      fleetops.upgrade.hawkbit_confirmation:
        action_id: "%s"
        confirmation: confirmed
    - name: auto
      fleetops.upgrade.hawkbit_confirmation:
        auto_confirm: true
    - name: attributes
      fleetops.upgrade.hawkbit_config_data:
        data: {hwRevision: 2, mac: "00:11:22:33:44:55"}
""" % action["id"]
    sim.clear_log()
    checked = run_playbook(play(sim, name, tasks), inventory(), check=True, diff=True, tmp_path=tmp_path)
    assert checked.rc == 0 and sim.log(name, MUTATING) == []
    assert all(checked.result(task, "device")["changed"] for task in ("confirm", "auto", "attributes"))
    first = run_playbook(play(sim, name, tasks), inventory(), tmp_path=tmp_path)
    assert first.rc == 0 and len(sim.log(name, MUTATING)) == 3
    state = sim.device(name)
    assert state["auto_confirm"] and state["attributes"] == {"hwRevision": "2", "mac": "00:11:22:33:44:55"}
    sim.clear_log()
    second = run_playbook(play(sim, name, tasks), inventory(), tmp_path=tmp_path)
    assert second.rc == 0 and sim.log(name, MUTATING) == []
    assert not any(second.result(task, "device")["changed"] for task in ("confirm", "auto", "attributes"))


@pytest.mark.parametrize("connection", ["local", "local_as_remote"])
def test_artifact_in_process_and_module_path_resume_and_idempotence(sim, tmp_path, connection):
    name = new_target(sim)
    deploy(sim, name, chunks=[{"part": "os", "version": "2.0",
                               "artifacts": [{"filename": "fw.bin", "content": list(DATA), "cut_after": len(DATA) // 2}]}])
    dest = tmp_path / "dl"
    tasks = """
    - name: poll
      fleetops.upgrade.hawkbit_poll:
      register: ddi
      delegate_to: localhost
    - name: fetch
      fleetops.upgrade.hawkbit_artifact:
        chunks: "{{ ddi.deployment.chunks }}"
        dest: %s
""" % dest
    first = run_playbook(play(sim, name, tasks), inventory(connection), tmp_path=tmp_path)
    assert first.rc == 0, first.stdout
    fetched = first.result("fetch", "device")
    assert fetched["changed"] and fetched["artifacts"][0]["resumed_from"] == len(DATA) // 2
    assert (dest / "os" / "fw.bin").read_bytes() == DATA
    sim.clear_log()
    second = run_playbook(play(sim, name, tasks), inventory(connection), tmp_path=tmp_path)
    assert second.result("fetch", "device")["changed"] is False
    assert [e for e in sim.log(name) if "/artifacts/" in e["path"]] == []
    same_keys = {"changed", "artifacts", "bytes_downloaded", "paths", "msg"}
    assert same_keys <= set(second.result("fetch", "device"))


def test_artifact_refuses_path_traversal(sim, tmp_path):
    name = new_target(sim)
    deploy(sim, name, chunks=[{"part": "os", "artifacts": [{"filename": "..", "content": "x"}]}])
    tasks = """
    - name: poll
      fleetops.upgrade.hawkbit_poll:
      register: ddi
    - name: fetch
      fleetops.upgrade.hawkbit_artifact:
        chunks: "{{ ddi.deployment.chunks }}"
        dest: %s
""" % (tmp_path / "dl")
    result = run_playbook(play(sim, name, tasks), inventory("local_as_remote"), tmp_path=tmp_path)
    fetch = result.result("fetch", "device")
    assert fetch["failed"] and "refused" in fetch["msg"] and "Traceback" not in result.stdout
    assert not os.path.exists(tmp_path / "dl" / "os")


def test_both_paths_give_the_same_poll_result(sim, tmp_path):
    name = new_target(sim)
    deploy(sim, name, chunks=[{"part": "os", "version": "2.0", "artifacts": [{"filename": "fw.bin", "content": "abc"}]}])
    tasks = """
    - name: poll
      fleetops.upgrade.hawkbit_poll:
        action_history: 3
"""
    results, histories = [], []
    for connection in ("local", "local_as_remote"):
        run = run_playbook(play(sim, name, tasks), inventory(connection), tmp_path=tmp_path)
        result = run.result("poll", "device")
        histories.append(result["deployment"].pop("action_history"))
        results.append({k: v for k, v in result.items() if k not in ("invocation", "_ansible_no_log", "etag", "durations")})
    assert results[0] == results[1]
    # like a real hawkBit, the server recorded the first read of deploymentBase: the second read's history shows it
    assert not any("retrieved" in m for m in histories[0]["messages"])
    assert "retrieved" in histories[1]["messages"][0]
    assert results[0]["deployment"]["chunks"][0]["artifacts"][0]["filename"] == "fw.bin"


def test_both_paths_give_the_same_failures(sim, tmp_path):
    """Refusals and device-side failures: same message, step and details in-process and as a real module."""
    name = new_target(sim)
    deploy(sim, name, chunks=[{"part": "os", "version": "2.0", "artifacts": [{"filename": "fw.bin", "content": "abc"}]}])
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    tasks = """
    - name: preflight
      fleetops.upgrade.hawkbit_artifact:
        action_id: "1"
        dest: %s
      ignore_errors: true
    - name: wrong token
      fleetops.upgrade.hawkbit_poll:
        target_token: wrong
      ignore_errors: true
    - name: plain http link from an https server
      fleetops.upgrade.hawkbit_artifact:
        url: https://hawkbit.invalid
        dest: %s
        chunks: [{"part": "os", "artifacts": [{"filename": "x", "size": 1, "hashes": {"sha1": "0"}, "download_url": "http://hawkbit.invalid/x"}]}]
      ignore_errors: true
""" % (blocker, tmp_path / "dl")
    outcomes = []
    for connection in ("local", "local_as_remote"):
        run = run_playbook(play(sim, name, tasks), inventory(connection), tmp_path=tmp_path)
        outcome = {}
        for task in ("preflight", "wrong token", "plain http link from an https server"):
            result = run.result(task, "device")
            assert result["failed"] and "Traceback" not in str(result.get("exception", "")), (connection, task, result)
            outcome[task] = {k: v for k, v in result.items() if k not in ("invocation", "durations", "_ansible_no_log")}
            for varying in ("python_executable", "free_bytes"):  # the two paths run different interpreters, a moment apart
                outcome[task].get("preflight", {}).pop(varying, None)
        outcomes.append(outcome)
    assert outcomes[0] == outcomes[1]
    preflight = outcomes[0]["preflight"]
    assert "%s is not a directory" % blocker in preflight["msg"] and preflight["step"] == "preflight"
    assert "refused the TargetToken" in outcomes[0]["wrong token"]["msg"] and "wrong" not in outcomes[0]["wrong token"]["msg"]
    assert "plain http://" in outcomes[0]["plain http link from an https server"]["msg"]
    assert sim.log(name, MUTATING) == [] and not (tmp_path / "dl").exists()
