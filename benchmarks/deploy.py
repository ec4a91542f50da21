"""`make deploy` from nothing, then again with nothing to change: wall time, changed, API calls, reads per resource.

    .venv/bin/python benchmarks/deploy.py [--runs 2]

Stops the local environment's emulator first (it keeps its resources in memory: the first run starts from nothing),
starts it as `make deploy` does (`make emulator-down`, `make emulator-up`), and runs `make deploy` --runs times (site.yml and deploy.yml, the image built on the
first run when it is not there yet). For each run it prints the wall time, the play recap's changed count and the API
calls the emulator answered, split into reads and writes; the second and later runs should make no write.

The managed resources are counted from the first run's calls: one per call that makes a resource - an operation named
Create*, Register* or Allocate*, except those that make a part of one (CreateTags, CreateRoute) or nothing kept
(CreateInvalidation, CreateLogStream), and PutMetricAlarm, PutDashboard, PutScalingPolicy, PutParameter and
PutRolePolicy. The reads of a later run are then given per managed resource. The stack is left running, as after
`make deploy`.

The wall time follows the host's speed at the minute, which varies a lot on a shared machine. Each run also prints
the CPU time of the processes it started (Ansible and its modules; the emulator, started before, is not counted),
and the script times a fixed piece of pure-Python work before the first run and after the last ("host speed"):
compare runs by those as well as by their wall time.
"""

import argparse
import os
import platform
import re
import resource
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO_ROOT), str(REPO_ROOT / "emulator")]

from tests.support.aws_calls import record_calls  # noqa: E402

PUTS_THAT_MAKE = {"PutMetricAlarm", "PutDashboard", "PutScalingPolicy", "PutParameter", "PutRolePolicy"}
CREATES_OF_PARTS = {"CreateTags", "CreateRoute", "CreateInvalidation", "CreateLogStream"}


def makes_a_resource(operation: str) -> bool:
    if operation in PUTS_THAT_MAKE:
        return True
    return operation.startswith(("Create", "Register", "Allocate")) and operation not in CREATES_OF_PARTS


def make(target: str) -> None:
    subprocess.run(["make", target], cwd=REPO_ROOT, check=True, stdout=subprocess.DEVNULL)


def host_speed_ms() -> float:
    """CPU milliseconds this process takes to add up the first ten million integers: the host's speed at this minute."""
    started = time.process_time()
    sum(range(10_000_000))
    return (time.process_time() - started) * 1000


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def recap_changed(output: str) -> int:
    """The changed count of the last play recap (Ansible's recap counts the whole run)."""
    found = re.findall(r"changed=(\d+)", output)
    return int(found[-1]) if found else -1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--top", type=int, default=8, help="show the N most frequent operations of each run")
    args = parser.parse_args()
    url = f"http://127.0.0.1:{os.environ.get('EMULATOR_PORT', '5100')}"
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, load {os.getloadavg()[0]:.2f}")
    print(f"host speed: {host_speed_ms():.0f} ms of CPU for sum(range(10**7))")
    make("emulator-down")
    make("emulator-up")
    print(f"{'run':<6}{'wall s':>8}{'cpu s':>7}{'changed':>9}{'calls':>7}{'reads':>7}{'writes':>8}{'reads/resource':>16}")
    resources = 0
    for run in range(1, args.runs + 1):
        with record_calls(url) as calls:
            started, cpu_at_start = time.monotonic(), children_cpu()
            finished = subprocess.run(["make", "deploy"], cwd=REPO_ROOT, capture_output=True, text=True, check=False)
            wall, cpu = time.monotonic() - started, children_cpu() - cpu_at_start
        if finished.returncode != 0:
            print(finished.stdout[-4000:], finished.stderr[-2000:])
            return 1
        if run == 1:
            made = Counter(f"{c.service}:{c.operation}" for c in calls.answered if not c.is_read and makes_a_resource(c.operation))
            resources = sum(made.values())
        summary = calls.summary()
        per_resource = f"{summary['reads'] / resources:.2f}" if resources else "-"
        changed = recap_changed(finished.stdout)
        print(f"{run:<6}{wall:>8.1f}{cpu:>7.1f}{changed:>9}{summary['total']:>7}{summary['reads']:>7}{summary['writes']:>8}{per_resource:>16}")
        top = Counter(str(c) for c in calls.answered).most_common(args.top)
        print("      " + ", ".join(f"{op} x{n}" for op, n in top))
        if run == 1:
            print(f"      managed resources made by the first run: {resources} (" + ", ".join(f"{op} x{n}" for op, n in sorted(made.items())) + ")")
        elif calls.writes:
            print("      writes: " + ", ".join(calls.writes))
    print(f"host speed: {host_speed_ms():.0f} ms of CPU for sum(range(10**7))")
    return 0


if __name__ == "__main__":
    sys.exit(main())
