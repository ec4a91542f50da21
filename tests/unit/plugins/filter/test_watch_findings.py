"""The audit's no-alarm-watches-nothing rules (plugin_utils/watched.py, through security_findings)."""

import pytest

from ansible_collections.tracetrack.aws.plugins.filter.security_findings import security_findings

RESOURCES = {
    "ecs_clusters": ["tp"],
    "ecs_services": ["tp/tp-backend"],
    "load_balancers": ["app/tp-alb/1"],
    "target_groups": ["targetgroup/tp-backend/2"],
    "db_instances": ["tp-db"],
    "cache_clusters": ["tp-cache-001"],
    "cache_replication_groups": ["tp-cache"],
    "distributions": ["E1"],
}
EMITTED = [{"namespace": "App/p", "dimensions": {"Service": "app"}, "names": ["Latency", "Requests"], "latency": "Latency"}]
ECS_ALARM = {
    "alarm_name": "tp-backend-cpu-warning",
    "namespace": "AWS/ECS",
    "metric_name": "CPUUtilization",
    "dimensions": [{"name": "ClusterName", "value": "tp"}, {"name": "ServiceName", "value": "tp-backend"}],
}
MATH_ALARM = {
    "alarm_name": "tp-redis-cpu-warning",
    "metrics": [
        {"id": "highest", "expression": "MAX([node0])"},
        {
            "id": "node0",
            "metric_stat": {
                "metric": {"namespace": "AWS/ElastiCache", "metric_name": "CPUUtilization", "dimensions": [{"name": "CacheClusterId", "value": "tp-cache-001"}]}
            },
        },
    ],
}
DASHBOARD = {
    "name": "tp",
    "body": {
        "widgets": [
            {"type": "alarm", "properties": {"title": "Alarms", "alarms": ["arn:aws:cloudwatch:r:1:alarm:tp-backend-cpu-warning"]}},
            {
                "type": "metric",
                "properties": {
                    "title": "Targets",
                    "metrics": [
                        ["AWS/ApplicationELB", "HealthyHostCount", "TargetGroup", "targetgroup/tp-backend/2", "LoadBalancer", "app/tp-alb/1", {"label": "x"}]
                    ],
                },
            },
            {"type": "metric", "properties": {"title": "App", "metrics": [["App/p", "Latency", "Service", "app", {"stat": "p95"}]]}},
            {"type": "text", "properties": {"markdown": "# tp"}},
        ]
    },
}
POLICIES = [
    {
        "policy_name": "tp-backend-cpu",
        "resource_id": "service/tp/tp-backend",
        "target_tracking_scaling_policy_configuration": {"predefined_metric_specification": {"predefined_metric_type": "ECSServiceAverageCPUUtilization"}},
    },
    {
        "policy_name": "tp-backend-requests",
        "resource_id": "service/tp/tp-backend",
        "target_tracking_scaling_policy_configuration": {
            "predefined_metric_specification": {"predefined_metric_type": "ALBRequestCountPerTarget", "resource_label": "app/tp-alb/1/targetgroup/tp-backend/2"}
        },
    },
    {
        "policy_name": "tp-backend-latency",
        "resource_id": "service/tp/tp-backend",
        "target_tracking_scaling_policy_configuration": {
            "customized_metric_specification": {
                "metrics": [
                    {
                        "id": "m1",
                        "metric_stat": {
                            "metric": {
                                "namespace": "AWS/ApplicationELB",
                                "metric_name": "TargetResponseTime",
                                "dimensions": [{"Name": "LoadBalancer", "Value": "app/tp-alb/1"}, {"Name": "TargetGroup", "Value": "targetgroup/tp-backend/2"}],
                            }
                        },
                    }
                ]
            }
        },
    },
]
SOUND = {"resources": RESOURCES, "emitted": EMITTED, "alarms": [ECS_ALARM, MATH_ALARM], "dashboards": [DASHBOARD], "policies": POLICIES}


def findings(**changes):
    return security_findings({"environment": {"name": "p"}, "watched": {**SOUND, **changes}})


def test_what_watches_existing_resources_and_emitted_metrics_is_no_finding():
    assert findings() == []


@pytest.mark.parametrize(
    "changes, rule, resource, detail",
    [
        # An alarm on the default "web" service of an application whose services are frontend and backend.
        (
            {
                "alarms": [
                    ECS_ALARM,
                    {
                        **ECS_ALARM,
                        "alarm_name": "tp-web-cpu-warning",
                        "dimensions": [{"name": "ClusterName", "value": "tp"}, {"name": "ServiceName", "value": "tp-web"}],
                    },
                ]
            },
            "alarm-watches-nothing",
            "alarm tp-web-cpu-warning",
            "ECS service tp/tp-web does not exist",
        ),
        (
            {"resources": {**RESOURCES, "cache_clusters": []}, "dashboards": []},
            "alarm-watches-nothing",
            "alarm tp-redis-cpu-warning",
            "CacheClusterId tp-cache-001 does not exist",
        ),
        ({"emitted": []}, "widget-watches-nothing", "dashboard tp widget 2 (App)", "no service declares it emits App/p Latency"),
        ({"alarms": [MATH_ALARM]}, "widget-watches-nothing", "dashboard tp widget 0 (Alarms)", "alarm tp-backend-cpu-warning does not exist"),
        (
            {"resources": {**RESOURCES, "ecs_services": []}, "alarms": [MATH_ALARM], "dashboards": [], "policies": POLICIES[:1]},
            "policy-metric-not-produced",
            "scaling policy tp-backend-cpu",
            "ECS service tp/tp-backend, which does not exist",
        ),
        (
            {"resources": {**RESOURCES, "target_groups": []}, "alarms": [], "dashboards": [], "policies": POLICIES[2:]},
            "policy-metric-not-produced",
            "scaling policy tp-backend-latency",
            "TargetGroup targetgroup/tp-backend/2 does not exist",
        ),
    ],
)
def test_each_watcher_of_nothing_is_one_finding(changes, rule, resource, detail):
    (finding,) = findings(**changes)
    assert (finding["rule"], finding["resource"]) == (rule, resource)
    assert detail in finding["detail"], finding


def test_a_latency_policy_on_a_metric_the_service_does_not_emit_is_a_finding():
    custom = {
        "policy_name": "tp-backend-latency",
        "resource_id": "service/tp/tp-backend",
        "target_tracking_scaling_policy_configuration": {
            "customized_metric_specification": {
                "namespace": "TraceTrack/p",
                "metric_name": "RequestLatency",
                "dimensions": [{"Name": "Service", "Value": "tracetrack"}],
            }
        },
    }
    (finding,) = findings(policies=[custom])
    assert finding["rule"] == "policy-metric-not-produced" and "TraceTrack/p RequestLatency" in finding["detail"]
