# -*- coding: utf-8 -*-

# Copyright: Contributors to the tracetrack.aws collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
name: monitoring_settings_errors
short_description: Check the monitoring role's settings before any API call
version_added: 0.3.0
description:
  - Takes the monitoring role's settings (its variables, by their names) and returns the problems found, one sentence
    each, starting with the one variable that is wrong, then its value and the rule. An empty list means the
    settings are sound.
  - Runs without any API call; the role's C(validate) entry point (and C(playbooks/site.yml) before the first
    role) refuses the run when the list is not empty.
options:
  _input:
    description:
      - The role's variables by name (C(monitoring_name_prefix), the watched names, C(monitoring_alert_emails), the thresholds,
        the deployment alarms' thresholds and minutes, the X-Ray settings...), and C(_defaults), the role's defaults, so that
        a warning/critical pair out of order names the one of the two that was changed.
    type: dict
    required: true
author:
  - TraceTrack platform team (@tracetrack)
"""

EXAMPLES = r"""
- name: Check the monitoring settings
  ansible.builtin.assert:
    that: __problems | length == 0
    fail_msg: "{{ __problems | join('; ') }}"
  vars:
    __problems: >-
      {{ {'monitoring_name_prefix': monitoring_name_prefix, 'monitoring_alert_emails': monitoring_alert_emails}
         | tracetrack.aws.monitoring_settings_errors }}
"""

RETURN = r"""
_value:
  description: The problems found, each starting with the variable at fault; empty when the settings are sound.
  type: list
  elements: str
"""

import re

from ansible_collections.tracetrack.aws.plugins.plugin_utils.settings import Settings

NAMES = (
    ("monitoring_ecs_cluster", r"^[A-Za-z0-9_-]{1,255}$", "must be an ECS cluster name (letters, digits, '_', '-')"),
    ("monitoring_alb_name", r"^[a-zA-Z0-9][a-zA-Z0-9-]{0,30}[a-zA-Z0-9]$", "must be a load balancer name (1-32 letters, digits, hyphens)"),
    ("monitoring_db_instance_id", r"^[a-zA-Z][a-zA-Z0-9-]{0,62}$", "must be an RDS instance identifier"),
    ("monitoring_cache_replication_group_id", r"^[a-zA-Z][a-zA-Z0-9-]{0,39}$", "must be an ElastiCache replication group id"),
)
SERVICE = re.compile(r"^[a-z0-9][a-z0-9-]{0,30}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# (name, suffix, percent, rising): monitoring_<name>_warning<suffix> and monitoring_<name>_critical<suffix>.
THRESHOLDS = (
    ("ecs_cpu", "_percent", True, True),
    ("ecs_memory", "_percent", True, True),
    ("alb_5xx_rate", "_percent", True, True),
    ("alb_p95", "_seconds", False, True),
    ("db_cpu", "_percent", True, True),
    ("db_connections", "_percent", True, True),
    ("db_free_storage", "_percent", True, False),
    ("cache_cpu", "_percent", True, True),
    ("cache_memory", "_percent", True, True),
    ("cache_evictions", "", False, True),
    ("cache_hit_rate", "_percent", True, False),
)
# What monitoring_service_thresholds may set for one service: <kind>_<warning|critical><suffix> over the role-wide
# monitoring_<role-wide name>_<level><suffix>; (suffix, role-wide name, percent).
SERVICE_THRESHOLD_KINDS = {
    "cpu": ("_percent", "ecs_cpu", True),
    "memory": ("_percent", "ecs_memory", True),
    "error_rate": ("_percent", "alb_5xx_rate", True),
    "p95": ("_seconds", "alb_p95", False),
}
# The deployment alarms' thresholds (seed 001's rollback triggers), role-wide and, without the monitoring_ prefix, what
# monitoring_service_thresholds may set for one service: (name, percent); and the minutes each must breach for.
DEPLOY_THRESHOLDS = (("deploy_error_rate_percent", True), ("deploy_p95_seconds", False))
DEPLOY_MINUTES = ("monitoring_deploy_error_rate_minutes", "monitoring_deploy_p95_minutes")


def _number(value):
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _deploy_rule(percent):
    return "must be a number above 0 and at most 100 (percent)" if percent else "must be a number of seconds above 0"


def _deploy_threshold_is_sound(value, percent):
    number = _number(value)
    return number is not None and number > 0 and (not percent or number <= 100)


def _deploy_problems(settings):
    for name, percent in DEPLOY_THRESHOLDS:
        if not _deploy_threshold_is_sound(settings[f"monitoring_{name}"], percent):
            settings.problem(f"monitoring_{name}", _deploy_rule(percent))
    for variable in DEPLOY_MINUTES:
        settings.number(variable, 1, 60, "must be a whole number of minutes, 1-60")


def _threshold_problems(settings, defaults):
    for name, suffix, percent, rising in THRESHOLDS:
        warning_name, critical_name = f"monitoring_{name}_warning{suffix}", f"monitoring_{name}_critical{suffix}"
        good = True
        for variable in (warning_name, critical_name):
            value = _number(settings[variable])
            if value is None or value < 0 or (percent and value > 100):
                good = settings.problem(variable, "must be a number " + ("of 0-100 (percent)" if percent else "of 0 or more"))
        if not good:
            continue
        warning, critical = _number(settings[warning_name]), _number(settings[critical_name])
        if (warning < critical) if rising else (warning > critical):
            continue
        # The pair is out of order: name the one that differs from the role's default (the warning one if both do).
        changed = critical_name if _number(defaults.get(critical_name)) != critical and _number(defaults.get(warning_name)) == warning else warning_name
        other = warning_name if changed == critical_name else critical_name
        above = (changed == warning_name) != rising
        settings.problem(changed, f"must be {'above' if above else 'below'} {other} ({settings[other]}): the warning comes before the critical alarm")


def _evaluation_problems(settings):
    period = settings.number("monitoring_period_seconds", 60, None, "must be 10, 30 or a multiple of 60 seconds", also=(10, 30))
    if period is not None and period >= 60 and period % 60:
        settings.problem("monitoring_period_seconds", "must be 10, 30 or a multiple of 60 seconds")
        period = None
    periods = settings.number("monitoring_evaluation_periods", 1, None)
    if periods is not None:
        settings.number("monitoring_datapoints_to_alarm", 1, periods, f"must be 1 to monitoring_evaluation_periods ({periods})")
        if period is not None and period * periods > 86400:
            settings.problem("monitoring_evaluation_periods", f"times monitoring_period_seconds ({period}) must be at most one day (86400 s)")


def _service_threshold_problems(settings):
    given = settings["monitoring_service_thresholds"] or {}
    if not isinstance(given, dict):
        settings.problem("monitoring_service_thresholds", "must map service names to their thresholds")
        return
    allowed = [f"{kind}_{level}{spec[0]}" for kind, spec in SERVICE_THRESHOLD_KINDS.items() for level in ("warning", "critical")]
    allowed += [name for name, _percent in DEPLOY_THRESHOLDS]
    for service, thresholds in given.items():
        unknown = sorted(set(thresholds or {}) - set(allowed)) if isinstance(thresholds, dict) else ["(not a dictionary)"]
        if not SERVICE.match(str(service)) or unknown:
            settings.problem("monitoring_service_thresholds", f"service '{service}' sets {unknown or 'a bad name'}: only {', '.join(allowed)}")
            continue
        for kind, (suffix, role_wide, percent) in SERVICE_THRESHOLD_KINDS.items():
            if not any(f"{kind}_{level}{suffix}" in thresholds for level in ("warning", "critical")):
                continue
            levels = [
                _number(thresholds.get(f"{kind}_{level}{suffix}", settings[f"monitoring_{role_wide}_{level}{suffix}"])) for level in ("warning", "critical")
            ]
            if any(value is None or value < 0 or (percent and value > 100) for value in levels) or levels[0] >= levels[1]:
                what = "percentages" if percent else "numbers of seconds"
                settings.problem(
                    "monitoring_service_thresholds",
                    f"service '{service}' {kind}: warning {levels[0]} and critical {levels[1]} must be {what}, the warning below the critical one",
                )
        for name, percent in DEPLOY_THRESHOLDS:
            if name in thresholds and not _deploy_threshold_is_sound(thresholds[name], percent):
                settings.problem("monitoring_service_thresholds", f"service '{service}' {name} {thresholds[name]!r} {_deploy_rule(percent)}")


def monitoring_settings_errors(values):
    settings = Settings(values, "monitoring_settings_errors")
    defaults = settings["_defaults"] or {}
    settings.name_prefix("monitoring_name_prefix")
    for variable, pattern, rule in NAMES:
        settings.matches(variable, pattern, rule)
    for service in settings["monitoring_ecs_services"] or []:
        if not SERVICE.match(str(service)):
            settings.problem("monitoring_ecs_services", f"holds '{service}': service names are lower-case letters, digits and hyphens")
    _service_threshold_problems(settings)
    emails = settings["monitoring_alert_emails"] or []
    for email in emails:
        if not EMAIL.match(str(email)):
            settings.problem("monitoring_alert_emails", f"holds '{email}', which is not an email address")
    for twice in sorted({e for e in emails if emails.count(e) > 1}):
        settings.problem("monitoring_alert_emails", f"lists '{twice}' more than once")
    _evaluation_problems(settings)
    _threshold_problems(settings, defaults)
    _deploy_problems(settings)
    if settings.flag("monitoring_database_enabled"):
        settings.number("monitoring_db_max_connections", 1, None)
        settings.number("monitoring_db_allocated_storage_gb", 20, 65536)
    expression = str(settings["monitoring_xray_filter_expression"] or "")
    if not 1 <= len(expression) <= 2000:
        settings.problem("monitoring_xray_filter_expression", "must be 1-2000 characters")
    settings.number("monitoring_xray_sampling_priority", 1, 9999)
    settings.number("monitoring_xray_sampling_reservoir_size", 0, None)
    rate = _number(settings["monitoring_xray_sampling_fixed_rate"])
    if rate is None or not 0 <= rate <= 1:
        settings.problem("monitoring_xray_sampling_fixed_rate", "must be a share of requests, 0-1")
    if settings.flag("monitoring_strict") and settings["monitoring_state"] != "absent" and not emails:
        settings.strict_requires("monitoring_alert_emails", lambda value: False, "the alarms need at least one address to go to")
    return settings.problems


class FilterModule:
    def filters(self):
        return {"monitoring_settings_errors": monitoring_settings_errors}
