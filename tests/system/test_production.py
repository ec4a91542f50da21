"""The production inventory (strict) converged in full against this file's emulator.

In order: site.yml; the shape production asks for (seed 000: Multi-AZ PostgreSQL with two read replicas and
deletion protection, Redis with two replicas in three zones, a NAT gateway per AZ); a re-run that writes nothing;
audit.yml finding nothing and only reading; deletion protection turned off out of band is the one finding, and
none where the environment is not strict; teardown.yml refused without its confirmation, then with it leaving
nothing but the final snapshot and restorable secrets.
"""

import pytest

from tests.support.clients import emulator_client
from tests.support.data_tier import SECRET_KINDS, assert_converged, assert_torn_down
from tests.support.environments import assert_shape, inventory, optional_kinds
from tests.support.playbook import run_playbook
from tests.support.stack import leftovers, missing_kinds, stack_resources

ENV = "production"
PREFIX = f"tracetrack-{ENV}"
REPOSITORY = f"tracetrack/{ENV}"


@pytest.fixture(scope="module")
def converged(emulator):
    emulator.reset()
    run = run_playbook("playbooks/site.yml", ENV, emulator.url)
    assert run.returncode == 0, run.explain()
    return run


def findings(stdout):
    start = stdout.find("Security baseline of")
    block = stdout[start:].split("\n\n", 1)[0].splitlines()
    # the header, the rule under it, then one row per finding
    return [line.split()[:3] for line in block[3:] if line.strip()]


def test_every_kind_is_there_in_the_shape_production_asks_for(converged, emulator):
    values = inventory(ENV)
    found = stack_resources(emulator, PREFIX, REPOSITORY)
    assert missing_kinds(found, optional_kinds(values)) == [], found
    assert len(found["db_read_replicas"]) == values["database_read_replicas"]
    assert_shape(emulator, ENV, values, PREFIX)
    password = assert_converged(emulator, ENV, PREFIX)
    assert password not in converged.stdout + converged.stderr


def test_redis_has_two_replicas_in_three_zones_with_snapshots(converged, emulator):
    client = emulator_client(emulator, "elasticache")
    (group,) = client.describe_replication_groups(ReplicationGroupId=f"{PREFIX}-cache")["ReplicationGroups"]
    assert group["CacheNodeType"] == "cache.r6g.large"
    assert (group["AutomaticFailover"], group["MultiAZ"]) == ("enabled", "enabled")
    assert group["SnapshotRetentionLimit"] == 7
    assert group["TransitEncryptionEnabled"] and group["AtRestEncryptionEnabled"] and group["AuthTokenEnabled"]
    zones = {client.describe_cache_clusters(CacheClusterId=c)["CacheClusters"][0]["PreferredAvailabilityZone"] for c in group["MemberClusters"]}
    assert len(zones) == 3, "a primary and two replicas in three zones"


def test_second_run_changes_nothing_and_writes_nothing(converged, emulator):
    second = run_playbook("playbooks/site.yml", ENV, emulator.url)
    assert second.returncode == 0, second.explain()
    assert second.changed == 0, second.explain()
    assert second.calls.writes == []


def test_converged_strict_environment_meets_the_baseline_read_only(converged, emulator):
    audit = run_playbook("playbooks/audit.yml", ENV, emulator.url)
    assert audit.returncode == 0, audit.explain()
    assert f"Security baseline of {ENV}: 0 violation(s)" in audit.stdout
    assert audit.changed == 0
    assert audit.calls.writes == [], audit.calls.writes
    assert len(audit.calls.reads) > 10


def test_deletion_protection_off_is_the_one_finding(converged, emulator):
    rds = emulator_client(emulator, "rds")
    rds.modify_db_instance(DBInstanceIdentifier=f"{PREFIX}-db", DeletionProtection=False, ApplyImmediately=True)
    audit = run_playbook("playbooks/audit.yml", ENV, emulator.url)
    assert audit.returncode != 0, audit.explain()
    assert f"Security baseline of {ENV}: 1 violation(s)" in audit.stdout, audit.explain()
    assert findings(audit.stdout) == [["no-deletion-protection", "rds", f"{PREFIX}-db"]], audit.explain()
    assert audit.changed == 0 and audit.calls.writes == []


def test_the_same_setting_is_no_finding_where_the_environment_is_not_strict(converged, emulator):
    audit = run_playbook("playbooks/audit.yml", ENV, emulator.url, extra_vars={"env_strict": False, "cdn_waf_enabled": True})
    assert audit.returncode == 0, audit.explain()
    assert f"Security baseline of {ENV}: 0 violation(s)" in audit.stdout


def test_teardown_needs_the_confirmation_then_keeps_a_final_snapshot_and_restorable_secrets(converged, emulator):
    refused = run_playbook("playbooks/teardown.yml", ENV, emulator.url)
    assert refused.returncode != 0 and "confirm_teardown=production" in refused.stdout, refused.explain()
    assert refused.calls.calls == []

    removed = run_playbook("playbooks/teardown.yml", ENV, emulator.url, extra_vars={"confirm_teardown": ENV})
    assert removed.returncode == 0, removed.explain()
    assert leftovers(stack_resources(emulator, PREFIX, REPOSITORY)) == {}
    assert len(assert_torn_down(emulator, PREFIX)) == 1, "production keeps one final snapshot"
    # Deleted secrets stay restorable in a strict environment (scheduled for deletion, not gone).
    scheduled = emulator_client(emulator, "secretsmanager").list_secrets(IncludePlannedDeletion=True)["SecretList"]
    names = {s["Name"] for s in scheduled if s["Name"].startswith(f"{PREFIX}/")}
    assert {f"{PREFIX}/{kind}" for kind in SECRET_KINDS} <= names
