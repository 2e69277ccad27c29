# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fleetops.upgrade contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

__metaclass__ = type

import json

from ansible.plugins.action import ActionBase

from ansible_collections.fleetops.upgrade.plugins.plugin_utils._awx import awx_job
from ansible_collections.fleetops.upgrade.plugins.plugin_utils._device_classes import CLASS_NAMES, DEVICE_CLASSES
from ansible_collections.fleetops.upgrade.plugins.plugin_utils._drift import report
from ansible_collections.fleetops.upgrade.plugins.plugin_utils._files import write_atomic
from ansible_collections.fleetops.upgrade.plugins.plugin_utils._junit import write_junit
from ansible_collections.fleetops.upgrade.plugins.plugin_utils._report_render import (
    ReportWriteError, drift_junit_cases, drift_lines, drift_status_lines, drift_summary_line, write_report_files)

ARGUMENT_SPEC = dict(
    hosts=dict(type="list", elements="str", required=True),
    report_dir=dict(type="path"),
)
JSON_NAME = "drift-report.json"
JUNIT_NAME = "drift-report.xml"


class ActionModule(ActionBase):
    """Builds the drift report from every host's survey record; writes it to report_dir when given."""

    TRANSFERS_FILES = False
    _requires_connection = False
    _supports_check_mode = True

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        del tmp
        params = self.validate_argument_spec(ARGUMENT_SPEC)[0].validated_parameters
        document = report(params["hosts"], self.records(params["hosts"], task_vars), CLASS_NAMES, limit=task_vars.get("ansible_limit"),
                          awx=awx_job(task_vars))
        result.update(changed=False, in_sync=document["in_sync"], summary=document["summary"], msg=drift_summary_line(document),
                      status_lines=drift_status_lines(document), drift_lines=drift_lines(document), hosts=document["hosts"])
        if params["report_dir"]:
            try:
                result["files"] = write_report(params["report_dir"], document)
            except ReportWriteError as exc:
                return dict(result, failed=True, msg=str(exc))
        return result

    @staticmethod
    def records(hosts, task_vars):
        hostvars = task_vars["hostvars"]
        records = {}
        for host in hosts:
            variables = hostvars[host]
            device_class = variables.get("fleetops_device_class")
            known = DEVICE_CLASSES.get(device_class) if isinstance(device_class, str) else None
            records[host] = (device_class, variables.get(known.survey_var) if known else None)
        return records


def write_report(directory, document):
    """Write drift-report.json and drift-report.xml (JUnit) to ``directory``; returns their paths."""
    paths = write_report_files("drift report", directory, {
        "json": (JSON_NAME, lambda path: write_atomic(path, json.dumps(document, indent=2) + "\n")),
        "junit": (JUNIT_NAME, lambda path: write_junit(path, "fleetops drift", drift_junit_cases(document),
                                                       properties={"limit": document["limit"] or "all"})),
    })
    return [paths["json"], paths["junit"]]
