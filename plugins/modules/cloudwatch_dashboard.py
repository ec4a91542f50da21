#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the tracetrack.aws collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: cloudwatch_dashboard
short_description: Manage CloudWatch dashboards
version_added: 0.1.0
description:
  - Create, update or delete a CloudWatch dashboard (CloudWatch C(PutDashboard), C(GetDashboard), C(DeleteDashboards)).
  - The dashboard body is compared as data, not as text. Key order, white space and the choice between a dict and a
    JSON string make no difference; the dashboard is only written when its content differs.
  - Supports C(--diff), which shows the dashboard body before and after.
options:
  state:
    description: Whether the dashboard should exist.
    type: str
    choices: [present, absent]
    default: present
  name:
    description:
      - The dashboard's name. Up to 255 characters, letters, digits, V(-) and V(_).
    type: str
    required: true
    aliases: [dashboard_name]
  body:
    description:
      - The dashboard body, with its C(widgets) list, as a dict or as a JSON string.
      - See the CloudWatch dashboard body structure in the AWS documentation.
      - Required when O(state=present).
    type: raw
author:
  - TraceTrack platform team (@tracetrack)
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Dashboard of the web service's load balancer and tasks
  tracetrack.aws.cloudwatch_dashboard:
    name: tracetrack-production
    body:
      widgets:
        - type: metric
          x: 0
          y: 0
          width: 12
          height: 6
          properties:
            title: Requests
            region: ap-south-1
            stat: Sum
            period: 60
            metrics:
              - ["AWS/ApplicationELB", "RequestCount", "LoadBalancer", "{{ alb_full_name }}"]

- name: Dashboard from a JSON template
  tracetrack.aws.cloudwatch_dashboard:
    name: tracetrack-production-database
    body: "{{ lookup('ansible.builtin.template', 'database-dashboard.json.j2') }}"

- name: Remove a dashboard
  tracetrack.aws.cloudwatch_dashboard:
    name: tracetrack-staging
    state: absent
"""

RETURN = r"""
dashboard:
  description: The dashboard, as CloudWatch C(GetDashboard) describes it. Empty when O(state=absent).
  returned: always
  type: dict
  contains:
    dashboard_name:
      description: The dashboard's name.
      type: str
      sample: tracetrack-production
    dashboard_arn:
      description: The dashboard's ARN. Missing in check mode for a dashboard that does not exist yet.
      type: str
      sample: arn:aws:cloudwatch::123456789012:dashboard/tracetrack-production
    dashboard_body:
      description: The dashboard body, parsed (keys as CloudWatch spells them).
      type: dict
      sample: {"widgets": [{"type": "text", "x": 0, "y": 0, "width": 6, "height": 2, "properties": {"markdown": "Hi"}}]}
validation_messages:
  description: Warnings CloudWatch C(PutDashboard) returned about the body; also shown as task warnings.
  returned: when the dashboard was written
  type: list
  elements: dict
  sample: [{"data_path": "/widgets/0/properties/metrics", "message": "Should NOT have more than 2 items"}]
"""

import json

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry


class BodyError(ValueError):
    pass


def normalise_body(body):
    """The dashboard body as data: a JSON string is parsed, a dict is taken as is."""
    if isinstance(body, (bytes, bytearray)):
        body = body.decode("utf-8")
    if isinstance(body, str):
        try:
            body = json.loads(body)
        except ValueError as e:
            raise BodyError(f"body is not valid JSON: {e}") from e
    if not isinstance(body, dict):
        raise BodyError(f"body must be a JSON object (a dict), not {type(body).__name__}")
    # One JSON round trip turns tuples into lists and string subclasses into str, as CloudWatch would see them.
    return json.loads(json.dumps(body))


def parse_stored_body(text):
    try:
        return json.loads(text) if text else {}
    except ValueError:
        return text  # compares unequal to any dict, so the body is rewritten


def serialise_body(body):
    return json.dumps(body, separators=(",", ":"))


def body_diff_text(body):
    if body is None:
        return ""
    return json.dumps(body, indent=2, sort_keys=True) + "\n"


def get_dashboard(client, module, name):
    try:
        response = client.get_dashboard(aws_retry=True, DashboardName=name)
    except is_boto3_error_code("ResourceNotFound"):
        return None
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:  # pylint: disable=duplicate-except
        module.fail_json_aws(e, msg=f"Couldn't get dashboard {name}")
    return response


def format_dashboard(name, arn, body):
    dashboard = {"dashboard_name": name, "dashboard_body": body}
    if arn:
        dashboard["dashboard_arn"] = arn
    return dashboard


def put_dashboard(client, module, name, body):
    try:
        response = client.put_dashboard(aws_retry=True, DashboardName=name, DashboardBody=serialise_body(body))
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(e, msg=f"Couldn't put dashboard {name}")
    messages = [camel_dict_to_snake_dict(m) for m in response.get("DashboardValidationMessages", [])]
    for message in messages:
        module.warn(f"Dashboard {name}: {message.get('data_path', '')}: {message.get('message', '')}")
    return messages


def delete_dashboard(client, module, name):
    try:
        client.delete_dashboards(aws_retry=True, DashboardNames=[name])
    except is_boto3_error_code("ResourceNotFound"):
        pass
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:  # pylint: disable=duplicate-except
        module.fail_json_aws(e, msg=f"Couldn't delete dashboard {name}")


def make_diff(name, before, after):
    return dict(
        before_header=f"dashboard {name}",
        after_header=f"dashboard {name}",
        before=body_diff_text(before),
        after=body_diff_text(after),
    )


def ensure_present(client, module, name, wanted):
    current = get_dashboard(client, module, name)
    current_body = parse_stored_body(current.get("DashboardBody")) if current else None
    arn = current.get("DashboardArn") if current else None

    if current is not None and current_body == wanted:
        module.exit_json(changed=False, dashboard=format_dashboard(name, arn, current_body))

    result = dict(changed=True, diff=make_diff(name, current_body, wanted))
    if module.check_mode:
        module.exit_json(dashboard=format_dashboard(name, arn, wanted), **result)

    result["validation_messages"] = put_dashboard(client, module, name, wanted)
    written = get_dashboard(client, module, name) or {}
    written_body = parse_stored_body(written.get("DashboardBody"))
    module.exit_json(dashboard=format_dashboard(name, written.get("DashboardArn", arn), written_body), **result)


def ensure_absent(client, module, name):
    current = get_dashboard(client, module, name)
    if current is None:
        module.exit_json(changed=False, dashboard={})
    if not module.check_mode:
        delete_dashboard(client, module, name)
    diff = make_diff(name, parse_stored_body(current.get("DashboardBody")), None)
    module.exit_json(changed=True, dashboard={}, diff=diff)


def main():
    argument_spec = dict(
        state=dict(type="str", choices=["present", "absent"], default="present"),
        name=dict(type="str", required=True, aliases=["dashboard_name"]),
        body=dict(type="raw"),
    )
    module = AnsibleAWSModule(
        argument_spec=argument_spec,
        supports_check_mode=True,
        required_if=[("state", "present", ["body"])],
    )
    client = module.client("cloudwatch", retry_decorator=AWSRetry.jittered_backoff())

    if module.params["state"] == "absent":
        ensure_absent(client, module, module.params["name"])

    try:
        wanted = normalise_body(module.params["body"])
    except BodyError as e:
        module.fail_json(msg=f"Couldn't use the body of dashboard {module.params['name']}: {e}")
    ensure_present(client, module, module.params["name"], wanted)


if __name__ == "__main__":
    main()
