# -*- coding: utf-8 -*-
# Copyright: (c) 2026, fleetops.upgrade contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Where the fleet report goes in AWX job artifacts (``set_stats``), so that no job slice overwrites another.

AWX combines artifacts with a *shallow* ``dict.update`` of their top-level keys: the artifacts of a
sliced job's slices, in the order they finished (``WorkflowJob.get_effective_artifacts``), and the
artifacts of a workflow node's parents before they become the next node's extra vars
(``WorkflowJobNode.get_job_kwargs``). A per-slice sub-key *inside* one ``fleetops_report`` key would
therefore still be replaced wholesale by the slice that finished last. So a job that runs inside an
AWX workflow (every slice of a sliced job does) puts its report under its own top-level key,
``fleetops_report_<awx_job_id>``; any other run (plain ansible-playbook, ansible-runner, an AWX job
outside a workflow) uses ``fleetops_report``.

AWX gives a playbook no slice number; ``awx_job_id`` is unique per slice and ``awx_workflow_job_id``
is set for every job launched by a workflow (``UnifiedJob.awx_meta_vars``). The older ``tower_``
names are the same values.
"""

from __future__ import annotations

__metaclass__ = type

REPORT_KEY = "fleetops_report"
REPORT_KEY_PATTERN = r"^fleetops_report(_[0-9]+)?$"


def report_key(task_vars):
    """The top-level artifact key for this run's report (see the module docstring)."""
    job_id = _awx_var(task_vars, "job_id")
    if job_id is None or _awx_var(task_vars, "workflow_job_id") is None:
        return REPORT_KEY
    return "%s_%d" % (REPORT_KEY, int(job_id))


def awx_job(task_vars):
    """The AWX job this run belongs to (for the report header), or None outside AWX."""
    names = ("job_id", "job_template_name", "workflow_job_id", "workflow_job_name", "execution_node")
    job = {name: _awx_var(task_vars, name) for name in names}
    if job["job_id"] is None:
        return None
    return {name: value for name, value in job.items() if value is not None}


def _awx_var(task_vars, name):
    for prefix in ("awx", "tower"):
        value = task_vars.get("%s_%s" % (prefix, name))
        if value not in (None, ""):
            return value
    return None
