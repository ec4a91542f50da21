"""ECS CreateService: the service reports the settings it was created with, as AWS does."""

import pytest

from tests.support.clients import emulator_client

CONTAINERS = [{"name": "web", "image": "public.ecr.aws/nginx/nginx:latest", "memory": 512, "essential": True}]


@pytest.fixture
def ecs(clean_emulator):
    ec2 = emulator_client(clean_emulator, "ec2")
    vpc = ec2.create_vpc(CidrBlock="10.77.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.77.1.0/24")["Subnet"]["SubnetId"]
    group = ec2.create_security_group(GroupName="app", Description="app", VpcId=vpc)["GroupId"]
    client = emulator_client(clean_emulator, "ecs")
    client.create_cluster(
        clusterName="web",
        capacityProviders=["FARGATE", "FARGATE_SPOT"],
        defaultCapacityProviderStrategy=[{"capacityProvider": "FARGATE", "weight": 1, "base": 0}],
    )
    client.register_task_definition(
        family="web",
        containerDefinitions=CONTAINERS,
        requiresCompatibilities=["FARGATE"],
        networkMode="awsvpc",
        cpu="256",
        memory="512",
    )
    client.network = {"awsvpcConfiguration": {"subnets": [subnet], "securityGroups": [group], "assignPublicIp": "DISABLED"}}
    return client


def describe(ecs, name):
    return ecs.describe_services(cluster="web", services=[name])["services"][0]


def test_created_service_keeps_its_settings(ecs):
    strategy = [
        {"capacityProvider": "FARGATE", "weight": 1, "base": 1},
        {"capacityProvider": "FARGATE_SPOT", "weight": 3, "base": 0},
    ]
    deployment_configuration = {
        "deploymentCircuitBreaker": {"enable": True, "rollback": True},
        "maximumPercent": 200,
        "minimumHealthyPercent": 100,
    }
    ecs.create_service(
        cluster="web",
        serviceName="spot",
        taskDefinition="web",
        desiredCount=2,
        capacityProviderStrategy=strategy,
        deploymentConfiguration=deployment_configuration,
        networkConfiguration=ecs.network,
        healthCheckGracePeriodSeconds=60,
        enableExecuteCommand=True,
        enableECSManagedTags=True,
    )
    service = describe(ecs, "spot")
    assert service["healthCheckGracePeriodSeconds"] == 60
    assert service["deploymentConfiguration"] == deployment_configuration
    assert service["capacityProviderStrategy"] == strategy
    assert service["enableExecuteCommand"] is True
    assert service["enableECSManagedTags"] is True
    assert "launchType" not in service, "a service on a capacity provider strategy has no launch type"
    assert "launchType" not in service["deployments"][0]
    assert service["deployments"][0]["capacityProviderStrategy"] == strategy


def test_defaults_are_filled_in_as_aws_does(ecs):
    ecs.create_service(
        cluster="web",
        serviceName="plain",
        taskDefinition="web",
        desiredCount=1,
        networkConfiguration=ecs.network,
        deploymentConfiguration={"minimumHealthyPercent": 50},
    )
    service = describe(ecs, "plain")
    assert service["deploymentConfiguration"] == {
        "deploymentCircuitBreaker": {"enable": False, "rollback": False},
        "maximumPercent": 200,
        "minimumHealthyPercent": 50,
    }
    assert service["enableExecuteCommand"] is False
    # Neither a launch type nor a strategy: the cluster's default strategy.
    assert service["capacityProviderStrategy"] == [{"capacityProvider": "FARGATE", "weight": 1, "base": 0}]
    assert "launchType" not in service


def test_an_explicit_launch_type_is_kept(ecs):
    ecs.create_service(
        cluster="web",
        serviceName="fargate",
        taskDefinition="web",
        desiredCount=1,
        launchType="FARGATE",
        networkConfiguration=ecs.network,
    )
    service = describe(ecs, "fargate")
    assert service["launchType"] == "FARGATE"
    assert not service.get("capacityProviderStrategy")


def test_a_traffic_shifting_strategy_and_the_load_balancers_advanced_settings_are_kept_through_update_service(ecs):
    """ECS CreateService / UpdateService (deploymentConfiguration.strategy, bakeTimeInMinutes, canaryConfiguration,
    alarms; loadBalancers[].advancedConfiguration): DescribeServices reports what the last call set, so that a client
    comparing its settings with the service's finds no difference on its next run."""
    target_group = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/0123456789abcdef"
    balancer = {"targetGroupArn": target_group, "containerName": "web", "containerPort": 80}
    ecs.create_service(cluster="web", serviceName="shifting", taskDefinition="web", desiredCount=1,
                       networkConfiguration=ecs.network, loadBalancers=[balancer])
    advanced = {
        "alternateTargetGroupArn": target_group.replace("/web/", "/web-green/"),
        "productionListenerRule": "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener-rule/app/web/1/2/3",
        "testListenerRule": "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener-rule/app/web/1/2/4",
        "roleArn": "arn:aws:iam::123456789012:role/ecs-load-balancers",
    }
    configuration = {
        "deploymentCircuitBreaker": {"enable": True, "rollback": True},
        "maximumPercent": 200,
        "minimumHealthyPercent": 100,
        "strategy": "CANARY",
        "bakeTimeInMinutes": 3,
        "canaryConfiguration": {"canaryPercent": 5.0, "canaryBakeTimeInMinutes": 3},
        "alarms": {"alarmNames": ["web-5xx"], "enable": True, "rollback": True},
    }
    ecs.update_service(cluster="web", service="shifting", deploymentConfiguration=configuration,
                       loadBalancers=[dict(balancer, advancedConfiguration=advanced)])
    service = describe(ecs, "shifting")
    assert service["deploymentConfiguration"] == configuration
    assert service["loadBalancers"] == [dict(balancer, advancedConfiguration=advanced)]
