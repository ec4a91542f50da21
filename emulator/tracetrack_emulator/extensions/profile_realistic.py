"""The `realistic` profile: the emulator behaves like AWS on a bad day (EMULATOR_PROFILE=realistic).

Off by default: without EMULATOR_PROFILE=realistic, `apply()` changes nothing and every resource is ready on
the first read, as before. With it, applied after every other extension:

- Slow resources go through their real state sequences, for durations scaled by EMULATOR_TIME_SCALE (default
  1/30 of the typical AWS figures in DURATIONS below; "1/30" or "0.0333"):
  - RDS (CreateDBInstance, CreateDBInstanceReadReplica, ModifyDBInstance, DeleteDBInstance; DescribeDBInstances
    `DBInstanceStatus`): creating -> backing-up -> available; a replica creating -> available; ModifyDBInstance
    modifying (Multi-AZ, class or storage changes for as long as a creation); DeleteDBInstance deleting, then gone.
  - ElastiCache (CreateReplicationGroup, ModifyReplicationGroup, DeleteReplicationGroup; DescribeReplicationGroups
    `Status`): creating -> available; modifying -> available; deleting, then gone.
  - CloudFront (CreateDistribution, UpdateDistribution; GetDistribution `Status`): InProgress -> Deployed;
    DeleteDistribution of a distribution still InProgress answers DistributionNotDisabled (409), as AWS does
    until a disabled distribution is deployed.
  - EC2 NAT gateways (CreateNatGateway, DeleteNatGateway; DescribeNatGateways `State`): pending -> available;
    deleting -> deleted.
  - ECS deployments (UpdateService with a new task definition or forceNewDeployment; DescribeServices, the primary
    deployment's `rolloutState`): IN_PROGRESS while the new tasks start, pass the target group's health checks and
    the old ones drain, then COMPLETED (extension ecs's model `ecs::deployment` paced by time instead of by call). A
    service whose task runs on this machine (extension ecs_tasks) keeps following that task.
- Throttling: the first call of each operation of each service (so every module is throttled at least once and
  must retry; EMULATOR_THROTTLE_FIRST_CALLS=0 turns this off) and a share of the other calls (EMULATOR_THROTTLE_RATE,
  default 0.1; EMULATOR_THROTTLE_SEED makes the choice repeatable; a rate of 0 throttles nothing) are answered
  with the service's own throttling error and HTTP status (THROTTLING below: query protocol services `Throttling`
  400, EC2 `RequestLimitExceeded` 503, JSON services `ThrottlingException` 400, X-Ray `ThrottledException` 429,
  S3 `SlowDown` 503), in the protocol the request came in (query XML, JSON, Smithy RPC v2 CBOR as recent SDKs speak
  to CloudWatch). The recorder (recorder_in_memory) lists these answers with `"throttled": true`.
- Eventual consistency:
  - IAM: a role created less than EMULATOR_IAM_PROPAGATION_SECONDS ago (default 6, not scaled: it is how long
    IAM takes to reach ECS, whatever the resource durations) cannot be assumed by ECS. RegisterTaskDefinition and
    RunTask naming it (taskRoleArn, executionRoleArn, directly or through the task definition) answer
    ClientException "ECS was unable to assume the role ..."; CreateService answers InvalidParameterException
    "Unable to assume role and validate the specified targetGroupArn ...".
  - EC2 tags ("Eventual consistency in the Amazon EC2 API"): a change to the tags of a resource that already had tags
    (CreateTags, DeleteTags) shows in DescribeTags, in the resources' `Tags` and in `tag:` filters only
    EMULATOR_TAG_LAG_SECONDS later (default 2, not scaled); until then they report the tags before the change. The
    first tags of a new resource (TagSpecifications) show at once: the lag of a new resource's own Describe is not
    emulated.
  - ECS DeleteService of a service with an awsvpc network configuration: its tasks' network interfaces
    (requester-managed, description `arn:aws:ecs:<region>:<account>:attachment/<id>`) stay in its subnets with
    its security groups while the tasks drain, for DURATIONS["ecs.task_drain"]; meanwhile DeleteSecurityGroup and
    DeleteSubnet of those answer DependencyViolation (400), as AWS does for any interface still using them.

Every state sequence started is kept on a timeline, served with the throttled counts at GET
/moto-api/tracetrack/profile (JSON): what benchmarks/provision.py reports as each slow resource's own duration.
"""

import copy
import io
import json
import os
import random
import threading
import time
import uuid
from fractions import Fraction

from werkzeug.wrappers import Request, Response

PROFILE_PATH = "/moto-api/tracetrack/profile"

# Typical AWS durations in seconds (AWS documentation and what the consoles show), before scaling.
DURATIONS = {
    "rds.create": 600,  # a PostgreSQL instance: ~10 min, the last ~2 of them backing up
    "rds.create.backup": 120,
    "rds.replica": 600,  # a read replica: ~10 min
    "rds.modify": 60,  # a change applied immediately that moves no data
    "rds.modify.storage": 600,  # Multi-AZ conversion, instance class or storage change
    "rds.delete": 300,
    "elasticache.create": 480,  # a replication group: ~8 min
    "elasticache.modify": 120,
    "elasticache.delete": 240,
    "cloudfront.deploy": 300,  # InProgress ~5 min after a create or an update
    "nat.create": 90,  # pending 1-2 min
    "nat.delete": 60,
    "ecs.task_drain": 120,  # a deleted service's tasks stop, and their network interfaces go, over ~2 min
    "ecs.deployment": 300,  # a rolling deployment: tasks start, pass 2-3 health checks, the old ones drain (~5 min)
}

# Per signing name: (error code, HTTP status, message) of a throttled call, from each API reference's common errors.
QUERY_THROTTLING = ("Throttling", 400, "Rate exceeded")
JSON_THROTTLING = ("ThrottlingException", 400, "Rate exceeded")
THROTTLING = {
    "ec2": ("RequestLimitExceeded", 503, "Request limit exceeded."),
    "s3": ("SlowDown", 503, "Please reduce your request rate."),
    "xray": ("ThrottledException", 429, "Rate exceeded"),
    "cloudfront": QUERY_THROTTLING,
    "lambda": ("TooManyRequestsException", 429, "Rate exceeded"),
    "apigateway": ("TooManyRequestsException", 429, "Too Many Requests"),
}
QUERY_SERVICES = {"iam", "sts", "rds", "elasticache", "elasticloadbalancing", "monitoring", "sns", "sqs", "autoscaling", "cloudformation"}


class Settings:
    def __init__(self, environ=None):
        environ = os.environ if environ is None else environ
        self.profile = environ.get("EMULATOR_PROFILE", "")
        self.time_scale = float(Fraction(environ.get("EMULATOR_TIME_SCALE") or "1/30"))
        self.throttle_rate = float(environ.get("EMULATOR_THROTTLE_RATE") or 0.1)
        self.iam_propagation = float(environ.get("EMULATOR_IAM_PROPAGATION_SECONDS") or 6)
        self.tag_lag = float(environ.get("EMULATOR_TAG_LAG_SECONDS") or 2)
        self.throttle_first_calls = self.throttle_rate > 0 and environ.get("EMULATOR_THROTTLE_FIRST_CALLS", "1") != "0"
        seed = environ.get("EMULATOR_THROTTLE_SEED")
        self.random = random.Random(int(seed) if seed else None)  # noqa: S311 - which calls to throttle, no secret

    @property
    def enabled(self) -> bool:
        return self.profile == "realistic"

    def seconds(self, name: str) -> float:
        return DURATIONS[name] * self.time_scale


settings = Settings()
_lock = threading.RLock()
timeline: list[dict] = []
throttled: dict[str, int] = {}
operations_seen: set[tuple[str, str]] = set()
_due: list[tuple[float, object]] = []  # (monotonic deadline, action): removals that happen when time has passed
_role_created: dict[str, float] = {}  # role ARN -> monotonic time of CreateRole
_started = time.time()


# --- state sequences ----------------------------------------------------------------------------------


class TimedState:
    """A model attribute (status, state) that reports a sequence of states until their time has passed, then the
    value the model last set. Set by moto's code as before; `begin()` starts a sequence."""

    def __init__(self, name: str):
        self.name = name
        self.key = f"_realistic_{name}"

    def __get__(self, obj, owner=None):
        if obj is None:
            return self
        now = time.monotonic()
        for state, until in obj.__dict__.get(self.key + "_phases", ()):
            if now < until:
                return state
        return obj.__dict__.get(self.key)

    def __set__(self, obj, value):
        obj.__dict__[self.key] = value


def on_timeline(kind: str, identifier: str, states: list, seconds: float) -> None:
    """Record a sequence that starts now and lasts `seconds` (what benchmarks/provision.py reports)."""
    with _lock:
        timeline.append(
            {"kind": kind, "id": identifier, "states": states, "started": round(time.time() - _started, 3), "seconds": round(seconds, 3)}
        )


def begin(obj, attribute: str, kind: str, identifier: str, phases: list[tuple[str, str]], settled=None) -> float:
    """Start a sequence on `obj.<attribute>`: `phases` are (state, DURATIONS key); `settled` what follows (default
    what the model holds). Returns when it settles (monotonic) and records it on the timeline."""
    if settled is not None:
        setattr(obj, attribute, settled)
    now, at = time.monotonic(), time.monotonic()
    steps = []
    for state, duration in phases:
        at += settings.seconds(duration)
        steps.append((state, at))
    obj.__dict__[f"_realistic_{attribute}_phases"] = steps
    on_timeline(kind, identifier, [phase[0] for phase in phases] + [obj.__dict__.get(f"_realistic_{attribute}")], at - now)
    return at


def later(deadline: float, action) -> None:
    with _lock:
        _due.append((deadline, action))


def run_due() -> None:
    now = time.monotonic()
    with _lock:
        due = [action for deadline, action in _due if deadline <= now]
        _due[:] = [(deadline, action) for deadline, action in _due if deadline > now]
    for action in due:
        action()


def then(owner, name: str, action, pick=lambda result: result) -> None:
    """Patch `owner.name` so that `action(self, model)` follows it; `model` is picked from what it returns."""
    original = getattr(owner, name)

    def wrapper(self, *args, **kwargs):
        result = original(self, *args, **kwargs)
        action(self, pick(result))
        return result

    wrapper.__name__ = name
    setattr(owner, name, wrapper)


def sequence(kind: str, attribute: str, identifier: str, phases, settled=None):
    """An action for then(): the model starts `phases`."""
    return lambda _self, model: begin(model, attribute, kind, getattr(model, identifier), phases, settled)


def deleting(owner, name: str, argument: str, store: str, kind: str) -> None:
    """Patch the backend's delete `owner.name(self, <argument>, ...)`: the model stays listed in `self.<store>`,
    `deleting`, for the `kind` duration, then is gone (its not-found error from then on)."""
    original = getattr(owner, name)

    def wrapper(self, *args, **kwargs):
        identifier = args[0] if args else kwargs[argument]
        model = original(self, *args, **kwargs)
        models = getattr(self, store)
        models[identifier] = model
        until = begin(model, "status", kind, identifier, [("deleting", kind)], settled="deleted")
        later(until, lambda: models.pop(identifier, None) if models.get(identifier) is model else None)
        return model

    wrapper.__name__ = name
    setattr(owner, name, wrapper)


# RDS ----------------------------------------------------------------------------------------------------


def _rds():
    from moto.rds import models

    def wrap_init(original):
        def __init__(self, *args, **kwargs):
            original(self, *args, **kwargs)
            phases = [("creating", "rds.create"), ("backing-up", "rds.create.backup")]
            begin(self, "status", "rds.instance", self.db_instance_identifier, phases)

        return __init__

    def wrap_modify(original):
        def modify_db_instance(self, db_instance_identifier, db_kwargs):
            before = self.describe_db_instances(db_instance_identifier)[0]
            moved = {key: getattr(before, key, None) for key in ("multi_az", "db_instance_class", "allocated_storage", "storage_type")}
            database = original(self, db_instance_identifier, db_kwargs)
            heavy = any(db_kwargs.get(key) is not None and db_kwargs.get(key) != value for key, value in moved.items())
            begin(
                database,
                "status",
                "rds.modify",
                database.db_instance_identifier,
                [("modifying", "rds.modify.storage" if heavy else "rds.modify")],
            )
            return database

        return modify_db_instance

    instance = models.DBInstance
    instance.status = TimedState("status")
    instance.__init__ = wrap_init(instance.__init__)
    backend = models.RDSBackend
    # moto copies the source instance (copy.copy): no __init__ for a replica.
    then(backend, "create_db_instance_read_replica", sequence("rds.replica", "status", "db_instance_identifier", [("creating", "rds.replica")]))
    backend.modify_db_instance = wrap_modify(backend.modify_db_instance)
    # Still listed, `deleting`, until the deletion is over (DBInstanceNotFound after that).
    deleting(backend, "delete_db_instance", "db_instance_identifier", "databases", "rds.delete")


# ElastiCache ---------------------------------------------------------------------------------------------


def _elasticache():
    from moto.elasticache import models

    models.ReplicationGroup.status = TimedState("status")
    backend = models.ElastiCacheBackend
    creating = sequence("elasticache.replication_group", "status", "replication_group_id", [("creating", "elasticache.create")])
    then(backend, "create_replication_group", creating)
    modifying = sequence("elasticache.modify", "status", "replication_group_id", [("modifying", "elasticache.modify")])
    then(backend, "modify_replication_group_settings", modifying)
    deleting(backend, "delete_replication_group_now", "group_id", "replication_groups", "elasticache.delete")


# CloudFront ----------------------------------------------------------------------------------------------


def _cloudfront():
    from moto.cloudfront import models

    from tracetrack_emulator.extensions.cloudfront import DistributionNotDisabled

    deploy = sequence("cloudfront.distribution", "status", "distribution_id", [("InProgress", "cloudfront.deploy")], "Deployed")

    def wrap_delete(original):
        def delete_distribution(self, distribution_id, if_match):
            dist = self.distributions.get(distribution_id)
            if dist is not None and if_match and dist.status != "Deployed":
                raise DistributionNotDisabled()
            return original(self, distribution_id, if_match)

        return delete_distribution

    models.Distribution.status = TimedState("status")
    backend = models.CloudFrontBackend
    # Both answer (distribution, location, etag).
    then(backend, "create_distribution_with_tags", deploy, pick=lambda result: result[0])
    then(backend, "update_distribution", deploy, pick=lambda result: result[0])
    backend.delete_distribution = wrap_delete(backend.delete_distribution)


# EC2: NAT gateways, and the network interfaces of a deleted ECS service ------------------------------------


def _ec2():
    from moto.ec2.exceptions import DependencyViolationError
    from moto.ec2.models import nat_gateways, security_groups, subnets

    def wrap_nat_init(original):
        def __init__(self, *args, **kwargs):
            original(self, *args, **kwargs)
            begin(self, "state", "ec2.nat_gateway", self.id, [("pending", "nat.create")])

        return __init__

    def lingering(backend, predicate):
        return [eni for eni in backend.enis.values() if getattr(eni, "_realistic_drains", False) and predicate(eni)]

    def wrap_delete_group(original):
        def delete_security_group(self, name=None, group_id=None):
            if group_id and lingering(self, lambda eni: group_id in [group.id for group in eni._group_set]):
                raise DependencyViolationError(f"resource {group_id} has a dependent object")
            return original(self, name=name, group_id=group_id)

        return delete_security_group

    def wrap_delete_subnet(original):
        def delete_subnet(self, subnet_id):
            if lingering(self, lambda eni: eni.subnet.id == subnet_id):
                raise DependencyViolationError(f"The subnet '{subnet_id}' has dependencies and cannot be deleted.")
            return original(self, subnet_id)

        return delete_subnet

    _ec2_tag_lag()
    nat_gateways.NatGateway.state = TimedState("state")
    nat_gateways.NatGateway.__init__ = wrap_nat_init(nat_gateways.NatGateway.__init__)
    then(nat_gateways.NatGatewayBackend, "delete_nat_gateway", sequence("ec2.nat_gateway.delete", "state", "id", [("deleting", "nat.delete")]))
    security_groups.SecurityGroupBackend.delete_security_group = wrap_delete_group(security_groups.SecurityGroupBackend.delete_security_group)
    subnets.SubnetBackend.delete_subnet = wrap_delete_subnet(subnets.SubnetBackend.delete_subnet)


def _ec2_tag_lag():
    """CreateTags / DeleteTags on a resource that had tags: readers see the tags before the change for a while."""
    from moto.ec2.models.tags import TagBackend

    def lagging(original):
        def change(self, resource_ids, *args, **kwargs):
            before = {rid: dict(self.tags[rid]) for rid in resource_ids if self.tags.get(rid)}
            result = original(self, resource_ids, *args, **kwargs)
            until = time.monotonic() + settings.tag_lag
            with _lock:
                views = self.__dict__.setdefault("_realistic_tag_views", {})
                for rid, tags in before.items():
                    # A second change within the lag keeps the oldest view: readers have not seen the first one yet.
                    if rid not in views or views[rid][1] <= time.monotonic():
                        views[rid] = (tags, until)
                    else:
                        views[rid] = (views[rid][0], until)
            return result

        change.__name__ = original.__name__
        return change

    def describe_tags(original):
        def read(self, filters=None):
            now = time.monotonic()
            with _lock:
                views = {rid: tags for rid, (tags, until) in self.__dict__.get("_realistic_tag_views", {}).items() if until > now}
            if not views:
                return original(self, filters)
            # moto's DescribeTags reads only `tags` and VALID_TAG_FILTERS: run it on what readers see now.
            seen = copy.copy(self)
            seen.tags = {**{rid: dict(tags) for rid, tags in list(self.tags.items())}, **views}
            return original(seen, filters)

        return read

    for name in ("create_tags", "delete_tags", "delete_tag_keys"):
        setattr(TagBackend, name, lagging(getattr(TagBackend, name)))
    TagBackend.describe_tags = describe_tags(TagBackend.describe_tags)


def _ecs():
    from moto.ec2.models import ec2_backends
    from moto.ecs import models

    def wrap_delete(original):
        def delete_service(self, cluster_name, service_name, force):
            service = self._get_service(cluster_name, service_name)
            tasks = max(1, service.running_count or 0, service.desired_count or 0)
            service = original(self, cluster_name, service_name, force)
            awsvpc = (service.network_configuration or {}).get("awsvpcConfiguration") or {}
            if not awsvpc.get("subnets"):
                return service
            ec2 = ec2_backends[self.account_id][self.region_name]
            interfaces = []
            for index in range(tasks):
                subnet = ec2.get_subnet(awsvpc["subnets"][index % len(awsvpc["subnets"])])
                eni = ec2.create_network_interface(
                    subnet,
                    None,
                    group_ids=awsvpc.get("securityGroups") or [],
                    description=f"arn:aws:ecs:{self.region_name}:{self.account_id}:attachment/{uuid.uuid4()}",
                )
                eni._realistic_drains = True
                eni.requester_managed = True
                interfaces.append(eni.id)
            until = time.monotonic() + settings.seconds("ecs.task_drain")
            on_timeline("ecs.service.drain", service.name, ["draining", "network interfaces deleted"], settings.seconds("ecs.task_drain"))

            def release():
                for eni_id in interfaces:
                    if eni_id in ec2.enis:
                        ec2.delete_network_interface(eni_id)

            later(until, release)
            return service

        return delete_service

    models.EC2ContainerServiceBackend.delete_service = wrap_delete(models.EC2ContainerServiceBackend.delete_service)
    _ecs_deployments()


def _ecs_deployments():
    """UpdateService's deployments take their time: extension ecs's rollout model paced by time (a transition set
    through /moto-api/state-manager still wins), each one on the timeline unless its task runs here."""
    from moto.moto_api import state_manager

    from tracetrack_emulator.extensions import ecs as ecs_extension
    from tracetrack_emulator.extensions import ecs_tasks

    seconds = settings.seconds("ecs.deployment")
    state_manager.register_default_transition(ecs_extension.MODEL_NAME, transition={"progression": "time", "seconds": seconds})
    original = ecs_extension._start_deployment

    def start_deployment(service) -> None:
        original(service)
        if service.arn in ecs_tasks._service_tasks:
            return  # its rollout follows the task that runs here
        on_timeline("ecs.deployment", service.name, ["IN_PROGRESS", "COMPLETED"], seconds)

    ecs_extension._start_deployment = start_deployment


# IAM: when a role was created --------------------------------------------------------------------------


def _iam():
    from moto.iam import models

    def created(_backend, role):
        with _lock:
            _role_created[role.arn] = time.monotonic()

    then(models.IAMBackend, "create_role", created)


def _new_roles(arns) -> list[str]:
    now = time.monotonic()
    with _lock:
        return [arn for arn in arns if arn and now - _role_created.get(arn, -1e9) < settings.iam_propagation]


def _task_definition_roles(account: str, region: str, reference: str) -> list[str]:
    from moto.ecs.models import ecs_backends

    try:
        definition = ecs_backends[account][region].describe_task_definition(reference)
    except Exception:  # an unknown task definition: ECS answers that itself
        return []
    return [getattr(definition, "task_role_arn", None), getattr(definition, "execution_role_arn", None)]


def _unassumable(service: str, operation: str, body: bytes, region: str, account: str) -> tuple[str, str] | None:
    """(code, message) when an ECS call uses a role IAM has not propagated yet."""
    if service != "ecs" or operation not in ("RegisterTaskDefinition", "RunTask", "CreateService"):
        return None
    try:
        params = json.loads(body or b"{}")
    except ValueError:
        return None
    roles = [params.get("taskRoleArn"), params.get("executionRoleArn")]
    overrides = params.get("overrides") or {}
    roles += [overrides.get("taskRoleArn"), overrides.get("executionRoleArn")]
    if operation in ("RunTask", "CreateService") and params.get("taskDefinition"):
        roles += _task_definition_roles(account, region, params["taskDefinition"])
    if operation == "CreateService":
        roles.append(params.get("role"))
    new = _new_roles(roles)
    if not new:
        return None
    if operation == "CreateService":
        return (
            "InvalidParameterException",
            "Unable to assume role and validate the specified targetGroupArn. Please verify that the ECS service role being passed has the proper permissions.",
        )
    return (
        "ClientException",
        f"ECS was unable to assume the role '{new[0]}' that was provided for this task. Please verify that the role "
        "being passed has the proper trust relationship and permissions and that your IAM user has permissions to "
        "pass this role.",
    )


# --- answers the profile gives instead of moto ------------------------------------------------------------


def _cbor_text_map(values: dict) -> bytes:
    """CBOR (RFC 8949) of a map of short text strings: what an rpc-v2-cbor error body holds."""

    def head(major: int, length: int) -> bytes:
        return (
            bytes([major << 5 | length])
            if length < 24
            else bytes([major << 5 | 24, length])
            if length < 256
            else bytes([major << 5 | 25]) + length.to_bytes(2, "big")
        )

    out = head(5, len(values))
    for key, value in values.items():
        for text in (key, value):
            data = text.encode()
            out += head(3, len(data)) + data
    return out


def error_response(request, service: str, code: str, status: int, message: str) -> Response:
    """An error in the protocol the request came in (the shape botocore parses for it)."""
    request_id = str(uuid.uuid4())
    headers = {"x-amzn-RequestId": request_id, "x-amzn-ErrorType": code, "x-amzn-query-error": f"{code};Sender"}
    if request.headers.get("smithy-protocol") == "rpc-v2-cbor":
        # CloudWatch and others in recent SDKs: Smithy RPC v2 CBOR.
        body = _cbor_text_map({"__type": code, "message": message})
        return Response(body, status=status, content_type="application/cbor", headers=dict(headers, **{"smithy-protocol": "rpc-v2-cbor"}))
    if request.headers.get("X-Amz-Target") or "json" in (request.content_type or ""):
        body = json.dumps({"__type": code, "message": message, "Message": message})
        return Response(body, status=status, content_type="application/x-amz-json-1.1", headers=headers)
    if service == "ec2":
        body = f"<Response><Errors><Error><Code>{code}</Code><Message>{message}</Message></Error></Errors><RequestID>{request_id}</RequestID></Response>"
        return Response(body, status=status, content_type="text/xml")
    if service == "s3":
        body = f"<Error><Code>{code}</Code><Message>{message}</Message><RequestId>{request_id}</RequestId></Error>"
        return Response(body, status=status, content_type="application/xml")
    if service in QUERY_SERVICES or service == "cloudfront":
        error = f"<Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error>"
        body = f"<ErrorResponse>{error}<RequestId>{request_id}</RequestId></ErrorResponse>"
        return Response(body, status=status, content_type="text/xml", headers={"x-amzn-RequestId": request_id})
    # REST-JSON services (X-Ray, Lambda, ...): the code in a header and the body.
    return Response(json.dumps({"__type": code, "message": message}), status=status, content_type="application/json", headers=headers)


def throttling_of(service: str) -> tuple[str, int, str]:
    if service in THROTTLING:
        return THROTTLING[service]
    return QUERY_THROTTLING if service in QUERY_SERVICES else JSON_THROTTLING


def _throttles(service: str, operation: str) -> bool:
    """Whether this call gets the service's throttling error: the first of its operation, or by chance."""
    with _lock:
        first = settings.throttle_first_calls and (service, operation) not in operations_seen
        operations_seen.add((service, operation))
        if first or settings.random.random() < settings.throttle_rate:
            throttled[service] = throttled.get(service, 0) + 1
            return True
    return False


def profile_state() -> dict:
    with _lock:
        return {
            "profile": settings.profile,
            "time_scale": settings.time_scale,
            "throttle_rate": settings.throttle_rate,
            "throttle_first_calls": settings.throttle_first_calls,
            "iam_propagation_seconds": settings.iam_propagation,
            "tag_lag_seconds": settings.tag_lag,
            "timeline": list(timeline),
            "throttled": dict(throttled),
        }


def _account_of(access_key: str) -> str:
    from moto.iam.models import get_account_id_from

    return get_account_id_from(access_key)


def middleware(app):
    """WSGI layer in front of moto: runs what is due, serves the profile's state, throttles, rejects new roles."""
    from tracetrack_emulator.extensions import recorder_in_memory

    def call(environ, start_response):
        run_due()
        path = environ.get("PATH_INFO", "")
        if path == PROFILE_PATH:
            return Response(json.dumps(profile_state()), content_type="application/json")(environ, start_response)
        if path.startswith("/moto-api"):
            return app(environ, start_response)
        request = Request(environ)
        entry = recorder_in_memory.summarise(request)  # reads and puts back the body
        service = entry["service"]
        if not service:
            return app(environ, start_response)
        if _throttles(service, entry["operation"]):
            code, status, message = throttling_of(service)
            recorder_in_memory.record_throttled(entry)
            return error_response(request, service, code, status, message)(environ, start_response)
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(body)
        scope = recorder_in_memory.CREDENTIAL_SCOPE.search(request.headers.get("Authorization", ""))
        credential = request.headers.get("Authorization", "").split("Credential=")[-1].split("/")[0]
        region = request.headers.get("Authorization", "").split("/")[2] if scope else ""
        rejected = _unassumable(service, entry["operation"], body, region, _account_of(credential)) if scope else None
        if rejected:
            return error_response(request, service, rejected[0], 400, rejected[1])(environ, start_response)
        return app(environ, start_response)

    return call


def apply() -> None:
    if not settings.enabled:
        return
    from tracetrack_emulator.extensions import in_front_of_moto

    for part in (_rds, _elasticache, _cloudfront, _ec2, _ecs, _iam):
        part()
    in_front_of_moto(middleware)
