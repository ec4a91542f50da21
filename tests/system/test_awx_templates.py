"""The controller configuration's job templates (awx/vars/), each launched the way AWX launches it, against the
local inventory on this file's emulator: provision first, teardown last.

Between them, on the converged stack: every other template; the audit flags a database security group opened to
the world out of band (and nothing else); a check run with the plan callback (what `make plan` runs) reports an
alarm threshold changed out of band, and site.yml puts both back.
"""

import json
import os
import subprocess

import pytest

from tests.support.awx import launch, load_config
from tests.support.clients import emulator_client
from tests.support.playbook import REPO_ROOT, ansible_env, run_playbook

PREFIX = "tracetrack-local"
CONFIG = load_config()
TEMPLATES = {t["name"]: t for t in CONFIG["controller_templates"]}
FIRST, LAST = "TraceTrack provision", "TraceTrack teardown"
MIDDLE = [name for name in TEMPLATES if name not in (FIRST, LAST)]
# The survey answers a user gives where a default would not do: teardown confirms with the environment's name.
ANSWERS = {LAST: {"confirm_teardown": "local"}}


def credential_inputs(emulator):
    """The local environment's credential: the emulator's fixed test keys and its endpoint."""
    return {"access_key": "testing", "secret_key": "testing", "session_token": "", "endpoint_url": emulator.url}


def launch_template(name, emulator, tmp_path_factory):
    template = TEMPLATES[name]
    data_dir = tmp_path_factory.mktemp(name.lower().replace(" ", "-"))
    return launch(template, CONFIG, data_dir, "local", credential_inputs(emulator), emulator, ANSWERS.get(name))


def require_playbook(template):
    path = REPO_ROOT / template["playbook"]
    if not path.exists():
        pytest.fail(f"job template {template['name']!r} runs {template['playbook']}, which does not exist")


@pytest.fixture(scope="module")
def provisioned(emulator, tmp_path_factory):
    emulator.reset()
    require_playbook(TEMPLATES[FIRST])
    status, rc, stdout = launch_template(FIRST, emulator, tmp_path_factory)
    assert status == "successful", f"rc={rc}\n{stdout[-6000:]}"
    return stdout


def test_provision_template_converges_the_stack(provisioned, emulator):
    assert "PLAY RECAP" in provisioned
    assert emulator_client(emulator, "rds").describe_db_instances(DBInstanceIdentifier=f"{PREFIX}-db")["DBInstances"]


@pytest.mark.parametrize("name", MIDDLE)
def test_template_launches_successfully(provisioned, emulator, tmp_path_factory, name):
    require_playbook(TEMPLATES[name])
    if name == "TraceTrack rollback":
        # A rollback needs an earlier release: the deploy template, launched before with its defaults, released the
        # source; release it again under another tag, as an operator answering the survey would.
        data_dir = tmp_path_factory.mktemp("deploy-next")
        status, rc, stdout = launch(TEMPLATES["TraceTrack deploy"], CONFIG, data_dir, "local", credential_inputs(emulator), emulator, {"app_image_tag": "next"})
        assert status == "successful", f"rc={rc}\n{stdout[-6000:]}"
    status, rc, stdout = launch_template(name, emulator, tmp_path_factory)
    assert status == "successful", f"rc={rc}\n{stdout[-6000:]}"


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


def test_audit_flags_exactly_a_database_opened_to_the_world(provisioned, emulator):
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


def test_plan_reports_an_alarm_changed_out_of_band_and_site_puts_everything_back(provisioned, emulator, tmp_path):
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


def test_teardown_template_runs_last_with_its_confirmation(provisioned, emulator, tmp_path_factory):
    require_playbook(TEMPLATES[LAST])
    status, rc, stdout = launch_template(LAST, emulator, tmp_path_factory)
    assert status == "successful", f"rc={rc}\n{stdout[-6000:]}"
    assert emulator_client(emulator, "rds").describe_db_instances()["DBInstances"] == []
