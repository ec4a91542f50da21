"""The project's own dev, staging and production inventories converged side by side, in one ansible-playbook run
against one emulator (one host each, `side_by_side_inventory`), the way an operator converges several environments.

In order: site.yml for all three; each environment's shape (production as docs/SIZING.md sizes it for seed 001:
Multi-AZ PostgreSQL with deletion protection, Redis with a replica in the other zone, a NAT gateway per AZ); a re-run
of production that writes nothing (the local stack's re-run is test_stack.py's); audit.yml finding nothing in
production and only reading; deletion protection turned off out of band is the one finding, and none where the
environment is not strict, and so is production's backups no longer replicated to another Region (seed 004);
teardown.yml with production's confirmation removing all three, production keeping its
final snapshot and restorable secrets. (Teardown refused without the confirmation: test_bad_input.py.)
"""

import pytest

from tests.support.clients import emulator_client
from tests.support.data_tier import SECRET_KINDS, assert_converged, assert_torn_down
from tests.support.environments import assert_shape, inventory, optional_kinds, side_by_side_inventory
from tests.support.playbook import run_playbook
from tests.support.stack import leftovers, missing_kinds, stack_resources

ENVIRONMENTS = ["dev", "staging", "production"]
HOSTS = {f"tracetrack-{env_name}": env_name for env_name in ENVIRONMENTS}
PRODUCTION = "tracetrack-production"


@pytest.fixture(scope="module")
def environments(emulator, tmp_path_factory):
    """The three inventories as one: its path."""
    emulator.reset()
    directory = side_by_side_inventory(tmp_path_factory.mktemp("environments"), {host: (env_name, {}) for host, env_name in HOSTS.items()})
    return str(directory)


def run(emulator, environments, playbook, extra_vars=None, limit=None):
    return run_playbook(playbook, emulator_url=emulator.url, inventory=environments, extra_vars=extra_vars, args=["--limit", limit] if limit else None)


@pytest.fixture(scope="module")
def converged(emulator, environments):
    first = run(emulator, environments, "playbooks/site.yml")
    assert first.returncode == 0, first.explain()
    return first


@pytest.mark.parametrize("env_name", ENVIRONMENTS)
def test_every_kind_is_there_in_the_shape_the_inventory_asks_for(converged, emulator, env_name):
    values = inventory(env_name)
    prefix = f"tracetrack-{env_name}"
    found = stack_resources(emulator, prefix, f"tracetrack/{env_name}")
    assert missing_kinds(found, optional_kinds(values)) == [], found
    assert len(found["db_read_replicas"]) == values["database_read_replicas"]
    assert_shape(emulator, env_name, values, prefix)
    password = assert_converged(emulator, env_name, prefix)
    assert password not in converged.stdout + converged.stderr


def test_production_redis_fails_over_to_a_replica_in_the_other_zone_with_snapshots(converged, emulator):
    values = inventory("production")
    client = emulator_client(emulator, "elasticache")
    (group,) = client.describe_replication_groups(ReplicationGroupId=f"{PRODUCTION}-cache")["ReplicationGroups"]
    assert group["CacheNodeType"] == values["cache_node_type"]
    assert (group["AutomaticFailover"], group["MultiAZ"]) == ("enabled", "enabled")
    assert group["SnapshotRetentionLimit"] == 7
    assert group["TransitEncryptionEnabled"] and group["AtRestEncryptionEnabled"] and group["AuthTokenEnabled"]
    zones = {client.describe_cache_clusters(CacheClusterId=c)["CacheClusters"][0]["PreferredAvailabilityZone"] for c in group["MemberClusters"]}
    assert len(zones) == values["cache_replicas"] + 1 == 2, "a primary and its replica in two zones"


REPLICATION_REGION = "ap-southeast-1"


def replicated_backups(emulator):
    far = emulator_client(emulator, "rds", REPLICATION_REGION)
    return [b for b in far.describe_db_instance_automated_backups()["DBInstanceAutomatedBackups"] if b["DBInstanceIdentifier"] == f"{PRODUCTION}-db"]


def test_production_replicates_its_automated_backups_to_another_region_with_a_key_there(converged, emulator):
    """Seed 004: point-in-time recovery in database_backup_replication_region, encrypted with that Region's key."""
    assert inventory("production")["database_backup_replication_region"] == REPLICATION_REGION
    (backup,) = replicated_backups(emulator)
    assert (backup["Status"], backup["Region"], backup["BackupRetentionPeriod"]) == ("replicating", "ap-south-1", 7)
    far_kms = emulator_client(emulator, "kms", REPLICATION_REGION)
    aliases = {a["AliasName"]: a.get("TargetKeyId") for a in far_kms.list_aliases()["Aliases"]}
    key_arn = far_kms.describe_key(KeyId=aliases[f"alias/{PRODUCTION}-db-backups"])["KeyMetadata"]["Arn"]
    assert backup["KmsKeyId"] == key_arn
    primary = emulator_client(emulator, "rds").describe_db_instances(DBInstanceIdentifier=f"{PRODUCTION}-db")["DBInstances"][0]
    assert primary["DBInstanceAutomatedBackupsReplications"] == [{"DBInstanceAutomatedBackupsArn": backup["DBInstanceAutomatedBackupsArn"]}]
    dev = emulator_client(emulator, "rds").describe_db_instances(DBInstanceIdentifier="tracetrack-dev-db")["DBInstances"][0]
    assert dev.get("DBInstanceAutomatedBackupsReplications", []) == [], "dev replicates nothing"


def test_production_second_run_changes_nothing_and_writes_nothing(converged, emulator, environments):
    second = run(emulator, environments, "playbooks/site.yml", limit=PRODUCTION)
    assert second.returncode == 0, second.explain()
    assert second.changed == 0, second.explain()
    assert second.calls.writes == []


def findings(stdout):
    start = stdout.find("Security baseline of")
    block = stdout[start:].split("\n\n", 1)[0].splitlines()
    # the header, the rule under it, then one row per finding
    return [line.split()[:3] for line in block[3:] if line.strip()]


def test_converged_production_meets_the_baseline_read_only(converged, emulator, environments):
    audit = run(emulator, environments, "playbooks/audit.yml", limit=PRODUCTION)
    assert audit.returncode == 0, audit.explain()
    assert "Security baseline of production: 0 violation(s)" in audit.stdout
    assert audit.changed == 0
    assert audit.calls.writes == [], audit.calls.writes
    assert len(audit.calls.reads) > 10


def test_backups_no_longer_replicated_is_the_one_finding(converged, emulator, environments):
    far = emulator_client(emulator, "rds", REPLICATION_REGION)
    (backup,) = replicated_backups(emulator)
    far.stop_db_instance_automated_backups_replication(SourceDBInstanceArn=backup["DBInstanceArn"])
    audit = run(emulator, environments, "playbooks/audit.yml", limit=PRODUCTION)
    far.start_db_instance_automated_backups_replication(SourceDBInstanceArn=backup["DBInstanceArn"], KmsKeyId=backup["KmsKeyId"],
                                                        BackupRetentionPeriod=backup["BackupRetentionPeriod"])
    assert audit.returncode != 0, audit.explain()
    assert findings(audit.stdout) == [["no-cross-region-backups", "rds", f"{PRODUCTION}-db"]], audit.explain()
    assert audit.changed == 0 and audit.calls.writes == []


def test_deletion_protection_off_is_the_one_finding(converged, emulator, environments):
    rds = emulator_client(emulator, "rds")
    rds.modify_db_instance(DBInstanceIdentifier=f"{PRODUCTION}-db", DeletionProtection=False, ApplyImmediately=True)
    audit = run(emulator, environments, "playbooks/audit.yml", limit=PRODUCTION)
    assert audit.returncode != 0, audit.explain()
    assert "Security baseline of production: 1 violation(s)" in audit.stdout, audit.explain()
    assert findings(audit.stdout) == [["no-deletion-protection", "rds", f"{PRODUCTION}-db"]], audit.explain()
    assert audit.changed == 0 and audit.calls.writes == []


def test_the_same_setting_is_no_finding_where_the_environment_is_not_strict(converged, emulator, environments):
    audit = run(emulator, environments, "playbooks/audit.yml", extra_vars={"env_strict": False, "cdn_waf_enabled": True}, limit=PRODUCTION)
    assert audit.returncode == 0, audit.explain()
    assert "Security baseline of production: 0 violation(s)" in audit.stdout


def test_teardown_removes_all_three_production_keeping_a_final_snapshot_and_restorable_secrets(converged, emulator, environments):
    removed = run(emulator, environments, "playbooks/teardown.yml", extra_vars={"confirm_teardown": "production"})
    assert removed.returncode == 0, removed.explain()
    for env_name in ENVIRONMENTS:
        prefix = f"tracetrack-{env_name}"
        assert leftovers(stack_resources(emulator, prefix, f"tracetrack/{env_name}")) == {}, env_name
    assert len(assert_torn_down(emulator, PRODUCTION)) == 1, "production keeps one final snapshot"
    # Deleted secrets stay restorable in a strict environment (scheduled for deletion, not gone).
    scheduled = emulator_client(emulator, "secretsmanager").list_secrets(IncludePlannedDeletion=True)["SecretList"]
    names = {s["Name"] for s in scheduled if s["Name"].startswith(f"{PRODUCTION}/")}
    assert {f"{PRODUCTION}/{kind}" for kind in SECRET_KINDS} <= names
