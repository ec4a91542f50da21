"""Shared fixtures: a project-owned emulator for the whole test session."""

import os
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT / "emulator"))
sys.path.insert(0, str(REPO_ROOT))
# `make link` makes this tree importable as ansible_collections.tracetrack.aws (the unit tests import it so).
if (REPO_ROOT / ".local" / "collections" / "ansible_collections" / "tracetrack" / "aws").is_dir():
    sys.path.insert(0, str(REPO_ROOT / ".local" / "collections"))

from tracetrack_emulator.control import Emulator, free_loopback_port  # noqa: E402


@pytest.fixture(scope="session")
def emulator():
    """An emulator of this test session's own, started and stopped here.

    It listens on TEST_EMULATOR_PORT when set, else on a free loopback port, so that test sessions
    running side by side (and a `make deploy` emulator) never share or stop each other's.
    """
    port = int(os.environ.get("TEST_EMULATOR_PORT") or free_loopback_port())
    instance = Emulator(port=port, state_dir=str(REPO_ROOT / ".local" / "test-emulator"))
    instance.start()
    yield instance
    instance.stop()


@pytest.fixture
def clean_emulator(emulator):
    """The emulator with every resource forgotten (POST /moto-api/reset)."""
    emulator.reset()
    return emulator
