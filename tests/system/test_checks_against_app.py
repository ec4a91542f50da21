"""health_check and scaling_check through ansible-playbook against a TraceTrack the test starts.

The application runs under gunicorn (or the Flask development server when gunicorn is missing) on a free
loopback port, with SQLite and the in-process cache (no PostgreSQL, no Redis). It needs an interpreter
that can import the application's dependencies: TRACETRACK_APP_PYTHON, else the interpreter running the
tests, else the project venv's. Without one, every test here is skipped and says why.
"""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.support.clients import emulator_client
from tests.support.playbook import REPO_ROOT, run_playbook

PLAYBOOK = "tests/system/playbooks/checks.yml"
# The last task of each check shows its registered result (ansible.builtin.debug, as JSON with the setting below).
RESULT_TASK = "TASK [Show the result for the test]"
APP_DIR = REPO_ROOT / "app"
CLUSTER = "tracetrack-checks"
SERVICE = "tracetrack-web"
METRICS_TOKEN = "checks-metrics-token"  # what the scaling check must send: the app runs as in production


def _imports(python: str, modules: str) -> bool:
    env = dict(os.environ, PYTHONPATH=str(APP_DIR))
    probe = subprocess.run(
        [python, "-c", f"import {modules}"], env=env, capture_output=True, text=True, cwd=APP_DIR, check=False
    )
    return probe.returncode == 0


def find_app_python() -> tuple[str | None, str]:
    """An interpreter that imports the application, and why none was found otherwise."""
    if not (APP_DIR / "tracetrack" / "__init__.py").is_file():
        return None, f"{APP_DIR / 'tracetrack'} does not exist yet"
    candidates = [os.environ.get("TRACETRACK_APP_PYTHON"), sys.executable, str(REPO_ROOT / ".venv" / "bin" / "python")]
    tried = []
    for python in dict.fromkeys(c for c in candidates if c):
        if Path(python).exists() and _imports(python, "tracetrack.wsgi"):
            return python, ""
        tried.append(python)
    return None, (
        f"no interpreter imports tracetrack with its dependencies (tried {', '.join(tried)}); "
        "install app/requirements.txt (make venv) or set TRACETRACK_APP_PYTHON"
    )


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_live(url: str, process: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the application exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.2)
    raise RuntimeError(f"the application did not answer {url} within {timeout:.0f} s:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="module")
def running_app(tmp_path_factory):
    """TraceTrack on a free loopback port: its base URL."""
    python, reason = find_app_python()
    if python is None:
        print(f"\nSKIPPED the health/scaling checks against the application: {reason}", file=sys.stderr)
        pytest.skip(reason)
    workdir = tmp_path_factory.mktemp("tracetrack-app")
    port = free_port()
    env = dict(
        os.environ,
        PYTHONPATH=str(APP_DIR),
        HOME=str(workdir),  # gunicorn keeps a control socket under HOME; one per instance
        TRACETRACK_ENV="production",
        SECRET_KEY="checks-only-secret",
        METRICS_TOKEN=METRICS_TOKEN,
        DATABASE_URL=f"sqlite:///{workdir / 'tracetrack.sqlite'}",
        DB_AUTO_MIGRATE="true",
        REDIS_URL="",
        WEB_CONCURRENCY="1",
        GUNICORN_THREADS="4",
        GUNICORN_GRACEFUL_TIMEOUT="3",
        ACCESS_LOG="false",
        LOG_LEVEL="WARNING",
    )
    if _imports(python, "gunicorn"):
        # As in production (app/README.md): gunicorn with the image's settings, on loopback.
        config = str(APP_DIR / "gunicorn.conf.py")
        command = [python, "-m", "gunicorn", "-c", config, "--bind", f"127.0.0.1:{port}", "tracetrack.wsgi:app"]
    else:
        env["TRACETRACK_ENV"] = "development"
        command = [python, "-m", "tracetrack", "run", "--host", "127.0.0.1", "--port", str(port)]
    log = workdir / "app.log"
    with open(log, "wb") as output:
        process = subprocess.Popen(
            command,
            cwd=APP_DIR,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_until_live(f"{base_url}/health", process, log)
        yield base_url
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def shown_result(stdout, variable):
    """The value of ``variable`` as the result task shows it, or None when the run did not get that far."""
    task = stdout.find(RESULT_TASK)
    start = stdout.find("=> {", task) if task >= 0 else -1
    if start < 0:
        return None
    shown, _end = json.JSONDecoder().raw_decode(stdout, start + len("=> "))
    value = shown.get(variable)
    return value if isinstance(value, dict) else None  # a variable never registered shows as a message


def run_checks(tag, base_url, emulator_url=None, extra_vars=None, args=None):
    variables = {"checks_base_url": base_url, **(extra_vars or {})}
    run = run_playbook(
        PLAYBOOK,
        "local",
        emulator_url,
        extra_vars=variables,
        args=["--tags", tag, *(args or [])],
        env={"ANSIBLE_CALLBACK_RESULT_FORMAT": "json"},
    )
    return run, shown_result(run.stdout, f"checks_{tag}")


def test_healthy_application_passes_with_latency_figures(running_app):
    run, result = run_checks("healthy", running_app)
    assert run.returncode == 0, run.explain()
    assert run.changed == 0, run.explain()
    assert result is not None, run.explain()
    assert result["healthy"] is True
    assert result["broken_thresholds"] == []
    by_path = {target["url"].removeprefix(running_app): target for target in result["targets"]}
    assert set(by_path) == {"/health", "/health/elb"}
    for target in by_path.values():
        assert target["status_codes"] == [200] * 5
        latency = target["latency_ms"]
        assert 0 < latency["min"] <= latency["p50"] <= latency["p95"] <= latency["max"]
    assert by_path["/health/elb"]["json"]["components"]["database"]["status"] == "ok"


def test_failing_condition_fails_and_names_the_threshold(running_app):
    run, result = run_checks("failing", running_app)
    assert run.returncode == 0, run.explain()  # the playbook expects the failure (rescue) and asserts on it
    assert run.failed == 0 and run.rescued == 1, run.explain()
    assert result is not None, run.explain()
    assert result["failed"] is True
    url = f"{running_app}/health/elb"
    assert result["msg"].startswith("Health check failed after 1 attempt ")
    assert f"{url}: p95 latency " in result["msg"]
    assert " ms > 0.001 ms" in result["msg"]
    version = result["targets"][0]["json"]["version"]
    assert f'{url}: version is "{version}", expected "0.0.0-not-deployed"' in result["msg"]
    thresholds = sorted(problem["threshold"] for problem in result["broken_thresholds"])
    assert thresholds == ["condition", "p95_latency"]


@pytest.fixture
def ecs_service(emulator):
    """An ECS service of two tasks in the emulator, for scaling_check to read."""
    ecs = emulator_client(emulator, "ecs")
    ecs.create_cluster(clusterName=CLUSTER)
    definition = ecs.register_task_definition(
        family="tracetrack-checks",
        containerDefinitions=[{"name": "web", "image": "tracetrack:checks", "memory": 512, "essential": True}],
        requiresCompatibilities=["FARGATE"],
        networkMode="awsvpc",
        cpu="256",
        memory="512",
    )["taskDefinition"]["taskDefinitionArn"]
    ecs.create_service(cluster=CLUSTER, serviceName=SERVICE, taskDefinition=definition, desiredCount=2)
    yield ecs
    ecs.update_service(cluster=CLUSTER, service=SERVICE, desiredCount=0)
    ecs.delete_service(cluster=CLUSTER, service=SERVICE, force=True)


def test_scaling_check_recommends_within_bounds_and_check_mode_changes_nothing(running_app, emulator, ecs_service):
    run, result = run_checks(
        "scaling",
        running_app,
        emulator.url,
        extra_vars={
            "checks_ecs_cluster": CLUSTER,
            "checks_ecs_service": SERVICE,
            "checks_min_capacity": 1,
            "checks_max_capacity": 4,
            "checks_metrics_token": METRICS_TOKEN,
        },
        args=["--check"],
    )
    assert run.returncode == 0, run.explain()
    assert result is not None, run.explain()
    decision = result["decision"]
    assert decision["current"] == 2
    assert 1 <= decision["recommended"] <= 4
    assert decision["action"] in ("scale_out", "scale_in", "hold")
    assert any(reason.startswith("app sample ") for reason in decision["reasons"]), decision["reasons"]
    assert len(result["app_metrics"]) == 2
    assert "recommendation" in result["app_metrics"][0]
    assert result["applied"] is False
    # Check mode says whether apply would change the count, and changes nothing.
    assert result["changed"] is (decision["recommended"] != 2)
    assert run.calls.writes == [], run.calls.writes
    assert "ecs:DescribeServices" in run.calls.reads
    service = ecs_service.describe_services(cluster=CLUSTER, services=[SERVICE])["services"][0]
    assert service["desiredCount"] == 2
