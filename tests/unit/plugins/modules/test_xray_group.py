"""tracetrack.aws.xray_group: which calls a run makes, and which it leaves out."""

from unittest.mock import MagicMock

from ansible_collections.tracetrack.aws.plugins.modules import xray_group
from ansible_collections.tracetrack.aws.tests.unit.plugins.modules.utils import fake_module_for
from ansible_collections.tracetrack.aws.tests.unit.plugins.modules.utils import outcome_of
from ansible_collections.tracetrack.aws.tests.unit.plugins.modules.utils import stub_paginators

ARN = "arn:aws:xray:ap-south-1:123456789012:group/faults/ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
EXISTING = {
    "GroupName": "faults",
    "GroupARN": ARN,
    "FilterExpression": 'service("web") AND fault',
    "InsightsConfiguration": {"InsightsEnabled": True, "NotificationsEnabled": False},
}


def params(**overrides):
    values = dict(
        state="present",
        name="faults",
        filter_expression=None,
        insights_enabled=None,
        notifications_enabled=None,
        tags=None,
        purge_tags=True,
    )
    values.update(overrides)
    return values


fake_module = fake_module_for(params)


def fake_client(groups, tags=None):
    client = stub_paginators(MagicMock(), {"get_groups": {"Groups": groups}, "list_tags_for_resource": {"Tags": tags or []}})
    client.create_group.return_value = {"Group": dict(EXISTING)}
    client.update_group.side_effect = lambda aws_retry, GroupARN, **changes: {"Group": {**EXISTING, **changes}}
    return client


def run(function, client, module):
    return outcome_of(function, client, module, module.params)


def writes(client):
    names = ("create_group", "update_group", "delete_group", "tag_resource", "untag_resource")
    return [name for name in names if getattr(client, name).called]


# --- decisions ----------------------------------------------------------------------------------------


def test_unset_options_are_never_compared():
    assert xray_group.group_update(EXISTING, params()) == {}


def test_same_values_are_no_change():
    same = params(filter_expression='service("web") AND fault', insights_enabled=True, notifications_enabled=False)
    assert xray_group.group_update(EXISTING, same) == {}


def test_new_filter_expression_is_an_update():
    assert xray_group.group_update(EXISTING, params(filter_expression="fault")) == {"FilterExpression": "fault"}


def test_insights_settings_are_sent_whole():
    assert xray_group.group_update(EXISTING, params(notifications_enabled=True)) == {
        "InsightsConfiguration": {"InsightsEnabled": True, "NotificationsEnabled": True}
    }


def test_turning_insights_off_turns_notifications_off():
    current = dict(EXISTING, InsightsConfiguration={"InsightsEnabled": True, "NotificationsEnabled": True})
    assert xray_group.group_update(current, params(insights_enabled=False)) == {
        "InsightsConfiguration": {"InsightsEnabled": False, "NotificationsEnabled": False}
    }


def test_missing_insights_configuration_reads_as_off():
    current = {"GroupName": "faults", "GroupARN": ARN}
    assert xray_group.group_update(current, params(insights_enabled=False)) == {}


def test_create_request_carries_only_what_is_set():
    assert xray_group.create_request(params()) == {"GroupName": "faults"}
    assert xray_group.create_request(params(filter_expression="fault", insights_enabled=True, tags={"a": "1"})) == {
        "GroupName": "faults",
        "FilterExpression": "fault",
        "InsightsConfiguration": {"InsightsEnabled": True, "NotificationsEnabled": False},
        "Tags": [{"Key": "a", "Value": "1"}],
    }


# --- runs ---------------------------------------------------------------------------------------------


def test_converged_group_makes_no_write():
    client = fake_client([EXISTING], tags=[{"Key": "Project", "Value": "tracetrack"}])
    module = fake_module(filter_expression='service("web") AND fault', tags={"Project": "tracetrack"})
    outcome = run(xray_group.ensure_present, client, module)
    assert outcome.result["changed"] is False
    assert writes(client) == []
    assert outcome.result["group"]["group_arn"] == ARN
    assert outcome.result["group"]["tags"] == {"Project": "tracetrack"}


def test_missing_group_is_created():
    client = fake_client([])
    outcome = run(xray_group.ensure_present, client, fake_module(filter_expression="fault"))
    assert outcome.result["changed"] is True
    client.create_group.assert_called_once_with(aws_retry=True, GroupName="faults", FilterExpression="fault")


def test_check_mode_create_writes_nothing():
    client = fake_client([])
    outcome = run(xray_group.ensure_present, client, fake_module(check_mode=True, insights_enabled=True))
    assert outcome.result["changed"] is True
    assert outcome.result["group"]["insights_configuration"]["insights_enabled"] is True
    assert writes(client) == []


def test_changed_filter_is_updated_by_arn():
    client = fake_client([EXISTING])
    outcome = run(xray_group.ensure_present, client, fake_module(filter_expression="error"))
    assert outcome.result["changed"] is True
    client.update_group.assert_called_once_with(aws_retry=True, GroupARN=ARN, FilterExpression="error")
    assert outcome.result["group"]["filter_expression"] == "error"


def test_check_mode_update_writes_nothing_but_reports_the_result():
    client = fake_client([EXISTING], tags=[{"Key": "old", "Value": "1"}])
    module = fake_module(check_mode=True, filter_expression="error", tags={"new": "2"})
    outcome = run(xray_group.ensure_present, client, module)
    assert outcome.result["changed"] is True
    assert writes(client) == []
    assert outcome.result["group"]["filter_expression"] == "error"
    assert outcome.result["group"]["tags"] == {"new": "2"}


def test_tags_are_purged_only_when_asked():
    client = fake_client([EXISTING], tags=[{"Key": "old", "Value": "1"}])
    run(xray_group.ensure_present, client, fake_module(tags={"new": "2"}, purge_tags=False))
    client.untag_resource.assert_not_called()
    client.tag_resource.assert_called_once_with(aws_retry=True, ResourceARN=ARN, Tags=[{"Key": "new", "Value": "2"}])

    client = fake_client([EXISTING], tags=[{"Key": "old", "Value": "1"}])
    run(xray_group.ensure_present, client, fake_module(tags={}))
    client.untag_resource.assert_called_once_with(aws_retry=True, ResourceARN=ARN, TagKeys=["old"])
    client.tag_resource.assert_not_called()


def test_absent_group_is_no_change():
    client = fake_client([])
    outcome = run(xray_group.ensure_absent, client, fake_module(state="absent"))
    assert outcome.result["changed"] is False
    assert writes(client) == []


def test_existing_group_is_deleted_and_check_mode_only_reports_it():
    client = fake_client([EXISTING])
    assert run(xray_group.ensure_absent, client, fake_module(check_mode=True, state="absent")).result["changed"]
    assert writes(client) == []
    run(xray_group.ensure_absent, client, fake_module(state="absent"))
    client.delete_group.assert_called_once_with(aws_retry=True, GroupARN=ARN)


def test_default_group_cannot_be_deleted():
    outcome = run(xray_group.ensure_absent, fake_client([]), fake_module(state="absent", name="Default"))
    assert outcome.failed
    assert "reserved" in outcome.result["msg"]
