"""The scaling decision: worked examples, and its promises as Hypothesis properties."""

import pytest

pytest.importorskip("hypothesis", reason="the scaling decision's property tests need hypothesis")

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from ansible_collections.tracetrack.aws.plugins.module_utils.scaling import ACTIONS, decide  # noqa: E402


def cpu(value, target=60.0):
    return {"name": "cpu", "kind": "utilization", "value": value, "target": target}


def latency(value, target=200.0):
    return {"name": "p95", "kind": "threshold", "value": value, "target": target}


def app(action, reason=None):
    return {"name": "app", "kind": "recommendation", "action": action, "reason": reason}


# Worked examples --------------------------------------------------------------------------------


def test_utilization_scales_in_proportion():
    decision = decide(4, [cpu(90)], min_capacity=1, max_capacity=10)
    assert (decision["recommended"], decision["action"]) == (6, "scale_out")
    assert decision["votes"][0]["wants"] == 6
    assert "cpu 90 against a target of 60 on 4 tasks: 6 tasks" in decision["reasons"]


def test_exact_ratios_do_not_round_up():
    assert decide(3, [cpu(80)], 1, 10, tolerance=0)["recommended"] == 4


def test_within_tolerance_holds():
    decision = decide(4, [cpu(64)], 1, 10, tolerance=0.1)
    assert (decision["recommended"], decision["action"]) == (4, "hold")


def test_low_utilization_scales_in():
    assert decide(6, [cpu(20)], 1, 10, max_step=None)["recommended"] == 2


def test_step_limit():
    decision = decide(4, [cpu(150)], 1, 20, max_step=2)
    assert decision["recommended"] == 6
    assert decision["limited_by"] == ["max_step"]
    assert "at most 2 tasks per step: 6 instead of 10" in decision["reasons"]


def test_scale_out_wins_over_scale_in():
    decision = decide(4, [cpu(20), app("scale_out", "p95 latency 140 ms is above the 100 ms target")], 1, 10)
    assert decision["recommended"] == 5
    assert "app recommends scale_out (p95 latency 140 ms is above the 100 ms target)" in decision["reasons"]


def test_scale_in_needs_every_signal():
    assert decide(4, [cpu(20), app("hold")], 1, 10)["recommended"] == 4
    # Both want fewer tasks; the less eager of the two (the app's one step) wins.
    assert decide(4, [cpu(20), app("scale_in")], 1, 10)["recommended"] == 3
    assert decide(4, [cpu(50), app("scale_in")], 1, 10)["recommended"] == 4


def test_threshold_votes_only_when_above_target():
    assert decide(4, [latency(250)], 1, 10)["recommended"] == 5
    assert decide(4, [latency(150)], 1, 10)["recommended"] == 4
    # A latency within target does not keep CPU from scaling in.
    assert decide(4, [latency(150), cpu(20)], 1, 10)["recommended"] == 2


def test_missing_data_does_not_vote():
    decision = decide(4, [cpu(None)], 1, 10)
    assert decision["recommended"] == 4
    assert "cpu: no data" in decision["reasons"]


def test_cooldown_holds():
    decision = decide(4, [cpu(120)], 1, 10, cooldown=300, seconds_since_scaling=120)
    assert (decision["recommended"], decision["action"]) == (4, "hold")
    assert decision["limited_by"] == ["cooldown"]
    assert "last scaling 120 s ago, within the 300 s cooldown: holding at 4" in decision["reasons"]
    assert decide(4, [cpu(120)], 1, 10, cooldown=300, seconds_since_scaling=301)["recommended"] == 8
    assert decide(4, [cpu(120)], 1, 10, cooldown=300, seconds_since_scaling=None)["recommended"] == 8


def test_bounds_win_over_step_and_cooldown():
    decision = decide(12, [], 2, 6, max_step=1, cooldown=300, seconds_since_scaling=10)
    assert decision["recommended"] == 6
    assert decision["limited_by"] == ["max_capacity"]
    assert decide(0, [], 2, 6)["recommended"] == 2


def test_metrics_of_running_tasks_while_others_start():
    # 2 running of 3 desired at 90 %: the pending task is already the answer.
    assert decide(3, [cpu(90)], 1, 10, capacity=2)["recommended"] == 3


@pytest.mark.parametrize(
    "arguments",
    [
        dict(current=1, signals=[], min_capacity=3, max_capacity=2),
        dict(current=1, signals=[], min_capacity=-1, max_capacity=2),
        dict(current=1, signals=[], min_capacity=1, max_capacity=2, max_step=0),
        dict(current=1, signals=[cpu(50, target=0)], min_capacity=1, max_capacity=2),
        dict(current=1, signals=[app("panic")], min_capacity=1, max_capacity=2),
        dict(current=1, signals=[{"name": "x", "kind": "vibes", "value": 1, "target": 1}], min_capacity=1, max_capacity=2),
    ],
)
def test_invalid_input_is_refused(arguments):
    with pytest.raises(ValueError):
        decide(**arguments)


# Properties -------------------------------------------------------------------------------------

KIND = st.sampled_from(["utilization", "threshold", "recommendation"])


@st.composite
def signal_specs(draw):
    """A signal's fixed part (name, kind, target) and two loads, the second at least the first."""
    kind = draw(KIND)
    name = draw(st.text(alphabet="abcdefgh", min_size=1, max_size=4))
    if kind == "recommendation":
        low, high = sorted(draw(st.lists(st.sampled_from(range(len(ACTIONS))), min_size=2, max_size=2)))
        return (
            {"name": name, "kind": kind, "action": ACTIONS[low]},
            {"name": name, "kind": kind, "action": ACTIONS[high]},
        )
    target = draw(st.floats(min_value=0.01, max_value=1000, allow_nan=False))
    value = draw(st.one_of(st.none(), st.floats(min_value=0, max_value=5000, allow_nan=False)))
    more = draw(st.floats(min_value=0, max_value=5000, allow_nan=False))
    higher = None if value is None else value + more
    return (
        {"name": name, "kind": kind, "value": value, "target": target},
        {"name": name, "kind": kind, "value": higher, "target": target},
    )


@st.composite
def situations(draw):
    min_capacity = draw(st.integers(min_value=0, max_value=20))
    max_capacity = draw(st.integers(min_value=min_capacity, max_value=40))
    return {
        "current": draw(st.integers(min_value=0, max_value=60)),
        "capacity": draw(st.one_of(st.none(), st.integers(min_value=0, max_value=60))),
        "min_capacity": min_capacity,
        "max_capacity": max_capacity,
        "max_step": draw(st.one_of(st.none(), st.integers(min_value=1, max_value=10))),
        "tolerance": draw(st.floats(min_value=0, max_value=0.5, allow_nan=False)),
        "cooldown": draw(st.integers(min_value=0, max_value=600)),
        "seconds_since_scaling": draw(st.one_of(st.none(), st.floats(min_value=0, max_value=1200, allow_nan=False))),
    }


SPECS = st.lists(signal_specs(), max_size=5)


@settings(max_examples=400, deadline=None)
@given(situation=situations(), specs=SPECS)
def test_never_outside_the_bounds(situation, specs):
    decision = decide(signals=[low for low, _high in specs], **situation)
    assert situation["min_capacity"] <= decision["recommended"] <= situation["max_capacity"]
    expected_action = (
        "scale_out" if decision["recommended"] > situation["current"] else "scale_in" if decision["recommended"] < situation["current"] else "hold"
    )
    assert decision["action"] == expected_action


@settings(max_examples=400, deadline=None)
@given(situation=situations(), specs=SPECS)
def test_more_load_never_recommends_fewer_tasks(situation, specs):
    lower = decide(signals=[low for low, _high in specs], **situation)
    higher = decide(signals=[high for _low, high in specs], **situation)
    assert higher["recommended"] >= lower["recommended"]


@settings(max_examples=400, deadline=None)
@given(situation=situations(), specs=SPECS)
def test_step_limit_is_respected(situation, specs):
    decision = decide(signals=[low for low, _high in specs], **situation)
    current, step = situation["current"], situation["max_step"]
    if step is None:
        return
    if situation["min_capacity"] <= current <= situation["max_capacity"]:
        assert abs(decision["recommended"] - current) <= step
    else:
        # Only the bounds may move a count that is outside them further than a step: to the nearest bound.
        assert abs(decision["recommended"] - current) <= step or decision["recommended"] in (
            situation["min_capacity"],
            situation["max_capacity"],
        )


@settings(max_examples=400, deadline=None)
@given(situation=situations(), specs=SPECS)
def test_cooldown_holds_within_the_bounds(situation, specs):
    decision = decide(signals=[low for low, _high in specs], **situation)
    current = situation["current"]
    since = situation["seconds_since_scaling"]
    in_cooldown = since is not None and since < situation["cooldown"]
    if in_cooldown and situation["min_capacity"] <= current <= situation["max_capacity"]:
        assert decision["recommended"] == current
        assert decision["action"] == "hold"


@settings(max_examples=200, deadline=None)
@given(situation=situations())
def test_no_signals_keep_the_current_count_within_the_bounds(situation):
    decision = decide(signals=[], **situation)
    assert decision["recommended"] == min(max(situation["current"], situation["min_capacity"]), situation["max_capacity"])
