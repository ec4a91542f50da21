"""tracetrack.aws.elasticache_replication_group: what differs, which calls fix it, and what is never touched."""

from unittest.mock import MagicMock

import pytest

from ansible_collections.tracetrack.aws.plugins.modules import elasticache_replication_group as module_under_test
from ansible_collections.tracetrack.aws.tests.unit.plugins.modules.utils import ModuleExit
from ansible_collections.tracetrack.aws.tests.unit.plugins.modules.utils import ModuleFail
from ansible_collections.tracetrack.aws.tests.unit.plugins.modules.utils import client_error
from ansible_collections.tracetrack.aws.tests.unit.plugins.modules.utils import fake_module

GROUP_ID = "tracetrack-cache"
ARN = f"arn:aws:elasticache:ap-south-1:123456789012:replicationgroup:{GROUP_ID}"
WRITES = (
    "create_replication_group",
    "modify_replication_group",
    "increase_replica_count",
    "decrease_replica_count",
    "modify_replication_group_shard_configuration",
    "delete_replication_group",
    "add_tags_to_resource",
    "remove_tags_from_resource",
)


def params(**overrides):
    values = dict(
        state="present",
        replication_group_id=GROUP_ID,
        description=None,
        engine=None,
        engine_version=None,
        cache_node_type=None,
        num_cache_clusters=None,
        num_node_groups=None,
        replicas_per_node_group=None,
        automatic_failover=None,
        multi_az=None,
        cache_subnet_group_name=None,
        security_group_ids=None,
        port=None,
        parameter_group_name=None,
        transit_encryption_enabled=None,
        at_rest_encryption_enabled=None,
        kms_key_id=None,
        auth_token=None,
        auth_token_update=False,
        auth_token_update_strategy="rotate",
        snapshot_retention_limit=None,
        snapshot_window=None,
        preferred_maintenance_window=None,
        apply_immediately=False,
        final_snapshot_identifier=None,
        tags=None,
        purge_tags=True,
        wait=True,
        wait_timeout=60,
    )
    values.update(overrides)
    return values


def disabled_group(members=2, **overrides):
    """A cluster-mode-disabled group as DescribeReplicationGroups returns it."""
    endpoint = {"Address": f"master.{GROUP_ID}.abc123.aps1.cache.amazonaws.com", "Port": 6379}
    group = {
        "ReplicationGroupId": GROUP_ID,
        "Description": "TraceTrack cache",
        "Status": "available",
        "MemberClusters": [f"{GROUP_ID}-{i + 1:03}" for i in range(members)],
        "NodeGroups": [
            {
                "NodeGroupId": "0001",
                "Status": "available",
                "PrimaryEndpoint": endpoint,
                "ReaderEndpoint": {"Address": f"replica.{GROUP_ID}.abc123.aps1.cache.amazonaws.com", "Port": 6379},
                "NodeGroupMembers": [{"CacheClusterId": f"{GROUP_ID}-{i + 1:03}", "CurrentRole": "replica" if i else "primary"} for i in range(members)],
            }
        ],
        "AutomaticFailover": "enabled" if members > 1 else "disabled",
        "MultiAZ": "enabled" if members > 1 else "disabled",
        "SnapshotRetentionLimit": 1,
        "SnapshotWindow": "03:00-04:00",
        "ClusterEnabled": False,
        "CacheNodeType": "cache.t4g.micro",
        "AuthTokenEnabled": True,
        "TransitEncryptionEnabled": True,
        "AtRestEncryptionEnabled": True,
        "ARN": ARN,
        "Engine": "redis",
    }
    group.update(overrides)
    return group


def cluster_group(shards=2, replicas=1, **overrides):
    group = {
        "ReplicationGroupId": GROUP_ID,
        "Description": "sessions",
        "Status": "available",
        "MemberClusters": [f"{GROUP_ID}-{s + 1:04}-{r + 1:03}" for s in range(shards) for r in range(replicas + 1)],
        "NodeGroups": [
            {
                "NodeGroupId": f"{s + 1:04}",
                "NodeGroupMembers": [{"CacheClusterId": f"{GROUP_ID}-{s + 1:04}-{r + 1:03}"} for r in range(replicas + 1)],
            }
            for s in range(shards)
        ],
        "ConfigurationEndpoint": {"Address": f"clustercfg.{GROUP_ID}.abc123.aps1.cache.amazonaws.com", "Port": 6379},
        "AutomaticFailover": "enabled",
        "MultiAZ": "disabled",
        "ClusterEnabled": True,
        "CacheNodeType": "cache.t4g.micro",
        "AuthTokenEnabled": False,
        "TransitEncryptionEnabled": False,
        "AtRestEncryptionEnabled": False,
        "ARN": ARN,
        "Engine": "valkey",
    }
    group.update(overrides)
    return group


def member(**overrides):
    """The first member cluster as DescribeCacheClusters returns it."""
    cluster = {
        "CacheClusterId": f"{GROUP_ID}-001",
        "Engine": "redis",
        "EngineVersion": "7.1.0",
        "PreferredMaintenanceWindow": "sun:23:00-mon:00:30",
        "CacheParameterGroup": {"CacheParameterGroupName": "default.redis7", "ParameterApplyStatus": "in-sync"},
        "CacheSubnetGroupName": "tracetrack-cache",
        "SecurityGroups": [
            {"SecurityGroupId": "sg-b", "Status": "active"},
            {"SecurityGroupId": "sg-a", "Status": "active"},
        ],
    }
    cluster.update(overrides)
    return cluster


def fake_client(group=None, cluster=None, tags=None):
    client = MagicMock()
    if group is None:
        client.describe_replication_groups.side_effect = client_error(
            "ReplicationGroupNotFoundFault", "DescribeReplicationGroups", f"Replication group {GROUP_ID} not found."
        )
    else:
        client.describe_replication_groups.return_value = {"ReplicationGroups": [group]}
    client.describe_cache_clusters.return_value = {"CacheClusters": [cluster or member()]}
    client.list_tags_for_resource.return_value = {
        "TagList": [{"Key": k, "Value": v} for k, v in (tags if tags is not None else {"Project": "tracetrack"}).items()]
    }
    return client


def writes(client):
    """The write operations called, in call order."""
    return [call[0] for call in client.method_calls if call[0] in WRITES]


# --- comparing ----------------------------------------------------------------------------------------


def test_nothing_set_means_nothing_to_modify():
    assert module_under_test.modify_request(params(), disabled_group(), member()) == {}


def test_options_equal_to_the_group_need_no_modification():
    options = params(
        description="TraceTrack cache",
        cache_node_type="cache.t4g.micro",
        engine="redis",
        engine_version="7.1",
        automatic_failover=True,
        multi_az=True,
        snapshot_retention_limit=1,
        snapshot_window="03:00-04:00",
        preferred_maintenance_window="Sun:23:00-Mon:00:30",
        security_group_ids=["sg-a", "sg-b"],
        parameter_group_name="default.redis7",
        auth_token="a-token-of-16-chars-or-more",
    )
    assert module_under_test.modify_request(options, disabled_group(), member()) == {}


def test_each_differing_mutable_attribute_is_sent():
    options = params(
        description="new",
        cache_node_type="cache.t4g.small",
        engine_version="7.2",
        automatic_failover=False,
        multi_az=False,
        snapshot_retention_limit=7,
        snapshot_window="01:00-02:00",
        preferred_maintenance_window="mon:01:00-mon:02:00",
        security_group_ids=["sg-c"],
        parameter_group_name="custom",
    )
    assert module_under_test.modify_request(options, disabled_group(), member()) == {
        "ReplicationGroupDescription": "new",
        "CacheNodeType": "cache.t4g.small",
        "EngineVersion": "7.2",
        "AutomaticFailoverEnabled": False,
        "MultiAZEnabled": False,
        "SnapshotRetentionLimit": 7,
        "SnapshotWindow": "01:00-02:00",
        "PreferredMaintenanceWindow": "mon:01:00-mon:02:00",
        "SecurityGroupIds": ["sg-c"],
        "CacheParameterGroupName": "custom",
    }


def test_pending_changes_count_as_done():
    group = disabled_group(AutomaticFailover="disabled", PendingModifiedValues={"AutomaticFailoverStatus": "enabled"})
    cluster = member(PendingModifiedValues={"CacheNodeType": "cache.t4g.small", "EngineVersion": "7.2.0"})
    options = params(cache_node_type="cache.t4g.small", engine_version="7.2", automatic_failover=True)
    assert module_under_test.modify_request(options, group, cluster) == {}


def test_redis_to_valkey_sends_engine_and_version():
    options = params(engine="valkey", engine_version="8.0")
    assert module_under_test.modify_request(options, disabled_group(), member()) == {
        "Engine": "valkey",
        "EngineVersion": "8.0",
    }


@pytest.mark.parametrize(
    "current, wanted, matches",
    [
        ("7.1.0", "7.1", True),
        ("7.1.0", "7.1.0", True),
        ("7.1.0", "7", True),
        ("7.1.0", "7.0", False),
        ("6.2.6", "6.x", True),
        ("7.0.7", "6.x", False),
        (None, "7.1", False),
        ("7.10.1", "7.1", False),
    ],
)
def test_version_matching(current, wanted, matches):
    assert module_under_test.version_matches(current, wanted) is matches


def test_auth_token_is_set_on_a_group_without_one():
    group = disabled_group(AuthTokenEnabled=False)
    request = module_under_test.modify_request(params(auth_token="t" * 20), group, member())
    assert request == {"AuthToken": "t" * 20, "AuthTokenUpdateStrategy": "ROTATE"}


def test_auth_token_of_a_group_with_one_is_only_changed_when_asked():
    assert module_under_test.modify_request(params(auth_token="t" * 20), disabled_group(), member()) == {}
    options = params(auth_token="t" * 20, auth_token_update=True, auth_token_update_strategy="set")
    request = module_under_test.modify_request(options, disabled_group(), member())
    assert request == {"AuthToken": "t" * 20, "AuthTokenUpdateStrategy": "SET"}


# --- immutable settings ---------------------------------------------------------------------------------


def test_no_mismatch_when_the_immutable_settings_agree():
    options = params(
        at_rest_encryption_enabled=True,
        transit_encryption_enabled=True,
        cache_subnet_group_name="tracetrack-cache",
        port=6379,
        num_cache_clusters=2,
        engine="redis",
    )
    assert module_under_test.immutable_mismatches(options, disabled_group(), member()) == []


def test_each_immutable_mismatch_is_named():
    options = params(
        at_rest_encryption_enabled=False,
        transit_encryption_enabled=False,
        cache_subnet_group_name="other",
        port=6380,
        num_node_groups=2,
        kms_key_id="1234abcd-12ab-34cd-56ef-1234567890ab",
    )
    problems = " / ".join(module_under_test.immutable_mismatches(options, disabled_group(), member()))
    for name in (
        "cluster mode",
        "at_rest_encryption_enabled",
        "transit_encryption_enabled",
        "cache_subnet_group_name",
        "port",
        "kms_key_id",
    ):
        assert name in problems


def test_valkey_cannot_go_back_to_redis():
    problems = module_under_test.immutable_mismatches(params(engine="redis"), cluster_group(), member(Engine="valkey"))
    assert problems == ["engine is valkey on the group, and a valkey group cannot go back to redis"]


def test_kms_key_id_matches_the_arn_aws_reports():
    key = "1234abcd-12ab-34cd-56ef-1234567890ab"
    group = disabled_group(KmsKeyId=f"arn:aws:kms:ap-south-1:123456789012:key/{key}")
    assert module_under_test.immutable_mismatches(params(kms_key_id=key), group, member()) == []
    assert module_under_test.immutable_mismatches(params(kms_key_id="alias/cache"), group, member()) == []


# --- replicas and shards ----------------------------------------------------------------------------------


def test_replica_count_changes_cluster_mode_disabled():
    group = disabled_group(members=2)
    assert module_under_test.replica_requests(params(num_cache_clusters=4), group) == ([{"NewReplicaCount": 3}], [])
    assert module_under_test.replica_requests(params(num_cache_clusters=1), group) == ([], [{"NewReplicaCount": 0}])
    assert module_under_test.replica_requests(params(num_cache_clusters=2), group) == ([], [])
    assert module_under_test.replica_requests(params(), group) == ([], [])


def test_replica_count_changes_per_shard_cluster_mode_enabled():
    group = cluster_group(shards=2, replicas=1)
    group["NodeGroups"][1]["NodeGroupMembers"].append({"CacheClusterId": f"{GROUP_ID}-0002-003"})
    increases, decreases = module_under_test.replica_requests(params(replicas_per_node_group=1), group)
    assert increases == []
    assert decreases == [{"ReplicaConfiguration": [{"NodeGroupId": "0002", "NewReplicaCount": 1}]}]
    increases, decreases = module_under_test.replica_requests(params(replicas_per_node_group=2), group)
    assert increases == [{"ReplicaConfiguration": [{"NodeGroupId": "0001", "NewReplicaCount": 2}]}]
    assert decreases == []


def test_shards_about_to_be_removed_get_no_replica_change():
    group = cluster_group(shards=3, replicas=1)
    options = params(num_node_groups=2, replicas_per_node_group=2)
    increases, decreases = module_under_test.replica_requests(options, group)
    assert [shard["NodeGroupId"] for shard in increases[0]["ReplicaConfiguration"]] == ["0001", "0002"]
    assert decreases == []


def test_shard_count_changes():
    group = cluster_group(shards=2)
    assert module_under_test.shard_request(params(num_node_groups=2), group) is None
    assert module_under_test.shard_request(params(num_node_groups=3), group) == {"NodeGroupCount": 3}
    assert module_under_test.shard_request(params(num_node_groups=1), group) == {
        "NodeGroupCount": 1,
        "NodeGroupsToRemove": ["0002"],
    }
    assert module_under_test.shard_request(params(num_node_groups=3), disabled_group()) is None


def test_failover_is_turned_on_after_replicas_are_added_and_off_before_they_are_removed():
    group = disabled_group(members=1)
    steps = module_under_test.planned_steps(params(num_cache_clusters=2, automatic_failover=True), group, member())
    assert [s[0] for s in steps] == ["increase_replica_count", "modify_replication_group"]
    assert steps[0][1] == {"NewReplicaCount": 1, "ApplyImmediately": True}
    group = disabled_group(members=2)
    steps = module_under_test.planned_steps(params(num_cache_clusters=1, automatic_failover=False, multi_az=False), group, member())
    assert [s[0] for s in steps] == ["modify_replication_group", "decrease_replica_count"]
    assert steps[0][1] == {"AutomaticFailoverEnabled": False, "MultiAZEnabled": False, "ApplyImmediately": False}


def test_create_request_cluster_mode_disabled():
    request = module_under_test.create_request(
        params(
            cache_node_type="cache.t4g.micro",
            num_cache_clusters=2,
            automatic_failover=True,
            transit_encryption_enabled=True,
            auth_token="t" * 20,
            tags={"Project": "tracetrack"},
        )
    )
    assert request == {
        "ReplicationGroupId": GROUP_ID,
        "ReplicationGroupDescription": GROUP_ID,
        "Engine": "redis",
        "CacheNodeType": "cache.t4g.micro",
        "NumCacheClusters": 2,
        "AutomaticFailoverEnabled": True,
        "TransitEncryptionEnabled": True,
        "AuthToken": "t" * 20,
        "Tags": [{"Key": "Project", "Value": "tracetrack"}],
    }


def test_create_request_cluster_mode_enabled_turns_failover_on():
    request = module_under_test.create_request(params(engine="valkey", cache_node_type="cache.t4g.micro", num_node_groups=2, replicas_per_node_group=1))
    assert request["ClusterMode"] == "enabled"
    assert (request["NumNodeGroups"], request["ReplicasPerNodeGroup"]) == (2, 1)
    assert request["AutomaticFailoverEnabled"] is True
    assert "NumCacheClusters" not in request


# --- the module's runs with a mocked client -----------------------------------------------------------------


def test_existing_group_as_asked_makes_no_write():
    client = fake_client(disabled_group())
    module = fake_module(params(cache_node_type="cache.t4g.micro", num_cache_clusters=2, tags={"Project": "tracetrack"}))
    with pytest.raises(ModuleExit) as done:
        module_under_test.ensure_present(client, module, module.params)
    assert done.value.result["changed"] is False
    assert writes(client) == []
    group = done.value.result["replication_group"]
    assert group["primary_endpoint"] == {"address": f"master.{GROUP_ID}.abc123.aps1.cache.amazonaws.com", "port": 6379}
    assert group["reader_endpoint"]["address"].startswith("replica.")
    assert group["engine_version"] == "7.1.0"
    assert group["security_group_ids"] == ["sg-a", "sg-b"]
    assert group["tags"] == {"Project": "tracetrack"}


def test_change_is_sent_with_retries_and_apply_immediately():
    client = fake_client(disabled_group())
    module = fake_module(params(cache_node_type="cache.t4g.small", apply_immediately=True))
    with pytest.raises(ModuleExit) as done:
        module_under_test.ensure_present(client, module, module.params)
    assert done.value.result["changed"] is True
    client.modify_replication_group.assert_called_once_with(aws_retry=True, ReplicationGroupId=GROUP_ID, CacheNodeType="cache.t4g.small", ApplyImmediately=True)
    assert writes(client) == ["modify_replication_group"]


def test_tags_are_added_and_purged():
    client = fake_client(disabled_group(), tags={"Project": "tracetrack", "Old": "yes"})
    module = fake_module(params(tags={"Project": "tracetrack", "Team": "platform"}))
    with pytest.raises(ModuleExit) as done:
        module_under_test.ensure_present(client, module, module.params)
    assert done.value.result["changed"] is True
    client.remove_tags_from_resource.assert_called_once_with(aws_retry=True, ResourceName=ARN, TagKeys=["Old"])
    client.add_tags_to_resource.assert_called_once_with(aws_retry=True, ResourceName=ARN, Tags=[{"Key": "Team", "Value": "platform"}])
    assert not client.modify_replication_group.called


def test_check_mode_reports_the_change_and_writes_nothing():
    client = fake_client(disabled_group(), tags={"Old": "yes"})
    options = params(cache_node_type="cache.t4g.small", num_cache_clusters=3, tags={"Project": "tracetrack"})
    module = fake_module(options, check_mode=True)
    with pytest.raises(ModuleExit) as done:
        module_under_test.ensure_present(client, module, module.params)
    assert done.value.result["changed"] is True
    assert writes(client) == []
    assert not client.get_waiter.called


def test_check_mode_create_writes_nothing():
    client = fake_client(None)
    module = fake_module(params(cache_node_type="cache.t4g.micro"), check_mode=True)
    with pytest.raises(ModuleExit) as done:
        module_under_test.ensure_present(client, module, module.params)
    assert done.value.result == {"changed": True, "replication_group": {}}
    assert writes(client) == []


def test_create_needs_a_node_type():
    client = fake_client(None)
    module = fake_module(params())
    with pytest.raises(ModuleFail) as failed:
        module_under_test.ensure_present(client, module, module.params)
    assert "cache_node_type is required" in failed.value.result["msg"]
    assert writes(client) == []


def test_create_waits_for_available():
    client = fake_client(None)
    client.describe_replication_groups.side_effect = [
        client_error("ReplicationGroupNotFoundFault", "DescribeReplicationGroups"),
        {"ReplicationGroups": [disabled_group()]},
    ]
    module = fake_module(params(cache_node_type="cache.t4g.micro", num_cache_clusters=2))
    with pytest.raises(ModuleExit) as done:
        module_under_test.ensure_present(client, module, module.params)
    assert done.value.result["changed"] is True
    assert client.create_replication_group.call_args.kwargs["NumCacheClusters"] == 2
    client.get_waiter.assert_called_once_with("replication_group_available")
    assert client.get_waiter.return_value.wait.call_args.kwargs["WaiterConfig"] == {"Delay": 15, "MaxAttempts": 4}


def test_immutable_mismatch_fails_before_any_write():
    client = fake_client(disabled_group())
    module = fake_module(params(at_rest_encryption_enabled=False, cache_node_type="cache.t4g.small"))
    with pytest.raises(ModuleFail) as failed:
        module_under_test.ensure_present(client, module, module.params)
    assert "at_rest_encryption_enabled is True on the group, the task asks for False" in failed.value.result["msg"]
    assert "delete and re-create" in failed.value.result["msg"]
    assert writes(client) == []


def test_every_step_after_the_first_waits_for_available():
    client = fake_client(disabled_group(members=1))
    module = fake_module(params(num_cache_clusters=2, automatic_failover=True))
    with pytest.raises(ModuleExit):
        module_under_test.ensure_present(client, module, module.params)
    assert writes(client) == ["increase_replica_count", "modify_replication_group"]
    # Before the modification, and once more at the end because wait=true.
    assert client.get_waiter.call_count == 2


def test_absent_group_is_not_deleted_again():
    client = fake_client(None)
    module = fake_module(params(state="absent"))
    with pytest.raises(ModuleExit) as done:
        module_under_test.ensure_absent(client, module, module.params)
    assert done.value.result == {"changed": False, "replication_group": {}}
    assert writes(client) == []


def test_delete_keeps_a_final_snapshot_and_waits():
    client = fake_client(disabled_group())
    module = fake_module(params(state="absent", final_snapshot_identifier="final"))
    with pytest.raises(ModuleExit) as done:
        module_under_test.ensure_absent(client, module, module.params)
    assert done.value.result["changed"] is True
    client.delete_replication_group.assert_called_once_with(aws_retry=True, ReplicationGroupId=GROUP_ID, FinalSnapshotIdentifier="final")
    client.get_waiter.assert_called_once_with("replication_group_deleted")


def test_delete_in_check_mode_writes_nothing():
    client = fake_client(disabled_group())
    module = fake_module(params(state="absent"), check_mode=True)
    with pytest.raises(ModuleExit) as done:
        module_under_test.ensure_absent(client, module, module.params)
    assert done.value.result["changed"] is True
    assert writes(client) == []


def test_a_group_being_deleted_is_not_deleted_again():
    client = fake_client(disabled_group(Status="deleting"))
    module = fake_module(params(state="absent"))
    with pytest.raises(ModuleExit) as done:
        module_under_test.ensure_absent(client, module, module.params)
    assert done.value.result["changed"] is False
    assert writes(client) == []


def test_replicas_of_new_shards_are_planned_once_the_shards_exist():
    client = fake_client(cluster_group(shards=2, replicas=1))
    grown = cluster_group(shards=3, replicas=1)
    client.describe_replication_groups.return_value = None
    client.describe_replication_groups.side_effect = [
        {"ReplicationGroups": [cluster_group(shards=2, replicas=1)]},
        {"ReplicationGroups": [grown]},
        {"ReplicationGroups": [grown]},
    ]
    module = fake_module(params(num_node_groups=3, replicas_per_node_group=2))
    with pytest.raises(ModuleExit) as done:
        module_under_test.ensure_present(client, module, module.params)
    assert done.value.result["changed"] is True
    assert writes(client) == ["modify_replication_group_shard_configuration", "increase_replica_count"]
    client.modify_replication_group_shard_configuration.assert_called_once_with(
        aws_retry=True, ReplicationGroupId=GROUP_ID, NodeGroupCount=3, ApplyImmediately=True
    )
    shards = client.increase_replica_count.call_args.kwargs["ReplicaConfiguration"]
    assert [shard["NodeGroupId"] for shard in shards] == ["0001", "0002", "0003"]


def test_a_busy_group_is_deleted_once_available():
    client = fake_client(disabled_group(Status="modifying"))
    module = fake_module(params(state="absent", wait=False))
    with pytest.raises(ModuleExit):
        module_under_test.ensure_absent(client, module, module.params)
    client.get_waiter.assert_called_once_with("replication_group_available")
    assert writes(client) == ["delete_replication_group"]


def test_a_group_that_failed_to_create_is_reported():
    client = fake_client(disabled_group(Status="create-failed"))
    module = fake_module(params(cache_node_type="cache.t4g.micro"))
    with pytest.raises(ModuleFail) as failed:
        module_under_test.ensure_present(client, module, module.params)
    assert "failed to create" in failed.value.result["msg"]
    assert writes(client) == []
