"""The restore's inputs (playbooks/restore.yml): one source, a well-formed snapshot name or UTC time, the cleanup in a
run of its own; each problem names exactly one variable."""

import pytest

from ansible_collections.tracetrack.aws.plugins.filter.database_restore_errors import database_restore_errors

NOW = "2026-12-05T16:00:00Z"
NONE = {"restore_snapshot": "", "restore_time": "", "restore_switch": False, "restore_cleanup": False}


def problems(**inputs):
    return database_restore_errors({**NONE, **inputs}, NOW)


@pytest.mark.parametrize(
    "inputs",
    [
        {"restore_snapshot": "tracetrack-production-db-before-change-20261204-120000"},
        {"restore_snapshot": "rds:tracetrack-production-db-2026-12-05-03-10", "restore_switch": True},
        {"restore_snapshot": "arn:aws:rds:eu-central-1:123456789012:snapshot:tracetrack-production-db-copy"},
        {"restore_time": "2026-12-05T02:55:00Z"},
        {"restore_time": "latest", "restore_switch": "true"},
        {"restore_cleanup": True},
    ],
)
def test_sound_inputs_pass(inputs):
    assert problems(**inputs) == []


@pytest.mark.parametrize(
    "inputs, variable",
    [
        ({}, "restore_snapshot"),
        ({"restore_snapshot": "a-snapshot", "restore_time": "latest"}, "restore_time"),
        ({"restore_snapshot": "1-starts-with-a-digit"}, "restore_snapshot"),
        ({"restore_snapshot": "has spaces"}, "restore_snapshot"),
        ({"restore_time": "2026-12-05 02:55"}, "restore_time"),
        ({"restore_time": "2026-13-05T02:55:00Z"}, "restore_time"),
        ({"restore_time": "2026-12-06T02:55:00Z"}, "restore_time"),
        ({"restore_snapshot": "a-snapshot", "restore_switch": True, "restore_cleanup": True}, "restore_cleanup"),
    ],
)
def test_each_bad_input_gives_one_problem_naming_its_variable(inputs, variable):
    found = problems(**inputs)
    assert len(found) == 1, found
    assert found[0].startswith(variable + " ")
