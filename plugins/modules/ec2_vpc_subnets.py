#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the tracetrack.aws collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: ec2_vpc_subnets
short_description: Manage a set of subnets of one VPC in one task
version_added: 0.4.0
description:
  - Makes the subnets of O(subnets) exist in O(vpc_id) with the given zone, public IP mapping and tags (EC2
    C(DescribeSubnets), C(CreateSubnet), C(ModifySubnetAttribute), C(CreateTags), C(DeleteTags)).
  - A subnet is identified by its CIDR block. All of the VPC's subnets are read with one C(DescribeSubnets), whose answer
    carries their tags, so a set with nothing to change costs one read and one module run, where
    M(amazon.aws.ec2_vpc_subnet) costs several reads per subnet.
  - Subnets of the VPC that are not listed are left alone; remove a subnet with M(amazon.aws.ec2_vpc_subnet)
    C(state=absent).
  - A listed CIDR that exists in another zone is an error, reported before anything is changed (a subnet cannot move
    between zones).
  - Supports C(--check).
options:
  vpc_id:
    description: The VPC the subnets belong to.
    type: str
    required: true
  subnets:
    description: The subnets that should exist.
    type: list
    elements: dict
    required: true
    suboptions:
      cidr:
        description: The subnet's IPv4 CIDR block, inside the VPC's.
        type: str
        required: true
      az:
        description: The availability zone of the subnet, for example V(eu-west-1a).
        type: str
        required: true
      map_public:
        description: Whether instances launched in the subnet get a public IPv4 address.
        type: bool
        default: false
      tags:
        description: The subnet's tags; with O(purge_tags) the only ones it keeps.
        type: dict
  purge_tags:
    description: Remove the tags a subnet carries that its O(subnets[].tags) does not list.
    type: bool
    default: true
  wait:
    description: Wait until a created subnet is C(available).
    type: bool
    default: true
author:
  - TraceTrack platform team (@tracetrack)
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: A public and a private subnet in each of two zones
  tracetrack.aws.ec2_vpc_subnets:
    vpc_id: "{{ vpc.vpc.id }}"
    subnets:
      - {cidr: 10.0.0.0/24, az: eu-west-1a, map_public: true, tags: {Name: public-a, Tier: public}}
      - {cidr: 10.0.1.0/24, az: eu-west-1b, map_public: true, tags: {Name: public-b, Tier: public}}
      - {cidr: 10.0.10.0/24, az: eu-west-1a, tags: {Name: app-a, Tier: app}}
      - {cidr: 10.0.11.0/24, az: eu-west-1b, tags: {Name: app-b, Tier: app}}
  register: subnets

- name: Their ids, in the order listed
  ansible.builtin.debug:
    msg: "{{ subnets.subnets | map(attribute='id') | list }}"
"""

RETURN = r"""
subnets:
  description:
    - The subnets of O(subnets), in the order listed, as EC2 C(DescribeSubnets) describes them.
    - In check mode a subnet that would be created has an empty RV(subnets[].id).
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: The subnet's id.
      type: str
      sample: subnet-0123456789abcdef0
    cidr_block:
      description: The subnet's CIDR block.
      type: str
      sample: 10.0.0.0/24
    availability_zone:
      description: The subnet's zone.
      type: str
      sample: eu-west-1a
    map_public_ip_on_launch:
      description: Whether instances get a public IPv4 address.
      type: bool
    state:
      description: The subnet's state.
      type: str
      sample: available
    vpc_id:
      description: The subnet's VPC.
      type: str
    tags:
      description: The subnet's tags.
      type: dict
      sample: {"Name": "public-a"}
changed_subnets:
  description: Each subnet that was created or changed, or would be in check mode, named by its CIDR block, with its zone,
    public IP mapping and tags before and after.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The subnet's CIDR block.
      type: str
    action:
      description: V(created) or V(updated).
      type: str
    diff:
      description: The subnet before and after (C(before), C(after)).
      type: dict
"""

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_specifications
from ansible_collections.tracetrack.aws.plugins.module_utils.tags import ec2_tag_changes
from ansible_collections.tracetrack.aws.plugins.module_utils.tags import write_ec2_tags


@AWSRetry.jittered_backoff()
def _paginated_subnets(client, vpc_id):
    """DescribeSubnets of the VPC, every page, under the same retry policy as the other calls."""
    return client.get_paginator("describe_subnets").paginate(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}]).build_full_result()


def describe_subnets(client, module, vpc_id):
    """The VPC's subnets by CIDR block: one paginated DescribeSubnets."""
    try:
        found = _paginated_subnets(client, vpc_id)
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(e, msg=f"Couldn't describe the subnets of {vpc_id}")
    return {subnet["CidrBlock"]: subnet for subnet in found.get("Subnets", [])}


def input_errors(wanted, current):
    """What is wrong with O(subnets) against the VPC as it is, before any change."""
    errors = []
    seen = set()
    for spec in wanted:
        if spec["cidr"] in seen:
            errors.append(f"subnets lists {spec['cidr']} twice")
        seen.add(spec["cidr"])
        existing = current.get(spec["cidr"])
        if existing and existing["AvailabilityZone"] != spec["az"]:
            errors.append(
                f"subnet {spec['cidr']} ({existing['SubnetId']}) is in {existing['AvailabilityZone']}, not {spec['az']}: a subnet cannot move between zones"
            )
    return errors


def plan(spec, existing, purge_tags):
    """What to do for one subnet: a dict with create, map_public (the value to set, or None) and the tag changes."""
    if existing is None:
        return {"create": True, "map_public": True if spec["map_public"] else None, "set_tags": {}, "unset_tags": []}
    set_tags, unset_tags = ec2_tag_changes(existing.get("Tags"), spec.get("tags"), purge_tags)
    map_public = spec["map_public"] if bool(existing.get("MapPublicIpOnLaunch")) != spec["map_public"] else None
    return {"create": False, "map_public": map_public, "set_tags": set_tags, "unset_tags": unset_tags}


def is_change(step):
    return step["create"] or step["map_public"] is not None or bool(step["set_tags"]) or bool(step["unset_tags"])


def apply(client, module, vpc_id, spec, existing, step):
    """Carry out one subnet's plan; returns its id."""
    cidr = spec["cidr"]
    try:
        if step["create"]:
            request = {"VpcId": vpc_id, "CidrBlock": cidr, "AvailabilityZone": spec["az"]}
            if spec.get("tags"):
                request["TagSpecifications"] = boto3_tag_specifications(spec["tags"], types="subnet")
            subnet_id = client.create_subnet(aws_retry=True, **request)["Subnet"]["SubnetId"]
            if module.params["wait"]:
                client.get_waiter("subnet_available").wait(SubnetIds=[subnet_id])
        else:
            subnet_id = existing["SubnetId"]
        if step["map_public"] is not None:
            client.modify_subnet_attribute(aws_retry=True, SubnetId=subnet_id, MapPublicIpOnLaunch={"Value": step["map_public"]})
        write_ec2_tags(client, subnet_id, step["set_tags"], step["unset_tags"])
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError, botocore.exceptions.WaiterError) as e:
        module.fail_json_aws(e, msg=f"Couldn't {'create' if step['create'] else 'update'} subnet {cidr} in {vpc_id}")
    return subnet_id


def format_subnet(subnet):
    result = camel_dict_to_snake_dict(subnet, ignore_list=["Tags"])
    result["id"] = subnet.get("SubnetId", "")
    result["tags"] = boto3_tag_list_to_ansible_dict(subnet.get("Tags", []))
    return result


def predicted(spec, existing, vpc_id, purge_tags=True):
    """A subnet as it is once its plan is carried out: in check mode, and after a change (EC2 may not show it yet)."""
    subnet = {"SubnetId": "", "CidrBlock": spec["cidr"], "AvailabilityZone": spec["az"], "VpcId": vpc_id, **(existing or {})}
    subnet["MapPublicIpOnLaunch"] = spec["map_public"]
    if spec.get("tags") is not None:
        kept = {} if purge_tags else boto3_tag_list_to_ansible_dict(subnet.get("Tags", []))
        subnet["Tags"] = ansible_dict_to_boto3_tag_list({**kept, **spec["tags"]})
    return subnet


def subnet_state(subnet):
    """What the module compares of a subnet, for its diff."""
    return {
        "availability_zone": subnet.get("AvailabilityZone", ""),
        "map_public_ip_on_launch": bool(subnet.get("MapPublicIpOnLaunch")),
        "tags": boto3_tag_list_to_ansible_dict(subnet.get("Tags", [])),
    }


def change_of(spec, existing, vpc_id, purge_tags):
    return {
        "name": spec["cidr"],
        "action": "created" if existing is None else "updated",
        "diff": {"before": subnet_state(existing) if existing else {}, "after": subnet_state(predicted(spec, existing, vpc_id, purge_tags))},
    }


def ensure_subnets(client, module, params):
    vpc_id = params["vpc_id"]
    current = describe_subnets(client, module, vpc_id)
    errors = input_errors(params["subnets"], current)
    if errors:
        module.fail_json(msg="; ".join(errors))

    steps = [(spec, current.get(spec["cidr"]), plan(spec, current.get(spec["cidr"]), params["purge_tags"])) for spec in params["subnets"]]
    changed = [change_of(spec, existing, vpc_id, params["purge_tags"]) for spec, existing, step in steps if is_change(step)]
    if module.check_mode or not changed:
        subnets = [format_subnet(predicted(spec, existing, vpc_id, params["purge_tags"]) if is_change(step) else existing) for spec, existing, step in steps]
        module.exit_json(changed=bool(changed), subnets=subnets, changed_subnets=changed)

    applied = {}
    for spec, existing, step in steps:
        if is_change(step):
            applied[spec["cidr"]] = apply(client, module, vpc_id, spec, existing, step)
    # EC2 is eventually consistent: a subnet just made, or its new tags, may not show yet. A changed subnet is reported
    # as it was made (its id, its zone, the mapping and the tags written), over what DescribeSubnets answers now.
    after = describe_subnets(client, module, vpc_id)
    subnets = []
    for spec, existing, step in steps:
        subnet = after.get(spec["cidr"]) or existing or {}
        if is_change(step):
            subnet = predicted(spec, dict(subnet, SubnetId=applied[spec["cidr"]]), vpc_id, params["purge_tags"])
        subnets.append(format_subnet(subnet))
    module.exit_json(changed=True, subnets=subnets, changed_subnets=changed)


def main():
    argument_spec = dict(
        vpc_id=dict(type="str", required=True),
        subnets=dict(
            type="list",
            elements="dict",
            required=True,
            options=dict(
                cidr=dict(type="str", required=True),
                az=dict(type="str", required=True),
                map_public=dict(type="bool", default=False),
                tags=dict(type="dict"),
            ),
        ),
        purge_tags=dict(type="bool", default=True),
        wait=dict(type="bool", default=True),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    client = module.client("ec2", retry_decorator=AWSRetry.jittered_backoff())
    ensure_subnets(client, module, module.params)


if __name__ == "__main__":
    main()
