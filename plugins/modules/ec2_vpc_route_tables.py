#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the tracetrack.aws collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: ec2_vpc_route_tables
short_description: Manage a set of route tables of one VPC, their routes and subnets, in one task
version_added: 0.4.0
description:
  - Makes the route tables of O(route_tables) exist in O(vpc_id), each with exactly the listed routes, associated with
    exactly the listed subnets, with the given tags (EC2 C(DescribeRouteTables), C(CreateRouteTable), C(CreateRoute),
    C(ReplaceRoute), C(DeleteRoute), C(AssociateRouteTable), C(ReplaceRouteTableAssociation),
    C(DisassociateRouteTable), C(CreateTags), C(DeleteTags)).
  - A route table is identified by its C(Name) tag, O(route_tables[].name). All of the VPC's route tables are read with
    one C(DescribeRouteTables), whose answer carries their routes, associations and tags, so a set with nothing to change
    costs one read and one module run, where M(amazon.aws.ec2_vpc_route_table) costs a run and several reads per table.
  - A listed subnet associated with another route table of the VPC is moved to its listed table
    (C(ReplaceRouteTableAssociation)). The VPC's local route and routes propagated from a virtual private gateway are
    never touched.
  - Route tables of the VPC that are not listed are left alone; remove one with M(amazon.aws.ec2_vpc_route_table)
    C(state=absent).
  - Supports C(--check).
options:
  vpc_id:
    description: The VPC the route tables belong to.
    type: str
    required: true
  route_tables:
    description: The route tables that should exist.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description: The route table's C(Name) tag, unique among the VPC's route tables.
        type: str
        required: true
      tags:
        description: The route table's other tags; with O(purge_tags) the only ones it keeps besides C(Name).
        type: dict
      subnets:
        description: The ids of the subnets the table routes; with O(purge_subnets) the only ones.
        type: list
        elements: str
        default: []
      routes:
        description: The routes besides the VPC's local one; with O(purge_routes) the only ones.
        type: list
        elements: dict
        default: []
        suboptions:
          dest:
            description: The destination, an IPv4 or IPv6 CIDR block.
            type: str
            required: true
          gateway_id:
            description: An internet gateway or virtual private gateway the traffic goes to.
            type: str
          nat_gateway_id:
            description: A NAT gateway the traffic goes to.
            type: str
  purge_tags:
    description: Remove the tags a table carries that its O(route_tables[].tags) does not list (C(Name) is always kept).
    type: bool
    default: true
  purge_routes:
    description: Delete the routes a table has that its O(route_tables[].routes) does not list.
    type: bool
    default: true
  purge_subnets:
    description: Disassociate the subnets a table routes that its O(route_tables[].subnets) does not list.
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
- name: Public subnets go out through the internet gateway, private ones through their NAT gateway, data ones nowhere
  tracetrack.aws.ec2_vpc_route_tables:
    vpc_id: "{{ vpc.vpc.id }}"
    route_tables:
      - name: shop-public
        tags: {Project: shop}
        subnets: "{{ public_subnet_ids }}"
        routes:
          - {dest: 0.0.0.0/0, gateway_id: "{{ igw.gateway_id }}"}
      - name: shop-app-eu-west-1a
        subnets: ["{{ app_subnet_ids[0] }}"]
        routes:
          - {dest: 0.0.0.0/0, nat_gateway_id: "{{ nat_gateway_ids[0] }}"}
      - name: shop-data
        subnets: "{{ data_subnet_ids }}"
"""

RETURN = r"""
route_tables:
  description:
    - The route tables of O(route_tables), in the order listed, as EC2 C(DescribeRouteTables) describes them.
    - In check mode a table that would be created has an empty RV(route_tables[].id).
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: The route table's id.
      type: str
      sample: rtb-0123456789abcdef0
    routes:
      description: The routes, as EC2 describes them.
      type: list
      elements: dict
    associations:
      description: The associations, as EC2 describes them.
      type: list
      elements: dict
    tags:
      description: The route table's tags.
      type: dict
changed_route_tables:
  description: Each route table that was created or changed, or would be in check mode, with its routes, subnets and tags
    before and after.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The route table's name.
      type: str
    action:
      description: V(created) or V(updated).
      type: str
    diff:
      description: The route table before and after (C(before), C(after)).
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
from ansible_collections.amazon.aws.plugins.module_utils.waiters import get_waiter

from ansible_collections.tracetrack.aws.plugins.module_utils.tags import ec2_tag_changes
from ansible_collections.tracetrack.aws.plugins.module_utils.tags import write_ec2_tags

# The target members of a route the module manages, as the option and as EC2 names them.
TARGETS = (("gateway_id", "GatewayId"), ("nat_gateway_id", "NatGatewayId"))


@AWSRetry.jittered_backoff()
def _paginated_route_tables(client, vpc_id):
    """DescribeRouteTables of the VPC, every page, under the same retry policy as the other calls."""
    return client.get_paginator("describe_route_tables").paginate(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}]).build_full_result()


def describe_route_tables(client, module, vpc_id):
    """All of the VPC's route tables: one paginated DescribeRouteTables."""
    try:
        return _paginated_route_tables(client, vpc_id).get("RouteTables", [])
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(e, msg=f"Couldn't describe the route tables of {vpc_id}")


def table_name(table):
    return boto3_tag_list_to_ansible_dict(table.get("Tags", [])).get("Name")


def _dest_key(dest):
    return "DestinationIpv6CidrBlock" if ":" in dest else "DestinationCidrBlock"


def described_routes(table):
    """The table's routes the module manages: {destination: (target member, target id)}."""
    routes = {}
    for route in table.get("Routes", []):
        if route.get("Origin") != "CreateRoute":
            continue  # the local route (CreateRouteTable) and propagated ones (EnableVgwRoutePropagation)
        dest = route.get("DestinationCidrBlock") or route.get("DestinationIpv6CidrBlock")
        target = next(((member, route[member]) for _option, member in TARGETS if route.get(member)), None)
        if target is None:
            target = next(((key, value) for key, value in route.items() if key.endswith("Id") and key != "DestinationPrefixListId"), ("", ""))
        if dest:
            routes[dest] = target
    return routes


def wanted_routes(spec, where):
    """{destination: (target member, target id)} of the listed routes, and the errors found."""
    routes, errors = {}, []
    for index, route in enumerate(spec["routes"]):
        targets = [(member, route[option]) for option, member in TARGETS if route.get(option)]
        if len(targets) != 1:
            errors.append(f"{where} routes[{index}] ({route['dest']}): name exactly one of gateway_id and nat_gateway_id")
            continue
        if route["dest"] in routes:
            errors.append(f"{where} lists the route to {route['dest']} twice")
        routes[route["dest"]] = targets[0]
    return routes, errors


def plan(params, tables):
    """Each table's changes and the errors found: nothing is changed unless there is no error."""
    by_name, errors = {}, []
    for table in tables:
        name = table_name(table)
        if name in by_name:
            errors.append(f"route tables {by_name[name]['RouteTableId']} and {table['RouteTableId']} are both named {name!r}")
        by_name[name] = table
    # Which table each subnet of the VPC is explicitly associated with: (table id, association id).
    subnet_tables = {
        association["SubnetId"]: (table["RouteTableId"], association["RouteTableAssociationId"])
        for table in tables
        for association in table.get("Associations", [])
        if association.get("SubnetId") and not association.get("Main")
    }
    steps, seen_names, seen_subnets = [], set(), {}
    for index, spec in enumerate(params["route_tables"]):
        where = f"route_tables[{index}] ({spec['name']})"
        if spec["name"] in seen_names:
            errors.append(f"route_tables lists {spec['name']!r} twice")
        seen_names.add(spec["name"])
        for subnet in spec["subnets"]:
            if subnet in seen_subnets:
                errors.append(f"{where}: subnet {subnet} is listed for {seen_subnets[subnet]!r} already")
            seen_subnets[subnet] = spec["name"]
        existing = by_name.get(spec["name"])
        routes, route_errors = wanted_routes(spec, where)
        errors.extend(route_errors)
        current_routes = described_routes(existing) if existing else {}
        table_id = existing["RouteTableId"] if existing else None
        wanted_tags = None if spec.get("tags") is None else {**spec["tags"], "Name": spec["name"]}
        set_tags, unset_tags = ec2_tag_changes(existing.get("Tags"), wanted_tags, params["purge_tags"]) if existing else ({}, [])
        step = {
            "spec": spec,
            "existing": existing,
            "tags": wanted_tags if wanted_tags is not None else {"Name": spec["name"]},
            "set_tags": set_tags,
            "unset_tags": unset_tags,
            "create_routes": {dest: target for dest, target in routes.items() if dest not in current_routes},
            "replace_routes": {dest: target for dest, target in routes.items() if dest in current_routes and current_routes[dest] != target},
            "delete_routes": [dest for dest in current_routes if dest not in routes] if params["purge_routes"] else [],
            "associate": [s for s in spec["subnets"] if s not in subnet_tables],
            "move": {s: subnet_tables[s][1] for s in spec["subnets"] if s in subnet_tables and subnet_tables[s][0] != table_id},
            "disassociate": (
                [assoc for s, (t, assoc) in subnet_tables.items() if t == table_id and s not in spec["subnets"]] if params["purge_subnets"] and table_id else []
            ),
        }
        steps.append(step)
    return steps, errors


def is_change(step):
    keys = ("set_tags", "unset_tags", "create_routes", "replace_routes", "delete_routes", "associate", "move", "disassociate")
    return step["existing"] is None or any(step[key] for key in keys)


def _route_request(table_id, dest, target):
    return {"RouteTableId": table_id, _dest_key(dest): dest, target[0]: target[1]}


def apply(client, module, vpc_id, step):
    """Carry out one table's changes: create it, tag it, its routes, then its subnets."""
    name = step["spec"]["name"]
    try:
        if step["existing"] is None:
            request = {"VpcId": vpc_id, "TagSpecifications": boto3_tag_specifications(step["tags"], types="route-table")}
            table_id = client.create_route_table(aws_retry=True, **request)["RouteTable"]["RouteTableId"]
            get_waiter(client, "route_table_exists").wait(RouteTableIds=[table_id])
        else:
            table_id = step["existing"]["RouteTableId"]
        write_ec2_tags(client, table_id, step["set_tags"], step["unset_tags"])
        for dest, target in step["create_routes"].items():
            client.create_route(aws_retry=True, **_route_request(table_id, dest, target))
        for dest, target in step["replace_routes"].items():
            client.replace_route(aws_retry=True, **_route_request(table_id, dest, target))
        for dest in step["delete_routes"]:
            client.delete_route(aws_retry=True, RouteTableId=table_id, **{_dest_key(dest): dest})
        for association_id in step["disassociate"]:
            client.disassociate_route_table(aws_retry=True, AssociationId=association_id)
        for association_id in step["move"].values():
            client.replace_route_table_association(aws_retry=True, AssociationId=association_id, RouteTableId=table_id)
        for subnet in step["associate"]:
            client.associate_route_table(aws_retry=True, RouteTableId=table_id, SubnetId=subnet)
        return table_id
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError, botocore.exceptions.WaiterError) as e:
        module.fail_json_aws(e, msg=f"Couldn't {'create' if step['existing'] is None else 'update'} route table {name} in {vpc_id}")


def format_table(table):
    result = camel_dict_to_snake_dict(table, ignore_list=["Tags"])
    result["id"] = table.get("RouteTableId", "")
    result["tags"] = boto3_tag_list_to_ansible_dict(table.get("Tags", []))
    return result


def predicted(step, vpc_id):
    """A table as it will be once its tags are set (check mode); its routes and associations are not predicted."""
    table = dict(step["existing"] or {"RouteTableId": "", "VpcId": vpc_id, "Associations": [], "Routes": []})
    if step["existing"] is None or step["spec"].get("tags") is not None:
        table["Tags"] = ansible_dict_to_boto3_tag_list(step["tags"])
    return table


def table_state(routes, subnets, tags):
    return {"routes": {dest: f"{member} {target}" for dest, (member, target) in sorted(routes.items())}, "subnets": sorted(subnets), "tags": tags}


def change_of(step, params):
    """What changes (or would) for one table: name, action and a diff of its routes, subnets and tags."""
    existing = step["existing"]
    routes_before = described_routes(existing) if existing else {}
    routes_after = {d: t for d, t in routes_before.items() if d not in step["delete_routes"]}
    routes_after.update(step["create_routes"])
    routes_after.update(step["replace_routes"])
    subnets_before = [a["SubnetId"] for a in (existing or {}).get("Associations", []) if a.get("SubnetId") and not a.get("Main")]
    subnets_after = sorted(set(step["spec"]["subnets"]) | (set() if params["purge_subnets"] else set(subnets_before)))
    tags_before = boto3_tag_list_to_ansible_dict(existing.get("Tags", [])) if existing else {}
    tags_after = step["tags"] if existing is None or step["spec"].get("tags") is not None else tags_before
    return {
        "name": step["spec"]["name"],
        "action": "created" if existing is None else "updated",
        "diff": {
            "before": table_state(routes_before, subnets_before, tags_before) if existing else {},
            "after": table_state(routes_after, subnets_after, tags_after),
        },
    }


def ensure_route_tables(client, module, params):
    vpc_id = params["vpc_id"]
    steps, errors = plan(params, describe_route_tables(client, module, vpc_id))
    if errors:
        module.fail_json(msg="; ".join(errors))
    changed = [change_of(step, params) for step in steps if is_change(step)]
    if module.check_mode or not changed:
        tables = [format_table(predicted(step, vpc_id) if is_change(step) else step["existing"]) for step in steps]
        module.exit_json(changed=bool(changed), route_tables=tables, changed_route_tables=changed)

    applied = {step["spec"]["name"]: apply(client, module, vpc_id, step) for step in steps if is_change(step)}
    # EC2 is eventually consistent: a table just made, or its new tags, may not show yet. A changed table is found by
    # its id and reported with the tags written.
    after = {table["RouteTableId"]: table for table in describe_route_tables(client, module, vpc_id)}
    tables = []
    for step in steps:
        name = step["spec"]["name"]
        table_id = applied.get(name) or step["existing"]["RouteTableId"]
        table = after.get(table_id) or step["existing"] or {"RouteTableId": table_id, "VpcId": vpc_id, "Associations": [], "Routes": []}
        if name in applied and (step["existing"] is None or step["spec"].get("tags") is not None):
            table = dict(table, RouteTableId=table_id, Tags=ansible_dict_to_boto3_tag_list(step["tags"]))
        tables.append(format_table(table))
    module.exit_json(changed=True, route_tables=tables, changed_route_tables=changed)


def main():
    argument_spec = dict(
        vpc_id=dict(type="str", required=True),
        route_tables=dict(
            type="list",
            elements="dict",
            required=True,
            options=dict(
                name=dict(type="str", required=True),
                tags=dict(type="dict"),
                subnets=dict(type="list", elements="str", default=[]),
                routes=dict(
                    type="list",
                    elements="dict",
                    default=[],
                    options=dict(
                        dest=dict(type="str", required=True),
                        gateway_id=dict(type="str"),
                        nat_gateway_id=dict(type="str"),
                    ),
                ),
            ),
        ),
        purge_tags=dict(type="bool", default=True),
        purge_routes=dict(type="bool", default=True),
        purge_subnets=dict(type="bool", default=True),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    client = module.client("ec2", retry_decorator=AWSRetry.jittered_backoff())
    ensure_route_tables(client, module, module.params)


if __name__ == "__main__":
    main()
