"""The fleet strategy answers a plain fleet_outcome task in the controller process, through the same result queue a
worker uses; every other task, and a fleet_outcome task with arguments, a condition, loop or delegation, goes to a
worker."""

import pytest
from ansible.inventory.host import Host
from ansible.playbook.play_context import PlayContext
from ansible.playbook.task import Task
from ansible.plugins.strategy.linear import StrategyModule as LinearStrategyModule

from ansible_collections.fleetops.upgrade.plugins.plugin_utils import _fleet_report as fleet_report
from ansible_collections.fleetops.upgrade.plugins.strategy import fleet


class Recorder:
    def __init__(self):
        self.calls = []

    def send_callback(self, *args):
        self.calls.append(("callback",) + args)

    def send_task_result(self, *args, **kwargs):
        self.calls.append(("result", args, kwargs))


def returned(call):
    """The return data of a queued result, whichever ansible-core put it together."""
    _kind, args, _kwargs = call
    if fleet._RawTaskResult is None:
        return args[2]
    return args[0]._return_data


@pytest.fixture
def strategy(monkeypatch, tmp_path):
    monkeypatch.setattr(fleet.C, "DEFAULT_LOCAL_TMP", str(tmp_path))
    spool = fleet_report.start_spool(str(tmp_path), fleet_report.rollout_settings())
    fleet_report.write_host_outcomes(spool, {"a1": {"status": "failed", "msg": "check failed"},
                                             "a2": {"status": "upgraded", "msg": "firmware 1.3.0"}})
    workers = []
    monkeypatch.setattr(LinearStrategyModule, "_queue_task", lambda self, host, task, *rest: workers.append((host.name, task.action)))
    module = fleet.StrategyModule.__new__(fleet.StrategyModule)
    module._tqm = module._final_q = Recorder()
    module._queued_task_cache = {}
    module._pending_results = 0
    module.workers = workers
    return module


def task(action="fleetops.upgrade.fleet_outcome", args=None, **keywords):
    return Task.load(dict(keywords, action=action, args=args or {}))


def test_a_plain_fleet_outcome_task_is_answered_in_the_controller(strategy):
    host, outcome_task = Host("a1"), task()
    task_vars = {"inventory_hostname": "a1"}
    strategy._queue_task(host, outcome_task, task_vars, PlayContext())
    assert strategy.workers == [] and strategy._pending_results == 1
    assert strategy._queued_task_cache[("a1", outcome_task._uuid)]["task_vars"] is task_vars
    callback, result = strategy._tqm.calls
    assert callback == ("callback", "v2_runner_on_start", host, outcome_task)
    assert returned(result) == {"changed": False, "failed": True, "status": "failed", "msg": "failed: check failed",
                                "_ansible_no_log": False}
    strategy._queue_task(Host("a2"), outcome_task, {}, PlayContext())
    assert returned(strategy._tqm.calls[-1])["changed"] is True


def test_a_host_without_an_outcome_fails_like_it_would_in_a_worker(strategy):
    strategy._queue_task(Host("b1"), task(), {}, PlayContext())
    result = returned(strategy._tqm.calls[-1])
    assert result["failed"] is True and "gave b1 no outcome" in result["msg"]


@pytest.mark.parametrize("keywords", [{"when": "true"}, {"loop": [1, 2]}, {"delegate_to": "localhost"},
                                      {"changed_when": "false"}, {"until": "true"}, {"args": {"outcome": {}}}])
def test_a_task_that_needs_a_worker_gets_one(strategy, keywords):
    strategy._queue_task(Host("a1"), task(**keywords), {}, PlayContext())
    assert strategy.workers == [("a1", "fleetops.upgrade.fleet_outcome")] and strategy._tqm.calls == []


def test_other_actions_go_to_a_worker(strategy):
    strategy._queue_task(Host("a1"), task(action="ansible.builtin.debug"), {}, PlayContext())
    assert strategy.workers == [("a1", "ansible.builtin.debug")]
