"""tracetrack.aws.cloudwatch_alarm: request building, comparison with CloudWatch's description, check mode, tags."""

import copy
from unittest.mock import MagicMock

import pytest

from ansible_collections.tracetrack.aws.plugins.modules import cloudwatch_alarm
from ansible_collections.tracetrack.aws.tests.unit.plugins.modules.utils import ModuleFail
from ansible_collections.tracetrack.aws.tests.unit.plugins.modules.utils import fake_module
from ansible_collections.tracetrack.aws.tests.unit.plugins.modules.utils import outcome_of

ARN = "arn:aws:cloudwatch:ap-south-1:123456789012:alarm:web-cpu"
TOPIC = "arn:aws:sns:ap-south-1:123456789012:alerts"


def params(**overrides):
    base = dict(
        state="present",
        name="web-cpu",
        description="CPU above 70 %",
        namespace="AWS/ECS",
        metric_name="CPUUtilization",
        dimensions={"ServiceName": "web", "ClusterName": "stack"},
        statistic="Average",
        extended_statistic=None,
        period=60,
        unit=None,
        metrics=None,
        comparison="GreaterThanThreshold",
        threshold=70.0,
        evaluation_periods=5,
        datapoints_to_alarm=3,
        treat_missing_data="missing",
        evaluate_low_sample_count_percentile=None,
        actions_enabled=True,
        alarm_actions=[TOPIC],
        ok_actions=[TOPIC],
        insufficient_data_actions=[],
        tags={"Project": "tracetrack"},
        purge_tags=True,
    )
    base.update(overrides)
    return base


MATH = [
    {"id": "rate", "expression": "100 * errors / requests", "label": "rate", "return_data": True, "metric_stat": None, "period": None},
    {
        "id": "errors",
        "return_data": False,
        "expression": None,
        "label": None,
        "period": None,
        "metric_stat": {
            "metric": {"namespace": "AWS/ApplicationELB", "metric_name": "HTTPCode_Target_5XX_Count", "dimensions": {"LoadBalancer": "app/alb/1"}},
            "period": 60,
            "stat": "Sum",
        },
    },
    {
        "id": "requests",
        "return_data": False,
        "expression": None,
        "label": None,
        "period": None,
        "metric_stat": {
            "metric": {"namespace": "AWS/ApplicationELB", "metric_name": "RequestCount", "dimensions": [{"name": "LoadBalancer", "value": "app/alb/1"}]},
            "period": 60,
            "stat": "Sum",
        },
    },
]
MATH_PARAMS = dict(namespace=None, metric_name=None, dimensions=None, statistic=None, period=None, metrics=MATH, treat_missing_data="notBreaching")


def described(request):
    """What CloudWatch DescribeAlarms answers for a PutMetricAlarm request (state members, defaults, order)."""
    alarm = {
        "AlarmArn": ARN,
        "StateValue": "INSUFFICIENT_DATA",
        "StateReason": "Unchecked: Initial alarm creation",
        "AlarmConfigurationUpdatedTimestamp": "2026-11-22T00:00:00Z",
        "Dimensions": [],
        **copy.deepcopy(request),
    }
    alarm["AlarmActions"] = list(reversed(alarm.get("AlarmActions", [])))
    alarm["Dimensions"] = list(reversed(alarm.get("Dimensions", [])))
    if alarm.get("Metrics"):
        for query in alarm["Metrics"]:
            if "MetricStat" in query:
                query["MetricStat"]["Metric"]["Dimensions"] = list(reversed(query["MetricStat"]["Metric"]["Dimensions"]))
    else:
        alarm["Metrics"] = []
    return alarm


def client_with(alarm=None, tags=None):
    client = MagicMock()
    client.describe_alarms.return_value = {"MetricAlarms": [alarm] if alarm else []}
    client.list_tags_for_resource.return_value = {"Tags": [{"Key": k, "Value": v} for k, v in (tags or {}).items()]}
    return client


# --- requests -----------------------------------------------------------------------------------------


def test_single_metric_request():
    request = cloudwatch_alarm.alarm_request(params())
    assert request["Dimensions"] == [{"Name": "ClusterName", "Value": "stack"}, {"Name": "ServiceName", "Value": "web"}]
    assert request["Statistic"] == "Average" and "ExtendedStatistic" not in request
    assert request["Threshold"] == 70.0 and request["DatapointsToAlarm"] == 3
    assert "Metrics" not in request


def test_percentile_request():
    request = cloudwatch_alarm.alarm_request(params(statistic=None, extended_statistic="p95"))
    assert request["ExtendedStatistic"] == "p95" and "Statistic" not in request


def test_metric_math_request_takes_dimensions_as_dict_or_list():
    request = cloudwatch_alarm.alarm_request(params(**MATH_PARAMS))
    assert "Namespace" not in request and "Dimensions" not in request
    rate, errors, requests = request["Metrics"]
    assert rate == {"Id": "rate", "Expression": "100 * errors / requests", "Label": "rate", "ReturnData": True}
    assert errors["MetricStat"]["Metric"]["Dimensions"] == requests["MetricStat"]["Metric"]["Dimensions"]
    assert requests["ReturnData"] is False and requests["MetricStat"]["Stat"] == "Sum"


@pytest.mark.parametrize(
    "metrics, message",
    [
        ([{"id": "a", "expression": "1", "return_data": True}, {"id": "b", "expression": "2", "return_data": True}], "exactly one"),
        ([{"id": "a", "return_data": True}], "exactly one of expression and metric_stat"),
        ([{"id": "a", "return_data": True, "metric_stat": {"metric": {"namespace": "N"}, "period": 60, "stat": "Sum"}}], "metric_name"),
    ],
)
def test_bad_metric_math_is_refused(metrics, message):
    with pytest.raises(cloudwatch_alarm.AlarmError, match=message):
        cloudwatch_alarm.alarm_request(params(**{**MATH_PARAMS, "metrics": metrics}))


# --- comparison ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("overrides", [{}, MATH_PARAMS, {"statistic": None, "extended_statistic": "p95"}])
def test_described_alarm_compares_equal_to_its_request(overrides):
    request = cloudwatch_alarm.alarm_request(params(**overrides))
    assert cloudwatch_alarm.comparable(described(request)) == cloudwatch_alarm.comparable(request)


def test_defaults_fill_in_what_cloudwatch_leaves_out():
    request = cloudwatch_alarm.alarm_request(params(datapoints_to_alarm=None))
    alarm = described(request)
    alarm.pop("TreatMissingData")
    alarm["DatapointsToAlarm"] = 5
    assert cloudwatch_alarm.comparable(alarm) == cloudwatch_alarm.comparable(request)


@pytest.mark.parametrize(
    "change",
    [{"Threshold": 80.0}, {"OKActions": []}, {"AlarmDescription": "other"}, {"DatapointsToAlarm": 5}],
)
def test_a_changed_member_compares_different(change):
    request = cloudwatch_alarm.alarm_request(params())
    alarm = {**described(request), **change}
    assert cloudwatch_alarm.comparable(alarm) != cloudwatch_alarm.comparable(request)


def test_a_changed_expression_compares_different():
    request = cloudwatch_alarm.alarm_request(params(**MATH_PARAMS))
    alarm = described(request)
    alarm["Metrics"][0]["Expression"] = "errors / requests"
    assert cloudwatch_alarm.comparable(alarm) != cloudwatch_alarm.comparable(request)


# --- present / absent ---------------------------------------------------------------------------------


def test_unchanged_alarm_makes_no_call():
    request = cloudwatch_alarm.alarm_request(params())
    client = client_with(described(request), {"Project": "tracetrack"})
    outcome = outcome_of(cloudwatch_alarm.ensure_present, client, fake_module(), params())
    assert outcome.result["changed"] is False
    client.put_metric_alarm.assert_not_called()
    client.tag_resource.assert_not_called()
    assert outcome.result["alarm"]["alarm_arn"] == ARN
    assert outcome.result["alarm"]["tags"] == {"Project": "tracetrack"}


def test_unchanged_metric_math_alarm_makes_no_call():
    request = cloudwatch_alarm.alarm_request(params(**MATH_PARAMS))
    client = client_with(described(request), {"Project": "tracetrack"})
    outcome = outcome_of(cloudwatch_alarm.ensure_present, client, fake_module(), params(**MATH_PARAMS))
    assert outcome.result["changed"] is False
    client.put_metric_alarm.assert_not_called()


def test_new_alarm_is_put_with_its_tags():
    client = client_with(None)
    created = described(cloudwatch_alarm.alarm_request(params()))
    client.describe_alarms.side_effect = [{"MetricAlarms": []}, {"MetricAlarms": [created]}]
    client.list_tags_for_resource.return_value = {"Tags": [{"Key": "Project", "Value": "tracetrack"}]}
    outcome = outcome_of(cloudwatch_alarm.ensure_present, client, fake_module(), params())
    assert outcome.result["changed"] is True
    kwargs = client.put_metric_alarm.call_args.kwargs
    assert kwargs["Tags"] == [{"Key": "Project", "Value": "tracetrack"}]
    assert kwargs["AlarmName"] == "web-cpu"


def test_changed_alarm_is_put_again_with_a_diff():
    old = described(cloudwatch_alarm.alarm_request(params(threshold=60.0)))
    client = client_with(old, {"Project": "tracetrack"})
    outcome = outcome_of(cloudwatch_alarm.ensure_present, client, fake_module(), params())
    assert outcome.result["changed"] is True
    assert client.put_metric_alarm.call_args.kwargs["Threshold"] == 70.0
    assert "Tags" not in client.put_metric_alarm.call_args.kwargs
    assert outcome.result["diff"]["before"]["Threshold"] == 60.0
    assert outcome.result["diff"]["after"]["Threshold"] == 70.0


def test_check_mode_writes_nothing():
    old = described(cloudwatch_alarm.alarm_request(params(threshold=60.0)))
    client = client_with(old, {"Project": "old"})
    outcome = outcome_of(cloudwatch_alarm.ensure_present, client, fake_module(check_mode=True), params())
    assert outcome.result["changed"] is True
    client.put_metric_alarm.assert_not_called()
    client.tag_resource.assert_not_called()
    assert outcome.result["alarm"]["tags"] == {"Project": "tracetrack"}


def test_tags_only_change_is_tagged_not_put():
    client = client_with(described(cloudwatch_alarm.alarm_request(params())), {"Project": "old", "Extra": "x"})
    outcome = outcome_of(cloudwatch_alarm.ensure_present, client, fake_module(), params())
    assert outcome.result["changed"] is True
    client.put_metric_alarm.assert_not_called()
    client.untag_resource.assert_called_once_with(aws_retry=True, ResourceARN=ARN, TagKeys=["Extra"])
    client.tag_resource.assert_called_once()


def test_absent_deletes_an_existing_alarm_only():
    client = client_with(described(cloudwatch_alarm.alarm_request(params())))
    outcome = outcome_of(cloudwatch_alarm.ensure_absent, client, fake_module(), params(state="absent"))
    assert outcome.result["changed"] is True
    client.delete_alarms.assert_called_once_with(aws_retry=True, AlarmNames=["web-cpu"])

    missing = client_with(None)
    outcome = outcome_of(cloudwatch_alarm.ensure_absent, missing, fake_module(), params(state="absent"))
    assert outcome.result["changed"] is False
    missing.delete_alarms.assert_not_called()


# --- validation ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"threshold": None}, "threshold"),
        ({"period": None}, "period"),
        ({"statistic": None}, "statistic or extended_statistic"),
        ({"metrics": MATH}, "metrics cannot be combined"),
        ({"datapoints_to_alarm": 6}, "datapoints_to_alarm"),
        ({"name": "x" * 256}, "name"),
    ],
)
def test_bad_options_are_refused(overrides, message):
    with pytest.raises(ModuleFail, match=message):
        cloudwatch_alarm.validate(fake_module(), params(**overrides))
