"""tracetrack.aws.ec2_vpc_subnets: one read for the set, creation, attribute and tag changes, zone errors, check mode."""

from unittest.mock import MagicMock

from ansible_collections.tracetrack.aws.plugins.modules import ec2_vpc_subnets
from ansible_collections.tracetrack.aws.tests.unit.plugins.modules.utils import fake_module
from ansible_collections.tracetrack.aws.tests.unit.plugins.modules.utils import outcome_of
from ansible_collections.tracetrack.aws.tests.unit.plugins.modules.utils import stub_paginators

PUBLIC = {"cidr": "10.0.0.0/24", "az": "eu-west-1a", "map_public": True, "tags": {"Name": "p-a", "Tier": "public"}}
APP = {"cidr": "10.0.10.0/24", "az": "eu-west-1a", "map_public": False, "tags": {"Name": "a-a", "Tier": "app"}}


def described(subnet_id, spec, **changes):
    subnet = {
        "SubnetId": subnet_id,
        "CidrBlock": spec["cidr"],
        "AvailabilityZone": spec["az"],
        "VpcId": "vpc-1",
        "State": "available",
        "MapPublicIpOnLaunch": spec["map_public"],
        "Tags": [{"Key": k, "Value": v} for k, v in spec["tags"].items()],
    }
    subnet.update(changes)
    return subnet


def client_with(*pages):
    """A client whose DescribeSubnets answers each page in turn (the last one from then on)."""
    answers = list(pages)

    def describe(**kwargs):
        assert kwargs["Filters"] == [{"Name": "vpc-id", "Values": ["vpc-1"]}]
        return {"Subnets": answers.pop(0) if len(answers) > 1 else answers[0]}

    client = stub_paginators(MagicMock(), {"describe_subnets": describe})
    client.create_subnet.return_value = {"Subnet": {"SubnetId": "subnet-new"}}
    return client


def run(client, subnets, check_mode=False):
    module = fake_module({"vpc_id": "vpc-1", "subnets": subnets, "purge_tags": True, "wait": True}, check_mode)
    return outcome_of(ec2_vpc_subnets.ensure_subnets, client, module, module.params)


def test_a_set_with_nothing_to_change_is_one_read_and_no_write():
    client = client_with([described("subnet-1", PUBLIC), described("subnet-2", APP), described("subnet-9", {**APP, "cidr": "10.0.99.0/24"})])
    outcome = run(client, [PUBLIC, APP])
    assert outcome.result["changed"] is False
    assert [s["id"] for s in outcome.result["subnets"]] == ["subnet-1", "subnet-2"]
    assert outcome.result["subnets"][0]["tags"] == PUBLIC["tags"]
    assert client.get_paginator.call_count == 1
    for write in ("create_subnet", "modify_subnet_attribute", "create_tags", "delete_tags"):
        getattr(client, write).assert_not_called()


def test_a_missing_subnet_is_created_with_its_tags_and_public_mapping():
    after = [described("subnet-1", PUBLIC), described("subnet-new", APP)]
    client = client_with([described("subnet-1", PUBLIC)], after)
    outcome = run(client, [PUBLIC, APP | {"map_public": True}])
    assert outcome.result["changed"] is True
    assert [c["name"] for c in outcome.result["changed_subnets"]] == ["10.0.10.0/24"]
    request = client.create_subnet.call_args.kwargs
    assert (request["VpcId"], request["CidrBlock"], request["AvailabilityZone"]) == ("vpc-1", "10.0.10.0/24", "eu-west-1a")
    assert request["TagSpecifications"][0]["ResourceType"] == "subnet"
    client.modify_subnet_attribute.assert_called_once_with(aws_retry=True, SubnetId="subnet-new", MapPublicIpOnLaunch={"Value": True})
    assert [s["id"] for s in outcome.result["subnets"]] == ["subnet-1", "subnet-new"]


def test_tags_and_public_mapping_of_an_existing_subnet_are_corrected():
    client = client_with([described("subnet-1", PUBLIC, MapPublicIpOnLaunch=False, Tags=[{"Key": "Name", "Value": "old"}, {"Key": "Stray", "Value": "x"}])])
    outcome = run(client, [PUBLIC])
    assert outcome.result["changed"] is True
    client.modify_subnet_attribute.assert_called_once_with(aws_retry=True, SubnetId="subnet-1", MapPublicIpOnLaunch={"Value": True})
    client.delete_tags.assert_called_once_with(aws_retry=True, Resources=["subnet-1"], Tags=[{"Key": "Stray"}])
    written = {t["Key"]: t["Value"] for t in client.create_tags.call_args.kwargs["Tags"]}
    assert written == {"Name": "p-a", "Tier": "public"}
    client.create_subnet.assert_not_called()


def test_check_mode_reports_the_changes_and_writes_nothing():
    client = client_with([described("subnet-1", PUBLIC, Tags=[])])
    outcome = run(client, [PUBLIC, APP], check_mode=True)
    assert outcome.result["changed"] is True
    assert [(c["name"], c["action"]) for c in outcome.result["changed_subnets"]] == [("10.0.0.0/24", "updated"), ("10.0.10.0/24", "created")]
    assert outcome.result["changed_subnets"][0]["diff"] == {
        "before": {"availability_zone": "eu-west-1a", "map_public_ip_on_launch": True, "tags": {}},
        "after": {"availability_zone": "eu-west-1a", "map_public_ip_on_launch": True, "tags": PUBLIC["tags"]},
    }
    assert outcome.result["subnets"][1]["id"] == ""
    assert outcome.result["subnets"][0]["tags"] == PUBLIC["tags"]
    for write in ("create_subnet", "modify_subnet_attribute", "create_tags", "delete_tags"):
        getattr(client, write).assert_not_called()


def test_a_subnet_in_another_zone_or_a_repeated_block_fails_before_any_change():
    client = client_with([described("subnet-1", PUBLIC, AvailabilityZone="eu-west-1b")])
    outcome = run(client, [PUBLIC, APP, APP])
    assert outcome.failed
    assert "subnet 10.0.0.0/24 (subnet-1) is in eu-west-1b, not eu-west-1a" in outcome.result["msg"]
    assert "subnets lists 10.0.10.0/24 twice" in outcome.result["msg"]
    client.create_subnet.assert_not_called()


def test_a_subnet_just_made_is_reported_as_made_while_ec2_does_not_show_it_or_its_tags_yet():
    # EC2 is eventually consistent: the Describe after the change shows the old tags, and not yet the new subnet.
    client = client_with([described("subnet-1", PUBLIC, Tags=[])], [described("subnet-1", PUBLIC, Tags=[])])
    outcome = run(client, [PUBLIC, APP])
    reported = {s["cidr_block"]: s for s in outcome.result["subnets"]}
    assert reported["10.0.0.0/24"]["tags"] == PUBLIC["tags"] and reported["10.0.0.0/24"]["id"] == "subnet-1"
    assert reported["10.0.10.0/24"]["id"] == "subnet-new"
    assert reported["10.0.10.0/24"]["tags"] == APP["tags"] and reported["10.0.10.0/24"]["availability_zone"] == "eu-west-1a"
