"""tracetrack.aws.appautoscaling_policies: a service's policies read once, put or deleted only where they differ."""

from unittest.mock import MagicMock

from ansible_collections.tracetrack.aws.plugins.module_utils.appautoscaling import build_configuration
from ansible_collections.tracetrack.aws.plugins.modules import appautoscaling_policies
from ansible_collections.tracetrack.aws.tests.unit.plugins.modules.utils import fake_module
from ansible_collections.tracetrack.aws.tests.unit.plugins.modules.utils import outcome_of
from ansible_collections.tracetrack.aws.tests.unit.plugins.modules.utils import stub_paginators

RESOURCE = "service/p/p-web"


def policy(name, **fields):
    base = {"policy_name": name, "state": "present", "service_namespace": "ecs", "resource_id": RESOURCE, "scalable_dimension": "ecs:service:DesiredCount",
            "target_value": 60.0, "predefined_metric": {"type": "ECSServiceAverageCPUUtilization", "resource_label": None}, "customized_metric": None,
            "scale_in_cooldown": 300, "scale_out_cooldown": 60, "disable_scale_in": False}  # fmt: skip
    base.update(fields)
    return base


def stored(spec):
    """The policy as DescribeScalingPolicies answers it (TargetValue as stored, dimension order kept)."""
    return {"PolicyName": spec["policy_name"], "PolicyARN": f"arn:{spec['policy_name']}", "ServiceNamespace": "ecs", "ResourceId": spec["resource_id"],
            "ScalableDimension": "ecs:service:DesiredCount", "PolicyType": "TargetTrackingScaling",
            "TargetTrackingScalingPolicyConfiguration": build_configuration(spec)}  # fmt: skip


def client_holding(policies):
    client = MagicMock()
    stub_paginators(
        client, {"describe_scaling_policies": lambda **resource: {"ScalingPolicies": [p for p in policies if p["ResourceId"] == resource["ResourceId"]]}}
    )
    client.put_scaling_policy.return_value = {"PolicyARN": "arn:new"}
    return client


def run(client, policies, check_mode=False):
    params = {"policies": policies}
    return outcome_of(appautoscaling_policies.converge, client, fake_module(params, check_mode), params)


def test_policies_as_stored_cost_one_read_per_service_and_no_write():
    wanted = [policy("p-web-cpu"), policy("p-web-memory", predefined_metric={"type": "ECSServiceAverageMemoryUtilization", "resource_label": None})]
    client = client_holding([stored(p) for p in wanted])
    outcome = run(client, wanted + [policy("p-web-latency", state="absent")])
    assert outcome.result["changed"] is False and outcome.result["changed_policies"] == []
    assert [p["policy_name"] for p in outcome.result["policies"]] == ["p-web-cpu", "p-web-memory"]
    assert client.get_paginator.call_count == 1
    client.put_scaling_policy.assert_not_called()
    client.delete_scaling_policy.assert_not_called()


def test_a_new_a_changed_and_an_unwanted_policy():
    client = client_holding([stored(policy("p-web-cpu", target_value=70.0)), stored(policy("p-web-requests"))])
    outcome = run(client, [policy("p-web-cpu"), policy("p-web-memory"), policy("p-web-requests", state="absent")])
    assert [(c["name"], c["action"]) for c in outcome.result["changed_policies"]] == [
        ("p-web-cpu", "updated"),
        ("p-web-memory", "created"),
        ("p-web-requests", "deleted"),
    ]
    assert [c.kwargs["PolicyName"] for c in client.put_scaling_policy.call_args_list] == ["p-web-cpu", "p-web-memory"]
    client.delete_scaling_policy.assert_called_once_with(aws_retry=True, PolicyName="p-web-requests", ServiceNamespace="ecs", ResourceId=RESOURCE,
                                                         ScalableDimension="ecs:service:DesiredCount")  # fmt: skip
    assert outcome.result["changed_policies"][0]["diff"]["before"]["TargetValue"] == 70.0


def test_check_mode_reports_and_writes_nothing():
    client = client_holding([])
    outcome = run(client, [policy("p-web-cpu")], check_mode=True)
    assert [(c["name"], c["action"]) for c in outcome.result["changed_policies"]] == [("p-web-cpu", "created")]
    client.put_scaling_policy.assert_not_called()


def test_bad_input_names_the_policy_and_the_option_before_any_call():
    client = client_holding([])
    outcome = run(client, [policy("p-web-cpu", target_value=None), policy("p-web-lat", predefined_metric=None,
                  customized_metric={"namespace": "N", "metric_name": "M", "dimensions": {}, "statistic": "median", "unit": None})])  # fmt: skip
    assert outcome.failed
    assert "policies[p-web-cpu].target_value is required" in outcome.result["msg"]
    assert "policies[p-web-lat].customized_metric.statistic" in outcome.result["msg"]
    client.get_paginator.assert_not_called()
