"""autoscaling_policy_specs: every kind of policy of every service, present when enabled, else absent."""

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.tracetrack.aws.plugins.filter.autoscaling_policy_specs import autoscaling_policy_specs

SETTINGS = {"cpu_target": "60", "memory_target": 75, "scale_out_cooldown": "60", "scale_in_cooldown": 300, "alb_arn_suffix": "app/p-alb/1",
            "target_groups": {"web": {"arn_suffix": "targetgroup/p-web/2"}}}  # fmt: skip
LATENCY = {"namespace": "TraceTrack", "metric_name": "RequestLatency", "dimensions": {"Service": "web"}, "statistic": "p95", "unit": "Milliseconds"}


def target(policies, latency=None):
    return {"name": "web", "service": "p-web", "resource_id": "service/p/p-web", "requests_per_target": 200, "latency_metric": latency or {},
            "latency_target": 250.0, "policies": [f"p-web-{kind}" for kind in policies]}  # fmt: skip


def test_enabled_kinds_are_present_with_their_metric_and_the_others_absent():
    specs = autoscaling_policy_specs([target(["cpu", "requests", "latency"], LATENCY)], SETTINGS)
    assert [(p["policy_name"], p["state"]) for p in specs] == [
        ("p-web-cpu", "present"), ("p-web-memory", "absent"), ("p-web-requests", "present"), ("p-web-latency", "present")]  # fmt: skip
    cpu, memory, requests, latency = specs
    assert cpu["target_value"] == 60.0 and cpu["predefined_metric"] == {"type": "ECSServiceAverageCPUUtilization"}
    assert (cpu["scale_out_cooldown"], cpu["scale_in_cooldown"]) == (60, 300)
    assert memory == {"policy_name": "p-web-memory", "resource_id": "service/p/p-web", "state": "absent"}
    assert requests["predefined_metric"] == {"type": "ALBRequestCountPerTarget", "resource_label": "app/p-alb/1/targetgroup/p-web/2"}
    assert requests["target_value"] == 200.0
    assert latency["customized_metric"] == LATENCY and latency["target_value"] == 250.0 and "predefined_metric" not in latency


def test_bad_input_is_refused():
    with pytest.raises(AnsibleFilterError, match="settings need"):
        autoscaling_policy_specs([target(["cpu"])], {"cpu_target": 60})
    with pytest.raises(AnsibleFilterError, match="must be the list"):
        autoscaling_policy_specs("web", SETTINGS)
