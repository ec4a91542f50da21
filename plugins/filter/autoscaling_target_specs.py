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
        (C(cpu), C(requests), C(latency)).
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
    Auto Scaling id), C(min_capacity), C(max_capacity), C(requests_per_target), C(policies) (the names of its target
    tracking policies) - in the input's order.
  type: list
  elements: dict
"""

from ansible.errors import AnsibleFilterError

REQUIRED_SETTINGS = ("name_prefix", "min_capacity", "max_capacity", "requests_per_target", "cluster", "policies")


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
        targets.append(
            {
                "name": item["name"],
                "service": service,
                "resource_id": f"service/{settings['cluster']}/{service}",
                "min_capacity": int(item.get("min_capacity", settings["min_capacity"])),
                "max_capacity": int(item.get("max_capacity", settings["max_capacity"])),
                "requests_per_target": int(item.get("requests_per_target", settings["requests_per_target"])),
                "policies": [f"{service}-{kind}" for kind in settings["policies"]],
            }
        )
    return targets


class FilterModule:
    def filters(self):
        return {"autoscaling_target_specs": autoscaling_target_specs}
