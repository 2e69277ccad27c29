"""The artifact key of the fleet report, and how AWX combines slices' artifacts (AWX's own lines, copied)."""

import copy
import re

from ansible_collections.fleetops.upgrade.plugins.plugin_utils._awx import REPORT_KEY_PATTERN, awx_job, report_key

# AWX's meta vars for slice 2 of a sliced job (UnifiedJob.awx_meta_vars / Job.awx_meta_vars).
SLICE_VARS = {"awx_job_id": 102, "tower_job_id": 102, "awx_workflow_job_id": 100, "tower_workflow_job_id": 100,
              "awx_workflow_job_name": "upgrade site_a", "awx_job_template_name": "upgrade site_a",
              "awx_execution_node": "exec-2", "inventory_hostname": "hem-1"}


def effective_artifacts_of_workflow_job(jobs):
    """awx/main/models/workflow.py WorkflowJob.get_effective_artifacts (AWX devel e21dd0a, lines 736-755): the jobs of
    the workflow's nodes, ordered by ('finished', 'id'), successful or failed, each job's artifacts
    (Job.get_effective_artifacts: the artifacts dict) merged with dict.update."""
    artifacts = {}
    for job in sorted(jobs, key=lambda job: (job["finished"], job["id"])):
        if job["status"] in ("successful", "failed"):
            artifacts.update(job["artifacts"] if isinstance(job["artifacts"], dict) else {})
    return artifacts


def next_node_extra_vars(parent_nodes, node_extra_vars):
    """awx/main/models/workflow.py WorkflowJobNode.get_job_kwargs (lines 346-375): parents' ancestor artifacts and
    their jobs' effective artifacts, dict.update in parent id order, become the next job's extra vars."""
    aa_dict = {}
    for parent in sorted(parent_nodes, key=lambda node: node["id"]):
        aa_dict.update(parent["ancestor_artifacts"])
        aa_dict.update(parent["effective_artifacts"])
    extra_vars = copy.copy(node_extra_vars)
    functional_aa_dict = copy.copy(aa_dict)
    functional_aa_dict.pop("_ansible_no_log", None)
    extra_vars.update(functional_aa_dict)
    return extra_vars


def slice_job(job_id, finished, report):
    task_vars = dict(SLICE_VARS, awx_job_id=job_id, tower_job_id=job_id)
    return {"id": job_id, "finished": finished, "status": "failed" if report["failed"] else "successful",
            "artifacts": {report_key(task_vars): report}}


def test_plain_runs_and_jobs_outside_workflows_use_fleetops_report():
    assert report_key({}) == "fleetops_report"
    assert report_key({"awx_job_id": 7, "tower_job_id": 7}) == "fleetops_report"
    assert report_key({"awx_workflow_job_id": 3}) == "fleetops_report"


def test_a_job_inside_a_workflow_gets_its_own_top_level_key():
    assert report_key(SLICE_VARS) == "fleetops_report_102"
    assert report_key({"tower_job_id": "55", "tower_workflow_job_id": "50"}) == "fleetops_report_55"
    assert re.match(REPORT_KEY_PATTERN, report_key(SLICE_VARS))
    assert re.match(REPORT_KEY_PATTERN, report_key({}))


def test_awx_job_header():
    assert awx_job({}) is None
    assert awx_job(SLICE_VARS) == {"job_id": 102, "job_template_name": "upgrade site_a", "workflow_job_id": 100,
                                   "workflow_job_name": "upgrade site_a", "execution_node": "exec-2"}


def test_every_slice_survives_awx_combination_for_the_workflow_and_the_next_node():
    slices = [slice_job(101, 30.0, {"hosts": ["hem-1", "npm-1"], "failed": False}),
              slice_job(102, 20.0, {"hosts": ["hem-2"], "failed": True}),
              slice_job(103, 25.0, {"hosts": ["cam-1"], "failed": False})]
    combined = effective_artifacts_of_workflow_job(slices)
    assert combined == {"fleetops_report_101": {"hosts": ["hem-1", "npm-1"], "failed": False},
                        "fleetops_report_102": {"hosts": ["hem-2"], "failed": True},
                        "fleetops_report_103": {"hosts": ["cam-1"], "failed": False}}

    sliced_node = {"id": 9, "ancestor_artifacts": {}, "effective_artifacts": combined}
    other_node = {"id": 10, "ancestor_artifacts": {}, "effective_artifacts": {"fleetops_report_90": {"hosts": ["x"]}}}
    extra_vars = next_node_extra_vars([sliced_node, other_node], {"notify": "ops"})
    reports = {key: value for key, value in extra_vars.items() if re.match(REPORT_KEY_PATTERN, key)}
    assert sorted(reports) == ["fleetops_report_101", "fleetops_report_102", "fleetops_report_103", "fleetops_report_90"]
    assert extra_vars["notify"] == "ops"


def test_a_sub_key_inside_one_fleetops_report_would_lose_all_slices_but_the_last():
    """Why the key is top-level: the shape that looks natural does not survive AWX's shallow update."""
    slices = [{"id": job_id, "finished": float(job_id), "status": "successful",
               "artifacts": {"fleetops_report": {"job_%d" % job_id: {"hosts": [job_id]}}}} for job_id in (101, 102)]
    assert effective_artifacts_of_workflow_job(slices) == {"fleetops_report": {"job_102": {"hosts": [102]}}}
