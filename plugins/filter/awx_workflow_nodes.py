# -*- coding: utf-8 -*-

# Copyright: Contributors to the tracetrack.aws collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
name: awx_workflow_nodes
short_description: A workflow's steps as the workflow_nodes of awx.awx.workflow_job_template
version_added: 0.4.0
description:
  - Takes the steps of a workflow as C(awx/vars/workflows.yml) lists them in C(simplified_workflow_nodes) - each with
    C(identifier), C(unified_job_template) by name and C(success_nodes) by identifier - and returns the
    C(workflow_nodes) that M(awx.awx.workflow_job_template) takes, each job template named in the workflow's
    organization.
options:
  _input:
    description: The steps, each with C(identifier), C(unified_job_template) and optionally C(success_nodes).
    type: list
    elements: dict
    required: true
  organization:
    description: The organization the job templates belong to.
    type: str
    required: true
author:
  - TraceTrack platform team (@tracetrack)
"""

EXAMPLES = r"""
- name: The release workflow's nodes
  ansible.builtin.debug:
    msg: "{{ [{'identifier': 'provision', 'unified_job_template': 'TraceTrack provision'}] | tracetrack.aws.awx_workflow_nodes('Default') }}"
"""

RETURN = r"""
_value:
  description: Each node's C(identifier), C(unified_job_template) (name, type, organization) and C(related.success_nodes).
  type: list
  elements: dict
"""

from ansible.errors import AnsibleFilterError


def awx_workflow_nodes(steps, organization):
    if not isinstance(steps, list) or not all(isinstance(step, dict) and step.get("identifier") and step.get("unified_job_template") for step in steps):
        raise AnsibleFilterError("awx_workflow_nodes: each step needs an identifier and a unified_job_template")
    identifiers = {step["identifier"] for step in steps}
    unknown = sorted({successor for step in steps for successor in step.get("success_nodes") or [] if successor not in identifiers})
    if unknown:
        raise AnsibleFilterError(f"awx_workflow_nodes: success_nodes names steps that do not exist: {', '.join(unknown)}")
    return [
        {
            "identifier": step["identifier"],
            "unified_job_template": {"name": step["unified_job_template"], "type": "job_template", "organization": {"name": organization}},
            "related": {"success_nodes": [{"identifier": successor} for successor in step.get("success_nodes") or []]},
        }
        for step in steps
    ]


class FilterModule:
    def filters(self):
        return {"awx_workflow_nodes": awx_workflow_nodes}
