"""tracetrack.aws.cost_estimate: the monthly estimate from settings and a price table (round figures)."""

from pathlib import Path

import pytest
import yaml

from ansible.errors import AnsibleFilterError
from ansible_collections.tracetrack.aws.plugins.filter.cost_estimate import cost_estimate

PRICES = {
    "region": "test-1",
    "currency": "USD",
    "hours_per_month": 100,
    "fargate": {
        "x86_64": {"vcpu_hour": 0.1, "gb_hour": 0.01, "spot_vcpu_hour": 0.05, "spot_gb_hour": 0.005},
        "arm64": {"vcpu_hour": 0.08, "gb_hour": 0.008, "spot_vcpu_hour": 0.04, "spot_gb_hour": 0.004},
    },
    "rds_postgresql": {"gp3_gb_month": 0.1, "instance_hour": {"db.small": 1.0, "db.big": 2.0}},
    "elasticache": {"node_hour": {"cache.small": 0.5}},
    "nat_gateway": {"hour": 0.2},
    "public_ipv4": {"hour": 0.01},
    "alb": {"hour": 0.3, "lcu_hour": 0.1, "assumed_lcus": 2},
    "waf": {"web_acl_month": 5.0, "rule_month": 1.0, "rules_per_web_acl": 2},
    "secrets_manager": {"secret_month": 0.4},
    "kms": {"key_month": 1.0},
    "cloudwatch": {"alarm_month": 0.1, "dashboard_month": 3.0},
}
SETTINGS = {
    "network_az_count": 2,
    "network_nat_gateway_mode": "single",
    "database_instance_class": "db.small",
    "database_multi_az": False,
    "database_read_replicas": 0,
    "database_allocated_storage": 20,
    "cache_node_type": "cache.small",
    "cache_replicas": 0,
    "service_cpu": 1024,
    "service_memory": 2048,
    "service_desired_count": 2,
    "service_spot_weight": 0,
    "cdn_waf_enabled": False,
    "secrets_kms_key_enabled": False,
    "secrets_count": 5,
    "alarms_count": 10,
}


def services(estimate):
    return {s["service"]: s["monthly"] for s in estimate["services"]}


def test_a_small_environment():
    estimate = cost_estimate(SETTINGS, PRICES)
    # Fargate 2 x (1 vCPU x 0.1 + 2 GB x 0.01) x 100 h; the load balancer 30 + 2 LCUs 20 + 2 addresses 2;
    # the database 100 + 20 GB x 0.1; one cache node 50; one NAT gateway 20 and its address 1.
    assert services(estimate) == {
        "ECS Fargate": 24.0,
        "Elastic Load Balancing": 52.0,
        "RDS PostgreSQL": 102.0,
        "ElastiCache Redis": 50.0,
        "VPC": 21.0,
        "CloudFront": 0.0,
        "Secrets Manager": 2.0,
        "CloudWatch": 4.0,
    }
    assert estimate["total"] == pytest.approx(24 + 52 + 102 + 50 + 21 + 2 + 4)
    assert estimate["region"] == "test-1" and estimate["currency"] == "USD"


def test_multi_az_replicas_nat_per_az_waf_and_kms():
    settings = {
        **SETTINGS,
        "database_instance_class": "db.big",
        "database_multi_az": True,
        "database_read_replicas": 2,
        "database_allocated_storage": 100,
        "cache_replicas": 2,
        "network_az_count": 3,
        "network_nat_gateway_mode": "per_az",
        "cdn_waf_enabled": True,
        "secrets_kms_key_enabled": True,
    }
    found = services(cost_estimate(settings, PRICES))
    assert found["RDS PostgreSQL"] == pytest.approx(2 * 2 * 100 + 100 * 0.1 * 2 + 2 * 2 * 100 + 2 * 100 * 0.1)
    assert found["ElastiCache Redis"] == 150
    assert found["VPC"] == pytest.approx(3 * 20 + 3 * 1)
    assert found["WAF"] == 7 and found["KMS"] == 1


def test_backups_replicated_to_another_region_cost_storage_transfer_and_a_key_there():
    prices = {**PRICES, "rds_postgresql": {**PRICES["rds_postgresql"], "backup_replication_gb_month": 0.05, "cross_region_transfer_gb": 0.02}}
    settings = {**SETTINGS, "database_allocated_storage": 100, "database_backup_replication_region": "ap-southeast-1"}
    without = services(cost_estimate({**settings, "database_backup_replication_region": ""}, prices))
    found = services(cost_estimate(settings, prices))
    assert found["RDS PostgreSQL"] - without["RDS PostgreSQL"] == pytest.approx(100 * (0.05 + 0.02))
    assert found["KMS"] == 1.0 and "KMS" not in without
    items = [line["item"] for line in cost_estimate(settings, prices)["lines"]]
    assert "backups replicated to ap-southeast-1 (100 GB stored and transferred)" in items


def test_spot_tasks_beyond_the_on_demand_base_follow_the_weights():
    estimate = cost_estimate({**SETTINGS, "service_desired_count": 5, "service_spot_weight": 3}, PRICES)
    fargate = [line for line in estimate["lines"] if line["service"] == "ECS Fargate"]
    # one on-demand task, then 4 split 1 : 3 -> 2 on-demand, 3 spot
    assert [line["item"] for line in fargate] == ["web: 2 on-demand task(s) x 1 vCPU / 2 GB", "web: 3 spot task(s) x 1 vCPU / 2 GB"]
    assert [line["monthly"] for line in fargate] == [pytest.approx(2 * 0.12 * 100), pytest.approx(3 * 0.06 * 100)]


def test_no_nat_gateway_and_arm_tasks():
    estimate = cost_estimate({**SETTINGS, "network_nat_gateway_mode": "none", "service_cpu_architecture": "ARM64"}, PRICES)
    assert "VPC" not in services(estimate)
    assert services(estimate)["ECS Fargate"] == pytest.approx(2 * (0.08 + 2 * 0.008) * 100)


def test_several_services_with_their_own_sizes():
    settings = {**SETTINGS, "service_services": [{"name": "web"}, {"name": "worker", "cpu": 512, "memory": 1024, "desired_count": 1}]}
    assert services(cost_estimate(settings, PRICES))["ECS Fargate"] == pytest.approx(24 + (0.05 + 0.01) * 100)


@pytest.mark.parametrize(
    "settings, message",
    [
        ({**SETTINGS, "database_instance_class": "db.unknown"}, "no RDS PostgreSQL price for db.unknown"),
        ({**SETTINGS, "cache_node_type": "cache.unknown"}, "no ElastiCache price for cache.unknown"),
        ({k: v for k, v in SETTINGS.items() if k != "cache_node_type"}, "needs cache_node_type"),
    ],
)
def test_what_the_table_cannot_price_is_an_error(settings, message):
    with pytest.raises(AnsibleFilterError, match=message):
        cost_estimate(settings, PRICES)


def test_an_incomplete_price_table_names_what_is_missing():
    prices = {k: v for k, v in PRICES.items() if k != "alb"}
    with pytest.raises(AnsibleFilterError, match="has no alb.assumed_lcus"):
        cost_estimate(SETTINGS, prices)


# The collection's root (tests/unit/plugins/filter/ is four levels below it): its price tables and inventories.
ROOT = Path(__file__).resolve().parents[4]
TABLES = {path.stem: yaml.safe_load(path.read_text()) for path in sorted((ROOT / "data" / "prices").glob("*.yml"))}


@pytest.mark.parametrize(
    "budget, over_by, under_by, verdict",
    [
        (300, 0.0, 45.0, "under by 45.00"),
        (200, 55.0, 0.0, "over by 55.00"),
        ("255", 0.0, 0.0, "exactly on it"),
        (0, 255.0, 0.0, "over by 255.00"),
    ],
)
def test_the_total_is_compared_with_the_budget(budget, over_by, under_by, verdict):
    estimate = cost_estimate({**SETTINGS, "cost_monthly_budget": budget}, PRICES)
    assert estimate["total"] == pytest.approx(255)
    assert estimate["budget"] == {
        "monthly": float(budget),
        "over_by": pytest.approx(over_by),
        "under_by": pytest.approx(under_by),
        "summary": f"budget {float(budget):,.2f} USD a month (cost_monthly_budget): {verdict}",
    }


@pytest.mark.parametrize("budget", [None, "", "  "])
def test_no_budget_declared_is_no_comparison(budget):
    assert cost_estimate({**SETTINGS, "cost_monthly_budget": budget}, PRICES)["budget"] is None
    assert cost_estimate(SETTINGS, PRICES)["budget"] is None


@pytest.mark.parametrize("budget", [-1, "-0.5", "a lot", True, float("nan"), float("inf"), [495]])
def test_a_budget_that_is_not_a_number_of_0_or_more_names_the_variable(budget):
    with pytest.raises(AnsibleFilterError, match=r"cost_monthly_budget must be a number of 0 or more"):
        cost_estimate({**SETTINGS, "cost_monthly_budget": budget}, PRICES)


@pytest.mark.parametrize("region", sorted(TABLES))
def test_every_table_prices_the_same_classes_and_graviton_t4g_below_t3(region):
    table = TABLES[region]
    for service, key in (("rds_postgresql", "instance_hour"), ("elasticache", "node_hour")):
        assert set(table[service][key]) == set(TABLES["us-east-1"][service][key]), (region, service)
        prices = table[service][key]
        for name, hourly in prices.items():
            if ".t3." in name:
                assert prices[name.replace(".t3.", ".t4g.")] < hourly, (region, name)
    # Graviton3 is dearer per hour than the Graviton2 class of the same size.
    for service, key, name in (
        ("rds_postgresql", "instance_hour", "db.m7g.large"),
        ("rds_postgresql", "instance_hour", "db.r7g.large"),
        ("rds_postgresql", "instance_hour", "db.r7g.xlarge"),
        ("elasticache", "node_hour", "cache.m7g.large"),
        ("elasticache", "node_hour", "cache.r7g.large"),
    ):
        assert table[service][key][name] > table[service][key][name.replace("7g.", "6g.")], (region, name)


@pytest.mark.parametrize("inventory", ["production", "examples/tracetrack-large/production"])
def test_the_sized_inventories_are_priced_in_their_region(inventory):
    (path,) = (ROOT / "inventories" / inventory / "group_vars").glob("*.yml")
    values = yaml.safe_load(path.read_text())
    estimate = cost_estimate(
        {**SETTINGS, **{k: v for k, v in values.items() if k in SETTINGS or k.startswith(("database_", "cache_"))}}, TABLES[values["aws_region"]]
    )
    items = [line["item"] for line in estimate["lines"]]
    assert f"primary {values['database_instance_class']} Multi-AZ" in items
    assert f"{values['cache_replicas'] + 1} node(s) {values['cache_node_type']}" in items
