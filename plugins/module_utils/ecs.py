# -*- coding: utf-8 -*-

# Copyright: Contributors to the tracetrack.aws collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What the ECS modules (ecs_cluster, ecs_service, ecs_task_definition, ecs_deployment, ecs_service_deployment,
scaling_check, health_check) share: the client, the one lookup of a service and of its newest service deployment, ECS's
tag lists (lower case C(key)/C(value)), and the comparisons of capacity provider strategies and task definition
references."""

import re

try:
    import botocore
except ImportError:
    pass  # AnsibleAWSModule says that botocore is missing

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code

from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict

from ansible_collections.tracetrack.aws.plugins.module_utils.tags import ECS_TAGGING
from ansible_collections.tracetrack.aws.plugins.module_utils.tags import update_resource_tags


# IAM is eventually consistent: for some seconds after CreateRole, ECS cannot assume the new role yet.
# RegisterTaskDefinition and RunTask answer ClientException "ECS was unable to assume the role ...", CreateService
# InvalidParameterException "Unable to assume role and validate ..." (AWS: "Troubleshooting IAM", changes that are
# not visible immediately). Only these messages are retried under this code; any other error of those codes fails.
ROLE_NOT_PROPAGATED = re.compile(r"unable to assume (the )?role", re.IGNORECASE)
ROLE_NOT_PROPAGATED_CODE = "RoleNotYetAssumable"


class ECSRetry(AWSRetry):
    """AWSRetry that also names the role-propagation answers, so that catch_extra_error_codes can retry them."""

    @staticmethod
    def status_code_from_exception(error):
        code = AWSRetry.status_code_from_exception(error)
        message = getattr(error, "response", {}).get("Error", {}).get("Message", "")
        if code in ("ClientException", "InvalidParameterException") and ROLE_NOT_PROPAGATED.search(message):
            return ROLE_NOT_PROPAGATED_CODE
        return code


def ecs_client(module):
    """An ECS client; its calls retry throttling and transient errors when made with aws_retry=True, and the
    answers of a role IAM has not propagated yet."""
    return module.client("ecs", retry_decorator=ECSRetry.jittered_backoff(catch_extra_error_codes=[ROLE_NOT_PROPAGATED_CODE, "ThrottlingException"]))


def _find_service(client, module, cluster, name, tags):
    """(the service or None, ECS's reasons when it is missing): the one rule of every module: a service that, or
    whose cluster, does not exist or is INACTIVE (deleted) is not there; a DRAINING one (being deleted) still is."""
    request = {"cluster": cluster, "services": [name]}
    if tags:
        request["include"] = ["TAGS"]
    try:
        response = client.describe_services(aws_retry=True, **request)
    except is_boto3_error_code("ClusterNotFoundException"):
        return None, f"no cluster {cluster}"
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:  # pylint: disable=duplicate-except
        module.fail_json_aws(e, msg=f"Couldn't describe ECS service {name} in cluster {cluster}")
    for service in response.get("services", []):
        if service.get("serviceName", name) == name and service.get("status") != "INACTIVE":
            return service, ""
    reasons = ", ".join(f.get("reason", "unknown") for f in response.get("failures", [])) or "not found (or INACTIVE)"
    return None, reasons


def describe_service(client, module, cluster, name, tags=False):
    """The service C(name) of C(cluster) as ECS DescribeServices describes it (with its tags when C(tags)), or None
    when it is not there."""
    return _find_service(client, module, cluster, name, tags)[0]


def require_service(client, module, cluster, name):
    """describe_service for a module that needs the service: fails, naming it and ECS's reason, when it is not there."""
    service, reasons = _find_service(client, module, cluster, name, False)
    if service is None:
        module.fail_json(msg=f"Couldn't find ECS service {name} in cluster {cluster}: {reasons}")
    return service


def tags_of(resource):
    """The tags of a described ECS resource, as a dict."""
    return boto3_tag_list_to_ansible_dict(resource.get("tags") or [], "key", "value")


def tag_list(tags):
    """A dict of tags as ECS takes them: [{key, value}]."""
    return ansible_dict_to_boto3_tag_list(tags, "key", "value")


def update_tags(client, module, arn, current_tags, params, description):
    """Apply O(tags)/O(purge_tags) to an ECS resource; returns (changed, tags after)."""
    return update_resource_tags(client, module, arn, current_tags, params, description, api=ECS_TAGGING)


def format_resource(resource, leave_out=()):
    """A described ECS resource in snake case, without the members in leave_out, with its tags as a dict."""
    if not resource:
        return {}
    result = camel_dict_to_snake_dict({k: v for k, v in resource.items() if k != "tags" and k not in leave_out})
    result["tags"] = tags_of(resource)
    return result


def normalize_strategy(strategy):
    """A capacity provider strategy in API form (from API or option names), sorted, with AWS's defaults filled in."""
    items = []
    for item in strategy or []:
        items.append(
            {
                "capacityProvider": item.get("capacityProvider", item.get("capacity_provider")),
                "weight": int(item.get("weight") or 0),
                "base": int(item.get("base") or 0),
            }
        )
    return sorted(items, key=lambda i: i["capacityProvider"])


def task_definition_matches(current, requested):
    """Whether the task definition ARN ``current`` is the requested ARN, family:revision or family."""
    if requested is None:
        return True
    if not current:
        return False
    if requested.startswith("arn:"):
        return current == requested
    family_revision = current.rsplit("/", 1)[-1]
    if ":" in requested:
        return family_revision == requested
    return family_revision.rsplit(":", 1)[0] == requested


# The deployment strategies in which ECS moves traffic between two target groups itself, through lifecycle stages.
TRAFFIC_SHIFTING = ("BLUE_GREEN", "LINEAR", "CANARY")
# The service deployment statuses of a deployment ECS has rolled back, or is rolling back.
ROLLED_BACK = ("ROLLBACK_REQUESTED", "ROLLBACK_IN_PROGRESS", "ROLLBACK_SUCCESSFUL")


def awaiting_hook(deployment, hook_id=None):
    """The lifecycle hook a service deployment awaits an action at (the one named, when it does), else None."""
    for hook in deployment.get("lifecycleHookDetails") or []:
        if hook.get("status") == "AWAITING_ACTION" and hook_id in (None, hook.get("hookId")):
            return hook
    return None


def newest_service_deployment(client, module, cluster, service):
    """The ARN of a service's newest service deployment (ListServiceDeployments), None when it has none."""
    try:
        found = client.list_service_deployments(aws_retry=True, cluster=cluster, service=service)
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(e, msg=f"Couldn't list the deployments of ECS service {service} in cluster {cluster}")
    briefs = sorted(found.get("serviceDeployments") or [], key=lambda d: str(d.get("createdAt") or d.get("startedAt") or ""), reverse=True)
    return briefs[0]["serviceDeploymentArn"] if briefs else None


def describe_service_deployment(client, module, arn):
    """A service deployment as DescribeServiceDeployments describes it ({} when it does not exist)."""
    try:
        found = client.describe_service_deployments(aws_retry=True, serviceDeploymentArns=[arn])
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(e, msg=f"Couldn't describe the service deployment {arn}")
    return (found.get("serviceDeployments") or [{}])[0]
