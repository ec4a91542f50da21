# -*- coding: utf-8 -*-

# Copyright: Contributors to the tracetrack.aws collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
name: network_subnet_specs
short_description: The subnets of one tier, as tracetrack.aws.ec2_vpc_subnets takes them
version_added: 0.4.0
description:
  - Takes a tier's CIDR blocks (C(network_public_subnet_cidrs), C(network_app_subnet_cidrs) or
    C(network_data_subnet_cidrs)) and returns one subnet per block for M(tracetrack.aws.ec2_vpc_subnets), the n-th block
    in the n-th zone, named C(<prefix>-<tier>-<zone>) and tagged with the tier (C(Tier)); the public tier's subnets map
    public IP addresses on launch.
options:
  _input:
    description: The tier's CIDR blocks, one per zone.
    type: list
    elements: str
    required: true
  tier:
    description: The tier, V(public), V(app) or V(data).
    type: str
    required: true
  zones:
    description: The availability zones, in order (C(network_availability_zones)); at least as many as blocks.
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
- name: The public tier's subnets
  ansible.builtin.debug:
    msg: "{{ ['10.0.0.0/24', '10.0.1.0/24'] | tracetrack.aws.network_subnet_specs('public', ['eu-west-1a', 'eu-west-1b'], 'shop-prod') }}"
"""

RETURN = r"""
_value:
  description: Each subnet's C(cidr), C(az), C(map_public) and C(tags) (C(Name), C(Tier) over O(tags)).
  type: list
  elements: dict
"""

from ansible.errors import AnsibleFilterError

TIERS = ("public", "app", "data")


def network_subnet_specs(cidrs, tier, zones, name_prefix, tags=None):
    if tier not in TIERS:
        raise AnsibleFilterError(f"network_subnet_specs: tier must be one of {', '.join(TIERS)}, not {tier!r}")
    if not isinstance(cidrs, list) or not isinstance(zones, list):
        raise AnsibleFilterError("network_subnet_specs: the CIDR blocks and the zones must be lists")
    if len(cidrs) > len(zones):
        raise AnsibleFilterError(f"network_subnet_specs: {len(cidrs)} {tier} CIDR blocks for {len(zones)} zones")
    return [
        {
            "cidr": cidr,
            "az": zone,
            "map_public": tier == "public",
            "tags": {**(tags or {}), "Name": f"{name_prefix}-{tier}-{zone}", "Tier": tier},
        }
        for cidr, zone in zip(cidrs, zones[: len(cidrs)], strict=True)
    ]


class FilterModule:
    def filters(self):
        return {"network_subnet_specs": network_subnet_specs}
