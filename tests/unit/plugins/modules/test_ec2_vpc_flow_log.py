"""tracetrack.aws.ec2_vpc_flow_log: matching, replacement and check mode, with a mocked EC2 client."""

from unittest.mock import MagicMock

from ansible_collections.tracetrack.aws.plugins.modules import ec2_vpc_flow_log
from ansible_collections.tracetrack.aws.tests.unit.plugins.modules.utils import fake_module as base_fake_module
from ansible_collections.tracetrack.aws.tests.unit.plugins.modules.utils import outcome_of
from ansible_collections.tracetrack.aws.tests.unit.plugins.modules.utils import stub_paginators

ROLE = "arn:aws:iam::123456789012:role/flow"
PARAMS = {
    "state": "present",
    "resource_id": "vpc-1",
    "resource_type": "VPC",
    "traffic_type": "ALL",
    "log_destination_type": "cloud-watch-logs",
    "log_group_name": "/flow",
    "log_destination": None,
    "deliver_logs_permission_arn": ROLE,
    "max_aggregation_interval": 600,
    "log_format": None,
    "tags": {"Name": "f"},
    "purge_tags": True,
}
EXISTING = {
    "FlowLogId": "fl-1",
    "ResourceId": "vpc-1",
    "TrafficType": "ALL",
    "LogDestinationType": "cloud-watch-logs",
    "LogGroupName": "/flow",
    "DeliverLogsPermissionArn": ROLE,
    "MaxAggregationInterval": 600,
    "LogFormat": "${version} ${srcaddr}",
    "Tags": [{"Key": "Name", "Value": "f"}],
}


def fake_module(check_mode=False, **params):
    return base_fake_module({**PARAMS, **params}, check_mode)


def fake_client(flow_logs):
    client = stub_paginators(MagicMock(), {"describe_flow_logs": {"FlowLogs": flow_logs}})
    client.create_flow_logs.return_value = {"FlowLogIds": ["fl-new"], "Unsuccessful": []}
    return client


def run(action, client, module):
    outcome = outcome_of(action, client, module, module.params)
    assert not outcome.failed, outcome.result
    return outcome.result


def test_same_destination_and_traffic_is_the_same_flow_log():
    assert ec2_vpc_flow_log.matches_destination(EXISTING, PARAMS)
    assert not ec2_vpc_flow_log.matches_destination(EXISTING, {**PARAMS, "traffic_type": "REJECT"})
    assert not ec2_vpc_flow_log.matches_destination(EXISTING, {**PARAMS, "log_group_name": "/other"})


def test_unset_log_format_never_forces_a_replacement():
    assert not ec2_vpc_flow_log.needs_replacement(EXISTING, PARAMS)
    assert ec2_vpc_flow_log.needs_replacement(EXISTING, {**PARAMS, "log_format": "${version}"})
    assert ec2_vpc_flow_log.needs_replacement(EXISTING, {**PARAMS, "max_aggregation_interval": 60})


def test_existing_flow_log_with_same_tags_is_unchanged(monkeypatch):
    monkeypatch.setattr(ec2_vpc_flow_log, "ensure_ec2_tags", MagicMock(return_value=False))
    client = fake_client([EXISTING])
    result = run(ec2_vpc_flow_log.ensure_present, client, fake_module())
    assert result["changed"] is False
    assert result["flow_log"]["flow_log_id"] == "fl-1"
    client.create_flow_logs.assert_not_called()
    client.delete_flow_logs.assert_not_called()


def test_missing_flow_log_is_created_with_tags():
    client = fake_client([])
    result = run(ec2_vpc_flow_log.ensure_present, client, fake_module())
    assert result["changed"] is True
    request = client.create_flow_logs.call_args.kwargs
    assert request["ResourceIds"] == ["vpc-1"] and request["LogGroupName"] == "/flow"
    assert request["TagSpecifications"][0]["ResourceType"] == "vpc-flow-log"


def test_check_mode_reports_the_creation_without_writing():
    client = fake_client([])
    result = run(ec2_vpc_flow_log.ensure_present, client, fake_module(check_mode=True))
    assert result["changed"] is True
    client.create_flow_logs.assert_not_called()


def test_check_mode_reports_a_tag_change_without_writing():
    client = fake_client([EXISTING])
    result = run(ec2_vpc_flow_log.ensure_present, client, fake_module(check_mode=True, tags={"Name": "g"}))
    assert result["changed"] is True
    client.create_tags.assert_not_called()


def test_immutable_change_replaces_the_flow_log():
    client = fake_client([EXISTING])
    result = run(ec2_vpc_flow_log.ensure_present, client, fake_module(max_aggregation_interval=60))
    assert result["changed"] is True
    client.delete_flow_logs.assert_called_once_with(aws_retry=True, FlowLogIds=["fl-1"])
    assert client.create_flow_logs.call_args.kwargs["MaxAggregationInterval"] == 60


def test_absent_deletes_only_the_matching_flow_log():
    other = {**EXISTING, "FlowLogId": "fl-2", "TrafficType": "REJECT"}
    client = fake_client([EXISTING, other])
    result = run(ec2_vpc_flow_log.ensure_absent, client, fake_module(state="absent"))
    assert result["changed"] is True
    client.delete_flow_logs.assert_called_once_with(aws_retry=True, FlowLogIds=["fl-1"])


def test_absent_when_missing_is_unchanged():
    client = fake_client([])
    result = run(ec2_vpc_flow_log.ensure_absent, client, fake_module(state="absent"))
    assert result["changed"] is False
    client.delete_flow_logs.assert_not_called()
