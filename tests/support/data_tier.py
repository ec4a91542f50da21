"""The data tier (secrets, RDS PostgreSQL) of one environment as the emulator holds it, checked against its inventory."""

import json
import re

from tests.support.clients import emulator_client, every
from tests.support.environments import inventory

SECRET_KINDS = ("database-master", "database-users", "app", "redis-auth", "scanner-api-keys", "app-admin")


def rds(emulator):
    return emulator_client(emulator, "rds")


def secret(emulator, name):
    client = emulator_client(emulator, "secretsmanager")
    return json.loads(client.get_secret_value(SecretId=name)["SecretString"])


def instances(emulator, prefix):
    return {i["DBInstanceIdentifier"]: i for i in rds(emulator).describe_db_instances()["DBInstances"] if i["DBInstanceIdentifier"].startswith(f"{prefix}-db")}


def expected(env_name, key, default):
    return inventory(env_name).get(key, default)


def assert_converged(emulator, env_name, prefix, database="tracetrack"):
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
    # The cache tier adds REDIS_URL when it ran too (the whole stack); nothing else is in the application secret.
    assert {"DATABASE_READ_URL", "DATABASE_URL", "SECRET_KEY", "METRICS_TOKEN"} <= set(app) <= {
        "DATABASE_READ_URL", "DATABASE_URL", "SECRET_KEY", "METRICS_TOKEN", "REDIS_URL"}
    # The application logs in as its own login, never as the master user (tracetrack.dbusers; roles/tracking_app).
    users = secret(emulator, f"{prefix}/database-users")
    assert sorted(users) == ["app_other_username", "app_password", "app_role", "app_username", "owner_password", "owner_username"]
    assert users["app_username"] in (f"{master['username']}_app_a", f"{master['username']}_app_b")
    assert master["password"] not in app["DATABASE_URL"] + app["DATABASE_READ_URL"]
    credentials = f"postgresql+psycopg://{users['app_username']}:{users['app_password']}@"
    writer = primary["Endpoint"]["Address"]
    reader = found[f"{prefix}-db-replica-1"]["Endpoint"]["Address"] if replicas else writer
    # TLS verified against the RDS CA bundle the image carries (item of the database role: database_ca_bundle_path).
    tls = "sslmode=verify-full&sslrootcert=/etc/ssl/rds/global-bundle.pem"
    assert app["DATABASE_URL"] == f"{credentials}{writer}:5432/{database}?{tls}"
    assert app["DATABASE_READ_URL"] == f"{credentials}{reader}:5432/{database}?{tls}"
    return master["password"]


def assert_torn_down(emulator, prefix):
    client = rds(emulator)
    assert instances(emulator, prefix) == {}
    assert [g for g in client.describe_db_subnet_groups()["DBSubnetGroups"] if g["DBSubnetGroupName"] == f"{prefix}-db"] == []
    assert [g for g in client.describe_db_parameter_groups()["DBParameterGroups"] if g["DBParameterGroupName"].startswith(prefix)] == []
    names = [s["Name"] for s in every(emulator_client(emulator, "secretsmanager"), "list_secrets", "SecretList")]
    assert [n for n in names if n.startswith(f"{prefix}/")] == []
    snapshots = [s["DBSnapshotIdentifier"] for s in client.describe_db_snapshots(SnapshotType="manual")["DBSnapshots"]]
    return [s for s in snapshots if s.startswith(f"{prefix}-db-final-")]
