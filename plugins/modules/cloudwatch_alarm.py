#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the tracetrack.aws collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: cloudwatch_alarm
short_description: Manage CloudWatch metric alarms, metric math included, with tags
version_added: 0.1.0
description:
  - Create, update or delete a CloudWatch metric alarm (CloudWatch C(PutMetricAlarm), C(DescribeAlarms),
    C(DeleteAlarms), C(ListTagsForResource), C(TagResource), C(UntagResource)).
  - An alarm watches either one metric (O(namespace), O(metric_name), O(dimensions), O(statistic) or
    O(extended_statistic), O(period)) or a metric math expression over several metrics (O(metrics)).
  - C(PutMetricAlarm) replaces the whole alarm, so the options that are not set take CloudWatch's defaults. The
    alarm is compared as data with what CloudWatch describes (the order of actions and dimensions does not
    matter) and only written when it differs, metric math alarms included.
  - Supports C(--check) and C(--diff).
  - M(amazon.aws.cloudwatch_metric_alarm) cannot tag an alarm and writes a metric math alarm again on every run.
options:
  state:
    description: Whether the alarm should exist.
    type: str
    choices: [present, absent]
    default: present
  name:
    description: The alarm's name, 1 to 255 characters.
    type: str
    required: true
    aliases: [alarm_name]
  description:
    description: What the alarm means and what to do about it, up to 1024 characters.
    type: str
    default: ""
  namespace:
    description: The namespace of the one metric the alarm watches, for example V(AWS/ECS).
    type: str
  metric_name:
    description: The name of the one metric the alarm watches. Needs O(namespace).
    type: str
  dimensions:
    description: The dimensions of the one metric, as a dict of name to value.
    type: dict
  statistic:
    description: The statistic of the one metric. Mutually exclusive with O(extended_statistic).
    type: str
    choices: [SampleCount, Average, Sum, Minimum, Maximum]
  extended_statistic:
    description: A percentile (V(p95)) or other extended statistic of the one metric.
    type: str
  period:
    description: The length, in seconds, of each period the one metric is evaluated over (10, 30 or a multiple of 60).
    type: int
  unit:
    description: The unit of the one metric. Leave unset unless the metric is published in several units.
    type: str
  metrics:
    description:
      - A metric math alarm. Each entry is a C(MetricDataQuery) (keys in snake case); exactly one must return
        data (V(return_data=true), the default) and is the value the alarm compares with O(threshold).
      - Mutually exclusive with O(metric_name), O(namespace), O(dimensions), O(statistic), O(extended_statistic),
        O(period) and O(unit).
    type: list
    elements: dict
    suboptions:
      id:
        description: The query's id, a lower-case letter followed by letters, digits and underscores.
        type: str
        required: true
      expression:
        description: A metric math expression over the other queries' ids. Mutually exclusive with O(metrics[].metric_stat).
        type: str
      metric_stat:
        description:
          - A metric, as C(metric) (C(namespace), C(metric_name), C(dimensions) as a dict or a list of
            C(name)/C(value)), C(period), C(stat) and optionally C(unit).
        type: dict
      label:
        description: The label of the query's result.
        type: str
      return_data:
        description: Whether this query is the alarm's value.
        type: bool
        default: true
      period:
        description: The period of an O(metrics[].expression) query, in seconds.
        type: int
  comparison:
    description: How the value compares with O(threshold) to be in alarm.
    type: str
    choices: [GreaterThanOrEqualToThreshold, GreaterThanThreshold, LessThanThreshold, LessThanOrEqualToThreshold]
  threshold:
    description: The value the alarm compares the metric with.
    type: float
  evaluation_periods:
    description: How many of the most recent periods are evaluated.
    type: int
  datapoints_to_alarm:
    description: How many of those periods must breach for the alarm to fire. Defaults to O(evaluation_periods).
    type: int
  treat_missing_data:
    description: How periods without data count.
    type: str
    choices: [breaching, notBreaching, ignore, missing]
    default: missing
  evaluate_low_sample_count_percentile:
    description: For a percentile, whether a period with too few samples is evaluated or ignored.
    type: str
    choices: [evaluate, ignore]
  actions_enabled:
    description: Whether the alarm's actions run when its state changes.
    type: bool
    default: true
  alarm_actions:
    description: ARNs of the actions (SNS topics...) run when the alarm goes into ALARM.
    type: list
    elements: str
    default: []
  ok_actions:
    description: ARNs of the actions run when the alarm goes back to OK.
    type: list
    elements: str
    default: []
  insufficient_data_actions:
    description: ARNs of the actions run when the alarm goes into INSUFFICIENT_DATA.
    type: list
    elements: str
    default: []
author:
  - TraceTrack platform team (@tracetrack)
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: CPU of the web service above 90 % for 3 of 5 minutes
  tracetrack.aws.cloudwatch_alarm:
    name: tracetrack-production-web-cpu-critical
    description: The web service's tasks use more than 90 % of their CPU.
    namespace: AWS/ECS
    metric_name: CPUUtilization
    dimensions:
      ClusterName: tracetrack-production
      ServiceName: tracetrack-production-web
    statistic: Average
    period: 60
    evaluation_periods: 5
    datapoints_to_alarm: 3
    comparison: GreaterThanThreshold
    threshold: 90
    alarm_actions: [arn:aws:sns:ap-south-1:123456789012:tracetrack-production-alerts]
    ok_actions: [arn:aws:sns:ap-south-1:123456789012:tracetrack-production-alerts]
    tags:
      Project: tracetrack

- name: Share of 5xx answers above 5 % (metric math)
  tracetrack.aws.cloudwatch_alarm:
    name: tracetrack-production-alb-5xx-rate-critical
    comparison: GreaterThanThreshold
    threshold: 5
    evaluation_periods: 5
    datapoints_to_alarm: 3
    treat_missing_data: notBreaching
    metrics:
      - id: rate
        expression: 100 * errors / requests
        label: 5xx share (%)
      - id: errors
        return_data: false
        metric_stat:
          metric:
            namespace: AWS/ApplicationELB
            metric_name: HTTPCode_Target_5XX_Count
            dimensions: {LoadBalancer: app/tracetrack-production-alb/0123456789abcdef}
          period: 60
          stat: Sum
      - id: requests
        return_data: false
        metric_stat:
          metric:
            namespace: AWS/ApplicationELB
            metric_name: RequestCount
            dimensions: {LoadBalancer: app/tracetrack-production-alb/0123456789abcdef}
          period: 60
          stat: Sum

- name: Remove an alarm
  tracetrack.aws.cloudwatch_alarm:
    name: tracetrack-staging-web-cpu-warning
    state: absent
"""

RETURN = r"""
alarm:
  description: The alarm, as CloudWatch C(DescribeAlarms) describes it (state fields left out). Empty when O(state=absent).
  returned: always
  type: dict
  contains:
    alarm_name:
      description: The alarm's name.
      type: str
      sample: tracetrack-production-web-cpu-critical
    alarm_arn:
      description: The alarm's ARN. Missing in check mode for an alarm that does not exist yet.
      type: str
      sample: arn:aws:cloudwatch:ap-south-1:123456789012:alarm:tracetrack-production-web-cpu-critical
    threshold:
      description: The threshold.
      type: float
      sample: 90.0
    comparison_operator:
      description: How the value compares with the threshold.
      type: str
      sample: GreaterThanThreshold
    metrics:
      description: The metric math queries, for a metric math alarm.
      type: list
      elements: dict
    tags:
      description: The alarm's tags.
      type: dict
      sample: {"Project": "tracetrack"}
"""

import copy

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict

from ansible_collections.tracetrack.aws.plugins.module_utils.tags import update_and_read_tags

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


def find_alarm(client, module, name):
    try:
        alarms = client.describe_alarms(aws_retry=True, AlarmNames=[name], AlarmTypes=["MetricAlarm"])
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(e, msg=f"Couldn't describe alarm {name}")
    for alarm in alarms.get("MetricAlarms", []):
        if alarm.get("AlarmName") == name:
            return alarm
    return None


def get_tags(client, module, arn):
    try:
        return boto3_tag_list_to_ansible_dict(client.list_tags_for_resource(aws_retry=True, ResourceARN=arn).get("Tags", []))
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(e, msg=f"Couldn't list the tags of alarm {arn}")


def format_alarm(alarm, tags, arn=None):
    if not alarm:
        return {}
    described = {k: v for k, v in alarm.items() if k not in STATE_MEMBERS or k == "AlarmArn"}
    if arn and "AlarmArn" not in described:
        described["AlarmArn"] = arn
    result = camel_dict_to_snake_dict(described, ignore_list=["Tags"])
    result["tags"] = tags or {}
    return result


def put_alarm(client, module, request, tags=None):
    try:
        if tags:
            client.put_metric_alarm(aws_retry=True, Tags=ansible_dict_to_boto3_tag_list(tags), **request)
        else:
            client.put_metric_alarm(aws_retry=True, **request)
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(e, msg=f"Couldn't put alarm {request['AlarmName']}")


def ensure_present(client, module, params):
    try:
        request = alarm_request(params)
    except AlarmError as e:
        module.fail_json(msg=f"Couldn't use the options of alarm {params['name']}: {e}")
    wanted = comparable(request)
    current = find_alarm(client, module, params["name"])

    if current is None:
        diff = {"before": {}, "after": wanted}
        if not module.check_mode:
            put_alarm(client, module, request, params.get("tags"))
            created = find_alarm(client, module, params["name"]) or request
            tags = get_tags(client, module, created["AlarmArn"]) if created.get("AlarmArn") else params.get("tags")
            module.exit_json(changed=True, diff=diff, alarm=format_alarm(created, tags))
        module.exit_json(changed=True, diff=diff, alarm=format_alarm(request, params.get("tags")))

    have = comparable(current)
    arn = current["AlarmArn"]
    changed = have != wanted
    if changed and not module.check_mode:
        put_alarm(client, module, request)
    current_tags = get_tags(client, module, arn)
    tags_changed, tags = update_and_read_tags(client, module, arn, current_tags, params, f"alarm {params['name']}", get_tags)
    alarm = current
    if changed:
        alarm = request if module.check_mode else find_alarm(client, module, params["name"])
    result = dict(changed=changed or tags_changed, alarm=format_alarm(alarm, tags, arn))
    if changed:
        result["diff"] = {"before": have, "after": wanted}
    module.exit_json(**result)


def ensure_absent(client, module, params):
    current = find_alarm(client, module, params["name"])
    if current is None:
        module.exit_json(changed=False, alarm={})
    if not module.check_mode:
        try:
            client.delete_alarms(aws_retry=True, AlarmNames=[params["name"]])
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
            module.fail_json_aws(e, msg=f"Couldn't delete alarm {params['name']}")
    module.exit_json(changed=True, alarm={}, diff={"before": comparable(current), "after": {}})


def validate(module, params):
    if not 1 <= len(params["name"]) <= 255:
        module.fail_json(msg="name must be 1 to 255 characters")
    if params["state"] != "present":
        return
    missing = [o for o in ("comparison", "threshold", "evaluation_periods") if params.get(o) is None]
    if params.get("metrics"):
        mixed = [o for o in SINGLE_METRIC_OPTIONS if params.get(o)]
        if mixed:
            module.fail_json(msg=f"metrics cannot be combined with {', '.join(mixed)}")
    else:
        missing += [o for o in ("namespace", "metric_name", "period") if params.get(o) is None]
        if not params.get("statistic") and not params.get("extended_statistic"):
            missing.append("statistic or extended_statistic")
    if missing:
        module.fail_json(msg=f"state=present needs {', '.join(missing)}")
    if params["evaluation_periods"] < 1:
        module.fail_json(msg="evaluation_periods must be 1 or more")
    datapoints = params.get("datapoints_to_alarm")
    if datapoints is not None and not 1 <= datapoints <= params["evaluation_periods"]:
        module.fail_json(msg="datapoints_to_alarm must be between 1 and evaluation_periods")


def main():
    argument_spec = dict(
        state=dict(type="str", choices=["present", "absent"], default="present"),
        name=dict(type="str", required=True, aliases=["alarm_name"]),
        description=dict(type="str", default=""),
        namespace=dict(type="str"),
        metric_name=dict(type="str"),
        dimensions=dict(type="dict"),
        statistic=dict(type="str", choices=["SampleCount", "Average", "Sum", "Minimum", "Maximum"]),
        extended_statistic=dict(type="str"),
        period=dict(type="int"),
        unit=dict(type="str"),
        metrics=dict(
            type="list",
            elements="dict",
            options=dict(
                id=dict(type="str", required=True),
                expression=dict(type="str"),
                metric_stat=dict(type="dict"),
                label=dict(type="str"),
                return_data=dict(type="bool", default=True),
                period=dict(type="int"),
            ),
        ),
        comparison=dict(
            type="str",
            choices=[
                "GreaterThanOrEqualToThreshold",
                "GreaterThanThreshold",
                "LessThanThreshold",
                "LessThanOrEqualToThreshold",
            ],
        ),
        threshold=dict(type="float"),
        evaluation_periods=dict(type="int"),
        datapoints_to_alarm=dict(type="int"),
        treat_missing_data=dict(
            type="str", choices=["breaching", "notBreaching", "ignore", "missing"], default="missing"
        ),
        evaluate_low_sample_count_percentile=dict(type="str", choices=["evaluate", "ignore"]),
        actions_enabled=dict(type="bool", default=True),
        alarm_actions=dict(type="list", elements="str", default=[]),
        ok_actions=dict(type="list", elements="str", default=[]),
        insufficient_data_actions=dict(type="list", elements="str", default=[]),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
    )
    module = AnsibleAWSModule(
        argument_spec=argument_spec,
        supports_check_mode=True,
        mutually_exclusive=[["statistic", "extended_statistic"]],
    )
    validate(module, module.params)

    client = module.client("cloudwatch", retry_decorator=AWSRetry.jittered_backoff())
    if module.params["state"] == "present":
        ensure_present(client, module, module.params)
    else:
        ensure_absent(client, module, module.params)


if __name__ == "__main__":
    main()
