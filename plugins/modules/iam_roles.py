#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the tracetrack.aws collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: iam_roles
short_description: Manage a set of IAM roles with their trust, inline and managed policies and tags, in one task
version_added: 0.4.0
description:
  - Makes each role of O(roles) exist with the given trust policy, description, maximum session duration and tags, with
    exactly the inline policies of O(roles[].inline_policies) and the managed policies of O(roles[].managed_policies)
    (IAM C(GetRole), C(ListRolePolicies), C(GetRolePolicy), C(ListAttachedRolePolicies), C(CreateRole),
    C(UpdateAssumeRolePolicy), C(UpdateRole), C(PutRolePolicy), C(DeleteRolePolicy), C(AttachRolePolicy),
    C(DetachRolePolicy), C(TagRole), C(UntagRole)).
  - Policies are compared as policies (the order of statements and lists, a single value or a list of one), the way
    M(amazon.aws.iam_role) compares them, and written only where they differ; a role with nothing to change costs three
    reads and one more per inline policy, where M(amazon.aws.iam_role) and M(amazon.aws.iam_policy) take a task each and
    about eight reads.
  - A role just made is reported from the answer of C(CreateRole), not read back - IAM takes seconds to show a new role
    everywhere. Whoever uses it (a service assuming it) must allow for that.
  - Supports C(--check) and C(--diff); RV(changed_roles) names each role that changed, or would.
options:
  roles:
    description: The roles that should exist.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description: The role's name.
        type: str
        required: true
      path:
        description: The role's path; that of an existing role cannot change (IAM has no call for it).
        type: str
        default: /
      description:
        description: The role's description.
        type: str
        default: ""
      assume_role_policy_document:
        description: The trust policy - who may assume the role.
        type: json
        required: true
      max_session_duration:
        description: The longest session, in seconds (3600 to 43200); not set, IAM's default (3600) for a new role.
        type: int
      inline_policies:
        description: The role's inline policies, by name; those the role has and this does not list are deleted.
        type: dict
        default: {}
      managed_policies:
        description: The ARNs of the managed policies attached to the role; those attached and not listed are detached.
        type: list
        elements: str
        default: []
      tags:
        description: The role's tags; with O(purge_tags) the only ones it keeps.
        type: dict
  purge_tags:
    description: Remove the tags a role carries that its O(roles[].tags) does not list.
    type: bool
    default: true
author:
  - TraceTrack platform team (@tracetrack)
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: The roles ECS starts a service's tasks with, and the one the application calls AWS with
  tracetrack.aws.iam_roles:
    roles:
      - name: shop-production-ecs-execution
        description: ECS starts the tasks with it
        assume_role_policy_document: "{{ lookup('ansible.builtin.template', 'ecs_tasks_trust.json.j2') }}"
        inline_policies:
          start-tasks: "{{ lookup('ansible.builtin.template', 'execution_role_policy.json.j2') }}"
        tags: {Project: shop}
      - name: shop-production-ecs-infrastructure
        assume_role_policy_document: "{{ lookup('ansible.builtin.template', 'ecs_infrastructure_trust.json.j2') }}"
        managed_policies:
          - arn:aws:iam::aws:policy/AmazonECSInfrastructureRolePolicyForLoadBalancers
  register: made
- name: Their ARNs, in the order listed
  ansible.builtin.debug:
    msg: "{{ made.roles | map(attribute='arn') | list }}"
"""

RETURN = r"""
roles:
  description:
    - The roles of O(roles), in the order listed, as IAM describes them (snake_cased), with the names of their inline
      policies and the ARNs of their managed policies.
    - In check mode a role that would be created has an empty RV(roles[].arn).
  returned: always
  type: list
  elements: dict
  contains:
    role_name:
      description: The role's name.
      type: str
    arn:
      description: The role's ARN.
      type: str
    inline_policies:
      description: The names of the role's inline policies.
      type: list
      elements: str
    managed_policies:
      description: The ARNs of the managed policies attached to the role.
      type: list
      elements: str
    tags:
      description: The role's tags.
      type: dict
changed_roles:
  description: Each role that was created or changed, or would be in check mode, with what changes.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The role's name.
      type: str
    action:
      description: V(created) or V(updated).
      type: str
    diff:
      description: The parts that change, as they are and as they become.
      type: dict
"""

import json

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.iam import AnsibleIAMError
from ansible_collections.amazon.aws.plugins.module_utils.iam import get_iam_role
from ansible_collections.amazon.aws.plugins.module_utils.iam import list_iam_role_attached_policies
from ansible_collections.amazon.aws.plugins.module_utils.iam import list_iam_role_policies
from ansible_collections.amazon.aws.plugins.module_utils.iam import normalize_iam_role
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.policy import compare_policies
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict
from ansible_collections.amazon.aws.plugins.module_utils.tagging import compare_aws_tags


def as_policy(document, where):
    """A policy given as JSON text or as data, as data."""
    if isinstance(document, str):
        try:
            return json.loads(document)
        except ValueError as e:
            raise ValueError(f"{where} is not JSON: {e}") from e
    return document


def wanted_of(spec):
    """The role as the module should leave it (policies as data)."""
    return {
        "trust": as_policy(spec["assume_role_policy_document"], f"roles[{spec['name']}].assume_role_policy_document"),
        "inline": {name: as_policy(doc, f"roles[{spec['name']}].inline_policies.{name}") for name, doc in (spec["inline_policies"] or {}).items()},
        "managed": sorted(set(spec["managed_policies"] or [])),
    }


def read_role(client, name):
    """(GetRole answer or None, {inline policy name: document}, [managed policy ARNs])."""
    role = get_iam_role(client, name)
    if role is None:
        return None, {}, []
    inline = {}
    for policy in list_iam_role_policies(client, name):
        inline[policy] = client.get_role_policy(aws_retry=True, RoleName=name, PolicyName=policy)["PolicyDocument"]
    managed = sorted(p["PolicyArn"] for p in list_iam_role_attached_policies(client, name))
    return role, inline, managed


def plan(spec, wanted, current, purge_tags):
    """The calls that make one role as wanted: a dict (empty: nothing to do), and the diff."""
    role, inline, managed = current
    if role is None:
        return {"create": True}, {
            "before": {},
            "after": {"trust": wanted["trust"], "inline_policies": sorted(wanted["inline"]), "managed_policies": wanted["managed"]},
        }
    step, before, after = {}, {}, {}
    if compare_policies(role.get("AssumeRolePolicyDocument") or {}, wanted["trust"]):
        step["trust"] = wanted["trust"]
        before["trust"], after["trust"] = role.get("AssumeRolePolicyDocument"), wanted["trust"]
    update = {}
    if role.get("Description", "") != spec["description"]:
        update["Description"] = spec["description"]
    if spec.get("max_session_duration") is not None and role.get("MaxSessionDuration") != spec["max_session_duration"]:
        update["MaxSessionDuration"] = spec["max_session_duration"]
    if update:
        step["update"] = update
        before.update({k: role.get(k) for k in update})
        after.update(update)
    put = sorted(name for name, doc in wanted["inline"].items() if name not in inline or compare_policies(inline[name], doc))
    delete = sorted(name for name in inline if name not in wanted["inline"])
    if put or delete:
        step["put"], step["delete"] = put, delete
        before["inline_policies"], after["inline_policies"] = sorted(inline), sorted(wanted["inline"])
        if put:
            after["changed_inline_policies"] = put
    attach = [arn for arn in wanted["managed"] if arn not in managed]
    detach = [arn for arn in managed if arn not in wanted["managed"]]
    if attach or detach:
        step["attach"], step["detach"] = attach, detach
        before["managed_policies"], after["managed_policies"] = managed, wanted["managed"]
    if spec.get("tags") is not None:
        tags = boto3_tag_list_to_ansible_dict(role.get("Tags") or [])
        to_set, to_remove = compare_aws_tags(tags, spec["tags"], purge_tags=purge_tags)
        if to_set or to_remove:
            step["tag"], step["untag"] = to_set, to_remove
            before["tags"], after["tags"] = tags, spec["tags"] if purge_tags else {**tags, **spec["tags"]}
    return step, {"before": before, "after": after}


def apply(client, spec, wanted, step):
    """Make the calls of step; returns the CreateRole answer for a new role. botocore errors are the caller's."""
    name = spec["name"]
    created = None
    if step.get("create"):
        request = {"RoleName": name, "Path": spec["path"], "AssumeRolePolicyDocument": json.dumps(wanted["trust"]), "Description": spec["description"]}
        if spec.get("max_session_duration") is not None:
            request["MaxSessionDuration"] = spec["max_session_duration"]
        if spec.get("tags"):
            request["Tags"] = ansible_dict_to_boto3_tag_list(spec["tags"])
        created = client.create_role(aws_retry=True, **request)["Role"]
        step = {"put": sorted(wanted["inline"]), "delete": [], "attach": wanted["managed"], "detach": []}
    if step.get("trust"):
        client.update_assume_role_policy(aws_retry=True, RoleName=name, PolicyDocument=json.dumps(step["trust"]))
    if step.get("update"):
        client.update_role(aws_retry=True, RoleName=name, **step["update"])
    for policy in step.get("put", []):
        client.put_role_policy(aws_retry=True, RoleName=name, PolicyName=policy, PolicyDocument=json.dumps(wanted["inline"][policy]))
    for policy in step.get("delete", []):
        client.delete_role_policy(aws_retry=True, RoleName=name, PolicyName=policy)
    for arn in step.get("attach", []):
        client.attach_role_policy(aws_retry=True, RoleName=name, PolicyArn=arn)
    for arn in step.get("detach", []):
        client.detach_role_policy(aws_retry=True, RoleName=name, PolicyArn=arn)
    if step.get("untag"):
        client.untag_role(aws_retry=True, RoleName=name, TagKeys=step["untag"])
    if step.get("tag"):
        client.tag_role(aws_retry=True, RoleName=name, Tags=ansible_dict_to_boto3_tag_list(step["tag"]))
    return created


def result_of(spec, wanted, role, purge_tags, step):
    """The role as it is after the run (or would be, in check mode)."""
    if role is None:
        result = {"role_name": spec["name"], "arn": "", "path": spec["path"], "description": spec["description"]}
        tags = dict(spec.get("tags") or {})
    else:
        result = normalize_iam_role({k: v for k, v in role.items() if k != "Tags"})
        tags = boto3_tag_list_to_ansible_dict(role.get("Tags") or [])
        if step.get("update"):
            result["description"] = spec["description"]
            if "MaxSessionDuration" in step["update"]:
                result["max_session_duration"] = spec["max_session_duration"]
        if spec.get("tags") is not None:
            tags = dict(spec["tags"]) if purge_tags else {**tags, **spec["tags"]}
    result["tags"] = tags
    result["assume_role_policy_document"] = wanted["trust"]
    result["inline_policies"] = sorted(wanted["inline"])
    result["managed_policies"] = wanted["managed"]
    return result


def ensure_roles(client, module, params):
    names = [spec["name"] for spec in params["roles"]]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        module.fail_json(msg=f"roles lists {', '.join(repeated)} more than once")
    try:
        wanted = [wanted_of(spec) for spec in params["roles"]]
    except ValueError as e:
        module.fail_json(msg=str(e))
    steps = []
    for index, spec in enumerate(params["roles"]):
        want = wanted[index]
        try:
            current = read_role(client, spec["name"])
        except AnsibleIAMError as e:
            module.fail_json_aws_error(e)
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
            module.fail_json_aws(e, msg=f"Couldn't read the inline policies of role {spec['name']}")
        if current[0] is not None and current[0].get("Path", "/") != spec["path"]:
            module.fail_json(msg=f"roles[{spec['name']}].path: the role's path is {current[0].get('Path')}, and IAM cannot change it (remove the role first)")
        step, diff = plan(spec, want, current, params["purge_tags"])
        steps.append((spec, want, current[0], step, diff))
    changed = [
        {"name": spec["name"], "action": "created" if step.get("create") else "updated", "diff": diff} for spec, _want, _role, step, diff in steps if step
    ]
    results = []
    for spec, want, role, step, _diff in steps:
        if step and not module.check_mode:
            try:
                created = apply(client, spec, want, step)
            except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
                module.fail_json_aws(e, msg=f"Couldn't {'create' if step.get('create') else 'update'} role {spec['name']}")
            role = created if created is not None else role
        results.append(result_of(spec, want, role, params["purge_tags"], step))
    result = {"changed": bool(changed), "roles": results, "changed_roles": changed}
    if changed:
        result["diff"] = {"before": {c["name"]: c["diff"]["before"] for c in changed}, "after": {c["name"]: c["diff"]["after"] for c in changed}}
    module.exit_json(**result)


def main():
    argument_spec = dict(
        roles=dict(
            type="list",
            elements="dict",
            required=True,
            options=dict(
                name=dict(type="str", required=True),
                path=dict(type="str", default="/"),
                description=dict(type="str", default=""),
                assume_role_policy_document=dict(type="json", required=True),
                max_session_duration=dict(type="int"),
                inline_policies=dict(type="dict", default={}),
                managed_policies=dict(type="list", elements="str", default=[]),
                tags=dict(type="dict"),
            ),
        ),
        purge_tags=dict(type="bool", default=True),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    client = module.client("iam", retry_decorator=AWSRetry.jittered_backoff())
    ensure_roles(client, module, module.params)


if __name__ == "__main__":
    main()
