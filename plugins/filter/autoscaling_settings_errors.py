# -*- coding: utf-8 -*-

# Copyright: Contributors to the tracetrack.aws collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
name: autoscaling_settings_errors
short_description: Check the autoscaling role's settings before any API call
version_added: 0.2.0
description:
  - Takes the autoscaling role's settings (its variables, by their names) and returns the problems found, one sentence
    each, naming the one variable that is wrong, its value and the rule. An empty list means the settings are sound.
options:
  _input:
    description: The role's variables by name (C(autoscaling_min_capacity), C(autoscaling_services)...).
    type: dict
    required: true
author:
  - TraceTrack platform team (@tracetrack)
"""

EXAMPLES = r"""
- name: Check every setting of the autoscaling role
  ansible.builtin.assert:
    that: __problems | length == 0
    fail_msg: "{{ __problems | join('; ') }}"
  vars:
    __problems: "{{ __autoscaling_settings | tracetrack.aws.autoscaling_settings_errors }}"
"""

RETURN = r"""
_value:
  description: The problems found, each naming the variable at fault; empty when the settings are sound.
  type: list
  elements: str
"""

import re

from ansible.errors import AnsibleFilterError

from ansible_collections.tracetrack.aws.plugins.plugin_utils.settings import truthy, whole

STATISTIC = re.compile(r"^(Average|p(\d{1,2}(\.\d{1,2})?))$")
# (variable, lowest, highest or None)
RANGES = (
    ("autoscaling_cpu_target", 10, 90),
    ("autoscaling_memory_target", 10, 90),
    ("autoscaling_latency_target_ms", 1, None),
    ("autoscaling_scale_out_cooldown", 0, 3600),
    ("autoscaling_scale_in_cooldown", 0, 3600),
)


def _bounds_problems(where, low_name, high_name, low, high, strict, requests):
    problems = []
    if low is None or low < 0:
        problems.append(f"{low_name} {low} must be 0 or more{where}")
    elif high is None or not 1 <= high <= 1000:
        problems.append(f"{high_name} {high} must be 1-1000{where}")
    elif low > high:
        problems.append(f"{low_name} {low} is above the maximum task count ({high}){where}")
    elif strict and low < 2:
        problems.append(f"{low_name} {low} is below 2 in a strict environment (env_strict){where}: one task per zone must survive the loss of a zone")
    if requests is not None and (whole(requests) is None or whole(requests) < 1):
        name = "autoscaling_services[].requests_per_target" if where else "autoscaling_requests_per_target"
        problems.append(f"{name} {requests} must be 1 or more{where}")
    return problems


def autoscaling_settings_errors(settings):
    if not isinstance(settings, dict):
        raise AnsibleFilterError("autoscaling_settings_errors: the input must be a dictionary of the role's settings")
    strict = truthy(settings.get("autoscaling_strict")) and settings.get("autoscaling_state", "present") == "present"
    low, high = whole(settings.get("autoscaling_min_capacity")), whole(settings.get("autoscaling_max_capacity"))
    problems = _bounds_problems("", "autoscaling_min_capacity", "autoscaling_max_capacity", low, high, strict, settings.get("autoscaling_requests_per_target"))
    services = [s if isinstance(s, dict) else {"name": s} for s in settings.get("autoscaling_services") or []]
    for service in services:
        if not any(key in service for key in ("min_capacity", "max_capacity", "requests_per_target")):
            continue
        own_low = whole(service.get("min_capacity", low))
        own_high = whole(service.get("max_capacity", high))
        problems += _bounds_problems(
            f" (service {service.get('name')})",
            "autoscaling_services[].min_capacity",
            "autoscaling_services[].max_capacity",
            own_low,
            own_high,
            strict,
            service.get("requests_per_target"),
        )
    names = [s.get("name") for s in services]
    for twice in sorted({n for n in names if names.count(n) > 1}):
        problems.append(f"autoscaling_services names service {twice} more than once")
    for variable, lowest, highest in RANGES:
        value = whole(settings.get(variable))
        if value is None or value < lowest or (highest is not None and value > highest):
            rule = f"{lowest}-{highest}" if highest is not None else f"{lowest} or more"
            problems.append(f"{variable} {settings.get(variable)} must be {rule}")
    statistic = str(settings.get("autoscaling_latency_statistic", ""))
    if not STATISTIC.match(statistic):
        problems.append(f"autoscaling_latency_statistic '{statistic}' must be Average or a percentile such as p95")
    return problems


class FilterModule:
    def filters(self):
        return {"autoscaling_settings_errors": autoscaling_settings_errors}
