"""tracetrack.aws.scaling_check with mocked ECS, CloudWatch, ELB and Application Auto Scaling clients."""

from datetime import datetime, timedelta, timezone
from unittest import mock

import pytest

# The module is an AnsibleAWSModule through and through: without boto3 it only says that boto3 is missing.
pytest.importorskip("boto3", reason="scaling_check needs boto3 and botocore")

from ansible_collections.tracetrack.aws.plugins.modules import scaling_check  # noqa: E402
from ansible_collections.tracetrack.aws.tests.unit.plugins.modules.utils import FakeAwsClients  # noqa: E402
from ansible_collections.tracetrack.aws.tests.unit.plugins.modules.utils import JsonHandler  # noqa: E402
from ansible_collections.tracetrack.aws.tests.unit.plugins.modules.utils import local_http_server  # noqa: E402
from ansible_collections.tracetrack.aws.tests.unit.plugins.modules.utils import main_outcome_with_args  # noqa: E402
from ansible_collections.tracetrack.aws.tests.unit.plugins.modules.utils import patched_aws_clients  # noqa: E402

CLUSTER_ARN = "arn:aws:ecs:ap-south-1:123456789012:cluster/tt"
TG_ARN = "arn:aws:elasticloadbalancing:ap-south-1:123456789012:targetgroup/tt-web/5d746f9e3943d0c6"
LB_ARN = "arn:aws:elasticloadbalancing:ap-south-1:123456789012:loadbalancer/app/tt-alb/cb85f43e23d60bd7"
LONG_AGO = datetime.now(timezone.utc) - timedelta(days=1)
AWS_ARGS = {"region": "ap-south-1", "access_key": "testing", "secret_key": "testing"}
SCALABLE_TARGET = {"ServiceNamespace": "ecs", "ResourceId": "service/tt/web", "ScalableDimension": "ecs:service:DesiredCount"}


def app_report(action="hold", reason="within targets", pool_usage=0.2):
    """A /metrics/scaling document shaped like the application's."""
    return {
        "version": "1.4.2",
        "requests": {"count": 120, "rate_per_second": 2.0, "error_rate": 0.0, "in_flight": 1},
        "latency_ms": {"p50": 8.0, "p95": 20.0, "p99": 31.0},
        "database": {"usage": pool_usage},
        "cache": {"hit_ratio": 0.9},
        "recommendation": {"action": action, "reason": reason},
    }


class MetricsHandler(JsonHandler):
    def do_GET(self):
        server = self.server
        server.requests.append(dict(self.headers))
        if server.token and self.headers.get("Authorization") != f"Bearer {server.token}":
            self.send_json(401, {"error": "unauthorized"})
        else:
            self.send_json(200, server.documents[(len(server.requests) - 1) % len(server.documents)])


@pytest.fixture
def metrics_server():
    with local_http_server(MetricsHandler, requests=[], documents=[app_report()], token=None) as server:
        server.url = f"{server.base}/metrics/scaling"
        yield server


class FakeAws(FakeAwsClients):
    def __init__(self):
        super().__init__()
        self.service = {
            "serviceName": "web",
            "clusterArn": CLUSTER_ARN,
            "status": "ACTIVE",
            "desiredCount": 4,
            "runningCount": 4,
            "pendingCount": 0,
            "events": [{"createdAt": LONG_AGO, "message": "(service web) has started 2 tasks: (task 1) (task 2)."}],
            "deployments": [{"status": "PRIMARY", "createdAt": LONG_AGO, "updatedAt": LONG_AGO}],
            "loadBalancers": [{"targetGroupArn": TG_ARN, "containerName": "web", "containerPort": 8000}],
        }
        self.metric_values = {}
        self.scalable_targets = []

    def _ecs(self):
        client = mock.MagicMock()
        client.describe_services.side_effect = lambda **kwargs: {"services": [self.service] if self.service else []}
        return client

    def _elbv2(self):
        client = mock.MagicMock()
        client.describe_target_groups.return_value = {
            "TargetGroups": [{"TargetGroupArn": TG_ARN, "LoadBalancerArns": [LB_ARN]}],
        }
        return client

    def _cloudwatch(self):
        client = mock.MagicMock()

        def get_metric_data(aws_retry=None, MetricDataQueries=None, StartTime=None, EndTime=None):
            return {
                "MetricDataResults": [
                    {
                        "Id": query["Id"],
                        "Values": self.metric_values.get(query["MetricStat"]["Metric"]["MetricName"], []),
                    }
                    for query in MetricDataQueries
                ]
            }

        client.get_metric_data.side_effect = get_metric_data
        return client

    def _application_autoscaling(self):
        client = mock.MagicMock()
        client.describe_scalable_targets.side_effect = lambda **kwargs: {"ScalableTargets": self.scalable_targets}
        return client


@pytest.fixture
def aws():
    with patched_aws_clients(FakeAws()) as fake:
        yield fake


def run_module(args, check_mode=False):
    outcome = main_outcome_with_args(scaling_check.main, dict(AWS_ARGS, ecs_cluster="tt", ecs_service="web", **args), check_mode)
    return outcome.failed, outcome.result


def test_recommends_from_cpu_and_memory_without_changing_anything(aws):
    aws.metric_values = {"CPUUtilization": [80.0, 100.0], "MemoryUtilization": [30.0]}
    failed, result = run_module({"max_capacity": 10})
    assert not failed, result.get("msg")
    decision = result["decision"]
    assert (decision["current"], decision["recommended"], decision["action"]) == (4, 6, "scale_out")
    assert decision["metrics"] == {"cpu": 90.0, "memory": 30.0}
    assert "cpu 90 against a target of 60 on 4 tasks: 6 tasks" in decision["reasons"]
    assert result["changed"] is False
    assert result["applied"] is False
    aws.clients["ecs"].update_service.assert_not_called()
    (call,) = aws.clients["cloudwatch"].get_metric_data.call_args_list
    dimensions = call.kwargs["MetricDataQueries"][0]["MetricStat"]["Metric"]["Dimensions"]
    assert dimensions == [{"Name": "ClusterName", "Value": "tt"}, {"Name": "ServiceName", "Value": "web"}]


def test_apply_sets_the_desired_count(aws):
    aws.metric_values = {"CPUUtilization": [15.0]}
    failed, result = run_module(
        {
            "max_capacity": 10,
            "min_capacity": 2,
            "max_step": 5,
            "metrics": [{"metric": "cpu"}],
            "apply": True,
        }
    )
    assert not failed, result.get("msg")
    assert result["decision"]["recommended"] == 2  # 4 tasks at 15 % of a 60 % target: 1, raised to min_capacity
    assert result["decision"]["limited_by"] == ["min_capacity"]
    assert result["changed"] is True
    assert result["applied"] is True
    aws.clients["ecs"].update_service.assert_called_once_with(aws_retry=True, cluster=CLUSTER_ARN, service="web", desiredCount=2)


def test_apply_in_check_mode_only_recommends(aws):
    aws.metric_values = {"CPUUtilization": [95.0]}
    failed, result = run_module({"max_capacity": 10, "metrics": [{"metric": "cpu"}], "apply": True}, check_mode=True)
    assert not failed, result.get("msg")
    assert result["decision"]["recommended"] == 6
    assert result["changed"] is True  # what apply would do
    assert result["applied"] is False
    aws.clients["ecs"].update_service.assert_not_called()


def test_hold_changes_nothing_even_with_apply(aws):
    aws.metric_values = {"CPUUtilization": [60.0]}
    failed, result = run_module({"max_capacity": 10, "metrics": [{"metric": "cpu"}], "apply": True})
    assert not failed
    assert result["decision"]["action"] == "hold"
    assert result["changed"] is False
    aws.clients["ecs"].update_service.assert_not_called()


def test_cooldown_from_a_recent_scaling_event(aws):
    aws.metric_values = {"CPUUtilization": [95.0]}
    aws.service["events"].insert(
        0,
        {
            "createdAt": datetime.now(timezone.utc) - timedelta(seconds=60),
            "message": "(service web) has stopped 1 running tasks: (task 3).",
        },
    )
    aws.service["events"].insert(
        0,
        {
            "createdAt": datetime.now(timezone.utc),
            "message": "(service web) has reached a steady state.",
        },
    )
    failed, result = run_module({"max_capacity": 10, "metrics": [{"metric": "cpu"}], "cooldown": 300, "apply": True})
    assert not failed
    decision = result["decision"]
    assert decision["recommended"] == 4
    assert decision["limited_by"] == ["cooldown"]
    assert 55 <= decision["seconds_since_scaling"] <= 120
    assert result["changed"] is False


def test_cooldown_from_a_recent_deployment(aws):
    aws.metric_values = {"CPUUtilization": [95.0]}
    aws.service["deployments"][0]["updatedAt"] = datetime.now(timezone.utc) - timedelta(seconds=30)
    failed, result = run_module({"max_capacity": 10, "metrics": [{"metric": "cpu"}]})
    assert result["decision"]["limited_by"] == ["cooldown"]


def test_load_balancer_metrics_use_the_service_target_group(aws):
    aws.metric_values = {"RequestCountPerTarget": [1500.0, 2500.0], "TargetResponseTime": [0.5]}
    failed, result = run_module(
        {
            "max_capacity": 10,
            "max_step": 5,
            "metrics": [
                {"metric": "request_count_per_target", "target": 1000},
                {"metric": "target_response_time", "target": 0.2},
            ],
        }
    )
    assert not failed, result.get("msg")
    votes = {vote["name"]: vote for vote in result["decision"]["votes"]}
    assert votes["request_count_per_target"]["wants"] == 8
    assert votes["target_response_time"]["kind"] == "threshold"
    assert votes["target_response_time"]["wants"] == 5
    queries = aws.clients["cloudwatch"].get_metric_data.call_args.kwargs["MetricDataQueries"]
    assert queries[0]["MetricStat"]["Stat"] == "Sum"
    assert queries[0]["MetricStat"]["Metric"]["Dimensions"] == [
        {"Name": "LoadBalancer", "Value": "app/tt-alb/cb85f43e23d60bd7"},
        {"Name": "TargetGroup", "Value": "targetgroup/tt-web/5d746f9e3943d0c6"},
    ]


def test_custom_metric_as_a_threshold(aws):
    aws.metric_values = {"RequestLatency": [340.0]}
    failed, result = run_module(
        {
            "max_capacity": 10,
            "metrics": [
                {
                    "metric": "custom",
                    "name": "p95 latency",
                    "namespace": "TraceTrack/production",
                    "metric_name": "RequestLatency",
                    "dimensions": {"Service": "tracetrack"},
                    "statistic": "p95",
                    "kind": "threshold",
                    "target": 200,
                }
            ],
        }
    )
    assert not failed, result.get("msg")
    assert result["decision"]["recommended"] == 5
    assert "p95 latency 340 is above the target 200: one more task" in result["decision"]["reasons"]
    query = aws.clients["cloudwatch"].get_metric_data.call_args.kwargs["MetricDataQueries"][0]["MetricStat"]
    assert query["Stat"] == "p95"
    assert query["Metric"]["Namespace"] == "TraceTrack/production"


def test_metric_without_data_does_not_vote(aws):
    failed, result = run_module({"max_capacity": 10})
    assert not failed
    assert result["decision"]["action"] == "hold"
    assert "cpu: no data" in result["decision"]["reasons"]


def test_metrics_url_recommendation_votes(aws, metrics_server):
    metrics_server.documents = [
        app_report("scale_out", "p95 latency 140 ms is above the 100 ms target"),
        app_report("hold"),
    ]
    failed, result = run_module({"max_capacity": 10, "metrics_url": metrics_server.url, "metrics_samples": 2})
    assert not failed, result.get("msg")
    decision = result["decision"]
    assert (decision["recommended"], decision["action"]) == (5, "scale_out")
    assert "app sample 1 recommends scale_out (p95 latency 140 ms is above the 100 ms target)" in decision["reasons"]
    assert len(result["app_metrics"]) == 2
    assert "cloudwatch" not in aws.clients  # metrics_url alone reads no CloudWatch metric


def test_metrics_url_scales_in_only_when_every_sample_agrees(aws, metrics_server):
    metrics_server.documents = [app_report("scale_in"), app_report("scale_in")]
    failed, result = run_module({"max_capacity": 10, "metrics_url": metrics_server.url, "metrics_samples": 2})
    assert result["decision"]["recommended"] == 3
    metrics_server.documents = [app_report("scale_in"), app_report("hold")]
    failed, result = run_module({"max_capacity": 10, "metrics_url": metrics_server.url, "metrics_samples": 2})
    assert result["decision"]["recommended"] == 4


def test_metrics_url_value_as_a_metric(aws, metrics_server):
    metrics_server.documents = [app_report(pool_usage=0.9)]
    failed, result = run_module(
        {
            "max_capacity": 10,
            "metrics_url": metrics_server.url,
            "recommendation_path": "",
            "metrics": [{"metric": "url", "name": "db pool", "path": "database.usage", "target": 0.6}],
        }
    )
    assert not failed, result.get("msg")
    assert result["decision"]["metrics"] == {"db pool": 0.9}
    assert result["decision"]["recommended"] == 6


def test_metrics_token_is_sent(aws, metrics_server):
    metrics_server.token = "s3cret"
    failed, result = run_module({"max_capacity": 10, "metrics_url": metrics_server.url, "metrics_samples": 1})
    assert failed
    assert result["msg"] == f"Couldn't read {metrics_server.url}: status 401"
    failed, result = run_module(
        {
            "max_capacity": 10,
            "metrics_url": metrics_server.url,
            "metrics_samples": 1,
            "metrics_token": "s3cret",
        }
    )
    assert not failed, result.get("msg")
    assert metrics_server.requests[-1]["Authorization"] == "Bearer s3cret"


def test_scalable_target_floor(aws):
    aws.metric_values = {"CPUUtilization": [95.0]}
    aws.scalable_targets = [dict(SCALABLE_TARGET, MinCapacity=2, MaxCapacity=10)]
    args = {"max_capacity": 10, "metrics": [{"metric": "cpu"}], "apply": True, "scalable_target": True}
    failed, result = run_module(args)
    assert not failed, result.get("msg")
    assert result["changed"] is True
    assert result["scalable_target"] == {"resource_id": "service/tt/web", "min_capacity": 6, "max_capacity": 10}
    aws.clients["application-autoscaling"].register_scalable_target.assert_called_once_with(
        aws_retry=True,
        ServiceNamespace="ecs",
        ResourceId="service/tt/web",
        ScalableDimension="ecs:service:DesiredCount",
        MinCapacity=6,
        MaxCapacity=10,
    )
    aws.clients["ecs"].update_service.assert_not_called()

    aws.scalable_targets = [dict(SCALABLE_TARGET, MinCapacity=6, MaxCapacity=10)]
    aws.clients["application-autoscaling"].register_scalable_target.reset_mock()
    failed, result = run_module(args)
    assert result["changed"] is False
    aws.clients["application-autoscaling"].register_scalable_target.assert_not_called()


def test_missing_service_fails_clearly(aws):
    aws.service = None
    failed, result = run_module({"max_capacity": 10})
    assert failed
    assert result["msg"] == "Couldn't find ECS service web in cluster tt: not found (or INACTIVE)"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            {"max_capacity": 1, "min_capacity": 2},
            "min_capacity and max_capacity must satisfy 0 <= min_capacity <= max_capacity",
        ),
        (
            {"max_capacity": 5, "metrics": [{"metric": "request_count_per_target"}]},
            "metrics[0] (request_count_per_target) needs a positive target",
        ),
        (
            {"max_capacity": 5, "metrics": [{"metric": "url", "path": "x", "target": 1}]},
            "metrics[0]: a url metric needs metrics_url",
        ),
        (
            {"max_capacity": 5, "metrics": [{"metric": "custom", "target": 1}]},
            "metrics[0]: a custom metric needs namespace and metric_name",
        ),
        (
            {"max_capacity": 5, "metrics": [{"metric": "cpu"}, {"metric": "cpu", "target": 70}]},
            "metrics need distinct names; give each of ['cpu'] a name",
        ),
    ],
)
def test_invalid_options_are_refused(aws, args, message):
    failed, result = run_module(args)
    assert failed
    assert result["msg"] == message


def test_unreachable_metrics_url_fails(aws):
    failed, result = run_module({"max_capacity": 10, "metrics_url": "http://127.0.0.1:9/metrics/scaling", "metrics_samples": 1})
    assert failed
    assert result["msg"].startswith("Couldn't read http://127.0.0.1:9/metrics/scaling: ")
