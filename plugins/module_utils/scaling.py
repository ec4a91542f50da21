# -*- coding: utf-8 -*-

# Copyright: Contributors to the tracetrack.aws collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The scaling decision of tracetrack.aws.scaling_check, as a pure function (no AWS, no I/O).

Each signal votes for a task count; the most demanding vote wins (scale out when any signal asks for
it, scale in only when every signal agrees), as Application Auto Scaling does with several target
tracking policies. The vote is then limited, in this order, by the step size, the cooldown and
finally the capacity bounds, which always win: the recommendation is never outside them.

Signals are dicts with a ``name`` and a ``kind``:

- ``utilization``: ``value`` and ``target``; the value falls in proportion as tasks are added
  (CPU, memory, requests per target). It votes ``ceil(capacity * value / target)``, or the current
  count while ``value / target`` is within ``1 +/- tolerance``.
- ``threshold``: ``value`` and ``target``; a value above the target votes for one more task, a value
  at or below it does not vote (latency does not fall in proportion to the task count).
- ``recommendation``: ``action`` (scale_out, scale_in or hold) and an optional ``reason``, as the
  application reports it; votes for one more task, one fewer, or the current count.
"""

import math

ACTIONS = ("scale_in", "hold", "scale_out")
KINDS = ("utilization", "threshold", "recommendation")


def _number(value):
    return f"{value:g}" if isinstance(value, float) else str(value)


def _ceil(value):
    # Rounding first keeps 3 * 80 / 60 at 4 instead of a floating-point 4.000000001 that rounds up to 5.
    return int(math.ceil(round(value, 6)))


def vote(signal, current, capacity, tolerance):
    """The task count one signal asks for (None when it has no opinion), and why."""
    name = signal.get("name", signal["kind"])
    kind = signal["kind"]
    if kind == "recommendation":
        action = signal["action"]
        if action not in ACTIONS:
            raise ValueError(f"signal {name}: unknown action {action!r}")
        wanted = current + {"scale_out": 1, "scale_in": -1, "hold": 0}[action]
        reason = f"{name} recommends {action}"
        if signal.get("reason"):
            reason += f" ({signal['reason']})"
        return wanted, reason

    value = signal.get("value")
    target = signal.get("target")
    if value is None:
        return None, f"{name}: no data"
    if target is None or target <= 0:
        raise ValueError(f"signal {name}: target must be a positive number")
    if kind == "threshold":
        if value > target:
            return current + 1, f"{name} {_number(value)} is above the target {_number(target)}: one more task"
        return None, f"{name} {_number(value)} is within the target {_number(target)}"
    if kind != "utilization":
        raise ValueError(f"signal {name}: unknown kind {kind!r}")

    ratio = value / target
    if abs(ratio - 1.0) <= tolerance:
        return current, f"{name} {_number(value)} is within {tolerance:.0%} of the target {_number(target)}"
    proportional = _ceil(capacity * ratio)
    # The result never crosses the current count in the wrong direction: above the target it never
    # asks for fewer tasks, below it never for more (this keeps a higher load from asking for less).
    wanted = max(current, proportional) if ratio > 1.0 else min(current, proportional)
    return wanted, (f"{name} {_number(value)} against a target of {_number(target)} on {capacity} tasks: {wanted} tasks")


def decide(current, signals, min_capacity, max_capacity, max_step=None, cooldown=0, seconds_since_scaling=None, tolerance=0.1, capacity=None):
    """Recommend a task count.

    current: the service's desired count. capacity: the tasks whose load the metrics measure (the
    running count; defaults to current). seconds_since_scaling: time since the last scaling activity,
    None when unknown (no cooldown applies then).

    Returns a dict: current, recommended, action, reasons (list of str), votes (list of dict),
    limited_by (list of str: max_step, cooldown, min_capacity, max_capacity).
    """
    if min_capacity < 0 or max_capacity < min_capacity:
        raise ValueError(f"capacity bounds must satisfy 0 <= min_capacity <= max_capacity, not {min_capacity}..{max_capacity}")
    if max_step is not None and max_step < 1:
        raise ValueError("max_step must be at least 1")
    if current < 0:
        raise ValueError("current must not be negative")
    if capacity is None:
        capacity = current

    reasons = []
    votes = []
    wishes = []
    for signal in signals:
        wanted, reason = vote(signal, current, capacity, tolerance)
        reasons.append(reason)
        entry = {key: signal.get(key) for key in ("name", "kind", "value", "target", "action") if key in signal}
        entry["wants"] = wanted
        votes.append(entry)
        if wanted is not None:
            wishes.append((wanted, signal.get("name", signal["kind"])))

    if wishes:
        wanted, by = max(wishes, key=lambda wish: wish[0])
        if wanted != current:
            reasons.append(f"the most demanding signal ({by}) asks for {wanted} tasks")
    else:
        wanted = current
        reasons.append("no signal asks for a change" if signals else "no signals: holding")

    limited_by = []
    recommended = wanted
    if max_step is not None and abs(recommended - current) > max_step:
        recommended = current + max_step if recommended > current else current - max_step
        limited_by.append("max_step")
        reasons.append(f"at most {max_step} tasks per step: {recommended} instead of {wanted}")

    if recommended != current and seconds_since_scaling is not None and seconds_since_scaling < cooldown:
        limited_by = ["cooldown"]  # the step limit no longer matters: nothing moves
        reasons.append(f"last scaling {seconds_since_scaling:.0f} s ago, within the {cooldown:g} s cooldown: holding at {current}")
        recommended = current

    if recommended < min_capacity:
        limited_by.append("min_capacity")
        reasons.append(f"raised to min_capacity {min_capacity} (from {recommended})")
        recommended = min_capacity
    elif recommended > max_capacity:
        limited_by.append("max_capacity")
        reasons.append(f"lowered to max_capacity {max_capacity} (from {recommended})")
        recommended = max_capacity

    if recommended > current:
        action = "scale_out"
    elif recommended < current:
        action = "scale_in"
    else:
        action = "hold"
    return {
        "current": current,
        "capacity": capacity,
        "recommended": recommended,
        "action": action,
        "reasons": reasons,
        "votes": votes,
        "limited_by": limited_by,
    }
