"""tracetrack.aws.iam_roles: roles with exact inline and managed policies, compared as policies, in one task."""

import json
from unittest.mock import MagicMock

from ansible_collections.tracetrack.aws.plugins.modules import iam_roles
from ansible_collections.tracetrack.aws.tests.unit.plugins.modules.utils import client_error
from ansible_collections.tracetrack.aws.tests.unit.plugins.modules.utils import fake_module
from ansible_collections.tracetrack.aws.tests.unit.plugins.modules.utils import outcome_of
from ansible_collections.tracetrack.aws.tests.unit.plugins.modules.utils import stub_paginators

WRITES = ("create_role", "update_assume_role_policy", "update_role", "put_role_policy", "delete_role_policy",
          "attach_role_policy", "detach_role_policy", "tag_role", "untag_role")  # fmt: skip
TRUST = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
LOGS = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["logs:PutLogEvents", "logs:CreateLogStream"], "Resource": "*"}]}
MANAGED = "arn:aws:iam::aws:policy/AmazonECSInfrastructureRolePolicyForLoadBalancers"


def spec(name, **fields):
    base = {"name": name, "path": "/", "description": f"{name} role", "assume_role_policy_document": json.dumps(TRUST),
            "max_session_duration": None, "inline_policies": {"logs": json.dumps(LOGS)}, "managed_policies": [], "tags": {"Project": "tt"}}  # fmt: skip
    base.update(fields)
    return base


def existing(name, **fields):
    role = {"RoleName": name, "Arn": f"arn:aws:iam::123456789012:role/{name}", "RoleId": "AROA1", "Path": "/", "Description": f"{name} role",
            "MaxSessionDuration": 3600, "AssumeRolePolicyDocument": TRUST, "Tags": [{"Key": "Project", "Value": "tt"}]}  # fmt: skip
    role.update(fields)
    return role


def iam_holding(roles, inline=None, attached=None):
    """An IAM client with these roles (name -> GetRole answer), their inline policies and attached ARNs."""
    inline = inline or {}
    attached = attached or {}
    client = MagicMock()

    def get_role(RoleName, **_kwargs):  # noqa: N803 - the API's parameter name
        if RoleName not in roles:
            raise client_error("NoSuchEntity", "GetRole")
        return {"Role": roles[RoleName]}

    client.get_role.side_effect = get_role
    client.get_role_policy.side_effect = lambda RoleName, PolicyName, **_kwargs: {"PolicyDocument": inline[RoleName][PolicyName]}  # noqa: N803
    client.create_role.side_effect = lambda **request: {"Role": existing(request["RoleName"], Description=request["Description"])}
    stub_paginators(client, {
        "list_role_policies": lambda RoleName: {"PolicyNames": sorted(inline.get(RoleName, {}))},  # noqa: N803
        "list_attached_role_policies": lambda RoleName: {"AttachedPolicies": [{"PolicyArn": a} for a in attached.get(RoleName, [])]},  # noqa: N803
    })  # fmt: skip
    return client


def run(client, roles, check_mode=False, purge_tags=True):
    params = {"roles": roles, "purge_tags": purge_tags}
    return outcome_of(iam_roles.ensure_roles, client, fake_module(params, check_mode), params)


def writes_made(client):
    return [name for name in WRITES if getattr(client, name).called]


def test_roles_as_wanted_are_read_and_left_alone_even_with_statements_in_another_order():
    reordered = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"], "Resource": "*"}]}
    client = iam_holding({"a": existing("a"), "b": existing("b")}, inline={"a": {"logs": reordered}, "b": {"logs": LOGS}}, attached={"b": [MANAGED]})
    outcome = run(client, [spec("a"), spec("b", managed_policies=[MANAGED])])
    assert outcome.result["changed"] is False and outcome.result["changed_roles"] == []
    assert [r["arn"] for r in outcome.result["roles"]] == ["arn:aws:iam::123456789012:role/a", "arn:aws:iam::123456789012:role/b"]
    assert outcome.result["roles"][1]["managed_policies"] == [MANAGED] and outcome.result["roles"][0]["inline_policies"] == ["logs"]
    assert client.get_role.call_count == 2 and client.get_role_policy.call_count == 2
    assert writes_made(client) == []


def test_a_new_role_is_created_with_its_policies_and_reported_from_create_role():
    client = iam_holding({})
    outcome = run(client, [spec("a", managed_policies=[MANAGED])])
    assert [(c["name"], c["action"]) for c in outcome.result["changed_roles"]] == [("a", "created")]
    created = client.create_role.call_args.kwargs
    assert json.loads(created["AssumeRolePolicyDocument"]) == TRUST and created["Tags"] == [{"Key": "Project", "Value": "tt"}]
    client.put_role_policy.assert_called_once()
    assert json.loads(client.put_role_policy.call_args.kwargs["PolicyDocument"]) == LOGS
    client.attach_role_policy.assert_called_once_with(aws_retry=True, RoleName="a", PolicyArn=MANAGED)
    assert outcome.result["roles"][0]["arn"] == "arn:aws:iam::123456789012:role/a"
    assert client.get_role.call_count == 1  # not read back: IAM may not show it yet


def test_drift_is_corrected_part_by_part_and_unlisted_policies_removed():
    other_trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
    client = iam_holding(
        {"a": existing("a", AssumeRolePolicyDocument=other_trust, Description="old", Tags=[{"Key": "Stray", "Value": "x"}])},
        inline={"a": {"logs": {"Version": "2012-10-17", "Statement": []}, "extra": LOGS}},
        attached={"a": ["arn:aws:iam::aws:policy/AdministratorAccess"]},
    )
    outcome = run(client, [spec("a")])
    assert [(c["name"], c["action"]) for c in outcome.result["changed_roles"]] == [("a", "updated")]
    assert json.loads(client.update_assume_role_policy.call_args.kwargs["PolicyDocument"]) == TRUST
    client.update_role.assert_called_once_with(aws_retry=True, RoleName="a", Description="a role")
    assert [c.kwargs["PolicyName"] for c in client.put_role_policy.call_args_list] == ["logs"]
    client.delete_role_policy.assert_called_once_with(aws_retry=True, RoleName="a", PolicyName="extra")
    client.detach_role_policy.assert_called_once_with(aws_retry=True, RoleName="a", PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess")
    client.untag_role.assert_called_once_with(aws_retry=True, RoleName="a", TagKeys=["Stray"])
    client.tag_role.assert_called_once_with(aws_retry=True, RoleName="a", Tags=[{"Key": "Project", "Value": "tt"}])
    diff = outcome.result["changed_roles"][0]["diff"]
    assert diff["before"]["inline_policies"] == ["extra", "logs"] and diff["after"]["inline_policies"] == ["logs"]


def test_check_mode_reports_and_writes_nothing():
    client = iam_holding({"a": existing("a", Description="old")}, inline={"a": {"logs": LOGS}})
    outcome = run(client, [spec("a"), spec("new")], check_mode=True)
    assert [(c["name"], c["action"]) for c in outcome.result["changed_roles"]] == [("a", "updated"), ("new", "created")]
    assert outcome.result["roles"][1]["arn"] == ""
    assert writes_made(client) == []


def test_bad_input_fails_before_any_call():
    client = iam_holding({})
    assert run(client, [spec("a"), spec("a")]).result["msg"] == "roles lists a more than once"
    outcome = run(client, [spec("a", inline_policies={"logs": "{not json"})])
    assert outcome.failed and "roles[a].inline_policies.logs is not JSON" in outcome.result["msg"]
    client.get_role.assert_not_called()


def test_a_path_that_differs_fails_without_a_change():
    client = iam_holding({"a": existing("a", Path="/service-role/")}, inline={"a": {"logs": LOGS}})
    outcome = run(client, [spec("a")])
    assert outcome.failed and "roles[a].path" in outcome.result["msg"]
    assert writes_made(client) == []
