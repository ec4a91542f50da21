"""The network tier against the emulator: converge, re-run without writes, teardown, bad input."""

import os
import subprocess

import pytest

from tests.support.clients import emulator_client
from tests.support.playbook import REPO_ROOT, run_playbook


def ec2(emulator):
    return emulator_client(emulator, "ec2")


def vpcs_named(emulator, name):
    return ec2(emulator).describe_vpcs(Filters=[{"Name": "tag:Name", "Values": [name]}])["Vpcs"]


@pytest.fixture(scope="module")
def converged_local(emulator):
    emulator.reset()
    first = run_playbook("playbooks/site.yml", "local", emulator.url)
    assert first.returncode == 0, first.explain()
    return first


def test_first_run_creates_the_network_and_prints_its_ids(converged_local, emulator):
    assert converged_local.changed > 0
    assert converged_local.calls.writes, "the first run must create resources"
    (vpc,) = vpcs_named(emulator, "tracetrack-local-vpc")
    tags = {t["Key"]: t["Value"] for t in vpc["Tags"]}
    assert tags == {
        "Name": "tracetrack-local-vpc",
        "Project": "tracetrack",
        "Environment": "local",
        "ManagedBy": "tracetrack.aws",
    }
    assert vpc["VpcId"] in converged_local.stdout
    assert "security_groups" in converged_local.stdout and "app_subnets" in converged_local.stdout


def test_second_run_changes_nothing_and_writes_nothing(converged_local, emulator):
    second = run_playbook("playbooks/site.yml", "local", emulator.url)
    assert second.returncode == 0, second.explain()
    assert second.changed == 0, second.explain()
    assert second.calls.writes == []
    assert len(second.calls.reads) > 0


def test_check_mode_on_a_converged_network_writes_nothing(converged_local, emulator):
    check = run_playbook("playbooks/site.yml", "local", emulator.url, args=["--check", "--diff"])
    assert check.returncode == 0, check.explain()
    assert check.changed == 0, check.explain()
    assert check.calls.writes == []


def test_every_created_resource_carries_the_three_tags(converged_local, emulator):
    client = ec2(emulator)
    (vpc,) = vpcs_named(emulator, "tracetrack-local-vpc")
    vpc_filter = [{"Name": "vpc-id", "Values": [vpc["VpcId"]]}]
    tagged = (
        client.describe_subnets(Filters=vpc_filter)["Subnets"]
        + client.describe_route_tables(Filters=vpc_filter + [{"Name": "association.main", "Values": ["false"]}])[
            "RouteTables"
        ]
        + [
            g
            for g in client.describe_security_groups(Filters=vpc_filter)["SecurityGroups"]
            if g["GroupName"] != "default"
        ]
        + client.describe_nat_gateways(Filters=vpc_filter)["NatGateways"]
        + client.describe_internet_gateways(Filters=[{"Name": "attachment.vpc-id", "Values": [vpc["VpcId"]]}])[
            "InternetGateways"
        ]
        + client.describe_flow_logs(Filters=[{"Name": "resource-id", "Values": [vpc["VpcId"]]}])["FlowLogs"]
    )
    assert len(tagged) == 6 + 4 + 4 + 1 + 1 + 1
    for resource in tagged:
        tags = {t["Key"]: t["Value"] for t in resource.get("Tags", [])}
        assert {"Project": "tracetrack", "Environment": "local", "ManagedBy": "tracetrack.aws"}.items() <= tags.items()


@pytest.mark.parametrize(
    "extra_vars, variable",
    [
        ({"network_vpc_cidr": "10.10.0.0/33"}, "network_vpc_cidr"),
        ({"network_vpc_cidr": "not-a-cidr"}, "network_vpc_cidr"),
        ({"network_app_subnet_cidrs": ["10.10.0.0/24", "10.10.11.0/24"]}, "network_app_subnet_cidrs"),
        ({"network_data_subnet_cidrs": ["10.99.20.0/24", "10.10.21.0/24"]}, "network_data_subnet_cidrs"),
        ({"network_nat_gateway_mode": "sometimes"}, "network_nat_gateway_mode"),
        ({"network_az_count": 1}, "network_az_count"),
        ({"network_name_prefix": "Bad_Name"}, "network_name_prefix"),
    ],
)
def test_bad_input_fails_before_any_api_call(emulator, extra_vars, variable):
    run = run_playbook("playbooks/site.yml", "local", emulator.url, extra_vars=extra_vars)
    assert run.returncode != 0
    assert variable in run.stdout + run.stderr, run.explain()
    assert run.calls.calls == [], f"API calls were made before validation: {run.calls.calls}"


def test_one_az_in_production_fails_before_any_api_call(emulator):
    run = run_playbook(
        "playbooks/site.yml",
        "production",
        emulator.url,
        extra_vars={
            "network_az_count": 1,
            "network_public_subnet_cidrs": ["10.40.0.0/24"],
            "network_app_subnet_cidrs": ["10.40.10.0/24"],
            "network_data_subnet_cidrs": ["10.40.20.0/24"],
        },
    )
    assert run.returncode != 0
    assert "network_az_count" in run.stdout + run.stderr, run.explain()
    assert run.calls.calls == []


def test_production_without_credentials_fails_fast_and_changes_nothing(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        AWS_CONFIG_FILE=str(tmp_path / "none"),
        AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "none"),
        # No instance metadata service here; real hosts may have one, which is part of the chain.
        AWS_EC2_METADATA_DISABLED="true",
        PATH=f"{REPO_ROOT / '.venv' / 'bin'}:{env['PATH']}",
        PYTHONPATH=str(REPO_ROOT / "emulator"),
        ANSIBLE_CONFIG=str(REPO_ROOT / "ansible.cfg"),
    )
    result = subprocess.run(
        ["scripts/deploy.sh", "production", "playbooks/site.yml"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "No usable AWS credentials for environment 'production'" in output
    assert "nothing was changed" in output
    assert "changed=0" in output


@pytest.mark.parametrize("env_name", ["dev", "staging", "production"])
def test_each_inventory_converges_and_is_idempotent(emulator, env_name):
    first = run_playbook("playbooks/site.yml", env_name, emulator.url)
    assert first.returncode == 0, first.explain()
    second = run_playbook("playbooks/site.yml", env_name, emulator.url)
    assert second.changed == 0, second.explain()
    assert second.calls.writes == []
    if env_name == "production":
        (vpc,) = vpcs_named(emulator, "tracetrack-production-vpc")
        nats = ec2(emulator).describe_nat_gateways(Filters=[{"Name": "vpc-id", "Values": [vpc["VpcId"]]}])[
            "NatGateways"
        ]
        assert len({n["SubnetId"] for n in nats}) == 3, "production has one NAT gateway per AZ"


def test_teardown_removes_everything_and_a_second_teardown_changes_nothing(converged_local, emulator):
    first = run_playbook("playbooks/teardown.yml", "local", emulator.url)
    assert first.returncode == 0, first.explain()
    assert vpcs_named(emulator, "tracetrack-local-vpc") == []
    client = ec2(emulator)
    assert [
        n
        for n in client.describe_nat_gateways()["NatGateways"]
        if n["State"] not in ("deleted", "deleting")
        and n["VpcId"] not in {v["VpcId"] for v in client.describe_vpcs()["Vpcs"]}
    ] == []
    iam = emulator_client(emulator, "iam")
    assert "tracetrack-local-vpc-flow-logs" not in [r["RoleName"] for r in iam.list_roles()["Roles"]]
    second = run_playbook("playbooks/teardown.yml", "local", emulator.url)
    assert second.returncode == 0, second.explain()
    assert second.changed == 0, second.explain()
    assert second.calls.writes == []


def test_production_teardown_needs_confirmation(emulator):
    refused = run_playbook("playbooks/teardown.yml", "production", emulator.url)
    assert refused.returncode != 0
    assert "confirm_teardown=production" in refused.stdout
    assert refused.calls.calls == []
