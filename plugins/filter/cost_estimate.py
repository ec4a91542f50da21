# -*- coding: utf-8 -*-

# Copyright: Contributors to the tracetrack.aws collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
name: cost_estimate
short_description: Estimate an environment's monthly AWS bill from its settings and a price table
version_added: 0.1.0
description:
  - Computes the fixed monthly cost of what C(playbooks/site.yml) builds for one environment, from the same
    variables the roles read (instance classes, counts, Multi-AZ, replicas, storage, NAT mode, Fargate task
    sizes and counts, the WAF) and a price table of the environment's region (C(data/prices/<region>.yml)).
  - Usage-based charges (data transfer, requests, NAT and load balancer traffic beyond the table's assumed
    capacity units, log ingestion, image storage) depend on traffic and are not estimated; the price table
    names them.
  - "Fargate: each service runs its desired count around the clock; with C(service_spot_weight) > 0 one task
    is on-demand (base 1) and the rest split between FARGATE and FARGATE_SPOT by weight 1 : spot weight, the
    way the service role's capacity provider strategy places them."
  - When the settings declare a budget (C(cost_monthly_budget)), the result compares the total with it and says by
    how much the total is over or under it.
options:
  _input:
    description:
      - The environment's settings, named as the variables of the roles (C(network_az_count),
        C(network_nat_gateway_mode), C(database_instance_class), C(database_replica_instance_class),
        C(database_multi_az), C(database_read_replicas), C(database_allocated_storage),
        C(database_backup_replication_region) (automated backups replicated there, with their storage, the transfer
        and the KMS key that encrypts them), C(cache_node_type),
        C(cache_replicas), C(cache_shards), C(cache_cluster_mode), C(service_services), C(service_cpu),
        C(service_memory), C(service_desired_count), C(service_spot_weight), C(service_cpu_architecture),
        C(cdn_waf_enabled), C(secrets_kms_key_enabled), C(secrets_count), C(alarms_count)), and optionally
        C(cost_monthly_budget), the environment's monthly budget in the price table's currency (a number, 0 or
        more; empty or null when the environment declares none).
    type: dict
    required: true
  prices:
    description: The price table (the content of C(data/prices/<region>.yml)).
    type: dict
    required: true
author:
  - TraceTrack platform team (@tracetrack)
"""

EXAMPLES = r"""
- name: Estimate the monthly cost
  ansible.builtin.set_fact:
    cost: "{{ cost_settings | tracetrack.aws.cost_estimate(lookup('ansible.builtin.file', 'data/prices/ap-south-1.yml') | from_yaml) }}"
"""

RETURN = r"""
_value:
  description: The estimate.
  type: dict
  contains:
    region:
      description: The price table's region.
      type: str
    currency:
      description: The price table's currency.
      type: str
    lines:
      description: One line per charge, each with C(service), C(item) (what is counted) and C(monthly) (rounded to cents).
      type: list
      elements: dict
    services:
      description: The monthly total of each service, largest first, each with C(service) and C(monthly).
      type: list
      elements: dict
    total:
      description: The monthly total.
      type: float
    budget:
      description: The comparison with C(cost_monthly_budget); null when the settings declare no budget.
      type: dict
      contains:
        monthly:
          description: The budget.
          type: float
        over_by:
          description: How much the total exceeds the budget (0 when it does not).
          type: float
        under_by:
          description: How much the total stays below the budget (0 when it does not).
          type: float
        summary:
          description: One line saying the budget and by how much the total is over or under it.
          type: str
"""

import math

from ansible.errors import AnsibleFilterError


def _price(prices, *path):
    node = prices
    for key in path:
        if not isinstance(node, dict) or key not in node:
            raise AnsibleFilterError(f"the price table of {prices.get('region', '?')} has no {'.'.join(path)}")
        node = node[key]
    return float(node)


def _bool(value):
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on", "y")
    return bool(value)


def _fargate(settings, prices, hours):
    lines = []
    arch = "arm64" if str(settings.get("service_cpu_architecture", "X86_64")).upper() == "ARM64" else "x86_64"
    services = settings.get("service_services") or [{"name": "web"}]
    spot_weight = int(settings.get("service_spot_weight") or 0)
    for service in services:
        cpu = int(service.get("cpu", settings.get("service_cpu", 512)))
        memory = int(service.get("memory", settings.get("service_memory", 1024)))
        count = int(service.get("desired_count", settings.get("service_desired_count", 1)))
        spot = (max(count - 1, 0) * spot_weight / (spot_weight + 1)) if spot_weight > 0 else 0.0
        on_demand = count - spot
        vcpu, gb = cpu / 1024, memory / 1024
        for kind, tasks, prefix in (("on-demand", on_demand, ""), ("spot", spot, "spot_")):
            if tasks <= 0:
                continue
            rate = vcpu * _price(prices, "fargate", arch, prefix + "vcpu_hour") + gb * _price(prices, "fargate", arch, prefix + "gb_hour")
            lines.append(
                {
                    "service": "ECS Fargate",
                    "item": f"{service.get('name', 'web')}: {tasks:g} {kind} task(s) x {vcpu:g} vCPU / {gb:g} GB",
                    "monthly": tasks * rate * hours,
                }
            )
    return lines


def _database(settings, prices, hours):
    instance_class = settings["database_instance_class"]
    replica_class = settings.get("database_replica_instance_class") or instance_class
    multi_az = _bool(settings.get("database_multi_az", False))
    replicas = int(settings.get("database_read_replicas") or 0)
    storage = float(settings.get("database_allocated_storage") or 20)
    instance_hour = prices["rds_postgresql"]["instance_hour"]
    for name in sorted({instance_class, replica_class}):
        if name not in instance_hour:
            raise AnsibleFilterError(f"the price table of {prices.get('region', '?')} has no RDS PostgreSQL price for {name}")
    az_factor = 2 if multi_az else 1
    lines = [
        {
            "service": "RDS PostgreSQL",
            "item": f"primary {instance_class}{' Multi-AZ' if multi_az else ''}",
            "monthly": float(instance_hour[instance_class]) * az_factor * hours,
        },
        {
            "service": "RDS PostgreSQL",
            "item": f"primary gp3 storage {storage:g} GB{' Multi-AZ' if multi_az else ''}",
            "monthly": storage * _price(prices, "rds_postgresql", "gp3_gb_month") * az_factor,
        },
    ]
    if replicas:
        lines += [
            {
                "service": "RDS PostgreSQL",
                "item": f"{replicas} read replica(s) {replica_class}",
                "monthly": replicas * float(instance_hour[replica_class]) * hours,
            },
            {
                "service": "RDS PostgreSQL",
                "item": f"{replicas} read replica(s) gp3 storage {storage:g} GB",
                "monthly": replicas * storage * _price(prices, "rds_postgresql", "gp3_gb_month"),
            },
        ]
    return lines + _backup_replication(settings, prices, storage)


def _backup_replication(settings, prices, storage):
    """Automated backups replicated to another Region: a full copy's storage there, about as much transferred each
    month (the changes), and the KMS key of that Region that encrypts them."""
    region = settings.get("database_backup_replication_region") or ""
    if not region:
        return []
    return [
        {
            "service": "RDS PostgreSQL",
            "item": f"backups replicated to {region} ({storage:g} GB stored and transferred)",
            "monthly": storage
            * (_price(prices, "rds_postgresql", "backup_replication_gb_month") + _price(prices, "rds_postgresql", "cross_region_transfer_gb")),
        },
        {"service": "KMS", "item": f"key of the replicated backups in {region}", "monthly": _price(prices, "kms", "key_month")},
    ]


def _cache(settings, prices, hours):
    node_type = settings["cache_node_type"]
    node_hour = prices["elasticache"]["node_hour"]
    if node_type not in node_hour:
        raise AnsibleFilterError(f"the price table of {prices.get('region', '?')} has no ElastiCache price for {node_type}")
    shards = int(settings.get("cache_shards") or 1) if settings.get("cache_cluster_mode") == "enabled" else 1
    nodes = shards * (int(settings.get("cache_replicas") or 0) + 1)
    return [{"service": "ElastiCache Redis", "item": f"{nodes} node(s) {node_type}", "monthly": nodes * float(node_hour[node_type]) * hours}]


def _network(settings, prices, hours):
    mode = settings.get("network_nat_gateway_mode", "single")
    azs = int(settings.get("network_az_count") or 2)
    nats = {"per_az": azs, "single": 1}.get(mode, 0)
    lines = []
    if nats:
        lines.append({"service": "VPC", "item": f"{nats} NAT gateway(s) ({mode})", "monthly": nats * _price(prices, "nat_gateway", "hour") * hours})
        lines.append(
            {"service": "VPC", "item": f"{nats} public IPv4 address(es) of the NAT gateway(s)", "monthly": nats * _price(prices, "public_ipv4", "hour") * hours}
        )
    return lines


def _load_balancer(settings, prices, hours):
    azs = int(settings.get("network_az_count") or 2)
    lcus = _price(prices, "alb", "assumed_lcus")
    return [
        {"service": "Elastic Load Balancing", "item": "application load balancer", "monthly": _price(prices, "alb", "hour") * hours},
        {
            "service": "Elastic Load Balancing",
            "item": f"{lcus:g} load balancer capacity unit(s)",
            "monthly": lcus * _price(prices, "alb", "lcu_hour") * hours,
        },
        {
            "service": "Elastic Load Balancing",
            "item": f"{azs} public IPv4 address(es), one per AZ",
            "monthly": azs * _price(prices, "public_ipv4", "hour") * hours,
        },
    ]


def _edge(settings, prices):
    lines = [{"service": "CloudFront", "item": "distribution (usage-based only)", "monthly": 0.0}]
    if _bool(settings.get("cdn_waf_enabled", False)):
        rules = int(_price(prices, "waf", "rules_per_web_acl"))
        lines.append(
            {
                "service": "WAF",
                "item": f"web ACL with {rules} rules (requests not estimated)",
                "monthly": _price(prices, "waf", "web_acl_month") + rules * _price(prices, "waf", "rule_month"),
            }
        )
    return lines


def _management(settings, prices):
    secrets = int(settings.get("secrets_count") or 5)
    alarms = int(settings.get("alarms_count") or 0)
    lines = [{"service": "Secrets Manager", "item": f"{secrets} secrets", "monthly": secrets * _price(prices, "secrets_manager", "secret_month")}]
    if _bool(settings.get("secrets_kms_key_enabled", False)):
        lines.append({"service": "KMS", "item": "1 customer managed key", "monthly": _price(prices, "kms", "key_month")})
    lines.append(
        {
            "service": "CloudWatch",
            "item": f"{alarms} alarms, 1 dashboard",
            "monthly": alarms * _price(prices, "cloudwatch", "alarm_month") + _price(prices, "cloudwatch", "dashboard_month"),
        }
    )
    return lines


def _budget_value(value):
    """The declared budget as a float, None when there is none; anything but a number of 0 or more is an error."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        budget = None
    else:
        try:
            budget = float(value)
        except (TypeError, ValueError):
            budget = None
    if budget is None or not math.isfinite(budget) or budget < 0:
        raise AnsibleFilterError(f"cost_monthly_budget must be a number of 0 or more (a monthly amount), not {value!r}")
    return budget


def _budget(settings, total, currency):
    budget = _budget_value(settings.get("cost_monthly_budget"))
    if budget is None:
        return None
    difference = round(total - budget, 2)
    over_by, under_by = max(difference, 0.0), max(-difference, 0.0)
    verdict = f"over by {over_by:,.2f}" if over_by > 0 else f"under by {under_by:,.2f}" if under_by > 0 else "exactly on it"
    return {
        "monthly": budget,
        "over_by": over_by,
        "under_by": under_by,
        "summary": f"budget {budget:,.2f} {currency} a month (cost_monthly_budget): {verdict}",
    }


def cost_estimate(settings, prices):
    if not isinstance(settings, dict):
        raise AnsibleFilterError("cost_estimate expects a dictionary of settings")
    if not isinstance(prices, dict) or "region" not in prices:
        raise AnsibleFilterError("cost_estimate needs a price table with its region")
    for required in ("database_instance_class", "cache_node_type"):
        if required not in settings:
            raise AnsibleFilterError(f"cost_estimate needs {required}")
    hours = _price(prices, "hours_per_month")
    lines = (
        _fargate(settings, prices, hours)
        + _load_balancer(settings, prices, hours)
        + _database(settings, prices, hours)
        + _cache(settings, prices, hours)
        + _network(settings, prices, hours)
        + _edge(settings, prices)
        + _management(settings, prices)
    )
    for line in lines:
        line["monthly"] = round(line["monthly"], 2)
    totals = {}
    for line in lines:
        totals[line["service"]] = round(totals.get(line["service"], 0.0) + line["monthly"], 2)
    services = sorted(({"service": k, "monthly": v} for k, v in totals.items()), key=lambda s: (-s["monthly"], s["service"]))
    total = round(sum(line["monthly"] for line in lines), 2)
    currency = prices.get("currency", "USD")
    return {
        "region": prices["region"],
        "currency": currency,
        "lines": lines,
        "services": services,
        "total": total,
        "budget": _budget(settings, total, currency),
    }


class FilterModule:
    def filters(self):
        return {"cost_estimate": cost_estimate}
