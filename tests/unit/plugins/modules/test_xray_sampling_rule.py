"""tracetrack.aws.xray_sampling_rule: which calls a run makes, and which it leaves out."""

from datetime import datetime, timezone
from unittest.mock import MagicMock

from ansible_collections.tracetrack.aws.plugins.modules import xray_sampling_rule
from ansible_collections.tracetrack.aws.tests.unit.plugins.modules.utils import fake_module_for
from ansible_collections.tracetrack.aws.tests.unit.plugins.modules.utils import outcome_of
from ansible_collections.tracetrack.aws.tests.unit.plugins.modules.utils import stub_paginators

ARN = "arn:aws:xray:ap-south-1:123456789012:sampling-rule/web"
RULE = {
    "RuleName": "web",
    "RuleARN": ARN,
    "ResourceARN": "*",
    "Priority": 100,
    "FixedRate": 0.05,
    "ReservoirSize": 1,
    "ServiceName": "tracetrack-web",
    "ServiceType": "*",
    "Host": "*",
    "HTTPMethod": "*",
    "URLPath": "*",
    "Version": 1,
    "Attributes": {"Tier": "web"},
}
WHEN = datetime(2026, 11, 1, tzinfo=timezone.utc)
RECORD = {"SamplingRule": RULE, "CreatedAt": WHEN, "ModifiedAt": WHEN}
DEFAULT_RECORD = {
    "SamplingRule": dict(RULE, RuleName="Default", RuleARN=ARN.replace("web", "Default"), Priority=10000, ServiceName="*", Attributes={}),
    "CreatedAt": WHEN,
    "ModifiedAt": WHEN,
}


def params(**overrides):
    values = {option: None for option in xray_sampling_rule.RULE_MEMBERS}
    values.update(state="present", rule_name="web", version=None, tags=None, purge_tags=True)
    values.update(overrides)
    return values


fake_module = fake_module_for(params)


def fake_client(records, tags=None):
    client = stub_paginators(
        MagicMock(),
        {"get_sampling_rules": {"SamplingRuleRecords": records}, "list_tags_for_resource": {"Tags": tags or []}},
    )
    client.create_sampling_rule.side_effect = lambda aws_retry, SamplingRule, **kw: {
        "SamplingRuleRecord": {"SamplingRule": dict(SamplingRule, RuleARN=ARN), "CreatedAt": WHEN, "ModifiedAt": WHEN}
    }
    client.update_sampling_rule.side_effect = lambda aws_retry, SamplingRuleUpdate: {
        "SamplingRuleRecord": {**RECORD, "SamplingRule": {**RULE, **SamplingRuleUpdate}}
    }
    return client


def run(function, client, module):
    return outcome_of(function, client, module, module.params)


def writes(client):
    names = ("create_sampling_rule", "update_sampling_rule", "delete_sampling_rule", "tag_resource", "untag_resource")
    return [name for name in names if getattr(client, name).called]


# --- decisions ----------------------------------------------------------------------------------------


def test_unset_options_are_never_compared():
    assert xray_sampling_rule.rule_update(RULE, params()) == {}


def test_same_values_are_no_change():
    same = params(priority=100, fixed_rate=0.05, reservoir_size=1, service_name="tracetrack-web", host="*", attributes={"Tier": "web"})
    assert xray_sampling_rule.rule_update(RULE, same) == {}


def test_fixed_rate_compares_as_a_number():
    assert xray_sampling_rule.rule_update(dict(RULE, FixedRate=0.1), params(fixed_rate=0.1000000000001)) == {}
    assert xray_sampling_rule.rule_update(RULE, params(fixed_rate=0.1)) == {"FixedRate": 0.1}


def test_only_differing_members_are_sent():
    assert xray_sampling_rule.rule_update(RULE, params(priority=50, host="*", url_path="/api/*")) == {
        "Priority": 50,
        "URLPath": "/api/*",
    }


def test_attributes_are_set_exactly():
    assert xray_sampling_rule.rule_update(RULE, params(attributes={})) == {"Attributes": {}}
    assert xray_sampling_rule.rule_update(dict(RULE, Attributes=None), params(attributes={})) == {}


def test_create_request_matches_everything_not_set():
    wanted = params(priority=10, fixed_rate=0.0, reservoir_size=0, url_path="/health")
    request = xray_sampling_rule.create_request(wanted)
    assert request == {
        "SamplingRule": {
            "RuleName": "web",
            "Version": 1,
            "Priority": 10,
            "FixedRate": 0.0,
            "ReservoirSize": 0,
            "ServiceName": "*",
            "ServiceType": "*",
            "Host": "*",
            "HTTPMethod": "*",
            "URLPath": "/health",
            "ResourceARN": "*",
        }
    }


# --- runs ---------------------------------------------------------------------------------------------


def test_converged_rule_makes_no_write():
    client = fake_client([DEFAULT_RECORD, RECORD], tags=[{"Key": "Project", "Value": "tracetrack"}])
    module = fake_module(priority=100, fixed_rate=0.05, reservoir_size=1, tags={"Project": "tracetrack"})
    outcome = run(xray_sampling_rule.ensure_present, client, module)
    assert outcome.result["changed"] is False
    assert writes(client) == []
    rule = outcome.result["sampling_rule"]
    assert rule["rule_arn"] == ARN
    assert rule["http_method"] == "*" and rule["url_path"] == "*"
    assert rule["attributes"] == {"Tier": "web"}  # keys as given, not snake_cased
    assert rule["created_at"] == WHEN
    assert rule["tags"] == {"Project": "tracetrack"}


def test_missing_rule_needs_the_three_numbers():
    outcome = run(xray_sampling_rule.ensure_present, fake_client([DEFAULT_RECORD]), fake_module(priority=5))
    assert outcome.failed
    assert outcome.result["msg"] == "fixed_rate, reservoir_size are required to create X-Ray sampling rule web"


def test_missing_rule_is_created_and_check_mode_writes_nothing():
    module = fake_module(check_mode=True, priority=5, fixed_rate=0.5, reservoir_size=2)
    client = fake_client([DEFAULT_RECORD])
    outcome = run(xray_sampling_rule.ensure_present, client, module)
    assert outcome.result["changed"] is True
    assert writes(client) == []

    client = fake_client([DEFAULT_RECORD])
    outcome = run(xray_sampling_rule.ensure_present, client, fake_module(priority=5, fixed_rate=0.5, reservoir_size=2))
    assert outcome.result["changed"] is True
    assert client.create_sampling_rule.call_args.kwargs["SamplingRule"]["Priority"] == 5


def test_changed_rule_is_updated_by_arn_with_the_differences_only():
    client = fake_client([RECORD])
    outcome = run(xray_sampling_rule.ensure_present, client, fake_module(priority=100, reservoir_size=3))
    assert outcome.result["changed"] is True
    client.update_sampling_rule.assert_called_once_with(aws_retry=True, SamplingRuleUpdate={"RuleARN": ARN, "ReservoirSize": 3})
    assert outcome.result["sampling_rule"]["reservoir_size"] == 3


def test_check_mode_update_writes_nothing():
    client = fake_client([RECORD])
    outcome = run(xray_sampling_rule.ensure_present, client, fake_module(check_mode=True, fixed_rate=0.5))
    assert outcome.result["changed"] is True
    assert outcome.result["sampling_rule"]["fixed_rate"] == 0.5
    assert writes(client) == []


def test_version_cannot_change():
    client = fake_client([dict(RECORD, SamplingRule=dict(RULE, Version=2))])
    outcome = run(xray_sampling_rule.ensure_present, client, fake_module(version=1))
    assert outcome.failed
    assert "cannot change" in outcome.result["msg"]


def test_default_rule_takes_only_rate_and_reservoir():
    client = fake_client([DEFAULT_RECORD])
    outcome = run(xray_sampling_rule.ensure_present, client, fake_module(rule_name="Default", service_name="web"))
    assert outcome.failed
    assert "service_name" in outcome.result["msg"]
    outcome = run(xray_sampling_rule.ensure_present, client, fake_module(rule_name="Default", fixed_rate=0.01))
    assert outcome.result["changed"] is True


def test_default_rule_cannot_be_deleted():
    module = fake_module(state="absent", rule_name="Default")
    outcome = run(xray_sampling_rule.ensure_absent, fake_client([DEFAULT_RECORD]), module)
    assert outcome.failed


def test_absent_rule_is_no_change_and_existing_rule_is_deleted():
    client = fake_client([DEFAULT_RECORD])
    assert run(xray_sampling_rule.ensure_absent, client, fake_module(state="absent")).result["changed"] is False
    client = fake_client([RECORD])
    assert run(xray_sampling_rule.ensure_absent, client, fake_module(check_mode=True, state="absent")).result["changed"]
    assert writes(client) == []
    run(xray_sampling_rule.ensure_absent, client, fake_module(state="absent"))
    client.delete_sampling_rule.assert_called_once_with(aws_retry=True, RuleARN=ARN)
