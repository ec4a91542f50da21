"""The local environment's stack as the system tests share it: an emulator started as scripts/deploy.sh starts it
(RDS and ElastiCache endpoints on the loopback PostgreSQL and Redis, the web service's task run on this machine, ECR
in a loopback registry), ports and a database of the test's own, and what the release left (recorded versions,
what the service's task serves).
"""

import json
import os
import shutil
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

from tests.support.clients import emulator_client
from tests.support.playbook import REPO_ROOT
from tracetrack_emulator.control import Emulator, free_loopback_port, local_settings

PREFIX = "tracetrack-local"
REPOSITORY = "tracetrack/local"
SERVICE = f"{PREFIX}-web"
VERSION_PARAMETER = f"/{PREFIX}/app/version"
PREVIOUS_PARAMETER = f"/{PREFIX}/app/previous-version"
LOCAL_POSTGRES = ("127.0.0.1", 5432)


def say(message: str) -> None:
    print(f"[local-stack] {message}", file=sys.stderr)


def answers(address: tuple[str, int]) -> bool:
    try:
        with socket.create_connection(address, timeout=1):
            return True
    except OSError:
        return False


def start_emulator() -> Emulator:
    """An emulator on a free port with the local environment's settings (control.local_settings), the application and
    the registry on free ports of their own too; without PostgreSQL or Redis the task runs on SQLite and the in-process
    cache, and this says so."""
    port = free_loopback_port()
    settings, notes = local_settings(port, app_port=free_loopback_port(), registry_port=free_loopback_port(), test_port=free_loopback_port())
    for note in notes:
        say(note)
    instance = Emulator(port=port, state_dir=str(REPO_ROOT / ".local" / "test-emulator"), environment=settings)
    instance.start()
    return instance


def app_port(emulator) -> int:
    """The loopback port the emulator runs the web service's task on."""
    return int(emulator.environment["TRACETRACK_EMULATOR_ECS_SERVICE_ADDRESSES"].rsplit(":", 1)[1])


def registry_port(emulator) -> int | None:
    """The port of the loopback registry the emulated ECR names (None without docker-registry)."""
    address = emulator.environment.get("TRACETRACK_EMULATOR_ECR_REGISTRY")
    return int(address.rsplit(":", 1)[1]) if address else None


def registry_running(port: int) -> list[str]:
    """What still serves the emulator's loopback registry on `port`: a docker-registry process started with its
    configuration (.local/registry-<port>/config.yml), and the port answering the registry API (`GET /v2/` with the
    Docker-Distribution-Api-Version header). Something else that took the free port since is not the registry."""
    found = []
    config = str(REPO_ROOT / ".local" / f"registry-{port}" / "config.yml")
    for entry in os.listdir("/proc"):
        try:
            command = Path(f"/proc/{entry}/cmdline").read_bytes().split(b"\0") if entry.isdigit() else []
        except OSError:
            continue
        if command[:1] and command[0].endswith(b"docker-registry") and config.encode() in command:
            found.append(f"process {entry} serves {config}")
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/v2/", timeout=2) as response:  # noqa: S310 (loopback)
            if response.headers.get("Docker-Distribution-Api-Version"):
                found.append(f"127.0.0.1:{port}/v2/ answers as a registry")
    except (OSError, urllib.error.URLError):
        pass
    return found


def podman_env() -> dict | None:
    """The project's podman configuration (scripts/containers/env.sh), or None when podman is not usable here."""
    if shutil.which("podman") is None:
        return None
    out = subprocess.run(["bash", "-c", ". scripts/containers/env.sh && env -0"], cwd=REPO_ROOT, capture_output=True, check=True).stdout
    env = dict(item.split("=", 1) for item in out.decode().split("\0") if "=" in item)
    info = subprocess.run(["podman", "info"], env=env, capture_output=True, text=True, timeout=60, check=False)
    return env if info.returncode == 0 else None


def test_listener_port(emulator) -> int:
    """The loopback port of the web service's test listener (the revision a deployment that shifts traffic deploys)."""
    return int(emulator.environment["TRACETRACK_EMULATOR_ECS_TEST_ADDRESSES"].rsplit(":", 1)[1])


def isolation_vars(emulator) -> dict:
    """Where this test session's application answers, so that a `make deploy` stack beside it is never touched (the
    local inventory gives each emulator its own PostgreSQL role and database, tracetrack<port>, and Redis key prefix)."""
    return {"tracking_app_public_url": f"http://127.0.0.1:{app_port(emulator)}", "service_test_url": f"http://127.0.0.1:{test_listener_port(emulator)}"}


def local_database(emulator) -> str:
    """The PostgreSQL role and database of this emulator's local environment (inventories/local)."""
    return f"tracetrack{emulator.port}"


def release_cleanup(emulator, podman: dict | None) -> None:
    """What a stack left behind when a test stopped it half-way and the emulator could not stop it: the service's
    task, the registry, the database and role."""
    env = podman or dict(os.environ)
    if podman:
        # The service's tasks are named <service>-<port>-<deployment>.
        listed = subprocess.run(
            ["podman", "ps", "--all", "--quiet", "--filter", f"name=^{SERVICE}-{app_port(emulator)}-"], env=env, capture_output=True, text=True, check=False
        ).stdout.split()
        if listed:
            subprocess.run(["podman", "rm", "--force", "--time", "5", *listed], env=env, capture_output=True, check=False)
    port = registry_port(emulator)
    if port:
        registry_env = dict(env, REGISTRY_PORT=str(port), REGISTRY_DIR=str(REPO_ROOT / ".local" / f"registry-{port}"))
        subprocess.run(["scripts/containers/registry.sh", "stop"], cwd=REPO_ROOT, env=registry_env, capture_output=True, check=False)
        shutil.rmtree(REPO_ROOT / ".local" / f"registry-{port}", ignore_errors=True)
    database = local_database(emulator)
    if answers(LOCAL_POSTGRES) and shutil.which("psql"):
        # The master role and the application's roles named after it (tracetrack.dbusers), members first.
        roles = [f"{database}_app_a", f"{database}_app_b", f"{database}_app", f"{database}_owner", database]
        for statement in (f"DROP DATABASE IF EXISTS {database} WITH (FORCE)", *(f"DROP ROLE IF EXISTS {role}" for role in roles)):
            subprocess.run(
                ["psql", "-h", LOCAL_POSTGRES[0], "-U", "postgres", "-d", "postgres", "-c", statement],
                capture_output=True,
                check=False,
            )


def get_json(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (loopback URL)
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, {}
    except (OSError, ValueError) as error:
        return 0, {"error": repr(error)}


def recorded(emulator) -> dict:
    """The release as AWS records it: the SSM parameters, the service's AppVersion tag and revision, the newest ACTIVE revision."""
    ssm = emulator_client(emulator, "ssm")
    values = {}
    for name in (VERSION_PARAMETER, PREVIOUS_PARAMETER):
        try:
            values[name] = ssm.get_parameter(Name=name)["Parameter"]["Value"]
        except ssm.exceptions.ParameterNotFound:
            values[name] = None
    ecs = emulator_client(emulator, "ecs")
    service = ecs.describe_services(cluster=PREFIX, services=[SERVICE], include=["TAGS"])["services"][0]
    values["tag"] = {t["key"]: t["value"] for t in service.get("tags", [])}.get("AppVersion")
    values["task_definition"] = service["taskDefinition"]
    # ListTaskDefinitions with status ACTIVE, newest last: what the service role and the next release compare against.
    values["latest_active"] = ecs.list_task_definitions(familyPrefix=SERVICE, status="ACTIVE", sort="ASC")["taskDefinitionArns"][-1]
    return values


def secret_json(emulator, name: str) -> dict:
    return json.loads(emulator_client(emulator, "secretsmanager").get_secret_value(SecretId=name)["SecretString"])


# Keys of the environment's secrets that name something rather than hold a generated value.
NAMING_KEYS = {"username", "header_name"}


def secret_values(emulator) -> list[str]:
    """Every generated secret value of the environment, whatever secret holds it (each secret <prefix>/*, every key but
    the names): the strings that must never be shown."""
    client = emulator_client(emulator, "secretsmanager")
    names = [s["Name"] for s in client.list_secrets(Filters=[{"Key": "name", "Values": [f"{PREFIX}/"]}])["SecretList"]]
    values = []
    for name in names:
        stored = secret_json(emulator, name)
        values += [str(value) for key, value in stored.items() if key not in NAMING_KEYS and value]
    return values
