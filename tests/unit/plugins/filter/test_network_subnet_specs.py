"""network_subnet_specs: a tier's CIDR blocks as the subnets tracetrack.aws.ec2_vpc_subnets takes."""

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.tracetrack.aws.plugins.filter.network_subnet_specs import network_subnet_specs

ZONES = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]


def test_the_nth_block_goes_to_the_nth_zone_named_and_tagged_with_its_tier():
    specs = network_subnet_specs(["10.0.0.0/24", "10.0.1.0/24"], "public", ZONES, "tt-prod", {"Project": "tt"})
    assert specs == [
        {"cidr": "10.0.0.0/24", "az": "eu-west-1a", "map_public": True, "tags": {"Project": "tt", "Name": "tt-prod-public-eu-west-1a", "Tier": "public"}},
        {"cidr": "10.0.1.0/24", "az": "eu-west-1b", "map_public": True, "tags": {"Project": "tt", "Name": "tt-prod-public-eu-west-1b", "Tier": "public"}},
    ]


def test_only_the_public_tier_maps_public_addresses():
    assert [s["map_public"] for s in network_subnet_specs(["10.0.10.0/24"], "app", ZONES, "tt")] == [False]
    assert [s["map_public"] for s in network_subnet_specs(["10.0.20.0/24"], "data", ZONES, "tt")] == [False]


@pytest.mark.parametrize(
    ("cidrs", "tier", "zones", "message"),
    [
        (["10.0.0.0/24"], "edge", ZONES, "tier must be one of public, app, data, not 'edge'"),
        (["10.0.0.0/24", "10.0.1.0/24"], "app", ZONES[:1], "2 app CIDR blocks for 1 zones"),
        ("10.0.0.0/24", "app", ZONES, "must be lists"),
    ],
)
def test_bad_input_is_refused(cidrs, tier, zones, message):
    with pytest.raises(AnsibleFilterError, match=message):
        network_subnet_specs(cidrs, tier, zones, "tt")
