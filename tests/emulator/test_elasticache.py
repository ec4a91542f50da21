"""ElastiCache replication groups, member clusters and subnet groups, answered as the AWS API reference says."""

import botocore.exceptions
import pytest

from tests.support.clients import REGION, emulator_client

NODE_TYPE = "cache.t4g.micro"


@pytest.fixture(scope="module")
def network(emulator):
    """One VPC for the module's tests: the emulator is reset once here (as clean_emulator does), and each
    test starts from no ElastiCache resources (the `elasticache` fixture), which is much faster."""
    emulator.reset()
    ec2 = emulator_client(emulator, "ec2")
    vpc_id = ec2.create_vpc(CidrBlock="10.40.0.0/16")["Vpc"]["VpcId"]
    subnet_ids = [
        ec2.create_subnet(VpcId=vpc_id, CidrBlock=f"10.40.{index}.0/24", AvailabilityZone=f"{REGION}{zone}")["Subnet"][
            "SubnetId"
        ]
        for index, zone in enumerate("ab")
    ]
    security_group_id = ec2.create_security_group(GroupName="cache", Description="cache", VpcId=vpc_id)["GroupId"]
    return {"vpc_id": vpc_id, "subnet_ids": subnet_ids, "security_group_id": security_group_id}


@pytest.fixture
def elasticache(emulator, network):
    client = emulator_client(emulator, "elasticache")
    for group in client.describe_replication_groups()["ReplicationGroups"]:
        client.delete_replication_group(ReplicationGroupId=group["ReplicationGroupId"])
    for snapshot in client.describe_snapshots()["Snapshots"]:
        client.delete_snapshot(SnapshotName=snapshot["SnapshotName"])
    for subnet_group in client.describe_cache_subnet_groups()["CacheSubnetGroups"]:
        client.delete_cache_subnet_group(CacheSubnetGroupName=subnet_group["CacheSubnetGroupName"])
    client.create_cache_subnet_group(
        CacheSubnetGroupName="cache-subnets", CacheSubnetGroupDescription="cache", SubnetIds=network["subnet_ids"]
    )
    return client


def members_of(client, group_id="cache"):
    return sorted(
        c["CacheClusterId"]
        for c in client.describe_cache_clusters()["CacheClusters"]
        if c["CacheClusterId"].startswith(f"{group_id}-")
    )


def create_group(client, network, group_id="cache", **extra):
    request = dict(
        ReplicationGroupId=group_id,
        ReplicationGroupDescription="cache",
        CacheNodeType=NODE_TYPE,
        CacheSubnetGroupName="cache-subnets",
        SecurityGroupIds=[network["security_group_id"]],
    )
    request.update(extra)
    request = {key: value for key, value in request.items() if value is not None}
    return client.create_replication_group(**request)["ReplicationGroup"]


def describe(client, group_id="cache"):
    return client.describe_replication_groups(ReplicationGroupId=group_id)["ReplicationGroups"][0]


def cluster(client, cluster_id):
    return client.describe_cache_clusters(CacheClusterId=cluster_id, ShowCacheNodeInfo=True)["CacheClusters"][0]


def error_code(excinfo):
    return excinfo.value.response["Error"]["Code"]


# --- CreateReplicationGroup -----------------------------------------------------------------------------


def test_num_cache_clusters_makes_a_primary_and_replicas_with_endpoints(elasticache, network):
    group = create_group(elasticache, network, NumCacheClusters=3, AutomaticFailoverEnabled=True)
    assert group["MemberClusters"] == ["cache-001", "cache-002", "cache-003"]
    (node_group,) = group["NodeGroups"]
    assert [m["CurrentRole"] for m in node_group["NodeGroupMembers"]] == ["primary", "replica", "replica"]
    primary, reader = node_group["PrimaryEndpoint"], node_group["ReaderEndpoint"]
    assert primary["Address"].startswith("master.cache.") and primary["Address"].endswith(".aps1.cache.amazonaws.com")
    assert reader["Address"] == primary["Address"].replace("master.", "replica.", 1)
    assert primary["Port"] == reader["Port"] == 6379
    assert [m["PreferredAvailabilityZone"] for m in node_group["NodeGroupMembers"]] == [
        f"{REGION}a",
        f"{REGION}b",
        f"{REGION}a",
    ]
    assert "ConfigurationEndpoint" not in group
    assert group["ClusterEnabled"] is False
    assert group["SnapshotWindow"] == "05:00-06:00"


def test_members_are_cache_clusters_with_the_group_settings(elasticache, network):
    create_group(
        elasticache,
        network,
        NumCacheClusters=2,
        EngineVersion="7.1",
        TransitEncryptionEnabled=True,
        AtRestEncryptionEnabled=True,
        AuthToken="a-token-of-twenty-chars",
        PreferredMaintenanceWindow="Sun:23:00-Mon:00:30",
    )
    member = cluster(elasticache, "cache-002")
    assert member["ReplicationGroupId"] == "cache"
    assert (member["Engine"], member["EngineVersion"], member["CacheNodeType"]) == ("redis", "7.1.0", NODE_TYPE)
    assert member["CacheSubnetGroupName"] == "cache-subnets"
    assert member["SecurityGroups"] == [{"SecurityGroupId": network["security_group_id"], "Status": "active"}]
    assert member["CacheParameterGroup"]["CacheParameterGroupName"] == "default.redis7"
    assert member["PreferredMaintenanceWindow"] == "sun:23:00-mon:00:30"
    assert member["TransitEncryptionEnabled"] and member["AtRestEncryptionEnabled"] and member["AuthTokenEnabled"]
    (node,) = member["CacheNodes"]
    assert (
        node["Endpoint"]["Address"]
        == describe(elasticache)["NodeGroups"][0]["NodeGroupMembers"][1]["ReadEndpoint"]["Address"]
    )
    assert members_of(elasticache) == ["cache-001", "cache-002"]


def test_several_node_groups_enable_cluster_mode_and_cover_every_slot(elasticache, network):
    group = create_group(elasticache, network, NumNodeGroups=3, ReplicasPerNodeGroup=1, Engine="valkey")
    assert group["ClusterEnabled"] is True and group["ClusterMode"] == "enabled"
    assert group["AutomaticFailover"] == "enabled"
    assert group["ConfigurationEndpoint"]["Address"].startswith("clustercfg.cache.")
    assert [ng["Slots"] for ng in group["NodeGroups"]] == ["0-5461", "5462-10922", "10923-16383"]
    assert all("PrimaryEndpoint" not in ng and "ReaderEndpoint" not in ng for ng in group["NodeGroups"])
    assert len(group["MemberClusters"]) == 6
    member = cluster(elasticache, "cache-0002-002")
    assert (member["Engine"], member["EngineVersion"]) == ("valkey", "8.0.1")
    assert member["CacheParameterGroup"]["CacheParameterGroupName"] == "default.valkey8.cluster.on"


@pytest.mark.parametrize(
    "extra, code",
    [
        ({"AuthToken": "a-token-of-twenty-chars"}, "InvalidParameterValue"),
        ({"AutomaticFailoverEnabled": True, "NumCacheClusters": 1}, "InvalidParameterCombination"),
        ({"MultiAZEnabled": True, "NumCacheClusters": 2}, "InvalidParameterCombination"),
        ({"NumNodeGroups": 2, "AutomaticFailoverEnabled": False}, "InvalidParameterCombination"),
        ({"NumCacheClusters": 7}, "InvalidParameterValue"),
    ],
)
def test_create_refuses_what_aws_refuses(elasticache, network, extra, code):
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        create_group(elasticache, network, **extra)
    assert error_code(excinfo) == code
    assert elasticache.describe_replication_groups()["ReplicationGroups"] == []


# --- ModifyReplicationGroup -------------------------------------------------------------------------------


def test_modify_applies_every_setting_to_the_members(elasticache, network):
    create_group(elasticache, network, NumCacheClusters=2, TransitEncryptionEnabled=True)
    before = describe(elasticache)
    group = elasticache.modify_replication_group(
        ReplicationGroupId="cache",
        CacheNodeType="cache.t4g.small",
        EngineVersion="7.1",
        CacheParameterGroupName="custom-redis7",
        SecurityGroupIds=["sg-1", "sg-2"],
        PreferredMaintenanceWindow="mon:01:00-mon:02:00",
        SnapshotWindow="02:00-03:00",
        SnapshotRetentionLimit=3,
        AuthToken="a-token-of-twenty-chars",
        AuthTokenUpdateStrategy="ROTATE",
        ApplyImmediately=True,
    )["ReplicationGroup"]
    assert before["AuthTokenEnabled"] is False
    assert group["AuthTokenEnabled"] is True and "AuthTokenLastModifiedDate" in group
    assert (group["CacheNodeType"], group["SnapshotWindow"], group["SnapshotRetentionLimit"]) == (
        "cache.t4g.small",
        "02:00-03:00",
        3,
    )
    assert group["SnapshottingClusterId"] in group["MemberClusters"]
    for member_id in group["MemberClusters"]:
        member = cluster(elasticache, member_id)
        assert member["CacheNodeType"] == "cache.t4g.small"
        assert member["CacheParameterGroup"]["CacheParameterGroupName"] == "custom-redis7"
        assert [sg["SecurityGroupId"] for sg in member["SecurityGroups"]] == ["sg-1", "sg-2"]
        assert member["PreferredMaintenanceWindow"] == "mon:01:00-mon:02:00"
        assert member["AuthTokenEnabled"] is True


def test_modify_upgrades_redis_to_valkey_but_not_back(elasticache, network):
    create_group(elasticache, network)
    elasticache.modify_replication_group(ReplicationGroupId="cache", Engine="valkey", EngineVersion="8.0")
    assert cluster(elasticache, "cache-001")["EngineVersion"] == "8.0.1"
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        elasticache.modify_replication_group(ReplicationGroupId="cache", Engine="redis")
    assert error_code(excinfo) == "InvalidParameterCombination"


def test_a_refused_modification_changes_nothing(elasticache, network):
    create_group(elasticache, network, NumCacheClusters=2)
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        elasticache.modify_replication_group(
            ReplicationGroupId="cache", CacheNodeType="cache.t4g.small", MultiAZEnabled=True
        )
    assert error_code(excinfo) == "InvalidParameterCombination"
    assert describe(elasticache)["CacheNodeType"] == NODE_TYPE
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        elasticache.modify_replication_group(ReplicationGroupId="cache", AuthToken="a-token-of-twenty-chars")
    assert error_code(excinfo) == "InvalidParameterCombination"


# --- IncreaseReplicaCount / DecreaseReplicaCount ------------------------------------------------------------


def test_replica_count_goes_up_and_down(elasticache, network):
    create_group(elasticache, network, NumCacheClusters=2, AutomaticFailoverEnabled=True)
    group = elasticache.increase_replica_count(ReplicationGroupId="cache", NewReplicaCount=3, ApplyImmediately=True)[
        "ReplicationGroup"
    ]
    assert group["MemberClusters"] == ["cache-001", "cache-002", "cache-003", "cache-004"]
    assert cluster(elasticache, "cache-004")["CacheSubnetGroupName"] == "cache-subnets"
    group = elasticache.decrease_replica_count(
        ReplicationGroupId="cache", ReplicasToRemove=["cache-002"], ApplyImmediately=True
    )["ReplicationGroup"]
    assert group["MemberClusters"] == ["cache-001", "cache-003", "cache-004"]
    group = elasticache.decrease_replica_count(ReplicationGroupId="cache", NewReplicaCount=1, ApplyImmediately=True)[
        "ReplicationGroup"
    ]
    assert group["MemberClusters"] == ["cache-001", "cache-003"]
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        elasticache.describe_cache_clusters(CacheClusterId="cache-004")
    assert error_code(excinfo) == "CacheClusterNotFound"


@pytest.mark.parametrize(
    "operation, extra, code",
    [
        ("decrease_replica_count", {"NewReplicaCount": 0, "ApplyImmediately": True}, "InvalidParameterCombination"),
        ("increase_replica_count", {"NewReplicaCount": 1, "ApplyImmediately": True}, "NoOperationFault"),
        ("increase_replica_count", {"NewReplicaCount": 2, "ApplyImmediately": False}, "InvalidParameterValue"),
        ("increase_replica_count", {"NewReplicaCount": 6, "ApplyImmediately": True}, "InvalidParameterValue"),
        ("decrease_replica_count", {"NewReplicaCount": 2, "ApplyImmediately": True}, "InvalidParameterValue"),
    ],
)
def test_replica_count_changes_aws_refuses(elasticache, network, operation, extra, code):
    create_group(elasticache, network, NumCacheClusters=2, AutomaticFailoverEnabled=True)
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        getattr(elasticache, operation)(ReplicationGroupId="cache", **extra)
    assert error_code(excinfo) == code
    assert describe(elasticache)["MemberClusters"] == ["cache-001", "cache-002"]


def test_replica_configuration_changes_one_shard(elasticache, network):
    create_group(elasticache, network, NumNodeGroups=2, ReplicasPerNodeGroup=1)
    group = elasticache.increase_replica_count(
        ReplicationGroupId="cache",
        ApplyImmediately=True,
        ReplicaConfiguration=[{"NodeGroupId": "0002", "NewReplicaCount": 2}],
    )["ReplicationGroup"]
    assert [len(ng["NodeGroupMembers"]) for ng in group["NodeGroups"]] == [2, 3]
    assert "cache-0002-003" in group["MemberClusters"]


# --- ModifyReplicationGroupShardConfiguration -----------------------------------------------------------------


def test_shards_are_added_and_removed_and_slots_rebalanced(elasticache, network):
    create_group(elasticache, network, NumNodeGroups=2, ReplicasPerNodeGroup=1)
    group = elasticache.modify_replication_group_shard_configuration(
        ReplicationGroupId="cache", NodeGroupCount=3, ApplyImmediately=True
    )["ReplicationGroup"]
    assert [(ng["NodeGroupId"], ng["Slots"], len(ng["NodeGroupMembers"])) for ng in group["NodeGroups"]] == [
        ("0001", "0-5461", 2),
        ("0002", "5462-10922", 2),
        ("0003", "10923-16383", 2),
    ]
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        elasticache.modify_replication_group_shard_configuration(
            ReplicationGroupId="cache", NodeGroupCount=2, ApplyImmediately=True
        )
    assert error_code(excinfo) == "InvalidParameterCombination"
    group = elasticache.modify_replication_group_shard_configuration(
        ReplicationGroupId="cache", NodeGroupCount=2, NodeGroupsToRemove=["0002"], ApplyImmediately=True
    )["ReplicationGroup"]
    assert [(ng["NodeGroupId"], ng["Slots"]) for ng in group["NodeGroups"]] == [
        ("0001", "0-8191"),
        ("0003", "8192-16383"),
    ]
    assert not any(member.startswith("cache-0002-") for member in group["MemberClusters"])


def test_shards_of_a_cluster_mode_disabled_group_cannot_change(elasticache, network):
    create_group(elasticache, network)
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        elasticache.modify_replication_group_shard_configuration(
            ReplicationGroupId="cache", NodeGroupCount=2, ApplyImmediately=True
        )
    assert error_code(excinfo) == "InvalidParameterValue"


# --- DeleteReplicationGroup -------------------------------------------------------------------------------


def test_delete_takes_a_final_snapshot_and_the_group_goes_away(elasticache, network):
    group = create_group(elasticache, network, NumCacheClusters=2, Tags=[{"Key": "Project", "Value": "tracetrack"}])
    deleted = elasticache.delete_replication_group(ReplicationGroupId="cache", FinalSnapshotIdentifier="cache-final")[
        "ReplicationGroup"
    ]
    assert deleted["Status"] == "deleting"
    elasticache.get_waiter("replication_group_deleted").wait(
        ReplicationGroupId="cache", WaiterConfig={"Delay": 1, "MaxAttempts": 3}
    )
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        describe(elasticache)
    assert error_code(excinfo) == "ReplicationGroupNotFoundFault"
    assert members_of(elasticache) == []
    (snapshot,) = elasticache.describe_snapshots(SnapshotName="cache-final")["Snapshots"]
    assert snapshot["ReplicationGroupId"] == "cache"
    assert elasticache.list_tags_for_resource(ResourceName=group["ARN"])["TagList"] == []


def test_delete_can_retain_the_primary(elasticache, network):
    # Outside the subnet group: the retained cluster would keep it in use for the next tests.
    create_group(elasticache, network, group_id="retained", NumCacheClusters=2, CacheSubnetGroupName=None)
    elasticache.delete_replication_group(ReplicationGroupId="retained", RetainPrimaryCluster=True)
    assert members_of(elasticache, "retained") == ["retained-001"]
    assert "ReplicationGroupId" not in cluster(elasticache, "retained-001")


# --- tags --------------------------------------------------------------------------------------------------


def test_group_tags_are_listed_added_and_removed(elasticache, network):
    arn = create_group(elasticache, network, Tags=[{"Key": "Project", "Value": "tracetrack"}])["ARN"]
    assert arn == f"arn:aws:elasticache:{REGION}:123456789012:replicationgroup:cache"
    elasticache.add_tags_to_resource(ResourceName=arn, Tags=[{"Key": "Team", "Value": "platform"}])
    elasticache.remove_tags_from_resource(ResourceName=arn, TagKeys=["Project"])
    assert elasticache.list_tags_for_resource(ResourceName=arn)["TagList"] == [{"Key": "Team", "Value": "platform"}]


# --- cache subnet groups ---------------------------------------------------------------------------------------


def test_subnet_group_reports_availability_zones_and_can_be_modified(elasticache, network):
    (subnet_group,) = elasticache.describe_cache_subnet_groups(CacheSubnetGroupName="cache-subnets")[
        "CacheSubnetGroups"
    ]
    assert [s["SubnetAvailabilityZone"] for s in subnet_group["Subnets"]] == [
        {"Name": f"{REGION}a"},
        {"Name": f"{REGION}b"},
    ]
    modified = elasticache.modify_cache_subnet_group(
        CacheSubnetGroupName="cache-subnets",
        CacheSubnetGroupDescription="one zone",
        SubnetIds=network["subnet_ids"][:1],
    )["CacheSubnetGroup"]
    assert modified["CacheSubnetGroupDescription"] == "one zone"
    assert [s["SubnetIdentifier"] for s in modified["Subnets"]] == network["subnet_ids"][:1]
    assert modified["VpcId"] == network["vpc_id"]


def test_subnet_group_in_use_cannot_be_deleted(elasticache, network):
    create_group(elasticache, network)
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        elasticache.delete_cache_subnet_group(CacheSubnetGroupName="cache-subnets")
    assert error_code(excinfo) == "CacheSubnetGroupInUse"
    elasticache.delete_replication_group(ReplicationGroupId="cache")
    elasticache.delete_cache_subnet_group(CacheSubnetGroupName="cache-subnets")
    assert elasticache.describe_cache_subnet_groups()["CacheSubnetGroups"] == []
    with pytest.raises(botocore.exceptions.ClientError) as excinfo:
        elasticache.delete_cache_subnet_group(CacheSubnetGroupName="cache-subnets")
    assert error_code(excinfo) == "CacheSubnetGroupNotFoundFault"
