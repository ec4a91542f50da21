"""The emulator launcher: loopback only, started and stopped with nothing left behind."""

import os
import shutil
import socket
import subprocess

import pytest

from tracetrack_emulator.control import Emulator, EmulatorError, free_loopback_port, local_settings
from tests.support.playbook import REPO_ROOT


def listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def test_refuses_a_non_loopback_address():
    with pytest.raises(EmulatorError, match="loopback only"):
        Emulator(host="0.0.0.0", port=free_loopback_port())  # noqa: S104 - the address being refused


def test_make_emulator_up_and_down_leave_no_process_behind(tmp_path):
    port = free_loopback_port()
    env = dict(os.environ, EMULATOR_PORT=str(port), EMULATOR_STATE_DIR=str(tmp_path))
    up = subprocess.run(["make", "-s", "emulator-up"], cwd=REPO_ROOT, env=env, capture_output=True, text=True, check=False)
    assert up.returncode == 0, up.stdout + up.stderr
    assert f"emulator running at http://127.0.0.1:{port}" in up.stdout
    pid = int((tmp_path / f"emulator-{port}.pid").read_text())
    assert listening(port)

    again = subprocess.run(["make", "-s", "emulator-up"], cwd=REPO_ROOT, env=env, capture_output=True, text=True, check=False)
    assert "already running" in again.stdout

    down = subprocess.run(["make", "-s", "emulator-down"], cwd=REPO_ROOT, env=env, capture_output=True, text=True, check=False)
    assert down.returncode == 0, down.stdout + down.stderr
    assert f"emulator stopped (pid {pid})" in down.stdout
    assert not listening(port)
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    assert not (tmp_path / f"emulator-{port}.pid").exists()
    assert list(tmp_path.glob("*.log")), "the log stays in the state folder"


def test_local_settings_name_the_task_address_the_registry_and_only_the_data_stores_that_answer(monkeypatch):
    """The local environment's emulator (make deploy, make emulator-up): the web service's task and the registry on
    ports derived from the emulator's, the RDS / ElastiCache endpoints only for servers that answer."""
    closed = free_loopback_port()
    monkeypatch.setenv("LOCAL_POSTGRES", f"127.0.0.1:{closed}")
    monkeypatch.setenv("LOCAL_REDIS", f"127.0.0.1:{closed}")
    monkeypatch.setenv("TRACETRACK_EMULATOR_ECS_TASKS", "gunicorn")
    settings, notes = local_settings(5300)
    assert settings["TRACETRACK_EMULATOR_ECS_TASKS"] == "gunicorn"
    assert settings["TRACETRACK_EMULATOR_ECS_SERVICE_ADDRESSES"] == "tracetrack-local-web=127.0.0.1:8300"
    assert "TRACETRACK_EMULATOR_RDS_ENDPOINT" not in settings and "TRACETRACK_EMULATOR_ELASTICACHE_ENDPOINT" not in settings
    assert f"no PostgreSQL on 127.0.0.1:{closed}: the application runs on an embedded SQLite database" in notes
    if shutil.which("docker-registry"):
        assert settings["TRACETRACK_EMULATOR_ECR_REGISTRY"] == "127.0.0.1:5700"
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        listening_at = "127.0.0.1:%d" % server.getsockname()[1]
        monkeypatch.setenv("LOCAL_POSTGRES", listening_at)
        settings, _notes = local_settings(5300, app_port=9001, registry_port=9002)
    assert settings["TRACETRACK_EMULATOR_RDS_ENDPOINT"] == listening_at
    assert settings["TRACETRACK_EMULATOR_ECS_SERVICE_ADDRESSES"].endswith("=127.0.0.1:9001")


def test_local_settings_put_the_services_test_listener_on_the_application_port_plus_one(monkeypatch):
    """The local web service's test listener (ecs_tasks, TRACETRACK_EMULATOR_ECS_TEST_ADDRESSES): the application's
    port + 1, 8101 for the emulator's default port 5100, or the port the caller chooses."""
    monkeypatch.setenv("TRACETRACK_EMULATOR_ECS_TASKS", "gunicorn")
    assert local_settings(5100)[0]["TRACETRACK_EMULATOR_ECS_TEST_ADDRESSES"] == "tracetrack-local-web=127.0.0.1:8101"
    assert local_settings(5300, app_port=9001)[0]["TRACETRACK_EMULATOR_ECS_TEST_ADDRESSES"] == "tracetrack-local-web=127.0.0.1:9002"
    settings, notes = local_settings(5300, app_port=9001, test_port=9005)
    assert settings["TRACETRACK_EMULATOR_ECS_TEST_ADDRESSES"] == "tracetrack-local-web=127.0.0.1:9005"
    assert any("test listener http://127.0.0.1:9005" in note for note in notes)


def test_a_free_port_and_the_ports_derived_from_it_are_outside_the_range_of_outgoing_connections():
    """A port the kernel may give an outgoing connection can be taken before the server meant for it starts: the
    emulator's port and its registry's, application's and test listener's ports are all below that range, free, and
    not handed out twice by one process."""
    from tracetrack_emulator import control

    start = control._ephemeral_start()
    chosen = [free_loopback_port() for _pick in range(20)]
    derived = [port + offset for port in chosen for offset in (0, control.REGISTRY_PORT_OFFSET, control.APP_PORT_OFFSET, control.TEST_PORT_OFFSET)]
    assert all(10000 <= port < start for port in derived), derived
    assert len(set(derived)) == len(derived), "no port handed out twice"
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", chosen[0]))  # free when chosen, and nothing took it since
