"""The tiers' settings filters (preflight, network, registry, secrets): sound settings pass, and each bad setting
gives exactly one problem, which starts with the variable at fault."""

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.tracetrack.aws.plugins.filter.network_settings_errors import network_settings_errors
from ansible_collections.tracetrack.aws.plugins.filter.preflight_settings_errors import preflight_settings_errors
from ansible_collections.tracetrack.aws.plugins.filter.registry_settings_errors import registry_settings_errors
from ansible_collections.tracetrack.aws.plugins.filter.secrets_settings_errors import secrets_settings_errors

PREFLIGHT = {"env_name": "production", "project_name": "tracetrack", "resource_prefix": "tracetrack-production", "aws_region": "eu-west-1"}
NETWORK = {
    "network_state": "present", "network_name_prefix": "tracetrack-local", "network_vpc_cidr": "10.20.0.0/16", "network_az_count": 2,
    "network_availability_zones": [], "network_public_subnet_cidrs": ["10.20.0.0/24", "10.20.1.0/24"],
    "network_app_subnet_cidrs": ["10.20.10.0/24", "10.20.11.0/24"], "network_data_subnet_cidrs": ["10.20.20.0/24", "10.20.21.0/24"],
    "network_nat_gateway_mode": "single", "network_app_ports": [8000], "network_alb_ingress_cidrs": ["0.0.0.0/0"],
    "network_database_port": 5432, "network_cache_port": 6379, "network_strict": False,
}
REGISTRY = {
    "registry_state": "present", "registry_repository_name": "tracetrack/local", "registry_keep_images": 20,
    "registry_untagged_expiry_days": 7, "registry_scan_on_push": True, "registry_immutable_tags": True, "registry_strict": False,
}
SECRETS = {
    "secrets_name_prefix": "tracetrack-local", "secrets_database_username": "tracetrack", "secrets_admin_username": "admin",
    "secrets_database_password_length": 32, "secrets_admin_password_length": 24, "secrets_app_secret_key_length": 64,
    "secrets_redis_auth_token_length": 64, "secrets_scanner_key_length": 40, "secrets_scanner_devices": ["scanner-01", "scanner-02"],
    "secrets_recovery_window_days": 7, "secrets_kms_key_deletion_window_days": 30, "secrets_strict": False,
}
FILTERS = [(preflight_settings_errors, PREFLIGHT), (network_settings_errors, NETWORK), (registry_settings_errors, REGISTRY),
           (secrets_settings_errors, SECRETS)]


@pytest.mark.parametrize("check, sound", FILTERS)
def test_sound_settings_have_no_problem(check, sound):
    assert check(sound) == []


@pytest.mark.parametrize("check, _sound", FILTERS)
def test_the_input_must_be_the_settings_by_name(check, _sound):
    with pytest.raises(AnsibleFilterError, match="dictionary of the role's settings"):
        check(["not", "a", "dict"])


BAD = [
    (preflight_settings_errors, PREFLIGHT, {"env_name": "Prod Env"}, "env_name 'Prod Env' must be 1-16 lower-case"),
    (preflight_settings_errors, PREFLIGHT, {"env_name": "Prod Env", "resource_prefix": "tracetrack-Prod Env"}, "env_name"),
    (preflight_settings_errors, PREFLIGHT, {"project_name": "Trace_Track"}, "project_name 'Trace_Track'"),
    (preflight_settings_errors, PREFLIGHT, {"resource_prefix": "a-very-long-project-name-production"}, "resource_prefix"),
    (preflight_settings_errors, PREFLIGHT, {"aws_region": "Europe"}, "aws_region 'Europe' must be an AWS region"),
    (network_settings_errors, NETWORK, {"network_name_prefix": "Bad_Name"}, "network_name_prefix 'Bad_Name'"),
    (network_settings_errors, NETWORK, {"network_az_count": 1}, "network_az_count 1 must be 2-6"),
    (network_settings_errors, NETWORK, {"network_vpc_cidr": "10.10.0.0/33"}, "network_vpc_cidr '10.10.0.0/33' is not a valid CIDR"),
    (network_settings_errors, NETWORK, {"network_app_subnet_cidrs": ["10.20.10.0/24"]}, "network_app_subnet_cidrs lists 1 subnets"),
    (network_settings_errors, NETWORK, {"network_availability_zones": ["eu-west-1a"]}, "network_availability_zones ['eu-west-1a'] lists 1"),
    (network_settings_errors, NETWORK, {"network_app_ports": [70000]}, "network_app_ports [70000] must list"),
    (network_settings_errors, NETWORK, {"network_alb_ingress_cidrs": ["everyone"]}, "network_alb_ingress_cidrs ['everyone'] holds"),
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
