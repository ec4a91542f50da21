"""awx_workflow_nodes: a workflow's steps as awx.awx.workflow_job_template's workflow_nodes."""

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.tracetrack.aws.plugins.filter.awx_workflow_nodes import awx_workflow_nodes

STEPS = [
    {"identifier": "provision", "unified_job_template": "TraceTrack provision", "success_nodes": ["deploy"]},
    {"identifier": "deploy", "unified_job_template": "TraceTrack deploy"},
]


def test_each_step_names_its_job_template_in_the_organization_and_its_successors():
    assert awx_workflow_nodes(STEPS, "Ops") == [
        {
            "identifier": "provision",
            "unified_job_template": {"name": "TraceTrack provision", "type": "job_template", "organization": {"name": "Ops"}},
            "related": {"success_nodes": [{"identifier": "deploy"}]},
        },
        {
            "identifier": "deploy",
            "unified_job_template": {"name": "TraceTrack deploy", "type": "job_template", "organization": {"name": "Ops"}},
            "related": {"success_nodes": []},
        },
    ]


@pytest.mark.parametrize(
    ("steps", "message"),
    [
        ([{"identifier": "a"}], "needs an identifier and a unified_job_template"),
        ([{"identifier": "a", "unified_job_template": "A", "success_nodes": ["b"]}], "do not exist: b"),
    ],
)
def test_bad_steps_are_refused(steps, message):
    with pytest.raises(AnsibleFilterError, match=message):
        awx_workflow_nodes(steps, "Ops")
