"""The example environments of inventories/examples (seeds 000, 002, 003 and 004) against the emulator.

All five converge in one ansible-playbook run (one host per example, -i each inventory), as an operator would run
several environments at once. In order: site.yml; each example's shape as its seed asks; a re-run that writes
nothing; audit.yml finding nothing; MigrateAI's release of a new version and its rollback to the previous task
definition; teardown.yml leaving nothing but the final snapshots of the strict examples.
"""

import json

import pytest
import yaml

from tests.support.certificates import self_signed_certificate
from tests.support.clients import emulator_client
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
    routes = {
        tuple(c["PathPatternConfig"]["Values"]): r["Actions"][-1].get("TargetGroupArn") for r in rules for c in r["Conditions"] if c["Field"] == "path-pattern"
    }
    assert routes[("/api/*",)] == target_group(emulator, f"{prefix}-backend")["TargetGroupArn"]
    assert routes[("/*",)] == target_group(emulator, f"{prefix}-frontend")["TargetGroupArn"]
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
    assert origins[paths["/api/*"]]["DomainName"] == client(emulator, "elbv2").describe_load_balancers(Names=[f"{prefix}-alb"])["LoadBalancers"][0]["DNSName"]


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


def test_rerun_changes_nothing_and_writes_nothing(converged, emulator, extra_vars):
    second = run(emulator, "playbooks/site.yml", extra_vars)
    assert second.returncode == 0, second.explain()
    assert second.changed == 0, second.explain()
    assert second.calls.writes == []


def test_every_example_passes_the_audit(converged, emulator, extra_vars):
    audit = run(emulator, "playbooks/audit.yml", extra_vars)
    assert audit.returncode == 0, audit.explain()
    assert audit.calls.writes == []


def test_migrateai_releases_a_new_version_and_rolls_back_to_the_previous_task_definition(converged, emulator, extra_vars):
    prefix = "migrateai-production"
    limit = ["--limit", prefix]
    before = services(emulator, prefix)[f"{prefix}-backend"]["taskDefinition"]

    release = run(emulator, "playbooks/service_release.yml", {**extra_vars, "migrateai_version": "1.1.0"}, limit)
    assert release.returncode == 0, release.explain()
    # Only the task definition and the service changed: the load balancer still requires CloudFront's header.
    assert {c.operation for c in release.calls.calls if not c.is_read} <= {"RegisterTaskDefinition", "UpdateService", "TagResource"}, release.calls.writes
    released = services(emulator, prefix)[f"{prefix}-backend"]["taskDefinition"]
    assert released != before and container(emulator, {"taskDefinition": released})["image"].endswith(":1.1.0")

    rollback = run(emulator, "playbooks/service_rollback.yml", extra_vars, limit)
    assert rollback.returncode == 0, rollback.explain()
    assert services(emulator, prefix)[f"{prefix}-backend"]["taskDefinition"] == before
    ecs = client(emulator, "ecs")
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
