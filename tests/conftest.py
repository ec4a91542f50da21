"""Shared fixtures: a project-owned emulator for the whole test session."""

import os
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT / "emulator"))
sys.path.insert(0, str(REPO_ROOT))

from tracetrack_emulator.control import Emulator  # noqa: E402


@pytest.fixture(scope="session")
def emulator():
    """An emulator of the tests' own (TEST_EMULATOR_PORT, default 5199), started and stopped here."""
    port = int(os.environ.get("TEST_EMULATOR_PORT", "5199"))
    instance = Emulator(port=port, state_dir=str(REPO_ROOT / ".local" / "test-emulator"))
    instance.stop()
    instance.start()
    yield instance
    instance.stop()


@pytest.fixture
def clean_emulator(emulator):
    """The emulator with every resource forgotten (POST /moto-api/reset)."""
    emulator.reset()
    return emulator
