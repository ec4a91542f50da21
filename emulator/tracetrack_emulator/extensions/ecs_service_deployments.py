"""ECS service deployments: ListServiceDeployments, DescribeServiceDeployments, and the lifecycle of a blue/green, linear
or canary deployment with its alarm-based rollback.

AWS API reference, Amazon ECS (2014-11-13):

- ServiceDeployment: each deployment of a service (CreateService; UpdateService with a new task definition or
  forceNewDeployment) has an ARN `arn:aws:ecs:<region>:<account>:service-deployment/<cluster>/<service>/<id>`, a
  `status` (PENDING, IN_PROGRESS, SUCCESSFUL, STOPPED, ROLLBACK_REQUESTED, ROLLBACK_IN_PROGRESS, ROLLBACK_SUCCESSFUL,
  ROLLBACK_FAILED), the `targetServiceRevision` it moves to and the `sourceServiceRevisions` it moves from - each with
  its task counts and its requested production and test traffic weights -, the `deploymentConfiguration` it follows,
  its `alarms` (`status` MONITORING, TRIGGERED, MONITORING_COMPLETE or DISABLED, `triggeredAlarmNames`), `rollback`
  (reason, startedAt, the service revision it returned to) and, for the strategies that shift traffic, its
  `lifecycleStage`.
- ListServiceDeployments (`cluster`, `service`, `status` filter): the service's deployments, newest first, as
  ServiceDeploymentBrief. DescribeServiceDeployments (`serviceDeploymentArns`): each one's ServiceDeployment; an ARN
  that names none is a failure with reason MISSING.
- DeploymentConfiguration `strategy` BLUE_GREEN, LINEAR or CANARY (developer guide, "Amazon ECS blue/green, linear and
  canary deployments"): the new revision's tasks start beside the old ones (PRE_SCALE_UP, SCALE_UP, POST_SCALE_UP),
  take the test listener's traffic (TEST_TRAFFIC_SHIFT, POST_TEST_TRAFFIC_SHIFT), then production traffic
  (PRODUCTION_TRAFFIC_SHIFT): all of it at once (BLUE_GREEN); `canaryPercent` first and the rest after
  `canaryBakeTimeInMinutes` (CANARY); `stepPercent` more every `stepBakeTimeInMinutes` (LINEAR). The old revision is
  kept for `bakeTimeInMinutes` (BAKE_TIME), then removed (CLEAN_UP), and the deployment is SUCCESSFUL; until then the
  service's deployment (DescribeServices) is IN_PROGRESS.
- DeploymentConfiguration `alarms` with `enable`: while the deployment is in progress, bake time included, an alarm of
  `alarmNames` in ALARM stops it. With `rollback`, production traffic returns to the source revision at once
  (ROLLBACK_IN_PROGRESS, then ROLLBACK_SUCCESSFUL), the service's task definition is the source revision's again, its
  new deployment is FAILED with the alarm named in `rolloutStateReason`, and the previous deployment is PRIMARY and
  COMPLETED again; without it the deployment is STOPPED where it was.
- DeploymentConfiguration `lifecycleHooks`: at each stage of its `lifecycleStages`, a PAUSE hook stops the deployment
  (`lifecycleHookDetails`: a `hookId`, status AWAITING_ACTION, `expiresAt`, `timeoutAction`) until
  ContinueServiceDeployment (`serviceDeploymentArn`, `hookId`, `action` CONTINUE - the default - or ROLLBACK) or its
  timeout (`timeoutConfiguration`, 1440 minutes by default) takes its action; an AWS_LAMBDA hook calls its function.
  PRE_PRODUCTION_TRAFFIC_SHIFT is the moment after POST_TEST_TRAFFIC_SHIFT, before production traffic moves.
- StopServiceDeployment (`stopType` ROLLBACK, the default, or ABORT): an ongoing deployment is rolled back as an alarm
  would, or STOPPED where it is.
- Service `loadBalancers[].advancedConfiguration` (`alternateTargetGroupArn`, `productionListenerRule`,
  `testListenerRule`, `roleArn`; developer guide, "Required resources for Amazon ECS blue/green deployments"): ECS
  moves the traffic itself, with Elastic Load Balancing v2 ModifyRule (as `roleArn`) on the two listener rules, whose
  forward action weighs the service's target group (`targetGroupArn`) against the alternate one; the rules' conditions
  stay as they are. The new revision's tasks register with the target group that takes no production traffic when the
  deployment starts, so each deployment serves from the other group than the one before (the alternate when both
  take traffic, or when the production rule forwards to neither). That group gets the test rule's traffic
  (TEST_TRAFFIC_SHIFT), then each step's production weight, the other group the rest; a rollback returns all of both
  rules' traffic to the other group; a successful deployment leaves all of it on the new one. ELBv2 DescribeRules
  shows the weights as they move. A ROLLING deployment does not touch the rules.

moto has none of this. Here a stage advances at each call that looks at the service's deployment (DescribeServices,
DescribeServiceDeployments), once the service's tasks of the new revision run (ecs.py's rollout,
or the local task of ecs_tasks); a stage that waits (a canary's or a linear step's bake, the bake time) lasts its
minutes scaled by TRACETRACK_EMULATOR_ECS_MINUTE_SECONDS (default 1: a minute lasts one second), and so does a PAUSE
hook's timeout; an AWS_LAMBDA hook is not called here (there is no Lambda): it is recorded as SUCCEEDED. The listener
rules are those of moto's ELBv2 backend in the service's account and region (a rule or target group it does not have
is left alone; `roleArn` is not assumed); each change of the requested traffic weights is a ModifyRule. A ROLLING deployment
is recorded too: IN_PROGRESS while its rollout is, then SUCCESSFUL; FAILED rollouts end ROLLBACK_SUCCESSFUL under a
circuit breaker that rolls back (the older tasks serve on) and STOPPED otherwise; a deployment replaced by a newer one
before it ended is STOPPED. Tasks started on this machine (ecs_tasks) follow the lifecycle: the older revision's task
serves beside the new one until the deployment ends, the service's loopback address weighs new connections between
them as the deployment requests, and a rollback stops the new one.
"""

import copy
import datetime
import os
import time

from moto.cloudwatch.models import cloudwatch_backends
from moto.core.responses import ActionResult
from moto.core.utils import utcnow
from moto.ecs import models as ecs_models
from moto.ecs.exceptions import InvalidParameterException, ServiceNotFoundException
from moto.ecs.responses import EC2ContainerServiceResponse
from moto.elbv2.exceptions import ELBClientError
from moto.elbv2.models import elbv2_backends
from moto.moto_api._internal import mock_random

from . import ecs as ecs_extension
from . import ecs_tasks

MINUTE_VARIABLE = "TRACETRACK_EMULATOR_ECS_MINUTE_SECONDS"
ENDED = ("SUCCESSFUL", "STOPPED", "ROLLBACK_SUCCESSFUL", "ROLLBACK_FAILED")


def minute_seconds() -> float:
    try:
        return max(float(os.environ.get(MINUTE_VARIABLE, "1")), 0.0)
    except ValueError:
        return 1.0


def _records(service) -> list:
    """The service's deployments, newest first (the API's view plus private keys that start with '_')."""
    if not hasattr(service, "_tracetrack_service_deployments"):
        service._tracetrack_service_deployments = []
    return service._tracetrack_service_deployments


def _revision_arn(service, deployment_id: str) -> str:
    """The service revision of one of the service's deployments (one per deployment here)."""
    revisions = service.__dict__.setdefault("_tracetrack_revisions", {})
    if deployment_id not in revisions:
        cluster = service.cluster_arn.split("/")[-1]
        revisions[deployment_id] = (
            f"arn:aws:ecs:{service.region_name}:{service._account_id}:service-revision/{cluster}/{service.name}/{mock_random.randint(10**18, 10**19 - 1)}"
        )
    return revisions[deployment_id]


def _steps(configuration: dict) -> list[tuple[str, int, float]]:
    """(lifecycle stage, production traffic weight of the new revision, minutes the stage waits) of a deployment that
    shifts traffic; empty for ROLLING."""
    strategy = configuration.get("strategy") or "ROLLING"
    if strategy not in ecs_extension.TRAFFIC_SHIFTING:
        return []
    steps = [("PRE_SCALE_UP", 0, 0), ("SCALE_UP", 0, 0), ("POST_SCALE_UP", 0, 0), ("TEST_TRAFFIC_SHIFT", 0, 0), ("POST_TEST_TRAFFIC_SHIFT", 0, 0)]
    if strategy == "CANARY":
        canary = configuration.get("canaryConfiguration") or {}
        percent = float(canary.get("canaryPercent", 5.0))
        steps.append(("PRODUCTION_TRAFFIC_SHIFT", percent, float(canary.get("canaryBakeTimeInMinutes", 0))))
    elif strategy == "LINEAR":
        linear = configuration.get("linearConfiguration") or {}
        step, weight = float(linear.get("stepPercent", 10.0)), 0.0
        while weight + step < 100:
            weight += step
            steps.append(("PRODUCTION_TRAFFIC_SHIFT", round(weight, 2), float(linear.get("stepBakeTimeInMinutes", 0))))
    steps.append(("PRODUCTION_TRAFFIC_SHIFT", 100, 0))
    steps += [("POST_PRODUCTION_TRAFFIC_SHIFT", 100, 0), ("BAKE_TIME", 100, float(configuration.get("bakeTimeInMinutes") or 0)), ("CLEAN_UP", 100, 0)]
    return steps


def record_deployment(service, source=None) -> dict:
    """A ServiceDeployment for the service's newest deployment (service.deployments[0]), moving from `source` (the
    deployment it replaces, None for the first)."""
    deployment = service.deployments[0]
    now = utcnow()
    for older in _records(service):
        if older["status"] not in ENDED:
            older.update(status="STOPPED", statusReason="a newer deployment of the service started", finishedAt=now, stoppedAt=now, updatedAt=now)
    # CreateService: the configuration is set after the backend made the service (ecs_create_service); none yet here.
    configuration = copy.deepcopy(getattr(service, "deployment_configuration", None) or {})
    cluster = service.cluster_arn.split("/")[-1]
    steps = _steps(configuration)
    target = {
        "arn": _revision_arn(service, deployment["id"]),
        "requestedTaskCount": service.desired_count,
        "runningTaskCount": 0,
        "pendingTaskCount": service.desired_count,
        "requestedTestTrafficWeight": 0,
        "requestedProductionTrafficWeight": 0 if source else 100,
    }
    deployment_arn = f"arn:aws:ecs:{service.region_name}:{service._account_id}:service-deployment/{cluster}/{service.name}"
    record = {
        "serviceDeploymentArn": f"{deployment_arn}/{deployment['id'].rsplit('/', 1)[-1]}",
        "serviceArn": service.arn,
        "clusterArn": service.cluster_arn,
        "createdAt": now,
        "startedAt": now,
        "updatedAt": now,
        "status": "IN_PROGRESS",
        "targetServiceRevision": target,
        "sourceServiceRevisions": [],
        "deploymentConfiguration": configuration,
        "_deployment_id": deployment["id"],
        "_task_definition": service.task_definition,
        "_steps": steps,
        "_step": 0,
        "_entered": time.monotonic(),
        "_ready": False,
    }
    if source is not None:
        record["_source_deployment_id"] = source["id"]
        record["_source_task_definition"] = source.get("taskDefinition")
        record["sourceServiceRevisions"] = [
            {
                "arn": _revision_arn(service, source["id"]),
                "requestedTaskCount": source.get("desiredCount", 0),
                "runningTaskCount": source.get("runningCount", 0),
                "pendingTaskCount": 0,
                "requestedTestTrafficWeight": 100,
                "requestedProductionTrafficWeight": 100,
            }
        ]
    alarms = configuration.get("alarms") or {}
    if alarms:
        record["alarms"] = {"status": "MONITORING" if alarms.get("enable") else "DISABLED", "alarmNames": list(alarms.get("alarmNames") or [])}
    if steps and source is not None:
        record["_listener_rules"] = _listener_rules(service)
    if steps:
        record["lifecycleStage"] = steps[0][0]
        record["lifecycleHookDetails"] = []
        _enter(record, steps[0][0])
    _records(service).insert(0, record)
    return record


def _enter(record: dict, stage: str) -> None:
    """The lifecycle hooks of a stage the deployment enters: a PAUSE hook stops it until it is acted on."""
    stages = {stage} | ({"PRE_PRODUCTION_TRAFFIC_SHIFT"} if stage == "POST_TEST_TRAFFIC_SHIFT" else set())
    for hook in record["deploymentConfiguration"].get("lifecycleHooks") or []:
        if not stages & set(hook.get("lifecycleStages") or []):
            continue
        timeout = hook.get("timeoutConfiguration") or {}
        minutes = float(timeout.get("timeoutInMinutes") or 1440)
        detail = {"hookId": str(mock_random.uuid4()), "targetType": hook.get("targetType") or "AWS_LAMBDA", "status": "SUCCEEDED"}
        if detail["targetType"] == "PAUSE":
            detail.update(status="AWAITING_ACTION", expiresAt=utcnow() + datetime.timedelta(minutes=minutes), timeoutAction=timeout.get("action") or "ROLLBACK")
            record["_paused"] = detail["hookId"]
            record["_expires"] = time.monotonic() + minutes * minute_seconds()
        else:
            detail["targetArn"] = hook.get("hookTargetArn")
        record["lifecycleHookDetails"].append(detail)
        if record.get("_paused"):
            return


def _weights(record: dict, production: float, test: float) -> None:
    """The traffic weights the deployment requests for its new revision (the source revision has the rest), applied to
    the service's listener rules."""
    record["targetServiceRevision"].update(requestedProductionTrafficWeight=production, requestedTestTrafficWeight=test)
    for source in record["sourceServiceRevisions"]:
        source.update(requestedProductionTrafficWeight=100 - production, requestedTestTrafficWeight=100 - test)
    _shift_rules(record, production, test)
    ecs_tasks.shift(record["serviceArn"], record["_deployment_id"], production)


# --- the listener rules (ELBv2 ModifyRule, loadBalancers[].advancedConfiguration) ----------------------------------


def _rule(backend, arn: str):
    """The ELBv2 listener rule of an ARN; None when the backend has none."""
    for balancer in backend.load_balancers.values():
        for listener in balancer.listeners.values():
            for rule in listener.rules.values():
                if rule.arn == arn:
                    return rule
    return None


def _forward_weights(rule) -> dict[str, float]:
    """{target group ARN: weight} of the rule's forward actions (a plain forward weighs its group 1)."""
    weights = {}
    for action in rule.actions if rule is not None else []:
        if action.data.get("Type") != "forward":
            continue
        groups = (action.data.get("ForwardConfig") or {}).get("TargetGroups") or []
        for group in groups:
            weights[group["TargetGroupArn"]] = float(group.get("Weight", 1))
        if not groups and action.data.get("TargetGroupArn"):
            weights[action.data["TargetGroupArn"]] = 1.0
    return weights


def _listener_rules(service) -> list[dict]:
    """At the start of a deployment that shifts traffic: for each of the service's load balancers with an
    `advancedConfiguration`, its rules and which target group the new revision serves from ("green": the one without
    production traffic; the alternate when both have some, or when the production rule forwards to neither)."""
    backend = elbv2_backends[service._account_id][service.region_name]
    found = []
    for balancer in service.load_balancers or []:
        advanced = balancer.get("advancedConfiguration") or {}
        primary, alternate, production = balancer.get("targetGroupArn"), advanced.get("alternateTargetGroupArn"), advanced.get("productionListenerRule")
        if not (primary and alternate and production):
            continue
        weights = _forward_weights(_rule(backend, production))
        green = alternate
        if (primary in weights or alternate in weights) and weights.get(alternate, 0) and not weights.get(primary, 0):
            green = primary
        found.append(
            {
                "account": service._account_id,
                "region": service.region_name,
                "production": production,
                "test": advanced.get("testListenerRule"),
                "green": green,
                "blue": primary if green == alternate else alternate,
            }
        )
    return found


def _forward(backend, arn: str, weights: dict[str, int]) -> None:
    """ModifyRule: the rule's (first) forward action weighs the two target groups so; its conditions stay."""
    rule = _rule(backend, arn)
    if rule is None:
        return
    actions, replaced = [], False
    for action in rule.actions:
        data = copy.deepcopy(action.data)
        if data.get("Type") == "forward" and not replaced:
            config = data.get("ForwardConfig") or {}
            listed = [group["TargetGroupArn"] for group in config.get("TargetGroups") or []] or [data.get("TargetGroupArn")]
            order = [group for group in listed if group in weights] + [group for group in weights if group not in listed]
            config["TargetGroups"] = [{"TargetGroupArn": group, "Weight": weights[group]} for group in order]
            data.pop("TargetGroupArn", None)
            data["ForwardConfig"] = config
            replaced = True
        actions.append(data)
    if not replaced:
        return
    try:
        backend.modify_rule(arn, [], actions)  # no conditions: the rule keeps its own
    except ELBClientError:
        pass  # a target group ELBv2 does not have: the rule is left as it is


def _shift_rules(record: dict, production: float, test: float) -> None:
    """The new revision's target group gets `production` on the production rule and `test` on the test rule, the other
    group the rest."""
    for entry in record.get("_listener_rules") or []:
        backend = elbv2_backends[entry["account"]][entry["region"]]
        for arn, weight in ((entry["production"], production), (entry["test"], test)):
            if arn:
                green = int(round(weight))
                _forward(backend, arn, {entry["green"]: green, entry["blue"]: 100 - green})


def _alarms_in_alarm(service, record: dict) -> list[str]:
    alarms = record["deploymentConfiguration"].get("alarms") or {}
    if not alarms.get("enable"):
        return []
    backend = cloudwatch_backends[service._account_id][service.region_name]
    found = [backend.alarms.get(name) for name in alarms.get("alarmNames") or []]
    return [alarm.name for alarm in found if alarm is not None and alarm.state_value == "ALARM"]


def _stop_for_alarms(service, record: dict, names: list[str]) -> None:
    """An alarm went to ALARM: roll back to the source revision (with `rollback`), or stop where it is."""
    record["alarms"].update(status="TRIGGERED", triggeredAlarmNames=names)
    rollback = (record["deploymentConfiguration"].get("alarms") or {}).get("rollback")
    _roll_back(service, record, f"alarm(s) {', '.join(names)} in ALARM state", stop_only=not rollback)


def _roll_back(service, record: dict, reason: str, stop_only: bool = False) -> None:
    """Production traffic back to the source revision and the service on it again (STOPPED where it is when
    `stop_only`, or when there is no source revision to return to)."""
    now = utcnow()
    record["_paused"] = None
    primary = next((d for d in service.deployments if d["id"] == record["_deployment_id"]), None)
    source = next((d for d in service.deployments if d["id"] == record.get("_source_deployment_id")), None)
    if stop_only or source is None:
        record.update(status="STOPPED", statusReason=reason, finishedAt=now, stoppedAt=now, updatedAt=now)
        return
    ecs_tasks.roll_back_task(service, record["_deployment_id"])
    record.update(
        status="ROLLBACK_IN_PROGRESS",
        statusReason=reason,
        updatedAt=now,
        rollback={"reason": reason, "startedAt": now, "serviceRevisionArn": record["sourceServiceRevisions"][0]["arn"]},
    )
    _weights(record, 0, 0)
    service.task_definition = record["_source_task_definition"]
    if primary is not None:
        primary.update(
            status="ACTIVE",
            rolloutState="FAILED",
            rolloutStateReason=f"ECS deployment {primary['id']} rolled back: {reason}.",
            runningCount=0,
            pendingCount=0,
            updatedAt=now,
        )
        ecs_extension._rollouts(service).pop(primary["id"], None)
    source.update(status="PRIMARY", rolloutState="COMPLETED", updatedAt=now)
    service.deployments.remove(source)
    service.deployments.insert(0, source)
    ecs_extension._add_event(
        service, f"(service {service.name}) (deployment {record['_deployment_id']}) deployment failed: {reason}; rolled back to deployment {source['id']}."
    )


def _advance(service, record: dict) -> None:
    """One step of the newest deployment's lifecycle."""
    now = utcnow()
    if record["status"] == "ROLLBACK_IN_PROGRESS":
        record.update(status="ROLLBACK_SUCCESSFUL", finishedAt=now, updatedAt=now)
        return
    deployment = next((d for d in service.deployments if d["id"] == record["_deployment_id"]), None)
    if not record["_steps"]:
        state = (deployment or {}).get("rolloutState")
        if state == "COMPLETED":
            record["targetServiceRevision"].update(runningTaskCount=deployment.get("runningCount", 0), pendingTaskCount=0)
            _weights(record, 100, 100)
            record.update(status="SUCCESSFUL", finishedAt=now, updatedAt=now)
        elif state == "FAILED":
            breaker = record["deploymentConfiguration"].get("deploymentCircuitBreaker") or {}
            status = "ROLLBACK_SUCCESSFUL" if breaker.get("enable") and breaker.get("rollback") and record["sourceServiceRevisions"] else "STOPPED"
            record.update(status=status, statusReason=deployment.get("rolloutStateReason", ""), finishedAt=now, updatedAt=now)
        return
    triggered = _alarms_in_alarm(service, record)
    if triggered:
        _stop_for_alarms(service, record, triggered)
        return
    if record.get("_paused"):
        if time.monotonic() < record["_expires"]:
            return  # waiting for ContinueServiceDeployment
        detail = _hook_detail(record, record["_paused"])
        detail["status"] = "TIMED_OUT"
        if detail["timeoutAction"] == "ROLLBACK":
            _roll_back(service, record, f"lifecycle hook {detail['hookId']} timed out at {record['lifecycleStage']}")
            return
        record["_paused"] = None
        record["_entered"] = time.monotonic()
    stage, _weight, wait = record["_steps"][record["_step"]]
    if stage == "SCALE_UP" and not (record["_ready"] or (deployment or {}).get("rolloutState") == "COMPLETED"):
        return  # the new revision's tasks are not running yet
    if time.monotonic() - record["_entered"] < wait * minute_seconds():
        return
    record["_step"] += 1
    record["_entered"] = time.monotonic()
    record["updatedAt"] = now
    if record["_step"] == len(record["_steps"]):
        _weights(record, 100, 100)  # all traffic on the new revision's target group: the next deployment uses the other
        ecs_tasks.release_previous(service)
        record.update(status="SUCCESSFUL", finishedAt=now)
        if "alarms" in record and record["alarms"]["status"] == "MONITORING":
            record["alarms"]["status"] = "MONITORING_COMPLETE"
        return
    stage, weight, _wait = record["_steps"][record["_step"]]
    record["lifecycleStage"] = stage
    if stage == "POST_SCALE_UP":
        record["targetServiceRevision"].update(runningTaskCount=record["targetServiceRevision"]["requestedTaskCount"], pendingTaskCount=0)
    if stage in ("TEST_TRAFFIC_SHIFT", "POST_TEST_TRAFFIC_SHIFT") or weight:
        _weights(record, weight, 100)
    if record["_steps"][record["_step"] - 1][0] != stage:
        _enter(record, stage)


def _hook_detail(record: dict, hook_id: str) -> dict | None:
    return next((d for d in record.get("lifecycleHookDetails") or [] if d["hookId"] == hook_id), None)


def _hold(service, deployment) -> bool:
    """COMPLETION_HOLDS: a deployment that shifts traffic completes when its lifecycle has, not when its tasks run."""
    record = next((r for r in _records(service) if r["_deployment_id"] == deployment["id"]), None)
    if record is None or not record["_steps"]:
        return False
    record["_ready"] = True
    return record["status"] not in ENDED


def progress(service) -> None:
    """A step of the service's newest deployment, after its rollout's own (ecs.py, ecs_tasks)."""
    records = _records(service)
    if records and records[0]["status"] not in ENDED:
        _advance(service, records[0])


def public(record: dict) -> dict:
    return {key: copy.deepcopy(value) for key, value in record.items() if not key.startswith("_")}


# --- moto patches ---------------------------------------------------------------------------------------------------


def _wrap_start_deployment(original):
    def start_deployment(service) -> None:
        source = service.deployments[0] if service.deployments else None
        original(service)
        record_deployment(service, source)

    return start_deployment


def _wrap_progress(original):
    def progress_service(service) -> None:
        original(service)
        progress(service)

    return progress_service


def _wrap_create_service(original):
    def create_service(self, *args, **kwargs):
        service = original(self, *args, **kwargs)
        if service.deployments:
            record_deployment(service)
        return service

    create_service._tracetrack_deployments = True
    return create_service


def _service(response, cluster: str, name: str):
    try:
        return response.ecs_backend._get_service(cluster, name)
    except ServiceNotFoundException:
        return None


def _service_and_record(response, arn: str):
    """(service, record) a service deployment ARN names; None for what it does not name."""
    parts = (arn or "").split(":service-deployment/")[-1].split("/")
    service = _service(response, parts[0], parts[1]) if len(parts) == 3 else None
    record = next((r for r in _records(service) if r["serviceDeploymentArn"] == arn), None) if service else None
    return service, record


def list_service_deployments(self) -> ActionResult:
    service = _service(self, self._get_param("cluster", "default"), self._get_param("service"))
    if service is None:
        raise ServiceNotFoundException
    wanted = set(self._get_param("status", []) or [])
    keys = ("serviceDeploymentArn", "serviceArn", "clusterArn", "startedAt", "createdAt", "finishedAt", "status", "statusReason")
    briefs = [
        {key: record[key] for key in keys if key in record} | {"targetServiceRevisionArn": record["targetServiceRevision"]["arn"]}
        for record in _records(service)
        if not wanted or record["status"] in wanted
    ]
    return ActionResult({"serviceDeployments": briefs})


def _found(response, arn: str):
    """(service, record) of a service deployment ARN; InvalidParameterException when it names none."""
    service, record = _service_and_record(response, arn)
    if record is None:
        raise InvalidParameterException(f"The service deployment {arn} does not exist.")
    return service, record


def continue_service_deployment(self) -> ActionResult:
    arn, hook_id, action = self._get_param("serviceDeploymentArn"), self._get_param("hookId"), self._get_param("action") or "CONTINUE"
    service, record = _found(self, arn)
    detail = _hook_detail(record, hook_id)
    if detail is None or record.get("_paused") != hook_id or detail["status"] != "AWAITING_ACTION":
        raise InvalidParameterException(f"The lifecycle hook {hook_id} of {arn} is not awaiting an action.")
    if action == "ROLLBACK":
        detail["status"] = "FAILED"
        _roll_back(service, record, f"rolled back at the lifecycle hook {hook_id} ({record['lifecycleStage']})")
    else:
        detail["status"] = "SUCCEEDED"
        record["_paused"] = None
        record["_entered"] = time.monotonic()
    return ActionResult({"serviceDeploymentArn": arn})


def stop_service_deployment(self) -> ActionResult:
    arn, stop_type = self._get_param("serviceDeploymentArn"), self._get_param("stopType") or "ROLLBACK"
    service, record = _found(self, arn)
    if record["status"] in ENDED:
        raise InvalidParameterException(f"The service deployment {arn} has ended ({record['status']}).")
    _roll_back(service, record, f"stopped ({stop_type})", stop_only=stop_type == "ABORT")
    return ActionResult({"serviceDeploymentArn": arn})


def describe_service_deployments(self) -> ActionResult:
    found, failures = [], []
    for arn in self._get_param("serviceDeploymentArns", []) or []:
        service, record = _service_and_record(self, arn)
        if service is not None:
            ecs_extension._progress(service)
        if record is None:
            failures.append({"arn": arn, "reason": "MISSING", "detail": "The service deployment does not exist."})
        else:
            found.append(public(record))
    return ActionResult({"serviceDeployments": found, "failures": failures})


def apply() -> None:
    if _hold not in ecs_extension.COMPLETION_HOLDS:
        ecs_extension.COMPLETION_HOLDS.append(_hold)
    if getattr(ecs_extension, "_tracetrack_service_deployments", False):
        return
    ecs_extension._tracetrack_service_deployments = True
    ecs_extension._start_deployment = _wrap_start_deployment(ecs_extension._start_deployment)
    ecs_extension._progress = _wrap_progress(ecs_extension._progress)
    backend = ecs_models.EC2ContainerServiceBackend
    if not getattr(backend.create_service, "_tracetrack_deployments", False):
        backend.create_service = _wrap_create_service(backend.create_service)
    EC2ContainerServiceResponse.list_service_deployments = list_service_deployments
    EC2ContainerServiceResponse.describe_service_deployments = describe_service_deployments
    EC2ContainerServiceResponse.continue_service_deployment = continue_service_deployment
    EC2ContainerServiceResponse.stop_service_deployment = stop_service_deployment
