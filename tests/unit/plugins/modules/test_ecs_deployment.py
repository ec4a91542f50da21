"""tracetrack.aws.ecs_deployment: how DescribeServices answers are read, and the wait loop."""

from datetime import datetime, timedelta, timezone
from unittest.mock import MagicMock

from ansible_collections.tracetrack.aws.plugins.modules import ecs_deployment
from ansible_collections.tracetrack.aws.tests.unit.plugins.modules.utils import fake_module as base_fake_module
from ansible_collections.tracetrack.aws.tests.unit.plugins.modules.utils import outcome_of

TD_OLD = "arn:aws:ecs:ap-south-1:123456789012:task-definition/web:6"
TD_NEW = "arn:aws:ecs:ap-south-1:123456789012:task-definition/web:7"
T0 = datetime(2026, 11, 1, 12, 0, tzinfo=timezone.utc)


def deployment(status="PRIMARY", task_definition=TD_NEW, rollout="COMPLETED", running=2, desired=2, **extra):
    item = {
        "id": f"ecs-svc/{status.lower()}-{task_definition[-1]}",
        "status": status,
        "taskDefinition": task_definition,
        "desiredCount": desired,
        "runningCount": running,
        "pendingCount": desired - running,
        "createdAt": T0,
    }
    if rollout is not None:
        item["rolloutState"] = rollout
    item.update(extra)
    return item


def service(deployments, running=2, desired=2, events=None):
    return {
        "serviceName": "web",
        "status": "ACTIVE",
        "desiredCount": desired,
        "runningCount": running,
        "deployments": deployments,
        "events": events or [],
    }


def event(message, minutes=1):
    return {"id": f"e-{minutes}", "createdAt": T0 + timedelta(minutes=minutes), "message": message}


# --- evaluate ---------------------------------------------------------------------------------------


def test_completed_when_primary_completed_and_counts_match():
    status = ecs_deployment.evaluate(service([deployment()]), TD_NEW)
    assert status.progress == ecs_deployment.COMPLETED
    assert status.rollback_reason is None


def test_in_progress_while_new_tasks_start():
    status = ecs_deployment.evaluate(
        service(
            [deployment(rollout="IN_PROGRESS", running=1), deployment("ACTIVE", TD_OLD, running=2)],
            running=3,
        ),
        TD_NEW,
    )
    assert status.progress == ecs_deployment.IN_PROGRESS
    assert "1 of 2 tasks running" in status.reason
    assert status.rollback_reason is None


def test_completed_rollout_state_waits_for_service_counts():
    # Old tasks still draining: the service runs more than it wants.
    status = ecs_deployment.evaluate(service([deployment()], running=3), TD_NEW)
    assert status.progress == ecs_deployment.IN_PROGRESS


def test_without_rollout_state_needs_a_single_deployment():
    two = service([deployment(rollout=None), deployment("ACTIVE", TD_OLD, rollout=None)])
    assert ecs_deployment.evaluate(two).progress == ecs_deployment.IN_PROGRESS
    one = service([deployment(rollout=None)])
    assert ecs_deployment.evaluate(one).progress == ecs_deployment.COMPLETED


def test_primary_failed_is_a_failed_deployment():
    status = ecs_deployment.evaluate(
        service([deployment(rollout="FAILED", running=0, rolloutStateReason="tasks failed to start")], running=0),
        TD_NEW,
    )
    assert status.progress == ecs_deployment.FAILED
    assert "tasks failed to start" in status.reason


def test_primary_on_another_task_definition_is_a_rollback():
    status = ecs_deployment.evaluate(service([deployment(task_definition=TD_OLD)]), TD_NEW)
    assert status.progress == ecs_deployment.COMPLETED
    assert TD_OLD in status.rollback_reason


def test_failed_active_deployment_is_a_rollback():
    status = ecs_deployment.evaluate(
        service(
            [
                deployment(task_definition=TD_OLD, rollout="IN_PROGRESS", running=1),
                deployment("ACTIVE", TD_NEW, rollout="FAILED", running=0, rolloutStateReason="circuit breaker"),
            ],
            running=1,
        )
    )
    assert status.progress == ecs_deployment.IN_PROGRESS
    assert "circuit breaker" in status.rollback_reason


def test_rolling_back_event_is_a_rollback():
    events = [event("(service web) deployment ecs-svc/1 deployment failed: tasks failed to start. rolling back")]
    status = ecs_deployment.evaluate(service([deployment()], events=events))
    assert status.rollback_reason is not None


def test_rollback_events_of_earlier_rollouts_are_ignored():
    events = [event("(service web) rolling back to deployment ecs-svc/0", minutes=-30)]
    status = ecs_deployment.evaluate(service([deployment()], events=events))
    assert status.progress == ecs_deployment.COMPLETED
    assert status.rollback_reason is None


# --- wait loop ----------------------------------------------------------------------------------------


class FakeClock:
    def __init__(self):
        self.now = 0.0
        self.sleeps = []

    def __call__(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


def fake_module(**params):
    values = dict(
        cluster="production",
        service="web",
        task_definition=TD_NEW,
        timeout=60,
        poll_interval=10,
        fail_on_rollback=True,
        event_count=10,
        until_paused=False,
    )
    values.update(params)
    return base_fake_module(values)


def client_answering(*answers):
    client = MagicMock()
    client.describe_services.side_effect = [{"services": [a], "failures": []} for a in answers]
    return client


def run(module, client, clock=None):
    clock = clock or FakeClock()
    return outcome_of(ecs_deployment.wait_for_rollout, client, module, clock=clock, sleep=clock.sleep), clock


def test_wait_returns_once_the_rollout_completes():
    in_progress = service([deployment(rollout="IN_PROGRESS", running=0), deployment("ACTIVE", TD_OLD)], running=2)
    done = service([deployment()], events=[event("(service web) has reached a steady state.")])
    client = client_answering(in_progress, in_progress, done)
    outcome, clock = run(fake_module(), client)
    assert not outcome.failed
    assert outcome.result["changed"] is False
    assert outcome.result["rolled_back"] is False
    assert outcome.result["deployment"]["task_definition"] == TD_NEW
    assert outcome.result["deployment"]["running_count"] == 2
    assert outcome.result["events"][0]["message"] == "(service web) has reached a steady state."
    assert outcome.result["elapsed"] == 20.0
    assert clock.sleeps == [10, 10]
    client.describe_services.assert_called_with(aws_retry=True, cluster="production", services=["web"])


def test_wait_times_out_with_a_clear_message():
    in_progress = service([deployment(rollout="IN_PROGRESS", running=1)], running=1)
    client = client_answering(*[in_progress] * 10)
    outcome, clock = run(fake_module(timeout=25), client)
    assert outcome.failed
    assert outcome.result["msg"].startswith("Timed out after 25 seconds waiting for the deployment of service web")
    assert "1 of 2 tasks running" in outcome.result["msg"]
    assert clock.sleeps == [10, 10, 5]
    assert outcome.result["deployment"]["rollout_state"] == "IN_PROGRESS"


def test_wait_fails_on_rollback():
    client = client_answering(service([deployment(task_definition=TD_OLD)]))
    outcome = run(fake_module(), client)[0]
    assert outcome.failed
    assert "rolled back" in outcome.result["msg"]


def test_wait_accepts_a_rollback_when_asked():
    rolling_back = service(
        [
            deployment(task_definition=TD_OLD, rollout="IN_PROGRESS", running=1),
            deployment("ACTIVE", TD_NEW, rollout="FAILED", running=0),
        ],
        running=1,
    )
    rolled_back = service([deployment(task_definition=TD_OLD)])
    module = fake_module(fail_on_rollback=False)
    outcome = run(module, client_answering(rolling_back, rolled_back))[0]
    assert not outcome.failed
    assert outcome.result["rolled_back"] is True
    assert module.warn.call_count == 1


def test_failed_deployment_fails_even_without_fail_on_rollback():
    failed = service([deployment(rollout="FAILED", running=0)], running=0)
    outcome = run(fake_module(fail_on_rollback=False), client_answering(failed))[0]
    assert outcome.failed
    assert "failed" in outcome.result["msg"]


def test_missing_service_fails():
    client = MagicMock()
    client.describe_services.return_value = {"services": [], "failures": [{"arn": "x", "reason": "MISSING"}]}
    outcome = run(fake_module(), client)[0]
    assert outcome.failed
    assert "MISSING" in outcome.result["msg"]


def test_timeout_zero_checks_once():
    in_progress = service([deployment(rollout="IN_PROGRESS", running=1)], running=1)
    client = client_answering(in_progress)
    outcome, clock = run(fake_module(timeout=0), client)
    assert outcome.failed
    assert clock.sleeps == []


# --- blue/green, linear and canary: the service deployment's lifecycle ------------------------------------------------

SD_ARN = "arn:aws:ecs:ap-south-1:123456789012:service-deployment/production/web/abc"


def shifting(deployments, strategy="BLUE_GREEN", running=2):
    answer = service(deployments, running=running)
    answer.update(
        clusterArn="arn:aws:ecs:ap-south-1:123456789012:cluster/production",
        serviceArn="arn:aws:ecs:ap-south-1:123456789012:service/production/web",
        deploymentConfiguration={"strategy": strategy, "bakeTimeInMinutes": 5},
    )
    return answer


def lifecycle(stage, weight, status="IN_PROGRESS", **extra):
    return dict(
        {
            "serviceDeploymentArn": SD_ARN,
            "status": status,
            "lifecycleStage": stage,
            "targetServiceRevision": {"requestedProductionTrafficWeight": weight, "requestedTestTrafficWeight": 100},
        },
        **extra,
    )


def client_with_lifecycle(services, lifecycles):
    client = client_answering(*services)
    client.list_service_deployments.return_value = {
        "serviceDeployments": [
            {"serviceDeploymentArn": SD_ARN, "createdAt": T0 + timedelta(minutes=5)},
            {"serviceDeploymentArn": SD_ARN + "-older", "createdAt": T0},
        ]
    }
    client.describe_service_deployments.side_effect = [{"serviceDeployments": [item], "failures": []} for item in lifecycles]
    return client


def test_a_blue_green_rollout_is_finished_when_its_service_deployment_succeeds_and_each_stage_is_reported():
    tasks_up = shifting([deployment(rollout="IN_PROGRESS"), deployment("ACTIVE", TD_OLD)], running=4)
    done = shifting([deployment()])
    client = client_with_lifecycle(
        [tasks_up, tasks_up, tasks_up, done],
        [lifecycle("TEST_TRAFFIC_SHIFT", 0), lifecycle("PRODUCTION_TRAFFIC_SHIFT", 100), lifecycle("BAKE_TIME", 100), lifecycle("CLEAN_UP", 100, "SUCCESSFUL")],
    )
    outcome, clock = run(fake_module(), client)
    assert not outcome.failed and outcome.result["rolled_back"] is False
    assert [(s["lifecycle_stage"], s["production_traffic_weight"], s["status"]) for s in outcome.result["stages"]] == [
        ("TEST_TRAFFIC_SHIFT", 0, "IN_PROGRESS"),
        ("PRODUCTION_TRAFFIC_SHIFT", 100, "IN_PROGRESS"),
        ("BAKE_TIME", 100, "IN_PROGRESS"),
        ("CLEAN_UP", 100, "SUCCESSFUL"),
    ]
    assert outcome.result["service_deployment"]["status"] == "SUCCESSFUL"
    assert clock.sleeps == [10, 10, 10]
    client.list_service_deployments.assert_called_once()
    client.describe_service_deployments.assert_called_with(aws_retry=True, serviceDeploymentArns=[SD_ARN])


def test_tasks_that_run_do_not_finish_a_canary_still_in_its_bake():
    status = ecs_deployment.apply_lifecycle(ecs_deployment.evaluate(shifting([deployment()]), TD_NEW), lifecycle("BAKE_TIME", 100))
    assert status.progress == ecs_deployment.IN_PROGRESS
    assert "IN_PROGRESS at BAKE_TIME, 100% of production traffic" in status.reason


def test_an_alarm_rollback_is_a_rollback_naming_the_alarm():
    rolled = lifecycle(
        "BAKE_TIME",
        0,
        "ROLLBACK_SUCCESSFUL",
        statusReason="alarm(s) web-5xx in ALARM state",
        alarms={"status": "TRIGGERED", "alarmNames": ["web-5xx"], "triggeredAlarmNames": ["web-5xx"]},
    )
    back = shifting([deployment(task_definition=TD_OLD), deployment("ACTIVE", TD_NEW, rollout="FAILED", running=0)])
    outcome = run(fake_module(), client_with_lifecycle([back], [rolled]))[0]
    assert outcome.failed
    assert "ECS rolled the deployment back at BAKE_TIME (alarm(s) web-5xx)" in outcome.result["msg"]

    module = fake_module(fail_on_rollback=False)
    outcome = run(module, client_with_lifecycle([back], [rolled]))[0]
    assert not outcome.failed and outcome.result["rolled_back"] is True
    assert outcome.result["service_deployment"]["alarms"]["triggered_alarm_names"] == ["web-5xx"]


def test_a_stopped_service_deployment_fails():
    stopped = lifecycle("PRODUCTION_TRAFFIC_SHIFT", 10, "STOPPED", statusReason="alarm(s) web-5xx in ALARM state")
    outcome = run(fake_module(fail_on_rollback=False), client_with_lifecycle([shifting([deployment()])], [stopped]))[0]
    assert outcome.failed
    assert "is STOPPED at PRODUCTION_TRAFFIC_SHIFT: alarm(s) web-5xx in ALARM state" in outcome.result["msg"]


def test_a_rolling_service_makes_no_service_deployment_call():
    client = client_answering(service([deployment()]))
    outcome = run(fake_module(), client)[0]
    assert not outcome.failed and outcome.result["stages"] == [] and outcome.result["service_deployment"] == {}
    client.list_service_deployments.assert_not_called()
    client.describe_service_deployments.assert_not_called()


def test_until_paused_returns_at_a_pause_hook_and_otherwise_the_wait_goes_on():
    tasks_up = shifting([deployment(rollout="IN_PROGRESS"), deployment("ACTIVE", TD_OLD)], running=4)
    hook = {"hookId": "h-1", "targetType": "PAUSE", "status": "AWAITING_ACTION", "timeoutAction": "ROLLBACK"}
    waiting = lifecycle("POST_TEST_TRAFFIC_SHIFT", 0, lifecycleHookDetails=[hook])
    outcome = run(fake_module(until_paused=True), client_with_lifecycle([tasks_up, tasks_up], [lifecycle("TEST_TRAFFIC_SHIFT", 0), waiting]))[0]
    assert not outcome.failed
    assert outcome.result["paused_hook"] == {
        "hook_id": "h-1",
        "lifecycle_stage": "POST_TEST_TRAFFIC_SHIFT",
        "timeout_action": "ROLLBACK",
        "expires_at": None,
        "service_deployment_arn": SD_ARN,
    }

    outcome = run(fake_module(timeout=15), client_with_lifecycle([tasks_up] * 3, [waiting] * 3))[0]
    assert outcome.failed
    assert "awaits an action at its POST_TEST_TRAFFIC_SHIFT hook h-1" in outcome.result["msg"]


def test_waiting_for_the_revision_ecs_rolled_back_to_ends_once_the_rollback_is_done():
    """A release's own return to the previous revision after ECS rolled its deployment back (an alarm in the bake):
    the service runs the revision waited for - done, not a rollback of it."""
    rolled = lifecycle("BAKE_TIME", 0, "ROLLBACK_SUCCESSFUL", statusReason="alarm(s) web-5xx in ALARM state")
    back = shifting([deployment(task_definition=TD_OLD), deployment("ACTIVE", TD_NEW, rollout="FAILED", running=0)])
    outcome = run(fake_module(task_definition=TD_OLD), client_with_lifecycle([back], [rolled]))[0]
    assert not outcome.failed and outcome.result["rolled_back"] is False
    rolling_back = ecs_deployment.apply_lifecycle(ecs_deployment.evaluate(back, TD_OLD), dict(rolled, status="ROLLBACK_IN_PROGRESS"), True)
    assert rolling_back.progress == ecs_deployment.IN_PROGRESS and rolling_back.rollback_reason is None
    # Waiting for the new revision, the same rollback is one.
    assert run(fake_module(task_definition=TD_NEW), client_with_lifecycle([back], [rolled]))[0].failed
