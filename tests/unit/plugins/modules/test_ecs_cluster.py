"""tracetrack.aws.ecs_cluster: what differs, which calls a run makes, and check mode."""

from unittest.mock import MagicMock

from ansible_collections.tracetrack.aws.plugins.modules import ecs_cluster
from ansible_collections.tracetrack.aws.tests.unit.plugins.modules.utils import fake_module_for
from ansible_collections.tracetrack.aws.tests.unit.plugins.modules.utils import outcome_of

ARN = "arn:aws:ecs:ap-south-1:123456789012:cluster/apps"
EXISTING = {
    "clusterArn": ARN,
    "clusterName": "apps",
    "status": "ACTIVE",
    "settings": [{"name": "containerInsights", "value": "enabled"}],
    "capacityProviders": ["FARGATE_SPOT", "FARGATE"],
    "defaultCapacityProviderStrategy": [{"capacityProvider": "FARGATE", "weight": 1, "base": 0}],
    "tags": [{"key": "Project", "value": "tracetrack"}],
}


def params(**overrides):
    values = dict(
        state="present",
        name="apps",
        container_insights="enabled",
        capacity_providers=["FARGATE", "FARGATE_SPOT"],
        default_capacity_provider_strategy=[{"capacity_provider": "FARGATE", "weight": 1, "base": 0}],
        tags={"Project": "tracetrack"},
        purge_tags=True,
    )
    values.update(overrides)
    return values


fake_module = fake_module_for(params)


def fake_client(clusters):
    client = MagicMock()
    client.describe_clusters.return_value = {"clusters": clusters}
    client.create_cluster.return_value = {"cluster": EXISTING}
    return client


def run(function, client, module):
    return outcome_of(function, client, module)


def test_an_identical_cluster_makes_no_write():
    client = fake_client([EXISTING])
    result = run(ecs_cluster.ensure_present, client, fake_module())
    assert not result.failed and result.result["changed"] is False
    client.update_cluster.assert_not_called()
    client.put_cluster_capacity_providers.assert_not_called()
    client.tag_resource.assert_not_called()
    assert result.result["cluster"]["tags"] == {"Project": "tracetrack"}


def test_container_insights_and_strategy_changes_are_applied():
    client = fake_client([EXISTING])
    module = fake_module(
        container_insights="enhanced",
        default_capacity_provider_strategy=[
            {"capacity_provider": "FARGATE", "weight": 1, "base": 1},
            {"capacity_provider": "FARGATE_SPOT", "weight": 2, "base": 0},
        ],
    )
    result = run(ecs_cluster.ensure_present, client, module)
    assert result.result["changed"] is True
    client.update_cluster.assert_called_once_with(aws_retry=True, cluster="apps", settings=[{"name": "containerInsights", "value": "enhanced"}])
    kwargs = client.put_cluster_capacity_providers.call_args.kwargs
    assert kwargs["capacityProviders"] == ["FARGATE", "FARGATE_SPOT"]
    assert kwargs["defaultCapacityProviderStrategy"][1] == {"capacityProvider": "FARGATE_SPOT", "weight": 2, "base": 0}


def test_check_mode_reports_changes_without_writing():
    client = fake_client([EXISTING])
    result = run(ecs_cluster.ensure_present, client, fake_module(check_mode=True, tags={"Project": "other"}))
    assert result.result["changed"] is True
    assert result.result["cluster"]["tags"] == {"Project": "other"}
    client.tag_resource.assert_not_called()
    client.untag_resource.assert_not_called()


def test_missing_cluster_is_created_with_settings_and_tags():
    client = fake_client([])
    client.describe_clusters.side_effect = [{"clusters": []}, {"clusters": [EXISTING]}]
    result = run(ecs_cluster.ensure_present, client, fake_module())
    assert result.result["changed"] is True
    request = client.create_cluster.call_args.kwargs
    assert request["settings"] == [{"name": "containerInsights", "value": "enabled"}]
    assert request["tags"] == [{"key": "Project", "value": "tracetrack"}]


def test_inactive_cluster_counts_as_missing_and_absent_changes_nothing():
    client = fake_client([dict(EXISTING, status="INACTIVE")])
    result = run(ecs_cluster.ensure_absent, client, fake_module(state="absent"))
    assert result.result["changed"] is False
    client.delete_cluster.assert_not_called()


def test_absent_deletes_an_active_cluster():
    client = fake_client([EXISTING])
    result = run(ecs_cluster.ensure_absent, client, fake_module(state="absent"))
    assert result.result["changed"] is True
    client.delete_cluster.assert_called_once_with(aws_retry=True, cluster="apps")
