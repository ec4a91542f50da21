"""The dev, staging and production inventories, each converged against the emulator in full.

Each environment: site.yml, a re-run that writes nothing, the shape its inventory asks for, then teardown.yml
(production with its confirmation) leaving none of what the collection created.
"""

import pytest
import yaml

from tests.support.clients import emulator_client
from tests.support.playbook import REPO_ROOT, run_playbook
from tests.support.stack import OPTIONAL_KINDS, leftovers, missing_kinds, stack_resources


def inventory(env_name):
    return yaml.safe_load((REPO_ROOT / "inventories" / env_name / "group_vars" / f"{env_name}.yml").read_text())


def optional_kinds(values):
    """The optional kinds this inventory's settings leave out."""
    present = {
        "kms_aliases": values.get("secrets_kms_key_enabled", False),
        "waf_web_acls": values.get("cdn_waf_enabled", False),
        "db_read_replicas": values.get("database_read_replicas", 0) > 0,
        "s3_buckets": values.get("cdn_static_site_enabled", False),
        # The emulator confirms no e-mail subscription: they stay pending and are not listed as confirmed.
        "sns_subscriptions": False,
        "ssm_parameters": False,  # no release is deployed here
    }
    return {kind for kind in OPTIONAL_KINDS if not present[kind]}


def assert_shape(emulator, env_name, values, prefix):
    rds = emulator_client(emulator, "rds")
    (primary,) = rds.describe_db_instances(DBInstanceIdentifier=f"{prefix}-db")["DBInstances"]
    assert primary["DBInstanceClass"] == values["database_instance_class"]
    assert primary["MultiAZ"] is values["database_multi_az"]
    assert primary["StorageEncrypted"] is True and primary["PubliclyAccessible"] is False
    (group,) = emulator_client(emulator, "elasticache").describe_replication_groups(ReplicationGroupId=f"{prefix}-cache")["ReplicationGroups"]
    assert len(group["MemberClusters"]) == values["cache_replicas"] + 1
    assert group["TransitEncryptionEnabled"] is True and group["AtRestEncryptionEnabled"] is True
    (target,) = emulator_client(emulator, "application-autoscaling").describe_scalable_targets(
        ServiceNamespace="ecs", ResourceIds=[f"service/{prefix}/{prefix}-web"]
    )["ScalableTargets"]
    assert (target["MinCapacity"], target["MaxCapacity"]) == (values["autoscaling_min_capacity"], values["autoscaling_max_capacity"])
    if env_name == "production":
        assert primary["DeletionProtection"] is True
        ec2 = emulator_client(emulator, "ec2")
        vpc_id = ec2.describe_vpcs(Filters=[{"Name": "tag:Name", "Values": [f"{prefix}-vpc"]}])["Vpcs"][0]["VpcId"]
        nats = ec2.describe_nat_gateways(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["NatGateways"]
        assert len({n["SubnetId"] for n in nats}) == 3, "production has one NAT gateway per AZ"


@pytest.mark.parametrize("env_name", ["dev", "staging", "production"])
def test_inventory_converges_is_idempotent_and_tears_down(emulator, env_name):
    values = inventory(env_name)
    prefix = f"tracetrack-{env_name}"
    repository = f"tracetrack/{env_name}"

    first = run_playbook("playbooks/site.yml", env_name, emulator.url)
    assert first.returncode == 0, first.explain()
    found = stack_resources(emulator, prefix, repository)
    assert missing_kinds(found, optional_kinds(values)) == [], found
    assert len(found["db_read_replicas"]) == values["database_read_replicas"]
    assert_shape(emulator, env_name, values, prefix)

    second = run_playbook("playbooks/site.yml", env_name, emulator.url)
    assert second.returncode == 0, second.explain()
    assert second.changed == 0, second.explain()
    assert second.calls.writes == []

    confirm = {"confirm_teardown": env_name} if values.get("env_strict") else {}
    removed = run_playbook("playbooks/teardown.yml", env_name, emulator.url, extra_vars=confirm)
    assert removed.returncode == 0, removed.explain()
    assert leftovers(stack_resources(emulator, prefix, repository)) == {}
    if env_name == "production":
        snapshots = emulator_client(emulator, "rds").describe_db_snapshots(SnapshotType="manual")["DBSnapshots"]
        assert [s for s in snapshots if s["DBSnapshotIdentifier"].startswith(f"{prefix}-db-final-")], "production keeps a final snapshot"
