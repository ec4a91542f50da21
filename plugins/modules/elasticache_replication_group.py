#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the tracetrack.aws collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
---
module: elasticache_replication_group
short_description: Manage ElastiCache (Redis OSS / Valkey) replication groups
version_added: 0.1.0
description:
  - Create, update or delete an Amazon ElastiCache replication group (C(CreateReplicationGroup),
    C(ModifyReplicationGroup), C(DeleteReplicationGroup)).
  - A group runs with cluster mode disabled (one shard of O(num_cache_clusters) nodes, a primary and its
    replicas) or with cluster mode enabled (O(num_node_groups) shards of 1 + O(replicas_per_node_group) nodes).
  - On an existing group only the options that are set are compared and changed. Node type, engine version,
    description, automatic failover, Multi-AZ, snapshot retention and window, maintenance window, security
    groups and parameter group are changed with C(ModifyReplicationGroup); the number of replicas with
    C(IncreaseReplicaCount) / C(DecreaseReplicaCount); the number of shards with
    C(ModifyReplicationGroupShardConfiguration).
  - Settings AWS cannot change on an existing group (cluster mode, cache subnet group, port, encryption at rest,
    in-transit encryption, KMS key, going back from valkey to redis) make the module fail with a message that
    names them; delete and re-create the group to change them.
  - Changes wait for the group to be C(available) before each step, because ElastiCache refuses a change
    while another is in progress.
options:
  state:
    description: Whether the replication group should exist.
    type: str
    choices: [present, absent]
    default: present
  replication_group_id:
    description:
      - The replication group identifier, 1 to 40 lowercase letters, digits and hyphens.
    type: str
    required: true
  description:
    description:
      - The group's description.
      - When creating a group and this is not set, the O(replication_group_id) is used.
    type: str
  engine:
    description:
      - The cache engine.
      - When creating a group and this is not set, V(redis) is used. When not set on an existing group, its
        engine is left alone.
      - A V(redis) group can be upgraded to V(valkey) (give O(engine_version) too); the reverse is refused.
    type: str
    choices: [redis, valkey]
  engine_version:
    description:
      - The engine version, for example V(7.1). A version given as V(major.minor) matches the
        V(major.minor.patch) AWS reports. Versions can only be upgraded.
    type: str
  cache_node_type:
    description:
      - The compute and memory capacity of the nodes, for example V(cache.t4g.micro).
      - Required to create a group.
    type: str
  num_cache_clusters:
    description:
      - Cluster mode disabled. The number of nodes in the group, primary included (1 to 6).
      - Changing it on an existing group adds or removes replicas.
      - Mutually exclusive with O(num_node_groups) and O(replicas_per_node_group).
    type: int
  num_node_groups:
    description:
      - Cluster mode enabled. The number of shards (node groups).
      - Setting this or O(replicas_per_node_group) creates a group with cluster mode enabled; give a parameter
        group with C(cluster-enabled yes), for example V(default.redis7.cluster.on).
      - Changing it on an existing group adds shards, or removes the highest-numbered ones; slots are
        rebalanced by ElastiCache.
    type: int
  replicas_per_node_group:
    description:
      - Cluster mode enabled. The number of replicas in each shard (0 to 5).
      - When creating a group and O(num_node_groups) is not set, one shard is created.
    type: int
  automatic_failover:
    description:
      - Whether a replica is promoted when the primary fails. Needs at least one replica.
      - With cluster mode enabled AWS requires it; the module then enables it on create when it is not set.
    type: bool
  multi_az:
    description: Whether Multi-AZ is enabled. Needs O(automatic_failover=true).
    type: bool
  cache_subnet_group_name:
    description: The cache subnet group the nodes are placed in. Cannot be changed on an existing group.
    type: str
  security_group_ids:
    description:
      - The VPC security groups of the nodes. When set, the group gets exactly this list.
    type: list
    elements: str
  port:
    description: The port the nodes accept connections on. Cannot be changed on an existing group.
    type: int
  parameter_group_name:
    description: The cache parameter group of the nodes.
    type: str
  transit_encryption_enabled:
    description:
      - Whether traffic to the nodes is encrypted (TLS). Required for O(auth_token).
      - Cannot be changed on an existing group by this module.
    type: bool
  at_rest_encryption_enabled:
    description: Whether data on disk is encrypted. Cannot be changed on an existing group.
    type: bool
  kms_key_id:
    description:
      - The KMS key (id or ARN) that encrypts data at rest. Cannot be changed on an existing group.
    type: str
  auth_token:
    description:
      - The password (16 to 128 printable characters) clients must give with the AUTH command.
        Needs O(transit_encryption_enabled=true).
      - It is set when the group is created, and on an existing group that has no token yet.
      - AWS never returns the token, so an existing token cannot be compared. It is only replaced when
        O(auth_token_update=true).
    type: str
  auth_token_update:
    description:
      - Send O(auth_token) to an existing group that already has a token, with the strategy
        O(auth_token_update_strategy). The task then reports a change every time it runs.
    type: bool
    default: false
  auth_token_update_strategy:
    description:
      - How a new token is applied to an existing group.
      - V(rotate) keeps the old token valid next to the new one, so that clients can move over;
        V(set) makes the new token the only one (allowed after a rotation).
    type: str
    choices: [rotate, set]
    default: rotate
  snapshot_retention_limit:
    description: The number of days automatic snapshots are kept; V(0) turns them off.
    type: int
  snapshot_window:
    description: The daily time range (UTC) in which automatic snapshots are taken, for example V(05:00-06:00).
    type: str
  preferred_maintenance_window:
    description:
      - The weekly time range (UTC) for maintenance, for example V(sun:23:00-mon:01:30). Compared case-insensitively.
    type: str
  apply_immediately:
    description:
      - Apply changes to the nodes (node type, engine version) now instead of in the next maintenance window.
      - A change that waits for the maintenance window is reported by AWS as pending and is not sent again.
      - Replica and shard count changes always apply immediately.
    type: bool
    default: false
  final_snapshot_identifier:
    description: With O(state=absent), the name of a snapshot taken before the group is deleted.
    type: str
  wait:
    description:
      - Wait for the group to be C(available) after a create or a change, or to be gone after a delete.
    type: bool
    default: true
  wait_timeout:
    description: How many seconds to wait for.
    type: int
    default: 1800
author:
  - TraceTrack platform team (@tracetrack)
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: A Redis OSS group with one replica, cluster mode disabled
  tracetrack.aws.elasticache_replication_group:
    replication_group_id: tracetrack-production
    description: TraceTrack cache
    engine: redis
    engine_version: "7.1"
    cache_node_type: cache.t4g.small
    num_cache_clusters: 2
    automatic_failover: true
    multi_az: true
    cache_subnet_group_name: tracetrack-production-cache
    security_group_ids:
      - "{{ cache_security_group_id }}"
    transit_encryption_enabled: true
    at_rest_encryption_enabled: true
    auth_token: "{{ cache_auth_token }}"
    snapshot_retention_limit: 7
    snapshot_window: "03:00-04:00"
    preferred_maintenance_window: "sun:23:00-mon:00:30"
    tags:
      Project: tracetrack
      Environment: production
  register: cache

- name: Connect the application to the primary endpoint
  ansible.builtin.set_fact:
    cache_url: "rediss://{{ cache.replication_group.primary_endpoint.address }}:{{ cache.replication_group.port }}"

- name: Two shards of one primary and one replica each, cluster mode enabled
  tracetrack.aws.elasticache_replication_group:
    replication_group_id: tracetrack-sessions
    engine: valkey
    cache_node_type: cache.t4g.micro
    num_node_groups: 2
    replicas_per_node_group: 1
    parameter_group_name: default.valkey8.cluster.on
    cache_subnet_group_name: tracetrack-production-cache

- name: Rotate the AUTH token (the old one stays valid until the next rotation with strategy set)
  tracetrack.aws.elasticache_replication_group:
    replication_group_id: tracetrack-production
    auth_token: "{{ new_cache_auth_token }}"
    auth_token_update: true
    auth_token_update_strategy: rotate
    apply_immediately: true

- name: Delete the group, keeping a final snapshot
  tracetrack.aws.elasticache_replication_group:
    replication_group_id: tracetrack-production
    state: absent
    final_snapshot_identifier: tracetrack-production-final
"""

RETURN = r"""
replication_group:
  description:
    - The replication group as C(DescribeReplicationGroups) describes it, plus its tags, the endpoints
      and the settings AWS reports per member cluster (C(DescribeCacheClusters)).
    - Empty when O(state=absent), and when a group would be created in check mode.
  returned: always
  type: dict
  contains:
    replication_group_id:
      description: The group's identifier.
      type: str
      sample: tracetrack-production
    arn:
      description: The group's ARN.
      type: str
      sample: arn:aws:elasticache:ap-south-1:123456789012:replicationgroup:tracetrack-production
    description:
      description: The group's description.
      type: str
      sample: TraceTrack cache
    status:
      description: The group's status (creating, available, modifying, deleting, ...).
      type: str
      sample: available
    engine:
      description: The cache engine.
      type: str
      sample: redis
    engine_version:
      description: The engine version of the member clusters.
      type: str
      sample: 7.1.0
    cache_node_type:
      description: The node type.
      type: str
      sample: cache.t4g.small
    cluster_enabled:
      description: Whether cluster mode is enabled.
      type: bool
      sample: false
    member_clusters:
      description: The ids of the member clusters (nodes).
      type: list
      elements: str
      sample: ["tracetrack-production-001", "tracetrack-production-002"]
    node_groups:
      description: The shards, with their members, endpoints and slots.
      type: list
      elements: dict
    primary_endpoint:
      description: Cluster mode disabled. Where clients write (and read).
      returned: when cluster mode is disabled
      type: dict
      contains:
        address:
          description: The DNS name.
          type: str
          sample: master.tracetrack-production.abc123.aps1.cache.amazonaws.com
        port:
          description: The port.
          type: int
          sample: 6379
    reader_endpoint:
      description: Cluster mode disabled. Spreads reads over the replicas.
      returned: when cluster mode is disabled
      type: dict
      contains:
        address:
          description: The DNS name.
          type: str
          sample: replica.tracetrack-production.abc123.aps1.cache.amazonaws.com
        port:
          description: The port.
          type: int
          sample: 6379
    configuration_endpoint:
      description: Cluster mode enabled. Where cluster-aware clients discover the shards.
      returned: when cluster mode is enabled
      type: dict
      contains:
        address:
          description: The DNS name.
          type: str
          sample: clustercfg.tracetrack-sessions.abc123.aps1.cache.amazonaws.com
        port:
          description: The port.
          type: int
          sample: 6379
    port:
      description: The port the nodes listen on.
      type: int
      sample: 6379
    automatic_failover:
      description: The automatic failover status.
      type: str
      sample: enabled
    multi_az:
      description: The Multi-AZ status.
      type: str
      sample: enabled
    cache_subnet_group_name:
      description: The cache subnet group of the members.
      type: str
      sample: tracetrack-production-cache
    security_group_ids:
      description: The VPC security groups of the members.
      type: list
      elements: str
      sample: ["sg-0123456789abcdef0"]
    cache_parameter_group_name:
      description: The parameter group of the members.
      type: str
      sample: default.redis7
    preferred_maintenance_window:
      description: The weekly maintenance window.
      type: str
      sample: sun:23:00-mon:00:30
    snapshot_retention_limit:
      description: Days automatic snapshots are kept.
      type: int
      sample: 7
    snapshot_window:
      description: The daily snapshot window.
      type: str
      sample: 03:00-04:00
    transit_encryption_enabled:
      description: Whether in-transit encryption is enabled.
      type: bool
      sample: true
    at_rest_encryption_enabled:
      description: Whether encryption at rest is enabled.
      type: bool
      sample: true
    auth_token_enabled:
      description: Whether clients must AUTH (the token itself is never returned).
      type: bool
      sample: true
    kms_key_id:
      description: The KMS key that encrypts data at rest, when one was given.
      type: str
    pending_modified_values:
      description: Changes that have not been applied yet.
      type: dict
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

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict

from ansible_collections.tracetrack.aws.plugins.module_utils.tags import tag_changes

# The delay between two status polls, as in botocore's ElastiCache waiters.
WAITER_DELAY = 15

SHARD_OPERATION = "modify_replication_group_shard_configuration"
# Statuses that end in `available` by themselves.
BUSY_STATES = ("creating", "modifying", "snapshotting")

# Options passed as they are to CreateReplicationGroup.
CREATE_PARAMETERS = {
    "engine_version": "EngineVersion",
    "cache_subnet_group_name": "CacheSubnetGroupName",
    "security_group_ids": "SecurityGroupIds",
    "port": "Port",
    "parameter_group_name": "CacheParameterGroupName",
    "transit_encryption_enabled": "TransitEncryptionEnabled",
    "at_rest_encryption_enabled": "AtRestEncryptionEnabled",
    "kms_key_id": "KmsKeyId",
    "auth_token": "AuthToken",
    "snapshot_retention_limit": "SnapshotRetentionLimit",
    "snapshot_window": "SnapshotWindow",
    "preferred_maintenance_window": "PreferredMaintenanceWindow",
    "automatic_failover": "AutomaticFailoverEnabled",
    "multi_az": "MultiAZEnabled",
}


# --- reading ---------------------------------------------------------------------------------------------


def describe_replication_group(client, module, group_id):
    try:
        groups = client.describe_replication_groups(aws_retry=True, ReplicationGroupId=group_id)["ReplicationGroups"]
    except is_boto3_error_code("ReplicationGroupNotFoundFault"):
        return None
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:  # pylint: disable=duplicate-except
        module.fail_json_aws(e, msg=f"Couldn't describe replication group {group_id}")
    return groups[0] if groups else None


def describe_member(client, module, group):
    """The settings AWS reports per member cluster only: engine version, cache subnet group, security groups,
    parameter group, maintenance window (DescribeCacheClusters; DescribeReplicationGroups omits them)."""
    members = group.get("MemberClusters") or []
    if not members:
        return {}
    try:
        clusters = client.describe_cache_clusters(aws_retry=True, CacheClusterId=members[0])["CacheClusters"]
    except is_boto3_error_code("CacheClusterNotFound"):
        return {}
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:  # pylint: disable=duplicate-except
        module.fail_json_aws(e, msg=f"Couldn't describe cache cluster {members[0]}")
    return clusters[0] if clusters else {}


def list_tags(client, module, arn):
    try:
        tags = client.list_tags_for_resource(aws_retry=True, ResourceName=arn)["TagList"]
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(e, msg=f"Couldn't list the tags of {arn}")
    return boto3_tag_list_to_ansible_dict(tags)


def group_endpoint(group):
    if group.get("ConfigurationEndpoint"):
        return group["ConfigurationEndpoint"]
    for node_group in group.get("NodeGroups") or []:
        if node_group.get("PrimaryEndpoint"):
            return node_group["PrimaryEndpoint"]
    return {}


def security_group_ids_of(member):
    return sorted(sg["SecurityGroupId"] for sg in member.get("SecurityGroups") or [])


def format_group(group, member, tags):
    if not group:
        return {}
    result = camel_dict_to_snake_dict(group, ignore_list=["Tags"])
    if not group.get("ClusterEnabled"):
        node_groups = group.get("NodeGroups") or [{}]
        for key, name in (("PrimaryEndpoint", "primary_endpoint"), ("ReaderEndpoint", "reader_endpoint")):
            if node_groups[0].get(key):
                result[name] = camel_dict_to_snake_dict(node_groups[0][key])
    result["port"] = group_endpoint(group).get("Port")
    result["engine"] = group.get("Engine") or member.get("Engine")
    result["engine_version"] = member.get("EngineVersion")
    result["cache_subnet_group_name"] = member.get("CacheSubnetGroupName")
    result["security_group_ids"] = security_group_ids_of(member)
    result["cache_parameter_group_name"] = (member.get("CacheParameterGroup") or {}).get("CacheParameterGroupName")
    result["preferred_maintenance_window"] = member.get("PreferredMaintenanceWindow")
    result["tags"] = tags
    return result


# --- comparing -------------------------------------------------------------------------------------------


def wants_cluster_mode(params):
    """True / False when the task's options say which mode the group runs in, None when they don't."""
    if params.get("num_node_groups") is not None or params.get("replicas_per_node_group") is not None:
        return True
    if params.get("num_cache_clusters") is not None:
        return False
    return None


def version_matches(current, wanted):
    """'7.1' matches '7.1.0', '6.x' matches '6.2.6'."""
    if not current:
        return False
    if wanted.endswith(".x"):
        return current.startswith(wanted[:-1])
    return current == wanted or current.startswith(wanted + ".")


def kms_key_matches(current, wanted):
    if not current:
        return False
    if current == wanted or current.endswith(":key/" + wanted):
        return True
    # An alias cannot be compared with the key ARN AWS reports without asking KMS: trust it.
    return wanted.startswith("alias/") or ":alias/" in wanted


def immutable_mismatches(params, group, member):
    """What the task asks that AWS cannot change on an existing group, one sentence each."""
    problems = []
    group_cluster_mode = bool(group.get("ClusterEnabled"))
    wanted_cluster_mode = wants_cluster_mode(params)
    if wanted_cluster_mode is not None and wanted_cluster_mode != group_cluster_mode:
        problems.append(
            "cluster mode is {0} on the group, the task asks for cluster mode {1} ({2})".format(
                "enabled" if group_cluster_mode else "disabled",
                "enabled" if wanted_cluster_mode else "disabled",
                "num_node_groups/replicas_per_node_group" if wanted_cluster_mode else "num_cache_clusters",
            )
        )
    for option, current in (
        ("at_rest_encryption_enabled", bool(group.get("AtRestEncryptionEnabled"))),
        ("transit_encryption_enabled", bool(group.get("TransitEncryptionEnabled"))),
    ):
        if params.get(option) is not None and params[option] != current:
            problems.append(f"{option} is {current} on the group, the task asks for {params[option]}")
    if params.get("kms_key_id") is not None and not kms_key_matches(group.get("KmsKeyId"), params["kms_key_id"]):
        problems.append(f"kms_key_id is {group.get('KmsKeyId')!r} on the group, the task asks for {params['kms_key_id']!r}")
    current_subnet_group = member.get("CacheSubnetGroupName")
    if params.get("cache_subnet_group_name") is not None and current_subnet_group != params["cache_subnet_group_name"]:
        problems.append(f"cache_subnet_group_name is {current_subnet_group!r} on the group, the task asks for {params['cache_subnet_group_name']!r}")
    current_port = group_endpoint(group).get("Port")
    if params.get("port") is not None and current_port is not None and current_port != params["port"]:
        problems.append(f"port is {current_port} on the group, the task asks for {params['port']}")
    current_engine = group.get("Engine") or member.get("Engine")
    if params.get("engine") == "redis" and current_engine == "valkey":
        problems.append("engine is valkey on the group, and a valkey group cannot go back to redis")
    return problems


def modify_request(params, group, member):
    """ModifyReplicationGroup parameters for the options that differ from the group (pending changes count
    as done), without ReplicationGroupId and ApplyImmediately. Empty when nothing differs."""
    request = {}
    pending = member.get("PendingModifiedValues") or {}
    group_pending = group.get("PendingModifiedValues") or {}

    if params.get("description") is not None and params["description"] != group.get("Description"):
        request["ReplicationGroupDescription"] = params["description"]

    node_type = pending.get("CacheNodeType") or group.get("CacheNodeType")
    if params.get("cache_node_type") is not None and params["cache_node_type"] != node_type:
        request["CacheNodeType"] = params["cache_node_type"]

    current_engine = group.get("Engine") or member.get("Engine")
    if params.get("engine") is not None and current_engine and params["engine"] != current_engine:
        request["Engine"] = params["engine"]
        if params.get("engine_version") is not None:
            request["EngineVersion"] = params["engine_version"]
    version = pending.get("EngineVersion") or member.get("EngineVersion")
    if params.get("engine_version") is not None and not version_matches(version, params["engine_version"]):
        request["EngineVersion"] = params["engine_version"]

    failover_status = (group_pending.get("AutomaticFailoverStatus") or group.get("AutomaticFailover") or "").lower()
    if params.get("automatic_failover") is not None and params["automatic_failover"] != (failover_status in ("enabled", "enabling")):
        request["AutomaticFailoverEnabled"] = params["automatic_failover"]

    if params.get("multi_az") is not None and params["multi_az"] != (group.get("MultiAZ") == "enabled"):
        request["MultiAZEnabled"] = params["multi_az"]

    if params.get("snapshot_retention_limit") is not None and (params["snapshot_retention_limit"] != group.get("SnapshotRetentionLimit")):
        request["SnapshotRetentionLimit"] = params["snapshot_retention_limit"]

    if params.get("snapshot_window") is not None and params["snapshot_window"] != group.get("SnapshotWindow"):
        request["SnapshotWindow"] = params["snapshot_window"]

    window = (member.get("PreferredMaintenanceWindow") or "").lower()
    if params.get("preferred_maintenance_window") is not None and (params["preferred_maintenance_window"].lower() != window):
        request["PreferredMaintenanceWindow"] = params["preferred_maintenance_window"]

    if params.get("security_group_ids") is not None and (sorted(set(params["security_group_ids"])) != security_group_ids_of(member)):
        request["SecurityGroupIds"] = params["security_group_ids"]

    parameter_group = (member.get("CacheParameterGroup") or {}).get("CacheParameterGroupName")
    if params.get("parameter_group_name") is not None and params["parameter_group_name"] != parameter_group:
        request["CacheParameterGroupName"] = params["parameter_group_name"]

    # AWS never returns the token: a group without one gets it, a group with one only when asked to.
    if params.get("auth_token") is not None and (not group.get("AuthTokenEnabled") or params.get("auth_token_update")):
        request["AuthToken"] = params["auth_token"]
        request["AuthTokenUpdateStrategy"] = (params.get("auth_token_update_strategy") or "rotate").upper()
    return request


def replica_requests(params, group):
    """(increases, decreases): IncreaseReplicaCount / DecreaseReplicaCount parameters, without
    ReplicationGroupId and ApplyImmediately."""
    increases, decreases = [], []
    if group.get("ClusterEnabled"):
        wanted = params.get("replicas_per_node_group")
        if wanted is None:
            return increases, decreases
        more, fewer = [], []
        removed = (shard_request(params, group) or {}).get("NodeGroupsToRemove", [])
        for node_group in group.get("NodeGroups") or []:
            if node_group["NodeGroupId"] in removed:
                continue
            replicas = len(node_group.get("NodeGroupMembers") or []) - 1
            shard = {"NodeGroupId": node_group["NodeGroupId"], "NewReplicaCount": wanted}
            if replicas < wanted:
                more.append(shard)
            elif replicas > wanted:
                fewer.append(shard)
        if more:
            increases.append({"ReplicaConfiguration": more})
        if fewer:
            decreases.append({"ReplicaConfiguration": fewer})
        return increases, decreases
    if params.get("num_cache_clusters") is None:
        return increases, decreases
    current = len(group.get("MemberClusters") or [])
    wanted = params["num_cache_clusters"]
    if wanted > current:
        increases.append({"NewReplicaCount": wanted - 1})
    elif wanted < current:
        decreases.append({"NewReplicaCount": wanted - 1})
    return increases, decreases


def shard_request(params, group):
    """ModifyReplicationGroupShardConfiguration parameters (without ReplicationGroupId and ApplyImmediately),
    or None. Shards are removed from the highest-numbered one down."""
    wanted = params.get("num_node_groups")
    if wanted is None or not group.get("ClusterEnabled"):
        return None
    node_group_ids = sorted(node_group["NodeGroupId"] for node_group in group.get("NodeGroups") or [])
    if wanted == len(node_group_ids):
        return None
    request = {"NodeGroupCount": wanted}
    if wanted < len(node_group_ids):
        request["NodeGroupsToRemove"] = node_group_ids[wanted:]
    return request


def create_request(params):
    request = {
        "ReplicationGroupId": params["replication_group_id"],
        "ReplicationGroupDescription": params.get("description") or params["replication_group_id"],
        "Engine": params.get("engine") or "redis",
        "CacheNodeType": params["cache_node_type"],
    }
    for option, name in CREATE_PARAMETERS.items():
        if params.get(option) is not None:
            request[name] = params[option]
    if wants_cluster_mode(params):
        request["ClusterMode"] = "enabled"
        request["NumNodeGroups"] = params.get("num_node_groups") or 1
        if params.get("replicas_per_node_group") is not None:
            request["ReplicasPerNodeGroup"] = params["replicas_per_node_group"]
        # AWS: "AutomaticFailoverEnabled must be enabled for cluster mode enabled replication groups".
        request.setdefault("AutomaticFailoverEnabled", True)
    elif params.get("num_cache_clusters") is not None:
        request["NumCacheClusters"] = params["num_cache_clusters"]
    if params.get("tags"):
        request["Tags"] = ansible_dict_to_boto3_tag_list(params["tags"])
    return request


# --- changing --------------------------------------------------------------------------------------------


def wait_for(client, module, group_id, waiter_name):
    timeout = module.params["wait_timeout"]
    delay = max(1, min(WAITER_DELAY, timeout))
    state = "available" if waiter_name == "replication_group_available" else "deleted"
    try:
        client.get_waiter(waiter_name).wait(
            ReplicationGroupId=group_id,
            WaiterConfig={"Delay": delay, "MaxAttempts": max(1, timeout // delay)},
        )
    except botocore.exceptions.WaiterError as e:
        module.fail_json_aws(e, msg=f"Timed out waiting for replication group {group_id} to be {state}")
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(e, msg=f"Couldn't wait for replication group {group_id} to be {state}")


def call(client, module, operation, group_id, request, what):
    try:
        return getattr(client, operation)(aws_retry=True, ReplicationGroupId=group_id, **request)
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(e, msg=f"Couldn't {what} of replication group {group_id}")


def update_tags(client, module, arn, tags_to_set, tags_to_remove):
    try:
        if tags_to_remove:
            client.remove_tags_from_resource(aws_retry=True, ResourceName=arn, TagKeys=tags_to_remove)
        if tags_to_set:
            client.add_tags_to_resource(aws_retry=True, ResourceName=arn, Tags=ansible_dict_to_boto3_tag_list(tags_to_set))
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(e, msg=f"Couldn't update the tags of {arn}")


def planned_steps(params, group, member):
    """The writes that bring the group to what the task asks, in an order AWS accepts: more shards and
    replicas first (automatic failover may need them), fewer last (after failover may have been turned off)."""
    steps = []
    apply_now = {"ApplyImmediately": True}
    shards = shard_request(params, group)
    increases, decreases = replica_requests(params, group)
    if shards and shards["NodeGroupCount"] > len(group.get("NodeGroups") or []):
        steps.append((SHARD_OPERATION, {**shards, **apply_now}, "add shards"))
    for request in increases:
        steps.append(("increase_replica_count", {**request, **apply_now}, "add replicas"))
    modification = modify_request(params, group, member)
    if modification:
        modification["ApplyImmediately"] = params.get("apply_immediately", False)
        steps.append(("modify_replication_group", modification, "modify the settings"))
    for request in decreases:
        steps.append(("decrease_replica_count", {**request, **apply_now}, "remove replicas"))
    if shards and shards["NodeGroupCount"] < len(group.get("NodeGroups") or []):
        steps.append((SHARD_OPERATION, {**shards, **apply_now}, "remove shards"))
    return steps


def create_replication_group(client, module, params):
    group_id = params["replication_group_id"]
    if not params.get("cache_node_type"):
        module.fail_json(msg=f"cache_node_type is required to create replication group {group_id}")
    if module.check_mode:
        module.exit_json(changed=True, replication_group={})
    try:
        client.create_replication_group(aws_retry=True, **create_request(params))
    except (botocore.exceptions.BotoCoreError, botocore.exceptions.ClientError) as e:
        module.fail_json_aws(e, msg=f"Couldn't create replication group {group_id}")
    if params["wait"]:
        wait_for(client, module, group_id, "replication_group_available")
    group = describe_replication_group(client, module, group_id)
    member = describe_member(client, module, group)
    module.exit_json(changed=True, replication_group=format_group(group, member, list_tags(client, module, group["ARN"])))


def update_replication_group(client, module, params, group):
    group_id = params["replication_group_id"]
    member = describe_member(client, module, group)
    problems = immutable_mismatches(params, group, member)
    if problems:
        module.fail_json(
            msg=f"Couldn't update replication group {group_id}: "
            + "; ".join(problems)
            + ". AWS cannot change these on an existing replication group: delete and re-create it to change them.",
            replication_group=format_group(group, member, {}),
        )

    steps = planned_steps(params, group, member)
    current_tags = list_tags(client, module, group["ARN"])
    tags_to_set, tags_to_remove, _tags_after = tag_changes(current_tags, params)
    changed = bool(steps or tags_to_set or tags_to_remove)
    if not changed or module.check_mode:
        module.exit_json(changed=changed, replication_group=format_group(group, member, current_tags))

    arn = group["ARN"]
    done = 0
    while steps:
        operation, request, what = steps.pop(0)
        # ElastiCache refuses a change while the group is creating, modifying or snapshotting.
        if done or group.get("Status") != "available":
            wait_for(client, module, group_id, "replication_group_available")
        call(client, module, operation, group_id, request, what)
        done += 1
        if operation == SHARD_OPERATION and steps:
            # New shards come with as many replicas as ElastiCache gives them: plan the rest on what exists.
            wait_for(client, module, group_id, "replication_group_available")
            group = describe_replication_group(client, module, group_id)
            member = describe_member(client, module, group)
            steps = planned_steps(params, group, member)
    update_tags(client, module, arn, tags_to_set, tags_to_remove)
    if params["wait"] and done:
        wait_for(client, module, group_id, "replication_group_available")
    group = describe_replication_group(client, module, group_id)
    member = describe_member(client, module, group)
    module.exit_json(changed=True, replication_group=format_group(group, member, list_tags(client, module, group["ARN"])))


def ensure_present(client, module, params):
    group_id = params["replication_group_id"]
    group = describe_replication_group(client, module, group_id)
    if group is not None and group.get("Status") == "deleting":
        if module.check_mode:
            module.exit_json(changed=True, replication_group={})
        wait_for(client, module, group_id, "replication_group_deleted")
        group = None
    if group is not None and group.get("Status") == "create-failed":
        module.fail_json(
            msg=f"Replication group {group_id} failed to create: delete it (state=absent) and run the task again",
            replication_group=format_group(group, {}, {}),
        )
    if group is None:
        return create_replication_group(client, module, params)
    return update_replication_group(client, module, params, group)


def ensure_absent(client, module, params):
    group_id = params["replication_group_id"]
    group = describe_replication_group(client, module, group_id)
    if group is None:
        module.exit_json(changed=False, replication_group={})
    if group.get("Status") == "deleting":
        if params["wait"] and not module.check_mode:
            wait_for(client, module, group_id, "replication_group_deleted")
        module.exit_json(changed=False, replication_group={})
    if module.check_mode:
        module.exit_json(changed=True, replication_group={})
    if group.get("Status") in BUSY_STATES:
        # A group cannot be deleted while a change is in progress.
        wait_for(client, module, group_id, "replication_group_available")
    request = {}
    if params.get("final_snapshot_identifier"):
        request["FinalSnapshotIdentifier"] = params["final_snapshot_identifier"]
    call(client, module, "delete_replication_group", group_id, request, "delete")
    if params["wait"]:
        wait_for(client, module, group_id, "replication_group_deleted")
    module.exit_json(changed=True, replication_group={})


def main():
    argument_spec = dict(
        state=dict(type="str", choices=["present", "absent"], default="present"),
        replication_group_id=dict(type="str", required=True),
        description=dict(type="str"),
        engine=dict(type="str", choices=["redis", "valkey"]),
        engine_version=dict(type="str"),
        cache_node_type=dict(type="str"),
        num_cache_clusters=dict(type="int"),
        num_node_groups=dict(type="int"),
        replicas_per_node_group=dict(type="int"),
        automatic_failover=dict(type="bool"),
        multi_az=dict(type="bool"),
        cache_subnet_group_name=dict(type="str"),
        security_group_ids=dict(type="list", elements="str"),
        port=dict(type="int"),
        parameter_group_name=dict(type="str"),
        transit_encryption_enabled=dict(type="bool"),
        at_rest_encryption_enabled=dict(type="bool"),
        kms_key_id=dict(type="str"),
        auth_token=dict(type="str", no_log=True),
        auth_token_update=dict(type="bool", default=False),
        auth_token_update_strategy=dict(type="str", choices=["rotate", "set"], default="rotate"),
        snapshot_retention_limit=dict(type="int"),
        snapshot_window=dict(type="str"),
        preferred_maintenance_window=dict(type="str"),
        apply_immediately=dict(type="bool", default=False),
        final_snapshot_identifier=dict(type="str"),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
        wait=dict(type="bool", default=True),
        wait_timeout=dict(type="int", default=1800),
    )
    module = AnsibleAWSModule(
        argument_spec=argument_spec,
        supports_check_mode=True,
        mutually_exclusive=[
            ("num_cache_clusters", "num_node_groups"),
            ("num_cache_clusters", "replicas_per_node_group"),
        ],
        required_if=[("auth_token_update", True, ["auth_token"])],
    )
    client = module.client("elasticache", retry_decorator=AWSRetry.jittered_backoff())
    if module.params["state"] == "present":
        ensure_present(client, module, module.params)
    else:
        ensure_absent(client, module, module.params)


if __name__ == "__main__":
    main()
