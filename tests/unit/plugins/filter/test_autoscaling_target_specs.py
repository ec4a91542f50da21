"""autoscaling_target_specs: the scaled services with their bounds."""

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.tracetrack.aws.plugins.filter.autoscaling_target_specs import autoscaling_target_specs

SETTINGS = {"name_prefix": "p", "min_capacity": "1", "max_capacity": 4, "requests_per_target": 1000, "cluster": "p", "policies": ["cpu", "latency"]}
TARGET_GROUPS = {"web": {"arn_suffix": "targetgroup/p-web/1"}, "backend": {"arn_suffix": "targetgroup/p-backend/2"}}
LATENCY = dict(
    SETTINGS,
    latency_target_ms=500,
    latency_statistic="p95",
    alb_arn_suffix="app/p-alb/9",
    target_groups=TARGET_GROUPS,
    metrics={"web": {"namespace": "App/p", "dimensions": {"Service": "app"}, "names": ["Latency"], "latency": "Latency"}, "backend": {}},
)


def test_names_take_the_defaults_and_dictionaries_their_own_bounds():
    assert autoscaling_target_specs(["web", {"name": "backend", "min_capacity": 2, "max_capacity": "10"}], SETTINGS) == [
        {
            "name": "web",
            "service": "p-web",
            "resource_id": "service/p/p-web",
            "min_capacity": 1,
            "max_capacity": 4,
            "requests_per_target": 1000,
            "latency_metric": {},
            "latency_target": 0.0,
            "policies": ["p-web-cpu"],
        },
        {
            "name": "backend",
            "service": "p-backend",
            "resource_id": "service/p/p-backend",
            "min_capacity": 2,
            "max_capacity": 10,
            "requests_per_target": 1000,
            "latency_metric": {},
            "latency_target": 0.0,
            "policies": ["p-backend-cpu"],
        },
    ], "no metric to track latency on: no latency policy"


def test_latency_tracks_the_declared_metric_else_the_target_groups_response_time():
    web, backend = autoscaling_target_specs(["web", "backend"], LATENCY)
    assert web["latency_metric"] == {
        "namespace": "App/p",
        "metric_name": "Latency",
        "dimensions": {"Service": "app"},
        "statistic": "p95",
        "unit": "Milliseconds",
    }
    assert (web["latency_target"], backend["latency_target"]) == (500.0, 0.5)
    assert backend["latency_metric"] == {
        "namespace": "AWS/ApplicationELB",
        "metric_name": "TargetResponseTime",
        "dimensions": {"LoadBalancer": "app/p-alb/9", "TargetGroup": "targetgroup/p-backend/2"},
        "statistic": "p95",
        "unit": "Seconds",
    }
    assert backend["policies"] == ["p-backend-cpu", "p-backend-latency"]


@pytest.mark.parametrize("services, settings", [("web", SETTINGS), ([{"min_capacity": 1}], SETTINGS), (["web"], {"name_prefix": "p"})])
def test_bad_input_is_a_clear_error(services, settings):
    with pytest.raises(AnsibleFilterError):
        autoscaling_target_specs(services, settings)
