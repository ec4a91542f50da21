"""ECS tasks that run on this machine (extension ecs_tasks), with the gunicorn runner (the application source).

CreateService / UpdateService start the deployment's task and report its rollout IN_PROGRESS until the task passes its
health check, COMPLETED then, FAILED when it exits or never passes it; the task's environment and secrets are resolved
as ECS resolves them, with the loopback adjustments; RunTask runs a one-off command and DescribeTasks reports its exit
code; DeleteService and the emulator's stop stop the task.
"""

import json
import threading
import time
import types
import urllib.error
import urllib.request

import pytest

from tests.conftest import REPO_ROOT
from tests.support.clients import emulator_client, put_5xx_alarm
from tracetrack_emulator.control import Emulator, free_loopback_port

CLUSTER = "tasks"
SERVICE = "tasks-web"
START_TIMEOUT = 20
HEALTH_CHECK = ["CMD-SHELL", "python -c \"import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/health', timeout=4)\" || exit 1"]


def start(tmp_path, address_port: int, test_port: int | None = None) -> Emulator:
    variables = {
        "TRACETRACK_EMULATOR_ECS_TASKS": "gunicorn",
        "TRACETRACK_EMULATOR_ECS_SERVICE_ADDRESSES": f"{SERVICE}=127.0.0.1:{address_port}",
        "TRACETRACK_EMULATOR_ECS_TEST_ADDRESSES": f"{SERVICE}=127.0.0.1:{test_port or free_loopback_port()}",
        "TRACETRACK_EMULATOR_ECS_TASK_START_TIMEOUT": str(START_TIMEOUT),
        "TRACETRACK_EMULATOR_TASK_DIR": str(tmp_path / "tasks"),
    }
    instance = Emulator(port=free_loopback_port(), state_dir=str(REPO_ROOT / ".local" / "test-emulator"), environment=variables)
    instance.start()
    return instance


@pytest.fixture(scope="module")
def running(tmp_path_factory):
    """An emulator that runs tasks: its ECS client, the service's address, its test listener's and the application
    secret's ARN."""
    port, test_port = free_loopback_port(), free_loopback_port()
    instance = start(tmp_path_factory.mktemp("ecs-tasks"), port, test_port)
    ecs = emulator_client(instance, "ecs")
    ecs.create_cluster(clusterName=CLUSTER)
    secret = emulator_client(instance, "secretsmanager").create_secret(
        Name="tasks/app", SecretString=json.dumps({"SECRET_KEY": "s3cr3t-value", "REDIS_URL": "rediss://:token@cache.example:6379/0"})
    )
    ec2 = emulator_client(instance, "ec2")
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})  # moto names task interfaces only then
    NETWORK["subnets"] = [ec2.create_subnet(VpcId=vpc, CidrBlock="10.9.1.0/24")["Subnet"]["SubnetId"]]
    NETWORK["securityGroups"] = [ec2.create_security_group(GroupName="tasks", Description="tasks", VpcId=vpc)["GroupId"]]
    yield types.SimpleNamespace(ecs=ecs, url=f"http://127.0.0.1:{port}", test_url=f"http://127.0.0.1:{test_port}", secret_arn=secret["ARN"], emulator=instance)
    instance.stop()


def register(ecs, secret_arn: str, tag: str, command: list | None = None, log_group: str | None = None) -> str:
    """A Fargate revision: memory at the task's level only, as the service role registers them."""
    container = {
        "name": "web",
        "image": f"127.0.0.1:5999/tasks/web:{tag}",
        "essential": True,
        "portMappings": [{"containerPort": 8000}],
        "environment": [{"name": "TRACETRACK_ENV", "value": "production"}, {"name": "SESSION_COOKIE_SECURE", "value": "true"}],
        "secrets": [{"name": "SECRET_KEY", "valueFrom": f"{secret_arn}:SECRET_KEY::"}, {"name": "REDIS_URL", "valueFrom": f"{secret_arn}:REDIS_URL::"}],
        "healthCheck": {"command": HEALTH_CHECK, "interval": 30, "timeout": 5, "retries": 3},
        **({"command": command} if command else {}),
        **({"logConfiguration": {"logDriver": "awslogs", "options": {"awslogs-group": log_group, "awslogs-stream-prefix": "oneoff"}}} if log_group else {}),
    }
    definition = ecs.register_task_definition(
        family=SERVICE, containerDefinitions=[container], requiresCompatibilities=["FARGATE"], networkMode="awsvpc", cpu="256", memory="512"
    )
    return definition["taskDefinition"]["taskDefinitionArn"]


def rollout(ecs, timeout: float = START_TIMEOUT + 30) -> dict:
    """The primary deployment once it is no longer IN_PROGRESS."""
    deadline = time.monotonic() + timeout
    while True:
        (service,) = ecs.describe_services(cluster=CLUSTER, services=[SERVICE])["services"]
        primary = service["deployments"][0]
        if primary["rolloutState"] != "IN_PROGRESS" or time.monotonic() > deadline:
            return primary
        time.sleep(0.5)


def health(url: str) -> dict | None:
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=3) as response:
            return json.loads(response.read())
    except (urllib.error.URLError, OSError):
        return None


NETWORK = {}  # the module emulator's subnet and security group (RunTask of an awsvpc task needs them)


def network():
    return {"awsvpcConfiguration": NETWORK}


def test_create_service_runs_the_task_and_the_rollout_completes_once_it_is_healthy(running):
    """CreateService: the deployment is IN_PROGRESS while the task starts, COMPLETED once its health check passes."""
    ecs, url, secret_arn = running.ecs, running.url, running.secret_arn
    arn = register(ecs, secret_arn, "1.0.0")
    created = ecs.create_service(cluster=CLUSTER, serviceName=SERVICE, taskDefinition=arn, desiredCount=2)["service"]
    assert created["deployments"][0]["rolloutState"] == "IN_PROGRESS"
    primary = rollout(ecs)
    assert (primary["rolloutState"], primary["runningCount"]) == ("COMPLETED", 2), primary
    assert health(url)["version"] == "1.0.0", "the task runs the image's tag"


def test_update_service_replaces_the_task_with_the_new_revision_and_the_service_never_stops_answering(running):
    """UpdateService with a new task definition: the old task serves until the new one is healthy, then stops (rolling
    update, minimumHealthyPercent 100); a client asking all along is never refused."""
    ecs, url, secret_arn = running.ecs, running.url, running.secret_arn
    answers, refused, done = [], [], threading.Event()

    def ask():
        while not done.is_set():
            found = health(url)
            (answers if found else refused).append(found and found["version"])
            time.sleep(0.05)

    asker = threading.Thread(target=ask)
    asker.start()
    try:
        ecs.update_service(cluster=CLUSTER, service=SERVICE, taskDefinition=register(ecs, secret_arn, "1.0.1"))
        assert rollout(ecs)["rolloutState"] == "COMPLETED"
        time.sleep(0.5)
    finally:
        done.set()
        asker.join()
    assert health(url)["version"] == "1.0.1"
    assert refused == [], f"{len(refused)} of {len(answers) + len(refused)} requests refused during the rollout"
    assert answers[0] == "1.0.0" and answers[-1] == "1.0.1", answers
    (service,) = ecs.describe_services(cluster=CLUSTER, services=[SERVICE])["services"]
    assert [d["status"] for d in service["deployments"]] == ["PRIMARY"], "the old deployment is gone once it completed"


def test_a_failed_deployment_leaves_the_older_task_serving(running):
    """The circuit breaker's case: the new task never becomes healthy, the old one goes on answering."""
    ecs, url, secret_arn = running.ecs, running.url, running.secret_arn
    ecs.update_service(cluster=CLUSTER, service=SERVICE, taskDefinition=register(ecs, secret_arn, "9.9.7", ["python", "-c", "import sys; sys.exit(5)"]))
    assert rollout(ecs)["rolloutState"] == "FAILED"
    assert health(url)["version"] == "1.0.1"


def test_run_task_gives_the_resolved_secrets_and_the_loopback_adjustments(running):
    """RunTask with a command override: `secrets` read from Secrets Manager; plain HTTP cookies, no proxy, no TLS Redis."""
    ecs, secret_arn = running.ecs, running.secret_arn
    check = (
        "import os, sys; e = os.environ; "
        "sys.exit(0 if (e['SECRET_KEY'], e['SESSION_COOKIE_SECURE'], e['TRUSTED_PROXY_COUNT'], 'REDIS_URL' in e, "
        "e['DATABASE_URL'].startswith('sqlite:///')) == ('s3cr3t-value', 'false', '0', False, True) else 4)"
    )
    (task,) = ecs.run_task(
        cluster=CLUSTER,
        taskDefinition=register(ecs, secret_arn, "1.0.2"),
        launchType="FARGATE",
        networkConfiguration=network(),
        overrides={"containerOverrides": [{"name": "web", "command": ["python", "-c", check]}]},
    )["tasks"]
    (described,) = ecs.describe_tasks(cluster=CLUSTER, tasks=[task["taskArn"]])["tasks"]
    assert described["lastStatus"] == "STOPPED"
    assert described["containers"][0]["exitCode"] == 0


def test_run_task_reports_the_exit_code_and_the_stopped_reason(running):
    ecs, secret_arn = running.ecs, running.secret_arn
    (task,) = ecs.run_task(
        cluster=CLUSTER,
        taskDefinition=register(ecs, secret_arn, "1.0.3"),
        launchType="FARGATE",
        networkConfiguration=network(),
        overrides={"containerOverrides": [{"name": "web", "command": ["python", "-c", "import sys; sys.exit(3)"]}]},
    )["tasks"]
    (described,) = ecs.describe_tasks(cluster=CLUSTER, tasks=[task["taskArn"]])["tasks"]
    assert (described["lastStatus"], described["stopCode"]) == ("STOPPED", "EssentialContainerExited")
    assert described["stoppedReason"] == "Essential container in task exited"
    assert [c["exitCode"] for c in described["containers"]] == [3]


def test_a_one_off_tasks_output_is_in_its_awslogs_stream(running, tmp_path):
    """awslogs driver: what the task printed is in <awslogs-stream-prefix>/<container>/<task id> of its log group."""
    ecs, secret_arn = running.ecs, running.secret_arn
    logs = emulator_client(running.emulator, "logs")
    logs.create_log_group(logGroupName="/ecs/tasks-oneoff")
    (task,) = ecs.run_task(
        cluster=CLUSTER,
        taskDefinition=register(ecs, secret_arn, "1.0.4", log_group="/ecs/tasks-oneoff"),
        launchType="FARGATE",
        networkConfiguration=network(),
        overrides={"containerOverrides": [{"name": "web", "command": ["python", "-c", "print('first'); print('rows: 3')"]}]},
    )["tasks"]
    (described,) = ecs.describe_tasks(cluster=CLUSTER, tasks=[task["taskArn"]])["tasks"]
    assert described["lastStatus"] == "STOPPED"
    stream = f"oneoff/web/{task['taskArn'].rsplit('/', 1)[-1]}"
    events = logs.get_log_events(logGroupName="/ecs/tasks-oneoff", logStreamName=stream, startFromHead=True)["events"]
    assert [event["message"] for event in events] == ["first", "rows: 3"]


def test_a_task_that_exits_fails_the_deployment(running):
    ecs, secret_arn = running.ecs, running.secret_arn
    ecs.update_service(cluster=CLUSTER, service=SERVICE, taskDefinition=register(ecs, secret_arn, "9.9.9", ["python", "-c", "import sys; sys.exit(2)"]))
    primary = rollout(ecs)
    assert primary["rolloutState"] == "FAILED"
    assert "exit code 2" in primary["rolloutStateReason"]


def test_a_task_that_never_passes_its_health_check_fails_the_deployment(running):
    ecs, secret_arn = running.ecs, running.secret_arn
    ecs.update_service(cluster=CLUSTER, service=SERVICE, taskDefinition=register(ecs, secret_arn, "9.9.8", ["python", "-c", "import time; time.sleep(300)"]))
    primary = rollout(ecs)
    assert primary["rolloutState"] == "FAILED"
    assert f"did not pass its health check within {START_TIMEOUT} s" in primary["rolloutStateReason"]


def release(running, tag: str, configuration: dict) -> None:
    """UpdateService to a new revision of the image `tag`, deployed as `configuration` says."""
    definition = register(running.ecs, running.secret_arn, tag)
    running.ecs.update_service(cluster=CLUSTER, service=SERVICE, taskDefinition=definition, deploymentConfiguration=configuration)


def follow_deployment(running, during=None, timeout: float = START_TIMEOUT + 60) -> tuple[dict, dict]:
    """Ask the service's address all along until its newest service deployment ends: (versions that answered while it
    ran, each with its count; the service deployment at its end). `during(deployment)` is called at each look."""
    ecs = running.ecs
    arn = ecs.list_service_deployments(cluster=CLUSTER, service=SERVICE)["serviceDeployments"][0]["serviceDeploymentArn"]
    versions, deadline = {}, time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = health(running.url)
        version = found["version"] if found else "refused"
        versions[version] = versions.get(version, 0) + 1
        deployment = ecs.describe_service_deployments(serviceDeploymentArns=[arn])["serviceDeployments"][0]
        if during:
            during(deployment)
        if deployment["status"] in ("SUCCESSFUL", "ROLLBACK_SUCCESSFUL", "STOPPED"):
            return versions, deployment
        time.sleep(0.05)
    raise AssertionError(f"the deployment did not end: {versions}")


def test_blue_green_keeps_the_older_revision_serving_beside_the_new_one_until_the_bake_ends(running):
    """BLUE_GREEN (ecs_service_deployments): the older task answers beside the new one through the traffic shifts and
    the bake, then stops; no request is refused."""
    ecs = running.ecs
    before = health(running.url)["version"]
    release(running, "2.0.0", {"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 4})
    versions, deployment = follow_deployment(running)
    assert deployment["status"] == "SUCCESSFUL", deployment
    assert "refused" not in versions, versions
    assert versions.get(before) and versions.get("2.0.0"), f"both revisions answer during the deployment: {versions}"
    assert rollout(ecs)["rolloutState"] == "COMPLETED"
    assert {health(running.url)["version"] for _ask in range(20)} == {"2.0.0"}, "the older task stopped once it ended"


def test_the_service_address_weighs_connections_as_the_canary_requests(running):
    """CANARY 30 %: the service's address (its load balancer's production listener) sends new connections to the older
    revision only until production traffic shifts, then about 30 % of them to the new one through the canary's bake,
    then all of them; no request fails."""
    ecs = running.ecs
    before = health(running.url)["version"]
    release(running, "2.1.0", {"strategy": "CANARY", "bakeTimeInMinutes": 2, "canaryConfiguration": {"canaryPercent": 30, "canaryBakeTimeInMinutes": 8}})
    arn = ecs.list_service_deployments(cluster=CLUSTER, service=SERVICE)["serviceDeployments"][0]["serviceDeploymentArn"]
    served: dict[float, list] = {}  # the production weight requested for the new revision -> the versions that answered
    deadline = time.monotonic() + START_TIMEOUT + 60
    try:
        while time.monotonic() < deadline:
            # Stages move only when the deployment is looked at: between two looks the weight holds.
            deployment = ecs.describe_service_deployments(serviceDeploymentArns=[arn])["serviceDeployments"][0]
            if deployment["status"] != "IN_PROGRESS":
                break
            weight = deployment["targetServiceRevision"]["requestedProductionTrafficWeight"]
            served.setdefault(weight, []).append((health(running.url) or {}).get("version"))
            time.sleep(0.02)
    finally:  # the tests after this one release as before (rolling)
        ecs.update_service(cluster=CLUSTER, service=SERVICE, deploymentConfiguration={"strategy": "ROLLING"})
    assert deployment["status"] == "SUCCESSFUL", deployment
    assert set(served) == {0, 30, 100}, f"the weights the canary requested: {sorted(served)}"
    assert set(served[0]) == {before}, f"before production traffic shifts, the older revision takes it all: {served[0]}"
    canary = served[30]
    assert set(canary) == {before, "2.1.0"}, f"during the canary's bake, both revisions answer and none fails: {canary}"
    share = canary.count("2.1.0") / len(canary)
    assert 0.1 < share < 0.55, f"about 30 % of {len(canary)} connections reached the canary: {share:.0%}"
    assert set(served[100]) == {"2.1.0"}, f"then the new revision takes it all: {served[100]}"
    assert rollout(ecs)["rolloutState"] == "COMPLETED"


def test_an_alarm_during_the_bake_rolls_back_and_the_older_revision_serves_on(running):
    """BLUE_GREEN with an alarm in ALARM during the bake: ECS rolls back; the new task stops, the older one never did."""
    ecs = running.ecs
    before = health(running.url)["version"]
    cloudwatch = emulator_client(running.emulator, "cloudwatch")
    put_5xx_alarm(cloudwatch, "tasks-5xx")
    release(running, "2.0.1", {"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 30, "alarms": {"alarmNames": ["tasks-5xx"], "enable": True, "rollback": True}})

    def alarm_in_the_bake(deployment):
        if deployment.get("lifecycleStage") == "BAKE_TIME" and deployment["status"] == "IN_PROGRESS":
            cloudwatch.set_alarm_state(AlarmName="tasks-5xx", StateValue="ALARM", StateReason="errors under real traffic")

    try:
        versions, deployment = follow_deployment(running, during=alarm_in_the_bake)
    finally:  # the tests after this one release as before (rolling)
        cloudwatch.set_alarm_state(AlarmName="tasks-5xx", StateValue="OK", StateReason="test over")
        ecs.update_service(cluster=CLUSTER, service=SERVICE, deploymentConfiguration={"strategy": "ROLLING"})
    assert deployment["status"] == "ROLLBACK_SUCCESSFUL", deployment
    assert "refused" not in versions, versions
    (service,) = ecs.describe_services(cluster=CLUSTER, services=[SERVICE])["services"]
    assert service["deployments"][0]["rolloutState"] == "COMPLETED"
    assert service["taskDefinition"] == service["deployments"][0]["taskDefinition"], "the service runs the older revision again"
    assert service["deployments"][1]["rolloutState"] == "FAILED" and "tasks-5xx" in service["deployments"][1]["rolloutStateReason"]
    time.sleep(2)  # the new task's stop
    assert {health(running.url)["version"] for _ask in range(20)} == {before}, "the rolled-back revision no longer answers"


def test_the_test_listener_reaches_the_new_revision_only_until_a_rollback_returns_it_to_the_older_one(running):
    """BLUE_GREEN with a PAUSE hook at POST_TEST_TRAFFIC_SHIFT: the test listener (loadBalancers[].advancedConfiguration
    .testListenerRule, here TRACETRACK_EMULATOR_ECS_TEST_ADDRESSES) reaches the new revision's task only while
    production still reaches the older one; StopServiceDeployment (ROLLBACK) returns the test listener to the older
    revision."""
    ecs = running.ecs
    before = health(running.url)["version"]
    assert health(running.test_url)["version"] == before, "outside a deployment, the test listener reaches the service's task"
    pause = {"targetType": "PAUSE", "lifecycleStages": ["POST_TEST_TRAFFIC_SHIFT"], "timeoutConfiguration": {"timeoutInMinutes": 60, "action": "ROLLBACK"}}
    release(running, "3.0.0", {"strategy": "BLUE_GREEN", "bakeTimeInMinutes": 0, "lifecycleHooks": [pause]})
    try:
        arn = ecs.list_service_deployments(cluster=CLUSTER, service=SERVICE)["serviceDeployments"][0]["serviceDeploymentArn"]
        deadline = time.monotonic() + START_TIMEOUT + 30
        while time.monotonic() < deadline:
            deployment = ecs.describe_service_deployments(serviceDeploymentArns=[arn])["serviceDeployments"][0]
            if any(hook["status"] == "AWAITING_ACTION" for hook in deployment.get("lifecycleHookDetails", [])):
                break
            time.sleep(0.2)
        assert deployment["lifecycleStage"] == "POST_TEST_TRAFFIC_SHIFT", deployment
        tested = [(health(running.test_url) or {}).get("version") for _ask in range(20)]
        assert set(tested) == {"3.0.0"}, f"the test listener reaches the new revision only: {tested}"
        served = [(health(running.url) or {}).get("version") for _ask in range(20)]
        assert set(served) == {before}, f"production traffic has not moved yet: the older revision serves it all: {served}"

        ecs.stop_service_deployment(serviceDeploymentArn=arn, stopType="ROLLBACK")
        tested = [(health(running.test_url) or {}).get("version") for _ask in range(20)]
        assert set(tested) == {before}, f"rolled back: the test listener reaches the older revision again: {tested}"
        while deployment["status"] != "ROLLBACK_SUCCESSFUL" and time.monotonic() < deadline:
            deployment = ecs.describe_service_deployments(serviceDeploymentArns=[arn])["serviceDeployments"][0]
        assert deployment["status"] == "ROLLBACK_SUCCESSFUL", deployment
    finally:  # the tests after this one release as before (rolling)
        ecs.update_service(cluster=CLUSTER, service=SERVICE, deploymentConfiguration={"strategy": "ROLLING"})


def test_delete_service_stops_its_task(running):
    ecs, url, secret_arn = running.ecs, running.url, running.secret_arn
    ecs.update_service(cluster=CLUSTER, service=SERVICE, taskDefinition=register(ecs, secret_arn, "1.0.4"))
    assert rollout(ecs)["rolloutState"] == "COMPLETED"
    assert health(url)["version"] == "1.0.4"
    assert health(running.test_url)["version"] == "1.0.4"
    ecs.delete_service(cluster=CLUSTER, service=SERVICE, force=True)
    assert health(url) is None
    assert health(running.test_url) is None, "the service's test listener stops with it"


def test_the_emulator_stops_the_tasks_it_runs_when_it_stops(tmp_path):
    port = free_loopback_port()
    instance = start(tmp_path, port)
    try:
        ecs = emulator_client(instance, "ecs")
        ecs.create_cluster(clusterName=CLUSTER)
        secret = emulator_client(instance, "secretsmanager").create_secret(Name="tasks/app", SecretString=json.dumps({"SECRET_KEY": "k"}))
        ecs.create_service(cluster=CLUSTER, serviceName=SERVICE, taskDefinition=register(ecs, secret["ARN"], "2.0.0"), desiredCount=1)
        assert rollout(ecs)["rolloutState"] == "COMPLETED"
        assert health(f"http://127.0.0.1:{port}")["version"] == "2.0.0"
    finally:
        instance.stop()
    assert health(f"http://127.0.0.1:{port}") is None


def test_a_loopback_database_url_loses_its_tls_settings_only():
    """The loopback PostgreSQL has no TLS: sslmode=verify-full and its sslrootcert give way to sslmode=disable."""
    from tracetrack_emulator.extensions.ecs_tasks import loopback_environment

    url = "postgresql+psycopg://u:p@127.0.0.1:5432/db?sslmode=verify-full&sslrootcert=/etc/ssl/rds/global-bundle.pem&application_name=web"
    adjusted = loopback_environment({"DATABASE_URL": url, "DATABASE_READ_URL": url}, REPO_ROOT, ("127.0.0.1", 8100), "127.0.0.9")
    assert adjusted["DATABASE_URL"] == "postgresql+psycopg://u:p@127.0.0.1:5432/db?application_name=web&sslmode=disable"
    assert adjusted["DATABASE_READ_URL"] == adjusted["DATABASE_URL"]
    assert (adjusted["BIND_HOST"], adjusted["PORT"]) == ("127.0.0.9", "8100"), "the task's own address; the emulator listens on the service's"
    assert "GUNICORN_CMD_ARGS" not in adjusted


def test_the_service_address_always_has_a_task_to_choose_while_a_deployment_starts_the_next_one(monkeypatch, tmp_path):
    """UpdateService while clients connect: the service's address (a load balancer's listener) chooses the current task
    until the new deployment's task takes its place - at no moment does it find none and answer 503. A connection is
    chosen here while the new task is being set up, the moment the entry used to be missing."""
    from tracetrack_emulator.extensions import ecs_tasks

    monkeypatch.setenv(ecs_tasks.RUNNER_VARIABLE, "gunicorn")
    monkeypatch.setenv(ecs_tasks.ADDRESSES_VARIABLE, f"{SERVICE}=127.0.0.1:8199")
    monkeypatch.setenv(ecs_tasks.TASK_DIR_VARIABLE, str(tmp_path))
    monkeypatch.setattr(ecs_tasks, "start_listeners", lambda service: None)
    arn = f"arn:aws:ecs:eu-west-1:123456789012:service/{CLUSTER}/{SERVICE}"
    current = types.SimpleNamespace(healthy=True, previous=[])
    current.serving = lambda: current
    chosen = []

    class Starting:
        def __init__(self, **kwargs):
            chosen.append(ecs_tasks.production_task(arn))  # a client connects while the new task is set up
            self.previous, self.healthy = kwargs["previous"], False

        def serving(self):
            return self.previous[0] if self.previous and not self.healthy else self

    monkeypatch.setattr(ecs_tasks, "ServiceTask", Starting)
    monkeypatch.setitem(ecs_tasks._service_tasks, arn, current)
    container = {"name": "web", "image": "web:2", "essential": True, "environment": []}
    backend = types.SimpleNamespace(
        describe_task_definition=lambda name: types.SimpleNamespace(container_definitions=[container]), account_id="123456789012", region_name="eu-west-1"
    )
    service = types.SimpleNamespace(
        name=SERVICE,
        arn=arn,
        cluster_arn=f"arn:aws:ecs:eu-west-1:123456789012:cluster/{CLUSTER}",
        task_definition="web:2",
        deployments=[{"id": "ecs-svc/2", "desiredCount": 1}],
        deployment_configuration={},
    )
    ecs_tasks.start_service_task(backend, service)
    assert chosen == [current], "no task to choose while the next one was set up"
    assert ecs_tasks.production_task(arn) is current, "the healthy task serves until its successor is healthy"
    assert ecs_tasks._service_tasks[arn].previous == [current]
