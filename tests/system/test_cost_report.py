"""playbooks/cost.yml for every inventory (and TraceTrack's large example): its figures, recomputed here from the price
table, the inventory and the roles' defaults (independently of the tracetrack.aws.cost_estimate filter), the budget
an inventory declares, and no AWS call. Production meets the sizing arithmetic of docs/SIZING.md."""

import re
import subprocess
import sys

import pytest
import yaml

from tests.support.playbook import REPO_ROOT, run_playbook

ENVIRONMENTS = sorted(p.name for p in (REPO_ROOT / "inventories").iterdir() if (p / "hosts.yml").is_file()) + ["examples/tracetrack-large/production"]
ROLE_DEFAULTS = ("network", "database", "cache", "service", "cdn", "secrets")


# What a strict inventory takes from the operator (-e): the load balancer's certificate, without which its settings are
# refused (HTTPS to the origin); the estimate is the same with any.
STRICT_INPUTS = {"service_certificate_arn": "arn:aws:acm:ap-south-1:123456789012:certificate/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b"}


def settings(env_name):
    """The inventory over the roles' literal defaults (every templated default the estimate reads is set per inventory)."""
    values = {}
    for role in ROLE_DEFAULTS:
        defaults = yaml.safe_load((REPO_ROOT / "roles" / role / "defaults" / "main.yml").read_text())
        values.update({k: v for k, v in defaults.items() if not (isinstance(v, str) and "{{" in v)})
    (group_vars,) = (REPO_ROOT / "inventories" / env_name / "group_vars").glob("*.yml")
    values.update(yaml.safe_load(group_vars.read_text()))
    return values


def expected(env_name):
    """Monthly figures per service, from the AWS price dimensions: hours x hourly rates, GB-months x storage rates."""
    v = settings(env_name)
    p = yaml.safe_load((REPO_ROOT / "data" / "prices" / f"{v['aws_region']}.yml").read_text())
    h = p["hours_per_month"]
    fargate = p["fargate"]["x86_64"]
    tasks, weight = v["service_desired_count"], v.get("service_spot_weight", 0)
    spot = (tasks - 1) * weight / (weight + 1) if weight else 0
    vcpu, gb = v["service_cpu"] / 1024, v["service_memory"] / 1024
    rds = p["rds_postgresql"]
    az = 2 if v["database_multi_az"] else 1
    storage = v["database_allocated_storage"]
    replicas = v["database_read_replicas"]
    nats = {"per_az": v["network_az_count"], "single": 1, "none": 0}[v["network_nat_gateway_mode"]]
    figures = {
        "ECS Fargate": (tasks - spot) * (vcpu * fargate["vcpu_hour"] + gb * fargate["gb_hour"]) * h
        + spot * (vcpu * fargate["spot_vcpu_hour"] + gb * fargate["spot_gb_hour"]) * h,
        "Elastic Load Balancing": (p["alb"]["hour"] + p["alb"]["assumed_lcus"] * p["alb"]["lcu_hour"] + v["network_az_count"] * p["public_ipv4"]["hour"]) * h,
        "RDS PostgreSQL": (az + replicas) * rds["instance_hour"][v["database_instance_class"]] * h + (az + replicas) * storage * rds["gp3_gb_month"],
        "ElastiCache Redis": (v["cache_replicas"] + 1) * p["elasticache"]["node_hour"][v["cache_node_type"]] * h,
        "VPC": nats * (p["nat_gateway"]["hour"] + p["public_ipv4"]["hour"]) * h,
        "CloudFront": 0.0,
        "Secrets Manager": 5 * p["secrets_manager"]["secret_month"],
        "CloudWatch": 26 * p["cloudwatch"]["alarm_month"] + p["cloudwatch"]["dashboard_month"],
    }
    if v.get("cdn_waf_enabled"):
        figures["WAF"] = p["waf"]["web_acl_month"] + p["waf"]["rules_per_web_acl"] * p["waf"]["rule_month"]
    if v.get("database_backup_replication_region"):
        figures["RDS PostgreSQL"] += storage * (rds["backup_replication_gb_month"] + rds["cross_region_transfer_gb"])
    keys = int(bool(v.get("secrets_kms_key_enabled"))) + int(bool(v.get("database_backup_replication_region")))
    if keys:
        figures["KMS"] = keys * p["kms"]["key_month"]
    return {k: val for k, val in figures.items() if val or k == "CloudFront"}


def reported(stdout):
    """The per-service table the playbook printed: {service: monthly}, and the total."""
    table = stdout.split("\n\n        SERVICE ", 1)[1]
    rows = {}
    for line in table.splitlines()[2:]:
        match = re.match(r"^\s+(\S.*?)\s{2,}([\d,]+\.\d\d)$", line)
        if not match:
            break
        rows[match.group(1)] = float(match.group(2).replace(",", ""))
    return rows


@pytest.mark.parametrize("env_name", ENVIRONMENTS)
def test_cost_report_matches_the_price_table(env_name, emulator):
    run = run_playbook("playbooks/cost.yml", env_name, emulator.url, extra_vars=STRICT_INPUTS if settings(env_name).get("env_strict") else None)
    assert run.returncode == 0, run.explain()
    assert run.changed == 0
    assert run.calls.calls == [], "the estimate makes no AWS call"
    rows = reported(run.stdout)
    total = rows.pop("TOTAL")
    want = expected(env_name)
    assert set(rows) == set(want), (rows, want)
    for service, figure in want.items():
        assert rows[service] == pytest.approx(figure, abs=0.02), service
    assert total == pytest.approx(sum(want.values()), abs=0.05)
    values = settings(env_name)
    assert f"Monthly estimate of {values['env_name']} in " in run.stdout and "prices as of " in run.stdout
    budget = values.get("cost_monthly_budget")
    if budget is None:
        assert "no budget declared (cost_monthly_budget)" in run.stdout
    else:
        verdict = f"under by {budget - total:,.2f}" if total < budget else f"over by {total - budget:,.2f}"
        assert f"budget {budget:,.2f} USD a month (cost_monthly_budget): {verdict}" in run.stdout, run.stdout[-1500:]


def test_production_is_within_its_budget_and_meets_the_sizing_arithmetic():
    values = settings("production")
    assert sum(expected("production").values()) <= values["cost_monthly_budget"] == 495
    sizing = subprocess.run(
        [sys.executable, "benchmarks/sizing.py", "--check", "inventories/production"], cwd=REPO_ROOT, capture_output=True, text=True, check=False
    )
    assert sizing.returncode == 0, sizing.stdout[-3000:] + sizing.stderr[-3000:]
    assert "inventories/production: meets the targets" in sizing.stdout


def test_an_estimate_over_its_budget_says_by_how_much():
    run = run_playbook("playbooks/cost.yml", "dev", extra_vars={"cost_monthly_budget": 100})
    assert run.returncode == 0, run.explain()
    total = reported(run.stdout)["TOTAL"]
    assert total > 100
    assert f"budget 100.00 USD a month (cost_monthly_budget): over by {total - 100:,.2f}" in run.stdout, run.explain()


def test_a_budget_that_is_not_a_number_of_0_or_more_is_a_clear_error():
    run = run_playbook("playbooks/cost.yml", "dev", extra_vars={"cost_monthly_budget": "-5"})
    assert run.returncode != 0
    assert "cost_monthly_budget ('-5') must be a number of 0 or more" in run.stdout, run.explain()


def test_a_region_without_a_price_table_is_a_clear_error(emulator):
    run = run_playbook("playbooks/cost.yml", "dev", extra_vars={"aws_region": "eu-west-3"})
    assert run.returncode != 0
    assert "No price table for region eu-west-3" in run.stdout, run.explain()
    assert "ap-south-1, us-east-1" in run.stdout
