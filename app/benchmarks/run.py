"""Load benchmark: gunicorn + PostgreSQL + Redis on loopback, driven by wrk.

    cd app && python benchmarks/run.py [--duration 15] [--connections 50,500] [--rate 500]

Seeds a fresh schema with the demo data set, starts the application and a bare Flask app with the same
gunicorn settings (the ceiling), then measures readiness, parent scans, child scans and lookups at each
connection count, each connection sending its next request as soon as it has an answer (the most the
server can do). Then the bare endpoint, scans and lookups again at a fixed rate (--rate requests a second from
50 connections, as scanners with people behind them send them): the latency at that rate. Everything
listens on 127.0.0.1 and every wrk run is bounded by --duration. Prints a Markdown table; the database
schema and Redis keys it created are removed at the end.
"""

import argparse
import json
import os
import platform
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import benchdata
from sqlalchemy import func, select

APP_DIR = Path(__file__).resolve().parent.parent
BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(APP_DIR))

from tracetrack import create_app  # noqa: E402  (needs the path above)
from tracetrack.auth import create_device, now  # noqa: E402
from tracetrack.models import PARENT_CAPACITY, bags  # noqa: E402
from tracetrack.services import services  # noqa: E402

PARENTS_PER_THREAD = 2_000
# Parents being filled at the same time by each wrk thread (operators working side by side).
ACTIVE_PARENTS = 50
PARENT_BASE = 6_000_000
CHILD_BASE = 20_000_000
WARMUP_SECONDS = 3
# Where each row's walk over the seeded bags starts: past what the rows before it looked up (half parents,
# half children), so that a row finds cached only what it looked up itself, or the parents it comes round to.
LOOKUPS_PER_RUN = 12_000
# The paced rows: scanners on a floor, each waiting for its answer (see --rate).
PACED_CONNECTIONS = 50


def cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.machine()


def _process_cpu_seconds(wanted) -> float:
    """User + system CPU of the processes for which wanted(pid, parent pid, command name) holds."""
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            head, tail = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)
        except OSError:  # the process ended meanwhile
            continue
        fields = tail.split()
        if wanted(int(entry), int(fields[1]), head.split("(", 1)[1]):
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def server_cpu_seconds(master_pid: int) -> float:
    """User + system CPU of a gunicorn master and its workers: a cost per request that other load on the
    machine does not distort the way it distorts throughput."""
    return _process_cpu_seconds(lambda pid, parent, _name: master_pid in (pid, parent))


def store_cpu_seconds() -> float:
    """CPU of the PostgreSQL and Redis server processes on this machine (other clients of theirs count too)."""
    return _process_cpu_seconds(lambda _pid, _parent, name: name in ("postgres", "redis-server"))


def machine_busy_seconds() -> float:
    """CPU time every core spent on anything but idle and I/O wait (/proc/stat), in seconds."""
    fields = [int(value) for value in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(fields[:8]) - fields[3] - fields[4]) / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_ready(url: str, attempts: int = 150) -> None:
    for _ in range(attempts):
        try:
            with urllib.request.urlopen(url, timeout=1) as response:  # noqa: S310 (loopback URL built here)
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"server at {url} did not become ready")


def start_gunicorn(app_path: str, port: int, env: dict, cwd: Path, log: Path) -> subprocess.Popen:
    command = [sys.executable, "-m", "gunicorn", "-c", str(APP_DIR / "gunicorn.conf.py"), app_path]
    return subprocess.Popen(
        command,
        cwd=cwd,
        env=env | {"PORT": str(port), "BIND_HOST": "127.0.0.1", "PYTHONPATH": str(APP_DIR)},
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def stop(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(timeout=30)


def wrk(url: str, settings: dict, connections: int, duration: int, threads: int, workdir: Path) -> dict:
    lines = [f"{name} = {json.dumps(value)}" for name, value in settings.items()]
    script = workdir / f"{settings['SCENARIO']}-{connections}.lua"
    script.write_text(
        "\n".join(lines) + "\n" + (BENCH_DIR / "scenarios.lua").read_text() + (BENCH_DIR / "report.lua").read_text()
    )
    command = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{duration}s", "--timeout", "5s"]
    completed = subprocess.run(
        [*command, "-s", str(script), url], capture_output=True, text=True, check=False, timeout=duration + 60
    )
    if completed.returncode:
        log_tail = "".join(log.read_text()[-3000:] for log in sorted(workdir.glob("*.log")))
        raise SystemExit(f"wrk failed: {completed.stdout}{completed.stderr}\nserver logs:\n{log_tail}")
    output = completed.stdout
    result = json.loads(next(line for line in output.splitlines() if line.startswith("RESULT "))[7:])
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    return result


def prepare(config: dict, parents_needed: int) -> tuple[str, int, int]:
    """Seed the data set, register a device and set aside empty parents for the scan scenarios."""
    app = create_app(config)
    with app.app_context():
        app.test_cli_runner().invoke(args=["seed"], catch_exceptions=False)
        db = services().db
        with db.read() as conn:
            kinds = dict(conn.execute(select(bags.c.kind, func.count()).group_by(bags.c.kind)).all())
        with db.transaction() as conn:
            key = create_device(conn, "benchmark")
            timestamp = now()
            rows = [
                {
                    "qr_id": f"SB{PARENT_BASE + n}",
                    "kind": "parent",
                    "child_count": 0,
                    "created_at": timestamp,
                    "updated_at": timestamp,
                }
                for n in range(parents_needed)
            ]
            conn.execute(bags.insert(), rows)
        db.dispose()
    return key, kinds["parent"], kinds["child"]


def check_integrity(config: dict) -> str:
    """After the load: no parent over capacity, and every counter equal to the children linked to it."""
    app = create_app(config)
    holder = bags.alias()
    with app.app_context(), services().db.read() as conn:
        over = conn.execute(select(func.count()).where(bags.c.child_count > PARENT_CAPACITY)).scalar_one()
        linked = select(func.count()).where(holder.c.parent_id == bags.c.id).scalar_subquery()
        wrong = conn.execute(
            select(func.count()).where(bags.c.kind == "parent", bags.c.child_count != linked)
        ).scalar_one()
    services_db = app.extensions["tracetrack"].db
    services_db.dispose()
    return "ok" if over == 0 and wrong == 0 else f"FAILED: {over} parents over capacity, {wrong} miscounted"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=int, default=15, help="seconds per measurement (default 15)")
    parser.add_argument("--connections", default="50,500", help="comma-separated wrk connection counts")
    parser.add_argument(
        "--rate", type=int, default=500, help="requests a second of the paced rows, from 50 connections (0: none)"
    )
    parser.add_argument("--wrk-threads", type=int, default=2)
    parser.add_argument("--workers", default=os.environ.get("WEB_CONCURRENCY", "2"))
    parser.add_argument("--threads", default=os.environ.get("GUNICORN_THREADS", "8"))
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"),
    )
    parser.add_argument("--redis-url", default=os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/14"))
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (apt-get install wrk)")
    connection_counts = [int(c) for c in args.connections.split(",")]
    # (connections, requests a second or 0 for as many as the server answers); the warm-up comes first
    loads = [(50, 0), *((count, 0) for count in connection_counts)]
    paced = [(PACED_CONNECTIONS, args.rate)] if args.rate else []
    runs = len(loads) + len(paced)  # each run takes numbers of its own

    schema = f"tt_bench_{os.getpid()}"
    prefix = f"tt-bench-{os.getpid()}:"
    env = {
        **os.environ,
        "TRACETRACK_ENV": "benchmark",
        "SECRET_KEY": secrets.token_hex(32),
        "DATABASE_URL": args.database_url,
        "DATABASE_SCHEMA": schema,
        "REDIS_URL": args.redis_url,
        "CACHE_KEY_PREFIX": prefix,
        # One wrk client stands in for a whole warehouse of devices sharing a key.
        "RATELIMIT_API": "10000000 per minute",
        "WEB_CONCURRENCY": str(args.workers),
        "GUNICORN_THREADS": str(args.threads),
    }
    config = {
        key: env[key] for key in ("SECRET_KEY", "DATABASE_URL", "DATABASE_SCHEMA", "REDIS_URL", "CACHE_KEY_PREFIX")
    } | {"DB_AUTO_MIGRATE": True, "ACCESS_LOG": False, "TRACETRACK_ENV": "benchmark"}
    workdir = Path(tempfile.mkdtemp(prefix="tracetrack-bench-"))
    servers = []
    try:
        load_before = os.getloadavg()[0]
        print(f"seeding schema {schema} ...", flush=True)
        key, seeded_parents, seeded_children = prepare(config, PARENTS_PER_THREAD * args.wrk_threads * runs)
        app_port, bare_port = free_port(), free_port()
        servers.append(start_gunicorn("tracetrack.wsgi:app", app_port, env, APP_DIR, workdir / "app.log"))
        servers.append(start_gunicorn("bare_app:app", bare_port, env, BENCH_DIR, workdir / "bare.log"))
        wait_ready(f"http://127.0.0.1:{app_port}/health/elb")
        wait_ready(f"http://127.0.0.1:{bare_port}/")

        app_url, bare_url = f"http://127.0.0.1:{app_port}", f"http://127.0.0.1:{bare_port}"
        scenarios = [
            ("bare Flask (ceiling)", bare_url, servers[1], {"SCENARIO": "get", "PATH": "/"}, paced),
            ("GET /health/elb", app_url, servers[0], {"SCENARIO": "get", "PATH": "/health/elb"}, []),
            ("POST parent scan", app_url, servers[0], {"SCENARIO": "parent_scan"}, paced),
            ("POST child scan", app_url, servers[0], {"SCENARIO": "child_scan"}, paced),
            ("GET bag lookup", app_url, servers[0], {"SCENARIO": "lookup"}, paced),
        ]
        results = []
        for name, url, server, settings, paced_loads in scenarios:
            settings |= {
                "WRK_THREADS": args.wrk_threads,
                "API_KEY": key,
                "PARENTS_PER_THREAD": PARENTS_PER_THREAD,
                "ACTIVE_PARENTS": ACTIVE_PARENTS,
                "SEEDED_PARENTS": seeded_parents,
                "SEEDED_CHILDREN": seeded_children,
            }
            for run, (connections, rate) in enumerate([*loads, *paced_loads]):
                per_run = {
                    "PARENT_BASE": PARENT_BASE + run * PARENTS_PER_THREAD * args.wrk_threads,
                    "CHILD_BASE": CHILD_BASE + run * 4_000_000,
                    "RATE": rate,
                    "WALK_START": run * LOOKUPS_PER_RUN,
                }
                duration = WARMUP_SECONDS if run == 0 else args.duration
                before = server_cpu_seconds(server.pid), store_cpu_seconds(), machine_busy_seconds()
                result = wrk(url, settings | per_run, connections, duration, args.wrk_threads, workdir)
                result["rate"] = rate
                after = server_cpu_seconds(server.pid), store_cpu_seconds(), machine_busy_seconds()
                per_request = [(b - a) * 1000 / max(result["requests"], 1) for a, b in zip(before, after, strict=True)]
                result["cpu_ms"], result["store_cpu_ms"], result["machine_cpu_ms"] = per_request
                if run:
                    results.append((name, connections, result))
                    paced_at = f" (paced at {rate}/s)" if rate else ""
                    print(f"  {name:<22} c={connections:<4} {result['rps']:>8.0f} req/s{paced_at}", flush=True)
        integrity = check_integrity(config)

        bare = {c: r["rps"] for n, c, r in results if n.startswith("bare") and not r["rate"]}
        print(
            f"\nMachine: {os.cpu_count()} cores, {cpu_model()}, "
            f"Python {platform.python_version()}; gunicorn gthread {args.workers} workers x {args.threads} threads; "
            f"wrk -t{args.wrk_threads}, {args.duration} s per row; PostgreSQL, Redis, wrk and gunicorn share the cores."
        )
        columns = ["Scenario", "Connections", "Req/s", "mean ms", "p50 ms", "p95 ms", "p99 ms"]
        columns += ["Errors (HTTP/socket)", "vs bare"]
        cpu_columns = ["server CPU ms/req", "PostgreSQL+Redis CPU ms/req", "machine CPU ms/req"]
        print("\n| " + " | ".join([*columns, *cpu_columns]) + " |")
        print("|---|" + "---:|" * (len(columns) + len(cpu_columns) - 1))
        for name, connections, r in results:
            errors = f"{r['status_errors']}/{r['socket_errors']}"
            load = f"{connections}, paced at {r['rate']}/s" if r["rate"] else str(connections)
            versus = "-" if r["rate"] else f"{r['rps'] / bare[connections]:.0%}"
            print(
                f"| {name} | {load} | {r['rps']:,.0f} | {r['mean_us'] / 1000:.1f} | {r['p50_us'] / 1000:.1f} | "
                f"{r['p95_us'] / 1000:.1f} | {r['p99_us'] / 1000:.1f} | {errors} | {versus} | {r['cpu_ms']:.2f} | "
                f"{r['store_cpu_ms']:.2f} | {r['machine_cpu_ms']:.2f} |"
            )
        for _name, connections, r in results:
            if r["cache_lookups"]:
                ratio = r["cache_hits"] / r["cache_lookups"]
                load = f"{connections} connections" + (f" paced at {r['rate']}/s" if r["rate"] else "")
                print(f"Lookup cache hit ratio, {load}: {ratio:.1%} of {r['cache_lookups']:,}")
        print(f"\nCapacity integrity after the run: {integrity}")
        print(f"1-minute load average before the run {load_before:.1f}, after {os.getloadavg()[0]:.1f}")
    finally:
        for server in servers:
            stop(server)
        benchdata.remove(args.database_url, schema, args.redis_url, prefix)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
