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


# System tests (tests/system, tests/extended) run one file per worker (pytest-xdist --dist loadfile), each worker
# with an emulator of its own. Workers take files in collection order; the longest files go first, so that none of
# them starts last and keeps the run waiting on one busy worker (longest processing time first). Within a file,
# the order is the file's own.
# The files that take longest, longest first (docs/BENCHMARKS.md, "Test suite"); the others follow in name order.
LONGEST_FIRST = [
    "test_stack.py",
    "test_examples.py",
    "test_environments.py",
    "test_bad_input.py",
    "test_ops_modules.py",
]


# The longest file is the run's critical path. When it is among the tests, a worker running any other file lowers its
# own priority (and that of the playbooks and emulator it starts): with fewer cores than busy processes, the shorter
# files then take the cycles the longest one leaves, and still end before it.
CRITICAL_PATH = {"collected": False, "niced": False}


def pytest_collection_modifyitems(items):
    def rank(item):
        name = item.path.name
        return LONGEST_FIRST.index(name) if name in LONGEST_FIRST else len(LONGEST_FIRST)

    items.sort(key=rank)  # stable: each file keeps its own order
    CRITICAL_PATH["collected"] = any(item.path.name == LONGEST_FIRST[0] for item in items)


def pytest_runtest_setup(item):
    if os.environ.get("PYTEST_XDIST_WORKER") and CRITICAL_PATH["collected"] and not CRITICAL_PATH["niced"] and item.path.name != LONGEST_FIRST[0]:
        os.nice(10)
        CRITICAL_PATH["niced"] = True


def pytest_terminal_summary(terminalreporter):
    """Figures a test measured (its `record_property("figures", text)`), printed after the run: under pytest-xdist a
    worker's own output is not shown, a report's properties are."""
    lines = [
        f"{report.nodeid.split('::')[-1]}: {value}"
        for kind in ("passed", "failed")
        for report in terminalreporter.stats.get(kind, [])
        if report.when == "call"
        for name, value in getattr(report, "user_properties", [])
        if name == "figures"
    ]
    if lines:
        terminalreporter.section("figures measured by the tests")
        for line in lines:
            terminalreporter.write_line(line)
