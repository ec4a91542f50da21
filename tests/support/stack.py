"""Everything the collection creates for one environment, listed kind by kind from the emulator's APIs.

    found = stack_resources(emulator, "tracetrack-local")
    assert all(found.values())            # after site.yml: every kind exists
    assert not any(found.values())        # after teardown.yml: nothing is left

Names follow the roles: `<prefix>-...` for most resources, `<prefix>/...` for secrets and log groups,
`<project>/<env>` for the image repository. Deleted or deleting resources do not count.
"""

from tests.support.clients import REGION, emulator_client, every

# Kinds an environment has only with some settings: (kind, why it may be empty).
OPTIONAL_KINDS = {
    "kms_aliases": "secrets_kms_key_enabled",
    "waf_web_acls": "cdn_waf_enabled",
    "db_read_replicas": "database_read_replicas",
    "s3_buckets": "cdn_static_site_enabled",
    "sns_subscriptions": "monitoring_alert_emails",
    "ssm_parameters": "a release recorded by playbooks/deploy.yml",
}


def _tagged_name(resource: dict) -> str:
    return {t["Key"]: t["Value"] for t in resource.get("Tags", [])}.get("Name", "")


def _network(emulator, prefix: str, region: str) -> dict:
    ec2 = emulator_client(emulator, "ec2", region)
    vpcs = every(ec2, "describe_vpcs", "Vpcs", Filters=[{"Name": "tag:Name", "Values": [f"{prefix}-vpc"]}])
    vpc_ids = [v["VpcId"] for v in vpcs]
    in_vpcs = [{"Name": "vpc-id", "Values": vpc_ids}]
    found = {"vpcs": vpc_ids, "subnets": [], "security_groups": [], "route_tables": [], "internet_gateways": [], "nat_gateways": [], "flow_logs": []}
    if vpc_ids:
        found["subnets"] = [_tagged_name(s) for s in every(ec2, "describe_subnets", "Subnets", Filters=in_vpcs)]
        found["security_groups"] = [
            g["GroupName"] for g in every(ec2, "describe_security_groups", "SecurityGroups", Filters=in_vpcs) if g["GroupName"] != "default"
        ]
        found["route_tables"] = [
            _tagged_name(t)
            for t in every(ec2, "describe_route_tables", "RouteTables", Filters=in_vpcs)
            if not any(a.get("Main") for a in t.get("Associations", []))
        ]
        found["internet_gateways"] = [
            g["InternetGatewayId"]
            for g in every(ec2, "describe_internet_gateways", "InternetGateways", Filters=[{"Name": "attachment.vpc-id", "Values": vpc_ids}])
        ]
        found["flow_logs"] = [f["FlowLogId"] for f in every(ec2, "describe_flow_logs", "FlowLogs", Filters=[{"Name": "resource-id", "Values": vpc_ids}])]
    # NAT gateways and their addresses outlive a VPC that was deleted under them: look for them by name.
    nats = [n for n in every(ec2, "describe_nat_gateways", "NatGateways") if n["State"] not in ("deleted", "deleting") and _tagged_name(n).startswith(prefix)]
    found["nat_gateways"] = [n["NatGatewayId"] for n in nats]
    # The NAT gateways' addresses carry no tags: they are theirs by allocation, and released with them.
    allocations = {a["AllocationId"] for n in nats for a in n.get("NatGatewayAddresses", [])}
    found["elastic_ips"] = [a["AllocationId"] for a in every(ec2, "describe_addresses", "Addresses") if a["AllocationId"] in allocations]
    return found


def _identity_and_secrets(emulator, prefix: str, region: str) -> dict:
    iam = emulator_client(emulator, "iam", region)
    secrets = emulator_client(emulator, "secretsmanager", region)
    kms = emulator_client(emulator, "kms", region)
    logs = emulator_client(emulator, "logs", region)
    ssm = emulator_client(emulator, "ssm", region)
    return {
        "ssm_parameters": [p["Name"] for p in every(ssm, "get_parameters_by_path", "Parameters", Path=f"/{prefix}", Recursive=True)],
        "iam_roles": [r["RoleName"] for r in every(iam, "list_roles", "Roles") if r["RoleName"].startswith(prefix)],
        "secrets": [s["Name"] for s in every(secrets, "list_secrets", "SecretList") if s["Name"].startswith(f"{prefix}/")],
        # A key scheduled for deletion keeps its alias until AWS deletes it: it counts as removed (restorable).
        "kms_aliases": [
            a["AliasName"]
            for a in every(kms, "list_aliases", "Aliases")
            if a["AliasName"].startswith(f"alias/{prefix}") and kms.describe_key(KeyId=a["TargetKeyId"])["KeyMetadata"]["KeyState"] != "PendingDeletion"
        ],
        # The containers' logs, and the database's exported logs (RDS names those groups itself).
        "log_groups": [
            g["logGroupName"]
            for g in every(logs, "describe_log_groups", "logGroups")
            if g["logGroupName"].startswith((f"/{prefix}", f"/aws/rds/instance/{prefix}-db"))
        ],
    }


def _data(emulator, prefix: str, region: str) -> dict:
    rds = emulator_client(emulator, "rds", region)
    elasticache = emulator_client(emulator, "elasticache", region)
    instances = [i["DBInstanceIdentifier"] for i in every(rds, "describe_db_instances", "DBInstances") if i["DBInstanceIdentifier"].startswith(f"{prefix}-db")]
    return {
        "db_instances": [i for i in instances if "-replica-" not in i],
        "db_read_replicas": [i for i in instances if "-replica-" in i],
        "db_subnet_groups": [
            g["DBSubnetGroupName"] for g in every(rds, "describe_db_subnet_groups", "DBSubnetGroups") if g["DBSubnetGroupName"].startswith(prefix)
        ],
        "db_parameter_groups": [
            g["DBParameterGroupName"] for g in every(rds, "describe_db_parameter_groups", "DBParameterGroups") if g["DBParameterGroupName"].startswith(prefix)
        ],
        "cache_replication_groups": [
            g["ReplicationGroupId"]
            for g in every(elasticache, "describe_replication_groups", "ReplicationGroups")
            if g["ReplicationGroupId"].startswith(prefix)
        ],
        "cache_subnet_groups": [
            g["CacheSubnetGroupName"]
            for g in every(elasticache, "describe_cache_subnet_groups", "CacheSubnetGroups")
            if g["CacheSubnetGroupName"].startswith(prefix)
        ],
    }


def _compute(emulator, prefix: str, repository: str, region: str) -> dict:
    ecr = emulator_client(emulator, "ecr", region)
    ecs = emulator_client(emulator, "ecs", region)
    elbv2 = emulator_client(emulator, "elbv2", region)
    scaling = emulator_client(emulator, "application-autoscaling", region)
    clusters = [c for c in every(ecs, "describe_clusters", "clusters", clusters=[prefix]) if c["status"] == "ACTIVE"]
    services = []
    for cluster in clusters:
        arns = every(ecs, "list_services", "serviceArns", cluster=cluster["clusterArn"])
        if arns:
            services += [
                s["serviceName"] for s in every(ecs, "describe_services", "services", cluster=cluster["clusterArn"], services=arns) if s["status"] == "ACTIVE"
            ]
    return {
        "ecr_repositories": [r["repositoryName"] for r in every(ecr, "describe_repositories", "repositories") if r["repositoryName"] == repository],
        "ecs_clusters": [c["clusterName"] for c in clusters],
        "ecs_services": services,
        "ecs_task_definitions": [a for a in every(ecs, "list_task_definitions", "taskDefinitionArns", status="ACTIVE") if f":task-definition/{prefix}-" in a],
        "load_balancers": [b["LoadBalancerName"] for b in every(elbv2, "describe_load_balancers", "LoadBalancers") if b["LoadBalancerName"].startswith(prefix)],
        "target_groups": [g["TargetGroupName"] for g in every(elbv2, "describe_target_groups", "TargetGroups") if g["TargetGroupName"].startswith(prefix)],
        "scalable_targets": [
            t["ResourceId"]
            for t in every(scaling, "describe_scalable_targets", "ScalableTargets", ServiceNamespace="ecs")
            if t["ResourceId"].startswith(f"service/{prefix}/")
        ],
        "scaling_policies": [
            p["PolicyName"]
            for p in every(scaling, "describe_scaling_policies", "ScalingPolicies", ServiceNamespace="ecs")
            if p["ResourceId"].startswith(f"service/{prefix}/")
        ],
    }


def _edge_and_monitoring(emulator, prefix: str, region: str) -> dict:
    cloudfront = emulator_client(emulator, "cloudfront", region)
    wafv2 = emulator_client(emulator, "wafv2", region="us-east-1")
    s3 = emulator_client(emulator, "s3", region)
    sns = emulator_client(emulator, "sns", region)
    cloudwatch = emulator_client(emulator, "cloudwatch", region)
    xray = emulator_client(emulator, "xray", region)
    distributions = every(cloudfront, "list_distributions", "DistributionList.Items")
    topics = [t["TopicArn"] for t in every(sns, "list_topics", "Topics") if t["TopicArn"].rsplit(":", 1)[1].startswith(prefix)]
    subscriptions = [s["SubscriptionArn"] for s in every(sns, "list_subscriptions", "Subscriptions") if s["TopicArn"] in topics]
    return {
        "cloudfront_distributions": [d["Id"] for d in distributions if d.get("Comment", "").startswith(prefix)],
        "waf_web_acls": [a["Name"] for a in every(wafv2, "list_web_acls", "WebACLs", Scope="CLOUDFRONT") if a["Name"].startswith(prefix)],
        "s3_buckets": [b["Name"] for b in every(s3, "list_buckets", "Buckets") if b["Name"].startswith(prefix)],
        "sns_topics": topics,
        "sns_subscriptions": subscriptions,
        "cloudwatch_alarms": [a["AlarmName"] for a in every(cloudwatch, "describe_alarms", "MetricAlarms", AlarmNamePrefix=prefix)],
        "cloudwatch_dashboards": [d["DashboardName"] for d in every(cloudwatch, "list_dashboards", "DashboardEntries", DashboardNamePrefix=prefix)],
        "xray_groups": [g["GroupName"] for g in every(xray, "get_groups", "Groups") if g["GroupName"].startswith(prefix)],
        "xray_sampling_rules": [
            r["SamplingRule"]["RuleName"] for r in every(xray, "get_sampling_rules", "SamplingRuleRecords") if r["SamplingRule"]["RuleName"].startswith(prefix)
        ],
    }


def stack_resources(emulator, prefix: str, repository: str, region: str = REGION) -> dict[str, list[str]]:
    """Every resource kind the collection creates in `region`, mapped to what the emulator holds of it for `prefix`."""
    return {
        **_network(emulator, prefix, region),
        **_identity_and_secrets(emulator, prefix, region),
        **_data(emulator, prefix, region),
        **_compute(emulator, prefix, repository, region),
        **_edge_and_monitoring(emulator, prefix, region),
    }


def missing_kinds(found: dict[str, list[str]], optional: set[str] = frozenset()) -> list[str]:
    """The kinds with nothing in them, except those the environment's settings leave out."""
    return [kind for kind, names in found.items() if not names and kind not in optional]


def leftovers(found: dict[str, list[str]]) -> dict[str, list[str]]:
    return {kind: names for kind, names in found.items() if names}
