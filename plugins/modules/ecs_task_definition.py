#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the tracetrack.aws collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: ecs_task_definition
short_description: Register ECS task definition revisions only when the definition changes
version_added: 0.1.0
description:
  - Compares the requested task definition with the latest C(ACTIVE) revision of its family and registers a new revision
    only when they differ (ECS C(DescribeTaskDefinition), C(RegisterTaskDefinition)). With O(state=absent), deregisters
    every C(ACTIVE) revision of the family (C(ListTaskDefinitions), C(DeregisterTaskDefinition)).
  - Unlike M(community.aws.ecs_task_definition), every part of the definition is compared, task size, roles, network
    mode and runtime platform included, so that changing the task's CPU or memory registers a new revision. Values
    ECS fills in by itself (a container's C(cpu) of 0, C(essential), empty lists, the health check's default interval,
    timeout and retries, a host port equal to the container port in C(awsvpc) mode) do not count as differences.
  - Tags of the latest revision are updated in place (C(TagResource), C(UntagResource)); they do not make a new revision.
  - In check mode, a change reports the revision that would be registered, with the ARN it would most likely get
    (V(family:1) for a family that has no revision yet).
options:
  state:
    description: Whether the family should have an C(ACTIVE) revision matching the request, or none at all.
    type: str
    choices: [present, absent]
    default: present
  family:
    description: The task definition family.
    type: str
    required: true
  containers:
    description:
      - The container definitions, as the ECS API spells them (C(name), C(image), C(portMappings), C(environment),
        C(secrets), C(healthCheck), C(logConfiguration), ...).
      - Required with O(state=present).
    type: list
    elements: dict
  network_mode:
    description: The Docker networking mode of the task's containers. Fargate needs V(awsvpc).
    type: str
    choices: [awsvpc, bridge, host, none]
    default: awsvpc
  requires_compatibilities:
    description: The launch types the task definition is validated against.
    type: list
    elements: str
    default: [FARGATE]
  cpu:
    description: Task-level CPU units, for example V(256), V(1024). Required for Fargate.
    type: str
  memory:
    description: Task-level memory in MiB, for example V(512), V(2048). Required for Fargate.
    type: str
  task_role_arn:
    description: The IAM role the containers' AWS calls run as.
    type: str
  execution_role_arn:
    description: The IAM role ECS uses to pull the image, read secrets and write logs.
    type: str
  runtime_platform:
    description: The operating system and CPU architecture the task runs on.
    type: dict
    suboptions:
      cpu_architecture:
        description: V(X86_64) or V(ARM64).
        type: str
        choices: [X86_64, ARM64]
        default: X86_64
      operating_system_family:
        description: The operating system family.
        type: str
        default: LINUX
  volumes:
    description: Volumes the containers may mount, as the ECS API spells them.
    type: list
    elements: dict
    default: []
author:
  - TraceTrack platform team (@tracetrack)
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Web task, 1 vCPU and 2 GiB, secrets from Secrets Manager JSON keys
  tracetrack.aws.ecs_task_definition:
    family: tracetrack-production-web
    cpu: "1024"
    memory: "2048"
    execution_role_arn: "{{ execution_role.iam_role.arn }}"
    task_role_arn: "{{ task_role.iam_role.arn }}"
    containers:
      - name: web
        image: 123456789012.dkr.ecr.ap-south-1.amazonaws.com/tracetrack/production:1.4.2
        essential: true
        portMappings:
          - containerPort: 8000
            protocol: tcp
        environment:
          - name: TRACETRACK_ENV
            value: production
        secrets:
          - name: SECRET_KEY
            valueFrom: "{{ app_secret_arn }}:SECRET_KEY::"
        healthCheck:
          command: [CMD-SHELL, "curl -fsS http://localhost:8000/health || exit 1"]
          interval: 30
          timeout: 5
          retries: 3
          startPeriod: 60
        logConfiguration:
          logDriver: awslogs
          options:
            awslogs-group: /tracetrack-production/web
            awslogs-region: ap-south-1
            awslogs-stream-prefix: web
    tags:
      Project: tracetrack
  register: web_task

- name: Deregister every revision of the family
  tracetrack.aws.ecs_task_definition:
    family: tracetrack-dev-web
    state: absent
"""

RETURN = r"""
task_definition:
  description:
    - The latest C(ACTIVE) revision after the run, as ECS C(DescribeTaskDefinition) describes it.
    - Container definitions keep the ECS API's spelling (camelCase).
    - Empty after O(state=absent).
  returned: always
  type: dict
  contains:
    task_definition_arn:
      description: The revision's ARN.
      type: str
      sample: arn:aws:ecs:ap-south-1:123456789012:task-definition/tracetrack-production-web:7
    family:
      description: The family.
      type: str
      sample: tracetrack-production-web
    revision:
      description: The revision number.
      type: int
      sample: 7
    cpu:
      description: Task-level CPU units.
      type: str
      sample: "1024"
    memory:
      description: Task-level memory in MiB.
      type: str
      sample: "2048"
    container_definitions:
      description: The container definitions.
      type: list
      elements: dict
    tags:
      description: The revision's tags.
      type: dict
deregistered:
  description: The ARNs of the revisions deregistered (O(state=absent)).
  returned: always
  type: list
  elements: str
  sample: ["arn:aws:ecs:ap-south-1:123456789012:task-definition/tracetrack-dev-web:1"]
"""

import copy

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.tracetrack.aws.plugins.module_utils.ecs import ecs_client
from ansible_collections.tracetrack.aws.plugins.module_utils.ecs import tag_list
from ansible_collections.tracetrack.aws.plugins.module_utils.ecs import tags_of
from ansible_collections.tracetrack.aws.plugins.module_utils.ecs import update_tags

# Values ECS fills in when a container definition leaves them out.
CONTAINER_DEFAULTS = {"cpu": 0, "essential": True, "versionConsistency": "enabled"}
HEALTH_CHECK_DEFAULTS = {"interval": 30, "timeout": 5, "retries": 3, "startPeriod": 0}
# Lists whose order ECS does not keep, or that mean the same in any order: sorted by this key.
SORT_KEYS = {"environment": "name", "secrets": "name", "portMappings": "containerPort", "ulimits": "name"}


def is_empty(value):
    return value is None or value == [] or value == {} or value == ""


def prune(value):
    """The value without empty members at any depth (ECS reports empty lists and maps the request left out)."""
    if isinstance(value, dict):
        pruned = {k: prune(v) for k, v in value.items()}
        return {k: v for k, v in pruned.items() if not is_empty(v)}
    if isinstance(value, list):
        return [prune(v) for v in value]
    return value


def normalize_container(container, network_mode):
    """A container definition in the form both sides are compared in."""
    result = {}
    for key, value in prune(container).items():
        if key in CONTAINER_DEFAULTS and value == CONTAINER_DEFAULTS[key]:
            continue
        result[key] = copy.deepcopy(value)

    mappings = []
    for mapping in result.get("portMappings", []):
        mapping = {k: v for k, v in mapping.items() if not is_empty(v)}
        mapping.setdefault("protocol", "tcp")
        if network_mode == "awsvpc" and mapping.get("hostPort") == mapping.get("containerPort"):
            mapping.pop("hostPort", None)
        mappings.append(mapping)
    if mappings:
        result["portMappings"] = mappings

    if "healthCheck" in result:
        health_check = dict(HEALTH_CHECK_DEFAULTS)
        health_check.update({k: v for k, v in result["healthCheck"].items() if v is not None})
        result["healthCheck"] = health_check

    for key, sort_key in SORT_KEYS.items():
        if key in result:
            result[key] = sorted(result[key], key=lambda item, k=sort_key: str(item.get(k)))
    return result


def normalize_definition(definition):
    """The parts of a task definition that a request sets, in comparable form."""
    network_mode = definition.get("networkMode") or "bridge"
    containers = [normalize_container(c, network_mode) for c in definition.get("containerDefinitions") or []]
    return {
        "networkMode": network_mode,
        "requiresCompatibilities": sorted(definition.get("requiresCompatibilities") or []),
        "cpu": str(definition["cpu"]) if definition.get("cpu") else None,
        "memory": str(definition["memory"]) if definition.get("memory") else None,
        "taskRoleArn": definition.get("taskRoleArn") or None,
        "executionRoleArn": definition.get("executionRoleArn") or None,
        "runtimePlatform": definition.get("runtimePlatform") or None,
        "volumes": sorted(
            [{k: v for k, v in volume.items() if not is_empty(v)} for volume in definition.get("volumes") or []],
            key=lambda v: v.get("name", ""),
        ),
        "containerDefinitions": sorted(containers, key=lambda c: c.get("name", "")),
    }


def build_request(params):
    request = {
        "family": params["family"],
        "containerDefinitions": params["containers"],
        "networkMode": params["network_mode"],
        "requiresCompatibilities": params["requires_compatibilities"],
        "volumes": params["volumes"] or [],
    }
    for option, key in (
        ("cpu", "cpu"),
        ("memory", "memory"),
        ("task_role_arn", "taskRoleArn"),
        ("execution_role_arn", "executionRoleArn"),
    ):
        if params[option]:
            request[key] = str(params[option])
    if params["runtime_platform"]:
        request["runtimePlatform"] = {
            "cpuArchitecture": params["runtime_platform"]["cpu_architecture"],
            "operatingSystemFamily": params["runtime_platform"]["operating_system_family"],
        }
    return request


def differences(current, request):
    """The top-level parts of the definition that differ (names only, for the result)."""
    before = normalize_definition(current)
    after = normalize_definition(request)
    if after["runtimePlatform"] is None:
        before["runtimePlatform"] = None
    return sorted(key for key in after if before[key] != after[key])


def describe_latest(client, module, family):
    try:
        response = client.describe_task_definition(aws_retry=True, taskDefinition=family, include=["TAGS"])
    except is_boto3_error_code("ClientException"):
        return None, {}
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:  # pylint: disable=duplicate-except
        module.fail_json_aws(e, msg=f"Couldn't describe task definition family {family}")
    definition = response["taskDefinition"]
    if definition.get("status") != "ACTIVE" or definition.get("family") != family:
        return None, {}
    return definition, tags_of(response)


def format_definition(definition, tags):
    if not definition:
        return {}
    result = camel_dict_to_snake_dict({k: v for k, v in definition.items() if k != "containerDefinitions"})
    result["container_definitions"] = definition.get("containerDefinitions", [])
    result["tags"] = tags or {}
    return result


def predicted_arn(current, family):
    """The ARN the next revision would most likely get; V(family:1) for a new family (its ARN is not known yet)."""
    if current:
        return current["taskDefinitionArn"].rsplit(":", 1)[0] + f":{current['revision'] + 1}"
    return f"{family}:1"


def ensure_present(client, module):
    params = module.params
    request = build_request(params)
    current, current_tags = describe_latest(client, module, params["family"])
    changed_parts = differences(current, request) if current else ["family"]
    if current and not changed_parts:
        arn = current["taskDefinitionArn"]
        tags_changed, tags = update_tags(client, module, arn, current_tags, params, f"task definition {arn}")
        module.exit_json(changed=tags_changed, changed_parts=[], task_definition=format_definition(current, tags))

    diff = dict(
        before=normalize_definition(current) if current else {},
        after=normalize_definition(request),
    )
    if module.check_mode:
        planned = dict(request, status="ACTIVE", revision=(current["revision"] + 1) if current else 1)
        planned["taskDefinitionArn"] = predicted_arn(current, params["family"])
        module.exit_json(
            changed=True,
            changed_parts=changed_parts,
            task_definition=format_definition(planned, params["tags"] or {}),
            diff=diff,
        )
    if params["tags"]:
        request["tags"] = tag_list(params["tags"])
    try:
        response = client.register_task_definition(aws_retry=True, **request)
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(e, msg=f"Couldn't register a revision of task definition family {params['family']}")
    registered = response["taskDefinition"]
    tags = tags_of(response) or (params["tags"] or {})
    module.exit_json(changed=True, changed_parts=changed_parts, task_definition=format_definition(registered, tags), diff=diff)


def active_revisions(client, module, family):
    try:
        paginator = client.get_paginator("list_task_definitions")
        arns = paginator.paginate(familyPrefix=family, status="ACTIVE").build_full_result()["taskDefinitionArns"]
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(e, msg=f"Couldn't list the revisions of task definition family {family}")
    # familyPrefix matches longer family names too.
    return [arn for arn in arns if arn.rsplit("/", 1)[-1].rsplit(":", 1)[0] == family]


def ensure_absent(client, module):
    family = module.params["family"]
    arns = active_revisions(client, module, family)
    if arns and not module.check_mode:
        for arn in arns:
            try:
                client.deregister_task_definition(aws_retry=True, taskDefinition=arn)
            except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
                module.fail_json_aws(e, msg=f"Couldn't deregister task definition {arn}")
    module.exit_json(changed=bool(arns), deregistered=arns, task_definition={})


def main():
    argument_spec = dict(
        state=dict(type="str", choices=["present", "absent"], default="present"),
        family=dict(type="str", required=True),
        containers=dict(type="list", elements="dict"),
        network_mode=dict(type="str", choices=["awsvpc", "bridge", "host", "none"], default="awsvpc"),
        requires_compatibilities=dict(type="list", elements="str", default=["FARGATE"]),
        cpu=dict(type="str"),
        memory=dict(type="str"),
        task_role_arn=dict(type="str"),
        execution_role_arn=dict(type="str"),
        runtime_platform=dict(
            type="dict",
            options=dict(
                cpu_architecture=dict(type="str", choices=["X86_64", "ARM64"], default="X86_64"),
                operating_system_family=dict(type="str", default="LINUX"),
            ),
        ),
        volumes=dict(type="list", elements="dict", default=[]),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
    )
    module = AnsibleAWSModule(
        argument_spec=argument_spec,
        supports_check_mode=True,
        required_if=[("state", "present", ["containers"])],
    )
    params = module.params
    if params["state"] == "present":
        names = [c.get("name") for c in params["containers"]]
        if not all(names) or len(set(names)) != len(names):
            module.fail_json(msg=f"Every container needs a name of its own: {names}")
        if "FARGATE" in params["requires_compatibilities"]:
            if params["network_mode"] != "awsvpc":
                module.fail_json(msg="Fargate task definitions need network_mode awsvpc")
            if not (params["cpu"] and params["memory"]):
                module.fail_json(msg="Fargate task definitions need cpu and memory")

    client = ecs_client(module)
    if params["state"] == "present":
        ensure_present(client, module)
    else:
        ensure_absent(client, module)


if __name__ == "__main__":
    main()
