"""module_utils/tags.py: O(tags)/O(purge_tags) through TagResource and UntagResource, per naming style."""

from unittest.mock import MagicMock

import pytest

from ansible_collections.tracetrack.aws.plugins.module_utils import tags
from ansible_collections.tracetrack.aws.tests.unit.plugins.modules.utils import ModuleFail
from ansible_collections.tracetrack.aws.tests.unit.plugins.modules.utils import client_error
from ansible_collections.tracetrack.aws.tests.unit.plugins.modules.utils import fake_module
from ansible_collections.tracetrack.aws.tests.unit.plugins.modules.utils import outcome_of

ARN = "arn:aws:xray:ap-south-1:123456789012:group/faults/ABC"
CURRENT = {"Project": "tracetrack", "Owner": "ops", "aws:cloudformation:stack-name": "s"}


def test_unset_tags_change_nothing():
    client = MagicMock()
    changed, after = tags.update_resource_tags(client, fake_module(), ARN, CURRENT, {"tags": None, "purge_tags": True}, "x")
    assert (changed, after) == (False, CURRENT)
    assert client.method_calls == []


def test_purge_removes_what_is_not_asked_for_but_keeps_aws_tags():
    client = MagicMock()
    params = {"tags": {"Project": "tracetrack", "Tier": "web"}, "purge_tags": True}
    changed, after = tags.update_resource_tags(client, fake_module(), ARN, CURRENT, params, "x")
    assert changed is True
    assert after == {"Project": "tracetrack", "Tier": "web", "aws:cloudformation:stack-name": "s"}
    client.untag_resource.assert_called_once_with(aws_retry=True, ResourceARN=ARN, TagKeys=["Owner"])
    client.tag_resource.assert_called_once_with(aws_retry=True, ResourceARN=ARN, Tags=[{"Key": "Tier", "Value": "web"}])


@pytest.mark.parametrize(
    "api, expected",
    [
        (tags.ECS_TAGGING, {"resourceArn": ARN, "tags": [{"key": "Tier", "value": "web"}]}),
        (tags.ECR_TAGGING, {"resourceArn": ARN, "tags": [{"Key": "Tier", "Value": "web"}]}),
    ],
)
def test_other_naming_styles(api, expected):
    client = MagicMock()
    params = {"tags": {"Tier": "web"}, "purge_tags": False}
    changed, after = tags.update_resource_tags(client, fake_module(), ARN, CURRENT, params, "x", api=api)
    assert changed is True
    assert after == dict(CURRENT, Tier="web")
    client.untag_resource.assert_not_called()
    client.tag_resource.assert_called_once_with(aws_retry=True, **expected)


def test_check_mode_reports_without_calls():
    client = MagicMock()
    params = {"tags": {"Project": "other"}, "purge_tags": False}
    changed, _after = tags.update_resource_tags(client, fake_module(check_mode=True), ARN, CURRENT, params, "x")
    assert changed is True
    assert client.method_calls == []


def test_api_errors_name_the_resource():
    client = MagicMock()
    client.tag_resource.side_effect = client_error("AccessDenied", "TagResource")
    params = {"tags": {"Tier": "web"}, "purge_tags": False}
    outcome = outcome_of(tags.update_resource_tags, client, fake_module(), ARN, CURRENT, params, "X-Ray group faults")
    assert isinstance(outcome, ModuleFail)
    assert outcome.result["msg"] == "Couldn't update the tags of X-Ray group faults"


def test_tags_are_read_again_after_a_change_and_predicted_in_check_mode():
    params = {"tags": {"Project": "tracetrack"}, "purge_tags": True}
    read = MagicMock(return_value={"Project": "tracetrack"})
    changed, after = tags.update_and_read_tags(MagicMock(), fake_module(), ARN, CURRENT, params, "x", read)
    assert (changed, after) == (True, {"Project": "tracetrack"})
    read.assert_called_once()

    read.reset_mock()
    changed, after = tags.update_and_read_tags(MagicMock(), fake_module(check_mode=True), ARN, CURRENT, params, "x", read)
    assert (changed, after) == (True, tags.expected_tags(CURRENT, params))
    read.assert_not_called()

    unchanged = {"tags": dict(CURRENT), "purge_tags": True}
    assert tags.update_and_read_tags(MagicMock(), fake_module(), ARN, CURRENT, unchanged, "x", read) == (False, CURRENT)
    read.assert_not_called()
