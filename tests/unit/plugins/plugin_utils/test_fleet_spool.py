"""The fleet run's state on disk: a spool only while a run is under way, records by phase (a later one wins), the
statuses the budget reads, and lines that concurrent workers never interleave."""

import json
import multiprocessing

from ansible_collections.fleetops.upgrade.plugins.plugin_utils import _fleet_spool as spool_


def test_records_are_stored_only_during_a_run(tmp_path):
    assert spool_.store_record(str(tmp_path), "a1", "rollout", {"status": "upgraded"}) is False
    assert not spool_.run_started(spool_.spool_dir(str(tmp_path)))
    spool = spool_.start_spool(str(tmp_path), {"canary": 1})
    assert spool_.run_started(spool) and spool_.read_settings(spool) == {"canary": 1}
    assert spool_.store_record(str(tmp_path), "a1", "rollout", {"status": "upgraded"}) is True
    assert spool_.read_records(spool) == {"preflight": {}, "rollout": {"a1": {"status": "upgraded"}}}


def test_a_later_record_wins_and_only_the_rollout_feeds_the_budget(tmp_path):
    spool = spool_.start_spool(str(tmp_path), {})
    assert spool_.read_rollout_statuses(spool) == [] and spool_.read_controller_hosts(spool) == []
    spool_.append_record(spool, "a1", "preflight", {"status": "would_upgrade"})
    spool_.append_record(spool, "a1", "rollout", {"status": "failed"})
    spool_.append_record(spool, "a2", "rollout", {"status": "upgraded"})
    spool_.append_record(spool, "a1", "rollout", {"status": "upgraded"})
    records = spool_.read_records(spool)
    assert records["preflight"] == {"a1": {"status": "would_upgrade"}} and records["rollout"]["a1"] == {"status": "upgraded"}
    assert spool_.read_rollout_statuses(spool) == ["failed", "upgraded", "upgraded"]


def test_the_plans_files(tmp_path):
    spool = spool_.start_spool(str(tmp_path), {})
    assert spool_.read_notes(spool) == {}
    spool_.write_controller_hosts(spool, ["b", "a"])
    spool_.write_notes(spool, {"a": ["ui: no target set"]})
    assert spool_.read_controller_hosts(spool) == ["a", "b"] and spool_.read_notes(spool) == {"a": ["ui: no target set"]}


def _append_many(spool, worker):
    for number in range(200):
        spool_.append_record(spool, "w%d-%03d" % (worker, number), "rollout", {"status": "upgraded", "msg": "x" * 2000})


def test_concurrent_workers_never_interleave_their_lines(tmp_path):
    spool = spool_.start_spool(str(tmp_path), {})
    workers = [multiprocessing.Process(target=_append_many, args=(spool, worker)) for worker in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    with open(tmp_path / spool_.SPOOL_NAME / "records.jsonl") as handle:
        lines = [json.loads(line) for line in handle]
    assert len(lines) == 800 and len(spool_.read_records(spool)["rollout"]) == 800
    assert spool_.read_rollout_statuses(spool) == ["upgraded"] * 800
