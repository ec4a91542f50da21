#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the tracetrack.aws collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: appautoscaling_policy_info
short_description: Read the Application Auto Scaling policies of scalable resources
version_added: 0.1.0
description:
  - Returns the scaling policies of the resources named (Application Auto Scaling C(DescribeScalingPolicies)), with
    the metric each target tracking policy follows. Read-only; M(tracetrack.aws.appautoscaling_policy) writes them.
options:
  service_namespace:
    description: The namespace of the scalable resources.
    type: str
    default: ecs
  resource_ids:
    description: The scalable resources, for example C(service/<cluster>/<service>); empty for every one of the namespace.
    type: list
    elements: str
    default: []
author:
  - TraceTrack platform team (@tracetrack)
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Read the scaling policies of the web service
  tracetrack.aws.appautoscaling_policy_info:
    resource_ids: [service/tracetrack-production/tracetrack-production-web]
  register: policies
"""

RETURN = r"""
policies:
  description: The policies, as C(DescribeScalingPolicies) describes them (keys in snake case).
  returned: always
  type: list
  elements: dict
  contains:
    policy_name:
      description: The policy's name.
      type: str
    resource_id:
      description: The scalable resource.
      type: str
    target_tracking_scaling_policy_configuration:
      description: The target value and the metric (C(predefined_metric_specification) or C(customized_metric_specification)).
      type: dict
"""

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry


def main():
    argument_spec = dict(service_namespace=dict(type="str", default="ecs"), resource_ids=dict(type="list", elements="str", default=[]))
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    client = module.client("application-autoscaling", retry_decorator=AWSRetry.jittered_backoff())
    namespace = module.params["service_namespace"]
    policies = []
    try:
        paginator = client.get_paginator("describe_scaling_policies")
        # One call per resource: DescribeScalingPolicies takes one ResourceId at a time.
        for resource_id in module.params["resource_ids"] or [None]:
            request = {"ServiceNamespace": namespace, **({"ResourceId": resource_id} if resource_id else {})}
            found = paginator.paginate(**request).build_full_result()["ScalingPolicies"]
            policies += [p for p in found if resource_id is None or p["ResourceId"] == resource_id]
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(e, msg=f"Couldn't describe the scaling policies of {namespace}")
    module.exit_json(changed=False, policies=[camel_dict_to_snake_dict(p, ignore_list=["Dimensions"]) for p in policies])


if __name__ == "__main__":
    main()
