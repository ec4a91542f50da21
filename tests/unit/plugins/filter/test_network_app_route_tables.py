"""network_app_route_tables: one route table per app subnet, to the NAT gateway of its zone, the shared one, or none."""

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.tracetrack.aws.plugins.filter.network_app_route_tables import network_app_route_tables

ZONES = ["eu-west-1a", "eu-west-1b"]


def test_each_zone_routes_to_its_own_nat_gateway():
    tables = network_app_route_tables(["subnet-a", "subnet-b"], ZONES, ["nat-a", "nat-b"], "tt", {"Project": "tt"})
    assert tables == [
        {"name": "tt-app-eu-west-1a", "tags": {"Project": "tt"}, "subnets": ["subnet-a"], "routes": [{"dest": "0.0.0.0/0", "nat_gateway_id": "nat-a"}]},
        {"name": "tt-app-eu-west-1b", "tags": {"Project": "tt"}, "subnets": ["subnet-b"], "routes": [{"dest": "0.0.0.0/0", "nat_gateway_id": "nat-b"}]},
    ]


def test_a_single_nat_gateway_is_shared_and_none_means_no_route_out():
    shared = network_app_route_tables(["subnet-a", "subnet-b"], ZONES, ["nat-1"], "tt")
    assert [t["routes"][0]["nat_gateway_id"] for t in shared] == ["nat-1", "nat-1"]
    assert [t["routes"] for t in network_app_route_tables(["subnet-a"], ZONES, [], "tt")] == [[]]


@pytest.mark.parametrize(
    ("subnets", "zones", "nats", "message"),
    [
        (["s1", "s2", "s3"], ZONES, [], "3 app subnets for 2 zones"),
        (["s1", "s2", "s3"], [*ZONES, "eu-west-1c"], ["n1", "n2"], "2 NAT gateways for 3 zones"),
        ("s1", ZONES, [], "must be lists"),
    ],
)
def test_bad_input_is_refused(subnets, zones, nats, message):
    with pytest.raises(AnsibleFilterError, match=message):
        network_app_route_tables(subnets, zones, nats, "tt")
