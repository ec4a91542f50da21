"""ECS DescribeTaskDefinition by family: the latest ACTIVE revision, as AWS answers.

AWS API reference, ECS DescribeTaskDefinition, `taskDefinition`: "The family for the latest ACTIVE revision,
family and revision (family:revision) for a specific revision in the family, or full Amazon Resource Name (ARN)
of the task definition to describe." A family whose newest revisions were deregistered (INACTIVE) is answered
with its newest revision that is still ACTIVE; a family without any ACTIVE revision is not found
(ClientException "Unable to describe task definition.").

moto answers a family with its highest revision whatever its status, so that after a rollback deregistered the
newest revision a release compared itself with the deregistered one and registered a revision it did not need.
"""

from moto.ecs import models as ecs_models
from moto.ecs.exceptions import TaskDefinitionNotFoundException

_original = ecs_models.EC2ContainerServiceBackend.describe_task_definition


def describe_task_definition(self, task_definition_str):
    name = task_definition_str.split("/")[-1]
    if ":" in name:
        return _original(self, task_definition_str)
    revisions = self.task_definitions.get(name, {})
    active = [number for number, definition in revisions.items() if definition.status == "ACTIVE"]
    if not active:
        raise TaskDefinitionNotFoundException()
    return revisions[max(active)]


def apply() -> None:
    ecs_models.EC2ContainerServiceBackend.describe_task_definition = describe_task_definition
