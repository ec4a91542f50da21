"""Start, stop and inspect the emulator as a background process owned by this project.

State (pid file, log) lives in a git-ignored folder, by default `.local/emulator` at the repo root.
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from tracetrack_emulator import DEFAULT_HOST, DEFAULT_PORT

REPO_ROOT = Path(__file__).resolve().parents[2]


# The local environment (inventories/local): the service whose task runs on this machine, and where the application,
# its test listener (the newest task only: the revision a blue/green, canary or linear deployment is trying, the older
# one again after a rollback) and the registry that stands in for ECR listen, derived from the emulator's port so that
# environments on one machine with their own EMULATOR_PORT never share them (5100: application 8100, test listener
# 8101, registry 5500).
LOCAL_SERVICE = "tracetrack-local-web"
APP_PORT_OFFSET = 3000
TEST_PORT_OFFSET = APP_PORT_OFFSET + 1
REGISTRY_PORT_OFFSET = 400


class EmulatorError(RuntimeError):
    pass


def _answers(address: str) -> bool:
    host, _separator, port = address.rpartition(":")
    try:
        with socket.create_connection((host, int(port)), timeout=2):
            return True
    except (OSError, ValueError):
        return False


def _task_engine() -> str:
    """How tasks run here, as the release role picks its engine: podman, else docker with a daemon, else gunicorn."""
    if shutil.which("podman"):
        return "podman"
    if shutil.which("docker") and subprocess.run(["docker", "info"], capture_output=True, check=False).returncode == 0:
        return "docker"
    return "gunicorn"


def local_settings(port: int, app_port: int | None = None, registry_port: int | None = None, test_port: int | None = None) -> tuple[dict, list[str]]:
    """The emulator's settings for the local environment, and what they mean in words.

    The emulated RDS instance and ElastiCache group report the loopback PostgreSQL and Redis as their endpoints when
    these answer (LOCAL_POSTGRES / LOCAL_REDIS, host:port, choose other servers; extension local_endpoints); the web
    service's task runs on this machine (extension ecs_tasks); ECR's repositories live in a loopback registry
    (extension ecr) when docker-registry is installed (scripts/system-deps.sh container). The service's test listener
    is on the application's port + 1 (`test_port` chooses another).
    """
    settings, notes = {}, []
    postgres = os.environ.get("LOCAL_POSTGRES") or "127.0.0.1:5432"
    redis = os.environ.get("LOCAL_REDIS") or "127.0.0.1:6379"
    if _answers(postgres):
        settings["TRACETRACK_EMULATOR_RDS_ENDPOINT"] = postgres
        notes.append(f"PostgreSQL answers on {postgres}: the emulated RDS instance reports it as its endpoint")
    else:
        notes.append(f"no PostgreSQL on {postgres}: the application runs on an embedded SQLite database")
    if _answers(redis):
        settings["TRACETRACK_EMULATOR_ELASTICACHE_ENDPOINT"] = redis
        notes.append(f"Redis answers on {redis}: the emulated replication group reports it as its endpoint")
    else:
        notes.append(f"no Redis on {redis}: the application uses its in-process cache")
    engine = os.environ.get("TRACETRACK_EMULATOR_ECS_TASKS") or _task_engine()
    address = f"{DEFAULT_HOST}:{app_port or port + APP_PORT_OFFSET}"
    settings["TRACETRACK_EMULATOR_ECS_TASKS"] = engine
    settings["TRACETRACK_EMULATOR_ECS_SERVICE_ADDRESSES"] = f"{LOCAL_SERVICE}={address}"
    notes.append(
        f"the ECS service {LOCAL_SERVICE} runs its task on http://{address} "
        + ("as a container of its image" if engine != "gunicorn" else "as the source on gunicorn (no container engine)")
    )
    # The application's port + 1 (port + TEST_PORT_OFFSET), whichever port the application has.
    test_address = f"{DEFAULT_HOST}:{test_port or (app_port or port + APP_PORT_OFFSET) + TEST_PORT_OFFSET - APP_PORT_OFFSET}"
    settings["TRACETRACK_EMULATOR_ECS_TEST_ADDRESSES"] = f"{LOCAL_SERVICE}={test_address}"
    notes.append(
        f"its test listener http://{test_address} reaches the newest task only: during a blue/green, canary or linear "
        "deployment the new revision, after a rollback the previous one"
    )
    if shutil.which("docker-registry"):
        settings["TRACETRACK_EMULATOR_ECR_REGISTRY"] = f"{DEFAULT_HOST}:{registry_port or port + REGISTRY_PORT_OFFSET}"
        notes.append(f"ECR repositories are in the loopback registry {settings['TRACETRACK_EMULATOR_ECR_REGISTRY']}")
    return settings, notes


_handed_out: set[int] = set()  # the ports this process chose already (a caller may not have bound them yet)


def _ephemeral_start() -> int:
    """The lowest port the kernel gives outgoing connections (net.ipv4.ip_local_port_range; Linux's default 32768)."""
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def _bindable(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind((DEFAULT_HOST, port))
        except OSError:
            return False
    return True


def free_loopback_port() -> int:
    """A port nothing listens on now, for an emulator of a test or benchmark run's own, with the ports derived from it
    (the registry's, the application's and its test listener's) free as well.

    Chosen below the range the kernel hands out as the local ports of outgoing connections: a port from that range
    (what binding port 0 gives) can be taken by any client's connection before the server meant for it starts - the
    emulated ECR's registry once found its port so taken by one of the connections the modules make to the emulator."""
    import random

    derived = (0, REGISTRY_PORT_OFFSET, APP_PORT_OFFSET, TEST_PORT_OFFSET)
    highest = _ephemeral_start() - max(derived) - 1
    for _attempt in range(200):
        port = random.randint(10000, highest)  # noqa: S311 - a port, not a secret
        ports = {port + offset for offset in derived}
        if not ports & _handed_out and all(_bindable(candidate) for candidate in ports):
            _handed_out.update(ports)
            return port
    raise EmulatorError(f"no free loopback port between 10000 and {highest} (and its derived ports)")


class Emulator:
    def __init__(self, host: str | None = None, port: int | None = None, state_dir: str | None = None, environment: dict | None = None):
        """`environment`: variables the server process gets besides this process's own (the emulator's settings,
        such as TRACETRACK_EMULATOR_RDS_ENDPOINT), so that a caller never changes its own environment for them."""
        self.environment = dict(environment or {})
        self.host = host or os.environ.get("EMULATOR_HOST", DEFAULT_HOST)
        self.port = int(port or os.environ.get("EMULATOR_PORT", DEFAULT_PORT))
        self.state_dir = Path(state_dir or os.environ.get("EMULATOR_STATE_DIR", REPO_ROOT / ".local" / "emulator"))
        if not self.host.startswith("127.") and self.host not in ("localhost", "::1"):
            raise EmulatorError(f"the emulator listens on loopback only, not on {self.host}")

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def pid_file(self) -> Path:
        return self.state_dir / f"emulator-{self.port}.pid"

    @property
    def log_file(self) -> Path:
        return self.state_dir / f"emulator-{self.port}.log"

    def pid(self) -> int | None:
        try:
            pid = int(self.pid_file.read_text().strip())
        except (FileNotFoundError, ValueError):
            return None
        try:
            # A server this process started stays a zombie until reaped: reap it if it has exited.
            if os.waitpid(pid, os.WNOHANG)[0] == pid:
                return None
        except ChildProcessError:
            pass
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        return pid

    def ready(self, timeout: float = 5) -> bool:
        # /moto-api/config is answered without walking the emulated resources (data.json is not).
        try:
            with urllib.request.urlopen(f"{self.url}/moto-api/config", timeout=timeout) as response:
                return 200 <= response.status < 300
        except (urllib.error.URLError, OSError):
            return False

    def start(self, timeout: float = 60) -> str:
        running = self.pid()
        if running:
            # Ours and alive: it may only be busy, so give it the whole timeout to answer.
            if self.ready(timeout=timeout):
                return f"emulator already running at {self.url} (pid {running})"
            raise EmulatorError(f"emulator (pid {running}) does not answer at {self.url}; see {self.log_file}")
        if self.ready():
            raise EmulatorError(f"port {self.port} already answers but is not this project's emulator")
        self.state_dir.mkdir(parents=True, exist_ok=True)
        env = dict(os.environ, **self.environment)
        # Where the tasks the emulator runs keep their logs and embedded databases (extension ecs_tasks).
        env.setdefault("TRACETRACK_EMULATOR_TASK_DIR", str(self.state_dir / f"tasks-{self.port}"))
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO_ROOT / "emulator"), env.get("PYTHONPATH")]))
        with open(self.log_file, "ab") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", "tracetrack_emulator", "serve", "--host", self.host, "--port", str(self.port)],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=env,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise EmulatorError(f"emulator exited with {process.returncode}; see {self.log_file}")
            if self.ready(timeout=2):
                # Recorded only once it answers, so a failed start never hides a running emulator.
                self.pid_file.write_text(str(process.pid))
                return f"emulator running at {self.url} (pid {process.pid}, log {self.log_file})"
            time.sleep(0.2)
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
        raise EmulatorError(f"emulator did not answer within {timeout:.0f}s; see {self.log_file}")

    def stop(self, timeout: float = 45) -> str:
        """SIGTERM, then SIGKILL after `timeout` seconds; the emulator stops the tasks it runs first (gunicorn's
        graceful stop takes up to 25 s)."""
        pid = self.pid()
        if pid is None:
            self.pid_file.unlink(missing_ok=True)
            return "emulator not running"
        # The server runs in its own session: signal the whole process group so nothing is left behind.
        os.killpg(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.pid() is not None:
            time.sleep(0.1)
        if self.pid() is not None:
            os.killpg(pid, signal.SIGKILL)
        self.pid_file.unlink(missing_ok=True)
        return f"emulator stopped (pid {pid})"

    def reset(self) -> str:
        """Forget every resource (POST /moto-api/reset)."""
        request = urllib.request.Request(f"{self.url}/moto-api/reset", method="POST")
        # A reset stops what the emulator runs (ECS tasks, the registry): on a busy machine that takes seconds.
        with urllib.request.urlopen(request, timeout=60):
            pass
        return f"emulator at {self.url} reset"

    def status(self) -> dict:
        return {"url": self.url, "pid": self.pid(), "ready": self.ready(), "log": str(self.log_file)}

    def status_text(self) -> str:
        return json.dumps(self.status())
