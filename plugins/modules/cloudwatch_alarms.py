#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the tracetrack.aws collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: cloudwatch_alarms
short_description: Manage a set of CloudWatch metric alarms in one task, metric math included, with tags
version_added: 0.2.0
description:
  - Makes the CloudWatch metric alarms of O(alarms) exist as given, and, with O(purge_pattern), deletes the alarms
    whose names match it but are not listed - the set of alarms of an environment kept in one task (CloudWatch
    C(DescribeAlarms), C(PutMetricAlarm), C(DeleteAlarms), C(ListTagsForResource), C(TagResource), C(UntagResource);
    with O(tags), Resource Groups Tagging API C(GetResources), which needs the permission C(tag:GetResources)).
  - Each alarm is compared as data with what CloudWatch describes (the order of actions and dimensions does not matter)
    and written only when it differs, as M(tracetrack.aws.cloudwatch_alarm) does for one alarm. The alarms are read
    with one C(DescribeAlarms) (per 100 names, or by their common name prefix with O(purge_pattern)) and, with
    O(tags), their tags with one C(GetResources) per 100 alarms, so a set with nothing to change costs two reads and
    one module run. That API is eventually consistent and lists only resources that carry or carried tags - an alarm
    it does not list is read with C(ListTagsForResource); tags changed moments before may be read as they were, and
    written again.
  - The options at the top level (O(period), O(evaluation_periods), O(alarm_actions)...) apply to every alarm that does
    not set its own.
  - Supports C(--check) and C(--diff); RV(changed_alarms) names each alarm that changed, or would.
options:
  alarms:
    description: The alarms that should exist.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description: The alarm's name, 1 to 255 characters.
        type: str
        required: true
      description:
        description: What the alarm means and what to do about it.
        type: str
        default: ""
      namespace:
        description: The namespace of the one metric the alarm watches.
        type: str
      metric_name:
        description: The name of the one metric the alarm watches.
        type: str
      dimensions:
        description: The dimensions of the one metric, as a dict of name to value.
        type: dict
      statistic:
        description: The statistic of the one metric.
        type: str
        choices: [SampleCount, Average, Sum, Minimum, Maximum]
      extended_statistic:
        description: A percentile statistic such as V(p95), instead of O(alarms[].statistic).
        type: str
      period:
        description: Seconds over which the one metric is aggregated; default O(period).
        type: int
      unit:
        description: The unit of the one metric.
        type: str
      metrics:
        description:
          - A metric math alarm's queries, as M(tracetrack.aws.cloudwatch_alarm) takes them (C(id), C(expression) or
            C(metric_stat), C(label), C(return_data), C(period)).
        type: list
        elements: dict
      comparison:
        description: How the value compares with the threshold.
        type: str
        required: true
        choices: [GreaterThanOrEqualToThreshold, GreaterThanThreshold, LessThanThreshold, LessThanOrEqualToThreshold]
      threshold:
        description: The threshold.
        type: float
        required: true
      evaluation_periods:
        description: Periods over which the data is compared; default O(evaluation_periods).
        type: int
      datapoints_to_alarm:
        description: Breaching data points that make the alarm fire; default O(datapoints_to_alarm).
        type: int
      treat_missing_data:
        description: How missing data counts; default O(treat_missing_data).
        type: str
        choices: [breaching, notBreaching, ignore, missing]
  period:
    description: Seconds over which single-metric alarms aggregate, where an alarm does not set its own.
    type: int
  evaluation_periods:
    description: Periods over which the data is compared, where an alarm does not set its own.
    type: int
    default: 1
  datapoints_to_alarm:
    description: Breaching data points that make an alarm fire, where an alarm does not set its own.
    type: int
  treat_missing_data:
    description: How missing data counts, where an alarm does not set its own.
    type: str
    choices: [breaching, notBreaching, ignore, missing]
    default: missing
  actions_enabled:
    description: Whether the alarms' actions run.
    type: bool
    default: true
  alarm_actions:
    description: ARNs notified when an alarm fires (an SNS topic).
    type: list
    elements: str
    default: []
  ok_actions:
    description: ARNs notified when an alarm clears.
    type: list
    elements: str
    default: []
  insufficient_data_actions:
    description: ARNs notified when an alarm lacks data.
    type: list
    elements: str
    default: []
  purge_pattern:
    description:
      - A regular expression (matched from the start of the name); alarms whose names match it and that O(alarms) does not
        list are deleted - alarms this set made and no longer wants. Omit to delete nothing.
      - The alarms are then looked up by O(name_prefix); a name the pattern matches must start with it.
    type: str
  name_prefix:
    description:
      - With O(purge_pattern), the prefix the alarms are looked up by (C(DescribeAlarms) C(AlarmNamePrefix)); every alarm
        of the set, and every alarm to purge, starts with it. Default, the longest common prefix of the listed names.
    type: str
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
author:
  - TraceTrack platform team (@tracetrack)
"""

EXAMPLES = r"""
- name: The alarms of an environment, in one task
  tracetrack.aws.cloudwatch_alarms:
    alarms:
      - name: tracetrack-production-web-cpu-warning
        description: ECS service tracetrack-production-web uses more than 70 % of its CPU
        namespace: AWS/ECS
        metric_name: CPUUtilization
        dimensions: {ClusterName: tracetrack-production, ServiceName: tracetrack-production-web}
        statistic: Average
        comparison: GreaterThanThreshold
        threshold: 70
      - name: tracetrack-production-web-p95-latency-warning
        description: p95 response time above 100 ms
        namespace: AWS/ApplicationELB
        metric_name: TargetResponseTime
        dimensions: {LoadBalancer: app/tracetrack-production-alb/0123456789abcdef, TargetGroup: targetgroup/tracetrack-production-web/73e2d6bc24d8a067}
        extended_statistic: p95
        comparison: GreaterThanThreshold
        threshold: 0.1
    period: 60
    evaluation_periods: 5
    datapoints_to_alarm: 3
    alarm_actions: [arn:aws:sns:ap-south-1:123456789012:tracetrack-production-alerts]
    ok_actions: [arn:aws:sns:ap-south-1:123456789012:tracetrack-production-alerts]
    name_prefix: tracetrack-production-
    purge_pattern: "tracetrack-production-(web|alb|db|redis)-"
    tags:
      Project: tracetrack
"""

RETURN = r"""
alarms:
  description: The names of the listed alarms.
  returned: always
  type: list
  elements: str
changed_alarms:
  description: Each alarm that changed (or would in check mode), what happened to it, and its diff.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The alarm's name.
      type: str
    action:
      description: V(created), V(updated), V(tagged) or V(deleted).
      type: str
    diff:
      description: The alarm's configuration before and after (C(before), C(after)).
      type: dict
deleted:
  description: The names of the alarms deleted because O(purge_pattern) matches them and O(alarms) does not list them.
  returned: always
  type: list
  elements: str
"""

import os
import re

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
from ansible_collections.tracetrack.aws.plugins.module_utils.tags import read_tags_of_arns
from ansible_collections.tracetrack.aws.plugins.module_utils.tags import update_resource_tags

# Options an alarm takes from the top level where it does not set its own.
SHARED_OPTIONS = ("period", "evaluation_periods", "datapoints_to_alarm", "treat_missing_data")
SET_OPTIONS = ("actions_enabled", "alarm_actions", "ok_actions", "insufficient_data_actions", "tags", "purge_tags")
DESCRIBE_BATCH = 100  # DescribeAlarms takes at most 100 names
DELETE_BATCH = 100  # DeleteAlarms deletes at most 100 alarms


def alarm_params(alarm, params):
    """The options of one alarm, as M(tracetrack.aws.cloudwatch_alarm) would take them."""
    merged = {key: alarm.get(key) for key in alarm}
    for key in SHARED_OPTIONS:
        if merged.get(key) is None:
            merged[key] = params.get(key)
    if merged.get("metrics"):
        merged["period"] = alarm.get("period")  # a metric math alarm has no period of its own
    for key in SET_OPTIONS:
        merged[key] = params.get(key)
    merged["state"] = "present"
    return merged


def validate(module, params):
    names = [alarm["name"] for alarm in params["alarms"]]
    for name in names:
        if not 1 <= len(name) <= 255:
            module.fail_json(msg=f"alarm name '{name}' must be 1 to 255 characters")
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        module.fail_json(msg=f"alarms lists {', '.join(twice)} more than once")
    for alarm in params["alarms"]:
        problem = alarm_option_problem(alarm_params(alarm, params))
        if problem:
            module.fail_json(msg=f"alarm {alarm['name']}: {problem}")
    prefix = params.get("name_prefix")
    if prefix is not None and [name for name in names if not name.startswith(prefix)]:
        module.fail_json(msg=f"name_prefix '{prefix}' is not the start of {', '.join(n for n in names if not n.startswith(prefix))}")
    if params.get("purge_pattern"):
        try:
            re.compile(params["purge_pattern"])
        except re.error as e:
            module.fail_json(msg=f"purge_pattern is not a regular expression: {e}")


@AWSRetry.jittered_backoff()
def _describe_pages(client, **request):
    """Every page of DescribeAlarms, under the same retry policy as the other calls (a throttled page is asked again)."""
    return client.get_paginator("describe_alarms").paginate(AlarmTypes=["MetricAlarm"], **request).build_full_result()


def describe(client, module, names, prefix):
    """The metric alarms, by name: those named, or (with a prefix) every alarm whose name starts with it."""
    found = {}
    try:
        if prefix is not None:
            batches = [_describe_pages(client, AlarmNamePrefix=prefix)]
        else:
            batches = [_describe_pages(client, AlarmNames=names[i : i + DESCRIBE_BATCH]) for i in range(0, len(names), DESCRIBE_BATCH)]
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(e, msg="Couldn't describe the alarms")
    for batch in batches:
        for alarm in batch.get("MetricAlarms", []):
            found[alarm["AlarmName"]] = alarm
    return found


def delete(client, module, names):
    for i in range(0, len(names), DELETE_BATCH):
        try:
            client.delete_alarms(aws_retry=True, AlarmNames=names[i : i + DELETE_BATCH])
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
            module.fail_json_aws(e, msg=f"Couldn't delete the alarms {', '.join(names[i : i + DELETE_BATCH])}")


def converge(client, module, params, tagging=None):
    """tagging: a Resource Groups Tagging API client, to read the listed alarms' tags at once (O(tags) set)."""
    names = [alarm["name"] for alarm in params["alarms"]]
    pattern = re.compile(params["purge_pattern"]) if params.get("purge_pattern") else None
    prefix = None
    if pattern is not None:
        prefix = params.get("name_prefix") if params.get("name_prefix") is not None else os.path.commonprefix(names)
    existing = describe(client, module, names, prefix) if names or prefix else {}
    listed = [existing[name]["AlarmArn"] for name in names if name in existing]
    tags_by_arn = read_tags_of_arns(tagging, module, listed, "alarms") if tagging is not None and params.get("tags") is not None and listed else {}
    changes = []
    for alarm in params["alarms"]:
        options = alarm_params(alarm, params)
        try:
            request = alarm_request(options)
        except AlarmError as e:
            module.fail_json(msg=f"Couldn't use the options of alarm {alarm['name']}: {e}")
        wanted = comparable(request)
        current = existing.get(alarm["name"])
        if current is None:
            changes.append({"name": alarm["name"], "action": "created", "diff": {"before": {}, "after": wanted}})
            if not module.check_mode:
                put_alarm(client, module, request, params.get("tags"))
            continue
        have = comparable(current)
        if have != wanted:
            changes.append({"name": alarm["name"], "action": "updated", "diff": {"before": have, "after": wanted}})
            if not module.check_mode:
                put_alarm(client, module, request)
        if params.get("tags") is None:
            continue
        tags = tags_by_arn[current["AlarmArn"]] if current["AlarmArn"] in tags_by_arn else read_alarm_tags(client, module, current["AlarmArn"])
        tagged, after = update_resource_tags(client, module, current["AlarmArn"], tags, params, f"alarm {alarm['name']}")
        if tagged and have == wanted:
            changes.append({"name": alarm["name"], "action": "tagged", "diff": {"before": {"Tags": tags}, "after": {"Tags": after}}})
    deleted = []
    if pattern is not None:
        deleted = sorted(name for name in existing if pattern.match(name) and name not in names)
        for name in deleted:
            changes.append({"name": name, "action": "deleted", "diff": {"before": comparable(existing[name]), "after": {}}})
        if deleted and not module.check_mode:
            delete(client, module, deleted)
    result = {"changed": bool(changes), "alarms": names, "changed_alarms": changes, "deleted": deleted}
    if changes:
        result["diff"] = {
            "before": {c["name"]: c["diff"]["before"] for c in changes},
            "after": {c["name"]: c["diff"]["after"] for c in changes},
        }
    module.exit_json(**result)


def main():
    alarm_options = dict(
        name=dict(type="str", required=True),
        description=dict(type="str", default=""),
        namespace=dict(type="str"),
        metric_name=dict(type="str"),
        dimensions=dict(type="dict"),
        statistic=dict(type="str", choices=["SampleCount", "Average", "Sum", "Minimum", "Maximum"]),
        extended_statistic=dict(type="str"),
        period=dict(type="int"),
        unit=dict(type="str"),
        metrics=dict(type="list", elements="dict"),
        comparison=dict(
            type="str",
            required=True,
            choices=["GreaterThanOrEqualToThreshold", "GreaterThanThreshold", "LessThanThreshold", "LessThanOrEqualToThreshold"],
        ),
        threshold=dict(type="float", required=True),
        evaluation_periods=dict(type="int"),
        datapoints_to_alarm=dict(type="int"),
        treat_missing_data=dict(type="str", choices=["breaching", "notBreaching", "ignore", "missing"]),
    )
    argument_spec = dict(
        alarms=dict(type="list", elements="dict", required=True, options=alarm_options),
        period=dict(type="int"),
        evaluation_periods=dict(type="int", default=1),
        datapoints_to_alarm=dict(type="int"),
        treat_missing_data=dict(type="str", choices=["breaching", "notBreaching", "ignore", "missing"], default="missing"),
        actions_enabled=dict(type="bool", default=True),
        alarm_actions=dict(type="list", elements="str", default=[]),
        ok_actions=dict(type="list", elements="str", default=[]),
        insufficient_data_actions=dict(type="list", elements="str", default=[]),
        purge_pattern=dict(type="str"),
        name_prefix=dict(type="str"),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    validate(module, module.params)
    client = module.client("cloudwatch", retry_decorator=AWSRetry.jittered_backoff())
    tagging = module.client("resourcegroupstaggingapi") if module.params.get("tags") is not None else None
    converge(client, module, module.params, tagging)


if __name__ == "__main__":
    main()
