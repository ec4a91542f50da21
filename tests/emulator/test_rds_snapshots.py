"""RDS snapshots that hold the local database, and restores that bring it back (extension rds_snapshots).

CreateDBSnapshot dumps the database the instance names on the local PostgreSQL; RestoreDBInstanceFromDBSnapshot and
RestoreDBInstanceToPointInTime make a new instance whose database (reported as its DBName) holds that content;
CopyDBSnapshot to another region copies it; DeleteDBSnapshot removes the dump; DeleteDBInstance of a restored
instance drops its database.
"""

from datetime import datetime, timedelta, timezone

import botocore.exceptions
import pytest

from tests.support.clients import REGION, emulator_client
from tests.support.local_postgres import admin, emulator_on_local_postgres

OTHER_REGION = "ap-southeast-1"


@pytest.fixture
def snapshot_emulator():
    """An emulator whose RDS instances stand for the machine's PostgreSQL, and the name of the test's role/database."""
    with emulator_on_local_postgres("ttsnap", "snapshots with data are") as made:
        yield made


def create_source(rds, name: str, identifier: str = "source-db") -> None:
    rds.create_db_instance(
        DBInstanceIdentifier=identifier, DBInstanceClass="db.t4g.micro", Engine="postgres", EngineVersion="16",
        MasterUsername=name, MasterUserPassword="a-password-1", DBName=name, AllocatedStorage=20,
    )
    with admin(name) as connection:
        connection.execute(f"CREATE TABLE scans (id integer PRIMARY KEY); ALTER TABLE scans OWNER TO {name}")


def write_scans(database: str, ids) -> None:
    with admin(database) as connection:
        for scan_id in ids:
            connection.execute("INSERT INTO scans VALUES (%s)", [scan_id])


def scans(database: str) -> list[int]:
    with admin(database) as connection:
        return [row[0] for row in connection.execute("SELECT id FROM scans ORDER BY id")]


def database_of(rds, identifier: str) -> str:
    return rds.describe_db_instances(DBInstanceIdentifier=identifier)["DBInstances"][0]["DBName"]


def test_restore_from_snapshot_brings_back_what_the_snapshot_holds(snapshot_emulator):
    """CreateDBSnapshot, then RestoreDBInstanceFromDBSnapshot: the new instance has the data written before the
    snapshot and not what came after; the source keeps everything. DeleteDBInstance drops the restored database."""
    emulator, name = snapshot_emulator
    rds = emulator_client(emulator, "rds")
    create_source(rds, name)
    write_scans(name, [1, 2, 3])
    rds.create_db_snapshot(DBInstanceIdentifier="source-db", DBSnapshotIdentifier="before-more")
    write_scans(name, [4, 5])

    restored = rds.restore_db_instance_from_db_snapshot(DBInstanceIdentifier="restored-db", DBSnapshotIdentifier="before-more")
    restored_database = restored["DBInstance"]["DBName"]
    assert restored_database == f"{name}_restored_db"
    assert database_of(rds, "restored-db") == restored_database
    assert scans(restored_database) == [1, 2, 3]
    assert scans(name) == [1, 2, 3, 4, 5]
    with admin() as connection:
        (owner,) = connection.execute("SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = %s", [restored_database]).fetchone()
    assert owner == name, "the restored database belongs to the snapshot's master user"

    rds.delete_db_instance(DBInstanceIdentifier="restored-db", SkipFinalSnapshot=True)
    with admin() as connection:
        assert connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [restored_database]).fetchone() is None


def test_a_renamed_instance_keeps_its_database(snapshot_emulator):
    """ModifyDBInstance NewDBInstanceIdentifier: the instance, its DBName and its data move to the new name."""
    emulator, name = snapshot_emulator
    rds = emulator_client(emulator, "rds")
    create_source(rds, name)
    write_scans(name, [1])
    rds.create_db_snapshot(DBInstanceIdentifier="source-db", DBSnapshotIdentifier="one")
    restored_database = rds.restore_db_instance_from_db_snapshot(DBInstanceIdentifier="restored-db", DBSnapshotIdentifier="one")["DBInstance"]["DBName"]
    rds.modify_db_instance(DBInstanceIdentifier="restored-db", NewDBInstanceIdentifier="source-db-2", ApplyImmediately=True)
    assert database_of(rds, "source-db-2") == restored_database
    assert scans(restored_database) == [1]


def test_point_in_time_restores_the_newest_backup_at_or_before_the_time(snapshot_emulator):
    """RestoreDBInstanceToPointInTime: RestoreTime loads the newest snapshot taken at or before it; a time before every
    backup is InvalidRestoreFault; UseLatestRestorableTime has everything written so far."""
    emulator, name = snapshot_emulator
    rds = emulator_client(emulator, "rds")
    create_source(rds, name)
    write_scans(name, [1])
    rds.create_db_snapshot(DBInstanceIdentifier="source-db", DBSnapshotIdentifier="first")
    between = datetime.now(timezone.utc) + timedelta(milliseconds=5)
    write_scans(name, [2])
    rds.create_db_snapshot(DBInstanceIdentifier="source-db", DBSnapshotIdentifier="second")
    write_scans(name, [3])

    at_time = rds.restore_db_instance_to_point_in_time(
        SourceDBInstanceIdentifier="source-db", TargetDBInstanceIdentifier="at-time", RestoreTime=between,
    )["DBInstance"]["DBName"]
    assert scans(at_time) == [1]
    latest = rds.restore_db_instance_to_point_in_time(
        SourceDBInstanceIdentifier="source-db", TargetDBInstanceIdentifier="latest", UseLatestRestorableTime=True,
    )["DBInstance"]["DBName"]
    assert scans(latest) == [1, 2, 3]
    with pytest.raises(botocore.exceptions.ClientError) as error:
        rds.restore_db_instance_to_point_in_time(
            SourceDBInstanceIdentifier="source-db", TargetDBInstanceIdentifier="too-early",
            RestoreTime=datetime.now(timezone.utc) - timedelta(days=1),
        )
    assert error.value.response["Error"]["Code"] == "InvalidRestoreFault"


def test_a_snapshot_copied_to_another_region_restores_there_and_a_deleted_one_is_gone(snapshot_emulator):
    """CopyDBSnapshot by the source's ARN into another region with that region's KMS key: a restore there has the
    data. DeleteDBSnapshot: its dump is removed, a restore from it is refused."""
    emulator, name = snapshot_emulator
    rds = emulator_client(emulator, "rds")
    create_source(rds, name)
    write_scans(name, [7, 8])
    arn = rds.create_db_snapshot(DBInstanceIdentifier="source-db", DBSnapshotIdentifier="to-copy")["DBSnapshot"]["DBSnapshotArn"]
    far_rds = emulator_client(emulator, "rds", OTHER_REGION)
    far_key = emulator_client(emulator, "kms", OTHER_REGION).create_key(Description="backups")["KeyMetadata"]["Arn"]
    copied = far_rds.copy_db_snapshot(SourceDBSnapshotIdentifier=arn, TargetDBSnapshotIdentifier="copied", KmsKeyId=far_key, SourceRegion=REGION)
    assert copied["DBSnapshot"]["KmsKeyId"] == far_key
    far_database = far_rds.restore_db_instance_from_db_snapshot(DBInstanceIdentifier="far-db", DBSnapshotIdentifier="copied")["DBInstance"]["DBName"]
    assert scans(far_database) == [7, 8]

    rds.delete_db_snapshot(DBSnapshotIdentifier="to-copy")
    with pytest.raises(botocore.exceptions.ClientError):
        rds.restore_db_instance_from_db_snapshot(DBInstanceIdentifier="gone-db", DBSnapshotIdentifier="to-copy")
