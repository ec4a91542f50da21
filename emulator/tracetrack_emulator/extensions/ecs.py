"""ECS UpdateService and DescribeServices: a rolling deployment as AWS reports it.

AWS API reference, ECS UpdateService: a new task definition (or forceNewDeployment) starts a new
deployment; `Service.taskDefinition` is the task definition's ARN. Deployment data type: the new
deployment is `PRIMARY` with `rolloutState` `IN_PROGRESS` while the previous one stays listed as
`ACTIVE`; once the primary deployment reaches a steady state its `rolloutState` is `COMPLETED`, its
`runningCount` equals its `desiredCount` and the older deployments are drained and no longer listed.
ServiceEvent: ECS records "(service NAME) (deployment ID) deployment completed." and
"(service NAME) has reached a steady state.", newest first.

moto keeps a single deployment that never changes after CreateService, stores the task definition as
the caller wrote it (`web:2`) and records no events, so nothing can wait for a rollout. Here each new
deployment starts `IN_PROGRESS` and completes after one DescribeServices call by default; the pace is
set through moto's state manager, model `ecs::deployment`
(`/moto-api/state-manager/set-transition`, e.g. `{"progression": "time", "seconds": 5}`).
"""

from moto.core.utils import utcnow
from moto.ecs import models as ecs_models
from moto.moto_api import state_manager
from moto.moto_api._internal import mock_random
from moto.moto_api._internal.managed_state_model import ManagedState

MODEL_NAME = "ecs::deployment"

# Callables (service, deployment) -> bool that keep a deployment whose tasks run from completing: a blue/green, linear
# or canary deployment completes only after its traffic shifts and bake time (ecs_service_deployments).
COMPLETION_HOLDS = []

# DeploymentConfiguration strategies in which ECS moves traffic between two target groups through lifecycle stages.
TRAFFIC_SHIFTING = ("BLUE_GREEN", "LINEAR", "CANARY")


class DeploymentRollout(ManagedState):
    def __init__(self):
        super().__init__(MODEL_NAME, [("IN_PROGRESS", "COMPLETED")])


def _rollouts(service) -> dict:
    if not hasattr(service, "_tracetrack_rollouts"):
        service._tracetrack_rollouts = {}
    return service._tracetrack_rollouts


def _add_event(service, message: str) -> None:
    service.events.insert(0, {"id": str(mock_random.uuid4()), "createdAt": utcnow(), "message": message})
    del service.events[100:]  # DescribeServices returns at most the 100 most recent events


def _start_deployment(service) -> None:
    """Make a new PRIMARY deployment for the service's current task definition; the old one turns ACTIVE."""
    now = utcnow()
    deployment_id = f"ecs-svc/{mock_random.randint(0, 32**12)}"
    previous = service.deployments[0] if service.deployments else {}
    for deployment in service.deployments:
        deployment["status"] = "ACTIVE"
        deployment["updatedAt"] = now
    service.deployments.insert(
        0,
        {
            **{k: v for k, v in previous.items() if k in ("launchType", "platformVersion", "platformFamily")},
            "id": deployment_id,
            "status": "PRIMARY",
            "taskDefinition": service.task_definition,
            "desiredCount": service.desired_count,
            "pendingCount": service.desired_count,
            "runningCount": 0,
            "failedTasks": 0,
            "rolloutState": "IN_PROGRESS",
            "rolloutStateReason": f"ECS deployment {deployment_id} in progress.",
            "networkConfiguration": service.network_configuration or previous.get("networkConfiguration"),
            "createdAt": now,
            "updatedAt": now,
        },
    )
    _rollouts(service)[deployment_id] = DeploymentRollout()


def _progress(service) -> None:
    """Advance the primary deployment's rollout by one DescribeServices call."""
    if not service.deployments:
        return
    primary = service.deployments[0]
    rollout = _rollouts(service).get(primary["id"])
    if rollout is None or primary.get("rolloutState") != "IN_PROGRESS":
        return
    state = rollout.status
    rollout.advance()
    if state != "COMPLETED" or any(hold(service, primary) for hold in COMPLETION_HOLDS):
        return
    primary.update(
        rolloutState="COMPLETED",
        rolloutStateReason=f"ECS deployment {primary['id']} completed.",
        runningCount=primary["desiredCount"],
        pendingCount=0,
        updatedAt=utcnow(),
    )
    del service.deployments[1:]  # the older deployments have been drained
    _rollouts(service).pop(primary["id"], None)
    _add_event(service, f"(service {service.name}) (deployment {primary['id']}) deployment completed.")
    _add_event(service, f"(service {service.name}) has reached a steady state.")


def _wrap_update_service(original):
    def update_service(self, service_properties):
        properties = dict(service_properties)
        cluster_name = properties.get("cluster", "default")
        service_name = properties["service"].split("/")[-1]
        task_definition = properties.get("task_definition")
        force_new_deployment = bool(properties.pop("force_new_deployment", False))
        previous_task_definition = self._get_service(cluster_name, service_name).task_definition

        service = original(self, properties)

        if task_definition:
            service.task_definition = self.describe_task_definition(task_definition).arn
        if service.deployment_controller.get("type", "ECS") != "ECS":
            return service
        if force_new_deployment or service.task_definition != previous_task_definition or not service.deployments:
            _start_deployment(service)
        elif properties.get("desired_count") is not None:
            primary = service.deployments[0]
            primary.update(desiredCount=service.desired_count, updatedAt=utcnow())
            if primary.get("rolloutState") != "IN_PROGRESS":
                primary.update(runningCount=service.desired_count, pendingCount=0)
        return service

    update_service._tracetrack_patched = True
    return update_service


def _wrap_describe_services(original):
    def describe_services(self, cluster_str, service_names_or_arns):
        services, failures = original(self, cluster_str, service_names_or_arns)
        for service in services:
            if service.status == "ACTIVE":
                _progress(service)
        return services, failures

    describe_services._tracetrack_patched = True
    return describe_services


def apply() -> None:
    state_manager.register_default_transition(MODEL_NAME, transition={"progression": "manual", "times": 1})
    backend = ecs_models.EC2ContainerServiceBackend
    if not getattr(backend.update_service, "_tracetrack_patched", False):
        backend.update_service = _wrap_update_service(backend.update_service)
    if not getattr(backend.describe_services, "_tracetrack_patched", False):
        backend.describe_services = _wrap_describe_services(backend.describe_services)
