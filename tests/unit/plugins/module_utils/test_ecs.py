"""module_utils/ecs.py: the comparisons and conversions the ECS modules share."""

from unittest.mock import MagicMock

import botocore.exceptions
import pytest

from ansible_collections.tracetrack.aws.plugins.module_utils import ecs

TD = "arn:aws:ecs:ap-south-1:123456789012:task-definition/web:7"


@pytest.mark.parametrize(
    "requested, matches",
    [(TD, True), (TD[:-1] + "6", False), ("web:7", True), ("web:6", False), ("web", True), ("api", False), (None, True)],
)
def test_task_definition_is_matched_by_arn_revision_or_family(requested, matches):
    assert ecs.task_definition_matches(TD, requested) is matches


def test_no_task_definition_matches_only_an_unset_request():
    assert ecs.task_definition_matches(None, None) is True
    assert ecs.task_definition_matches(None, "web") is False


def test_strategy_order_and_defaults_do_not_count():
    assert ecs.normalize_strategy([{"capacity_provider": "FARGATE_SPOT", "weight": 3}, {"capacityProvider": "FARGATE", "weight": 1, "base": 1}]) == [
        {"capacityProvider": "FARGATE", "weight": 1, "base": 1},
        {"capacityProvider": "FARGATE_SPOT", "weight": 3, "base": 0},
    ]
    assert ecs.normalize_strategy(None) == []


def test_tags_convert_both_ways_with_lower_case_members():
    tags = {"Project": "tracetrack"}
    assert ecs.tag_list(tags) == [{"key": "Project", "value": "tracetrack"}]
    assert ecs.tags_of({"tags": ecs.tag_list(tags)}) == tags
    assert ecs.tags_of({}) == {}


def test_format_resource_leaves_out_members_and_gives_tags_as_a_dict():
    service = {
        "serviceName": "web",
        "desiredCount": 2,
        "events": [{"message": "steady"}],
        "tags": [{"key": "Project", "value": "tracetrack"}],
    }
    assert ecs.format_resource(service, leave_out=("events",)) == {
        "service_name": "web",
        "desired_count": 2,
        "tags": {"Project": "tracetrack"},
    }
    assert ecs.format_resource(None) == {}


class _Module:
    def fail_json(self, **kwargs):
        raise AssertionError(kwargs["msg"])

    def fail_json_aws(self, error, msg):
        raise AssertionError(msg)


def _client(answer):
    client = MagicMock()
    if isinstance(answer, Exception):
        client.describe_services.side_effect = answer
    else:
        client.describe_services.return_value = answer
    return client


def test_one_rule_for_a_service_active_and_draining_are_there_inactive_and_missing_are_not():
    for status, there in (("ACTIVE", True), ("DRAINING", True), ("INACTIVE", False)):
        client = _client({"services": [{"serviceName": "web", "status": status}], "failures": []})
        assert (ecs.describe_service(client, _Module(), "tt", "web") is not None) is there, status
    assert ecs.describe_service(_client({"services": [], "failures": [{"reason": "MISSING"}]}), _Module(), "tt", "web") is None


def test_a_missing_cluster_is_a_missing_service_and_tags_are_asked_for_only_when_wanted():
    missing = botocore.exceptions.ClientError({"Error": {"Code": "ClusterNotFoundException", "Message": "no"}}, "DescribeServices")
    assert ecs.describe_service(_client(missing), _Module(), "tt", "web") is None
    client = _client({"services": [{"serviceName": "web", "status": "ACTIVE"}]})
    ecs.describe_service(client, _Module(), "tt", "web", tags=True)
    client.describe_services.assert_called_with(aws_retry=True, cluster="tt", services=["web"], include=["TAGS"])


def test_require_service_names_the_service_and_ecs_reason():
    with pytest.raises(AssertionError, match="Couldn't find ECS service web in cluster tt: MISSING"):
        ecs.require_service(_client({"services": [], "failures": [{"reason": "MISSING"}]}), _Module(), "tt", "web")


def _client_error(code, message):
    return botocore.exceptions.ClientError({"Error": {"Code": code, "Message": message}}, "RegisterTaskDefinition")


@pytest.mark.parametrize(
    "code, message, retried",
    [
        ("ClientException", "ECS was unable to assume the role 'arn:aws:iam::1:role/task' that was provided for this task.", True),
        ("InvalidParameterException", "Unable to assume role and validate the specified targetGroupArn.", True),
        ("ThrottlingException", "Rate exceeded", True),
        ("ClientException", "Container.image should not be null or empty.", False),
        ("InvalidParameterException", "The target group does not have an associated load balancer.", False),
        ("AccessDeniedException", "User is not authorized to perform: iam:PassRole on the role", False),
    ],
)
def test_ecs_client_retries_a_role_iam_has_not_propagated_and_no_other_client_error(monkeypatch, code, message, retried):
    """ECS answers a role created seconds ago with "unable to assume role": retried; other errors of the same codes
    fail at once."""
    monkeypatch.setattr("time.sleep", lambda _seconds: None)
    calls = []

    def register():
        calls.append(1)
        if len(calls) == 1:
            raise _client_error(code, message)
        return "registered"

    module = MagicMock()
    ecs.ecs_client(module)
    decorator = module.client.call_args.kwargs["retry_decorator"]
    if retried:
        assert decorator(register)() == "registered" and len(calls) == 2
    else:
        with pytest.raises(botocore.exceptions.ClientError):
            decorator(register)()
        assert len(calls) == 1
