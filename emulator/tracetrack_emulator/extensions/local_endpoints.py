"""Endpoints of emulated data stores that a local process can actually connect to.

AWS reports where a data store answers: DescribeDBInstances / CreateDBInstance /
CreateDBInstanceReadReplica return `Endpoint.Address` and `Endpoint.Port` (Amazon RDS API reference,
2014-10-31, DBInstance.Endpoint), and DescribeReplicationGroups / CreateReplicationGroup return each node
group's `PrimaryEndpoint` and `ReaderEndpoint` and, in cluster mode, the group's `ConfigurationEndpoint`
(Amazon ElastiCache API reference, 2015-02-02, ReplicationGroup / NodeGroup); DescribeCacheClusters reports
each member's `CacheNodes[].Endpoint`.

moto makes up host names (`<id>.aaaaaaaaaa.<region>.rds.amazonaws.com`, `master.<id>...cache.amazonaws.com`)
that resolve nowhere. Like LocalStack does for RDS, the emulator can instead report a real server on the
machine, so that the tasks the emulator runs (extension ecs_tasks) connect through the same secrets the real service
reads. Set before the emulator starts (scripts/deploy.sh does for the local environment when the servers
answer):

    TRACETRACK_EMULATOR_RDS_ENDPOINT=127.0.0.1:5432          every DB instance and read replica
    TRACETRACK_EMULATOR_ELASTICACHE_ENDPOINT=127.0.0.1:6379  every replication group endpoint and cache node

`host` or `host:port`; without a port the port the caller asked for is kept. Unset or empty: moto's names.
The values are read at each request, so they apply to data stores created before they were set, too.

The database behind the endpoint is made as RDS makes it (Amazon RDS API reference, CreateDBInstance:
`MasterUsername` is the master user's name, `MasterUserPassword` its password, `DBName` "the name of the database
to create when the DB instance is created"; ModifyDBInstance `MasterUserPassword` changes the password): on
CreateDBInstance and ModifyDBInstance of a PostgreSQL instance the emulator makes that login role, with that
password, CREATEROLE and membership of pg_signal_backend (what RDS's rds_superuser gives the master user: it makes the
application's roles and can end their sessions), and that database, owned by it, on the local server, as its administrator
TRACETRACK_EMULATOR_RDS_ADMIN (default postgres). A server that does not answer is reported in the emulator's log
and changes nothing of the API's answer. Read replicas share the primary's server and make nothing.
"""

import os
import sys

from moto.elasticache import models as elasticache_models
from moto.rds import models as rds_models

from tracetrack_emulator.extensions import elasticache as elasticache_extension

RDS_VARIABLE = "TRACETRACK_EMULATOR_RDS_ENDPOINT"
ELASTICACHE_VARIABLE = "TRACETRACK_EMULATOR_ELASTICACHE_ENDPOINT"
RDS_ADMIN_VARIABLE = "TRACETRACK_EMULATOR_RDS_ADMIN"


def local_endpoint(variable: str) -> tuple[str, int | None] | None:
    """(host, port or None) from `host[:port]` in the environment variable, None when it is unset."""
    value = os.environ.get(variable, "").strip()
    if not value:
        return None
    host, separator, port = value.rpartition(":")
    if not separator:
        return value, None
    if not port.isdigit() or not host:
        raise ValueError(f"{variable} must be host or host:port, not {value!r}")
    return host, int(port)


# --- RDS: DBInstance.Endpoint --------------------------------------------------------------------------

_moto_address = rds_models.DBInstance.address


def _address(self) -> str:
    local = local_endpoint(RDS_VARIABLE)
    return local[0] if local else _moto_address.fget(self)


def _endpoint(self) -> dict:
    local = local_endpoint(RDS_VARIABLE)
    port = local[1] if local and local[1] else self.port
    return {"Address": self.address, "Port": port}


# --- RDS: the master user and the database on the local server ---------------------------------------------------


def make_master_user(instance, password: str | None, database: str | None) -> None:
    """The login role `instance.master_username` (with `password` when one is given) and `database`, owned by it."""
    local = local_endpoint(RDS_VARIABLE)
    if not local or not str(getattr(instance, "engine", "")).startswith("postgres") or not instance.master_username:
        return
    import psycopg
    from psycopg import sql

    user = sql.Identifier(instance.master_username)
    try:
        with psycopg.connect(
            host=local[0], port=local[1] or instance.port or 5432, user=os.environ.get(RDS_ADMIN_VARIABLE) or "postgres",
            dbname="postgres", autocommit=True, connect_timeout=5,
        ) as connection:
            exists = connection.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [instance.master_username]).fetchone()
            # RDS's master user is a member of rds_superuser: it may create roles (CREATEROLE) and end other roles'
            # sessions (pg_signal_backend), which is what the application's db-users step needs of it.
            statement = sql.SQL("ALTER ROLE {} WITH LOGIN CREATEROLE" if exists else "CREATE ROLE {} WITH LOGIN CREATEROLE").format(user)
            if password:
                statement = sql.SQL("{} PASSWORD {}").format(statement, sql.Literal(password))
            connection.execute(statement)
            connection.execute(sql.SQL("GRANT pg_signal_backend TO {}").format(user))
            if database and not connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone():
                connection.execute(sql.SQL("CREATE DATABASE {} OWNER {}").format(sql.Identifier(database), user))
    except psycopg.Error as error:
        print(f"[rds] the local PostgreSQL on {local[0]}:{local[1]} did not take the master user: {error}", file=sys.stderr)


def _wrap_create_db_instance(original):
    def create_db_instance(self, db_kwargs):
        instance = original(self, db_kwargs)
        make_master_user(instance, db_kwargs.get("master_user_password"), db_kwargs.get("db_name"))
        return instance

    return create_db_instance


def _wrap_modify_db_instance(original):
    def modify_db_instance(self, db_instance_identifier, db_kwargs):
        password = db_kwargs.get("master_user_password")
        instance = original(self, db_instance_identifier, db_kwargs)
        if password:
            make_master_user(instance, password, None)
        return instance

    return modify_db_instance


# --- ElastiCache: node group and configuration endpoints, cache nodes ----------------------------------

_original_refresh = elasticache_extension._refresh
_original_cache_nodes = elasticache_extension._cache_nodes


def _refresh(group) -> None:
    _original_refresh(group)
    local = local_endpoint(ELASTICACHE_VARIABLE)
    if not local:
        return
    host, port = local
    port = port or group.port
    if group.cluster_enabled:
        group.configuration_endpoint = {"address": host, "port": port}
    for node_group in group.node_groups:
        for key in ("primary_endpoint", "reader_endpoint"):
            if key in node_group:
                node_group[key] = {"address": host, "port": port}


def _cache_nodes(self) -> list[dict]:
    nodes = _original_cache_nodes(self)
    local = local_endpoint(ELASTICACHE_VARIABLE)
    if local:
        for node in nodes:
            node["Endpoint"] = {"Address": local[0], "Port": local[1] or node["Endpoint"]["Port"]}
    return nodes


def _wrap_describe_replication_groups(original):
    # Groups created before the variable was set report the local endpoint too.
    def describe_replication_groups(self, *args, **kwargs):
        groups = original(self, *args, **kwargs)
        if local_endpoint(ELASTICACHE_VARIABLE):
            for group in groups:
                if getattr(group, "node_groups", None) is not None and hasattr(group, "_domain"):
                    _refresh(group)
        return groups

    return describe_replication_groups


def apply() -> None:
    rds_models.DBInstance.address = property(_address)
    rds_models.DBInstance.endpoint = property(_endpoint)
    rds_models.RDSBackend.create_db_instance = _wrap_create_db_instance(rds_models.RDSBackend.create_db_instance)
    rds_models.RDSBackend.modify_db_instance = _wrap_modify_db_instance(rds_models.RDSBackend.modify_db_instance)
    # The elasticache extension's operations look _refresh up at call time.
    elasticache_extension._refresh = _refresh
    elasticache_models.CacheCluster.cache_nodes = property(_cache_nodes)
    backend = elasticache_models.ElastiCacheBackend
    backend.describe_replication_groups = _wrap_describe_replication_groups(backend.describe_replication_groups)
