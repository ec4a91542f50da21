"""ElastiCache replication groups, their member clusters and cache subnet groups, as AWS documents them.

AWS API reference, Amazon ElastiCache (API version 2015-02-02). What moto 5.2.5 lacks or does otherwise:

- CreateReplicationGroup: `NumCacheClusters` is ignored (one member only); member clusters are not
  cache clusters, so DescribeCacheClusters does not find them; a cluster-mode-disabled node group has
  no `ReaderEndpoint`; cluster mode is only enabled by an explicit `ClusterMode`, while AWS also enables
  it for several node groups; the slots of several shards do not cover 0-16383; endpoints and zones
  always name us-east-1. An `AuthToken` without in-transit encryption is accepted.
- DescribeCacheClusters: no `SecurityGroups`, `CacheParameterGroup`, `CacheNodes` or
  `AtRestEncryptionEnabled`; valkey members lack `NumCacheNodes` and `ReplicationGroupId`.
- ModifyReplicationGroup: only description, engine, node type, failover, Multi-AZ and retention are
  applied; engine version, parameter group, security groups, windows and the AUTH token are dropped.
- IncreaseReplicaCount, DecreaseReplicaCount, ModifyReplicationGroupShardConfiguration: not implemented.
- DeleteReplicationGroup: the group stays `deleting` forever (the ReplicationGroupDeleted waiter never
  ends) and `FinalSnapshotIdentifier` is ignored.
- DeleteCacheSubnetGroup, ModifyCacheSubnetGroup: not implemented; `SubnetAvailabilityZone` is empty.

The emulator has no maintenance windows: changes sent with `ApplyImmediately=false` take effect at once,
as if the window had just passed, and groups go straight to `available`.
"""

import math
import secrets

from moto.core.responses import ActionResult, EmptyResult
from moto.core.utils import utcnow
from moto.elasticache import models, responses
from moto.elasticache.exceptions import (
    CacheSubnetGroupNotFound,
    ElastiCacheException,
    InvalidParameterCombinationException,
    InvalidParameterValueException,
)

SLOT_COUNT = 16384
MAX_REPLICAS = 5
# Short region codes as they appear in ElastiCache endpoint names (master.<id>.<hash>.aps1.cache.amazonaws.com).
DIRECTIONS = {
    "east": "e",
    "west": "w",
    "north": "n",
    "south": "s",
    "central": "c",
    "northeast": "ne",
    "northwest": "nw",
    "southeast": "se",
    "southwest": "sw",
}
# What DescribeCacheClusters reports for a major.minor EngineVersion (and the default when none is asked).
ENGINE_VERSIONS = {
    "redis": {"6.x": "6.2.6", "6.0": "6.0.5", "6.2": "6.2.6", "7.0": "7.0.7", "7.1": "7.1.0", None: "7.1.0"},
    "valkey": {"7.2": "7.2.6", "8.0": "8.0.1", "8.1": "8.1.0", None: "8.0.1"},
}


class CacheSubnetGroupInUse(ElastiCacheException):
    code = "CacheSubnetGroupInUse"

    def __init__(self, name: str):
        super().__init__(f"Cache subnet group {name} is currently in use by a cache cluster or replication group.")


class NoOperationFault(ElastiCacheException):
    code = "NoOperationFault"


def region_code(region: str) -> str:
    parts = region.split("-")
    if len(parts) == 3 and parts[1] in DIRECTIONS:
        return f"{parts[0]}{DIRECTIONS[parts[1]]}{parts[2]}"
    return region.replace("-", "")


def engine_version(engine: str, requested: str | None) -> str | None:
    known = ENGINE_VERSIONS.get(engine or "redis", {})
    return known.get(requested, requested)


def default_parameter_group(engine: str, version: str | None, cluster_enabled: bool) -> str:
    major = (version or "").split(".")[0] or "7"
    family = f"{engine}{major}" + (".x" if engine == "redis" and major == "6" else "")
    return f"default.{family}" + (".cluster.on" if cluster_enabled else "")


# --- DescribeCacheClusters: the CacheCluster members the AWS reference lists --------------------------


def _security_groups(self) -> list[dict]:
    return [{"SecurityGroupId": group_id, "Status": "active"} for group_id in (self.security_group_ids or [])]


def _cache_parameter_group(self) -> dict:
    name = self.cache_parameter_group_name or default_parameter_group(self.engine, self.engine_version, False)
    return {"CacheParameterGroupName": name, "ParameterApplyStatus": "in-sync", "CacheNodeIdsToReboot": []}


def _cache_nodes(self) -> list[dict]:
    address = getattr(self, "_endpoint_address", None) or (
        f"{self.cache_cluster_id}.{getattr(self, '_hash', 'emu000')}.{region_code(self.arn.split(':')[3])}"
        ".cache.amazonaws.com"
    )
    return [
        {
            "CacheNodeId": f"{index + 1:04}",
            "CacheNodeStatus": "available",
            "CacheNodeCreateTime": self.cache_cluster_create_time,
            "Endpoint": {"Address": address, "Port": self.port},
            "ParameterGroupStatus": "in-sync",
            "CustomerAvailabilityZone": self.preferred_availability_zone,
        }
        for index in range(getattr(self, "num_cache_nodes", 1) or 1)
    ]


# --- replication group layout -------------------------------------------------------------------------


def _zones(backend, group) -> list[str]:
    subnet_group = backend.cache_subnet_groups.get(group.cache_subnet_group_name or "")
    zones = []
    for subnet in subnet_group.subnets if subnet_group else []:
        zone = (subnet.get("subnet_availability_zone") or {}).get("Name")
        if zone and zone not in zones:
            zones.append(zone)
    return sorted(zones) or [f"{backend.region_name}{letter}" for letter in "abc"]


def _slots(index: int, count: int) -> str:
    return f"{math.ceil(index * SLOT_COUNT / count)}-{math.ceil((index + 1) * SLOT_COUNT / count) - 1}"


def _sync_member(backend, group, cluster) -> None:
    """Member clusters carry the group's settings (DescribeCacheClusters reports them per member)."""
    cluster._replication_group = group
    cluster.replication_group_id = group.replication_group_id
    cluster.engine = group.engine
    cluster.engine_version = group.engine_version
    cluster.cache_node_type = group.cache_node_type
    cluster.num_cache_nodes = 1
    cluster.cache_parameter_group_name = group.cache_parameter_group_name or default_parameter_group(
        group.engine, group.engine_version, group.cluster_enabled
    )
    cluster.cache_subnet_group_name = group.cache_subnet_group_name
    cluster.security_group_ids = list(group.security_group_ids or [])
    cluster.preferred_maintenance_window = group.preferred_maintenance_window
    cluster.snapshot_window = group.snapshot_window
    cluster.snapshot_retention_limit = group.snapshot_retention_limit
    cluster.transit_encryption_enabled = group.transit_encryption_enabled
    cluster.at_rest_encryption_enabled = group.at_rest_encryption_enabled
    cluster.auth_token_enabled = group.auth_token_enabled
    cluster.auth_token_last_modified_date = group.auth_token_last_modified_date
    cluster.auto_minor_version_upgrade = group.auto_minor_version_upgrade
    cluster.port = group.port


def _add_member(backend, group, node_group, role: str, zone: str) -> None:
    prefix = (
        group.replication_group_id
        if not group.cluster_enabled
        else (f"{group.replication_group_id}-{node_group['node_group_id']}")
    )
    taken = {member["cache_cluster_id"] for member in node_group["node_group_members"]}
    number = 1
    while f"{prefix}-{number:03}" in taken or f"{prefix}-{number:03}" in backend.cache_clusters:
        number += 1
    cluster_id = f"{prefix}-{number:03}"
    member = {"cache_cluster_id": cluster_id, "cache_node_id": "0001", "preferred_availability_zone": zone}
    address = f"{cluster_id}.{group._domain}"
    if not group.cluster_enabled:
        member["read_endpoint"] = {"address": address, "port": group.port}
        member["current_role"] = role
    node_group["node_group_members"].append(member)

    cluster = models.CacheCluster(
        account_id=backend.account_id,
        region_name=backend.region_name,
        cache_cluster_id=cluster_id,
        cache_node_type=group.cache_node_type,
        replication_group_id=group.replication_group_id,
        az_mode="single-az",
        preferred_availability_zone=zone,
        num_cache_nodes=1,
        engine=group.engine,
        engine_version=group.engine_version,
        cache_parameter_group_name=group.cache_parameter_group_name,
        cache_subnet_group_name=group.cache_subnet_group_name,
        transit_encryption_enabled=group.transit_encryption_enabled,
        network_type=group.network_type,
        ip_discovery=group.ip_discovery,
        snapshot_name=None,
        preferred_maintenance_window=group.preferred_maintenance_window,
        port=group.port,
        notification_topic_arn=None,
        auto_minor_version_upgrade=group.auto_minor_version_upgrade,
        snapshot_retention_limit=group.snapshot_retention_limit,
        snapshot_window=group.snapshot_window,
        auth_token=None,
        outpost_mode=None,
        preferred_outpost_arn=None,
        preferred_availability_zones=None,
        cache_security_group_names=None,
        security_group_ids=group.security_group_ids,
        tags=None,
        snapshot_arns=None,
        preferred_outpost_arns=None,
        log_delivery_configurations=[],
        cache_node_ids_to_remove=None,
        cache_node_ids_to_reboot=None,
    )
    cluster._endpoint_address = address
    _sync_member(backend, group, cluster)
    backend.cache_clusters[cluster_id] = cluster


def _remove_member(backend, node_group, cluster_id: str) -> None:
    node_group["node_group_members"] = [
        m for m in node_group["node_group_members"] if m["cache_cluster_id"] != cluster_id
    ]
    backend.cache_clusters.pop(cluster_id, None)


def _replicas(node_group) -> list[str]:
    members = node_group["node_group_members"]
    if members and "current_role" in members[0]:
        return [m["cache_cluster_id"] for m in members if m["current_role"] == "replica"]
    # Cluster mode enabled: AWS reports no roles; the first member is the shard's primary.
    return [m["cache_cluster_id"] for m in members[1:]]


def _add_node_group(backend, group, node_group_id: str, replica_count: int, zones: list[str], slots=None) -> dict:
    node_group = {"node_group_id": node_group_id, "status": "available", "node_group_members": []}
    if slots:
        node_group["slots"] = slots
    for index in range(replica_count + 1):
        _add_member(backend, group, node_group, "primary" if index == 0 else "replica", zones[index % len(zones)])
    group.node_groups.append(node_group)
    return node_group


def _refresh(group) -> None:
    """Recompute what follows from the node groups: member list, endpoints, snapshotting cluster."""
    group.member_clusters = [m["cache_cluster_id"] for ng in group.node_groups for m in ng["node_group_members"]]
    if group.cluster_enabled:
        group.configuration_endpoint = {"address": f"clustercfg.{group._domain}", "port": group.port}
        for node_group in group.node_groups:
            for key in (
                "primary_endpoint",
                "reader_endpoint",
                "primary_endpoint_address",
                "reader_endpoint_address",
                "port",
            ):
                node_group.pop(key, None)
    else:
        for node_group in group.node_groups:
            node_group["primary_endpoint"] = {"address": f"master.{group._domain}", "port": group.port}
            node_group["reader_endpoint"] = {"address": f"replica.{group._domain}", "port": group.port}
    if group.snapshot_retention_limit and group.member_clusters:
        if group.snapshotting_cluster_id not in group.member_clusters:
            group.snapshotting_cluster_id = group.member_clusters[-1]
    else:
        group.snapshotting_cluster_id = None


def _disabled_member_count(request: dict) -> int:
    """Members of a cluster-mode-disabled group: NumCacheClusters, else 1 + ReplicasPerNodeGroup (or the
    node group's ReplicaCount), else one per PreferredCacheClusterAZs entry, else 1."""
    configuration = (request.get("node_group_configuration") or [{}])[0]
    if request.get("num_cache_clusters"):
        return int(request["num_cache_clusters"])
    if configuration.get("ReplicaCount") is not None:
        return int(configuration["ReplicaCount"]) + 1
    if request.get("replicas_per_node_group") is not None:
        return int(request["replicas_per_node_group"]) + 1
    return len(request.get("preferred_cache_cluster_azs") or []) or 1


def _lay_out(backend, group, request: dict) -> None:
    """CreateReplicationGroup: one node group of NumCacheClusters members (cluster mode disabled), or
    NumNodeGroups / NodeGroupConfiguration shards of 1 + ReplicasPerNodeGroup members each."""
    hash_part = secrets.token_hex(3)
    group._domain = f"{group.replication_group_id}.{hash_part}.{region_code(backend.region_name)}.cache.amazonaws.com"
    group.node_groups = []
    zones = _zones(backend, group)
    configurations = request.get("node_group_configuration") or []
    replicas_per_node_group = request.get("replicas_per_node_group")
    if not group.cluster_enabled:
        configuration = configurations[0] if configurations else {}
        preferred = list(request.get("preferred_cache_cluster_azs") or [])
        if configuration.get("PrimaryAvailabilityZone"):
            preferred = [configuration["PrimaryAvailabilityZone"], *configuration.get("ReplicaAvailabilityZones", [])]
        members = _disabled_member_count(request)
        member_zones = [preferred[i] if i < len(preferred) else zones[i % len(zones)] for i in range(members)]
        _add_node_group(backend, group, "0001", members - 1, member_zones)
    else:
        count = int(request.get("num_node_groups") or len(configurations) or 1)
        for index in range(count):
            configuration = configurations[index] if index < len(configurations) else {}
            replica_count = configuration.get("ReplicaCount", replicas_per_node_group)
            shard_zones = zones[index % len(zones) :] + zones[: index % len(zones)]
            if configuration.get("PrimaryAvailabilityZone"):
                shard_zones = [
                    configuration["PrimaryAvailabilityZone"],
                    *(configuration.get("ReplicaAvailabilityZones") or shard_zones[1:] or shard_zones),
                ]
            _add_node_group(
                backend,
                group,
                configuration.get("NodeGroupId") or f"{index + 1:04}",
                int(replica_count or 0),
                shard_zones,
                configuration.get("Slots") or _slots(index, count),
            )
    _refresh(group)


# --- backend operations --------------------------------------------------------------------------------

_original_create_replication_group = models.ElastiCacheBackend.create_replication_group
_original_subnet_group_init = models.CacheSubnetGroup.__init__


def create_replication_group(self, **request):
    """CreateReplicationGroup, with the member layout, endpoints and defaults AWS reports."""
    if request.get("auth_token") and not request.get("transit_encryption_enabled"):
        raise InvalidParameterValueException(
            "AuthToken can be specified only on replication groups where TransitEncryptionEnabled is true."
        )
    if request.get("cluster_mode") is None and (
        (request.get("num_node_groups") or 0) > 1
        or len(request.get("node_group_configuration") or []) > 1
        or ".cluster.on" in (request.get("cache_parameter_group_name") or "")
    ):
        request["cluster_mode"] = "enabled"
    if request.get("cluster_mode") == "enabled":
        if request.get("automatic_failover_enabled") is False:
            raise InvalidParameterCombinationException(
                "AutomaticFailoverEnabled must be enabled for cluster mode enabled replication groups."
            )
        request["automatic_failover_enabled"] = True
    else:
        members = _disabled_member_count(request)
        if members > 1 + MAX_REPLICAS:
            raise InvalidParameterValueException(f"NumCacheClusters must be between 1 and {1 + MAX_REPLICAS}.")
        if request.get("automatic_failover_enabled") and members < 2:
            raise InvalidParameterCombinationException(
                "If AutomaticFailoverEnabled is true, NumCacheClusters must be at least 2."
            )
    if request.get("multi_az_enabled") and not request.get("automatic_failover_enabled"):
        raise InvalidParameterCombinationException("Multi-AZ requires AutomaticFailoverEnabled to be true.")
    request["engine_version"] = engine_version(request.get("engine") or "redis", request.get("engine_version"))
    group = _original_create_replication_group(self, **request)
    if not request.get("snapshot_window"):
        group.snapshot_window = "05:00-06:00"
    group.preferred_maintenance_window = (group.preferred_maintenance_window or "sun:23:00-mon:00:30").lower()
    _lay_out(self, group, request)
    return group


def check_replication_group_modification(self, group_id: str, request: dict):
    """ModifyReplicationGroup: refuse what AWS refuses, before anything is applied."""
    group = self.describe_replication_groups(group_id)[0]
    if request.get("Engine") and request["Engine"] != group.engine and group.engine == "valkey":
        raise InvalidParameterCombinationException("A valkey replication group cannot be changed to redis.")
    failover = group.automatic_failover == "enabled"
    if request.get("AutomaticFailoverEnabled") is not None:
        failover = request["AutomaticFailoverEnabled"]
    multi_az = group.multi_az == "enabled"
    if request.get("MultiAZEnabled") is not None:
        multi_az = request["MultiAZEnabled"]
    if multi_az and not failover:
        raise InvalidParameterCombinationException("Multi-AZ requires automatic failover to be enabled.")
    if failover and not group.cluster_enabled and len(group.member_clusters) < 2:
        raise InvalidParameterCombinationException("Automatic failover requires at least one read replica.")
    if group.cluster_enabled and not failover:
        raise InvalidParameterCombinationException(
            "Automatic failover cannot be disabled on a cluster mode enabled replication group."
        )
    strategy = (request.get("AuthTokenUpdateStrategy") or ("ROTATE" if request.get("AuthToken") else "")).upper()
    if strategy in ("SET", "ROTATE"):
        if not group.transit_encryption_enabled:
            raise InvalidParameterCombinationException("The AUTH token requires in-transit encryption.")
        if not request.get("AuthToken"):
            raise InvalidParameterValueException(f"AuthTokenUpdateStrategy {strategy} requires an AuthToken.")
    return group


def modify_replication_group_settings(self, group_id: str, request: dict):
    """ModifyReplicationGroup: the parameters moto's own handler drops."""
    group = self.describe_replication_groups(group_id)[0]
    if request.get("Engine"):
        group.engine = request["Engine"]
        group.engine_version = engine_version(group.engine, request.get("EngineVersion"))
    elif request.get("EngineVersion"):
        group.engine_version = engine_version(group.engine, request["EngineVersion"])
    if request.get("CacheParameterGroupName"):
        group.cache_parameter_group_name = request["CacheParameterGroupName"]
    if request.get("SecurityGroupIds") is not None:
        group.security_group_ids = list(request["SecurityGroupIds"])
    if request.get("PreferredMaintenanceWindow"):
        group.preferred_maintenance_window = request["PreferredMaintenanceWindow"].lower()
    if request.get("SnapshotWindow"):
        group.snapshot_window = request["SnapshotWindow"]
    if request.get("SnapshottingClusterId"):
        group.snapshotting_cluster_id = request["SnapshottingClusterId"]
    if request.get("AutoMinorVersionUpgrade") is not None:
        group.auto_minor_version_upgrade = request["AutoMinorVersionUpgrade"]
    if request.get("AuthToken") or request.get("AuthTokenUpdateStrategy"):
        # ROTATE keeps the old token valid next to the new one, SET replaces it, DELETE removes AUTH.
        group.auth_token_enabled = (request.get("AuthTokenUpdateStrategy") or "ROTATE").upper() != "DELETE"
        group.auth_token_last_modified_date = utcnow()
    _refresh(group)
    for cluster_id in group.member_clusters:
        _sync_member(self, group, self.cache_clusters[cluster_id])
    return group


def change_replica_count(
    self, group_id: str, new_count, configuration, apply_immediately, increase: bool, replicas_to_remove=None
):
    """IncreaseReplicaCount / DecreaseReplicaCount: NewReplicaCount replicas in every node group, or per
    node group through ReplicaConfiguration (ConfigureShard); ReplicasToRemove names the members to drop."""
    operation = "IncreaseReplicaCount" if increase else "DecreaseReplicaCount"
    group = self.describe_replication_groups(group_id)[0]
    if not apply_immediately:
        raise InvalidParameterValueException(f"{operation} supports ApplyImmediately=true only.")
    wanted = {}
    for shard in configuration or []:
        zones_wanted = list(shard.get("PreferredAvailabilityZones") or [])
        wanted[shard["NodeGroupId"]] = (int(shard["NewReplicaCount"]), zones_wanted)
    if not wanted and new_count is None and not replicas_to_remove:
        raise InvalidParameterValueException(f"{operation} needs NewReplicaCount or ReplicaConfiguration.")
    changed = False
    zones = _zones(self, group)
    for node_group in group.node_groups:
        replicas = _replicas(node_group)
        if replicas_to_remove:
            target, preferred = len(replicas) - len([r for r in replicas if r in replicas_to_remove]), []
        elif node_group["node_group_id"] in wanted:
            target, preferred = wanted[node_group["node_group_id"]]
        elif wanted:
            continue
        else:
            target, preferred = int(new_count), []
        if target < 0 or target > MAX_REPLICAS:
            raise InvalidParameterValueException(f"The replica count must be between 0 and {MAX_REPLICAS}.")
        if (increase and target < len(replicas)) or (not increase and target > len(replicas)):
            raise InvalidParameterValueException(
                f"{operation}: node group {node_group['node_group_id']} has {len(replicas)} replicas, "
                f"cannot go to {target}."
            )
        if not increase and target < 1 and not group.cluster_enabled and group.automatic_failover == "enabled":
            raise InvalidParameterCombinationException(
                "Automatic failover is enabled: the replication group needs at least one replica."
            )
        while len(_replicas(node_group)) < target:
            index = len(node_group["node_group_members"])
            zone = preferred.pop(0) if preferred else zones[index % len(zones)]
            _add_member(self, group, node_group, "replica", zone)
            changed = True
        current = _replicas(node_group)
        doomed = [r for r in current if r in (replicas_to_remove or [])] or current[target:][::-1]
        for cluster_id in doomed[: len(current) - target]:
            _remove_member(self, node_group, cluster_id)
            changed = True
    if not changed:
        raise NoOperationFault(f"{operation}: the replica count is already as requested.")
    _refresh(group)
    return group


def modify_shard_configuration(self, group_id: str, count: int, apply_immediately, to_remove, to_retain, resharding):
    """ModifyReplicationGroupShardConfiguration: add shards (each with the replica count of the first),
    or remove NodeGroupsToRemove / keep NodeGroupsToRetain; slots are spread evenly again."""
    group = self.describe_replication_groups(group_id)[0]
    if not group.cluster_enabled:
        raise InvalidParameterValueException("Shard configuration can only be changed with cluster mode enabled.")
    if not apply_immediately:
        raise InvalidParameterValueException(
            "ModifyReplicationGroupShardConfiguration supports ApplyImmediately=true only."
        )
    current = [ng["node_group_id"] for ng in group.node_groups]
    if count < 1 or count == len(current):
        raise InvalidParameterValueException(f"NodeGroupCount must differ from the current {len(current)} and be >= 1.")
    if count < len(current):
        if to_retain:
            to_remove = [ng for ng in current if ng not in to_retain]
        if not to_remove:
            raise InvalidParameterCombinationException("NodeGroupsToRemove or NodeGroupsToRetain is required.")
        if len(current) - len(set(to_remove) & set(current)) != count:
            raise InvalidParameterValueException("The node groups to remove do not leave NodeGroupCount node groups.")
        for node_group in [ng for ng in group.node_groups if ng["node_group_id"] in to_remove]:
            for member in list(node_group["node_group_members"]):
                _remove_member(self, node_group, member["cache_cluster_id"])
            group.node_groups.remove(node_group)
    else:
        replica_count = len(group.node_groups[0]["node_group_members"]) - 1
        zones = _zones(self, group)
        preferred = {r["NodeGroupId"]: r.get("PreferredAvailabilityZones") or [] for r in resharding or []}
        next_id = max(int(ng) for ng in current) + 1
        while len(group.node_groups) < count:
            node_group_id = f"{next_id:04}"
            next_id += 1
            _add_node_group(self, group, node_group_id, replica_count, preferred.get(node_group_id) or zones)
    for index, node_group in enumerate(group.node_groups):
        node_group["slots"] = _slots(index, len(group.node_groups))
    _refresh(group)
    return group


def delete_replication_group(self, group_id: str, retain_primary_cluster, final_snapshot_identifier):
    """DeleteReplicationGroup: optionally snapshot (FinalSnapshotIdentifier), then the group and its
    members go away; the answer still shows the group as `deleting`."""
    group = self.describe_replication_groups(group_id)[0]
    if final_snapshot_identifier:
        self.create_snapshot(
            snapshot_name=final_snapshot_identifier,
            replication_group_id=group_id,
            cache_cluster_id=None,
            kms_key_id=None,
            tags=None,
        )
    group.status = "deleting"
    primary = group.member_clusters[0] if group.member_clusters else None
    for cluster_id in group.member_clusters:
        if retain_primary_cluster and cluster_id == primary and not group.cluster_enabled:
            cluster = self.cache_clusters[cluster_id]
            cluster.replication_group_id = None
            cluster._replication_group = None
            continue
        self.cache_clusters.pop(cluster_id, None)
    del self.replication_groups[group_id]
    self.tagging_service.delete_all_tags_for_resource(group.arn)
    return group


def delete_cache_subnet_group(self, name: str) -> None:
    """DeleteCacheSubnetGroup: refused (CacheSubnetGroupInUse) while a cluster or group uses it."""
    if name not in self.cache_subnet_groups:
        raise CacheSubnetGroupNotFound(name)
    users = [*self.replication_groups.values(), *self.cache_clusters.values()]
    if any(getattr(user, "cache_subnet_group_name", None) == name for user in users):
        raise CacheSubnetGroupInUse(name)
    subnet_group = self.cache_subnet_groups.pop(name)
    self.tagging_service.delete_all_tags_for_resource(subnet_group.arn)


def modify_cache_subnet_group(self, name: str, description: str | None, subnet_ids: list[str] | None):
    """ModifyCacheSubnetGroup: new description and/or subnets (which must share one VPC)."""
    if name not in self.cache_subnet_groups:
        raise CacheSubnetGroupNotFound(name)
    subnet_group = self.cache_subnet_groups[name]
    if subnet_ids:
        replacement = models.CacheSubnetGroup(
            account_id=self.account_id,
            region_name=self.region_name,
            cache_subnet_group_name=name,
            cache_subnet_group_description=subnet_group.cache_subnet_group_description,
            subnet_ids=subnet_ids,
            tags=subnet_group.tags,
        )
        self.cache_subnet_groups[name] = subnet_group = replacement
    if description is not None:
        subnet_group.cache_subnet_group_description = description
    return subnet_group


def _subnet_group_init(self, *args, **kwargs) -> None:
    """CreateCacheSubnetGroup: SubnetAvailabilityZone is an AvailabilityZone structure ({"Name": ...})."""
    _original_subnet_group_init(self, *args, **kwargs)
    for subnet in self.subnets:
        zone = subnet.pop("Subnet_availability_zone", None) or subnet.get("subnet_availability_zone")
        if isinstance(zone, str):
            zone = {"Name": zone}
        subnet["subnet_availability_zone"] = zone


# --- request handlers ----------------------------------------------------------------------------------

_original_modify_handler = responses.ElastiCacheResponse.modify_replication_group


def _modify_replication_group(self):
    """ModifyReplicationGroup."""
    backend = self.elasticache_backend
    group_id = self._get_param("ReplicationGroupId")
    request = {
        "AutomaticFailoverEnabled": self._get_bool_param("AutomaticFailoverEnabled"),
        "MultiAZEnabled": self._get_bool_param("MultiAZEnabled"),
        "Engine": self._get_param("Engine"),
        "EngineVersion": self._get_param("EngineVersion"),
        "CacheParameterGroupName": self._get_param("CacheParameterGroupName"),
        "SecurityGroupIds": self._get_param("SecurityGroupIds"),
        "PreferredMaintenanceWindow": self._get_param("PreferredMaintenanceWindow"),
        "SnapshotWindow": self._get_param("SnapshotWindow"),
        "SnapshottingClusterId": self._get_param("SnapshottingClusterId"),
        "AutoMinorVersionUpgrade": self._get_bool_param("AutoMinorVersionUpgrade"),
        "AuthToken": self._get_param("AuthToken"),
        "AuthTokenUpdateStrategy": self._get_param("AuthTokenUpdateStrategy"),
    }
    backend.check_replication_group_modification(group_id, request)
    _original_modify_handler(self)
    group = backend.modify_replication_group_settings(group_id, request)
    return ActionResult({"ReplicationGroup": group})


def _increase_replica_count(self):
    """IncreaseReplicaCount."""
    group = self.elasticache_backend.change_replica_count(
        self._get_param("ReplicationGroupId"),
        self._get_int_param("NewReplicaCount"),
        self._get_param("ReplicaConfiguration"),
        self._get_bool_param("ApplyImmediately"),
        increase=True,
    )
    return ActionResult({"ReplicationGroup": group})


def _decrease_replica_count(self):
    """DecreaseReplicaCount."""
    group = self.elasticache_backend.change_replica_count(
        self._get_param("ReplicationGroupId"),
        self._get_int_param("NewReplicaCount"),
        self._get_param("ReplicaConfiguration"),
        self._get_bool_param("ApplyImmediately"),
        increase=False,
        replicas_to_remove=self._get_param("ReplicasToRemove"),
    )
    return ActionResult({"ReplicationGroup": group})


def _modify_replication_group_shard_configuration(self):
    """ModifyReplicationGroupShardConfiguration."""
    group = self.elasticache_backend.modify_shard_configuration(
        self._get_param("ReplicationGroupId"),
        self._get_int_param("NodeGroupCount"),
        self._get_bool_param("ApplyImmediately"),
        self._get_param("NodeGroupsToRemove"),
        self._get_param("NodeGroupsToRetain"),
        self._get_param("ReshardingConfiguration"),
    )
    return ActionResult({"ReplicationGroup": group})


def _delete_replication_group(self):
    """DeleteReplicationGroup."""
    group = self.elasticache_backend.delete_replication_group_now(
        self._get_param("ReplicationGroupId"),
        self._get_bool_param("RetainPrimaryCluster"),
        self._get_param("FinalSnapshotIdentifier"),
    )
    return ActionResult({"ReplicationGroup": group})


def _delete_cache_subnet_group(self):
    """DeleteCacheSubnetGroup."""
    self.elasticache_backend.delete_cache_subnet_group(self._get_param("CacheSubnetGroupName"))
    return EmptyResult()


def _modify_cache_subnet_group(self):
    """ModifyCacheSubnetGroup."""
    subnet_group = self.elasticache_backend.modify_cache_subnet_group(
        self._get_param("CacheSubnetGroupName"),
        self._get_param("CacheSubnetGroupDescription"),
        self._get_param("SubnetIds"),
    )
    return ActionResult({"CacheSubnetGroup": subnet_group})


def apply() -> None:
    # DescribeCacheClusters: members serialised through these (moto's serializer reads snake_case attributes).
    models.CacheCluster.security_groups = property(_security_groups)
    models.CacheCluster.cache_parameter_group = property(_cache_parameter_group)
    models.CacheCluster.cache_nodes = property(_cache_nodes)
    models.CacheCluster.at_rest_encryption_enabled = False
    models.CacheSubnetGroup.__init__ = _subnet_group_init

    backend = models.ElastiCacheBackend
    backend.create_replication_group = create_replication_group
    backend.check_replication_group_modification = check_replication_group_modification
    backend.modify_replication_group_settings = modify_replication_group_settings
    backend.change_replica_count = change_replica_count
    backend.modify_shard_configuration = modify_shard_configuration
    backend.delete_replication_group_now = delete_replication_group
    backend.delete_cache_subnet_group = delete_cache_subnet_group
    backend.modify_cache_subnet_group = modify_cache_subnet_group

    handler = responses.ElastiCacheResponse
    handler.modify_replication_group = _modify_replication_group
    handler.increase_replica_count = _increase_replica_count
    handler.decrease_replica_count = _decrease_replica_count
    handler.modify_replication_group_shard_configuration = _modify_replication_group_shard_configuration
    handler.delete_replication_group = _delete_replication_group
    handler.delete_cache_subnet_group = _delete_cache_subnet_group
    handler.modify_cache_subnet_group = _modify_cache_subnet_group
