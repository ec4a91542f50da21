# -*- coding: utf-8 -*-

# Copyright: Contributors to the tracetrack.aws collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What the alarm modules (cloudwatch_alarm, one alarm; cloudwatch_alarms, a set of alarms in one task) share: the
PutMetricAlarm request built from the modules' options, an alarm as comparable data with CloudWatch's defaults
filled in, and the result's form."""

import copy

try:
    import botocore
except ImportError:
    pass  # AnsibleAWSModule reports the missing botocore

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict

SINGLE_METRIC_OPTIONS = ("namespace", "metric_name", "dimensions", "statistic", "extended_statistic", "period", "unit")
# Members of a described alarm that are not its configuration.
STATE_MEMBERS = (
    "AlarmArn",
    "AlarmConfigurationUpdatedTimestamp",
    "StateValue",
    "StateReason",
    "StateReasonData",
    "StateUpdatedTimestamp",
    "StateTransitionedTimestamp",
    "EvaluationState",
)
ACTION_LISTS = ("AlarmActions", "OKActions", "InsufficientDataActions")


class AlarmError(ValueError):
    pass


def dimension_list(dimensions):
    """Dimensions as CloudWatch lists them ([{Name, Value}], by name), from a dict or a list."""
    if not dimensions:
        return []
    if isinstance(dimensions, dict):
        items = [{"Name": str(k), "Value": str(v)} for k, v in dimensions.items()]
    else:
        items = []
        for entry in dimensions:
            name = entry.get("Name", entry.get("name"))
            value = entry.get("Value", entry.get("value"))
            if name is None or value is None:
                raise AlarmError("each dimension needs a name and a value")
            items.append({"Name": str(name), "Value": str(value)})
    return sorted(items, key=lambda d: d["Name"])


def metric_query(query):
    """One MetricDataQuery of a metric math alarm, from the module's snake case options."""
    if "id" not in query:
        raise AlarmError("each entry of metrics needs an id")
    has_expression = query.get("expression") is not None
    has_stat = query.get("metric_stat") is not None
    if has_expression == has_stat:
        raise AlarmError(f"metrics entry {query['id']} needs exactly one of expression and metric_stat")
    result = {"Id": query["id"], "ReturnData": True if query.get("return_data") is None else bool(query["return_data"])}
    if has_expression:
        result["Expression"] = query["expression"]
    else:
        stat = query["metric_stat"]
        metric = stat.get("metric") or {}
        if not metric.get("namespace") or not metric.get("metric_name"):
            raise AlarmError(f"metrics entry {query['id']}: metric_stat.metric needs a namespace and a metric_name")
        if stat.get("period") is None or not stat.get("stat"):
            raise AlarmError(f"metrics entry {query['id']}: metric_stat needs a period and a stat")
        result["MetricStat"] = {
            "Metric": {
                "Namespace": metric["namespace"],
                "MetricName": metric["metric_name"],
                "Dimensions": dimension_list(metric.get("dimensions")),
            },
            "Period": int(stat["period"]),
            "Stat": stat["stat"],
        }
        if stat.get("unit"):
            result["MetricStat"]["Unit"] = stat["unit"]
    if query.get("label") is not None:
        result["Label"] = query["label"]
    if query.get("period") is not None:
        result["Period"] = int(query["period"])
    return result


def alarm_option_problem(params):
    """What is missing or wrong in the options of an alarm that should exist, as one message; None when they are sound."""
    missing = [o for o in ("comparison", "threshold", "evaluation_periods") if params.get(o) is None]
    if params.get("metrics"):
        mixed = [o for o in SINGLE_METRIC_OPTIONS if params.get(o)]
        if mixed:
            return f"metrics cannot be combined with {', '.join(mixed)}"
    else:
        missing += [o for o in ("namespace", "metric_name", "period") if params.get(o) is None]
        if not params.get("statistic") and not params.get("extended_statistic"):
            missing.append("statistic or extended_statistic")
    if missing:
        return f"state=present needs {', '.join(missing)}"
    if params["evaluation_periods"] < 1:
        return "evaluation_periods must be 1 or more"
    datapoints = params.get("datapoints_to_alarm")
    if datapoints is not None and not 1 <= datapoints <= params["evaluation_periods"]:
        return "datapoints_to_alarm must be between 1 and evaluation_periods"
    return None


def alarm_request(params):
    """The PutMetricAlarm request (without tags) for the module's options."""
    request = {
        "AlarmName": params["name"],
        "AlarmDescription": params.get("description") or "",
        "ActionsEnabled": params.get("actions_enabled", True),
        "AlarmActions": list(params.get("alarm_actions") or []),
        "OKActions": list(params.get("ok_actions") or []),
        "InsufficientDataActions": list(params.get("insufficient_data_actions") or []),
        "ComparisonOperator": params["comparison"],
        "Threshold": float(params["threshold"]),
        "EvaluationPeriods": params["evaluation_periods"],
        "TreatMissingData": params.get("treat_missing_data") or "missing",
    }
    if params.get("datapoints_to_alarm") is not None:
        request["DatapointsToAlarm"] = params["datapoints_to_alarm"]
    if params.get("evaluate_low_sample_count_percentile"):
        request["EvaluateLowSampleCountPercentile"] = params["evaluate_low_sample_count_percentile"]
    if params.get("metrics"):
        queries = [metric_query(q) for q in params["metrics"]]
        if sum(1 for q in queries if q["ReturnData"]) != 1:
            raise AlarmError("exactly one entry of metrics must return data (return_data: true)")
        request["Metrics"] = queries
    else:
        request["Namespace"] = params["namespace"]
        request["MetricName"] = params["metric_name"]
        request["Dimensions"] = dimension_list(params.get("dimensions"))
        request["Period"] = params["period"]
        if params.get("statistic"):
            request["Statistic"] = params["statistic"]
        else:
            request["ExtendedStatistic"] = params["extended_statistic"]
        if params.get("unit"):
            request["Unit"] = params["unit"]
    return request


def comparable(alarm):
    """An alarm's configuration as data, with CloudWatch's defaults filled in, for comparison."""
    config = {k: copy.deepcopy(v) for k, v in alarm.items() if k not in STATE_MEMBERS and k != "Tags"}
    config.setdefault("AlarmDescription", "")
    config.setdefault("ActionsEnabled", True)
    config.setdefault("TreatMissingData", "missing")
    config.setdefault("DatapointsToAlarm", config.get("EvaluationPeriods"))
    for key in ACTION_LISTS:
        config[key] = sorted(config.get(key) or [])
    config["Dimensions"] = dimension_list(config.get("Dimensions"))
    if not config["Dimensions"] and config.get("Metrics"):
        del config["Dimensions"]
    if "Threshold" in config and config["Threshold"] is not None:
        config["Threshold"] = float(config["Threshold"])
    metrics = []
    for query in config.get("Metrics") or []:
        query = dict(query)
        query.setdefault("ReturnData", True)
        if "MetricStat" in query:
            stat = dict(query["MetricStat"])
            metric = dict(stat.get("Metric") or {})
            metric["Dimensions"] = dimension_list(metric.get("Dimensions"))
            stat["Metric"] = metric
            query["MetricStat"] = stat
        metrics.append(query)
    if metrics:
        config["Metrics"] = metrics
    else:
        config.pop("Metrics", None)
    return {k: v for k, v in config.items() if v is not None}


def format_alarm(alarm, tags, arn=None):
    if not alarm:
        return {}
    described = {k: v for k, v in alarm.items() if k not in STATE_MEMBERS or k == "AlarmArn"}
    if arn and "AlarmArn" not in described:
        described["AlarmArn"] = arn
    result = camel_dict_to_snake_dict(described, ignore_list=["Tags"])
    result["tags"] = tags or {}
    return result


def read_alarm_tags(client, module, arn):
    """The alarm's tags (CloudWatch ListTagsForResource) as a dictionary."""
    try:
        return boto3_tag_list_to_ansible_dict(client.list_tags_for_resource(aws_retry=True, ResourceARN=arn).get("Tags", []))
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(e, msg=f"Couldn't list the tags of alarm {arn}")


def put_alarm(client, module, request, tags=None):
    """CloudWatch PutMetricAlarm; tags only when the alarm is created (later changes go through TagResource)."""
    try:
        if tags:
            client.put_metric_alarm(aws_retry=True, Tags=ansible_dict_to_boto3_tag_list(tags), **request)
        else:
            client.put_metric_alarm(aws_retry=True, **request)
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(e, msg=f"Couldn't put alarm {request['AlarmName']}")
