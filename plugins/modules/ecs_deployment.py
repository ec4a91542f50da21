#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the tracetrack.aws collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: ecs_deployment
short_description: Wait for an ECS service's deployment to finish, through its lifecycle stages
version_added: 0.1.0
description:
  - Waits until the rollout of an ECS service (ECS deployment controller) has finished, typically right after a task
    that registered a new task definition and updated the service to use it.
  - Polls ECS C(DescribeServices). The rollout has finished when the V(PRIMARY) deployment reports
    C(rolloutState=COMPLETED) and runs as many tasks as it wants, and the service as a whole runs as many tasks as it
    wants. Where ECS does not report C(rolloutState), the rollout has finished when the counts match and the primary
    deployment is the only one left.
  - Detects a failed deployment (the primary deployment reports C(rolloutState=FAILED)) and a rollback by the
    deployment circuit breaker (another deployment reports C(rolloutState=FAILED), the primary deployment no longer
    runs O(task_definition), or a service event since the rollout began says the service is rolling back).
  - For a service whose C(deploymentConfiguration.strategy) is V(BLUE_GREEN), V(LINEAR) or V(CANARY), also follows
    the service deployment (ECS C(ListServiceDeployments) once, then C(DescribeServiceDeployments) at each poll); the
    rollout has finished when it is C(SUCCESSFUL), after its traffic shifts and bake time, and each lifecycle stage and
    traffic split it went through is reported in RV(stages). A deployment ECS rolled back (C(ROLLBACK_IN_PROGRESS),
    C(ROLLBACK_SUCCESSFUL) - an alarm of the deployment's C(alarms) in C(ALARM), or a lifecycle hook that failed) is a
    rollback, with the alarms it names; a C(STOPPED) or C(ROLLBACK_FAILED) one fails the task.
  - The module only reads; it never reports a change, and behaves the same in check mode.
options:
  cluster:
    description: The name or ARN of the cluster that runs the service.
    type: str
    required: true
  service:
    description: The name or ARN of the service.
    type: str
    required: true
  task_definition:
    description:
      - The task definition the primary deployment is expected to run once the rollout has finished.
      - A full ARN is compared as is; V(family:revision) is compared with the end of the deployment's ARN;
        a bare V(family) matches any revision of that family.
      - When the primary deployment runs another task definition, the rollout is treated as rolled back.
      - When not set, the task definition is not checked.
    type: str
  timeout:
    description:
      - How long to wait, in seconds, before failing.
      - V(0) checks once and fails unless the rollout has already finished.
    type: int
    default: 600
  poll_interval:
    description: Seconds between two C(DescribeServices) calls.
    type: int
    default: 10
  fail_on_rollback:
    description:
      - Fail as soon as a rollback is detected.
      - When V(false), wait for the rollback deployment to finish and return with RV(rolled_back=true).
      - A deployment that failed without a rollback always fails the task.
    type: bool
    default: true
  event_count:
    description: How many of the service's most recent events to return in RV(events).
    type: int
    default: 10
  until_paused:
    description:
      - Return as soon as the service deployment awaits an action at a C(PAUSE) lifecycle hook (RV(paused_hook)), for
        example to smoke-test the new revision through the test listener before production traffic moves, then
        continue or roll back with M(tracetrack.aws.ecs_service_deployment).
      - When V(false), a paused deployment is waited for like any other (until its hook's timeout action).
    type: bool
    default: false
    version_added: 0.2.0
author:
  - TraceTrack platform team (@tracetrack)
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Point the service at the new task definition
  community.aws.ecs_service:
    state: present
    name: tracetrack-web
    cluster: tracetrack-production
    task_definition: "{{ web_task_definition.taskdefinition.taskDefinitionArn }}"
    desired_count: 2
  register: web_service

- name: Wait until the new tasks serve and the old ones are gone
  tracetrack.aws.ecs_deployment:
    cluster: tracetrack-production
    service: tracetrack-web
    task_definition: "{{ web_task_definition.taskdefinition.taskDefinitionArn }}"
    timeout: 900
    poll_interval: 15

- name: Wait for whatever rollout is going on, accepting a circuit-breaker rollback
  tracetrack.aws.ecs_deployment:
    cluster: tracetrack-production
    service: tracetrack-web
    fail_on_rollback: false
  register: web_rollout

- name: Report a rollback
  ansible.builtin.debug:
    msg: "The service rolled back to {{ web_rollout.deployment.task_definition }}"
  when: web_rollout.rolled_back
"""

RETURN = r"""
deployment:
  description: The primary deployment once the rollout has finished, as ECS C(DescribeServices) describes it.
  returned: success
  type: dict
  contains:
    id:
      description: The deployment's id.
      type: str
      sample: ecs-svc/1234567890123456789
    status:
      description: The deployment's status.
      type: str
      sample: PRIMARY
    rollout_state:
      description: The rollout state, C(IN_PROGRESS), C(COMPLETED) or C(FAILED). Missing where ECS does not report it.
      type: str
      sample: COMPLETED
    rollout_state_reason:
      description: Why the rollout is in that state.
      type: str
      sample: ECS deployment ecs-svc/1234567890123456789 completed.
    task_definition:
      description: The ARN of the task definition the deployment runs.
      type: str
      sample: arn:aws:ecs:ap-south-1:123456789012:task-definition/tracetrack-web:7
    desired_count:
      description: How many tasks the deployment wants.
      type: int
      sample: 2
    running_count:
      description: How many of its tasks run.
      type: int
      sample: 2
    pending_count:
      description: How many of its tasks are starting.
      type: int
      sample: 0
    failed_tasks:
      description: How many of its tasks failed to start.
      type: int
      sample: 0
    created_at:
      description: When the deployment started.
      type: str
    updated_at:
      description: When the deployment last changed.
      type: str
deployments:
  description: Every deployment of the service at the last poll, primary first as ECS lists them.
  returned: always
  type: list
  elements: dict
  sample: [{"id": "ecs-svc/1234567890123456789", "status": "PRIMARY", "rollout_state": "COMPLETED"}]
events:
  description: The service's most recent events (at most O(event_count)), newest first.
  returned: always
  type: list
  elements: dict
  contains:
    id:
      description: The event's id.
      type: str
    created_at:
      description: When ECS recorded the event.
      type: str
    message:
      description: The event's text.
      type: str
      sample: (service tracetrack-web) has reached a steady state.
service_deployment:
  description:
    - The service deployment of a V(BLUE_GREEN), V(LINEAR) or V(CANARY) service at the last poll, as ECS
      C(DescribeServiceDeployments) describes it (empty for a V(ROLLING) service).
  returned: always
  type: dict
  version_added: 0.2.0
  contains:
    status:
      description: C(IN_PROGRESS), C(SUCCESSFUL), C(ROLLBACK_IN_PROGRESS), C(ROLLBACK_SUCCESSFUL), C(STOPPED)...
      type: str
      sample: SUCCESSFUL
    lifecycle_stage:
      description: The stage it is in.
      type: str
      sample: BAKE_TIME
    target_service_revision:
      description: The revision it moves to, with C(requested_production_traffic_weight) and C(requested_test_traffic_weight).
      type: dict
    alarms:
      description: The alarms it watches, C(status) and C(triggered_alarm_names).
      type: dict
    rollback:
      description: Why and to which service revision ECS rolled it back.
      type: dict
stages:
  description:
    - Each lifecycle stage of the service deployment seen while waiting, in order, with the traffic split at the time
      (empty for a V(ROLLING) service).
  returned: always
  type: list
  elements: dict
  version_added: 0.2.0
  sample: [{"lifecycle_stage": "PRODUCTION_TRAFFIC_SHIFT", "production_traffic_weight": 10.0, "test_traffic_weight": 100.0, "status": "IN_PROGRESS"}]
paused_hook:
  description: The C(PAUSE) hook the service deployment awaits an action at, with O(until_paused=true); empty otherwise.
  returned: always
  type: dict
  version_added: 0.2.0
  sample: {"hook_id": "4d6f...", "lifecycle_stage": "POST_TEST_TRAFFIC_SHIFT", "timeout_action": "ROLLBACK", "service_deployment_arn": "arn:aws:ecs:..."}
rolled_back:
  description: Whether a rollback was detected (only ever V(true) with O(fail_on_rollback=false)).
  returned: success
  type: bool
  sample: false
elapsed:
  description: Seconds spent waiting.
  returned: always
  type: float
  sample: 42.5
"""

import re
import time

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.tracetrack.aws.plugins.module_utils.ecs import ROLLED_BACK
from ansible_collections.tracetrack.aws.plugins.module_utils.ecs import TRAFFIC_SHIFTING
from ansible_collections.tracetrack.aws.plugins.module_utils.ecs import awaiting_hook
from ansible_collections.tracetrack.aws.plugins.module_utils.ecs import describe_service_deployment
from ansible_collections.tracetrack.aws.plugins.module_utils.ecs import ecs_client
from ansible_collections.tracetrack.aws.plugins.module_utils.ecs import newest_service_deployment
from ansible_collections.tracetrack.aws.plugins.module_utils.ecs import require_service
from ansible_collections.tracetrack.aws.plugins.module_utils.ecs import task_definition_matches

# Service events ECS writes when the deployment circuit breaker reverts a deployment.
ROLLBACK_EVENT = re.compile(r"\brolling back\b|\brolled back\b", re.IGNORECASE)

COMPLETED = "completed"
IN_PROGRESS = "in_progress"
FAILED = "failed"


class RolloutStatus:
    """What one DescribeServices answer says about the rollout."""

    def __init__(self, progress, reason, rollback_reason=None):
        self.progress = progress
        self.reason = reason
        self.rollback_reason = rollback_reason


def find_primary(deployments):
    for deployment in deployments:
        if deployment.get("status") == "PRIMARY":
            return deployment
    return None


def rollout_began(deployments):
    """The creation time of the oldest deployment still listed: events before it belong to earlier rollouts."""
    created = [d["createdAt"] for d in deployments if d.get("createdAt") is not None]
    return min(created) if created else None


def rollback_event(events, since):
    for event in events:
        if since is not None and event.get("createdAt") is not None and event["createdAt"] < since:
            continue
        if ROLLBACK_EVENT.search(event.get("message", "")):
            return event
    return None


def evaluate(service, expected_task_definition=None):
    """Classify the rollout of one service, as ECS DescribeServices describes it."""
    deployments = service.get("deployments") or []
    primary = find_primary(deployments)
    if primary is None:
        return RolloutStatus(IN_PROGRESS, "the service has no primary deployment yet")

    if primary.get("rolloutState") == "FAILED":
        return RolloutStatus(FAILED, f"deployment {primary.get('id')} failed: {primary.get('rolloutStateReason') or 'no reason given'}")

    rollback_reason = None
    failed_others = [d for d in deployments if d is not primary and d.get("rolloutState") == "FAILED"]
    if returned_to(primary, expected_task_definition):
        pass  # a deployment of another revision failed and ECS returned to the one waited for: what the caller waits for
    elif not task_definition_matches(primary.get("taskDefinition"), expected_task_definition):
        rollback_reason = (
            f"the primary deployment {primary.get('id')} runs {primary.get('taskDefinition')}, "
            f"not {expected_task_definition} (rolled back by the circuit breaker, or replaced by a newer deployment)"
        )
    elif failed_others:
        failed = failed_others[0]
        rollback_reason = (
            f"deployment {failed.get('id')} failed ({failed.get('rolloutStateReason') or 'no reason given'}) "
            f"and ECS rolled back to deployment {primary.get('id')}"
        )
    else:
        event = rollback_event(service.get("events") or [], rollout_began(deployments))
        if event is not None:
            rollback_reason = f"ECS reported: {event.get('message')}"

    rollout_state = primary.get("rolloutState")
    counts_match = primary.get("runningCount") == primary.get("desiredCount") and service.get("runningCount") == service.get("desiredCount")
    if rollout_state == "COMPLETED" and counts_match:
        return RolloutStatus(COMPLETED, f"deployment {primary.get('id')} completed", rollback_reason)
    if rollout_state is None and counts_match and len(deployments) == 1:
        return RolloutStatus(COMPLETED, f"deployment {primary.get('id')} reached a steady state", rollback_reason)
    reason = (
        f"primary deployment {primary.get('id')} is {rollout_state or 'rolling out'}: "
        f"{primary.get('runningCount', 0)} of {primary.get('desiredCount', 0)} tasks running, "
        f"{service.get('runningCount', 0)} of {service.get('desiredCount', 0)} for the service, "
        f"{len(deployments)} deployment(s) listed"
    )
    return RolloutStatus(IN_PROGRESS, reason, rollback_reason)


def returned_to(primary, expected_task_definition):
    """Whether the primary deployment runs exactly the revision waited for (an ARN or family:revision), so that ECS
    rolling another revision's deployment back to it is the end waited for, not a rollback of it."""
    exact = bool(expected_task_definition) and (expected_task_definition.startswith("arn:") or ":" in expected_task_definition)
    return exact and task_definition_matches((primary or {}).get("taskDefinition"), expected_task_definition)


def apply_lifecycle(status, lifecycle, returned=False):
    """The rollout as the service deployment of a traffic-shifting strategy has it: not finished before it is
    SUCCESSFUL, rolled back or failed as ECS says. `returned`: the primary deployment runs exactly the revision waited
    for (returned_to) - a rollback to it ends the wait once ECS finished it (ROLLBACK_SUCCESSFUL)."""
    state = lifecycle.get("status")
    reason = lifecycle.get("statusReason") or "no reason given"
    stage = lifecycle.get("lifecycleStage") or "no stage"
    if state in ROLLED_BACK and returned:
        if state == "ROLLBACK_SUCCESSFUL":
            return status
        return RolloutStatus(IN_PROGRESS, f"ECS is rolling the service deployment back to the revision waited for ({state})")
    if state in ROLLED_BACK:
        triggered = (lifecycle.get("alarms") or {}).get("triggeredAlarmNames") or []
        alarms = f" (alarm(s) {', '.join(triggered)})" if triggered else ""
        status.rollback_reason = f"ECS rolled the deployment back at {stage}{alarms}: {reason}"
    elif state in ("STOPPED", "ROLLBACK_FAILED"):
        return RolloutStatus(FAILED, f"the service deployment is {state} at {stage}: {reason}")
    elif state != "SUCCESSFUL" and status.progress == COMPLETED:
        target = lifecycle.get("targetServiceRevision") or {}
        return RolloutStatus(
            IN_PROGRESS,
            f"the service deployment is {state or 'PENDING'} at {stage}, "
            f"{target.get('requestedProductionTrafficWeight', 0)}% of production traffic on the new revision",
        )
    return status


def paused_hook(lifecycle):
    """The PAUSE hook the service deployment awaits an action at ({} when none), in the module's return form."""
    hook = awaiting_hook(lifecycle) if lifecycle.get("status") == "IN_PROGRESS" else None
    if hook is None:
        return {}
    return {
        "hook_id": hook.get("hookId"),
        "lifecycle_stage": lifecycle.get("lifecycleStage"),
        "timeout_action": hook.get("timeoutAction"),
        "expires_at": hook.get("expiresAt"),
        "service_deployment_arn": lifecycle.get("serviceDeploymentArn"),
    }


def stage_of(lifecycle):
    target = lifecycle.get("targetServiceRevision") or {}
    return {
        "lifecycle_stage": lifecycle.get("lifecycleStage"),
        "production_traffic_weight": target.get("requestedProductionTrafficWeight"),
        "test_traffic_weight": target.get("requestedTestTrafficWeight"),
        "status": lifecycle.get("status"),
    }


def format_result(service, event_count):
    deployments = service.get("deployments") or []
    primary = find_primary(deployments)
    return dict(
        deployment=camel_dict_to_snake_dict(primary) if primary else {},
        deployments=[camel_dict_to_snake_dict(d) for d in deployments],
        events=[camel_dict_to_snake_dict(e) for e in (service.get("events") or [])[:event_count]],
    )


def wait_for_rollout(client, module, clock=time.monotonic, sleep=time.sleep):
    params = module.params
    name = f"service {params['service']} in cluster {params['cluster']}"
    started = clock()
    rolled_back = False
    deployment_arn, stages, lifecycle = None, [], {}
    while True:
        service = require_service(client, module, params["cluster"], params["service"])
        if service.get("status") != "ACTIVE":
            module.fail_json(msg=f"Service {params['service']} in cluster {params['cluster']} is {service.get('status')}, not ACTIVE")
        status = evaluate(service, params["task_definition"])
        if (service.get("deploymentConfiguration") or {}).get("strategy") in TRAFFIC_SHIFTING:
            deployment_arn = deployment_arn or newest_service_deployment(client, module, service["clusterArn"], service["serviceArn"])
            if deployment_arn:
                lifecycle = describe_service_deployment(client, module, deployment_arn)
                status = apply_lifecycle(status, lifecycle, returned_to(find_primary(service.get("deployments") or []), params["task_definition"]))
                if not stages or stages[-1] != stage_of(lifecycle):
                    stages.append(stage_of(lifecycle))
        elapsed = round(clock() - started, 1)
        paused = paused_hook(lifecycle)
        result = dict(format_result(service, params["event_count"]), stages=stages, service_deployment=camel_dict_to_snake_dict(lifecycle), paused_hook={})
        if paused and status.rollback_reason is None:
            if params["until_paused"]:
                module.exit_json(changed=False, rolled_back=rolled_back, elapsed=elapsed, **dict(result, paused_hook=paused))
            status = RolloutStatus(IN_PROGRESS, f"the service deployment awaits an action at its {paused['lifecycle_stage']} hook {paused['hook_id']}")

        if status.progress == FAILED:
            module.fail_json(msg=f"The deployment of {name} failed: {status.reason}", elapsed=elapsed, **result)
        if status.rollback_reason is not None:
            if params["fail_on_rollback"]:
                module.fail_json(msg=f"The deployment of {name} was rolled back: {status.rollback_reason}", elapsed=elapsed, **result)
            if not rolled_back:
                module.warn(f"The deployment of {name} was rolled back: {status.rollback_reason}")
            rolled_back = True
        if status.progress == COMPLETED:
            module.exit_json(changed=False, rolled_back=rolled_back, elapsed=elapsed, **result)

        remaining = params["timeout"] - (clock() - started)
        if remaining <= 0:
            module.fail_json(
                msg=(f"Timed out after {params['timeout']} seconds waiting for the deployment of {name}: {status.reason}"),
                elapsed=elapsed,
                **result,
            )
        sleep(min(params["poll_interval"], remaining))


def main():
    argument_spec = dict(
        cluster=dict(type="str", required=True),
        service=dict(type="str", required=True),
        task_definition=dict(type="str"),
        timeout=dict(type="int", default=600),
        poll_interval=dict(type="int", default=10),
        fail_on_rollback=dict(type="bool", default=True),
        event_count=dict(type="int", default=10),
        until_paused=dict(type="bool", default=False),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    if module.params["timeout"] < 0:
        module.fail_json(msg="timeout must be 0 or more seconds")
    if module.params["poll_interval"] < 1:
        module.fail_json(msg="poll_interval must be at least 1 second")
    if module.params["event_count"] < 0:
        module.fail_json(msg="event_count must be 0 or more")

    client = ecs_client(module)
    wait_for_rollout(client, module)


if __name__ == "__main__":
    main()
