"""The collection's operations modules against the emulator, through ansible-playbook.

Each resource module: create (changed) -> re-run (no change, no write call) -> check mode (no write
call) -> delete. The read-only modules (ecr_login, ecs_deployment) never change anything.
"""

import base64
import json
import urllib.request

import botocore.exceptions
import pytest

from tests.support.clients import REGION, emulator_client
from tests.support.playbook import run_playbook

PLAYBOOK = "tests/system/playbooks/ops_modules.yml"
CONTAINERS = [{"name": "web", "image": "public.ecr.aws/nginx/nginx:latest", "memory": 512, "essential": True}]


def run_ops(emulator, tag, extra_vars=None, args=None):
    variables = {"aws_region": REGION, **(extra_vars or {})}
    return run_playbook(PLAYBOOK, "local", emulator.url, extra_vars=variables, args=["--tags", tag, *(args or [])])


def set_rollout_transition(emulator, transition):
    path = "set-transition" if transition else "unset-transition"
    body = {"model_name": "ecs::deployment", **({"transition": transition} if transition else {})}
    request = urllib.request.Request(
        f"{emulator.url}/moto-api/state-manager/{path}", data=json.dumps(body).encode(), method="POST"
    )
    with urllib.request.urlopen(request, timeout=10):
        pass


# --- ecs_deployment -----------------------------------------------------------------------------------


@pytest.fixture
def rolling_service(clean_emulator):
    """A service that has just been pointed at a new task definition."""
    ecs = emulator_client(clean_emulator, "ecs")
    ecs.create_cluster(clusterName="ops-check")
    arns = [
        ecs.register_task_definition(
            family="ops-web",
            containerDefinitions=CONTAINERS,
            requiresCompatibilities=["FARGATE"],
            networkMode="awsvpc",
            cpu="256",
            memory="512",
        )["taskDefinition"]["taskDefinitionArn"]
        for _revision in range(2)
    ]
    ecs.create_service(cluster="ops-check", serviceName="ops-web", taskDefinition=arns[0], desiredCount=2)
    ecs.update_service(cluster="ops-check", service="ops-web", taskDefinition=arns[1])
    yield ecs, arns
    set_rollout_transition(clean_emulator, None)


def ecs_vars(arn, **extra):
    return {"ops_ecs_cluster": "ops-check", "ops_ecs_service": "ops-web", "ops_ecs_task_definition": arn, **extra}


def test_ecs_deployment_waits_until_the_rollout_completes(clean_emulator, rolling_service):
    dummy_client, arns = rolling_service
    run = run_ops(clean_emulator, "ecs", ecs_vars(arns[1]))
    assert run.returncode == 0, run.explain()
    assert run.changed == 0, run.explain()
    assert run.calls.writes == []
    assert run.calls.reads.count("ecs:DescribeServices") >= 2, run.calls.reads


def test_ecs_deployment_times_out_with_a_clear_message(clean_emulator, rolling_service):
    set_rollout_transition(clean_emulator, {"progression": "manual", "times": 10000})
    run = run_ops(clean_emulator, "ecs", ecs_vars(rolling_service[1][1], ops_ecs_timeout=2))
    assert run.returncode != 0
    assert "Timed out after 2 seconds waiting for the deployment of service ops-web" in run.stdout, run.explain()


def test_ecs_deployment_fails_when_the_service_went_back(clean_emulator, rolling_service):
    ecs, arns = rolling_service
    ecs.update_service(cluster="ops-check", service="ops-web", taskDefinition=arns[0])
    run = run_ops(clean_emulator, "ecs", ecs_vars(arns[1]))
    assert run.returncode != 0
    assert "was rolled back" in run.stdout, run.explain()


# --- cloudwatch_dashboard -----------------------------------------------------------------------------

DASHBOARD = "tracetrack-ops-check"


def stored_dashboard(emulator):
    cloudwatch = emulator_client(emulator, "cloudwatch")
    try:
        return json.loads(cloudwatch.get_dashboard(DashboardName=DASHBOARD)["DashboardBody"])
    except botocore.exceptions.ClientError as error:
        if error.response["Error"]["Code"] == "ResourceNotFound":
            return None
        raise


def test_cloudwatch_dashboard_lifecycle(clean_emulator):
    created = run_ops(clean_emulator, "dashboard")
    assert created.returncode == 0, created.explain()
    assert created.changed == 1, created.explain()
    assert created.calls.writes == ["monitoring:PutDashboard"]
    body = stored_dashboard(clean_emulator)
    assert [w["type"] for w in body["widgets"]] == ["metric", "text"]

    # The same content given as a JSON string: nothing to write.
    again = run_ops(clean_emulator, "dashboard", {"ops_dashboard_body_as_json": True})
    assert again.returncode == 0, again.explain()
    assert again.changed == 0, again.explain()
    assert again.calls.writes == []
    assert again.calls.reads == ["monitoring:GetDashboard"]

    # Check mode reports a changed title with a diff, and writes nothing.
    check = run_ops(clean_emulator, "dashboard", {"ops_dashboard_title": "Requests per minute"}, ["--check", "--diff"])
    assert check.returncode == 0, check.explain()
    assert check.changed == 1, check.explain()
    assert check.calls.writes == []
    assert '-        "title": "Requests"\n' in check.stdout, check.explain()
    assert '+        "title": "Requests per minute"\n' in check.stdout, check.explain()
    assert stored_dashboard(clean_emulator)["widgets"][0]["properties"]["title"] == "Requests"

    deleted = run_ops(clean_emulator, "dashboard", {"ops_state": "absent"})
    assert deleted.returncode == 0, deleted.explain()
    assert deleted.changed == 1, deleted.explain()
    assert deleted.calls.writes == ["monitoring:DeleteDashboards"]
    assert stored_dashboard(clean_emulator) is None

    gone = run_ops(clean_emulator, "dashboard", {"ops_state": "absent"})
    assert gone.returncode == 0, gone.explain()
    assert gone.changed == 0 and gone.calls.writes == [], gone.explain()


# --- xray_group, xray_sampling_rule -------------------------------------------------------------------

def xray_state(emulator):
    xray = emulator_client(emulator, "xray")
    groups = {g["GroupName"]: g for g in xray.get_groups()["Groups"]}
    rules = {r["SamplingRule"]["RuleName"]: r["SamplingRule"] for r in xray.get_sampling_rules()["SamplingRuleRecords"]}
    return groups.get("tracetrack-ops-faults"), rules.get("tracetrack-ops-web")


def test_xray_group_and_sampling_rule_lifecycle(clean_emulator):
    created = run_ops(clean_emulator, "xray")
    assert created.returncode == 0, created.explain()
    assert created.changed == 2, created.explain()
    assert created.calls.writes == ["xray:CreateGroup", "xray:CreateSamplingRule"]
    group, rule = xray_state(clean_emulator)
    assert group["FilterExpression"] == 'service("tracetrack-ops-web") AND fault'
    assert (rule["FixedRate"], rule["HTTPMethod"], rule["URLPath"], rule["Host"]) == (0.05, "GET", "/api/*", "*")

    again = run_ops(clean_emulator, "xray")
    assert again.returncode == 0, again.explain()
    assert again.changed == 0, again.explain()
    assert again.calls.writes == []

    check = run_ops(
        clean_emulator,
        "xray",
        {"ops_xray_fixed_rate": 0.2, "ops_xray_filter_expression": "fault", "ops_tags": {"Project": "other"}},
        ["--check"],
    )
    assert check.returncode == 0, check.explain()
    assert check.changed == 2, check.explain()
    assert check.calls.writes == []
    assert xray_state(clean_emulator) == (group, rule)

    updated = run_ops(clean_emulator, "xray", {"ops_xray_fixed_rate": 0.2})
    assert updated.returncode == 0, updated.explain()
    assert updated.changed == 1, updated.explain()
    assert updated.calls.writes == ["xray:UpdateSamplingRule"]
    assert xray_state(clean_emulator)[1]["FixedRate"] == 0.2

    deleted = run_ops(clean_emulator, "xray", {"ops_state": "absent"})
    assert deleted.returncode == 0, deleted.explain()
    assert deleted.changed == 2, deleted.explain()
    assert deleted.calls.writes == ["xray:DeleteGroup", "xray:DeleteSamplingRule"]
    assert xray_state(clean_emulator) == (None, None)

    gone = run_ops(clean_emulator, "xray", {"ops_state": "absent"})
    assert gone.returncode == 0, gone.explain()
    assert gone.changed == 0 and gone.calls.writes == [], gone.explain()


# --- ecr_login ----------------------------------------------------------------------------------------


def test_ecr_login_returns_the_registry_and_never_shows_the_password(clean_emulator):
    ecr = emulator_client(clean_emulator, "ecr")
    token = ecr.get_authorization_token()["authorizationData"][0]["authorizationToken"]
    password = base64.b64decode(token).decode().partition(":")[2]

    for args in ([], ["--check"], ["-vvv"]):
        run = run_ops(clean_emulator, "ecr", args=args)
        assert run.returncode == 0, run.explain()
        assert run.changed == 0, run.explain()
        assert run.calls.writes == []
        assert run.calls.reads == ["ecr:GetAuthorizationToken"]
        assert "ECR registry 123456789012.dkr.ecr.ap-south-1.amazonaws.com, login valid until" in run.stdout
        assert password not in run.stdout + run.stderr
