"""Cross-Region automated backup replication of RDS DB instances, as the AWS API reference (Amazon RDS, 2014-10-31)
describes it. moto 5.2.5 implements none of it.

- StartDBInstanceAutomatedBackupsReplication, called in the destination Region: `SourceDBInstanceArn` (an instance of
  another Region), `BackupRetentionPeriod` (default 7), `KmsKeyId` (a key of the destination Region, required for an
  encrypted source). The destination then holds the instance's replicated automated backups; the answer is the
  `DBInstanceAutomatedBackup` (Status `replicating`). A second start for the same source is refused
  (InvalidDBInstanceAutomatedBackupState).
- StopDBInstanceAutomatedBackupsReplication, in the destination Region: `SourceDBInstanceArn`; the replicated backups
  are kept (Status `retained`) until DeleteDBInstanceAutomatedBackup - here they are dropped at once, nothing reads them.
- DescribeDBInstanceAutomatedBackups in the destination Region lists the replicated backups with the source's
  `DBInstanceArn`, `DBInstanceIdentifier`, `Region` (the source's), `BackupRetentionPeriod`, `KmsKeyId`,
  `DBInstanceAutomatedBackupsArn` and `Status`; `DBInstanceIdentifier` / `Filters` `db-instance-id` narrow it.
- DescribeDBInstances in the source Region reports `DBInstanceAutomatedBackupsReplications`
  (`DBInstanceAutomatedBackupsArn` of each destination) on the instance.
"""

import uuid

from moto.rds import models, responses
from moto.rds.exceptions import DBInstanceNotFoundError, RDSClientError


def _replications(backend) -> dict:
    """{source instance ARN: replicated backup} of a destination Region's backend."""
    if not hasattr(backend, "tracetrack_backup_replications"):
        backend.tracetrack_backup_replications = {}
    return backend.tracetrack_backup_replications


def _source_instance(arn: str):
    parts = arn.split(":")
    if len(parts) < 7 or parts[2] != "rds" or parts[5] != "db":
        raise RDSClientError("InvalidParameterValue", f"SourceDBInstanceArn {arn} is not a DB instance ARN")
    region, account, identifier = parts[3], parts[4], parts[6]
    instance = models.rds_backends[account][region].databases.get(identifier)
    if instance is None:
        raise DBInstanceNotFoundError(identifier)
    return instance, region


def _refresh_source(instance) -> None:
    """The source instance's DBInstanceAutomatedBackupsReplications, from every destination's record."""
    found = []
    for backend in models.rds_backends[instance.account_id].values():
        record = _replications(backend).get(instance.db_instance_arn)
        if record:
            found.append({"DBInstanceAutomatedBackupsArn": record["DBInstanceAutomatedBackupsArn"]})
    instance.db_instance_automated_backups_replications = found


def _start(self):
    arn = self.params.get("SourceDBInstanceArn")
    retention = int(self.params.get("BackupRetentionPeriod") or 7)
    kms_key_id = self.params.get("KmsKeyId")
    instance, source_region = _source_instance(arn)
    if source_region == self.region:
        raise RDSClientError("InvalidParameterValue", "The source DB instance must be in another Region than the replication.")
    if instance.storage_encrypted and not kms_key_id:
        raise RDSClientError("InvalidParameterCombination", "KmsKeyId is required to replicate the backups of an encrypted DB instance.")
    records = _replications(self.backend)
    if arn in records:
        raise RDSClientError("InvalidDBInstanceAutomatedBackupState", f"Automated backups of {arn} are already replicated to {self.region}.")
    resource_id = f"db-{uuid.uuid4().hex[:26].upper()}"
    records[arn] = {
        "DBInstanceArn": arn,
        "DbiResourceId": instance.dbi_resource_id,
        "Region": source_region,
        "DBInstanceIdentifier": instance.db_instance_identifier,
        "Status": "replicating",
        "Engine": instance.engine,
        "EngineVersion": instance.engine_version,
        "AllocatedStorage": instance.allocated_storage,
        "Encrypted": bool(kms_key_id),
        "KmsKeyId": kms_key_id,
        "BackupRetentionPeriod": retention,
        "DBInstanceAutomatedBackupsArn": f"arn:aws:rds:{self.region}:{self.current_account}:auto-backup:{resource_id.lower()}",
    }
    _refresh_source(instance)
    return responses.ActionResult({"DBInstanceAutomatedBackup": records[arn]})


def _stop(self):
    arn = self.params.get("SourceDBInstanceArn")
    record = _replications(self.backend).pop(arn, None)
    if record is None:
        raise RDSClientError("InvalidDBInstanceAutomatedBackupState", f"Automated backups of {arn} are not replicated to {self.region}.")
    try:
        _refresh_source(_source_instance(arn)[0])
    except DBInstanceNotFoundError:
        pass
    return responses.ActionResult({"DBInstanceAutomatedBackup": dict(record, Status="retained")})


def _wrap_describe(original):
    def describe_db_instance_automated_backups(self):
        identifier = self.params.get("DBInstanceIdentifier")
        filters = {f["Name"]: f["Values"] for f in self.params.get("Filters", [])}
        wanted = set(filters.get("db-instance-id", [])) | ({identifier} if identifier else set())
        replicated = [
            record for record in _replications(self.backend).values()
            if not wanted or record["DBInstanceIdentifier"] in wanted or record["DBInstanceArn"] in wanted
        ]
        local = original(self)
        local.result["DBInstanceAutomatedBackups"] = list(local.result["DBInstanceAutomatedBackups"]) + replicated
        return local

    return describe_db_instance_automated_backups


def apply() -> None:
    responses.RDSResponse.start_db_instance_automated_backups_replication = _start
    responses.RDSResponse.stop_db_instance_automated_backups_replication = _stop
    responses.RDSResponse.describe_db_instance_automated_backups = _wrap_describe(responses.RDSResponse.describe_db_instance_automated_backups)
