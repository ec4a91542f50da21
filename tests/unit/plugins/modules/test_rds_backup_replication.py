"""tracetrack.aws.rds_backup_replication: which calls a run makes, and which it leaves out."""

from unittest.mock import MagicMock

from ansible_collections.tracetrack.aws.plugins.modules import rds_backup_replication
from ansible_collections.tracetrack.aws.tests.unit.plugins.modules.utils import fake_module_for
from ansible_collections.tracetrack.aws.tests.unit.plugins.modules.utils import outcome_of
from ansible_collections.tracetrack.aws.tests.unit.plugins.modules.utils import stub_paginators

SOURCE = "arn:aws:rds:ap-south-1:123456789012:db:tracetrack-production-db"
KEY = "arn:aws:kms:ap-southeast-1:123456789012:key/0123abcd-0123-4567-89ab-0123456789ab"
REPLICATING = {
    "DBInstanceArn": SOURCE,
    "Status": "replicating",
    "BackupRetentionPeriod": 7,
    "KmsKeyId": KEY,
    "DBInstanceAutomatedBackupsArn": "arn:aws:rds:ap-southeast-1:123456789012:auto-backup:ab-1",
}


def params(**overrides):
    values = dict(state="present", source_db_instance_arn=SOURCE, destination_region="ap-southeast-1", backup_retention_period=7, kms_key_id=KEY)
    values.update(overrides)
    return values


fake_module = fake_module_for(params)


def fake_client(backups):
    client = stub_paginators(MagicMock(), {"describe_db_instance_automated_backups": {"DBInstanceAutomatedBackups": backups}})
    client.start_db_instance_automated_backups_replication.return_value = {"DBInstanceAutomatedBackup": dict(REPLICATING)}
    return client


def run(function, client, module):
    return outcome_of(function, client, module, module.params)


def writes(client):
    names = ("start_db_instance_automated_backups_replication", "stop_db_instance_automated_backups_replication")
    return [name for name in names if getattr(client, name).called]


def test_a_running_replication_with_the_same_settings_is_no_change():
    client = fake_client([REPLICATING])
    outcome = run(rds_backup_replication.ensure_present, client, fake_module())
    assert outcome.result["changed"] is False and writes(client) == []


def test_no_replication_starts_one_with_the_key_and_retention():
    client = fake_client([dict(REPLICATING, Status="retained"), dict(REPLICATING, DBInstanceArn=SOURCE + "-other")])
    outcome = run(rds_backup_replication.ensure_present, client, fake_module())
    assert outcome.result["changed"] is True
    client.start_db_instance_automated_backups_replication.assert_called_once_with(
        aws_retry=True, SourceDBInstanceArn=SOURCE, BackupRetentionPeriod=7, KmsKeyId=KEY
    )
    assert outcome.result["diff"] == {"before": {}, "after": {"BackupRetentionPeriod": 7, "KmsKeyId": KEY}}


def test_another_retention_stops_and_starts_again():
    client = fake_client([REPLICATING])
    run(rds_backup_replication.ensure_present, client, fake_module(backup_retention_period=14))
    assert writes(client) == ["start_db_instance_automated_backups_replication", "stop_db_instance_automated_backups_replication"]


def test_check_mode_writes_nothing_and_says_what_would_change():
    client = fake_client([])
    outcome = run(rds_backup_replication.ensure_present, client, fake_module(check_mode=True))
    assert outcome.result["changed"] is True and writes(client) == []
    absent = run(rds_backup_replication.ensure_absent, fake_client([REPLICATING]), fake_module(state="absent", check_mode=True))
    assert absent.result["changed"] is True


def test_absent_stops_a_replication_and_then_changes_nothing():
    client = fake_client([REPLICATING])
    assert run(rds_backup_replication.ensure_absent, client, fake_module(state="absent")).result["changed"] is True
    client.stop_db_instance_automated_backups_replication.assert_called_once_with(aws_retry=True, SourceDBInstanceArn=SOURCE)
    again = fake_client([])
    assert run(rds_backup_replication.ensure_absent, again, fake_module(state="absent")).result["changed"] is False
    assert writes(again) == []
