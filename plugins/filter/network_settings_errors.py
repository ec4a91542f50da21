# -*- coding: utf-8 -*-

# Copyright: Contributors to the tracetrack.aws collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
name: network_settings_errors
short_description: Check the network role's settings before any API call
version_added: 0.3.0
description:
  - Takes the network role's settings (its variables, by their names) and returns the problems found, one sentence
    each, starting with the one variable that is wrong, then its value and the rule. An empty list means the
    settings are sound.
  - Runs without any API call; the role's C(validate) entry point (and C(playbooks/site.yml) before the first
    role) refuses the run when the list is not empty.
options:
  _input:
    description:
      - The role's variables by name (C(network_name_prefix), C(network_vpc_cidr), C(network_az_count), the three C(network_*_subnet_cidrs)...).
    type: dict
    required: true
author:
  - TraceTrack platform team (@tracetrack)
"""

EXAMPLES = r"""
- name: Check the network settings
  ansible.builtin.assert:
    that: __problems | length == 0
    fail_msg: "{{ __problems | join('; ') }}"
  vars:
    __problems: >-
      {{ {'network_vpc_cidr': network_vpc_cidr, 'network_az_count': network_az_count}
         | tracetrack.aws.network_settings_errors }}
"""

RETURN = r"""
_value:
  description: The problems found, each starting with the variable at fault; empty when the settings are sound.
  type: list
  elements: str
"""

import ipaddress

from ansible_collections.tracetrack.aws.plugins.filter.subnet_plan_errors import subnet_plan_errors
from ansible_collections.tracetrack.aws.plugins.plugin_utils.settings import Settings

SUBNET_LISTS = ("network_public_subnet_cidrs", "network_app_subnet_cidrs", "network_data_subnet_cidrs")


def network_settings_errors(values):
    settings = Settings(values, "network_settings_errors")
    settings.name_prefix("network_name_prefix", " (load balancer and target group names derived from it are limited to 32)")
    az_count = settings.number("network_az_count", 2, 6, "must be 2-6: the load balancer and the database subnet group span two zones or more")
    plan = {name: settings[name] for name in ("network_vpc_cidr",) + SUBNET_LISTS}
    if az_count is not None:
        plan["network_az_count"] = az_count
    settings.problems += subnet_plan_errors(plan)
    zones = settings["network_availability_zones"] or []
    if az_count is not None and len(zones) not in (0, az_count):
        settings.problem("network_availability_zones", f"lists {len(zones)} zones but network_az_count is {az_count}: list that many, or none")
    for port in settings["network_app_ports"] or [None]:
        if not isinstance(port, int) or not 1 <= port <= 65535:
            settings.problem("network_app_ports", "must list the container ports (1-65535) the load balancer may reach")
            break
    for name in ("network_alb_ingress_cidrs", "network_alb_test_ingress_cidrs"):
        # The test listener's default source is the VPC's CIDR, checked (and named) as network_vpc_cidr already.
        for cidr in [c for c in settings[name] or [] if name == "network_alb_ingress_cidrs" or c != settings["network_vpc_cidr"]]:
            try:
                ipaddress.ip_network(str(cidr), strict=True)
            except ValueError:
                settings.problem(name, f"holds '{cidr}', which is not a CIDR block")
    if settings.flag("network_alb_test_listener"):
        settings.number("network_alb_test_port", 1, 65535)
    settings.number("network_database_port", 1150, 65535)
    settings.number("network_cache_port", 1, 65535)
    if settings.flag("network_strict") and settings["network_state"] != "absent":
        settings.strict_requires(
            "network_nat_gateway_mode", lambda mode: mode == "per_az", "it needs one NAT gateway per zone (network_nat_gateway_mode: per_az)"
        )
    return settings.problems


class FilterModule:
    def filters(self):
        return {"network_settings_errors": network_settings_errors}
