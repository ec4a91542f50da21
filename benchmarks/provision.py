"""Provisioning benchmark: wall time and AWS API calls of site.yml against a fresh emulator.

    .venv/bin/python benchmarks/provision.py [--env local] [--playbook playbooks/site.yml]

Runs the playbook twice (first: from nothing; second: nothing to change) and prints, for each run,
the wall time, the play recap's changed count and the API calls split into reads and writes.
"""

import argparse
import os
import platform
import sys
import time
from collections import Counter
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO_ROOT), str(REPO_ROOT / "emulator")]

from tests.support.playbook import run_playbook  # noqa: E402
from tracetrack_emulator.control import Emulator, free_loopback_port  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--env", default="local")
    parser.add_argument("--playbook", default="playbooks/site.yml")
    parser.add_argument("--top", type=int, default=8, help="show the N most frequent operations of each run")
    args = parser.parse_args()

    emulator = Emulator(port=free_loopback_port(), state_dir=str(REPO_ROOT / ".local" / "benchmark-emulator"))
    emulator.start()
    try:
        cores = os.cpu_count()
        print(f"machine: {platform.machine()}, {cores} cores, Python {platform.python_version()}")
        print(f"playbook: {args.playbook} env={args.env}, emulator {emulator.url}\n")
        print(f"{'run':<10}{'wall s':>8}{'changed':>9}{'calls':>7}{'reads':>7}{'writes':>8}")
        for label in ("first", "re-run"):
            started = time.monotonic()
            run = run_playbook(args.playbook, args.env, emulator.url)
            wall = time.monotonic() - started
            if run.returncode != 0:
                print(run.explain())
                return 1
            summary = run.calls.summary()
            print(f"{label:<10}{wall:>8.1f}{run.changed:>9}{summary['total']:>7}{summary['reads']:>7}{summary['writes']:>8}")
            top = Counter(str(c) for c in run.calls.calls).most_common(args.top)
            print("          " + ", ".join(f"{op} x{n}" for op, n in top))
    finally:
        emulator.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
