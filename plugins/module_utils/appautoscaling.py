# -*- coding: utf-8 -*-

# Copyright: Contributors to the tracetrack.aws collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Application Auto Scaling, shared by appautoscaling_target, appautoscaling_policy and scaling_check.

A scalable target, and the scaling policies attached to it, are named by three members: ServiceNamespace,
ResourceId and ScalableDimension (``scalable_resource``).
"""

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry


def appautoscaling_client(module):
    """An Application Auto Scaling client; its calls retry throttling when made with aws_retry=True."""
    return module.client("application-autoscaling", retry_decorator=AWSRetry.jittered_backoff())


def scalable_resource(service_namespace, resource_id, scalable_dimension):
    """The request members that name a scalable target."""
    return {"ServiceNamespace": service_namespace, "ResourceId": resource_id, "ScalableDimension": scalable_dimension}


def scalable_resource_of(params):
    """The scalable target that O(service_namespace), O(resource_id) and O(scalable_dimension) name."""
    return scalable_resource(params["service_namespace"], params["resource_id"], params["scalable_dimension"])


def describe_scalable_target(client, module, resource):
    """The scalable target, or None when it is not registered."""
    try:
        response = client.describe_scalable_targets(
            aws_retry=True,
            ServiceNamespace=resource["ServiceNamespace"],
            ResourceIds=[resource["ResourceId"]],
            ScalableDimension=resource["ScalableDimension"],
        )
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(e, msg=f"Couldn't describe the scalable target {resource['ResourceId']}")
    for target in response.get("ScalableTargets", []):
        if target["ResourceId"] == resource["ResourceId"] and target["ScalableDimension"] == resource["ScalableDimension"]:
            return target
    return None


def register_scalable_target(client, module, resource, **settings):
    """RegisterScalableTarget with the settings given (MinCapacity, MaxCapacity, SuspendedState)."""
    try:
        client.register_scalable_target(aws_retry=True, **resource, **settings)
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(e, msg=f"Couldn't register the scalable target {resource['ResourceId']}")
