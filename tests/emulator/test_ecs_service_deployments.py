"""ECS ListServiceDeployments / DescribeServiceDeployments, and the lifecycle of blue/green, linear and canary
deployments with their alarm-based rollback (ecs_service_deployments)."""

import time

import pytest

from tests.support.clients import emulator_client, put_5xx_alarm

CONTAINERS = [{"name": "web", "image": "public.ecr.aws/nginx/nginx:latest", "memory": 512, "essential": True}]
TARGET_GROUP = "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/0123456789abcdef"
ADVANCED = {
    "alternateTargetGroupArn": TARGET_GROUP.replace("/web/", "/web-green/"),
    "productionListenerRule": "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener-rule/app/web/1/2/3",
    "testListenerRule": "arn:aws:elasticloadbalancing:us-east-1:123456789012:listener-rule/app/web/1/2/4",
    "roleArn": "arn:aws:iam::123456789012:role/ecs-load-balancers",
}
ALARM = "web-5xx-rate"


@pytest.fixture
def ecs(clean_emulator):
    client = emulator_client(clean_emulator, "ecs")
    client.create_cluster(clusterName="shift")
    for _revision in range(2):
        client.register_task_definition(
            family="web", containerDefinitions=CONTAINERS, requiresCompatibilities=["FARGATE"], networkMode="awsvpc", cpu="256", memory="512"
        )
    client.cloudwatch = emulator_client(clean_emulator, "cloudwatch")
    put_5xx_alarm(client.cloudwatch, ALARM)
    return client


def create(ecs, name: str, configuration: dict | None = None) -> None:
    ecs.create_service(
        cluster="shift",
        serviceName=name,
        taskDefinition="web:1",
        desiredCount=2,
        loadBalancers=[{"targetGroupArn": TARGET_GROUP, "containerName": "web", "containerPort": 80, "advancedConfiguration": ADVANCED}],
        deploymentConfiguration=configuration or {},
    )
    ecs.describe_services(cluster="shift", services=[name])  # the creation's own deployment ends


def newest(ecs, name: str) -> dict:
    arn = ecs.list_service_deployments(cluster="shift", service=name)["serviceDeployments"][0]["serviceDeploymentArn"]
    return ecs.describe_service_deployments(serviceDeploymentArns=[arn])["serviceDeployments"][0]


def follow(ecs, name: str, until=("SUCCESSFUL", "ROLLBACK_SUCCESSFUL", "STOPPED"), during=None, timeout: float = 30) -> list[tuple]:
    """(lifecycle stage, new revision's production weight, status) at each look (DescribeServiceDeployments, each of
    which moves the deployment on by one step), until the deployment ends."""
    arn = ecs.list_service_deployments(cluster="shift", service=name)["serviceDeployments"][0]["serviceDeploymentArn"]
    seen, deadline = [], time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = ecs.describe_service_deployments(serviceDeploymentArns=[arn])["serviceDeployments"][0]
        look = (found.get("lifecycleStage"), found["targetServiceRevision"]["requestedProductionTrafficWeight"], found["status"])
        if not seen or seen[-1] != look:
            seen.append(look)
        if during:
            during(found)
        if found["status"] in until:
            return seen
        time.sleep(0.05)
    raise AssertionError(f"the deployment did not end: {seen}")


def test_a_rolling_deployment_is_listed_and_succeeds_with_its_rollout(ecs):
    create(ecs, "rolling")
    ecs.update_service(cluster="shift", service="rolling", taskDefinition="web:2")
    listed = ecs.list_service_deployments(cluster="shift", service="rolling")["serviceDeployments"]
    assert [d["status"] for d in listed] == ["IN_PROGRESS", "SUCCESSFUL"], "newest first: the update, then the creation"
    assert follow(ecs, "rolling")[-1] == (None, 100, "SUCCESSFUL")
    found = newest(ecs, "rolling")
    assert found["sourceServiceRevisions"][0]["arn"] != found["targetServiceRevision"]["arn"]
    assert ecs.describe_services(cluster="shift", services=["rolling"])["services"][0]["deployments"][0]["rolloutState"] == "COMPLETED"


def test_blue_green_goes_through_every_stage_and_moves_all_traffic_at_once(ecs):
    create(ecs, "bluegreen", {"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 0})
    ecs.update_service(cluster="shift", service="bluegreen", taskDefinition="web:2")
    seen = follow(ecs, "bluegreen")  # its first look moves it on from PRE_SCALE_UP
    assert [(stage, status) for stage, _weight, status in seen] == [
        (stage, "IN_PROGRESS")
        for stage in (
            "SCALE_UP",
            "POST_SCALE_UP",
            "TEST_TRAFFIC_SHIFT",
            "POST_TEST_TRAFFIC_SHIFT",
            "PRODUCTION_TRAFFIC_SHIFT",
            "POST_PRODUCTION_TRAFFIC_SHIFT",
            "BAKE_TIME",
            "CLEAN_UP",
        )
    ] + [("CLEAN_UP", "SUCCESSFUL")]
    assert [weight for stage, weight, _status in seen if stage == "PRODUCTION_TRAFFIC_SHIFT"] == [100]
    assert seen[-1][2] == "SUCCESSFUL"
    service = ecs.describe_services(cluster="shift", services=["bluegreen"])["services"][0]
    assert service["deployments"][0]["rolloutState"] == "COMPLETED" and len(service["deployments"]) == 1
    assert service["taskDefinition"].endswith("web:2")


def test_the_service_deployment_stays_in_progress_until_the_lifecycle_ends(ecs):
    create(ecs, "held", {"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 60})
    ecs.update_service(cluster="shift", service="held", taskDefinition="web:2")
    for _look in range(15):
        service = ecs.describe_services(cluster="shift", services=["held"])["services"][0]
    assert newest(ecs, "held")["lifecycleStage"] == "BAKE_TIME"
    assert service["deployments"][0]["rolloutState"] == "IN_PROGRESS", "the old revision is kept through the bake"
    assert [d["status"] for d in service["deployments"]] == ["PRIMARY", "ACTIVE"]


def test_canary_moves_its_share_first_then_the_rest(ecs):
    create(ecs, "canary", {"strategy": "CANARY", "canaryConfiguration": {"canaryPercent": 10.0, "canaryBakeTimeInMinutes": 0}})
    ecs.update_service(cluster="shift", service="canary", taskDefinition="web:2")
    seen = follow(ecs, "canary")
    assert [weight for stage, weight, _status in seen if stage == "PRODUCTION_TRAFFIC_SHIFT"] == [10, 100]


def test_linear_moves_equal_steps(ecs):
    create(ecs, "linear", {"strategy": "LINEAR", "linearConfiguration": {"stepPercent": 25.0, "stepBakeTimeInMinutes": 0}})
    ecs.update_service(cluster="shift", service="linear", taskDefinition="web:2")
    seen = follow(ecs, "linear")
    assert [weight for stage, weight, _status in seen if stage == "PRODUCTION_TRAFFIC_SHIFT"] == [25, 50, 75, 100]


def test_an_alarm_during_the_bake_rolls_back_to_the_previous_revision(ecs):
    configuration = {
        "strategy": "BLUE_GREEN",
        "bakeTimeInMinutes": 60,
        "alarms": {"alarmNames": [ALARM], "enable": True, "rollback": True},
    }
    create(ecs, "alarmed", configuration)
    ecs.update_service(cluster="shift", service="alarmed", taskDefinition="web:2")

    def alarm_in_the_bake(found):
        if found.get("lifecycleStage") == "BAKE_TIME" and found["status"] == "IN_PROGRESS":
            ecs.cloudwatch.set_alarm_state(AlarmName=ALARM, StateValue="ALARM", StateReason="5xx over 10% for 2 minutes")

    seen = follow(ecs, "alarmed", during=alarm_in_the_bake)
    assert [status for _stage, _weight, status in seen][-2:] == ["ROLLBACK_IN_PROGRESS", "ROLLBACK_SUCCESSFUL"]
    found = newest(ecs, "alarmed")
    assert found["alarms"] == {"status": "TRIGGERED", "alarmNames": [ALARM], "triggeredAlarmNames": [ALARM]}
    assert found["rollback"]["serviceRevisionArn"] == found["sourceServiceRevisions"][0]["arn"]
    assert found["targetServiceRevision"]["requestedProductionTrafficWeight"] == 0
    service = ecs.describe_services(cluster="shift", services=["alarmed"])["services"][0]
    assert service["taskDefinition"].endswith("web:1"), "the service runs the previous revision again"
    primary, failed = service["deployments"]
    assert primary["taskDefinition"].endswith("web:1") and primary["rolloutState"] == "COMPLETED"
    assert failed["rolloutState"] == "FAILED" and ALARM in failed["rolloutStateReason"]
    assert ALARM in service["events"][0]["message"]


def test_an_alarm_without_rollback_stops_the_deployment_where_it_is(ecs):
    configuration = {"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 60, "alarms": {"alarmNames": [ALARM], "enable": True, "rollback": False}}
    create(ecs, "stopped", configuration)
    ecs.cloudwatch.set_alarm_state(AlarmName=ALARM, StateValue="ALARM", StateReason="already alarming")
    ecs.update_service(cluster="shift", service="stopped", taskDefinition="web:2")
    assert follow(ecs, "stopped")[-1][2] == "STOPPED"
    assert newest(ecs, "stopped")["alarms"]["triggeredAlarmNames"] == [ALARM]


def test_an_unknown_service_deployment_is_a_failure(ecs):
    arn = "arn:aws:ecs:us-east-1:123456789012:service-deployment/shift/none/abc"
    answer = ecs.describe_service_deployments(serviceDeploymentArns=[arn])
    assert answer["serviceDeployments"] == [] and answer["failures"][0]["reason"] == "MISSING"


PAUSE_AFTER_TEST_TRAFFIC = {
    "targetType": "PAUSE",
    "lifecycleStages": ["POST_TEST_TRAFFIC_SHIFT"],
    "timeoutConfiguration": {"timeoutInMinutes": 60, "action": "ROLLBACK"},
}


def paused(ecs, name: str, looks: int = 30) -> dict:
    """The newest deployment once it awaits an action at a PAUSE hook."""
    arn = ecs.list_service_deployments(cluster="shift", service=name)["serviceDeployments"][0]["serviceDeploymentArn"]
    for _look in range(looks):
        found = ecs.describe_service_deployments(serviceDeploymentArns=[arn])["serviceDeployments"][0]
        if any(h["status"] == "AWAITING_ACTION" for h in found.get("lifecycleHookDetails", [])):
            return found
    raise AssertionError(f"the deployment did not pause: {found}")


def test_a_pause_hook_holds_the_deployment_after_test_traffic_until_it_is_continued(ecs):
    create(ecs, "paused", {"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 0, "lifecycleHooks": [PAUSE_AFTER_TEST_TRAFFIC]})
    ecs.update_service(cluster="shift", service="paused", taskDefinition="web:2")
    found = paused(ecs, "paused")
    assert found["lifecycleStage"] == "POST_TEST_TRAFFIC_SHIFT"
    assert found["targetServiceRevision"]["requestedTestTrafficWeight"] == 100
    assert found["targetServiceRevision"]["requestedProductionTrafficWeight"] == 0
    (hook,) = found["lifecycleHookDetails"]
    assert (hook["targetType"], hook["status"], hook["timeoutAction"]) == ("PAUSE", "AWAITING_ACTION", "ROLLBACK")
    for _look in range(5):
        ecs.describe_services(cluster="shift", services=["paused"])
    assert newest(ecs, "paused")["lifecycleStage"] == "POST_TEST_TRAFFIC_SHIFT", "it waits for the action"
    ecs.continue_service_deployment(serviceDeploymentArn=found["serviceDeploymentArn"], hookId=hook["hookId"], action="CONTINUE")
    assert follow(ecs, "paused")[-1][2] == "SUCCESSFUL"
    assert newest(ecs, "paused")["lifecycleHookDetails"][0]["status"] == "SUCCEEDED"
    assert ecs.describe_services(cluster="shift", services=["paused"])["services"][0]["taskDefinition"].endswith("web:2")


def test_rolling_back_at_a_pause_hook_returns_to_the_previous_revision(ecs):
    create(
        ecs,
        "refused",
        {"strategy": "CANARY", "canaryConfiguration": {"canaryPercent": 5.0, "canaryBakeTimeInMinutes": 0}, "lifecycleHooks": [PAUSE_AFTER_TEST_TRAFFIC]},
    )
    ecs.update_service(cluster="shift", service="refused", taskDefinition="web:2")
    found = paused(ecs, "refused")
    hook_id = found["lifecycleHookDetails"][0]["hookId"]
    ecs.continue_service_deployment(serviceDeploymentArn=found["serviceDeploymentArn"], hookId=hook_id, action="ROLLBACK")
    assert follow(ecs, "refused")[-1][2] == "ROLLBACK_SUCCESSFUL"
    assert newest(ecs, "refused")["lifecycleHookDetails"][0]["status"] == "FAILED"
    assert ecs.describe_services(cluster="shift", services=["refused"])["services"][0]["taskDefinition"].endswith("web:1")
    with pytest.raises(ecs.exceptions.InvalidParameterException):
        ecs.continue_service_deployment(serviceDeploymentArn=found["serviceDeploymentArn"], hookId=hook_id, action="CONTINUE")


def test_a_pause_hook_that_times_out_takes_its_timeout_action(ecs):
    hook = dict(PAUSE_AFTER_TEST_TRAFFIC, timeoutConfiguration={"timeoutInMinutes": 1, "action": "ROLLBACK"})
    create(ecs, "forgotten", {"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 0, "lifecycleHooks": [hook]})
    ecs.update_service(cluster="shift", service="forgotten", taskDefinition="web:2")
    paused(ecs, "forgotten")
    assert follow(ecs, "forgotten")[-1][2] == "ROLLBACK_SUCCESSFUL", "one scaled minute later, no action came"
    found = newest(ecs, "forgotten")
    assert found["lifecycleHookDetails"][0]["status"] == "TIMED_OUT" and "timed out" in found["statusReason"]


def test_stop_service_deployment_rolls_back_an_ongoing_deployment(ecs):
    create(ecs, "stopped-by-hand", {"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 60})
    ecs.update_service(cluster="shift", service="stopped-by-hand", taskDefinition="web:2")
    arn = newest(ecs, "stopped-by-hand")["serviceDeploymentArn"]
    ecs.stop_service_deployment(serviceDeploymentArn=arn, stopType="ROLLBACK")
    assert follow(ecs, "stopped-by-hand")[-1][2] == "ROLLBACK_SUCCESSFUL"
    assert ecs.describe_services(cluster="shift", services=["stopped-by-hand"])["services"][0]["taskDefinition"].endswith("web:1")


# --- the listener rules follow the deployment (ELBv2 ModifyRule, loadBalancers[].advancedConfiguration) -------------


@pytest.fixture
def balanced(ecs, clean_emulator):
    """An ALB whose production rule (listener 80) and test rule (listener 8080) forward {blue: 100, green: 0}, and a
    service's load balancer entry naming them in its advancedConfiguration."""
    ec2, elb = emulator_client(clean_emulator, "ec2"), emulator_client(clean_emulator, "elbv2")
    vpc = ec2.create_vpc(CidrBlock="10.7.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.7.{i}.0/24", AvailabilityZone=f"us-east-1{z}")["Subnet"]["SubnetId"] for i, z in ((1, "a"), (2, "b"))
    ]
    balancer = elb.create_load_balancer(Name="shift", Subnets=subnets, Type="application")["LoadBalancers"][0]["LoadBalancerArn"]
    blue, green = (
        elb.create_target_group(Name=name, Protocol="HTTP", Port=8000, VpcId=vpc, TargetType="ip")["TargetGroups"][0]["TargetGroupArn"]
        for name in ("shift-blue", "shift-green")
    )
    rules = []
    for port in (80, 8080):
        listener = elb.create_listener(
            LoadBalancerArn=balancer, Protocol="HTTP", Port=port, DefaultActions=[{"Type": "fixed-response", "FixedResponseConfig": {"StatusCode": "404"}}]
        )["Listeners"][0]
        rules.append(
            elb.create_rule(
                ListenerArn=listener["ListenerArn"],
                Priority=10,
                Conditions=[{"Field": "path-pattern", "Values": ["/*"]}],
                Actions=[
                    {"Type": "forward", "ForwardConfig": {"TargetGroups": [{"TargetGroupArn": blue, "Weight": 100}, {"TargetGroupArn": green, "Weight": 0}]}}
                ],
            )["Rules"][0]["RuleArn"]
        )
    entry = {
        "targetGroupArn": blue,
        "containerName": "web",
        "containerPort": 80,
        "advancedConfiguration": {
            "alternateTargetGroupArn": green,
            "productionListenerRule": rules[0],
            "testListenerRule": rules[1],
            "roleArn": ADVANCED["roleArn"],
        },
    }
    return type("Balanced", (), {"elb": elb, "blue": blue, "green": green, "production": rules[0], "test": rules[1], "entry": entry})


def rule_weights(balanced) -> tuple[dict, dict]:
    """({target group: weight} of the production rule, of the test rule), as ELBv2 DescribeRules shows them."""
    found = {rule["RuleArn"]: rule for rule in balanced.elb.describe_rules(RuleArns=[balanced.production, balanced.test])["Rules"]}
    names = {balanced.blue: "blue", balanced.green: "green"}

    def weights(arn):
        (forward,) = [action for action in found[arn]["Actions"] if action["Type"] == "forward"]
        return {names[group["TargetGroupArn"]]: int(group["Weight"]) for group in forward["ForwardConfig"]["TargetGroups"]}

    return weights(balanced.production), weights(balanced.test)


def create_balanced(ecs, balanced, name: str, configuration: dict) -> None:
    ecs.create_service(
        cluster="shift", serviceName=name, taskDefinition="web:1", desiredCount=2, loadBalancers=[balanced.entry], deploymentConfiguration=configuration
    )
    ecs.describe_services(cluster="shift", services=[name])


def test_blue_green_moves_the_listener_rules_weights_and_the_next_deployment_uses_the_other_target_group(ecs, balanced):
    """ECS blue/green with loadBalancers[].advancedConfiguration: ECS calls ELBv2 ModifyRule on the test rule
    (TEST_TRAFFIC_SHIFT), then the production rule (PRODUCTION_TRAFFIC_SHIFT), towards the target group without
    production traffic; the rules' conditions stay. The next deployment moves them back to the other group."""
    create_balanced(ecs, balanced, "ruled", {"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 0})
    assert rule_weights(balanced) == ({"blue": 100, "green": 0}, {"blue": 100, "green": 0}), "CreateService moves no traffic"
    seen = {}

    def weights_at_each_stage(found):
        seen.setdefault(found.get("lifecycleStage"), rule_weights(balanced))

    ecs.update_service(cluster="shift", service="ruled", taskDefinition="web:2")
    assert follow(ecs, "ruled", during=weights_at_each_stage)[-1][2] == "SUCCESSFUL"
    assert seen["SCALE_UP"] == ({"blue": 100, "green": 0}, {"blue": 100, "green": 0})
    assert seen["TEST_TRAFFIC_SHIFT"] == ({"blue": 100, "green": 0}, {"blue": 0, "green": 100}), "test traffic first"
    assert seen["PRODUCTION_TRAFFIC_SHIFT"] == ({"blue": 0, "green": 100}, {"blue": 0, "green": 100})
    assert rule_weights(balanced) == ({"blue": 0, "green": 100}, {"blue": 0, "green": 100})
    (rule,) = balanced.elb.describe_rules(RuleArns=[balanced.production])["Rules"]
    assert rule["Conditions"] == [{"Field": "path-pattern", "Values": ["/*"]}] and rule["Priority"] == "10"

    seen.clear()
    ecs.update_service(cluster="shift", service="ruled", taskDefinition="web:1")
    assert follow(ecs, "ruled", during=weights_at_each_stage)[-1][2] == "SUCCESSFUL"
    assert seen["TEST_TRAFFIC_SHIFT"] == ({"blue": 0, "green": 100}, {"blue": 100, "green": 0}), "now blue is the new revision's group"
    assert rule_weights(balanced) == ({"blue": 100, "green": 0}, {"blue": 100, "green": 0})


def test_an_alarm_in_a_canarys_bake_returns_the_rules_weights_to_the_previous_target_group(ecs, balanced):
    """CANARY: the canary's share on the production rule (ModifyRule) during its bake; an alarm in ALARM rolls the
    deployment back, and ECS returns all traffic of both rules to the previous revision's target group."""
    configuration = {
        "strategy": "CANARY",
        "canaryConfiguration": {"canaryPercent": 10.0, "canaryBakeTimeInMinutes": 60},
        "alarms": {"alarmNames": [ALARM], "enable": True, "rollback": True},
    }
    create_balanced(ecs, balanced, "canary-ruled", configuration)
    in_the_bake = []

    def alarm_in_the_bake(found):
        if found.get("lifecycleStage") == "PRODUCTION_TRAFFIC_SHIFT" and found["status"] == "IN_PROGRESS" and not in_the_bake:
            in_the_bake.append(rule_weights(balanced))
            ecs.cloudwatch.set_alarm_state(AlarmName=ALARM, StateValue="ALARM", StateReason="5xx from the canary")

    ecs.update_service(cluster="shift", service="canary-ruled", taskDefinition="web:2")
    assert follow(ecs, "canary-ruled", during=alarm_in_the_bake)[-1][2] == "ROLLBACK_SUCCESSFUL"
    assert in_the_bake == [({"blue": 90, "green": 10}, {"blue": 0, "green": 100})]
    assert rule_weights(balanced) == ({"blue": 100, "green": 0}, {"blue": 100, "green": 0})


def test_a_rolling_deployment_leaves_the_listener_rules_alone(ecs, balanced):
    create_balanced(ecs, balanced, "rolling-ruled", {})
    ecs.update_service(cluster="shift", service="rolling-ruled", taskDefinition="web:2")
    assert follow(ecs, "rolling-ruled")[-1][2] == "SUCCESSFUL"
    assert rule_weights(balanced) == ({"blue": 100, "green": 0}, {"blue": 100, "green": 0})
