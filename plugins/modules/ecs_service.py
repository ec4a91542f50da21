#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the tracetrack.aws collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: ecs_service
short_description: Manage ECS services, comparing every setting that can change
version_added: 0.1.0
description:
  - Create, update or delete an Amazon ECS service (ECS C(DescribeServices), C(CreateService), C(UpdateService),
    C(TagResource), C(UntagResource), C(DeleteService)).
  - Unlike M(community.aws.ecs_service), every setting that is set is compared with the service and changed in place
    when it differs - deployment configuration (strategy - rolling, blue/green, linear or canary - bake time, steps,
    alarms and lifecycle hooks) and circuit breaker, network configuration, capacity provider strategy,
    load balancers, health check grace period, ECS Exec, tag propagation and tags - and a task definition is matched
    by ARN or V(family:revision) alike.
  - Only the options that are set are compared and changed; the others are left as they are.
  - The module does not wait for a deployment to finish; M(tracetrack.aws.ecs_deployment) does.
  - With O(state=absent), the service is scaled to 0 tasks, then deleted; a missing service or cluster is no change.
options:
  state:
    description: Whether the service should exist.
    type: str
    choices: [present, absent]
    default: present
  name:
    description: The service's name.
    type: str
    required: true
    aliases: [service]
  cluster:
    description: The name or ARN of the cluster the service runs in.
    type: str
    required: true
  task_definition:
    description:
      - The task definition to run, as an ARN, V(family:revision) or V(family) (the latest C(ACTIVE) revision).
      - A bare V(family) matches any revision of that family when the service exists.
      - Required to create a service.
    type: str
  desired_count:
    description:
      - How many tasks the service runs. Required to create a service.
    type: int
  preserve_desired_count:
    description:
      - When the service exists, leave its desired count as it is and use O(desired_count) only to create it.
      - Set it when Application Auto Scaling owns the desired count, so that a run does not undo its scaling.
    type: bool
    default: false
  launch_type:
    description: Run the tasks on this launch type. Mutually exclusive with O(capacity_provider_strategy).
    type: str
    choices: [FARGATE, EC2, EXTERNAL]
  capacity_provider_strategy:
    description:
      - Spread the tasks over capacity providers, for example V(FARGATE) and V(FARGATE_SPOT).
      - Changing it starts a new deployment.
    type: list
    elements: dict
    suboptions:
      capacity_provider:
        description: The capacity provider's name.
        type: str
        required: true
      weight:
        description: The relative share of tasks placed with this provider.
        type: int
        default: 1
      base:
        description: How many tasks, at least, run with this provider (one provider of the strategy only).
        type: int
        default: 0
  platform_version:
    description: The Fargate platform version, for example V(LATEST) or V(1.4.0).
    type: str
  network_configuration:
    description: The C(awsvpc) network configuration of the tasks.
    type: dict
    suboptions:
      subnets:
        description: Subnet ids the tasks are placed in.
        type: list
        elements: str
        required: true
      security_groups:
        description: Security group ids of the tasks' network interfaces.
        type: list
        elements: str
        required: true
      assign_public_ip:
        description: Whether the tasks get a public IP address.
        type: bool
        default: false
  load_balancers:
    description: Target groups the service registers its tasks with.
    type: list
    elements: dict
    suboptions:
      target_group_arn:
        description: The target group's ARN.
        type: str
        required: true
      container_name:
        description: The container that receives the traffic.
        type: str
        required: true
      container_port:
        description: The port of that container.
        type: int
        required: true
      advanced_configuration:
        description:
          - What ECS needs to shift traffic itself with O(deployment_configuration.strategy=BLUE_GREEN), V(LINEAR) or
            V(CANARY) behind an Application Load Balancer - required by those strategies for each load balancer.
          - ECS registers the new revision's tasks in the target group that does not serve production traffic, points
            the test listener rule at it, then moves the production listener rule's weights over.
        type: dict
        version_added: 0.2.0
        suboptions:
          alternate_target_group_arn:
            description: The second target group (ECS alternates between it and O(load_balancers[].target_group_arn)).
            type: str
            required: true
          production_listener_rule:
            description: The ARN of the listener rule that forwards production traffic to the two target groups.
            type: str
            required: true
          test_listener_rule:
            description: The ARN of a listener rule (a second port, or a header condition) that reaches the new revision before production traffic does.
            type: str
          role_arn:
            description: The IAM role that lets ECS change the listener rules and target groups (C(AmazonECSInfrastructureRolePolicyForLoadBalancers)).
            type: str
            required: true
  health_check_grace_period_seconds:
    description: Seconds during which the load balancer's failed health checks of a new task are ignored.
    type: int
  deployment_configuration:
    description: How a deployment replaces tasks.
    type: dict
    suboptions:
      maximum_percent:
        description: Upper limit of running tasks during a deployment, in percent of the desired count.
        type: int
      minimum_healthy_percent:
        description: Lower limit of healthy tasks during a deployment, in percent of the desired count.
        type: int
      circuit_breaker:
        description: The deployment circuit breaker.
        type: dict
        suboptions:
          enable:
            description: Stop a deployment whose tasks keep failing.
            type: bool
            required: true
          rollback:
            description: Roll back to the last deployment that completed when the circuit breaker stops a deployment.
            type: bool
            required: true
      strategy:
        description:
          - How a deployment moves traffic to the new revision. V(ROLLING) replaces tasks in place (ECS's default; a
            service that reports no strategy counts as V(ROLLING)). V(BLUE_GREEN) starts the whole new revision beside
            the old one, then moves all production traffic at once; V(CANARY) moves O(deployment_configuration.canary_configuration.canary_percent)
            first, V(LINEAR) moves it in equal steps; each keeps the old revision for O(deployment_configuration.bake_time_in_minutes)
            after the last shift, so that an alarm of O(deployment_configuration.alarms) can still roll the deployment back.
          - V(BLUE_GREEN), V(LINEAR) and V(CANARY) need O(load_balancers[].advanced_configuration) for each load balancer.
        type: str
        choices: [ROLLING, BLUE_GREEN, LINEAR, CANARY]
        version_added: 0.2.0
      bake_time_in_minutes:
        description: Minutes the old revision is kept, ready to serve again, after all traffic moved (0 to 1440).
        type: int
        version_added: 0.2.0
      canary_configuration:
        description: The canary step, with O(deployment_configuration.strategy=CANARY) only.
        type: dict
        version_added: 0.2.0
        suboptions:
          canary_percent:
            description: Percent of production traffic the new revision takes first (0.1 to 100).
            type: float
            required: true
          canary_bake_time_in_minutes:
            description: Minutes before the rest of the traffic moves (0 to 1440).
            type: int
            required: true
      linear_configuration:
        description: The steps, with O(deployment_configuration.strategy=LINEAR) only.
        type: dict
        version_added: 0.2.0
        suboptions:
          step_percent:
            description: Percent of production traffic each step moves (3 to 100).
            type: float
            required: true
          step_bake_time_in_minutes:
            description: Minutes between two steps (0 to 1440).
            type: int
            required: true
      alarms:
        description: CloudWatch alarms that stop the deployment when one of them is in C(ALARM) (during a bake, too).
        type: dict
        version_added: 0.2.0
        suboptions:
          alarm_names:
            description: The alarms' names (compared in any order).
            type: list
            elements: str
            required: true
          enable:
            description: Watch the alarms.
            type: bool
            default: true
          rollback:
            description: Roll back to the previous revision when an alarm goes to C(ALARM).
            type: bool
            default: true
      lifecycle_hooks:
        description:
          - What ECS does at stages of a V(BLUE_GREEN), V(LINEAR) or V(CANARY) deployment - call a Lambda function (a
            hook that answers C(FAILED) rolls the deployment back), or pause until C(ContinueServiceDeployment) says
            to continue or roll back (for example after a smoke test against the test listener,
            M(tracetrack.aws.ecs_deployment) O(tracetrack.aws.ecs_deployment#module:until_paused=true)). An empty list removes the hooks.
        type: list
        elements: dict
        version_added: 0.2.0
        suboptions:
          target_type:
            description: V(AWS_LAMBDA) calls O(deployment_configuration.lifecycle_hooks[].hook_target_arn); V(PAUSE) waits for an action.
            type: str
            choices: [AWS_LAMBDA, PAUSE]
            default: AWS_LAMBDA
          hook_target_arn:
            description: The Lambda function's ARN (V(AWS_LAMBDA) only, and required there).
            type: str
          role_arn:
            description: The IAM role ECS assumes to invoke it (V(AWS_LAMBDA) only, and required there).
            type: str
          timeout_in_minutes:
            description: Minutes ECS waits for the hook before its O(deployment_configuration.lifecycle_hooks[].timeout_action) (ECS's default 1440).
            type: int
          timeout_action:
            description: What ECS does when the hook times out.
            type: str
            choices: [ROLLBACK, CONTINUE]
          lifecycle_stages:
            description: The stages at which it is called.
            type: list
            elements: str
            required: true
            choices: [RECONCILE_SERVICE, PRE_SCALE_UP, POST_SCALE_UP, TEST_TRAFFIC_SHIFT, POST_TEST_TRAFFIC_SHIFT,
                      PRE_PRODUCTION_TRAFFIC_SHIFT, PRODUCTION_TRAFFIC_SHIFT, POST_PRODUCTION_TRAFFIC_SHIFT]
  enable_execute_command:
    description:
      - Allow ECS Exec into the service's tasks (applies to tasks started afterwards).
      - The task role then needs the C(ssmmessages) permissions ECS Exec uses.
    type: bool
  propagate_tags:
    description: Copy the service's or the task definition's tags to the tasks.
    type: str
    choices: [SERVICE, TASK_DEFINITION, NONE]
  enable_ecs_managed_tags:
    description: Tag the tasks with the cluster and service names.
    type: bool
  force_new_deployment:
    description: Start a new deployment even when nothing changed (for example to pull an image tag again).
    type: bool
    default: false
  redeploy_on_tag_change:
    description:
      - Tag keys of O(tags) whose value stands for something the tasks read only when they start, such as the version
        of the secret ECS injects into them. When the service exists and O(tags) gives one of these keys a value the
        service does not carry yet, a new deployment starts (as with O(force_new_deployment)) together with the tag
        change, so that running tasks never keep a value that was replaced; while the values match, nothing starts.
      - The rollout is not waited for; M(tracetrack.aws.ecs_deployment) waits, and RV(redeployed) tells whether to.
    type: list
    elements: str
    default: []
    version_added: 0.4.0
  wait:
    description: With O(state=absent), wait until the service is C(INACTIVE).
    type: bool
    default: false
  wait_timeout:
    description: How long O(wait) waits, in seconds.
    type: int
    default: 600
author:
  - TraceTrack platform team (@tracetrack)
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Web service behind the load balancer, rolled back by the circuit breaker when it fails
  tracetrack.aws.ecs_service:
    name: tracetrack-production-web
    cluster: tracetrack-production
    task_definition: "{{ web_task.task_definition.task_definition_arn }}"
    desired_count: 3
    preserve_desired_count: true
    capacity_provider_strategy:
      - capacity_provider: FARGATE
        weight: 1
    network_configuration:
      subnets: "{{ network_app_subnet_ids }}"
      security_groups: ["{{ network_app_security_group_id }}"]
      assign_public_ip: false
    load_balancers:
      - target_group_arn: "{{ web_target_group_arn }}"
        container_name: web
        container_port: 8000
    health_check_grace_period_seconds: 60
    deployment_configuration:
      maximum_percent: 200
      minimum_healthy_percent: 100
      circuit_breaker:
        enable: true
        rollback: true
    propagate_tags: SERVICE
    tags:
      Project: tracetrack

- name: The same service released blue/green - a test listener first, then all traffic, rolled back by an alarm
  tracetrack.aws.ecs_service:
    name: tracetrack-production-web
    cluster: tracetrack-production
    task_definition: "{{ web_task.task_definition.task_definition_arn }}"
    load_balancers:
      - target_group_arn: "{{ web_target_group_arn }}"
        container_name: web
        container_port: 8000
        advanced_configuration:
          alternate_target_group_arn: "{{ web_green_target_group_arn }}"
          production_listener_rule: "{{ web_production_rule_arn }}"
          test_listener_rule: "{{ web_test_rule_arn }}"
          role_arn: "{{ ecs_load_balancer_role_arn }}"
    deployment_configuration:
      strategy: BLUE_GREEN
      bake_time_in_minutes: 5
      alarms:
        alarm_names: [tracetrack-production-web-5xx-rate, tracetrack-production-web-p95-latency]

- name: Restart the tasks whenever the secret they read at start has a new version
  tracetrack.aws.ecs_service:
    name: tracetrack-production-web
    cluster: tracetrack-production
    tags:
      Project: tracetrack
      AppSecretVersion: "{{ app_secret_info.secret.version_ids_to_stages | dict2items
                            | selectattr('value', 'contains', 'AWSCURRENT') | map(attribute='key') | first }}"
    redeploy_on_tag_change: [AppSecretVersion]
  register: web_service

- name: Scale the service to 0 and delete it
  tracetrack.aws.ecs_service:
    name: tracetrack-dev-web
    cluster: tracetrack-dev
    state: absent
    wait: true
"""

RETURN = r"""
service:
  description:
    - The service, as ECS C(DescribeServices) describes it (without its events). Empty after a deletion.
    - In check mode, the service as it would be.
  returned: always
  type: dict
  contains:
    service_arn:
      description: The service's ARN.
      type: str
      sample: arn:aws:ecs:ap-south-1:123456789012:service/tracetrack-production/tracetrack-production-web
    service_name:
      description: The service's name.
      type: str
    status:
      description: The service's status.
      type: str
      sample: ACTIVE
    task_definition:
      description: The ARN of the task definition the service runs.
      type: str
    desired_count:
      description: How many tasks the service wants.
      type: int
    running_count:
      description: How many tasks run.
      type: int
    deployments:
      description: The service's deployments.
      type: list
      elements: dict
    tags:
      description: The service's tags.
      type: dict
changed_settings:
  description: The settings an update changed (API names), empty when nothing changed.
  returned: always
  type: list
  elements: str
  sample: [taskDefinition, deploymentConfiguration]
redeployed:
  description:
    - Whether a new deployment was started because a tag of O(redeploy_on_tag_change) changed (in check mode, would
      be started).
  returned: always
  type: bool
  version_added: 0.4.0
"""

import copy
import time

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.tracetrack.aws.plugins.module_utils.ecs import TRAFFIC_SHIFTING
from ansible_collections.tracetrack.aws.plugins.module_utils.ecs import describe_service
from ansible_collections.tracetrack.aws.plugins.module_utils.ecs import ecs_client
from ansible_collections.tracetrack.aws.plugins.module_utils.ecs import format_resource
from ansible_collections.tracetrack.aws.plugins.module_utils.ecs import normalize_strategy
from ansible_collections.tracetrack.aws.plugins.module_utils.ecs import tag_list
from ansible_collections.tracetrack.aws.plugins.module_utils.ecs import tags_of
from ansible_collections.tracetrack.aws.plugins.module_utils.ecs import task_definition_matches
from ansible_collections.tracetrack.aws.plugins.module_utils.ecs import update_tags


STRATEGIES = ["ROLLING", "BLUE_GREEN", "LINEAR", "CANARY"]
LIFECYCLE_STAGES = [
    "RECONCILE_SERVICE",
    "PRE_SCALE_UP",
    "POST_SCALE_UP",
    "TEST_TRAFFIC_SHIFT",
    "POST_TEST_TRAFFIC_SHIFT",
    "PRE_PRODUCTION_TRAFFIC_SHIFT",
    "PRODUCTION_TRAFFIC_SHIFT",
    "POST_PRODUCTION_TRAFFIC_SHIFT",
]


def strategy_request(strategy):
    if strategy is None:
        return None
    return normalize_strategy(strategy)


def network_request(network):
    if network is None:
        return None
    return {
        "awsvpcConfiguration": {
            "subnets": sorted(network["subnets"]),
            "securityGroups": sorted(network["security_groups"]),
            "assignPublicIp": "ENABLED" if network["assign_public_ip"] else "DISABLED",
        }
    }


def normalize_network(network):
    vpc = (network or {}).get("awsvpcConfiguration") or {}
    return {
        "awsvpcConfiguration": {
            "subnets": sorted(vpc.get("subnets") or []),
            "securityGroups": sorted(vpc.get("securityGroups") or []),
            "assignPublicIp": vpc.get("assignPublicIp") or "DISABLED",
        }
    }


def advanced_configuration_request(advanced):
    request = {
        "alternateTargetGroupArn": advanced["alternate_target_group_arn"],
        "productionListenerRule": advanced["production_listener_rule"],
        "roleArn": advanced["role_arn"],
    }
    if advanced.get("test_listener_rule"):
        request["testListenerRule"] = advanced["test_listener_rule"]
    return request


def load_balancers_request(load_balancers):
    if load_balancers is None:
        return None
    requested = []
    for lb in load_balancers:
        request = {"targetGroupArn": lb["target_group_arn"], "containerName": lb["container_name"], "containerPort": lb["container_port"]}
        if lb.get("advanced_configuration"):
            request["advancedConfiguration"] = advanced_configuration_request(lb["advanced_configuration"])
        requested.append(request)
    return sorted(requested, key=lambda lb: (lb["targetGroupArn"], lb["containerName"], lb["containerPort"]))


def normalize_load_balancers(load_balancers):
    """The load balancers in a form to compare. A target group and its alternate are a pair in any order: which of the
    two serves production traffic changes with every blue/green, linear or canary deployment."""
    normalized = []
    for lb in load_balancers or []:
        entry = {"targetGroupArn": lb.get("targetGroupArn"), "containerName": lb.get("containerName"), "containerPort": int(lb.get("containerPort"))}
        if lb.get("advancedConfiguration"):
            advanced = {key: value for key, value in lb["advancedConfiguration"].items() if value}
            pair = sorted(filter(None, (entry["targetGroupArn"], advanced.pop("alternateTargetGroupArn", None))))
            entry["targetGroupArn"] = pair[0] if pair else None
            entry["advancedConfiguration"] = dict(advanced, targetGroupPair=pair)
        normalized.append(entry)
    return sorted(normalized, key=lambda lb: (lb["targetGroupArn"] or "", lb["containerName"] or "", lb["containerPort"]))


def deployment_configuration_request(configuration):
    if configuration is None:
        return None
    request = {}
    for option, key in (
        ("maximum_percent", "maximumPercent"),
        ("minimum_healthy_percent", "minimumHealthyPercent"),
        ("strategy", "strategy"),
        ("bake_time_in_minutes", "bakeTimeInMinutes"),
    ):
        if configuration.get(option) is not None:
            request[key] = configuration[option]
    if configuration.get("circuit_breaker") is not None:
        request["deploymentCircuitBreaker"] = {
            "enable": configuration["circuit_breaker"]["enable"],
            "rollback": configuration["circuit_breaker"]["rollback"],
        }
    if configuration.get("canary_configuration") is not None:
        canary = configuration["canary_configuration"]
        request["canaryConfiguration"] = {"canaryPercent": canary["canary_percent"], "canaryBakeTimeInMinutes": canary["canary_bake_time_in_minutes"]}
    if configuration.get("linear_configuration") is not None:
        linear = configuration["linear_configuration"]
        request["linearConfiguration"] = {"stepPercent": linear["step_percent"], "stepBakeTimeInMinutes": linear["step_bake_time_in_minutes"]}
    if configuration.get("alarms") is not None:
        alarms = configuration["alarms"]
        request["alarms"] = {"alarmNames": sorted(alarms["alarm_names"]), "enable": alarms["enable"], "rollback": alarms["rollback"]}
    if configuration.get("lifecycle_hooks") is not None:
        request["lifecycleHooks"] = [hook_request(hook) for hook in configuration["lifecycle_hooks"]]
    return request


def hook_request(hook):
    request = {"targetType": hook.get("target_type") or "AWS_LAMBDA", "lifecycleStages": list(hook["lifecycle_stages"])}
    if hook.get("hook_target_arn"):
        request["hookTargetArn"] = hook["hook_target_arn"]
    if hook.get("role_arn"):
        request["roleArn"] = hook["role_arn"]
    timeout = {key: hook.get(option) for option, key in (("timeout_in_minutes", "timeoutInMinutes"), ("timeout_action", "action"))}
    if any(value is not None for value in timeout.values()):
        request["timeoutConfiguration"] = {key: value for key, value in timeout.items() if value is not None}
    return request


def normalize_hook(hook):
    """A lifecycle hook as ECS reports it, in hook_request's form: AWS_LAMBDA where it reports no target type."""
    normalized = {"targetType": hook.get("targetType") or "AWS_LAMBDA", "lifecycleStages": list(hook.get("lifecycleStages") or [])}
    for key in ("hookTargetArn", "roleArn"):
        if hook.get(key):
            normalized[key] = hook[key]
    if hook.get("timeoutConfiguration"):
        normalized["timeoutConfiguration"] = {key: value for key, value in hook["timeoutConfiguration"].items() if value is not None}
    return normalized


def normalize_deployment_configuration(current):
    """The service's deploymentConfiguration in the form deployment_configuration_request writes: ROLLING where ECS
    reports no strategy, alarm names sorted, lifecycle hooks with the fields the module manages."""
    normalized = copy.deepcopy(current or {})
    normalized["strategy"] = normalized.get("strategy") or "ROLLING"
    if normalized.get("alarms"):
        normalized["alarms"] = dict(normalized["alarms"], alarmNames=sorted(normalized["alarms"].get("alarmNames") or []))
    if "lifecycleHooks" in normalized:
        normalized["lifecycleHooks"] = [normalize_hook(hook) for hook in normalized["lifecycleHooks"] or []]
    return normalized


def deployment_configuration_update(current, configuration):
    """The whole deploymentConfiguration to send when a setting of `configuration` differs from the service's, else
    None: the service's own settings (as ECS reports them) where the options say nothing, without the canary or
    linear steps of a strategy it no longer uses."""
    normalized = normalize_deployment_configuration(current)
    if all(normalized.get(key) == value for key, value in configuration.items()):
        return None
    update = dict(copy.deepcopy(current or {}), **configuration)
    if update.get("strategy") != "CANARY":
        update.pop("canaryConfiguration", None)
    if update.get("strategy") != "LINEAR":
        update.pop("linearConfiguration", None)
    return update


def deployment_problem(configuration, load_balancers):
    """What is wrong with the deployment options (None when nothing is), before any API call."""
    configuration = configuration or {}
    strategy = configuration.get("strategy")
    for option, wanted in (("canary_configuration", "CANARY"), ("linear_configuration", "LINEAR")):
        if configuration.get(option) is not None and strategy != wanted:
            return f"deployment_configuration.{option} needs deployment_configuration.strategy {wanted}, not {strategy or 'unset'}"
    ranges = (
        ("bake_time_in_minutes", configuration.get("bake_time_in_minutes"), 0, 1440),
        ("canary_configuration.canary_percent", (configuration.get("canary_configuration") or {}).get("canary_percent"), 0.1, 100),
        ("canary_configuration.canary_bake_time_in_minutes", (configuration.get("canary_configuration") or {}).get("canary_bake_time_in_minutes"), 0, 1440),
        ("linear_configuration.step_percent", (configuration.get("linear_configuration") or {}).get("step_percent"), 3, 100),
        ("linear_configuration.step_bake_time_in_minutes", (configuration.get("linear_configuration") or {}).get("step_bake_time_in_minutes"), 0, 1440),
    )
    for option, value, low, high in ranges:
        if value is not None and not low <= value <= high:
            return f"deployment_configuration.{option} must be between {low} and {high}, not {value}"
    for number, hook in enumerate(configuration.get("lifecycle_hooks") or []):
        if (hook.get("target_type") or "AWS_LAMBDA") == "AWS_LAMBDA" and not (hook.get("hook_target_arn") and hook.get("role_arn")):
            return f"deployment_configuration.lifecycle_hooks[{number}] calls a Lambda function: it needs hook_target_arn and role_arn"
        if hook.get("timeout_in_minutes") is not None and not 1 <= hook["timeout_in_minutes"] <= 1440:
            return f"deployment_configuration.lifecycle_hooks[{number}].timeout_in_minutes must be between 1 and 1440, not {hook['timeout_in_minutes']}"
    if configuration.get("alarms") is not None and not configuration["alarms"]["alarm_names"]:
        return "deployment_configuration.alarms.alarm_names needs at least one alarm"
    if strategy in TRAFFIC_SHIFTING and load_balancers:
        without = [lb["target_group_arn"] for lb in load_balancers if not lb.get("advanced_configuration")]
        if without:
            return f"deployment_configuration.strategy {strategy} needs load_balancers[].advanced_configuration for {', '.join(without)}"
    return None


def planned_update(service, params):
    """The UpdateService request (without cluster and service) that brings the service to the options."""
    update = {}
    if not task_definition_matches(service.get("taskDefinition"), params["task_definition"]):
        update["taskDefinition"] = params["task_definition"]
    if params["desired_count"] is not None and not params["preserve_desired_count"] and service.get("desiredCount") != params["desired_count"]:
        update["desiredCount"] = params["desired_count"]

    strategy = strategy_request(params["capacity_provider_strategy"])
    if strategy is not None and (normalize_strategy(service.get("capacityProviderStrategy")) != strategy or service.get("launchType")):
        update["capacityProviderStrategy"] = strategy
    if params["platform_version"] is not None and service.get("platformVersion") != params["platform_version"]:
        update["platformVersion"] = params["platform_version"]

    network = network_request(params["network_configuration"])
    if network is not None and normalize_network(service.get("networkConfiguration")) != network:
        update["networkConfiguration"] = network

    load_balancers = load_balancers_request(params["load_balancers"])
    if load_balancers is not None and normalize_load_balancers(service.get("loadBalancers")) != normalize_load_balancers(load_balancers):
        update["loadBalancers"] = load_balancers

    grace = params["health_check_grace_period_seconds"]
    if grace is not None and (service.get("healthCheckGracePeriodSeconds") or 0) != grace:
        update["healthCheckGracePeriodSeconds"] = grace

    configuration = deployment_configuration_request(params["deployment_configuration"])
    if configuration:
        changed = deployment_configuration_update(service.get("deploymentConfiguration"), configuration)
        if changed is not None:
            update["deploymentConfiguration"] = changed

    for option, key, default in (
        ("enable_execute_command", "enableExecuteCommand", False),
        ("propagate_tags", "propagateTags", "NONE"),
        ("enable_ecs_managed_tags", "enableECSManagedTags", False),
    ):
        if params[option] is not None and service.get(key, default) != params[option]:
            update[key] = params[option]
    return update


def create_request(params):
    request = {
        "cluster": params["cluster"],
        "serviceName": params["name"],
        "taskDefinition": params["task_definition"],
        "desiredCount": params["desired_count"],
        "schedulingStrategy": "REPLICA",
    }
    optional = {
        "launchType": params["launch_type"],
        "capacityProviderStrategy": strategy_request(params["capacity_provider_strategy"]),
        "platformVersion": params["platform_version"],
        "networkConfiguration": network_request(params["network_configuration"]),
        "loadBalancers": load_balancers_request(params["load_balancers"]),
        "healthCheckGracePeriodSeconds": params["health_check_grace_period_seconds"],
        "deploymentConfiguration": deployment_configuration_request(params["deployment_configuration"]),
        "enableExecuteCommand": params["enable_execute_command"],
        "propagateTags": params["propagate_tags"],
        "enableECSManagedTags": params["enable_ecs_managed_tags"],
    }
    request.update({key: value for key, value in optional.items() if value is not None})
    if params["tags"]:
        request["tags"] = tag_list(params["tags"])
    return request


def format_service(service):
    # The events are ECS's log of the service, not part of it.
    return format_resource(service, leave_out=("events",))


def diff_view(service):
    if not service:
        return {}
    keys = (
        "taskDefinition",
        "desiredCount",
        "launchType",
        "capacityProviderStrategy",
        "platformVersion",
        "networkConfiguration",
        "loadBalancers",
        "healthCheckGracePeriodSeconds",
        "deploymentConfiguration",
        "enableExecuteCommand",
        "propagateTags",
        "enableECSManagedTags",
    )
    view = {key: copy.deepcopy(service.get(key)) for key in keys if service.get(key) is not None}
    view["tags"] = tags_of(service)
    return view


def tags_ask_redeploy(current_tags, params):
    """True when `tags` gives a key of `redeploy_on_tag_change` a value the service does not carry."""
    wanted = params["tags"] or {}
    return any(key in wanted and current_tags.get(key) != str(wanted[key]) for key in params["redeploy_on_tag_change"])


def ensure_present(client, module):
    params = module.params
    service = describe_service(client, module, params["cluster"], params["name"], tags=True)
    if service is None:
        for option in ("task_definition", "desired_count"):
            if params[option] is None:
                module.fail_json(msg=f"{option} is needed to create ECS service {params['name']}")
        request = create_request(params)
        if module.check_mode:
            planned = {k: v for k, v in request.items() if k not in ("cluster", "serviceName")}
            planned.update(serviceName=params["name"], status="ACTIVE")
            module.exit_json(
                changed=True,
                changed_settings=sorted(planned),
                redeployed=False,
                service=format_service(planned),
                diff=dict(before={}, after=diff_view(planned)),
            )
        try:
            created = client.create_service(aws_retry=True, **request)["service"]
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
            module.fail_json_aws(e, msg=f"Couldn't create ECS service {params['name']} in cluster {params['cluster']}")
        created = describe_service(client, module, params["cluster"], params["name"], tags=True) or created
        module.exit_json(
            changed=True,
            changed_settings=[],
            redeployed=False,
            service=format_service(created),
            diff=dict(before={}, after=diff_view(created)),
        )

    if service.get("status") == "DRAINING":
        module.fail_json(msg=f"ECS service {params['name']} is being deleted (DRAINING); run again once it is INACTIVE")
    update = planned_update(service, params)
    changed_settings = sorted(update)
    redeployed = tags_ask_redeploy(tags_of(service), params)
    if "capacityProviderStrategy" in update or params["force_new_deployment"] or redeployed:
        update["forceNewDeployment"] = True
    tags_changed, tags = update_tags(client, module, service["serviceArn"], tags_of(service), params, f"ECS service {params['name']}")
    after = dict(service, **{k: v for k, v in update.items() if k != "forceNewDeployment"})
    after["tags"] = tag_list(tags)
    if update and not module.check_mode:
        try:
            client.update_service(aws_retry=True, cluster=params["cluster"], service=params["name"], **update)
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
            module.fail_json_aws(e, msg=f"Couldn't update ECS service {params['name']} in cluster {params['cluster']}")
    changed = bool(update) or tags_changed
    if changed and not module.check_mode:
        after = describe_service(client, module, params["cluster"], params["name"], tags=True) or after
    module.exit_json(
        changed=changed,
        changed_settings=changed_settings,
        redeployed=redeployed,
        service=format_service(after),
        diff=dict(before=diff_view(service), after=diff_view(after)),
    )


def wait_inactive(client, module, params):
    deadline = time.monotonic() + params["wait_timeout"]
    while time.monotonic() < deadline:
        if describe_service(client, module, params["cluster"], params["name"], tags=True) is None:
            return
        time.sleep(5)
    module.fail_json(msg=f"ECS service {params['name']} was not INACTIVE after {params['wait_timeout']} seconds")


def ensure_absent(client, module):
    params = module.params
    service = describe_service(client, module, params["cluster"], params["name"], tags=True)
    if service is None or service.get("status") == "DRAINING":
        if service is not None and params["wait"] and not module.check_mode:
            wait_inactive(client, module, params)
        module.exit_json(changed=False, changed_settings=[], redeployed=False, service={})
    if not module.check_mode:
        try:
            if service.get("desiredCount", 0) > 0:
                client.update_service(aws_retry=True, cluster=params["cluster"], service=params["name"], desiredCount=0)
            client.delete_service(aws_retry=True, cluster=params["cluster"], service=params["name"])
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
            module.fail_json_aws(e, msg=f"Couldn't delete ECS service {params['name']} in cluster {params['cluster']}")
        if params["wait"]:
            wait_inactive(client, module, params)
    module.exit_json(changed=True, changed_settings=[], redeployed=False, service={}, diff=dict(before=diff_view(service), after={}))


def main():
    argument_spec = dict(
        state=dict(type="str", choices=["present", "absent"], default="present"),
        name=dict(type="str", required=True, aliases=["service"]),
        cluster=dict(type="str", required=True),
        task_definition=dict(type="str"),
        desired_count=dict(type="int"),
        preserve_desired_count=dict(type="bool", default=False),
        launch_type=dict(type="str", choices=["FARGATE", "EC2", "EXTERNAL"]),
        capacity_provider_strategy=dict(
            type="list",
            elements="dict",
            options=dict(
                capacity_provider=dict(type="str", required=True),
                weight=dict(type="int", default=1),
                base=dict(type="int", default=0),
            ),
        ),
        platform_version=dict(type="str"),
        network_configuration=dict(
            type="dict",
            options=dict(
                subnets=dict(type="list", elements="str", required=True),
                security_groups=dict(type="list", elements="str", required=True),
                assign_public_ip=dict(type="bool", default=False),
            ),
        ),
        load_balancers=dict(
            type="list",
            elements="dict",
            options=dict(
                target_group_arn=dict(type="str", required=True),
                container_name=dict(type="str", required=True),
                container_port=dict(type="int", required=True),
                advanced_configuration=dict(
                    type="dict",
                    options=dict(
                        alternate_target_group_arn=dict(type="str", required=True),
                        production_listener_rule=dict(type="str", required=True),
                        test_listener_rule=dict(type="str"),
                        role_arn=dict(type="str", required=True),
                    ),
                ),
            ),
        ),
        health_check_grace_period_seconds=dict(type="int"),
        deployment_configuration=dict(
            type="dict",
            options=dict(
                maximum_percent=dict(type="int"),
                minimum_healthy_percent=dict(type="int"),
                circuit_breaker=dict(
                    type="dict",
                    options=dict(enable=dict(type="bool", required=True), rollback=dict(type="bool", required=True)),
                ),
                strategy=dict(type="str", choices=STRATEGIES),
                bake_time_in_minutes=dict(type="int"),
                canary_configuration=dict(
                    type="dict",
                    options=dict(canary_percent=dict(type="float", required=True), canary_bake_time_in_minutes=dict(type="int", required=True)),
                ),
                linear_configuration=dict(
                    type="dict",
                    options=dict(step_percent=dict(type="float", required=True), step_bake_time_in_minutes=dict(type="int", required=True)),
                ),
                alarms=dict(
                    type="dict",
                    options=dict(
                        alarm_names=dict(type="list", elements="str", required=True),
                        enable=dict(type="bool", default=True),
                        rollback=dict(type="bool", default=True),
                    ),
                ),
                lifecycle_hooks=dict(
                    type="list",
                    elements="dict",
                    options=dict(
                        target_type=dict(type="str", choices=["AWS_LAMBDA", "PAUSE"], default="AWS_LAMBDA"),
                        hook_target_arn=dict(type="str"),
                        role_arn=dict(type="str"),
                        timeout_in_minutes=dict(type="int"),
                        timeout_action=dict(type="str", choices=["ROLLBACK", "CONTINUE"]),
                        lifecycle_stages=dict(type="list", elements="str", required=True, choices=LIFECYCLE_STAGES),
                    ),
                ),
            ),
        ),
        enable_execute_command=dict(type="bool"),
        propagate_tags=dict(type="str", choices=["SERVICE", "TASK_DEFINITION", "NONE"]),
        enable_ecs_managed_tags=dict(type="bool"),
        force_new_deployment=dict(type="bool", default=False),
        redeploy_on_tag_change=dict(type="list", elements="str", default=[], no_log=False),
        wait=dict(type="bool", default=False),
        wait_timeout=dict(type="int", default=600),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
    )
    module = AnsibleAWSModule(
        argument_spec=argument_spec,
        supports_check_mode=True,
        mutually_exclusive=[["launch_type", "capacity_provider_strategy"]],
    )
    params = module.params
    if params["desired_count"] is not None and params["desired_count"] < 0:
        module.fail_json(msg="desired_count must be 0 or more")
    problem = deployment_problem(params["deployment_configuration"], params["load_balancers"])
    if problem:
        module.fail_json(msg=problem)
    if params["capacity_provider_strategy"] is not None:
        if not params["capacity_provider_strategy"]:
            module.fail_json(msg="capacity_provider_strategy needs at least one capacity provider")
        if sum(1 for s in params["capacity_provider_strategy"] if s["base"] > 0) > 1:
            module.fail_json(msg="Only one capacity provider of the strategy may have a base")

    client = ecs_client(module)
    if params["state"] == "present":
        ensure_present(client, module)
    else:
        ensure_absent(client, module)


if __name__ == "__main__":
    main()
