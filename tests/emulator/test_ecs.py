"""ECS UpdateService / DescribeServices: a rolling deployment reported as AWS reports it."""

import json
import urllib.request

import pytest

from tests.support.clients import emulator_client

CONTAINERS = [{"name": "web", "image": "public.ecr.aws/nginx/nginx:latest", "memory": 512, "essential": True}]


def set_transition(emulator, transition):
    body = json.dumps({"model_name": "ecs::deployment", "transition": transition}).encode()
    request = urllib.request.Request(f"{emulator.url}/moto-api/state-manager/set-transition", data=body, method="POST")
    with urllib.request.urlopen(request, timeout=10):
        pass


def unset_transition(emulator):
    body = json.dumps({"model_name": "ecs::deployment"}).encode()
    url = f"{emulator.url}/moto-api/state-manager/unset-transition"
    request = urllib.request.Request(url, data=body, method="POST")
    with urllib.request.urlopen(request, timeout=10):
        pass


@pytest.fixture
def ecs(clean_emulator):
    client = emulator_client(clean_emulator, "ecs")
    client.create_cluster(clusterName="rollout")
    for _revision in range(2):
        client.register_task_definition(
            family="web",
            containerDefinitions=CONTAINERS,
            requiresCompatibilities=["FARGATE"],
            networkMode="awsvpc",
            cpu="256",
            memory="512",
        )
    client.create_service(cluster="rollout", serviceName="web", taskDefinition="web:1", desiredCount=2)
    return client


def describe(ecs):
    return ecs.describe_services(cluster="rollout", services=["web"])["services"][0]


def test_new_task_definition_starts_a_primary_deployment(ecs):
    service = ecs.update_service(cluster="rollout", service="web", taskDefinition="web:2")["service"]
    assert service["taskDefinition"].endswith(":task-definition/web:2")
    assert service["taskDefinition"].startswith("arn:aws:ecs:ap-south-1:")
    primary, previous = service["deployments"]
    assert (primary["status"], primary["rolloutState"], primary["runningCount"]) == ("PRIMARY", "IN_PROGRESS", 0)
    assert primary["taskDefinition"] == service["taskDefinition"]
    assert previous["status"] == "ACTIVE"
    assert previous["taskDefinition"].endswith("/web:1")


def test_rollout_completes_drains_the_old_deployment_and_records_events(ecs):
    ecs.update_service(cluster="rollout", service="web", taskDefinition="web:2")
    assert describe(ecs)["deployments"][0]["rolloutState"] == "IN_PROGRESS"
    service = describe(ecs)
    (primary,) = service["deployments"]
    assert primary["rolloutState"] == "COMPLETED"
    assert primary["runningCount"] == primary["desiredCount"] == 2
    assert primary["taskDefinition"].endswith("/web:2")
    messages = [event["message"] for event in service["events"]]
    assert messages[0] == "(service web) has reached a steady state."
    assert messages[1] == f"(service web) (deployment {primary['id']}) deployment completed."


def test_force_new_deployment_with_the_same_task_definition(ecs):
    before = describe(ecs)["deployments"][0]["id"]
    service = ecs.update_service(cluster="rollout", service="web", forceNewDeployment=True)["service"]
    assert [d["status"] for d in service["deployments"]] == ["PRIMARY", "ACTIVE"]
    assert service["deployments"][0]["id"] != before
    assert service["deployments"][1]["id"] == before


def test_unchanged_task_definition_starts_no_deployment(ecs):
    before = describe(ecs)["deployments"]
    service = ecs.update_service(cluster="rollout", service="web", taskDefinition="web:1", desiredCount=3)["service"]
    (primary,) = service["deployments"]
    assert primary["id"] == before[0]["id"]
    assert primary["desiredCount"] == primary["runningCount"] == 3


def test_rollout_pace_follows_the_state_manager(ecs, clean_emulator):
    set_transition(clean_emulator, {"progression": "manual", "times": 3})
    try:
        ecs.update_service(cluster="rollout", service="web", taskDefinition="web:2")
        states = [describe(ecs)["deployments"][0]["rolloutState"] for _poll in range(4)]
    finally:
        unset_transition(clean_emulator)
    assert states == ["IN_PROGRESS", "IN_PROGRESS", "IN_PROGRESS", "COMPLETED"]
