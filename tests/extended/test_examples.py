"""The example environments of inventories/examples (seeds 000, 002, 003 and 004) against the emulator.

All five converge in one ansible-playbook run (one host per example, -i each inventory), as an operator would run
several environments at once. In order: site.yml; each example's shape as its seed asks, and what watches and scales
it at its seed's figures (read from the emulator: alarms, dashboards, scaling policies, log groups, the distribution);
a re-run that writes nothing; audit.yml finding nothing - no alarm, widget or scaling policy watches what does not
exist - and naming the one alarm planted on a service that does not exist; MigrateAI's release of a new version (its
migration a one-off task of the new revision) and its rollback to the previous task definition; teardown.yml leaving
nothing but the final snapshots of the strict examples.
"""

import json

import pytest
import yaml

from tests.support.certificates import self_signed_certificate
from tests.support.clients import edge_get, emulator_client, every
from tests.support.environments import optional_kinds
from tests.support.playbook import REPO_ROOT, run_playbook
from tests.support.stack import leftovers, missing_kinds, stack_resources

# The region of the seed 002-004 examples (TraceTrack's, large, is in its own region: settings(host)["aws_region"]).
REGION = "us-east-1"
EXAMPLES_DIR = REPO_ROOT / "inventories" / "examples"
# host (and resource prefix): inventory directory under inventories/examples
EXAMPLES = {
    "ez-board-staging": "ez-board/staging",
    "ez-board-production": "ez-board/production",
    "task-manager-production": "task-manager/production",
    "migrateai-production": "migrateai/production",
    "tracetrack-xl-production": "tracetrack-large/production",
}
INVENTORIES = [str(EXAMPLES_DIR / path) for path in EXAMPLES.values()]


def settings(host):
    (path,) = (EXAMPLES_DIR / EXAMPLES[host] / "group_vars").glob("*.yml")
    return yaml.safe_load(path.read_text())


def client(emulator, service, region=REGION):
    return emulator_client(emulator, service, region)


def run(emulator, playbook, extra_vars, args=None):
    """One run over every example: -i each inventory, one host each."""
    return run_playbook(playbook, emulator_url=emulator.url, extra_vars=extra_vars, inventory=INVENTORIES, args=args)


def services(emulator, prefix):
    ecs = client(emulator, "ecs")
    arns = ecs.list_services(cluster=prefix)["serviceArns"]
    return {s["serviceName"]: s for s in ecs.describe_services(cluster=prefix, services=arns)["services"]}


def container(emulator, service):
    definition = client(emulator, "ecs").describe_task_definition(taskDefinition=service["taskDefinition"])["taskDefinition"]
    return definition["containerDefinitions"][0]


def alarms(emulator, prefix, region=REGION):
    found = client(emulator, "cloudwatch", region).describe_alarms(AlarmNamePrefix=f"{prefix}-")["MetricAlarms"]
    return {a["AlarmName"][len(prefix) + 1:]: a for a in found}


def scaling_policies(emulator, prefix, service, region=REGION):
    found = client(emulator, "application-autoscaling", region).describe_scaling_policies(
        ServiceNamespace="ecs", ResourceId=f"service/{prefix}/{prefix}-{service}"
    )["ScalingPolicies"]
    return {p["PolicyName"][len(f"{prefix}-{service}-"):]: p["TargetTrackingScalingPolicyConfiguration"] for p in found}


def dashboard_metrics(emulator, prefix, region=REGION):
    """Every metric row of the environment's dashboard as (namespace, name, {dimension: value}), by widget title."""
    body = json.loads(client(emulator, "cloudwatch", region).get_dashboard(DashboardName=prefix)["DashboardBody"])
    rows = {}
    for widget in body["widgets"]:
        for row in (widget.get("properties") or {}).get("metrics") or []:
            fields = [f for f in row if not isinstance(f, dict)]
            rows.setdefault(widget["properties"]["title"], []).append((fields[0], fields[1], dict(zip(fields[2::2], fields[3::2], strict=False))))
    return rows


def target_group(emulator, name):
    (group,) = client(emulator, "elbv2").describe_target_groups(Names=[name])["TargetGroups"]
    return group


@pytest.fixture(scope="module")
def given(emulator):
    """What the examples take from outside: ACM certificates (EZ Tracking Board, the strict examples' origins) and a Cognito
    user pool (Task Manager)."""
    emulator.reset()
    pool = client(emulator, "cognito-idp").create_user_pool(PoolName="task-manager-users")["UserPool"]
    return {
        "certificate_arn": self_signed_certificate(emulator, "board.example.com", REGION),
        # The strict examples reach their origin over HTTPS: a certificate of each one's origin name.
        "certificates": {
            "migrateai_certificate_arn": self_signed_certificate(emulator, "origin.migrateai.example.com", REGION),
            "task_manager_certificate_arn": self_signed_certificate(emulator, "origin.tasks.example.com", REGION),
            "tracetrack_xl_certificate_arn": self_signed_certificate(emulator, "origin.tracetrack.example.com", "ap-south-1"),
        },
        "user_pool": pool,
    }


@pytest.fixture(scope="module")
def extra_vars(given):
    """The -e an operator gives for what the inventories cannot know."""
    return {
        "ez_board_certificate_arn": given["certificate_arn"],
        "task_manager_cognito_user_pool_id": given["user_pool"]["Id"],
        **given["certificates"],
    }


@pytest.fixture(scope="module")
def converged(emulator, extra_vars):
    first = run(emulator, "playbooks/site.yml", extra_vars)
    assert first.returncode == 0, first.explain()
    return first


@pytest.mark.parametrize("host", list(EXAMPLES))
def test_every_kind_is_there(converged, emulator, host):
    values = settings(host)
    found = stack_resources(emulator, host, f"{values['project_name']}/{values['env_name']}", values["aws_region"])
    assert missing_kinds(found, optional_kinds(values)) == [], found


@pytest.mark.parametrize("host", [host for host in EXAMPLES if settings(host).get("env_strict")])
def test_the_strict_examples_reach_their_origin_over_https_by_its_name(converged, emulator, host):
    cloudfront = client(emulator, "cloudfront")
    (summary,) = [d for d in cloudfront.list_distributions()["DistributionList"]["Items"] if d["Comment"] == f"{host} CDN"]
    (origin,) = [o for o in summary["Origins"]["Items"] if o["Id"] == "alb"]
    assert origin["CustomOriginConfig"]["OriginProtocolPolicy"] == "https-only"
    assert origin["DomainName"] == settings(host)["cdn_origin_domain_name"]


def forwards(action: dict) -> dict:
    """{target group ARN: weight} of a listener rule's forward action (a single group: weight 1)."""
    if action.get("TargetGroupArn"):
        return {action["TargetGroupArn"]: 1}
    return {group["TargetGroupArn"]: group.get("Weight", 1) for group in action["ForwardConfig"]["TargetGroups"]}


@pytest.mark.parametrize("env_name", ["staging", "production"])
def test_ez_board_routes_two_services_and_runs_clustered_redis_and_postgres_14(converged, emulator, env_name):
    prefix = f"ez-board-{env_name}"
    found = services(emulator, prefix)
    assert sorted(found) == [f"{prefix}-backend", f"{prefix}-frontend"]
    assert all(s["desiredCount"] == 2 for s in found.values())
    backend = container(emulator, found[f"{prefix}-backend"])
    assert backend["image"].endswith(f"/ez-board/{env_name}:backend-1.0.0")
    assert container(emulator, found[f"{prefix}-frontend"])["image"].endswith(f"/ez-board/{env_name}:frontend-1.0.0")
    definition = client(emulator, "ecs").describe_task_definition(taskDefinition=found[f"{prefix}-backend"]["taskDefinition"])["taskDefinition"]
    assert (definition["cpu"], definition["memory"]) == ("2048", "4096")

    elbv2 = client(emulator, "elbv2")
    (alb,) = elbv2.describe_load_balancers(Names=[f"{prefix}-alb"])["LoadBalancers"]
    listeners = {item["Port"]: item for item in elbv2.describe_listeners(LoadBalancerArn=alb["LoadBalancerArn"])["Listeners"]}
    assert (listeners[443]["Protocol"], listeners[443]["SslPolicy"]) == ("HTTPS", "ELBSecurityPolicy-TLS13-1-2-2021-06")
    assert listeners[443]["Certificates"][0]["CertificateArn"].startswith(f"arn:aws:acm:{REGION}:")
    assert listeners[80]["DefaultActions"][0]["Type"] == "redirect"
    # Only CloudFront reaches the services: without its origin header, the load balancer answers 403.
    assert listeners[443]["DefaultActions"][0]["FixedResponseConfig"]["StatusCode"] == "403"
    rules = [r for r in elbv2.describe_rules(ListenerArn=listeners[443]["ListenerArn"])["Rules"] if not r["IsDefault"]]
    routes = {tuple(c["PathPatternConfig"]["Values"]): forwards(r["Actions"][-1]) for r in rules for c in r["Conditions"] if c["Field"] == "path-pattern"}
    for path, service in (("/api/*", "backend"), ("/*", "frontend")):
        primary = target_group(emulator, f"{prefix}-{service}")["TargetGroupArn"]
        if env_name == "production":  # CANARY: the rule weighs the service's group against its alternate, which ECS moves
            assert routes[(path,)] == {primary: 100, target_group(emulator, f"{prefix}-{service}-alt")["TargetGroupArn"]: 0}, routes
        else:
            assert routes[(path,)] == {primary: 1}, routes
    assert all("http-header" in [c["Field"] for c in r["Conditions"]] for r in rules)
    assert target_group(emulator, f"{prefix}-backend")["HealthCheckPath"] == "/api/health"

    (group,) = client(emulator, "elasticache").describe_replication_groups(ReplicationGroupId=f"{prefix}-cache")["ReplicationGroups"]
    assert group["ClusterEnabled"] is True and group["TransitEncryptionEnabled"] is True
    assert group["AutomaticFailover"] == "enabled" and len(group["MemberClusters"]) == 2

    (db,) = client(emulator, "rds").describe_db_instances(DBInstanceIdentifier=f"{prefix}-db")["DBInstances"]
    assert db["EngineVersion"].split(".")[0] == "14"
    assert (db["MultiAZ"], db["BackupRetentionPeriod"], db["StorageEncrypted"]) == (True, 7, True)

    ec2 = client(emulator, "ec2")
    vpc_id = ec2.describe_vpcs(Filters=[{"Name": "tag:Name", "Values": [f"{prefix}-vpc"]}])["Vpcs"][0]["VpcId"]
    subnets = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["Subnets"]
    assert sum(s["MapPublicIpOnLaunch"] for s in subnets) == 2 and sum(not s["MapPublicIpOnLaunch"] for s in subnets) == 4
    nats = ec2.describe_nat_gateways(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["NatGateways"]
    assert len([n for n in nats if n["State"] not in ("deleted", "deleting")]) == (2 if env_name == "production" else 1)


@pytest.mark.parametrize("env_name", ["staging", "production"])
def test_ez_board_watches_and_scales_its_two_services_at_seed_002s_figures(converged, emulator, env_name):
    prefix = f"ez-board-{env_name}"
    found = alarms(emulator, prefix)
    # Response time > 1 s warning, > 3 s critical; error rate > 1 % / > 5 %, each service's target group on its own;
    # CPU > 70 % / > 90 %; connections > 80 %.
    per_group = {f"{service}-{what}-{level}": figure for service in ("frontend", "backend") for what, level, figure in (
        ("p95-latency", "warning", 1.0), ("p95-latency", "critical", 3.0), ("5xx-rate", "warning", 1.0), ("5xx-rate", "critical", 5.0))}
    # Each service's deployment alarms, at seed 001's rollback triggers (errors > 10 %, p95 > 500 ms), which production's
    # CANARY deployments name.
    deploy = {f"{service}-deploy-{what}": figure for service in ("frontend", "backend") for what, figure in (("5xx-rate", 10.0), ("p95-latency", 0.5))}
    expected = {**per_group, **deploy, "frontend-cpu-warning": 70.0, "backend-cpu-critical": 90.0, "db-connections-warning": 80.0}
    assert {name: found[name]["Threshold"] for name in expected} == expected
    if env_name == "production":  # CANARY: each service's alarms watch its target group and its alternate together
        for service in ("frontend", "backend"):
            pair = {target_group(emulator, f"{prefix}-{service}{alt}")["TargetGroupArn"].split(":")[-1] for alt in ("", "-alt")}
            for what in ("no-healthy-hosts-critical", "5xx-rate-critical", "deploy-p95-latency"):
                watched = {d["Value"] for q in found[f"{service}-{what}"]["Metrics"] if "MetricStat" in q
                           for d in q["MetricStat"]["Metric"]["Dimensions"] if d["Name"] == "TargetGroup"}
                assert watched == pair, (service, what)
    assert not [name for name in found if name.startswith("alb-")]
    # Its own services are watched, and nothing watches a "web" service it does not have.
    services = {dict((d["Name"], d["Value"]) for d in a.get("Dimensions", [])).get("ServiceName") for a in found.values()} - {None}
    assert services == {f"{prefix}-frontend", f"{prefix}-backend"}
    rows = dashboard_metrics(emulator, prefix)
    assert {dimensions["ServiceName"] for _namespace, _name, dimensions in rows["ECS services CPU (%)"]} == {f"{prefix}-frontend", f"{prefix}-backend"}
    assert not [title for title in rows if title.startswith("Service ")], "neither service emits metrics of its own"
    assert {name for _namespace, name, _dimensions in rows["Redis cache hit rate (%, alarm below 95)"]} == {"CacheHitRate"}, "the seed's Redis hit/miss ratio"
    # Neither service emits a latency metric: each scales on its target group's average response time, at 200 ms.
    alb = client(emulator, "elbv2").describe_load_balancers(Names=[f"{prefix}-alb"])["LoadBalancers"][0]["LoadBalancerArn"]
    for service in ("frontend", "backend"):
        latency = scaling_policies(emulator, prefix, service)["latency"]
        metric = latency["CustomizedMetricSpecification"]  # an Average: the classic form, not a metric query
        assert (metric["Namespace"], metric["MetricName"], metric["Statistic"]) == ("AWS/ApplicationELB", "TargetResponseTime", "Average")
        assert {d["Name"]: d["Value"] for d in metric["Dimensions"]} == {
            "LoadBalancer": alb.split(":loadbalancer/")[1],
            "TargetGroup": target_group(emulator, f"{prefix}-{service}")["TargetGroupArn"].split(":")[-1],
        }
        assert latency["TargetValue"] == 0.2


def test_task_manager_serves_the_spa_from_s3_and_the_backend_on_8080(converged, emulator, given):
    prefix = "task-manager-production"
    tg = target_group(emulator, f"{prefix}-backend")
    assert (tg["Port"], tg["HealthCheckPath"], tg["HealthCheckIntervalSeconds"], tg["HealthCheckTimeoutSeconds"]) == (8080, "/api/auth/diagnostic", 30, 5)
    assert (tg["HealthyThresholdCount"], tg["UnhealthyThresholdCount"]) == (2, 3)

    service = services(emulator, prefix)[f"{prefix}-backend"]
    assert service["enableExecuteCommand"] is True
    app = container(emulator, service)
    assert {"name": "COGNITO_USER_POOL_ID", "value": given["user_pool"]["Id"]} in app["environment"]
    assert app["healthCheck"]["command"] == ["CMD-SHELL", "curl -f http://localhost:8080/api/auth/diagnostic || exit 1"]
    policy = client(emulator, "iam").get_role_policy(RoleName=f"{prefix}-ecs-task", PolicyName="application")["PolicyDocument"]
    statements = {s.get("Sid"): s for s in policy["Statement"]}
    assert statements["ReadUsersOfTheUserPool"]["Resource"] == given["user_pool"]["Arn"]
    assert "ExecuteCommand" in statements

    (db,) = client(emulator, "rds").describe_db_instances(DBInstanceIdentifier=f"{prefix}-db")["DBInstances"]
    assert db["EngineVersion"].split(".")[0] == "15"
    assert (db["StorageType"], db["AllocatedStorage"], db["BackupRetentionPeriod"], db["PreferredBackupWindow"]) == ("gp3", 100, 7, "03:00-03:30")
    assert db["MultiAZ"] is True

    scaling = client(emulator, "application-autoscaling")
    (target,) = scaling.describe_scalable_targets(ServiceNamespace="ecs", ResourceIds=[f"service/{prefix}/{prefix}-backend"])["ScalableTargets"]
    assert (target["MinCapacity"], target["MaxCapacity"]) == (2, 10)
    policies = scaling.describe_scaling_policies(ServiceNamespace="ecs", ResourceId=f"service/{prefix}/{prefix}-backend")["ScalingPolicies"]
    cpu = {p["PolicyName"]: p for p in policies}[f"{prefix}-backend-cpu"]["TargetTrackingScalingPolicyConfiguration"]
    assert (cpu["TargetValue"], cpu["ScaleOutCooldown"], cpu["ScaleInCooldown"]) == (70.0, 60, 300)

    (bucket,) = [b["Name"] for b in client(emulator, "s3").list_buckets()["Buckets"] if b["Name"].startswith(f"{prefix}-site")]
    keys = sorted(o["Key"] for o in client(emulator, "s3").list_objects_v2(Bucket=bucket)["Contents"])
    assert keys == ["assets/app.js", "index.html"]
    cloudfront = client(emulator, "cloudfront")
    (summary,) = [d for d in cloudfront.list_distributions()["DistributionList"]["Items"] if d["Comment"].startswith(prefix)]
    config = cloudfront.get_distribution_config(Id=summary["Id"])["DistributionConfig"]
    origins = {o["Id"]: o for o in config["Origins"]["Items"]}
    default_origin = origins[config["DefaultCacheBehavior"]["TargetOriginId"]]
    assert default_origin["DomainName"].startswith(bucket) and default_origin["OriginAccessControlId"]
    paths = {b["PathPattern"]: b["TargetOriginId"] for b in config["CacheBehaviors"].get("Items", [])}
    # A strict environment reaches its load balancer by the name its certificate covers (cdn_origin_domain_name).
    assert origins[paths["/api/*"]]["DomainName"] == "origin.tasks.example.com"


def test_task_manager_watches_scales_and_keeps_logs_at_seed_003s_figures(converged, emulator):
    prefix = "task-manager-production"
    found = alarms(emulator, prefix)
    # Error rate > 5 %, response time > 2 s, CPU > 80 %, disk < 20 % (of 100 GiB), connection pool exhaustion (95 %).
    figures = {name: found[name]["Threshold"] for name in (
        "backend-5xx-rate-critical", "backend-p95-latency-critical", "backend-cpu-critical", "db-free-storage-critical", "db-connections-critical")}
    assert figures == {"backend-5xx-rate-critical": 5.0, "backend-p95-latency-critical": 2.0, "backend-cpu-critical": 80.0,
                       "db-free-storage-critical": 0.2 * 100 * 2**30, "db-connections-critical": 95.0}
    # Scale out on CPU > 70 % and on memory > 80 %; no latency trigger in the seed, so no latency policy.
    policies = scaling_policies(emulator, prefix, "backend")
    assert sorted(policies) == ["cpu", "memory"]
    memory = policies["memory"]
    assert memory["PredefinedMetricSpecification"]["PredefinedMetricType"] == "ECSServiceAverageMemoryUtilization"
    assert memory["TargetValue"] == 80.0
    # Application logs 30 days, database logs 7 days (the primary's exported PostgreSQL and upgrade logs).
    logs = client(emulator, "logs")
    retention = {g["logGroupName"]: g.get("retentionInDays") for g in every(logs, "describe_log_groups", "logGroups")}
    assert retention[f"/{prefix}/backend"] == 30
    assert {name: days for name, days in retention.items() if name.startswith(f"/aws/rds/instance/{prefix}-db/")} == {
        f"/aws/rds/instance/{prefix}-db/postgresql": 7,
        f"/aws/rds/instance/{prefix}-db/upgrade": 7,
    }
    # Access logs 90 days: the load balancer writes them to a private, encrypted bucket that deletes them after that.
    elbv2 = client(emulator, "elbv2")
    alb = elbv2.describe_load_balancers(Names=[f"{prefix}-alb"])["LoadBalancers"][0]["LoadBalancerArn"]
    attributes = {a["Key"]: a["Value"] for a in elbv2.describe_load_balancer_attributes(LoadBalancerArn=alb)["Attributes"]}
    bucket = attributes["access_logs.s3.bucket"]
    assert (attributes["access_logs.s3.enabled"], bucket, attributes["access_logs.s3.prefix"]) == ("true", f"{prefix}-alb-logs-123456789012", "alb")
    s3 = client(emulator, "s3")
    (rule,) = s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
    assert (rule["Status"], rule["Expiration"]["Days"]) == ("Enabled", 90)
    encryption = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert encryption["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    assert all(s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"].values())
    (statement,) = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])["Statement"]
    assert statement["Principal"] == {"AWS": "arn:aws:iam::127311923021:root"} and statement["Action"] == "s3:PutObject"


def test_a_deep_link_into_the_task_manager_spa_answers_its_index_page(converged, emulator):
    """CloudFront answers the bucket's 403/404 for a path it has no object for (/tasks/42) with /index.html, 200."""
    prefix = "task-manager-production"
    cloudfront = client(emulator, "cloudfront")
    (summary,) = [d for d in cloudfront.list_distributions()["DistributionList"]["Items"] if d["Comment"].startswith(prefix)]
    config = cloudfront.get_distribution_config(Id=summary["Id"])["DistributionConfig"]
    responses = {r["ErrorCode"]: (r["ResponsePagePath"], r["ResponseCode"]) for r in config["CustomErrorResponses"]["Items"]}
    assert responses == {403: ("/index.html", "200"), 404: ("/index.html", "200")}
    # Asked over HTTP at the distribution's domain (the emulator's edge, extension cloudfront_edge): a deep link has no
    # object, the bucket answers 403, and the viewer gets the site's index page with 200; an asset is itself.
    site = EXAMPLES_DIR / "task-manager" / "site"
    assert edge_get(emulator, summary["DomainName"], "/tasks/42") == (200, (site / "index.html").read_bytes())
    assert edge_get(emulator, summary["DomainName"], "/") == (200, (site / "index.html").read_bytes())
    assert edge_get(emulator, summary["DomainName"], "/assets/app.js") == (200, (site / "assets" / "app.js").read_bytes())


def test_migrateai_backend_on_8000_takes_its_secrets_by_reference(converged, emulator):
    prefix = "migrateai-production"
    tg = target_group(emulator, f"{prefix}-backend")
    assert (tg["Port"], tg["HealthCheckPath"]) == (8000, "/health")
    service = services(emulator, prefix)[f"{prefix}-backend"]
    assert service["deploymentConfiguration"]["deploymentCircuitBreaker"] == {"enable": True, "rollback": True}
    app = container(emulator, service)
    assert app["image"].endswith("/migrateai/production:1.0.0")
    secret_arn = client(emulator, "secretsmanager").describe_secret(SecretId=f"{prefix}/app")["ARN"]
    assert sorted(s["valueFrom"] for s in app["secrets"]) == sorted(
        f"{secret_arn}:{key}::" for key in ("SECRET_KEY", "DATABASE_URL", "DATABASE_READ_URL", "REDIS_URL", "METRICS_TOKEN")
    )
    assert all(not s.startswith(("DATABASE_URL", "REDIS_URL")) for s in (e["name"] for e in app["environment"]))


def test_tracetrack_large_runs_seed_000s_shape_in_three_zones(converged, emulator):
    prefix, values = "tracetrack-xl-production", settings("tracetrack-xl-production")
    region = values["aws_region"]
    rds = client(emulator, "rds", region)
    (db,) = rds.describe_db_instances(DBInstanceIdentifier=f"{prefix}-db")["DBInstances"]
    assert (db["DBInstanceClass"], db["MultiAZ"], db["DeletionProtection"]) == ("db.r6g.xlarge", True, True)
    assert sorted(db["ReadReplicaDBInstanceIdentifiers"]) == [f"{prefix}-db-replica-1", f"{prefix}-db-replica-2"]

    elasticache = client(emulator, "elasticache", region)
    (group,) = elasticache.describe_replication_groups(ReplicationGroupId=f"{prefix}-cache")["ReplicationGroups"]
    assert (group["CacheNodeType"], group["AutomaticFailover"], group["MultiAZ"]) == ("cache.t4g.micro", "enabled", "enabled")
    assert group["TransitEncryptionEnabled"] and group["AtRestEncryptionEnabled"] and group["AuthTokenEnabled"]
    zones = {elasticache.describe_cache_clusters(CacheClusterId=c)["CacheClusters"][0]["PreferredAvailabilityZone"] for c in group["MemberClusters"]}
    assert len(zones) == 3, "a primary and two replicas in three zones"

    ecs = client(emulator, "ecs", region)
    (service,) = ecs.describe_services(cluster=prefix, services=[f"{prefix}-web"])["services"]
    definition = ecs.describe_task_definition(taskDefinition=service["taskDefinition"])["taskDefinition"]
    assert (definition["cpu"], definition["memory"], service["desiredCount"]) == ("1024", "2048", 3)
    (target,) = client(emulator, "application-autoscaling", region).describe_scalable_targets(
        ServiceNamespace="ecs", ResourceIds=[f"service/{prefix}/{prefix}-web"]
    )["ScalableTargets"]
    assert (target["MinCapacity"], target["MaxCapacity"]) == (3, 10)

    ec2 = client(emulator, "ec2", region)
    vpc_id = ec2.describe_vpcs(Filters=[{"Name": "tag:Name", "Values": [f"{prefix}-vpc"]}])["Vpcs"][0]["VpcId"]
    nats = ec2.describe_nat_gateways(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["NatGateways"]
    assert len({n["SubnetId"] for n in nats if n["State"] not in ("deleted", "deleting")}) == 3, "a NAT gateway per zone"


def test_tracetrack_large_alarms_its_cache_hit_rate_traces_and_scales_on_its_own_latency(converged, emulator):
    """Seed 001: cache hit rate > 95 % on the dashboard and alarmed; traces reach X-Ray through the collector."""
    prefix, region = "tracetrack-xl-production", settings("tracetrack-xl-production")["aws_region"]
    hit_rate = alarms(emulator, prefix, region)["redis-hit-rate-warning"]
    assert (hit_rate["Threshold"], hit_rate["ComparisonOperator"]) == (95.0, "LessThanThreshold")
    elasticache = client(emulator, "elasticache", region)
    members = elasticache.describe_replication_groups(ReplicationGroupId=f"{prefix}-cache")["ReplicationGroups"][0]["MemberClusters"]
    watched = {q["MetricStat"]["Metric"]["Dimensions"][0]["Value"] for q in hit_rate["Metrics"] if "MetricStat" in q}
    assert watched == set(members)
    rows = dashboard_metrics(emulator, prefix, region)
    assert {dimensions["CacheClusterId"] for _namespace, _name, dimensions in rows["Redis cache hit rate (%, alarm below 95)"]} == set(members)
    assert [name for _namespace, name, _dimensions in rows["Service web (TraceTrack/production)"]][:1] == ["RequestLatency"]
    latency = scaling_policies(emulator, prefix, "web", region)["latency"]
    (query,) = [q for q in latency["CustomizedMetricSpecification"]["Metrics"] if "MetricStat" in q]
    assert (query["MetricStat"]["Metric"]["Namespace"], query["MetricStat"]["Metric"]["MetricName"]) == ("TraceTrack/production", "RequestLatency")
    (service,) = client(emulator, "ecs", region).describe_services(cluster=prefix, services=[f"{prefix}-web"])["services"]
    definition = client(emulator, "ecs", region).describe_task_definition(taskDefinition=service["taskDefinition"])["taskDefinition"]
    assert [c["name"] for c in definition["containerDefinitions"]] == ["web", "aws-otel-collector"]
    # Reads spread over both replicas: the application takes the readers of DATABASE_READ_URL in turn.
    rds = client(emulator, "rds", region)
    readers = [rds.describe_db_instances(DBInstanceIdentifier=f"{prefix}-db-replica-{n}")["DBInstances"][0]["Endpoint"]["Address"] for n in (1, 2)]
    secret = json.loads(client(emulator, "secretsmanager", region).get_secret_value(SecretId=f"{prefix}/app")["SecretString"])
    assert [url.split("@")[1].split(":")[0] for url in secret["DATABASE_READ_URL"].split(",")] == readers


def test_rerun_changes_nothing_and_writes_nothing(converged, emulator, extra_vars):
    second = run(emulator, "playbooks/site.yml", extra_vars)
    assert second.returncode == 0, second.explain()
    assert second.changed == 0, second.explain()
    assert second.calls.writes == []


def test_every_example_passes_the_audit(converged, emulator, extra_vars):
    """No alarm, widget or scaling policy of any example watches what does not exist; the one planted is named."""
    # What the monitoring role once made for every example: an alarm on a "web" service EZ Tracking Board lacks.
    cloudwatch = client(emulator, "cloudwatch")
    stray = "ez-board-staging-web-cpu-warning"
    cloudwatch.put_metric_alarm(
        AlarmName=stray, Namespace="AWS/ECS", MetricName="CPUUtilization", Statistic="Average", Period=60, EvaluationPeriods=1,
        Threshold=70.0, ComparisonOperator="GreaterThanThreshold",
        Dimensions=[{"Name": "ClusterName", "Value": "ez-board-staging"}, {"Name": "ServiceName", "Value": "ez-board-staging-web"}],
    )
    try:
        audit = run(emulator, "playbooks/audit.yml", extra_vars)
    finally:
        cloudwatch.delete_alarms(AlarmNames=[stray])
    assert audit.calls.writes == []
    assert audit.returncode != 0
    assert "staging breaks the security baseline 1 time(s): alarm-watches-nothing" in audit.stdout, audit.explain()
    assert f"alarm {stray}" in audit.stdout and "ECS service ez-board-staging/ez-board-staging-web does not exist" in audit.stdout
    # Every other example: no violation at all, its alarms, widgets and scaling policies included.
    assert audit.stdout.count(": 0 violation(s)") == len(EXAMPLES) - 1 and audit.stdout.count(": 1 violation(s)") == 1, audit.explain()


def test_migrateai_releases_a_new_version_and_rolls_back_to_the_previous_task_definition(converged, emulator, extra_vars):
    prefix = "migrateai-production"
    limit = ["--limit", prefix]
    before = services(emulator, prefix)[f"{prefix}-backend"]["taskDefinition"]

    release = run(emulator, "playbooks/service_release.yml", {**extra_vars, "migrateai_version": "1.1.0"}, limit)
    assert release.returncode == 0, release.explain()
    # Only the task definition, the migration and the service: the load balancer still requires CloudFront's header.
    writes = [c.operation for c in release.calls.calls if not c.is_read]
    assert set(writes) <= {"RegisterTaskDefinition", "RunTask", "UpdateService", "TagResource"}, release.calls.writes
    assert writes.index("RunTask") < writes.index("UpdateService"), "the migration runs before the service moves"
    released = services(emulator, prefix)[f"{prefix}-backend"]["taskDefinition"]
    assert released != before and container(emulator, {"taskDefinition": released})["image"].endswith(":1.1.0")
    # Seed 004's Alembic migration: a one-off task of the new revision, with the inventory's command.
    ecs = client(emulator, "ecs")
    arns = ecs.list_tasks(cluster=prefix, startedBy="tracetrack-migration")["taskArns"]
    migrations = ecs.describe_tasks(cluster=prefix, tasks=arns)["tasks"]
    assert [(t["taskDefinitionArn"], t["overrides"]["containerOverrides"][0]["command"]) for t in migrations if t["taskDefinitionArn"] == released] == [
        (released, ["alembic", "upgrade", "head"])
    ]

    rollback = run(emulator, "playbooks/service_rollback.yml", extra_vars, limit)
    assert rollback.returncode == 0, rollback.explain()
    assert services(emulator, prefix)[f"{prefix}-backend"]["taskDefinition"] == before
    assert ecs.describe_task_definition(taskDefinition=released)["taskDefinition"]["status"] == "INACTIVE"

    # The inventory still says 1.0.0: the services are where it says, and a release finds nothing to do.
    again = run(emulator, "playbooks/service_release.yml", extra_vars, limit)
    assert again.returncode == 0, again.explain()
    assert again.changed == 0 and again.calls.writes == [], again.explain()

    # Nothing before 1.0.0's revision is ACTIVE: a second rollback is refused before any change.
    refused = run(emulator, "playbooks/service_rollback.yml", extra_vars, limit)
    assert refused.returncode != 0 and refused.calls.writes == []
    assert "is not ACTIVE" in refused.stdout, refused.explain()


def test_teardown_leaves_nothing_but_the_strict_examples_final_snapshots(converged, emulator, extra_vars):
    # The strict examples are all production environments: one confirmation names them all.
    removed = run(emulator, "playbooks/teardown.yml", {**extra_vars, "confirm_teardown": "production", "cdn_force_delete_bucket": True})
    assert removed.returncode == 0, removed.explain()
    snapshots = []
    for host in EXAMPLES:
        values = settings(host)
        assert leftovers(stack_resources(emulator, host, f"{values['project_name']}/{values['env_name']}", values["aws_region"])) == {}, host
        found = client(emulator, "rds", values["aws_region"]).describe_db_snapshots(SnapshotType="manual")["DBSnapshots"]
        kept = [s["DBSnapshotIdentifier"] for s in found if s["DBSnapshotIdentifier"].startswith(f"{host}-db-final-")]
        snapshots += kept
        assert bool(kept) is bool(values.get("database_final_snapshot")), (host, snapshots)
    print(json.dumps(sorted(snapshots)))
