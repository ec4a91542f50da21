"""Cross-Region automated backup replication (extension rds_backup_replication): StartDBInstanceAutomatedBackupsReplication
and StopDBInstanceAutomatedBackupsReplication in the destination Region, DescribeDBInstanceAutomatedBackups there, and
DBInstanceAutomatedBackupsReplications on the source instance (RDS API reference, 2014-10-31)."""

import botocore.exceptions
import pytest

from tests.support.clients import REGION, emulator_client

DESTINATION = "ap-southeast-1"


@pytest.fixture
def source(clean_emulator):
    rds = emulator_client(clean_emulator, "rds")
    instance = rds.create_db_instance(
        DBInstanceIdentifier="replicated-db", DBInstanceClass="db.t4g.micro", Engine="postgres", EngineVersion="16",
        MasterUsername="tracetrack", MasterUserPassword="a-password-1", AllocatedStorage=20, StorageEncrypted=True,
        BackupRetentionPeriod=7,
    )["DBInstance"]
    return rds, emulator_client(clean_emulator, "rds", DESTINATION), emulator_client(clean_emulator, "kms", DESTINATION), instance


def test_start_describe_and_stop_the_replication(source):
    rds, far_rds, far_kms, instance = source
    key = far_kms.create_key(Description="backups")["KeyMetadata"]["Arn"]
    started = far_rds.start_db_instance_automated_backups_replication(
        SourceDBInstanceArn=instance["DBInstanceArn"], BackupRetentionPeriod=14, KmsKeyId=key,
    )["DBInstanceAutomatedBackup"]
    assert (started["Status"], started["Region"], started["KmsKeyId"], started["BackupRetentionPeriod"]) == ("replicating", REGION, key, 14)
    (listed,) = far_rds.describe_db_instance_automated_backups(DBInstanceIdentifier="replicated-db")["DBInstanceAutomatedBackups"]
    assert listed["DBInstanceArn"] == instance["DBInstanceArn"]
    assert listed["DBInstanceAutomatedBackupsArn"].startswith(f"arn:aws:rds:{DESTINATION}:")
    described = rds.describe_db_instances(DBInstanceIdentifier="replicated-db")["DBInstances"][0]
    assert described["DBInstanceAutomatedBackupsReplications"] == [{"DBInstanceAutomatedBackupsArn": listed["DBInstanceAutomatedBackupsArn"]}]

    with pytest.raises(botocore.exceptions.ClientError) as again:
        far_rds.start_db_instance_automated_backups_replication(SourceDBInstanceArn=instance["DBInstanceArn"], KmsKeyId=key)
    assert again.value.response["Error"]["Code"] == "InvalidDBInstanceAutomatedBackupState"

    stopped = far_rds.stop_db_instance_automated_backups_replication(SourceDBInstanceArn=instance["DBInstanceArn"])
    assert stopped["DBInstanceAutomatedBackup"]["Status"] == "retained"
    assert [b for b in far_rds.describe_db_instance_automated_backups()["DBInstanceAutomatedBackups"]
            if b.get("DBInstanceArn") == instance["DBInstanceArn"]] == []
    assert rds.describe_db_instances(DBInstanceIdentifier="replicated-db")["DBInstances"][0].get("DBInstanceAutomatedBackupsReplications", []) == []


def test_an_encrypted_source_needs_a_key_of_the_destination_and_the_same_region_is_refused(source):
    rds, far_rds, _far_kms, instance = source
    with pytest.raises(botocore.exceptions.ClientError) as no_key:
        far_rds.start_db_instance_automated_backups_replication(SourceDBInstanceArn=instance["DBInstanceArn"])
    assert no_key.value.response["Error"]["Code"] == "InvalidParameterCombination"
    with pytest.raises(botocore.exceptions.ClientError) as same_region:
        rds.start_db_instance_automated_backups_replication(SourceDBInstanceArn=instance["DBInstanceArn"], KmsKeyId="alias/x")
    assert same_region.value.response["Error"]["Code"] == "InvalidParameterValue"
