"""tracetrack.aws.ec2_security_groups: rules compared by their parts, groups naming each other, one read, check mode."""

from unittest.mock import MagicMock

from ansible_collections.tracetrack.aws.plugins.modules import ec2_security_groups
from ansible_collections.tracetrack.aws.tests.unit.plugins.modules.utils import fake_module
from ansible_collections.tracetrack.aws.tests.unit.plugins.modules.utils import outcome_of
from ansible_collections.tracetrack.aws.tests.unit.plugins.modules.utils import stub_paginators

WRITES = (
    "create_security_group",
    "authorize_security_group_ingress",
    "authorize_security_group_egress",
    "revoke_security_group_ingress",
    "revoke_security_group_egress",
    "update_security_group_rule_descriptions_ingress",
    "update_security_group_rule_descriptions_egress",
    "create_tags",
    "delete_tags",
)


def rule(**fields):
    base = dict.fromkeys(("ports", "from_port", "to_port", "cidr_ip", "cidr_ipv6", "group_name", "group_id", "rule_desc"))
    return {**base, "proto": "tcp", **fields}


ALB = {
    "name": "tt-alb",
    "description": "load balancer",
    "tags": {"Name": "tt-alb"},
    "rules": [rule(ports=[80, 443], cidr_ip=["0.0.0.0/0"], rule_desc="from clients")],
    "rules_egress": [rule(ports=[8000], group_name="tt-app", rule_desc="to the app")],
}
APP = {
    "name": "tt-app",
    "description": "app",
    "tags": {"Name": "tt-app"},
    "rules": [rule(ports=[8000], group_name="tt-alb", rule_desc="from the load balancer")],
    "rules_egress": [],
}


def group(group_id, spec, ingress, egress, **changes):
    described = {
        "GroupId": group_id,
        "GroupName": spec["name"],
        "Description": spec["description"],
        "VpcId": "vpc-1",
        "IpPermissions": ingress,
        "IpPermissionsEgress": egress,
        "Tags": [{"Key": k, "Value": v} for k, v in spec["tags"].items()],
    }
    described.update(changes)
    return described


def converged():
    alb = group(
        "sg-alb",
        ALB,
        [{"IpProtocol": "tcp", "FromPort": p, "ToPort": p, "IpRanges": [{"CidrIp": "0.0.0.0/0", "Description": "from clients"}]} for p in (80, 443)],
        [{"IpProtocol": "tcp", "FromPort": 8000, "ToPort": 8000, "UserIdGroupPairs": [{"GroupId": "sg-app", "Description": "to the app"}]}],
    )
    app = group(
        "sg-app",
        APP,
        [{"IpProtocol": "tcp", "FromPort": 8000, "ToPort": 8000, "UserIdGroupPairs": [{"GroupId": "sg-alb", "Description": "from the load balancer"}]}],
        [],
    )
    return [alb, app]


def client_with(*pages):
    """A client whose DescribeSecurityGroups answers each page in turn (the last one from then on)."""
    answers = list(pages)

    def describe(**kwargs):
        assert {"Name": "vpc-id", "Values": ["vpc-1"]} in kwargs["Filters"]
        return {"SecurityGroups": answers.pop(0) if len(answers) > 1 else answers[0]}

    client = stub_paginators(MagicMock(), {"describe_security_groups": describe})
    client.create_security_group.side_effect = lambda **request: {"GroupId": "sg-" + request["GroupName"].split("-")[1]}
    return client


def run(client, groups, check_mode=False):
    params = {"vpc_id": "vpc-1", "groups": groups, "purge_tags": True, "purge_rules": True, "purge_rules_egress": True}
    module = fake_module(params, check_mode)
    return outcome_of(ec2_security_groups.ensure_groups, client, module, module.params), module


def test_groups_as_listed_are_one_read_and_no_write():
    client = client_with(converged())
    outcome, _module = run(client, [ALB, APP])
    assert outcome.result["changed"] is False
    assert [g["group_id"] for g in outcome.result["security_groups"]] == ["sg-alb", "sg-app"]
    assert client.get_paginator.call_count == 1
    for write in WRITES:
        getattr(client, write).assert_not_called()


def test_new_groups_are_created_before_the_rules_that_name_each_other():
    created = converged()
    just_created = [
        group("sg-alb", ALB, [], ec2_security_groups.DEFAULT_EGRESS),
        group("sg-app", APP, [], ec2_security_groups.DEFAULT_EGRESS),
    ]
    client = client_with([], just_created, created)
    outcome, _module = run(client, [ALB, APP])
    assert outcome.result["changed"] is True
    assert [c["name"] for c in outcome.result["changed_groups"]] == ["tt-alb", "tt-app"]
    assert [c.kwargs["GroupName"] for c in client.create_security_group.call_args_list] == ["tt-alb", "tt-app"]
    ingress = {c.kwargs["GroupId"]: c.kwargs["IpPermissions"] for c in client.authorize_security_group_ingress.call_args_list}
    from_alb = [{"GroupId": "sg-alb", "Description": "from the load balancer"}]
    assert ingress["sg-app"] == [{"IpProtocol": "tcp", "FromPort": 8000, "ToPort": 8000, "UserIdGroupPairs": from_alb}]
    assert sorted(p["FromPort"] for p in ingress["sg-alb"]) == [80, 443]
    egress = client.authorize_security_group_egress.call_args
    assert egress.kwargs["GroupId"] == "sg-alb"
    assert egress.kwargs["IpPermissions"][0]["UserIdGroupPairs"] == [{"GroupId": "sg-app", "Description": "to the app"}]
    # EC2's rule for a new group goes where the listed outbound rules say otherwise (both here).
    revoked = {c.kwargs["GroupId"]: c.kwargs["IpPermissions"] for c in client.revoke_security_group_egress.call_args_list}
    assert revoked == {"sg-alb": ec2_security_groups.DEFAULT_EGRESS, "sg-app": ec2_security_groups.DEFAULT_EGRESS}
    assert [g["group_id"] for g in outcome.result["security_groups"]] == ["sg-alb", "sg-app"]


def test_a_rule_not_listed_is_revoked_and_a_changed_description_updated_in_place():
    alb, app = converged()
    alb["IpPermissions"].append({"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]})
    alb["IpPermissions"][0]["IpRanges"][0]["Description"] = "old words"
    client = client_with([alb, app])
    outcome, _module = run(client, [ALB, APP])
    assert [c["name"] for c in outcome.result["changed_groups"]] == ["tt-alb"]
    client.revoke_security_group_ingress.assert_called_once_with(
        aws_retry=True, GroupId="sg-alb", IpPermissions=[{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "10.0.0.0/8"}]}]
    )
    described = [{"IpProtocol": "tcp", "FromPort": 80, "ToPort": 80, "IpRanges": [{"CidrIp": "0.0.0.0/0", "Description": "from clients"}]}]
    client.update_security_group_rule_descriptions_ingress.assert_called_once_with(aws_retry=True, GroupId="sg-alb", IpPermissions=described)
    client.authorize_security_group_ingress.assert_not_called()
    (change,) = outcome.result["changed_groups"]
    assert "tcp 22 10.0.0.0/8" in change["diff"]["before"]["rules"]
    assert change["diff"]["after"]["rules"] == ["tcp 443 0.0.0.0/0 (from clients)", "tcp 80 0.0.0.0/0 (from clients)"]


def test_rules_not_given_are_left_alone_and_purge_off_keeps_extra_rules():
    alb, app = converged()
    alb["IpPermissions"].append({"IpProtocol": "-1", "IpRanges": [{"CidrIp": "10.0.0.0/8"}]})
    client = client_with([alb, app])
    groups = [ALB, {**APP, "rules": None, "rules_egress": None}]
    params = {"vpc_id": "vpc-1", "groups": groups, "purge_tags": True, "purge_rules": False, "purge_rules_egress": True}
    module = fake_module(params)
    outcome = outcome_of(ec2_security_groups.ensure_groups, client, module, params)
    assert outcome.result["changed"] is False


def test_check_mode_reports_and_writes_nothing():
    alb, app = converged()
    alb["Tags"] = []
    client = client_with([alb, app])
    outcome, _module = run(client, [ALB, APP], check_mode=True)
    assert [c["name"] for c in outcome.result["changed_groups"]] == ["tt-alb"]
    assert outcome.result["security_groups"][0]["tags"] == {"Name": "tt-alb"}
    for write in WRITES:
        getattr(client, write).assert_not_called()


def test_bad_rules_fail_before_any_change_each_named():
    bad = {
        **ALB,
        "rules": [rule(ports=["80-70000"], cidr_ip="0.0.0.0/0"), rule(ports=[443]), rule(ports=[5432], group_name="tt-nowhere")],
        "rules_egress": [rule(proto="udp", cidr_ip="0.0.0.0/0")],
    }
    client = client_with([])
    outcome, _module = run(client, [bad, APP, APP])
    assert outcome.failed
    message = outcome.result["msg"]
    assert "groups[0] (tt-alb) rules[0]: port '80-70000' is not a range within 0-65535" in message
    assert "groups[0] (tt-alb) rules[1]: names no peer" in message
    assert "groups[0] (tt-alb) rules[2]: group_name 'tt-nowhere' is neither in groups nor a group of the VPC" in message
    assert "groups[0] (tt-alb) rules_egress[0]: proto udp needs ports" in message
    assert "groups lists 'tt-app' twice" in message
    client.create_security_group.assert_not_called()


def test_a_different_description_is_a_warning_not_a_replacement():
    alb, app = converged()
    alb["Description"] = "older words"
    client = client_with([alb, app])
    outcome, module = run(client, [ALB, APP])
    assert outcome.result["changed"] is False
    assert "EC2 cannot change a group's description" in module.warn.call_args.args[0]
