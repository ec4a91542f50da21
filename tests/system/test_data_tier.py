"""The data tier (secrets and RDS PostgreSQL, on the network) against the emulator.

Local and production: converge, re-run without writes, teardown. Rotation through ansible-runner, with
the new master password looked for in everything the run leaves behind. Bad input fails before any
API call.
"""

import json
import os
import re
from pathlib import Path

import ansible_runner
import pytest
import yaml

from tests.support.clients import emulator_client
from tests.support.playbook import REPO_ROOT, emulator_vars, run_playbook

PLAYBOOK = "tests/system/playbooks/data_tier.yml"
SECRET_KINDS = ("database-master", "app", "redis-auth", "scanner-api-keys")
# What production needs of the data tier (seeds 000/003); the inventory's own values win when it has them.
PRODUCTION_SHAPE = {"database_instance_class": "db.r6g.xlarge", "database_read_replicas": 2}


def rds(emulator):
    return emulator_client(emulator, "rds")


def secret(emulator, name):
    client = emulator_client(emulator, "secretsmanager")
    return json.loads(client.get_secret_value(SecretId=name)["SecretString"])


def instances(emulator, prefix):
    return {i["DBInstanceIdentifier"]: i for i in rds(emulator).describe_db_instances()["DBInstances"] if i["DBInstanceIdentifier"].startswith(f"{prefix}-db")}


def inventory_values(env_name):
    path = REPO_ROOT / "inventories" / env_name / "group_vars" / f"{env_name}.yml"
    return yaml.safe_load(path.read_text()) or {}


def production_extra_vars():
    """Production's shape, for whatever the production inventory does not set itself."""
    inventory = inventory_values("production")
    return {key: value for key, value in PRODUCTION_SHAPE.items() if key not in inventory}


def expected(env_name, key, default):
    values = {**(PRODUCTION_SHAPE if env_name == "production" else {}), **inventory_values(env_name)}
    return values.get(key, default)


def assert_converged(emulator, env_name, prefix):
    client = rds(emulator)
    found = instances(emulator, prefix)
    primary = found.pop(f"{prefix}-db")
    replicas = expected(env_name, "database_read_replicas", 0)
    strict = env_name == "production"
    database_sg = emulator_client(emulator, "ec2").describe_security_groups(Filters=[{"Name": "group-name", "Values": [f"{prefix}-database"]}])[
        "SecurityGroups"
    ][0]["GroupId"]

    assert primary["Engine"] == "postgres" and primary["EngineVersion"].startswith("16.")
    assert primary["DBInstanceClass"] == expected(env_name, "database_instance_class", "db.t4g.micro")
    assert primary["MultiAZ"] is expected(env_name, "database_multi_az", strict)
    assert primary["DeletionProtection"] is strict
    assert primary["StorageEncrypted"] is True and primary["StorageType"] == "gp3"
    assert primary["PubliclyAccessible"] is False
    assert [g["VpcSecurityGroupId"] for g in primary["VpcSecurityGroups"]] == [database_sg]
    assert primary["BackupRetentionPeriod"] == 7
    assert primary["PreferredBackupWindow"] == "03:00-04:00"
    # RDS offers no Performance Insights on micro and small burstable classes.
    assert primary["PerformanceInsightsEnabled"] is (re.match(r"db\.t\d+g?\.(micro|small)$", primary["DBInstanceClass"]) is None)
    assert primary["DBSubnetGroup"]["DBSubnetGroupName"] == f"{prefix}-db"
    assert [g["DBParameterGroupName"] for g in primary["DBParameterGroups"]] == [f"{prefix}-postgres16"]
    tags = {t["Key"]: t["Value"] for t in primary["TagList"]}
    assert {"Project": "tracetrack", "Environment": env_name, "ManagedBy": "tracetrack.aws"}.items() <= tags.items()

    assert sorted(found) == [f"{prefix}-db-replica-{n}" for n in range(1, replicas + 1)]
    assert sorted(primary["ReadReplicaDBInstanceIdentifiers"]) == sorted(found)
    for replica in found.values():
        assert replica["ReadReplicaSourceDBInstanceIdentifier"] == f"{prefix}-db"
        assert replica["StorageEncrypted"] is True and replica["PubliclyAccessible"] is False
        assert [g["VpcSecurityGroupId"] for g in replica["VpcSecurityGroups"]] == [database_sg]

    parameters = {p["ParameterName"]: p.get("ParameterValue") for p in client.describe_db_parameters(DBParameterGroupName=f"{prefix}-postgres16")["Parameters"]}
    assert parameters["rds.force_ssl"] == "1"
    assert parameters["log_min_duration_statement"] == "500" and parameters["log_connections"] == "1"

    master = secret(emulator, f"{prefix}/database-master")
    app = secret(emulator, f"{prefix}/app")
    assert sorted(master) == ["password", "username"]
    assert sorted(secret(emulator, f"{prefix}/redis-auth")) == ["token"]
    assert sorted(app) == ["DATABASE_READ_URL", "DATABASE_URL", "SECRET_KEY"]
    credentials = f"postgresql+psycopg://{master['username']}:{master['password']}@"
    writer = primary["Endpoint"]["Address"]
    reader = found[f"{prefix}-db-replica-1"]["Endpoint"]["Address"] if replicas else writer
    assert app["DATABASE_URL"] == f"{credentials}{writer}:5432/tracetrack?sslmode=require"
    assert app["DATABASE_READ_URL"] == f"{credentials}{reader}:5432/tracetrack?sslmode=require"
    return master["password"]


def assert_torn_down(emulator, prefix):
    client = rds(emulator)
    assert instances(emulator, prefix) == {}
    assert [g for g in client.describe_db_subnet_groups()["DBSubnetGroups"] if g["DBSubnetGroupName"] == f"{prefix}-db"] == []
    assert [g for g in client.describe_db_parameter_groups()["DBParameterGroups"] if g["DBParameterGroupName"].startswith(prefix)] == []
    names = [s["Name"] for s in emulator_client(emulator, "secretsmanager").list_secrets()["SecretList"]]
    assert [n for n in names if n.startswith(f"{prefix}/")] == []
    snapshots = [s["DBSnapshotIdentifier"] for s in client.describe_db_snapshots(SnapshotType="manual")["DBSnapshots"]]
    return [s for s in snapshots if s.startswith(f"{prefix}-db-final-")]


# --- local ----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def converged_local(emulator):
    emulator.reset()
    first = run_playbook(PLAYBOOK, "local", emulator.url)
    assert first.returncode == 0, first.explain()
    return first


def test_local_converge_builds_the_data_tier(converged_local, emulator):
    assert converged_local.changed > 0
    password = assert_converged(emulator, "local", "tracetrack-local")
    assert password not in converged_local.stdout + converged_local.stderr
    assert "tracetrack-local-db.aaaaaaaaaa" in converged_local.stdout, "the summary shows the writer endpoint"


def test_local_rerun_changes_nothing_and_writes_nothing(converged_local, emulator):
    second = run_playbook(PLAYBOOK, "local", emulator.url)
    assert second.returncode == 0, second.explain()
    assert second.changed == 0, second.explain()
    assert second.calls.writes == []


def test_rotation_through_ansible_runner_applies_the_password_and_never_shows_it(converged_local, emulator, tmp_path):
    prefix = "tracetrack-local"
    before = secret(emulator, f"{prefix}/database-master")["password"]
    env = {
        "ANSIBLE_CONFIG": str(REPO_ROOT / "ansible.cfg"),
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_DEPRECATION_WARNINGS": "false",
        "PYTHONPATH": str(REPO_ROOT / "emulator"),
        "EMULATOR_PORT": str(emulator.port),
        "PATH": f"{REPO_ROOT / '.venv' / 'bin'}{os.pathsep}{os.environ['PATH']}",
    }
    result = ansible_runner.run(
        private_data_dir=str(tmp_path),
        project_dir=str(REPO_ROOT),
        playbook=PLAYBOOK,
        inventory=str(REPO_ROOT / "inventories" / "local"),
        extravars={**emulator_vars(emulator.url), "secrets_rotate": True},
        envvars=env,
        quiet=True,
    )
    stdout = result.stdout.read()
    assert result.status == "successful", stdout[-6000:]

    after = secret(emulator, f"{prefix}/database-master")["password"]
    assert after != before, "secrets_rotate gives the master user a new password"
    assert after in secret(emulator, f"{prefix}/app")["DATABASE_URL"]
    primary = instances(emulator, prefix)[f"{prefix}-db"]
    versions = emulator_client(emulator, "secretsmanager").describe_secret(SecretId=f"{prefix}/database-master")["VersionIdsToStages"]
    current = [version for version, stages in versions.items() if "AWSCURRENT" in stages]
    assert {t["Key"]: t["Value"] for t in primary["TagList"]}["MasterPasswordSecretVersion"] == current[0]

    for password in (before, after):
        assert password not in stdout
        leaks = [str(path) for path in Path(tmp_path).rglob("*") if path.is_file() and password.encode() in path.read_bytes()]
        assert leaks == [], f"a master password is written in {leaks}"
    assert list((Path(tmp_path) / "artifacts").rglob("job_events/*.json")), "the run left its events to look into"

    # The rotation was applied in full: nothing is left to do.
    again = run_playbook(PLAYBOOK, "local", emulator.url)
    assert again.returncode == 0, again.explain()
    assert again.calls.writes == []


def test_local_teardown_removes_the_data_tier_and_a_second_changes_nothing(converged_local, emulator):
    first = run_playbook(PLAYBOOK, "local", emulator.url, extra_vars={"data_tier_state": "absent"})
    assert first.returncode == 0, first.explain()
    assert len(assert_torn_down(emulator, "tracetrack-local")) == 1, "database_final_snapshot defaults to true"
    second = run_playbook(PLAYBOOK, "local", emulator.url, extra_vars={"data_tier_state": "absent"})
    assert second.returncode == 0, second.explain()
    assert second.changed == 0, second.explain()
    assert second.calls.writes == []


# --- bad input --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "env_name, extra_vars, variable",
    [
        ("local", {"database_instance_class": "m5.large"}, "database_instance_class"),
        ("local", {"database_read_replicas": -1}, "database_read_replicas"),
        ("local", {"database_backup_retention_days": 40}, "database_backup_retention_days"),
        ("local", {"database_maintenance_window": "sun:03:30-sun:04:30"}, "database_maintenance_window"),
        ("local", {"secrets_database_username": "rdsadmin"}, "secrets_database_username"),
        ("local", {"database_performance_insights_enabled": True}, "database_performance_insights_enabled"),
        ("production", {"database_multi_az": False}, "database_multi_az"),
    ],
)
def test_bad_input_fails_before_any_api_call(emulator, env_name, extra_vars, variable):
    run = run_playbook(PLAYBOOK, env_name, emulator.url, extra_vars=extra_vars)
    assert run.returncode != 0
    assert variable in run.stdout + run.stderr, run.explain()
    assert run.calls.calls == [], f"API calls were made before validation: {run.calls.calls}"


# --- production -------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def converged_production(emulator):
    first = run_playbook(PLAYBOOK, "production", emulator.url, extra_vars=production_extra_vars())
    assert first.returncode == 0, first.explain()
    return first


def test_production_is_multi_az_protected_and_has_its_replicas(converged_production, emulator):
    password = assert_converged(emulator, "production", "tracetrack-production")
    assert password not in converged_production.stdout + converged_production.stderr


def test_production_rerun_changes_nothing_and_writes_nothing(converged_production, emulator):
    second = run_playbook(PLAYBOOK, "production", emulator.url, extra_vars=production_extra_vars())
    assert second.returncode == 0, second.explain()
    assert second.changed == 0, second.explain()
    assert second.calls.writes == []


def test_production_teardown_keeps_a_final_snapshot(converged_production, emulator):
    run = run_playbook(PLAYBOOK, "production", emulator.url, extra_vars={**production_extra_vars(), "data_tier_state": "absent"})
    assert run.returncode == 0, run.explain()
    final = assert_torn_down(emulator, "tracetrack-production")
    assert len(final) == 1, final
    # Deleted secrets stay restorable in a strict environment (scheduled for deletion, not gone).
    client = emulator_client(emulator, "secretsmanager")
    scheduled = client.list_secrets(IncludePlannedDeletion=True)["SecretList"]
    assert sorted(s["Name"] for s in scheduled if s["Name"].startswith("tracetrack-production/")) == sorted(
        f"tracetrack-production/{kind}" for kind in SECRET_KINDS
    )
