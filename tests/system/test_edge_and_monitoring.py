"""The edge (cdn) and monitoring tiers against the emulator: converge, bad input before any API call, removal
twice (re-runs and check mode of the whole stack: test_site.py, test_production.py, test_examples.py)."""

import json

import pytest

from tests.support.clients import emulator_client
from tests.support.playbook import run_playbook

PLAYBOOK = "tests/system/playbooks/edge_monitoring.yml"
PREFIX = "tracetrack-local"
CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6"
CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
ALL_VIEWER = "216adef6-5c7f-47e4-b989-5492eafa07d3"


def distributions(emulator, comment=f"{PREFIX} CDN"):
    client = emulator_client(emulator, "cloudfront", region="us-east-1")
    items = client.list_distributions()["DistributionList"].get("Items") or []
    return [d for d in items if d["Comment"] == comment]


def alarms(emulator):
    client = emulator_client(emulator, "cloudwatch")
    return {a["AlarmName"]: a for a in client.describe_alarms(AlarmNamePrefix=f"{PREFIX}-")["MetricAlarms"]}


def dashboards(emulator):
    return [d["DashboardName"] for d in emulator_client(emulator, "cloudwatch").list_dashboards()["DashboardEntries"]]


def topics(emulator):
    return [t["TopicArn"] for t in emulator_client(emulator, "sns").list_topics()["Topics"]]


@pytest.fixture(scope="module")
def converged_local(emulator):
    emulator.reset()
    first = run_playbook(PLAYBOOK, "local", emulator.url)
    assert first.returncode == 0, first.explain()
    return first


def test_first_run_puts_cloudfront_in_front_of_the_load_balancer(converged_local, emulator):
    (summary,) = distributions(emulator)
    client = emulator_client(emulator, "cloudfront", region="us-east-1")
    config = client.get_distribution_config(Id=summary["Id"])["DistributionConfig"]
    (origin,) = config["Origins"]["Items"]
    assert origin["DomainName"].startswith(f"{PREFIX}-alb") and origin["DomainName"].endswith(".elb.amazonaws.com")
    assert origin["CustomOriginConfig"]["OriginProtocolPolicy"] == "http-only"  # the load balancer has no HTTPS listener

    secret = json.loads(
        emulator_client(emulator, "secretsmanager").get_secret_value(SecretId=f"{PREFIX}/cdn-origin")["SecretString"]
    )
    assert origin["CustomHeaders"]["Items"] == [{"HeaderName": "X-Origin-Verify", "HeaderValue": secret["header_value"]}]
    assert len(secret["header_value"]) == 48

    behaviours = {b["PathPattern"]: b for b in config["CacheBehaviors"]["Items"]}
    assert behaviours["/static/*"]["CachePolicyId"] == CACHING_OPTIMIZED
    for path in ("/api/*", "/health*"):
        assert behaviours[path]["CachePolicyId"] == CACHING_DISABLED
        assert behaviours[path]["OriginRequestPolicyId"] == ALL_VIEWER
    assert config["DefaultCacheBehavior"]["CachePolicyId"] == CACHING_DISABLED
    assert config["PriceClass"] == "PriceClass_100"
    assert config["WebACLId"] == ""  # the local environment has no WAF
    for behaviour in list(behaviours.values()) + [config["DefaultCacheBehavior"]]:
        assert behaviour["ViewerProtocolPolicy"] == "redirect-to-https" and behaviour["Compress"] is True
    assert summary["Id"] in converged_local.stdout  # the summary shows the distribution
    assert secret["header_value"] not in converged_local.stdout, "the origin header value must never be printed"


def test_first_run_makes_the_alarms_dashboard_topic_and_tracing(converged_local, emulator):
    found = alarms(emulator)
    assert len(found) == 22
    topic = f"arn:aws:sns:ap-south-1:123456789012:{PREFIX}-alerts"
    assert topic in topics(emulator)
    assert {tuple(a["AlarmActions"]) for a in found.values()} == {(topic,)}
    assert found[f"{PREFIX}-web-cpu-warning"]["Threshold"] == 70.0
    assert found[f"{PREFIX}-web-cpu-critical"]["Threshold"] == 90.0
    assert found[f"{PREFIX}-alb-5xx-rate-critical"]["Threshold"] == 5.0
    assert found[f"{PREFIX}-alb-p95-latency-warning"]["Threshold"] == 0.1
    assert found[f"{PREFIX}-db-connections-critical"]["Threshold"] == 95.0
    assert found[f"{PREFIX}-redis-evictions-warning"]["Threshold"] == 0.0
    assert PREFIX in dashboards(emulator)
    xray = emulator_client(emulator, "xray")
    (group,) = [g for g in xray.get_groups()["Groups"] if g["GroupName"] == f"{PREFIX}-web"]
    assert group["FilterExpression"] == f'service("{PREFIX}-web")'
    rules = [r["SamplingRule"]["RuleName"] for r in xray.get_sampling_rules()["SamplingRuleRecords"]]
    assert f"{PREFIX}-web" in rules


@pytest.mark.parametrize(
    "extra_vars, variable",
    [
        ({"cdn_price_class": "PriceClass_999"}, "cdn_price_class"),
        ({"cdn_waf_rate_limit": 5}, "cdn_waf_rate_limit"),
        ({"cdn_origin_header_name": "Host"}, "cdn_origin_header_name"),
        ({"cdn_uncached_path_patterns": ["api/*"]}, "cdn_uncached_path_patterns"),
        ({"cdn_static_site_enabled": True, "cdn_static_site_dir": "/nonexistent/site"}, "cdn_static_site_dir"),
        ({"monitoring_alert_emails": ["not-an-address"]}, "monitoring_alert_emails"),
        ({"monitoring_ecs_cpu_warning_percent": 95}, "monitoring_ecs_cpu_warning_percent"),
        ({"monitoring_db_free_storage_critical_percent": 30}, "monitoring_db_free_storage_critical_percent"),
        ({"monitoring_period_seconds": 45}, "monitoring_period_seconds"),
        ({"monitoring_xray_sampling_fixed_rate": 1.5}, "monitoring_xray_sampling_fixed_rate"),
    ],
)
def test_bad_input_fails_before_any_api_call(emulator, extra_vars, variable):
    run = run_playbook(PLAYBOOK, "local", emulator.url, extra_vars=extra_vars)
    assert run.returncode != 0
    assert variable in run.stdout + run.stderr, run.explain()
    assert run.calls.calls == [], f"API calls were made before validation: {run.calls.calls}"


def test_strict_environment_needs_the_waf_and_alert_addresses(emulator):
    run = run_playbook(PLAYBOOK, "production", emulator.url, extra_vars={"cdn_waf_enabled": False})
    assert run.returncode != 0
    assert "cdn_waf_enabled" in run.stdout, run.explain()
    assert run.calls.calls == []
    run = run_playbook(PLAYBOOK, "production", emulator.url, extra_vars={"cdn_waf_enabled": True, "monitoring_alert_emails": []})
    assert run.returncode != 0
    assert "monitoring_alert_emails" in run.stdout, run.explain()
    assert run.calls.calls == []


def test_removal_leaves_nothing_and_a_second_removal_writes_nothing(converged_local, emulator):
    first = run_playbook(PLAYBOOK, "local", emulator.url, extra_vars={"edge_monitoring_state": "absent"})
    assert first.returncode == 0, first.explain()
    assert distributions(emulator) == []
    assert alarms(emulator) == {}
    assert PREFIX not in dashboards(emulator)
    assert not [t for t in topics(emulator) if t.endswith(f":{PREFIX}-alerts")]
    xray = emulator_client(emulator, "xray")
    assert [g["GroupName"] for g in xray.get_groups()["Groups"]] == ["Default"]
    waf = emulator_client(emulator, "wafv2", region="us-east-1")
    assert waf.list_web_acls(Scope="CLOUDFRONT")["WebACLs"] == []

    second = run_playbook(PLAYBOOK, "local", emulator.url, extra_vars={"edge_monitoring_state": "absent"})
    assert second.returncode == 0, second.explain()
    assert second.changed == 0, second.explain()
    assert second.calls.writes == []
