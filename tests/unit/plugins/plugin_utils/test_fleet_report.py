"""The fleet run's pure logic: settings, batches (as Ansible forms them), the error budget, records, set_stats."""

import json
import types

import pytest
from ansible.executor.playbook_executor import PlaybookExecutor

from ansible_collections.fleetops.upgrade.plugins.plugin_utils import _fleet_report as fleet


@pytest.mark.parametrize("canary, batch, serial", [
    (1, "100%", [1, "100%"]),
    ("10%", [5, "25%"], ["10%", 5, "25%"]),
    (0, 3, [3]),
    ("2", "all", [2, "100%"]),
])
def test_settings_make_the_serial_list(canary, batch, serial):
    assert fleet.rollout_settings(canary=canary, batch=batch)["serial"] == serial


@pytest.mark.parametrize("knob, value, message", [
    ("canary", "ten", "fleetops_canary: expected a count or a percentage"),
    ("batch", 0, "fleetops_batch: expected a positive count"),
    ("batch", [], "fleetops_batch: an empty list"),
    ("max_failures", "150%", "fleetops_max_failures: a percentage must be 0-100%"),
    ("batch", "12.5%", "fleetops_batch: expected a positive count"),
    ("min_sample", 0, "fleetops_min_sample: must be at least 1"),
])
def test_bad_settings_name_the_knob(knob, value, message):
    with pytest.raises(fleet.SettingsError, match=message.replace("%", "%")):
        fleet.rollout_settings(**{knob: value})


@pytest.mark.parametrize("count, serial", [(5, [1, 1, "50%"]), (17, ["10%", 5, "25%"]), (3, [1, "100%"]), (1, [1, "100%"]),
                                           (40, [2, "30%", 10])])
def test_batches_are_the_ones_ansible_forms(count, serial):
    hosts = ["h%02d" % i for i in range(count)]
    executor = PlaybookExecutor.__new__(PlaybookExecutor)
    executor._inventory = types.SimpleNamespace(get_hosts=lambda pattern, order=None: list(hosts))
    play = types.SimpleNamespace(hosts="all", order="sorted", serial=serial)
    assert fleet.batches(hosts, serial) == executor._get_serialized_batches(play)


@pytest.mark.parametrize("max_failures, outcomes, is_open", [
    (0, ["upgraded"], True),
    (0, ["upgraded", "failed"], False),
    (1, ["failed", "upgraded"], True),
    (1, ["failed", "unreachable"], False),
    ("10%", ["failed"], True),          # 10% of the minimum sample of 10 allows one
    ("10%", ["failed", "failed"], False),
    ("10%", ["upgraded"] * 28 + ["failed"] * 3, True),   # 10% of 31 allows 3
    ("10%", ["upgraded"] * 26 + ["failed"] * 4, False),
])
def test_budget(max_failures, outcomes, is_open):
    settings = fleet.rollout_settings(max_failures=max_failures, min_sample=10)
    assert fleet.budget_state(settings, outcomes)[0] is is_open


def test_record_from_module_results():
    firmware = {"changed": True, "component": "firmware", "previous_version": "1.2.2", "version": "1.3.0",
                "durations": {"upload": 1.5, "reboot": 10.0}, "msg": "firmware upgraded from 1.2.2 to 1.3.0"}
    ui = {"changed": False, "skipped": True}
    record = fleet.make_record("encedo", [firmware, ui], check_mode=False)
    assert record["status"] == "upgraded" and record["durations"] == {"upload": 1.5, "reboot": 10.0}
    assert record["components"] == [{"component": "firmware", "from": "1.2.2", "to": "1.3.0", "changed": True}]
    failed = dict(firmware, failed=True, changed=False, msg="check failed", device_state="not installed", step="check")
    record = fleet.make_record("encedo", [failed], check_mode=False)
    assert (record["status"], record["msg"], record["device_state"], record["step"]) == (
        "failed", "check failed", "not installed", "check")
    assert fleet.make_record("encedo", [{"unreachable": True, "msg": "ssh"}], False)["status"] == "unreachable"
    assert fleet.make_record("encedo", [{"changed": False, "component": "ui", "previous_version": "a",
                                         "version": "a"}], False)["status"] == "unchanged"


FIRMWARE = {"changed": True, "component": "firmware", "previous_version": "1.2.2", "version": "1.3.0",
            "msg": "would upgrade firmware from 1.2.2 to 1.3.0"}


def test_a_preview_record_would_upgrade_and_never_says_upgraded():
    record = fleet.make_record("encedo", [FIRMWARE], check_mode=True)
    assert record["status"] == "would_upgrade" and fleet.needs_work(record)
    assert not fleet.needs_work(fleet.make_record("encedo", [dict(FIRMWARE, changed=False)], check_mode=True))


@pytest.mark.parametrize("result, status", [
    ({"failed": True, "reached": False, "changed": False, "msg": "device unreachable: connection refused"}, "unreachable"),
    ({"failed": True, "msg": "device unreachable: no answer within 30s"}, "failed"),  # it was reached, then went quiet
    ({"failed": True, "reached": False, "changed": True, "msg": "device unreachable: connection refused"}, "failed"),
    ({"unreachable": True, "msg": "ssh: connect to host"}, "unreachable"),
])
def test_a_device_whose_api_cannot_be_reached_is_unreachable(result, status):
    assert fleet.make_record("encedo", [result], check_mode=False)["status"] == status


def cycle(update):
    """A hawkBit cycle's report (the one result its record is made of): the deployment installed, or (``update``
    skip) only downloaded."""
    from ansible_collections.fleetops.upgrade.plugins.plugin_utils._hawkbit_cycle import cycle_report
    chunks = [{"part": "os", "name": "rootfs", "version": "2.0", "artifacts": []}]
    poll = {"action": {"type": "deployment", "id": "7"}, "installed_action": None,
            "deployment": {"download": "forced", "update": update, "maintenance_window": None, "chunks": chunks}}
    return cycle_report({"first_poll": poll, "download": {"changed": True}})


def test_a_download_only_action_is_downloaded_not_upgraded():
    downloaded = fleet.make_record("hawkbit", [cycle("skip")], check_mode=False)
    assert downloaded["status"] == "downloaded"
    assert fleet.make_record("hawkbit", [cycle("forced")], check_mode=False)["status"] == "upgraded"
    preview = fleet.make_record("hawkbit", [cycle("skip")], check_mode=True)
    assert preview["status"] == "would_upgrade"
    records = {"preflight": {"gw": preview}, "rollout": {"gw": downloaded}}
    report = fleet.build_report(["gw"], {}, {}, records, fleet.rollout_settings(), "2026-01-01T00:00:00+00:00",
                                "2026-01-01T00:01:00+00:00")
    assert {k: report["summary"][k] for k in ("upgraded", "downloaded", "failed")} == {"upgraded": 0, "downloaded": 1, "failed": 0}
    assert fleet.exit_reasons(report) == {}
    assert fleet.summary_lines(report)[-1].startswith("0 upgraded, 1 downloaded, 0 unchanged")
    case = fleet.junit_cases(report)[0]
    assert case.outcome == "passed" and "downloaded, not installed" in case.system_out
    assert ">1</b>downloaded</div>" in fleet.report_html(report)


def test_module_warnings_reach_the_record_the_summary_and_the_html():
    warned = dict(FIRMWARE, msg="firmware upgraded", warnings=["the answer to the firmware install request was lost, "
                                                               "but the device runs 1.3.0"])
    record = fleet.make_record("encedo", [warned, dict(warned, component="ui")], check_mode=False)
    assert record["warnings"] == warned["warnings"]  # each once
    assert fleet.device_outcome("encedo", [("firmware", warned)], False)["warnings"] == warned["warnings"]
    report = fleet.build_report(["h"], {}, {}, {"preflight": {"h": dict(record, status="would_upgrade")},
                                                "rollout": {"h": record}},
                                fleet.rollout_settings(), "2026-01-01T00:00:00+00:00", "2026-01-01T00:01:00+00:00")
    assert "h [encedo] warning: the answer to the firmware install request was lost, but the device runs 1.3.0" \
        in fleet.summary_lines(report)
    assert "warning: the answer to the firmware install request was lost" in fleet.report_html(report)
    assert fleet.stats_payload(report, {})["fleetops_report"]["hosts"][0]["warnings"] == warned["warnings"]


def test_the_chart_gives_each_version_of_a_class_its_own_colour_and_one_none():
    records = {"preflight": {}, "rollout": {}}
    for i in range(15):
        records["rollout"]["d%02d" % i] = {"device_class": "encedo", "status": "unchanged", "components": [
            {"component": "firmware", "from": "1.%d.0" % i, "to": "1.%d.0" % i, "changed": False}]}
    for i, spelling in enumerate((None, "None", "none")):
        records["rollout"]["n%d" % i] = {"device_class": "magewell", "status": "unchanged", "components": [
            {"component": "firmware", "from": spelling, "to": spelling, "changed": False}]}
    hosts = sorted(records["rollout"])
    report = fleet.build_report(hosts, {}, {}, records, fleet.rollout_settings(), "2026-01-01T00:00:00+00:00",
                                "2026-01-01T00:01:00+00:00")
    chart = fleet._versions_per_class(report)  # pylint: disable=protected-access
    assert chart["magewell"]["before"] == {"none": 3}
    colours = fleet.version_colours(sorted(chart["encedo"]["before"]))
    assert len(colours) == 15 and len(set(colours.values())) == 15
    page = fleet.report_html(report)
    assert page.count("<title>none: 3</title>") == 2 and "None" not in page.split("<svg", 1)[1].split("</svg>")[0]


def test_record_of_one_device_of_mwcloud_upgrade():
    """mwcloud_upgrade for one serial: the contract keys at the top, the device's own message in ``devices``."""
    result = {"changed": True, "component": "firmware", "previous_version": "1.5", "version": "1.6",
              "devices": [{"serial": "A1", "from": "1.5", "to": "1.6", "status": "upgraded",
                           "msg": "upgraded from 1.5 to 1.6"}], "msg": "1 upgraded of 1 device(s)"}
    record = fleet.make_record("magewell", [result], False)
    assert record["components"] == [{"component": "firmware", "from": "1.5", "to": "1.6", "changed": True}]
    assert record["msg"] == "upgraded from 1.5 to 1.6"


def big_report(count):
    records = {"preflight": {}, "rollout": {}}
    for i in range(count):
        host = "dev%04d" % i
        records["preflight"][host] = {"device_class": "encedo", "status": "upgraded", "components": [], "durations": {}}
        records["rollout"][host] = {"device_class": "encedo", "status": "failed" if i % 7 == 0 else "upgraded",
                                    "components": [{"component": "firmware", "from": "1.2.2", "to": "1.3.0", "changed": True}],
                                    "durations": {"upload": 1.0}, "msg": "x" * 500, "device_state": "y"}
    hosts = sorted(records["rollout"])
    settings = fleet.rollout_settings(max_failures="100%", batch="10%")
    return fleet.build_report(hosts, {}, {h: ["site_a"] for h in hosts}, records, settings, "2026-01-01T00:00:00+00:00",
                              "2026-01-01T00:10:00+00:00")


def test_stats_payload_is_bounded_for_a_thousand_devices():
    report = big_report(1000)
    payload = fleet.stats_payload(report, {})
    assert list(payload) == ["fleetops_report"]
    data = payload["fleetops_report"]
    assert len(json.dumps(data)) < 64 * 1024
    assert data["hosts_truncated"] == 900 and data["summary"]["total"] == 1000
    assert {h["status"] for h in data["hosts"]} == {"failed"}  # failures first
    assert data["by_class"]["encedo"] == {"failed": 143, "upgraded": 857}


def test_stats_payload_key_per_awx_job_in_a_workflow():
    payload = fleet.stats_payload(big_report(3), {"awx_job_id": 4711, "awx_workflow_job_id": 4700})
    assert list(payload) == ["fleetops_report_4711"]
    assert payload["fleetops_report_4711"]["awx"]["job_id"] == 4711


def test_report_batches_and_html_of_a_big_fleet():
    report = big_report(1000)
    # the canary (1), then ten batches of 10% of 1000; the last holds the 99 left
    assert report["batches"] == 11 and report["hosts"][-1]["batch"] == 11
    page = fleet.report_html(report)
    assert page.count("<tr>") == 1001 and "http" not in page


@pytest.mark.parametrize("status, changed, failed", [
    ("upgraded", True, False), ("unchanged", False, False), ("not_attempted", False, True),
    ("would_upgrade", True, False), ("downloaded", True, False),
    ("failed", False, True), ("unreachable", False, True), ("refused", False, True)])
def test_outcome_result_changes_or_fails_the_host_by_status(status, changed, failed):
    result = fleet.outcome_result({"status": status, "msg": "why"})
    assert (result["changed"], result["failed"], result["msg"]) == (changed, failed, "%s: why" % status)


@pytest.mark.parametrize("outcome, named", [(None, "NoneType"), ("upgraded", "str"), ({"status": "done"}, "'done'")])
def test_outcome_result_refuses_what_is_no_outcome(outcome, named):
    result = fleet.outcome_result(outcome)
    assert result["failed"] is True and named in result["msg"] and "upgraded, would_upgrade, downloaded, unchanged" in result["msg"]


def test_the_outcome_of_a_host_is_the_one_the_report_stored(tmp_path):
    spool = fleet.start_spool(str(tmp_path), fleet.rollout_settings())
    assert fleet.host_outcome_result(spool, "a1")["failed"] is True  # no report yet
    fleet.write_host_outcomes(spool, {"a1": {"status": "upgraded", "msg": "firmware 1.3.0"}})
    assert fleet.host_outcome_result(spool, "a1") == {"changed": True, "failed": False, "status": "upgraded",
                                                      "msg": "upgraded: firmware 1.3.0"}
    missing = fleet.host_outcome_result(spool, "a2")
    assert missing["failed"] is True and "no outcome for a2" in missing["msg"]
    fleet.write_host_outcomes(spool, {"a1": {"status": "failed", "msg": "check failed!"}})  # a later report wins
    assert fleet.host_outcome_result(spool, "a1")["failed"] is True
    (tmp_path / fleet.SPOOL_NAME / "host_outcomes.json").write_text("{not json")
    broken = fleet.host_outcome_result(spool, "a1")
    assert broken["failed"] is True and "cannot read the fleet run's outcomes" in broken["msg"]
