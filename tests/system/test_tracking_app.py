"""The application's release (role tracetrack.aws.tracking_app, playbooks deploy.yml and rollback.yml) end to end
in the local environment: the stack from site.yml in an emulator of this module's own, the image built with podman
and pushed to a loopback registry of its own, the release running as the local stand-in for the Fargate task.

The tests share one converged environment and run in order, each starting from what the one before left:
first release -> re-run changes nothing -> a good new version -> a version that fails the health gate (rolled
back) -> rollback.yml to the version before.

Needs podman (scripts/system-deps.sh container); without it every test here is skipped, with the reason. With
PostgreSQL and Redis on loopback the stand-in uses them (a database of this module's own, dropped at the end);
without, SQLite and the in-process cache.
"""

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from tests.conftest import REPO_ROOT
from tests.support.clients import emulator_client
from tests.support.aws_calls import record_calls
from tests.support.playbook import PlaybookRun, ansible_env, emulator_vars, run_playbook
from tracetrack_emulator.control import Emulator, free_loopback_port

PREFIX = "tracetrack-local"
SERVICE = f"{PREFIX}-web"
VERSION_PARAMETER = f"/{PREFIX}/app/version"
PREVIOUS_PARAMETER = f"/{PREFIX}/app/previous-version"
LOCAL_POSTGRES = ("127.0.0.1", 5432)
LOCAL_REDIS = ("127.0.0.1", 6379)


def say(message: str) -> None:
    print(f"[tracking-app] {message}", file=sys.stderr)


def answers(address: tuple[str, int]) -> bool:
    try:
        with socket.create_connection(address, timeout=1):
            return True
    except OSError:
        return False


def get_json(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (loopback URL)
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, {}
    except (OSError, ValueError) as error:
        return 0, {"error": repr(error)}


def podman_env() -> dict:
    out = subprocess.run(["bash", "-c", ". scripts/containers/env.sh && env -0"], cwd=REPO_ROOT, capture_output=True, check=True).stdout
    return dict(item.split("=", 1) for item in out.decode().split("\0") if "=" in item)


@pytest.fixture(scope="module")
def podman():
    if shutil.which("podman") is None:
        reason = "podman is not installed: the release tests did not run (scripts/system-deps.sh container)"
        say(f"SKIPPED: {reason}")
        pytest.skip(reason)
    env = podman_env()
    info = subprocess.run(["podman", "info"], env=env, capture_output=True, text=True, timeout=60, check=False)
    if info.returncode != 0:
        reason = f"podman is not usable here, the release tests did not run: {info.stderr.strip()[-300:]}"
        say(f"SKIPPED: {reason}")
        pytest.skip(reason)
    return env


@pytest.fixture(scope="module")
def local_emulator():
    """An emulator of this module's own, reporting the loopback PostgreSQL/Redis as RDS/ElastiCache endpoints
    when they answer (as scripts/deploy.sh starts it for the local environment)."""
    variables = {}
    if answers(LOCAL_POSTGRES):
        variables["TRACETRACK_EMULATOR_RDS_ENDPOINT"] = "%s:%d" % LOCAL_POSTGRES
    else:
        say(f"no PostgreSQL on {LOCAL_POSTGRES}: the stand-in runs on SQLite")
    if answers(LOCAL_REDIS):
        variables["TRACETRACK_EMULATOR_ELASTICACHE_ENDPOINT"] = "%s:%d" % LOCAL_REDIS
    else:
        say(f"no Redis on {LOCAL_REDIS}: the stand-in uses the in-process cache")
    saved = {name: os.environ.get(name) for name in variables}
    os.environ.update(variables)
    instance = Emulator(port=free_loopback_port(), state_dir=str(REPO_ROOT / ".local" / "test-emulator"))
    try:
        instance.start()
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    yield instance
    instance.stop()


@pytest.fixture(scope="module")
def stack(podman, local_emulator):
    """site.yml + deploy.yml converged once; ports, registry and database of this module's own."""
    local_port, registry_port = free_loopback_port(), free_loopback_port()
    database = f"tt_{secrets.token_hex(4)}"
    extra_vars = {"tracking_app_local_port": local_port, "tracking_app_registry_port": registry_port, "database_db_name": database}
    state = {"url": f"http://127.0.0.1:{local_port}", "extra_vars": extra_vars, "emulator": local_emulator}
    started = time.monotonic()
    run = site_and_deploy(local_emulator.url, extra_vars)
    say(f"site.yml + deploy.yml took {time.monotonic() - started:.0f} s")
    state["first_run"] = run
    yield state
    container = f"{PREFIX}-web-{local_port}"
    subprocess.run(["podman", "rm", "--force", "--time", "5", container], env=podman, capture_output=True, check=False)
    registry_env = dict(podman, REGISTRY_PORT=str(registry_port), REGISTRY_DIR=str(REPO_ROOT / ".local" / f"registry-{registry_port}"))
    subprocess.run(["scripts/containers/registry.sh", "stop"], cwd=REPO_ROOT, env=registry_env, capture_output=True, check=False)
    shutil.rmtree(REPO_ROOT / ".local" / f"registry-{registry_port}", ignore_errors=True)
    if answers(LOCAL_POSTGRES):
        subprocess.run(
            ["psql", "-h", LOCAL_POSTGRES[0], "-U", "postgres", "-d", "postgres", "-c", f"DROP DATABASE IF EXISTS {database} WITH (FORCE)"],
            capture_output=True,
            check=False,
        )


def site_and_deploy(emulator_url: str, extra_vars: dict) -> PlaybookRun:
    """What `make deploy` runs: site.yml then deploy.yml in one ansible-playbook run (one recap each)."""
    command = [
        "ansible-playbook", "-i", str(REPO_ROOT / "inventories" / "local"),
        str(REPO_ROOT / "playbooks/site.yml"), str(REPO_ROOT / "playbooks/deploy.yml"),
        "-e", json.dumps({**emulator_vars(emulator_url), **extra_vars}),
    ]
    with record_calls(emulator_url) as calls:
        result = subprocess.run(command, cwd=REPO_ROOT, env=ansible_env(emulator_url), capture_output=True, text=True, check=False)
    return PlaybookRun(result.returncode, result.stdout, result.stderr, calls)


def deploy(stack, playbook="playbooks/deploy.yml", **extra):
    started = time.monotonic()
    run = run_playbook(playbook, emulator_url=stack["emulator"].url, extra_vars={**stack["extra_vars"], **extra})
    say(f"{playbook} {extra or ''} took {time.monotonic() - started:.0f} s")
    return run


def recorded(stack) -> dict:
    ssm = emulator_client(stack["emulator"], "ssm")
    values = {}
    for name in (VERSION_PARAMETER, PREVIOUS_PARAMETER):
        try:
            values[name] = ssm.get_parameter(Name=name)["Parameter"]["Value"]
        except ssm.exceptions.ParameterNotFound:
            values[name] = None
    ecs = emulator_client(stack["emulator"], "ecs")
    service = ecs.describe_services(cluster=PREFIX, services=[SERVICE], include=["TAGS"])["services"][0]
    values["tag"] = {t["key"]: t["value"] for t in service.get("tags", [])}.get("AppVersion")
    values["task_definition"] = service["taskDefinition"]
    # ListTaskDefinitions with status ACTIVE, newest last: what the service role and the next release compare against.
    values["latest_active"] = ecs.list_task_definitions(familyPrefix=SERVICE, status="ACTIVE", sort="ASC")["taskDefinitionArns"][-1]
    return values


def serving(stack) -> str:
    status, body = get_json(f"{stack['url']}/health")
    assert status == 200, body
    return body["version"]


def test_first_release_serves_and_is_recorded(stack):
    run = stack["first_run"]
    assert run.returncode == 0, run.explain()
    version = serving(stack)
    stack["v1"] = version
    state = recorded(stack)
    assert state[VERSION_PARAMETER] == version
    assert state["tag"] == version
    assert state["task_definition"] == state["latest_active"]
    # The summary names the URL and the health gate's figures; no secret value reaches the output.
    assert f"url: {stack['url']}/" in run.stdout
    assert "p95" in run.stdout and "p50" in run.stdout
    assert "sslmode=" not in run.stdout and "rediss://" not in run.stdout


def test_rerun_with_no_change_changes_nothing(stack):
    run = site_and_deploy(stack["emulator"].url, stack["extra_vars"])
    assert run.returncode == 0, run.explain()
    assert run.changed == 0, run.explain()
    assert run.calls.writes == [], run.calls.writes
    assert serving(stack) == stack["v1"]


def test_good_new_version_gets_a_new_revision_and_is_recorded(stack):
    before = recorded(stack)
    version = f"{stack['v1']}-next"
    run = deploy(stack, app_image_tag=version)
    assert run.returncode == 0, run.explain()
    after = recorded(stack)
    assert int(after["task_definition"].rsplit(":", 1)[1]) > int(before["task_definition"].rsplit(":", 1)[1])
    assert serving(stack) == version
    assert after[VERSION_PARAMETER] == version and after["tag"] == version
    assert after[PREVIOUS_PARAMETER] == stack["v1"]
    stack["v2"] = version


def test_failing_version_is_rolled_back_and_names_the_threshold(stack, tmp_path):
    """A release whose readiness answers 503 (its database URL points nowhere) fails the gate and is rolled back."""
    source = tmp_path / "app"
    shutil.copytree(REPO_ROOT / "app", source, ignore=shutil.ignore_patterns("instance", "__pycache__", ".pytest_cache", "tests"))
    with open(source / "gunicorn.conf.py", "a") as config:
        config.write('\nos.environ["DATABASE_URL"] = "postgresql://nobody@127.0.0.1:9/none"  # a broken release\n')
    before = recorded(stack)
    run = deploy(stack, app_image_tag=f"{stack['v1']}-broken", tracking_app_source_dir=str(source), tracking_app_health_timeout=15)
    assert run.returncode != 0, run.explain()
    assert "threshold" in run.stdout and "status 503" in run.stdout, run.explain()
    assert "Rolled back" in run.stdout, run.explain()
    after = recorded(stack)
    assert after["task_definition"] == before["task_definition"]
    assert after["latest_active"] == before["task_definition"], "the failed revision is deregistered"
    assert after[VERSION_PARAMETER] == stack["v2"] and after["tag"] == stack["v2"]
    deadline = time.monotonic() + 60
    while get_json(f"{stack['url']}/health/elb")[0] != 200 and time.monotonic() < deadline:
        time.sleep(1)
    assert serving(stack) == stack["v2"]


def test_rollback_playbook_returns_to_the_previous_version(stack):
    run = deploy(stack, playbook="playbooks/rollback.yml")
    assert run.returncode == 0, run.explain()
    assert serving(stack) == stack["v1"]
    state = recorded(stack)
    assert state[VERSION_PARAMETER] == stack["v1"] and state["tag"] == stack["v1"]
    assert state[PREVIOUS_PARAMETER] == stack["v2"]
