"""Run moto's server in the foreground with this project's extensions applied."""

import os

# Settings moto reads at import time (PLATFORM.md): AWS managed IAM policies must exist so that
# roles can attach them, and ECS services must report running tasks so that deployments finish.
SERVER_ENVIRONMENT = {
    "MOTO_IAM_LOAD_MANAGED_POLICIES": "true",
    "MOTO_ECS_SERVICE_RUNNING": "2",
    # Keep the server from trying to reach real AWS for anything (for example SSM public parameters).
    "MOTO_ALLOW_NONEXISTENT_REGION": "false",
}


def serve(host: str, port: int) -> None:
    for key, value in SERVER_ENVIRONMENT.items():
        os.environ.setdefault(key, value)

    from moto import server as moto_server

    from tracetrack_emulator.extensions import apply_all

    apply_all()
    moto_server.main(["--host", host, "--port", str(port)])
