# -*- coding: utf-8 -*-

# Copyright: Contributors to the tracetrack.aws collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
name: service_listener_rules
short_description: The load balancer listener's rules that route each service's path patterns to its target group
version_added: 0.2.0
description:
  - Takes the service role's completed services (R(tracetrack.aws.service_specs,ansible_collections.tracetrack.aws.service_specs_filter))
    and returns the rules of the listener, in the form C(tracetrack.aws.elb_listener) takes them.
  - Each service gets a rule forwarding its path patterns to its target group, priorities 10, 20... in the services'
    order. The catch-all service (path pattern C(/*)) is the listener's default action and needs no rule, unless the
    load balancer requires the origin header (O(header_conditions)); then every rule carries that condition, the
    catch-all's rule comes last (priority 50000) and the default action refuses what has no header.
options:
  _input:
    description: The completed services.
    type: list
    elements: dict
    required: true
  catch_all:
    description: The name of the catch-all service; empty when there is none.
    type: str
    default: ""
  header_conditions:
    description: Conditions every rule carries besides its path patterns (the origin header), as the ELBv2 API spells them.
    type: list
    elements: dict
    default: []
  alternate_suffix:
    description:
      - With a deployment strategy that shifts traffic (BLUE_GREEN, CANARY, LINEAR), the suffix of each service's second
        target group. Each rule then forwards to both groups, 100 to the service's own and 0 to C(<full_name><suffix>),
        with C(keep_weights) (ECS moves the weights), and the catch-all service gets a rule too (ECS names a rule, not
        the listener's default action). Empty, one target group per service.
    type: str
    default: ""
    version_added: 0.2.0
author:
  - TraceTrack platform team (@tracetrack)
"""

EXAMPLES = r"""
- name: The listener's rules
  ansible.builtin.set_fact:
    __service_rules: "{{ __service_specs | tracetrack.aws.service_listener_rules(__service_catch_all.name | default(''), []) }}"
"""

RETURN = r"""
_value:
  description: The rules, each with C(priority), C(conditions) and C(actions).
  type: list
  elements: dict
"""

from ansible.errors import AnsibleFilterError

CATCH_ALL_PRIORITY = 50000


def rule_priority(index, is_catch_all):
    """The priority of the rule of the index-th service (from 1)."""
    return CATCH_ALL_PRIORITY if is_catch_all else 10 * index


def _forward(spec, alternate_suffix):
    if not alternate_suffix:
        return {"Type": "forward", "TargetGroupName": spec["full_name"]}
    groups = [{"TargetGroupName": spec["full_name"], "Weight": 100}, {"TargetGroupName": spec["full_name"] + alternate_suffix, "Weight": 0}]
    return {"Type": "forward", "ForwardConfig": {"TargetGroups": groups}}


def service_listener_rules(specs, catch_all="", header_conditions=None, alternate_suffix=""):
    if not isinstance(specs, list):
        raise AnsibleFilterError("service_listener_rules: the input must be the list of completed services")
    header_conditions = list(header_conditions or [])
    rules = []
    for index, spec in enumerate(specs, 1):
        is_catch_all = spec["name"] == catch_all
        if is_catch_all and not header_conditions and not alternate_suffix:
            continue  # the listener's default action forwards to it
        rule = {
            "priority": rule_priority(index, is_catch_all),
            "conditions": [{"Field": "path-pattern", "PathPatternConfig": {"Values": list(spec["path_patterns"])}}] + header_conditions,
            "actions": [_forward(spec, alternate_suffix)],
        }
        if alternate_suffix:
            rule["keep_weights"] = True
        rules.append(rule)
    return rules


class FilterModule:
    def filters(self):
        return {"service_listener_rules": service_listener_rules}
