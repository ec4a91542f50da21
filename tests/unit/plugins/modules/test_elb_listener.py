"""tracetrack.aws.elb_listener: rules compared whole, AWS-filled values ignored, check mode."""

from unittest.mock import MagicMock

from ansible_collections.tracetrack.aws.plugins.modules import elb_listener
from ansible_collections.tracetrack.aws.tests.unit.plugins.modules.utils import fake_module_for
from ansible_collections.tracetrack.aws.tests.unit.plugins.modules.utils import outcome_of
from ansible_collections.tracetrack.aws.tests.unit.plugins.modules.utils import stub_paginators

ALB = "arn:aws:elasticloadbalancing:ap-south-1:123456789012:loadbalancer/app/tracetrack-local-alb/0123"
LISTENER = "arn:aws:elasticloadbalancing:ap-south-1:123456789012:listener/app/tracetrack-local-alb/0123/4567"
WEB = "arn:aws:elasticloadbalancing:ap-south-1:123456789012:targetgroup/tracetrack-local-web/aaaa"
API = "arn:aws:elasticloadbalancing:ap-south-1:123456789012:targetgroup/tracetrack-local-api/bbbb"
HEADER = {"Field": "http-header", "HttpHeaderConfig": {"HttpHeaderName": "X-Origin-Verify", "Values": ["s3cret-value-0001"]}}


def forward_as_aws_describes_it(arn):
    return {
        "Type": "forward",
        "TargetGroupArn": arn,
        "Order": 1,
        "ForwardConfig": {"TargetGroups": [{"TargetGroupArn": arn, "Weight": 1}], "TargetGroupStickinessConfig": {"Enabled": False}},
    }


def path(*values):
    return {"Field": "path-pattern", "Values": list(values), "PathPatternConfig": {"Values": list(values)}}


def params(**overrides):
    values = dict(
        state="present",
        load_balancer_arn=ALB,
        port=80,
        protocol="HTTP",
        ssl_policy=None,
        certificate_arn=None,
        default_actions=[{"Type": "forward", "TargetGroupName": "tracetrack-local-web"}],
        rules=[
            {
                "priority": 10,
                "conditions": [{"Field": "path-pattern", "PathPatternConfig": {"Values": ["/api/*"]}}],
                "actions": [{"Type": "forward", "TargetGroupName": "tracetrack-local-api"}],
            }
        ],
        purge_rules=True,
    )
    values.update(overrides)
    return values


fake_module = fake_module_for(params)


def fake_client(listeners, rules):
    client = stub_paginators(MagicMock(), {"describe_listeners": {"Listeners": listeners}})
    client.describe_rules.return_value = {"Rules": rules + [{"RuleArn": "default", "Priority": "default", "IsDefault": True}]}
    arns = {"tracetrack-local-web": WEB, "tracetrack-local-api": API}
    client.describe_target_groups.side_effect = lambda aws_retry, Names: {"TargetGroups": [{"TargetGroupArn": arns[Names[0]]}]}
    client.create_listener.return_value = {"Listeners": [{"ListenerArn": LISTENER, "Port": 80, "Protocol": "HTTP"}]}
    return client


LISTENER_NOW = {"ListenerArn": LISTENER, "Port": 80, "Protocol": "HTTP", "DefaultActions": [forward_as_aws_describes_it(WEB)]}
RULE_NOW = {"RuleArn": "rule-10", "Priority": "10", "Conditions": [path("/api/*")], "Actions": [forward_as_aws_describes_it(API)]}


def run(client, module, function=elb_listener.ensure_present):
    return outcome_of(function, client, module).result


def test_listener_as_aws_describes_it_matches_the_request():
    client = fake_client([LISTENER_NOW], [RULE_NOW])
    result = run(client, fake_module())
    assert result["changed"] is False
    client.modify_listener.assert_not_called()
    client.modify_rule.assert_not_called()


def test_a_removed_condition_is_removed_from_the_rule():
    with_header = dict(RULE_NOW, Conditions=[path("/api/*"), HEADER])
    client = fake_client([LISTENER_NOW], [with_header])
    result = run(client, fake_module())
    assert result["changed"] is True
    kwargs = client.modify_rule.call_args.kwargs
    assert kwargs["RuleArn"] == "rule-10"
    assert kwargs["Conditions"] == [{"Field": "path-pattern", "PathPatternConfig": {"Values": ["/api/*"]}}]
    assert kwargs["Actions"] == [{"Type": "forward", "TargetGroupArn": API}]


def test_rules_not_listed_are_deleted_and_new_ones_created():
    extra = dict(RULE_NOW, RuleArn="rule-20", Priority="20")
    client = fake_client([LISTENER_NOW], [extra])
    run(client, fake_module())
    client.delete_rule.assert_called_once_with(aws_retry=True, RuleArn="rule-20")
    assert client.create_rule.call_args.kwargs["Priority"] == 10


def test_default_action_change_modifies_the_listener():
    client = fake_client([LISTENER_NOW], [RULE_NOW])
    forbidden = {"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "403", "ContentType": "text/plain"}}
    run(client, fake_module(default_actions=[forbidden]))
    assert client.modify_listener.call_args.kwargs["DefaultActions"] == [forbidden]


def test_redirect_placeholders_filled_in_by_aws_are_no_change():
    stored = dict(
        LISTENER_NOW,
        DefaultActions=[
            {
                "Type": "redirect",
                "Order": 1,
                "RedirectConfig": {
                    "Protocol": "HTTPS",
                    "Port": "443",
                    "Host": "#{host}",
                    "Path": "/#{path}",
                    "Query": "#{query}",
                    "StatusCode": "HTTP_301",
                },
            }
        ],
    )
    client = fake_client([stored], [])
    redirect = {"Type": "redirect", "RedirectConfig": {"Protocol": "HTTPS", "Port": "443", "StatusCode": "HTTP_301"}}
    result = run(client, fake_module(default_actions=[redirect], rules=[]))
    assert result["changed"] is False


def test_check_mode_writes_nothing():
    client = fake_client([LISTENER_NOW], [dict(RULE_NOW, Conditions=[path("/v2/*")])])
    result = run(client, fake_module(check_mode=True))
    assert result["changed"] is True
    client.modify_rule.assert_not_called()
    client.create_rule.assert_not_called()


def test_new_listener_gets_its_rules():
    client = fake_client([], [])
    run(client, fake_module())
    assert client.create_listener.call_args.kwargs["DefaultActions"] == [{"Type": "forward", "TargetGroupArn": WEB}]
    assert client.create_rule.call_args.kwargs["ListenerArn"] == LISTENER


def test_absent_deletes_only_an_existing_listener():
    client = fake_client([LISTENER_NOW], [])
    result = run(client, fake_module(state="absent", port=443), elb_listener.ensure_absent)
    assert result["changed"] is False
    result = run(client, fake_module(state="absent"), elb_listener.ensure_absent)
    assert result["changed"] is True
    client.delete_listener.assert_called_once_with(aws_retry=True, ListenerArn=LISTENER)


# --- keep_weights: a rule whose target group weights ECS moves (blue/green, linear and canary deployments) ----------

GREEN = API.replace("tracetrack-local-api", "tracetrack-local-web-g")


def weighted(blue, green):
    return {
        "Type": "forward",
        "ForwardConfig": {
            "TargetGroups": [{"TargetGroupArn": WEB, "Weight": blue}, {"TargetGroupArn": GREEN, "Weight": green}],
            "TargetGroupStickinessConfig": {"Enabled": False},
        },
    }


def ecs_rule(conditions, actions, keep_weights=True):
    return {"priority": 10, "conditions": conditions, "actions": actions, "keep_weights": keep_weights}


def current(conditions, actions):
    return [{"RuleArn": "rule-10", "Priority": "10", "Conditions": conditions, "Actions": actions}]


def test_weights_ecs_moved_are_no_difference_for_a_rule_that_keeps_them():
    after_a_deployment = current([path("/*")], [weighted(0, 100)])
    assert elb_listener.plan_rules(after_a_deployment, [ecs_rule([path("/*")], [weighted(100, 0)])], True) == ([], [], [])
    _delete, modify, _create = elb_listener.plan_rules(after_a_deployment, [ecs_rule([path("/*")], [weighted(100, 0)], keep_weights=False)], True)
    assert modify and modify[0][2] == [weighted(100, 0)], "without keep_weights the weights are the module's"


def test_a_rule_that_keeps_its_weights_changes_its_conditions_and_keeps_them():
    after_a_deployment = current([path("/*")], [weighted(0, 100)])
    _delete, modify, _create = elb_listener.plan_rules(after_a_deployment, [ecs_rule([path("/*"), HEADER], [weighted(100, 0)])], True)
    ((arn, conditions, actions),) = modify
    assert arn == "rule-10" and conditions == [path("/*"), HEADER]
    assert actions == [weighted(0, 100)], "the weights ECS set are written back as they are"


def test_another_target_group_is_a_difference_even_when_weights_are_kept():
    after_a_deployment = current([path("/*")], [weighted(0, 100)])
    other = weighted(100, 0)
    other["ForwardConfig"]["TargetGroups"][1]["TargetGroupArn"] = API
    _delete, modify, _create = elb_listener.plan_rules(after_a_deployment, [ecs_rule([path("/*")], [other])], True)
    assert len(modify) == 1


def test_target_groups_of_a_weighted_forward_are_named_and_the_rule_arns_are_returned():
    client = fake_client([LISTENER_NOW], [RULE_NOW])
    named = {
        "Type": "forward",
        "ForwardConfig": {
            "TargetGroups": [{"TargetGroupName": "tracetrack-local-api", "Weight": 100}, {"TargetGroupName": "tracetrack-local-web", "Weight": 0}]
        },
    }
    rule = {"priority": 10, "conditions": [{"Field": "path-pattern", "PathPatternConfig": {"Values": ["/api/*"]}}], "actions": [named], "keep_weights": True}
    result = run(client, fake_module(rules=[rule]))
    ((arn, actions),) = [(call.kwargs["RuleArn"], call.kwargs["Actions"]) for call in client.modify_rule.call_args_list]
    assert arn == "rule-10"
    assert [g["TargetGroupArn"] for g in actions[0]["ForwardConfig"]["TargetGroups"]] == [API, WEB]
    assert result["rule_arns"] == {"10": "rule-10"}
