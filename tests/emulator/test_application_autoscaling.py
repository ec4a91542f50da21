"""Application Auto Scaling: policies looked up by name, updated in place, removed with their target."""

import pytest

from tests.support.clients import emulator_client

DIMENSION = "ecs:service:DesiredCount"


def cpu_policy(target=70.0):
    return {
        "TargetValue": target,
        "PredefinedMetricSpecification": {"PredefinedMetricType": "ECSServiceAverageCPUUtilization"},
        "ScaleInCooldown": 300,
        "ScaleOutCooldown": 60,
    }


@pytest.fixture
def autoscaling(clean_emulator):
    ecs = emulator_client(clean_emulator, "ecs")
    ecs.create_cluster(clusterName="apps")
    ecs.register_task_definition(
        family="web", containerDefinitions=[{"name": "web", "image": "nginx", "memory": 128}]
    )
    client = emulator_client(clean_emulator, "application-autoscaling")
    for name in ("web", "web-api"):
        ecs.create_service(cluster="apps", serviceName=name, taskDefinition="web", desiredCount=1)
        client.register_scalable_target(
            ServiceNamespace="ecs",
            ResourceId=f"service/apps/{name}",
            ScalableDimension=DIMENSION,
            MinCapacity=1,
            MaxCapacity=4,
        )
    client.cloudwatch = emulator_client(clean_emulator, "cloudwatch")
    return client


def put(client, name, resource="service/apps/web", target=70.0):
    return client.put_scaling_policy(
        PolicyName=name,
        ServiceNamespace="ecs",
        ResourceId=resource,
        ScalableDimension=DIMENSION,
        PolicyType="TargetTrackingScaling",
        TargetTrackingScalingPolicyConfiguration=cpu_policy(target),
    )


def policies(client, **filters):
    return client.describe_scaling_policies(ServiceNamespace="ecs", **filters)["ScalingPolicies"]


def alarm_names(client):
    return sorted(a["AlarmName"] for a in client.cloudwatch.describe_alarms()["MetricAlarms"])


def test_policy_names_filter_returns_only_the_named_policies(autoscaling):
    put(autoscaling, "cpu")
    put(autoscaling, "requests")
    found = policies(autoscaling, ResourceId="service/apps/web", ScalableDimension=DIMENSION, PolicyNames=["cpu"])
    assert [p["PolicyName"] for p in found] == ["cpu"]
    assert policies(autoscaling, PolicyNames=["missing"]) == []


def test_resource_id_matches_exactly(autoscaling):
    put(autoscaling, "cpu", resource="service/apps/web-api")
    assert policies(autoscaling, ResourceId="service/apps/web") == []
    assert [p["ResourceId"] for p in policies(autoscaling, ResourceId="service/apps/web-api")] == [
        "service/apps/web-api"
    ]


def test_putting_an_existing_policy_updates_it_in_place(autoscaling):
    first = put(autoscaling, "cpu")
    alarms_before = alarm_names(autoscaling)
    assert len(alarms_before) == 2
    second = put(autoscaling, "cpu", target=60.0)
    assert second["PolicyARN"] == first["PolicyARN"]
    (policy,) = policies(autoscaling, PolicyNames=["cpu"])
    assert policy["TargetTrackingScalingPolicyConfiguration"]["TargetValue"] == 60.0
    alarms_after = alarm_names(autoscaling)
    assert len(alarms_after) == 2, "the replaced alarms are gone"
    assert sorted(a["AlarmName"] for a in policy["Alarms"]) == alarms_after


def test_deregistering_a_target_deletes_its_policies_and_alarms(autoscaling):
    put(autoscaling, "cpu")
    put(autoscaling, "cpu", resource="service/apps/web-api")
    autoscaling.deregister_scalable_target(
        ServiceNamespace="ecs", ResourceId="service/apps/web", ScalableDimension=DIMENSION
    )
    assert policies(autoscaling, ResourceId="service/apps/web") == []
    assert [p["ResourceId"] for p in policies(autoscaling)] == ["service/apps/web-api"]
    assert len(alarm_names(autoscaling)) == 2
