"""The cache tier against the emulator: converge, token rotation, REDIS_URL in the
application secret, bad input, teardown twice (production's cache and re-runs of the whole stack:
test_production.py)."""

import json

import pytest

from tests.support.clients import emulator_client
from tests.support.playbook import run_playbook

PLAYBOOK = "tests/system/playbooks/cache_tier.yml"


def replication_group(emulator, env_name):
    client = emulator_client(emulator, "elasticache")
    try:
        return client.describe_replication_groups(ReplicationGroupId=f"tracetrack-{env_name}-cache")["ReplicationGroups"][0]
    except client.exceptions.ReplicationGroupNotFoundFault:
        return None


def cache_subnet_group_names(emulator):
    client = emulator_client(emulator, "elasticache")
    return [g["CacheSubnetGroupName"] for g in client.describe_cache_subnet_groups()["CacheSubnetGroups"]]


def member(emulator, cluster_id):
    client = emulator_client(emulator, "elasticache")
    return client.describe_cache_clusters(CacheClusterId=cluster_id)["CacheClusters"][0]


def secret_json(emulator, name):
    client = emulator_client(emulator, "secretsmanager")
    return json.loads(client.get_secret_value(SecretId=name)["SecretString"])


def security_group_id(emulator, name):
    (group,) = emulator_client(emulator, "ec2").describe_security_groups(Filters=[{"Name": "group-name", "Values": [name]}])["SecurityGroups"]
    return group["GroupId"]


def group_tags(emulator, group):
    client = emulator_client(emulator, "elasticache")
    return {t["Key"]: t["Value"] for t in client.list_tags_for_resource(ResourceName=group["ARN"])["TagList"]}


def current_version(emulator, secret_name):
    client = emulator_client(emulator, "secretsmanager")
    stages = client.describe_secret(SecretId=secret_name)["VersionIdsToStages"]
    return next(version for version, labels in stages.items() if "AWSCURRENT" in labels)


@pytest.fixture(scope="module")
def converged_local(emulator):
    emulator.reset()
    first = run_playbook(PLAYBOOK, "local", emulator.url)
    assert first.returncode == 0, first.explain()
    return first


def test_local_is_a_single_encrypted_authenticated_node_in_the_data_subnets(converged_local, emulator):
    assert "elasticache:CreateReplicationGroup" in converged_local.calls.writes
    group = replication_group(emulator, "local")
    assert group["CacheNodeType"] == "cache.t3.micro"
    assert len(group["MemberClusters"]) == 1
    assert (group["AutomaticFailover"], group["MultiAZ"]) == ("disabled", "disabled")
    assert group["TransitEncryptionEnabled"] and group["AtRestEncryptionEnabled"] and group["AuthTokenEnabled"]
    assert not group["ClusterEnabled"]
    node = member(emulator, group["MemberClusters"][0])
    assert node["EngineVersion"].startswith("7.1.")
    assert node["CacheSubnetGroupName"] == "tracetrack-local-cache"
    assert [sg["SecurityGroupId"] for sg in node["SecurityGroups"]] == [security_group_id(emulator, "tracetrack-local-cache")]
    tags = group_tags(emulator, group)
    assert {key: tags.get(key) for key in ("Name", "Project", "Environment", "ManagedBy")} == {
        "Name": "tracetrack-local-cache",
        "Project": "tracetrack",
        "Environment": "local",
        "ManagedBy": "tracetrack.aws",
    }
    assert "primary_endpoint: master.tracetrack-local-cache." in converged_local.stdout


def test_redis_url_is_merged_into_the_app_secret_and_never_printed(converged_local, emulator):
    token = secret_json(emulator, "tracetrack-local/redis-auth")["token"]
    app = secret_json(emulator, "tracetrack-local/app")
    primary = replication_group(emulator, "local")["NodeGroups"][0]["PrimaryEndpoint"]
    assert app["REDIS_URL"] == f"rediss://:{token}@{primary['Address']}:{primary['Port']}/0"
    assert "SECRET_KEY" in app, "keys of other roles stay"
    assert token not in converged_local.stdout + converged_local.stderr


def test_a_rotated_token_is_sent_to_the_group_once(converged_local, emulator):
    old_url = secret_json(emulator, "tracetrack-local/app")["REDIS_URL"]
    rotated = run_playbook(PLAYBOOK, "local", emulator.url, extra_vars={"secrets_rotate": True, "secrets_rotate_kinds": ["redis"]})
    assert rotated.returncode == 0, rotated.explain()
    assert "elasticache:ModifyReplicationGroup" in rotated.calls.writes
    token = secret_json(emulator, "tracetrack-local/redis-auth")["token"]
    new_url = secret_json(emulator, "tracetrack-local/app")["REDIS_URL"]
    assert new_url != old_url and new_url.startswith(f"rediss://:{token}@")
    assert token not in rotated.stdout + rotated.stderr
    # The group now carries the secret version it was given: the next run sends no token.
    group = replication_group(emulator, "local")
    assert group_tags(emulator, group)["AuthTokenSecretVersion"] == current_version(emulator, "tracetrack-local/redis-auth")


@pytest.mark.parametrize(
    "env_name, extra_vars, variable",
    [
        ("local", {"cache_node_type": "t3.micro"}, "cache_node_type"),
        ("local", {"cache_replicas": -1}, "cache_replicas"),
        ("local", {"cache_snapshot_window": "05:30-06:30"}, "cache_snapshot_window"),
        ("production", {"cache_replicas": 2, "cache_transit_encryption": False}, "cache_transit_encryption"),
        ("production", {"cache_replicas": 0}, "cache_replicas"),
    ],
)
def test_bad_input_fails_before_any_api_call(emulator, env_name, extra_vars, variable):
    run = run_playbook(PLAYBOOK, env_name, emulator.url, extra_vars=extra_vars)
    assert run.returncode != 0
    assert variable in run.stdout + run.stderr, run.explain()
    assert run.calls.calls == [], f"API calls were made before validation: {run.calls.calls}"


def test_teardown_removes_the_group_and_its_subnet_group_and_a_second_teardown_changes_nothing(converged_local, emulator):
    first = run_playbook(PLAYBOOK, "local", emulator.url, extra_vars={"cache_tier_state": "absent"})
    assert first.returncode == 0, first.explain()
    assert replication_group(emulator, "local") is None
    assert "tracetrack-local-cache" not in cache_subnet_group_names(emulator)
    snapshots = emulator_client(emulator, "elasticache").describe_snapshots()["Snapshots"]
    assert [s["SnapshotName"] for s in snapshots if s["SnapshotName"].startswith("tracetrack-local-cache-final-")]

    second = run_playbook(PLAYBOOK, "local", emulator.url, extra_vars={"cache_tier_state": "absent"})
    assert second.returncode == 0, second.explain()
    assert second.changed == 0, second.explain()
    assert second.calls.writes == []
