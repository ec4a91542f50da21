"""tracetrack.aws.ecs_task_definition: what counts as a change, and the calls a run makes."""

import copy
from unittest.mock import MagicMock

import pytest

from ansible_collections.tracetrack.aws.plugins.modules import ecs_task_definition
from ansible_collections.tracetrack.aws.tests.unit.plugins.modules.utils import fake_module_for
from ansible_collections.tracetrack.aws.tests.unit.plugins.modules.utils import outcome_of
from ansible_collections.tracetrack.aws.tests.unit.plugins.modules.utils import stub_paginators

ARN = "arn:aws:ecs:ap-south-1:123456789012:task-definition/tracetrack-local-web:4"
CONTAINER = {
    "name": "web",
    "image": "123456789012.dkr.ecr.ap-south-1.amazonaws.com/tracetrack/local:1.0.0",
    "essential": True,
    "portMappings": [{"containerPort": 8000, "protocol": "tcp"}],
    "environment": [{"name": "PORT", "value": "8000"}, {"name": "A", "value": "1"}],
    "secrets": [{"name": "SECRET_KEY", "valueFrom": "arn:aws:secretsmanager:ap-south-1:1:secret:x-AbCdEf:SECRET_KEY::"}],
    "healthCheck": {"command": ["CMD-SHELL", "true"], "interval": 30, "timeout": 5, "retries": 3, "startPeriod": 60},
}
# As ECS describes the revision registered from CONTAINER: defaults filled in, lists reordered.
STORED = dict(
    copy.deepcopy(CONTAINER),
    cpu=0,
    mountPoints=[],
    volumesFrom=[],
    systemControls=[],
    portMappings=[{"containerPort": 8000, "hostPort": 8000, "protocol": "tcp"}],
    environment=[{"name": "A", "value": "1"}, {"name": "PORT", "value": "8000"}],
    logConfiguration={"logDriver": "awslogs", "options": {"awslogs-group": "/x/web"}, "secretOptions": []},
)
CONTAINER["logConfiguration"] = {"logDriver": "awslogs", "options": {"awslogs-group": "/x/web"}}
CURRENT = {
    "taskDefinitionArn": ARN,
    "family": "tracetrack-local-web",
    "revision": 4,
    "status": "ACTIVE",
    "networkMode": "awsvpc",
    "requiresCompatibilities": ["FARGATE"],
    "compatibilities": ["EC2", "FARGATE"],
    "cpu": "512",
    "memory": "1024",
    "executionRoleArn": "arn:aws:iam::1:role/exec",
    "taskRoleArn": "arn:aws:iam::1:role/task",
    "runtimePlatform": {"cpuArchitecture": "X86_64", "operatingSystemFamily": "LINUX"},
    "volumes": [],
    "placementConstraints": [],
    "containerDefinitions": [STORED],
}


def params(**overrides):
    values = dict(
        state="present",
        family="tracetrack-local-web",
        containers=[copy.deepcopy(CONTAINER)],
        network_mode="awsvpc",
        requires_compatibilities=["FARGATE"],
        cpu="512",
        memory="1024",
        task_role_arn="arn:aws:iam::1:role/task",
        execution_role_arn="arn:aws:iam::1:role/exec",
        runtime_platform={"cpu_architecture": "X86_64", "operating_system_family": "LINUX"},
        volumes=[],
        tags={"Project": "tracetrack"},
        purge_tags=True,
    )
    values.update(overrides)
    return values


fake_module = fake_module_for(params)


def fake_client(current=None, tags=None):
    current = CURRENT if current is None else current
    client = MagicMock()
    client.describe_task_definition.return_value = {
        "taskDefinition": current,
        "tags": [{"key": k, "value": v} for k, v in (tags if tags is not None else {"Project": "tracetrack"}).items()],
    }
    client.register_task_definition.return_value = {
        "taskDefinition": dict(current, revision=5, taskDefinitionArn=ARN[:-1] + "5"),
        "tags": [{"key": "Project", "value": "tracetrack"}],
    }
    return client


def run(client, module, function=ecs_task_definition.ensure_present):
    return outcome_of(function, client, module).result


def test_values_ecs_fills_in_are_not_differences():
    request = ecs_task_definition.build_request(params())
    assert ecs_task_definition.differences(CURRENT, request) == []


def test_unchanged_definition_registers_nothing():
    client = fake_client()
    result = run(client, fake_module())
    assert result["changed"] is False
    client.register_task_definition.assert_not_called()
    assert result["task_definition"]["task_definition_arn"] == ARN


@pytest.mark.parametrize(
    "overrides, part",
    [
        ({"cpu": "1024", "memory": "2048"}, "cpu"),
        ({"execution_role_arn": "arn:aws:iam::1:role/other"}, "executionRoleArn"),
        ({"runtime_platform": {"cpu_architecture": "ARM64", "operating_system_family": "LINUX"}}, "runtimePlatform"),
    ],
)
def test_task_level_changes_register_a_revision(overrides, part):
    client = fake_client()
    result = run(client, fake_module(**overrides))
    assert result["changed"] is True
    assert part in result["changed_parts"]
    client.register_task_definition.assert_called_once()


def test_container_changes_register_a_revision():
    container = dict(copy.deepcopy(CONTAINER), image=CONTAINER["image"][:-5] + "1.0.1")
    client = fake_client()
    result = run(client, fake_module(containers=[container]))
    assert result["changed_parts"] == ["containerDefinitions"]
    request = client.register_task_definition.call_args.kwargs
    assert request["containerDefinitions"][0]["image"].endswith(":1.0.1")
    assert request["tags"] == [{"key": "Project", "value": "tracetrack"}]


def test_removed_environment_variable_is_a_change():
    container = copy.deepcopy(CONTAINER)
    container["environment"] = [{"name": "PORT", "value": "8000"}]
    assert ecs_task_definition.differences(CURRENT, ecs_task_definition.build_request(params(containers=[container]))) == ["containerDefinitions"]


def test_check_mode_predicts_the_next_revision_without_registering():
    client = fake_client()
    result = run(client, fake_module(check_mode=True, cpu="1024", memory="2048"))
    assert result["changed"] is True
    assert result["task_definition"]["task_definition_arn"].endswith("task-definition/tracetrack-local-web:5")
    client.register_task_definition.assert_not_called()


def test_tag_changes_are_made_in_place():
    client = fake_client(tags={"Project": "old"})
    result = run(client, fake_module())
    assert result["changed"] is True
    client.register_task_definition.assert_not_called()
    client.tag_resource.assert_called_once()


def test_absent_deregisters_only_the_family_itself():
    arns = [ARN, "arn:aws:ecs:ap-south-1:123456789012:task-definition/tracetrack-local-web-api:1"]
    client = stub_paginators(MagicMock(), {"list_task_definitions": {"taskDefinitionArns": arns}})
    result = run(client, fake_module(state="absent"), ecs_task_definition.ensure_absent)
    assert result["changed"] is True
    assert result["deregistered"] == [ARN]
    client.deregister_task_definition.assert_called_once_with(aws_retry=True, taskDefinition=ARN)
