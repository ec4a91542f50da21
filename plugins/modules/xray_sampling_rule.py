#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the tracetrack.aws collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: xray_sampling_rule
short_description: Manage X-Ray sampling rules
version_added: 0.1.0
description:
  - Create, update or delete an AWS X-Ray sampling rule, which decides how many of the matching requests are traced
    (X-Ray C(CreateSamplingRule), C(GetSamplingRules), C(UpdateSamplingRule), C(DeleteSamplingRule), C(TagResource),
    C(UntagResource)).
  - A request matches a rule when it matches every one of O(service_name), O(service_type), O(host), O(http_method),
    O(url_path), O(resource_arn) and O(attributes); X-Ray applies the matching rule with the lowest O(priority).
    Each rule traces the first O(reservoir_size) requests per second, then O(fixed_rate) of the rest.
  - Only the options that are set are compared and changed; the others are left as they are. When a rule is created,
    the match options that are not set match everything (V(*)).
  - The rule named V(Default) always exists. Only its O(fixed_rate) and O(reservoir_size) can be changed, and it
    cannot be deleted.
options:
  state:
    description: Whether the rule should exist.
    type: str
    choices: [present, absent]
    default: present
  rule_name:
    description: The rule's name, 1 to 32 characters.
    type: str
    required: true
    aliases: [name]
  priority:
    description:
      - The rule's priority, from V(1) (applied first) to V(9999).
      - Required to create a rule.
    type: int
  fixed_rate:
    description:
      - The share of matching requests to trace once the reservoir is used up, from V(0) to V(1).
      - Required to create a rule.
    type: float
  reservoir_size:
    description:
      - How many matching requests per second to trace before O(fixed_rate) applies.
      - Required to create a rule.
    type: int
  service_name:
    description: The name of the service the request comes to, as the tracing SDK names it. Wildcards V(*) and V(?).
    type: str
  service_type:
    description: The type of the service, for example V(AWS::ECS::Container). Wildcards V(*) and V(?).
    type: str
  host:
    description: The host name of the request. Wildcards V(*) and V(?).
    type: str
  http_method:
    description: The HTTP method of the request. Wildcards V(*) and V(?).
    type: str
  url_path:
    description: The URL path of the request. Wildcards V(*) and V(?).
    type: str
  resource_arn:
    description: The ARN of the AWS resource that serves the request. Wildcards V(*) and V(?).
    type: str
  version:
    description:
      - The version of the sampling rule format. Only V(1) exists.
      - Set when the rule is created (V(1) when not set); X-Ray cannot change it afterwards.
    type: int
  attributes:
    description:
      - Segment attributes the request must carry, at most 5, keys and values of 1 to 32 characters.
      - When set, the rule's attributes become exactly these; V({}) removes them all.
    type: dict
author:
  - TraceTrack platform team (@tracetrack)
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Trace 1 request a second and 5 % of the rest for the web service
  tracetrack.aws.xray_sampling_rule:
    rule_name: tracetrack-production-web
    priority: 100
    reservoir_size: 1
    fixed_rate: 0.05
    service_name: tracetrack-production-web
    service_type: "*"
    tags:
      Project: tracetrack
      Environment: production

- name: Never trace the load balancer's health checks
  tracetrack.aws.xray_sampling_rule:
    rule_name: tracetrack-health-checks
    priority: 10
    reservoir_size: 0
    fixed_rate: 0
    url_path: /health*

- name: Lower the rate of the Default rule
  tracetrack.aws.xray_sampling_rule:
    rule_name: Default
    fixed_rate: 0.01

- name: Remove a rule
  tracetrack.aws.xray_sampling_rule:
    rule_name: tracetrack-health-checks
    state: absent
"""

RETURN = r"""
sampling_rule:
  description: The rule, as X-Ray C(GetSamplingRules) describes it. Empty when O(state=absent).
  returned: always
  type: dict
  contains:
    rule_name:
      description: The rule's name.
      type: str
      sample: tracetrack-production-web
    rule_arn:
      description: The rule's ARN. Missing in check mode for a rule that does not exist yet.
      type: str
      sample: arn:aws:xray:ap-south-1:123456789012:sampling-rule/tracetrack-production-web
    priority:
      description: The rule's priority.
      type: int
      sample: 100
    fixed_rate:
      description: The share of requests traced after the reservoir.
      type: float
      sample: 0.05
    reservoir_size:
      description: Requests per second traced before the fixed rate applies.
      type: int
      sample: 1
    service_name:
      description: The service name to match.
      type: str
      sample: tracetrack-production-web
    service_type:
      description: The service type to match.
      type: str
      sample: "*"
    host:
      description: The host to match.
      type: str
      sample: "*"
    http_method:
      description: The HTTP method to match.
      type: str
      sample: "*"
    url_path:
      description: The URL path to match.
      type: str
      sample: "*"
    resource_arn:
      description: The resource ARN to match.
      type: str
      sample: "*"
    version:
      description: The version of the rule format.
      type: int
      sample: 1
    attributes:
      description: The segment attributes to match (keys as given).
      type: dict
      sample: {}
    created_at:
      description: When the rule was created.
      type: str
    modified_at:
      description: When the rule last changed.
      type: str
    tags:
      description: The rule's tags.
      type: dict
      sample: {"Project": "tracetrack"}
"""

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list

from ansible_collections.tracetrack.aws.plugins.module_utils.tags import update_and_read_tags
from ansible_collections.tracetrack.aws.plugins.module_utils.xray import get_tags

DEFAULT_RULE = "Default"

# Module option -> SamplingRule member (AWS X-Ray API reference).
RULE_MEMBERS = {
    "priority": "Priority",
    "fixed_rate": "FixedRate",
    "reservoir_size": "ReservoirSize",
    "service_name": "ServiceName",
    "service_type": "ServiceType",
    "host": "Host",
    "http_method": "HTTPMethod",
    "url_path": "URLPath",
    "resource_arn": "ResourceARN",
    "attributes": "Attributes",
}
MATCH_OPTIONS = ("service_name", "service_type", "host", "http_method", "url_path", "resource_arn")
REQUIRED_TO_CREATE = ("priority", "fixed_rate", "reservoir_size")
# The only members of the Default rule that X-Ray lets change.
DEFAULT_RULE_OPTIONS = ("fixed_rate", "reservoir_size")


@AWSRetry.jittered_backoff()
def _list_rules(client):
    paginator = client.get_paginator("get_sampling_rules")
    return paginator.paginate().build_full_result().get("SamplingRuleRecords", [])


def find_rule(client, module, name):
    try:
        records = _list_rules(client)
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(e, msg="Couldn't list the X-Ray sampling rules")
    for record in records:
        if record.get("SamplingRule", {}).get("RuleName") == name:
            return record
    return None


def same_value(option, current, wanted):
    if option == "fixed_rate":
        return current is not None and abs(float(current) - float(wanted)) < 1e-9
    if option == "attributes":
        return dict(current or {}) == dict(wanted)
    return current == wanted


def rule_update(current_rule, params):
    """The members of SamplingRuleUpdate that differ from the options that are set; empty when nothing differs."""
    changes = {}
    for option, member in RULE_MEMBERS.items():
        wanted = params.get(option)
        if wanted is None:
            continue
        if not same_value(option, current_rule.get(member), wanted):
            changes[member] = dict(wanted) if option == "attributes" else wanted
    return changes


def create_request(params):
    rule = {"RuleName": params["rule_name"], "Version": params.get("version") or 1}
    for option, member in RULE_MEMBERS.items():
        if params.get(option) is not None:
            rule[member] = dict(params[option]) if option == "attributes" else params[option]
        elif option in MATCH_OPTIONS:
            rule[member] = "*"
    request = {"SamplingRule": rule}
    if params.get("tags"):
        request["Tags"] = ansible_dict_to_boto3_tag_list(params["tags"])
    return request


def format_rule(record, tags):
    if not record:
        return {}
    result = camel_dict_to_snake_dict(record.get("SamplingRule", {}), ignore_list=["Attributes"])
    for key, option in (("CreatedAt", "created_at"), ("ModifiedAt", "modified_at")):
        if key in record:
            result[option] = record[key]
    result["tags"] = tags or {}
    return result


def ensure_present(client, module, params):
    name = params["rule_name"]
    current = find_rule(client, module, name)

    if current is None:
        missing = [option for option in REQUIRED_TO_CREATE if params.get(option) is None]
        if missing:
            module.fail_json(msg=f"{', '.join(missing)} are required to create X-Ray sampling rule {name}")
        request = create_request(params)
        if module.check_mode:
            planned = format_rule({"SamplingRule": request["SamplingRule"]}, params.get("tags"))
            module.exit_json(changed=True, sampling_rule=planned)
        try:
            record = client.create_sampling_rule(aws_retry=True, **request)["SamplingRuleRecord"]
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
            module.fail_json_aws(e, msg=f"Couldn't create X-Ray sampling rule {name}")
        tags = get_tags(client, module, record["SamplingRule"]["RuleARN"])
        module.exit_json(changed=True, sampling_rule=format_rule(record, tags))

    rule = current["SamplingRule"]
    if params.get("version") is not None and rule.get("Version") != params["version"]:
        module.fail_json(
            msg=f"X-Ray sampling rule {name} has format version {rule.get('Version')}; X-Ray cannot change it. Delete the rule to create it again."
        )
    changes = rule_update(rule, params)
    if name == DEFAULT_RULE:
        refused = sorted(o for o, m in RULE_MEMBERS.items() if m in changes and o not in DEFAULT_RULE_OPTIONS)
        if refused:
            module.fail_json(msg=f"Only fixed_rate and reservoir_size of the Default sampling rule can change, not {', '.join(refused)}")

    current_tags = get_tags(client, module, rule["RuleARN"])
    record = current
    if changes and not module.check_mode:
        try:
            record = client.update_sampling_rule(aws_retry=True, SamplingRuleUpdate={"RuleARN": rule["RuleARN"], **changes})["SamplingRuleRecord"]
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
            module.fail_json_aws(e, msg=f"Couldn't update X-Ray sampling rule {name}")
    elif changes:
        record = {**current, "SamplingRule": {**rule, **changes}}
    tags_changed, tags = update_and_read_tags(client, module, rule["RuleARN"], current_tags, params, f"X-Ray sampling rule {params['rule_name']}", get_tags)
    module.exit_json(changed=bool(changes) or tags_changed, sampling_rule=format_rule(record, tags))


def ensure_absent(client, module, params):
    name = params["rule_name"]
    if name == DEFAULT_RULE:
        module.fail_json(msg="The X-Ray sampling rule Default always exists and cannot be deleted")
    current = find_rule(client, module, name)
    if current is None:
        module.exit_json(changed=False, sampling_rule={})
    if not module.check_mode:
        try:
            client.delete_sampling_rule(aws_retry=True, RuleARN=current["SamplingRule"]["RuleARN"])
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
            module.fail_json_aws(e, msg=f"Couldn't delete X-Ray sampling rule {name}")
    module.exit_json(changed=True, sampling_rule={})


def validate(module, params):
    if not 1 <= len(params["rule_name"]) <= 32:
        module.fail_json(msg="rule_name must be 1 to 32 characters")
    if params["priority"] is not None and not 1 <= params["priority"] <= 9999:
        module.fail_json(msg="priority must be between 1 and 9999")
    if params["fixed_rate"] is not None and not 0 <= params["fixed_rate"] <= 1:
        module.fail_json(msg="fixed_rate must be between 0 and 1")
    if params["reservoir_size"] is not None and params["reservoir_size"] < 0:
        module.fail_json(msg="reservoir_size must be 0 or more")
    if params["version"] is not None and params["version"] != 1:
        module.fail_json(msg="version must be 1, the only sampling rule format X-Ray knows")
    if params["attributes"] is not None:
        if len(params["attributes"]) > 5:
            module.fail_json(msg="attributes takes at most 5 entries")
        params["attributes"] = {str(k): str(v) for k, v in params["attributes"].items()}


def main():
    argument_spec = dict(
        state=dict(type="str", choices=["present", "absent"], default="present"),
        rule_name=dict(type="str", required=True, aliases=["name"]),
        priority=dict(type="int"),
        fixed_rate=dict(type="float"),
        reservoir_size=dict(type="int"),
        service_name=dict(type="str"),
        service_type=dict(type="str"),
        host=dict(type="str"),
        http_method=dict(type="str"),
        url_path=dict(type="str"),
        resource_arn=dict(type="str"),
        version=dict(type="int"),
        attributes=dict(type="dict"),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    validate(module, module.params)

    client = module.client("xray", retry_decorator=AWSRetry.jittered_backoff())
    if module.params["state"] == "present":
        ensure_present(client, module, module.params)
    else:
        ensure_absent(client, module, module.params)


if __name__ == "__main__":
    main()
