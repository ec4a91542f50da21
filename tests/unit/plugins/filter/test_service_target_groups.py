"""service_target_groups: the target groups the running ECS services serve from, by service."""

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.tracetrack.aws.plugins.filter.service_target_groups import service_target_groups

ARN = "arn:aws:elasticloadbalancing:ap-south-1:123456789012:targetgroup/{name}/{id}"


def test_each_service_gets_its_target_group_and_an_empty_alternate():
    services = [{"serviceName": "tp-web", "loadBalancers": [{"targetGroupArn": ARN.format(name="tp-web", id="1"), "containerPort": 8000}]}]
    assert service_target_groups(services, "tp") == {
        "web": {"arn": ARN.format(name="tp-web", id="1"), "arn_suffix": "targetgroup/tp-web/1", "alternate_arn": "", "alternate_arn_suffix": ""}
    }


def test_a_traffic_shifting_service_gets_its_alternate_group():
    balancer = {
        "targetGroupArn": ARN.format(name="tp-web", id="1"),
        "advancedConfiguration": {"alternateTargetGroupArn": ARN.format(name="tp-web-alt", id="2"), "roleArn": "arn:aws:iam::1:role/r"},
    }
    found = service_target_groups([{"serviceName": "tp-web", "loadBalancers": [balancer]}], "tp")
    assert (found["web"]["alternate_arn"], found["web"]["alternate_arn_suffix"]) == (ARN.format(name="tp-web-alt", id="2"), "targetgroup/tp-web-alt/2")


def test_a_service_without_a_load_balancer_or_the_prefix_keeps_its_name_and_empty_arns():
    assert service_target_groups([{"serviceName": "worker"}, {"serviceName": "tp-jobs", "loadBalancers": []}], "tp") == {
        "worker": {"arn": "", "arn_suffix": "", "alternate_arn": "", "alternate_arn_suffix": ""},
        "jobs": {"arn": "", "arn_suffix": "", "alternate_arn": "", "alternate_arn_suffix": ""},
    }


@pytest.mark.parametrize(("services", "prefix"), [("tp-web", "tp"), ([{"loadBalancers": []}], "tp"), ([{"serviceName": "tp-web"}], "")])
def test_bad_input_is_a_clear_error(services, prefix):
    with pytest.raises(AnsibleFilterError, match="service_target_groups"):
        service_target_groups(services, prefix)
