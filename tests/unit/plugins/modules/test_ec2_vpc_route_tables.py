"""tracetrack.aws.ec2_vpc_route_tables: tables found by name, routes and subnets made exact, one read, check mode."""

from unittest.mock import MagicMock

from ansible_collections.tracetrack.aws.plugins.modules import ec2_vpc_route_tables
from ansible_collections.tracetrack.aws.tests.unit.plugins.modules.utils import fake_module
from ansible_collections.tracetrack.aws.tests.unit.plugins.modules.utils import outcome_of
from ansible_collections.tracetrack.aws.tests.unit.plugins.modules.utils import stub_paginators

WRITES = (
    "create_route_table",
    "create_route",
    "replace_route",
    "delete_route",
    "associate_route_table",
    "replace_route_table_association",
    "disassociate_route_table",
    "create_tags",
    "delete_tags",
)
PUBLIC = {
    "name": "tt-public",
    "tags": {"Project": "tt"},
    "subnets": ["subnet-p"],
    "routes": [{"dest": "0.0.0.0/0", "gateway_id": "igw-1", "nat_gateway_id": None}],
}
APP = {"name": "tt-app-a", "tags": {"Project": "tt"}, "subnets": ["subnet-a"], "routes": [{"dest": "0.0.0.0/0", "gateway_id": None, "nat_gateway_id": "nat-1"}]}
LOCAL = {"DestinationCidrBlock": "10.0.0.0/16", "GatewayId": "local", "Origin": "CreateRouteTable"}


def table(table_id, name, subnets, routes, tags=None):
    return {
        "RouteTableId": table_id,
        "VpcId": "vpc-1",
        "Routes": [LOCAL, *routes],
        "Associations": [{"RouteTableAssociationId": f"assoc-{s}", "RouteTableId": table_id, "SubnetId": s, "Main": False} for s in subnets],
        "Tags": [{"Key": k, "Value": v} for k, v in {"Project": "tt", "Name": name, **(tags or {})}.items()],
    }


def converged():
    return [
        {
            "RouteTableId": "rtb-main",
            "VpcId": "vpc-1",
            "Routes": [LOCAL],
            "Associations": [{"RouteTableAssociationId": "assoc-main", "Main": True}],
            "Tags": [],
        },
        table("rtb-p", "tt-public", ["subnet-p"], [{"DestinationCidrBlock": "0.0.0.0/0", "GatewayId": "igw-1", "Origin": "CreateRoute"}]),
        table("rtb-a", "tt-app-a", ["subnet-a"], [{"DestinationCidrBlock": "0.0.0.0/0", "NatGatewayId": "nat-1", "Origin": "CreateRoute"}]),
    ]


def client_with(*pages):
    answers = list(pages)

    def describe(**kwargs):
        assert kwargs["Filters"] == [{"Name": "vpc-id", "Values": ["vpc-1"]}]
        return {"RouteTables": answers.pop(0) if len(answers) > 1 else answers[0]}

    client = stub_paginators(MagicMock(), {"describe_route_tables": describe})
    client.create_route_table.return_value = {"RouteTable": {"RouteTableId": "rtb-new"}}
    return client


def run(client, tables, check_mode=False):
    params = {"vpc_id": "vpc-1", "route_tables": tables, "purge_tags": True, "purge_routes": True, "purge_subnets": True}
    module = fake_module(params, check_mode)
    return outcome_of(ec2_vpc_route_tables.ensure_route_tables, client, module, params)


def test_tables_as_listed_are_one_read_and_no_write():
    client = client_with(converged())
    outcome = run(client, [PUBLIC, APP])
    assert outcome.result["changed"] is False
    assert [t["id"] for t in outcome.result["route_tables"]] == ["rtb-p", "rtb-a"]
    assert client.get_paginator.call_count == 1
    for write in WRITES:
        getattr(client, write).assert_not_called()


def test_a_new_table_is_created_named_with_its_routes_and_takes_its_subnet_from_another_table(monkeypatch):
    monkeypatch.setattr(ec2_vpc_route_tables, "get_waiter", MagicMock())
    before = converged()[:2] + [table("rtb-old", "tt-elsewhere", ["subnet-a"], [])]
    client = client_with(before, before + [table("rtb-new", "tt-app-a", ["subnet-a"], [])])
    outcome = run(client, [PUBLIC, APP])
    assert [c["name"] for c in outcome.result["changed_route_tables"]] == ["tt-app-a"]
    tags = client.create_route_table.call_args.kwargs["TagSpecifications"][0]["Tags"]
    assert {t["Key"]: t["Value"] for t in tags} == {"Project": "tt", "Name": "tt-app-a"}
    client.create_route.assert_called_once_with(aws_retry=True, RouteTableId="rtb-new", DestinationCidrBlock="0.0.0.0/0", NatGatewayId="nat-1")
    client.replace_route_table_association.assert_called_once_with(aws_retry=True, AssociationId="assoc-subnet-a", RouteTableId="rtb-new")
    client.associate_route_table.assert_not_called()


def test_a_changed_target_is_replaced_and_unlisted_routes_and_subnets_removed():
    tables = converged()
    tables[2]["Routes"] = [
        LOCAL,
        {"DestinationCidrBlock": "0.0.0.0/0", "NatGatewayId": "nat-old", "Origin": "CreateRoute"},
        {"DestinationCidrBlock": "192.168.0.0/16", "GatewayId": "vgw-1", "Origin": "CreateRoute"},
        {"DestinationCidrBlock": "172.16.0.0/12", "GatewayId": "vgw-1", "Origin": "EnableVgwRoutePropagation"},
    ]
    tables[2]["Associations"].append({"RouteTableAssociationId": "assoc-x", "RouteTableId": "rtb-a", "SubnetId": "subnet-x", "Main": False})
    client = client_with(tables)
    outcome = run(client, [PUBLIC, APP])
    assert [c["name"] for c in outcome.result["changed_route_tables"]] == ["tt-app-a"]
    client.replace_route.assert_called_once_with(aws_retry=True, RouteTableId="rtb-a", DestinationCidrBlock="0.0.0.0/0", NatGatewayId="nat-1")
    client.delete_route.assert_called_once_with(aws_retry=True, RouteTableId="rtb-a", DestinationCidrBlock="192.168.0.0/16")
    client.disassociate_route_table.assert_called_once_with(aws_retry=True, AssociationId="assoc-x")
    (change,) = outcome.result["changed_route_tables"]
    assert change["diff"]["before"]["subnets"] == ["subnet-a", "subnet-x"] and change["diff"]["after"]["subnets"] == ["subnet-a"]
    assert change["diff"]["after"]["routes"] == {"0.0.0.0/0": "NatGatewayId nat-1"}


def test_a_subnet_not_associated_yet_is_associated_and_stray_tags_go():
    tables = converged()
    tables[1]["Associations"] = []
    tables[1]["Tags"].append({"Key": "Stray", "Value": "x"})
    client = client_with(tables)
    run(client, [PUBLIC, APP])
    client.associate_route_table.assert_called_once_with(aws_retry=True, RouteTableId="rtb-p", SubnetId="subnet-p")
    client.delete_tags.assert_called_once_with(aws_retry=True, Resources=["rtb-p"], Tags=[{"Key": "Stray"}])


def test_check_mode_reports_and_writes_nothing():
    client = client_with(converged()[:2])
    outcome = run(client, [PUBLIC, APP], check_mode=True)
    assert [c["name"] for c in outcome.result["changed_route_tables"]] == ["tt-app-a"]
    assert outcome.result["route_tables"][1]["id"] == ""
    assert outcome.result["route_tables"][1]["tags"] == {"Project": "tt", "Name": "tt-app-a"}
    for write in WRITES:
        getattr(client, write).assert_not_called()


def test_bad_input_fails_before_any_change_each_named():
    two_targets = {**APP, "routes": [{"dest": "0.0.0.0/0", "gateway_id": "igw-1", "nat_gateway_id": "nat-1"}]}
    client = client_with(converged())
    outcome = run(client, [PUBLIC, two_targets, {**PUBLIC, "subnets": ["subnet-p"]}])
    assert outcome.failed
    assert "route_tables[1] (tt-app-a) routes[0] (0.0.0.0/0): name exactly one of gateway_id and nat_gateway_id" in outcome.result["msg"]
    assert "route_tables lists 'tt-public' twice" in outcome.result["msg"]
    assert "route_tables[2] (tt-public): subnet subnet-p is listed for 'tt-public' already" in outcome.result["msg"]
    for write in WRITES:
        getattr(client, write).assert_not_called()
