# -*- coding: utf-8 -*-

# Copyright: Contributors to the tracetrack.aws collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
name: subnet_plan_errors
short_description: Check a VPC subnet plan before anything is created
version_added: 0.1.0
description:
  - Takes a dictionary of the network role's inputs and returns a list of problems, each naming the
    variable at fault. An empty list means the plan is sound.
  - Checks that every CIDR is a valid IPv4 network, that every subnet lies inside the VPC, that no two
    subnets overlap, and that each tier has one subnet per availability zone.
options:
  _input:
    description:
      - A dictionary with the keys C(network_vpc_cidr), C(network_az_count) and one list of CIDRs per tier,
        named after the variable that holds it (for example C(network_public_subnet_cidrs)).
    type: dict
    required: true
author:
  - TraceTrack platform team (@tracetrack)
"""

EXAMPLES = r"""
- name: Refuse a bad subnet plan before any API call
  ansible.builtin.assert:
    that: __problems | length == 0
    fail_msg: "{{ __problems | join('; ') }}"
  vars:
    __problems: >-
      {{ {'network_vpc_cidr': network_vpc_cidr, 'network_az_count': network_az_count,
          'network_public_subnet_cidrs': network_public_subnet_cidrs} | tracetrack.aws.subnet_plan_errors }}
"""

RETURN = r"""
_value:
  description: The problems found, each a sentence naming the variable at fault; empty when the plan is sound.
  type: list
  elements: str
"""

import ipaddress

from ansible.errors import AnsibleFilterError


def _network(value):
    try:
        network = ipaddress.ip_network(str(value), strict=True)
    except ValueError as error:
        return None, str(error)
    if network.version != 4:
        return None, "only IPv4 CIDR blocks are supported"
    return network, None


def subnet_plan_errors(plan):
    if not isinstance(plan, dict):
        raise AnsibleFilterError("subnet_plan_errors expects a dictionary of the network inputs")
    problems = []

    vpc, error = _network(plan.get("network_vpc_cidr"))
    if error:
        problems.append(f"network_vpc_cidr '{plan.get('network_vpc_cidr')}' is not a valid CIDR block: {error}")
    elif not 16 <= vpc.prefixlen <= 28:
        problems.append(f"network_vpc_cidr '{vpc}' must have a prefix between /16 and /28 (AWS VPC limits)")

    az_count = plan.get("network_az_count")
    seen = []
    # Tiers in their natural order (public, app, data, then any other), so that an overlap is reported on the later one.
    order = ("network_public_subnet_cidrs", "network_app_subnet_cidrs", "network_data_subnet_cidrs")
    tiers = [k for k in order if k in plan] + sorted(k for k in plan if k.endswith("_subnet_cidrs") and k not in order)
    for variable in tiers:
        cidrs = plan[variable] or []
        if az_count is not None and len(cidrs) != int(az_count):
            problems.append(f"{variable} lists {len(cidrs)} subnets but network_az_count is {az_count}: give one per AZ")
        for cidr in cidrs:
            subnet, error = _network(cidr)
            if error:
                problems.append(f"{variable}: '{cidr}' is not a valid CIDR block: {error}")
                continue
            if vpc is not None and not subnet.subnet_of(vpc):
                problems.append(f"{variable}: {subnet} is outside network_vpc_cidr {vpc}")
            if not 16 <= subnet.prefixlen <= 28:
                problems.append(f"{variable}: {subnet} must have a prefix between /16 and /28 (AWS subnet limits)")
            for other_variable, other in seen:
                if subnet.overlaps(other):
                    problems.append(f"{variable}: {subnet} overlaps {other} of {other_variable}")
            seen.append((variable, subnet))
    return problems


class FilterModule:
    def filters(self):
        return {"subnet_plan_errors": subnet_plan_errors}
