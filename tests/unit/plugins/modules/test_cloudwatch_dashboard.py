"""tracetrack.aws.cloudwatch_dashboard: body normalisation, change decisions, check mode and diff."""

import json
from unittest.mock import MagicMock

import pytest

from ansible_collections.tracetrack.aws.plugins.modules import cloudwatch_dashboard
from ansible_collections.tracetrack.aws.tests.unit.plugins.modules.utils import client_error
from ansible_collections.tracetrack.aws.tests.unit.plugins.modules.utils import fake_module
from ansible_collections.tracetrack.aws.tests.unit.plugins.modules.utils import outcome_of

ARN = "arn:aws:cloudwatch::123456789012:dashboard/ops"
BODY = {
    "widgets": [
        {
            "type": "metric",
            "x": 0,
            "y": 0,
            "width": 12,
            "height": 6,
            "properties": {"title": "Requests", "metrics": [["AWS/ApplicationELB", "RequestCount"]], "period": 60},
        }
    ]
}


def not_found():
    return client_error("ResourceNotFound", "GetDashboard", "Dashboard does not exist")


def client_with(stored_body_text=None):
    client = MagicMock()
    if stored_body_text is None:
        client.get_dashboard.side_effect = not_found()
    else:
        stored = {"DashboardName": "ops", "DashboardArn": ARN, "DashboardBody": stored_body_text}
        client.get_dashboard.return_value = stored
    client.put_dashboard.return_value = {"DashboardValidationMessages": []}
    return client


# --- normalisation ------------------------------------------------------------------------------------


def test_json_string_and_dict_normalise_to_the_same_data():
    text = json.dumps(BODY, indent=4, sort_keys=True)
    assert cloudwatch_dashboard.normalise_body(text) == cloudwatch_dashboard.normalise_body(BODY) == BODY


def test_key_order_and_white_space_do_not_matter():
    reordered = (
        '{ "widgets" : [ {"properties": {"period": 60, "metrics": [["AWS/ApplicationELB", "RequestCount"]],'
        ' "title": "Requests"}, "height": 6, "width": 12, "y": 0, "x": 0, "type": "metric"} ] }'
    )
    assert cloudwatch_dashboard.normalise_body(reordered) == BODY


def test_tuples_become_lists():
    assert cloudwatch_dashboard.normalise_body({"widgets": ({"type": "text"},)}) == {"widgets": [{"type": "text"}]}


@pytest.mark.parametrize("body, message", [("{not json", "not valid JSON"), ("[1, 2]", "JSON object"), (5, "JSON object")])
def test_bad_bodies_are_refused(body, message):
    with pytest.raises(cloudwatch_dashboard.BodyError, match=message):
        cloudwatch_dashboard.normalise_body(body)


def test_list_order_matters():
    swapped = {"widgets": [{"type": "a"}, {"type": "b"}]}
    assert cloudwatch_dashboard.normalise_body(swapped) != {"widgets": [{"type": "b"}, {"type": "a"}]}


# --- present ------------------------------------------------------------------------------------------


def test_same_content_in_another_layout_is_no_change():
    client = client_with(json.dumps(BODY, indent=2, sort_keys=True))
    outcome = outcome_of(cloudwatch_dashboard.ensure_present, client, fake_module(), "ops", BODY)
    assert outcome.result["changed"] is False
    assert outcome.result["dashboard"] == {"dashboard_name": "ops", "dashboard_arn": ARN, "dashboard_body": BODY}
    client.put_dashboard.assert_not_called()


def test_new_dashboard_is_put_and_read_back():
    client = client_with(None)
    client.get_dashboard.side_effect = [
        not_found(),
        {"DashboardName": "ops", "DashboardArn": ARN, "DashboardBody": json.dumps(BODY)},
    ]
    outcome = outcome_of(cloudwatch_dashboard.ensure_present, client, fake_module(), "ops", BODY)
    assert outcome.result["changed"] is True
    assert outcome.result["dashboard"]["dashboard_arn"] == ARN
    assert outcome.result["diff"]["before"] == ""
    assert json.loads(outcome.result["diff"]["after"]) == BODY
    (call,) = client.put_dashboard.call_args_list
    assert call.kwargs["DashboardName"] == "ops"
    assert json.loads(call.kwargs["DashboardBody"]) == BODY
    assert call.kwargs["aws_retry"] is True


def test_changed_body_shows_before_and_after():
    old = {"widgets": [{"type": "text", "x": 0, "y": 0, "width": 6, "height": 2, "properties": {"markdown": "old"}}]}
    client = client_with(json.dumps(old))
    outcome = outcome_of(cloudwatch_dashboard.ensure_present, client, fake_module(), "ops", BODY)
    assert outcome.result["changed"] is True
    assert json.loads(outcome.result["diff"]["before"]) == old
    assert json.loads(outcome.result["diff"]["after"]) == BODY
    assert '"markdown": "old"' in outcome.result["diff"]["before"]
    client.put_dashboard.assert_called_once()


def test_check_mode_reports_the_change_without_writing():
    client = client_with(json.dumps({"widgets": []}))
    outcome = outcome_of(cloudwatch_dashboard.ensure_present, client, fake_module(check_mode=True), "ops", BODY)
    assert outcome.result["changed"] is True
    assert outcome.result["dashboard"]["dashboard_body"] == BODY
    client.put_dashboard.assert_not_called()


def test_validation_messages_become_warnings():
    client = client_with(None)
    client.get_dashboard.side_effect = [not_found(), {"DashboardArn": ARN, "DashboardBody": json.dumps(BODY)}]
    client.put_dashboard.return_value = {"DashboardValidationMessages": [{"DataPath": "/widgets/0", "Message": "Should have a region"}]}
    module = fake_module()
    outcome = outcome_of(cloudwatch_dashboard.ensure_present, client, module, "ops", BODY)
    assert outcome.result["validation_messages"] == [{"data_path": "/widgets/0", "message": "Should have a region"}]
    module.warn.assert_called_once()


def test_other_errors_fail_with_a_message():
    client = MagicMock()
    client.get_dashboard.side_effect = client_error("AccessDenied", "GetDashboard", "no")
    outcome = outcome_of(cloudwatch_dashboard.ensure_present, client, fake_module(), "ops", BODY)
    assert outcome.failed
    assert outcome.result["msg"] == "Couldn't get dashboard ops"


# --- absent -------------------------------------------------------------------------------------------


def test_absent_dashboard_is_no_change():
    client = client_with(None)
    outcome = outcome_of(cloudwatch_dashboard.ensure_absent, client, fake_module(), "ops")
    assert outcome.result["changed"] is False
    client.delete_dashboards.assert_not_called()


def test_existing_dashboard_is_deleted():
    client = client_with(json.dumps(BODY))
    outcome = outcome_of(cloudwatch_dashboard.ensure_absent, client, fake_module(), "ops")
    assert outcome.result["changed"] is True
    assert outcome.result["diff"]["after"] == ""
    client.delete_dashboards.assert_called_once_with(aws_retry=True, DashboardNames=["ops"])


def test_check_mode_delete_writes_nothing():
    client = client_with(json.dumps(BODY))
    outcome = outcome_of(cloudwatch_dashboard.ensure_absent, client, fake_module(check_mode=True), "ops")
    assert outcome.result["changed"] is True
    client.delete_dashboards.assert_not_called()
