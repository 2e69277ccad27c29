"""The rollout's progress lines: one per device as it ends, one per batch, given once even when shares race."""

from ansible_collections.fleetops.upgrade.plugins.plugin_utils._fleet_schedule import rollout_settings
from ansible_collections.fleetops.upgrade.plugins.plugin_utils._fleet_spool import append_record, start_spool
from ansible_collections.fleetops.upgrade.plugins.plugin_utils import _progress as progress

UPGRADED = {"device_class": "encedo", "status": "upgraded", "durations": {"upload": 1.5, "install": 2.25},
            "components": [{"component": "firmware", "from": "1.2.2", "to": "1.3.0", "changed": True}]}


def test_a_device_line_says_host_class_status_versions_and_seconds():
    assert progress.device_line("hem-a1", UPGRADED) == "fleet: hem-a1 [encedo] upgraded: firmware 1.2.2 -> firmware 1.3.0 in 3.8 s"
    assert progress.device_line("hem-a1", UPGRADED, seconds=41.26).endswith(" in 41.3 s")
    failed = {"device_class": "appresponse", "status": "failed", "msg": "the image check failed", "components": []}
    assert progress.device_line("ar-1", failed) == "fleet: ar-1 [appresponse] failed: the image check failed"


def test_a_batch_line_says_done_total_failed_and_the_budget_left():
    assert progress.batch_line(2, 3, 26, 50, 1, 5) == \
        "fleet: batch 2/3 done: 26/50 devices attempted, 1 failed, error budget: 4 more failures allowed"
    assert progress.batch_line(1, 3, 1, 50, 0, 0).endswith("error budget: the next failure stops the rollout")
    assert progress.batch_line(1, 3, 2, 50, 2, 1).endswith("error budget: spent, no further device starts")


def spool_with_batches(tmp_path, pending):
    spool = start_spool(str(tmp_path), rollout_settings(canary=1, batch=2, max_failures=1))
    for host in pending:
        append_record(spool, host, "preflight", dict(UPGRADED))
    return spool


def test_the_batch_line_comes_once_when_the_last_device_of_the_batch_has_ended(tmp_path):
    spool = spool_with_batches(tmp_path, ["a1", "a2", "a3"])  # batches [a1], [a2, a3]
    append_record(spool, "a2", "rollout", dict(UPGRADED))
    assert progress.finished_batch(spool, "a2") is None  # a3 still runs
    append_record(spool, "a3", "rollout", dict(UPGRADED, status="failed"))
    assert progress.finished_batch(spool, "a3") == \
        "fleet: batch 2/2 done: 2/3 devices attempted, 1 failed, error budget: the next failure stops the rollout"
    assert progress.finished_batch(spool, "a2") is None  # already shown by a3's task
    assert progress.finished_batch(spool, "not-in-the-rollout") is None
