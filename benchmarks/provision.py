"""Provisioning benchmark: wall time and AWS API calls of site.yml against a fresh emulator.

    .venv/bin/python benchmarks/provision.py [--env local] [--playbook playbooks/site.yml]
    .venv/bin/python benchmarks/provision.py --profile realistic --env local --env production

Runs the playbook twice per environment (first: from nothing; second: nothing to change) and prints, for each run,
the wall time, the play recap's changed count and the API calls split into reads and writes. An environment that
needs HTTPS to its origin and names no certificate (production: its operator passes -e service_certificate_arn) is
given what its operator would pass: a self-signed certificate for its cdn_origin_domain_name, imported into the
emulator's ACM in its Region.

With --profile realistic the emulator behaves like AWS on a bad day (EMULATOR_PROFILE=realistic; EMULATOR_TIME_SCALE,
default 1/30, and EMULATOR_THROTTLE_RATE, default 0.1, pass through): each slow resource's own duration is printed
from the emulator's state timeline beside the first run's wall time, so that the critical path shows (the wall time
should be the slowest chain plus the tasks' own overhead, not the sum of the durations), with the calls throttled.

Modules run as `make` runs them, with the warm module interpreter (scripts/module-python); WARM_PYTHON=0 measures
them with the virtual environment's python instead.
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import urllib.request
import time
from collections import Counter
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO_ROOT), str(REPO_ROOT / "emulator")]

from tests.support.certificates import self_signed_certificate  # noqa: E402
from tests.support.playbook import run_playbook  # noqa: E402
from tracetrack_emulator.control import Emulator, free_loopback_port  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--env", action="append", help="inventories/<env> (repeatable; default local)")
    parser.add_argument("--profile", choices=["realistic"], help="the emulator's realistic profile")
    parser.add_argument("--playbook", default="playbooks/site.yml")
    parser.add_argument("--top", type=int, default=8, help="show the N most frequent operations of each run")
    args = parser.parse_args()

    environment = {}
    if args.profile:
        environment = {"EMULATOR_PROFILE": args.profile}
        for name in ("EMULATOR_TIME_SCALE", "EMULATOR_THROTTLE_RATE", "EMULATOR_THROTTLE_SEED"):
            if os.environ.get(name):
                environment[name] = os.environ[name]
    cores = os.cpu_count()
    # ansible-playbook and its siblings come from the virtual environment this runs in.
    os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    os.environ.setdefault("TRACETRACK_MODULE_PYTHON", str(REPO_ROOT / "scripts" / "module-python"))
    warm = os.environ.get("WARM_PYTHON", "1") != "0"
    print(f"machine: {platform.machine()}, {cores} cores, Python {platform.python_version()}, modules started {'warm' if warm else 'cold'}")
    for env_name in args.env or ["local"]:
        # A fresh emulator per environment: each one's first run starts from nothing.
        emulator = Emulator(port=free_loopback_port(), state_dir=str(REPO_ROOT / ".local" / "benchmark-emulator"), environment=environment)
        emulator.start()
        try:
            if benchmark(emulator, args, env_name) != 0:
                return 1
        finally:
            emulator.stop()
            subprocess.run([os.environ["TRACETRACK_MODULE_PYTHON"], "--stop"], check=False)
    return 0


def profile_state(emulator) -> dict:
    with urllib.request.urlopen(f"{emulator.url}/moto-api/tracetrack/profile", timeout=30) as response:
        return json.loads(response.read())


def operator_inputs(emulator, env_name: str) -> dict:
    """What the environment's operator passes on the command line: the origin's certificate when HTTPS needs one."""
    listed = subprocess.run(
        [str(Path(sys.executable).parent / "ansible-inventory"), "-i", f"inventories/{env_name}", "--list"],
        cwd=REPO_ROOT, capture_output=True, text=True, check=True,
    )  # fmt: skip
    hostvars = next(iter(json.loads(listed.stdout)["_meta"]["hostvars"].values()))
    domain = hostvars.get("cdn_origin_domain_name", "")
    if not hostvars.get("env_strict") or hostvars.get("service_certificate_arn") or not domain:
        return {}
    return {"service_certificate_arn": self_signed_certificate(emulator, domain, hostvars["aws_region"])}


def benchmark(emulator, args, env_name: str) -> int:
    print(f"\nplaybook: {args.playbook} env={env_name}, emulator {emulator.url}" + (f", profile {args.profile}" if args.profile else ""))
    extra_vars = operator_inputs(emulator, env_name)
    if extra_vars:
        print(f"          given as its operator would: service_certificate_arn (self-signed, {extra_vars['service_certificate_arn']})")
    print(f"{'run':<10}{'wall s':>8}{'changed':>9}{'calls':>7}{'reads':>7}{'writes':>8}{'throttled':>11}")
    first_wall = 0.0
    for label in ("first", "re-run"):
        started = time.monotonic()
        run = run_playbook(args.playbook, env_name, emulator.url, extra_vars=extra_vars)
        wall = time.monotonic() - started
        first_wall = first_wall or wall
        if run.returncode != 0:
            print(run.explain())
            return 1
        summary = run.calls.summary()
        print(f"{label:<10}{wall:>8.1f}{run.changed:>9}{summary['total']:>7}{summary['reads']:>7}{summary['writes']:>8}{summary['throttled']:>11}")
        top = Counter(str(c) for c in run.calls.answered).most_common(args.top)
        print("          " + ", ".join(f"{op} x{n}" for op, n in top))
        if label == "re-run" and run.calls.writes:
            print("          writes: " + ", ".join(run.calls.writes))
        if summary["throttled"]:
            print("          throttled: " + ", ".join(f"{service} {n}" for service, n in run.calls.throttled_by_service().items()))
        if label == "first" and args.profile:
            slow_resources(profile_state(emulator), wall)
    return 0


def slow_resources(state: dict, wall: float) -> None:
    """Each slow resource's own duration (started at, seconds) from the emulator's timeline, beside site.yml's wall."""
    print(f"          slow resources (time scale {state['time_scale']:.4f}; started s after the emulator, own duration s):")
    slowest = max(state["timeline"], key=lambda entry: entry["started"] + entry["seconds"], default=None)
    for entry in state["timeline"]:
        states = " -> ".join(entry["states"])
        print(f"            {entry['kind']:<30}{entry['id'][:34]:<36}{entry['started']:>8.1f}{entry['seconds']:>8.1f}  {states}")
    if slowest:
        print(
            f"          site.yml wall {wall:.1f} s; the last slow resource ({slowest['kind']} {slowest['id']}) was ready "
            f"{slowest['started'] + slowest['seconds']:.1f} s after the emulator started, its own duration {slowest['seconds']:.1f} s"
        )


if __name__ == "__main__":
    sys.exit(main())
