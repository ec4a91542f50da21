"""Production sizing from measured figures: the arithmetic of docs/SIZING.md, recomputed.

    .venv/bin/python benchmarks/sizing.py                                  # today's figures (docs/BENCHMARKS.md)
    .venv/bin/python benchmarks/sizing.py --benchmark /tmp/run.md          # the output of app/benchmarks/run.py
    .venv/bin/python benchmarks/sizing.py --redis-url redis://127.0.0.1:6379/15   # measure Redis as well
    .venv/bin/python benchmarks/sizing.py --check inventories/production   # does an inventory meet the targets?

Reads the server CPU per request of the application benchmark (its Markdown table: the benchmark's own output or
the "Application" section of docs/BENCHMARKS.md), the application's connection pool settings (app/tracetrack/config.py),
the price table of the inventory's region and seed 001's targets, and prints each step: the Fargate task size and
count, the PostgreSQL class, the Redis node and the monthly total by the same model as `make cost`. --check exits 1
when the inventory's shape falls short of what the arithmetic asks (a larger shape passes).
"""

import argparse
import importlib.util
import json
import math
import re
import sys
from pathlib import Path

import yaml

REPO_ROOT = Path(__file__).resolve().parents[1]

# Seed 001's success criteria: > 500 requests/s, p95 < 50 ms, 10x traffic spikes handled by autoscaling, 2-10
# tasks, 99.9 % availability over two zones; its budget, $345-495 a month.
SEED_PEAK_RPS = 500
SEED_SPIKE_FACTOR = 10
SEED_P95_MS = 50
SEED_MAX_TASKS = 10
SEED_ZONES = 2
# p95 of an exponential wait: ln(1 / (1 - 0.95)).
P95_FACTOR = math.log(20)
# The autoscaling role's CPU target and seed 001's CPU warning: tasks are never planned busier than this.
CPU_CEILING = 0.70
# While autoscaling adds tasks, a spike may take the tasks there are this close to their whole CPU, not beyond.
SPIKE_CEILING = 0.95
# Seed 001's alarms on database connections: warning above 80 %, critical above 95 % of max_connections.
CONNECTIONS_WARNING, CONNECTIONS_CRITICAL = 0.80, 0.95
# A rolling deployment starts the new tasks before it stops the old ones (service_deployment_maximum_percent: 200).
DEPLOYMENT_SURGE = 2.0
# ElastiCache's reserved-memory-percent default: a quarter of a node's memory is kept for replication and snapshots.
CACHE_RESERVED_SHARE = 0.25

# Fargate task sizes (CPU units, the smallest memory in MiB Fargate allows with them).
FARGATE_SIZES = [(256, 512), (512, 1024), (1024, 2048), (2048, 4096), (4096, 8192)]
# RDS for PostgreSQL classes: memory GiB, vCPUs, the share of each vCPU a burstable class sustains (1.0: not burstable).
DB_CLASSES = {
    "db.t3.micro": (1, 2, 0.10),
    "db.t3.small": (2, 2, 0.20),
    "db.t3.medium": (4, 2, 0.20),
    "db.t4g.micro": (1, 2, 0.10),
    "db.t4g.small": (2, 2, 0.20),
    "db.t4g.medium": (4, 2, 0.20),
    "db.t4g.large": (8, 2, 0.30),
    "db.m6g.large": (8, 2, 1.0),
    "db.m7g.large": (8, 2, 1.0),
    "db.m6g.xlarge": (16, 4, 1.0),
    "db.r6g.large": (16, 2, 1.0),
    "db.r7g.large": (16, 2, 1.0),
    "db.r6g.xlarge": (32, 4, 1.0),
    "db.r7g.xlarge": (32, 4, 1.0),
    "db.r6g.2xlarge": (64, 8, 1.0),
}
# PostgreSQL's max_connections on RDS: LEAST(DBInstanceClassMemory / 9531392, 5000), where DBInstanceClassMemory is
# the class's memory less what RDS keeps for the system (taken here as a tenth).
DB_MEMORY_FOR_POSTGRES = 0.9
# ElastiCache node types: memory GiB.
CACHE_NODES = {
    "cache.t3.micro": 0.5,
    "cache.t4g.micro": 0.5,
    "cache.t3.small": 1.37,
    "cache.t4g.small": 1.37,
    "cache.t3.medium": 3.09,
    "cache.t4g.medium": 3.09,
    "cache.m6g.large": 6.38,
    "cache.m7g.large": 6.38,
    "cache.r6g.large": 13.07,
    "cache.r7g.large": 13.07,
    "cache.r6g.xlarge": 26.32,
}
# What one API request costs Redis, measured on Redis 7.0 (`--redis-url` measures them again): bytes per cached
# object (MEMORY USAGE of the caller's identity under "device:<sha256>" and of its rate-limit counter) and
# microseconds of server CPU per command (INFO commandstats: the GET of the identity, the limiter's script).
REDIS_DEFAULTS = {"identity_bytes": 184, "counter_bytes": 104, "get_usec": 2.06, "script_usec": 17.66}
# The connection engines each worker opens: the writer and the reader (DATABASE_READ_URL), both on the primary
# when there is no read replica (roles/database/README.md).
ENGINES_PER_WORKER = 2


def load_cost_estimate():
    """The cost model `make cost` uses (plugins/filter/cost_estimate.py), so that both give the same figures."""
    spec = importlib.util.spec_from_file_location("cost_estimate", REPO_ROOT / "plugins" / "filter" / "cost_estimate.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.cost_estimate


# A row of app/benchmarks/run.py sent at a fixed rate: its Connections cell.
PACED_LOAD = re.compile(r"\d+, paced at \d+/s")


def benchmark_rows(text):
    """The rows of the application benchmark's table: {scenario: {load: {'rps': .., 'cpu_ms': ..}}}.

    Columns are found by their headings (Scenario, Connections, Req/s, server CPU ms/req), wherever they stand. The
    load is the connection count, or "50, paced at 500/s" for a row sent at a fixed rate: a request at a steady rate
    below the server's most costs more CPU than one at saturation (threads wake from sleep for it), so both count."""
    if "## Application" in text:
        text = text.split("## Application", 1)[1]
    rows, columns = {}, None
    for line in text.splitlines():
        if not line.strip().startswith("|"):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        headings = [c.lower() for c in cells]
        if {"scenario", "connections", "req/s", "server cpu ms/req"} <= set(headings):
            columns = {name: headings.index(name) for name in ("scenario", "connections", "req/s", "server cpu ms/req")}
            continue
        if columns is None or len(cells) < len(columns):
            continue
        load = cells[columns["connections"]]
        if not (load.isdigit() or PACED_LOAD.fullmatch(load)):
            continue
        by_connections = rows.setdefault(cells[columns["scenario"]], {})
        by_connections[int(load) if load.isdigit() else load] = {
            "rps": float(cells[columns["req/s"]].replace(",", "")),
            "cpu_ms": float(cells[columns["server cpu ms/req"]]),
        }
    if not rows:
        raise SystemExit("no benchmark table found (app/benchmarks/run.py's: Scenario, Connections, Req/s, ..., server CPU ms/req)")
    return rows


def request_cpu(rows):
    """The most expensive API request: scans and lookups, the bare endpoint and the load balancer's probe left out."""
    api = {name: max(by_conn.values(), key=lambda r: r["cpu_ms"]) | {"connections": max(by_conn, key=lambda c: by_conn[c]["cpu_ms"])}
           for name, by_conn in rows.items() if not name.startswith("bare") and "/health" not in name}
    if not api:
        raise SystemExit("the benchmark table has no API scenario (scans, lookups)")
    name = max(api, key=lambda n: api[n]["cpu_ms"])
    return name, api[name]


def app_defaults(config_path):
    """Threads per worker and the connection pool per engine, as the application's configuration defaults them."""
    source = config_path.read_text()
    found = {}
    for name in ("GUNICORN_THREADS", "DB_POOL_SIZE", "DB_MAX_OVERFLOW"):
        match = re.search(rf'get\("{name}", "(\d+)"\)', source)
        if not match:
            raise SystemExit(f"{config_path} has no default for {name}; give it with --{name.lower().replace('_', '-')}")
        found[name] = int(match.group(1))
    return found


def measure_redis(url):
    """Bytes per cached object (identity, rate-limit counter) and CPU per command, on the Redis at `url`."""
    import redis  # noqa: PLC0415 (only this option needs it)

    client = redis.Redis.from_url(url)
    prefix = "tt-sizing:"
    identity = [f"{prefix}device:{n:064x}" for n in range(100)]
    counters = [f"{prefix}limit/LIMITER/device:{100000 + n}/3000/1/minute" for n in range(100)]
    try:
        for n, key in enumerate(identity):
            client.set(key, json.dumps({"id": 100000 + n, "name": f"scanner-{n:04d}"}, separators=(",", ":")), ex=60)
        for key in counters:
            client.set(key, 42, ex=60)
        sizes = {name: sum(client.memory_usage(k) for k in keys) / len(keys) for name, keys in (("identity_bytes", identity), ("counter_bytes", counters))}
    finally:
        client.delete(*identity, *counters)
    stats = client.info("commandstats")
    usec = {name: stats.get(f"cmdstat_{command}", {}).get("usec_per_call") for name, command in (("get_usec", "get"), ("script_usec", "evalsha"))}
    return sizes | {k: v if v is not None else REDIS_DEFAULTS[k] for k, v in usec.items()}


def task_plan(cpu_units, memory, cpu_ms, targets, io_wait_ms, vcpu_speed):
    """One Fargate task size against the targets: the utilization the p95 allows, the task counts, or why it cannot."""
    vcpu = cpu_units / 1024
    workers = max(1, cpu_units // 1024)  # the service role's WEB_CONCURRENCY: one gunicorn worker per vCPU
    speed = min(1.0, vcpu / workers) * vcpu_speed  # a worker holds Python's lock: it runs on one vCPU at most
    service_ms = cpu_ms / speed
    idle_p95 = io_wait_ms + service_ms * P95_FACTOR
    plan = {"cpu": cpu_units, "memory": memory, "vcpu": vcpu, "workers": workers, "service_ms": service_ms, "idle_p95_ms": idle_p95}
    if idle_p95 >= targets["p95_ms"]:
        return plan | {"feasible": False, "why": f"p95 {idle_p95:.1f} ms on an idle task"}
    utilization_p95 = 1 - service_ms * P95_FACTOR / (targets["p95_ms"] - io_wait_ms)
    utilization = min(utilization_p95, CPU_CEILING)
    full = workers * speed * 1000 / cpu_ms
    planned = full * utilization
    baseline = targets["peak_rps"] / targets["spike_factor"]
    minimum = max(targets["zones"], math.ceil(baseline / planned), math.ceil(targets["peak_rps"] / (full * SPIKE_CEILING)))
    needed = math.ceil(targets["peak_rps"] / planned)
    spike_utilization = targets["peak_rps"] / (minimum * full)
    plan |= {
        "utilization_p95": utilization_p95,
        "utilization": utilization,
        "rps_full": full,
        "rps_planned": planned,
        "min_tasks": minimum,
        "tasks_for_peak": needed,
        "spike_utilization": spike_utilization,
        "spike_p95_ms": io_wait_ms + service_ms * P95_FACTOR / (1 - spike_utilization) if spike_utilization < 1 else math.inf,
    }
    if needed > targets["max_tasks"]:
        return plan | {"feasible": False, "why": f"{needed} tasks for the peak, more than {targets['max_tasks']}"}
    return plan | {"feasible": True, "why": ""}


def max_connections(db_class):
    memory_gib = DB_CLASSES[db_class][0]
    return min(int(memory_gib * 1024**3 * DB_MEMORY_FOR_POSTGRES / 9531392), 5000)


def database_plan(tasks, workers, app, prices, targets):
    """The cheapest PostgreSQL class whose max_connections holds the tasks' connections below the alarms."""
    per_worker = ENGINES_PER_WORKER * min(app["GUNICORN_THREADS"], app["DB_POOL_SIZE"] + app["DB_MAX_OVERFLOW"])
    steady = tasks * workers * per_worker
    surge = math.ceil(steady * DEPLOYMENT_SURGE)
    hourly = prices["rds_postgresql"]["instance_hour"]
    candidates = []
    for name in sorted((c for c in hourly if c in DB_CLASSES), key=lambda c: (hourly[c], c)):
        limit = max_connections(name)
        fits = steady <= CONNECTIONS_WARNING * limit and surge <= CONNECTIONS_CRITICAL * limit
        candidates.append({"class": name, "hour": hourly[name], "max_connections": limit, "fits": fits})
    chosen = next((c for c in candidates if c["fits"]), None)
    if chosen is None:
        raise SystemExit(f"no priced PostgreSQL class holds {surge} connections")
    vcpus, baseline_share = DB_CLASSES[chosen["class"]][1:]
    baseline_rps = targets["peak_rps"] / targets["spike_factor"]
    return {
        "per_worker": per_worker,
        "pool_limit_per_worker": ENGINES_PER_WORKER * (app["DB_POOL_SIZE"] + app["DB_MAX_OVERFLOW"]),
        "steady": steady,
        "surge": surge,
        "candidates": candidates,
        "chosen": chosen,
        "vcpus": vcpus,
        "baseline_vcpu": vcpus * baseline_share,
        # The PostgreSQL CPU per request the class can give: sustained at the baseline, at 70 % of every vCPU at the peak.
        "cpu_ms_baseline": vcpus * baseline_share * 1000 / baseline_rps,
        "cpu_ms_peak": vcpus * CPU_CEILING * 1000 / targets["peak_rps"],
    }


def cache_plan(redis_figures, prices, targets, clients):
    """The cheapest node that holds the working set ten times over; two of them (a replica for automatic failover)."""
    per_client = redis_figures["identity_bytes"] + redis_figures["counter_bytes"]
    working_set = clients * per_client
    hourly = prices["elasticache"]["node_hour"]
    candidates = [
        {"node": name, "hour": hourly[name], "usable_bytes": CACHE_NODES[name] * 1024**3 * (1 - CACHE_RESERVED_SHARE)}
        for name in sorted((n for n in hourly if n in CACHE_NODES), key=lambda n: (hourly[n], n))
    ]
    chosen = next(c for c in candidates if c["usable_bytes"] >= working_set * targets["spike_factor"])
    commands_per_second = targets["peak_rps"] * 2
    cpu_share = targets["peak_rps"] * (redis_figures["get_usec"] + redis_figures["script_usec"]) / 1e6
    return {"per_client": per_client, "clients": clients, "working_set": working_set, "chosen": chosen,
            "commands_per_second": commands_per_second, "cpu_share": cpu_share}


def inventory_settings(path):
    """An inventory's settings over the roles' literal defaults and the project-wide ones (what the cost report reads)."""
    values = {}
    for role in ("network", "database", "cache", "service", "autoscaling", "cdn", "secrets", "monitoring"):
        defaults = yaml.safe_load((REPO_ROOT / "roles" / role / "defaults" / "main.yml").read_text())
        values.update({k: v for k, v in defaults.items() if not (isinstance(v, str) and "{{" in v)})
    (group_vars,) = (path / "group_vars").glob("*.yml")
    values.update(yaml.safe_load(group_vars.read_text()))
    return values


def monthly(settings, prices, cost_estimate):
    estimate = cost_estimate(
        {**settings, "secrets_count": 5, "alarms_count": 8 * len(settings.get("service_services") or [{}]) + 4 + 6 + 6},
        prices,
    )
    return estimate


def fargate_monthly(plan, count, prices):
    fargate = prices["fargate"]["x86_64"]
    return count * (plan["vcpu"] * fargate["vcpu_hour"] + plan["memory"] / 1024 * fargate["gb_hour"]) * prices["hours_per_month"]


def size(args):
    rows = benchmark_rows(Path(args.benchmark).read_text())
    scenario, worst = request_cpu(rows)
    cpu_ms = args.cpu_ms or worst["cpu_ms"]
    app = app_defaults(Path(args.app_config))
    for name in app:
        override = getattr(args, name.lower())
        if override is not None:
            app[name] = override
    inventory = inventory_settings(Path(args.inventory))
    prices = yaml.safe_load((REPO_ROOT / "data" / "prices" / f"{inventory['aws_region']}.yml").read_text())
    targets = {"peak_rps": args.peak_rps, "spike_factor": args.spike_factor, "p95_ms": args.p95_ms, "max_tasks": args.max_tasks, "zones": args.zones}
    io_wait = args.round_trips * args.round_trip_ms + args.commit_ms
    redis_figures = measure_redis(args.redis_url) if args.redis_url else dict(REDIS_DEFAULTS)

    plans = [task_plan(cpu, memory, cpu_ms, targets, io_wait, args.vcpu_speed) for cpu, memory in FARGATE_SIZES]
    for plan in plans:
        if plan["feasible"]:
            plan["monthly_min"] = fargate_monthly(plan, plan["min_tasks"], prices)
            plan["monthly_peak"] = fargate_monthly(plan, plan["tasks_for_peak"], prices)
    feasible = [p for p in plans if p["feasible"]]
    if not feasible:
        raise SystemExit("no Fargate task size meets the targets with these figures: " + "; ".join(f"{p['cpu']} CPU: {p['why']}" for p in plans))
    task = min(feasible, key=lambda p: (round(p["monthly_min"], 2), round(p["monthly_peak"], 2)))
    max_tasks = max(task["tasks_for_peak"], args.max_tasks)
    database = database_plan(max_tasks, task["workers"], app, prices, targets)
    cache = cache_plan(redis_figures, prices, targets, args.clients)

    recommended = {
        "network_az_count": targets["zones"],
        "network_nat_gateway_mode": "per_az",
        "service_cpu": task["cpu"],
        "service_memory": task["memory"],
        "service_desired_count": task["min_tasks"],
        "autoscaling_min_capacity": task["min_tasks"],
        "autoscaling_max_capacity": max_tasks,
        "autoscaling_cpu_target": int(task["utilization"] * 100),
        "autoscaling_requests_per_target": int(task["rps_planned"] * 60 // 10 * 10),
        "database_instance_class": database["chosen"]["class"],
        "database_multi_az": True,
        "database_read_replicas": 0,
        "monitoring_db_max_connections": database["chosen"]["max_connections"],
        "cache_node_type": cache["chosen"]["node"],
        "cache_replicas": 1,
    }
    cost_estimate = load_cost_estimate()
    estimate = monthly({**inventory, **recommended}, prices, cost_estimate)
    other_reading = task_plan(task["cpu"], task["memory"], cpu_ms, targets | {"peak_rps": targets["peak_rps"] * targets["spike_factor"], "max_tasks": 10**6},
                              io_wait, args.vcpu_speed)
    return {
        "inputs": {"benchmark": shown(args.benchmark), "scenario": scenario, "scenario_connections": worst["connections"], "cpu_ms": cpu_ms,
                   "app": app, "redis": redis_figures, "io_wait_ms": io_wait, "round_trips": args.round_trips, "round_trip_ms": args.round_trip_ms,
                   "commit_ms": args.commit_ms, "vcpu_speed": args.vcpu_speed, "region": inventory["aws_region"], "clients": args.clients},
        "targets": targets,
        "tasks": plans,
        "task": task,
        "database": database,
        "cache": cache,
        "recommended": recommended,
        "estimate": {"total": estimate["total"], "services": estimate["services"], "currency": estimate["currency"]},
        "peak_month": estimate["total"] + fargate_monthly(task, max_tasks - task["min_tasks"], prices),
        "other_reading": other_reading | {"monthly_peak": fargate_monthly(other_reading, other_reading.get("tasks_for_peak", 0), prices)},
        "inventory": inventory,
    }


def shown(path):
    """A path as the reader typed it from the repository's root."""
    resolved = Path(path).resolve()
    return str(resolved.relative_to(REPO_ROOT)) if resolved.is_relative_to(REPO_ROOT) else str(path)


def money(value):
    return f"${value:,.2f}"


def report(result):
    i, t, task, db, cache = result["inputs"], result["targets"], result["task"], result["database"], result["cache"]
    baseline = t["peak_rps"] / t["spike_factor"]
    load = i["scenario_connections"]
    load = f"{load} connections" if isinstance(load, int) else load
    out = [
        "# Production sizing (benchmarks/sizing.py)",
        "",
        "## Inputs",
        "",
        f"- Application benchmark ({i['benchmark']}): the most expensive API request is {i['scenario']}, {i['cpu_ms']:.2f} ms of server CPU "
        f"(at {load}); one vCPU as fast as the benchmark machine's core serves 1000 / {i['cpu_ms']:.2f} = "
        f"{1000 / i['cpu_ms']:.1f} such requests a second.",
        f"- Application settings (app/tracetrack/config.py): {i['app']['GUNICORN_THREADS']} threads per worker, a pool of "
        f"{i['app']['DB_POOL_SIZE']} + {i['app']['DB_MAX_OVERFLOW']} overflow connections per engine, {ENGINES_PER_WORKER} engines per worker "
        "(writer and reader, both on the primary without a read replica); one worker per vCPU (the service role's WEB_CONCURRENCY).",
        f"- Redis, per active client: identity {i['redis']['identity_bytes']:.0f} B + rate-limit counter {i['redis']['counter_bytes']:.0f} B; "
        f"per API request: GET {i['redis']['get_usec']:.2f} us + limiter script {i['redis']['script_usec']:.2f} us of server CPU.",
        f"- Seed 001's targets: peak {t['peak_rps']:g} req/s, spikes {t['spike_factor']:g}x (baseline {baseline:g} req/s), p95 < {t['p95_ms']:g} ms, "
        f"at most {t['max_tasks']} tasks, {t['zones']} zones; {i['clients']} concurrent clients.",
        f"- Assumed (not measured here): {i['round_trips']} round trips per request at {i['round_trip_ms']:g} ms plus {i['commit_ms']:g} ms for the "
        f"Multi-AZ commit = {i['io_wait_ms']:g} ms of waiting per request; a Fargate vCPU = {i['vcpu_speed']:g} x the benchmark's core.",
        "",
        "## Fargate task size and count",
        "",
        f"A worker is one queue on its CPU share: p95 = wait + S x ln 20 / (1 - u), S = CPU ms / vCPU share. p95 < {t['p95_ms']:g} ms "
        f"caps u at 1 - S x {P95_FACTOR:.3f} / ({t['p95_ms']:g} - {i['io_wait_ms']:g}), and never above {CPU_CEILING:.0%}. "
        f"Minimum tasks: one per zone, the baseline at that u, and the whole peak at {SPIKE_CEILING:.0%} CPU (a {t['spike_factor']:g}x step "
        "is carried, slower, until autoscaling adds tasks). Tasks for the peak: peak / (requests a second per task at u).",
        "",
        "| task | workers | S ms | idle p95 ms | u for p95 | req/s per task at u (100 %) | min tasks | tasks for the peak | Fargate a month at min / peak |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for p in result["tasks"]:
        label = f"{p['vcpu']:g} vCPU / {p['memory'] / 1024:g} GB"
        if not p["feasible"]:
            out.append(f"| {label} | {p['workers']} | {p['service_ms']:.2f} | {p['idle_p95_ms']:.1f} | - | - | - | - | no: {p['why']} |")
            continue
        out.append(
            f"| {label} | {p['workers']} | {p['service_ms']:.2f} | {p['idle_p95_ms']:.1f} | {p['utilization']:.0%} | "
            f"{p['rps_planned']:.1f} ({p['rps_full']:.1f}) | {p['min_tasks']} | {p['tasks_for_peak']} | "
            f"{money(p['monthly_min'])} / {money(p['monthly_peak'])} |"
        )
    rec = result["recommended"]
    out += [
        "",
        f"Chosen: {task['vcpu']:g} vCPU / {task['memory'] / 1024:g} GB, the cheapest at the minimum count (then at the peak): "
        f"{rec['autoscaling_min_capacity']}-{rec['autoscaling_max_capacity']} tasks (the peak needs {task['tasks_for_peak']}; the maximum "
        f"is the ceiling of {t['max_tasks']}, room beyond the peak). CPU target {rec['autoscaling_cpu_target']} %, "
        f"{rec['autoscaling_requests_per_target']:,} requests per task and minute. While a {t['spike_factor']:g}x step waits for new tasks, "
        f"the {task['min_tasks']} tasks run at {task['spike_utilization']:.0%} CPU, p95 about {task['spike_p95_ms']:.0f} ms.",
        "",
        "## PostgreSQL",
        "",
        f"Connections per worker: {ENGINES_PER_WORKER} engines x min({i['app']['GUNICORN_THREADS']} threads, pool {i['app']['DB_POOL_SIZE']} + "
        f"{i['app']['DB_MAX_OVERFLOW']}) = {db['per_worker']} (a thread holds one connection at a time; the pools alone would allow "
        f"{db['pool_limit_per_worker']}). At {rec['autoscaling_max_capacity']} tasks x {task['workers']} worker(s): {db['steady']}, "
        f"and {db['surge']} while a deployment runs old and new tasks side by side. They must stay under "
        f"{CONNECTIONS_WARNING:.0%} (warning) and {CONNECTIONS_CRITICAL:.0%} (critical) of max_connections = "
        f"LEAST({DB_MEMORY_FOR_POSTGRES:g} x memory / 9531392, 5000).",
        "",
        "| class | per hour | max_connections | holds the connections |",
        "|---|---:|---:|---|",
    ]
    for c in db["candidates"]:
        out.append(f"| {c['class']} | {c['hour']:.3f} | {c['max_connections']} | {'yes' if c['fits'] else 'no'} |")
        if c is db["chosen"]:
            break
    out += [
        "",
        f"Chosen: {db['chosen']['class']}, Multi-AZ, no read replica (the primary holds every connection). Its CPU is not measured by "
        f"the benchmark: the class sustains {db['baseline_vcpu']:g} vCPU, which carries the baseline while PostgreSQL spends under "
        f"{db['cpu_ms_baseline']:.1f} ms of CPU per request, and {'bursts to ' if db['baseline_vcpu'] < db['vcpus'] else 'has '}"
        f"{db['vcpus']} vCPUs, which carry the peak at {CPU_CEILING:.0%} under {db['cpu_ms_peak']:.1f} ms per request.",
        "",
        "## Redis",
        "",
        f"Working set: {cache['clients']} clients x {cache['per_client']:.0f} B = {cache['working_set'] / 1024:.0f} KiB; "
        f"{cache['chosen']['node']} keeps {cache['chosen']['usable_bytes'] / 1024**2:.0f} MiB for data "
        f"({1 - CACHE_RESERVED_SHARE:.0%} of its memory), {cache['chosen']['usable_bytes'] / cache['working_set']:,.0f} times the working set "
        f"(at least {t['spike_factor']:g} times is asked). "
        f"At the peak: {cache['commands_per_second']:,} commands a second, {cache['cpu_share']:.1%} of one vCPU. Two nodes: a primary and a "
        "replica in the other zone, with automatic failover.",
        "",
        "## The result",
        "",
        "| setting | value |",
        "|---|---|",
    ]
    out += [f"| `{k}` | {v} |" for k, v in rec.items()]
    total = result["estimate"]["total"]
    budget = result["inventory"].get("cost_monthly_budget")
    against = ""
    if budget is not None:
        against = f", budget {money(float(budget))}: {'under' if total <= float(budget) else 'over'} by {money(abs(float(budget) - total))}"
    out += [
        "",
        f"Monthly estimate ({i['region']}, the model of `make cost`): {money(total)} at {task['min_tasks']} tasks{against}; "
        f"{money(result['peak_month'])} if {rec['autoscaling_max_capacity']} tasks ran all month.",
    ]
    o = result["other_reading"]
    if o.get("tasks_for_peak"):
        connections = o["tasks_for_peak"] * db["per_worker"] * task["workers"]
        holds = connections <= CONNECTIONS_WARNING * db["chosen"]["max_connections"]
        out += [
            "",
            f"If \"{t['spike_factor']:g}x spikes\" meant {t['peak_rps'] * t['spike_factor']:,.0f} req/s rather than {t['peak_rps']:g}: "
            f"{o['tasks_for_peak']} tasks of {task['vcpu']:g} vCPU at the peak ({money(o['monthly_peak'])} for a month of them), "
            f"{connections} database connections ({'within' if holds else 'beyond'} what {db['chosen']['class']} holds) before a deployment doubles them.",
        ]
    return "\n".join(out)


def check(result, path):
    """What the inventory at `path` lacks against the arithmetic (a larger shape passes)."""
    have = inventory_settings(Path(path))
    need = result["recommended"]
    problems = []
    plan = task_plan(int(have["service_cpu"]), int(have["service_memory"]), result["inputs"]["cpu_ms"], result["targets"], result["inputs"]["io_wait_ms"],
                     result["inputs"]["vcpu_speed"])
    if not plan["feasible"]:
        problems.append(f"service_cpu {have['service_cpu']}: {plan['why']}")
    else:
        if int(have["autoscaling_min_capacity"]) < plan["min_tasks"]:
            problems.append(f"autoscaling_min_capacity {have['autoscaling_min_capacity']} < {plan['min_tasks']}")
        if int(have["autoscaling_max_capacity"]) < plan["tasks_for_peak"]:
            problems.append(f"autoscaling_max_capacity {have['autoscaling_max_capacity']} < {plan['tasks_for_peak']}")
    connections = result["database"]["per_worker"] * plan["workers"] * int(have["autoscaling_max_capacity"])
    limit = max_connections(have["database_instance_class"]) if have["database_instance_class"] in DB_CLASSES else 0
    if connections > CONNECTIONS_WARNING * limit or connections * DEPLOYMENT_SURGE > CONNECTIONS_CRITICAL * limit:
        problems.append(f"database_instance_class {have['database_instance_class']}: max_connections {limit} for {connections} connections")
    if not have.get("database_multi_az"):
        problems.append("database_multi_az is not true")
    if int(have.get("cache_replicas", 0)) < need["cache_replicas"]:
        problems.append(f"cache_replicas {have.get('cache_replicas', 0)} < {need['cache_replicas']}")
    if CACHE_NODES.get(have["cache_node_type"], 0) < CACHE_NODES[need["cache_node_type"]]:
        problems.append(f"cache_node_type {have['cache_node_type']} has less memory than {need['cache_node_type']}")
    if int(have["network_az_count"]) < need["network_az_count"] or have["network_nat_gateway_mode"] != "per_az":
        problems.append("the network needs two zones or more with a NAT gateway in each")
    return problems


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--benchmark", default=str(REPO_ROOT / "docs" / "BENCHMARKS.md"), help="app/benchmarks/run.py's output (default docs/BENCHMARKS.md)")
    parser.add_argument("--cpu-ms", type=float, help="server CPU per request instead of the benchmark's most expensive API row")
    parser.add_argument("--app-config", default=str(REPO_ROOT / "app" / "tracetrack" / "config.py"))
    parser.add_argument("--gunicorn-threads", type=int)
    parser.add_argument("--db-pool-size", type=int)
    parser.add_argument("--db-max-overflow", type=int)
    parser.add_argument("--redis-url", help="measure Redis bytes per object and CPU per command there (scratch keys, removed after)")
    parser.add_argument("--inventory", default=str(REPO_ROOT / "inventories" / "production"), help="its region prices the result")
    parser.add_argument("--peak-rps", type=float, default=SEED_PEAK_RPS)
    parser.add_argument("--spike-factor", type=float, default=SEED_SPIKE_FACTOR)
    parser.add_argument("--p95-ms", type=float, default=SEED_P95_MS)
    parser.add_argument("--max-tasks", type=int, default=SEED_MAX_TASKS)
    parser.add_argument("--zones", type=int, default=SEED_ZONES)
    parser.add_argument("--clients", type=int, default=500, help="clients active within a minute (seed 001: 500+ concurrent users)")
    parser.add_argument("--round-trips", type=int, default=7, help="PostgreSQL and Redis round trips of a scan (5 + 2)")
    parser.add_argument("--round-trip-ms", type=float, default=1.0)
    parser.add_argument("--commit-ms", type=float, default=4.0, help="what a Multi-AZ commit adds (synchronous standby)")
    parser.add_argument("--vcpu-speed", type=float, default=1.0, help="a Fargate vCPU's speed against the benchmark machine's core")
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument("--check", metavar="INVENTORY", help="exit 1 when this inventory falls short of the result")
    args = parser.parse_args()
    result = size(args)
    print(report(result))
    if args.json:
        Path(args.json).write_text(json.dumps({k: v for k, v in result.items() if k != "inventory"}, indent=2, default=str) + "\n")
    if args.check:
        problems = check(result, args.check)
        print(f"\n{args.check}: " + ("meets the targets" if not problems else "falls short: " + "; ".join(problems)))
        return 1 if problems else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
