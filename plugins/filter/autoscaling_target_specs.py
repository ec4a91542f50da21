# -*- coding: utf-8 -*-

# Copyright: Contributors to the tracetrack.aws collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
name: autoscaling_target_specs
short_description: The autoscaling role's scaled services with their bounds
version_added: 0.2.0
description:
  - Takes the services to scale - the autoscaling role's C(autoscaling_services) (names, or dictionaries with C(name)
    and optionally C(min_capacity), C(max_capacity), C(requests_per_target)), or, when that is empty, the short names
    of the compute tier's services - and returns one target per service with the role-wide defaults filled in.
options:
  _input:
    description: The services to scale, names or dictionaries.
    type: list
    required: true
  settings:
    description:
      - C(name_prefix), C(min_capacity), C(max_capacity) and C(requests_per_target), the role's defaults; C(cluster),
        the ECS cluster of the services; C(policies), the kinds of target tracking policy that are enabled
        (C(cpu), C(memory), C(requests), C(latency)).
      - For the latency policy, optionally C(latency_target_ms) and C(latency_statistic), C(metrics) (the service role's
        C(service_metrics), the metrics each service declares it emits), C(alb_arn_suffix) and C(target_groups) (the
        service role's C(service_target_groups)). A service's latency policy tracks the latency metric it declares;
        a service that declares none, its target group's C(TargetResponseTime) (seconds); a service with neither gets
        no latency policy (target tracking on a metric without data would block scale-in).
    type: dict
    required: true
author:
  - TraceTrack platform team (@tracetrack)
"""

EXAMPLES = r"""
- name: The services to scale, with their bounds
  ansible.builtin.set_fact:
    __autoscaling_targets: >-
      {{ (autoscaling_services or service_names.keys() | sort) | tracetrack.aws.autoscaling_target_specs(__autoscaling_settings) }}
"""

RETURN = r"""
_value:
  description: One target per service - C(name), C(service) (the ECS service's name), C(resource_id) (its Application
    Auto Scaling id), C(min_capacity), C(max_capacity), C(requests_per_target), C(latency_metric) (the customized
    metric of its latency policy, or an empty dictionary), C(latency_target) (its target value, in the metric's unit), C(policies) (the names of its target
    tracking policies) - in the input's order.
  type: list
  elements: dict
"""

from ansible.errors import AnsibleFilterError

REQUIRED_SETTINGS = ("name_prefix", "min_capacity", "max_capacity", "requests_per_target", "cluster", "policies")


def _latency_metric(name, settings):
    """The metric the service's latency policy tracks: the one it declares it emits, else its target group's."""
    target_ms = float(settings.get("latency_target_ms") or 0)
    statistic = settings.get("latency_statistic") or "p95"
    declared = (settings.get("metrics") or {}).get(name) or {}
    if declared.get("latency"):
        return {
            "namespace": declared["namespace"],
            "metric_name": declared["latency"],
            "dimensions": dict(declared.get("dimensions") or {}),
            "statistic": statistic,
            "unit": "Milliseconds",
        }, target_ms
    group = ((settings.get("target_groups") or {}).get(name) or {}).get("arn_suffix")
    if group and settings.get("alb_arn_suffix"):
        return {
            "namespace": "AWS/ApplicationELB",
            "metric_name": "TargetResponseTime",
            "dimensions": {"LoadBalancer": settings["alb_arn_suffix"], "TargetGroup": group},
            "statistic": statistic,
            "unit": "Seconds",
        }, target_ms / 1000
    return {}, 0.0


def autoscaling_target_specs(services, settings):
    if not isinstance(services, list):
        raise AnsibleFilterError("autoscaling_target_specs: the input must be a list of service names or dictionaries")
    if not isinstance(settings, dict) or any(key not in settings for key in REQUIRED_SETTINGS):
        raise AnsibleFilterError(f"autoscaling_target_specs: settings need {', '.join(REQUIRED_SETTINGS)}")
    targets = []
    for item in services:
        item = item if isinstance(item, dict) else {"name": item}
        if not item.get("name"):
            raise AnsibleFilterError(f"autoscaling_target_specs: a service to scale has no name: {item}")
        service = f"{settings['name_prefix']}-{item['name']}"
        latency, latency_target = _latency_metric(item["name"], settings) if "latency" in settings["policies"] else ({}, 0.0)
        kinds = [kind for kind in settings["policies"] if kind != "latency" or latency]
        targets.append(
            {
                "name": item["name"],
                "service": service,
                "resource_id": f"service/{settings['cluster']}/{service}",
                "min_capacity": int(item.get("min_capacity", settings["min_capacity"])),
                "max_capacity": int(item.get("max_capacity", settings["max_capacity"])),
                "requests_per_target": int(item.get("requests_per_target", settings["requests_per_target"])),
                "latency_metric": latency,
                "latency_target": latency_target,
                "policies": [f"{service}-{kind}" for kind in kinds],
            }
        )
    return targets


class FilterModule:
    def filters(self):
        return {"autoscaling_target_specs": autoscaling_target_specs}
