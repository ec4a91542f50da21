"""The emulator launcher: loopback only, started and stopped with nothing left behind."""

import os
import socket
import subprocess

import pytest

from tracetrack_emulator.control import Emulator, EmulatorError, free_loopback_port
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
