# -*- coding: utf-8 -*-

# Copyright: Contributors to the tracetrack.aws collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What an environment's alarms, dashboard widgets and scaling policies watch, against what exists and is emitted.

An alarm on a service that does not exist never fires, a widget on it stays empty, and target tracking on a metric
without data never lets a service scale in: each is a finding. A metric names what it watches by its dimensions,
per AWS namespace (ECS ClusterName/ServiceName, ApplicationELB LoadBalancer/TargetGroup, RDS DBInstanceIdentifier,
ElastiCache CacheClusterId/ReplicationGroupId, CloudFront DistributionId); a metric of any other namespace must be
one that a service declares it emits (service_services[].metrics). Other AWS namespaces are not judged.
"""

# namespace: {dimension: the `resources` key whose list must hold its value}
AWS_DIMENSIONS = {
    "AWS/ApplicationELB": {"LoadBalancer": "load_balancers", "TargetGroup": "target_groups"},
    "AWS/RDS": {"DBInstanceIdentifier": "db_instances"},
    "AWS/ElastiCache": {"CacheClusterId": "cache_clusters", "ReplicationGroupId": "cache_replication_groups"},
    "AWS/CloudFront": {"DistributionId": "distributions"},
    "AWS/ECS": {"ClusterName": "ecs_clusters"},
}
PREDEFINED_ECS = ("ECSServiceAverageCPUUtilization", "ECSServiceAverageMemoryUtilization")


def dimension_dict(dimensions):
    """{name: value} from a dict, or a list of {name, value} / {Name, Value} (either API spelling)."""
    if isinstance(dimensions, dict):
        return {str(k): str(v) for k, v in dimensions.items()}
    return {str(d.get("name", d.get("Name"))): str(d.get("value", d.get("Value"))) for d in dimensions or []}


def metric_problem(namespace, metric_name, dimensions, resources, emitted):
    """Why the metric watches nothing, or None when it names what exists (or is emitted)."""
    dimensions = dimension_dict(dimensions)
    if namespace == "AWS/ECS" and "ServiceName" in dimensions:
        service = f"{dimensions.get('ClusterName', '?')}/{dimensions['ServiceName']}"
        return None if service in resources.get("ecs_services", []) else f"ECS service {service} does not exist"
    if namespace in AWS_DIMENSIONS:
        for dimension, kind in AWS_DIMENSIONS[namespace].items():
            if dimension in dimensions and dimensions[dimension] not in resources.get(kind, []):
                return f"{dimension} {dimensions[dimension]} does not exist"
        return None
    if str(namespace).startswith("AWS/"):
        return None
    for declared in emitted:
        if (
            declared.get("namespace") == namespace
            and metric_name in (declared.get("names") or [])
            and dimension_dict(declared.get("dimensions") or {}) == dimensions
        ):
            return None
    return f"no service declares it emits {namespace} {metric_name} {dimensions}"


def _alarm_metrics(alarm):
    if alarm.get("metric_name"):
        yield alarm.get("namespace"), alarm["metric_name"], alarm.get("dimensions") or []
    for query in alarm.get("metrics") or []:
        metric = (query.get("metric_stat") or {}).get("metric")
        if metric:
            yield metric.get("namespace"), metric.get("metric_name"), metric.get("dimensions") or []


def _widget_metrics(widget):
    """A metric widget's [namespace, name, dim, value, ..., {options}] rows, as (namespace, name, dimensions)."""
    for row in (widget.get("properties") or {}).get("metrics") or []:
        fields = [field for field in row if not isinstance(field, dict)]
        if len(fields) >= 2 and "." not in fields[:2]:
            yield fields[0], fields[1], dict(zip(fields[2::2], fields[3::2], strict=False))


def _finding(rule, resource, detail):
    return {"rule": rule, "resource": resource, "detail": detail}


def _policy_problem(policy, resources, emitted):
    configuration = policy.get("target_tracking_scaling_policy_configuration") or {}
    predefined = configuration.get("predefined_metric_specification") or {}
    kind = predefined.get("predefined_metric_type")
    if kind in PREDEFINED_ECS:
        service = "/".join(str(policy.get("resource_id", "")).split("/")[1:])
        return None if service in resources.get("ecs_services", []) else f"{kind} of ECS service {service}, which does not exist"
    if kind == "ALBRequestCountPerTarget":
        parts = str(predefined.get("resource_label", "")).split("/")
        return metric_problem(
            "AWS/ApplicationELB", "RequestCountPerTarget", {"LoadBalancer": "/".join(parts[:3]), "TargetGroup": "/".join(parts[3:])}, resources, emitted
        )
    customized = configuration.get("customized_metric_specification") or {}
    if customized.get("metric_name"):
        return metric_problem(customized.get("namespace"), customized["metric_name"], customized.get("dimensions"), resources, emitted)
    for query in customized.get("metrics") or []:
        metric = (query.get("metric_stat") or {}).get("metric")
        if metric:
            problem = metric_problem(metric.get("namespace"), metric.get("metric_name"), metric.get("dimensions"), resources, emitted)
            if problem:
                return problem
    return None


def watch_findings(watched):
    """Findings for the alarms, dashboard widgets and scaling policies of `watched` that watch nothing.

    `watched`: C(resources) (lists of what exists, by the keys of AWS_DIMENSIONS and C(ecs_services) as
    "<cluster>/<service>"), C(emitted) (the services' declared metrics), C(alarms) (cloudwatch_metric_alarm_info),
    C(dashboards) (cloudwatch_dashboard_info), C(policies) (appautoscaling_policy_info).
    """
    resources = watched.get("resources") or {}
    emitted = [m for m in watched.get("emitted") or [] if m]
    findings = []
    alarm_names = set()
    for alarm in watched.get("alarms") or []:
        alarm_names.add(alarm.get("alarm_name"))
        for namespace, name, dimensions in _alarm_metrics(alarm):
            problem = metric_problem(namespace, name, dimensions, resources, emitted)
            if problem:
                findings.append(_finding("alarm-watches-nothing", f"alarm {alarm.get('alarm_name')}", f"{namespace} {name}: {problem}"))
                break
    for dashboard in watched.get("dashboards") or []:
        for index, widget in enumerate((dashboard.get("body") or {}).get("widgets") or []):
            resource = f"dashboard {dashboard.get('name')} widget {index} ({(widget.get('properties') or {}).get('title', widget.get('type'))})"
            problems = [f"{ns} {name}: {p}" for ns, name, dims in _widget_metrics(widget) for p in [metric_problem(ns, name, dims, resources, emitted)] if p]
            if widget.get("type") == "alarm":
                problems += [
                    f"alarm {arn.split(':alarm:')[-1]} does not exist"
                    for arn in (widget.get("properties") or {}).get("alarms") or []
                    if arn.split(":alarm:")[-1] not in alarm_names
                ]
            if problems:
                findings.append(_finding("widget-watches-nothing", resource, problems[0]))
    for policy in watched.get("policies") or []:
        problem = _policy_problem(policy, resources, emitted)
        if problem:
            findings.append(_finding("policy-metric-not-produced", f"scaling policy {policy.get('policy_name')}", problem))
    return findings
