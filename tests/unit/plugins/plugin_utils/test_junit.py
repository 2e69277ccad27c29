"""The shared JUnit writer: counts, outcomes, escaping and atomic writes, checked by parsing the XML back."""

import datetime
import os
import xml.etree.ElementTree as ElementTree

import pytest

from ansible_collections.fleetops.upgrade.plugins.plugin_utils._junit import JUnitCase, junit_xml, write_junit

CASES = [
    JUnitCase("hem-1", "encedo", time=12.5),
    JUnitCase("npm-1", "appresponse", outcome="failure", message="image check failed (HTTP 406)\ndevice keeps 1.2",
              text="step: upload\ndevice state: not installed", time=3.25),
    JUnitCase("cam-1", "magewell", outcome="error", message="unreachable", text="connection refused"),
    JUnitCase("hb-1", "hawkbit_target", outcome="skipped", message="not attempted: error budget spent"),
    JUnitCase("hem-2", "encedo", system_out='{"from": "1.0", "to": "1.1"}', time=1),
]


def parse(document):
    return ElementTree.fromstring(document.encode("utf-8"))


def test_counts_and_time_agree_with_the_cases_on_suite_and_root():
    root = parse(junit_xml("fleetops upgrade", CASES))
    suite = root.find("testsuite")
    for element in (root, suite):
        assert element.get("tests") == "5"
        assert element.get("failures") == "1"
        assert element.get("errors") == "1"
        assert element.get("skipped") == "1"
        assert element.get("time") == "16.750"
    assert root.tag == "testsuites"
    assert suite.get("name") == "fleetops upgrade"


def test_each_case_carries_its_outcome():
    suite = parse(junit_xml("s", CASES)).find("testsuite")
    cases = {case.get("name"): case for case in suite.findall("testcase")}
    assert [case.get("name") for case in suite.findall("testcase")] == ["hem-1", "npm-1", "cam-1", "hb-1", "hem-2"]
    assert cases["hem-1"].get("classname") == "encedo"
    assert cases["hem-1"].get("time") == "12.500"
    assert list(cases["hem-1"]) == []
    failure = cases["npm-1"].find("failure")
    assert failure.get("message") == "image check failed (HTTP 406) device keeps 1.2"
    assert failure.text == "step: upload\ndevice state: not installed"
    assert cases["cam-1"].find("error").get("message") == "unreachable"
    assert cases["cam-1"].find("error").text == "connection refused"
    assert cases["cam-1"].get("time") is None
    assert cases["hb-1"].find("skipped").get("message") == "not attempted: error budget spent"
    assert cases["hem-2"].find("system-out").text == '{"from": "1.0", "to": "1.1"}'


def test_markup_and_characters_xml_cannot_carry_still_parse():
    nasty = 'a<b>&"c\' \x00\x1b[31m\ud800 end'
    document = junit_xml("<suite>", [JUnitCase(nasty, "x&y", outcome="failure", message=nasty, text=nasty,
                                               system_out="]]>" + nasty)])
    case = parse(document).find("testsuite/testcase")
    expected = 'a<b>&"c\' \ufffd\ufffd[31m\ufffd end'
    assert case.get("name") == expected
    assert case.get("classname") == "x&y"
    assert case.find("failure").get("message") == expected
    assert case.find("failure").text == expected
    assert case.find("system-out").text == "]]>" + expected


def test_suite_time_timestamp_hostname_and_properties():
    start = datetime.datetime(2026, 12, 1, 8, 30, 5, tzinfo=datetime.timezone(datetime.timedelta(hours=2)))
    root = parse(junit_xml("s", CASES, timestamp=start, time=61.0, hostname="ctl",
                           properties={"limit": "site_a", "canary": 1}))
    suite = root.find("testsuite")
    assert suite.get("time") == root.get("time") == "61.000"
    assert suite.get("timestamp") == "2026-12-01T06:30:05"
    assert suite.get("hostname") == "ctl"
    assert {p.get("name"): p.get("value") for p in suite.findall("properties/property")} == {
        "limit": "site_a", "canary": "1"}


def test_empty_suite_is_valid():
    root = parse(junit_xml("nothing", []))
    assert root.find("testsuite").get("tests") == "0"
    assert root.get("time") == "0.000"


def test_unknown_outcome_and_naive_timestamp_are_refused():
    with pytest.raises(ValueError, match="outcome"):
        JUnitCase("a", "b", outcome="unreachable")
    with pytest.raises(ValueError, match="aware"):
        junit_xml("s", [], timestamp=datetime.datetime(2026, 1, 1))


def test_write_replaces_the_file_and_leaves_no_partial_file(tmp_path):
    path = tmp_path / "report.xml"
    path.write_text("old")
    write_junit(str(path), "s", CASES[:2])
    assert ElementTree.parse(str(path)).getroot().get("tests") == "2"
    assert path.read_bytes().startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    assert os.listdir(tmp_path) == ["report.xml"]


def test_write_failure_leaves_the_old_file(tmp_path):
    path = tmp_path / "report.xml"
    path.write_text("old")
    with pytest.raises(ValueError):
        write_junit(str(path), "s", [], timestamp=datetime.datetime(2026, 1, 1))
    assert path.read_text() == "old"
    assert os.listdir(tmp_path) == ["report.xml"]
