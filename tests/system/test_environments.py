"""The dev and staging inventories, each converged against the emulator in full (production: test_production.py).

Each environment: site.yml, the shape its inventory asks for, then teardown.yml leaving none of what the
collection created. (Re-runs that write nothing: local in test_site.py, production in test_production.py, the
examples in test_examples.py.)
"""

import pytest

from tests.support.environments import assert_shape, inventory, optional_kinds
from tests.support.playbook import run_playbook
from tests.support.stack import leftovers, missing_kinds, stack_resources


@pytest.mark.parametrize("env_name", ["dev", "staging"])
def test_inventory_converges_in_its_shape_and_tears_down(emulator, env_name):
    values = inventory(env_name)
    prefix = f"tracetrack-{env_name}"
    repository = f"tracetrack/{env_name}"

    first = run_playbook("playbooks/site.yml", env_name, emulator.url)
    assert first.returncode == 0, first.explain()
    found = stack_resources(emulator, prefix, repository)
    assert missing_kinds(found, optional_kinds(values)) == [], found
    assert len(found["db_read_replicas"]) == values["database_read_replicas"]
    assert_shape(emulator, env_name, values, prefix)

    removed = run_playbook("playbooks/teardown.yml", env_name, emulator.url)
    assert removed.returncode == 0, removed.explain()
    assert leftovers(stack_resources(emulator, prefix, repository)) == {}
