#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the tracetrack.aws collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: ecs_cluster
short_description: Manage ECS clusters with Container Insights, capacity providers and tags
version_added: 0.1.0
description:
  - Create, update or delete an Amazon ECS cluster (ECS C(CreateCluster), C(DescribeClusters), C(UpdateCluster),
    C(PutClusterCapacityProviders), C(TagResource), C(UntagResource), C(DeleteCluster)).
  - Unlike M(community.aws.ecs_cluster), it manages the cluster's Container Insights setting and its tags, and compares
    capacity providers and the default strategy whatever their order.
  - Only the options that are set are compared and changed; the others are left as they are.
  - Deleting a cluster fails while it still has active services; delete them first.
options:
  state:
    description: Whether the cluster should exist.
    type: str
    choices: [present, absent]
    default: present
  name:
    description: The cluster's name.
    type: str
    required: true
    aliases: [cluster_name]
  container_insights:
    description:
      - CloudWatch Container Insights for the cluster (the C(containerInsights) cluster setting).
      - V(enhanced) adds task- and container-level metrics.
      - When not set, a new cluster uses the account's default and an existing cluster's setting is left alone.
    type: str
    choices: [enabled, disabled, enhanced]
  capacity_providers:
    description:
      - The capacity providers the cluster's services may use, for example V(FARGATE) and V(FARGATE_SPOT).
      - When not set, an existing cluster's capacity providers and default strategy are left alone.
    type: list
    elements: str
  default_capacity_provider_strategy:
    description:
      - The strategy used by services that set neither a launch type nor a strategy of their own.
      - Only used together with O(capacity_providers); every provider named here must be listed there.
    type: list
    elements: dict
    default: []
    suboptions:
      capacity_provider:
        description: The capacity provider's name.
        type: str
        required: true
      weight:
        description: The relative share of tasks placed with this provider.
        type: int
        default: 0
      base:
        description: How many tasks, at least, run with this provider (one provider of the strategy only).
        type: int
        default: 0
author:
  - TraceTrack platform team (@tracetrack)
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Fargate cluster with Container Insights, on-demand by default
  tracetrack.aws.ecs_cluster:
    name: tracetrack-production
    container_insights: enabled
    capacity_providers: [FARGATE, FARGATE_SPOT]
    default_capacity_provider_strategy:
      - capacity_provider: FARGATE
        weight: 1
    tags:
      Project: tracetrack
      Environment: production

- name: Remove the cluster (its services must be gone)
  tracetrack.aws.ecs_cluster:
    name: tracetrack-dev
    state: absent
"""

RETURN = r"""
cluster:
  description: The cluster, as ECS C(DescribeClusters) describes it. Empty after a deletion.
  returned: always
  type: dict
  contains:
    cluster_arn:
      description: The cluster's ARN.
      type: str
      sample: arn:aws:ecs:ap-south-1:123456789012:cluster/tracetrack-production
    cluster_name:
      description: The cluster's name.
      type: str
      sample: tracetrack-production
    status:
      description: The cluster's status.
      type: str
      sample: ACTIVE
    settings:
      description: The cluster's settings.
      type: list
      elements: dict
      sample: [{"name": "containerInsights", "value": "enabled"}]
    capacity_providers:
      description: The cluster's capacity providers.
      type: list
      elements: str
      sample: [FARGATE, FARGATE_SPOT]
    default_capacity_provider_strategy:
      description: The default capacity provider strategy.
      type: list
      elements: dict
      sample: [{"capacity_provider": "FARGATE", "weight": 1, "base": 0}]
    tags:
      description: The cluster's tags.
      type: dict
      sample: {"Project": "tracetrack"}
"""

try:
    import botocore
except ImportError:
    pass  # handled by AnsibleAWSModule

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule

from ansible_collections.tracetrack.aws.plugins.module_utils.ecs import ecs_client
from ansible_collections.tracetrack.aws.plugins.module_utils.ecs import format_resource
from ansible_collections.tracetrack.aws.plugins.module_utils.ecs import normalize_strategy
from ansible_collections.tracetrack.aws.plugins.module_utils.ecs import tag_list
from ansible_collections.tracetrack.aws.plugins.module_utils.ecs import tags_of
from ansible_collections.tracetrack.aws.plugins.module_utils.ecs import update_tags

INSIGHTS = "containerInsights"


def describe_cluster(client, module, name):
    """The cluster when it exists (ACTIVE or still being set up), else None."""
    try:
        response = client.describe_clusters(aws_retry=True, clusters=[name], include=["SETTINGS", "TAGS", "CONFIGURATIONS"])
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(e, msg=f"Couldn't describe ECS cluster {name}")
    for cluster in response.get("clusters", []):
        if cluster.get("clusterName") == name and cluster.get("status") != "INACTIVE":
            return cluster
    return None


def insights_of(cluster):
    for setting in cluster.get("settings") or []:
        if setting.get("name") == INSIGHTS:
            return setting.get("value")
    return None


def planned_changes(cluster, params):
    """What differs between the cluster and the options that are set: {'settings': ..., 'capacity': ...}."""
    changes = {}
    if params["container_insights"] is not None and insights_of(cluster) != params["container_insights"]:
        changes["settings"] = [{"name": INSIGHTS, "value": params["container_insights"]}]
    if params["capacity_providers"] is not None:
        wanted_providers = sorted(set(params["capacity_providers"]))
        wanted_strategy = normalize_strategy(params["default_capacity_provider_strategy"])
        if (
            sorted(set(cluster.get("capacityProviders") or [])) != wanted_providers
            or normalize_strategy(cluster.get("defaultCapacityProviderStrategy")) != wanted_strategy
        ):
            changes["capacity"] = {
                "capacityProviders": wanted_providers,
                "defaultCapacityProviderStrategy": wanted_strategy,
            }
    return changes


def diff_view(cluster):
    if not cluster:
        return {}
    return {
        "container_insights": insights_of(cluster),
        "capacity_providers": sorted(cluster.get("capacityProviders") or []),
        "default_capacity_provider_strategy": normalize_strategy(cluster.get("defaultCapacityProviderStrategy")),
        "tags": tags_of(cluster),
    }


def planned_cluster(cluster, params, changes, tags):
    planned = dict(cluster or {"clusterName": params["name"], "status": "ACTIVE"})
    if "settings" in changes:
        planned["settings"] = changes["settings"]
    if "capacity" in changes:
        planned.update(changes["capacity"])
    planned["tags"] = tag_list(tags)
    return planned


def create_cluster(client, module, params):
    request = {"clusterName": params["name"]}
    if params["container_insights"] is not None:
        request["settings"] = [{"name": INSIGHTS, "value": params["container_insights"]}]
    if params["capacity_providers"] is not None:
        request["capacityProviders"] = sorted(set(params["capacity_providers"]))
        request["defaultCapacityProviderStrategy"] = normalize_strategy(params["default_capacity_provider_strategy"])
    if params["tags"]:
        request["tags"] = tag_list(params["tags"])
    try:
        return client.create_cluster(aws_retry=True, **request)["cluster"]
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(e, msg=f"Couldn't create ECS cluster {params['name']}")


def apply_changes(client, module, cluster, changes):
    name = cluster["clusterName"]
    try:
        if "settings" in changes:
            client.update_cluster(aws_retry=True, cluster=name, settings=changes["settings"])
        if "capacity" in changes:
            client.put_cluster_capacity_providers(aws_retry=True, cluster=name, **changes["capacity"])
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(e, msg=f"Couldn't update ECS cluster {name}")


def ensure_present(client, module):
    params = module.params
    cluster = describe_cluster(client, module, params["name"])
    if cluster is None:
        if module.check_mode:
            planned = planned_cluster(None, params, planned_changes({}, params), params["tags"] or {})
            module.exit_json(changed=True, cluster=format_resource(planned), diff=dict(before={}, after=diff_view(planned)))
        created = create_cluster(client, module, params)
        created = describe_cluster(client, module, params["name"]) or created
        module.exit_json(changed=True, cluster=format_resource(created), diff=dict(before={}, after=diff_view(created)))

    changes = planned_changes(cluster, params)
    if changes and not module.check_mode:
        apply_changes(client, module, cluster, changes)
    tags_changed, tags = update_tags(client, module, cluster["clusterArn"], tags_of(cluster), params, f"ECS cluster {cluster['clusterName']}")
    changed = bool(changes) or tags_changed
    after = planned_cluster(cluster, params, changes, tags)
    if changed and not module.check_mode:
        after = describe_cluster(client, module, params["name"]) or after
    module.exit_json(changed=changed, cluster=format_resource(after), diff=dict(before=diff_view(cluster), after=diff_view(after)))


def ensure_absent(client, module):
    name = module.params["name"]
    cluster = describe_cluster(client, module, name)
    if cluster is None:
        module.exit_json(changed=False, cluster={})
    if not module.check_mode:
        try:
            client.delete_cluster(aws_retry=True, cluster=name)
        except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
            module.fail_json_aws(e, msg=f"Couldn't delete ECS cluster {name}")
    module.exit_json(changed=True, cluster={}, diff=dict(before=diff_view(cluster), after={}))


def main():
    argument_spec = dict(
        state=dict(type="str", choices=["present", "absent"], default="present"),
        name=dict(type="str", required=True, aliases=["cluster_name"]),
        container_insights=dict(type="str", choices=["enabled", "disabled", "enhanced"]),
        capacity_providers=dict(type="list", elements="str"),
        default_capacity_provider_strategy=dict(
            type="list",
            elements="dict",
            default=[],
            options=dict(
                capacity_provider=dict(type="str", required=True),
                weight=dict(type="int", default=0),
                base=dict(type="int", default=0),
            ),
        ),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
    )
    module = AnsibleAWSModule(argument_spec=argument_spec, supports_check_mode=True)
    params = module.params
    strategy_providers = {item["capacity_provider"] for item in params["default_capacity_provider_strategy"]}
    if strategy_providers and params["capacity_providers"] is None:
        module.fail_json(msg="default_capacity_provider_strategy needs capacity_providers")
    if not strategy_providers <= set(params["capacity_providers"] or []):
        module.fail_json(
            msg=f"default_capacity_provider_strategy names providers that are not in capacity_providers: "
            f"{sorted(strategy_providers - set(params['capacity_providers'] or []))}"
        )

    client = ecs_client(module)
    if params["state"] == "present":
        ensure_present(client, module)
    else:
        ensure_absent(client, module)


if __name__ == "__main__":
    main()
