"""service_settings_errors: every setting of the service role checked, each problem naming the one variable at fault."""

import re

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.tracetrack.aws.plugins.filter.service_settings_errors import service_settings_errors
from ansible_collections.tracetrack.aws.plugins.filter.service_specs import service_specs

DEFAULTS = {
    "name_prefix": "tracetrack-local",
    "container_port": 8000,
    "cpu": 512,
    "memory": 1024,
    "desired_count": 2,
    "health_path": "/health/elb",
    "liveness_path": "/health",
    "metrics_namespace": "TraceTrack/local",
    "trusted_proxy_count": 1,
    "adot_enabled": False,
    "environment": {},
    "secrets": [{"name": "SECRET_KEY", "key": "SECRET_KEY"}],
    "log_group_prefix": "/tracetrack-local",
    "env_name": "local",
    "aws_region": "ap-south-1",
}
SOUND = {
    "service_name_prefix": "tracetrack-local",
    "network_app_ports": [8000],
    "service_state": "present",
    "service_strict": False,
    "service_spot_weight": 0,
    "service_certificate_arn": "",
    "service_ssl_policy": "ELBSecurityPolicy-TLS13-1-2-2021-06",
    "service_alb_idle_timeout": 60,
    "service_deregistration_delay": 30,
    "service_origin_header_name": "",
    "service_origin_header_value": "",
    "service_deployment_minimum_healthy_percent": 100,
    "service_deployment_maximum_percent": 200,
    "service_health_check_grace_period": 60,
    "service_health_check_start_period": 60,
    "service_wait_timeout": 900,
    "service_metrics_namespace": "TraceTrack/local",
    "service_image_tag": "",
    "service_version_parameter": "/tracetrack-local/app/version",
    "service_task_policy_statements": [],
}
CERTIFICATE = "arn:aws:acm:ap-south-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b"
VARIABLE = re.compile(r"\b(service_[a-z_]+|network_app_ports)\b")


def settings(services=None, cpu=512, memory=1024, **changes):
    services = services if services is not None else [{"name": "web"}]
    specs = service_specs(services, dict(DEFAULTS, cpu=cpu, memory=memory)) if all("name" in s for s in services) else []
    return dict(SOUND, service_services=services, service_specs=specs, service_cpu=cpu, service_memory=memory, **changes)


def test_sound_settings_have_no_problem():
    assert service_settings_errors(settings()) == []
    two = [{"name": "web"}, {"name": "backend", "port": 8080, "path_patterns": ["/api/*"]}]
    assert service_settings_errors(settings(two, network_app_ports=[8000, 8080])) == []
    declared = {"namespace": "App/local", "dimensions": {"Service": "app"}, "names": ["Latency", "Hits"], "latency": "Latency"}
    assert service_settings_errors(settings([{"name": "web", "metrics": declared}])) == []


@pytest.mark.parametrize(
    "given, variable",
    [
        (settings(service_name_prefix="Bad_Prefix"), "service_name_prefix"),
        (settings([{"name": "Web_1"}]), "service_services"),
        (settings([{"name": "web"}, {"name": "web", "path_patterns": ["/api/*"]}]), "service_services"),
        (settings([{"name": "web", "port": 9000}]), "network_app_ports"),
        (settings([{"name": "web", "port": 70000}], network_app_ports=[70000]), "service_services"),
        (settings([{"name": "web", "health_path": "health"}]), "service_services"),
        (settings([{"name": "web", "image_tag": "-bad tag"}]), "service_services"),
        (settings([{"name": "web"}, {"name": "api"}]), "service_services"),
        (settings([{"name": "web", "metrics": {"namespace": "AWS/ECS", "names": ["X"]}}]), "service_services"),
        (settings([{"name": "web", "metrics": {"namespace": "App/local", "names": []}}]), "service_services"),
        (settings([{"name": "web", "metrics": {"namespace": "App/local", "names": ["Hits"], "latency": "Latency"}}]), "service_services"),
        (settings(cpu=300), "service_cpu"),
        (settings(cpu=256, memory=4096), "service_memory"),
        (settings(service_certificate_arn="not-an-arn"), "service_certificate_arn"),
        (settings(service_ssl_policy="TLS13"), "service_ssl_policy"),
        (settings(service_alb_idle_timeout=0), "service_alb_idle_timeout"),
        (settings(service_origin_header_name="X-Origin-Verify"), "service_origin_header_value"),
        (settings(service_origin_header_value="x" * 20), "service_origin_header_name"),
        (settings(service_deployment_maximum_percent=50), "service_deployment_maximum_percent"),
        (settings(service_metrics_namespace="AWS/ECS"), "service_metrics_namespace"),
        (settings(service_alb_access_logs_days=0), "service_alb_access_logs_days"),
        (settings(service_image_tag=".bad"), "service_image_tag"),
        (settings(service_version_parameter="no-slash"), "service_version_parameter"),
        (settings(service_task_policy_statements=[{"Effect": "Allow", "Action": "x"}]), "service_task_policy_statements"),
        (settings(service_strict=True, service_spot_weight=2, service_certificate_arn=CERTIFICATE), "service_spot_weight"),
        (settings(service_strict=True), "service_certificate_arn"),
        (settings(service_trusted_proxy_count="two"), "service_trusted_proxy_count"),
        (settings(service_trusted_proxy_count=9), "service_trusted_proxy_count"),
        (settings(service_deployment_strategy="RED_BLACK"), "service_deployment_strategy"),
        (settings(service_deployment_bake_minutes=2000), "service_deployment_bake_minutes"),
        (settings(service_deployment_canary_percent=0), "service_deployment_canary_percent"),
        (settings(service_deployment_linear_step_percent=2), "service_deployment_linear_step_percent"),
        (settings(service_deployment_test_pause_minutes=-1), "service_deployment_test_pause_minutes"),
        (settings(service_deployment_strategy="CANARY", service_test_listener_port=443), "service_test_listener_port"),
        (settings([{"name": "a-long-service-name"}], service_deployment_strategy="BLUE_GREEN"), "service_services"),
    ],
)
def test_each_problem_names_exactly_the_variable_at_fault(given, variable):
    (problem,) = service_settings_errors(given)
    assert VARIABLE.findall(problem)[0] == variable, problem
    assert set(VARIABLE.findall(problem)) <= {variable, "env_strict"}, problem


def test_a_service_that_sets_its_own_size_is_named_as_the_culprit():
    (problem,) = service_settings_errors(settings([{"name": "web", "cpu": 300}]))
    assert problem.startswith("service_services[web].cpu 300")


def test_spot_in_a_strict_environment_is_only_refused_when_it_is_built():
    assert service_settings_errors(settings(service_strict=True, service_spot_weight=2, service_state="absent")) == []


def test_a_strict_environment_needs_https_to_the_origin_and_takes_a_proxy_count_from_the_topology_or_a_number():
    assert service_settings_errors(settings(service_strict=True, service_certificate_arn=CERTIFICATE)) == []
    assert service_settings_errors(settings(service_strict=True, service_state="absent")) == []
    for proxies in ("auto", 0, 2, "1"):
        assert service_settings_errors(settings(service_trusted_proxy_count=proxies)) == [], proxies


def test_a_strategy_that_shifts_traffic_needs_room_for_the_alternate_target_group_name():
    name = "a" * (32 - len("tracetrack-local-") - len("-alt"))
    assert service_settings_errors(settings([{"name": name}], service_deployment_strategy="LINEAR")) == []
    assert service_settings_errors(settings([{"name": name + "b"}], service_deployment_strategy="ROLLING")) == []
    (problem,) = service_settings_errors(settings([{"name": name + "b"}], service_deployment_strategy="LINEAR"))
    assert "-alt' has 33 characters" in problem


def test_the_input_must_be_a_dictionary():
    with pytest.raises(AnsibleFilterError):
        service_settings_errors(["service_cpu"])


@pytest.mark.parametrize(
    "given, variable",
    [
        ({"service_container_port": 70000}, "service_container_port"),
        ({"service_health_path": "health"}, "service_health_path"),
        ({"service_liveness_path": "health"}, "service_liveness_path"),
        ({"service_desired_count": -1}, "service_desired_count"),
    ],
)
def test_role_wide_defaults_are_checked_even_when_every_service_sets_its_own(given, variable):
    services = [{"name": "web", "port": 8000, "health_path": "/health/elb", "liveness_path": "/health", "desired_count": 2}]
    problems = service_settings_errors({**settings(services), **given})
    assert len(problems) == 1 and problems[0].startswith(variable), problems
