"""tracetrack.aws.subnet_plan_errors: the network role's pre-flight check of the address plan."""

import pytest

from ansible_collections.tracetrack.aws.plugins.filter.subnet_plan_errors import subnet_plan_errors

GOOD = {
    "network_vpc_cidr": "10.20.0.0/16",
    "network_az_count": 2,
    "network_public_subnet_cidrs": ["10.20.0.0/24", "10.20.1.0/24"],
    "network_app_subnet_cidrs": ["10.20.10.0/24", "10.20.11.0/24"],
    "network_data_subnet_cidrs": ["10.20.20.0/24", "10.20.21.0/24"],
}


def plan(**changes):
    return {**GOOD, **changes}


def test_a_sound_plan_has_no_problems():
    assert subnet_plan_errors(GOOD) == []


@pytest.mark.parametrize(
    "changes, expected",
    [
        ({"network_vpc_cidr": "10.20.0.0/33"}, "network_vpc_cidr '10.20.0.0/33' is not a valid CIDR block"),
        ({"network_vpc_cidr": "10.20.0.1/16"}, "network_vpc_cidr '10.20.0.1/16' is not a valid CIDR block"),
        ({"network_vpc_cidr": "10.0.0.0/8"}, "network_vpc_cidr '10.0.0.0/8' must have a prefix between /16 and /28"),
        ({"network_vpc_cidr": "fd00::/56"}, "only IPv4"),
        (
            {"network_app_subnet_cidrs": ["10.20.10.0/24"]},
            "network_app_subnet_cidrs lists 1 subnets but network_az_count is 2",
        ),
        (
            {"network_app_subnet_cidrs": ["10.21.10.0/24", "10.20.11.0/24"]},
            "network_app_subnet_cidrs: 10.21.10.0/24 is outside",
        ),
        (
            {"network_data_subnet_cidrs": ["10.20.0.0/25", "10.20.21.0/24"]},
            "network_data_subnet_cidrs: 10.20.0.0/25 overlaps 10.20.0.0/24 of network_public_subnet_cidrs",
        ),
        (
            {"network_public_subnet_cidrs": ["bogus", "10.20.1.0/24"]},
            "network_public_subnet_cidrs: 'bogus' is not a valid CIDR block",
        ),
        ({"network_public_subnet_cidrs": ["10.20.0.0/29", "10.20.1.0/24"]}, "must have a prefix between /16 and /28"),
    ],
)
def test_each_problem_names_the_variable_at_fault(changes, expected):
    problems = subnet_plan_errors(plan(**changes))
    assert any(expected in problem for problem in problems), problems


def test_every_overlap_is_reported_once_per_pair():
    problems = subnet_plan_errors(plan(network_app_subnet_cidrs=["10.20.0.0/24", "10.20.1.0/24"]))
    assert sorted(problems) == [
        "network_app_subnet_cidrs: 10.20.0.0/24 overlaps 10.20.0.0/24 of network_public_subnet_cidrs",
        "network_app_subnet_cidrs: 10.20.1.0/24 overlaps 10.20.1.0/24 of network_public_subnet_cidrs",
    ]


def test_a_non_dictionary_is_refused():
    from ansible.errors import AnsibleFilterError

    with pytest.raises(AnsibleFilterError):
        subnet_plan_errors(["10.0.0.0/16"])
