"""tracetrack.aws.elasticache_replication_group against the emulator, through ansible-playbook.

create (changed) -> re-run (no change, no write call) -> change one attribute -> check mode (no write call)
-> delete -> delete again (no change). The cache subnet group comes from community.aws.elasticache_subnet_group.
"""

import pytest

from tests.support.clients import REGION, emulator_client
from tests.support.playbook import run_playbook

PLAYBOOK = "tests/system/playbooks/elasticache_replication_group.yml"
GROUP_ID = "tracetrack-test-cache"
CLUSTER_ID = "tracetrack-test-sessions"


@pytest.fixture
def network(clean_emulator):
    ec2 = emulator_client(clean_emulator, "ec2")
    vpc_id = ec2.create_vpc(CidrBlock="10.50.0.0/16")["Vpc"]["VpcId"]
    subnet_ids = [
        ec2.create_subnet(VpcId=vpc_id, CidrBlock=f"10.50.{index}.0/24", AvailabilityZone=f"{REGION}{zone}")["Subnet"][
            "SubnetId"
        ]
        for index, zone in enumerate("ab")
    ]
    security_group_id = ec2.create_security_group(GroupName="cache", Description="cache", VpcId=vpc_id)["GroupId"]
    return {"cache_subnet_ids": subnet_ids, "cache_security_group_ids": [security_group_id]}


def run_cache(emulator, network, tag, args=None, **extra_vars):
    variables = {"aws_region": REGION, **network, **extra_vars}
    return run_playbook(PLAYBOOK, "local", emulator.url, extra_vars=variables, args=["--tags", tag, *(args or [])])


def describe(emulator, group_id=GROUP_ID):
    client = emulator_client(emulator, "elasticache")
    return client.describe_replication_groups(ReplicationGroupId=group_id)["ReplicationGroups"][0]


def test_replication_group_lifecycle(clean_emulator, network):
    run = run_cache(clean_emulator, network, "replication")
    assert run.returncode == 0, run.explain()
    assert run.changed == 2, run.explain()  # the subnet group and the replication group
    assert "elasticache:CreateReplicationGroup" in run.calls.writes
    group = describe(clean_emulator)
    assert group["MemberClusters"] == [f"{GROUP_ID}-001", f"{GROUP_ID}-002"]
    assert group["AutomaticFailover"] == "enabled" and group["MultiAZ"] == "enabled"

    again = run_cache(clean_emulator, network, "replication")
    assert again.returncode == 0, again.explain()
    assert again.changed == 0, again.explain()
    assert again.calls.writes == []

    bigger = run_cache(clean_emulator, network, "replication", cache_node_type="cache.t4g.small")
    assert bigger.returncode == 0, bigger.explain()
    assert bigger.changed == 1, bigger.explain()
    assert bigger.calls.writes == ["elasticache:ModifyReplicationGroup"]
    assert describe(clean_emulator)["CacheNodeType"] == "cache.t4g.small"

    replicas = run_cache(
        clean_emulator, network, "replication", cache_node_type="cache.t4g.small", cache_num_cache_clusters=3
    )
    assert replicas.returncode == 0, replicas.explain()
    assert replicas.calls.writes == ["elasticache:IncreaseReplicaCount"]
    assert len(describe(clean_emulator)["MemberClusters"]) == 3

    checked = run_cache(
        clean_emulator,
        network,
        "replication",
        ["--check"],
        cache_node_type="cache.t4g.small",
        cache_num_cache_clusters=3,
        cache_snapshot_retention_limit=5,
    )
    assert checked.returncode == 0, checked.explain()
    assert checked.changed == 1, checked.explain()
    assert checked.calls.writes == []
    assert describe(clean_emulator)["SnapshotRetentionLimit"] == 1

    deleted = run_cache(clean_emulator, network, "replication", cache_state="absent", cache_final_snapshot="final")
    assert deleted.returncode == 0, deleted.explain()
    assert deleted.changed == 2, deleted.explain()
    assert deleted.calls.writes == ["elasticache:DeleteReplicationGroup", "elasticache:DeleteCacheSubnetGroup"]
    snapshots = emulator_client(clean_emulator, "elasticache").describe_snapshots()["Snapshots"]
    assert [s["SnapshotName"] for s in snapshots] == ["final"]

    gone = run_cache(clean_emulator, network, "replication", cache_state="absent")
    assert gone.returncode == 0, gone.explain()
    assert gone.changed == 0, gone.explain()
    assert gone.calls.writes == []


def test_cluster_mode_group_gains_shards_and_replicas(clean_emulator, network):
    run = run_cache(clean_emulator, network, "cluster")
    assert run.returncode == 0, run.explain()
    assert run.changed == 2, run.explain()
    assert len(describe(clean_emulator, CLUSTER_ID)["NodeGroups"]) == 2

    again = run_cache(clean_emulator, network, "cluster")
    assert again.returncode == 0, again.explain()
    assert again.changed == 0, again.explain()
    assert again.calls.writes == []

    grown = run_cache(clean_emulator, network, "cluster", cache_num_node_groups=3, cache_replicas_per_node_group=2)
    assert grown.returncode == 0, grown.explain()
    assert grown.calls.writes == [
        "elasticache:ModifyReplicationGroupShardConfiguration",
        "elasticache:IncreaseReplicaCount",
    ]
    group = describe(clean_emulator, CLUSTER_ID)
    assert [len(node_group["NodeGroupMembers"]) for node_group in group["NodeGroups"]] == [3, 3, 3]

    again = run_cache(clean_emulator, network, "cluster", cache_num_node_groups=3, cache_replicas_per_node_group=2)
    assert again.changed == 0, again.explain()
    assert again.calls.writes == []

    deleted = run_cache(clean_emulator, network, "cluster", cache_state="absent")
    assert deleted.returncode == 0, deleted.explain()
    assert deleted.changed == 2, deleted.explain()


def test_an_immutable_setting_fails_clearly_and_writes_nothing(clean_emulator, network):
    assert run_cache(clean_emulator, network, "replication").returncode == 0
    run = run_cache(clean_emulator, network, "replication", cache_at_rest_encryption=False)
    assert run.returncode != 0
    assert "at_rest_encryption_enabled is True on the group, the task asks for False" in run.stdout, run.explain()
    assert "delete and re-create it" in run.stdout
    assert run.calls.writes == []
