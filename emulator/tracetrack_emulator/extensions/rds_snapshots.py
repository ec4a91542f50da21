"""RDS snapshots that hold data, and restores that bring it back, where an instance stands for the local PostgreSQL.

AWS API reference, Amazon RDS (2014-10-31), and the emulator's stand-in for storage snapshots:

- CreateDBSnapshot (and the automated and final snapshots RDS takes itself, CreateDBInstance / DeleteDBInstance
  `FinalDBSnapshotIdentifier`): a storage snapshot of the instance. Here: `pg_dump --format=custom` of the database
  the instance names (`DBName`) on the local server, kept in the emulator's task directory
  (TRACETRACK_EMULATOR_TASK_DIR/rds-snapshots/<account>-<region>-<snapshot>.dump).
- DeleteDBSnapshot: the snapshot's storage is released; here its dump is deleted.
- CopyDBSnapshot (also from another region, by the source snapshot's ARN, with the target region's `KmsKeyId`):
  the copy holds the same data; here the dump is copied.
- RestoreDBInstanceFromDBSnapshot: a new instance whose storage is the snapshot's. Here: a new database on the local
  server, owned by the snapshot's master user, loaded from the dump (`pg_restore`).
- RestoreDBInstanceToPointInTime: a new instance with the source's data as of `RestoreTime`, or as of now with
  `UseLatestRestorableTime`. AWS replays transaction logs onto the last automated backup; the emulator keeps no
  transaction log, so it loads the newest snapshot of the source taken at or before `RestoreTime` (automated, manual
  or final) - or, with `UseLatestRestorableTime`, a dump of the source taken now. A `RestoreTime` before every
  snapshot of the source is refused with InvalidRestoreFault, as AWS refuses a time outside the restorable window.
- DeleteDBInstance of a restored instance: its storage goes; here the database the restore made is dropped.

The one difference a client sees: every instance reports the same local server (extension local_endpoints), so a
restored instance's database cannot have the snapshot's name there; it gets one of its own,
`<DBName>_<instance identifier>` (63 characters at most, `-` as `_`), and DescribeDBInstances reports that as the
restored instance's `DBName` (AWS reports the snapshot's). A client that builds its connection URL from the
instance's reported `DBName` connects to the restored data in both places.

Only PostgreSQL instances, and only when TRACETRACK_EMULATOR_RDS_ENDPOINT names the local server; otherwise moto's
behaviour (snapshots and restores without data). pg_dump / pg_restore come from PATH; a failure is reported in the
emulator's log and the API answers as moto does (a snapshot without a dump restores an empty database).
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path

from moto.rds import models as rds_models
from moto.rds.exceptions import RDSClientError

from tracetrack_emulator.extensions import ecs_tasks
from tracetrack_emulator.extensions.local_endpoints import RDS_ADMIN_VARIABLE, RDS_VARIABLE, local_endpoint

MAX_DATABASE_NAME = 63


def dump_dir() -> Path:
    return ecs_tasks.task_dir() / "rds-snapshots"


def dump_path(backend, snapshot_identifier: str) -> Path:
    safe = re.sub(r"[^a-z0-9.-]", "_", snapshot_identifier.lower())
    return dump_dir() / f"{backend.account_id}-{backend.region_name}-{safe}.dump"


def _server(instance) -> tuple[str, int, str] | None:
    """(host, port, admin user) of the local server an instance stands for, None when it stands for none."""
    local = local_endpoint(RDS_VARIABLE)
    if not local or not str(getattr(instance, "engine", "")).startswith("postgres"):
        return None
    return local[0], local[1] or getattr(instance, "port", None) or 5432, os.environ.get(RDS_ADMIN_VARIABLE) or "postgres"


def _run(command: list[str], what: str) -> bool:
    result = subprocess.run(command, capture_output=True, text=True, check=False, env={"PGCONNECT_TIMEOUT": "5", "PATH": _path()})
    if result.returncode != 0:
        print(f"[rds] {what} failed: {result.stderr.strip().splitlines()[-1:] or result.returncode}", file=sys.stderr)
    return result.returncode == 0


def _path() -> str:
    return os.environ.get("PATH", "/usr/bin:/bin")


def dump_database(instance, target: Path) -> bool:
    """pg_dump of the instance's database into `target`; False (and no file) when there is nothing to dump."""
    server = _server(instance)
    if not server or not instance.db_name:
        return False
    host, port, admin = server
    target.parent.mkdir(parents=True, exist_ok=True)
    done = _run(
        ["pg_dump", "--format=custom", "--no-owner", "-h", host, "-p", str(port), "-U", admin, "-d", instance.db_name, "-f", str(target)],
        f"pg_dump of {instance.db_instance_identifier} ({instance.db_name})",
    )
    if not done:
        target.unlink(missing_ok=True)
    return done


def restored_database_name(source_name: str, instance_identifier: str) -> str:
    return f"{source_name}_{instance_identifier}".replace("-", "_").lower()[:MAX_DATABASE_NAME]


def load_database(instance, dump: Path | None) -> None:
    """The restored instance's own database on the local server, owned by its master user, with the dump's content."""
    server = _server(instance)
    if not server or not instance.db_name or not instance.master_username:
        return
    import psycopg
    from psycopg import sql

    host, port, admin = server
    name = restored_database_name(instance.db_name, instance.db_instance_identifier)
    try:
        with psycopg.connect(host=host, port=port, user=admin, dbname="postgres", autocommit=True, connect_timeout=5) as connection:
            connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
            connection.execute(
                sql.SQL("CREATE DATABASE {} OWNER {}").format(sql.Identifier(name), sql.Identifier(instance.master_username))
            )
    except psycopg.Error as error:
        print(f"[rds] the local PostgreSQL did not make {name} for {instance.db_instance_identifier}: {error}", file=sys.stderr)
        return
    instance.db_name = name
    instance.tracetrack_restored_database = name
    if dump and dump.is_file():
        _run(
            ["pg_restore", "--no-owner", f"--role={instance.master_username}", "-h", host, "-p", str(port), "-U", admin, "-d", name, str(dump)],
            f"pg_restore into {instance.db_instance_identifier} ({name})",
        )


def drop_restored_database(instance) -> None:
    name = getattr(instance, "tracetrack_restored_database", None)
    server = _server(instance)
    if not name or not server:
        return
    import psycopg
    from psycopg import sql

    try:
        with psycopg.connect(host=server[0], port=server[1], user=server[2], dbname="postgres", autocommit=True, connect_timeout=5) as connection:
            connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
    except psycopg.Error as error:
        print(f"[rds] the local PostgreSQL did not drop {name}: {error}", file=sys.stderr)


def _snapshot_for_time(backend, source_identifier: str, restore_time: datetime):
    """The newest snapshot of the source taken at or before `restore_time` that holds a dump."""
    candidates = [
        snapshot
        for snapshot in backend.database_snapshots.values()
        if snapshot.db_instance_identifier == source_identifier
        and _aware(snapshot.snapshot_create_time) <= restore_time
        and dump_path(backend, snapshot.db_snapshot_identifier).is_file()
    ]
    return max(candidates, key=lambda snapshot: snapshot.snapshot_create_time, default=None)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _restore_time(value) -> datetime | None:
    if not value:
        return None
    if isinstance(value, datetime):
        return _aware(value)
    return _aware(datetime.fromisoformat(str(value).replace("Z", "+00:00")))


# --- the API operations ---------------------------------------------------------------------------------------------


def _wrap_create_db_snapshot(original):
    def create_db_snapshot(self, db_instance_identifier, db_snapshot_identifier, *args, **kwargs):
        snapshot = original(self, db_instance_identifier, db_snapshot_identifier, *args, **kwargs)
        dump_database(snapshot.database, dump_path(self, db_snapshot_identifier))
        return snapshot

    return create_db_snapshot


def _wrap_delete_db_snapshot(original):
    def delete_db_snapshot(self, db_snapshot_identifier):
        snapshot = original(self, db_snapshot_identifier)
        dump_path(self, db_snapshot_identifier).unlink(missing_ok=True)
        return snapshot

    return delete_db_snapshot


def _wrap_copy_db_snapshot(original):
    def copy_db_snapshot(self, source_db_snapshot_identifier, target_db_snapshot_identifier, *args, **kwargs):
        copied = original(self, source_db_snapshot_identifier, target_db_snapshot_identifier, *args, **kwargs)
        source_backend, source_id = self, source_db_snapshot_identifier
        if source_db_snapshot_identifier.startswith("arn:aws:rds:"):
            _arn, _partition, _service, region, account, _kind, source_id = source_db_snapshot_identifier.split(":", 6)
            source_backend = rds_models.rds_backends[account][region]
        source = dump_path(source_backend, source_id)
        if source.is_file():
            shutil.copyfile(source, dump_path(self, target_db_snapshot_identifier))
        return copied

    return copy_db_snapshot


def _wrap_restore_from_snapshot(original):
    def restore_db_instance_from_db_snapshot(self, from_snapshot_id, overrides):
        instance = original(self, from_snapshot_id, overrides)
        snapshot_id = self.extract_snapshot_name_from_arn(from_snapshot_id) if from_snapshot_id.startswith("arn:") else from_snapshot_id
        load_database(instance, dump_path(self, snapshot_id))
        return instance

    return restore_db_instance_from_db_snapshot


def _wrap_restore_to_point_in_time(original):
    def restore_db_instance_to_point_in_time(self, source_db_identifier, target_db_identifier, overrides):
        source = self.describe_db_instances(db_instance_identifier=source_db_identifier)[0]
        restore_time = _restore_time(overrides.get("restore_time"))
        dump, scratch = None, None
        if _server(source):
            if restore_time is None:
                scratch = Path(tempfile.mkdtemp(prefix="pitr-", dir=_ensure(dump_dir())))
                dump = scratch / "latest.dump"
                dump_database(source, dump)
            else:
                snapshot = _snapshot_for_time(self, source_db_identifier, restore_time)
                if snapshot is None:
                    raise RDSClientError(
                        "InvalidRestoreFault",
                        f"{source_db_identifier} has no backup at or before {restore_time.isoformat()} to restore from.",
                    )
                dump = dump_path(self, snapshot.db_snapshot_identifier)
        try:
            instance = original(self, source_db_identifier, target_db_identifier, overrides)
            load_database(instance, dump)
        finally:
            if scratch:
                shutil.rmtree(scratch, ignore_errors=True)
        return instance

    return restore_db_instance_to_point_in_time


def _ensure(directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    return directory


def _wrap_delete_db_instance(original):
    def delete_db_instance(self, db_instance_identifier, *args, **kwargs):
        instance = original(self, db_instance_identifier, *args, **kwargs)
        drop_restored_database(instance)
        return instance

    return delete_db_instance


def apply() -> None:
    backend = rds_models.RDSBackend
    backend.create_db_snapshot = _wrap_create_db_snapshot(backend.create_db_snapshot)
    backend.delete_db_snapshot = _wrap_delete_db_snapshot(backend.delete_db_snapshot)
    backend.copy_db_snapshot = _wrap_copy_db_snapshot(backend.copy_db_snapshot)
    backend.restore_db_instance_from_db_snapshot = _wrap_restore_from_snapshot(backend.restore_db_instance_from_db_snapshot)
    backend.restore_db_instance_to_point_in_time = _wrap_restore_to_point_in_time(backend.restore_db_instance_to_point_in_time)
    backend.delete_db_instance = _wrap_delete_db_instance(backend.delete_db_instance)
