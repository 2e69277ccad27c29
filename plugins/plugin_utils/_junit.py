# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fleetops.upgrade contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One JUnit XML writer for every report of this collection (fleet report, drift report).

One test case per device: CI systems (GitLab, Jenkins, GitHub test reporters) show a device as a
passed, failed, errored or skipped test. What a writer must get right, and ansible-core's junit
callback only partly does:

- the ``tests``/``failures``/``errors``/``skipped`` counts and ``time`` agree with the cases, on
  the ``testsuite`` and on the ``testsuites`` root (some readers only look at the root);
- text from devices may hold characters XML 1.0 cannot carry at all (NUL, most C0 controls,
  lone surrogates); escaping does not help there, they are replaced so the file always parses;
- the short ``message`` attribute is one line, the details go in the element's text;
- every case is listed, including devices that could not be reached (the callback leaves
  unreachable hosts out);
- the file is replaced atomically, so a reader never sees half a report.
"""

from __future__ import annotations

__metaclass__ = type

import dataclasses
import datetime
import re

from xml.etree import ElementTree

from ansible_collections.fleetops.upgrade.plugins.plugin_utils._files import write_atomic

OUTCOMES = ("passed", "failure", "error", "skipped")

_NOT_XML_CHARS = re.compile("[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


@dataclasses.dataclass(frozen=True)
class JUnitCase:
    """One test case. ``outcome`` is one of OUTCOMES; ``message`` is the one-line reason shown by CI
    systems for a failure, error or skip; ``text`` holds the details of a failure or error."""

    name: str
    classname: str
    outcome: str = "passed"
    message: str = ""
    text: str = ""
    time: float | None = None
    system_out: str = ""

    def __post_init__(self):
        if self.outcome not in OUTCOMES:
            raise ValueError("JUnit outcome must be one of %s, not %r" % (", ".join(OUTCOMES), self.outcome))


def junit_xml(suite_name, cases, timestamp=None, time=None, hostname=None, properties=None):
    """Return the JUnit XML document (text) of one test suite holding ``cases``.

    ``time`` is the suite's duration in seconds; by default the sum of the cases' times (for a
    fleet run where devices progress in parallel, pass the run's wall time instead).
    ``timestamp`` is an aware datetime (the run's start); ``properties`` a mapping shown as
    ``<properties>``.
    """
    cases = list(cases)
    counts = _counts(cases)
    if time is None:
        time = sum(case.time for case in cases if case.time is not None)
    totals = dict(tests=counts["tests"], failures=counts["failure"], errors=counts["error"],
                  skipped=counts["skipped"], time=_seconds(time))

    root = ElementTree.Element("testsuites", _attributes(name=suite_name, **totals))
    suite = ElementTree.SubElement(root, "testsuite", _attributes(
        name=suite_name, hostname=hostname, timestamp=_timestamp(timestamp), **totals))
    if properties:
        holder = ElementTree.SubElement(suite, "properties")
        for name, value in properties.items():
            ElementTree.SubElement(holder, "property", _attributes(name=name, value=value))
    for case in cases:
        suite.append(_case_element(case))
    ElementTree.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ElementTree.tostring(root, encoding="unicode") + "\n"


def write_junit(path, suite_name, cases, **kwargs):
    """Write ``junit_xml(suite_name, cases, **kwargs)`` to ``path`` (UTF-8), replacing it atomically."""
    write_atomic(path, junit_xml(suite_name, cases, **kwargs))


def _case_element(case):
    element = ElementTree.Element("testcase", _attributes(
        name=case.name, classname=case.classname, time=None if case.time is None else _seconds(case.time)))
    if case.outcome in ("failure", "error"):
        result = ElementTree.SubElement(element, case.outcome, _attributes(
            message=_one_line(case.message) or case.outcome, type=case.outcome))
        result.text = _xml_text(case.text) or None
    elif case.outcome == "skipped":
        ElementTree.SubElement(element, "skipped", _attributes(message=_one_line(case.message) or None))
    if case.system_out:
        ElementTree.SubElement(element, "system-out").text = _xml_text(case.system_out)
    return element


def _counts(cases):
    counts = dict.fromkeys(OUTCOMES, 0)
    for case in cases:
        counts[case.outcome] += 1
    counts["tests"] = len(cases)
    return counts


def _attributes(**values):
    return {key: _xml_text(str(value)) for key, value in values.items() if value is not None}


def _xml_text(value):
    return _NOT_XML_CHARS.sub("\ufffd", value)


def _one_line(value):
    return " ".join(str(value).split())


def _seconds(value):
    return "%.3f" % float(value)


def _timestamp(value):
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError("JUnit timestamp must be an aware datetime")
    return value.astimezone(datetime.timezone.utc).replace(tzinfo=None).isoformat(timespec="seconds")
