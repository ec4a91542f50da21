"""tracetrack.aws.security_findings: the audit's baseline rules, one resource kind at a time."""

import pytest

from ansible.errors import AnsibleFilterError
from ansible_collections.tracetrack.aws.plugins.filter.security_findings import security_findings

ENV = {
    "name": "production",
    "strict": True,
    "waf_required": True,
    "distribution_expected": True,
    "alb_security_group": "tp-alb",
    "alb_open_ports": [80, 443],
    "db_instance_id": "tp-db",
    "cache_replication_group_id": "tp-cache",
    "iam_resource_wildcard_actions": ["ecr:GetAuthorizationToken", "xray:*"],
}
DB = {
    "db_instance_identifier": "tp-db",
    "publicly_accessible": False,
    "storage_encrypted": True,
    "backup_retention_period": 7,
    "deletion_protection": True,
    "db_instance_automated_backups_replications": [{"db_instance_automated_backups_arn": "arn:aws:rds:ap-southeast-1:1:auto-backup:ab-1"}],
}
REPLICA = {
    **DB,
    "db_instance_identifier": "tp-db-replica-1",
    "read_replica_source_db_instance_identifier": "tp-db",
    "deletion_protection": False,
    "backup_retention_period": 0,
}
GROUP = {"replication_group_id": "tp-cache", "at_rest_encryption_enabled": True, "transit_encryption_enabled": True, "snapshot_retention_limit": 7}
CLUSTERS = [{"cache_cluster_id": "tp-cache-001", "replication_group": GROUP}, {"cache_cluster_id": "tp-cache-002", "replication_group": GROUP}]
ALB = {
    "group_name": "tp-alb",
    "group_id": "sg-1",
    "ip_permissions": [
        {"ip_protocol": "tcp", "from_port": 80, "to_port": 80, "ip_ranges": [{"cidr_ip": "0.0.0.0/0"}], "ipv6_ranges": [{"cidr_ipv6": "::/0"}]},
        {"ip_protocol": "tcp", "from_port": 443, "to_port": 443, "ip_ranges": [{"cidr_ip": "0.0.0.0/0"}]},
    ],
}
DATABASE_SG = {
    "group_name": "tp-database",
    "group_id": "sg-2",
    "ip_permissions": [
        {"ip_protocol": "tcp", "from_port": 5432, "to_port": 5432, "ip_ranges": [], "user_id_group_pairs": [{"group_id": "sg-3"}]},
    ],
}
POLICY = {
    "role": "tp-ecs-execution",
    "policy_name": "start-tasks",
    "document": {
        "Statement": [
            {"Sid": "RegistryLogin", "Effect": "Allow", "Action": "ecr:GetAuthorizationToken", "Resource": "*"},
            {"Sid": "Traces", "Effect": "Allow", "Action": ["xray:PutTraceSegments"], "Resource": "*"},
            {"Sid": "Pull", "Effect": "Allow", "Action": ["ecr:BatchGetImage"], "Resource": "arn:aws:ecr:ap-south-1:1:repository/tp"},
            {"Effect": "Deny", "Action": "*", "Resource": "*"},
        ]
    },
}
ORIGIN = {"Id": "alb", "CustomOriginConfig": {"OriginProtocolPolicy": "https-only"}}
CERTIFICATE = {
    "CloudFrontDefaultCertificate": False,
    "ACMCertificateArn": "arn:aws:acm:us-east-1:1:certificate/c",
    "MinimumProtocolVersion": "TLSv1.2_2021",
    "SSLSupportMethod": "sni-only",
}
DISTRIBUTION = {
    "Id": "E1",
    "WebACLId": "arn:aws:wafv2:us-east-1:1:global/webacl/tp-cdn/1",
    "Origins": {"Quantity": 2, "Items": [ORIGIN, {"Id": "site", "S3OriginConfig": {"OriginAccessIdentity": ""}}]},
    "ViewerCertificate": CERTIFICATE,
    "DefaultCacheBehavior": {"ViewerProtocolPolicy": "redirect-to-https"},
    "CacheBehaviors": {
        "Quantity": 2,
        "Items": [{"PathPattern": "/static/*", "ViewerProtocolPolicy": "redirect-to-https"}, {"PathPattern": "/api/*", "ViewerProtocolPolicy": "https-only"}],
    },
}
ALARMS = [{"alarm_name": "tp-db-cpu-warning", "actions_enabled": True}, {"alarm_name": "tp-db-cpu-critical", "actions_enabled": True}]


def inputs(**changes):
    base = {
        "environment": ENV,
        "db_instances": [DB, REPLICA],
        "cache_clusters": CLUSTERS,
        "security_groups": [ALB, DATABASE_SG],
        "iam_policies": [POLICY],
        "iam_attached_policies": [],
        "expected_alarms": ["tp-db-cpu-warning", "tp-db-cpu-critical"],
        "alarms": ALARMS,
        "distributions": [DISTRIBUTION],
    }
    return {**base, **changes}


def rules(found):
    return [(f["rule"], f["resource"]) for f in found]


def test_a_compliant_environment_has_no_findings():
    assert security_findings(inputs()) == []


def test_a_public_unencrypted_database_without_backups_or_protection():
    bad = {
        **DB,
        "publicly_accessible": True,
        "storage_encrypted": False,
        "backup_retention_period": 0,
        "deletion_protection": False,
        "db_instance_automated_backups_replications": [],
    }
    assert rules(security_findings(inputs(db_instances=[bad]))) == [
        ("backups-off", "rds tp-db"),
        ("no-cross-region-backups", "rds tp-db"),
        ("no-deletion-protection", "rds tp-db"),
        ("public-database", "rds tp-db"),
        ("unencrypted-storage", "rds tp-db"),
    ]


def test_deletion_protection_is_required_in_strict_environments_only():
    unprotected = {**DB, "deletion_protection": False}
    assert rules(security_findings(inputs(db_instances=[unprotected]))) == [("no-deletion-protection", "rds tp-db")]
    assert security_findings(inputs(db_instances=[unprotected], environment={**ENV, "strict": False})) == []


def test_cross_region_backups_are_required_of_a_strict_environments_primary_only():
    local_only = {k: v for k, v in DB.items() if k != "db_instance_automated_backups_replications"}
    assert rules(security_findings(inputs(db_instances=[local_only, REPLICA]))) == [("no-cross-region-backups", "rds tp-db")]
    assert security_findings(inputs(db_instances=[local_only], environment={**ENV, "strict": False})) == []


def test_a_missing_database_is_reported():
    assert rules(security_findings(inputs(db_instances=[]))) == [("missing-resource", "rds tp-db")]


def test_cache_without_encryption_or_snapshots():
    bad = {**GROUP, "at_rest_encryption_enabled": False, "transit_encryption_enabled": False, "snapshot_retention_limit": 0}
    found = security_findings(inputs(cache_clusters=[{"cache_cluster_id": "tp-cache-001", "replication_group": bad}]))
    assert [f["detail"] for f in found] == [
        "SnapshotRetentionLimit is 0 (no automatic snapshots)",
        "AtRestEncryptionEnabled is false",
        "TransitEncryptionEnabled is false",
    ]


@pytest.mark.parametrize(
    "group, rule",
    [
        (
            DATABASE_SG | {"ip_permissions": [{"ip_protocol": "tcp", "from_port": 5432, "to_port": 5432, "ip_ranges": [{"cidr_ip": "0.0.0.0/0"}]}]},
            "tcp/5432 open to 0.0.0.0/0",
        ),
        (DATABASE_SG | {"ip_permissions": [{"ip_protocol": "-1", "ipv6_ranges": [{"cidr_ipv6": "::/0"}]}]}, "all traffic open to ::/0"),
        (
            ALB | {"ip_permissions": [{"ip_protocol": "tcp", "from_port": 22, "to_port": 22, "ip_ranges": [{"cidr_ip": "0.0.0.0/0"}]}]},
            "tcp/22 open to 0.0.0.0/0",
        ),
        (
            ALB | {"ip_permissions": [{"ip_protocol": "tcp", "from_port": 0, "to_port": 65535, "ip_ranges": [{"cidr_ip": "0.0.0.0/0"}]}]},
            "tcp/0-65535 open to 0.0.0.0/0",
        ),
    ],
)
def test_world_open_ingress_beyond_the_load_balancers_web_ports(group, rule):
    groups = [g for g in (ALB, DATABASE_SG) if g["group_name"] != group["group_name"]] + [group]
    found = security_findings(inputs(security_groups=groups))
    assert [(f["rule"], f["detail"]) for f in found] == [("world-open-ingress", rule)]


def test_a_private_range_is_not_the_world():
    group = DATABASE_SG | {"ip_permissions": [{"ip_protocol": "tcp", "from_port": 5432, "to_port": 5432, "ip_ranges": [{"cidr_ip": "10.0.0.0/8"}]}]}
    assert security_findings(inputs(security_groups=[ALB, group])) == []


@pytest.mark.parametrize(
    "statement, rule, detail",
    [
        ({"Sid": "All", "Effect": "Allow", "Action": "*", "Resource": "*"}, "iam-wildcard-action", "statement All allows *"),
        ({"Sid": "S3", "Effect": "Allow", "Action": ["s3:*"], "Resource": "arn:aws:s3:::b"}, "iam-wildcard-action", "statement S3 allows s3:*"),
        (
            {"Sid": "Get", "Effect": "Allow", "Action": ["secretsmanager:GetSecretValue"], "Resource": "*"},
            "iam-wildcard-resource",
            'statement Get allows secretsmanager:GetSecretValue on Resource "*"',
        ),
        ({"Effect": "Allow", "NotAction": "iam:*", "Resource": "arn:aws:s3:::b"}, "iam-wildcard-action", "statement #0 allows NotAction (every other action)"),
    ],
)
def test_iam_wildcards(statement, rule, detail):
    policy = {"role": "tp-ecs-task", "policy_name": "application", "document": {"Statement": [statement]}}
    found = [f for f in security_findings(inputs(iam_policies=[policy])) if f["rule"] == rule]
    assert [f["detail"] for f in found] == [detail]


def test_resource_wildcard_is_allowed_only_for_actions_without_resource_permissions():
    mixed = {"Sid": "Mixed", "Effect": "Allow", "Action": ["ecr:GetAuthorizationToken", "ecr:BatchGetImage"], "Resource": "*"}
    policy = {"role": "r", "policy_name": "p", "document": {"Statement": mixed}}
    (found,) = security_findings(inputs(iam_policies=[policy]))
    assert found["detail"] == 'statement Mixed allows ecr:BatchGetImage on Resource "*"'


def test_attached_managed_policies_are_reported():
    found = security_findings(inputs(iam_attached_policies=[{"role": "tp-ecs-task", "policy_name": "AdministratorAccess"}]))
    assert rules(found) == [("iam-managed-policy", "iam-role tp-ecs-task")]


def test_missing_and_silenced_alarms():
    alarms = [{"alarm_name": "tp-db-cpu-warning", "actions_enabled": False}]
    assert rules(security_findings(inputs(alarms=alarms))) == [
        ("alarm-actions-off", "alarm tp-db-cpu-warning"),
        ("missing-alarm", "alarm tp-db-cpu-critical"),
    ]


def test_plain_http_behaviours_and_a_missing_waf():
    distribution = {**DISTRIBUTION, "WebACLId": "", "CacheBehaviors": {"Items": [{"PathPattern": "/api/*", "ViewerProtocolPolicy": "allow-all"}]}}
    found = security_findings(inputs(distributions=[distribution]))
    assert [(f["rule"], f["detail"]) for f in found] == [
        ("http-api", "behaviour /api/* takes HTTP requests (ViewerProtocolPolicy allow-all)"),
        ("http-only-cdn", "behaviour /api/* serves plain HTTP (ViewerProtocolPolicy allow-all)"),
        ("waf-missing", "no web ACL (cdn_waf_enabled or a strict environment requires one)"),
    ]
    assert security_findings(inputs(distributions=[{**DISTRIBUTION, "WebACLId": ""}], environment={**ENV, "waf_required": False})) == []


def test_the_api_over_http_is_a_finding_everywhere_and_an_http_origin_where_the_environment_is_strict():
    redirect = {**DISTRIBUTION, "CacheBehaviors": {"Items": [{"PathPattern": "/api/*", "ViewerProtocolPolicy": "redirect-to-https"}]}}
    found = security_findings(inputs(distributions=[redirect], environment={**ENV, "strict": False}))
    assert [(f["rule"], f["detail"]) for f in found] == [("http-api", "behaviour /api/* takes HTTP requests (ViewerProtocolPolicy redirect-to-https)")]
    plain = {**DISTRIBUTION, "Origins": {"Items": [{**ORIGIN, "CustomOriginConfig": {"OriginProtocolPolicy": "http-only"}}]}}
    assert [(f["rule"], f["detail"]) for f in security_findings(inputs(distributions=[plain]))] == [
        ("http-origin", "origin alb is reached with http-only, not HTTPS only")
    ]
    assert security_findings(inputs(distributions=[plain], environment={**ENV, "strict": False})) == []
    assert security_findings(inputs(distributions=[redirect], environment={**ENV, "https_only_paths": []})) == []


def test_a_custom_viewer_certificate_needs_tls_1_2_2021_and_the_default_one_is_not_judged():
    old = {**DISTRIBUTION, "ViewerCertificate": {**CERTIFICATE, "MinimumProtocolVersion": "TLSv1.1_2016"}}
    assert [(f["rule"], f["detail"]) for f in security_findings(inputs(distributions=[old]))] == [
        ("weak-viewer-tls", "viewers may use TLSv1.1_2016 (TLSv1.2_2021 at least)")
    ]
    default = {**DISTRIBUTION, "ViewerCertificate": {"CloudFrontDefaultCertificate": True, "MinimumProtocolVersion": "TLSv1"}}
    assert security_findings(inputs(distributions=[default])) == []


def test_a_missing_distribution_is_reported():
    assert rules(security_findings(inputs(distributions=[]))) == [("missing-resource", "cloudfront production")]


def test_a_service_given_the_master_or_owner_credentials_is_a_finding():
    env = {**ENV, "oneoff_only_secrets": ["tp/database-master", "tp/database-users"]}
    arn = "arn:aws:secretsmanager:ap-south-1:1:secret:"
    definitions = [
        {
            "service": "tp-web",
            "container_definitions": [
                {
                    "name": "web",
                    "secrets": [
                        {"name": "DATABASE_URL", "value_from": f"{arn}tp/app-AbCdEf:DATABASE_URL::"},
                        {"name": "DATABASE_PASSWORD", "value_from": f"{arn}tp/database-master-AbCdEf:password::"},
                        {"name": "OWNER", "value_from": f"{arn}tp/database-users-AbCdEf:owner_password::"},
                    ],
                }
            ],
        },
        {
            "service": "tp-worker",
            "container_definitions": [{"name": "worker", "secrets": [{"name": "DATABASE_URL", "value_from": f"{arn}tp/app-AbCdEf:DATABASE_URL::"}]}],
        },
    ]
    found = [f for f in security_findings({"environment": env, "task_definitions": definitions}) if f["rule"] != "missing-resource"]
    assert [(f["rule"], f["resource"], f["detail"]) for f in found] == [
        ("oneoff-secret-in-service", "ecs service tp-web", "container web reads DATABASE_PASSWORD from tp/database-master-AbCdEf:password::"),
        ("oneoff-secret-in-service", "ecs service tp-web", "container web reads OWNER from tp/database-users-AbCdEf:owner_password::"),
    ]


@pytest.mark.parametrize("bad", [None, [], {"db_instances": []}, {"environment": {}}])
def test_bad_input_is_refused(bad):
    with pytest.raises(AnsibleFilterError):
        security_findings(bad)
