"""Local endpoints for emulated data stores (extension local_endpoints).

RDS CreateDBInstance, CreateDBInstanceReadReplica and DescribeDBInstances report `Endpoint`; ElastiCache
CreateReplicationGroup and DescribeReplicationGroups report `NodeGroups[].PrimaryEndpoint` /
`ReaderEndpoint` (and `ConfigurationEndpoint` in cluster mode), DescribeCacheClusters `CacheNodes[].Endpoint`.
With TRACETRACK_EMULATOR_RDS_ENDPOINT / TRACETRACK_EMULATOR_ELASTICACHE_ENDPOINT set, they name that
server; without, moto's made-up AWS names (the session emulator of the other tests has neither set). With a
PostgreSQL behind the RDS endpoint, CreateDBInstance and ModifyDBInstance make the master user and the database there.
"""

import base64
import hashlib
import hmac

import psycopg
import pytest

from tests.conftest import REPO_ROOT
from tests.support.clients import REGION, emulator_client
from tests.support.local_postgres import POSTGRES, emulator_on_local_postgres
from tracetrack_emulator.control import Emulator, free_loopback_port

LOCAL_DB = ("127.0.0.1", 55432)
LOCAL_CACHE = "127.0.0.1"  # no port: the port the request asked for is kept


@pytest.fixture(scope="module")
def local_emulator():
    """An emulator of this module's own, started with the two variables set."""
    variables = {"TRACETRACK_EMULATOR_RDS_ENDPOINT": f"{LOCAL_DB[0]}:{LOCAL_DB[1]}", "TRACETRACK_EMULATOR_ELASTICACHE_ENDPOINT": LOCAL_CACHE}
    instance = Emulator(port=free_loopback_port(), state_dir=str(REPO_ROOT / ".local" / "test-emulator"), environment=variables)
    instance.start()
    yield instance
    instance.stop()


def subnets(emulator, cidr_prefix: str) -> list[str]:
    ec2 = emulator_client(emulator, "ec2")
    vpc_id = ec2.create_vpc(CidrBlock=f"{cidr_prefix}.0.0/16")["Vpc"]["VpcId"]
    return [
        ec2.create_subnet(VpcId=vpc_id, CidrBlock=f"{cidr_prefix}.{index}.0/24", AvailabilityZone=f"{REGION}{zone}")["Subnet"]["SubnetId"]
        for index, zone in enumerate("ab")
    ]


def create_postgres(rds, subnet_group: str, identifier: str) -> dict:
    return rds.create_db_instance(
        DBInstanceIdentifier=identifier,
        DBInstanceClass="db.t4g.micro",
        Engine="postgres",
        EngineVersion="16",
        MasterUsername="tracetrack",
        MasterUserPassword="not-a-real-password-1",
        AllocatedStorage=20,
        DBSubnetGroupName=subnet_group,
        Port=5432,
    )["DBInstance"]


def create_redis(elasticache, subnet_group: str, group_id: str, **extra) -> dict:
    return elasticache.create_replication_group(
        ReplicationGroupId=group_id,
        ReplicationGroupDescription="cache",
        Engine="redis",
        CacheNodeType="cache.t4g.micro",
        CacheSubnetGroupName=subnet_group,
        Port=6379,
        **extra,
    )["ReplicationGroup"]


def test_db_instances_and_replicas_report_the_local_server(local_emulator):
    """CreateDBInstance, CreateDBInstanceReadReplica, DescribeDBInstances: Endpoint is the configured server."""
    rds = emulator_client(local_emulator, "rds")
    rds.create_db_subnet_group(DBSubnetGroupName="db", DBSubnetGroupDescription="db", SubnetIds=subnets(local_emulator, "10.71"))
    created = create_postgres(rds, "db", "local-pg")
    assert created["Endpoint"] == {"Address": LOCAL_DB[0], "Port": LOCAL_DB[1]}
    replica = rds.create_db_instance_read_replica(DBInstanceIdentifier="local-pg-replica-1", SourceDBInstanceIdentifier="local-pg")[
        "DBInstance"
    ]
    described = {i["DBInstanceIdentifier"]: i for i in rds.describe_db_instances()["DBInstances"]}
    assert described["local-pg"]["Endpoint"] == {"Address": LOCAL_DB[0], "Port": LOCAL_DB[1]}
    assert described[replica["DBInstanceIdentifier"]]["Endpoint"]["Address"] == LOCAL_DB[0]
    # Everything else about the instance stays as AWS reports it.
    assert described["local-pg"]["Engine"] == "postgres"
    assert described["local-pg"]["MasterUsername"] == "tracetrack"


def test_replication_group_endpoints_and_cache_nodes_report_the_local_server(local_emulator):
    """CreateReplicationGroup, DescribeReplicationGroups, DescribeCacheClusters: the configured host, the requested port."""
    elasticache = emulator_client(local_emulator, "elasticache")
    elasticache.create_cache_subnet_group(
        CacheSubnetGroupName="cache", CacheSubnetGroupDescription="cache", SubnetIds=subnets(local_emulator, "10.72")
    )
    created = create_redis(elasticache, "cache", "local-redis", NumCacheClusters=2)
    assert created["NodeGroups"][0]["PrimaryEndpoint"] == {"Address": LOCAL_CACHE, "Port": 6379}
    group = elasticache.describe_replication_groups(ReplicationGroupId="local-redis")["ReplicationGroups"][0]
    node_group = group["NodeGroups"][0]
    assert node_group["PrimaryEndpoint"] == {"Address": LOCAL_CACHE, "Port": 6379}
    assert node_group["ReaderEndpoint"] == {"Address": LOCAL_CACHE, "Port": 6379}
    members = elasticache.describe_cache_clusters(ShowCacheNodeInfo=True)["CacheClusters"]
    assert members, "the group's member clusters are listed"
    for member in members:
        assert [node["Endpoint"] for node in member["CacheNodes"]] == [{"Address": LOCAL_CACHE, "Port": 6379}]


def test_cluster_mode_configuration_endpoint_reports_the_local_server(local_emulator):
    """CreateReplicationGroup with cluster mode: ConfigurationEndpoint is the configured host."""
    elasticache = emulator_client(local_emulator, "elasticache")
    elasticache.create_cache_subnet_group(
        CacheSubnetGroupName="cache-cm", CacheSubnetGroupDescription="cache", SubnetIds=subnets(local_emulator, "10.73")
    )
    create_redis(elasticache, "cache-cm", "local-redis-cm", NumNodeGroups=2, ReplicasPerNodeGroup=0, ClusterMode="enabled")
    group = elasticache.describe_replication_groups(ReplicationGroupId="local-redis-cm")["ReplicationGroups"][0]
    assert group["ConfigurationEndpoint"] == {"Address": LOCAL_CACHE, "Port": 6379}


def test_without_the_variables_the_endpoints_are_aws_names(clean_emulator):
    """The session emulator (no variables): DescribeDBInstances reports moto's AWS-style name."""
    rds = emulator_client(clean_emulator, "rds")
    rds.create_db_subnet_group(DBSubnetGroupName="db", DBSubnetGroupDescription="db", SubnetIds=subnets(clean_emulator, "10.74"))
    created = create_postgres(rds, "db", "aws-pg")
    assert created["Endpoint"]["Address"].endswith(f".{REGION}.rds.amazonaws.com")
    assert created["Endpoint"]["Port"] == 5432


# --- the master user and the database on the local PostgreSQL -----------------------------------------------------

@pytest.fixture
def postgres_emulator():
    """An emulator whose RDS endpoint is the machine's PostgreSQL, and the role and database its test makes there."""
    with emulator_on_local_postgres("ttemulator", "the master user on the local server is") as made:
        yield made


def connects(user: str, password: str, database: str) -> bool:
    """Whether the user signs in to the database (the loopback server may trust local users: the password itself is
    compared with the role's stored verifier below)."""
    try:
        with psycopg.connect(host=POSTGRES[0], port=POSTGRES[1], user=user, password=password, dbname=database, connect_timeout=5) as connection:
            return connection.execute("SELECT current_user").fetchone() == (user,)
    except psycopg.Error:
        return False


def stored_password_matches(user: str, password: str) -> bool:
    """SCRAM: the verifier stored for the role is the one the password gives."""
    with psycopg.connect(host=POSTGRES[0], port=POSTGRES[1], user="postgres", dbname="postgres") as admin:
        (verifier,) = admin.execute("SELECT rolpassword FROM pg_authid WHERE rolname = %s", [user]).fetchone()
    if verifier.startswith("md5"):
        return verifier == "md5" + hashlib.md5((password + user).encode()).hexdigest()  # noqa: S324 (PostgreSQL's md5 scheme)
    _scheme, iterations_salt, keys = verifier.split("$")
    iterations, salt = iterations_salt.split(":")
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), base64.b64decode(salt), int(iterations))
    stored_key = base64.b64encode(hashlib.sha256(hmac.new(salted, b"Client Key", "sha256").digest()).digest()).decode()
    return keys.split(":")[0] == stored_key


def test_create_and_modify_db_instance_make_the_master_user_and_database_on_the_local_server(postgres_emulator):
    """CreateDBInstance: MasterUsername with MasterUserPassword, and DBName owned by it; ModifyDBInstance
    MasterUserPassword: the new password."""
    instance, name = postgres_emulator
    rds = emulator_client(instance, "rds")
    rds.create_db_instance(
        DBInstanceIdentifier="local-db", DBInstanceClass="db.t4g.micro", Engine="postgres", EngineVersion="16",
        MasterUsername=name, MasterUserPassword="first-password-1", DBName=name, AllocatedStorage=20,
    )
    assert connects(name, "first-password-1", name), "the master user signs in to its database"
    assert stored_password_matches(name, "first-password-1")
    with psycopg.connect(host=POSTGRES[0], port=POSTGRES[1], user="postgres", dbname="postgres") as admin:
        (owner,) = admin.execute("SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = %s", [name]).fetchone()
        # As RDS's rds_superuser: it makes the application's roles and can end their sessions, and is no superuser.
        (createrole, superuser, signals) = admin.execute(
            "SELECT rolcreaterole, rolsuper, pg_has_role(rolname, 'pg_signal_backend', 'MEMBER') FROM pg_roles WHERE rolname = %s", [name]).fetchone()
    assert owner == name
    assert (createrole, superuser, signals) == (True, False, True)
    rds.modify_db_instance(DBInstanceIdentifier="local-db", MasterUserPassword="second-password-2", ApplyImmediately=True)
    assert stored_password_matches(name, "second-password-2")
    assert not stored_password_matches(name, "first-password-1")
