"""What starting a module costs: the venv's python against the warm module interpreter (scripts/module-python).

    .venv/bin/python benchmarks/module_start.py [--runs 20]

Runs, with each interpreter, a program that does what every AWS module of the collection does before its first call -
import ansible-core's module side and boto3, and make an EC2 client (botocore parses the service model) - piped on
standard input as Ansible pipelines a module, and prints the median and 90th percentile wall time per start. No AWS
call is made. The warm interpreter's server is started before the runs and stopped after them.
"""

import argparse
import os
import platform
import statistics
import subprocess
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
PROGRAM = "import ansible.module_utils.basic, boto3; boto3.client('ec2', region_name='eu-west-1', aws_access_key_id='x', aws_secret_access_key='x')\n"


def starts(interpreter: list[str], runs: int) -> list[float]:
    seconds = []
    for _start in range(runs):
        started = time.perf_counter()
        subprocess.run(interpreter, input=PROGRAM, text=True, check=True)
        seconds.append(time.perf_counter() - started)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    runs = parser.parse_args().runs
    real = [str(REPO_ROOT / ".venv" / "bin" / "python")]
    warm = [str(REPO_ROOT / "scripts" / "module-python")]
    subprocess.run([*warm, "-c", "pass"], check=True)  # the server's own start is not a module's
    try:
        print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, load {os.getloadavg()[0]:.2f}")
        print(f"{'interpreter':<28} {'runs':>5} {'median ms':>10} {'p90 ms':>8}")
        for name, interpreter in (("venv python", real), ("scripts/module-python", warm)):
            seconds = sorted(starts(interpreter, runs))
            p90 = seconds[min(len(seconds) - 1, int(len(seconds) * 0.9))]
            print(f"{name:<28} {runs:>5} {statistics.median(seconds) * 1000:>10.0f} {p90 * 1000:>8.0f}")
    finally:
        subprocess.run([*warm, "--stop"], check=False)


if __name__ == "__main__":
    main()
