"""tracetrack.aws.health_check against a local HTTP server, with mocked AWS clients for the lookups."""

import importlib.util
import threading
import time
from unittest import mock

import pytest

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.tracetrack.aws.plugins.module_utils import http_probe
from ansible_collections.tracetrack.aws.plugins.modules import health_check
from ansible_collections.tracetrack.aws.tests.unit.plugins.modules.utils import FakeAwsClients
from ansible_collections.tracetrack.aws.tests.unit.plugins.modules.utils import JsonHandler
from ansible_collections.tracetrack.aws.tests.unit.plugins.modules.utils import client_error
from ansible_collections.tracetrack.aws.tests.unit.plugins.modules.utils import local_http_server
from ansible_collections.tracetrack.aws.tests.unit.plugins.modules.utils import main_outcome_with_args
from ansible_collections.tracetrack.aws.tests.unit.plugins.modules.utils import patched_aws_clients
from ansible_collections.tracetrack.aws.tests.unit.plugins.modules.utils import stub_paginators
from ansible_collections.tracetrack.aws.tests.unit.plugins.modules.utils import unused_loopback_port

# Plain URLs need neither boto3 nor credentials; the AWS lookups need boto3 (their clients are mocked).
needs_boto3 = pytest.mark.skipif(importlib.util.find_spec("boto3") is None, reason="the AWS lookups need boto3")

HEALTHY = {
    "status": "ok",
    "version": "1.4.2",
    "components": {
        "database": {"status": "ok", "latency_ms": 1.5},
        "cache": {"status": "fallback", "backend": "memory"},
    },
}


class AppHandler(JsonHandler):
    """Paths that behave like the application's health endpoints, healthy and not."""

    def do_GET(self):
        server = self.server
        server.requests.append((self.path, dict(self.headers)))
        if self.path == "/health/elb":
            self.send_json(200, HEALTHY)
        elif self.path == "/unavailable":
            self.send_json(503, dict(HEALTHY, status="fail"), headers={"Retry-After": "5"})
        elif self.path == "/slow":
            time.sleep(0.3)
            self.send_json(200, HEALTHY)
        elif self.path == "/flaky":
            with server.lock:
                server.flaky_calls += 1
                calls = server.flaky_calls
            self.send_json(503 if calls <= 2 else 200, HEALTHY)
        elif self.path == "/text":
            self.send_json(200, b"OK", content_type="text/plain")
        elif self.path == "/redirect":
            self.send_json(302, b"", headers={"Location": "/health/elb"})
        elif self.path == "/needs-header":
            ok = self.headers.get("X-Health-Check") == "deploy"
            self.send_json(200 if ok else 403, HEALTHY if ok else {"error": "forbidden"})
        else:
            self.send_json(404, {"error": "not found"})


@pytest.fixture
def app_server():
    with local_http_server(AppHandler, requests=[], flaky_calls=0, lock=threading.Lock()) as server:
        yield server


@pytest.fixture
def closed_port():
    return unused_loopback_port()


def run_module(args, check_mode=False):
    """Run health_check.main() and return (failed, result)."""
    outcome = main_outcome_with_args(health_check.main, args, check_mode)
    return outcome.failed, outcome.result


@pytest.fixture
def no_aws():
    """Fail the test if the module asks for an AWS client."""
    with mock.patch.object(AnsibleAWSModule, "client", side_effect=AssertionError("no AWS client expected")) as client:
        yield client


# Plain URLs -------------------------------------------------------------------------------------


def test_healthy_endpoint_passes_with_latency_figures(app_server, no_aws):
    failed, result = run_module(
        {
            "urls": [f"{app_server.base}/health/elb"],
            "samples": 3,
            "max_p95_latency_ms": 2000,
            "conditions": [
                {"path": "status", "equals": "ok"},
                {"path": "components.*.status", "in": ["ok", "fallback"]},
                {"path": "components.database.latency_ms", "max": 100},
                {"path": "version", "matches": r"^1\."},
            ],
            "timeout": 0,
        }
    )
    assert not failed, result.get("msg")
    assert result["changed"] is False
    assert result["healthy"] is True
    assert result["broken_thresholds"] == []
    (target,) = result["targets"]
    assert target["status_codes"] == [200, 200, 200]
    assert target["source"] == "url"
    latency = target["latency_ms"]
    assert latency["min"] <= latency["p50"] <= latency["p95"] <= latency["max"]
    assert target["json"]["version"] == "1.4.2"
    assert no_aws.call_count == 0


def test_status_mismatch_names_the_status(app_server, no_aws):
    url = f"{app_server.base}/unavailable"
    failed, result = run_module({"urls": [url], "samples": 2, "timeout": 0})
    assert failed
    assert f"{url}: status 503 not in [200] (2 of 2 samples)" in result["msg"]
    assert result["broken_thresholds"] == [{"target": url, "threshold": "status", "message": "status 503 not in [200] (2 of 2 samples)"}]
    assert result["attempts"] == 1


def test_expected_status_can_accept_other_codes(app_server, no_aws):
    failed, result = run_module({"urls": [f"{app_server.base}/unavailable"], "expected_status": [200, 503], "timeout": 0})
    assert not failed, result.get("msg")


def test_slow_endpoint_breaks_the_p95_threshold(app_server, no_aws):
    url = f"{app_server.base}/slow"
    failed, result = run_module({"urls": [url], "samples": 2, "max_p95_latency_ms": 100, "timeout": 0})
    assert failed
    (problem,) = result["broken_thresholds"]
    assert problem["threshold"] == "p95_latency"
    assert problem["message"].startswith("p95 latency ")
    assert problem["message"].endswith(" ms > 100 ms")
    assert f"{url}: p95 latency" in result["msg"]
    assert result["targets"][0]["latency_ms"]["p95"] >= 300


def test_broken_json_condition_names_the_field(app_server, no_aws):
    url = f"{app_server.base}/health/elb"
    failed, result = run_module(
        {
            "urls": [url],
            "samples": 2,
            "conditions": [{"path": "components.*.status", "in": ["ok"]}, {"path": "status", "equals": "ok"}],
            "timeout": 0,
        }
    )
    assert failed
    assert result["broken_thresholds"] == [
        {
            "target": url,
            "threshold": "condition",
            "message": 'components.cache.status is "fallback", expected one of ["ok"]',
        }
    ]
    assert 'components.cache.status is "fallback"' in result["msg"]


def test_missing_field_breaks_its_condition(app_server, no_aws):
    failed, result = run_module(
        {
            "urls": [f"{app_server.base}/health/elb"],
            "conditions": [{"path": "components.queue.status", "equals": "ok"}],
            "timeout": 0,
        }
    )
    assert failed
    assert "components.queue.status is missing" in result["msg"]


def test_body_that_is_not_json_breaks_conditions(app_server, no_aws):
    failed, result = run_module(
        {
            "urls": [f"{app_server.base}/text"],
            "samples": 1,
            "conditions": [{"path": "status", "exists": True}],
            "timeout": 0,
        }
    )
    assert failed
    assert "body is not JSON (1 of 1 samples)" in result["msg"]


def test_retries_until_healthy(app_server, no_aws):
    failed, result = run_module(
        {
            "urls": [f"{app_server.base}/flaky"],
            "samples": 1,
            "timeout": 30,
            "delay": 0.01,
            "max_delay": 0.02,
        }
    )
    assert not failed, result.get("msg")
    assert result["attempts"] == 3
    assert result["targets"][0]["attempts"] == 3
    assert result["targets"][0]["status_codes"] == [200]


def test_gives_up_at_the_timeout(app_server, no_aws):
    failed, result = run_module(
        {
            "urls": [f"{app_server.base}/unavailable"],
            "samples": 1,
            "timeout": 0.3,
            "delay": 0.05,
            "max_delay": 0.1,
        }
    )
    assert failed
    assert result["attempts"] >= 2
    assert result["msg"].startswith(f"Health check failed after {result['attempts']} attempts")
    assert result["elapsed_seconds"] >= 0.3


def test_only_failing_urls_are_probed_again(app_server, no_aws):
    healthy_url = f"{app_server.base}/health/elb"
    failed, result = run_module(
        {
            "urls": [healthy_url, f"{app_server.base}/flaky"],
            "samples": 1,
            "timeout": 30,
            "delay": 0.01,
            "max_delay": 0.02,
        }
    )
    assert not failed, result.get("msg")
    attempts = {target["url"]: target["attempts"] for target in result["targets"]}
    assert attempts[healthy_url] == 1
    assert [path for path, _headers in app_server.requests].count("/health/elb") == 1


def test_connection_failure_is_reported(closed_port, no_aws):
    url = f"http://127.0.0.1:{closed_port}/health"
    failed, result = run_module({"urls": [url], "samples": 2, "timeout": 0})
    assert failed
    (problem,) = result["broken_thresholds"]
    assert problem["threshold"] == "connection"
    assert "(2 of 2 samples)" in problem["message"]
    assert result["targets"][0]["status_codes"] == [None, None]


def test_redirects_are_judged_unless_followed(app_server, no_aws):
    url = f"{app_server.base}/redirect"
    failed, result = run_module({"urls": [url], "samples": 1, "timeout": 0})
    assert failed
    assert "status 302 not in [200]" in result["msg"]
    failed, result = run_module({"urls": [url], "samples": 1, "timeout": 0, "follow_redirects": True})
    assert not failed, result.get("msg")


def test_headers_are_sent(app_server, no_aws):
    failed, result = run_module(
        {
            "urls": [f"{app_server.base}/needs-header"],
            "headers": {"X-Health-Check": "deploy"},
            "samples": 1,
            "timeout": 0,
        }
    )
    assert not failed, result.get("msg")


def test_check_mode_probes_the_same_and_changes_nothing(app_server, no_aws):
    failed, result = run_module({"urls": [f"{app_server.base}/health/elb"], "samples": 1, "timeout": 0}, check_mode=True)
    assert not failed
    assert result["changed"] is False
    assert len(app_server.requests) == 1


def test_several_urls_are_reported_in_order(app_server, no_aws):
    urls = [f"{app_server.base}/health/elb", f"{app_server.base}/text", f"{app_server.base}/health/elb"]
    failed, result = run_module({"urls": urls, "samples": 2, "timeout": 0})
    assert not failed, result.get("msg")
    assert [target["url"] for target in result["targets"]] == urls[:2]


def test_condition_without_operator_is_refused(app_server, no_aws):
    failed, result = run_module({"urls": [f"{app_server.base}/health/elb"], "conditions": [{"path": "status"}]})
    assert failed
    assert result["msg"].startswith("conditions[0]: condition on 'status' sets none of")
    assert app_server.requests == []


# AWS lookups (mocked clients) -------------------------------------------------------------------


class FakeAws(FakeAwsClients):
    """elbv2, ecs and cloudfront answers for a load balancer whose 'DNS name' is the local server."""

    LB_ARN = "arn:aws:elasticloadbalancing:ap-south-1:123456789012:loadbalancer/app/tt-alb/cb85f43e23d60bd7"
    TG_ARN = "arn:aws:elasticloadbalancing:ap-south-1:123456789012:targetgroup/tt-web/5d746f9e3943d0c6"

    def __init__(self, port, listeners=None, target_health=None):
        super().__init__()
        self.port = port
        self.listeners = listeners if listeners is not None else [{"Protocol": "HTTP", "Port": port}]
        self.target_health = target_health or [
            {"Target": {"Id": "10.0.1.5", "Port": 8000}, "TargetHealth": {"State": "healthy"}},
        ]

    def _elbv2(self):
        client = mock.MagicMock()
        load_balancer = {"LoadBalancerArn": self.LB_ARN, "LoadBalancerName": "tt-alb", "DNSName": "127.0.0.1"}

        def describe_load_balancers(aws_retry=None, Names=None, LoadBalancerArns=None):
            if Names and Names != ["tt-alb"]:
                raise client_error("LoadBalancerNotFound", "DescribeLoadBalancers")
            return {"LoadBalancers": [load_balancer]}

        client.describe_load_balancers.side_effect = describe_load_balancers
        client.describe_target_health.side_effect = lambda aws_retry=None, TargetGroupArn=None: {"TargetHealthDescriptions": self.target_health}
        group = {"TargetGroupArn": self.TG_ARN, "TargetGroupName": "tt-web", "LoadBalancerArns": [self.LB_ARN]}
        stub_paginators(
            client,
            {
                "describe_listeners": lambda **kwargs: {"Listeners": self.listeners},
                "describe_target_groups": lambda **kwargs: {"TargetGroups": [group]},
            },
        )
        return client

    def _ecs(self):
        client = mock.MagicMock()
        client.describe_services.return_value = {
            "services": [
                {
                    "serviceName": "tt-web",
                    "status": "ACTIVE",
                    "loadBalancers": [{"targetGroupArn": self.TG_ARN, "containerName": "web", "containerPort": 8000}],
                }
            ]
        }
        return client

    def _cloudfront(self):
        client = mock.MagicMock()
        stub_paginators(
            client,
            {
                "list_distributions": lambda **kwargs: {
                    "DistributionList": {
                        "Items": [
                            {
                                "Id": "E2QWRUHAPOMQZL",
                                "DomainName": "127.0.0.1",
                                "Aliases": {"Quantity": 1, "Items": ["localhost"]},
                            },
                        ]
                    }
                },
            },
        )
        return client


@pytest.fixture
def fake_aws(app_server):
    with patched_aws_clients(FakeAws(app_server.server_address[1])) as fake:
        yield fake


AWS_ARGS = {"region": "ap-south-1", "access_key": "testing", "secret_key": "testing"}


@needs_boto3
def test_load_balancer_lookup_probes_its_dns_name(app_server, fake_aws):
    failed, result = run_module(dict(AWS_ARGS, load_balancer_name="tt-alb", samples=1, timeout=0))
    assert not failed, result.get("msg")
    (target,) = result["targets"]
    assert target["url"] == f"{app_server.base}/health/elb"
    assert target["source"] == "load_balancer"
    assert "target_groups" not in result
    fake_aws.clients["elbv2"].describe_target_health.assert_not_called()


@needs_boto3
def test_https_listener_is_preferred_under_auto(app_server, fake_aws):
    fake_aws.listeners = [{"Protocol": "HTTP", "Port": 80}, {"Protocol": "HTTPS", "Port": 443}]
    failed, result = run_module(dict(AWS_ARGS, load_balancer_name="tt-alb", samples=1, timeout=0, request_timeout=1))
    assert failed  # nothing answers on 127.0.0.1:443 here
    assert result["targets"][0]["url"] == "https://127.0.0.1/health/elb"


@needs_boto3
def test_unknown_load_balancer_fails_clearly(fake_aws):
    failed, result = run_module(dict(AWS_ARGS, load_balancer_name="nope"))
    assert failed
    assert result["msg"] == "Load balancer nope not found"


@needs_boto3
def test_ecs_service_lookup_and_target_health_report(app_server, fake_aws):
    fake_aws.target_health = [
        {"Target": {"Id": "10.0.1.5", "Port": 8000}, "TargetHealth": {"State": "healthy"}},
        {
            "Target": {"Id": "10.0.2.7", "Port": 8000, "AvailabilityZone": "ap-south-1b"},
            "TargetHealth": {
                "State": "unhealthy",
                "Reason": "Target.ResponseCodeMismatch",
                "Description": "Health checks failed with these codes: [503]",
            },
        },
    ]
    args = dict(AWS_ARGS, ecs_cluster="tt", ecs_service="tt-web", samples=1, timeout=0)
    failed, result = run_module(dict(args, target_health="report"))
    assert not failed, result.get("msg")
    assert result["targets"][0]["source"] == "ecs_service"
    (group,) = result["target_groups"]
    assert group["target_group_name"] == "tt-web"
    assert (group["healthy_count"], group["unhealthy_count"]) == (1, 1)
    assert group["targets"][1]["reason"] == "Target.ResponseCodeMismatch"

    failed, result = run_module(dict(args, target_health="require"))
    assert failed
    assert result["broken_thresholds"][-1] == {
        "target": "target group tt-web",
        "threshold": "target_health",
        "message": "1 of 2 targets not healthy: 10.0.2.7:8000 unhealthy (Target.ResponseCodeMismatch: Health checks failed with these codes: [503])",
    }
    assert "target group tt-web: 1 of 2 targets not healthy" in result["msg"]


def test_target_health_needs_a_load_balancer(app_server, no_aws):
    failed, result = run_module({"urls": [f"{app_server.base}/health/elb"], "target_health": "report"})
    assert failed
    assert "target_health needs load_balancer_name or ecs_service" in result["msg"]


@needs_boto3
@pytest.mark.parametrize(("wanted", "host"), [("localhost", "localhost"), ("E2QWRUHAPOMQZL", "127.0.0.1")])
def test_cloudfront_lookup_by_alias_or_id(app_server, fake_aws, wanted, host):
    port = app_server.server_address[1]
    failed, result = run_module(
        dict(
            AWS_ARGS,
            cloudfront_distribution=wanted,
            scheme="http",
            port=port,
            path="health/elb",
            samples=1,
            timeout=0,
        )
    )
    assert not failed, result.get("msg")
    assert result["targets"][0]["url"] == f"http://{host}:{port}/health/elb"
    assert result["targets"][0]["source"] == "cloudfront"


@needs_boto3
def test_unknown_cloudfront_distribution_fails_clearly(fake_aws):
    failed, result = run_module(dict(AWS_ARGS, cloudfront_distribution="other.example.com"))
    assert failed
    assert result["msg"] == "CloudFront distribution other.example.com not found (by id, alias or domain name)"


# The probe's pure parts -------------------------------------------------------------------------


def test_select_walks_keys_indexes_and_wildcards():
    document = {"a": {"x": {"s": 1}, "y": {"s": 2}}, "items": [{"id": "p"}, {"id": "q"}]}
    assert http_probe.select(document, "a.*.s") == [("a.x.s", 1), ("a.y.s", 2)]
    assert http_probe.select(document, "items.1.id") == [("items.1.id", "q")]
    assert http_probe.select(document, "items.*.id") == [("items.0.id", "p"), ("items.1.id", "q")]
    assert http_probe.select(document, "items.5.id") == []
    assert http_probe.select(document, "a.z") == []


@pytest.mark.parametrize(
    ("condition", "messages"),
    [
        ({"path": "n", "equals": 1}, []),
        ({"path": "flag", "equals": 1}, ["flag is true, expected 1"]),
        ({"path": "flag", "equals": True}, []),
        ({"path": "n", "min": 2}, ["n is 1, expected at least 2"]),
        ({"path": "n", "max": 0.5}, ["n is 1, expected at most 0.5"]),
        ({"path": "s", "max": 1}, ['s is "up", expected a number at most 1']),
        ({"path": "s", "not_in": ["up", "down"]}, ['s is "up", expected none of ["up", "down"]']),
        ({"path": "s", "not_equals": "up"}, ['s is "up", expected anything else']),
        ({"path": "s", "matches": "^u"}, []),
        ({"path": "gone", "exists": False}, []),
        ({"path": "s", "exists": False}, ["s is present"]),
        ({"path": "gone", "exists": True}, ["gone is missing"]),
    ],
)
def test_condition_operators(condition, messages):
    assert http_probe.check_condition({"n": 1, "flag": True, "s": "up"}, condition) == messages


def test_percentile_is_nearest_rank():
    values = list(range(1, 101))
    assert http_probe.percentile(values, 0.95) == 95
    assert http_probe.percentile(values, 0.50) == 50
    assert http_probe.percentile([10, 20, 300], 0.95) == 300
    assert http_probe.percentile([], 0.95) is None


def test_retry_backs_off_exponentially_and_stops_at_the_deadline():
    now = [0.0]
    sleeps = []

    def sleep(seconds):
        sleeps.append(seconds)
        now[0] += seconds

    healthy, _result, attempts, _elapsed = http_probe.retry_until_healthy(
        lambda number: (False, None),
        timeout=10,
        delay=1,
        max_delay=4,
        sleep=sleep,
        clock=lambda: now[0],
    )
    assert not healthy
    assert sleeps == [1, 2, 4, 3]
    assert attempts == 5
