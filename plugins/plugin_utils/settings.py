# -*- coding: utf-8 -*-

# Copyright: Contributors to the tracetrack.aws collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Checks of a role's settings before any API call, shared by the tiers' ``<tier>_settings_errors`` filters.

Every problem is one sentence that starts with the one variable at fault, shows its value (never a secret's) and
states the rule: ``cache_replicas 9 must be 0-5: a primary has at most 5 replicas``. A filter builds a
``Settings`` from the role's variables, applies its rules and returns ``settings.problems``.
"""

import re

from ansible.errors import AnsibleFilterError

# Names every tier derives its resources' names from (load balancer and target group names are limited to 32).
NAME_PREFIX = re.compile(r"^[a-z][a-z0-9-]{1,22}[a-z0-9]$")
NAME_PREFIX_RULE = "must be 3-24 characters of lower-case letters, digits and hyphens, starting with a letter"
HIDDEN = object()
_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_TIME = r"([01][0-9]|2[0-3]):([0-5][0-9])"
_DAILY = re.compile(rf"^{_TIME}-{_TIME}$")
_WEEKLY = re.compile(rf"^({'|'.join(_DAYS)}):{_TIME}-({'|'.join(_DAYS)}):{_TIME}$")


def truthy(value):
    """Ansible's idea of a true setting, for values that may arrive as strings from templating."""
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on", "y", "t")
    return bool(value)


def whole(value):
    """The value as a whole number, or None when it is not one (booleans are not numbers here)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def daily_window(text):
    """A daily UTC window 'hh:mm-hh:mm' as (start, end) minutes after midnight, end after start; None if malformed."""
    found = _DAILY.match(str(text))
    if not found:
        return None
    start = int(found.group(1)) * 60 + int(found.group(2))
    end = int(found.group(3)) * 60 + int(found.group(4))
    return start, end if end > start else end + 1440


def weekly_window(text):
    """A weekly UTC window 'ddd:hh:mm-ddd:hh:mm' as (start, end) minutes after Monday 00:00; None if malformed."""
    found = _WEEKLY.match(str(text).lower())
    if not found:
        return None
    start = _DAYS.index(found.group(1)) * 1440 + int(found.group(2)) * 60 + int(found.group(3))
    end = _DAYS.index(found.group(4)) * 1440 + int(found.group(5)) * 60 + int(found.group(6))
    return start, end if end > start else end + 10080


def windows_overlap(daily, weekly):
    """Whether a daily window, repeated every day of the week, meets a weekly window."""
    start, end = weekly
    return any(day * 1440 + daily[0] < end and start < day * 1440 + daily[1] for day in range(-1, 15))


class Settings:
    """A role's settings (its variables, by name) and the problems found in them so far."""

    def __init__(self, values, filter_name):
        if not isinstance(values, dict):
            raise AnsibleFilterError(f"{filter_name}: the input must be a dictionary of the role's settings, by variable name")
        self.values = values
        self.problems = []

    def __getitem__(self, name):
        return self.values.get(name)

    def __contains__(self, name):
        return name in self.values

    def flag(self, name):
        return truthy(self.values.get(name))

    def problem(self, name, rule, shown=None):
        """Record that variable `name` breaks `rule`; `shown` replaces its value (HIDDEN: a secret, not shown)."""
        value = self.values.get(name) if shown is None else shown
        if value is HIDDEN:
            self.problems.append(f"{name} (its value is not shown) {rule}")
        else:
            self.problems.append(f"{name} {value!r} {rule}" if isinstance(value, str) else f"{name} {value} {rule}")
        return False

    def number(self, name, low=None, high=None, rule=None, also=()):
        """A whole number within [low, high] (either end open when None), or one of `also`. Returns it or None."""
        value = whole(self.values.get(name))
        if value is not None and (value in also or ((low is None or value >= low) and (high is None or value <= high))):
            return value
        if rule is None:
            bounds = f"{low}-{high}" if low is not None and high is not None else (f"{low} or more" if high is None else f"at most {high}")
            rule = "must be a whole number " + bounds + (f" (or {', '.join(str(a) for a in also)})" if also else "")
        self.problem(name, rule)
        return None

    def matches(self, name, pattern, rule):
        """A string that matches `pattern` (a compiled expression or a string) from its start to its end."""
        value = self.values.get(name)
        if isinstance(value, (str, int, float)) and not isinstance(value, bool) and re.fullmatch(pattern, str(value)):
            return True
        return self.problem(name, rule)

    def one_of(self, name, choices, why=""):
        if self.values.get(name) in choices:
            return True
        return self.problem(name, f"must be one of {', '.join(str(c) for c in choices)}{why}")

    def name_prefix(self, name, why=""):
        """The common rule for the '<prefix>-<what>' names of a tier's resources."""
        return self.matches(name, NAME_PREFIX, NAME_PREFIX_RULE + why)

    def window(self, name, weekly, shortest, longest, rule):
        """A UTC window, daily 'hh:mm-hh:mm' or weekly 'ddd:hh:mm-ddd:hh:mm', lasting `shortest` to `longest` minutes.

        Returns its (start, end) minutes (see daily_window and weekly_window), or None when it breaks a rule (`rule`
        states its length).
        """
        found = weekly_window(self.values.get(name)) if weekly else daily_window(self.values.get(name))
        if found is None:
            self.problem(
                name, "must be ddd:hh:mm-ddd:hh:mm (UTC), for example sun:05:00-sun:06:00" if weekly else "must be hh:mm-hh:mm (UTC), for example 03:00-04:00"
            )
            return None
        if not shortest <= found[1] - found[0] <= longest:
            self.problem(name, rule)
            return None
        return found

    def strict_requires(self, name, wanted, why):
        """In a strict environment (env_strict) the variable must be `wanted` (a boolean, or a predicate on the value)."""
        value = self.values.get(name)
        good = wanted(value) if callable(wanted) else truthy(value) == wanted
        if not good:
            self.problem(name, f"is not allowed in a strict environment (env_strict): {why}")
        return good
