"""ECS DescribeTaskDefinition by family answers the latest ACTIVE revision, as AWS does."""

import pytest
from botocore.exceptions import ClientError

from tests.support.clients import emulator_client

CONTAINERS = [{"name": "web", "image": "public.ecr.aws/nginx/nginx:1.27", "memory": 512, "essential": True}]


@pytest.fixture
def ecs(clean_emulator):
    client = emulator_client(clean_emulator, "ecs")
    for tag in ("1", "2", "3"):
        client.register_task_definition(family="web", containerDefinitions=[dict(CONTAINERS[0], image=f"web:{tag}")])
    return client


def test_family_answers_the_newest_revision_while_all_are_active(ecs):
    assert ecs.describe_task_definition(taskDefinition="web")["taskDefinition"]["revision"] == 3


def test_family_skips_deregistered_revisions(ecs):
    ecs.deregister_task_definition(taskDefinition="web:3")
    ecs.deregister_task_definition(taskDefinition="web:2")
    latest = ecs.describe_task_definition(taskDefinition="web")["taskDefinition"]
    assert (latest["revision"], latest["status"], latest["containerDefinitions"][0]["image"]) == (1, "ACTIVE", "web:1")
    # A named revision is answered whatever its status; the next registration still gets a new number.
    assert ecs.describe_task_definition(taskDefinition="web:3")["taskDefinition"]["status"] == "INACTIVE"
    assert ecs.register_task_definition(family="web", containerDefinitions=CONTAINERS)["taskDefinition"]["revision"] == 4


def test_family_without_an_active_revision_is_not_found(ecs):
    for revision in (1, 2, 3):
        ecs.deregister_task_definition(taskDefinition=f"web:{revision}")
    with pytest.raises(ClientError) as error:
        ecs.describe_task_definition(taskDefinition="web")
    assert error.value.response["Error"]["Code"] == "ClientException"
