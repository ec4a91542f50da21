"""Bad input fails before any API call, and the failure names exactly the variable that is wrong.

Every case is a host of one generated inventory (its settings as host variables, over its environment's group
variables), and one ansible-playbook run of site.yml checks them all: each host must fail, its failure must name
the variable as the only one at fault (one problem, and the variable is what it is about), and the emulator's
recorder must show no API call at all for the whole run. Each case is still a test
of its own (parametrized over the one run's results).
"""

import json
import os
import re
import subprocess

import pytest

from tests.support.aws_calls import record_calls
from tests.support.environments import side_by_side_inventory
from tests.support.playbook import REPO_ROOT, ansible_env, emulator_vars, run_playbook

# (environment, settings, the variable the failure must name)
CASES = [
    # network
    ("local", {"network_vpc_cidr": "10.10.0.0/33"}, "network_vpc_cidr"),
    ("local", {"network_vpc_cidr": "not-a-cidr"}, "network_vpc_cidr"),
    ("local", {"network_app_subnet_cidrs": ["10.10.0.0/24", "10.10.11.0/24"]}, "network_app_subnet_cidrs"),
    ("local", {"network_data_subnet_cidrs": ["10.99.20.0/24", "10.10.21.0/24"]}, "network_data_subnet_cidrs"),
    ("local", {"network_nat_gateway_mode": "sometimes"}, "network_nat_gateway_mode"),
    ("local", {"network_az_count": 1}, "network_az_count"),
    ("local", {"network_name_prefix": "Bad_Name"}, "network_name_prefix"),
    # the environment's own name: every prefix derives from it, and the failure names it, not a prefix
    ("local", {"env_name": "Prod Env"}, "env_name"),
    ("local", {"env_aws_account_id": "12345"}, "env_aws_account_id"),
    ("production", {"env_aws_account_id": ""}, "env_aws_account_id"),
    (
        "production",
        {
            "network_az_count": 1,
            "network_public_subnet_cidrs": ["10.40.0.0/24"],
            "network_app_subnet_cidrs": ["10.40.10.0/24"],
            "network_data_subnet_cidrs": ["10.40.20.0/24"],
        },
        "network_az_count",
    ),
    # secrets and database
    ("local", {"secrets_database_username": "rdsadmin"}, "secrets_database_username"),
    ("local", {"database_instance_class": "m5.large"}, "database_instance_class"),
    ("local", {"database_read_replicas": -1}, "database_read_replicas"),
    ("local", {"database_backup_retention_days": 40}, "database_backup_retention_days"),
    ("local", {"database_maintenance_window": "sun:03:30-sun:04:30"}, "database_maintenance_window"),
    ("local", {"database_performance_insights_enabled": True}, "database_performance_insights_enabled"),
    ("production", {"database_multi_az": False}, "database_multi_az"),
    # cache
    ("local", {"cache_node_type": "t3.micro"}, "cache_node_type"),
    ("local", {"cache_replicas": -1}, "cache_replicas"),
    ("local", {"cache_snapshot_window": "05:30-06:30"}, "cache_snapshot_window"),
    ("production", {"cache_replicas": 2, "cache_transit_encryption": False}, "cache_transit_encryption"),
    ("production", {"cache_replicas": 0}, "cache_replicas"),
    # registry
    ("local", {"registry_keep_images": 0}, "registry_keep_images"),
    ("local", {"registry_repository_name": "Tracetrack/Local"}, "registry_repository_name"),
    # service
    ("local", {"service_cpu": 300}, "service_cpu"),
    ("local", {"service_cpu": 256, "service_memory": 4096}, "service_memory"),
    ("local", {"service_services": [{"name": "Web_1"}]}, "service_services"),
    ("local", {"service_services": [{"name": "web", "port": 9000}]}, "network_app_ports"),
    ("local", {"service_origin_header_name": "X-Origin-Verify"}, "service_origin_header_value"),
    ("local", {"service_certificate_arn": "not-an-arn"}, "service_certificate_arn"),
    ("local", {"service_services": [{"name": "web", "image_tag": "-bad tag"}]}, "service_services[web].image_tag"),
    ("local", {"service_container_port": 70000}, "service_container_port"),
    ("local", {"service_health_path": "health"}, "service_health_path"),
    ("local", {"service_task_policy_statements": [{"Effect": "Allow", "Action": "cognito-idp:ListUsers"}]}, "service_task_policy_statements"),
    ("local", {"service_log_retention_days": 10}, "service_log_retention_days"),
    ("production", {"service_spot_weight": 2}, "service_spot_weight"),
    ("production", {"service_certificate_arn": ""}, "service_certificate_arn"),
    ("local", {"service_trusted_proxy_count": 9}, "service_trusted_proxy_count"),
    # autoscaling
    ("local", {"autoscaling_min_capacity": 5, "autoscaling_max_capacity": 2}, "autoscaling_min_capacity"),
    ("local", {"autoscaling_cpu_target": 95}, "autoscaling_cpu_target"),
    # edge
    ("local", {"cdn_price_class": "PriceClass_Some"}, "cdn_price_class"),
    ("local", {"cdn_price_class": "PriceClass_999"}, "cdn_price_class"),
    ("local", {"cdn_waf_rate_limit": 5}, "cdn_waf_rate_limit"),
    ("local", {"cdn_origin_header_name": "Host"}, "cdn_origin_header_name"),
    ("local", {"cdn_uncached_path_patterns": ["api/*"]}, "cdn_uncached_path_patterns"),
    ("local", {"cdn_static_site_enabled": True, "cdn_static_site_dir": "/nonexistent/site"}, "cdn_static_site_dir"),
    ("production", {"cdn_waf_enabled": False}, "cdn_waf_enabled"),
    ("production", {"cdn_origin_domain_name": ""}, "cdn_origin_domain_name"),
    ("production", {"cdn_origin_protocol": "http-only"}, "cdn_origin_protocol"),
    ("local", {"cdn_waf_api_key_rate_limit": 5}, "cdn_waf_api_key_rate_limit"),
    ("local", {"cdn_https_only_path_patterns": ["/v2/*"]}, "cdn_https_only_path_patterns"),
    ("local", {"cdn_aliases": ["track.example.com"]}, "cdn_certificate_arn"),
    # monitoring
    ("local", {"monitoring_alert_emails": ["not-an-address"]}, "monitoring_alert_emails"),
    ("local", {"monitoring_ecs_cpu_warning_percent": 95}, "monitoring_ecs_cpu_warning_percent"),
    ("local", {"monitoring_db_free_storage_critical_percent": 30}, "monitoring_db_free_storage_critical_percent"),
    ("local", {"monitoring_period_seconds": 45}, "monitoring_period_seconds"),
    ("local", {"monitoring_xray_sampling_fixed_rate": 1.5}, "monitoring_xray_sampling_fixed_rate"),
    ("production", {"cdn_waf_enabled": True, "monitoring_alert_emails": []}, "monitoring_alert_emails"),
]
HOSTS = {f"bad-{index:02d}-{re.sub(r'[^a-z0-9_]+', '-', variable)}": case for index, case in enumerate(CASES, 1) for variable in [case[2]]}
# The production inventory converges only with HTTPS to the origin: the certificate of its origin name, given here
# (under each production case's own settings) so that each case has the one problem it is about.
PRODUCTION_HTTPS = {"service_certificate_arn": "arn:aws:acm:ap-south-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b"}


# The variable a problem is about: its first word (an assert's problems are joined by "; "), or the variable an
# argument-spec error names ("value of X must be one of...", "argument 'X' is of type...").
SPEC_ERROR = re.compile(r"^(?:value of |argument '|missing required arguments: )([A-Za-z_][\w\[\].-]*)")


def culprits(failure: dict) -> list[str]:
    """The variables one failed task's message holds at fault, one per problem it reports."""
    if failure.get("argument_errors"):
        return [SPEC_ERROR.match(error).group(1) if SPEC_ERROR.match(error) else error for error in failure["argument_errors"]]
    return [problem.split(" ", 1)[0].rstrip(":") for problem in str(failure.get("msg", "")).split("; ")]


def failures_by_host(report: dict) -> dict[str, list[dict]]:
    """The failed task results of each host in an ansible.posix.json report."""
    failed = {}
    for play in report["plays"]:
        for task in play["tasks"]:
            for host, result in task["hosts"].items():
                if result.get("failed") or any(item.get("failed") for item in result.get("results", []) if isinstance(item, dict)):
                    failed.setdefault(host, []).append({"task": task["task"]["name"], **result})
    return failed


@pytest.fixture(scope="module")
def validation_run(emulator, tmp_path_factory):
    hosts = {
        host: (env_name, {**(PRODUCTION_HTTPS if env_name == "production" else {}), **settings})
        for host, (env_name, settings, _variable) in HOSTS.items()
    }
    inventory = side_by_side_inventory(tmp_path_factory.mktemp("bad-input-inventory"), hosts)
    env = ansible_env(emulator.url, {"ANSIBLE_STDOUT_CALLBACK": "ansible.posix.json", "ANSIBLE_CALLBACK_RESULT_FORMAT": "json"})
    command = ["ansible-playbook", "-i", str(inventory), str(REPO_ROOT / "playbooks" / "site.yml"), "-e", json.dumps(emulator_vars(emulator.url))]
    with record_calls(emulator.url) as calls:
        result = subprocess.run(command, cwd=REPO_ROOT, env=env, capture_output=True, text=True, check=False)
    assert result.stdout.strip().startswith("{"), result.stdout[-3000:] + result.stderr[-3000:]
    report = json.loads(result.stdout)
    return {"returncode": result.returncode, "report": report, "failures": failures_by_host(report), "calls": calls.calls}


def test_the_run_made_no_api_call_at_all(validation_run):
    assert validation_run["returncode"] != 0
    assert validation_run["calls"] == [], f"API calls were made before validation: {validation_run['calls']}"


@pytest.mark.parametrize("host", list(HOSTS))
def test_bad_input_fails_before_any_api_call_naming_the_variable(validation_run, host):
    env_name, settings, variable = HOSTS[host]
    stats = validation_run["report"]["stats"][host]
    assert stats["failures"] >= 1, f"{host} ({env_name}, {settings}) did not fail"
    assert stats["changed"] == 0
    (failure,) = validation_run["failures"][host]
    assert culprits(failure) == [variable], json.dumps(failure)[-3000:]


def test_production_teardown_needs_confirmation(emulator):
    refused = run_playbook("playbooks/teardown.yml", "production", emulator.url)
    assert refused.returncode != 0
    assert "confirm_teardown=production" in refused.stdout
    assert refused.calls.calls == []


def test_credentials_of_another_account_than_the_inventorys_are_refused_before_any_other_call(emulator):
    refused = run_playbook("playbooks/site.yml", "local", emulator.url, extra_vars={"env_aws_account_id": "210987654321"})
    assert refused.returncode != 0
    assert "The AWS credentials are of account 123456789012" in refused.stdout, refused.stdout[-3000:]
    assert "belongs to account 210987654321 (env_aws_account_id)" in refused.stdout
    # aws_caller_info: STS GetCallerIdentity and the account's aliases, both reads; nothing else.
    assert refused.calls.writes == [] and "sts:GetCallerIdentity" in refused.calls.reads
    assert set(refused.calls.reads) <= {"sts:GetCallerIdentity", "iam:ListAccountAliases"}, refused.calls.reads


def test_production_without_credentials_fails_fast_and_changes_nothing(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        AWS_CONFIG_FILE=str(tmp_path / "none"),
        AWS_SHARED_CREDENTIALS_FILE=str(tmp_path / "none"),
        # No instance metadata service here; real hosts may have one, which is part of the chain.
        AWS_EC2_METADATA_DISABLED="true",
        PATH=f"{REPO_ROOT / '.venv' / 'bin'}:{env['PATH']}",
        PYTHONPATH=str(REPO_ROOT / "emulator"),
        ANSIBLE_CONFIG=str(REPO_ROOT / "ansible.cfg"),
    )
    command = ["scripts/deploy.sh", "production", "playbooks/site.yml", "-e", json.dumps(PRODUCTION_HTTPS)]
    result = subprocess.run(command, cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "No usable AWS credentials for environment 'production'" in output
    assert "nothing was changed" in output
    assert "changed=0" in output
