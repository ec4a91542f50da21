#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the tracetrack.aws collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: ec2_vpc_flow_log
short_description: Manage VPC flow logs
version_added: 0.1.0
description:
  - Create, update the tags of, or delete a VPC flow log (EC2 C(CreateFlowLogs), C(DeleteFlowLogs)).
  - A flow log is identified by the resource it watches, the traffic type and its destination.
    AWS cannot modify a flow log in place, so a change of O(log_format) or O(max_aggregation_interval)
    replaces it (delete then create).
options:
  state:
    description: Whether the flow log should exist.
    type: str
    choices: [present, absent]
    default: present
  resource_id:
    description: The id of the VPC, subnet or network interface to watch.
    type: str
    required: true
  resource_type:
    description: The kind of resource O(resource_id) names.
    type: str
    choices: [VPC, Subnet, NetworkInterface]
    default: VPC
  traffic_type:
    description: Which traffic to log.
    type: str
    choices: [ACCEPT, REJECT, ALL]
    default: ALL
  log_destination_type:
    description: Where the records go.
    type: str
    choices: [cloud-watch-logs, s3]
    default: cloud-watch-logs
  log_group_name:
    description:
      - The CloudWatch Logs log group that receives the records.
      - Required when O(log_destination_type=cloud-watch-logs) and O(state=present).
    type: str
  log_destination:
    description:
      - The ARN of the S3 bucket (or bucket folder) that receives the records.
      - Required when O(log_destination_type=s3) and O(state=present).
    type: str
  deliver_logs_permission_arn:
    description:
      - The ARN of the IAM role that lets the flow logs service publish to CloudWatch Logs.
      - Required when O(log_destination_type=cloud-watch-logs) and O(state=present).
    type: str
  max_aggregation_interval:
    description: The longest interval, in seconds, over which a record is captured.
    type: int
    choices: [60, 600]
    default: 600
  log_format:
    description:
      - The fields and order of each record, for example V(${version} ${srcaddr} ${dstaddr}).
      - When not set, the AWS default format is used and an existing flow log's format is left alone.
    type: str
author:
  - TraceTrack platform team (@tracetrack)
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Send all of a VPC's traffic records to CloudWatch Logs
  tracetrack.aws.ec2_vpc_flow_log:
    resource_id: "{{ network_vpc_id }}"
    traffic_type: ALL
    log_group_name: /vpc/tracetrack-production/flow-logs
    deliver_logs_permission_arn: "{{ flow_logs_role.iam_role.arn }}"
    max_aggregation_interval: 60
    tags:
      Project: tracetrack
      Environment: production

- name: Remove that flow log
  tracetrack.aws.ec2_vpc_flow_log:
    state: absent
    resource_id: "{{ network_vpc_id }}"
    log_group_name: /vpc/tracetrack-production/flow-logs
"""

RETURN = r"""
flow_log:
  description: The flow log, as EC2 C(DescribeFlowLogs) describes it. Empty when O(state=absent).
  returned: always
  type: dict
  contains:
    flow_log_id:
      description: The flow log's id.
      type: str
      sample: fl-0123456789abcdef0
    resource_id:
      description: The watched resource.
      type: str
      sample: vpc-0123456789abcdef0
    traffic_type:
      description: The traffic type.
      type: str
      sample: ALL
    log_destination_type:
      description: Where the records go.
      type: str
      sample: cloud-watch-logs
    log_group_name:
      description: The receiving log group.
      type: str
      sample: /vpc/tracetrack-production/flow-logs
    deliver_logs_permission_arn:
      description: The publishing role.
      type: str
    max_aggregation_interval:
      description: The aggregation interval in seconds.
      type: int
      sample: 600
    flow_log_status:
      description: The flow log's status.
      type: str
      sample: ACTIVE
    tags:
      description: The flow log's tags.
      type: dict
      sample: {"Project": "tracetrack"}
"""

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

from ansible_collections.amazon.aws.plugins.module_utils.ec2 import ensure_ec2_tags
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_specifications


def describe_flow_logs(client, module, resource_id):
    try:
        paginator = client.get_paginator("describe_flow_logs")
        return paginator.paginate(Filters=[{"Name": "resource-id", "Values": [resource_id]}]).build_full_result().get("FlowLogs", [])
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(e, msg=f"Couldn't describe the flow logs of {resource_id}")


def matches_destination(flow_log, params):
    """A flow log is the same one when it logs the same traffic to the same place."""
    if flow_log.get("TrafficType") != params["traffic_type"]:
        return False
    if flow_log.get("LogDestinationType", "cloud-watch-logs") != params["log_destination_type"]:
        return False
    if params["log_destination_type"] == "cloud-watch-logs":
        return params["log_group_name"] is None or flow_log.get("LogGroupName") == params["log_group_name"]
    return params["log_destination"] is None or flow_log.get("LogDestination") == params["log_destination"]


def needs_replacement(flow_log, params):
    """Attributes AWS cannot modify in place: a difference means delete and create."""
    if flow_log.get("MaxAggregationInterval", 600) != params["max_aggregation_interval"]:
        return True
    if params["log_format"] is not None and flow_log.get("LogFormat") != params["log_format"]:
        return True
    if (
        params["log_destination_type"] == "cloud-watch-logs"
        and params["deliver_logs_permission_arn"] is not None
        and flow_log.get("DeliverLogsPermissionArn") != params["deliver_logs_permission_arn"]
    ):
        return True
    return False


def create_flow_log(client, module, params):
    request = {
        "ResourceIds": [params["resource_id"]],
        "ResourceType": params["resource_type"],
        "TrafficType": params["traffic_type"],
        "LogDestinationType": params["log_destination_type"],
        "MaxAggregationInterval": params["max_aggregation_interval"],
    }
    if params["log_destination_type"] == "cloud-watch-logs":
        request["LogGroupName"] = params["log_group_name"]
        request["DeliverLogsPermissionArn"] = params["deliver_logs_permission_arn"]
    else:
        request["LogDestination"] = params["log_destination"]
    if params["log_format"] is not None:
        request["LogFormat"] = params["log_format"]
    if params["tags"]:
        request["TagSpecifications"] = boto3_tag_specifications(params["tags"], types="vpc-flow-log")
    try:
        response = client.create_flow_logs(aws_retry=True, **request)
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(e, msg=f"Couldn't create a flow log for {params['resource_id']}")
    if response.get("Unsuccessful"):
        error = response["Unsuccessful"][0].get("Error", {})
        module.fail_json(
            msg=f"Couldn't create a flow log for {params['resource_id']}: {error.get('Message', 'unknown error')}",
            error=camel_dict_to_snake_dict(error),
        )
    return response["FlowLogIds"][0]


def delete_flow_log(client, module, flow_log_id):
    try:
        client.delete_flow_logs(aws_retry=True, FlowLogIds=[flow_log_id])
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(e, msg=f"Couldn't delete flow log {flow_log_id}")


def format_flow_log(flow_log):
    if not flow_log:
        return {}
    result = camel_dict_to_snake_dict(flow_log, ignore_list=["Tags"])
    result["tags"] = boto3_tag_list_to_ansible_dict(flow_log.get("Tags", []))
    return result


def ensure_present(client, module, params):
    existing = [f for f in describe_flow_logs(client, module, params["resource_id"]) if matches_destination(f, params)]
    current = existing[0] if existing else None

    if current is not None and needs_replacement(current, params):
        if module.check_mode:
            module.exit_json(changed=True, flow_log=format_flow_log(current))
        delete_flow_log(client, module, current["FlowLogId"])
        current = None

    if current is None:
        if module.check_mode:
            module.exit_json(changed=True, flow_log={})
        flow_log_id = create_flow_log(client, module, params)
        created = [f for f in describe_flow_logs(client, module, params["resource_id"]) if f["FlowLogId"] == flow_log_id]
        module.exit_json(changed=True, flow_log=format_flow_log(created[0] if created else {"FlowLogId": flow_log_id}))

    changed = False
    if not module.check_mode:
        changed = ensure_ec2_tags(
            client,
            module,
            current["FlowLogId"],
            resource_type="vpc-flow-log",
            tags=params["tags"],
            purge_tags=params["purge_tags"],
        )
    else:
        current_tags = boto3_tag_list_to_ansible_dict(current.get("Tags", []))
        if params["tags"] is not None:
            wanted = dict(params["tags"])
            changed = (current_tags != wanted) if params["purge_tags"] else any(current_tags.get(k) != v for k, v in wanted.items())
    if changed and not module.check_mode:
        current = [f for f in describe_flow_logs(client, module, params["resource_id"]) if f["FlowLogId"] == current["FlowLogId"]][0]
    module.exit_json(changed=changed, flow_log=format_flow_log(current))


def ensure_absent(client, module, params):
    existing = [f for f in describe_flow_logs(client, module, params["resource_id"]) if matches_destination(f, params)]
    if not existing:
        module.exit_json(changed=False, flow_log={})
    if not module.check_mode:
        for flow_log in existing:
            delete_flow_log(client, module, flow_log["FlowLogId"])
    module.exit_json(changed=True, flow_log={})


def main():
    argument_spec = dict(
        state=dict(type="str", choices=["present", "absent"], default="present"),
        resource_id=dict(type="str", required=True),
        resource_type=dict(type="str", choices=["VPC", "Subnet", "NetworkInterface"], default="VPC"),
        traffic_type=dict(type="str", choices=["ACCEPT", "REJECT", "ALL"], default="ALL"),
        log_destination_type=dict(type="str", choices=["cloud-watch-logs", "s3"], default="cloud-watch-logs"),
        log_group_name=dict(type="str"),
        log_destination=dict(type="str"),
        deliver_logs_permission_arn=dict(type="str"),
        max_aggregation_interval=dict(type="int", choices=[60, 600], default=600),
        log_format=dict(type="str"),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
    )
    module = AnsibleAWSModule(
        argument_spec=argument_spec,
        supports_check_mode=True,
        required_if=[
            ("log_destination_type", "s3", ["log_destination"]),
        ],
    )
    params = module.params
    if (
        params["state"] == "present"
        and params["log_destination_type"] == "cloud-watch-logs"
        and not (params["log_group_name"] and params["deliver_logs_permission_arn"])
    ):
        module.fail_json(msg="log_group_name and deliver_logs_permission_arn are required to send flow logs to CloudWatch Logs")

    client = module.client("ec2", retry_decorator=AWSRetry.jittered_backoff())
    if params["state"] == "present":
        ensure_present(client, module, params)
    else:
        ensure_absent(client, module, params)


if __name__ == "__main__":
    main()
