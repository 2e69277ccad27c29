"""How the reports look: the fleet report's lines, HTML, JUnit cases and set_stats payload, the drift report's lines
and JUnit cases, and the files of both."""

import json

import pytest

from ansible_collections.fleetops.upgrade.plugins.plugin_utils import _report_render as render
from ansible_collections.fleetops.upgrade.plugins.plugin_utils._fleet_records import make_record, now, refusal_record
from ansible_collections.fleetops.upgrade.plugins.plugin_utils._fleet_report import build_report
from ansible_collections.fleetops.upgrade.plugins.plugin_utils._fleet_schedule import rollout_settings

from tests.unit.plugins.plugin_utils.test_drift import drift_document
from tests.unit.plugins.plugin_utils.test_fleet_report import CYCLE, ENDED, STARTED, big_report

FIRMWARE = {"changed": True, "component": "firmware", "previous_version": "1.2.2", "version": "1.3.0",
            "msg": "would upgrade firmware from 1.2.2 to 1.3.0"}


def test_the_shared_words_and_lines():
    assert render.count_line({"in_sync": 2, "unknown_class": 1}, ("in_sync", "drifted", "unknown_class")) == \
        "2 in sync, 0 drifted, 1 unknown class"
    components = [{"component": "firmware", "from": "1.2.2", "to": None}, {"component": "ui", "from": "a", "to": "b"}]
    assert render.versions_text(components, "from") == "firmware 1.2.2, ui a"
    assert render.versions_text(components, "to") == "firmware unknown, ui b"
    assert render.versions_text([], "to") == render.versions_text(None, "to") == "-"


def test_a_downloaded_device_in_the_lines_the_junit_case_and_the_html():
    records = {"preflight": {"gw": make_record("hawkbit", [CYCLE], True)}, "rollout": {"gw": make_record("hawkbit", [CYCLE], False)}}
    report = build_report(["gw"], {}, {}, records, rollout_settings(), STARTED, ENDED)
    assert render.fleet_summary_lines(report)[-1].startswith("0 upgraded, 1 downloaded, 0 unchanged")
    case = render.fleet_junit_cases(report)[0]
    assert case.outcome == "passed" and "downloaded, not installed" in case.system_out
    assert ">1</b>downloaded</div>" in render.fleet_report_html(report)


def test_module_warnings_reach_the_summary_the_html_and_set_stats():
    warned = dict(FIRMWARE, msg="firmware upgraded", warnings=["the answer to the firmware install request was lost, "
                                                               "but the device runs 1.3.0"])
    record = make_record("encedo", [warned], check_mode=False)
    report = build_report(["h"], {}, {}, {"preflight": {"h": dict(record, status="would_upgrade")}, "rollout": {"h": record}},
                          rollout_settings(), STARTED, ENDED)
    assert "h [encedo] warning: the answer to the firmware install request was lost, but the device runs 1.3.0" \
        in render.fleet_summary_lines(report)
    assert "warning: the answer to the firmware install request was lost" in render.fleet_report_html(report)
    assert render.fleet_stats_payload(report, {})["fleetops_report"]["hosts"][0]["warnings"] == warned["warnings"]


def test_a_stopped_run_and_its_notes_in_the_lines_and_the_html():
    records = {"preflight": {"hem2": refusal_record("encedo", "no target set: ...", False)}, "rollout": {}}
    report = build_report(["hem1", "hem2"], {"hem1": "encedo"}, {}, records, rollout_settings(), now(), now(),
                          notes={"hem1": ["ui: no target set (encedo_ui_uis is empty)"]})
    lines = render.fleet_summary_lines(report)
    assert "ui: no target set (encedo_ui_uis is empty) on 1 device(s) (hem1): that step was skipped" in lines
    assert lines[-1].startswith("rollout stopped: configuration errors on 1 device(s) (hem2)")
    assert "hem2 [encedo] REFUSED: no target set: ...; device state: unchanged: the run did not contact the device" in lines
    page = render.fleet_report_html(report)
    assert "ui: no target set" in page and '<div class="stop">Rollout stopped: configuration errors' in page


def test_a_preview_says_would_upgrade():
    record = make_record("encedo", [FIRMWARE], check_mode=True)
    report = build_report(["h"], {}, {}, {"preflight": {"h": record}, "rollout": {"h": record}}, rollout_settings(),
                          STARTED, ENDED, check_mode=True)
    lines = render.fleet_summary_lines(report)
    assert lines[0] == "h [encedo] would upgrade: firmware 1.2.2 -> firmware 1.3.0"
    assert lines[-1] == "1 would upgrade, 0 unchanged, 0 failed, 0 unreachable, 0 not attempted, 0 refused " \
                        "(check mode: nothing was changed)"
    assert "<title>Fleet rollout report (check mode preview)</title>" in render.fleet_report_html(report)


def test_the_chart_gives_each_version_of_a_class_its_own_colour_and_one_none():
    records = {"preflight": {}, "rollout": {}}
    for i in range(15):
        records["rollout"]["d%02d" % i] = {"device_class": "encedo", "status": "unchanged", "components": [
            {"component": "firmware", "from": "1.%d.0" % i, "to": "1.%d.0" % i, "changed": False}]}
    for i, spelling in enumerate((None, "None", "none")):
        records["rollout"]["n%d" % i] = {"device_class": "magewell", "status": "unchanged", "components": [
            {"component": "firmware", "from": spelling, "to": spelling, "changed": False}]}
    report = build_report(sorted(records["rollout"]), {}, {}, records, rollout_settings(), STARTED, ENDED)
    chart = render.versions_per_class(report)
    assert chart["magewell"]["before"] == {"none": 3}
    assert sorted(chart["encedo"]["before"], key=render.version_order)[:3] == ["1.0.0", "1.1.0", "1.2.0"]
    colours = render.version_colours(sorted(chart["encedo"]["before"]))
    assert len(colours) == 15 and len(set(colours.values())) == 15
    page = render.fleet_report_html(report)
    assert page.count("<title>none: 3</title>") == 2 and "None" not in page.split("<svg", 1)[1].split("</svg>")[0]


def test_stats_payload_is_bounded_for_a_thousand_devices():
    payload = render.fleet_stats_payload(big_report(1000), {})
    assert list(payload) == ["fleetops_report"]
    data = payload["fleetops_report"]
    assert len(json.dumps(data)) < 64 * 1024
    assert data["hosts_truncated"] == 900 and data["summary"]["total"] == 1000
    assert {h["status"] for h in data["hosts"]} == {"failed"}  # failures first
    assert data["by_class"]["encedo"] == {"failed": 143, "upgraded": 857}


def test_stats_payload_key_per_awx_job_in_a_workflow():
    payload = render.fleet_stats_payload(big_report(3), {"awx_job_id": 4711, "awx_workflow_job_id": 4700})
    assert list(payload) == ["fleetops_report_4711"]
    assert payload["fleetops_report_4711"]["awx"]["job_id"] == 4711


def test_the_html_of_a_big_fleet_is_one_self_contained_page():
    page = render.fleet_report_html(big_report(1000))
    assert page.count("<tr>") == 1001 and "http" not in page


def test_drift_lines_and_junit():
    document = drift_document()
    assert render.drift_status_lines(document)[0] == "a [encedo] PPA firmware 1.3.0, management app abc; ok"
    assert render.drift_status_lines(document)[3].startswith("d [unknown class] unknown fleetops_device_class 'fridge'")
    assert render.drift_lines(document)[1] == "b: drifted: firmware: wanted 2.0, runs 1.3.0"
    assert render.drift_lines(document)[-1] == render.drift_summary_line(document) == \
        "1 in sync, 1 drifted, 1 unreachable, 1 unknown class"
    cases = render.drift_junit_cases(document)
    assert [case.outcome for case in cases] == ["passed", "failure", "error", "error"]
    assert cases[1].text == "firmware: wanted 2.0, runs 1.3.0"
    assert cases[2].message == "unreachable: could not read the device: refused"
    assert cases[3].classname == "fridge"


def test_report_files_are_written_in_order_and_a_failure_names_its_file(tmp_path):
    written = []

    def writer(text):
        def write(path):
            written.append(path)
            with open(path, "w") as handle:
                handle.write(text)
        return write

    paths = render.write_report_files("drift report", str(tmp_path / "new"), {"json": ("a.json", writer("{}")),
                                                                              "junit": ("a.xml", writer("<x/>"))})
    assert paths == {"json": str(tmp_path / "new" / "a.json"), "junit": str(tmp_path / "new" / "a.xml")}
    assert written == [paths["json"], paths["junit"]]
    (tmp_path / "file").write_text("x")
    with pytest.raises(render.ReportWriteError, match="^the drift report file %s could not be written: "
                       % (tmp_path / "file" / "a.json")):
        render.write_report_files("drift report", str(tmp_path / "file"), {"json": ("a.json", writer("{}"))})
