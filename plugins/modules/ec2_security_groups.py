#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the tracetrack.aws collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: ec2_security_groups
short_description: Manage a set of VPC security groups and their rules in one task
version_added: 0.4.0
description:
  - Makes the security groups of O(groups) exist in O(vpc_id) with the given description and tags, and their inbound
    and outbound rules exactly as listed (EC2 C(DescribeSecurityGroups), C(CreateSecurityGroup),
    C(AuthorizeSecurityGroupIngress), C(AuthorizeSecurityGroupEgress), C(RevokeSecurityGroupIngress),
    C(RevokeSecurityGroupEgress), C(UpdateSecurityGroupRuleDescriptionsIngress),
    C(UpdateSecurityGroupRuleDescriptionsEgress), C(CreateTags), C(DeleteTags)).
  - The groups are created before any rule is written, so rules may name each other with O(groups[].rules[].group_name)
    in both directions. All of them are read with one C(DescribeSecurityGroups), whose answer carries their rules and
    tags, so a set with nothing to change costs one read and one module run, where M(amazon.aws.ec2_security_group) costs
    one run and several reads per group, and a second run per group whose rules name another.
  - A rule is compared as its parts (protocol, port range, one source or destination), so one listed rule with two ports
    and two CIDR blocks is four rules to EC2, and a description is updated in place.
  - Groups of the VPC that are not listed are left alone. Remove a group with M(amazon.aws.ec2_security_group)
    C(state=absent).
  - Every rule is checked before anything is changed, the groups it names included.
  - Supports C(--check).
options:
  vpc_id:
    description: The VPC the groups belong to.
    type: str
    required: true
  groups:
    description: The security groups that should exist.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description: The group's name, unique in the VPC.
        type: str
        required: true
      description:
        description: The group's description. EC2 cannot change it once the group exists; a difference is reported, not fixed.
        type: str
        required: true
      tags:
        description: The group's tags; with O(purge_tags) the only ones it keeps.
        type: dict
      rules:
        description:
          - The inbound rules. With O(purge_rules), the only ones the group keeps.
          - When not set, the group's inbound rules are left alone.
        type: list
        elements: dict
        suboptions: &rule
          proto:
            description: The IP protocol; V(all) (or V(-1)) is every protocol and every port.
            type: str
            default: tcp
            choices: [tcp, udp, icmp, icmpv6, all, "-1"]
          ports:
            description:
              - The ports, each a number or a range V(from-to). Required for V(tcp) and V(udp) unless
                O(groups[].rules[].from_port) and O(groups[].rules[].to_port) are set.
            type: list
            elements: raw
          from_port:
            description: The start of the port range, or the ICMP type (V(-1) for any).
            type: int
          to_port:
            description: The end of the port range, or the ICMP code (V(-1) for any).
            type: int
          cidr_ip:
            description: IPv4 CIDR blocks the rule allows, one or a list.
            type: raw
          cidr_ipv6:
            description: IPv6 CIDR blocks the rule allows, one or a list.
            type: raw
          group_name:
            description: A security group the rule allows, by name - one of O(groups) or another group of the VPC.
            type: str
          group_id:
            description: A security group the rule allows, by id.
            type: str
          rule_desc:
            description: The description of the rule. When not set, an existing rule's description is left alone.
            type: str
      rules_egress:
        description:
          - The outbound rules, as O(groups[].rules). With O(purge_rules_egress), the only ones the group keeps; V([])
            removes the rule EC2 gives a new group (all traffic to anywhere).
          - When not set, the group's outbound rules are left alone, that one included.
        type: list
        elements: dict
        suboptions: *rule
  purge_tags:
    description: Remove the tags a group carries that its O(groups[].tags) does not list.
    type: bool
    default: true
  purge_rules:
    description: Revoke the inbound rules of a group that its O(groups[].rules) does not list.
    type: bool
    default: true
  purge_rules_egress:
    description: Revoke the outbound rules of a group that its O(groups[].rules_egress) does not list.
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
- name: The load balancer reaches the app, the app reaches the database, nothing else
  tracetrack.aws.ec2_security_groups:
    vpc_id: "{{ vpc.vpc.id }}"
    groups:
      - name: shop-alb
        description: load balancer
        tags: {Name: shop-alb}
        rules:
          - {proto: tcp, ports: [80, 443], cidr_ip: 0.0.0.0/0, rule_desc: HTTP/HTTPS from clients}
        rules_egress:
          - {proto: tcp, ports: [8000], group_name: shop-app, rule_desc: to the app}
      - name: shop-app
        description: app containers
        rules:
          - {proto: tcp, ports: [8000], group_name: shop-alb, rule_desc: from the load balancer}
        rules_egress:
          - {proto: tcp, ports: ["5432"], group_name: shop-db, rule_desc: to PostgreSQL}
      - name: shop-db
        description: PostgreSQL
        rules:
          - {proto: tcp, ports: [5432], group_name: shop-app, rule_desc: PostgreSQL from the app}
        rules_egress: []
  register: groups

- name: The groups' ids by name
  ansible.builtin.debug:
    msg: "{{ groups.security_groups | items2dict(key_name='group_name', value_name='group_id') }}"
"""

RETURN = r"""
security_groups:
  description:
    - The groups of O(groups), in the order listed, as EC2 C(DescribeSecurityGroups) describes them.
    - In check mode a group that would be created has an empty RV(security_groups[].group_id).
  returned: always
  type: list
  elements: dict
  contains:
    group_id:
      description: The group's id.
      type: str
      sample: sg-0123456789abcdef0
    group_name:
      description: The group's name.
      type: str
    description:
      description: The group's description.
      type: str
    vpc_id:
      description: The group's VPC.
      type: str
    ip_permissions:
      description: The inbound rules, as EC2 describes them.
      type: list
      elements: dict
    ip_permissions_egress:
      description: The outbound rules, as EC2 describes them.
      type: list
      elements: dict
    tags:
      description: The group's tags.
      type: dict
changed_groups:
  description:
    - Each group that was created or changed, or would be in check mode, with its description, tags and rules (short
      texts) before and after.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The group's name.
      type: str
    action:
      description: V(created) or V(updated).
      type: str
    diff:
      description: The group before and after (C(before), C(after)).
      type: dict
"""

import re

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

# A rule's parts as EC2 describes them: the list of an IpPermission and the member naming the peer.
PEER_KINDS = (
    ("cidr_ip", "IpRanges", "CidrIp"),
    ("cidr_ipv6", "Ipv6Ranges", "CidrIpv6"),
    ("group_id", "UserIdGroupPairs", "GroupId"),
    ("prefix_list", "PrefixListIds", "PrefixListId"),
)
PORT_RANGE = re.compile(r"^\s*(-?\d+)\s*(?:-\s*(-?\d+)\s*)?$")


@AWSRetry.jittered_backoff()
def _paginated_groups(client, vpc_id, names):
    """DescribeSecurityGroups of these names in the VPC, every page, under the same retry policy as the other calls."""
    filters = [{"Name": "vpc-id", "Values": [vpc_id]}, {"Name": "group-name", "Values": names}]
    return client.get_paginator("describe_security_groups").paginate(Filters=filters).build_full_result()


def describe_groups(client, module, vpc_id, names):
    """The VPC's groups of these names, by name: one paginated DescribeSecurityGroups."""
    try:
        found = _paginated_groups(client, vpc_id, sorted(set(names)))
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(e, msg=f"Couldn't describe the security groups of {vpc_id}")
    return {group["GroupName"]: group for group in found.get("SecurityGroups", [])}


def _as_list(value):
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def _port_ranges(rule, where):
    """The (from, to) ranges of a rule, or an error message."""
    proto = rule["proto"]
    if proto in ("all", "-1"):
        return [(None, None)], None
    if rule.get("ports"):
        ranges = []
        for port in rule["ports"]:
            match = PORT_RANGE.match(str(port))
            if not match:
                return None, f"{where}: port {port!r} is not a number or a range from-to"
            start = int(match.group(1))
            end = int(match.group(2)) if match.group(2) is not None else start
            if proto in ("tcp", "udp") and not (0 <= start <= end <= 65535):
                return None, f"{where}: port {port!r} is not a range within 0-65535"
            ranges.append((start, end))
        return ranges, None
    if rule.get("from_port") is not None and rule.get("to_port") is not None:
        return [(rule["from_port"], rule["to_port"])], None
    return None, f"{where}: proto {proto} needs ports (or from_port and to_port)"


def expand_rules(rules, where, group_ids):
    """The parts of the listed rules: {(proto, from, to, kind, peer): description or None}, and the errors found.

    group_ids maps a group name to its id (a placeholder for a group not created yet).
    """
    parts, errors = {}, []
    for index, rule in enumerate(rules):
        here = f"{where}[{index}]"
        ranges, error = _port_ranges(rule, here)
        if error:
            errors.append(error)
            continue
        proto = "-1" if rule["proto"] in ("all", "-1") else rule["proto"]
        peers = [("cidr_ip", cidr) for cidr in _as_list(rule.get("cidr_ip"))]
        peers += [("cidr_ipv6", cidr) for cidr in _as_list(rule.get("cidr_ipv6"))]
        if rule.get("group_id"):
            peers.append(("group_id", rule["group_id"]))
        if rule.get("group_name"):
            if rule["group_name"] not in group_ids:
                errors.append(f"{here}: group_name {rule['group_name']!r} is neither in groups nor a group of the VPC")
                continue
            peers.append(("group_id", group_ids[rule["group_name"]]))
        if not peers:
            errors.append(f"{here}: names no peer (cidr_ip, cidr_ipv6, group_name or group_id)")
            continue
        for start, end in ranges:
            for kind, peer in peers:
                parts[(proto, start, end, kind, peer)] = rule.get("rule_desc")
    return parts, errors


def described_parts(permissions):
    """The parts of EC2's IpPermissions: {(proto, from, to, kind, peer): description}."""
    parts = {}
    for permission in permissions:
        proto = str(permission.get("IpProtocol", "-1"))
        start, end = (None, None) if proto == "-1" else (permission.get("FromPort"), permission.get("ToPort"))
        for kind, list_key, peer_key in PEER_KINDS:
            for peer in permission.get(list_key, []):
                parts[(proto, start, end, kind, peer[peer_key])] = peer.get("Description", "")
    return parts


def to_permissions(parts, with_descriptions=True):
    """IpPermissions for these parts, one per protocol and port range."""
    grouped = {}
    for (proto, start, end, kind, peer), description in sorted(parts.items(), key=lambda item: tuple(str(x) for x in item[0])):
        permission = grouped.setdefault((proto, start, end), {"IpProtocol": proto})
        if start is not None:
            permission["FromPort"], permission["ToPort"] = start, end
        list_key, peer_key = next((lk, pk) for k, lk, pk in PEER_KINDS if k == kind)
        entry = {peer_key: peer}
        if with_descriptions and description:
            entry["Description"] = description
        permission.setdefault(list_key, []).append(entry)
    return list(grouped.values())


def rule_changes(wanted, current, purge):
    """(to authorize, to revoke, descriptions to update) between the wanted and the current parts."""
    authorize = {key: desc for key, desc in wanted.items() if key not in current}
    revoke = {key: desc for key, desc in current.items() if key not in wanted} if purge else {}
    describe = {key: desc for key, desc in wanted.items() if key in current and desc is not None and desc != current[key]}
    return authorize, revoke, describe


# EC2 gives a new VPC security group one outbound rule: all traffic to anywhere.
DEFAULT_EGRESS = [{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]


def plan(params, current, vpc_id):
    """Each group's changes, the errors found (nothing is changed unless there is none) and the warnings.

    A group that does not exist yet is named in the rules by a placeholder id, and starts with EC2's outbound rule.
    """
    group_ids = {name: group["GroupId"] for name, group in current.items()}
    group_ids.update({spec["name"]: f"(new:{spec['name']})" for spec in params["groups"] if spec["name"] not in current})
    steps, errors, warnings, seen = [], [], [], set()
    for index, spec in enumerate(params["groups"]):
        if spec["name"] in seen:
            errors.append(f"groups lists {spec['name']!r} twice")
        seen.add(spec["name"])
        existing = current.get(spec["name"])
        if existing and existing.get("Description", "") != spec["description"]:
            warnings.append(
                f"security group {spec['name']}: its description is {existing.get('Description', '')!r}, not {spec['description']!r};"
                " EC2 cannot change a group's description (delete the group and run again to replace it)"
            )
        step = {"spec": spec, "existing": existing, "create": existing is None, "set_tags": {}, "unset_tags": [], "rules": {}}
        if existing:
            step["set_tags"], step["unset_tags"] = ec2_tag_changes(existing.get("Tags"), spec.get("tags"), params["purge_tags"])
        for direction, option, purge in (("ingress", "rules", "purge_rules"), ("egress", "rules_egress", "purge_rules_egress")):
            if spec.get(option) is None:
                step[direction] = ({}, {}, {})
                continue
            wanted, rule_errors = expand_rules(spec[option], f"groups[{index}] ({spec['name']}) {option}", group_ids)
            errors.extend(rule_errors)
            if existing:
                described = existing.get("IpPermissions" if direction == "ingress" else "IpPermissionsEgress", [])
            else:
                described = [] if direction == "ingress" else DEFAULT_EGRESS
            current_parts = described_parts(described)
            step[direction] = rule_changes(wanted, current_parts, params[purge])
            authorize, revoke, describe = step[direction]
            after = {key: desc for key, desc in current_parts.items() if key not in revoke}
            after.update(authorize)
            after.update(describe)
            step["rules"][option] = (current_parts, after)
        steps.append(step)
    return steps, errors, warnings


def rule_texts(parts):
    """A group's rules as short texts, sorted: protocol, ports, peer, description."""
    texts = []
    for (proto, start, end, _kind, peer), desc in parts.items():
        ports = "" if start is None else f" {start}" if start == end else f" {start}-{end}"
        texts.append(f"{'all' if proto == '-1' else proto}{ports} {peer}" + (f" ({desc})" if desc else ""))
    return sorted(texts)


def change_of(step):
    """What changes (or would) for one group: name, action and a diff of its description, tags and rules."""
    spec, existing = step["spec"], step["existing"]
    tags = boto3_tag_list_to_ansible_dict(existing.get("Tags", [])) if existing else {}
    before = {} if existing is None else {"description": existing.get("Description", ""), "tags": tags}
    after = {
        "description": existing.get("Description", "") if existing else spec["description"],
        "tags": spec["tags"] if spec.get("tags") is not None else tags,
    }
    for option, (current, wanted) in step["rules"].items():
        if existing is not None:
            before[option] = rule_texts(current)
        after[option] = rule_texts(wanted)
    return {"name": spec["name"], "action": "created" if step["create"] else "updated", "diff": {"before": before, "after": after}}


def is_change(step):
    return step["create"] or bool(step["set_tags"] or step["unset_tags"]) or any(any(step[d]) for d in ("ingress", "egress"))


def create_groups(client, module, vpc_id, steps):
    """CreateSecurityGroup for each missing group."""
    for step in steps:
        if not step["create"]:
            continue
        spec = step["spec"]
        request = {"GroupName": spec["name"], "Description": spec["description"], "VpcId": vpc_id}
        if spec.get("tags"):
            request["TagSpecifications"] = boto3_tag_specifications(spec["tags"], types="security-group")
        try:
            group_id = client.create_security_group(aws_retry=True, **request)["GroupId"]
            client.get_waiter("security_group_exists").wait(GroupIds=[group_id])
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError, botocore.exceptions.WaiterError) as e:
            module.fail_json_aws(e, msg=f"Couldn't create security group {spec['name']} in {vpc_id}")


def apply_rules(client, module, step):
    """Tags, then for each direction: authorize, update descriptions, revoke."""
    spec = step["spec"]
    group_id = step["existing"]["GroupId"]
    calls = {
        "ingress": (
            client.authorize_security_group_ingress,
            client.update_security_group_rule_descriptions_ingress,
            client.revoke_security_group_ingress,
        ),
        "egress": (
            client.authorize_security_group_egress,
            client.update_security_group_rule_descriptions_egress,
            client.revoke_security_group_egress,
        ),
    }
    try:
        write_ec2_tags(client, group_id, step["set_tags"], step["unset_tags"])
        for direction, (authorize, describe, revoke) in calls.items():
            to_authorize, to_revoke, to_describe = step[direction]
            if to_authorize:
                authorize(aws_retry=True, GroupId=group_id, IpPermissions=to_permissions(to_authorize))
            if to_describe:
                describe(aws_retry=True, GroupId=group_id, IpPermissions=to_permissions(to_describe))
            if to_revoke:
                revoke(aws_retry=True, GroupId=group_id, IpPermissions=to_permissions(to_revoke, with_descriptions=False))
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(e, msg=f"Couldn't update the rules or tags of security group {spec['name']} ({group_id})")


def format_group(group):
    result = camel_dict_to_snake_dict(group, ignore_list=["Tags"])
    result["tags"] = boto3_tag_list_to_ansible_dict(group.get("Tags", []))
    return result


def predicted(step, vpc_id):
    """A group as it will be once its changes are made (check mode): its rules are not predicted."""
    spec = step["spec"]
    group = dict(step["existing"] or {"GroupId": "", "GroupName": spec["name"], "Description": spec["description"], "VpcId": vpc_id})
    if spec.get("tags") is not None:
        group["Tags"] = ansible_dict_to_boto3_tag_list(spec["tags"])
    return group


def ensure_groups(client, module, params):
    vpc_id = params["vpc_id"]
    names = [spec["name"] for spec in params["groups"]]
    for spec in params["groups"]:
        names.extend(rule["group_name"] for option in ("rules", "rules_egress") for rule in spec.get(option) or [] if rule.get("group_name"))
    current = describe_groups(client, module, vpc_id, names)
    steps, errors, warnings = plan(params, current, vpc_id)
    if errors:
        module.fail_json(msg="; ".join(errors))
    for warning in warnings:
        module.warn(warning)

    changed = [change_of(step) for step in steps if is_change(step)]
    diff = {"before": {c["name"]: c["diff"]["before"] for c in changed}, "after": {c["name"]: c["diff"]["after"] for c in changed}}
    if module.check_mode or not changed:
        groups = [format_group(predicted(step, vpc_id) if is_change(step) else step["existing"]) for step in steps]
        module.exit_json(changed=bool(changed), security_groups=groups, changed_groups=changed, diff=diff)

    if any(step["create"] for step in steps):
        # The rules are planned again against the new groups as EC2 describes them (their ids, EC2's outbound rule).
        create_groups(client, module, vpc_id, steps)
        current = describe_groups(client, module, vpc_id, names)
        steps, errors, _warnings = plan(params, current, vpc_id)
        if errors:
            module.fail_json(msg="; ".join(errors))
    for step in steps:
        if is_change(step):
            apply_rules(client, module, step)
    after = describe_groups(client, module, vpc_id, names)
    groups = [format_group(after[spec["name"]]) for spec in params["groups"]]
    module.exit_json(changed=True, security_groups=groups, changed_groups=changed, diff=diff)


RULE_OPTIONS = dict(
    proto=dict(type="str", default="tcp", choices=["tcp", "udp", "icmp", "icmpv6", "all", "-1"]),
    ports=dict(type="list", elements="raw"),
    from_port=dict(type="int"),
    to_port=dict(type="int"),
    cidr_ip=dict(type="raw"),
    cidr_ipv6=dict(type="raw"),
    group_name=dict(type="str"),
    group_id=dict(type="str"),
    rule_desc=dict(type="str"),
)


def main():
    argument_spec = dict(
        vpc_id=dict(type="str", required=True),
        groups=dict(
            type="list",
            elements="dict",
            required=True,
            options=dict(
                name=dict(type="str", required=True),
                description=dict(type="str", required=True),
                tags=dict(type="dict"),
                rules=dict(type="list", elements="dict", options=RULE_OPTIONS),
                rules_egress=dict(type="list", elements="dict", options=RULE_OPTIONS),
            ),
        ),
        purge_tags=dict(type="bool", default=True),
        purge_rules=dict(type="bool", default=True),
        purge_rules_egress=dict(type="bool", default=True),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    client = module.client("ec2", retry_decorator=AWSRetry.jittered_backoff())
    ensure_groups(client, module, module.params)


if __name__ == "__main__":
    main()
