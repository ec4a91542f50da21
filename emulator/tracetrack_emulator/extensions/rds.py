"""RDS DB instances and DB parameter groups, as the AWS API reference (Amazon RDS, API version 2014-10-31)
describes them.

What moto 5.2.5 does otherwise:

- CreateDBInstance, CreateDBInstanceReadReplica, ModifyDBInstance: `EnablePerformanceInsights`,
  `PerformanceInsightsRetentionPeriod` and `PerformanceInsightsKMSKeyId` are dropped, so
  DescribeDBInstances never reports `PerformanceInsightsEnabled` and a client that asks for Performance
  Insights modifies the instance on every run. AWS keeps them (retention 7 days unless asked otherwise).
- CreateDBInstance with `StorageType=gp3` and no `Iops`/`StorageThroughput`: AWS reports the baseline
  the storage size comes with (PostgreSQL: 3,000 IOPS and 125 MiB/s below 400 GiB, 12,000 IOPS and
  500 MiB/s from 400 GiB); moto reports neither, and clients that compare them fail.
- CreateDBInstance with a major-only `EngineVersion` for PostgreSQL (for example `16`): AWS picks that
  major's default minor version and DescribeDBInstances reports it (`16.10`); moto reports `16`.
- CreateDBInstanceReadReplica: the replica copies the source's `DeletionProtection` and `MultiAZ`; in AWS
  both default to false for a replica unless the request sets them (a protected source would otherwise
  give replicas that cannot be deleted).

- DescribeDBParameterGroups with a `DBParameterGroupName` that does not exist answers an empty list;
  AWS answers the error `DBParameterGroupNotFound` (HTTP 404), which is how clients such as
  amazon.aws.rds_instance_param_group learn that they must create the group.
- DescribeDBParameters lists only the parameters a user has modified, without `DataType`,
  `IsModifiable`, `ApplyType`, `AllowedValues` or `Source`. AWS lists every parameter of the group's
  family, with the engine default value where there is one (`Source: engine-default`) and the user's
  value where one is set (`Source: user`); clients compare against that list to decide what to change.

For the PostgreSQL families the emulator knows the parameters in POSTGRES_PARAMETERS below (a subset of
the ~350 AWS lists, with the attributes AWS reports for them); other families keep moto's behaviour.
"""

from moto.rds import models, responses
from moto.rds.exceptions import DBParameterGroupNotFoundError

INTEGER_RANGE = "-1-2147483647"
POSITIVE_RANGE = "0-2147483647"

# name: (DataType, AllowedValues, ApplyType, engine default or None, Description)
POSTGRES_PARAMETERS = {
    "rds.force_ssl": ("boolean", "0,1", "dynamic", "0", "Force SSL connections."),
    "rds.log_retention_period": (
        "integer",
        "1440-10080",
        "dynamic",
        "4320",
        "Amazon RDS for PostgreSQL will delete PostgreSQL logs that are older than N minutes.",
    ),
    "log_connections": ("boolean", "0,1", "dynamic", None, "Logs each successful connection."),
    "log_disconnections": ("boolean", "0,1", "dynamic", None, "Logs end of a session, including duration."),
    "log_lock_waits": ("boolean", "0,1", "dynamic", None, "Logs long lock waits."),
    "log_min_duration_statement": (
        "integer",
        INTEGER_RANGE,
        "dynamic",
        None,
        "(ms) Sets the minimum execution time above which statements will be logged.",
    ),
    "log_autovacuum_min_duration": (
        "integer",
        INTEGER_RANGE,
        "dynamic",
        "10000",
        "(ms) Sets the minimum execution time above which autovacuum actions will be logged.",
    ),
    "log_temp_files": (
        "integer",
        INTEGER_RANGE,
        "dynamic",
        None,
        "(kB) Log the use of temporary files larger than this number of kilobytes.",
    ),
    "log_statement": ("string", "none,ddl,mod,all", "dynamic", None, "Sets the type of statements logged."),
    "idle_in_transaction_session_timeout": (
        "integer",
        POSITIVE_RANGE,
        "dynamic",
        "86400000",
        "(ms) Sets the maximum allowed duration of any idling transaction.",
    ),
    "statement_timeout": (
        "integer",
        POSITIVE_RANGE,
        "dynamic",
        None,
        "(ms) Sets the maximum allowed duration of any statement.",
    ),
    "track_io_timing": ("boolean", "0,1", "dynamic", "1", "Collects timing statistics for database I/O activity."),
    "shared_preload_libraries": (
        "list",
        "auto_explain,orafce,pg_cron,pg_hint_plan,pg_prewarm,pg_similarity,pg_stat_statements,pglogical,plprofiler",
        "static",
        "pg_stat_statements",
        "Lists shared libraries to preload into server.",
    ),
    "pg_stat_statements.track": (
        "string",
        "top,all,none",
        "dynamic",
        None,
        "Selects which statements are tracked by pg_stat_statements.",
    ),
    "max_connections": (
        "integer",
        "6-8388607",
        "static",
        "LEAST({DBInstanceClassMemory/9531392},5000)",
        "Sets the maximum number of concurrent connections.",
    ),
    "work_mem": ("integer", "64-2147483647", "dynamic", None, "(kB) Sets the maximum memory to be used for query workspaces."),
}


def _catalogue(family: str | None) -> dict:
    """The engine-default parameters of a family, as DescribeDBParameters lists them."""
    if not (family or "").startswith("postgres"):
        return {}
    major = int("".join(ch for ch in family if ch.isdigit()) or 0)
    parameters = {}
    for name, (data_type, allowed, apply_type, default, description) in POSTGRES_PARAMETERS.items():
        if name == "rds.force_ssl" and major >= 15:
            # From PostgreSQL 15 on, the AWS default parameter groups force SSL.
            default = "1"
        parameter = {
            "ParameterName": name,
            "Description": description,
            "Source": "engine-default",
            "ApplyType": apply_type,
            "DataType": data_type,
            "AllowedValues": allowed,
            "IsModifiable": True,
            "ApplyMethod": "pending-reboot",
        }
        if default is not None:
            parameter["ParameterValue"] = default
        parameters[name] = parameter
    return parameters


def _wrap_describe_db_parameter_groups(original):
    def describe_db_parameter_groups(self, db_parameter_group_kwargs):
        found = original(self, db_parameter_group_kwargs)
        name = (db_parameter_group_kwargs or {}).get("db_parameter_group_name")
        if name and not found:
            raise DBParameterGroupNotFoundError(name)
        return found

    return describe_db_parameter_groups


def _describe_db_parameters(self):
    name = self.params.get("DBParameterGroupName")
    group = self.backend.db_parameter_groups.get((name or "").lower())
    if group is None:
        raise DBParameterGroupNotFoundError(name)
    parameters = _catalogue(group.family)
    for parameter_name, user_value in group.parameters.items():
        merged = dict(parameters.get(parameter_name, {"ParameterName": parameter_name, "IsModifiable": True}))
        merged.update(user_value)
        merged["Source"] = "user"
        parameters[parameter_name] = merged
    source = self.params.get("Source")
    listed = [p for p in sorted(parameters.values(), key=lambda p: p["ParameterName"]) if not source or p.get("Source") == source]
    return responses.ActionResult({"Parameters": listed})


# --- DB instances --------------------------------------------------------------------------------------

# The minor version DescribeDBInstances reports when CreateDBInstance names a PostgreSQL major only.
POSTGRES_DEFAULT_MINOR = {"13": "13.22", "14": "14.19", "15": "15.14", "16": "16.10", "17": "17.6"}
PERFORMANCE_INSIGHTS_DEFAULT_RETENTION = 7


def _gp3_baseline(allocated_storage: int | None) -> tuple[int, int]:
    """(IOPS, MiB/s) of gp3 storage for RDS for PostgreSQL, by allocated size."""
    return (12000, 500) if (allocated_storage or 0) >= 400 else (3000, 125)


def _wrap_instance_init(original):
    def __init__(self, *args, **kwargs):
        original(self, *args, **kwargs)
        if self.engine == "postgres" and getattr(self, "engine_version", None) in POSTGRES_DEFAULT_MINOR:
            self.engine_version = POSTGRES_DEFAULT_MINOR[self.engine_version]
        if getattr(self, "storage_type", None) == "gp3":
            iops, throughput = _gp3_baseline(self.allocated_storage)
            self.iops = self.iops or iops
            self.storage_throughput = self.storage_throughput or throughput
        self.performance_insights_enabled = False
        self.performance_insights_retention_period = None
        self.performance_insights_kms_key_id = None
        self.enable_performance_insights = kwargs.get("enable_performance_insights")
        if kwargs.get("performance_insights_retention_period"):
            self.performance_insights_retention_period = kwargs["performance_insights_retention_period"]
        if kwargs.get("performance_insights_kms_key_id"):
            self.performance_insights_kms_key_id = kwargs["performance_insights_kms_key_id"]

    return __init__


def _get_enable_performance_insights(self):
    return self.performance_insights_enabled


def _set_enable_performance_insights(self, value):
    # CreateDBInstance / ModifyDBInstance `EnablePerformanceInsights` (None: not asked, nothing changes).
    if value is None:
        return
    self.performance_insights_enabled = bool(value)
    if self.performance_insights_enabled:
        self.performance_insights_retention_period = getattr(self, "performance_insights_retention_period", None) or PERFORMANCE_INSIGHTS_DEFAULT_RETENTION
    else:
        self.performance_insights_retention_period = None
        self.performance_insights_kms_key_id = None


def _wrap_create_read_replica(original):
    def create_db_instance_read_replica(self, db_kwargs):
        replica = original(self, db_kwargs)
        replica.deletion_protection = bool(db_kwargs.get("deletion_protection"))
        replica.multi_az = bool(db_kwargs.get("multi_az"))
        return replica

    return create_db_instance_read_replica


def apply() -> None:
    instance = models.DBInstance
    instance.__init__ = _wrap_instance_init(instance.__init__)
    instance.enable_performance_insights = property(_get_enable_performance_insights, _set_enable_performance_insights)

    backend = models.RDSBackend
    backend.create_db_instance_read_replica = _wrap_create_read_replica(backend.create_db_instance_read_replica)
    backend.describe_db_parameter_groups = _wrap_describe_db_parameter_groups(backend.describe_db_parameter_groups)
    responses.RDSResponse.describe_db_parameters = _describe_db_parameters
