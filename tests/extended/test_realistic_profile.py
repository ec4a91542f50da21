"""The local and production inventories converged side by side against an emulator behaving like AWS on a bad day
(EMULATOR_PROFILE=realistic: slow resources at 1/30 of their AWS durations, the first call of every operation and
10% of the others throttled, new IAM roles
ECS cannot assume for some seconds, a deleted service's network interfaces lingering), without any inventory change
(production given the certificate its operator passes, as in test_environments.py).

In order: site.yml for both; a re-run of both that writes nothing; teardown.yml (production confirmed) leaving
nothing. The closing note gives, per service, how many calls were throttled (and so retried) in each run.
"""

import json
import urllib.request

import pytest

from tests.conftest import REPO_ROOT
from tests.support.certificates import self_signed_certificate
from tests.support.environments import side_by_side_inventory
from tests.support.playbook import run_playbook
from tests.support.stack import leftovers, stack_resources
from tracetrack_emulator.control import Emulator, free_loopback_port

HOSTS = {"tracetrack-local": "local", "tracetrack-production": "production"}
PROFILE = {"EMULATOR_PROFILE": "realistic", "EMULATOR_TIME_SCALE": "1/30", "EMULATOR_THROTTLE_RATE": "0.1"}
throttled_runs: dict[str, dict[str, int]] = {}


@pytest.fixture(scope="module")
def realistic():
    instance = Emulator(port=free_loopback_port(), state_dir=str(REPO_ROOT / ".local" / "test-emulator"), environment=PROFILE)
    instance.start()
    yield instance
    instance.stop()


@pytest.fixture(scope="module")
def inventory(realistic, tmp_path_factory):
    """Both inventories as they are; production given what its operator passes, the certificate of its origin name (it
    converges only with HTTPS to the origin)."""
    production = {"service_certificate_arn": self_signed_certificate(realistic, "origin.tracetrack.example.com", "ap-south-1")}
    hosts = {host: (env_name, production if env_name == "production" else {}) for host, env_name in HOSTS.items()}
    return str(side_by_side_inventory(tmp_path_factory.mktemp("realistic"), hosts))


def run(emulator, inventory, label, playbook, extra_vars=None):
    result = run_playbook(playbook, emulator_url=emulator.url, inventory=inventory, extra_vars=extra_vars)
    throttled_runs[label] = result.calls.throttled_by_service()
    return result


@pytest.fixture(scope="module")
def converged(realistic, inventory):
    first = run(realistic, inventory, "converge", "playbooks/site.yml")
    assert first.returncode == 0, first.explain()
    return first


def test_converges_with_throttled_calls_retried(converged):
    # The first call of every operation, and 10% of the others, answered with the service's throttling error: every
    # module had to retry at least once, and every service the stack uses shows it.
    calls = converged.calls.calls
    assert {(c.service, c.operation) for c in calls} == {(c.service, c.operation) for c in calls if c.throttled}
    assert {"ec2", "ecs", "iam", "rds", "elasticache"} <= set(throttled_runs["converge"]), throttled_runs["converge"]


def test_slow_resources_went_through_their_states(converged, realistic):
    with urllib.request.urlopen(f"{realistic.url}/moto-api/tracetrack/profile", timeout=10) as response:
        kinds = {entry["kind"] for entry in json.loads(response.read())["timeline"]}
    # Neither inventory has a read replica; their sequence is the emulator test's (tests/emulator/test_profile_realistic.py).
    assert {"rds.instance", "elasticache.replication_group", "cloudfront.distribution", "ec2.nat_gateway"} <= kinds


def test_second_run_changes_nothing_and_writes_nothing(converged, realistic, inventory):
    second = run(realistic, inventory, "re-run", "playbooks/site.yml")
    assert second.returncode == 0, second.explain()
    assert second.changed == 0, second.explain()
    assert second.calls.writes == []


def test_teardown_leaves_nothing(converged, realistic, inventory, record_property):
    removed = run(realistic, inventory, "teardown", "playbooks/teardown.yml", {"confirm_teardown": "production"})
    assert removed.returncode == 0, removed.explain()
    for host, env_name in HOSTS.items():
        assert leftovers(stack_resources(realistic, f"tracetrack-{env_name}", f"tracetrack/{env_name}")) == {}, host
    for label, counts in throttled_runs.items():
        listed = ", ".join(f"{service} {n}" for service, n in counts.items())
        record_property("figures", f"throttled (and retried) calls, {label}: {sum(counts.values())} ({listed})")
