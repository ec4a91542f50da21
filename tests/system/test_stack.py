"""The local environment's whole life on one converged stack, the way an operator lives it, each step asserted once.

The tests run in this order, each on what the one before left (tests/README.md maps every behaviour to its test):

1. provision: the AWX "provision" job template (site.yml through ansible-runner) builds every tier; the stack's
   shape is then read back tier by tier (tags, least privilege, data stores, edge, alarms);
2. first release: the "deploy" template builds, pushes, migrates, rolls out and records the application;
3. re-run: what `make deploy` runs (site.yml + deploy.yml, at -vvv) changes nothing and makes no write call;
4. rotation: site.yml through ansible-runner renews the database password, SECRET_KEY, the Redis token and METRICS_TOKEN
   while a scanner keeps scanning (no request fails), redeploys the service and refuses the old credentials;
5. next release (the "deploy" template with a tag), a broken release (rolled back by the health gate), then the
   "rollback" template; the "health check", "scaling check" and "cost report" templates on the running release;
6. drift: resources changed behind the collection's back; the audit names the one that breaks the baseline,
   `make plan` (with changed settings too) lists exactly them, a re-converge writes exactly the fixes, and the
   "audit" template passes;
6b. blue/green: the service tier switched (check mode first) and a release smoke-tested on the test listener,
   shifted and baked; the service tier run alone (the origin lock read from its secret) and the release again write
   nothing; a release whose error alarm fires during the bake rolled back by ECS while a client polls the local URL;
6c. restore drill (docs/RUNBOOK.md), the service still blue/green: scans, a snapshot, more scans; the "restore" template restores, checks and
   switches, the application has exactly the scans from before the snapshot; a second run changes nothing; the
   cleanup deletes the former primary only when confirmed;
7. no generated secret (any value of any secret of the environment) in any output, the -vvv one included, or
   ansible-runner artifact of all of the above;
8. the "teardown" template leaves nothing but the final snapshots; a second teardown writes nothing.

One emulator of this module's own, started as `make deploy` starts it: the loopback PostgreSQL and Redis stand behind
the emulated RDS and ElastiCache endpoints when they answer (else SQLite and the in-process cache), and the emulator runs
the web service's task on this machine. The release steps need podman (scripts/system-deps.sh container): without it
they are skipped, and say so.
"""

import base64
import hashlib
import hmac
import itertools
import json
import os
import re
import secrets
import shutil
import subprocess
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import ansible_runner
import pytest

from tests.support.aws_calls import record_calls
from tests.support.awx import launch, load_config
from tests.support.clients import emulator_client
from tests.support.data_tier import assert_converged, assert_torn_down, instances
from tests.support.local_stack import (
    LOCAL_POSTGRES,
    PREFIX,
    PREVIOUS_PARAMETER,
    REPOSITORY,
    SERVICE,
    VERSION_PARAMETER,
    answers,
    get_json,
    isolation_vars,
    local_database,
    podman_env,
    recorded,
    registry_port,
    registry_running,
    release_cleanup,
    say,
    secret_json,
    secret_values,
    start_emulator,
)
from tests.support.playbook import REPO_ROOT, PlaybookRun, ansible_env, emulator_vars
from tests.support.stack import OPTIONAL_KINDS, leftovers, missing_kinds, stack_resources

# Optional kinds the local inventory leaves out (no KMS key, WAF, replicas, static site or e-mail).
LOCAL_OPTIONAL = set(OPTIONAL_KINDS)
SCANNERS = ["scanner-01", "scanner-02"]
TAGS = {"Project": "tracetrack", "Environment": "local", "ManagedBy": "tracetrack.aws"}
CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"
CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
ALL_VIEWER = "216adef6-5c7f-47e4-b989-5492eafa07d3"

CONFIG = load_config()
TEMPLATES = {t["name"]: t for t in CONFIG["controller_templates"]}


class Stack:
    """The shared stack: its emulator, the variables that keep it apart from any other, and what ran on it."""

    def __init__(self, emulator, variables, podman, tmp_path_factory):
        self.emulator = emulator
        self.variables = variables
        self.podman = podman
        self.tmp_path_factory = tmp_path_factory
        self.url = variables["tracking_app_public_url"]
        self.outputs: list[str] = []  # every run's output, searched for secrets at the end
        self.data_dirs: list[Path] = []  # every ansible-runner private data directory, likewise
        self.secrets: set[str] = set()
        self.state: dict = {}
        self.launched: set[str] = set()

    def client(self, service, region=None):
        return emulator_client(self.emulator, service, **({"region": region} if region else {}))

    def remember_secrets(self):
        self.secrets.update(secret_values(self.emulator))

    def _keep(self, run: PlaybookRun) -> PlaybookRun:
        self.outputs.append(run.stdout + run.stderr)
        return run

    def launch(self, name: str, answers: dict | None = None, expect: str = "successful") -> PlaybookRun:
        """Job template `name` launched as AWX launches it (ansible-runner, a private data directory)."""
        template = TEMPLATES[name]
        if not (REPO_ROOT / template["playbook"]).exists():
            pytest.fail(f"job template {name!r} runs {template['playbook']}, which does not exist")
        data_dir = self.tmp_path_factory.mktemp(name.lower().replace(" ", "-"))
        self.data_dirs.append(data_dir)
        credential = {"access_key": "testing", "secret_key": "testing", "session_token": "", "endpoint_url": self.emulator.url}
        started = time.monotonic()
        with record_calls(self.emulator.url) as calls:
            status, rc, stdout = launch(template, CONFIG, data_dir, "local", credential, self.emulator, {**self.variables, **(answers or {})})
        say(f"job template {name!r} {answers or ''}: {status}, {time.monotonic() - started:.0f} s")
        run = self._keep(PlaybookRun(rc, stdout, "", calls))
        assert status == expect, f"rc={rc}\n{stdout[-6000:]}"
        self.launched.add(name)
        return run

    def play(self, *playbooks: str, extra_vars: dict | None = None, args: list[str] | None = None, env: dict | None = None) -> PlaybookRun:
        """ansible-playbook on the local inventory, one or more playbooks in one run (as `make deploy` runs two)."""
        command = ["ansible-playbook", "-i", str(REPO_ROOT / "inventories" / "local"), *(str(REPO_ROOT / p) for p in playbooks)]
        command += ["-e", json.dumps({**emulator_vars(self.emulator.url), **self.variables, **(extra_vars or {})}), *(args or [])]
        started = time.monotonic()
        with record_calls(self.emulator.url) as calls:
            result = subprocess.run(command, cwd=REPO_ROOT, env=ansible_env(self.emulator.url, env), capture_output=True, text=True, check=False)
        say(f"{' + '.join(playbooks)} {extra_vars or ''} {' '.join(args or [])}: rc {result.returncode}, {time.monotonic() - started:.0f} s")
        return self._keep(PlaybookRun(result.returncode, result.stdout, result.stderr, calls))

    def serving(self) -> str:
        status, body = get_json(f"{self.url}/health")
        assert status == 200, body
        return body["version"]


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    emulator = start_emulator()
    variables = isolation_vars(emulator)
    podman = podman_env()
    state = Stack(emulator, variables, podman, tmp_path_factory)
    try:
        yield state
    finally:
        emulator.stop()
        release_cleanup(emulator, podman)


@pytest.fixture
def engine(stack):
    """The release steps build and run the image with podman."""
    if stack.podman is None:
        reason = "podman is not usable here: the release steps did not run (scripts/system-deps.sh container)"
        say(f"SKIPPED: {reason}")
        pytest.skip(reason)
    return stack.podman


# --- 1. provision -----------------------------------------------------------------------------------------------


def test_provision_template_builds_every_tier_and_prints_what_it_made(stack):
    run = stack.launch("TraceTrack provision")
    stack.state["provision"] = run
    stack.remember_secrets()
    assert run.changed > 0 and run.calls.writes
    found = stack_resources(stack.emulator, PREFIX, REPOSITORY)
    assert missing_kinds(found, LOCAL_OPTIONAL) == [], found
    (vpc,) = stack.client("ec2").describe_vpcs(Filters=[{"Name": "tag:Name", "Values": [f"{PREFIX}-vpc"]}])["Vpcs"]
    assert vpc["VpcId"] in run.stdout
    for summary in ("security_groups", "writer: ", "primary_endpoint", "load_balancer", "alarms: 26", "distribution"):
        assert summary in run.stdout, summary
    assert list((stack.data_dirs[-1] / "artifacts").rglob("job_events/*.json")), "the run left its events to look into"


def test_every_network_resource_carries_the_three_tags(stack):
    client = stack.client("ec2")
    (vpc,) = client.describe_vpcs(Filters=[{"Name": "tag:Name", "Values": [f"{PREFIX}-vpc"]}])["Vpcs"]
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


def test_compute_tier_runs_private_tasks_behind_the_load_balancer_with_secrets_by_reference(stack):
    ecs = stack.client("ecs")
    (cluster,) = ecs.describe_clusters(clusters=[PREFIX], include=["SETTINGS", "TAGS"])["clusters"]
    assert {"name": "containerInsights", "value": "enabled"} in cluster["settings"]
    assert {"key": "ManagedBy", "value": "tracetrack.aws"} in cluster["tags"]

    (service,) = ecs.describe_services(cluster=PREFIX, services=[SERVICE])["services"]
    assert service["networkConfiguration"]["awsvpcConfiguration"]["assignPublicIp"] == "DISABLED"
    assert service["deploymentConfiguration"]["deploymentCircuitBreaker"] == {"enable": True, "rollback": True}
    assert service["desiredCount"] == 2

    (container,) = ecs.describe_task_definition(taskDefinition=service["taskDefinition"])["taskDefinition"]["containerDefinitions"]
    secret_arn = stack.client("secretsmanager").describe_secret(SecretId=f"{PREFIX}/app")["ARN"]
    assert {"name": "SECRET_KEY", "valueFrom": f"{secret_arn}:SECRET_KEY::"} in container["secrets"]
    assert {"name": "METRICS_TOKEN", "valueFrom": f"{secret_arn}:METRICS_TOKEN::"} in container["secrets"]
    assert all(not e["name"].startswith(("METRICS_TOKEN", "DATABASE_URL")) for e in container["environment"])
    service_tags = {t["key"]: t["value"] for t in ecs.list_tags_for_resource(resourceArn=service["serviceArn"])["tags"]}
    stages = stack.client("secretsmanager").describe_secret(SecretId=f"{PREFIX}/app")["VersionIdsToStages"]
    assert service_tags["AppSecretVersion"] == next(v for v, labels in stages.items() if "AWSCURRENT" in labels)
    assert {s["valueFrom"].split(":")[6] for s in container["secrets"]} == {secret_arn.split(":")[6]}, "the service reads its own secret only"
    (repository,) = stack.client("ecr").describe_repositories(repositoryNames=[REPOSITORY])["repositories"]
    assert container["image"] == f"{repository['repositoryUri']}:latest", "no release yet: the repository's latest"
    assert {"name": "METRICS_NAMESPACE", "value": "TraceTrack/local"} in container["environment"]
    # CloudFront and the load balancer in front: the application takes the client's address two hops back.
    assert {"name": "TRUSTED_PROXY_COUNT", "value": "2"} in container["environment"]
    assert container["logConfiguration"]["options"]["awslogs-group"] == f"/{PREFIX}/web"

    (tg,) = stack.client("elbv2").describe_target_groups(Names=[f"{PREFIX}-web"])["TargetGroups"]
    assert (tg["HealthCheckPath"], tg["HealthCheckIntervalSeconds"], tg["HealthCheckTimeoutSeconds"]) == ("/health/elb", 30, 5)
    assert (tg["HealthyThresholdCount"], tg["UnhealthyThresholdCount"], tg["Matcher"]["HttpCode"]) == (2, 3, "200")

    scaling = stack.client("application-autoscaling")
    (target,) = scaling.describe_scalable_targets(ServiceNamespace="ecs")["ScalableTargets"]
    assert (target["MinCapacity"], target["MaxCapacity"]) == (1, 4)
    policies = scaling.describe_scaling_policies(ServiceNamespace="ecs")["ScalingPolicies"]
    assert sorted(p["PolicyName"] for p in policies) == [f"{PREFIX}-web-cpu", f"{PREFIX}-web-latency", f"{PREFIX}-web-requests"]
    (repository,) = stack.client("ecr").describe_repositories(repositoryNames=[REPOSITORY])["repositories"]
    assert repository["imageTagMutability"] == "IMMUTABLE"
    assert repository["imageScanningConfiguration"] == {"scanOnPush": True}


def test_execution_role_reads_only_this_environments_secret_and_repository(stack):
    iam = stack.client("iam")
    policy = iam.get_role_policy(RoleName=f"{PREFIX}-ecs-execution", PolicyName="start-tasks")["PolicyDocument"]
    statements = {s["Sid"]: s for s in policy["Statement"]}
    secret_arn = stack.client("secretsmanager").describe_secret(SecretId=f"{PREFIX}/app")["ARN"]
    assert statements["ReadTheApplicationSecret"]["Resource"] == secret_arn
    assert statements["PullThisEnvironmentsImages"]["Resource"].endswith(":repository/tracetrack/local")
    assert sorted(s["Sid"] for s in policy["Statement"] if s["Resource"] == "*") == ["RegistryLogin"]
    # The bootstrap task's secrets: readable at task start, by name, and referenced by no service's task definition.
    assert statements["ReadTheOneOffTasksSecrets"]["Resource"] == [
        f"arn:aws:secretsmanager:ap-south-1:123456789012:secret:{PREFIX}/{name}-??????"
        for name in ("app-admin", "scanner-api-keys", "database-master", "database-users")
    ]
    task_policy = iam.get_role_policy(RoleName=f"{PREFIX}-ecs-task", PolicyName="application")["PolicyDocument"]
    metrics = {s["Sid"]: s for s in task_policy["Statement"]}["MetricsOfThisEnvironment"]
    assert metrics["Condition"] == {"StringEquals": {"cloudwatch:namespace": "TraceTrack/local"}}


def test_database_is_encrypted_private_backed_up_and_in_the_app_secret(stack):
    run = stack.state["provision"]
    password = assert_converged(stack.emulator, "local", PREFIX, database=local_database(stack.emulator))
    assert password not in run.stdout
    writer = instances(stack.emulator, PREFIX)[f"{PREFIX}-db"]["Endpoint"]["Address"]
    assert f"writer: {writer}:5432" in run.stdout, "the summary shows the writer endpoint"


def test_redis_is_a_single_encrypted_authenticated_node_in_the_data_subnets(stack):
    run = stack.state["provision"]
    assert "elasticache:CreateReplicationGroup" in run.calls.writes
    elasticache = stack.client("elasticache")
    (group,) = elasticache.describe_replication_groups(ReplicationGroupId=f"{PREFIX}-cache")["ReplicationGroups"]
    assert group["CacheNodeType"] == "cache.t3.micro"
    assert len(group["MemberClusters"]) == 1
    assert (group["AutomaticFailover"], group["MultiAZ"]) == ("disabled", "disabled")
    assert group["TransitEncryptionEnabled"] and group["AtRestEncryptionEnabled"] and group["AuthTokenEnabled"]
    assert not group["ClusterEnabled"]
    (node,) = elasticache.describe_cache_clusters(CacheClusterId=group["MemberClusters"][0])["CacheClusters"]
    assert node["EngineVersion"].startswith("7.1.")
    assert node["CacheSubnetGroupName"] == f"{PREFIX}-cache"
    (cache_sg,) = stack.client("ec2").describe_security_groups(Filters=[{"Name": "group-name", "Values": [f"{PREFIX}-cache"]}])["SecurityGroups"]
    assert [sg["SecurityGroupId"] for sg in node["SecurityGroups"]] == [cache_sg["GroupId"]]
    tags = {t["Key"]: t["Value"] for t in elasticache.list_tags_for_resource(ResourceName=group["ARN"])["TagList"]}
    assert {key: tags.get(key) for key in ("Name", *TAGS)} == {"Name": f"{PREFIX}-cache", **TAGS}

    token = secret_json(stack.emulator, f"{PREFIX}/redis-auth")["token"]
    app = secret_json(stack.emulator, f"{PREFIX}/app")
    primary = group["NodeGroups"][0]["PrimaryEndpoint"]
    assert app["REDIS_URL"] == f"rediss://:{token}@{primary['Address']}:{primary['Port']}/0"
    assert "SECRET_KEY" in app, "keys of other roles stay"
    assert f"primary_endpoint: {primary['Address']}" in run.stdout, "the summary shows the primary endpoint"


def test_cloudfront_fronts_the_load_balancer_with_the_secret_origin_header(stack):
    cloudfront = stack.client("cloudfront", region="us-east-1")
    (summary,) = [d for d in cloudfront.list_distributions()["DistributionList"].get("Items") or [] if d["Comment"] == f"{PREFIX} CDN"]
    config = cloudfront.get_distribution_config(Id=summary["Id"])["DistributionConfig"]
    (origin,) = config["Origins"]["Items"]
    assert origin["DomainName"].startswith(f"{PREFIX}-alb") and origin["DomainName"].endswith(".elb.amazonaws.com")
    assert origin["CustomOriginConfig"]["OriginProtocolPolicy"] == "http-only"  # the load balancer has no HTTPS listener
    header = secret_json(stack.emulator, f"{PREFIX}/cdn-origin")["header_value"]
    assert origin["CustomHeaders"]["Items"] == [{"HeaderName": "X-Origin-Verify", "HeaderValue": header}]
    assert len(header) == 48
    behaviours = {b["PathPattern"]: b for b in config["CacheBehaviors"]["Items"]}
    assert behaviours["/static/*"]["CachePolicyId"] == CACHING_OPTIMIZED
    for path in ("/api/*", "/health*"):
        assert behaviours[path]["CachePolicyId"] == CACHING_DISABLED
        assert behaviours[path]["OriginRequestPolicyId"] == ALL_VIEWER
    assert config["DefaultCacheBehavior"]["CachePolicyId"] == CACHING_DISABLED
    assert config["PriceClass"] == "PriceClass_100"
    assert config["WebACLId"] == ""  # the local environment has no WAF
    for behaviour in list(behaviours.values()) + [config["DefaultCacheBehavior"]]:
        assert behaviour["Compress"] is True
    # The API answers HTTPS only (a redirect would come after the key crossed in clear); the rest redirects.
    assert {path: b["ViewerProtocolPolicy"] for path, b in behaviours.items()} == {
        "/static/*": "redirect-to-https", "/api/*": "https-only", "/health*": "redirect-to-https"
    }
    assert config["DefaultCacheBehavior"]["ViewerProtocolPolicy"] == "redirect-to-https"
    assert summary["Id"] in stack.state["provision"].stdout  # the summary shows the distribution


def test_alarms_dashboard_topic_and_tracing(stack):
    found = {a["AlarmName"]: a for a in stack.client("cloudwatch").describe_alarms(AlarmNamePrefix=f"{PREFIX}-")["MetricAlarms"]}
    assert len(found) == 26
    topic = f"arn:aws:sns:ap-south-1:123456789012:{PREFIX}-alerts"
    assert topic in [t["TopicArn"] for t in stack.client("sns").list_topics()["Topics"]]
    assert {tuple(a["AlarmActions"]) for a in found.values()} == {(topic,)}
    thresholds = {
        "web-cpu-warning": 70.0,
        "web-cpu-critical": 90.0,
        "web-5xx-rate-critical": 5.0,  # the target group of the web service
        "web-p95-latency-warning": 0.1,
        "db-connections-critical": 95.0,
        "redis-evictions-warning": 0.0,
        "redis-hit-rate-warning": 95.0,  # seed 001's cache hit rate KPI
        "web-deploy-5xx-rate": 10.0,  # seed 001's rollback triggers, which deployments that shift traffic name
        "web-deploy-p95-latency": 0.5,
    }
    assert {name: found[f"{PREFIX}-{name}"]["Threshold"] for name in thresholds} == thresholds
    assert PREFIX in [d["DashboardName"] for d in stack.client("cloudwatch").list_dashboards()["DashboardEntries"]]
    xray = stack.client("xray")
    (group,) = [g for g in xray.get_groups()["Groups"] if g["GroupName"] == f"{PREFIX}-web"]
    assert group["FilterExpression"] == f'service("{PREFIX}-web")'
    assert f"{PREFIX}-web" in [r["SamplingRule"]["RuleName"] for r in xray.get_sampling_rules()["SamplingRuleRecords"]]


# --- 2, 3. first release, re-run ----------------------------------------------------------------------------------


def test_deploy_template_releases_the_source_serves_it_and_records_it(stack, engine):
    run = stack.launch("TraceTrack deploy")
    version = stack.serving()
    stack.state["v1"] = version
    state = recorded(stack.emulator)
    assert state[VERSION_PARAMETER] == version
    assert state["tag"] == version
    assert state["task_definition"] == state["latest_active"]
    # What serves is the task the emulated ECS service started for that revision, once its rollout completed.
    (service,) = stack.client("ecs").describe_services(cluster=PREFIX, services=[SERVICE])["services"]
    assert [(d["taskDefinition"], d["rolloutState"]) for d in service["deployments"]] == [(state["task_definition"], "COMPLETED")]
    # The summary names the URL and the health gate's figures; no secret value reaches the output.
    assert f"url: {stack.url}/" in run.stdout
    assert "p95" in run.stdout and "p50" in run.stdout
    assert "sslmode=" not in run.stdout and "rediss://" not in run.stdout
    # The scaling report is not public: it wants the METRICS_TOKEN the task got from the secret.
    assert metrics_status(stack, "") == 401
    assert metrics_status(stack, secret_json(stack.emulator, f"{PREFIX}/app")["METRICS_TOKEN"]) == 200
    # ...and how to sign in: the administrator, the URL, the command that prints the password (the output wraps long lines).
    assert f"sign_in: 'as admin at {stack.url}/; the password: make credentials ENV=local'" in " ".join(run.stdout.split())


def api_status(stack, key: str) -> int:
    """What the scanners' API answers a device key (GET /api/v1/me)."""
    request = urllib.request.Request(f"{stack.url}/api/v1/me", headers={"X-API-Key": key})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 (loopback URL)
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_the_release_bootstraps_the_administrator_and_the_scanners_and_make_smoke_passes(stack, engine, tmp_path):
    """The bootstrap task ran with the release (recorded); a real browser then signs in with the secret's password,
    makes a dispatcher, scans, looks up and sees the dashboard, and a scanner device scans through the API."""
    recorded_bootstrap = json.loads(stack.client("ssm").get_parameter(Name=f"/{PREFIX}/app/bootstrap")["Parameter"]["Value"])
    assert recorded_bootstrap["revision"] == recorded(stack.emulator)["task_definition"]
    keys = secret_json(stack.emulator, f"{PREFIX}/scanner-api-keys")
    assert sorted(keys) == SCANNERS
    assert {name: api_status(stack, key) for name, key in keys.items()} == {name: 200 for name in SCANNERS}
    assert api_status(stack, "not-a-key-of-any-device-0000") == 401
    stack.state["scanner_keys"] = keys

    artifacts = tmp_path / "smoke"
    env = ansible_env(stack.emulator.url) | {
        "EMULATOR_STATE_DIR": str(stack.emulator.state_dir),
        "SMOKE_ARTIFACTS": str(artifacts),
        "PATH": f"{REPO_ROOT / '.venv' / 'bin'}{os.pathsep}{os.environ['PATH']}",
    }
    started = time.monotonic()
    result = subprocess.run(
        ["scripts/smoke.sh", "local", "-e", json.dumps({**emulator_vars(stack.emulator.url), **stack.variables})],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=600, check=False,
    )
    say(f"make smoke: rc {result.returncode}, {time.monotonic() - started:.0f} s")
    stack.outputs.append(result.stdout + result.stderr + (artifacts / "variables.log").read_text())
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    shots = sorted(path.name for path in artifacts.glob("*.png"))
    assert shots[0] == "01-signed-in-admin.png" and len(shots) >= 10, shots
    assert not list((REPO_ROOT / ".local" / "smoke").glob(".variables-*")), "the journey's variables file is removed"


def test_the_application_runs_as_a_login_with_data_access_only_and_the_owner_migrated(stack, engine):
    """The release's db-users task made the schema's owner and the application's login; the migrations ran as the
    owner; the service's task definition reaches neither the master nor the owner's password."""
    users = secret_json(stack.emulator, f"{PREFIX}/database-users")
    master_arn = stack.client("secretsmanager").describe_secret(SecretId=f"{PREFIX}/database-master")["ARN"]
    users_arn = stack.client("secretsmanager").describe_secret(SecretId=f"{PREFIX}/database-users")["ARN"]
    ecs = stack.client("ecs")
    service_definition = ecs.describe_task_definition(taskDefinition=recorded(stack.emulator)["task_definition"])["taskDefinition"]
    referenced = [s["valueFrom"] for c in service_definition["containerDefinitions"] for s in c.get("secrets", [])]
    assert referenced and not [arn for arn in referenced if arn.startswith((master_arn, users_arn))], referenced
    migrate = ecs.describe_task_definition(taskDefinition=f"{SERVICE}-migrate")["taskDefinition"]["containerDefinitions"][0]
    assert {s["name"]: s["valueFrom"] for s in migrate["secrets"]}["DATABASE_OWNER_PASSWORD"] == f"{users_arn}:owner_password::"
    assert "DATABASE_ADMIN_PASSWORD" not in {s["name"] for s in migrate["secrets"]}, "migrations never get the master password"
    if not answers(LOCAL_POSTGRES):
        pytest.skip("no local PostgreSQL behind the emulated instance: the roles themselves are not checked")
    import psycopg

    database = local_database(stack.emulator)
    with psycopg.connect(host=LOCAL_POSTGRES[0], port=LOCAL_POSTGRES[1], user=users["app_username"], password=users["app_password"],
                         dbname=database, autocommit=True, connect_timeout=5) as connection:
        assert connection.execute("SELECT count(*) FROM users").fetchone()[0] >= 1, "the bootstrap's administrator"
        owners = connection.execute(
            "SELECT DISTINCT pg_get_userbyid(relowner) FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'S')").fetchall()
        assert owners == [(users["owner_username"],)]
        for statement in ("CREATE TABLE intruder (id int)", "DROP TABLE scan_events", "TRUNCATE bags", "ALTER TABLE users DROP COLUMN role"):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                connection.execute(statement)


def test_make_credentials_prints_the_local_password_and_elsewhere_only_how_to_read_it(stack, tmp_path):
    env = ansible_env(stack.emulator.url) | {
        "EMULATOR_STATE_DIR": str(stack.emulator.state_dir),
        "PATH": f"{REPO_ROOT / '.venv' / 'bin'}{os.pathsep}{os.environ['PATH']}",
    }
    variables = json.dumps({**emulator_vars(stack.emulator.url), **stack.variables})
    with record_calls(stack.emulator.url) as calls:
        local = subprocess.run(["scripts/deploy.sh", "local", "playbooks/credentials.yml", "-e", variables],
                               cwd=REPO_ROOT, env=env, capture_output=True, text=True, check=False)
    assert local.returncode == 0, local.stdout[-3000:] + local.stderr[-2000:]
    admin = secret_json(stack.emulator, f"{PREFIX}/app-admin")
    assert f"password: {admin['password']}" in local.stdout and f"username: {admin['username']}" in local.stdout
    assert f"url: {stack.url}/" in local.stdout
    assert calls.writes == [] and calls.reads == ["secretsmanager:GetSecretValue"], calls.calls

    # A real environment: no AWS call at all (there are no credentials here), the secret's name and the command.
    bare = {k: v for k, v in env.items() if not k.startswith("AWS_")} | {
        "AWS_CONFIG_FILE": str(tmp_path / "none"), "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"), "AWS_EC2_METADATA_DISABLED": "true"}
    production = subprocess.run(["scripts/deploy.sh", "production", "playbooks/credentials.yml"],
                                cwd=REPO_ROOT, env=bare, capture_output=True, text=True, check=False)
    assert production.returncode == 0, production.stdout[-3000:] + production.stderr[-2000:]
    shown = " ".join(production.stdout.split())  # the output wraps long lines
    assert "aws secretsmanager get-secret-value --region ap-south-1 --secret-id tracetrack-production/app-admin" in shown
    assert not re.search(r"^\s*password:", production.stdout, re.MULTILINE), "no password is shown for a real environment"


def test_make_deploy_again_changes_nothing_and_writes_nothing(stack):
    """Run at the highest verbosity: every module's arguments and results are printed, and the secret hunt at the end
    searches them too."""
    playbooks = ["playbooks/site.yml", "playbooks/deploy.yml"] if stack.podman else ["playbooks/site.yml"]
    run = stack.play(*playbooks, args=["-vvv"])
    assert run.returncode == 0, run.explain()
    assert run.changed == 0, run.explain()
    assert run.calls.writes == [], run.calls.writes
    assert len(run.calls.reads) > 0
    if stack.podman:
        assert stack.serving() == stack.state["v1"]


# --- 4. rotation ----------------------------------------------------------------------------------------------------


class Scanner(threading.Thread):
    """A warehouse scanner that keeps scanning through the API: a parent bag, then children into it, one request after
    the other on a new connection each; every answer but 200/201 (and every refused connection) is a failure."""

    def __init__(self, url: str, key: str):
        super().__init__(daemon=True)
        self.url, self.key = url, key
        self.done = threading.Event()
        self.statuses: list[int] = []
        self.failures: list[str] = []
        self.latencies: list[float] = []

    def _post(self, path: str, body: dict) -> None:
        request = urllib.request.Request(
            f"{self.url}{path}", data=json.dumps(body).encode(), method="POST",
            headers={"X-API-Key": self.key, "Content-Type": "application/json"},
        )
        started = time.monotonic()
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (loopback URL)
                status = response.status
        except urllib.error.HTTPError as error:
            status = error.code
            self.failures.append(f"{path}: {status} {error.read()[:200]!r}")
        except OSError as error:
            status = 0
            self.failures.append(f"{path}: {error}")
        self.latencies.append(time.monotonic() - started)
        self.statuses.append(status)

    def run(self) -> None:
        # Codes count up from a random start, so that no two of the scanner's bags share a code (random codes would: the
        # birthday bound makes a clash among 5,000 children in 90 million codes about one run in eight). Parents stay in
        # SB10000000-SB89999999, never a code the restore drill counts (SB900...); children use CB90000000-CB99999999,
        # which no other test makes.
        parents = itertools.count(10_000_000 + secrets.randbelow(70_000_000))
        children = itertools.count(90_000_000 + secrets.randbelow(9_000_000))
        while not self.done.is_set():
            parent = f"SB{next(parents)}"
            self._post("/api/v1/scans/parent", {"qr_id": parent})
            for _child in range(20):
                if self.done.is_set():
                    return
                self._post("/api/v1/scans/child", {"qr_id": f"CB{next(children)}", "parent_qr_id": parent})
                time.sleep(0.02)

    def stop(self) -> dict:
        self.done.set()
        self.join(timeout=30)
        ordered = sorted(self.latencies) or [0.0]
        return {"requests": len(self.statuses), "failed": len(self.failures),
                "p50_ms": round(ordered[len(ordered) // 2] * 1000), "max_ms": round(ordered[-1] * 1000)}


def scram_accepts(password: str, verifier: str) -> bool:
    """Whether PostgreSQL's SCRAM-SHA-256 verifier (pg_authid.rolpassword) accepts `password` (RFC 5802, 7677): the
    local server trusts loopback connections, so its stored verifier is what says which password it would take."""
    method, iterations_salt, keys = verifier.split("$")
    assert method == "SCRAM-SHA-256", "PostgreSQL stores SCRAM-SHA-256 verifiers (password_encryption)"
    iterations, salt = iterations_salt.split(":")
    stored_key = base64.b64decode(keys.split(":")[0])
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), base64.b64decode(salt), int(iterations))
    client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
    return hmac.compare_digest(hashlib.sha256(client_key).digest(), stored_key)


def stored_verifier(stack, role: str | None = None) -> str | None:
    """A role's password verifier on the local PostgreSQL (by default the master role's; None without one)."""
    if not answers(LOCAL_POSTGRES):
        return None
    import psycopg

    with psycopg.connect(host=LOCAL_POSTGRES[0], port=LOCAL_POSTGRES[1], user="postgres", dbname="postgres", connect_timeout=5) as connection:
        found = connection.execute("SELECT rolpassword FROM pg_authid WHERE rolname = %s", [role or local_database(stack.emulator)]).fetchone()
    return found[0] if found else None


def login_refusal(user: str, password: str, database: str) -> str | None:
    """Why the local PostgreSQL refuses `user` (None when it lets it in)."""
    import psycopg

    try:
        with psycopg.connect(host=LOCAL_POSTGRES[0], port=LOCAL_POSTGRES[1], user=user, password=password, dbname=database, connect_timeout=5):
            return None
    except psycopg.OperationalError as error:
        return str(error)


def metrics_status(stack, token: str) -> int:
    request = urllib.request.Request(f"{stack.url}/metrics/scaling", headers={"Authorization": f"Bearer {token}"})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 (loopback URL)
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_rotation_through_ansible_runner_redeploys_while_a_scanner_scans_and_the_old_credentials_are_refused(stack, record_property):
    """site.yml with secrets_rotate for the database password, SECRET_KEY, the Redis token and METRICS_TOKEN, through
    ansible-runner, while a scanner keeps scanning: no request fails; the services are redeployed and waited for, the
    Redis token goes rotate -> redeploy -> set, and the old password and metrics token are refused afterwards."""
    before = {
        "password": secret_json(stack.emulator, f"{PREFIX}/database-master")["password"],
        "users": secret_json(stack.emulator, f"{PREFIX}/database-users"),
        "app": secret_json(stack.emulator, f"{PREFIX}/app"),
        "token": secret_json(stack.emulator, f"{PREFIX}/redis-auth")["token"],
        "task_definition": recorded(stack.emulator)["task_definition"],
    }
    data_dir = stack.tmp_path_factory.mktemp("rotation")
    stack.data_dirs.append(data_dir)
    # The operator also took scanner-02 out of the inventory's devices: from here on the stack runs without it.
    stack.variables["secrets_scanner_devices"] = SCANNERS[:1]
    env = {
        "ANSIBLE_CONFIG": str(REPO_ROOT / "ansible.cfg"),
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_DEPRECATION_WARNINGS": "false",
        "PYTHONPATH": str(REPO_ROOT / "emulator"),
        "EMULATOR_PORT": str(stack.emulator.port),
        "PATH": f"{REPO_ROOT / '.venv' / 'bin'}{os.pathsep}{os.environ['PATH']}",
    }
    scanner = None
    if stack.podman:
        scanner = Scanner(stack.url, stack.state["scanner_keys"]["scanner-01"])
        scanner.start()
        time.sleep(2)
    rotated = ["database", "app", "redis", "metrics"]
    started = time.monotonic()
    try:
        with record_calls(stack.emulator.url) as calls:
            result = ansible_runner.run(
                private_data_dir=str(data_dir),
                project_dir=str(REPO_ROOT),
                playbook="playbooks/site.yml",
                inventory=str(REPO_ROOT / "inventories" / "local"),
                extravars={**emulator_vars(stack.emulator.url), **stack.variables, "secrets_rotate": True, "secrets_rotate_kinds": rotated},
                envvars=env,
                quiet=True,
            )
        time.sleep(2)
    finally:
        figures = scanner.stop() if scanner else None
    stdout = result.stdout.read()
    took = time.monotonic() - started
    record_property("figures", f"rotation of {rotated}: {result.status}, {took:.0f} s; scanner during it: {figures or 'not run (no podman)'}")
    stack.outputs.append(stdout)
    stack.state["rotation_figures"] = figures
    assert result.status == "successful", stdout[-6000:]
    if scanner:
        assert figures["requests"] > 50, figures
        assert scanner.failures == [], f"{figures}: {scanner.failures[:10]}"

    master = secret_json(stack.emulator, f"{PREFIX}/database-master")
    app = secret_json(stack.emulator, f"{PREFIX}/app")
    token = secret_json(stack.emulator, f"{PREFIX}/redis-auth")["token"]
    users = secret_json(stack.emulator, f"{PREFIX}/database-users")
    # The master password is renewed and used by nothing that runs; the application moved to its other login, with a
    # new password, and the owner has a new one.
    assert master["password"] != before["password"] and master["password"] not in app["DATABASE_URL"]
    assert (users["app_username"], users["app_other_username"]) == (before["users"]["app_other_username"], before["users"]["app_username"])
    assert f"://{users['app_username']}:{users['app_password']}@" in app["DATABASE_URL"]
    assert users["app_password"] != before["users"]["app_password"] and users["owner_password"] != before["users"]["owner_password"]
    assert app["SECRET_KEY"] != before["app"]["SECRET_KEY"] and app["METRICS_TOKEN"] != before["app"]["METRICS_TOKEN"]
    assert token != before["token"] and app["REDIS_URL"].startswith(f"rediss://:{token}@")
    secretsmanager = stack.client("secretsmanager")

    def current(name):
        stages = secretsmanager.describe_secret(SecretId=name)["VersionIdsToStages"]
        return next(version for version, labels in stages.items() if "AWSCURRENT" in labels)

    primary = instances(stack.emulator, PREFIX)[f"{PREFIX}-db"]
    assert {t["Key"]: t["Value"] for t in primary["TagList"]}["MasterPasswordSecretVersion"] == current(f"{PREFIX}/database-master")

    # The service was redeployed with the new secret (same revision, a new deployment) and waited for.
    ecs = stack.client("ecs")
    (service,) = ecs.describe_services(cluster=PREFIX, services=[SERVICE])["services"]
    service_tags = {t["key"]: t["value"] for t in ecs.list_tags_for_resource(resourceArn=service["serviceArn"])["tags"]}
    assert service_tags["AppSecretVersion"] == current(f"{PREFIX}/app")
    assert [(d["taskDefinition"], d["rolloutState"]) for d in service["deployments"]] == [(before["task_definition"], "COMPLETED")]
    writes = calls.writes
    assert "ecs:UpdateService" in writes
    # The new login may log in before the services are redeployed onto it (db-users, a one-off task), and the old one is
    # refused only after they run with it (db-users --retire); both recorded for this version of the secret.
    runs = [i for i, call in enumerate(writes) if call == "ecs:RunTask"]
    assert len(runs) == 2 and runs[0] < writes.index("ecs:UpdateService") < runs[1], writes
    recorded_roles = json.loads(stack.client("ssm").get_parameter(Name=f"/{PREFIX}/app/database-users")["Parameter"]["Value"])
    assert recorded_roles == {"granted": current(f"{PREFIX}/database-users"), "retired": current(f"{PREFIX}/database-users")}
    # Redis: rotate (the old token stays valid), redeploy, then set (the old token is refused from then on).
    modifies = [i for i, call in enumerate(writes) if call == "elasticache:ModifyReplicationGroup"]
    assert len(modifies) == 2 and modifies[0] < writes.index("ecs:UpdateService") < modifies[1], writes
    (group,) = stack.client("elasticache").describe_replication_groups(ReplicationGroupId=f"{PREFIX}-cache")["ReplicationGroups"]
    tags = {t["Key"]: t["Value"] for t in stack.client("elasticache").list_tags_for_resource(ResourceName=group["ARN"])["TagList"]}
    assert tags["AuthTokenSecretVersion"] == tags["AuthTokenSoleVersion"] == current(f"{PREFIX}/redis-auth")

    # The old credentials are refused: the database's stored verifier takes the new password only; the running task
    # answers the old metrics token 401 and the new one 200.
    verifier = stored_verifier(stack)
    if verifier:
        assert scram_accepts(master["password"], verifier) and not scram_accepts(before["password"], verifier)
        assert scram_accepts(users["app_password"], stored_verifier(stack, users["app_username"]))
        refusal = login_refusal(before["users"]["app_username"], before["users"]["app_password"], local_database(stack.emulator))
        assert refusal and "not permitted to log in" in refusal, refusal
    if stack.podman:
        assert metrics_status(stack, before["app"]["METRICS_TOKEN"]) == 401
        assert metrics_status(stack, app["METRICS_TOKEN"]) == 200
    assert list((data_dir / "artifacts").rglob("job_events/*.json")), "the run left its events to look into"
    assert sorted(secret_json(stack.emulator, f"{PREFIX}/scanner-api-keys")) == SCANNERS[:1]
    stack.secrets.update([before["users"]["app_password"], users["app_password"], users["owner_password"], before["users"]["owner_password"]])
    stack.secrets.update([before["password"], master["password"], token, before["token"], before["app"]["METRICS_TOKEN"], before["app"]["SECRET_KEY"]])
    stack.remember_secrets()


def test_a_device_removed_from_the_inventory_is_refused_as_soon_as_the_release_runs_again(stack, engine):
    """The same version released again: nothing to build or roll out, but the scanners' secret has a new version,
    so the bootstrap runs and deactivates the removed device; its key is refused at once, the other still works."""
    keys = stack.state["scanner_keys"]
    assert api_status(stack, keys["scanner-02"]) == 200, "until the release runs, the application knows the device"
    run = stack.play("playbooks/deploy.yml", extra_vars={"app_image_tag": stack.state["v1"]})
    assert run.returncode == 0, run.explain()
    assert "Run the bootstrap as a one-off ECS task" in run.stdout, run.explain()
    assert api_status(stack, keys["scanner-02"]) == 401
    assert api_status(stack, keys["scanner-01"]) == 200
    recorded_bootstrap = json.loads(stack.client("ssm").get_parameter(Name=f"/{PREFIX}/app/bootstrap")["Parameter"]["Value"])
    stages = stack.client("secretsmanager").describe_secret(SecretId=f"{PREFIX}/scanner-api-keys")["VersionIdsToStages"]
    assert recorded_bootstrap["scanners"] == next(v for v, labels in stages.items() if "AWSCURRENT" in labels)


# --- 5. releases, rollback, checks ---------------------------------------------------------------------------------


def test_a_good_new_version_gets_a_new_revision_and_is_recorded(stack, engine):
    before = recorded(stack.emulator)
    version = f"{stack.state['v1']}-next"
    run = stack.launch("TraceTrack deploy", {"app_image_tag": version})
    after = recorded(stack.emulator)
    # Recorded as soon as the health gate passed: the version parameter is written before the edge is invalidated.
    writes = run.calls.writes
    invalidation = next(i for i, call in enumerate(writes) if call.startswith("cloudfront:") and "invalidation" in call.lower())
    assert [call for call in writes[invalidation + 1:] if call.startswith(("ssm:", "ecs:"))] == [], writes
    assert "ssm:PutParameter" in writes[:invalidation] and "ecs:TagResource" in writes[:invalidation], writes
    assert int(after["task_definition"].rsplit(":", 1)[1]) > int(before["task_definition"].rsplit(":", 1)[1])
    assert stack.serving() == version
    assert after[VERSION_PARAMETER] == version and after["tag"] == version
    assert after[PREVIOUS_PARAMETER] == stack.state["v1"]
    stack.state["v2"] = version


def test_a_failing_version_is_rolled_back_and_names_the_threshold(stack, engine, tmp_path):
    """A release whose readiness answers 503 (its database URL points nowhere) fails the gate and is rolled back."""
    source = tmp_path / "app"
    shutil.copytree(REPO_ROOT / "app", source, ignore=shutil.ignore_patterns("instance", "__pycache__", ".pytest_cache", "tests"))
    with open(source / "gunicorn.conf.py", "a") as config:
        config.write('\nos.environ["DATABASE_URL"] = "postgresql://nobody@127.0.0.1:9/none"  # a broken release\n')
    before = recorded(stack.emulator)
    run = stack.play(
        "playbooks/deploy.yml",
        extra_vars={"app_image_tag": f"{stack.state['v1']}-broken", "tracking_app_source_dir": str(source), "tracking_app_health_timeout": 15},
    )
    assert run.returncode != 0, run.explain()
    assert "threshold" in run.stdout and "status 503" in run.stdout, run.explain()
    assert "Rolled back" in run.stdout, run.explain()
    after = recorded(stack.emulator)
    assert after["task_definition"] == before["task_definition"]
    assert after["latest_active"] == before["task_definition"], "the failed revision is deregistered"
    assert after[VERSION_PARAMETER] == stack.state["v2"] and after["tag"] == stack.state["v2"]
    deadline = time.monotonic() + 60
    while get_json(f"{stack.url}/health/elb")[0] != 200 and time.monotonic() < deadline:
        time.sleep(1)
    assert stack.serving() == stack.state["v2"]


def test_rollback_template_returns_to_the_previous_version(stack, engine):
    stack.launch("TraceTrack rollback")
    assert stack.serving() == stack.state["v1"]
    state = recorded(stack.emulator)
    assert state[VERSION_PARAMETER] == stack.state["v1"] and state["tag"] == stack.state["v1"]
    assert state[PREVIOUS_PARAMETER] == stack.state["v2"]


@pytest.mark.parametrize("name", ["TraceTrack health check", "TraceTrack scaling check", "TraceTrack cost report"])
def test_check_and_report_templates_run_on_the_release_and_change_nothing(stack, engine, name):
    run = stack.launch(name)
    assert "PLAY RECAP" in run.stdout
    assert run.changed == 0, run.stdout[-3000:]
    assert run.calls.writes == []


# --- 6. drift, audit, plan, re-converge --------------------------------------------------------------------------------

DRIFTED_ALARM = f"{PREFIX}-db-cpu-warning"
ALARM_KEYS = ("AlarmName", "AlarmDescription", "ActionsEnabled", "OKActions", "AlarmActions", "InsufficientDataActions", "MetricName",
              "Namespace", "Statistic", "Dimensions", "Period", "EvaluationPeriods", "DatapointsToAlarm", "ComparisonOperator", "TreatMissingData")
# Settings changed for the plan only (check mode): a bigger task, a fixed desired count, a lower CPU warning.
PLANNED_SETTINGS = {"service_cpu": 1024, "service_memory": 2048, "service_keep_desired_count": False, "service_desired_count": 3,
                    "monitoring_ecs_cpu_warning_percent": 75}


def database_group_id(stack):
    (group,) = stack.client("ec2").describe_security_groups(Filters=[{"Name": "group-name", "Values": [f"{PREFIX}-database"]}])["SecurityGroups"]
    return group["GroupId"]


def audit_findings(stdout):
    """The table rows the audit printed: (rule, resource) pairs."""
    start = stdout.find("Security baseline of")
    block = stdout[start:].split("\n\n", 1)[0].splitlines()
    return [tuple(line.split()[:3]) for line in block[3:] if line.strip()]


def test_drift_that_opens_the_database_to_the_world_is_the_one_audit_finding(stack):
    """Behind the collection's back: the database security group opened to the world, an alarm threshold lowered,
    the repository's scan on push turned off. Only the first breaks the security baseline."""
    stack.client("ec2").authorize_security_group_ingress(
        GroupId=database_group_id(stack),
        IpPermissions=[{"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}],
    )
    cloudwatch = stack.client("cloudwatch")
    (alarm,) = cloudwatch.describe_alarms(AlarmNames=[DRIFTED_ALARM])["MetricAlarms"]
    stack.state["threshold"] = alarm["Threshold"]
    cloudwatch.put_metric_alarm(**{k: alarm[k] for k in ALARM_KEYS if k in alarm}, Threshold=alarm["Threshold"] - 15)
    stack.client("ecr").put_image_scanning_configuration(repositoryName=REPOSITORY, imageScanningConfiguration={"scanOnPush": False})

    run = stack.play("playbooks/audit.yml")
    assert run.returncode != 0, run.explain()
    assert audit_findings(run.stdout) == [("world-open-ingress", "security-group", f"{PREFIX}-database")], run.explain()
    assert "tcp/5432 open to 0.0.0.0/0" in run.stdout
    assert run.changed == 0 and run.calls.writes == []


def test_make_plan_lists_exactly_the_drift_and_the_changed_settings_and_writes_nothing(stack, tmp_path):
    plan_json = tmp_path / "plan.json"
    env = ansible_env(stack.emulator.url) | {
        "ANSIBLE_CALLBACKS_ENABLED": "tracetrack.aws.plan",
        "TRACETRACK_PLAN_JSON": str(plan_json),
        # deploy.sh finds this module's emulator already running rather than starting its own.
        "EMULATOR_STATE_DIR": str(stack.emulator.state_dir),
    }
    variables = {**emulator_vars(stack.emulator.url), **stack.variables, **PLANNED_SETTINGS}
    started = time.monotonic()
    with record_calls(stack.emulator.url) as calls:
        result = subprocess.run(
            ["scripts/deploy.sh", "local", "playbooks/site.yml", "--check", "--diff", "-e", json.dumps(variables)],
            cwd=REPO_ROOT,
            env=env | {"PATH": f"{REPO_ROOT / '.venv' / 'bin'}{os.pathsep}{env['PATH']}"},
            capture_output=True,
            text=True,
            check=False,
        )
    say(f"make plan: rc {result.returncode}, {time.monotonic() - started:.0f} s")
    stack.outputs.append(result.stdout + result.stderr)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-3000:]
    assert calls.writes == [], calls.writes
    plan = json.loads(plan_json.read_text())
    assert plan["check_mode"] is True
    by_resource = {}
    for change in plan["changes"]:
        by_resource.setdefault(change["resource"], []).append(change)
    threshold = stack.state["threshold"]
    assert f"Threshold: {threshold - 15} -> {threshold}" in by_resource[DRIFTED_ALARM][0]["changes"]
    # The drift: the database group's rule, the alarm, the repository; the settings: the task definition revision,
    # the service on it (with its desired count), the CPU warning alarm.
    roles = sorted((c["role"].rsplit(".", 1)[-1], c["resource"]) for c in plan["changes"])
    assert roles == sorted(
        [
            ("network", f"{PREFIX}-database"),  # the security group, as tracetrack.aws.ec2_security_groups names it
            ("monitoring", DRIFTED_ALARM),
            ("registry", REPOSITORY),
            ("service", SERVICE),
            ("service", SERVICE),
            ("monitoring", f"{PREFIX}-web-cpu-warning"),
        ]
    ), json.dumps(plan, indent=1)
    # The drifted rule is the one the group loses: open to the world before, not after.
    (group_change,) = by_resource[f"{PREFIX}-database"]
    assert "0.0.0.0/0" in group_change["changes"], group_change
    assert "+    cpu: '1024'" in result.stdout
    assert "+    desiredCount: 3" in result.stdout
    assert "PLAN: 6 resource(s) would change" in result.stdout
    assert plan["not_compared"] == [], "every module of site.yml compares in check mode"
    assert DRIFTED_ALARM in result.stdout.split("PLAN: ")[-1], "the plan's table names the drifted alarm"


def test_reconverge_writes_exactly_the_fixes_and_the_audit_template_passes(stack):
    run = stack.play("playbooks/site.yml")
    assert run.returncode == 0, run.explain()
    assert sorted(run.calls.writes) == sorted(
        ["ec2:RevokeSecurityGroupIngress", "monitoring:PutMetricAlarm", "ecr:PutImageScanningConfiguration"]
    ), run.calls.writes
    assert run.changed == 3, run.explain()
    (alarm,) = stack.client("cloudwatch").describe_alarms(AlarmNames=[DRIFTED_ALARM])["MetricAlarms"]
    assert alarm["Threshold"] == stack.state["threshold"]
    audit = stack.launch("TraceTrack audit")
    assert "local meets the security baseline" in audit.stdout
    assert audit.calls.writes == []


# --- 6b. progressive delivery: blue/green with alarm-based rollback ------------------------------------------------

BLUE_GREEN = {"service_deployment_strategy": "BLUE_GREEN"}
DEPLOY_ALARM = f"{SERVICE}-deploy-5xx-rate"


def production_weights(stack) -> dict:
    """{target group name: weight} of the web service's rule on the production listener (port 80)."""
    elbv2 = stack.client("elbv2")
    (alb,) = elbv2.describe_load_balancers(Names=[f"{PREFIX}-alb"])["LoadBalancers"]
    listener = next(each for each in elbv2.describe_listeners(LoadBalancerArn=alb["LoadBalancerArn"])["Listeners"] if each["Port"] == 80)
    rule = next(r for r in elbv2.describe_rules(ListenerArn=listener["ListenerArn"])["Rules"] if not r["IsDefault"] and r["Priority"] == "50000")
    groups = rule["Actions"][0]["ForwardConfig"]["TargetGroups"]
    return {g["TargetGroupArn"].split(":targetgroup/")[1].split("/")[0]: g["Weight"] for g in groups}


def assert_the_origin_lock_holds(stack):
    """Every rule of the production listener requires the CDN's header from its secret, and the default action answers
    403; the test listener's rules do not (its port is the VPC's only)."""
    elbv2 = stack.client("elbv2")
    (alb,) = elbv2.describe_load_balancers(Names=[f"{PREFIX}-alb"])["LoadBalancers"]
    listener = next(each for each in elbv2.describe_listeners(LoadBalancerArn=alb["LoadBalancerArn"])["Listeners"] if each["Port"] == 80)
    header = secret_json(stack.emulator, f"{PREFIX}/cdn-origin")["header_value"]
    for rule in elbv2.describe_rules(ListenerArn=listener["ListenerArn"])["Rules"]:
        if rule["IsDefault"]:
            assert rule["Actions"][0]["FixedResponseConfig"]["StatusCode"] == "403"
        else:
            headers = [c["HttpHeaderConfig"] for c in rule["Conditions"] if c["Field"] == "http-header"]
            assert headers == [{"HttpHeaderName": "X-Origin-Verify", "Values": [header]}], rule["RuleArn"]


class Poller(threading.Thread):
    """A client asking the local URL for its health every 50 ms, on a new connection each: what answered, and every
    answer but 200 (or a refused connection) as a failure."""

    def __init__(self, url: str):
        super().__init__(daemon=True)
        self.url = url
        self.done = threading.Event()
        self.versions: list[str] = []
        self.failures: list[str] = []

    def run(self) -> None:
        while not self.done.is_set():
            try:
                status, body = get_json(f"{self.url}/health")
                if status == 200:
                    self.versions.append(body["version"])
                else:
                    self.failures.append(f"{status} {body}")
            except OSError as error:
                self.failures.append(str(error))
            time.sleep(0.05)

    def stop(self) -> None:
        self.done.set()
        self.join(timeout=10)


def test_check_mode_reports_the_switch_to_blue_green_and_a_release_goes_through_test_traffic_production_and_bake(stack, engine):
    """The service tier switched to BLUE_GREEN: check mode shows the strategy's change and writes nothing; then a
    release starts the new revision beside the old one, smoke-tests it on the test listener, moves production traffic
    (the emulator moves the rule's weights as ECS does) and bakes; a re-run of both changes nothing, writes nothing."""
    plan = stack.play("tests/system/playbooks/service_tier.yml", extra_vars=BLUE_GREEN, args=["--check", "--diff"])
    assert plan.returncode == 0, plan.explain()
    assert plan.calls.writes == [], plan.calls.writes
    # The service's diff names the strategy, its settings and the load balancer's new settings, nothing else.
    diff = plan.stdout.rsplit("TASK [tracetrack.aws.service : ECS services]", 1)[1].split("TASK [", 1)[0]
    changed = {line[1:].strip().lstrip("- ").split(":")[0] for line in diff.splitlines() if line[:1] in "+-" and line[:3] not in ("---", "+++")}
    assert "-        strategy: ROLLING" in diff and "+        strategy: BLUE_GREEN" in diff, diff
    assert "+            alternateTargetGroupArn: ''" in diff and "+        bakeTimeInMinutes: 5" in diff, diff
    assert changed - {""} <= {
        "strategy", "bakeTimeInMinutes", "alarms", "alarmNames", f"{SERVICE}-deploy-5xx-rate", f"{SERVICE}-deploy-p95-latency", "enable",
        "rollback", "lifecycleHooks", "lifecycleStages", "POST_TEST_TRAFFIC_SHIFT", "targetType", "timeoutConfiguration", "action",
        "timeoutInMinutes", "containerName", "advancedConfiguration", "alternateTargetGroupArn", "productionListenerRule", "testListenerRule",
        "roleArn",
    }, changed
    # Beside it: ECS's infrastructure role to be made, the listeners' rules (hidden: they hold the origin header).
    iam = re.search(r"IAM roles the ECS tasks assume, and the one ECS shifts the load balancer's traffic with\] \*+\n(.*?)\nchanged", plan.stdout, re.S)
    assert iam and f"{PREFIX}-ecs-infrastructure" in iam.group(1), plan.stdout[-6000:]
    assert plan.changed == 3, plan.explain()

    # The switch and a release in one run, as an operator would run them.
    version = f"{stack.state['v1']}-bg"
    run = stack.play("tests/system/playbooks/service_tier.yml", "playbooks/deploy.yml", extra_vars={**BLUE_GREEN, "app_image_tag": version})
    assert run.returncode == 0, run.explain()
    # The stages the follow saw (each look at the deployment may find it a stage or two further on).
    for stage in ("TEST_TRAFFIC_SHIFT: 0 % of production, 100 % of test traffic", "BAKE_TIME: 100 % of production", f"{SERVICE}: SUCCESSFUL"):
        assert stage in run.stdout, run.stdout[-6000:]
    writes = run.calls.writes
    assert "ecs:ContinueServiceDeployment" in writes and writes.index("ecs:UpdateService") < writes.index("ecs:ContinueServiceDeployment")
    assert stack.serving() == version
    assert recorded(stack.emulator)[VERSION_PARAMETER] == version
    assert production_weights(stack) == {SERVICE: 0, f"{SERVICE}-alt": 100}, "the new revision serves from the other target group"
    stack.state["v3"] = version

    # The service tier run alone (no origin header passed: the role reads it from its secret) and the release again.
    again = stack.play("tests/system/playbooks/service_tier.yml", "playbooks/deploy.yml", extra_vars={**BLUE_GREEN, "app_image_tag": version})
    assert again.returncode == 0, again.explain()
    assert again.changed == 0, again.explain()
    assert again.calls.writes == [], again.calls.writes
    assert_the_origin_lock_holds(stack)


def test_a_version_whose_error_alarm_fires_during_the_bake_is_rolled_back_by_ecs_while_the_old_one_serves(stack, engine):
    """The new version passes its smoke test and takes production traffic; its 5xx-rate alarm goes to ALARM during the
    bake (SetAlarmState): ECS returns production traffic to the old revision and fails the deployment, the release
    rolls back and records nothing, and a client polling the local URL meanwhile sees no failed request."""
    cloudwatch, ecs = stack.client("cloudwatch"), stack.client("ecs")
    before = recorded(stack.emulator)
    fired = threading.Event()

    def fire_during_the_bake():
        deadline = time.monotonic() + 600
        while not fired.is_set() and time.monotonic() < deadline:
            (newest, *_older) = ecs.list_service_deployments(cluster=PREFIX, service=SERVICE)["serviceDeployments"] or [None]
            if newest and newest["status"] == "IN_PROGRESS":
                (deployment,) = ecs.describe_service_deployments(serviceDeploymentArns=[newest["serviceDeploymentArn"]])["serviceDeployments"]
                if deployment.get("lifecycleStage") == "BAKE_TIME":
                    cloudwatch.set_alarm_state(AlarmName=DEPLOY_ALARM, StateValue="ALARM", StateReason="5xx rate above 10 % for 2 minutes")
                    fired.set()
                    return
            time.sleep(0.3)

    poller = Poller(stack.url)
    poller.start()
    alarm = threading.Thread(target=fire_during_the_bake, daemon=True)
    alarm.start()
    try:
        run = stack.play("playbooks/deploy.yml", extra_vars={"app_image_tag": f"{stack.state['v3']}-alarmed"})
    finally:
        fired.set()
        alarm.join(timeout=10)
        poller.stop()
        cloudwatch.set_alarm_state(AlarmName=DEPLOY_ALARM, StateValue="OK", StateReason="test over")
    assert run.returncode != 0, run.explain()
    assert DEPLOY_ALARM in run.stdout and "Rolled back" in run.stdout, run.explain()
    say(f"polling client during the release: {len(poller.versions)} answers, {len(poller.failures)} failed, versions {sorted(set(poller.versions))}")
    assert poller.failures == [], poller.failures[:10]
    assert stack.state["v3"] in poller.versions and poller.versions[-1] == stack.state["v3"]
    after = recorded(stack.emulator)
    assert after[VERSION_PARAMETER] == before[VERSION_PARAMETER] == stack.state["v3"] and after["tag"] == stack.state["v3"]
    assert after["task_definition"] == before["task_definition"] and after["latest_active"] == before["task_definition"]
    assert stack.serving() == stack.state["v3"]
    assert production_weights(stack) == {SERVICE: 0, f"{SERVICE}-alt": 100}, "production traffic stayed with the old revision"


# --- 6c. restore drill ---------------------------------------------------------------------------------------------------

DRILL_SNAPSHOT = f"{PREFIX}-db-drill"
BEFORE_SNAPSHOT = ["SB90001", "SB90002"]
AFTER_SNAPSHOT = ["SB90003"]


def scan(stack, key: str, qr_id: str) -> int:
    request = urllib.request.Request(f"{stack.url}/api/v1/scans/parent", data=json.dumps({"qr_id": qr_id}).encode(), method="POST",
                                     headers={"X-API-Key": key, "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (loopback URL)
        return response.status


def bags_found(stack, key: str, prefix: str) -> list[str]:
    """The parent bags the application finds by the start of their id (read from the database, never the cache)."""
    request = urllib.request.Request(f"{stack.url}/api/v1/bags?q={prefix}&kind=parent&limit=100", headers={"X-API-Key": key})
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (loopback URL)
        found = json.loads(response.read())
    return sorted(bag["qr_id"] for bag in found["bags"])


def scan_events(stack) -> int:
    return int(subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", local_database(stack.emulator), "-tAc", "SELECT count(*) FROM scan_events"],
        capture_output=True, text=True, check=True).stdout.strip())


def test_restore_drill_brings_back_exactly_the_scans_before_the_snapshot(stack, engine, record_property):
    """docs/RUNBOOK.md as a drill: scans through the API, a snapshot, more scans; check mode says what a restore would do
    and writes nothing; the "restore" template restores the snapshot beside the primary, checks it, switches and rolls
    the service through the health gate; the application then has exactly the scans from before the snapshot. A second
    run changes nothing; the cleanup deletes the former primary only when confirmed, leaving its final snapshot. Each
    step's wall time is printed."""
    if not shutil.which("psql") or not answers(LOCAL_POSTGRES):
        pytest.skip("no local PostgreSQL behind the emulated RDS: a snapshot holds no data to restore")
    key = next(iter(secret_json(stack.emulator, f"{PREFIX}/scanner-api-keys").values()))
    rds = stack.client("rds")
    timings = {}

    def timed(step, action):
        started = time.monotonic()
        result = action()
        timings[step] = time.monotonic() - started
        return result

    assert timed("scans before the snapshot", lambda: [scan(stack, key, qr) for qr in BEFORE_SNAPSHOT]) == [201, 201]
    events_at_snapshot = scan_events(stack)
    timed("snapshot", lambda: rds.create_db_snapshot(DBInstanceIdentifier=f"{PREFIX}-db", DBSnapshotIdentifier=DRILL_SNAPSHOT))
    assert timed("scans after the snapshot", lambda: [scan(stack, key, qr) for qr in AFTER_SNAPSHOT]) == [201]
    assert bags_found(stack, key, "SB900") == BEFORE_SNAPSHOT + AFTER_SNAPSHOT

    restore_vars = {"restore_snapshot": DRILL_SNAPSHOT, "restore_switch": True}
    plan = timed("check mode", lambda: stack.play("playbooks/restore.yml", extra_vars=restore_vars, args=["--check"]))
    assert plan.returncode == 0, plan.explain()
    assert plan.calls.writes == [], plan.calls.writes
    assert f"{PREFIX}-db-restore-" in plan.stdout and "would be restored" in " ".join(plan.stdout.split()), plan.stdout[-3000:]
    assert "would be renamed" in " ".join(plan.stdout.split())

    run = timed("restore, check, switch, roll (restore template)",
                lambda: stack.launch("TraceTrack restore", {"restore_snapshot": DRILL_SNAPSHOT, "restore_switch": True}))
    assert re.search(rf"scan_events['\"]?: {events_at_snapshot}\b", run.stdout), run.stdout[-4000:]
    # The restored database's logins are set as they are now (db-users there) before the check reads it with the
    # application's login: two one-off tasks, before the switch writes the application secret.
    writes = run.calls.writes
    runs = [i for i, call in enumerate(writes) if call == "ecs:RunTask"]
    switch = next(i for i, call in enumerate(writes) if call.startswith("secretsmanager:") and "Secret" in call)
    assert len(runs) >= 2 and runs[1] < switch, writes
    assert "Give the restored database the application's login as it is now" in run.stdout
    assert "healthy" in run.stdout and "NOT healthy" not in run.stdout
    assert bags_found(stack, key, "SB900") == BEFORE_SNAPSHOT, "exactly the scans from before the snapshot"
    assert stack.serving() == stack.state["v3"]
    primary = rds.describe_db_instances(DBInstanceIdentifier=f"{PREFIX}-db")["DBInstances"][0]
    names = [i["DBInstanceIdentifier"] for i in rds.describe_db_instances()["DBInstances"]]
    (replaced,) = [name for name in names if name.startswith(f"{PREFIX}-db-replaced-")]
    assert primary["DBName"] != local_database(stack.emulator), "the primary is the restored instance"
    assert f"/{primary['DBName']}?" in secret_json(stack.emulator, f"{PREFIX}/app")["DATABASE_URL"]

    again = timed("second run", lambda: stack.play("playbooks/restore.yml", extra_vars=restore_vars))
    assert again.returncode == 0, again.explain()
    assert again.changed == 0, again.explain()
    assert again.calls.writes == [], again.calls.writes

    refused = stack.play("playbooks/restore.yml", extra_vars={"restore_cleanup": True})
    assert refused.returncode != 0 and "confirm_restore=local" in " ".join(refused.stdout.split()), refused.explain()
    assert refused.calls.writes == []
    timed("cleanup (restore template, confirmed)", lambda: stack.launch("TraceTrack restore", {"restore_cleanup": True, "confirm_restore": "local"}))
    names = [i["DBInstanceIdentifier"] for i in rds.describe_db_instances()["DBInstances"]]
    assert replaced not in names and f"{PREFIX}-db" in names
    snapshots = [s["DBSnapshotIdentifier"] for s in rds.describe_db_snapshots(SnapshotType="manual")["DBSnapshots"]]
    assert [s for s in snapshots if s.startswith(f"{replaced}-final-")], "the former primary leaves a final snapshot"
    assert bags_found(stack, key, "SB900") == BEFORE_SNAPSHOT
    for step, seconds in timings.items():
        record_property("figures", f"restore drill: {step}: {seconds:.1f} s")


# --- 7. secrets ------------------------------------------------------------------------------------------------------


def test_no_secret_is_printed_or_left_in_any_runner_artifact(stack):
    stack.remember_secrets()
    assert len(stack.secrets) >= 5 + len(SCANNERS) + 2, "generated values, scanner keys, the two rotated"
    files = [path for data_dir in stack.data_dirs for path in data_dir.rglob("*") if path.is_file()]
    assert files
    for value in stack.secrets:
        assert not [index for index, output in enumerate(stack.outputs) if value in output], "a generated secret was printed"
        leaks = [str(path) for path in files if value.encode() in path.read_bytes()]
        assert leaks == [], f"a generated secret is written in {leaks}"


# --- 8. teardown -----------------------------------------------------------------------------------------------------


def test_every_job_template_was_launched(stack):
    assert sorted(set(TEMPLATES) - stack.launched - {"TraceTrack teardown"}) == []


def test_teardown_template_leaves_nothing_but_final_snapshots_and_a_second_teardown_writes_nothing(stack):
    stack.launch("TraceTrack teardown", {"confirm_teardown": "local"})
    assert leftovers(stack_resources(stack.emulator, PREFIX, REPOSITORY)) == {}
    assert stack.client("ec2").describe_addresses()["Addresses"] == [], "the NAT gateway's address is released"
    # The local inventory keeps final snapshots of its data stores (database_final_snapshot, cache_final_snapshot).
    assert len(assert_torn_down(stack.emulator, PREFIX)) == 1, "database_final_snapshot: one final snapshot"
    cache_snapshots = stack.client("elasticache").describe_snapshots()["Snapshots"]
    assert [s["SnapshotName"] for s in cache_snapshots if s["SnapshotName"].startswith(f"{PREFIX}-cache-final-")]
    if stack.podman:
        assert get_json(f"{stack.url}/health")[0] == 0, "the service's task is stopped with the service"
        if registry_port(stack.emulator):
            assert registry_running(registry_port(stack.emulator)) == [], "the loopback registry is stopped with the repository"

    second = stack.play("playbooks/teardown.yml")
    assert second.returncode == 0, second.explain()
    assert second.changed == 0, second.explain()
    assert second.calls.writes == []
