# -*- coding: utf-8 -*-

# Copyright: Contributors to the tracetrack.aws collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
name: autoscaling_policy_specs
short_description: The target tracking policies of the autoscaling role's services, as tracetrack.aws.appautoscaling_policies takes them
version_added: 0.4.0
description:
  - Takes the targets of P(tracetrack.aws.autoscaling_target_specs#filter) and returns, for each service and each kind of
    policy (C(cpu), C(memory), C(requests), C(latency)), the policy C(<service>-<kind>) - present when the service's
    C(policies) name it, else absent (a kind turned off is removed).
  - CPU and memory track the predefined ECS metrics, requests the load balancer's requests per target of the
    service's target group, latency the metric the target carries (C(latency_metric), C(latency_target)).
options:
  _input:
    description: The targets (C(autoscaling_target_specs)).
    type: list
    required: true
  settings:
    description:
      - C(cpu_target) and C(memory_target) (percent), C(scale_out_cooldown) and C(scale_in_cooldown) (seconds),
        C(alb_arn_suffix) and C(target_groups) (the service role's C(service_target_groups), for the requests policy's
        resource label).
    type: dict
    required: true
author:
  - TraceTrack platform team (@tracetrack)
"""

EXAMPLES = r"""
- name: Target tracking policies
  tracetrack.aws.appautoscaling_policies:
    policies: "{{ __autoscaling_targets | tracetrack.aws.autoscaling_policy_specs(__autoscaling_policy_settings) }}"
"""

RETURN = r"""
_value:
  description: The policies, service by service in the input's order, kinds in the order cpu, memory, requests, latency.
  type: list
  elements: dict
"""

from ansible.errors import AnsibleFilterError

KINDS = ("cpu", "memory", "requests", "latency")
REQUIRED_SETTINGS = ("cpu_target", "memory_target", "scale_out_cooldown", "scale_in_cooldown", "alb_arn_suffix", "target_groups")


def _metric(kind, target, settings):
    """(target value, predefined metric, customized metric) of one kind of policy."""
    if kind == "cpu":
        return float(settings["cpu_target"]), {"type": "ECSServiceAverageCPUUtilization"}, None
    if kind == "memory":
        return float(settings["memory_target"]), {"type": "ECSServiceAverageMemoryUtilization"}, None
    if kind == "requests":
        group = ((settings["target_groups"] or {}).get(target["name"]) or {}).get("arn_suffix", "")
        # app/<alb name>/<id>/targetgroup/<target group name>/<id>
        return float(target["requests_per_target"]), {"type": "ALBRequestCountPerTarget", "resource_label": f"{settings['alb_arn_suffix']}/{group}"}, None
    return float(target["latency_target"]), None, dict(target["latency_metric"]) or None


def autoscaling_policy_specs(targets, settings):
    if not isinstance(targets, list):
        raise AnsibleFilterError("autoscaling_policy_specs: the input must be the list autoscaling_target_specs returns")
    if not isinstance(settings, dict) or any(key not in settings for key in REQUIRED_SETTINGS):
        raise AnsibleFilterError(f"autoscaling_policy_specs: settings need {', '.join(REQUIRED_SETTINGS)}")
    policies = []
    for target in targets:
        for kind in KINDS:
            name = f"{target['service']}-{kind}"
            policy = {"policy_name": name, "resource_id": target["resource_id"], "state": "present" if name in target["policies"] else "absent"}
            if policy["state"] == "present":
                value, predefined, customized = _metric(kind, target, settings)
                policy.update(
                    target_value=value,
                    scale_out_cooldown=int(settings["scale_out_cooldown"]),
                    scale_in_cooldown=int(settings["scale_in_cooldown"]),
                )
                if predefined:
                    policy["predefined_metric"] = predefined
                if customized:
                    policy["customized_metric"] = customized
            policies.append(policy)
    return policies


class FilterModule:
    def filters(self):
        return {"autoscaling_policy_specs": autoscaling_policy_specs}
