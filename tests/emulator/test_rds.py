"""RDS DB instances and parameter groups, answered as the AWS API reference (RDS 2014-10-31) says."""

import botocore.exceptions
import pytest

from tests.support.clients import REGION, emulator_client


@pytest.fixture
def rds(clean_emulator):
    return emulator_client(clean_emulator, "rds")


@pytest.fixture
def subnet_group(clean_emulator, rds):
    ec2 = emulator_client(clean_emulator, "ec2")
    vpc_id = ec2.create_vpc(CidrBlock="10.60.0.0/16")["Vpc"]["VpcId"]
    subnet_ids = [
        ec2.create_subnet(VpcId=vpc_id, CidrBlock=f"10.60.{index}.0/24", AvailabilityZone=f"{REGION}{zone}")["Subnet"]["SubnetId"]
        for index, zone in enumerate("ab")
    ]
    rds.create_db_subnet_group(DBSubnetGroupName="data", DBSubnetGroupDescription="data", SubnetIds=subnet_ids)
    return "data"


def create_postgres(rds, subnet_group, identifier="pg", **extra):
    arguments = {
        "DBInstanceIdentifier": identifier,
        "DBInstanceClass": "db.t4g.micro",
        "Engine": "postgres",
        "EngineVersion": "16",
        "MasterUsername": "tracetrack",
        "MasterUserPassword": "not-a-real-password-1",
        "AllocatedStorage": 20,
        "StorageType": "gp3",
        "DBSubnetGroupName": subnet_group,
        **extra,
    }
    return rds.create_db_instance(**arguments)["DBInstance"]


def describe(rds, identifier):
    return rds.describe_db_instances(DBInstanceIdentifier=identifier)["DBInstances"][0]


# --- DescribeDBParameterGroups / DescribeDBParameters ---------------------------------------------------


def test_describe_parameter_groups_names_a_missing_group_as_not_found(rds):
    """DescribeDBParameterGroups: DBParameterGroupNotFound for a name that does not exist."""
    with pytest.raises(botocore.exceptions.ClientError) as error:
        rds.describe_db_parameter_groups(DBParameterGroupName="missing")
    assert error.value.response["Error"]["Code"] == "DBParameterGroupNotFound"
    assert rds.describe_db_parameter_groups()["DBParameterGroups"] == []


def test_parameters_of_a_new_group_are_the_family_defaults(rds):
    """DescribeDBParameters lists the family's parameters with their engine defaults and attributes."""
    rds.create_db_parameter_group(DBParameterGroupName="pg16", DBParameterGroupFamily="postgres16", Description="d")
    parameters = {p["ParameterName"]: p for p in rds.describe_db_parameters(DBParameterGroupName="pg16")["Parameters"]}
    assert parameters["rds.force_ssl"] == {
        "ParameterName": "rds.force_ssl",
        "ParameterValue": "1",
        "Description": "Force SSL connections.",
        "Source": "engine-default",
        "ApplyType": "dynamic",
        "DataType": "boolean",
        "AllowedValues": "0,1",
        "IsModifiable": True,
        "ApplyMethod": "pending-reboot",
    }
    assert "ParameterValue" not in parameters["log_min_duration_statement"]
    assert parameters["log_min_duration_statement"]["DataType"] == "integer"
    assert parameters["shared_preload_libraries"]["ApplyType"] == "static"


def test_postgres_before_15_does_not_force_ssl_by_default(rds):
    rds.create_db_parameter_group(DBParameterGroupName="pg14", DBParameterGroupFamily="postgres14", Description="d")
    parameters = {p["ParameterName"]: p for p in rds.describe_db_parameters(DBParameterGroupName="pg14")["Parameters"]}
    assert parameters["rds.force_ssl"]["ParameterValue"] == "0"


def test_modified_parameters_are_listed_with_the_users_value(rds):
    rds.create_db_parameter_group(DBParameterGroupName="pg16", DBParameterGroupFamily="postgres16", Description="d")
    rds.modify_db_parameter_group(
        DBParameterGroupName="pg16",
        Parameters=[{"ParameterName": "log_min_duration_statement", "ParameterValue": "500", "ApplyMethod": "immediate"}],
    )
    parameters = {p["ParameterName"]: p for p in rds.describe_db_parameters(DBParameterGroupName="pg16")["Parameters"]}
    assert parameters["log_min_duration_statement"]["ParameterValue"] == "500"
    assert parameters["log_min_duration_statement"]["Source"] == "user"
    assert parameters["log_min_duration_statement"]["DataType"] == "integer"
    user = rds.describe_db_parameters(DBParameterGroupName="pg16", Source="user")["Parameters"]
    assert [p["ParameterName"] for p in user] == ["log_min_duration_statement"]


def test_describe_parameters_of_a_missing_group_is_not_found(rds):
    with pytest.raises(botocore.exceptions.ClientError) as error:
        rds.describe_db_parameters(DBParameterGroupName="missing")
    assert error.value.response["Error"]["Code"] == "DBParameterGroupNotFound"


def test_other_families_keep_only_user_parameters(rds):
    rds.create_db_parameter_group(DBParameterGroupName="my8", DBParameterGroupFamily="mysql8.0", Description="d")
    assert rds.describe_db_parameters(DBParameterGroupName="my8")["Parameters"] == []


# --- CreateDBInstance / ModifyDBInstance / CreateDBInstanceReadReplica ----------------------------------


def test_major_only_postgres_version_reports_the_default_minor(rds, subnet_group):
    """CreateDBInstance with EngineVersion=16: DescribeDBInstances reports that major's default minor."""
    create_postgres(rds, subnet_group)
    assert describe(rds, "pg")["EngineVersion"] == "16.10"
    create_postgres(rds, subnet_group, identifier="exact", EngineVersion="16.4")
    assert describe(rds, "exact")["EngineVersion"] == "16.4"


def test_gp3_storage_reports_its_baseline_iops_and_throughput(rds, subnet_group):
    create_postgres(rds, subnet_group)
    small = describe(rds, "pg")
    assert (small["StorageType"], small["Iops"], small["StorageThroughput"]) == ("gp3", 3000, 125)
    create_postgres(rds, subnet_group, identifier="large", AllocatedStorage=400)
    large = describe(rds, "large")
    assert (large["Iops"], large["StorageThroughput"]) == (12000, 500)
    create_postgres(rds, subnet_group, identifier="tuned", Iops=4000, StorageThroughput=200)
    tuned = describe(rds, "tuned")
    assert (tuned["Iops"], tuned["StorageThroughput"]) == (4000, 200)


def test_performance_insights_are_kept_on_create_and_modify(rds, subnet_group):
    create_postgres(rds, subnet_group)
    assert describe(rds, "pg").get("PerformanceInsightsEnabled") is False
    create_postgres(rds, subnet_group, identifier="insights", EnablePerformanceInsights=True)
    insights = describe(rds, "insights")
    assert insights["PerformanceInsightsEnabled"] is True
    assert insights["PerformanceInsightsRetentionPeriod"] == 7

    rds.modify_db_instance(
        DBInstanceIdentifier="pg",
        EnablePerformanceInsights=True,
        PerformanceInsightsRetentionPeriod=31,
        ApplyImmediately=True,
    )
    modified = describe(rds, "pg")
    assert (modified["PerformanceInsightsEnabled"], modified["PerformanceInsightsRetentionPeriod"]) == (True, 31)

    rds.modify_db_instance(DBInstanceIdentifier="pg", AllocatedStorage=30, ApplyImmediately=True)
    assert describe(rds, "pg")["PerformanceInsightsEnabled"] is True, "a modification that does not name it keeps it"

    rds.modify_db_instance(DBInstanceIdentifier="pg", EnablePerformanceInsights=False, ApplyImmediately=True)
    disabled = describe(rds, "pg")
    assert disabled["PerformanceInsightsEnabled"] is False
    assert "PerformanceInsightsRetentionPeriod" not in disabled


def test_read_replica_takes_its_own_performance_insights_setting(rds, subnet_group):
    create_postgres(rds, subnet_group)
    rds.create_db_instance_read_replica(DBInstanceIdentifier="pg-replica", SourceDBInstanceIdentifier="pg", EnablePerformanceInsights=True)
    assert describe(rds, "pg-replica")["PerformanceInsightsEnabled"] is True
    assert describe(rds, "pg")["PerformanceInsightsEnabled"] is False
    assert describe(rds, "pg")["ReadReplicaDBInstanceIdentifiers"] == ["pg-replica"]


def test_read_replica_is_neither_protected_nor_multi_az_unless_asked(rds, subnet_group):
    """CreateDBInstanceReadReplica: DeletionProtection and MultiAZ default to false, whatever the source has."""
    create_postgres(rds, subnet_group, DeletionProtection=True, MultiAZ=True)
    rds.create_db_instance_read_replica(DBInstanceIdentifier="pg-replica", SourceDBInstanceIdentifier="pg")
    replica = describe(rds, "pg-replica")
    assert (replica["DeletionProtection"], replica["MultiAZ"]) == (False, False)
    rds.delete_db_instance(DBInstanceIdentifier="pg-replica", SkipFinalSnapshot=True)
    rds.create_db_instance_read_replica(DBInstanceIdentifier="pg-protected", SourceDBInstanceIdentifier="pg", DeletionProtection=True, MultiAZ=True)
    protected = describe(rds, "pg-protected")
    assert (protected["DeletionProtection"], protected["MultiAZ"]) == (True, True)
    assert describe(rds, "pg")["DeletionProtection"] is True
