"""ECS tasks that run on this machine: a service's rollout starts its task, RunTask runs a one-off command.

AWS API reference, Amazon ECS (2014-11-13), and what the emulator does with it when it runs tasks:

- CreateService / UpdateService: a new deployment starts tasks of its task definition, and the tasks of the older
  deployment are stopped once the new ones are healthy (rolling update with `minimumHealthyPercent` 100: the service
  never has fewer healthy tasks than it wants, so it keeps answering through a deployment). The deployment's
  `rolloutState` is `IN_PROGRESS` until its tasks run and pass their container health check (`healthCheck`) and the
  older tasks have stopped, then `COMPLETED`; `FAILED` (the deployment circuit breaker) when its task stops or never
  becomes healthy, with the reason in `rolloutStateReason` - the older tasks then go on serving.
- ContainerDefinition `environment` is given to the container as is; each `secrets[].valueFrom` - a secret's ARN, or
  `<secret ARN>:<json-key>:<version-stage>:<version-id>` - is read from Secrets Manager when the task starts.
- RunTask: `overrides.containerOverrides[].command` and `.environment` replace or extend the container's own.
  DescribeTasks reports a task that ended with `lastStatus` `STOPPED`, `stopCode` `EssentialContainerExited`,
  `stoppedReason` "Essential container in task exited" and each container's `exitCode`.
- DeleteService: the service's tasks are stopped (and here its test listener closes).
- DeploymentConfiguration `strategy` BLUE_GREEN, LINEAR or CANARY: the older revision's tasks are kept beside the new
  ones until the deployment ends (its traffic shifts and bake time, ecs_service_deployments); they stop then, or, when
  ECS rolls the deployment back, the new revision's tasks stop and the older ones serve on. Here the service's
  loopback address sends each new connection to the new revision's task with the production traffic weight the
  deployment requests (0 until PRODUCTION_TRAFFIC_SHIFT, the canary's or each linear step's share, then 100), else to
  the older one - the weights ECS also moves on the ELBv2 listener rules.
- Elastic Load Balancing v2 target deregistration (`deregistration_delay.timeout_seconds`): a target taken out of a
  target group gets no new connection, and the ones it has finish, before it is stopped. Here a task that the service's
  address no longer chooses (an older revision once the new one is healthy or the deployment ended, a rolled-back
  revision) is stopped TRACETRACK_EMULATOR_ECS_DEREGISTRATION_DELAY seconds later, and gunicorn's graceful stop
  finishes the requests it holds: no client connection is reset by a deployment.
- Service `loadBalancers[].advancedConfiguration.testListenerRule` (developer guide, "Amazon ECS blue/green
  deployments"): the test listener reaches the new revision's tasks from TEST_TRAFFIC_SHIFT on, before any production
  traffic does, so that they can be tried; after a rollback it reaches the older revision again. Here the service's
  test address (TRACETRACK_EMULATOR_ECS_TEST_ADDRESSES) forwards each connection to the newest task only (the one of
  the service's newest deployment, or the older one again once a rollback stopped it), from the moment it is started -
  not only from TEST_TRAFFIC_SHIFT: the address is there to try the revision being deployed.
- ContainerDefinition `logConfiguration` with the `awslogs` driver: the container's output goes to the log group
  `awslogs-group`, stream `<awslogs-stream-prefix>/<container name>/<task id>` (Amazon ECS developer guide, "Send
  Amazon ECS logs to CloudWatch"). Here a one-off task's output is written there when it ends (CloudWatch Logs
  PutLogEvents, one event per line), so that a caller reads what the task printed as it would on AWS.
- ContainerDefinition `memory`: optional for Fargate, where the task definition's `memory` is required. moto's RunTask
  fails (HTTP 500) on a container without it; here such a container counts 0 towards the task's reservation.

moto runs nothing: a service reports the running count MOTO_ECS_SERVICE_RUNNING says, and RunTask's tasks stop at
once with exit code 0. This is the local environment's stand-in for Fargate. Settings, read when the emulator starts
(tracetrack_emulator.control.local_settings sets them for the local environment):

    TRACETRACK_EMULATOR_ECS_TASKS=podman|docker|gunicorn   how tasks run: a container of the task definition's image
                          (pulled from its registry), or - without a container engine that runs images - the
                          application source (TRACETRACK_EMULATOR_ECS_APP_SOURCE, default app/) with the emulator's
                          own Python, as the image would run it. Unset: nothing runs (moto's behaviour above).
    TRACETRACK_EMULATOR_ECS_SERVICE_ADDRESSES=<service>=<host>:<port>[,...]   the services whose task runs here, and
                          the loopback address their clients use: the emulator listens there, as the service's load
                          balancer, from the service's first task on, and forwards each TCP connection to a task of
                          the service (see the deployment's weights above; while none runs, it answers 503 as a load
                          balancer without a healthy target does). One task per deployment whatever the desired count;
                          other services run nothing.
    TRACETRACK_EMULATOR_ECS_TEST_ADDRESSES=<service>=<host>:<port>[,...]   the service's test listener: a loopback
                          address the emulator listens on once the service's first task starts, forwarding each TCP
                          connection to the service's newest task (on the task's own address, see PORT, BIND_HOST
                          below), or answering 503 while it does not run; it stops with the service (DeleteService) and
                          the emulator, as the service's address does.
    TRACETRACK_EMULATOR_ECS_TASK_START_TIMEOUT=180   seconds a new task may take to pass its health check.
    TRACETRACK_EMULATOR_ECS_DEREGISTRATION_DELAY=1   seconds between the last connection sent to a task and its stop.
    TRACETRACK_EMULATOR_ECS_RUN_TASK_WAIT=30   seconds RunTask waits for a one-off task to end before it answers (AWS
                          answers at once; the wait spares the caller's waiter its polling interval).
    TRACETRACK_EMULATOR_TASK_DIR   where logs and the embedded database live (control.py sets it per emulator).

What differs on this machine from Fargate, all in the task's environment only, and why:
    PORT, BIND_HOST        the task shares the host's network (to reach the loopback servers), so it listens on an
                           address of its own in 127.0.0.0/8 with the service address's port instead of 0.0.0.0 and the
                           container port: the emulator checks its health and forwards the service's and the test
                           listener's connections there, as a load balancer reaches each target on its own address
    TRUSTED_PROXY_COUNT=0  no load balancer or CDN in front of it
    SESSION_COOKIE_SECURE  false: it answers plain HTTP on loopback
    DATABASE_URL, DATABASE_READ_URL   sslmode=disable instead of verify-full (and no sslrootcert): the loopback server
                           has no TLS (RDS forces it). When they do not name a loopback server (no PostgreSQL behind
                           the emulated RDS endpoint, see local_endpoints), DATABASE_URL is an SQLite file every task of
                           the cluster shares, and DATABASE_READ_URL is left out
    REDIS_URL              redis:// without the AUTH token instead of rediss://: the loopback server has neither TLS
                           nor a password (ElastiCache in-transit encryption has both); left out (the in-process
                           cache) when it names no loopback server
    APP_VERSION            gunicorn only: the image tag, which a built image carries itself
The values reach the process through its environment only, never its command line or the emulator's log.
"""

import contextlib
import itertools
import json
import os
import random
import re
import selectors
import signal
import socket
import socketserver
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from moto.ecs import models as ecs_models
from moto.logs.models import logs_backends
from moto.secretsmanager.models import secretsmanager_backends

from tracetrack_emulator.extensions import ecs as ecs_extension

RUNNER_VARIABLE = "TRACETRACK_EMULATOR_ECS_TASKS"
ADDRESSES_VARIABLE = "TRACETRACK_EMULATOR_ECS_SERVICE_ADDRESSES"
TEST_ADDRESSES_VARIABLE = "TRACETRACK_EMULATOR_ECS_TEST_ADDRESSES"
SOURCE_VARIABLE = "TRACETRACK_EMULATOR_ECS_APP_SOURCE"
START_TIMEOUT_VARIABLE = "TRACETRACK_EMULATOR_ECS_TASK_START_TIMEOUT"
RUN_TASK_WAIT_VARIABLE = "TRACETRACK_EMULATOR_ECS_RUN_TASK_WAIT"
DEREGISTRATION_DELAY_VARIABLE = "TRACETRACK_EMULATOR_ECS_DEREGISTRATION_DELAY"
TASK_DIR_VARIABLE = "TRACETRACK_EMULATOR_TASK_DIR"

REPO_ROOT = Path(__file__).resolve().parents[3]
LOOPBACK = ("127.0.0.1", "localhost", "::1")
HEALTH_URL = re.compile(r"https?://(?:127\.0\.0\.1|localhost)(?::\d+)?(/[^'\"\s]*)")
STOPPED_REASON = "Essential container in task exited"


def runner_kind() -> str:
    return os.environ.get(RUNNER_VARIABLE, "").strip()


def _addresses(variable: str) -> dict[str, tuple[str, int]]:
    addresses = {}
    for entry in filter(None, (part.strip() for part in os.environ.get(variable, "").split(","))):
        name, _separator, address = entry.partition("=")
        host, _separator, port = address.rpartition(":")
        if not name or not host or not port.isdigit():
            raise ValueError(f"{variable} entries are <service>=<host>:<port>, not {entry!r}")
        addresses[name] = (host, int(port))
    return addresses


def service_addresses() -> dict[str, tuple[str, int]]:
    """{service name: (host, port)} from TRACETRACK_EMULATOR_ECS_SERVICE_ADDRESSES."""
    return _addresses(ADDRESSES_VARIABLE)


def service_test_addresses() -> dict[str, tuple[str, int]]:
    """{service name: (host, port)} of the services' test listeners, from TRACETRACK_EMULATOR_ECS_TEST_ADDRESSES."""
    return _addresses(TEST_ADDRESSES_VARIABLE)


def task_dir() -> Path:
    return Path(os.environ.get(TASK_DIR_VARIABLE) or REPO_ROOT / ".local" / "emulator" / f"tasks-{os.getpid()}")


def _seconds(variable: str, default: float) -> float:
    return float(os.environ.get(variable) or default)


# --- the task's environment ---------------------------------------------------------------------------------------


def resolve_secret(account_id: str, region: str, value_from: str) -> str:
    """One `secrets[].valueFrom`: the whole secret, or one JSON key of it (AWSCURRENT unless a stage or version is named)."""
    parts = value_from.split(":")
    arn, key = ":".join(parts[:7]), parts[7] if len(parts) > 7 else ""
    stage = parts[8] if len(parts) > 8 and parts[8] else None
    version = parts[9] if len(parts) > 9 and parts[9] else None
    backend = secretsmanager_backends[account_id][parts[3] or region]
    value = backend.get_secret_value(secret_id=arn, version_id=version, version_stage=stage)["SecretString"]
    return str(json.loads(value).get(key, "")) if key else value


def container_environment(container: dict, account_id: str, region: str, overrides: dict | None = None) -> dict:
    """The container's variables as ECS gives them: `environment`, the override's, then the resolved `secrets`."""
    environment = {variable["name"]: str(variable["value"]) for variable in container.get("environment") or []}
    environment.update({variable["name"]: str(variable["value"]) for variable in (overrides or {}).get("environment") or []})
    for secret in container.get("secrets") or []:
        environment[secret["name"]] = resolve_secret(account_id, region, secret["valueFrom"])
    return environment


def _on_loopback(url: str) -> bool:
    try:
        return urlsplit(url).hostname in LOOPBACK
    except ValueError:
        return False


_probe_hosts = itertools.cycle(range(2, 255))


def probe_host() -> str:
    """A loopback address of a service task's own, where its health is checked (127.0.0.2-254, in turn)."""
    return f"127.0.0.{next(_probe_hosts)}"


def loopback_environment(environment: dict, database_dir: Path, address: tuple[str, int] | None, probe: str | None = None) -> dict:
    """The adjustments of this machine (the module's docstring says which and why)."""
    adjusted = dict(environment, TRUSTED_PROXY_COUNT="0", SESSION_COOKIE_SECURE="false")
    if address:
        adjusted.update(BIND_HOST=probe or address[0], PORT=str(address[1]))
    if _on_loopback(adjusted.get("DATABASE_URL", "")):
        for key in ("DATABASE_URL", "DATABASE_READ_URL"):
            if key in adjusted:
                adjusted[key] = without_tls(adjusted[key])
    else:
        adjusted.pop("DATABASE_READ_URL", None)
        adjusted["DATABASE_URL"] = f"sqlite:///{database_dir}/tracetrack.sqlite"
    redis = adjusted.get("REDIS_URL", "")
    if _on_loopback(redis):
        parts = urlsplit(redis)
        adjusted["REDIS_URL"] = urlunsplit(("redis", f"{parts.hostname}:{parts.port or 6379}", "/0", "", ""))
    else:
        adjusted.pop("REDIS_URL", None)
    adjusted.pop("REDIS_AUTH_TOKEN", None)
    return adjusted


def without_tls(url: str) -> str:
    """A PostgreSQL URL with sslmode=disable instead of its TLS settings (sslmode, sslrootcert)."""
    parts = urlsplit(url)
    query = [pair for pair in parts.query.split("&") if pair and not pair.startswith(("sslmode=", "sslrootcert="))]
    return urlunsplit(parts._replace(query="&".join([*query, "sslmode=disable"])))


def health_path(container: dict) -> str | None:
    """The path the container's health check asks for on its own address; None when it asks for none."""
    command = " ".join((container.get("healthCheck") or {}).get("command") or [])
    match = HEALTH_URL.search(command)
    return match.group(1) if match else None


# --- runners ------------------------------------------------------------------------------------------------------


class Runner:
    """Starts a task's process from an image and an environment; `process` is a Popen the emulator watches."""

    def start(self, name: str, image: str, environment: dict, command: list | None, log: Path, data_dir: Path) -> subprocess.Popen:
        raise NotImplementedError

    def stop(self, name: str, process: subprocess.Popen | None) -> None:
        if process is not None and process.poll() is None:
            try:
                os.killpg(process.pid, signal.SIGTERM)
                process.wait(timeout=30)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


class ContainerRunner(Runner):
    """podman or docker: `run` attached (the Popen ends when the container does), on the host's network."""

    def __init__(self, engine: str):
        self.engine = engine
        self.environment = dict(os.environ)
        if engine == "podman":
            # The project's podman configuration (runtime, storage under .local/).
            out = subprocess.run(["bash", "-c", ". scripts/containers/env.sh && env -0"], cwd=REPO_ROOT, capture_output=True, check=True).stdout
            self.environment = dict(item.split("=", 1) for item in out.decode().split("\0") if "=" in item)

    def _command(self, *arguments: str) -> list[str]:
        return [self.engine, *arguments]

    def start(self, name, image, environment, command, log, data_dir):
        self.remove(name)
        arguments = ["run", "--rm", "--name", name, "--network", "host", "--label", f"tracetrack.release={image.rsplit(':', 1)[-1]}"]
        if self.engine == "podman" and (urlsplit(f"//{image}").hostname or "") in LOOPBACK:
            arguments.append("--tls-verify=false")  # the loopback registry answers plain HTTP (docker assumes it)
        if environment.get("DATABASE_URL", "").startswith("sqlite:///"):
            arguments += ["--volume", f"{data_dir}:{data_dir}"]
        # Names only: the engine reads each value from its own environment, so no value is on a command line.
        arguments += [f"--env={key}" for key in sorted(environment)]
        with open(log, "ab") as output:
            return subprocess.Popen(
                self._command(*arguments, image, *(command or [])),
                env={**self.environment, **environment},
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def remove(self, name: str) -> None:
        subprocess.run(self._command("rm", "--force", "--time", "10", name), env=self.environment, capture_output=True, check=False, timeout=120)

    def stop(self, name, process):
        self.remove(name)
        super().stop(name, process)


class SourceRunner(Runner):
    """The application source with the emulator's own Python, whose environment has the application's requirements
    (`make venv` installs app/requirements.txt): the container's command, else gunicorn as the image runs it."""

    def __init__(self, source: Path):
        self.source = source

    def start(self, name, image, environment, command, log, data_dir):
        if command:
            argv = [sys.executable, *command[1:]] if command[0] in ("python", "python3") else list(command)
        else:
            argv = [sys.executable, "-m", "gunicorn", "--config=gunicorn.conf.py", "tracetrack.wsgi:app"]
        base = {key: os.environ[key] for key in ("PATH", "LANG", "SSL_CERT_FILE", "REQUESTS_CA_BUNDLE") if key in os.environ}
        # A home of the task's own: gunicorn keeps its control socket there, and two tasks of a service overlap.
        base["HOME"] = str(log.parent.parent / "home" / name)
        Path(base["HOME"]).mkdir(parents=True, exist_ok=True)
        with open(log, "ab") as output:
            return subprocess.Popen(
                argv,
                cwd=self.source,
                env={**base, "APP_VERSION": image.rsplit(":", 1)[-1], **environment},
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )


_runner_lock = threading.Lock()
_runners: dict[str, Runner] = {}


def runner() -> Runner:
    kind = runner_kind()
    with _runner_lock:
        if kind not in _runners:
            if kind in ("podman", "docker"):
                _runners[kind] = ContainerRunner(kind)
            elif kind == "gunicorn":
                _runners[kind] = SourceRunner(Path(os.environ.get(SOURCE_VARIABLE) or REPO_ROOT / "app"))
            else:
                raise ValueError(f"{RUNNER_VARIABLE} must be podman, docker or gunicorn, not {kind!r}")
        return _runners[kind]


# --- tasks --------------------------------------------------------------------------------------------------------


class LocalTask:
    """One task's process: started in the background, watched by the describe calls."""

    def __init__(self, name: str, cluster: str, image: str, environment: dict, command: list | None = None):
        self.name = name
        self.image = image
        self.command = command
        self.started = time.monotonic()
        self.process: subprocess.Popen | None = None
        self.error: str | None = None
        self.stopped = False
        directory = task_dir()
        self.log = directory / "logs" / f"{name}.log"
        self.data_dir = directory / "data" / cluster
        self.log.parent.mkdir(parents=True, exist_ok=True)
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.data_dir.chmod(0o777)  # the image's user, whatever its uid, writes the embedded database here
        self.environment = environment
        self.ready = threading.Event()
        threading.Thread(target=self._start, daemon=True).start()

    def _start(self) -> None:
        try:
            if not self.stopped:
                self.process = runner().start(self.name, self.image, self.environment, self.command, self.log, self.data_dir)
        except Exception as error:  # noqa: BLE001 - any failure to start is the task's stopped reason
            self.error = f"CannotStartContainerError: {error}"
        finally:
            self.ready.set()

    def exit_code(self) -> int | None:
        """None while the task runs (or starts); its exit code once it ended."""
        if not self.ready.is_set():
            return None
        if self.process is None:
            return 1 if self.error else 0
        return self.process.poll()

    def wait(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        self.ready.wait(timeout)
        while self.exit_code() is None and time.monotonic() < deadline:
            time.sleep(0.2)

    def stop(self) -> None:
        self.stopped = True
        self.ready.wait(600)
        runner().stop(self.name, self.process)


def wait_deregistration_delay() -> None:
    """The time between the last connection the service's address sent a task and the task's stop."""
    time.sleep(_seconds(DEREGISTRATION_DELAY_VARIABLE, 1))


def retire(tasks) -> None:
    """Tasks the service's address no longer chooses: stopped after the deregistration delay, in the background."""

    def stop_after_delay() -> None:
        wait_deregistration_delay()
        for task in tasks:
            task.stop()

    if tasks:
        threading.Thread(target=stop_after_delay, daemon=True).start()


class ServiceTask(LocalTask):
    """The task of a service's deployment, listening on `probe`, a loopback address of its own, at the port of the
    service's address (where the emulator listens for the service's clients)."""

    def __init__(self, deployment_id, address, probe, health, previous=(), keep_previous=False, **kwargs):
        self.deployment_id = deployment_id
        self.address = address
        self.probe = probe
        self.health = health
        self.healthy = False
        # The production traffic weight (percent) its deployment requests for it while it keeps older tasks.
        self.weight = 0.0
        # The older deployments' tasks: stopped once this one is healthy, or, with keep_previous (a deployment that
        # shifts traffic), once the deployment ends (release_previous) - unless it is rolled back (roll_back_task).
        self.previous = list(previous)
        self.keep_previous = keep_previous
        self.previous_stopped = threading.Event()
        super().__init__(**kwargs)

    def _stop_previous(self) -> None:
        try:
            wait_deregistration_delay()  # the service's address chooses this task already
            for task in self.previous:
                task.stop()
            self.previous = []
        finally:
            self.previous_stopped.set()

    def serving(self) -> "ServiceTask":
        """The task the service's address sends a new connection to: this one, or the older task it keeps - by the
        deployment's production weight while its traffic shifts, else once this one is healthy."""
        older = self.previous[0] if self.previous else None
        if older is None:
            return self
        if self.keep_previous:
            return self if random.uniform(0, 100) < self.weight else older  # noqa: S311 (traffic split, not a secret)
        return self if self.healthy else older

    def stop(self) -> None:
        super().stop()
        for task in self.previous:
            task.stop()

    def _answers(self) -> bool:
        port = self.address[1]
        host = self.probe
        try:
            with urllib.request.urlopen(f"http://{host}:{port}{self.health or '/'}", timeout=2) as response:  # noqa: S310 (loopback)
                return response.status < 400
        except urllib.error.HTTPError as error:
            return self.health is None and error.code < 500  # without a health check, answering at all is enough
        except OSError:
            return False

    def rollout(self) -> tuple[str, str]:
        """(rolloutState, reason) of the deployment this task belongs to."""
        code = self.exit_code()
        if self.error:
            return "FAILED", f"the task failed to start ({self.error}); see {self.log}"
        if code is not None:
            return "FAILED", f"the task stopped: {STOPPED_REASON} (exit code {code}); see {self.log}"
        if self.healthy or (self.ready.is_set() and self._answers()):
            if self.keep_previous:
                self.healthy = True
                return "COMPLETED", ""  # the new revision's tasks run; the deployment's lifecycle decides the rest
            if not self.healthy:
                self.healthy = True
                threading.Thread(target=self._stop_previous, daemon=True).start()
            # COMPLETED once the older tasks have stopped (ECS drains them before the deployment completes).
            return ("COMPLETED", "") if self.previous_stopped.is_set() else ("IN_PROGRESS", "")
        timeout = _seconds(START_TIMEOUT_VARIABLE, 180)
        if time.monotonic() - self.started > timeout:
            return "FAILED", f"the task did not pass its health check within {timeout:.0f} s; see {self.log}"
        return "IN_PROGRESS", ""


_lock = threading.RLock()
_service_tasks: dict[str, ServiceTask] = {}  # service ARN -> the task of its latest deployment
_one_off_tasks: dict[str, LocalTask] = {}  # task ARN -> its process
_listeners: dict[tuple[str, str], "ServiceListener"] = {}  # (service ARN, "production" or "test") -> its listener

NO_TARGET = (
    b"HTTP/1.1 503 Service Temporarily Unavailable\r\nContent-Type: text/plain\r\nContent-Length: 24\r\nConnection: close\r\n\r\n"
    b"no task of the service.\n"
)


# --- the service's address and its test listener -----------------------------------------------------------------


def production_task(service_arn: str) -> ServiceTask | None:
    """The task the service's address sends a new connection to (see ServiceTask.serving)."""
    task = _service_tasks.get(service_arn)
    return task.serving() if task is not None else None


def newest_task(service_arn: str) -> ServiceTask | None:
    """The task the test listener sends a new connection to: the one of the service's newest deployment."""
    return _service_tasks.get(service_arn)


class _Forward(socketserver.BaseRequestHandler):
    """One connection: copied both ways to the task the listener chooses until either side closes; a 503 when no task
    takes it (none runs yet, or it does not accept the connection), as a load balancer without a healthy target."""

    def handle(self) -> None:
        task = self.server.choose(self.server.service_arn)
        try:
            if task is None:
                raise ConnectionRefusedError
            backend = socket.create_connection((task.probe, task.address[1]), timeout=5)
        except OSError:
            with contextlib.suppress(OSError):
                self.request.sendall(NO_TARGET)
            return
        with backend, selectors.DefaultSelector() as selector:
            backend.settimeout(None)
            selector.register(self.request, selectors.EVENT_READ, backend)
            selector.register(backend, selectors.EVENT_READ, self.request)
            while True:
                for key, _events in selector.select():
                    try:
                        data = key.fileobj.recv(65536)
                        if data:
                            key.data.sendall(data)
                    except OSError:
                        data = b""
                    if not data:
                        return


class ServiceListener(socketserver.ThreadingTCPServer):
    """A service's address or its test address, served in a thread of its own; `choose` names the task of each
    connection."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 256  # clients connecting at once wait in the backlog, as at a load balancer

    def __init__(self, address: tuple[str, int], service_arn: str, choose):
        self.service_arn = service_arn
        self.choose = choose
        super().__init__(address, _Forward)
        threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True).start()

    def stop(self) -> None:
        self.shutdown()
        self.server_close()


def start_listeners(service) -> None:
    """The service's address and its test address (when it has one), unless they listen already."""
    kinds = (("production", service_addresses(), production_task), ("test", service_test_addresses(), newest_task))
    for kind, addresses, choose in kinds:
        address = addresses.get(service.name)
        if address is None or (service.arn, kind) in _listeners:
            continue
        try:
            _listeners[(service.arn, kind)] = ServiceListener(address, service.arn, choose)
        except OSError as error:
            print(f"ecs_tasks: the {kind} listener of {service.name} cannot listen on {address[0]}:{address[1]}: {error}", file=sys.stderr)


def stop_listeners(service_arn: str) -> None:
    with _lock:
        listeners = [_listeners.pop(key) for key in list(_listeners) if key[0] == service_arn]
    for listener in listeners:
        listener.stop()


def _app_container(definition, name: str | None = None) -> dict:
    """The container a task runs here: the one named, else the first essential container (sidecars do not run)."""
    containers = definition.container_definitions
    return next((c for c in containers if c.get("name") == name), None) or next((c for c in containers if c.get("essential", True)), containers[0])


def start_service_task(backend, service) -> None:
    """A new deployment of a service whose task runs here: stop the old task (one port), start the new one."""
    address = service_addresses().get(service.name)
    if not runner_kind() or address is None or not service.deployments:
        return
    deployment = service.deployments[0]
    definition = backend.describe_task_definition(service.task_definition)
    container = _app_container(definition)
    with _lock:
        # The service's address keeps choosing among the current tasks until the new one takes their place: it reads
        # _service_tasks without the lock, so the entry is replaced in one step and never missing (a 503 otherwise).
        previous = _service_tasks.get(service.arn)
        serving, retired = [], []
        if previous is not None:
            # A healthy task keeps serving until its successor is healthy; one that never was (a failed deployment, or a
            # deployment replaced before it finished) stops, with the older tasks it was still waiting to stop.
            # A healthy task still keeping older ones (its deployment shifted traffic and had not ended): they stop.
            serving = [previous] if previous.healthy else list(previous.previous)
            retired = list(previous.previous) if previous.healthy else [previous]
        environment = container_environment(container, backend.account_id, backend.region_name)
        cluster = service.cluster_arn.split("/")[-1]
        probe = probe_host()
        strategy = (getattr(service, "deployment_configuration", None) or {}).get("strategy")
        task = ServiceTask(
            deployment_id=deployment["id"],
            address=address,
            probe=probe,
            health=health_path(container),
            previous=serving,
            keep_previous=strategy in ecs_extension.TRAFFIC_SHIFTING and bool(serving),
            name=f"{service.name}-{address[1]}-{deployment['id'].rsplit('/', 1)[-1][-8:]}",
            cluster=cluster,
            image=container["image"],
            environment=loopback_environment(environment, task_dir() / "data" / cluster, address, probe),
            command=container.get("command"),
        )
        _service_tasks[service.arn] = task
        if previous is not None:
            previous.previous = []
        retire(retired)
        start_listeners(service)
    deployment.update(
        rolloutState="IN_PROGRESS",
        rolloutStateReason=f"ECS deployment {deployment['id']} in progress.",
        runningCount=0,
        pendingCount=deployment["desiredCount"],
    )


def release_previous(service) -> None:
    """A deployment that shifted traffic ended (CLEAN_UP): the older revision's tasks stop."""
    task = _service_tasks.get(service.arn)
    if task is not None and task.keep_previous:
        task.keep_previous = False
        threading.Thread(target=task._stop_previous, daemon=True).start()


def shift(service_arn: str, deployment_id: str, production: float) -> None:
    """The production traffic weight a deployment that shifts traffic requests for its new revision's task."""
    task = _service_tasks.get(service_arn)
    if task is not None and task.deployment_id == deployment_id:
        task.weight = production


def roll_back_task(service, deployment_id: str) -> None:
    """ECS rolled the deployment back: the older task it kept is the service's task again, and it stops."""
    with _lock:
        task = _service_tasks.get(service.arn)
        if task is None or task.deployment_id != deployment_id or not task.previous:
            return
        _service_tasks[service.arn] = task.previous[0]
        task.previous = []
    retire([task])


def stop_service_task(service) -> None:
    stop_listeners(service.arn)
    with _lock:
        task = _service_tasks.pop(service.arn, None)
    if task is not None:
        task.stop()


def stop_all() -> None:
    """Every task this emulator started (the emulator stops)."""
    for service_arn in {key[0] for key in list(_listeners)}:
        stop_listeners(service_arn)
    with _lock:
        tasks = list(_service_tasks.values()) + list(_one_off_tasks.values())
        _service_tasks.clear()
        _one_off_tasks.clear()
    # Side by side: each may take its stop timeout (the emulator's own stop waits for them, not for ever).
    stoppers = [threading.Thread(target=task.stop) for task in tasks]
    for stopper in stoppers:
        stopper.start()
    for stopper in stoppers:
        stopper.join(timeout=40)


# --- ECS operations -----------------------------------------------------------------------------------------------

_original_start_deployment = ecs_extension._start_deployment
_original_progress = ecs_extension._progress


def _start_deployment(service) -> None:
    _original_start_deployment(service)
    # A failed deployment has no task left to drain: once a newer one starts, ECS no longer lists it.
    service.deployments[1:] = [d for d in service.deployments[1:] if d.get("rolloutState") != "FAILED"]
    backend = ecs_models.ecs_backends[service._account_id][service.region_name]
    start_service_task(backend, service)


def _progress(service) -> None:
    """DescribeServices: the primary deployment's rollout follows its task here (ecs.py's pace otherwise)."""
    task = _service_tasks.get(service.arn)
    primary = service.deployments[0] if service.deployments else None
    if task is None or primary is None or primary["id"] != task.deployment_id or primary.get("rolloutState") != "IN_PROGRESS":
        return _original_progress(service)
    state, reason = task.rollout()
    if state == "COMPLETED":
        # ecs.py completes the deployment (counts, drained deployments, events) at its next step.
        ecs_extension._rollouts(service).setdefault(primary["id"], ecs_extension.DeploymentRollout())
        ecs_extension._rollouts(service)[primary["id"]]._status = "COMPLETED"
        return _original_progress(service)
    if state == "FAILED":
        primary.update(rolloutState="FAILED", rolloutStateReason=reason, runningCount=0, pendingCount=0, failedTasks=1)
        ecs_extension._add_event(service, f"(service {service.name}) (deployment {primary['id']}) deployment failed: {reason}")
    return None


def _wrap_create_service(original):
    def create_service(self, *args, **kwargs):
        service = original(self, *args, **kwargs)
        start_service_task(self, service)
        return service

    return create_service


def _wrap_delete_service(original):
    def delete_service(self, cluster_name, service_name, force):
        service = original(self, cluster_name, service_name, force)
        stop_service_task(service)
        return service

    return delete_service


def _wrap_resource_requirements(original):
    def calculate_task_resource_requirements(task_definition):
        containers = task_definition.container_definitions
        missing = [c for c in containers if not any(key in c for key in ("memory", "memoryReservation", "Memory", "MemoryReservation"))]
        for container in missing:
            container["memoryReservation"] = 0
        try:
            return original(task_definition)
        finally:
            for container in missing:
                container.pop("memoryReservation", None)

    return calculate_task_resource_requirements


def _set_status(task, status: str) -> None:
    # moto's tasks move through their states as they are described; a task run here holds the state its process has.
    task._transitions = [(status, status)]
    task.status = status


def _wrap_run_task(original):
    def run_task(self, cluster_str, task_definition_str, count, overrides, *args, **kwargs):
        tasks = original(self, cluster_str, task_definition_str, count, overrides, *args, **kwargs)
        if not runner_kind():
            return tasks
        definition = self.describe_task_definition(task_definition_str)
        container_overrides = (overrides or {}).get("containerOverrides") or [{}]
        container = _app_container(definition, container_overrides[0].get("name"))
        environment = container_environment(container, self.account_id, self.region_name, container_overrides[0])
        started = []
        for task in tasks:
            cluster = task.cluster_name
            local = LocalTask(
                name=f"{definition.family}-{task.id}",
                cluster=cluster,
                image=container["image"],
                environment=loopback_environment(environment, task_dir() / "data" / cluster, None),
                command=container_overrides[0].get("command") or container.get("command"),
            )
            local.awslogs = (self.account_id, self.region_name, container.get("name"), container.get("logConfiguration"), task.id)
            with _lock:
                _one_off_tasks[task.task_arn] = local
            _set_status(task, "RUNNING")
            started.append((task, local))
        deadline = time.monotonic() + _seconds(RUN_TASK_WAIT_VARIABLE, 30)
        for task, local in started:
            local.wait(max(0.0, deadline - time.monotonic()))
            _describe_one_off(task)
        return tasks

    return run_task


def _describe_one_off(task) -> None:
    local = _one_off_tasks.get(task.task_arn)
    if local is None:
        return
    code = local.exit_code()
    if code is None:
        _set_status(task, "RUNNING")
        return
    _set_status(task, "STOPPED")
    task.desired_status = "STOPPED"
    task.stop_code = "EssentialContainerExited"
    task.stopped_reason = f"{STOPPED_REASON}{': ' + local.error if local.error else ''}"
    for container in task.containers:
        container.exitCode = code
        container.last_status = "STOPPED"
    send_output_to_awslogs(local)
    with _lock:
        _one_off_tasks.pop(task.task_arn, None)
    task._tracetrack_stopped = True


def send_output_to_awslogs(local) -> None:
    """The ended one-off task's output, one event per line, in its awslogs group and stream (when it has them)."""
    account_id, region, container_name, log_configuration, task_id = getattr(local, "awslogs", (None,) * 5)
    if not log_configuration or log_configuration.get("logDriver") != "awslogs" or not local.log.is_file():
        return
    options = log_configuration.get("options") or {}
    group, prefix = options.get("awslogs-group"), options.get("awslogs-stream-prefix")
    if not group or not prefix:
        return
    backend = logs_backends[account_id][options.get("awslogs-region") or region]
    stream = f"{prefix}/{container_name}/{task_id}"
    if group not in backend.groups:
        return  # AWS: the task fails to start without its group (awslogs-create-group not set); nothing to write here
    if stream not in backend.groups[group].streams:
        backend.create_log_stream(group, stream)
    now = int(time.time() * 1000)
    lines = [line for line in local.log.read_text(errors="replace").splitlines() if line.strip()]
    if lines:
        backend.put_log_events(group, stream, [{"timestamp": now, "message": line} for line in lines])


def _wrap_describe_tasks(original):
    def describe_tasks(self, cluster_str, tasks):
        found = original(self, cluster_str, tasks)
        for task in found:
            _describe_one_off(task)
        return found

    return describe_tasks


def apply() -> None:
    ecs_extension._start_deployment = _start_deployment
    ecs_extension._progress = _progress
    backend = ecs_models.EC2ContainerServiceBackend
    backend.create_service = _wrap_create_service(backend.create_service)
    backend.delete_service = _wrap_delete_service(backend.delete_service)
    backend.run_task = _wrap_run_task(backend.run_task)
    # A static method of moto's backend.
    backend._calculate_task_resource_requirements = staticmethod(_wrap_resource_requirements(backend._calculate_task_resource_requirements))
    backend.describe_tasks = _wrap_describe_tasks(backend.describe_tasks)
