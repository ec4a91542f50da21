"""autoscaling_settings_errors: every setting of the autoscaling role checked, each problem naming the variable at fault."""

import re

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.tracetrack.aws.plugins.filter.autoscaling_settings_errors import autoscaling_settings_errors

SOUND = {
    "autoscaling_state": "present",
    "autoscaling_strict": False,
    "autoscaling_min_capacity": 1,
    "autoscaling_max_capacity": 4,
    "autoscaling_requests_per_target": 1000,
    "autoscaling_services": [],
    "autoscaling_cpu_target": 70,
    "autoscaling_latency_target_ms": 100,
    "autoscaling_scale_out_cooldown": 60,
    "autoscaling_scale_in_cooldown": 300,
    "autoscaling_latency_statistic": "p95",
    "autoscaling_memory_target": 80,
}
VARIABLE = re.compile(r"\bautoscaling_[a-z_]+(?:\[\]\.[a-z_]+)?")


def test_sound_settings_have_no_problem():
    assert autoscaling_settings_errors(SOUND) == []
    services = ["web", {"name": "backend", "min_capacity": 2, "max_capacity": 10}]
    assert autoscaling_settings_errors(dict(SOUND, autoscaling_services=services, autoscaling_strict=True, autoscaling_min_capacity=2)) == []


@pytest.mark.parametrize(
    "changes, variable",
    [
        ({"autoscaling_min_capacity": 5, "autoscaling_max_capacity": 2}, "autoscaling_min_capacity"),
        ({"autoscaling_min_capacity": -1}, "autoscaling_min_capacity"),
        ({"autoscaling_max_capacity": 2000}, "autoscaling_max_capacity"),
        ({"autoscaling_strict": True}, "autoscaling_min_capacity"),
        ({"autoscaling_requests_per_target": 0}, "autoscaling_requests_per_target"),
        ({"autoscaling_services": [{"name": "backend", "min_capacity": 9, "max_capacity": 3}]}, "autoscaling_services[].min_capacity"),
        ({"autoscaling_services": ["web", "web"]}, "autoscaling_services"),
        ({"autoscaling_cpu_target": 95}, "autoscaling_cpu_target"),
        ({"autoscaling_latency_target_ms": 0}, "autoscaling_latency_target_ms"),
        ({"autoscaling_scale_in_cooldown": 4000}, "autoscaling_scale_in_cooldown"),
        ({"autoscaling_latency_statistic": "p999"}, "autoscaling_latency_statistic"),
        ({"autoscaling_memory_target": 95}, "autoscaling_memory_target"),
    ],
)
def test_each_problem_names_exactly_the_variable_at_fault(changes, variable):
    (problem,) = autoscaling_settings_errors(dict(SOUND, **changes))
    assert VARIABLE.findall(problem) == [variable], problem


def test_a_strict_environment_being_removed_is_not_held_to_two_tasks():
    assert autoscaling_settings_errors(dict(SOUND, autoscaling_strict=True, autoscaling_state="absent")) == []


def test_the_input_must_be_a_dictionary():
    with pytest.raises(AnsibleFilterError):
        autoscaling_settings_errors([])
