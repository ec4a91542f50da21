"""tracetrack.aws.plan: how a task's diff becomes one line of the plan."""

from ansible_collections.tracetrack.aws.plugins.callback.plan import _describe, _resource_name


def test_changed_attributes_with_their_old_and_new_values():
    diff = {"before": {"Threshold": 55.0, "Period": 60, "Tags": {"A": "1"}}, "after": {"Threshold": 70.0, "Period": 60, "Tags": {"A": "2"}}}
    assert _describe(diff) == "Tags.A: 1 -> 2; Threshold: 55.0 -> 70.0"


def test_creation_and_removal():
    assert _describe({"before": {}, "after": {"name": "x"}}) == "created"
    assert _describe([{"before": {"name": "x"}, "after": {}}]) == "removed"
    assert _describe({"before": "", "after": "text"}) == "created"


def test_secret_values_are_never_shown():
    diff = {"before": {"master_user_password": "old-secret"}, "after": {"master_user_password": "new-secret"}}
    assert _describe(diff) == "master_user_password (value hidden)"
    assert "secret" not in _describe({"before": {"SecretString": "a"}, "after": {"SecretString": "b"}}).replace("SecretString", "")


def test_long_lists_of_changes_are_cut():
    before = {f"k{i}": i for i in range(10)}
    after = {f"k{i}": i + 1 for i in range(10)}
    assert _describe({"before": before, "after": after}).endswith("... 4 more")


def test_no_diff_says_nothing():
    assert _describe(None) == ""


def test_the_resource_is_named_from_the_result_or_the_one_resource_it_returns():
    assert _resource_name({"alarm_name": "tracetrack-local-db-cpu-warning", "changed": True}) == "tracetrack-local-db-cpu-warning"
    assert _resource_name({"changed": True, "repository": {"repository_name": "tracetrack/local"}}) == "tracetrack/local"
    assert _resource_name({"changed": True, "invocation": {"module_args": {"name": "not this"}}}) == ""


def test_a_module_that_manages_a_set_gives_one_line_per_changed_resource():
    from unittest.mock import MagicMock

    from ansible_collections.tracetrack.aws.plugins.callback.plan import CallbackModule

    callback = CallbackModule()
    result = MagicMock()
    result._task.get_name.return_value = "tracetrack.aws.monitoring : Alarms"
    result._task._role.get_name.return_value = "tracetrack.aws.monitoring"
    result._host.get_name.return_value = "localhost"
    result._result = {
        "changed": True,
        "changed_alarms": [
            {"name": "p-db-cpu-warning", "action": "updated", "diff": {"before": {"Threshold": 55.0}, "after": {"Threshold": 70.0}}},
            {"name": "p-old-warning", "action": "deleted", "diff": {"before": {"Threshold": 1.0}, "after": {}}},
        ],
    }
    callback.v2_runner_on_ok(result)
    assert [(c["resource"], c["changes"]) for c in callback.changes] == [
        ("p-db-cpu-warning", "Threshold: 55.0 -> 70.0"),
        ("p-old-warning", "removed"),
    ]
