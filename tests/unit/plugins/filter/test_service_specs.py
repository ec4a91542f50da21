"""service_specs: the service role's services with the role-wide defaults filled in."""

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.tracetrack.aws.plugins.filter.service_specs import service_specs

SETTINGS = {
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
    "environment": {"LOG_LEVEL": "INFO"},
    "secrets": [{"name": "SECRET_KEY", "key": "SECRET_KEY"}],
    "log_group_prefix": "/tracetrack-local",
    "env_name": "local",
    "aws_region": "ap-south-1",
}


def test_a_service_that_sets_nothing_takes_every_default():
    (spec,) = service_specs([{"name": "web"}], SETTINGS)
    assert spec == {
        "name": "web",
        "full_name": "tracetrack-local-web",
        "port": 8000,
        "health_path": "/health/elb",
        "liveness_path": "/health",
        "path_patterns": ["/*"],
        "cpu": 512,
        "memory": 1024,
        "desired_count": 2,
        "image": "",
        "image_tag": "",
        "environment": {
            "TRACETRACK_ENV": "local",
            "PORT": 8000,
            "WEB_CONCURRENCY": 1,
            "METRICS_EMF_ENABLED": "true",
            "METRICS_NAMESPACE": "TraceTrack/local",
            "TRUSTED_PROXY_COUNT": 1,
            "AWS_REGION": "ap-south-1",
            "OTEL_ENABLED": "false",
            "OTEL_SERVICE_NAME": "tracetrack-local-web",
            "LOG_LEVEL": "INFO",
        },
        "secrets": [{"name": "SECRET_KEY", "key": "SECRET_KEY"}],
        "command": [],
        "health_check_command": [],
        "migration_command": [],
        "log_group": "/tracetrack-local/web",
        "metrics": {},
    }


def test_declared_metrics_are_completed():
    declared = {"namespace": "TraceTrack/local", "names": ["RequestLatency"], "latency": "RequestLatency"}
    (spec,) = service_specs([{"name": "web", "metrics": declared}], SETTINGS)
    assert spec["metrics"] == {"namespace": "TraceTrack/local", "dimensions": {}, "names": ["RequestLatency"], "latency": "RequestLatency"}


def test_what_a_service_sets_wins_and_its_environment_goes_last():
    settings = dict(SETTINGS, adot_enabled="true")
    backend = {
        "name": "backend",
        "port": "8080",
        "cpu": 2048,
        "memory": 4096,
        "path_patterns": ["/api/*"],
        "environment": {"LOG_LEVEL": "DEBUG", "PORT": "9"},
        "secrets": [],
        "image_tag": "backend-1.0.0",
    }
    web, api = service_specs([{"name": "web"}, backend], settings)
    assert web["name"] == "web" and api["name"] == "backend", "the order is the input's"
    assert (api["port"], api["cpu"], api["memory"], api["path_patterns"], api["secrets"]) == (8080, 2048, 4096, ["/api/*"], [])
    assert api["environment"]["WEB_CONCURRENCY"] == 2
    assert api["environment"]["LOG_LEVEL"] == "DEBUG" and api["environment"]["PORT"] == "9"
    assert api["environment"]["OTEL_ENABLED"] == "true"
    assert api["environment"]["OTEL_EXPORTER_OTLP_ENDPOINT"] == "http://localhost:4318"
    assert api["image_tag"] == "backend-1.0.0"
    assert "OTEL_EXPORTER_OTLP_ENDPOINT" in web["environment"]


@pytest.mark.parametrize(
    "services, settings, message",
    [
        ([{"port": 8000}], SETTINGS, "each with a name"),
        ("web", SETTINGS, "each with a name"),
        ([{"name": "web"}], {"name_prefix": "x"}, "settings lack container_port"),
    ],
)
def test_bad_input_is_a_clear_error(services, settings, message):
    with pytest.raises(AnsibleFilterError, match=message):
        service_specs(services, settings)
