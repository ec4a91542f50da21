"""tracetrack.aws.ecs_service: which settings differ, the calls a run makes, and removal."""

import copy
from unittest.mock import MagicMock


import pytest

from ansible_collections.tracetrack.aws.plugins.modules import ecs_service
from ansible_collections.tracetrack.aws.tests.unit.plugins.modules.utils import client_error
from ansible_collections.tracetrack.aws.tests.unit.plugins.modules.utils import fake_module_for
from ansible_collections.tracetrack.aws.tests.unit.plugins.modules.utils import outcome_of

TD = "arn:aws:ecs:ap-south-1:123456789012:task-definition/tracetrack-local-web:3"
TG = "arn:aws:elasticloadbalancing:ap-south-1:123456789012:targetgroup/tracetrack-local-web/0123456789abcdef"
SERVICE = {
    "serviceArn": "arn:aws:ecs:ap-south-1:123456789012:service/tracetrack-local/tracetrack-local-web",
    "serviceName": "tracetrack-local-web",
    "status": "ACTIVE",
    "taskDefinition": TD,
    "desiredCount": 5,
    "capacityProviderStrategy": [{"capacityProvider": "FARGATE", "weight": 1, "base": 1}],
    "platformVersion": "LATEST",
    "networkConfiguration": {"awsvpcConfiguration": {"subnets": ["subnet-b", "subnet-a"], "securityGroups": ["sg-1"], "assignPublicIp": "DISABLED"}},
    "loadBalancers": [{"targetGroupArn": TG, "containerName": "web", "containerPort": 8000}],
    "healthCheckGracePeriodSeconds": 60,
    "deploymentConfiguration": {
        "deploymentCircuitBreaker": {"enable": True, "rollback": True},
        "maximumPercent": 200,
        "minimumHealthyPercent": 100,
    },
    "enableExecuteCommand": False,
    "propagateTags": "SERVICE",
    "enableECSManagedTags": True,
    "tags": [{"key": "Project", "value": "tracetrack"}],
    "events": [{"message": "steady"}],
}


def params(**overrides):
    values = dict(
        state="present",
        name="tracetrack-local-web",
        cluster="tracetrack-local",
        task_definition=TD,
        desired_count=2,
        preserve_desired_count=True,
        launch_type=None,
        capacity_provider_strategy=[{"capacity_provider": "FARGATE", "weight": 1, "base": 1}],
        platform_version="LATEST",
        network_configuration={"subnets": ["subnet-a", "subnet-b"], "security_groups": ["sg-1"], "assign_public_ip": False},
        load_balancers=[{"target_group_arn": TG, "container_name": "web", "container_port": 8000}],
        health_check_grace_period_seconds=60,
        deployment_configuration={
            "maximum_percent": 200,
            "minimum_healthy_percent": 100,
            "circuit_breaker": {"enable": True, "rollback": True},
        },
        enable_execute_command=False,
        propagate_tags="SERVICE",
        enable_ecs_managed_tags=True,
        force_new_deployment=False,
        redeploy_on_tag_change=[],
        wait=False,
        wait_timeout=600,
        tags={"Project": "tracetrack"},
        purge_tags=True,
    )
    values.update(overrides)
    return values


fake_module = fake_module_for(params)


def fake_client(services):
    client = MagicMock()
    client.describe_services.return_value = {"services": services, "failures": []}
    return client


def run(client, module, function=ecs_service.ensure_present):
    return outcome_of(function, client, module).result


def test_matching_service_makes_no_write_and_keeps_the_scaled_count():
    client = fake_client([copy.deepcopy(SERVICE)])
    result = run(client, fake_module())
    assert result["changed"] is False, result["changed_settings"]
    client.update_service.assert_not_called()
    assert "events" not in result["service"]


def test_desired_count_is_enforced_unless_preserved():
    assert ecs_service.planned_update(SERVICE, params(preserve_desired_count=False)) == {"desiredCount": 2}


@pytest.mark.parametrize(
    "overrides, setting",
    [
        ({"deployment_configuration": {"minimum_healthy_percent": 50}}, "deploymentConfiguration"),
        ({"network_configuration": {"subnets": ["subnet-a"], "security_groups": ["sg-1"], "assign_public_ip": False}}, "networkConfiguration"),
        ({"health_check_grace_period_seconds": 120}, "healthCheckGracePeriodSeconds"),
        ({"enable_execute_command": True}, "enableExecuteCommand"),
        ({"task_definition": TD[:-1] + "4"}, "taskDefinition"),
    ],
)
def test_each_changed_setting_is_updated(overrides, setting):
    client = fake_client([copy.deepcopy(SERVICE)])
    result = run(client, fake_module(**overrides))
    assert result["changed"] is True
    assert result["changed_settings"] == [setting]
    assert setting in client.update_service.call_args.kwargs


def test_a_new_capacity_provider_strategy_forces_a_deployment():
    strategy = [
        {"capacity_provider": "FARGATE", "weight": 1, "base": 1},
        {"capacity_provider": "FARGATE_SPOT", "weight": 3, "base": 0},
    ]
    client = fake_client([copy.deepcopy(SERVICE)])
    run(client, fake_module(capacity_provider_strategy=strategy))
    kwargs = client.update_service.call_args.kwargs
    assert kwargs["forceNewDeployment"] is True
    assert len(kwargs["capacityProviderStrategy"]) == 2


def test_a_new_value_of_a_redeploy_tag_starts_a_deployment_with_the_tag_and_the_same_value_does_not():
    service = dict(copy.deepcopy(SERVICE), tags=SERVICE["tags"] + [{"key": "AppSecretVersion", "value": "v1"}])
    client = fake_client([service])
    result = run(client, fake_module(tags={"Project": "tracetrack", "AppSecretVersion": "v2"}, redeploy_on_tag_change=["AppSecretVersion"]))
    assert result["changed"] is True and result["redeployed"] is True
    assert client.update_service.call_args.kwargs == {
        "aws_retry": True,
        "cluster": "tracetrack-local",
        "service": "tracetrack-local-web",
        "forceNewDeployment": True,
    }
    client.tag_resource.assert_called_once()

    client = fake_client([copy.deepcopy(service)])
    result = run(client, fake_module(tags={"Project": "tracetrack", "AppSecretVersion": "v1"}, redeploy_on_tag_change=["AppSecretVersion"]))
    assert result["changed"] is False and result["redeployed"] is False
    client.update_service.assert_not_called()


def test_a_changed_tag_that_is_not_a_redeploy_tag_only_retags():
    client = fake_client([copy.deepcopy(SERVICE)])
    result = run(client, fake_module(tags={"Project": "other"}, redeploy_on_tag_change=["AppSecretVersion"]))
    assert result["changed"] is True and result["redeployed"] is False
    client.update_service.assert_not_called()


def test_check_mode_reports_without_writing():
    client = fake_client([copy.deepcopy(SERVICE)])
    result = run(client, fake_module(check_mode=True, task_definition=TD[:-1] + "4", tags={"Project": "x"}))
    assert result["changed"] is True
    assert result["service"]["task_definition"].endswith(":4")
    client.update_service.assert_not_called()
    client.tag_resource.assert_not_called()


def test_creation_needs_a_task_definition_and_count():
    client = fake_client([])
    result = run(client, fake_module(task_definition=None))
    assert result.get("failed") and "task_definition" in result["msg"]


def test_creation_sends_every_setting():
    client = fake_client([])
    client.create_service.return_value = {"service": SERVICE}
    run(client, fake_module())
    request = client.create_service.call_args.kwargs
    assert request["desiredCount"] == 2
    assert request["networkConfiguration"]["awsvpcConfiguration"]["assignPublicIp"] == "DISABLED"
    assert request["deploymentConfiguration"]["deploymentCircuitBreaker"] == {"enable": True, "rollback": True}
    assert request["healthCheckGracePeriodSeconds"] == 60
    assert "launchType" not in request


def test_absent_scales_to_zero_then_deletes():
    client = fake_client([copy.deepcopy(SERVICE)])
    result = run(client, fake_module(state="absent"), ecs_service.ensure_absent)
    assert result["changed"] is True
    client.update_service.assert_called_once_with(aws_retry=True, cluster="tracetrack-local", service="tracetrack-local-web", desiredCount=0)
    client.delete_service.assert_called_once()


def test_absent_on_an_inactive_service_changes_nothing():
    client = fake_client([dict(SERVICE, status="INACTIVE")])
    result = run(client, fake_module(state="absent"), ecs_service.ensure_absent)
    assert result["changed"] is False
    client.delete_service.assert_not_called()


def test_absent_when_the_cluster_is_gone_changes_nothing():
    client = fake_client([])
    client.describe_services.side_effect = client_error("ClusterNotFoundException", "DescribeServices", "Cluster not found.")
    result = run(client, fake_module(state="absent"), ecs_service.ensure_absent)
    assert result["changed"] is False


# --- deployment strategies (ECS deploymentConfiguration.strategy and load balancers' advancedConfiguration) ---------

GREEN = TG.replace("tracetrack-local-web/", "tracetrack-local-web-g/")
RULE = "arn:aws:elasticloadbalancing:ap-south-1:123456789012:listener-rule/app/tracetrack-local-alb/1/2/3"
TEST_RULE = RULE[:-1] + "4"
ROLE = "arn:aws:iam::123456789012:role/tracetrack-local-ecs-load-balancers"
ADVANCED = {"alternate_target_group_arn": GREEN, "production_listener_rule": RULE, "test_listener_rule": TEST_RULE, "role_arn": ROLE}
BLUE_GREEN_LB = [{"target_group_arn": TG, "container_name": "web", "container_port": 8000, "advanced_configuration": ADVANCED}]
ALARMS = {"alarm_names": ["web-p95", "web-5xx"], "enable": True, "rollback": True}


def deployment(**options):
    base = {"maximum_percent": 200, "minimum_healthy_percent": 100, "circuit_breaker": {"enable": True, "rollback": True}}
    return dict(base, **options)


def blue_green_service(**configuration):
    service = copy.deepcopy(SERVICE)
    service["loadBalancers"][0]["advancedConfiguration"] = {
        "alternateTargetGroupArn": GREEN,
        "productionListenerRule": RULE,
        "testListenerRule": TEST_RULE,
        "roleArn": ROLE,
    }
    service["deploymentConfiguration"].update(configuration)
    return service


def test_a_service_that_reports_no_strategy_is_rolling():
    assert ecs_service.planned_update(SERVICE, params(deployment_configuration=deployment(strategy="ROLLING"))) == {}


def test_moving_to_blue_green_sends_the_strategy_the_alarms_and_the_load_balancer_settings_and_keeps_the_rest():
    wanted = deployment(strategy="BLUE_GREEN", bake_time_in_minutes=5, alarms=ALARMS)
    update = ecs_service.planned_update(SERVICE, params(load_balancers=BLUE_GREEN_LB, deployment_configuration=wanted))
    assert set(update) == {"loadBalancers", "deploymentConfiguration"}
    assert update["deploymentConfiguration"] == {
        "deploymentCircuitBreaker": {"enable": True, "rollback": True},
        "maximumPercent": 200,
        "minimumHealthyPercent": 100,
        "strategy": "BLUE_GREEN",
        "bakeTimeInMinutes": 5,
        "alarms": {"alarmNames": ["web-5xx", "web-p95"], "enable": True, "rollback": True},
    }
    assert update["loadBalancers"][0]["advancedConfiguration"] == {
        "alternateTargetGroupArn": GREEN,
        "productionListenerRule": RULE,
        "testListenerRule": TEST_RULE,
        "roleArn": ROLE,
    }


def test_a_blue_green_service_as_ecs_reports_it_is_no_change_whatever_the_order_of_the_alarms():
    service = blue_green_service(strategy="BLUE_GREEN", bakeTimeInMinutes=5, alarms={"alarmNames": ["web-p95", "web-5xx"], "enable": True, "rollback": True})
    client = fake_client([service])
    wanted = deployment(strategy="BLUE_GREEN", bake_time_in_minutes=5, alarms=dict(ALARMS, alarm_names=["web-5xx", "web-p95"]))
    result = run(client, fake_module(load_balancers=BLUE_GREEN_LB, deployment_configuration=wanted))
    assert result["changed"] is False, result["changed_settings"]
    client.update_service.assert_not_called()


@pytest.mark.parametrize(
    "options, changed",
    [
        ({"strategy": "CANARY", "canary_configuration": {"canary_percent": 10.0, "canary_bake_time_in_minutes": 3}}, "strategy"),
        ({"strategy": "BLUE_GREEN", "bake_time_in_minutes": 10}, "bakeTimeInMinutes"),
        ({"strategy": "BLUE_GREEN", "alarms": dict(ALARMS, rollback=False)}, "alarms"),
        (
            {
                "strategy": "BLUE_GREEN",
                "lifecycle_hooks": [
                    {
                        "hook_target_arn": "arn:aws:lambda:ap-south-1:123456789012:function:smoke",
                        "role_arn": ROLE,
                        "lifecycle_stages": ["POST_TEST_TRAFFIC_SHIFT"],
                    }
                ],
            },
            "lifecycleHooks",
        ),
    ],
)
def test_check_mode_names_each_deployment_setting_that_differs_and_writes_nothing(options, changed):
    service = blue_green_service(strategy="BLUE_GREEN", bakeTimeInMinutes=5, alarms={"alarmNames": ["web-5xx", "web-p95"], "enable": True, "rollback": True})
    client = fake_client([service])
    wanted = deployment(**dict({"bake_time_in_minutes": 5, "alarms": ALARMS}, **options))
    result = run(client, fake_module(check_mode=True, load_balancers=BLUE_GREEN_LB, deployment_configuration=wanted))
    assert result["changed"] is True and result["changed_settings"] == ["deploymentConfiguration"]
    assert result["diff"]["before"]["deploymentConfiguration"] != result["diff"]["after"]["deploymentConfiguration"]
    assert changed in result["diff"]["after"]["deploymentConfiguration"]
    client.update_service.assert_not_called()


def test_leaving_canary_for_rolling_drops_the_canary_step_and_keeps_hooks_set_elsewhere():
    hooks = [
        {
            "hookTargetArn": "arn:aws:lambda:ap-south-1:123456789012:function:smoke",
            "roleArn": ROLE,
            "lifecycleStages": ["POST_TEST_TRAFFIC_SHIFT"],
            "targetType": "AWS_LAMBDA",
            "hookDetails": {"a": 1},
        }
    ]
    service = blue_green_service(strategy="CANARY", canaryConfiguration={"canaryPercent": 5.0, "canaryBakeTimeInMinutes": 3}, lifecycleHooks=hooks)
    update = ecs_service.planned_update(service, params(deployment_configuration=deployment(strategy="ROLLING")))
    configuration = update["deploymentConfiguration"]
    assert configuration["strategy"] == "ROLLING" and "canaryConfiguration" not in configuration
    assert configuration["lifecycleHooks"] == hooks


def test_linear_steps_are_compared_and_sent():
    service = blue_green_service(strategy="LINEAR", linearConfiguration={"stepPercent": 10.0, "stepBakeTimeInMinutes": 2})
    same = deployment(strategy="LINEAR", linear_configuration={"step_percent": 10, "step_bake_time_in_minutes": 2})
    assert ecs_service.planned_update(service, params(load_balancers=BLUE_GREEN_LB, deployment_configuration=same)) == {}
    wider = deployment(strategy="LINEAR", linear_configuration={"step_percent": 50, "step_bake_time_in_minutes": 2})
    update = ecs_service.planned_update(service, params(load_balancers=BLUE_GREEN_LB, deployment_configuration=wider))
    assert update["deploymentConfiguration"]["linearConfiguration"] == {"stepPercent": 50, "stepBakeTimeInMinutes": 2}


def test_creation_sends_the_strategy_and_the_advanced_load_balancer_settings():
    client = fake_client([])
    client.create_service.return_value = {"service": SERVICE}
    run(
        client,
        fake_module(
            load_balancers=BLUE_GREEN_LB,
            deployment_configuration=deployment(
                strategy="CANARY", canary_configuration={"canary_percent": 5.0, "canary_bake_time_in_minutes": 3}, bake_time_in_minutes=3
            ),
        ),
    )
    request = client.create_service.call_args.kwargs
    assert request["deploymentConfiguration"]["strategy"] == "CANARY"
    assert request["deploymentConfiguration"]["canaryConfiguration"] == {"canaryPercent": 5.0, "canaryBakeTimeInMinutes": 3}
    assert request["loadBalancers"][0]["advancedConfiguration"]["alternateTargetGroupArn"] == GREEN


@pytest.mark.parametrize(
    "configuration, load_balancers, message",
    [
        (
            deployment(canary_configuration={"canary_percent": 5.0, "canary_bake_time_in_minutes": 3}),
            None,
            "deployment_configuration.canary_configuration needs deployment_configuration.strategy CANARY, not unset",
        ),
        (
            deployment(strategy="CANARY", linear_configuration={"step_percent": 10.0, "step_bake_time_in_minutes": 1}),
            None,
            "deployment_configuration.linear_configuration needs deployment_configuration.strategy LINEAR, not CANARY",
        ),
        (
            deployment(strategy="LINEAR", linear_configuration={"step_percent": 2.0, "step_bake_time_in_minutes": 1}),
            None,
            "deployment_configuration.linear_configuration.step_percent must be between 3 and 100, not 2.0",
        ),
        (
            deployment(strategy="BLUE_GREEN", bake_time_in_minutes=1441),
            None,
            "deployment_configuration.bake_time_in_minutes must be between 0 and 1440, not 1441",
        ),
        (deployment(strategy="BLUE_GREEN", alarms=dict(ALARMS, alarm_names=[])), None, "deployment_configuration.alarms.alarm_names needs at least one alarm"),
        (
            deployment(strategy="BLUE_GREEN"),
            [{"target_group_arn": TG, "container_name": "web", "container_port": 8000}],
            f"deployment_configuration.strategy BLUE_GREEN needs load_balancers[].advanced_configuration for {TG}",
        ),
    ],
)
def test_inconsistent_deployment_options_are_refused_before_any_call(configuration, load_balancers, message):
    assert ecs_service.deployment_problem(configuration, load_balancers) == message


def test_consistent_deployment_options_pass():
    assert ecs_service.deployment_problem(deployment(strategy="BLUE_GREEN", alarms=ALARMS), BLUE_GREEN_LB) is None
    assert ecs_service.deployment_problem(None, None) is None


PAUSE_HOOK = {
    "target_type": "PAUSE",
    "lifecycle_stages": ["POST_TEST_TRAFFIC_SHIFT"],
    "timeout_in_minutes": 30,
    "timeout_action": "ROLLBACK",
    "hook_target_arn": None,
    "role_arn": None,
}


def test_a_pause_hook_as_ecs_reports_it_is_no_change_and_a_new_timeout_is():
    reported = [{"targetType": "PAUSE", "lifecycleStages": ["POST_TEST_TRAFFIC_SHIFT"], "timeoutConfiguration": {"timeoutInMinutes": 30, "action": "ROLLBACK"}}]
    service = blue_green_service(strategy="BLUE_GREEN", lifecycleHooks=reported)
    wanted = deployment(strategy="BLUE_GREEN", lifecycle_hooks=[PAUSE_HOOK])
    assert ecs_service.planned_update(service, params(load_balancers=BLUE_GREEN_LB, deployment_configuration=wanted)) == {}
    longer = deployment(strategy="BLUE_GREEN", lifecycle_hooks=[dict(PAUSE_HOOK, timeout_in_minutes=60)])
    update = ecs_service.planned_update(service, params(load_balancers=BLUE_GREEN_LB, deployment_configuration=longer))
    assert update["deploymentConfiguration"]["lifecycleHooks"] == [
        {"targetType": "PAUSE", "lifecycleStages": ["POST_TEST_TRAFFIC_SHIFT"], "timeoutConfiguration": {"timeoutInMinutes": 60, "action": "ROLLBACK"}}
    ]


def test_a_lambda_hook_without_its_function_is_refused():
    hook = dict(PAUSE_HOOK, target_type="AWS_LAMBDA")
    assert ecs_service.deployment_problem(deployment(strategy="BLUE_GREEN", lifecycle_hooks=[hook]), BLUE_GREEN_LB) == (
        "deployment_configuration.lifecycle_hooks[0] calls a Lambda function: it needs hook_target_arn and role_arn"
    )


def test_a_service_whose_target_groups_ecs_swapped_is_no_change():
    """Which of the pair serves production traffic changes with every blue/green deployment: the pair is compared."""
    swapped = blue_green_service(strategy="BLUE_GREEN")
    swapped["loadBalancers"][0]["targetGroupArn"] = GREEN
    swapped["loadBalancers"][0]["advancedConfiguration"]["alternateTargetGroupArn"] = TG
    wanted = deployment(strategy="BLUE_GREEN")
    assert "loadBalancers" not in ecs_service.planned_update(swapped, params(load_balancers=BLUE_GREEN_LB, deployment_configuration=wanted))
    other = copy.deepcopy(BLUE_GREEN_LB)
    other[0]["advanced_configuration"] = dict(ADVANCED, alternate_target_group_arn=TG.replace("web/", "web-other/"))
    assert "loadBalancers" in ecs_service.planned_update(swapped, params(load_balancers=other, deployment_configuration=wanted))
