#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the tracetrack.aws collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: appautoscaling_target
short_description: Manage Application Auto Scaling scalable targets
version_added: 0.1.0
description:
  - Register, update or deregister a scalable target of Application Auto Scaling, for example the desired count of an
    ECS service (Application Auto Scaling C(DescribeScalableTargets), C(RegisterScalableTarget),
    C(DeregisterScalableTarget)).
  - Only the options that are set are compared and changed; the others are left as they are.
  - Unlike M(community.aws.application_autoscaling_policy), the scalable target is a resource of its own, check mode
    makes no change, and changed bounds are applied without an override flag.
  - Deregistering a scalable target deletes its scaling policies too.
options:
  state:
    description: Whether the scalable target should be registered.
    type: str
    choices: [present, absent]
    default: present
  service_namespace:
    description: The namespace of the AWS service that provides the resource.
    type: str
    default: ecs
    choices: [ecs, elasticmapreduce, ec2, appstream, dynamodb, rds, sagemaker, custom-resource, comprehend, lambda,
              cassandra, kafka, elasticache, neptune, workspaces]
  resource_id:
    description: The resource, for an ECS service V(service/<cluster>/<service>).
    type: str
    required: true
  scalable_dimension:
    description: The scalable dimension of the resource.
    type: str
    default: ecs:service:DesiredCount
  min_capacity:
    description: The lower bound of the capacity. Required to register a new target.
    type: int
  max_capacity:
    description: The upper bound of the capacity. Required to register a new target.
    type: int
  suspended_state:
    description: Suspend scaling in or out, or scheduled scaling. Only the keys that are set are compared.
    type: dict
    suboptions:
      dynamic_scaling_in_suspended:
        description: Suspend scale-in by scaling policies.
        type: bool
      dynamic_scaling_out_suspended:
        description: Suspend scale-out by scaling policies.
        type: bool
      scheduled_scaling_suspended:
        description: Suspend scheduled actions.
        type: bool
author:
  - TraceTrack platform team (@tracetrack)
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Let Application Auto Scaling run 3 to 10 tasks of the web service
  tracetrack.aws.appautoscaling_target:
    resource_id: service/tracetrack-production/tracetrack-production-web
    min_capacity: 3
    max_capacity: 10

- name: Stop scaling the service (its scaling policies go with it)
  tracetrack.aws.appautoscaling_target:
    resource_id: service/tracetrack-dev/tracetrack-dev-web
    state: absent
"""

RETURN = r"""
scalable_target:
  description: The scalable target, as C(DescribeScalableTargets) describes it. Empty after a deregistration.
  returned: always
  type: dict
  contains:
    resource_id:
      description: The resource.
      type: str
      sample: service/tracetrack-production/tracetrack-production-web
    scalable_dimension:
      description: The scalable dimension.
      type: str
      sample: ecs:service:DesiredCount
    min_capacity:
      description: The lower bound.
      type: int
      sample: 3
    max_capacity:
      description: The upper bound.
      type: int
      sample: 10
    scalable_target_arn:
      description: The scalable target's ARN.
      type: str
"""

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.tracetrack.aws.plugins.module_utils.appautoscaling import appautoscaling_client
from ansible_collections.tracetrack.aws.plugins.module_utils.appautoscaling import describe_scalable_target
from ansible_collections.tracetrack.aws.plugins.module_utils.appautoscaling import register_scalable_target
from ansible_collections.tracetrack.aws.plugins.module_utils.appautoscaling import scalable_resource_of

SUSPENDED_KEYS = {
    "dynamic_scaling_in_suspended": "DynamicScalingInSuspended",
    "dynamic_scaling_out_suspended": "DynamicScalingOutSuspended",
    "scheduled_scaling_suspended": "ScheduledScalingSuspended",
}


def planned_changes(target, params):
    """The RegisterScalableTarget fields that differ from the target ({} when nothing does)."""
    changes = {}
    for option, key in (("min_capacity", "MinCapacity"), ("max_capacity", "MaxCapacity")):
        if params[option] is not None and (target or {}).get(key) != params[option]:
            changes[key] = params[option]
    if params["suspended_state"]:
        current = (target or {}).get("SuspendedState") or {}
        wanted = {key: params["suspended_state"][option] for option, key in SUSPENDED_KEYS.items() if params["suspended_state"].get(option) is not None}
        if any(current.get(key, False) != value for key, value in wanted.items()):
            changes["SuspendedState"] = wanted
    return changes


def view(target):
    if not target:
        return {}
    return {k: target.get(k) for k in ("MinCapacity", "MaxCapacity", "SuspendedState") if target.get(k) is not None}


def ensure_present(client, module):
    params = module.params
    resource = scalable_resource_of(params)
    target = describe_scalable_target(client, module, resource)
    if target is None and (params["min_capacity"] is None or params["max_capacity"] is None):
        module.fail_json(msg="min_capacity and max_capacity are needed to register a new scalable target")
    lower = params["min_capacity"] if params["min_capacity"] is not None else target["MinCapacity"]
    upper = params["max_capacity"] if params["max_capacity"] is not None else target["MaxCapacity"]
    if lower > upper:
        module.fail_json(msg=f"min_capacity ({lower}) must not be above max_capacity ({upper})")

    changes = planned_changes(target, params)
    after = dict(target or {}, ResourceId=params["resource_id"], ScalableDimension=params["scalable_dimension"])
    after.update(changes)
    if changes and not module.check_mode:
        register_scalable_target(client, module, resource, **changes)
        after = describe_scalable_target(client, module, resource) or after
    module.exit_json(
        changed=bool(changes),
        scalable_target=camel_dict_to_snake_dict(after),
        diff=dict(before=view(target), after=view(after)),
    )


def ensure_absent(client, module):
    params = module.params
    resource = scalable_resource_of(params)
    target = describe_scalable_target(client, module, resource)
    if target is None:
        module.exit_json(changed=False, scalable_target={})
    if not module.check_mode:
        try:
            client.deregister_scalable_target(aws_retry=True, **resource)
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
            module.fail_json_aws(e, msg=f"Couldn't deregister the scalable target {params['resource_id']}")
    module.exit_json(changed=True, scalable_target={}, diff=dict(before=view(target), after={}))


def main():
    argument_spec = dict(
        state=dict(type="str", choices=["present", "absent"], default="present"),
        service_namespace=dict(
            type="str",
            default="ecs",
            choices=[
                "ecs",
                "elasticmapreduce",
                "ec2",
                "appstream",
                "dynamodb",
                "rds",
                "sagemaker",
                "custom-resource",
                "comprehend",
                "lambda",
                "cassandra",
                "kafka",
                "elasticache",
                "neptune",
                "workspaces",
            ],
        ),
        resource_id=dict(type="str", required=True),
        scalable_dimension=dict(type="str", default="ecs:service:DesiredCount"),
        min_capacity=dict(type="int"),
        max_capacity=dict(type="int"),
        suspended_state=dict(
            type="dict",
            options=dict(
                dynamic_scaling_in_suspended=dict(type="bool"),
                dynamic_scaling_out_suspended=dict(type="bool"),
                scheduled_scaling_suspended=dict(type="bool"),
            ),
        ),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    for option in ("min_capacity", "max_capacity"):
        if module.params[option] is not None and module.params[option] < 0:
            module.fail_json(msg=f"{option} must be 0 or more")
    client = appautoscaling_client(module)
    if module.params["state"] == "present":
        ensure_present(client, module)
    else:
        ensure_absent(client, module)


if __name__ == "__main__":
    main()
