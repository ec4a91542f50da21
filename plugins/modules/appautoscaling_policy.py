#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the tracetrack.aws collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: appautoscaling_policy
short_description: Manage Application Auto Scaling target tracking policies
version_added: 0.1.0
description:
  - Create, update or delete a target tracking scaling policy of an Application Auto Scaling scalable target
    (Application Auto Scaling C(DescribeScalingPolicies), C(PutScalingPolicy), C(DeleteScalingPolicy)).
  - The policy follows a predefined metric (O(predefined_metric)) or a CloudWatch metric of your own
    (O(customized_metric)); a percentile statistic such as V(p95) is sent as a metric query, as target tracking
    requires for extended statistics.
  - Unlike M(community.aws.application_autoscaling_policy), check mode makes no change, the policy is compared in the
    form Application Auto Scaling stores it (so a re-run puts nothing), and the scalable target is left to
    M(tracetrack.aws.appautoscaling_target).
  - The scalable target must be registered first.
options:
  state:
    description: Whether the policy should exist.
    type: str
    choices: [present, absent]
    default: present
  policy_name:
    description: The policy's name, unique per scalable target.
    type: str
    required: true
    aliases: [name]
  service_namespace:
    description: The namespace of the AWS service that provides the resource.
    type: str
    default: ecs
  resource_id:
    description: The resource, for an ECS service V(service/<cluster>/<service>).
    type: str
    required: true
  scalable_dimension:
    description: The scalable dimension of the resource.
    type: str
    default: ecs:service:DesiredCount
  target_value:
    description: The metric value the policy keeps the resource at. Required with O(state=present).
    type: float
  predefined_metric:
    description: A metric Application Auto Scaling defines. Mutually exclusive with O(customized_metric).
    type: dict
    suboptions:
      type:
        description: The predefined metric, for example V(ECSServiceAverageCPUUtilization) or V(ALBRequestCountPerTarget).
        type: str
        required: true
      resource_label:
        description:
          - For V(ALBRequestCountPerTarget), V(app/<alb name>/<id>/targetgroup/<target group name>/<id>), the ends of
            the load balancer's and the target group's ARNs.
        type: str
  customized_metric:
    description: A CloudWatch metric of your own. Mutually exclusive with O(predefined_metric).
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
        description: The metric's dimensions, name to value.
        type: dict
        default: {}
      statistic:
        description:
          - V(Average), V(Minimum), V(Maximum), V(SampleCount), V(Sum), or a percentile such as V(p95) or V(p99.9).
        type: str
        default: Average
      unit:
        description: The metric's unit, for example V(Milliseconds).
        type: str
  scale_in_cooldown:
    description: Seconds after a scale-in before another scale-in may start.
    type: int
    default: 300
  scale_out_cooldown:
    description: Seconds after a scale-out before another scale-out may start.
    type: int
    default: 300
  disable_scale_in:
    description: Let the policy scale out only.
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
- name: Keep the service's CPU at 70 %
  tracetrack.aws.appautoscaling_policy:
    policy_name: tracetrack-production-web-cpu
    resource_id: service/tracetrack-production/tracetrack-production-web
    target_value: 70
    predefined_metric:
      type: ECSServiceAverageCPUUtilization
    scale_out_cooldown: 60
    scale_in_cooldown: 300

- name: Keep the application's p95 latency at 100 ms
  tracetrack.aws.appautoscaling_policy:
    policy_name: tracetrack-production-web-latency
    resource_id: service/tracetrack-production/tracetrack-production-web
    target_value: 100
    customized_metric:
      namespace: TraceTrack/production
      metric_name: RequestLatency
      dimensions:
        Service: tracetrack
      statistic: p95
      unit: Milliseconds
"""

RETURN = r"""
policy:
  description: The policy, as C(DescribeScalingPolicies) describes it. Empty after a deletion.
  returned: always
  type: dict
  contains:
    policy_arn:
      description: The policy's ARN.
      type: str
    policy_name:
      description: The policy's name.
      type: str
    target_tracking_scaling_policy_configuration:
      description: The target tracking configuration.
      type: dict
    alarms:
      description: The CloudWatch alarms Application Auto Scaling made for the policy.
      type: list
      elements: dict
"""

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.tracetrack.aws.plugins.module_utils.appautoscaling import appautoscaling_client
from ansible_collections.tracetrack.aws.plugins.module_utils.appautoscaling import build_configuration
from ansible_collections.tracetrack.aws.plugins.module_utils.appautoscaling import format_policy
from ansible_collections.tracetrack.aws.plugins.module_utils.appautoscaling import normalize
from ansible_collections.tracetrack.aws.plugins.module_utils.appautoscaling import policy_argument_spec
from ansible_collections.tracetrack.aws.plugins.module_utils.appautoscaling import policy_option_problems
from ansible_collections.tracetrack.aws.plugins.module_utils.appautoscaling import scalable_resource_of


def describe_policy(client, module, params):
    try:
        paginator = client.get_paginator("describe_scaling_policies")
        policies = paginator.paginate(PolicyNames=[params["policy_name"]], **scalable_resource_of(params)).build_full_result()["ScalingPolicies"]
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(e, msg=f"Couldn't describe scaling policy {params['policy_name']}")
    return policies[0] if policies else None


def ensure_present(client, module):
    params = module.params
    policy = describe_policy(client, module, params)
    wanted = build_configuration(params)
    current = (policy or {}).get("TargetTrackingScalingPolicyConfiguration")
    changed = policy is None or policy.get("PolicyType") != "TargetTrackingScaling" or normalize(current) != normalize(wanted)
    diff = dict(before=normalize(current) if policy else {}, after=normalize(wanted))
    if not changed:
        module.exit_json(changed=False, policy=format_policy(policy))
    request = dict(
        PolicyName=params["policy_name"],
        **scalable_resource_of(params),
        PolicyType="TargetTrackingScaling",
        TargetTrackingScalingPolicyConfiguration=wanted,
    )
    after = dict(policy or {}, **request)
    if not module.check_mode:
        try:
            client.put_scaling_policy(aws_retry=True, **request)
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
            module.fail_json_aws(e, msg=f"Couldn't put scaling policy {params['policy_name']}")
        after = describe_policy(client, module, params) or after
    module.exit_json(changed=True, policy=format_policy(after), diff=diff)


def ensure_absent(client, module):
    params = module.params
    policy = describe_policy(client, module, params)
    if policy is None:
        module.exit_json(changed=False, policy={})
    if not module.check_mode:
        try:
            client.delete_scaling_policy(aws_retry=True, PolicyName=params["policy_name"], **scalable_resource_of(params))
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
            module.fail_json_aws(e, msg=f"Couldn't delete scaling policy {params['policy_name']}")
    module.exit_json(changed=True, policy={}, diff=dict(before=format_policy(policy), after={}))


def main():
    argument_spec = policy_argument_spec()
    module = AnsibleAWSModule(
        argument_spec=argument_spec,
        supports_check_mode=True,
        mutually_exclusive=[["predefined_metric", "customized_metric"]],
        required_if=[("state", "present", ["target_value"]), ("state", "present", ["predefined_metric", "customized_metric"], True)],
    )
    problems = policy_option_problems(module.params)
    if problems:
        module.fail_json(msg=problems[0])
    client = appautoscaling_client(module)
    if module.params["state"] == "present":
        ensure_present(client, module)
    else:
        ensure_absent(client, module)


if __name__ == "__main__":
    main()
