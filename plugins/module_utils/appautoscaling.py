# -*- coding: utf-8 -*-

# Copyright: Contributors to the tracetrack.aws collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Application Auto Scaling, shared by appautoscaling_target, appautoscaling_policy(ies) and scaling_check.

A scalable target, and the scaling policies attached to it, are named by three members: ServiceNamespace,
ResourceId and ScalableDimension (``scalable_resource``).
"""

import copy
import re

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

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


# --- target tracking policies ---------------------------------------------------------------------------------

CLASSIC_STATISTICS = ("Average", "Minimum", "Maximum", "SampleCount", "Sum")
PERCENTILE = re.compile(r"^p(\d{1,2}(\.\d{1,10})?|100)$")


def metric_dimensions(dimensions):
    return [{"Name": name, "Value": str(value)} for name, value in sorted((dimensions or {}).items())]


def build_configuration(params):
    """The TargetTrackingScalingPolicyConfiguration the options describe."""
    configuration = {
        "TargetValue": float(params["target_value"]),
        "ScaleInCooldown": params["scale_in_cooldown"],
        "ScaleOutCooldown": params["scale_out_cooldown"],
        "DisableScaleIn": params["disable_scale_in"],
    }
    if params["predefined_metric"]:
        predefined = {"PredefinedMetricType": params["predefined_metric"]["type"]}
        if params["predefined_metric"].get("resource_label"):
            predefined["ResourceLabel"] = params["predefined_metric"]["resource_label"]
        configuration["PredefinedMetricSpecification"] = predefined
    else:
        metric = params["customized_metric"]
        if metric["statistic"] in CLASSIC_STATISTICS:
            customized = {
                "MetricName": metric["metric_name"],
                "Namespace": metric["namespace"],
                "Dimensions": metric_dimensions(metric["dimensions"]),
                "Statistic": metric["statistic"],
            }
            if metric.get("unit"):
                customized["Unit"] = metric["unit"]
        else:
            # Extended statistics (percentiles) are only accepted in a metric query.
            stat = {
                "Metric": {
                    "Namespace": metric["namespace"],
                    "MetricName": metric["metric_name"],
                    "Dimensions": metric_dimensions(metric["dimensions"]),
                },
                "Stat": metric["statistic"],
            }
            if metric.get("unit"):
                stat["Unit"] = metric["unit"]
            customized = {"Metrics": [{"Id": "m1", "MetricStat": stat, "ReturnData": True}]}
        configuration["CustomizedMetricSpecification"] = customized
    return configuration


def normalize(configuration):
    """A stored or requested configuration in the form both are compared in."""
    result = copy.deepcopy(configuration or {})
    result["TargetValue"] = float(result.get("TargetValue", 0))
    result["DisableScaleIn"] = bool(result.get("DisableScaleIn", False))
    customized = result.get("CustomizedMetricSpecification")
    if customized:
        if "Dimensions" in customized:
            customized["Dimensions"] = sorted(customized["Dimensions"] or [], key=lambda d: d["Name"])
        for query in customized.get("Metrics") or []:
            metric = (query.get("MetricStat") or {}).get("Metric") or {}
            if "Dimensions" in metric:
                metric["Dimensions"] = sorted(metric["Dimensions"] or [], key=lambda d: d["Name"])
            query.setdefault("ReturnData", True)
    return result


def format_policy(policy):
    """A described scaling policy, snake_cased ({} for none)."""
    if not policy:
        return {}
    return camel_dict_to_snake_dict(policy)


def policy_option_problems(policy, where=""):
    """What AnsibleModule's spec cannot check in one policy's options, each message naming the option (after where)."""
    problems = []
    metric = policy["customized_metric"]
    if metric and metric["statistic"] not in CLASSIC_STATISTICS and not PERCENTILE.match(metric["statistic"]):
        allowed = ", ".join(CLASSIC_STATISTICS)
        problems.append(f"{where}customized_metric.statistic must be one of {allowed} or a percentile such as p95, not {metric['statistic']}")
    for option in ("scale_in_cooldown", "scale_out_cooldown"):
        if policy[option] < 0:
            problems.append(f"{where}{option} must be 0 or more seconds")
    return problems


def policy_argument_spec():
    """The options of one target tracking policy (appautoscaling_policy's, and each of appautoscaling_policies')."""
    return dict(
        state=dict(type="str", choices=["present", "absent"], default="present"),
        policy_name=dict(type="str", required=True, aliases=["name"]),
        service_namespace=dict(type="str", default="ecs"),
        resource_id=dict(type="str", required=True),
        scalable_dimension=dict(type="str", default="ecs:service:DesiredCount"),
        target_value=dict(type="float"),
        predefined_metric=dict(
            type="dict",
            options=dict(type=dict(type="str", required=True), resource_label=dict(type="str")),
        ),
        customized_metric=dict(
            type="dict",
            options=dict(
                namespace=dict(type="str", required=True),
                metric_name=dict(type="str", required=True),
                dimensions=dict(type="dict", default={}),
                statistic=dict(type="str", default="Average"),
                unit=dict(type="str"),
            ),
        ),
        scale_in_cooldown=dict(type="int", default=300),
        scale_out_cooldown=dict(type="int", default=300),
        disable_scale_in=dict(type="bool", default=False),
    )
