"""The tiers' settings filters (preflight, network, registry, secrets): sound settings pass, and each bad setting
gives exactly one problem, which starts with the variable at fault."""

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.tracetrack.aws.plugins.filter.cdn_settings_errors import cdn_settings_errors
from ansible_collections.tracetrack.aws.plugins.filter.monitoring_settings_errors import monitoring_settings_errors
from ansible_collections.tracetrack.aws.plugins.filter.network_settings_errors import network_settings_errors
from ansible_collections.tracetrack.aws.plugins.filter.preflight_settings_errors import preflight_settings_errors
from ansible_collections.tracetrack.aws.plugins.filter.registry_settings_errors import registry_settings_errors
from ansible_collections.tracetrack.aws.plugins.filter.secrets_settings_errors import secrets_settings_errors

EDGE_CERTIFICATE = "arn:aws:acm:us-east-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b"
PREFLIGHT = {"env_name": "production", "project_name": "tracetrack", "resource_prefix": "tracetrack-production", "aws_region": "eu-west-1"}
# A strict environment names its account.
PREFLIGHT_STRICT = {**PREFLIGHT, "env_strict": True, "env_aws_account_id": "123456789012"}
NETWORK = {
    "network_state": "present",
    "network_name_prefix": "tracetrack-local",
    "network_vpc_cidr": "10.20.0.0/16",
    "network_az_count": 2,
    "network_availability_zones": [],
    "network_public_subnet_cidrs": ["10.20.0.0/24", "10.20.1.0/24"],
    "network_app_subnet_cidrs": ["10.20.10.0/24", "10.20.11.0/24"],
    "network_data_subnet_cidrs": ["10.20.20.0/24", "10.20.21.0/24"],
    "network_nat_gateway_mode": "single",
    "network_app_ports": [8000],
    "network_alb_ingress_cidrs": ["0.0.0.0/0"],
    "network_database_port": 5432,
    "network_cache_port": 6379,
    "network_strict": False,
}
REGISTRY = {
    "registry_state": "present",
    "registry_repository_name": "tracetrack/local",
    "registry_keep_images": 20,
    "registry_untagged_expiry_days": 7,
    "registry_scan_on_push": True,
    "registry_immutable_tags": True,
    "registry_strict": False,
}
SECRETS = {
    "secrets_name_prefix": "tracetrack-local",
    "secrets_database_username": "tracetrack",
    "secrets_admin_username": "admin",
    "secrets_database_password_length": 32,
    "secrets_admin_password_length": 24,
    "secrets_app_secret_key_length": 64,
    "secrets_redis_auth_token_length": 64,
    "secrets_scanner_key_length": 40,
    "secrets_metrics_token_length": 40,
    "secrets_rotate": False,
    "secrets_rotate_kinds": [],
    "secrets_scanner_devices": ["scanner-01", "scanner-02"],
    "secrets_recovery_window_days": 7,
    "secrets_kms_key_deletion_window_days": 30,
    "secrets_strict": False,
}
CDN = {
    "cdn_state": "present",
    "cdn_name_prefix": "tracetrack-local",
    "cdn_alb_name": "tracetrack-local-alb",
    "cdn_origin_domain_name": "",
    "cdn_origin_read_timeout": 30,
    "cdn_origin_header_name": "X-Origin-Verify",
    "cdn_origin_header_length": 48,
    "cdn_cached_path_patterns": ["/static/*"],
    "cdn_uncached_path_patterns": ["/api/*", "/health*"],
    "cdn_cached_cache_policy_id": "658327ea-f89d-4fab-a63d-7e88639e58f6",
    "cdn_uncached_cache_policy_id": "4135ea2d-6df8-44a3-9df3-4b5a84be39ad",
    "cdn_uncached_origin_request_policy_id": "216adef6-5c7f-47e4-b989-5492eafa07d3",
    "cdn_waf_enabled": False,
    "cdn_waf_rate_limit": 2000,
    "cdn_waf_api_key_rate_limit": 1500,
    "cdn_waf_session_rate_limit": 1500,
    "cdn_waf_api_key_header": "X-API-Key",
    "cdn_waf_session_cookie": "tracetrack_session",
    "cdn_https_only_path_patterns": ["/api/*"],
    "cdn_aliases": [],
    "cdn_certificate_arn": "",
    "cdn_origin_protocol": "auto",
    "cdn_static_site_enabled": False,
    "cdn_static_site_dir": "",
    "cdn_static_site_bucket": "",
    "cdn_static_site_index": "index.html",
    "cdn_static_site_spa": False,
    "cdn_static_site_spa_error_codes": [403, 404],
    "cdn_wait_timeout": 1800,
    "cdn_secret_recovery_window_days": 0,
    "cdn_strict": False,
}
# Production's edge: WAF, HTTPS to the origin by a name the load balancer's certificate covers, restorable secret.
CDN_STRICT = {
    **CDN,
    "cdn_strict": True,
    "cdn_waf_enabled": True,
    "cdn_origin_domain_name": "origin.tracetrack.example.com",
    "cdn_secret_recovery_window_days": 30,
    "cdn_aliases": ["track.example.com"],
    "cdn_certificate_arn": EDGE_CERTIFICATE,
}
THRESHOLD_DEFAULTS = {
    "monitoring_ecs_cpu_warning_percent": 70,
    "monitoring_ecs_cpu_critical_percent": 90,
    "monitoring_ecs_memory_warning_percent": 80,
    "monitoring_ecs_memory_critical_percent": 90,
    "monitoring_alb_5xx_rate_warning_percent": 1,
    "monitoring_alb_5xx_rate_critical_percent": 5,
    "monitoring_alb_p95_warning_seconds": 0.1,
    "monitoring_alb_p95_critical_seconds": 0.2,
    "monitoring_db_cpu_warning_percent": 70,
    "monitoring_db_cpu_critical_percent": 90,
    "monitoring_db_connections_warning_percent": 80,
    "monitoring_db_connections_critical_percent": 95,
    "monitoring_db_free_storage_warning_percent": 20,
    "monitoring_db_free_storage_critical_percent": 10,
    "monitoring_cache_cpu_warning_percent": 70,
    "monitoring_cache_cpu_critical_percent": 90,
    "monitoring_cache_memory_warning_percent": 80,
    "monitoring_cache_memory_critical_percent": 90,
    "monitoring_cache_evictions_warning": 0,
    "monitoring_cache_evictions_critical": 1000,
    "monitoring_cache_hit_rate_warning_percent": 95,
    "monitoring_cache_hit_rate_critical_percent": 80,
}
MONITORING = {
    "monitoring_state": "present",
    "monitoring_name_prefix": "tracetrack-local",
    "monitoring_alert_emails": [],
    "monitoring_ecs_cluster": "tracetrack-local",
    "monitoring_ecs_services": ["web"],
    "monitoring_service_thresholds": {"web": {"cpu_warning_percent": 80, "cpu_critical_percent": 95, "p95_warning_seconds": 0.3, "p95_critical_seconds": 1}},
    "monitoring_alb_name": "tracetrack-local-alb",
    "monitoring_database_enabled": True,
    "monitoring_db_instance_id": "tracetrack-local-db",
    "monitoring_db_max_connections": 100,
    "monitoring_db_allocated_storage_gb": 20,
    "monitoring_cache_replication_group_id": "tracetrack-local-cache",
    "monitoring_period_seconds": 60,
    "monitoring_evaluation_periods": 5,
    "monitoring_datapoints_to_alarm": 3,
    "monitoring_deploy_error_rate_percent": 10,
    "monitoring_deploy_error_rate_minutes": 2,
    "monitoring_deploy_p95_seconds": 0.5,
    "monitoring_deploy_p95_minutes": 5,
    "monitoring_xray_filter_expression": 'service("tracetrack-local-web")',
    "monitoring_xray_sampling_priority": 1000,
    "monitoring_xray_sampling_reservoir_size": 1,
    "monitoring_xray_sampling_fixed_rate": 0.05,
    "monitoring_strict": False,
    **THRESHOLD_DEFAULTS,
    "_defaults": THRESHOLD_DEFAULTS,
}
FILTERS = [
    (cdn_settings_errors, CDN),
    (cdn_settings_errors, CDN_STRICT),
    (monitoring_settings_errors, MONITORING),
    (preflight_settings_errors, PREFLIGHT),
    (preflight_settings_errors, PREFLIGHT_STRICT),
    (network_settings_errors, NETWORK),
    (registry_settings_errors, REGISTRY),
    (secrets_settings_errors, SECRETS),
]


@pytest.mark.parametrize("check, sound", FILTERS)
def test_sound_settings_have_no_problem(check, sound):
    assert check(sound) == []


@pytest.mark.parametrize("check, _sound", FILTERS)
def test_the_input_must_be_the_settings_by_name(check, _sound):
    with pytest.raises(AnsibleFilterError, match="dictionary of the role's settings"):
        check(["not", "a", "dict"])


BAD = [
    (cdn_settings_errors, CDN, {"cdn_waf_api_key_rate_limit": 5}, "cdn_waf_api_key_rate_limit 5 must be 10-2000000000"),
    (cdn_settings_errors, CDN, {"cdn_waf_session_rate_limit": "many"}, "cdn_waf_session_rate_limit 'many' must be 10-2000000000"),
    (cdn_settings_errors, CDN, {"cdn_waf_api_key_header": "X API Key"}, "cdn_waf_api_key_header 'X API Key' must be a header"),
    (cdn_settings_errors, CDN, {"cdn_waf_session_cookie": "a;b"}, "cdn_waf_session_cookie 'a;b' must be a cookie name"),
    (cdn_settings_errors, CDN, {"cdn_https_only_path_patterns": ["/v1/*"]}, "cdn_https_only_path_patterns ['/v1/*'] holds '/v1/*', which is no"),
    (cdn_settings_errors, CDN, {"cdn_aliases": ["track.example.com"]}, "cdn_certificate_arn '' is empty: the aliases"),
    (cdn_settings_errors, CDN, {"cdn_aliases": ["Track Example"], "cdn_certificate_arn": EDGE_CERTIFICATE}, "cdn_aliases ['Track Example']"),
    (cdn_settings_errors, CDN, {"cdn_certificate_arn": EDGE_CERTIFICATE.replace("us-east-1", "eu-west-1")}, "cdn_certificate_arn 'arn:aws:acm:eu-west-1"),
    (cdn_settings_errors, CDN_STRICT, {"cdn_origin_protocol": "http-only"}, "cdn_origin_protocol 'http-only' is not allowed in a strict"),
    (cdn_settings_errors, CDN_STRICT, {"cdn_origin_domain_name": ""}, "cdn_origin_domain_name '' is not allowed in a strict"),
    (cdn_settings_errors, CDN, {"cdn_name_prefix": "CDN"}, "cdn_name_prefix 'CDN'"),
    (cdn_settings_errors, CDN, {"cdn_alb_name": "-alb"}, "cdn_alb_name '-alb'"),
    (cdn_settings_errors, CDN, {"cdn_origin_domain_name": "Example.COM"}, "cdn_origin_domain_name 'Example.COM'"),
    (cdn_settings_errors, CDN, {"cdn_origin_read_timeout": 300}, "cdn_origin_read_timeout 300 must be a whole number 1-120"),
    (cdn_settings_errors, CDN, {"cdn_origin_header_name": "Host"}, "cdn_origin_header_name 'Host' is a header CloudFront does not"),
    (cdn_settings_errors, CDN, {"cdn_origin_header_name": "X-Amz-Secret"}, "cdn_origin_header_name 'X-Amz-Secret' must be"),
    (cdn_settings_errors, CDN, {"cdn_origin_header_length": 8}, "cdn_origin_header_length 8"),
    (cdn_settings_errors, CDN, {"cdn_uncached_path_patterns": ["api/*"]}, "cdn_uncached_path_patterns ['api/*'] holds 'api/*'"),
    (cdn_settings_errors, CDN, {"cdn_uncached_path_patterns": ["/static/*"]}, "cdn_uncached_path_patterns ['/static/*'] holds '/static/*', which"),
    (cdn_settings_errors, CDN, {"cdn_uncached_path_patterns": [f"/p{n}/*" for n in range(24)] + ["/api/*"]}, "cdn_uncached_path_patterns"),
    (cdn_settings_errors, CDN, {"cdn_cached_cache_policy_id": "CachingOptimized"}, "cdn_cached_cache_policy_id 'CachingOptimized'"),
    (cdn_settings_errors, CDN, {"cdn_waf_rate_limit": 5}, "cdn_waf_rate_limit 5 must be 10-2000000000"),
    (cdn_settings_errors, CDN, {"cdn_static_site_enabled": True, "cdn_static_site_dir": "/nonexistent/site"}, "cdn_static_site_dir '/nonexistent/site'"),
    (
        cdn_settings_errors,
        CDN,
        {"cdn_static_site_enabled": True, "cdn_static_site_dir": "/", "cdn_static_site_spa": True, "cdn_static_site_spa_error_codes": [302]},
        "cdn_static_site_spa_error_codes [302] must list",
    ),
    (cdn_settings_errors, CDN, {"cdn_wait_timeout": 5}, "cdn_wait_timeout 5 must be at least 60"),
    (cdn_settings_errors, CDN, {"cdn_secret_recovery_window_days": 3}, "cdn_secret_recovery_window_days 3"),
    (cdn_settings_errors, CDN_STRICT, {"cdn_waf_enabled": False}, "cdn_waf_enabled False is not allowed in a strict"),
    (cdn_settings_errors, CDN_STRICT, {"cdn_secret_recovery_window_days": 0}, "cdn_secret_recovery_window_days 0 is not allowed"),
    (monitoring_settings_errors, MONITORING, {"monitoring_name_prefix": "m"}, "monitoring_name_prefix 'm'"),
    (monitoring_settings_errors, MONITORING, {"monitoring_alb_name": "a" * 40}, "monitoring_alb_name 'aaaa"),
    (monitoring_settings_errors, MONITORING, {"monitoring_ecs_services": ["Web"]}, "monitoring_ecs_services ['Web'] holds 'Web'"),
    (
        monitoring_settings_errors,
        MONITORING,
        {"monitoring_service_thresholds": {"web": {"cpu_warning_percent": 95}}},
        "monitoring_service_thresholds {'web': {'cpu_warning_percent': 95}} service 'web' cpu: warning 95.0 and critical 90.0",
    ),
    (
        monitoring_settings_errors,
        MONITORING,
        {"monitoring_service_thresholds": {"web": {"p95_warning_seconds": 0.5}}},
        "monitoring_service_thresholds {'web': {'p95_warning_seconds': 0.5}} service 'web' p95: warning 0.5 and critical 0.2 must be numbers of seconds",
    ),
    (
        monitoring_settings_errors,
        MONITORING,
        {"monitoring_service_thresholds": {"web": {"error_rate_critical_percent": 120}}},
        "monitoring_service_thresholds {'web': {'error_rate_critical_percent': 120}} service 'web' error_rate: warning 1.0 and critical 120.0 must be",
    ),
    (
        monitoring_settings_errors,
        MONITORING,
        {"monitoring_service_thresholds": {"web": {"latency": 1}}},
        "monitoring_service_thresholds {'web': {'latency': 1}} service 'web' sets ['latency']",
    ),
    (
        monitoring_settings_errors,
        MONITORING,
        {"monitoring_service_thresholds": {"web": {"deploy_error_rate_percent": 150}}},
        "monitoring_service_thresholds {'web': {'deploy_error_rate_percent': 150}} service 'web' deploy_error_rate_percent 150 must be a number above 0 and",
    ),
    (
        monitoring_settings_errors,
        MONITORING,
        {"monitoring_service_thresholds": {"web": {"deploy_p95_seconds": 0}}},
        "monitoring_service_thresholds {'web': {'deploy_p95_seconds': 0}} service 'web' deploy_p95_seconds 0 must be a number of seconds above 0",
    ),
    (monitoring_settings_errors, MONITORING, {"monitoring_deploy_error_rate_percent": 0}, "monitoring_deploy_error_rate_percent 0 must be a number above 0"),
    (monitoring_settings_errors, MONITORING, {"monitoring_deploy_error_rate_percent": 101}, "monitoring_deploy_error_rate_percent 101 must be a number"),
    (monitoring_settings_errors, MONITORING, {"monitoring_deploy_p95_seconds": "slow"}, "monitoring_deploy_p95_seconds 'slow' must be a number of"),
    (monitoring_settings_errors, MONITORING, {"monitoring_deploy_p95_seconds": -0.5}, "monitoring_deploy_p95_seconds -0.5 must be a number of seconds above 0"),
    (monitoring_settings_errors, MONITORING, {"monitoring_deploy_error_rate_minutes": 0}, "monitoring_deploy_error_rate_minutes 0 must be a whole number"),
    (monitoring_settings_errors, MONITORING, {"monitoring_deploy_p95_minutes": 61}, "monitoring_deploy_p95_minutes 61 must be a whole number of minutes, 1-60"),
    (monitoring_settings_errors, MONITORING, {"monitoring_deploy_p95_minutes": 2.5}, "monitoring_deploy_p95_minutes 2.5 must be a whole number"),
    (monitoring_settings_errors, MONITORING, {"monitoring_cache_hit_rate_critical_percent": 99}, "monitoring_cache_hit_rate_critical_percent 99 must be below"),
    (monitoring_settings_errors, MONITORING, {"monitoring_alert_emails": ["not-an-address"]}, "monitoring_alert_emails ['not-an-address'] holds"),
    (monitoring_settings_errors, MONITORING, {"monitoring_alert_emails": ["a@b.io", "a@b.io"]}, "monitoring_alert_emails ['a@b.io', 'a@b.io'] lists"),
    (monitoring_settings_errors, MONITORING, {"monitoring_period_seconds": 45}, "monitoring_period_seconds 45 must be 10, 30 or a multiple of 60"),
    (monitoring_settings_errors, MONITORING, {"monitoring_period_seconds": 90}, "monitoring_period_seconds 90 must be 10, 30 or a multiple of 60"),
    (monitoring_settings_errors, MONITORING, {"monitoring_datapoints_to_alarm": 6}, "monitoring_datapoints_to_alarm 6 must be 1 to"),
    (
        monitoring_settings_errors,
        MONITORING,
        {"monitoring_period_seconds": 3600, "monitoring_evaluation_periods": 25},
        "monitoring_evaluation_periods 25 times",
    ),
    (
        monitoring_settings_errors,
        MONITORING,
        {"monitoring_ecs_cpu_warning_percent": 95},
        "monitoring_ecs_cpu_warning_percent 95 must be below monitoring_ecs_cpu_critical_percent (90)",
    ),
    (monitoring_settings_errors, MONITORING, {"monitoring_ecs_cpu_critical_percent": 60}, "monitoring_ecs_cpu_critical_percent 60 must be above"),
    (
        monitoring_settings_errors,
        MONITORING,
        {"monitoring_db_free_storage_critical_percent": 30},
        "monitoring_db_free_storage_critical_percent 30 must be below",
    ),
    (monitoring_settings_errors, MONITORING, {"monitoring_db_free_storage_warning_percent": 5}, "monitoring_db_free_storage_warning_percent 5 must be above"),
    (
        monitoring_settings_errors,
        MONITORING,
        {"monitoring_cache_memory_critical_percent": 120},
        "monitoring_cache_memory_critical_percent 120 must be a number of 0-100",
    ),
    (
        monitoring_settings_errors,
        MONITORING,
        {"monitoring_alb_p95_warning_seconds": "slow"},
        "monitoring_alb_p95_warning_seconds 'slow' must be a number of 0 or more",
    ),
    (monitoring_settings_errors, MONITORING, {"monitoring_db_allocated_storage_gb": 10}, "monitoring_db_allocated_storage_gb 10"),
    (monitoring_settings_errors, MONITORING, {"monitoring_xray_filter_expression": ""}, "monitoring_xray_filter_expression '' must be 1-2000"),
    (monitoring_settings_errors, MONITORING, {"monitoring_xray_sampling_fixed_rate": 1.5}, "monitoring_xray_sampling_fixed_rate 1.5 must be a share"),
    (monitoring_settings_errors, MONITORING, {"monitoring_strict": True}, "monitoring_alert_emails [] is not allowed in a strict"),
    (preflight_settings_errors, PREFLIGHT, {"env_name": "Prod Env"}, "env_name 'Prod Env' must be 1-16 lower-case"),
    (preflight_settings_errors, PREFLIGHT, {"env_name": "Prod Env", "resource_prefix": "tracetrack-Prod Env"}, "env_name"),
    (preflight_settings_errors, PREFLIGHT, {"project_name": "Trace_Track"}, "project_name 'Trace_Track'"),
    (preflight_settings_errors, PREFLIGHT, {"resource_prefix": "a-very-long-project-name-production"}, "resource_prefix"),
    (preflight_settings_errors, PREFLIGHT, {"aws_region": "Europe"}, "aws_region 'Europe' must be an AWS region"),
    (preflight_settings_errors, PREFLIGHT, {"env_aws_account_id": "12345"}, "env_aws_account_id '12345' must be the 12-digit id"),
    (preflight_settings_errors, PREFLIGHT, {"env_strict": True}, "env_aws_account_id None must name the AWS account (12 digits) in a strict"),
    (network_settings_errors, NETWORK, {"network_name_prefix": "Bad_Name"}, "network_name_prefix 'Bad_Name'"),
    (network_settings_errors, NETWORK, {"network_az_count": 1}, "network_az_count 1 must be 2-6"),
    (network_settings_errors, NETWORK, {"network_vpc_cidr": "10.10.0.0/33"}, "network_vpc_cidr '10.10.0.0/33' is not a valid CIDR"),
    (network_settings_errors, NETWORK, {"network_app_subnet_cidrs": ["10.20.10.0/24"]}, "network_app_subnet_cidrs lists 1 subnets"),
    (network_settings_errors, NETWORK, {"network_availability_zones": ["eu-west-1a"]}, "network_availability_zones ['eu-west-1a'] lists 1"),
    (network_settings_errors, NETWORK, {"network_app_ports": [70000]}, "network_app_ports [70000] must list"),
    (network_settings_errors, NETWORK, {"network_alb_ingress_cidrs": ["everyone"]}, "network_alb_ingress_cidrs ['everyone'] holds"),
    (network_settings_errors, NETWORK, {"network_alb_test_ingress_cidrs": ["vpc"]}, "network_alb_test_ingress_cidrs ['vpc'] holds"),
    (network_settings_errors, NETWORK, {"network_alb_test_listener": True, "network_alb_test_port": 0}, "network_alb_test_port 0 must be a whole number"),
    (network_settings_errors, NETWORK, {"network_database_port": 80}, "network_database_port 80 must be a whole number 1150-65535"),
    (network_settings_errors, NETWORK, {"network_strict": True}, "network_nat_gateway_mode 'single' is not allowed in a strict"),
    (registry_settings_errors, REGISTRY, {"registry_repository_name": "Tracetrack/Local"}, "registry_repository_name 'Tracetrack/Local'"),
    (registry_settings_errors, REGISTRY, {"registry_keep_images": 0}, "registry_keep_images 0 must be a whole number 1-1000"),
    (registry_settings_errors, REGISTRY, {"registry_untagged_expiry_days": "soon"}, "registry_untagged_expiry_days 'soon'"),
    (registry_settings_errors, REGISTRY, {"registry_strict": True, "registry_scan_on_push": False}, "registry_scan_on_push False is not"),
    (registry_settings_errors, REGISTRY, {"registry_strict": True, "registry_immutable_tags": False}, "registry_immutable_tags False"),
    (secrets_settings_errors, SECRETS, {"secrets_name_prefix": "x"}, "secrets_name_prefix 'x'"),
    (secrets_settings_errors, SECRETS, {"secrets_database_username": "rdsadmin"}, "secrets_database_username 'rdsadmin'"),
    (secrets_settings_errors, SECRETS, {"secrets_database_username": "pg_user"}, "secrets_database_username 'pg_user'"),
    (secrets_settings_errors, SECRETS, {"secrets_admin_username": "-admin"}, "secrets_admin_username '-admin'"),
    (secrets_settings_errors, SECRETS, {"secrets_database_password_length": 200}, "secrets_database_password_length 200 must be 16-128"),
    (secrets_settings_errors, SECRETS, {"secrets_app_secret_key_length": 16}, "secrets_app_secret_key_length 16 must be 32-256"),
    (secrets_settings_errors, SECRETS, {"secrets_scanner_devices": ["a b"]}, "secrets_scanner_devices ['a b'] holds 'a b'"),
    (secrets_settings_errors, SECRETS, {"secrets_scanner_devices": ["s1", "s1"]}, "secrets_scanner_devices ['s1', 's1'] names 's1' more"),
    (secrets_settings_errors, SECRETS, {"secrets_recovery_window_days": 3}, "secrets_recovery_window_days 3 must be 0 (delete at once) or 7-30"),
    (secrets_settings_errors, SECRETS, {"secrets_strict": True, "secrets_recovery_window_days": 0}, "secrets_recovery_window_days 0 is not allowed"),
    (secrets_settings_errors, SECRETS, {"secrets_kms_key_deletion_window_days": 60}, "secrets_kms_key_deletion_window_days 60"),
    (secrets_settings_errors, SECRETS, {"secrets_metrics_token_length": 8}, "secrets_metrics_token_length 8 must be 20-128"),
    (secrets_settings_errors, SECRETS, {"secrets_rotate": True}, "secrets_rotate_kinds [] names no kind"),
    (secrets_settings_errors, SECRETS, {"secrets_rotate_kinds": ["password"]}, "secrets_rotate_kinds ['password'] must be a list of"),
]


@pytest.mark.parametrize("check, sound, change, expected", BAD, ids=[f"{b[0].__name__}-{'-'.join(b[2])}" for b in BAD])
def test_a_bad_setting_is_one_problem_naming_its_variable(check, sound, change, expected):
    problems = check({**sound, **change})
    assert len(problems) == 1, problems
    assert problems[0].startswith(expected), problems


def test_zero_recovery_window_is_allowed_outside_strict_environments():
    assert secrets_settings_errors({**SECRETS, "secrets_recovery_window_days": 0}) == []


def test_a_strict_network_with_one_nat_gateway_per_zone_is_sound():
    assert network_settings_errors({**NETWORK, "network_strict": True, "network_nat_gateway_mode": "per_az"}) == []
    assert network_settings_errors({**NETWORK, "network_strict": True, "network_state": "absent"}) == []


def test_the_database_thresholds_are_not_checked_without_a_database():
    assert monitoring_settings_errors({**MONITORING, "monitoring_database_enabled": False, "monitoring_db_allocated_storage_gb": 1}) == []


def test_the_deployment_alarms_take_their_whole_ranges_and_a_services_own_thresholds():
    """Seed 001's rollback triggers may be set anywhere in their ranges: any share of errors up to all of them, 1-60 minutes."""
    edges = {
        "monitoring_deploy_error_rate_percent": 100,
        "monitoring_deploy_error_rate_minutes": 1,
        "monitoring_deploy_p95_seconds": 0.01,
        "monitoring_deploy_p95_minutes": 60,
    }
    assert monitoring_settings_errors({**MONITORING, **edges}) == []
    own = {"web": {"deploy_error_rate_percent": 25, "deploy_p95_seconds": 2, "p95_warning_seconds": 0.3, "p95_critical_seconds": 1}}
    assert monitoring_settings_errors({**MONITORING, "monitoring_service_thresholds": own}) == []
