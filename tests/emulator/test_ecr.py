"""ECR GetAuthorizationToken: a login valid for 12 hours, as AWS issues it; with TRACETRACK_EMULATOR_ECR_REGISTRY,
`repositoryUri` and `proxyEndpoint` name the loopback registry the emulator runs while a repository exists."""

import base64
import shutil
import socket
import urllib.error
import urllib.request
from datetime import datetime, timedelta, timezone

import pytest
from botocore.exceptions import ClientError

from tests.conftest import REPO_ROOT
from tests.support.clients import emulator_client
from tracetrack_emulator.control import Emulator, free_loopback_port


def test_authorization_token_expires_in_twelve_hours(clean_emulator):
    ecr = emulator_client(clean_emulator, "ecr")
    before = datetime.now(timezone.utc)
    (data,) = ecr.get_authorization_token()["authorizationData"]
    assert before + timedelta(hours=11, minutes=59) < data["expiresAt"] <= before + timedelta(hours=12, seconds=5)
    assert data["proxyEndpoint"] == "https://123456789012.dkr.ecr.ap-south-1.amazonaws.com"
    user, _separator, password = base64.b64decode(data["authorizationToken"]).decode().partition(":")
    assert user == "AWS" and password


def test_every_registry_asked_for_gets_an_entry(clean_emulator):
    ecr = emulator_client(clean_emulator, "ecr")
    data = ecr.get_authorization_token(registryIds=["123456789012", "210987654321"])["authorizationData"]
    assert [d["proxyEndpoint"].split(".")[0] for d in data] == ["https://123456789012", "https://210987654321"]
    assert all(d["expiresAt"] > datetime.now(timezone.utc) for d in data)


# --- TRACETRACK_EMULATOR_ECR_REGISTRY: the repositories live in a loopback registry -----------------------------------


def registry_answers(address: str) -> bool:
    try:
        with urllib.request.urlopen(f"http://{address}/v2/", timeout=2) as response:  # noqa: S310 (loopback)
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


@pytest.fixture
def registry_emulator():
    if shutil.which("docker-registry") is None:
        pytest.skip("docker-registry is not installed (scripts/system-deps.sh container): the loopback registry is not tested")
    address = f"127.0.0.1:{free_loopback_port()}"
    instance = Emulator(
        port=free_loopback_port(), state_dir=str(REPO_ROOT / ".local" / "test-emulator"), environment={"TRACETRACK_EMULATOR_ECR_REGISTRY": address}
    )
    instance.start()
    yield instance, address
    instance.stop()
    shutil.rmtree(REPO_ROOT / ".local" / f"registry-{address.rsplit(':', 1)[1]}", ignore_errors=True)


def test_repository_uri_and_login_name_the_loopback_registry_which_runs_while_a_repository_exists(registry_emulator):
    """CreateRepository `repositoryUri` and GetAuthorizationToken `proxyEndpoint` name the registry pushes and pulls use."""
    instance, address = registry_emulator
    ecr = emulator_client(instance, "ecr")
    assert not registry_answers(address)
    repository = ecr.create_repository(repositoryName="team/app")["repository"]
    assert repository["repositoryUri"] == f"{address}/team/app"
    assert ecr.describe_repositories(repositoryNames=["team/app"])["repositories"][0]["repositoryUri"] == f"{address}/team/app"
    (data,) = ecr.get_authorization_token()["authorizationData"]
    assert data["proxyEndpoint"] == f"http://{address}"
    assert registry_answers(address), "the registry runs with the first repository"
    ecr.create_repository(repositoryName="team/other")
    ecr.delete_repository(repositoryName="team/app")
    assert registry_answers(address), "a repository is left"
    elsewhere = emulator_client(instance, "ecr", region="eu-west-1")
    elsewhere.create_repository(repositoryName="team/copy")
    ecr.delete_repository(repositoryName="team/other")
    assert registry_answers(address), "a repository is left in another region"
    elsewhere.delete_repository(repositoryName="team/copy")
    assert not registry_answers(address), "the last repository is gone: so is the registry, before DeleteRepository answers"


def test_a_registry_that_cannot_start_fails_create_repository_with_server_exception(registry_emulator):
    """ECR `ServerException` (500): the registry's port is held by another server, so no repository is created."""
    instance, address = registry_emulator
    host, port = address.rsplit(":", 1)
    with socket.socket() as other:
        other.bind((host, int(port)))
        other.listen()
        ecr = emulator_client(instance, "ecr")
        with pytest.raises(ClientError) as error:
            ecr.create_repository(repositoryName="team/app")
    assert error.value.response["Error"]["Code"] == "ServerException"
    assert ecr.describe_repositories()["repositories"] == []


def test_the_emulator_stops_the_registry_when_it_stops(registry_emulator):
    instance, address = registry_emulator
    emulator_client(instance, "ecr").create_repository(repositoryName="team/app")
    assert registry_answers(address)
    instance.stop()
    assert not registry_answers(address)
