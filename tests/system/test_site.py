"""The whole stack for the local inventory, launched through the controller configuration's job templates
(awx/vars/) the way AWX launches them (ansible-runner, a private data directory), on this file's emulator.

In order: the provision template converges site.yml; the run left no secret in its output or artifacts; a
re-run writes nothing; check mode with changed variables reports them and writes nothing; every other template
launches on the converged stack; the audit flags a database security group opened to the world out of band (and
nothing else); a check run with the plan callback (what `make plan` runs) reports an alarm threshold changed out of
band, and site.yml puts both back; bad input fails before any API call; the teardown template runs last, and a
second teardown changes nothing.
"""

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.support.aws_calls import record_calls
from tests.support.awx import launch, load_config
from tests.support.clients import emulator_client
from tests.support.playbook import REPO_ROOT, PlaybookRun, ansible_env, run_playbook
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


CONFIG = load_config()
TEMPLATES = {t["name"]: t for t in CONFIG["controller_templates"]}
FIRST, LAST = "TraceTrack provision", "TraceTrack teardown"
MIDDLE = [name for name in TEMPLATES if name not in (FIRST, LAST)]
# The survey answers a user gives where a default would not do: teardown confirms with the environment's name.
ANSWERS = {LAST: {"confirm_teardown": "local"}}


def credential_inputs(emulator):
    """The local environment's credential: the emulator's fixed test keys and its endpoint."""
    return {"access_key": "testing", "secret_key": "testing", "session_token": "", "endpoint_url": emulator.url}


def launch_template(name, emulator, tmp_path_factory, answers=None):
    template = TEMPLATES[name]
    path = REPO_ROOT / template["playbook"]
    if not path.exists():
        pytest.fail(f"job template {name!r} runs {template['playbook']}, which does not exist")
    data_dir = tmp_path_factory.mktemp(name.lower().replace(" ", "-"))
    with record_calls(emulator.url) as calls:
        status, rc, stdout = launch(template, CONFIG, data_dir, "local", credential_inputs(emulator), emulator, answers or ANSWERS.get(name))
    assert status == "successful", f"rc={rc}\n{stdout[-6000:]}"
    return PlaybookRun(rc, stdout, "", calls), data_dir


@pytest.fixture(scope="module")
def converged_local(emulator, tmp_path_factory):
    """The provision template (site.yml), launched as AWX launches it."""
    emulator.reset()
    return launch_template(FIRST, emulator, tmp_path_factory)


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


@pytest.mark.parametrize("name", MIDDLE)
def test_template_launches_successfully(converged_local, emulator, tmp_path_factory, name):
    if name == "TraceTrack rollback":
        # A rollback needs an earlier release: the deploy template, launched before with its defaults, released the
        # source; release it again under another tag, as an operator answering the survey would.
        launch_template("TraceTrack deploy", emulator, tmp_path_factory, {"app_image_tag": "next"})
    run = launch_template(name, emulator, tmp_path_factory)[0]
    assert "PLAY RECAP" in run.stdout


def database_group_id(emulator):
    ec2 = emulator_client(emulator, "ec2")
    (group,) = ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": [f"{PREFIX}-database"]}])["SecurityGroups"]
    return group["GroupId"]


def audit_findings(stdout):
    """The table rows the audit printed: (rule, resource) pairs."""
    rows = []
    for line in stdout.splitlines():
        parts = line.split()
        if parts and parts[0] in RULES and len(parts) > 1:
            rows.append((parts[0], " ".join(parts[1:3])))
    return rows


RULES = {
    "public-database",
    "unencrypted-storage",
    "unencrypted-cache",
    "world-open-ingress",
    "backups-off",
    "no-deletion-protection",
    "iam-wildcard-action",
    "iam-wildcard-resource",
    "iam-managed-policy",
    "missing-alarm",
    "alarm-actions-off",
    "http-only-cdn",
    "waf-missing",
    "missing-resource",
}


def test_audit_flags_exactly_a_database_opened_to_the_world(converged_local, emulator):
    ec2 = emulator_client(emulator, "ec2")
    ec2.authorize_security_group_ingress(
        GroupId=database_group_id(emulator),
        IpPermissions=[{"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}],
    )
    run = run_playbook("playbooks/audit.yml", "local", emulator.url)
    assert run.returncode != 0, run.explain()
    assert audit_findings(run.stdout) == [("world-open-ingress", f"security-group {PREFIX}-database")], run.explain()
    assert "tcp/5432 open to 0.0.0.0/0" in run.stdout
    assert run.changed == 0 and run.calls.writes == []


def test_plan_reports_an_alarm_changed_out_of_band_and_site_puts_everything_back(converged_local, emulator, tmp_path):
    cloudwatch = emulator_client(emulator, "cloudwatch")
    name = f"{PREFIX}-db-cpu-warning"
    (alarm,) = cloudwatch.describe_alarms(AlarmNames=[name])["MetricAlarms"]
    wanted = alarm["Threshold"]
    keys = ("AlarmName", "AlarmDescription", "ActionsEnabled", "OKActions", "AlarmActions", "InsufficientDataActions", "MetricName",
            "Namespace", "Statistic", "Dimensions", "Period", "EvaluationPeriods", "DatapointsToAlarm", "ComparisonOperator", "TreatMissingData")
    cloudwatch.put_metric_alarm(**{k: alarm[k] for k in keys if k in alarm}, Threshold=wanted - 15)

    plan_json = tmp_path / "plan.json"
    env = ansible_env(emulator.url) | {
        "ANSIBLE_CALLBACKS_ENABLED": "tracetrack.aws.plan",
        "TRACETRACK_PLAN_JSON": str(plan_json),
        # deploy.sh finds this file's emulator already running rather than starting its own.
        "EMULATOR_STATE_DIR": str(emulator.state_dir),
    }
    variables = {"aws_endpoint_url": emulator.url}
    result = subprocess.run(
        ["scripts/deploy.sh", "local", "playbooks/site.yml", "--check", "--diff", "-e", json.dumps(variables)],
        cwd=REPO_ROOT,
        env=env | {"PATH": f"{REPO_ROOT / '.venv' / 'bin'}{os.pathsep}{env['PATH']}"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    plan = json.loads(plan_json.read_text())
    assert plan["check_mode"] is True
    by_resource = {c["resource"]: c for c in plan["changes"]}
    assert name in by_resource, plan
    assert f"Threshold: {wanted - 15} -> {wanted}" in by_resource[name]["changes"]
    assert "PLAN: " in result.stdout and name in result.stdout.split("PLAN: ")[-1]
    # The summary names the database security group's world-open rule too (the audit test left it).
    assert [c for c in plan["changes"] if c["role"] == "tracetrack.aws.network"], plan

    converge = run_playbook("playbooks/site.yml", "local", emulator.url)
    assert converge.returncode == 0, converge.explain()
    (alarm,) = cloudwatch.describe_alarms(AlarmNames=[name])["MetricAlarms"]
    assert alarm["Threshold"] == wanted
    audit = run_playbook("playbooks/audit.yml", "local", emulator.url)
    assert audit.returncode == 0, audit.explain()
    assert "local meets the security baseline" in audit.stdout


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


def test_teardown_template_runs_last_leaves_nothing_and_a_second_teardown_changes_nothing(converged_local, emulator, tmp_path_factory):
    launch_template(LAST, emulator, tmp_path_factory)
    assert leftovers(stack_resources(emulator, PREFIX, REPOSITORY)) == {}
    assert ec2(emulator).describe_addresses()["Addresses"] == [], "the NAT gateway's address is released"
    # The local inventory keeps final snapshots of its data stores (database_final_snapshot, cache_final_snapshot).
    snapshots = emulator_client(emulator, "rds").describe_db_snapshots(SnapshotType="manual")["DBSnapshots"]
    assert [s["DBSnapshotIdentifier"] for s in snapshots if s["DBSnapshotIdentifier"].startswith(f"{PREFIX}-db-final-")]
    second = run_playbook("playbooks/teardown.yml", "local", emulator.url)
    assert second.returncode == 0, second.explain()
    assert second.changed == 0, second.explain()
    assert second.calls.writes == []
