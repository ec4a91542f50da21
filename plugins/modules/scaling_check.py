#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the tracetrack.aws collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: scaling_check
short_description: Recommend, and optionally apply, the task count of an ECS service from its load
version_added: 0.1.0
description:
  - Reads an ECS service (C(DescribeServices) - desired, running and pending tasks, events and deployments),
    CloudWatch metrics over the last O(window) seconds (C(GetMetricData)) and/or the application's own scaling
    report (O(metrics_url)), and recommends a desired task count.
  - Every metric votes for a task count and the most demanding vote wins, the way Application Auto Scaling
    combines several target tracking policies - the service scales out when any metric asks for it and scales
    in only when all of them agree.
    A C(utilization) metric votes C(ceil(running tasks * value / target)), or the current count while the value is
    within O(tolerance) of its target. A C(threshold) metric (latency) votes for one more task while above its
    target and does not vote otherwise. Each sample of O(metrics_url) votes for one task more, one fewer or the
    current count, following the application's recommendation.
  - The vote is then limited to O(max_step) tasks away from the current desired count, held at the current count
    within O(cooldown) seconds of the last scaling activity (read from the service's events and deployments), and
    finally kept within O(min_capacity) and O(max_capacity), which always win.
  - With O(apply=true) the recommendation is applied - as the service's desired count (C(UpdateService)), or, with
    O(scalable_target=true), as the minimum capacity of the service's Application Auto Scaling scalable target
    (C(RegisterScalableTarget)), whose maximum becomes O(max_capacity).
  - Without O(apply) nothing is changed. In check mode nothing is changed either, and C(changed) says whether
    O(apply=true) would change something.
options:
  ecs_cluster:
    description: The name or ARN of the ECS cluster.
    type: str
    required: true
  ecs_service:
    description: The name of the ECS service.
    type: str
    required: true
  min_capacity:
    description: The fewest tasks to recommend.
    type: int
    default: 1
  max_capacity:
    description: The most tasks to recommend.
    type: int
    required: true
  target_utilization:
    description:
      - The target, in percent, of the V(cpu) and V(memory) metrics when their entry in O(metrics) sets no
        O(metrics[].target).
    type: float
    default: 60
  metrics:
    description:
      - The CloudWatch metrics and values of the O(metrics_url) document that vote.
      - Defaults to V(cpu) and V(memory) when O(metrics_url) is not set, and to none when it is.
      - CloudWatch values are the mean of the O(period) values over the last O(window) seconds; a metric with no
        data does not vote.
    type: list
    elements: dict
    suboptions:
      metric:
        description:
          - V(cpu) and V(memory) - the service's C(AWS/ECS) C(CPUUtilization) and C(MemoryUtilization), in percent.
          - V(request_count_per_target) - C(AWS/ApplicationELB) C(RequestCountPerTarget) of the service's target group,
            requests per target per O(period) (statistic C(Sum)).
          - V(target_response_time) - C(AWS/ApplicationELB) C(TargetResponseTime) of the service's target group, in
            seconds; a threshold metric by default.
          - V(custom) - any CloudWatch metric, for example the application's Embedded Metric Format metrics; set
            O(metrics[].namespace), O(metrics[].metric_name) and O(metrics[].dimensions).
          - V(url) - a number in each O(metrics_url) document, at O(metrics[].path) (the mean over the samples).
        type: str
        required: true
        choices: [cpu, memory, request_count_per_target, target_response_time, custom, url]
      target:
        description:
          - The value the metric should stay at. Defaults to O(target_utilization) for V(cpu) and V(memory);
            required for the others.
        type: float
      kind:
        description:
          - V(utilization) - the value falls in proportion as tasks are added. V(threshold) - above the target asks for
            one more task, otherwise no vote.
          - Defaults to V(threshold) for V(target_response_time) and to V(utilization) for the others.
        type: str
        choices: [utilization, threshold]
      name:
        description:
          - The metric's name in RV(decision.reasons) and RV(decision.metrics).
          - Defaults to O(metrics[].metric) (to O(metrics[].metric_name) for V(custom), O(metrics[].path) for V(url)).
        type: str
      namespace:
        description: The CloudWatch namespace of a V(custom) metric.
        type: str
      metric_name:
        description: The CloudWatch metric name of a V(custom) metric.
        type: str
      dimensions:
        description: The CloudWatch dimensions of a V(custom) metric, as a dict of name to value.
        type: dict
        default: {}
      statistic:
        description:
          - The CloudWatch statistic, for example V(Average), V(Maximum), V(Sum) or V(p95).
          - Defaults to V(Sum) for V(request_count_per_target) and V(Average) otherwise.
        type: str
      path:
        description:
          - For V(url) - where the number is in the O(metrics_url) document, as a dot-separated path
            (V(database.usage)); V(*) selects every member (their mean is used).
        type: str
  window:
    description: Seconds of CloudWatch data to consider, ending now.
    type: int
    default: 300
  period:
    description: The CloudWatch period in seconds.
    type: int
    default: 60
  metrics_url:
    description:
      - The application's scaling report, for example V(https://tracetrack.example.com/metrics/scaling).
      - The report of one worker process; O(metrics_samples) requests reach several workers behind a load balancer.
    type: str
  metrics_samples:
    description: How many times O(metrics_url) is read.
    type: int
    default: 3
  metrics_token:
    description: "Sent to O(metrics_url) in the header C(Authorization: Bearer <token>)."
    type: str
  recommendation_path:
    description:
      - Where the application's recommendation is in the O(metrics_url) document - an object with C(action)
        (V(scale_out), V(scale_in) or V(hold)) and C(reason).
      - An empty string ignores it, leaving only the O(metrics) entries of kind V(url) to vote.
    type: str
    default: recommendation
  validate_certs:
    description: Whether to verify the TLS certificate of O(metrics_url).
    type: bool
    default: true
  request_timeout:
    description: Seconds to wait for O(metrics_url) to answer.
    type: float
    default: 5
  tolerance:
    description:
      - How far, as a fraction of its target, a V(utilization) metric may be from its target without voting for a
        change.
    type: float
    default: 0.1
  max_step:
    description: The most tasks to add or remove in one decision.
    type: int
    default: 2
  cooldown:
    description: Seconds after the last scaling activity during which the count is held.
    type: int
    default: 300
  apply:
    description: Whether to apply the recommendation (see O(scalable_target)).
    type: bool
    default: false
  scalable_target:
    description:
      - With O(apply=true), register the recommendation as the minimum capacity, and O(max_capacity) as the maximum
        capacity, of the service's Application Auto Scaling scalable target, instead of setting the desired count.
        Use it for a service whose count scaling policies manage - they would undo a direct change.
    type: bool
    default: false
author:
  - TraceTrack platform team (@tracetrack)
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: What would CPU and memory at 60 % recommend?
  tracetrack.aws.scaling_check:
    ecs_cluster: tracetrack-production
    ecs_service: tracetrack-web
    min_capacity: 2
    max_capacity: 12
  register: scaling

- name: Say why
  ansible.builtin.debug:
    msg: >-
      {{ scaling.decision.action }} to {{ scaling.decision.recommended }}:
      {{ scaling.decision.reasons | join('; ') }}

- name: Follow requests per target and the application's own report, and apply the result
  tracetrack.aws.scaling_check:
    ecs_cluster: tracetrack-production
    ecs_service: tracetrack-web
    min_capacity: 2
    max_capacity: 12
    metrics:
      - metric: cpu
        target: 65
      - metric: request_count_per_target
        target: 3000  # requests per task per minute
      - metric: custom
        name: p95 latency
        namespace: TraceTrack/production
        metric_name: RequestLatency
        dimensions:
          Service: tracetrack
        statistic: p95
        kind: threshold
        target: 200
      - metric: url
        name: database pool
        path: database.usage
        target: 0.7
    metrics_url: https://tracetrack.example.com/metrics/scaling
    metrics_token: "{{ tracetrack_metrics_token }}"
    max_step: 3
    cooldown: 600
    apply: true

- name: Raise the floor of the autoscaling policies before a known peak
  tracetrack.aws.scaling_check:
    ecs_cluster: tracetrack-production
    ecs_service: tracetrack-web
    min_capacity: 6
    max_capacity: 20
    apply: true
    scalable_target: true
"""

RETURN = r"""
decision:
  description: The recommendation and how it was reached.
  returned: always
  type: dict
  contains:
    current:
      description: The service's desired count.
      type: int
      sample: 3
    running:
      description: Running tasks.
      type: int
      sample: 3
    pending:
      description: Pending tasks.
      type: int
      sample: 0
    capacity:
      description: The task count the metrics were measured on (running, or desired when none runs).
      type: int
      sample: 3
    recommended:
      description: The recommended desired count, within O(min_capacity) and O(max_capacity).
      type: int
      sample: 4
    action:
      description: V(scale_out), V(scale_in) or V(hold).
      type: str
      sample: scale_out
    reasons:
      description: Each vote and each limit that applied, in words.
      type: list
      elements: str
      sample:
        - "cpu 82.5 against a target of 60 on 3 tasks: 5 tasks"
        - the most demanding signal (cpu) asks for 5 tasks
        - "at most 1 tasks per step: 4 instead of 5"
    votes:
      description:
        - Each metric's vote - C(name), C(kind), C(value), C(target) or C(action), and C(wants) (null for no vote).
      type: list
      elements: dict
      sample: [{"name": "cpu", "kind": "utilization", "value": 82.5, "target": 60.0, "wants": 5}]
    limited_by:
      description: The limits that changed the vote - V(max_step), V(cooldown), V(min_capacity), V(max_capacity).
      type: list
      elements: str
      sample: [max_step]
    metrics:
      description: The value of each metric that had data, by name.
      type: dict
      sample: {"cpu": 82.5, "memory": 41.0}
    seconds_since_scaling:
      description: Seconds since the last scaling activity, null when none is known.
      type: float
      sample: 1840.2
    min_capacity:
      description: O(min_capacity).
      type: int
      sample: 2
    max_capacity:
      description: O(max_capacity).
      type: int
      sample: 12
service:
  description: The ECS service as it was read.
  returned: always
  type: dict
  contains:
    cluster_arn:
      description: The cluster's ARN.
      type: str
      sample: arn:aws:ecs:eu-west-1:123456789012:cluster/tracetrack-production
    service_name:
      description: The service's name.
      type: str
      sample: tracetrack-web
    desired_count:
      description: Desired tasks.
      type: int
      sample: 3
    running_count:
      description: Running tasks.
      type: int
      sample: 3
    pending_count:
      description: Pending tasks.
      type: int
      sample: 0
app_metrics:
  description: The documents read from O(metrics_url), one per sample that answered.
  returned: when O(metrics_url) is set
  type: list
  elements: dict
  sample:
    - requests: {"rate_per_second": 41.2, "error_rate": 0.0}
      latency_ms: {"p50": 8.0, "p95": 21.5, "p99": 40.1}
      recommendation: {"action": "hold", "reason": "p95 21.5 ms and utilization 30% are within targets"}
applied:
  description: Whether the recommendation was written (false in check mode and without O(apply)).
  returned: always
  type: bool
  sample: false
scalable_target:
  description: The scalable target's capacity after the module ran (what it would be, in check mode).
  returned: when O(scalable_target=true) and O(apply=true)
  type: dict
  contains:
    resource_id:
      description: The scalable target's resource id.
      type: str
      sample: service/tracetrack-production/tracetrack-web
    min_capacity:
      description: The minimum capacity.
      type: int
      sample: 4
    max_capacity:
      description: The maximum capacity.
      type: int
      sample: 12
"""

import json
import re
from datetime import datetime
from datetime import timedelta
from datetime import timezone

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.tracetrack.aws.plugins.module_utils.appautoscaling import appautoscaling_client
from ansible_collections.tracetrack.aws.plugins.module_utils.appautoscaling import describe_scalable_target
from ansible_collections.tracetrack.aws.plugins.module_utils.appautoscaling import register_scalable_target
from ansible_collections.tracetrack.aws.plugins.module_utils.appautoscaling import scalable_resource
from ansible_collections.tracetrack.aws.plugins.module_utils.ecs import ecs_client
from ansible_collections.tracetrack.aws.plugins.module_utils.ecs import require_service
from ansible_collections.tracetrack.aws.plugins.module_utils.http_probe import fetch
from ansible_collections.tracetrack.aws.plugins.module_utils.http_probe import select
from ansible_collections.tracetrack.aws.plugins.module_utils.scaling import ACTIONS
from ansible_collections.tracetrack.aws.plugins.module_utils.scaling import decide

# Service events that mean the task count changed: "(service web) has started 2 tasks: ..." and
# "(service web) has stopped 1 running tasks: ...".
SCALING_EVENT = re.compile(r"has (started|stopped) \d+ (running )?tasks?")
SCALABLE_DIMENSION = "ecs:service:DesiredCount"
CLOUDWATCH_METRICS = {
    "cpu": ("AWS/ECS", "CPUUtilization", "Average", "utilization"),
    "memory": ("AWS/ECS", "MemoryUtilization", "Average", "utilization"),
    "request_count_per_target": ("AWS/ApplicationELB", "RequestCountPerTarget", "Sum", "utilization"),
    "target_response_time": ("AWS/ApplicationELB", "TargetResponseTime", "Average", "threshold"),
}


def utcnow():
    return datetime.now(timezone.utc)


def _aware(moment):
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def last_scaling_time(service):
    """The latest moment the task count changed: scaling events, deployments started or updated."""
    moments = [event.get("createdAt") for event in service.get("events", []) if SCALING_EVENT.search(event.get("message", ""))]
    for deployment in service.get("deployments", []):
        moments.append(deployment.get("createdAt"))
        if deployment.get("status") == "PRIMARY":
            moments.append(deployment.get("updatedAt"))
    moments = [_aware(m) for m in moments if isinstance(m, datetime)]
    return max(moments) if moments else None


def load_balancer_dimensions(client, module, service):
    """CloudWatch dimensions (TargetGroup, LoadBalancer) of the service's first target group."""
    arns = [lb["targetGroupArn"] for lb in service.get("loadBalancers", []) if lb.get("targetGroupArn")]
    if not arns:
        module.fail_json(msg=f"ECS service {service['serviceName']} has no load balancer target group, so no ALB metrics")
    try:
        groups = client.describe_target_groups(aws_retry=True, TargetGroupArns=arns[:1])["TargetGroups"]
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(e, msg=f"Couldn't describe target group {arns[0]}")
    dimensions = {"TargetGroup": arns[0].split(":")[-1]}
    load_balancers = groups[0].get("LoadBalancerArns", []) if groups else []
    if load_balancers:
        dimensions["LoadBalancer"] = load_balancers[0].split(":loadbalancer/")[-1]
    return dimensions


def metric_definitions(module, service, elbv2_client):
    """Each O(metrics) entry completed: name, kind, target, and the CloudWatch metric or the document path."""
    params = module.params
    entries = params["metrics"]
    if entries is None:
        entries = [] if params["metrics_url"] else [{"metric": "cpu"}, {"metric": "memory"}]
    cluster_name = service["clusterArn"].split("/")[-1]
    alb_dimensions = None
    definitions = []
    for index, entry in enumerate(entries):
        metric = entry["metric"]
        definition = {
            "name": entry.get("name")
            or (entry.get("metric_name") if metric == "custom" else None)
            or (entry.get("path") if metric == "url" else None)
            or metric,
            "target": entry.get("target"),
            "kind": entry.get("kind"),
        }
        if metric in ("cpu", "memory") and definition["target"] is None:
            definition["target"] = params["target_utilization"]
        if definition["target"] is None or definition["target"] <= 0:
            module.fail_json(msg=f"metrics[{index}] ({metric}) needs a positive target")
        if metric == "url":
            if not entry.get("path"):
                module.fail_json(msg=f"metrics[{index}]: a url metric needs a path")
            if not params["metrics_url"]:
                module.fail_json(msg=f"metrics[{index}]: a url metric needs metrics_url")
            definition.update(kind=definition["kind"] or "utilization", path=entry["path"])
        elif metric == "custom":
            if not (entry.get("namespace") and entry.get("metric_name")):
                module.fail_json(msg=f"metrics[{index}]: a custom metric needs namespace and metric_name")
            definition.update(
                kind=definition["kind"] or "utilization",
                namespace=entry["namespace"],
                metric_name=entry["metric_name"],
                dimensions=dict(entry.get("dimensions") or {}),
                statistic=entry.get("statistic") or "Average",
            )
        else:
            namespace, metric_name, statistic, kind = CLOUDWATCH_METRICS[metric]
            if namespace == "AWS/ECS":
                dimensions = {"ClusterName": cluster_name, "ServiceName": service["serviceName"]}
            else:
                if alb_dimensions is None:
                    alb_dimensions = load_balancer_dimensions(elbv2_client(), module, service)
                dimensions = alb_dimensions
            definition.update(
                kind=definition["kind"] or kind,
                namespace=namespace,
                metric_name=metric_name,
                dimensions=dimensions,
                statistic=entry.get("statistic") or statistic,
            )
        definitions.append(definition)
    names = [d["name"] for d in definitions]
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        module.fail_json(msg=f"metrics need distinct names; give each of {duplicates} a name")
    return definitions


def read_cloudwatch(client, module, definitions, window, period, now):
    """The mean of each definition's values over the window (None when it has no data)."""
    queries = []
    for index, definition in enumerate(definitions):
        queries.append(
            {
                "Id": f"m{index}",
                "Label": definition["name"],
                "MetricStat": {
                    "Metric": {
                        "Namespace": definition["namespace"],
                        "MetricName": definition["metric_name"],
                        "Dimensions": [{"Name": k, "Value": str(v)} for k, v in sorted(definition["dimensions"].items())],
                    },
                    "Period": period,
                    "Stat": definition["statistic"],
                },
                "ReturnData": True,
            }
        )
    if not queries:
        return {}
    values = {}
    request = {"MetricDataQueries": queries, "StartTime": now - timedelta(seconds=window), "EndTime": now}
    try:
        while True:
            response = client.get_metric_data(aws_retry=True, **request)
            for result in response.get("MetricDataResults", []):
                values.setdefault(result["Id"], []).extend(result.get("Values", []))
            if not response.get("NextToken"):
                break
            request["NextToken"] = response["NextToken"]
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(e, msg="Couldn't read the CloudWatch metrics")
    means = {}
    for index, definition in enumerate(definitions):
        found = values.get(f"m{index}", [])
        means[definition["name"]] = round(sum(found) / len(found), 4) if found else None
    return means


def read_app_metrics(module):
    params = module.params
    headers = {}
    if params["metrics_token"]:
        headers["Authorization"] = f"Bearer {params['metrics_token']}"
    documents = []
    problems = []
    for _sample in range(params["metrics_samples"]):
        sample = fetch(
            params["metrics_url"],
            headers=headers,
            timeout=params["request_timeout"],
            validate_certs=params["validate_certs"],
        )
        if sample["error"]:
            problems.append(sample["error"])
            continue
        if sample["status"] != 200:
            problems.append(f"status {sample['status']}")
            continue
        try:
            documents.append(json.loads(sample["body"]))
        except ValueError:
            problems.append("the body is not JSON")
    if not documents:
        module.fail_json(msg=f"Couldn't read {params['metrics_url']}: {'; '.join(sorted(set(problems)))}")
    if problems:
        module.warn(f"{len(problems)} of {params['metrics_samples']} reads of {params['metrics_url']} failed: {'; '.join(sorted(set(problems)))}")
    return documents


def document_value(documents, path):
    numbers = [value for document in documents for _where, value in select(document, path) if isinstance(value, (int, float)) and not isinstance(value, bool)]
    return round(sum(numbers) / len(numbers), 4) if numbers else None


def recommendation_signals(module, documents):
    path = module.params["recommendation_path"]
    if not path:
        return []
    signals = []
    for index, document in enumerate(documents, start=1):
        found = select(document, path)
        recommendation = found[0][1] if found else None
        if not isinstance(recommendation, dict) or recommendation.get("action") not in ACTIONS:
            module.warn(f"sample {index} of {module.params['metrics_url']} has no recommendation at {path!r}")
            continue
        signals.append(
            {
                "name": f"app sample {index}" if len(documents) > 1 else "app",
                "kind": "recommendation",
                "action": recommendation["action"],
                "reason": recommendation.get("reason"),
            }
        )
    return signals


def apply_desired_count(client, module, service, recommended):
    if recommended == service["desiredCount"]:
        return False
    if not module.check_mode:
        try:
            client.update_service(
                aws_retry=True,
                cluster=service["clusterArn"],
                service=service["serviceName"],
                desiredCount=recommended,
            )
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
            module.fail_json_aws(e, msg=f"Couldn't set the desired count of ECS service {service['serviceName']}")
    return True


def apply_scalable_target(client, module, service, recommended, max_capacity):
    resource_id = f"service/{service['clusterArn'].split('/')[-1]}/{service['serviceName']}"
    resource = scalable_resource("ecs", resource_id, SCALABLE_DIMENSION)
    found = describe_scalable_target(client, module, resource)
    wanted = {"resource_id": resource_id, "min_capacity": recommended, "max_capacity": max_capacity}
    if found and found.get("MinCapacity") == recommended and found.get("MaxCapacity") == max_capacity:
        return False, wanted
    if not module.check_mode:
        register_scalable_target(client, module, resource, MinCapacity=recommended, MaxCapacity=max_capacity)
    return True, wanted


def main():
    metric_options = dict(
        metric=dict(
            type="str",
            required=True,
            choices=["cpu", "memory", "request_count_per_target", "target_response_time", "custom", "url"],
        ),
        target=dict(type="float"),
        kind=dict(type="str", choices=["utilization", "threshold"]),
        name=dict(type="str"),
        namespace=dict(type="str"),
        metric_name=dict(type="str"),
        dimensions=dict(type="dict", default={}),
        statistic=dict(type="str"),
        path=dict(type="str"),
    )
    argument_spec = dict(
        ecs_cluster=dict(type="str", required=True),
        ecs_service=dict(type="str", required=True),
        min_capacity=dict(type="int", default=1),
        max_capacity=dict(type="int", required=True),
        target_utilization=dict(type="float", default=60.0),
        metrics=dict(type="list", elements="dict", options=metric_options),
        window=dict(type="int", default=300),
        period=dict(type="int", default=60),
        metrics_url=dict(type="str"),
        metrics_samples=dict(type="int", default=3),
        metrics_token=dict(type="str", no_log=True),
        recommendation_path=dict(type="str", default="recommendation"),
        validate_certs=dict(type="bool", default=True),
        request_timeout=dict(type="float", default=5.0),
        tolerance=dict(type="float", default=0.1),
        max_step=dict(type="int", default=2),
        cooldown=dict(type="int", default=300),
        apply=dict(type="bool", default=False),
        scalable_target=dict(type="bool", default=False),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    params = module.params
    if not 0 <= params["min_capacity"] <= params["max_capacity"]:
        module.fail_json(msg="min_capacity and max_capacity must satisfy 0 <= min_capacity <= max_capacity")
    for name in ("max_step", "metrics_samples", "period", "window"):
        if params[name] < 1:
            module.fail_json(msg=f"{name} must be at least 1")
    if params["cooldown"] < 0 or params["tolerance"] < 0:
        module.fail_json(msg="cooldown and tolerance must not be negative")

    retry = AWSRetry.jittered_backoff()
    ecs = ecs_client(module)
    clients = {}

    def elbv2_client():
        if "elbv2" not in clients:
            clients["elbv2"] = module.client("elbv2", retry_decorator=retry)
        return clients["elbv2"]

    service = require_service(ecs, module, params["ecs_cluster"], params["ecs_service"])
    now = utcnow()
    definitions = metric_definitions(module, service, elbv2_client)

    cloudwatch_definitions = [d for d in definitions if "namespace" in d]
    values = {}
    if cloudwatch_definitions:
        cloudwatch = module.client("cloudwatch", retry_decorator=retry)
        values.update(read_cloudwatch(cloudwatch, module, cloudwatch_definitions, params["window"], params["period"], now))

    signals = []
    documents = None
    if params["metrics_url"]:
        documents = read_app_metrics(module)
        for definition in definitions:
            if "path" in definition:
                values[definition["name"]] = document_value(documents, definition["path"])
    for definition in definitions:
        signals.append(
            {
                "name": definition["name"],
                "kind": definition["kind"],
                "value": values.get(definition["name"]),
                "target": definition["target"],
            }
        )
    if documents is not None:
        signals.extend(recommendation_signals(module, documents))

    desired = service.get("desiredCount", 0)
    running = service.get("runningCount", 0)
    last_scaling = last_scaling_time(service)
    seconds_since = round((now - last_scaling).total_seconds(), 1) if last_scaling else None
    try:
        decision = decide(
            desired,
            signals,
            params["min_capacity"],
            params["max_capacity"],
            max_step=params["max_step"],
            cooldown=params["cooldown"],
            seconds_since_scaling=seconds_since,
            tolerance=params["tolerance"],
            capacity=running if running > 0 else desired,
        )
    except ValueError as e:
        module.fail_json(msg=f"Couldn't decide on a task count: {e}")
    decision.update(
        running=running,
        pending=service.get("pendingCount", 0),
        metrics={name: value for name, value in values.items() if value is not None},
        seconds_since_scaling=seconds_since,
        min_capacity=params["min_capacity"],
        max_capacity=params["max_capacity"],
    )

    result = {
        "changed": False,
        "applied": False,
        "decision": decision,
        "service": {
            "cluster_arn": service.get("clusterArn"),
            "service_name": service.get("serviceName"),
            "desired_count": desired,
            "running_count": running,
            "pending_count": service.get("pendingCount", 0),
        },
    }
    if documents is not None:
        result["app_metrics"] = documents
    if params["apply"]:
        if params["scalable_target"]:
            autoscaling = appautoscaling_client(module)
            changed, target = apply_scalable_target(
                autoscaling,
                module,
                service,
                decision["recommended"],
                params["max_capacity"],
            )
            result["scalable_target"] = target
        else:
            changed = apply_desired_count(ecs, module, service, decision["recommended"])
        result["changed"] = changed
        result["applied"] = changed and not module.check_mode
        if result["applied"] and not params["scalable_target"]:
            result["service"]["desired_count"] = decision["recommended"]
    module.exit_json(**result)


if __name__ == "__main__":
    main()
