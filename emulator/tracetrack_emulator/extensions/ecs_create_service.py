"""ECS CreateService: the service settings AWS keeps from the request and reports back.

AWS API reference, ECS CreateService and the Service data type: a new service reports the
`healthCheckGracePeriodSeconds`, `deploymentConfiguration` (AWS fills in what the request leaves out:
`maximumPercent` 200, `minimumHealthyPercent` 100, `deploymentCircuitBreaker` disabled),
`capacityProviderStrategy`, `enableExecuteCommand` and `enableECSManagedTags` it was created with.
A service created with a capacity provider strategy has no `launchType`; one created with neither a
launch type nor a strategy uses the cluster's default capacity provider strategy.

moto's CreateService drops all of these (UpdateService keeps them), so a client that compares the
service it created with what it asked for finds a difference on every run and updates the service
again, and a service started on Fargate Spot reports the EC2 launch type.
"""

import copy

from moto.ecs.responses import EC2ContainerServiceResponse

DEFAULT_DEPLOYMENT_CONFIGURATION = {
    "deploymentCircuitBreaker": {"enable": False, "rollback": False},
    "maximumPercent": 200,
    "minimumHealthyPercent": 100,
}


def _deployment_configuration(requested):
    configuration = copy.deepcopy(DEFAULT_DEPLOYMENT_CONFIGURATION)
    for key, value in (requested or {}).items():
        configuration[key] = value
    return configuration


def _apply_request(response, service):
    service.deployment_configuration = _deployment_configuration(response._get_param("deploymentConfiguration"))
    service.enable_execute_command = bool(response._get_param("enableExecuteCommand", False))
    service.enable_ecs_managed_tags = bool(response._get_param("enableECSManagedTags", False))
    grace_period = response._get_param("healthCheckGracePeriodSeconds")
    if grace_period is not None:
        service.health_check_grace_period_seconds = int(grace_period)

    strategy = response._get_param("capacityProviderStrategy")
    if not strategy and not response._get_param("launchType"):
        cluster = response.ecs_backend._get_cluster(response._get_param("cluster", "default"))
        strategy = copy.deepcopy(getattr(cluster, "default_capacity_provider_strategy", None) or [])
    if strategy:
        service.capacity_provider_strategy = strategy
        service.launch_type = None
        for deployment in service.deployments:
            deployment.pop("launchType", None)
            deployment["capacityProviderStrategy"] = copy.deepcopy(strategy)
            deployment["platformFamily"] = "Linux"


def _wrap_create_service(original):
    def create_service(self):
        result = original(self)
        _apply_request(self, result.result["service"])
        return result

    create_service._tracetrack_patched = True
    return create_service


def apply() -> None:
    handler = EC2ContainerServiceResponse.create_service
    if not getattr(handler, "_tracetrack_patched", False):
        EC2ContainerServiceResponse.create_service = _wrap_create_service(handler)
