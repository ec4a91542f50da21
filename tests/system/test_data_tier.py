"""The data tier (secrets and RDS PostgreSQL, on the network) against the emulator.

Local: converge, teardown (production's data tier and re-runs of the whole stack: test_production.py). Rotation through ansible-runner, with
the new master password looked for in everything the run leaves behind. Bad input fails before any
API call.
"""

import os
from pathlib import Path

import ansible_runner
import pytest

from tests.support.clients import emulator_client
from tests.support.data_tier import assert_converged, assert_torn_down, instances, secret
from tests.support.playbook import REPO_ROOT, emulator_vars, run_playbook

PLAYBOOK = "tests/system/playbooks/data_tier.yml"


# --- local ----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def converged_local(emulator):
    emulator.reset()
    first = run_playbook(PLAYBOOK, "local", emulator.url)
    assert first.returncode == 0, first.explain()
    return first


def test_local_converge_builds_the_data_tier(converged_local, emulator):
    assert converged_local.changed > 0
    password = assert_converged(emulator, "local", "tracetrack-local")
    assert password not in converged_local.stdout + converged_local.stderr
    assert "tracetrack-local-db.aaaaaaaaaa" in converged_local.stdout, "the summary shows the writer endpoint"


def test_rotation_through_ansible_runner_applies_the_password_and_never_shows_it(converged_local, emulator, tmp_path):
    prefix = "tracetrack-local"
    before = secret(emulator, f"{prefix}/database-master")["password"]
    env = {
        "ANSIBLE_CONFIG": str(REPO_ROOT / "ansible.cfg"),
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_DEPRECATION_WARNINGS": "false",
        "PYTHONPATH": str(REPO_ROOT / "emulator"),
        "EMULATOR_PORT": str(emulator.port),
        "PATH": f"{REPO_ROOT / '.venv' / 'bin'}{os.pathsep}{os.environ['PATH']}",
    }
    result = ansible_runner.run(
        private_data_dir=str(tmp_path),
        project_dir=str(REPO_ROOT),
        playbook=PLAYBOOK,
        inventory=str(REPO_ROOT / "inventories" / "local"),
        extravars={**emulator_vars(emulator.url), "secrets_rotate": True},
        envvars=env,
        quiet=True,
    )
    stdout = result.stdout.read()
    assert result.status == "successful", stdout[-6000:]

    after = secret(emulator, f"{prefix}/database-master")["password"]
    assert after != before, "secrets_rotate gives the master user a new password"
    assert after in secret(emulator, f"{prefix}/app")["DATABASE_URL"]
    primary = instances(emulator, prefix)[f"{prefix}-db"]
    versions = emulator_client(emulator, "secretsmanager").describe_secret(SecretId=f"{prefix}/database-master")["VersionIdsToStages"]
    current = [version for version, stages in versions.items() if "AWSCURRENT" in stages]
    assert {t["Key"]: t["Value"] for t in primary["TagList"]}["MasterPasswordSecretVersion"] == current[0]

    for password in (before, after):
        assert password not in stdout
        leaks = [str(path) for path in Path(tmp_path).rglob("*") if path.is_file() and password.encode() in path.read_bytes()]
        assert leaks == [], f"a master password is written in {leaks}"
    assert list((Path(tmp_path) / "artifacts").rglob("job_events/*.json")), "the run left its events to look into"

    # The rotation was applied in full: nothing is left to do.
    again = run_playbook(PLAYBOOK, "local", emulator.url)
    assert again.returncode == 0, again.explain()
    assert again.calls.writes == []


def test_local_teardown_removes_the_data_tier_and_a_second_changes_nothing(converged_local, emulator):
    first = run_playbook(PLAYBOOK, "local", emulator.url, extra_vars={"data_tier_state": "absent"})
    assert first.returncode == 0, first.explain()
    assert len(assert_torn_down(emulator, "tracetrack-local")) == 1, "database_final_snapshot defaults to true"
    second = run_playbook(PLAYBOOK, "local", emulator.url, extra_vars={"data_tier_state": "absent"})
    assert second.returncode == 0, second.explain()
    assert second.changed == 0, second.explain()
    assert second.calls.writes == []


# --- bad input --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "env_name, extra_vars, variable",
    [
        ("local", {"database_instance_class": "m5.large"}, "database_instance_class"),
        ("local", {"database_read_replicas": -1}, "database_read_replicas"),
        ("local", {"database_backup_retention_days": 40}, "database_backup_retention_days"),
        ("local", {"database_maintenance_window": "sun:03:30-sun:04:30"}, "database_maintenance_window"),
        ("local", {"secrets_database_username": "rdsadmin"}, "secrets_database_username"),
        ("local", {"database_performance_insights_enabled": True}, "database_performance_insights_enabled"),
        ("production", {"database_multi_az": False}, "database_multi_az"),
    ],
)
def test_bad_input_fails_before_any_api_call(emulator, env_name, extra_vars, variable):
    run = run_playbook(PLAYBOOK, env_name, emulator.url, extra_vars=extra_vars)
    assert run.returncode != 0
    assert variable in run.stdout + run.stderr, run.explain()
    assert run.calls.calls == [], f"API calls were made before validation: {run.calls.calls}"
