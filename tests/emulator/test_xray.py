"""X-Ray groups, sampling rules and tags, as the AWS X-Ray API reference describes them."""

import boto3
import botocore.config
import botocore.exceptions
import pytest

from tests.support.clients import REGION, emulator_client


@pytest.fixture
def xray(clean_emulator):
    return emulator_client(clean_emulator, "xray")


def rule(name="web", **overrides):
    fields = dict(
        RuleName=name,
        ResourceARN="*",
        Priority=100,
        FixedRate=0.1,
        ReservoirSize=2,
        ServiceName="tracetrack-web",
        ServiceType="AWS::ECS::Container",
        Host="*",
        HTTPMethod="*",
        URLPath="*",
        Version=1,
    )
    fields.update(overrides)
    return fields


def error_of(call, **kwargs):
    with pytest.raises(botocore.exceptions.ClientError) as caught:
        call(**kwargs)
    response = caught.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


# --- groups -------------------------------------------------------------------------------------------


def test_group_lifecycle(xray):
    created = xray.create_group(
        GroupName="web-errors",
        FilterExpression='service("tracetrack-web") AND fault',
        InsightsConfiguration={"InsightsEnabled": True},
        Tags=[{"Key": "Project", "Value": "tracetrack"}],
    )["Group"]
    assert created["GroupARN"].startswith("arn:aws:xray:ap-south-1:123456789012:group/web-errors/")
    assert created["InsightsConfiguration"] == {"InsightsEnabled": True, "NotificationsEnabled": False}

    assert xray.get_group(GroupName="web-errors")["Group"] == created
    assert xray.get_group(GroupARN=created["GroupARN"])["Group"] == created

    updated = xray.update_group(GroupName="web-errors", FilterExpression='service("tracetrack-web")')["Group"]
    assert updated["FilterExpression"] == 'service("tracetrack-web")'
    assert updated["InsightsConfiguration"]["InsightsEnabled"] is True  # left alone when not given

    names = [g["GroupName"] for page in xray.get_paginator("get_groups").paginate() for g in page["Groups"]]
    assert names == ["Default", "web-errors"]

    xray.delete_group(GroupARN=created["GroupARN"])
    assert error_of(xray.get_group, GroupName="web-errors") == ("InvalidRequestException", 400)


def test_group_errors(xray):
    xray.create_group(GroupName="dup")
    assert error_of(xray.create_group, GroupName="dup") == ("InvalidRequestException", 400)
    assert error_of(xray.create_group, GroupName="Default") == ("InvalidRequestException", 400)
    assert error_of(xray.create_group, GroupName="x" * 33) == ("InvalidRequestException", 400)
    assert error_of(xray.delete_group, GroupName="Default") == ("InvalidRequestException", 400)
    assert error_of(xray.update_group, GroupName="missing") == ("InvalidRequestException", 400)
    assert error_of(
        xray.create_group, GroupName="n", InsightsConfiguration={"NotificationsEnabled": True}
    ) == ("InvalidRequestException", 400)


# --- sampling rules -----------------------------------------------------------------------------------


def test_default_rule_always_exists_and_cannot_be_deleted(xray):
    (default,) = xray.get_sampling_rules()["SamplingRuleRecords"]
    assert default["SamplingRule"]["RuleName"] == "Default"
    assert default["SamplingRule"]["Priority"] == 10000
    assert error_of(xray.delete_sampling_rule, RuleName="Default") == ("InvalidRequestException", 400)
    updated = xray.update_sampling_rule(SamplingRuleUpdate={"RuleName": "Default", "FixedRate": 0.2})
    assert updated["SamplingRuleRecord"]["SamplingRule"]["FixedRate"] == 0.2
    assert error_of(
        xray.update_sampling_rule, SamplingRuleUpdate={"RuleName": "Default", "ServiceName": "x"}
    ) == ("InvalidRequestException", 400)


def test_sampling_rule_lifecycle(xray):
    record = xray.create_sampling_rule(SamplingRule=rule(Attributes={"tier": "web"}))["SamplingRuleRecord"]
    created = record["SamplingRule"]
    assert created["RuleARN"] == "arn:aws:xray:ap-south-1:123456789012:sampling-rule/web"
    assert created["Attributes"] == {"tier": "web"}
    assert record["CreatedAt"] == record["ModifiedAt"]

    records = xray.get_sampling_rules()["SamplingRuleRecords"]
    assert [r["SamplingRule"]["RuleName"] for r in records] == ["web", "Default"]  # by priority

    updated = xray.update_sampling_rule(SamplingRuleUpdate={"RuleARN": created["RuleARN"], "ReservoirSize": 5})
    after = updated["SamplingRuleRecord"]["SamplingRule"]
    assert after["ReservoirSize"] == 5
    assert after["FixedRate"] == 0.1  # left alone when not given

    deleted = xray.delete_sampling_rule(RuleName="web")["SamplingRuleRecord"]["SamplingRule"]
    assert deleted["RuleName"] == "web"
    assert len(xray.get_sampling_rules()["SamplingRuleRecords"]) == 1


@pytest.mark.parametrize(
    "overrides",
    [{"FixedRate": 1.5}, {"Priority": 0}, {"Priority": 10000}, {"Version": 2}, {"ReservoirSize": -1},
     {"HTTPMethod": "X" * 11}, {"Attributes": {f"k{i}": "v" for i in range(6)}}],
)
def test_invalid_sampling_rules_are_refused(clean_emulator, overrides):
    # Without the SDK's own checks, so that the emulator's answer is what is tested.
    unchecked = boto3.client(
        "xray",
        endpoint_url=clean_emulator.url,
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=botocore.config.Config(parameter_validation=False),
    )
    assert error_of(unchecked.create_sampling_rule, SamplingRule=rule(**overrides)) == ("InvalidRequestException", 400)


def test_sampling_rule_name_is_unique_and_rules_are_limited(xray):
    xray.create_sampling_rule(SamplingRule=rule("r0"))
    assert error_of(xray.create_sampling_rule, SamplingRule=rule("r0")) == ("InvalidRequestException", 400)
    for index in range(1, 25):
        xray.create_sampling_rule(SamplingRule=rule(f"r{index}"))
    assert error_of(xray.create_sampling_rule, SamplingRule=rule("r25")) == ("RuleLimitExceededException", 400)
    assert error_of(xray.delete_sampling_rule, RuleName="missing") == ("InvalidRequestException", 400)


# --- tags ---------------------------------------------------------------------------------------------


def test_tags_of_groups_and_rules(xray):
    group_arn = xray.create_group(GroupName="tagged", Tags=[{"Key": "a", "Value": "1"}])["Group"]["GroupARN"]
    rule_arn = xray.create_sampling_rule(SamplingRule=rule(), Tags=[{"Key": "b", "Value": "2"}])[
        "SamplingRuleRecord"
    ]["SamplingRule"]["RuleARN"]

    xray.tag_resource(ResourceARN=group_arn, Tags=[{"Key": "a", "Value": "one"}, {"Key": "c", "Value": "3"}])
    xray.untag_resource(ResourceARN=rule_arn, TagKeys=["b"])
    assert xray.list_tags_for_resource(ResourceARN=group_arn)["Tags"] == [
        {"Key": "a", "Value": "one"},
        {"Key": "c", "Value": "3"},
    ]
    assert xray.list_tags_for_resource(ResourceARN=rule_arn)["Tags"] == []

    unknown = "arn:aws:xray:ap-south-1:123456789012:group/none/ABC"
    assert error_of(xray.list_tags_for_resource, ResourceARN=unknown) == ("ResourceNotFoundException", 404)
    assert error_of(
        xray.tag_resource, ResourceARN=group_arn, Tags=[{"Key": f"k{i}", "Value": "v"} for i in range(50)]
    ) == ("TooManyTagsException", 400)
    assert error_of(
        xray.tag_resource, ResourceARN=group_arn, Tags=[{"Key": "aws:reserved", "Value": "v"}]
    ) == ("InvalidRequestException", 400)


def test_reset_forgets_groups_and_rules(clean_emulator):
    xray = emulator_client(clean_emulator, "xray")
    xray.create_group(GroupName="temporary")
    clean_emulator.reset()
    assert [g["GroupName"] for g in xray.get_groups()["Groups"]] == ["Default"]
