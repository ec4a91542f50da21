"""playbooks/audit.yml on a strict environment (the production inventory) converged on this file's emulator.

The converged environment meets the baseline; deletion protection turned off out of band is the one finding
(strict environments require it); the audit only reads (no write call, changed=0) and fails on a finding.
"""

import pytest

from tests.support.clients import emulator_client
from tests.support.playbook import run_playbook

ENV = "production"
PREFIX = f"tracetrack-{ENV}"


@pytest.fixture(scope="module")
def converged(emulator):
    emulator.reset()
    run = run_playbook("playbooks/site.yml", ENV, emulator.url)
    assert run.returncode == 0, run.explain()
    return run


def findings(stdout):
    start = stdout.find("Security baseline of")
    block = stdout[start:].split("\n\n", 1)[0].splitlines()
    # the header, the rule under it, then one row per finding
    return [line.split()[:3] for line in block[3:] if line.strip()]


def test_converged_strict_environment_meets_the_baseline_read_only(converged, emulator):
    audit = run_playbook("playbooks/audit.yml", ENV, emulator.url)
    assert audit.returncode == 0, audit.explain()
    assert f"Security baseline of {ENV}: 0 violation(s)" in audit.stdout
    assert audit.changed == 0
    assert audit.calls.writes == [], audit.calls.writes
    assert len(audit.calls.reads) > 10


def test_deletion_protection_off_is_the_one_finding(converged, emulator):
    rds = emulator_client(emulator, "rds")
    rds.modify_db_instance(DBInstanceIdentifier=f"{PREFIX}-db", DeletionProtection=False, ApplyImmediately=True)
    audit = run_playbook("playbooks/audit.yml", ENV, emulator.url)
    assert audit.returncode != 0, audit.explain()
    assert f"Security baseline of {ENV}: 1 violation(s)" in audit.stdout, audit.explain()
    assert findings(audit.stdout) == [["no-deletion-protection", "rds", f"{PREFIX}-db"]], audit.explain()
    assert audit.changed == 0 and audit.calls.writes == []


def test_the_same_setting_is_no_finding_where_the_environment_is_not_strict(converged, emulator):
    audit = run_playbook("playbooks/audit.yml", ENV, emulator.url, extra_vars={"env_strict": False, "cdn_waf_enabled": True})
    assert audit.returncode == 0, audit.explain()
