"""The fleet report: every host once with its record or why there is none, the outcome each host ends with, and the
report's files."""

import pytest

from ansible_collections.fleetops.upgrade.plugins.plugin_utils import _fleet_report as report_
from ansible_collections.fleetops.upgrade.plugins.plugin_utils._fleet_records import make_record, now, refusal_record
from ansible_collections.fleetops.upgrade.plugins.plugin_utils._fleet_schedule import rollout_settings
from ansible_collections.fleetops.upgrade.plugins.plugin_utils._fleet_spool import SPOOL_NAME, start_spool, write_host_outcomes
from ansible_collections.fleetops.upgrade.plugins.plugin_utils._report_render import ReportWriteError
from tests.unit.plugins.plugin_utils.test_fleet_records import cycle

STARTED, ENDED = "2026-01-01T00:00:00+00:00", "2026-01-01T00:01:00+00:00"
# a hawkBit cycle that only downloaded (its action asks for the download only)
CYCLE = cycle("skip")


def big_report(count):
    records = {"preflight": {}, "rollout": {}}
    for i in range(count):
        host = "dev%04d" % i
        records["preflight"][host] = {"device_class": "encedo", "status": "upgraded", "components": [], "durations": {}}
        records["rollout"][host] = {"device_class": "encedo", "status": "failed" if i % 7 == 0 else "upgraded",
                                    "components": [{"component": "firmware", "from": "1.2.2", "to": "1.3.0", "changed": True}],
                                    "durations": {"upload": 1.0}, "msg": "x" * 500, "device_state": "y"}
    hosts = sorted(records["rollout"])
    settings = rollout_settings(max_failures="100%", batch="10%")
    return report_.build_report(hosts, {}, {h: ["site_a"] for h in hosts}, records, settings, STARTED,
                                "2026-01-01T00:10:00+00:00")


def test_every_host_once_failures_first_with_site_and_batch():
    report = big_report(1000)
    # the canary (1), then ten batches of 10% of 1000; the last holds the 99 left
    assert report["batches"] == 11 and report["hosts"][-1]["batch"] == 11
    assert report["summary"]["total"] == 1000 and report["summary"]["failed"] == 143
    assert report["hosts"][0]["status"] == "failed" and report["hosts"][0]["site"] == "site_a"
    assert report["duration"] == 600.0


def test_a_downloaded_device_is_a_successful_end():
    preview = make_record("hawkbit", [CYCLE], check_mode=True)
    downloaded = make_record("hawkbit", [CYCLE], check_mode=False)
    report = report_.build_report(["gw"], {}, {}, {"preflight": {"gw": preview}, "rollout": {"gw": downloaded}},
                                  rollout_settings(), STARTED, ENDED)
    assert {k: report["summary"][k] for k in ("upgraded", "downloaded", "failed")} == {"upgraded": 0, "downloaded": 1, "failed": 0}
    assert report_.exit_reasons(report) == {}


def test_hosts_without_a_record_are_refused_or_failed():
    report = report_.build_report(["a", "b", "c"], {"a": None, "b": "fridge", "c": "encedo"}, {}, {}, rollout_settings(),
                                  STARTED, "not a time")
    hosts = {entry["host"]: entry for entry in report["hosts"]}
    assert hosts["a"]["msg"].startswith("no fleetops_device_class set") and hosts["b"]["status"] == "refused"
    assert hosts["c"]["status"] == "failed" and "the encedo role recorded no result" in hosts["c"]["msg"]
    assert report["duration"] is None
    assert set(report_.exit_reasons(report)) == {"a", "b", "c"}


def test_a_device_the_previous_run_upgraded_is_already_done():
    unchanged = {"device_class": "encedo", "status": "unchanged", "components": []}
    report = report_.build_report(["a"], {}, {}, {"preflight": {"a": unchanged}}, rollout_settings(), STARTED, ENDED,
                                  previous={"hosts": [{"host": "a", "status": "upgraded"}]})
    entry = report["hosts"][0]
    assert entry["already_done"] and entry["previous_status"] == "upgraded" and report["summary"]["already_done"] == 1


def test_the_report_of_a_run_stopped_by_a_configuration_error():
    records = {"preflight": {"hem2": refusal_record("encedo", "no target set: ...", False)}, "rollout": {}}
    report = report_.build_report(["hem1", "hem2"], {"hem1": "encedo"}, {}, records, rollout_settings(), now(), now(),
                                  notes={"hem1": ["ui: no target set (encedo_ui_uis is empty)"]})
    hosts = {entry["host"]: entry for entry in report["hosts"]}
    assert hosts["hem2"]["status"] == "refused" and hosts["hem2"]["step"] == "configuration"
    assert hosts["hem1"]["status"] == "not_attempted" and "configuration errors on 1 device(s) (hem2)" in hosts["hem1"]["msg"]
    assert hosts["hem1"]["notes"] == ["ui: no target set (encedo_ui_uis is empty)"]
    assert report["budget"]["stopped"] is True


def test_every_host_of_the_report_gets_its_outcome():
    report = {"hosts": [{"host": "a1", "status": "upgraded", "msg": "firmware 1.3.0"},
                        {"host": "h1", "status": "unchanged"},
                        {"host": "h2", "status": "failed", "msg": "install failed"},
                        {"host": "n1", "status": "not_attempted", "msg": "the error budget was spent"}]}
    assert report_.host_outcomes(report) == {"a1": {"status": "upgraded", "msg": "firmware 1.3.0"},
                                             "h1": {"status": "unchanged", "msg": ""},
                                             "h2": {"status": "failed", "msg": "install failed"},
                                             "n1": {"status": "not_attempted", "msg": "the error budget was spent"}}


@pytest.mark.parametrize("status, changed, failed", [
    ("upgraded", True, False), ("unchanged", False, False), ("not_attempted", False, True),
    ("would_upgrade", True, False), ("downloaded", True, False),
    ("failed", False, True), ("unreachable", False, True), ("refused", False, True)])
def test_outcome_result_changes_or_fails_the_host_by_status(status, changed, failed):
    result = report_.outcome_result({"status": status, "msg": "why"})
    assert (result["changed"], result["failed"], result["msg"]) == (changed, failed, "%s: why" % status)


@pytest.mark.parametrize("outcome, named", [(None, "NoneType"), ("upgraded", "str"), ({"status": "done"}, "'done'")])
def test_outcome_result_refuses_what_is_no_outcome(outcome, named):
    result = report_.outcome_result(outcome)
    assert result["failed"] is True and named in result["msg"] and "upgraded, would_upgrade, downloaded, unchanged" in result["msg"]


def test_the_outcome_of_a_host_is_the_one_the_report_stored(tmp_path):
    spool = start_spool(str(tmp_path), rollout_settings())
    assert report_.host_outcome_result(spool, "a1")["failed"] is True  # no report yet
    write_host_outcomes(spool, {"a1": {"status": "upgraded", "msg": "firmware 1.3.0"}})
    assert report_.host_outcome_result(spool, "a1") == {"changed": True, "failed": False, "status": "upgraded",
                                                        "msg": "upgraded: firmware 1.3.0"}
    missing = report_.host_outcome_result(spool, "a2")
    assert missing["failed"] is True and "no outcome for a2" in missing["msg"]
    write_host_outcomes(spool, {"a1": {"status": "failed", "msg": "check failed!"}})  # a later report wins
    assert report_.host_outcome_result(spool, "a1")["failed"] is True
    (tmp_path / SPOOL_NAME / "host_outcomes.json").write_text("{not json")
    broken = report_.host_outcome_result(spool, "a1")
    assert broken["failed"] is True and "cannot read the fleet run's outcomes" in broken["msg"]


def test_the_report_dir_is_checked(tmp_path):
    assert report_.check_report_dir(str(tmp_path / "new" / "reports")) is None
    assert (tmp_path / "new" / "reports").is_dir()
    (tmp_path / "file").write_text("x")
    assert "cannot be created" in report_.check_report_dir(str(tmp_path / "file" / "reports"))


def test_the_files_of_a_run_and_of_a_preview(tmp_path):
    report = big_report(3)
    paths = report_.write_report(report, str(tmp_path))
    assert paths == {kind: str(tmp_path / name) for kind, name in report_.REPORT_FILES.items()}
    assert report_.read_previous(str(tmp_path)) == report
    preview = dict(report, check_mode=True, hosts=[])
    assert report_.write_report(preview, str(tmp_path))["json"] == str(tmp_path / "fleet-report-check.json")
    assert report_.read_previous(str(tmp_path)) == report  # a preview is never the previous run


def test_a_report_file_that_cannot_be_written_is_named(tmp_path):
    report = report_.build_report(["hem1"], {"hem1": "x"}, {}, {}, rollout_settings(), now(), now())
    (tmp_path / "fleet-report.html").mkdir()
    with pytest.raises(ReportWriteError) as caught:
        report_.write_report(report, str(tmp_path))
    assert str(caught.value).startswith("the fleet report file %s could not be written" % (tmp_path / "fleet-report.html"))
    assert (tmp_path / "fleet-report.json").is_file()  # the files before it are written
