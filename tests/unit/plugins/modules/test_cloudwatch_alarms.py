"""tracetrack.aws.cloudwatch_alarms: a set of alarms in one task, read once, written only where they differ, purged."""

import copy
from unittest.mock import MagicMock

import pytest

from ansible_collections.tracetrack.aws.plugins.module_utils.cloudwatch import alarm_request
from ansible_collections.tracetrack.aws.plugins.modules import cloudwatch_alarms
from ansible_collections.tracetrack.aws.tests.unit.plugins.modules.utils import fake_module
from ansible_collections.tracetrack.aws.tests.unit.plugins.modules.utils import outcome_of

TOPIC = "arn:aws:sns:ap-south-1:123456789012:alerts"
TAGS = {"Project": "tracetrack"}


def alarm(name, threshold=70.0, **extra):
    base = {
        "name": name,
        "description": f"{name} fires",
        "namespace": "AWS/ECS",
        "metric_name": "CPUUtilization",
        "dimensions": {"ServiceName": "web"},
        "statistic": "Average",
        "extended_statistic": None,
        "period": None,
        "unit": None,
        "metrics": None,
        "comparison": "GreaterThanThreshold",
        "threshold": threshold,
        "evaluation_periods": None,
        "datapoints_to_alarm": None,
        "treat_missing_data": None,
    }
    base.update(extra)
    return base


def params(alarms, **overrides):
    base = dict(
        alarms=alarms,
        period=60,
        evaluation_periods=5,
        datapoints_to_alarm=3,
        treat_missing_data="missing",
        actions_enabled=True,
        alarm_actions=[TOPIC],
        ok_actions=[TOPIC],
        insufficient_data_actions=[],
        purge_pattern=None,
        name_prefix=None,
        tags=TAGS,
        purge_tags=True,
    )
    base.update(overrides)
    return base


def described(entry, all_params):
    request = alarm_request(cloudwatch_alarms.alarm_params(entry, all_params))
    found = copy.deepcopy(request)
    found.update(AlarmArn=f"arn:aws:cloudwatch:ap-south-1:123456789012:alarm:{entry['name']}", StateValue="OK")
    found["AlarmActions"] = list(reversed(found["AlarmActions"]))
    return found


def client_holding(alarms, tags=None):
    client = MagicMock()
    paginator = MagicMock()
    paginator.paginate.return_value.build_full_result.return_value = {"MetricAlarms": alarms}
    client.get_paginator.return_value = paginator
    client.list_tags_for_resource.return_value = {"Tags": [{"Key": k, "Value": v} for k, v in (tags if tags is not None else TAGS).items()]}
    return client


def run(client, all_params, check_mode=False):
    return outcome_of(cloudwatch_alarms.converge, client, fake_module(all_params, check_mode), all_params).result


def test_a_set_that_matches_makes_one_describe_a_tag_read_each_and_no_write():
    wanted = [alarm("p-web-cpu"), alarm("p-db-cpu", threshold=80.0)]
    all_params = params(wanted)
    client = client_holding([described(a, all_params) for a in wanted])
    result = run(client, all_params)
    assert result["changed"] is False and result["changed_alarms"] == []
    assert client.get_paginator.return_value.paginate.call_count == 1
    assert client.list_tags_for_resource.call_count == 2
    client.put_metric_alarm.assert_not_called()
    client.tag_resource.assert_not_called()


def tagging_listing(arn_tags):
    """A Resource Groups Tagging API client whose GetResources lists these ARNs with these tags."""
    tagging = MagicMock()
    mappings = [{"ResourceARN": arn, "Tags": [{"Key": k, "Value": v} for k, v in tags.items()]} for arn, tags in arn_tags.items()]
    tagging.get_paginator.return_value.paginate.return_value.build_full_result.return_value = {"ResourceTagMappingList": mappings}
    return tagging


def test_with_the_tagging_api_a_set_that_matches_costs_one_describe_and_one_tag_read():
    wanted = [alarm("p-web-cpu"), alarm("p-db-cpu", threshold=80.0)]
    all_params = params(wanted)
    alarms = [described(a, all_params) for a in wanted]
    client = client_holding(alarms)
    tagging = tagging_listing({a["AlarmArn"]: TAGS for a in alarms})
    result = outcome_of(cloudwatch_alarms.converge, client, fake_module(all_params), all_params, tagging).result
    assert result["changed"] is False
    assert tagging.get_paginator.return_value.paginate.call_args.kwargs == {"ResourceARNList": [a["AlarmArn"] for a in alarms]}
    client.list_tags_for_resource.assert_not_called()
    client.tag_resource.assert_not_called()


def test_an_alarm_the_tagging_api_does_not_list_yet_is_read_on_its_own_and_its_tags_compared():
    wanted = [alarm("p-web-cpu"), alarm("p-db-cpu")]
    all_params = params(wanted)
    alarms = [described(a, all_params) for a in wanted]
    client = client_holding(alarms, tags={"Project": "other"})
    tagging = tagging_listing({alarms[0]["AlarmArn"]: TAGS})
    result = outcome_of(cloudwatch_alarms.converge, client, fake_module(all_params), all_params, tagging).result
    client.list_tags_for_resource.assert_called_once_with(aws_retry=True, ResourceARN=alarms[1]["AlarmArn"])
    assert [(c["name"], c["action"]) for c in result["changed_alarms"]] == [("p-db-cpu", "tagged")]


def test_only_the_alarm_that_differs_is_put_again_with_its_diff():
    wanted = [alarm("p-web-cpu"), alarm("p-db-cpu", threshold=80.0)]
    all_params = params(wanted)
    drifted = described(alarm("p-db-cpu", threshold=65.0), all_params)
    client = client_holding([described(wanted[0], all_params), drifted])
    result = run(client, all_params)
    assert [(c["name"], c["action"]) for c in result["changed_alarms"]] == [("p-db-cpu", "updated")]
    assert client.put_metric_alarm.call_count == 1
    assert client.put_metric_alarm.call_args.kwargs["Threshold"] == 80.0
    assert result["diff"]["before"]["p-db-cpu"]["Threshold"] == 65.0 and result["diff"]["after"]["p-db-cpu"]["Threshold"] == 80.0


def test_a_new_alarm_is_put_with_its_tags_and_the_shared_options():
    all_params = params([alarm("p-web-cpu")])
    client = client_holding([])
    result = run(client, all_params)
    assert [(c["name"], c["action"]) for c in result["changed_alarms"]] == [("p-web-cpu", "created")]
    kwargs = client.put_metric_alarm.call_args.kwargs
    assert kwargs["Tags"] == [{"Key": "Project", "Value": "tracetrack"}]
    assert (kwargs["Period"], kwargs["EvaluationPeriods"], kwargs["DatapointsToAlarm"], kwargs["OKActions"]) == (60, 5, 3, [TOPIC])


def test_check_mode_reports_every_change_and_writes_nothing():
    wanted = [alarm("p-web-cpu"), alarm("p-db-cpu")]
    all_params = params(wanted, purge_pattern="p-(web|db|redis)-")
    stale = described(alarm("p-redis-cpu"), all_params)
    client = client_holding([described(alarm("p-web-cpu", threshold=10.0), all_params), stale])
    result = run(client, all_params, check_mode=True)
    assert sorted((c["name"], c["action"]) for c in result["changed_alarms"]) == [("p-db-cpu", "created"), ("p-redis-cpu", "deleted"), ("p-web-cpu", "updated")]
    client.put_metric_alarm.assert_not_called()
    client.delete_alarms.assert_not_called()


def test_purge_deletes_only_matching_alarms_that_are_not_listed_and_looks_them_up_by_prefix():
    all_params = params([alarm("p-web-cpu")], purge_pattern="p-(web|db)-", name_prefix="p-")
    client = client_holding([described(alarm("p-web-cpu"), all_params), described(alarm("p-db-old"), all_params), described(alarm("p-other"), all_params)])
    result = run(client, all_params)
    assert result["deleted"] == ["p-db-old"]
    client.delete_alarms.assert_called_once_with(aws_retry=True, AlarmNames=["p-db-old"])
    assert client.get_paginator.return_value.paginate.call_args.kwargs["AlarmNamePrefix"] == "p-"


def test_changed_tags_are_applied_without_putting_the_alarm():
    all_params = params([alarm("p-web-cpu")])
    client = client_holding([described(alarm("p-web-cpu"), all_params)], tags={"Project": "other"})
    result = run(client, all_params)
    assert [(c["name"], c["action"]) for c in result["changed_alarms"]] == [("p-web-cpu", "tagged")]
    client.put_metric_alarm.assert_not_called()
    client.tag_resource.assert_called_once()


@pytest.mark.parametrize(
    "alarms, overrides, message",
    [
        ([alarm("a"), alarm("a")], {}, "more than once"),
        ([alarm("a", namespace=None)], {}, "alarm a: state=present needs namespace"),
        ([alarm("a")], {"evaluation_periods": 2, "datapoints_to_alarm": 3}, "datapoints_to_alarm"),
        ([alarm("a")], {"purge_pattern": "("}, "purge_pattern"),
        ([alarm("p-a"), alarm("q-b")], {"name_prefix": "p-"}, "name_prefix 'p-' is not the start of q-b"),
    ],
)
def test_bad_options_fail_before_any_call(alarms, overrides, message):
    all_params = params(alarms, **overrides)
    outcome = outcome_of(cloudwatch_alarms.validate, fake_module(all_params), all_params)
    assert outcome.failed and message in outcome.result["msg"]
