#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the tracetrack.aws collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: cloudwatchlogs_log_events_info
short_description: Read the messages of one CloudWatch Logs log stream
version_added: 0.4.0
description:
  - Returns the messages of a log stream, oldest first (CloudWatch Logs C(GetLogEvents), every page). A one-off ECS
    task with the C(awslogs) log driver writes its output to the stream C(<awslogs-stream-prefix>/<container>/<task id>)
    of its log group; this reads what such a task printed.
  - A stream or group that does not exist is reported with RV(exists=false) rather than as a failure (a task that
    failed to start wrote nothing).
  - Read only; amazon.aws and community.aws have no module that reads log events.
options:
  log_group_name:
    description: The log group.
    type: str
    required: true
  log_stream_name:
    description: The log stream.
    type: str
    required: true
  limit:
    description: Return at most this many messages, the newest ones.
    type: int
    default: 1000
author:
  - TraceTrack platform team (@tracetrack)
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: What the one-off task printed
  tracetrack.aws.cloudwatchlogs_log_events_info:
    log_group_name: /ecs/tracetrack-production/web
    log_stream_name: web/web/0123456789abcdef0123456789abcdef
  register: task_output

- name: Show it
  ansible.builtin.debug:
    msg: "{{ task_output.messages }}"
"""

RETURN = r"""
exists:
  description: Whether the log stream exists.
  returned: always
  type: bool
  sample: true
messages:
  description: The stream's messages, oldest first.
  returned: always
  type: list
  elements: str
  sample: ['{"at_head":true,"database":"...","head":"0007","revision":"0007","tables":{"bags":25000}}']
"""

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry


def read_messages(client, module, group, stream, limit):
    """Every message of the stream, oldest first (GetLogEvents pages forward until the token repeats); None if missing."""
    messages, token = [], None
    while True:
        arguments = dict(logGroupName=group, logStreamName=stream, startFromHead=True)
        if token:
            arguments["nextToken"] = token
        try:
            page = client.get_log_events(aws_retry=True, **arguments)
        except is_boto3_error_code("ResourceNotFoundException"):
            return None
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:  # pylint: disable=duplicate-except
            module.fail_json_aws(e, msg=f"Couldn't read log stream {stream} of {group}")
        messages.extend(event["message"] for event in page.get("events", []))
        if not page.get("events") or page.get("nextForwardToken") in (None, token):
            return messages[-limit:] if limit > 0 else messages
        token = page["nextForwardToken"]


def main():
    argument_spec = dict(
        log_group_name=dict(type="str", required=True),
        log_stream_name=dict(type="str", required=True),
        limit=dict(type="int", default=1000),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    client = module.client("logs", retry_decorator=AWSRetry.jittered_backoff())
    params = module.params
    messages = read_messages(client, module, params["log_group_name"], params["log_stream_name"], params["limit"])
    module.exit_json(changed=False, exists=messages is not None, messages=messages or [])


if __name__ == "__main__":
    main()
