"""ECR GetAuthorizationToken and CreateRepository: the token's expiry, and a registry images really go to.

AWS API reference, ECR GetAuthorizationToken / AuthorizationData: `expiresAt` is when the token expires;
authorization tokens are valid for 12 hours. moto answers with a fixed date in 2015, so a client that checks the
expiry (to decide whether to log in again) would always find it expired.

AWS API reference, ECR Repository `repositoryUri`: "The URI for a repository. You can use this URI for container
image push and pull operations"; AuthorizationData `proxyEndpoint`: "The registry URL to use for this authorization
token in a docker login command". moto names `<account>.dkr.ecr.<region>.amazonaws.com`, which no engine reaches.
With TRACETRACK_EMULATOR_ECR_REGISTRY=<host>:<port> (a loopback address; control.local_settings sets it for the
local environment) both name the project's loopback registry instead (`http://`: it has no TLS), so that a release
pushes to the repository's URI and a task pulls its image from it, as on AWS. The emulator starts that registry
(scripts/containers/registry.sh, data under .local/registry-<port>) with the first repository, and stops it before
answering the DeleteRepository of the last repository of any account or region, or when the emulator stops.
ECR error reference, `ServerException` (HTTP 500): "These errors are usually caused by a server-side issue": a
registry that cannot start (its port taken by something else) fails CreateRepository so, before the repository exists.
"""

import os
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

from moto.core.exceptions import ServiceException
from moto.ecr import models
from moto.ecr.responses import ECRResponse

TOKEN_LIFETIME = timedelta(hours=12)
REGISTRY_VARIABLE = "TRACETRACK_EMULATOR_ECR_REGISTRY"
REPO_ROOT = Path(__file__).resolve().parents[3]


def local_registry() -> str:
    return os.environ.get(REGISTRY_VARIABLE, "").strip()


class ServerException(ServiceException):
    code = "ServerException"

    def __init__(self, message: str):
        super().__init__(message)
        self.status_code = 500


def _registry_script(command: str) -> subprocess.CompletedProcess:
    port = local_registry().rpartition(":")[2]
    environment = dict(os.environ, REGISTRY_PORT=port, REGISTRY_DIR=str(REPO_ROOT / ".local" / f"registry-{port}"))
    result = subprocess.run([str(REPO_ROOT / "scripts" / "containers" / "registry.sh"), command], env=environment, capture_output=True, text=True, check=False)
    print(f"[ecr] {result.stdout.strip()} {result.stderr.strip()}".strip(), file=sys.stderr)
    return result


def _repository_left() -> bool:
    """Whether any account's or region's ECR backend still holds a repository (they share the one registry)."""
    return any(backend.repositories for regions in models.ecr_backends.values() for backend in regions.values())


def stop_registry() -> None:
    if local_registry():
        _registry_script("stop")


def _wrap_get_authorization_token(original):
    def get_authorization_token(self):
        result = original(self)
        expires_at = datetime.now(timezone.utc).replace(microsecond=0) + TOKEN_LIFETIME
        for entry in result.result.get("authorizationData", []):
            entry["expiresAt"] = expires_at
            if local_registry():
                entry["proxyEndpoint"] = f"http://{local_registry()}"
        return result

    get_authorization_token._tracetrack_patched = True
    return get_authorization_token


def _wrap_repository_init(original):
    def __init__(self, *args, **kwargs):
        original(self, *args, **kwargs)
        if local_registry():
            self.uri = f"{local_registry()}/{self.name}"

    return __init__


def _wrap_create_repository(original):
    def create_repository(self, *args, **kwargs):
        if local_registry():
            started = _registry_script("start")  # the script starts it only when it is not running
            if started.returncode != 0:
                raise ServerException(f"the loopback registry {local_registry()} did not start: {started.stderr.strip()[-300:]}")
        return original(self, *args, **kwargs)

    return create_repository


def _wrap_delete_repository(original):
    def delete_repository(self, *args, **kwargs):
        repository = original(self, *args, **kwargs)
        if not _repository_left():
            stop_registry()
        return repository

    return delete_repository


def apply() -> None:
    if getattr(ECRResponse.get_authorization_token, "_tracetrack_patched", False):
        return
    ECRResponse.get_authorization_token = _wrap_get_authorization_token(ECRResponse.get_authorization_token)
    models.Repository.__init__ = _wrap_repository_init(models.Repository.__init__)
    backend = models.ECRBackend
    backend.create_repository = _wrap_create_repository(backend.create_repository)
    backend.delete_repository = _wrap_delete_repository(backend.delete_repository)
