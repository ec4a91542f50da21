#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the tracetrack.aws collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: ecs_service_deployment
short_description: Continue or roll back an ECS service deployment
version_added: 0.2.0
description:
  - Acts on the newest deployment of an ECS service (or the one O(service_deployment_arn) names), as ECS
    C(ContinueServiceDeployment) and C(StopServiceDeployment) do.
  - O(action=continue) lets a deployment paused at a C(PAUSE) lifecycle hook go on to its next stage (after a smoke
    test of the new revision through the test listener, for example); a deployment that awaits nothing is no change.
  - O(action=rollback) returns production traffic to the previous service revision - at the hook it is paused at, or
    wherever an ongoing deployment is; a deployment that has already rolled back is no change, one that has ended
    otherwise cannot be rolled back here (a new deployment of the previous revision can).
  - O(action=abort) stops an ongoing deployment where it is, traffic split as it is (C(StopServiceDeployment) V(ABORT)).
  - The module does not wait for the deployment to end; M(tracetrack.aws.ecs_deployment) does.
options:
  cluster:
    description: The name or ARN of the cluster that runs the service.
    type: str
  service:
    description: The name or ARN of the service whose newest deployment to act on.
    type: str
  service_deployment_arn:
    description:
      - The service deployment to act on instead of the service's newest.
      - Exactly one of O(service) and O(service_deployment_arn) is required; O(service) needs O(cluster).
    type: str
  action:
    description: What to do.
    type: str
    choices: [continue, rollback, abort]
    required: true
  hook_id:
    description: The paused hook to act on (default, the one the deployment awaits an action at).
    type: str
author:
  - TraceTrack platform team (@tracetrack)
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Wait until the new revision takes the test listener's traffic, paused before production traffic moves
  tracetrack.aws.ecs_deployment:
    cluster: tracetrack-production
    service: tracetrack-production-web
    until_paused: true
  register: web_rollout

- name: Smoke-test the new revision through the test listener, then move production traffic - or roll back
  block:
    - name: Smoke test
      tracetrack.aws.health_check:
        url: "https://{{ web_domain }}:8443/health/ready"
    - name: Move production traffic
      tracetrack.aws.ecs_service_deployment:
        service_deployment_arn: "{{ web_rollout.paused_hook.service_deployment_arn }}"
        hook_id: "{{ web_rollout.paused_hook.hook_id }}"
        action: continue
  rescue:
    - name: Return to the previous revision
      tracetrack.aws.ecs_service_deployment:
        service_deployment_arn: "{{ web_rollout.paused_hook.service_deployment_arn }}"
        action: rollback
"""

RETURN = r"""
service_deployment:
  description: The service deployment after the action, as ECS C(DescribeServiceDeployments) describes it.
  returned: always
  type: dict
  contains:
    service_deployment_arn:
      description: Its ARN.
      type: str
    status:
      description: Its status, for example C(IN_PROGRESS), C(ROLLBACK_IN_PROGRESS) or C(STOPPED).
      type: str
    lifecycle_stage:
      description: The stage it is in.
      type: str
    lifecycle_hook_details:
      description: Its lifecycle hooks and their status.
      type: list
      elements: dict
"""

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.tracetrack.aws.plugins.module_utils.ecs import ROLLED_BACK
from ansible_collections.tracetrack.aws.plugins.module_utils.ecs import awaiting_hook
from ansible_collections.tracetrack.aws.plugins.module_utils.ecs import describe_service_deployment
from ansible_collections.tracetrack.aws.plugins.module_utils.ecs import ecs_client
from ansible_collections.tracetrack.aws.plugins.module_utils.ecs import newest_service_deployment

ONGOING = ("PENDING", "IN_PROGRESS")


def planned_call(deployment, action, hook_id=None):
    """(operation, request) that carries out `action` on the deployment, None when there is nothing to do, or a
    str: why it cannot be done."""
    arn, status = deployment["serviceDeploymentArn"], deployment.get("status")
    paused = (awaiting_hook(deployment, hook_id) or {}).get("hookId") if status in ONGOING else None
    if action == "continue":
        if paused is None:
            return None
        return "continue_service_deployment", {"serviceDeploymentArn": arn, "hookId": paused, "action": "CONTINUE"}
    if action == "rollback":
        if status in ROLLED_BACK:
            return None
        if status not in ONGOING:
            return f"The service deployment {arn} has ended ({status}): release the previous revision instead"
        if paused is not None:
            return "continue_service_deployment", {"serviceDeploymentArn": arn, "hookId": paused, "action": "ROLLBACK"}
        return "stop_service_deployment", {"serviceDeploymentArn": arn, "stopType": "ROLLBACK"}
    if status not in ONGOING:
        return None
    return "stop_service_deployment", {"serviceDeploymentArn": arn, "stopType": "ABORT"}


def main():
    argument_spec = dict(
        cluster=dict(type="str"),
        service=dict(type="str"),
        service_deployment_arn=dict(type="str"),
        action=dict(type="str", choices=["continue", "rollback", "abort"], required=True),
        hook_id=dict(type="str"),
    )
    module = AnsibleAWSModule(
        argument_spec=argument_spec,
        supports_check_mode=True,
        mutually_exclusive=[["service", "service_deployment_arn"]],
        required_one_of=[["service", "service_deployment_arn"]],
        required_by={"service": "cluster"},
    )
    params = module.params
    client = ecs_client(module)
    arn = params["service_deployment_arn"] or newest_service_deployment(client, module, params["cluster"], params["service"])
    if arn is None:
        module.fail_json(msg=f"ECS service {params['service']} in cluster {params['cluster']} has no deployment")
    deployment = describe_service_deployment(client, module, arn)
    if not deployment:
        module.fail_json(msg=f"The service deployment {arn} does not exist")
    call = planned_call(deployment, params["action"], params["hook_id"])
    if isinstance(call, str):
        module.fail_json(msg=call, service_deployment=camel_dict_to_snake_dict(deployment))
    if call is None or module.check_mode:
        module.exit_json(changed=call is not None, service_deployment=camel_dict_to_snake_dict(deployment))
    operation, request = call
    try:
        getattr(client, operation)(aws_retry=True, **request)
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(e, msg=f"Couldn't {params['action']} the service deployment {arn}")
    module.exit_json(changed=True, service_deployment=camel_dict_to_snake_dict(describe_service_deployment(client, module, arn)))


if __name__ == "__main__":
    main()
