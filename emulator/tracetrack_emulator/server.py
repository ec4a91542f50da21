"""Run moto's server in the foreground with this project's extensions applied."""

import os
import shutil
import sys

# Settings moto reads at import time (PLATFORM.md): AWS managed IAM policies must exist so that
# roles can attach them, and ECS services must report running tasks so that deployments finish.
SERVER_ENVIRONMENT = {
    "MOTO_IAM_LOAD_MANAGED_POLICIES": "true",
    "MOTO_ECS_SERVICE_RUNNING": "2",
    # Keep the server from trying to reach real AWS for anything (for example SSM public parameters).
    "MOTO_ALLOW_NONEXISTENT_REGION": "false",
}


def stop_what_runs_here(*_signal) -> None:
    """The emulator stops: so do the tasks it ran on this machine and the registry it started (extensions ecs_tasks, ecr)."""
    from tracetrack_emulator.extensions import ecr, ecs_tasks

    ecs_tasks.stop_all()
    ecr.stop_registry()
    sys.exit(0)


def serve(host: str, port: int) -> None:
    for key, value in SERVER_ENVIRONMENT.items():
        os.environ.setdefault(key, value)

    from moto import server as moto_server

    from tracetrack_emulator.extensions import apply_all, ecs_tasks

    # State is in memory: the embedded databases of an earlier run on this port start empty too.
    shutil.rmtree(ecs_tasks.task_dir(), ignore_errors=True)
    apply_all()
    # moto's server installs its own SIGTERM / SIGINT handler when it starts: it is this one.
    moto_server.signal_handler = stop_what_runs_here
    moto_server.main(["--host", host, "--port", str(port)])
