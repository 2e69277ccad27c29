"""When each device is upgraded: the settings, the batches (as Ansible forms them), the shares of a batch, the error
budget."""

import types

import pytest
from ansible.executor.playbook_executor import PlaybookExecutor

from ansible_collections.fleetops.upgrade.plugins.plugin_utils import _fleet_schedule as schedule
from ansible_collections.fleetops.upgrade.plugins.plugin_utils._fleet_spool import append_record, start_spool, write_controller_hosts


@pytest.mark.parametrize("canary, batch, serial", [
    (1, "100%", [1, "100%"]),
    ("10%", [5, "25%"], ["10%", 5, "25%"]),
    (0, 3, [3]),
    ("2", "all", [2, "100%"]),
])
def test_settings_make_the_serial_list(canary, batch, serial):
    assert schedule.rollout_settings(canary=canary, batch=batch)["serial"] == serial


@pytest.mark.parametrize("knob, value, message", [
    ("canary", "ten", "fleetops_canary: expected a count or a percentage"),
    ("batch", 0, "fleetops_batch: expected a positive count"),
    ("batch", [], "fleetops_batch: an empty list"),
    ("max_failures", "150%", "fleetops_max_failures: a percentage must be 0-100%"),
    ("batch", "12.5%", "fleetops_batch: expected a positive count"),
    ("min_sample", 0, "fleetops_min_sample: must be at least 1"),
])
def test_bad_settings_name_the_knob(knob, value, message):
    with pytest.raises(schedule.SettingsError, match=message):
        schedule.rollout_settings(**{knob: value})


@pytest.mark.parametrize("count, serial", [(5, [1, 1, "50%"]), (17, ["10%", 5, "25%"]), (3, [1, "100%"]), (1, [1, "100%"]),
                                           (40, [2, "30%", 10])])
def test_batches_are_the_ones_ansible_forms(count, serial):
    hosts = ["h%02d" % i for i in range(count)]
    executor = PlaybookExecutor.__new__(PlaybookExecutor)
    executor._inventory = types.SimpleNamespace(get_hosts=lambda pattern, order=None: list(hosts))
    play = types.SimpleNamespace(hosts="all", order="sorted", serial=serial)
    assert schedule.batches(hosts, serial) == executor._get_serialized_batches(play)


@pytest.mark.parametrize("max_failures, statuses, is_open", [
    (0, ["upgraded"], True),
    (0, ["upgraded", "failed"], False),
    (1, ["failed", "upgraded"], True),
    (1, ["failed", "unreachable"], False),
    ("10%", ["failed"], True),          # 10% of the minimum sample of 10 allows one
    ("10%", ["failed", "failed"], False),
    ("10%", ["upgraded"] * 28 + ["failed"] * 3, True),   # 10% of 31 allows 3
    ("10%", ["upgraded"] * 26 + ["failed"] * 4, False),
])
def test_budget(max_failures, statuses, is_open):
    settings = schedule.rollout_settings(max_failures=max_failures, min_sample=10)
    assert schedule.budget_state(settings, statuses)[0] is is_open


def test_the_budget_reads_the_rollout_records_of_the_spool(tmp_path):
    spool = start_spool(str(tmp_path), schedule.rollout_settings(max_failures=1))
    append_record(spool, "a1", "preflight", {"status": "failed"})  # the pre-flight does not count
    append_record(spool, "a1", "rollout", {"status": "failed"})
    assert schedule.budget_open(spool) is True
    append_record(spool, "a2", "rollout", {"status": "unreachable"})
    assert schedule.budget_open(spool) is False


def test_why_the_rollout_stopped():
    settings = schedule.rollout_settings(max_failures=0)
    batch_of = {"a": 1, "b": 2, "c": 3}
    assert schedule.budget_stop(["a", "b"], batch_of, {"a": {"status": "upgraded"}, "b": {"status": "failed"}}, settings) is None
    assert schedule.budget_stop(["a", "b", "c"], batch_of, {"a": {"status": "upgraded"}, "b": {"status": "failed"}}, settings) == (
        "the error budget was spent after batch 2 (1 failed of 2 attempted; fleetops_max_failures=0 allows 0)")
    assert schedule.budget_stop(["a", "b", "c"], batch_of, {"a": {"status": "upgraded"}}, settings) == \
        "the run ended before every batch had started"


def test_a_batch_is_the_one_serial_forms_over_the_devices_that_need_work(tmp_path):
    spool = start_spool(str(tmp_path), schedule.rollout_settings(canary=1, batch=2))
    for host, status in (("d", "upgraded"), ("a", "upgraded"), ("c", "unchanged"), ("b", "upgraded"), ("e", "upgraded")):
        append_record(spool, host, "preflight", {"status": status})
    assert [schedule.rollout_batch(spool, h) for h in ("a", "b", "e")] == [["a"], ["b", "d"], ["e"]]


def test_the_rollout_play_holds_one_controller_device_per_batch_and_every_role_device(tmp_path):
    spool = start_spool(str(tmp_path), schedule.rollout_settings(canary=1, batch=3))
    for host in ("a1", "a2", "a3", "a4", "h1", "h2"):
        append_record(spool, host, "preflight", {"status": "upgraded"})
    write_controller_hosts(spool, ["a1", "a2", "a3", "a4", "a9"])
    # batches: [a1] [a2 a3 a4] [h1 h2]
    assert schedule.rollout_play(spool) == {"hosts": ["a1", "a2", "h1", "h2"], "serial": [1, 1, 2]}


def test_a_large_batch_is_shared_by_one_task_per_core(tmp_path, monkeypatch):
    monkeypatch.setattr(schedule.os, "cpu_count", lambda: 2)
    spool = start_spool(str(tmp_path), schedule.rollout_settings(canary=1, batch="100%"))
    devices = ["a%02d" % i for i in range(61)]
    for host in devices + ["h1"]:
        append_record(spool, host, "preflight", {"status": "upgraded"})
    write_controller_hosts(spool, devices)
    # batches: [a00] [a01 .. a60 h1]: 60 controller-path devices, two processes of 30
    assert schedule.rollout_play(spool) == {"hosts": ["a00", "a01", "a02", "h1"], "serial": [1, 3]}
    first, second = schedule.controller_share(spool, "a01"), schedule.controller_share(spool, "a02")
    assert first[1] == second[1] == 2 and len(first[0]) == len(second[0]) == 30
    assert sorted(first[0] + second[0]) == devices[1:]
    assert schedule.controller_share(spool, "a03") == ([], 2)
    assert schedule.controller_share(spool, "a00") == (["a00"], 1)
    assert [schedule.batch_processes(n, cores=2) for n in (1, 49, 50, 500)] == [1, 1, 2, 2]
    assert schedule.batch_processes(500, cores=16) == 16 and schedule.batch_processes(100, cores=16) == 4


def test_the_survey_is_shared_by_one_task_per_core(tmp_path, monkeypatch):
    monkeypatch.setattr(schedule.os, "cpu_count", lambda: 2)
    spool = start_spool(str(tmp_path), schedule.rollout_settings())
    devices = ["a%02d" % i for i in range(51)]
    write_controller_hosts(spool, list(reversed(devices)))
    assert schedule.survey_leaders(sorted(devices)) == ["a00", "a01"]
    first, second = schedule.survey_share(spool, "a00"), schedule.survey_share(spool, "a01")
    assert (len(first[0]), len(second[0]), first[1]) == (26, 25, 2)
    assert sorted(first[0] + second[0]) == devices
    assert schedule.survey_share(spool, "a02") == ([], 2)
    write_controller_hosts(spool, devices[:49])
    assert schedule.survey_leaders(devices[:49]) == ["a00"] and schedule.survey_share(spool, "a00") == (devices[:49], 1)


def test_a_configuration_error_leaves_no_batch(tmp_path):
    spool = start_spool(str(tmp_path), schedule.rollout_settings())
    append_record(spool, "a1", "preflight", {"status": "upgraded"})
    append_record(spool, "a2", "preflight", {"status": "refused", "step": "configuration"})
    assert schedule.rollout_batches(spool) == [] and schedule.rollout_play(spool) == {"hosts": [], "serial": [1]}
