"""monitoring_target_groups: the services behind the load balancer, each with its target group and its alternate one."""

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.tracetrack.aws.plugins.filter.monitoring_target_groups import monitoring_target_groups

ARN = "arn:aws:elasticloadbalancing:ap-south-1:123456789012:targetgroup/{name}/{id}"


def group(name, group_id):
    return {"target_group_name": name, "target_group_arn": ARN.format(name=name, id=group_id), "port": 8000}


def test_one_group_per_service_has_no_alternate():
    assert monitoring_target_groups([group("tp-web", "1"), group("tp-backend", "2")], "tp") == [
        {"name": "backend", "arn_suffix": "targetgroup/tp-backend/2", "alternate_arn_suffix": ""},
        {"name": "web", "arn_suffix": "targetgroup/tp-web/1", "alternate_arn_suffix": ""},
    ]


def test_the_alt_group_is_its_services_alternate_not_a_service_of_its_own():
    found = monitoring_target_groups([group("tp-web-alt", "9"), group("tp-web", "1"), group("tp-backend", "2")], "tp")
    assert found == [
        {"name": "backend", "arn_suffix": "targetgroup/tp-backend/2", "alternate_arn_suffix": ""},
        {"name": "web", "arn_suffix": "targetgroup/tp-web/1", "alternate_arn_suffix": "targetgroup/tp-web-alt/9"},
    ]


def test_an_alt_group_without_its_primary_is_a_service():
    """Only a group named after another one is an alternate: a service may well end in -alt."""
    assert monitoring_target_groups([group("tp-old-alt", "3")], "tp") == [
        {"name": "old-alt", "arn_suffix": "targetgroup/tp-old-alt/3", "alternate_arn_suffix": ""},
    ]


def test_a_group_without_the_prefix_keeps_its_name_and_nothing_is_empty():
    assert monitoring_target_groups([group("other", "4")], "tp") == [
        {"name": "other", "arn_suffix": "targetgroup/other/4", "alternate_arn_suffix": ""},
    ]
    assert monitoring_target_groups([], "tp") == []


@pytest.mark.parametrize("target_groups, prefix", [({"tp-web": "arn"}, "tp"), ([{"target_group_name": "tp-web"}], "tp"), ([group("tp-web", "1")], "")])
def test_bad_input_is_refused(target_groups, prefix):
    with pytest.raises(AnsibleFilterError, match="monitoring_target_groups"):
        monitoring_target_groups(target_groups, prefix)
