"""Application Auto Scaling: scaling policies found, updated and removed as AWS does it.

AWS API reference, Application Auto Scaling:
- DescribeScalingPolicies: `PolicyNames` limits the answer to the named policies; `ResourceId` and
  `ScalableDimension` select exactly that resource and dimension.
- PutScalingPolicy: putting a policy that exists updates it in place; it keeps its `PolicyARN`, and a
  target tracking policy keeps one pair of CloudWatch alarms (the replaced alarms are gone).
- DeregisterScalableTarget: deregistering a scalable target deletes the scaling policies associated
  with it (and, with them, their alarms).

moto ignores `PolicyNames` and matches `ResourceId` as a substring, so a client that looks a policy up
by name finds another one and puts its policy again on every run; every put makes a new ARN and new
alarms while the old alarms stay; and deregistering a target leaves its policies behind.
"""

import json

from moto.applicationautoscaling import models as aas_models
from moto.applicationautoscaling import responses as aas_responses


def _describe_scaling_policies(self):
    service_namespace = self._get_param("ServiceNamespace")
    resource_id = self._get_param("ResourceId")
    scalable_dimension = self._get_param("ScalableDimension")
    policy_names = self._get_param("PolicyNames") or []
    max_results = self._get_int_param("MaxResults") or 10
    next_token = self._get_param("NextToken")

    policies = [
        policy
        for policy in self.applicationautoscaling_backend.policies.values()
        if policy.service_namespace == service_namespace
        and (not resource_id or policy.resource_id == resource_id)
        and (not scalable_dimension or policy.scalable_dimension == scalable_dimension)
        and (not policy_names or policy.policy_name in policy_names)
    ]
    start = int(next_token) if next_token else 0
    end = start + max_results
    return json.dumps(
        {
            "ScalingPolicies": [aas_responses._build_policy(p) for p in policies[start:end]],
            "NextToken": str(end) if end < len(policies) else None,
        }
    )


def _wrap_put_scaling_policy(original):
    def put_scaling_policy(self, policy_name, service_namespace, resource_id, scalable_dimension, *args, **kwargs):
        key = aas_models.FakeApplicationAutoscalingPolicy.formulate_key(
            service_namespace, resource_id, scalable_dimension, policy_name
        )
        previous = self.policies.get(key)
        policy = original(self, policy_name, service_namespace, resource_id, scalable_dimension, *args, **kwargs)
        if previous is not None and previous is not policy:
            previous.delete_alarms(self.account_id, self.region_name)
            policy._guid = previous._guid
            policy.policy_arn = previous.policy_arn
            policy.creation_time = previous.creation_time
        return policy

    put_scaling_policy._tracetrack_patched = True
    return put_scaling_policy


def _wrap_deregister_scalable_target(original):
    def deregister_scalable_target(self, namespace, r_id, dimension):
        original(self, namespace, r_id, dimension)
        for key, policy in list(self.policies.items()):
            if (policy.service_namespace, policy.resource_id, policy.scalable_dimension) == (namespace, r_id, dimension):
                policy.delete_alarms(self.account_id, self.region_name)
                del self.policies[key]

    deregister_scalable_target._tracetrack_patched = True
    return deregister_scalable_target


def apply() -> None:
    _describe_scaling_policies._tracetrack_patched = True
    response = aas_responses.ApplicationAutoScalingResponse
    if not getattr(response.describe_scaling_policies, "_tracetrack_patched", False):
        response.describe_scaling_policies = _describe_scaling_policies
    backend = aas_models.ApplicationAutoscalingBackend
    if not getattr(backend.put_scaling_policy, "_tracetrack_patched", False):
        backend.put_scaling_policy = _wrap_put_scaling_policy(backend.put_scaling_policy)
    if not getattr(backend.deregister_scalable_target, "_tracetrack_patched", False):
        backend.deregister_scalable_target = _wrap_deregister_scalable_target(backend.deregister_scalable_target)
