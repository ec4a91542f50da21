"""service_listener_rules: each service's path patterns routed to its target group."""

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.tracetrack.aws.plugins.filter.service_listener_rules import service_listener_rules

WEB = {"name": "web", "full_name": "p-web", "path_patterns": ["/*"]}
API = {"name": "api", "full_name": "p-api", "path_patterns": ["/api/*"]}
HEADER = [{"Field": "http-header", "HttpHeaderConfig": {"HttpHeaderName": "X-Origin-Verify", "Values": ["v" * 16]}}]


def test_the_catch_all_is_the_default_action_and_gets_no_rule():
    assert service_listener_rules([WEB, API], "web") == [
        {
            "priority": 20,
            "conditions": [{"Field": "path-pattern", "PathPatternConfig": {"Values": ["/api/*"]}}],
            "actions": [{"Type": "forward", "TargetGroupName": "p-api"}],
        }
    ]


def test_with_the_origin_header_every_rule_carries_it_and_the_catch_all_comes_last():
    rules = service_listener_rules([WEB, API], "web", HEADER)
    assert [(r["priority"], r["actions"][0]["TargetGroupName"]) for r in rules] == [(50000, "p-web"), (20, "p-api")]
    assert all(r["conditions"][1:] == HEADER for r in rules)


def test_without_a_catch_all_every_service_gets_a_rule():
    assert [r["priority"] for r in service_listener_rules([API, dict(API, name="b", full_name="p-b")], "")] == [10, 20]


def test_with_an_alternate_target_group_each_rule_forwards_to_both_and_keeps_the_weights_ecs_sets():
    rules = service_listener_rules([WEB, API], "web", [], "-alt")
    assert [r["priority"] for r in rules] == [50000, 20]  # the catch-all needs a rule: ECS names a rule, not a default action
    assert rules[1] == {
        "priority": 20,
        "conditions": [{"Field": "path-pattern", "PathPatternConfig": {"Values": ["/api/*"]}}],
        "actions": [
            {"Type": "forward", "ForwardConfig": {"TargetGroups": [{"TargetGroupName": "p-api", "Weight": 100}, {"TargetGroupName": "p-api-alt", "Weight": 0}]}}
        ],
        "keep_weights": True,
    }
    assert service_listener_rules([WEB, API], "web", HEADER, "-alt")[0]["conditions"][1:] == HEADER


def test_the_input_must_be_a_list():
    with pytest.raises(AnsibleFilterError):
        service_listener_rules("web")
