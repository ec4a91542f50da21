#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the tracetrack.aws collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: elb_listener
short_description: Manage one listener of an Application Load Balancer with exactly the rules given
version_added: 0.1.0
description:
  - Create, update or delete the listener of an Application Load Balancer on one port, with its default actions,
    TLS settings and listener rules (Elastic Load Balancing v2 C(DescribeListeners), C(CreateListener),
    C(ModifyListener), C(DeleteListener), C(DescribeRules), C(CreateRule), C(ModifyRule), C(DeleteRule),
    C(DescribeTargetGroups)).
  - Rules are matched by priority and compared whole, conditions and actions alike; unlike
    M(amazon.aws.elb_application_lb), a condition removed from a rule is removed from the listener's rule too.
  - Actions and conditions are written as the ELBv2 API spells them; a C(forward) action may name its target group
    with C(TargetGroupName) instead of C(TargetGroupArn), and so may each entry of its C(ForwardConfig.TargetGroups).
    Values AWS fills in (a redirect's C(#{host}) placeholders, the C(ForwardConfig) of a single target group, the
    C(Order) of actions) do not count as differences.
options:
  state:
    description: Whether the listener should exist.
    type: str
    choices: [present, absent]
    default: present
  load_balancer_arn:
    description: The load balancer's ARN.
    type: str
    required: true
  port:
    description: The port the listener listens on.
    type: int
    required: true
  protocol:
    description: The listener's protocol.
    type: str
    choices: [HTTP, HTTPS]
    default: HTTP
  ssl_policy:
    description: The TLS policy of an HTTPS listener, for example V(ELBSecurityPolicy-TLS13-1-2-2021-06).
    type: str
  certificate_arn:
    description: The default certificate of an HTTPS listener (required for one).
    type: str
  default_actions:
    description: The actions for requests no rule matches. Required with O(state=present).
    type: list
    elements: dict
  rules:
    description: The listener's rules.
    type: list
    elements: dict
    default: []
    suboptions:
      priority:
        description: The rule's priority, 1-50000; lower is evaluated first.
        type: int
        required: true
      conditions:
        description: The rule's conditions (C(path-pattern), C(host-header), C(http-header), ...).
        type: list
        elements: dict
        required: true
      actions:
        description: The rule's actions.
        type: list
        elements: dict
        required: true
      keep_weights:
        description:
          - The weights of the rule's C(forward) action between its target groups belong to someone else - ECS moves
            them during a blue/green, linear or canary deployment (the service's C(productionListenerRule) and
            C(testListenerRule)). The target groups are compared, their weights are not, and a rule that changes
            keeps the weights it has.
        type: bool
        default: false
        version_added: 0.2.0
  purge_rules:
    description: Delete the listener's rules that O(rules) does not list.
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
- name: HTTP listener - the frontend by default, the backend for /api/*
  tracetrack.aws.elb_listener:
    load_balancer_arn: "{{ alb.load_balancer_arn }}"
    port: 80
    default_actions:
      - Type: forward
        TargetGroupName: tracetrack-production-frontend
    rules:
      - priority: 10
        conditions:
          - Field: path-pattern
            PathPatternConfig:
              Values: ["/api/*"]
        actions:
          - Type: forward
            TargetGroupName: tracetrack-production-backend

- name: HTTPS listener answering 403 to requests without the CDN's header
  tracetrack.aws.elb_listener:
    load_balancer_arn: "{{ alb.load_balancer_arn }}"
    port: 443
    protocol: HTTPS
    ssl_policy: ELBSecurityPolicy-TLS13-1-2-2021-06
    certificate_arn: "{{ certificate_arn }}"
    default_actions:
      - Type: fixed-response
        FixedResponseConfig: {StatusCode: "403", ContentType: text/plain, MessageBody: Forbidden}
    rules:
      - priority: 50000
        conditions:
          - Field: path-pattern
            PathPatternConfig: {Values: ["/*"]}
          - Field: http-header
            HttpHeaderConfig: {HttpHeaderName: X-Origin-Verify, Values: ["{{ origin_secret }}"]}
        actions:
          - Type: forward
            TargetGroupName: tracetrack-production-web
"""

RETURN = r"""
listener:
  description: The listener, as C(DescribeListeners) describes it. Empty after a deletion.
  returned: always
  type: dict
  contains:
    listener_arn:
      description: The listener's ARN.
      type: str
    port:
      description: The port.
      type: int
    protocol:
      description: The protocol.
      type: str
    default_actions:
      description: The default actions.
      type: list
      elements: dict
rules:
  description: The listener's rules other than the default one, by priority (in check mode, as they would be).
  returned: always
  type: list
  elements: dict
  sample: [{"priority": "10", "conditions": [], "actions": []}]
rule_arns:
  description:
    - The ARN of each rule the listener has, by priority - what an ECS service's C(productionListenerRule) and
      C(testListenerRule) name. A rule that check mode would create is not listed.
  returned: when O(state=present)
  type: dict
  sample: {"10": "arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener-rule/app/web/50dc6c495c0c9188/f2f7dc8efc522ab2/9683b2d02a6cabee"}
  version_added: 0.2.0
"""

import copy

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

REDIRECT_DEFAULTS = {"Protocol": "#{protocol}", "Port": "#{port}", "Host": "#{host}", "Path": "/#{path}", "Query": "#{query}"}
# Condition fields and the configuration block that holds their values.
CONDITION_CONFIGS = {
    "path-pattern": "PathPatternConfig",
    "host-header": "HostHeaderConfig",
    "http-header": "HttpHeaderConfig",
    "http-request-method": "HttpRequestMethodConfig",
    "source-ip": "SourceIpConfig",
    "query-string": "QueryStringConfig",
}


class TargetGroups:
    """Target group names to ARNs, looked up once each."""

    def __init__(self, client, module):
        self.client = client
        self.module = module
        self.arns = {}

    def arn(self, name):
        if name not in self.arns:
            try:
                groups = self.client.describe_target_groups(aws_retry=True, Names=[name])["TargetGroups"]
                self.arns[name] = groups[0]["TargetGroupArn"]
            except is_boto3_error_code("TargetGroupNotFound"):
                if not self.module.check_mode:
                    self.module.fail_json(msg=f"There is no target group named {name}")
                # In check mode the target group may be one an earlier task would have created.
                self.arns[name] = f"(target group {name})"
            except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:  # pylint: disable=duplicate-except
                self.module.fail_json_aws(e, msg=f"Couldn't find target group {name}")
        return self.arns[name]


def resolve_actions(actions, target_groups):
    """The actions as the API takes them: target group names replaced by ARNs, no Order."""
    resolved = []
    for action in actions or []:
        action = {k: copy.deepcopy(v) for k, v in action.items() if v is not None and k != "Order"}
        name = action.pop("TargetGroupName", None)
        if name:
            action["TargetGroupArn"] = target_groups.arn(name)
        for group in (action.get("ForwardConfig") or {}).get("TargetGroups") or []:
            name = group.pop("TargetGroupName", None)
            if name:
                group["TargetGroupArn"] = target_groups.arn(name)
        resolved.append(action)
    return resolved


def normalize_action(action):
    action = {k: v for k, v in action.items() if v is not None and k != "Order"}
    kind = action.get("Type")
    if kind == "forward":
        forward = action.get("ForwardConfig") or {}
        groups = forward.get("TargetGroups") or []
        stickiness = (forward.get("TargetGroupStickinessConfig") or {}).get("Enabled", False)
        if action.get("TargetGroupArn"):
            return {"Type": "forward", "TargetGroupArn": action["TargetGroupArn"]}
        if len(groups) == 1 and not stickiness:
            return {"Type": "forward", "TargetGroupArn": groups[0]["TargetGroupArn"]}
        return {
            "Type": "forward",
            "TargetGroups": sorted((g["TargetGroupArn"], int(g.get("Weight", 1))) for g in groups),
            "Stickiness": forward.get("TargetGroupStickinessConfig") or {"Enabled": False},
        }
    if kind == "redirect":
        return {"Type": "redirect", "RedirectConfig": dict(REDIRECT_DEFAULTS, **(action.get("RedirectConfig") or {}))}
    if kind == "fixed-response":
        config = {k: v for k, v in (action.get("FixedResponseConfig") or {}).items() if v not in (None, "")}
        return {"Type": "fixed-response", "FixedResponseConfig": config}
    return action


def normalize_condition(condition):
    field = condition.get("Field")
    config = condition.get(CONDITION_CONFIGS.get(field, ""), None) or {}
    if field == "http-header":
        return {"Field": field, "Name": (config.get("HttpHeaderName") or "").lower(), "Values": sorted(config.get("Values") or [])}
    if field == "query-string":
        pairs = config.get("Values") or []
        return {"Field": field, "Values": sorted((p.get("Key") or "", p.get("Value") or "") for p in pairs)}
    values = config.get("Values") or condition.get("Values") or []
    return {"Field": field, "Values": sorted(values)}


def normalize_rule(conditions, actions):
    return {
        "Conditions": sorted((normalize_condition(c) for c in conditions or []), key=lambda c: (c["Field"], c.get("Name", ""))),
        "Actions": [normalize_action(a) for a in actions or []],
    }


def find_listener(client, module, load_balancer_arn, port):
    try:
        paginator = client.get_paginator("describe_listeners")
        listeners = paginator.paginate(LoadBalancerArn=load_balancer_arn).build_full_result()["Listeners"]
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(e, msg=f"Couldn't describe the listeners of {load_balancer_arn}")
    for listener in listeners:
        if listener["Port"] == port:
            return listener
    return None


def describe_rules(client, module, listener_arn):
    rules, marker = [], None
    try:
        while True:
            request = {"ListenerArn": listener_arn}
            if marker:
                request["Marker"] = marker
            response = client.describe_rules(aws_retry=True, **request)
            rules.extend(response.get("Rules", []))
            marker = response.get("NextMarker")
            if not marker:
                break
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(e, msg=f"Couldn't describe the rules of listener {listener_arn}")
    return [rule for rule in rules if not rule.get("IsDefault")]


def listener_request(params, default_actions):
    request = {"Protocol": params["protocol"], "Port": params["port"], "DefaultActions": default_actions}
    if params["protocol"] == "HTTPS":
        if params["ssl_policy"]:
            request["SslPolicy"] = params["ssl_policy"]
        if params["certificate_arn"]:
            request["Certificates"] = [{"CertificateArn": params["certificate_arn"]}]
    return request


def listener_changes(listener, params, default_actions):
    """The ModifyListener fields that differ ({} when none does)."""
    changes = {}
    if listener["Protocol"] != params["protocol"]:
        changes["Protocol"] = params["protocol"]
    if params["protocol"] == "HTTPS":
        if params["ssl_policy"] and listener.get("SslPolicy") != params["ssl_policy"]:
            changes["SslPolicy"] = params["ssl_policy"]
        current_certificates = [c["CertificateArn"] for c in listener.get("Certificates") or []]
        if params["certificate_arn"] and current_certificates[:1] != [params["certificate_arn"]]:
            changes["Certificates"] = [{"CertificateArn": params["certificate_arn"]}]
    if [normalize_action(a) for a in listener.get("DefaultActions") or []] != [normalize_action(a) for a in default_actions]:
        changes["DefaultActions"] = default_actions
    return changes


def plan_rules(current_rules, wanted_rules, purge):
    """Rules to delete (ARNs), to modify ((ARN, conditions, actions)) and to create ((priority, conditions, actions))."""
    by_priority = {int(rule["Priority"]): rule for rule in current_rules}
    wanted_priorities = {rule["priority"] for rule in wanted_rules}
    to_delete = [rule["RuleArn"] for priority, rule in sorted(by_priority.items()) if purge and priority not in wanted_priorities]
    to_modify, to_create = [], []
    for rule in sorted(wanted_rules, key=lambda r: r["priority"]):
        current = by_priority.get(rule["priority"])
        if current is None:
            to_create.append((rule["priority"], rule["conditions"], rule["actions"]))
        elif rule_differs(current, rule):
            actions = with_weights_of(rule["actions"], current["Actions"]) if rule.get("keep_weights") else rule["actions"]
            to_modify.append((current["RuleArn"], rule["conditions"], actions))
    return to_delete, to_modify, to_create


def rule_differs(current, rule):
    have, want = normalize_rule(current["Conditions"], current["Actions"]), normalize_rule(rule["conditions"], rule["actions"])
    if rule.get("keep_weights"):
        for action in have["Actions"] + want["Actions"]:
            if "TargetGroups" in action:
                action["TargetGroups"] = sorted(arn for arn, _weight in action["TargetGroups"])
    return have != want


def with_weights_of(actions, current_actions):
    """`actions` with the weights the rule's forward action has now for the same target groups."""
    weights = {
        group["TargetGroupArn"]: group.get("Weight") for action in current_actions for group in (action.get("ForwardConfig") or {}).get("TargetGroups") or []
    }
    kept = copy.deepcopy(actions)
    for action in kept:
        for group in (action.get("ForwardConfig") or {}).get("TargetGroups") or []:
            if weights.get(group.get("TargetGroupArn")) is not None:
                group["Weight"] = weights[group["TargetGroupArn"]]
    return kept


def rules_view(rules):
    return [
        dict(priority=str(rule["priority"]), **camel_dict_to_snake_dict(normalize_rule(rule["conditions"], rule["actions"])))
        for rule in sorted(rules, key=lambda r: r["priority"])
    ]


def current_rules_view(rules):
    return rules_view([{"priority": int(r["Priority"]), "conditions": r["Conditions"], "actions": r["Actions"]} for r in rules])


def apply_rules(client, module, listener_arn, to_delete, to_modify, to_create):
    try:
        for arn in to_delete:
            client.delete_rule(aws_retry=True, RuleArn=arn)
        for arn, conditions, actions in to_modify:
            client.modify_rule(aws_retry=True, RuleArn=arn, Conditions=conditions, Actions=actions)
        for priority, conditions, actions in to_create:
            client.create_rule(aws_retry=True, ListenerArn=listener_arn, Priority=priority, Conditions=conditions, Actions=actions)
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(e, msg=f"Couldn't update the rules of listener {listener_arn}")


def rule_arns(rules):
    """{priority: rule ARN} of the listener's rules (a rule check mode would create has none yet)."""
    return {str(rule["Priority"]): rule["RuleArn"] for rule in rules}


def format_listener(listener):
    return camel_dict_to_snake_dict(listener) if listener else {}


def ensure_present(client, module):
    params = module.params
    target_groups = TargetGroups(client, module)
    default_actions = resolve_actions(params["default_actions"], target_groups)
    wanted_rules = [
        {
            "priority": rule["priority"],
            "conditions": rule["conditions"],
            "actions": resolve_actions(rule["actions"], target_groups),
            "keep_weights": rule.get("keep_weights") or False,
        }
        for rule in params["rules"]
    ]

    listener = find_listener(client, module, params["load_balancer_arn"], params["port"])
    if listener is None:
        request = listener_request(params, default_actions)
        if module.check_mode:
            module.exit_json(
                changed=True,
                listener=format_listener(request),
                rules=rules_view(wanted_rules),
                rule_arns={},
                diff=dict(before={}, after=dict(listener=format_listener(request), rules=rules_view(wanted_rules))),
            )
        try:
            listener = client.create_listener(aws_retry=True, LoadBalancerArn=params["load_balancer_arn"], **request)["Listeners"][0]
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
            module.fail_json_aws(e, msg=f"Couldn't create the listener on port {params['port']}")
        apply_rules(client, module, listener["ListenerArn"], [], [], [(r["priority"], r["conditions"], r["actions"]) for r in wanted_rules])
        module.exit_json(
            changed=True,
            listener=format_listener(listener),
            rules=rules_view(wanted_rules),
            rule_arns=rule_arns(describe_rules(client, module, listener["ListenerArn"])),
            diff=dict(before={}, after=dict(listener=format_listener(request), rules=rules_view(wanted_rules))),
        )

    changes = listener_changes(listener, params, default_actions)
    current_rules = describe_rules(client, module, listener["ListenerArn"])
    to_delete, to_modify, to_create = plan_rules(current_rules, wanted_rules, params["purge_rules"])
    changed = bool(changes or to_delete or to_modify or to_create)
    before = dict(
        listener=format_listener(
            listener_request(
                {
                    **params,
                    "protocol": listener["Protocol"],
                    "ssl_policy": listener.get("SslPolicy"),
                    "certificate_arn": ((listener.get("Certificates") or [{}])[0]).get("CertificateArn"),
                },
                [normalize_action(a) for a in listener.get("DefaultActions") or []],
            )
        ),
        rules=current_rules_view(current_rules),
    )
    kept = (
        []
        if params["purge_rules"]
        else [
            {"priority": int(r["Priority"]), "conditions": r["Conditions"], "actions": r["Actions"]}
            for r in current_rules
            if int(r["Priority"]) not in {w["priority"] for w in wanted_rules}
        ]
    )
    current_actions = {int(r["Priority"]): r["Actions"] for r in current_rules}
    as_they_will_be = [
        dict(rule, actions=with_weights_of(rule["actions"], current_actions[rule["priority"]]))
        if rule["keep_weights"] and rule["priority"] in current_actions
        else rule
        for rule in wanted_rules
    ]
    after = dict(
        listener=format_listener(listener_request(params, [normalize_action(a) for a in default_actions])),
        rules=rules_view(as_they_will_be + kept),
    )
    if changed and not module.check_mode:
        if changes:
            try:
                client.modify_listener(aws_retry=True, ListenerArn=listener["ListenerArn"], **changes)
            except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
                module.fail_json_aws(e, msg=f"Couldn't modify the listener on port {params['port']}")
        apply_rules(client, module, listener["ListenerArn"], to_delete, to_modify, to_create)
        listener = find_listener(client, module, params["load_balancer_arn"], params["port"]) or listener
        if to_delete or to_create:
            current_rules = describe_rules(client, module, listener["ListenerArn"])
    module.exit_json(
        changed=changed,
        listener=format_listener(listener),
        rules=after["rules"],
        rule_arns=rule_arns(current_rules),
        diff=dict(before=before, after=after),
    )


def ensure_absent(client, module):
    params = module.params
    listener = find_listener(client, module, params["load_balancer_arn"], params["port"])
    if listener is None:
        module.exit_json(changed=False, listener={}, rules=[])
    if not module.check_mode:
        try:
            client.delete_listener(aws_retry=True, ListenerArn=listener["ListenerArn"])
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
            module.fail_json_aws(e, msg=f"Couldn't delete the listener on port {params['port']}")
    module.exit_json(changed=True, listener={}, rules=[], diff=dict(before=format_listener(listener), after={}))


def main():
    argument_spec = dict(
        state=dict(type="str", choices=["present", "absent"], default="present"),
        load_balancer_arn=dict(type="str", required=True),
        port=dict(type="int", required=True),
        protocol=dict(type="str", choices=["HTTP", "HTTPS"], default="HTTP"),
        ssl_policy=dict(type="str"),
        certificate_arn=dict(type="str"),
        default_actions=dict(type="list", elements="dict"),
        rules=dict(
            type="list",
            elements="dict",
            default=[],
            options=dict(
                priority=dict(type="int", required=True),
                conditions=dict(type="list", elements="dict", required=True),
                actions=dict(type="list", elements="dict", required=True),
                keep_weights=dict(type="bool", default=False),
            ),
        ),
        purge_rules=dict(type="bool", default=True),
    )
    module = AnsibleAWSModule(
        argument_spec=argument_spec,
        supports_check_mode=True,
        required_if=[("state", "present", ["default_actions"])],
    )
    if module.params["state"] == "present" and module.params["protocol"] == "HTTPS" and not module.params["certificate_arn"]:
        module.fail_json(msg="An HTTPS listener needs certificate_arn")
    priorities = [rule["priority"] for rule in module.params["rules"]]
    if len(set(priorities)) != len(priorities):
        module.fail_json(msg=f"Two rules have the same priority: {sorted(priorities)}")
    if any(p < 1 or p > 50000 for p in priorities):
        module.fail_json(msg="Rule priorities must be 1-50000")

    client = module.client("elbv2", retry_decorator=AWSRetry.jittered_backoff())
    if module.params["state"] == "present":
        ensure_present(client, module)
    else:
        ensure_absent(client, module)


if __name__ == "__main__":
    main()
