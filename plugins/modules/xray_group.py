#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the tracetrack.aws collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: xray_group
short_description: Manage X-Ray groups
version_added: 0.1.0
description:
  - Create, update or delete an AWS X-Ray group, a named filter expression over traces
    (X-Ray C(CreateGroup), C(GetGroups), C(UpdateGroup), C(DeleteGroup), C(TagResource), C(UntagResource)).
  - Only the options that are set are compared and changed; the others are left as they are.
  - The group named V(Default) is reserved by X-Ray; it always exists and cannot be deleted.
options:
  state:
    description: Whether the group should exist.
    type: str
    choices: [present, absent]
    default: present
  name:
    description: The group's name, 1 to 32 characters.
    type: str
    required: true
    aliases: [group_name]
  filter_expression:
    description:
      - The filter expression that selects the group's traces, for example V(service("tracetrack-web"\) AND fault).
      - When not set, a new group has none and an existing group's expression is left alone.
    type: str
  insights_enabled:
    description:
      - Whether X-Ray Insights analyses the group's traces.
      - When not set, a new group has Insights off and an existing group's setting is left alone.
    type: bool
  notifications_enabled:
    description:
      - Whether X-Ray Insights sends notifications through Amazon EventBridge. Needs Insights on.
      - When not set, a new group has notifications off and an existing group's setting is left alone, except that
        turning Insights off turns notifications off too.
    type: bool
author:
  - TraceTrack platform team (@tracetrack)
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Group of the web service's failed requests, with Insights
  tracetrack.aws.xray_group:
    name: tracetrack-production-faults
    filter_expression: service("tracetrack-production-web") AND (fault OR error)
    insights_enabled: true
    tags:
      Project: tracetrack
      Environment: production

- name: Remove the group
  tracetrack.aws.xray_group:
    name: tracetrack-production-faults
    state: absent
"""

RETURN = r"""
group:
  description: The group, as X-Ray describes it. Empty when O(state=absent).
  returned: always
  type: dict
  contains:
    group_name:
      description: The group's name.
      type: str
      sample: tracetrack-production-faults
    group_arn:
      description: The group's ARN. Missing in check mode for a group that does not exist yet.
      type: str
      sample: arn:aws:xray:ap-south-1:123456789012:group/tracetrack-production-faults/ABCDEFGHIJKLMNOPQRSTUVWXYZ234567
    filter_expression:
      description: The group's filter expression. Missing when the group has none.
      type: str
      sample: service("tracetrack-production-web") AND (fault OR error)
    insights_configuration:
      description: The group's Insights settings.
      type: dict
      contains:
        insights_enabled:
          description: Whether Insights is on.
          type: bool
        notifications_enabled:
          description: Whether Insights notifications are on.
          type: bool
    tags:
      description: The group's tags.
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

DEFAULT_GROUP = "Default"


@AWSRetry.jittered_backoff()
def _list_groups(client):
    return client.get_paginator("get_groups").paginate().build_full_result().get("Groups", [])


def find_group(client, module, name):
    try:
        groups = _list_groups(client)
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(e, msg="Couldn't list the X-Ray groups")
    for group in groups:
        if group.get("GroupName") == name:
            return group
    return None


def wanted_insights(current, params):
    """The InsightsConfiguration to ask for, or None when the options that are set already hold."""
    current = dict(current or {})
    current.setdefault("InsightsEnabled", False)
    current.setdefault("NotificationsEnabled", False)
    wanted = dict(current)
    if params.get("insights_enabled") is not None:
        wanted["InsightsEnabled"] = params["insights_enabled"]
        if not params["insights_enabled"] and params.get("notifications_enabled") is None:
            wanted["NotificationsEnabled"] = False
    if params.get("notifications_enabled") is not None:
        wanted["NotificationsEnabled"] = params["notifications_enabled"]
    return None if wanted == current else wanted


def group_update(current, params):
    """The UpdateGroup request that brings the group to the options that are set; empty when nothing differs."""
    changes = {}
    if params.get("filter_expression") is not None and current.get("FilterExpression") != params["filter_expression"]:
        changes["FilterExpression"] = params["filter_expression"]
    insights = wanted_insights(current.get("InsightsConfiguration"), params)
    if insights is not None:
        changes["InsightsConfiguration"] = insights
    return changes


def create_request(params):
    request = {"GroupName": params["name"]}
    if params.get("filter_expression") is not None:
        request["FilterExpression"] = params["filter_expression"]
    insights = wanted_insights(None, params)
    if insights is not None:
        request["InsightsConfiguration"] = insights
    if params.get("tags"):
        request["Tags"] = ansible_dict_to_boto3_tag_list(params["tags"])
    return request


def format_group(group, tags):
    if not group:
        return {}
    result = camel_dict_to_snake_dict(group, ignore_list=["Tags"])
    result["tags"] = tags or {}
    return result


def ensure_present(client, module, params):
    current = find_group(client, module, params["name"])

    if current is None:
        request = create_request(params)
        if module.check_mode:
            planned = {k: v for k, v in request.items() if k != "Tags"}
            planned.setdefault("InsightsConfiguration", {"InsightsEnabled": False, "NotificationsEnabled": False})
            module.exit_json(changed=True, group=format_group(planned, params.get("tags")))
        try:
            group = client.create_group(aws_retry=True, **request)["Group"]
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
            module.fail_json_aws(e, msg=f"Couldn't create X-Ray group {params['name']}")
        module.exit_json(changed=True, group=format_group(group, get_tags(client, module, group["GroupARN"])))

    current_tags = get_tags(client, module, current["GroupARN"])
    changes = group_update(current, params)
    group = current
    if changes and not module.check_mode:
        try:
            group = client.update_group(aws_retry=True, GroupARN=current["GroupARN"], **changes)["Group"]
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
            module.fail_json_aws(e, msg=f"Couldn't update X-Ray group {params['name']}")
    elif changes:
        group = {**current, **changes}
    tags_changed, tags = update_and_read_tags(client, module, current["GroupARN"], current_tags, params, f"X-Ray group {params['name']}", get_tags)
    module.exit_json(changed=bool(changes) or tags_changed, group=format_group(group, tags))


def ensure_absent(client, module, params):
    if params["name"] == DEFAULT_GROUP:
        module.fail_json(msg="The X-Ray group Default is reserved and cannot be deleted")
    current = find_group(client, module, params["name"])
    if current is None:
        module.exit_json(changed=False, group={})
    if not module.check_mode:
        try:
            client.delete_group(aws_retry=True, GroupARN=current["GroupARN"])
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
            module.fail_json_aws(e, msg=f"Couldn't delete X-Ray group {params['name']}")
    module.exit_json(changed=True, group={})


def main():
    argument_spec = dict(
        state=dict(type="str", choices=["present", "absent"], default="present"),
        name=dict(type="str", required=True, aliases=["group_name"]),
        filter_expression=dict(type="str"),
        insights_enabled=dict(type="bool"),
        notifications_enabled=dict(type="bool"),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    params = module.params
    if len(params["name"]) > 32:
        module.fail_json(msg="name must be 1 to 32 characters")
    if params["notifications_enabled"] and params["insights_enabled"] is False:
        module.fail_json(msg="notifications_enabled needs insights_enabled")

    client = module.client("xray", retry_decorator=AWSRetry.jittered_backoff())
    if params["state"] == "present":
        ensure_present(client, module, params)
    else:
        ensure_absent(client, module, params)


if __name__ == "__main__":
    main()
