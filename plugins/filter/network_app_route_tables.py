# -*- coding: utf-8 -*-

# Copyright: Contributors to the tracetrack.aws collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
name: network_app_route_tables
short_description: The app tier's route tables, one per zone, as tracetrack.aws.ec2_vpc_route_tables takes them
version_added: 0.4.0
description:
  - Takes the app subnets' ids, in zone order, and returns one route table per subnet for
    M(tracetrack.aws.ec2_vpc_route_tables), named C(<prefix>-app-<zone>), whose default route goes to the NAT gateway of
    its zone - or to the single shared one when there is one NAT gateway, and nowhere when there is none.
options:
  _input:
    description: The app subnets' ids (C(network_app_subnet_ids)), the n-th in the n-th zone.
    type: list
    elements: str
    required: true
  zones:
    description: The availability zones, in order (C(network_availability_zones)).
    type: list
    elements: str
    required: true
  nat_gateway_ids:
    description: The NAT gateways (C(network_nat_gateway_ids)) - one per zone, one shared, or none.
    type: list
    elements: str
    required: true
  name_prefix:
    description: The prefix of the names (C(network_name_prefix)).
    type: str
    required: true
  tags:
    description: The tags every resource of the tier carries (C(network_tags)).
    type: dict
    default: {}
author:
  - TraceTrack platform team (@tracetrack)
"""

EXAMPLES = r"""
- name: One route table per app subnet
  ansible.builtin.debug:
    msg: "{{ network_app_subnet_ids | tracetrack.aws.network_app_route_tables(network_availability_zones, network_nat_gateway_ids, 'shop-prod') }}"
"""

RETURN = r"""
_value:
  description: Each route table's C(name), C(tags), C(subnets) (its one subnet) and C(routes).
  type: list
  elements: dict
"""

from ansible.errors import AnsibleFilterError


def network_app_route_tables(subnet_ids, zones, nat_gateway_ids, name_prefix, tags=None):
    if not all(isinstance(value, list) for value in (subnet_ids, zones, nat_gateway_ids)):
        raise AnsibleFilterError("network_app_route_tables: the subnets, the zones and the NAT gateways must be lists")
    if len(subnet_ids) > len(zones):
        raise AnsibleFilterError(f"network_app_route_tables: {len(subnet_ids)} app subnets for {len(zones)} zones")
    if len(nat_gateway_ids) > 1 and len(nat_gateway_ids) < len(subnet_ids):
        raise AnsibleFilterError(f"network_app_route_tables: {len(nat_gateway_ids)} NAT gateways for {len(subnet_ids)} zones (one per zone, or one shared)")
    tables = []
    for index, (subnet_id, zone) in enumerate(zip(subnet_ids, zones[: len(subnet_ids)], strict=True)):
        routes = []
        if nat_gateway_ids:
            routes.append({"dest": "0.0.0.0/0", "nat_gateway_id": nat_gateway_ids[index if len(nat_gateway_ids) > 1 else 0]})
        tables.append({"name": f"{name_prefix}-app-{zone}", "tags": dict(tags or {}), "subnets": [subnet_id], "routes": routes})
    return tables


class FilterModule:
    def filters(self):
        return {"network_app_route_tables": network_app_route_tables}
