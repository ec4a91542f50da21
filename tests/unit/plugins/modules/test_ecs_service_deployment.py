"""tracetrack.aws.ecs_service_deployment: which call continues, rolls back or aborts a deployment, and when nothing does."""

from unittest.mock import MagicMock

import pytest

from ansible_collections.tracetrack.aws.plugins.modules import ecs_service_deployment
from ansible_collections.tracetrack.aws.tests.unit.plugins.modules.utils import fake_module
from ansible_collections.tracetrack.aws.tests.unit.plugins.modules.utils import main_outcome
from ansible_collections.tracetrack.aws.tests.unit.plugins.modules.utils import main_outcome_with_args

ARN = "arn:aws:ecs:ap-south-1:123456789012:service-deployment/production/web/abc"
PAUSED = {
    "serviceDeploymentArn": ARN,
    "status": "IN_PROGRESS",
    "lifecycleStage": "POST_TEST_TRAFFIC_SHIFT",
    "lifecycleHookDetails": [{"hookId": "h-1", "targetType": "PAUSE", "status": "AWAITING_ACTION"}],
}
BAKING = {
    "serviceDeploymentArn": ARN,
    "status": "IN_PROGRESS",
    "lifecycleStage": "BAKE_TIME",
    "lifecycleHookDetails": [{"hookId": "h-1", "targetType": "PAUSE", "status": "SUCCEEDED"}],
}


@pytest.mark.parametrize(
    "deployment, action, expected",
    [
        (PAUSED, "continue", ("continue_service_deployment", {"serviceDeploymentArn": ARN, "hookId": "h-1", "action": "CONTINUE"})),
        (PAUSED, "rollback", ("continue_service_deployment", {"serviceDeploymentArn": ARN, "hookId": "h-1", "action": "ROLLBACK"})),
        (BAKING, "rollback", ("stop_service_deployment", {"serviceDeploymentArn": ARN, "stopType": "ROLLBACK"})),
        (BAKING, "abort", ("stop_service_deployment", {"serviceDeploymentArn": ARN, "stopType": "ABORT"})),
        (BAKING, "continue", None),
        (dict(BAKING, status="ROLLBACK_SUCCESSFUL"), "rollback", None),
        (dict(BAKING, status="SUCCESSFUL"), "abort", None),
    ],
)
def test_the_call_each_action_makes(deployment, action, expected):
    assert ecs_service_deployment.planned_call(deployment, action) == expected


def test_a_hook_named_that_does_not_await_an_action_is_not_continued():
    assert ecs_service_deployment.planned_call(PAUSED, "continue", hook_id="h-2") is None


def test_an_ended_deployment_cannot_be_rolled_back_here():
    assert "has ended (SUCCESSFUL): release the previous revision instead" in ecs_service_deployment.planned_call(dict(BAKING, status="SUCCESSFUL"), "rollback")


def module_for(check_mode=False, **params):
    values = {"cluster": "production", "service": "web", "service_deployment_arn": None, "action": "continue", "hook_id": None}
    module = fake_module(dict(values, **params), check_mode)
    client = MagicMock()
    client.list_service_deployments.return_value = {
        "serviceDeployments": [
            {"serviceDeploymentArn": ARN + "-old", "createdAt": "2026-12-01T00:00:00Z"},
            {"serviceDeploymentArn": ARN, "createdAt": "2026-12-06T00:00:00Z"},
        ]
    }
    client.describe_service_deployments.side_effect = [{"serviceDeployments": [PAUSED]}, {"serviceDeployments": [BAKING]}]
    module.client.return_value = client
    return module, client


def test_continue_acts_on_the_newest_deployment_and_returns_it_after_the_action():
    module, client = module_for()
    outcome = main_outcome(ecs_service_deployment, module)
    assert outcome.result["changed"] is True
    client.continue_service_deployment.assert_called_once_with(aws_retry=True, serviceDeploymentArn=ARN, hookId="h-1", action="CONTINUE")
    assert outcome.result["service_deployment"]["lifecycle_stage"] == "BAKE_TIME"


def test_check_mode_reports_the_change_and_calls_nothing():
    module, client = module_for(check_mode=True, action="rollback")
    outcome = main_outcome(ecs_service_deployment, module)
    assert outcome.result["changed"] is True
    client.continue_service_deployment.assert_not_called()
    client.stop_service_deployment.assert_not_called()


@pytest.mark.parametrize(
    "args, message",
    [
        ({"action": "continue"}, "one of the following is required: service, service_deployment_arn"),
        ({"action": "continue", "service": "web"}, "missing parameter(s) required by 'service': cluster"),
        (
            {"action": "continue", "service": "web", "cluster": "c", "service_deployment_arn": ARN},
            "parameters are mutually exclusive: service|service_deployment_arn",
        ),
    ],
)
def test_what_to_act_on_is_named_once(args, message):
    outcome = main_outcome_with_args(ecs_service_deployment.main, args)
    assert outcome.failed and outcome.result["msg"] == message
