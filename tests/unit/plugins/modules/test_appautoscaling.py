"""tracetrack.aws.appautoscaling_target and appautoscaling_policy: comparisons, check mode, calls."""

from unittest.mock import MagicMock

from ansible_collections.tracetrack.aws.plugins.modules import appautoscaling_policy
from ansible_collections.tracetrack.aws.plugins.modules import appautoscaling_target
from ansible_collections.tracetrack.aws.tests.unit.plugins.modules.utils import fake_module
from ansible_collections.tracetrack.aws.tests.unit.plugins.modules.utils import outcome_of
from ansible_collections.tracetrack.aws.tests.unit.plugins.modules.utils import stub_paginators

RESOURCE = "service/tracetrack-local/tracetrack-local-web"
TARGET = {
    "ServiceNamespace": "ecs",
    "ResourceId": RESOURCE,
    "ScalableDimension": "ecs:service:DesiredCount",
    "MinCapacity": 3,
    "MaxCapacity": 10,
    "SuspendedState": {
        "DynamicScalingInSuspended": False,
        "DynamicScalingOutSuspended": False,
        "ScheduledScalingSuspended": False,
    },
}


def run(function, client, module):
    return outcome_of(function, client, module).result


# --- scalable target ----------------------------------------------------------------------------------


def target_params(**overrides):
    values = dict(
        state="present",
        service_namespace="ecs",
        resource_id=RESOURCE,
        scalable_dimension="ecs:service:DesiredCount",
        min_capacity=3,
        max_capacity=10,
        suspended_state=None,
    )
    values.update(overrides)
    return values


def target_client(targets):
    client = MagicMock()
    client.describe_scalable_targets.return_value = {"ScalableTargets": targets}
    return client


def test_same_bounds_register_nothing():
    client = target_client([TARGET])
    result = run(appautoscaling_target.ensure_present, client, fake_module(target_params()))
    assert result["changed"] is False
    client.register_scalable_target.assert_not_called()


def test_new_bounds_are_registered_without_an_override_flag():
    client = target_client([TARGET])
    result = run(appautoscaling_target.ensure_present, client, fake_module(target_params(max_capacity=20)))
    assert result["changed"] is True
    assert client.register_scalable_target.call_args.kwargs["MaxCapacity"] == 20
    assert "MinCapacity" not in client.register_scalable_target.call_args.kwargs


def test_check_mode_registers_nothing():
    client = target_client([])
    result = run(appautoscaling_target.ensure_present, client, fake_module(target_params(), check_mode=True))
    assert result["changed"] is True
    client.register_scalable_target.assert_not_called()


def test_bounds_the_wrong_way_round_fail():
    client = target_client([])
    result = run(appautoscaling_target.ensure_present, client, fake_module(target_params(min_capacity=11)))
    assert result.get("failed") and "min_capacity" in result["msg"]


def test_target_of_another_resource_is_not_taken_for_this_one():
    other = dict(TARGET, ResourceId=RESOURCE + "-api")
    client = target_client([other])
    result = run(appautoscaling_target.ensure_absent, client, fake_module(target_params(state="absent")))
    assert result["changed"] is False
    client.deregister_scalable_target.assert_not_called()


# --- policy -------------------------------------------------------------------------------------------


def policy_params(**overrides):
    values = dict(
        state="present",
        policy_name="web-latency",
        service_namespace="ecs",
        resource_id=RESOURCE,
        scalable_dimension="ecs:service:DesiredCount",
        target_value=100.0,
        predefined_metric=None,
        customized_metric={
            "namespace": "TraceTrack/local",
            "metric_name": "RequestLatency",
            "dimensions": {"Service": "tracetrack"},
            "statistic": "p95",
            "unit": "Milliseconds",
        },
        scale_in_cooldown=300,
        scale_out_cooldown=60,
        disable_scale_in=False,
    )
    values.update(overrides)
    return values


def policy_client(policies):
    return stub_paginators(MagicMock(), {"describe_scaling_policies": {"ScalingPolicies": policies}})


def stored(configuration):
    """A policy as Application Auto Scaling describes it (DisableScaleIn dropped, floats kept)."""
    configuration = {k: v for k, v in configuration.items() if k != "DisableScaleIn"}
    return {
        "PolicyName": "web-latency",
        "PolicyARN": "arn:aws:autoscaling:ap-south-1:1:scalingPolicy:x:resource/ecs/" + RESOURCE + ":policyName/web-latency",
        "PolicyType": "TargetTrackingScaling",
        "TargetTrackingScalingPolicyConfiguration": configuration,
        "Alarms": [{"AlarmName": "TargetTracking-high"}],
    }


def test_percentile_is_sent_as_a_metric_query():
    configuration = appautoscaling_policy.build_configuration(policy_params())
    (query,) = configuration["CustomizedMetricSpecification"]["Metrics"]
    assert query["MetricStat"]["Stat"] == "p95"
    assert query["MetricStat"]["Metric"]["Dimensions"] == [{"Name": "Service", "Value": "tracetrack"}]
    assert query["ReturnData"] is True


def test_classic_statistic_uses_the_plain_form():
    metric = dict(policy_params()["customized_metric"], statistic="Average")
    configuration = appautoscaling_policy.build_configuration(policy_params(customized_metric=metric))
    assert configuration["CustomizedMetricSpecification"]["Statistic"] == "Average"


def test_stored_policy_equal_to_the_request_is_not_put_again():
    wanted = appautoscaling_policy.build_configuration(policy_params())
    client = policy_client([stored(wanted)])
    result = run(appautoscaling_policy.ensure_present, client, fake_module(policy_params()))
    assert result["changed"] is False
    client.put_scaling_policy.assert_not_called()


def test_changed_target_is_put():
    wanted = appautoscaling_policy.build_configuration(policy_params())
    client = policy_client([stored(wanted)])
    result = run(appautoscaling_policy.ensure_present, client, fake_module(policy_params(target_value=150)))
    assert result["changed"] is True
    assert client.put_scaling_policy.call_args.kwargs["TargetTrackingScalingPolicyConfiguration"]["TargetValue"] == 150.0


def test_predefined_request_count_with_resource_label():
    values = policy_params(
        customized_metric=None,
        predefined_metric={"type": "ALBRequestCountPerTarget", "resource_label": "app/a/1/targetgroup/t/2"},
        target_value=1000,
    )
    client = policy_client([])
    run(appautoscaling_policy.ensure_present, client, fake_module(values))
    spec = client.put_scaling_policy.call_args.kwargs["TargetTrackingScalingPolicyConfiguration"]
    assert spec["PredefinedMetricSpecification"] == {
        "PredefinedMetricType": "ALBRequestCountPerTarget",
        "ResourceLabel": "app/a/1/targetgroup/t/2",
    }


def test_policy_check_mode_puts_nothing_and_absent_deletes():
    client = policy_client([])
    result = run(appautoscaling_policy.ensure_present, client, fake_module(policy_params(), check_mode=True))
    assert result["changed"] is True
    client.put_scaling_policy.assert_not_called()

    wanted = appautoscaling_policy.build_configuration(policy_params())
    client = policy_client([stored(wanted)])
    result = run(appautoscaling_policy.ensure_absent, client, fake_module(policy_params(state="absent")))
    assert result["changed"] is True
    client.delete_scaling_policy.assert_called_once()
