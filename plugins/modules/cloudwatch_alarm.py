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
    name: tracetrack-production-web-5xx-rate-critical
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
            dimensions: {LoadBalancer: app/tracetrack-production-alb/0123456789abcdef, TargetGroup: targetgroup/tracetrack-production-web/73e2d6bc24d8a067}
          period: 60
          stat: Sum
      - id: requests
        return_data: false
        metric_stat:
          metric:
            namespace: AWS/ApplicationELB
            metric_name: RequestCount
            dimensions: {LoadBalancer: app/tracetrack-production-alb/0123456789abcdef, TargetGroup: targetgroup/tracetrack-production-web/73e2d6bc24d8a067}
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

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.tracetrack.aws.plugins.module_utils.cloudwatch import AlarmError
from ansible_collections.tracetrack.aws.plugins.module_utils.cloudwatch import alarm_option_problem
from ansible_collections.tracetrack.aws.plugins.module_utils.cloudwatch import alarm_request
from ansible_collections.tracetrack.aws.plugins.module_utils.cloudwatch import comparable
from ansible_collections.tracetrack.aws.plugins.module_utils.cloudwatch import put_alarm
from ansible_collections.tracetrack.aws.plugins.module_utils.cloudwatch import read_alarm_tags
from ansible_collections.tracetrack.aws.plugins.module_utils.cloudwatch import format_alarm
from ansible_collections.tracetrack.aws.plugins.module_utils.tags import update_and_read_tags


def find_alarm(client, module, name):
    try:
        alarms = client.describe_alarms(aws_retry=True, AlarmNames=[name], AlarmTypes=["MetricAlarm"])
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(e, msg=f"Couldn't describe alarm {name}")
    for alarm in alarms.get("MetricAlarms", []):
        if alarm.get("AlarmName") == name:
            return alarm
    return None


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
            tags = read_alarm_tags(client, module, created["AlarmArn"]) if created.get("AlarmArn") else params.get("tags")
            module.exit_json(changed=True, diff=diff, alarm=format_alarm(created, tags))
        module.exit_json(changed=True, diff=diff, alarm=format_alarm(request, params.get("tags")))

    have = comparable(current)
    arn = current["AlarmArn"]
    changed = have != wanted
    if changed and not module.check_mode:
        put_alarm(client, module, request)
    current_tags = read_alarm_tags(client, module, arn)
    tags_changed, tags = update_and_read_tags(client, module, arn, current_tags, params, f"alarm {params['name']}", read_alarm_tags)
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
    problem = alarm_option_problem(params)
    if problem:
        module.fail_json(msg=problem)


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
        treat_missing_data=dict(type="str", choices=["breaching", "notBreaching", "ignore", "missing"], default="missing"),
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
