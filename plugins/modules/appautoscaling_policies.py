#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the tracetrack.aws collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: appautoscaling_policies
short_description: Manage a set of Application Auto Scaling target tracking policies in one task
version_added: 0.4.0
description:
  - Makes each target tracking policy of O(policies) exist as given, or not exist (O(policies[].state=absent)), in one
    module run (Application Auto Scaling C(DescribeScalingPolicies), C(PutScalingPolicy), C(DeleteScalingPolicy)).
  - The policies are read with one C(DescribeScalingPolicies) per scalable target, and each is compared in the form
    Application Auto Scaling stores it, as M(tracetrack.aws.appautoscaling_policy) does for one policy; only a policy
    that differs is put again.
  - The scalable targets must be registered first (M(tracetrack.aws.appautoscaling_target)).
  - Supports C(--check) and C(--diff); RV(changed_policies) names each policy that changed, or would.
options:
  policies:
    description: The policies, each with the options of M(tracetrack.aws.appautoscaling_policy).
    type: list
    elements: dict
    required: true
    suboptions:
      policy_name:
        description: The policy's name, unique per scalable target.
        type: str
        required: true
        aliases: [name]
      state:
        description: Whether the policy should exist.
        type: str
        choices: [present, absent]
        default: present
      service_namespace:
        description: The service of the scalable target.
        type: str
        default: ecs
      resource_id:
        description: The scalable target, for an ECS service V(service/<cluster>/<service>).
        type: str
        required: true
      scalable_dimension:
        description: The dimension scaled.
        type: str
        default: ecs:service:DesiredCount
      target_value:
        description: The value the metric is kept at; required with O(policies[].state=present).
        type: float
      predefined_metric:
        description: A metric Application Auto Scaling predefines.
        type: dict
        suboptions:
          type:
            description: Its type, such as V(ECSServiceAverageCPUUtilization) or V(ALBRequestCountPerTarget).
            type: str
            required: true
          resource_label:
            description: The load balancer and target group, for V(ALBRequestCountPerTarget).
            type: str
      customized_metric:
        description: A CloudWatch metric of your own; a percentile statistic is sent as a metric query.
        type: dict
        suboptions:
          namespace:
            description: The metric's namespace.
            type: str
            required: true
          metric_name:
            description: The metric's name.
            type: str
            required: true
          dimensions:
            description: The metric's dimensions.
            type: dict
            default: {}
          statistic:
            description: V(Average), V(Minimum), V(Maximum), V(SampleCount), V(Sum) or a percentile such as V(p95).
            type: str
            default: Average
          unit:
            description: The metric's unit.
            type: str
      scale_in_cooldown:
        description: Seconds after a scale-in before another.
        type: int
        default: 300
      scale_out_cooldown:
        description: Seconds after a scale-out before another.
        type: int
        default: 300
      disable_scale_in:
        description: Whether the policy never scales in.
        type: bool
        default: false
author:
  - TraceTrack platform team (@tracetrack)
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: CPU and requests per target for one service, no memory policy
  tracetrack.aws.appautoscaling_policies:
    policies:
      - policy_name: shop-web-cpu
        resource_id: service/shop-production/shop-web
        target_value: 60
        predefined_metric: {type: ECSServiceAverageCPUUtilization}
      - policy_name: shop-web-requests
        resource_id: service/shop-production/shop-web
        target_value: 200
        predefined_metric:
          type: ALBRequestCountPerTarget
          resource_label: app/shop-alb/123/targetgroup/shop-web/456
      - policy_name: shop-web-memory
        resource_id: service/shop-production/shop-web
        state: absent
"""

RETURN = r"""
policies:
  description: The policies of O(policies) that exist after the run (or would, in check mode), in the order listed.
  returned: always
  type: list
  elements: dict
  contains:
    policy_name:
      description: The policy's name.
      type: str
    policy_arn:
      description: The policy's ARN (empty for a policy just put in check mode).
      type: str
    target_tracking_scaling_policy_configuration:
      description: The target tracking configuration.
      type: dict
changed_policies:
  description: Each policy that was put or deleted, or would be in check mode, with its configuration before and after.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The policy's name.
      type: str
    action:
      description: V(created), V(updated) or V(deleted).
      type: str
    diff:
      description: The configuration as it is and as it becomes.
      type: dict
"""

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.tracetrack.aws.plugins.module_utils.appautoscaling import appautoscaling_client
from ansible_collections.tracetrack.aws.plugins.module_utils.appautoscaling import build_configuration
from ansible_collections.tracetrack.aws.plugins.module_utils.appautoscaling import format_policy
from ansible_collections.tracetrack.aws.plugins.module_utils.appautoscaling import normalize
from ansible_collections.tracetrack.aws.plugins.module_utils.appautoscaling import policy_argument_spec
from ansible_collections.tracetrack.aws.plugins.module_utils.appautoscaling import policy_option_problems
from ansible_collections.tracetrack.aws.plugins.module_utils.appautoscaling import scalable_resource_of


def problems_of(policies):
    """What is wrong with the input, before any call: a list of messages, each naming the policy and the option."""
    problems = []
    names = [(p["resource_id"], p["policy_name"]) for p in policies]
    for resource_id, name in sorted({n for n in names if names.count(n) > 1}):
        problems.append(f"policies lists {name} of {resource_id} more than once")
    for policy in policies:
        where = f"policies[{policy['policy_name']}]"
        if policy["state"] == "present":
            if policy["target_value"] is None:
                problems.append(f"{where}.target_value is required with state present")
            if bool(policy["predefined_metric"]) == bool(policy["customized_metric"]):
                problems.append(f"{where} needs one of predefined_metric and customized_metric")
        problems.extend(policy_option_problems(policy, f"{where}."))
    return problems


@AWSRetry.jittered_backoff()
def _describe_pages(client, **resource):
    return client.get_paginator("describe_scaling_policies").paginate(**resource).build_full_result()


def describe_policies(client, module, policies):
    """{(resource key, policy name): described policy}, one DescribeScalingPolicies per scalable target."""
    found = {}
    for key in dict.fromkeys(tuple(sorted(scalable_resource_of(p).items())) for p in policies):
        resource = dict(key)
        try:
            described = _describe_pages(client, **resource)["ScalingPolicies"]
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
            module.fail_json_aws(e, msg=f"Couldn't describe the scaling policies of {resource['ResourceId']}")
        for policy in described:
            if policy.get("ScalableDimension", resource["ScalableDimension"]) == resource["ScalableDimension"]:
                found[(key, policy["PolicyName"])] = policy
    return found


def plan(policy, current):
    """(action, request or None, diff) for one policy; action None when nothing changes."""
    if policy["state"] == "absent":
        if current is None:
            return None, None, None
        return "deleted", None, {"before": normalize(current.get("TargetTrackingScalingPolicyConfiguration")), "after": {}}
    wanted = build_configuration(policy)
    have = (current or {}).get("TargetTrackingScalingPolicyConfiguration")
    if current is not None and current.get("PolicyType") == "TargetTrackingScaling" and normalize(have) == normalize(wanted):
        return None, None, None
    request = dict(
        PolicyName=policy["policy_name"],
        **scalable_resource_of(policy),
        PolicyType="TargetTrackingScaling",
        TargetTrackingScalingPolicyConfiguration=wanted,
    )
    return "created" if current is None else "updated", request, {"before": normalize(have) if current else {}, "after": normalize(wanted)}


def converge(client, module, params):
    problems = problems_of(params["policies"])
    if problems:
        module.fail_json(msg="; ".join(problems))
    found = describe_policies(client, module, params["policies"])
    changed, results = [], []
    for policy in params["policies"]:
        key = tuple(sorted(scalable_resource_of(policy).items()))
        current = found.get((key, policy["policy_name"]))
        action, request, diff = plan(policy, current)
        if action:
            changed.append({"name": policy["policy_name"], "action": action, "diff": diff})
        if action and not module.check_mode:
            try:
                if action == "deleted":
                    client.delete_scaling_policy(aws_retry=True, PolicyName=policy["policy_name"], **scalable_resource_of(policy))
                else:
                    answer = client.put_scaling_policy(aws_retry=True, **request)
                    current = dict(current or {}, **request, PolicyARN=answer.get("PolicyARN", (current or {}).get("PolicyARN", "")))
            except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
                module.fail_json_aws(e, msg=f"Couldn't {'delete' if action == 'deleted' else 'put'} scaling policy {policy['policy_name']}")
        elif action in ("created", "updated"):
            current = dict(current or {"PolicyARN": ""}, **request)
        if policy["state"] == "present":
            results.append(format_policy(current))
    result = {"changed": bool(changed), "policies": results, "changed_policies": changed}
    if changed:
        result["diff"] = {"before": {c["name"]: c["diff"]["before"] for c in changed}, "after": {c["name"]: c["diff"]["after"] for c in changed}}
    module.exit_json(**result)


def main():
    policy_options = policy_argument_spec()
    module = AnsibleAWSModule(argument_spec=dict(policies=dict(type="list", elements="dict", required=True, options=policy_options)), supports_check_mode=True)
    converge(appautoscaling_client(module), module, module.params)


if __name__ == "__main__":
    main()
