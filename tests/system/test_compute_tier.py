"""The compute tier (registry, service, autoscaling, on network and secrets) against the emulator.

The tests of this file run in order on one emulator: converge, check mode with a change, bad input,
removal, then
two services sharing the load balancer with the OpenTelemetry collector beside each (converge, removal). HTTPS
and the CDN's origin header on two services: test_examples.py (EZ Tracking Board).
"""


import pytest

from tests.support.clients import emulator_client
from tests.support.playbook import run_playbook

PLAYBOOK = "tests/system/playbooks/compute_tier.yml"
PREFIX = "tracetrack-local"
DIMENSION = "ecs:service:DesiredCount"
TWO_SERVICES = {
    # The backend listens on 8080 (seed 003): the network lets the load balancer reach both ports.
    "network_app_ports": [8000, 8080],
    "service_services": [
        {"name": "frontend", "path_patterns": ["/*"]},
        {
            "name": "backend",
            "port": 8080,
            "health_path": "/api/auth/diagnostic",
            "path_patterns": ["/api/*"],
        },
    ],
    "autoscaling_services": [{"name": "frontend"}, {"name": "backend", "min_capacity": 2, "max_capacity": 10}],
    # With the OpenTelemetry collector beside each application container, waiting for the rollouts.
    "service_adot_enabled": True,
    "service_wait": True,
}


def client(emulator, service):
    return emulator_client(emulator, service)


def ecs_services(emulator, names):
    found = client(emulator, "ecs").describe_services(cluster=PREFIX, services=names)["services"]
    return {s["serviceName"]: s for s in found if s["status"] == "ACTIVE"}


def target_groups(emulator):
    return {
        tg["TargetGroupName"]: tg
        for tg in client(emulator, "elbv2").describe_target_groups()["TargetGroups"]
        if tg["TargetGroupName"].startswith(PREFIX)
    }


def load_balancers(emulator):
    return [
        lb for lb in client(emulator, "elbv2").describe_load_balancers()["LoadBalancers"] if lb["LoadBalancerName"].startswith(PREFIX)
    ]


def scalable_targets(emulator):
    return client(emulator, "application-autoscaling").describe_scalable_targets(ServiceNamespace="ecs")["ScalableTargets"]


def scaling_policies(emulator):
    return client(emulator, "application-autoscaling").describe_scaling_policies(ServiceNamespace="ecs")[
        "ScalingPolicies"
    ]


def clusters(emulator):
    return [c for c in client(emulator, "ecs").describe_clusters(clusters=[PREFIX])["clusters"] if c["status"] == "ACTIVE"]


@pytest.fixture(scope="module")
def converged_local(emulator):
    emulator.reset()
    first = run_playbook(PLAYBOOK, "local", emulator.url)
    assert first.returncode == 0, first.explain()
    return first


def test_first_run_builds_the_compute_tier(converged_local, emulator):
    assert converged_local.changed > 0
    (cluster,) = client(emulator, "ecs").describe_clusters(clusters=[PREFIX], include=["SETTINGS", "TAGS"])["clusters"]
    assert {"name": "containerInsights", "value": "enabled"} in cluster["settings"]
    assert {"key": "ManagedBy", "value": "tracetrack.aws"} in cluster["tags"]

    service = ecs_services(emulator, [f"{PREFIX}-web"])[f"{PREFIX}-web"]
    vpc = service["networkConfiguration"]["awsvpcConfiguration"]
    assert vpc["assignPublicIp"] == "DISABLED"
    assert service["deploymentConfiguration"]["deploymentCircuitBreaker"] == {"enable": True, "rollback": True}
    assert service["desiredCount"] == 2

    task_definition = client(emulator, "ecs").describe_task_definition(taskDefinition=service["taskDefinition"])[
        "taskDefinition"
    ]
    (container,) = task_definition["containerDefinitions"]
    secret_arn = client(emulator, "secretsmanager").describe_secret(SecretId=f"{PREFIX}/app")["ARN"]
    assert {"name": "SECRET_KEY", "valueFrom": f"{secret_arn}:SECRET_KEY::"} in container["secrets"]
    assert container["image"].endswith(".amazonaws.com/tracetrack/local:latest")
    assert {"name": "METRICS_NAMESPACE", "value": "TraceTrack/local"} in container["environment"]
    assert container["logConfiguration"]["options"]["awslogs-group"] == f"/{PREFIX}/web"

    tg = target_groups(emulator)[f"{PREFIX}-web"]
    assert (tg["HealthCheckPath"], tg["HealthCheckIntervalSeconds"], tg["HealthCheckTimeoutSeconds"]) == (
        "/health/elb",
        30,
        5,
    )
    assert (tg["HealthyThresholdCount"], tg["UnhealthyThresholdCount"], tg["Matcher"]["HttpCode"]) == (2, 3, "200")

    (target,) = scalable_targets(emulator)
    assert (target["MinCapacity"], target["MaxCapacity"]) == (1, 4)
    assert sorted(p["PolicyName"] for p in scaling_policies(emulator)) == [
        f"{PREFIX}-web-cpu",
        f"{PREFIX}-web-latency",
        f"{PREFIX}-web-requests",
    ]
    repository = client(emulator, "ecr").describe_repositories(repositoryNames=["tracetrack/local"])["repositories"][0]
    assert repository["imageTagMutability"] == "IMMUTABLE"
    assert repository["imageScanningConfiguration"] == {"scanOnPush": True}


def test_execution_role_reads_only_this_environments_secret_and_repository(converged_local, emulator):
    iam = client(emulator, "iam")
    policy = iam.get_role_policy(RoleName=f"{PREFIX}-ecs-execution", PolicyName="start-tasks")["PolicyDocument"]
    statements = {s["Sid"]: s for s in policy["Statement"]}
    secret_arn = client(emulator, "secretsmanager").describe_secret(SecretId=f"{PREFIX}/app")["ARN"]
    assert statements["ReadTheApplicationSecret"]["Resource"] == secret_arn
    assert statements["PullThisEnvironmentsImages"]["Resource"].endswith(":repository/tracetrack/local")
    wildcards = sorted(s["Sid"] for s in policy["Statement"] if s["Resource"] == "*")
    assert wildcards == ["RegistryLogin"]
    task_policy = iam.get_role_policy(RoleName=f"{PREFIX}-ecs-task", PolicyName="application")["PolicyDocument"]
    metrics = {s["Sid"]: s for s in task_policy["Statement"]}["MetricsOfThisEnvironment"]
    assert metrics["Condition"] == {"StringEquals": {"cloudwatch:namespace": "TraceTrack/local"}}


def test_check_mode_reports_a_new_task_size_without_writing(converged_local, emulator):
    check = run_playbook(
        PLAYBOOK,
        "local",
        emulator.url,
        extra_vars={"service_cpu": 1024, "service_memory": 2048, "service_keep_desired_count": False,
                    "service_desired_count": 3},
        args=["--check", "--diff"],
    )
    assert check.returncode == 0, check.explain()
    assert check.changed >= 2, check.explain()  # a new task definition revision, the service pointed at it
    assert "+    cpu: '1024'" in check.stdout
    assert "+    desiredCount: 3" in check.stdout
    assert check.calls.writes == []


@pytest.mark.parametrize(
    "extra_vars, variable",
    [
        ({"service_cpu": 300}, "service_cpu"),
        ({"service_cpu": 256, "service_memory": 4096}, "service_memory"),
        ({"service_services": [{"name": "Web_1"}]}, "service_services"),
        ({"service_services": [{"name": "web", "port": 9000}]}, "network_app_ports"),
        ({"service_origin_header_name": "X-Origin-Verify"}, "service_origin_header_value"),
        ({"service_certificate_arn": "not-an-arn"}, "service_certificate_arn"),
        ({"service_services": [{"name": "web", "image_tag": "-bad tag"}]}, "image_tag"),
        ({"service_task_policy_statements": [{"Effect": "Allow", "Action": "cognito-idp:ListUsers"}]}, "service_task_policy_statements"),
        ({"service_log_retention_days": 10}, "service_log_retention_days"),
        ({"autoscaling_min_capacity": 5, "autoscaling_max_capacity": 2}, "autoscaling_min_capacity"),
        ({"autoscaling_cpu_target": 95}, "autoscaling_cpu_target"),
        ({"registry_keep_images": 0}, "registry_keep_images"),
        ({"registry_repository_name": "Tracetrack/Local"}, "registry_repository_name"),
    ],
)
def test_bad_input_fails_before_any_api_call(emulator, extra_vars, variable):
    run = run_playbook(PLAYBOOK, "local", emulator.url, extra_vars=extra_vars)
    assert run.returncode != 0
    assert variable in run.stdout + run.stderr, run.explain()
    assert run.calls.calls == [], f"API calls were made before validation: {run.calls.calls}"


def test_fargate_spot_is_refused_in_production_before_any_api_call(emulator):
    run = run_playbook(PLAYBOOK, "production", emulator.url, extra_vars={"service_spot_weight": 2})
    assert run.returncode != 0
    assert "service_spot_weight" in run.stdout, run.explain()
    assert run.calls.calls == []


def test_removal_leaves_nothing_and_a_second_removal_writes_nothing(converged_local, emulator):
    first = run_playbook(PLAYBOOK, "local", emulator.url, extra_vars={"compute_tier_state": "absent"})
    assert first.returncode == 0, first.explain()
    assert clusters(emulator) == []
    assert load_balancers(emulator) == []
    assert target_groups(emulator) == {}
    assert scalable_targets(emulator) == []
    assert scaling_policies(emulator) == []
    roles = [r["RoleName"] for r in client(emulator, "iam").list_roles()["Roles"]]
    assert not [r for r in roles if r.startswith(f"{PREFIX}-ecs")]
    second = run_playbook(PLAYBOOK, "local", emulator.url, extra_vars={"compute_tier_state": "absent"})
    assert second.returncode == 0, second.explain()
    assert second.changed == 0, second.explain()
    assert second.calls.writes == []


@pytest.fixture(scope="module")
def two_services(emulator):
    emulator.reset()
    first = run_playbook(PLAYBOOK, "local", emulator.url, extra_vars=TWO_SERVICES)
    assert first.returncode == 0, first.explain()
    yield first
    removal = run_playbook(PLAYBOOK, "local", emulator.url, extra_vars=dict(TWO_SERVICES, compute_tier_state="absent"))
    assert removal.returncode == 0, removal.explain()
    assert clusters(emulator) == [] and load_balancers(emulator) == [] and target_groups(emulator) == {}


def test_two_services_share_one_load_balancer_by_path(two_services, emulator):
    groups = target_groups(emulator)
    assert sorted(groups) == [f"{PREFIX}-backend", f"{PREFIX}-frontend"]
    assert groups[f"{PREFIX}-backend"]["Port"] == 8080
    assert groups[f"{PREFIX}-backend"]["HealthCheckPath"] == "/api/auth/diagnostic"

    elbv2 = client(emulator, "elbv2")
    (alb,) = load_balancers(emulator)
    (listener,) = elbv2.describe_listeners(LoadBalancerArn=alb["LoadBalancerArn"])["Listeners"]
    assert listener["DefaultActions"][0]["TargetGroupArn"] == groups[f"{PREFIX}-frontend"]["TargetGroupArn"]
    rules = [r for r in elbv2.describe_rules(ListenerArn=listener["ListenerArn"])["Rules"] if not r["IsDefault"]]
    assert [(r["Conditions"][0]["PathPatternConfig"]["Values"], r["Actions"][0]["TargetGroupArn"]) for r in rules] == [
        (["/api/*"], groups[f"{PREFIX}-backend"]["TargetGroupArn"])
    ]
    bounds = {t["ResourceId"].rsplit("-", 1)[-1]: (t["MinCapacity"], t["MaxCapacity"]) for t in scalable_targets(emulator)}
    assert bounds == {"frontend": (1, 4), "backend": (2, 10)}
    services = ecs_services(emulator, [f"{PREFIX}-frontend", f"{PREFIX}-backend"])
    assert services[f"{PREFIX}-backend"]["loadBalancers"][0]["containerPort"] == 8080
    definition = client(emulator, "ecs").describe_task_definition(
        taskDefinition=services[f"{PREFIX}-backend"]["taskDefinition"]
    )["taskDefinition"]
    app, collector = definition["containerDefinitions"]
    assert collector["name"] == "aws-otel-collector" and collector["essential"] is False
    assert app["dependsOn"] == [{"containerName": "aws-otel-collector", "condition": "START"}]
    assert {"name": "OTEL_EXPORTER_OTLP_ENDPOINT", "value": "http://localhost:4318"} in app["environment"]
    assert "python -c" in app["healthCheck"]["command"][1] and ":8080/health'" in app["healthCheck"]["command"][1]
