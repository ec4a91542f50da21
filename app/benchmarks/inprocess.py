"""CPU per request of the application alone: no gunicorn, no wrk, the WSGI application called in-process.

    cd app && python benchmarks/inprocess.py [--requests 1500] [--rounds 3] [--profile SCENARIO]
    python benchmarks/inprocess.py --app-dir /path/to/another/checkout/app    # the same figures for another version

Builds the application on PostgreSQL and Redis (a schema and a key prefix of its own, removed at the end), with
the settings the benchmark's gunicorn runs it with, registers a scanner device and sets aside bags, then
calls the WSGI application with environments prepared beforehand and measures the CPU time of this process
(``time.process_time``: user + system, every thread) per request. The lowest of ``--rounds`` runs is printed:
other load on the machine only ever adds to it. ``--profile`` prints the functions that cost most in one
scenario (cProfile on the same CPU clock) instead.
"""

import argparse
import cProfile
import io
import json
import os
import pstats
import secrets
import sys
import time
from pathlib import Path

import benchdata

APP_DIR = Path(__file__).resolve().parent.parent
PARENT_BASE = 7_000_000
CHILD_BASE = 30_000_000
SCENARIOS = ("parent scan", "child scan", "lookup miss", "lookup 1 miss + 2 hits", "lookup hit")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=1500, help="requests per scenario and round (default 1500)")
    parser.add_argument("--rounds", type=int, default=3, help="runs of every scenario; the lowest counts (default 3)")
    parser.add_argument("--profile", choices=SCENARIOS, help="profile this scenario instead of timing them all")
    parser.add_argument("--app-dir", type=Path, default=APP_DIR, help="the application to measure (default: this one)")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"),
    )
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14"))
    return parser.parse_args()


class Bench:
    def __init__(self, args: argparse.Namespace, schema: str, prefix: str):
        from werkzeug.test import EnvironBuilder

        from tracetrack import create_app
        from tracetrack.auth import create_device
        from tracetrack.services import services

        self.environ_builder = EnvironBuilder
        self.app = create_app(
            {
                "TRACETRACK_ENV": "benchmark",
                "SECRET_KEY": secrets.token_hex(32),
                "DATABASE_URL": args.database_url,
                "DATABASE_SCHEMA": schema,
                "DB_AUTO_MIGRATE": True,
                "REDIS_URL": args.redis_url,
                "CACHE_KEY_PREFIX": prefix,
                "RATELIMIT_API": "10000000 per minute",
            }
        )
        with self.app.app_context(), services().db.transaction() as conn:
            self.key = create_device(conn, "inprocess-benchmark")
        self.parents = 0
        self.children = 0

    def environ(self, method: str, path: str, body: dict | None = None) -> dict:
        headers = {"X-API-Key": self.key}
        data = json.dumps(body) if body is not None else None
        builder = self.environ_builder(path, method=method, headers=headers, data=data, content_type="application/json")
        try:
            return builder.get_environ()
        finally:
            builder.close()

    def call(self, environ: dict) -> str:
        status = []
        body = self.app(environ, lambda code, _headers, _exc=None: status.append(code))
        try:
            b"".join(body)
        finally:
            if hasattr(body, "close"):
                body.close()
        return status[0]

    def new_parents(self, count: int) -> list[str]:
        codes = [f"SB{PARENT_BASE + self.parents + n}" for n in range(count)]
        self.parents += count
        for code in codes:
            self.expect(self.call(self.environ("POST", "/api/v1/scans/parent", {"qr_id": code})), "201")
        return codes

    def child_scans(self, count: int) -> tuple[list[dict], list[str]]:
        parents = self.new_parents(-(-count // 30))
        children = [f"CB{CHILD_BASE + self.children + n}" for n in range(count)]
        self.children += count
        bodies = [{"qr_id": child, "parent_qr_id": parents[n // 30]} for n, child in enumerate(children)]
        return [self.environ("POST", "/api/v1/scans/child", body) for body in bodies], children

    def requests(self, scenario: str, count: int) -> list[dict]:
        """Environments for ``count`` requests of a scenario, with the data they need already in place."""
        if scenario == "parent scan":  # re-scanning known parents, as an operator picking up the next bag
            return [self.environ("POST", "/api/v1/scans/parent", {"qr_id": code}) for code in self.new_parents(count)]
        if scenario == "child scan":
            return self.child_scans(count)[0]
        if scenario == "lookup miss":  # every bag changed a moment ago: each lookup reads the database
            scans, children = self.child_scans(count)
            for environ in scans:
                self.expect(self.call(environ), "201")
            return [self.environ("GET", f"/api/v1/bags/{child}") for child in children]
        fresh = self.unscanned_parents(-(-count // 3))
        if scenario == "lookup hit":
            for code in fresh:  # cached now
                self.expect(self.call(self.environ("GET", f"/api/v1/bags/{code}")), "200")
        return [self.environ("GET", f"/api/v1/bags/{code}") for code in (fresh * 3)[:count]]

    def unscanned_parents(self, count: int) -> list[str]:
        """Parent bags written straight to the database: no scan marked their lookups as changed."""
        from tracetrack.auth import now
        from tracetrack.models import bags

        codes = [f"SB{PARENT_BASE + self.parents + n}" for n in range(count)]
        self.parents += count
        at = now()
        rows = [
            {"qr_id": code, "kind": "parent", "child_count": 0, "created_at": at, "updated_at": at} for code in codes
        ]
        with self.app.app_context(), self.app.extensions["tracetrack"].db.transaction() as conn:
            conn.execute(bags.insert(), rows)
        return codes

    @staticmethod
    def expect(status: str, wanted: str) -> None:
        if not status.startswith(wanted):
            raise SystemExit(f"unexpected answer {status} (wanted {wanted})")

    def measure(self, scenario: str, count: int, profiler: cProfile.Profile | None = None) -> float:
        """CPU milliseconds per request of one scenario."""
        environs = self.requests(scenario, count)
        wanted = "201" if scenario == "child scan" else "200"
        statuses = []
        started = time.process_time()
        if profiler is not None:
            profiler.enable()
        for environ in environs:
            statuses.append(self.call(environ))
        if profiler is not None:
            profiler.disable()
        spent = time.process_time() - started
        for status in statuses:
            self.expect(status, wanted)
        return spent * 1000 / count


def main() -> None:
    args = parse_args()
    sys.path.insert(0, str(args.app_dir.resolve()))
    schema, prefix = f"tt_cpu_{os.getpid()}", f"tt-cpu-{os.getpid()}:"
    stdout, sys.stdout = sys.stdout, io.StringIO()  # the JSON access log is written, as in service, then dropped
    try:
        bench = Bench(args, schema, prefix)
        if args.profile:
            profiler = cProfile.Profile(time.process_time)
            bench.measure(args.profile, args.requests)  # warm: prepared statements, pools, caches
            per_request = bench.measure(args.profile, args.requests, profiler)
            sys.stdout = stdout
            print(f"{args.profile}: {per_request:.3f} ms CPU per request ({args.requests} requests, profiled)")
            pstats.Stats(profiler, stream=stdout).sort_stats("tottime").print_stats(35)
            pstats.Stats(profiler, stream=stdout).sort_stats("cumulative").print_stats(60)
            return
        best = dict.fromkeys(SCENARIOS, float("inf"))
        for scenario in SCENARIOS:
            bench.measure(scenario, min(args.requests, 300))  # warm-up
        for _round in range(args.rounds):
            for scenario in SCENARIOS:
                best[scenario] = min(best[scenario], bench.measure(scenario, args.requests))
                sys.stdout.seek(0)
                sys.stdout.truncate()
    finally:
        sys.stdout = stdout
        benchdata.remove(args.database_url, schema, args.redis_url, prefix)
    print(f"Application at {args.app_dir}: CPU ms per request, lowest of {args.rounds} x {args.requests} requests")
    print(f"1-minute load average {os.getloadavg()[0]:.1f}")
    for scenario in SCENARIOS:
        print(f"| {scenario} | {best[scenario]:.3f} |")


if __name__ == "__main__":
    main()
