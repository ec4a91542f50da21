"""autoscaling_target_specs: the scaled services with their bounds."""

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.tracetrack.aws.plugins.filter.autoscaling_target_specs import autoscaling_target_specs

SETTINGS = {"name_prefix": "p", "min_capacity": "1", "max_capacity": 4, "requests_per_target": 1000, "cluster": "p", "policies": ["cpu", "latency"]}


def test_names_take_the_defaults_and_dictionaries_their_own_bounds():
    assert autoscaling_target_specs(["web", {"name": "backend", "min_capacity": 2, "max_capacity": "10"}], SETTINGS) == [
        {"name": "web", "service": "p-web", "resource_id": "service/p/p-web", "min_capacity": 1, "max_capacity": 4,
         "requests_per_target": 1000, "policies": ["p-web-cpu", "p-web-latency"]},
        {"name": "backend", "service": "p-backend", "resource_id": "service/p/p-backend", "min_capacity": 2, "max_capacity": 10,
         "requests_per_target": 1000, "policies": ["p-backend-cpu", "p-backend-latency"]},
    ]


@pytest.mark.parametrize("services, settings", [("web", SETTINGS), ([{"min_capacity": 1}], SETTINGS), (["web"], {"name_prefix": "p"})])
def test_bad_input_is_a_clear_error(services, settings):
    with pytest.raises(AnsibleFilterError):
        autoscaling_target_specs(services, settings)
