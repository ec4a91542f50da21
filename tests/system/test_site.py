"""The whole stack (playbooks/site.yml and teardown.yml) for the local inventory against the emulator.

The tests of this file run in order on one emulator: converge through ansible-runner (as AWX runs it), look
for secrets in everything the run left behind, re-run, check mode, bad input, teardown.
"""

import json
import os
import subprocess
from pathlib import Path

import ansible_runner
import pytest

from tests.support.aws_calls import record_calls
from tests.support.clients import emulator_client
from tests.support.playbook import REPO_ROOT, PlaybookRun, emulator_vars, run_playbook
from tests.support.stack import OPTIONAL_KINDS, leftovers, missing_kinds, stack_resources

PREFIX = "tracetrack-local"
REPOSITORY = "tracetrack/local"
# Optional kinds the local inventory leaves out (no KMS key, WAF, replicas, static site or e-mail).
LOCAL_OPTIONAL = set(OPTIONAL_KINDS)
# The local inventory's scanner devices (secrets_scanner_devices), each with a generated API key.
SCANNERS = ["scanner-01", "scanner-02"]
TAGS = {"Project": "tracetrack", "Environment": "local", "ManagedBy": "tracetrack.aws"}


def ec2(emulator):
    return emulator_client(emulator, "ec2")


def vpcs_named(emulator, name):
    return ec2(emulator).describe_vpcs(Filters=[{"Name": "tag:Name", "Values": [name]}])["Vpcs"]


def secret_values(emulator):
    """Every generated secret of the environment, as the strings that must never be shown."""
    client = emulator_client(emulator, "secretsmanager")
    values = []
    for name in ("database-master", "redis-auth", "app", "cdn-origin", "scanner-api-keys"):
        stored = json.loads(client.get_secret_value(SecretId=f"{PREFIX}/{name}")["SecretString"])
        if name == "scanner-api-keys":
            values += list(stored.values())
        else:
            values += [v for k, v in stored.items() if k in ("password", "token", "SECRET_KEY", "header_value") and v]
    return values


@pytest.fixture(scope="module")
def converged_local(emulator, tmp_path_factory):
    """site.yml through ansible-runner with a private data directory, the way AWX launches it."""
    emulator.reset()
    data_dir = tmp_path_factory.mktemp("runner")
    env = {
        "ANSIBLE_CONFIG": str(REPO_ROOT / "ansible.cfg"),
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_DEPRECATION_WARNINGS": "false",
        "PYTHONPATH": str(REPO_ROOT / "emulator"),
        "EMULATOR_PORT": str(emulator.port),
        "PATH": f"{REPO_ROOT / '.venv' / 'bin'}{os.pathsep}{os.environ['PATH']}",
    }
    with record_calls(emulator.url) as calls:
        result = ansible_runner.run(
            private_data_dir=str(data_dir),
            project_dir=str(REPO_ROOT),
            playbook="playbooks/site.yml",
            inventory=str(REPO_ROOT / "inventories" / "local"),
            extravars=emulator_vars(emulator.url),
            envvars=env,
            quiet=True,
        )
    stdout = result.stdout.read()
    run = PlaybookRun(0 if result.status == "successful" else 1, stdout, "", calls)
    assert result.status == "successful", run.explain()
    return run, data_dir


def test_first_run_builds_every_tier_and_prints_what_it_made(converged_local, emulator):
    run = converged_local[0]
    assert run.changed > 0 and run.calls.writes
    found = stack_resources(emulator, PREFIX, REPOSITORY)
    assert missing_kinds(found, LOCAL_OPTIONAL) == [], found
    (vpc,) = vpcs_named(emulator, f"{PREFIX}-vpc")
    assert vpc["VpcId"] in run.stdout
    for summary in ("security_groups", "tracetrack-local-db.", "primary_endpoint", "load_balancer", "alarms: 22", "distribution"):
        assert summary in run.stdout, summary


def test_no_secret_is_printed_or_left_in_the_runner_artifacts(converged_local, emulator):
    run, data_dir = converged_local
    values = secret_values(emulator)
    assert len(values) == 4 + len(SCANNERS), "database password, Redis token, SECRET_KEY, origin header value, scanner keys"
    events = list((Path(data_dir) / "artifacts").rglob("job_events/*.json"))
    assert events, "the run left its events to look into"
    for value in values:
        assert value not in run.stdout
        leaks = [str(path) for path in Path(data_dir).rglob("*") if path.is_file() and value.encode() in path.read_bytes()]
        assert leaks == [], f"a generated secret is written in {leaks}"


def test_second_run_changes_nothing_and_writes_nothing(converged_local, emulator):
    second = run_playbook("playbooks/site.yml", "local", emulator.url)
    assert second.returncode == 0, second.explain()
    assert second.changed == 0, second.explain()
    assert second.calls.writes == []
    assert len(second.calls.reads) > 0


def test_check_mode_on_the_converged_stack_writes_nothing(converged_local, emulator):
    check = run_playbook("playbooks/site.yml", "local", emulator.url, args=["--check", "--diff"])
    assert check.returncode == 0, check.explain()
    assert check.changed == 0, check.explain()
    assert check.calls.writes == []


def test_check_mode_reports_a_changed_variable_and_still_writes_nothing(converged_local, emulator):
    check = run_playbook(
        "playbooks/site.yml",
        "local",
        emulator.url,
        extra_vars={"service_cpu": 1024, "service_memory": 2048, "monitoring_ecs_cpu_warning_percent": 75},
        args=["--check", "--diff"],
    )
    assert check.returncode == 0, check.explain()
    assert check.changed >= 3, check.explain()  # task definition revision, the service on it, the alarm
    assert "+    cpu: '1024'" in check.stdout
    assert check.calls.writes == []


def test_every_network_resource_carries_the_three_tags(converged_local, emulator):
    client = ec2(emulator)
    (vpc,) = vpcs_named(emulator, f"{PREFIX}-vpc")
    vpc_filter = [{"Name": "vpc-id", "Values": [vpc["VpcId"]]}]
    tagged = (
        client.describe_subnets(Filters=vpc_filter)["Subnets"]
        + client.describe_route_tables(Filters=vpc_filter + [{"Name": "association.main", "Values": ["false"]}])["RouteTables"]
        + [g for g in client.describe_security_groups(Filters=vpc_filter)["SecurityGroups"] if g["GroupName"] != "default"]
        + client.describe_nat_gateways(Filters=vpc_filter)["NatGateways"]
        + client.describe_internet_gateways(Filters=[{"Name": "attachment.vpc-id", "Values": [vpc["VpcId"]]}])["InternetGateways"]
        + client.describe_flow_logs(Filters=[{"Name": "resource-id", "Values": [vpc["VpcId"]]}])["FlowLogs"]
    )
    assert len(tagged) == 6 + 4 + 4 + 1 + 1 + 1
    for resource in tagged:
        tags = {t["Key"]: t["Value"] for t in resource.get("Tags", [])}
        assert TAGS.items() <= tags.items()


@pytest.mark.parametrize(
    "env_name, extra_vars, variable",
    [
        ("local", {"network_vpc_cidr": "10.10.0.0/33"}, "network_vpc_cidr"),
        ("local", {"network_vpc_cidr": "not-a-cidr"}, "network_vpc_cidr"),
        ("local", {"network_app_subnet_cidrs": ["10.10.0.0/24", "10.10.11.0/24"]}, "network_app_subnet_cidrs"),
        ("local", {"network_data_subnet_cidrs": ["10.99.20.0/24", "10.10.21.0/24"]}, "network_data_subnet_cidrs"),
        ("local", {"network_nat_gateway_mode": "sometimes"}, "network_nat_gateway_mode"),
        ("local", {"network_az_count": 1}, "network_az_count"),
        ("local", {"network_name_prefix": "Bad_Name"}, "network_name_prefix"),
        ("local", {"database_instance_class": "m5.large"}, "database_instance_class"),
        ("local", {"database_read_replicas": -1}, "database_read_replicas"),
        ("local", {"database_backup_retention_days": 40}, "database_backup_retention_days"),
        ("local", {"cache_replicas": -1}, "cache_replicas"),
        ("local", {"service_cpu": 300}, "service_cpu"),
        ("local", {"autoscaling_min_capacity": 5, "autoscaling_max_capacity": 2}, "autoscaling_min_capacity"),
        ("local", {"cdn_price_class": "PriceClass_Some"}, "cdn_price_class"),
        ("local", {"monitoring_ecs_cpu_warning_percent": 95}, "monitoring_ecs_cpu_warning_percent"),
        ("production", {"database_multi_az": False}, "database_multi_az"),
        ("production", {"cache_replicas": 0}, "cache_replicas"),
        (
            "production",
            {
                "network_az_count": 1,
                "network_public_subnet_cidrs": ["10.40.0.0/24"],
                "network_app_subnet_cidrs": ["10.40.10.0/24"],
                "network_data_subnet_cidrs": ["10.40.20.0/24"],
            },
            "network_az_count",
        ),
    ],
)
def test_bad_input_fails_before_any_api_call(emulator, env_name, extra_vars, variable):
    run = run_playbook("playbooks/site.yml", env_name, emulator.url, extra_vars=extra_vars)
    assert run.returncode != 0
    assert variable in run.stdout + run.stderr, run.explain()
    assert run.calls.calls == [], f"API calls were made before validation: {run.calls.calls}"


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


def test_production_teardown_needs_confirmation(emulator):
    refused = run_playbook("playbooks/teardown.yml", "production", emulator.url)
    assert refused.returncode != 0
    assert "confirm_teardown=production" in refused.stdout
    assert refused.calls.calls == []


def test_teardown_leaves_nothing_and_a_second_teardown_changes_nothing(converged_local, emulator):
    first = run_playbook("playbooks/teardown.yml", "local", emulator.url)
    assert first.returncode == 0, first.explain()
    assert leftovers(stack_resources(emulator, PREFIX, REPOSITORY)) == {}
    assert ec2(emulator).describe_addresses()["Addresses"] == [], "the NAT gateway's address is released"
    # The local inventory keeps final snapshots of its data stores (database_final_snapshot, cache_final_snapshot).
    snapshots = emulator_client(emulator, "rds").describe_db_snapshots(SnapshotType="manual")["DBSnapshots"]
    assert [s["DBSnapshotIdentifier"] for s in snapshots if s["DBSnapshotIdentifier"].startswith(f"{PREFIX}-db-final-")]
    second = run_playbook("playbooks/teardown.yml", "local", emulator.url)
    assert second.returncode == 0, second.explain()
    assert second.changed == 0, second.explain()
    assert second.calls.writes == []
