#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the tracetrack.aws collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: cloudwatch_dashboard_info
short_description: Read CloudWatch dashboards and their bodies
version_added: 0.1.0
description:
  - Returns the dashboards whose names start with O(name_prefix) (CloudWatch C(ListDashboards)), each with its body
    parsed (C(GetDashboard)). Read-only; M(tracetrack.aws.cloudwatch_dashboard) writes them.
  - amazon.aws has no module that reads a dashboard's body.
options:
  name_prefix:
    description: The beginning of the dashboards' names; empty for every dashboard of the region.
    type: str
    default: ""
author:
  - TraceTrack platform team (@tracetrack)
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Read the dashboards of the environment
  tracetrack.aws.cloudwatch_dashboard_info:
    name_prefix: tracetrack-production
  register: dashboards
"""

RETURN = r"""
dashboards:
  description: The dashboards found, by name order.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The dashboard's name.
      type: str
      sample: tracetrack-production
    arn:
      description: The dashboard's ARN.
      type: str
    body:
      description: The dashboard body, parsed (its C(widgets) list).
      type: dict
"""

import json

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry


def main():
    module = AnsibleAWSModule(argument_spec=dict(name_prefix=dict(type="str", default="")), supports_check_mode=True)
    client = module.client("cloudwatch", retry_decorator=AWSRetry.jittered_backoff())
    prefix = module.params["name_prefix"]
    dashboards = []
    try:
        listed = client.get_paginator("list_dashboards").paginate(**({"DashboardNamePrefix": prefix} if prefix else {}))
        for entry in sorted(listed.build_full_result()["DashboardEntries"], key=lambda e: e["DashboardName"]):
            found = client.get_dashboard(aws_retry=True, DashboardName=entry["DashboardName"])
            dashboards.append({"name": found["DashboardName"], "arn": found["DashboardArn"], "body": json.loads(found["DashboardBody"] or "{}")})
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(e, msg=f"Couldn't read the dashboards named {prefix}*")
    module.exit_json(changed=False, dashboards=dashboards)


if __name__ == "__main__":
    main()
