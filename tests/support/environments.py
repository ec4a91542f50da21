"""What an environment's inventory asks for, checked against the emulator after site.yml."""

import shutil

import yaml

from tests.support.clients import emulator_client
from tests.support.playbook import REPO_ROOT
from tests.support.stack import OPTIONAL_KINDS


def inventory(env_name):
    """The settings of inventories/<env_name>/group_vars/<env_name>.yml."""
    return yaml.safe_load((REPO_ROOT / "inventories" / env_name / "group_vars" / f"{env_name}.yml").read_text()) or {}


def optional_kinds(values):
    """The optional kinds this inventory's settings leave out."""
    present = {
        "kms_aliases": values.get("secrets_kms_key_enabled", False),
        "waf_web_acls": values.get("cdn_waf_enabled", False),
        "db_read_replicas": values.get("database_read_replicas", 0) > 0,
        "s3_buckets": values.get("cdn_static_site_enabled", False) or values.get("service_alb_access_logs_enabled", False),
        # The emulator confirms no e-mail subscription: they stay pending and are not listed as confirmed.
        "sns_subscriptions": False,
        "ssm_parameters": False,  # no release is deployed here
    }
    return {kind for kind in OPTIONAL_KINDS if not present[kind]}


def assert_shape(emulator, env_name, values, prefix):
    rds = emulator_client(emulator, "rds")
    (primary,) = rds.describe_db_instances(DBInstanceIdentifier=f"{prefix}-db")["DBInstances"]
    assert primary["DBInstanceClass"] == values["database_instance_class"]
    assert primary["MultiAZ"] is values["database_multi_az"]
    assert primary["StorageEncrypted"] is True and primary["PubliclyAccessible"] is False
    (group,) = emulator_client(emulator, "elasticache").describe_replication_groups(ReplicationGroupId=f"{prefix}-cache")["ReplicationGroups"]
    assert len(group["MemberClusters"]) == values["cache_replicas"] + 1
    assert group["TransitEncryptionEnabled"] is True and group["AtRestEncryptionEnabled"] is True
    (target,) = emulator_client(emulator, "application-autoscaling").describe_scalable_targets(
        ServiceNamespace="ecs", ResourceIds=[f"service/{prefix}/{prefix}-web"]
    )["ScalableTargets"]
    assert (target["MinCapacity"], target["MaxCapacity"]) == (values["autoscaling_min_capacity"], values["autoscaling_max_capacity"])
    if env_name == "production":
        assert primary["DeletionProtection"] is True
        ec2 = emulator_client(emulator, "ec2")
        vpc_id = ec2.describe_vpcs(Filters=[{"Name": "tag:Name", "Values": [f"{prefix}-vpc"]}])["Vpcs"][0]["VpcId"]
        nats = ec2.describe_nat_gateways(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["NatGateways"]
        assert len({n["SubnetId"] for n in nats}) == values["network_az_count"], "production has one NAT gateway per AZ"


def side_by_side_inventory(directory, hosts):
    """An inventory of several environments at once: `hosts` maps a host name to (environment, host variables).

    Each host sits in its environment's group, with that environment's group variables (inventories/<env>/group_vars)
    beside it, so that one ansible-playbook run handles them all (each inventories/<env>/hosts.yml names its one
    host `localhost`, which several -i options would merge into one host).
    """
    groups = {}
    for host, (env_name, settings) in hosts.items():
        groups.setdefault(env_name, {"hosts": {}})["hosts"][host] = {
            "ansible_connection": "local",
            "ansible_python_interpreter": "{{ ansible_playbook_python }}",
            **settings,
        }
    (directory / "group_vars").mkdir(parents=True, exist_ok=True)
    for env_name in groups:
        shutil.copy(REPO_ROOT / "inventories" / env_name / "group_vars" / f"{env_name}.yml", directory / "group_vars")
    (directory / "hosts.yml").write_text(yaml.safe_dump({"all": {"children": groups}}))
    return directory
